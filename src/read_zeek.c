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

#include "datetime.h"
#include "json.h"
#include "reader.h"
#include "schema.h"

/* How a Zeek value becomes a schema value. */
enum zconv {
    ZC_TEXT,   /* as is */
    ZC_TIME,   /* ts: _messageTime */
    ZC_IP,     /* schema_ip */
    ZC_NUM,    /* schema_number */
    ZC_PROTO,  /* schema_protocol */
    ZC_LORIG,  /* local_orig T/F: direction with local_resp */
    ZC_LRESP,  /* local_resp T/F */
    ZC_PATH,   /* _path (JSON streams): _sourceCategory */
    ZC_SMTP    /* a key only smtp.log has: the category when there is no _path */
};

/* Zeek names that fill schema fields; '.' also matches '_'. */
static const struct zmap {
    const char *name;
    uint8_t f;      /* enum sc_field (unused for ZC_LORIG/LRESP/PATH) */
    uint8_t conv;   /* enum zconv */
} zmaps[] = {
    {"ts", SC_MESSAGETIME, ZC_TIME},     {"id.orig_h", SC_SRC_IP, ZC_IP},      {"id.orig_p", SC_SRC_PORT, ZC_NUM},
    {"id.resp_h", SC_DEST_IP, ZC_IP},    {"id.resp_p", SC_DEST_PORT, ZC_NUM},  {"proto", SC_PROTOCOL, ZC_PROTO},
    {"orig_bytes", SC_BYTES_OUT, ZC_NUM}, {"resp_bytes", SC_BYTES_IN, ZC_NUM}, {"conn_state", SC_ACTION, ZC_TEXT},
    {"local_orig", SC_DIRECTION, ZC_LORIG}, {"local_resp", SC_DIRECTION, ZC_LRESP}, {"_path", SC_SOURCECATEGORY, ZC_PATH},
    {"helo", SC_N, ZC_SMTP},             {"mailfrom", SC_N, ZC_SMTP},          {"rcptto", SC_N, ZC_SMTP},
};
#define NZMAP (sizeof zmaps / sizeof zmaps[0])

/* Index into zmaps of a Zeek name, or -1. */
static int zmap_find(pstr_t k) {
    if (k.n < 2 || k.n > 10) return -1;
    for (size_t m = 0; m < NZMAP; m++) {
        const char *z = zmaps[m].name;
        if (strlen(z) != k.n) continue;
        size_t i = 0;
        for (; i < k.n; i++) {
            char a = str_lc(k.p[i]);
            if (a != z[i] && !(z[i] == '.' && a == '_')) break;
        }
        if (i == k.n) return (int)m;
    }
    return -1;
}

/* What one record collected for the fields that need two values. */
typedef struct zrec {
    char lorig, lresp;  /* 'T', 'F' or 0 */
    bool smtp;          /* a key of smtp.log was seen */
    bool zeek;          /* an id.orig_h / id.resp_h key was seen: a Zeek record */
    pstr_t path;        /* _path value */
} zrec_t;

/* 'T' or 'F' for a Zeek bool (T/F in TSV, true/false in JSON), else 0. */
static char zbool(pstr_t v) {
    char ch = v.n ? str_lc(v.p[0]) : 0;
    return ch == 't' ? 'T' : ch == 'f' ? 'F' : 0;
}

/* Put a Zeek value v for zmaps[m] into the schema. */
static void zmap_apply(rd_ctx_t *c, const sc_ids_t *ids, int m, pstr_t v, record_t *rec, zrec_t *z) {
    const struct zmap *zm = &zmaps[m];
    int64_t ms;
    switch (zm->conv) {
    case ZC_TIME:
        if (dt_parse(v, &ms)) rd_time(c, ms);
        return;
    case ZC_LORIG: z->lorig = zbool(v); return;
    case ZC_LRESP: z->lresp = zbool(v); return;
    case ZC_PATH: z->path = v; return;
    case ZC_SMTP: z->smtp = true; return;
    case ZC_IP:
        z->zeek = true;
        v = schema_ip(v);
        break;
    case ZC_NUM: v = schema_number(v); break;
    case ZC_PROTO: v = schema_protocol(v); break;
    default: break;
    }
    sc_set(rec, ids, zm->f, val_strv(v));
}

/* local_orig/local_resp: T/F is outbound, F/T inbound. */
static void zrec_finish(const sc_ids_t *ids, const zrec_t *z, record_t *rec) {
    if (z->lorig == 'T' && z->lresp == 'F') sc_set(rec, ids, SC_DIRECTION, val_strv(PSTR_LIT("outbound")));
    else if (z->lorig == 'F' && z->lresp == 'T') sc_set(rec, ids, SC_DIRECTION, val_strv(PSTR_LIT("inbound")));
}

/* "network/zeek/<path>" into buf (cap bytes); the view of it. */
static pstr_t zeek_category(char *buf, size_t cap, pstr_t path) {
    int k = snprintf(buf, cap, "network/zeek/%.*s", (int)(path.n < 40 ? path.n : 40), path.p);
    return pstr(buf, k > 0 ? (size_t)k : 0);
}

/* ---- TSV ------------------------------------------------------------ */

/* A column of the current #fields. */
typedef struct zcol {
    uint32_t id;    /* field, FIELD_NONE when not read */
    int8_t zm;      /* zmaps index, -1 */
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

/* One '#' header line (without its newline). */
static void ztsv_header(rd_ctx_t *c, ztsv_t *s, pstr_t line) {
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
    else if (pstr_eq(key, PSTR_LIT("path"))) s->catn = zeek_category(s->cat, sizeof s->cat, val).n;
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
            z->zm = (int8_t)zmap_find(name);
            if (!e) break;
            i = (size_t)(e - val.p) + 1;
        }
    }
}

/* One line per call: header lines are read on the way, data rows become records. */
static rd_status_t ztsv_next(rd_ctx_t *c, const char *p, size_t n, bool eof, size_t *used, record_t *rec) {
    ztsv_t *s = c->st;
    size_t i = 0;
    for (;;) {
        *used = i;
        if (i >= n) return eof ? RD_END : RD_MORE;
        const char *nl = memchr(p + i, '\n', n - i);
        if (!nl && !eof) return RD_MORE;
        size_t le = nl ? (size_t)(nl - p) : n, next = nl ? le + 1 : n;
        size_t e = le;
        if (e > i && p[e - 1] == '\r') e--;
        pstr_t line = pstr(p + i, e - i);
        if (!pstr_trim(line).n) {
            i = next;
            continue;
        }
        if (line.p[0] == '#') {
            ztsv_header(c, s, line);
            i = next;
            continue;
        }
        c->rec_off = i;
        c->text = line;
        *used = next;
        if (!s->ncol) {
            c->reason = RD_R_NOHDR;
            return RD_REJECT;
        }
        /* count the cells first: a row of another width is rejected whole */
        unsigned k = 1;
        for (const char *q = line.p; (q = memchr(q, s->sep, (size_t)(line.p + line.n - q))) != NULL; q++) k++;
        if (k != s->ncol) {
            c->reason = RD_R_COLS;
            return RD_REJECT;
        }
        zrec_t z = {0, 0, false, false, PSTR_NULL};
        size_t a = 0;
        pstr_t unset = pstr_c(s->unset), empty = pstr_c(s->empty);
        for (unsigned j = 0; j < s->ncol; j++) {
            const char *q = memchr(line.p + a, s->sep, line.n - a);
            size_t b = q ? (size_t)(q - line.p) : line.n;
            const zcol_t *col = &s->col[j];
            if (col->id != FIELD_NONE || col->zm >= 0) {
                pstr_t v = pstr(line.p + a, b - a);
                if (!pstr_eq(v, unset)) {
                    v = pstr_eq(v, empty) ? pstr(line.p + a, 0) : zeek_unescape(v, c->arena);
                    if (col->id != FIELD_NONE) rec_set(rec, col->id, val_strv(v));
                    if (col->zm >= 0) zmap_apply(c, &s->ids, col->zm, v, rec, &z);
                }
            }
            a = b + 1;
        }
        zrec_finish(&s->ids, &z, rec);
        rd_category(c, pstr(s->cat, s->catn));
        return RD_REC;
    }
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
static void zjson_member(rd_ctx_t *c, zjson_t *s, unsigned pos, pstr_t k, bool esc, pstr_t v, record_t *rec, zrec_t *z) {
    int sp;
    uint32_t id = rd_lookup(c, pos, k, esc, &sp);
    int m = esc ? -1 : zmap_find(k);
    if (id == FIELD_NONE && sp == RD_SP_NONE && m < 0) return;
    value_t val = json_to_value(v, c->arena);
    if (id != FIELD_NONE) rec_set(rec, id, val);
    rd_note(c, sp, val);
    if (m >= 0 && val.t == V_STR) zmap_apply(c, &s->ids, m, val_pstr(val), rec, z);
}

/* The members of the object, a nested "id" object as id.<key>. */
static bool zjson_object(rd_ctx_t *c, zjson_t *s, const char *o, size_t n, record_t *rec) {
    json_iter_t it;
    pstr_t k, v;
    bool esc;
    unsigned pos = 0;
    zrec_t z = {0, 0, false, false, PSTR_NULL};
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
                    zjson_member(c, s, RD_KCACHE, full, false, iv, rec, &z);
                }
        }
        zjson_member(c, s, pos++, k, esc, v, rec, &z);
    }
    if (it.err || json_ws(o, n, it.i) != n) return false;
    zrec_finish(&s->ids, &z, rec);
    if (z.path.n) {
        if (z.path.n > 40 || !pstr_eq(z.path, pstr_c(s->lastpath))) {
            copy_cstr(s->lastpath, sizeof s->lastpath, z.path);
            s->catn = zeek_category(s->cat, sizeof s->cat, z.path).n;
        }
        rd_category(c, pstr(s->cat, s->catn));
    } else if (z.zeek) { /* other objects get no default */
        rd_category(c, z.smtp ? PSTR_LIT("network/zeek/smtp") : PSTR_LIT("network/zeek/conn"));
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
            "(local_orig/local_resp)"},
    .probe = ztsv_probe,
    .open = ztsv_open,
    .next = ztsv_next,
    .close = ztsv_close,
    .line_sync = true,
};

/* See reader.h. */
const rd_impl_t rd_zeek_json = {
    .pub = {"zeek-json", "Zeek logs from the JSON writer: one object per line, id.orig_h or id_orig_h keys",
            "JSON object lines with \"uid\" and \"id.orig_h\" (or \"id_orig_h\")",
            "_messageTime (ts), _sourceCategory (network/zeek/<_path>, else network/zeek/conn), src_ip, src_port, "
            "dest_ip, dest_port, protocol, bytes_out, bytes_in, action, direction"},
    .line = zjson_line,
    .open = zjson_open,
    .next = zjson_next,
    .close = zjson_close,
    .line_sync = true,
    .split = 1,
};
