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
#include "reader.h"

/* Keys the reader decides by, as own slots of the accumulator. */
enum fg_own { FG_EVENTTIME, FG_DATE, FG_TIME, FG_TZ, FG_TYPE, FG_SRCROLE, FG_DSTROLE, FG_RCVDPKT };
#define FG(k) (RD_OWN + (k))

/* Keys that fill the schema (type="traffic" only, but devname) or that
 * the reader reads; the last of a key wins. */
static const rd_map_t fg_map[] = {
    RD_MAP("srcip", SC_SRC_IP, RD_IP, 0),          RD_MAP("srcport", SC_SRC_PORT, RD_NUM, 0),
    RD_MAP("dstip", SC_DEST_IP, RD_IP, 0),         RD_MAP("dstport", SC_DEST_PORT, RD_NUM, 0),
    RD_MAP("proto", SC_PROTOCOL, RD_PROTO, 0),     RD_MAP("action", SC_ACTION, RD_TEXT, 0),
    RD_MAP("sentbyte", SC_BYTES_OUT, RD_NUM, 0),   RD_MAP("rcvdbyte", SC_BYTES_IN, RD_NUM, 0),
    RD_MAP("user", SC_USER, RD_TEXT, 0),           RD_MAP("devname", SC_HOST, RD_HOST, 0),
    RD_MAP("eventtime", FG(FG_EVENTTIME), RD_TEXT, 0), RD_MAP("date", FG(FG_DATE), RD_TEXT, 0),
    RD_MAP("time", FG(FG_TIME), RD_TEXT, 0),       RD_MAP("tz", FG(FG_TZ), RD_TEXT, 0),
    RD_MAP("type", FG(FG_TYPE), RD_TEXT, 0),       RD_MAP("srcintfrole", FG(FG_SRCROLE), RD_TEXT, 0),
    RD_MAP("dstintfrole", FG(FG_DSTROLE), RD_TEXT, 0), RD_MAP("rcvdpkt", FG(FG_RCVDPKT), RD_TEXT, 0),
    RD_MAP("sessionid", SC_CONN_ID, RD_TEXT, 0),
};
static const rd_maptab_t fg_tab = RD_MAPTAB(fg_map, RD_EXACT);

/* FortiGate's session-end actions: the policy let the session through. */
static const char *const fg_ended[] = {"close", "timeout", "server-rst", "client-rst"};

/* Direction and outcome of a traffic record: the interfaces' roles (lan,
 * dmz inside; wan outside) say who opened it; the action says whether
 * the policy let it through (accept, or a session's end: close, timeout,
 * *-rst) or blocked it (deny, …); an allowed TCP session that got no
 * packet back was never answered. Byte counts include headers. */
static void fg_schema(rd_acc_t *a) {
    if (rd_acc_wants(a, SC_DIRECTION)) {
        pstr_t dir = schema_direction_of(schema_zone_inside(rd_acc_get(a, FG(FG_SRCROLE))),
                                         schema_zone_inside(rd_acc_get(a, FG(FG_DSTROLE))));
        if (dir.n) rd_acc_set(a, SC_DIRECTION, RD_TEXT, dir);
    }
    if (!rd_acc_wants(a, SC_OUTCOME)) return;
    pstr_t act = rd_acc_get(a, SC_ACTION), out = schema_outcome(act);
    for (size_t k = 0; !out.n && k < sizeof fg_ended / sizeof fg_ended[0]; k++)
        if (pstr_eq(act, pstr_c(fg_ended[k]))) out = PSTR_LIT("allowed");
    if (pstr_eq(out, PSTR_LIT("allowed")) && rd_count_sign(rd_acc_get(a, FG(FG_RCVDPKT))) == 0 &&
        pstr_eq(schema_protocol(rd_acc_get(a, SC_PROTOCOL)), PSTR_LIT("tcp")))
        out = PSTR_LIT("failed");
    if (out.n) rd_acc_set(a, SC_OUTCOME, RD_TEXT, out);
}

/* The record's time: eventtime, else date + time (+ tz offset). */
static bool fg_time(const rd_acc_t *a, int64_t *ms) {
    pstr_t et = rd_acc_get(a, FG(FG_EVENTTIME)), date = rd_acc_get(a, FG(FG_DATE)), time = rd_acc_get(a, FG(FG_TIME)),
           tz = rd_acc_get(a, FG(FG_TZ));
    if (et.n && dt_parse(et, ms)) return true;
    if (!date.n || !time.n || date.n + time.n + tz.n > 60) return false;
    char buf[64];
    size_t k = 0;
    memcpy(buf, date.p, date.n);
    k += date.n;
    buf[k++] = ' ';
    memcpy(buf + k, time.p, time.n);
    k += time.n;
    size_t bare = k;
    if (tz.n) {
        buf[k++] = ' ';
        memcpy(buf + k, tz.p, tz.n);
        k += tz.n;
    }
    return dt_parse(pstr(buf, k), ms) || dt_parse(pstr(buf, bare), ms); /* a zone name: device time as UTC */
}

/* A FortiGate line holds logid= and devid= (quoted or not), or, as
 * samples trimmed of the device's identity do, logid= with vd= and
 * subtype= (the virtual domain and the log's subtype: FortiOS's own keys). */
static bool fg_is(pstr_t b) {
    return pstr_contains(b, PSTR_LIT("logid=")) &&
           (pstr_contains(b, PSTR_LIT("devid=")) ||
            (pstr_contains(b, PSTR_LIT(" vd=")) && pstr_contains(b, PSTR_LIT(" subtype="))));
}

/* One line: a FortiGate key=value line into rec, another line skipped. */
static rd_status_t fg_record(rd_ctx_t *c, void *st, const rd_line_t *l, record_t *rec) {
    rd_base_t *s = st;
    if (!fg_is(l->body)) return RD_SKIP;
    rd_kv_t kv = {l->body.p, l->body.n, 0};
    rd_tok_t t;
    bool bad;
    rd_acc_t a;
    rd_acc_init(&a, &s->ids, NULL, RD_ACC_LAST);
    for (unsigned pos = 0; rd_kv_next(&kv, &t, &bad); pos++) {
        if (t.bare) continue;
        pstr_t val = t.esc ? rd_unescape(t.val, c->arena, NULL, NULL) : t.val;
        rd_key_t k = rd_key(c, pos, t.key, false, &fg_tab);
        if (k.id != FIELD_NONE) rec_set(rec, k.id, val_strv(val));
        if (k.m) rd_acc_put(&a, k.m, val);
    }
    if (bad) {
        c->reason = RD_R_KVQUOTE;
        return RD_REJECT;
    }
    int64_t ms;
    if (fg_time(&a, &ms)) rd_time(c, ms);
    if (pstr_eq(rd_acc_get(&a, FG(FG_TYPE)), PSTR_LIT("traffic"))) {
        pstr_t proto = rd_acc_get(&a, SC_PROTOCOL);
        bool ports = pstr_eq(proto, PSTR_LIT("6")) || pstr_eq(proto, PSTR_LIT("17"));
        if (!rd_ip_ok(rd_acc_get(&a, SC_SRC_IP)) || !rd_ip_ok(rd_acc_get(&a, SC_DEST_IP)) ||
            (ports && (!rd_port_ok(rd_acc_get(&a, SC_SRC_PORT)) || !rd_port_ok(rd_acc_get(&a, SC_DEST_PORT))))) {
            c->reason = RD_R_ADDR;
            return RD_REJECT;
        }
        fg_schema(&a);
    } else { /* srcport/dstport are aliases of src_port/dest_port: a UTM or event log is no connection */
        for (unsigned f = 0; f < SC_N; f++)
            if (f != SC_HOST) rd_acc_clear(&a, f);
        static const uint8_t ports[] = {SC_SRC_PORT, SC_DEST_PORT};
        for (size_t j = 0; j < sizeof ports; j++)
            if (s->ids.id[ports[j]] != FIELD_NONE) rec_unset(rec, s->ids.id[ports[j]]);
    }
    rd_acc_syslog(&a, &l->sl);
    rd_acc_emit(c, &a, rec);
    rd_category(c, PSTR_LIT("network/firewall/fortigate"));
    return RD_REC;
}

/* One line per call. */
static rd_status_t fg_next(rd_ctx_t *c, const char *p, size_t n, bool eof, size_t *used, record_t *rec) {
    return rd_line_record(c, p, n, eof, used, rec, fg_record);
}

/* A FortiGate line (fg_is). */
static int fg_line(const rd_line_t *l) { return fg_is(l->sl.body) ? 90 : 0; }

/* See reader.h. */
const rd_impl_t rd_fortigate = {
    .pub = {"fortigate",
            "Fortinet FortiGate logs: key=value text (quoted or not), with or without a syslog header; other lines "
            "skipped",
            "lines holding `logid=` and `devid=` (or `vd=` and `subtype=`)",
            "_messageTime (eventtime in s/ms/us/ns, else date+time+tz), _sourceCategory (network/firewall/fortigate), "
            "_sourceHost, host (devname); type=\"traffic\" only: src_ip (srcip), src_port (srcport), dest_ip (dstip), "
            "dest_port (dstport), protocol (proto), action, outcome (action, rcvdpkt), conn_id (sessionid), "
            "bytes_out (sentbyte), bytes_in (rcvdbyte), user, direction (srcintfrole and dstintfrole: lan, dmz, wan)"},
    .line = fg_line,
    .open = rd_base_open,
    .next = fg_next,
    .close = rd_base_close,
    .line_sync = true,
    .split = 1,
    .mux = true,
};
