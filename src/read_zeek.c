/* read_zeek.c — Zeek logs (conn.log, smtp.log, any other): TSV and JSON.
 *
 * zeek-tsv follows the `#separator`/`#fields`/`#types` header (several
 * header blocks may follow one another; `#close` ends one); `-` (the
 * #unset_field) is null and `(empty)` the empty string; \xHH escapes are
 * decoded. zeek-json reads the JSON writer's lines, dotted keys
 * (`id.orig_h`), the underscore variant (`id_orig_h`) and a nested `id`
 * object alike. Both keep every column under its Zeek name and fill the
 * schema fields from the table below; other JSON objects stay plain.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "reader.h"
#include "schema.h"

/* Values the reader decides by, as own slots of the accumulator. */
enum zown { Z_LORIG, Z_LRESP, Z_PATH, Z_SMTP };
#define ZO(k) (RD_OWN + (k))

/* Zeek names that fill schema fields or that the reader reads; '.' also
 * matches '_', case is ignored, the last of a name wins. */
static const rd_map_t zeek_map[] = {
    RD_MAP("ts", SC_MESSAGETIME, RD_TIME, 0),       RD_MAP("id.orig_h", SC_SRC_IP, RD_IP, 0),
    RD_MAP("id.orig_p", SC_SRC_PORT, RD_NUM, 0),    RD_MAP("id.resp_h", SC_DEST_IP, RD_IP, 0),
    RD_MAP("id.resp_p", SC_DEST_PORT, RD_NUM, 0),   RD_MAP("proto", SC_PROTOCOL, RD_PROTO, 0),
    RD_MAP("orig_bytes", SC_BYTES_OUT, RD_NUM, 0),  RD_MAP("resp_bytes", SC_BYTES_IN, RD_NUM, 0),
    RD_MAP("conn_state", SC_ACTION, RD_TEXT, 0),    RD_MAP("local_orig", ZO(Z_LORIG), RD_TEXT, 0),
    RD_MAP("local_resp", ZO(Z_LRESP), RD_TEXT, 0),  RD_MAP("_path", ZO(Z_PATH), RD_TEXT, 0),
    RD_MAP("helo", ZO(Z_SMTP), RD_TEXT, 0),         RD_MAP("mailfrom", ZO(Z_SMTP), RD_TEXT, 0),
    RD_MAP("rcptto", ZO(Z_SMTP), RD_TEXT, 0), /* keys only smtp.log has: its category without _path */
    RD_MAP("uid", SC_CONN_ID, RD_TEXT, 0),
};
static const rd_maptab_t zeek_tab = RD_MAPTAB(zeek_map, RD_DOTS);

/* A record's accumulator: Zeek sets even an empty text, and the last column of a name wins. */
static void zeek_acc(rd_acc_t *a, const sc_ids_t *ids) { rd_acc_init(a, ids, NULL, RD_ACC_LAST | RD_ACC_EMPTY); }

/* 'T' or 'F' for a Zeek bool (T/F in TSV, true/false in JSON), else 0. */
static char zbool(pstr_t v) {
    char ch = v.n ? str_lc(v.p[0]) : 0;
    return ch == 't' ? 'T' : ch == 'f' ? 'F' : 0;
}

/* A Zeek bool as 1 (T), 0 (F) or -1 (unset or other). */
static int zlocal(pstr_t v) {
    char ch = zbool(v);
    return ch == 'T' ? 1 : ch == 'F' ? 0 : -1;
}

/* conn_state values of connections that were never established: no
 * answer (S0), refused (REJ), half-open or backscatter (SH, SHR, RSTOS0,
 * RSTRH). The others (S1, S2, S3, SF, RSTO, RSTR, OTH) saw a connection. */
static const char *const zeek_unopened[] = {"S0", "REJ", "SH", "SHR", "RSTOS0", "RSTRH"};

/* The schema's direction and outcome from what the record holds:
 * local_orig/local_resp give the direction (T/F outbound, F/T inbound,
 * T/T internal, F/F external); a conn.log record's payload counts and
 * state give the outcome, and an smtp.log transaction (smtp: the record
 * is one) is SMTP commands, so data. */
static void zeek_schema(rd_acc_t *a, bool smtp) {
    if (rd_acc_wants(a, SC_DIRECTION)) {
        pstr_t dir = schema_direction_of(zlocal(rd_acc_get(a, ZO(Z_LORIG))), zlocal(rd_acc_get(a, ZO(Z_LRESP))));
        if (dir.n) rd_acc_set(a, SC_DIRECTION, RD_TEXT, dir);
    }
    if (!rd_acc_wants(a, SC_OUTCOME)) return;
    pstr_t state = rd_acc_get(a, SC_ACTION);
    if (smtp || rd_acc_has(a, ZO(Z_SMTP))) {
        rd_acc_set(a, SC_OUTCOME, RD_TEXT, PSTR_LIT("data"));
    } else if (state.n) {
        const char *out = "empty";
        if (rd_count_sign(rd_acc_get(a, SC_BYTES_OUT)) > 0 || rd_count_sign(rd_acc_get(a, SC_BYTES_IN)) > 0) {
            out = "data";
        } else {
            for (size_t k = 0; k < sizeof zeek_unopened / sizeof zeek_unopened[0]; k++)
                if (pstr_eq(state, pstr_c(zeek_unopened[k]))) out = "failed";
        }
        rd_acc_set(a, SC_OUTCOME, RD_TEXT, pstr_c(out));
    }
}

/* "network/zeek/<path>" into buf (cap bytes); the view of it. */
static pstr_t zeek_category(char *buf, size_t cap, pstr_t path) {
    int k = snprintf(buf, cap, "network/zeek/%.*s", (int)(path.n < 40 ? path.n : 40), path.p);
    return pstr(buf, k > 0 ? (size_t)k : 0);
}

/* ---- TSV ------------------------------------------------------------ */

/* A column of the current #fields. */
typedef struct zcol {
    uint32_t id;          /* field, FIELD_NONE when not read */
    uint32_t end;         /* the row being read: offset of the cell's end in the line */
    const rd_map_t *zm;   /* its zeek_map entry, NULL */
} zcol_t;

/* Per-input state (heap, owned by the reader). */
typedef struct ztsv {
    sc_ids_t ids;       /* schema fields the query reads */
    char sep;           /* #separator */
    char setsep;        /* #set_separator (kept for the record: sets stay text) */
    char empty[16];     /* #empty_field, NUL-terminated */
    char unset[16];     /* #unset_field */
    char cat[64];       /* network/zeek/<#path> */
    size_t catn;        /* its length */
    bool smtp;          /* #path is smtp: every row is an SMTP transaction */
    zcol_t *col;        /* the columns of the current #fields (owned) */
    unsigned ncol, colcap;  /* ncol 0: no #fields yet */
} ztsv_t;

static void *ztsv_open(rd_ctx_t *c) {
    ztsv_t *s = xcalloc(1, sizeof *s);
    schema_ids(c->ft, &s->ids);
    s->sep = '\t';
    s->setsep = ',';
    memcpy(s->empty, "(empty)", 8);
    memcpy(s->unset, "-", 2);
    s->catn = (size_t)snprintf(s->cat, sizeof s->cat, "network/zeek");
    return s;
}

static void ztsv_close(void *st) {
    ztsv_t *s = st;
    if (!s) return;
    free(s->col);
    free(s);
}

/* Decode Zeek's \xHH escapes into the arena. */
static pstr_t zeek_unescape(pstr_t v, arena_t *a) {
    if (!memchr(v.p, '\\', v.n)) return v;
    char *o = arena_alloc(a, v.n);
    size_t k = 0;
    for (size_t i = 0; i < v.n; i++) {
        int hi, lo;
        if (v.p[i] == '\\' && i + 3 < v.n && v.p[i + 1] == 'x' && (hi = str_hexval(v.p[i + 2])) >= 0 &&
            (lo = str_hexval(v.p[i + 3])) >= 0) {
            o[k++] = (char)(hi << 4 | lo);
            i += 3;
        } else {
            o[k++] = v.p[i];
        }
    }
    return pstr(o, k);
}

/* A header value: "\x09" style escapes read as one byte. */
static char sep_value(pstr_t v) {
    int hi, lo;
    if (v.n == 4 && v.p[0] == '\\' && v.p[1] == 'x' && (hi = str_hexval(v.p[2])) >= 0 && (lo = str_hexval(v.p[3])) >= 0)
        return (char)(hi << 4 | lo);
    return v.n ? v.p[0] : '\t';
}

static void copy_cstr(char *dst, size_t cap, pstr_t v) {
    size_t k = v.n < cap - 1 ? v.n : cap - 1;
    if (k) memcpy(dst, v.p, k);
    dst[k] = 0;
}

/* One '#' header line (without its newline); ud is the ztsv_t. */
static void ztsv_header(rd_ctx_t *c, void *ud, pstr_t line) {
    ztsv_t *s = ud;
    if (line.n >= 11 && memcmp(line.p, "#separator", 10) == 0 && (line.p[10] == ' ' || line.p[10] == '\t')) {
        s->sep = sep_value(pstr_trim(pstr(line.p + 11, line.n - 11)));
        s->ncol = 0; /* a new block */
        return;
    }
    const char *t = memchr(line.p, s->sep, line.n);
    pstr_t key = pstr(line.p + 1, t ? (size_t)(t - line.p) - 1 : line.n - 1);
    pstr_t val = t ? pstr(t + 1, line.n - (size_t)(t + 1 - line.p)) : PSTR_NULL;
    if (pstr_eq(key, PSTR_LIT("set_separator"))) s->setsep = sep_value(val);
    else if (pstr_eq(key, PSTR_LIT("empty_field"))) copy_cstr(s->empty, sizeof s->empty, val);
    else if (pstr_eq(key, PSTR_LIT("unset_field"))) copy_cstr(s->unset, sizeof s->unset, val);
    else if (pstr_eq(key, PSTR_LIT("path"))) {
        s->catn = zeek_category(s->cat, sizeof s->cat, val).n;
        s->smtp = pstr_eq(val, PSTR_LIT("smtp"));
    }
    else if (pstr_eq(key, PSTR_LIT("fields"))) {
        s->ncol = 0;
        size_t i = 0;
        while (t) {
            const char *e = memchr(val.p + i, s->sep, val.n - i);
            pstr_t name = pstr(val.p + i, e ? (size_t)(e - val.p) - i : val.n - i);
            if (s->ncol == s->colcap) {
                s->colcap = s->colcap ? s->colcap * 2 : 32;
                s->col = xrealloc(s->col, s->colcap * sizeof *s->col);
            }
            zcol_t *z = &s->col[s->ncol++];
            int sp;
            z->id = name.n ? rd_lookup(c, RD_KCACHE, name, false, &sp) : FIELD_NONE;
            z->zm = rd_map_find(&zeek_tab, name);
            if (!e) break;
            i = (size_t)(e - val.p) + 1;
        }
    }
}

/* One line per call: header lines are read on the way, data rows become records. */
static rd_status_t ztsv_next(rd_ctx_t *c, const char *p, size_t n, bool eof, size_t *used, record_t *rec) {
    ztsv_t *s = c->st;
    rd_line_t l;
    rd_status_t st = rd_line_data(c, p, n, eof, RD_LN_RAW, used, &l, ztsv_header, s);
    if (st != RD_REC) return st;
    pstr_t line = l.text;
    if (!s->ncol) {
        c->reason = RD_R_NOHDR;
        return RD_REJECT;
    }
    /* cut the row at its separators first: a row of another width is rejected whole */
    unsigned k = 0;
    for (size_t at = 0;;) {
        const char *q = memchr(line.p + at, s->sep, line.n - at);
        size_t b = q ? (size_t)(q - line.p) : line.n;
        if (k < s->ncol) s->col[k].end = (uint32_t)b;
        if (!q || ++k > s->ncol) break;
        at = b + 1;
    }
    if (k != s->ncol - 1) {
        c->reason = RD_R_COLS;
        return RD_REJECT;
    }
    rd_acc_t a;
    zeek_acc(&a, &s->ids);
    pstr_t unset = pstr_c(s->unset), empty = pstr_c(s->empty);
    for (unsigned j = 0; j < s->ncol; j++) {
        size_t at = j ? s->col[j - 1].end + 1 : 0, b = s->col[j].end;
        const zcol_t *col = &s->col[j];
        if (col->id != FIELD_NONE || col->zm) {
            pstr_t v = pstr(line.p + at, b - at);
            if (!pstr_eq(v, unset)) {
                v = pstr_eq(v, empty) ? pstr(line.p + at, 0) : zeek_unescape(v, c->arena);
                if (col->id != FIELD_NONE) rec_set(rec, col->id, val_strv(v));
                if (col->zm) rd_acc_put(&a, col->zm, v);
            }
        }
    }
    zeek_schema(&a, s->smtp);
    rd_acc_emit(c, &a, rec);
    rd_category(c, pstr(s->cat, s->catn));
    return RD_REC;
}

/* A `#separator` first line, or `#fields` among the first lines. */
static int ztsv_probe(const char *p, size_t n) {
    size_t i = n >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
    if (n - i >= 11 && memcmp(p + i, "#separator ", 11) == 0) return 95;
    for (unsigned k = 0; k < 16 && i < n; k++) { /* the first lines */
        if (n - i >= 8 && memcmp(p + i, "#fields\t", 8) == 0) return 90;
        const char *nl = memchr(p + i, '\n', n - i);
        if (!nl) break;
        i = (size_t)(nl - p) + 1;
    }
    return 0;
}

/* ---- JSON ----------------------------------------------------------- */

/* Per-input state of zeek-json. */
typedef struct zjson {
    sc_ids_t ids;       /* schema fields the query reads */
    char cat[64];       /* category of the last _path seen */
    size_t catn;        /* its length */
    char lastpath[41];  /* that _path, NUL-terminated */
} zjson_t;

static void *zjson_open(rd_ctx_t *c) {
    zjson_t *s = xcalloc(1, sizeof *s);
    schema_ids(c->ft, &s->ids);
    return s;
}

static void zjson_close(void *st) { free(st); }

/* One member: native field, special key, schema field. */
static void zjson_member(rd_ctx_t *c, unsigned pos, pstr_t k, bool esc, pstr_t v, record_t *rec, rd_acc_t *a) {
    rd_key_t key = rd_key(c, pos, k, esc, &zeek_tab); /* field and map entry, cached */
    const rd_map_t *m = key.m;
    value_t val = rd_json_value(c, key, v, m ? RD_NEED : 0, rec);
    if (m && val.t == V_STR) rd_acc_put(a, m, val_pstr(val));
}

/* The members of the object, a nested "id" object as id.<key>. */
static bool zjson_object(rd_ctx_t *c, zjson_t *s, const char *o, size_t n, record_t *rec) {
    json_iter_t it;
    pstr_t k, v;
    bool esc;
    unsigned pos = 0;
    rd_acc_t a;
    zeek_acc(&a, &s->ids);
    if (!json_iter_begin(&it, o, n, 0)) return false;
    while (json_iter_next(&it, &k, &esc, &v)) {
        if (pstr_eq(k, PSTR_LIT("id")) && v.n && v.p[0] == '{') {
            json_iter_t in;
            pstr_t ik, iv;
            bool iesc;
            if (json_iter_begin(&in, v.p, v.n, 0))
                while (json_iter_next(&in, &ik, &iesc, &iv)) {
                    char nb[40];
                    if (iesc || ik.n + 3 > sizeof nb) continue;
                    memcpy(nb, "id.", 3);
                    memcpy(nb + 3, ik.p, ik.n);
                    pstr_t full = pstr(arena_strndup(c->arena, nb, ik.n + 3), ik.n + 3);
                    zjson_member(c, RD_KCACHE, full, false, iv, rec, &a);
                }
        }
        zjson_member(c, pos++, k, esc, v, rec, &a);
    }
    if (it.err || json_ws(o, n, it.i) != n) return false;
    /* a Zeek record: one with an address key (other objects get no default) */
    bool zeek = rd_acc_has(&a, SC_SRC_IP) || rd_acc_has(&a, SC_DEST_IP);
    pstr_t path = rd_acc_get(&a, ZO(Z_PATH));
    bool smtp = rd_acc_has(&a, ZO(Z_SMTP));
    if (zeek) zeek_schema(&a, pstr_eq(path, PSTR_LIT("smtp")));
    rd_acc_emit(c, &a, rec);
    if (path.n) {
        if (path.n > 40 || !pstr_eq(path, pstr_c(s->lastpath))) {
            copy_cstr(s->lastpath, sizeof s->lastpath, path);
            s->catn = zeek_category(s->cat, sizeof s->cat, path).n;
        }
        rd_category(c, pstr(s->cat, s->catn));
    } else if (zeek) {
        rd_category(c, smtp ? PSTR_LIT("network/zeek/smtp") : PSTR_LIT("network/zeek/conn"));
    }
    return true;
}

/* One line per call, as in jsonl. */
static rd_status_t zjson_next(rd_ctx_t *c, const char *p, size_t n, bool eof, size_t *used, record_t *rec) {
    zjson_t *s = c->st;
    pstr_t obj;
    rd_status_t st = rd_json_line(c, p, n, eof, used, true, &obj);
    if (st == RD_REC && !zjson_object(c, s, obj.p, obj.n, rec)) {
        c->reason = RD_R_JSON;
        return RD_REJECT;
    }
    return st;
}

/* A JSON object line with a uid and an originator address key. */
static int zjson_line(const rd_line_t *l) {
    pstr_t t = rd_json_text(l);
    if (!t.n || !pstr_contains(t, PSTR_LIT("\"uid\""))) return 0;
    return pstr_contains(t, PSTR_LIT("\"id.orig_h\"")) || pstr_contains(t, PSTR_LIT("\"id_orig_h\"")) ||
                   pstr_contains(t, PSTR_LIT("\"orig_h\""))
               ? 80
               : 0;
}

/* See reader.h. */
const rd_impl_t rd_zeek_tsv = {
    .pub = {"zeek-tsv", "Zeek logs in the ASCII writer's TSV (conn.log, smtp.log, …): columns from #fields",
            "a first line `#separator`, or a `#fields` header line",
            "_messageTime (ts), _sourceCategory (network/zeek/<#path>), src_ip, src_port, dest_ip, dest_port, "
            "protocol, bytes_out (orig_bytes), bytes_in (resp_bytes), action (conn_state), direction "
            "(local_orig/local_resp), outcome (conn_state and the payload counts; smtp.log: data), conn_id (uid)"},
    .probe = ztsv_probe,
    .open = ztsv_open,
    .next = ztsv_next,
    .close = ztsv_close,
    .line_sync = true,
    .split = 3,
};

/* See reader.h. */
const rd_impl_t rd_zeek_json = {
    .pub = {"zeek-json", "Zeek logs from the JSON writer: one object per line, id.orig_h or id_orig_h keys",
            "JSON object lines with \"uid\" and \"id.orig_h\" (or \"id_orig_h\")",
            "_messageTime (ts), _sourceCategory (network/zeek/<_path>, else network/zeek/conn), src_ip, src_port, "
            "dest_ip, dest_port, protocol, bytes_out, bytes_in, action, direction, outcome, conn_id (uid)"},
    .line = zjson_line,
    .open = zjson_open,
    .next = zjson_next,
    .close = zjson_close,
    .line_sync = true,
    .split = 1,
};
