/* func.h — the private interface of the scalar functions.
 *
 * Every function of FUNC_TABLE (ast.h) has an implementation with the
 * signature below, in eval.c or a func_*.c file. An implementation gets
 * the evaluated arguments in av (av[i] for argument i, at least three
 * slots, null past nargs; a /regex/ argument is null there and read from
 * e->args[i]->re), and returns a value whose strings borrow r, the query
 * or c->arena (the batch arena: they die with the batch). A function that
 * drops the record sets c->drop (see eval.h).
 */
#ifndef POSTERN_FUNC_H
#define POSTERN_FUNC_H

#include "eval.h"

/* A function's implementation. */
typedef value_t (*fn_impl_t)(eval_ctx_t *c, const expr_t *e, const record_t *r, value_t *av);

#define X(id, name, lo, hi, flags, impl, help) \
    value_t impl(eval_ctx_t *c, const expr_t *e, const record_t *r, value_t *av);
FUNC_TABLE(X)
#undef X

/* Check a lookupContains call as the parser builds it: a table path and
 * `field=column [and field=column ...]` (op_lookup.c). Errors go to d;
 * false after one. */
bool lk_prepare_contains(expr_t *e, diag_t *d);

/* The text of v: strings as they are, numbers formatted into c->arena,
 * booleans as true/false; null gives PSTR_NULL (p == NULL). */
pstr_t fn_text(eval_ctx_t *c, value_t v);
/* A string value holding a copy of p[0..n) in c->arena. */
value_t fn_str(eval_ctx_t *c, const char *p, size_t n);

#endif
