/* func_format.c — format(): Java's String.format, as Sumo's format operator.
 *
 * A scalar function of FUNC_TABLE (ast.h), reached through func.h.
 * Numbers are written from the shortest digits that read back as the same
 * double (func_math.c's fn_dec_*), rounded half up, as java.util.Formatter
 * does ("%.2f" of 1.005 is 1.01). A literal format is checked when the
 * query is parsed; a value that does not fit its conversion drops the
 * record ("an error will be thrown", format page) through fn_drop.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "func.h"
#include "lex.h"

/* ---- format specifiers ---------------------------------------------- */

/* Flags of a specifier. */
#define FL_MINUS 1u  /* '-': left-justify */
#define FL_HASH 2u   /* '#': alternate form */
#define FL_PLUS 4u   /* '+': always a sign */
#define FL_SPACE 8u  /* ' ': a space for positive numbers */
#define FL_ZERO 16u  /* '0': pad with zeros */
#define FL_COMMA 32u /* ',': group thousands */
#define FL_PAREN 64u /* '(': negative numbers in parentheses */
#define FL_PREV 128u /* '<': the previous specifier's argument */

/* Widths and precisions above this are refused: the text would be huge. */
#define FFMT_MAX_WIDTH 10000

/* Argument of a specifier that names none, and of one that needs none. */
enum { FA_NEXT = -1, FA_PREV = -2, FA_NONE = -3, FA_MISSING = -4 };

/* One %-specifier of a format. */
typedef struct fspec {
    int arg;         /* 0-based explicit argument (after the format), FA_NEXT or FA_PREV */
    unsigned flags;  /* FL_* */
    int width;       /* minimum width in characters, -1 for none */
    int prec;        /* precision, -1 for none */
    char conv;       /* the conversion letter, or '%' */
    char bad;        /* after an error: the character it is about */
    size_t off, len; /* the specifier's bytes in the format */
} fspec_t;

/* What is wrong with a specifier (Java's exceptions, roughly). */
enum ferr { FE_OK, FE_CONV, FE_END, FE_DUPFLAG, FE_WIDTH, FE_FLAGS, FE_MISMATCH, FE_PREC, FE_UNSUP, FE_BIG,
            FE_INDEX, FE_MISSING };

/* Digits at f[*j] as a number (capped), advancing *j; returns how many. */
static size_t spec_digits(pstr_t f, size_t *j, int *out) {
    long v = 0;
    size_t k = *j;
    while (k < f.n && f.p[k] >= '0' && f.p[k] <= '9') {
        if (v < 100000000) v = v * 10 + (f.p[k] - '0');
        k++;
    }
    size_t nd = k - *j;
    *j = k;
    *out = (int)v;
    return nd;
}

/* The flags each conversion takes; the others are Java's
 * FormatFlagsConversionMismatchException. */
static unsigned conv_flags(char conv) {
    switch (conv) {
    case 'b': case 'B': case 's': case 'S': case 'c': case 'C': case '%': return FL_MINUS | FL_PREV;
    case 'd': return FL_MINUS | FL_PLUS | FL_SPACE | FL_ZERO | FL_COMMA | FL_PAREN | FL_PREV;
    case 'o': case 'x': case 'X': return FL_MINUS | FL_HASH | FL_ZERO | FL_PREV;
    case 'e': case 'E': return ~FL_COMMA;
    case 'g': case 'G': return ~FL_HASH;
    case 'f': return ~0u;
    default: return 0;
    }
}

/* Read the specifier at f[i] (a '%') into s, as Java's Formatter reads
 * %[index$][flags][width][.precision]conversion. */
static enum ferr spec_parse(pstr_t f, size_t i, fspec_t *s) {
    memset(s, 0, sizeof *s);
    s->arg = FA_NEXT;
    s->width = s->prec = -1;
    s->off = i;
    size_t j = i + 1;
    int v;
    if (spec_digits(f, &j, &v) && j < f.n && f.p[j] == '$') {
        s->len = j + 1 - i;
        if (v == 0) return FE_INDEX;
        s->arg = v - 1;
        j++;
    } else {
        j = i + 1;
    }
    static const char flagch[] = "-#+ 0,(<";
    for (; j < f.n; j++) {
        const char *fc = f.p[j] ? strchr(flagch, f.p[j]) : NULL;
        if (!fc) break;
        unsigned bit = 1u << (fc - flagch);
        if (s->flags & bit) {
            s->bad = f.p[j];
            s->len = j + 1 - i;
            return FE_DUPFLAG;
        }
        s->flags |= bit;
    }
    if (s->flags & FL_PREV) s->arg = FA_PREV;
    if (spec_digits(f, &j, &v)) s->width = v;
    if (j < f.n && f.p[j] == '.') {
        j++;
        if (!spec_digits(f, &j, &v)) {
            s->bad = '.';
            s->len = j - i;
            return FE_CONV;
        }
        s->prec = v;
    }
    if (j >= f.n) {
        s->len = j - i;
        return FE_END;
    }
    s->conv = f.p[j];
    s->bad = s->conv;
    s->len = j + 1 - i;
    if (strchr("tThHaA", s->conv)) return FE_UNSUP;
    if (s->conv == 'n') {
        s->arg = FA_NONE;
        return s->flags || s->width >= 0 || s->prec >= 0 ? FE_MISMATCH : FE_OK;
    }
    if (!s->conv || !strchr("bBsScCdoxXeEfgG%", s->conv)) return FE_CONV;
    if (s->conv == '%') s->arg = FA_NONE;
    if ((s->flags & (FL_MINUS | FL_ZERO)) && s->width < 0) {
        s->bad = (s->flags & FL_MINUS) ? '-' : '0';
        return FE_WIDTH;
    }
    if ((s->flags & FL_MINUS && s->flags & FL_ZERO) || (s->flags & FL_PLUS && s->flags & FL_SPACE)) return FE_FLAGS;
    unsigned extra = s->flags & ~conv_flags(s->conv);
    if (extra) {
        for (int b = 0; b < 8; b++)
            if (extra & (1u << b)) s->bad = flagch[b];
        return FE_MISMATCH;
    }
    if (s->prec >= 0 && strchr("cCdoxX%", s->conv)) return FE_PREC;
    if (s->width > FFMT_MAX_WIDTH || s->prec > FFMT_MAX_WIDTH) return FE_BIG;
    return FE_OK;
}

/* The 0-based argument s formats, FA_NONE, or FA_MISSING when there is
 * none; *next and *last follow Java's ordinary and relative indexes. */
static int spec_arg(const fspec_t *s, int *next, int *last, uint32_t nargs) {
    int k;
    switch (s->arg) {
    case FA_NONE: return FA_NONE;
    case FA_NEXT: k = (*next)++; break;
    case FA_PREV: k = *last; break;
    default: k = s->arg;
    }
    if (k < 0 || (uint32_t)k >= nargs) return FA_MISSING;
    *last = k;
    return k;
}

/* ---- output --------------------------------------------------------- */

/* Text being built: a caller's stack buffer, moved to the arena when it
 * grows past it. */
typedef struct fsink {
    arena_t *a;  /* where a long text grows (borrowed) */
    char *p;     /* the text so far */
    size_t n;    /* its length */
    size_t cap;  /* bytes at p */
} fsink_t;

static void sk_put(fsink_t *o, const char *s, size_t n) {
    if (n == 0) return;
    if (o->n + n > o->cap) {
        size_t cap = o->cap * 2 > o->n + n ? o->cap * 2 : o->n + n + 64;
        char *np = arena_alloc(o->a, cap);
        memcpy(np, o->p, o->n);
        o->p = np;
        o->cap = cap;
    }
    memcpy(o->p + o->n, s, n);
    o->n += n;
}

static void sk_fill(fsink_t *o, char ch, size_t n) {
    char tmp[64];
    memset(tmp, ch, sizeof tmp);
    for (; n > sizeof tmp; n -= sizeof tmp) sk_put(o, tmp, sizeof tmp);
    sk_put(o, tmp, n);
}

/* Characters (UTF-8 code points) in p[0..n). */
static size_t cp_count(const char *p, size_t n) {
    size_t k = 0;
    for (size_t i = 0; i < n; i++) k += ((unsigned char)p[i] & 0xC0) != 0x80;
    return k;
}

/* Bytes of the first k characters of p[0..n). */
static size_t cp_prefix(const char *p, size_t n, size_t k) {
    size_t i = 0;
    for (; i < n; i++)
        if (((unsigned char)p[i] & 0xC0) != 0x80 && k-- == 0) break;
    return i;
}

static void upper_ascii(char *p, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (p[i] >= 'a' && p[i] <= 'z') p[i] = (char)(p[i] - 32);
}

/* Text p[0..n) padded with spaces to the width of s. */
static void put_just(fsink_t *o, const fspec_t *s, const char *p, size_t n) {
    size_t w = cp_count(p, n), pad = s->width > 0 && (size_t)s->width > w ? (size_t)s->width - w : 0;
    if (!(s->flags & FL_MINUS)) sk_fill(o, ' ', pad);
    sk_put(o, p, n);
    if (s->flags & FL_MINUS) sk_fill(o, ' ', pad);
}

/* A number as pre + body + suf, padded to the width of s: with zeros
 * after pre under the '0' flag, else with spaces. */
static void put_num(fsink_t *o, const fspec_t *s, const char *pre, const char *body, size_t n, const char *suf) {
    size_t lp = strlen(pre), ls = strlen(suf), tot = lp + n + ls;
    size_t pad = s->width > 0 && (size_t)s->width > tot ? (size_t)s->width - tot : 0;
    bool zero = s->flags & FL_ZERO;
    if (!zero && !(s->flags & FL_MINUS)) sk_fill(o, ' ', pad);
    sk_put(o, pre, lp);
    if (zero) sk_fill(o, '0', pad);
    sk_put(o, body, n);
    sk_put(o, suf, ls);
    if (s->flags & FL_MINUS) sk_fill(o, ' ', pad);
}

/* Append digits d[0..n) to o, with a ',' every three from the right when
 * group is set. */
static void put_grouped(fsink_t *o, const char *d, size_t n, bool group) {
    for (size_t i = 0; i < n; i++) {
        sk_put(o, d + i, 1);
        if (group && i + 1 < n && (n - i - 1) % 3 == 0) sk_put(o, ",", 1);
    }
}

/* The sign prefix and suffix of a number. */
static void sign_of(const fspec_t *s, bool neg, char pre[4], char suf[2]) {
    pre[0] = suf[0] = suf[1] = 0;
    if (neg) {
        strcpy(pre, (s->flags & FL_PAREN) ? "(" : "-");
        if (s->flags & FL_PAREN) suf[0] = ')';
    } else {
        strcpy(pre, (s->flags & FL_PLUS) ? "+" : (s->flags & FL_SPACE) ? " " : "");
    }
}

/* A value as a 64-bit integer: numbers that are whole and in range, and
 * text that holds such a number unless numbers_only. */
static bool as_long(value_t v, bool numbers_only, int64_t *out) {
    double x;
    if (v.t == V_BOOL || (numbers_only && v.t != V_NUM) || !val_to_num(v, &x)) return false;
    if (!(x >= -9223372036854775808.0 && x < 9223372036854775808.0) || x != trunc(x)) return false;
    *out = (int64_t)x;
    return true;
}

/* %d, %o, %x, %X. */
static bool put_integer(fsink_t *o, const fspec_t *s, value_t v) {
    int64_t x;
    if (!as_long(v, s->conv != 'd', &x)) return false; /* hex of text: "your data will be dropped" */
    char dig[32], pre[4] = "", suf[2] = "";
    int n;
    if (s->conv == 'd') {
        uint64_t mag = x < 0 ? (uint64_t)(-(x + 1)) + 1 : (uint64_t)x;
        n = snprintf(dig, sizeof dig, "%llu", (unsigned long long)mag);
        sign_of(s, x < 0, pre, suf);
    } else {
        n = snprintf(dig, sizeof dig, s->conv == 'o' ? "%llo" : "%llx", (unsigned long long)(uint64_t)x);
        if (s->flags & FL_HASH) strcpy(pre, s->conv == 'o' ? "0" : "0x");
    }
    char stack[64];
    fsink_t b = {o->a, stack, 0, sizeof stack};
    put_grouped(&b, dig, (size_t)n, s->flags & FL_COMMA);
    if (s->conv == 'X') upper_ascii(b.p, b.n), upper_ascii(pre, strlen(pre));
    put_num(o, s, pre, b.p, b.n, suf);
    return true;
}

/* Fixed notation of d (rounded already) with prec decimals into b. */
static void fixed_body(fsink_t *b, const fspec_t *s, const fn_dec_t *d, int prec) {
    if (d->n == 0 || d->e <= 0) {
        sk_put(b, "0", 1);
    } else {
        char ip[400];
        int k = 0;
        for (; k < d->e && k < (int)sizeof ip; k++) ip[k] = k < d->n ? d->d[k] : '0';
        put_grouped(b, ip, (size_t)k, s->flags & FL_COMMA);
    }
    if (prec > 0 || (s->flags & FL_HASH)) sk_put(b, ".", 1);
    for (int k = 0; k < prec; k++) {
        long idx = (long)d->e + k;
        char ch = d->n && idx >= 0 && idx < d->n ? d->d[idx] : '0';
        sk_put(b, &ch, 1);
    }
}

/* Scientific notation of d (rounded already) with prec decimals into b. */
static void sci_body(fsink_t *b, const fspec_t *s, const fn_dec_t *d, int prec) {
    sk_put(b, d->n ? d->d : "0", 1);
    if (prec > 0 || (s->flags & FL_HASH)) sk_put(b, ".", 1);
    for (int k = 1; k <= prec; k++) sk_put(b, k < d->n ? d->d + k : "0", 1);
    char ex[16];
    int x = d->n ? d->e - 1 : 0;
    sk_put(b, ex, (size_t)snprintf(ex, sizeof ex, "e%c%02d", x < 0 ? '-' : '+', x < 0 ? -x : x));
}

/* %e, %E, %f, %g, %G of a number or of text that holds one. */
static bool put_float(fsink_t *o, const fspec_t *s, value_t v) {
    double x;
    if (v.t == V_BOOL || !val_to_num(v, &x)) return false;
    char pre[4], suf[2];
    bool up = s->conv == 'E' || s->conv == 'G';
    if (!isfinite(x)) {
        char t[16];
        const char *w = isnan(x) ? "NaN" : "Infinity";
        if (isnan(x)) pre[0] = suf[0] = 0;
        else sign_of(s, x < 0, pre, suf);
        int n = snprintf(t, sizeof t, "%s%s%s", pre, w, suf);
        if (up) upper_ascii(t, (size_t)n);
        put_just(o, s, t, (size_t)n);
        return true;
    }
    fn_dec_t d;
    fn_dec_of(x, &d);
    sign_of(s, d.neg, pre, suf);
    char stack[512];
    fsink_t b = {o->a, stack, 0, sizeof stack};
    int prec = s->prec < 0 ? 6 : s->prec;
    if (s->conv == 'f') {
        fn_dec_round(&d, prec, FN_HALF_UP);
        fixed_body(&b, s, &d, prec);
    } else if (s->conv == 'e' || s->conv == 'E') {
        if (d.n) fn_dec_round(&d, prec + 1 - d.e, FN_HALF_UP);
        sci_body(&b, s, &d, prec);
    } else {
        /* %g: decimal for 10^-4 <= |x| < 10^precision after rounding to
         * precision digits, scientific otherwise; zeros are kept. */
        int p = prec == 0 ? 1 : prec;
        if (d.n) fn_dec_round(&d, p - d.e, FN_HALF_UP);
        int ex = d.n ? d.e - 1 : 0;
        if (d.n == 0 || (ex >= -4 && ex < p)) fixed_body(&b, s, &d, p - 1 - ex);
        else sci_body(&b, s, &d, p - 1);
    }
    if (up) upper_ascii(b.p, b.n);
    put_num(o, s, pre, b.p, b.n, suf);
    return true;
}

/* Append the UTF-8 of code point u; false when u is none. */
static bool put_codepoint(fsink_t *o, const fspec_t *s, uint32_t u) {
    char t[4];
    size_t n;
    if (u > 0x10FFFF || (u >= 0xD800 && u <= 0xDFFF)) return false;
    if (u < 0x80) t[0] = (char)u, n = 1;
    else if (u < 0x800) t[0] = (char)(0xC0 | u >> 6), t[1] = (char)(0x80 | (u & 0x3F)), n = 2;
    else if (u < 0x10000)
        t[0] = (char)(0xE0 | u >> 12), t[1] = (char)(0x80 | (u >> 6 & 0x3F)), t[2] = (char)(0x80 | (u & 0x3F)), n = 3;
    else
        t[0] = (char)(0xF0 | u >> 18), t[1] = (char)(0x80 | (u >> 12 & 0x3F)), t[2] = (char)(0x80 | (u >> 6 & 0x3F)),
        t[3] = (char)(0x80 | (u & 0x3F)), n = 4;
    if (s->conv == 'C') upper_ascii(t, n);
    put_just(o, s, t, n);
    return true;
}

/* One specifier with its value v (null for %% and %n); false when v is
 * null or does not fit the conversion. */
static bool put_spec(eval_ctx_t *c, fsink_t *o, const fspec_t *s, value_t v) {
    if (s->conv == '%') {
        put_just(o, s, "%", 1);
        return true;
    }
    if (s->conv == 'n') {
        sk_put(o, "\n", 1);
        return true;
    }
    if (v.t == V_NULL) return false; /* "If a field is null or incompatible, an error will be thrown" */
    switch (s->conv) {
    case 'd': case 'o': case 'x': case 'X': return put_integer(o, s, v);
    case 'e': case 'E': case 'f': case 'g': case 'G': return put_float(o, s, v);
    case 'c': case 'C': {
        int64_t u;
        if (as_long(v, true, &u)) return u >= 0 && put_codepoint(o, s, (uint32_t)(u > 0x110000 ? 0x110000 : u));
        pstr_t t = fn_text(c, v);
        if (v.t != V_STR || cp_count(t.p, t.n) != 1) return false;
        char tmp[4];
        memcpy(tmp, t.p, t.n < 4 ? t.n : 4);
        if (s->conv == 'C') upper_ascii(tmp, t.n);
        put_just(o, s, tmp, t.n < 4 ? t.n : 4);
        return true;
    }
    default: break;
    }
    pstr_t t;
    if (s->conv == 'b' || s->conv == 'B') /* Java: a boolean as it is, anything else not null "true" */
        t = v.t == V_BOOL ? (v.b ? PSTR_LIT("true") : PSTR_LIT("false"))
            : v.t == V_STR && pstr_ieq_c(val_pstr(v), "false") ? PSTR_LIT("false") : PSTR_LIT("true");
    else
        t = fn_text(c, v);
    if (s->prec >= 0) t.n = cp_prefix(t.p, t.n, (size_t)s->prec);
    if (s->conv == 'S' || s->conv == 'B') {
        char *u = arena_strndup(c->arena, t.p ? t.p : "", t.n);
        upper_ascii(u, t.n);
        t.p = u;
    }
    put_just(o, s, t.p ? t.p : "", t.n);
    return true;
}

/* See func.h. */
value_t fn_drop(eval_ctx_t *c, const expr_t *e, const char *why) {
    c->drop = true;
    c->drop_fn = e->func;
    c->drop_why = why;
    return val_null();
}

/* Why format drops a record, for the warning. */
#define FFMT_WHY "whose values do not fit the format (a null value, text where a number is needed, or a bad specifier)"

/* format(fmt, values...): the format with each specifier replaced by its
 * value. A null, a value a conversion cannot take, or a bad specifier in
 * a format read from a field drops the record. */
/* See func.h (FUNC_TABLE). */
value_t f_format(eval_ctx_t *c, const expr_t *e, const record_t *r, value_t *av) {
    (void)r;
    if (av[0].t == V_NULL) return fn_drop(c, e, FFMT_WHY);
    pstr_t f = fn_text(c, av[0]);
    char stack[512];
    fsink_t o = {c->arena, stack, 0, sizeof stack};
    int next = 0, last = -1;
    uint32_t nargs = e->nargs - 1;
    for (size_t i = 0; i < f.n;) {
        const char *pct = memchr(f.p + i, '%', f.n - i);
        size_t lit = pct ? (size_t)(pct - (f.p + i)) : f.n - i;
        sk_put(&o, f.p + i, lit);
        i += lit;
        if (i >= f.n) break;
        fspec_t s;
        if (spec_parse(f, i, &s) != FE_OK) return fn_drop(c, e, FFMT_WHY);
        i += s.len;
        int k = spec_arg(&s, &next, &last, nargs);
        if (k == FA_MISSING || !put_spec(c, &o, &s, k >= 0 ? av[1 + k] : val_null())) return fn_drop(c, e, FFMT_WHY);
    }
    return o.p == stack ? fn_str(c, o.p, o.n) : val_str(o.p, o.n);
}

/* ---- checks when the query is parsed -------------------------------- */

/* The span of bytes [off, off+len) of string literal a's value. */
static span_t lit_span(const expr_t *a, const diag_t *d, size_t off, size_t len) {
    if (a->sp.len < 2 || !d->src || a->sp.off + a->sp.len > d->srclen) return a->sp;
    uint32_t body = a->sp.off + 1;
    pstr_t raw = pstr(d->src + body, a->sp.len - 2);
    uint32_t b = lex_rawoff(raw, '"', off), en = lex_rawoff(raw, '"', off + len);
    return (span_t){body + b, en > b ? en - b : 1};
}

/* Report error err of specifier s of format literal a. */
static void spec_error(diag_t *d, const expr_t *a, const fspec_t *s, enum ferr err, uint32_t nargs) {
    span_t sp = lit_span(a, d, s->off, s->len);
    int n = (int)(s->len > 32 ? 32 : s->len);
    const char *t = a->str.p + s->off;
    uint32_t i;
    switch (err) {
    case FE_CONV:
        i = diag_add(d, D_ERROR, sp, NULL, "format(): unknown conversion '%c' in '%.*s'", s->bad ? s->bad : '?', n, t);
        diag_hint(d, i, "Java's conversions: %%s %%S %%d %%x %%X %%o %%e %%E %%f %%g %%G %%c %%b %%n, and %%%% for a "
                        "percent sign");
        break;
    case FE_END:
        i = diag_add(d, D_ERROR, sp, NULL, "format(): the format ends in an unfinished '%.*s'", n, t);
        diag_hint(d, i, "write %%%% for a percent sign");
        break;
    case FE_DUPFLAG: diag_add(d, D_ERROR, sp, NULL, "format(): flag '%c' is given twice in '%.*s'", s->bad, n, t); break;
    case FE_WIDTH:
        i = diag_add(d, D_ERROR, sp, NULL, "format(): flag '%c' needs a width in '%.*s'", s->bad, n, t);
        diag_hint(d, i, "for example %%-10s or %%05d");
        break;
    case FE_FLAGS:
        diag_add(d, D_ERROR, sp, NULL, "format(): flags '-' and '0', or '+' and ' ', cannot go together ('%.*s')", n, t);
        break;
    case FE_MISMATCH:
        if (s->conv == 'n') diag_add(d, D_ERROR, sp, NULL, "format(): %%n takes no flags, width or precision");
        else diag_add(d, D_ERROR, sp, NULL, "format(): flag '%c' does not apply to %%%c ('%.*s')", s->bad, s->conv, n, t);
        break;
    case FE_PREC: diag_add(d, D_ERROR, sp, NULL, "format(): %%%c takes no precision ('%.*s')", s->conv, n, t); break;
    case FE_UNSUP:
        if (s->conv == 't' || s->conv == 'T') {
            i = diag_add(d, D_ERROR, sp, NULL, "format(): postern does not support date/time conversions ('%.*s')", n, t);
            diag_hint(d, i, "format the time first: formatDate(_messageTime, \"yyyy-MM-dd HH:mm\") as when");
        } else {
            diag_add(d, D_ERROR, sp, NULL, "format(): postern does not support %%%c", s->conv);
        }
        break;
    case FE_BIG:
        diag_add(d, D_ERROR, sp, NULL, "format(): a width or precision above %d ('%.*s')", FFMT_MAX_WIDTH, n, t);
        break;
    case FE_INDEX: diag_add(d, D_ERROR, sp, NULL, "format(): argument indexes start at 1 ('%.*s')", n, t); break;
    case FE_MISSING:
        i = diag_add(d, D_ERROR, sp, NULL, "format(): no value left for '%.*s'", n, t);
        diag_hint(d, i, "the format has more conversions than the %u value%s after it", nargs, nargs == 1 ? "" : "s");
        break;
    default: break;
    }
}

/* See func.h: the first argument must be text; a literal format is read
 * now, so a bad specifier or a missing value is an error at its place,
 * and a value no specifier uses a warning (Java ignores it). */
bool ffmt_prepare(expr_t *e, diag_t *d) {
    if (e->func != FN_FORMAT || e->nargs < 1) return true;
    const expr_t *a = e->args[0];
    if (a->kind == EX_NUM || a->kind == EX_BOOL || a->kind == EX_REGEX) {
        uint32_t i = diag_add(d, D_ERROR, a->sp, NULL, "format(): the first argument is the format, a string");
        diag_hint(d, i, "format(\"%%s: %%d\", name, count) as text");
        return false;
    }
    if (a->kind != EX_STR) return true;
    pstr_t f = a->str;
    uint32_t nargs = e->nargs - 1;
    bool used[32] = {false};
    int next = 0, last = -1;
    for (size_t i = 0; i < f.n;) {
        if (f.p[i] != '%') {
            i++;
            continue;
        }
        fspec_t s;
        enum ferr err = spec_parse(f, i, &s);
        if (err == FE_OK) {
            int k = spec_arg(&s, &next, &last, nargs);
            if (k == FA_MISSING) err = FE_MISSING;
            else if (k >= 0 && k < 32) used[k] = true;
        }
        if (err != FE_OK) {
            spec_error(d, a, &s, err, nargs);
            return false;
        }
        i += s.len;
    }
    for (uint32_t k = 0; k < nargs && k < 32; k++)
        if (!used[k])
            diag_add(d, D_WARNING, e->args[k + 1]->sp, "format-unused", "format(): value %u is not used by the format",
                     k + 1);
    return true;
}
