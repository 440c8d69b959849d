/* reader.h — the interface a log reader implements (and input.c drives).
 *
 * input.c owns the byte buffer, decompression, line numbers, the batch
 * arena and the record; a reader owns only its per-input state (from
 * open, freed by close) and turns buffered bytes into field values. Each
 * format is one rd_impl_t descriptor; RD_READERS lists them once and
 * generates both the probe order and the public rd_formats[] table.
 */
#ifndef POSTERN_READER_H
#define POSTERN_READER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "input.h"
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
    X(RD_R_AUDIT, "malformed audit record")

enum rd_reason {
#define X(id, text) id,
    RD_REASONS(X)
#undef X
    RD_NREASON
};

/* Keys that matter even when the query does not read them: the record's
 * own _raw, and timestamp fields, best first (_messageTime is made from
 * the first one that parses). ORDER SPECIAL: rd_special_name[]. */
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
    X(RD_SP_RECEIPTTIME, "_receipttime")

enum rd_special {
    RD_SP_NONE = -1,
#define X(id, name) id,
    RD_SPECIALS(X)
#undef X
    RD_NSPECIAL
};

/* What next() reports. */
typedef enum rd_status {
    RD_REC,    /* a record was filled */
    RD_REJECT, /* a malformed record was consumed; ctx.reason says why */
    RD_MORE,   /* the next record does not end inside the buffer: read more */
    RD_END,    /* at end of input, nothing left */
    RD_SKIP    /* a unit that is no record (a header, another format's line) was consumed */
} rd_status_t;

/* One slot of the key cache: a key seen before, in the slot its bytes hash to. */
typedef struct rd_kslot {
    char key[38];   /* the raw (still escaped) key bytes */
    uint8_t n;      /* their length, 0 = empty slot */
    int8_t sp;      /* enum rd_special */
    uint32_t id;    /* field to set, FIELD_NONE when the query does not read it */
} rd_kslot_t;

#define RD_KCACHE 64

/* The context of one input, shared by input.c and the reader. */
typedef struct rd_ctx {
    ftab_t *ft;          /* field names (borrowed) */
    arena_t *arena;      /* batch arena for decoded strings (borrowed) */
    const char *name;    /* input name for messages (borrowed) */
    void *st;            /* the reader's state from open() */
    /* set by next() for each record or rejection: */
    size_t rec_off;      /* offset of the record's first byte in next()'s p */
    unsigned reason;     /* enum rd_reason, with RD_REJECT */
    pstr_t text;         /* the record's text (line, CSV row, map JSON) */
    /* set through rd_note, reset by input.c before each next(): */
    pstr_t raw;          /* the record's own _raw value */
    uint32_t spmask;     /* bit k: special k was seen, its value in spv[k] */
    pstr_t spv[RD_NSPECIAL];
    bool has_time;       /* rd_time was called: time_ms is the record's _messageTime */
    int64_t time_ms;     /* epoch ms UTC */
    pstr_t defcat;       /* rd_category: the reader's default _sourceCategory (static or batch bytes) */
    /* set by input.c once per input: */
    int64_t ref_ms;      /* the input's reference time (file mtime, or now), for yearless dates */
    rd_kslot_t kc[RD_KCACHE]; /* keys seen, by a hash of their bytes (JSON readers) */
    /* Other mux readers' states for lines the input's reader skipped
     * (opened on first use, closed with the input), and their records. */
    void *mux_st[IN_MAXFORMATS];
    uint64_t mux_recs[IN_MAXFORMATS];
} rd_ctx_t;

/* One line of an input's first lines, as the format vote shows it. */
typedef struct rd_line {
    pstr_t text;         /* the line without its terminator and surrounding blanks */
    sl_hdr_t sl;         /* its syslog header (sl.kind SL_NONE: none, sl.body = text) */
} rd_line_t;

/* A log format. */
typedef struct rd_impl {
    rd_format_t pub;     /* name, description, detection and fills (listed in rd_formats[]) */
    /* 0..100: how much the first bytes of an input look like this format
     * (for formats known by their start: a header, a document); may be NULL. */
    int (*probe)(const char *p, size_t n);
    /* 0..100: how much one of the first lines looks like this format; the
     * input's vote is the average over up to 20 non-blank lines (see
     * input.c pick). May be NULL. */
    int (*line)(const rd_line_t *l);
    /* Per-input state (heap, or NULL when none is needed). */
    void *(*open)(rd_ctx_t *c);
    /* Read one record from p[0..n) (eof: nothing follows). Sets *used to
     * the bytes consumed (also with RD_MORE, for skipped blank lines);
     * values set in rec borrow p or c->arena. */
    rd_status_t (*next)(rd_ctx_t *c, const char *p, size_t n, bool eof, size_t *used, record_t *rec);
    /* Free the state from open. */
    void (*close)(void *st);
    bool line_sync;      /* after a too-long record, go on at the next line (else drop the input's rest) */
    uint8_t split;       /* 0: read serially; 1: records end at every '\n' (JSON Lines);
                          * 2: at '\n' outside double quotes (CSV) */
    uint8_t prefilter;   /* raw-byte prefilter: 0 none, 1 JSON keys are the field names,
                          * 2 CSV columns through colmap */
    bool mux;            /* one record a line, maybe behind a syslog header; next() reads one
                          * line a call and skips (RD_SKIP) a line of another format, which
                          * another mux reader may then read (a syslog file mixing sources) */
    /* Column of field id in the current input, -1 when the header has no
     * such column, -2 before the header is read; for FIELD_NONE the number
     * of columns. NULL for formats without columns. */
    int (*colmap)(void *st, uint32_t id);
} rd_impl_t;

#define X(r) extern const rd_impl_t r;
RD_READERS(X)
#undef X

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

/* JSON object members at s[i] (an object view) into rec through
 * rd_lookup, values through json_to_value. Returns false on malformed
 * JSON. Shared by the JSON Lines and Sumo readers. */
bool jsonl_object(rd_ctx_t *c, const char *s, size_t n, record_t *rec);

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

/* The CSV reader's entry points, shared with the Sumo CSV descriptor. */
void *csv_open(rd_ctx_t *c);
rd_status_t csv_next(rd_ctx_t *c, const char *p, size_t n, bool eof, size_t *used, record_t *rec);
void csv_close(void *st);
int csv_colmap(void *st, uint32_t id);
/* The cells of the first non-blank line of p[0..n) when it looks like a
 * CSV header: calls fn for each (unquoted, trimmed) name; returns the
 * number of columns, 0 when it is not a header. */
unsigned csv_header_probe(const char *p, size_t n, void (*fn)(pstr_t name, void *ud), void *ud);

/* Number of '\n' in p[0..n). */
uint64_t rd_count_nl(const char *p, size_t n);

#endif
