/* check.h — the unit tests' shared counters and CHECK macros.
 *
 * Each test program includes this once, runs its checks and ends with
 * CHECK_DONE("name"), which prints "name: N passed, M failed" and returns
 * the exit status (non-zero when a check failed).
 */
#ifndef POSTERN_TEST_CHECK_H
#define POSTERN_TEST_CHECK_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "str.h"

static int npass, nfail;

/* Count cond; print the failing expression with its position. */
#define CHECK(cond)                                                                  \
    do {                                                                             \
        if (cond) npass++;                                                           \
        else {                                                                       \
            nfail++;                                                                 \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
        }                                                                            \
    } while (0)

/* Count a string comparison; print both strings when they differ. */
#define CHECK_STR(a, b)                                                                    \
    do {                                                                                   \
        const char *a_ = (a), *b_ = (b);                                                   \
        if (a_ && b_ && !strcmp(a_, b_)) npass++;                                          \
        else {                                                                             \
            nfail++;                                                                       \
            fprintf(stderr, "%s:%d: check failed: %s\n  got:  %s\n  want: %s\n", __FILE__, \
                    __LINE__, #a, a_ ? a_ : "(null)", b_ ? b_ : "(null)");                 \
        }                                                                                  \
    } while (0)

/* A NUL-terminated copy of view v, for CHECK_STR (one of 8 static buffers
 * used in turn, so a check may hold several; a view over 255 bytes is cut). */
static inline const char *check_cstr(pstr_t v) {
    static char b[8][256];
    static int k;
    k = (k + 1) % 8;
    snprintf(b[k], sizeof b[k], "%.*s", (int)v.n, v.p ? v.p : "");
    return b[k];
}

#if defined(POSTERN_AST_H) && defined(POSTERN_DIAG_H)
/* Parse a query (tests that include ast.h and diag.h first); its errors
 * are printed. Returns the query (caller frees), or NULL. */
static inline query_t *check_parse(const char *text) {
    diag_t d;
    diag_init(&d, "query", text, strlen(text));
    query_t *q = query_parse(text, strlen(text), &d);
    if (!q) diag_print(&d, stderr, D_ERROR);
    diag_free(&d);
    return q;
}
#endif

/* Print the totals and give main's return value. */
/* The next of a reproducible stream of 64-bit random numbers (splitmix64)
 * whose state the caller owns and seeds: the same numbers on every run. */
static inline uint64_t check_splitmix(uint64_t *state) {
    uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

#define CHECK_DONE(name) (printf("%s: %d passed, %d failed\n", (name), npass, nfail), nfail ? 1 : 0)

#endif
