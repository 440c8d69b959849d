/* reader_text.c — the reader toolkit for text formats: the line framer
 * (syslog header included), key=value and CSV cutters, escapes, address
 * and port checks, device timestamps (see reader.h).
 *
 * Sits between the input layer, which hands a reader the buffered bytes, and the
 * readers of line formats (JSON lines, firewalls, CEF, LEEF, auditd, Zeek
 * TSV, text). Every view borrows the caller's bytes or the batch arena.
 */
#include "reader.h"

#include <string.h>

#include "datetime.h"
#include "json.h"

static bool is_ws(char ch) { return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n' || ch == '\f' || ch == '\v'; }
static bool is_digit(char ch) { return ch >= '0' && ch <= '9'; }
static bool is_letter(char ch) { return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z'); }

/* ---- lines -------------------------------------------------------------- */

/* A `<PRI>` at the start of v: the rest (v itself when there is none). */
static pstr_t drop_pri(pstr_t v) {
    if (v.n < 3 || v.p[0] != '<') return v;
    size_t i = 1;
    while (i < v.n && i <= 4 && is_digit(v.p[i])) i++;
    if (i == 1 || i >= v.n || v.p[i] != '>') return v;
    return pstr(v.p + i + 1, v.n - i - 1);
}

/* See reader.h. */
void rd_line_parse(rd_line_t *l, pstr_t text, sl_clock_t *k) {
    l->text = text;
    sl_parse(text, k, &l->sl);
    l->body = l->sl.kind == SL_NONE ? drop_pri(text) : l->sl.body;
    /* `[HOST] key=value …`: a host or tag holding '=' is the message's first word */
    pstr_t w = l->sl.host.n && memchr(l->sl.host.p, '=', l->sl.host.n) ? l->sl.host : l->sl.tag;
    if (w.n && memchr(w.p, '=', w.n)) {
        if (w.p == l->sl.host.p) l->sl.host = PSTR_NULL;
        l->body = pstr(w.p, (size_t)(text.p + text.n - w.p));
    }
}

/* The framed line p[a..b) of the bytes p[i..next) (nl: they end in its
 * '\n'), blank lines before it: c's text and line fields, *used, *l. */
static inline rd_status_t frame(rd_ctx_t *c, const char *p, size_t i, size_t a, size_t b, size_t next, bool nl,
                                uint32_t blank, unsigned how, sl_clock_t *k, size_t *used, rd_line_t *l) {
    pstr_t t = pstr(p + a, b - a);
    c->rec_off = i;
    c->text = t;
    *used = next;
    /* the newlines of p[0..next), for the input layer's line numbers */
    c->call.ln_p = p;
    c->call.ln_off = i;
    c->call.ln_used = next;
    c->call.ln_pre = blank;
    c->call.ln_nl = nl;
    if (how & RD_LN_SYSLOG) {
        rd_line_parse(l, t, k);
    } else { /* (from t: a copy of l->body read back would wait on its two stores) */
        l->text = t;
        l->body = t;
        l->sl.kind = SL_NONE;
    }
    return RD_REC;
}

/* See reader.h. */
rd_status_t rd_line_at(rd_ctx_t *c, const char *p, size_t len, size_t *used, rd_line_t *l) {
    size_t b = len;
    while (is_ws(p[b - 1])) b--; /* (p[0] is no blank) */
    return frame(c, p, 0, 0, b, len + 1, true, 0, 0, NULL, used, l);
}

/* See reader.h. */
rd_status_t rd_line_next(rd_ctx_t *c, const char *p, size_t n, bool eof, unsigned how, sl_clock_t *k, size_t *used,
                         rd_line_t *l) {
    size_t i = 0;
    uint32_t blank = 0; /* blank lines stepped over */
    for (;;) {
        *used = i;
        if (i >= n) return eof ? RD_END : RD_MORE;
        /* the line's end: told by the prefilter's scan, else looked for */
        const rd_call_t *cl = &c->call;
        const char *nl = cl->hint_p == p + i && cl->hint_len && cl->hint_len <= n - i ? p + i + cl->hint_len - 1
                                                                                  : memchr(p + i, '\n', n - i);
        if (!nl && !eof) return RD_MORE;
        size_t e = nl ? (size_t)(nl - p) : n, next = nl ? e + 1 : n;
        size_t a = i, b = e;
        while (a < b && is_ws(p[a])) a++;
        if (a == b) { /* a blank line */
            i = next;
            blank++;
            continue;
        }
        if (how & RD_LN_RAW) { /* the line as it is, but for a CR before its newline */
            a = i;
            if (p[b - 1] == '\r') b--;
        } else {
            while (is_ws(p[b - 1])) b--;
        }
        return frame(c, p, i, a, b, next, nl != NULL, blank, how, k, used, l);
    }
}

/* See reader.h. */
rd_status_t rd_line_data(rd_ctx_t *c, const char *p, size_t n, bool eof, unsigned how, size_t *used, rd_line_t *l,
                         rd_hdr_fn hdr, void *ud) {
    size_t i = 0;
    for (;;) {
        size_t u;
        rd_status_t st = rd_line_next(c, p + i, n - i, eof, how, NULL, &u, l);
        *used = i + u;
        if (st != RD_REC) return st;
        if (l->text.p[0] != '#') {
            c->rec_off += i;
            return RD_REC;
        }
        hdr(c, ud, l->text);
        i += u;
    }
}

/* See reader.h. */
rd_status_t rd_line_record(rd_ctx_t *c, const char *p, size_t n, bool eof, size_t *used, record_t *rec,
                           rd_line_fn fn) {
    rd_base_t *b = c->st;
    rd_line_t l;
    rd_status_t st = rd_line_next(c, p, n, eof, RD_LN_SYSLOG, &b->clock, used, &l);
    return st == RD_REC ? fn(c, c->st, &l, rec) : st;
}

/* See reader.h. */
pstr_t rd_json_text(const rd_line_t *l) {
    pstr_t t = l->sl.kind == SL_NONE ? l->text : l->sl.body;
    return t.n && t.p[0] == '{' ? t : PSTR_NULL;
}

/* See reader.h. Blank lines are consumed silently. */
rd_status_t rd_json_line(rd_ctx_t *c, const char *p, size_t n, bool eof, size_t *used, bool syslog, pstr_t *obj) {
    rd_line_t l;
    rd_status_t st = rd_line_next(c, p, n, eof, 0, NULL, used, &l);
    if (st != RD_REC) return st;
    pstr_t line = l.text;
    sl_hdr_t h;
    if (syslog && line.p[0] != '{' && sl_parse(line, NULL, &h)) {
        if (!h.body.n || h.body.p[0] != '{') return RD_SKIP; /* another daemon's syslog line */
        line = h.body;
    }
    if (line.p[0] != '{') {
        c->reason = json_skip(line.p, line.n, 0) == line.n ? RD_R_NOTOBJ : RD_R_JSON;
        return RD_REJECT;
    }
    *obj = line;
    return RD_REC;
}

/* ---- key=value ---------------------------------------------------------- */

/* See reader.h. */
bool rd_kv_next(rd_kv_t *s, rd_tok_t *t, bool *bad) {
    *bad = false;
    for (;;) {
        while (s->i < s->n && is_ws(s->p[s->i])) s->i++;
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
    while (s->i < s->n && !is_ws(s->p[s->i]) && s->p[s->i] != '=') s->i++;
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
    while (s->i < s->n && !is_ws(s->p[s->i])) s->i++;
    t->val = pstr(s->p + vb, s->i - vb);
    return true;
}

/* See reader.h. */
pstr_t rd_unescape(pstr_t v, arena_t *a, const char *from, const char *to) {
    if (!v.n || !memchr(v.p, '\\', v.n)) return v;
    char *o = arena_alloc(a, v.n);
    size_t k = 0;
    for (size_t i = 0; i < v.n; i++) {
        if (v.p[i] != '\\' || i + 1 >= v.n) {
            o[k++] = v.p[i];
            continue;
        }
        const char *f = from ? strchr(from, v.p[i + 1]) : NULL;
        if (!from) {
            o[k++] = v.p[++i];
        } else if (f && *f) {
            o[k++] = to[f - from];
            i++;
        } else {
            o[k++] = v.p[i];
        }
    }
    return pstr(o, k);
}

/* ---- CSV cells ---------------------------------------------------------- */

/* See reader.h. */
long rd_csv_split(pstr_t line, pstr_t *cells, unsigned max, bool *quoted) {
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

/* See reader.h. */
pstr_t rd_csv_dequote(pstr_t in, bool has_dq, arena_t *a) {
    if (!has_dq) return in;
    char *o = arena_alloc(a, in.n ? in.n : 1);
    size_t k = 0;
    for (size_t i = 0; i < in.n; i++) {
        o[k++] = in.p[i];
        if (in.p[i] == '"' && i + 1 < in.n && in.p[i + 1] == '"') i++;
    }
    return pstr(o, k);
}

/* See reader.h. */
pstr_t rd_csv_cell(pstr_t cell, arena_t *a) {
    if (cell.n < 2 || cell.p[0] != '"') return cell;
    const char *e = memchr(cell.p + 1, '"', cell.n - 1);
    size_t last = cell.n - 1;
    while (last > 0 && cell.p[last] != '"') last--;
    pstr_t in = pstr(cell.p + 1, last > 0 ? last - 1 : 0);
    return rd_csv_dequote(in, e && (size_t)(e - cell.p) != last, a);
}

/* ---- fields split at a separator ---------------------------------------- */

/* See reader.h. Separators are found with memchr; one is escaped when an
 * odd run of backslashes precedes it (each backslash escapes the next
 * byte, so the run pairs up from its start). */
size_t rd_split(pstr_t s, char sep, pstr_t *f, size_t max, size_t *rest) {
    size_t k = 0, b = 0, i = 0;
    *rest = s.n;
    while (k < max && i < s.n) {
        const char *q = memchr(s.p + i, sep, s.n - i);
        if (!q) break;
        size_t j = (size_t)(q - s.p), r = j;
        while (r > 0 && s.p[r - 1] == '\\') r--;
        i = j + 1;
        if ((j - r) & 1) continue; /* escaped */
        f[k++] = pstr(s.p + b, j - b);
        b = j + 1;
        if (k == max) *rest = b;
    }
    return k;
}

/* See reader.h. */
void rd_header_cells(rd_ctx_t *c, const char *const *names, const uint8_t *lens, const pstr_t *f, unsigned n,
                     record_t *rec) {
    for (unsigned k = 0; k < n; k++) {
        rd_key_t hk = rd_key(c, k, pstr(names[k], lens[k]), false, NULL);
        if (hk.id == FIELD_NONE && hk.sp == RD_SP_NONE) continue;
        value_t v = val_strv(rd_unescape(f[k], c->arena, "|\\", "|\\"));
        if (hk.id != FIELD_NONE) rec_set(rec, hk.id, v);
        rd_note(c, hk.sp, v);
    }
}

/* See reader.h. */
long rd_marker(pstr_t line, const char *marker, sl_clock_t *k, sl_hdr_t *h) {
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

/* ---- addresses and ports ------------------------------------------------ */

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

/* See reader.h. */
bool rd_ip_ok(pstr_t v) {
    if (v.n >= 2 && v.p[0] == '[' && v.p[v.n - 1] == ']') v = pstr(v.p + 1, v.n - 2);
    if (v.n < 2 || v.n > 64) return false;
    return memchr(v.p, ':', v.n) ? ip6_ok(v) : ip4_ok(v);
}

/* See reader.h. */
bool rd_port_ok(pstr_t v) {
    if (!v.n || v.n > 5) return false;
    unsigned x = 0;
    for (size_t i = 0; i < v.n; i++) {
        if (!is_digit(v.p[i])) return false;
        x = x * 10 + (unsigned)(v.p[i] - '0');
    }
    return x <= 65535;
}

/* See reader.h. */
int rd_count_sign(pstr_t v) {
    pstr_t t = schema_number(v);
    if (!t.n) return -1;
    for (size_t i = 0; i < t.n; i++)
        if (!is_digit(t.p[i])) return -1;
    return t.n == 1 && t.p[0] == '0' ? 0 : 1;
}

/* See reader.h. */
pstr_t rd_verdict(pstr_t text) {
    pstr_t found = PSTR_NULL;
    for (size_t i = 0; i < text.n;) {
        if (text.p[i] == '"') { /* a quoted value (a rule's description) says no verdict */
            const char *q = memchr(text.p + i + 1, '"', text.n - i - 1);
            i = q ? (size_t)(q - text.p) + 1 : text.n;
            continue;
        }
        if (!is_letter(text.p[i])) {
            i++;
            continue;
        }
        size_t b = i;
        while (i < text.n && is_letter(text.p[i])) i++;
        if (i - b < 4) continue; /* the shortest verdict is "drop", "deny", "pass" */
        pstr_t o = schema_outcome(pstr(text.p + b, i - b));
        if (pstr_eq(o, PSTR_LIT("blocked")) || pstr_eq(o, PSTR_LIT("allowed"))) found = o;
    }
    return found;
}

/* ---- timestamps --------------------------------------------------------- */

/* dt_parse_java's placer for dates without a year: the syslog clock's. */
static bool place_by_clock(void *ud, unsigned mo, unsigned d, unsigned h, unsigned mi, unsigned s, unsigned ms,
                           int64_t *local_ms) {
    return sl_place(ud, mo, d, h, mi, s, ms, local_ms);
}

/* See reader.h. */
bool rd_javatime(pstr_t v, pstr_t pat, sl_clock_t *k, int64_t *ms) {
    dt_java_t o = {.place = k ? place_by_clock : NULL, .ud = k};
    return dt_parse_java(v, pat, &o, ms);
}

/* See reader.h. The month-name forms are the ones the CEF specification lists. */
bool rd_devtime(pstr_t v, sl_clock_t *k, int64_t *ms) {
    static const char *const forms[] = {
        "MMM dd yyyy HH:mm:ss.SSS zzz", "MMM dd yyyy HH:mm:ss.SSS", "MMM dd yyyy HH:mm:ss zzz", "MMM dd yyyy HH:mm:ss",
        "MMM dd HH:mm:ss.SSS zzz",      "MMM dd HH:mm:ss.SSS",      "MMM dd HH:mm:ss zzz",      "MMM dd HH:mm:ss",
    };
    v = pstr_trim(v);
    if (!v.n) return false;
    if (v.p[0] >= '0' && v.p[0] <= '9') return dt_parse(v, ms);
    for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++)
        if (rd_javatime(v, pstr_c(forms[i]), k, ms)) return true;
    return false;
}
