/* exec.c — the pipeline: scope, streaming stages, aggregation, then the
 * stages that run on the aggregated table.
 *
 * Row stages (where, as, json, parse, parse regex, timeslice, lookup,
 * fields, limit) have one implementation, apply(), that calls the next
 * stage zero or more times; it serves the streaming phase and the table
 * phase alike. Blocking stages (aggregate, top, sort) turn the stream into
 * a table.
 */
#include "op.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agg.h"
#include "eval.h"
#include "prefilter.h"
#include "regex.h"

/* A loaded lookup table: rows keyed by the lower-cased `on` columns. */
struct lktab {
    table_t t;          /* the CSV rows, by the lookup's own field table */
    ftab_t ft;          /* column names */
    uint32_t *col_on;   /* ids of the `on` columns in ft */
    uint32_t *col_out;  /* ids of the output columns in ft */
    record_t **slot;    /* open addressing on the key */
    unsigned long *h;
    uint32_t cap;
};
typedef struct lktab lktab_t;

static int run_from(exec_t *x, uint32_t i, record_t *r);

/* ---- lookup tables ---------------------------------------------------- */

struct lk_load { lktab_t *lk; };

static int lk_row(record_t *r, void *ud) {
    lktab_t *lk = ((struct lk_load *)ud)->lk;
    table_add(&lk->t, r);
    return 0;
}

static unsigned long lk_hash(const lktab_t *lk, const record_t *r, uint32_t n, const uint32_t *ids, bool *null) {
    unsigned long h = 1469598103934665603UL;
    *null = false;
    for (uint32_t i = 0; i < n; i++) {
        value_t v = rec_get(r, ids[i]);
        if (v.t != V_STR) { *null = true; return 0; }
        h ^= pstr_ihash(val_pstr(v));
        h *= 1099511628211UL;
    }
    (void)lk;
    return h;
}

static bool lk_keyeq(const record_t *a, const uint32_t *ida, const record_t *b, const uint32_t *idb, uint32_t n) {
    for (uint32_t i = 0; i < n; i++)
        if (!pstr_ieq(val_pstr(rec_get(a, ida[i])), val_pstr(rec_get(b, idb[i])))) return false;
    return true;
}

static lktab_t *lk_load(exec_t *x, const stage_t *s) {
    /* path://"/Library/Users/x/table": the table is looked up by its last
     * component in the lookup directory, with or without a .csv suffix. */
    pstr_t p = s->lookup_path;
    const char *slash = NULL;
    for (size_t i = 0; i < p.n; i++)
        if (p.p[i] == '/') slash = p.p + i;
    pstr_t base = slash ? pstr(slash + 1, p.n - (size_t)(slash + 1 - p.p)) : p;
    const char *dir = x->eo->lookup_dir ? x->eo->lookup_dir : ".";
    char path[4096];
    const char *cands[3] = {"%s/%.*s", "%s/%.*s.csv", NULL};
    FILE *f = NULL;
    for (int i = 0; cands[i] && !f; i++) {
        snprintf(path, sizeof path, cands[i], dir, (int)base.n, base.p);
        f = fopen(path, "rb");
    }
    if (!f) {
        fprintf(stderr, "postern: lookup table '%.*s' not found in %s (tried %.*s and %.*s.csv; set --lookup-dir)\n",
                (int)p.n, p.p, dir, (int)base.n, base.p, (int)base.n, base.p);
        return NULL;
    }
    fclose(f);
    lktab_t *lk = xcalloc(1, sizeof *lk);
    table_init(&lk->t);
    ftab_init(&lk->ft);
    lk->ft.want_all = true;
    in_opts_t io = {.format = "csv", .max_reports = 5};
    in_stats_t st = {0};
    struct lk_load ud = {lk};
    const char *paths[1] = {path};
    if (input_run(paths, 1, &io, &lk->ft, lk_row, &ud, &st) != 0) {
        table_free(&lk->t);
        ftab_free(&lk->ft);
        free(lk);
        return NULL;
    }
    lk->col_on = xcalloc(s->non ? s->non : 1, sizeof *lk->col_on);
    lk->col_out = xcalloc(s->nflds ? s->nflds : 1, sizeof *lk->col_out);
    for (uint32_t i = 0; i < s->non; i++) {
        lk->col_on[i] = ftab_find(&lk->ft, s->on_col[i]);
        if (lk->col_on[i] == FIELD_NONE) {
            fprintf(stderr, "postern: lookup table %s has no column '%.*s'\n", path, (int)s->on_col[i].n, s->on_col[i].p);
            lk->col_on[i] = ftab_intern(&lk->ft, s->on_col[i]);
        }
    }
    for (uint32_t i = 0; i < s->nflds; i++) {
        pstr_t col = i < s->npaths ? s->paths[i] : ftab_name(&x->q->ft, s->flds[i]);
        lk->col_out[i] = ftab_find(&lk->ft, col);
        if (lk->col_out[i] == FIELD_NONE) {
            fprintf(stderr, "postern: lookup table %s has no column '%.*s'\n", path, (int)col.n, col.p);
            lk->col_out[i] = ftab_intern(&lk->ft, col);
        }
    }
    lk->cap = 16;
    while (lk->cap < lk->t.n * 2 + 2) lk->cap *= 2;
    lk->slot = xcalloc(lk->cap, sizeof *lk->slot);
    lk->h = xcalloc(lk->cap, sizeof *lk->h);
    for (size_t i = 0; i < lk->t.n; i++) {
        record_t *row = &lk->t.rows[i];
        bool null;
        unsigned long h = lk_hash(lk, row, s->non, lk->col_on, &null);
        if (null) continue;
        uint32_t j = (uint32_t)h & (lk->cap - 1);
        bool dup = false;
        while (lk->slot[j]) {
            if (lk->h[j] == h && lk_keyeq(lk->slot[j], lk->col_on, row, lk->col_on, s->non)) { dup = true; break; }
            j = (j + 1) & (lk->cap - 1);
        }
        if (!dup) { lk->slot[j] = row; lk->h[j] = h; } /* first row of a key wins */
    }
    return lk;
}

static void lk_free(lktab_t *lk) {
    if (!lk) return;
    table_free(&lk->t);
    ftab_free(&lk->ft);
    free(lk->col_on);
    free(lk->col_out);
    free(lk->slot);
    free(lk->h);
    free(lk);
}

/* ---- row stages ------------------------------------------------------- */

/* See op.h. */
value_t ex_src(const record_t *r, const stage_t *s) {
    if (s->src == F_RAW) {
        value_t v = rec_get(r, F_RAW);
        return v.t != V_NULL ? v : val_strv(r->raw);
    }
    return rec_get(r, s->src);
}

/* The fields of a parse that did not match: null, unless an earlier
 * parse of the chain set them (`parse "GET *" as url nodrop | parse
 * "POST *" as url` keeps the GET url). */
static void set_null_outputs(record_t *r, const stage_t *s) {
    for (uint32_t i = 0; i < s->nflds; i++)
        if (!rec_has(r, s->flds[i])) rec_set(r, s->flds[i], val_null());
}

/* See op.h. After a parse-family stage i (parse, parse regex, json)
 * matched or not: go on or drop. Chained parses with nodrop act as an OR (parse nodrop
 * page): a record that matched no parse is dropped by the first parse
 * without nodrop, one that matched an earlier nodrop parse is kept. */
int ex_parse_next(exec_t *x, uint32_t i, const stage_t *s, record_t *r, bool matched) {
    bool saved = x->parse_hit;
    if (!matched) {
        if (!s->nodrop && !saved) return 0;
        set_null_outputs(r, s);
    }
    x->parse_hit = s->nodrop ? (saved || matched) : false;
    int rc = run_from(x, i + 1, r);
    x->parse_hit = saved;
    return rc;
}

/* See op.h (STAGE_KINDS). */
int row_parse_regex(exec_t *x, uint32_t i, const stage_t *s, record_t *r) {
    value_t src = ex_src(r, s);
    if (src.t == V_NULL || !s->re) return ex_parse_next(x, i, s, r, false);
    pstr_t text = src.t == V_STR ? val_pstr(src) : PSTR_NULL;
    long ov[2 * 64];
    uint32_t ng = rx_ngroups(s->re) + 1;
    if (ng > 64) ng = 64;
    size_t pos = 0;
    bool any = false;
    for (;;) {
        int m = rx_search(s->re, x->ev.rx, text, pos, ov, ng);
        if (m < 0) x->ev.rx_limit++;
        if (m <= 0) break;
        any = true;
        for (uint32_t k = 0; k < rx_nnames(s->re) && k < s->nflds; k++) {
            uint32_t grp;
            rx_name(s->re, k, &grp);
            value_t v = grp < ng && ov[2 * grp] >= 0 ? val_str(text.p + ov[2 * grp], (size_t)(ov[2 * grp + 1] - ov[2 * grp]))
                                                     : val_null();
            rec_set(r, s->flds[k], v);
        }
        int rc = ex_parse_next(x, i, s, r, true);
        if (rc) return rc;
        if (!s->multi) return 0;
        pos = ov[1] > ov[0] ? (size_t)ov[1] : (size_t)ov[1] + 1;
        if (pos > text.n) break;
    }
    if (any) return 0;
    return ex_parse_next(x, i, s, r, false);
}

/* See op.h (STAGE_KINDS). */
int row_lookup(exec_t *x, uint32_t i, const stage_t *s, record_t *r) {
    lktab_t *lk = x->lk[i]; /* loaded by exec_run before any record */
    bool null;
    unsigned long h = lk_hash(lk, r, s->non, s->on_field, &null);
    record_t *hit = NULL;
    if (!null) {
        uint32_t j = (uint32_t)h & (lk->cap - 1);
        for (; lk->slot[j]; j = (j + 1) & (lk->cap - 1))
            if (lk->h[j] == h && lk_keyeq(r, s->on_field, lk->slot[j], lk->col_on, s->non)) { hit = lk->slot[j]; break; }
    }
    for (uint32_t k = 0; k < s->nflds; k++) rec_set(r, s->flds[k], hit ? rec_get(hit, lk->col_out[k]) : val_null());
    return ex_next(x, i, r);
}

/* See op.h (STAGE_KINDS). */
int row_fields(exec_t *x, uint32_t i, const stage_t *s, record_t *r) {
    if (s->remove) {
        for (uint32_t k = 0; k < s->nflds; k++) rec_unset(r, s->flds[k]);
    } else {
        /* Keep the listed fields (and built-in metadata, as Sumo does). */
        for (uint32_t k = r->norder; k-- > 0;) {
            uint32_t id = r->order[k];
            if (id < F_NBUILTIN) continue;
            bool keep = false;
            for (uint32_t j = 0; j < s->nflds && !keep; j++) keep = s->flds[j] == id;
            if (!keep) rec_unset(r, id);
        }
    }
    return ex_next(x, i, r);
}

/* See op.h (STAGE_KINDS). */
int row_where(exec_t *x, uint32_t i, const stage_t *s, record_t *r) {
    if (!eval_cond(&x->ev, s->e, r) || eval_take_drop(&x->ev)) return 0;
    return ex_next(x, i, r);
}

/* See op.h (STAGE_KINDS). */
int row_assign(exec_t *x, uint32_t i, const stage_t *s, record_t *r) {
    value_t v = eval_expr(&x->ev, s->e, r);
    if (eval_take_drop(&x->ev)) return 0;
    rec_set(r, s->as, v);
    return ex_next(x, i, r);
}

/* See op.h (STAGE_KINDS). */
int row_timeslice(exec_t *x, uint32_t i, const stage_t *s, record_t *r) {
    double t;
    value_t v = rec_get(r, F_MESSAGETIME);
    if (val_to_num(v, &t) && s->slice_ms > 0) {
        double start = floor(t / (double)s->slice_ms) * (double)s->slice_ms;
        rec_set(r, s->as, val_num(start));
        rec_set(r, F_TIMESLICE_END, val_num(start + (double)s->slice_ms)); /* timeslice page */
    } else {
        rec_set(r, s->as, val_null());
        rec_set(r, F_TIMESLICE_END, val_null());
    }
    return ex_next(x, i, r);
}

/* See op.h (STAGE_KINDS). */
int row_limit(exec_t *x, uint32_t i, const stage_t *s, record_t *r) {
    (void)s;
    if (x->limit_left[i] <= 0) return 0;
    if (--x->limit_left[i] == 0 && x->next == NULL) x->stream_limit_hit = true;
    return ex_next(x, i, r);
}

/* See op.h: a blocking stage reached in a row run (never: runs end
 * before one) passes the record on. */
int row_none(exec_t *x, uint32_t i, const stage_t *s, record_t *r) {
    (void)i;
    (void)s;
    return x->sink(x, r);
}

typedef int (*row_fn)(exec_t *x, uint32_t i, const stage_t *s, record_t *r);
typedef int (*tab_fn)(exec_t *x, uint32_t i, const stage_t *s, table_t *t);

/* Row and table functions by stage kind. ORDER STAGE */
static const row_fn row_fns[ST__COUNT] = {
#define X(k, name, flags, ps, row, tab) [k] = row,
    STAGE_KINDS(X)
#undef X
};
static const tab_fn tab_fns[ST__COUNT] = {
#define X(k, name, flags, ps, row, tab) [k] = tab,
    STAGE_KINDS(X)
#undef X
};

/* Run stage i (and what follows, up to x->end) on r. */
static int run_from(exec_t *x, uint32_t i, record_t *r) {
    if (i >= x->end) return x->sink(x, r);
    const stage_t *s = &x->q->st[i];
    return row_fns[s->kind](x, i, s, r);
}

/* See op.h. */
int ex_next(exec_t *x, uint32_t i, record_t *r) { return run_from(x, i + 1, r); }

/* See op.h. */
uint32_t ex_field(exec_t *x, pstr_t name) {
    ftab_lock(&x->q->ft); /* other threads may be interning too */
    uint32_t id = ftab_intern(&x->q->ft, name);
    ftab_unlock(&x->q->ft);
    return id;
}

/* ---- sinks and the streaming phase ------------------------------------ */

static int sink_group(exec_t *x, record_t *r) {
    x->st.used++;
    gtab_add(x->g, r, r->seq);
    return 0;
}

static int sink_table(exec_t *x, record_t *r) {
    x->st.used++;
    table_add(x->tab, r);
    return 0;
}

static int sink_stream(exec_t *x, record_t *r) {
    x->st.used++;
    return x->row_fn(x->row_ud, r);
}

static int sink_next(exec_t *x, record_t *r) {
    table_add(x->next, r);
    return 0;
}

static int on_record(record_t *r, void *ud) {
    exec_t *x = ud;
    arena_reset(&x->scratch);
    x->parse_hit = false;
    if (x->q->scope && !eval_cond(&x->ev, x->q->scope, r)) return 0;
    x->st.in_scope++;
    int rc = run_from(x, 0, r);
    if (rc) return rc;
    return x->stream_limit_hit ? -1 : 0;
}

/* ---- the table phase --------------------------------------------------- */

static bool is_blocking(uint8_t k) { return (stage_info[k].flags & SF_BLOCKING) != 0; }

/* Stable merge sort of row indexes by the stage's keys (nulls last in
 * either direction; equal rows keep their order). */
static int cmp_rows(const table_t *t, const stage_t *s, size_t a, size_t b) {
    const record_t *x = &t->rows[a], *y = &t->rows[b];
    for (uint32_t k = 0; k < s->nkeys; k++) {
        value_t u = rec_get(x, s->keys[k].field), v = rec_get(y, s->keys[k].field);
        if (u.t == V_NULL || v.t == V_NULL) {
            if (u.t == v.t) continue;
            return u.t == V_NULL ? 1 : -1;
        }
        int c = val_cmp(u, v);
        if (c) return s->keys[k].desc ? -c : c;
    }
    return 0;
}

static void msort(const table_t *t, const stage_t *s, size_t *idx, size_t *tmp, size_t n) {
    if (n < 2) return;
    size_t h = n / 2;
    msort(t, s, idx, tmp, h);
    msort(t, s, idx + h, tmp, n - h);
    size_t i = 0, j = h, k = 0;
    while (i < h && j < n) tmp[k++] = cmp_rows(t, s, idx[j], idx[i]) < 0 ? idx[j++] : idx[i++];
    while (i < h) tmp[k++] = idx[i++];
    while (j < n) tmp[k++] = idx[j++];
    memcpy(idx, tmp, n * sizeof *idx);
}

static void sort_table(table_t *t, const stage_t *s) {
    if (t->n < 2) return;
    size_t *idx = xmalloc(t->n * sizeof *idx), *tmp = xmalloc(t->n * sizeof *tmp);
    for (size_t i = 0; i < t->n; i++) idx[i] = i;
    msort(t, s, idx, tmp, t->n);
    record_t *rows = xmalloc(t->cap * sizeof *rows);
    for (size_t i = 0; i < t->n; i++) rows[i] = t->rows[idx[i]];
    free(t->rows);
    t->rows = rows;
    free(idx);
    free(tmp);
}

/* top: the counts sorted descending, cut to N rows. */
static void top_finish(table_t *t, const stage_t *s) {
    stage_t tmp = {.kind = ST_SORT, .nkeys = 1};
    sortkey_t key = {.field = s->as, .desc = true};
    tmp.keys = &key;
    sort_table(t, &tmp);
    if (s->n >= 0 && (size_t)s->n < t->n) {
        for (size_t k = (size_t)s->n; k < t->n; k++) rec_free(&t->rows[k]);
        t->n = (size_t)s->n;
    }
}

/* See op.h (STAGE_KINDS): an aggregate or top over the table's rows. */
int tab_agg(exec_t *x, uint32_t i, const stage_t *s, table_t *t) {
    (void)x;
    (void)i;
    gtab_t *g = gtab_new(s);
    for (size_t k = 0; k < t->n; k++) gtab_add(g, &t->rows[k], k);
    gtab_emit(g, t);
    gtab_free(g);
    if (s->kind == ST_TOP) top_finish(t, s);
    return 0;
}

/* See op.h (STAGE_KINDS). */
int tab_sort(exec_t *x, uint32_t i, const stage_t *s, table_t *t) {
    (void)x;
    (void)i;
    sort_table(t, s);
    return 0;
}

/* See op.h: a row stage reached in the table phase's blocking step (never:
 * flags route row stages to row runs). */
int tab_none(exec_t *x, uint32_t i, const stage_t *s, table_t *t) {
    (void)x;
    (void)i;
    (void)s;
    (void)t;
    return 0;
}

static int table_phase(exec_t *x, table_t *t, uint32_t from) {
    query_t *q = x->q;
    for (uint32_t i = from; i < q->nst;) {
        const stage_t *s = &q->st[i];
        if (is_blocking(s->kind)) {
            int rc = tab_fns[s->kind](x, i, s, t);
            if (rc) return rc;
            i++;
            continue;
        }
        /* A run of row stages: push every row through them into a new table. */
        uint32_t j = i;
        while (j < q->nst && !is_blocking(q->st[j].kind)) j++;
        table_t next;
        table_init(&next);
        next.fixed = t->fixed;
        for (uint32_t c = 0; c < t->ncols; c++) table_add_col(&next, t->cols[c]);
        for (uint32_t k = i; k < j; k++) {
            if (q->st[k].kind == ST_FIELDS && next.fixed) {
                if (q->st[k].remove)
                    for (uint32_t f = 0; f < q->st[k].nflds; f++) table_del_col(&next, q->st[k].flds[f]);
                else {
                    next.ncols = 0;
                    for (uint32_t f = 0; f < q->st[k].nflds; f++) table_add_col(&next, q->st[k].flds[f]);
                }
            }
            if (q->st[k].kind == ST_LIMIT) x->limit_left[k] = q->st[k].n;
        }
        x->end = j;
        x->sink = sink_next;
        x->next = &next;
        arena_t *saved = x->ev.arena;
        for (size_t k = 0; k < t->n && !x->err; k++) {
            arena_reset(&x->scratch);
            x->parse_hit = false;
            run_from(x, i, &t->rows[k]);
        }
        x->ev.arena = saved;
        x->next = NULL;
        if (x->err) { table_free(&next); return x->err; }
        table_move(t, &next);
        i = j;
    }
    return 0;
}

/* Which fields must the readers extract? Everything when the output shows
 * whole messages (no aggregate and no `fields` list decides the columns). */
static void plan_fields(query_t *q) {
    bool agg = false;
    for (uint32_t i = 0; i < q->nst; i++)
        if (q->st[i].kind == ST_AGG || q->st[i].kind == ST_TOP || (q->st[i].kind == ST_FIELDS && !q->st[i].remove))
            agg = true;
    q->ft.want_all = !agg;
    q->ft.e[F_MESSAGETIME].wanted = 1;
    q->ft.e[F_SOURCECATEGORY].wanted = 1;
    q->ft.e[F_RAW].wanted = 1;
}

/* A worker: one per input lane, each with its own evaluator, scratch
 * and partial result (groups or rows). */
static void worker_init(exec_t *x, query_t *q, const exec_opts_t *eo, lktab_t **lk, uint32_t stop, bool grouped,
                        table_t *tab) {
    memset(x, 0, sizeof *x);
    x->q = q;
    x->eo = eo;
    x->lk = lk;
    eval_init(&x->ev, &x->scratch, eo->now_ms);
    x->limit_left = xcalloc(q->nst ? q->nst : 1, sizeof *x->limit_left);
    for (uint32_t i = 0; i < q->nst; i++) x->limit_left[i] = q->st[i].kind == ST_LIMIT ? q->st[i].n : -1;
    x->stop = x->end = stop;
    if (grouped) {
        x->g = gtab_new(&q->st[stop]);
        x->sink = sink_group;
    } else {
        x->tab = tab;
        x->sink = sink_table;
    }
}

static void worker_free(exec_t *x) {
    free(x->limit_left);
    gtab_free(x->g);
    eval_free(&x->ev);
    arena_free(&x->scratch);
}

/* See exec.h. */
int exec_run(query_t *q, const char *const *paths, int npaths, const in_opts_t *io, const exec_opts_t *eo,
             table_t *out, in_stats_t *st) {
    unsigned nw = eo->threads > 1 ? eo->threads : 1;
    plan_fields(q);

    /* Lookup tables are loaded once, before any record, and shared. */
    lktab_t **lk = xcalloc(q->nst ? q->nst : 1, sizeof *lk);
    exec_t *xs = xcalloc(nw, sizeof *xs);
    int rc = 0;
    for (uint32_t i = 0; i < q->nst && rc == 0; i++)
        if (q->st[i].kind == ST_LOOKUP) {
            exec_t tmp = {.q = q, .eo = eo};
            lk[i] = lk_load(&tmp, &q->st[i]);
            if (!lk[i]) rc = 2;
        }

    /* Records stream through the stages up to the first blocking one. With
     * several threads a `limit` blocks too: it must see rows in input order. */
    uint32_t stop = 0;
    while (stop < q->nst && !is_blocking(q->st[stop].kind) && !(nw > 1 && q->st[stop].kind == ST_LIMIT)) stop++;
    bool grouped = stop < q->nst && (q->st[stop].kind == ST_AGG || q->st[stop].kind == ST_TOP);
    table_t *parts = xcalloc(nw, sizeof *parts);
    void **uds = xcalloc(nw, sizeof *uds);
    for (unsigned w = 0; w < nw; w++) {
        table_init(&parts[w]);
        worker_init(&xs[w], q, eo, lk, stop, grouped, w == 0 ? out : &parts[w]);
        uds[w] = &xs[w];
    }
    pf_t *pf = rc == 0 && !eo->no_prefilter ? pf_compile(q, io ? io->category : NULL) : NULL;
    if (rc == 0) {
        in_par_t par = {.nthreads = nw, .cb = on_record, .uds = uds, .pf = pf};
        rc = input_run_par(paths, npaths, io, &q->ft, &par, st);
        if (rc == -1 && xs[0].stream_limit_hit) rc = 0;
    }
    for (unsigned w = 0; w < nw; w++) {
        if (xs[w].err) rc = xs[w].err;
        st->in_scope += xs[w].st.in_scope;
        st->used += xs[w].st.used;
    }
    exec_t *x = &xs[0];
    if (rc == 0) {
        uint32_t from = x->stop;
        if (grouped) {
            /* Partial groups merge; the output order (first record) does
             * not depend on how the input was split. */
            for (unsigned w = 1; w < nw; w++) gtab_merge(x->g, xs[w].g);
            gtab_emit(x->g, out);
            if (q->st[x->stop].kind == ST_TOP) top_finish(out, &q->st[x->stop]);
            from = x->stop + 1;
        } else if (nw > 1) {
            for (unsigned w = 1; w < nw; w++) table_append_move(out, &parts[w]);
            table_sort_seq(out);
        }
        rc = table_phase(x, out, from);
        /* A `fields a, b` decides the columns of message output too. */
        for (uint32_t i = q->nst; i-- > 0;) {
            const stage_t *s = &q->st[i];
            if (s->kind == ST_AGG || s->kind == ST_TOP) break;
            if (s->kind == ST_FIELDS && !s->remove && !out->fixed) {
                out->fixed = true;
                out->ncols = 0;
                for (uint32_t f = 0; f < s->nflds; f++) table_add_col(out, s->flds[f]);
                break;
            }
        }
        table_finish_cols(out, &q->ft);
        if (out->fixed) {
            /* `fields` lists decide; drop columns removed by `fields -`. */
            for (uint32_t i = 0; i < q->nst; i++)
                if (q->st[i].kind == ST_FIELDS && q->st[i].remove)
                    for (uint32_t f = 0; f < q->st[i].nflds; f++) table_del_col(out, q->st[i].flds[f]);
        }
    }
    /* Read after the table phase, which runs on worker 0 and may add to it. */
    uint64_t rx_limit = 0, dropped = 0;
    int drop_fn = -1;
    for (unsigned w = 0; w < nw; w++) {
        rx_limit += xs[w].ev.rx_limit;
        dropped += xs[w].ev.dropped;
        if (xs[w].ev.dropped) drop_fn = xs[w].ev.drop_fn;
    }
    /* Sumo shows a warning when isPrivateIP and friends drop records. */
    if (dropped && drop_fn >= 0 && drop_fn < FN__COUNT)
        fprintf(stderr, "postern: warning: %s dropped %llu record%s whose value is not an IPv4 address\n",
                func_info[drop_fn].name, (unsigned long long)dropped, dropped == 1 ? "" : "s");
    /* A regex that gave up at the match limit counted as "no match": say
     * so, since RE2 (what Sumo runs) would have given an answer. */
    if (rx_limit)
        fprintf(stderr,
                "postern: warning: a regex reached its match limit %llu time%s; those tests were taken as not "
                "matching (simplify the pattern)\n",
                (unsigned long long)rx_limit, rx_limit == 1 ? "" : "s");
    pf_free(pf);
    for (unsigned w = 0; w < nw; w++) {
        worker_free(&xs[w]);
        table_free(&parts[w]);
    }
    for (uint32_t i = 0; i < q->nst; i++) lk_free(lk[i]);
    free(lk);
    free(xs);
    free(parts);
    free(uds);
    return rc;
}

/* ---- record at a time --------------------------------------------------- */

/* A streaming query: one worker, its lookup tables, the aggregate index. */
struct exec_stream {
    exec_t x;              /* the worker (x.stop = the aggregate or nst) */
    query_t *q;            /* the query (borrowed) */
    lktab_t **lk;          /* per stage: lookup table (owned) */
    uint32_t agg;          /* index of the aggregate stage, or nst */
    bool worker;           /* x is initialised */
};

/* See exec.h. */
exec_stream_t *exec_stream_new(query_t *q, const exec_opts_t *eo, uint32_t *agg, char *why, size_t whylen) {
    uint32_t stop = 0;
    while (stop < q->nst && !is_blocking(q->st[stop].kind)) stop++;
    if (stop < q->nst && q->st[stop].kind != ST_AGG) {
        snprintf(why, whylen, "a %s before any aggregate cannot run on a stream", stage_info[q->st[stop].kind].name);
        return NULL;
    }
    for (uint32_t i = stop + 1; i < q->nst; i++)
        if (q->st[i].kind == ST_AGG || q->st[i].kind == ST_TOP) {
            snprintf(why, whylen, "only one aggregate stage can run on a stream (a second one is stage %u)", i + 1);
            return NULL;
        }
    plan_fields(q);
    exec_stream_t *s = xcalloc(1, sizeof *s);
    s->q = q;
    s->lk = xcalloc(q->nst ? q->nst : 1, sizeof *s->lk);
    for (uint32_t i = 0; i < q->nst; i++)
        if (q->st[i].kind == ST_LOOKUP) {
            exec_t tmp = {.q = q, .eo = eo};
            s->lk[i] = lk_load(&tmp, &q->st[i]);
            if (!s->lk[i]) {
                snprintf(why, whylen, "lookup table of stage %u cannot be loaded", i + 1);
                exec_stream_free(s);
                return NULL;
            }
        }
    table_t unused;
    worker_init(&s->x, q, eo, s->lk, stop, false, &unused);
    s->x.tab = NULL;
    s->worker = true;
    s->agg = stop;
    *agg = stop;
    return s;
}

/* See exec.h. */
int exec_stream_row(exec_stream_t *s, record_t *r, exec_row_fn fn, void *ud) {
    exec_t *x = &s->x;
    arena_reset(&x->scratch);
    x->parse_hit = false;
    if (x->q->scope && !eval_cond(&x->ev, x->q->scope, r)) return 0;
    x->st.in_scope++;
    x->end = s->agg;
    x->sink = sink_stream;
    x->next = NULL;
    x->row_fn = fn;
    x->row_ud = ud;
    return run_from(x, 0, r);
}

/* See exec.h. */
size_t exec_stream_after(exec_stream_t *s, table_t *t) {
    if (s->agg >= s->x.q->nst) return t->n;
    if (table_phase(&s->x, t, s->agg + 1) != 0) return 0;
    return t->n;
}

/* See exec.h. */
void exec_stream_counts(const exec_stream_t *s, uint64_t *in_scope, uint64_t *used, uint64_t *rx_limit) {
    *in_scope = s->x.st.in_scope;
    *used = s->x.st.used;
    *rx_limit = s->x.ev.rx_limit;
}

/* See exec.h. */
void exec_stream_free(exec_stream_t *s) {
    if (!s) return;
    if (s->worker) worker_free(&s->x);
    for (uint32_t i = 0; i < s->q->nst; i++) lk_free(s->lk[i]);
    free(s->lk);
    free(s);
}
