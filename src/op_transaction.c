/* op_transaction.c — transaction analytics: transactionize and merge.
 *
 * `transactionize f1, f2 [as p] [maxSpan=… maxPause=… maxLogs=…
 * startsWith="…"[;strict] endsWith="…"[;strict] keepOrphans=…] [(merge …)]`
 * groups messages that share a value of any of the fields, transitively,
 * into transactions and adds _group, _group_duration, _group_size and
 * _group_orphaned to each (or merges each transaction into one row);
 * `merge f [takeFirst|takeLast|takeDistinct|join with "s"] [as g], …`
 * reduces rows to one (transaction-analytics pages). Both are blocking
 * stages: they run on the whole table after the streaming phase, so their
 * answer does not depend on -j. Semantics: docs/semantics.md §13.
 */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "hmap.h"
#include "keyword.h"
#include "op.h"

/* ---- merge ---------------------------------------------------------------- */

/* Merge strategies (merge page). */
enum { MG_JOIN, MG_DISTINCT, MG_FIRST, MG_LAST };

/* One `f [strategy] [as g]` of a merge. */
typedef struct mg_item {
    uint32_t field;      /* the field merged */
    uint32_t as;         /* where the result goes (field when no `as`) */
    uint8_t how;         /* MG_* */
    pstr_t sep;          /* MG_JOIN: the separator (query arena or static) */
} mg_item_t;

/* A merge's parsed form (query arena). */
typedef struct mg_stage {
    mg_item_t *items;    /* in the order written */
    uint32_t n;          /* how many */
    bool time_given;     /* an item writes _messageTime itself */
} mg_stage_t;

/* Parse the merge whose keyword is the current token into st (also for
 * transactionize's subquery). */
static bool parse_merge(parser_t *p, stage_t *st) {
    st->kind = ST_MERGE;
    ps_advance(p);
    mg_stage_t *m = arena_calloc(ps_arena(p), sizeof *m);
    st->data = m;
    uint32_t cap = 0;
    if (p->t.kind != T_IDENT && p->t.kind != T_QIDENT) {
        /* `merge` alone: _raw joined with newlines. */
        mg_item_t it = {F_RAW, F_RAW, MG_JOIN, PSTR_LIT("\n")};
        PS_PUSH(p, m->items, m->n, cap, it);
        return true;
    }
    for (;;) {
        pstr_t name;
        span_t sp;
        uint32_t start = p->t.sp.off;
        if (!ps_fieldname(p, &name, &sp)) return false;
        mg_item_t it = {ps_field_use(p, name), 0, MG_JOIN, PSTR_LIT("\n")};
        it.as = it.field;
        if (ps_is_kw(&p->t, "takeDistinct")) it.how = MG_DISTINCT; /* distinct values one a line */
        else if (ps_is_kw(&p->t, "takeFirst")) it.how = MG_FIRST;
        else if (ps_is_kw(&p->t, "takeLast")) it.how = MG_LAST;
        if (it.how != MG_JOIN || ps_is_kw(&p->t, "join")) ps_advance(p);
        if (it.how == MG_JOIN && ps_is_kw(&p->t, "with")) {
            ps_advance(p);
            if (p->t.kind != T_STR) {
                ps_unexpected(p, "a quoted separator such as \"--\"");
                return false;
            }
            it.sep = p->t.v;
            ps_advance(p);
        }
        if (ps_is_kw(&p->t, "as")) {
            ps_advance(p);
            pstr_t to;
            span_t tsp;
            if (!ps_fieldname(p, &to, &tsp)) return false;
            it.as = ps_field_def(p, to);
        }
        if (it.field == F_MESSAGETIME && it.how != MG_FIRST && it.how != MG_LAST) {
            uint32_t e = ps_error(p, ps_span_from(p, start), "_messageTime can only be merged with takeFirst or takeLast");
            diag_hint(p->d, e, "write `_messageTime takeFirst` (the earliest) or `_messageTime takeLast` (the latest)");
            return false;
        }
        if (it.as == F_MESSAGETIME) m->time_given = true;
        PS_PUSH(p, m->items, m->n, cap, it);
        if (p->t.kind != T_COMMA) return true;
        ps_advance(p);
    }
}

/* See op.h (STAGE_KINDS). */
bool stage_merge(parser_t *p, stage_t *st) { return parse_merge(p, st); }

/* The message time of r, for ordering (0 when it has none). */
static double row_time(const record_t *r) {
    double t;
    return val_to_num(rec_get(r, F_MESSAGETIME), &t) ? t : 0;
}

/* Rows by message time, oldest first; input order among equals. */
static int cmp_time(const void *a, const void *b) {
    const record_t *x = *(record_t *const *)a, *y = *(record_t *const *)b;
    double tx = row_time(x), ty = row_time(y);
    if (tx != ty) return tx < ty ? -1 : 1;
    return x < y ? -1 : x > y;
}

/* The value of field id in r (_raw falls back to the message text). */
static value_t field_value(const record_t *r, uint32_t id) {
    value_t v = rec_get(r, id);
    if (id == F_RAW && v.t == V_NULL && r->raw.p) v = val_strv(r->raw);
    return v;
}

/* A set of values held as places in a buffer that may move (merge's
 * takeDistinct). */
typedef struct pset {
    hm_t ix;            /* value hash -> id (hmap.h) */
    size_t *at;         /* per id: offset and length of its value in the buffer */
    size_t n, cap;      /* ids used, allocated */
} pset_t;

/* Add v (bytes of b) unless an equal value is in s; true when added. */
static bool pset_add(pset_t *s, pstr_t v, const buf_t *b) {
    hm_probe_t p = hm_start(&s->ix, hm_hash(v.p, v.n));
    for (uint32_t id; (id = hm_next(&s->ix, &p)) != HM_NONE;)
        if (pstr_eq(pstr(b->p + s->at[2 * id], s->at[2 * id + 1]), v)) return false;
    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 16;
        s->at = xrealloc(s->at, 2 * s->cap * sizeof *s->at);
    }
    s->at[2 * s->n] = (size_t)(v.p - b->p);
    s->at[2 * s->n + 1] = v.n;
    hm_add(&s->ix, &p, (uint32_t)s->n++);
    return true;
}

/* Merge rows[0..n) (oldest first) into out, whose strings go to a. */
static void merge_rows(const mg_stage_t *m, record_t *const *rows, size_t n, record_t *out, arena_t *a, buf_t *b) {
    if (!m->time_given && n && rec_get(rows[0], F_MESSAGETIME).t != V_NULL)
        rec_set(out, F_MESSAGETIME, rec_get(rows[0], F_MESSAGETIME)); /* the earliest */
    for (uint32_t k = 0; k < m->n; k++) {
        const mg_item_t *it = &m->items[k];
        value_t res = val_null();
        if (it->how == MG_FIRST || it->how == MG_LAST) {
            for (size_t j = 0; j < n; j++) {
                value_t v = field_value(rows[it->how == MG_FIRST ? j : n - 1 - j], it->field);
                if (v.t != V_NULL) {
                    res = v;
                    break;
                }
            }
        } else {
            buf_clear(b);
            bool any = false;
            pset_t seen = {0};
            for (size_t j = 0; j < n; j++) {
                value_t v = field_value(rows[j], it->field);
                if (v.t == V_NULL) continue;
                size_t at = b->n + (any ? it->sep.n : 0);
                if (any) buf_put(b, it->sep.p, it->sep.n);
                val_fmt(b, v);
                /* takeDistinct: only the first of equal values. */
                if (it->how == MG_DISTINCT && !pset_add(&seen, pstr(b->p + at, b->n - at), b)) {
                    b->n = any ? at - it->sep.n : at;
                    b->p[b->n] = '\0';
                    continue;
                }
                any = true;
            }
            free(seen.at);
            hm_free(&seen.ix);
            if (any) res = val_str(b->n ? arena_strndup(a, b->p, b->n) : "", b->n);
        }
        rec_set(out, it->as, res);
    }
    rec_pin(out, a);
}

/* See op.h. */
record_t **tr_by_time(table_t *t) {
    record_t **rows = xmalloc((t->n ? t->n : 1) * sizeof *rows);
    for (size_t i = 0; i < t->n; i++) rows[i] = &t->rows[i];
    if (t->n > 1) qsort(rows, t->n, sizeof *rows, cmp_time);
    return rows;
}

/* An empty table: with t's columns (when t has its columns fixed, as
 * after an aggregate) plus the ids extra[0..nextra), or derived ones when
 * t is NULL. */
static void fresh_table(table_t *nt, const table_t *t, const uint32_t *extra, uint32_t nextra) {
    table_init(nt);
    if (!t || !t->fixed) return;
    nt->fixed = true;
    for (uint32_t c = 0; c < t->ncols; c++) table_add_col(nt, t->cols[c]);
    for (uint32_t c = 0; c < nextra; c++) table_add_col(nt, extra[c]);
}

/* See op.h (STAGE_KINDS): every row merged into one (none from none). */
int tab_merge(exec_t *x, uint32_t i, const stage_t *s, table_t *t) {
    (void)x;
    (void)i;
    table_t nt;
    fresh_table(&nt, NULL, NULL, 0);
    if (t->n) {
        record_t **rows = tr_by_time(t);
        buf_t b = {0};
        merge_rows(s->data, rows, t->n, table_new_row(&nt), &nt.arena, &b);
        buf_free(&b);
        free(rows);
    }
    table_move(t, &nt);
    return 0;
}

/* ---- transactionize ------------------------------------------------------ */

/* A transactionize's parsed form (query arena). */
typedef struct tr_stage {
    uint32_t *keys;          /* the fields that join messages */
    uint32_t nkeys;          /* how many */
    uint32_t f_group, f_duration, f_size, f_orphaned; /* output fields (prefix or _group) */
    int64_t max_span;        /* ms, 0: none */
    int64_t max_pause;       /* ms, 0: none */
    int64_t max_logs;        /* messages, 0: none */
    struct kwpat *starts;    /* startsWith (NULL: none) */
    struct kwpat *ends;      /* endsWith */
    bool starts_strict, ends_strict;
    bool keep_orphans;       /* keepOrphans (default true) */
    stage_t *sub;            /* (merge …) run on each transaction, or NULL */
} tr_stage_t;

/* `;strict` after a startsWith/endsWith string. The lexer has no token
 * for ';', so it is read here. */
static bool parse_strict(parser_t *p, bool *strict) {
    uint32_t off = p->t.sp.off;
    if (off >= p->q->len || p->q->text[off] != ';') return true;
    p->t.sp.len = 1;
    p->lx.pos = off + 1;
    ps_advance(p);
    if (!ps_expect_kw(p, "strict", "'strict' after ';'")) return false;
    *strict = true;
    return true;
}

/* A time such as 5m or 30s, in ms. */
static bool parse_time(parser_t *p, int64_t *ms) {
    double v;
    int kind;
    if (p->t.kind != T_NUM || !lex_num_value(p->t.v, &v, &kind) || kind != LEX_NUM_TIME || !(v >= 1 && v < 9e15)) {
        ps_unexpected(p, "a duration such as 5m");
        return false;
    }
    *ms = (int64_t)v;
    ps_advance(p);
    return true;
}

/* The output field "<prefix><suffix>" (query arena). */
static uint32_t out_field(parser_t *p, pstr_t prefix, const char *suffix) {
    size_t sn = strlen(suffix);
    char *o = arena_alloc(ps_arena(p), prefix.n + sn);
    memcpy(o, prefix.p, prefix.n);
    memcpy(o + prefix.n, suffix, sn);
    return ps_field_def(p, pstr(o, prefix.n + sn));
}

/* One `name = value` parameter. */
static bool parse_param(parser_t *p, tr_stage_t *tr) {
    tok_t name = p->t;
    ps_advance(p);
    if (!ps_expect(p, T_EQ, "'='")) return false;
    if (ps_is_kw(&name, "maxSpan")) return parse_time(p, &tr->max_span);
    if (ps_is_kw(&name, "maxPause")) return parse_time(p, &tr->max_pause);
    if (ps_is_kw(&name, "maxLogs")) {
        tok_t t = p->t;
        if (!ps_count(p, &tr->max_logs)) return false;
        if (tr->max_logs < 1) {
            ps_error(p, t.sp, "maxLogs is at least 1");
            return false;
        }
        return true;
    }
    if (ps_is_kw(&name, "keepOrphans")) {
        if (!ps_is_kw(&p->t, "true") && !ps_is_kw(&p->t, "false")) {
            ps_unexpected(p, "true or false");
            return false;
        }
        tr->keep_orphans = ps_is_kw(&p->t, "true");
        ps_advance(p);
        return true;
    }
    bool starts = ps_is_kw(&name, "startsWith");
    if (p->t.kind != T_STR || p->t.v.n == 0) {
        ps_unexpected(p, "a quoted search string such as \"login\"");
        return false;
    }
    struct kwpat *k = kw_compile(ps_arena(p), p->t.v, true);
    ps_advance(p);
    if (starts) tr->starts = k;
    else tr->ends = k;
    return parse_strict(p, starts ? &tr->starts_strict : &tr->ends_strict);
}

/* Is t a transactionize parameter name? */
static bool is_param(const tok_t *t) {
    static const char *const names[] = {"maxSpan", "maxPause", "maxLogs", "startsWith", "endsWith", "keepOrphans"};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        if (ps_is_kw(t, names[i])) return true;
    return false;
}

/* `( merge … )`: the subquery run on each transaction. */
static bool parse_sub(parser_t *p, tr_stage_t *tr) {
    ps_advance(p);
    if (p->t.kind == T_PIPE) ps_advance(p);
    if (!ps_is_kw(&p->t, "merge")) {
        uint32_t e = ps_unexpected(p, "merge (the only subquery postern runs on each transaction)");
        diag_hint(p->d, e, "e.g. `transactionize ip (merge ip takeFirst, _raw join with \"\\n\")`");
        return false;
    }
    tr->sub = arena_calloc(ps_arena(p), sizeof *tr->sub);
    tr->sub->src = F_RAW;
    if (!parse_merge(p, tr->sub)) return false;
    return ps_expect(p, T_RPAREN, "')' after the merge");
}

/* See op.h (STAGE_KINDS). */
bool stage_transactionize(parser_t *p, stage_t *st) {
    st->kind = ST_TRANSACTIONIZE;
    ps_advance(p);
    tr_stage_t *tr = arena_calloc(ps_arena(p), sizeof *tr);
    st->data = tr;
    tr->keep_orphans = true;
    span_t *sps = NULL;
    if (!ps_field_list(p, false, &tr->keys, &sps, &tr->nkeys)) return false;
    pstr_t prefix = PSTR_LIT("_group");
    if (ps_is_kw(&p->t, "as")) {
        ps_advance(p);
        span_t sp;
        if (!ps_fieldname(p, &prefix, &sp)) return false;
    }
    tr->f_group = out_field(p, prefix, "");
    tr->f_duration = out_field(p, prefix, "_duration");
    tr->f_size = out_field(p, prefix, "_size");
    tr->f_orphaned = out_field(p, prefix, "_orphaned");
    while (is_param(&p->t) && ps_peek(p).kind == T_EQ)
        if (!parse_param(p, tr)) return false;
    if (p->t.kind == T_LPAREN && !parse_sub(p, tr)) return false;
    return true;
}

/* A (key field, value) pair in the index of transactionize. */
typedef struct tr_slot {
    pstr_t v;           /* the value's text (the table's or the run's arena) */
    uint32_t k;         /* which key field */
    int32_t tr;         /* the transaction it last joined; -1: none yet */
} tr_slot_t;

/* One transaction. */
typedef struct tr_group {
    int32_t parent;     /* union-find: itself when a root */
    double first, last; /* message times of its oldest and newest message */
    uint32_t size;      /* messages */
    bool closed;        /* ended: later messages start another */
    bool start_ok;      /* its first message matched startsWith */
    bool end_ok;        /* its last message matched endsWith */
    int32_t number;     /* _group, from 1 in order of first message; 0: dropped */
} tr_group_t;

/* The run's state. */
typedef struct tr_run {
    const tr_stage_t *tr;  /* the stage run (query arena) */
    hm_t ix;            /* (k, value) -> slot id (hmap.h) */
    tr_slot_t *slot;    /* slots by id (heap) */
    size_t nslot, cap;  /* used, allocated */
    tr_group_t *g;      /* transactions */
    size_t ng, gcap;    /* used, allocated */
    arena_t a;          /* text of non-string values */
    buf_t b;            /* formatting scratch */
} tr_run_t;

/* The root of transaction i (union-find, paths halved). */
static int32_t find_root(tr_run_t *R, int32_t i) {
    while (R->g[i].parent != i) {
        R->g[i].parent = R->g[R->g[i].parent].parent;
        i = R->g[i].parent;
    }
    return i;
}

/* The slot of (k, v): found, or (when add) a new one with tr -1; NULL
 * when absent and !add. */
static tr_slot_t *lookup(tr_run_t *R, uint32_t k, pstr_t v, bool add) {
    hm_probe_t p = hm_start(&R->ix, hm_mix(hm_hash(v.p, v.n), k));
    for (uint32_t id; (id = hm_next(&R->ix, &p)) != HM_NONE;)
        if (R->slot[id].k == k && pstr_eq(R->slot[id].v, v)) return &R->slot[id];
    if (!add) return NULL;
    if (R->nslot == R->cap) {
        R->cap = R->cap ? R->cap * 2 : 64;
        R->slot = xrealloc(R->slot, R->cap * sizeof *R->slot);
    }
    tr_slot_t *s = &R->slot[R->nslot];
    *s = (tr_slot_t){v, k, -1};
    hm_add(&R->ix, &p, (uint32_t)R->nslot++);
    return s;
}

/* The text of key k of row r, or false when it is null. */
static bool key_text(tr_run_t *R, const record_t *r, uint32_t k, pstr_t *out) {
    value_t v = rec_get(r, R->tr->keys[k]);
    if (v.t == V_NULL) return false;
    if (v.t == V_STR) {
        *out = val_pstr(v);
        return true;
    }
    buf_clear(&R->b);
    val_fmt(&R->b, v);
    *out = pstr(arena_strndup(&R->a, R->b.p ? R->b.p : "", R->b.n), R->b.n);
    return true;
}

/* The raw text a startsWith/endsWith string is searched in. */
static pstr_t raw_text(const record_t *r) {
    value_t v = field_value(r, F_RAW);
    return v.t == V_STR ? val_pstr(v) : PSTR_NULL;
}

/* Close transactions the message at time t may not join (maxSpan,
 * maxPause, maxLogs). */
static bool may_join(const tr_stage_t *tr, const tr_group_t *g, double t) {
    if (g->closed) return false;
    if (tr->max_span && t - g->first > (double)tr->max_span) return false;
    if (tr->max_pause && t - g->last > (double)tr->max_pause) return false;
    if (tr->max_logs && g->size >= (uint64_t)tr->max_logs) return false;
    return true;
}

/* Assign each row (oldest first) to a transaction; gid[row] receives its
 * root, -1 for an orphan. */
static void group_rows(tr_run_t *R, record_t *const *rows, size_t n, const record_t *base, int32_t *gid) {
    const tr_stage_t *tr = R->tr;
    int32_t *cand = xmalloc((tr->nkeys ? tr->nkeys : 1) * sizeof *cand);
    pstr_t *vals = xmalloc((tr->nkeys ? tr->nkeys : 1) * sizeof *vals);
    bool *has = xmalloc((tr->nkeys ? tr->nkeys : 1) * sizeof *has);
    for (size_t j = 0; j < n; j++) {
        const record_t *r = rows[j];
        size_t row = (size_t)(r - base);
        double t = row_time(r);
        uint32_t nc = 0, nv = 0;
        for (uint32_t k = 0; k < tr->nkeys; k++) {
            has[k] = key_text(R, r, k, &vals[k]);
            if (!has[k]) continue;
            nv++;
            tr_slot_t *s = lookup(R, k, vals[k], false);
            if (!s || s->tr < 0) continue;
            int32_t root = find_root(R, s->tr);
            if (!may_join(tr, &R->g[root], t)) {
                R->g[root].closed = true;
                continue;
            }
            bool dup = false;
            for (uint32_t c = 0; c < nc && !dup; c++) dup = cand[c] == root;
            if (!dup) cand[nc++] = root;
        }
        if (!nv) {
            gid[row] = -1; /* no key: an orphan */
            continue;
        }
        pstr_t raw = raw_text(r);
        bool starts = tr->starts && kw_match(tr->starts, raw);
        if (starts) { /* "Log messages that match the string start a new transaction." */
            for (uint32_t c = 0; c < nc; c++) R->g[cand[c]].closed = true;
            nc = 0;
        }
        int32_t g;
        if (nc == 0) {
            if (R->ng == R->gcap) {
                R->gcap = R->gcap ? R->gcap * 2 : 64;
                R->g = xrealloc(R->g, R->gcap * sizeof *R->g);
            }
            g = (int32_t)R->ng++;
            R->g[g] = (tr_group_t){g, t, t, 0, false, starts, false, 0};
        } else {
            /* Messages that join several transactions merge them (transitive). */
            g = cand[0];
            for (uint32_t c = 1; c < nc; c++) {
                int32_t o = cand[c];
                if (o < g) {
                    int32_t tmp = g;
                    g = o;
                    o = tmp;
                }
                R->g[o].parent = g;
                R->g[g].size += R->g[o].size;
                if (R->g[o].first < R->g[g].first) {
                    R->g[g].first = R->g[o].first;
                    R->g[g].start_ok = R->g[o].start_ok;
                }
                if (R->g[o].last > R->g[g].last) R->g[g].last = R->g[o].last;
            }
        }
        R->g[g].size++;
        if (t > R->g[g].last) R->g[g].last = t;
        R->g[g].end_ok = tr->ends && kw_match(tr->ends, raw);
        if (R->g[g].end_ok) R->g[g].closed = true; /* "Log messages that match the string end the current transaction." */
        gid[row] = g;
        for (uint32_t k = 0; k < tr->nkeys; k++)
            if (has[k]) {
                lookup(R, k, vals[k], true)->tr = g;
            }
    }
    free(cand);
    free(vals);
    free(has);
}

/* Set the transaction fields of row r from group g (NULL: an orphan). */
static void set_fields(const tr_stage_t *tr, record_t *r, const tr_group_t *g) {
    if (g) {
        rec_set(r, tr->f_group, val_num(g->number));
        rec_set(r, tr->f_duration, val_num(g->last - g->first));
        rec_set(r, tr->f_size, val_num(g->size));
    }
    rec_set(r, tr->f_orphaned, val_bool(g == NULL));
}

/* See op.h (STAGE_KINDS). */
int tab_transactionize(exec_t *x, uint32_t i, const stage_t *s, table_t *t) {
    (void)x;
    (void)i;
    const tr_stage_t *tr = s->data;
    tr_run_t R = {.tr = tr};
    int32_t *gid = xmalloc((t->n ? t->n : 1) * sizeof *gid);
    record_t **rows = tr_by_time(t);
    group_rows(&R, rows, t->n, t->rows, gid);

    /* Resolve roots; number the transactions kept (strict rules) in order
     * of their first message. */
    for (size_t r = 0; r < t->n; r++)
        if (gid[r] >= 0) gid[r] = find_root(&R, gid[r]);
    int32_t next = 0;
    for (size_t j = 0; j < t->n; j++) {
        size_t r = (size_t)(rows[j] - t->rows);
        if (gid[r] < 0) continue;
        tr_group_t *g = &R.g[gid[r]];
        if (g->number) continue;
        bool drop = (tr->starts_strict && !g->start_ok) || (tr->ends_strict && !g->end_ok);
        g->number = drop ? -1 : ++next;
    }

    table_t nt;
    const uint32_t outs[4] = {tr->f_group, tr->f_duration, tr->f_size, tr->f_orphaned};
    fresh_table(&nt, tr->sub ? NULL : t, outs, 4);
    if (tr->sub) {
        /* One merged row per transaction, in order; orphans pass as they are. */
        const mg_stage_t *m = tr->sub->data;
        record_t **members = xmalloc((t->n ? t->n : 1) * sizeof *members);
        size_t *start = xcalloc((size_t)next + 2, sizeof *start);
        for (size_t r = 0; r < t->n; r++)
            if (gid[r] >= 0 && R.g[gid[r]].number > 0) start[R.g[gid[r]].number + 1]++;
        for (int32_t k = 1; k <= next; k++) start[k + 1] += start[k];
        size_t *fill = xcalloc((size_t)next + 2, sizeof *fill);
        for (size_t j = 0; j < t->n; j++) { /* members of each transaction, oldest first */
            size_t r = (size_t)(rows[j] - t->rows);
            if (gid[r] < 0 || R.g[gid[r]].number <= 0) continue;
            int32_t num = R.g[gid[r]].number;
            members[start[num] + fill[num]++] = rows[j];
        }
        buf_t b = {0};
        for (int32_t k = 1; k <= next; k++) {
            record_t *out = table_new_row(&nt);
            merge_rows(m, members + start[k], start[k + 1] - start[k], out, &nt.arena, &b);
            out->seq = members[start[k]]->seq;
            const tr_group_t *g = NULL;
            size_t r0 = (size_t)(members[start[k]] - t->rows);
            g = &R.g[gid[r0]];
            set_fields(tr, out, g);
        }
        for (size_t r = 0; r < t->n; r++)
            if (gid[r] < 0 && tr->keep_orphans) set_fields(tr, table_add(&nt, &t->rows[r]), NULL);
        buf_free(&b);
        free(members);
        free(start);
        free(fill);
    } else {
        /* Every message, in the table's order, with its transaction's fields. */
        for (size_t r = 0; r < t->n; r++) {
            const tr_group_t *g = gid[r] >= 0 ? &R.g[gid[r]] : NULL;
            if (g ? g->number < 0 : !tr->keep_orphans) continue;
            set_fields(tr, table_add(&nt, &t->rows[r]), g);
        }
    }
    table_move(t, &nt);
    free(rows);
    free(gid);
    free(R.slot);
    hm_free(&R.ix);
    free(R.g);
    arena_free(&R.a);
    buf_free(&R.b);
    return 0;
}
