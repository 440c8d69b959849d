/* regex.h — regular expressions in Sumo's dialect (Java's syntax) on PCRE2.
 *
 * Sumo documents `parse regex` patterns as "a valid JAVA or RE2 regular
 * expression", `matches /re/` and `replace` ones as RE2; RE2's syntax is
 * nearly a subset of Java's. rx_compile reads Java syntax (and RE2's
 * (?P<name>...) and [[:alpha:]]), rewrites it for PCRE2 (regex_java.c) and
 * refuses, with the offset of the construct, what PCRE2 would read
 * differently or Java does not have (recursion, conditionals, \K). Patterns
 * are JIT-compiled and run under match, depth and heap limits. An rx_t owns
 * its PCRE2 objects and group table; rx_free releases them. Matching is
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

/* Compile pat (Java syntax). On error returns NULL, writes a message to
 * err (errlen bytes) and the byte offset in pat of the problem to *erroff.
 * The result does not refer to pat's bytes. */
rx_t *rx_compile(pstr_t pat, char *err, size_t errlen, size_t *erroff);
/* Release a compiled pattern. */
void rx_free(rx_t *r);
/* Number of capture groups (group 0, the whole match, not counted). */
uint32_t rx_ngroups(const rx_t *r);
/* Number of named groups, and the name and group number of the i-th in
 * pattern order. Names are views that live as long as r. */
uint32_t rx_nnames(const rx_t *r);
pstr_t rx_name(const rx_t *r, uint32_t i, uint32_t *group);
/* Group g (1..rx_ngroups): its name (empty when unnamed), the offset of
 * its '(' in the pattern, and the innermost capturing group around it
 * (0 when none). Out-of-range g gives empty, 0, 0. */
pstr_t rx_group_name(const rx_t *r, uint32_t g);
size_t rx_group_off(const rx_t *r, uint32_t g);
uint32_t rx_group_parent(const rx_t *r, uint32_t g);
/* The first construct of the pattern that RE2 lacks (e.g. "lookbehind",
 * a static string) and its offset in *off, or NULL when there is none. */
const char *rx_nonre2(const rx_t *r, size_t *off);

/* Scratch for matching (owned by the caller; rx_scratch_free releases). */
rx_scratch_t *rx_scratch_new(void);
void rx_scratch_free(rx_scratch_t *s);

/* Search for r anywhere in s starting at byte offset start. Returns 1 on a
 * match (and fills ovec pairs of [start,end) offsets for groups 0..n-1
 * when ovec != NULL, -1 for unset groups), 0 for no match, -1 when the
 * match, depth or heap limit was hit (treated as no match by callers, and
 * counted). Which tests give up depends only on r and str. When r has
 * given up on the give-up budget's worth of messages (1000 by default),
 * the process ends with exit 2 and an error naming the pattern, so a
 * hostile log costs a pathological pattern seconds, not hours, and no
 * answer missing that many tests is reported.
 * Thread-safe: threads may share r (each with its own scratch). */
int rx_search(const rx_t *r, rx_scratch_t *s, pstr_t str, size_t start, long *ovec, uint32_t n);

/* Set the give-up budget of every pattern (0: none, for runs that never
 * end such as --follow and watch, where the cost is paid per message as
 * it arrives). Call before any thread matches. */
void rx_set_giveup_budget(unsigned n);

#endif
