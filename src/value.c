/* value.c — casting, comparing and printing values.
 *
 * Sumo stores fields as strings and casts only where a number is clearly
 * needed; these helpers are that cast (str_to_num), the `=` test, the sort
 * order and the printed form of numbers (integers never in exponent form).
 */
#include "value.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const vtype_names[] = {"null", "string", "number", "boolean"}; /* ORDER VTYPE */

/* See value.h. */
const char *val_type_name(vtype_t t) { return (unsigned)t < 4 ? vtype_names[t] : "?"; }

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
/* The 8 bytes at p as a number when all are ASCII digits (the first the
 * most significant): pairs, then quadruples, then the two halves are
 * combined in one word, without a carry between its bytes. */
static inline bool digits8(const char *p, uint64_t *out) {
    uint64_t x;
    memcpy(&x, p, 8);
    const uint64_t hi = 0xF0F0F0F0F0F0F0F0ull, three = 0x3030303030303030ull;
    /* Each byte's high nibble is 3, and still 3 after adding 6: '0'..'9'. */
    if ((x & hi) != three || ((x + 0x0606060606060606ull) & hi) != three) return false;
    uint64_t d = x - three;
    d = (d * 10 + (d >> 8)) & 0x00FF00FF00FF00FFull;
    d = (d * 100 + (d >> 16)) & 0x0000FFFF0000FFFFull;
    d = (d * 10000 + (d >> 32)) & 0xFFFFFFFFull;
    *out = d;
    return true;
}
#endif

/* See value.h. A strict decimal grammar: strtod alone would take hex,
 * "inf" and "nan", which Sumo does not treat as numbers. */
bool str_to_num(pstr_t s, double *out) {
    s = pstr_trim(s);
    if (s.n == 0 || s.n > 350) return false;
    size_t i = 0;
    if (s.p[i] == '+' || s.p[i] == '-') i++;
    size_t d0 = i;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    /* Fastest path: an integer of 8 to 15 digits (epoch milliseconds are
     * 13), its last 8 digits taken as one word. */
    if (s.n - i >= 8 && s.n - i <= 15) {
        uint64_t hi = 0, lo;
        size_t k = i;
        while (k < s.n - 8 && s.p[k] >= '0' && s.p[k] <= '9') hi = hi * 10 + (uint64_t)(s.p[k++] - '0');
        if (k == s.n - 8 && digits8(s.p + k, &lo)) {
            uint64_t acc = hi * 100000000u + lo;
            *out = s.p[0] == '-' ? -(double)acc : (double)acc;
            return true;
        }
    }
#endif
    /* Fast path: a plain integer of up to 15 digits. */
    uint64_t acc = 0;
    while (i < s.n && s.p[i] >= '0' && s.p[i] <= '9' && i - d0 < 16) acc = acc * 10 + (uint64_t)(s.p[i++] - '0');
    if (i == s.n && i > d0 && i - d0 <= 15) {
        *out = s.p[0] == '-' ? -(double)acc : (double)acc;
        return true;
    }
    i = d0;
    size_t nd = 0;
    while (i < s.n && s.p[i] >= '0' && s.p[i] <= '9') { i++; nd++; }
    if (i < s.n && s.p[i] == '.') {
        i++;
        while (i < s.n && s.p[i] >= '0' && s.p[i] <= '9') { i++; nd++; }
    }
    if (nd == 0) return false;
    if (i < s.n && (s.p[i] == 'e' || s.p[i] == 'E')) {
        i++;
        if (i < s.n && (s.p[i] == '+' || s.p[i] == '-')) i++;
        size_t e0 = i;
        while (i < s.n && s.p[i] >= '0' && s.p[i] <= '9') i++;
        if (i == e0) return false;
    }
    if (i != s.n) return false;
    char tmp[352];
    memcpy(tmp, s.p, s.n);
    tmp[s.n] = 0;
    *out = strtod(tmp, NULL);
    return true;
}

/* See value.h. */
bool val_to_num(value_t v, double *out) {
    switch (v.t) {
    case V_NUM: *out = v.d; return true;
    case V_STR: return str_to_num(val_pstr(v), out);
    case V_BOOL: *out = v.b; return true;
    default: return false;
    }
}

/* See value.h. */
bool val_truthy(value_t v) {
    switch (v.t) {
    case V_BOOL: return v.b;
    case V_NUM: return v.d != 0;
    case V_STR: return pstr_ieq_c(val_pstr(v), "true");
    default: return false;
    }
}

/* See value.h. */
int num_fmt(char *out, double d) {
    if (isnan(d)) return sprintf(out, "NaN");
    if (isinf(d)) return sprintf(out, d > 0 ? "Infinity" : "-Infinity");
    if (d == floor(d) && fabs(d) < 9.2e18) { /* an integer: digits by hand, as %lld writes them */
        long long v = (long long)d;
        unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
        char tmp[24];
        int n = 0, k = 0;
        do tmp[n++] = (char)('0' + u % 10); while (u /= 10);
        if (v < 0) out[k++] = '-';
        while (n) out[k++] = tmp[--n];
        out[k] = 0;
        return k;
    }
    for (int prec = 15; prec <= 17; prec++) {
        int k = sprintf(out, "%.*g", prec, d);
        if (strtod(out, NULL) == d) return k;
    }
    return sprintf(out, "%.17g", d);
}

/* See value.h. */
void val_fmt(buf_t *b, value_t v) {
    char tmp[40];
    switch (v.t) {
    case V_STR: buf_put(b, v.s, v.n); break;
    case V_NUM: buf_put(b, tmp, (size_t)num_fmt(tmp, v.d)); break;
    case V_BOOL: buf_puts(b, v.b ? "true" : "false"); break;
    default: break;
    }
}

/* Text of a non-string value into tmp, as a view. */
static pstr_t as_text(value_t v, char *tmp) {
    switch (v.t) {
    case V_STR: return val_pstr(v);
    case V_NUM: return pstr(tmp, (size_t)num_fmt(tmp, v.d));
    case V_BOOL: return v.b ? PSTR_LIT("true") : PSTR_LIT("false");
    default: return PSTR_NULL;
    }
}

/* See value.h. */
bool val_eq(value_t a, value_t b) {
    if (a.t == V_NULL || b.t == V_NULL) return false;
    if (a.t == V_STR && b.t == V_STR) return pstr_eq(val_pstr(a), val_pstr(b));
    if (a.t == V_NUM || b.t == V_NUM) {
        double x, y;
        if (val_to_num(a, &x) && val_to_num(b, &y)) return x == y;
    }
    if (a.t == V_BOOL || b.t == V_BOOL) return val_truthy(a) == val_truthy(b) && (a.t == V_BOOL || pstr_ieq_c(val_pstr(a), "true") || pstr_ieq_c(val_pstr(a), "false")) && (b.t == V_BOOL || pstr_ieq_c(val_pstr(b), "true") || pstr_ieq_c(val_pstr(b), "false"));
    char ta[40], tb[40];
    return pstr_eq(as_text(a, ta), as_text(b, tb));
}

/* See value.h. */
int val_cmp(value_t a, value_t b) {
    if (a.t == V_NULL || b.t == V_NULL) return (a.t == V_NULL) - (b.t == V_NULL);
    if (a.t == V_NUM && b.t == V_NUM) return (a.d > b.d) - (a.d < b.d);
    double x, y;
    if ((a.t == V_NUM || b.t == V_NUM) && val_to_num(a, &x) && val_to_num(b, &y)) return (x > y) - (x < y);
    char ta[40], tb[40];
    int c = pstr_cmp(as_text(a, ta), as_text(b, tb));
    return (c > 0) - (c < 0);
}

/* ---- packed values ------------------------------------------------------ */

/* See value.h. */
size_t val_uint_size(uint64_t u) {
    size_t n = 1;
    while (u >= 0x80) u >>= 7, n++;
    return n;
}

/* See value.h. */
char *val_pack_uint(char *p, uint64_t u) {
    while (u >= 0x80) {
        *p++ = (char)((u & 0x7f) | 0x80);
        u >>= 7;
    }
    *p++ = (char)u;
    return p;
}

/* See value.h. */
const char *val_unpack_uint(const char *p, uint64_t *u) {
    uint64_t x = 0;
    for (unsigned sh = 0;; sh += 7) {
        unsigned char c = (unsigned char)*p++;
        x |= (uint64_t)(c & 0x7f) << sh;
        if (!(c & 0x80)) break;
    }
    *u = x;
    return p;
}

/* See value.h. */
size_t val_pack_size(value_t v) {
    switch (v.t) {
    case V_STR: return 1 + val_uint_size(v.n) + v.n;
    case V_NUM: return 1 + sizeof v.d;
    case V_BOOL: return 2;
    default: return 1;
    }
}

/* See value.h. */
char *val_pack(char *p, value_t v) {
    /* (a string's mark, VAL_JSONLIT, rides in the type byte's high bit) */
    *p++ = (char)(v.t | (v.t == V_STR && v.b ? 0x80 : 0));
    if (v.t == V_STR) {
        p = val_pack_uint(p, v.n);
        if (v.n) memcpy(p, v.s, v.n);
        p += v.n;
    } else if (v.t == V_NUM) {
        memcpy(p, &v.d, sizeof v.d);
        p += sizeof v.d;
    } else if (v.t == V_BOOL) {
        *p++ = (char)v.b;
    }
    return p;
}

/* See value.h. */
const char *val_unpack(const char *p, value_t *v) {
    *v = val_null();
    uint8_t t = (uint8_t)*p++;
    v->t = t & 0x7f;
    if (v->t == V_STR) {
        v->b = t & 0x80 ? VAL_JSONLIT : 0;
        uint64_t n;
        p = val_unpack_uint(p, &n);
        v->n = (uint32_t)n;
        v->s = p;
        p += n;
    } else if (v->t == V_NUM) {
        memcpy(&v->d, p, sizeof v->d);
        p += sizeof v->d;
    } else if (v->t == V_BOOL) {
        v->b = (uint8_t)*p++;
    }
    return p;
}
