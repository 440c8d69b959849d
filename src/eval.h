/* eval.h — evaluating expressions over a record.
 *
 * An eval_ctx_t is per thread: it owns a regex scratch and borrows the
 * arena where computed strings go (the batch arena: results die with the
 * batch). Expressions and the query are borrowed, read-only.
 */
#ifndef POSTERN_EVAL_H
#define POSTERN_EVAL_H

#include <stdint.h>

#include "ast.h"
#include "field.h"
#include "regex.h"
#include "value.h"

/* Per-thread evaluation state. */
typedef struct eval_ctx {
    arena_t *arena;        /* where computed strings are allocated (borrowed) */
    rx_scratch_t *rx;      /* regex match data (owned: eval_ctx_free) */
    int64_t now_ms;        /* now(), fixed for the whole run */
    uint64_t rx_limit;     /* regex matches abandoned at the match limit */
    const struct dt_zone *zone; /* the zone a formatDate/parseDate value named last (process cache, not owned) */
} eval_ctx_t;

/* Prepare a context; arena is borrowed. */
void eval_init(eval_ctx_t *c, arena_t *arena, int64_t now_ms);
/* Release the regex scratch. */
void eval_free(eval_ctx_t *c);
/* Value of e for record r. Strings in the result borrow r or c->arena. */
value_t eval_expr(eval_ctx_t *c, const expr_t *e, const record_t *r);
/* Truth of e for r (a boolean context: where, if, scope). */
bool eval_cond(eval_ctx_t *c, const expr_t *e, const record_t *r);
/* True when raw holds the scope keyword or phrase kw as whole terms,
 * ignoring case (the test of a bare keyword before the first pipe). */
bool eval_keyword(pstr_t raw, pstr_t kw);
/* Resolve, once per query, what a function call e can resolve before any
 * record is read: formatDate's and parseDate's literal zone (e->zone).
 * The parser calls it for every call it builds. Errors and warnings go to
 * d; false after an error. */
bool eval_prepare_call(expr_t *e, diag_t *d);

#endif
