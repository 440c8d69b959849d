/* read_cef.c — ArcSight Common Event Format, with or without a syslog header.
 *
 * A record is one line holding `CEF:Version|Vendor|Product|DevVersion|
 * SignatureID|Name|Severity|Extension`. The seven header fields (with `\|`
 * and `\\` escapes) become cefVersion … severity; the extension is
 * space-separated key=value pairs where a value runs until the next
 * ` key=` and `\=`, `\\`, `\n`, `\r` are escapes. Keys keep their CEF
 * names (short or full), a customN value is also set under its
 * customNLabel's text, and the table below fills the schema. Lines of a
 * syslog file that hold no CEF record are skipped and counted.
 */
#include <string.h>

#include "reader.h"

#define CEF_MAXPAIRS 512   /* extension pairs read per record */

/* CEF keys that fill schema fields; short and full names alike. */
static const rd_map_t cef_map[] = {
    RD_MAP("src", SC_SRC_IP, RD_IP, 0),
    RD_MAP("sourceAddress", SC_SRC_IP, RD_IP, 0),
    RD_MAP("c6a2", SC_SRC_IP, RD_IP, 1),
    RD_MAP("deviceCustomIPv6Address2", SC_SRC_IP, RD_IP, 1),
    RD_MAP("dst", SC_DEST_IP, RD_IP, 0),
    RD_MAP("destinationAddress", SC_DEST_IP, RD_IP, 0),
    RD_MAP("c6a3", SC_DEST_IP, RD_IP, 1),
    RD_MAP("deviceCustomIPv6Address3", SC_DEST_IP, RD_IP, 1),
    RD_MAP("spt", SC_SRC_PORT, RD_NUM, 0),
    RD_MAP("sourcePort", SC_SRC_PORT, RD_NUM, 0),
    RD_MAP("dpt", SC_DEST_PORT, RD_NUM, 0),
    RD_MAP("destinationPort", SC_DEST_PORT, RD_NUM, 0),
    RD_MAP("proto", SC_PROTOCOL, RD_PROTO, 0),
    RD_MAP("transportProtocol", SC_PROTOCOL, RD_PROTO, 0),
    RD_MAP("deviceDirection", SC_DIRECTION, RD_DIR01, 0),
    RD_MAP("sproc", SC_PROCESS_NAME, RD_TEXT, 0),
    RD_MAP("sourceProcessName", SC_PROCESS_NAME, RD_TEXT, 0),
    RD_MAP("deviceProcessName", SC_PROCESS_NAME, RD_TEXT, 1),
    RD_MAP("spid", SC_PID, RD_NUM, 0),
    RD_MAP("sourceProcessId", SC_PID, RD_NUM, 0),
    RD_MAP("dvcpid", SC_PID, RD_NUM, 1),
    RD_MAP("deviceProcessId", SC_PID, RD_NUM, 1),
    RD_MAP("suser", SC_USER, RD_TEXT, 0),
    RD_MAP("sourceUserName", SC_USER, RD_TEXT, 0),
    RD_MAP("dvchost", SC_HOST, RD_HOST, 0),
    RD_MAP("deviceHostName", SC_HOST, RD_HOST, 0),
    RD_MAP("shost", SC_HOST, RD_HOST, 1),
    RD_MAP("sourceHostName", SC_HOST, RD_HOST, 1),
    RD_MAP("out", SC_BYTES_OUT, RD_NUM, 0),
    RD_MAP("bytesOut", SC_BYTES_OUT, RD_NUM, 0),
    RD_MAP("in", SC_BYTES_IN, RD_NUM, 0),
    RD_MAP("bytesIn", SC_BYTES_IN, RD_NUM, 0),
    RD_MAP("act", SC_ACTION, RD_TEXT, 0),
    RD_MAP("deviceAction", SC_ACTION, RD_TEXT, 0),
    RD_MAP("rt", SC_MESSAGETIME, RD_DEVTIME, 0),
    RD_MAP("deviceReceiptTime", SC_MESSAGETIME, RD_DEVTIME, 0),
    RD_MAP("end", SC_MESSAGETIME, RD_DEVTIME, 1),
    RD_MAP("endTime", SC_MESSAGETIME, RD_DEVTIME, 1),
    RD_MAP("start", SC_MESSAGETIME, RD_DEVTIME, 2),
    RD_MAP("startTime", SC_MESSAGETIME, RD_DEVTIME, 2),
};
static const rd_maptab_t cef_tab = RD_MAPTAB(cef_map, RD_EXACT);

/* The header fields' names, in the header's field order. */
#define CEF_HDR(X) X("cefVersion") X("deviceVendor") X("deviceProduct") X("deviceVersion") \
    X("deviceEventClassId") X("name") X("severity")
static const char *const cef_hdr[7] = {CEF_HDR(RD_NAME_STR)};
static const uint8_t cef_hdrn[7] = {CEF_HDR(RD_NAME_LEN)}; /* their lengths */

/* One extension pair, still escaped. */
typedef struct cef_pair {
    pstr_t k, v;
} cef_pair_t;

/* Per-input state (heap, owned by the reader). */
typedef struct cef {
    rd_base_t b;                      /* schema ids, clock */
    cef_pair_t pair[CEF_MAXPAIRS];    /* the record's pairs, reused */
} cef_t;

static void *cef_open(rd_ctx_t *c) { return rd_base_alloc(c, sizeof(cef_t)); }

/* The bytes of an extension key: letters, digits, '_', '.' and '-'. */
static const bool key_chars[256] = {
    ['-'] = 1, ['.'] = 1, ['_'] = 1,
    ['0'] = 1, ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1, ['5'] = 1, ['6'] = 1, ['7'] = 1, ['8'] = 1, ['9'] = 1,
    ['A'] = 1, ['B'] = 1, ['C'] = 1, ['D'] = 1, ['E'] = 1, ['F'] = 1, ['G'] = 1, ['H'] = 1, ['I'] = 1,
    ['J'] = 1, ['K'] = 1, ['L'] = 1, ['M'] = 1, ['N'] = 1, ['O'] = 1, ['P'] = 1, ['Q'] = 1, ['R'] = 1,
    ['S'] = 1, ['T'] = 1, ['U'] = 1, ['V'] = 1, ['W'] = 1, ['X'] = 1, ['Y'] = 1, ['Z'] = 1,
    ['a'] = 1, ['b'] = 1, ['c'] = 1, ['d'] = 1, ['e'] = 1, ['f'] = 1, ['g'] = 1, ['h'] = 1, ['i'] = 1,
    ['j'] = 1, ['k'] = 1, ['l'] = 1, ['m'] = 1, ['n'] = 1, ['o'] = 1, ['p'] = 1, ['q'] = 1, ['r'] = 1,
    ['s'] = 1, ['t'] = 1, ['u'] = 1, ['v'] = 1, ['w'] = 1, ['x'] = 1, ['y'] = 1, ['z'] = 1,
};

static bool key_char(char ch) { return key_chars[(unsigned char)ch]; }

/* Length of a key followed by '=' at s[i..n), 0 when there is none. */
static size_t key_at(const char *s, size_t n, size_t i) {
    size_t j = i;
    while (j < n && key_char(s[j])) j++;
    return j > i && j < n && s[j] == '=' ? j - i : 0;
}

/* Whether the ' ' at p[at] ends a value that starts at p[vb]: not
 * escaped (an even run of backslashes before it; p[vb - 1] is the
 * key's '=') and followed by a key. Sets *kl to that key's length. */
static bool value_end(const char *p, size_t n, size_t vb, size_t at, size_t *kl) {
    size_t b = at;
    while (b > vb && p[b - 1] == '\\') b--;
    if ((at - b) & 1) return false; /* `\ ` */
    *kl = at + 1 < n ? key_at(p, n, at + 1) : 0;
    return *kl > 0;
}

/* The extension's pairs into s->pair; a value runs until the next ` key=`
 * (trailing blanks dropped). Text before the first key is ignored.
 * Returns the number of pairs. */
static size_t cef_pairs(cef_t *s, pstr_t ext) {
    const char *p = ext.p;
    size_t n = ext.n, i = 0, np = 0, kl = 0;
    while (i < n && (p[i] == ' ' || !(kl = key_at(p, n, i)))) { /* to the first key */
        while (i < n && p[i] != ' ') i++;
        while (i < n && p[i] == ' ') i++;
    }
    while (i < n && np < CEF_MAXPAIRS) {
        pstr_t k = pstr(p + i, kl);
        size_t vb = i + kl + 1, ve = n, next = 0;
        for (size_t j = vb; j < n;) { /* the next unescaped ` key=` */
            const char *sp = memchr(p + j, ' ', n - j);
            if (!sp) break;
            size_t at = (size_t)(sp - p);
            if (value_end(p, n, vb, at, &next)) {
                ve = at;
                break;
            }
            j = at + 1;
        }
        size_t e = ve;
        while (e > vb && p[e - 1] == ' ') e--;
        s->pair[np++] = (cef_pair_t){k, pstr(p + vb, e - vb)};
        i = ve < n ? ve + 1 : n;
        kl = next;
    }
    return np;
}

static pstr_t ext_value(rd_ctx_t *c, pstr_t v) { return rd_unescape(v, c->arena, "=\\nr|", "=\\\n\r|"); }

/* customN values under their customNLabel's text. */
static void cef_labels(rd_ctx_t *c, const cef_t *s, size_t np, record_t *rec) {
    for (size_t i = 0; i < np; i++) {
        pstr_t k = s->pair[i].k;
        if (k.n <= 5 || memcmp(k.p + k.n - 5, "Label", 5) != 0 || !s->pair[i].v.n) continue;
        pstr_t base = pstr(k.p, k.n - 5);
        for (size_t j = 0; j < np; j++)
            if (pstr_eq(s->pair[j].k, base)) {
                pstr_t label = ext_value(c, s->pair[i].v);
                rd_set(c, RD_KCACHE, label, val_strv(ext_value(c, s->pair[j].v)), rec, 0);
                break;
            }
    }
}

/* One record from the line: header fields, extension pairs, labels, schema. */
static rd_status_t cef_record(rd_ctx_t *c, cef_t *s, pstr_t line, record_t *rec) {
    sl_hdr_t h;
    long at = rd_marker(line, "CEF:", &s->b.clock, &h);
    if (at < 0) return RD_SKIP; /* another daemon's syslog line */
    pstr_t body = pstr(line.p + at + 4, line.n - (size_t)at - 4);
    pstr_t f[7];
    size_t rest;
    if (rd_split(body, '|', f, 7, &rest) < 7 || !f[0].n || f[0].n > 2 || f[0].p[0] < '0' || f[0].p[0] > '9') {
        c->reason = RD_R_HDR;
        return RD_REJECT;
    }
    rd_acc_t acc;
    rd_acc_init(&acc, &s->b.ids, &s->b.clock, RD_ACC_TRIM);
    rd_header_cells(c, cef_hdr, cef_hdrn, f, 7, rec);
    rd_acc_set(&acc, SC_EVENT_ID, RD_TEXT, rd_unescape(f[4], c->arena, "|\\", "|\\"));
    size_t np = cef_pairs(s, pstr(body.p + rest, body.n - rest));
    for (size_t i = 0; i < np; i++) {
        rd_key_t k = rd_key(c, 7 + (unsigned)i, s->pair[i].k, false, &cef_tab);
        if (k.id == FIELD_NONE && k.sp == RD_SP_NONE && !k.m) continue;
        pstr_t v = ext_value(c, s->pair[i].v);
        if (k.id != FIELD_NONE) rec_set(rec, k.id, val_strv(v));
        rd_note(c, k.sp, val_strv(v));
        if (k.m) rd_acc_put(&acc, k.m, v);
    }
    cef_labels(c, s, np, rec);
    bool proc = rd_acc_get(&acc, SC_PROCESS_NAME).n || rd_acc_get(&acc, SC_PID).n;
    bool net = rd_acc_get(&acc, SC_SRC_IP).n || rd_acc_get(&acc, SC_DEST_IP).n;
    rd_acc_outcome(&acc);
    rd_acc_syslog(&acc, &h);
    rd_acc_emit(c, &acc, rec);
    rd_category(c, proc && net ? PSTR_LIT("endpoint/cef/network") : net ? PSTR_LIT("network/cef/flow")
                                                                          : PSTR_LIT("cef/event"));
    return RD_REC;
}

/* One line per call. */
static rd_status_t cef_next(rd_ctx_t *c, const char *p, size_t n, bool eof, size_t *used, record_t *rec) {
    rd_line_t l;
    rd_status_t st = rd_line_next(c, p, n, eof, 0, NULL, used, &l);
    return st == RD_REC ? cef_record(c, c->st, l.text, rec) : st;
}

/* A line holding `CEF:<digit>|`. */
static int cef_line(const rd_line_t *l) {
    sl_hdr_t h;
    long at = rd_marker(l->text, "CEF:", NULL, &h);
    if (at < 0 || l->text.n - (size_t)at < 7) return 0;
    const char *q = l->text.p + at + 4;
    return q[0] >= '0' && q[0] <= '9' && (q[1] == '|' || q[2] == '|') ? 90 : 0;
}

/* See reader.h. */
const rd_impl_t rd_cef = {
    .pub = {"cef",
            "ArcSight Common Event Format (CEF:Version|Vendor|Product|…|Extension), with or without a syslog header",
            "lines (syslog header stripped) holding `CEF:<version>|`",
            "_messageTime (rt, else end, start, else the syslog time), src_ip (src, c6a2), src_port (spt), dest_ip "
            "(dst, c6a3), dest_port (dpt), protocol (proto), direction (deviceDirection), process_name (sproc, else "
            "deviceProcessName), pid (spid, else dvcpid), user (suser), host (dvchost, else shost, else the syslog "
            "host), _sourceHost, bytes_out (out), bytes_in (in), action (act), event_id (Signature ID), "
            "_sourceCategory (endpoint/cef/network with a process, network/cef/flow without, else cef/event)"},
    .line = cef_line,
    .open = cef_open,
    .next = cef_next,
    .close = rd_base_close,
    .line_sync = true,
    .split = 1,
    .mux = true,
};
