/* exec.h — running a parsed query over inputs.
 *
 * exec_run streams records from the readers through the stages before the
 * first blocking stage (aggregate, top, sort), folds them into groups or a
 * table, then runs the remaining stages on that table. The query is
 * borrowed (its field table may gain names found in the input); the result
 * table is the caller's to free.
 */
#ifndef POSTERN_EXEC_H
#define POSTERN_EXEC_H

#include <stdint.h>

#include "ast.h"
#include "reader.h"
#include "table.h"

/* Options of a run. */
typedef struct exec_opts {
    const char *lookup_dir;   /* where lookup path://"..." tables are found (NULL: current dir) */
    int64_t now_ms;           /* now() */
    unsigned threads;         /* worker threads for large inputs (0 or 1: this thread only) */
    bool no_prefilter;        /* parse every record, no raw-byte tests (for testing) */
} exec_opts_t;

/* Run q over the inputs; rows go to out (initialised by the caller).
 * Returns 0, or 2 on an error (message printed to stderr). */
int exec_run(query_t *q, const char *const *paths, int npaths, const in_opts_t *io, const exec_opts_t *eo,
             table_t *out, in_stats_t *st);

#endif
