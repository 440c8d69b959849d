/* winevt.c — one Windows event to schema fields (see winevt.h).
 *
 * The readers (read_winxml.c, read_winjson.c) find an event's values;
 * this module decides what the event is from its provider or channel and
 * EventID, maps EventData names through one table (we_maps) to schema
 * fields, applies the per-kind rules (WFP's Source* is always the local
 * end, so inbound rows swap; 5156 allowed / 5157 blocked), and keeps a
 * bounded LRU of Sysmon EID 1 details by ProcessGuid for EID 3 records.
 */
#include "winevt.h"

#include <stdlib.h>
#include <string.h>

#include "datetime.h"
#include "json.h"
#include "xml.h"

/* What an event is. ORDER KIND: we_cats[]. */
enum we_kind {
    WK_OTHER,        /* any other event: time, host, event_id only */
    WK_SYSMON_PROC,  /* Sysmon EID 1, process creation */
    WK_SYSMON_NET,   /* Sysmon EID 3, network connection */
    WK_SYSMON_DNS,   /* Sysmon EID 22, DNS query */
    WK_SYSMON,       /* any other Sysmon event */
    WK_WFP,          /* Security 5156 / 5157, Windows Filtering Platform connection */
    WK_PS,           /* PowerShell 4104, script block */
    WK_N
};
#define KB(k) (1u << (k))
#define K_SYSMON (KB(WK_SYSMON_PROC) | KB(WK_SYSMON_NET) | KB(WK_SYSMON_DNS) | KB(WK_SYSMON))

/* Default _sourceCategory by kind, Windows and Linux. ORDER KIND. */
static const char *const we_cats[WK_N][2] = {
    {"endpoint/windows/eventlog", "endpoint/linux/eventlog"},
    {"endpoint/sysmon/process", "endpoint/linux/sysmon/process"},
    {"endpoint/sysmon/network", "endpoint/linux/sysmon/network"},
    {"endpoint/sysmon/dns", "endpoint/linux/sysmon/dns"},
    {"endpoint/sysmon/other", "endpoint/linux/sysmon/other"},
    {"endpoint/windows/security/wfp/network", "endpoint/windows/security/wfp/network"},
    {"endpoint/windows/powershell", "endpoint/windows/powershell"},
};

/* How a mapped value is converted. */
enum we_conv {
    WC_TEXT,     /* as logged */
    WC_TIME,     /* _messageTime */
    WC_IP,       /* schema_ip */
    WC_NUM,      /* schema_number */
    WC_PROTO,    /* schema_protocol */
    WC_DIR,      /* schema_direction */
    WC_DEVPATH,  /* we_device_path */
    WC_GUID,     /* ProcessGuid: the enrichment key */
    WC_CMD,      /* CommandLine: stored from EID 1 */
    WC_PARENT    /* ParentImage: stored from EID 1 */
};

/* EventData names (ASCII case ignored) and what they fill, by kind. */
static const struct we_map {
    const char *name;
    uint8_t kinds;   /* KB() mask */
    uint8_t f;       /* enum sc_field (SC_N: none) */
    uint8_t conv;    /* enum we_conv */
} we_maps[] = {
    {"UtcTime", K_SYSMON, SC_MESSAGETIME, WC_TIME},
    {"Image", K_SYSMON, SC_PROCESS_NAME, WC_TEXT},
    {"ProcessId", K_SYSMON | KB(WK_WFP), SC_PID, WC_NUM}, /* WFP spells it ProcessID */
    {"User", K_SYSMON, SC_USER, WC_TEXT},
    {"ProcessGuid", K_SYSMON, SC_N, WC_GUID},
    {"CommandLine", KB(WK_SYSMON_PROC), SC_N, WC_CMD},
    {"ParentImage", KB(WK_SYSMON_PROC), SC_N, WC_PARENT},
    {"SourceIp", KB(WK_SYSMON_NET), SC_SRC_IP, WC_IP},
    {"SourcePort", KB(WK_SYSMON_NET) | KB(WK_WFP), SC_SRC_PORT, WC_NUM},
    {"DestinationIp", KB(WK_SYSMON_NET), SC_DEST_IP, WC_IP},
    {"DestinationPort", KB(WK_SYSMON_NET), SC_DEST_PORT, WC_NUM},
    {"Protocol", KB(WK_SYSMON_NET) | KB(WK_WFP), SC_PROTOCOL, WC_PROTO},
    {"Initiated", KB(WK_SYSMON_NET), SC_DIRECTION, WC_DIR},
    {"Application", KB(WK_WFP), SC_PROCESS_NAME, WC_DEVPATH},
    {"Direction", KB(WK_WFP), SC_DIRECTION, WC_DIR},
    {"SourceAddress", KB(WK_WFP), SC_SRC_IP, WC_IP},
    {"DestAddress", KB(WK_WFP), SC_DEST_IP, WC_IP},
    {"DestPort", KB(WK_WFP), SC_DEST_PORT, WC_NUM},
};
#define NMAP (sizeof we_maps / sizeof we_maps[0])

/* System values the classification and the schema read. ORDER SYS. */
enum { S_PROVIDER, S_CHANNEL, S_EVENTID, S_COMPUTER, S_TIME, S_EXECPID, S_SID, S_N };

/* Their names: the XML rendering's, and the flattened converters'. */
static const char *const sys_names[S_N][2] = {
    {"Provider.Name", "Provider"},
    {"Channel", NULL},
    {"EventID", NULL},
    {"Computer", NULL},
    {"TimeCreated.SystemTime", "TimeCreated"},
    {"Execution.ProcessID", NULL},
    {"Security.UserID", NULL},
};

/* ---- enrichment: Sysmon EID 1 details by ProcessGuid ------------------ */

#define WE_LRU 4096                   /* processes remembered at most */
#define WE_BUCKETS 8192               /* hash buckets (power of two) */
#define WE_MAXSTR 32768               /* longest value kept (Windows' command-line limit) */
#define WE_BUDGET ((size_t)16 << 20)  /* bytes of kept values at most */

/* One remembered process. */
typedef struct we_proc {
    char guid[40];           /* lower-cased ProcessGuid, NUL-terminated */
    char *buf;               /* cmd, parent and user back to back (owned, reused) */
    size_t cap;              /* its size */
    uint32_t cmdn, parn, usern; /* the three lengths */
    int32_t hnext;           /* next in the hash chain (or the free list), -1 */
    int32_t prev, next;      /* LRU list (most recent at head), -1 */
} we_proc_t;

/* ---- \device\harddiskvolumeN to a drive letter ----------------------- */

/* Security 5156 names a program by its device path; Sysmon by its drive
 * path. When, at the first 5156 event of a host's volume in an input, a
 * Sysmon event of that host seen before names a program whose path after
 * the drive (C:) equals the 5156 path after the volume
 * (\device\harddiskvolume3), the volume is that drive on that host: its
 * 5156 paths are written with it for the rest of the input. Otherwise
 * they stay as logged for the rest of the input (one spelling per
 * program, so its records group together). Both tables are small rings;
 * nothing is guessed without such a pair. */
#define WE_IMAGES 256   /* Sysmon images remembered (host, path) */
#define WE_VOLS 64      /* volumes learnt (host, number, letter) */
#define WE_PATHMAX 240  /* longest image path remembered */

typedef struct we_image {
    char host[64];
    char path[WE_PATHMAX];  /* "C:\…", NUL-terminated */
} we_image_t;

typedef struct we_vol {
    char host[64];
    unsigned num;           /* N of harddiskvolumeN */
    char letter;            /* 0: empty slot; '-': kept as logged */
} we_vol_t;

/* See winevt.h. */
struct we_state {
    sc_ids_t ids;                /* schema fields the query reads */
    uint32_t id_cmd, id_parent;  /* CommandLine, ParentImage: FIELD_NONE when not read */
    bool enrich;                 /* the query reads something enrichment adds */
    we_proc_t *procs;            /* WE_LRU entries, allocated on first use */
    int32_t *bucket;             /* WE_BUCKETS chain heads */
    int32_t head, tail;          /* LRU ends */
    int32_t freel;               /* slots given back, chained through hnext */
    uint32_t nproc;              /* slots used so far */
    size_t bytes;                /* sum of the slots' buffer sizes */
    /* Drive letters of \device\harddiskvolumeN, learnt per host (below). */
    we_image_t images[WE_IMAGES];   /* recent Sysmon images, a ring */
    uint32_t nimage;
    we_vol_t vols[WE_VOLS];         /* learnt volumes, a ring */
    uint32_t nvol;
};

static uint32_t want_id(ftab_t *ft, const char *name) {
    pstr_t nm = pstr_c(name);
    ftab_lock(ft);
    uint32_t id = ft->want_all ? ftab_intern(ft, nm) : ftab_find(ft, nm);
    if (id != FIELD_NONE && !ft->want_all && !ft->e[id].wanted) id = FIELD_NONE;
    ftab_unlock(ft);
    return id;
}

/* See winevt.h. */
we_state_t *we_open(rd_ctx_t *c) {
    we_state_t *w = xcalloc(1, sizeof *w);
    schema_ids(c->ft, &w->ids);
    w->id_cmd = want_id(c->ft, "CommandLine");
    w->id_parent = want_id(c->ft, "ParentImage");
    w->enrich = w->id_cmd != FIELD_NONE || w->id_parent != FIELD_NONE || w->ids.id[SC_USER] != FIELD_NONE;
    w->head = w->tail = w->freel = -1;
    return w;
}

/* See winevt.h. */
void we_close(we_state_t *w) {
    if (!w) return;
    if (w->procs)
        for (uint32_t i = 0; i < WE_LRU; i++) free(w->procs[i].buf);
    free(w->procs);
    free(w->bucket);
    free(w);
}

/* See winevt.h. */
const sc_ids_t *we_ids(const we_state_t *w) { return &w->ids; }

/* The GUID lower-cased into out (40 bytes); false when it does not fit. */
static bool guid_key(pstr_t g, char *out) {
    g = pstr_trim(g);
    if (!g.n || g.n >= 40) return false;
    for (size_t i = 0; i < g.n; i++) out[i] = str_lc(g.p[i]);
    out[g.n] = 0;
    return true;
}

static uint32_t guid_hash(const char *k) { return (uint32_t)pstr_hash(pstr_c(k)) & (WE_BUCKETS - 1); }

static void lru_unlink(we_state_t *w, int32_t i) {
    we_proc_t *p = &w->procs[i];
    if (p->prev >= 0) w->procs[p->prev].next = p->next;
    else w->head = p->next;
    if (p->next >= 0) w->procs[p->next].prev = p->prev;
    else w->tail = p->prev;
    p->prev = p->next = -1;
}

static void lru_front(we_state_t *w, int32_t i) {
    we_proc_t *p = &w->procs[i];
    p->prev = -1;
    p->next = w->head;
    if (w->head >= 0) w->procs[w->head].prev = i;
    w->head = i;
    if (w->tail < 0) w->tail = i;
}

static int32_t proc_find(const we_state_t *w, const char *key) {
    if (!w->procs) return -1;
    for (int32_t i = w->bucket[guid_hash(key)]; i >= 0; i = w->procs[i].hnext)
        if (strcmp(w->procs[i].guid, key) == 0) return i;
    return -1;
}

/* Forget the least recent process: its slot goes to the free list. */
static void proc_evict(we_state_t *w) {
    int32_t i = w->tail;
    we_proc_t *p = &w->procs[i];
    lru_unlink(w, i);
    int32_t *pp = &w->bucket[guid_hash(p->guid)];
    while (*pp != i) pp = &w->procs[*pp].hnext;
    *pp = p->hnext;
    w->bytes -= p->cap;
    free(p->buf);
    p->buf = NULL;
    p->cap = 0;
    p->hnext = w->freel;
    w->freel = i;
}

/* Remember an EID 1 process: at most WE_LRU of them and WE_BUDGET bytes,
 * the least recently stored or used going first. */
static void proc_store(we_state_t *w, const char *key, pstr_t cmd, pstr_t parent, pstr_t user) {
    if (cmd.n > WE_MAXSTR) cmd = PSTR_NULL;
    if (parent.n > WE_MAXSTR) parent = PSTR_NULL;
    if (user.n > 512) user = PSTR_NULL;
    if (!w->procs) {
        w->procs = xcalloc(WE_LRU, sizeof *w->procs);
        w->bucket = xmalloc(WE_BUCKETS * sizeof *w->bucket);
        for (uint32_t i = 0; i < WE_BUCKETS; i++) w->bucket[i] = -1;
    }
    int32_t i = proc_find(w, key);
    if (i >= 0) {
        lru_unlink(w, i);
    } else {
        if (w->freel < 0 && w->nproc == WE_LRU) proc_evict(w);
        if (w->freel >= 0) {
            i = w->freel;
            w->freel = w->procs[i].hnext;
        } else {
            i = (int32_t)w->nproc++;
        }
        we_proc_t *p = &w->procs[i];
        memcpy(p->guid, key, strlen(key) + 1);
        uint32_t h = guid_hash(key);
        p->hnext = w->bucket[h];
        w->bucket[h] = i;
    }
    we_proc_t *p = &w->procs[i];
    size_t need = cmd.n + parent.n + user.n + 1;
    if (need > p->cap) {
        p->buf = xrealloc(p->buf, need);
        w->bytes += need - p->cap;
        p->cap = need;
    }
    if (cmd.n) memcpy(p->buf, cmd.p, cmd.n);
    if (parent.n) memcpy(p->buf + cmd.n, parent.p, parent.n);
    if (user.n) memcpy(p->buf + cmd.n + parent.n, user.p, user.n);
    p->cmdn = (uint32_t)cmd.n;
    p->parn = (uint32_t)parent.n;
    p->usern = (uint32_t)user.n;
    lru_front(w, i);
    while (w->bytes > WE_BUDGET && w->tail != i) proc_evict(w);
}

/* ---- values ----------------------------------------------------------- */

/* See winevt.h. */
value_t we_value(rd_ctx_t *c, const we_field_t *f) {
    switch (f->enc) {
    case WE_XML: return val_strv(xml_decode(f->val, c->arena));
    case WE_JSON: return json_to_value(f->val, c->arena);
    default: return val_strv(f->val);
    }
}

/* See winevt.h. */
pstr_t we_device_path(pstr_t p, arena_t *a) {
    if (p.n > 6 && memcmp(p.p, "\\??\\", 4) == 0 && p.p[5] == ':') return pstr(p.p + 4, p.n - 4);
    static const char mup[] = "\\device\\mup\\";
    size_t m = sizeof mup - 1;
    if (p.n > m && pstr_ieq(pstr(p.p, m), pstr(mup, m))) {
        char *o = arena_alloc(a, p.n - m + 2);
        o[0] = o[1] = '\\';
        memcpy(o + 2, p.p + m, p.n - m);
        return pstr(o, p.n - m + 2);
    }
    return p;
}

/* ---- the mapping ------------------------------------------------------ */

static int map_find(pstr_t name, unsigned kind) {
    if (name.n < 4 || name.n > 15) return -1;
    for (size_t m = 0; m < NMAP; m++)
        if ((we_maps[m].kinds & KB(kind)) && pstr_ieq_c(name, we_maps[m].name)) return (int)m;
    return -1;
}

static int sys_find(pstr_t name) {
    for (int s = 0; s < S_N; s++)
        if (pstr_ieq_c(name, sys_names[s][0]) || (sys_names[s][1] && pstr_ieq_c(name, sys_names[s][1]))) return s;
    return -1;
}

static bool starts_ci(pstr_t s, const char *pre) {
    size_t n = strlen(pre);
    return s.n >= n && pstr_ieq(pstr(s.p, n), pstr_c(pre));
}

/* The kind of an event from its provider, channel and EventID. */
static unsigned classify(pstr_t prov, pstr_t chan, pstr_t eid, bool *lnx) {
    double d;
    long id = str_to_num(eid, &d) && d >= 0 && d < 1e9 ? (long)d : -1;
    *lnx = starts_ci(prov, "Linux-") || starts_ci(chan, "Linux-");
    if (pstr_ieq_c(prov, "Microsoft-Windows-Sysmon") || pstr_ieq_c(prov, "Linux-Sysmon") ||
        pstr_ieq_c(chan, "Microsoft-Windows-Sysmon/Operational") || pstr_ieq_c(chan, "Linux-Sysmon/Operational"))
        return id == 1 ? WK_SYSMON_PROC : id == 3 ? WK_SYSMON_NET : id == 22 ? WK_SYSMON_DNS : WK_SYSMON;
    if ((id == 5156 || id == 5157) &&
        (pstr_ieq_c(prov, "Microsoft-Windows-Security-Auditing") || pstr_ieq_c(chan, "Security")))
        return WK_WFP;
    if (id == 4104 && (pstr_ieq_c(prov, "Microsoft-Windows-PowerShell") || pstr_ieq_c(prov, "PowerShellCore") ||
                       pstr_ieq_c(chan, "Microsoft-Windows-PowerShell/Operational") ||
                       pstr_ieq_c(chan, "PowerShellCore/Operational")))
        return WK_PS;
    return WK_OTHER;
}

static pstr_t str_of(value_t v) { return v.t == V_STR ? val_pstr(v) : PSTR_NULL; }

static bool copy_c(char *dst, size_t cap, pstr_t s) {
    if (s.n >= cap) return false;
    memcpy(dst, s.p, s.n);
    dst[s.n] = 0;
    return true;
}

/* A Sysmon image "X:\…" of host: remembered for vol_learn. */
static void image_note(we_state_t *w, pstr_t host, pstr_t path) {
    if (path.n < 4 || path.p[1] != ':' || path.p[2] != '\\' || !host.n) return;
    we_image_t *im = &w->images[w->nimage % WE_IMAGES];
    if (!copy_c(im->host, sizeof im->host, host) || !copy_c(im->path, sizeof im->path, path)) return;
    w->nimage++;
}

/* N and the rest (from its '\') of a "\device\harddiskvolumeN\…" path. */
static bool vol_split(pstr_t p, unsigned *num, pstr_t *rest) {
    static const char pre[] = "\\device\\harddiskvolume";
    size_t m = sizeof pre - 1, i = m;
    if (p.n <= m || !pstr_ieq(pstr(p.p, m), pstr(pre, m))) return false;
    unsigned v = 0;
    while (i < p.n && p.p[i] >= '0' && p.p[i] <= '9' && v < 100000) v = v * 10 + (unsigned)(p.p[i++] - '0');
    if (i == m || i >= p.n || p.p[i] != '\\') return false;
    *num = v;
    *rest = pstr(p.p + i, p.n - i);
    return true;
}

/* The device path p of host with its volume as a drive letter when one is
 * known or can be learnt from a remembered image (the result in the batch
 * arena); p itself otherwise. */
static pstr_t vol_map(we_state_t *w, arena_t *a, pstr_t host, pstr_t p) {
    unsigned num;
    pstr_t rest;
    if (!host.n || !vol_split(p, &num, &rest)) return p;
    char letter = 0;
    for (uint32_t i = 0; i < WE_VOLS && i < w->nvol && !letter; i++)
        if (w->vols[i].letter && w->vols[i].num == num && pstr_ieq_c(host, w->vols[i].host))
            letter = w->vols[i].letter;
    if (!letter) {
        /* Decided now, for the rest of the input: the letter a remembered
         * image gives, or '-' (kept as logged), so that one program's
         * records never split between two spellings. */
        letter = '-';
        for (uint32_t i = 0; i < WE_IMAGES && i < w->nimage && letter == '-'; i++) {
            const we_image_t *im = &w->images[i];
            if (pstr_ieq_c(host, im->host) && pstr_ieq_c(rest, im->path + 2)) letter = im->path[0];
        }
        we_vol_t *v = &w->vols[w->nvol % WE_VOLS];
        if (copy_c(v->host, sizeof v->host, host)) {
            v->num = num;
            v->letter = letter;
            w->nvol++;
        }
    }
    if (letter == '-') return p;
    char *o = arena_alloc(a, rest.n + 2);
    o[0] = letter;
    o[1] = ':';
    memcpy(o + 2, rest.p, rest.n);
    return pstr(o, rest.n + 2);
}

/* See winevt.h. */
void we_emit(we_state_t *w, rd_ctx_t *c, const we_field_t *f, size_t n, const we_ext_t *ext, record_t *rec) {
    const sc_ids_t *ids = &w->ids;
    /* 1. the System values that say what the event is */
    int sysat[S_N];
    for (int s = 0; s < S_N; s++) sysat[s] = -1;
    for (size_t i = 0; i < n; i++)
        if (f[i].sect == WE_SYS) {
            int s = sys_find(f[i].name);
            if (s >= 0 && sysat[s] < 0) sysat[s] = (int)i;
        }
    value_t sys[S_N];
    for (int s = 0; s < S_N; s++) sys[s] = sysat[s] >= 0 ? we_value(c, &f[sysat[s]]) : val_null();
    bool lnx;
    unsigned kind = classify(str_of(sys[S_PROVIDER]), str_of(sys[S_CHANNEL]), str_of(sys[S_EVENTID]), &lnx);

    /* 2. native fields and the EventData mapping */
    value_t out[SC_N];
    for (int k = 0; k < SC_N; k++) out[k] = val_null();
    pstr_t guid = PSTR_NULL, cmd = PSTR_NULL, parent = PSTR_NULL;
    bool has_time = false;
    int64_t ms = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t id = FIELD_NONE;
        if (f[i].native && f[i].name.n) {
            int sp;
            id = rd_lookup(c, ext->pos0 + (unsigned)i, f[i].name, false, &sp);
        }
        int m = f[i].sect == WE_DATA ? map_find(f[i].name, kind) : -1;
        if (id == FIELD_NONE && m < 0) continue;
        value_t v = we_value(c, &f[i]);
        if (id != FIELD_NONE) rec_set(rec, id, v);
        if (m < 0 || v.t != V_STR) continue;
        pstr_t s = val_pstr(v);
        const struct we_map *mp = &we_maps[m];
        switch (mp->conv) {
        case WC_TIME: has_time = dt_parse(s, &ms); continue;
        case WC_GUID: guid = s; continue;
        case WC_CMD: cmd = s; continue;
        case WC_PARENT: parent = s; continue;
        case WC_IP: s = schema_ip(s); break;
        case WC_NUM: s = schema_number(s); break;
        case WC_PROTO: s = schema_protocol(s); break;
        case WC_DIR: s = schema_direction(s); break;
        case WC_DEVPATH: s = we_device_path(s, c->arena); break;
        default: break;
        }
        if (s.n || mp->conv == WC_TEXT) out[mp->f] = val_strv(s);
    }

    /* 3. System values into the schema, per-kind rules */
    out[SC_HOST] = sys[S_COMPUTER];
    out[SC_EVENT_ID] = sys[S_EVENTID];
    if (kind == WK_PS) {
        if (sys[S_EXECPID].t == V_STR) out[SC_PID] = val_strv(schema_number(val_pstr(sys[S_EXECPID])));
        out[SC_USER] = sys[S_SID];
    }
    if ((kind == WK_SYSMON_PROC || kind == WK_SYSMON_NET) && !lnx)
        image_note(w, str_of(out[SC_HOST]), str_of(out[SC_PROCESS_NAME]));
    if (kind == WK_WFP) {
        pstr_t app = str_of(out[SC_PROCESS_NAME]), mapped = vol_map(w, c->arena, str_of(out[SC_HOST]), app);
        if (mapped.p != app.p) out[SC_PROCESS_NAME] = val_strv(mapped);
        double d;
        if (str_to_num(str_of(sys[S_EVENTID]), &d))
            out[SC_ACTION] = val_strv(d == 5157 ? PSTR_LIT("blocked") : PSTR_LIT("allowed"));
        /* Source* is the local end: on inbound rows the remote one opened it */
        if (pstr_eq(str_of(out[SC_DIRECTION]), PSTR_LIT("inbound"))) {
            value_t t = out[SC_SRC_IP];
            out[SC_SRC_IP] = out[SC_DEST_IP];
            out[SC_DEST_IP] = t;
            t = out[SC_SRC_PORT];
            out[SC_SRC_PORT] = out[SC_DEST_PORT];
            out[SC_DEST_PORT] = t;
        }
    }
    if (!has_time && sys[S_TIME].t == V_STR) has_time = dt_parse(val_pstr(sys[S_TIME]), &ms);
    if (!has_time && ext->has_time) {
        has_time = true;
        ms = ext->time_ms;
    }
    if (has_time) rd_time(c, ms);
    out[SC_SOURCEHOST] = ext->host.n ? val_strv(ext->host) : out[SC_HOST];
    out[SC_MESSAGETIME] = val_null(); /* complete() sets it from rd_time */
    for (int k = 0; k < SC_N; k++)
        if (out[k].t != V_NULL) sc_set(rec, ids, (unsigned)k, out[k]);
    rd_category(c, pstr_c(we_cats[kind][lnx]));

    /* 4. enrichment */
    char key[40];
    if (!w->enrich || !guid.n || !guid_key(guid, key)) return;
    if (kind == WK_SYSMON_PROC) {
        proc_store(w, key, cmd, parent, str_of(out[SC_USER]));
    } else if (kind == WK_SYSMON_NET) {
        int32_t i = proc_find(w, key);
        if (i < 0) return;
        lru_unlink(w, i); /* used: most recent again */
        lru_front(w, i);
        const we_proc_t *p = &w->procs[i];
        if (w->id_cmd != FIELD_NONE && p->cmdn && !rec_has(rec, w->id_cmd))
            rec_set(rec, w->id_cmd, val_str(p->buf, p->cmdn));
        if (w->id_parent != FIELD_NONE && p->parn && !rec_has(rec, w->id_parent))
            rec_set(rec, w->id_parent, val_str(p->buf + p->cmdn, p->parn));
        if (p->usern) sc_fill(rec, ids, SC_USER, val_str(p->buf + p->cmdn + p->parn, p->usern));
    }
}
