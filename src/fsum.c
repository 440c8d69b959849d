/* fsum.c — double-double sums, their merge, mean and standard deviation.
 *
 * The error-free transformations are the classic ones (Knuth's TwoSum,
 * Dekker's product with Veltkamp's split); every expression is written so
 * that no multiply feeds an add in one expression (a contracted fused
 * multiply-add would change no exact result here, but keeps the code
 * obviously independent of the compiler's choice).
 */
#include "fsum.h"

/* A double-double value (hi + lo), as fsum_t but for intermediate results. */
typedef fsum_t dd_t;

/* s + e == a + b exactly, s = fl(a + b) (any a, b finite). */
static void two_sum(double a, double b, double *s, double *e) {
    double t = a + b;
    double bb = t - a;
    *e = (a - (t - bb)) + (b - bb);
    *s = t;
}

/* a == hi + lo with hi holding the top 26 bits of a (Veltkamp's split);
 * very large a is scaled down first so the split cannot overflow. */
static void split(double a, double *hi, double *lo) {
    const double big = 0x1p996, down = 0x1p-28, up = 0x1p28;
    double s = a, k = 134217729.0; /* 2^27 + 1 */
    int scaled = fabs(a) > big;
    if (scaled) s = a * down;
    double c = k * s;
    double h = c - (c - s);
    double l = s - h;
    if (scaled) {
        h *= up;
        l *= up;
    }
    *hi = h;
    *lo = l;
}

/* p + e == a * b exactly, p = fl(a * b) (when no product underflows or
 * overflows: Dekker's TwoProduct). */
static void two_prod(double a, double b, double *p, double *e) {
    double ah, al, bh, bl;
    split(a, &ah, &al);
    split(b, &bh, &bl);
    double q = a * b;
    double hh = ah * bh, hl = ah * bl, lh = al * bh, ll = al * bl;
    double r = hh - q;
    r += hl;
    r += lh;
    r += ll;
    *p = q;
    *e = r;
}

/* a + b in double-double (both finite). */
static dd_t dd_add(dd_t a, dd_t b) {
    double s, e, t, f;
    two_sum(a.hi, b.hi, &s, &e);
    two_sum(a.lo, b.lo, &t, &f);
    e += t;
    two_sum(s, e, &s, &e);
    e += f;
    two_sum(s, e, &s, &e);
    return (dd_t){s, e};
}

/* a * b in double-double (both finite). */
static dd_t dd_mul(dd_t a, dd_t b) {
    double p, e;
    two_prod(a.hi, b.hi, &p, &e);
    double c1 = a.hi * b.lo, c2 = a.lo * b.hi;
    e += c1;
    e += c2;
    two_sum(p, e, &p, &e);
    return (dd_t){p, e};
}

/* a / b in double-double (a finite, b a non-zero double). */
static dd_t dd_div(dd_t a, double b) {
    double q1 = a.hi / b;
    double p, e, s, t;
    two_prod(q1, b, &p, &e); /* q1 * b exactly */
    two_sum(a.hi, -p, &s, &t);
    t -= e;
    t += a.lo;
    double r = s + t;
    double q2 = r / b;
    two_sum(q1, q2, &q1, &q2);
    return (dd_t){q1, q2};
}

/* See fsum.h. */
void fsum_merge(fsum_t *dst, const fsum_t *src) {
    if (!isfinite(dst->hi) || !isfinite(src->hi)) {
        dst->hi += src->hi;
        dst->lo = 0;
        return;
    }
    dd_t r = dd_add(*dst, *src);
    if (!isfinite(r.hi)) r.lo = 0;
    *dst = r;
}

/* See fsum.h. */
double fsum_value(const fsum_t *s) {
    return s->hi + s->lo; /* hi already, when normalised; lo is 0 then or below half an ulp */
}

/* See fsum.h. */
double fsum_mean(const fsum_t *s, uint64_t n) {
    if (!isfinite(s->hi)) return s->hi;
    dd_t q = dd_div(*s, (double)n);
    return q.hi + q.lo;
}

/* See fsum.h. */
void fsum_add_sq(fsum_t *s, double x) {
    double p = x * x, e;
    if (!isfinite(p)) { /* inf, NaN or an overflowing square */
        fsum_add(s, p);
        return;
    }
    two_prod(x, x, &p, &e);
    fsum_add(s, p);
    fsum_add(s, e);
}

/* See fsum.h. */
double fsum_stddev(const fsum_t *s, const fsum_t *sq, uint64_t n) {
    if (!isfinite(s->hi) || !isfinite(sq->hi)) return NAN;
    dd_t mean = dd_div(*s, (double)n);
    dd_t sm = dd_mul(*s, mean);       /* sum^2 / n */
    sm.hi = -sm.hi;
    sm.lo = -sm.lo;
    dd_t m2 = dd_add(*sq, sm);        /* sum of squared deviations */
    if (!(m2.hi > 0)) return 0;
    dd_t var = dd_div(m2, (double)(n - 1));
    /* sqrt of the double-double: one Newton step from sqrt(hi), so the
     * variance is not rounded to a double before its root is. */
    double r = sqrt(var.hi), p, e;
    two_prod(r, r, &p, &e);
    double d = var.hi - p; /* exact: p is within an ulp or two of hi */
    d -= e;
    d += var.lo;
    return r + d / (2 * r);
}
