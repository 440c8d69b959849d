/* keyword.h — search keywords and phrases before the first pipe.
 *
 * Sumo matches a scope keyword against the terms of the message: runs of
 * word characters split at whitespace and punctuation, ignoring case. A
 * kwpat_t is a keyword compiled once per query (query arena); matching
 * reads only the message bytes and allocates nothing, so threads share a
 * pattern freely.
 */
#ifndef POSTERN_KEYWORD_H
#define POSTERN_KEYWORD_H

#include <stdbool.h>
#include <stdint.h>

#include "arena.h"
#include "str.h"

/* A compiled keyword (opaque; lives in the arena it was compiled into). */
typedef struct kwpat kwpat_t;

/* Compile keyword text kw (a bare keyword, or the contents of a quoted
 * phrase when quoted). In a bare keyword `*` stands for zero or more word
 * characters and `?` for exactly one; in a phrase `*` is a wildcard and
 * `?` a plain character. A run of whitespace matches any run of
 * whitespace (Sumo's phrase normalisation). The pattern and its copy of
 * the text live in a. */
kwpat_t *kw_compile(arena_t *a, pstr_t kw, bool quoted);
/* True when raw holds the keyword as whole terms, ignoring ASCII case:
 * where the keyword's first (last) element is a word character, the match
 * may not continue a term on that side. */
bool kw_match(const kwpat_t *k, pstr_t raw);
/* The byte offset in a bare keyword of several terms of a `*` or `?` that
 * stands for part of an inner term (`jsmith@some*re.com`): such a keyword
 * matches nothing, as in Sumo. -1 when there is none (or k is NULL). */
int32_t kw_partial_wildcard(const kwpat_t *k);

#endif
