/* eval.c — expression evaluation: operators, scalar functions, scope terms.
 *
 * The query's expression trees are walked directly; every node kind and
 * every function has one implementation here, reached through tables
 * indexed by expr_kind_t and func_id_t. Semantics follow docs/semantics.md:
 * fields are strings, numbers appear only where a cast is clear, a
 * comparison with null is false.
 */
#include "eval.h"

#include <arpa/inet.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datetime.h"
#include "func.h"
#include "keyword.h"

/* See eval.h. */
void eval_init(eval_ctx_t *c, arena_t *arena, int64_t now_ms) {
    memset(c, 0, sizeof *c);
    c->arena = arena;
    c->rx = rx_scratch_new();
    c->now_ms = now_ms;
}

/* See eval.h. */
void eval_free(eval_ctx_t *c) {
    rx_scratch_free(c->rx);
    c->rx = NULL;
    fn_scratch_free(c->fx);
    c->fx = NULL;
}

/* Text of a value; numbers are formatted into the arena. Null gives NULL p. */
static pstr_t text_of(eval_ctx_t *c, value_t v) {
    char tmp[40];
    switch (v.t) {
    case V_STR: return val_pstr(v);
    case V_NUM: {
        int k = num_fmt(tmp, v.d);
        return pstr(arena_strndup(c->arena, tmp, (size_t)k), (size_t)k);
    }
    case V_BOOL: return v.b ? PSTR_LIT("true") : PSTR_LIT("false");
    default: return PSTR_NULL;
    }
}

static value_t str_in_arena(eval_ctx_t *c, const char *p, size_t n) {
    return val_str(arena_strndup(c->arena, p, n), n);
}

/* See func.h. */
pstr_t fn_text(eval_ctx_t *c, value_t v) { return text_of(c, v); }

/* See func.h. */
value_t fn_str(eval_ctx_t *c, const char *p, size_t n) { return str_in_arena(c, p, n); }

/* ---- comparisons ---------------------------------------------------- */

/* Ordering comparison for < > <= >=: numeric when either side is a number
 * (the other is cast) or both are numeric strings, else bytewise text.
 * Returns 2 when the comparison is undefined (null, failed cast). */
static int order_cmp(eval_ctx_t *c, value_t a, value_t b) {
    if (a.t == V_NULL || b.t == V_NULL) return 2;
    double x, y;
    if (a.t == V_NUM || b.t == V_NUM) {
        if (!val_to_num(a, &x) || !val_to_num(b, &y)) return 2;
        return (x > y) - (x < y);
    }
    if (val_to_num(a, &x) && val_to_num(b, &y)) return (x > y) - (x < y);
    int r = pstr_cmp(text_of(c, a), text_of(c, b));
    return (r > 0) - (r < 0);
}

/* `in`: no implicit cast (Sumo casts only where a number is clearly
 * needed): a string field equals a string literal byte for byte, a number
 * equals a number. */
static bool in_eq(value_t a, value_t b) {
    if (a.t != b.t) return false;
    switch (a.t) {
    case V_STR: return pstr_eq(val_pstr(a), val_pstr(b));
    case V_NUM: return a.d == b.d;
    case V_BOOL: return a.b == b.b;
    default: return false;
    }
}

/* ---- IP helpers ------------------------------------------------------ */

static bool parse_v4(pstr_t s, uint32_t *out) {
    char tmp[64];
    s = pstr_trim(s);
    if (s.n == 0 || s.n >= sizeof tmp) return false;
    memcpy(tmp, s.p, s.n);
    tmp[s.n] = 0;
    struct in_addr a;
    if (inet_pton(AF_INET, tmp, &a) != 1) return false;
    *out = ntohl(a.s_addr);
    return true;
}

static bool parse_v6(pstr_t s) {
    char tmp[128];
    s = pstr_trim(s);
    if (s.n == 0 || s.n >= sizeof tmp) return false;
    memcpy(tmp, s.p, s.n);
    tmp[s.n] = 0;
    struct in6_addr a;
    return inet_pton(AF_INET6, tmp, &a) == 1;
}

static bool v4_private(uint32_t a) {
    return (a >> 24) == 10 || (a >> 20) == (172u << 4 | 1) || (a >> 16) == (192u << 8 | 168);
}

/* Not routable on the public internet: private, loopback, link-local,
 * CGNAT, documentation, benchmarking, multicast, reserved, "this network". */
static bool v4_public(uint32_t a) {
    static const struct { uint32_t net; int bits; } special[] = {
        {0x00000000, 8},  {0x0A000000, 8},  {0x64400000, 10}, {0x7F000000, 8},  {0xA9FE0000, 16},
        {0xAC100000, 12}, {0xC0000000, 24}, {0xC0000200, 24}, {0xC0A80000, 16}, {0xC6120000, 15},
        {0xC6336400, 24}, {0xCB007100, 24}, {0xE0000000, 4},  {0xF0000000, 4},
    };
    for (size_t i = 0; i < sizeof special / sizeof special[0]; i++) {
        uint32_t mask = special[i].bits ? ~0u << (32 - special[i].bits) : 0;
        if ((a & mask) == special[i].net) return false;
    }
    return true;
}

/* See func.h. */
bool fn_ipv4(pstr_t s, uint32_t *out) { return parse_v4(s, out); }

/* See func.h. */
bool fn_ipv6(pstr_t s) { return parse_v6(s); }

/* ---- functions ------------------------------------------------------- */


#define ARG(i) av[i]

static value_t fn_case(eval_ctx_t *c, value_t v, bool upper) {
    if (v.t == V_NULL) return v;
    pstr_t s = text_of(c, v);
    char *d = arena_alloc(c->arena, s.n + 1);
    for (size_t i = 0; i < s.n; i++) {
        char ch = s.p[i];
        d[i] = upper ? ((ch >= 'a' && ch <= 'z') ? (char)(ch - 32) : ch) : str_lc(ch);
    }
    d[s.n] = 0;
    return val_str(d, s.n);
}

/* See func.h (FUNC_TABLE). */
value_t f_tolower(eval_ctx_t *c, const expr_t *e, const record_t *r, value_t *av) {
    (void)e; (void)r;
    return fn_case(c, ARG(0), false);
}

/* See func.h (FUNC_TABLE). */
value_t f_toupper(eval_ctx_t *c, const expr_t *e, const record_t *r, value_t *av) {
    (void)e; (void)r;
    return fn_case(c, ARG(0), true);
}

/* See func.h (FUNC_TABLE). */
value_t f_concat(eval_ctx_t *c, const expr_t *e, const record_t *r, value_t *av) {
    (void)r;
    size_t total = 0;
    pstr_t parts[64];
    for (uint32_t i = 0; i < e->nargs && i < 64; i++) {
        parts[i] = text_of(c, av[i]);
        total += parts[i].n;
    }
    char *d = arena_alloc(c->arena, total + 1);
    size_t k = 0;
    for (uint32_t i = 0; i < e->nargs && i < 64; i++) {
        if (parts[i].n) memcpy(d + k, parts[i].p, parts[i].n);
        k += parts[i].n;
    }
    d[k] = 0;
    return val_str(d, k);
}

/* See func.h (FUNC_TABLE). */
value_t f_length(eval_ctx_t *c, const expr_t *e, const record_t *r, value_t *av) {
    (void)e; (void)r;
    if (ARG(0).t == V_NULL) return val_num(0); /* "If the string is null, it returns 0." */
    return val_num((double)text_of(c, ARG(0)).n);
}

/* See func.h (FUNC_TABLE). */
value_t f_substring(eval_ctx_t *c, const expr_t *e, const record_t *r, value_t *av) {
    (void)r;
    if (ARG(0).t == V_NULL) return val_null();
    pstr_t s = text_of(c, ARG(0));
    double st, en = (double)s.n;
    if (!val_to_num(ARG(1), &st)) return val_null();
    if (e->nargs > 2 && !val_to_num(ARG(2), &en)) return val_null();
    if (st < 0) st = 0;
    if (en > (double)s.n) en = (double)s.n;
    if (en <= st) return val_str("", 0);
    return val_str(s.p + (size_t)st, (size_t)en - (size_t)st);
}

/* Expand a replacement as Java's Matcher does (replace page, "Required
 * characters to escape"): `\c` is c, `$0`-`$9` and `${name}` are groups
 * of the match at ov (ng groups; re may be NULL for a literal search,
 * whose only group is $0, the match). */
static void expand_repl(buf_t *b, pstr_t repl, pstr_t subj, const rx_t *re, const long *ov, uint32_t ng) {
    for (size_t i = 0; i < repl.n; i++) {
        char ch = repl.p[i];
        if (ch == '\\' && i + 1 < repl.n) { buf_putc(b, repl.p[++i]); continue; }
        if (ch != '$' || i + 1 >= repl.n) { buf_putc(b, ch); continue; }
        long g = -1;
        if (repl.p[i + 1] >= '0' && repl.p[i + 1] <= '9') {
            g = repl.p[++i] - '0';
        } else if (repl.p[i + 1] == '{') {
            size_t j = i + 2;
            while (j < repl.n && repl.p[j] != '}') j++;
            if (j >= repl.n) { buf_putc(b, ch); continue; }
            pstr_t name = pstr(repl.p + i + 2, j - i - 2);
            for (uint32_t k = 0; re && k < rx_nnames(re); k++) {
                uint32_t grp;
                if (pstr_eq(rx_name(re, k, &grp), name)) g = (long)grp;
            }
            i = j;
        } else {
            buf_putc(b, ch);
            continue;
        }
        if (g >= 0 && (uint32_t)g < ng && ov[2 * g] >= 0) buf_put(b, subj.p + ov[2 * g], (size_t)(ov[2 * g + 1] - ov[2 * g]));
    }
}

/* See func.h (FUNC_TABLE). */
value_t f_replace(eval_ctx_t *c, const expr_t *e, const record_t *r, value_t *av) {
    (void)r;
    if (ARG(0).t == V_NULL) return val_null();
    pstr_t s = text_of(c, ARG(0));
    pstr_t repl = text_of(c, ARG(2));
    buf_t b = {0};
    const expr_t *pat = e->args[1];
    if (pat->kind == EX_REGEX && pat->re) {
        long ov[2 * 32];
        uint32_t ng = rx_ngroups(pat->re) + 1;
        if (ng > 32) ng = 32;
        size_t pos = 0, last = 0;
        while (pos <= s.n) {
            int m = rx_search(pat->re, c->rx, s, pos, ov, ng);
            if (m < 0) c->rx_limit++;
            if (m <= 0) break;
            buf_put(&b, s.p + last, (size_t)ov[0] - last);
            expand_repl(&b, repl, s, pat->re, ov, ng);
            last = (size_t)ov[1];
            pos = ov[1] > ov[0] ? (size_t)ov[1] : (size_t)ov[1] + 1;
        }
        if (last < s.n) buf_put(&b, s.p + last, s.n - last);
    } else {
        pstr_t lit = text_of(c, ARG(1));
        size_t i = 0;
        while (i < s.n) {
            if (lit.n && i + lit.n <= s.n && memcmp(s.p + i, lit.p, lit.n) == 0) {
                long ov[2] = {(long)i, (long)(i + lit.n)};
                expand_repl(&b, repl, s, NULL, ov, 1);
                i += lit.n;
            } else {
                buf_putc(&b, s.p[i++]);
            }
        }
    }
    value_t out = str_in_arena(c, b.p ? b.p : "", b.n);
    buf_free(&b);
    return out;
}

/* See func.h (FUNC_TABLE). */
value_t f_trim(eval_ctx_t *c, const expr_t *e, const record_t *r, value_t *av) {
    (void)e; (void)r;
    if (ARG(0).t == V_NULL) return val_null();
    return val_strv(pstr_trim(text_of(c, ARG(0))));
}

/* See func.h (FUNC_TABLE). */
value_t f_num(eval_ctx_t *c, const expr_t *e, const record_t *r, value_t *av) {
    (void)c; (void)e; (void)r;
    double d;
    return val_to_num(ARG(0), &d) ? val_num(d) : val_null();
}

/* See func.h (FUNC_TABLE). */
value_t f_tolong(eval_ctx_t *c, const expr_t *e, const record_t *r, value_t *av) {
    (void)c; (void)e; (void)r;
    double d;
    return val_to_num(ARG(0), &d) && isfinite(d) ? val_num(trunc(d)) : val_null();
}

/* See func.h (FUNC_TABLE). */
value_t f_tostring(eval_ctx_t *c, const expr_t *e, const record_t *r, value_t *av) {
    (void)e; (void)r;
    if (ARG(0).t == V_NULL) return val_null();
    return val_strv(text_of(c, ARG(0)));
}

/* See func.h (FUNC_TABLE). */
value_t f_now(eval_ctx_t *c, const expr_t *e, const record_t *r, value_t *av) {
    (void)e; (void)r; (void)av;
    return val_num((double)c->now_ms);
}

/* formatDate's pattern when none is given: US style, as Sumo's docs say
 * (the exact pattern is postern's choice). */
#define EVAL_DATE_PATTERN "MM/dd/yyyy HH:mm:ss"

/* The zone argument i of a formatDate or parseDate call: UTC when absent,
 * the literal resolved when the query was parsed (NULL when unknown), else
 * the value's text looked up in the process cache, remembered in c->zone
 * for the next record. NULL: no such zone. */
static const dt_zone_t *call_zone(eval_ctx_t *c, const expr_t *e, uint32_t i, value_t *av) {
    if (e->nargs <= i) return dt_zone_utc();
    if (e->args[i]->kind == EX_STR) return e->zone;
    if (av[i].t == V_NULL) return NULL;
    pstr_t name = pstr_trim(text_of(c, av[i]));
    if (c->zone && pstr_eq(dt_zone_name(c->zone), name)) return c->zone;
    dt_zerr_t err;
    const dt_zone_t *z = dt_zone_get(name, &err);
    if (z) c->zone = z;
    return z;
}

/* formatDate(ms[, pattern[, zone]]): the text is formatted on the stack,
 * or in the arena when it is long; no heap allocation per record. */
/* See func.h (FUNC_TABLE): the search's time range (query page). */
value_t f_querystart(eval_ctx_t *c, const expr_t *e, const record_t *r, value_t *av) {
    (void)e; (void)r; (void)av;
    return val_num((double)c->range_from);
}

/* See func.h (FUNC_TABLE). */
value_t f_queryend(eval_ctx_t *c, const expr_t *e, const record_t *r, value_t *av) {
    (void)e; (void)r; (void)av;
    return val_num((double)c->range_to);
}

/* See func.h (FUNC_TABLE). */
value_t f_queryrange(eval_ctx_t *c, const expr_t *e, const record_t *r, value_t *av) {
    (void)e; (void)r; (void)av;
    return val_num((double)(c->range_to - c->range_from));
}

/* See func.h (FUNC_TABLE). */
value_t f_formatdate(eval_ctx_t *c, const expr_t *e, const record_t *r, value_t *av) {
    (void)r;
    double ms;
    if (!val_to_num(ARG(0), &ms) || !(fabs(ms) <= (double)DT_MAX_MS)) return val_null();
    if (e->nargs > 1 && ARG(1).t == V_NULL) return val_null();
    pstr_t pat = e->nargs > 1 ? text_of(c, ARG(1)) : PSTR_LIT(EVAL_DATE_PATTERN);
    const dt_zone_t *z = call_zone(c, e, 2, av);
    if (!z) return val_null();
    char tmp[256];
    size_t n = dt_format(tmp, sizeof tmp, (int64_t)ms, pat, z);
    if (n < sizeof tmp) return str_in_arena(c, tmp, n);
    char *d = arena_alloc(c->arena, n + 1);
    dt_format(d, n + 1, (int64_t)ms, pat, z);
    return val_str(d, n);
}

/* parseDate(text, pattern[, zone]): epoch ms, or null when the text does
 * not match. The pattern need only match the start of the text; a wall
 * time without an offset is in the zone (UTC by default). */
/* See func.h (FUNC_TABLE). */
value_t f_parsedate(eval_ctx_t *c, const expr_t *e, const record_t *r, value_t *av) {
    (void)r;
    if (ARG(0).t == V_NULL || ARG(1).t == V_NULL) return val_null();
    const dt_zone_t *z = call_zone(c, e, 2, av);
    if (!z) return val_null();
    dt_java_t o = {.zone = z, .prefix = true, .epoch_defaults = true};
    int64_t ms;
    return dt_parse_java(text_of(c, ARG(0)), text_of(c, ARG(1)), &o, &ms) ? val_num((double)ms) : val_null();
}

/* See func.h (FUNC_TABLE). */
value_t f_isvalidip(eval_ctx_t *c, const expr_t *e, const record_t *r, value_t *av) {
    (void)e; (void)r;
    if (ARG(0).t == V_NULL) return val_bool(false);
    pstr_t s = text_of(c, ARG(0));
    uint32_t a;
    return val_bool(parse_v4(s, &a) || parse_v6(s));
}

/* isPrivateIP / isPublicIP: "Invalid IPv4 addresses are dropped from the
 * results" (their pages): a value that is no IPv4 address, null included,
 * drops the record. */
static value_t ip_class(eval_ctx_t *c, const expr_t *e, value_t v, bool (*cls)(uint32_t)) {
    uint32_t a;
    if (v.t == V_NULL || !parse_v4(text_of(c, v), &a)) {
        c->drop = true;
        c->drop_fn = e->func;
        c->drop_why = NULL;
        return val_null();
    }
    return val_bool(cls(a));
}

/* See func.h. */
value_t fn_ipv4_class(eval_ctx_t *c, const expr_t *e, value_t v, bool (*cls)(uint32_t)) {
    return ip_class(c, e, v, cls);
}

/* See func.h (FUNC_TABLE). */
value_t f_isprivateip(eval_ctx_t *c, const expr_t *e, const record_t *r, value_t *av) {
    (void)r;
    return ip_class(c, e, ARG(0), v4_private);
}

/* See func.h (FUNC_TABLE). */
value_t f_ispublicip(eval_ctx_t *c, const expr_t *e, const record_t *r, value_t *av) {
    (void)r;
    return ip_class(c, e, ARG(0), v4_public);
}

/* See func.h (FUNC_TABLE). */
value_t f_comparecidr(eval_ctx_t *c, const expr_t *e, const record_t *r, value_t *av) {
    (void)e; (void)r;
    uint32_t a, b;
    double bits;
    if (!parse_v4(text_of(c, ARG(0)), &a) || !parse_v4(text_of(c, ARG(1)), &b) || !val_to_num(ARG(2), &bits) ||
        bits < 0 || bits > 32)
        return val_null();
    uint32_t mask = bits == 0 ? 0 : ~0u << (32 - (int)bits);
    return val_bool((a & mask) == (b & mask));
}

/* See func.h (FUNC_TABLE). */
value_t f_isnull(eval_ctx_t *c, const expr_t *e, const record_t *r, value_t *av) {
    (void)c; (void)e; (void)r;
    return val_bool(ARG(0).t == V_NULL);
}

/* See func.h (FUNC_TABLE). */
value_t f_isempty(eval_ctx_t *c, const expr_t *e, const record_t *r, value_t *av) {
    (void)c; (void)e; (void)r;
    return val_bool(ARG(0).t == V_NULL || (ARG(0).t == V_STR && ARG(0).n == 0));
}

/* See func.h (FUNC_TABLE). */
value_t f_isblank(eval_ctx_t *c, const expr_t *e, const record_t *r, value_t *av) {
    (void)c; (void)e; (void)r;
    return val_bool(ARG(0).t == V_NULL || (ARG(0).t == V_STR && pstr_trim(val_pstr(ARG(0))).n == 0));
}

/* contains(a, b): both strings; two empty strings are true. */
static bool contains2(eval_ctx_t *c, value_t a, value_t b) {
    if (a.t == V_NULL || b.t == V_NULL) return false;
    pstr_t x = text_of(c, a), y = text_of(c, b);
    if (y.n == 0) return x.n == 0;
    return pstr_contains(x, y);
}

/* See func.h (FUNC_TABLE). */
value_t f_contains(eval_ctx_t *c, const expr_t *e, const record_t *r, value_t *av) {
    (void)e; (void)r;
    return val_bool(contains2(c, ARG(0), ARG(1)));
}

static value_t math1(value_t v, double (*f)(double)) {
    double d;
    return val_to_num(v, &d) ? val_num(f(d)) : val_null();
}

/* See func.h (FUNC_TABLE). */
value_t f_abs(eval_ctx_t *c, const expr_t *e, const record_t *r, value_t *av) {
    (void)c; (void)e; (void)r;
    return math1(ARG(0), fabs);
}
/* See func.h (FUNC_TABLE). */
value_t f_floor(eval_ctx_t *c, const expr_t *e, const record_t *r, value_t *av) {
    (void)c; (void)e; (void)r;
    return math1(ARG(0), floor);
}
/* See func.h (FUNC_TABLE). */
value_t f_ceil(eval_ctx_t *c, const expr_t *e, const record_t *r, value_t *av) {
    (void)c; (void)e; (void)r;
    return math1(ARG(0), ceil);
}
/* See func.h (FUNC_TABLE). */
value_t f_if(eval_ctx_t *c, const expr_t *e, const record_t *r, value_t *av) {
    (void)av;
    return eval_cond(c, e->args[0], r) ? eval_expr(c, e->args[1], r) : eval_expr(c, e->args[2], r);
}

/* Implementations by func_id_t. */
static const fn_impl_t fn_impl[FN__COUNT] = {
#define X(id, name, lo, hi, flags, impl, help) [id] = impl,
    FUNC_TABLE(X)
#undef X
};

static value_t call(eval_ctx_t *c, const expr_t *e, const record_t *r) {
    if (e->func < 0 || e->func >= FN__COUNT || !fn_impl[e->func]) return val_null();
    if (e->func == FN_IF) return f_if(c, e, r, NULL);
    value_t av[64];
    uint32_t n = e->nargs < 64 ? e->nargs : 64;
    for (uint32_t i = 0; i < n; i++) {
        /* A regex argument (replace) is read from the node, not evaluated. */
        av[i] = e->args[i]->kind == EX_REGEX ? val_null() : eval_expr(c, e->args[i], r);
    }
    for (uint32_t i = n; i < 3; i++) av[i] = val_null();
    return fn_impl[e->func](c, e, r, av);
}

/* ---- the evaluator --------------------------------------------------- */

static value_t arith(eval_ctx_t *c, const expr_t *e, const record_t *r) {
    double x, y;
    value_t a = eval_expr(c, e->a, r), b = eval_expr(c, e->b, r);
    if (!val_to_num(a, &x) || !val_to_num(b, &y)) return val_null();
    switch (e->kind) {
    case EX_ADD: return val_num(x + y);
    case EX_SUB: return val_num(x - y);
    case EX_MUL: return val_num(x * y);
    /* Java's doubles: 5/0 is Infinity, 0/0 and 5%0 NaN (isInfinity page). */
    case EX_DIV: return val_num(x / y);
    case EX_MOD: return val_num(fmod(x, y));
    default: return val_null();
    }
}

static bool matches(eval_ctx_t *c, const expr_t *e, const record_t *r) {
    value_t v = eval_expr(c, e->a, r);
    if (v.t == V_NULL) return false;
    pstr_t s = text_of(c, v);
    if (e->b->kind == EX_REGEX) {
        int m = e->b->re ? rx_search(e->b->re, c->rx, s, 0, NULL, 0) : 0;
        if (m < 0) c->rx_limit++;
        return m > 0;
    }
    value_t p = eval_expr(c, e->b, r);
    if (p.t == V_NULL) return false;
    return str_wildmatch(text_of(c, p), s, false);
}

/* See eval.h. */
bool eval_cond(eval_ctx_t *c, const expr_t *e, const record_t *r) {
    switch (e->kind) {
    case EX_AND: return eval_cond(c, e->a, r) && eval_cond(c, e->b, r);
    case EX_OR: return eval_cond(c, e->a, r) || eval_cond(c, e->b, r);
    case EX_NOT: return !eval_cond(c, e->a, r);
    case EX_ALL: return true;
    case EX_KEYWORD: return kw_match(e->kw, r->raw) != e->neg;
    case EX_FIELDWILD: {
        value_t v = rec_get(r, e->field);
        if (v.t == V_NULL) return false;
        return str_wildmatch(e->str, text_of(c, v), true);
    }
    case EX_EQ: case EX_NE: {
        value_t a = eval_expr(c, e->a, r), b = eval_expr(c, e->b, r);
        if (a.t == V_NULL || b.t == V_NULL) return false;
        /* Against a number the other side is cast; a value that is not
         * numeric makes = and != alike false (docs/semantics.md §2). */
        if ((a.t == V_NUM || b.t == V_NUM) && a.t != V_BOOL && b.t != V_BOOL) {
            double x, y;
            if (!val_to_num(a, &x) || !val_to_num(b, &y)) return false;
            return (x == y) == (e->kind == EX_EQ);
        }
        return val_eq(a, b) == (e->kind == EX_EQ);
    }
    case EX_LT: case EX_GT: case EX_LE: case EX_GE: {
        int k = order_cmp(c, eval_expr(c, e->a, r), eval_expr(c, e->b, r));
        if (k == 2) return false;
        switch (e->kind) {
        case EX_LT: return k < 0;
        case EX_GT: return k > 0;
        case EX_LE: return k <= 0;
        default: return k >= 0;
        }
    }
    case EX_IN: {
        value_t v = eval_expr(c, e->a, r);
        if (v.t == V_NULL) return false;
        const expr_t *l = e->b ? e->b : e; /* `in [subquery]`: its values, composed before the run */
        bool hit = false;
        if (l->set) hit = v.t == V_STR && cset_has(l->set, val_pstr(v)); /* strings only: in_eq's answer */
        else
            for (uint32_t i = 0; i < l->nargs && !hit; i++) hit = in_eq(v, eval_expr(c, l->args[i], r));
        return hit != e->neg;
    }
    case EX_SUBQUERY: return e->a && eval_cond(c, e->a, r);
    case EX_MATCHES: return matches(c, e, r) != e->neg;
    case EX_CONTAINS: return contains2(c, eval_expr(c, e->a, r), eval_expr(c, e->b, r));
    default: return val_truthy(eval_expr(c, e, r));
    }
}

/* See eval.h. */
value_t eval_expr(eval_ctx_t *c, const expr_t *e, const record_t *r) {
    switch (e->kind) {
    case EX_NUM: return val_num(e->num);
    case EX_STR: return val_strv(e->str);
    case EX_BOOL: return val_bool(e->num != 0);
    case EX_FIELD: return rec_get(r, e->field);
    case EX_REGEX: return val_strv(e->str);
    case EX_NEG: {
        double d;
        return val_to_num(eval_expr(c, e->a, r), &d) ? val_num(-d) : val_null();
    }
    case EX_ADD: case EX_SUB: case EX_MUL: case EX_DIV: case EX_MOD: return arith(c, e, r);
    case EX_CALL: return call(c, e, r);
    case EX_COND: return eval_cond(c, e->a, r) ? eval_expr(c, e->b, r) : eval_expr(c, e->c, r);
    default: return val_bool(eval_cond(c, e, r));
    }
}

/* ---- substring: literal offsets checked once per query ----------------- */

/* The value of a numeric literal argument (`4`, `-1`), or false. */
static bool literal_num(const expr_t *a, double *v) {
    if (a->kind == EX_NEG && a->a && a->a->kind == EX_NUM) {
        *v = -a->a->num;
        return true;
    }
    if (a->kind != EX_NUM) return false;
    *v = a->num;
    return true;
}

/* The substring page's rules on offsets written as literals: the start a
 * whole number >= 0 (and below the length of a literal text), the end a
 * whole number >= the start. Offsets read from fields are clamped when
 * the query runs (f_substring). */
static bool substring_prepare(expr_t *e, diag_t *d) {
    double st = 0, en;
    bool have_st = e->nargs > 1 && literal_num(e->args[1], &st);
    if (have_st && (st < 0 || st != floor(st))) {
        uint32_t i = diag_add(d, D_ERROR, e->args[1]->sp, NULL,
                              "substring(): the start offset must be a whole number of 0 or more");
        diag_hint(d, i, "offsets count from 0: substring(s, 0, 4) is the first four characters");
        return false;
    }
    if (have_st && e->args[0]->kind == EX_STR && st >= (double)e->args[0]->str.n && e->args[0]->str.n > 0) {
        diag_add(d, D_ERROR, e->args[1]->sp, NULL,
                 "substring(): the start offset %.0f is not less than the length of the text (%zu)", st,
                 e->args[0]->str.n);
        return false;
    }
    if (e->nargs > 2 && literal_num(e->args[2], &en)) {
        if (en < 0 || en != floor(en)) {
            diag_add(d, D_ERROR, e->args[2]->sp, NULL, "substring(): the end offset must be a whole number of 0 or more");
            return false;
        }
        if (have_st && en < st) {
            uint32_t i = diag_add(d, D_ERROR, e->args[2]->sp, NULL,
                                  "substring(): the end offset %.0f is before the start offset %.0f", en, st);
            diag_hint(d, i, "the end is the offset after the last character: substring(s, %.0f, %.0f)", st, st + 1);
            return false;
        }
    }
    return true;
}

/* ---- formatDate, parseDate: resolved once per query -------------------- */

/* See eval.h. A literal zone is looked up now, so records never look it
 * up by name; a zone that needs the tz database when none is installed
 * is an error (a wrong answer would be worse), an unknown one a warning
 * (the function gives null). A literal pattern is checked for letters
 * Java refuses. */
bool eval_prepare_call(expr_t *e, diag_t *d) {
    if (e->kind == EX_CALL && e->func == FN_LOOKUPCONTAINS) return lk_prepare_contains(e, d);
    if (e->kind == EX_CALL && e->func == FN_SUBSTRING && !substring_prepare(e, d)) return false;
    if (e->kind == EX_CALL && !fn_prepare(e, d)) return false;
    if (e->kind != EX_CALL || (e->func != FN_FORMATDATE && e->func != FN_PARSEDATE)) return true;
    const char *fn = func_info[e->func].name;
    char bad;
    if (e->nargs > 1 && e->args[1]->kind == EX_STR && !dt_pattern_ok(e->args[1]->str, &bad)) {
        uint32_t i = bad == '\''
                         ? diag_add(d, D_WARNING, e->args[1]->sp, "date-pattern", "%s(): a quote is left open", fn)
                         : diag_add(d, D_WARNING, e->args[1]->sp, "date-pattern",
                                    "%s(): '%c' is not a date pattern letter here; it is copied as it is", fn, bad);
        diag_hint(d, i, "letters: G y Y M L w W D d F E u a H k K h m s S z Z X (up to XXX); quote text as 'text'");
    }
    if (e->nargs < 3) return true;
    const expr_t *a = e->args[2];
    if (a->kind != EX_STR) {
        if (!dt_tzdb_present())
            diag_add(d, D_WARNING, a->sp, "no-tzdb", "%s(): %s; a named zone in this value gives null", fn,
                     dt_zone_error(DT_ZNODB));
        return true;
    }
    dt_zerr_t err;
    e->zone = dt_zone_get(a->str, &err);
    if (e->zone) return true;
    int n = (int)a->str.n;
    if (err == DT_ZNODB) {
        uint32_t i = diag_add(d, D_ERROR, a->sp, "no-tzdb", "%s(): time zone '%.*s' needs the time zone database", fn,
                              n, a->str.p);
        diag_hint(d, i, "%s, or set TZDIR to a zoneinfo directory", dt_zone_error(err));
        return false;
    }
    uint32_t i = diag_add(d, D_WARNING, a->sp, "unknown-zone", "%s(): %s '%.*s': the result is null", fn,
                          dt_zone_error(err), n, a->str.p);
    diag_hint(d, i, "a tz database name (\"America/New_York\"), UTC, or an offset (\"+05:30\", \"GMT-3\")");
    return true;
}

