/* func.h — the private interface of the scalar functions.
 *
 * Every function of FUNC_TABLE (ast.h) has an implementation with the
 * signature below, in eval.c or a func_*.c file. An implementation gets
 * the evaluated arguments in av (av[i] for argument i, at least three
 * slots, null past nargs; a /regex/ argument is null there and read from
 * e->args[i]->re), and returns a value whose strings borrow r, the query
 * or c->arena (the batch arena: they die with the batch). A function that
 * drops the record sets c->drop (see eval.h). Below the table, the helpers
 * the files share, grouped by the file that defines them.
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

/* ---- eval.c -------------------------------------------------------------- */

/* The text of v: strings as they are, numbers formatted into c->arena,
 * booleans as true/false; null gives PSTR_NULL (p == NULL). */
pstr_t fn_text(eval_ctx_t *c, value_t v);
/* A string value holding a copy of p[0..n) in c->arena. */
value_t fn_str(eval_ctx_t *c, const char *p, size_t n);
/* IPv4 address in s (surrounding whitespace allowed) into *out, host
 * order. */
bool fn_ipv4(pstr_t s, uint32_t *out);
/* True when s is an IPv6 address. */
bool fn_ipv6(pstr_t s);
/* cls(address) of the IPv4 address v as a boolean; a value that is no
 * IPv4 address drops the record, as isPrivateIP does. */
value_t fn_ipv4_class(eval_ctx_t *c, const expr_t *e, value_t v, bool (*cls)(uint32_t));

/* ---- func_math.c ---------------------------------------------------------- */

/* A literal argument's number: a numeric literal (negated or not) or a
 * string literal holding a number. False for anything else. */
bool fn_lit_num(const expr_t *a, double *out);

/* A finite double as decimal digits: the shortest that read back as the
 * same double (Java's Double.toString digits), value 0.d[0]d[1]... x 10^e. */
typedef struct fn_dec {
    char d[24]; /* significant digits as ASCII, no leading or trailing '0' */
    int n;      /* how many (0: the value is zero) */
    int e;      /* decimal exponent: the point sits after e digits */
    bool neg;   /* the sign bit */
} fn_dec_t;
/* Ways of rounding a halfway digit. */
enum {
    FN_HALF_UP,   /* away from zero (Java's HALF_UP: Formatter) */
    FN_HALF_CEIL, /* towards positive infinity (Java's Math.round) */
};
/* The digits of finite x. */
void fn_dec_of(double x, fn_dec_t *o);
/* Round o to keep digits after the decimal point (negative: to tens,
 * hundreds, ...) by mode. */
void fn_dec_round(fn_dec_t *o, int keep, int mode);
/* The double nearest to o. */
double fn_dec_value(const fn_dec_t *o);

/* ---- func_format.c -------------------------------------------------------- */

/* Ask the stage to drop the current record because of call e; why ends
 * the warning "<fn> dropped N records <why>" (static text). Returns null. */
value_t fn_drop(eval_ctx_t *c, const expr_t *e, const char *why);

/* ---- func_text.c ---------------------------------------------------------- */

/* The string p[0..n) as valid UTF-8 in c->arena: a broken sequence
 * becomes one U+FFFD, as Java's decoders do. Returns p itself, not a
 * copy, when it is valid already. */
pstr_t fn_utf8_clean(eval_ctx_t *c, const char *p, size_t n);

/* ---- func_hash.c ---------------------------------------------------------- */

/* State the functions keep per evaluation context (c->fx). */
struct fn_scratch;
/* Free c->fx (NULL is fine); eval_free calls it. */
void fn_scratch_free(struct fn_scratch *fx);

/* ---- checks when the query is parsed -------------------------------------- */

/* Each func_*.c file checks the calls of its own functions once, when the
 * query is parsed (literal arguments, arity rules the table cannot say):
 * errors and warnings go to d with the culprit's span; false after an
 * error. Calls of other functions pass. */
bool fmath_prepare(expr_t *e, diag_t *d);
bool ffmt_prepare(expr_t *e, diag_t *d);
bool ftext_prepare(expr_t *e, diag_t *d);
bool fhash_prepare(expr_t *e, diag_t *d);
bool fnet_prepare(expr_t *e, diag_t *d);

/* Every file's check of call e (eval_prepare_call runs it). */
static inline bool fn_prepare(expr_t *e, diag_t *d) {
    return fmath_prepare(e, d) && ffmt_prepare(e, d) && ftext_prepare(e, d) && fhash_prepare(e, d) &&
           fnet_prepare(e, d);
}

#endif
