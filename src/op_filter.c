/* op_filter.c — the filter operator: keep the rows a query over the
 * table picks.
 *
 * `filter f1[, f2 ...] in (<query>)` (filter page) follows an aggregate:
 * the query runs over the table's rows (ex_run_on_table), and the rows
 * whose values of f1, f2 ... occur together in one of its result rows are
 * kept, in their order. A blocking stage; the query is owned by the
 * parent (query_t.tables).
 */
#include <stdio.h>
#include <stdlib.h>

#include "op.h"
#include "tabkit.h"

/* The stage's parsed form (query arena); the fields are st->by. */
typedef struct ft_stage {
    query_t *q;  /* the child query (owned by the parent's tables) */
} ft_stage_t;

/* See op.h (STAGE_KINDS). */
bool stage_filter(parser_t *p, stage_t *st) {
    st->kind = ST_FILTER;
    span_t kw = p->t.sp;
    ps_advance(p);
    bool agg = false;
    for (uint32_t k = 0; k < p->q->nst; k++) agg |= (stage_info[p->q->st[k].kind].flags & SF_GROUP) != 0;
    if (!agg) {
        uint32_t e = ps_error(p, kw, "filter must follow an aggregate");
        diag_hint(p->d, e, "filter page: `count by _timeslice, _sourceHost | filter _sourceHost in (...)`");
        return false;
    }
    if (!ps_field_list(p, false, &st->by, &st->by_sp, &st->nby)) return false;
    if (!ps_expect_kw(p, "in", "'in' and a query in parentheses")) return false;
    ft_stage_t *ft = arena_calloc(ps_arena(p), sizeof *ft);
    st->data = ft;
    span_t qsp = p->t.sp;
    bool scope;
    ft->q = jn_parse_table(p, "filter", &scope);
    if (!ft->q) return false;
    if (scope) {
        uint32_t e = ps_error(p, ps_span_from(p, qsp.off), "filter's query runs on the table: it starts with an operator");
        diag_hint(p->d, e, "filter page: \"non data-retrieval sumo query\", e.g. (outlier _count by _sourceHost | where "
                           "_count_violation > 0)");
        return false;
    }
    for (uint32_t k = 0; k < ft->q->nst; k++) {
        uint8_t kind = ft->q->st[k].kind;
        if (kind == ST_COMPARE || kind == ST_FILTER) {
            ps_error(p, ps_span_from(p, qsp.off), "filter's query may not use %s (filter page)", stage_info[kind].name);
            return false;
        }
    }
    return true;
}

/* See op.h (STAGE_KINDS). */
int tab_filter(exec_t *x, uint32_t i, const stage_t *s, table_t *t) {
    (void)i;
    const ft_stage_t *ft = s->data;
    table_t res;
    int rc = ex_run_on_table(x, ft->q, t, &res);
    uint32_t *ids = xmalloc((s->nby ? s->nby : 1) * sizeof *ids);
    for (uint32_t k = 0; k < s->nby && !rc; k++) {
        pstr_t name = ftab_name(&x->q->ft, s->by[k]);
        ids[k] = ftab_find(&ft->q->ft, name);
        bool has = ids[k] != FIELD_NONE && (res.fixed ? table_has_col(&res, ids[k]) : res.n == 0);
        for (size_t r = 0; r < res.n && !has && ids[k] != FIELD_NONE; r++) has = rec_has(&res.rows[r], ids[k]);
        if (!has && !(ids[k] == FIELD_NONE && !res.fixed && res.n == 0)) {
            fprintf(stderr, "postern: filter: the query's results have no field %.*s (\"All the fields must be present "
                            "in the output fields for the child query\")\n", (int)name.n, name.p);
            rc = 2;
        }
    }
    if (!rc) {
        tk_t set;
        tk_init(&set);
        for (size_t r = 0; r < res.n; r++) tk_row(&set, &res.rows[r], ids, s->nby, true, NULL);
        uint8_t *keep = xmalloc(t->n ? t->n : 1);
        for (size_t r = 0; r < t->n; r++) keep[r] = tk_row(&set, &t->rows[r], s->by, s->nby, false, NULL) != TK_NONE;
        tk_keep_rows(t, keep);
        free(keep);
        tk_free(&set);
    }
    if (rc) x->err = rc;
    free(ids);
    table_free(&res);
    return rc;
}
