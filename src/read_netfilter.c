/* read_netfilter.c — Linux iptables/nftables LOG lines (kernel printk).
 *
 * A line is `[syslog header] [kernel: ][[uptime]] [prefix]IN=… OUT=…
 * [MAC=…] SRC=… DST=… … PROTO=… [SPT=… DPT=…] …`, one packet each. Every
 * `KEY=value` becomes a field under its own name (SRC, DPT, UID…), a bare
 * word (DF, SYN, ACK) a field holding itself, the --log-prefix text the
 * field `prefix`; the `[…]` packet that ICMP errors embed is stepped over.
 * Other syslog lines (other kernel messages, other daemons) are skipped.
 */
#include <string.h>

#include "reader.h"

/* Per-input state (heap, owned by the reader). */
typedef struct nf {
    rd_base_t b;        /* schema ids, clock */
    uint32_t prefix_id; /* the field `prefix` */
} nf_t;

/* The packet fields that fill the schema (the first of each wins). */
static const rd_map_t nf_map[] = {
    RD_MAP("SRC", SC_SRC_IP, RD_IP, 0),       RD_MAP("SPT", SC_SRC_PORT, RD_NUM, 0),
    RD_MAP("DST", SC_DEST_IP, RD_IP, 0),      RD_MAP("DPT", SC_DEST_PORT, RD_NUM, 0),
    RD_MAP("PROTO", SC_PROTOCOL, RD_PROTO, 0), RD_MAP("UID", SC_USER, RD_TEXT, 0),
};
static const rd_maptab_t nf_tab = RD_MAPTAB(nf_map, RD_EXACT);

static void *nf_open(rd_ctx_t *c) {
    nf_t *s = rd_base_alloc(c, sizeof *s);
    static const char *const names[] = {"prefix"};
    rd_ids(c, names, 1, &s->prefix_id);
    return s;
}

/* Offset of the `IN=` that starts the packet fields of body (an `IN=`
 * whose value, possibly empty, is followed by ` OUT=`), or body.n. */
static size_t packet_at(pstr_t b) {
    size_t i = 0;
    while (i + 3 <= b.n) {
        const char *q = memchr(b.p + i, 'I', b.n - i - 2);
        if (!q) break;
        i = (size_t)(q - b.p);
        if (q[1] == 'N' && q[2] == '=') {
            size_t j = i + 3;
            while (j < b.n && b.p[j] != ' ') j++;
            if (b.n - j >= 5 && memcmp(b.p + j, " OUT=", 5) == 0) return i;
        }
        i++;
    }
    return b.n;
}

/* The log prefix: text before IN=, without a `[ uptime]` stamp in front
 * and blanks around it. */
static pstr_t log_prefix(pstr_t b, size_t at) {
    pstr_t t = pstr_trim(pstr(b.p, at));
    if (t.n && t.p[0] == '[') {
        size_t i = 1;
        while (i < t.n && (t.p[i] == ' ' || t.p[i] == '.' || (t.p[i] >= '0' && t.p[i] <= '9'))) i++;
        if (i < t.n && t.p[i] == ']') t = pstr_trim(pstr(t.p + i + 1, t.n - i - 1));
    }
    return t;
}

/* What the action is: the prefix without a trailing ':' (and blanks). */
static pstr_t prefix_action(pstr_t pfx) {
    while (pfx.n && (pfx.p[pfx.n - 1] == ':' || pfx.p[pfx.n - 1] == ' ')) pfx.n--;
    return pfx;
}

/* One line: a packet line (fields from its key=value text, checked, into
 * the schema) or another line, skipped. */
static rd_status_t nf_record(rd_ctx_t *c, void *st, const rd_line_t *l, record_t *rec) {
    nf_t *s = st;
    pstr_t b = l->body;
    size_t at = packet_at(b);
    if (at == b.n) return RD_SKIP;
    pstr_t pfx = log_prefix(b, at);
    if (pfx.n && s->prefix_id != FIELD_NONE) rec_set(rec, s->prefix_id, val_strv(pfx));
    rd_kv_t kv = {b.p + at, b.n - at, 0};
    rd_tok_t t;
    bool bad;
    pstr_t in = PSTR_NULL, out = PSTR_NULL;
    bool has_in = false, has_out = false;
    rd_acc_t a;
    rd_acc_init(&a, &s->b.ids, NULL, 0);
    for (unsigned pos = 0; rd_kv_next(&kv, &t, &bad); pos++) {
        pstr_t v = t.bare ? t.key : t.val;
        rd_key_t k = rd_key(c, pos, t.key, false, &nf_tab);
        if (k.id != FIELD_NONE) rec_set(rec, k.id, val_strv(v));
        if (t.bare) continue;
        if (k.m) rd_acc_put(&a, k.m, v);
        else if (pstr_eq(t.key, PSTR_LIT("IN"))) in = v, has_in = true;
        else if (pstr_eq(t.key, PSTR_LIT("OUT"))) out = v, has_out = true;
    }
    (void)bad; /* netfilter quotes nothing: a '"' is an ordinary byte */
    if (!has_in || !has_out || !rd_ip_ok(rd_acc_get(&a, SC_SRC_IP)) || !rd_ip_ok(rd_acc_get(&a, SC_DEST_IP))) {
        c->reason = RD_R_ADDR;
        return RD_REJECT;
    }
    pstr_t proto = rd_acc_get(&a, SC_PROTOCOL), spt = rd_acc_get(&a, SC_SRC_PORT), dpt = rd_acc_get(&a, SC_DEST_PORT);
    bool ports = pstr_ieq_c(proto, "TCP") || pstr_ieq_c(proto, "UDP") || pstr_ieq_c(proto, "UDPLITE") ||
                 pstr_ieq_c(proto, "SCTP") || pstr_ieq_c(proto, "DCCP");
    if ((ports || spt.n || dpt.n) && (!rd_port_ok(spt) || !rd_port_ok(dpt))) {
        c->reason = RD_R_ADDR;
        return RD_REJECT;
    }
    rd_acc_set(&a, SC_ACTION, RD_TEXT, prefix_action(pfx));
    if (rd_acc_wants(&a, SC_OUTCOME))
        rd_acc_set(&a, SC_OUTCOME, RD_TEXT, rd_verdict(pfx)); /* [UFW BLOCK], IPTABLES-DROP:, policy ACCEPT */
    /* an empty IN: this host sent it (it opened the connection); an empty
     * OUT: this host receives it; both set: forwarded, nothing known */
    if (!in.n && out.n) rd_acc_set(&a, SC_DIRECTION, RD_TEXT, schema_direction_of(1, 0));
    else if (in.n && !out.n) rd_acc_set(&a, SC_DIRECTION, RD_TEXT, schema_direction_of(0, 1));
    rd_acc_syslog(&a, &l->sl);
    rd_acc_emit(c, &a, rec);
    rd_category(c, PSTR_LIT("network/firewall/netfilter"));
    return RD_REC;
}

/* One line per call. */
static rd_status_t nf_next(rd_ctx_t *c, const char *p, size_t n, bool eof, size_t *used, record_t *rec) {
    return rd_line_record(c, p, n, eof, used, rec, nf_record);
}

/* A line (syslog header stripped) holding `IN=… OUT=` and ` SRC=`. */
static int nf_line(const rd_line_t *l) {
    pstr_t b = l->sl.body;
    return packet_at(b) < b.n && pstr_contains(b, PSTR_LIT(" SRC=")) ? 85 : 0;
}

/* See reader.h. */
const rd_impl_t rd_netfilter = {
    .pub = {"netfilter",
            "Linux iptables/nftables LOG lines (kernel messages, with or without a syslog header); other lines skipped",
            "lines (syslog header stripped) holding `IN=… OUT=` and ` SRC=`",
            "_messageTime (syslog header), _sourceCategory (network/firewall/netfilter), _sourceHost, host (syslog "
            "host), src_ip (SRC), src_port (SPT), dest_ip (DST), dest_port (DPT), protocol (PROTO), direction (empty "
            "IN: outbound, empty OUT: inbound), action (the log prefix), outcome (its DROP, REJECT, ACCEPT, … "
            "word), user (UID)"},
    .line = nf_line,
    .open = nf_open,
    .next = nf_next,
    .close = rd_base_close,
    .line_sync = true,
    .split = 1,
    .mux = true,
};
