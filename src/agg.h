/* agg.h — grouping and aggregate functions.
 *
 * A gtab_t is the state of one aggregation stage: an open-addressing hash
 * table of groups keyed on the tuple of `by` values, each group holding
 * one mergeable state per aggregate. Key bytes and kept values are copied
 * into the gtab's arena only when a group is created. Two gtabs of the
 * same stage merge (gtab_merge) so inputs can be split across threads and
 * combined. The stage (and the query) are borrowed and must outlive it.
 */
#ifndef POSTERN_AGG_H
#define POSTERN_AGG_H

#include <stdint.h>

#include "ast.h"
#include "field.h"
#include "table.h"

typedef struct gtab gtab_t;

/* A new, empty table for aggregation stage st (ST_AGG or ST_TOP). */
gtab_t *gtab_new(const stage_t *st);
/* Free the table. */
void gtab_free(gtab_t *g);
/* Fold record r (input position seq, for first/last ties and output
 * order) into its group. */
void gtab_add(gtab_t *g, const record_t *r, uint64_t seq);
/* Fold every group of src into dst; src is left empty but valid. */
void gtab_merge(gtab_t *dst, gtab_t *src);
/* Number of groups. */
size_t gtab_count(const gtab_t *g);
/* Write one row per group into out (cleared first): the by keys, then the
 * aggregates in query order; out->cols fixed to that order. Groups come in
 * the order of their first record. */
void gtab_emit(gtab_t *g, table_t *out);

#endif
