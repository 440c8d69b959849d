/* read_ocsf.c — Open Cybersecurity Schema Framework events as NDJSON,
 * Network Activity (class_uid 4001) mapped to the schema.
 *
 * One object per line. Every member is a field under its dotted path
 * (src_endpoint.port, actor.process.file.path), objects too (as JSON
 * text). Objects with a class_uid are OCSF events and fill the schema
 * from the table below (the paths are those of Network Activity, shared
 * by the other 4xxx network classes); objects without one keep their
 * keys only. The vote recognises OCSF by "class_uid", so plain JSON
 * Lines and Zeek or ECS JSON stay with their readers.
 */
#include <string.h>

#include "reader.h"

/* OCSF paths that fill schema fields. */
static const rd_map_t ocsf_map[] = {
    RD_MAP("time", SC_MESSAGETIME, RD_DEVTIME, 0),
    RD_MAP("time_dt", SC_MESSAGETIME, RD_DEVTIME, 1),
    RD_MAP("src_endpoint.ip", SC_SRC_IP, RD_IP, 0),
    RD_MAP("src_endpoint.port", SC_SRC_PORT, RD_NUM, 0),
    RD_MAP("dst_endpoint.ip", SC_DEST_IP, RD_IP, 0),
    RD_MAP("dst_endpoint.port", SC_DEST_PORT, RD_NUM, 0),
    RD_MAP("connection_info.protocol_name", SC_PROTOCOL, RD_PROTO, 0),
    RD_MAP("connection_info.protocol_num", SC_PROTOCOL, RD_PROTO, 1),
    RD_MAP("connection_info.direction_id", SC_DIRECTION, RD_DIR12, 0),
    RD_MAP("connection_info.direction", SC_DIRECTION, RD_DIR, 1),
    RD_MAP("connection_info.uid", SC_CONN_ID, RD_TEXT, 0),
    RD_MAP("traffic.bytes_out", SC_BYTES_OUT, RD_NUM, 0),
    RD_MAP("traffic.bytes_in", SC_BYTES_IN, RD_NUM, 0),
    RD_MAP("actor.process.file.path", SC_PROCESS_NAME, RD_TEXT, 0),
    RD_MAP("actor.process.name", SC_PROCESS_NAME, RD_TEXT, 1),
    RD_MAP("actor.process.pid", SC_PID, RD_NUM, 0),
    RD_MAP("actor.user.name", SC_USER, RD_TEXT, 0),
    RD_MAP("device.hostname", SC_HOST, RD_HOST, 0),
    RD_MAP("device.name", SC_HOST, RD_HOST, 1),
    RD_MAP("action", SC_ACTION, RD_TEXT, 0),
    RD_MAP("disposition", SC_ACTION, RD_TEXT, 1),
    RD_MAP("activity_name", SC_ACTION, RD_TEXT, 2),
    RD_MAP("activity_id", SC_ACTION, RD_OCSFACT, 3),
    RD_MAP("type_uid", SC_EVENT_ID, RD_TEXT, 0),
    RD_MAP("class_uid", SC_EVENT_ID, RD_TEXT, 1),
};
static const rd_maptab_t ocsf_tab = RD_MAPTAB(ocsf_map, RD_EXACT);

/* What the walk over one record collects. */
typedef struct ocsf_walk {
    rd_ctx_t *c;      /* the reader context */
    record_t *rec;    /* the record being filled */
    unsigned pos;     /* members so far: the key-cache position */
    rd_acc_t acc;     /* schema values */
    pstr_t cls;       /* class_uid as text */
} ocsf_walk_t;

static void ocsf_leaf(void *ud, pstr_t path, pstr_t key, pstr_t val) {
    ocsf_walk_t *w = ud;
    (void)key;
    rd_key_t k = rd_key(w->c, w->pos++, path, false, &ocsf_tab); /* field and map entry, cached */
    const rd_map_t *m = k.m;
    value_t v = rd_json_value(w->c, k, val, m ? RD_NEED : 0, w->rec);
    if (!m || v.t != V_STR) return;
    rd_acc_put(&w->acc, m, val_pstr(v));
    if (m->slot == SC_EVENT_ID && m->rank == 1) w->cls = val_pstr(v);
}

/* One record: every member, then the schema for OCSF network classes. */
static bool ocsf_object(rd_ctx_t *c, rd_base_t *s, pstr_t o, record_t *rec) {
    ocsf_walk_t *w = arena_calloc(c->arena, sizeof *w);
    w->c = c;
    w->rec = rec;
    rd_acc_init(&w->acc, &s->ids, NULL, RD_ACC_TRIM);
    if (!rd_walk(c, o, PSTR_NULL, ocsf_leaf, w)) return false;
    if (!w->cls.n) return true; /* no OCSF event: its keys only */
    bool network = pstr_eq(w->cls, PSTR_LIT("4001"));
    bool proc = rd_acc_get(&w->acc, SC_PROCESS_NAME).n || rd_acc_get(&w->acc, SC_PID).n;
    rd_acc_outcome(&w->acc);
    rd_acc_emit(c, &w->acc, rec);
    rd_category(c, !network ? PSTR_LIT("ocsf/event")
                   : proc   ? PSTR_LIT("endpoint/ocsf/network")
                            : PSTR_LIT("network/ocsf/flow"));
    return true;
}

/* One line per call, as in jsonl. */
static rd_status_t ocsf_next(rd_ctx_t *c, const char *p, size_t n, bool eof, size_t *used, record_t *rec) {
    pstr_t obj;
    rd_status_t st = rd_json_line(c, p, n, eof, used, true, &obj);
    if (st == RD_REC && !ocsf_object(c, c->st, obj, rec)) {
        c->reason = RD_R_JSON;
        return RD_REJECT;
    }
    return st;
}

/* An object line with a "class_uid" key. */
static int ocsf_line(const rd_line_t *l) {
    pstr_t t = rd_json_text(l);
    if (!t.n) return 0;
    return pstr_contains(t, PSTR_LIT("\"class_uid\"")) ? 75 : 0;
}

/* See reader.h. */
const rd_impl_t rd_ocsf = {
    .pub = {"ocsf", "OCSF events as NDJSON; Network Activity (class_uid 4001) and the other 4xxx network classes",
            "object lines with a \"class_uid\" key",
            "_messageTime (time, else time_dt), src_ip, src_port (src_endpoint.*), dest_ip, dest_port "
            "(dst_endpoint.*), protocol (connection_info.protocol_name or _num), direction "
            "(connection_info.direction_id), process_name (actor.process.file.path, else .name), pid, user "
            "(actor.user.name), host and _sourceHost (device.hostname), bytes_out (traffic.bytes_out), bytes_in, "
            "action (action, disposition, activity_name or activity_id), event_id (type_uid, else class_uid), "
            "_sourceCategory (endpoint/ocsf/network with a process, network/ocsf/flow without, ocsf/event for "
            "other classes)"},
    .line = ocsf_line,
    .open = rd_base_open,
    .next = ocsf_next,
    .close = rd_base_close,
    .line_sync = true,
    .split = 1,
};
