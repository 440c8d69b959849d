/* json_scan.h — the byte scanners of JSON text, inline for the loops that
 * walk an object's members (json.c's iterator, the JSON Lines reader's
 * member loop in reader.c). Each takes the text s[0..n) and an index, and
 * returns the index past what it scanned or JSON_BAD; none allocates.
 */
#ifndef POSTERN_JSON_SCAN_H
#define POSTERN_JSON_SCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "json.h"

#define JSON_BAD ((size_t)-1)

static inline bool js_is_ws(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
static inline bool js_is_digit(char c) { return c >= '0' && c <= '9'; }

/* Index of the first byte at or after s[i] that is not JSON whitespace:
 * one compare for most bytes. */
static inline size_t js_ws(const char *s, size_t n, size_t i) {
    while (i < n && (unsigned char)s[i] <= ' ' && js_is_ws(s[i])) i++;
    return i;
}

/* Index of the first '"' or '\\' at or after s[i], n when there is
 * none: 16 bytes a step, since keys and most values are short. */
static inline size_t js_quote_or_bs(const char *s, size_t n, size_t i) {
#if defined(__SSE2__)
    const __m128i vq = _mm_set1_epi8('"'), vb = _mm_set1_epi8('\\');
    for (; i + 16 <= n; i += 16) {
        __m128i x = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
        unsigned m = (unsigned)_mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(x, vq), _mm_cmpeq_epi8(x, vb)));
        if (m) return i + (unsigned)__builtin_ctz(m);
    }
#endif
    for (; i < n; i++)
        if (s[i] == '"' || s[i] == '\\') return i;
    return n;
}

/* Index of the quote closing the string whose opening quote is s[i], n
 * when the text ends first. A backslash escapes the byte after it
 * (\uXXXX's digits are plain bytes), so the scan jumps past it; *esc
 * tells whether the string had any. */
static inline size_t js_str_end(const char *s, size_t n, size_t i, bool *esc) {
    size_t j = i + 1;
    *esc = false;
    for (;;) {
        j = js_quote_or_bs(s, n, j);
        if (j >= n) return n;
        if (s[j] == '"') return j;
        *esc = true;
        j += 2;
    }
}

/* Index past the number at s[i], JSON_BAD when malformed; *tr is set when
 * the text ends inside it where more digits were required. */
static inline size_t js_num_end(const char *s, size_t n, size_t i, bool *tr) {
    size_t j = i;
    if (j < n && s[j] == '-') j++;
    if (j >= n) { *tr = true; return JSON_BAD; }
    if (s[j] == '0') j++;
    else if (s[j] >= '1' && s[j] <= '9') while (j < n && js_is_digit(s[j])) j++;
    else return JSON_BAD;
    if (j < n && s[j] == '.') {
        if (++j >= n) { *tr = true; return JSON_BAD; }
        if (!js_is_digit(s[j])) return JSON_BAD;
        while (j < n && js_is_digit(s[j])) j++;
    }
    if (j < n && (s[j] == 'e' || s[j] == 'E')) {
        j++;
        if (j < n && (s[j] == '+' || s[j] == '-')) j++;
        if (j >= n) { *tr = true; return JSON_BAD; }
        if (!js_is_digit(s[j])) return JSON_BAD;
        while (j < n && js_is_digit(s[j])) j++;
    }
    return j;
}

/* Index past the literal lit (ln bytes) at s[i], JSON_BAD when it is not
 * there; *tr when the text ends inside a prefix of it. */
static inline size_t js_lit_end(const char *s, size_t n, size_t i, const char *lit, size_t ln, bool *tr) {
    size_t have = n - i < ln ? n - i : ln;
    if (memcmp(s + i, lit, have) != 0) return JSON_BAD;
    if (have < ln) { *tr = true; return JSON_BAD; }
    return i + ln;
}

/* Index past the value at s[i] (no whitespace before it), JSON_BAD when
 * it is not valid JSON: json_skip, with scalars (most values) inline. */
static inline size_t js_value_end(const char *s, size_t n, size_t i) {
    bool tr, esc;
    size_t j;
    switch (s[i]) {
    case '"': j = js_str_end(s, n, i, &esc); return j < n ? j + 1 : JSON_BAD;
    case 't': return js_lit_end(s, n, i, "true", 4, &tr);
    case 'f': return js_lit_end(s, n, i, "false", 5, &tr);
    case 'n': return js_lit_end(s, n, i, "null", 4, &tr);
    case '{': case '[': return json_skip(s, n, i);
    default: return js_num_end(s, n, i, &tr);
    }
}

#endif
