/* logline.h — what the readers of one-record-per-line text logs share.
 *
 * Firewall logs (netfilter, pf filterlog, PAN-OS, FortiGate, Cisco ASA)
 * travel through syslog, one record a line. ll_line frames the next line
 * and strips its syslog header; ll_kv_next walks `key=value` text (quoted
 * values, bare words); ll_csv_split cuts a CSV line into cells; ll_ip_ok
 * and ll_port_ok check what a reader is about to call an address or a
 * port; ll_conn_emit writes a connection into the schema. Every view
 * borrows the caller's line (or the batch arena, for decoded text):
 * nothing here allocates on the heap.
 */
#ifndef POSTERN_LOGLINE_H
#define POSTERN_LOGLINE_H

#include <stdbool.h>
#include <stddef.h>

#include "rdmap.h"
#include "reader.h"
#include "schema.h"

/* One framed line. Views borrow the input buffer given to ll_line. */
typedef struct ll_line {
    pstr_t text;   /* the line, blanks around it dropped (also c->text) */
    sl_hdr_t h;    /* its syslog header (h.kind SL_NONE: none) */
    pstr_t body;   /* the message: h.body, a bare `<PRI>` dropped, a `tag` holding '=' kept */
} ll_line_t;

/* Frame the next non-blank line of p[0..n) (eof: nothing follows) and
 * parse its syslog header, yearless dates placed by clock k (owned by the
 * reader, one per input). Sets c->rec_off, c->text and *used. Returns
 * RD_REC with *l filled, RD_MORE when the line does not end inside the
 * buffer, RD_END at the end of input. */
rd_status_t ll_line(rd_ctx_t *c, sl_clock_t *k, const char *p, size_t n, bool eof, size_t *used, ll_line_t *l);

/* What every line reader's state starts with (its first member): schema
 * ids and the clock for BSD syslog dates, allocated by rm_alloc and freed
 * by rm_close (rdmap.h). */
typedef rm_state_t ll_base_t;


/* A reader's work on one framed line: RD_REC (rec filled), RD_REJECT
 * (c->reason set) or RD_SKIP (a line of another format). st is the
 * reader's state from rm_alloc. */
typedef rd_status_t (*ll_record_fn)(rd_ctx_t *c, void *st, const ll_line_t *l, record_t *rec);

/* The next() of a line reader: frames one line with ll_line (the clock
 * of the ll_base_t at c->st) and hands it to fn. */
rd_status_t ll_next(rd_ctx_t *c, const char *p, size_t n, bool eof, size_t *used, record_t *rec, ll_record_fn fn);

/* A cursor over `key=value key="quoted value" bare …` text. */
typedef struct ll_kv {
    const char *p;  /* the text (borrowed) */
    size_t n, i;    /* its length, the next byte to read */
} ll_kv_t;

/* One token of ll_kv_next. */
typedef struct ll_tok {
    pstr_t key;     /* the key, or the whole bare word */
    pstr_t val;     /* the value (quotes dropped, escapes kept); PSTR_NULL for a bare word */
    bool bare;      /* a word without '=' */
    bool esc;       /* val holds a backslash escape (decode with ll_unescape) */
} ll_tok_t;

/* The next token at the cursor; false at the end of the text. A value
 * opening with '"' runs to the closing '"' (\" and \\ inside); otherwise
 * to the next blank. `[…]` groups (netfilter's embedded packet) are
 * stepped over. *bad is set (and false returned) for an unterminated
 * quote. */
bool ll_kv_next(ll_kv_t *s, ll_tok_t *t, bool *bad);

/* v with \" \\ (and any \x as x) decoded: v itself when it holds no
 * backslash, else a copy in arena a. */
pstr_t ll_unescape(pstr_t v, arena_t *a);

/* Cut line into comma-separated cells (RFC 4180 quotes: a quoted cell
 * may hold ',' and "" for '"'). Up to max cells are stored in cells;
 * returns how many the line has (possibly more than max), or -1 for an
 * unterminated quote. *quoted is set when any cell was quoted: such a
 * cell is stored with its quotes, for ll_csv_cell. */
long ll_csv_split(pstr_t line, pstr_t *cells, unsigned max, bool *quoted);
/* A cell from ll_csv_split as text: quotes dropped and "" decoded (into
 * arena a when it holds one). */
pstr_t ll_csv_cell(pstr_t cell, arena_t *a);

/* True when v is an IPv4 dotted quad or an IPv6 address (hex groups,
 * '::', an embedded IPv4 tail, a %zone), optionally in [brackets]. */
bool ll_ip_ok(pstr_t v);
/* True when v is a decimal port 0..65535. */
bool ll_port_ok(pstr_t v);

/* A connection as a firewall line tells it, in the schema's terms; NULL
 * views are left out. The views borrow the line or the batch arena. */
typedef struct ll_conn {
    pstr_t src_ip, src_port;    /* the side that opened it */
    pstr_t dest_ip, dest_port;  /* the side that accepted it */
    pstr_t protocol;            /* transport as logged (name or IANA number) */
    pstr_t direction;           /* "outbound" / "inbound", or empty */
    pstr_t bytes_out, bytes_in; /* payload counts as logged */
    pstr_t action;              /* what the device did, as logged */
    pstr_t user;                /* account, as logged */
    pstr_t host;                /* the device that logged it */
} ll_conn_t;

/* Write k into rec's schema fields (those ids names), normalised
 * (schema_ip, schema_number, schema_protocol); `host` also fills
 * _sourceHost when the syslog header h named no host. Sets the record's
 * time from h when has_time is false and h carries one, and its default
 * category cat (a static string). */
void ll_conn_emit(rd_ctx_t *c, const sc_ids_t *ids, const ll_conn_t *k, const sl_hdr_t *h, pstr_t cat,
                  record_t *rec);

/* Set native field key (raw bytes) to val through rd_lookup (pos: the
 * key's position in the record, for the key cache, or RD_KCACHE). */
void ll_set(rd_ctx_t *c, unsigned pos, pstr_t key, pstr_t val, record_t *rec);

/* Resolve names[0..n) once per input: ids[k] is the field to set for
 * column k, FIELD_NONE when the query does not read it or names[k] is
 * NULL. */
void ll_ids(rd_ctx_t *c, const char *const *names, unsigned n, uint32_t *ids);

#endif
