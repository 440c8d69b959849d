/* str.c — string-view helpers: comparison, hashing, wildcard matching.
 *
 * Everything here reads views and allocates nothing. Used by every stage
 * from the lexer to the output writers.
 */
#include "str.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

/* See str.h. */
bool pstr_ieq(pstr_t a, pstr_t b) {
    if (a.n != b.n) return false;
    for (size_t i = 0; i < a.n; i++)
        if (str_lc(a.p[i]) != str_lc(b.p[i])) return false;
    return true;
}

/* See str.h. One pass, no strlen: readers compare many names per record. */
bool pstr_ieq_c(pstr_t a, const char *b) {
    size_t i = 0;
    for (; i < a.n; i++)
        if (!b[i] || str_lc(a.p[i]) != str_lc(b[i])) return false;
    return b[i] == 0;
}

/* See str.h. */
int pstr_cmp(pstr_t a, pstr_t b) {
    size_t m = a.n < b.n ? a.n : b.n;
    int c = m ? memcmp(a.p, b.p, m) : 0;
    if (c) return c;
    return a.n < b.n ? -1 : a.n > b.n;
}

/* See str.h. */
int pstr_alphacmp(pstr_t a, pstr_t b) {
    size_t n = a.n < b.n ? a.n : b.n;
    for (size_t i = 0; i < n; i++) {
        int d = (unsigned char)str_lc(a.p[i]) - (unsigned char)str_lc(b.p[i]);
        if (d) return d;
    }
    if (a.n != b.n) return a.n < b.n ? -1 : 1;
    return pstr_cmp(a, b);
}

/* See str.h. */
bool pstr_contains(pstr_t hay, pstr_t needle) {
    if (needle.n == 0) return true;
    if (needle.n > hay.n) return false;
    const char *end = hay.p + hay.n - needle.n + 1;
    for (const char *q = hay.p; q < end;) {
        q = memchr(q, needle.p[0], (size_t)(end - q));
        if (!q) return false;
        if (memcmp(q, needle.p, needle.n) == 0) return true;
        q++;
    }
    return false;
}

/* See str.h. Candidates are found with memchr for both cases of the
 * needle's first byte; each next occurrence is remembered, so no byte is
 * scanned twice by memchr. */
long pstr_ifind(pstr_t hay, pstr_t needle) {
    if (needle.n == 0) return 0;
    if (needle.n > hay.n) return -1;
    char lo = str_lc(needle.p[0]);
    char up = (lo >= 'a' && lo <= 'z') ? (char)(lo - 32) : lo;
    const char *end = hay.p + hay.n - needle.n + 1; /* last possible start + 1 */
    const char *nl = memchr(hay.p, lo, (size_t)(end - hay.p));
    const char *nu = up == lo ? NULL : memchr(hay.p, up, (size_t)(end - hay.p));
    while (nl || nu) {
        const char *c = !nu || (nl && nl < nu) ? nl : nu;
        size_t j = 1;
        while (j < needle.n && str_lc(c[j]) == str_lc(needle.p[j])) j++;
        if (j == needle.n) return (long)(c - hay.p);
        if (c == nl) nl = c + 1 < end ? memchr(c + 1, lo, (size_t)(end - c - 1)) : NULL;
        else nu = c + 1 < end ? memchr(c + 1, up, (size_t)(end - c - 1)) : NULL;
    }
    return -1;
}

static bool eq_bytes(const char *a, const char *b, size_t n, bool icase) {
    if (!icase) return memcmp(a, b, n) == 0;
    for (size_t i = 0; i < n; i++)
        if (str_lc(a[i]) != str_lc(b[i])) return false;
    return true;
}

static bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

/* See str.h. The two probe bytes are the needle's second and
 * second-to-last (its first and last are often quotes, common in logs). */
const char *str_search(pstr_t hay, pstr_t needle, bool icase) {
    size_t n = hay.n, m = needle.n;
    if (m == 0) return hay.p;
    if (m > n) return NULL;
    if (m < 4) {
        long k = icase ? pstr_ifind(hay, needle) : -1;
        if (icase) return k < 0 ? NULL : hay.p + k;
        const char *q = hay.p, *end = hay.p + n - m + 1; /* where a match may start */
        while (q < end && (q = memchr(q, needle.p[0], (size_t)(end - q)))) { /* the first byte's places only */
            if (memcmp(q, needle.p, m) == 0) return q;
            q++;
        }
        return NULL;
    }
    size_t p1 = 1, p2 = m - 2;
    size_t i = 0;
#if defined(__SSE2__)
    char c1 = needle.p[p1], c2 = needle.p[p2];
    bool f1 = icase && is_alpha(c1), f2 = icase && is_alpha(c2);
    __m128i v1 = _mm_set1_epi8(f1 ? str_lc(c1) : c1), v2 = _mm_set1_epi8(f2 ? str_lc(c2) : c2);
    __m128i k1 = _mm_set1_epi8(f1 ? 0x20 : 0), k2 = _mm_set1_epi8(f2 ? 0x20 : 0);
    for (; i + p2 + 16 <= n && i + m <= n; i += 16) {
        __m128i a = _mm_or_si128(_mm_loadu_si128((const __m128i *)(const void *)(hay.p + i + p1)), k1);
        __m128i b = _mm_or_si128(_mm_loadu_si128((const __m128i *)(const void *)(hay.p + i + p2)), k2);
        unsigned mask = (unsigned)_mm_movemask_epi8(_mm_and_si128(_mm_cmpeq_epi8(a, v1), _mm_cmpeq_epi8(b, v2)));
        while (mask) {
            size_t j = i + (unsigned)__builtin_ctz(mask);
            if (j + m <= n && eq_bytes(hay.p + j, needle.p, m, icase)) return hay.p + j;
            mask &= mask - 1;
        }
    }
#endif
    for (; i + m <= n; i++)
        if (eq_bytes(hay.p + i, needle.p, m, icase)) return hay.p + i;
    return NULL;
}

/* See str.h. */
const char *str_find2(const char *p, size_t n, char a, char b) {
    size_t i = 0;
#if defined(__SSE2__)
    __m128i va = _mm_set1_epi8(a), vb = _mm_set1_epi8(b);
    for (; i + 16 <= n; i += 16) {
        __m128i x = _mm_loadu_si128((const __m128i *)(const void *)(p + i));
        int m = _mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(x, va), _mm_cmpeq_epi8(x, vb)));
        if (m) return p + i + (unsigned)__builtin_ctz((unsigned)m);
    }
#endif
    for (; i < n; i++)
        if (p[i] == a || p[i] == b) return p + i;
    return NULL;
}

/* See str.h. */
unsigned str_byte_pos(const char *p, size_t a, size_t b, char c, size_t *pos, unsigned max, bool *more) {
    unsigned k = 0;
    size_t i = a;
    *more = false;
#if defined(__SSE2__)
    __m128i vc = _mm_set1_epi8(c);
    for (; i + 16 <= b; i += 16)
        for (unsigned m = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(const void *)(p + i)), vc));
             m; m &= m - 1) {
            if (k == max) {
                *more = true;
                return k;
            }
            pos[k++] = i + (unsigned)__builtin_ctz(m);
        }
#endif
    for (; i < b; i++)
        if (p[i] == c) {
            if (k == max) {
                *more = true;
                return k;
            }
            pos[k++] = i;
        }
    return k;
}

/* See str.h. */
long str_csv_commas(const char *p, size_t n, uint32_t *pos, size_t max) {
    size_t k = 0, i = 0;
#if defined(__SSE2__)
    __m128i vc = _mm_set1_epi8(','), vq = _mm_set1_epi8('"');
    for (; i + 16 <= n; i += 16) {
        __m128i x = _mm_loadu_si128((const __m128i *)(const void *)(p + i));
        if (_mm_movemask_epi8(_mm_cmpeq_epi8(x, vq))) return -1;
        unsigned m = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(x, vc));
        while (m) {
            if (k < max) pos[k] = (uint32_t)(i + (unsigned)__builtin_ctz(m));
            k++;
            m &= m - 1;
        }
    }
#endif
    for (; i < n; i++) {
        if (p[i] == '"') return -1;
        if (p[i] == ',') {
            if (k < max) pos[k] = (uint32_t)i;
            k++;
        }
    }
    return (long)k;
}

static bool is_ws(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v'; }

/* See str.h. */
pstr_t pstr_trim_ws(pstr_t s) {
    while (s.n && is_ws(s.p[0])) { s.p++; s.n--; }
    while (s.n && is_ws(s.p[s.n - 1])) s.n--;
    return s;
}

/* See str.h. */
void cset_init(cset_t *s, const pstr_t *vals, uint32_t n, uint64_t *word) {
    s->vals = vals;
    s->n = n;
    s->word = word;
    for (uint32_t i = 0; i < n; i++) s->word[i] = vals[i].n <= 8 ? cset_word(vals[i].p, vals[i].n) : 0;
}

/* See str.h. */
bool cset_has_long(const cset_t *s, pstr_t v) {
    for (uint32_t i = 0; i < s->n; i++)
        if (pstr_eq(v, s->vals[i])) return true;
    return false;
}

/* See str.h. */
unsigned long pstr_ihash(pstr_t s) {
    unsigned long h = 1469598103934665603UL;
    for (size_t i = 0; i < s.n; i++) { h ^= (unsigned char)str_lc(s.p[i]); h *= 1099511628211UL; }
    return h;
}

/* See str.h. */
unsigned long pstr_hash(pstr_t s) {
    unsigned long h = 1469598103934665603UL;
    for (size_t i = 0; i < s.n; i++) { h ^= (unsigned char)s.p[i]; h *= 1099511628211UL; }
    return h;
}

/* See str.h. Iterative with one backtrack point: linear in practice. The
 * commonest pattern, `*text*` (a scope's `*network*`), is a substring
 * search. */
bool str_wildmatch(pstr_t pat, pstr_t s, bool icase) {
    if (pat.n >= 2 && pat.p[0] == '*' && pat.p[pat.n - 1] == '*' && !memchr(pat.p + 1, '*', pat.n - 2)) {
        pstr_t lit = pstr(pat.p + 1, pat.n - 2);
        return icase ? pstr_ifind(s, lit) >= 0 : pstr_contains(s, lit);
    }
    size_t p = 0, i = 0, star = (size_t)-1, mark = 0;
    while (i < s.n) {
        if (p < pat.n && pat.p[p] == '*') { star = p++; mark = i; continue; }
        if (p < pat.n && (icase ? str_lc(pat.p[p]) == str_lc(s.p[i]) : pat.p[p] == s.p[i])) { p++; i++; continue; }
        if (star != (size_t)-1) { p = star + 1; i = ++mark; continue; }
        return false;
    }
    while (p < pat.n && pat.p[p] == '*') p++;
    return p == pat.n;
}

/* Optimal-string-alignment edit distance, ASCII case folded; names longer
 * than 40 bytes count as far from everything. */
static unsigned edit_distance(pstr_t a, const char *bs) {
    pstr_t b = pstr_c(bs);
    if (a.n > 40 || b.n > 40) return 99;
    unsigned d[41][41];
    for (size_t i = 0; i <= a.n; i++) d[i][0] = (unsigned)i;
    for (size_t j = 0; j <= b.n; j++) d[0][j] = (unsigned)j;
    for (size_t i = 1; i <= a.n; i++) {
        for (size_t j = 1; j <= b.n; j++) {
            unsigned cost = str_lc(a.p[i - 1]) != str_lc(b.p[j - 1]);
            unsigned v = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < v) v = d[i][j - 1] + 1;
            if (d[i - 1][j - 1] + cost < v) v = d[i - 1][j - 1] + cost;
            if (i > 1 && j > 1 && str_lc(a.p[i - 1]) == str_lc(b.p[j - 2]) &&
                str_lc(a.p[i - 2]) == str_lc(b.p[j - 1]) && d[i - 2][j - 2] + 1 < v)
                v = d[i - 2][j - 2] + 1;
            d[i][j] = v;
        }
    }
    return d[a.n][b.n];
}

/* The candidate nearest to w, or NULL when none is close: one edit for
 * names up to 4 bytes, two beyond; failing that, the shortest candidate
 * that w begins (toLower → toLowerCase). */
/* See str.h. */
const char *str_closest(pstr_t w, const char *const *cands, size_t ncands) {
    unsigned limit = w.n <= 4 ? 1 : 2, best = limit + 1;
    const char *pick = NULL;
    for (size_t i = 0; i < ncands && cands[i]; i++) {
        unsigned dist = edit_distance(w, cands[i]);
        if (dist < best) { best = dist; pick = cands[i]; }
    }
    if (pick || w.n < 3) return pick;
    for (size_t i = 0; i < ncands && cands[i]; i++) {
        pstr_t c = pstr_c(cands[i]);
        if (c.n > w.n && pstr_ieq(pstr(c.p, w.n), w) && (!pick || c.n < strlen(pick))) pick = cands[i];
    }
    return pick;
}

/* See str.h. */
size_t str_utf8_put(char *o, uint32_t cp) {
    if (cp < 0x80) {
        o[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (char)(0xC0 | cp >> 6);
        o[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (char)(0xE0 | cp >> 12);
        o[1] = (char)(0x80 | (cp >> 6 & 0x3F));
        o[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (char)(0xF0 | cp >> 18);
    o[1] = (char)(0x80 | (cp >> 12 & 0x3F));
    o[2] = (char)(0x80 | (cp >> 6 & 0x3F));
    o[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* See str.h. */
size_t str_utf8_len(const unsigned char *p, size_t n) {
    unsigned char c = p[0];
    if (c >= 0xC2 && c <= 0xDF) return n >= 2 && (p[1] & 0xC0) == 0x80 ? 2 : 0;
    if (c >= 0xE0 && c <= 0xEF) {
        if (n < 3 || (p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80) return 0;
        if (c == 0xE0 && p[1] < 0xA0) return 0; /* overlong */
        if (c == 0xED && p[1] >= 0xA0) return 0; /* surrogate */
        return 3;
    }
    if (c >= 0xF0 && c <= 0xF4) {
        if (n < 4 || (p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80 || (p[3] & 0xC0) != 0x80) return 0;
        if (c == 0xF0 && p[1] < 0x90) return 0; /* overlong */
        if (c == 0xF4 && p[1] >= 0x90) return 0; /* past U+10FFFF */
        return 4;
    }
    return 0;
}
