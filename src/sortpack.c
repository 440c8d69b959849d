/* sortpack.c — the rows a full sort over messages holds, packed (see
 * sortpack.h).
 *
 * A row's bytes: its sort keys (val_pack each, in key order), then the
 * record (rec_pack). They are written one after another into blocks that
 * grow to SP_BLOCK bytes (a large row gets a block of its own), so a row
 * costs its packed size and nothing else. Its entry
 * (sp_ent_t) is what the sorts move: 32 bytes, in one growing array.
 *
 * The first key's image is rowsort_image's, but for a text: its first 7
 * bytes and then its length (8 for any longer), so that texts of up to 7
 * bytes are in order by the image alone ("ab" before "ab\0").
 *
 * The sort: an LSD radix sort of the entries by seq first when the rows
 * did not come in input order (a lane's rows normally do), then by the
 * image, a byte a pass (passes where every entry has the same byte are
 * skipped); runs of equal images that the image cannot settle (texts
 * longer than 7 bytes, the empty text and null under a descending key,
 * further keys) are put in order by a merge sort that reads the keys from
 * the rows. Every step is stable. The merge of the lanes compares the
 * same way, then by seq.
 */
#include "sortpack.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "rowsort.h"

#define SP_FIRST ((size_t)64 << 10) /* bytes of rows the first block holds; blocks double ... */
#define SP_BLOCK ((size_t)8 << 20)  /* ... up to this */

/* A block of rows; the rows follow the header. */
typedef struct sp_blk {
    struct sp_blk *next;   /* the block before */
} sp_blk_t;

/* One row of a pack: 24 bytes. */
typedef struct sp_ent {
    uint64_t img;     /* the first key's image (key_image) */
    uint64_t seq;     /* the record's input position */
    const char *row;  /* the row's bytes (in one of the pack's blocks) */
} sp_ent_t;

/* The low byte of a text's image when the text is longer than 7 bytes. */
#define SP_LONG 8

/* See sortpack.h. */
struct sortpack {
    const sortkey_t *keys; /* borrowed from the query */
    uint32_t nkeys;
    bool text0;            /* the first key holds text (set by sortpack_compact) */
    bool unordered;        /* a row came with a lower seq than the one before */
    sp_blk_t *blks;        /* the rows' bytes: the newest block first (owned) */
    size_t blk;            /* the size of the newest block */
    char *at;              /* where the next row goes in the current block */
    size_t left;           /* bytes left there */
    sp_ent_t *e;           /* the entries, in the order the rows came, then sorted (owned) */
    size_t n, cap;
    unsigned *kinds;       /* per key: the types its values took (rowsort_kind bits; owned) */
    gtab_budget_t *budget; /* shared memory budget (borrowed; NULL: none) */
    size_t charged;        /* bytes charged to it: blocks and the entry array */
    bool over;             /* the budget was exceeded: no more rows are taken */
    uint8_t *seen;         /* by field id: 1 when some row carried it (owned) */
    uint32_t nseen;        /* entries of seen */
};

/* See sortpack.h. */
sortpack_t *sortpack_new(const sortkey_t *keys, uint32_t nkeys) {
    sortpack_t *p = xcalloc(1, sizeof *p);
    p->keys = keys;
    p->nkeys = nkeys;
    p->kinds = xcalloc(nkeys ? nkeys : 1, sizeof *p->kinds);
    return p;
}

/* Free every block of rows. */
static void free_blocks(sortpack_t *p) {
    while (p->blks) {
        sp_blk_t *b = p->blks;
        p->blks = b->next;
        free(b);
    }
    p->at = NULL;
    p->left = 0;
}

/* See sortpack.h. */
void sortpack_free(sortpack_t *p) {
    if (!p) return;
    free_blocks(p);
    free(p->e);
    free(p->kinds);
    free(p->seen);
    free(p);
}

/* See sortpack.h. */
size_t sortpack_count(const sortpack_t *p) { return p->n; }

/* See sortpack.h. */
void sortpack_set_budget(sortpack_t *p, gtab_budget_t *b) { p->budget = b; }

/* See sortpack.h. */
bool sortpack_over(const sortpack_t *p) { return p->over; }

/* Charge n more bytes to p's budget; p->over once the budget's total
 * (every lane's pack and table) passes its limit. */
static void charge(sortpack_t *p, size_t n) {
    p->charged += n;
    if (!p->budget) return;
    size_t total = atomic_fetch_add(&p->budget->used, n) + n;
    if (p->budget->max && total > p->budget->max) p->over = true;
}

/* A new block of n bytes (its header included) at the head of p's list;
 * returns where its rows go. (Huge pages for the blocks were tried: the
 * random reads of the output took less user time, and the faults that
 * zero 2 MiB pages as much more system time.) */
static char *new_block(sortpack_t *p, size_t n) {
    charge(p, n);
    sp_blk_t *b = xmalloc(n);
    b->next = p->blks;
    p->blks = b;
    return (char *)(b + 1);
}

/* n bytes for a row. */
static char *row_room(sortpack_t *p, size_t n) {
    if (n > SP_BLOCK / 8) return new_block(p, sizeof(sp_blk_t) + n); /* (before the current block: the list's order is no matter) */
    if (n > p->left) {
        p->blk = p->blk ? (p->blk < SP_BLOCK ? p->blk * 2 : SP_BLOCK) : SP_FIRST;
        p->at = new_block(p, p->blk);
        p->left = p->blk - sizeof(sp_blk_t);
    }
    char *m = p->at;
    p->at += n;
    p->left -= n;
    return m;
}

/* Note the fields r carries. */
static void note_fields(sortpack_t *p, const record_t *r) {
    for (uint32_t i = 0; i < r->norder; i++) {
        uint32_t id = r->order[i];
        if (id >= p->nseen) {
            uint32_t n = p->nseen ? p->nseen : 64;
            while (n <= id) n *= 2;
            p->seen = xrealloc(p->seen, n);
            memset(p->seen + p->nseen, 0, n - p->nseen);
            p->nseen = n;
        }
        p->seen[id] = 1;
    }
}

/* The image of v under the first key (see the top of the file). */
static uint64_t key_image(value_t v, bool desc) {
    uint32_t len;
    if (v.t != V_STR) return rowsort_image(v, desc, &len);
    uint64_t u = 0;
    for (uint32_t b = 0; b < 7; b++) u = u << 8 | (b < v.n ? (unsigned char)v.s[b] : 0);
    u = u << 8 | (v.n > 7 ? SP_LONG : v.n);
    return desc ? ~u : u;
}

/* See sortpack.h. */
bool sortpack_add(sortpack_t *p, const record_t *r) {
    if (p->over) return false;
    size_t n = rec_pack_size(r);
    for (uint32_t k = 0; k < p->nkeys; k++) {
        value_t v = rec_get(r, p->keys[k].field);
        p->kinds[k] |= rowsort_kind(v);
        n += val_pack_size(v);
    }
    char *m = row_room(p, n), *w = m;
    for (uint32_t k = 0; k < p->nkeys; k++) w = val_pack(w, rec_get(r, p->keys[k].field));
    rec_pack(w, r);
    if (p->n == p->cap) {
        charge(p, (p->cap ? p->cap : 1024) * sizeof *p->e);
        p->cap = p->cap ? p->cap * 2 : 1024;
        p->e = xrealloc(p->e, p->cap * sizeof *p->e);
    }
    sp_ent_t *e = &p->e[p->n];
    if (p->n && r->seq < e[-1].seq) p->unordered = true;
    p->n++;
    e->seq = r->seq;
    e->row = m;
    e->img = p->nkeys ? key_image(rec_get(r, p->keys[0].field), p->keys[0].desc) : 0;
    note_fields(p, r);
    return !p->over;
}

/* See sortpack.h. */
bool sortpack_compact(sortpack_t *const *ps, unsigned n) {
    if (!n) return true;
    uint32_t nk = ps[0]->nkeys;
    for (uint32_t k = 0; k < nk; k++) {
        unsigned seen = 0;
        for (unsigned i = 0; i < n; i++) seen |= ps[i]->kinds[k];
        if (!rowsort_kinds_compact(seen)) return false;
        for (unsigned i = 0; i < n && k == 0; i++) ps[i]->text0 = seen == ROWSORT_STR;
    }
    return true;
}

/* ---- comparing rows ---------------------------------------------------- */

/* Does an image of the first key leave its value open: a text longer
 * than 7 bytes, or (UINT64_MAX) null or, descending, the empty text? */
static bool img_open(const sortpack_t *p, uint64_t img) {
    if (!p->text0) return false;
    if (img == UINT64_MAX) return true;
    return ((p->keys[0].desc ? ~img : img) & 255) == SP_LONG;
}

/* Order of two entries whose images are equal, on the keys alone. */
static int ent_tie(const sortpack_t *p, const sp_ent_t *a, const sp_ent_t *b) {
    uint32_t from = img_open(p, a->img) ? 0 : 1;
    if (from >= p->nkeys) return 0;
    const char *x = a->row, *y = b->row;
    for (uint32_t k = 0; k < p->nkeys; k++) {
        value_t u, v;
        x = val_unpack(x, &u);
        y = val_unpack(y, &v);
        if (k < from) continue;
        int c = rowsort_val_cmp(u, v, p->keys[k].desc);
        if (c) return c;
    }
    return 0;
}

/* Order of two entries on the keys alone. */
static int ent_cmp(const sortpack_t *p, const sp_ent_t *a, const sp_ent_t *b) {
    if (a->img != b->img) return a->img < b->img ? -1 : 1;
    return ent_tie(p, a, b);
}

/* ---- sorting a lane ---------------------------------------------------- */

/* Stable merge sort of e[0..n) by ent_tie (their images are equal). */
static void msort_run(const sortpack_t *p, sp_ent_t *e, sp_ent_t *tmp, size_t n) {
    if (n < 12) {
        for (size_t i = 1; i < n; i++) {
            sp_ent_t x = e[i];
            size_t j = i;
            for (; j > 0 && ent_tie(p, &x, &e[j - 1]) < 0; j--) e[j] = e[j - 1];
            e[j] = x;
        }
        return;
    }
    size_t h = n / 2;
    msort_run(p, e, tmp, h);
    msort_run(p, e + h, tmp, n - h);
    if (ent_tie(p, &e[h - 1], &e[h]) <= 0) return;
    size_t i = 0, j = h, k = 0;
    while (i < h && j < n) tmp[k++] = ent_tie(p, &e[j], &e[i]) < 0 ? e[j++] : e[i++];
    while (i < h) tmp[k++] = e[i++];
    while (j < n) tmp[k++] = e[j++];
    memcpy(e, tmp, n * sizeof *e);
}

/* The radix key of an entry: its seq or its image. */
static inline uint64_t rkey(const sp_ent_t *e, bool by_seq) { return by_seq ? e->seq : e->img; }

/* Stable LSD radix sort of e[0..n) by seq or image, a byte a pass;
 * passes where every entry has the same byte are skipped. */
static void radix(sp_ent_t *e, sp_ent_t *tmp, size_t n, bool by_seq) {
    size_t (*cnt)[256] = xcalloc(8, sizeof *cnt);
    for (size_t i = 0; i < n; i++) {
        uint64_t u = rkey(&e[i], by_seq);
        for (unsigned b = 0; b < 8; b++) cnt[b][(u >> (8 * b)) & 255]++;
    }
    sp_ent_t *src = e, *dst = tmp;
    for (unsigned b = 0; b < 8; b++) {
        if (cnt[b][(rkey(&src[0], by_seq) >> (8 * b)) & 255] == n) continue;
        size_t pos = 0;
        for (unsigned v = 0; v < 256; v++) {
            size_t m = cnt[b][v];
            cnt[b][v] = pos;
            pos += m;
        }
        for (size_t i = 0; i < n; i++) dst[cnt[b][(rkey(&src[i], by_seq) >> (8 * b)) & 255]++] = src[i];
        sp_ent_t *s = src;
        src = dst;
        dst = s;
    }
    if (src != e) memcpy(e, src, n * sizeof *e);
    free(cnt);
}


/* See sortpack.h. */
void sortpack_sort(sortpack_t *p) {
    if (p->n < 2) return;
    sp_ent_t *tmp = xmalloc(p->n * sizeof *tmp);
    if (p->unordered) radix(p->e, tmp, p->n, true); /* input order first: ties keep it */
    radix(p->e, tmp, p->n, false);
    if (p->nkeys > 1 || p->text0)
        for (size_t i = 0, j; i < p->n; i = j) {
            for (j = i + 1; j < p->n && p->e[j].img == p->e[i].img; j++) {}
            if (j - i > 1 && (p->nkeys > 1 || img_open(p, p->e[i].img))) msort_run(p, p->e + i, tmp, j - i);
        }
    free(tmp);
    p->unordered = false;
}

/* See sortpack.h. */
const char **sortpack_merge(sortpack_t *const *ps, unsigned n, size_t *count) {
    size_t total = 0;
    for (unsigned i = 0; i < n; i++) total += ps[i]->n;
    const char **out = xmalloc((total ? total : 1) * sizeof *out);
    size_t *at = xcalloc(n ? n : 1, sizeof *at);
    for (size_t o = 0; o < total; o++) {
        unsigned best = n;
        for (unsigned i = 0; i < n; i++) {
            if (at[i] == ps[i]->n) continue;
            if (best == n) {
                best = i;
                continue;
            }
            const sp_ent_t *a = &ps[i]->e[at[i]], *b = &ps[best]->e[at[best]];
            int c = ent_cmp(ps[i], a, b);
            if (c < 0 || (c == 0 && a->seq < b->seq)) best = i;
        }
        out[o] = ps[best]->e[at[best]++].row;
    }
    free(at);
    for (unsigned i = 0; i < n; i++) {
        free(ps[i]->e);
        ps[i]->e = NULL;
        ps[i]->n = ps[i]->cap = 0;
    }
    *count = total;
    return out;
}

/* ---- reading rows ------------------------------------------------------ */

/* See sortpack.h. */
void sortpack_row(const sortpack_t *p, const char *ref, record_t *r) {
    value_t v;
    for (uint32_t k = 0; k < p->nkeys; k++) ref = val_unpack(ref, &v);
    rec_unpack(ref, r);
}

/* See sortpack.h. */
const uint8_t *sortpack_fields(const sortpack_t *p, uint32_t *n) {
    *n = p->nseen;
    return p->seen;
}

/* See sortpack.h. */
void sortpack_to_table(sortpack_t *p, table_t *t) {
    record_t r;
    arena_t unused = {0};
    rec_init(&r, &unused);
    for (size_t i = 0; i < p->n; i++) {
        sortpack_row(p, p->e[i].row, &r);
        r.seq = p->e[i].seq;
        table_add(t, &r);
    }
    rec_free(&r);
    arena_free(&unused);
    free(p->e);
    p->e = NULL;
    p->n = p->cap = 0;
    free_blocks(p);
}
