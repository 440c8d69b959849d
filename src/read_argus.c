/* read_argus.c — Argus flow records as `ra -c ,` writes them: the
 * Stratosphere / Slips `.binetflow` files (CSV, or TAB-separated).
 *
 * The header row names the columns (StartTime, Dur, Proto, SrcAddr,
 * Sport, Dir, DstAddr, Dport, State, sTos, dTos, TotPkts, TotBytes,
 * SrcBytes, SrcPkts, Label, …; any order, any subset); every column is a
 * field under its name and the table below fills the schema. The CSV
 * framer is read_csv.c's, with the separator the header uses. A flow
 * record is one bidirectional flow as Argus saw it on the wire: no
 * process, no host, and no side that is "this host".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reader.h"

#define AR_MAXCOLS 256  /* columns mapped (binetflow has 15 to 17) */

/* Values the reader decides by (accumulator slots). */
enum { A_SRC, A_DST, A_SPORT, A_DPORT, A_TOT };
#define AO(k) (RD_OWN + (k))

/* Argus' column names (ra's field titles, ASCII case ignored). */
static const rd_map_t ar_map[] = {
    RD_MAP("StartTime", SC_MESSAGETIME, RD_TIME, 0),
    RD_MAP("SrcAddr", AO(A_SRC), RD_TEXT, 0),
    RD_MAP("DstAddr", AO(A_DST), RD_TEXT, 0),
    RD_MAP("Sport", AO(A_SPORT), RD_TEXT, 0),
    RD_MAP("Dport", AO(A_DPORT), RD_TEXT, 0),
    RD_MAP("Proto", SC_PROTOCOL, RD_PROTO, 0),
    RD_MAP("State", SC_ACTION, RD_TEXT, 0),
    RD_MAP("SrcBytes", SC_BYTES_OUT, RD_NUM, 0),
    RD_MAP("DstBytes", SC_BYTES_IN, RD_NUM, 0),
    RD_MAP("TotBytes", AO(A_TOT), RD_TEXT, 0),
};
static const rd_maptab_t ar_tab = RD_MAPTAB(ar_map, RD_ICASE);

/* A header column. */
typedef struct ar_col {
    uint32_t id;          /* field to set, FIELD_NONE when the query does not read it */
    int sp;               /* enum rd_special */
    const rd_map_t *m;    /* its entry in ar_tab, or NULL */
} ar_col_t;

/* Per-input state (heap, owned by the reader). */
typedef struct ar {
    rd_base_t b;              /* schema ids, clock */
    void *csv;                /* the CSV row framer's state */
    unsigned ncol;            /* the header's columns (at most AR_MAXCOLS) */
    ar_col_t col[AR_MAXCOLS]; /* what each is */
} ar_t;

static void *ar_open(rd_ctx_t *c) {
    ar_t *s = rd_base_alloc(c, sizeof(ar_t));
    s->csv = csv_open(c);
    return s;
}

static void ar_close(void *st) {
    ar_t *s = st;
    if (!s) return;
    csv_close(s->csv);
    rd_base_close(s);
}

/* The header row: each column's field and map entry. */
static void ar_header(rd_ctx_t *c, void *ud, const pstr_t *cells, unsigned nc) {
    ar_t *s = ud;
    s->ncol = nc < AR_MAXCOLS ? nc : AR_MAXCOLS;
    for (unsigned k = 0; k < s->ncol; k++) {
        pstr_t nm = pstr_trim(cells[k]);
        ar_col_t *col = &s->col[k];
        col->id = FIELD_NONE;
        col->sp = RD_SP_NONE;
        col->m = NULL;
        if (!nm.n) continue;
        col->id = rd_lookup(c, RD_KCACHE, nm, false, &col->sp);
        col->m = rd_map_find(&ar_tab, nm);
    }
}

/* True for the transports whose records carry addresses and ports. */
static bool has_ports(pstr_t proto) {
    return pstr_ieq_c(proto, "tcp") || pstr_ieq_c(proto, "udp") || pstr_ieq_c(proto, "sctp") ||
           pstr_ieq_c(proto, "udt") || pstr_ieq_c(proto, "rtp") || pstr_ieq_c(proto, "rtcp");
}

/* outcome (docs/schema.md §1.2) of a TCP flow from its State: the flags
 * each side sent ("FSPA_FSPA": source's, then destination's) when the
 * file was written with `ra -Z b`: a PSH either way carried payload (data);
 * no SYN back (S_, S_RA: unanswered or refused) failed; else empty. Of
 * Argus's state words only REQ (a SYN never answered) tells: failed.
 * Other protocols, and the words CON, RST, FIN, …: nothing (their byte
 * counts include headers, so they cannot prove payload either). */
static pstr_t ar_outcome(pstr_t proto, pstr_t state) {
    if (!pstr_ieq_c(proto, "tcp") || !state.n) return PSTR_NULL;
    if (pstr_ieq_c(state, "REQ")) return PSTR_LIT("failed");
    const char *us = memchr(state.p, '_', state.n);
    if (!us) return PSTR_NULL;
    pstr_t src = pstr(state.p, (size_t)(us - state.p)), dst = pstr(us + 1, state.n - src.n - 1);
    for (size_t i = 0; i < state.n; i++)
        if (!strchr("FSRPAUEC_", state.p[i])) return PSTR_NULL; /* not flag letters */
    if (memchr(src.p, 'P', src.n) || memchr(dst.p, 'P', dst.n)) return PSTR_LIT("data");
    if (!memchr(dst.p, 'S', dst.n)) return PSTR_LIT("failed");
    return PSTR_LIT("empty");
}

/* One flow: native columns, then the schema. */
static rd_status_t ar_row(rd_ctx_t *c, ar_t *s, const pstr_t *cells, record_t *rec) {
    rd_acc_t a;
    rd_acc_init(&a, &s->b.ids, &s->b.clock, RD_ACC_TRIM);
    for (unsigned k = 0; k < s->ncol; k++) {
        const ar_col_t *col = &s->col[k];
        if (col->id != FIELD_NONE) rec_set(rec, col->id, val_strv(cells[k]));
        rd_note(c, col->sp, val_strv(cells[k]));
        if (col->m) rd_acc_put(&a, col->m, cells[k]);
    }
    pstr_t src = rd_acc_get(&a, AO(A_SRC)), dst = rd_acc_get(&a, AO(A_DST));
    pstr_t sp = rd_acc_get(&a, AO(A_SPORT)), dp = rd_acc_get(&a, AO(A_DPORT));
    bool ports = has_ports(rd_acc_get(&a, SC_PROTOCOL)), src_ip = rd_ip_ok(src), dst_ip = rd_ip_ok(dst);
    if (ports && (!src_ip || !dst_ip || !rd_port_ok(sp) || !rd_port_ok(dp))) {
        c->reason = RD_R_ADDR; /* a TCP or UDP flow always has both ends */
        return RD_REJECT;
    }
    /* other protocols: addresses when they are IP ones (llc, arp hardware
     * addresses stay native), ports never (ICMP type and code in hex) */
    if (src_ip) rd_acc_set(&a, SC_SRC_IP, RD_IP, src);
    if (dst_ip) rd_acc_set(&a, SC_DEST_IP, RD_IP, dst);
    if (ports) {
        rd_acc_set(&a, SC_SRC_PORT, RD_NUM, sp);
        rd_acc_set(&a, SC_DEST_PORT, RD_NUM, dp);
    }
    /* the destination's bytes: DstBytes, else TotBytes - SrcBytes (worked
     * out only for a query that reads them: printing a number is dear) */
    double tot, out;
    if (rd_acc_wants(&a, SC_BYTES_IN) && !rd_acc_has(&a, SC_BYTES_IN) && str_to_num(rd_acc_get(&a, AO(A_TOT)), &tot) &&
        str_to_num(rd_acc_get(&a, SC_BYTES_OUT), &out) && tot >= out && tot < 1e18) {
        char *o = arena_alloc(c->arena, 24);
        int len = snprintf(o, 24, "%.0f", tot - out);
        rd_acc_keep(&a, SC_BYTES_IN, RD_NUM, 1, pstr(o, (size_t)len));
    }
    if (rd_acc_wants(&a, SC_OUTCOME)) {
        pstr_t oc = ar_outcome(rd_acc_get(&a, SC_PROTOCOL), rd_acc_get(&a, SC_ACTION));
        if (oc.n) rd_acc_set(&a, SC_OUTCOME, RD_TEXT, oc);
    }
    rd_acc_emit(c, &a, rec);
    rd_category(c, PSTR_LIT("network/argus/flow"));
    return RD_REC;
}

/* The header, then one flow a call. */
static rd_status_t ar_next(rd_ctx_t *c, const char *p, size_t n, bool eof, size_t *used, record_t *rec) {
    ar_t *s = c->st;
    const pstr_t *cells;
    unsigned nc;
    rd_status_t st = csv_data_row(c, s->csv, p, n, eof, used, &cells, &nc, ar_header, s);
    return st == RD_REC ? ar_row(c, s, cells, rec) : st;
}

/* A first line naming StartTime, SrcAddr and DstAddr, comma- or
 * TAB-separated. */
static int ar_probe(const char *p, size_t n) {
    size_t i = n >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
    while (i < n && (p[i] == '\n' || p[i] == '\r' || p[i] == ' ')) i++;
    const char *nl = memchr(p + i, '\n', n - i);
    pstr_t h = pstr_trim(pstr(p + i, (nl ? (size_t)(nl - p) : n) - i));
    if (h.n < 10) return 0;
    char sep = csv_sep_of(h);
    unsigned got = 0;
    for (size_t k = 0; k <= h.n;) {
        const char *e = memchr(h.p + k, sep, h.n - k);
        size_t j = e ? (size_t)(e - h.p) : h.n;
        pstr_t cell = pstr_trim(pstr(h.p + k, j - k));
        got |= pstr_ieq_c(cell, "StartTime") | pstr_ieq_c(cell, "SrcAddr") << 1 | pstr_ieq_c(cell, "DstAddr") << 2;
        k = j + 1;
    }
    return got == 7 ? 95 : 0;
}

/* See reader.h. */
const rd_impl_t rd_argus = {
    .pub = {"argus",
            "Argus flow records as ra writes them with a header row (Stratosphere/Slips .binetflow): CSV or "
            "TAB-separated",
            "a first line naming StartTime, SrcAddr and DstAddr",
            "_messageTime (StartTime, local time read as UTC), src_ip (SrcAddr), src_port (Sport), dest_ip "
            "(DstAddr), dest_port (Dport), protocol (Proto), action (State), bytes_out (SrcBytes), bytes_in "
            "(DstBytes, else TotBytes - SrcBytes; both with headers), _sourceCategory (network/argus/flow)"},
    .probe = ar_probe,
    .open = ar_open,
    .next = ar_next,
    .close = ar_close,
    .line_sync = true,
    .split = 2,
    .sep_of_header = true,
};
