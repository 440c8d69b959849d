/* op_subquery.c — `[subquery [from=(T)] [to=(T)]: <child query> | compose
 * f1, f2 [maxresults=N] [keywords]]`.
 *
 * A subquery stands in the scope, as a where/if condition, or after `in`
 * (subqueries page). The parser parses the child as a query of its own
 * (its last stage must be compose) and leaves an EX_SUBQUERY node; before
 * the parent runs, ex_subqueries runs each child over the same inputs and
 * turns its rows into the condition compose describes: an OR of rows, each
 * an AND of `field=value` (in the scope, matched as metadata is: ignoring
 * case), `field = "value"` (in where and if), or the values as quoted
 * keywords (`keywords`, scope only); after `in`, the set of the values.
 * The nodes it builds live in the parent's arena.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "datetime.h"
#include "keyword.h"
#include "op.h"
#include "stream.h"

/* compose's rows by default and at most (subqueries page). */
#define SUB_MAXRESULTS_DEFAULT 2500
#define SUB_MAXRESULTS 10000

/* compose's options and the child's time range (query arena of the child). */
typedef struct compose {
    bool keywords;        /* return the values as keywords */
    uint32_t maxresults;  /* rows used */
    bool has_from, has_to;/* from=(...) / to=(...) given on the subquery */
    int64_t from_ms, to_ms;
} compose_t;

/* See op.h (STAGE_KINDS): `compose f1, f2 [maxresults=N] [keywords]`,
 * the last stage of a subquery and nowhere else. */
bool stage_compose(parser_t *p, stage_t *st) {
    st->kind = ST_COMPOSE;
    tok_t kw = p->t;
    if (!p->sub) {
        uint32_t i = ps_error(p, kw.sp, "compose works only as the last stage of a subquery");
        diag_hint(p->d, i, "[subquery: <child query> | compose field] inside the parent query");
        return false;
    }
    ps_advance(p);
    compose_t *c = arena_calloc(ps_arena(p), sizeof *c);
    c->maxresults = SUB_MAXRESULTS_DEFAULT;
    st->data = c;
    uint32_t pcap = 0, fcap = 0;
    for (;;) {
        pstr_t name;
        span_t sp;
        if (!ps_fieldname(p, &name, &sp)) return false;
        PS_PUSH(p, st->paths, st->npaths, pcap, name);
        PS_PUSH(p, st->flds, st->nflds, fcap, ps_field_use(p, name));
        if (p->t.kind != T_COMMA) break;
        ps_advance(p);
    }
    for (;;) {
        if (ps_is_kw(&p->t, "keywords")) {
            c->keywords = true;
            ps_advance(p);
        } else if (ps_is_kw(&p->t, "maxresults") && ps_peek(p).kind == T_EQ) {
            ps_advance(p);
            ps_advance(p);
            int64_t n;
            tok_t t = p->t;
            if (!ps_count(p, &n)) return false;
            if (n < 1 || n > SUB_MAXRESULTS) {
                ps_error(p, t.sp, "maxresults is between 1 and %d", SUB_MAXRESULTS);
                return false;
            }
            c->maxresults = (uint32_t)n;
        } else {
            return true;
        }
    }
}

static int64_t now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A from=(...)/to=(...) time: -15m / 15m back from now, epoch ms, or an
 * absolute date and time (ISO 8601, yyyy/MM/dd HH:mm:ss). */
static bool sub_time(pstr_t t, int64_t *ms) {
    t = pstr_trim(t);
    char tmp[64];
    if (!t.n || t.n >= sizeof tmp) return false;
    memcpy(tmp, t.p, t.n);
    tmp[t.n] = 0;
    int64_t d;
    if ((tmp[0] == '-' && stream_parse_duration(tmp + 1, &d) == 0) ||
        (tmp[t.n - 1] > '9' && stream_parse_duration(tmp, &d) == 0)) {
        *ms = now_ms() - d;
        return true;
    }
    return dt_parse(t, ms);
}

/* Skip blanks in s from i up to n. */
static uint32_t blanks(const char *s, uint32_t i, uint32_t n) {
    while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')) i++;
    return i;
}

/* The ']' that closes the '[' before s[i] (strings skipped), or n. */
static uint32_t closing(const char *s, uint32_t i, uint32_t n) {
    int depth = 1;
    for (; i < n; i++) {
        if (s[i] == '"') {
            for (i++; i < n && s[i] != '"'; i++)
                if (s[i] == '\\') i++;
            continue;
        }
        if (s[i] == '[') depth++;
        else if (s[i] == ']' && --depth == 0) return i;
    }
    return n;
}

/* See op.h. */
expr_t *ps_subquery(parser_t *p, uint8_t ctx) {
    tok_t open = p->t;
    const char *s = p->q->text;
    uint32_t n = p->lx.n, i = blanks(s, open.sp.off + 1, n);
    i += 8; /* "subquery": the lexer made the '[' a token only before it */
    bool has_from = false, has_to = false;
    int64_t from = 0, to = 0;
    for (;;) {
        i = blanks(s, i, n);
        if (i < n && s[i] == ':') break;
        bool f = n - i >= 5 && pstr_ieq_c(pstr(s + i, 4), "from") && s[i + 4] == '=';
        bool t = n - i >= 3 && pstr_ieq_c(pstr(s + i, 2), "to") && s[i + 2] == '=';
        uint32_t v = i + (f ? 5 : 3);
        if ((!f && !t) || v >= n || s[v] != '(') {
            uint32_t k = ps_error(p, (span_t){i < n ? i : open.sp.off, 1},
                                  "expected ':' and the child query, or from=(TIME) / to=(TIME)");
            diag_hint(p->d, k, "[subquery from=(-15m): error | count by _sourceHost | compose _sourceHost]");
            return NULL;
        }
        uint32_t e = v + 1;
        while (e < n && s[e] != ')') e++;
        int64_t ms;
        if (e >= n || !sub_time(pstr(s + v + 1, e - v - 1), &ms)) {
            ps_error(p, (span_t){v, e < n ? e - v + 1 : 1},
                     "expected a time: -15m, epoch milliseconds or yyyy-MM-dd HH:mm:ss");
            return NULL;
        }
        if (f) has_from = true, from = ms;
        else has_to = true, to = ms;
        i = e + 1;
    }
    uint32_t body = i + 1, end = closing(s, body, n);
    if (end >= n) {
        ps_error(p, open.sp, "this subquery has no closing ']'");
        p->lx.pos = n; /* nothing after it can be read */
        ps_advance(p);
        return NULL;
    }
    span_t sp = {open.sp.off, end + 1 - open.sp.off};
    query_t *child = ps_parse_range(p, body, end);
    /* Whatever happens, the parent goes on after the ']' (an operand). */
    p->lx.pos = end + 1;
    p->lx.operand = false;
    p->t.sp = sp;
    ps_advance(p);
    if (!child) {
        p->fail = true;
        return NULL;
    }
    const stage_t *cs = child->nst ? &child->st[child->nst - 1] : NULL;
    const char *why = NULL;
    if (!cs || cs->kind != ST_COMPOSE) why = "a subquery ends with `| compose field, ...`";
    else if (((const compose_t *)cs->data)->keywords && ctx != SUB_SCOPE)
        why = "compose ... keywords works only before the first '|' (not in where or if)";
    else if (ctx == SUB_IN && cs->nflds != 1)
        why = "after `in` a subquery composes exactly one field";
    if (why) {
        uint32_t k = ps_error(p, sp, "%s", why);
        if (!cs || cs->kind != ST_COMPOSE)
            diag_hint(p->d, k, "compose names the fields the child query hands to the parent");
        query_free(child);
        return NULL;
    }
    compose_t *c = cs->data;
    c->has_from = has_from, c->from_ms = from;
    c->has_to = has_to, c->to_ms = to;
    expr_t *e = ps_node(p, EX_SUBQUERY, sp);
    e->sub = child;
    e->subctx = ctx;
    /* The composed fields, as the parent reads them. */
    e->args = arena_alloc(ps_arena(p), cs->nflds * sizeof *e->args);
    for (uint32_t k = 0; k < cs->nflds; k++) {
        expr_t *f = ps_node(p, EX_FIELD, sp);
        f->field = ps_field_use(p, cs->paths[k]);
        e->args[k] = f;
    }
    e->nargs = cs->nflds;
    PS_PUSH(p, p->q->subs, p->q->nsubs, p->q->subcap, e);
    return e;
}

/* ---- running ------------------------------------------------------------ */

/* A node of the parent query (its arena; built before threads start). */
static expr_t *mk(query_t *q, uint8_t kind, span_t sp) {
    expr_t *e = arena_calloc(&q->arena, sizeof *e);
    e->kind = kind;
    e->sp = sp;
    e->field = FIELD_NONE;
    e->func = -1;
    return e;
}

static expr_t *join(query_t *q, uint8_t kind, expr_t *a, expr_t *b, span_t sp) {
    if (!a) return b;
    expr_t *e = mk(q, kind, sp);
    e->a = a;
    e->b = b;
    return e;
}

/* The condition of one row: field = value for each composed field (or the
 * values as keywords), ANDed. */
static expr_t *row_cond(query_t *q, const expr_t *e, const compose_t *c, const record_t *row, const uint32_t *cols,
                        buf_t *b) {
    expr_t *all = NULL;
    for (uint32_t k = 0; k < e->nargs; k++) {
        buf_clear(b);
        val_fmt(b, rec_get(row, cols[k]));
        pstr_t v = pstr(arena_strndup(&q->arena, b->p ? b->p : "", b->n), b->n);
        expr_t *t;
        if (c->keywords) {
            t = mk(q, EX_KEYWORD, e->sp);
            t->str = v;
            t->quoted = true;
            t->kw = kw_compile(&q->arena, v, true);
        } else if (e->subctx == SUB_SCOPE) {
            t = mk(q, EX_FIELDWILD, e->sp);
            t->field = e->args[k]->field;
            t->str = v;
        } else {
            t = mk(q, EX_EQ, e->sp);
            t->a = e->args[k];
            t->b = mk(q, EX_STR, e->sp);
            t->b->str = v;
        }
        all = join(q, EX_AND, all, t, e->sp);
    }
    return all;
}

/* Run e's child and compose its rows into e. */
static int resolve_one(query_t *q, expr_t *e, const char *const *paths, int npaths, const in_opts_t *io,
                       const exec_opts_t *eo) {
    query_t *child = e->sub;
    const stage_t *cs = &child->st[child->nst - 1];
    const compose_t *c = cs->data;
    exec_opts_t ceo = *eo;
    ceo.cov = NULL; /* the parent's run counts what the rule saw */
    if (c->has_from) ceo.has_from = true, ceo.from_ms = c->from_ms;
    if (c->has_to) ceo.has_to = true, ceo.to_ms = c->to_ms;
    in_opts_t cio = *io;
    cio.quiet = cio.again = true; /* the parent's run reports the inputs' problems */
    in_stats_t st = {0};
    table_t t;
    table_init(&t);
    child->nst--; /* run everything but compose */
    int rc = exec_run(child, paths, npaths, &cio, &ceo, &t, &st);
    child->nst++;
    if (rc == IN_PARTIAL) rc = 0; /* (the parent's run reads the same inputs and says so) */
    if (rc != 0) {
        table_free(&t);
        return rc;
    }
    uint32_t *cols = xmalloc((cs->nflds ? cs->nflds : 1) * sizeof *cols);
    for (uint32_t k = 0; k < cs->nflds; k++) cols[k] = ftab_find(&child->ft, cs->paths[k]);
    size_t rows = t.n < c->maxresults ? t.n : c->maxresults;
    if (t.n > c->maxresults)
        fprintf(stderr, "postern: warning: a subquery returned %zu rows; compose keeps the first %u (maxresults)\n",
                t.n, c->maxresults);
    buf_t b = {0};
    if (e->subctx == SUB_IN) {
        /* The values, as an `in` list of strings. */
        e->args = arena_alloc(&q->arena, (rows ? rows : 1) * sizeof *e->args);
        pstr_t *vals = arena_alloc(&q->arena, (rows ? rows : 1) * sizeof *vals);
        for (size_t r = 0; r < rows; r++) {
            buf_clear(&b);
            val_fmt(&b, rec_get(&t.rows[r], cols[0]));
            expr_t *s = mk(q, EX_STR, e->sp);
            s->str = pstr(arena_strndup(&q->arena, b.p ? b.p : "", b.n), b.n);
            e->args[r] = s;
            vals[r] = s->str;
        }
        e->nargs = (uint32_t)rows;
        uint64_t *words = arena_alloc(&q->arena, (rows ? rows : 1) * sizeof *words);
        e->set = arena_alloc(&q->arena, sizeof *e->set);
        cset_init(e->set, vals, (uint32_t)rows, words);
    } else {
        expr_t *any = NULL;
        for (size_t r = 0; r < rows; r++)
            any = join(q, EX_OR, any, row_cond(q, e, c, &t.rows[r], cols, &b), e->sp);
        if (!any) { /* no row: nothing matches */
            any = mk(q, EX_BOOL, e->sp);
            any->num = 0;
        }
        e->a = any;
    }
    buf_free(&b);
    free(cols);
    table_free(&t);
    return 0;
}

/* See op.h. */
int ex_subqueries(query_t *q, const char *const *paths, int npaths, const in_opts_t *io, const exec_opts_t *eo) {
    if (!q->nsubs) return 0;
    if (ex_reads_stdin(paths, npaths, io)) {
        fprintf(stderr, "postern: a subquery reads the inputs a second time, which stdin cannot be: give the "
                        "files\n");
        return 2;
    }
    for (uint32_t i = 0; i < q->nsubs; i++) {
        int rc = resolve_one(q, q->subs[i], paths, npaths, io, eo);
        if (rc) return rc;
    }
    return 0;
}
