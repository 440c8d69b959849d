/* winevt.c — one decoded Windows event to one schema record (see winevt.h).
 *
 * The readers (read_winxml.c, read_winjson.c, read_evtx.c, read_azure.c)
 * find an event's values — those of an XML rendering through we_xml_scan,
 * for every reader that meets one; we_emit decides what the
 * event is from its provider or channel and EventID, maps EventData
 * names through the reader toolkit's map tables (one per kind) into an
 * accumulator, applies the per-kind rules (which end of an inbound WFP
 * row opened it, wfp_source_opened; 5156 allowed / 5157 blocked), keeps a
 * bounded LRU of Sysmon EID 1 details by ProcessGuid for EID 3 records,
 * and joins PowerShell script blocks logged in several 4104 parts.
 */
#include "winevt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datetime.h"
#include "json.h"
#include "xml.h"
#include "tty.h"

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

/* EventData values the mapping decides by, as own slots of the accumulator. */
enum we_own { W_UTC, W_GUID, W_CMD, W_PARENT, W_SBID, W_SBNUM, W_SBTOTAL, W_SBTEXT };
#define WO(k) (RD_OWN + (k))

/* EventData names (ASCII case ignored) every Sysmon event maps. */
static const rd_map_t we_sysmon[] = {
    RD_MAP("UtcTime", WO(W_UTC), RD_TEXT, 0),        RD_MAP("Image", SC_PROCESS_NAME, RD_TEXT, 0),
    RD_MAP("ProcessId", SC_PID, RD_NUM, 0),          RD_MAP("User", SC_USER, RD_TEXT, 0),
    RD_MAP("ProcessGuid", WO(W_GUID), RD_TEXT, 0), /* the enrichment key */
};
/* Sysmon EID 1: what enrichment stores. */
static const rd_map_t we_sysmon_proc[] = {
    RD_MAP("CommandLine", WO(W_CMD), RD_TEXT, 0), RD_MAP("ParentImage", WO(W_PARENT), RD_TEXT, 0),
};
/* Sysmon EID 3: the connection. */
static const rd_map_t we_sysmon_net[] = {
    RD_MAP("SourceIp", SC_SRC_IP, RD_IP, 0),         RD_MAP("SourcePort", SC_SRC_PORT, RD_NUM, 0),
    RD_MAP("DestinationIp", SC_DEST_IP, RD_IP, 0),   RD_MAP("DestinationPort", SC_DEST_PORT, RD_NUM, 0),
    RD_MAP("Protocol", SC_PROTOCOL, RD_PROTO, 0),    RD_MAP("Initiated", SC_DIRECTION, RD_DIR, 0),
};
/* Security 5156/5157 (Application is an NT device path, mapped after). */
static const rd_map_t we_wfp[] = {
    RD_MAP("ProcessID", SC_PID, RD_NUM, 0),          RD_MAP("Application", SC_PROCESS_NAME, RD_TEXT, 0),
    RD_MAP("SourceAddress", SC_SRC_IP, RD_IP, 0),    RD_MAP("SourcePort", SC_SRC_PORT, RD_NUM, 0),
    RD_MAP("DestAddress", SC_DEST_IP, RD_IP, 0),     RD_MAP("DestPort", SC_DEST_PORT, RD_NUM, 0),
    RD_MAP("Protocol", SC_PROTOCOL, RD_PROTO, 0),    RD_MAP("Direction", SC_DIRECTION, RD_DIR, 0),
};

/* PowerShell 4104: a script block's part (read only when ScriptBlockFull is). */
static const rd_map_t we_ps[] = {
    RD_MAP("ScriptBlockId", WO(W_SBID), RD_TEXT, 0),     /* the block's key */
    RD_MAP("MessageNumber", WO(W_SBNUM), RD_TEXT, 0),    /* this part's number (from 1) */
    RD_MAP("MessageTotal", WO(W_SBTOTAL), RD_TEXT, 0),   /* the block's parts */
    RD_MAP("ScriptBlockText", WO(W_SBTEXT), RD_TEXT, 0), /* this part's text */
};

/* The tables each kind's EventData goes through. ORDER KIND. */
static const rd_maptab_t we_tabs[WK_N][2] = {
    {{NULL, 0, RD_ICASE}, {NULL, 0, RD_ICASE}},
    {RD_MAPTAB(we_sysmon, RD_ICASE), RD_MAPTAB(we_sysmon_proc, RD_ICASE)},
    {RD_MAPTAB(we_sysmon, RD_ICASE), RD_MAPTAB(we_sysmon_net, RD_ICASE)},
    {RD_MAPTAB(we_sysmon, RD_ICASE), {NULL, 0, RD_ICASE}},
    {RD_MAPTAB(we_sysmon, RD_ICASE), {NULL, 0, RD_ICASE}},
    {RD_MAPTAB(we_wfp, RD_ICASE), {NULL, 0, RD_ICASE}},
    {RD_MAPTAB(we_ps, RD_ICASE), {NULL, 0, RD_ICASE}},
};

/* System values the classification and the schema read. ORDER SYS: sys_map's slots. */
enum { S_PROVIDER, S_CHANNEL, S_EVENTID, S_COMPUTER, S_TIME, S_EXECPID, S_SID, S_N };

/* Their names: the XML rendering's, and the flattened converters'. */
static const rd_map_t sys_map[] = {
    RD_MAP("Provider.Name", S_PROVIDER, RD_TEXT, 0), RD_MAP("Provider", S_PROVIDER, RD_TEXT, 0),
    RD_MAP("Channel", S_CHANNEL, RD_TEXT, 0),        RD_MAP("EventID", S_EVENTID, RD_TEXT, 0),
    RD_MAP("Computer", S_COMPUTER, RD_TEXT, 0),      RD_MAP("TimeCreated.SystemTime", S_TIME, RD_TEXT, 0),
    RD_MAP("TimeCreated", S_TIME, RD_TEXT, 0),       RD_MAP("Execution.ProcessID", S_EXECPID, RD_TEXT, 0),
    RD_MAP("Security.UserID", S_SID, RD_TEXT, 0),
};
static const rd_maptab_t sys_tab = RD_MAPTAB(sys_map, RD_ICASE);

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

/* ---- PowerShell script blocks logged in several 4104 events ------------ */

/* A block longer than one event allows is logged as MessageTotal events
 * with MessageNumber 1..MessageTotal and one ScriptBlockId. Their parts
 * are kept until the last one arrives; the record that completes a block
 * gets ScriptBlockFull, the parts joined in order (a one-part block: its
 * own text). Bounded: blocks whose parts never all arrive are dropped,
 * least recently added to first, and counted. */
#define WE_SB 64                        /* blocks being joined at once */
#define WE_SBPARTS 4096                 /* MessageTotal accepted at most */
#define WE_SBBUDGET ((size_t)64 << 20)  /* bytes of parts kept at most */

/* One script block being joined. */
typedef struct we_sblock {
    char id[40];           /* lower-cased ScriptBlockId, "" when the slot is free */
    uint32_t total, seen;  /* MessageTotal, parts kept */
    uint64_t stamp;        /* when a part was last added, for dropping */
    uint32_t *off;         /* per part (MessageNumber - 1): offset in buf + 1, 0 = not seen (owned) */
    uint32_t *len;         /* per part: its length (owned) */
    char *buf;             /* the parts' text back to back (owned) */
    size_t n, cap;         /* used, allocated */
} we_sblock_t;

/* See winevt.h. */
/* A table's answer for a field name, remembered in a slot picked by a
 * hash of the name's length and first and last 8 bytes: the events of a log repeat their
 * names, so a name is compared with the slot's, not searched for in the
 * table. */
#define WE_MEMO 128       /* slots per table (a power of two) */
#define WE_MEMO_NAME 40   /* longest name remembered */
typedef struct we_memo {
    const rd_map_t *m;           /* the answer */
    uint8_t n;                   /* the name's length (0: nothing remembered) */
    char name[WE_MEMO_NAME];     /* the name's bytes */
} we_memo_t;

struct we_state {
    sc_ids_t ids;                /* schema fields the query reads */
    we_memo_t memo[1 + WK_N][WE_MEMO]; /* lookups by table (System, each kind's EventData) and name */
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
    /* PowerShell script blocks being joined (above). */
    uint32_t id_sbfull;             /* ScriptBlockFull: FIELD_NONE when not read (nothing is kept then) */
    we_sblock_t sb[WE_SB];
    uint64_t sbclock;               /* parts added so far: the stamps */
    size_t sbbytes;                 /* bytes of parts kept */
    uint64_t sbdropped;             /* blocks given up (never complete, or crowded out) */
    const char *name;               /* the input's name for the note on them (borrowed) */
    bool quiet;                     /* no note */
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
    w->id_sbfull = want_id(c->ft, "ScriptBlockFull");
    w->name = c->name;
    w->quiet = c->quiet;
    return w;
}

static void sb_free(we_state_t *w, we_sblock_t *b) {
    w->sbbytes -= b->cap;
    free(b->off);
    free(b->len);
    free(b->buf);
    memset(b, 0, sizeof *b);
}

/* See winevt.h. */
void we_close(we_state_t *w) {
    if (!w) return;
    for (int i = 0; i < WE_SB; i++)
        if (w->sb[i].id[0]) {
            w->sbdropped++;
            sb_free(w, &w->sb[i]);
        }
    if (w->sbdropped && !w->quiet)
        fprintf(stderr,
                "postern: %s: %llu PowerShell script block%s logged in several parts never had all %s parts: "
                "the parts are records of their own, without ScriptBlockFull\n",
                w->name ? tty_name(w->name) : "-", (unsigned long long)w->sbdropped, w->sbdropped == 1 ? "" : "s",
                w->sbdropped == 1 ? "its" : "their");
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

/* The block of id (lower-cased) for a block of total parts: found, or a
 * slot given to it (the least recently added block dropped when all are
 * taken). */
static we_sblock_t *sb_slot(we_state_t *w, const char *id, uint32_t total) {
    we_sblock_t *free_slot = NULL, *oldest = NULL;
    for (int i = 0; i < WE_SB; i++) {
        we_sblock_t *b = &w->sb[i];
        if (!b->id[0]) {
            if (!free_slot) free_slot = b;
            continue;
        }
        if (strcmp(b->id, id) == 0 && b->total == total) return b;
        if (!oldest || b->stamp < oldest->stamp) oldest = b;
    }
    we_sblock_t *b = free_slot;
    if (!b) {
        w->sbdropped++;
        sb_free(w, oldest);
        b = oldest;
    }
    memcpy(b->id, id, strlen(id) + 1);
    b->total = total;
    b->off = xcalloc(total, sizeof *b->off);
    b->len = xcalloc(total, sizeof *b->len);
    return b;
}

/* Part num of total of script block id with text t: kept; when it
 * completes the block, the whole block (in c->arena) is returned and the
 * block forgotten. A one-part block is its own text. */
static pstr_t sb_part(we_state_t *w, rd_ctx_t *c, pstr_t id, pstr_t num, pstr_t total, pstr_t t) {
    double dn, dt;
    char key[40];
    if (!str_to_num(num, &dn) || !str_to_num(total, &dt) || dt < 1 || dt > WE_SBPARTS || dn < 1 || dn > dt)
        return PSTR_NULL;
    if (dt == 1) return t;
    if (!guid_key(id, key) || t.n > WE_SBBUDGET / 4) return PSTR_NULL;
    we_sblock_t *b = sb_slot(w, key, (uint32_t)dt);
    uint32_t k = (uint32_t)dn - 1;
    if (b->off[k]) return PSTR_NULL; /* logged twice: the first one counts */
    if (b->n + t.n > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->n + t.n) cap *= 2;
        b->buf = xrealloc(b->buf, cap);
        w->sbbytes += cap - b->cap;
        b->cap = cap;
    }
    if (t.n) memcpy(b->buf + b->n, t.p, t.n);
    b->off[k] = (uint32_t)b->n + 1;
    b->len[k] = (uint32_t)t.n;
    b->n += t.n;
    b->seen++;
    b->stamp = ++w->sbclock;
    pstr_t whole = PSTR_NULL;
    if (b->seen == b->total) {
        char *o = arena_alloc(c->arena, b->n + 1);
        size_t at = 0;
        for (uint32_t i = 0; i < b->total; i++) {
            memcpy(o + at, b->buf + b->off[i] - 1, b->len[i]);
            at += b->len[i];
        }
        whole = pstr(o, at);
        sb_free(w, b);
    }
    /* Over the budget: drop the least recently added blocks. */
    while (w->sbbytes > WE_SBBUDGET) {
        we_sblock_t *oldest = NULL;
        for (int i = 0; i < WE_SB; i++)
            if (w->sb[i].id[0] && (!oldest || w->sb[i].stamp < oldest->stamp)) oldest = &w->sb[i];
        if (!oldest) break;
        w->sbdropped++;
        sb_free(w, oldest);
    }
    return whole;
}

/* ---- the XML rendering of an event ------------------------------------ */

#define WE_XMLDEPTH 16  /* element nesting followed inside an event */

/* See winevt.h. */
we_field_t *we_add(we_list_t *l) {
    if (l->n == WE_MAXFIELDS) return NULL;
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 64;
        l->f = xrealloc(l->f, l->cap * sizeof *l->f);
    }
    we_field_t *f = &l->f[l->n++];
    memset(f, 0, sizeof *f);
    return f;
}

/* See winevt.h. */
void we_list_free(we_list_t *l) {
    free(l->f);
    l->f = NULL;
    l->n = l->cap = 0;
}

/* Sections of an event (its child elements). */
enum { X_NONE, X_SYSTEM, X_DATA, X_USER, X_RENDER };

/* See winevt.h. */
pstr_t we_dotted(arena_t *a, pstr_t e, pstr_t at) {
    char *o = arena_alloc(a, e.n + at.n + 1);
    memcpy(o, e.p, e.n);
    o[e.n] = '.';
    memcpy(o + e.n + 1, at.p, at.n);
    return pstr(o, e.n + at.n + 1);
}

/* A leaf element's text: CDATA unwrapped, else XML-escaped. */
static void leaf_value(pstr_t t, we_field_t *f) {
    f->enc = WE_XML;
    if (t.n >= 12 && memcmp(t.p, "<![CDATA[", 9) == 0 && memcmp(t.p + t.n - 3, "]]>", 3) == 0) {
        t = pstr(t.p + 9, t.n - 12);
        f->enc = WE_PLAIN;
    }
    f->val = t;
}

/* See winevt.h. The sections sit at depth 1 (below <Event>) and their
 * items at depth 2; a section alone is scanned as if an <Event> held it,
 * and ends with its own end tag. */
bool we_xml_scan(rd_ctx_t *c, we_list_t *x, const char *s, size_t n, bool section) {
    struct open_el {
        pstr_t name, attrs;
        size_t text;   /* offset where its content starts */
        bool kids;     /* it has child elements */
    } st[WE_XMLDEPTH];
    int root = section ? 1 : 0, depth = root, sect = X_NONE;
    if (section) st[0] = (struct open_el){PSTR_NULL, PSTR_NULL, 0, true};
    x->n = 0;
    size_t i = 0;
    while (i < n) {
        xml_tok_t tok;
        size_t after = xml_token(s, n, i, &tok);
        if (tok.kind == XML_BAD) return false;
        if (tok.kind != XML_TAG) { /* text, CDATA, comments, declarations */
            i = after;
            continue;
        }
        xml_tag_t t = tok.tag;
        t.name = xml_local(t.name); /* prefix dropped */
        if (t.end) {
            if (depth == root) return false;
            depth--;
            if (!pstr_eq(st[depth].name, t.name)) return false;
            if (depth == root) return true; /* </Event>, or the section's end */
            if (!st[depth].kids) { /* a leaf: its text is a value */
                pstr_t text = pstr(s + st[depth].text, i - st[depth].text);
                pstr_t nm = st[depth].name;
                we_field_t *f = NULL;
                if (sect == X_SYSTEM && depth == 2) {
                    if ((f = we_add(x))) f->name = nm, f->sect = WE_SYS;
                } else if (sect == X_DATA && depth == 2) {
                    pstr_t an, av, dn = nm;
                    size_t k = 0;
                    if (pstr_eq(nm, PSTR_LIT("Data")))
                        while (xml_next_attr(st[depth].attrs, &k, &an, &av))
                            if (pstr_eq(an, PSTR_LIT("Name"))) dn = av;
                    if ((f = we_add(x))) f->name = dn, f->sect = WE_DATA;
                } else if (sect == X_USER && depth >= 2) {
                    if ((f = we_add(x))) f->name = nm, f->sect = WE_DATA;
                } else if (sect == X_RENDER && depth == 2 && pstr_eq(nm, PSTR_LIT("Message"))) {
                    if ((f = we_add(x))) f->name = nm, f->sect = WE_OTHER;
                }
                if (f) {
                    f->native = true;
                    leaf_value(text, f);
                }
            }
            if (depth == 1) sect = X_NONE;
            i = after;
            continue;
        }
        /* a start tag */
        if (depth > 0) st[depth - 1].kids = true;
        if (depth == 1) {
            sect = pstr_eq(t.name, PSTR_LIT("System"))          ? X_SYSTEM
                   : pstr_eq(t.name, PSTR_LIT("EventData"))     ? X_DATA
                   : pstr_eq(t.name, PSTR_LIT("UserData"))      ? X_USER
                   : pstr_eq(t.name, PSTR_LIT("RenderingInfo")) ? X_RENDER
                                                                : X_NONE;
        }
        if (sect == X_SYSTEM && depth == 2) { /* attributes: Element.Attribute */
            pstr_t an, av;
            size_t k = 0;
            while (xml_next_attr(t.attrs, &k, &an, &av)) {
                if (pstr_eq(an, PSTR_LIT("xmlns"))) continue;
                we_field_t *f = we_add(x);
                if (!f) break;
                *f = (we_field_t){we_dotted(c->arena, t.name, an), av, WE_XML, WE_SYS, true};
            }
        }
        if (t.empty) {
            if (sect == X_DATA && depth == 2 && pstr_eq(t.name, PSTR_LIT("Data"))) { /* <Data Name="x"/> */
                pstr_t an, av;
                size_t k = 0;
                while (xml_next_attr(t.attrs, &k, &an, &av))
                    if (pstr_eq(an, PSTR_LIT("Name"))) {
                        we_field_t *f = we_add(x);
                        if (f) *f = (we_field_t){av, pstr(s + i, 0), WE_PLAIN, WE_DATA, true};
                    }
            }
            if (depth == 1) sect = X_NONE;
            if (depth == root && section) return true; /* <EventData/> */
            i = after;
            continue;
        }
        if (depth == WE_XMLDEPTH) return false;
        st[depth].name = t.name;
        st[depth].attrs = t.attrs;
        st[depth].text = after;
        st[depth].kids = false;
        depth++;
        i = after;
    }
    return false;
}

/* ---- the mapping ------------------------------------------------------ */

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
    /* 5156/5157 with neither provider nor channel (a row of a Kusto union
     * or a converter that dropped them) is the Security log's WFP event:
     * no other provider writes those IDs to a log anyone exports. */
    if ((id == 5156 || id == 5157) && (pstr_ieq_c(prov, "Microsoft-Windows-Security-Auditing") ||
                                       pstr_ieq_c(chan, "Security") || (!prov.n && !chan.n)))
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

/* The EventData entry for name in an event of kind, or NULL. */
static const rd_map_t *data_find(unsigned kind, pstr_t name) {
    const rd_map_t *m = rd_map_find(&we_tabs[kind][0], name);
    return m ? m : rd_map_find(&we_tabs[kind][1], name);
}

/* A multicast or broadcast address (IPv4 224.0.0.0/4 and
 * 255.255.255.255, IPv6 ff00::/8): a group, never a connection's opener. */
static bool wfp_group(pstr_t ip) {
    ip = pstr_trim(ip);
    if (ip.n >= 2 && str_lc(ip.p[0]) == 'f' && str_lc(ip.p[1]) == 'f' && memchr(ip.p, ':', ip.n)) return true;
    unsigned o = 0;
    size_t i = 0;
    while (i < ip.n && i < 3 && ip.p[i] >= '0' && ip.p[i] <= '9') o = o * 10 + (unsigned)(ip.p[i++] - '0');
    if (!i || i >= ip.n || ip.p[i] != '.') return false;
    return (o >= 224 && o <= 239) || pstr_eq(ip, PSTR_LIT("255.255.255.255"));
}

/* A port below 1024 (a service's); false for other text. */
static bool wfp_low_port(pstr_t p) {
    pstr_t t = schema_number(p);
    if (!rd_port_ok(t)) return false;
    unsigned x = 0;
    for (size_t i = 0; i < t.n; i++) x = x * 10 + (unsigned)(t.p[i] - '0');
    return x < 1024;
}

/* Which end of an inbound (%%14592) 5156/5157 opened the connection:
 * true when the Source* end did. Microsoft's documentation says Source*
 * is always the local end, but Windows 10 and Server 2016 and later log
 * an accepted TCP connection with the remote client as Source* (real
 * exports: a Tomcat accept from 192.168.3.5:50452 to :8080, http.sys on
 * :80 accepting a connection from its own address), while the UDP
 * multicast rows of other builds put the group first. So the row's own
 * evidence decides: a multicast or broadcast address never opened it;
 * else a port below 1024 on one end only is the listener's (every mail
 * port is one, so a loopback 127.0.0.1:50203 -> 127.0.0.1:25 comes out
 * right whichever way Windows wrote it); else the row is taken as
 * logged, Source* first, as current Windows writes it. */
static bool wfp_source_opened(pstr_t sip, pstr_t sport, pstr_t dip, pstr_t dport) {
    bool sg = wfp_group(sip), dg = wfp_group(dip);
    if (sg != dg) return dg;
    bool sl = wfp_low_port(sport), dl = wfp_low_port(dport);
    if (sl != dl) return dl;
    return true;
}

/* rd_map_find of name in table tab (0: sys_tab, 1 + kind: data_find),
 * through the table's memo. */
static const rd_map_t *we_find(we_state_t *w, unsigned tab, pstr_t name) {
    if (!name.n) return NULL; /* (as rd_map_find) */
    uint64_t a = 0, b = 0; /* the first and last 8 bytes (fewer: all of them) */
    if (name.n >= 8) {
        memcpy(&a, name.p, 8);
        memcpy(&b, name.p + name.n - 8, 8);
    } else {
        memcpy(&a, name.p, name.n);
    }
    uint64_t h = (a * 0x9E3779B97F4A7C15u) ^ (b * 0xC2B2AE3D27D4EB4Fu) ^ name.n;
    we_memo_t *mo = &w->memo[tab][(h >> 40) & (WE_MEMO - 1)];
    if (mo->n == name.n && memcmp(mo->name, name.p, name.n) == 0) return mo->m;
    const rd_map_t *m = tab ? data_find(tab - 1, name) : rd_map_find(&sys_tab, name);
    if (name.n <= WE_MEMO_NAME) {
        *mo = (we_memo_t){m, (uint8_t)name.n, {0}};
        memcpy(mo->name, name.p, name.n);
    }
    return m;
}

/* See winevt.h. */
void we_emit(we_state_t *w, rd_ctx_t *c, const we_field_t *f, size_t n, const we_ext_t *ext, record_t *rec) {
    /* 1. the System values that say what the event is (the first of each) */
    int sysat[S_N];
    for (int s = 0; s < S_N; s++) sysat[s] = -1;
    for (size_t i = 0; i < n; i++)
        if (f[i].sect == WE_SYS) {
            const rd_map_t *m = we_find(w, 0, f[i].name);
            if (m && sysat[m->slot] < 0) sysat[m->slot] = (int)i;
        }
    value_t sys[S_N];
    for (int s = 0; s < S_N; s++) sys[s] = sysat[s] >= 0 ? we_value(c, &f[sysat[s]]) : val_null();
    bool lnx;
    unsigned kind = classify(str_of(sys[S_PROVIDER]), str_of(sys[S_CHANNEL]), str_of(sys[S_EVENTID]), &lnx);

    /* 2. native fields, and the EventData values into the accumulator (the last of a name wins) */
    rd_acc_t a;
    rd_acc_init(&a, &w->ids, NULL, RD_ACC_LAST | RD_ACC_EMPTY);
    for (size_t i = 0; i < n; i++) {
        uint32_t id = FIELD_NONE;
        if (f[i].native && f[i].name.n) {
            int sp;
            id = rd_lookup(c, ext->pos0 + (unsigned)i, f[i].name, false, &sp);
        }
        const rd_map_t *m = f[i].sect == WE_DATA ? we_find(w, 1 + kind, f[i].name) : NULL;
        if (m && kind == WK_PS && w->id_sbfull == FIELD_NONE) m = NULL; /* script blocks not joined */
        if (id == FIELD_NONE && !m) continue;
        value_t v = we_value(c, &f[i]);
        if (id != FIELD_NONE) rec_set(rec, id, v);
        if (m && v.t == V_STR) rd_acc_put(&a, m, val_pstr(v));
    }

    /* 3. System values into the schema, per-kind rules */
    pstr_t host = str_of(sys[S_COMPUTER]);
    if (sys[S_COMPUTER].t == V_STR) rd_acc_set(&a, SC_HOST, RD_TEXT, host);
    if (sys[S_EVENTID].t == V_STR) rd_acc_set(&a, SC_EVENT_ID, RD_TEXT, val_pstr(sys[S_EVENTID]));
    if (kind == WK_PS) {
        if (sys[S_EXECPID].t == V_STR) rd_acc_set(&a, SC_PID, RD_NUM, val_pstr(sys[S_EXECPID]));
        if (sys[S_SID].t == V_STR) rd_acc_set(&a, SC_USER, RD_TEXT, val_pstr(sys[S_SID]));
    }
    if ((kind == WK_SYSMON_PROC || kind == WK_SYSMON_NET) && !lnx)
        image_note(w, host, rd_acc_get(&a, SC_PROCESS_NAME));
    if (kind == WK_WFP) {
        if (rd_acc_has(&a, SC_PROCESS_NAME)) { /* the NT device path as a drive path where that is certain */
            pstr_t app = we_device_path(rd_acc_get(&a, SC_PROCESS_NAME), c->arena);
            if (app.n) rd_acc_set(&a, SC_PROCESS_NAME, RD_TEXT, vol_map(w, c->arena, host, app));
            else rd_acc_clear(&a, SC_PROCESS_NAME);
        }
        double d;
        if (str_to_num(str_of(sys[S_EVENTID]), &d)) {
            pstr_t verdict = d == 5157 ? PSTR_LIT("blocked") : PSTR_LIT("allowed");
            rd_acc_set(&a, SC_ACTION, RD_TEXT, verdict);
            rd_acc_set(&a, SC_OUTCOME, RD_TEXT, verdict);
        }
        /* on an inbound row the remote end opened it: make it the source */
        if (pstr_eq(schema_direction(rd_acc_get(&a, SC_DIRECTION)), PSTR_LIT("inbound")) &&
            !wfp_source_opened(rd_acc_get(&a, SC_SRC_IP), rd_acc_get(&a, SC_SRC_PORT), rd_acc_get(&a, SC_DEST_IP),
                               rd_acc_get(&a, SC_DEST_PORT))) {
            rd_acc_swap(&a, SC_SRC_IP, SC_DEST_IP);
            rd_acc_swap(&a, SC_SRC_PORT, SC_DEST_PORT);
        }
    }
    int64_t ms = 0;
    bool has_time = rd_acc_has(&a, WO(W_UTC)) && dt_parse(rd_acc_get(&a, WO(W_UTC)), &ms);
    if (!has_time && sys[S_TIME].t == V_STR) has_time = dt_parse(val_pstr(sys[S_TIME]), &ms);
    if (!has_time && ext->has_time) {
        has_time = true;
        ms = ext->time_ms;
    }
    if (has_time) rd_time(c, ms);
    if (ext->host.n) rd_acc_set(&a, SC_SOURCEHOST, RD_TEXT, ext->host);
    else if (sys[S_COMPUTER].t == V_STR) rd_acc_set(&a, SC_SOURCEHOST, RD_TEXT, host);
    rd_acc_emit(c, &a, rec);
    rd_category(c, pstr_c(we_cats[kind][lnx]));
    pstr_t sbnum = rd_acc_get(&a, WO(W_SBNUM));
    if (kind == WK_PS && w->id_sbfull != FIELD_NONE && sbnum.n) {
        pstr_t whole = sb_part(w, c, rd_acc_get(&a, WO(W_SBID)), sbnum, rd_acc_get(&a, WO(W_SBTOTAL)),
                               rd_acc_get(&a, WO(W_SBTEXT)));
        if (whole.p) rec_set(rec, w->id_sbfull, val_strv(whole));
    }

    /* 4. enrichment */
    char key[40];
    pstr_t guid = rd_acc_get(&a, WO(W_GUID));
    if (!w->enrich || !guid.n || !guid_key(guid, key)) return;
    if (kind == WK_SYSMON_PROC) {
        proc_store(w, key, rd_acc_get(&a, WO(W_CMD)), rd_acc_get(&a, WO(W_PARENT)), rd_acc_get(&a, SC_USER));
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
        if (p->usern) sc_fill(rec, &w->ids, SC_USER, val_str(p->buf + p->cmdn + p->parn, p->usern));
    }
}
