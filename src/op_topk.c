/* op_topk.c — the ranking operators: topk and count_frequent.
 *
 * `topk(N, <f> [, <f2> ...]) [by <g>, ...]` keeps, in each `by` group, the
 * N rows with the largest values of f (then f2, ...), ranked 1 to N in
 * `_rank` (topk page): a blocking stage on the table, groups in order of
 * first appearance, each group's rows by rank (rowsort.c orders them).
 * `count_frequent <f> [, <g> ...]` counts each tuple of the fields into
 * `_approxcount` and keeps the 10,000 largest counts, most to least (count
 * page): it is a `top` of its own, folded through agg.c's group table.
 */
#include <stdlib.h>
#include <string.h>

#include "op.h"
#include "rowsort.h"
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

/* See op.h (STAGE_KINDS). The rows in rowsort order by the ranked fields,
 * each descending (nulls last, equal rows in table order), then put group
 * by group with a stable counting sort; the first N of each are kept. */
int tab_topk(exec_t *x, uint32_t i, const stage_t *s, table_t *t) {
    (void)x;
    (void)i;
    const topk_stage_t *tp = s->data;
    size_t n = t->n;
    tk_t groups;
    tk_init(&groups);
    uint32_t *group = xmalloc((n ? n : 1) * sizeof *group), ngroups = 0;
    for (size_t r = 0; r < n; r++) {
        group[r] = tk_row(&groups, &t->rows[r], s->by, s->nby, true, NULL);
        if (group[r] >= ngroups) ngroups = group[r] + 1;
    }
    tk_free(&groups);
    sortkey_t *keys = xmalloc(tp->nfields * sizeof *keys);
    for (uint32_t k = 0; k < tp->nfields; k++) keys[k] = (sortkey_t){.field = tp->fields[k], .desc = true};
    size_t *ranked = rowsort_order(t, keys, tp->nfields);
    free(keys);
    size_t *start = xcalloc((size_t)ngroups + 1, sizeof *start), *order = xmalloc((n ? n : 1) * sizeof *order);
    for (size_t r = 0; r < n; r++) start[group[r] + 1]++;
    for (uint32_t g = 0; g < ngroups; g++) start[g + 1] += start[g];
    for (size_t k = 0; k < n; k++) order[start[group[ranked[k]]]++] = ranked[k];
    record_t *rows = xmalloc((t->cap ? t->cap : 1) * sizeof *rows);
    size_t kept = 0;
    int64_t rank = 0;
    for (size_t k = 0; k < n; k++) {
        rank = k > 0 && group[order[k]] == group[order[k - 1]] ? rank + 1 : 1;
        record_t *row = &t->rows[order[k]];
        if (rank > s->n) {
            rec_free(row);
            continue;
        }
        rec_set(row, s->as, val_num((double)rank));
        rows[kept++] = *row;
    }
    free(t->rows);
    t->rows = rows;
    t->n = kept;
    free(group);
    free(ranked);
    free(start);
    free(order);
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
