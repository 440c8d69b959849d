/* regex.h — regular expressions with Sumo's (RE2) dialect on PCRE2.
 *
 * Sumo's `matches /re/`, `parse regex` and `replace(s, /re/, x)` use RE2
 * syntax. PCRE2 accepts a superset, so rx_compile rejects what RE2 does
 * not have (lookaround, backreferences, atomic groups, possessive
 * quantifiers, recursion, conditionals) with a message and the offset of
 * the construct. Patterns are JIT-compiled with a match limit. An rx_t
 * owns its PCRE2 objects; rx_free releases them. Matching is
 * thread-compatible: each thread passes its own rx_scratch_t.
 */
#ifndef POSTERN_REGEX_H
#define POSTERN_REGEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "str.h"

typedef struct rx rx_t;

/* Per-thread match data, large enough for any compiled pattern. */
typedef struct rx_scratch rx_scratch_t;

/* Compile pat. On error returns NULL, writes a message to err (errlen
 * bytes) and the byte offset in pat of the problem to *erroff. */
rx_t *rx_compile(pstr_t pat, char *err, size_t errlen, size_t *erroff);
/* Release a compiled pattern. */
void rx_free(rx_t *r);
/* Number of capture groups. */
uint32_t rx_ngroups(const rx_t *r);
/* Number of named groups, and the name and group number of the i-th. */
uint32_t rx_nnames(const rx_t *r);
pstr_t rx_name(const rx_t *r, uint32_t i, uint32_t *group);

/* Scratch for matching (owned by the caller; rx_scratch_free releases). */
rx_scratch_t *rx_scratch_new(void);
void rx_scratch_free(rx_scratch_t *s);

/* Search for r anywhere in s starting at byte offset start. Returns 1 on a
 * match (and fills ovec pairs of [start,end) offsets for groups 0..n-1
 * when ovec != NULL, -1 for unset groups), 0 for no match, -1 when the
 * match limit was hit (treated as no match by callers, and counted). */
int rx_search(const rx_t *r, rx_scratch_t *s, pstr_t str, size_t start, long *ovec, uint32_t n);

#endif
