/* read_proxifier.c — Proxifier's connection log: which process opened
 * which connection, through which proxy, and how many bytes it carried.
 *
 * One line an event, `[MM.DD HH:MM:SS] PROCESS[ *64] - HOST:PORT WHAT`,
 * where WHAT is `open through proxy PHOST:PPORT TYPE`, `open directly`,
 * `close, N bytes (…) sent, N bytes (…) received, lifetime T` or `error
 * : MESSAGE`. A connection is logged when it opens and again when it
 * closes (or fails): the two lines are joined into one record, as a
 * connection should count once. An open line waits (its text copied,
 * bounded) for the next close or error of the same process and
 * destination; what never closes is a record of its own at the end of
 * the input, or when too many wait. Proxifier's other lines are records
 * with their time only; lines without its timestamp are skipped.
 */
#include <stdlib.h>
#include <string.h>

#include "reader.h"

#define PX_MAXPEND 256               /* connections waiting for their close */
#define PX_MAXLINE ((size_t)4 << 10) /* bytes of an open line kept */

/* What a line says. */
enum px_kind { PX_NOTE, PX_OPEN, PX_CLOSE, PX_ERROR };

/* One line taken apart (views into it). */
typedef struct px_line {
    int kind;            /* enum px_kind */
    bool has_ms;         /* ms: its time */
    int64_t ms;
    pstr_t proc, bits;   /* the process as logged, its `*64` mark */
    pstr_t host, port;   /* the destination as the process asked for it */
    pstr_t dest;         /* HOST:PORT as logged (the join key with proc) */
    pstr_t route;        /* open: `proxy` or `direct` */
    pstr_t proxy, ptype; /* open through proxy: the proxy and its protocol */
    pstr_t sent, recv;   /* close: bytes */
    pstr_t lifetime;     /* close: how long it was open (`00:41`, `<1 sec`) */
    pstr_t error;        /* error: the message */
} px_line_t;

/* A connection waiting for its close: its open line. */
typedef struct px_pend {
    bool used;
    uint64_t order;      /* arrival order */
    char *buf;           /* the open line (owned, reused) */
    size_t n, cap;
    bool key;            /* the line (as kept) parses: its process and destination are */
    uint32_t po, pn;     /* buf[po..po+pn) */
    uint32_t dof, dn;    /* and buf[dof..dof+dn) (the join key, found once when kept) */
} px_pend_t;

/* Per-input state (heap, owned by the reader). */
typedef struct px {
    rd_base_t b;                  /* schema ids, clock */
    px_pend_t pend[PX_MAXPEND];   /* open connections */
    uint64_t order;               /* opens seen */
    unsigned npend;               /* slots in use */
    uint32_t id[7];               /* native fields: see px_names */
} px_t;

/* Native fields the reader sets by name. ORDER PXF: px_t.id. */
static const char *const px_names[7] = {"event", "route", "proxy", "proxy_type", "lifetime", "error", "bits"};
enum { F_EVENT, F_ROUTE, F_PROXY, F_PTYPE, F_LIFETIME, F_ERROR, F_BITS };

static void *px_open(rd_ctx_t *c) {
    px_t *s = rd_base_alloc(c, sizeof(px_t));
    rd_ids(c, px_names, 7, s->id);
    return s;
}

static void px_close(void *st) {
    px_t *s = st;
    if (!s) return;
    for (unsigned i = 0; i < PX_MAXPEND; i++) free(s->pend[i].buf);
    rd_base_close(s);
}

/* ---- one line ---------------------------------------------------------- */

static bool is_digit(char ch) { return ch >= '0' && ch <= '9'; }

/* `n` digits at s[i]: their value. */
static bool digits(pstr_t s, size_t i, size_t n, unsigned *v) {
    if (i + n > s.n) return false;
    *v = 0;
    for (size_t k = 0; k < n; k++) {
        if (!is_digit(s.p[i + k])) return false;
        *v = *v * 10 + (unsigned)(s.p[i + k] - '0');
    }
    return true;
}

/* Does s start with the text lit (then *rest is what follows)? */
static bool eat(pstr_t s, const char *lit, pstr_t *rest) {
    size_t n = strlen(lit);
    if (s.n < n || memcmp(s.p, lit, n) != 0) return false;
    *rest = pstr(s.p + n, s.n - n);
    return true;
}

/* HOST:PORT (or [IPv6]:PORT) at the start of s, to the next blank. */
static bool host_port(pstr_t s, pstr_t *hp, pstr_t *host, pstr_t *port) {
    const char *sp = memchr(s.p, ' ', s.n);
    size_t e = sp ? (size_t)(sp - s.p) : s.n;
    *hp = pstr(s.p, e);
    const char *colon = NULL;
    for (size_t i = e; i > 0; i--)
        if (s.p[i - 1] == ':') {
            colon = s.p + i - 1;
            break;
        }
    if (!colon || colon == s.p) return false;
    *host = pstr(s.p, (size_t)(colon - s.p));
    *port = pstr(colon + 1, (size_t)(s.p + e - colon - 1));
    if (host->n >= 2 && host->p[0] == '[' && host->p[host->n - 1] == ']') *host = pstr(host->p + 1, host->n - 2);
    return host->n && rd_port_ok(*port);
}

/* A byte count before " bytes": its digits. */
static pstr_t byte_count(pstr_t s, pstr_t *rest) {
    size_t i = 0;
    while (i < s.n && s.p[i] == ' ') i++;
    size_t b = i;
    while (i < s.n && is_digit(s.p[i])) i++;
    pstr_t v = pstr(s.p + b, i - b);
    *rest = pstr(s.p + i, s.n - i);
    return v;
}

/* The text after what (a " sent," / " received," label): from s up to it. */
static bool cut_at(pstr_t s, const char *what, pstr_t *before, pstr_t *after) {
    size_t n = strlen(what);
    for (size_t i = 0; i + n <= s.n; i++)
        if (s.p[i] == what[0] && memcmp(s.p + i, what, n) == 0) {
            *before = pstr(s.p, i);
            *after = pstr(s.p + i + n, s.n - i - n);
            return true;
        }
    return false;
}

/* The connection event after `HOST:PORT `: 1 read, 0 no connection event. */
static int px_event(pstr_t t, px_line_t *l) {
    pstr_t r, a, b;
    if (eat(t, "open through proxy ", &r)) {
        pstr_t h, p;
        l->kind = PX_OPEN;
        l->route = PSTR_LIT("proxy");
        if (!host_port(r, &l->proxy, &h, &p)) l->proxy = PSTR_NULL;
        l->ptype = pstr_trim(pstr(r.p + l->proxy.n, r.n - l->proxy.n));
        return 1;
    }
    if (eat(t, "open directly", &r)) {
        l->kind = PX_OPEN;
        l->route = PSTR_LIT("direct");
        return 1;
    }
    if (eat(t, "close,", &r)) { /* close, N bytes (x KB) sent, N bytes (x KB) received, lifetime T */
        l->kind = PX_CLOSE;
        l->sent = byte_count(r, &r);
        if (cut_at(r, " sent,", &a, &b)) {
            l->recv = byte_count(b, &r);
            if (cut_at(r, " received,", &a, &b) && eat(pstr_trim(b), "lifetime ", &r)) l->lifetime = pstr_trim(r);
        }
        return 1;
    }
    if (eat(t, "error", &r)) {
        l->kind = PX_ERROR;
        r = pstr_trim(r);
        if (r.n && r.p[0] == ':') r = pstr_trim(pstr(r.p + 1, r.n - 1));
        l->error = r;
        return 1;
    }
    return 0;
}

/* Take a line apart: 1 Proxifier's (l filled), 0 another program's, -1 a
 * connection line whose destination cannot be read, -2 one that names no
 * process. */
static int px_parse(pstr_t t, sl_clock_t *k, px_line_t *l) {
    memset(l, 0, sizeof *l);
    unsigned mo, d, h, mi, sec, ms = 0;
    /* [MM.DD HH:MM:SS] (a fraction allowed) */
    if (t.n < 17 || t.p[0] != '[' || !digits(t, 1, 2, &mo) || t.p[3] != '.' || !digits(t, 4, 2, &d) ||
        t.p[6] != ' ' || !digits(t, 7, 2, &h) || t.p[9] != ':' || !digits(t, 10, 2, &mi) || t.p[12] != ':' ||
        !digits(t, 13, 2, &sec))
        return 0;
    size_t i = 15;
    if (i < t.n && t.p[i] == '.') {
        unsigned scale = 100;
        for (i++; i < t.n && is_digit(t.p[i]); i++, scale /= 10) ms += (unsigned)(t.p[i] - '0') * scale;
    }
    if (i >= t.n || t.p[i] != ']') return 0;
    if (k && sl_place(k, mo, d, h, mi, sec, ms, &l->ms)) {
        l->has_ms = true;
        sl_clock_anchor(k, l->ms);
    }
    pstr_t rest = pstr_trim(pstr(t.p + i + 1, t.n - i - 1));
    l->kind = PX_NOTE;
    /* PROCESS[ *64] - HOST:PORT WHAT: the process name may hold " - " */
    for (size_t j = 0; j + 2 <= rest.n; j++) {
        bool lead = j == 0 && rest.p[0] == '-' && rest.p[1] == ' '; /* no process */
        if (!lead) { /* to the next '-' (memchr), then is it " - "? */
            const char *dash = memchr(rest.p + j + 1, '-', rest.n - j - 1);
            if (!dash) break;
            j = (size_t)(dash - rest.p) - 1;
            if (j + 3 > rest.n || rest.p[j] != ' ' || rest.p[j + 2] != ' ') continue;
        }
        size_t at = lead ? 2 : j + 3;
        pstr_t after = pstr(rest.p + at, rest.n - at), hp, host, port;
        const char *sp = memchr(after.p, ' ', after.n);
        if (!sp) continue;
        size_t e = (size_t)(sp - after.p);
        px_line_t tmp = *l;
        if (!px_event(pstr(after.p + e + 1, after.n - e - 1), &tmp)) continue;
        if (!host_port(after, &hp, &host, &port)) return -1;
        *l = tmp;
        l->dest = hp;
        l->host = host;
        l->port = port;
        pstr_t proc = pstr_trim(pstr(rest.p, j));
        size_t star = proc.n;
        while (star > 0 && proc.p[star - 1] != ' ' && proc.p[star - 1] != '*') star--;
        if (star > 1 && proc.p[star - 1] == '*' && proc.p[star - 2] == ' ') { /* `chrome.exe *64` */
            l->bits = pstr(proc.p + star - 1, proc.n - star + 1);
            proc = pstr_trim(pstr(proc.p, star - 2));
        }
        l->proc = lead ? PSTR_NULL : proc;
        return l->proc.n ? 1 : -2;
    }
    return 1; /* Proxifier's own line: its time only */
}

/* ---- records ----------------------------------------------------------- */

/* The record of one line (a note, an open never closed, or a lone close
 * or error) or of an open line and its close or error (o and x). */
static void px_emit(rd_ctx_t *c, px_t *s, const px_line_t *o, const px_line_t *x, record_t *rec) {
    const px_line_t *first = o ? o : x, *last = x ? x : o;
    rd_acc_t a;
    rd_acc_init(&a, &s->b.ids, NULL, RD_ACC_TRIM);
    if (first->has_ms) rd_time(c, first->ms);
    static const char *const what[] = {"note", "open", "closed", "failed"};
    if (first->kind != PX_NOTE) {
        rd_acc_set(&a, SC_PROCESS_NAME, RD_TEXT, first->proc);
        rd_acc_set(&a, SC_DEST_IP, RD_IP, first->host);
        rd_acc_set(&a, SC_DEST_PORT, RD_NUM, first->port);
        rd_acc_set(&a, SC_DIRECTION, RD_TEXT, PSTR_LIT("outbound"));
        rd_acc_set(&a, SC_ACTION, RD_TEXT, pstr_c(what[last->kind]));
        rd_acc_set(&a, SC_BYTES_OUT, RD_NUM, last->sent);
        rd_acc_set(&a, SC_BYTES_IN, RD_NUM, last->recv);
        /* outcome (docs/schema.md §1.2): Proxifier counts the program's
         * own bytes, so a close proves payload or its absence */
        pstr_t out = PSTR_NULL;
        if (last->kind == PX_ERROR) out = PSTR_LIT("failed");
        else if (last->kind == PX_OPEN) out = PSTR_LIT("allowed");
        else if (last->kind == PX_CLOSE) {
            double sent = 0, recv = 0;
            bool ks = str_to_num(last->sent, &sent), kr = str_to_num(last->recv, &recv);
            if ((ks && sent > 0) || (kr && recv > 0)) out = PSTR_LIT("data");
            else if (ks && kr) out = PSTR_LIT("empty");
        }
        if (out.n) rd_acc_set(&a, SC_OUTCOME, RD_TEXT, out);
    }
    pstr_t nat[7] = {pstr_c(what[last->kind]), o ? o->route : PSTR_NULL, o ? o->proxy : PSTR_NULL,
                     o ? o->ptype : PSTR_NULL, last->lifetime, last->error, first->bits};
    for (int k = 0; k < 7; k++)
        if (s->id[k] != FIELD_NONE && nat[k].n) rec_set(rec, s->id[k], val_strv(nat[k]));
    rd_acc_emit(c, &a, rec);
    rd_category(c, first->kind == PX_NOTE ? PSTR_LIT("endpoint/proxifier") : PSTR_LIT("endpoint/proxifier/network"));
}

/* The waiting open line of slot i as the record's first line: copied to
 * the arena (the slot is free again) and parsed. */
static pstr_t take(rd_ctx_t *c, px_t *s, unsigned i, px_line_t *o) {
    px_pend_t *e = &s->pend[i];
    char *t = arena_alloc(c->arena, e->n ? e->n : 1);
    if (e->n) memcpy(t, e->buf, e->n);
    pstr_t line = pstr(t, e->n);
    e->used = false;
    s->npend--;
    px_parse(line, NULL, o);
    return line;
}

/* The oldest waiting open (any destination), -1 when none waits. */
static int oldest(const px_t *s) {
    int best = -1;
    for (unsigned i = 0; i < PX_MAXPEND; i++)
        if (s->pend[i].used && (best < 0 || s->pend[i].order < s->pend[best].order)) best = (int)i;
    return best;
}

/* The oldest waiting open of l's process and destination, -1 when none. */
static int waiting(px_t *s, const px_line_t *l) {
    int best = -1;
    for (unsigned i = 0, seen = 0; i < PX_MAXPEND && seen < s->npend; i++) { /* the used slots, then stop */
        px_pend_t *e = &s->pend[i];
        if (!e->used) continue;
        seen++;
        if (!e->key || (best >= 0 && e->order > s->pend[best].order)) continue;
        if (pstr_eq(pstr(e->buf + e->po, e->pn), l->proc) && pstr_eq(pstr(e->buf + e->dof, e->dn), l->dest))
            best = (int)i;
    }
    return best;
}

/* A waiting open of slot i alone: the connection never closed. It keeps
 * the time it was given when read (the clock has moved on since). */
static void emit_open(rd_ctx_t *c, px_t *s, unsigned i, record_t *rec) {
    px_line_t o;
    int64_t ms = 0;
    memcpy(&ms, s->pend[i].buf + s->pend[i].n, sizeof ms);
    c->text = take(c, s, i, &o);
    o.has_ms = true;
    o.ms = ms;
    px_emit(c, s, &o, NULL, rec);
}

/* Keep open line t (time ms; l: t parsed) until its close: false when
 * every slot is taken. */
static bool keep(px_t *s, pstr_t t, const px_line_t *l, int64_t ms) {
    if (s->npend == PX_MAXPEND) return false;
    unsigned i = 0;
    while (s->pend[i].used) i++;
    px_pend_t *e = &s->pend[i];
    size_t n = t.n < PX_MAXLINE ? t.n : PX_MAXLINE;
    if (n + sizeof ms > e->cap) {
        e->cap = n + sizeof ms;
        e->buf = xrealloc(e->buf, e->cap);
    }
    memcpy(e->buf, t.p, n);
    memcpy(e->buf + n, &ms, sizeof ms); /* its time, after the text */
    e->n = n;
    px_line_t o = *l;
    e->key = n == t.n || px_parse(pstr(e->buf, n), NULL, &o) == 1; /* a cut line as it is kept */
    if (n == t.n) { /* the views of l, moved into buf */
        o.proc = pstr(e->buf + (o.proc.p - t.p), o.proc.n);
        o.dest = pstr(e->buf + (o.dest.p - t.p), o.dest.n);
    }
    if (e->key) {
        e->po = (uint32_t)(o.proc.p - e->buf), e->pn = (uint32_t)o.proc.n;
        e->dof = (uint32_t)(o.dest.p - e->buf), e->dn = (uint32_t)o.dest.n;
    }
    e->used = true;
    e->order = s->order++;
    s->npend++;
    return true;
}

/* One record a call: a connection when its close or error arrives (with
 * its open line), a note line, or at the end the opens never closed. */
static rd_status_t px_next(rd_ctx_t *c, const char *p, size_t n, bool eof, size_t *used, record_t *rec) {
    px_t *s = c->st;
    size_t done = 0;
    for (;;) {
        rd_line_t ln;
        size_t u;
        rd_status_t st = rd_line_next(c, p + done, n - done, eof, 0, NULL, &u, &ln);
        if (st != RD_REC) {
            *used = done + u;
            int i;
            if ((st == RD_END || (st == RD_MORE && eof)) && (i = oldest(s)) >= 0) {
                c->rec_off = done;
                emit_open(c, s, (unsigned)i, rec);
                return RD_REC;
            }
            return st;
        }
        c->rec_off += done;
        px_line_t l;
        int r = px_parse(ln.text, &s->b.clock, &l);
        if (r == 0) {
            *used = done + u;
            return RD_SKIP; /* another program's line */
        }
        if (r < 0) {
            *used = done + u;
            c->reason = r == -1 ? RD_R_ADDR : RD_R_FIELDS;
            return RD_REJECT;
        }
        if (l.kind == PX_OPEN) {
            if (!keep(s, ln.text, &l, l.has_ms ? l.ms : 0)) { /* full: the oldest goes out alone, this line again */
                *used = done;
                emit_open(c, s, (unsigned)oldest(s), rec);
                return RD_REC;
            }
            done += u;
            continue;
        }
        *used = done + u;
        if (l.kind == PX_NOTE) {
            px_emit(c, s, NULL, &l, rec);
            return RD_REC;
        }
        int i = waiting(s, &l);
        if (i < 0) { /* its open was before the log's start */
            px_emit(c, s, NULL, &l, rec);
            return RD_REC;
        }
        int64_t ms = 0;
        memcpy(&ms, s->pend[i].buf + s->pend[i].n, sizeof ms);
        px_line_t o;
        pstr_t first = take(c, s, (unsigned)i, &o);
        o.has_ms = true;
        o.ms = ms;
        char *t = arena_alloc(c->arena, first.n + 1 + ln.text.n);
        memcpy(t, first.p, first.n);
        t[first.n] = '\n';
        memcpy(t + first.n + 1, ln.text.p, ln.text.n);
        c->text = pstr(t, first.n + 1 + ln.text.n);
        px_emit(c, s, &o, &l, rec);
        return RD_REC;
    }
}

/* A line `[MM.DD HH:MM:SS] PROCESS - HOST:PORT` then a connection event. */
static int px_line(const rd_line_t *l) {
    px_line_t x;
    return l->sl.kind == SL_NONE && px_parse(l->text, NULL, &x) == 1 && x.kind != PX_NOTE ? 90 : 0;
}

/* See reader.h. */
const rd_impl_t rd_proxifier = {
    .pub = {"proxifier",
            "Proxifier's connection log ([MM.DD HH:MM:SS] process - host:port open/close/error): a connection's "
            "open and close lines joined into one record",
            "lines `[MM.DD HH:MM:SS] PROCESS - HOST:PORT` followed by open through proxy, open directly, close or "
            "error",
            "_messageTime (the open line's time, yearless: placed by the file's date, local time read as UTC), "
            "process_name, dest_ip (the host as the process named it), dest_port, direction (outbound), bytes_out "
            "(sent), bytes_in (received), action (closed, failed, open: never closed in the log), "
            "_sourceCategory (endpoint/proxifier/network)"},
    .line = px_line,
    .open = px_open,
    .next = px_next,
    .close = px_close,
    .line_sync = true,
};
