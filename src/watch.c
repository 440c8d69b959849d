/* watch.c — `postern watch`: the live sensor and the rules in one process.
 *
 * Glue between sensor.c (sensor_run) and stream.c: each connection record
 * the sensor writes is read back through the JSON Lines reader (the same
 * path `postern sensor | postern detect --follow -` takes) and fed to the
 * rules' stream after every wait for events, so a signal follows the
 * connection that completes it within milliseconds. Only the records that
 * stand for a connection (state connect or open) are fed: close records
 * would count every connection twice.
 */
#include "watch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "cli.h"
#include "input.h"
#include "report_html.h"
#include "ruleset.h"
#include "sensor.h"
#include "stream.h"

static const char usage_watch_head[] =
    "usage: postern watch [--rule FILE | --rules DIR] [--tune NAME] [OPTIONS]\n"
    "\n"
    "Run the live sensor (eBPF; see postern sensor) and the detection rules in one\n"
    "process: every outbound TCP connection of this host is a record, and a signal is\n"
    "printed on stdout as one NDJSON line the moment a rule's condition holds (for the\n"
    "T1071.003 rule: the third connection of a process to one mail server and port\n"
    "within a window). One record per connection (state connect, or open for those\n"
    "open at start) is given to the rules; close records are not.\n"
    "\n";

static const char usage_watch_tail[] =
    "\n"
    "Needs root (or CAP_BPF and CAP_PERFMON); once started it keeps only CAP_SYS_PTRACE (see\n"
    "postern sensor --help). exit status: 0 stopped normally, 1 signals\n"
    "printed (with --fail-on-findings), 2 usage error or the sensor could not start.\n";

/* State of a watch run. */
typedef struct watch {
    stream_t *s;            /* the rules (owned by cmd_watch) */
    buf_t batch;            /* connection records not yet fed (JSON Lines) */
    FILE *records;          /* --records file, or NULL */
    in_opts_t io;           /* the reader's options: jsonl */
    in_stats_t st;          /* what the reader saw */
    int err;                /* a write error on stdout */
} watch_t;

/* sensor_run's line callback: keep the connection records for the next tick. */
static void on_line(void *ctx, const sensor_conn_t *c, const char *p, size_t n) {
    watch_t *w = ctx;
    if (w->records) fwrite(p, 1, n, w->records);
    if (strcmp(c->state, "connect") == 0 || strcmp(c->state, "open") == 0) buf_put(&w->batch, p, n);
}

/* sensor_run's tick: feed the batch to the rules. Non-zero stops the run. */
static int on_tick(void *ctx) {
    watch_t *w = ctx;
    if (w->records) fflush(w->records);
    if (!w->batch.n) return 0;
    int rc = input_run_mem("sensor", w->batch.p, w->batch.n, 0, &w->io, stream_ftab(w->s), stream_feed, w->s, &w->st);
    buf_clear(&w->batch);
    if (rc == -1) w->err = 1;
    return w->err;
}

/* See watch.h. */
int cmd_watch(int argc, char **argv) {
    const char *rule_files[64], *tunes[16], *rules_dir = NULL, *records = NULL, *html = NULL;
    int nrule_files = 0, ntunes = 0;
    bool fail_on = false, stats = false, quiet = false;
    stream_opts_t so = {.window_ms = STREAM_DEFAULT_WINDOW_MS, .lateness_ms = STREAM_DEFAULT_LATENESS_MS,
                        .out = stdout};
    sensor_run_t ro = {.tick_ms = 100};
    const char *outpath = NULL;
    cli_args_t args;
    int rc = cli_parse(CLI_WATCH, argc, argv, usage_watch_head, usage_watch_tail, &args);
    for (int i = 0; i < args.nitems && !rc; i++) {
        const char *a = args.items[i].name, *val = args.items[i].val;
        switch (args.items[i].id) {
        case OPT_FAIL_ON_FINDINGS: fail_on = true; break;
        case OPT_STATS: stats = true; break;
        case OPT_QUIET: quiet = true; break;
        case OPT_POLL: ro.force_poll = true; break;
        case OPT_OUTPUT: outpath = val; break;
        case OPT_RULE:
        case OPT_TUNE:
            if (args.items[i].id == OPT_RULE ? nrule_files == 64 : ntunes == 16) {
                fprintf(stderr, "postern watch: too many %s options\n", a);
                rc = 2;
            } else if (args.items[i].id == OPT_RULE) {
                rule_files[nrule_files++] = val;
            } else {
                tunes[ntunes++] = val;
            }
            break;
        case OPT_RULES: rules_dir = val; break;
        case OPT_RECORDS: records = val; break;
        case OPT_HTML: html = val; break;
        case OPT_USER: ro.user = val; break;
        case OPT_CATEGORY: ro.category = val; break;
        case OPT_MIN_LEVEL: {
            static const struct {
                const char *name;
                int score;
            } levels[] = {{"low", 3}, {"medium", 5}, {"high", 7}, {"critical", 9}}; /* as detect's */
            so.min_score = -1;
            for (unsigned k = 0; k < 4; k++)
                if (!strcmp(val, levels[k].name)) so.min_score = levels[k].score;
            if (so.min_score < 0) {
                fprintf(stderr, "postern watch: unknown --min-level '%s' (expected low, medium, high or critical)\n",
                        val);
                rc = 2;
            }
            break;
        }
        case OPT_WINDOW:
        case OPT_LATENESS: {
            int64_t ms;
            bool win = args.items[i].id == OPT_WINDOW;
            if (stream_parse_duration(val, &ms) != 0 || (win && ms <= 0)) {
                fprintf(stderr, "postern watch: %s wants a duration such as 15m, 90s or 1h, not '%s'\n", a, val);
                rc = 2;
            }
            *(win ? &so.window_ms : &so.lateness_ms) = ms;
            break;
        }
        case OPT_MAX_GROUPS:
        case OPT_DURATION: {
            char *e;
            double v = strtod(val, &e);
            if (*e || e == val || !(v > 0) || v > 1e12) {
                fprintf(stderr, "postern watch: %s wants a positive number, not '%s'\n", a, val);
                rc = 2;
            } else if (args.items[i].id == OPT_DURATION) {
                ro.duration = v;
            } else {
                so.max_groups = (size_t)v;
            }
            break;
        }
        default: break; /* (cli.c gives watch's options only) */
        }
    }
    cli_free(&args);
    if (rc) return rc == 1 ? 0 : 2;
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    ruleset_t rs;
    if (ruleset_prepare(&rs, rule_files, nrule_files, rules_dir, tunes, ntunes, false, quiet) != 0) return 2;
    /* --html: each signalling group, whole window, written at exit. */
    FILE *html_f = html ? html_open(html, "postern watch") : NULL;
    if (html && !html_f) {
        ruleset_free(&rs);
        return 2;
    }
    if (html_f) {
        so.html = html_new();
        for (int i = 0; i < rs.n; i++) ruleset_keep_times(rs.q[i], HTML_TICKS);
    }
    exec_opts_t eo = {.threads = 1};
    char why[512];
    watch_t w;
    memset(&w, 0, sizeof w);
    w.io = (in_opts_t){.format = "jsonl", .max_reports = 5};
    w.s = stream_new(rs.rules, rs.q, (unsigned)rs.n, &eo, &so, why, sizeof why);
    if (!w.s) {
        fprintf(stderr, "postern watch: %s\n", why);
        if (html_f) fclose(html_f);
        html_free(so.html);
        ruleset_free(&rs);
        return 2;
    }
    if (records && !(w.records = fopen(records, "we"))) {
        perror(records);
        if (html_f) fclose(html_f);
        html_free(so.html);
        stream_free(w.s);
        ruleset_free(&rs);
        return 2;
    }
    if (cli_output_begin(CLI_WATCH, outpath, true) != 0) {
        if (w.records) fclose(w.records);
        stream_free(w.s);
        ruleset_free(&rs);
        return 2;
    }
    if (!quiet) {
        char what[200];
        snprintf(what, sizeof what, "%d rule%s on live connections (one record per connection: state connect or open)",
                 rs.n, rs.n == 1 ? "" : "s");
        stream_print_banner(w.s, "postern watch", what, stderr);
    }
    ro.quiet = quiet;
    ro.drop_privileges = true;
    ro.line = on_line;
    ro.tick = on_tick;
    ro.ctx = &w;
    int status = sensor_run(&ro);
    on_tick(&w); /* what came in with the last wait */
    stream_finish(w.s);
    stream_counts_t c;
    stream_counts(w.s, &c);
    if (stats) stream_print_counts(w.s, "postern watch", stderr);
    /* What each rule saw (an idle host reads nothing: no warning for that). */
    stream_report(w.s, NULL, quiet, false, stderr); /* (the sensor's records: none malformed) */
    if (w.err) {
        fputs("postern watch: write error on standard output\n", stderr);
        status = 2;
    }
    if (w.records && fclose(w.records) != 0) status = 2;
    if (html_f) {
        struct timespec t1, now;
        clock_gettime(CLOCK_MONOTONIC, &t1);
        clock_gettime(CLOCK_REALTIME, &now);
        const char *src = "sensor";
        html_run_t hr = {.command = "watch", .inputs = &src, .ninputs = 1, .records = c.records, .rules = (unsigned)rs.n,
                         .elapsed_ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000,
                         .now_ms = (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000};
        if (html_close(so.html, &hr, html_f, html, "postern watch") != 0) status = 2;
        html_free(so.html);
    }
    if (status == 0 && fail_on && c.signals) status = 1;
    buf_free(&w.batch);
    stream_free(w.s);
    ruleset_free(&rs);
    return cli_output_end(status);
}
