/* rdmap.c — the native → schema tables, line framing, timestamps and the
 * JSON walk shared by the CEF, LEEF, OCSF, osquery and auditd readers
 * (see rdmap.h). Sits between those readers and input.c's rd_lookup /
 * rd_time; allocates only from the batch arena.
 */
#include "rdmap.h"

#include <stdlib.h>
#include <string.h>

#include "datetime.h"
#include "json.h"

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

/* dt_parse_java's placer for dates without a year: the syslog clock's. */
static bool place_by_clock(void *ud, unsigned mo, unsigned d, unsigned h, unsigned mi, unsigned s, unsigned ms,
                           int64_t *local_ms) {
    return sl_place(ud, mo, d, h, mi, s, ms, local_ms);
}

/* See rdmap.h. */
bool rm_time_java(pstr_t v, pstr_t pat, sl_clock_t *k, int64_t *ms) {
    dt_java_t o = {.place = k ? place_by_clock : NULL, .ud = k};
    return dt_parse_java(v, pat, &o, ms);
}

/* See rdmap.h. The month-name forms are the ones the CEF specification lists. */
bool rm_time(pstr_t v, sl_clock_t *k, int64_t *ms) {
    static const char *const forms[] = {
        "MMM dd yyyy HH:mm:ss.SSS zzz", "MMM dd yyyy HH:mm:ss.SSS", "MMM dd yyyy HH:mm:ss zzz", "MMM dd yyyy HH:mm:ss",
        "MMM dd HH:mm:ss.SSS zzz",      "MMM dd HH:mm:ss.SSS",      "MMM dd HH:mm:ss zzz",      "MMM dd HH:mm:ss",
    };
    v = pstr_trim(v);
    if (!v.n) return false;
    if (v.p[0] >= '0' && v.p[0] <= '9') return dt_parse(v, ms);
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
