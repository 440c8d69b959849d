/* agg.h — grouping and aggregate functions.
 *
 * A gtab_t is the state of one aggregation stage: groups keyed on the
 * tuple of `by` values in the one hash table (hmap.h), each group one
 * arena block holding a small header, one mergeable state per aggregate
 * sized to what that aggregate needs, and the encoded key bytes (a
 * `count by a, b` group is 24 bytes plus its key). Kept values are copied
 * into the gtab's arena only when a group takes them. Two gtabs of the
 * same stage merge (gtab_merge) so inputs can be split across threads and
 * combined. The stage (and the query) are borrowed and must outlive it.
 */
#ifndef POSTERN_AGG_H
#define POSTERN_AGG_H

#include <stdatomic.h>
#include <stdint.h>

#include "ast.h"
#include "field.h"
#include "table.h"

typedef struct gtab gtab_t;
/* One group of a gtab (opaque); lives as long as its gtab. */
typedef struct gtab_group gtab_group_t;

/* Bookkeeping a streaming caller keeps per group (stream.c): zeroed when
 * the group is created, never read or written by agg.c. */
typedef struct gtab_mark {
    uint64_t n;          /* records folded in */
    int64_t first_ms;    /* smallest _messageTime seen */
    int64_t last_ms;     /* largest _messageTime seen */
    bool alerted;        /* the caller has reported this group */
} gtab_mark_t;

/* A memory budget the tables of one stage share (one per lane): what
 * they hold, counted as they grow (arena chunks, index doublings). */
typedef struct gtab_budget {
    _Atomic size_t used;  /* bytes charged by every table that uses it */
    size_t max;           /* the limit (0: none) */
} gtab_budget_t;

/* A new, empty table for aggregation stage st (ST_AGG or ST_TOP). */
gtab_t *gtab_new(const stage_t *st);
/* Keep a gtab_mark_t in every group (for gtab_group_mark); call before
 * the first gtab_add. Tables without marks spend no byte on them. */
void gtab_keep_marks(gtab_t *g);
/* Charge g's memory to budget b (borrowed, outlives g). Once the budget's
 * total passes b->max, gtab_over(g) is true and g creates no more groups
 * (gtab_add returns NULL). */
void gtab_set_budget(gtab_t *g, gtab_budget_t *b);
/* True when g's budget was exceeded (see gtab_set_budget). */
bool gtab_over(const gtab_t *g);
/* Free the table. */
void gtab_free(gtab_t *g);
/* Fold record r (input position seq, for first/last ties and output
 * order) into its group; returns that group (NULL only when the budget
 * is exceeded, see gtab_set_budget). */
gtab_group_t *gtab_add(gtab_t *g, const record_t *r, uint64_t seq);
/* gtab_add, except that when r's group does not exist yet and create is
 * false, nothing is folded and NULL is returned (a cap on groups). */
gtab_group_t *gtab_add_if(gtab_t *g, const record_t *r, uint64_t seq, bool create);
/* Let gtab_put gather records' keys and fold them a batch at a time,
 * fetching the batch's index slots first, when every aggregate is a
 * plain `count` (no marks); else gtab_put is gtab_add. */
void gtab_defer(gtab_t *g);
/* gtab_add for a caller that needs no group back: false only when the
 * budget is exceeded. With gtab_defer, r's key may wait to be folded
 * until a later gtab_put (the one that completes the batch: it returns
 * false when the budget stopped any of the batch) or gtab_settle;
 * gtab_count, gtab_over and gtab_bytes do not see it before, every other
 * function settles first. */
bool gtab_put(gtab_t *g, const record_t *r, uint64_t seq);
/* Fold the keys gtab_put left waiting, if any (when the input ends). */
void gtab_settle(gtab_t *g);
/* The caller's bookkeeping of group gr (see gtab_mark_t); only for a
 * table that keeps marks (gtab_keep_marks). */
gtab_mark_t *gtab_group_mark(gtab_group_t *gr);
/* Write group gr's current partial result as the only row of out (cleared
 * first), columns as gtab_emit: the state is not consumed, so more records
 * can be folded in afterwards. */
void gtab_emit_group(gtab_t *g, gtab_group_t *gr, table_t *out);
/* Bytes the table holds (groups, states, kept values, index). */
size_t gtab_bytes(const gtab_t *g);
/* Fold every group of src into dst; src is left empty but valid. */
void gtab_merge(gtab_t *dst, gtab_t *src);
/* Fold the groups of g[1..n) into g[0] (tables of one stage, the lanes
 * of one run), with the threads gtab_set_threads gave g[0]; the others
 * are left empty but valid. Afterwards g[0]'s groups are in the order of
 * their first record (gtab_order has nothing to do). */
void gtab_merge_all(gtab_t *const *g, unsigned n);
/* Number of groups. */
size_t gtab_count(const gtab_t *g);
/* Write one row per group into out (cleared first): the by keys, then the
 * aggregates in query order; out->cols fixed to that order. Groups come in
 * the order of their first record. */
void gtab_emit(gtab_t *g, table_t *out);
/* Append the columns of g's rows (the by keys, then the aggregates in
 * query order) to t's and fix them (t->fixed), as gtab_emit does. */
void gtab_cols(const gtab_t *g, table_t *t);
/* Call fn(ud, r) with each group's row, in the order of their first
 * record, columns as gtab_emit: for a caller that writes rows as they
 * come instead of holding a table of them. r and its strings are valid
 * during the call only. Stops at the first non-zero return of fn and
 * returns it (0 when every row was taken). The table stays usable. */
int gtab_each(gtab_t *g, int (*fn)(void *ud, record_t *r), void *ud);
/* Put the groups in the order of their first record (gtab_each does). */
void gtab_order(gtab_t *g);
/* Let the order of g's groups be sorted by n threads (default 1), when
 * they are many. */
void gtab_set_threads(gtab_t *g, unsigned n);
/* gtab_each over the groups from..to-1 of that order only, which
 * gtab_order (or gtab_each) must have set, no group added since. Calls on
 * ranges that do not overlap may run in several threads at once. */
int gtab_each_range(gtab_t *g, size_t from, size_t to, int (*fn)(void *ud, record_t *r), void *ud);
/* The rows of the groups at places idx[0..n) of the first-record order
 * (gtab_order set it), in idx's order, into out as gtab_emit makes them. */
void gtab_emit_of(gtab_t *g, const size_t *idx, size_t n, table_t *out);
/* gtab_each over the groups at places idx[0..n) of that order, in idx's
 * order (a sorted result); as gtab_each_range otherwise. */
int gtab_each_of(gtab_t *g, const size_t *idx, size_t n, int (*fn)(void *ud, record_t *r), void *ud);

#endif
