/* op_bin.c — the bin operator: a number's histogram bin.
 *
 * `bin <field> width=<w>[, min=<a>][, max=<b>] [as <label>]` sets
 * `_bin_lower` and `_bin_upper` to the bounds of the bin of width w that
 * holds the field's value, and `_bin_label` (or the alias) to the interval
 * `[lower, upper)` (bin page). Bins start at min (at 0 without it); values
 * below min fall in the first bin, values above max in the last. A row
 * stage; the label goes into the worker's scratch arena.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "op.h"

/* The stage's parsed form (query arena); st->src is the field read,
 * st->as the label, st->flds the lower and upper bounds. */
typedef struct bin_stage {
    double width;        /* bin width, > 0 */
    double min, max;     /* the bounds given */
    bool has_min;        /* min= was written */
    bool has_max;        /* max= was written */
} bin_stage_t;

/* A number after `name=`: digits with an optional sign and fraction. */
static bool parse_number(parser_t *p, double *out) {
    bool neg = false;
    uint32_t start = p->t.sp.off;
    if (p->t.kind == T_MINUS || p->t.kind == T_PLUS) {
        neg = p->t.kind == T_MINUS;
        ps_advance(p);
    }
    double v;
    int kind;
    if (p->t.kind != T_NUM || !lex_num_value(p->t.v, &v, &kind) || kind != LEX_NUM_PLAIN || !isfinite(v)) {
        if (p->t.kind == T_NUM) ps_error(p, ps_span_from(p, start), "bin takes a plain number here, such as 10 or 0.5");
        else ps_unexpected(p, "a number");
        return false;
    }
    ps_advance(p);
    *out = neg ? -v : v;
    return true;
}

/* See op.h (STAGE_KINDS). */
bool stage_bin(parser_t *p, stage_t *st) {
    st->kind = ST_BIN;
    uint32_t start = p->t.sp.off;
    ps_advance(p);
    bin_stage_t *b = arena_calloc(ps_arena(p), sizeof *b);
    st->data = b;
    pstr_t f;
    span_t fsp;
    if (!ps_fieldname(p, &f, &fsp)) return false;
    st->src = ps_field_use(p, f);
    bool has_width = false;
    span_t max_sp = {0, 0};
    for (;;) {
        if (p->t.kind == T_COMMA) ps_advance(p); /* width=10, min=0 */
        if (p->t.kind != T_IDENT || ps_peek(p).kind != T_EQ) break;
        tok_t name = p->t;
        ps_advance(p);
        ps_advance(p); /* the '=' */
        uint32_t vstart = p->t.sp.off;
        double v;
        if (!parse_number(p, &v)) return false;
        if (ps_is_kw(&name, "width")) {
            if (!(v > 0)) {
                ps_error(p, ps_span_from(p, vstart), "the bin width must be more than 0");
                return false;
            }
            b->width = v;
            has_width = true;
        } else if (ps_is_kw(&name, "min")) {
            b->min = v;
            b->has_min = true;
        } else if (ps_is_kw(&name, "max")) {
            b->max = v;
            b->has_max = true;
            max_sp = ps_span_from(p, vstart);
        } else {
            uint32_t e = ps_error(p, name.sp, "unknown bin option '%.*s'", (int)(name.v.n > 32 ? 32 : name.v.n),
                                  name.v.p);
            diag_hint(p->d, e, "the options are width=, min= and max=");
            return false;
        }
    }
    if (!has_width) {
        uint32_t e = ps_error(p, ps_span_from(p, start), "bin needs a width");
        diag_hint(p->d, e, "bin %.*s width=10", (int)f.n, f.p);
        return false;
    }
    if (b->has_min && b->has_max && !(b->max > b->min)) {
        ps_error(p, max_sp, "max must be more than min");
        return false;
    }
    pstr_t label = PSTR_LIT("_bin_label");
    if (ps_is_kw(&p->t, "as")) {
        ps_advance(p);
        span_t lsp;
        if (!ps_fieldname(p, &label, &lsp)) return false;
    }
    st->as = ps_field_def(p, label);
    st->flds = arena_alloc(ps_arena(p), 2 * sizeof *st->flds);
    st->flds[0] = ps_field_def(p, PSTR_LIT("_bin_lower"));
    st->flds[1] = ps_field_def(p, PSTR_LIT("_bin_upper"));
    st->nflds = 2;
    return true;
}

/* A bound as it prints: the sum origin + k * width rounded to 15
 * significant digits, so 0.1 * 3 is 0.3, not 0.30000000000000004. */
static double tidy(double v) {
    char tmp[40];
    snprintf(tmp, sizeof tmp, "%.15g", v);
    return strtod(tmp, NULL);
}

/* See op.h (STAGE_KINDS). */
int row_bin(exec_t *x, uint32_t i, const stage_t *s, record_t *r) {
    const bin_stage_t *b = s->data;
    double v;
    if (!val_to_num(rec_get(r, s->src), &v) || isnan(v) || (isinf(v) && !(v < 0 ? b->has_min : b->has_max))) {
        rec_set(r, s->as, val_null());
        rec_set(r, s->flds[0], val_null());
        rec_set(r, s->flds[1], val_null());
        return ex_next(x, i, r);
    }
    double origin = b->has_min ? b->min : 0;
    double k = isinf(v) ? 0 : floor((v - origin) / b->width);
    /* The division can land a hair off a bound (499.9 / 0.1 is 4998.99...):
     * the printed bounds decide. */
    if (!isinf(v) && tidy(origin + (k + 1) * b->width) <= v) k++;
    else if (!isinf(v) && tidy(origin + k * b->width) > v) k--;
    if (b->has_min && (v < b->min || k < 0)) k = 0; /* "less than the min are assigned to the first bin" */
    if (b->has_max) {
        double last = ceil((b->max - origin) / b->width) - 1; /* the bin that holds values just below max */
        if (last < 0) last = 0;
        if (v > b->max || k > last) k = last; /* "more than the max are assigned to the last bin" */
    }
    double lo = tidy(origin + k * b->width), hi = tidy(origin + (k + 1) * b->width);
    char a[40], c[40];
    int an = num_fmt(a, lo), cn = num_fmt(c, hi);
    char *label = arena_alloc(&x->scratch, (size_t)an + (size_t)cn + 5);
    int n = snprintf(label, (size_t)an + (size_t)cn + 5, "[%.*s, %.*s)", an, a, cn, c);
    rec_set(r, s->as, val_str(label, (size_t)n));
    rec_set(r, s->flds[0], val_num(lo));
    rec_set(r, s->flds[1], val_num(hi));
    return ex_next(x, i, r);
}
