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
    int64_t range_from;    /* queryStartTime(): the search's time range, epoch ms */
    int64_t range_to;      /* queryEndTime() */
    uint64_t rx_limit;     /* regex matches abandoned at the match limit */
    bool drop;             /* a function asked to drop the current record (isPrivateIP of a
                            * non-IPv4 value); the stage that evaluated clears it and drops */
    uint64_t dropped;      /* records dropped that way */
    int drop_fn;           /* func_id_t of the last function that dropped one */
    const char *drop_why;  /* why it dropped, for the warning (static text; NULL: not an IPv4 address) */
    uint64_t dropped_by[FN__COUNT];        /* records dropped, by the function that asked */
    const char *dropped_why[FN__COUNT];    /* and its reason (drop_why), for the warnings */
    struct fn_scratch *fx; /* state the func_*.c functions keep between records, made on first use (owned) */
    const struct dt_zone *zone; /* the zone a formatDate/parseDate value named last (process cache, not owned) */
} eval_ctx_t;

/* Prepare a context; arena is borrowed. */
void eval_init(eval_ctx_t *c, arena_t *arena, int64_t now_ms);
/* Release the regex scratch. */
void eval_free(eval_ctx_t *c);
/* Value of e for record r. Strings in the result borrow r or c->arena.
 * A function that drops the record (isPrivateIP("x")) sets c->drop: the
 * caller must then drop r, clearing the flag with eval_take_drop. */
value_t eval_expr(eval_ctx_t *c, const expr_t *e, const record_t *r);
/* Truth of e for r (a boolean context: where, if, scope). */
bool eval_cond(eval_ctx_t *c, const expr_t *e, const record_t *r);
/* True (and counted) when the last evaluation asked to drop the record;
 * clears the request. */
static inline bool eval_take_drop(eval_ctx_t *c) {
    if (!c->drop) return false;
    c->drop = false;
    c->dropped++;
    if (c->drop_fn >= 0 && c->drop_fn < FN__COUNT) c->dropped_by[c->drop_fn]++, c->dropped_why[c->drop_fn] = c->drop_why;
    return true;
}
/* Resolve, once per query, what a function call e can resolve before any
 * record is read: formatDate's and parseDate's literal zone (e->zone).
 * The parser calls it for every call it builds. Errors and warnings go to
 * d; false after an error. */
bool eval_prepare_call(expr_t *e, diag_t *d);

#endif
