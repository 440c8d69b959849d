/* read_fortigate.c — Fortinet FortiGate logs: `key=value` text in syslog.
 *
 * `[header] date=2024-03-05 time=10:15:01 devname="fgt" devid="FGT…"
 * eventtime=… tz="+0100" logid="…" type="traffic" … srcip=… dstport=…`:
 * values are quoted or not depending on the firmware (both are read; \"
 * and \\ decoded). Every key becomes a field under its own name; the
 * connection fields fill the schema for type="traffic" only (UTM and
 * event logs repeat a session's addresses without being one). The time
 * is `eventtime` (s, ms, µs or ns by its length), else date+time+tz.
 * Lines without `logid=` and `devid=` are skipped.
 */
#include <string.h>

#include "datetime.h"
#include "logline.h"

/* Keys the schema or the time reads. ORDER FG: fg_keys[]. */
enum fg_key {
    FG_SRCIP, FG_SRCPORT, FG_DSTIP, FG_DSTPORT, FG_PROTO, FG_ACTION, FG_SENTBYTE, FG_RCVDBYTE, FG_USER,
    FG_DEVNAME, FG_EVENTTIME, FG_DATE, FG_TIME, FG_TZ, FG_TYPE, FG_SRCROLE, FG_DSTROLE, FG_LOGID, FG_DEVID, FG_N
};

static const char *const fg_keys[FG_N] = {
    "srcip", "srcport", "dstip", "dstport", "proto", "action", "sentbyte", "rcvdbyte", "user", "devname",
    "eventtime", "date", "time", "tz", "type", "srcintfrole", "dstintfrole", "logid", "devid",
};

/* Index in fg_keys of key, or -1. */
static int fg_key(pstr_t key) {
    if (key.n < 2 || key.n > 11) return -1;
    for (int k = 0; k < FG_N; k++)
        if (key.p[0] == fg_keys[k][0] && pstr_eq(key, pstr_c(fg_keys[k]))) return k;
    return -1;
}

/* Per-input state: the line readers' base alone. */
static void *fg_open(rd_ctx_t *c) { return rm_alloc(c, sizeof(ll_base_t)); }

/* The record's time: eventtime, else date + time (+ tz offset). */
static bool fg_time(const pstr_t *v, int64_t *ms) {
    if (v[FG_EVENTTIME].n && dt_parse(v[FG_EVENTTIME], ms)) return true;
    if (!v[FG_DATE].n || !v[FG_TIME].n || v[FG_DATE].n + v[FG_TIME].n + v[FG_TZ].n > 60) return false;
    char buf[64];
    size_t k = 0;
    memcpy(buf, v[FG_DATE].p, v[FG_DATE].n);
    k += v[FG_DATE].n;
    buf[k++] = ' ';
    memcpy(buf + k, v[FG_TIME].p, v[FG_TIME].n);
    k += v[FG_TIME].n;
    size_t bare = k;
    if (v[FG_TZ].n) {
        buf[k++] = ' ';
        memcpy(buf + k, v[FG_TZ].p, v[FG_TZ].n);
        k += v[FG_TZ].n;
    }
    return dt_parse(pstr(buf, k), ms) || dt_parse(pstr(buf, bare), ms); /* a zone name: device time as UTC */
}

/* A FortiGate line holds logid= and devid= (quoted or not). */
static bool fg_is(pstr_t b) { return pstr_contains(b, PSTR_LIT("logid=")) && pstr_contains(b, PSTR_LIT("devid=")); }

/* One line: a FortiGate key=value line into rec, another line skipped. */
static rd_status_t fg_record(rd_ctx_t *c, void *st, const ll_line_t *l, record_t *rec) {
    ll_base_t *s = st;
    if (!fg_is(l->body)) return RD_SKIP;
    ll_kv_t kv = {l->body.p, l->body.n, 0};
    ll_tok_t t;
    bool bad;
    pstr_t v[FG_N];
    memset(v, 0, sizeof v);
    for (unsigned pos = 0; ll_kv_next(&kv, &t, &bad); pos++) {
        if (t.bare) continue;
        pstr_t val = t.esc ? ll_unescape(t.val, c->arena) : t.val;
        ll_set(c, pos, t.key, val, rec);
        int k = fg_key(t.key);
        if (k >= 0) v[k] = val;
    }
    if (bad) {
        c->reason = RD_R_KVQUOTE;
        return RD_REJECT;
    }
    int64_t ms;
    if (fg_time(v, &ms)) rd_time(c, ms);
    ll_conn_t k = {.host = v[FG_DEVNAME]};
    if (pstr_eq(v[FG_TYPE], PSTR_LIT("traffic"))) {
        bool ports = pstr_eq(v[FG_PROTO], PSTR_LIT("6")) || pstr_eq(v[FG_PROTO], PSTR_LIT("17"));
        if (!ll_ip_ok(v[FG_SRCIP]) || !ll_ip_ok(v[FG_DSTIP]) ||
            (ports && (!ll_port_ok(v[FG_SRCPORT]) || !ll_port_ok(v[FG_DSTPORT])))) {
            c->reason = RD_R_ADDR;
            return RD_REJECT;
        }
        k = (ll_conn_t){.src_ip = v[FG_SRCIP], .src_port = v[FG_SRCPORT], .dest_ip = v[FG_DSTIP],
                        .dest_port = v[FG_DSTPORT], .protocol = v[FG_PROTO], .action = v[FG_ACTION],
                        .bytes_out = v[FG_SENTBYTE], .bytes_in = v[FG_RCVDBYTE], .user = v[FG_USER],
                        .host = v[FG_DEVNAME]};
        pstr_t sr = v[FG_SRCROLE], dr = v[FG_DSTROLE];
        if (pstr_eq(sr, PSTR_LIT("lan")) && pstr_eq(dr, PSTR_LIT("wan"))) k.direction = PSTR_LIT("outbound");
        else if (pstr_eq(sr, PSTR_LIT("wan")) && pstr_eq(dr, PSTR_LIT("lan"))) k.direction = PSTR_LIT("inbound");
    } else { /* srcport/dstport are aliases of src_port/dest_port: a UTM or event log is no connection */
        static const uint8_t ports[] = {SC_SRC_PORT, SC_DEST_PORT};
        for (size_t j = 0; j < sizeof ports; j++)
            if (s->ids.id[ports[j]] != FIELD_NONE) rec_unset(rec, s->ids.id[ports[j]]);
    }
    ll_conn_emit(c, &s->ids, &k, &l->h, PSTR_LIT("network/firewall/fortigate"), rec);
    return RD_REC;
}

/* One line per call. */
static rd_status_t fg_next(rd_ctx_t *c, const char *p, size_t n, bool eof, size_t *used, record_t *rec) {
    return ll_next(c, p, n, eof, used, rec, fg_record);
}

/* A line with logid= and devid=. */
static int fg_line(const rd_line_t *l) { return fg_is(l->sl.body) ? 90 : 0; }

/* See reader.h. */
const rd_impl_t rd_fortigate = {
    .pub = {"fortigate",
            "Fortinet FortiGate logs: key=value text (quoted or not), with or without a syslog header; other lines "
            "skipped",
            "lines holding `logid=` and `devid=`",
            "_messageTime (eventtime in s/ms/us/ns, else date+time+tz), _sourceCategory (network/firewall/fortigate), "
            "_sourceHost, host (devname); type=\"traffic\" only: src_ip (srcip), src_port (srcport), dest_ip (dstip), "
            "dest_port (dstport), protocol (proto), action, bytes_out (sentbyte), bytes_in (rcvdbyte), user, "
            "direction (srcintfrole lan/wan to dstintfrole wan/lan)"},
    .line = fg_line,
    .open = fg_open,
    .next = fg_next,
    .close = rm_close,
    .line_sync = true,
    .mux = true,
};
