/* parse.c — recursive-descent parser: query text to query_t (see ast.h).
 *
 * Second stage of the pipeline (lex → parse → lint → plan). The scope is a
 * small boolean grammar over search terms; each stage after a pipe starts
 * with its operator keyword. Expressions are parsed by precedence climbing
 * over the binding-power table binops[], with a depth cap so hostile input
 * cannot exhaust the stack. Errors go to the diag_t with the span of the
 * culprit; the parser skips to the next pipe and goes on, so one run
 * reports an error per broken stage.
 */
#include "op.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "eval.h"
#include "keyword.h"
#include "lex.h"
#include "regex.h"
#include "schema.h"

/* Deepest nesting of expressions (parentheses, unary operators and chains
 * of binary operators all count). */
#define PARSE_MAX_DEPTH 200
/* Bytes of the culprit token quoted in "near '...'". */
#define NEAR_MAX 32
/* Percentiles in one pct(f, a, b, ...). */
#define MAX_PCTS 16

/* ---- function and aggregate tables ----------------------------------- */

/* See ast.h. */
const func_info_t func_info[FN__COUNT] = { /* ORDER FUNC */
#define X(id, name, lo, hi, flags, impl, help) [id] = {name, lo, hi, flags, help},
    FUNC_TABLE(X)
#undef X
};

/* See ast.h. */
const agg_info_t agg_info[AG__COUNT] = { /* ORDER AGG */
#define X(id, name, dflt, arg, help) [id] = {name, dflt, arg, help},
    AGG_TABLE(X)
#undef X
};

/* See ast.h. */
int func_lookup(pstr_t name) {
    for (int i = 0; i < FN__COUNT; i++)
        if (pstr_ieq_c(name, func_info[i].name)) return i;
    return -1;
}

/* See ast.h. `dcount` is not found here: the parser maps it itself so that
 * lint can warn about it. */
int agg_lookup(pstr_t name) {
    for (int i = 0; i < AG__COUNT; i++)
        if (pstr_ieq_c(name, agg_info[i].name)) return i;
    return -1;
}

/* Distinct-count spellings from other query languages (KQL, Splunk,
 * SQL, pandas): errors with a count_distinct hint. */
static const char *const foreign_aggs[] = {
    "dc", "distinct_count", "distinctcount", "dcount_if", "dcountif", "count_distinct_if",
    "countdistinct", "approx_count_distinct", "estdc", "nunique", "uniq", "unique_count",
    "cardinality", "stats", "summarize", NULL,
};

/* Sumo operators and functions postern does not implement. */
static const char *const unsupported_ops[] = {
    "logcompare", "trace", "tojson", NULL,
};

/* Stage keywords, for "did you mean" on an unknown operator. */
static const char *const stage_words[] = {
    "where", "sort", "order", "limit", "top", "fields", "json", "parse", "extract", "timeslice",
    "lookup", "if", "count", "count_distinct", "sum", "min", "max", "avg", "first", "last",
    "values", "pct", "stddev", "transpose", "fillmissing", "total", "accum", "diff", "smooth",
    "rollingstd", "backshift", "outlier", "dedup", "topk", "count_frequent", "withtime", NULL,
};

static bool in_list(pstr_t w, const char *const *list) {
    for (; *list; list++)
        if (pstr_ieq_c(w, *list)) return true;
    return false;
}

static const char *closest_func(pstr_t w) {
    const char *names[FN__COUNT];
    for (int i = 0; i < FN__COUNT; i++) names[i] = func_info[i].name;
    return str_closest(w, names, FN__COUNT);
}

static const char *closest_agg(pstr_t w) {
    const char *names[AG__COUNT];
    for (int i = 0; i < AG__COUNT; i++) names[i] = agg_info[i].name;
    return str_closest(w, names, AG__COUNT);
}

/* ---- parser state and helpers ---------------------------------------- */

static void advance(parser_t *p) {
    p->prev_end = p->t.sp.off + p->t.sp.len;
    p->t = lex_next(&p->lx);
}

/* The token after t, without consuming anything. */
static tok_t peek(const parser_t *p) {
    lexer_t save = p->lx;
    return lex_next(&save);
}

/* t is the identifier (or scope term) w, in any case. */
static bool is_kw(const tok_t *t, const char *w) {
    return (t->kind == T_IDENT || t->kind == T_WORD) && pstr_ieq_c(t->v, w);
}

static span_t span_from(const parser_t *p, uint32_t start) {
    uint32_t end = p->prev_end > start ? p->prev_end : start;
    return (span_t){start, end - start};
}

/* Report an error unless this stage already has one. Returns the message
 * index for diag_hint (an out-of-range index when nothing was added, which
 * diag_hint ignores). */
static uint32_t error_at(parser_t *p, span_t sp, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static uint32_t error_at(parser_t *p, span_t sp, const char *fmt, ...) {
    if (p->fail) return UINT32_MAX;
    p->fail = true;
    buf_t b = {0};
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(&b, fmt, ap);
    va_end(ap);
    uint32_t i = diag_add(p->d, D_ERROR, sp, NULL, "%s", b.p ? b.p : "");
    buf_free(&b);
    return i;
}

/* The token's text for "near '...'": at most NEAR_MAX bytes, cut at a
 * newline. A bad token (an unterminated string) shows the text after it
 * too, since its span is only the opening quote. */
static int near_len(const parser_t *p, const tok_t *t) {
    const char *txt = p->q->text + t->sp.off;
    uint32_t n = t->kind == T_ERROR ? p->q->len - t->sp.off : t->sp.len;
    if (n > NEAR_MAX) n = NEAR_MAX;
    const char *nl = n ? memchr(txt, '\n', n) : NULL;
    return (int)(nl ? (uint32_t)(nl - txt) : n);
}

static uint32_t unexpected(parser_t *p, const char *what) {
    const tok_t *t = &p->t;
    const char *txt = p->q->text + t->sp.off;
    int n = near_len(p, t);
    if (t->kind == T_ERROR) return error_at(p, t->sp, "%s near '%.*s'", t->err, n, txt);
    if (t->kind == T_EOF) return error_at(p, t->sp, "unexpected end of query, expected %s", what);
    const char *kind;
    switch (t->kind) {
    case T_IDENT: kind = "identifier"; break;
    case T_QIDENT: case T_WORD: case T_NUM: case T_STR: case T_REGEX: case T_PATH:
        kind = lex_kind_desc(t->kind);
        break;
    default: kind = "symbol"; break;
    }
    return error_at(p, t->sp, "unexpected %s, expected %s near '%.*s'", kind, what, n, txt);
}

static bool expect(parser_t *p, uint8_t kind, const char *what) {
    if (p->t.kind != kind) {
        unexpected(p, what);
        return false;
    }
    advance(p);
    return true;
}

static bool expect_kw(parser_t *p, const char *w, const char *what) {
    if (!is_kw(&p->t, w)) {
        unexpected(p, what);
        return false;
    }
    advance(p);
    return true;
}

/* Count one more level of nesting; false (and an error) past the cap.
 * Callers restore p->depth when they return. */
static bool enter(parser_t *p) {
    if (++p->depth <= PARSE_MAX_DEPTH) return true;
    error_at(p, p->t.sp, "expression nested too deeply (more than %d levels)", PARSE_MAX_DEPTH);
    return false;
}

/* Make room for one more element of an arena array. */
static void *grow(parser_t *p, void *arr, uint32_t n, uint32_t *cap, size_t elem) {
    if (n < *cap) return arr;
    uint32_t nc = *cap ? *cap * 2 : 4;
    void *na = arena_grow(&p->q->arena, arr, *cap, nc, elem);
    *cap = nc;
    return na;
}
#define PUSH(p, arr, n, cap, val) \
    ((arr) = grow((p), (arr), (n), &(cap), sizeof *(arr)), (arr)[(n)++] = (val))

/* Append a field id and its span to two parallel arena arrays. */
static void push_field(parser_t *p, uint32_t **ids, span_t **sps, uint32_t *n, uint32_t *cap, uint32_t id,
                       span_t sp) {
    if (*n == *cap) {
        uint32_t nc = *cap ? *cap * 2 : 4;
        *ids = arena_grow(&p->q->arena, *ids, *cap, nc, sizeof **ids);
        *sps = arena_grow(&p->q->arena, *sps, *cap, nc, sizeof **sps);
        *cap = nc;
    }
    (*ids)[*n] = id;
    (*sps)[*n] = sp;
    (*n)++;
}

static expr_t *node(parser_t *p, uint8_t kind, span_t sp) {
    expr_t *e = arena_calloc(&p->q->arena, sizeof *e);
    e->kind = kind;
    e->sp = sp;
    e->field = FIELD_NONE;
    e->func = -1;
    return e;
}

/* A field the query reads (a Cloud SIEM alias names its schema field). */
static uint32_t field_use(parser_t *p, pstr_t name) {
    uint32_t id = ftab_intern(&p->q->ft, schema_query_name(&p->q->ft, name));
    p->q->ft.e[id].wanted = 1;
    return id;
}

/* A field the query creates; the spelling written here becomes its
 * display name (the last one wins). */
static uint32_t field_def(parser_t *p, pstr_t name) {
    uint32_t id = ftab_intern(&p->q->ft, name);
    ftab_rename(&p->q->ft, id, name);
    p->q->ft.e[id].assigned = 1;
    return id;
}

/* Length of a name that starts with digits at token t: the number's text
 * and an identifier right after it (`2hrs` lexes as 2 and hrs), when the
 * whole is letters, digits and `_` with at least one that is no digit
 * (timeslice page: `timeslice 2h as 2hrs`); 0 otherwise. */
static uint32_t digit_name_len(const parser_t *p, const tok_t *t) {
    if (t->kind != T_NUM) return 0;
    uint32_t end = t->sp.off + t->sp.len;
    tok_t nx = peek(p);
    if (nx.kind == T_IDENT && nx.sp.off == end) end = nx.sp.off + nx.sp.len;
    bool word = false;
    for (uint32_t i = t->sp.off; i < end; i++) {
        unsigned char c = (unsigned char)p->q->text[i];
        bool digit = c >= '0' && c <= '9';
        if (!digit && c != '_' && !((c | 0x20) >= 'a' && (c | 0x20) <= 'z')) return 0;
        word |= !digit;
    }
    return word ? end - t->sp.off : 0;
}

/* A field name: an identifier, %"quoted name", or a name that starts with
 * a digit (`2hrs`). */
static bool parse_fieldname(parser_t *p, pstr_t *name, span_t *sp) {
    uint32_t dn = digit_name_len(p, &p->t);
    if (dn) {
        uint32_t start = p->t.sp.off;
        while (p->t.kind != T_EOF && p->t.sp.off < start + dn) advance(p);
        *sp = (span_t){start, dn};
        *name = pstr(p->q->text + start, dn);
        return true;
    }
    if (p->t.kind != T_IDENT && p->t.kind != T_QIDENT) {
        unexpected(p, "a field name");
        return false;
    }
    if (p->t.v.n == 0) {
        error_at(p, p->t.sp, "empty field name");
        return false;
    }
    *name = p->t.v;
    *sp = p->t.sp;
    advance(p);
    return true;
}

/* A comma-separated list of field names, used (read) or defined. */
static bool parse_field_list(parser_t *p, bool def, uint32_t **ids, span_t **sps, uint32_t *n) {
    uint32_t cap = 0;
    for (;;) {
        pstr_t name;
        span_t sp;
        if (!parse_fieldname(p, &name, &sp)) return false;
        push_field(p, ids, sps, n, &cap, def ? field_def(p, name) : field_use(p, name), sp);
        if (p->t.kind != T_COMMA) return true;
        advance(p);
    }
}

/* The query byte of offset off in the pattern of regex token t. */
static span_t regex_span(const parser_t *p, const tok_t *t, size_t off) {
    char delim = t->kind == T_REGEX ? '/' : '"';
    uint32_t body = t->sp.off + 1;
    pstr_t raw = pstr(p->q->text + body, t->sp.len >= 2 ? t->sp.len - 2 : 0);
    return (span_t){body + lex_rawoff(raw, delim, off), 1};
}

/* Compile the regex in token t (a /regex/ or a "quoted" one); errors point
 * into the token. The query owns the result. */
static rx_t *compile_regex(parser_t *p, const tok_t *t, pstr_t pat) {
    char err[256];
    size_t off = 0;
    rx_t *r = rx_compile(pat, err, sizeof err, &off);
    if (!r) {
        error_at(p, regex_span(p, t, off), "%s", err);
        return NULL;
    }
    query_t *q = p->q;
    if (q->nrx == q->rxcap) {
        q->rxcap = q->rxcap ? q->rxcap * 2 : 4;
        q->rxs = xrealloc(q->rxs, q->rxcap * sizeof *q->rxs);
    }
    q->rxs[q->nrx++] = r;
    return r;
}

/* ---- expressions ----------------------------------------------------- */

/* Binding powers: higher binds tighter. */
enum { PREC_OR = 1, PREC_AND, PREC_NOT, PREC_CMP, PREC_ADD, PREC_MUL };

/* A binary operator: the token or word spelling it, the node it makes,
 * its binding power. All are left-associative. */
typedef struct opdef {
    uint8_t tok;       /* tok_kind_t, or T__COUNT for word-only operators */
    const char *word;  /* keyword spelling (any case), or NULL */
    uint8_t ex;        /* expr_kind_t */
    uint8_t prec;
} opdef_t;

static const opdef_t binops[] = {
    {T_OROR, "or", EX_OR, PREC_OR},
    {T_ANDAND, "and", EX_AND, PREC_AND},
    {T_EQ, NULL, EX_EQ, PREC_CMP},
    {T_EQEQ, NULL, EX_EQ, PREC_CMP},
    {T_NE, NULL, EX_NE, PREC_CMP},
    {T_LTGT, NULL, EX_NE, PREC_CMP},
    {T_LT, NULL, EX_LT, PREC_CMP},
    {T_GT, NULL, EX_GT, PREC_CMP},
    {T_LE, NULL, EX_LE, PREC_CMP},
    {T_GE, NULL, EX_GE, PREC_CMP},
    {T__COUNT, "in", EX_IN, PREC_CMP},
    {T__COUNT, "matches", EX_MATCHES, PREC_CMP},
    {T__COUNT, "contains", EX_CONTAINS, PREC_CMP},
    {T_PLUS, NULL, EX_ADD, PREC_ADD},
    {T_MINUS, NULL, EX_SUB, PREC_ADD},
    {T_STAR, NULL, EX_MUL, PREC_MUL},
    {T_SLASH, NULL, EX_DIV, PREC_MUL},
    {T_PERCENT, NULL, EX_MOD, PREC_MUL},
};

static const opdef_t *match_binop(const tok_t *t) {
    for (size_t i = 0; i < sizeof binops / sizeof *binops; i++) {
        const opdef_t *o = &binops[i];
        if (t->kind == o->tok || (o->word && t->kind == T_IDENT && pstr_ieq_c(t->v, o->word))) return o;
    }
    return NULL;
}

/* The binary operator at the current token; *neg for `not in`. */
static const opdef_t *find_binop(const parser_t *p, bool *neg) {
    *neg = false;
    if (is_kw(&p->t, "not")) {
        tok_t n = peek(p);
        if (!is_kw(&n, "in")) return NULL;
        *neg = true;
        return match_binop(&n);
    }
    return match_binop(&p->t);
}

/* An `in` list of string literals only becomes a set (cset_t): a test is
 * then a few word compares, whatever the list's length. */
static void in_set(parser_t *p, expr_t *e) {
    for (uint32_t i = 0; i < e->nargs; i++)
        if (e->args[i]->kind != EX_STR) return;
    pstr_t *vals = arena_alloc(&p->q->arena, e->nargs * sizeof *vals);
    uint64_t *words = arena_alloc(&p->q->arena, e->nargs * sizeof *words);
    for (uint32_t i = 0; i < e->nargs; i++) vals[i] = e->args[i]->str;
    e->set = arena_alloc(&p->q->arena, sizeof *e->set);
    cset_init(e->set, vals, e->nargs, words);
}

/* Words that cannot start an operand. */
static bool reserved_word(pstr_t w) {
    static const char *const words[] = {"and", "or", "in", "matches", "contains", "as", "by", NULL};
    return in_list(w, words);
}

static expr_t *parse_expr(parser_t *p);
static expr_t *parse_binary(parser_t *p, int minprec);

/* Parse "(e, e, ...)" into args; the opening parenthesis is current. */
static bool parse_args(parser_t *p, expr_t ***args, uint32_t *n, const char *what) {
    if (!expect(p, T_LPAREN, what)) return false;
    uint32_t cap = 0;
    if (p->t.kind != T_RPAREN) {
        for (;;) {
            expr_t *a = parse_expr(p);
            if (!a) return false;
            PUSH(p, *args, *n, cap, a);
            if (p->t.kind != T_COMMA) break;
            advance(p);
        }
    }
    return expect(p, T_RPAREN, "',' or ')'");
}

static void report_unknown_func(parser_t *p, const tok_t *name) {
    pstr_t w = name->v;
    int n = (int)(w.n > NEAR_MAX ? NEAR_MAX : w.n);
    if (in_list(w, foreign_aggs) || pstr_ieq_c(w, "dcount")) {
        uint32_t i = error_at(p, name->sp, "unknown function '%.*s'", n, w.p);
        diag_hint(p->d, i, "did you mean count_distinct? It is an aggregate, written as its own stage: "
                           "`| count_distinct(f) by g`");
    } else if (agg_lookup(w) >= 0) {
        uint32_t i = error_at(p, name->sp, "aggregate '%.*s' cannot be used inside an expression", n, w.p);
        diag_hint(p->d, i, "aggregates are a stage of their own: `| %.*s(f) as x by g`", n, w.p);
    } else if (in_list(w, unsupported_ops)) {
        error_at(p, name->sp, "postern does not support Sumo's '%.*s' yet", n, w.p);
    } else {
        uint32_t i = error_at(p, name->sp, "unknown function '%.*s'", n, w.p);
        const char *c = closest_func(w);
        if (c) diag_hint(p->d, i, "did you mean %s?", c);
    }
}

/* name(args...): the name is current and '(' follows. */
static expr_t *parse_call(parser_t *p) {
    tok_t name = p->t;
    int fn = func_lookup(name.v);
    if (fn < 0) {
        report_unknown_func(p, &name);
        return NULL;
    }
    advance(p);
    expr_t **args = NULL;
    uint32_t n = 0;
    if (!parse_args(p, &args, &n, "'('")) return NULL;
    const func_info_t *fi = &func_info[fn];
    span_t sp = span_from(p, name.sp.off);
    if ((n < fi->min_args || n > fi->max_args) && agg_lookup(name.v) >= 0) {
        /* min(x): the aggregate, where only min(a, b) is a function. */
        int len = (int)(name.v.n > NEAR_MAX ? NEAR_MAX : name.v.n);
        uint32_t i = error_at(p, sp, "aggregate '%.*s' cannot be used inside an expression", len, name.v.p);
        diag_hint(p->d, i, "the aggregate is a stage of its own: `| %.*s(f) as x by g`; %s(a, b) of two values is a function",
                  len, name.v.p, fi->name);
        return NULL;
    }
    if (n < fi->min_args || n > fi->max_args) {
        char want[48];
        if (fi->min_args == fi->max_args)
            snprintf(want, sizeof want, "%u argument%s", fi->min_args, fi->min_args == 1 ? "" : "s");
        else
            snprintf(want, sizeof want, "%u to %u arguments", fi->min_args, fi->max_args);
        uint32_t i = error_at(p, sp, "%s() takes %s, got %u", fi->name, want, n);
        diag_hint(p->d, i, "%s: %s", fi->name, fi->help);
        return NULL;
    }
    if (fn == FN_IF) {
        expr_t *e = node(p, EX_COND, sp);
        e->a = args[0];
        e->b = args[1];
        e->c = args[2];
        return e;
    }
    expr_t *e = node(p, EX_CALL, sp);
    e->func = fn;
    e->args = args;
    e->nargs = n;
    if (fi->flags & FF_RANGE) p->q->needs_range = true;
    if (!eval_prepare_call(e, p->d)) p->fail = true;
    return e;
}

static expr_t *number_node(parser_t *p, uint32_t start, bool negate) {
    double v = 0;
    int kind;
    if (!lex_num_value(p->t.v, &v, &kind)) {
        error_at(p, p->t.sp, "malformed number near '%.*s'", near_len(p, &p->t), p->q->text + p->t.sp.off);
        return NULL;
    }
    advance(p);
    expr_t *e = node(p, EX_NUM, span_from(p, start));
    e->num = negate ? -v : v;
    e->str = pstr(p->q->text + start, e->sp.len);
    return e;
}

static expr_t *parse_primary(parser_t *p) {
    tok_t t = p->t;
    expr_t *e;
    switch (t.kind) {
    case T_NUM: return number_node(p, t.sp.off, false);
    case T_STR:
    case T_PATH: /* lookupContains(path://"...", ...): the table's path as a string */
        advance(p);
        e = node(p, EX_STR, t.sp);
        e->str = t.v;
        return e;
    case T_REGEX: {
        rx_t *r = compile_regex(p, &t, t.v);
        if (!r) return NULL;
        advance(p);
        if (p->t.kind == T_IDENT && p->t.sp.off == t.sp.off + t.sp.len) {
            /* /re/i: flags after the slash are JavaScript's, not Sumo's. */
            uint32_t i = error_at(p, p->t.sp, "regex flags after the closing '/' are not Sumo syntax");
            diag_hint(p->d, i, "put them inside the pattern: /(?%.*s)%.*s/", (int)(p->t.v.n > 8 ? 8 : p->t.v.n),
                      p->t.v.p, (int)t.sp.len - 2, p->q->text + t.sp.off + 1);
            return NULL;
        }
        e = node(p, EX_REGEX, t.sp);
        e->str = t.v;
        e->re = r;
        return e;
    }
    case T_QIDENT:
        if (t.v.n == 0) {
            error_at(p, t.sp, "empty field name");
            return NULL;
        }
        advance(p);
        e = node(p, EX_FIELD, t.sp);
        e->field = field_use(p, t.v);
        return e;
    case T_LPAREN:
        advance(p);
        e = parse_expr(p);
        if (!e || !expect(p, T_RPAREN, "')'")) return NULL;
        return e;
    case T_LBRACKET: return ps_subquery(p, SUB_EXPR);
    case T_IDENT: {
        /* contains(a, b) is a function; contains alone is the operator. */
        if (peek(p).kind == T_LPAREN && pstr_ieq_c(t.v, "contains")) return parse_call(p);
        if (reserved_word(t.v)) break;
        if (peek(p).kind == T_LPAREN) return parse_call(p);
        bool tr = pstr_ieq_c(t.v, "true");
        if (tr || pstr_ieq_c(t.v, "false")) {
            advance(p);
            e = node(p, EX_BOOL, t.sp);
            e->num = tr;
            return e;
        }
        advance(p);
        e = node(p, EX_FIELD, t.sp);
        e->field = field_use(p, t.v);
        return e;
    }
    default: break;
    }
    unexpected(p, "an expression");
    return NULL;
}

static expr_t *parse_unary(parser_t *p) {
    uint32_t start = p->t.sp.off;
    uint8_t kind;
    if (p->t.kind == T_BANG || is_kw(&p->t, "not")) kind = EX_NOT;
    else if (p->t.kind == T_MINUS) kind = EX_NEG;
    else return parse_primary(p);
    bool word = p->t.kind == T_IDENT;
    advance(p);
    /* -5 is a literal, so `in (-1, 5)` stays a list of numbers. */
    if (kind == EX_NEG && p->t.kind == T_NUM && p->t.sp.off == start + 1) return number_node(p, start, true);
    int saved = p->depth;
    if (!enter(p)) return NULL;
    /* `not` binds looser than comparisons (not a = b is not (a = b));
     * `!` and `-` bind tightest. */
    expr_t *a = word ? parse_binary(p, PREC_NOT) : parse_unary(p);
    p->depth = saved;
    if (!a) return NULL;
    expr_t *e = node(p, kind, span_from(p, start));
    e->a = a;
    return e;
}

/* Precedence climbing: operators binding at least as tight as minprec. */
static expr_t *parse_binary(parser_t *p, int minprec) {
    int saved = p->depth;
    if (!enter(p)) return NULL;
    uint32_t start = p->t.sp.off;
    expr_t *left = parse_unary(p);
    while (left) {
        if (is_kw(&p->t, "not")) {
            tok_t n = peek(p);
            if (is_kw(&n, "matches") || is_kw(&n, "contains")) {
                int len = (int)n.v.n;
                uint32_t i = error_at(p, p->t.sp, "Sumo has no 'not %.*s'", len, n.v.p);
                diag_hint(p->d, i, "negate the whole test: !(x %.*s ...)", len, n.v.p);
                left = NULL;
                break;
            }
        }
        bool neg;
        const opdef_t *op = find_binop(p, &neg);
        if (!op || op->prec < minprec) break;
        /* Each fold nests the tree one level deeper. */
        if (!enter(p)) { left = NULL; break; }
        if (neg) advance(p);
        advance(p);
        expr_t *e = node(p, op->ex, span_from(p, start));
        e->a = left;
        e->neg = neg;
        if (op->ex == EX_IN && p->t.kind == T_LBRACKET) {
            /* x in [subquery: ... | compose x]: the values it returns */
            e->b = ps_subquery(p, SUB_IN);
            if (!e->b) { left = NULL; break; }
        } else if (op->ex == EX_IN) {
            if (!parse_args(p, &e->args, &e->nargs, "'(' and a list of values")) { left = NULL; break; }
            if (e->nargs == 0) {
                error_at(p, span_from(p, start), "empty list after in");
                left = NULL;
                break;
            }
            in_set(p, e);
        } else {
            e->b = parse_binary(p, op->prec + 1);
            if (!e->b) { left = NULL; break; }
        }
        e->sp = span_from(p, start);
        if (neg) { /* `x not in (...)` is `!(x in (...))`: true for a null x (docs/semantics.md §3) */
            expr_t *n = node(p, EX_NOT, e->sp);
            n->a = e;
            e->neg = false;
            e = n;
        }
        left = e;
    }
    p->depth = saved;
    return left;
}

/* A full expression: c ? a : b or anything binding tighter. */
static expr_t *parse_expr(parser_t *p) {
    uint32_t start = p->t.sp.off;
    expr_t *c = parse_binary(p, PREC_OR);
    if (!c || p->t.kind != T_QUESTION) return c;
    int saved = p->depth;
    if (!enter(p)) return NULL;
    advance(p);
    expr_t *a = parse_expr(p), *b = NULL;
    if (a && expect(p, T_COLON, "':'")) b = parse_expr(p);
    p->depth = saved;
    if (!b) return NULL;
    expr_t *e = node(p, EX_COND, span_from(p, start));
    e->a = c;
    e->b = a;
    e->c = b;
    return e;
}

/* ---- the scope ------------------------------------------------------- */

typedef bool (*stage_parse_fn)(parser_t *p, stage_t *st);
static stage_parse_fn stage_keyword(pstr_t w);

static expr_t *scope_or(parser_t *p);

static bool starts_term(const tok_t *t) {
    if (t->kind == T_STR || t->kind == T_LPAREN || t->kind == T_BANG || t->kind == T_QIDENT || t->kind == T_LBRACKET)
        return true;
    return t->kind == T_WORD && !is_kw(t, "or");
}

static expr_t *scope_term(parser_t *p) {
    tok_t t = p->t;
    expr_t *e;
    if (t.kind == T_LPAREN) {
        int saved = p->depth;
        if (!enter(p)) return NULL;
        advance(p);
        e = scope_or(p);
        p->depth = saved;
        if (!e || !expect(p, T_RPAREN, "')'")) return NULL;
        return e;
    }
    if (t.kind == T_LBRACKET) return ps_subquery(p, SUB_SCOPE);
    if (t.kind == T_STR) {
        advance(p);
        e = node(p, EX_KEYWORD, t.sp);
        e->str = t.v;
        e->quoted = true;
        e->kw = kw_compile(&p->q->arena, t.v, true);
        p->q->ft.e[F_RAW].wanted = 1;
        return e;
    }
    if (t.kind == T_QIDENT && peek(p).kind != T_EQ && peek(p).kind != T_NE) {
        advance(p);
        unexpected(p, "'=' after a quoted field name");
        return NULL;
    }
    if ((t.kind != T_WORD && t.kind != T_QIDENT) || is_kw(&t, "and") || is_kw(&t, "or") || is_kw(&t, "not")) {
        unexpected(p, "a search term");
        return NULL;
    }
    tok_t op = peek(p);
    if (op.kind == T_EQ || op.kind == T_NE) {
        advance(p);
        advance(p);
        if (p->t.kind != T_WORD && p->t.kind != T_STR) {
            unexpected(p, "a value after '='");
            return NULL;
        }
        tok_t v = p->t;
        advance(p);
        e = node(p, EX_FIELDWILD, span_from(p, t.sp.off));
        e->field = field_use(p, t.v);
        e->str = v.v;
        if (op.kind == T_NE) {
            expr_t *n = node(p, EX_NOT, e->sp);
            n->a = e;
            e = n;
        }
        return e;
    }
    advance(p);
    if (t.v.n == 1 && t.v.p[0] == '*') return node(p, EX_ALL, t.sp);
    e = node(p, EX_KEYWORD, t.sp);
    e->str = t.v;
    e->kw = kw_compile(&p->q->arena, t.v, false);
    p->q->ft.e[F_RAW].wanted = 1;
    return e;
}

static expr_t *scope_not(parser_t *p) {
    if (p->t.kind != T_BANG && !is_kw(&p->t, "not")) return scope_term(p);
    uint32_t start = p->t.sp.off;
    advance(p);
    int saved = p->depth;
    if (!enter(p)) return NULL;
    expr_t *a = scope_not(p);
    p->depth = saved;
    if (!a) return NULL;
    expr_t *e = node(p, EX_NOT, span_from(p, start));
    e->a = a;
    return e;
}

/* Terms joined by AND, written or implied. */
static expr_t *scope_and(parser_t *p) {
    uint32_t start = p->t.sp.off;
    int saved = p->depth;
    expr_t *left = scope_not(p);
    while (left) {
        if (is_kw(&p->t, "and")) advance(p);
        else if (!starts_term(&p->t)) break;
        if (!enter(p)) { left = NULL; break; }
        expr_t *right = scope_not(p);
        if (!right) { left = NULL; break; }
        expr_t *e = node(p, EX_AND, span_from(p, start));
        e->a = left;
        e->b = right;
        left = e;
    }
    p->depth = saved;
    return left;
}

static expr_t *scope_or(parser_t *p) {
    uint32_t start = p->t.sp.off;
    int saved = p->depth;
    expr_t *left = scope_and(p);
    while (left && is_kw(&p->t, "or")) {
        advance(p);
        if (!enter(p)) { left = NULL; break; }
        expr_t *right = scope_and(p);
        if (!right) { left = NULL; break; }
        expr_t *e = node(p, EX_OR, span_from(p, start));
        e->a = left;
        e->b = right;
        left = e;
    }
    p->depth = saved;
    return left;
}

/* A scope that starts with an operator (`count by x`, `where a > 1`) is a
 * keyword search for those words in Sumo, which is rarely what was meant:
 * warn with the fix. */
static void check_scope_operator(parser_t *p) {
    const tok_t t = p->t;
    if (t.kind != T_WORD) return;
    bool op = stage_keyword(t.v) != NULL || agg_lookup(t.v) >= 0 || pstr_ieq_c(t.v, "dcount");
    if (!op) return;
    tok_t n = peek(p);
    bool looks = n.kind == T_WORD || n.kind == T_STR || n.kind == T_LPAREN || n.kind == T_EOF;
    if (!looks || (n.kind == T_EOF && agg_lookup(t.v) < 0)) return;
    uint32_t end = n.kind == T_EOF ? t.sp.off + t.sp.len : n.sp.off + n.sp.len;
    uint32_t i = diag_add(p->d, D_WARNING, (span_t){t.sp.off, end - t.sp.off}, "scope-operator",
                          "'%.*s' before the first '|' is a keyword search for the word, not the operator",
                          (int)(t.v.n > NEAR_MAX ? NEAR_MAX : t.v.n), t.v.p);
    diag_hint(p->d, i, "to run the operator over every message, start the query with `* | %.*s`",
              (int)(t.v.n > NEAR_MAX ? NEAR_MAX : t.v.n), t.v.p);
}

static void parse_scope(parser_t *p) {
    if (p->t.kind == T_PIPE || p->t.kind == T_EOF) return;
    check_scope_operator(p);
    expr_t *e = scope_or(p);
    if (e && p->t.kind != T_PIPE && p->t.kind != T_EOF) unexpected(p, "'|' or end of query");
    p->q->scope = e;
}

/* ---- stages ---------------------------------------------------------- */

/* `field=x` before a pattern: the field parsed instead of _raw. */
static bool parse_src(parser_t *p, stage_t *st) {
    if (!is_kw(&p->t, "field") || peek(p).kind != T_EQ) return true;
    advance(p);
    advance(p);
    pstr_t name;
    span_t sp;
    if (!parse_fieldname(p, &name, &sp)) return false;
    st->src = field_use(p, name);
    st->src_given = true;
    return true;
}

/* See op.h (STAGE_KINDS). */
bool stage_where(parser_t *p, stage_t *st) {
    advance(p);
    st->kind = ST_WHERE;
    st->e = parse_expr(p);
    return st->e != NULL;
}

/* See op.h (STAGE_KINDS). */
bool stage_assign(parser_t *p, stage_t *st) {
    st->kind = ST_ASSIGN;
    st->e = parse_expr(p);
    if (!st->e) return false;
    if (!is_kw(&p->t, "as")) {
        /* `| num(duration)`: a function of a field without `as` writes
         * its result back into that field (num page). */
        const expr_t *e = st->e, *f = e;
        while (f->kind == EX_CALL && f->nargs >= 1) f = f->args[0]; /* formatDate(toLong(x)) writes x */
        if (e->kind == EX_CALL && (func_info[e->func].flags & FF_INPLACE) && f->kind == EX_FIELD &&
            (p->t.kind == T_PIPE || p->t.kind == T_EOF)) {
            st->as = f->field;
            p->q->ft.e[st->as].assigned = 1;
            return true;
        }
        uint32_t i = p->t.kind == T_PIPE || p->t.kind == T_EOF
                         ? error_at(p, st->e->sp, "this expression needs a name for its result")
                         : unexpected(p, "'as' and a field name");
        diag_hint(p->d, i, "an expression stage names its result: `| <expression> as <field>`");
        return false;
    }
    advance(p);
    pstr_t name;
    span_t sp;
    if (!parse_fieldname(p, &name, &sp)) return false;
    st->as = field_def(p, name);
    return true;
}

static void report_unknown_agg(parser_t *p, const tok_t *t) {
    pstr_t w = t->v;
    int n = (int)(w.n > NEAR_MAX ? NEAR_MAX : w.n);
    if (in_list(w, foreign_aggs)) {
        uint32_t i = error_at(p, t->sp, "'%.*s' is not a Sumo aggregate", n, w.p);
        if (pstr_ieq_c(w, "stats") || pstr_ieq_c(w, "summarize"))
            diag_hint(p->d, i, "did you mean count_distinct? Sumo writes aggregates directly after the "
                               "pipe: `| count_distinct(f) by g`");
        else
            diag_hint(p->d, i, "did you mean count_distinct?");
        return;
    }
    uint32_t i = error_at(p, t->sp, "unknown aggregate '%.*s'", n, w.p);
    const char *c = closest_agg(w);
    if (c) diag_hint(p->d, i, "did you mean %s?", c);
}

/* One aggregate with its optional `as`; appends to st->aggs (pct with
 * several percentiles appends one per percentile). */
static bool parse_aggspec(parser_t *p, stage_t *st, uint32_t *cap) {
    tok_t name = p->t;
    if (name.kind != T_IDENT) {
        unexpected(p, "an aggregate such as count or sum");
        return false;
    }
    int fn = agg_lookup(name.v);
    if (fn < 0 && pstr_ieq_c(name.v, "dcount")) fn = AG_COUNT_DISTINCT;
    if (fn < 0) {
        report_unknown_agg(p, &name);
        return false;
    }
    const char *fname = agg_info[fn].name;
    /* median(f) is pct(f, 50) (median page); pct_sampling is pct, exact. */
    bool median = fn == AG_MEDIAN;
    if (median || fn == AG_PCT_SAMPLING) fn = AG_PCT;
    advance(p);
    uint32_t field = FIELD_NONE;
    double pct[MAX_PCTS];
    pstr_t pct_txt[MAX_PCTS];
    uint32_t npct = 0;
    if (p->t.kind == T_LPAREN) {
        advance(p);
        if (p->t.kind == T_STAR && fn == AG_COUNT && peek(p).kind == T_RPAREN) advance(p); /* count(*) */
        else if (p->t.kind != T_RPAREN) {
            expr_t *a = parse_expr(p);
            if (!a) return false;
            if (a->kind != EX_FIELD) {
                uint32_t i = error_at(p, a->sp, "the argument of %s must be a field name, not an expression", fname);
                diag_hint(p->d, i, "compute it in a stage before: `| <expression> as x | %s(x)`", fname);
                return false;
            }
            field = a->field;
            while (p->t.kind == T_COMMA) {
                advance(p);
                if (fn != AG_PCT || median) {
                    error_at(p, p->t.sp, "%s takes a single field", fname);
                    return false;
                }
                if (p->t.kind != T_NUM) {
                    unexpected(p, "a percentile such as 95");
                    return false;
                }
                if (npct == MAX_PCTS) {
                    error_at(p, p->t.sp, "more than %d percentiles in one pct", MAX_PCTS);
                    return false;
                }
                double v = -1;
                int nk;
                if (!lex_num_value(p->t.v, &v, &nk) || nk != LEX_NUM_PLAIN) v = -1;
                if (!(v >= 0 && v <= 100)) {
                    error_at(p, p->t.sp, "a percentile is between 0 and 100");
                    return false;
                }
                pct_txt[npct] = p->t.v;
                pct[npct++] = v;
                advance(p);
            }
        }
        if (!expect(p, T_RPAREN, "')'")) return false;
    }
    uint8_t kind = agg_info[fn].arg;
    if ((kind == 2 || kind == 3) && field == FIELD_NONE) {
        error_at(p, span_from(p, name.sp.off), "%s needs a field: %s(<field>)", fname, fname);
        return false;
    }
    if (kind == 3 && npct == 0) {
        /* pct(<field> [, 50]): the percentile defaults to the median (median page). */
        pct_txt[0] = PSTR_LIT("50");
        pct[npct++] = 50;
    }
    uint32_t as = FIELD_NONE;
    if (is_kw(&p->t, "as")) {
        if (npct > 1) {
            error_at(p, p->t.sp, "pct with several percentiles names its outputs itself and takes no 'as'");
            return false;
        }
        advance(p);
        pstr_t an;
        span_t asp;
        if (!parse_fieldname(p, &an, &asp)) return false;
        as = field_def(p, an);
    }
    aggspec_t a = {0};
    a.fn = fn;
    a.field = field;
    a.sp = span_from(p, name.sp.off);
    a.name_sp = name.sp;
    a.as_given = as != FIELD_NONE;
    if (fn != AG_PCT) {
        a.as = a.as_given ? as : field_def(p, pstr_c(agg_info[fn].default_as));
        PUSH(p, st->aggs, st->naggs, *cap, a);
        return true;
    }
    /* pct's default name is Sumo's _<field>_pct_<percentile as written>. */
    for (uint32_t k = 0; k < npct; k++) {
        a.arg = pct[k];
        if (a.as_given) {
            a.as = as;
        } else {
            pstr_t f = ftab_name(&p->q->ft, field);
            buf_t b = {0};
            buf_printf(&b, "_%.*s_pct_%.*s", (int)f.n, f.p, (int)pct_txt[k].n, pct_txt[k].p);
            a.as = field_def(p, pstr(b.p, b.n));
            buf_free(&b);
        }
        PUSH(p, st->aggs, st->naggs, *cap, a);
    }
    return true;
}

/* See op.h (STAGE_KINDS). */
bool stage_agg(parser_t *p, stage_t *st) {
    st->kind = ST_AGG;
    uint32_t cap = 0;
    for (;;) {
        if (!parse_aggspec(p, st, &cap)) return false;
        if (p->t.kind != T_COMMA) break;
        advance(p);
    }
    /* Two outputs with one name: Sumo requires distinct `as` names. */
    for (uint32_t i = 1; i < st->naggs; i++) {
        for (uint32_t j = 0; j < i; j++) {
            const aggspec_t *a = &st->aggs[j], *b = &st->aggs[i];
            if (a->as != b->as || a->sp.off == b->sp.off) continue;
            pstr_t n = ftab_name(&p->q->ft, b->as);
            if (!a->as_given && !b->as_given) {
                uint32_t k = error_at(p, b->sp, "two aggregates would both be named '%.*s'", (int)n.n, n.p);
                diag_hint(p->d, k, "Sumo requires `as` here: `%.*s as <name>`", (int)b->sp.len,
                          p->q->text + b->sp.off);
            } else {
                error_at(p, b->sp, "two aggregates are both named '%.*s'", (int)n.n, n.p);
            }
            return false;
        }
    }
    if (is_kw(&p->t, "group")) {
        /* `group by`, and `group` alone (sum page: `sum (filesize) group _sourceHost`). */
        advance(p);
        if (is_kw(&p->t, "by")) advance(p);
    } else if (is_kw(&p->t, "by")) {
        advance(p);
    } else if (p->t.kind != T_IDENT && p->t.kind != T_QIDENT) {
        return true;
    } /* else Sumo's `count _timeslice, ip`: group keys without `by` */
    return parse_field_list(p, false, &st->by, &st->by_sp, &st->nby);
}

/* See op.h (STAGE_KINDS). */
bool stage_sort(parser_t *p, stage_t *st) {
    st->kind = ST_SORT;
    advance(p);
    if (is_kw(&p->t, "by")) advance(p);
    uint32_t cap = 0;
    for (;;) {
        uint32_t start = p->t.sp.off;
        bool desc = true;
        if (p->t.kind == T_MINUS) advance(p);
        else if (p->t.kind == T_PLUS) { desc = false; advance(p); }
        pstr_t name;
        span_t sp;
        if (!parse_fieldname(p, &name, &sp)) return false;
        uint32_t id = field_use(p, name);
        if (is_kw(&p->t, "asc")) { desc = false; advance(p); }
        else if (is_kw(&p->t, "desc")) { desc = true; advance(p); }
        sortkey_t k = {id, desc, span_from(p, start)};
        PUSH(p, st->keys, st->nkeys, cap, k);
        if (p->t.kind != T_COMMA) return true;
        advance(p);
    }
}

/* A non-negative integer literal (a size suffix is allowed: `limit 1k`). */
static bool parse_count(parser_t *p, int64_t *out) {
    if (p->t.kind != T_NUM) {
        unexpected(p, "a number");
        return false;
    }
    double v;
    int kind;
    if (!lex_num_value(p->t.v, &v, &kind) || kind == LEX_NUM_TIME || v != floor(v) || !(v >= 0 && v < 9e15)) {
        error_at(p, p->t.sp, "expected a whole number near '%.*s'", near_len(p, &p->t), p->q->text + p->t.sp.off);
        return false;
    }
    *out = (int64_t)v;
    advance(p);
    return true;
}

/* Sumo's largest `limit` (limit page). */
#define LIMIT_MAX 10000

/* See op.h (STAGE_KINDS). */
bool stage_limit(parser_t *p, stage_t *st) {
    st->kind = ST_LIMIT;
    advance(p);
    tok_t t = p->t;
    if (!parse_count(p, &st->n)) return false;
    if (st->n > LIMIT_MAX) {
        uint32_t i = error_at(p, t.sp, "limit takes at most %d rows", LIMIT_MAX);
        diag_hint(p->d, i, "as in Sumo; to see every row, leave the limit out");
        return false;
    }
    return true;
}

/* See op.h (STAGE_KINDS). */
bool stage_top(parser_t *p, stage_t *st) {
    st->kind = ST_TOP;
    advance(p);
    st->n = 10;
    if (p->t.kind == T_NUM && !parse_count(p, &st->n)) return false;
    pstr_t name;
    span_t sp;
    if (!parse_fieldname(p, &name, &sp)) return false;
    st->topfield = field_use(p, name);
    uint32_t cnt = ftab_intern(&p->q->ft, PSTR_LIT("_count"));
    st->as = cnt;
    /* top N a, b, c: the most frequent combinations (b, c are group keys). */
    if (p->t.kind == T_COMMA) {
        advance(p);
        if (!parse_field_list(p, false, &st->by, &st->by_sp, &st->nby)) return false;
    }
    uint32_t acap = 0, kcap = 0;
    if (!is_kw(&p->t, "by")) {
        aggspec_t a = {.fn = AG_COUNT, .field = FIELD_NONE, .as = cnt, .sp = st->sp};
        PUSH(p, st->aggs, st->naggs, acap, a);
        sortkey_t k = {cnt, true, st->sp};
        PUSH(p, st->keys, st->nkeys, kcap, k);
        return true;
    }
    advance(p);
    /* `by k1 [asc|desc], k2 ...` ranks the groups (the top page's
     * `top 10 _sourceCategory by _messagetime`; panels write
     * `top 10 c_ip by _count, c_ip asc`). A key is: `count`, the count;
     * `_count`, the sum of an earlier aggregate's _count (a record without
     * one counts 1, so on raw messages it is the count); a group field, its
     * value; any other field, its largest value. Keys sort descending unless
     * written asc; later keys break ties. */
    for (;;) {
        uint32_t start = p->t.sp.off;
        if (!parse_fieldname(p, &name, &sp)) return false;
        bool desc = true;
        if (is_kw(&p->t, "asc")) { desc = false; advance(p); }
        else if (is_kw(&p->t, "desc")) advance(p);
        span_t ksp = span_from(p, start);
        uint32_t id;
        aggspec_t a = {.field = FIELD_NONE, .sp = ksp, .name_sp = sp};
        bool agg = true;
        if (pstr_ieq_c(name, "count")) {
            a.fn = AG_COUNT;
            id = cnt;
        } else if (pstr_ieq_c(name, "_count")) {
            a.fn = AG_SUM;
            a.field = field_use(p, name);
            a.one_if_missing = true;
            id = cnt;
        } else {
            id = field_use(p, name);
            agg = id != st->topfield;
            for (uint32_t i = 0; i < st->nby && agg; i++) agg = id != st->by[i];
            a.fn = AG_MAX;
            a.field = id;
        }
        for (uint32_t i = 0; i < st->nkeys; i++)
            if (st->keys[i].field == id) {
                error_at(p, sp, "top ranks by '%.*s' twice", (int)(name.n > NEAR_MAX ? NEAR_MAX : name.n), name.p);
                return false;
            }
        if (agg) {
            a.as = id;
            PUSH(p, st->aggs, st->naggs, acap, a);
        }
        sortkey_t k = {id, desc, ksp};
        PUSH(p, st->keys, st->nkeys, kcap, k);
        if (p->t.kind != T_COMMA) break;
        advance(p);
    }
    st->as = st->keys[0].field;
    return true;
}

/* See op.h (STAGE_KINDS). */
bool stage_fields(parser_t *p, stage_t *st) {
    st->kind = ST_FIELDS;
    advance(p);
    if (p->t.kind == T_MINUS) { st->remove = true; advance(p); }
    else if (p->t.kind == T_PLUS) advance(p);
    uint32_t cap = 0;
    for (;;) {
        pstr_t name;
        span_t sp;
        if (!parse_fieldname(p, &name, &sp)) return false;
        /* Kept fields must be read; removed ones need not be. */
        uint32_t id = st->remove ? ftab_intern(&p->q->ft, name) : field_use(p, name);
        for (uint32_t k = 0; k < st->nflds; k++)
            if (pstr_ieq(pstr(p->q->text + st->flds_sp[k].off, st->flds_sp[k].len), pstr(p->q->text + sp.off, sp.len))) {
                error_at(p, sp, "field '%.*s' is listed twice", (int)(name.n > NEAR_MAX ? NEAR_MAX : name.n), name.p);
                return false;
            }
        push_field(p, &st->flds, &st->flds_sp, &st->nflds, &cap, id, sp);
        if (p->t.kind != T_COMMA) return true;
        advance(p);
    }
}

/* Check the groups of regex re (token t, the stage's regex number k) and
 * append an output for each: Sumo extracts named groups only, one field
 * each, and not one inside another. */
static bool parse_regex_outputs(parser_t *p, stage_t *st, const tok_t *t, const rx_t *re, uint32_t k) {
    uint32_t ng = rx_ngroups(re), nn = rx_nnames(re);
    for (uint32_t g = 1; g <= ng; g++) {
        span_t gs = regex_span(p, t, rx_group_off(re, g));
        if (!rx_group_name(re, g).n) {
            /* The parse regex page says unnamed groups are not supported,
             * yet Sumo's own app queries use them ("…"(,|\])): a warning,
             * and the group fills no field. */
            uint32_t i = diag_add(p->d, D_WARNING, gs, "regex-unnamed-group",
                                  "this group has no name: it extracts nothing (the parse regex page says Sumo "
                                  "does not support unnamed groups)");
            diag_hint(p->d, i, "use (?:...) for a group that captures nothing, or name it: (?<name>...)");
            continue;
        }
        uint32_t par = rx_group_parent(re, g);
        if (par && rx_group_name(re, par).n) {
            uint32_t i = error_at(p, gs, "parse regex cannot extract a named group inside another one");
            diag_hint(p->d, i, "make the outer group (?:...), or extract the inner part with another parse regex");
            return false;
        }
    }
    if (nn == 0) {
        uint32_t i = error_at(p, t->sp, "parse regex needs at least one named group");
        diag_hint(p->d, i, "name what to extract: (?<user>\\S+)");
        return false;
    }
    if (ng > PARSE_REGEX_MAX_GROUPS) {
        error_at(p, t->sp, "parse regex takes at most %d groups", PARSE_REGEX_MAX_GROUPS);
        return false;
    }
    /* Outputs in the order the groups appear in the pattern (rx_name's
     * order), each with its regex and group number. */
    arena_t *a = &p->q->arena;
    uint32_t n = st->nflds, total = n + nn;
    st->flds = arena_grow(a, st->flds, n, total, sizeof *st->flds);
    st->flds_sp = arena_grow(a, st->flds_sp, n, total, sizeof *st->flds_sp);
    st->flds_re = arena_grow(a, st->flds_re, n, total, sizeof *st->flds_re);
    st->flds_grp = arena_grow(a, st->flds_grp, n, total, sizeof *st->flds_grp);
    for (uint32_t i = 0; i < nn; i++) {
        uint32_t g;
        pstr_t name = rx_name(re, i, &g);
        /* The name bytes live in the compiled regex; intern copies them. */
        uint32_t id = field_def(p, name);
        span_t gs = regex_span(p, t, rx_group_off(re, g));
        for (uint32_t j = 0; j < st->nflds; j++) {
            if (st->flds[j] != id) continue;
            error_at(p, gs, "this parse regex extracts the field '%.*s' twice", (int)name.n, name.p);
            return false;
        }
        st->flds[st->nflds] = id;
        st->flds_sp[st->nflds] = gs;
        st->flds_re[st->nflds] = k;
        st->flds_grp[st->nflds] = g;
        st->nflds++;
    }
    return true;
}

/* parse regex [field=f] "re" [, "re"...] [nodrop] [multi]. Several
 * comma-separated regexes each match from the start of the message, and
 * all must match (parse regex page). */
bool stage_parse_regex(parser_t *p, stage_t *st) {
    st->kind = ST_PARSE_REGEX;
    advance(p);
    if (!parse_src(p, st)) return false;
    for (;;) {
        if (p->t.kind != T_STR) {
            unexpected(p, st->nres ? "another quoted regex" : "a quoted regex such as \"user=(?<user>\\S+)\"");
            return false;
        }
        tok_t t = p->t;
        rx_t *re = compile_regex(p, &t, t.v);
        if (!re) return false;
        if (!st->nres) {
            st->pattern = t.v;
            st->re = re;
        }
        st->res = arena_grow(&p->q->arena, st->res, st->nres, st->nres + 1, sizeof *st->res);
        st->res[st->nres++] = re;
        if (!parse_regex_outputs(p, st, &t, re, st->nres - 1)) return false;
        advance(p);
        if (p->t.kind != T_COMMA) break;
        advance(p);
    }
    for (;;) {
        if (is_kw(&p->t, "nodrop")) {
            st->nodrop = true;
        } else if (is_kw(&p->t, "multi")) {
            if (st->nres > 1) {
                uint32_t i = error_at(p, p->t.sp, "multi takes a single regex, and this parse regex has %u",
                                      st->nres);
                diag_hint(p->d, i, "one parse regex ... multi, then a parse regex for the other fields");
                return false;
            }
            st->multi = true;
        } else {
            return true;
        }
        advance(p);
    }
}

/* timeslice's `as f` (default _timeslice). */
static bool timeslice_as(parser_t *p, stage_t *st) {
    if (is_kw(&p->t, "as")) {
        advance(p);
        pstr_t name;
        span_t sp;
        if (!parse_fieldname(p, &name, &sp)) return false;
        st->as = field_def(p, name);
    } else {
        st->as = F_TIMESLICE;
        p->q->ft.e[F_TIMESLICE].assigned = 1;
    }
    return true;
}

/* See op.h (STAGE_KINDS). */
bool stage_timeslice(parser_t *p, stage_t *st) {
    static const struct { const char *unit; int64_t ms; } units[] = {
        {"ms", 1}, {"s", 1000}, {"m", 60000}, {"h", 3600000}, {"d", 86400000}, {"w", 604800000},
    };
    st->kind = ST_TIMESLICE;
    advance(p);
    if (is_kw(&p->t, "by")) advance(p);
    if (p->t.kind != T_NUM) {
        /* No width: one slice, the search's time range (timeslice page). */
        if (p->t.kind != T_PIPE && p->t.kind != T_EOF && !is_kw(&p->t, "as")) {
            unexpected(p, "a width such as 5m, `N buckets`, or nothing");
            return false;
        }
        p->q->needs_range = true;
        return timeslice_as(p, st);
    }
    uint32_t start = p->t.sp.off;
    double v = 0, ms;
    int kind = LEX_NUM_PLAIN;
    lex_num_value(p->t.v, &v, &kind);
    advance(p);
    if (kind == LEX_NUM_TIME) {
        ms = v; /* 5m: the lexer applied the unit */
    } else {
        if (is_kw(&p->t, "buckets")) {
            advance(p);
            if (!(v >= 1 && v <= 100000 && v == floor(v))) {
                error_at(p, span_from(p, start), "the number of buckets is a whole number from 1 to 100000");
                return false;
            }
            st->buckets = (uint32_t)v;
            p->q->needs_range = true;
            return timeslice_as(p, st);
        }
        /* `5 m`: the unit as a word of its own. */
        if (kind != LEX_NUM_PLAIN || p->t.kind != T_IDENT) {
            unexpected(p, "a time unit (ms, s, m, h, d or w)");
            return false;
        }
        int64_t mult = 0;
        for (size_t i = 0; i < sizeof units / sizeof *units; i++)
            if (pstr_ieq_c(p->t.v, units[i].unit)) mult = units[i].ms;
        if (!mult) {
            uint32_t i = error_at(p, p->t.sp, "unknown time unit '%.*s'",
                                  (int)(p->t.v.n > NEAR_MAX ? NEAR_MAX : p->t.v.n), p->t.v.p);
            diag_hint(p->d, i, "use ms, s, m, h, d or w, e.g. timeslice 5m");
            return false;
        }
        advance(p);
        ms = v * (double)mult;
    }
    if (!(ms >= 1 && ms <= 1e15)) {
        error_at(p, span_from(p, start), "timeslice width must be between 1ms and about 30000 years");
        return false;
    }
    st->slice_ms = (int64_t)llround(ms);
    return timeslice_as(p, st);
}

/* See ast.h. */
const stage_info_t stage_info[ST__COUNT] = { /* ORDER STAGE */
#define X(k, name, flags, ps, row, tab) [k] = {name, flags},
    STAGE_KINDS(X)
#undef X
};

/* Operator keywords and their parse functions: every one-word keyword of
 * STAGE_KINDS (the expression stage and aggregates are found otherwise),
 * then other spellings. */
static const struct stage_word {
    const char *word;
    stage_parse_fn fn;
} stage_kw[] = {
#define X(k, name, flags, ps, row, tab) {name, ps},
    STAGE_KINDS(X)
#undef X
    {"order", stage_sort},
    {"extract", stage_parse_regex},
};

/* The parse function of the operator keyword w, or NULL. */
static stage_parse_fn stage_keyword(pstr_t w) {
    for (size_t i = 0; i < sizeof stage_kw / sizeof *stage_kw; i++) {
        const struct stage_word *k = &stage_kw[i];
        if (k->fn == stage_assign || k->fn == stage_agg || strchr(k->word, ' ')) continue;
        if (pstr_ieq_c(w, k->word)) return k->fn;
    }
    return NULL;
}

/* Tokens after a leading identifier that make the stage an expression. */
static bool continues_expr(const tok_t *t) {
    if (t->kind == T_QUESTION || is_kw(t, "as") || is_kw(t, "not")) return true;
    return match_binop(t) != NULL;
}

/* min and max are aggregates and functions of two values: `| max(a, b)
 * as m` is the function, `| max(x) by g` the aggregate. True when the
 * parenthesised list after the current token has a comma at its top. */
static bool call_has_comma(const parser_t *p) {
    lexer_t lx = p->lx;
    if (lex_next(&lx).kind != T_LPAREN) return false;
    for (int depth = 1;;) {
        switch (lex_next(&lx).kind) {
        case T_LPAREN: depth++; break;
        case T_RPAREN:
            if (--depth == 0) return false;
            break;
        case T_COMMA:
            if (depth == 1) return true;
            break;
        case T_EOF: case T_PIPE: case T_ERROR: return false;
        default: break;
        }
    }
}

/* Dispatch on the operator keyword; returns false on an error. */
static bool parse_stage_body(parser_t *p, stage_t *st) {
    const tok_t t = p->t;
    if (t.kind == T_PIPE || t.kind == T_EOF) {
        unexpected(p, "an operator such as where, count or sort");
        return false;
    }
    if (t.kind != T_IDENT) return stage_assign(p, st);
    pstr_t w = t.v;
    stage_parse_fn fn = stage_keyword(w);
    if (fn) return fn(p, st);
    if (pstr_ieq_c(w, "summarize")) {
        /* logreduce's old name (logreduce page: "synonyms for a limited
         * time"); KQL's `summarize count() by x` stays a foreign aggregate. */
        tok_t n = peek(p);
        if (!(n.kind == T_IDENT && !is_kw(&n, "field") && !is_kw(&n, "by") && !is_kw(&n, "limit") &&
              !is_kw(&n, "criteria") && !is_kw(&n, "optimize")))
            return stage_logreduce(p, st);
    }
    if (agg_lookup(w) >= 0 && func_lookup(w) >= 0 && call_has_comma(p)) return stage_assign(p, st);
    if (agg_lookup(w) >= 0 || pstr_ieq_c(w, "dcount")) return stage_agg(p, st);
    if (in_list(w, foreign_aggs)) {
        report_unknown_agg(p, &t);
        return false;
    }
    tok_t n = peek(p);
    if (n.kind == T_LPAREN || continues_expr(&n) || pstr_ieq_c(w, "not") || pstr_ieq_c(w, "true") ||
        pstr_ieq_c(w, "false"))
        return stage_assign(p, st);
    int len = (int)(w.n > NEAR_MAX ? NEAR_MAX : w.n);
    if (in_list(w, unsupported_ops)) {
        error_at(p, t.sp, "postern does not support Sumo's '%.*s' operator yet", len, w.p);
        return false;
    }
    uint32_t i = error_at(p, t.sp, "unknown operator '%.*s'", len, w.p);
    /* `csv_raw extract ...` (the log operators cheat sheet): an operator
     * glued to the field `_raw`. */
    if (w.n > 4 && pstr_ieq_c(pstr(w.p + w.n - 4, 4), "_raw") && stage_keyword(pstr(w.p, w.n - 4))) {
        diag_hint(p->d, i, "did you mean `%.*s _raw`, the operator and the field it reads?", (int)(w.n - 4), w.p);
        return false;
    }
    size_t ncand = sizeof stage_words / sizeof *stage_words - 1;
    const char *c = str_closest(w, stage_words, ncand);
    if (c) diag_hint(p->d, i, "did you mean %s?", c);
    return false;
}

static void parse_stage(parser_t *p) {
    uint32_t start = p->t.sp.off;
    stage_t st;
    memset(&st, 0, sizeof st);
    st.as = FIELD_NONE;
    st.topfield = FIELD_NONE;
    st.src = F_RAW;
    if (!parse_stage_body(p, &st)) {
        /* Every failing path reports; this guards against one that does
         * not, which would otherwise drop the stage silently. */
        if (!p->fail) error_at(p, p->t.sp, "internal error: stage not parsed");
        return;
    }
    if (p->t.kind != T_PIPE && p->t.kind != T_EOF) {
        unexpected(p, "'|' or end of query");
        return;
    }
    st.sp = span_from(p, start);
    query_t *q = p->q;
    PUSH(p, q->st, q->nst, p->stcap, st);
}

/* Parse text[from..to) of the query text text[0..len) as a query of its
 * own; spans stay offsets into the whole text, so messages point into it.
 * sub: a subquery's child (compose allowed). NULL after an error. */
static query_t *parse_range(const char *text, uint32_t len, uint32_t from, uint32_t to, diag_t *d, bool sub,
                            bool stages) {
    uint32_t nerr0 = d->nerr;
    query_t *q = xcalloc(1, sizeof *q);
    ftab_init(&q->ft);
    q->text = arena_strndup(&q->arena, text ? text : "", text ? len : 0);
    q->len = text ? len : 0;
    parser_t p;
    memset(&p, 0, sizeof p);
    p.q = q;
    p.d = d;
    p.sub = sub;
    lex_init(&p.lx, q->text, to, &q->arena);
    p.lx.pos = from;
    if (stages) { /* a join or filter table: an operator first, no scope */
        p.lx.scope = false;
        p.lx.operand = true;
        p.t = lex_next(&p.lx);
        parse_stage(&p);
    } else {
        p.t = lex_next(&p.lx);
        parse_scope(&p);
    }
    while (p.t.kind != T_PIPE && p.t.kind != T_EOF) advance(&p); /* after a scope error */
    while (p.t.kind == T_PIPE) {
        p.lx.scope = false;
        p.lx.operand = true;
        advance(&p);
        p.fail = false;
        p.depth = 0;
        parse_stage(&p);
        while (p.t.kind != T_PIPE && p.t.kind != T_EOF) advance(&p); /* after an error */
    }
    if (d->nerr > nerr0) {
        query_free(q);
        return NULL;
    }
    return q;
}

/* See ast.h. */
query_t *query_parse(const char *text, size_t len, diag_t *d) {
    if (len >= UINT32_MAX / 2) {
        diag_add(d, D_ERROR, (span_t){0, 0}, NULL, "query too long (%zu bytes)", len);
        return NULL;
    }
    return parse_range(text, (uint32_t)len, 0, (uint32_t)len, d, false, false);
}

/* See op.h. */
query_t *ps_parse_range(parser_t *p, uint32_t from, uint32_t to) {
    return parse_range(p->q->text, p->q->len, from, to, p->d, true, false);
}

/* See op.h. */
query_t *ps_parse_table(parser_t *p, uint32_t from, uint32_t to, bool *scope) {
    const char *s = p->q->text;
    uint32_t i = from, j;
    while (i < to && (s[i] == ' ' || (s[i] >= '\t' && s[i] <= '\r'))) i++;
    j = i;
    while (j < to && (s[j] == '_' || (s[j] >= '0' && s[j] <= '9') || ((s[j] | 0x20) >= 'a' && (s[j] | 0x20) <= 'z'))) j++;
    pstr_t w = pstr(s + i, j - i);
    bool op = w.n && (stage_keyword(w) || agg_lookup(w) >= 0 || pstr_ieq_c(w, "dcount"));
    *scope = !op;
    query_t *t = parse_range(s, p->q->len, from, to, p->d, false, op);
    if (t) PUSH(p, p->q->tables, p->q->ntables, p->q->tabcap, t);
    return t;
}

/* See ast.h. */
void query_free(query_t *q) {
    if (!q) return;
    for (uint32_t i = 0; i < q->nsubs; i++) query_free(q->subs[i]->sub); /* the list is in the arena */
    for (uint32_t i = 0; i < q->ntables; i++) query_free(q->tables[i]);
    for (uint32_t i = 0; i < q->nrx; i++) rx_free(q->rxs[i]);
    free(q->rxs);
    ftab_free(&q->ft);
    arena_free(&q->arena);
    free(q);
}

/* ---- query_dump ------------------------------------------------------ */

/* Operator names in the dump, by expr kind. ORDER EXPR */
static const char *const expr_sym[EX__COUNT] = {
    [EX_NOT] = "not", [EX_NEG] = "neg", [EX_ADD] = "+", [EX_SUB] = "-", [EX_MUL] = "*",
    [EX_DIV] = "/", [EX_MOD] = "%", [EX_EQ] = "=", [EX_NE] = "!=", [EX_LT] = "<",
    [EX_GT] = ">", [EX_LE] = "<=", [EX_GE] = ">=", [EX_AND] = "and", [EX_OR] = "or",
    [EX_IN] = "in", [EX_MATCHES] = "matches", [EX_CONTAINS] = "contains", [EX_COND] = "if",
};



static void dump_str(buf_t *b, pstr_t s) {
    buf_putc(b, '"');
    for (size_t i = 0; i < s.n; i++) {
        unsigned char c = (unsigned char)s.p[i];
        if (c == '"' || c == '\\') {
            buf_putc(b, '\\');
            buf_putc(b, (char)c);
        } else if (c < 0x20 || c == 0x7f) {
            buf_printf(b, "\\x%02x", c);
        } else {
            buf_putc(b, (char)c);
        }
    }
    buf_putc(b, '"');
}

static void dump_field(buf_t *b, const query_t *q, uint32_t id) {
    if (id >= q->ft.n) {
        buf_putc(b, '?');
        return;
    }
    pstr_t n = ftab_name(&q->ft, id);
    bool plain = n.n > 0 && ((n.p[0] >= 'a' && n.p[0] <= 'z') || (n.p[0] >= 'A' && n.p[0] <= 'Z') || n.p[0] == '_');
    for (size_t i = 0; plain && i < n.n; i++) {
        char c = n.p[i];
        plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.';
    }
    if (plain) {
        buf_put(b, n.p, n.n);
    } else {
        buf_putc(b, '%');
        dump_str(b, n);
    }
}

static void dump_expr(buf_t *b, const query_t *q, const expr_t *e) {
    if (!e) {
        buf_putc(b, '?');
        return;
    }
    switch (e->kind) {
    case EX_NUM: buf_put(b, e->str.p, e->str.n); return;
    case EX_STR: dump_str(b, e->str); return;
    case EX_BOOL: buf_puts(b, e->num != 0 ? "true" : "false"); return;
    case EX_FIELD: dump_field(b, q, e->field); return;
    case EX_ALL: buf_putc(b, '*'); return;
    case EX_REGEX:
        buf_putc(b, '/');
        for (size_t i = 0; i < e->str.n; i++) {
            if (e->str.p[i] == '/') buf_putc(b, '\\');
            buf_putc(b, e->str.p[i]);
        }
        buf_putc(b, '/');
        return;
    case EX_KEYWORD:
        buf_puts(b, "(kw ");
        if (e->quoted) dump_str(b, e->str);
        else buf_put(b, e->str.p, e->str.n);
        buf_putc(b, ')');
        return;
    case EX_FIELDWILD:
        buf_puts(b, "(wild ");
        dump_field(b, q, e->field);
        buf_putc(b, ' ');
        dump_str(b, e->str);
        buf_putc(b, ')');
        return;
    case EX_CALL:
        buf_putc(b, '(');
        buf_puts(b, e->func >= 0 && e->func < FN__COUNT ? func_info[e->func].name : "?");
        for (uint32_t i = 0; i < e->nargs; i++) {
            buf_putc(b, ' ');
            dump_expr(b, q, e->args[i]);
        }
        buf_putc(b, ')');
        return;
    case EX_SUBQUERY:
        buf_puts(b, "(subquery ");
        if (e->sub) query_dump(e->sub, b);
        buf_putc(b, ')');
        return;
    case EX_IN:
        if (e->b) { /* in [subquery] */
            buf_puts(b, e->neg ? "(not-in " : "(in ");
            dump_expr(b, q, e->a);
            buf_putc(b, ' ');
            dump_expr(b, q, e->b);
            buf_putc(b, ')');
            return;
        }
        buf_puts(b, e->neg ? "(not-in " : "(in ");
        dump_expr(b, q, e->a);
        for (uint32_t i = 0; i < e->nargs; i++) {
            buf_putc(b, ' ');
            dump_expr(b, q, e->args[i]);
        }
        buf_putc(b, ')');
        return;
    default: break;
    }
    const char *sym = e->kind < EX__COUNT ? expr_sym[e->kind] : NULL;
    buf_putc(b, '(');
    if (e->neg) buf_puts(b, "not-");
    buf_puts(b, sym ? sym : "?");
    const expr_t *ops[3] = {e->a, e->b, e->c};
    for (int i = 0; i < 3 && ops[i]; i++) {
        buf_putc(b, ' ');
        dump_expr(b, q, ops[i]);
    }
    buf_putc(b, ')');
}

static void dump_fields(buf_t *b, const query_t *q, const uint32_t *ids, uint32_t n) {
    for (uint32_t i = 0; i < n; i++) {
        if (i) buf_putc(b, ' ');
        dump_field(b, q, ids[i]);
    }
}

static void dump_src(buf_t *b, const query_t *q, const stage_t *s) {
    if (!s->src_given) return;
    buf_puts(b, " field=");
    dump_field(b, q, s->src);
}

static void dump_stage(buf_t *b, const query_t *q, const stage_t *s) {
    buf_putc(b, '(');
    buf_puts(b, s->kind < ST__COUNT ? stage_info[s->kind].name : "?");
    switch (s->kind) {
    case ST_WHERE:
        buf_putc(b, ' ');
        dump_expr(b, q, s->e);
        break;
    case ST_ASSIGN:
        buf_putc(b, ' ');
        dump_field(b, q, s->as);
        buf_putc(b, ' ');
        dump_expr(b, q, s->e);
        break;
    case ST_AGG:
        for (uint32_t i = 0; i < s->naggs; i++) {
            const aggspec_t *a = &s->aggs[i];
            buf_puts(b, " (");
            buf_puts(b, a->fn >= 0 && a->fn < AG__COUNT ? agg_info[a->fn].name : "?");
            if (a->field != FIELD_NONE) {
                buf_putc(b, ' ');
                dump_field(b, q, a->field);
            }
            if (a->fn == AG_PCT) buf_printf(b, " %g", a->arg);
            buf_puts(b, " -> ");
            dump_field(b, q, a->as);
            buf_putc(b, ')');
        }
        if (s->nby) {
            buf_puts(b, " (by ");
            dump_fields(b, q, s->by, s->nby);
            buf_putc(b, ')');
        }
        break;
    case ST_SORT:
        for (uint32_t i = 0; i < s->nkeys; i++) {
            buf_puts(b, s->keys[i].desc ? " (desc " : " (asc ");
            dump_field(b, q, s->keys[i].field);
            buf_putc(b, ')');
        }
        break;
    case ST_LIMIT: buf_printf(b, " %lld", (long long)s->n); break;
    case ST_TOP:
        buf_printf(b, " %lld ", (long long)s->n);
        dump_field(b, q, s->topfield);
        if (s->nby) {
            buf_puts(b, " (by ");
            dump_fields(b, q, s->by, s->nby);
            buf_putc(b, ')');
        }
        for (uint32_t i = 0; i < s->nkeys; i++) {
            buf_puts(b, s->keys[i].desc ? " (rank desc " : " (rank asc ");
            dump_field(b, q, s->keys[i].field);
            buf_putc(b, ')');
        }
        break;
    case ST_FIELDS:
        buf_puts(b, s->remove ? " - " : " ");
        dump_fields(b, q, s->flds, s->nflds);
        break;
    case ST_JSON:
        if (s->json_auto) buf_puts(b, " auto");
        dump_src(b, q, s);
        for (uint32_t i = 0; i < s->npaths && i < s->nflds; i++) {
            buf_puts(b, " (");
            dump_str(b, s->paths[i]);
            buf_puts(b, " -> ");
            dump_field(b, q, s->flds[i]);
            buf_putc(b, ')');
        }
        if (s->nodrop) buf_puts(b, " nodrop");
        break;
    case ST_PARSE:
    case ST_PARSE_REGEX:
        dump_src(b, q, s);
        buf_putc(b, ' ');
        dump_str(b, s->pattern);
        buf_puts(b, " -> ");
        dump_fields(b, q, s->flds, s->nflds);
        if (s->nodrop) buf_puts(b, " nodrop");
        if (s->multi) buf_puts(b, " multi");
        break;
    case ST_TIMESLICE:
        buf_printf(b, " %lldms -> ", (long long)s->slice_ms);
        dump_field(b, q, s->as);
        break;
    case ST_LOOKUP:
        buf_putc(b, ' ');
        dump_str(b, s->lookup_path);
        buf_puts(b, s->nflds ? " " : " (*"); /* lookup *: the table's columns */
        for (uint32_t i = 0; i < s->nflds && i < s->npaths; i++) {
            buf_puts(b, i ? " " : "(");
            buf_put(b, s->paths[i].p, s->paths[i].n);
            buf_puts(b, "->");
            dump_field(b, q, s->flds[i]);
        }
        buf_puts(b, ") (on");
        for (uint32_t i = 0; i < s->non; i++) {
            buf_putc(b, ' ');
            dump_field(b, q, s->on_field[i]);
            buf_putc(b, '=');
            buf_put(b, s->on_col[i].p, s->on_col[i].n);
        }
        buf_putc(b, ')');
        break;
    default: break;
    }
    buf_putc(b, ')');
}

/* See ast.h. */
void query_dump(const query_t *q, buf_t *out) {
    bool first = true;
    if (q->scope) {
        buf_puts(out, "(scope ");
        dump_expr(out, q, q->scope);
        buf_putc(out, ')');
        first = false;
    }
    for (uint32_t i = 0; i < q->nst; i++) {
        if (!first) buf_putc(out, ' ');
        dump_stage(out, q, &q->st[i]);
        first = false;
    }
}

/* ---- the parser for operators (op.h) -------------------------------- */

/* See op.h. */
void ps_advance(parser_t *p) { advance(p); }
/* See op.h. */
tok_t ps_peek(const parser_t *p) { return peek(p); }
/* See op.h. */
bool ps_is_kw(const tok_t *t, const char *w) { return is_kw(t, w); }
/* See op.h. */
span_t ps_span_from(const parser_t *p, uint32_t start) { return span_from(p, start); }
/* See op.h. */
uint32_t ps_error(parser_t *p, span_t sp, const char *fmt, ...) {
    buf_t b = {0};
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(&b, fmt, ap);
    va_end(ap);
    uint32_t i = error_at(p, sp, "%s", b.p ? b.p : "");
    buf_free(&b);
    return i;
}
/* See op.h. */
uint32_t ps_unexpected(parser_t *p, const char *what) { return unexpected(p, what); }
/* See op.h. */
bool ps_expect(parser_t *p, uint8_t kind, const char *what) { return expect(p, kind, what); }
/* See op.h. */
bool ps_expect_kw(parser_t *p, const char *w, const char *what) { return expect_kw(p, w, what); }
/* See op.h. */
expr_t *ps_expr(parser_t *p) { return parse_expr(p); }
/* See op.h. */
bool ps_fieldname(parser_t *p, pstr_t *name, span_t *sp) { return parse_fieldname(p, name, sp); }
/* See op.h. */
bool ps_field_list(parser_t *p, bool def, uint32_t **ids, span_t **sps, uint32_t *n) {
    return parse_field_list(p, def, ids, sps, n);
}
/* See op.h. */
uint32_t ps_field_use(parser_t *p, pstr_t name) { return field_use(p, name); }
/* See op.h. */
uint32_t ps_field_def(parser_t *p, pstr_t name) { return field_def(p, name); }
/* See op.h. */
bool ps_count(parser_t *p, int64_t *out) { return parse_count(p, out); }
/* See op.h. */
bool ps_src(parser_t *p, stage_t *st) { return parse_src(p, st); }
/* See op.h. */
bool ps_as_fields(parser_t *p, stage_t *st, uint32_t n, const char *op, const char *what) {
    uint32_t start = p->t.sp.off;
    advance(p);
    if (!parse_field_list(p, true, &st->flds, &st->flds_sp, &st->nflds)) return false;
    if (st->nflds == n) return true;
    error_at(p, span_from(p, start), "%s extracts %u %s%s but 'as' names %u field%s", op, n, what, n == 1 ? "" : "s",
             st->nflds, st->nflds == 1 ? "" : "s");
    return false;
}
/* See op.h. */
struct rx *ps_regex(parser_t *p, const tok_t *t, pstr_t pat) { return compile_regex(p, t, pat); }
/* See op.h. */
arena_t *ps_arena(parser_t *p) { return &p->q->arena; }
/* See op.h. */
void *ps_grow(parser_t *p, void *arr, uint32_t n, uint32_t *cap, size_t elem) { return grow(p, arr, n, cap, elem); }
/* See op.h. */
expr_t *ps_node(parser_t *p, uint8_t kind, span_t sp) { return node(p, kind, sp); }
