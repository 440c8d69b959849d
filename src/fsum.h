/* fsum.h — float sums whose result does not depend on the order of the
 * additions: a double-double accumulator (sum, avg, stddev in agg.c).
 *
 * An fsum_t holds a sum as two doubles, hi + lo, |lo| <= half an ulp of
 * hi: 106 bits of significand. Each addition is error-free (TwoSum) but
 * for one rounding of the low parts, so the state stays within about
 * n * 2^-105 * (the sum of |x|) of the exact sum of n values, whatever
 * their order or the way partial sums (one per thread) are merged. The
 * result is rounded to a double once, at the end: it is the exact sum
 * correctly rounded (to nearest, ties to even) unless the exact sum lies
 * within that bound of a point halfway between two doubles — so any two
 * orders give the same double except in that case. Sums of integers
 * (more generally of multiples of one power of two 2^k) are exact while
 * every partial sum stays below 2^(105+k) in magnitude. An infinity or a
 * NaN makes the sum that value (IEEE rules: inf + -inf is NaN). The state
 * is a plain value (16 bytes, zero is the empty sum), owned by whoever
 * holds it; nothing here allocates or keeps global state.
 */
#ifndef POSTERN_FSUM_H
#define POSTERN_FSUM_H

#include <math.h>
#include <stdint.h>

/* A sum as hi + lo (zero-initialised: 0). */
typedef struct fsum {
    double hi; /* the sum rounded to a double */
    double lo; /* what hi leaves out, |lo| <= ulp(hi) / 2 */
} fsum_t;

/* Add x to s: s->hi + s->lo gains x with no rounding but that of the low
 * parts' sum (see the header). Inline: it is the hot step of sum/avg. */
static inline void fsum_add(fsum_t *s, double x) {
    double t = s->hi + x;
    if (!isfinite(t)) { /* inf or NaN: the sum is that now */
        s->hi = t;
        s->lo = 0;
        return;
    }
    double b = t - s->hi;
    double e = (s->hi - (t - b)) + (x - b); /* TwoSum: t + e == hi + x exactly */
    e += s->lo;                             /* the one rounding */
    double h = t + e;
    double b2 = h - t;
    s->lo = (t - (h - b2)) + (e - b2);      /* TwoSum again: h + lo == t + e */
    s->hi = h;
}

/* Fold sum src into dst (the sum of both; dst may not be src). */
void fsum_merge(fsum_t *dst, const fsum_t *src);
/* The sum rounded to a double (see the header for when that is the exact
 * sum correctly rounded). */
double fsum_value(const fsum_t *s);
/* The sum divided by n (n > 0), rounded once more: the mean of n values. */
double fsum_mean(const fsum_t *s, uint64_t n);
/* Add x * x to s: the square's exact two halves (values whose magnitude
 * lies between about 1e-150 and 1e150 square exactly), for stddev. */
void fsum_add_sq(fsum_t *s, double x);
/* The sample standard deviation sqrt((sq - sum^2 / n) / (n - 1)) of n > 1
 * values whose sum is s and sum of squares is sq, computed in
 * double-double, square root included, and rounded at the end (a
 * negative variance from rounding gives 0). */
double fsum_stddev(const fsum_t *s, const fsum_t *sq, uint64_t n);

#endif
