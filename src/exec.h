/* exec.h — running a parsed query over inputs.
 *
 * exec_run streams records from the readers through the stages before the
 * first blocking stage (aggregate, top, sort), folds them into groups or a
 * table, then runs the remaining stages on that table. A query without a
 * blocking stage may instead hand its rows to a writer as they come
 * (exec_run_to, emit.h). The query is
 * borrowed (its field table may gain names found in the input); the result
 * table is the caller's to free.
 */
#ifndef POSTERN_EXEC_H
#define POSTERN_EXEC_H

#include <stdint.h>

#include "ast.h"
#include "input.h"
#include "table.h"

/* Options of a run. */
typedef struct exec_opts {
    const char *lookup_dir;   /* where lookup path://"..." tables are found (NULL: current dir) */
    const char *geo_db;       /* --geo-db: MaxMind City database for geo://location and geoip (NULL: none) */
    const char *asn_db;       /* --asn-db: MaxMind ASN database for asn://default (NULL: none) */
    const char *const *lookup_map; /* --lookup-map SOURCE=FILE entries, as given (borrowed) */
    unsigned nlookup_map;     /* their number */
    int64_t now_ms;           /* now() */
    unsigned threads;         /* worker threads for large inputs (0 or 1: this thread only) */
    bool no_prefilter;        /* parse every record, no raw-byte tests (for testing) */
    bool warn_inputs;         /* say which fields the query reads that no record carried (query) */
    bool has_from, has_to;    /* --from / --to were given */
    int64_t from_ms, to_ms;   /* the run's time range [from, to): records whose _messageTime lies
                                 outside are left out (records without a time are kept) */
    size_t max_memory;        /* --max-memory: bytes the aggregate's groups may hold, over every
                                 lane (0: exec_default_max_memory()); past it the run stops (2) */
    struct cov *cov;          /* when set: exec_run starts *cov (cov_init) and counts into it what
                                 the query saw (coverage.h); the caller frees it with cov_free */
} exec_opts_t;

/* The default --max-memory: half of physical memory. */
size_t exec_default_max_memory(void);

/* The projection: which fields q's readers must extract (q->ft.want_all,
 * q->ft.e[id].wanted) and which metadata its records may go without
 * (q->ft.skip, field.h), decided once before a run (exec_run calls it;
 * eo NULL for a stream, which skips no metadata). The rule is in exec.c
 * (plan_skip) and docs/semantics.md §7. POSTERN_NO_PROJECT=1 (tests: the
 * differential check tests/project.sh) makes every query extract every
 * field and skip nothing. */
void exec_plan(query_t *q, const exec_opts_t *eo);

/* Run q over the inputs; rows go to out (initialised by the caller).
 * Returns 0, IN_PARTIAL when some inputs could not be read (said on
 * stderr; out holds the rows of the others), or 2 on an error (message
 * printed to stderr). */
int exec_run(query_t *q, const char *const *paths, int npaths, const in_opts_t *io, const exec_opts_t *eo,
             table_t *out, in_stats_t *st);

struct emit;

/* True when q has no blocking stage: exec_run_to streams its rows. */
bool exec_streams(const query_t *q);

/* exec_run, but when q has no blocking stage and e is not NULL (emit.h),
 * the rows go through e as they come, in input order, and out stays
 * empty: emit_used(e) tells. e must have been started by no other run. */
int exec_run_to(query_t *q, const char *const *paths, int npaths, const in_opts_t *io, const exec_opts_t *eo,
                struct emit *e, table_t *out, in_stats_t *st);

/* ---- record at a time (streaming detection, stream.c) -------------------- */

/* A query prepared to take one record at a time; borrows q, eo and what
 * they point to, which must outlive it. */
typedef struct exec_stream exec_stream_t;

/* Called for each row that reaches the aggregate (or the end of a query
 * without one); r and its strings are valid only during the call. Return
 * 0 to go on. */
typedef int (*exec_row_fn)(void *ud, record_t *r);

/* Prepare q for streaming: row stages, then at most one aggregate, then
 * row stages (and sorts, which are no-ops on one row). *agg receives the
 * aggregate's stage index, or q->nst when there is none. Returns NULL with
 * a one-line reason in why when q cannot stream or a lookup table fails. */
exec_stream_t *exec_stream_new(query_t *q, const exec_opts_t *eo, uint32_t *agg, char *why, size_t whylen);
/* Run the scope and the stages before the aggregate on r (changed in
 * place), calling fn for each row that comes out (parse regex multi may
 * make several). Returns 0 or fn's non-zero value. */
int exec_stream_row(exec_stream_t *x, record_t *r, exec_row_fn fn, void *ud);
/* Run the stages after the aggregate on t (a group's row from
 * gtab_emit_group); returns the number of rows left (0: the condition
 * does not hold). */
size_t exec_stream_after(exec_stream_t *x, table_t *t);
/* Records the scope kept, rows that reached the aggregate (or the end),
 * and regex match-limit hits, so far. */
void exec_stream_counts(const exec_stream_t *x, uint64_t *in_scope, uint64_t *used, uint64_t *rx_limit);
/* What the query saw so far (coverage.h; owned by x). */
const struct cov *exec_stream_cov(const exec_stream_t *x);
/* Free x and its lookup tables. */
void exec_stream_free(exec_stream_t *x);

#endif
