/* rowsort.c — ordering result rows by sort keys (see rowsort.h).
 *
 * A sort works on compact entries, one per row: a 64-bit image of the
 * first key whose unsigned order is the key's order (a number's bits made
 * comparable, a text's first 8 bytes big-endian, a boolean 1 or 2; all
 * inverted for a descending key; a null above every value), the row's
 * index and the text's length. An LSD radix sort orders the entries by
 * image, stably; entries whose images tie are put in order by the rest of
 * the comparison (the whole text, the other keys, then the row index) with
 * a merge sort of that run. The first k rows come from a max-heap of k
 * entries instead, filled row by row. The rows themselves move once, at
 * the end.
 *
 * Only keys whose values are of one type (nulls aside) are sorted that
 * way. A key that mixes numbers and text is compared by val_cmp, which is
 * no total order there ("10" as text sorts before "9", 9 before the number
 * 10, and 10 as text before "9"): those tables keep the old merge sort of
 * row indexes, whose result then depends on the merge order.
 *
 * The streaming heap (rowheap) holds its k rows in a table whose arena is
 * copied afresh (compacted) when replaced rows have left twice as many dead
 * bytes as live ones.
 */
#include "rowsort.h"

#include <stdlib.h>
#include <string.h>

/* See rowsort.h. */
int rowsort_val_cmp(value_t u, value_t v, bool desc) {
    if (u.t == V_NULL || v.t == V_NULL) {
        if (u.t == v.t) return 0;
        return u.t == V_NULL ? 1 : -1;
    }
    int c = val_cmp(u, v);
    return desc ? -c : c;
}

/* See rowsort.h. */
int rowsort_cmp(const record_t *a, const record_t *b, const sortkey_t *keys, uint32_t nkeys) {
    for (uint32_t k = 0; k < nkeys; k++) {
        int c = rowsort_val_cmp(rec_get(a, keys[k].field), rec_get(b, keys[k].field), keys[k].desc);
        if (c) return c;
    }
    return 0;
}

/* See rowsort.h. */
int64_t rowsort_limit(const query_t *q, uint32_t i) {
    for (uint32_t j = i + 1; j < q->nst; j++) {
        if (q->st[j].kind == ST_LIMIT) return q->st[j].n;
        if (q->st[j].kind != ST_FIELDS) break;
    }
    return -1;
}

/* Does `fields` stage f keep every key of sort stage s? (Built-in
 * metadata is always kept.) */
static bool fields_keep_keys(const stage_t *f, const stage_t *s) {
    for (uint32_t k = 0; k < s->nkeys; k++) {
        uint32_t id = s->keys[k].field;
        bool listed = false;
        for (uint32_t j = 0; j < f->nflds && !listed; j++) listed = f->flds[j] == id;
        if (f->remove ? listed : !listed && id >= F_NBUILTIN) return false;
    }
    return true;
}

/* See rowsort.h. */
void rowsort_plan(query_t *q) {
    for (bool moved = true; moved;) {
        moved = false;
        for (uint32_t i = 0; i + 1 < q->nst; i++) {
            if (q->st[i].kind != ST_SORT || q->st[i + 1].kind != ST_FIELDS) continue;
            if (!fields_keep_keys(&q->st[i + 1], &q->st[i])) continue;
            stage_t s = q->st[i];
            q->st[i] = q->st[i + 1];
            q->st[i + 1] = s;
            moved = true;
        }
    }
}

/* See rowsort.h. */
bool rowsort_raw_unused(const query_t *q, uint32_t i) {
    for (uint32_t j = i; j < q->nst; j++) {
        const stage_t *s = &q->st[j];
        if (s->kind == ST_SORT) {
            for (uint32_t k = 0; k < s->nkeys; k++)
                if (s->keys[k].field == F_RAW) return false;
        } else if (s->kind != ST_FIELDS && s->kind != ST_LIMIT) {
            return false;
        }
    }
    /* The columns: the last `fields` list (as exec_run decides them). */
    for (uint32_t j = q->nst; j-- > 0;) {
        const stage_t *s = &q->st[j];
        if (stage_info[s->kind].flags & SF_GROUP) return false;
        if (s->kind != ST_FIELDS || s->remove) continue;
        for (uint32_t k = 0; k < s->nflds; k++)
            if (s->flds[k] == F_RAW) return false;
        return true;
    }
    return false;
}

/* ---- the generic path: row indexes, rows compared ---------------------- */

/* Stable merge sort of row indexes by the keys. */
static void msort_rows(const table_t *t, const sortkey_t *keys, uint32_t nkeys, size_t *idx, size_t *tmp, size_t n) {
    if (n < 2) return;
    size_t h = n / 2;
    msort_rows(t, keys, nkeys, idx, tmp, h);
    msort_rows(t, keys, nkeys, idx + h, tmp, n - h);
    size_t i = 0, j = h, k = 0;
    while (i < h && j < n)
        tmp[k++] = rowsort_cmp(&t->rows[idx[j]], &t->rows[idx[i]], keys, nkeys) < 0 ? idx[j++] : idx[i++];
    while (i < h) tmp[k++] = idx[i++];
    while (j < n) tmp[k++] = idx[j++];
    memcpy(idx, tmp, n * sizeof *idx);
}

/* Put t's rows in the order of idx[0..m) (row indexes); rows not named
 * are freed. A full permutation (m = t->n) moves the rows in place, cycle
 * by cycle, and leaves idx scrambled. */
static void apply_order(table_t *t, size_t *idx, size_t m) {
    if (m == t->n) {
        for (size_t i = 0; i < m; i++) {
            if (idx[i] == i || idx[i] == SIZE_MAX) continue;
            record_t first = t->rows[i];
            size_t j = i;
            while (idx[j] != i) {
                size_t from = idx[j];
                t->rows[j] = t->rows[from];
                idx[j] = SIZE_MAX;
                j = from;
            }
            t->rows[j] = first;
            idx[j] = SIZE_MAX;
        }
        return;
    }
    record_t *rows = xmalloc((t->cap ? t->cap : 1) * sizeof *rows);
    unsigned char *kept = xcalloc(t->n, 1);
    for (size_t i = 0; i < m; i++) {
        rows[i] = t->rows[idx[i]];
        kept[idx[i]] = 1;
    }
    for (size_t i = 0; i < t->n; i++)
        if (!kept[i]) rec_free(&t->rows[i]);
    free(kept);
    free(t->rows);
    t->rows = rows;
    t->n = m;
}

/* The generic full sort into idx[0..t->n). */
static void order_generic(const table_t *t, const sortkey_t *keys, uint32_t nkeys, size_t *idx) {
    size_t *tmp = xmalloc((t->n ? t->n : 1) * sizeof *tmp);
    for (size_t i = 0; i < t->n; i++) idx[i] = i;
    msort_rows(t, keys, nkeys, idx, tmp, t->n);
    free(tmp);
}

/* The generic full sort, cut to k rows. */
static void sort_generic(table_t *t, const sortkey_t *keys, uint32_t nkeys, size_t k) {
    size_t *idx = xmalloc((t->n ? t->n : 1) * sizeof *idx);
    order_generic(t, keys, nkeys, idx);
    apply_order(t, idx, k < t->n ? k : t->n);
    free(idx);
}

/* ---- compact entries ---------------------------------------------------- */

/* See rowsort.h. */
unsigned rowsort_kind(value_t v) {
    if (v.t == V_NUM) return v.d != v.d ? ROWSORT_NAN : ROWSORT_NUM;
    if (v.t == V_STR) return ROWSORT_STR;
    if (v.t == V_BOOL) return ROWSORT_BOOL;
    return 0;
}

/* See rowsort.h. */
bool rowsort_kinds_compact(unsigned seen) { return !(seen & ROWSORT_NAN) && !(seen & (seen - 1)); }

/* One row in a sort. */
typedef struct ent {
    uint64_t img; /* the first key's image */
    uint32_t row; /* the row's index in the table */
    uint32_t len; /* text first key: its length, 9 for longer; else ROWSORT_NULL_LEN */
} ent_t;

/* What entries are compared with. */
typedef struct ctx {
    const table_t *t;
    const sortkey_t *keys;
    uint32_t nkeys;
    bool text0; /* the first key holds text: equal images may hide different texts */
} ctx_t;

/* Can every key be sorted through entries (one type each, no NaN)? Sets
 * text0. */
static bool keys_compact(const table_t *t, const sortkey_t *keys, uint32_t nkeys, bool *text0) {
    if (t->n > UINT32_MAX) return false;
    for (uint32_t k = 0; k < nkeys; k++) {
        unsigned seen = 0;
        for (size_t i = 0; i < t->n; i++) seen |= rowsort_kind(rec_get(&t->rows[i], keys[k].field));
        if (!rowsort_kinds_compact(seen)) return false; /* NaN, or two types */
        if (k == 0) *text0 = seen == ROWSORT_STR;
    }
    return true;
}

/* See rowsort.h. */
uint64_t rowsort_image(value_t v, bool desc, uint32_t *len) {
    *len = ROWSORT_NULL_LEN;
    if (v.t == V_NULL) return UINT64_MAX;
    uint64_t u = 0;
    if (v.t == V_NUM) {
        double d = v.d == 0 ? 0 : v.d; /* -0 equals 0 */
        memcpy(&u, &d, sizeof u);
        u = u >> 63 ? ~u : u | (UINT64_C(1) << 63);
    } else if (v.t == V_BOOL) {
        u = (uint64_t)v.b + 1; /* inverted, never the null image */
    } else {
        for (uint32_t b = 0; b < 8; b++) u = u << 8 | (b < v.n ? (unsigned char)v.s[b] : 0);
        *len = v.n > 8 ? 9 : v.n;
    }
    return desc ? ~u : u;
}

/* The entry of row i. */
static ent_t make_ent(const ctx_t *c, size_t i) {
    ent_t e = {.row = (uint32_t)i};
    e.img = rowsort_image(rec_get(&c->t->rows[i], c->keys[0].field), c->keys[0].desc, &e.len);
    return e;
}

/* Order of two entries whose images are equal, on the keys alone. */
static int ent_tie(const ctx_t *c, const ent_t *a, const ent_t *b) {
    uint32_t from = 1;
    if (c->text0) {
        if (a->len > 8 || b->len > 8) from = 0; /* long texts or a null: compare the rows */
        else if (a->len != b->len) { /* "ab" before "ab\0" */
            int r = a->len < b->len ? -1 : 1;
            return c->keys[0].desc ? -r : r;
        }
    }
    if (from >= c->nkeys) return 0;
    return rowsort_cmp(&c->t->rows[a->row], &c->t->rows[b->row], c->keys + from, c->nkeys - from);
}

/* The full order of entries: image, the rest of the keys, row index. */
static int ent_cmp(const ctx_t *c, const ent_t *a, const ent_t *b) {
    if (a->img != b->img) return a->img < b->img ? -1 : 1;
    int r = ent_tie(c, a, b);
    if (r) return r;
    return (a->row > b->row) - (a->row < b->row);
}

/* Merge sort of entries by ent_cmp (insertion sort for short runs). */
static void msort_ents(const ctx_t *c, ent_t *e, ent_t *tmp, size_t n) {
    if (n < 12) {
        for (size_t i = 1; i < n; i++) {
            ent_t x = e[i];
            size_t j = i;
            for (; j > 0 && ent_cmp(c, &x, &e[j - 1]) < 0; j--) e[j] = e[j - 1];
            e[j] = x;
        }
        return;
    }
    size_t h = n / 2;
    msort_ents(c, e, tmp, h);
    msort_ents(c, e + h, tmp, n - h);
    if (ent_cmp(c, &e[h - 1], &e[h]) <= 0) return;
    size_t i = 0, j = h, k = 0;
    while (i < h && j < n) tmp[k++] = ent_cmp(c, &e[j], &e[i]) < 0 ? e[j++] : e[i++];
    while (i < h) tmp[k++] = e[i++];
    while (j < n) tmp[k++] = e[j++];
    memcpy(e, tmp, n * sizeof *e);
}

/* Stable LSD radix sort of entries by image, a byte a pass; passes where
 * every entry has the same byte are skipped. */
static void radix_ents(ent_t *e, ent_t *tmp, size_t n) {
    size_t (*cnt)[256] = xcalloc(8, sizeof *cnt);
    for (size_t i = 0; i < n; i++)
        for (unsigned b = 0; b < 8; b++) cnt[b][(e[i].img >> (8 * b)) & 255]++;
    ent_t *src = e, *dst = tmp;
    for (unsigned b = 0; b < 8; b++) {
        if (cnt[b][(src[0].img >> (8 * b)) & 255] == n) continue;
        size_t pos = 0;
        for (unsigned v = 0; v < 256; v++) {
            size_t m = cnt[b][v];
            cnt[b][v] = pos;
            pos += m;
        }
        for (size_t i = 0; i < n; i++) dst[cnt[b][(src[i].img >> (8 * b)) & 255]++] = src[i];
        ent_t *s = src;
        src = dst;
        dst = s;
    }
    if (src != e) memcpy(e, src, n * sizeof *e);
    free(cnt);
}

/* Put t's rows in the order of the entries e[0..m); the rest are freed. */
static void apply_ents(table_t *t, const ent_t *e, size_t m) {
    size_t *idx = xmalloc((m ? m : 1) * sizeof *idx);
    for (size_t i = 0; i < m; i++) idx[i] = e[i].row;
    apply_order(t, idx, m);
    free(idx);
}

/* See rowsort.h. */
size_t *rowsort_order(const table_t *t, const sortkey_t *keys, uint32_t nkeys) {
    size_t *idx = xmalloc((t->n ? t->n : 1) * sizeof *idx);
    ctx_t c = {t, keys, nkeys, false};
    if (t->n < 2 || !keys_compact(t, keys, nkeys, &c.text0)) {
        order_generic(t, keys, nkeys, idx);
        return idx;
    }
    ent_t *e = xmalloc(t->n * sizeof *e), *tmp = xmalloc(t->n * sizeof *tmp);
    for (size_t i = 0; i < t->n; i++) e[i] = make_ent(&c, i);
    radix_ents(e, tmp, t->n);
    if (c.text0 || nkeys > 1) /* runs of equal images: the rest of the keys */
        for (size_t i = 0, j; i < t->n; i = j) {
            for (j = i + 1; j < t->n && e[j].img == e[i].img; j++) {}
            if (j - i > 1) msort_ents(&c, e + i, tmp, j - i);
        }
    for (size_t i = 0; i < t->n; i++) idx[i] = e[i].row;
    free(e);
    free(tmp);
    return idx;
}

/* See rowsort.h. */
void rowsort_table(table_t *t, const sortkey_t *keys, uint32_t nkeys) {
    if (t->n < 2) return;
    size_t *idx = rowsort_order(t, keys, nkeys);
    apply_order(t, idx, t->n);
    free(idx);
}

/* Restore the max-heap property (the last entry of ent_cmp on top) below
 * slot i of h[0..n). */
static void ents_sift_down(const ctx_t *c, ent_t *h, size_t n, size_t i) {
    for (;;) {
        size_t l = 2 * i + 1, m = i;
        if (l < n && ent_cmp(c, &h[l], &h[m]) > 0) m = l;
        if (l + 1 < n && ent_cmp(c, &h[l + 1], &h[m]) > 0) m = l + 1;
        if (m == i) return;
        ent_t x = h[i];
        h[i] = h[m];
        h[m] = x;
        i = m;
    }
}

/* See rowsort.h. */
void rowsort_first(table_t *t, const sortkey_t *keys, uint32_t nkeys, size_t k) {
    if (k >= t->n) {
        rowsort_table(t, keys, nkeys);
        return;
    }
    ctx_t c = {t, keys, nkeys, false};
    if (!keys_compact(t, keys, nkeys, &c.text0)) {
        sort_generic(t, keys, nkeys, k);
        return;
    }
    ent_t *h = xmalloc((k ? k : 1) * sizeof *h), *tmp = xmalloc((k ? k : 1) * sizeof *tmp);
    for (size_t i = 0; i < k; i++) h[i] = make_ent(&c, i);
    for (size_t i = k / 2; i-- > 0;) ents_sift_down(&c, h, k, i);
    for (size_t i = k; i < t->n && k; i++) {
        ent_t e = make_ent(&c, i);
        if (ent_cmp(&c, &e, &h[0]) >= 0) continue;
        h[0] = e;
        ents_sift_down(&c, h, k, 0);
    }
    msort_ents(&c, h, tmp, k);
    apply_ents(t, h, k);
    free(h);
    free(tmp);
}

/* ---- the streaming heap ------------------------------------------------- */

struct rowheap {
    const sortkey_t *keys;  /* borrowed from the query */
    uint32_t nkeys;
    size_t k;               /* rows kept at most */
    bool by_seq;            /* equal rows: record seq before arrival */
    table_t t;              /* the kept rows, one slot each (t.n <= k) */
    uint64_t *arrival;      /* per slot: its row's number among the rows added (owned) */
    uint32_t *heap;         /* slots, a max-heap: the row that sorts last on top (owned) */
    size_t cap;             /* slots allocated in arrival and heap */
    uint64_t nadded;        /* rows offered so far */
    size_t live;            /* arena bytes right after the last compaction */
};

/* See rowsort.h. */
rowheap_t *rowheap_new(const sortkey_t *keys, uint32_t nkeys, size_t k, bool by_seq) {
    rowheap_t *h = xcalloc(1, sizeof *h);
    h->keys = keys;
    h->nkeys = nkeys;
    h->k = k;
    h->by_seq = by_seq;
    table_init(&h->t);
    return h;
}

/* Does slot a's row sort after slot b's? */
static bool slot_after(const rowheap_t *h, uint32_t a, uint32_t b) {
    const record_t *x = &h->t.rows[a], *y = &h->t.rows[b];
    int c = rowsort_cmp(x, y, h->keys, h->nkeys);
    if (c) return c > 0;
    if (h->by_seq && x->seq != y->seq) return x->seq > y->seq;
    return h->arrival[a] > h->arrival[b];
}

static void heap_sift_down(rowheap_t *h, size_t i) {
    size_t n = h->t.n;
    for (;;) {
        size_t l = 2 * i + 1, m = i;
        if (l < n && slot_after(h, h->heap[l], h->heap[m])) m = l;
        if (l + 1 < n && slot_after(h, h->heap[l + 1], h->heap[m])) m = l + 1;
        if (m == i) return;
        uint32_t s = h->heap[i];
        h->heap[i] = h->heap[m];
        h->heap[m] = s;
        i = m;
    }
}

static void heap_sift_up(rowheap_t *h, size_t i) {
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (!slot_after(h, h->heap[i], h->heap[p])) return;
        uint32_t s = h->heap[i];
        h->heap[i] = h->heap[p];
        h->heap[p] = s;
        i = p;
    }
}

/* Copy the kept rows' strings into a fresh arena once replaced rows have
 * left more dead bytes than twice the live ones (and 1 MiB). */
static void heap_compact(rowheap_t *h) {
    if (h->t.arena.total <= 2 * h->live + ((size_t)1 << 20)) return;
    arena_t fresh = {0};
    for (size_t i = 0; i < h->t.n; i++) rec_pin(&h->t.rows[i], &fresh);
    arena_free(&h->t.arena);
    h->t.arena = fresh; /* the rows point at h->t.arena, whose address is unchanged */
    h->live = fresh.total;
}

/* See rowsort.h. */
void rowheap_add(rowheap_t *h, const record_t *r) {
    uint64_t when = h->nadded++;
    if (h->k == 0) return;
    if (h->t.n < h->k) {
        if (h->t.n == h->cap) {
            h->cap = h->cap ? h->cap * 2 : 64;
            if (h->cap > h->k) h->cap = h->k;
            h->arrival = xrealloc(h->arrival, h->cap * sizeof *h->arrival);
            h->heap = xrealloc(h->heap, h->cap * sizeof *h->heap);
        }
        uint32_t slot = (uint32_t)h->t.n;
        table_set_row(&h->t, table_new_row(&h->t), r); /* heap slots: the arena is compacted */
        h->arrival[slot] = when;
        h->heap[slot] = slot;
        heap_sift_up(h, slot);
        return;
    }
    uint32_t top = h->heap[0];
    const record_t *w = &h->t.rows[top];
    int c = rowsort_cmp(r, w, h->keys, h->nkeys);
    /* r came last: on equal keys it ranks after w unless its seq is lower */
    if (c > 0 || (c == 0 && !(h->by_seq && r->seq < w->seq))) return;
    table_set_row(&h->t, &h->t.rows[top], r);
    h->arrival[top] = when;
    heap_sift_down(h, 0);
    heap_compact(h);
}

/* See rowsort.h. */
void rowheap_finish(rowheap_t *h, table_t *out) {
    size_t n = h->t.n;
    if (n) {
        ent_t *e = xmalloc(n * sizeof *e), *tmp = xmalloc(n * sizeof *tmp);
        for (size_t i = 0; i < n; i++) e[i] = (ent_t){.img = h->arrival[i], .row = (uint32_t)i};
        radix_ents(e, tmp, n);
        record_t *rows = xmalloc(n * sizeof *rows);
        for (size_t i = 0; i < n; i++) rows[i] = h->t.rows[e[i].row];
        free(h->t.rows);
        h->t.rows = rows;
        h->t.cap = n;
        free(e);
        free(tmp);
    }
    table_append_move(out, &h->t);
    h->live = 0;
}

/* See rowsort.h. */
void rowheap_free(rowheap_t *h) {
    if (!h) return;
    table_free(&h->t);
    free(h->arrival);
    free(h->heap);
    free(h);
}
