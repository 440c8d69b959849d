/* op_compare.c — `compare [with] timeshift D [N] [avg|min|max] [as a], ...`.
 *
 * A blocking stage after an aggregate (compare page): the query's stages
 * before it run again over the search's time range shifted back by D, 2D,
 * ... N·D (each a complete run over the same inputs), and their results
 * are joined to the present one by the aggregate's group keys, a
 * `_timeslice` key moved forward by the shift so that the same time of
 * day lines up. Every other column c keeps its name for the present and
 * gains c_<shift> (c_1d, c_2d, ...), or c_<alias>; an avg/min/max
 * comparison folds its N shifted runs into one column c_<N·D>_<agg>
 * (`timeshift 1d 7 avg` makes _count_7d_avg). Rows found in
 * any period are kept (an outer join); a missing period's cells are null.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hmap.h"
#include "op.h"

/* Additional runs one compare may start ("no more than seven"). */
#define CMP_MAXRUNS 7

/* Folding several shifted runs into one column. ORDER CMPAGG */
enum { CMP_EACH, CMP_AVG, CMP_MIN, CMP_MAX };
static const char *const cmp_agg_name[] = {"", "avg", "min", "max"};

/* One `timeshift D [N] [agg] [as alias]`. */
typedef struct cmp_item {
    int64_t shift_ms;  /* D */
    pstr_t shift_txt;  /* D as written, without a sign (1d, 10m) */
    uint32_t n;        /* N, 1 when not given */
    int agg;           /* CMP_EACH or a fold */
    pstr_t alias;      /* `as alias`, empty when none */
} cmp_item_t;

/* The stage's comparisons (query arena). */
typedef struct cmp {
    cmp_item_t *it;
    uint32_t n, cap;
} cmp_t;

/* One comparison; appends to c. */
static bool parse_item(parser_t *p, cmp_t *c, uint32_t *runs) {
    if (!ps_expect_kw(p, "timeshift", "timeshift and a time such as 1d")) return false;
    cmp_item_t it = {0};
    if (p->t.kind == T_MINUS) ps_advance(p); /* `timeshift -1d` is the same shift back */
    tok_t t = p->t;
    double v;
    int kind = LEX_NUM_PLAIN;
    if (t.kind != T_NUM || !lex_num_value(t.v, &v, &kind) || kind != LEX_NUM_TIME || !(v >= 1)) {
        ps_unexpected(p, "a time such as 1d, 12h or 1w");
        return false;
    }
    it.shift_ms = (int64_t)llround(v);
    it.shift_txt = t.v;
    it.n = 1;
    ps_advance(p);
    if (p->t.kind == T_NUM) {
        int64_t n;
        tok_t nt = p->t;
        if (!ps_count(p, &n)) return false;
        if (n < 1) {
            ps_error(p, nt.sp, "the number of timeshifts is at least 1");
            return false;
        }
        it.n = n > CMP_MAXRUNS + 1 ? CMP_MAXRUNS + 1 : (uint32_t)n;
    }
    for (int a = CMP_AVG; a <= CMP_MAX; a++)
        if (ps_is_kw(&p->t, cmp_agg_name[a])) {
            it.agg = a;
            ps_advance(p);
        }
    if (ps_is_kw(&p->t, "as")) {
        ps_advance(p);
        span_t sp;
        if (!ps_fieldname(p, &it.alias, &sp)) return false;
        for (uint32_t k = 0; k < c->n; k++)
            if (c->it[k].alias.n && pstr_ieq(c->it[k].alias, it.alias)) {
                ps_error(p, sp, "two comparisons are both named '%.*s'", (int)it.alias.n, it.alias.p);
                return false;
            }
    }
    *runs += it.n;
    PS_PUSH(p, c->it, c->n, c->cap, it);
    return true;
}

/* See op.h (STAGE_KINDS). */
bool stage_compare(parser_t *p, stage_t *st) {
    st->kind = ST_COMPARE;
    uint32_t start = p->t.sp.off;
    ps_advance(p);
    if (ps_is_kw(&p->t, "with")) ps_advance(p);
    const query_t *q = p->q;
    bool agg = false;
    for (uint32_t i = 0; i < q->nst; i++) {
        if (q->st[i].kind == ST_COMPARE) {
            ps_error(p, ps_span_from(p, start), "compare can only be used once in a query");
            return false;
        }
        agg = agg || q->st[i].kind == ST_AGG || q->st[i].kind == ST_TOP;
    }
    if (!agg) {
        uint32_t k = ps_error(p, ps_span_from(p, start), "compare must follow an aggregate");
        diag_hint(p->d, k, "compare the results of a group-by: `| timeslice 1h | count by _timeslice | compare "
                           "timeshift 1d`");
        return false;
    }
    cmp_t *c = arena_calloc(ps_arena(p), sizeof *c);
    st->data = c;
    uint32_t runs = 0;
    for (;;) {
        if (!parse_item(p, c, &runs)) return false;
        if (p->t.kind != T_COMMA) break;
        ps_advance(p);
    }
    if (runs > CMP_MAXRUNS) {
        ps_error(p, ps_span_from(p, start), "compare would run %u more queries; at most %d are allowed", runs,
                 CMP_MAXRUNS);
        return false;
    }
    p->q->needs_range = true;
    return true;
}

/* ---- running --------------------------------------------------------- */

/* The join keys: the group keys of the aggregate that made the table, or,
 * when another blocking stage (transpose) came after it, `_timeslice`. */
static uint32_t join_keys(const query_t *q, uint32_t i, const table_t *t, uint32_t *keys, uint32_t max) {
    uint32_t n = 0;
    for (uint32_t k = i; k-- > 0;) {
        const stage_t *s = &q->st[k];
        if (!(stage_info[s->kind].flags & SF_BLOCKING) || s->kind == ST_SORT) continue;
        if (s->kind == ST_AGG || s->kind == ST_TOP) {
            if (s->kind == ST_TOP && n < max) keys[n++] = s->topfield;
            for (uint32_t b = 0; b < s->nby && n < max; b++) keys[n++] = s->by[b];
            return n;
        }
        break;
    }
    if (table_has_col(t, F_TIMESLICE) && n < max) keys[n++] = F_TIMESLICE;
    return n;
}

/* The text of row r's keys (with _timeslice moved forward by shift) into b. */
static void key_text(buf_t *b, const record_t *r, const uint32_t *keys, uint32_t nk, int64_t shift) {
    buf_clear(b);
    for (uint32_t k = 0; k < nk; k++) {
        value_t v = rec_get(r, keys[k]);
        double d;
        if (keys[k] == F_TIMESLICE && val_to_num(v, &d)) v = val_num(d + (double)shift);
        buf_putc(b, v.t == V_NULL ? '0' : '1');
        val_fmt(b, v);
        buf_putc(b, '\x1f');
    }
}

/* The output column for value column c of one period: c_<suffix>. */
static uint32_t out_col(exec_t *x, uint32_t c, pstr_t suffix) {
    buf_t b = {0};
    pstr_t n = ftab_name(&x->q->ft, c);
    buf_printf(&b, "%.*s_%.*s", (int)n.n, n.p, (int)suffix.n, suffix.p);
    uint32_t id = ex_field(x, pstr(b.p, b.n));
    buf_free(&b);
    return id;
}

/* The suffix of the k-th shift of item it (1-based): the alias, or the
 * shift as written times k (1d, 2d, ...), or N·D_agg for a fold (7d_avg). */
static void suffix_of(buf_t *b, const cmp_item_t *it, uint32_t k) {
    buf_clear(b);
    if (it->alias.n) {
        buf_put(b, it->alias.p, it->alias.n);
        if (it->agg == CMP_EACH && it->n > 1) buf_printf(b, "_%u", k);
        return;
    }
    if (it->agg != CMP_EACH) k = it->n; /* the span folded: 1d 7 avg is _7d_avg (Time Compare page) */
    char num[40];
    size_t d = 0;
    while (d < it->shift_txt.n && d + 1 < sizeof num &&
           ((it->shift_txt.p[d] >= '0' && it->shift_txt.p[d] <= '9') || it->shift_txt.p[d] == '.'))
        num[d] = it->shift_txt.p[d], d++;
    num[d] = 0;
    char vt[40];
    int len = num_fmt(vt, strtod(num, NULL) * k);
    buf_printf(b, "%.*s%.*s", len, vt, (int)(it->shift_txt.n - d), it->shift_txt.p + d);
    if (it->agg != CMP_EACH) buf_printf(b, "_%s", cmp_agg_name[it->agg]);
}

/* Run stages 0..i-1 of x's query over the search's range shifted back by
 * shift (the query is run again in place: its stage count and range are
 * put back afterwards); the rows go to out. Returns 0 or 2. */
static int shifted_run(exec_t *x, uint32_t i, int64_t shift, table_t *out) {
    query_t *q = x->q;
    uint32_t nst = q->nst;
    int64_t from = q->range_from, to = q->range_to;
    bool want_all = q->ft.want_all;
    exec_opts_t eo = *x->eo;
    eo.cov = NULL; /* the present's run counts what the rule saw */
    eo.has_from = eo.has_to = true;
    eo.from_ms = from - shift;
    eo.to_ms = to - shift;
    in_stats_t st = {0};
    in_opts_t io = *x->io;
    io.quiet = io.again = true; /* the first run reported the inputs' problems */
    q->nst = i;
    int rc = exec_run(q, x->paths, x->npaths, &io, &eo, out, &st);
    if (rc == IN_PARTIAL) rc = 0; /* (and the first run's status says so) */
    q->nst = nst;
    q->range_from = from;
    q->range_to = to;
    q->ft.want_all = want_all;
    return rc;
}

/* The output row of past row pr (keys shifted); added when new. */
static record_t *join_row(table_t *out, hmb_t *m, const record_t *pr, const uint32_t *keys, uint32_t nk,
                          int64_t shift, buf_t *kb, size_t *at) {
    key_text(kb, pr, keys, nk, shift);
    bool isnew;
    /* The rows of out by the text of their keys: key id = row index. */
    size_t r = hmb_put(m, pstr(kb->p ? kb->p : "", kb->n), true, &isnew);
    if (isnew) { /* a row only the past has */
        record_t *row = table_new_row(out);
        for (uint32_t q = 0; q < nk; q++) {
            value_t kv = rec_get(pr, keys[q]);
            double d;
            if (keys[q] == F_TIMESLICE && val_to_num(kv, &d)) kv = val_num(d + (double)shift);
            rec_set(row, keys[q], kv);
        }
        rec_pin(row, &out->arena);
    }
    *at = r;
    return &out->rows[r];
}

/* See op.h (STAGE_KINDS). */
int tab_compare(exec_t *x, uint32_t i, const stage_t *s, table_t *t) {
    const cmp_t *c = s->data;
    if (ex_reads_stdin(x->paths, x->npaths, x->io)) {
        fprintf(stderr, "postern: compare reads the inputs again for each shifted period, which stdin cannot be: "
                        "give the files\n");
        x->err = 2;
        return 2;
    }
    if (!x->eo->has_from || !x->eo->has_to)
        fprintf(stderr, "postern: warning: compare shifts the data's own time range (%lld to %lld); give --from "
                        "and --to for the period to compare\n",
                (long long)x->q->range_from, (long long)x->q->range_to);
    uint32_t keys[64];
    uint32_t nk = join_keys(x->q, i, t, keys, 64);
    /* Value columns: every column that is no key. */
    uint32_t nv = 0, *vals = xmalloc((t->ncols ? t->ncols : 1) * sizeof *vals);
    for (uint32_t k = 0; k < t->ncols; k++) {
        bool key = false;
        for (uint32_t j = 0; j < nk; j++) key = key || keys[j] == t->cols[k];
        if (!key) vals[nv++] = t->cols[k];
    }
    uint32_t *col = xmalloc((nv ? nv : 1) * sizeof *col);
    table_t out;
    table_init(&out);
    out.fixed = true;
    for (uint32_t k = 0; k < nk; k++) table_add_col(&out, keys[k]);
    hmb_t m = {0};
    buf_t kb = {0}, sb = {0};
    /* The present period keeps its columns' names ("Today's results are
     * represented by _count"). */
    for (uint32_t v = 0; v < nv; v++) {
        col[v] = vals[v];
        table_add_col(&out, col[v]);
    }
    for (size_t r = 0; r < t->n; r++) {
        size_t at;
        record_t *row = join_row(&out, &m, &t->rows[r], keys, nk, 0, &kb, &at);
        for (uint32_t v = 0; v < nv; v++) rec_set(row, col[v], rec_get(&t->rows[r], vals[v]));
        rec_pin(row, &out.arena);
    }
    int rc = 0;
    for (uint32_t ci = 0; ci < c->n && rc == 0; ci++) {
        const cmp_item_t *it = &c->it[ci];
        /* A fold: per row and value column, a count and an accumulator. */
        double *acc = NULL;
        uint32_t *cnt = NULL;
        size_t nacc = 0;
        for (uint32_t k = 1; k <= it->n && rc == 0; k++) {
            int64_t shift = it->shift_ms * (int64_t)k;
            if (it->agg == CMP_EACH || k == 1) {
                suffix_of(&sb, it, k);
                for (uint32_t v = 0; v < nv; v++) {
                    col[v] = out_col(x, vals[v], pstr(sb.p, sb.n));
                    table_add_col(&out, col[v]);
                }
            }
            table_t past;
            table_init(&past);
            rc = shifted_run(x, i, shift, &past);
            for (size_t r = 0; rc == 0 && r < past.n; r++) {
                size_t at;
                record_t *row = join_row(&out, &m, &past.rows[r], keys, nk, shift, &kb, &at);
                if (it->agg == CMP_EACH) {
                    for (uint32_t v = 0; v < nv; v++) rec_set(row, col[v], rec_get(&past.rows[r], vals[v]));
                    rec_pin(row, &out.arena);
                    continue;
                }
                if (out.n * nv > nacc) {
                    size_t nn = out.n * nv * 2;
                    acc = xrealloc(acc, nn * sizeof *acc);
                    cnt = xrealloc(cnt, nn * sizeof *cnt);
                    memset(cnt + nacc, 0, (nn - nacc) * sizeof *cnt);
                    nacc = nn;
                }
                for (uint32_t v = 0; v < nv; v++) {
                    double d;
                    size_t slot = at * nv + v;
                    if (!val_to_num(rec_get(&past.rows[r], vals[v]), &d)) continue;
                    if (!cnt[slot]++) acc[slot] = d;
                    else if (it->agg == CMP_AVG) acc[slot] += d;
                    else if ((it->agg == CMP_MIN && d < acc[slot]) || (it->agg == CMP_MAX && d > acc[slot]))
                        acc[slot] = d;
                }
            }
            table_free(&past);
        }
        if (it->agg != CMP_EACH && rc == 0)
            for (size_t r = 0; r < out.n; r++)
                for (uint32_t v = 0; v < nv; v++) {
                    size_t slot = r * nv + v;
                    bool has = slot < nacc && cnt[slot];
                    rec_set(&out.rows[r], col[v],
                            !has ? val_null() : val_num(it->agg == CMP_AVG ? acc[slot] / cnt[slot] : acc[slot]));
                }
        free(acc);
        free(cnt);
    }
    hmb_free(&m);
    free(col);
    free(vals);
    buf_free(&kb);
    buf_free(&sb);
    if (rc) {
        table_free(&out);
        x->err = rc;
        return rc;
    }
    table_move(t, &out);
    return 0;
}
