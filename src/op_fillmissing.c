/* op_fillmissing.c — the fillmissing operator: rows for the groups that
 * have no data.
 *
 * `fillmissing <generator> [, <generator> ...] [with <value> [for <f>]
 * [, ...]] [takeLast]`, where a generator is `timeslice[(<width>)] [in
 * <f>]`, `values("a", "b", ...) in <f>` or `values all in <f>`. The
 * generators enumerate every combination of their values (a Cartesian
 * product, at most 10,000); each combination missing from the table is
 * appended as a row whose other fields get the `with` value, or 0 for a
 * number and null for anything else (fillmissing page). A blocking stage
 * on the collected table, usually after an aggregate.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "op.h"
#include "tabkit.h"

/* Combinations the generators make at most ("up to 10,000 combinations"). */
#define FM_MAXROWS 10000

/* Generator kinds. */
enum { FM_VALUES, FM_ALL, FM_TIMESLICE };

/* One generator (query arena). */
typedef struct fm_gen {
    uint8_t kind;        /* FM_* */
    uint32_t field;      /* the key field it fills */
    pstr_t *vals;        /* FM_VALUES: the values */
    uint32_t nvals;
    int64_t width;       /* FM_TIMESLICE: the slice width in ms */
} fm_gen_t;

/* One `with <value> [for <field>]` (query arena). */
typedef struct fm_with {
    uint32_t field;      /* FIELD_NONE: every non-key field without its own */
    value_t v;           /* the value (strings in the query arena) */
} fm_with_t;

/* The stage's parsed form (query arena). */
typedef struct fm_stage {
    fm_gen_t *gens;      /* the generators, in query order */
    uint32_t ngens;
    fm_with_t *with;     /* the `with` values */
    uint32_t nwith;
    bool takelast;       /* takeLast: copy the previous timeslice's values */
    uint32_t *numeric;   /* fields an earlier stage makes numbers (an aggregate's counts, ...) */
    uint32_t nnumeric;
    bool transposed;     /* a transpose came after the last aggregate: other fields default to null */
} fm_stage_t;

/* Aggregates whose result is a number. */
static bool numeric_agg(int fn) {
    return fn != AG_FIRST && fn != AG_LAST && fn != AG_VALUES && fn != AG_MOST_RECENT && fn != AG_LEAST_RECENT;
}

/* The fields the stages before this one make numbers, back to the last
 * aggregate; a transpose in between makes its columns' type unknown
 * ("the filled-in fields will always be null"). */
static void find_numeric(parser_t *p, fm_stage_t *fm) {
    uint32_t cap = 0;
    for (uint32_t i = p->q->nst; i-- > 0;) {
        const stage_t *s = &p->q->st[i];
        if (s->kind == ST_TRANSPOSE) {
            fm->transposed = true;
            return;
        }
        if (s->kind == ST_AGG) {
            for (uint32_t k = 0; k < s->naggs; k++)
                if (numeric_agg(s->aggs[k].fn)) PS_PUSH(p, fm->numeric, fm->nnumeric, cap, s->aggs[k].as);
            return;
        }
        if (stage_info[s->kind].flags & SF_GROUP) { /* top, count_frequent: the count or ranks */
            if (!s->naggs) PS_PUSH(p, fm->numeric, fm->nnumeric, cap, s->as);
            for (uint32_t k = 0; k < s->naggs; k++)
                if (numeric_agg(s->aggs[k].fn)) PS_PUSH(p, fm->numeric, fm->nnumeric, cap, s->aggs[k].as);
            return;
        }
        if (stage_info[s->kind].flags & SF_NUMOUT)
            for (uint32_t k = 0; k < s->nflds; k++) PS_PUSH(p, fm->numeric, fm->nnumeric, cap, s->flds[k]);
        if (s->kind == ST_TIMESLICE) PS_PUSH(p, fm->numeric, fm->nnumeric, cap, s->as);
    }
}

/* `in <field>` after a generator. */
static bool parse_in(parser_t *p, fm_gen_t *g) {
    if (!ps_expect_kw(p, "in", "'in' and the field it fills")) return false;
    pstr_t f;
    span_t sp;
    if (!ps_fieldname(p, &f, &sp)) return false;
    g->field = ps_field_use(p, f);
    return true;
}

/* `timeslice[(<width>)] [in <field>]`; the keyword is current. */
static bool parse_timeslice_gen(parser_t *p, fm_gen_t *g) {
    tok_t kw = p->t;
    ps_advance(p);
    g->kind = FM_TIMESLICE;
    g->field = F_TIMESLICE;
    p->q->ft.e[F_TIMESLICE].wanted = 1;
    if (p->t.kind == T_LPAREN) {
        ps_advance(p);
        tok_t t = p->t;
        double v = 0;
        int kind = LEX_NUM_PLAIN;
        if (t.kind != T_NUM || !lex_num_value(t.v, &v, &kind) || kind != LEX_NUM_TIME || !(v >= 1000) ||
            v != floor(v) || v > 1e15) {
            uint32_t e = ps_error(p, t.sp, "a timeslice generator takes a time period such as 15m");
            diag_hint(p->d, e, "periods are in weeks (w), days (d), hours (h), minutes (m) or seconds (s)");
            return false;
        }
        g->width = (int64_t)v;
        ps_advance(p);
        if (!ps_expect(p, T_RPAREN, "')'")) return false;
    } else {
        /* "the same time period from the previous timeslice operator" */
        for (uint32_t i = p->q->nst; i-- > 0 && !g->width;)
            if (p->q->st[i].kind == ST_TIMESLICE) g->width = p->q->st[i].slice_ms;
        if (!g->width) {
            uint32_t e = ps_error(p, kw.sp, "fillmissing timeslice without a period needs a timeslice stage before it");
            diag_hint(p->d, e, "give the period: fillmissing timeslice(15m)");
            return false;
        }
    }
    if (ps_is_kw(&p->t, "in")) return parse_in(p, g);
    return true;
}

/* `values("a", ...) in <field>` or `values all in <field>`. */
static bool parse_values_gen(parser_t *p, fm_gen_t *g) {
    ps_advance(p);
    if (ps_is_kw(&p->t, "all")) {
        g->kind = FM_ALL;
        ps_advance(p);
        return parse_in(p, g);
    }
    g->kind = FM_VALUES;
    if (!ps_expect(p, T_LPAREN, "'(' and quoted values, or 'all'")) return false;
    uint32_t cap = 0;
    for (;;) {
        if (p->t.kind != T_STR) {
            uint32_t e = ps_unexpected(p, "a quoted value");
            diag_hint(p->d, e, "the values generator takes string literals only: values(\"200\", \"404\")");
            return false;
        }
        PS_PUSH(p, g->vals, g->nvals, cap, p->t.v);
        ps_advance(p);
        if (p->t.kind != T_COMMA) break;
        ps_advance(p);
    }
    if (!ps_expect(p, T_RPAREN, "',' or ')'")) return false;
    return parse_in(p, g);
}

/* A `with` constant: a number, a quoted string or null. */
static bool parse_const(parser_t *p, value_t *v) {
    bool neg = p->t.kind == T_MINUS;
    if (neg) ps_advance(p);
    tok_t t = p->t;
    double d;
    int kind;
    if (t.kind == T_NUM && lex_num_value(t.v, &d, &kind)) {
        *v = val_num(neg ? -d : d);
    } else if (!neg && t.kind == T_STR) {
        *v = val_strv(t.v);
    } else if (!neg && ps_is_kw(&t, "null")) {
        *v = val_null();
    } else if (!neg && (ps_is_kw(&t, "true") || ps_is_kw(&t, "false"))) {
        *v = val_bool(ps_is_kw(&t, "true"));
    } else {
        ps_unexpected(p, "a value for the filled fields: a number, a quoted string or null");
        return false;
    }
    ps_advance(p);
    return true;
}

/* See op.h (STAGE_KINDS). */
bool stage_fillmissing(parser_t *p, stage_t *st) {
    st->kind = ST_FILLMISSING;
    ps_advance(p);
    fm_stage_t *fm = arena_calloc(ps_arena(p), sizeof *fm);
    st->data = fm;
    uint32_t gcap = 0, wcap = 0;
    for (;;) {
        fm_gen_t g = {0};
        uint32_t start = p->t.sp.off;
        if (ps_is_kw(&p->t, "timeslice")) {
            if (!parse_timeslice_gen(p, &g)) return false;
        } else if (ps_is_kw(&p->t, "values")) {
            if (!parse_values_gen(p, &g)) return false;
        } else {
            uint32_t e = ps_unexpected(p, "a generator");
            diag_hint(p->d, e, "fillmissing timeslice(15m), values(\"a\", \"b\") in <field>, or values all in <field>");
            return false;
        }
        for (uint32_t k = 0; k < fm->ngens; k++)
            if (fm->gens[k].field == g.field) {
                pstr_t n = ftab_name(&p->q->ft, g.field);
                ps_error(p, ps_span_from(p, start), "two generators fill the field '%.*s'", (int)n.n, n.p);
                return false;
            }
        PS_PUSH(p, fm->gens, fm->ngens, gcap, g);
        if (p->t.kind != T_COMMA) break;
        ps_advance(p);
    }
    if (ps_is_kw(&p->t, "with")) {
        ps_advance(p);
        for (;;) {
            fm_with_t w = {.field = FIELD_NONE};
            if (!parse_const(p, &w.v)) return false;
            if (ps_is_kw(&p->t, "for")) {
                ps_advance(p);
                pstr_t f;
                span_t sp;
                if (!ps_fieldname(p, &f, &sp)) return false;
                w.field = ps_field_use(p, f);
            }
            PS_PUSH(p, fm->with, fm->nwith, wcap, w);
            if (p->t.kind != T_COMMA) break;
            ps_advance(p);
        }
    }
    if (ps_is_kw(&p->t, "takelast")) {
        bool ts = false;
        for (uint32_t k = 0; k < fm->ngens; k++) ts |= fm->gens[k].kind == FM_TIMESLICE;
        if (!ts) {
            ps_error(p, p->t.sp, "takeLast needs a timeslice generator");
            return false;
        }
        fm->takelast = true;
        ps_advance(p);
    }
    find_numeric(p, fm);
    return true;
}

/* ---- running ----------------------------------------------------------- */

/* A generator's values at run time. */
typedef struct fm_list {
    value_t *v;          /* heap */
    uint32_t n;
    double all;          /* how many it makes (a timeslice generator stops making them past the cap) */
} fm_list_t;

static void list_push(fm_list_t *l, uint32_t *cap, value_t v) {
    if (l->n == *cap) {
        *cap = *cap ? *cap * 2 : 16;
        l->v = xrealloc(l->v, *cap * sizeof *l->v);
    }
    l->v[l->n++] = v;
}

/* The values generator g enumerates over table t. */
static void gen_values(const exec_t *x, const fm_gen_t *g, const table_t *t, fm_list_t *l) {
    uint32_t cap = 0;
    if (g->kind == FM_VALUES) {
        for (uint32_t k = 0; k < g->nvals; k++) list_push(l, &cap, val_strv(g->vals[k]));
    } else if (g->kind == FM_ALL) {
        /* "all the distinct values for the field from the query results" */
        tk_t seen;
        tk_init(&seen);
        for (size_t r = 0; r < t->n; r++) {
            value_t v = rec_get(&t->rows[r], g->field);
            bool isnew = false;
            if (v.t != V_NULL) tk_row(&seen, &t->rows[r], &g->field, 1, true, &isnew);
            if (isnew) list_push(l, &cap, v);
        }
        tk_free(&seen);
    } else {
        /* The slices of the search's time range (--from/--to, each bound
         * that was given), else from the data's first to its last value:
         * "the query's time range" (fillmissing page). */
        double lo = INFINITY, hi = -INFINITY, d;
        for (size_t r = 0; r < t->n; r++)
            if (val_to_num(rec_get(&t->rows[r], g->field), &d)) {
                if (d < lo) lo = d;
                if (d > hi) hi = d;
            }
        if (x->eo->has_from) lo = (double)x->eo->from_ms;
        if (x->eo->has_to) hi = (double)x->eo->to_ms - 1;
        if (!(lo <= hi)) return; /* no slice: all stays 0 */
        double w = (double)g->width, first = floor(lo / w) * w;
        l->all = floor((hi - first) / w) + 1;
        for (double s = first; s <= hi && l->n <= FM_MAXROWS; s += w) list_push(l, &cap, val_num(s));
        return;
    }
    l->all = l->n;
}

/* What a filled row gets in non-key field f. */
static value_t default_for(const fm_stage_t *fm, const table_t *t, uint32_t f) {
    for (uint32_t k = 0; k < fm->nwith; k++)
        if (fm->with[k].field == f) return fm->with[k].v;
    for (uint32_t k = 0; k < fm->nwith; k++)
        if (fm->with[k].field == FIELD_NONE) return fm->with[k].v;
    /* An integer or double field gets 0 (fillmissing page); postern knows
     * a number from the stage that made the field, else from the rows. */
    for (uint32_t k = 0; k < fm->nnumeric; k++)
        if (fm->numeric[k] == f && !fm->transposed) return val_num(0);
    if (fm->transposed || t->n == 0) return val_null();
    for (size_t r = 0; r < t->n; r++)
        if (rec_get(&t->rows[r], f).t != V_NUM) return val_null();
    return val_num(0);
}

/* A filled row and its timeslice, for takeLast. */
typedef struct fm_added {
    double ts;           /* the row's timeslice */
    size_t row;          /* its index in the table */
} fm_added_t;

static int cmp_added(const void *a, const void *b) {
    const fm_added_t *x = a, *y = b;
    if (x->ts != y->ts) return x->ts < y->ts ? -1 : 1;
    return (x->row > y->row) - (x->row < y->row);
}

/* See op.h (STAGE_KINDS). */
int tab_fillmissing(exec_t *x, uint32_t i, const stage_t *s, table_t *t) {
    (void)i;
    const fm_stage_t *fm = s->data;
    uint32_t ng = fm->ngens;
    uint32_t *keys = xmalloc(ng * sizeof *keys);
    for (uint32_t g = 0; g < ng; g++) keys[g] = fm->gens[g].field;

    /* The other fields, and what filled rows get in them. */
    table_t cols;
    table_init(&cols);
    if (t->fixed) {
        for (uint32_t c = 0; c < t->ncols; c++) table_add_col(&cols, t->cols[c]);
        for (uint32_t g = 0; g < ng; g++) table_add_col(t, keys[g]);
    } else {
        for (size_t r = 0; r < t->n; r++)
            for (uint32_t k = 0; k < t->rows[r].norder; k++)
                if (t->rows[r].order[k] >= F_NBUILTIN) table_add_col(&cols, t->rows[r].order[k]);
    }
    for (uint32_t g = 0; g < ng; g++) table_del_col(&cols, keys[g]);
    value_t *dflt = xmalloc((cols.ncols ? cols.ncols : 1) * sizeof *dflt);
    for (uint32_t c = 0; c < cols.ncols; c++) dflt[c] = default_for(fm, t, cols.cols[c]);

    /* Every generator's values; the combinations, first generator outermost. */
    fm_list_t *lists = xcalloc(ng, sizeof *lists);
    double combos = 1, all = 1; /* combinations made, and that the generators describe */
    for (uint32_t g = 0; g < ng; g++) {
        gen_values(x, &fm->gens[g], t, &lists[g]);
        combos *= lists[g].n;
        all *= lists[g].all;
    }
    if (all > FM_MAXROWS)
        fprintf(stderr, "postern: warning: fillmissing generators make %.0f combinations; like Sumo it keeps the first %d\n",
                all, FM_MAXROWS);

    /* The key tuples present, and which row holds each (for takeLast). */
    tk_t present;
    tk_init(&present);
    size_t *at = NULL;
    uint32_t atcap = 0;
    for (size_t r = 0; r < t->n; r++) {
        bool isnew;
        uint32_t id = tk_row(&present, &t->rows[r], keys, ng, true, &isnew);
        if (!isnew) continue;
        if (id == atcap) {
            atcap = atcap ? atcap * 2 : 64;
            at = xrealloc(at, atcap * sizeof *at);
        }
        at[id] = r;
    }
    fm_added_t *added = NULL;
    size_t nadded = 0, addcap = 0;
    uint32_t *idx = xcalloc(ng, sizeof *idx);
    uint32_t tsg = ng; /* the timeslice generator (takeLast) */
    for (uint32_t g = 0; g < ng && tsg == ng; g++)
        if (fm->gens[g].kind == FM_TIMESLICE) tsg = g;
    for (double made = 0; combos >= 1 && made < combos && made < FM_MAXROWS; made++) {
        tk_begin(&present);
        for (uint32_t g = 0; g < ng; g++) tk_push(&present, lists[g].v[idx[g]]);
        bool isnew;
        uint32_t id = tk_end(&present, true, &isnew);
        if (isnew) {
            record_t *row = table_new_row(t);
            for (uint32_t g = 0; g < ng; g++) rec_set(row, keys[g], lists[g].v[idx[g]]);
            for (uint32_t c = 0; c < cols.ncols; c++) rec_set(row, cols.cols[c], dflt[c]);
            if (id == atcap) {
                atcap = atcap ? atcap * 2 : 64;
                at = xrealloc(at, atcap * sizeof *at);
            }
            at[id] = t->n - 1;
            if (nadded == addcap) {
                addcap = addcap ? addcap * 2 : 64;
                added = xrealloc(added, addcap * sizeof *added);
            }
            double ts = 0;
            if (tsg < ng) val_to_num(lists[tsg].v[idx[tsg]], &ts);
            added[nadded++] = (fm_added_t){ts, t->n - 1};
        }
        for (uint32_t g = ng; g-- > 0;) { /* the odometer: the last generator turns fastest */
            if (++idx[g] < lists[g].n) break;
            idx[g] = 0;
        }
    }

    /* takeLast: a filled row copies the row of the slice before it (filled
     * or not), oldest first so a run of gaps carries the last value on. */
    if (fm->takelast && tsg < ng && nadded) {
        qsort(added, nadded, sizeof *added, cmp_added);
        for (size_t a = 0; a < nadded; a++) {
            record_t *row = &t->rows[added[a].row];
            tk_begin(&present);
            for (uint32_t g = 0; g < ng; g++)
                tk_push(&present, g == tsg ? val_num(added[a].ts - (double)fm->gens[g].width) : rec_get(row, keys[g]));
            uint32_t prev = tk_end(&present, false, NULL);
            if (prev == TK_NONE) continue;
            const record_t *from = &t->rows[at[prev]];
            for (uint32_t c = 0; c < cols.ncols; c++) rec_set(row, cols.cols[c], rec_get(from, cols.cols[c]));
        }
    }
    for (size_t a = 0; a < nadded; a++) rec_pin(&t->rows[added[a].row], &t->arena);

    for (uint32_t g = 0; g < ng; g++) free(lists[g].v);
    free(lists);
    free(idx);
    free(added);
    free(at);
    free(dflt);
    free(keys);
    table_free(&cols);
    tk_free(&present);
    return 0;
}
