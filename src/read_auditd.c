/* read_auditd.c — Linux audit logs (audit.log, audispd or kernel lines in
 * syslog, ausearch -i output), the records of one event joined.
 *
 * Each line is one audit record `[node=N] type=T msg=audit(TIME:SERIAL):
 * key=value …` (also `type=1300 audit(…)` as the kernel prints it, and
 * the interpreted `msg=audit(MM/DD/YYYY HH:MM:SS.mmm:SERIAL) :` of
 * ausearch -i). Records sharing node and serial are one event, kept
 * (their lines copied, bounded) until its EOE record, an ausearch `----`
 * line, a record a few seconds newer, the pending table filling up, or
 * the end of input; then the event is one record whose _raw is its lines.
 * Keys keep their names (the first record that has one wins; the
 * ENRICHED section after 0x1D adds its upper-case names), hex-encoded
 * exe/comm/proctitle are decoded, a hex saddr becomes saddr_fam, laddr,
 * lport as auditd interprets it. Connect syscalls fill the schema.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datetime.h"
#include "reader.h"

#define AU_MAXPEND 64                /* events waiting for their last record */
#define AU_MAXTEXT ((size_t)64 << 10) /* bytes of one event's lines kept */
#define AU_WINDOW_MS 3000            /* an event is complete once a record this much newer arrives */
#define AU_MAXNODE 63                /* longest node name kept */

/* What a record type says about its event. */
enum { AU_ONE, AU_SYS, AU_AUX, AU_EOE };

/* Record types by name and number. ORDER: none (looked up by value). */
static const struct au_type {
    const char *name, *num;
    uint8_t kind;   /* AU_SYS: starts an event that ends at EOE; AU_AUX: one of its records */
    uint8_t nlen;   /* strlen(name); every num has 4 digits */
} au_types[] = {
#define T(name, num, kind) {name, num, kind, sizeof name - 1}
    T("SYSCALL", "1300", AU_SYS),  T("SOCKADDR", "1306", AU_AUX),  T("PROCTITLE", "1327", AU_AUX),
    T("CWD", "1307", AU_AUX),      T("PATH", "1302", AU_AUX),      T("EXECVE", "1309", AU_AUX),
    T("SOCKETCALL", "1304", AU_AUX), T("FD_PAIR", "1317", AU_AUX), T("MMAP", "1323", AU_AUX),
    T("BPRM_FCAPS", "1321", AU_AUX), T("CAPSET", "1322", AU_AUX),  T("IPC", "1303", AU_AUX),
    T("OBJ_PID", "1318", AU_AUX),  T("EOE", "1320", AU_EOE),
#undef T
};

/* The connect syscall's number by audit arch. */
static const struct {
    const char *arch, *nr;
} au_connect[] = {
    {"c000003e", "42"},  /* x86_64 */
    {"c00000b7", "203"}, /* aarch64 */
    {"c00000f3", "203"}, /* riscv64 */
    {"40000028", "283"}, /* arm */
    {"c0000015", "328"}, /* ppc64le */
    {"40000003", "362"}, /* i386 (direct connect, not socketcall) */
};

/* Is k one of the keys whose raw values auditd hex-encodes when they hold
 * blanks or other special bytes (an unquoted value is hex): exe, comm,
 * proctitle, cwd, name, cmd, acct? */
static bool au_hexkey(pstr_t k) {
    switch (k.n) {
    case 3: return memcmp(k.p, "exe", 3) == 0 || memcmp(k.p, "cwd", 3) == 0 || memcmp(k.p, "cmd", 3) == 0;
    case 4: return memcmp(k.p, "comm", 4) == 0 || memcmp(k.p, "name", 4) == 0 || memcmp(k.p, "acct", 4) == 0;
    case 9: return memcmp(k.p, "proctitle", 9) == 0;
    default: return false;
    }
}

/* One event waiting for its last record. */
typedef struct au_ev {
    bool used;                 /* the slot holds an event */
    bool done;                 /* complete: in the ready queue */
    bool wait_eoe;             /* a syscall event: ends at EOE (or the time window) */
    uint64_t serial;           /* msg=audit(…:serial) */
    char node[AU_MAXNODE + 1]; /* node= (serials are per node) */
    int64_t ms;                /* its time */
    uint64_t order;            /* arrival order of its first record */
    char *buf;                 /* its lines, each ending in '\n' (owned, reused) */
    size_t n, cap;
} au_ev_t;

/* Per-input state (heap, owned by the reader). */
typedef struct au {
    rd_base_t b;               /* schema ids, clock (years for syslog dates) */
    au_ev_t ev[AU_MAXPEND];    /* pending events */
    uint64_t order;            /* events started */
    int ready[AU_MAXPEND];     /* complete events, oldest first */
    unsigned nready;
} au_t;

static void *au_open(rd_ctx_t *c) { return rd_base_alloc(c, sizeof(au_t)); }

static void au_close(void *st) {
    au_t *s = st;
    if (!s) return;
    for (int i = 0; i < AU_MAXPEND; i++) free(s->ev[i].buf);
    free(s);
}

/* ---- one record's header ------------------------------------------- */

/* The parts of a record line that place it in its event. */
typedef struct au_hdr {
    pstr_t rec;       /* from node= or type= to the end */
    pstr_t node;      /* node= value, empty when none */
    pstr_t type;      /* type= value */
    pstr_t time;      /* inside audit(…): the time text */
    int64_t ms;       /* that time (epoch ms UTC), when read with timed */
    uint64_t serial;
    pstr_t rest;      /* after the audit(…) part */
    pstr_t host;      /* the syslog header's host */
} au_hdr_t;

/* The time of a raw record, "1717200001.342" (10 digits of epoch seconds,
 * 3 decimals), as epoch ms: dt_parse's answer for it, without its general
 * parse. False for any other text (ausearch -i's dates, say). */
static bool au_epoch_ms(pstr_t t, int64_t *ms) {
    if (t.n != 14 || t.p[10] != '.') return false;
    int64_t v = 0;
    for (size_t i = 0; i < t.n; i++) {
        if (i == t.n - 4) continue;
        if (t.p[i] < '0' || t.p[i] > '9') return false;
        v = v * 10 + (t.p[i] - '0');
    }
    *ms = v;
    return true;
}

/* Find the record in line (after any syslog header) and read its header;
 * with timed, its time too (into h->ms; a time that does not parse is
 * malformed), else the line is one read before. Returns 0 when the line
 * holds no audit record, -1 when it is malformed, 1 when *h is filled. */
static int au_header(pstr_t line, sl_clock_t *k, au_hdr_t *h, bool timed) {
    memset(h, 0, sizeof *h);
    pstr_t body = line;
    if (!(line.n > 5 && (memcmp(line.p, "type=", 5) == 0 || memcmp(line.p, "node=", 5) == 0))) {
        sl_hdr_t sl;
        sl_parse(line, k, &sl);
        body = sl.body;
        h->host = sl.host;
    }
    const char *t, *a = NULL;
    if (body.n > 5 && memcmp(body.p, "type=", 5) == 0) { /* as auditd writes it: type=T msg=audit( */
        t = body.p;
        const char *sp = memchr(t, ' ', body.n);
        if (sp && (size_t)(body.p + body.n - sp) > 11 && memcmp(sp, " msg=audit(", 11) == 0) a = sp + 5;
    } else {
        t = str_search(body, PSTR_LIT("type="), false);
        if (!t || (t > body.p && t[-1] != ' ')) return 0;
    }
    if (!a) a = str_search(pstr(t, (size_t)(body.p + body.n - t)), PSTR_LIT("audit("), false);
    if (!a) return 0;
    h->rec = pstr(t, (size_t)(body.p + body.n - t));
    if (t - body.p >= 6 && memcmp(t - 1, " ", 1) == 0) { /* node=N before type= */
        const char *nd = str_search(pstr(body.p, (size_t)(t - body.p)), PSTR_LIT("node="), false);
        if (nd) {
            h->rec = pstr(nd, (size_t)(body.p + body.n - nd));
            h->node = pstr(nd + 5, (size_t)(t - 1 - (nd + 5)));
        }
    }
    const char *te = t + 5;
    while (te < a && *te != ' ') te++;
    h->type = pstr(t + 5, (size_t)(te - t - 5));
    const char *end = body.p + body.n, *cp = memchr(a, ')', (size_t)(end - a));
    if (!h->type.n || !cp) return -1;
    pstr_t in = pstr(a + 6, (size_t)(cp - a - 6));
    const char *colon = NULL;
    for (const char *q = in.p; q < in.p + in.n; q++)
        if (*q == ':') colon = q;
    if (!colon || colon == in.p || colon + 1 == in.p + in.n) return -1;
    h->time = pstr(in.p, (size_t)(colon - in.p));
    uint64_t sn = 0;
    for (const char *q = colon + 1; q < in.p + in.n; q++) {
        if (*q < '0' || *q > '9' || sn > UINT64_MAX / 16) return -1;
        sn = sn * 10 + (uint64_t)(*q - '0');
    }
    h->serial = sn;
    if (timed && !au_epoch_ms(h->time, &h->ms) && !dt_parse(h->time, &h->ms)) return -1;
    h->rest = pstr(cp + 1, (size_t)(end - cp - 1));
    return 1;
}

static const struct au_type *au_type_of(pstr_t t) {
    for (size_t i = 0; i < sizeof au_types / sizeof au_types[0]; i++) {
        const struct au_type *y = &au_types[i];
        if ((t.n == y->nlen && memcmp(t.p, y->name, t.n) == 0) || (t.n == 4 && memcmp(t.p, y->num, 4) == 0)) return y;
    }
    return NULL;
}

/* ---- pending events ------------------------------------------------- */

static void au_ready(au_t *s, int i) {
    if (s->ev[i].done) return;
    s->ev[i].done = true;
    s->ready[s->nready++] = i;
}

/* The slot of the event (node, serial), -1 when it is not pending. */
static int au_find(const au_t *s, pstr_t node, uint64_t serial) {
    for (int i = 0; i < AU_MAXPEND; i++) {
        const au_ev_t *e = &s->ev[i];
        if (e->used && !e->done && e->serial == serial && pstr_eq(pstr_c(e->node), node.n > AU_MAXNODE ? pstr(node.p, AU_MAXNODE) : node))
            return i;
    }
    return -1;
}

/* A free slot, -1 when all are taken. */
static int au_free_slot(const au_t *s) {
    for (int i = 0; i < AU_MAXPEND; i++)
        if (!s->ev[i].used) return i;
    return -1;
}

/* The oldest event not yet complete, -1 when none. */
static int au_oldest(const au_t *s) {
    int best = -1;
    for (int i = 0; i < AU_MAXPEND; i++)
        if (s->ev[i].used && !s->ev[i].done && (best < 0 || s->ev[i].order < s->ev[best].order)) best = i;
    return best;
}

static void au_append(au_ev_t *e, pstr_t line) {
    size_t k = line.n + 1 <= AU_MAXTEXT - e->n ? line.n : AU_MAXTEXT - e->n > 1 ? AU_MAXTEXT - e->n - 1 : 0;
    if (!k) return;
    if (e->n + k + 1 > e->cap) {
        e->cap = e->n + k + 1 > 2 * e->cap ? e->n + k + 1 : 2 * e->cap;
        e->buf = xrealloc(e->buf, e->cap);
    }
    memcpy(e->buf + e->n, line.p, k);
    e->n += k;
    e->buf[e->n++] = '\n';
}

/* ---- an event into a record ------------------------------------------ */

/* Values of the event the reader decides by, as own slots of the
 * accumulator (RD_OWN + k). */
enum { AV_ARCH, AV_SYSCALL, AV_SUCCESS, AV_EXIT, AV_SADDR, AV_FAM, AV_LADDR, AV_LPORT, AV_SYSCALL_TEXT };
#define AV(k) (RD_OWN + (k))

/* Native names the schema and the reader read (the first record holding
 * a key wins); the ENRICHED `UID` ranks before the raw `uid`. */
static const rd_map_t au_map[] = {
    RD_MAP("exe", SC_PROCESS_NAME, RD_TEXT, 0), RD_MAP("comm", SC_PROCESS_NAME, RD_TEXT, 1),
    RD_MAP("pid", SC_PID, RD_NUM, 0),           RD_MAP("UID", SC_USER, RD_TEXT, 0),
    RD_MAP("uid", SC_USER, RD_TEXT, 1),         RD_MAP("arch", AV(AV_ARCH), RD_TEXT, 0),
    RD_MAP("syscall", AV(AV_SYSCALL), RD_TEXT, 0), RD_MAP("success", AV(AV_SUCCESS), RD_TEXT, 0),
    RD_MAP("exit", AV(AV_EXIT), RD_TEXT, 0),    RD_MAP("saddr", AV(AV_SADDR), RD_TEXT, 0),
    RD_MAP("saddr_fam", AV(AV_FAM), RD_TEXT, 0), RD_MAP("laddr", AV(AV_LADDR), RD_TEXT, 0),
    RD_MAP("lport", AV(AV_LPORT), RD_TEXT, 0),  RD_MAP("SYSCALL", AV(AV_SYSCALL_TEXT), RD_TEXT, 0),
};
static const rd_maptab_t au_tab = RD_MAPTAB(au_map, RD_EXACT);

/* The event being turned into a record. */
typedef struct au_out {
    rd_ctx_t *c;              /* the reader context */
    record_t *rec;            /* the record being filled */
    unsigned pos;             /* key-cache position */
    bool interp;              /* ausearch -i text: values are interpreted, never hex */
    rd_acc_t acc;             /* the values the schema and the reader read (first wins) */
} au_out_t;

/* Decode hex text v into out (cap bytes); the byte count, -1 when v is not hex. */
static long unhex(pstr_t v, unsigned char *out, size_t cap) {
    /* A hex digit's value + 1, 0 for any other byte. */
    static const uint8_t hexv[256] = {
        ['0'] = 1, ['1'] = 2, ['2'] = 3, ['3'] = 4, ['4'] = 5, ['5'] = 6, ['6'] = 7, ['7'] = 8,
        ['8'] = 9, ['9'] = 10, ['a'] = 11, ['b'] = 12, ['c'] = 13, ['d'] = 14, ['e'] = 15, ['f'] = 16,
        ['A'] = 11, ['B'] = 12, ['C'] = 13, ['D'] = 14, ['E'] = 15, ['F'] = 16,
    };
    if (!v.n || v.n % 2 || v.n / 2 > cap) return -1;
    unsigned bad = 0;
    for (size_t i = 0; i < v.n; i += 2) {
        unsigned hi = hexv[(unsigned char)v.p[i]], lo = hexv[(unsigned char)v.p[i + 1]];
        bad |= (hi == 0) | (lo == 0);
        out[i / 2] = (unsigned char)((hi - 1) << 4 | (lo - 1));
    }
    return bad ? -1 : (long)(v.n / 2);
}

/* A hex-encoded value decoded into the arena (NUL bytes, the argument
 * separators of proctitle, become blanks); v itself when it is not hex. */
static pstr_t au_hexdecode(arena_t *a, pstr_t v) {
    if (v.n < 2 || v.n % 2 || pstr_eq(v, PSTR_LIT("(null)"))) return v;
    unsigned char *o = arena_alloc(a, v.n / 2); /* (one pass: a value that is not hex wastes it) */
    long got = unhex(v, o, v.n / 2);
    if (got < 0) return v;
    size_t n = (size_t)got;
    while (n && !o[n - 1]) n--;
    for (size_t i = 0; i < n; i++)
        if (!o[i]) o[i] = ' ';
    return pstr((const char *)o, n);
}

static void au_set(au_out_t *o, pstr_t k, pstr_t v);

/* Bytes that end a token: 1 a blank or the enrichment separator 0x1d
 * (end a value or a bare word), 2 '=' (ends a key too). */
static const uint8_t au_stop[256] = {[' '] = 1, ['\x1d'] = 1, ['='] = 2};

/* The key=value tokens of s (a record's text after audit(…), an enriched
 * section, the inside of a {…} or '…' value). */
static void au_pairs(au_out_t *o, pstr_t s, int depth) {
    size_t i = 0;
    bool enriched = false;
    while (i < s.n) {
        while (i < s.n && (s.p[i] == ' ' || s.p[i] == '\x1d' || s.p[i] == ':')) {
            if (s.p[i] == '\x1d') enriched = true;
            i++;
        }
        size_t kb = i;
        while (i < s.n && !au_stop[(unsigned char)s.p[i]]) i++;
        if (i >= s.n || s.p[i] != '=') continue; /* a bare word */
        if (i == kb) { /* "=…" without a key */
            i++;
            continue;
        }
        pstr_t k = pstr(s.p + kb, i - kb);
        size_t vb = ++i;
        char q = vb < s.n ? s.p[vb] : 0;
        pstr_t v;
        if (q == '"' || q == '\'') {
            const char *e = memchr(s.p + vb + 1, q, s.n - vb - 1);
            size_t ve = e ? (size_t)(e - s.p) : s.n;
            v = pstr(s.p + vb + 1, ve - vb - 1);
            i = e ? ve + 1 : s.n;
        } else if (q == '{') {
            int d = 0;
            while (i < s.n && !(s.p[i] == '}' && --d == 0)) d += s.p[i++] == '{';
            v = pstr(s.p + vb, (i < s.n ? i + 1 : s.n) - vb);
            if (i < s.n) i++;
        } else if (o->interp && pstr_eq(k, PSTR_LIT("proctitle"))) { /* ausearch -i: the command line, blanks and all */
            i = s.n;
            v = pstr(s.p + vb, i - vb);
        } else {
            while (i < s.n && !(au_stop[(unsigned char)s.p[i]] & 1)) i++;
            v = pstr(s.p + vb, i - vb);
            if (!enriched && !o->interp && au_hexkey(k)) v = au_hexdecode(o->c->arena, v);
        }
        au_set(o, k, v);
        if (depth < 2 && (q == '{' || q == '\'')) /* SADDR={ saddr_fam=inet laddr=… }, msg='op=… res=…' */
            au_pairs(o, q == '{' ? pstr(v.p + 1, v.n > 2 ? v.n - 2 : 0) : v, depth + 1);
    }
}

/* One key=value of the event: natively (the first one wins) and for the mapping. */
static void au_set(au_out_t *o, pstr_t k, pstr_t v) {
    rd_key_t key = rd_key(o->c, o->pos++, k, false, &au_tab); /* field and map entry, cached */
    if (key.id != FIELD_NONE && rec_get(o->rec, key.id).t == V_NULL) rec_set(o->rec, key.id, val_strv(v));
    rd_note(o->c, key.sp, val_strv(v));
    if (key.m) rd_acc_put(&o->acc, key.m, v);
}

/* A hex saddr as auditd interprets it: saddr_fam, laddr, lport. */
static void au_saddr(au_out_t *o, pstr_t hex) {
    unsigned char b[128];
    long n = unhex(hex, b, sizeof b);
    if (n < 2) return;
    unsigned fam = b[0] | (unsigned)b[1] << 8; /* host byte order: little-endian machines */
    char txt[INET6_ADDRSTRLEN];
    const char *fname = NULL;
    if (fam == 2 && n >= 8) {
        /* (inet_ntop's text, without its sprintf) */
        char *t = txt;
        for (int k = 0; k < 4; k++) {
            unsigned x = b[4 + k];
            if (k) *t++ = '.';
            if (x >= 100) *t++ = (char)('0' + x / 100);
            if (x >= 10) *t++ = (char)('0' + x / 10 % 10);
            *t++ = (char)('0' + x % 10);
        }
        *t = 0;
        fname = "inet";
    } else if (fam == 10 && n >= 24 && inet_ntop(AF_INET6, b + 8, txt, sizeof txt)) fname = "inet6";
    else if (fam == 1) fname = "local";
    if (!fname) return;
    au_set(o, PSTR_LIT("saddr_fam"), pstr_c(fname));
    if (fam == 1) return;
    size_t tl = strlen(txt);
    char *ip = arena_strndup(o->c->arena, txt, tl);
    char *port = arena_alloc(o->c->arena, 8), digits[8];
    size_t pl = 0, nd = 0;
    unsigned pn = (unsigned)b[2] << 8 | b[3];
    do digits[nd++] = (char)('0' + pn % 10); while ((pn /= 10) != 0);
    while (nd) port[pl++] = digits[--nd];
    au_set(o, PSTR_LIT("laddr"), pstr(ip, tl));
    au_set(o, PSTR_LIT("lport"), pstr(port, pl));
}

/* True when the event is a connect syscall. */
static bool au_is_connect(const au_out_t *o) {
    pstr_t sc = rd_acc_get(&o->acc, AV(AV_SYSCALL));
    if (pstr_eq(sc, PSTR_LIT("connect")) || pstr_eq(rd_acc_get(&o->acc, AV(AV_SYSCALL_TEXT)), PSTR_LIT("connect")))
        return true;
    for (size_t i = 0; i < sizeof au_connect / sizeof au_connect[0]; i++)
        if (pstr_ieq_c(rd_acc_get(&o->acc, AV(AV_ARCH)), au_connect[i].arch) && pstr_eq(sc, pstr_c(au_connect[i].nr)))
            return true;
    return false;
}

/* The schema of the event, from the values o->acc collected. */
static void au_schema(rd_ctx_t *c, au_out_t *o, pstr_t type, pstr_t node, pstr_t host, record_t *rec) {
    rd_acc_t *acc = &o->acc;
    bool conn = au_is_connect(o);
    pstr_t fam = rd_acc_get(acc, AV(AV_FAM));
    bool inet = pstr_eq(fam, PSTR_LIT("inet")) || pstr_eq(fam, PSTR_LIT("inet6"));
    if (conn && inet) {
        rd_acc_set(acc, SC_DEST_IP, RD_IP, rd_acc_get(acc, AV(AV_LADDR)));
        rd_acc_set(acc, SC_DEST_PORT, RD_NUM, rd_acc_get(acc, AV(AV_LPORT)));
        rd_acc_set(acc, SC_DIRECTION, RD_TEXT, PSTR_LIT("outbound"));
    }
    static const rd_map_t hosts[] = {RD_MAP("node", SC_HOST, RD_HOST, 0), RD_MAP("host", SC_HOST, RD_HOST, 1)};
    rd_acc_put(acc, &hosts[0], node);
    rd_acc_put(acc, &hosts[1], host);
    rd_acc_set(acc, SC_EVENT_ID, RD_TEXT, type);
    pstr_t ok = rd_acc_get(acc, AV(AV_SUCCESS)), ex = rd_acc_get(acc, AV(AV_EXIT));
    bool pending = pstr_eq(ex, PSTR_LIT("-115")) || pstr_contains(ex, PSTR_LIT("EINPROGRESS"));
    if (ok.n) { /* a non-blocking connect returns EINPROGRESS: a real attempt */
        bool yes = pstr_eq(ok, PSTR_LIT("yes"));
        rd_acc_set(acc, SC_ACTION, RD_TEXT,
                   yes ? PSTR_LIT("succeeded") : pending ? PSTR_LIT("in_progress") : PSTR_LIT("failed"));
        if (conn) rd_acc_set(acc, SC_OUTCOME, RD_TEXT, yes || pending ? PSTR_LIT("allowed") : PSTR_LIT("failed"));
    }
    if (host.n) rd_acc_set(acc, SC_SOURCEHOST, RD_TEXT, host);
    rd_acc_emit(c, acc, rec);
    rd_category(c, conn && inet ? PSTR_LIT("endpoint/linux/auditd/network") : PSTR_LIT("endpoint/linux/auditd"));
}

/* Emit event slot i into rec: its lines (copied to the arena: the slot is
 * free again) are parsed record by record. */
static void au_emit(rd_ctx_t *c, au_t *s, int i, record_t *rec) {
    au_ev_t *e = &s->ev[i];
    char *text = arena_alloc(c->arena, e->n ? e->n : 1);
    if (e->n) memcpy(text, e->buf, e->n);
    size_t n = e->n;
    int64_t ms = e->ms;
    e->used = e->done = false;
    e->n = 0;
    while (n && text[n - 1] == '\n') n--;
    c->text = pstr(text, n);
    au_out_t *o = arena_calloc(c->arena, sizeof *o);
    o->c = c;
    o->rec = rec;
    rd_acc_init(&o->acc, &s->b.ids, NULL, RD_ACC_TRIM);
    pstr_t type = PSTR_NULL, node = PSTR_NULL, host = PSTR_NULL, msg = PSTR_NULL;
    for (size_t a = 0; a < n;) {
        const char *nl = memchr(text + a, '\n', n - a);
        size_t b = nl ? (size_t)(nl - text) : n;
        au_hdr_t h;
        if (au_header(pstr(text + a, b - a), NULL, &h, false) == 1) { /* a line au_next read */
            if (!msg.n) {
                node = h.node, host = h.host;
                o->interp = h.time.n && memchr(h.time.p, '/', h.time.n);
                if (node.n) au_set(o, PSTR_LIT("node"), node);
                msg = pstr(h.time.p - 6, (size_t)(h.rest.p - (h.time.p - 6)));
                au_set(o, PSTR_LIT("msg"), msg);
            }
            const struct au_type *ty = au_type_of(h.type);
            if (!type.n || (ty && ty->kind == AU_SYS)) type = h.type; /* ausearch prints SYSCALL last */
            au_pairs(o, h.rest, 0);
        }
        a = b + 1;
    }
    au_set(o, PSTR_LIT("type"), type);
    pstr_t sa = rd_acc_get(&o->acc, AV(AV_SADDR));
    if (sa.n && sa.p[0] != '{') au_saddr(o, sa);
    rd_time(c, ms);
    au_schema(c, o, type, node, host, rec);
}

/* ---- the stream ------------------------------------------------------ */

/* One record per call: complete events first; else the next line joins
 * its event (an EOE, a `----` line or the time window completes events). */
static rd_status_t au_next(rd_ctx_t *c, const char *p, size_t n, bool eof, size_t *used, record_t *rec) {
    au_t *s = c->st;
    size_t done = 0;       /* bytes consumed by this call */
    for (;;) {
        if (s->nready) {
            int i = s->ready[0];
            memmove(s->ready, s->ready + 1, --s->nready * sizeof s->ready[0]);
            *used = done;
            c->rec_off = done ? c->rec_off : 0;
            au_emit(c, s, i, rec);
            return RD_REC;
        }
        rd_line_t ln;
        size_t u;
        rd_status_t st = rd_line_next(c, p + done, n - done, eof, 0, NULL, &u, &ln);
        if (st != RD_REC) {
            done += u;
            *used = done;
            if (st == RD_END || (st == RD_MORE && eof)) { /* the rest of the pending events, oldest first */
                int i = au_oldest(s);
                if (i >= 0) {
                    au_ready(s, i);
                    continue;
                }
            }
            return st;
        }
        pstr_t line = ln.text;
        size_t off = done + c->rec_off;
        c->rec_off = off;
        if (pstr_eq(line, PSTR_LIT("----"))) { /* ausearch's separator: every event is complete */
            for (int i; (i = au_oldest(s)) >= 0;) au_ready(s, i);
            done += u;
            continue;
        }
        au_hdr_t h;
        int hr = au_header(line, &s->b.clock, &h, true);
        if (hr <= 0) {
            *used = done + u;
            if (hr == 0) return RD_SKIP;
            c->reason = RD_R_AUDIT;
            return RD_REJECT;
        }
        int64_t ms = h.ms;
        const struct au_type *ty = au_type_of(h.type);
        int i = au_find(s, h.node, h.serial);
        if (i < 0 && ty && ty->kind == AU_EOE) { /* the end of an event already complete */
            done += u;
            continue;
        }
        if (i < 0) {
            i = au_free_slot(s);
            if (i < 0) { /* full: the oldest is complete, this line is read again */
                au_ready(s, au_oldest(s));
                *used = done;
                continue;
            }
            au_ev_t *e = &s->ev[i];
            e->used = true;
            e->done = false;
            e->serial = h.serial;
            size_t nn = h.node.n < AU_MAXNODE ? h.node.n : AU_MAXNODE;
            if (nn) memcpy(e->node, h.node.p, nn);
            e->node[nn] = 0;
            e->ms = ms;
            e->order = s->order++;
            e->n = 0;
            e->wait_eoe = ty && ty->kind != AU_ONE && ty->kind != AU_EOE;
        }
        done += u;
        au_ev_t *e = &s->ev[i];
        au_append(e, line);
        if (!e->wait_eoe || (ty && ty->kind == AU_EOE)) au_ready(s, i);
        for (int k = 0; k < AU_MAXPEND; k++) /* events this much older are complete */
            if (s->ev[k].used && !s->ev[k].done && s->ev[k].ms + AU_WINDOW_MS < ms) au_ready(s, k);
        c->rec_off = off;
    }
}

/* A line (syslog header stripped) holding `type=` and `audit(`. */
static int au_line(const rd_line_t *l) {
    au_hdr_t h;
    return au_header(l->text, NULL, &h, true) == 1 ? 90 : 0;
}

/* See reader.h. */
const rd_impl_t rd_auditd = {
    .pub = {"auditd",
            "Linux audit logs (audit.log, raw or ENRICHED; audispd or kernel lines in syslog; ausearch -i): the "
            "records of one event joined",
            "lines (syslog header stripped) with `type=` and `msg=audit(TIME:SERIAL)`",
            "connect syscalls: dest_ip, dest_port (SOCKADDR saddr), direction outbound; every event: _messageTime "
            "(audit time), process_name (exe, else comm), pid, user (uid; ENRICHED UID), host (node, else the "
            "syslog host), _sourceHost, action (succeeded / in_progress / failed), event_id (the first record's "
            "type), _sourceCategory (endpoint/linux/auditd/network for connects to inet addresses, else "
            "endpoint/linux/auditd)"},
    .line = au_line,
    .open = au_open,
    .next = au_next,
    .close = au_close,
    .line_sync = true,
};
