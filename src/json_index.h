/* json_index.h — bit masks of one JSON text, for walks that jump instead
 * of scanning.
 *
 * jx_build classifies every byte of a text of up to JX_MAXLEN bytes in
 * one vector pass (AVX-512BW or AVX2 when the CPU has it, else SSE2;
 * chosen at run time as scan.c does; plain C off x86-64) into three
 * masks, bit k of word k/64 standing for byte k:
 *   q  the quotes no backslash escapes: a '"' after an even run of '\\'
 *      (a backslash escapes the byte after it, so "\\" is one escaped
 *      backslash and the quote after it is not escaped);
 *   b  the backslashes;
 *   d  the digits '0'..'9'.
 * Bits at and past n are 0. With them the end of a string is the next q
 * bit and the end of a digit run the next 0 bit of d: one count of
 * trailing zeros, where a byte loop would branch on every byte. The
 * inline helpers below answer exactly what json_scan.h's byte scanners
 * answer (tests/unit/test_json_index.c compares them on random text).
 * jx_build_line indexes the line at the start of a buffer and finds its
 * newline in the same pass (the JSON Lines reader).
 * Nothing allocates; a jx_t lives on its caller's stack.
 */
#ifndef POSTERN_JSON_INDEX_H
#define POSTERN_JSON_INDEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "json_scan.h"

#define JX_WORDS 32
#define JX_MAXLEN ((size_t)JX_WORDS * 64) /* longer texts are not indexed */

/* The masks of one text s[0..n) (see the header comment). */
typedef struct jx {
    size_t n;
    unsigned nw;             /* words in use: (n + 63) / 64 */
    bool anyb;               /* the text has a backslash */
    uint64_t q[JX_WORDS];    /* unescaped quotes */
    uint64_t b[JX_WORDS];    /* backslashes */
    uint64_t d[JX_WORDS];    /* digits */
} jx_t;

/* Fill *x with the masks of s[0..n). Returns false (x untouched) when n
 * exceeds JX_MAXLEN. Reads only s[0..n). */
bool jx_build(jx_t *x, const char *s, size_t n);

/* jx_build_line's answer when the text has no line it indexes. */
#define JX_NOLINE ((size_t)-1)

/* The masks of the line at the start of s[0..n) in one pass that also
 * finds the line's end (no separate search for the newline): returns the
 * index of the first '\n' with *x holding the masks of s[0..that index),
 * or JX_NOLINE (*x unspecified) when none is among the first
 * min(n, JX_MAXLEN) bytes. Reads only s[0..n). */
size_t jx_build_line(jx_t *x, const char *s, size_t n);

/* Cut the masks of *x to the first n <= x->n bytes of its text. */
static inline void jx_cut(jx_t *x, size_t n) {
    unsigned nw = (unsigned)((n + 63) / 64);
    if (n % 64) {
        uint64_t keep = ~(uint64_t)0 >> (64 - n % 64);
        x->q[nw - 1] &= keep, x->b[nw - 1] &= keep, x->d[nw - 1] &= keep;
    }
    x->n = n;
    x->nw = nw;
}

/* The escapes of one 64-byte word whose backslashes are bs: bit k set
 * when byte k follows an odd run of backslashes. *carry is 1 on entry when
 * the bytes before the word end in an odd run, and is set to that for the
 * next word on return. (Exposed for its unit test.) */
uint64_t jx_escaped(uint64_t bs, unsigned *carry);

/* Which kernel jx_build uses: "avx512", "avx2", "sse2" or "scalar". */
const char *jx_impl(void);
/* Make jx_build use the named kernel from now on (tests compare them).
 * Returns false when the name is unknown or the CPU lacks it. */
bool jx_force(const char *name);

/* Index of the first set bit of mask m at or after i, x->n when none. */
static inline size_t jx_next(const jx_t *x, const uint64_t *m, size_t i) {
    if (i >= x->n) return x->n;
    unsigned w = (unsigned)(i / 64);
    uint64_t v = m[w] & (~(uint64_t)0 << (i % 64));
    while (!v) {
        if (++w >= x->nw) return x->n;
        v = m[w];
    }
    return (size_t)w * 64 + (unsigned)__builtin_ctzll(v);
}

/* Index of the first non-digit at or after i (x->n when the text ends
 * first). */
static inline size_t jx_digits_end(const jx_t *x, size_t i) {
    if (i >= x->n) return x->n;
    unsigned w = (unsigned)(i / 64);
    uint64_t v = ~x->d[w] & (~(uint64_t)0 << (i % 64));
    while (!v) {
        if (++w >= x->nw) return x->n;
        v = ~x->d[w];
    }
    size_t k = (size_t)w * 64 + (unsigned)__builtin_ctzll(v);
    return k < x->n ? k : x->n;
}

/* Is there a backslash in s[a..e)? */
static inline bool jx_any_bs(const jx_t *x, size_t a, size_t e) {
    if (a >= e) return false;
    size_t k = jx_next(x, x->b, a);
    return k < e;
}

/* js_str_end on an indexed text: the quote closing the string opened at
 * s[i], x->n when none; *esc when the string holds a backslash. */
static inline size_t jx_str_end(const jx_t *x, size_t i, bool *esc) {
    size_t j = jx_next(x, x->q, i + 1);
    *esc = jx_any_bs(x, i + 1, j);
    return j;
}

/* js_num_end's answer on an indexed text (JSON_BAD when malformed). */
__attribute__((always_inline)) static inline size_t jx_num_end(const jx_t *x, const char *s, size_t i) {
    size_t n = x->n, j = i;
    if (j < n && s[j] == '-') j++;
    if (j >= n) return JSON_BAD;
    if (s[j] == '0') j++;
    else if (s[j] >= '1' && s[j] <= '9') j = jx_digits_end(x, j + 1);
    else return JSON_BAD;
    if (j < n && s[j] == '.') {
        if (++j >= n || !js_is_digit(s[j])) return JSON_BAD;
        j = jx_digits_end(x, j + 1);
    }
    if (j < n && (s[j] == 'e' || s[j] == 'E')) {
        j++;
        if (j < n && (s[j] == '+' || s[j] == '-')) j++;
        if (j >= n || !js_is_digit(s[j])) return JSON_BAD;
        j = jx_digits_end(x, j + 1);
    }
    return j;
}

/* js_value_end on an indexed text (inlined into each walk: per member). */
__attribute__((always_inline)) static inline size_t jx_value_end(const jx_t *x, const char *s, size_t i) {
    bool tr, esc;
    size_t j, n = x->n;
    switch (s[i]) {
    case '"': j = jx_str_end(x, i, &esc); return j < n ? j + 1 : JSON_BAD;
    case 't': return js_lit_end(s, n, i, "true", 4, &tr);
    case 'f': return js_lit_end(s, n, i, "false", 5, &tr);
    case 'n': return js_lit_end(s, n, i, "null", 4, &tr);
    case '{': case '[': return json_skip(s, n, i);
    default: return jx_num_end(x, s, i);
    }
}

#endif
