/* regex_java.h — Java regex syntax rewritten as PCRE2 syntax (used by regex.c).
 *
 * Sumo documents `parse regex` patterns as Java (or RE2) regexes, and a
 * Java pattern does not always mean the same thing to PCRE2: `[\w-_]` is an
 * error there, `\p{Lower}` is Unicode there and ASCII in Java, `\0101` and
 * `\u0041` are octal and UTF-16 escapes only Java has. rxj_translate reads
 * a pattern in java.util.regex.Pattern's syntax and writes the PCRE2
 * pattern that matches the same, or refuses, with the byte offset of the
 * construct, what PCRE2 would read differently and postern cannot rewrite.
 * An rxj_t owns its buffers (rxj_free releases them); the group names in it
 * are views into the pattern passed in, which must outlive them.
 */
#ifndef POSTERN_REGEX_JAVA_H
#define POSTERN_REGEX_JAVA_H

#include <stdbool.h>
#include <stdint.h>

#include "buf.h"
#include "str.h"

/* Compile modes a translated pattern needs (rxj_t.modes). */
#define RXJ_UTF 1u /* code points, not bytes: non-ASCII text, \p, \h, escapes >= 0x80 */
#define RXJ_UCP 2u /* (?U): \w, \d, \s, \b and the POSIX classes are Unicode */

/* One capturing group of the Java pattern. */
typedef struct rxj_group {
    uint32_t off;    /* offset of its '(' in the Java pattern */
    uint32_t parent; /* number of the innermost capturing group around it; 0 at the top */
    pstr_t name;     /* its name, a view into the Java pattern; n == 0 when unnamed */
} rxj_group_t;

/* The result of one translation. Zero-initialised by rxj_translate. */
typedef struct rxj {
    buf_t out;            /* the PCRE2 pattern, NUL-terminated (owned) */
    uint32_t *map;        /* map[i]: Java-pattern offset behind out.p[i]; map[out.n] is
                           * the pattern's end (owned, out.n + 1 entries) */
    unsigned modes;       /* RXJ_UTF | RXJ_UCP */
    rxj_group_t *groups;  /* groups[g - 1] describes capturing group g (owned) */
    uint32_t ngroups;
    const char *nonre2;   /* the first construct RE2 lacks, e.g. "lookbehind" (static), or NULL */
    uint32_t nonre2_off;  /* its offset in the Java pattern */
    char err[192];        /* why the pattern was refused; "" on success */
    uint32_t erroff;      /* where, as an offset in the Java pattern */
} rxj_t;

/* Translate the Java pattern pat into t (which need not be initialised).
 * Returns true on success; false with t->err and t->erroff set. Either way
 * the caller releases t with rxj_free. */
bool rxj_translate(pstr_t pat, rxj_t *t);
/* Release what t owns. */
void rxj_free(rxj_t *t);

#endif
