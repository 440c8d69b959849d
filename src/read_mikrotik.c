/* read_mikrotik.c — MikroTik RouterOS firewall log lines.
 *
 * A rule with action=log (or log=yes) writes, under the `firewall` topic:
 * `[syslog header | mmm/dd HH:MM:SS] firewall,info [PREFIX ]CHAIN: in:IFACE
 * out:IFACE, [connection-state:STATE ][src-mac MAC, ]proto PROTO[ (FLAGS)],
 * SRC[:PORT]->DST[:PORT], [NAT …, ]len N` (IPv6 ends in [brackets] when a
 * port follows). The line names no verdict: the rule's log-prefix, chosen
 * by whoever wrote the rule (`drop-in`, `FW_INPUT_NEW`, `D|default drop|`),
 * says it when it holds one. Each part becomes a field under the names
 * below; other lines (other topics: system, dhcp…) are skipped.
 */
#include <string.h>

#include "datetime.h"
#include "reader.h"

/* The native fields. ORDER MT: mt_names[]. */
enum { MT_TOPICS, MT_PREFIX, MT_CHAIN, MT_IN, MT_OUT, MT_STATE, MT_MAC, MT_FLAGS, MT_NAT, MT_LEN, MT_N };
static const char *const mt_names[MT_N] = {"topics",           "prefix",  "chain", "in_interface", "out_interface",
                                           "connection_state", "src_mac", "flags", "nat",          "len"};

/* Per-input state (heap, owned by the reader). */
typedef struct mt {
    rd_base_t b;        /* schema ids, clock */
    uint32_t id[MT_N];  /* the field of each native name, FIELD_NONE when not read */
} mt_t;

static void *mt_open(rd_ctx_t *c) {
    mt_t *s = rd_base_alloc(c, sizeof *s);
    rd_ids(c, mt_names, MT_N, s->id);
    return s;
}

/* A byte of a chain's name (RouterOS's own, or one a user named). */
static bool mt_namech(char ch) {
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '-' || ch == '_';
}

/* Offset of the `CHAIN: in:` of a firewall line in t (the chain's first
 * byte; the line holds ` out:` after it), or t.n. *in is set to the
 * offset of `in:`. */
static size_t mt_chain(pstr_t t, size_t *in) {
    for (size_t i = 0; i < t.n;) {
        const char *q = str_search(pstr(t.p + i, t.n - i), PSTR_LIT(": in:"), false);
        if (!q) break;
        size_t c = (size_t)(q - t.p), b = c;
        while (b > 0 && mt_namech(t.p[b - 1])) b--;
        if (b < c && str_search(pstr(q + 5, (size_t)(t.p + t.n - q - 5)), PSTR_LIT(" out:"), false)) {
            *in = c + 2;
            return b;
        }
        i = c + 1;
    }
    return t.n;
}

/* A topic list (`firewall,info`): lower-case letters and commas, with a
 * comma or the word firewall. */
static bool mt_topics(pstr_t w) {
    if (!w.n) return false;
    bool comma = false;
    for (size_t i = 0; i < w.n; i++) {
        if (w.p[i] == ',') comma = true;
        else if (w.p[i] < 'a' || w.p[i] > 'z') return false;
    }
    return comma || pstr_eq(w, PSTR_LIT("firewall"));
}

/* Two decimal digits at p. */
static bool dd2(const char *p, unsigned *v) {
    if (p[0] < '0' || p[0] > '9' || p[1] < '0' || p[1] > '9') return false;
    *v = (unsigned)(p[0] - '0') * 10 + (unsigned)(p[1] - '0');
    return true;
}

/* The time RouterOS's own log (`/log print`, a disk log) leads with:
 * `mmm/dd[/yyyy] HH:MM:SS ` (a yearless date placed by k), `YYYY-MM-DD
 * HH:MM:SS `, or `HH:MM:SS ` alone (today: no date, so no time). Returns
 * the bytes it spans with the blank after it, 0 when none; *has_ms says
 * whether *ms was set (the router's local time, read as UTC). */
static size_t mt_lead_time(pstr_t t, sl_clock_t *k, int64_t *ms, bool *has_ms) {
    *has_ms = false;
    unsigned y = 0, mo = 0, d = 0, h, mi, s;
    size_t i = 0;
    if (t.n >= 7 && t.p[3] == '/' && (mo = dt_month3(t.p, 3, true)) != 0 && dd2(t.p + 4, &d)) {
        i = 6;
        if (t.n >= 11 && t.p[6] == '/' && dd2(t.p + 7, &y) && dd2(t.p + 9, &s)) {
            y = y * 100 + s;
            i = 11;
        }
        if (i >= t.n || t.p[i] != ' ') return 0;
        i++;
    } else if (t.n >= 11 && t.p[4] == '-' && t.p[7] == '-' && t.p[10] == ' ' && dd2(t.p, &y) && dd2(t.p + 2, &s) &&
               dd2(t.p + 5, &mo) && dd2(t.p + 8, &d)) {
        y = y * 100 + s;
        i = 11;
    }
    if (t.n < i + 9 || !dd2(t.p + i, &h) || t.p[i + 2] != ':' || !dd2(t.p + i + 3, &mi) || t.p[i + 5] != ':' ||
        !dd2(t.p + i + 6, &s) || t.p[i + 8] != ' ')
        return 0;
    if (mo && d >= 1 && h < 24 && mi < 60 && s < 61) {
        if (y) {
            if (mo <= 12 && d <= dt_month_days(y, mo)) {
                *ms = dt_civil_ms(y, mo, d, h, mi, s, 0);
                *has_ms = true;
            }
        } else {
            *has_ms = k && sl_place(k, mo, d, h, mi, s, 0, ms);
        }
    }
    return i + 9;
}

/* The next part of a comma-separated list at *i (parts end at ", "
 * outside parentheses: `(type 3, code 3)` is one part). */
static bool mt_part(pstr_t t, size_t *i, pstr_t *part) {
    while (*i < t.n && t.p[*i] == ' ') (*i)++;
    if (*i >= t.n) return false;
    size_t b = *i;
    int depth = 0;
    for (; *i < t.n; (*i)++) {
        char ch = t.p[*i];
        if (ch == '(') depth++;
        else if (ch == ')' && depth) depth--;
        else if (ch == ',' && !depth && *i + 1 < t.n && t.p[*i + 1] == ' ') break;
    }
    *part = pstr_trim(pstr(t.p + b, *i - b));
    if (*i < t.n) (*i)++;
    return true;
}

/* One end `IP:PORT`, `[IPv6]:PORT`, `IP` or a bare IPv6 address: false
 * when it is none of them. */
static bool mt_end(pstr_t e, pstr_t *ip, pstr_t *port) {
    *port = PSTR_NULL;
    if (e.n && e.p[0] == '[') {
        const char *cl = memchr(e.p, ']', e.n);
        if (!cl) return false;
        *ip = pstr(e.p + 1, (size_t)(cl - e.p) - 1);
        size_t r = (size_t)(cl - e.p) + 1;
        if (r < e.n) {
            if (e.p[r] != ':') return false;
            *port = pstr(e.p + r + 1, e.n - r - 1);
            if (!rd_port_ok(*port)) return false;
        }
        return rd_ip_ok(*ip);
    }
    const char *c1 = memchr(e.p, ':', e.n);
    if (c1 && !memchr(c1 + 1, ':', (size_t)(e.p + e.n - c1 - 1))) { /* IPv4:PORT */
        *ip = pstr(e.p, (size_t)(c1 - e.p));
        *port = pstr(c1 + 1, (size_t)(e.p + e.n - c1 - 1));
        return rd_ip_ok(*ip) && rd_port_ok(*port);
    }
    *ip = e;
    return rd_ip_ok(e);
}

/* An interface's side: its name (a bridge port's `(port)` dropped) as a
 * zone (schema_zone_inside), else the first of its `-`, `_` or `.`
 * separated parts that is one (`ether1-WAN`); -1 when none says. */
static int mt_zone(pstr_t v) {
    const char *par = memchr(v.p, '(', v.n);
    if (par) v.n = (size_t)(par - v.p);
    int z = schema_zone_inside(v);
    for (size_t i = 0; z < 0 && i < v.n;) {
        size_t b = i;
        while (i < v.n && v.p[i] != '-' && v.p[i] != '_' && v.p[i] != '.') i++;
        if (b < i && i - b < v.n) z = schema_zone_inside(pstr(v.p + b, i - b));
        i++;
    }
    return z;
}

/* An interface named: not RouterOS's `(unknown 0)` or `(none)`. */
static bool mt_iface(pstr_t v) { return v.n && v.p[0] != '('; }

/* direction (docs/schema.md §1.1): a packet of a connection already set
 * up says nothing of who opened it; to the router (input) inbound, from it
 * (output) outbound; through it, by its interfaces' names. */
static pstr_t mt_direction(pstr_t chain, pstr_t in, pstr_t out, pstr_t state) {
    if (state.n && !pstr_contains(state, PSTR_LIT("new"))) return PSTR_NULL;
    if (pstr_eq(chain, PSTR_LIT("input"))) return schema_direction_of(0, 1);
    if (pstr_eq(chain, PSTR_LIT("output"))) return schema_direction_of(1, 0);
    if (!mt_iface(in) || !mt_iface(out)) return PSTR_NULL;
    return schema_direction_of(mt_zone(in), mt_zone(out));
}

/* True for the transports whose lines carry ports. */
static bool mt_ports(pstr_t proto) {
    return pstr_ieq_c(proto, "TCP") || pstr_ieq_c(proto, "UDP") || pstr_ieq_c(proto, "SCTP") ||
           pstr_ieq_c(proto, "DCCP") || pstr_ieq_c(proto, "UDP-lite");
}

/* A firewall line cut into its parts (views into the line). */
typedef struct mt_msg {
    pstr_t v[MT_N];     /* the native fields, by enum (empty: not in the line) */
    pstr_t addrs;       /* `SRC[:PORT]->DST[:PORT]` */
    pstr_t proto;       /* the protocol word (`TCP`, `47`) */
    sl_hdr_t h;         /* the syslog header, its host dropped when it was the topics */
    bool has_ms;        /* ms is RouterOS's own date */
    int64_t ms;         /* epoch ms */
} mt_msg_t;

/* Cut the firewall line t, whose chain starts at cs and whose `in:` is at
 * inat (mt_chain), behind its header l->sl, into *m. */
static void mt_cut(mt_t *s, const rd_line_t *l, size_t cs, size_t inat, mt_msg_t *m) {
    pstr_t t = l->text;
    memset(m, 0, sizeof *m);
    m->h = l->sl;
    /* where the message starts: after the syslog header, which takes the
     * chain for a tag, or the topics for a host, when it has no host */
    const char *ms = l->body.p;
    if (ms > t.p + cs) ms = t.p + cs;
    if (m->h.kind != SL_NONE) {
        const char *sp = memchr(ms, ' ', (size_t)(t.p + cs - ms));
        pstr_t host = m->h.host;
        if (host.n && host.p < ms && mt_topics(host) && !mt_topics(pstr(ms, sp ? (size_t)(sp - ms) : 0))) {
            ms = host.p;
            m->h.host = PSTR_NULL;
        }
    }
    pstr_t pre = pstr(ms, (size_t)(t.p + cs - ms));
    if (m->h.kind == SL_NONE) {
        size_t k = mt_lead_time(pre, &s->b.clock, &m->ms, &m->has_ms);
        pre = pstr(pre.p + k, pre.n - k);
    }
    /* [topics] [prefix] */
    pre = pstr_trim(pre);
    const char *sp = memchr(pre.p, ' ', pre.n);
    pstr_t w1 = sp ? pstr(pre.p, (size_t)(sp - pre.p)) : pre;
    m->v[MT_PREFIX] = pre;
    if (mt_topics(w1)) {
        m->v[MT_TOPICS] = w1;
        m->v[MT_PREFIX] = pstr_trim(pstr(pre.p + w1.n, pre.n - w1.n));
    }
    m->v[MT_CHAIN] = pstr(t.p + cs, inat - 2 - cs);
    /* in:IFACE out:IFACE (a name may hold a blank: `(unknown 0)`) */
    pstr_t rest = pstr(t.p + inat + 3, t.n - inat - 3);
    const char *o = str_search(rest, PSTR_LIT(" out:"), false);
    m->v[MT_IN] = pstr(rest.p, (size_t)(o - rest.p));
    rest = pstr(o + 5, (size_t)(rest.p + rest.n - o - 5));
    const char *oe = str_search(rest, PSTR_LIT(", "), false);
    m->v[MT_OUT] = oe ? pstr(rest.p, (size_t)(oe - rest.p)) : rest;
    rest = oe ? pstr(oe + 2, (size_t)(rest.p + rest.n - oe - 2)) : PSTR_NULL;
    pstr_t part;
    bool after_proto = false;
    for (size_t i = 0; mt_part(rest, &i, &part);) {
        if (after_proto) { /* the addresses follow the protocol */
            m->addrs = part;
            after_proto = false;
        } else if (part.n > 4 && memcmp(part.p, "NAT ", 4) == 0) {
            m->v[MT_NAT] = pstr(part.p + 4, part.n - 4);
        } else if (part.n > 4 && memcmp(part.p, "len ", 4) == 0) {
            m->v[MT_LEN] = pstr(part.p + 4, part.n - 4);
        } else { /* `[connection-state:new ][src-mac 00:…][, ]proto TCP (SYN)`: one part or several */
            for (size_t j = 0; j < part.n;) {
                const char *e = memchr(part.p + j, ' ', part.n - j);
                pstr_t w = pstr(part.p + j, (e ? (size_t)(e - part.p) : part.n) - j);
                j += w.n + 1;
                if (w.n > 17 && memcmp(w.p, "connection-state:", 17) == 0) {
                    m->v[MT_STATE] = pstr(w.p + 17, w.n - 17);
                } else if (pstr_eq(w, PSTR_LIT("src-mac")) && j < part.n) {
                    e = memchr(part.p + j, ' ', part.n - j);
                    m->v[MT_MAC] = pstr(part.p + j, (e ? (size_t)(e - part.p) : part.n) - j);
                    j += m->v[MT_MAC].n + 1;
                } else if (pstr_eq(w, PSTR_LIT("proto")) && j < part.n) { /* the rest of the part */
                    pstr_t v = pstr_trim(pstr(part.p + j, part.n - j));
                    const char *par = memchr(v.p, '(', v.n);
                    m->proto = pstr_trim(par ? pstr(v.p, (size_t)(par - v.p)) : v);
                    if (par && v.p[v.n - 1] == ')') m->v[MT_FLAGS] = pstr(par + 1, (size_t)(v.p + v.n - par - 2));
                    after_proto = true;
                    break;
                }
            }
        }
    }
}

/* One line: a firewall line into rec, another line skipped. */
static rd_status_t mt_record(rd_ctx_t *c, void *st, const rd_line_t *l, record_t *rec) {
    mt_t *s = st;
    size_t inat, cs = mt_chain(l->text, &inat);
    if (cs == l->text.n) return RD_SKIP;
    mt_msg_t m;
    mt_cut(s, l, cs, inat, &m);
    /* SRC->DST, each checked */
    pstr_t sip, sport, dip, dport, addrs = m.addrs, proto = m.proto;
    const char *arrow = addrs.n ? str_search(addrs, PSTR_LIT("->"), false) : NULL;
    if (!proto.n || !arrow || !mt_end(pstr(addrs.p, (size_t)(arrow - addrs.p)), &sip, &sport) ||
        !mt_end(pstr(arrow + 2, (size_t)(addrs.p + addrs.n - arrow - 2)), &dip, &dport) ||
        (mt_ports(proto) && (!sport.n || !dport.n)) || (!sport.n != !dport.n)) {
        c->reason = RD_R_ADDR;
        return RD_REJECT;
    }
    for (unsigned k = 0; k < MT_N; k++)
        if (m.v[k].n && s->id[k] != FIELD_NONE) rec_set(rec, s->id[k], val_strv(m.v[k]));
    pstr_t prefix = m.v[MT_PREFIX];
    rd_acc_t a;
    rd_acc_init(&a, &s->b.ids, NULL, 0);
    rd_acc_set(&a, SC_SRC_IP, RD_IP, sip);
    rd_acc_set(&a, SC_DEST_IP, RD_IP, dip);
    rd_acc_set(&a, SC_SRC_PORT, RD_NUM, sport);
    rd_acc_set(&a, SC_DEST_PORT, RD_NUM, dport);
    rd_acc_set(&a, SC_PROTOCOL, RD_PROTO, proto);
    rd_acc_set(&a, SC_ACTION, RD_TEXT, prefix);
    if (rd_acc_wants(&a, SC_OUTCOME)) rd_acc_set(&a, SC_OUTCOME, RD_TEXT, rd_verdict(prefix)); /* drop-in, D|default drop| */
    if (rd_acc_wants(&a, SC_DIRECTION)) /* (interface names looked at for it) */
        rd_acc_set(&a, SC_DIRECTION, RD_TEXT, mt_direction(m.v[MT_CHAIN], m.v[MT_IN], m.v[MT_OUT], m.v[MT_STATE]));
    if (m.has_ms) rd_time(c, m.ms);
    rd_acc_syslog(&a, &m.h);
    rd_acc_emit(c, &a, rec);
    rd_category(c, PSTR_LIT("network/firewall/mikrotik"));
    return RD_REC;
}

/* One line per call. */
static rd_status_t mt_next(rd_ctx_t *c, const char *p, size_t n, bool eof, size_t *used, record_t *rec) {
    return rd_line_record(c, p, n, eof, used, rec, mt_record);
}

/* A line holding `CHAIN: in:… out:…`, `proto ` and `->`. */
static int mt_line(const rd_line_t *l) {
    size_t in;
    pstr_t t = l->text;
    return mt_chain(t, &in) < t.n && pstr_contains(t, PSTR_LIT("proto ")) && pstr_contains(t, PSTR_LIT("->")) ? 85
                                                                                                              : 0;
}

/* See reader.h. */
const rd_impl_t rd_mikrotik = {
    .pub = {"mikrotik",
            "MikroTik RouterOS firewall log lines (action=log or log=yes, topic firewall), with a syslog header or "
            "RouterOS's own date; other lines skipped",
            "lines holding `CHAIN: in:… out:…`, `proto ` and `->`",
            "_messageTime (syslog header, else RouterOS's `mmm/dd HH:MM:SS`), _sourceCategory "
            "(network/firewall/mikrotik), _sourceHost, host (syslog host), src_ip, src_port, dest_ip, dest_port "
            "(SRC:PORT->DST:PORT), protocol (proto), action (the log prefix), outcome (its drop, reject, accept, … "
            "word), direction (chain input inbound, output outbound, else by the in:/out: interfaces' names; none "
            "for a connection-state other than new)"},
    .line = mt_line,
    .open = mt_open,
    .next = mt_next,
    .close = rd_base_close,
    .line_sync = true,
    .mux = true,
};
