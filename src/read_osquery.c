/* read_osquery.c — osquery results logs (NDJSON), socket tables mapped
 * to the schema.
 *
 * A line is a differential result (`"action":"added"|"removed"` with a
 * `columns` object), a snapshot (`"snapshot":[rows]`) or a batch
 * (`"diffResults":{"added":[rows],"removed":[rows]}`); each row is one
 * record. A row's columns are fields under `columns.<name>` whatever the
 * shape, the line's other members under their own (dotted) names. Rows
 * of socket_events (`columns.action` connect/accept…, `path` the
 * executable) and process_open_sockets (`path` a socket path, not the
 * process) fill the schema as the comment on osq_schema says.
 */
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "reader.h"

#define OQ_MAXTOP 64   /* top-level members of a line remembered for its rows */

/* The columns the mapping reads. ORDER OQCOL: oq_cols[]. */
enum { OQ_ACTION, OQ_PATH, OQ_PID, OQ_RADDR, OQ_RPORT, OQ_LADDR, OQ_LPORT, OQ_PROTO, OQ_AUID, OQ_UID, OQ_STATUS,
       OQ_SUCCESS, OQ_TIME, OQ_STATE, OQ_NCOL };
static const pstr_t oq_cols[OQ_NCOL] = {
    PSTR_LIT("action"),   PSTR_LIT("path"),       PSTR_LIT("pid"),   PSTR_LIT("remote_address"), PSTR_LIT("remote_port"),
    PSTR_LIT("local_address"), PSTR_LIT("local_port"), PSTR_LIT("protocol"), PSTR_LIT("auid"), PSTR_LIT("uid"),
    PSTR_LIT("status"),   PSTR_LIT("success"),    PSTR_LIT("time"),  PSTR_LIT("state")};

/* Endpoint columns by the socket's role: an outbound connect, an inbound
 * accept, a socket of process_open_sockets (local → remote, no direction). */
static const rd_map_t oq_out[] = {
    RD_MAP("local_address", SC_SRC_IP, RD_IP, 0), RD_MAP("local_port", SC_SRC_PORT, RD_NUM, 0),
    RD_MAP("remote_address", SC_DEST_IP, RD_IP, 0), RD_MAP("remote_port", SC_DEST_PORT, RD_NUM, 0),
};
static const rd_map_t oq_in[] = {
    RD_MAP("remote_address", SC_SRC_IP, RD_IP, 0), RD_MAP("remote_port", SC_SRC_PORT, RD_NUM, 0),
    RD_MAP("local_address", SC_DEST_IP, RD_IP, 0), RD_MAP("local_port", SC_DEST_PORT, RD_NUM, 0),
};
/* ORDER OQROLE: in the order of oq_out and oq_in. */
static const int oq_role_col[4] = {OQ_LADDR, OQ_LPORT, OQ_RADDR, OQ_RPORT};

/* Columns that fill one field whatever the role. */
static const struct {
    int col;          /* OQ_* */
    rd_map_t m;       /* field, conversion, rank */
} oq_any[] = {
    {OQ_PID, RD_MAP("pid", SC_PID, RD_NUM, 0)},         {OQ_PROTO, RD_MAP("protocol", SC_PROTOCOL, RD_PROTO, 0)},
    {OQ_UID, RD_MAP("uid", SC_USER, RD_TEXT, 0)},       {OQ_AUID, RD_MAP("auid", SC_USER, RD_TEXT, 1)},
    {OQ_STATUS, RD_MAP("status", SC_ACTION, RD_TEXT, 0)}, {OQ_STATE, RD_MAP("state", SC_ACTION, RD_TEXT, 1)},
    {OQ_TIME, RD_MAP("time", SC_MESSAGETIME, RD_DEVTIME, 0)},
};

/* A member of the line, as offsets into its object text. */
typedef struct oq_top {
    uint32_t ko, kn, vo, vn;   /* key and value views */
    bool esc;                  /* the key has escapes */
} oq_top_t;

/* Per-input state (heap, owned by the reader). */
typedef struct oq {
    sc_ids_t ids;              /* schema fields the query reads */
    /* the line being read, while rows remain (offsets into its object text): */
    bool inline_;              /* a line with rows left is being read */
    size_t objn;               /* its object's length */
    size_t objoff;             /* the object's offset in the line */
    size_t lineused;           /* the line's length with its newline */
    oq_top_t top[OQ_MAXTOP];   /* its top-level members */
    unsigned ntop;
    size_t arr[2], arrn[2];    /* the row arrays: snapshot, or added and removed */
    unsigned narr, ai;         /* their number, the one being read */
    size_t el;                 /* offset of the next element in arr[ai], 0 = its start */
    pstr_t diff[2];            /* what each array's rows are: "snapshot", "added", "removed" */
    pstr_t host, utime;        /* hostIdentifier, unixTime */
    pstr_t action;             /* the line's action (differential results) */
    int cols;                  /* member index of "columns", -1 */
    uint16_t bylen[16];        /* by name length: a bit per oq_cols[] entry that long */
} oq_t;

static void *oq_open(rd_ctx_t *c) {
    oq_t *s = xcalloc(1, sizeof *s);
    schema_ids(c->ft, &s->ids);
    for (int k = 0; k < OQ_NCOL; k++) s->bylen[oq_cols[k].n] |= (uint16_t)(1u << k);
    return s;
}

static void oq_close(void *st) { free(st); }

/* The body of a JSON string view ("x" → x), else the view. */
static pstr_t unquote(pstr_t v) { return v.n >= 2 && v.p[0] == '"' ? pstr(v.p + 1, v.n - 2) : v; }

/* Read the line's top-level members and find its rows. False on bad JSON. */
static bool oq_scan(oq_t *s, pstr_t o) {
    json_iter_t it;
    pstr_t k, v;
    bool esc;
    s->ntop = s->narr = s->ai = 0;
    s->el = 0;
    s->cols = -1;
    s->host = s->utime = s->action = PSTR_NULL;
    s->objn = o.n;
    if (!json_iter_begin(&it, o.p, o.n, 0)) return false;
    while (json_iter_next(&it, &k, &esc, &v)) {
        if (s->ntop == OQ_MAXTOP) continue;
        s->top[s->ntop] = (oq_top_t){(uint32_t)(k.p - o.p), (uint32_t)k.n, (uint32_t)(v.p - o.p), (uint32_t)v.n, esc};
        if (pstr_eq(k, PSTR_LIT("columns")) && v.n && v.p[0] == '{') s->cols = (int)s->ntop;
        else if (pstr_eq(k, PSTR_LIT("hostIdentifier"))) s->host = unquote(v);
        else if (pstr_eq(k, PSTR_LIT("unixTime"))) s->utime = unquote(v);
        else if (pstr_eq(k, PSTR_LIT("action"))) s->action = unquote(v);
        else if (pstr_eq(k, PSTR_LIT("snapshot")) && v.n && v.p[0] == '[' && s->narr < 2) {
            s->diff[s->narr] = PSTR_LIT("snapshot");
            s->arr[s->narr] = (size_t)(v.p - o.p), s->arrn[s->narr++] = v.n;
        } else if (pstr_eq(k, PSTR_LIT("diffResults")) && v.n && v.p[0] == '{') {
            json_iter_t in;
            pstr_t ik, iv;
            bool iesc;
            if (json_iter_begin(&in, v.p, v.n, 0))
                while (json_iter_next(&in, &ik, &iesc, &iv))
                    if (iv.n && iv.p[0] == '[' && s->narr < 2 &&
                        (pstr_eq(ik, PSTR_LIT("added")) || pstr_eq(ik, PSTR_LIT("removed")))) {
                        s->diff[s->narr] = pstr_eq(ik, PSTR_LIT("added")) ? PSTR_LIT("added") : PSTR_LIT("removed");
                        s->arr[s->narr] = (size_t)(iv.p - o.p), s->arrn[s->narr++] = iv.n;
                    }
        }
        s->ntop++;
    }
    return !it.err && json_ws(o.p, o.n, it.i) == o.n;
}

/* The next row object of the line's arrays (cursor moved past it), or an
 * empty view when none is left. */
static pstr_t oq_next_row(oq_t *s, pstr_t o) {
    while (s->ai < s->narr) {
        const char *a = o.p + s->arr[s->ai];
        size_t n = s->arrn[s->ai], i = s->el ? s->el : json_ws(a, n, 1);
        while (i < n && a[i] != ']') {
            size_t e = json_skip(a, n, i);
            if (e == (size_t)-1) break;
            pstr_t row = pstr(a + i, e - i);
            i = json_ws(a, n, e);
            if (i < n && a[i] == ',') i = json_ws(a, n, i + 1);
            s->el = i;
            if (row.p[0] == '{') return row;
        }
        s->ai++;
        s->el = 0;
    }
    return PSTR_NULL;
}

/* What the walk over a row's columns collects. */
typedef struct oq_row {
    rd_ctx_t *c;
    record_t *rec;
    unsigned pos;                /* key-cache position */
    bool cols;                   /* walking the row: columns.<name> are read for the mapping */
    const uint16_t *bylen;       /* oq_t's bylen */
    pstr_t col[OQ_NCOL];         /* the columns the mapping reads */
} oq_row_t;

static void oq_col(void *ud, pstr_t path, pstr_t key, pstr_t val) {
    oq_row_t *r = ud;
    int m = -1;
    if (r->cols && path.n == key.n + 8 && key.n < 16) /* columns.<name>, not deeper */
        for (unsigned b = r->bylen[key.n]; b; b &= b - 1) /* the names that long */
            if (pstr_eq(key, oq_cols[__builtin_ctz(b)])) {
                m = __builtin_ctz(b);
                break;
            }
    value_t v = rd_json_member(r->c, r->pos++, path, false, val, m >= 0 ? RD_NEED : 0, r->rec);
    if (m >= 0 && v.t == V_STR) r->col[m] = val_pstr(v);
}

/* An address, port or number that says "none": empty, 0, 0.0.0.0, ::. */
static bool unset_value(pstr_t v) {
    return !v.n || pstr_eq(v, PSTR_LIT("0")) || pstr_eq(v, PSTR_LIT("0.0.0.0")) || pstr_eq(v, PSTR_LIT("::"));
}

/* The schema from a row's columns. socket_events rows (with an action
 * column) name the process in path; connect is outbound (local → remote),
 * accept inbound (remote → local), other actions (bind, listen) fill no
 * endpoints; process_open_sockets rows (no action) go local → remote with
 * no direction when they have a remote address, and name the process
 * when a join put the executable's path in the row (listening
 * sockets fill no endpoints). Unset values (0, 0.0.0.0, ::) are left out. A "removed" row is the end of a socket already
 * reported as added: it fills no endpoints, so it is not counted twice. */
static void osq_schema(rd_ctx_t *c, oq_t *s, const oq_row_t *r, pstr_t diff, record_t *rec) {
    rd_acc_t acc;
    rd_acc_init(&acc, &s->ids, NULL, RD_ACC_TRIM);
    pstr_t act = r->col[OQ_ACTION];
    bool sock = r->col[OQ_RADDR].n || r->col[OQ_RPORT].n;
    const rd_map_t *role = NULL;
    pstr_t dir = PSTR_NULL;
    if (pstr_eq(act, PSTR_LIT("connect"))) role = oq_out, dir = PSTR_LIT("outbound");
    else if (pstr_eq(act, PSTR_LIT("accept"))) role = oq_in, dir = PSTR_LIT("inbound");
    else if (!act.n && sock && !unset_value(r->col[OQ_RADDR])) role = oq_out; /* connected, not listening */
    if (pstr_eq(diff, PSTR_LIT("removed"))) role = NULL;
    for (int k = 0; role && k < 4; k++)
        if (!unset_value(r->col[oq_role_col[k]])) rd_acc_put(&acc, &role[k], r->col[oq_role_col[k]]);
    /* socket_events' path is the executable; process_open_sockets' own
     * path is set for AF_UNIX sockets only, so on a row with a remote
     * address a path comes from a join with processes (`SELECT p.path,
     * pos.* … JOIN processes p USING (pid)`): the executable too. */
    if (act.n || (role && !pstr_eq(diff, PSTR_LIT("removed")))) {
        static const rd_map_t path = RD_MAP("path", SC_PROCESS_NAME, RD_TEXT, 0);
        rd_acc_put(&acc, &path, r->col[OQ_PATH]);
    }
    for (size_t k = 0; k < sizeof oq_any / sizeof oq_any[0]; k++) {
        pstr_t v = r->col[oq_any[k].col];
        if (oq_any[k].col == OQ_AUID && pstr_eq(v, PSTR_LIT("4294967295"))) continue; /* unset */
        if ((oq_any[k].col == OQ_TIME || oq_any[k].col == OQ_PROTO) && unset_value(v)) continue;
        rd_acc_put(&acc, &oq_any[k].m, v);
    }
    static const rd_map_t ok = RD_MAP("success", SC_ACTION, RD_TEXT, 2),
                          utime = RD_MAP("unixTime", SC_MESSAGETIME, RD_DEVTIME, 1),
                          host = RD_MAP("hostIdentifier", SC_HOST, RD_HOST, 0);
    pstr_t succ = r->col[OQ_SUCCESS];
    rd_acc_put(&acc, &ok, pstr_eq(succ, PSTR_LIT("1")) ? PSTR_LIT("succeeded")
                          : pstr_eq(succ, PSTR_LIT("0")) ? PSTR_LIT("failed")
                                                        : PSTR_NULL);
    rd_acc_put(&acc, &utime, s->utime);
    rd_acc_put(&acc, &host, s->host);
    if (dir.n && role) rd_acc_set(&acc, SC_DIRECTION, RD_TEXT, dir);
    rd_acc_outcome(&acc); /* succeeded allowed, failed failed */
    rd_acc_emit(c, &acc, rec);
    rd_category(c, sock ? PSTR_LIT("endpoint/osquery/network") : PSTR_LIT("endpoint/osquery"));
}

/* A record: the line's top-level members (objects also under their
 * members' dotted names; snapshot and diffResults, whose rows are the
 * records, are not fields), then the row's columns and the schema. row
 * is empty for a differential result (its columns member is the row). */
static void oq_record(rd_ctx_t *c, oq_t *s, pstr_t o, pstr_t row, pstr_t diff, record_t *rec) {
    oq_row_t *r = arena_calloc(c->arena, sizeof *r);
    r->c = c;
    r->rec = rec;
    r->bylen = s->bylen;
    for (unsigned t = 0; t < s->ntop; t++) {
        const oq_top_t *m = &s->top[t];
        pstr_t k = pstr(o.p + m->ko, m->kn), v = pstr(o.p + m->vo, m->vn);
        if (m->esc && !json_unescape_body(k, c->arena, &k)) continue;
        if (pstr_eq(k, PSTR_LIT("snapshot")) || pstr_eq(k, PSTR_LIT("diffResults"))) continue; /* the rows: records */
        rd_json_member(c, r->pos++, k, false, v, 0, rec);
        if ((int)t == s->cols) row = v;
        else if (v.n && v.p[0] == '{') rd_walk(c, v, k, oq_col, r);
    }
    if (!row.n) return; /* another object: its members only */
    r->cols = true;
    rd_walk(c, row, PSTR_LIT("columns"), oq_col, r);
    osq_schema(c, s, r, diff, rec);
}

/* One row per call: a line with several rows is read again (not
 * consumed) until its last row. */
static rd_status_t oq_next(rd_ctx_t *c, const char *p, size_t n, bool eof, size_t *used, record_t *rec) {
    oq_t *s = c->st;
    pstr_t obj;
    if (s->inline_ && n >= s->lineused) { /* the same line again: not searched for its end again */
        obj = pstr(p + s->objoff, s->objn);
        c->rec_off = 0;
        c->text = obj;
        *used = s->lineused;
    } else {
        s->inline_ = false;
        rd_status_t st = rd_json_line(c, p, n, eof, used, true, &obj);
        if (st != RD_REC) return st;
        s->objoff = (size_t)(obj.p - (p + c->rec_off));
        s->lineused = *used - c->rec_off;
    }
    if (!s->inline_) {
        if (!oq_scan(s, obj)) {
            s->inline_ = false;
            c->reason = RD_R_JSON;
            return RD_REJECT;
        }
        if (!s->narr) { /* a differential result, or another object */
            oq_record(c, s, obj, PSTR_NULL, s->action, rec);
            return RD_REC;
        }
        s->inline_ = true;
    }
    pstr_t row = oq_next_row(s, obj);
    if (!row.n) { /* arrays without rows */
        s->inline_ = false;
        return RD_SKIP;
    }
    oq_record(c, s, obj, row, s->diff[s->ai], rec);
    c->text = row; /* _raw: the row, not the whole line again for every row */
    size_t ai = s->ai, el = s->el;
    s->inline_ = oq_next_row(s, obj).n > 0; /* a peek: the next call reads that row again */
    s->ai = ai, s->el = el;
    if (s->inline_) *used = c->rec_off;
    return RD_REC;
}

/* An object line with "hostIdentifier" and result rows. */
static int oq_line(const rd_line_t *l) {
    pstr_t t = rd_json_text(l);
    if (!t.n || !pstr_contains(t, PSTR_LIT("\"hostIdentifier\""))) return 0;
    return pstr_contains(t, PSTR_LIT("\"columns\"")) || pstr_contains(t, PSTR_LIT("\"snapshot\"")) ||
                   pstr_contains(t, PSTR_LIT("\"diffResults\""))
               ? 80
               : 0;
}

/* See reader.h. */
const rd_impl_t rd_osquery = {
    .pub = {"osquery", "osquery results logs (NDJSON): differential, snapshot and batch rows; socket_events and "
                       "process_open_sockets mapped",
            "object lines with \"hostIdentifier\" and \"columns\", \"snapshot\" or \"diffResults\"",
            "_messageTime (columns.time, else unixTime), src_ip, src_port, dest_ip, dest_port (local_*/remote_* by "
            "the socket's action), direction (connect/accept), process_name (socket_events path), pid, protocol, "
            "user (uid, else auid), host and _sourceHost (hostIdentifier), action (status, else success), "
            "_sourceCategory (endpoint/osquery/network for socket rows, else endpoint/osquery)"},
    .line = oq_line,
    .open = oq_open,
    .next = oq_next,
    .close = oq_close,
    .line_sync = true,
    .split = 1,
};
