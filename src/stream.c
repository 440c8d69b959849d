/* stream.c — streaming detection: rules over an endless stream of records.
 *
 * Sits after the readers, beside exec.c's batch run. Each record goes
 * through every rule's stages before its aggregate (exec_stream_row); the
 * rows that come out are folded into the group state of their tumbling
 * window of _messageTime (one gtab per open window). After each change the
 * stages after the aggregate run on the group's partial row
 * (exec_stream_after); the first time a row comes out, a signal is written
 * as one NDJSON line, once per group and window. A rule without an
 * aggregate signals every row that reaches its end.
 *
 * Time: the watermark is the largest _messageTime seen. A window [s, s+W)
 * is closed, and its state freed, once the watermark reaches s + W +
 * lateness; a row for a closed window is late: dropped and counted. Rows
 * out of order within the lateness go to their own window, so the result
 * does not depend on arrival order inside that bound.
 */
#include "stream.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "agg.h"
#include "buf.h"
#include "coverage.h"
#include "out.h"
#include "regex.h"
#include "report_html.h"
#include "ruleset.h"

/* One open window of one rule. */
typedef struct swin {
    int64_t start;          /* window start, epoch ms (a multiple of the window length) */
    gtab_t *g;              /* its groups (owned) */
    gtab_group_t **alerted; /* with o.html: the groups that signalled, for the report (owned array) */
    uint32_t nalerted, capalerted;
} swin_t;

/* A group changed by the current record: checked once the row stages are done. */
typedef struct spend {
    int64_t start;          /* its window */
    gtab_group_t *gr;       /* the group (lives in that window's gtab) */
} spend_t;

/* One rule on the stream. */
typedef struct srule {
    const rule_t *ru;       /* borrowed */
    query_t *q;             /* borrowed */
    exec_stream_t *x;       /* owned */
    uint32_t agg;           /* aggregate stage, or q->nst */
    uint32_t *map;          /* stream field id -> q field id (FIELD_NONE when unused), owned */
    uint32_t nmap;          /* ids mapped so far */
    record_t rec;           /* the current record in q's field ids (slots owned) */
    swin_t *wins;           /* open windows, ascending start (owned) */
    uint32_t nwins, capwins;
    spend_t *pend;          /* groups changed by the current record (owned) */
    uint32_t npend, cappend;
    uint64_t groups;        /* live groups over the open windows */
    int64_t t;              /* _messageTime of the current record */
    uint32_t f_sev;         /* the rule's severity field in q, or FIELD_NONE */
    uint64_t signals;       /* signals this rule wrote */
} srule_t;

struct stream {
    ftab_t ft;              /* field names of the records fed (owned) */
    srule_t *rules;         /* owned */
    unsigned nrules;
    stream_opts_t o;        /* copied; o.out borrowed */
    char wtext[32];         /* the window length as text */
    stream_counts_t c;      /* counters */
    uint64_t state_bytes;   /* bytes held by open windows (recomputed on change) */
    buf_t line;             /* the signal being written */
    int err;                /* a write error happened */
};

/* ---- durations ------------------------------------------------------------ */

/* Units of --window and --lateness, longest first. */
static const struct unit {
    const char *name;
    int64_t ms;
} units[] = {{"d", 86400000}, {"h", 3600000}, {"m", 60000}, {"s", 1000}, {"ms", 1}};

/* See stream.h. */
int stream_parse_duration(const char *text, int64_t *ms) {
    char *end;
    errno = 0;
    double v = strtod(text, &end);
    if (end == text || errno || !(v >= 0) || v > 1e12) return -1;
    int64_t mult = 1000;
    if (*end) {
        mult = 0;
        for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
            if (strcmp(end, units[i].name) == 0) mult = units[i].ms;
        if (!mult) return -1;
    }
    *ms = (int64_t)llround(v * (double)mult);
    return 0;
}

/* See stream.h. */
void stream_fmt_duration(int64_t ms, char *out, size_t outlen) {
    size_t k = 0;
    out[0] = 0;
    for (size_t i = 0; i < sizeof units / sizeof units[0] && k < outlen; i++) {
        if (ms < units[i].ms && !(ms == 0 && units[i].ms == 1)) continue;
        int64_t n = ms / units[i].ms;
        ms -= n * units[i].ms;
        if (n || k == 0) k += (size_t)snprintf(out + k, outlen - k, "%lld%s", (long long)n, units[i].name);
        if (!ms) break;
    }
}

/* ---- setting up ------------------------------------------------------------- */

/* See stream.h. */
stream_t *stream_new(rule_t *ru, query_t **q, unsigned n, const exec_opts_t *eo, const stream_opts_t *o, char *why,
                     size_t whylen) {
    /* A stream never ends: a pattern's give-ups are paid one message at a
     * time as records arrive and counted, never a reason to stop. */
    rx_set_giveup_budget(0);
    stream_t *s = xcalloc(1, sizeof *s);
    s->o = *o;
    if (s->o.window_ms <= 0) s->o.window_ms = STREAM_DEFAULT_WINDOW_MS;
    if (s->o.lateness_ms < 0) s->o.lateness_ms = 0;
    if (!s->o.max_groups) s->o.max_groups = STREAM_DEFAULT_MAX_GROUPS;
    stream_fmt_duration(s->o.window_ms, s->wtext, sizeof s->wtext);
    s->c.watermark = INT64_MIN;
    ftab_init(&s->ft);
    s->rules = xcalloc(n ? n : 1, sizeof *s->rules);
    for (unsigned i = 0; i < n; i++) {
        srule_t *R = &s->rules[i];
        char w[256];
        R->ru = &ru[i];
        R->q = q[i];
        exec_opts_t reo = *eo; /* the rule's lookup folder (its tables are read now) */
        char dir[4096];
        reo.lookup_dir = ruleset_lookup_dir(&ru[i], eo->lookup_dir, dir, sizeof dir);
        R->x = exec_stream_new(q[i], &reo, &R->agg, w, sizeof w);
        s->nrules = i + 1;
        if (!R->x) {
            snprintf(why, whylen, "rule %s cannot run on a stream: %s", ru[i].id ? ru[i].id : "?", w);
            stream_free(s);
            return NULL;
        }
        rec_init(&R->rec, NULL);
        R->f_sev = ru[i].severity_field ? ftab_find(&q[i]->ft, pstr_c(ru[i].severity_field)) : FIELD_NONE;
        /* The readers extract what any rule reads. */
        if (q[i]->ft.want_all) s->ft.want_all = true;
        for (uint32_t id = 0; id < q[i]->ft.n; id++) {
            if (!q[i]->ft.e[id].wanted) continue;
            uint32_t sid = ftab_intern(&s->ft, ftab_name(&q[i]->ft, id)); /* may move s->ft.e: index it after */
            s->ft.e[sid].wanted = 1;
        }
    }
    return s;
}

/* See stream.h. */
ftab_t *stream_ftab(stream_t *s) { return &s->ft; }

/* ---- windows ---------------------------------------------------------------- */

/* Start of the window holding t (floor division: times before 1970 too). */
static int64_t win_start(const stream_t *s, int64_t t) {
    int64_t w = s->o.window_ms, k = t / w;
    if (t % w && t < 0) k--;
    return k * w;
}

/* Recompute the bytes held by every open window, keep the maximum. */
static void account(stream_t *s) {
    uint64_t b = 0;
    for (unsigned i = 0; i < s->nrules; i++)
        for (uint32_t k = 0; k < s->rules[i].nwins; k++) b += gtab_bytes(s->rules[i].wins[k].g);
    s->state_bytes = b;
    if (b > s->c.max_state_bytes) s->c.max_state_bytes = b;
}

/* Add row t (R's result, one row) to the HTML report as detect shows a
 * finding: decorated with the rule's identity and severity. */
static void report_row(stream_t *s, srule_t *R, table_t *t) {
    ruleset_decorate(R->ru, R->q, t);
    html_add(s->o.html, R->ru, R->q, t);
}

/* Window w of R closes: each group that signalled in it goes to the HTML
 * report with its whole window (every connection time, not only those
 * up to the signal), when its final row still passes. */
static void report_window(stream_t *s, srule_t *R, swin_t *w) {
    for (uint32_t i = 0; i < w->nalerted; i++) {
        table_t row;
        table_init(&row);
        gtab_emit_group(w->g, w->alerted[i], &row);
        if (exec_stream_after(R->x, &row) > 0) {
            table_finish_cols(&row, &R->q->ft);
            report_row(s, R, &row);
        }
        table_free(&row);
    }
}

/* Free the windows of R that end (plus lateness) at or before the watermark
 * (all of them when all is set). */
static void close_windows(stream_t *s, srule_t *R, bool all) {
    uint32_t k = 0;
    while (k < R->nwins &&
           (all || R->wins[k].start + s->o.window_ms + s->o.lateness_ms <= s->c.watermark)) {
        if (s->o.html) report_window(s, R, &R->wins[k]);
        free(R->wins[k].alerted);
        size_t ng = gtab_count(R->wins[k].g);
        R->groups -= ng;
        s->c.live_groups -= ng;
        gtab_free(R->wins[k].g);
        s->c.windows_closed++;
        s->c.open_windows--;
        k++;
    }
    if (k) {
        memmove(R->wins, R->wins + k, (R->nwins - k) * sizeof *R->wins);
        R->nwins -= k;
    }
}

/* The open window of R starting at start, created when new. */
static swin_t *get_window(stream_t *s, srule_t *R, int64_t start) {
    uint32_t k = R->nwins;
    while (k > 0 && R->wins[k - 1].start > start) k--;
    if (k > 0 && R->wins[k - 1].start == start) return &R->wins[k - 1];
    if (R->nwins == R->capwins) {
        R->capwins = R->capwins ? 2 * R->capwins : 4;
        R->wins = xrealloc(R->wins, R->capwins * sizeof *R->wins);
    }
    memmove(R->wins + k + 1, R->wins + k, (R->nwins - k) * sizeof *R->wins);
    R->wins[k] = (swin_t){.start = start, .g = gtab_new(&R->q->st[R->agg])};
    gtab_keep_marks(R->wins[k].g);
    R->nwins++;
    s->c.windows_opened++;
    if (++s->c.open_windows > s->c.max_open_windows) s->c.max_open_windows = s->c.open_windows;
    return &R->wins[k];
}

/* ---- signals ---------------------------------------------------------------- */

/* Append `"key":"value"` (value NULL: null) to b, comma first unless first. */
static void kv_str(buf_t *b, const char *key, const char *v) {
    buf_printf(b, ",\"%s\":", key);
    if (v) out_json_str(b, pstr_c(v));
    else buf_puts(b, "null");
}

/* Write one signal for row (in q's ids), of a group of count records
 * between first and last; window start ws (INT64_MIN: no window). */
static void emit_signal(stream_t *s, srule_t *R, table_t *row, uint64_t count, int64_t first, int64_t last,
                        int64_t ws) {
    const rule_t *ru = R->ru;
    const record_t *r = &row->rows[0];
    int score;
    pstr_t sev = ruleset_severity(ru, R->f_sev != FIELD_NONE ? rec_get(r, R->f_sev) : val_null(), &score);
    if (s->o.min_score > 0 && score < s->o.min_score) return; /* --min-level */
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    buf_t *b = &s->line;
    buf_clear(b);
    buf_puts(b, "{\"type\":\"signal\"");
    const char *meta[RULESET_NMETA];
    ruleset_meta(ru, meta);
    for (unsigned k = 0; k < RULESET_NMETA; k++) kv_str(b, ruleset_meta_names[k], meta[k]);
    buf_puts(b, ",\"severity\":");
    out_json_str(b, sev);
    if (score >= 0) buf_printf(b, ",\"severity_score\":%d", score);
    else buf_puts(b, ",\"severity_score\":null");
    buf_printf(b, ",\"count\":%llu,\"first_seen\":%lld,\"last_seen\":%lld", (unsigned long long)count,
               (long long)first, (long long)last);
    if (ws != INT64_MIN)
        buf_printf(b, ",\"window\":\"%s\",\"window_start\":%lld,\"window_end\":%lld", s->wtext, (long long)ws,
                   (long long)(ws + s->o.window_ms));
    else
        buf_puts(b, ",\"window\":null,\"window_start\":null,\"window_end\":null");
    buf_printf(b, ",\"detected_at\":%lld,\"fields\":",
               (long long)now.tv_sec * 1000 + now.tv_nsec / 1000000);
    table_finish_cols(row, &R->q->ft);
    /* (the times ruleset_keep_times adds are the HTML report's) */
    table_del_col(row, ftab_find(&R->q->ft, PSTR_LIT(RULESET_TIMES)));
    table_del_col(row, ftab_find(&R->q->ft, PSTR_LIT(RULESET_TIMES_N)));
    /* the rule's own severity field is `severity` above, as a finding has it once (ruleset_decorate) */
    if (R->f_sev != FIELD_NONE) table_del_col(row, R->f_sev);
    out_json_row(b, r, row, &R->q->ft);
    buf_puts(b, "}\n");
    s->c.signals++;
    R->signals++;
    if (s->o.out && (fwrite(b->p, 1, b->n, s->o.out) != b->n || fflush(s->o.out) != 0)) s->err = 1;
    if (s->o.on_signal) s->o.on_signal(s->o.ctx, b->p, b->n);
}

/* ---- feeding ------------------------------------------------------------------ */

/* Context of one record's run through a rule's row stages. */
typedef struct feedctx {
    stream_t *s;
    srule_t *R;
} feedctx_t;

/* A row reached the aggregate (exec_row_fn): fold it into its window's group
 * and remember the group for the check. Without an aggregate: signal now. */
static int on_row(void *ud, record_t *r) {
    feedctx_t *f = ud;
    stream_t *s = f->s;
    srule_t *R = f->R;
    if (R->agg >= R->q->nst) {
        table_t row;
        table_init(&row);
        table_add(&row, r);
        /* A `fields a, b` decides the columns, as in the batch run. */
        for (uint32_t i = R->q->nst; i-- > 0;) {
            const stage_t *st = &R->q->st[i];
            if (st->kind != ST_FIELDS || st->remove) continue;
            row.fixed = true;
            for (uint32_t k = 0; k < st->nflds; k++) table_add_col(&row, st->flds[k]);
            break;
        }
        emit_signal(s, R, &row, 1, R->t, R->t, INT64_MIN);
        if (s->o.html) report_row(s, R, &row);
        table_free(&row);
        return 0;
    }
    int64_t ws = win_start(s, R->t);
    if (ws + s->o.window_ms + s->o.lateness_ms <= s->c.watermark) {
        s->c.late++;
        return 0;
    }
    swin_t *w = get_window(s, R, ws);
    size_t before = gtab_count(w->g);
    /* At the cap, rows of existing groups still count; new groups are refused. */
    gtab_group_t *gr = gtab_add_if(w->g, r, r->seq, R->groups < s->o.max_groups);
    if (!gr) {
        s->c.over_cap++;
        return 0;
    }
    if (gtab_count(w->g) > before) {
        R->groups++;
        if (++s->c.live_groups > s->c.max_live_groups) s->c.max_live_groups = s->c.live_groups;
    }
    gtab_mark_t *m = gtab_group_mark(gr);
    if (m->n == 0 || R->t < m->first_ms) m->first_ms = R->t;
    if (m->n == 0 || R->t > m->last_ms) m->last_ms = R->t;
    m->n++;
    if (!m->alerted) {
        if (R->npend == R->cappend) {
            R->cappend = R->cappend ? 2 * R->cappend : 4;
            R->pend = xrealloc(R->pend, R->cappend * sizeof *R->pend);
        }
        R->pend[R->npend++] = (spend_t){ws, gr};
    }
    return 0;
}

/* Check the groups the record changed: the stages after the aggregate on
 * each group's partial row; the first row that passes is a signal. */
static void check_pending(stream_t *s, srule_t *R) {
    for (uint32_t i = 0; i < R->npend; i++) {
        gtab_mark_t *m = gtab_group_mark(R->pend[i].gr);
        if (m->alerted) continue; /* the same group twice in one record */
        swin_t *w = get_window(s, R, R->pend[i].start);
        table_t row;
        table_init(&row);
        gtab_emit_group(w->g, R->pend[i].gr, &row);
        if (exec_stream_after(R->x, &row) > 0) {
            m->alerted = true;
            emit_signal(s, R, &row, m->n, m->first_ms, m->last_ms, R->pend[i].start);
            if (s->o.html) {
                if (w->nalerted == w->capalerted) {
                    w->capalerted = w->capalerted ? 2 * w->capalerted : 4;
                    w->alerted = xrealloc(w->alerted, w->capalerted * sizeof *w->alerted);
                }
                w->alerted[w->nalerted++] = R->pend[i].gr;
            }
        }
        table_free(&row);
    }
    R->npend = 0;
}

/* Copy r (stream field ids) into R->rec (the rule's field ids). */
static void map_record(stream_t *s, srule_t *R, const record_t *r) {
    if (R->nmap < s->ft.n) {
        R->map = xrealloc(R->map, s->ft.n * sizeof *R->map);
        for (uint32_t id = R->nmap; id < s->ft.n; id++) R->map[id] = ftab_find(&R->q->ft, ftab_name(&s->ft, id));
        R->nmap = s->ft.n;
    }
    rec_clear(&R->rec);
    R->rec.arena = r->arena;
    R->rec.raw = r->raw;
    R->rec.file = r->file;
    R->rec.line = r->line;
    R->rec.seq = r->seq;
    for (uint32_t k = 0; k < r->norder; k++) {
        uint32_t id = r->order[k];
        if (id < R->nmap && R->map[id] != FIELD_NONE) rec_set(&R->rec, R->map[id], rec_get(r, id));
    }
}

/* Epoch milliseconds now. */
static int64_t now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* See stream.h. */
int stream_feed(record_t *r, void *ud) {
    stream_t *s = ud;
    s->c.records++;
    double d;
    int64_t t;
    if (val_to_num(rec_get(r, F_MESSAGETIME), &d) && d == d && fabs(d) < 9e15) {
        t = (int64_t)d;
    } else {
        t = now_ms();
        s->c.untimed++;
    }
    if (t > s->c.watermark) {
        s->c.watermark = t;
        bool closed = false;
        for (unsigned i = 0; i < s->nrules; i++) {
            uint64_t before = s->c.windows_closed;
            close_windows(s, &s->rules[i], false);
            closed |= s->c.windows_closed != before;
        }
        if (closed) account(s);
    }
    for (unsigned i = 0; i < s->nrules; i++) {
        srule_t *R = &s->rules[i];
        map_record(s, R, r);
        R->t = t;
        feedctx_t f = {s, R};
        uint64_t opened = s->c.windows_opened, groups = s->c.live_groups;
        exec_stream_row(R->x, &R->rec, on_row, &f);
        check_pending(s, R);
        if (s->c.windows_opened != opened || s->c.live_groups != groups) account(s);
    }
    return s->err ? -1 : 0;
}

/* See stream.h. */
void stream_finish(stream_t *s) {
    for (unsigned i = 0; i < s->nrules; i++) close_windows(s, &s->rules[i], true);
    account(s);
}

/* See stream.h. */
void stream_counts(const stream_t *s, stream_counts_t *c) {
    *c = s->c;
    for (unsigned i = 0; i < s->nrules; i++) {
        uint64_t sc, used, rx;
        exec_stream_counts(s->rules[i].x, &sc, &used, &rx);
        c->in_scope += sc;
        c->used += used;
        c->rx_limit += rx;
    }
}

/* See stream.h. */
void stream_print_banner(const stream_t *s, const char *who, const char *what, FILE *f) {
    char lt[32];
    stream_fmt_duration(s->o.lateness_ms, lt, sizeof lt);
    fprintf(f, "%s: %s; aggregates over tumbling %s windows of _messageTime, lateness %s; signals as NDJSON on stdout\n",
            who, what, s->wtext, lt);
}

/* See stream.h. */
void stream_print_counts(const stream_t *s, const char *who, FILE *f) {
    stream_counts_t cc;
    stream_counts(s, &cc);
    const stream_counts_t *c = &cc;
    fprintf(f,
            "%s: stream: records=%llu untimed=%llu late=%llu over_cap=%llu signals=%llu windows_opened=%llu "
            "windows_closed=%llu max_open_windows=%llu max_live_groups=%llu max_state_bytes=%llu\n",
            who, (unsigned long long)c->records, (unsigned long long)c->untimed, (unsigned long long)c->late,
            (unsigned long long)c->over_cap, (unsigned long long)c->signals, (unsigned long long)c->windows_opened,
            (unsigned long long)c->windows_closed, (unsigned long long)c->max_open_windows,
            (unsigned long long)c->max_live_groups, (unsigned long long)c->max_state_bytes);
}

/* See stream.h. */
unsigned stream_report(const stream_t *s, const in_stats_t *st, bool quiet, bool strict, FILE *f) {
    unsigned warned = 0;
    for (unsigned i = 0; i < s->nrules; i++) {
        const srule_t *R = &s->rules[i];
        cov_report_t cr = {.rule = R->ru->id ? R->ru->id : "?", .q = R->q, .c = exec_stream_cov(R->x),
                           .read = s->c.records, .results = R->signals, .what = "signals", .st = st, .quiet = quiet,
                           .strict = strict};
        warned += cov_report(&cr, f);
    }
    return warned;
}

/* See stream.h. */
void stream_free(stream_t *s) {
    if (!s) return;
    s->o.html = NULL; /* (what stream_finish did not close goes unreported) */
    for (unsigned i = 0; i < s->nrules; i++) {
        srule_t *R = &s->rules[i];
        if (R->x) close_windows(s, R, true);
        exec_stream_free(R->x);
        rec_free(&R->rec);
        free(R->wins);
        free(R->pend);
        free(R->map);
    }
    free(s->rules);
    ftab_free(&s->ft);
    buf_free(&s->line);
    free(s);
}
