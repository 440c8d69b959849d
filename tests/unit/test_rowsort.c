/* test_rowsort.c — unit tests of rowsort.c: the compact full sort, the
 * first k rows and the streaming heap, each against a plain stable
 * insertion sort by rowsort_cmp, on rows with many ties, nulls, -0 and 0,
 * texts that share 8-byte prefixes or differ only by length or a NUL byte,
 * booleans, and a key that mixes numbers and text.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "rowsort.h"
#include "table.h"

/* Field ids of the test rows (any ids work: records index slots by id). */
enum { F_ID = 20, F_NUM, F_TEXT, F_BOOL, F_MIX };

static const char *const texts[] = {"", "a", "ab", "ab\0", "ab\0c", "abcdefgh", "abcdefgh", "abcdefghi",
                                    "abcdefghij", "abcdefgg~", "b", "\xff\xff\xff\xff\xff\xff\xff\xff\xff"};
static const size_t text_len[] = {0, 1, 2, 3, 5, 8, 8, 9, 10, 9, 1, 9};
#define NTEXTS (sizeof texts / sizeof *texts)

static uint64_t rnd_state = 42;
static uint64_t rnd(void) { return check_splitmix(&rnd_state); }

/* Row i: id, a number with ties (or null, -0, 0), a text (or null), a
 * boolean (or null), and a number or a text in one key. */
static void fill_row(record_t *r, size_t i) {
    rec_set(r, F_ID, val_num((double)i));
    uint64_t x = rnd();
    if (x % 9) rec_set(r, F_NUM, val_num(x % 5 == 0 ? -0.0 : (double)((int)(x >> 8) % 7) - 3.0));
    if ((x >> 16) % 11) {
        size_t t = (x >> 20) % NTEXTS;
        rec_set(r, F_TEXT, val_str(texts[t], text_len[t]));
    }
    if ((x >> 24) % 5) rec_set(r, F_BOOL, val_bool((x >> 28) & 1));
    if ((x >> 32) & 1) rec_set(r, F_MIX, val_num((double)((x >> 33) % 12)));
    else rec_set(r, F_MIX, val_strv(pstr("9x10", 1 + (x >> 33) % 3)));
    r->seq = rnd() % 50; /* for the heap's by_seq ranking */
}

/* The same n rows at every call. */
static void make_table(table_t *t, size_t n) {
    table_init(t);
    rnd_state = 42;
    for (size_t i = 0; i < n; i++) {
        record_t *r = table_new_row(t);
        fill_row(r, i);
    }
}

/* ids of t's rows, in table order. */
static void ids_of(const table_t *t, size_t *ids) {
    for (size_t i = 0; i < t->n; i++) ids[i] = (size_t)rec_get(&t->rows[i], F_ID).d;
}

/* The reference: a stable insertion sort of row indexes by rowsort_cmp,
 * after a stable sort by seq when by_seq. */
static void reference(const table_t *t, const sortkey_t *keys, uint32_t nkeys, bool by_seq, size_t *ids) {
    size_t n = t->n;
    for (size_t i = 0; i < n; i++) ids[i] = i;
    for (int pass = by_seq ? 0 : 1; pass < 2; pass++)
        for (size_t i = 1; i < n; i++) {
            size_t x = ids[i], j = i;
            for (; j > 0; j--) {
                const record_t *a = &t->rows[x], *b = &t->rows[ids[j - 1]];
                int c = pass == 0 ? (a->seq > b->seq) - (a->seq < b->seq) : rowsort_cmp(a, b, keys, nkeys);
                if (c >= 0) break;
                ids[j] = ids[j - 1];
            }
            ids[j] = x;
        }
}

static bool same_ids(const size_t *a, const size_t *b, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (a[i] != b[i]) {
            fprintf(stderr, "  rows differ at %zu: %zu, want %zu\n", i, a[i], b[i]);
            return false;
        }
    return true;
}

/* Key sets to sort by. */
static const sortkey_t key_sets[][3] = {
    {{F_NUM, false, {0}}},
    {{F_NUM, true, {0}}},
    {{F_TEXT, false, {0}}},
    {{F_TEXT, true, {0}}},
    {{F_BOOL, true, {0}}},
    {{F_TEXT, true, {0}}, {F_NUM, false, {0}}},
    {{F_NUM, false, {0}}, {F_BOOL, false, {0}}, {F_TEXT, true, {0}}},
    {{F_MIX, false, {0}}}, /* no total order: the generic merge sort */
};
static const uint32_t key_counts[] = {1, 1, 1, 1, 1, 2, 3, 1};

static void test_sorts(void) {
    const size_t n = 700;
    size_t *want = malloc(n * sizeof *want), *got = malloc(n * sizeof *got), *full = malloc(n * sizeof *full);
    table_t base; /* the rows in input (id) order */
    make_table(&base, n);
    for (size_t s = 0; s < sizeof key_counts / sizeof *key_counts; s++) {
        const sortkey_t *keys = key_sets[s];
        uint32_t nkeys = key_counts[s];
        bool total = s != 7; /* the mixed key: whatever the merge gives */
        table_t t;
        make_table(&t, n);
        rowsort_table(&t, keys, nkeys);
        CHECK(t.n == n);
        ids_of(&t, full);
        table_free(&t);
        reference(&base, keys, nkeys, false, want);
        if (total) CHECK(same_ids(full, want, n));
        if (total && !same_ids(full, want, n)) fprintf(stderr, "  key set %zu\n", s);
        const size_t ks[] = {0, 1, 7, 64, n - 1, n, n + 5};
        for (size_t j = 0; j < sizeof ks / sizeof *ks; j++) {
            size_t k = ks[j], m = k < n ? k : n;
            /* rowsort_first: the full sort's first k */
            make_table(&t, n);
            rowsort_first(&t, keys, nkeys, k);
            CHECK(t.n == m);
            ids_of(&t, got);
            CHECK(same_ids(got, full, m));
            table_free(&t);
            /* the heap, in one stream, and in two halves with seq ranking
             * as two threads' rows are: the same rows as the reference */
            for (int by_seq = 0; by_seq < 2; by_seq++) {
                reference(&base, keys, nkeys, by_seq, want);
                table_t out;
                table_init(&out);
                rowheap_t *h[2] = {rowheap_new(keys, nkeys, k, by_seq), rowheap_new(keys, nkeys, k, by_seq)};
                for (size_t i = 0; i < n; i++) rowheap_add(h[by_seq && i >= n / 2], &base.rows[i]);
                rowheap_finish(h[0], &out);
                rowheap_finish(h[1], &out);
                rowheap_free(h[0]);
                rowheap_free(h[1]);
                size_t half = n / 2, kept = by_seq ? (k < half ? k : half) + (k < n - half ? k : n - half) : m;
                CHECK(out.n == kept);
                if (by_seq) table_sort_seq(&out);
                rowsort_first(&out, keys, nkeys, k);
                CHECK(out.n == m);
                ids_of(&out, got);
                if (total) CHECK(same_ids(got, want, m));
                table_free(&out);
            }
        }
    }
    table_free(&base);
    free(want);
    free(got);
    free(full);
}

/* Many rows with long texts through a small heap: its arena is compacted
 * again and again, and the kept rows' texts stay whole. */
static void test_heap_compaction(void) {
    sortkey_t key = {F_NUM, true, {0}};
    rowheap_t *h = rowheap_new(&key, 1, 3, false);
    char text[200];
    arena_t scratch = {0};
    record_t r;
    rec_init(&r, &scratch);
    for (size_t i = 0; i < 100000; i++) {
        rec_clear(&r);
        snprintf(text, sizeof text, "%0190zu", i);
        rec_set(&r, F_NUM, val_num((double)i));
        rec_set(&r, F_TEXT, val_str(text, strlen(text)));
        rowheap_add(h, &r);
    }
    table_t out;
    table_init(&out);
    rowheap_finish(h, &out);
    rowheap_free(h);
    CHECK(out.n == 3);
    for (size_t i = 0; i < out.n; i++) { /* in arrival order: 99997, 99998, 99999 */
        snprintf(text, sizeof text, "%0190zu", (size_t)99997 + i);
        value_t v = rec_get(&out.rows[i], F_TEXT);
        CHECK(v.t == V_STR && v.n == strlen(text) && memcmp(v.s, text, v.n) == 0);
    }
    table_free(&out);
    rec_free(&r);
    arena_free(&scratch);
}

int main(void) {
    test_sorts();
    test_heap_compaction();
    return CHECK_DONE("test_rowsort");
}
