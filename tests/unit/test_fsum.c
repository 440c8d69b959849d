/* test_fsum.c — unit tests of the double-double accumulator (src/fsum.c):
 * sums a plain double gets wrong, integers past 2^53, infinities and NaN,
 * the mean and the standard deviation, and the same double whatever the
 * order of the additions and the way partial sums are cut and merged.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "check.h"
#include "fsum.h"

/* The fsum of v[0..n). */
static double sum_of(const double *v, size_t n) {
    fsum_t s = {0, 0};
    for (size_t i = 0; i < n; i++) fsum_add(&s, v[i]);
    return fsum_value(&s);
}

static void test_sum(void) {
    /* Ten times 0.1: the exact sum of the double 0.1 rounds to 1 (a plain
     * double loop gives 0.9999999999999999). */
    double tenth[10];
    for (int i = 0; i < 10; i++) tenth[i] = 0.1;
    CHECK(sum_of(tenth, 10) == 1.0);
    /* Cancellation: the small terms survive the large ones. */
    CHECK(sum_of((double[]){1e16, 1, -1e16}, 3) == 1);
    CHECK(sum_of((double[]){1, 1e100, 1, -1e100}, 4) == 2);
    CHECK(sum_of((double[]){0x1p-60, 1, -1}, 3) == 0x1p-60);
    /* Integers past 2^53 stay exact while the sum is below 2^105. */
    CHECK(sum_of((double[]){0x1p53, 1, 1}, 3) == 0x1p53 + 2);
    fsum_t big = {0, 0};
    for (int i = 0; i < 1000; i++) fsum_add(&big, 0x1p60 + 0x1p8 * i);
    for (int i = 0; i < 1000; i++) fsum_add(&big, -0x1p60);
    CHECK(fsum_value(&big) == 0x1p8 * (999.0 * 1000 / 2));
    /* The empty sum is 0; -0 alone gives 0 as before. */
    fsum_t z = {0, 0};
    CHECK(fsum_value(&z) == 0);
    fsum_add(&z, -0.0);
    CHECK(fsum_value(&z) == 0);
    /* Infinities and NaN follow IEEE's rules. */
    CHECK(sum_of((double[]){1, INFINITY, 1}, 3) == INFINITY);
    CHECK(sum_of((double[]){-INFINITY, 5}, 2) == -INFINITY);
    CHECK(isnan(sum_of((double[]){INFINITY, 1, -INFINITY}, 3)));
    CHECK(isnan(sum_of((double[]){1, NAN, 2}, 3)));
    CHECK(sum_of((double[]){0x1p1023, 0x1p1023}, 2) == INFINITY);
    fsum_t a = {0, 0}, b = {0, 0};
    fsum_add(&a, 3);
    fsum_add(&b, INFINITY);
    fsum_merge(&a, &b);
    CHECK(fsum_value(&a) == INFINITY);
    fsum_add(&a, 1);
    CHECK(fsum_value(&a) == INFINITY);
}

/* A pseudo-random stream (64-bit LCG), the same on every machine. */
static uint64_t rnd_state;
static uint64_t rnd(void) {
    rnd_state = rnd_state * 6364136223846793005ULL + 1442695040888963407ULL;
    return rnd_state >> 11;
}

/* Values of many magnitudes and both signs, or decimals like a log's. */
static double draw(int kind) {
    if (kind == 0) {
        double m = (double)(rnd() >> 1) / 0x1p52; /* [0, 1) */
        int e = (int)(rnd() % 61) - 30;
        return (rnd() & 1 ? -1 : 1) * ldexp(m, e);
    }
    return (double)(rnd() % 100000000000ULL) / 1e6; /* 0 .. 99999.999999 */
}

static void test_order(void) {
    enum { N = 20000 };
    double *v = malloc(N * sizeof *v);
    for (int kind = 0; kind < 2; kind++) {
        rnd_state = 12345 + (uint64_t)kind;
        double plain = 0;
        for (int i = 0; i < N; i++) {
            v[i] = draw(kind);
            plain += v[i];
        }
        double want = sum_of(v, N);
        /* Backwards, then shuffled. */
        fsum_t s = {0, 0};
        for (int i = N - 1; i >= 0; i--) fsum_add(&s, v[i]);
        CHECK(fsum_value(&s) == want);
        double plain_shuffled = 0;
        for (int i = N - 1; i > 0; i--) {
            int j = (int)(rnd() % (uint64_t)(i + 1));
            double t = v[i];
            v[i] = v[j];
            v[j] = t;
        }
        for (int i = 0; i < N; i++) plain_shuffled += v[i];
        CHECK(sum_of(v, N) == want);
        /* (A plain double sum differs between the orders: the case the
         * accumulator exists for; if it ever did not, this test would
         * prove nothing about order.) */
        CHECK(plain != plain_shuffled);
        /* Cut into lanes at random places, each summed alone, merged in
         * either order and in a tree. */
        for (int trial = 0; trial < 20; trial++) {
            enum { L = 7 };
            fsum_t lane[L];
            size_t cut[L + 1];
            cut[0] = 0;
            cut[L] = N;
            for (int l = 1; l < L; l++) cut[l] = (size_t)(rnd() % N);
            for (int l = 1; l < L; l++) /* sort the cuts */
                for (int k = l; k > 1 && cut[k - 1] > cut[k]; k--) {
                    size_t t = cut[k];
                    cut[k] = cut[k - 1];
                    cut[k - 1] = t;
                }
            for (int l = 0; l < L; l++) {
                lane[l] = (fsum_t){0, 0};
                for (size_t i = cut[l]; i < cut[l + 1]; i++) fsum_add(&lane[l], v[i]);
            }
            fsum_t fwd = {0, 0}, bwd = {0, 0};
            for (int l = 0; l < L; l++) fsum_merge(&fwd, &lane[l]);
            for (int l = L - 1; l >= 0; l--) fsum_merge(&bwd, &lane[l]);
            CHECK(fsum_value(&fwd) == want);
            CHECK(fsum_value(&bwd) == want);
            for (int w = 1; w < L; w *= 2) /* pairwise, as merging threads fold */
                for (int l = 0; l + w < L; l += 2 * w) fsum_merge(&lane[l], &lane[l + w]);
            CHECK(fsum_value(&lane[0]) == want);
        }
    }
    free(v);
}

static void test_mean_stddev(void) {
    /* Three times 0.1: the mean is the double 0.1 (a plain sum / 3 gives
     * 0.10000000000000002). */
    fsum_t s = {0, 0};
    for (int i = 0; i < 3; i++) fsum_add(&s, 0.1);
    CHECK(fsum_mean(&s, 3) == 0.1);
    s = (fsum_t){0, 0};
    for (int i = 1; i <= 4; i++) fsum_add(&s, i);
    CHECK(fsum_mean(&s, 4) == 2.5);
    /* 2 4 4 4 5 5 7 9: sum of squared deviations 32, sample sd sqrt(32/7);
     * shifted by 1e9, a time in ms or -4e14, the same (integers whose
     * squares sum below 2^105: exact moments). */
    static const double base[] = {2, 4, 4, 4, 5, 5, 7, 9};
    static const double shift[] = {0, 1e9, 1733580000000.0, -4e14};
    for (int k = 0; k < 4; k++) {
        fsum_t a = {0, 0}, q = {0, 0};
        for (int i = 0; i < 8; i++) {
            fsum_add(&a, base[i] + shift[k]);
            fsum_add_sq(&q, base[i] + shift[k]);
        }
        CHECK(fsum_stddev(&a, &q, 8) == sqrt(32.0 / 7.0));
    }
    /* The square's two halves: (1 + 2^-30)^2 = 1 + 2^-29 + 2^-60 exactly. */
    fsum_t q = {0, 0};
    fsum_add_sq(&q, 1 + 0x1p-30);
    CHECK(q.hi == 1 + 0x1p-29 && q.lo == 0x1p-60);
    /* Equal values: 0, never a negative variance's NaN. */
    fsum_t a = {0, 0};
    q = (fsum_t){0, 0};
    for (int i = 0; i < 10; i++) {
        fsum_add(&a, 0.1);
        fsum_add_sq(&q, 0.1);
    }
    CHECK(fsum_stddev(&a, &q, 10) == 0);
    /* An infinity makes it NaN. */
    fsum_add(&a, INFINITY);
    fsum_add_sq(&q, INFINITY);
    CHECK(isnan(fsum_stddev(&a, &q, 11)));
}

int main(void) {
    test_sum();
    test_order();
    test_mean_stddev();
    return CHECK_DONE("fsum");
}
