/* lint.c — static warnings about a parsed query (lint_query in ast.h).
 *
 * Third stage of the pipeline (lex → parse → lint → plan). Each rule finds
 * a query that runs but does not do what it seems to in Sumo (pitfalls in
 * the Sumo reference, §8) and reports it with a stable code, the span of
 * the culprit and, where the fix is known, a hint. Rules that make a query
 * invalid are parse errors instead (parse.c). Lint never changes the query.
 */
#include "ast.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "keyword.h"
#include "lex.h"
#include "regex.h"

typedef struct lint {
    const query_t *q;   /* the query being checked (borrowed) */
    diag_t *d;          /* receives the messages (borrowed) */
    uint8_t *num;       /* by field id: the field holds a number at this point */
    uint8_t *have;      /* by field id: the field exists at this point (meaningful when closed) */
    bool closed;        /* the fields that exist are known: an aggregate made them */
    span_t closer;      /* that aggregate */
} lint_t;

static pstr_t span_text(const lint_t *l, span_t sp) { return pstr(l->q->text + sp.off, sp.len); }

static pstr_t fname(const lint_t *l, uint32_t id) {
    return id < l->q->ft.n ? ftab_name(&l->q->ft, id) : PSTR_LIT("?");
}

/* Add a message with its hint (hint may be NULL). */
static void report(lint_t *l, dlevel_t lvl, span_t sp, const char *code, const buf_t *msg, const buf_t *hint) {
    uint32_t i = diag_add(l->d, lvl, sp, code, "%s", msg->p ? msg->p : "");
    if (hint && hint->p) diag_hint(l->d, i, "%s", hint->p);
}

/* Functions whose result is a number (FF_NUM in FUNC_TABLE). */
static bool numeric_func(int fn) { return fn >= 0 && fn < FN__COUNT && (func_info[fn].flags & FF_NUM); }

/* The expression yields a number (given what earlier stages made numeric). */
static bool is_numeric(const lint_t *l, const expr_t *e) {
    switch (e->kind) {
    case EX_NUM: case EX_NEG: case EX_ADD: case EX_SUB: case EX_MUL: case EX_DIV: case EX_MOD:
        return true;
    case EX_CALL: return numeric_func(e->func);
    case EX_FIELD: return e->field < l->q->ft.n && l->num[e->field];
    case EX_COND: return is_numeric(l, e->b) && is_numeric(l, e->c);
    default: return false;
    }
}

static bool metadata_field(uint32_t id) {
    switch (id) {
    case F_SOURCECATEGORY: case F_SOURCE: case F_SOURCEHOST: case F_SOURCENAME: case F_COLLECTOR:
    case F_INDEX: case F_VIEW:
        return true;
    default: return false;
    }
}

/* Rule matches-wildcard: a quoted `matches` pattern written as a regex. */
static void check_matches(lint_t *l, const expr_t *e) {
    const expr_t *pat = e->b;
    if (!pat || pat->kind != EX_STR) return;
    pstr_t s = pat->str;
    if (memchr(s.p ? s.p : "", '*', s.n)) return;
    bool rx = false;
    for (size_t i = 0; i < s.n && !rx; i++) rx = strchr("(|\\^$[+{", s.p[i]) != NULL && s.p[i] != 0;
    if (!rx) return;
    buf_t m = {0}, h = {0};
    buf_puts(&m, "this is a wildcard pattern in Sumo, not a regex: it matches only the literal text, "
                 "so this test is always false");
    /* Propose the text as a regex only when it compiles as one. */
    char err[256];
    size_t eo;
    rx_t *r = rx_compile(s, err, sizeof err, &eo);
    if (r) {
        /* The string is already unescaped, so Sumo's "\\." shows as the regex \. */
        buf_puts(&h, "use `matches /");
        for (size_t i = 0; i < s.n; i++) {
            if (s.p[i] == '/') buf_putc(&h, '\\');
            buf_putc(&h, s.p[i]);
        }
        buf_puts(&h, "/` for a regex (it matches anywhere in the value)");
    } else {
        buf_printf(&h, "a regex goes between slashes (matches /.../), but this text is no regex either: %s", err);
    }
    rx_free(r);
    report(l, D_WARNING, pat->sp, "matches-wildcard", &m, &h);
    buf_free(&m);
    buf_free(&h);
}

/* Rule regex-re2: a `matches` or `replace` regex that uses what RE2 lacks
 * (lookaround, backreferences, atomic groups, possessive quantifiers). */
static void check_re2(lint_t *l, const expr_t *e) {
    size_t off = 0;
    const char *what = e->re ? rx_nonre2(e->re, &off) : NULL;
    if (!what) return;
    uint32_t body = e->sp.off + 1;
    pstr_t raw = pstr(l->q->text + body, e->sp.len >= 2 ? e->sp.len - 2 : 0);
    span_t sp = {body + lex_rawoff(raw, '/', off), 1};
    buf_t m = {0}, h = {0};
    buf_printf(&m, "Sumo documents RE2 regexes for matches and replace, and RE2 has no %s: Sumo may refuse this query",
               what);
    buf_puts(&h, "postern runs it as a Java regex (what parse regex documents); write it without the construct to be "
                 "sure");
    report(l, D_WARNING, sp, "regex-re2", &m, &h);
    buf_free(&m);
    buf_free(&h);
}

/* Rule in-numeric: `f in (25, 110)` on a field holding text. */
static void check_in(lint_t *l, const expr_t *e) {
    const expr_t *num = NULL;
    for (uint32_t i = 0; i < e->nargs && !num; i++)
        if (e->args[i]->kind == EX_NUM) num = e->args[i];
    if (!num || is_numeric(l, e->a)) return;
    buf_t m = {0}, h = {0};
    pstr_t a = span_text(l, e->a->sp);
    buf_printf(&m, "`in` does not cast: %.*s holds text, so it never equals the number %.*s", (int)a.n, a.p,
               (int)num->str.n, num->str.p);
    buf_printf(&h, "quote the values (in (\"%.*s\", ...)) or cast: num(%.*s) in (...)", (int)num->str.n,
               num->str.p, (int)a.n, a.p);
    report(l, D_WARNING, e->sp, "in-numeric", &m, &h);
    buf_free(&m);
    buf_free(&h);
}

/* Rules where-case and where-wildcard, on `a = b` / `a != b`. */
static void check_compare(lint_t *l, const expr_t *e, bool in_where) {
    const expr_t *fld = e->a, *lit = e->b;
    if (fld->kind == EX_STR) {
        fld = e->b;
        lit = e->a;
    }
    /* Two literals (`"*" = "*"`, the dashboard idiom for "no filter" once a
     * template variable is filled in) compare text with text as meant. */
    if (lit->kind != EX_STR || fld->kind == EX_STR) return;
    bool eq = e->kind == EX_EQ;
    pstr_t f = span_text(l, fld->sp), v = lit->str;
    if (memchr(v.p ? v.p : "", '*', v.n)) {
        buf_t m = {0}, h = {0};
        buf_printf(&m, "'*' is not a wildcard in `%s`: this compares with the literal text \"%.*s\"",
                   eq ? "=" : "!=", (int)v.n, v.p);
        buf_printf(&h, "use %s%.*s matches \"%.*s\"%s", eq ? "" : "!(", (int)f.n, f.p, (int)v.n, v.p, eq ? "" : ")");
        report(l, D_WARNING, lit->sp, "where-wildcard", &m, &h);
        buf_free(&m);
        buf_free(&h);
    }
    if (in_where && fld->kind == EX_FIELD && metadata_field(fld->field)) {
        buf_t m = {0}, h = {0};
        pstr_t n = fname(l, fld->field);
        buf_printf(&m, "`%s` in where is case-sensitive, unlike %.*s=... in the scope", eq ? "=" : "!=", (int)n.n,
                   n.p);
        buf_printf(&h, "test it in the scope, or compare toLowerCase(%.*s) with a lower-case value", (int)n.n, n.p);
        report(l, D_NOTE, e->sp, "where-case", &m, &h);
        buf_free(&m);
        buf_free(&h);
    }
}

/* Rule keyword-partial-wildcard: `jsmith@some*re.com`, a wildcard for part
 * of an inner term of a keyword of several terms, which Sumo's index
 * cannot match (keyword search page); postern matches nothing either. */
static void check_keyword(lint_t *l, const expr_t *e) {
    int32_t off = kw_partial_wildcard(e->kw);
    if (off < 0 || e->quoted || (uint32_t)off >= e->sp.len) return;
    uint32_t n = 1;
    while ((uint32_t)off + n < e->sp.len && strchr("*?", l->q->text[e->sp.off + (uint32_t)off + n])) n++;
    buf_t m = {0}, h = {0};
    buf_puts(&m, "in a keyword of several terms a wildcard stands for whole terms only, not part of one: "
                 "this keyword matches nothing");
    buf_puts(&h, "search the terms apart (`jsmith some*re`, an AND), or let the wildcard be a whole term "
                 "(`jsmith@*.com`)");
    report(l, D_WARNING, (span_t){e->sp.off + (uint32_t)off, n}, "keyword-partial-wildcard", &m, &h);
    buf_free(&m);
    buf_free(&h);
}

static void walk(lint_t *l, const expr_t *e, bool in_where) {
    if (!e) return;
    switch (e->kind) {
    case EX_KEYWORD: check_keyword(l, e); break;
    case EX_MATCHES: check_matches(l, e); break;
    case EX_REGEX: check_re2(l, e); break;
    case EX_IN: check_in(l, e); break;
    case EX_EQ: case EX_NE: check_compare(l, e, in_where); break;
    default: break;
    }
    walk(l, e->a, in_where);
    walk(l, e->b, in_where);
    walk(l, e->c, in_where);
    for (uint32_t i = 0; i < e->nargs; i++) walk(l, e->args[i], in_where);
}

/* Rules dcount, distinct-by-key, minmax-double, first-last. */
static void check_agg(lint_t *l, const stage_t *st, const aggspec_t *a) {
    buf_t m = {0}, h = {0};
    pstr_t f = a->field != FIELD_NONE ? fname(l, a->field) : PSTR_LIT("");
    pstr_t out = fname(l, a->as);
    if (pstr_ieq_c(span_text(l, a->name_sp), "dcount")) {
        buf_puts(&m, "dcount is not a Sumo operator (it is KQL's); running it as count_distinct");
        buf_printf(&h, "write count_distinct(%.*s)", (int)f.n, f.p);
        report(l, D_WARNING, a->name_sp, "dcount", &m, &h);
        buf_clear(&m);
        buf_clear(&h);
    }
    if (a->fn == AG_COUNT_DISTINCT) {
        for (uint32_t i = 0; i < st->nby; i++) {
            if (st->by[i] != a->field) continue;
            buf_printf(&m, "count_distinct(%.*s) is always 1: %.*s is also a `by` key", (int)f.n, f.p, (int)f.n, f.p);
            buf_printf(&h, "remove %.*s from `by`, or drop the distinct count", (int)f.n, f.p);
            report(l, D_WARNING, a->sp, "distinct-by-key", &m, &h);
            buf_clear(&m);
            buf_clear(&h);
            break;
        }
    }
    if ((a->fn == AG_MIN || a->fn == AG_MAX) && (a->field == F_MESSAGETIME || a->field == F_RECEIPTTIME)) {
        const char *fn = agg_info[a->fn].name;
        buf_printf(&m, "%s(%.*s) is a Double in Sumo (shown like 1.7172e+12); postern prints the integer", fn,
                   (int)f.n, f.p);
        buf_printf(&h, "use toLong() before formatDate(): formatDate(toLong(%.*s))", (int)out.n, out.p);
        report(l, D_NOTE, a->sp, "minmax-double", &m, &h);
        buf_clear(&m);
        buf_clear(&h);
    }
    if (a->fn == AG_FIRST || a->fn == AG_LAST) {
        bool first = a->fn == AG_FIRST;
        buf_printf(&m, "%s() is the %s value: Sumo's default order is newest first", first ? "first" : "last",
                   first ? "newest" : "oldest");
        report(l, D_NOTE, a->sp, "first-last", &m, NULL);
    }
    buf_free(&m);
    buf_free(&h);
}

/* Rule drop: parse/json without nodrop. */
static void check_drop(lint_t *l, const stage_t *st) {
    if (st->nodrop || st->json_auto) return;
    const char *op = stage_info[st->kind].name;
    buf_t m = {0}, h = {0};
    buf_printf(&m, "%s drops every message it cannot extract from", op);
    buf_puts(&h, "add nodrop to keep them (with null fields)");
    report(l, D_NOTE, st->sp, "drop", &m, &h);
    buf_free(&m);
    buf_free(&h);
}

/* Rule sort-text: a sort key nothing before made a number. */
static void check_sort(lint_t *l, const sortkey_t *k) {
    if (k->field < l->q->ft.n && l->num[k->field]) return;
    pstr_t n = fname(l, k->field);
    buf_t m = {0}, h = {0};
    buf_printf(&m, "%.*s is sorted as text (\"9\" comes after \"10\"): nothing before this sort makes it a number",
               (int)n.n, n.p);
    buf_printf(&h, "cast it first if it is numeric: | num(%.*s) as %.*s", (int)n.n, n.p, (int)n.n, n.p);
    report(l, D_NOTE, k->sp, "sort-text", &m, &h);
    buf_free(&m);
    buf_free(&h);
}

/* Aggregates whose result is a number. */
static bool numeric_agg(const lint_t *l, const aggspec_t *a) {
    switch (a->fn) {
    case AG_FIRST: case AG_LAST: return a->field < l->q->ft.n && l->num[a->field];
    case AG_VALUES: return false;
    default: return true;
    }
}

/* Rule field-missing: after an aggregate only its keys and outputs exist
 * (and what later stages create); reading any other field is a mistake
 * (`where cnt > 2` after `count by x`: the field is _count). */
static void check_have(lint_t *l, uint32_t id, span_t sp) {
    if (!l->closed || id >= l->q->ft.n || l->have[id]) return;
    pstr_t n = fname(l, id);
    buf_t m = {0}, h = {0};
    pstr_t agg = span_text(l, l->closer);
    int an = agg.n > 40 ? 37 : (int)agg.n;
    buf_printf(&m, "%.*s does not exist here: after `%.*s%s` only its group keys and results do (", (int)n.n, n.p,
               an, agg.p, agg.n > 40 ? "..." : "");
    const char *best = NULL;
    size_t bestn = 0;
    unsigned shown = 0;
    for (uint32_t i = 0; i < l->q->ft.n; i++) {
        if (!l->have[i]) continue;
        pstr_t c = ftab_name(&l->q->ft, i);
        if (shown < 8) buf_printf(&m, "%s%.*s", shown ? ", " : "", (int)c.n, c.p);
        shown++;
        /* A hint for the usual slip: cnt / count for _count. */
        if (c.n > 1 && c.p[0] == '_' && (pstr_ieq(pstr(c.p + 1, c.n - 1), n) ||
                                          (n.n >= 3 && c.n > n.n && pstr_ieq(pstr(c.p + 1, n.n), n)) ||
                                          (n.n >= 3 && pstr_ieq(pstr(c.p + 1, 1), pstr(n.p, 1)) && c.n - 1 > n.n &&
                                           pstr_ieq(pstr(c.p + c.n - 1, 1), pstr(n.p + n.n - 1, 1))))) {
            if (!best || c.n < bestn) best = c.p, bestn = c.n;
        }
    }
    buf_puts(&m, shown > 8 ? ", ...)" : ")");
    if (best) buf_printf(&h, "did you mean %.*s?", (int)bestn, best);
    report(l, D_WARNING, sp, "field-missing", &m, best ? &h : NULL);
    buf_free(&m);
    buf_free(&h);
}

/* Every field expression e reads, checked with check_have. */
static void reads_expr(lint_t *l, const expr_t *e) {
    if (!e) return;
    if (e->kind == EX_FIELD) check_have(l, e->field, e->sp);
    reads_expr(l, e->a);
    reads_expr(l, e->b);
    reads_expr(l, e->c);
    for (uint32_t i = 0; i < e->nargs; i++) reads_expr(l, e->args[i]);
}

/* The fields stage st reads (field-missing), then the fields it leaves. */
static void track_fields(lint_t *l, const stage_t *st) {
    switch (st->kind) {
    case ST_WHERE: case ST_ASSIGN: reads_expr(l, st->e); break;
    case ST_SORT:
        for (uint32_t i = 0; i < st->nkeys; i++) check_have(l, st->keys[i].field, st->keys[i].sp);
        break;
    case ST_AGG: case ST_TOP:
        for (uint32_t i = 0; i < st->naggs; i++)
            if (st->aggs[i].field != FIELD_NONE) check_have(l, st->aggs[i].field, st->aggs[i].sp);
        if (st->kind == ST_TOP) check_have(l, st->topfield, st->sp);
        for (uint32_t i = 0; i < st->nby; i++) check_have(l, st->by[i], st->by_sp[i]);
        break;
    case ST_FIELDS:
        if (!st->remove)
            for (uint32_t i = 0; i < st->nflds; i++) check_have(l, st->flds[i], st->flds_sp[i]);
        break;
    case ST_LOOKUP:
        for (uint32_t i = 0; i < st->non; i++) check_have(l, st->on_field[i], st->sp);
        break;
    default:
        if ((stage_info[st->kind].flags & SF_PARSE) && st->src_given) check_have(l, st->src, st->sp);
        break;
    }
    /* What exists afterwards. */
    if (st->kind == ST_AGG || st->kind == ST_TOP) {
        memset(l->have, 0, l->q->ft.n);
        for (uint32_t i = 0; i < st->nby; i++) l->have[st->by[i]] = 1;
        for (uint32_t i = 0; i < st->naggs; i++) l->have[st->aggs[i].as] = 1;
        if (st->kind == ST_TOP) {
            l->have[st->topfield] = 1;
            if (st->as < l->q->ft.n) l->have[st->as] = 1;
        }
        l->closed = true;
        l->closer = st->sp;
        return;
    }
    if (st->anyfield || ((stage_info[st->kind].flags & (SF_ANYFIELD | SF_BLOCKING)) && st->kind != ST_SORT)) {
        l->closed = false; /* json auto, transpose, compare: new names at run time */
        return;
    }
    if (st->as != FIELD_NONE && st->as < l->q->ft.n) l->have[st->as] = 1;
    if (st->kind == ST_TIMESLICE) l->have[F_TIMESLICE_END] = 1;
    if (st->kind != ST_FIELDS)
        for (uint32_t i = 0; i < st->nflds; i++) l->have[st->flds[i]] = 1;
}

static void lint_stage(lint_t *l, const stage_t *st) {
    track_fields(l, st);
    if (stage_info[st->kind].flags & SF_PARSE) {
        check_drop(l, st);
        for (uint32_t i = 0; i < st->nflds; i++) l->num[st->flds[i]] = 0;
    }
    switch (st->kind) {
    case ST_WHERE: walk(l, st->e, true); break;
    case ST_ASSIGN:
        walk(l, st->e, false);
        l->num[st->as] = st->e && is_numeric(l, st->e);
        break;
    case ST_AGG: {
        for (uint32_t i = 0; i < st->naggs; i++) check_agg(l, st, &st->aggs[i]);
        /* After aggregating, only the group keys and the outputs exist. */
        uint8_t *keep = xcalloc(l->q->ft.n, 1);
        for (uint32_t i = 0; i < st->nby; i++) keep[st->by[i]] = l->num[st->by[i]];
        for (uint32_t i = 0; i < st->naggs; i++) keep[st->aggs[i].as] = numeric_agg(l, &st->aggs[i]);
        memcpy(l->num, keep, l->q->ft.n);
        free(keep);
        break;
    }
    case ST_SORT:
        for (uint32_t i = 0; i < st->nkeys; i++) check_sort(l, &st->keys[i]);
        break;
    case ST_TOP: {
        uint32_t c = ftab_find(&l->q->ft, PSTR_LIT("_count"));
        if (c != FIELD_NONE) l->num[c] = 1;
        for (uint32_t i = 0; i < st->naggs; i++) l->num[st->aggs[i].as] = 1; /* count, sum, max */
        break;
    }
    case ST_LOOKUP:
        for (uint32_t i = 0; i < st->nflds; i++) l->num[st->flds[i]] = 0;
        break;
    case ST_TIMESLICE: l->num[st->as] = 1; break;
    default:
        if (stage_info[st->kind].flags & SF_NUMOUT)
            for (uint32_t i = 0; i < st->nflds; i++) l->num[st->flds[i]] = 1;
        break;
    }
}

/* offline: a cloud-only operator (a warning: the run will be refused),
 * or a source that needs a local stand-in (a note naming the option). */
static void check_offline(lint_t *l, const stage_t *st) {
    bool hard;
    const char *why = lk_offline(st, &hard);
    if (!why) return;
    const char *name = stage_info[st->kind].name;
    uint32_t i = hard ? diag_add(l->d, D_WARNING, st->sp, "cloud-only", "%s will not run offline: %s", name, why)
                      : diag_add(l->d, D_NOTE, st->sp, "offline-source", "%s %s", name, why);
    if (hard) diag_hint(l->d, i, "postern parses it, but refuses to run a query that contains it");
}

/* The span where e reads field id, or a zero span. */
static span_t expr_reads(const expr_t *e, uint32_t id) {
    if (!e) return (span_t){0, 0};
    if (e->kind == EX_FIELD && e->field == id) return e->sp;
    const expr_t *kids[3] = {e->a, e->b, e->c};
    for (int k = 0; k < 3; k++) {
        span_t sp = expr_reads(kids[k], id);
        if (sp.len) return sp;
    }
    for (uint32_t i = 0; i < e->nargs; i++) {
        span_t sp = expr_reads(e->args[i], id);
        if (sp.len) return sp;
    }
    return (span_t){0, 0};
}

/* The span where stage st reads field id (a key, an aggregate's or a
 * sort's field, a kept field, an expression), or a zero span. */
static span_t stage_reads(const stage_t *st, uint32_t id) {
    for (uint32_t i = 0; i < st->nby; i++)
        if (st->by[i] == id) return st->by_sp[i];
    for (uint32_t i = 0; i < st->naggs; i++)
        if (st->aggs[i].field == id) return st->aggs[i].sp;
    for (uint32_t i = 0; i < st->nkeys; i++)
        if (st->keys[i].field == id) return st->keys[i].sp;
    if (st->kind == ST_FIELDS && !st->remove)
        for (uint32_t i = 0; i < st->nflds; i++)
            if (st->flds[i] == id) return st->flds_sp[i];
    if (st->kind == ST_TOP && st->topfield == id) return st->sp;
    return expr_reads(st->e, id);
}

/* Rule bin-label: `_bin` read after a bin, which names its label
 * `_bin_label` (bin page); the log operators cheat sheet writes `_bin`. */
static void check_bin_label(lint_t *l) {
    uint32_t id = ftab_find(&l->q->ft, PSTR_LIT("_bin"));
    if (id == FIELD_NONE) return;
    bool after_bin = false;
    for (uint32_t i = 0; i < l->q->nst; i++) {
        const stage_t *st = &l->q->st[i];
        if (st->kind == ST_BIN) {
            if (st->as == id) return; /* bin ... as _bin */
            after_bin = true;
            continue;
        }
        span_t sp = after_bin ? stage_reads(st, id) : (span_t){0, 0};
        if (!sp.len) continue;
        buf_t m = {0}, h = {0};
        buf_puts(&m, "bin sets _bin_label, _bin_lower and _bin_upper; _bin does not exist, so it is null here");
        buf_puts(&h, "use _bin_label (the bin page's name), or name the label: bin f width=10 as _bin");
        report(l, D_WARNING, sp, "bin-label", &m, &h);
        buf_free(&m);
        buf_free(&h);
        return;
    }
}

/* See ast.h. Rules, in the order of the Sumo reference's pitfalls:
 * matches-wildcard, dcount, distinct-by-key, in-numeric, minmax-double,
 * first-last, where-case, where-wildcard, drop, sort-text; then
 * regex-re2, keyword-partial-wildcard, bin-label. */
void lint_query(const query_t *q, diag_t *d) {
    if (!q) return;
    lint_t l = {q, d, xcalloc(q->ft.n, 1), xcalloc(q->ft.n, 1), false, {0, 0}};
    static const uint32_t numeric_builtins[] = {F_MESSAGETIME, F_RECEIPTTIME, F_SIZE, F_MESSAGECOUNT, F_TIMESLICE};
    for (size_t i = 0; i < sizeof numeric_builtins / sizeof *numeric_builtins; i++)
        if (numeric_builtins[i] < q->ft.n) l.num[numeric_builtins[i]] = 1;
    walk(&l, q->scope, false);
    for (uint32_t i = 0; i < q->nst; i++) {
        lint_stage(&l, &q->st[i]);
        check_offline(&l, &q->st[i]);
    }
    check_bin_label(&l);
    free(l.num);
    free(l.have);
}
