/* stream.h — streaming detection: rules over an endless stream of records.
 *
 * A stream_t runs compiled rules one record at a time (`postern detect
 * --follow`, `postern watch`, `postern validate`). Aggregate rules are
 * evaluated over tumbling windows of _messageTime; a signal (one NDJSON
 * line) is written the first time a group's partial result passes the
 * stages after the aggregate, at most once per group and window. The
 * stream borrows the rules and queries given to stream_new (they must
 * outlive it) and owns its field table, window state and output buffer.
 */
#ifndef POSTERN_STREAM_H
#define POSTERN_STREAM_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "ast.h"
#include "exec.h"
#include "field.h"
#include "rule.h"

/* The defaults, documented in postern(1) and stated on stderr at start. */
#define STREAM_DEFAULT_WINDOW_MS (15 * 60 * 1000)  /* --window 15m */
#define STREAM_DEFAULT_LATENESS_MS (60 * 1000)     /* --lateness 1m */
#define STREAM_DEFAULT_MAX_GROUPS 100000           /* --max-groups, per rule over its open windows */

/* Options of a stream. */
typedef struct stream_opts {
    int64_t window_ms;      /* tumbling window length (> 0) */
    int64_t lateness_ms;    /* how far behind the newest _messageTime a record may be (>= 0) */
    size_t max_groups;      /* live groups per rule; rows that would open another are dropped and counted */
    FILE *out;              /* where signals go (borrowed) */
    void (*on_signal)(void *ctx, const char *line, size_t n); /* also called with each signal line (may be NULL) */
    void *ctx;              /* on_signal's argument */
    int min_score;          /* signals whose severity_score is lower (or none) are not written (0: all are) */
    struct html_report *html; /* when set (report_html.h, borrowed): each group that signalled is added
                                 as its window closes, with its whole window's row (the queries
                                 should keep times: ruleset_keep_times) */
} stream_opts_t;

/* What a stream did; see stream_counts. */
typedef struct stream_counts {
    uint64_t records;        /* records fed */
    uint64_t in_scope;       /* records the rules' scopes kept (summed over rules) */
    uint64_t used;           /* rows that reached a rule's aggregate or end (summed) */
    uint64_t rx_limit;       /* regex tests that gave up at the match limit (summed) */
    uint64_t untimed;        /* records with no _messageTime (given the arrival time) */
    uint64_t late;           /* rows for a window already closed (dropped) */
    uint64_t over_cap;       /* rows dropped because their group would have gone past max_groups */
    uint64_t signals;        /* signals written */
    uint64_t windows_opened; /* window states created (all rules) */
    uint64_t windows_closed; /* window states freed */
    uint64_t open_windows;   /* window states alive now */
    uint64_t max_open_windows; /* most alive at once */
    uint64_t live_groups;    /* groups alive now (all rules) */
    uint64_t max_live_groups;/* most alive at once */
    uint64_t max_state_bytes;/* most bytes held by window states at once */
    int64_t watermark;       /* largest _messageTime seen (INT64_MIN before any) */
} stream_counts_t;

typedef struct stream stream_t;

/* A stream over the rules ru[0..n) with their compiled queries q[0..n)
 * (tunings already applied). Returns NULL with a one-line reason in why
 * when a rule cannot run on a stream (e.g. two aggregates). */
stream_t *stream_new(rule_t *ru, query_t **q, unsigned n, const exec_opts_t *eo, const stream_opts_t *o, char *why,
                     size_t whylen);
/* The field table records fed to the stream must use (input_run's ft). */
ftab_t *stream_ftab(stream_t *s);
/* Feed one record (an in_cb_t: ud is the stream). Returns 0, or -1 on a
 * write error on the output. */
int stream_feed(record_t *r, void *ud);
/* Close every window (end of input): frees their state. */
void stream_finish(stream_t *s);
/* The counters so far. */
void stream_counts(const stream_t *s, stream_counts_t *c);
/* Print "WHO: WHAT; aggregates over tumbling 15m windows of _messageTime,
 * lateness 1m; signals as NDJSON on stdout" on f (the start-up line). */
void stream_print_banner(const stream_t *s, const char *who, const char *what, FILE *f);
/* Print the counters as one line "WHO: stream: records=N ..." on f. */
void stream_print_counts(const stream_t *s, const char *who, FILE *f);
/* Print on f, for each rule, what it saw (coverage.h): the summary line
 * "postern: rule ID: read=N in_scope=N with_F=N ... signals=N" (unless
 * quiet) and the warnings when it could not see the data (errors under
 * strict), a file's malformed records counted from st's rejection log (st
 * may be NULL: none known). Returns the number of warnings. */
unsigned stream_report(const stream_t *s, const in_stats_t *st, bool quiet, bool strict, FILE *f);
/* Write "15m", "90s", "1h30m", "250ms" for ms into out. */
void stream_fmt_duration(int64_t ms, char *out, size_t outlen);
/* Parse a duration: a number with the unit ms, s, m, h or d ("15m",
 * "1h", "90s"; a bare number is seconds). Returns 0, or -1. */
int stream_parse_duration(const char *text, int64_t *ms);
/* Free s (closing its windows first). */
void stream_free(stream_t *s);

#endif
