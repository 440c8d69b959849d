/* diag.h — diagnostics with source positions.
 *
 * Every stage that reads text (the query parser, the linter, the rule
 * loader) reports into a diag_t instead of printing or exiting. A message
 * records the byte span it is about; diag_print renders
 *   query:3:14: error: unknown aggregate 'dcount'
 *     | count_distinct ... dcount(dest_ip)
 *     |                    ^~~~~~
 *     = hint: did you mean count_distinct?
 * The diag_t owns its messages (heap); the source text is borrowed and must
 * outlive diag_print.
 */
#ifndef POSTERN_DIAG_H
#define POSTERN_DIAG_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/* A byte range [off, off+len) of the source text. */
typedef struct span {
    uint32_t off;
    uint32_t len;
} span_t;

/* Severity. ORDER DLEVEL: diag_level_name() depends on it. */
typedef enum dlevel { D_ERROR, D_WARNING, D_NOTE } dlevel_t;

/* One message. */
typedef struct dmsg {
    dlevel_t lvl;
    span_t sp;
    char *code;   /* short stable id, e.g. "dcount", "matches-wildcard"; owned, may be NULL */
    char *msg;    /* owned */
    char *hint;   /* owned, may be NULL */
} dmsg_t;

/* A collection of messages about one source text. */
typedef struct diag {
    const char *name;  /* shown before the position: "query", a rule file path (borrowed) */
    const char *src;   /* the source text (borrowed) */
    size_t srclen;
    uint32_t line0;    /* line number of src's first line in its file, minus 1 (0 for a query) */
    dmsg_t *m;         /* messages, owned */
    uint32_t n, cap;
    uint32_t nerr, nwarn;
} diag_t;

/* Start collecting messages about src[0..len). */
void diag_init(diag_t *d, const char *name, const char *src, size_t len);
/* Free all messages. */
void diag_free(diag_t *d);
/* Add a message; code may be NULL. Returns its index. */
uint32_t diag_add(diag_t *d, dlevel_t lvl, span_t sp, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
/* Attach a hint to message i. */
void diag_hint(diag_t *d, uint32_t i, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* 1-based line and column (in bytes) of a byte offset. */
void diag_linecol(const diag_t *d, uint32_t off, uint32_t *line, uint32_t *col);
/* Drop the warnings and notes carrying code (errors are kept). */
void diag_suppress(diag_t *d, const char *code);
/* Turn the warnings carrying code into notes, why appended to their
 * text in parentheses (a rule's lint_ignore, as lint shows it). */
void diag_accept(diag_t *d, const char *code, const char *why);
/* Turn every warning into an error (--strict). */
void diag_promote_warnings(diag_t *d);
/* Print every message at or above min severity (D_NOTE prints all). */
void diag_print(const diag_t *d, FILE *f, dlevel_t min);
/* Print one message. */
void diag_print_one(const diag_t *d, const dmsg_t *m, FILE *f);

#endif
