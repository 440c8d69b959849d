/* lex.c — the query tokenizer: text in, (kind, span) tokens out.
 *
 * First stage of the pipeline (lex → parse → lint → plan). One pass, no
 * backtracking: the first byte of a token is classified through a 256-entry
 * table and each kind has a small scanner. Two modes: the scope (before the
 * first pipe) splits bare search terms at whitespace and ( ) | " =, while
 * the stages after it see identifiers, numbers, strings, regexes, operators.
 */
#include "lex.h"

#include <stdlib.h>
#include <string.h>

/* Byte classes, OR-ed flags. */
enum {
    CF_SPACE = 1,   /* whitespace */
    CF_IDSTART = 2, /* starts an identifier: letters and '_' */
    CF_IDCONT = 4,  /* continues one: letters, digits, '_', '.' */
    CF_DIGIT = 8,   /* starts a number */
    CF_STOP = 16,   /* ends a bare scope term */
    CF_OP = 32,     /* starts an operator or punctuation token */
};

#define NO 0
#define SP (CF_SPACE | CF_STOP)
#define LT (CF_IDSTART | CF_IDCONT)
#define DG (CF_DIGIT | CF_IDCONT)
#define DT CF_IDCONT
#define OP CF_OP
#define OS (CF_OP | CF_STOP)
#define QU CF_STOP

/* The class of every byte. Bytes >= 0x80 are "other": allowed inside
 * strings, regexes and scope terms, an error elsewhere. */
static const uint8_t cclass[256] = {
    /* 0x00 */ NO, NO, NO, NO, NO, NO, NO, NO, NO, SP, SP, SP, SP, SP, NO, NO,
    /* 0x10 */ NO, NO, NO, NO, NO, NO, NO, NO, NO, NO, NO, NO, NO, NO, NO, NO,
    /*  !"#$%&'()*+,-./ */
    /* 0x20 */ SP, OP, QU, NO, NO, OP, OP, NO, OS, OS, OP, OP, OP, OP, DT, OP,
    /* 0123456789:;<=>? */
    /* 0x30 */ DG, DG, DG, DG, DG, DG, DG, DG, DG, DG, OP, NO, OP, OS, OP, OP,
    /* @ABCDEFGHIJKLMNO */
    /* 0x40 */ NO, LT, LT, LT, LT, LT, LT, LT, LT, LT, LT, LT, LT, LT, LT, LT,
    /* PQRSTUVWXYZ[\]^_ */
    /* 0x50 */ LT, LT, LT, LT, LT, LT, LT, LT, LT, LT, LT, NO, NO, NO, NO, LT,
    /* `abcdefghijklmno */
    /* 0x60 */ NO, LT, LT, LT, LT, LT, LT, LT, LT, LT, LT, LT, LT, LT, LT, LT,
    /* pqrstuvwxyz{|}~  */
    /* 0x70 */ LT, LT, LT, LT, LT, LT, LT, LT, LT, LT, LT, NO, OS, NO, NO, NO,
    /* 0x80 */ NO, NO, NO, NO, NO, NO, NO, NO, NO, NO, NO, NO, NO, NO, NO, NO,
    /* 0x90 */ NO, NO, NO, NO, NO, NO, NO, NO, NO, NO, NO, NO, NO, NO, NO, NO,
    /* 0xa0 */ NO, NO, NO, NO, NO, NO, NO, NO, NO, NO, NO, NO, NO, NO, NO, NO,
    /* 0xb0 */ NO, NO, NO, NO, NO, NO, NO, NO, NO, NO, NO, NO, NO, NO, NO, NO,
    /* 0xc0 */ NO, NO, NO, NO, NO, NO, NO, NO, NO, NO, NO, NO, NO, NO, NO, NO,
    /* 0xd0 */ NO, NO, NO, NO, NO, NO, NO, NO, NO, NO, NO, NO, NO, NO, NO, NO,
    /* 0xe0 */ NO, NO, NO, NO, NO, NO, NO, NO, NO, NO, NO, NO, NO, NO, NO, NO,
    /* 0xf0 */ NO, NO, NO, NO, NO, NO, NO, NO, NO, NO, NO, NO, NO, NO, NO, NO,
};

#undef NO
#undef SP
#undef LT
#undef DG
#undef DT
#undef OP
#undef OS
#undef QU

static const char *const tok_desc[T__COUNT] = { /* ORDER TOK */
#define X(k, desc) desc,
    TOKEN_KINDS(X)
#undef X
};

#define CLS(c) cclass[(unsigned char)(c)]

/* See lex.h. */
void lex_init(lexer_t *lx, const char *s, size_t n, arena_t *a) {
    lx->s = s;
    lx->n = (uint32_t)n;
    lx->pos = 0;
    lx->a = a;
    lx->scope = true;
    lx->operand = true;
}

/* See lex.h. */
const char *lex_kind_desc(int kind) {
    return (kind >= 0 && kind < T__COUNT) ? tok_desc[kind] : "token";
}

static tok_t mk(uint8_t kind, const lexer_t *lx, uint32_t start, uint32_t end) {
    tok_t t = {0};
    t.kind = kind;
    t.sp = (span_t){start, end - start};
    t.v = pstr(lx->s + start, end - start);
    return t;
}

static tok_t mkerr(const lexer_t *lx, uint32_t start, uint32_t end, const char *msg) {
    tok_t t = mk(T_ERROR, lx, start, end);
    t.err = msg;
    return t;
}

/* The byte an escape `\c` stands for inside a token delimited by delim,
 * or -1 when the escape is kept as written. Strings know Java's \" \\ \n
 * \t \r (the docs' `parse "To: *\n"`); regexes only \/. Every other escape
 * stays (a regex needs its \d, \., \\ untouched; "em\.client" keeps its
 * backslash). */
static int escape_byte(char delim, char c) {
    if (delim != '"') return c == '/' ? '/' : -1;
    switch (c) {
    case '"': return '"';
    case '\\': return '\\';
    case 'n': return '\n';
    case 't': return '\t';
    case 'r': return '\r';
    default: return -1;
    }
}

/* Scan the body of a token opened by delim at lx->s[open]. On success
 * sets *end past the closing delimiter and *out to the unescaped body. */
static bool scan_delimited(lexer_t *lx, uint32_t open, char delim, uint32_t *end, pstr_t *out) {
    const char *s = lx->s;
    uint32_t i = open + 1;
    bool esc = false;
    while (i < lx->n && s[i] != delim) {
        if (delim == '/' && s[i] == '\n') return false;
        if (s[i] == '\\' && i + 1 < lx->n) {
            esc = esc || escape_byte(delim, s[i + 1]) >= 0;
            i += 2;
            continue;
        }
        i++;
    }
    if (i >= lx->n) return false;
    *end = i + 1;
    pstr_t raw = pstr(s + open + 1, i - open - 1);
    if (!esc) {
        *out = raw;
        return true;
    }
    char *d = arena_alloc(lx->a, raw.n + 1);
    size_t k = 0;
    for (size_t j = 0; j < raw.n; j++) {
        if (raw.p[j] == '\\' && j + 1 < raw.n) {
            int b = escape_byte(delim, raw.p[j + 1]);
            if (b < 0) d[k++] = '\\';
            d[k++] = b < 0 ? raw.p[j + 1] : (char)b;
            j++;
        } else {
            d[k++] = raw.p[j];
        }
    }
    d[k] = 0;
    *out = pstr(d, k);
    return true;
}

/* See lex.h. Mirrors the unescaping in scan_delimited. */
uint32_t lex_rawoff(pstr_t raw, char delim, size_t off) {
    size_t i = 0, j = 0;
    while (i < raw.n && j < off) {
        if (raw.p[i] == '\\' && i + 1 < raw.n) {
            if (escape_byte(delim, raw.p[i + 1]) >= 0) {
                i += 2;
                j += 1;
            } else {
                if (j + 1 == off) return (uint32_t)(i + 1);
                i += 2;
                j += 2;
            }
            continue;
        }
        i++;
        j++;
    }
    return (uint32_t)i;
}

/* A string-like token: "..." (kind T_STR), %"..." (T_QIDENT, open at the
 * quote, start at the '%'), /.../ (T_REGEX). */
static tok_t lex_delimited(lexer_t *lx, uint8_t kind, uint32_t start, uint32_t open, char delim) {
    uint32_t end;
    pstr_t v;
    if (!scan_delimited(lx, open, delim, &end, &v)) {
        /* Point at the opening delimiter; resume at the end of the line
         * for a regex (which cannot span lines), else at the end. */
        uint32_t resume = lx->n;
        if (delim == '/') {
            const char *nl = memchr(lx->s + open, '\n', lx->n - open);
            if (nl) resume = (uint32_t)(nl - lx->s);
        }
        lx->pos = resume;
        return mkerr(lx, start, open + 1, delim == '/' ? "unterminated regex" : "unterminated string");
    }
    lx->pos = end;
    tok_t t = mk(kind, lx, start, end);
    t.v = v;
    return t;
}

/* Number suffixes (field-expressions page): size factors and time units
 * in milliseconds, case-sensitive, longest spelling first. ORDER: a
 * suffix that is a prefix of another comes after it. */
static const struct numsuffix {
    const char *s;  /* the suffix */
    uint8_t kind;   /* LEX_NUM_SIZE or LEX_NUM_TIME */
    double factor;  /* what the number is multiplied by */
} num_suffixes[] = {
    {"ns", LEX_NUM_TIME, 1e-6},        {"us", LEX_NUM_TIME, 1e-3},
    {"ms", LEX_NUM_TIME, 1},           {"Ki", LEX_NUM_SIZE, 1024.0},
    {"Mi", LEX_NUM_SIZE, 1048576.0},   {"Gi", LEX_NUM_SIZE, 1073741824.0},
    {"Ti", LEX_NUM_SIZE, 1099511627776.0}, {"Pi", LEX_NUM_SIZE, 1125899906842624.0},
    {"K", LEX_NUM_SIZE, 1e3},          {"k", LEX_NUM_SIZE, 1e3},
    {"M", LEX_NUM_SIZE, 1e6},          {"G", LEX_NUM_SIZE, 1e9},
    {"B", LEX_NUM_SIZE, 1e9},          {"T", LEX_NUM_SIZE, 1e12},
    {"P", LEX_NUM_SIZE, 1e15},         {"s", LEX_NUM_TIME, 1e3},
    {"m", LEX_NUM_TIME, 6e4},          {"h", LEX_NUM_TIME, 3.6e6},
    {"d", LEX_NUM_TIME, 8.64e7},       {"w", LEX_NUM_TIME, 6.048e8},
};

/* Length of the digits, fraction and exponent of a number at s[i..n). */
static uint32_t number_len(const char *s, uint32_t i, uint32_t n) {
    uint32_t start = i;
    while (i < n && (CLS(s[i]) & CF_DIGIT)) i++;
    if (i + 1 < n && s[i] == '.' && (CLS(s[i + 1]) & CF_DIGIT)) {
        i++;
        while (i < n && (CLS(s[i]) & CF_DIGIT)) i++;
    }
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        uint32_t k = i + 1;
        if (k < n && (s[k] == '+' || s[k] == '-')) k++;
        if (k < n && (CLS(s[k]) & CF_DIGIT)) {
            i = k;
            while (i < n && (CLS(s[i]) & CF_DIGIT)) i++;
        }
    }
    return i - start;
}

/* The suffix at s[i..n) that ends where an identifier could not go on,
 * or NULL. */
static const struct numsuffix *number_suffix(const char *s, uint32_t i, uint32_t n) {
    for (size_t k = 0; k < sizeof num_suffixes / sizeof *num_suffixes; k++) {
        size_t len = strlen(num_suffixes[k].s);
        if (n - i < len || memcmp(s + i, num_suffixes[k].s, len) != 0) continue;
        if (i + len < n && (CLS(s[i + len]) & CF_IDCONT)) continue;
        return &num_suffixes[k];
    }
    return NULL;
}

/* A number: digits with an optional fraction (`.4` too) and exponent,
 * and an optional size or time suffix (`2k`, `1.5s`), all one token. */
static tok_t lex_number(lexer_t *lx) {
    uint32_t i = lx->pos + number_len(lx->s, lx->pos, lx->n);
    const struct numsuffix *sfx = number_suffix(lx->s, i, lx->n);
    if (sfx) i += (uint32_t)strlen(sfx->s);
    tok_t t = mk(T_NUM, lx, lx->pos, i);
    lx->pos = i;
    return t;
}

/* See lex.h. */
bool lex_num_value(pstr_t text, double *v, int *kind) {
    char tmp[64];
    uint32_t len = number_len(text.p, 0, (uint32_t)text.n);
    if (len == 0 || len >= sizeof tmp) return false;
    memcpy(tmp, text.p, len);
    tmp[len] = 0;
    double d = strtod(tmp, NULL);
    *kind = LEX_NUM_PLAIN;
    if (len < text.n) {
        const struct numsuffix *sfx = number_suffix(text.p, len, (uint32_t)text.n);
        if (!sfx || len + strlen(sfx->s) != text.n) return false;
        d *= sfx->factor;
        *kind = sfx->kind;
    }
    *v = d;
    return true;
}

static tok_t lex_ident(lexer_t *lx) {
    const char *s = lx->s;
    uint32_t start = lx->pos, i = start;
    while (i < lx->n && (CLS(s[i]) & CF_IDCONT)) i++;
    /* path://"..." is one token, so its "//" is not taken for a comment. */
    if (i - start == 4 && pstr_ieq_c(pstr(s + start, 4), "path") && lx->n - i >= 4 &&
        memcmp(s + i, "://\"", 4) == 0)
        return lex_delimited(lx, T_PATH, start, i + 3, '"');
    lx->pos = i;
    return mk(T_IDENT, lx, start, i);
}

/* Length of the (possibly multi-byte UTF-8) character at s[i]. */
static uint32_t char_len(const lexer_t *lx, uint32_t i) {
    unsigned char c = (unsigned char)lx->s[i];
    uint32_t len = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
    return i + len > lx->n ? lx->n - i : len;
}

/* An operator or punctuation token of one or two bytes. */
static tok_t lex_op(lexer_t *lx) {
    const char *s = lx->s;
    uint32_t i = lx->pos;
    char c = s[i], c2 = i + 1 < lx->n ? s[i + 1] : 0;
    uint8_t k;
    uint32_t len = 1;
    switch (c) {
    case '(': k = T_LPAREN; break;
    case ')': k = T_RPAREN; break;
    case ',': k = T_COMMA; break;
    case '+': k = T_PLUS; break;
    case '-': k = T_MINUS; break;
    case '*': k = T_STAR; break;
    case '?': k = T_QUESTION; break;
    case ':': k = T_COLON; break;
    case '%': k = T_PERCENT; break;
    case '/': k = T_SLASH; break;
    case '|': if (c2 == '|') { k = T_OROR; len = 2; } else k = T_PIPE; break;
    case '=': if (c2 == '=') { k = T_EQEQ; len = 2; } else k = T_EQ; break;
    case '!': if (c2 == '=') { k = T_NE; len = 2; } else k = T_BANG; break;
    case '<':
        if (c2 == '=') { k = T_LE; len = 2; }
        else if (c2 == '>') { k = T_LTGT; len = 2; }
        else k = T_LT;
        break;
    case '>': if (c2 == '=') { k = T_GE; len = 2; } else k = T_GT; break;
    case '[': k = T_LBRACKET; break;
    case '&':
        if (c2 == '&') { k = T_ANDAND; len = 2; break; }
        lx->pos = i + 1;
        return mkerr(lx, i, i + 1, "unexpected character ('&&' is the and operator)");
    default: {
        uint32_t cl = char_len(lx, i);
        lx->pos = i + cl;
        return mkerr(lx, i, i + cl, "unexpected character");
    }
    }
    lx->pos = i + len;
    return mk(k, lx, i, i + len);
}

/* %name.with.dots[2]: a field name json auto made (parse JSON page:
 * "you may escape the field using the percent sign"), one T_QIDENT whose
 * value is the name after the '%'. */
static tok_t lex_pct_name(lexer_t *lx) {
    const char *s = lx->s;
    uint32_t start = lx->pos, i = start + 1;
    while (i < lx->n && ((CLS(s[i]) & CF_IDCONT) || s[i] == '[' || s[i] == ']')) i++;
    lx->pos = i;
    tok_t t = mk(T_QIDENT, lx, start, i);
    t.v = pstr(s + start + 1, i - start - 1);
    return t;
}

static tok_t lex_expr(lexer_t *lx) {
    uint32_t i = lx->pos;
    char c = lx->s[i];
    uint8_t f = CLS(c);
    if (f & CF_IDSTART) return lex_ident(lx);
    if ((f & CF_DIGIT) || (c == '.' && i + 1 < lx->n && (CLS(lx->s[i + 1]) & CF_DIGIT))) return lex_number(lx);
    if (c == '"') return lex_delimited(lx, T_STR, i, i, '"');
    if (c == '%' && i + 1 < lx->n && lx->s[i + 1] == '"') return lex_delimited(lx, T_QIDENT, i, i + 1, '"');
    if (c == '%' && i + 1 < lx->n && (CLS(lx->s[i + 1]) & CF_IDSTART)) return lex_pct_name(lx);
    if (c == '/' && lx->operand) return lex_delimited(lx, T_REGEX, i, i, '/');
    return lex_op(lx);
}

/* Scope mode: ( ) | = != ! and "phrases" are tokens; anything else up to
 * whitespace or one of those is a bare term (T_WORD), so `*network*`,
 * `10.0.0.*` and `host-1` each stay one term. */
static tok_t lex_scope(lexer_t *lx) {
    const char *s = lx->s;
    uint32_t i = lx->pos, n = lx->n;
    switch (s[i]) {
    case '(': lx->pos = i + 1; return mk(T_LPAREN, lx, i, i + 1);
    case ')': lx->pos = i + 1; return mk(T_RPAREN, lx, i, i + 1);
    case '|': lx->pos = i + 1; return mk(T_PIPE, lx, i, i + 1);
    case '=': lx->pos = i + 1; return mk(T_EQ, lx, i, i + 1);
    case '"': return lex_delimited(lx, T_STR, i, i, '"');
    case '%':
        if (i + 1 < n && s[i + 1] == '"') return lex_delimited(lx, T_QIDENT, i, i + 1, '"'); /* %"x-event"=v */
        break;
    case '[': { /* [subquery ...]: any other '[' is part of a term */
        uint32_t k = i + 1;
        while (k < n && (s[k] == ' ' || s[k] == '\t' || s[k] == '\n' || s[k] == '\r')) k++;
        if (n - k >= 8 && pstr_ieq_c(pstr(s + k, 8), "subquery")) {
            lx->pos = i + 1;
            return mk(T_LBRACKET, lx, i, i + 1);
        }
        break;
    }
    case '!':
        if (i + 1 < n && s[i + 1] == '=') { lx->pos = i + 2; return mk(T_NE, lx, i, i + 2); }
        lx->pos = i + 1;
        return mk(T_BANG, lx, i, i + 1);
    default: break;
    }
    uint32_t j = i;
    while (j < n && !(CLS(s[j]) & CF_STOP) && !(s[j] == '!' && j + 1 < n && s[j + 1] == '=')) j++;
    lx->pos = j;
    return mk(T_WORD, lx, i, j);
}

/* Words after which an operand (and so a regex) may follow. */
static bool opens_operand(pstr_t w) {
    static const char *const words[] = {"matches", "and", "or", "not", "contains", "in", "where"};
    for (size_t i = 0; i < sizeof words / sizeof *words; i++)
        if (pstr_ieq_c(w, words[i])) return true;
    return false;
}

/* See lex.h. */
tok_t lex_next(lexer_t *lx) {
    const char *s = lx->s;
    for (;;) {
        while (lx->pos < lx->n && (CLS(s[lx->pos]) & CF_SPACE)) lx->pos++;
        if (lx->pos + 1 < lx->n && s[lx->pos] == '/' && s[lx->pos + 1] == '/') {
            while (lx->pos < lx->n && s[lx->pos] != '\n') lx->pos++;
            continue;
        }
        if (lx->pos + 1 < lx->n && s[lx->pos] == '/' && s[lx->pos + 1] == '*') {
            /* A block comment; an unterminated one runs to the end. */
            const char *e = NULL;
            for (uint32_t k = lx->pos + 2; k + 1 < lx->n && !e; k++)
                if (s[k] == '*' && s[k + 1] == '/') e = s + k;
            lx->pos = e ? (uint32_t)(e - s) + 2 : lx->n;
            continue;
        }
        break;
    }
    if (lx->pos >= lx->n) return mk(T_EOF, lx, lx->n, lx->n);
    tok_t t = lx->scope ? lex_scope(lx) : lex_expr(lx);
    switch (t.kind) {
    case T_IDENT: lx->operand = opens_operand(t.v); break;
    case T_QIDENT: case T_NUM: case T_STR: case T_REGEX: case T_PATH: case T_RPAREN: case T_WORD:
        lx->operand = false;
        break;
    default: lx->operand = true; break;
    }
    return t;
}
