/* func_text.c — the text functions: URL and base64 codecs, hex, links,
 * number tests, JSON arrays, the Luhn check.
 *
 * Scalar functions of FUNC_TABLE (ast.h), reached through func.h, and
 * fn_utf8_clean for the func_*.c files. Decoded bytes become text as
 * Java's decoders make it: what is not valid UTF-8 turns into U+FFFD.
 * Results live in the batch arena (c->arena).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "func.h"
#include "json.h"

/* ---- UTF-8 ---------------------------------------------------------- */

/* Length of the valid UTF-8 sequence at p[0..n), or 0 when it is none;
 * *bad gets how many of its bytes belong to the broken sequence (>= 1). */
static size_t utf8_seq(const unsigned char *p, size_t n, size_t *bad) {
    unsigned char b = p[0];
    size_t len;
    unsigned char lo = 0x80, hi = 0xBF;
    *bad = 1;
    if (b < 0x80) return 1;
    if (b >= 0xC2 && b <= 0xDF) len = 2;
    else if (b >= 0xE0 && b <= 0xEF) len = 3, lo = b == 0xE0 ? 0xA0 : 0x80, hi = b == 0xED ? 0x9F : 0xBF;
    else if (b >= 0xF0 && b <= 0xF4) len = 4, lo = b == 0xF0 ? 0x90 : 0x80, hi = b == 0xF4 ? 0x8F : 0xBF;
    else return 0;
    for (size_t k = 1; k < len; k++) {
        if (k >= n || p[k] < (k == 1 ? lo : 0x80) || p[k] > (k == 1 ? hi : 0xBF)) return 0;
        *bad = k + 1;
    }
    return len;
}

/* See func.h. A broken sequence (the longest start of a valid one)
 * gives one U+FFFD, as Java's decoders do. */
pstr_t fn_utf8_clean(eval_ctx_t *c, const char *p, size_t n) {
    const unsigned char *u = (const unsigned char *)p;
    size_t i = 0, bad;
    while (i < n) {
        size_t k = utf8_seq(u + i, n - i, &bad);
        if (!k) break;
        i += k;
    }
    if (i == n) return pstr(p, n);
    char *d = arena_alloc(c->arena, 3 * n + 1);
    memcpy(d, p, i);
    size_t o = i;
    while (i < n) {
        size_t k = utf8_seq(u + i, n - i, &bad);
        if (k) {
            memcpy(d + o, p + i, k);
            o += k;
            i += k;
        } else {
            memcpy(d + o, "\xEF\xBF\xBD", 3);
            o += 3;
            i += bad;
        }
    }
    return pstr(d, o);
}

/* The text of argument v, false for null. */
static bool text_arg(eval_ctx_t *c, value_t v, pstr_t *s) {
    if (v.t == V_NULL) return false;
    *s = fn_text(c, v);
    if (!s->p) *s = PSTR_LIT("");
    return true;
}

/* ---- URLs ----------------------------------------------------------- */

/* urldecode(s): Java's URLDecoder: %XX is a byte, + a space; the bytes
 * are read as UTF-8. Text with a % not followed by two hex digits comes
 * back as it is (Java refuses it). */
/* See func.h (FUNC_TABLE). */
value_t f_urldecode(eval_ctx_t *c, const expr_t *e, const record_t *r, value_t *av) {
    (void)e, (void)r;
    pstr_t s;
    if (!text_arg(c, av[0], &s)) return val_null();
    if (!memchr(s.p, '%', s.n) && !memchr(s.p, '+', s.n)) return val_strv(s);
    char *d = arena_alloc(c->arena, s.n + 1);
    size_t o = 0;
    for (size_t i = 0; i < s.n; i++) {
        if (s.p[i] == '+') {
            d[o++] = ' ';
        } else if (s.p[i] == '%') {
            int h = i + 2 < s.n ? str_hexval(s.p[i + 1]) : -1, l = h >= 0 ? str_hexval(s.p[i + 2]) : -1;
            if (l < 0) return val_strv(s);
            d[o++] = (char)(h << 4 | l);
            i += 2;
        } else {
            d[o++] = s.p[i];
        }
    }
    return val_strv(fn_utf8_clean(c, d, o));
}

/* urlencode(s): Java's URLEncoder: letters, digits and . - * _ stay, a
 * space becomes +, every other byte of the UTF-8 text %XX. */
/* See func.h (FUNC_TABLE). */
value_t f_urlencode(eval_ctx_t *c, const expr_t *e, const record_t *r, value_t *av) {
    (void)e, (void)r;
    pstr_t s;
    if (!text_arg(c, av[0], &s)) return val_null();
    static const char hex[] = "0123456789ABCDEF";
    char *d = arena_alloc(c->arena, 3 * s.n + 1);
    size_t o = 0;
    for (size_t i = 0; i < s.n; i++) {
        unsigned char ch = (unsigned char)s.p[i];
        if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '.' ||
            ch == '-' || ch == '*' || ch == '_') {
            d[o++] = (char)ch;
        } else if (ch == ' ') {
            d[o++] = '+';
        } else {
            d[o++] = '%';
            d[o++] = hex[ch >> 4];
            d[o++] = hex[ch & 15];
        }
    }
    return val_str(d, o);
}

/* A URL tourl links: "fully-formed", a scheme, "://" and more, no
 * whitespace. */
static bool full_url(pstr_t u) {
    size_t i = 0;
    if (!u.n || !((u.p[0] | 32) >= 'a' && (u.p[0] | 32) <= 'z')) return false;
    while (i < u.n && (((u.p[i] | 32) >= 'a' && (u.p[i] | 32) <= 'z') || (u.p[i] >= '0' && u.p[i] <= '9') ||
                       u.p[i] == '+' || u.p[i] == '.' || u.p[i] == '-'))
        i++;
    if (i + 3 >= u.n || memcmp(u.p + i, "://", 3) != 0) return false;
    for (size_t k = 0; k < u.n; k++)
        if ((unsigned char)u.p[k] <= ' ') return false;
    return true;
}

/* tourl(url, name[, prefix, suffix]): the Markdown link
 * "[prefix name suffix](url)". A value that is no full URL gives null;
 * a null name shows the URL. Brackets and backslashes of the text are
 * escaped, and the bytes "()<> of the URL percent-encoded. */
/* See func.h (FUNC_TABLE). */
value_t f_tourl(eval_ctx_t *c, const expr_t *e, const record_t *r, value_t *av) {
    (void)r;
    pstr_t url, part[3] = {PSTR_LIT(""), PSTR_LIT(""), PSTR_LIT("")};
    if (!text_arg(c, av[0], &url) || !full_url(url)) return val_null();
    if (!text_arg(c, av[1], &part[1])) part[1] = url;
    if (e->nargs == 4) {
        if (!text_arg(c, av[2], &part[0])) part[0] = PSTR_LIT("");
        if (!text_arg(c, av[3], &part[2])) part[2] = PSTR_LIT("");
    }
    size_t cap = 4 + 3 * url.n + 2 * (part[0].n + part[1].n + part[2].n);
    char *d = arena_alloc(c->arena, cap + 1);
    size_t o = 0;
    d[o++] = '[';
    for (int k = 0; k < 3; k++)
        for (size_t i = 0; i < part[k].n; i++) {
            char ch = part[k].p[i];
            if (ch == '[' || ch == ']' || ch == '\\') d[o++] = '\\';
            d[o++] = ch;
        }
    d[o++] = ']';
    d[o++] = '(';
    for (size_t i = 0; i < url.n; i++) {
        const char *esc = NULL;
        switch (url.p[i]) {
        case '"': esc = "%22"; break;
        case '(': esc = "%28"; break;
        case ')': esc = "%29"; break;
        case '<': esc = "%3C"; break;
        case '>': esc = "%3E"; break;
        default: d[o++] = url.p[i]; continue;
        }
        memcpy(d + o, esc, 3);
        o += 3;
    }
    d[o++] = ')';
    return val_str(d, o);
}

/* ---- base64 --------------------------------------------------------- */

/* See func.h (FUNC_TABLE). */
value_t f_base64encode(eval_ctx_t *c, const expr_t *e, const record_t *r, value_t *av) {
    (void)e, (void)r;
    static const char al[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    pstr_t s;
    if (!text_arg(c, av[0], &s)) return val_null();
    const unsigned char *u = (const unsigned char *)s.p;
    char *d = arena_alloc(c->arena, (s.n + 2) / 3 * 4 + 1);
    size_t o = 0, i = 0;
    for (; i + 2 < s.n; i += 3) {
        uint32_t v = (uint32_t)u[i] << 16 | (uint32_t)u[i + 1] << 8 | u[i + 2];
        d[o++] = al[v >> 18], d[o++] = al[v >> 12 & 63], d[o++] = al[v >> 6 & 63], d[o++] = al[v & 63];
    }
    if (i < s.n) {
        uint32_t v = (uint32_t)u[i] << 16 | (i + 1 < s.n ? (uint32_t)u[i + 1] << 8 : 0);
        d[o++] = al[v >> 18], d[o++] = al[v >> 12 & 63];
        d[o++] = i + 1 < s.n ? al[v >> 6 & 63] : '=';
        d[o++] = '=';
    }
    return val_str(d, o);
}

/* Value of base64 digit ch (standard or URL-safe alphabet), -1 if none. */
static int b64val(char ch) {
    if (ch >= 'A' && ch <= 'Z') return ch - 'A';
    if (ch >= 'a' && ch <= 'z') return ch - 'a' + 26;
    if (ch >= '0' && ch <= '9') return ch - '0' + 52;
    if (ch == '+' || ch == '-') return 62;
    if (ch == '/' || ch == '_') return 63;
    return -1;
}

/* Decode base64 s into d (at least s.n bytes); false when s is not base64
 * (padding optional, nothing else allowed). */
static bool b64decode(pstr_t s, unsigned char *d, size_t *dn) {
    size_t n = s.n, o = 0;
    if (n >= 1 && s.p[n - 1] == '=') n--;
    if (n >= 1 && s.p[n - 1] == '=') n--;
    if (n % 4 == 1 || (n < s.n && s.n % 4 != 0)) return false;
    uint32_t acc = 0;
    for (size_t i = 0; i < n; i++) {
        int v = b64val(s.p[i]);
        if (v < 0) return false;
        acc = acc << 6 | (uint32_t)v;
        if (i % 4 == 3) d[o++] = (unsigned char)(acc >> 16), d[o++] = (unsigned char)(acc >> 8), d[o++] = (unsigned char)acc;
    }
    if (n % 4 == 2) d[o++] = (unsigned char)(acc >> 4);
    if (n % 4 == 3) d[o++] = (unsigned char)(acc >> 10), d[o++] = (unsigned char)(acc >> 2);
    *dn = o;
    return true;
}

/* The charsets base64Decode documents. ORDER CHARSET: decode_units. */
static const char *const charsets[] = {"UTF-8", "US-ASCII", "UTF-16", "UTF-16BE", "UTF-16LE",
                                       "UTF-32", "UTF-32BE", "UTF-32LE", NULL};

/* Index of charset name s in charsets (ignoring case), -1 when unknown. */
static int charset_of(pstr_t s) {
    for (int i = 0; charsets[i]; i++)
        if (pstr_ieq_c(s, charsets[i])) return i;
    return -1;
}

/* Bytes b[0..n) in charset cs as UTF-8 text in the arena: code units
 * that make no character become U+FFFD; UTF-16 and UTF-32 without an
 * order read a byte order mark and are big-endian without one. */
static pstr_t decode_units(eval_ctx_t *c, const unsigned char *b, size_t n, int cs) {
    if (cs == 0) return fn_utf8_clean(c, (const char *)b, n);
    char *d = arena_alloc(c->arena, 3 * n + 4);
    size_t o = 0;
    if (cs == 1) {
        for (size_t i = 0; i < n; i++) {
            if (b[i] < 0x80) d[o++] = (char)b[i];
            else memcpy(d + o, "\xEF\xBF\xBD", 3), o += 3;
        }
        return pstr(d, o);
    }
    int w = cs <= 4 ? 2 : 4;
    bool le = cs == 4 || cs == 7;
    size_t i = 0;
    if (cs == 2 || cs == 5) { /* the unmarked forms: a BOM decides */
        if (w == 2 && n >= 2 && b[0] == 0xFF && b[1] == 0xFE) le = true, i = 2;
        else if (w == 2 && n >= 2 && b[0] == 0xFE && b[1] == 0xFF) i = 2;
        else if (w == 4 && n >= 4 && b[0] == 0xFF && b[1] == 0xFE && !b[2] && !b[3]) le = true, i = 4;
        else if (w == 4 && n >= 4 && !b[0] && !b[1] && b[2] == 0xFE && b[3] == 0xFF) i = 4;
    }
    while (i < n) {
        uint32_t u = 0xFFFD;
        if (i + (size_t)w > n) {
            i = n;
        } else if (w == 2) {
            uint32_t v = le ? (uint32_t)b[i] | (uint32_t)b[i + 1] << 8 : (uint32_t)b[i] << 8 | b[i + 1];
            i += 2;
            if (v >= 0xD800 && v <= 0xDBFF && i + 2 <= n) {
                uint32_t lo = le ? (uint32_t)b[i] | (uint32_t)b[i + 1] << 8 : (uint32_t)b[i] << 8 | b[i + 1];
                if (lo >= 0xDC00 && lo <= 0xDFFF) u = 0x10000 + ((v - 0xD800) << 10) + (lo - 0xDC00), i += 2;
            } else if (v < 0xD800 || v > 0xDFFF) {
                u = v;
            }
        } else {
            uint32_t v = le ? (uint32_t)b[i] | (uint32_t)b[i + 1] << 8 | (uint32_t)b[i + 2] << 16 | (uint32_t)b[i + 3] << 24
                            : (uint32_t)b[i] << 24 | (uint32_t)b[i + 1] << 16 | (uint32_t)b[i + 2] << 8 | b[i + 3];
            i += 4;
            if (v <= 0x10FFFF && (v < 0xD800 || v > 0xDFFF)) u = v;
        }
        if (u < 0x80) d[o++] = (char)u;
        else if (u < 0x800) d[o++] = (char)(0xC0 | u >> 6), d[o++] = (char)(0x80 | (u & 0x3F));
        else if (u < 0x10000)
            d[o++] = (char)(0xE0 | u >> 12), d[o++] = (char)(0x80 | (u >> 6 & 0x3F)), d[o++] = (char)(0x80 | (u & 0x3F));
        else
            d[o++] = (char)(0xF0 | u >> 18), d[o++] = (char)(0x80 | (u >> 12 & 0x3F)),
            d[o++] = (char)(0x80 | (u >> 6 & 0x3F)), d[o++] = (char)(0x80 | (u & 0x3F));
    }
    return pstr(d, o);
}

/* base64Decode(s[, charset]): the decoded bytes as text in the charset
 * (UTF-8 by default); "Invalid input is returned unaltered" (its page).
 * An unknown charset from a field gives null. */
/* See func.h (FUNC_TABLE). */
value_t f_base64decode(eval_ctx_t *c, const expr_t *e, const record_t *r, value_t *av) {
    (void)r;
    pstr_t s, cs = PSTR_LIT("UTF-8");
    if (!text_arg(c, av[0], &s)) return val_null();
    if (e->nargs > 1 && !text_arg(c, av[1], &cs)) return val_null();
    int k = charset_of(cs);
    if (k < 0) return val_null();
    unsigned char *d = arena_alloc(c->arena, s.n + 1);
    size_t dn;
    if (!b64decode(s, d, &dn)) return val_strv(s);
    return val_strv(decode_units(c, d, dn, k));
}

/* ---- hex ------------------------------------------------------------ */

/* A Java long's text: an optional sign and decimal digits, in range. */
static bool java_long(pstr_t s, int64_t *out) {
    char tmp[24];
    size_t i = s.n && (s.p[0] == '-' || s.p[0] == '+');
    if (s.n <= i || s.n >= sizeof tmp) return false;
    for (size_t k = i; k < s.n; k++)
        if (s.p[k] < '0' || s.p[k] > '9') return false;
    memcpy(tmp, s.p, s.n);
    tmp[s.n] = 0;
    errno = 0;
    long long v = strtoll(tmp, NULL, 10);
    if (errno == ERANGE) return false;
    *out = v;
    return true;
}

/* decToHex(n): upper-case hex of a whole number, two's complement of 64
 * bits for negative ones (-1 is FFFFFFFFFFFFFFFF). Text must be a Java
 * long ("4919"); a number must be whole. Anything else gives null. */
/* See func.h (FUNC_TABLE). */
value_t f_dectohex(eval_ctx_t *c, const expr_t *e, const record_t *r, value_t *av) {
    (void)e, (void)r;
    int64_t v;
    value_t a = av[0];
    if (a.t == V_NUM) {
        if (!(a.d >= -9223372036854775808.0 && a.d < 9223372036854775808.0) || a.d != (double)(int64_t)a.d)
            return val_null();
        v = (int64_t)a.d;
    } else if (a.t != V_STR || !java_long(val_pstr(a), &v)) {
        return val_null();
    }
    char tmp[24];
    int n = snprintf(tmp, sizeof tmp, "%llX", (unsigned long long)(uint64_t)v);
    return fn_str(c, tmp, (size_t)n);
}

/* Up to 16 hex digits, all of s, as a two's complement 64-bit number. */
static value_t hex_number(pstr_t s) {
    if (s.n == 0 || s.n > 16) return val_null();
    uint64_t v = 0;
    for (size_t i = 0; i < s.n; i++) {
        int h = str_hexval(s.p[i]);
        if (h < 0) return val_null();
        v = v << 4 | (uint64_t)h;
    }
    return val_num((double)(int64_t)v);
}

/* hexToDec(s): 1 to 16 hex digits, no prefix, as a number; 16 digits
 * from 8 up are negative (two's complement). */
/* See func.h (FUNC_TABLE). */
value_t f_hextodec(eval_ctx_t *c, const expr_t *e, const record_t *r, value_t *av) {
    (void)e, (void)r;
    pstr_t s;
    return text_arg(c, av[0], &s) ? hex_number(s) : val_null();
}

/* parseHex(s): hexToDec that also takes a 0x or 0X prefix (its page:
 * "parseHex("ABCD") and parseHex("0xABCD") are both valid"). */
/* See func.h (FUNC_TABLE). */
value_t f_parsehex(eval_ctx_t *c, const expr_t *e, const record_t *r, value_t *av) {
    (void)e, (void)r;
    pstr_t s;
    if (!text_arg(c, av[0], &s)) return val_null();
    if (s.n > 2 && s.p[0] == '0' && (s.p[1] == 'x' || s.p[1] == 'X')) s.p += 2, s.n -= 2;
    return hex_number(s);
}

/* hexToAscii(s): pairs of hex digits as bytes, read as UTF-8 text; an
 * odd count or a character that is no hex digit gives null. */
/* See func.h (FUNC_TABLE). */
value_t f_hextoascii(eval_ctx_t *c, const expr_t *e, const record_t *r, value_t *av) {
    (void)e, (void)r;
    pstr_t s;
    if (!text_arg(c, av[0], &s) || s.n % 2) return val_null();
    char *d = arena_alloc(c->arena, s.n / 2 + 1);
    for (size_t i = 0; i < s.n; i += 2) {
        int h = str_hexval(s.p[i]), l = str_hexval(s.p[i + 1]);
        if (h < 0 || l < 0) return val_null();
        d[i / 2] = (char)(h << 4 | l);
    }
    return val_strv(fn_utf8_clean(c, d, s.n / 2));
}

/* ---- tests ---------------------------------------------------------- */

static bool is_digit(char ch) { return ch >= '0' && ch <= '9'; }

/* A Java number literal as Apache Commons' NumberUtils.isCreatable reads
 * one: a sign; hex after 0x, 0X or #; octal when a leading 0 is followed
 * by more and there is no '.'; else digits with one '.', an exponent,
 * and one type letter (f, d always; l only for an integer). */
static bool java_number(pstr_t s) {
    size_t i = 0, n = s.n;
    if (n && (s.p[0] == '-' || s.p[0] == '+')) i++;
    if (i >= n) return false;
    size_t hx = n - i > 2 && s.p[i] == '0' && (s.p[i + 1] == 'x' || s.p[i + 1] == 'X') ? i + 2
                : n - i > 1 && s.p[i] == '#' ? i + 1 : 0;
    if (hx) {
        for (size_t k = hx; k < n; k++)
            if (str_hexval(s.p[k]) < 0) return false;
        return true;
    }
    if (n - i > 1 && s.p[i] == '0' && !memchr(s.p, '.', n)) {
        for (size_t k = i + 1; k < n; k++)
            if (s.p[k] < '0' || s.p[k] > '7') return false;
        return true;
    }
    size_t nd = 0;
    bool dot = false, ex = false;
    for (; i < n && (is_digit(s.p[i]) || (s.p[i] == '.' && !dot)); i++) {
        if (s.p[i] == '.') dot = true;
        else nd++;
    }
    if (!nd) return false;
    if (i < n && (s.p[i] == 'e' || s.p[i] == 'E')) {
        ex = true;
        i++;
        if (i < n && (s.p[i] == '+' || s.p[i] == '-')) i++;
        size_t e0 = i;
        while (i < n && is_digit(s.p[i])) i++;
        if (i == e0) return false;
    }
    if (i + 1 == n) {
        char q = (char)(s.p[i] | 32);
        return q == 'f' || q == 'd' || (q == 'l' && !dot && !ex);
    }
    return i == n;
}

/* isNumeric(s): true for a Java number literal; null and blank text are
 * false (its page). */
/* See func.h (FUNC_TABLE). */
value_t f_isnumeric(eval_ctx_t *c, const expr_t *e, const record_t *r, value_t *av) {
    (void)e, (void)r;
    pstr_t s;
    if (!text_arg(c, av[0], &s)) return val_bool(false);
    return val_bool(java_number(s));
}

/* luhn(s): the digits of s (everything else is dropped) pass the Luhn
 * check; fewer than two digits are false. */
/* See func.h (FUNC_TABLE). */
value_t f_luhn(eval_ctx_t *c, const expr_t *e, const record_t *r, value_t *av) {
    (void)e, (void)r;
    pstr_t s;
    if (!text_arg(c, av[0], &s)) return val_bool(false);
    unsigned sum = 0, nd = 0;
    for (size_t i = s.n; i-- > 0;) {
        if (!is_digit(s.p[i])) continue;
        unsigned v = (unsigned)(s.p[i] - '0');
        if (nd++ % 2) v = v * 2 > 9 ? v * 2 - 9 : v * 2;
        sum += v;
    }
    return val_bool(nd >= 2 && sum % 10 == 0);
}

/* ---- JSON arrays ---------------------------------------------------- */

/* Walk the JSON array that is all of s: calls each(view, ctx) for its
 * elements until that returns true. Returns the element count, or -1
 * when s is no JSON array. */
static long json_array_walk(pstr_t s, bool (*each)(pstr_t, void *), void *ctx) {
    size_t i = json_ws(s.p, s.n, 0);
    if (i >= s.n || s.p[i] != '[') return -1;
    i = json_ws(s.p, s.n, i + 1);
    long cnt = 0;
    if (i < s.n && s.p[i] == ']') return json_ws(s.p, s.n, i + 1) == s.n ? 0 : -1;
    for (;;) {
        size_t st = json_ws(s.p, s.n, i), en = json_skip(s.p, s.n, st);
        if (en == (size_t)-1) return -1;
        cnt++;
        if (each && each(pstr(s.p + st, en - st), ctx)) return cnt;
        i = json_ws(s.p, s.n, en);
        if (i < s.n && s.p[i] == ',') {
            i++;
            continue;
        }
        if (i < s.n && s.p[i] == ']') return json_ws(s.p, s.n, i + 1) == s.n ? cnt : -1;
        return -1;
    }
}

/* jsonArraySize(s): the number of elements of the JSON array s; "-1 if
 * null" (its page); text that is no JSON array gives null. */
/* See func.h (FUNC_TABLE). */
value_t f_jsonarraysize(eval_ctx_t *c, const expr_t *e, const record_t *r, value_t *av) {
    (void)e, (void)r;
    pstr_t s;
    if (!text_arg(c, av[0], &s)) return val_num(-1);
    long n = json_array_walk(s, NULL, NULL);
    return n < 0 ? val_null() : val_num((double)n);
}

/* What jsonArrayContains looks for. */
typedef struct jfind {
    eval_ctx_t *c; /* for decoding escaped strings */
    pstr_t item;   /* the text sought */
    bool hit;      /* found */
} jfind_t;

static bool jfind_each(pstr_t v, void *ctx) {
    jfind_t *f = ctx;
    value_t x = json_to_value(v, f->c->arena);
    f->hit = x.t == V_STR && pstr_eq(val_pstr(x), f->item);
    return f->hit;
}

/* jsonArrayContains(array, item): an element of the JSON array has the
 * text of item (strings decoded, numbers as written: 1 matches "1").
 * False for null, for text that is no JSON array, and for null elements. */
/* See func.h (FUNC_TABLE). */
value_t f_jsonarraycontains(eval_ctx_t *c, const expr_t *e, const record_t *r, value_t *av) {
    (void)e, (void)r;
    pstr_t s;
    jfind_t f = {c, PSTR_NULL, false};
    if (!text_arg(c, av[0], &s) || !text_arg(c, av[1], &f.item) || json_array_walk(s, NULL, NULL) < 0)
        return val_bool(false);
    json_array_walk(s, jfind_each, &f);
    return val_bool(f.hit);
}

/* ---- checks when the query is parsed -------------------------------- */

/* See func.h: tourl's prefix needs its suffix ("If you choose to specify
 * one optional parameter, you must specify both", its page), and a
 * literal charset of base64Decode must be one the page lists. */
bool ftext_prepare(expr_t *e, diag_t *d) {
    if (e->func == FN_TOURL && e->nargs == 3) {
        uint32_t i = diag_add(d, D_ERROR, e->args[2]->sp, NULL, "tourl(): a prefix needs a suffix");
        diag_hint(d, i, "give both, with \"\" for none: tourl(url, name, prefix, \"\")");
        return false;
    }
    if (e->func == FN_BASE64DECODE && e->nargs == 2 && e->args[1]->kind == EX_STR && charset_of(e->args[1]->str) < 0) {
        const expr_t *a = e->args[1];
        uint32_t i = diag_add(d, D_ERROR, a->sp, NULL, "base64Decode(): unknown charset '%.*s'",
                              (int)(a->str.n > 32 ? 32 : a->str.n), a->str.p);
        diag_hint(d, i, "US-ASCII, UTF-8 (the default), UTF-16, UTF-16BE, UTF-16LE, UTF-32, UTF-32BE or UTF-32LE");
        return false;
    }
    return true;
}
