/* read_azure.c — Azure Monitor Log Analytics / Microsoft Sentinel table
 * rows: JSON (one object a line; a JSON array, as `az monitor
 * log-analytics query` and the portal write it, is read value by value)
 * and the portal's CSV export ("TimeGenerated [UTC]" columns).
 *
 * Every column is a field under its name. What a row is comes from its
 * Type column (the table), else from the columns it has: a VMConnection
 * row (VM insights' connections of one process to one remote port in one
 * minute) maps through a table; SecurityEvent, Event and WindowsEvent
 * rows are Windows events whose EventData (XML, or JSON for WindowsEvent)
 * winevt.c maps as it maps every Windows event; a Syslog row whose
 * SyslogMessage holds a Sysmon for Linux <Event> is that event. Other
 * rows keep their columns, with TimeGenerated as their time.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datetime.h"
#include "json.h"
#include "reader.h"
#include "winevt.h"
#include "xml.h"
#include "tty.h"

#define AZ_MAXCOLS 1024  /* columns read per row (SecurityEvent has about 230) */

/* What a column is to the reader, whatever the table. ORDER ROLE: az_roles' slots. */
enum az_role { R_TYPE, R_TIME, R_COMPUTER, R_EVDATA, R_SYSMSG, R_PROV, R_CHAN, R_EID, R_HOSTNAME, R_EVTIME,
               R_LINKS, R_N };

/* Column names by role (the provider and channel as each table names them). */
static const rd_map_t az_role_map[] = {
    RD_MAP("Type", R_TYPE, RD_TEXT, 0),
    RD_MAP("TimeGenerated", R_TIME, RD_TEXT, 0),
    RD_MAP("Computer", R_COMPUTER, RD_TEXT, 0),
    RD_MAP("EventData", R_EVDATA, RD_TEXT, 0),
    RD_MAP("SyslogMessage", R_SYSMSG, RD_TEXT, 0),
    RD_MAP("Provider", R_PROV, RD_TEXT, 0),        /* WindowsEvent */
    RD_MAP("EventSourceName", R_PROV, RD_TEXT, 0), /* SecurityEvent */
    RD_MAP("Source", R_PROV, RD_TEXT, 1),          /* Event */
    RD_MAP("Channel", R_CHAN, RD_TEXT, 0),         /* SecurityEvent, WindowsEvent */
    RD_MAP("EventLog", R_CHAN, RD_TEXT, 0),        /* Event */
    RD_MAP("EventID", R_EID, RD_TEXT, 0),
    RD_MAP("HostName", R_HOSTNAME, RD_TEXT, 0),    /* Syslog */
    RD_MAP("EventTime", R_EVTIME, RD_TEXT, 0),     /* Syslog: the message's own time */
    RD_MAP("LinksEstablished", R_LINKS, RD_TEXT, 0),
    RD_MAP("RemoteIp", R_LINKS, RD_TEXT, 1),
};
static const rd_maptab_t az_role_tab = RD_MAPTAB(az_role_map, RD_ICASE);

/* The tables a row can be. */
enum az_table { T_OTHER, T_VMCONN, T_SYSLOG, T_WINEVENT };

static const struct az_tabname {
    const char *name;  /* the Type column's value */
    uint8_t table;     /* enum az_table */
} az_tables[] = {
    {"VMConnection", T_VMCONN}, {"Syslog", T_SYSLOG},        {"SecurityEvent", T_WINEVENT},
    {"Event", T_WINEVENT},      {"WindowsEvent", T_WINEVENT},
};

/* VMConnection's own values (accumulator slots). */
enum { V_EST, V_FAIL, V_LIVE, V_TERM };
#define VO(k) (RD_OWN + (k))

/* VMConnection columns (learn.microsoft.com, Azure Monitor Logs reference:
 * VMConnection). Bytes as Microsoft's ASIM parser reads them: BytesSent
 * is the source's, whatever the direction. */
static const rd_map_t vm_map[] = {
    RD_MAP("TimeGenerated", SC_MESSAGETIME, RD_TIME, 0),
    RD_MAP("SourceIp", SC_SRC_IP, RD_IP, 0),
    RD_MAP("DestinationIp", SC_DEST_IP, RD_IP, 0),
    RD_MAP("DestinationPort", SC_DEST_PORT, RD_NUM, 0),
    RD_MAP("Protocol", SC_PROTOCOL, RD_PROTO, 0),
    RD_MAP("Direction", SC_DIRECTION, RD_DIR, 0),
    RD_MAP("ProcessName", SC_PROCESS_NAME, RD_TEXT, 0),
    RD_MAP("Computer", SC_HOST, RD_HOST, 0),
    RD_MAP("BytesSent", SC_BYTES_OUT, RD_NUM, 0),
    RD_MAP("BytesReceived", SC_BYTES_IN, RD_NUM, 0),
    RD_MAP("LinksEstablished", VO(V_EST), RD_TEXT, 0),
    RD_MAP("LinksFailed", VO(V_FAIL), RD_TEXT, 0),
    RD_MAP("LinksLive", VO(V_LIVE), RD_TEXT, 0),
    RD_MAP("LinksTerminated", VO(V_TERM), RD_TEXT, 0),
};
static const rd_maptab_t vm_tab = RD_MAPTAB(vm_map, RD_ICASE);

/* Any other row (a Syslog row holding no event, Heartbeat, …). */
static const rd_map_t gen_map[] = {
    RD_MAP("EventTime", SC_MESSAGETIME, RD_TIME, 0),
    RD_MAP("TimeGenerated", SC_MESSAGETIME, RD_TIME, 1),
    RD_MAP("Computer", SC_HOST, RD_HOST, 0),
    RD_MAP("HostName", SC_HOST, RD_HOST, 1),
};
static const rd_maptab_t gen_tab = RD_MAPTAB(gen_map, RD_ICASE);

/* One column of a row. */
typedef struct az_col {
    pstr_t name;   /* its name: a JSON key's raw bytes, or the CSV header's (" [UTC]" dropped) */
    pstr_t val;    /* a JSON value view, or the CSV cell's text */
    bool esc;      /* name holds JSON escapes */
} az_col_t;

/* Per-input state of both readers (heap, owned by the reader). */
typedef struct az {
    rd_base_t b;              /* schema ids, clock */
    we_state_t *we;           /* the Windows-event mapping's state */
    we_list_t l;              /* an event's values, reused */
    bool json;                /* values are JSON views (else CSV text) */
    az_col_t col[AZ_MAXCOLS]; /* the row's columns */
    /* azure-csv: */
    void *csv;                /* the CSV row framer's state */
    unsigned ncol;            /* the header's columns (at most AZ_MAXCOLS) */
    char **hname;             /* their names (owned) */
    bool local;               /* TimeGenerated is "[Local Time]": its zone is not in the file */
    /* azure-csv: each column's entry in a map table, found once (the
     * header fixes the names), for the two tables map_row reads */
    const rd_maptab_t *mtab[2];          /* the table of mcol[i], NULL: not filled yet */
    const rd_map_t *mcol[2][AZ_MAXCOLS];
    size_t *hlen;                        /* the lengths of hname[] (owned) */
    bool ckeys;                          /* ckey[] is filled (by the first row) */
    rd_key_t ckey[AZ_MAXCOLS];           /* each column's rd_key answer */
    /* the previous row's Type and its table: rows of one export repeat it */
    char ltype[24];
    size_t ltype_n;                      /* 0: none yet */
    unsigned ltable;
} az_t;

static void *az_open(rd_ctx_t *c) {
    az_t *s = rd_base_alloc(c, sizeof(az_t));
    s->we = we_open(c);
    return s;
}

static void az_close(void *st) {
    az_t *s = st;
    if (!s) return;
    we_close(s->we);
    we_list_free(&s->l);
    if (s->csv) csv_close(s->csv);
    for (unsigned k = 0; k < s->ncol; k++) free(s->hname[k]);
    free(s->hname);
    free(s->hlen);
    rd_base_close(s);
}

/* ---- one row ---------------------------------------------------------- */

/* A column's value as text (JSON strings decoded into c->arena, numbers
 * as their text); PSTR_NULL for a JSON null. */
static pstr_t col_text(rd_ctx_t *c, const az_t *s, const az_col_t *k) {
    if (!s->json) return k->val;
    value_t v = json_to_value(k->val, c->arena);
    return v.t == V_STR ? val_pstr(v) : PSTR_NULL;
}

/* The name Kusto gave a column whose type differed between the tables a
 * query joined (`ProcessId_string`), without that suffix. */
static pstr_t kusto_base(pstr_t name) {
    static const char *const sfx[] = {"_string", "_dynamic", "_long",     "_int",      "_real",
                                      "_bool",   "_datetime", "_timespan", "_decimal", "_guid"};
    for (size_t i = 0; i < sizeof sfx / sizeof sfx[0]; i++) {
        pstr_t x = pstr_c(sfx[i]);
        if (name.n > x.n && pstr_ends(name, x)) return pstr(name.p, name.n - x.n);
    }
    return name;
}

/* A value for the Windows mapping: the column's bytes as they are. */
static we_field_t *add_val(az_t *s, pstr_t name, pstr_t val, uint8_t sect) {
    we_field_t *f = we_add(&s->l);
    if (f) *f = (we_field_t){name, val, s->json ? WE_JSON : WE_PLAIN, sect, false};
    return f;
}

/* The EventData of a Windows event row into s->l: the XML of SecurityEvent
 * and Event rows (<EventData> or <UserData>, in Event's <DataItem>
 * wrapper), or WindowsEvent's JSON object. *had says whether the row had
 * any; false when it is malformed. */
static bool event_data(rd_ctx_t *c, az_t *s, pstr_t t, bool *had) {
    t = pstr_trim(t);
    *had = t.n > 0;
    if (t.n && t.p[0] == '<') {
        size_t at = xml_find(t.p, t.n, 0, "<EventData");
        if (at >= t.n) at = xml_find(t.p, t.n, 0, "<UserData");
        if (at >= t.n) return true; /* a wrapper with no data */
        return we_xml_scan(c, &s->l, t.p + at, t.n - at, true);
    }
    if (t.n && t.p[0] == '{') {
        json_iter_t it;
        pstr_t k, v;
        bool esc;
        if (!json_iter_begin(&it, t.p, t.n, 0)) return false;
        while (json_iter_next(&it, &k, &esc, &v)) {
            if (esc && !json_unescape_body(k, c->arena, &k)) continue;
            we_field_t *f = we_add(&s->l);
            if (f) *f = (we_field_t){k, v, WE_JSON, WE_DATA, true};
        }
        return !it.err;
    }
    *had = false; /* an array of unnamed values (ADFS): no names to map */
    return true;
}

/* A SecurityEvent, Event or WindowsEvent row through the Windows mapping. */
static rd_status_t win_row(rd_ctx_t *c, az_t *s, unsigned nc, const int *role, bool security, int64_t gen_ms,
                           bool gen_ok, record_t *rec) {
    s->l.n = 0;
    bool had = false;
    if (role[R_EVDATA] >= 0 && !event_data(c, s, col_text(c, s, &s->col[role[R_EVDATA]]), &had)) {
        c->reason = RD_R_XML;
        return RD_REJECT;
    }
    if (!had) /* EventData spread over columns (a Kusto union, a converter): every other column is an item */
        for (unsigned k = 0; k < nc; k++) {
            bool sys = false;
            for (int r = 0; r < R_N && !sys; r++) sys = role[r] == (int)k;
            if (!sys && !s->col[k].esc) add_val(s, kusto_base(s->col[k].name), s->col[k].val, WE_DATA);
        }
    static const struct {
        int role;
        const char *name;
    } sys[] = {{R_PROV, "Provider.Name"}, {R_CHAN, "Channel"}, {R_EID, "EventID"}, {R_COMPUTER, "Computer"}};
    for (size_t i = 0; i < sizeof sys / sizeof sys[0]; i++)
        if (role[sys[i].role] >= 0) add_val(s, pstr_c(sys[i].name), s->col[role[sys[i].role]].val, WE_SYS);
    we_field_t *f;
    if (role[R_CHAN] < 0 && security && (f = we_add(&s->l))) /* the table holds the Security log only */
        *f = (we_field_t){PSTR_LIT("Channel"), PSTR_LIT("Security"), WE_PLAIN, WE_SYS, false};
    we_ext_t ext = {PSTR_NULL, gen_ok, gen_ms, nc};
    we_emit(s->we, c, s->l.f, s->l.n, &ext, rec);
    return RD_REC;
}

/* A Syslog row: its message is a Sysmon for Linux event, or the row is
 * an ordinary one (RD_SKIP). */
static rd_status_t syslog_row(rd_ctx_t *c, az_t *s, unsigned nc, const int *role, int64_t gen_ms, bool gen_ok,
                              record_t *rec) {
    if (role[R_SYSMSG] < 0) return RD_SKIP;
    pstr_t m = pstr_trim(col_text(c, s, &s->col[role[R_SYSMSG]]));
    if (m.n < 7 || memcmp(m.p, "<Event", 6) != 0 || !(m.p[6] == '>' || m.p[6] == ' ')) return RD_SKIP;
    if (!we_xml_scan(c, &s->l, m.p, m.n, false)) { /* cut short by the syslog size limit, or broken */
        c->reason = RD_R_XML;
        return RD_REJECT;
    }
    pstr_t host = role[R_HOSTNAME] >= 0 ? col_text(c, s, &s->col[role[R_HOSTNAME]]) : PSTR_NULL;
    if (!host.n && role[R_COMPUTER] >= 0) host = col_text(c, s, &s->col[role[R_COMPUTER]]);
    int64_t ms = gen_ms;
    bool ok = gen_ok;
    if (role[R_EVTIME] >= 0 && dt_parse(col_text(c, s, &s->col[role[R_EVTIME]]), &ms)) ok = true;
    we_ext_t ext = {host, ok, ms, nc};
    we_emit(s->we, c, s->l.f, s->l.n, &ext, rec);
    return RD_REC;
}

/* Every column of the row through map table t into the schema. */
static void map_row(rd_ctx_t *c, az_t *s, unsigned nc, const rd_maptab_t *t, rd_acc_t *a) {
    const rd_map_t **mc = NULL;
    if (!s->json) { /* CSV: every row has the header's names */
        unsigned i = s->mtab[0] == t || !s->mtab[0] ? 0 : 1;
        mc = s->mcol[i];
        if (s->mtab[i] != t) {
            for (unsigned k = 0; k < nc; k++) mc[k] = rd_map_find(t, s->col[k].name);
            s->mtab[i] = t;
        }
    }
    for (unsigned k = 0; k < nc; k++) {
        const rd_map_t *m = mc ? mc[k] : s->col[k].esc ? NULL : rd_map_find(t, s->col[k].name);
        if (m) rd_acc_put(a, m, col_text(c, s, &s->col[k]));
    }
}

/* A VMConnection row: the connection, and whether it was made. */
static void vm_row(rd_ctx_t *c, az_t *s, unsigned nc, record_t *rec) {
    rd_acc_t a;
    rd_acc_init(&a, &s->b.ids, NULL, RD_ACC_TRIM);
    map_row(c, s, nc, &vm_tab, &a);
    double d[4] = {0, 0, 0, 0};
    bool any = false;
    for (int k = 0; k < 4; k++) any |= str_to_num(rd_acc_get(&a, VO(k)), &d[k]);
    if (any) /* links made (or still open) in the window, else only failed ones */
        rd_acc_set(&a, SC_ACTION, RD_TEXT,
                   d[V_EST] > 0 || d[V_LIVE] > 0 || d[V_TERM] > 0 || !(d[V_FAIL] > 0) ? PSTR_LIT("succeeded")
                                                                                        : PSTR_LIT("failed"));
    rd_acc_outcome(&a); /* succeeded allowed, failed failed */
    rd_acc_emit(c, &a, rec);
    rd_category(c, PSTR_LIT("endpoint/vminsights/network"));
}

/* Any other row: its time and host; its category names its table. */
static void other_row(rd_ctx_t *c, az_t *s, unsigned nc, pstr_t type, record_t *rec) {
    rd_acc_t a;
    rd_acc_init(&a, &s->b.ids, NULL, RD_ACC_TRIM);
    map_row(c, s, nc, &gen_tab, &a);
    rd_acc_emit(c, &a, rec);
    if (!type.n || type.n > 64) return;
    char *o = arena_alloc(c->arena, type.n + 6);
    memcpy(o, "azure/", 6);
    for (size_t i = 0; i < type.n; i++) o[6 + i] = str_lc(type.p[i]);
    rd_category(c, pstr(o, type.n + 6));
}

/* One row of s->col[0..nc): native fields, then by its table. */
static rd_status_t az_row(rd_ctx_t *c, az_t *s, unsigned nc, record_t *rec) {
    int role[R_N];
    uint8_t rank[R_N];
    for (int r = 0; r < R_N; r++) role[r] = -1;
    for (unsigned k = 0; k < nc; k++) {
        az_col_t *col = &s->col[k];
        rd_key_t key = s->ckeys ? s->ckey[k] : rd_key(c, k, col->name, col->esc, &az_role_tab);
        if (!s->json) s->ckey[k] = key; /* CSV: every row has the header's names */
        if (key.id != FIELD_NONE || key.sp != RD_SP_NONE) {
            value_t v = s->json ? json_to_value(col->val, c->arena) : val_strv(col->val);
            if (key.id != FIELD_NONE) rec_set(rec, key.id, v);
            rd_note(c, key.sp, v);
        }
        if (key.m && (role[key.m->slot] < 0 || key.m->rank < rank[key.m->slot])) {
            role[key.m->slot] = (int)k;
            rank[key.m->slot] = key.m->rank;
        }
    }
    s->ckeys = !s->json;
    pstr_t type = role[R_TYPE] >= 0 ? pstr_trim(col_text(c, s, &s->col[role[R_TYPE]])) : PSTR_NULL;
    unsigned table = T_OTHER;
    if (type.n && type.n == s->ltype_n && memcmp(type.p, s->ltype, type.n) == 0) {
        table = s->ltable;
    } else if (type.n) {
        for (size_t i = 0; i < sizeof az_tables / sizeof az_tables[0]; i++)
            if (pstr_ieq_c(type, az_tables[i].name)) {
                table = az_tables[i].table;
                break;
            }
        s->ltype_n = type.n <= sizeof s->ltype ? type.n : 0;
        if (s->ltype_n) memcpy(s->ltype, type.p, type.n);
        s->ltable = table;
    } else { /* no Type column: the columns tell */
        table = role[R_LINKS] >= 0 ? T_VMCONN : role[R_SYSMSG] >= 0 ? T_SYSLOG : role[R_EID] >= 0 ? T_WINEVENT : T_OTHER;
    }
    int64_t gen_ms = 0; /* TimeGenerated for the event tables (the others map it as a column) */
    bool gen_ok = (table == T_WINEVENT || table == T_SYSLOG) && role[R_TIME] >= 0 &&
                  dt_parse(col_text(c, s, &s->col[role[R_TIME]]), &gen_ms);
    rd_status_t st = RD_SKIP;
    switch (table) {
    case T_VMCONN: vm_row(c, s, nc, rec); return RD_REC;
    case T_WINEVENT:
        return win_row(c, s, nc, role, pstr_ieq_c(type, "SecurityEvent"), gen_ms, gen_ok, rec);
    case T_SYSLOG: st = syslog_row(c, s, nc, role, gen_ms, gen_ok, rec); break;
    default: break;
    }
    if (st != RD_SKIP) return st;
    other_row(c, s, nc, type, rec);
    return RD_REC;
}

/* ---- azure-json -------------------------------------------------------- */

static void *azj_open(rd_ctx_t *c) {
    az_t *s = az_open(c);
    s->json = true;
    return s;
}

/* One object a line: its members are the row's columns. */
static rd_status_t azj_next(rd_ctx_t *c, const char *p, size_t n, bool eof, size_t *used, record_t *rec) {
    az_t *s = c->st;
    pstr_t obj;
    rd_status_t st = rd_json_line(c, p, n, eof, used, false, &obj);
    if (st != RD_REC) return st;
    json_iter_t it;
    unsigned nc = 0;
    az_col_t *k = s->col;
    if (json_iter_begin(&it, obj.p, obj.n, 0))
        while (nc < AZ_MAXCOLS && json_iter_next(&it, &k[nc].name, &k[nc].esc, &k[nc].val)) nc++;
    if (it.err || (nc < AZ_MAXCOLS && json_ws(obj.p, obj.n, it.i) != obj.n)) {
        c->reason = RD_R_JSON;
        return RD_REJECT;
    }
    return az_row(c, s, nc, rec);
}

/* Log Analytics' standard columns besides TimeGenerated. */
static bool la_columns(pstr_t t) {
    return pstr_contains(t, PSTR_LIT("\"TenantId\"")) || pstr_contains(t, PSTR_LIT("\"_ResourceId\"")) ||
           pstr_contains(t, PSTR_LIT("\"SourceSystem\""));
}

/* An object line with TimeGenerated (75); with Log Analytics' other
 * standard columns 85; naming one of the tables read here 90. */
static int azj_line(const rd_line_t *l) {
    pstr_t t = l->text;
    if (l->sl.kind != SL_NONE || !t.n || t.p[0] != '{' || !pstr_contains(t, PSTR_LIT("\"TimeGenerated\""))) return 0;
    /* "Type":"VMConnection", or "Type": "VMConnection" as az CLI indents it */
    for (size_t k = 0; k + 7 < t.n; k++) {
        if (memcmp(t.p + k, "\"Type\":", 7) != 0) continue;
        size_t v = k + 7;
        while (v < t.n && t.p[v] == ' ') v++;
        char pat[40];
        for (size_t i = 0; i < sizeof az_tables / sizeof az_tables[0]; i++) {
            int len = snprintf(pat, sizeof pat, "\"%s\"", az_tables[i].name);
            if (t.n - v >= (size_t)len && memcmp(t.p + v, pat, (size_t)len) == 0) return 90;
        }
    }
    return la_columns(t) ? 85 : 75;
}

/* ---- azure-csv ---------------------------------------------------------- */

static void *azc_open(rd_ctx_t *c) {
    az_t *s = az_open(c);
    s->csv = csv_open(c);
    return s;
}

/* A header cell's name without the zone the portal appends to a datetime
 * column's name (`TimeGenerated [UTC]`, `TimeGenerated [Local Time]`);
 * *local says it was a local time. */
static pstr_t hdr_name(pstr_t cell, bool *local) {
    cell = pstr_trim(cell);
    *local = false;
    if (cell.n > 3 && cell.p[cell.n - 1] == ']') {
        const char *b = memchr(cell.p, '[', cell.n);
        if (b && b > cell.p && b[-1] == ' ') {
            pstr_t zone = pstr(b + 1, (size_t)(cell.p + cell.n - 1 - (b + 1)));
            *local = !pstr_ieq_c(zone, "UTC");
            return pstr_trim(pstr(cell.p, (size_t)(b - cell.p)));
        }
    }
    return cell;
}

/* The header row: the columns' names, kept for every row. */
static void azc_header(rd_ctx_t *c, void *ud, const pstr_t *cells, unsigned nc) {
    az_t *s = ud;
    s->ncol = nc < AZ_MAXCOLS ? nc : AZ_MAXCOLS;
    s->hname = xcalloc(s->ncol ? s->ncol : 1, sizeof *s->hname);
    s->hlen = xcalloc(s->ncol ? s->ncol : 1, sizeof *s->hlen);
    for (unsigned k = 0; k < s->ncol; k++) {
        bool local;
        pstr_t nm = hdr_name(cells[k], &local);
        s->hname[k] = xstrndup(nm.p, nm.n);
        s->hlen[k] = strlen(s->hname[k]);
        if (local && pstr_ieq_c(nm, "TimeGenerated")) s->local = true;
    }
    if (s->local && !c->quiet)
        fprintf(stderr,
                "postern: %s: TimeGenerated [Local Time]: the export does not say which zone that is; read as UTC "
                "(export with the portal's time zone set to UTC)\n",
                tty_name(c->name));
}

/* The header, then one row a call. */
static rd_status_t azc_next(rd_ctx_t *c, const char *p, size_t n, bool eof, size_t *used, record_t *rec) {
    az_t *s = c->st;
    const pstr_t *cells;
    unsigned nc;
    rd_status_t st = csv_data_row(c, s->csv, p, n, eof, used, &cells, &nc, azc_header, s);
    if (st != RD_REC) return st;
    for (unsigned k = 0; k < s->ncol; k++) s->col[k] = (az_col_t){pstr(s->hname[k], s->hlen[k]), cells[k], false};
    return az_row(c, s, s->ncol, rec);
}

/* A first line naming a TimeGenerated column (85), and Log Analytics'
 * other standard columns (90). */
static int azc_probe(const char *p, size_t n) {
    size_t i = n >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
    while (i < n && (p[i] == '\n' || p[i] == '\r' || p[i] == ' ')) i++;
    const char *nl = memchr(p + i, '\n', n - i);
    pstr_t line = pstr_trim(pstr(p + i, (nl ? (size_t)(nl - p) : n) - i));
    if (!line.n || line.p[0] == '{' || line.p[0] == '[') return 0;
    pstr_t cells[AZ_MAXCOLS];
    bool quoted;
    long nc = rd_csv_split(line, cells, AZ_MAXCOLS, &quoted);
    if (nc < 2) return 0;
    bool tg = false, la = false;
    for (long k = 0; k < nc && k < AZ_MAXCOLS; k++) {
        bool local;
        pstr_t nm = pstr_trim(cells[k]);
        if (quoted && nm.n >= 2 && nm.p[0] == '"' && nm.p[nm.n - 1] == '"') nm = pstr(nm.p + 1, nm.n - 2);
        nm = hdr_name(nm, &local);
        tg |= pstr_ieq_c(nm, "TimeGenerated");
        la |= pstr_ieq_c(nm, "TenantId") || pstr_ieq_c(nm, "_ResourceId") || pstr_ieq_c(nm, "SourceSystem") ||
              pstr_ieq_c(nm, "Type");
    }
    return !tg ? 0 : la ? 90 : 85;
}

/* ---- the descriptors -------------------------------------------------- */

#define AZ_FILLS                                                                                               \
    "VMConnection: _messageTime (TimeGenerated), src_ip (SourceIp), dest_ip (DestinationIp), dest_port "        \
    "(DestinationPort), protocol, direction, process_name (ProcessName), host (Computer), bytes_out "           \
    "(BytesSent), bytes_in (BytesReceived), action (succeeded / failed from the Links columns), "               \
    "_sourceCategory endpoint/vminsights/network; SecurityEvent, Event, WindowsEvent: their EventData as "      \
    "winevt-xml maps an event (Sysmon, Security 5156/5157, PowerShell 4104), _messageTime from TimeGenerated " \
    "where the event has no time of its own; Syslog rows holding a Sysmon for Linux event: as winevt-xml; "     \
    "other rows: _messageTime (EventTime, else TimeGenerated), host (Computer), _sourceCategory azure/<Type>"

/* See reader.h. */
const rd_impl_t rd_azure_json = {
    .pub = {"azure-json",
            "Azure Monitor Log Analytics / Microsoft Sentinel rows as JSON (VMConnection, SecurityEvent, Event, "
            "WindowsEvent, Syslog, any table): one object a line, or a JSON array",
            "object lines with a TimeGenerated key (more with TenantId, _ResourceId or a Type this reader maps)",
            AZ_FILLS},
    .line = azj_line,
    .open = azj_open,
    .next = azj_next,
    .close = az_close,
    .line_sync = true,
    /* read by one thread: Sysmon enrichment needs the input in order */
};

/* See reader.h. */
const rd_impl_t rd_azure_csv = {
    .pub = {"azure-csv",
            "Azure Monitor Log Analytics / Microsoft Sentinel rows as the portal's CSV export (\"TimeGenerated "
            "[UTC]\" columns)",
            "a CSV header naming TimeGenerated (with or without the portal's \" [UTC]\")", AZ_FILLS},
    .probe = azc_probe,
    .open = azc_open,
    .next = azc_next,
    .close = az_close,
    .line_sync = true,
};
