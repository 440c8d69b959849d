/* convert_cols.c — the column list both `postern convert` planners keep
 * (convert.h cv_cols_t): which fields are columns of the current relation,
 * their static types and versions, and how `fields` and an aggregate
 * change them. The SQL planner (convert.c) and the KQL one
 * (convert_kql.c) write their own text around it.
 */
#include <stdlib.h>
#include <string.h>

#include "convert.h"
#include "table.h"

const char *const cv_type_name[2] = {"text", "number"};

/* See convert.h. */
cv_col_t *cv_col_find(cv_cols_t *l, uint32_t f) {
    for (uint32_t i = 0; i < l->n; i++)
        if (l->v[i].f == f) return &l->v[i];
    return NULL;
}

/* See convert.h. */
cv_col_t *cv_col_add(cv_cols_t *l, uint32_t f, uint8_t t, uint8_t fl) {
    cv_col_t *k = cv_col_find(l, f);
    if (!k) {
        if (l->n == l->cap) {
            l->cap = l->cap ? l->cap * 2 : 16;
            l->v = xrealloc(l->v, l->cap * sizeof *l->v);
        }
        k = &l->v[l->n++];
        k->f = f;
    }
    k->t = t;
    k->fl = fl;
    k->ver = ++l->ver;
    k->aux = 0;
    return k;
}

/* See convert.h. (The version counter moves as for a new version, so the
 * names a plan gives out stay what they were.) */
void cv_col_keep(cv_cols_t *l, const cv_col_t *k) {
    uint32_t ver = k->ver;
    cv_col_add(l, k->f, k->t, k->fl)->ver = ver;
}

/* See convert.h. */
void cv_cols_free(cv_cols_t *l) {
    free(l->v);
    l->v = NULL;
    l->n = l->cap = 0;
}

/* See convert.h. */
uint32_t cv_group_n(const stage_t *s) { return s->nby + (s->kind == ST_TOP); }

/* See convert.h. */
bool cv_cols_keys(cv_cols_t *l, const stage_t *s, cv_col_t *keys, const cv_dialect_t *t, diag_t *d) {
    uint32_t top = s->kind == ST_TOP;
    for (uint32_t i = 0; i < s->nby + top; i++) {
        uint32_t f = top && !i ? s->topfield : s->by[i - top];
        const cv_col_t *k = cv_col_find(l, f);
        if (!k) return cv_refuse(d, t, top && !i ? s->sp : s->by_sp[i - top], "grouping by a field no row has");
        keys[i] = *k;
    }
    return true;
}

/* See convert.h. */
void cv_cols_regroup(cv_cols_t *l, const cv_col_t *keys, uint32_t nkeys, const cv_col_t *aggs, uint32_t naggs) {
    l->n = 0;
    for (uint32_t i = 0; i < nkeys; i++) cv_col_keep(l, &keys[i]);
    for (uint32_t i = 0; i < naggs; i++) cv_col_keep(l, &aggs[i]);
}

/* See convert.h. */
bool cv_cols_fields(cv_cols_t *l, const stage_t *s, bool grouped, bool *fixed, const cv_dialect_t *t, diag_t *d) {
    if (s->remove) {
        if (!grouped && !*fixed)
            return cv_refuse(d, t, s->sp, "`fields -` on messages (their columns are known only when the query runs)");
        for (uint32_t i = 0; i < s->nflds; i++) {
            cv_col_t *k = cv_col_find(l, s->flds[i]);
            if (!k) continue;
            memmove(k, k + 1, (size_t)(l->v + l->n - k - 1) * sizeof *k);
            l->n--;
        }
        return true;
    }
    cv_col_t *old = l->v;
    uint32_t nold = l->n;
    l->v = NULL;
    l->n = l->cap = 0;
    bool ok = true;
    for (uint32_t i = 0; i < s->nflds; i++) {
        const cv_col_t *k = NULL;
        for (uint32_t j = 0; j < nold; j++)
            if (old[j].f == s->flds[i]) k = &old[j];
        if (!k) { ok = cv_refuse(d, t, s->flds_sp[i], "a `fields` name no row has"); break; }
        cv_col_keep(l, k);
    }
    /* The built-in fields in postern's order over the contract's rows (postern's
     * NDJSON: _messageTime, then _sourceCategory, then what the query made). */
    for (uint32_t f = 0; f < F_NBUILTIN && ok; f++)
        for (uint32_t j = 0; j < nold; j++)
            if (old[j].f == f && !table_col_hidden(f) && !cv_col_find(l, f)) cv_col_keep(l, &old[j]);
    /* The input order stays (no result column: the planners leave it out). */
    for (uint32_t j = 0; j < nold && ok; j++)
        if (old[j].f == CV_F_SEQ) cv_col_keep(l, &old[j]);
    free(old);
    *fixed = true;
    return ok;
}

/* See convert.h. */
bool cv_sort_key(const stage_t *s, uint32_t f) {
    for (uint32_t k = 0; k < s->nkeys; k++)
        if (s->keys[k].field == f) return true;
    return false;
}

/* Whether aggregate a takes a value by input order. */
static bool agg_by_order(const aggspec_t *a) { return a->fn == AG_FIRST || a->fn == AG_LAST; }

/* See convert.h. */
bool cv_needs_seq(const query_t *q) {
    for (uint32_t i = 0; i < q->nst; i++) {
        const stage_t *s = &q->st[i];
        if (s->kind == ST_TOP) return true;
        for (uint32_t k = 0; k < s->naggs && s->kind == ST_AGG; k++)
            if (agg_by_order(&s->aggs[k])) return true;
    }
    return false;
}
