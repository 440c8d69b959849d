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
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agg.h"
#include "coverage.h"
#include "emit.h"
#include "eval.h"
#include "prefilter.h"
#include "progress.h"
#include "regex.h"
#include "rowsort.h"
#include "schema.h"
#include "sortpack.h"

typedef struct lktab lktab_t;

static int run_from(exec_t *x, uint32_t i, record_t *r);

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

/* parse regex: each regex of the stage from the start of the text (from
 * the end of the last match, with multi, which takes one regex); the
 * outputs are set only when every regex matched. */
/* See op.h (STAGE_KINDS). */
int row_parse_regex(exec_t *x, uint32_t i, const stage_t *s, record_t *r) {
    value_t src = ex_src(r, s);
    if (src.t == V_NULL || !s->nres) return ex_parse_next(x, i, s, r, false);
    pstr_t text = src.t == V_STR ? val_pstr(src) : PSTR_NULL;
    long ov[2 * (PARSE_REGEX_MAX_GROUPS + 1)];
    value_t one[PARSE_REGEX_MAX_GROUPS];
    value_t *vals = s->nflds <= PARSE_REGEX_MAX_GROUPS ? one : arena_alloc(&x->scratch, s->nflds * sizeof *vals);
    size_t pos = 0;
    bool any = false;
    for (;;) {
        bool all = true;
        for (uint32_t j = 0, k = 0; j < s->nres && all; j++) {
            int m = rx_search(s->res[j], x->ev.rx, text, pos, ov, rx_ngroups(s->res[j]) + 1);
            if (m < 0) x->ev.rx_limit++;
            all = m > 0;
            /* Outputs come regex by regex (parse.c). */
            for (; all && k < s->nflds && s->flds_re[k] == j; k++) {
                uint32_t g = s->flds_grp[k];
                vals[k] = ov[2 * g] >= 0 ? val_str(text.p + ov[2 * g], (size_t)(ov[2 * g + 1] - ov[2 * g])) : val_null();
            }
        }
        if (!all) break;
        any = true;
        for (uint32_t k = 0; k < s->nflds; k++) rec_set(r, s->flds[k], vals[k]);
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
        double o = (double)s->slice_origin;
        double start = o + floor((t - o) / (double)s->slice_ms) * (double)s->slice_ms;
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

/* See op.h. */
uint32_t ex_field_in(exec_t *x, pstr_t name, const record_t *r) {
    ftab_lock(&x->q->ft);
    uint32_t id = ftab_meet(&x->q->ft, name, r->seq + 1);
    ftab_unlock(&x->q->ft);
    return id;
}

/* ---- sinks and the streaming phase ------------------------------------ */

static int sink_group(exec_t *x, record_t *r) {
    x->st.used++;
    if (!gtab_put(x->g, r, r->seq)) return x->err = 2; /* over --max-memory: said by exec_run */
    return 0;
}

/* A row kept for a sort whose later stages never read or show the message
 * text (rowsort_raw_unused) leaves it behind. */
static void drop_raw(exec_t *x, record_t *r) {
    if (!x->drop_raw) return;
    r->raw = PSTR_NULL;
    if (rec_has(r, F_RAW)) rec_set(r, F_RAW, val_null());
}

static int sink_table(exec_t *x, record_t *r) {
    x->st.used++;
    drop_raw(x, r);
    table_add(x->tab, r);
    return 0;
}

static int sink_heap(exec_t *x, record_t *r) {
    x->st.used++;
    drop_raw(x, r);
    rowheap_add(x->heap, r);
    return 0;
}

static int sink_pack(exec_t *x, record_t *r) {
    x->st.used++;
    drop_raw(x, r);
    if (!sortpack_add(x->pack, r)) return x->err = 2; /* over --max-memory: said by exec_run */
    return 0;
}

static int sink_stream(exec_t *x, record_t *r) {
    x->st.used++;
    return x->row_fn(x->row_ud, r);
}

static int sink_emit(exec_t *x, record_t *r) {
    x->st.used++;
    return emit_row(x->emit, r);
}

static int sink_next(exec_t *x, record_t *r) {
    table_add(x->next, r);
    return 0;
}

/* The table phase's stages that only drop rows or fields: r, a row of the
 * old table, moves to the new one as it is (its strings move with the old
 * table's arena, which table_phase hands over). */
static int sink_move(exec_t *x, record_t *r) {
    record_t *dst = table_new_row(x->next);
    *dst = *r;
    dst->arena = &x->next->arena;
    memset(r, 0, sizeof *r); /* the old table no longer owns its slots */
    return 0;
}

/* Does stage kind k only drop rows or fields, never set a value? */
static bool drops_only(uint8_t k) { return k == ST_WHERE || k == ST_FIELDS || k == ST_LIMIT; }

/* out_of_range's answer when the run has a --from or a --to. */
static bool out_of_bounds(const exec_opts_t *eo, const record_t *r) {
    double t;
    if (!val_to_num(rec_get(r, F_MESSAGETIME), &t)) return false;
    return (eo->has_from && t < (double)eo->from_ms) || (eo->has_to && t >= (double)eo->to_ms);
}

/* Is r outside the run's --from/--to? Records without a time are kept.
 * (Inline: the test of the bounds is all most runs pay per record.) */
static inline bool out_of_range(const exec_opts_t *eo, const record_t *r) {
    if (!eo->has_from && !eo->has_to) return false;
    return out_of_bounds(eo, r);
}

/* Note which of the fields the query reads r carries, among those no
 * record in scope carried yet (once each has been met, records pay
 * nothing for it). */
static void note_inputs(exec_t *x, const record_t *r) {
    for (uint32_t k = 0; k < x->ninf; k++)
        if (!x->inf_hits[k] && rec_get(r, x->inf[k]).t != V_NULL) {
            x->inf_hits[k] = 1;
            x->inf_unmet--;
        }
}

static int on_record(record_t *r, void *ud) {
    exec_t *x = ud;
    if (x->emit) {
        if (emit_stopped(x->emit)) return -1;
        emit_tick(x->emit);
    }
    if (x->scratch.total) arena_reset(&x->scratch);
    x->parse_hit = false;
    bool in_range = !out_of_range(x->eo, r);
    if (!in_range) x->st.out_of_range++;
    if (!in_range && !x->cov) return 0;
    /* Counted runs (detect) test the scope whatever the time: the counts
     * say what the rule's scope kept, the time range is said apart. */
    const expr_t *scope = x->q->scope; /* (`*` keeps every record: not evaluated) */
    bool scoped = !scope || scope->kind == EX_ALL || eval_cond(&x->ev, scope, r);
    if (x->cov) cov_record(x->cov, r, scoped, in_range);
    if (!in_range || !scoped) return 0;
    x->st.in_scope++;
    if (x->inf_unmet) note_inputs(x, r);
    int rc = run_from(x, 0, r);
    if (rc) return rc;
    return x->stream_limit_hit ? -1 : 0;
}

/* ---- the fields a query reads from its input ---------------------------- */

/* Say which fields the query reads that no record in scope carried (a
 * misspelt name, or a reader that does not fill it), with the nearest
 * schema field name. */
static void warn_missing_inputs(const query_t *q, const uint32_t *inf, uint32_t ninf, const uint64_t *hits,
                                uint64_t in_scope) {
    if (!in_scope) return;
    const char *names[SC_N + 1];
    for (unsigned f = 0; f < SC_N; f++) names[f] = schema_name(f);
    names[SC_N] = NULL;
    for (uint32_t k = 0; k < ninf; k++) {
        if (hits[k]) continue;
        pstr_t n = ftab_name(&q->ft, inf[k]);
        const char *near = str_closest(n, names, SC_N);
        if (near && pstr_ieq_c(n, near)) near = NULL;
        fprintf(stderr, "postern: warning: none of the %llu record%s in scope has a field '%.*s'%s%s%s\n",
                (unsigned long long)in_scope, in_scope == 1 ? "" : "s", (int)n.n, n.p, near ? " (did you mean " : "",
                near ? near : "", near ? "?)" : "");
    }
}

/* ---- the table phase --------------------------------------------------- */

static bool is_blocking(uint8_t k) { return (stage_info[k].flags & SF_BLOCKING) != 0; }

/* top: the groups sorted by its ranking keys (count_frequent: the count
 * descending), cut to N rows. */
static void top_finish(table_t *t, const stage_t *s) {
    sortkey_t key = {.field = s->as, .desc = true};
    const sortkey_t *keys = s->nkeys ? s->keys : &key;
    uint32_t nkeys = s->nkeys ? s->nkeys : 1;
    if (s->n >= 0) rowsort_first(t, keys, nkeys, (size_t)s->n);
    else rowsort_table(t, keys, nkeys);
}

/* See op.h (STAGE_KINDS): an aggregate or top over the table's rows. */
int tab_agg(exec_t *x, uint32_t i, const stage_t *s, table_t *t) {
    (void)x;
    (void)i;
    gtab_t *g = gtab_new(s);
    for (size_t k = 0; k < t->n; k++) gtab_add(g, &t->rows[k], k);
    gtab_emit(g, t);
    gtab_free(g);
    if (s->kind != ST_AGG) top_finish(t, s); /* top, count_frequent */
    return 0;
}

/* See op.h (STAGE_KINDS). */
int tab_sort(exec_t *x, uint32_t i, const stage_t *s, table_t *t) {
    int64_t k = rowsort_limit(x->q, i); /* `sort | limit k`: only k rows are needed */
    if (k >= 0) rowsort_first(t, s->keys, s->nkeys, (size_t)k);
    else rowsort_table(t, s->keys, s->nkeys);
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

/* The columns of a fixed table after the row stages i..j-1 ran on its
 * rows: each `fields` list sets them, each `fields -` removes some. */
static void run_cols(const query_t *q, uint32_t i, uint32_t j, table_t *t) {
    for (uint32_t k = i; k < j && t->fixed; k++) {
        const stage_t *s = &q->st[k];
        if (s->kind != ST_FIELDS) continue;
        if (s->remove) {
            for (uint32_t f = 0; f < s->nflds; f++) table_del_col(t, s->flds[f]);
        } else {
            t->ncols = 0;
            for (uint32_t f = 0; f < s->nflds; f++) table_add_col(t, s->flds[f]);
        }
    }
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
        bool move = true;
        for (; j < q->nst && !is_blocking(q->st[j].kind); j++) move = move && drops_only(q->st[j].kind);
        table_t next;
        table_init(&next);
        next.fixed = t->fixed;
        for (uint32_t c = 0; c < t->ncols; c++) table_add_col(&next, t->cols[c]);
        run_cols(q, i, j, &next);
        for (uint32_t k = i; k < j; k++)
            if (q->st[k].kind == ST_LIMIT) x->limit_left[k] = q->st[k].n;
        x->end = j;
        x->sink = move ? sink_move : sink_next;
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
        if (move) arena_adopt(&next.arena, &t->arena);
        table_move(t, &next);
        i = j;
    }
    return 0;
}

/* Stage kinds that read only the fields they name (which the parser marks
 * wanted), never a record's metadata behind the query's back: the stages
 * that may come before the aggregate of a projected query (plan_skip). */
static const bool named_only[ST__COUNT] = {
    [ST_WHERE] = true, [ST_ASSIGN] = true, [ST_FIELDS] = true, [ST_JSON] = true,
    [ST_PARSE] = true, [ST_PARSE_REGEX] = true, [ST_KV] = true, [ST_KEYVALUE] = true,
    [ST_CSV] = true,   [ST_SPLIT] = true,  [ST_XML] = true,
};

/* Aggregate functions that read each record's _messageTime themselves. */
static bool agg_reads_time(int fn) {
    return fn == AG_FIRST || fn == AG_LAST || fn == AG_MOST_RECENT || fn == AG_LEAST_RECENT;
}

/* The metadata (FT_SKIP_* bits) q's run may leave out of its records. The
 * rule, conservative (docs/semantics.md §7): only an aggregate query
 * (`count by`, `top`, `count_frequent`) may skip any, since its rows show
 * what the aggregate makes, never a record's own fields; and only when
 * every stage before its first aggregate reads just the fields it names
 * (named_only), no aggregate reads the time itself (first, last,
 * most_recent, least_recent), no stage runs the query again (compare),
 * nothing resolves the search's time range or reads other queries
 * (subqueries, join and filter tables), and the run has no --from/--to
 * and counts no coverage. Then a metadata field is skipped when the query
 * does not name it. eo NULL (a stream: detection reads the time and
 * category of every record): nothing is skipped. */
static uint8_t plan_skip(const query_t *q, const exec_opts_t *eo) {
    if (!eo || q->ft.want_all || q->nsubs || q->ntables || q->needs_range || eo->has_from || eo->has_to || eo->cov)
        return 0;
    uint32_t g = 0;
    for (; g < q->nst && !(stage_info[q->st[g].kind].flags & SF_GROUP); g++)
        if (!named_only[q->st[g].kind]) return 0;
    if (g == q->nst) return 0; /* no aggregate: rows keep their metadata */
    for (uint32_t i = g; i < q->nst; i++) {
        const stage_t *s = &q->st[i];
        if (s->kind == ST_COMPARE) return 0;
        for (uint32_t k = 0; s->kind == ST_AGG && k < s->naggs; k++)
            if (agg_reads_time(s->aggs[k].fn)) return 0;
    }
    const fentry_t *e = q->ft.e;
    return (uint8_t)((e[F_RAW].wanted ? 0 : FT_SKIP_RAW) | (e[F_MESSAGETIME].wanted ? 0 : FT_SKIP_TIME) |
                     (e[F_SOURCECATEGORY].wanted ? 0 : FT_SKIP_CATEGORY) |
                     (e[F_SOURCENAME].wanted ? 0 : FT_SKIP_NAME));
}

/* See exec.h. Everything when the output shows whole messages (no
 * aggregate and no `fields` list decides the columns); otherwise the
 * fields the query names, plus the metadata plan_skip cannot prove
 * unread. */
void exec_plan(query_t *q, const exec_opts_t *eo) {
    bool agg = false;
    for (uint32_t i = 0; i < q->nst; i++)
        if ((stage_info[q->st[i].kind].flags & SF_GROUP) || (q->st[i].kind == ST_FIELDS && !q->st[i].remove))
            agg = true;
    const char *off = getenv("POSTERN_NO_PROJECT");
    q->ft.want_all = !agg || (off && *off && strcmp(off, "0") != 0);
    q->ft.skip = plan_skip(q, eo);
    if (!(q->ft.skip & FT_SKIP_TIME)) q->ft.e[F_MESSAGETIME].wanted = 1;
    if (!(q->ft.skip & FT_SKIP_CATEGORY)) q->ft.e[F_SOURCECATEGORY].wanted = 1;
    if (!(q->ft.skip & FT_SKIP_RAW)) q->ft.e[F_RAW].wanted = 1;
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
    x->ev.range_from = q->range_from;
    x->ev.range_to = q->range_to;
    x->limit_left = xcalloc(q->nst ? q->nst : 1, sizeof *x->limit_left);
    for (uint32_t i = 0; i < q->nst; i++) x->limit_left[i] = q->st[i].kind == ST_LIMIT ? q->st[i].n : -1;
    x->stop = x->end = stop;
    if (grouped) {
        x->g = gtab_new(&q->st[stop]);
        gtab_defer(x->g);
        x->sink = sink_group;
    } else {
        x->tab = tab;
        x->sink = sink_table;
    }
}

static void worker_free(exec_t *x) {
    free(x->limit_left);
    gtab_free(x->g);
    rowheap_free(x->heap);
    sortpack_free(x->pack);
    eval_free(&x->ev);
    arena_free(&x->scratch);
}

/* See op.h. The worker is a fresh one over q, with its own lookup
 * tables; rows pass the stages as records of the input would. */
int ex_run_on_table(exec_t *px, query_t *q, const table_t *in, table_t *out) {
    table_init(out);
    char why[512];
    lktab_t **lk = lk_open_all(q, px->eo, why, sizeof why);
    if (!lk) {
        fprintf(stderr, "postern: %s\n", why);
        return 2;
    }
    uint32_t stop = 0;
    while (stop < q->nst && !is_blocking(q->st[stop].kind)) stop++;
    bool grouped = stop < q->nst && (stage_info[q->st[stop].kind].flags & SF_GROUP);
    exec_t x;
    worker_init(&x, q, px->eo, lk, stop, grouped, out);
    x.paths = px->paths;
    x.npaths = px->npaths;
    x.io = px->io;
    /* Field ids of in's columns and fields, by name, in q's table. */
    const ftab_t *pft = &px->q->ft;
    uint32_t *map = xmalloc((pft->n ? pft->n : 1) * sizeof *map);
    for (uint32_t f = 0; f < pft->n; f++) map[f] = f < F_NBUILTIN ? f : FIELD_NONE;
    record_t r;
    rec_init(&r, &x.scratch);
    int rc = 0;
    for (size_t k = 0; k < in->n && !rc && !x.err; k++) {
        const record_t *src = &in->rows[k];
        arena_reset(&x.scratch);
        x.parse_hit = false;
        rec_clear(&r);
        for (uint32_t o = 0; o < src->norder; o++) {
            uint32_t id = src->order[o];
            if (id < pft->n && map[id] == FIELD_NONE) map[id] = ftab_intern(&q->ft, ftab_name(pft, id));
            if (id < pft->n) rec_set(&r, map[id], rec_get(src, id));
        }
        r.raw = src->raw;
        r.file = src->file;
        r.line = src->line;
        r.seq = k;
        x.st.in_scope++;
        rc = run_from(&x, 0, &r);
    }
    if (!rc && !x.err) {
        uint32_t from = stop;
        if (grouped) {
            gtab_emit(x.g, out);
            if (q->st[stop].kind != ST_AGG) top_finish(out, &q->st[stop]);
            from = stop + 1;
        }
        rc = table_phase(&x, out, from);
        table_finish_cols(out, &q->ft);
    }
    if (!rc) rc = x.err;
    rec_free(&r);
    free(map);
    worker_free(&x);
    lk_close_all(q, lk);
    return rc;
}

/* See op.h. */
bool ex_reads_stdin(const char *const *paths, int npaths, const in_opts_t *io) {
    bool std = npaths == 0 && !(io && io->nmem);
    for (int i = 0; i < npaths; i++) std = std || !paths[i] || strcmp(paths[i], "-") == 0;
    return std;
}

/* ---- the search's time range ------------------------------------------ */

/* Widths `timeslice N buckets` picks from: the smallest that gives at
 * most N slices over the range ("a reasonable clock-aligned resolution"). */
static const int64_t bucket_widths[] = {
    1000,     2000,     5000,     10000,    15000,    30000,    60000,     120000,    300000,
    600000,   900000,   1800000,  3600000,  7200000,  10800000, 14400000,  21600000,  43200000,
    86400000, 172800000, 604800000, 1209600000, 2592000000LL,
};

/* Min/max _messageTime of the records a pre-pass reads. */
struct span_acc {
    const exec_opts_t *eo;
    bool any;
    double lo, hi;
};

static int span_record(record_t *r, void *ud) {
    struct span_acc *a = ud;
    double t;
    if (out_of_range(a->eo, r) || !val_to_num(rec_get(r, F_MESSAGETIME), &t)) return 0;
    if (!a->any || t < a->lo) a->lo = t;
    if (!a->any || t > a->hi) a->hi = t;
    a->any = true;
    return 0;
}

/* Resolve q's time range: --from/--to where given, else the data's first
 * and last _messageTime (one more pass over the inputs, which therefore
 * cannot be stdin); then the widths of timeslices that depend on it.
 * Returns 0, or 2 with a message. */
static int resolve_range(query_t *q, const char *const *paths, int npaths, const in_opts_t *io,
                         const exec_opts_t *eo) {
    int64_t from = eo->has_from ? eo->from_ms : 0, to = eo->has_to ? eo->to_ms : 0;
    if (!eo->has_from || !eo->has_to) {
        if (ex_reads_stdin(paths, npaths, io)) {
            fprintf(stderr, "postern: the query reads the search's time range (queryStartTime(), timeslice "
                            "without a width, ...) and stdin cannot be read twice to find it: give --from and --to\n");
            return 2;
        }
        ftab_t ft;
        ftab_init(&ft);
        ft.e[F_MESSAGETIME].wanted = 1;
        in_opts_t o = *io;
        o.quiet = o.again = true; /* the query's own run says what it cannot read */
        in_stats_t st = {0};
        struct span_acc acc = {.eo = eo};
        int rc = input_run(paths, npaths, &o, &ft, span_record, &acc, &st);
        ftab_free(&ft);
        if (rc != 0 && rc != IN_PARTIAL) return 2;
        if (!eo->has_from) from = acc.any ? (int64_t)acc.lo : 0;
        if (!eo->has_to) to = acc.any ? (int64_t)acc.hi + 1 : from + 1;
    }
    if (to <= from) to = from + 1;
    q->range_from = from;
    q->range_to = to;
    for (uint32_t i = 0; i < q->nst; i++) {
        stage_t *s = &q->st[i];
        if (s->kind != ST_TIMESLICE || s->slice_ms) continue;
        if (!s->buckets) {
            s->slice_ms = to - from; /* one slice: the whole range */
            s->slice_origin = from;
            continue;
        }
        int64_t want = (to - from + s->buckets - 1) / s->buckets, w = 0;
        for (size_t k = 0; k < sizeof bucket_widths / sizeof *bucket_widths && !w; k++)
            if (bucket_widths[k] >= want) w = bucket_widths[k];
        s->slice_ms = w ? w : want;
    }
    return 0;
}

/* Fix the output columns of result t (after the table phase): a
 * `fields a, b` decides the columns of message output too. */
static void finish_cols(const query_t *q, table_t *t) {
    for (uint32_t i = q->nst; i-- > 0;) {
        const stage_t *s = &q->st[i];
        if (stage_info[s->kind].flags & SF_GROUP) break;
        if (s->kind == ST_FIELDS && !s->remove && !t->fixed) {
            t->fixed = true;
            t->ncols = 0;
            for (uint32_t f = 0; f < s->nflds; f++) table_add_col(t, s->flds[f]);
            break;
        }
    }
    table_finish_cols(t, &q->ft);
    if (t->fixed) {
        /* `fields` lists decide; drop columns removed by `fields -`. */
        for (uint32_t i = 0; i < q->nst; i++)
            if (q->st[i].kind == ST_FIELDS && q->st[i].remove)
                for (uint32_t f = 0; f < q->st[i].nflds; f++) table_del_col(t, q->st[i].flds[f]);
    }
}

/* ---- streamed results ------------------------------------------------- */

/* What the writer's hooks need: the query, and the worker that runs the
 * stages from `from` on (a limit with several threads) in input order. */
typedef struct stream_ctx {
    const query_t *q;
    exec_t *tail;          /* NULL when the lanes run every stage */
    uint32_t from;         /* the tail's first stage */
} stream_ctx_t;

static void stream_cols(void *ud, table_t *t) { finish_cols(((stream_ctx_t *)ud)->q, t); }

static int stream_put(void *ud, record_t *r) { return emit_put(ud, r); }

static int stream_tail(void *ud, record_t *r) {
    stream_ctx_t *c = ud;
    exec_t *t = c->tail;
    arena_reset(&t->scratch);
    t->parse_hit = false;
    int rc = run_from(t, c->from, r);
    if (rc) return rc;
    return t->stream_limit_hit ? -1 : 0;
}

static int stream_seg_begin(void *ud, uint64_t k) { return emit_seg_begin(((exec_t *)ud)->emit, k); }

static void stream_seg_end(void *ud, uint64_t k) { emit_seg_end(((exec_t *)ud)->emit, k); }

/* ---- an aggregate's rows written as they come --------------------------- */

/* May the rows of the aggregate at stage i go to the writer group by
 * group, through the stages after it? Yes when those only drop rows, set
 * a field on every row they keep, or keep or drop fields (where, as,
 * fields, limit, timeslice): every row then carries the same fields in
 * the same order, so the columns the first rows give are the result's,
 * and no stage needs all rows. One `sort` may come among them, after
 * no `limit`: the groups are then put in its order first (agg_order),
 * from the sort keys of the rows that reach it alone; *sort is its stage
 * (or q->nst when there is none). */
static bool agg_streams(const query_t *q, uint32_t i, uint32_t *sort) {
    *sort = q->nst;
    if (i >= q->nst || q->st[i].kind != ST_AGG) return false;
    for (uint32_t k = i + 1; k < q->nst && *sort == q->nst; k++)
        if (q->st[k].kind == ST_SORT) *sort = k;
    for (uint32_t k = i + 1; k < q->nst; k++) {
        uint8_t kind = q->st[k].kind;
        if (k == *sort || kind == ST_FIELDS) continue;
        if (kind != ST_WHERE && kind != ST_ASSIGN && kind != ST_TIMESLICE && (kind != ST_LIMIT || k < *sort))
            return false; /* (before a sort, a limit would cut the groups in another order) */
    }
    return true;
}

/* What the writer's column hook needs for an aggregate's rows. */
typedef struct agg_ctx {
    const query_t *q;
    const gtab_t *g;       /* the merged groups */
    uint32_t i;            /* the aggregate's stage */
} agg_ctx_t;

/* The columns of the aggregate's result, as the buffered path fixes them
 * (gtab_emit, table_phase, finish_cols). */
static void agg_cols(void *ud, table_t *t) {
    const agg_ctx_t *c = ud;
    t->ncols = 0;
    gtab_cols(c->g, t);
    run_cols(c->q, c->i + 1, c->q->nst, t);
    finish_cols(c->q, t);
}

static int sink_put(exec_t *x, record_t *r) { return x->row_fn(x->row_ud, r); }

/* A group's row reached the sort whose order the rows already come in:
 * run the stages after it. */
static int sink_resume(exec_t *x, record_t *r) {
    /* The stages before the sort ran on this row in agg_order already,
     * which counted their regex give-ups; they cannot have dropped it
     * then, nor now. */
    x->ev.rx_limit = x->pre_rx;
    uint32_t end = x->end;
    x->end = x->q->nst;
    x->sink = x->after;
    int rc = run_from(x, x->resume, r);
    x->end = end;
    x->sink = sink_resume;
    return rc;
}

/* Send worker x's rows to last after the query's last stage, past the
 * sort the rows come sorted for (x->resume). */
static void agg_route(exec_t *x, sink_fn last) {
    x->end = x->resume ? x->resume - 1 : x->q->nst;
    x->sink = x->resume ? sink_resume : last;
    x->after = last;
}

static int measure_row(void *ud, record_t *r) {
    emit_measure(ud, r);
    return 0;
}

/* Run the stages after the aggregate on group row r (gtab_each's). */
static int agg_row(void *ud, record_t *r) {
    exec_t *x = ud;
    x->pre_rx = x->ev.rx_limit; /* (for sink_resume) */
    arena_reset(&x->scratch);
    x->parse_hit = false;
    int rc = run_from(x, x->stop + 1, r);
    if (rc || x->err) return rc ? rc : x->err;
    return x->stream_limit_hit ? -1 : 0; /* a limit is met: no more rows */
}

/* Set worker x up to run the stages after its aggregate on group rows,
 * each row that comes out handed to fn(ud, row). */
static void agg_setup(exec_t *x, exec_row_fn fn, void *ud) {
    const query_t *q = x->q;
    for (uint32_t k = x->stop + 1; k < q->nst; k++) x->limit_left[k] = q->st[k].kind == ST_LIMIT ? q->st[k].n : -1;
    x->stream_limit_hit = false;
    agg_route(x, sink_put);
    x->next = NULL;
    x->row_fn = fn;
    x->row_ud = ud;
}

/* Run worker x's stages after the aggregate on the groups from..to-1 of
 * the first-record order, or at places idx[from..to). */
static int agg_each(gtab_t *g, const size_t *idx, size_t from, size_t to, exec_t *x) {
    return idx ? gtab_each_of(g, idx + from, to - from, agg_row, x) : gtab_each_range(g, from, to, agg_row, x);
}

/* The sort keys of groups' rows (agg_order, top_emit): field k of a row
 * is key k; its seq, the group's place in first-record order. */
typedef struct agg_keys {
    exec_t *x;
    const sortkey_t *keys;
    uint32_t nkeys;
    table_t t;
    size_t at;             /* the group being run */
} agg_keys_t;

static int key_put(void *ud, record_t *r) {
    agg_keys_t *c = ud;
    record_t *kr = table_new_row(&c->t);
    rec_reserve(kr, &c->t.arena, c->nkeys, c->nkeys);
    for (uint32_t k = 0; k < c->nkeys; k++) rec_set(kr, k, rec_get(r, c->keys[k].field));
    kr->seq = c->at;
    rec_pin(kr, &c->t.arena);
    return 0;
}

/* The places, in first-record order, of the groups whose key rows c->t
 * holds, in the order of c's keys (ties by place), the first lim only
 * when lim >= 0 (*n of them, heap). Frees c->t. */
static size_t *key_order(agg_keys_t *c, int64_t lim, size_t *n) {
    sortkey_t *keys = xcalloc(c->nkeys ? c->nkeys : 1, sizeof *keys);
    for (uint32_t k = 0; k < c->nkeys; k++) {
        keys[k] = c->keys[k];
        keys[k].field = k;
    }
    if (lim >= 0) rowsort_first(&c->t, keys, c->nkeys, (size_t)lim);
    else rowsort_table(&c->t, keys, c->nkeys);
    size_t *idx = xmalloc((c->t.n ? c->t.n : 1) * sizeof *idx);
    for (size_t i = 0; i < c->t.n; i++) idx[i] = (size_t)c->t.rows[i].seq;
    *n = c->t.n;
    table_free(&c->t);
    free(keys);
    return idx;
}

static int key_group(void *ud, record_t *r) {
    agg_keys_t *c = ud;
    int rc = agg_row(c->x, r);
    c->at++;
    return rc;
}

/* Put the groups of worker x's aggregate in the order of the sort at
 * stage `sort` (x->resume - 1), as the sort would put their rows: a
 * table of the sort keys alone of the rows that reach it (a `where`
 * before it drops some; `as` sets a key), rows of a few slots (the keys
 * renumbered 0, 1, ...), sorted by rowsort, or cut to its first k when a
 * `limit k` follows. Returns the groups' places in that order (*n of them, heap). */
static size_t *agg_order(exec_t *x, size_t *n) {
    const query_t *q = x->q;
    uint32_t sort = x->resume - 1;
    agg_keys_t c = {.x = x, .keys = q->st[sort].keys, .nkeys = q->st[sort].nkeys};
    table_init(&c.t);
    agg_setup(x, key_put, &c);
    x->end = sort; /* (row stages that keep no state come before the sort) */
    x->sink = sink_put;
    arena_t *saved = x->ev.arena;
    /* (This pass counts the drops and regex give-ups of the stages before
     * the sort, for every group; sink_resume forgets those of the rows'
     * second run.) */
    gtab_each_range(x->g, 0, gtab_count(x->g), key_group, &c);
    x->ev.arena = saved;
    return key_order(&c, rowsort_limit(q, sort), n);
}

/* Rows a worker formats at a time when several write a result's rows. */
#define SEG_ROWS 4096

/* Writes rows from..to-1 of a result (in its order) through worker x's
 * lane of the writer; 0, or non-zero to stop. */
typedef int (*seg_fn)(exec_t *x, void *ud, size_t from, size_t to);

/* Workers writing the rows of one result: segments of SEG_ROWS rows
 * claimed in order, each formatted in its worker and written in order by
 * the writer's segment hand-over (emit_seg_begin/emit_seg_end). */
typedef struct seg_par {
    exec_t *xs;            /* the workers */
    emit_t *em;
    size_t from, to;       /* the rows they write */
    seg_fn each;           /* how a segment's rows are written */
    void *ud;              /* its argument */
    atomic_size_t next;    /* the next segment to claim */
    atomic_int stop;       /* a worker failed, or the output did: claim no more */
} seg_par_t;

/* One worker of a seg_par_t. */
typedef struct seg_lane {
    seg_par_t *p;
    unsigned w;
} seg_lane_t;

static void *seg_lane_run(void *ud) {
    const seg_lane_t *l = ud;
    seg_par_t *p = l->p;
    exec_t *x = &p->xs[l->w];
    x->emit = emit_lane(p->em, l->w);
    while (!atomic_load(&p->stop)) {
        size_t k = atomic_fetch_add(&p->next, 1), lo = p->from + k * SEG_ROWS;
        if (lo >= p->to || emit_seg_begin(x->emit, k) != 0) break;
        int rc = p->each(x, p->ud, lo, lo + SEG_ROWS < p->to ? lo + SEG_ROWS : p->to);
        emit_seg_end(x->emit, k);
        if (rc) atomic_store(&p->stop, 1);
    }
    x->emit = NULL;
    return NULL;
}

/* Write rows from..to of a result with the nw workers at once, each
 * segment by each (the columns are decided). */
static void seg_emit_par(exec_t *xs, unsigned nw, emit_t *em, size_t from, size_t to, seg_fn each, void *ud) {
    seg_par_t p = {.xs = xs, .em = em, .from = from, .to = to, .each = each, .ud = ud};
    atomic_init(&p.next, 0);
    atomic_init(&p.stop, 0);
    seg_lane_t *lanes = xcalloc(nw, sizeof *lanes);
    pthread_t *th = xcalloc(nw, sizeof *th);
    bool *started = xcalloc(nw, sizeof *started);
    for (unsigned w = 0; w < nw; w++) lanes[w] = (seg_lane_t){&p, w};
    for (unsigned w = 1; w < nw; w++) started[w] = pthread_create(&th[w], NULL, seg_lane_run, &lanes[w]) == 0;
    seg_lane_run(&lanes[0]); /* (segments a thread that failed to start would take go to the others) */
    for (unsigned w = 1; w < nw; w++)
        if (started[w]) pthread_join(th[w], NULL);
    free(started);
    free(th);
    free(lanes);
}

/* The groups an aggregate's segments come from. */
typedef struct agg_seg {
    gtab_t *g;             /* the merged groups (worker 0's) */
    const size_t *idx;     /* NULL, or the groups' places in sorted order (agg_order) */
} agg_seg_t;

static int sink_lane(exec_t *x, record_t *r) { return emit_row(x->emit, r); }

/* A seg_fn: the groups from..to-1 (places in idx with idx) through the
 * stages after the aggregate. */
static int agg_seg(exec_t *x, void *ud, size_t from, size_t to) {
    const agg_seg_t *a = ud;
    agg_setup(x, NULL, NULL);
    agg_route(x, sink_lane);
    arena_t *saved = x->ev.arena;
    int rc = agg_each(a->g, a->idx, from, to, x);
    x->ev.arena = saved;
    return rc;
}

/* Write the result of the aggregate of worker xs[0] (the nw workers'
 * groups merged into it) through em, row by row, without a table of the
 * rows: the terminal table measures its columns' widths in a first pass.
 * The first rows, until the columns are decided, and every row when a
 * `limit` must count them in order, are run by worker 0 alone; the rest
 * by every worker, segment by segment. */
static int agg_emit(exec_t *xs, unsigned nw, emit_t *em) {
    exec_t *x = &xs[0];
    const query_t *q = x->q;
    agg_ctx_t c = {.q = q, .g = x->g, .i = x->stop};
    gtab_order(x->g);
    size_t n = gtab_count(x->g);
    size_t *idx = x->resume ? agg_order(x, &n) : NULL;
    arena_t *saved = x->ev.arena;
    if (emit_wants_widths(em)) {
        /* (The writing pass counts the drops and regex give-ups, once.) */
        eval_ctx_t *ev = &x->ev;
        uint64_t rx = ev->rx_limit, dropped = ev->dropped, by[FN__COUNT];
        memcpy(by, ev->dropped_by, sizeof by);
        agg_setup(x, measure_row, em);
        agg_each(x->g, idx, 0, n, x);
        ev->rx_limit = rx;
        ev->dropped = dropped;
        memcpy(ev->dropped_by, by, sizeof by);
        x->ev.arena = saved;
        if (x->err) {
            free(idx);
            return x->err;
        }
    }
    bool par = nw > 1;
    for (uint32_t k = x->stop + 1; k < q->nst; k++) par = par && q->st[k].kind != ST_LIMIT;
    emit_hooks_t h = {.ud = &c, .cols = agg_cols, .exact = true};
    progress_stop(); /* the reading is over: no bar between the rows */
    emit_start(em, &x->q->ft, &h, nw);
    agg_setup(x, stream_put, em);
    size_t i = 0;
    int rc = 0;
    while (i < n && !rc && (!par || !emit_decided(em))) {
        size_t to = par ? i + 64 : n;
        rc = agg_each(x->g, idx, i, to < n ? to : n, x);
        i = to;
    }
    x->ev.arena = saved;
    agg_seg_t as = {x->g, idx};
    if (!rc && i < n) seg_emit_par(xs, nw, em, i, n, agg_seg, &as);
    emit_finish(em);
    free(idx);
    for (unsigned w = 0; w < nw; w++)
        if (xs[w].err) return xs[w].err;
    return 0;
}

/* Say that stage i's groups (ngroups of them) outgrew the memory limit. */
static void say_over_budget(const query_t *q, uint32_t i, size_t ngroups, size_t max) {
    const stage_t *s = &q->st[i];
    fprintf(stderr,
            "postern: stage %u `%.*s`: %zu groups need more than --max-memory %zu MiB; raise --max-memory or "
            "group by fewer or coarser fields\n",
            i + 1, (int)s->sp.len, q->text + s->sp.off, ngroups, max >> 20);
}

/* The stage of the aggregate (or top) that the rows of the aggregate at
 * stage i reach through row stages alone (`count by a, b | where … |
 * count by a`, `… | top 10 a by _count`), or 0 when another blocking stage
 * comes first. */
static uint32_t agg_chained(const query_t *q, uint32_t i) {
    if (q->st[i].kind != ST_AGG) return 0; /* (a top's rows are cut and sorted first) */
    for (uint32_t k = i + 1; k < q->nst; k++) {
        uint8_t kind = q->st[k].kind;
        if (stage_info[kind].flags & SF_GROUP) return k;
        if (is_blocking(kind)) return 0;
    }
    return 0;
}

static int sink_chain(exec_t *x, record_t *r) {
    uint64_t seq = x->st.used++; /* (reset by agg_chain: the row's place, as in a table) */
    return gtab_add(x->gnext, r, seq) ? 0 : (x->err = 2); /* over --max-memory */
}

/* Run the groups of worker x's aggregate (x->stop), in first-record order,
 * through the row stages after it into the aggregate at stage j, which
 * then takes its place: one group's row at a time, never a table of them
 * (the table phase would give the same groups, each row numbered by its
 * place). Returns 0, or 2 when the groups outgrow budget. */
static int agg_chain(exec_t *x, uint32_t j, gtab_budget_t *budget, unsigned nw) {
    const query_t *q = x->q;
    gtab_t *g = x->g, *next = gtab_new(&q->st[j]);
    gtab_set_budget(next, budget);
    gtab_set_threads(next, nw);
    gtab_order(g);
    for (uint32_t k = x->stop + 1; k < j; k++) x->limit_left[k] = q->st[k].kind == ST_LIMIT ? q->st[k].n : -1;
    x->stream_limit_hit = false;
    x->end = j;
    x->sink = sink_chain;
    x->next = NULL;
    x->gnext = next;
    uint64_t used = x->st.used;
    x->st.used = 0;
    arena_t *saved = x->ev.arena;
    gtab_each_range(g, 0, gtab_count(g), agg_row, x);
    x->ev.arena = saved;
    x->st.used = used;
    x->gnext = NULL;
    bool over = gtab_over(next);
    /* (Both aggregates' groups are held until the first is done.) */
    if (over) say_over_budget(q, j, gtab_count(g) + gtab_count(next), budget->max);
    gtab_free(g);
    x->g = next;
    x->stop = x->end = j;
    return over ? 2 : x->err;
}

static int top_key(void *ud, record_t *r) {
    agg_keys_t *c = ud;
    key_put(c, r);
    c->at++;
    return 0;
}

/* A `top N` (or count_frequent) stage s of worker x's groups, into out:
 * top_finish's rows — ranked by its keys (the count, descending, when it
 * names none), ties in first-record order, cut to N — from a table of the
 * groups' ranking keys alone, then the N groups' rows only, not a table
 * of every group's row first. */
static void top_emit(exec_t *x, const stage_t *s, table_t *out) {
    sortkey_t one = {.field = s->as, .desc = true};
    agg_keys_t c = {.x = x, .keys = s->nkeys ? s->keys : &one, .nkeys = s->nkeys ? s->nkeys : 1};
    table_init(&c.t);
    gtab_order(x->g);
    gtab_each_range(x->g, 0, gtab_count(x->g), top_key, &c);
    size_t n;
    size_t *idx = key_order(&c, s->n, &n);
    gtab_emit_of(x->g, idx, n, out);
    free(idx);
}

/* ---- a full sort's rows (sortpack.h) ------------------------------------- */

/* The workers' packs, sorted and merged. */
typedef struct sorted {
    const query_t *q;
    sortpack_t **ps;       /* the nw workers' packs (borrowed from them) */
    unsigned nw;
    const char **order;    /* the rows in sorted order (owned) */
    size_t n;
} sorted_t;

/* Make r row i of c's order; the rows a little further on are fetched
 * into the cache meanwhile (they lie anywhere in the packs). */
static void sorted_row(const sorted_t *c, size_t i, record_t *r) {
    if (i + 32 < c->n) {
        __builtin_prefetch(c->order[i + 32]);
        __builtin_prefetch(c->order[i + 32] + 64);
    }
    sortpack_row(c->ps[0], c->order[i], r);
}

/* Fields sortpack_fields says some row carried, that a column could show:
 * a new array of *n flags, by field id. */
static uint8_t *sorted_fields(const sorted_t *c, uint32_t *n) {
    *n = 0;
    for (unsigned w = 0; w < c->nw; w++) {
        uint32_t m;
        sortpack_fields(c->ps[w], &m);
        if (m > *n) *n = m;
    }
    uint8_t *want = xcalloc(*n ? *n : 1, 1);
    for (unsigned w = 0; w < c->nw; w++) {
        uint32_t m;
        const uint8_t *seen = sortpack_fields(c->ps[w], &m);
        for (uint32_t id = 0; id < m; id++) want[id] |= seen[id] && !table_col_hidden(id);
    }
    return want;
}

/* The columns of the sorted rows, given t, the first of them (emit's
 * hook): as finish_cols fixes them over every row. Only the fields that
 * first appear in later rows need those rows: each row that brings one
 * joins t while the columns are fixed (in sorted order, so that fields
 * come in the order they first appear), then leaves again. */
static void sorted_cols(void *ud, table_t *t) {
    const sorted_t *c = ud;
    uint32_t n;
    uint8_t *want = sorted_fields(c, &n);
    size_t left = 0, first = t->n;
    for (size_t i = 0; i < t->n; i++)
        for (uint32_t k = 0; k < t->rows[i].norder; k++)
            if (t->rows[i].order[k] < n) want[t->rows[i].order[k]] = 0;
    for (uint32_t id = 0; id < n; id++) left += want[id];
    record_t r;
    arena_t unused = {0};
    rec_init(&r, &unused);
    for (size_t i = first; i < c->n && left; i++) {
        sorted_row(c, i, &r);
        bool brings = false;
        for (uint32_t k = 0; k < r.norder; k++) {
            uint32_t id = r.order[k];
            if (id < n && want[id]) {
                want[id] = 0;
                left--;
                brings = true;
            }
        }
        if (brings) table_add(t, &r);
    }
    finish_cols(c->q, t);
    for (size_t i = first; i < t->n; i++) rec_free(&t->rows[i]);
    t->n = first;
    rec_free(&r);
    arena_free(&unused);
    free(want);
}

/* A seg_fn: sorted rows from..to-1 to worker x's lane. */
static int sorted_seg(exec_t *x, void *ud, size_t from, size_t to) {
    const sorted_t *c = ud;
    record_t r;
    arena_t unused = {0};
    rec_init(&r, &unused);
    int rc = 0;
    for (size_t i = from; i < to && !rc; i++) {
        sorted_row(c, i, &r);
        rc = emit_row(x->emit, &r);
    }
    rec_free(&r);
    arena_free(&unused);
    return rc;
}

/* Write the sorted rows through em, row by row, without a table (the sort
 * is the query's last stage): the first ones, until the columns are
 * decided, by this thread, the rest by the nw workers segment by segment. */
static void sorted_emit(exec_t *xs, unsigned nw, emit_t *em, sorted_t *c) {
    record_t r;
    arena_t unused = {0};
    rec_init(&r, &unused);
    if (emit_wants_widths(em))
        for (size_t i = 0; i < c->n; i++) {
            sorted_row(c, i, &r);
            emit_measure(em, &r);
        }
    emit_hooks_t h = {.ud = c, .cols = sorted_cols, .exact = true};
    progress_stop(); /* the reading is over: no bar between the rows */
    emit_start(em, &xs[0].q->ft, &h, nw);
    size_t i = 0;
    int rc = 0;
    while (i < c->n && !rc && (nw < 2 || !emit_decided(em))) {
        sorted_row(c, i++, &r);
        rc = emit_put(em, &r);
    }
    rec_free(&r);
    arena_free(&unused);
    if (!rc && i < c->n) seg_emit_par(xs, nw, em, i, c->n, sorted_seg, c);
    emit_finish(em);
}

static void *sort_lane(void *ud) {
    sortpack_sort(ud);
    return NULL;
}

/* Can the rows the nw workers packed be sorted as packed rows
 * (sortpack_compact)? If not, they go back into the workers' tables. */
static bool packs_compact(exec_t *xs, unsigned nw) {
    sortpack_t **ps = xcalloc(nw, sizeof *ps);
    for (unsigned w = 0; w < nw; w++) ps[w] = xs[w].pack;
    bool ok = sortpack_compact(ps, nw);
    free(ps);
    if (!ok)
        for (unsigned w = 0; w < nw; w++) sortpack_to_table(xs[w].pack, xs[w].tab);
    return ok;
}

/* The full sort at stage xs[0].stop over the rows the nw workers packed
 * (packs_compact said yes): each worker's rows sorted in its own thread,
 * then merged. When em is given and the sort is the query's last stage,
 * the rows go out through em; otherwise they fill out, in order, for the
 * stages after the sort. */
static void sort_packed(exec_t *xs, unsigned nw, emit_t *em, table_t *out) {
    const query_t *q = xs[0].q;
    sorted_t c = {.q = q, .nw = nw, .ps = xcalloc(nw, sizeof *c.ps)};
    pthread_t *th = xcalloc(nw, sizeof *th);
    bool *started = xcalloc(nw, sizeof *started);
    for (unsigned w = 0; w < nw; w++) c.ps[w] = xs[w].pack;
    for (unsigned w = 1; w < nw; w++) started[w] = pthread_create(&th[w], NULL, sort_lane, c.ps[w]) == 0;
    for (unsigned w = 0; w < nw; w++)
        if (!started[w]) sortpack_sort(c.ps[w]);
    for (unsigned w = 1; w < nw; w++)
        if (started[w]) pthread_join(th[w], NULL);
    free(started);
    free(th);
    c.order = sortpack_merge(c.ps, nw, &c.n);
    if (em && xs[0].stop + 1 == q->nst) {
        sorted_emit(xs, nw, em, &c);
    } else {
        record_t r;
        arena_t unused = {0};
        rec_init(&r, &unused);
        for (size_t i = 0; i < c.n; i++) {
            sorted_row(&c, i, &r);
            table_add(out, &r);
        }
        rec_free(&r);
        arena_free(&unused);
    }
    free(c.order);
    free(c.ps);
}

/* See exec.h: no stage of q needs every row before it can give one. */
bool exec_streams(const query_t *q) {
    for (uint32_t i = 0; i < q->nst; i++)
        if (is_blocking(q->st[i].kind)) return false;
    return true;
}

/* See exec.h. */
size_t exec_default_max_memory(void) {
    long pages = sysconf(_SC_PHYS_PAGES), psz = sysconf(_SC_PAGESIZE);
    if (pages <= 0 || psz <= 0) return (size_t)4 << 30;
    return (size_t)pages / 2 * (size_t)psz;
}

/* See exec.h. */
int exec_run(query_t *q, const char *const *paths, int npaths, const in_opts_t *io, const exec_opts_t *eo,
             table_t *out, in_stats_t *st) {
    return exec_run_to(q, paths, npaths, io, eo, NULL, out, st);
}

/* See exec.h. */
int exec_run_to(query_t *q, const char *const *paths, int npaths, const in_opts_t *io, const exec_opts_t *eo,
                emit_t *em, table_t *out, in_stats_t *st) {
    unsigned nw = eo->threads > 1 ? eo->threads : 1;
    rowsort_plan(q);
    exec_plan(q, eo);
    if (q->needs_range && resolve_range(q, paths, npaths, io, eo) != 0) return 2;
    if (ex_subqueries(q, paths, npaths, io, eo) != 0) return 2;

    /* Lookup tables are opened once, before any record, and shared. */
    char why[1024];
    lktab_t **lk = lk_open_all(q, eo, why, sizeof why);
    exec_t *xs = xcalloc(nw, sizeof *xs);
    int rc = 0;
    bool partial = false; /* some inputs could not be read: the rows are the rest's */
    if (!lk) {
        fprintf(stderr, "postern: %s\n", why);
        rc = 2;
    }

    /* Records stream through the stages up to the first blocking one. With
     * several threads a `limit` blocks too: it must see rows in input order. */
    uint32_t stop = 0;
    while (stop < q->nst && !is_blocking(q->st[stop].kind) && !(nw > 1 && q->st[stop].kind == ST_LIMIT)) stop++;
    bool grouped = stop < q->nst && (stage_info[q->st[stop].kind].flags & SF_GROUP);
    table_t *parts = xcalloc(nw, sizeof *parts);
    void **uds = xcalloc(nw, sizeof *uds);
    uint32_t inf[64];
    uint32_t ninf = cov_input_fields(q, inf, 64, COV_INPUTS);
    /* Counted runs: one cov per worker, merged into eo->cov at the end. */
    cov_t *covs = eo->cov ? xcalloc(nw, sizeof *covs) : NULL;
    if (eo->cov) cov_init(eo->cov, q);
    uint64_t *hits = xcalloc((size_t)nw * 64, sizeof *hits);
    /* Every lane's groups count against one budget (--max-memory). */
    gtab_budget_t budget = {.max = eo->max_memory ? eo->max_memory : exec_default_max_memory()};
    for (unsigned w = 0; w < nw; w++) {
        table_init(&parts[w]);
        worker_init(&xs[w], q, eo, lk, stop, grouped, w == 0 ? out : &parts[w]);
        if (grouped) gtab_set_budget(xs[w].g, &budget);
        xs[w].inf = inf;
        xs[w].ninf = xs[w].inf_unmet = ninf;
        xs[w].inf_hits = hits + (size_t)w * 64;
        if (covs) {
            cov_init(&covs[w], q);
            xs[w].cov = &covs[w];
        }
        xs[w].paths = paths;
        xs[w].npaths = npaths;
        xs[w].io = io;
        uds[w] = &xs[w];
    }
    /* Streamed results: the workers hand rows to the writer; stages from
     * `stop` on (a limit with several threads) run in the writer's tail. */
    bool stream = em && rc == 0 && exec_streams(q);
    exec_t tail;
    stream_ctx_t sctx = {.q = q, .from = stop};
    if (stream) {
        if (stop < q->nst) {
            worker_init(&tail, q, eo, lk, q->nst, false, NULL);
            tail.sink = sink_stream;
            tail.row_fn = stream_put;
            tail.row_ud = em;
            tail.paths = paths;
            tail.npaths = npaths;
            tail.io = io;
            sctx.tail = &tail;
        }
        emit_hooks_t h = {.ud = &sctx, .cols = stream_cols, .tail = sctx.tail ? stream_tail : NULL};
        emit_start(em, &q->ft, &h, nw);
        for (unsigned w = 0; w < nw; w++) {
            xs[w].sink = sink_emit;
            xs[w].emit = emit_lane(em, w);
        }
    }
    /* `sort | limit k` over messages: each worker keeps its k first rows
     * (by seq, then arrival, among equals: the order the table phase puts
     * the workers' rows in); the sort stage then orders those. */
    int64_t topk = !grouped && stop < q->nst && q->st[stop].kind == ST_SORT ? rowsort_limit(q, stop) : -1;
    for (unsigned w = 0; w < nw && topk >= 0; w++) {
        xs[w].heap = rowheap_new(q->st[stop].keys, q->st[stop].nkeys, (size_t)topk, nw > 1);
        xs[w].sink = sink_heap;
    }
    /* A full sort over messages, with only `fields` lists after it: each
     * worker packs its rows (sortpack.h). */
    bool pack = !grouped && !stream && rc == 0 && topk < 0 && stop < q->nst && q->st[stop].kind == ST_SORT;
    for (uint32_t i = stop + 1; i < q->nst && pack; i++) pack = q->st[i].kind == ST_FIELDS;
    for (unsigned w = 0; w < nw && pack; w++) {
        xs[w].pack = sortpack_new(q->st[stop].keys, q->st[stop].nkeys);
        sortpack_set_budget(xs[w].pack, &budget);
        xs[w].sink = sink_pack;
    }
    bool no_raw = !grouped && stop < q->nst && q->st[stop].kind == ST_SORT && rowsort_raw_unused(q, stop);
    for (unsigned w = 0; w < nw; w++) xs[w].drop_raw = no_raw;
    /* --from/--to go down to the prefilter too, unless POSTERN_NO_TIME_PUSHDOWN
     * is set (to compare: the results are the same). */
    const char *ntp = getenv("POSTERN_NO_TIME_PUSHDOWN");
    pf_range_t range = {.has_from = eo->has_from, .has_to = eo->has_to, .from_ms = eo->from_ms, .to_ms = eo->to_ms};
    bool push_range = !(ntp && *ntp && strcmp(ntp, "0") != 0);
    pf_t *pf = rc == 0 && !eo->no_prefilter ? pf_compile_range(q, io ? io->category : NULL, push_range ? &range : NULL)
                                            : NULL;
    if (pf && eo->cov) {
        /* The prefilter counts what the lines it drops held, or is not used. */
        uint32_t ids[IN_MAXTALLY];
        uint32_t n = cov_tally_ids(eo->cov, ids);
        if (!pf_count(pf, q, ids, n, eo->cov->plan.n)) {
            pf_free(pf);
            pf = NULL;
        }
    }
    in_tally_t tally0 = st->pf_tally;
    if (rc == 0) {
        in_par_t par = {.nthreads = nw, .cb = on_record, .uds = uds, .pf = pf};
        if (stream) {
            par.seg_begin = stream_seg_begin;
            par.seg_end = stream_seg_end;
        }
        rc = input_run_par(paths, npaths, io, &q->ft, &par, st);
        if (rc == -1 && (xs[0].stream_limit_hit || (stream && emit_stopped(xs[0].emit)))) rc = 0;
        if (rc == IN_PARTIAL) partial = true, rc = 0;
    }
    size_t ngroups = 0;
    bool over = false;
    for (unsigned w = 0; w < nw && grouped; w++) {
        gtab_settle(xs[w].g);
        ngroups += gtab_count(xs[w].g);
        over = over || gtab_over(xs[w].g);
    }
    if (over) say_over_budget(q, stop, ngroups, budget.max);
    bool pack_over = false;
    for (unsigned w = 0; w < nw; w++) pack_over = pack_over || (xs[w].pack && sortpack_over(xs[w].pack));
    if (pack_over) {
        const stage_t *s = &q->st[stop];
        fprintf(stderr,
                "postern: stage %u `%.*s`: the rows to sort need more than --max-memory %zu MiB; raise --max-memory, "
                "keep fewer fields before the sort (`fields`), or sort fewer rows (`limit`, `top`, a narrower scope)\n",
                stop + 1, (int)s->sp.len, q->text + s->sp.off, budget.max >> 20);
    }
    for (unsigned w = 0; w < nw; w++) {
        if (xs[w].err) rc = xs[w].err;
        st->in_scope += xs[w].st.in_scope;
        st->out_of_range += xs[w].st.out_of_range;
        st->used += xs[w].st.used;
    }
    if (covs) {
        for (unsigned w = 0; w < nw; w++) {
            cov_merge(eo->cov, &covs[w]);
            cov_free(&covs[w]);
        }
        free(covs);
        /* This run's part of the prefilter's counts. */
        in_tally_t t = st->pf_tally;
        t.in_scope -= tally0.in_scope;
        t.range_in_scope -= tally0.range_in_scope;
        for (unsigned k = 0; k < IN_MAXTALLY; k++) {
            t.with[k] -= tally0.with[k];
            t.with_in_scope[k] -= tally0.with_in_scope[k];
        }
        cov_add_tally(eo->cov, &t);
    }
    exec_t *x = &xs[0];
    if (stream) emit_finish(em); /* (after an error too: the rows before it are out) */
    for (unsigned w = 0; w < nw && rc == 0; w++)
        if (xs[w].heap) rowheap_finish(xs[w].heap, xs[w].tab);
    if (rc == 0 && !stream) {
        uint32_t from = x->stop, sort;
        if (grouped) {
            /* Partial groups merge; the output order (first record) does
             * not depend on how the input was split. */
            gtab_set_threads(x->g, nw); /* (the merge and the order of millions of groups) */
            gtab_t **gs = xmalloc(nw * sizeof *gs);
            for (unsigned w = 0; w < nw; w++) gs[w] = xs[w].g;
            gtab_merge_all(gs, nw);
            free(gs);
        }
        /* An aggregate of an aggregate's rows takes them one by one
         * (--no-stream: through a table of them, as before). */
        for (uint32_t j; rc == 0 && em && grouped && !gtab_over(x->g) && !x->err && (j = agg_chained(q, x->stop));)
            rc = agg_chain(x, j, &budget, nw);
        if (rc == 0 && grouped && gtab_over(x->g)) {
            say_over_budget(q, x->stop, gtab_count(x->g), budget.max);
            rc = 2;
        } else if (rc) {
            /* the chain failed, and said why */
        } else if (grouped && em && agg_streams(q, x->stop, &sort) && !(partial && !st->files)) {
            /* (When no input could be read, the run fails and shows no result.) */
            for (unsigned w = 0; w < nw; w++) xs[w].resume = sort < q->nst ? sort + 1 : 0;
            rc = agg_emit(xs, nw, em); /* the rows go out as they come: no table */
            from = q->nst;
        } else if (grouped && q->st[x->stop].kind != ST_AGG && q->st[x->stop].n >= 0) {
            top_emit(x, &q->st[x->stop], out); /* top N: the N groups' rows only */
            from = x->stop + 1;
        } else if (grouped) {
            gtab_emit(x->g, out);
            if (q->st[x->stop].kind != ST_AGG) top_finish(out, &q->st[x->stop]);
            from = x->stop + 1;
        } else if (x->pack && packs_compact(xs, nw)) {
            /* (When no input could be read, the run fails and shows no result.) */
            sort_packed(xs, nw, partial && !st->files ? NULL : em, out);
            from = x->stop + 1;
        } else if (nw > 1) {
            for (unsigned w = 1; w < nw; w++) table_append_move(out, &parts[w]);
            table_sort_seq(out);
        }
        if (rc == 0 && !emit_used(em)) {
            rc = table_phase(x, out, from);
            finish_cols(q, out);
        }
    }
    /* (Only when the prefilter dropped nothing: a line it dropped may have
     * carried the field.) */
    if (rc == 0 && eo->warn_inputs && !(io && io->quiet) && !st->prefiltered) {
        for (unsigned w = 1; w < nw; w++)
            for (uint32_t k = 0; k < ninf; k++) hits[k] += hits[(size_t)w * 64 + k];
        warn_missing_inputs(q, inf, ninf, hits, st->in_scope);
    }
    free(hits);
    /* Read after the table phase, which runs on worker 0 and may add to it. */
    uint64_t rx_limit = sctx.tail ? tail.ev.rx_limit : 0;
    for (unsigned w = 0; w < nw; w++) rx_limit += xs[w].ev.rx_limit;
    /* Sumo shows a warning when isPrivateIP, format and friends drop
     * records: one for each function that did. */
    for (int f = 0; f < FN__COUNT; f++) {
        uint64_t dropped = 0;
        const char *reason = NULL;
        for (unsigned w = 0; w <= nw; w++) {
            const eval_ctx_t *ev = w < nw ? &xs[w].ev : sctx.tail ? &tail.ev : NULL;
            if (!ev) continue;
            dropped += ev->dropped_by[f];
            if (ev->dropped_why[f]) reason = ev->dropped_why[f];
        }
        if (dropped)
            fprintf(stderr, "postern: warning: %s dropped %llu record%s %s\n", func_info[f].name,
                    (unsigned long long)dropped, dropped == 1 ? "" : "s",
                    reason ? reason : "whose value is not an IPv4 address");
    }
    /* A regex that gave up at the match limit counted as "no match": say
     * so, since RE2 (what Sumo runs) would have given an answer. */
    if (rx_limit)
        fprintf(stderr,
                "postern: warning: a regex reached its match limit %llu time%s; those tests were taken as not "
                "matching (simplify the pattern)\n",
                (unsigned long long)rx_limit, rx_limit == 1 ? "" : "s");
    pf_free(pf);
    if (sctx.tail) worker_free(&tail);
    for (unsigned w = 0; w < nw; w++) {
        worker_free(&xs[w]);
        table_free(&parts[w]);
    }
    lk_close_all(q, lk);
    free(xs);
    free(parts);
    free(uds);
    return rc ? rc : partial ? IN_PARTIAL : 0;
}

/* ---- record at a time --------------------------------------------------- */

/* A streaming query: one worker, its lookup tables, the aggregate index. */
struct exec_stream {
    exec_t x;              /* the worker (x.stop = the aggregate or nst) */
    query_t *q;            /* the query (borrowed) */
    lktab_t **lk;          /* per stage: lookup table (owned) */
    uint32_t agg;          /* index of the aggregate stage, or nst */
    bool worker;           /* x is initialised */
    cov_t cov;             /* what the query saw (owned) */
};

/* See exec.h. */
exec_stream_t *exec_stream_new(query_t *q, const exec_opts_t *eo, uint32_t *agg, char *why, size_t whylen) {
    uint32_t stop = 0;
    if (q->needs_range) {
        snprintf(why, whylen, "the query reads the search's time range, which a stream does not have");
        return NULL;
    }
    if (q->nsubs) {
        snprintf(why, whylen, "a subquery reads the inputs before the query runs, which a stream cannot");
        return NULL;
    }
    while (stop < q->nst && !is_blocking(q->st[stop].kind)) stop++;
    if (stop < q->nst && q->st[stop].kind != ST_AGG) {
        snprintf(why, whylen, "a %s before any aggregate cannot run on a stream", stage_info[q->st[stop].kind].name);
        return NULL;
    }
    for (uint32_t i = stop + 1; i < q->nst; i++)
        if (stage_info[q->st[i].kind].flags & SF_GROUP) {
            snprintf(why, whylen, "only one aggregate stage can run on a stream (a second one is stage %u)", i + 1);
            return NULL;
        }
    exec_plan(q, NULL);
    exec_stream_t *s = xcalloc(1, sizeof *s);
    s->q = q;
    s->lk = lk_open_all(q, eo, why, whylen);
    if (!s->lk) {
        exec_stream_free(s);
        return NULL;
    }
    table_t unused;
    worker_init(&s->x, q, eo, s->lk, stop, false, &unused);
    s->x.tab = NULL;
    s->worker = true;
    cov_init(&s->cov, q);
    s->agg = stop;
    *agg = stop;
    return s;
}

/* See exec.h. */
int exec_stream_row(exec_stream_t *s, record_t *r, exec_row_fn fn, void *ud) {
    exec_t *x = &s->x;
    arena_reset(&x->scratch);
    x->parse_hit = false;
    const expr_t *scope = x->q->scope;
    bool scoped = !scope || scope->kind == EX_ALL || eval_cond(&x->ev, scope, r); /* (`*`: no call) */
    cov_record(&s->cov, r, scoped, true);
    if (!scoped) return 0;
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
const struct cov *exec_stream_cov(const exec_stream_t *s) { return &s->cov; }

/* See exec.h. */
void exec_stream_free(exec_stream_t *s) {
    if (!s) return;
    if (s->worker) worker_free(&s->x);
    cov_free(&s->cov);
    lk_close_all(s->q, s->lk);
    free(s);
}
