/* read_panos.c — Palo Alto Networks PAN-OS TRAFFIC logs (positional CSV).
 *
 * `[syslog header] FUTURE_USE,Receive Time,Serial,TRAFFIC,Subtype,…`: one
 * session a line, cells quoted only when they hold a comma or a quote.
 * The line is found by its shape (a number, then `YYYY/MM/DD hh:mm:ss`,
 * a serial and a log type), not by the header, which relays write in
 * many ways. Cells become fields under PAN-OS's own syslog names (src,
 * dst, sport, dport, app, bytes_sent, …, as in its custom log format);
 * other log types (THREAT, SYSTEM, …) and other lines are skipped.
 */
#include <string.h>

#include "reader.h"

/* The TRAFFIC cells by position (PAN-OS 9.1-11.x); NULL: FUTURE_USE. */
static const char *const pan_names[] = {
    NULL, "receive_time", "serial", "type", "subtype", NULL, "time_generated", "src", "dst", "natsrc", "natdst",
    "rule", "srcuser", "dstuser", "app", "vsys", "from", "to", "inbound_if", "outbound_if", "logset", NULL,
    "sessionid", "repeatcnt", "sport", "dport", "natsport", "natdport", "flags", "proto", "action", "bytes",
    "bytes_sent", "bytes_received", "packets", "start", "elapsed", "category", NULL, "seqno", "actionflags",
    "srcloc", "dstloc", NULL, "pkts_sent", "pkts_received", "session_end_reason", "dg_hier_level_1",
    "dg_hier_level_2", "dg_hier_level_3", "dg_hier_level_4", "vsys_name", "device_name", "action_source",
    "src_uuid", "dst_uuid", "tunnelid", "monitortag", "parent_session_id", "parent_start_time", "tunnel",
    "assoc_id", "chunks", "chunks_sent", "chunks_received", "rule_uuid", "http2_connection", "link_change_count",
    "policy_id", "link_switches", "sdwan_cluster", "sdwan_device_type", "sdwan_cluster_type", "sdwan_site",
    "dynusergroup_name",
};
#define PAN_NCOL (sizeof pan_names / sizeof pan_names[0])

/* Positions the checks read. */
enum {
    PAN_SRC = 7, PAN_DST = 8, PAN_SPORT = 24, PAN_DPORT = 25,
    PAN_MINCOL = PAN_DPORT + 1 /* a TRAFFIC line must reach the destination port */
};

/* Cells the reader decides by, as own slots of the accumulator. */
enum pan_own { P_FROM, P_TO, P_APP, P_PKTS_RCVD };
#define PO(k) (RD_OWN + (k))

/* The cells that fill the schema or that the reader reads. */
static const rd_map_t pan_map[] = {
    RD_MAP("time_generated", SC_MESSAGETIME, RD_TIME, 0), RD_MAP("src", SC_SRC_IP, RD_IP, 0),
    RD_MAP("sport", SC_SRC_PORT, RD_NUM, 0),              RD_MAP("dst", SC_DEST_IP, RD_IP, 0),
    RD_MAP("dport", SC_DEST_PORT, RD_NUM, 0),             RD_MAP("proto", SC_PROTOCOL, RD_PROTO, 0),
    RD_MAP("action", SC_ACTION, RD_TEXT, 0),              RD_MAP("srcuser", SC_USER, RD_TEXT, 0),
    RD_MAP("bytes_sent", SC_BYTES_OUT, RD_NUM, 0),        RD_MAP("bytes_received", SC_BYTES_IN, RD_NUM, 0),
    RD_MAP("device_name", SC_HOST, RD_HOST, 0),           RD_MAP("sessionid", SC_CONN_ID, RD_TEXT, 0),
    RD_MAP("from", PO(P_FROM), RD_TEXT, 0),               RD_MAP("to", PO(P_TO), RD_TEXT, 0),
    RD_MAP("app", PO(P_APP), RD_TEXT, 0),                 RD_MAP("pkts_received", PO(P_PKTS_RCVD), RD_TEXT, 0),
};
static const rd_maptab_t pan_tab = RD_MAPTAB(pan_map, RD_EXACT);

/* Direction and outcome from the session's cells: the zones' names
 * (trust, untrust, …: schema_zone_inside) say who opened it; the action
 * says whether the policy let it through (deny, drop, reset-* blocked
 * it); an allowed TCP session that got no packet back was never
 * answered (a UDP one may have carried data one way), and App-ID
 * `incomplete` means no data crossed it (no handshake, or one without
 * data). Byte counts include headers: they never prove data. */
static void pan_schema(rd_acc_t *a) {
    if (rd_acc_wants(a, SC_DIRECTION)) {
        pstr_t dir = schema_direction_of(schema_zone_inside(rd_acc_get(a, PO(P_FROM))),
                                         schema_zone_inside(rd_acc_get(a, PO(P_TO))));
        if (dir.n) rd_acc_set(a, SC_DIRECTION, RD_TEXT, dir);
    }
    if (!rd_acc_wants(a, SC_OUTCOME)) return;
    pstr_t out = schema_outcome(rd_acc_get(a, SC_ACTION));
    if (pstr_eq(out, PSTR_LIT("allowed"))) {
        if (rd_count_sign(rd_acc_get(a, PO(P_PKTS_RCVD))) == 0 &&
            pstr_eq(schema_protocol(rd_acc_get(a, SC_PROTOCOL)), PSTR_LIT("tcp")))
            out = PSTR_LIT("failed");
        else if (pstr_eq(rd_acc_get(a, PO(P_APP)), PSTR_LIT("incomplete"))) out = PSTR_LIT("empty");
    }
    if (out.n) rd_acc_set(a, SC_OUTCOME, RD_TEXT, out);
}

/* Per-input state (heap, owned by the reader). */
typedef struct pan {
    rd_base_t b;                    /* schema ids, clock */
    uint32_t id[PAN_NCOL];          /* the field of each position */
    uint8_t read[PAN_NCOL];         /* the positions whose field the query reads, in order */
    unsigned nread;                 /* their number */
    rd_col_t cols[PAN_NCOL];        /* the positions pan_map maps */
    unsigned ncols;                 /* their number */
} pan_t;

static void *pan_open(rd_ctx_t *c) {
    pan_t *s = rd_base_alloc(c, sizeof *s);
    rd_ids(c, pan_names, PAN_NCOL, s->id);
    for (unsigned k = 0; k < PAN_NCOL; k++)
        if (s->id[k] != FIELD_NONE) s->read[s->nread++] = (uint8_t)k;
    s->ncols = rd_map_cols(&pan_tab, pan_names, PAN_NCOL, s->cols);
    return s;
}

static bool is_digit(char ch) { return ch >= '0' && ch <= '9'; }

/* `YYYY/MM/DD hh:mm:ss` is all of v. */
static bool pan_date(const char *v, size_t n) {
    static const char shape[] = "dddd/dd/dd dd:dd:dd";
    if (n != sizeof shape - 1) return false;
    for (size_t i = 0; i < n; i++)
        if (shape[i] == 'd' ? !is_digit(v[i]) : v[i] != shape[i]) return false;
    return true;
}

/* Where the CSV starts in t: the number before the first
 * `,YYYY/MM/DD hh:mm:ss,` (at the line's start or after a blank or the
 * '>' of a bare <PRI>); t.n when there is none. */
static size_t pan_start(pstr_t t) {
    const char *e = t.p + t.n;
    for (const char *q = t.p; (q = memchr(q, '/', (size_t)(e - q))) != NULL; q++) {
        size_t d = (size_t)(q - t.p);
        if (d < 6) continue; /* room for a digit, a comma and the year */
        d -= 4;              /* the date's first digit */
        if (t.p[d - 1] != ',' || t.n - d < 19 || !pan_date(t.p + d, 19) || (t.n - d > 19 && t.p[d + 19] != ','))
            continue;
        size_t b = d - 1;
        while (b > 0 && is_digit(t.p[b - 1])) b--;
        if (b == d - 1 || (b > 0 && t.p[b - 1] != ' ' && t.p[b - 1] != '\t' && t.p[b - 1] != '>')) continue;
        return b;
    }
    return t.n;
}

/* The log type cell (field 3) of the CSV at csv, or PSTR_NULL. */
static pstr_t pan_type(pstr_t csv) {
    size_t i = 0;
    for (int k = 0; k < 3; k++) {
        const char *q = memchr(csv.p + i, ',', csv.n - i);
        if (!q) return PSTR_NULL;
        i = (size_t)(q - csv.p) + 1;
    }
    const char *e = memchr(csv.p + i, ',', csv.n - i);
    return pstr(csv.p + i, e ? (size_t)(e - csv.p) - i : csv.n - i);
}

/* One line: a TRAFFIC CSV into rec, other lines skipped. */
static rd_status_t pan_record(rd_ctx_t *c, void *st, const rd_line_t *l, record_t *rec) {
    pan_t *s = st;
    size_t at = pan_start(l->text);
    if (at == l->text.n) return RD_SKIP;
    pstr_t csv = pstr(l->text.p + at, l->text.n - at);
    if (!pstr_eq(pan_type(csv), PSTR_LIT("TRAFFIC"))) return RD_SKIP;
    pstr_t cells[PAN_NCOL];
    bool quoted;
    long nc = rd_csv_split(csv, cells, PAN_NCOL, &quoted);
    if (nc < 0) {
        c->reason = RD_R_QUOTE;
        return RD_REJECT;
    }
    if (nc < PAN_MINCOL) {
        c->reason = RD_R_FIELDS;
        return RD_REJECT;
    }
    unsigned n = nc > (long)PAN_NCOL ? (unsigned)PAN_NCOL : (unsigned)nc;
    for (unsigned j = n; j < PAN_NCOL; j++) cells[j] = PSTR_NULL; /* a shortened line */
    if (quoted)
        for (unsigned k = 0; k < n; k++) cells[k] = rd_csv_cell(cells[k], c->arena);
    if (!rd_ip_ok(cells[PAN_SRC]) || !rd_ip_ok(cells[PAN_DST]) || !rd_port_ok(cells[PAN_SPORT]) ||
        !rd_port_ok(cells[PAN_DPORT])) {
        c->reason = RD_R_ADDR;
        return RD_REJECT;
    }
    rd_acc_t a;
    rd_acc_init(&a, &s->b.ids, NULL, 0);
    for (unsigned k = 0; k < s->nread && s->read[k] < n; k++) {
        unsigned j = s->read[k];
        rec_set(rec, s->id[j], val_strv(cells[j]));
    }
    for (unsigned k = 0; k < s->ncols; k++) rd_acc_put(&a, s->cols[k].m, cells[s->cols[k].col]);
    pan_schema(&a);
    sl_hdr_t h = l->sl;
    if (h.host.p && h.host.p >= csv.p) h.host = PSTR_NULL; /* a relay header without a host */
    rd_acc_syslog(&a, &h);
    rd_acc_emit(c, &a, rec);
    rd_category(c, PSTR_LIT("network/firewall/panos"));
    return RD_REC;
}

/* One line per call. */
static rd_status_t pan_next(rd_ctx_t *c, const char *p, size_t n, bool eof, size_t *used, record_t *rec) {
    return rd_line_record(c, p, n, eof, used, rec, pan_record);
}

/* A PAN-OS line: 90 for TRAFFIC, 60 for another log type. */
static int pan_line(const rd_line_t *l) {
    size_t at = pan_start(l->text);
    if (at == l->text.n) return 0;
    pstr_t t = pan_type(pstr(l->text.p + at, l->text.n - at));
    if (pstr_eq(t, PSTR_LIT("TRAFFIC"))) return 90;
    for (size_t i = 0; i < t.n; i++)
        if (!(t.p[i] >= 'A' && t.p[i] <= 'Z') && t.p[i] != '-' && t.p[i] != '_') return 0;
    return t.n >= 3 ? 60 : 0;
}

/* See reader.h. */
const rd_impl_t rd_panos = {
    .pub = {"panos",
            "Palo Alto Networks PAN-OS TRAFFIC logs: positional CSV, with or without a syslog header; other log "
            "types and lines skipped",
            "lines (any header) holding `N,YYYY/MM/DD hh:mm:ss,SERIAL,TRAFFIC,`",
            "_messageTime (time_generated, device time as UTC), _sourceCategory (network/firewall/panos), "
            "_sourceHost, host (device_name, else syslog host), src_ip (src), src_port (sport), dest_ip (dst), "
            "dest_port (dport), protocol (proto), direction (from/to zones), action, outcome (action, "
            "pkts_received, app), conn_id (sessionid), user (srcuser), bytes_out (bytes_sent), bytes_in "
            "(bytes_received)"},
    .line = pan_line,
    .open = pan_open,
    .next = pan_next,
    .close = rd_base_close,
    .line_sync = true,
    .split = 1,
    .mux = true,
};
