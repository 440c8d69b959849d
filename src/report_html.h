/* report_html.h — the HTML report of a detection run (detect --html).
 *
 * Findings are handed over rule by rule as detect makes them (decorated
 * by ruleset_decorate, with the RULESET_TIMES columns ruleset_keep_times
 * adds); at the end html_write writes one self-contained page: the run's
 * summary, the findings grouped by severity and rule with their MITRE
 * ATT&CK links, each rule's description, false positives and blind spots,
 * and per finding an inline SVG timeline of its connections. The page
 * fetches nothing (CSS inline, no script, a Content-Security-Policy that
 * forbids loading). Every text from the logs is HTML-escaped, its control
 * characters shown as \x1b or \u{202e}. An html_report_t owns copies of
 * the rows it is given; the rules and queries are borrowed and must
 * outlive it.
 */
#ifndef POSTERN_REPORT_HTML_H
#define POSTERN_REPORT_HTML_H

#include <stdint.h>
#include <stdio.h>

#include "ast.h"
#include "rule.h"
#include "table.h"

/* Connection times a finding keeps for its timeline (ruleset_keep_times's
 * keep): past this many distinct times the rest are counted, not drawn. */
#define HTML_TICKS 1000

typedef struct html_report html_report_t;

/* What the run did, for the summary at the top. */
typedef struct html_run {
    const char *command;           /* "detect" */
    const char *const *inputs;     /* the inputs as named on the command line (borrowed) */
    int ninputs;                   /* their number (0: stdin) */
    uint64_t records, files;       /* records and files read (files 0: not shown, a live source) */
    unsigned rules;                /* rules that ran */
    int64_t elapsed_ms;            /* the run's wall time */
    int64_t now_ms;                /* when it ran (epoch ms, shown in UTC) */
} html_run_t;

/* A new, empty report. */
html_report_t *html_new(void);
/* Add the findings t (rows of q's result, decorated) of rule ru: the rows
 * are copied; ru and q are borrowed until html_free. A rule given again
 * adds to its earlier findings. */
void html_add(html_report_t *h, const rule_t *ru, const query_t *q, const table_t *t);
/* Write the whole page to f. Returns 0, or -1 on a write error (errno). */
int html_write(const html_report_t *h, const html_run_t *run, FILE *f);
/* Open path (truncated) for a run's report, before the run: NULL when it
 * cannot be written, said on stderr as "WHO: cannot write PATH: why". */
FILE *html_open(const char *path, const char *who);
/* html_write to f, then close f (from html_open). Returns 0, or -1 when
 * either failed, said on stderr as html_open says it. */
int html_close(const html_report_t *h, const html_run_t *run, FILE *f, const char *path, const char *who);
/* Free h and the rows it copied. */
void html_free(html_report_t *h);

#endif
