/* func_time.c — fromMillis, fromSeconds, toMillis: times as numbers.
 *
 * Scalar functions of FUNC_TABLE (ast.h), reached through func.h. Sumo's
 * queries write formatDate(fromMillis(ts), "...") and fromSeconds(x); in
 * postern a time is a number of epoch milliseconds, which formatDate
 * takes, so these casts give that number: whole milliseconds, null for
 * what is no number.
 */
#include <math.h>

#include "func.h"

/* Whole milliseconds of scale * v, null when v is no number or the time
 * is not finite. */
static value_t millis(value_t v, double scale) {
    double x;
    if (!val_to_num(v, &x) || !isfinite(x * scale)) return val_null();
    return val_num(trunc(x * scale));
}

/* See func.h (FUNC_TABLE). */
value_t f_frommillis(eval_ctx_t *c, const expr_t *e, const record_t *r, value_t *av) {
    (void)c, (void)e, (void)r;
    return millis(av[0], 1);
}

/* See func.h (FUNC_TABLE). */
value_t f_fromseconds(eval_ctx_t *c, const expr_t *e, const record_t *r, value_t *av) {
    (void)c, (void)e, (void)r;
    return millis(av[0], 1000);
}

/* See func.h (FUNC_TABLE). */
value_t f_tomillis(eval_ctx_t *c, const expr_t *e, const record_t *r, value_t *av) {
    (void)c, (void)e, (void)r;
    return millis(av[0], 1);
}
