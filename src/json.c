/* json.c — a zero-copy JSON scanner (see json.h).
 *
 * Used by the JSON Lines and Sumo readers and the `json` operator. Strings
 * are found with memchr, not a per-byte state machine; containers are
 * walked iteratively with a bit stack, so nesting past 512 is an error,
 * never a stack overflow. Only json_unescape writes, into a caller's arena.
 */
#include "json.h"
#include "json_scan.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define JSON_MAXDEPTH 512

/* See json.h. */
size_t json_ws(const char *s, size_t n, size_t i) { return js_ws(s, n, i); }

/* Index of the quote closing the string whose opening quote is s[i], or n
 * when the text ends first. memchr finds quotes (faster than a byte loop
 * even for short strings, measured); a quote is escaped when an odd run
 * of backslashes precedes it. Runs before different quotes never overlap,
 * so this stays linear. */
static size_t str_end(const char *s, size_t n, size_t i) {
    size_t j = i + 1;
    while (j < n) {
        const char *q = memchr(s + j, '"', n - j);
        if (!q) return n;
        size_t k = (size_t)(q - s), b = k;
        while (s[b - 1] == '\\') b--; /* stops at s[i] == '"' at the latest */
        if (((k - b) & 1) == 0) return k;
        j = k + 1;
    }
    return n;
}

/* Record that the container at offset o of e's document ends before offset x. */
static void ends_put(json_ends_t *e, size_t o, size_t x) {
    if (e->used >= JSON_NENDS / 2) return;
    unsigned h = (unsigned)(o * 2654435761u) & (JSON_NENDS - 1);
    while (e->g[h] == e->gen) h = (h + 1) & (JSON_NENDS - 1);
    e->g[h] = e->gen;
    e->off[h] = (uint32_t)o;
    e->end[h] = (uint32_t)x;
    e->used++;
}

/* Where the container at offset o of e's document ends, 0 when not recorded. */
static size_t ends_get(const json_ends_t *e, size_t o) {
    unsigned h = (unsigned)(o * 2654435761u) & (JSON_NENDS - 1);
    for (; e->g[h] == e->gen; h = (h + 1) & (JSON_NENDS - 1))
        if (e->off[h] == o) return e->end[h];
    return 0;
}

/* json_skip_ex, recording container ends in e when not NULL; *truncated
 * (may be NULL) tells a value cut short by the end of the text, which more
 * input could complete, from one that is malformed. */
static inline size_t skip(const char *s, size_t n, size_t i, bool *truncated, json_ends_t *e) {
    uint64_t stk[JSON_MAXDEPTH / 64]; /* bit set: that level is an object */
    unsigned d = 0;
    bool tr = false;
    size_t j;

    if (truncated) *truncated = false;
value:
    i = js_ws(s, n, i);
    if (i >= n) goto trunc;
    switch (s[i]) {
    case '{':
    case '[': {
        bool obj = s[i] == '{';
        if (d == JSON_MAXDEPTH) return JSON_BAD;
        if (obj) stk[d / 64] |= (uint64_t)1 << (d % 64);
        else stk[d / 64] &= ~((uint64_t)1 << (d % 64));
        if (e) e->open[d] = (uint32_t)i;
        d++;
        i = js_ws(s, n, i + 1);
        if (i >= n) goto trunc;
        if (s[i] == (obj ? '}' : ']')) { i++; d--; if (e) ends_put(e, e->open[d], i); goto after; }
        if (obj) goto key;
        goto value;
    }
    case '"':
        j = str_end(s, n, i);
        if (j >= n) goto trunc;
        i = j + 1;
        goto after;
    case 't': j = js_lit_end(s, n, i, "true", 4, &tr); break;
    case 'f': j = js_lit_end(s, n, i, "false", 5, &tr); break;
    case 'n': j = js_lit_end(s, n, i, "null", 4, &tr); break;
    default: j = js_num_end(s, n, i, &tr); break;
    }
    if (j == JSON_BAD) {
        if (tr) goto trunc;
        return JSON_BAD;
    }
    i = j;
after:
    if (d == 0) return i;
    i = js_ws(s, n, i);
    if (i >= n) goto trunc;
    if (stk[(d - 1) / 64] >> ((d - 1) % 64) & 1) {
        if (s[i] == '}') { i++; d--; if (e) ends_put(e, e->open[d], i); goto after; }
        if (s[i] != ',') return JSON_BAD;
        i = js_ws(s, n, i + 1);
        if (i >= n) goto trunc;
        goto key;
    }
    if (s[i] == ']') { i++; d--; if (e) ends_put(e, e->open[d], i); goto after; }
    if (s[i] != ',') return JSON_BAD;
    i++;
    goto value;
key:
    if (s[i] != '"') return JSON_BAD;
    j = str_end(s, n, i);
    if (j >= n) goto trunc;
    i = js_ws(s, n, j + 1);
    if (i >= n) goto trunc;
    if (s[i] != ':') return JSON_BAD;
    i++;
    goto value;
trunc:
    if (truncated) *truncated = true;
    return JSON_BAD;
}

/* See json.h. */
size_t json_skip_ex(const char *s, size_t n, size_t i, bool *truncated) { return skip(s, n, i, truncated, NULL); }

/* See json.h. */
size_t json_skip_ends(const char *s, size_t n, size_t i, bool *truncated, json_ends_t *e) {
    if (++e->gen == 0) { /* wrapped: every entry's generation is stale */
        memset(e->g, 0, sizeof e->g);
        e->gen = 1;
    }
    e->used = 0;
    e->doc = n <= UINT32_MAX ? s : NULL;
    e->n = n;
    return skip(s, n, i, truncated, e->doc ? e : NULL);
}

/* See json.h. */
size_t json_skip(const char *s, size_t n, size_t i) { return skip(s, n, i, NULL, NULL); }

/* See json.h. Strings by str_end, containers by counting brackets
 * outside strings, numbers and literals to the next delimiter: no
 * grammar is checked, so a byte of a nested value costs a compare. */
size_t json_skip_valid(const char *s, size_t n, size_t i, const json_ends_t *e) {
    i = js_ws(s, n, i);
    if (i >= n) return JSON_BAD;
    char ch = s[i];
    if (ch == '"') {
        size_t j = str_end(s, n, i);
        return j < n ? j + 1 : JSON_BAD;
    }
    if (ch == '{' || ch == '[') {
        if (e && e->doc && s + i >= e->doc && s + i < e->doc + e->n) {
            size_t o = (size_t)(s + i - e->doc), x = ends_get(e, o);
            if (x > o && x - o <= n - i) return i + (x - o);
        }
        size_t d = 0;
        for (size_t j = i; j < n; j++) {
            char x = s[j];
            if (x == '"') {
                j = str_end(s, n, j);
                if (j >= n) return JSON_BAD;
            } else if (x == '{' || x == '[') {
                d++;
            } else if ((x == '}' || x == ']') && --d == 0) {
                return j + 1;
            }
        }
        return JSON_BAD;
    }
    size_t j = i;
    while (j < n && s[j] != ',' && s[j] != '}' && s[j] != ']' && !js_is_ws(s[j])) j++;
    return j > i ? j : JSON_BAD;
}

/* json_member_key's work, inlined into json_iter_next. */
static inline size_t member_key(const char *s, size_t n, size_t i, pstr_t *key, bool *key_esc) {
    if (i >= n || s[i] != '"') return JSON_BAD;
    size_t j = js_str_end(s, n, i, key_esc);
    if (j >= n) return JSON_BAD;
    *key = pstr(s + i + 1, j - i - 1);
    i = js_ws(s, n, j + 1);
    if (i >= n || s[i] != ':') return JSON_BAD;
    i = js_ws(s, n, i + 1);
    return i < n ? i : JSON_BAD;
}

/* See json.h. */
size_t json_member_key(const char *s, size_t n, size_t i, pstr_t *key, bool *key_esc) {
    return member_key(s, n, i, key, key_esc);
}

/* See json.h. */
bool json_iter_begin(json_iter_t *it, const char *s, size_t n, size_t i) {
    it->s = s;
    it->n = n;
    it->i = js_ws(s, n, i);
    it->st = 0;
    it->valid = false;
    it->ends = NULL;
    it->err = it->i >= n || s[it->i] != '{';
    return !it->err;
}

/* See json.h. */
bool json_iter_begin_valid(json_iter_t *it, const char *s, size_t n, size_t i, const json_ends_t *e) {
    bool ok = json_iter_begin(it, s, n, i);
    it->valid = true;
    it->ends = e;
    return ok;
}

/* See json.h. Members are validated as they are passed: a value is
 * returned only once it has been skipped completely. */
bool json_iter_next(json_iter_t *it, pstr_t *key, bool *key_esc, pstr_t *val) {
    const char *s = it->s;
    size_t n = it->n, i = js_ws(s, n, it->i);
    if (it->err || it->st == 2) return false;
    if (i >= n) goto bad;
    if (it->st == 0) {
        i = js_ws(s, n, i + 1); /* past '{' */
        it->st = 1;
        if (i < n && s[i] == '}') { it->i = i + 1; it->st = 2; return false; }
    } else if (s[i] == '}') {
        it->i = i + 1;
        it->st = 2;
        return false;
    } else if (s[i] == ',') {
        i = js_ws(s, n, i + 1);
    } else {
        goto bad;
    }
    i = member_key(s, n, i, key, key_esc);
    if (i == JSON_BAD) goto bad;
    size_t j;
    if (it->valid) {
        j = json_skip_valid(s, n, i, it->ends);
    } else {
        j = js_value_end(s, n, i);
    }
    if (j == JSON_BAD) goto bad;
    *val = pstr(s + i, j - i);
    it->i = j;
    return true;
bad:
    it->err = true;
    return false;
}

/* The 4 hex digits at s[0..4) as a code unit, -1 when they are not hex. */
static long hex4(const char *s) {
    long v = 0;
    for (int k = 0; k < 4; k++) {
        int h = str_hexval(s[k]);
        if (h < 0) return -1;
        v = v * 16 + h;
    }
    return v;
}

static size_t put_utf8(char *o, unsigned long cp) {
    if (cp < 0x80) { o[0] = (char)cp; return 1; }
    if (cp < 0x800) {
        o[0] = (char)(0xC0 | (cp >> 6));
        o[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (char)(0xE0 | (cp >> 12));
        o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (char)(0xF0 | (cp >> 18));
    o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    o[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    o[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* Decode the escaped string body s[0..n) into o (at least n bytes: the
 * decoded text is never longer), s[0..i) known to hold no backslash.
 * Lone surrogates become U+FFFD. Returns the decoded length, JSON_BAD on a
 * malformed escape. */
static size_t unesc_into(const char *s, size_t n, size_t i, char *o) {
    memcpy(o, s, i);
    size_t k = i;
    while (i < n) {
        const char *b = memchr(s + i, '\\', n - i);
        size_t run = b ? (size_t)(b - (s + i)) : n - i;
        memcpy(o + k, s + i, run);
        k += run;
        i += run;
        if (!b) break;
        if (++i >= n) return JSON_BAD;
        char c = s[i++];
        switch (c) {
        case '"': o[k++] = '"'; break;
        case '\\': o[k++] = '\\'; break;
        case '/': o[k++] = '/'; break;
        case 'b': o[k++] = '\b'; break;
        case 'f': o[k++] = '\f'; break;
        case 'n': o[k++] = '\n'; break;
        case 'r': o[k++] = '\r'; break;
        case 't': o[k++] = '\t'; break;
        case 'u': {
            if (n - i < 4) return JSON_BAD;
            long u = hex4(s + i);
            if (u < 0) return JSON_BAD;
            i += 4;
            unsigned long cp = (unsigned long)u;
            if (u >= 0xD800 && u <= 0xDBFF) {
                long lo = (n - i >= 6 && s[i] == '\\' && s[i + 1] == 'u') ? hex4(s + i + 2) : -1;
                if (lo >= 0xDC00 && lo <= 0xDFFF) {
                    cp = 0x10000 + (((unsigned long)u - 0xD800) << 10) + ((unsigned long)lo - 0xDC00);
                    i += 6;
                } else {
                    cp = 0xFFFD;
                }
            } else if (u >= 0xDC00 && u <= 0xDFFF) {
                cp = 0xFFFD;
            }
            k += put_utf8(o + k, cp);
            break;
        }
        default: return JSON_BAD;
        }
    }
    return k;
}

/* See json.h. */
bool json_unescape(pstr_t quoted, arena_t *a, pstr_t *out) {
    if (quoted.n < 2 || quoted.p[0] != '"' || quoted.p[quoted.n - 1] != '"') return false;
    return json_unescape_body(pstr(quoted.p + 1, quoted.n - 2), a, out);
}

/* json_unescape_body for a body whose first backslash is body.p[first]. */
static bool unescape_at(pstr_t body, size_t first, arena_t *a, pstr_t *out) {
    char *o = arena_alloc(a, body.n);
    size_t k = unesc_into(body.p, body.n, first, o);
    if (k == JSON_BAD) return false;
    *out = pstr(o, k);
    return true;
}

/* See json.h. */
bool json_unescape_body(pstr_t body, arena_t *a, pstr_t *out) {
    const char *b = body.n ? memchr(body.p, '\\', body.n) : NULL;
    if (!b) {
        *out = body;
        return true;
    }
    return unescape_at(body, (size_t)(b - body.p), a, out);
}

/* See json.h. A string that fails to decode keeps its raw body (one
 * without a closing quote too). */
value_t json_to_value(pstr_t val, arena_t *a) {
    if (!val.n) return val_null();
    switch (val.p[0]) {
    case '"': {
        if (val.n < 2) return val_strv(val);
        pstr_t body = pstr(val.p + 1, val.n - 2), out;
        const char *b = body.n ? memchr(body.p, '\\', body.n) : NULL;
        if (b && val.p[val.n - 1] == '"' && unescape_at(body, (size_t)(b - body.p), a, &out)) return val_strv(out);
        return val_strv(body);
    }
    case 'n':
        if (val.n == 4 && memcmp(val.p, "null", 4) == 0) return val_null();
        return val_strv(val);
    case '{':
    case '[': return val_strv(val);
    default: { /* a number, true or false: marked so JSON output writes it unquoted */
        value_t v = val_strv(val);
        v.b = VAL_JSONLIT;
        return v;
    }
    }
}

/* ---- json_path ------------------------------------------------------ */

/* Does the raw key text (escaped when esc) equal name? */
static bool key_is(pstr_t key, bool esc, pstr_t name) {
    if (!esc) return pstr_eq(key, name);
    char tmp[1024];
    if (key.n > sizeof tmp) return false;
    size_t k = unesc_into(key.p, key.n, 0, tmp);
    return k != JSON_BAD && pstr_eq(pstr(tmp, k), name);
}

/* The value of member name in the object view obj (the last one when a
 * key repeats). */
static bool path_member(pstr_t obj, pstr_t name, pstr_t *out) {
    json_iter_t it;
    pstr_t k, v;
    bool esc, found = false;
    if (!json_iter_begin(&it, obj.p, obj.n, 0)) return false;
    while (json_iter_next(&it, &k, &esc, &v))
        if (key_is(k, esc, name)) { *out = v; found = true; }
    return found && !it.err;
}

/* Element idx of the array view arr. */
static bool path_index(pstr_t arr, size_t idx, pstr_t *out) {
    const char *s = arr.p;
    size_t n = arr.n, i = js_ws(s, n, 0);
    if (i >= n || s[i] != '[') return false;
    i = js_ws(s, n, i + 1);
    if (i < n && s[i] == ']') return false;
    for (size_t k = 0;; k++) {
        size_t j = json_skip(s, n, i);
        if (j == JSON_BAD) return false;
        if (k == idx) { *out = pstr(s + i, j - i); return true; }
        i = js_ws(s, n, j);
        if (i >= n || s[i] != ',') return false;
        i = js_ws(s, n, i + 1);
    }
}

/* One walk over a path: where values go, or (check) only the grammar. */
typedef struct jwalk {
    json_path_fn fn;
    void *ud;
    bool check;         /* no document: validate the path, mark indef */
    bool indef;         /* check: the path has `[*]` or a filter */
    size_t errpos;      /* check: where the path went wrong */
    const char *expect; /* check: what was expected there */
} jwalk_t;

static bool bad(jwalk_t *w, size_t i, const char *expect) {
    if (w->check && !w->expect) {
        w->errpos = i;
        w->expect = expect;
    }
    return false;
}

static bool walk(jwalk_t *w, pstr_t cur, const char *p, size_t n, size_t i, int depth);

/* A filter's operand: a JSON literal (number, 'text' or "text", true,
 * false, null) at p[i..n). Sets *lit to its text (text without quotes,
 * *str set) and returns the index after it, or 0. */
static size_t filter_literal(const char *p, size_t n, size_t i, pstr_t *lit, bool *str) {
    *str = false;
    if (i < n && (p[i] == '\'' || p[i] == '"')) {
        const char *e = memchr(p + i + 1, p[i], n - i - 1);
        if (!e) return 0;
        *lit = pstr(p + i + 1, (size_t)(e - (p + i + 1)));
        *str = true;
        return (size_t)(e - p) + 1;
    }
    size_t start = i;
    while (i < n && (js_is_digit(p[i]) || p[i] == '-' || p[i] == '+' || p[i] == '.' || p[i] == 'e' || p[i] == 'E' ||
                     (p[i] >= 'a' && p[i] <= 'z')))
        i++;
    *lit = pstr(p + start, i - start);
    if (pstr_eq(*lit, PSTR_LIT("true")) || pstr_eq(*lit, PSTR_LIT("false")) || pstr_eq(*lit, PSTR_LIT("null"))) return i;
    if (!lit->n || !js_is_digit(lit->p[0] == '-' && lit->n > 1 ? lit->p[1] : lit->p[0])) return 0;
    char tmp[64], *end;
    if (lit->n >= sizeof tmp) return 0;
    memcpy(tmp, lit->p, lit->n);
    tmp[lit->n] = 0;
    (void)strtod(tmp, &end);
    return *end ? 0 : i;
}

/* The comparison operators of a filter, longest first. */
static const struct { const char *op; int code; } filter_ops[] = {
    {"==", 0}, {"!=", 1}, {"<=", 2}, {">=", 3}, {"<", 4}, {">", 5},
};

/* filter_one's callback: keep the one value. */
static void keep_view(void *ud, pstr_t v) { *(pstr_t *)ud = v; }

/* Does the value view v satisfy `op lit`? Numbers compare as numbers,
 * texts as texts (== and != only), true/false/null by their token. */
static bool filter_cmp(pstr_t v, int op, pstr_t lit, bool str) {
    v = pstr_trim(v);
    if (str) {
        if (op > 1) return false;
        bool eq = v.n >= 2 && v.p[0] == '"' && pstr_eq(pstr(v.p + 1, v.n - 2), lit);
        return op == 0 ? eq : !eq;
    }
    if (!js_is_digit(lit.p[0]) && lit.p[0] != '-') {
        bool eq = pstr_eq(v, lit);
        return op == 0 ? eq : op == 1 ? !eq : false;
    }
    char a[64], b[64], *ea, *eb;
    if (v.n >= sizeof a || lit.n >= sizeof b || !v.n || v.p[0] == '"') return op == 1;
    memcpy(a, v.p, v.n);
    a[v.n] = 0;
    memcpy(b, lit.p, lit.n);
    b[lit.n] = 0;
    double x = strtod(a, &ea), y = strtod(b, &eb);
    if (*ea) return op == 1;
    switch (op) {
    case 0: return x == y;
    case 1: return x != y;
    case 2: return x <= y;
    case 3: return x >= y;
    case 4: return x < y;
    default: return x > y;
    }
}

/* A filter `?(@path [op literal])` at p[i..n), n just before the ')'.
 * With elem, whether the element passes; in check mode, whether the
 * filter is well formed. */
static bool filter_one(jwalk_t *w, pstr_t elem, const char *p, size_t n, size_t i) {
    while (i < n && js_is_ws(p[i])) i++;
    if (i >= n || p[i] != '@') return bad(w, i, "'@' and the member a filter tests, as in [?(@.isFinal == true)]");
    size_t ps = ++i;
    while (i < n && p[i] != '=' && p[i] != '!' && p[i] != '<' && p[i] != '>' && !js_is_ws(p[i])) {
        if (p[i] == '\'' || p[i] == '"') {
            const char *e = memchr(p + i + 1, p[i], n - i - 1);
            if (!e) return bad(w, i, "the closing quote of a key");
            i = (size_t)(e - p);
        }
        i++;
    }
    size_t pe = i;
    while (i < n && js_is_ws(p[i])) i++;
    int op = -1;
    pstr_t lit = PSTR_NULL;
    bool str = false;
    if (i < n) {
        for (size_t k = 0; k < sizeof filter_ops / sizeof *filter_ops; k++) {
            size_t l = strlen(filter_ops[k].op);
            if (n - i >= l && memcmp(p + i, filter_ops[k].op, l) == 0) {
                op = filter_ops[k].code;
                i += l;
                break;
            }
        }
        if (op < 0) return bad(w, i, "a comparison (== != < <= > >=) in the filter");
        while (i < n && js_is_ws(p[i])) i++;
        size_t e = filter_literal(p, n, i, &lit, &str);
        if (!e) return bad(w, i, "a number, a quoted text, true, false or null in the filter");
        i = e;
        while (i < n && js_is_ws(p[i])) i++;
        if (i != n) return bad(w, i, "')' closing the filter (one comparison; && and || are not supported)");
    }
    /* The member path: `.a.b`, `['a']` or `[0]` from the element. */
    if (pe > ps && p[ps] != '.' && p[ps] != '[') return bad(w, ps, "'.' or '[' after '@'");
    size_t from = ps < pe && p[ps] == '.' ? ps + 1 : ps;
    if (w->check) {
        if (from >= pe) return op >= 0 || pe > ps ? true : bad(w, ps, "the member a filter tests, as in @.isFinal");
        jwalk_t sub = {.check = true};
        if (!walk(&sub, elem, p, pe, from, 8)) return bad(w, sub.errpos, sub.expect);
        if (sub.indef) return bad(w, ps, "a plain member path inside a filter");
        return true;
    }
    if (from >= pe && op < 0) return false; /* `?(@)`: a check error */
    pstr_t v = elem;
    if (from < pe) {
        jwalk_t sub = {.fn = keep_view, .ud = &v};
        if (!walk(&sub, elem, p, pe, from, 8)) return false;
    }
    return op < 0 ? true : filter_cmp(v, op, lit, str);
}

/* Walk path p[i..n) from the value view cur; every value it reaches goes
 * to w->fn (several only through `[*]` and filters, which visit the
 * elements of an array in order). Returns false when the path is
 * malformed or reaches nothing. depth caps the recursion. In check mode
 * there is no document: only the grammar is followed. */
static bool walk(jwalk_t *w, pstr_t cur, const char *p, size_t n, size_t i, int depth) {
    while (i < n) {
        pstr_t next = cur;
        if (p[i] == '[') {
            i++;
            if (i < n && (p[i] == '\'' || p[i] == '"')) {
                char q = p[i++];
                const char *e = memchr(p + i, q, n - i);
                if (!e) return bad(w, i - 1, "the closing quote of the key");
                pstr_t name = pstr(p + i, (size_t)(e - (p + i)));
                i = (size_t)(e - p) + 1;
                if (i >= n || p[i] != ']') return bad(w, i, "']' after the quoted key");
                i++;
                if (!w->check && !path_member(cur, name, &next)) return false;
            } else if ((i + 1 < n && p[i] == '*' && p[i + 1] == ']') || (i + 1 < n && p[i] == '?' && p[i + 1] == '(')) {
                /* [*] or [?(filter)]: the rest of the path from every
                 * (passing) element. */
                size_t fs = 0, fe = 0;
                if (p[i] == '*') {
                    i += 2;
                } else {
                    fs = i + 2;
                    const char *e = NULL;
                    for (size_t k = fs; k + 1 < n; k++)
                        if (p[k] == ')' && p[k + 1] == ']') e = p + k;
                    if (!e) return bad(w, i, "')]' closing the filter");
                    fe = (size_t)(e - p);
                    i = fe + 2;
                }
                if (i < n && p[i] == '.') {
                    i++;
                    if (i >= n) return bad(w, i, "a member name after '.'");
                } else if (i < n && p[i] != '[') {
                    return bad(w, i, "'.' or '[' after ']'");
                }
                if (depth >= 8) return bad(w, i, "at most 8 nested [*] or filters");
                if (w->check) {
                    w->indef = true;
                    if (fs && !filter_one(w, cur, p, fe, fs)) return false;
                    return walk(w, cur, p, n, i, depth + 1);
                }
                bool any = false;
                for (size_t k = 0; path_index(cur, k, &next); k++)
                    if (!fs || filter_one(w, next, p, fe, fs)) any |= walk(w, next, p, n, i, depth + 1);
                return any;
            } else {
                /* An index; negative counts from the end ([-1]: the last). */
                size_t idx = 0, start = i;
                bool neg = i < n && p[i] == '-';
                if (neg) i++;
                size_t ds = i;
                while (i < n && js_is_digit(p[i]) && i - ds < 18) idx = idx * 10 + (size_t)(p[i++] - '0');
                if (i == ds || i >= n || p[i] != ']' || (neg && idx == 0))
                    return bad(w, start, "an array index, '*', a filter ?(...) or a quoted key inside [ ]");
                i++;
                if (!w->check && neg) {
                    size_t len = 0;
                    pstr_t e;
                    while (path_index(cur, len, &e)) len++;
                    if (idx > len) return false;
                    idx = len - idx;
                }
                if (!w->check && !path_index(cur, idx, &next)) return false;
            }
        } else if (p[i] == '*' && (i + 1 == n || p[i + 1] == '.' || p[i + 1] == '[')) {
            /* `.*` (or `]*`): every member of an object or element of an
             * array, then the rest of the path from each (indefinite). */
            i++;
            if (i < n && p[i] == '.') {
                i++;
                if (i >= n) return bad(w, i, "a member name after '.'");
            }
            if (depth >= 8) return bad(w, i, "at most 8 nested [*] or filters");
            if (w->check) {
                w->indef = true;
                return walk(w, cur, p, n, i, depth + 1);
            }
            bool any = false;
            pstr_t t = pstr_trim(cur);
            if (t.n && t.p[0] == '{') {
                json_iter_t it;
                pstr_t k, v;
                bool esc;
                if (!json_iter_begin(&it, t.p, t.n, 0)) return false;
                while (json_iter_next(&it, &k, &esc, &v)) any |= walk(w, v, p, n, i, depth + 1);
            } else {
                for (size_t k = 0; path_index(cur, k, &next); k++) any |= walk(w, next, p, n, i, depth + 1);
            }
            return any;
        } else {
            pstr_t name;
            if (p[i] == '"') {
                const char *e = memchr(p + i + 1, '"', n - i - 1);
                if (!e) return bad(w, i, "the closing quote of the key");
                name = pstr(p + i + 1, (size_t)(e - (p + i + 1)));
                i = (size_t)(e - p) + 1;
            } else {
                size_t start = i;
                while (i < n && p[i] != '.' && p[i] != '[') i++;
                name = pstr(p + start, i - start);
                if (!name.n) return bad(w, start, "a member name");
                if (pstr_ends(name, PSTR_LIT("()"))) /* a function; ['k()'] reaches such a key */
                    return bad(w, start, "a member name; of JSONPath's functions only a final .length() is supported");
            }
            if (!w->check && !path_member(cur, name, &next)) return false;
        }
        cur = next;
        if (i < n && p[i] == '.') {
            i++;
            if (i >= n) return bad(w, i, "a member name after '.'");
        } else if (i < n && p[i] != '[' && !(p[i] == '*' && p[i - 1] == ']')) {
            return bad(w, i, "'.' or '[' between path steps");
        }
    }
    if (!w->check) w->fn(w->ud, cur);
    return true;
}

/* The path without surrounding blanks and, when it is wholly in double
 * quotes, without them; *off is how many bytes were cut from the front. */
static pstr_t path_body_off(pstr_t path, size_t *off) {
    const char *p = path.p;
    size_t n = path.n;
    while (n && js_is_ws(p[0])) { p++; n--; }
    while (n && js_is_ws(p[n - 1])) n--;
    if (n >= 2 && p[0] == '"' && p[n - 1] == '"' && !memchr(p + 1, '"', n - 2)) { p++; n -= 2; }
    *off = (size_t)(p - path.p);
    return pstr(p, n);
}

static pstr_t path_body(pstr_t path) {
    size_t off;
    return path_body_off(path, &off);
}

/* Where the steps start: after a JSONPath root `$` (and its '.'). */
static size_t path_start(pstr_t b) {
    if (!b.n || b.p[0] != '$') return 0;
    if (b.n > 1 && b.p[1] == '.') return 2;
    return 1;
}

/* See json.h. Grammar: ['$' ['.']] step ('.' segment | '[' index ']' |
 * '[*]' | '.*' | ']*' | '[?(' filter ')]' | '[' quoted-key ']')*, where a segment is a
 * bare name up to the next '.' or '[', or a double-quoted name; a path
 * wholly in double quotes is read without them. Keys compare
 * case-sensitively. */
bool json_path_each(pstr_t doc, pstr_t path, json_path_fn fn, void *ud) {
    pstr_t cur = pstr_trim(doc), b = path_body(path);
    if (!cur.n || !b.n) return false;
    jwalk_t w = {.fn = fn, .ud = ud};
    size_t i = path_start(b);
    if (i == 2 && b.n == 2) return false; /* "$." */
    return walk(&w, cur, b.p, b.n, i, 0);
}

/* See json.h. */
bool json_path_check(pstr_t path, size_t *errpos, const char **expect, bool *indef) {
    size_t off;
    pstr_t b = path_body_off(path, &off);
    jwalk_t w = {.check = true};
    size_t i = path_start(b);
    bool ok = b.n > 0 && !(i == 2 && b.n == 2) && walk(&w, PSTR_NULL, b.p, b.n, i, 0);
    if (!ok && !w.expect) {
        w.expect = "a json path such as \"a.b\", \"a[0].c\" or \"['a.b']\"";
        w.errpos = b.n ? i : 0;
    }
    *errpos = off + w.errpos;
    *expect = w.expect;
    *indef = w.indef;
    return ok;
}

/* json_path's callback: keep the one value. */
static void keep_one(void *ud, pstr_t v) { *(pstr_t *)ud = v; }

/* See json.h. */
bool json_path(pstr_t doc, pstr_t path, pstr_t *val) {
    size_t pos;
    const char *why;
    bool indef;
    if (!json_path_check(path, &pos, &why, &indef) || indef) return false;
    return json_path_each(doc, path, keep_one, val);
}

/* See json.h. */
bool json_length(pstr_t val, size_t *len) {
    val = pstr_trim(val);
    if (!val.n) return false;
    if (val.p[0] == '[' || val.p[0] == '{') {
        size_t n = 0;
        if (val.p[0] == '{') {
            json_iter_t it;
            pstr_t k, v;
            bool esc;
            if (!json_iter_begin(&it, val.p, val.n, 0)) return false;
            while (json_iter_next(&it, &k, &esc, &v)) n++;
            if (it.err) return false;
        } else {
            pstr_t e;
            while (path_index(val, n, &e)) n++;
        }
        *len = n;
        return true;
    }
    if (val.p[0] == '"') {
        *len = val.n - 2; /* bytes of the written text */
        return val.n >= 2;
    }
    return false;
}
