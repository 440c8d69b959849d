/* syslog.h — the syslog header in front of a log message.
 *
 * sl_parse recognises RFC 5424 (`<PRI>1 TIMESTAMP HOST APP PROCID MSGID SD
 * MSG`), RFC 3164 (optional `<PRI>`, `Mmm dd hh:mm:ss HOST TAG[PID]: MSG`),
 * its variants with a year (`Mmm dd yyyy hh:mm:ss`, Cisco) or an RFC 3339
 * timestamp (rsyslog's high-precision format), and hands back views into
 * the line. A BSD timestamp has no year and no zone: an sl_clock_t, owned
 * by the caller (one per input), supplies the year; the time is read as UTC.
 */
#ifndef POSTERN_SYSLOG_H
#define POSTERN_SYSLOG_H

#include <stdbool.h>
#include <stdint.h>

#include "str.h"

/* Which header was found. */
typedef enum sl_kind {
    SL_NONE = 0, /* no syslog header: body is the whole line */
    SL_3164,     /* BSD layout (also with a year or an RFC 3339 time) */
    SL_5424      /* RFC 5424 */
} sl_kind_t;

/* Where a BSD timestamp's year comes from: the newest year-bearing time
 * seen in the input so far, else the reference the input started with
 * (the file's modification time, or now). */
typedef struct sl_clock {
    int64_t ref_ms;   /* epoch ms the next yearless date is placed near */
} sl_clock_t;

/* A parsed header. Every view borrows the line given to sl_parse. */
typedef struct sl_hdr {
    uint8_t kind;     /* sl_kind_t */
    bool has_time;    /* ms holds the header's time */
    bool zoned;       /* the time carried a zone or year (else: UTC and a guessed year) */
    int16_t pri;      /* <PRI> value, -1 when absent */
    int64_t ms;       /* the header's time, epoch ms UTC (when has_time) */
    pstr_t ts;        /* the timestamp text */
    pstr_t host;      /* HOSTNAME (empty when absent or "-") */
    pstr_t tag;       /* TAG / APP-NAME (empty when absent) */
    pstr_t pid;       /* [PID] / PROCID (empty when absent) */
    pstr_t msgid;     /* RFC 5424 MSGID (empty otherwise) */
    pstr_t sd;        /* RFC 5424 structured data, brackets included (empty for "-") */
    pstr_t body;      /* the message after the header (a BOM dropped) */
} sl_hdr_t;

/* Start a clock at ref_ms (epoch ms). */
void sl_clock_init(sl_clock_t *k, int64_t ref_ms);
/* Tell the clock about a year-bearing time read from the input (an
 * event's own UTC time, say), so later yearless dates land near it. */
void sl_clock_anchor(sl_clock_t *k, int64_t ms);

/* The epoch ms (UTC) of a yearless date as sl_parse places it: the year
 * that puts it at most 31 days after k's reference (k is not moved).
 * False when no such year fits (29 February). */
bool sl_place(const sl_clock_t *k, unsigned mo, unsigned d, unsigned h, unsigned mi, unsigned s, unsigned ms,
              int64_t *out);

/* Parse the header at the start of line. Returns false (h->kind SL_NONE,
 * h->body the whole line) when there is none. With k NULL a yearless
 * date gives no time; otherwise k places it (the year that puts it at
 * most 31 days after k's reference) and is moved to it. */
bool sl_parse(pstr_t line, sl_clock_t *k, sl_hdr_t *h);

#endif
