/* op_dedup.c — the dedup operator: drop repeated results.
 *
 * `dedup [consecutive] [N] [by <f>, ...]` keeps, for each tuple of the
 * `by` fields (the message text `_raw` when none are given), the first N
 * rows (1 by default) — with `consecutive`, the first N of each run of
 * rows that follow each other with the same tuple (dedup page). "First"
 * is the table's order after a sort or an aggregate; on messages nothing
 * has ordered yet it is Sumo's default order, newest first by
 * _messageTime. Kept rows stay in table order. A blocking stage.
 */
#include <math.h>
#include <stdlib.h>

#include "op.h"
#include "tabkit.h"

/* The stage's parsed form (query arena); N is st->n, the keys st->by
 * (none: _raw). */
typedef struct dd_stage {
    bool consecutive;    /* only repeats that follow each other */
    bool ordered;        /* an earlier blocking stage ordered the rows: keep table order */
} dd_stage_t;

/* See op.h (STAGE_KINDS). */
bool stage_dedup(parser_t *p, stage_t *st) {
    st->kind = ST_DEDUP;
    ps_advance(p);
    dd_stage_t *dd = arena_calloc(ps_arena(p), sizeof *dd);
    st->data = dd;
    st->n = 1;
    bool count = false;
    for (;;) {
        if (ps_is_kw(&p->t, "consecutive") && !dd->consecutive) {
            dd->consecutive = true;
            ps_advance(p);
        } else if (p->t.kind == T_NUM && !count) {
            tok_t t = p->t;
            if (!ps_count(p, &st->n)) return false;
            if (st->n < 1) {
                ps_error(p, t.sp, "dedup keeps at least 1 result per key");
                return false;
            }
            count = true;
        } else {
            break;
        }
    }
    if (ps_is_kw(&p->t, "by")) {
        ps_advance(p);
        if (!ps_field_list(p, false, &st->by, &st->by_sp, &st->nby)) return false;
    }
    for (uint32_t i = 0; i < p->q->nst; i++) dd->ordered |= (stage_info[p->q->st[i].kind].flags & SF_BLOCKING) != 0;
    return true;
}

/* A row and its time, for the newest-first order. */
typedef struct dd_row {
    double t;            /* _messageTime (-inf when it has none) */
    size_t row;          /* its table row */
} dd_row_t;

/* Newest first; equal times keep table order. */
static int cmp_newest(const void *a, const void *b) {
    const dd_row_t *x = a, *y = b;
    if (x->t != y->t) return x->t > y->t ? -1 : 1;
    return (x->row > y->row) - (x->row < y->row);
}

/* See op.h (STAGE_KINDS). */
int tab_dedup(exec_t *x, uint32_t i, const stage_t *s, table_t *t) {
    (void)x;
    (void)i;
    const dd_stage_t *dd = s->data;
    dd_row_t *ord = xmalloc((t->n ? t->n : 1) * sizeof *ord);
    for (size_t r = 0; r < t->n; r++) {
        ord[r].row = r;
        ord[r].t = -INFINITY;
        if (!dd->ordered) val_to_num(rec_get(&t->rows[r], F_MESSAGETIME), &ord[r].t);
    }
    if (!dd->ordered && t->n > 1) qsort(ord, t->n, sizeof *ord, cmp_newest);
    tk_t k;
    tk_init(&k);
    uint8_t *keep = xcalloc(t->n ? t->n : 1, 1);
    uint32_t *seen = NULL, cap = 0, prev = TK_NONE;
    int64_t run = 0;
    for (size_t j = 0; j < t->n; j++) {
        const record_t *row = &t->rows[ord[j].row];
        uint32_t id;
        bool isnew;
        if (s->nby) {
            id = tk_row(&k, row, s->by, s->nby, true, &isnew);
        } else { /* "If no fields are specified, the query is run against _raw" */
            tk_begin(&k);
            tk_push(&k, ex_src(row, s));
            id = tk_end(&k, true, &isnew);
        }
        if (dd->consecutive) {
            run = id == prev ? run + 1 : 1;
            prev = id;
            keep[ord[j].row] = run <= s->n;
            continue;
        }
        if (isnew) {
            if (id == cap) {
                cap = cap ? cap * 2 : 64;
                seen = xrealloc(seen, cap * sizeof *seen);
            }
            seen[id] = 0;
        }
        keep[ord[j].row] = ++seen[id] <= s->n;
    }
    tk_keep_rows(t, keep);
    free(seen);
    free(keep);
    free(ord);
    tk_free(&k);
    return 0;
}
