/* agg.c — group-by hash table and the aggregate functions' states.
 *
 * Each aggregate of AGG_TABLE has init/step/merge/final behaviour here,
 * selected by agg_id_t. Everything a group owns lives in the gtab arena,
 * so freeing a gtab is one arena_free plus the hash index.
 */
#include "agg.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "json.h"
#include "withtime.h"

/* values() returns at most this many distinct values (values page). */
#define AGG_VALUES_MAX 100

/* A set of distinct strings (count_distinct, values), arena-backed. */
typedef struct sset {
    pstr_t *s;          /* slots, p == NULL when empty */
    unsigned long *h;   /* hash of each slot */
    uint32_t n, cap;    /* used, power-of-two capacity */
} sset_t;

/* A growable array of doubles (pct). */
typedef struct dvec {
    double *v;
    uint32_t n, cap;
} dvec_t;

/* The state of one aggregate in one group. */
typedef struct aggst {
    uint64_t n;       /* count; values seen (avg, stddev) */
    double a, b;      /* sum | min/max | avg sum | stddev mean, m2 */
    bool has;         /* a numeric value was seen */
    value_t v;        /* first/last value (pinned in the arena) */
    int64_t t;        /* its _messageTime */
    uint64_t seq;     /* its input position */
    sset_t set;       /* count_distinct, values */
    dvec_t vec;       /* pct */
} aggst_t;

/* One group. */
typedef struct gtab_group {
    unsigned long h;   /* hash of the key bytes */
    pstr_t key;        /* encoded key tuple (arena) */
    value_t *keys;     /* decoded by values (arena) */
    aggst_t *st;       /* one per aggregate (arena) */
    uint64_t seq;      /* first record's input position */
    gtab_mark_t mark;  /* the streaming caller's bookkeeping (agg.h) */
} group_t;

/* One slot of a group table's index. */
typedef struct gslot {
    unsigned long h;    /* the group's key hash */
    group_t *g;         /* NULL: empty */
} gslot_t;

struct gtab {
    const stage_t *stage;
    aggspec_t *aggs;    /* stage aggs, or the synthetic count of `top` */
    uint32_t naggs;
    aggspec_t topcount; /* ST_TOP: count */
    uint32_t *by;       /* group keys */
    uint32_t nby;
    uint32_t topby[65];
    gslot_t *slot;      /* open addressing: the hash next to the group, so a probe
                         * that does not match reads no group (they are cold
                         * after the input streamed through the caches) */
    uint32_t scap;
    group_t **list;     /* groups in creation order */
    size_t n, lcap;
    arena_t arena;
    buf_t kb;           /* key scratch */
};

/* See agg.h. */
gtab_t *gtab_new(const stage_t *st) {
    gtab_t *g = xcalloc(1, sizeof *g);
    g->stage = st;
    if (st->kind != ST_AGG) {
        /* top and count_frequent: grouped by the counted field and any
         * further fields; top's aggregates (parse.c) rank them, a bare
         * count_frequent counts. */
        if (st->naggs) {
            g->aggs = st->aggs;
            g->naggs = st->naggs;
        } else {
            g->topcount = (aggspec_t){.fn = AG_COUNT, .field = FIELD_NONE, .as = st->as};
            g->aggs = &g->topcount;
            g->naggs = 1;
        }
        g->topby[0] = st->topfield;
        uint32_t k = 1;
        for (uint32_t i = 0; i < st->nby && k < 65; i++) g->topby[k++] = st->by[i];
        g->by = g->topby;
        g->nby = k;
    } else {
        g->aggs = st->aggs;
        g->naggs = st->naggs;
        g->by = st->by;
        g->nby = st->nby;
    }
    g->scap = 64;
    g->slot = xcalloc(g->scap, sizeof *g->slot);
    return g;
}

/* See agg.h. */
void gtab_free(gtab_t *g) {
    if (!g) return;
    free(g->slot);
    free(g->list);
    arena_free(&g->arena);
    buf_free(&g->kb);
    free(g);
}

/* See agg.h. */
size_t gtab_count(const gtab_t *g) { return g->n; }

/* Key encoding: per key a type byte, then 4 length bytes and the text
 * (strings) or 8 bytes (numbers). Equal encodings are equal tuples. */
static void enc_key(buf_t *b, value_t v) {
    uint8_t t = v.t;
    buf_put(b, &t, 1);
    if (v.t == V_STR) {
        uint32_t n = v.n;
        buf_put(b, &n, 4);
        buf_put(b, v.s, v.n);
    } else if (v.t == V_NUM) {
        double d = v.d == 0 ? 0.0 : v.d; /* -0 and 0 are one key */
        buf_put(b, &d, 8);
    } else if (v.t == V_BOOL) {
        buf_put(b, &v.b, 1);
    }
}

static void sset_add(sset_t *s, arena_t *a, pstr_t str, unsigned long h, bool copy) {
    if ((s->n + 1) * 2 > s->cap) {
        uint32_t ncap = s->cap ? s->cap * 2 : 8;
        pstr_t *ns = arena_calloc(a, ncap * sizeof *ns);
        unsigned long *nh = arena_alloc(a, ncap * sizeof *nh);
        for (uint32_t i = 0; i < s->cap; i++) {
            if (!s->s[i].p) continue;
            uint32_t j = (uint32_t)s->h[i] & (ncap - 1);
            while (ns[j].p) j = (j + 1) & (ncap - 1);
            ns[j] = s->s[i];
            nh[j] = s->h[i];
        }
        s->s = ns;
        s->h = nh;
        s->cap = ncap;
    }
    uint32_t j = (uint32_t)h & (s->cap - 1);
    while (s->s[j].p) {
        if (s->h[j] == h && pstr_eq(s->s[j], str)) return;
        j = (j + 1) & (s->cap - 1);
    }
    /* Empty strings are distinct values too: give them a non-NULL pointer. */
    s->s[j] = pstr(copy ? arena_strndup(a, str.p, str.n) : str.p, str.n);
    s->h[j] = h;
    s->n++;
}

static void dvec_push(dvec_t *d, arena_t *a, double x) {
    if (d->n == d->cap) {
        uint32_t ncap = d->cap ? d->cap * 2 : 8;
        d->v = arena_grow(a, d->v, d->cap, ncap, sizeof *d->v);
        d->cap = ncap;
    }
    d->v[d->n++] = x;
}

/* Newer-than order for first/last: by _messageTime, ties by input position. */
static bool newer(int64_t t1, uint64_t s1, int64_t t2, uint64_t s2) { return t1 != t2 ? t1 > t2 : s1 > s2; }

/* first and most_recent keep the newest value, last and least_recent the oldest. */
static bool takes_newest(int fn) { return fn == AG_FIRST || fn == AG_MOST_RECENT; }

static int64_t rec_time(const record_t *r) {
    double d;
    value_t v = rec_get(r, F_MESSAGETIME);
    return val_to_num(v, &d) ? (int64_t)d : INT64_MIN;
}

static void step(gtab_t *g, const aggspec_t *sp, aggst_t *s, const record_t *r, uint64_t seq) {
    value_t v = sp->field == FIELD_NONE ? val_null() : rec_get(r, sp->field);
    double d;
    char tmp[40];
    switch (sp->fn) {
    case AG_COUNT:
        if (sp->field == FIELD_NONE || v.t != V_NULL) s->n++;
        break;
    case AG_COUNT_DISTINCT:
    case AG_VALUES: {
        if (v.t == V_NULL) break;
        pstr_t txt = v.t == V_STR ? val_pstr(v) : pstr(tmp, (size_t)(v.t == V_NUM ? num_fmt(tmp, v.d) : sprintf(tmp, "%s", v.b ? "true" : "false")));
        if (!txt.p) txt.p = "";
        sset_add(&s->set, &g->arena, txt, pstr_hash(txt), true);
        break;
    }
    case AG_SUM:
        if (val_to_num(v, &d)) { s->a += d; s->has = true; }
        else if (sp->one_if_missing && v.t == V_NULL) { s->a += 1; s->has = true; }
        break;
    case AG_MIN:
        if (val_to_num(v, &d) && (!s->has || d < s->a)) { s->a = d; s->has = true; }
        break;
    case AG_MAX:
        if (val_to_num(v, &d) && (!s->has || d > s->a)) { s->a = d; s->has = true; }
        break;
    case AG_AVG:
        if (val_to_num(v, &d)) { s->a += d; s->n++; }
        break;
    case AG_STDDEV:
        if (val_to_num(v, &d)) {
            s->n++;
            double delta = d - s->a;
            s->a += delta / (double)s->n;
            s->b += delta * (d - s->a);
        }
        break;
    case AG_PCT:
        if (val_to_num(v, &d)) dvec_push(&s->vec, &g->arena, d);
        break;
    case AG_FIRST:
    case AG_LAST:
    case AG_MOST_RECENT:
    case AG_LEAST_RECENT: {
        if (v.t == V_NULL) break;
        int64_t t = rec_time(r);
        pstr_t json = PSTR_NULL;
        /* most_recent(f_withtime): the time and value the withtime object holds. */
        if ((sp->fn == AG_MOST_RECENT || sp->fn == AG_LEAST_RECENT) && v.t == V_STR) wt_split(val_pstr(v), &t, &json);
        bool take = !s->has || (takes_newest(sp->fn) ? newer(t, seq, s->t, s->seq) : newer(s->t, s->seq, t, seq));
        if (take) {
            s->has = true;
            s->t = t;
            s->seq = seq;
            s->v = json.p ? json_to_value(json, &g->arena) : v;
            if (s->v.t == V_STR) s->v.s = arena_strndup(&g->arena, s->v.s, s->v.n);
        }
        break;
    }
    default: break;
    }
}

static void grow_index(gtab_t *g) {
    uint32_t ncap = g->scap * 2;
    gslot_t *ns = xcalloc(ncap, sizeof *ns);
    for (size_t i = 0; i < g->n; i++) {
        group_t *gr = g->list[i];
        uint32_t j = (uint32_t)gr->h & (ncap - 1);
        while (ns[j].g) j = (j + 1) & (ncap - 1);
        ns[j] = (gslot_t){gr->h, gr};
    }
    free(g->slot);
    g->slot = ns;
    g->scap = ncap;
}

/* Find the group with encoded key k, or create it (when create; else
 * return NULL); vals are the key values (copied on creation). */
static group_t *lookup(gtab_t *g, pstr_t k, unsigned long h, const value_t *vals, uint64_t seq, bool create) {
    uint32_t j = (uint32_t)h & (g->scap - 1);
    for (; g->slot[j].g; j = (j + 1) & (g->scap - 1))
        if (g->slot[j].h == h && pstr_eq(g->slot[j].g->key, k)) return g->slot[j].g;
    if (!create) return NULL;
    group_t *gr = arena_calloc(&g->arena, sizeof *gr);
    gr->h = h;
    gr->key = pstr(arena_strndup(&g->arena, k.p, k.n), k.n);
    gr->keys = arena_alloc(&g->arena, (g->nby ? g->nby : 1) * sizeof *gr->keys);
    for (uint32_t i = 0; i < g->nby; i++) {
        gr->keys[i] = vals[i];
        if (vals[i].t == V_STR) gr->keys[i].s = arena_strndup(&g->arena, vals[i].s, vals[i].n);
    }
    gr->st = arena_calloc(&g->arena, (g->naggs ? g->naggs : 1) * sizeof *gr->st);
    gr->seq = seq;
    g->slot[j] = (gslot_t){h, gr};
    if (g->n == g->lcap) {
        g->lcap = g->lcap ? g->lcap * 2 : 64;
        g->list = xrealloc(g->list, g->lcap * sizeof *g->list);
    }
    g->list[g->n++] = gr;
    if (g->n * 2 > g->scap) grow_index(g);
    return gr;
}

/* See agg.h. */
gtab_group_t *gtab_add(gtab_t *g, const record_t *r, uint64_t seq) { return gtab_add_if(g, r, seq, true); }

/* See agg.h. */
gtab_group_t *gtab_add_if(gtab_t *g, const record_t *r, uint64_t seq, bool create) {
    value_t vals[65];
    buf_clear(&g->kb);
    for (uint32_t i = 0; i < g->nby && i < 65; i++) {
        vals[i] = rec_get(r, g->by[i]);
        enc_key(&g->kb, vals[i]);
    }
    pstr_t k = pstr(g->kb.p ? g->kb.p : "", g->kb.n);
    group_t *gr = lookup(g, k, pstr_hash(k), vals, seq, create);
    if (!gr) return NULL;
    if (seq < gr->seq) gr->seq = seq;
    for (uint32_t i = 0; i < g->naggs; i++) step(g, &g->aggs[i], &gr->st[i], r, seq);
    return gr;
}

/* See agg.h. */
gtab_mark_t *gtab_group_mark(gtab_group_t *gr) { return &gr->mark; }

/* See agg.h. */
size_t gtab_bytes(const gtab_t *g) {
    return g->arena.total + g->scap * sizeof *g->slot + g->lcap * sizeof *g->list + g->kb.cap + sizeof *g;
}

static void merge_state(gtab_t *g, const aggspec_t *sp, aggst_t *d, const aggst_t *s) {
    switch (sp->fn) {
    case AG_COUNT: d->n += s->n; break;
    case AG_COUNT_DISTINCT:
    case AG_VALUES:
        for (uint32_t i = 0; i < s->set.cap; i++)
            if (s->set.s[i].p) sset_add(&d->set, &g->arena, s->set.s[i], s->set.h[i], true);
        break;
    case AG_SUM:
        if (s->has) { d->a += s->a; d->has = true; }
        break;
    case AG_MIN:
        if (s->has && (!d->has || s->a < d->a)) { d->a = s->a; d->has = true; }
        break;
    case AG_MAX:
        if (s->has && (!d->has || s->a > d->a)) { d->a = s->a; d->has = true; }
        break;
    case AG_AVG: d->a += s->a; d->n += s->n; break;
    case AG_STDDEV:
        if (s->n) {
            uint64_t n = d->n + s->n;
            double delta = s->a - d->a;
            d->b += s->b + delta * delta * (double)d->n * (double)s->n / (double)n;
            d->a += delta * (double)s->n / (double)n;
            d->n = n;
        }
        break;
    case AG_PCT:
        for (uint32_t i = 0; i < s->vec.n; i++) dvec_push(&d->vec, &g->arena, s->vec.v[i]);
        break;
    case AG_FIRST:
    case AG_LAST:
    case AG_MOST_RECENT:
    case AG_LEAST_RECENT:
        if (s->has && (!d->has || (takes_newest(sp->fn) ? newer(s->t, s->seq, d->t, d->seq)
                                                        : newer(d->t, d->seq, s->t, s->seq)))) {
            d->has = true;
            d->t = s->t;
            d->seq = s->seq;
            d->v = s->v;
            if (s->v.t == V_STR) d->v.s = arena_strndup(&g->arena, s->v.s, s->v.n);
        }
        break;
    default: break;
    }
}

/* See agg.h. */
void gtab_merge(gtab_t *dst, gtab_t *src) {
    for (size_t i = 0; i < src->n; i++) {
        group_t *sg = src->list[i];
        group_t *dg = lookup(dst, sg->key, sg->h, sg->keys, sg->seq, true);
        if (sg->seq < dg->seq) dg->seq = sg->seq;
        for (uint32_t k = 0; k < dst->naggs; k++) merge_state(dst, &dst->aggs[k], &dg->st[k], &sg->st[k]);
    }
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static int cmp_pstr(const void *a, const void *b) { return pstr_cmp(*(const pstr_t *)a, *(const pstr_t *)b); }

static int cmp_group_seq(const void *a, const void *b) {
    const group_t *x = *(group_t *const *)a, *y = *(group_t *const *)b;
    return (x->seq > y->seq) - (x->seq < y->seq);
}

static value_t final(gtab_t *g, const aggspec_t *sp, aggst_t *s, table_t *out) {
    (void)g;
    switch (sp->fn) {
    case AG_COUNT: return val_num((double)s->n);
    case AG_COUNT_DISTINCT: return val_num((double)s->set.n);
    case AG_SUM: case AG_MIN: case AG_MAX: return s->has ? val_num(s->a) : val_null();
    case AG_AVG: return s->n ? val_num(s->a / (double)s->n) : val_null();
    case AG_STDDEV: return s->n > 1 ? val_num(sqrt(s->b / (double)(s->n - 1))) : (s->n == 1 ? val_num(0) : val_null());
    case AG_PCT: {
        if (!s->vec.n) return val_null();
        qsort(s->vec.v, s->vec.n, sizeof *s->vec.v, cmp_double);
        /* Nearest rank: the smallest value with at least p% of values at or below it. */
        double rank = ceil(sp->arg / 100.0 * (double)s->vec.n);
        size_t idx = rank < 1 ? 0 : (size_t)rank - 1;
        if (idx >= s->vec.n) idx = s->vec.n - 1;
        return val_num(s->vec.v[idx]);
    }
    case AG_FIRST: case AG_LAST: case AG_MOST_RECENT: case AG_LEAST_RECENT: return s->has ? s->v : val_null();
    case AG_VALUES: {
        pstr_t *v = xmalloc((s->set.n ? s->set.n : 1) * sizeof *v);
        uint32_t k = 0;
        for (uint32_t i = 0; i < s->set.cap; i++)
            if (s->set.s[i].p) v[k++] = s->set.s[i];
        qsort(v, k, sizeof *v, cmp_pstr);
        /* One value a line, in byte order (digits before letters, upper
         * case before lower), the first AGG_VALUES_MAX of them. */
        if (k > AGG_VALUES_MAX) k = AGG_VALUES_MAX;
        buf_t b = {0};
        for (uint32_t i = 0; i < k; i++) {
            if (i) buf_putc(&b, '\n');
            buf_put(&b, v[i].p, v[i].n);
        }
        value_t r = val_str(arena_strndup(&out->arena, b.p ? b.p : "", b.n), b.n);
        buf_free(&b);
        free(v);
        return r;
    }
    default: return val_null();
    }
}

/* Clear out and give it the columns of g's rows. */
static void emit_begin(const gtab_t *g, table_t *out) {
    table_free(out);
    table_init(out);
    out->fixed = true;
    for (uint32_t i = 0; i < g->nby; i++) table_add_col(out, g->by[i]);
    for (uint32_t i = 0; i < g->naggs; i++) table_add_col(out, g->aggs[i].as);
}

/* Append group gr's row (keys, then the aggregates' results) to out. */
static void emit_row(gtab_t *g, group_t *gr, table_t *out) {
    record_t *r = table_new_row(out);
    for (uint32_t k = 0; k < g->nby; k++) rec_set(r, g->by[k], gr->keys[k]);
    for (uint32_t k = 0; k < g->naggs; k++) rec_set(r, g->aggs[k].as, final(g, &g->aggs[k], &gr->st[k], out));
    rec_pin(r, &out->arena);
}

/* See agg.h. */
void gtab_emit(gtab_t *g, table_t *out) {
    emit_begin(g, out);
    if (g->n > 1) qsort(g->list, g->n, sizeof *g->list, cmp_group_seq); /* list is NULL when empty */
    for (size_t i = 0; i < g->n; i++) emit_row(g, g->list[i], out);
}

/* See agg.h. */
void gtab_emit_group(gtab_t *g, gtab_group_t *gr, table_t *out) {
    emit_begin(g, out);
    emit_row(g, gr, out);
}
