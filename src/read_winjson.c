/* read_winjson.c — Windows events rendered as JSON, and ECS events.
 *
 * evtx-json: evtx_dump's {"Event":{"#attributes":…,"System":…,"EventData":…}}
 * one per line (-o jsonl) or pretty-printed after "Record N" lines (-o json),
 * and converters that flatten attributes (TimeCreated.SystemTime, @Name,
 * EventData.Data[{@Name,#text}]). ecs: Winlogbeat / Elastic Agent NDJSON,
 * nested or dotted; every leaf is reachable by its dotted path
 * (winlog.event_data.Image, destination.port). Both hand Windows events
 * to winevt.c under the XML rendering's names; ECS fields fill the gaps.
 */
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "reader.h"
#include "winevt.h"

/* Per-input state of both readers (heap, owned by the reader). */
typedef struct wj {
    we_state_t *we;         /* the Windows-event mapping's state */
    we_list_t l;            /* the event's values, reused */
    json_ends_t ends;       /* evtx-json: where the record's objects end (json_skip_ends) */
} wj_t;

static void *wj_open(rd_ctx_t *c) {
    wj_t *s = xcalloc(1, sizeof *s);
    s->we = we_open(c);
    return s;
}

static void wj_close(void *st) {
    wj_t *s = st;
    if (!s) return;
    we_close(s->we);
    we_list_free(&s->l);
    free(s);
}

static we_field_t *add(wj_t *s, pstr_t name, pstr_t val, uint8_t sect, bool native) {
    we_field_t *f = we_add(&s->l);
    if (f) *f = (we_field_t){name, val, WE_JSON, sect, native};
    return f;
}

static bool is_obj(pstr_t v) { return v.n && v.p[0] == '{'; }
static bool is_null(pstr_t v) { return v.n == 4 && memcmp(v.p, "null", 4) == 0; }

/* A member's value: v itself, or its "#text" when v is an object. */
static pstr_t text_of(pstr_t v, const json_ends_t *e) {
    if (!is_obj(v)) return v;
    json_iter_t it;
    pstr_t k, x;
    bool esc;
    if (json_iter_begin_valid(&it, v.p, v.n, 0, e))
        while (json_iter_next(&it, &k, &esc, &x))
            if (pstr_eq(k, PSTR_LIT("#text")) || pstr_eq(k, PSTR_LIT("text"))) return x;
    return v;
}

/* ---- evtx-json --------------------------------------------------------- */

/* System: scalars by name; objects give #text under the name and their
 * attributes (#attributes members, @A or plain members) as "K.A". */
static void evtx_system(rd_ctx_t *c, wj_t *s, pstr_t sys) {
    json_iter_t it;
    pstr_t k, v;
    bool esc;
    if (!json_iter_begin_valid(&it, sys.p, sys.n, 0, &s->ends)) return;
    while (json_iter_next(&it, &k, &esc, &v)) {
        if (esc || is_null(v)) continue;
        if (!is_obj(v)) {
            add(s, k, v, WE_SYS, true);
            continue;
        }
        json_iter_t in;
        pstr_t ik, iv;
        bool iesc;
        if (!json_iter_begin_valid(&in, v.p, v.n, 0, &s->ends)) continue;
        while (json_iter_next(&in, &ik, &iesc, &iv)) {
            if (iesc) continue;
            if (pstr_eq(ik, PSTR_LIT("#text"))) {
                add(s, k, iv, WE_SYS, true);
            } else if (pstr_eq(ik, PSTR_LIT("#attributes")) && is_obj(iv)) {
                json_iter_t at;
                pstr_t ak, av;
                bool aesc;
                if (json_iter_begin_valid(&at, iv.p, iv.n, 0, &s->ends))
                    while (json_iter_next(&at, &ak, &aesc, &av))
                        if (!aesc && !is_obj(av) && !is_null(av)) add(s, we_dotted(c->arena, k, ak), av, WE_SYS, true);
            } else if (!is_obj(iv) && !is_null(iv)) {
                if (ik.n > 1 && ik.p[0] == '@') ik = pstr(ik.p + 1, ik.n - 1);
                add(s, we_dotted(c->arena, k, ik), iv, WE_SYS, true);
            }
        }
    }
}

/* One {"@Name"|"Name"|"#attributes":{"Name"}, "#text"|"Value"} item. */
static void evtx_data_item(wj_t *s, pstr_t item) {
    json_iter_t it;
    pstr_t k, v, name = PSTR_NULL, val = PSTR_LIT("\"\"");
    bool esc;
    if (!is_obj(item)) {
        add(s, PSTR_LIT("Data"), item, WE_DATA, true);
        return;
    }
    if (!json_iter_begin_valid(&it, item.p, item.n, 0, &s->ends)) return;
    while (json_iter_next(&it, &k, &esc, &v)) {
        if (pstr_eq(k, PSTR_LIT("@Name")) || pstr_eq(k, PSTR_LIT("Name"))) name = v;
        else if (pstr_eq(k, PSTR_LIT("#attributes")) && is_obj(v)) {
            json_iter_t at;
            pstr_t ak, av;
            bool aesc;
            if (json_iter_begin_valid(&at, v.p, v.n, 0, &s->ends))
                while (json_iter_next(&at, &ak, &aesc, &av))
                    if (pstr_eq(ak, PSTR_LIT("Name"))) name = av;
        } else if (pstr_eq(k, PSTR_LIT("#text")) || pstr_eq(k, PSTR_LIT("Value")) || pstr_eq(k, PSTR_LIT("text"))) {
            val = v;
        }
    }
    /* the name is a JSON string: its body is the field name */
    if (name.n >= 2 && name.p[0] == '"' && !memchr(name.p + 1, '\\', name.n - 2))
        add(s, pstr(name.p + 1, name.n - 2), val, WE_DATA, true);
}

/* EventData (or UserData's inner element): Name→value map, or Data items. */
static void evtx_data(wj_t *s, pstr_t ed, int depth) {
    json_iter_t it;
    pstr_t k, v;
    bool esc;
    if (!json_iter_begin_valid(&it, ed.p, ed.n, 0, &s->ends)) return;
    while (json_iter_next(&it, &k, &esc, &v)) {
        if (esc || pstr_eq(k, PSTR_LIT("#attributes")) || (k.n && k.p[0] == '@')) continue;
        if (pstr_eq(k, PSTR_LIT("Data")) && v.n && (v.p[0] == '[' || v.p[0] == '{')) {
            if (v.p[0] == '{') {
                evtx_data_item(s, v);
                continue;
            }
            size_t i = json_ws(v.p, v.n, 1);
            while (i < v.n && v.p[i] != ']') {
                size_t e = json_skip_valid(v.p, v.n, i, &s->ends);
                if (e == (size_t)-1) break;
                evtx_data_item(s, pstr(v.p + i, e - i));
                i = json_ws(v.p, v.n, e);
                if (i < v.n && v.p[i] == ',') i = json_ws(v.p, v.n, i + 1);
            }
            continue;
        }
        pstr_t t = text_of(v, &s->ends);
        if (is_obj(t) && depth < 2) evtx_data(s, t, depth + 1); /* UserData's element */
        else add(s, k, t, WE_DATA, true);
    }
}

/* The event object ({"System":…,"EventData":…}). */
static void evtx_event(rd_ctx_t *c, wj_t *s, pstr_t ev) {
    json_iter_t it;
    pstr_t k, v;
    bool esc;
    if (!json_iter_begin_valid(&it, ev.p, ev.n, 0, &s->ends)) return;
    while (json_iter_next(&it, &k, &esc, &v)) {
        if (!is_obj(v)) continue;
        if (pstr_eq(k, PSTR_LIT("System"))) evtx_system(c, s, v);
        else if (pstr_eq(k, PSTR_LIT("EventData"))) evtx_data(s, v, 1);
        else if (pstr_eq(k, PSTR_LIT("UserData"))) evtx_data(s, v, 0);
    }
}

/* NXLog's im_msvistalog JSON (to_json()) flattens an event: the System
 * values under NXLog's own names, the EventData items as top-level keys
 * beside them. ORDER NXSYS: NXLog's name, then the XML rendering's. */
static const char *const nx_sys[][2] = {
    {"SourceName", "Provider.Name"},   {"ProviderGuid", "Provider.Guid"}, {"EventID", "EventID"},
    {"Channel", "Channel"},            {"Hostname", "Computer"},          {"RecordNumber", "EventRecordID"},
    {"ProcessID", "Execution.ProcessID"}, {"ThreadID", "Execution.ThreadID"},
    {"UserID", "Security.UserID"},     {"Version", "Version"},            {"Task", "Task"},
    {"EventTime", "TimeCreated.SystemTime"},
};
/* NXLog's own members that are no EventData item. */
static const char *const nx_meta[] = {
    "Keywords",      "EventType",     "SeverityValue",     "Severity",          "OpcodeValue",
    "Domain",        "AccountName",   "AccountType",       "Message",           "Category",
    "Opcode",        "EventReceivedTime", "SourceModuleName", "SourceModuleType",
};

/* An NXLog event (SourceName, EventID and Channel at the top) into s->l:
 * System names mapped, NXLog's metadata left native only, every other
 * member an EventData item. NXLog writes the system ProcessID and a 5156
 * item ProcessID under one name: it is read as the system's. Returns
 * false for other objects. */
static bool nxlog_event(wj_t *s, pstr_t o) {
    json_iter_t it;
    pstr_t k, v;
    bool esc;
    unsigned need = 0;
    if (!json_iter_begin_valid(&it, o.p, o.n, 0, &s->ends)) return false;
    while (json_iter_next(&it, &k, &esc, &v))
        need |= pstr_eq(k, PSTR_LIT("SourceName")) | pstr_eq(k, PSTR_LIT("EventID")) << 1 |
                pstr_eq(k, PSTR_LIT("Channel")) << 2;
    if (need != 7 || !json_iter_begin_valid(&it, o.p, o.n, 0, &s->ends)) return false;
    while (json_iter_next(&it, &k, &esc, &v)) {
        if (esc || is_obj(v) || is_null(v)) continue;
        size_t m = 0;
        while (m < sizeof nx_sys / sizeof nx_sys[0] && !pstr_eq(k, pstr_c(nx_sys[m][0]))) m++;
        if (m < sizeof nx_sys / sizeof nx_sys[0]) {
            add(s, pstr_c(nx_sys[m][1]), v, WE_SYS, false);
            continue;
        }
        bool meta = false;
        for (size_t j = 0; j < sizeof nx_meta / sizeof nx_meta[0] && !meta; j++) meta = pstr_eq(k, pstr_c(nx_meta[j]));
        if (!meta) add(s, k, v, WE_DATA, false);
    }
    return true;
}

/* One object: its top-level keys natively, and the event inside it. */
static bool evtx_object(rd_ctx_t *c, wj_t *s, pstr_t o, record_t *rec) {
    json_iter_t it;
    pstr_t k, v, ev = PSTR_NULL;
    bool esc, sys = false;
    unsigned pos = 0;
    if (!json_iter_begin_valid(&it, o.p, o.n, 0, &s->ends)) return false;
    while (json_iter_next(&it, &k, &esc, &v)) {
        int sp;
        uint32_t id = rd_lookup(c, pos++, k, esc, &sp);
        if (id != FIELD_NONE) rec_set(rec, id, json_to_value(v, c->arena));
        if (pstr_eq(k, PSTR_LIT("Event")) && is_obj(v)) ev = v;
        if (pstr_eq(k, PSTR_LIT("System")) && is_obj(v)) sys = true;
    }
    if (it.err || json_ws(o.p, o.n, it.i) != o.n) return false;
    if (!ev.n && sys) ev = o; /* the event without its wrapper */
    s->l.n = 0;
    if (!ev.n && !nxlog_event(s, o)) return true; /* another object: top-level keys only */
    if (ev.n) evtx_event(c, s, ev);
    we_ext_t ext = {PSTR_NULL, false, 0, pos}; /* after the top-level keys' cache positions */
    we_emit(s->we, c, s->l.f, s->l.n, &ext, rec);
    return true;
}

/* A line "Record N" (evtx_dump -o json) is skipped. */
static bool record_line(const char *p, size_t n) {
    if (n < 8 || memcmp(p, "Record ", 7) != 0) return false;
    for (size_t i = 7; i < n; i++)
        if (p[i] < '0' || p[i] > '9') return p[i] == '\r' && i + 1 == n;
    return true;
}

/* One object per call, pretty-printed or not; "Record N" lines and the
 * brackets and commas of a top-level array of events skipped. */
static rd_status_t evtx_next(rd_ctx_t *c, const char *p, size_t n, bool eof, size_t *used, record_t *rec) {
    wj_t *s = c->st;
    size_t i = 0;
    for (;;) {
        i = json_ws(p, n, i);
        while (i < n && (p[i] == '[' || p[i] == ']' || p[i] == ',')) i = json_ws(p, n, i + 1);
        *used = i;
        if (i >= n) return eof ? RD_END : RD_MORE;
        const char *nl = memchr(p + i, '\n', n - i);
        size_t le = nl ? (size_t)(nl - p) : n;
        if (p[i] != '{') {
            if (!nl && !eof) return RD_MORE;
            c->rec_off = i;
            c->text = pstr_trim(pstr(p + i, le - i));
            *used = nl ? le + 1 : n;
            if (record_line(p + i, le - i)) {
                i = *used;
                continue;
            }
            c->reason = RD_R_NOTOBJ;
            return RD_REJECT;
        }
        bool tr;
        size_t e = json_skip_ends(p, n, i, &tr, &s->ends); /* and where its objects end */
        c->rec_off = i;
        if (e == (size_t)-1) {
            if (tr && !eof) return RD_MORE;
            c->text = pstr(p + i, le - i);
            *used = nl ? le + 1 : n;
            c->reason = RD_R_JSON;
            return RD_REJECT;
        }
        c->text = pstr(p + i, e - i);
        *used = e;
        if (!evtx_object(c, s, c->text, rec)) {
            c->reason = RD_R_JSON;
            return RD_REJECT;
        }
        return RD_REC;
    }
}

/* "Record N" first, or a first object (maybe inside an array) whose
 * first key is "Event". */
static int evtx_probe(const char *p, size_t n) {
    size_t i = n >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
    i = json_ws(p, n, i);
    const char *nl = memchr(p + i, '\n', n - i);
    if (record_line(p + i, (nl ? (size_t)(nl - p) : n) - i)) return 85;
    if (i < n && p[i] == '[') i = json_ws(p, n, i + 1);
    if (i >= n || p[i] != '{') return 0;
    i = json_ws(p, n, i + 1);
    return n - i >= 7 && memcmp(p + i, "\"Event\"", 7) == 0 ? 85 : 0;
}

/* An object line holding "Event" and "System". */
static int evtx_line(const rd_line_t *l) {
    pstr_t t = l->text;
    if (l->sl.kind != SL_NONE || !t.n || t.p[0] != '{') return 0;
    if (pstr_contains(t, PSTR_LIT("\"Event\"")) && pstr_contains(t, PSTR_LIT("\"System\""))) return 85;
    return pstr_contains(t, PSTR_LIT("\"SourceName\"")) && pstr_contains(t, PSTR_LIT("\"EventID\"")) &&
                   pstr_contains(t, PSTR_LIT("\"Channel\""))
               ? 80
               : 0; /* NXLog */
}

/* ---- ecs ------------------------------------------------------------ */

/* Winlogbeat and ECS values the reader decides by, as own slots. */
enum ecs_own { E_PROV, E_CHAN, E_EID, E_COMP, E_EXECPID, E_SID, E_UNAME, E_UDOMAIN, E_HNAME, E_HHOST };
#define EO(k) (RD_OWN + (k))

/* ECS and Winlogbeat paths that fill the schema (where the Windows
 * mapping left it empty) or that the reader reads; the last of a path wins. */
static const rd_map_t ecs_map[] = {
    RD_MAP("@timestamp", SC_MESSAGETIME, RD_TIME, 0),      RD_MAP("event.code", SC_EVENT_ID, RD_TEXT, 0),
    RD_MAP("source.ip", SC_SRC_IP, RD_IP, 0),              RD_MAP("source.port", SC_SRC_PORT, RD_NUM, 0),
    RD_MAP("destination.ip", SC_DEST_IP, RD_IP, 0),        RD_MAP("destination.port", SC_DEST_PORT, RD_NUM, 0),
    RD_MAP("network.transport", SC_PROTOCOL, RD_PROTO, 0), RD_MAP("network.direction", SC_DIRECTION, RD_DIR, 0),
    RD_MAP("process.executable", SC_PROCESS_NAME, RD_TEXT, 0), RD_MAP("process.name", SC_PROCESS_NAME, RD_TEXT, 1),
    RD_MAP("process.pid", SC_PID, RD_NUM, 0),              RD_MAP("source.bytes", SC_BYTES_OUT, RD_NUM, 0),
    RD_MAP("destination.bytes", SC_BYTES_IN, RD_NUM, 0),   RD_MAP("event.action", SC_ACTION, RD_TEXT, 0),
    RD_MAP("event.outcome", SC_ACTION, RD_TEXT, 1),        RD_MAP("winlog.provider_name", EO(E_PROV), RD_TEXT, 0),
    RD_MAP("winlog.channel", EO(E_CHAN), RD_TEXT, 0),      RD_MAP("winlog.event_id", EO(E_EID), RD_TEXT, 0),
    RD_MAP("winlog.computer_name", EO(E_COMP), RD_TEXT, 0), RD_MAP("winlog.process.pid", EO(E_EXECPID), RD_TEXT, 0),
    RD_MAP("winlog.user.identifier", EO(E_SID), RD_TEXT, 0), RD_MAP("user.name", EO(E_UNAME), RD_TEXT, 0),
    RD_MAP("user.domain", EO(E_UDOMAIN), RD_TEXT, 0),      RD_MAP("host.name", EO(E_HNAME), RD_TEXT, 0),
    RD_MAP("host.hostname", EO(E_HHOST), RD_TEXT, 0),
};
static const rd_maptab_t ecs_tab = RD_MAPTAB(ecs_map, RD_EXACT);

/* What the walk over one record collected. */
typedef struct ecs_walk {
    rd_ctx_t *c;          /* the reader context */
    wj_t *s;              /* the reader state */
    record_t *rec;        /* the record being filled */
    unsigned pos;         /* lookups so far (the key cache position) */
    rd_acc_t acc;         /* the ECS values (decoded), filling only what the Windows mapping left */
    bool winlog;          /* a winlog object or winlog.* key was seen */
} ecs_walk_t;

/* True when id is one of the schema fields. */
static bool schema_of(const sc_ids_t *ids, uint32_t id) {
    for (unsigned f = 0; f < SC_N; f++)
        if (ids->id[f] == id) return true;
    return false;
}

/* One member of the record (an rd_walk callback): natively under its
 * dotted path; winlog.event_data items go to the Windows mapping, the
 * paths ecs_map names into the accumulator. */
static void ecs_leaf(void *ud, pstr_t path, pstr_t key, pstr_t v) {
    ecs_walk_t *w = ud;
    size_t plen = path.n;
    rd_key_t k = rd_key(w->c, w->pos++, path, false, &ecs_tab); /* field and map entry, cached */
    uint32_t id = k.id;
    /* ECS objects named like a schema field (user, host) leave the name to the schema */
    if (id != FIELD_NONE && !(is_obj(v) && plen == key.n && schema_of(we_ids(w->s->we), id)))
        rec_set(w->rec, id, json_to_value(v, w->c->arena));
    if (plen > 7 && memcmp(path.p, "winlog.", 7) == 0) {
        w->winlog = true;
        size_t dn = plen - 18; /* the EventData name: the key's tail, nested or dotted */
        if (plen > 18 && memcmp(path.p, "winlog.event_data.", 18) == 0 && dn <= key.n && !is_obj(v) &&
            !memchr(key.p + key.n - dn, '.', dn)) {
            add(w->s, pstr(key.p + key.n - dn, dn), v, WE_DATA, true); /* bytes of the input (or arena) */
            return;
        }
    }
    const rd_map_t *m = k.m;
    if (is_obj(v) || !m) return;
    value_t x = json_to_value(v, w->c->arena);
    if (x.t == V_STR) rd_acc_put(&w->acc, m, val_pstr(x));
}

/* The ECS values into the schema where the Windows mapping left gaps. */
static void ecs_fill(ecs_walk_t *w) {
    rd_ctx_t *c = w->c;
    rd_acc_t *a = &w->acc;
    pstr_t un = rd_acc_get(a, EO(E_UNAME)), ud = rd_acc_get(a, EO(E_UDOMAIN));
    if (un.n && ud.n && a->ids->id[SC_USER] != FIELD_NONE) { /* DOMAIN\name, as Sysmon writes it */
        char *o = arena_alloc(c->arena, ud.n + un.n + 1);
        memcpy(o, ud.p, ud.n);
        o[ud.n] = '\\';
        memcpy(o + ud.n + 1, un.p, un.n);
        un = pstr(o, ud.n + un.n + 1);
    }
    rd_acc_set(a, SC_USER, RD_TEXT, un);
    pstr_t hname = rd_acc_get(a, EO(E_HNAME));
    rd_acc_set(a, SC_HOST, RD_HOST, hname.n ? hname : rd_acc_get(a, EO(E_HHOST)));
    bool net = rd_acc_get(a, SC_DEST_IP).n || rd_acc_get(a, SC_SRC_IP).n, exe = rd_acc_get(a, SC_PROCESS_NAME).n;
    rd_acc_outcome(a); /* event.outcome success / failure, or a verdict in event.action */
    rd_acc_emit(c, a, w->rec);
    if (!w->winlog)
        rd_category(c, !net  ? PSTR_LIT("ecs/event")
                       : exe ? PSTR_LIT("endpoint/ecs/network")
                             : PSTR_LIT("network/ecs/flow"));
}

/* One record: the walk, then the Windows mapping (winlog records) and ECS. */
static bool ecs_object(rd_ctx_t *c, wj_t *s, pstr_t o, record_t *rec) {
    ecs_walk_t *w = arena_calloc(c->arena, sizeof *w);
    w->c = c;
    w->s = s;
    w->rec = rec;
    rd_acc_init(&w->acc, we_ids(s->we), NULL, RD_ACC_LAST | RD_ACC_FILL);
    s->l.n = 0;
    if (!rd_walk(c, o, PSTR_NULL, ecs_leaf, w)) return false;
    if (w->winlog) {
        /* System values under the XML rendering's names (decoded, not set natively) */
        static const struct {
            unsigned slot;
            const char *name;
        } sysmap[] = {
            {EO(E_PROV), "Provider.Name"},         {EO(E_CHAN), "Channel"},           {EO(E_EID), "EventID"},
            {EO(E_COMP), "Computer"},              {SC_MESSAGETIME, "TimeCreated.SystemTime"},
            {EO(E_EXECPID), "Execution.ProcessID"}, {EO(E_SID), "Security.UserID"},
        };
        for (size_t k = 0; k < sizeof sysmap / sizeof sysmap[0]; k++) {
            pstr_t v = rd_acc_get(&w->acc, sysmap[k].slot);
            if (sysmap[k].slot == EO(E_EID) && !v.n) v = rd_acc_get(&w->acc, SC_EVENT_ID);
            if (sysmap[k].slot == EO(E_COMP) && !v.n) v = rd_acc_get(&w->acc, EO(E_HNAME));
            we_field_t *f = v.n ? add(s, pstr_c(sysmap[k].name), v, WE_SYS, false) : NULL;
            if (f) f->enc = WE_PLAIN;
        }
        we_ext_t ext = {PSTR_NULL, false, 0, w->pos}; /* after the walk's cache positions */
        we_emit(s->we, c, s->l.f, s->l.n, &ext, rec);
    }
    ecs_fill(w);
    return true;
}

/* One line per call, as in jsonl. */
static rd_status_t ecs_next(rd_ctx_t *c, const char *p, size_t n, bool eof, size_t *used, record_t *rec) {
    wj_t *s = c->st;
    pstr_t obj;
    rd_status_t st = rd_json_line(c, p, n, eof, used, false, &obj);
    if (st == RD_REC && !ecs_object(c, s, obj, rec)) {
        c->reason = RD_R_JSON;
        return RD_REJECT;
    }
    return st;
}

/* An object line with a winlog key (80), or @timestamp with ecs,
 * source or destination (70). */
static int ecs_line(const rd_line_t *l) {
    pstr_t t = l->text;
    if (l->sl.kind != SL_NONE || !t.n || t.p[0] != '{') return 0;
    if (pstr_contains(t, PSTR_LIT("\"winlog\"")) || pstr_contains(t, PSTR_LIT("\"winlog."))) return 80;
    if (!pstr_contains(t, PSTR_LIT("\"@timestamp\""))) return 0;
    return pstr_contains(t, PSTR_LIT("\"ecs\"")) || pstr_contains(t, PSTR_LIT("\"ecs.version\"")) ||
                   pstr_contains(t, PSTR_LIT("\"destination\"")) || pstr_contains(t, PSTR_LIT("\"source\"")) ||
                   pstr_contains(t, PSTR_LIT("\"destination.ip\""))
               ? 70
               : 0;
}

/* See reader.h. */
const rd_impl_t rd_evtx_json = {
    .pub = {"evtx-json",
            "Windows events as evtx_dump JSON ({\"Event\":{\"System\":…,\"EventData\":…}}, -o jsonl or -o json) and "
            "similar converters; NXLog im_msvistalog JSON",
            "\"Record N\" or an object (or array of them) whose first key is \"Event\" first; or object lines with "
            "\"Event\" and \"System\", or with \"SourceName\", \"EventID\" and \"Channel\" (NXLog)",
            "as winevt-xml (Sysmon EID 1/3, Security 5156/5157, PowerShell 4104 and every event's time, host, "
            "event_id, _sourceCategory)"},
    .probe = evtx_probe,
    .line = evtx_line,
    .open = wj_open,
    .next = evtx_next,
    .close = wj_close,
    .line_sync = true,
};

/* See reader.h. */
const rd_impl_t rd_ecs = {
    .pub = {"ecs", "Elastic Common Schema NDJSON: Winlogbeat (winlog.*, Sysmon module) and other Beats/Agent events",
            "object lines with a winlog key, or @timestamp with ecs, source or destination",
            "winlog events as winevt-xml; then from ECS where still empty: _messageTime (@timestamp), src_ip, "
            "src_port, dest_ip, dest_port, protocol (network.transport), direction (network.direction), "
            "process_name (process.executable or .name), pid, user (user.domain\\user.name), host, _sourceHost, "
            "bytes_out (source.bytes), bytes_in (destination.bytes), action (event.action or outcome), event_id "
            "(event.code)"},
    .line = ecs_line,
    .open = wj_open,
    .next = ecs_next,
    .close = wj_close,
    .line_sync = true,
    /* read by one thread: Sysmon enrichment needs the input in order */
};
