/* reader.h — the interface a log reader implements (and the input layer
 * drives), and the reader toolkit every reader is written with.
 *
 * The input layer (input_int.h) owns the byte buffer, decompression, line
 * numbers, the batch arena and the record; a reader owns only its
 * per-input state (from open, freed by close) and turns buffered bytes
 * into field values. Each format is one rd_impl_t descriptor; RD_READERS
 * lists them once and generates both the vote order and the public
 * rd_formats[] table. The toolkit (second half) is reader.c and
 * reader_text.c: views it returns borrow the reader's bytes or c->arena.
 */
#ifndef POSTERN_READER_H
#define POSTERN_READER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "input.h"
#include "schema.h"
#include "syslog.h"

/* The descriptors, in probe order (a tie goes to the earlier one). */
#define RD_READERS(X) \
    X(rd_jsonl)       \
    X(rd_csv)         \
    X(rd_sumo_json)   \
    X(rd_sumo_csv)    \
    X(rd_zeek_tsv)    \
    X(rd_zeek_json)   \
    X(rd_winevt_xml)  \
    X(rd_evtx_json)   \
    X(rd_evtx)        \
    X(rd_ecs)         \
    X(rd_netfilter)   \
    X(rd_pflog)       \
    X(rd_panos)       \
    X(rd_fortigate)   \
    X(rd_asa)         \
    X(rd_cef)         \
    X(rd_leef)        \
    X(rd_ocsf)        \
    X(rd_osquery)     \
    X(rd_auditd)      \
    X(rd_azure_json)  \
    X(rd_azure_csv)   \
    X(rd_argus)       \
    X(rd_proxifier)   \
    X(rd_pfirewall)   \
    X(rd_mikrotik)    \
    X(rd_text)

/* Why a record was skipped. ORDER REASON: in_stats_t.reasons and
 * in_reason_name() use these indices. */
#define RD_REASONS(X)                                 \
    X(RD_R_JSON, "invalid JSON")                      \
    X(RD_R_NOTOBJ, "not a JSON object")               \
    X(RD_R_COLS, "wrong number of CSV columns")       \
    X(RD_R_QUOTE, "unterminated CSV quote")           \
    X(RD_R_LONG, "record too long")                   \
    X(RD_R_XML, "malformed or cut XML event")         \
    X(RD_R_NOHDR, "data before the format's header")            \
    X(RD_R_FIELDS, "too few fields for the record's type")       \
    X(RD_R_ADDR, "missing or malformed address or port")         \
    X(RD_R_KVQUOTE, "unterminated quoted value")                 \
    X(RD_R_HDR, "malformed CEF or LEEF header")                  \
    X(RD_R_AUDIT, "malformed audit record")                     \
    X(RD_R_EVTXHDR, "damaged evtx file or chunk header")         \
    X(RD_R_EVTXREC, "evtx record header or size out of bounds")  \
    X(RD_R_BINXML, "malformed binary XML in an evtx record")     \
    X(RD_R_EVTXBIG, "evtx record too large once rendered")      \
    X(RD_R_WIDTH, "number of fields differs from the #Fields header")

enum rd_reason {
#define X(id, text) id,
    RD_REASONS(X)
#undef X
    RD_NREASON
};

/* Keys that matter even when the query does not read them: the record's
 * own _raw, and timestamp fields, best first (_messageTime is made from
 * the first one that parses): an event's own times, then the times a
 * collector stamped (Azure's TimeGenerated, Sumo's _receipttime). ORDER
 * SPECIAL: rd_special_name[]. */
#define RD_SPECIALS(X)              \
    X(RD_SP_RAW, "_raw")            \
    X(RD_SP_MTIMEMS, "_messagetimems") \
    X(RD_SP_MTIME, "_messagetime")  \
    X(RD_SP_TIMESTAMP, "timestamp") \
    X(RD_SP_ATTIMESTAMP, "@timestamp") \
    X(RD_SP_TIME, "time")           \
    X(RD_SP_TS, "ts")               \
    X(RD_SP__TIME, "_time")         \
    X(RD_SP_EVENTTIME, "eventtime") \
    X(RD_SP_EVENT_TIME, "event_time") \
    X(RD_SP_DATETIME, "datetime")   \
    X(RD_SP_DATE, "date")           \
    X(RD_SP_UTCTIME, "utctime")     \
    X(RD_SP_TIMECREATED, "timecreated") \
    X(RD_SP_TIMEGENERATED, "timegenerated") \
    X(RD_SP_RECEIPTTIME, "_receipttime")

enum rd_special {
    RD_SP_NONE = -1,
#define X(id, name) id,
    RD_SPECIALS(X)
#undef X
    RD_NSPECIAL
};

/* What next() reports. */
/* The longest record the input layer hands a reader (64 MiB): a longer
 * one is rejected as too long. A reader whose record cannot end before
 * it (CSV's quote never closing) may reject it sooner (read_csv.c). */
#define RD_MAXREC ((size_t)64 << 20)

typedef enum rd_status {
    RD_REC,    /* a record was filled */
    RD_REJECT, /* a malformed record was consumed; ctx.reason says why */
    RD_MORE,   /* the next record does not end inside the buffer: read more */
    RD_END,    /* at end of input, nothing left */
    RD_SKIP    /* a unit that is no record (a header, another format's line) was consumed */
} rd_status_t;

/* One slot of the key cache: a key seen before, in the slot its bytes hash to.
 * A fixed, 2-way direct-mapped cache in front of the field table, not the
 * one hash table (hmap.h) on purpose: it never grows or allocates, it
 * evicts, and it keeps the key bytes inline so a hit (nearly every key of
 * every record) is one compare in a cache line already loaded. A miss
 * goes to ftab_find, which is on hmap. */
typedef struct rd_kslot {
    const struct rd_maptab *tab; /* the map table m was looked up in (NULL: none yet) */
    const struct rd_map *m;      /* the key's entry in tab, NULL when none */
    uint32_t id;    /* field to set, FIELD_NONE when the query does not read it */
    char key[38];   /* the raw (still escaped) key bytes */
    uint8_t n;      /* their length, 0 = empty slot */
    int8_t sp;      /* enum rd_special */
} rd_kslot_t;

#define RD_KCACHE 256
#define RD_KSHAPE 64 /* key positions remembered as the previous record had them */

/* The per-call state of one next() call, between the input layer
 * (input_lane.c) and the line framer (rd_line_next, reader_text.c).
 * Before each call the input layer clears ln_p and the hint (ctx_clear),
 * then sets at and the hint; during it the framer reads the hint and sets
 * ln_* when it frames a record, and reader.c reads at (ftab_meet); after
 * it the input layer reads ln_* to number lines without looking for their
 * newlines again. */
typedef struct rd_call {
    uint64_t at;         /* the seq + 1 of the first byte next() is given (0: not known), for ftab_meet */
    /* hint_p[0..hint_len) is one line, its first '\n' at hint_p[hint_len - 1],
     * found by the prefilter's scan (hint_len 0: none); rd_line_next takes
     * it for a line starting there */
    const char *hint_p;
    size_t hint_len;
    /* the framing of the record rd_line_next found in the p given to next(): */
    const char *ln_p;    /* that p (NULL: no framing to reuse) */
    size_t ln_off;       /* the record's offset in it (rec_off then) */
    size_t ln_used;      /* the bytes used (*used then) */
    uint32_t ln_pre;     /* '\n' in p[0..ln_off): the blank lines stepped over */
    bool ln_nl;          /* p[ln_off..ln_used) ends in a '\n' (its only one) */
    /* the JSON Lines reader's index (json_index.h) of the line jx_p[0..jx->n)
     * it is walking, set only during the walk (NULL otherwise): json_member
     * reads its backslash mask instead of searching a string value for one */
    const struct jx *jx;
    const char *jx_p;
} rd_call_t;

/* The context of one input, shared by the input layer and the reader. */
typedef struct rd_ctx {
    ftab_t *ft;          /* field names (borrowed) */
    arena_t *arena;      /* batch arena for decoded strings (borrowed) */
    const char *name;    /* input name for messages (borrowed) */
    void *st;            /* the reader's state from open() */
    /* set by next() for each record or rejection: */
    size_t rec_off;      /* offset of the record's first byte in next()'s p */
    unsigned reason;     /* enum rd_reason, with RD_REJECT */
    pstr_t text;         /* the record's text (line, CSV row, map JSON) */
    /* set through rd_note, reset by the input layer before each next(): */
    pstr_t raw;          /* the record's own _raw value */
    uint32_t spmask;     /* bit k: special k was seen, its value in spv[k] */
    pstr_t spv[RD_NSPECIAL];
    bool has_time;       /* rd_time was called: time_ms is the record's _messageTime */
    int64_t time_ms;     /* epoch ms UTC */
    pstr_t defcat;       /* rd_category: the reader's default _sourceCategory (static or batch bytes) */
    uint64_t pos;        /* binary formats: the number reported for the record in place of its
                          * line (an evtx EventRecordID), >= 1 */
    rd_call_t call;      /* what the input layer and the line framer tell each other about one
                          * next() call (see rd_call_t) */
    /* set by the input layer once per input: */
    int64_t ref_ms;      /* the input's reference time (file mtime, or now), for yearless dates */
    unsigned nthreads;   /* threads the reader may use for this input (-j), >= 1 */
    bool quiet;          /* --quiet: the reader prints no notes */
    rd_kslot_t kc[RD_KCACHE]; /* keys seen, by a hash of their bytes (JSON readers) */
    rd_kslot_t ks[RD_KSHAPE]; /* the key last seen at each position: records of one
                               * source repeat their keys in order, so one compare finds it */
    /* Other mux readers' states for lines the input's reader skipped
     * (opened on first use, closed with the input), and their records. */
    void *mux_st[IN_MAXFORMATS];
    uint64_t mux_recs[IN_MAXFORMATS];
} rd_ctx_t;

/* One line of input, as the format vote and the line framer show it
 * (views into the line). */
typedef struct rd_line {
    pstr_t text;         /* the line without its terminator and surrounding blanks */
    sl_hdr_t sl;         /* its syslog header (sl.kind SL_NONE: none, sl.body = text) */
    pstr_t body;         /* the message: sl.body, a bare `<PRI>` dropped, a `tag` holding '=' kept */
} rd_line_t;

/* A log format. */
typedef struct rd_impl {
    rd_format_t pub;     /* name, description, detection and fills (listed in rd_formats[]) */
    /* 0..100: how much the first bytes of an input look like this format
     * (for formats known by their start: a header, a document); may be NULL. */
    int (*probe)(const char *p, size_t n);
    /* 0..100: how much one of the first lines looks like this format; the
     * input's vote is the average over up to 20 non-blank lines (see
     * input_vote.c). May be NULL. */
    int (*line)(const rd_line_t *l);
    /* Per-input state (heap, or NULL when none is needed). */
    void *(*open)(rd_ctx_t *c);
    /* Read one record from p[0..n) (eof: nothing follows). Sets *used to
     * the bytes consumed (also with RD_MORE, for skipped blank lines);
     * values set in rec borrow p or c->arena. The bytes not consumed stay
     * where they are, unchanged, until next() returns RD_MORE (only then
     * does the input layer move or refill its buffer) or close(): a reader
     * may go on reading them, in other threads too, between calls (the
     * evtx reader decodes chunks ahead this way). */
    rd_status_t (*next)(rd_ctx_t *c, const char *p, size_t n, bool eof, size_t *used, record_t *rec);
    /* Free the state from open. */
    void (*close)(void *st);
    bool line_sync;      /* after a too-long record, go on at the next line (else drop the input's rest) */
    uint8_t split;       /* a large plain file may be cut into ranges read by threads (input_lanes.c):
                          * 0: no, read serially (multi-line records, or state across records);
                          * 1: records end at every '
' and need nothing of the lines before
                          * (JSON Lines, one syslog message a line); 2: at '
' outside double
                          * quotes, after a header row every range is given (CSV); 3: at every
                          * '
', after a block of '#' header lines every range is given, unless
                          * another header block follows the data (Zeek TSV, pfirewall's #Fields:
                          * then serially). A line reader's yearless dates are placed from the
                          * file's mtime in every range (the same years as serially for logs
                          * spanning under 11 months) */
    bool sep_of_header;  /* split 2: cells are separated as the header's are (csv_sep_of), not by ',' */
    uint8_t prefilter;   /* raw-byte prefilter: 0 none, 1 JSON keys are the field names,
                          * 2 CSV columns through colmap */
    bool binary;         /* a binary format: no lines are counted; c->pos numbers each record */
    bool mux;            /* one record a line, maybe behind a syslog header; next() reads one
                          * line a call and skips (RD_SKIP) a line of another format, which
                          * another mux reader may then read (a syslog file mixing sources) */
    /* Column of field id in the current input, -1 when the header has no
     * such column, -2 before the header is read; for FIELD_NONE the number
     * of columns. NULL for formats without columns. */
    int (*colmap)(void *st, uint32_t id);
    /* The column the record's _messageTime certainly comes from (the
     * --from/--to prefilter): *ms true for a Sumo time key (_messageTime:
     * an integer of epoch ms), false for a timestamp key (dt_parse); -1
     * when unsure or none, -2 before the header. NULL: never. */
    int (*timecol)(void *st, bool *ms);
} rd_impl_t;

#define X(r) extern const rd_impl_t r;
RD_READERS(X)
#undef X

/* ==== the reader toolkit (reader.c, reader_text.c) ===================
 *
 * One way for every reader to turn its bytes into a record: native names
 * looked up once (rd_lookup, rd_set, rd_json_member); one map table type
 * from native names to schema fields (rd_map_t, rd_maptab_t); one
 * accumulator per record that collects the schema values and writes them
 * once (rd_acc_t); one line framer with syslog header stripping
 * (rd_line_next); and the cutters and checks of text formats. Views
 * borrow the reader's bytes (the input buffer) or c->arena; nothing here
 * allocates on the heap but rd_base_alloc. */

/* ---- native names (reader.c) ---- */

/* Field id to fill for key (raw bytes, escaped when esc) seen as member
 * number pos of a record (pos >= RD_KCACHE: not cached; otherwise the
 * answer is cached by the key's bytes), or FIELD_NONE
 * when the query does not read it; *sp gets its enum rd_special. Interns
 * new names when ft->want_all; marks found fields seen. Decoded keys are
 * copied into the batch arena only for the lookup. */
uint32_t rd_lookup(rd_ctx_t *c, unsigned pos, pstr_t key, bool esc, int *sp);
/* Record the value of special key sp (RD_SP_NONE is ignored); null
 * values are not recorded. */
void rd_note(rd_ctx_t *c, int sp, value_t v);
/* The record's _messageTime (epoch ms UTC), as the reader knows it best;
 * it wins over any special time key. */
void rd_time(rd_ctx_t *c, int64_t ms);
/* The reader's default _sourceCategory for this record, used when the
 * record has none and --category is not given (cat lives as long as the
 * batch: a static string or bytes of the input). */
void rd_category(rd_ctx_t *c, pstr_t cat);

/* How rd_set and rd_json_member treat a native value (bits). */
enum {
    RD_KEEP = 1,    /* a field that already holds a value keeps it (the first key wins) */
    RD_NONOTE = 2,  /* a special key (timestamp, _raw) is not noted for _messageTime */
    RD_NEED = 4     /* rd_json_member: decode the value even when nothing reads it */
};
/* Set native field key (raw bytes, not escaped) to v when the query
 * reads it, and note it when it is a special key; how: RD_KEEP,
 * RD_NONOTE. pos is the key-cache position (RD_KCACHE: not cached). */
void rd_set(rd_ctx_t *c, unsigned pos, pstr_t key, value_t v, record_t *rec, unsigned how);
/* One JSON member val (a value view) of a record under key (escaped when
 * esc): set natively when the query reads it, noted when it is a special
 * key (unless RD_NONOTE). Returns its value (strings decoded into
 * c->arena, numbers as text) when it was set or noted or how has
 * RD_NEED, else a null value. */
value_t rd_json_member(rd_ctx_t *c, unsigned pos, pstr_t key, bool esc, pstr_t val, unsigned how, record_t *rec);
/* Resolve names[0..n) once per input: ids[k] is the field to set for
 * names[k], FIELD_NONE when the query does not read it or names[k] is
 * NULL. */
void rd_ids(rd_ctx_t *c, const char *const *names, unsigned n, uint32_t *ids);

/* ---- map tables: native names to schema fields (reader.c) ---- */

/* How a value becomes a schema value when the accumulator writes it.
 * ORDER CONV: rd_acc_emit (RD_HOST and the times last: written even where
 * the field itself is not read). */
enum rd_conv {
    RD_TEXT,     /* as logged */
    RD_IP,       /* schema_ip */
    RD_NUM,      /* schema_number */
    RD_PROTO,    /* schema_protocol */
    RD_DIR,      /* schema_direction (true/false, %%14593, egress/ingress, outbound/inbound, …) */
    RD_DIR01,    /* CEF deviceDirection: 0 inbound, 1 outbound */
    RD_DIR12,    /* OCSF direction_id: 1 inbound, 2 outbound, 3 lateral (internal) */
    RD_OCSFACT,  /* OCSF activity_id: 1 Open, 2 Close, 3 Reset, 4 Fail, 5 Refuse, 6 Traffic */
    RD_OUTCOME,  /* schema_outcome: a verdict word (deny, accept, pass, …) as blocked, allowed or failed */
    RD_OCSFOUT,  /* OCSF activity_id as an outcome: 4 Fail and 5 Refuse are failed */
    RD_HOST,     /* as logged; also _sourceHost where the record has none */
    RD_TIME,     /* _messageTime: ISO-8601 or epoch (dt_parse) */
    RD_DEVTIME   /* _messageTime: rd_devtime (also `MMM dd [yyyy] HH:mm:ss`), yearless by the clock */
};

/* A slot of the accumulator: a schema field (enum sc_field), or RD_OWN + k
 * (k < RD_NOWN), a value the reader reads back (rd_acc_get) for its own
 * decisions and the accumulator never writes. */
#define RD_OWN SC_N
#define RD_NOWN 16
#define RD_NSLOT (SC_N + RD_NOWN)

/* One native name and the slot it fills. */
typedef struct rd_map {
    const char *name;  /* the native name (static) */
    uint8_t n;         /* its length */
    uint8_t slot;      /* enum sc_field, or RD_OWN + k */
    uint8_t conv;      /* enum rd_conv */
    uint8_t rank;      /* when several names fill one slot, the lowest rank wins */
} rd_map_t;
/* The rank of a value that only fills a field the record does not hold
 * yet (rd_acc_syslog's host): worse than any table's. */
#define RD_RANK_FILL 255
/* An rd_map_t initialiser for a string literal name. */
#define RD_MAP(name, slot, conv, rank) {name, sizeof(name) - 1, slot, conv, rank}

/* How a table's names match a key. */
enum rd_match {
    RD_EXACT,  /* byte for byte */
    RD_ICASE,  /* ASCII case ignored */
    RD_DOTS    /* ASCII case ignored, and a '.' of the name also matches '_' (Zeek) */
};

/* A map table: one format's native names. */
typedef struct rd_maptab {
    const rd_map_t *e;  /* the entries (static) */
    uint16_t n;         /* their number */
    uint8_t match;      /* enum rd_match */
} rd_maptab_t;
/* An rd_maptab_t initialiser for a static array of entries. */
#define RD_MAPTAB(arr, match) {arr, (uint16_t)(sizeof arr / sizeof arr[0]), match}

/* The entry of t for native name key, or NULL. */
const rd_map_t *rd_map_find(const rd_maptab_t *t, pstr_t key);
/* What a native key is to a reader: rd_lookup's answer and its map entry. */
typedef struct rd_key {
    uint32_t id;        /* the field to set, FIELD_NONE when the query does not read it */
    int sp;             /* enum rd_special */
    const rd_map_t *m;  /* its entry in the reader's table, NULL when none (or the key is escaped) */
} rd_key_t;
/* rd_lookup and rd_map_find(t, key) at once (t may be NULL), both cached
 * by the key's bytes: the one lookup of a native key per record. */
rd_key_t rd_key(rd_ctx_t *c, unsigned pos, pstr_t key, bool esc, const rd_maptab_t *t);
/* rd_json_member of a key already looked up with rd_key (with the
 * reader's map table: one lookup gives the field and the map entry). */
value_t rd_json_value(rd_ctx_t *c, rd_key_t k, pstr_t val, unsigned how, record_t *rec);
/* A cell position that fills a slot, for readers of cells known by position. */
typedef struct rd_col {
    unsigned col;       /* the cell's position */
    const rd_map_t *m;  /* its entry in the reader's table */
} rd_col_t;
/* Resolve names[0..n) once per input (cells known by position): the
 * positions whose names t maps, in order, into out (room for n); returns
 * how many. NULL names are no cell's. */
unsigned rd_map_cols(const rd_maptab_t *t, const char *const *names, unsigned n, rd_col_t *out);

/* ---- the accumulator: one record's schema values (reader.c) ---- */

/* How an accumulator keeps and writes values (bits). */
enum {
    RD_ACC_TRIM = 1,   /* values are trimmed of blanks before they are kept */
    RD_ACC_LAST = 2,   /* of two values of one rank the later wins (else the earlier) */
    RD_ACC_EMPTY = 4,  /* an empty RD_TEXT value is kept, and written as empty text */
    RD_ACC_FILL = 8    /* every value fills only fields the record does not hold yet */
};

/* A record's values by slot, collected while the reader reads it, then
 * written once by rd_acc_emit. Lives on the reader's stack; its views
 * borrow the reader's bytes. */
typedef struct rd_acc {
    const sc_ids_t *ids;    /* schema fields the query reads (borrowed) */
    sl_clock_t *clock;      /* places yearless RD_DEVTIME dates (borrowed, may be NULL) */
    unsigned flags;         /* RD_ACC_* */
    uint64_t has;           /* bit s: slot s holds a value */
    bool has_ms;            /* ms is a _messageTime to use when the record has no other */
    int64_t ms;             /* epoch ms UTC (the syslog header's time) */
    pstr_t v[RD_NSLOT];     /* the values as logged */
    uint8_t conv[RD_NSLOT]; /* their enum rd_conv */
    uint8_t rank[RD_NSLOT]; /* their rank */
} rd_acc_t;

/* Start a record's accumulator: ids and clock (may be NULL) are borrowed
 * until rd_acc_emit; flags RD_ACC_*. */
void rd_acc_init(rd_acc_t *a, const sc_ids_t *ids, sl_clock_t *clock, unsigned flags);
/* Keep value v (conversion conv, rank rank) in slot s (< RD_NSLOT): when
 * the slot has no value yet or rank is better than the one it has (at an
 * equal rank, the later value wins with RD_ACC_LAST). Empty values are
 * ignored (but see RD_ACC_EMPTY). Inline: readers call it for every
 * mapped value. */
static inline void rd_acc_keep(rd_acc_t *a, unsigned s, unsigned conv, unsigned rank, pstr_t v) {
    uint64_t bit = (uint64_t)1 << s;
    unsigned fl = a->flags;
    if (fl & RD_ACC_TRIM) v = pstr_trim(v);
    if (!v.n && !((fl & RD_ACC_EMPTY) && conv == RD_TEXT)) return;
    if ((a->has & bit) && (rank > a->rank[s] || (rank == a->rank[s] && !(fl & RD_ACC_LAST)))) return;
    a->v[s] = v;
    a->conv[s] = (uint8_t)conv;
    a->rank[s] = (uint8_t)rank;
    a->has |= bit;
}
/* Offer value v of the native name m (rd_acc_keep with m's slot,
 * conversion and rank). */
static inline void rd_acc_put(rd_acc_t *a, const rd_map_t *m, pstr_t v) {
    rd_acc_keep(a, m->slot, m->conv, m->rank, v);
}
/* rd_acc_keep of v for slot with conversion conv at rank 0. */
static inline void rd_acc_set(rd_acc_t *a, unsigned slot, unsigned conv, pstr_t v) { rd_acc_keep(a, slot, conv, 0, v); }
/* rd_acc_put through t's entry for key; false when t has none. */
bool rd_acc_key(rd_acc_t *a, const rd_maptab_t *t, pstr_t key, pstr_t v);
/* True when slot (< RD_NSLOT) holds a value (an empty one too, with RD_ACC_EMPTY). */
static inline bool rd_acc_has(const rd_acc_t *a, unsigned slot) { return a->has >> slot & 1; }
/* True when the query reads schema field f (< SC_N): a value the reader
 * would have to work out for it is worth the work. */
static inline bool rd_acc_wants(const rd_acc_t *a, unsigned f) { return a->ids->id[f] != FIELD_NONE; }
/* The value slot holds (as logged), PSTR_NULL when none. */
static inline pstr_t rd_acc_get(const rd_acc_t *a, unsigned slot) {
    return rd_acc_has(a, slot) ? a->v[slot] : PSTR_NULL;
}
/* Forget slot's value. */
void rd_acc_clear(rd_acc_t *a, unsigned slot);
/* Unless the record has an outcome, its action's verdict word is its
 * outcome (RD_OUTCOME; an OCSF activity_id through RD_OCSFOUT): deny,
 * accept, pass, succeeded, failed … (docs/schema.md §1.2). */
void rd_acc_outcome(rd_acc_t *a);
/* Exchange the values of two slots (rank and conversion go with them). */
void rd_acc_swap(rd_acc_t *a, unsigned s1, unsigned s2);
/* What a syslog header adds to the record read from its message: its
 * host is _sourceHost, and host where the record names none; its time is
 * _messageTime when the record has none. */
void rd_acc_syslog(rd_acc_t *a, const sl_hdr_t *h);
/* Write the schema values into rec, once: each converted (enum rd_conv)
 * and set where the query reads it (with RD_ACC_FILL only where rec has
 * no value); a time goes to rd_time. */
void rd_acc_emit(rd_ctx_t *c, rd_acc_t *a, record_t *rec);

/* ---- a reader's state (reader.c) ---- */

/* What a reader's state can start with: the schema ids of the query and
 * the clock that places yearless dates. */
typedef struct rd_base {
    sc_ids_t ids;        /* schema fields the query reads */
    sl_clock_t clock;    /* years for yearless dates, started at c->ref_ms */
} rd_base_t;

/* A zeroed state of size bytes (>= sizeof(rd_base_t), starting with one)
 * on the heap, its rd_base_t set up for c's query and input; the reader
 * owns it until rd_base_close. */
void *rd_base_alloc(rd_ctx_t *c, size_t size);
/* An rd_base_t alone (an rd_impl_t open). */
void *rd_base_open(rd_ctx_t *c);
/* Free a state from rd_base_alloc or rd_base_open (NULL is fine). */
void rd_base_close(void *st);

/* ---- lines (reader_text.c) ---- */

/* How rd_line_next frames a line (bits). */
enum {
    RD_LN_SYSLOG = 1,  /* parse its syslog header into l->sl and set l->body */
    RD_LN_RAW = 2      /* keep the blanks around the line (a CR before its newline is dropped) */
};
/* Fill l from text: its syslog header (yearless dates placed by k, which
 * may be NULL) and its message body. */
void rd_line_parse(rd_line_t *l, pstr_t text, sl_clock_t *k);
/* Frame the next non-blank line of p[0..n) (eof: nothing follows): sets
 * c->rec_off, c->text (the line, trimmed unless RD_LN_RAW) and *used.
 * Returns RD_REC with *l filled (with RD_LN_SYSLOG its header parsed, by
 * clock k; without, l->body is the line and only l->sl.kind is set, to
 * SL_NONE), RD_MORE when the line does not end inside the buffer, RD_END
 * at the end of input. */
rd_status_t rd_line_next(rd_ctx_t *c, const char *p, size_t n, bool eof, unsigned how, sl_clock_t *k, size_t *used,
                         rd_line_t *l);
/* rd_line_next (without RD_LN_SYSLOG or RD_LN_RAW) for the line at p[0],
 * whose first byte is no blank and whose '\n' its reader found at
 * p[len]: the same framing, without looking for the newline. */
rd_status_t rd_line_at(rd_ctx_t *c, const char *p, size_t len, size_t *used, rd_line_t *l);
/* What a reader does with one of its header lines (ud: its state). */
typedef void (*rd_hdr_fn)(rd_ctx_t *c, void *ud, pstr_t line);
/* rd_line_next for formats whose header lines open with '#' (Zeek TSV,
 * pfirewall.log): each such line is handed to hdr and consumed, then the
 * next other line is framed (c->rec_off counts from p; *used covers the
 * header lines too, also with RD_MORE). */
rd_status_t rd_line_data(rd_ctx_t *c, const char *p, size_t n, bool eof, unsigned how, size_t *used, rd_line_t *l,
                         rd_hdr_fn hdr, void *ud);
/* A line reader's work on one framed line: RD_REC (rec filled),
 * RD_REJECT (c->reason set) or RD_SKIP (a line of another format). st
 * is the reader's state, which starts with an rd_base_t. */
typedef rd_status_t (*rd_line_fn)(rd_ctx_t *c, void *st, const rd_line_t *l, record_t *rec);
/* The next() of a reader of one record a line behind an optional syslog
 * header: frames one line (RD_LN_SYSLOG, the clock of the rd_base_t at
 * c->st) and hands it to fn. */
rd_status_t rd_line_record(rd_ctx_t *c, const char *p, size_t n, bool eof, size_t *used, record_t *rec,
                           rd_line_fn fn);

/* Frame the next JSON-object line of p[0..n) for a line-based JSON reader:
 * blank lines are skipped, c->rec_off, c->text and used are set, a line that
 * is not an object is rejected (RD_REJECT with its reason). With syslog
 * (readers whose vote takes JSON in syslog, rd_json_text), a syslog header
 * before the object is stepped over and a syslog line whose message is no
 * object is skipped (RD_SKIP). RD_REC gives the trimmed object text in
 * *obj for the reader to fill the record from. */
rd_status_t rd_json_line(rd_ctx_t *c, const char *p, size_t n, bool eof, size_t *used, bool syslog, pstr_t *obj);
/* The JSON object text a vote line holds: the line when it opens '{', or
 * its syslog message when that does (JSON relayed through syslog, as
 * osquery's syslog logger and sensors that send JSON over syslog write
 * it); empty otherwise. rd_json_line with syslog reads such lines. */
pstr_t rd_json_text(const rd_line_t *l);

/* Number of '\n' in p[0..n). */
static inline uint64_t rd_count_nl(const char *p, size_t n) {
    uint64_t k = 0;
    const char *e = p + n;
    while (p < e && (p = memchr(p, '\n', (size_t)(e - p))) != NULL) {
        k++;
        p++;
    }
    return k;
}

/* ---- JSON objects (reader.c) ---- */

/* The members of the JSON object s[0..n) into rec as native fields
 * (rd_json_member). Returns false on malformed JSON. Shared by the JSON
 * Lines and Sumo readers. */
bool rd_json_object(rd_ctx_t *c, const char *s, size_t n, record_t *rec);
/* Which keys of a JSON object a projected read (the query reads only the
 * fields it names) looks up: a key is let through when its length (modulo
 * RD_KF_LEN) and its first, middle and last bytes (their low five bits,
 * which fold ASCII case) are those of a name that can fill a field or a
 * special. A key that could is never stopped. */
#define RD_KF_LEN 64
typedef struct rd_kfilt {
    bool on;                   /* false: every key is read (the query reads every field; masks all ones) */
    uint32_t first[RD_KF_LEN]; /* by key length modulo RD_KF_LEN: the first bytes' bits of the names */
    uint32_t mid[RD_KF_LEN];   /* the same of their middle (n / 2) bytes */
    uint32_t last[RD_KF_LEN];  /* the same of their last bytes */
} rd_kfilt_t;
/* Set f up for the reads of c's field table (its wanted fields and
 * skipped metadata, fixed for a run) and the fields no record has carried
 * yet (ftab's seen; set up again now and then, the names of fields seen
 * since then stop mattering). */
void rd_kfilt_init(rd_ctx_t *c, rd_kfilt_t *f);
struct jx;
/* rd_json_object for the text s[0..n) indexed by the caller (x: its masks,
 * json_index.h, of exactly s[0..n)), the keys f stops (when on) skipped
 * unlooked-up: the same answer and record. s[n] must be readable (the
 * line's newline or blank, say). */
bool rd_json_object_ix(rd_ctx_t *c, const char *s, size_t n, record_t *rec, const struct jx *x, const rd_kfilt_t *f);
/* Called by rd_walk for every member of an object: its dotted path
 * (bytes of the walker, valid during the call), its key and value view. */
typedef void (*rd_leaf_fn)(void *ud, pstr_t path, pstr_t key, pstr_t val);
/* Walk a JSON object depth first: every member under its dotted path
 * (prefix.key), objects before their members, up to 16 levels and paths
 * of 255 bytes. Escaped keys are decoded into c->arena. The text is
 * parsed once (nested objects are not skipped, then walked again).
 * Returns false, fn not called, when obj is not a valid object. */
bool rd_walk(rd_ctx_t *c, pstr_t obj, pstr_t prefix, rd_leaf_fn fn, void *ud);

/* ---- cutting text (reader_text.c) ---- */

/* A cursor over `key=value key="quoted value" bare …` text. */
typedef struct rd_kv {
    const char *p;  /* the text (borrowed) */
    size_t n, i;    /* its length, the next byte to read */
} rd_kv_t;

/* One token of rd_kv_next. */
typedef struct rd_tok {
    pstr_t key;     /* the key, or the whole bare word */
    pstr_t val;     /* the value (quotes dropped, escapes kept); PSTR_NULL for a bare word */
    bool bare;      /* a word without '=' */
    bool esc;       /* val holds a backslash escape (decode with rd_unescape) */
} rd_tok_t;

/* The next token at the cursor; false at the end of the text. A value
 * opening with '"' runs to the closing '"' (\" and \\ inside); otherwise
 * to the next blank. `[…]` groups (netfilter's embedded packet) are
 * stepped over. *bad is set (and false returned) for an unterminated
 * quote. */
bool rd_kv_next(rd_kv_t *s, rd_tok_t *t, bool *bad);

/* v with backslash escapes decoded: `\` + from[i] becomes to[i], other
 * backslashes are kept; with from NULL, `\x` becomes x for any x. v
 * itself when it holds no backslash, else a copy in arena a. */
pstr_t rd_unescape(pstr_t v, arena_t *a, const char *from, const char *to);

/* Cut line into comma-separated cells (RFC 4180 quotes: a quoted cell
 * may hold ',' and "" for '"'). Up to max cells are stored in cells;
 * returns how many the line has (possibly more than max), or -1 for an
 * unterminated quote. *quoted is set when any cell was quoted: such a
 * cell is stored with its quotes, for rd_csv_cell. */
long rd_csv_split(pstr_t line, pstr_t *cells, unsigned max, bool *quoted);
/* A cell from rd_csv_split as text: quotes dropped and "" decoded (into
 * arena a when it holds one). */
pstr_t rd_csv_cell(pstr_t cell, arena_t *a);
/* The text inside a quoted CSV cell with "" decoded: in itself when
 * has_dq is false, else a copy in arena a. */
pstr_t rd_csv_dequote(pstr_t in, bool has_dq, arena_t *a);

/* Split s at separators sep not escaped by a backslash into at most max
 * fields f[]; returns their number. When max fields were found, *rest is
 * the offset of what follows the max-th separator (the extension), else
 * s.n. Field bytes stay escaped. */
size_t rd_split(pstr_t s, char sep, pstr_t *f, size_t max, size_t *rest);
/* Table makers for an X-macro list of name literals: the names, their lengths. */
#define RD_NAME_STR(name) name,
#define RD_NAME_LEN(name) sizeof(name) - 1,
/* The header cells f[0..n) of a CEF or LEEF line as native fields
 * names[k] (of lengths lens[k]; key-cache positions 0..n-1), `\|` and
 * `\\` decoded, each only when the query reads it or it is special. */
void rd_header_cells(rd_ctx_t *c, const char *const *names, const uint8_t *lens, const pstr_t *f, unsigned n,
                     record_t *rec);
/* Where marker (`CEF:`, `LEEF:`) starts in line, -1 when absent: at the
 * start or after a blank, ':' or '>'. The syslog header in front of it
 * (if any) is parsed into *h with clock k. */
long rd_marker(pstr_t line, const char *marker, sl_clock_t *k, sl_hdr_t *h);

/* True when v is an IPv4 dotted quad or an IPv6 address (hex groups,
 * '::', an embedded IPv4 tail, a %zone), optionally in [brackets]. */
bool rd_ip_ok(pstr_t v);
/* True when v is a decimal port 0..65535. */
bool rd_port_ok(pstr_t v);
/* The verdict a free text (a netfilter log prefix: "[UFW BLOCK]",
 * "IPTABLES-DROP:", "policy ACCEPT") names: its last word of letters
 * outside double quotes that schema_outcome reads as blocked or
 * allowed; empty when none. */
pstr_t rd_verdict(pstr_t text);
/* A byte or packet count as logged ("0", " 42", "7.0"): 0 when it is
 * zero, 1 when it is above, -1 when v is empty or no whole number. */
int rd_count_sign(pstr_t v);

/* A timestamp as devices write it (CEF, LEEF, OCSF): what dt_parse reads
 * (epoch seconds or ms, ISO-8601), or "MMM dd [yyyy] HH:mm:ss[.SSS]
 * [zone]" (zone Z, UTC, GMT or an offset; none: UTC; no year: placed by
 * k, none without k). */
bool rd_devtime(pstr_t v, sl_clock_t *k, int64_t *ms);
/* A timestamp by a Java SimpleDateFormat pattern (LEEF devTimeFormat) as
 * dt_parse_java reads it (UTC unless the text has an offset); a date
 * without a year is placed by k (no time without k). */
bool rd_javatime(pstr_t v, pstr_t pat, sl_clock_t *k, int64_t *ms);

/* The CSV reader's entry points, shared with the Sumo CSV descriptor. */
void *csv_open(rd_ctx_t *c);
rd_status_t csv_next(rd_ctx_t *c, const char *p, size_t n, bool eof, size_t *used, record_t *rec);
void csv_close(void *st);
int csv_colmap(void *st, uint32_t id);
/* The CSV reader's timecol (rd_impl_t). */
int csv_timecol(void *st, bool *ms);
/* The CSV row framer for readers of CSV whose columns they map
 * themselves (azure-csv, argus), with st from csv_open: the next
 * non-blank row of p[0..n) (quoted cells may span lines) as *ncell cells
 * in *cells, quotes dropped and "" decoded (into c->arena); the array is
 * st's, valid until the next call. Sets c->rec_off, c->text and *used as
 * next() does; RD_REC, RD_REJECT (an unterminated quote, c->reason set),
 * RD_MORE or RD_END. The header is a row like any other. */
rd_status_t csv_cells(rd_ctx_t *c, void *st, const char *p, size_t n, bool eof, size_t *used, const pstr_t **cells,
                      unsigned *ncell);
/* Cells of st's rows are separated by sep (',' until set; '\t' for TSV). */
void csv_set_sep(void *st, char sep);
/* A header row's cells, for the reader to map its columns (ud: the
 * reader's state). */
typedef void (*csv_hdr_fn)(rd_ctx_t *c, void *ud, const pstr_t *cells, unsigned ncell);
/* csv_cells for CSV with a header row: the first row is handed to hdr
 * (its separator, ',' or a TAB when it has TABs and no comma, is every
 * row's), then each data row comes back as RD_REC with as many cells as
 * the header has; a row of another width is rejected (RD_R_COLS). */
rd_status_t csv_data_row(rd_ctx_t *c, void *st, const char *p, size_t n, bool eof, size_t *used,
                         const pstr_t **cells, unsigned *ncell, csv_hdr_fn hdr, void *ud);
/* The separator of a header line: a TAB when it has one and no comma. */
char csv_sep_of(pstr_t header);

/* Where CSV text stands as csv_row reads it, byte after byte: at the
 * start of a cell, in a cell's plain text (a '"' there is text), inside a
 * quoted cell, or just past a '"' inside one (it closes the cell, or
 * another follows). A record starts after a '\n' read in any but
 * CSV_QUOTED. For cutting a file at record starts without reading it
 * (input_lanes.c). */
enum csv_state { CSV_CELL, CSV_TEXT, CSV_QUOTED, CSV_QUOTE };
/* The state after p[0..n) read from state st, cells separated by sep. */
int csv_walk(const char *p, size_t n, char sep, int st);
/* The index just past the first record end in p[0..n) read from state
 * *st (*st is then CSV_CELL), or -1 when there is none (*st is then the
 * state after p[0..n)). */
long csv_record_end(const char *p, size_t n, char sep, int *st);
/* The cells of the first non-blank line of p[0..n) when it looks like a
 * CSV header: calls fn for each (unquoted, trimmed) name; returns the
 * number of columns, 0 when it is not a header. */
unsigned csv_header_probe(const char *p, size_t n, void (*fn)(pstr_t name, void *ud), void *ud);

#endif
