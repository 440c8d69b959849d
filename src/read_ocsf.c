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
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "rdmap.h"

/* OCSF paths that fill schema fields. */
static const rm_map_t ocsf_map[] = {
    {"time", SC_MESSAGETIME, RM_TIME, 0},
    {"time_dt", SC_MESSAGETIME, RM_TIME, 1},
    {"src_endpoint.ip", SC_SRC_IP, RM_IP, 0},
    {"src_endpoint.port", SC_SRC_PORT, RM_NUM, 0},
    {"dst_endpoint.ip", SC_DEST_IP, RM_IP, 0},
    {"dst_endpoint.port", SC_DEST_PORT, RM_NUM, 0},
    {"connection_info.protocol_name", SC_PROTOCOL, RM_PROTO, 0},
    {"connection_info.protocol_num", SC_PROTOCOL, RM_PROTO, 1},
    {"connection_info.direction_id", SC_DIRECTION, RM_DIR12, 0},
    {"connection_info.direction", SC_DIRECTION, RM_DIR, 1},
    {"traffic.bytes_out", SC_BYTES_OUT, RM_NUM, 0},
    {"traffic.bytes_in", SC_BYTES_IN, RM_NUM, 0},
    {"actor.process.file.path", SC_PROCESS_NAME, RM_TEXT, 0},
    {"actor.process.name", SC_PROCESS_NAME, RM_TEXT, 1},
    {"actor.process.pid", SC_PID, RM_NUM, 0},
    {"actor.user.name", SC_USER, RM_TEXT, 0},
    {"device.hostname", SC_HOST, RM_HOST, 0},
    {"device.name", SC_HOST, RM_HOST, 1},
    {"action", SC_ACTION, RM_TEXT, 0},
    {"disposition", SC_ACTION, RM_TEXT, 1},
    {"activity_name", SC_ACTION, RM_TEXT, 2},
    {"activity_id", SC_ACTION, RM_OCSFACT, 3},
    {"type_uid", SC_EVENT_ID, RM_TEXT, 0},
    {"class_uid", SC_EVENT_ID, RM_TEXT, 1},
};
#define NOCSFMAP (sizeof ocsf_map / sizeof ocsf_map[0])

/* What the walk over one record collects. */
typedef struct ocsf_walk {
    rd_ctx_t *c;      /* the reader context */
    record_t *rec;    /* the record being filled */
    unsigned pos;     /* members so far: the key-cache position */
    rm_acc_t acc;     /* schema values */
    pstr_t cls;       /* class_uid as text */
} ocsf_walk_t;

static void ocsf_leaf(void *ud, pstr_t path, pstr_t key, pstr_t val) {
    ocsf_walk_t *w = ud;
    (void)key;
    int m = rm_find(ocsf_map, NOCSFMAP, path);
    value_t v = rm_json_member(w->c, w->pos++, path, val, m >= 0, w->rec);
    if (m < 0 || v.t != V_STR) return;
    rm_acc_put(&w->acc, &ocsf_map[m], val_pstr(v));
    if (ocsf_map[m].f == SC_EVENT_ID && ocsf_map[m].rank == 1) w->cls = val_pstr(v);
}

/* One record: every member, then the schema for OCSF network classes. */
static bool ocsf_object(rd_ctx_t *c, rm_state_t *s, pstr_t o, record_t *rec) {
    ocsf_walk_t *w = arena_calloc(c->arena, sizeof *w);
    w->c = c;
    w->rec = rec;
    if (!rm_walk(c, o, PSTR_NULL, ocsf_leaf, w)) return false;
    if (!w->cls.n) return true; /* no OCSF event: its keys only */
    bool network = pstr_eq(w->cls, PSTR_LIT("4001"));
    bool proc = w->acc.v[SC_PROCESS_NAME].n || w->acc.v[SC_PID].n;
    rm_acc_emit(c, &s->ids, &w->acc, NULL, rec);
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
    .open = rm_open,
    .next = ocsf_next,
    .close = rm_close,
    .line_sync = true,
    .split = 1,
};
