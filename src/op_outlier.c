/* op_outlier.c — the outlier operator: points outside a moving band.
 *
 * `outlier <f> [by <g>, ...] [window=N, threshold=T, consecutive=C,
 * direction=+-|+|-]` walks each series (one per `by` tuple) in time order
 * (by _timeslice) and, for every point after the first N, compares its
 * value with the mean and standard deviation of the N points before it: `<f>_error` (value -
 * mean), `<f>_lower` and `<f>_upper` (mean -/+ T deviations), `<f>_std`,
 * `<f>_indicator` (1 outside the band in the direction asked) and
 * `<f>_violation` (1 at the C-th consecutive indicator) (outlier page).
 * A blocking stage on the table an aggregate made.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "op.h"
#include "tabkit.h"

/* Largest window (as smooth's). */
#define OL_MAXWINDOW 1000

/* Directions that count, as bits. */
enum { OL_UP = 1, OL_DOWN = 2 };

/* Output columns, in the order they are added to each row. ORDER OUTLIER */
enum { OL_ERROR, OL_LOWER, OL_UPPER, OL_STD, OL_INDICATOR, OL_VIOLATION, OL__COUNT };
static const char *const ol_suffix[OL__COUNT] = {"_error", "_lower", "_upper", "_std", "_indicator", "_violation"};

/* The stage's parsed form (query arena); the outputs are st->flds (by
 * OL_*), the series keys st->by. */
typedef struct ol_stage {
    uint32_t field;      /* the value */
    int64_t window;      /* points before each one that make the band */
    double threshold;    /* the band's half width in standard deviations */
    int64_t consecutive; /* indicators in a row that make a violation */
    uint8_t direction;   /* OL_UP | OL_DOWN */
} ol_stage_t;

/* One `name=value` option; the name is current. */
static bool parse_option(parser_t *p, ol_stage_t *ol) {
    tok_t name = p->t;
    ps_advance(p);
    if (!ps_expect(p, T_EQ, "'=' and a value")) return false;
    tok_t t = p->t;
    if (ps_is_kw(&name, "direction")) {
        uint8_t d = 0;
        while (p->t.kind == T_PLUS || p->t.kind == T_MINUS) {
            d |= p->t.kind == T_PLUS ? OL_UP : OL_DOWN;
            ps_advance(p);
        }
        if (!d) {
            ps_unexpected(p, "+-, + or -");
            return false;
        }
        ol->direction = d;
        return true;
    }
    if (ps_is_kw(&name, "threshold")) {
        double v;
        int kind;
        if (t.kind != T_NUM || !lex_num_value(t.v, &v, &kind) || kind != LEX_NUM_PLAIN || !(v > 0 && v < 1e9)) {
            ps_error(p, t.sp, "threshold is a positive number of standard deviations, such as 3");
            return false;
        }
        ol->threshold = v;
        ps_advance(p);
        return true;
    }
    int64_t *dst = ps_is_kw(&name, "window") ? &ol->window : ps_is_kw(&name, "consecutive") ? &ol->consecutive : NULL;
    if (!dst) {
        uint32_t e = ps_error(p, name.sp, "unknown outlier option '%.*s'", (int)(name.v.n > 32 ? 32 : name.v.n), name.v.p);
        diag_hint(p->d, e, "the options are window=, threshold=, consecutive= and direction=");
        return false;
    }
    if (!ps_count(p, dst)) return false;
    if (*dst < 1 || *dst > OL_MAXWINDOW) {
        ps_error(p, t.sp, "%.*s is between 1 and %d", (int)name.v.n, name.v.p, OL_MAXWINDOW);
        return false;
    }
    return true;
}

/* See op.h (STAGE_KINDS). */
bool stage_outlier(parser_t *p, stage_t *st) {
    st->kind = ST_OUTLIER;
    ps_advance(p);
    ol_stage_t *ol = arena_calloc(ps_arena(p), sizeof *ol);
    st->data = ol;
    *ol = (ol_stage_t){.window = 10, .threshold = 3.0, .consecutive = 1, .direction = OL_UP | OL_DOWN}; /* the page's defaults */
    pstr_t f;
    span_t fsp;
    if (!ps_fieldname(p, &f, &fsp)) return false;
    ol->field = ps_field_use(p, f);
    for (;;) {
        if (ps_is_kw(&p->t, "by") && !st->nby) {
            ps_advance(p);
            if (!ps_field_list(p, false, &st->by, &st->by_sp, &st->nby)) return false;
        } else if (p->t.kind == T_IDENT && ps_peek(p).kind == T_EQ) {
            if (!parse_option(p, ol)) return false;
        } else if (p->t.kind == T_COMMA && ps_peek(p).kind == T_IDENT) {
            ps_advance(p); /* window=5, threshold=3 */
        } else {
            break;
        }
    }
    /* The outputs are named after the field as written. */
    st->flds = arena_alloc(ps_arena(p), OL__COUNT * sizeof *st->flds);
    for (int k = 0; k < OL__COUNT; k++) {
        buf_t b = {0};
        buf_printf(&b, "%.*s%s", (int)f.n, f.p, ol_suffix[k]);
        st->flds[k] = ps_field_def(p, pstr(b.p, b.n));
        buf_free(&b);
    }
    st->nflds = OL__COUNT;
    return true;
}

/* A row of a series and where it sorts. */
typedef struct ol_point {
    uint32_t series;     /* the series (by tuple) id */
    double ts;           /* its _timeslice, or its row index when the table has none */
    size_t row;          /* its table row */
} ol_point_t;

static int cmp_point(const void *a, const void *b) {
    const ol_point_t *x = a, *y = b;
    if (x->series != y->series) return x->series < y->series ? -1 : 1;
    if (x->ts != y->ts) return x->ts < y->ts ? -1 : 1;
    return (x->row > y->row) - (x->row < y->row);
}

/* See op.h (STAGE_KINDS). */
int tab_outlier(exec_t *x, uint32_t i, const stage_t *s, table_t *t) {
    (void)x;
    (void)i;
    const ol_stage_t *ol = s->data;
    uint32_t w = (uint32_t)ol->window;
    tk_t series;
    tk_init(&series);
    ol_point_t *pts = xmalloc((t->n ? t->n : 1) * sizeof *pts);
    bool timed = t->n > 0;
    for (size_t r = 0; r < t->n && timed; r++) {
        double d;
        timed = val_to_num(rec_get(&t->rows[r], F_TIMESLICE), &d);
    }
    for (size_t r = 0; r < t->n; r++) {
        pts[r].series = tk_row(&series, &t->rows[r], s->by, s->nby, true, NULL);
        pts[r].row = r;
        pts[r].ts = (double)r;
        if (timed) val_to_num(rec_get(&t->rows[r], F_TIMESLICE), &pts[r].ts);
    }
    if (t->n > 1) qsort(pts, t->n, sizeof *pts, cmp_point);
    double *ring = xmalloc(w * sizeof *ring);
    uint32_t cnt = 0, head = 0;
    int64_t run = 0;
    for (size_t k = 0; k < t->n; k++) {
        if (k == 0 || pts[k].series != pts[k - 1].series) { /* a new series */
            cnt = head = 0;
            run = 0;
        }
        /* "the most recent time bucket ... is ignored" */
        bool last = k + 1 == t->n || pts[k + 1].series != pts[k].series;
        record_t *row = &t->rows[pts[k].row];
        value_t out[OL__COUNT];
        for (int c = 0; c < OL__COUNT; c++) out[c] = val_null();
        out[OL_INDICATOR] = out[OL_VIOLATION] = val_num(0);
        double v;
        if (val_to_num(rec_get(row, ol->field), &v) && isfinite(v)) {
            bool ind = false;
            if (cnt == w) { /* a band once `window` points precede this one */
                double mean, sd;
                tk_stats(ring, cnt, &mean, &sd);
                double lo = mean - ol->threshold * sd, hi = mean + ol->threshold * sd;
                out[OL_ERROR] = val_num(v - mean);
                out[OL_LOWER] = val_num(lo);
                out[OL_UPPER] = val_num(hi);
                out[OL_STD] = val_num(sd);
                ind = !last && (((ol->direction & OL_UP) && v > hi) || ((ol->direction & OL_DOWN) && v < lo));
            }
            run = ind ? run + 1 : 0;
            out[OL_INDICATOR] = val_num(ind);
            out[OL_VIOLATION] = val_num(ind && run >= ol->consecutive);
            ring[head] = v;
            head = (head + 1) % w;
            if (cnt < w) cnt++;
        } else {
            run = 0;
        }
        for (int c = 0; c < OL__COUNT; c++) rec_set(row, s->flds[c], out[c]);
    }
    free(ring);
    free(pts);
    tk_free(&series);
    return 0;
}
