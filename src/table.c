/* table.c — result sets (see table.h).
 *
 * The aggregate stage and the blocking stages (sort) build tables; the
 * output writers read them.
 */
#include "table.h"

#include <stdlib.h>
#include <string.h>

/* See table.h. */
void table_init(table_t *t) { memset(t, 0, sizeof *t); }

/* See table.h. */
void table_free(table_t *t) {
    for (size_t i = 0; i < t->n; i++) rec_free(&t->rows[i]);
    free(t->rows);
    free(t->cols);
    arena_free(&t->arena);
    memset(t, 0, sizeof *t);
}

/* See table.h. */
record_t *table_new_row(table_t *t) {
    if (t->n == t->cap) {
        t->cap = t->cap ? t->cap * 2 : 64;
        t->rows = xrealloc(t->rows, t->cap * sizeof *t->rows);
    }
    record_t *r = &t->rows[t->n++];
    rec_init(r, &t->arena);
    return r;
}

/* Copy src into dst, a row of t; slots from t's arena when fresh is set
 * (dst has none yet), else from the heap. */
static void copy_row(table_t *t, record_t *dst, const record_t *src, bool fresh) {
    rec_clear(dst);
    uint32_t top = 0;
    for (uint32_t i = 0; i < src->norder; i++)
        if (src->order[i] >= top) top = src->order[i] + 1;
    rec_reserve(dst, fresh ? &t->arena : NULL, top, src->norder);
    for (uint32_t i = 0; i < src->norder; i++) {
        uint32_t id = src->order[i];
        rec_set(dst, id, src->v[id]);
    }
    dst->raw = src->raw;
    dst->file = src->file;
    dst->line = src->line;
    dst->seq = src->seq;
    rec_pin(dst, &t->arena);
}

/* See table.h. */
void table_set_row(table_t *t, record_t *dst, const record_t *src) { copy_row(t, dst, src, false); }

/* See table.h. */
record_t *table_add(table_t *t, const record_t *src) {
    record_t *r = table_new_row(t);
    copy_row(t, r, src, true);
    return r;
}

/* See table.h. */
bool table_has_col(const table_t *t, uint32_t id) {
    for (uint32_t i = 0; i < t->ncols; i++)
        if (t->cols[i] == id) return true;
    return false;
}

/* Append column id to t (not checked for being there). */
static void push_col(table_t *t, uint32_t id) {
    if (t->ncols == t->colcap) {
        t->colcap = t->colcap ? t->colcap * 2 : 16;
        t->cols = xrealloc(t->cols, t->colcap * sizeof *t->cols);
    }
    t->cols[t->ncols++] = id;
}

/* See table.h. */
void table_add_col(table_t *t, uint32_t id) {
    if (!table_has_col(t, id)) push_col(t, id);
}

/* See table.h. */
void table_del_col(table_t *t, uint32_t id) {
    for (uint32_t i = 0; i < t->ncols; i++)
        if (t->cols[i] == id) {
            memmove(t->cols + i, t->cols + i + 1, (t->ncols - i - 1) * sizeof *t->cols);
            t->ncols--;
            return;
        }
}

/* See table.h. */
bool table_col_hidden(uint32_t id) {
    return id < F_NBUILTIN && id != F_MESSAGETIME && id != F_SOURCECATEGORY && id != F_TIMESLICE;
}

/* Column order of message results: by name, ignoring ASCII case, then
 * bytewise (fields page: "the fields in non-aggregated results are ordered
 * alphabetically"). */
static int cmp_name(const ftab_t *ft, uint32_t a, uint32_t b) {
    return pstr_alphacmp(ftab_name(ft, a), ftab_name(ft, b));
}

/* Merge sort of the columns c[0..n) by name (tmp: n scratch ids): a
 * record of a million fields is sorted in n log n. */
static void sort_names(uint32_t *c, uint32_t *tmp, size_t n, const ftab_t *ft) {
    if (n < 2) return;
    size_t h = n / 2;
    sort_names(c, tmp, h, ft);
    sort_names(c + h, tmp, n - h, ft);
    size_t i = 0, j = h, k = 0;
    while (i < h && j < n) tmp[k++] = cmp_name(ft, c[j], c[i]) < 0 ? c[j++] : c[i++];
    while (i < h) tmp[k++] = c[i++];
    while (j < n) tmp[k++] = c[j++];
    memcpy(c, tmp, n * sizeof *c);
}

/* See table.h. */
void table_finish_cols(table_t *t, const ftab_t *ft) {
    uint32_t first = t->ncols;
    if (!t->fixed) {
        bool has_time = false, has_cat = false;
        for (size_t i = 0; i < t->n; i++) {
            has_time |= rec_has(&t->rows[i], F_MESSAGETIME);
            has_cat |= rec_has(&t->rows[i], F_SOURCECATEGORY);
        }
        if (has_time) table_add_col(t, F_MESSAGETIME);
        if (has_cat) table_add_col(t, F_SOURCECATEGORY);
        first = t->ncols;
    }
    /* The columns met, marked in seen[] by id (linear in the fields, for
     * records of a million fields). */
    uint32_t top = F_RAW;
    for (uint32_t c = 0; c < t->ncols; c++) top = t->cols[c] > top ? t->cols[c] : top;
    for (size_t i = 0; i < t->n; i++)
        for (uint32_t k = 0; k < t->rows[i].norder; k++) top = t->rows[i].order[k] > top ? t->rows[i].order[k] : top;
    unsigned char *seen = xcalloc((size_t)top + 1, 1);
    for (uint32_t c = 0; c < t->ncols; c++) seen[t->cols[c]] = 1;
    for (size_t i = 0; i < t->n; i++) {
        const record_t *r = &t->rows[i];
        for (uint32_t k = 0; k < r->norder; k++) {
            uint32_t id = r->order[k];
            if (!seen[id] && !table_col_hidden(id)) push_col(t, id);
            seen[id] = 1;
        }
    }
    free(seen);
    /* Messages with no field of their own (plain text) show their text. */
    if (!t->fixed && t->ncols == first && t->n) table_add_col(t, F_RAW);
    if (!t->fixed && t->ncols - first > 1) {
        uint32_t *tmp = xmalloc((t->ncols - first) * sizeof *tmp);
        sort_names(t->cols + first, tmp, t->ncols - first, ft);
        free(tmp);
    }
}

/* See table.h. */
void table_append_move(table_t *dst, table_t *src) {
    if (dst->n + src->n > dst->cap) {
        dst->cap = dst->n + src->n;
        dst->rows = xrealloc(dst->rows, dst->cap * sizeof *dst->rows);
    }
    for (size_t i = 0; i < src->n; i++) {
        dst->rows[dst->n] = src->rows[i];
        dst->rows[dst->n++].arena = &dst->arena;
    }
    arena_adopt(&dst->arena, &src->arena);
    free(src->rows);
    src->rows = NULL;
    src->n = src->cap = 0;
}

/* Stable merge sort of rows by seq (rows of one record, as from
 * `parse regex ... multi`, share a seq and keep their order). */
static void sort_seq(record_t *r, record_t *tmp, size_t n) {
    if (n < 2) return;
    size_t h = n / 2;
    sort_seq(r, tmp, h);
    sort_seq(r + h, tmp, n - h);
    if (r[h - 1].seq <= r[h].seq) return; /* already in order: the common case */
    size_t i = 0, j = h, k = 0;
    while (i < h && j < n) tmp[k++] = r[j].seq < r[i].seq ? r[j++] : r[i++];
    while (i < h) tmp[k++] = r[i++];
    while (j < n) tmp[k++] = r[j++];
    memcpy(r, tmp, n * sizeof *r);
}

/* See table.h. */
void table_sort_seq(table_t *t) {
    if (t->n < 2) return;
    record_t *tmp = xmalloc(t->n * sizeof *tmp);
    sort_seq(t->rows, tmp, t->n);
    free(tmp);
}

/* See table.h. */
void table_move(table_t *dst, table_t *src) {
    table_free(dst);
    *dst = *src;
    /* Rows point at the arena by address: re-point them at dst's copy. */
    for (size_t i = 0; i < dst->n; i++) dst->rows[i].arena = &dst->arena;
    memset(src, 0, sizeof *src);
}
