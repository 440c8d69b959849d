/* read_leef.c — IBM QRadar Log Event Extended Format 1.0 and 2.0.
 *
 * A record is one line (a syslog header in front is stripped) holding
 * `LEEF:1.0|Vendor|Product|Version|EventID|` and then key=value attributes
 * separated by a tab, or for 2.0 `LEEF:2.0|Vendor|Product|Version|EventID|
 * Delimiter|` with the delimiter a character or its hex code (`^`, `x5E`,
 * `0x09`; empty: tab). A syslog relay that wrote the tab as `#011` is read
 * too. Attributes keep their LEEF names; devTime is read by devTimeFormat
 * (a Java date pattern) when given. Lines that hold no LEEF record are
 * skipped and counted.
 */
#include <ctype.h>
#include <string.h>

#include "reader.h"

/* LEEF keys that fill schema fields. */
static const rd_map_t leef_map[] = {
    RD_MAP("src", SC_SRC_IP, RD_IP, 0),            RD_MAP("dst", SC_DEST_IP, RD_IP, 0),
    RD_MAP("srcPort", SC_SRC_PORT, RD_NUM, 0),     RD_MAP("dstPort", SC_DEST_PORT, RD_NUM, 0),
    RD_MAP("proto", SC_PROTOCOL, RD_PROTO, 0),     RD_MAP("srcBytes", SC_BYTES_OUT, RD_NUM, 0),
    RD_MAP("dstBytes", SC_BYTES_IN, RD_NUM, 0),    RD_MAP("usrName", SC_USER, RD_TEXT, 0),
    RD_MAP("identHostName", SC_HOST, RD_TEXT, 0),  RD_MAP("action", SC_ACTION, RD_TEXT, 0),
    RD_MAP("cat", SC_ACTION, RD_TEXT, 1),
};
static const rd_maptab_t leef_tab = RD_MAPTAB(leef_map, RD_EXACT);

/* The header fields' names, in the header's field order. */
#define LEEF_HDR(X) X("leefVersion") X("deviceVendor") X("deviceProduct") X("deviceVersion") X("eventId") \
    X("leefDelimiter")
static const char *const leef_hdr[6] = {LEEF_HDR(RD_NAME_STR)};
static const uint8_t leef_hdrn[6] = {LEEF_HDR(RD_NAME_LEN)}; /* their lengths */

/* The 2.0 delimiter field: one character, or x/0x/\x and one or two hex
 * digits; empty is a tab. Returns false when it is neither. */
static bool leef_delim(pstr_t f, char *d) {
    if (!f.n) {
        *d = '\t';
        return true;
    }
    if (f.n == 1) {
        *d = f.p[0];
        return true;
    }
    size_t i = f.p[0] == 'x' ? 1 : f.n > 2 && (f.p[0] == '0' || f.p[0] == '\\') && f.p[1] == 'x' ? 2 : 0;
    if (!i || f.n - i > 2) return false;
    int v = 0;
    for (; i < f.n; i++) {
        int h = str_hexval(f.p[i]);
        if (h < 0) return false;
        v = v * 16 + h;
    }
    *d = (char)v;
    return v != 0;
}

/* The next `|` from byte i of a 1.0 record's attributes that starts an
 * attribute (`|key=`), or NULL. PAN-OS's LEEF 1.0 format separates its
 * attributes with `|` instead of a tab; a `|` inside a value (PAN-OS
 * URL category lists) is not followed by a key and stays in the value. */
static const char *leef_pipe_next(pstr_t a, size_t i) {
    for (const char *e; i < a.n && (e = memchr(a.p + i, '|', a.n - i)); i = (size_t)(e - a.p) + 1) {
        size_t k = (size_t)(e - a.p) + 1;
        while (k < a.n && (isalnum((unsigned char)a.p[k]) || a.p[k] == '_' || a.p[k] == '-' || a.p[k] == '.')) k++;
        if (k < a.n && a.p[k] == '=' && k > (size_t)(e - a.p) + 1) return e;
    }
    return NULL;
}

/* One record from the line. */
static rd_status_t leef_record(rd_ctx_t *c, rd_base_t *s, pstr_t line, record_t *rec) {
    sl_hdr_t h;
    long at = rd_marker(line, "LEEF:", &s->clock, &h);
    if (at < 0) return RD_SKIP;
    pstr_t body = pstr(line.p + at + 5, line.n - (size_t)at - 5);
    pstr_t f[6];
    size_t rest;
    size_t nf = rd_split(body, '|', f, 6, &rest);
    bool v2 = nf >= 1 && f[0].n && f[0].p[0] == '2';
    char dch = '\t';
    if (nf < 5 || !(pstr_eq(f[0], PSTR_LIT("1.0")) || pstr_eq(f[0], PSTR_LIT("2.0")) || pstr_eq(f[0], PSTR_LIT("1")) ||
                    pstr_eq(f[0], PSTR_LIT("2")))) {
        c->reason = RD_R_HDR;
        return RD_REJECT;
    }
    /* 1.0, or a 2.0 record without the delimiter field: attributes follow EventID */
    size_t nh = 6;
    if (!v2 || nf < 6 || memchr(f[5].p, '=', f[5].n)) {
        nh = 5;
        rest = nf >= 5 ? (size_t)(f[4].p + f[4].n + 1 - body.p) : body.n;
        if (rest > body.n) rest = body.n;
    } else if (!leef_delim(f[5], &dch)) {
        c->reason = RD_R_HDR;
        return RD_REJECT;
    }
    rd_header_cells(c, leef_hdr, leef_hdrn, f, (unsigned)nh, rec);
    rd_acc_t acc;
    rd_acc_init(&acc, &s->ids, &s->clock, RD_ACC_TRIM);
    rd_acc_set(&acc, SC_EVENT_ID, RD_TEXT, f[4]);
    pstr_t attrs = pstr(body.p + rest, body.n - rest), dtime = PSTR_NULL, dfmt = PSTR_NULL;
    pstr_t delim = pstr(&dch, 1);
    bool pipes = false;
    if (dch == '\t' && !memchr(attrs.p, '\t', attrs.n)) {
        if (str_search(attrs, PSTR_LIT("#011"), false)) delim = PSTR_LIT("#011"); /* rsyslog's escape of the tab */
        else pipes = leef_pipe_next(attrs, 0) != NULL; /* PAN-OS: `|` between attributes */
    }
    size_t i = 0;
    for (unsigned pos = 6; i < attrs.n; pos++) {
        const char *e = pipes         ? leef_pipe_next(attrs, i)
                        : delim.n == 1 ? memchr(attrs.p + i, dch, attrs.n - i)
                                       : str_search(pstr(attrs.p + i, attrs.n - i), delim, false);
        size_t b = e ? (size_t)(e - attrs.p) : attrs.n;
        pstr_t a = pstr(attrs.p + i, b - i);
        i = e ? b + delim.n : attrs.n;
        const char *eq = memchr(a.p, '=', a.n);
        if (!eq || eq == a.p) continue;
        pstr_t k = pstr_trim(pstr(a.p, (size_t)(eq - a.p))), v = pstr(eq + 1, (size_t)(a.p + a.n - eq - 1));
        rd_key_t key = rd_key(c, pos, k, false, &leef_tab);
        if (key.id != FIELD_NONE) rec_set(rec, key.id, val_strv(v));
        rd_note(c, key.sp, val_strv(v));
        if (key.m) rd_acc_put(&acc, key.m, v);
        else if (pstr_eq(k, PSTR_LIT("devTime"))) dtime = pstr_trim(v);
        else if (pstr_eq(k, PSTR_LIT("devTimeFormat"))) dfmt = pstr_trim(v);
    }
    bool net = rd_acc_get(&acc, SC_SRC_IP).n || rd_acc_get(&acc, SC_DEST_IP).n;
    int64_t ms;
    if (dtime.n && (dfmt.n ? rd_javatime(dtime, dfmt, &s->clock, &ms) : rd_devtime(dtime, &s->clock, &ms)))
        rd_time(c, ms);
    rd_acc_outcome(&acc);
    rd_acc_syslog(&acc, &h);
    rd_acc_emit(c, &acc, rec);
    rd_category(c, net ? PSTR_LIT("network/leef/flow") : PSTR_LIT("leef/event"));
    return RD_REC;
}

/* One line per call. */
static rd_status_t leef_next(rd_ctx_t *c, const char *p, size_t n, bool eof, size_t *used, record_t *rec) {
    rd_line_t l;
    rd_status_t st = rd_line_next(c, p, n, eof, 0, NULL, used, &l);
    return st == RD_REC ? leef_record(c, c->st, l.text, rec) : st;
}

/* A line holding `LEEF:1.0|` or `LEEF:2.0|`. */
static int leef_line(const rd_line_t *l) {
    sl_hdr_t h;
    long at = rd_marker(l->text, "LEEF:", NULL, &h);
    if (at < 0 || l->text.n - (size_t)at < 7) return 0;
    const char *q = l->text.p + at + 5;
    return (q[0] == '1' || q[0] == '2') && (q[1] == '|' || (q[1] == '.' && l->text.n - (size_t)at > 8 && q[3] == '|'))
               ? 90
               : 0;
}

/* See reader.h. */
const rd_impl_t rd_leef = {
    .pub = {"leef", "IBM QRadar LEEF 1.0 (tab-separated) and 2.0 (custom delimiter), with or without a syslog header",
            "lines (syslog header stripped) holding `LEEF:1.0|` or `LEEF:2.0|`",
            "_messageTime (devTime by devTimeFormat, else the syslog time), src_ip (src), src_port (srcPort), dest_ip "
            "(dst), dest_port (dstPort), protocol (proto), user (usrName), host (identHostName, else the syslog host), "
            "_sourceHost, bytes_out (srcBytes), bytes_in (dstBytes), action (action, else cat), event_id (EventID), "
            "_sourceCategory (network/leef/flow with addresses, else leef/event)"},
    .line = leef_line,
    .open = rd_base_open,
    .next = leef_next,
    .close = rd_base_close,
    .line_sync = true,
    .split = 1,
    .mux = true,
};
