/* json_index.c — the vector pass of json_index.h.
 *
 * Each 64-byte block of the text gives three raw masks (quotes,
 * backslashes, digits) from byte compares. The last, partial block is
 * taken from the text's last 64 bytes (its masks shifted down), or, in a
 * text shorter than 64 bytes, copied into a zeroed buffer: no byte past
 * the text is read and the bits past it are 0. Backslashes are rare in logs, so quotes are
 * unescaped afterwards, and only in words that have a backslash or follow
 * one that ends in a backslash (jx_escaped walks the runs of such a word).
 * The kernel is picked at run time on x86-64 (AVX-512BW, else AVX2, else
 * SSE2, which every x86-64 has); plain C elsewhere.
 */
#include "json_index.h"

#include "cpu_kernel.h"

#include <stdatomic.h>
#include <string.h>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define JX_X86 1
#include <immintrin.h>
#else
#define JX_X86 0
#endif

/* One block's raw masks (nl: its newlines, for jx_build_line). */
typedef struct jx_raw {
    uint64_t q, b, d, nl;
} jx_raw_t;

typedef void (*jx_block_fn)(const char *p, jx_raw_t *r);

/* The plain C block: any CPU, and the reference of the unit test. */
static inline void block_scalar(const char *p, jx_raw_t *r) {
    uint64_t q = 0, b = 0, d = 0, nl = 0;
    for (unsigned k = 0; k < 64; k++) {
        char c = p[k];
        q |= (uint64_t)(c == '"') << k;
        b |= (uint64_t)(c == '\\') << k;
        d |= (uint64_t)(c >= '0' && c <= '9') << k;
        nl |= (uint64_t)(c == '\n') << k;
    }
    r->q = q, r->b = b, r->d = d, r->nl = nl;
}

#if JX_X86
/* 16 bytes' masks (SSE2). A digit is a byte b with b - '0' (mod 256) below
 * 10; with bit 7 flipped that is a signed compare: below 10 - 128. */
static inline void sse2_16(const char *p, unsigned *q, unsigned *b, unsigned *d, unsigned *nl) {
    const __m128i vq = _mm_set1_epi8('"'), vb = _mm_set1_epi8('\\'), vn = _mm_set1_epi8('\n');
    const __m128i zero = _mm_set1_epi8('0'), ten = _mm_set1_epi8((char)(10 - 128));
    __m128i x = _mm_loadu_si128((const __m128i *)(const void *)p);
    *q = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(x, vq));
    *b = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(x, vb));
    *nl = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(x, vn));
    __m128i y = _mm_sub_epi8(x, zero);
    *d = (unsigned)_mm_movemask_epi8(_mm_cmplt_epi8(_mm_xor_si128(y, _mm_set1_epi8((char)0x80)), ten));
}

static inline void block_sse2(const char *p, jx_raw_t *r) {
    uint64_t q = 0, b = 0, d = 0, nl = 0;
    for (unsigned k = 0; k < 4; k++) {
        unsigned a, e, g, l;
        sse2_16(p + 16 * k, &a, &e, &g, &l);
        q |= (uint64_t)a << (16 * k);
        b |= (uint64_t)e << (16 * k);
        d |= (uint64_t)g << (16 * k);
        nl |= (uint64_t)l << (16 * k);
    }
    r->q = q, r->b = b, r->d = d, r->nl = nl;
}

/* 32 bytes' masks (AVX2), as sse2_16. */
__attribute__((target("avx2"))) static inline void avx2_32(const char *p, uint32_t *q, uint32_t *b, uint32_t *d,
                                                           uint32_t *nl) {
    const __m256i vq = _mm256_set1_epi8('"'), vb = _mm256_set1_epi8('\\'), vn = _mm256_set1_epi8('\n');
    const __m256i zero = _mm256_set1_epi8('0'), ten = _mm256_set1_epi8((char)(10 - 128));
    const __m256i flip = _mm256_set1_epi8((char)0x80);
    __m256i x = _mm256_loadu_si256((const __m256i *)(const void *)p);
    *q = (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(x, vq));
    *b = (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(x, vb));
    *nl = (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(x, vn));
    __m256i y = _mm256_xor_si256(_mm256_sub_epi8(x, zero), flip);
    *d = (uint32_t)_mm256_movemask_epi8(_mm256_cmpgt_epi8(ten, y));
}

__attribute__((target("avx2"))) static inline void block_avx2(const char *p, jx_raw_t *r) {
    uint32_t q0, b0, d0, n0, q1, b1, d1, n1;
    avx2_32(p, &q0, &b0, &d0, &n0);
    avx2_32(p + 32, &q1, &b1, &d1, &n1);
    r->q = q0 | (uint64_t)q1 << 32;
    r->b = b0 | (uint64_t)b1 << 32;
    r->d = d0 | (uint64_t)d1 << 32;
    r->nl = n0 | (uint64_t)n1 << 32;
}

/* 64 bytes' masks (AVX-512BW): each compare gives its mask whole. */
__attribute__((target("avx512f,avx512bw"))) static inline void block_avx512(const char *p, jx_raw_t *r) {
    __m512i x = _mm512_loadu_si512((const void *)p);
    r->q = _mm512_cmpeq_epi8_mask(x, _mm512_set1_epi8('"'));
    r->b = _mm512_cmpeq_epi8_mask(x, _mm512_set1_epi8('\\'));
    r->nl = _mm512_cmpeq_epi8_mask(x, _mm512_set1_epi8('\n'));
    r->d = _mm512_cmplt_epu8_mask(_mm512_sub_epi8(x, _mm512_set1_epi8('0')), _mm512_set1_epi8(10));
}
#endif

/* Bits at even and at odd positions. */
#define JX_EVEN 0x5555555555555555ull
#define JX_ODD 0xAAAAAAAAAAAAAAAAull

/* See json_index.h. Without a branch: adding a run's first bit to the
 * backslash mask carries through the run and sets the bit just past its
 * end; a run from an even position has odd length when that bit is at an
 * odd position, and the other way round, so the runs are added in two
 * groups, by the parity of their start. An odd run carried in from the
 * word before escapes byte 0 (and, when byte 0 is a backslash, leaves the
 * run to start at byte 1). The carry out is the overflow of the
 * odd-start sum: a run reaching byte 63 from an odd start has odd length
 * (from an even start, even). */
uint64_t jx_escaped(uint64_t bs, unsigned *carry) {
    uint64_t c = *carry & 1;
    uint64_t b = bs & ~c;
    uint64_t start = b & ~(b << 1);
    uint64_t from_even = b + (start & JX_EVEN), from_odd;
    bool out = __builtin_add_overflow(b, start & JX_ODD, &from_odd);
    *carry = out;
    return (from_even & ~b & JX_ODD) | (from_odd & ~b & JX_EVEN) | c;
}

/* jx_build's work with block kernel blk, inlined into one function per
 * kernel. */
__attribute__((always_inline)) static inline void build(jx_t *x, const char *s, size_t n, jx_block_fn blk) {
    unsigned nw = (unsigned)((n + 63) / 64), w = 0;
    uint64_t anyb = 0;
    jx_raw_t r;
    for (; (size_t)(w + 1) * 64 <= n; w++) {
        blk(s + (size_t)w * 64, &r);
        x->q[w] = r.q, x->b[w] = r.b, x->d[w] = r.d;
        anyb |= r.b;
    }
    if (w < nw) {
        size_t rem = n - (size_t)w * 64; /* 1..63 bytes */
        if (w) { /* the last 64 bytes, whose top rem bits are the tail's */
            blk(s + n - 64, &r);
            r.q >>= 64 - rem, r.b >>= 64 - rem, r.d >>= 64 - rem;
        } else {
            char tail[64] = {0};
            memcpy(tail, s, rem);
            blk(tail, &r);
        }
        x->q[w] = r.q, x->b[w] = r.b, x->d[w] = r.d;
        anyb |= r.b;
    }
    x->n = n;
    x->nw = nw;
    x->anyb = anyb != 0; /* (the escaped quotes are dropped by the caller: unescape) */
}

/* jx_build_line's work with block kernel blk: blocks from s[0] until one
 * holds a '\n' (the last, partial block taken as build takes it), the
 * bits at and past the newline cleared, then the escapes as in build. */
__attribute__((always_inline)) static inline size_t build_line(jx_t *x, const char *s, size_t n, jx_block_fn blk) {
    size_t lim = n < JX_MAXLEN ? n : JX_MAXLEN;
    unsigned w = 0;
    uint64_t anyb = 0;
    jx_raw_t r;
    for (;; w++) {
        if ((size_t)(w + 1) * 64 <= lim) {
            blk(s + (size_t)w * 64, &r);
        } else {
            size_t rem = lim - (size_t)w * 64; /* 0..63 bytes */
            if (!rem) return JX_NOLINE;        /* (lim is n here: JX_MAXLEN is whole words) */
            if (w) {
                blk(s + lim - 64, &r);
                unsigned sh = (unsigned)(64 - rem);
                r.q >>= sh, r.b >>= sh, r.d >>= sh, r.nl >>= sh;
            } else {
                char tail[64] = {0};
                memcpy(tail, s, rem);
                blk(tail, &r);
            }
            if (!r.nl) return JX_NOLINE;
        }
        x->q[w] = r.q, x->b[w] = r.b, x->d[w] = r.d;
        if (r.nl) break;
        anyb |= r.b;
    }
    unsigned k = (unsigned)__builtin_ctzll(r.nl);
    uint64_t keep = k ? ~(uint64_t)0 >> (64 - k) : 0;
    x->q[w] &= keep, x->b[w] &= keep, x->d[w] &= keep;
    anyb |= x->b[w];
    size_t e = (size_t)w * 64 + k;
    x->n = e;
    x->nw = (unsigned)((e + 63) / 64);
    x->anyb = anyb != 0; /* (the escaped quotes are dropped by the caller: unescape) */
    return e;
}

/* Drop the escaped quotes from x's quote mask. Not in the kernels: built
 * for AVX-512, this scalar carry chain went through mask registers (a move
 * into one and out again at each step); here it stays in general
 * registers, and the two kernels' copies of the loop are one (1% less CPU
 * time on top-k over 1M lines, 2% on the seed query, paired runs). */
static inline void unescape(jx_t *x) {
    if (!x->anyb) return;
    unsigned carry = 0;
    for (unsigned w = 0; w < x->nw; w++) x->q[w] &= ~jx_escaped(x->b[w], &carry);
}

typedef void (*jx_build_fn)(jx_t *x, const char *s, size_t n);
typedef size_t (*jx_line_fn)(jx_t *x, const char *s, size_t n);

static void build_scalar(jx_t *x, const char *s, size_t n) { build(x, s, n, block_scalar); }
static size_t line_scalar(jx_t *x, const char *s, size_t n) { return build_line(x, s, n, block_scalar); }
#if JX_X86
static void build_sse2(jx_t *x, const char *s, size_t n) { build(x, s, n, block_sse2); }
static size_t line_sse2(jx_t *x, const char *s, size_t n) { return build_line(x, s, n, block_sse2); }
__attribute__((target("avx2"))) static void build_avx2(jx_t *x, const char *s, size_t n) {
    build(x, s, n, block_avx2);
}
__attribute__((target("avx2"))) static size_t line_avx2(jx_t *x, const char *s, size_t n) {
    return build_line(x, s, n, block_avx2);
}
__attribute__((target("avx512f,avx512bw"))) static void build_avx512(jx_t *x, const char *s, size_t n) {
    build(x, s, n, block_avx512);
}
__attribute__((target("avx512f,avx512bw"))) static size_t line_avx512(jx_t *x, const char *s, size_t n) {
    return build_line(x, s, n, block_avx512);
}
#endif

/* The kernels, best first; a CPU without a kernel's feature skips it. */
static const struct jx_kernel {
    ck_head_t h;
    jx_build_fn fn;
    jx_line_fn line;
} kernels[] = {
#if JX_X86
    {{"avx512", "avx512bw"}, build_avx512, line_avx512},
    {{"avx2", "avx2"}, build_avx2, line_avx2},
    {{"sse2", NULL}, build_sse2, line_sse2},
#endif
    {{"scalar", NULL}, build_scalar, line_scalar},
};
#define NKERNELS (sizeof kernels / sizeof kernels[0])

/* The kernel in use, set on first use (threads racing here all store the
 * same) or by jx_force. */
static _Atomic(jx_build_fn) chosen_fn;
static _Atomic(jx_line_fn) chosen_line;
static _Atomic int chosen = -1;

/* Use kernel k from now on. */
static jx_build_fn use(int k) {
    atomic_store_explicit(&chosen, k, memory_order_relaxed);
    atomic_store_explicit(&chosen_line, kernels[k].line, memory_order_relaxed);
    atomic_store_explicit(&chosen_fn, kernels[k].fn, memory_order_relaxed);
    return kernels[k].fn;
}

static jx_build_fn pick(void) {
    jx_build_fn fn = atomic_load_explicit(&chosen_fn, memory_order_relaxed);
    return fn ? fn : use(ck_find(kernels, sizeof kernels[0], NKERNELS, NULL)); /* "scalar" at the latest */
}

/* See json_index.h. */
bool jx_build(jx_t *x, const char *s, size_t n) {
    if (n > JX_MAXLEN) return false;
    pick()(x, s, n);
    unescape(x);
    return true;
}

/* See json_index.h. */
size_t jx_build_line(jx_t *x, const char *s, size_t n) {
    jx_line_fn fn = atomic_load_explicit(&chosen_line, memory_order_relaxed);
    if (!fn) { /* (a thread racing the first use may see chosen_fn before chosen_line) */
        pick();
        int k = atomic_load_explicit(&chosen, memory_order_relaxed);
        fn = kernels[k >= 0 ? k : ck_find(kernels, sizeof kernels[0], NKERNELS, NULL)].line;
    }
    size_t e = fn(x, s, n);
    if (e != JX_NOLINE) unescape(x);
    return e;
}

/* See json_index.h. */
const char *jx_impl(void) {
    pick();
    return kernels[atomic_load_explicit(&chosen, memory_order_relaxed)].h.name;
}

/* See json_index.h. */
bool jx_force(const char *name) {
    int k = ck_find(kernels, sizeof kernels[0], NKERNELS, name);
    if (k < 0) return false;
    use(k);
    return true;
}
