/* table.h — a result set: rows (records whose values the table owns) and
 * the order of the output columns.
 *
 * Rows are appended with table_add, which copies every string into the
 * table's arena, so a table outlives the input batches it was built from.
 * table_free releases rows, arena and column list.
 */
#ifndef POSTERN_TABLE_H
#define POSTERN_TABLE_H

#include <stdbool.h>
#include <stdint.h>

#include "field.h"

/* Rows plus column order. */
typedef struct table {
    record_t *rows;     /* owned, each row's strings live in arena */
    size_t n, cap;
    uint32_t *cols;     /* output column ids, owned */
    uint32_t ncols, colcap;
    bool fixed;         /* cols are set by the query (aggregate, fields); else derived from the rows */
    arena_t arena;      /* row strings */
} table_t;

/* An empty table. */
void table_init(table_t *t);
/* Free everything. */
void table_free(table_t *t);
/* Append a copy of r (values, raw text and the row's slot arrays in the
 * table's arena). */
record_t *table_add(table_t *t, const record_t *r);
/* Make dst, a row of t, a copy of src (values and raw text copied into
 * t's arena; dst's slot arrays are reused or grown on the heap, so the
 * row survives a fresh copy of t's arena by rec_pin). */
void table_set_row(table_t *t, record_t *dst, const record_t *src);
/* Append an empty row whose strings the caller will place in t->arena. */
record_t *table_new_row(table_t *t);
/* Append a column id unless present. */
void table_add_col(table_t *t, uint32_t id);
/* Remove a column id. */
void table_del_col(table_t *t, uint32_t id);
/* True when id is a column. */
bool table_has_col(const table_t *t, uint32_t id);
/* True when field id is built-in metadata that derived columns leave
 * out (all but _messageTime, _sourceCategory and _timeslice). */
bool table_col_hidden(uint32_t id);
/* Fix the column list for output: derived tables get _messageTime and
 * _sourceCategory first, then every field of the rows by name (ignoring
 * case), built-in metadata hidden; fixed tables get any field rows
 * gained after the columns were fixed (e.g. an `as` after an aggregate). */
void table_finish_cols(table_t *t, const ftab_t *ft);
/* Append src's rows to dst without copying (their strings move with
 * src's arena); src is left empty. */
void table_append_move(table_t *dst, table_t *src);
/* Order the rows by their input position (record seq), e.g. after rows
 * read by several threads were appended thread by thread. */
void table_sort_seq(table_t *t);
/* Move src's rows and columns into dst (dst freed first). */
void table_move(table_t *dst, table_t *src);

#endif
