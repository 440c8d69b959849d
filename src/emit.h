/* emit.h — streamed results: the rows of a query without a blocking stage
 * written as they come, in input order, in any output format.
 *
 * main.c makes an emit_t for stdout and lends it to exec_run_to; when the
 * query streams, the engine starts it and hands it rows: lane by lane
 * (emit_row), each lane's rows of a segment of a file read by several
 * threads gathered into one chunk that is written when the segments
 * before it are (emit_seg_begin/emit_seg_end). The columns are decided
 * on the first EMIT_FIRST rows (see emit_hooks_t); a field first seen
 * later is no CSV or table column (said on stderr at the end), and JSON
 * rows carry it after the columns. The emit_t owns its buffers and
 * chunks; the FILE, the field table and the hooks are borrowed.
 */
#ifndef POSTERN_EMIT_H
#define POSTERN_EMIT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "field.h"
#include "out.h"
#include "table.h"

/* Rows the columns are decided on (fewer when the input ends first) ... */
#define EMIT_FIRST 1000
/* ... or fewer when they hold this many bytes. */
#define EMIT_FIRST_BYTES ((size_t)8 << 20)

typedef struct emit emit_t;
/* What one lane (one worker of the engine) hands rows over with. */
typedef struct emit_lane emit_lane_t;

/* What the engine lends the writer for a run. */
typedef struct emit_hooks {
    void *ud;     /* the hooks' argument (borrowed) */
    /* Fix t->cols for t's rows, the first rows of the result (exactly as
     * a buffered result's columns are fixed); under the field table's lock. */
    void (*cols)(void *ud, table_t *t);
    /* NULL, or: run the stages the lanes leave to the writer (a `limit`
     * with several threads) on r, in input order, handing each row that
     * comes out to emit_put; non-zero stops the run (the limit is met). */
    int (*tail)(void *ud, record_t *r);
    /* The columns cols fixes are the result's own (an aggregate's rows):
     * fields they do not show are left out silently, as in a buffered
     * result, not written or said as late fields. */
    bool exact;
} emit_hooks_t;

/* ---- for main.c ---------------------------------------------------------- */

/* A writer of rows to f (borrowed) as o (copied) says. */
emit_t *emit_new(FILE *f, const out_opts_t *o);
/* Free e (NULL is a no-op). */
void emit_free(emit_t *e);
/* The run streamed its rows through e (the result table is empty). */
bool emit_used(const emit_t *e);
/* Rows written (or that would have been, up to a broken pipe). */
uint64_t emit_rows(const emit_t *e);
/* Standard output went away (EPIPE): the run stopped reading. */
bool emit_broken(const emit_t *e);
/* A write error other than EPIPE (the run stopped). */
bool emit_failed(const emit_t *e);

/* ---- for the engine (exec.c) --------------------------------------------- */

/* Start streaming a run of nlanes lanes whose field table is ft
 * (borrowed, shared with the lanes). */
void emit_start(emit_t *e, ftab_t *ft, const emit_hooks_t *h, unsigned nlanes);
/* Lane i's hand-over (owned by e). */
emit_lane_t *emit_lane(emit_t *e, unsigned i);
/* A row of lane l, final but for the tail stages; r is only read, and
 * only during the call. Returns 0, or -1 when the run must stop. */
int emit_row(emit_lane_t *l, record_t *r);
/* A final row, in input order (from the tail hook). 0, or -1 to stop. */
int emit_put(emit_t *e, record_t *r);
/* Lane l starts segment k (in_par_t.seg_begin): waits while too many
 * segments are in flight. 0, or -1 when the run must stop. */
int emit_seg_begin(emit_lane_t *l, uint64_t k);
/* Lane l finished segment k: its rows are written once the earlier
 * segments' are (maybe now, by this thread). */
void emit_seg_end(emit_lane_t *l, uint64_t k);
/* Called once per input record read serially: writes what waited too
 * long (a slow or selective input still shows its rows). */
void emit_tick(emit_lane_t *l);
/* The run must stop: a limit is met, or the output failed. */
bool emit_stopped(const emit_lane_t *l);
/* Are the columns decided (rows a lane writes in a segment are then
 * formatted in the lane)? */
bool emit_decided(emit_t *e);
/* Does the writer need every row's cell widths before the first row
 * (the terminal table's columns are as wide as their widest cell)? */
bool emit_wants_widths(const emit_t *e);
/* Measure r, a row to come (before any emit_put or emit_row): the columns
 * will be as wide as the widest cells measured, as if every measured row
 * had been among the first rows. */
void emit_measure(emit_t *e, const record_t *r);
/* After the last record: decide the columns if the first rows never
 * filled, write the rest and the end (JSON's ']'), and say on stderr
 * which fields were left out of the CSV or table columns. */
void emit_finish(emit_t *e);

#endif
