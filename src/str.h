/* str.h — string views.
 *
 * A pstr_t is a (ptr,len) view: it never owns its bytes. Whoever hands a
 * view out says in its own header how long the bytes live (the input
 * buffer of a batch, the query text, an arena). Nothing here allocates.
 */
#ifndef POSTERN_STR_H
#define POSTERN_STR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* A borrowed byte range; p may be NULL only when n == 0. */
typedef struct pstr {
    const char *p; /* first byte, not NUL-terminated */
    size_t n;      /* length in bytes */
} pstr_t;

#define PSTR_LIT(s) ((pstr_t){(s), sizeof(s) - 1})
#define PSTR_NULL ((pstr_t){NULL, 0})

static inline pstr_t pstr(const char *p, size_t n) { return (pstr_t){p, n}; }
static inline pstr_t pstr_c(const char *s) { return (pstr_t){s, strlen(s)}; }

/* Byte-exact equality. */
static inline bool pstr_eq(pstr_t a, pstr_t b) {
    /* The first byte settles most unequal short strings without a call. */
    return a.n == b.n && (a.n == 0 || (a.p[0] == b.p[0] && memcmp(a.p, b.p, a.n) == 0));
}
/* Byte-exact equality against a C string: pstr_eq(a, pstr_c(b)) without
 * its strlen, for tables of names compared per record (inline: the first
 * byte settles most). */
static inline bool pstr_eq_c(pstr_t a, const char *b) {
    size_t i = 0;
    for (; i < a.n; i++)
        if (!b[i] || a.p[i] != b[i]) return false;
    return b[i] == 0;
}

/* ASCII lower-casing of one byte, locale-independent. */
static inline char str_lc(char c) {
    return (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c;
}

/* Value of hex digit c (either case), -1 when it is none. */
static inline int str_hexval(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* ASCII case-insensitive equality. */
bool pstr_ieq(pstr_t a, pstr_t b);
/* ASCII case-insensitive equality against a C string. */
bool pstr_ieq_c(pstr_t a, const char *b);
/* Three-way byte comparison (memcmp order, shorter first on a tie). */
int pstr_cmp(pstr_t a, pstr_t b);
/* Alphabetical order: ASCII case ignored, then bytewise (field names). */
int pstr_alphacmp(pstr_t a, pstr_t b);
/* True when needle occurs in hay (byte-exact). An empty needle occurs everywhere. */
bool pstr_contains(pstr_t hay, pstr_t needle);
/* True when s ends with suffix (byte-exact). */
static inline bool pstr_ends(pstr_t s, pstr_t suffix) {
    return s.n >= suffix.n && (suffix.n == 0 || memcmp(s.p + s.n - suffix.n, suffix.p, suffix.n) == 0);
}
/* ASCII case-insensitive substring search; returns offset or -1. */
long pstr_ifind(pstr_t hay, pstr_t needle);
/* First occurrence of needle in hay, or NULL; icase folds ASCII case.
 * SSE2 where available: two bytes of the needle are compared 16
 * positions at a time and only matching positions are verified. */
const char *str_search(pstr_t hay, pstr_t needle, bool icase);
/* First byte of p[0..n) equal to a or b, or NULL: one pass (SSE2 where the
 * compiler targets it), for callers that would otherwise memchr twice. */
const char *str_find2(const char *p, size_t n, char a, char b);
/* Positions of byte c in p[a..b), in order, into pos[0..max): returns how
 * many were stored; *more is set when there are more than max (the scan
 * stops there, the rest not stored). One pass, 16 bytes a step with SSE2:
 * the readers cut rows of short cells with it (CSV separators, the blanks
 * of pfirewall.log), where a memchr per cell cost more than its bytes. */
unsigned str_byte_pos(const char *p, size_t a, size_t b, char c, size_t *pos, unsigned max, bool *more);
/* Positions of the commas of an unquoted CSV row p[0..n), up to max of
 * them, in one pass: returns their number (possibly more than max, the
 * rest not stored), or -1 when the row holds a double quote. */
long str_csv_commas(const char *p, size_t n, uint32_t *pos, size_t max);
/* The view without leading and trailing ASCII whitespace. */
pstr_t pstr_trim_ws(pstr_t s);
/* pstr_trim_ws, inline for the common case of nothing to trim. */
static inline pstr_t pstr_trim(pstr_t s) {
    if (s.n && (unsigned char)s.p[0] > ' ' && (unsigned char)s.p[s.n - 1] > ' ') return s;
    return pstr_trim_ws(s);
}
/* A constant set of strings (the values of an `in (…)`), for membership
 * tests in hot loops: each value of up to 8 bytes is kept as its length
 * and one word, so a test is a few integer compares; longer values are
 * compared with memcmp. Both arrays are borrowed from the caller. */
typedef struct cset {
    const pstr_t *vals;   /* the strings */
    uint64_t *word;       /* word[i]: vals[i] zero-padded, when its length is <= 8 */
    uint32_t n;
} cset_t;

/* Build the set of vals[0..n) in s, its words in word[0..n) (both arrays
 * must outlive s). */
void cset_init(cset_t *s, const pstr_t *vals, uint32_t n, uint64_t *word);
/* The bytes p[0..n) (n <= 8) as a zero-padded little-endian word. */
static inline uint64_t cset_word(const char *p, size_t n) {
    uint64_t w = 0;
    for (size_t i = 0; i < n; i++) w |= (uint64_t)(unsigned char)p[i] << (8 * i);
    return w;
}
/* cset_has for values longer than 8 bytes. */
bool cset_has_long(const cset_t *s, pstr_t v);
/* True when v equals (bytewise) one of the set's strings. */
static inline bool cset_has(const cset_t *s, pstr_t v) {
    if (v.n > 8) return cset_has_long(s, v);
    uint64_t w = cset_word(v.p, v.n);
    for (uint32_t i = 0; i < s->n; i++)
        if (s->word[i] == w && s->vals[i].n == v.n) return true;
    return false;
}

/* FNV-1a hash of the ASCII-lowercased bytes. */
unsigned long pstr_ihash(pstr_t s);
/* FNV-1a hash of the bytes. */
unsigned long pstr_hash(pstr_t s);

/* Sumo wildcard match: '*' matches any run of bytes, everything else is
 * literal, the whole of s must match. icase folds ASCII case. */
bool str_wildmatch(pstr_t pat, pstr_t s, bool icase);

/* The candidate nearest to w (ASCII case folded, optimal-string-alignment
 * edit distance: one edit for names up to 4 bytes, two beyond; failing
 * that, the shortest candidate that w begins), or NULL. cands holds
 * ncands names (a NULL entry ends it early). For "did you mean". */
const char *str_closest(pstr_t w, const char *const *cands, size_t ncands);

/* Code point cp (at most 0x10FFFF) as UTF-8 into o (4 bytes of room);
 * returns the bytes written. */
size_t str_utf8_put(char *o, uint32_t cp);
/* Length of the valid UTF-8 sequence of two or more bytes at p[0..n)
 * (p[0] >= 0x80): 2 to 4, or 0 when it is not one (overlong forms,
 * surrogates and code points past U+10FFFF are not). */
size_t str_utf8_len(const unsigned char *p, size_t n);

#endif
