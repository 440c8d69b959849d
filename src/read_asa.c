/* read_asa.c — Cisco ASA and Firepower Threat Defense syslog messages.
 *
 * `[header] %ASA-6-302013: Built outbound TCP connection 9 for outside:
 * 203.0.113.25/587 (203.0.113.25/587) to inside:10.1.1.2/53496 (…)`.
 * Every `%ASA-`/`%FTD-` line is a record (severity, message_id, message);
 * the connection messages are taken apart: 302013/302015 (Built TCP/UDP),
 * 302014/302016 (Teardown, with duration and total bytes) and 106023
 * (Deny by an access group). The `for` endpoint sits on the lower-security
 * side: a Built *outbound* connection was opened by the `to` endpoint, an
 * inbound one by the `for` endpoint; a Teardown keeps its Built's order
 * and takes the direction the Built of the same connection id gave
 * (remembered per input), else the side with the server port (< 1024)
 * is the destination. The connection id is conn_id, so the Built and the
 * Teardown of one connection count once; a Teardown's bytes say whether
 * it carried data (outcome). Other syslog lines are skipped.
 */
#include <string.h>

#include "reader.h"

#define ASA_CONNS 4096 /* connection ids remembered (a power of two) */

/* Native names. ORDER ASA: the enum below. */
#define ASA_NAMES(X)                                                                                         \
    X(A_SEVERITY, "severity") X(A_MSGID, "message_id") X(A_MESSAGE, "message") X(A_EVENT, "event")           \
    X(A_CONNDIR, "conn_direction") X(A_TRANSPORT, "transport") X(A_CONNID, "connection_id")                 \
    X(A_FOR_IF, "for_interface") X(A_FOR_IP, "for_ip") X(A_FOR_PORT, "for_port")                             \
    X(A_FOR_MIP, "for_mapped_ip") X(A_FOR_MPORT, "for_mapped_port") X(A_FOR_USER, "for_user")                 \
    X(A_TO_IF, "to_interface") X(A_TO_IP, "to_ip") X(A_TO_PORT, "to_port") X(A_TO_MIP, "to_mapped_ip")     \
    X(A_TO_MPORT, "to_mapped_port") X(A_TO_USER, "to_user") X(A_DURATION, "duration") X(A_BYTES, "bytes")   \
    X(A_REASON, "reason") X(A_ACL, "acl")

enum asa_name {
#define X(id, name) id,
    ASA_NAMES(X)
#undef X
    A_N
};

static const char *const asa_names[A_N] = {
#define X(id, name) name,
    ASA_NAMES(X)
#undef X
};

/* One remembered connection: its id and how it was built. */
typedef struct asa_conn {
    uint64_t id;   /* connection id + 1 (0: empty slot) */
    uint8_t out;   /* 1 outbound, 0 inbound */
} asa_conn_t;

/* Per-input state (heap, owned by the reader). */
typedef struct asa {
    rd_base_t b;               /* schema ids, clock */
    uint32_t id[A_N];          /* field of each native name */
    uint8_t read[A_N];         /* the names whose field the query reads, in order */
    unsigned nread;            /* their number */
    asa_conn_t conn[ASA_CONNS]; /* Built directions by connection id (a newer id overwrites an older one) */
} asa_t;

static void *asa_open(rd_ctx_t *c) {
    asa_t *s = rd_base_alloc(c, sizeof *s);
    rd_ids(c, asa_names, A_N, s->id);
    for (unsigned k = 0; k < A_N; k++)
        if (s->id[k] != FIELD_NONE) s->read[s->nread++] = (uint8_t)k;
    return s;
}

static bool is_digit(char ch) { return ch >= '0' && ch <= '9'; }

/* A decimal number as an integer (up to 19 digits), or -1. */
static int64_t num_of(pstr_t v) {
    if (!v.n || v.n > 18) return -1;
    int64_t x = 0;
    for (size_t i = 0; i < v.n; i++) {
        if (!is_digit(v.p[i])) return -1;
        x = x * 10 + (v.p[i] - '0');
    }
    return x;
}

static asa_conn_t *conn_slot(asa_t *s, uint64_t id) { return &s->conn[(id * 0x9E3779B97F4A7C15ull) >> 52 & (ASA_CONNS - 1)]; }

/* ---- a cursor over the message ------------------------------------------ */

typedef struct cur {
    const char *p;
    size_t n, i;
} cur_t;

static void blanks(cur_t *c) {
    while (c->i < c->n && c->p[c->i] == ' ') c->i++;
}

/* The next word (up to a blank). */
static pstr_t word(cur_t *c) {
    blanks(c);
    size_t b = c->i;
    while (c->i < c->n && c->p[c->i] != ' ') c->i++;
    return pstr(c->p + b, c->i - b);
}

/* The word w comes next (it is consumed). */
static bool expect(cur_t *c, const char *w) { return pstr_eq(word(c), pstr_c(w)); }

/* One side of a connection. */
typedef struct ep {
    pstr_t ifc, ip, port, mip, mport, user;
} ep_t;

/* `ip/port` in v (the port after the last '/'); false when v has no '/'. */
static bool ip_port(pstr_t v, pstr_t *ip, pstr_t *port) {
    size_t k = v.n;
    while (k > 0 && v.p[k - 1] != '/') k--;
    if (!k) return false;
    *ip = pstr(v.p, k - 1);
    *port = pstr(v.p + k, v.n - k);
    return true;
}

/* `ifc:ip/port [(mapped ip/port)] [(user)]` at the cursor. The interface
 * name may hold blanks ("NP Identity Ifc"); the address ends at a blank or '('. */
static bool endpoint(cur_t *c, ep_t *e) {
    memset(e, 0, sizeof *e);
    blanks(c);
    const char *colon = memchr(c->p + c->i, ':', c->n - c->i);
    if (!colon) return false;
    e->ifc = pstr(c->p + c->i, (size_t)(colon - c->p) - c->i);
    c->i = (size_t)(colon - c->p) + 1;
    size_t b = c->i;
    while (c->i < c->n && c->p[c->i] != ' ' && c->p[c->i] != '(') c->i++;
    pstr_t a = pstr(c->p + b, c->i - b);
    if (!ip_port(a, &e->ip, &e->port)) e->ip = a; /* ICMP: no port */
    for (;;) { /* (mapped) and (user) groups */
        size_t save = c->i;
        blanks(c);
        if (c->i >= c->n || c->p[c->i] != '(') {
            c->i = save;
            return true;
        }
        const char *r = memchr(c->p + c->i, ')', c->n - c->i);
        if (!r) return false;
        pstr_t g = pstr(c->p + c->i + 1, (size_t)(r - c->p) - c->i - 1);
        c->i = (size_t)(r - c->p) + 1;
        pstr_t ip, port;
        if (!e->mip.n && ip_port(g, &ip, &port) && rd_ip_ok(ip)) e->mip = ip, e->mport = port;
        else e->user = g;
    }
}

/* What a connection message says. */
typedef struct asa_msg {
    pstr_t v[A_N];    /* native values */
    ep_t f, t;        /* the `for` and `to` sides (106023: src and dst) */
    bool built;       /* 302013/302015 */
    bool deny;        /* 106023 */
} asa_msg_t;

/* 302013-302016: `Built {inbound|outbound} TCP connection ID for EP to EP`
 * or `Teardown TCP connection ID for EP to EP duration D bytes N reason`. */
static bool parse_conn(cur_t *c, asa_msg_t *m) {
    pstr_t ev = word(c);
    m->v[A_EVENT] = ev;
    m->built = pstr_eq(ev, PSTR_LIT("Built"));
    if (!m->built && !pstr_eq(ev, PSTR_LIT("Teardown"))) return false;
    if (m->built) m->v[A_CONNDIR] = word(c);
    m->v[A_TRANSPORT] = word(c);
    if (!expect(c, "connection")) return false;
    m->v[A_CONNID] = word(c);
    if (!expect(c, "for") || !endpoint(c, &m->f) || !expect(c, "to") || !endpoint(c, &m->t)) return false;
    if (m->built) return true;
    size_t save = c->i;
    if (!expect(c, "duration")) {
        c->i = save;
        return true;
    }
    m->v[A_DURATION] = word(c);
    save = c->i;
    if (expect(c, "bytes")) {
        m->v[A_BYTES] = word(c);
        blanks(c);
        m->v[A_REASON] = pstr(c->p + c->i, c->n - c->i);
    } else {
        c->i = save;
    }
    return true;
}

/* 106023: `Deny PROTO src IFC:IP/PORT dst IFC:IP/PORT [(type T, code C)] by access-group "ACL" […]`. */
static bool parse_deny(cur_t *c, asa_msg_t *m) {
    m->v[A_EVENT] = word(c);
    m->deny = true;
    m->v[A_TRANSPORT] = word(c);
    if (!expect(c, "src") || !endpoint(c, &m->f) || !expect(c, "dst") || !endpoint(c, &m->t)) return false;
    const char *q = str_search(pstr(c->p + c->i, c->n - c->i), PSTR_LIT("access-group \""), false);
    if (q) {
        const char *a = q + 14, *e = memchr(a, '"', (size_t)(c->p + c->n - a));
        if (e) m->v[A_ACL] = pstr(a, (size_t)(e - a));
    }
    return true;
}

/* What became of the connection: a Deny blocked it, a Built let it
 * through; a Teardown's bytes (payload, both ways: a SYN that timed out
 * has 0) say whether it carried data, and a SYN timeout that it was
 * never answered. */
static pstr_t asa_outcome(const asa_msg_t *m) {
    if (m->deny) return PSTR_LIT("blocked");
    if (m->built) return PSTR_LIT("allowed");
    int sign = rd_count_sign(m->v[A_BYTES]);
    if (sign > 0) return PSTR_LIT("data");
    if (sign < 0) return PSTR_LIT("allowed");
    return str_search(m->v[A_REASON], PSTR_LIT("SYN Timeout"), true) ? PSTR_LIT("failed") : PSTR_LIT("empty");
}

/* The `%ASA-` / `%FTD-` tag in t: its offset, or t.n. */
static size_t asa_at(pstr_t t) {
    const char *e = t.p + t.n;
    for (const char *q = t.p; (q = memchr(q, '%', (size_t)(e - q))) != NULL; q++) {
        if (e - q < 8 || (memcmp(q + 1, "ASA-", 4) != 0 && memcmp(q + 1, "FTD-", 4) != 0)) continue;
        if (is_digit(q[5]) && q[6] == '-' && is_digit(q[7])) return (size_t)(q - t.p);
    }
    return t.n;
}

/* Side e into the native values from name `base` on (ORDER ASA: the
 * for_ and to_ names follow ep_t's members). */
static void ep_values(pstr_t *v, const ep_t *e, int base) {
    v[base] = e->ifc;
    v[base + 1] = e->ip;
    v[base + 2] = e->port;
    v[base + 3] = e->mip;
    v[base + 4] = e->mport;
    v[base + 5] = e->user;
}

/* One line: an %ASA line into rec, another line skipped. */
static rd_status_t asa_record(rd_ctx_t *c, void *st, const rd_line_t *l, record_t *rec) {
    asa_t *s = st;
    pstr_t t = l->text;
    size_t at = asa_at(t);
    if (at == t.n) return RD_SKIP;
    asa_msg_t m;
    memset(&m, 0, sizeof m);
    size_t i = at + 5; /* past "%ASA-" */
    size_t b = i;
    while (i < t.n && is_digit(t.p[i])) i++;
    m.v[A_SEVERITY] = pstr(t.p + b, i - b);
    b = ++i;
    while (i < t.n && t.p[i] != ':' && t.p[i] != ' ') i++;
    m.v[A_MSGID] = pstr(t.p + b, i - b);
    if (i < t.n && t.p[i] == ':') i++;
    while (i < t.n && t.p[i] == ' ') i++;
    m.v[A_MESSAGE] = pstr(t.p + i, t.n - i);
    cur_t cu = {t.p + i, t.n - i, 0};
    pstr_t id = m.v[A_MSGID];
    bool conn = pstr_eq(id, PSTR_LIT("302013")) || pstr_eq(id, PSTR_LIT("302014")) ||
                pstr_eq(id, PSTR_LIT("302015")) || pstr_eq(id, PSTR_LIT("302016"));
    bool deny = pstr_eq(id, PSTR_LIT("106023"));
    rd_acc_t a;
    rd_acc_init(&a, &s->b.ids, NULL, 0);
    if (conn || deny) {
        bool ok = conn ? parse_conn(&cu, &m) : parse_deny(&cu, &m);
        bool ports = !pstr_ieq_c(m.v[A_TRANSPORT], "icmp") && !pstr_ieq_c(m.v[A_TRANSPORT], "icmp6");
        if (!ok || !rd_ip_ok(m.f.ip) || !rd_ip_ok(m.t.ip) ||
            (ports && (!rd_port_ok(m.f.port) || !rd_port_ok(m.t.port)))) {
            c->reason = RD_R_ADDR;
            return RD_REJECT;
        }
        ep_values(m.v, &m.f, A_FOR_IF);
        ep_values(m.v, &m.t, A_TO_IF);
        /* who opened it: src is the `for` side (inbound, 106023) or the `to` side (outbound) */
        int out = -1; /* 1 outbound, 0 inbound, -1 unknown */
        int64_t cid = num_of(m.v[A_CONNID]);
        if (m.built) {
            out = pstr_eq(m.v[A_CONNDIR], PSTR_LIT("outbound")) ? 1 : pstr_eq(m.v[A_CONNDIR], PSTR_LIT("inbound")) ? 0 : -1;
            if (cid >= 0 && out >= 0) *conn_slot(s, (uint64_t)cid) = (asa_conn_t){(uint64_t)cid + 1, (uint8_t)out};
        } else if (conn && cid >= 0) {
            asa_conn_t *slot = conn_slot(s, (uint64_t)cid);
            if (slot->id == (uint64_t)cid + 1) out = slot->out, slot->id = 0;
        }
        bool to_opened;
        if (m.deny) to_opened = false;
        else if (out >= 0) to_opened = out == 1;
        else { /* no Built seen: the side with the server port accepted it */
            int64_t fp = num_of(m.f.port), tp = num_of(m.t.port);
            to_opened = !(tp >= 0 && tp < 1024 && fp >= 1024);
        }
        const ep_t *src = to_opened ? &m.t : &m.f, *dst = to_opened ? &m.f : &m.t;
        rd_acc_set(&a, SC_SRC_IP, RD_IP, src->ip);
        rd_acc_set(&a, SC_SRC_PORT, RD_NUM, src->port);
        rd_acc_set(&a, SC_DEST_IP, RD_IP, dst->ip);
        rd_acc_set(&a, SC_DEST_PORT, RD_NUM, dst->port);
        rd_acc_set(&a, SC_USER, RD_TEXT, src->user);
        rd_acc_set(&a, SC_PROTOCOL, RD_PROTO, m.v[A_TRANSPORT]);
        rd_acc_set(&a, SC_ACTION, RD_TEXT, m.v[A_EVENT]);
        rd_acc_set(&a, SC_BYTES_OUT, RD_NUM, m.v[A_BYTES]); /* the total of both ways: ASA does not split it */
        if (conn) rd_acc_set(&a, SC_CONN_ID, RD_TEXT, m.v[A_CONNID]);
        if (rd_acc_wants(&a, SC_OUTCOME)) rd_acc_set(&a, SC_OUTCOME, RD_TEXT, asa_outcome(&m));
        if (out >= 0) rd_acc_set(&a, SC_DIRECTION, RD_TEXT, out ? PSTR_LIT("outbound") : PSTR_LIT("inbound"));
        else if (rd_acc_wants(&a, SC_DIRECTION))
            rd_acc_set(&a, SC_DIRECTION, RD_TEXT,
                       schema_direction_of(schema_zone_inside(src->ifc), schema_zone_inside(dst->ifc)));
    }
    for (unsigned k = 0; k < s->nread; k++)
        if (m.v[s->read[k]].n) rec_set(rec, s->id[s->read[k]], val_strv(m.v[s->read[k]]));
    sl_hdr_t h = l->sl;
    if (h.host.p && h.host.p >= t.p + at) h.host = PSTR_NULL;
    rd_acc_syslog(&a, &h);
    rd_acc_emit(c, &a, rec);
    rd_category(c, PSTR_LIT("network/firewall/asa"));
    return RD_REC;
}

/* One line per call. */
static rd_status_t asa_next(rd_ctx_t *c, const char *p, size_t n, bool eof, size_t *used, record_t *rec) {
    return rd_line_record(c, p, n, eof, used, rec, asa_record);
}

/* A line holding `%ASA-N-` or `%FTD-N-`. */
static int asa_line(const rd_line_t *l) { return asa_at(l->text) < l->text.n ? 90 : 0; }

/* See reader.h. */
const rd_impl_t rd_asa = {
    .pub = {"asa",
            "Cisco ASA / Firepower Threat Defense syslog (%ASA-/%FTD- messages); connection messages 302013-302016 "
            "and 106023 taken apart; other lines skipped",
            "lines holding `%ASA-N-` or `%FTD-N-`",
            "_messageTime (syslog header, device time as UTC), _sourceCategory (network/firewall/asa), _sourceHost, "
            "host (syslog host); connection messages: src_ip, src_port, dest_ip, dest_port (`to` side opened an "
            "outbound connection, `for` side an inbound one), protocol, direction (Built's, else the interfaces' "
            "names), action (Built, Teardown, Deny), outcome, conn_id (connection id), user, bytes_out (Teardown's "
            "bytes: both ways)"},
    .line = asa_line,
    .open = asa_open,
    .next = asa_next,
    .close = rd_base_close,
    .line_sync = true,
    .mux = true,
};
