/* op_running.c — total, accum, diff, smooth, rollingstd, backshift.
 *
 * `op <field>[, <n>] [as <name>] [by <f>, ...]` (and `op(<field>)`): one
 * number per row computed over the rows before it (accum, diff, smooth,
 * rollingstd, backshift) or over all rows (total) of its `by` group, in
 * the table's current order. They are blocking stages: they run on the
 * table after the stream (or an aggregate) has been collected, once per
 * row, never per input record. A value that is not a number takes no
 * part; see docs/semantics.md §11 for what its row gets.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "op.h"
#include "tabkit.h"

/* Largest window or shift (smooth, rollingstd, backshift pages). */
#define RUN_MAXWINDOW 1000

/* What each operator is called, its default output, and its window. */
typedef struct run_op {
    uint8_t kind;        /* stage_kind_t */
    const char *dflt;    /* default output name */
    int64_t window;      /* default window (shift for backshift); 0: takes none */
} run_op_t;

static const run_op_t run_ops[] = {
    {ST_TOTAL, "_total", 0},           {ST_ACCUM, "_accum", 0},         {ST_DIFF, "_diff", 0},
    {ST_SMOOTH, "_smooth", 10},        {ST_ROLLINGSTD, "_rollingstd", 10}, {ST_BACKSHIFT, "_backshift", 1},
};

/* The stage's parsed form (query arena); the output is st->as (also
 * st->flds[0]), the groups st->by. */
typedef struct run_stage {
    uint32_t field;      /* the field read */
    int64_t window;      /* smooth/rollingstd: values averaged; backshift: rows back */
} run_stage_t;

static const run_op_t *run_op(uint8_t kind) {
    for (size_t i = 0; i < sizeof run_ops / sizeof *run_ops; i++)
        if (run_ops[i].kind == kind) return &run_ops[i];
    return &run_ops[0];
}

/* `<op> f[, n] [as a] [by g, ...]`, or `<op>(f[, n])`; `as` and `by` in
 * either order. */
static bool parse_running(parser_t *p, stage_t *st, uint8_t kind) {
    const run_op_t *op = run_op(kind);
    const char *name = stage_info[kind].name;
    st->kind = kind;
    ps_advance(p);
    run_stage_t *rs = arena_calloc(ps_arena(p), sizeof *rs);
    st->data = rs;
    rs->window = op->window;
    bool paren = p->t.kind == T_LPAREN;
    if (paren) ps_advance(p);
    pstr_t f;
    span_t fsp;
    if (!ps_fieldname(p, &f, &fsp)) return false;
    rs->field = ps_field_use(p, f);
    if (p->t.kind == T_COMMA) {
        tok_t comma = p->t;
        ps_advance(p);
        if (!op->window) {
            uint32_t e = ps_error(p, comma.sp, "%s takes one field and no window", name);
            diag_hint(p->d, e, "%s <field> [as <name>] [by <field>, ...]", name);
            return false;
        }
        tok_t t = p->t;
        if (!ps_count(p, &rs->window)) return false;
        if (rs->window < 1 || rs->window > RUN_MAXWINDOW) {
            ps_error(p, t.sp, "the %s of %s is between 1 and %d", kind == ST_BACKSHIFT ? "shift" : "window", name,
                     RUN_MAXWINDOW);
            return false;
        }
    }
    if (paren && !ps_expect(p, T_RPAREN, "')'")) return false;
    bool as_given = false;
    for (;;) {
        if (ps_is_kw(&p->t, "as") && !as_given) {
            ps_advance(p);
            pstr_t a;
            span_t asp;
            if (!ps_fieldname(p, &a, &asp)) return false;
            st->as = ps_field_def(p, a);
            as_given = true;
        } else if (ps_is_kw(&p->t, "by") && !st->nby) {
            ps_advance(p);
            if (!ps_field_list(p, false, &st->by, &st->by_sp, &st->nby)) return false;
        } else {
            break;
        }
    }
    if (!as_given) st->as = ps_field_def(p, pstr_c(op->dflt));
    st->flds = arena_alloc(ps_arena(p), sizeof *st->flds);
    st->flds[0] = st->as;
    st->nflds = 1;
    return true;
}

/* See op.h (STAGE_KINDS). */
bool stage_total(parser_t *p, stage_t *st) { return parse_running(p, st, ST_TOTAL); }
/* See op.h (STAGE_KINDS). */
bool stage_accum(parser_t *p, stage_t *st) { return parse_running(p, st, ST_ACCUM); }
/* See op.h (STAGE_KINDS). */
bool stage_diff(parser_t *p, stage_t *st) { return parse_running(p, st, ST_DIFF); }
/* See op.h (STAGE_KINDS). */
bool stage_smooth(parser_t *p, stage_t *st) { return parse_running(p, st, ST_SMOOTH); }
/* See op.h (STAGE_KINDS). */
bool stage_rollingstd(parser_t *p, stage_t *st) { return parse_running(p, st, ST_ROLLINGSTD); }
/* See op.h (STAGE_KINDS). */
bool stage_backshift(parser_t *p, stage_t *st) { return parse_running(p, st, ST_BACKSHIFT); }

/* One `by` group's state. */
typedef struct run_group {
    double acc;          /* total, accum: the sum; diff: the previous value */
    bool has;            /* acc holds a value */
    double *ring;        /* smooth, rollingstd, backshift: the last values (window of them) */
    uint32_t cnt, head;  /* values in ring, where the next one goes */
} run_group_t;

/* The result for one row whose value is d, updating its group. */
static value_t run_step(uint8_t kind, run_group_t *g, double d, uint32_t window) {
    value_t out = val_null();
    switch (kind) {
    case ST_ACCUM:
        g->acc += d;
        return val_num(g->acc);
    case ST_DIFF:
        if (g->has) out = val_num(d - g->acc);
        g->acc = d;
        g->has = true;
        return out;
    case ST_BACKSHIFT:
        /* The ring holds the last `window` values; the oldest is the one
         * `window` rows back. */
        if (g->cnt == window) out = val_num(g->ring[g->head]);
        break;
    default: break;
    }
    g->ring[g->head] = d;
    g->head = (g->head + 1) % window;
    if (g->cnt < window) g->cnt++;
    if (kind == ST_BACKSHIFT) return out;
    double mean, sd;
    tk_stats(g->ring, g->cnt, &mean, &sd);
    return val_num(kind == ST_SMOOTH ? mean : sd);
}

/* See op.h (STAGE_KINDS): every row gets its number, in table order. */
int tab_running(exec_t *x, uint32_t i, const stage_t *s, table_t *t) {
    (void)x;
    (void)i;
    const run_stage_t *rs = s->data;
    uint32_t window = (uint32_t)(rs->window > 0 ? rs->window : 1);
    tk_t k;
    tk_init(&k);
    arena_t a = {0};
    run_group_t *gs = NULL;
    uint32_t ng = 0, gcap = 0;
    uint32_t *gid = xmalloc((t->n ? t->n : 1) * sizeof *gid);
    uint8_t *keep = xmalloc(t->n ? t->n : 1);
    for (size_t r = 0; r < t->n; r++) {
        record_t *row = &t->rows[r];
        gid[r] = tk_row(&k, row, s->by, s->nby, true, NULL);
        if (gid[r] == ng) {
            if (ng == gcap) {
                gcap = gcap ? gcap * 2 : 16;
                gs = xrealloc(gs, gcap * sizeof *gs);
            }
            memset(&gs[ng], 0, sizeof gs[ng]);
            if (run_op(s->kind)->window) gs[ng].ring = arena_alloc(&a, window * sizeof *gs[ng].ring);
            ng++;
        }
        run_group_t *g = &gs[gid[r]];
        double d;
        bool num = val_to_num(rec_get(row, rs->field), &d) && isfinite(d);
        /* diff drops rows without a number (diff page); the others keep them. */
        keep[r] = num || s->kind != ST_DIFF;
        if (s->kind == ST_TOTAL) {
            if (num) { g->acc += d; g->has = true; }
            continue;
        }
        rec_set(row, s->as, num ? run_step(s->kind, g, d, window) : val_null());
    }
    if (s->kind == ST_TOTAL)
        for (size_t r = 0; r < t->n; r++)
            rec_set(&t->rows[r], s->as, gs[gid[r]].has ? val_num(gs[gid[r]].acc) : val_null());
    if (s->kind == ST_DIFF) tk_keep_rows(t, keep);
    free(keep);
    free(gid);
    free(gs);
    arena_free(&a);
    tk_free(&k);
    return 0;
}
