/* rowsort.h — ordering result rows by sort keys: the full sort (`sort`),
 * the first k rows of that order (`sort | limit k`, `top`), and a bounded
 * heap that keeps the first k rows of a stream without holding the rest
 * (`sort | limit k` over messages).
 *
 * The order (docs/semantics.md, sort): key by key, values compare with
 * val_cmp (both numbers: numerically; otherwise as text), a descending key
 * reversed, nulls last in either direction; rows equal on every key keep
 * their table order (the sort is stable). The keys are borrowed from the
 * query and must outlive any heap built on them. Tables are the caller's;
 * the functions reorder or cut them in place.
 */
#ifndef POSTERN_ROWSORT_H
#define POSTERN_ROWSORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ast.h"
#include "field.h"
#include "table.h"

/* <0, 0 or >0 as value u sorts before, with or after v under a key
 * (descending when desc): val_cmp's order, reversed for desc, nulls last. */
int rowsort_val_cmp(value_t u, value_t v, bool desc);

/* A 64-bit image of v whose unsigned order is its order under a key
 * (descending when desc) among values of v's type: a number's bits made
 * comparable, a text's first 8 bytes big-endian, a boolean 1 or 2; null
 * UINT64_MAX. *len gets a text's length (9 for any longer than 8 bytes:
 * equal images then say nothing), ROWSORT_NULL_LEN for any other value. */
uint64_t rowsort_image(value_t v, bool desc, uint32_t *len);
#define ROWSORT_NULL_LEN UINT32_MAX

/* The type of a key's value, as a bit to or into a set of the types a
 * key took over rows (null: 0). */
unsigned rowsort_kind(value_t v);
enum { ROWSORT_NUM = 1, ROWSORT_STR = 2, ROWSORT_BOOL = 4, ROWSORT_NAN = 8 };
/* Can a key whose values took the types in seen be sorted by images (one
 * type, no NaN)? */
bool rowsort_kinds_compact(unsigned seen);

/* <0, 0 or >0 as row a sorts before, with or after row b on keys alone. */
int rowsort_cmp(const record_t *a, const record_t *b, const sortkey_t *keys, uint32_t nkeys);

/* Sort t's rows by keys, stably. Keys whose values are all numbers, all
 * text or all booleans (nulls aside) are sorted as compact (key, row)
 * pairs: a radix pass on a 64-bit image of the first key, ties refined by
 * the rest; a key that mixes types falls back to a merge sort of row
 * indexes that compares the rows (val_cmp is no total order there). */
void rowsort_table(table_t *t, const sortkey_t *keys, uint32_t nkeys);

/* The indexes of t's rows in rowsort_table's order: a new array of t->n
 * (at least one) entries the caller frees; t is not changed. */
size_t *rowsort_order(const table_t *t, const sortkey_t *keys, uint32_t nkeys);

/* Keep the first k rows of rowsort_table's order, in that order; the
 * other rows are freed. A bounded heap over the compact pairs (O(n log k))
 * when the keys allow it, else the full sort and a cut. */
void rowsort_first(table_t *t, const sortkey_t *keys, uint32_t nkeys, size_t k);

/* The number of rows the sort at stage i of q must deliver: the count of
 * a `limit` that follows it with only `fields` stages between (they
 * neither drop nor add rows), or -1 when every row is needed. */
int64_t rowsort_limit(const query_t *q, uint32_t i);

/* Put each `fields` stage that follows a sort and keeps every sort key
 * before that sort (`sort by k | fields a, k` runs as `fields a, k | sort
 * by k`): the same rows in the same order, but the sort holds only the
 * fields that are shown, and cuts them while each record is fresh rather
 * than after the sort, row by row in sorted order. Run before the query's
 * per-stage state is set up; running it again changes nothing. */
void rowsort_plan(query_t *q);

/* Do the stages from i on neither read the message text (_raw) nor show
 * it? True when they are only sorts (not by _raw), `fields` lists and
 * limits, and the query's last `fields` list (which decides the columns)
 * does not name _raw.
 * The rows a sort at stage i holds can then leave the text behind. */
bool rowsort_raw_unused(const query_t *q, uint32_t i);

/* A bounded heap of streamed rows: the k first rows, in rowsort order, of
 * the rows added so far, rows equal on the keys ranked by arrival (and by
 * record seq first when by_seq: the order several threads' rows are put
 * in before a sort). Rows are copied in (strings into its own arena, which
 * is compacted as rows are replaced): memory is bounded by k rows. */
typedef struct rowheap rowheap_t;

/* A heap for k rows ranked by keys (borrowed). */
rowheap_t *rowheap_new(const sortkey_t *keys, uint32_t nkeys, size_t k, bool by_seq);
/* Offer r (not kept by the heap: it copies what it keeps). */
void rowheap_add(rowheap_t *h, const record_t *r);
/* Move the kept rows to the end of out, in the order they were added;
 * the heap is empty afterwards. */
void rowheap_finish(rowheap_t *h, table_t *out);
/* Free the heap and any row it still holds (NULL is fine). */
void rowheap_free(rowheap_t *h);

#endif
