/* tabkit.h — what the table operators share: tuples of values as keys,
 * row removal, window statistics.
 *
 * The operators that run on a whole table (transpose, fillmissing, accum
 * and its siblings, outlier, dedup, topk) group rows by the values some
 * fields hold. A tk_t gives each distinct tuple a dense id 0, 1, 2, ...
 * in order of first appearance. Values compare by their text: a number
 * by its printed form (so "200" and 200 are one key), a boolean as
 * true/false, and null apart from every string (null is not ""). The
 * index owns copies of the key bytes; tk_free releases everything.
 * tk_keep_rows removes rows from a table, for the operators that drop;
 * tk_stats gives the mean and deviation of a window of numbers.
 */
#ifndef POSTERN_TABKIT_H
#define POSTERN_TABKIT_H

#include <stdbool.h>
#include <stdint.h>

#include "buf.h"
#include "field.h"
#include "hmap.h"
#include "table.h"

/* "No such key" from tk_end and tk_row. */
#define TK_NONE UINT32_MAX

/* A tuple index. Zero-initialised (or tk_init) is empty. */
typedef struct tk {
    hmb_t set;          /* the encoded keys, ids in order of first appearance (hmap.h) */
    uint32_t n;         /* ids handed out (hmb_count(&set)) */
    buf_t kb;           /* the key being built by tk_push */
} tk_t;

/* The text a value is keyed and named by: a string as it is, a number
 * printed into tmp (at least 40 bytes), true/false; null gives PSTR_NULL. */
pstr_t tk_text(value_t v, char *tmp);
/* An empty index. */
void tk_init(tk_t *k);
/* Free everything the index holds. */
void tk_free(tk_t *k);
/* Start building a key. */
void tk_begin(tk_t *k);
/* Append one value to the key being built. */
void tk_push(tk_t *k, value_t v);
/* The id of the key built since tk_begin: found, or (when add) added
 * with the next id; TK_NONE when absent and !add. *isnew (may be NULL)
 * says it was added. */
uint32_t tk_end(tk_t *k, bool add, bool *isnew);
/* tk_begin, tk_push of r's values in fields ids[0..n), tk_end. */
uint32_t tk_row(tk_t *k, const record_t *r, const uint32_t *ids, uint32_t n, bool add, bool *isnew);

/* Keep the rows i of t whose keep[i] is non-zero, in their order; the
 * others are freed (their strings stay in t's arena until t dies). */
void tk_keep_rows(table_t *t, const uint8_t *keep);

/* Mean and sample standard deviation (0 for one value) of v[0..n), n > 0. */
void tk_stats(const double *v, uint32_t n, double *mean, double *sd);

#endif
