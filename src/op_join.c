/* op_join.c — the join operator: an inner join of tables that queries
 * make from the same messages.
 *
 * `join (<query>) as t1, (<query>) as t2 [, ...] on t1.a = t2.c [and ...]
 * [timewindow <duration>]` (join page) runs each table's query over the
 * rows that reach the join (ex_run_on_table), then keeps every
 * combination of rows, one per table, whose fields are equal as the ON
 * clause says; a row's fields are named `<alias>_<field>`. A blocking
 * stage; the tables' queries are owned by the parent (query_t.tables).
 * jn_parse_table also reads filter's `(<query>)`.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "op.h"
#include "tabkit.h"

/* Tables a join takes at most, and rows it may make ("The number of
 * output messages exceeds 10,000,000"). */
#define JN_MAXTABLES 16
#define JN_MAXOUT 10000000

/* One equality of the ON clause: ta.fa = tb.fb. */
typedef struct jn_cond {
    uint32_t ta, tb;   /* table indexes */
    pstr_t fa, fb;     /* field names (query text) */
} jn_cond_t;

/* The stage's parsed form (query arena). */
typedef struct jn_stage {
    query_t *q[JN_MAXTABLES]; /* each table's query (owned by the parent's tables) */
    pstr_t alias[JN_MAXTABLES];  /* each table's name after `as` (query text) */
    uint32_t n;               /* tables */
    jn_cond_t *conds;         /* the ON clause (query arena) */
    uint32_t nconds;          /* its equalities */
    int64_t window;           /* timewindow in ms (0: none) */
} jn_stage_t;

/* See op.h. */
query_t *jn_parse_table(parser_t *p, const char *op, bool *scope) {
    if (!ps_expect(p, T_LPAREN, "'(' and a query")) return NULL;
    uint32_t from = p->t.sp.off, depth = 1;
    while (p->t.kind != T_EOF) {
        if (p->t.kind == T_LPAREN) depth++;
        if (p->t.kind == T_RPAREN && --depth == 0) break;
        ps_advance(p);
    }
    if (p->t.kind != T_RPAREN) {
        ps_unexpected(p, "')' after the query");
        return NULL;
    }
    uint32_t to = p->t.sp.off;
    if (to <= from) {
        ps_error(p, p->t.sp, "%s needs a query between the parentheses", op);
        return NULL;
    }
    query_t *t = ps_parse_table(p, from, to, scope);
    ps_advance(p); /* the ')' */
    if (!t) {
        p->fail = true;
        return NULL;
    }
    /* The fields the table's query reads must be read from the input too. */
    for (uint32_t id = F_NBUILTIN; id < t->ft.n; id++)
        if (t->ft.e[id].wanted) ps_field_use(p, ftab_name(&t->ft, id));
    return t;
}

/* The table index of alias a (ignoring case), or n. */
static uint32_t alias_index(const jn_stage_t *jn, pstr_t a) {
    for (uint32_t k = 0; k < jn->n; k++)
        if (pstr_ieq(jn->alias[k], a)) return k;
    return jn->n;
}

/* One side of an ON equality, `t1.a`: its table and field. */
static bool parse_side(parser_t *p, const jn_stage_t *jn, uint32_t *tab, pstr_t *field) {
    if (p->t.kind != T_IDENT) {
        uint32_t e = ps_unexpected(p, "a table's field such as t1.a");
        diag_hint(p->d, e, "join page: only equalities of two tables' fields, joined by and (t1.a = t2.c and ...)");
        return false;
    }
    pstr_t w = p->t.v;
    const char *dot = memchr(w.p, '.', w.n);
    uint32_t k = dot ? alias_index(jn, pstr(w.p, (size_t)(dot - w.p))) : jn->n;
    if (k == jn->n) {
        ps_error(p, p->t.sp, "'%.*s' is not <table>.<field> of a table this join names", (int)(w.n > 40 ? 40 : w.n), w.p);
        return false;
    }
    *tab = k;
    *field = pstr(dot + 1, w.n - (size_t)(dot + 1 - w.p));
    ps_advance(p);
    return true;
}

/* See op.h (STAGE_KINDS). */
bool stage_join(parser_t *p, stage_t *st) {
    st->kind = ST_JOIN;
    ps_advance(p);
    jn_stage_t *jn = arena_calloc(ps_arena(p), sizeof *jn);
    st->data = jn;
    for (;;) {
        if (jn->n == JN_MAXTABLES) {
            ps_error(p, p->t.sp, "join takes at most %d tables", JN_MAXTABLES);
            return false;
        }
        span_t tsp = p->t.sp;
        bool scope;
        query_t *t = jn_parse_table(p, "join", &scope);
        if (!t) return false;
        if (scope) /* "if provided it is ignored" */
            diag_add(p->d, D_WARNING, ps_span_from(p, tsp.off), "join-scope",
                     "join ignores a keyword search in a table's query: its stages run on every message");
        if (!ps_expect_kw(p, "as", "'as' and the table's name")) return false;
        if (p->t.kind != T_IDENT) {
            ps_unexpected(p, "the table's name");
            return false;
        }
        if (alias_index(jn, p->t.v) < jn->n) {
            ps_error(p, p->t.sp, "two tables are named '%.*s'", (int)p->t.v.n, p->t.v.p);
            return false;
        }
        jn->q[jn->n] = t;
        jn->alias[jn->n++] = p->t.v;
        ps_advance(p);
        if (p->t.kind != T_COMMA) break;
        ps_advance(p);
    }
    if (jn->n < 2) {
        ps_error(p, p->t.sp, "join needs two or more tables");
        return false;
    }
    if (!ps_expect_kw(p, "on", "'on' and the fields to join on (on t1.a = t2.c)")) return false;
    uint32_t cap = 0;
    for (;;) {
        jn_cond_t c;
        if (!parse_side(p, jn, &c.ta, &c.fa)) return false;
        if (p->t.kind != T_EQ && p->t.kind != T_EQEQ) {
            uint32_t e = ps_unexpected(p, "'='");
            diag_hint(p->d, e, "join page: only equalities are supported in the ON clause");
            return false;
        }
        ps_advance(p);
        if (!parse_side(p, jn, &c.tb, &c.fb)) return false;
        PS_PUSH(p, jn->conds, jn->nconds, cap, c);
        if (!ps_is_kw(&p->t, "and")) break;
        ps_advance(p);
    }
    if (ps_is_kw(&p->t, "or")) {
        ps_error(p, p->t.sp, "join's ON clause takes only conditions joined by and (join page)");
        return false;
    }
    bool bracket = p->t.kind == T_LBRACKET;
    if (bracket) ps_advance(p);
    if (ps_is_kw(&p->t, "timewindow")) {
        ps_advance(p);
        double v;
        int kind;
        if (p->t.kind != T_NUM || !lex_num_value(p->t.v, &v, &kind) || kind != LEX_NUM_TIME || !(v > 0)) {
            ps_unexpected(p, "a duration such as 10m");
            return false;
        }
        jn->window = (int64_t)v;
        ps_advance(p);
        if (bracket) { /* `]` is no token of its own: the lexer calls it a bad character */
            if (p->t.kind != T_ERROR || p->t.sp.len != 1 || p->q->text[p->t.sp.off] != ']') {
                ps_error(p, p->t.sp, "expected ']' after the timewindow");
                return false;
            }
            ps_advance(p);
        }
    } else if (bracket) {
        ps_unexpected(p, "timewindow");
        return false;
    }
    return true;
}

/* ---- running -------------------------------------------------------------- */

/* What the join of the tables needs while it runs. */
typedef struct jn_run {
    const jn_stage_t *jn;    /* the stage's parsed form */
    table_t *tabs;           /* each table's rows (its query's field ids) */
    uint32_t (*cond_ids)[2]; /* per condition: the field id of each side in its table's query */
} jn_run_t;

/* The value of condition c's side b (0 left, 1 right) in the tuple tu. */
static value_t side(const jn_run_t *u, uint32_t c, int b, const uint32_t *tu) {
    const jn_cond_t *cd = &u->jn->conds[c];
    uint32_t tab = b ? cd->tb : cd->ta, id = u->cond_ids[c][b];
    if (id == FIELD_NONE) return val_null();
    return rec_get(&u->tabs[tab].rows[tu[tab]], id);
}

/* Do the values match as join keys (equal text; null matches nothing)? */
static bool same(value_t a, value_t b) {
    char t1[48], t2[48];
    pstr_t x = tk_text(a, t1), y = tk_text(b, t2);
    return x.p && y.p && pstr_eq(x, y);
}

/* Does the tuple tu (tables 0..k) hold every condition whose later table
 * is k, and the time window? */
static bool holds(const jn_run_t *u, const uint32_t *tu, uint32_t k) {
    const jn_stage_t *jn = u->jn;
    for (uint32_t c = 0; c < jn->nconds; c++) {
        uint32_t hi = jn->conds[c].ta > jn->conds[c].tb ? jn->conds[c].ta : jn->conds[c].tb;
        if (hi == k && !same(side(u, c, 0, tu), side(u, c, 1, tu))) return false;
    }
    if (jn->window) {
        double tk, tj;
        if (!val_to_num(rec_get(&u->tabs[k].rows[tu[k]], F_MESSAGETIME), &tk)) return true;
        for (uint32_t j = 0; j < k; j++)
            if (val_to_num(rec_get(&u->tabs[j].rows[tu[j]], F_MESSAGETIME), &tj) && fabs(tk - tj) > (double)jn->window)
                return false;
    }
    return true;
}

/* See op.h (STAGE_KINDS). */
int tab_join(exec_t *x, uint32_t i, const stage_t *s, table_t *t) {
    (void)i;
    const jn_stage_t *jn = s->data;
    uint32_t n = jn->n;
    jn_run_t u = {.jn = jn};
    u.tabs = xcalloc(n, sizeof *u.tabs);
    int rc = 0;
    uint32_t made = 0;
    for (; made < n && !rc; made++) rc = ex_run_on_table(x, jn->q[made], t, &u.tabs[made]);
    u.cond_ids = xmalloc((jn->nconds ? jn->nconds : 1) * sizeof *u.cond_ids);
    for (uint32_t c = 0; c < jn->nconds && !rc; c++) {
        u.cond_ids[c][0] = ftab_find(&jn->q[jn->conds[c].ta]->ft, jn->conds[c].fa);
        u.cond_ids[c][1] = ftab_find(&jn->q[jn->conds[c].tb]->ft, jn->conds[c].fb);
    }
    /* Tuples grow a table at a time: each step keeps those of the last
     * step extended by every row of table k that holds its conditions,
     * found through an index of table k on one equality when there is one. */
    uint32_t *cur = NULL, *nxt = NULL;
    size_t ncur = 0, nnext = 0, capc = 0, capn = 0;
    if (!rc) {
        capc = u.tabs[0].n ? u.tabs[0].n : 1;
        ncur = u.tabs[0].n;
        cur = xmalloc(capc * n * sizeof *cur);
        for (size_t r = 0; r < ncur; r++) cur[r * n] = (uint32_t)r;
    }
    for (uint32_t k = 1; k < n && !rc; k++) {
        /* An equality between table k and an earlier one keys the index. */
        uint32_t key = jn->nconds;
        int kside = 0;
        for (uint32_t c = 0; c < jn->nconds && key == jn->nconds; c++) {
            const jn_cond_t *cd = &jn->conds[c];
            if (cd->ta == k && cd->tb < k) key = c, kside = 0;
            else if (cd->tb == k && cd->ta < k) key = c, kside = 1;
        }
        size_t nk = u.tabs[k].n;
        tk_t idx;
        tk_init(&idx);
        uint32_t *head = NULL, *next = xmalloc((nk ? nk : 1) * sizeof *next);
        if (key < jn->nconds) {
            uint32_t kid = u.cond_ids[key][kside];
            for (size_t r = nk; r-- > 0;) { /* pushed in front: each list ascends */
                value_t v = kid == FIELD_NONE ? val_null() : rec_get(&u.tabs[k].rows[r], kid);
                next[r] = UINT32_MAX;
                if (v.t == V_NULL) continue; /* null joins nothing */
                tk_begin(&idx);
                tk_push(&idx, v);
                bool isnew;
                uint32_t id = tk_end(&idx, true, &isnew);
                if (isnew) head = xrealloc(head, idx.n * sizeof *head), head[id] = UINT32_MAX;
                next[r] = head[id];
                head[id] = (uint32_t)r;
            }
        }
        nnext = 0;
        for (size_t a = 0; a < ncur && !rc; a++) {
            uint32_t *tu = cur + a * n;
            uint32_t r = 0, end = (uint32_t)nk;
            if (key < jn->nconds) { /* the rows of table k with the key of this tuple */
                value_t v = side(&u, key, !kside, tu);
                uint32_t id = TK_NONE;
                if (v.t != V_NULL) {
                    tk_begin(&idx);
                    tk_push(&idx, v);
                    id = tk_end(&idx, false, NULL);
                }
                r = id == TK_NONE ? UINT32_MAX : head[id];
            }
            for (; key < jn->nconds ? r != UINT32_MAX : r < end; r = key < jn->nconds ? next[r] : r + 1) {
                tu[k] = r;
                if (!holds(&u, tu, k)) continue;
                if (nnext == JN_MAXOUT) {
                    fprintf(stderr, "postern: join: The number of output messages exceeds 10,000,000. Please refine "
                                    "your search or shorten the time range to reduce the number of output messages.\n");
                    rc = 2;
                    break;
                }
                if (nnext == capn) {
                    capn = capn ? capn * 2 : 256;
                    nxt = xrealloc(nxt, capn * n * sizeof *nxt);
                }
                memcpy(nxt + nnext * n, tu, n * sizeof *tu);
                nnext++;
            }
        }
        free(head);
        free(next);
        tk_free(&idx);
        uint32_t *sw = cur;
        cur = nxt;
        nxt = sw;
        size_t sc = capc;
        capc = capn;
        capn = sc;
        ncur = nnext;
    }
    if (!rc) {
        /* The columns: every field each table shows, as <alias>_<field>. */
        uint32_t ncol = 0;
        for (uint32_t k = 0; k < n; k++) ncol += u.tabs[k].ncols;
        uint32_t *colsrc = xmalloc((ncol ? ncol : 1) * sizeof *colsrc), *coltab = xmalloc((ncol ? ncol : 1) * sizeof *coltab);
        uint32_t *colid = xmalloc((ncol ? ncol : 1) * sizeof *colid);
        table_t out;
        table_init(&out);
        out.fixed = true;
        uint32_t nc = 0;
        buf_t b = {0};
        for (uint32_t k = 0; k < n; k++)
            for (uint32_t c = 0; c < u.tabs[k].ncols; c++) {
                uint32_t id = u.tabs[k].cols[c];
                if (id < F_NBUILTIN && id != F_TIMESLICE) continue; /* time, category: not a table's field */
                pstr_t name = ftab_name(&jn->q[k]->ft, id);
                b.n = 0;
                buf_printf(&b, "%.*s_%.*s", (int)jn->alias[k].n, jn->alias[k].p, (int)name.n, name.p);
                colsrc[nc] = id;
                coltab[nc] = k;
                colid[nc] = ex_field(x, pstr(b.p, b.n));
                table_add_col(&out, colid[nc]);
                nc++;
            }
        for (size_t a = 0; a < ncur; a++) {
            record_t *row = table_new_row(&out);
            const uint32_t *tu = cur + a * n;
            for (uint32_t c = 0; c < nc; c++) rec_set(row, colid[c], rec_get(&u.tabs[coltab[c]].rows[tu[coltab[c]]], colsrc[c]));
            rec_pin(row, &out.arena);
        }
        table_move(t, &out);
        buf_free(&b);
        free(colsrc);
        free(coltab);
        free(colid);
    }
    if (rc) x->err = rc;
    free(cur);
    free(nxt);
    free(u.cond_ids);
    for (uint32_t k = 0; k < made; k++) table_free(&u.tabs[k]);
    free(u.tabs);
    return rc;
}
