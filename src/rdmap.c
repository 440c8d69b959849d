/* rdmap.c — the native → schema tables, line framing, timestamps and the
 * JSON walk shared by the CEF, LEEF, OCSF, osquery and auditd readers
 * (see rdmap.h). Sits between those readers and input.c's rd_lookup /
 * rd_time; allocates only from the batch arena.
 */
#include "rdmap.h"

#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "timeparse.h"

#define RM_MAXDEPTH 16   /* object nesting rm_walk follows */
#define RM_MAXPATH 256   /* longest dotted path */

/* ---- the table ------------------------------------------------------ */

/* See rdmap.h. */
int rm_find(const rm_map_t *t, size_t n, pstr_t key) {
    for (size_t i = 0; i < n; i++)
        if (t[i].name[0] == (key.n ? key.p[0] : 0) && strlen(t[i].name) == key.n &&
            memcmp(t[i].name, key.p, key.n) == 0)
            return (int)i;
    return -1;
}

/* See rdmap.h. */
void rm_acc_init(rm_acc_t *a) { memset(a, 0, sizeof *a); }

/* See rdmap.h. */
void rm_acc_put(rm_acc_t *a, const rm_map_t *m, pstr_t v) {
    v = pstr_trim(v);
    if (!v.n || m->f >= SC_N) return;
    if (a->v[m->f].n && a->rank[m->f] <= m->rank) return;
    a->v[m->f] = v;
    a->conv[m->f] = m->conv;
    a->rank[m->f] = m->rank;
}

/* A small number code to a name: 0-based table lookup, empty when out of range. */
static pstr_t code_name(pstr_t v, const char *const *names, unsigned n) {
    if (v.n != 1 || v.p[0] < '0' || (unsigned)(v.p[0] - '0') >= n || !names[v.p[0] - '0']) return PSTR_NULL;
    return pstr_c(names[v.p[0] - '0']);
}

/* See rdmap.h. */
void rm_acc_emit(rd_ctx_t *c, const sc_ids_t *ids, const rm_acc_t *a, sl_clock_t *k, record_t *rec) {
    static const char *const dir01[] = {"inbound", "outbound"};
    static const char *const dir12[] = {NULL, "inbound", "outbound"};
    static const char *const ocsfact[] = {"Unknown", "Open", "Close", "Reset", "Fail", "Refuse", "Traffic"};
    for (unsigned f = 0; f < SC_N; f++) {
        pstr_t v = a->v[f];
        if (!v.n) continue;
        int64_t ms;
        switch (a->conv[f]) {
        case RM_IP: v = schema_ip(v); break;
        case RM_NUM: v = schema_number(v); break;
        case RM_PROTO: v = schema_protocol(v); break;
        case RM_DIR: v = schema_direction(v); break;
        case RM_DIR01: v = code_name(v, dir01, 2); break;
        case RM_DIR12: v = code_name(v, dir12, 3); break;
        case RM_OCSFACT: v = code_name(v, ocsfact, 7); break;
        case RM_HOST: sc_fill(rec, ids, SC_SOURCEHOST, val_strv(v)); break;
        case RM_TIME:
            if (rm_time(v, k, &ms)) rd_time(c, ms);
            continue;
        default: break;
        }
        if (v.n) sc_set(rec, ids, f, val_strv(v));
    }
}

/* See rdmap.h. */
void rm_native(rd_ctx_t *c, unsigned pos, pstr_t key, value_t v, record_t *rec, bool first) {
    int sp;
    uint32_t id = rd_lookup(c, pos, key, false, &sp);
    if (id != FIELD_NONE && !(first && rec_get(rec, id).t != V_NULL)) rec_set(rec, id, v);
    rd_note(c, sp, v);
}

/* See rdmap.h. */
value_t rm_json_member(rd_ctx_t *c, unsigned pos, pstr_t key, pstr_t val, bool need, record_t *rec) {
    int sp;
    uint32_t id = rd_lookup(c, pos, key, false, &sp);
    if (id == FIELD_NONE && sp == RD_SP_NONE && !need) return val_null();
    value_t v = json_to_value(val, c->arena);
    if (id != FIELD_NONE) rec_set(rec, id, v);
    rd_note(c, sp, v);
    return v;
}

/* ---- lines and escapes ---------------------------------------------- */

static bool is_ws(char ch) { return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n' || ch == '\f' || ch == '\v'; }

/* See rdmap.h. */
rd_status_t rm_line(rd_ctx_t *c, const char *p, size_t n, bool eof, size_t *used, pstr_t *line) {
    size_t i = 0;
    for (;;) {
        *used = i;
        if (i >= n) return eof ? RD_END : RD_MORE;
        const char *nl = memchr(p + i, '\n', n - i);
        if (!nl && !eof) return RD_MORE;
        size_t e = nl ? (size_t)(nl - p) : n, next = nl ? e + 1 : n;
        size_t a = i, b = e;
        while (a < b && is_ws(p[a])) a++;
        while (b > a && is_ws(p[b - 1])) b--;
        if (a == b) {
            i = next;
            continue;
        }
        c->rec_off = i;
        c->text = pstr(p + a, b - a);
        *used = next;
        *line = c->text;
        return RD_REC;
    }
}

/* See rdmap.h. */
pstr_t rm_unescape(pstr_t v, arena_t *a, const char *from, const char *to) {
    if (!v.n || !memchr(v.p, '\\', v.n)) return v;
    char *o = arena_alloc(a, v.n);
    size_t k = 0;
    for (size_t i = 0; i < v.n; i++) {
        const char *f = v.p[i] == '\\' && i + 1 < v.n ? strchr(from, v.p[i + 1]) : NULL;
        if (f && *f) {
            o[k++] = to[f - from];
            i++;
        } else {
            o[k++] = v.p[i];
        }
    }
    return pstr(o, k);
}

/* See rdmap.h. */
void *rm_alloc(rd_ctx_t *c, size_t size) {
    rm_state_t *s = xcalloc(1, size);
    schema_ids(c->ft, &s->ids);
    sl_clock_init(&s->clock, c->ref_ms);
    return s;
}

/* See rdmap.h. */
void *rm_open(rd_ctx_t *c) { return rm_alloc(c, sizeof(rm_state_t)); }

/* See rdmap.h. */
void rm_close(void *st) { free(st); }

/* See rdmap.h. */
void rm_syslog_fill(rd_ctx_t *c, const sc_ids_t *ids, const sl_hdr_t *h, record_t *rec) {
    if (h->host.n) {
        sc_set(rec, ids, SC_SOURCEHOST, val_strv(h->host));
        sc_fill(rec, ids, SC_HOST, val_strv(h->host));
    }
    if (!c->has_time && h->has_time) rd_time(c, h->ms);
}

/* See rdmap.h. */
size_t rm_split(pstr_t s, char sep, pstr_t *f, size_t max, size_t *rest) {
    size_t k = 0, b = 0;
    *rest = s.n;
    for (size_t i = 0; i < s.n && k < max; i++) {
        if (s.p[i] == '\\') {
            i++;
        } else if (s.p[i] == sep) {
            f[k++] = pstr(s.p + b, i - b);
            b = i + 1;
            if (k == max) *rest = b;
        }
    }
    return k;
}

/* See rdmap.h. */
long rm_marker(pstr_t line, const char *marker, sl_clock_t *k, sl_hdr_t *h) {
    pstr_t m = pstr_c(marker);
    const char *q = line.p;
    for (;;) {
        q = str_search(pstr(q, (size_t)(line.p + line.n - q)), m, false);
        if (!q) return -1;
        if (q == line.p || q[-1] == ' ' || q[-1] == ':' || q[-1] == '>') break;
        q++;
    }
    if (q > line.p) sl_parse(pstr(line.p, line.n), k, h);
    else sl_parse(PSTR_NULL, NULL, h);
    return q - line.p;
}

/* ---- timestamps ----------------------------------------------------- */

/* A cursor over a time value. */
typedef struct tcur {
    const char *p;
    size_t n, i;
} tcur_t;

static bool is_digit(char ch) { return ch >= '0' && ch <= '9'; }
static bool is_alpha(char ch) { return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z'); }

/* min..max digits into *v. */
static bool tdigits(tcur_t *t, unsigned min, unsigned max, unsigned *v) {
    unsigned x = 0, k = 0;
    while (k < max && t->i < t->n && is_digit(t->p[t->i])) x = x * 10 + (unsigned)(t->p[t->i++] - '0'), k++;
    *v = x;
    return k >= min;
}

/* Case-insensitive word w at the cursor (moved past it). */
static bool tword(tcur_t *t, const char *w) {
    size_t k = strlen(w);
    if (t->n - t->i < k) return false;
    for (size_t j = 0; j < k; j++)
        if (str_lc(t->p[t->i + j]) != str_lc(w[j])) return false;
    t->i += k;
    return true;
}

/* A month name (three letters, more letters skipped): 1..12, 0 when none. */
static unsigned tmonth(tcur_t *t) {
    static const char names[] = "janfebmaraprmayjunjulaugsepoctnovdec";
    if (t->n - t->i < 3) return 0;
    for (unsigned m = 0; m < 12; m++)
        if (str_lc(t->p[t->i]) == names[3 * m] && str_lc(t->p[t->i + 1]) == names[3 * m + 1] &&
            str_lc(t->p[t->i + 2]) == names[3 * m + 2]) {
            t->i += 3;
            while (t->i < t->n && is_alpha(t->p[t->i])) t->i++;
            return m + 1;
        }
    return 0;
}

/* A zone: Z, UTC or GMT (with an optional offset), or ±hh[[:]mm]; *off in
 * minutes east of UTC. Named zones other than those are refused: their
 * offset is not in the text. */
static bool tzone(tcur_t *t, int *off) {
    *off = 0;
    if (tword(t, "UTC") || tword(t, "GMT") || tword(t, "Z")) {
        if (t->i >= t->n || (t->p[t->i] != '+' && t->p[t->i] != '-')) return true;
    }
    if (t->i >= t->n || (t->p[t->i] != '+' && t->p[t->i] != '-')) return false;
    int sign = t->p[t->i++] == '-' ? -1 : 1;
    unsigned hh, mm = 0;
    if (!tdigits(t, 1, 2, &hh)) return false;
    if (t->i < t->n && t->p[t->i] == ':') t->i++;
    if (t->i < t->n && is_digit(t->p[t->i]) && !tdigits(t, 2, 2, &mm)) return false;
    if (hh > 23 || mm > 59) return false;
    *off = sign * (int)(hh * 60 + mm);
    return true;
}

/* See rdmap.h. A pattern letter repeated is one field; numbers take as
 * many digits as the field has letters when another field follows
 * directly (yyyyMMdd), else up to their natural width. A blank in the
 * pattern matches one or more blanks. */
bool rm_time_java(pstr_t v, pstr_t pat, sl_clock_t *k, int64_t *out) {
    tcur_t t = {v.p, v.n, 0};
    unsigned y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0, ms = 0, x;
    bool has_y = false, pm = false, am = false;
    int off = 0;
    size_t j = 0;
    while (t.i < t.n && t.p[t.i] == ' ') t.i++;
    while (j < pat.n) {
        char pc = pat.p[j];
        if (pc == '\'') { /* a quoted literal; '' is a quote */
            size_t e = j + 1;
            while (e < pat.n && pat.p[e] != '\'') e++;
            if (e == j + 1) {
                if (t.i >= t.n || t.p[t.i] != '\'') return false;
                t.i++;
            } else {
                if (t.n - t.i < e - j - 1 || memcmp(t.p + t.i, pat.p + j + 1, e - j - 1) != 0) return false;
                t.i += e - j - 1;
            }
            j = e + 1;
            continue;
        }
        if (!is_alpha(pc)) {
            if (pc == ' ') {
                if (t.i >= t.n || t.p[t.i] != ' ') return false;
                while (t.i < t.n && t.p[t.i] == ' ') t.i++;
            } else {
                if (t.i >= t.n || t.p[t.i] != pc) return false;
                t.i++;
            }
            j++;
            continue;
        }
        size_t cnt = 1;
        while (j + cnt < pat.n && pat.p[j + cnt] == pc) cnt++;
        j += cnt;
        bool tight = j < pat.n && is_alpha(pat.p[j]); /* another field follows directly */
        unsigned lo = tight ? (unsigned)cnt : 1;
        switch (pc) {
        case 'y':
        case 'u':
            if (cnt == 2) {
                if (!tdigits(&t, 2, 2, &x)) return false;
                y = 2000 + x;
            } else if (!tdigits(&t, tight ? lo : 4, tight ? lo : 4, &y)) {
                return false;
            }
            has_y = true;
            break;
        case 'M':
        case 'L':
            if (cnt >= 3) {
                if (!(mo = tmonth(&t))) return false;
            } else if (!tdigits(&t, lo, 2, &mo)) {
                return false;
            }
            break;
        case 'd':
            if (!tdigits(&t, lo, 2, &d)) return false;
            break;
        case 'H':
        case 'k':
        case 'h':
        case 'K':
            if (!tdigits(&t, lo, 2, &h)) return false;
            if (pc == 'k' && h == 24) h = 0;
            if (pc == 'h' && h == 12) h = 0;
            break;
        case 'm':
            if (!tdigits(&t, lo, 2, &mi)) return false;
            break;
        case 's':
            if (!tdigits(&t, lo, 2, &s)) return false;
            break;
        case 'S': { /* a fraction: its first three digits are milliseconds */
            unsigned nd = 0, scale = 100;
            ms = 0;
            while (t.i < t.n && is_digit(t.p[t.i]) && (!tight || nd < cnt)) {
                if (nd < 3 && cnt >= 3) ms += (unsigned)(t.p[t.i] - '0') * scale, scale /= 10;
                else if (cnt < 3) ms = ms * 10 + (unsigned)(t.p[t.i] - '0');
                nd++;
                t.i++;
            }
            if (!nd) return false;
            break;
        }
        case 'a':
            if (tword(&t, "AM")) am = true;
            else if (tword(&t, "PM")) pm = true;
            else return false;
            break;
        case 'E':
            if (t.i >= t.n || !is_alpha(t.p[t.i])) return false;
            while (t.i < t.n && is_alpha(t.p[t.i])) t.i++;
            break;
        case 'z':
        case 'Z':
        case 'X':
            if (!tzone(&t, &off)) return false;
            break;
        default: return false; /* a field postern does not read */
        }
    }
    while (t.i < t.n && t.p[t.i] == ' ') t.i++;
    if (t.i != t.n) return false;
    if (pm && h < 12) h += 12;
    (void)am;
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60 || ms > 999) return false;
    int64_t base;
    if (has_y) {
        static const unsigned char mdays[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
        bool leap = y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
        if (d > mdays[mo - 1] || (mo == 2 && d == 29 && !leap)) return false;
        base = (time_days_from_civil(y, mo, d) * 86400 + (int64_t)h * 3600 + (int64_t)mi * 60 + s) * 1000 + ms;
    } else if (!k || !sl_place(k, mo, d, h, mi, s, ms, &base)) {
        return false;
    }
    *out = base - (int64_t)off * 60000;
    return true;
}

/* See rdmap.h. The month-name forms are the ones the CEF specification lists. */
bool rm_time(pstr_t v, sl_clock_t *k, int64_t *ms) {
    static const char *const forms[] = {
        "MMM dd yyyy HH:mm:ss.SSS zzz", "MMM dd yyyy HH:mm:ss.SSS", "MMM dd yyyy HH:mm:ss zzz", "MMM dd yyyy HH:mm:ss",
        "MMM dd HH:mm:ss.SSS zzz",      "MMM dd HH:mm:ss.SSS",      "MMM dd HH:mm:ss zzz",      "MMM dd HH:mm:ss",
    };
    v = pstr_trim(v);
    if (!v.n) return false;
    if (is_digit(v.p[0])) return time_parse(v, ms);
    for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++)
        if (rm_time_java(v, pstr_c(forms[i]), k, ms)) return true;
    return false;
}

/* ---- the JSON walk -------------------------------------------------- */

/* The walk's state. */
typedef struct walk {
    rd_ctx_t *c;             /* for the arena */
    rm_leaf_fn fn;           /* called per member */
    void *ud;                /* its argument */
    char path[RM_MAXPATH];   /* the path of the member being visited */
} walk_t;

static bool walk_obj(walk_t *w, pstr_t o, size_t plen, int depth) {
    json_iter_t it;
    pstr_t k, v;
    bool esc;
    if (!json_iter_begin(&it, o.p, o.n, 0)) return false;
    while (json_iter_next(&it, &k, &esc, &v)) {
        pstr_t key = k;
        if (esc && !json_unescape_body(k, w->c->arena, &key)) continue;
        size_t np = plen + (plen ? 1 : 0) + key.n;
        if (np >= RM_MAXPATH) continue;
        if (plen) w->path[plen] = '.';
        if (key.n) memcpy(w->path + np - key.n, key.p, key.n);
        w->fn(w->ud, pstr(w->path, np), key, v);
        if (v.n && v.p[0] == '{' && depth < RM_MAXDEPTH) walk_obj(w, v, np, depth + 1);
    }
    return !it.err;
}

/* See rdmap.h. */
bool rm_walk(rd_ctx_t *c, pstr_t obj, pstr_t prefix, rm_leaf_fn fn, void *ud) {
    walk_t *w = arena_alloc(c->arena, sizeof *w);
    w->c = c;
    w->fn = fn;
    w->ud = ud;
    size_t plen = prefix.n < RM_MAXPATH / 2 ? prefix.n : 0;
    if (plen) memcpy(w->path, prefix.p, plen);
    return walk_obj(w, obj, plen, 0) && json_skip(obj.p, obj.n, 0) == obj.n;
}
