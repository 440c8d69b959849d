/* scan.c — one vector pass over a JSON line (see scan.h).
 *
 * Each block of the line is loaded twice, at i and at i+1: a quote in the
 * first load whose next byte (same lane of the second) is a probe byte is
 * a key candidate. The same first load gives the newline, the brackets and
 * the backslashes (those followed by 'u' may start a \u escape) as bit
 * masks. The widest kernel the CPU has is picked at
 * run time on x86-64 (AVX-512BW, AVX2, else SSE2, which every x86-64 has);
 * a scalar loop serves other CPUs and the last bytes of a buffer.
 *
 * Lines follow each other in the buffer, so each kernel asks for the bytes
 * a little ahead (SCAN_AHEAD) as it goes: a mapped file's pages are 4 KiB
 * apart in memory, where the CPU's own prefetcher stops, and the scan
 * would otherwise wait for memory at each page (the 1% search and the
 * seed query, 1M and 10M rows: 13-16% less CPU time).
 */
#include "scan.h"

#include "cpu_kernel.h"

#include <stdatomic.h>
#include <stdint.h>
#include <string.h>

/* Bytes ahead of the scan whose cache line it asks for (a few lines of a
 * JSON Lines file; measured: 1-4 KiB alike, 16 KiB worse). */
#define SCAN_AHEAD 2048

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define SCAN_X86 1
#include <immintrin.h>
#else
#define SCAN_X86 0
#endif

/* Bytes are compared with bit 0x20 set: a letter matches in both cases,
 * and a few other bytes collide ('_' with DEL, '@' with '`'), which only
 * adds candidates the caller rejects. */
static uint8_t fold(uint8_t c) { return (uint8_t)(c | 0x20); }

/* See scan.h. */
bool scan_probe_add(scan_probe_t *pr, char c) {
    /* A control byte, a quote or a backslash never starts a plain key. */
    if ((uint8_t)c < 0x20 || c == '"' || c == '\\') return false;
    uint8_t b = fold((uint8_t)c);
    for (unsigned k = 0; k < pr->n; k++)
        if (pr->c[k] == b) return true;
    if (pr->n == SCAN_MAXPROBE) return false;
    pr->c[pr->n++] = b;
    return true;
}

static bool probe_hit(const scan_probe_t *pr, uint8_t c) {
    c = fold(c);
    for (unsigned k = 0; k < pr->n; k++)
        if (pr->c[k] == c) return true;
    return false;
}

/* Keep the candidates of mask m (bit j: position base + j). */
__attribute__((always_inline)) static inline void emit(scan_line_t *o, size_t base, uint64_t m) {
    while (m) {
        if (o->ncand == SCAN_MAXCAND) {
            o->overflow = true;
            return;
        }
        o->cand[o->ncand++] = (uint32_t)(base + (unsigned)__builtin_ctzll(m));
        m &= m - 1;
    }
}

/* Finish a block of width bytes (at most 64) whose masks are known (bit j:
 * position base + j; bs: backslashes followed by 'u'): returns true when
 * the line ended in it. */
__attribute__((always_inline)) static inline bool block(scan_line_t *o, size_t base, uint64_t nl, uint64_t cand,
                                                        uint64_t br, uint64_t bs, size_t from, unsigned width) {
    if (nl) {
        unsigned at = (unsigned)__builtin_ctzll(nl);
        uint64_t keep = at ? (~(uint64_t)0 >> (64 - at)) : 0;
        cand &= keep;
        br &= keep;
        bs &= keep;
        o->len = base + at;
        o->nl = true;
    }
    if (bs) o->u_esc = true;
    if (br && o->first_br == SIZE_MAX) {
        if (from > base) br = from - base >= width ? 0 : br & (~(uint64_t)0 << (from - base));
        if (br) o->first_br = base + (unsigned)__builtin_ctzll(br);
    }
    if (cand) emit(o, base, cand);
    return nl != 0;
}

/* From position i to the line's end, one byte at a time. */
static void scan_tail(const scan_probe_t *pr, const char *p, size_t n, size_t i, size_t from, scan_line_t *o) {
    for (; i < n; i++) {
        char c = p[i];
        if (c == '\n') {
            o->len = i;
            o->nl = true;
            return;
        }
        if (c == '"') {
            if (i + 1 < n && probe_hit(pr, (uint8_t)p[i + 1])) emit(o, i, 1);
        } else if (c == '\\') {
            if (i + 1 < n && p[i + 1] == 'u') o->u_esc = true;
        } else if ((c == '{' || c == '[') && i >= from && o->first_br == SIZE_MAX) {
            o->first_br = i;
        }
    }
    o->len = n;
}

#if SCAN_X86
/* Ask for the cache line SCAN_AHEAD bytes past p[i]: once per 64
 * bytes scanned. An address past the buffer is only a hint, never read
 * (made as an integer: no pointer past the object). */
__attribute__((always_inline)) static inline void ahead(const char *p, size_t i) {
    __builtin_prefetch((const void *)((uintptr_t)p + i + SCAN_AHEAD));
}

/* 16 bytes at a time; returns where the scalar tail starts, or SIZE_MAX
 * when the line ended inside the blocks. */
static size_t scan_sse2(const scan_probe_t *pr, const char *p, size_t n, size_t from, scan_line_t *o) {
    const __m128i vq = _mm_set1_epi8('"'), vnl = _mm_set1_epi8('\n'), vlb = _mm_set1_epi8('{'),
                  vls = _mm_set1_epi8('['), vbs = _mm_set1_epi8('\\'), v20 = _mm_set1_epi8(0x20),
                  vu = _mm_set1_epi8('u');
    /* Unused probes repeat the first: always four compares, no loop. */
    const __m128i pc0 = _mm_set1_epi8((char)pr->c[0]), pc1 = _mm_set1_epi8((char)pr->c[pr->n > 1 ? 1 : 0]),
                  pc2 = _mm_set1_epi8((char)pr->c[pr->n > 2 ? 2 : 0]),
                  pc3 = _mm_set1_epi8((char)pr->c[pr->n > 3 ? 3 : 0]);
    size_t i = 0;
    for (; i + 17 <= n; i += 16) {
        if (!(i & 48)) ahead(p, i);
        __m128i a = _mm_loadu_si128((const __m128i *)(const void *)(p + i));
        uint32_t nl = (uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(a, vnl));
        uint32_t q = (uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(a, vq));
        uint32_t cand = 0;
        if (q) {
            __m128i b = _mm_loadu_si128((const __m128i *)(const void *)(p + i + 1));
            __m128i bl = _mm_or_si128(b, v20);
            __m128i hit = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(bl, pc0), _mm_cmpeq_epi8(bl, pc1)),
                                       _mm_or_si128(_mm_cmpeq_epi8(bl, pc2), _mm_cmpeq_epi8(bl, pc3)));
            cand = q & (uint32_t)_mm_movemask_epi8(hit);
        }
        uint32_t br = (uint32_t)_mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(a, vlb), _mm_cmpeq_epi8(a, vls)));
        uint32_t bs = (uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(a, vbs));
        if (bs) /* keep the backslashes that a 'u' follows */
            bs &= (uint32_t)_mm_movemask_epi8(
                _mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(const void *)(p + i + 1)), vu));
        if (block(o, i, nl, cand, br, bs, from, 16)) return SIZE_MAX;
    }
    return i;
}

/* 32 bytes at a time (AVX2); as scan_sse2. */
__attribute__((target("avx2"))) static size_t scan_avx2(const scan_probe_t *pr, const char *p, size_t n,
                                                        size_t from, scan_line_t *o) {
    const __m256i vq = _mm256_set1_epi8('"'), vnl = _mm256_set1_epi8('\n'), vlb = _mm256_set1_epi8('{'),
                  vls = _mm256_set1_epi8('['), vbs = _mm256_set1_epi8('\\'), v20 = _mm256_set1_epi8(0x20),
                  vu = _mm256_set1_epi8('u');
    const __m256i pc0 = _mm256_set1_epi8((char)pr->c[0]), pc1 = _mm256_set1_epi8((char)pr->c[pr->n > 1 ? 1 : 0]),
                  pc2 = _mm256_set1_epi8((char)pr->c[pr->n > 2 ? 2 : 0]),
                  pc3 = _mm256_set1_epi8((char)pr->c[pr->n > 3 ? 3 : 0]);
    const bool wide = pr->n > 2;
    size_t i = 0;
    for (; i + 33 <= n; i += 32) {
        if (!(i & 32)) ahead(p, i);
        __m256i a = _mm256_loadu_si256((const __m256i *)(const void *)(p + i));
        uint32_t nl = (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(a, vnl));
        uint32_t q = (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(a, vq));
        uint32_t cand = 0;
        if (q) {
            __m256i b = _mm256_loadu_si256((const __m256i *)(const void *)(p + i + 1));
            __m256i bl = _mm256_or_si256(b, v20);
            __m256i hit = _mm256_or_si256(_mm256_cmpeq_epi8(bl, pc0), _mm256_cmpeq_epi8(bl, pc1));
            if (wide)
                hit = _mm256_or_si256(hit, _mm256_or_si256(_mm256_cmpeq_epi8(bl, pc2), _mm256_cmpeq_epi8(bl, pc3)));
            cand = q & (uint32_t)_mm256_movemask_epi8(hit);
        }
        uint32_t br =
            (uint32_t)_mm256_movemask_epi8(_mm256_or_si256(_mm256_cmpeq_epi8(a, vlb), _mm256_cmpeq_epi8(a, vls)));
        uint32_t bs = (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(a, vbs));
        if (bs)
            bs &= (uint32_t)_mm256_movemask_epi8(
                _mm256_cmpeq_epi8(_mm256_loadu_si256((const __m256i *)(const void *)(p + i + 1)), vu));
        if (block(o, i, nl, cand, br, bs, from, 32)) return SIZE_MAX;
    }
    return i;
}

/* 64 bytes at a time (AVX-512BW: compares give bit masks directly); as
 * scan_sse2. */
__attribute__((target("avx512f,avx512bw"))) static size_t scan_avx512(const scan_probe_t *pr, const char *p,
                                                                      size_t n, size_t from, scan_line_t *o) {
    const __m512i vq = _mm512_set1_epi8('"'), vnl = _mm512_set1_epi8('\n'), vlb = _mm512_set1_epi8('{'),
                  vls = _mm512_set1_epi8('['), vbs = _mm512_set1_epi8('\\'), v20 = _mm512_set1_epi8(0x20),
                  vu = _mm512_set1_epi8('u');
    /* Unused probes repeat the first; four named vectors stay in registers. */
    const __m512i pc0 = _mm512_set1_epi8((char)pr->c[0]), pc1 = _mm512_set1_epi8((char)pr->c[pr->n > 1 ? 1 : 0]),
                  pc2 = _mm512_set1_epi8((char)pr->c[pr->n > 2 ? 2 : 0]),
                  pc3 = _mm512_set1_epi8((char)pr->c[pr->n > 3 ? 3 : 0]);
    const bool wide = pr->n > 2; /* two probes are the common case: two compares fewer */
    size_t i = 0;
    for (; i + 65 <= n; i += 64) {
        ahead(p, i);
        __m512i a = _mm512_loadu_si512((const void *)(p + i));
        uint64_t nl = _mm512_cmpeq_epi8_mask(a, vnl);
        uint64_t q = _mm512_cmpeq_epi8_mask(a, vq);
        uint64_t cand = 0;
        if (q) {
            __m512i bl = _mm512_or_si512(_mm512_loadu_si512((const void *)(p + i + 1)), v20);
            uint64_t hit = _mm512_cmpeq_epi8_mask(bl, pc0) | _mm512_cmpeq_epi8_mask(bl, pc1);
            if (wide) hit |= _mm512_cmpeq_epi8_mask(bl, pc2) | _mm512_cmpeq_epi8_mask(bl, pc3);
            cand = q & hit;
        }
        uint64_t br = _mm512_cmpeq_epi8_mask(a, vlb) | _mm512_cmpeq_epi8_mask(a, vls);
        uint64_t bs = _mm512_cmpeq_epi8_mask(a, vbs);
        if (bs) bs &= _mm512_cmpeq_epi8_mask(_mm512_loadu_si512((const void *)(p + i + 1)), vu);
        if (block(o, i, nl, cand, br, bs, from, 64)) return SIZE_MAX;
    }
    return i;
}

/* The kernels, best first; a CPU without a kernel's features skips it. */
typedef size_t (*kernel_fn)(const scan_probe_t *, const char *, size_t, size_t, scan_line_t *);

static size_t scan_none(const scan_probe_t *pr, const char *p, size_t n, size_t from, scan_line_t *o) {
    (void)pr, (void)p, (void)n, (void)from, (void)o;
    return 0;
}

static const struct kernel {
    ck_head_t h;
    kernel_fn fn;
} kernels[] = {
    {{"avx512", "avx512bw"}, scan_avx512},
    {{"avx2", "avx2"}, scan_avx2},
    {{"sse2", NULL}, scan_sse2},
    {{"scalar", NULL}, scan_none},
};
#define NKERNELS (sizeof kernels / sizeof kernels[0])

/* The kernel in use: an index into kernels[] and its function, set on
 * first use (threads racing here all store the same) or by scan_force. */
static _Atomic int chosen = -1;
static _Atomic(kernel_fn) chosen_fn; /* NULL until picked */

static const struct kernel *kernel(void) {
    int k = atomic_load_explicit(&chosen, memory_order_relaxed);
    if (k < 0) {
        k = ck_find(kernels, sizeof kernels[0], NKERNELS, NULL); /* "scalar" at the latest */
        atomic_store_explicit(&chosen, k, memory_order_relaxed);
        atomic_store_explicit(&chosen_fn, kernels[k].fn, memory_order_relaxed);
    }
    return &kernels[k];
}
#endif

/* See scan.h. */
void scan_jsonl(const scan_probe_t *pr, const char *p, size_t n, size_t br_from, scan_line_t *o) {
    o->len = 0;
    o->nl = false;
    o->u_esc = false;
    o->overflow = false;
    o->first_br = SIZE_MAX;
    o->ncand = 0;
    size_t i = 0;
#if SCAN_X86
    kernel_fn fn = atomic_load_explicit(&chosen_fn, memory_order_relaxed);
    i = (fn ? fn : kernel()->fn)(pr, p, n, br_from, o);
    if (i == SIZE_MAX) return;
#endif
    scan_tail(pr, p, n, i, br_from, o);
}

/* See scan.h. */
const char *scan_impl(void) {
#if SCAN_X86
    return kernel()->h.name;
#else
    return "scalar";
#endif
}

/* See scan.h. */
bool scan_force(const char *name) {
#if SCAN_X86
    int k = ck_find(kernels, sizeof kernels[0], NKERNELS, name);
    if (k < 0) return false;
    atomic_store_explicit(&chosen, k, memory_order_relaxed);
    atomic_store_explicit(&chosen_fn, kernels[k].fn, memory_order_relaxed);
    return true;
#else
    return strcmp(name, "scalar") == 0;
#endif
}
