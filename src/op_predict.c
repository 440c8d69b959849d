/* op_predict.c — the predict operator: a time series' fitted and future
 * values.
 *
 * `predict <f> by <width> [model=linear|ar] [forecast=N|<duration>]
 * [ar.window=N]` runs after `timeslice` and an aggregate by its field
 * (predict page). Each series (one per other group key) is laid on the
 * grid of its timeslices, a missing slice counting as 0; the linear model
 * is a least-squares line over the slice index, the AR model a
 * least-squares autoregression on the ar.window slices before each one.
 * Rows gain `<f>_predicted`, `<f>_linear` (ar) and `<f>_error`; forecast
 * rows follow the table's rows. A blocking stage on the aggregate's table.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "op.h"
#include "tabkit.h"

/* The page's limits: input points used for the model, points forecast,
 * slices a series may span (phantom ones included). */
#define PR_MAXFIT 10000
#define PR_MAXFORECAST 100
#define PR_MAXSLOTS 20000
/* The largest ar.window postern fits (its normal equations grow with its
 * square). */
#define PR_MAXWINDOW 200
/* Points below which the page warns that the AR model may not be optimal. */
#define PR_AR_ENOUGH 100

/* Output columns, in the order each row gets them. ORDER PREDICT */
enum { PR_PREDICTED, PR_LINEAR, PR_ERROR, PR__COUNT };

/* The stage's parsed form (query arena); the series keys are st->by, the
 * outputs st->flds (PR_PREDICTED, [PR_LINEAR,] PR_ERROR). */
typedef struct pr_stage {
    uint32_t field;       /* the value predicted */
    uint32_t time;        /* the timeslice field the aggregate grouped by */
    int64_t width;        /* the slices' width, ms */
    bool ar;              /* model=ar */
    int64_t window;       /* ar.window; 0: chosen from the series' length */
    int64_t forecast;     /* points forecast (forecast= in points or as a duration) */
    int64_t forecast_ms;  /* forecast= as a duration (0: in points) */
} pr_stage_t;

/* A width or duration (`1m`, `30s`) at the current token, in ms. */
static bool parse_duration(parser_t *p, int64_t *ms, bool allow_plain, bool *plain) {
    double v;
    int kind;
    if (p->t.kind != T_NUM || !lex_num_value(p->t.v, &v, &kind) || (kind != LEX_NUM_TIME && !(allow_plain && kind == LEX_NUM_PLAIN)) ||
        !(v > 0) || v > 1e15 || v != floor(v)) {
        if (p->t.kind == T_NUM) ps_error(p, p->t.sp, allow_plain ? "a number of points or a duration such as 5m" : "a duration such as 1m or 30s");
        else ps_unexpected(p, allow_plain ? "a number of points or a duration such as 5m" : "a duration such as 1m");
        return false;
    }
    if (plain) *plain = kind == LEX_NUM_PLAIN;
    *ms = (int64_t)v;
    ps_advance(p);
    return true;
}

/* One `name=value` option; the name is current. */
static bool parse_option(parser_t *p, pr_stage_t *pr) {
    tok_t name = p->t;
    ps_advance(p);
    ps_advance(p); /* the '=' */
    if (ps_is_kw(&name, "model")) {
        if (ps_is_kw(&p->t, "ar")) pr->ar = true;
        else if (ps_is_kw(&p->t, "linear")) pr->ar = false;
        else {
            ps_unexpected(p, "ar or linear");
            return false;
        }
        ps_advance(p);
        return true;
    }
    if (ps_is_kw(&name, "forecast")) {
        tok_t t = p->t;
        bool plain;
        int64_t v;
        if (!parse_duration(p, &v, true, &plain)) return false;
        if (plain && v > PR_MAXFORECAST) {
            ps_error(p, t.sp, "predict forecasts at most %d points", PR_MAXFORECAST);
            return false;
        }
        pr->forecast = plain ? v : 0;
        pr->forecast_ms = plain ? 0 : v;
        return true;
    }
    if (ps_is_kw(&name, "ar.window")) {
        tok_t t = p->t;
        if (!ps_count(p, &pr->window)) return false;
        if (pr->window < 1 || pr->window > PR_MAXWINDOW) {
            ps_error(p, t.sp, "ar.window is between 1 and %d", PR_MAXWINDOW);
            return false;
        }
        return true;
    }
    uint32_t e = ps_error(p, name.sp, "unknown predict option '%.*s'", (int)(name.v.n > 32 ? 32 : name.v.n), name.v.p);
    diag_hint(p->d, e, "the options are model=, forecast= and ar.window=");
    return false;
}

/* The timeslice field and width of the stages before st, and the aggregate
 * they feed: the page's requirements (kw is the keyword's span, wsp the
 * width's, for errors). False after an error. */
static bool check_before(parser_t *p, stage_t *st, pr_stage_t *pr, span_t kw, span_t wsp) {
    const stage_t *ts = NULL, *agg = NULL;
    for (uint32_t k = 0; k < p->q->nst; k++) { /* st is not among them yet */
        const stage_t *b = &p->q->st[k];
        if (b->kind == ST_TIMESLICE) ts = b;
        if (b->kind == ST_AGG) agg = b;
    }
    if (!ts || !agg) {
        uint32_t e = ps_error(p, kw, "predict needs a timeslice and an aggregate by it before it");
        diag_hint(p->d, e, "... | timeslice 1m | count by _timeslice | predict _count by 1m");
        return false;
    }
    pr->time = ts->as;
    bool keyed = false;
    uint32_t cap = 0, spcap = 0, nsp = 0;
    for (uint32_t k = 0; k < agg->nby; k++) {
        if (agg->by[k] == ts->as) {
            keyed = true;
            continue;
        }
        PS_PUSH(p, st->by, st->nby, cap, agg->by[k]); /* the other keys tell the series apart */
        PS_PUSH(p, st->by_sp, nsp, spcap, agg->by_sp[k]);
    }
    if (!keyed) {
        pstr_t n = ftab_name(&p->q->ft, ts->as);
        uint32_t e = ps_error(p, agg->sp, "predict needs this aggregate to group by %.*s", (int)n.n, n.p);
        diag_hint(p->d, e, "add `by %.*s` (predict page: \"Aggregation must be by timeslice\")", (int)n.n, n.p);
        return false;
    }
    if (ts->slice_ms > 0 && !ts->buckets && ts->slice_ms != pr->width) {
        ps_error(p, wsp, "predict's width differs from the timeslice's (%lld ms): use the same width",
                 (long long)ts->slice_ms);
        return false;
    }
    return true;
}

/* See op.h (STAGE_KINDS). */
bool stage_predict(parser_t *p, stage_t *st) {
    st->kind = ST_PREDICT;
    span_t kw = p->t.sp;
    ps_advance(p);
    pr_stage_t *pr = arena_calloc(ps_arena(p), sizeof *pr);
    st->data = pr;
    pr->forecast = 3; /* "the operator will default to three data points" */
    pstr_t f;
    span_t fsp;
    if (!ps_fieldname(p, &f, &fsp)) return false;
    pr->field = ps_field_use(p, f);
    if (!ps_expect_kw(p, "by", "'by' and the timeslice width (predict _count by 1m)")) return false;
    span_t wsp = p->t.sp;
    if (!parse_duration(p, &pr->width, false, NULL)) return false;
    for (;;) {
        if (p->t.kind == T_COMMA) ps_advance(p); /* model=ar, ar.window=5 */
        if (p->t.kind != T_IDENT || ps_peek(p).kind != T_EQ) break;
        if (!parse_option(p, pr)) return false;
    }
    if (pr->forecast_ms) {
        pr->forecast = (pr->forecast_ms + pr->width - 1) / pr->width;
        if (pr->forecast > PR_MAXFORECAST) {
            ps_error(p, ps_span_from(p, wsp.off), "predict forecasts at most %d points (%d of this width)",
                     PR_MAXFORECAST, PR_MAXFORECAST);
            return false;
        }
    }
    if (!check_before(p, st, pr, kw, wsp)) return false;
    /* The outputs are named after the field as written. */
    static const char *const suffix[PR__COUNT] = {"_predicted", "_linear", "_error"};
    st->flds = arena_alloc(ps_arena(p), PR__COUNT * sizeof *st->flds);
    for (int k = 0; k < PR__COUNT; k++) {
        if (k == PR_LINEAR && !pr->ar) continue;
        buf_t b = {0};
        buf_printf(&b, "%.*s%s", (int)f.n, f.p, suffix[k]);
        st->flds[st->nflds++] = ps_field_def(p, pstr(b.p, b.n));
        buf_free(&b);
    }
    return true;
}

/* ---- the models -------------------------------------------------------- */

/* The least-squares line y = a + b x over x = lo..hi-1, from sums about
 * the means (fewer rounding errors than the raw sums). */
static void fit_line(const double *y, uint32_t lo, uint32_t hi, double *a, double *b) {
    double n = hi - lo, mx = 0, my = 0, sxx = 0, sxy = 0;
    if (n <= 0) {
        *a = *b = 0;
        return;
    }
    for (uint32_t x = lo; x < hi; x++) mx += x, my += y[x];
    mx /= n;
    my /= n;
    for (uint32_t x = lo; x < hi; x++) {
        sxx += (x - mx) * (x - mx);
        sxy += (x - mx) * (y[x] - my);
    }
    *b = sxx > 0 ? sxy / sxx : 0;
    *a = my - *b * mx;
}

/* Solve the k x k system m beta = v in place by Gaussian elimination with
 * partial pivoting; a column whose pivot vanishes gets the coefficient 0
 * (the least-squares solution that leaves it out). */
static void solve(double *m, double *v, uint32_t k, double *beta) {
    uint8_t *dead = xcalloc(k ? k : 1, 1);
    double scale = 0;
    for (uint32_t i = 0; i < k * k; i++) scale = fmax(scale, fabs(m[i]));
    double tiny = scale * 1e-12;
    for (uint32_t c = 0; c < k; c++) {
        uint32_t piv = c;
        for (uint32_t r = c + 1; r < k; r++)
            if (fabs(m[r * k + c]) > fabs(m[piv * k + c])) piv = r;
        if (!(fabs(m[piv * k + c]) > tiny)) {
            dead[c] = 1;
            continue;
        }
        if (piv != c) {
            for (uint32_t j = 0; j < k; j++) {
                double t = m[c * k + j];
                m[c * k + j] = m[piv * k + j];
                m[piv * k + j] = t;
            }
            double t = v[c];
            v[c] = v[piv];
            v[piv] = t;
        }
        for (uint32_t r = c + 1; r < k; r++) {
            double f = m[r * k + c] / m[c * k + c];
            if (f == 0) continue;
            for (uint32_t j = c; j < k; j++) m[r * k + j] -= f * m[c * k + j];
            v[r] -= f * v[c];
        }
    }
    for (uint32_t c = k; c-- > 0;) {
        if (dead[c]) {
            beta[c] = 0;
            continue;
        }
        double s = v[c];
        for (uint32_t j = c + 1; j < k; j++) s -= m[c * k + j] * beta[j];
        beta[c] = s / m[c * k + c];
    }
    free(dead);
}

/* The AR(p) model y_t = beta[0] + sum beta[i] y_{t-i}, fitted by least
 * squares on t = lo+p..hi-1; beta has p + 1 entries. */
static void fit_ar(const double *y, uint32_t lo, uint32_t hi, uint32_t p, double *beta) {
    uint32_t k = p + 1;
    double *m = xcalloc((size_t)k * k, sizeof *m), *v = xcalloc(k, sizeof *v);
    double *row = xmalloc(k * sizeof *row);
    for (uint32_t t = lo + p; t < hi; t++) {
        row[0] = 1;
        for (uint32_t i = 1; i <= p; i++) row[i] = y[t - i];
        for (uint32_t a = 0; a < k; a++) {
            v[a] += row[a] * y[t];
            for (uint32_t b = 0; b < k; b++) m[a * k + b] += row[a] * row[b];
        }
    }
    solve(m, v, k, beta);
    free(m);
    free(v);
    free(row);
}

/* ---- running ----------------------------------------------------------- */

/* A row of a series and where it sorts. */
typedef struct pr_point {
    uint32_t series;  /* the series (other group keys) id */
    double t;         /* its time */
    size_t row;       /* its table row */
} pr_point_t;

/* Points by series, then time, then row. */
static int cmp_point(const void *a, const void *b) {
    const pr_point_t *x = a, *y = b;
    if (x->series != y->series) return x->series < y->series ? -1 : 1;
    if (x->t != y->t) return x->t < y->t ? -1 : 1;
    return (x->row > y->row) - (x->row < y->row);
}

/* What the run of one series needs besides the stage. */
typedef struct pr_run {
    const stage_t *s;     /* the stage */
    const pr_stage_t *pr; /* its parsed form */
    table_t *t;           /* the table */
    uint64_t filled;      /* slices taken as 0 (missing, or no number) */
    bool few;             /* an AR series had fewer than PR_AR_ENOUGH points */
    bool short_ar;        /* an AR series was too short for its window */
} pr_run_t;

/* The outputs of one point: predicted, linear (ar), error. */
static void set_outputs(pr_run_t *u, record_t *row, double pred, bool has_pred, double lin, value_t actual) {
    const stage_t *s = u->s;
    double y;
    bool num = val_to_num(actual, &y) && isfinite(y);
    uint32_t k = 0;
    rec_set(row, s->flds[k++], has_pred ? val_num(pred) : val_null());
    if (u->pr->ar) rec_set(row, s->flds[k++], val_num(lin));
    /* "Value predicted by the simple linear model, minus the actual number" */
    rec_set(row, s->flds[k], num ? val_num(lin - y) : val_null());
}

/* Run series pts[0..n) (one series, sorted by time). 0, or 2 after an
 * error (reported). */
static int run_series(pr_run_t *u, const pr_point_t *pts, size_t n) {
    const pr_stage_t *pr = u->pr;
    double w = (double)pr->width, t0 = pts[0].t;
    double span = floor((pts[n - 1].t - t0) / w) + 1;
    if (span > PR_MAXSLOTS) {
        fprintf(stderr, "postern: predict: a series spans %.0f timeslices; Sumo's predict interpolates at most %d\n",
                span, PR_MAXSLOTS);
        return 2;
    }
    uint32_t m = (uint32_t)span, f = (uint32_t)pr->forecast;
    double *y = xcalloc((size_t)m + f, sizeof *y);
    uint8_t *have = xcalloc(m, 1);
    uint32_t *slot = xmalloc(n * sizeof *slot);
    for (size_t k = 0; k < n; k++) {
        slot[k] = (uint32_t)floor((pts[k].t - t0) / w);
        if (have[slot[k]]) {
            fprintf(stderr, "postern: predict: two rows of one series share the timeslice %.0f; aggregate by the "
                            "timeslice before predict\n", t0 + slot[k] * w);
            free(y), free(have), free(slot);
            return 2;
        }
        have[slot[k]] = 1;
        double v;
        if (val_to_num(rec_get(&u->t->rows[pts[k].row], pr->field), &v) && isfinite(v)) y[slot[k]] = v;
        else u->filled++;
    }
    for (uint32_t k = 0; k < m; k++) u->filled += !have[k];
    uint32_t lo = m > PR_MAXFIT ? m - PR_MAXFIT : 0; /* "not more than 10,000 input points" */
    double a, b;
    fit_line(y, lo, m, &a, &b);
    uint32_t p = 0;
    double *beta = NULL;
    if (pr->ar) {
        uint32_t fit = m - lo;
        p = pr->window ? (uint32_t)pr->window : (uint32_t)fmin(fmax(1, floor(0.4 * fit)), PR_MAXWINDOW);
        if (fit < PR_AR_ENOUGH) u->few = true;
        if (fit < 2 * p + 1) {
            u->short_ar = true;
            p = 0;
        } else {
            beta = xcalloc(p + 1, sizeof *beta);
            fit_ar(y, lo, m, p, beta);
        }
    }
    /* Forecasts: AR from its own earlier values, linear along the line. */
    for (uint32_t k = m; k < m + f; k++) {
        double v = a + b * k;
        if (beta) {
            v = beta[0];
            for (uint32_t i = 1; i <= p; i++) v += beta[i] * y[k - i];
        }
        y[k] = v;
    }
    for (size_t k = 0; k < n; k++) {
        uint32_t x = slot[k];
        record_t *row = &u->t->rows[pts[k].row];
        double lin = a + b * x, pred = lin;
        bool has = !pr->ar || (beta && x >= p);
        if (beta && x >= p) {
            pred = beta[0];
            for (uint32_t i = 1; i <= p; i++) pred += beta[i] * y[x - i];
        }
        set_outputs(u, row, pred, has, lin, rec_get(row, pr->field));
    }
    /* Forecast rows: the series' keys, the time, no value. */
    size_t tmpl = pts[n - 1].row;
    for (uint32_t k = 0; k < f; k++) {
        record_t *row = table_new_row(u->t); /* may move the rows: read the template again */
        const record_t *src = &u->t->rows[tmpl];
        for (uint32_t g = 0; g < u->s->nby; g++) rec_set(row, u->s->by[g], rec_get(src, u->s->by[g]));
        rec_set(row, pr->time, val_num(t0 + (double)(m + k) * w));
        rec_set(row, pr->field, val_null());
        set_outputs(u, row, y[m + k], !pr->ar || beta, a + b * (m + k), val_null());
    }
    free(beta);
    free(y);
    free(have);
    free(slot);
    return 0;
}

/* See op.h (STAGE_KINDS). */
int tab_predict(exec_t *x, uint32_t i, const stage_t *s, table_t *t) {
    (void)i;
    pr_run_t u = {.s = s, .pr = s->data, .t = t};
    if (t->fixed) /* the aggregate's columns, then ours, even with no row */
        for (uint32_t k = 0; k < s->nflds; k++) table_add_col(t, s->flds[k]);
    tk_t series;
    tk_init(&series);
    size_t n0 = t->n, np = 0;
    pr_point_t *pts = xmalloc((n0 ? n0 : 1) * sizeof *pts);
    for (size_t r = 0; r < n0; r++) {
        double tm;
        if (!val_to_num(rec_get(&t->rows[r], u.pr->time), &tm) || !isfinite(tm)) continue; /* no time: left as it is */
        pts[np++] = (pr_point_t){tk_row(&series, &t->rows[r], s->by, s->nby, true, NULL), tm, r};
    }
    if (np > 1) qsort(pts, np, sizeof *pts, cmp_point);
    /* Series in order of first appearance, as the forecast rows follow. */
    uint32_t ns = series.n;
    size_t *first = xmalloc((ns ? ns : 1) * sizeof *first), *len = xcalloc(ns ? ns : 1, sizeof *len);
    for (size_t k = np; k-- > 0;) first[pts[k].series] = k;
    for (size_t k = 0; k < np; k++) len[pts[k].series]++;
    int rc = 0;
    for (uint32_t sid = 0; sid < ns && !rc; sid++) rc = run_series(&u, pts + first[sid], len[sid]);
    if (rc) x->err = rc;
    else {
        if (u.filled)
            fprintf(stderr, "postern: warning: predict took %llu missing or non-numeric timeslice value%s as 0 "
                            "(fillmissing chooses another)\n",
                    (unsigned long long)u.filled, u.filled == 1 ? "" : "s");
        if (u.short_ar)
            fprintf(stderr, "postern: warning: predict model=ar needs more than twice ar.window points; a series had "
                            "too few, so its AR values are null\n");
        else if (u.few)
            fprintf(stderr, "postern: warning: predict model=ar learned from fewer than %d points; the model may not "
                            "be optimal\n", PR_AR_ENOUGH);
    }
    free(first);
    free(len);
    free(pts);
    tk_free(&series);
    return rc;
}
