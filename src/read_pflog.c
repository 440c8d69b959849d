/* read_pflog.c — pfSense / OPNsense filterlog: pf's packet log as CSV in syslog.
 *
 * `<header> filterlog[pid]: rule,subrule,anchor,tracker,iface,reason,
 * action,dir,ipver,…`: nine common cells, then an IPv4 or IPv6 block
 * (their protocol cells stand in opposite order), length and addresses,
 * then ports for TCP and UDP and TCP's own cells. The layout is chosen by
 * the cells themselves; each cell becomes a field under pfSense's own
 * name (filter_log.inc), except the direction, which is `dir` (the
 * schema's `direction` means who opened the connection; pf's in/out is
 * the packet's way through one interface). Other syslog lines are skipped.
 */
#include <string.h>

#include "reader.h"

/* pfSense's names for the cells. ORDER PF: the enum below. */
#define PF_NAMES(X)                                                                                     \
    X(PF_RULENUM, "rulenum") X(PF_SUBRULENUM, "subrulenum") X(PF_ANCHOR, "anchor")                     \
    X(PF_TRACKER, "tracker") X(PF_REALINT, "realint") X(PF_REASON, "reason") X(PF_ACT, "act")         \
    X(PF_DIR, "dir") X(PF_VERSION, "version") X(PF_TOS, "tos") X(PF_ECN, "ecn") X(PF_TTL, "ttl")       \
    X(PF_ID, "id") X(PF_OFFSET, "offset") X(PF_FLAGS, "flags") X(PF_PROTOID, "protoid")               \
    X(PF_PROTO, "proto") X(PF_CLASS, "class") X(PF_FLOWLABEL, "flowlabel") X(PF_HLIM, "hlim")         \
    X(PF_LENGTH, "length") X(PF_SRCIP, "srcip") X(PF_DSTIP, "dstip") X(PF_SRCPORT, "srcport")         \
    X(PF_DSTPORT, "dstport") X(PF_DATALEN, "datalen") X(PF_TCPFLAGS, "tcpflags") X(PF_SEQ, "seq")     \
    X(PF_ACK, "ack") X(PF_WINDOW, "window") X(PF_URG, "urg") X(PF_OPTIONS, "options")

enum pf_name {
#define X(id, name) id,
    PF_NAMES(X)
#undef X
    PF_N
};

static const char *const pf_names[PF_N] = {
#define X(id, name) name,
    PF_NAMES(X)
#undef X
};

/* The blocks of a line, in the order they follow one another. */
static const uint8_t pf_common[] = {PF_RULENUM, PF_SUBRULENUM, PF_ANCHOR, PF_TRACKER, PF_REALINT,
                                    PF_REASON,  PF_ACT,        PF_DIR,    PF_VERSION};
static const uint8_t pf_ip4[] = {PF_TOS, PF_ECN, PF_TTL, PF_ID, PF_OFFSET, PF_FLAGS, PF_PROTOID, PF_PROTO};
static const uint8_t pf_ip6[] = {PF_CLASS, PF_FLOWLABEL, PF_HLIM, PF_PROTO, PF_PROTOID};
static const uint8_t pf_addr[] = {PF_LENGTH, PF_SRCIP, PF_DSTIP};
static const uint8_t pf_ports[] = {PF_SRCPORT, PF_DSTPORT, PF_DATALEN};
static const uint8_t pf_tcp[] = {PF_TCPFLAGS, PF_SEQ, PF_ACK, PF_WINDOW, PF_URG, PF_OPTIONS};

#define PF_MAXCELLS 64

/* The cells that fill the schema (proto, else protoid). */
static const rd_map_t pf_map[] = {
    RD_MAP("srcip", SC_SRC_IP, RD_IP, 0),       RD_MAP("srcport", SC_SRC_PORT, RD_NUM, 0),
    RD_MAP("dstip", SC_DEST_IP, RD_IP, 0),      RD_MAP("dstport", SC_DEST_PORT, RD_NUM, 0),
    RD_MAP("proto", SC_PROTOCOL, RD_PROTO, 0),  RD_MAP("protoid", SC_PROTOCOL, RD_PROTO, 1),
    RD_MAP("act", SC_ACTION, RD_TEXT, 0),
};
static const rd_maptab_t pf_tab = RD_MAPTAB(pf_map, RD_EXACT);

/* Per-input state (heap, owned by the reader). */
typedef struct pfl {
    rd_base_t b;             /* schema ids, clock */
    uint32_t id[PF_N];       /* the field of each name, FIELD_NONE when not read */
    rd_col_t cols[PF_N];     /* the names pf_map maps */
    unsigned ncols;          /* their number */
} pfl_t;

static void *pf_open(rd_ctx_t *c) {
    pfl_t *s = rd_base_alloc(c, sizeof *s);
    rd_ids(c, pf_names, PF_N, s->id);
    s->ncols = rd_map_cols(&pf_tab, pf_names, PF_N, s->cols);
    return s;
}

/* The CSV of a filterlog line: the message of a `filterlog` tag, or the
 * text after `filterlog[pid]: ` / `filterlog: ` when the header was not
 * one sl_parse knows. PSTR_NULL for other lines. */
static pstr_t pf_csv(const sl_hdr_t *h, pstr_t text) {
    if (pstr_eq(h->tag, PSTR_LIT("filterlog"))) return h->body;
    const char *q = str_search(text, PSTR_LIT("filterlog"), false);
    if (!q) return PSTR_NULL;
    size_t i = (size_t)(q - text.p) + 9;
    if (i < text.n && text.p[i] == '[') {
        while (i < text.n && text.p[i] != ']') i++;
        i++;
    }
    if (i >= text.n || text.p[i] != ':') return PSTR_NULL;
    i++;
    while (i < text.n && text.p[i] == ' ') i++;
    return pstr(text.p + i, text.n - i);
}

/* The cells of one block from *at on, as fields and into the named slots v[]. */
static void pf_block(const pfl_t *s, const uint8_t *blk, size_t nb, const pstr_t *cells, unsigned *at,
                     pstr_t *v, record_t *rec) {
    for (size_t k = 0; k < nb; k++) {
        pstr_t cell = cells[(*at)++];
        v[blk[k]] = cell;
        if (s->id[blk[k]] != FIELD_NONE) rec_set(rec, s->id[blk[k]], val_strv(cell));
    }
}

/* One line: a filterlog CSV into rec, another line skipped. */
static rd_status_t pf_record(rd_ctx_t *c, void *st, const rd_line_t *l, record_t *rec) {
    pfl_t *s = st;
    pstr_t csv = pf_csv(&l->sl, l->text);
    if (!csv.p) return RD_SKIP;
    pstr_t cells[PF_MAXCELLS];
    bool quoted;
    long nc = rd_csv_split(csv, cells, PF_MAXCELLS, &quoted);
    if (nc > PF_MAXCELLS) nc = PF_MAXCELLS;
    pstr_t v[PF_N];
    memset(v, 0, sizeof v);
    unsigned at = 0, n = nc > 0 ? (unsigned)nc : 0;
    c->reason = RD_R_FIELDS;
    if (n < sizeof pf_common + sizeof pf_ip6 + sizeof pf_addr) return RD_REJECT;
    pf_block(s, pf_common, sizeof pf_common, cells, &at, v, rec);
    bool v4 = pstr_eq(v[PF_VERSION], PSTR_LIT("4"));
    if (!v4 && !pstr_eq(v[PF_VERSION], PSTR_LIT("6"))) return RD_REJECT;
    const uint8_t *ipb = v4 ? pf_ip4 : pf_ip6;
    size_t nip = v4 ? sizeof pf_ip4 : sizeof pf_ip6;
    if (n < at + nip + sizeof pf_addr) return RD_REJECT;
    pf_block(s, ipb, nip, cells, &at, v, rec);
    pf_block(s, pf_addr, sizeof pf_addr, cells, &at, v, rec);
    bool tcp = pstr_eq(v[PF_PROTOID], PSTR_LIT("6")), udp = pstr_eq(v[PF_PROTOID], PSTR_LIT("17"));
    if (tcp || udp) {
        if (n < at + sizeof pf_ports) return RD_REJECT;
        pf_block(s, pf_ports, sizeof pf_ports, cells, &at, v, rec);
        if (tcp) pf_block(s, pf_tcp, n - at < sizeof pf_tcp ? n - at : sizeof pf_tcp, cells, &at, v, rec);
    }
    c->reason = RD_R_ADDR;
    if (!rd_ip_ok(v[PF_SRCIP]) || !rd_ip_ok(v[PF_DSTIP])) return RD_REJECT;
    if ((tcp || udp) && (!rd_port_ok(v[PF_SRCPORT]) || !rd_port_ok(v[PF_DSTPORT]))) return RD_REJECT;
    rd_acc_t a;
    rd_acc_init(&a, &s->b.ids, NULL, 0);
    for (unsigned k = 0; k < s->ncols; k++) rd_acc_put(&a, s->cols[k].m, v[s->cols[k].col]);
    rd_acc_outcome(&a); /* pass allowed, block blocked */
    rd_acc_syslog(&a, &l->sl);
    rd_acc_emit(c, &a, rec);
    rd_category(c, PSTR_LIT("network/firewall/pfsense"));
    return RD_REC;
}

/* One line per call. */
static rd_status_t pf_next(rd_ctx_t *c, const char *p, size_t n, bool eof, size_t *used, record_t *rec) {
    return rd_line_record(c, p, n, eof, used, rec, pf_record);
}

/* A `filterlog` line. */
static int pf_line(const rd_line_t *l) { return pf_csv(&l->sl, l->text).p ? 90 : 0; }

/* See reader.h. */
const rd_impl_t rd_pflog = {
    .pub = {"pflog",
            "pfSense / OPNsense filterlog lines (pf's packet log, CSV in syslog), IPv4 and IPv6; other lines skipped",
            "lines whose syslog tag is `filterlog` (or that hold `filterlog[pid]:`)",
            "_messageTime (syslog header), _sourceCategory (network/firewall/pfsense), _sourceHost, host (syslog "
            "host), src_ip (srcip), src_port (srcport), dest_ip (dstip), dest_port (dstport), protocol (proto), "
            "action (act: pass, block)"},
    .line = pf_line,
    .open = pf_open,
    .next = pf_next,
    .close = rd_base_close,
    .line_sync = true,
    .split = 1,
    .mux = true,
};
