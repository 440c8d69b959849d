/* lex.h — the query tokenizer.
 *
 * Tokens are (kind, span) views into the query text the lexer was given;
 * the text must outlive every token (query_parse passes its arena copy).
 * Unescaped string contents (only when the token had escapes) are written
 * into the arena given to lex_init and live as long as that arena.
 */
#ifndef POSTERN_LEX_H
#define POSTERN_LEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "diag.h"
#include "str.h"

/* Token kinds and how messages name them. ORDER TOK: tok_desc[] in lex.c. */
#define TOKEN_KINDS(X)                                          \
    X(T_EOF, "end of query")                                    \
    X(T_ERROR, "bad token")    /* lexing failed: see tok.err */ \
    X(T_IDENT, "identifier")   /* name, keyword or function */  \
    X(T_QIDENT, "field name")  /* %"field name" */              \
    X(T_WORD, "search term")   /* scope mode: a bare term */    \
    X(T_NUM, "number")                                          \
    X(T_STR, "string")         /* "..." */                      \
    X(T_REGEX, "regex")        /* /.../ */                      \
    X(T_PATH, "path")          /* path://"..." */               \
    X(T_PIPE, "'|'")                                            \
    X(T_LPAREN, "'('")                                          \
    X(T_RPAREN, "')'")                                          \
    X(T_COMMA, "','")                                           \
    X(T_EQ, "'='")                                              \
    X(T_EQEQ, "'=='")                                           \
    X(T_NE, "'!='")                                             \
    X(T_LTGT, "'<>'")                                           \
    X(T_LT, "'<'")                                              \
    X(T_GT, "'>'")                                              \
    X(T_LE, "'<='")                                             \
    X(T_GE, "'>='")                                             \
    X(T_PLUS, "'+'")                                            \
    X(T_MINUS, "'-'")                                           \
    X(T_STAR, "'*'")                                            \
    X(T_SLASH, "'/'")                                           \
    X(T_PERCENT, "'%'")                                         \
    X(T_BANG, "'!'")                                            \
    X(T_QUESTION, "'?'")                                        \
    X(T_COLON, "':'")                                           \
    X(T_ANDAND, "'&&'")                                         \
    X(T_OROR, "'||'")                                           \
    X(T_LBRACKET, "'['")      /* only as `[subquery` */

typedef enum tok_kind {
#define X(k, desc) k,
    TOKEN_KINDS(X)
#undef X
    T__COUNT
} tok_kind_t;

/* One token. */
typedef struct tok {
    uint8_t kind;     /* tok_kind_t */
    span_t sp;        /* the token's bytes in the text, quotes included */
    pstr_t v;         /* T_STR, T_QIDENT, T_PATH: contents with \" and \\ unescaped;
                         T_REGEX: the pattern with \/ turned into /; others: the text */
    const char *err;  /* T_ERROR: what is wrong (static string) */
} tok_t;

/* Tokenizer state; copying it saves a position (the parser peeks that way). */
typedef struct lexer {
    const char *s;    /* the text (borrowed) */
    uint32_t n;       /* its length */
    uint32_t pos;     /* next byte to read */
    arena_t *a;       /* receives unescaped strings (borrowed) */
    bool scope;       /* scope mode: bare search terms instead of expression tokens */
    bool operand;     /* an operand may come next, so '/' opens a regex */
} lexer_t;

/* Start tokenizing s[0..n) in scope mode. */
void lex_init(lexer_t *lx, const char *s, size_t n, arena_t *a);
/* The next token; T_EOF at the end, repeatedly. Always makes progress. */
tok_t lex_next(lexer_t *lx);
/* How messages name a token kind, e.g. "string", "')'". */
const char *lex_kind_desc(int kind);
/* Offset in the token text (after its opening delimiter) of byte off of
 * the token's unescaped value v: maps a regex error offset back onto the
 * query. delim is '"' for strings and '/' for regexes. */
uint32_t lex_rawoff(pstr_t raw, char delim, size_t off);

/* What a number's suffix made it. */
enum { LEX_NUM_PLAIN, LEX_NUM_SIZE, LEX_NUM_TIME };
/* The value of a T_NUM token's text: digits, fraction, exponent, times
 * its size factor (2k = 2000, 1Gi = 2^30) or time unit in milliseconds
 * (1.5s = 1500); *kind says which. False when text is no number. */
bool lex_num_value(pstr_t text, double *v, int *kind);

#endif
