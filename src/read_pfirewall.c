/* read_pfirewall.c — Windows Defender Firewall's text log (pfirewall.log).
 *
 * A W3C-style file: `#Version: 1.5`, `#Software: Microsoft Windows
 * Firewall`, `#Time Format: Local` and `#Fields: date time action protocol
 * src-ip dst-ip src-port dst-port size tcpflags tcpsyn tcpack tcpwin
 * icmptype icmpcode info path [pid]`, then one row a connection (ALLOW) or
 * dropped packet (DROP), cells cut at single blanks, `-` for none. The
 * #Fields line names the columns (rows cut out of a log without their
 * header are read by the layout Windows writes); every cell but `-` is a
 * field under its column's name and the table below fills the schema.
 * Header lines are the only state: a large file is read by -j threads,
 * each fed the header first (split 3, input_lanes.c).
 */
#include <string.h>

#include "datetime.h"
#include "reader.h"

#define PW_MAXCOLS 64 /* columns mapped (Windows writes 17, 18 with pid) */

/* Values the reader decides by (accumulator slots). */
enum { P_DATE, P_TIME, P_PATH, P_INFO };
#define PO(k) (RD_OWN + (k))

/* The columns that fill the schema (their names as #Fields writes them). */
static const rd_map_t pw_map[] = {
    RD_MAP("date", PO(P_DATE), RD_TEXT, 0),       RD_MAP("time", PO(P_TIME), RD_TEXT, 0),
    RD_MAP("action", SC_ACTION, RD_TEXT, 0),      RD_MAP("protocol", SC_PROTOCOL, RD_PROTO, 0),
    RD_MAP("src-ip", SC_SRC_IP, RD_IP, 0),        RD_MAP("dst-ip", SC_DEST_IP, RD_IP, 0),
    RD_MAP("src-port", SC_SRC_PORT, RD_NUM, 0),   RD_MAP("dst-port", SC_DEST_PORT, RD_NUM, 0),
    RD_MAP("path", PO(P_PATH), RD_TEXT, 0),       RD_MAP("info", PO(P_INFO), RD_TEXT, 0),
    RD_MAP("pid", SC_PID, RD_NUM, 0),
};
static const rd_maptab_t pw_tab = RD_MAPTAB(pw_map, RD_ICASE);

/* The layout of a row when no #Fields line came first: Windows' own,
 * pid last (a row of one cell fewer has none). */
static const char *const pw_default[] = {"date",     "time",   "action", "protocol", "src-ip",   "dst-ip",
                                         "src-port", "dst-port", "size", "tcpflags", "tcpsyn",   "tcpack",
                                         "tcpwin",   "icmptype", "icmpcode", "info", "path",     "pid"};
#define PW_NDEFAULT (sizeof pw_default / sizeof pw_default[0])

/* A column. */
typedef struct pw_col {
    uint32_t id;        /* field to set, FIELD_NONE when the query does not read it */
    const rd_map_t *m;  /* its entry in pw_tab, or NULL */
} pw_col_t;

/* Per-input state (heap, owned by the reader). */
typedef struct pw {
    rd_base_t b;              /* schema ids, clock */
    bool have_hdr;            /* a #Fields line was read (else the default layout) */
    unsigned ncol;            /* columns (at most PW_MAXCOLS) */
    pw_col_t col[PW_MAXCOLS]; /* what each is */
} pw_t;

/* Map the columns named names[0..n) (views or static strings). */
static void pw_layout(rd_ctx_t *c, pw_t *s, const pstr_t *names, unsigned n) {
    s->ncol = n < PW_MAXCOLS ? n : PW_MAXCOLS;
    for (unsigned k = 0; k < s->ncol; k++) {
        int sp;
        s->col[k].id = rd_lookup(c, RD_KCACHE, names[k], false, &sp); /* date and time: rd_time, not noted */
        s->col[k].m = rd_map_find(&pw_tab, names[k]);
    }
}

static void *pw_open(rd_ctx_t *c) {
    pw_t *s = rd_base_alloc(c, sizeof *s);
    pstr_t names[PW_NDEFAULT];
    for (unsigned k = 0; k < PW_NDEFAULT; k++) names[k] = pstr_c(pw_default[k]);
    pw_layout(c, s, names, PW_NDEFAULT);
    return s;
}

/* Cut t at single blanks into up to max cells (max <= PW_MAXCOLS);
 * returns how many it has, or max + 2 when more than max + 1 (a count
 * above max either way: the callers reject those rows). */
static unsigned pw_cut(pstr_t t, pstr_t *cells, unsigned max) {
    size_t pos[PW_MAXCOLS];
    bool more;
    unsigned k = str_byte_pos(t.p, 0, t.n, ' ', pos, max, &more);
    size_t b = 0; /* the cell's start */
    for (unsigned i = 0; i < k; i++) {
        cells[i] = pstr(t.p + b, pos[i] - b);
        b = pos[i] + 1;
    }
    if (k < max) cells[k] = pstr(t.p + b, t.n - b);
    return more ? max + 2 : k + 1;
}

/* A header line: `#Fields: …` sets the layout, the others say nothing
 * (ud: the pw_t). */
static void pw_header(rd_ctx_t *c, void *ud, pstr_t line) {
    pw_t *s = ud;
    static const char tag[] = "#Fields:";
    if (line.n < sizeof tag - 1 || !pstr_ieq_c(pstr(line.p, sizeof tag - 1), tag)) return;
    pstr_t rest = pstr_trim(pstr(line.p + sizeof tag - 1, line.n - (sizeof tag - 1)));
    if (!rest.n) return;
    pstr_t names[PW_MAXCOLS];
    unsigned n = pw_cut(rest, names, PW_MAXCOLS);
    pw_layout(c, s, names, n < PW_MAXCOLS ? n : PW_MAXCOLS);
    s->have_hdr = true;
}

/* The date and time cells as epoch ms (the host's local time, read as
 * UTC): dt_parse of `DATE` `T` `TIME` (its fixed-layout path reads
 * Windows' `YYYY-MM-DD` and `HH:MM:SS`). */
static bool pw_time(pstr_t date, pstr_t time, int64_t *ms) {
    char buf[40];
    if (date.n != 10 || !time.n || time.n > 20) return false;
    memcpy(buf, date.p, 10);
    buf[10] = 'T';
    memcpy(buf + 11, time.p, time.n);
    return dt_parse(pstr(buf, 11 + time.n), ms);
}

/* True for a protocol whose rows carry ports (a name or its IANA number). */
static bool pw_ports(pstr_t proto) {
    return pstr_ieq_c(proto, "TCP") || pstr_ieq_c(proto, "UDP") || pstr_eq(proto, PSTR_LIT("6")) ||
           pstr_eq(proto, PSTR_LIT("17"));
}

/* One data row into rec (cells checked, then the schema). */
static rd_status_t pw_row(rd_ctx_t *c, pw_t *s, pstr_t line, record_t *rec) {
    pstr_t cells[PW_MAXCOLS];
    unsigned n = pw_cut(line, cells, PW_MAXCOLS);
    /* with the default layout a row may lack the pid column */
    if (n > PW_MAXCOLS || (n != s->ncol && (s->have_hdr || n + 1 != s->ncol))) {
        c->reason = RD_R_WIDTH;
        return RD_REJECT;
    }
    rd_acc_t a;
    rd_acc_init(&a, &s->b.ids, NULL, 0);
    for (unsigned k = 0; k < n; k++) {
        if (pstr_eq(cells[k], PSTR_LIT("-"))) continue; /* no value */
        if (s->col[k].id != FIELD_NONE) rec_set(rec, s->col[k].id, val_strv(cells[k]));
        if (s->col[k].m) rd_acc_put(&a, s->col[k].m, cells[k]);
    }
    pstr_t act = rd_acc_get(&a, SC_ACTION), src = rd_acc_get(&a, SC_SRC_IP), dst = rd_acc_get(&a, SC_DEST_IP);
    if (!act.n) {
        c->reason = RD_R_FIELDS;
        return RD_REJECT;
    }
    /* INFO-EVENTS-LOST and its kin are about the log, not a connection */
    bool info = act.n >= 5 && pstr_ieq_c(pstr(act.p, 5), "INFO-");
    if ((!info || src.n || dst.n) && (!rd_ip_ok(src) || !rd_ip_ok(dst))) {
        c->reason = RD_R_ADDR;
        return RD_REJECT;
    }
    pstr_t sp = rd_acc_get(&a, SC_SRC_PORT), dp = rd_acc_get(&a, SC_DEST_PORT);
    if ((pw_ports(rd_acc_get(&a, SC_PROTOCOL)) || sp.n || dp.n) && (!rd_port_ok(sp) || !rd_port_ok(dp))) {
        c->reason = RD_R_ADDR;
        return RD_REJECT;
    }
    int64_t ms;
    if (pw_time(rd_acc_get(&a, PO(P_DATE)), rd_acc_get(&a, PO(P_TIME)), &ms)) rd_time(c, ms);
    /* path: SEND this host opened it, RECEIVE it came in; FORWARD (routed) says nothing */
    pstr_t path = rd_acc_get(&a, PO(P_PATH));
    if (pstr_ieq_c(path, "SEND")) rd_acc_set(&a, SC_DIRECTION, RD_TEXT, schema_direction_of(1, 0));
    else if (pstr_ieq_c(path, "RECEIVE") || pstr_ieq_c(act, "OPEN-INBOUND"))
        rd_acc_set(&a, SC_DIRECTION, RD_TEXT, schema_direction_of(0, 1));
    /* ALLOW allowed, DROP blocked; Windows XP's OPEN, OPEN-INBOUND and CLOSE allowed */
    if (pstr_ieq_c(act, "OPEN") || pstr_ieq_c(act, "OPEN-INBOUND") || pstr_ieq_c(act, "CLOSE"))
        rd_acc_set(&a, SC_OUTCOME, RD_TEXT, PSTR_LIT("allowed"));
    rd_acc_outcome(&a);
    rd_acc_emit(c, &a, rec);
    rd_category(c, PSTR_LIT("network/firewall/windows"));
    return RD_REC;
}

/* Header lines (read into the layout, no records), then one row a call. */
static rd_status_t pw_next(rd_ctx_t *c, const char *p, size_t n, bool eof, size_t *used, record_t *rec) {
    rd_line_t l;
    rd_status_t st = rd_line_data(c, p, n, eof, 0, used, &l, pw_header, c->st);
    return st == RD_REC ? pw_row(c, c->st, l.text, rec) : st;
}

/* The header Windows writes: `#Software: Microsoft Windows Firewall`, or
 * a #Fields line naming date, time, action and path, among the first
 * lines. */
static int pw_probe(const char *p, size_t n) {
    size_t i = n >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
    for (unsigned k = 0; k < 8 && i < n; k++) {
        const char *nl = memchr(p + i, '\n', n - i);
        pstr_t t = pstr_trim(pstr(p + i, (nl ? (size_t)(nl - p) : n) - i));
        i = nl ? (size_t)(nl - p) + 1 : n;
        if (!t.n) continue;
        if (t.p[0] != '#') return 0;
        if (pstr_ieq_c(t, "#Software: Microsoft Windows Firewall")) return 95;
        if (pstr_ifind(t, PSTR_LIT("#Fields: date time action protocol")) == 0 &&
            pstr_ifind(t, PSTR_LIT(" path")) > 0)
            return 95;
    }
    return 0;
}

/* A row as Windows writes it: `YYYY-MM-DD HH:MM:SS ACTION PROTOCOL
 * SRC-IP …`, 17 or 18 cells, the action an upper-case word, the protocol
 * a name, a number or `-`, the source an address or `-`. */
static int pw_line(const rd_line_t *l) {
    pstr_t t = l->text;
    if (t.n < 40 || t.p[4] != '-' || t.p[7] != '-' || t.p[10] != ' ' || t.p[13] != ':' || t.p[16] != ':' ||
        t.p[19] != ' ')
        return 0;
    for (size_t i = 0; i < 19; i++)
        if (i != 4 && i != 7 && i != 10 && i != 13 && i != 16 && (t.p[i] < '0' || t.p[i] > '9')) return 0;
    size_t e = 20;
    while (e < t.n && ((t.p[e] >= 'A' && t.p[e] <= 'Z') || t.p[e] == '-')) e++;
    if (e == 20 || e >= t.n || t.p[e] != ' ') return 0;
    pstr_t cells[PW_NDEFAULT + 1];
    unsigned k = pw_cut(t, cells, PW_NDEFAULT + 1);
    if (k != PW_NDEFAULT && k + 1 != PW_NDEFAULT) return 0;
    pstr_t proto = cells[3], src = cells[4];
    bool num = proto.n && proto.n <= 3;
    for (size_t i = 0; num && i < proto.n; i++) num = proto.p[i] >= '0' && proto.p[i] <= '9';
    bool proto_ok = num || pstr_eq(proto, PSTR_LIT("-")) || pstr_ieq_c(proto, "ICMP") || pw_ports(proto);
    return proto_ok && (pstr_eq(src, PSTR_LIT("-")) || rd_ip_ok(src)) ? 80 : 0;
}

/* See reader.h. */
const rd_impl_t rd_pfirewall = {
    .pub = {"pfirewall",
            "Windows Defender Firewall's text log (pfirewall.log): a #Fields header, then one row a connection or "
            "dropped packet",
            "a `#Software: Microsoft Windows Firewall` or `#Fields: date time action protocol … path` header; rows "
            "`YYYY-MM-DD HH:MM:SS ACTION …` of 17 or 18 cells",
            "_messageTime (date + time, the host's local time read as UTC), _sourceCategory "
            "(network/firewall/windows), src_ip (src-ip), src_port (src-port), dest_ip (dst-ip), dest_port "
            "(dst-port), protocol, action, outcome (ALLOW allowed, DROP blocked), direction (path SEND outbound, "
            "RECEIVE inbound), pid"},
    .probe = pw_probe,
    .line = pw_line,
    .open = pw_open,
    .next = pw_next,
    .close = rd_base_close,
    .line_sync = true,
    .split = 3,
};
