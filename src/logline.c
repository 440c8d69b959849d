/* logline.c — line framing, key=value and CSV cells, address checks and
 * the schema fill shared by the firewall readers (see logline.h).
 *
 * Sits between input.c (which hands a reader the buffered bytes) and the
 * readers read_netfilter.c, read_pflog.c, read_panos.c, read_fortigate.c
 * and read_asa.c: each frames its line here, cuts it with the helper that
 * fits its layout and hands its connection to ll_conn_emit.
 */
#include "logline.h"

#include <string.h>

static bool is_blank(char ch) { return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n' || ch == '\f' || ch == '\v'; }
static bool is_digit(char ch) { return ch >= '0' && ch <= '9'; }

/* A `<PRI>` at the start of v: the rest (v itself when there is none). */
static pstr_t drop_pri(pstr_t v) {
    if (v.n < 3 || v.p[0] != '<') return v;
    size_t i = 1;
    while (i < v.n && i <= 4 && is_digit(v.p[i])) i++;
    if (i == 1 || i >= v.n || v.p[i] != '>') return v;
    return pstr(v.p + i + 1, v.n - i - 1);
}

/* See logline.h. */
rd_status_t ll_line(rd_ctx_t *c, sl_clock_t *k, const char *p, size_t n, bool eof, size_t *used, ll_line_t *l) {
    pstr_t t;
    rd_status_t st = rm_line(c, p, n, eof, used, &t);
    if (st != RD_REC) return st;
    l->text = t;
    sl_parse(t, k, &l->h);
    l->body = l->h.kind == SL_NONE ? drop_pri(t) : l->h.body;
    /* `[HOST] key=value …`: a host or tag holding '=' is the message's first word */
    pstr_t w = l->h.host.n && memchr(l->h.host.p, '=', l->h.host.n) ? l->h.host : l->h.tag;
    if (w.n && memchr(w.p, '=', w.n)) {
        if (w.p == l->h.host.p) l->h.host = PSTR_NULL;
        l->body = pstr(w.p, (size_t)(t.p + t.n - w.p));
    }
    return RD_REC;
}

/* See logline.h. */
rd_status_t ll_next(rd_ctx_t *c, const char *p, size_t n, bool eof, size_t *used, record_t *rec, ll_record_fn fn) {
    ll_base_t *b = c->st;
    ll_line_t l;
    rd_status_t st = ll_line(c, &b->clock, p, n, eof, used, &l);
    return st == RD_REC ? fn(c, c->st, &l, rec) : st;
}

/* ---- key=value ---------------------------------------------------------- */

/* See logline.h. */
bool ll_kv_next(ll_kv_t *s, ll_tok_t *t, bool *bad) {
    *bad = false;
    for (;;) {
        while (s->i < s->n && is_blank(s->p[s->i])) s->i++;
        if (s->i >= s->n) return false;
        if (s->p[s->i] != '[') break;
        int depth = 0; /* a bracketed group: step over it */
        for (; s->i < s->n; s->i++) {
            if (s->p[s->i] == '[') depth++;
            else if (s->p[s->i] == ']' && --depth == 0) break;
        }
        if (s->i < s->n) s->i++;
    }
    size_t b = s->i;
    while (s->i < s->n && !is_blank(s->p[s->i]) && s->p[s->i] != '=') s->i++;
    t->key = pstr(s->p + b, s->i - b);
    t->esc = false;
    if (s->i >= s->n || s->p[s->i] != '=') {
        t->bare = true;
        t->val = PSTR_NULL;
        return true;
    }
    t->bare = false;
    s->i++;
    if (s->i < s->n && s->p[s->i] == '"') {
        size_t vb = ++s->i;
        while (s->i < s->n && s->p[s->i] != '"') {
            if (s->p[s->i] == '\\' && s->i + 1 < s->n) {
                t->esc = true;
                s->i++;
            }
            s->i++;
        }
        if (s->i >= s->n) {
            *bad = true;
            return false;
        }
        t->val = pstr(s->p + vb, s->i - vb);
        s->i++;
        return true;
    }
    size_t vb = s->i;
    while (s->i < s->n && !is_blank(s->p[s->i])) s->i++;
    t->val = pstr(s->p + vb, s->i - vb);
    return true;
}

/* See logline.h. */
pstr_t ll_unescape(pstr_t v, arena_t *a) {
    if (!v.n || !memchr(v.p, '\\', v.n)) return v;
    char *o = arena_alloc(a, v.n);
    size_t k = 0;
    for (size_t i = 0; i < v.n; i++) {
        if (v.p[i] == '\\' && i + 1 < v.n) i++;
        o[k++] = v.p[i];
    }
    return pstr(o, k);
}

/* ---- CSV cells ---------------------------------------------------------- */

/* See logline.h. */
long ll_csv_split(pstr_t line, pstr_t *cells, unsigned max, bool *quoted) {
    long k = 0;
    size_t i = 0;
    *quoted = false;
    for (;;) {
        size_t b = i;
        if (i < line.n && line.p[i] == '"') {
            *quoted = true;
            for (i++;; i++) {
                if (i >= line.n) return -1;
                if (line.p[i] == '"') {
                    if (i + 1 < line.n && line.p[i + 1] == '"') i++;
                    else break;
                }
            }
            i++;
            while (i < line.n && line.p[i] != ',') i++; /* junk after the quote stays in the cell */
        } else {
            const char *q = memchr(line.p + i, ',', line.n - i);
            i = q ? (size_t)(q - line.p) : line.n;
        }
        if ((unsigned long)k < max) cells[k] = pstr(line.p + b, i - b);
        k++;
        if (i >= line.n) return k;
        i++; /* the comma */
    }
}

/* See logline.h. */
pstr_t ll_csv_cell(pstr_t cell, arena_t *a) {
    if (cell.n < 2 || cell.p[0] != '"') return cell;
    const char *e = memchr(cell.p + 1, '"', cell.n - 1);
    size_t last = cell.n - 1;
    while (last > 0 && cell.p[last] != '"') last--;
    pstr_t in = pstr(cell.p + 1, last > 0 ? last - 1 : 0);
    if (!e || (size_t)(e - cell.p) == last) return in;
    char *o = arena_alloc(a, in.n);
    size_t k = 0;
    for (size_t i = 0; i < in.n; i++) {
        o[k++] = in.p[i];
        if (in.p[i] == '"' && i + 1 < in.n && in.p[i + 1] == '"') i++;
    }
    return pstr(o, k);
}

/* ---- addresses ---------------------------------------------------------- */

/* An IPv4 dotted quad is all of v. */
static bool ip4_ok(pstr_t v) {
    size_t i = 0;
    for (int part = 0; part < 4; part++) {
        if (part && (i >= v.n || v.p[i++] != '.')) return false;
        unsigned x = 0, d = 0;
        while (i < v.n && is_digit(v.p[i]) && d < 4) x = x * 10 + (unsigned)(v.p[i++] - '0'), d++;
        if (!d || d > 3 || x > 255) return false;
    }
    return i == v.n;
}

static bool is_hex(char ch) { return is_digit(ch) || (ch >= 'a' && ch <= 'f') || (ch >= 'A' && ch <= 'F'); }

/* An IPv6 address is all of v: at most eight groups of 1-4 hex digits, at
 * most one "::", or six groups and an IPv4 tail; a %zone may follow. */
static bool ip6_ok(pstr_t v) {
    const char *z = memchr(v.p, '%', v.n);
    if (z) {
        if ((size_t)(z - v.p) + 1 >= v.n) return false;
        v.n = (size_t)(z - v.p);
    }
    if (v.n < 2) return false;
    unsigned groups = 0;
    bool gap = false;
    size_t i = 0;
    if (v.p[0] == ':') {
        if (v.p[1] != ':') return false;
        gap = true;
        i = 2;
        if (i == v.n) return true;
    }
    for (;;) {
        size_t b = i;
        while (i < v.n && is_hex(v.p[i]) && i - b < 5) i++;
        if (i < v.n && v.p[i] == '.') { /* an IPv4 tail ends the address */
            if (!ip4_ok(pstr(v.p + b, v.n - b))) return false;
            groups += 2;
            break;
        }
        if (i == b || i - b > 4) return false;
        groups++;
        if (i == v.n) break;
        if (v.p[i] != ':') return false;
        i++;
        if (i < v.n && v.p[i] == ':') {
            if (gap) return false;
            gap = true;
            i++;
            if (i == v.n) break;
        } else if (i == v.n) {
            return false;
        }
    }
    return gap ? groups <= 7 : groups == 8;
}

/* See logline.h. */
bool ll_ip_ok(pstr_t v) {
    if (v.n >= 2 && v.p[0] == '[' && v.p[v.n - 1] == ']') v = pstr(v.p + 1, v.n - 2);
    if (v.n < 2 || v.n > 64) return false;
    return memchr(v.p, ':', v.n) ? ip6_ok(v) : ip4_ok(v);
}

/* See logline.h. */
bool ll_port_ok(pstr_t v) {
    if (!v.n || v.n > 5) return false;
    unsigned x = 0;
    for (size_t i = 0; i < v.n; i++) {
        if (!is_digit(v.p[i])) return false;
        x = x * 10 + (unsigned)(v.p[i] - '0');
    }
    return x <= 65535;
}

/* ---- the schema --------------------------------------------------------- */

/* How an ll_conn_t member becomes a schema value. */
enum ll_norm { LN_TEXT, LN_IP, LN_NUM, LN_PROTO };

/* The members of ll_conn_t, in one table. */
static const struct ll_member {
    size_t off;    /* offsetof(ll_conn_t, member) */
    uint8_t f;     /* enum sc_field */
    uint8_t norm;  /* enum ll_norm */
} ll_members[] = {
    {offsetof(ll_conn_t, src_ip), SC_SRC_IP, LN_IP},         {offsetof(ll_conn_t, src_port), SC_SRC_PORT, LN_NUM},
    {offsetof(ll_conn_t, dest_ip), SC_DEST_IP, LN_IP},       {offsetof(ll_conn_t, dest_port), SC_DEST_PORT, LN_NUM},
    {offsetof(ll_conn_t, protocol), SC_PROTOCOL, LN_PROTO},  {offsetof(ll_conn_t, direction), SC_DIRECTION, LN_TEXT},
    {offsetof(ll_conn_t, bytes_out), SC_BYTES_OUT, LN_NUM},  {offsetof(ll_conn_t, bytes_in), SC_BYTES_IN, LN_NUM},
    {offsetof(ll_conn_t, action), SC_ACTION, LN_TEXT},       {offsetof(ll_conn_t, user), SC_USER, LN_TEXT},
};

/* See logline.h. */
void ll_conn_emit(rd_ctx_t *c, const sc_ids_t *ids, const ll_conn_t *k, const sl_hdr_t *h, pstr_t cat,
                  record_t *rec) {
    for (size_t m = 0; m < sizeof ll_members / sizeof ll_members[0]; m++) {
        pstr_t v = *(const pstr_t *)(const void *)((const char *)k + ll_members[m].off);
        if (!v.n) continue;
        switch (ll_members[m].norm) {
        case LN_IP: v = schema_ip(v); break;
        case LN_NUM: v = schema_number(v); break;
        case LN_PROTO: v = schema_protocol(v); break;
        default: break;
        }
        sc_set(rec, ids, ll_members[m].f, val_strv(v));
    }
    pstr_t host = k->host.n ? k->host : h->host;
    if (host.n) sc_set(rec, ids, SC_HOST, val_strv(host));
    pstr_t shost = h->host.n ? h->host : k->host;
    if (shost.n) sc_set(rec, ids, SC_SOURCEHOST, val_strv(shost));
    if (!c->has_time && h->has_time) rd_time(c, h->ms);
    rd_category(c, cat);
}

/* See logline.h. */
void ll_set(rd_ctx_t *c, unsigned pos, pstr_t key, pstr_t val, record_t *rec) {
    int sp;
    uint32_t id = rd_lookup(c, pos, key, false, &sp);
    if (id != FIELD_NONE) rec_set(rec, id, val_strv(val));
}

/* See logline.h. */
void ll_ids(rd_ctx_t *c, const char *const *names, unsigned n, uint32_t *ids) {
    for (unsigned k = 0; k < n; k++) {
        int sp;
        ids[k] = names[k] ? rd_lookup(c, RD_KCACHE, pstr_c(names[k]), false, &sp) : FIELD_NONE;
    }
}
