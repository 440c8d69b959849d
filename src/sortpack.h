/* sortpack.h — the rows a full sort over messages holds, packed.
 *
 * Each lane (worker thread) of a run whose first blocking stage is a
 * `sort` keeps the rows that reach it in a sortpack: sortpack_add copies
 * the row's sort keys and the record itself (rec_pack) into the pack's
 * blocks of bytes, and appends a 24-byte entry — the first key's 64-bit
 * image (its unsigned order is the key's order; a text's carries its
 * length), the row's input position (record seq) and where its bytes are.
 * No record_t and no malloc per row.
 *
 * At the end, when every key's values are of one type over every lane
 * (sortpack_compact), each lane sorts its own entries (sortpack_sort: a
 * radix sort on the image, runs of equal images by the rest of the keys;
 * stable, so rows equal on every key stay in input order), and the lanes
 * merge into one order (sortpack_merge; equal rows by seq). That is
 * rowsort_table's order over the rows sorted by seq. A key that mixes
 * types has no total order: the rows then go back into a table
 * (sortpack_to_table) for rowsort's merge sort, as before.
 *
 * A pack owns every byte it holds; the rows of a merged order point into
 * the packs, which must outlive it. The keys are borrowed from the query.
 */
#ifndef POSTERN_SORTPACK_H
#define POSTERN_SORTPACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "agg.h"
#include "ast.h"
#include "field.h"
#include "table.h"

typedef struct sortpack sortpack_t;

/* An empty pack for rows sorted by keys (borrowed). */
sortpack_t *sortpack_new(const sortkey_t *keys, uint32_t nkeys);
/* Free p and every row it holds (NULL is fine). */
void sortpack_free(sortpack_t *p);
/* Copy r in (r is only read, during the call). Returns false once p's
 * budget is exceeded (this row may or may not have been taken; the run is
 * to stop: see sortpack_set_budget). */
bool sortpack_add(sortpack_t *p, const record_t *r);
/* Charge p's rows and entries to budget b (borrowed, outlives p; shared by
 * every lane's pack): once the total passes b->max, sortpack_over(p) is
 * true and p takes no more rows. */
void sortpack_set_budget(sortpack_t *p, gtab_budget_t *b);
/* True when p's budget was exceeded. */
bool sortpack_over(const sortpack_t *p);
/* Rows held. */
size_t sortpack_count(const sortpack_t *p);
/* Can the rows of the n packs be sorted as packed rows: is every key's
 * values of one type (nulls aside) and no NaN, over all of them? */
bool sortpack_compact(sortpack_t *const *ps, unsigned n);
/* Sort p's rows (after sortpack_compact said yes). */
void sortpack_sort(sortpack_t *p);
/* The rows of the n sorted packs in one order: a new array of *count row
 * references (at least one slot) the caller frees, each valid while its
 * pack lives. The packs' entries are freed (their rows stay). */
const char **sortpack_merge(sortpack_t *const *ps, unsigned n, size_t *count);
/* Make r (cleared first) the row ref names (one of p's, or of a pack with
 * the same keys); its strings point into the pack. */
void sortpack_row(const sortpack_t *p, const char *ref, record_t *r);
/* The ids of the fields some row of p carried: seen[id] is 1 for each
 * (ids at or past *n: none). Owned by p. */
const uint8_t *sortpack_fields(const sortpack_t *p, uint32_t *n);
/* Append p's rows to t in the order they were added (each with its seq),
 * and empty p. */
void sortpack_to_table(sortpack_t *p, table_t *t);

#endif
