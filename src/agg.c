/* agg.c — group-by hash table and the aggregate functions' states.
 *
 * Each aggregate of AGG_TABLE has init/step/merge/final behaviour here,
 * selected by agg_id_t. Everything a group owns lives in the gtab arena,
 * so freeing a gtab is one arena_free plus the hash index.
 */
#include "agg.h"

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "fsum.h"
#include "hmap.h"
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

/* Each aggregate's state holds only what it needs; a group keeps them
 * side by side at offsets fixed per table (gtab.off). */

/* min, max: the value kept. */
typedef struct st_num {
    double a;         /* min | max */
    bool has;         /* a numeric value was seen */
} st_num_t;

/* sum: the double-double sum (fsum.h: the result does not depend on the
 * order records come in or lanes merge). */
typedef struct st_sum {
    fsum_t s;
    bool has;         /* a numeric value was seen */
} st_sum_t;

/* avg: sum and count. */
typedef struct st_avg {
    fsum_t sum;
    uint64_t n;
} st_avg_t;

/* stddev: count, sum and sum of squares, both double-double (order-free
 * where Welford's running mean is not). */
typedef struct st_sd {
    uint64_t n;
    fsum_t s, sq;
} st_sd_t;

/* first, last, most_recent, least_recent: the value kept and its order. */
typedef struct st_pick {
    value_t v;        /* the value (strings pinned in the arena) */
    int64_t t;        /* its _messageTime */
    uint64_t seq;     /* its input position */
    bool has;         /* a value was kept */
} st_pick_t;

/* Bytes of each aggregate's state (0: no state; the result is null). */
static size_t state_size(int fn) {
    switch (fn) {
    case AG_COUNT: return sizeof(uint64_t);
    case AG_COUNT_DISTINCT: case AG_VALUES: return sizeof(sset_t);
    case AG_SUM: return sizeof(st_sum_t);
    case AG_MIN: case AG_MAX: return sizeof(st_num_t);
    case AG_AVG: return sizeof(st_avg_t);
    case AG_STDDEV: return sizeof(st_sd_t);
    case AG_PCT: return sizeof(dvec_t);
    case AG_FIRST: case AG_LAST: case AG_MOST_RECENT: case AG_LEAST_RECENT: return sizeof(st_pick_t);
    default: return 0;
    }
}

/* One group: this header, then (8-aligned, at offsets the table fixes)
 * the caller's gtab_mark_t when marks are kept, one state per aggregate,
 * and the encoded key bytes. One arena block, no pointer of its own. */
typedef struct gtab_group {
    uint64_t seq;      /* first record's input position */
    uint32_t tag;      /* the key hash's low 32 bits (the index's tag) */
    uint32_t klen;     /* encoded key bytes at the end of the block */
} group_t;

/* Group keys whose values a row is filled from on the stack (more: heap;
 * a query may group by any number of fields). */
#define GT_KEYS 65

/* Groups ahead whose index slot a loop over many groups prefetches. */
#define GT_AHEAD 16

/* Keys gtab_put gathers before it folds them (gtab_defer). */
#define GT_BATCH 16

/* Index slots (less one) from which gtab_put gathers keys (gtab_defer):
 * below, the slots stay in the cache and a batch would only copy keys. */
#define GT_BATCH_FROM (((uint32_t)256 << 10) / sizeof(hm_slot_t) - 1)

/* Index slots up to which the index is kept at most 1/GT_SPARSE_LOAD
 * full (sparse_full), not 3/4 as hm_add keeps it: that full, a third of
 * the lookups among a few hundred keys met another key's slot first, and
 * the probe's branch on its tag, which waits for the hash and the slot's
 * load, was guessed wrong; a quarter full, most keys sit in their home
 * slot. 8192 slots are 64 KiB (2048 groups; past that, 3/4 again). */
#define GT_SPARSE 8192
#define GT_SPARSE_LOAD 4

/* A key gtab_put keeps waiting. */
typedef struct gt_pend {
    uint64_t h;         /* its hash */
    uint64_t seq;       /* its record's input position */
    uint32_t off, len;  /* its encoded bytes in pkb */
} gt_pend_t;

/* Threads a sort or a merge of the groups uses at most. */
#define GT_MAXTH 16

/* Group blocks are carved from arena chunks of this size. */
#define GT_CHUNK ((size_t)256 << 10)

struct gtab {
    const stage_t *stage;
    aggspec_t *aggs;    /* stage aggs, or the synthetic count of `top` */
    uint32_t naggs;
    aggspec_t topcount; /* ST_TOP: count */
    uint32_t *by;       /* group keys */
    uint32_t nby;
    uint32_t topby[65];
    uint32_t *off;      /* per aggregate: its state's offset in a group block */
    uint32_t mark_off;  /* the mark's offset (0: no marks kept) */
    uint32_t key_off;   /* where the key bytes start in a group block */
    hm_t ix;            /* key hash -> group id */
    group_t **grp;      /* groups by id, in creation order (heap) */
    size_t n, gcap;
    arena_t arena;      /* group blocks and what states hold */
    char *bump;         /* free bytes of the current chunk */
    size_t left;        /* how many */
    value_t *kv;        /* the key values of the record being folded, nby of them (heap) */
    gtab_budget_t *budget; /* shared memory budget (NULL: none) */
    size_t charged;     /* bytes this table has charged to budget */
    bool over;          /* the budget was exceeded: no more groups */
    unsigned nth;       /* threads the order may be sorted with (gtab_set_threads) */
    bool stale;         /* grp was reordered (sort_groups): ix is rebuilt before its next use */
    bool unsorted;      /* grp may be out of first-record order (a group came, or took a first
                         * record, before the last group's) */
    uint64_t last_seq;  /* the last group's first record, when !unsorted */
    bool defer;         /* gtab_put folds keys a batch at a time (gtab_defer) */
    uint32_t npend;     /* keys waiting to be folded (gtab_put) */
    gt_pend_t pend[GT_BATCH]; /* each key's hash, record and bytes in pkb */
    buf_t pkb;          /* their encoded bytes, one after the other */
};

/* Round up to a multiple of 8. */
static inline size_t al8(size_t n) { return (n + 7) & ~(size_t)7; }

/* Fix the offsets of the states and the key in a group block. */
static void layout(gtab_t *g) {
    g->off = xmalloc((g->naggs ? g->naggs : 1) * sizeof *g->off);
    size_t o = al8(sizeof(group_t));
    if (g->mark_off) {
        g->mark_off = (uint32_t)o;
        o += al8(sizeof(gtab_mark_t));
    }
    for (uint32_t i = 0; i < g->naggs; i++) {
        g->off[i] = (uint32_t)o;
        o += al8(state_size(g->aggs[i].fn));
    }
    /* (A group folded by a merge keeps an address there: holder_at.) */
    if (o < al8(sizeof(group_t)) + sizeof(void *)) o = al8(sizeof(group_t)) + sizeof(void *);
    g->key_off = (uint32_t)o;
}

/* Aggregate i's state in group gr. */
static inline void *state(const gtab_t *g, group_t *gr, uint32_t i) { return (char *)gr + g->off[i]; }

/* The key bytes of gr. */
static inline const char *key_of(const gtab_t *g, const group_t *gr) { return (const char *)gr + g->key_off; }

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
        } else if (st->kind == ST_TOP) {
            /* top ranked by its group fields alone (`top 3 user by
             * user`): no aggregate, no column beyond the keys. */
            g->aggs = NULL;
            g->naggs = 0;
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
    g->kv = xmalloc((g->nby ? g->nby : 1) * sizeof *g->kv);
    layout(g);
    return g;
}

/* See agg.h. */
void gtab_keep_marks(gtab_t *g) {
    if (g->n || g->mark_off) return;
    free(g->off);
    g->mark_off = 1;
    layout(g);
}

/* See agg.h. */
void gtab_set_budget(gtab_t *g, gtab_budget_t *b) { g->budget = b; }

/* See agg.h. */
bool gtab_over(const gtab_t *g) { return g->over; }

/* Charge the table's growth to its budget; false (and over) past it. */
static bool charge(gtab_t *g) {
    if (!g->budget) return true;
    size_t now = gtab_bytes(g);
    if (now > g->charged) {
        size_t total = atomic_fetch_add(&g->budget->used, now - g->charged) + (now - g->charged);
        g->charged = now;
        if (g->budget->max && total > g->budget->max) g->over = true;
    }
    return !g->over;
}

/* Give back what g charged to its budget. */
static void uncharge(gtab_t *g) {
    if (g->budget && g->charged) atomic_fetch_sub(&g->budget->used, g->charged);
    g->charged = 0;
}

/* See agg.h. */
void gtab_free(gtab_t *g) {
    if (!g) return;
    uncharge(g);
    hm_free(&g->ix);
    free(g->grp);
    free(g->off);
    arena_free(&g->arena);
    free(g->kv);
    buf_free(&g->pkb);
    free(g);
}

/* See agg.h. */
size_t gtab_count(const gtab_t *g) { return g->n; }

/* Key encoding: per key a type byte, then for a string its length (7 bits
 * a byte, high bit: more) and its bytes, for a number its 8 bytes, for a
 * boolean 1 byte. Equal encodings are equal tuples. A record's key is
 * never encoded to be looked up: its values are hashed (key_vals) and
 * compared with a group's bytes (key_is) where they are; a new group's
 * key is written straight into its block (enc_to). */

/* Bytes of the length of a string of n bytes. */
static inline uint32_t len_bytes(uint32_t n) {
    return n < (1u << 7) ? 1 : n < (1u << 14) ? 2 : n < (1u << 21) ? 3 : n < (1u << 28) ? 4 : 5;
}

/* Bytes enc_to writes for v. */
static inline uint32_t enc_len(value_t v) {
    switch (v.t) {
    case V_STR: return 1 + len_bytes(v.n) + v.n;
    case V_NUM: return 9;
    case V_BOOL: return 2;
    default: return 1;
    }
}

/* A number as a key: -0 and 0 are one key. */
static inline double key_num(double d) { return d == 0 ? 0.0 : d; }

/* Copy n bytes from s to d: a key of up to 16 bytes in a few loads and
 * stores (two that may overlap), not a call. */
static inline void bytes_cp(char *d, const char *s, uint32_t n) {
    if (n >= 8 && n <= 16) {
        uint64_t x, y;
        memcpy(&x, s, 8), memcpy(&y, s + n - 8, 8);
        memcpy(d, &x, 8), memcpy(d + n - 8, &y, 8);
    } else if (n >= 4 && n < 8) {
        uint32_t x, y;
        memcpy(&x, s, 4), memcpy(&y, s + n - 4, 4);
        memcpy(d, &x, 4), memcpy(d + n - 4, &y, 4);
    } else if (n && n < 4) {
        d[0] = s[0], d[n / 2] = s[n / 2], d[n - 1] = s[n - 1];
    } else if (n) {
        memcpy(d, s, n);
    }
}

/* Write v's encoding at p (enc_len(v) bytes); returns the byte after it. */
static inline char *enc_to(char *p, value_t v) {
    *p++ = (char)v.t;
    if (v.t == V_STR) {
        uint32_t n = v.n;
        do {
            *p++ = (char)((n & 0x7f) | (n > 0x7f ? 0x80 : 0));
            n >>= 7;
        } while (n);
        bytes_cp(p, v.s, v.n);
        p += v.n;
    } else if (v.t == V_NUM) {
        double d = key_num(v.d);
        memcpy(p, &d, 8);
        p += 8;
    } else if (v.t == V_BOOL) {
        *p++ = (char)v.b;
    }
    return p;
}

/* Hash of one key value: one for values enc_to writes alike (a string's
 * JSON-literal mark aside, as there). */
static inline uint64_t val_hash(value_t v) {
    switch (v.t) {
    case V_STR: return hm_hash(v.s, v.n);
    case V_NUM: {
        double d = key_num(v.d);
        return hm_hash(&d, 8) + V_NUM;
    }
    case V_BOOL: return 0x2545F4914F6CDD1Dull + v.b;
    default: return 0x94D049BB133111EBull;
    }
}

/* Whether the n bytes at a and b are equal: a key of up to 64 bytes (an
 * address, a port, a path) in a few loads, not a call. */
static inline bool bytes_eq(const char *a, const char *b, uint32_t n) {
    uint64_t x, y, z, w;
    if (n >= 8 && n <= 16) {
        memcpy(&x, a, 8), memcpy(&y, b, 8), memcpy(&z, a + n - 8, 8), memcpy(&w, b + n - 8, 8);
        return ((x ^ y) | (z ^ w)) == 0;
    }
    if (n > 16 && n <= 64) {
        uint64_t d = 0;
        for (uint32_t i = 0; i + 8 < n; i += 8) {
            memcpy(&x, a + i, 8), memcpy(&y, b + i, 8);
            d |= x ^ y;
        }
        memcpy(&z, a + n - 8, 8), memcpy(&w, b + n - 8, 8);
        return (d | (z ^ w)) == 0;
    }
    if (n >= 4 && n < 8) {
        uint32_t x4, y4, z4, w4;
        memcpy(&x4, a, 4), memcpy(&y4, b, 4), memcpy(&z4, a + n - 4, 4), memcpy(&w4, b + n - 4, 4);
        return ((x4 ^ y4) | (z4 ^ w4)) == 0;
    }
    if (n < 4) /* (bytes 0, n/2 and n-1 are every byte) */
        return n == 0 || (a[0] == b[0] && a[n / 2] == b[n / 2] && a[n - 1] == b[n - 1]);
    return memcmp(a, b, n) == 0;
}

/* key_vals of a table grouped by one field (inline: the commonest
 * shape, `count by dest_ip`). */
static inline uint64_t key_val1(gtab_t *g, const record_t *r, uint32_t *klen) {
    value_t v = rec_get(r, g->by[0]);
    g->kv[0] = v;
    if (v.t == V_STR) {
        *klen = 1 + len_bytes(v.n) + v.n;
        return hm_hash(v.s, v.n);
    }
    *klen = enc_len(v);
    return val_hash(v);
}

/* The values of the key of record r, into g->kv[0..g->nby); their hash,
 * and their encoding's length in *klen. */
static uint64_t key_vals(gtab_t *g, const record_t *r, uint32_t *klen) {
    if (g->nby == 1) return key_val1(g, r, klen);
    uint64_t h = 0x9FB21C651E98DF25ull;
    uint32_t n = 0;
    for (uint32_t i = 0; i < g->nby; i++) {
        value_t v = rec_get(r, g->by[i]);
        g->kv[i] = v;
        if (v.t == V_STR) {
            n += 1 + len_bytes(v.n) + v.n;
            h = hm_mix(h, hm_hash(v.s, v.n));
        } else {
            n += enc_len(v);
            h = hm_mix(h, val_hash(v));
        }
    }
    *klen = n;
    return h;
}

/* key_is of a table grouped by one field: equal lengths and types make
 * a string's length bytes equal, so only its bytes are left to compare. */
static inline bool key_is1(const gtab_t *g, const group_t *gr) {
    const char *k = key_of(g, gr);
    value_t v = g->kv[0];
    if ((uint8_t)k[0] != v.t) return false;
    if (v.t == V_STR) return bytes_eq(k + gr->klen - v.n, v.s, v.n);
    if (v.t == V_NUM) {
        double d = key_num(v.d);
        return memcmp(k + 1, &d, 8) == 0;
    }
    return v.t != V_BOOL || (uint8_t)k[1] == v.b;
}

/* Whether the key of gr, whose length the caller found equal to the
 * encoding's of g->kv[0..nby), encodes those values. */
static bool key_is(const gtab_t *g, const group_t *gr) {
    if (g->nby == 1) return key_is1(g, gr);
    const uint8_t *p = (const uint8_t *)key_of(g, gr);
    for (uint32_t i = 0; i < g->nby; i++) {
        value_t v = g->kv[i];
        if (v.t == V_STR && v.n < 0x80) { /* (type and length: two bytes) */
            if (p[0] != V_STR || p[1] != v.n || !bytes_eq((const char *)p + 2, v.s, v.n)) return false;
            p += 2 + v.n;
            continue;
        }
        if (*p++ != v.t) return false;
        if (v.t == V_STR) {
            uint32_t n = v.n;
            do {
                if (*p++ != (uint8_t)((n & 0x7f) | (n > 0x7f ? 0x80 : 0))) return false;
                n >>= 7;
            } while (n);
            if (!bytes_eq((const char *)p, v.s, v.n)) return false;
            p += v.n;
        } else if (v.t == V_NUM) {
            double d = key_num(v.d);
            if (memcmp(p, &d, 8) != 0) return false;
            p += 8;
        } else if (v.t == V_BOOL) {
            if (*p++ != v.b) return false;
        }
    }
    return true;
}

/* Decode the key values of group gr into vals[0..nby); strings point
 * into the group's key bytes. */
static void dec_key(const gtab_t *g, const group_t *gr, value_t *vals) {
    const uint8_t *p = (const uint8_t *)key_of(g, gr), *e = p + gr->klen;
    for (uint32_t i = 0; i < g->nby; i++) {
        vals[i] = val_null();
        if (p >= e) continue;
        uint8_t t = *p++;
        if (t == V_STR) {
            uint32_t n = 0;
            for (unsigned sh = 0; p < e; sh += 7) {
                uint8_t c = *p++;
                n |= (uint32_t)(c & 0x7f) << sh;
                if (!(c & 0x80)) break;
            }
            vals[i] = val_str((const char *)p, n);
            p += n;
        } else if (t == V_NUM) {
            double d;
            memcpy(&d, p, 8);
            vals[i] = val_num(d);
            p += 8;
        } else if (t == V_BOOL) {
            vals[i] = val_bool(*p++ != 0);
        }
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

/* val_to_num, with a string of 1 to 15 digits (a port, a byte count, a
 * time in ms: the commonest number) read here, to the double str_to_num
 * gives it, without a call. */
static inline bool agg_num(value_t v, double *d) {
    if (v.t == V_STR && v.n - 1u < 15u) {
        const unsigned char *p = (const unsigned char *)v.s, *e = p + v.n;
        uint64_t acc = 0;
        unsigned c;
        while ((c = (unsigned)*p - '0') <= 9) {
            acc = acc * 10 + c;
            if (++p == e) {
                *d = (double)acc;
                return true;
            }
        }
    }
    return val_to_num(v, d);
}

/* Newer-than order for first/last: by _messageTime, ties by input position. */
static bool newer(int64_t t1, uint64_t s1, int64_t t2, uint64_t s2) { return t1 != t2 ? t1 > t2 : s1 > s2; }

/* first and most_recent keep the newest value, last and least_recent the oldest. */
static bool takes_newest(int fn) { return fn == AG_FIRST || fn == AG_MOST_RECENT; }

static int64_t rec_time(const record_t *r) {
    double d;
    value_t v = rec_get(r, F_MESSAGETIME);
    return agg_num(v, &d) ? (int64_t)d : INT64_MIN;
}

/* Whether d replaces a as the min (fn AG_MIN) or max kept: a NaN (a
 * computed 0/0) wins and stays, and -0 is below 0, so the value kept does
 * not depend on the order values come or lanes merge in. */
static bool num_better(int fn, double d, double a) {
    if (isnan(a)) return false;
    if (isnan(d)) return true;
    if (d == a) return signbit(d) != signbit(a) && (fn == AG_MIN) == (signbit(d) != 0);
    return fn == AG_MIN ? d < a : d > a;
}

/* Fold record r (input position seq) into state st of aggregate sp. */
static void step(gtab_t *g, const aggspec_t *sp, void *st, const record_t *r, uint64_t seq) {
    value_t v = sp->field == FIELD_NONE ? val_null() : rec_get(r, sp->field);
    double d;
    char tmp[40];
    switch (sp->fn) {
    case AG_COUNT:
        if (sp->field == FIELD_NONE || v.t != V_NULL) ++*(uint64_t *)st;
        break;
    case AG_COUNT_DISTINCT:
    case AG_VALUES: {
        if (v.t == V_NULL || (sp->keep && ((sset_t *)st)->n >= sp->keep)) break;
        pstr_t txt = v.t == V_STR ? val_pstr(v) : pstr(tmp, (size_t)(v.t == V_NUM ? num_fmt(tmp, v.d) : sprintf(tmp, "%s", v.b ? "true" : "false")));
        if (!txt.p) txt.p = "";
        /* (A capped set keeps the hash whose slot order its merges
         * have always taken the kept values in.) */
        sset_add(st, &g->arena, txt, sp->keep ? pstr_hash(txt) : (unsigned long)hm_hash(txt.p, txt.n), true);
        break;
    }
    case AG_SUM: {
        st_sum_t *s = st;
        if (agg_num(v, &d)) { fsum_add(&s->s, d); s->has = true; }
        else if (sp->one_if_missing && v.t == V_NULL) { fsum_add(&s->s, 1); s->has = true; }
        break;
    }
    case AG_MIN:
    case AG_MAX: {
        st_num_t *s = st;
        if (agg_num(v, &d) && (!s->has || num_better(sp->fn, d, s->a))) { s->a = d; s->has = true; }
        break;
    }
    case AG_AVG: {
        st_avg_t *s = st;
        if (agg_num(v, &d)) { fsum_add(&s->sum, d); s->n++; }
        break;
    }
    case AG_STDDEV: {
        st_sd_t *s = st;
        if (agg_num(v, &d)) {
            s->n++;
            fsum_add(&s->s, d);
            fsum_add_sq(&s->sq, d);
        }
        break;
    }
    case AG_PCT:
        if (agg_num(v, &d)) dvec_push(st, &g->arena, d);
        break;
    case AG_FIRST:
    case AG_LAST:
    case AG_MOST_RECENT:
    case AG_LEAST_RECENT: {
        st_pick_t *s = st;
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

/* n bytes (8-aligned) for a group block, from the current arena chunk. */
static void *carve(gtab_t *g, size_t n) {
    if (n > g->left) {
        size_t c = n > GT_CHUNK ? n : GT_CHUNK;
        g->bump = arena_alloc(&g->arena, c);
        g->left = c;
    }
    void *p = g->bump;
    g->bump += n;
    g->left -= n;
    return p;
}

/* Append gr to the creation-order list and index it at the probe's slot. */
static void place(gtab_t *g, group_t *gr, const hm_probe_t *p) {
    if (g->n == g->gcap) {
        g->gcap = g->gcap ? g->gcap * 2 : 64;
        g->grp = xrealloc(g->grp, g->gcap * sizeof *g->grp);
    }
    g->grp[g->n] = gr;
    hm_add(&g->ix, p, (uint32_t)g->n);
    g->n++;
}

/* Whether a small index (below GT_SPARSE slots) holding n ids is full
 * (GT_SPARSE): it doubles then, before hm_add would. */
static inline bool sparse_full(const hm_t *m, size_t n) {
    return m->mask < GT_SPARSE - 1 && n * GT_SPARSE_LOAD >= (size_t)m->mask + 1;
}

/* A new group at the probe's slot (key hash's tag p->tag, first record
 * seq) with klen key bytes: k's, or with k NULL g->kv's encoding. NULL
 * when the budget is exceeded (the group is made and indexed all the
 * same, as the budget is checked after the table grew). */
__attribute__((noinline)) static group_t *new_group(gtab_t *g, const hm_probe_t *p, const char *k, uint32_t klen,
                                                   uint64_t seq) {
    bool full = g->n == g->gcap || (size_t)g->ix.n + 1 > ((size_t)g->ix.mask + 1) * 3 / 4 ||
                sparse_full(&g->ix, (size_t)g->ix.n + 1);
    size_t sz = al8(g->key_off + klen);
    bool fresh = sz > g->left;
    group_t *gr = carve(g, sz);
    memset(gr, 0, g->key_off);
    gr->seq = seq;
    if (seq < g->last_seq) g->unsorted = true;
    g->last_seq = seq;
    gr->tag = p->tag;
    gr->klen = klen;
    char *d = (char *)gr + g->key_off;
    if (k) {
        if (klen) memcpy(d, k, klen);
    } else {
        for (uint32_t i = 0; i < g->nby; i++) d = enc_to(d, g->kv[i]);
    }
    place(g, gr, p);
    if (sparse_full(&g->ix, g->ix.n)) hm_reserve(&g->ix, (g->ix.mask + 1) * 3 / 2 - 1); /* (twice the slots) */
    /* The table grows by chunks and doublings: check the budget then. */
    if ((full || fresh) && !charge(g)) return NULL;
    return gr;
}

/* Find the group with encoded key k (hash h), or create it when create
 * and the budget allows (else return NULL). */
static group_t *lookup(gtab_t *g, pstr_t k, uint64_t h, uint64_t seq, bool create) {
    hm_probe_t p = hm_start(&g->ix, h);
    for (uint32_t id; (id = hm_next(&g->ix, &p)) != HM_NONE;) {
        group_t *gr = g->grp[id];
        if (gr->klen == k.n && memcmp(key_of(g, gr), k.p, k.n) == 0) return gr;
    }
    if (!create || g->over) return NULL;
    return new_group(g, &p, k.p, (uint32_t)k.n, seq);
}

/* lookup for the key whose values key_vals put in g->kv (hash h, klen
 * bytes encoded): compared where they are, encoded only into a new
 * group. */
static inline group_t *lookup_kv(gtab_t *g, uint32_t klen, uint64_t h, uint64_t seq, bool create) {
    hm_probe_t p = hm_start(&g->ix, h);
    for (uint32_t id; (id = hm_next(&g->ix, &p)) != HM_NONE;) {
        group_t *gr = g->grp[id];
        if (gr->klen == klen && (g->nby == 1 ? key_is1(g, gr) : key_is(g, gr))) return gr;
    }
    if (!create || g->over) return NULL;
    return new_group(g, &p, NULL, klen, seq);
}

/* See agg.h. */
gtab_group_t *gtab_add(gtab_t *g, const record_t *r, uint64_t seq) { return gtab_add_if(g, r, seq, true); }

/* Index every group again under its place in grp, after sort_groups
 * reordered them. */
static void reindex(gtab_t *g) {
    if (!g->stale) return;
    g->stale = false;
    hm_free(&g->ix);
    /* (As sparse as new_group keeps a small index.) */
    size_t n = g->n * GT_SPARSE_LOAD < GT_SPARSE ? g->n * GT_SPARSE_LOAD * 3 / 4 : g->n;
    hm_reserve(&g->ix, (uint32_t)n);
    for (size_t i = 0; i < g->n; i++) {
        if (i + GT_AHEAD < g->n) __builtin_prefetch(&g->ix.slot[g->grp[i + GT_AHEAD]->tag & g->ix.mask], 1);
        hm_probe_t p = hm_start(&g->ix, g->grp[i]->tag);
        while (hm_next(&g->ix, &p) != HM_NONE) continue;
        hm_add(&g->ix, &p, (uint32_t)i);
    }
}

/* Fold the keys gtab_put left waiting (a count-only table: one more for
 * each count), in the order they came, having first fetched the index
 * slot of each: the fetches (each a cache and TLB miss in a large table)
 * overlap instead of stalling one after the other. False when the budget
 * stopped a key's group (the keys after it are dropped). */
static bool settle(gtab_t *g) {
    uint32_t n = g->npend;
    if (!n) return true;
    g->npend = 0;
    if (g->ix.slot)
        for (uint32_t i = 0; i < n; i++) __builtin_prefetch(&g->ix.slot[(uint32_t)g->pend[i].h & g->ix.mask]);
    const char *base = g->pkb.p ? g->pkb.p : "";
    bool ok = true;
    for (uint32_t i = 0; i < n && ok; i++) {
        const gt_pend_t *p = &g->pend[i];
        group_t *gr = lookup(g, pstr(base + p->off, p->len), p->h, p->seq, true);
        if (!gr) {
            ok = false;
            break;
        }
        if (p->seq < gr->seq) gr->seq = p->seq, g->unsorted = true;
        for (uint32_t a = 0; a < g->naggs; a++) ++*(uint64_t *)state(g, gr, a);
    }
    buf_clear(&g->pkb);
    return ok;
}

/* See agg.h. */
void gtab_defer(gtab_t *g) {
    bool counts = g->naggs > 0 && !g->mark_off;
    for (uint32_t i = 0; i < g->naggs; i++) counts = counts && g->aggs[i].fn == AG_COUNT && g->aggs[i].field == FIELD_NONE;
    g->defer = counts;
}

/* One more for every count of gr, and its first record seq if earlier
 * (a count-only table, gtab_defer). */
static inline void count_in(gtab_t *g, group_t *gr, uint64_t seq) {
    if (seq < gr->seq) gr->seq = seq, g->unsorted = true;
    ++*(uint64_t *)state(g, gr, 0); /* (gtab_defer: one count at least) */
    for (uint32_t a = 1; a < g->naggs; a++) ++*(uint64_t *)state(g, gr, a);
}

/* gtab_put of a record whose key is one string s (n bytes) into a
 * count-only table whose index is small and current (the commonest
 * case: `count by dest_ip`): its bytes hashed and compared where they
 * are, in one loop with no call but a new group's. */
static inline bool put_str1(gtab_t *g, value_t v, uint64_t seq) {
    uint32_t n = v.n, klen = 1 + len_bytes(n) + n;
    hm_probe_t p = hm_start(&g->ix, hm_hash(v.s, n));
    group_t *gr;
    for (uint32_t id;;) {
        if ((id = hm_next(&g->ix, &p)) == HM_NONE) {
            if (g->over) return false;
            g->kv[0] = v;
            if (!(gr = new_group(g, &p, NULL, klen, seq))) return false;
            break;
        }
        gr = g->grp[id];
        const char *k = key_of(g, gr);
        /* (Equal lengths and types: equal length bytes, see key_is1.) */
        if (gr->klen == klen && (uint8_t)k[0] == V_STR && bytes_eq(k + klen - n, v.s, n)) break;
    }
    count_in(g, gr, seq);
    return true;
}

/* See agg.h. While the index is small enough to stay in the cache, a
 * record's key is looked up at once, its values where they are; past
 * that it is encoded and waits, with GT_BATCH-1 others at most, to be
 * folded by settle. */
bool gtab_put(gtab_t *g, const record_t *r, uint64_t seq) {
    if (!g->defer) return gtab_add_if(g, r, seq, true) != NULL;
    if (g->stale) reindex(g);
    bool now = !g->npend && g->ix.mask < GT_BATCH_FROM;
    if (now && g->nby == 1) {
        value_t v = rec_get(r, g->by[0]);
        if (v.t == V_STR) return put_str1(g, v, seq);
    }
    uint32_t len;
    uint64_t h = key_vals(g, r, &len);
    if (now) {
        group_t *gr = lookup_kv(g, len, h, seq, true);
        if (!gr) return false;
        count_in(g, gr, seq);
        return true;
    }
    buf_reserve(&g->pkb, len);
    size_t off = g->pkb.n;
    char *d = g->pkb.p + off;
    for (uint32_t i = 0; i < g->nby; i++) d = enc_to(d, g->kv[i]);
    g->pkb.n += len;
    g->pend[g->npend++] = (gt_pend_t){h, seq, (uint32_t)off, len};
    return g->npend < GT_BATCH || settle(g);
}

/* See agg.h. */
void gtab_settle(gtab_t *g) { settle(g); }

/* See agg.h. */
gtab_group_t *gtab_add_if(gtab_t *g, const record_t *r, uint64_t seq, bool create) {
    if (g->npend) settle(g);
    if (g->stale) reindex(g);
    uint32_t len;
    uint64_t h = key_vals(g, r, &len);
    group_t *gr = lookup_kv(g, len, h, seq, create);
    if (!gr) return NULL;
    if (seq < gr->seq) gr->seq = seq, g->unsorted = true;
    for (uint32_t i = 0; i < g->naggs; i++) step(g, &g->aggs[i], state(g, gr, i), r, seq);
    return gr;
}

/* See agg.h. The mark sits right after the header (layout). */
gtab_mark_t *gtab_group_mark(gtab_group_t *gr) { return (gtab_mark_t *)((char *)gr + al8(sizeof(group_t))); }

/* See agg.h. */
size_t gtab_bytes(const gtab_t *g) {
    return g->arena.total + hm_bytes(&g->ix) + g->gcap * sizeof *g->grp + g->nby * sizeof *g->kv + sizeof *g;
}

/* Fold state src of aggregate sp into dst (both of one table's layout);
 * what the fold allocates comes from arena a. */
static void merge_state(arena_t *a, const aggspec_t *sp, void *dst, void *src) {
    switch (sp->fn) {
    case AG_COUNT: *(uint64_t *)dst += *(uint64_t *)src; break;
    case AG_COUNT_DISTINCT:
    case AG_VALUES: {
        /* The strings already live in g's arena (gtab_merge adopted src's). */
        sset_t *d = dst, *s = src;
        for (uint32_t i = 0; i < s->cap && !(sp->keep && d->n >= sp->keep); i++)
            if (s->s[i].p) sset_add(d, a, s->s[i], s->h[i], false);
        break;
    }
    case AG_SUM: {
        st_sum_t *d = dst, *s = src;
        if (s->has) { fsum_merge(&d->s, &s->s); d->has = true; }
        break;
    }
    case AG_MIN:
    case AG_MAX: {
        st_num_t *d = dst, *s = src;
        if (s->has && (!d->has || num_better(sp->fn, s->a, d->a))) { d->a = s->a; d->has = true; }
        break;
    }
    case AG_AVG: {
        st_avg_t *d = dst, *s = src;
        fsum_merge(&d->sum, &s->sum);
        d->n += s->n;
        break;
    }
    case AG_STDDEV: {
        st_sd_t *d = dst, *s = src;
        d->n += s->n;
        fsum_merge(&d->s, &s->s);
        fsum_merge(&d->sq, &s->sq);
        break;
    }
    case AG_PCT: {
        dvec_t *d = dst, *s = src;
        for (uint32_t i = 0; i < s->n; i++) dvec_push(d, a, s->v[i]);
        break;
    }
    case AG_FIRST:
    case AG_LAST:
    case AG_MOST_RECENT:
    case AG_LEAST_RECENT: {
        st_pick_t *d = dst, *s = src;
        if (s->has && (!d->has || (takes_newest(sp->fn) ? newer(s->t, s->seq, d->t, d->seq)
                                                        : newer(d->t, d->seq, s->t, s->seq))))
            *d = *s; /* its string lives in g's arena already */
        break;
    }
    default: break;
    }
}

static void sort_groups(gtab_t *g);

/* Run fn on each of the nj jobs (job t at jobs + t * size), each in a
 * thread: the first in the caller's, and one that cannot start in the
 * caller's too, after the others. nj <= GT_MAXTH. */
static void run_jobs(void *(*fn)(void *), void *jobs, size_t size, unsigned nj) {
    pthread_t th[GT_MAXTH];
    bool started[GT_MAXTH] = {false};
    char *J = jobs;
    for (unsigned t = 1; t < nj; t++) started[t] = pthread_create(&th[t], NULL, fn, J + t * size) == 0;
    fn(J);
    for (unsigned t = 1; t < nj; t++) {
        if (started[t]) pthread_join(th[t], NULL);
        else fn(J + t * size);
    }
}

/* ---- merging the lanes' tables ------------------------------------------ */

/* What the merge says of a lane's group (one byte a group, gm_t.flag). */
enum {
    GM_FOLDED = 1, /* folded into its key's group in a lower lane (its holder),
                    * whose address the block keeps where its states were */
    GM_MOVED = 2,  /* a holder that took an earlier first record from a folded group */
};

/* Where a folded group keeps its holder's address (the states are spent). */
static inline group_t **holder_at(group_t *gr) { return (group_t **)((char *)gr + al8(sizeof(group_t))); }

/* A merge of n lanes' tables (gtab_merge_all). */
typedef struct gm {
    gtab_t *const *g;   /* the lanes' tables, lane 0 first */
    unsigned n;
    uint8_t **flag;     /* per lane, per group id: GM_* (heap) */
} gm_t;

/* One thread's share of a fold pass: lane k's groups lo..hi-1. */
typedef struct gm_job {
    const gm_t *m;
    unsigned k;         /* the lane folded */
    size_t lo, hi;
    arena_t arena;      /* what its folds allocate (lane 0 adopts it) */
} gm_job_t;

/* Fold each group of the job's slice of lane k into its key's group in
 * the lowest lane below k that has the key (its holder), if any: the
 * holder's states take the group's, in lane order as one table merging
 * the lanes one after the other would, and its first record the earlier
 * of the two. Lanes below k are only read here, save the holders, each
 * of which one group of lane k (its key is unique there) writes: slices
 * run in threads at once. */
static void *gm_fold(void *ud) {
    gm_job_t *j = ud;
    const gm_t *m = j->m;
    gtab_t *src = m->g[j->k];
    uint8_t *flag = m->flag[j->k];
    for (size_t i = j->lo; i < j->hi; i++) {
        group_t *sg = src->grp[i];
        /* (The slots a later group probes, fetched while this one is:
         * with millions of groups nearly every probe misses the cache;
         * and before that, that group's block, for its tag.) */
        if (i + 2 * GT_AHEAD < j->hi) __builtin_prefetch(src->grp[i + 2 * GT_AHEAD]);
        if (i + GT_AHEAD < j->hi) {
            uint32_t t = src->grp[i + GT_AHEAD]->tag;
            for (unsigned l = 0; l < j->k; l++)
                if (m->g[l]->ix.slot) __builtin_prefetch(&m->g[l]->ix.slot[t & m->g[l]->ix.mask]);
        }
        group_t *dg = NULL;
        unsigned dl = 0;
        uint32_t did = 0;
        for (unsigned l = 0; l < j->k && !dg; l++) {
            gtab_t *t = m->g[l];
            hm_probe_t p = hm_start(&t->ix, sg->tag);
            for (uint32_t id; (id = hm_next(&t->ix, &p)) != HM_NONE;) {
                group_t *x = t->grp[id];
                if (x->klen == sg->klen && memcmp(key_of(t, x), key_of(src, sg), sg->klen) == 0) {
                    dg = x, dl = l, did = id;
                    break;
                }
            }
        }
        /* (The first lane with the key holds it: a group folded into a
         * lower lane was met there first.) */
        if (!dg) continue;
        for (uint32_t a = 0; a < src->naggs; a++) merge_state(&j->arena, &src->aggs[a], state(src, dg, a), state(src, sg, a));
        if (sg->seq < dg->seq) {
            dg->seq = sg->seq;
            m->flag[dl][did] |= GM_MOVED;
        }
        flag[i] = GM_FOLDED;
        *holder_at(sg) = dg;
    }
    return NULL;
}

/* Groups of a lane from which a fold pass is split across threads (a
 * thread costs about what a few hundred probes do; tests/cases'
 * agg_many_groups_threads runs both splits under TSan). */
#define GM_PAR ((size_t)1 << 12)

/* Fold pass k: lane k's groups into the lanes below, by nth threads. */
static void gm_pass(const gm_t *m, unsigned k, unsigned nth, arena_t *into) {
    size_t n = m->g[k]->n;
    unsigned nj = n >= GM_PAR ? nth : 1;
    if (nj < 1) nj = 1;
    if (nj > GT_MAXTH) nj = GT_MAXTH;
    gm_job_t J[GT_MAXTH];
    for (unsigned t = 0; t < nj; t++) J[t] = (gm_job_t){.m = m, .k = k, .lo = n * t / nj, .hi = n * (t + 1) / nj};
    run_jobs(gm_fold, J, sizeof *J, nj);
    for (unsigned t = 0; t < nj; t++) arena_adopt(into, &J[t].arena);
}

/* The group lane l's entry i puts in the order (NULL: none), and the
 * position it puts it at: a group not folded and not moved at its own
 * first record; a folded one puts its holder there when that was the
 * holder's first record (one of the holder's groups has it). */
static inline group_t *gm_at(const gm_t *m, unsigned l, size_t i) {
    group_t *gr = m->g[l]->grp[i];
    uint8_t f = m->flag[l][i];
    if (!f) return gr;
    if (f & GM_MOVED) return NULL;
    group_t *h = *holder_at(gr);
    return h->seq == gr->seq ? h : NULL;
}

/* Lane l's entries from i on that put a group in the order: the first
 * one's position (UINT64_MAX: none), for a search by position. */
static uint64_t gm_pos(const gm_t *m, unsigned l, size_t i) {
    const gtab_t *t = m->g[l];
    while (i < t->n && (m->flag[l][i] & GM_MOVED)) i++;
    return i < t->n ? t->grp[i]->seq : UINT64_MAX;
}

/* Lanes one merge takes at most (-j's most). */
#define GM_MAXLANES 64

/* One thread's part of the order: from each lane l the entries
 * lo[l]..hi[l]-1 (the positions in one range). */
typedef struct gm_range {
    const gm_t *m;
    size_t lo[GM_MAXLANES], hi[GM_MAXLANES];
    group_t **out;     /* NULL: count only */
    size_t n;          /* groups it puts (out: written there) */
} gm_range_t;

/* Merge the range's entries by position into r->out (or count them). */
static void *gm_merge(void *ud) {
    gm_range_t *r = ud;
    const gm_t *m = r->m;
    size_t k = 0;
    if (!r->out) {
        for (unsigned l = 0; l < m->n; l++)
            for (size_t i = r->lo[l]; i < r->hi[l]; i++) k += gm_at(m, l, i) != NULL;
        r->n = k;
        return NULL;
    }
    /* A heap of the lanes' next entries, smallest position on top. */
    typedef struct { uint64_t seq; size_t i; group_t *gr; unsigned l; } head_t;
    head_t hp[GM_MAXLANES];
    unsigned nh = 0;
    for (unsigned l = 0; l < m->n; l++) {
        size_t i = r->lo[l];
        group_t *gr = NULL;
        while (i < r->hi[l] && !(gr = gm_at(m, l, i))) i++;
        if (!gr) continue;
        head_t h = {m->g[l]->grp[i]->seq, i, gr, l};
        unsigned c = nh++;
        while (c && hp[(c - 1) / 2].seq > h.seq) hp[c] = hp[(c - 1) / 2], c = (c - 1) / 2;
        hp[c] = h;
    }
    while (nh) {
        head_t h = hp[0];
        r->out[k++] = h.gr;
        const gtab_t *t = m->g[h.l];
        size_t i = h.i + 1, end = r->hi[h.l];
        group_t *gr = NULL;
        if (i + GT_AHEAD < end) __builtin_prefetch(t->grp[i + GT_AHEAD]);
        while (i < end && !(gr = gm_at(m, h.l, i))) i++;
        if (gr) h = (head_t){t->grp[i]->seq, i, gr, h.l};
        else h = hp[--nh];
        /* (Sift the new top down.) */
        unsigned c = 0;
        for (;;) {
            unsigned ch = 2 * c + 1;
            if (ch >= nh) break;
            if (ch + 1 < nh && hp[ch + 1].seq < hp[ch].seq) ch++;
            if (hp[ch].seq >= h.seq) break;
            hp[c] = hp[ch];
            c = ch;
        }
        if (nh) hp[c] = h;
    }
    r->n = k;
    return NULL;
}

/* Groups from which the order is merged by several threads. */
#define GM_PARORDER ((size_t)1 << 14)

/* The lanes' groups in first-record order, each holder once: a merge of
 * the lanes' lists (each in that order, its moved holders aside) by
 * position. With nth threads (many groups), the positions are cut into
 * ranges at lane 0's quantiles, each range's groups counted, then merged
 * into its place. Returns the array (heap) and its length in *np. */
static group_t **gm_order(const gm_t *m, unsigned nth, size_t *np) {
    size_t total = 0;
    for (unsigned l = 0; l < m->n; l++) total += m->g[l]->n;
    group_t **out = xmalloc_big((total ? total : 1) * sizeof *out);
    unsigned nj = total >= GM_PARORDER ? nth : 1;
    if (nj < 1) nj = 1;
    if (nj > GT_MAXTH) nj = GT_MAXTH;
    gm_range_t *R = xcalloc(nj, sizeof *R);
    for (unsigned t = 0; t < nj; t++) {
        R[t].m = m;
        /* (Range t holds the positions from lane 0's entry n0*t/nj on.) */
        uint64_t from = t ? gm_pos(m, 0, m->g[0]->n * t / nj) : 0;
        for (unsigned l = 0; l < m->n; l++) {
            size_t lo = 0, hi = m->g[l]->n;
            while (t && lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                if (gm_pos(m, l, mid) < from) lo = mid + 1;
                else hi = mid;
            }
            R[t].lo[l] = lo;
            if (t) R[t - 1].hi[l] = lo;
            if (t == nj - 1) R[t].hi[l] = m->g[l]->n;
        }
    }
    size_t k = 0;
    if (nj > 1) {
        run_jobs(gm_merge, R, sizeof *R, nj); /* (counts) */
        for (unsigned t = 0; t < nj; t++) {
            R[t].out = out + k;
            k += R[t].n;
        }
    } else {
        R[0].out = out;
    }
    run_jobs(gm_merge, R, sizeof *R, nj);
    k = 0;
    for (unsigned t = 0; t < nj; t++) k += R[t].n;
    free(R);
    *np = k;
    return out;
}

/* See agg.h. Lane k's groups fold into the lanes below it, pass after
 * pass (each pass split across threads); a group met in no lower lane
 * stays where it is, so no table is grown and no group copied. Then the
 * lanes' lists, each in first-record order, merge into g[0]'s. */
void gtab_merge_all(gtab_t *const *g, unsigned n) {
    if (n < 2) return;
    gtab_t *d = g[0];
    if (n > GM_MAXLANES) {
        gtab_merge_all(g, GM_MAXLANES);
        for (unsigned l = GM_MAXLANES; l < n; l++) gtab_merge(d, g[l]);
        return;
    }
    for (unsigned l = 0; l < n; l++) {
        settle(g[l]);
        sort_groups(g[l]); /* (a lane's groups come in input order: nothing to do) */
        reindex(g[l]);
    }
    gm_t m = {.g = g, .n = n, .flag = xcalloc(n, sizeof *m.flag)};
    for (unsigned l = 0; l < n; l++) m.flag[l] = xcalloc(g[l]->n ? g[l]->n : 1, 1);
    for (unsigned k = 1; k < n; k++) gm_pass(&m, k, d->nth, &d->arena);
    size_t total;
    group_t **order = gm_order(&m, d->nth, &total);
    for (unsigned l = 0; l < n; l++) {
        gtab_t *s = g[l];
        free(m.flag[l]);
        hm_free(&s->ix);
        free(s->grp);
        s->grp = NULL;
        s->n = s->gcap = 0;
        if (l == 0) continue;
        arena_adopt(&d->arena, &s->arena);
        s->bump = NULL;
        s->left = 0;
        uncharge(s);
    }
    free(m.flag);
    d->grp = order;
    d->n = d->gcap = total;
    d->stale = true; /* (indexed again if used again) */
    d->unsorted = false;
    d->last_seq = total ? order[total - 1]->seq : 0;
    charge(d);
}

/* See agg.h. */
void gtab_merge(gtab_t *dst, gtab_t *src) {
    gtab_t *g[2] = {dst, src};
    gtab_merge_all(g, 2);
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static int cmp_pstr(const void *a, const void *b) { return pstr_cmp(*(const pstr_t *)a, *(const pstr_t *)b); }


/* The result of aggregate sp from its state st (strings in arena a or
 * in g's). */
static value_t final(const aggspec_t *sp, void *st, arena_t *a) {
    switch (sp->fn) {
    case AG_COUNT: return val_num((double)*(uint64_t *)st);
    case AG_COUNT_DISTINCT: return val_num((double)((sset_t *)st)->n);
    case AG_SUM: {
        st_sum_t *s = st;
        return s->has ? val_num(fsum_value(&s->s)) : val_null();
    }
    case AG_MIN: case AG_MAX: {
        st_num_t *s = st;
        return s->has ? val_num(s->a) : val_null();
    }
    case AG_AVG: {
        st_avg_t *s = st;
        return s->n ? val_num(fsum_mean(&s->sum, s->n)) : val_null();
    }
    case AG_STDDEV: {
        st_sd_t *s = st;
        return s->n > 1 ? val_num(fsum_stddev(&s->s, &s->sq, s->n)) : (s->n == 1 ? val_num(0) : val_null());
    }
    case AG_PCT: {
        dvec_t *s = st;
        if (!s->n) return val_null();
        qsort(s->v, s->n, sizeof *s->v, cmp_double);
        /* Nearest rank: the smallest value with at least p% of values at or below it. */
        double rank = ceil(sp->arg / 100.0 * (double)s->n);
        size_t idx = rank < 1 ? 0 : (size_t)rank - 1;
        if (idx >= s->n) idx = s->n - 1;
        return val_num(s->v[idx]);
    }
    case AG_FIRST: case AG_LAST: case AG_MOST_RECENT: case AG_LEAST_RECENT: {
        st_pick_t *s = st;
        return s->has ? s->v : val_null();
    }
    case AG_VALUES: {
        sset_t *s = st;
        pstr_t *v = xmalloc((s->n ? s->n : 1) * sizeof *v);
        uint32_t k = 0;
        for (uint32_t i = 0; i < s->cap; i++)
            if (s->s[i].p) v[k++] = s->s[i];
        qsort(v, k, sizeof *v, cmp_pstr);
        /* One value a line, in byte order (digits before letters, upper
         * case before lower), the first AGG_VALUES_MAX of them (all the
         * kept ones under a cap). */
        if (k > (sp->keep ? sp->keep : AGG_VALUES_MAX)) k = sp->keep ? sp->keep : AGG_VALUES_MAX;
        buf_t b = {0};
        for (uint32_t i = 0; i < k; i++) {
            if (i) buf_putc(&b, '\n');
            buf_put(&b, v[i].p, v[i].n);
        }
        value_t r = val_str(arena_strndup(a, b.p ? b.p : "", b.n), b.n);
        buf_free(&b);
        free(v);
        return r;
    }
    default: return val_null();
    }
}

/* See agg.h. */
void gtab_cols(const gtab_t *g, table_t *t) {
    t->fixed = true;
    for (uint32_t i = 0; i < g->nby; i++) table_add_col(t, g->by[i]);
    for (uint32_t i = 0; i < g->naggs; i++) table_add_col(t, g->aggs[i].as);
}

/* Clear out and give it the columns of g's rows. */
static void emit_begin(const gtab_t *g, table_t *out) {
    table_free(out);
    table_init(out);
    gtab_cols(g, out);
}

/* Fill r (cleared first) with group gr's row: the by keys, then the
 * aggregates' results; strings borrowed from g or placed in a. */
static void fill_row(gtab_t *g, group_t *gr, record_t *r, arena_t *a) {
    value_t one[GT_KEYS], *keys = g->nby <= GT_KEYS ? one : xmalloc(g->nby * sizeof *keys);
    dec_key(g, gr, keys);
    rec_clear(r);
    for (uint32_t k = 0; k < g->nby; k++) rec_set(r, g->by[k], keys[k]);
    for (uint32_t k = 0; k < g->naggs; k++) rec_set(r, g->aggs[k].as, final(&g->aggs[k], state(g, gr, k), a));
    if (keys != one) free(keys);
}

/* Append group gr's row to out (its strings copied into out's arena;
 * its slot arrays too, sized to the row's fields). */
static void emit_row(gtab_t *g, group_t *gr, table_t *out) {
    record_t *r = table_new_row(out);
    uint32_t top = 0;
    for (uint32_t k = 0; k < g->nby; k++)
        if (g->by[k] >= top) top = g->by[k] + 1;
    for (uint32_t k = 0; k < g->naggs; k++)
        if (g->aggs[k].as >= top) top = g->aggs[k].as + 1;
    rec_reserve(r, &out->arena, top, g->nby + g->naggs);
    fill_row(g, gr, r, &out->arena);
    rec_pin(r, &out->arena);
}

/* A group and its first record's position, sorted by the latter. */
typedef struct seq_pair {
    uint64_t seq;
    group_t *gr;
} seq_pair_t;

/* Radix digits of the order's sort: 11 bits, so 3 passes cover the 30-odd
 * bits in which the seqs of a file of a few GB differ (8-bit digits took 4). */
#define GT_RBITS 11
#define GT_RBUCKETS ((size_t)1 << GT_RBITS)
/* Groups from which the order is sorted by several threads. */
#define GT_PARSORT ((size_t)1 << 18)

/* One thread's part of a pass of sort_groups: its slice of the pairs. */
typedef struct rsort_job {
    const gtab_t *g;
    seq_pair_t *a, *b;     /* the pairs, and where the pass puts them */
    size_t lo, hi;         /* this thread's slice */
    unsigned sh;           /* the digit's shift */
    int phase;             /* RS_PAIRS, RS_COUNT or RS_SCATTER */
    uint64_t any, all;     /* RS_PAIRS: the bits some seq / every seq of the slice has */
    size_t cnt[GT_RBUCKETS]; /* RS_COUNT: the slice's digits; RS_SCATTER: where each goes next */
} rsort_job_t;

enum { RS_PAIRS, RS_COUNT, RS_SCATTER };

static void *rsort_run(void *ud) {
    rsort_job_t *j = ud;
    seq_pair_t *a = j->a;
    const size_t mask = GT_RBUCKETS - 1;
    if (j->phase == RS_PAIRS) {
        uint64_t any = 0, all = ~(uint64_t)0;
        for (size_t i = j->lo; i < j->hi; i++) {
            group_t *gr = j->g->grp[i];
            a[i] = (seq_pair_t){gr->seq, gr};
            any |= gr->seq;
            all &= gr->seq;
        }
        j->any = any;
        j->all = all;
    } else if (j->phase == RS_COUNT) {
        memset(j->cnt, 0, sizeof j->cnt);
        for (size_t i = j->lo; i < j->hi; i++) j->cnt[(a[i].seq >> j->sh) & mask]++;
    } else {
        seq_pair_t *b = j->b;
        for (size_t i = j->lo; i < j->hi; i++) b[j->cnt[(a[i].seq >> j->sh) & mask]++] = a[i];
    }
    return NULL;
}

/* Run phase ph of the nj jobs (run_jobs). */
static void rsort_phase(rsort_job_t *J, unsigned nj, int ph) {
    for (unsigned t = 0; t < nj; t++) J[t].phase = ph;
    run_jobs(rsort_run, J, sizeof *J, nj);
}

/* Put the groups in the order of their first record. They nearly always
 * are, and then nothing is read (g->unsorted stays false): a lane creates
 * its groups in input order, and gtab_merge_all merges the lanes' lists
 * in that order. Else (a caller's records out of order, a group whose
 * first record came late) an LSD
 * radix sort of (seq, group) pairs, 11 bits a pass, skipping the bits
 * every seq shares: no comparison reads a group (a qsort of the group
 * pointers missed the cache at each one). Stable, though seqs are
 * distinct. With g->nth threads (millions of groups), each counts and
 * places its own slice of the pairs, at offsets that keep the order
 * stable. The index is freed, and rebuilt only if used again (stale). */
static void sort_groups(gtab_t *g) {
    settle(g);
    if (!g->unsorted) return;
    g->unsorted = false;
    size_t n = g->n, i = 1;
    while (i < n && g->grp[i - 1]->seq <= g->grp[i]->seq) i++;
    if (i >= n) {
        g->last_seq = n ? g->grp[n - 1]->seq : 0;
        return;
    }
    hm_free(&g->ix); /* (its ids are about to change: its memory serves the sort) */
    g->stale = true;
    unsigned nj = n >= GT_PARSORT ? g->nth : 1;
    if (nj < 1) nj = 1;
    if (nj > GT_MAXTH) nj = GT_MAXTH;
    rsort_job_t *J = xcalloc(nj, sizeof *J);
    seq_pair_t *a = xmalloc(n * sizeof *a), *b = xmalloc(n * sizeof *b);
    for (unsigned t = 0; t < nj; t++) J[t] = (rsort_job_t){.g = g, .a = a, .b = b, .lo = n * t / nj, .hi = n * (t + 1) / nj};
    rsort_phase(J, nj, RS_PAIRS);
    uint64_t any = 0, all = ~(uint64_t)0;
    for (unsigned t = 0; t < nj; t++) any |= J[t].any, all &= J[t].all;
    for (unsigned sh = 0; sh < 64; sh += GT_RBITS) {
        if (!(((any ^ all) >> sh) & (GT_RBUCKETS - 1))) continue; /* every seq has these bits */
        for (unsigned t = 0; t < nj; t++) J[t].a = a, J[t].b = b, J[t].sh = sh;
        rsort_phase(J, nj, RS_COUNT);
        /* A digit's places: after every smaller digit, and after the
         * same digit in earlier slices. */
        for (size_t d = 0, sum = 0; d < GT_RBUCKETS; d++)
            for (unsigned t = 0; t < nj; t++) {
                size_t c = J[t].cnt[d];
                J[t].cnt[d] = sum;
                sum += c;
            }
        rsort_phase(J, nj, RS_SCATTER);
        seq_pair_t *tmp = a;
        a = b;
        b = tmp;
    }
    for (i = 0; i < n; i++) g->grp[i] = a[i].gr;
    g->last_seq = a[n - 1].seq;
    free(a);
    free(b);
    free(J);
}

/* See agg.h. */
void gtab_set_threads(gtab_t *g, unsigned n) { g->nth = n ? n : 1; }

/* See agg.h. */
void gtab_emit(gtab_t *g, table_t *out) {
    emit_begin(g, out);
    sort_groups(g);
    for (size_t i = 0; i < g->n; i++) emit_row(g, g->grp[i], out);
}

/* See agg.h. */
void gtab_order(gtab_t *g) { sort_groups(g); }

/* See agg.h. */
int gtab_each(gtab_t *g, int (*fn)(void *ud, record_t *r), void *ud) {
    sort_groups(g);
    return gtab_each_range(g, 0, g->n, fn, ud);
}

/* fn(ud, row) for the groups at from..to-1 of the first-record order,
 * or, with idx, at the places idx[from..to) of that order. */
static int each(gtab_t *g, const size_t *idx, size_t from, size_t to, int (*fn)(void *ud, record_t *r), void *ud) {
    arena_t a = {0};
    record_t r;
    rec_init(&r, &a);
    int rc = 0;
    for (size_t i = from; i < to && !rc; i++) {
        size_t at = idx ? idx[i] : i;
        if (at >= g->n) break;
        arena_reset(&a);
        fill_row(g, g->grp[at], &r, &a);
        rc = fn(ud, &r);
    }
    rec_free(&r);
    arena_free(&a);
    return rc;
}

/* See agg.h. */
int gtab_each_range(gtab_t *g, size_t from, size_t to, int (*fn)(void *ud, record_t *r), void *ud) {
    return each(g, NULL, from, to, fn, ud);
}

/* See agg.h. */
int gtab_each_of(gtab_t *g, const size_t *idx, size_t n, int (*fn)(void *ud, record_t *r), void *ud) {
    return each(g, idx, 0, n, fn, ud);
}

/* See agg.h. */
void gtab_emit_of(gtab_t *g, const size_t *idx, size_t n, table_t *out) {
    emit_begin(g, out);
    for (size_t i = 0; i < n; i++)
        if (idx[i] < g->n) emit_row(g, g->grp[idx[i]], out);
}

/* See agg.h. */
void gtab_emit_group(gtab_t *g, gtab_group_t *gr, table_t *out) {
    emit_begin(g, out);
    emit_row(g, gr, out);
}
