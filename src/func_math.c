/* func_math.c — the math functions: Java's Math class as Sumo exposes it.
 *
 * Scalar functions of FUNC_TABLE (ast.h), reached through func.h: the
 * trigonometric, exponential and rounding functions, min/max of two
 * values, isNaN/isInfinity and haversine; and the decimal digits of a
 * double that round() and format() share. Numbers are doubles with Java's
 * results (sqrt(-1) is NaN, log(0) -Infinity); text that is no number gives
 * null, as abs and floor in eval.c do.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "func.h"

/* See func.h. */
bool fn_lit_num(const expr_t *a, double *out) {
    if (a->kind == EX_NUM) return *out = a->num, true;
    if (a->kind == EX_NEG && a->a->kind == EX_NUM) return *out = -a->a->num, true;
    return a->kind == EX_STR && str_to_num(a->str, out);
}

/* ---- decimal digits (round, format) --------------------------------- */

/* See func.h. */
void fn_dec_of(double x, fn_dec_t *o) {
    o->neg = signbit(x) != 0;
    o->n = o->e = 0;
    x = fabs(x);
    if (x == 0 || !isfinite(x)) return;
    char buf[40];
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(buf, sizeof buf, "%.*e", prec - 1, x);
        if (strtod(buf, NULL) == x) break;
    }
    const char *p = buf;
    int n = 0;
    for (; *p && *p != 'e'; p++)
        if (*p >= '0' && *p <= '9') o->d[n++] = *p;
    o->e = (*p ? atoi(p + 1) : 0) + 1;
    while (n > 0 && o->d[n - 1] == '0') n--;
    o->n = n;
}

/* See func.h. */
void fn_dec_round(fn_dec_t *o, int keep, int mode) {
    if (o->n == 0) return;
    long cut = (long)o->e + keep;
    if (cut >= o->n) return;
    if (cut < 0) {
        o->n = 0;
        return;
    }
    int next = o->d[cut] - '0';
    bool more = cut + 1 < o->n;
    bool up = mode == FN_HALF_CEIL && o->neg ? next > 5 || (next == 5 && more) : next >= 5;
    o->n = (int)cut;
    if (up) {
        int i = o->n - 1;
        while (i >= 0 && o->d[i] == '9') i--;
        if (i < 0) {
            o->d[0] = '1';
            o->n = 1;
            o->e++;
        } else {
            o->d[i]++;
            o->n = i + 1;
        }
    }
    while (o->n > 0 && o->d[o->n - 1] == '0') o->n--;
}

/* See func.h. */
double fn_dec_value(const fn_dec_t *o) {
    if (o->n == 0) return o->neg ? -0.0 : 0.0;
    char buf[48];
    snprintf(buf, sizeof buf, "%s0.%.*se%d", o->neg ? "-" : "", o->n, o->d, o->e);
    return strtod(buf, NULL);
}

/* ---- the functions -------------------------------------------------- */

/* The number of argument i, false when it is null or no number. */
static bool num_arg(const value_t *av, int i, double *x) { return val_to_num(av[i], x); }

/* Define a FUNC_TABLE implementation computing expr from the number x. */
#define MATH1(name, expr)                                                               \
    value_t name(eval_ctx_t *c, const expr_t *e, const record_t *r, value_t *av) {      \
        (void)c, (void)e, (void)r;                                                      \
        double x;                                                                       \
        return num_arg(av, 0, &x) ? val_num(expr) : val_null();                         \
    }
/* Define a FUNC_TABLE implementation computing expr from the numbers x, y. */
#define MATH2(name, expr)                                                               \
    value_t name(eval_ctx_t *c, const expr_t *e, const record_t *r, value_t *av) {      \
        (void)c, (void)e, (void)r;                                                      \
        double x, y;                                                                    \
        return num_arg(av, 0, &x) && num_arg(av, 1, &y) ? val_num(expr) : val_null();   \
    }

/* Java's Math.signum: the sign as -1.0, 1.0, or x itself for zeros and NaN. */
static double java_signum(double x) { return x > 0 ? 1.0 : x < 0 ? -1.0 : x; }

/* Java's Math.pow, which differs from C's where the result is undefined:
 * pow(1, NaN) and pow(-1, Infinity) are NaN, not 1. */
static double java_pow(double x, double y) {
    if (isnan(y) || (fabs(x) == 1 && isinf(y))) return NAN;
    return pow(x, y);
}

/* Java's Math.max and Math.min: NaN wins, and 0.0 is above -0.0. */
static double java_max(double x, double y) {
    if (isnan(x) || isnan(y)) return NAN;
    if (x == 0 && y == 0) return signbit(x) ? y : x;
    return x > y ? x : y;
}
static double java_min(double x, double y) {
    if (isnan(x) || isnan(y)) return NAN;
    if (x == 0 && y == 0) return signbit(x) ? x : y;
    return x < y ? x : y;
}

/* See func.h (FUNC_TABLE): one-argument functions of java.lang.Math. */
MATH1(f_acos, acos(x))
MATH1(f_asin, asin(x))
MATH1(f_atan, atan(x))
MATH1(f_cbrt, cbrt(x))
MATH1(f_cos, cos(x))
MATH1(f_cosh, cosh(x))
MATH1(f_exp, exp(x))
MATH1(f_expm1, expm1(x))
MATH1(f_log, log(x))
MATH1(f_log10, log10(x))
MATH1(f_log1p, log1p(x))
MATH1(f_signum, java_signum(x))
MATH1(f_sin, sin(x))
MATH1(f_sinh, sinh(x))
MATH1(f_sqrt, sqrt(x))
MATH1(f_tan, tan(x))
MATH1(f_tanh, tanh(x))
/* Java 9's constants: x * (180 / PI) and x * (PI / 180), rounded once. */
MATH1(f_todegrees, x * 57.29577951308232)
MATH1(f_toradians, x * 0.017453292519943295)

/* See func.h (FUNC_TABLE): two-argument functions of java.lang.Math. */
MATH2(f_atan2, atan2(x, y))
MATH2(f_hypot, hypot(x, y))
MATH2(f_pow, java_pow(x, y))
MATH2(f_max, java_max(x, y))
MATH2(f_min, java_min(x, y))

/* Java's Math.round: the nearest integer, halves towards positive
 * infinity (-2.5 gives -2). NaN and the infinities stay as they are. */
static double java_round(double x) {
    if (!isfinite(x) || fabs(x) >= 4503599627370496.0) return x; /* 2^52: integral already */
    double f = floor(x);
    return x - f >= 0.5 ? f + 1 : f;
}

/* round(x[, digits]): without digits Java's Math.round; with them the
 * decimal x prints as is rounded at that place, halves upwards too
 * (round(1.005, 2) is 1.01, not the 1.0 of 1.005 * 100 in binary). */
/* See func.h (FUNC_TABLE). */
value_t f_round(eval_ctx_t *c, const expr_t *e, const record_t *r, value_t *av) {
    (void)c, (void)r;
    double x, dig;
    if (!num_arg(av, 0, &x)) return val_null();
    if (e->nargs < 2) return val_num(java_round(x));
    if (!num_arg(av, 1, &dig) || isnan(dig)) return val_null();
    if (!isfinite(x)) return val_num(x);
    dig = dig > 400 ? 400 : dig < -400 ? -400 : trunc(dig);
    fn_dec_t d;
    fn_dec_of(x, &d);
    fn_dec_round(&d, (int)dig, FN_HALF_CEIL);
    return val_num(fn_dec_value(&d));
}

/* A string as Java's Double.parseDouble reads it: surrounding whitespace,
 * a sign, digits with a fraction and exponent and an optional f/d suffix,
 * or NaN and Infinity. */
static bool java_double(pstr_t s, double *out) {
    s = pstr_trim(s);
    if (s.n && (s.p[s.n - 1] == 'f' || s.p[s.n - 1] == 'F' || s.p[s.n - 1] == 'd' || s.p[s.n - 1] == 'D')) s.n--;
    if (str_to_num(s, out)) return true;
    pstr_t w = s;
    bool neg = false;
    if (w.n && (w.p[0] == '+' || w.p[0] == '-')) neg = w.p[0] == '-', w.p++, w.n--;
    if (pstr_eq(w, PSTR_LIT("NaN"))) return *out = NAN, true;
    if (pstr_eq(w, PSTR_LIT("Infinity"))) return *out = neg ? -INFINITY : INFINITY, true;
    return false;
}

/* The number isNaN and isInfinity test: false (no result) for null and
 * blank text, which "will not return a result" (their page). */
static bool nan_inf_arg(eval_ctx_t *c, value_t v, bool *parsed, double *x) {
    if (v.t == V_NULL) return false;
    if (v.t == V_NUM) return *parsed = true, *x = v.d, true;
    pstr_t s = fn_text(c, v);
    if (pstr_trim(s).n == 0) return false;
    *parsed = java_double(s, x);
    return true;
}

/* isNaN(s): true when s is no number (or is NaN). */
/* See func.h (FUNC_TABLE). */
value_t f_isnan(eval_ctx_t *c, const expr_t *e, const record_t *r, value_t *av) {
    (void)e, (void)r;
    bool parsed = false;
    double x = 0;
    if (!nan_inf_arg(c, av[0], &parsed, &x)) return val_null();
    return val_bool(!parsed || isnan(x));
}

/* isInfinity(s): true for a positive or negative infinity. */
/* See func.h (FUNC_TABLE). */
value_t f_isinfinity(eval_ctx_t *c, const expr_t *e, const record_t *r, value_t *av) {
    (void)e, (void)r;
    bool parsed = false;
    double x = 0;
    if (!nan_inf_arg(c, av[0], &parsed, &x)) return val_null();
    return val_bool(parsed && isinf(x));
}

/* The earth's radius haversine uses, in km: the page's example (3,512.71
 * km from 39.0438,-77.4879 to 45.73723,-119.81143) needs 6372.8. */
#define FMATH_EARTH_KM 6372.8

/* haversine(lat1, lon1, lat2, lon2): great-circle distance in km between
 * two points given in degrees. */
/* See func.h (FUNC_TABLE). */
value_t f_haversine(eval_ctx_t *c, const expr_t *e, const record_t *r, value_t *av) {
    (void)c, (void)e, (void)r;
    double la1, lo1, la2, lo2;
    if (!num_arg(av, 0, &la1) || !num_arg(av, 1, &lo1) || !num_arg(av, 2, &la2) || !num_arg(av, 3, &lo2))
        return val_null();
    const double rad = 0.017453292519943295;
    double dla = (la2 - la1) * rad, dlo = (lo2 - lo1) * rad;
    double a = sin(dla / 2) * sin(dla / 2) + cos(la1 * rad) * cos(la2 * rad) * sin(dlo / 2) * sin(dlo / 2);
    return val_num(2 * FMATH_EARTH_KM * asin(sqrt(a > 1 ? 1 : a)));
}

/* See func.h: abs(abs(x)) is refused ("The function can't be nested",
 * abs page); round's digits, when literal, must be a number. */
bool fmath_prepare(expr_t *e, diag_t *d) {
    if (e->func == FN_ABS && e->nargs == 1 && e->args[0]->kind == EX_CALL && e->args[0]->func == FN_ABS) {
        uint32_t i = diag_add(d, D_ERROR, e->args[0]->sp, NULL, "abs() cannot be nested");
        diag_hint(d, i, "abs(abs(x)) is abs(x)");
        return false;
    }
    if (e->func == FN_ROUND && e->nargs == 2) {
        const expr_t *a = e->args[1];
        double v;
        if ((a->kind == EX_STR || a->kind == EX_BOOL) && !fn_lit_num(a, &v)) {
            uint32_t i = diag_add(d, D_ERROR, a->sp, NULL, "round(): the number of decimal places must be a number");
            diag_hint(d, i, "round(x, 2) rounds to two decimal places");
            return false;
        }
    }
    return true;
}
