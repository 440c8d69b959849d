/* op_transpose.c — the transpose operator: a pivot of an aggregate table.
 *
 * `transpose row <f>, ... column <g>, ... [as <name>, ... [, *] | as *]`
 * makes one row per distinct tuple of the row fields (in order of first
 * appearance) and one column per distinct tuple of the column fields,
 * named by its values (joined with '_'); each cell holds the value of the
 * table's other field, null where the pair never occurred. Columns come
 * alphabetically, at most 300 (transpose page). A blocking stage: it runs
 * on the collected table, once per row.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "op.h"
#include "tabkit.h"

/* Dynamic columns transpose makes at most ("a maximum of 300 dynamic fields"). */
#define TR_MAXCOLS 300

/* The stage's parsed form (query arena). */
typedef struct tr_stage {
    uint32_t *rows, nrows;   /* the row fields */
    span_t *rows_sp;
    uint32_t *cols, ncols;   /* the column fields */
    span_t *cols_sp;
    uint32_t *names, nnames; /* `as a, b`: the output fields, in order */
    bool as_given;           /* `as` was written */
    bool star;               /* `as *` or `as a, *`: the other dynamic fields follow */
} tr_stage_t;

/* See op.h (STAGE_KINDS). */
bool stage_transpose(parser_t *p, stage_t *st) {
    st->kind = ST_TRANSPOSE;
    ps_advance(p);
    tr_stage_t *tr = arena_calloc(ps_arena(p), sizeof *tr);
    st->data = tr;
    if (!ps_expect_kw(p, "row", "'row' and the fields that make the rows")) return false;
    if (!ps_field_list(p, false, &tr->rows, &tr->rows_sp, &tr->nrows)) return false;
    if (!ps_expect_kw(p, "column", "'column' and the fields whose values name the columns")) return false;
    if (!ps_field_list(p, false, &tr->cols, &tr->cols_sp, &tr->ncols)) return false;
    if (!ps_is_kw(&p->t, "as")) return true;
    tr->as_given = true;
    ps_advance(p);
    uint32_t cap = 0;
    for (;;) {
        if (p->t.kind == T_STAR) {
            tr->star = true;
            ps_advance(p);
            if (p->t.kind == T_COMMA) {
                uint32_t e = ps_error(p, p->t.sp, "'*' comes last in the names after 'as'");
                diag_hint(p->d, e, "name the fields first: as a, b, *");
                return false;
            }
            return true;
        }
        pstr_t n;
        span_t sp;
        if (p->t.kind != T_IDENT && p->t.kind != T_QIDENT) {
            uint32_t e = ps_unexpected(p, "a field name or '*'");
            diag_hint(p->d, e, "a name made of a value needs %%\"...\": as %%\"200\", %%\"404\", *");
            return false;
        }
        if (!ps_fieldname(p, &n, &sp)) return false;
        PS_PUSH(p, tr->names, tr->nnames, cap, ps_field_def(p, n));
        if (p->t.kind != T_COMMA) return true;
        ps_advance(p);
    }
}

/* One non-empty cell: row key, dynamic column, value field. */
typedef struct tr_cell {
    uint32_t row, col;   /* row key id, dynamic column id */
    uint32_t vf;         /* index into the value fields */
    size_t src;          /* the table row holding the value */
} tr_cell_t;

/* A dynamic column's name, for sorting. */
typedef struct tr_name {
    pstr_t name;         /* the name (a copy in the stage run's arena) */
    uint32_t col;        /* dynamic column id */
} tr_name_t;

/* Alphabetical: ignoring ASCII case, then bytewise. */
static int cmp_name(const void *a, const void *b) {
    return pstr_alphacmp(((const tr_name_t *)a)->name, ((const tr_name_t *)b)->name);
}

static bool in_ids(const uint32_t *ids, uint32_t n, uint32_t id) {
    for (uint32_t i = 0; i < n; i++)
        if (ids[i] == id) return true;
    return false;
}

/* The fields whose values fill the cells: the table's columns (or, for
 * message rows, their non-built-in fields) other than the row and column
 * fields. Returns a heap array the caller frees. */
static uint32_t *value_fields(const table_t *t, const tr_stage_t *tr, uint32_t *n) {
    table_t tmp;
    table_init(&tmp);
    if (t->fixed) {
        for (uint32_t c = 0; c < t->ncols; c++) table_add_col(&tmp, t->cols[c]);
    } else {
        for (size_t r = 0; r < t->n; r++)
            for (uint32_t k = 0; k < t->rows[r].norder; k++)
                if (t->rows[r].order[k] >= F_NBUILTIN) table_add_col(&tmp, t->rows[r].order[k]);
    }
    uint32_t *v = xmalloc((tmp.ncols ? tmp.ncols : 1) * sizeof *v);
    *n = 0;
    for (uint32_t c = 0; c < tmp.ncols; c++)
        if (!in_ids(tr->rows, tr->nrows, tmp.cols[c]) && !in_ids(tr->cols, tr->ncols, tmp.cols[c]))
            v[(*n)++] = tmp.cols[c];
    table_free(&tmp);
    return v;
}

/* The name of a row's column: the column fields' texts joined with '_',
 * then `_<value field>` when there are several value fields. False when
 * a column field is null or the name is empty. */
static bool column_name(buf_t *b, const record_t *r, const tr_stage_t *tr, pstr_t vfname, bool suffix) {
    buf_clear(b);
    char tmp[40];
    for (uint32_t c = 0; c < tr->ncols; c++) {
        pstr_t s = tk_text(rec_get(r, tr->cols[c]), tmp);
        if (!s.p) return false;
        if (c) buf_putc(b, '_');
        buf_put(b, s.p, s.n);
    }
    if (suffix) {
        buf_putc(b, '_');
        buf_put(b, vfname.p, vfname.n);
    }
    return b->n > 0;
}

/* See op.h (STAGE_KINDS). */
int tab_transpose(exec_t *x, uint32_t i, const stage_t *s, table_t *t) {
    (void)i;
    const tr_stage_t *tr = s->data;
    uint32_t nvf;
    uint32_t *vf = value_fields(t, tr, &nvf);
    tk_t rows, names;
    tk_init(&rows);
    tk_init(&names);
    size_t *first = xmalloc((t->n ? t->n : 1) * sizeof *first); /* row key id -> its first table row */
    tr_cell_t *cells = NULL;
    size_t ncells = 0, ccap = 0;
    tr_name_t *dyn = NULL; /* the dynamic columns' names, by id (names in a) */
    uint32_t dcap = 0;
    arena_t a = {0};
    buf_t nb = {0};
    for (size_t r = 0; r < t->n; r++) {
        const record_t *row = &t->rows[r];
        bool isnew;
        uint32_t rid = tk_row(&rows, row, tr->rows, tr->nrows, true, &isnew);
        if (isnew) first[rid] = r;
        for (uint32_t v = 0; v < nvf; v++) {
            if (!column_name(&nb, row, tr, ftab_name(&x->q->ft, vf[v]), nvf > 1)) break;
            tk_begin(&names);
            tk_push(&names, val_str(nb.p, nb.n));
            bool cnew;
            uint32_t cid = tk_end(&names, true, &cnew);
            if (cnew) {
                if (cid == dcap) {
                    dcap = dcap ? dcap * 2 : 16;
                    dyn = xrealloc(dyn, dcap * sizeof *dyn);
                }
                dyn[cid] = (tr_name_t){pstr(arena_strndup(&a, nb.p, nb.n), nb.n), cid};
            }
            if (ncells == ccap) {
                ccap = ccap ? ccap * 2 : 64;
                cells = xrealloc(cells, ccap * sizeof *cells);
            }
            cells[ncells++] = (tr_cell_t){rid, cid, v, r};
        }
    }
    buf_free(&nb);

    /* Dynamic columns alphabetically, the first TR_MAXCOLS of them shown
     * (unless `as` names only some); their field ids. */
    uint32_t nd = names.n;
    tr_name_t *sorted = dyn;
    if (nd > 1) qsort(sorted, nd, sizeof *sorted, cmp_name);
    bool all = !tr->as_given || tr->star;
    if (all && nd > TR_MAXCOLS)
        fprintf(stderr, "postern: warning: transpose made %u columns; like Sumo it keeps %d, the first by name\n", nd,
                TR_MAXCOLS);
    table_t out;
    table_init(&out);
    out.fixed = true;
    for (uint32_t k = 0; k < tr->nrows; k++) table_add_col(&out, tr->rows[k]);
    for (uint32_t k = 0; k < tr->nnames; k++) table_add_col(&out, tr->names[k]);
    uint32_t *colid = xmalloc((nd ? nd : 1) * sizeof *colid); /* dynamic column -> field id, FIELD_NONE: not shown */
    for (uint32_t k = 0, shown = 0; k < nd; k++) {
        uint32_t id = FIELD_NONE;
        for (uint32_t j = 0; j < tr->nnames && id == FIELD_NONE; j++)
            if (pstr_ieq(ftab_name(&x->q->ft, tr->names[j]), sorted[k].name)) id = tr->names[j];
        if (id == FIELD_NONE && all && shown < TR_MAXCOLS) {
            id = ex_field(x, sorted[k].name);
            if (in_ids(tr->rows, tr->nrows, id)) id = FIELD_NONE; /* a value that names a row field */
            else if (!table_has_col(&out, id)) {
                table_add_col(&out, id);
                shown++;
            }
        }
        colid[sorted[k].col] = id;
    }

    for (uint32_t rid = 0; rid < rows.n; rid++) {
        record_t *row = table_new_row(&out);
        const record_t *src = &t->rows[first[rid]];
        for (uint32_t k = 0; k < tr->nrows; k++) rec_set(row, tr->rows[k], rec_get(src, tr->rows[k]));
        for (uint32_t c = tr->nrows; c < out.ncols; c++) rec_set(row, out.cols[c], val_null());
    }
    /* The first value of a cell wins (two names that differ only in case
     * are one field). */
    for (size_t c = 0; c < ncells; c++) {
        uint32_t id = colid[cells[c].col];
        record_t *row = &out.rows[cells[c].row];
        if (id == FIELD_NONE || rec_get(row, id).t != V_NULL) continue;
        rec_set(row, id, rec_get(&t->rows[cells[c].src], vf[cells[c].vf]));
    }
    for (size_t r = 0; r < out.n; r++) rec_pin(&out.rows[r], &out.arena);
    table_move(t, &out);
    free(colid);
    free(dyn);
    arena_free(&a);
    free(cells);
    free(first);
    free(vf);
    tk_free(&rows);
    tk_free(&names);
    return 0;
}
