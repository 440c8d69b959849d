/* op_topk.c — the ranking operators: topk and count_frequent.
 *
 * `topk(N, <f> [, <f2> ...]) [by <g>, ...]` keeps, in each `by` group, the
 * N rows with the largest values of f (then f2, ...), ranked 1 to N in
 * `_rank` (topk page): a blocking stage on the table, groups in order of
 * first appearance, each group's rows by rank.
 * `count_frequent <f> [, <g> ...]` counts each tuple of the fields into
 * `_approxcount` and keeps the 10,000 largest counts, most to least (count
 * page): it is a `top` of its own, folded through agg.c's group table.
 */
#include <stdlib.h>
#include <string.h>

#include "op.h"
#include "tabkit.h"

/* Results count_frequent keeps ("the highest-count 10,000 results"). */
#define CF_MAX 10000

/* topk's parsed form (query arena); N is st->n, the groups st->by, the
 * rank field st->as (and st->flds[0]). */
typedef struct topk_stage {
    uint32_t *fields;    /* the ranked fields, most significant first */
    span_t *fields_sp;
    uint32_t nfields;
} topk_stage_t;

/* See op.h (STAGE_KINDS). */
bool stage_topk(parser_t *p, stage_t *st) {
    st->kind = ST_TOPK;
    ps_advance(p);
    topk_stage_t *tp = arena_calloc(ps_arena(p), sizeof *tp);
    st->data = tp;
    if (!ps_expect(p, T_LPAREN, "'(' and a count: topk(10, _count)")) return false;
    tok_t t = p->t;
    if (!ps_count(p, &st->n)) return false;
    if (st->n < 1) {
        ps_error(p, t.sp, "topk keeps at least 1 result");
        return false;
    }
    if (!ps_expect(p, T_COMMA, "',' and the field to rank by")) return false;
    if (!ps_field_list(p, false, &tp->fields, &tp->fields_sp, &tp->nfields)) return false;
    if (!ps_expect(p, T_RPAREN, "')'")) return false;
    if (ps_is_kw(&p->t, "by")) {
        ps_advance(p);
        if (!ps_field_list(p, false, &st->by, &st->by_sp, &st->nby)) return false;
    }
    st->as = ps_field_def(p, PSTR_LIT("_rank"));
    st->flds = arena_alloc(ps_arena(p), sizeof *st->flds);
    st->flds[0] = st->as;
    st->nflds = 1;
    return true;
}

/* A row to rank. */
typedef struct topk_item {
    uint32_t group;          /* its `by` group, by first appearance */
    size_t row;              /* its table row */
    const record_t *r;       /* the row */
    const topk_stage_t *tp;    /* what to compare */
} topk_item_t;

/* Group, then the ranked fields largest first (nulls last), then table
 * order. */
static int cmp_item(const void *a, const void *b) {
    const topk_item_t *x = a, *y = b;
    if (x->group != y->group) return x->group < y->group ? -1 : 1;
    for (uint32_t k = 0; k < x->tp->nfields; k++) {
        value_t u = rec_get(x->r, x->tp->fields[k]), v = rec_get(y->r, x->tp->fields[k]);
        if (u.t == V_NULL || v.t == V_NULL) {
            if (u.t == v.t) continue;
            return u.t == V_NULL ? 1 : -1;
        }
        int c = val_cmp(u, v);
        if (c) return -c;
    }
    return (x->row > y->row) - (x->row < y->row);
}

/* See op.h (STAGE_KINDS). */
int tab_topk(exec_t *x, uint32_t i, const stage_t *s, table_t *t) {
    (void)x;
    (void)i;
    const topk_stage_t *tp = s->data;
    tk_t groups;
    tk_init(&groups);
    topk_item_t *it = xmalloc((t->n ? t->n : 1) * sizeof *it);
    for (size_t r = 0; r < t->n; r++)
        it[r] = (topk_item_t){tk_row(&groups, &t->rows[r], s->by, s->nby, true, NULL), r, &t->rows[r], tp};
    if (t->n > 1) qsort(it, t->n, sizeof *it, cmp_item);
    record_t *rows = xmalloc((t->cap ? t->cap : 1) * sizeof *rows);
    size_t n = 0;
    int64_t rank = 0;
    for (size_t k = 0; k < t->n; k++) {
        rank = k > 0 && it[k].group == it[k - 1].group ? rank + 1 : 1;
        record_t *row = &t->rows[it[k].row];
        if (rank > s->n) {
            rec_free(row);
            continue;
        }
        rec_set(row, s->as, val_num((double)rank));
        rows[n++] = *row;
    }
    free(t->rows);
    t->rows = rows;
    t->n = n;
    free(it);
    tk_free(&groups);
    return 0;
}

/* See op.h (STAGE_KINDS): `count_frequent f, g` is a top of CF_MAX rows
 * counting f by g into _approxcount (exec.c and agg.c run it as top). */
bool stage_count_frequent(parser_t *p, stage_t *st) {
    st->kind = ST_COUNT_FREQUENT;
    ps_advance(p);
    bool paren = p->t.kind == T_LPAREN; /* count_frequent(f) */
    if (paren) ps_advance(p);
    uint32_t *ids = NULL, n = 0;
    span_t *sps = NULL;
    if (!ps_field_list(p, false, &ids, &sps, &n)) return false;
    if (paren && !ps_expect(p, T_RPAREN, "')'")) return false;
    st->topfield = ids[0];
    st->by = ids + 1;
    st->by_sp = sps + 1;
    st->nby = n - 1;
    st->n = CF_MAX;
    st->as = ps_field_def(p, PSTR_LIT("_approxcount"));
    st->flds = arena_alloc(ps_arena(p), sizeof *st->flds);
    st->flds[0] = st->as;
    st->nflds = 1;
    return true;
}
