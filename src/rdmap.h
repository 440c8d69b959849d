/* rdmap.h — what the key=value and JSON-shaped readers share: a table
 * from native names to schema fields, text lines, timestamps.
 *
 * The CEF, LEEF, OCSF, osquery and auditd readers each describe their
 * native → schema mapping once, as an rm_map_t table; rm_acc_t collects a
 * record's values by schema field (a better-ranked native name wins) and
 * rm_acc_emit normalises and sets them. Values are views that borrow the
 * reader's bytes (the input buffer or c->arena); nothing here allocates
 * except into c->arena.
 */
#ifndef POSTERN_RDMAP_H
#define POSTERN_RDMAP_H

#include <stdbool.h>
#include <stdint.h>

#include "reader.h"
#include "schema.h"

/* How a native value becomes a schema value. ORDER CONV: rm_acc_emit. */
enum rm_conv {
    RM_TEXT,    /* as logged */
    RM_IP,      /* schema_ip */
    RM_NUM,     /* schema_number */
    RM_PROTO,   /* schema_protocol */
    RM_DIR,     /* schema_direction (true/false, egress/ingress, outbound/inbound) */
    RM_DIR01,   /* CEF deviceDirection: 0 inbound, 1 outbound */
    RM_DIR12,   /* OCSF direction_id: 1 inbound, 2 outbound */
    RM_HOST,    /* host; also _sourceHost when the record has none */
    RM_TIME,    /* _messageTime through rm_time */
    RM_OCSFACT  /* OCSF activity_id: 1 Open, 2 Close, 3 Reset, 4 Fail, 5 Refuse, 6 Traffic */
};

/* One native name that fills a schema field. */
typedef struct rm_map {
    const char *name;  /* the native name, exact bytes */
    uint8_t f;         /* enum sc_field */
    uint8_t conv;      /* enum rm_conv */
    uint8_t rank;      /* when two names fill one field, the lower rank wins */
} rm_map_t;

/* A record's schema values, collected before they are set. */
typedef struct rm_acc {
    pstr_t v[SC_N];      /* the value as logged (empty: none) */
    uint8_t conv[SC_N];  /* its enum rm_conv */
    uint8_t rank[SC_N];  /* its rank */
} rm_acc_t;

/* Index in t[0..n) of native name key (exact bytes), or -1. */
int rm_find(const rm_map_t *t, size_t n, pstr_t key);
/* Start a record. */
void rm_acc_init(rm_acc_t *a);
/* Offer value v of the native name m: kept when the field has no value
 * yet or m ranks better than the one it has. Empty values are ignored. */
void rm_acc_put(rm_acc_t *a, const rm_map_t *m, pstr_t v);
/* Normalise the collected values and set them in rec (schema fields the
 * query reads); a time goes to rd_time. k places yearless dates (may be
 * NULL). Normalised text borrows the values or static strings. */
void rm_acc_emit(rd_ctx_t *c, const sc_ids_t *ids, const rm_acc_t *a, sl_clock_t *k, record_t *rec);

/* Set native field key (raw bytes, not escaped) to v when the query reads
 * it; pos is the key-cache position (RD_KCACHE: not cached). When first,
 * a field that already holds a value keeps it. Timestamp-named keys are
 * noted for _messageTime as in JSON Lines. */
void rm_native(rd_ctx_t *c, unsigned pos, pstr_t key, value_t v, record_t *rec, bool first);

/* A timestamp as CEF and LEEF write it: what time_parse reads (epoch
 * seconds or ms, ISO-8601), or "MMM dd [yyyy] HH:mm:ss[.SSS] [zone]"
 * (zone Z, UTC, GMT or an offset; none: UTC; no year: placed by k, none
 * without k). */
bool rm_time(pstr_t v, sl_clock_t *k, int64_t *ms);
/* A timestamp by a Java SimpleDateFormat pattern (LEEF devTimeFormat) as
 * dt_parse_java reads it (UTC unless the text has an offset); a date
 * without a year is placed by k (no time without k). */
bool rm_time_java(pstr_t v, pstr_t pat, sl_clock_t *k, int64_t *ms);

/* Frame the next text line of p[0..n) for a line reader: blank lines are
 * skipped, a CR before the newline dropped, c->rec_off, c->text and
 * *used set. RD_REC gives the line in *line; RD_MORE/RD_END as reader.h. */
rd_status_t rm_line(rd_ctx_t *c, const char *p, size_t n, bool eof, size_t *used, pstr_t *line);

/* v with backslash escapes decoded: `\` + from[i] becomes to[i]; other
 * backslashes are kept. A view of v when it has none, else arena bytes. */
pstr_t rm_unescape(pstr_t v, arena_t *a, const char *from, const char *to);

/* The state of a reader that needs only these (heap, from rm_open). */
typedef struct rm_state {
    sc_ids_t ids;        /* schema fields the query reads */
    sl_clock_t clock;    /* years for yearless dates */
} rm_state_t;

/* A zeroed reader state of size bytes (>= sizeof(rm_state_t), starting
 * with one) on the heap, its rm_state_t set up for c's query and input;
 * owned by the reader until rm_close. */
void *rm_alloc(rd_ctx_t *c, size_t size);
/* An rm_state_t for c's query and input (an rd_impl_t open); rm_close frees it. */
void *rm_open(rd_ctx_t *c);
/* Free a state from rm_open or rm_alloc (NULL is fine). */
void rm_close(void *st);

/* What a syslog header adds to a record mapped from its message: its host
 * is _sourceHost (and host when the record named none), its time is
 * _messageTime when the record had none. */
void rm_syslog_fill(rd_ctx_t *c, const sc_ids_t *ids, const sl_hdr_t *h, record_t *rec);

/* Split s at separators sep not escaped by a backslash into at most max
 * fields f[]; returns their number. When max fields were found, *rest is
 * the offset of what follows the max-th separator (the extension), else
 * s.n. Field bytes stay escaped. */
size_t rm_split(pstr_t s, char sep, pstr_t *f, size_t max, size_t *rest);

/* Where marker (`CEF:`, `LEEF:`) starts in line, -1 when absent: at the
 * start or after a blank, ':' or '>'. The syslog header in front of it
 * (if any) is parsed into *h with clock k. */
long rm_marker(pstr_t line, const char *marker, sl_clock_t *k, sl_hdr_t *h);

/* One JSON member val (a value view) of a record under name key: set
 * natively when the query reads it, noted when it is a timestamp key.
 * Returns its value (strings decoded into c->arena, numbers as text)
 * when it was set or need is true, else a null value. */
value_t rm_json_member(rd_ctx_t *c, unsigned pos, pstr_t key, pstr_t val, bool need, record_t *rec);

/* Called by rm_walk for every member of an object: its dotted path
 * (bytes of the walker, valid during the call), its key and value view. */
typedef void (*rm_leaf_fn)(void *ud, pstr_t path, pstr_t key, pstr_t val);
/* Walk a JSON object depth first: every member under its dotted path
 * (prefix.key), objects before their members, up to 16 levels and paths
 * of 255 bytes. Escaped keys are decoded into c->arena. Returns false
 * when obj is not a valid object. */
bool rm_walk(rd_ctx_t *c, pstr_t obj, pstr_t prefix, rm_leaf_fn fn, void *ud);

#endif
