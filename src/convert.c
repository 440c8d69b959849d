/* convert.c — plan one SQL statement from a parsed query (convert.h).
 *
 * The statement is a chain of CTEs, s0 the input table's columns the query
 * reads, then one CTE a stage (where, as, an aggregate, timeslice, fields),
 * and a final SELECT that names the columns as `postern query` shows them,
 * in its order, with the sort and limit. Every column carries a static
 * type — text (input fields) or number (arithmetic, casts, aggregates) —
 * which decides how `=`, `<`, `in` and the aggregates cast, as postern's
 * values do at run time (value.c, eval.c). An expression whose type postern
 * decides per row (an `if` with a number and a text branch) is refused.
 * Conditions are SQL booleans that are never NULL (a comparison with null
 * is false, so `!` of it is true: docs/semantics.md §3).
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "convert.h"
#include "schema.h"
#include "table.h"
#include "value.h"


/* The conversion's state. */
typedef struct cv {
    const query_t *q;
    const cv_opts_t *o;
    const cv_dialect_t *D;
    diag_t *d;
    buf_t ctes;         /* "s0 AS (...), s1 AS (...)" */
    uint32_t layer;     /* the current relation is s<layer> */
    cv_cols_t cols;     /* its columns, and the version counter */
    bool grouped;       /* an aggregate ran: rows are groups */
    const stage_t *sort;/* the final sort, or NULL */
    int64_t limit;      /* the final limit, or -1 */
    bool fixed;         /* a `fields` list fixed the columns of message rows */
    bool nodrop_open;   /* a parse with nodrop ran since the last one without (the chain rule) */
    uint32_t time_ver;  /* the version of the input's _messageTime column (0: not read) */
    bool seq_rows;      /* the CV_F_SEQ column orders the rows as postern's next stage sees them */
} cv_t;

/* Report that construct (at sp) has no exact form in the target. */
static bool refuse(cv_t *c, span_t sp, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static bool refuse(cv_t *c, span_t sp, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    cv_refusev(c->d, c->D, sp, fmt, ap);
    va_end(ap);
    return false;
}

/* See convert.h. */
bool cv_refusev(diag_t *d, const cv_dialect_t *t, span_t sp, const char *fmt, va_list ap) {
    char what[512];
    vsnprintf(what, sizeof what, fmt, ap);
    uint32_t i = diag_add(d, D_ERROR, sp, "convert", "%s cannot be converted to %s", what, t->title);
    diag_hint(d, i, "docs/convert.md lists what each target takes");
    return false;
}

/* ---- SQL text pieces ---------------------------------------------------- */

/* A string literal holding s, quoted and escaped for the target. */
static void put_str(cv_t *c, buf_t *b, pstr_t s) {
    buf_putc(b, '\'');
    for (size_t i = 0; i < s.n; i++) {
        char ch = s.p[i];
        if (ch == '\'') buf_puts(b, c->D->backslash_strings ? "\\'" : "''");
        else if (ch == '\\' && c->D->backslash_strings) buf_puts(b, "\\\\");
        else buf_putc(b, ch);
    }
    buf_putc(b, '\'');
}

/* A quoted identifier. */
static void put_ident(cv_t *c, buf_t *b, pstr_t s) {
    buf_putc(b, c->D->idq);
    for (size_t i = 0; i < s.n; i++) {
        if (s.p[i] == c->D->idq) buf_putc(b, c->D->idq);
        buf_putc(b, s.p[i]);
    }
    buf_putc(b, c->D->idq);
}

/* A number literal as the target's double. */
static void put_num(cv_t *c, buf_t *b, double v) {
    char tmp[40];
    num_fmt(tmp, v);
    buf_printf(b, "CAST('%s' AS %s)", tmp, c->D->dbl);
}

/* Expand template tpl with a, b2 and c3 for $1, $2 and $3. */
static void put_tpl3(buf_t *b, const char *tpl, const char *a, const char *b2, const char *c3) {
    for (const char *p = tpl; *p; p++) {
        if (p[0] == '$' && p[1] >= '1' && p[1] <= '3') {
            buf_puts(b, p[1] == '1' ? a : p[1] == '2' ? b2 : c3);
            p++;
        } else buf_putc(b, *p);
    }
}

/* Expand template tpl with a and b for $1 and $2. */
static void put_tpl(buf_t *b, const char *tpl, const char *a, const char *b2) { put_tpl3(b, tpl, a, b2, ""); }

static void put_col(buf_t *b, const cv_col_t *k) {
    if (k->f == CV_F_SEQ) buf_printf(b, "c_seq_%u", k->ver);
    else buf_printf(b, "c%u_%u", k->f, k->ver);
}

static cv_col_t *find_col(cv_t *c, uint32_t f) { return cv_col_find(&c->cols, f); }

static pstr_t fname(const cv_t *c, uint32_t f) { return ftab_name(&c->q->ft, f); }

/* The input table's column for field f: a built-in or schema field under
 * its own spelling (field names ignore case: `DEST_PORT` is dest_port),
 * any other field as the query spells it. */
static pstr_t input_name(const cv_t *c, uint32_t f) {
    static const char *const builtin[] = {
#define X(id, name) name,
        FIELD_BUILTINS(X)
#undef X
    };
    if (f < F_NBUILTIN) return pstr_c(builtin[f]);
    pstr_t n = fname(c, f);
    for (unsigned k = 0; schema_name(k); k++)
        if (pstr_ieq_c(n, schema_name(k))) return pstr_c(schema_name(k));
    return n;
}

/* ---- expressions -------------------------------------------------------- */

static bool ex_val(cv_t *c, const expr_t *e, buf_t *b, uint8_t *t);
static bool ex_cond(cv_t *c, const expr_t *e, buf_t *b);

/* The functions whose value is postern's true/false: conditions only. */
static bool is_cond_fn(int fn) { return fn == FN_ISNULL || fn == FN_ISEMPTY || fn == FN_ISBLANK || fn == FN_CONTAINS; }

/* The number of e (whose SQL is sql, of type t) into b: a number as is, a
 * text literal decided now (an engine may fold a cast of a literal that is
 * no number into an error), any other text through the target's cast. */
static void put_numof(cv_t *c, buf_t *b, const expr_t *e, const char *sql, uint8_t t) {
    double v;
    if (t == CV_NUM) buf_puts(b, sql);
    else if (e->kind != EX_STR) put_tpl(b, c->D->num, sql, "");
    else if (str_to_num(e->str, &v)) put_num(c, b, v);
    else buf_printf(b, "CAST(NULL AS %s)", c->D->dbl);
}

/* The SQL of e as a number. */
static bool ex_num(cv_t *c, const expr_t *e, buf_t *b) {
    buf_t v = {0};
    uint8_t t;
    bool ok = ex_val(c, e, &v, &t);
    if (ok) put_numof(c, b, e, v.p, t);
    buf_free(&v);
    return ok;
}

/* A condition as a boolean that is never NULL. */
static void wrap_false(buf_t *b, const char *sql) { buf_printf(b, "COALESCE(%s, FALSE)", sql); }

/* = and != (eval.c EX_EQ): a number on either side casts the other; two
 * texts compare byte for byte. */
static bool cond_eq(cv_t *c, const expr_t *e, buf_t *b) {
    buf_t x = {0}, y = {0}, s = {0};
    uint8_t tx, ty;
    bool ok = ex_val(c, e->a, &x, &tx) && ex_val(c, e->b, &y, &ty);
    if (ok) {
        const char *op = e->kind == EX_EQ ? "=" : "<>";
        if (tx == CV_STR && ty == CV_STR) buf_printf(&s, "(%s %s %s)", x.p, op, y.p);
        else {
            buf_t nx = {0}, ny = {0};
            put_numof(c, &nx, e->a, x.p, tx);
            put_numof(c, &ny, e->b, y.p, ty);
            buf_printf(&s, "(%s %s %s)", nx.p, op, ny.p);
            buf_free(&nx);
            buf_free(&ny);
        }
        wrap_false(b, s.p);
    }
    buf_free(&x);
    buf_free(&y);
    buf_free(&s);
    return ok;
}

/* < > <= >= (eval.c order_cmp): numerically when either side is a number
 * or both texts are numbers, else byte order of the texts. */
static bool cond_order(cv_t *c, const expr_t *e, buf_t *b) {
    static const char *const ops[] = {[EX_LT] = "<", [EX_GT] = ">", [EX_LE] = "<=", [EX_GE] = ">="};
    const char *op = ops[e->kind];
    buf_t x = {0}, y = {0}, nx = {0}, ny = {0}, s = {0};
    uint8_t tx, ty;
    bool ok = ex_val(c, e->a, &x, &tx) && ex_val(c, e->b, &y, &ty);
    if (ok) {
        put_numof(c, &nx, e->a, x.p, tx);
        put_numof(c, &ny, e->b, y.p, ty);
        if (tx == CV_NUM || ty == CV_NUM) buf_printf(&s, "(%s %s %s)", nx.p, op, ny.p);
        else
            buf_printf(&s, "(CASE WHEN %s IS NOT NULL AND %s IS NOT NULL THEN %s %s %s ELSE %s%s %s %s%s END)", nx.p,
                       ny.p, nx.p, op, ny.p, x.p, c->D->text_cmp, op, y.p, c->D->text_cmp);
        wrap_false(b, s.p);
    }
    buf_free(&x); buf_free(&y); buf_free(&nx); buf_free(&ny); buf_free(&s);
    return ok;
}

/* `in` (eval.c in_eq): no cast; a text equals a text literal, a number a number. */
/* x (of type t) into out, a number with -0 made 0 where the target needs it
 * (postern's -0 equals 0 and prints as 0, so it is one group and in (0)). */
static void num_zero(cv_t *c, buf_t *out, const buf_t *x, uint8_t t) {
    if (t == CV_NUM && c->D->num_zero) put_tpl(out, c->D->num_zero, x->p, "");
    else buf_puts(out, x->p);
}

static bool cond_in(cv_t *c, const expr_t *e, buf_t *b) {
    if (e->b || e->sub) return refuse(c, e->sp, "`in` over a subquery");
    buf_t x = {0}, s = {0};
    uint8_t tx;
    if (!ex_val(c, e->a, &x, &tx)) { buf_free(&x); return false; }
    uint32_t hits = 0;
    buf_t z = {0};
    num_zero(c, &z, &x, tx);
    buf_printf(&s, "(%s IN (", z.p);
    buf_free(&z);
    for (uint32_t i = 0; i < e->nargs; i++) {
        const expr_t *a = e->args[i];
        if (a->kind != EX_STR && a->kind != EX_NUM) {
            buf_free(&x); buf_free(&s);
            return refuse(c, a->sp, "an `in` value that is no literal");
        }
        if ((a->kind == EX_STR) != (tx == CV_STR)) continue; /* never equal: other type */
        if (hits++) buf_puts(&s, ", ");
        if (a->kind == EX_STR) put_str(c, &s, a->str); else put_num(c, &s, a->num);
    }
    buf_puts(&s, "))");
    /* eval.c: a null value is false for `in` and `not in` alike (unlike `!(x in ...)`). */
    if (!hits && e->neg) buf_printf(b, "(%s IS NOT NULL)", x.p);
    else if (!hits) buf_puts(b, "FALSE");
    else if (e->neg) {
        buf_t ns = {0};
        buf_printf(&ns, "(NOT %s)", s.p);
        wrap_false(b, ns.p);
        buf_free(&ns);
    } else wrap_false(b, s.p);
    buf_free(&x); buf_free(&s);
    return true;
}

/* A wildcard (`*` any bytes, the rest literal) as a LIKE pattern with
 * backslash escapes; lower-cased when icase (the value is lower-cased too). */
static void like_pattern(pstr_t pat, bool icase, buf_t *out) {
    for (size_t i = 0; i < pat.n; i++) {
        char ch = pat.p[i];
        if (ch == '*') buf_putc(out, '%');
        else {
            if (ch == '%' || ch == '_' || ch == '\\') buf_putc(out, '\\');
            buf_putc(out, icase ? str_lc(ch) : ch);
        }
    }
}

/* v (SQL of a text) matches wildcard pat as the whole value. */
static void put_like(cv_t *c, buf_t *b, const char *v, pstr_t pat, bool icase) {
    buf_t p = {0}, lit = {0}, val = {0};
    like_pattern(pat, icase, &p);
    put_str(c, &lit, (pstr_t){p.p ? p.p : "", p.n});
    if (icase)
        buf_printf(&val, "translate(%s, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz')", v);
    else buf_puts(&val, v);
    buf_t s = {0};
    put_tpl(&s, c->D->like, val.p, lit.p);
    wrap_false(b, s.p);
    buf_free(&p); buf_free(&lit); buf_free(&val); buf_free(&s);
}

/* `matches`: a wildcard string, or a regex searched anywhere. */
static bool cond_matches(cv_t *c, const expr_t *e, buf_t *b) {
    buf_t x = {0};
    uint8_t tx;
    if (!ex_val(c, e->a, &x, &tx)) { buf_free(&x); return false; }
    bool ok = true;
    if (tx != CV_STR) ok = refuse(c, e->a->sp, "`matches` on a number (postern matches its printed form)");
    else if (e->b->kind == EX_STR) {
        if (e->neg) buf_puts(b, "NOT ");
        put_like(c, b, x.p, e->b->str, false);
    } else if (e->b->kind == EX_REGEX) {
        buf_t re = {0}, lit = {0}, s = {0};
        const char *why = cv_regex(e->b->str, c->D->re_dialect, &re, NULL);
        if (why) ok = refuse(c, e->b->sp, "this regex (%s)", why);
        else {
            put_str(c, &lit, (pstr_t){re.p ? re.p : "", re.n});
            put_tpl(&s, c->D->re_search, x.p, lit.p);
            if (e->neg) buf_puts(b, "NOT ");
            wrap_false(b, s.p);
        }
        buf_free(&re); buf_free(&lit); buf_free(&s);
    } else ok = refuse(c, e->b->sp, "a `matches` pattern that is no literal");
    buf_free(&x);
    return ok;
}

/* contains(a, b), a contains b (eval.c contains2): a substring test of
 * two texts; an empty b is found only in an empty a. */
static bool cond_contains(cv_t *c, const expr_t *a, const expr_t *b2, buf_t *b) {
    buf_t x = {0}, y = {0}, f = {0}, s = {0};
    uint8_t tx, ty;
    bool ok = ex_val(c, a, &x, &tx) && ex_val(c, b2, &y, &ty);
    if (ok && (tx != CV_STR || ty != CV_STR)) ok = refuse(c, tx != CV_STR ? a->sp : b2->sp, "contains of a number (postern tests its printed form)");
    if (ok) {
        put_tpl(&f, c->D->find, x.p, y.p);
        buf_printf(&s, "(CASE WHEN %s = '' THEN %s = '' ELSE %s > 0 END)", y.p, x.p, f.p);
        wrap_false(b, s.p);
    }
    buf_free(&x); buf_free(&y); buf_free(&f); buf_free(&s);
    return ok;
}

/* isNull, isEmpty, isBlank, contains: the functions that are conditions. */
static bool cond_call(cv_t *c, const expr_t *e, buf_t *b) {
    buf_t x = {0}, y = {0};
    uint8_t tx = CV_STR, ty = CV_STR;
    bool ok = true;
    switch (e->func) {
    case FN_ISNULL:
        if ((ok = ex_val(c, e->args[0], &x, &tx))) buf_printf(b, "(%s IS NULL)", x.p);
        break;
    case FN_ISEMPTY:
        if ((ok = ex_val(c, e->args[0], &x, &tx))) {
            if (tx == CV_NUM) buf_printf(b, "(%s IS NULL)", x.p);
            else buf_printf(b, "(%s IS NULL OR %s = '')", x.p, x.p);
        }
        break;
    case FN_ISBLANK:
        if ((ok = ex_val(c, e->args[0], &x, &tx))) {
            if (tx == CV_NUM) buf_printf(b, "(%s IS NULL)", x.p);
            else {
                buf_t s = {0}, re = {0};
                put_str(c, &re, PSTR_LIT("^[ \\t\\n\\x0B\\f\\r]*$"));
                put_tpl(&s, c->D->re_search, x.p, re.p);
                buf_printf(b, "(%s IS NULL OR %s)", x.p, s.p);
                buf_free(&s); buf_free(&re);
            }
        }
        break;
    case FN_CONTAINS:
        ok = cond_contains(c, e->args[0], e->args[1], b);
        break;
    default: ok = refuse(c, e->sp, "the function %s() as a condition", func_info[e->func].name);
    }
    (void)ty;
    buf_free(&x); buf_free(&y);
    return ok;
}

static bool ex_cond(cv_t *c, const expr_t *e, buf_t *b) {
    buf_t x = {0}, y = {0};
    bool ok = true;
    switch (e->kind) {
    case EX_AND: case EX_OR:
        ok = ex_cond(c, e->a, &x) && ex_cond(c, e->b, &y);
        if (ok) buf_printf(b, "(%s %s %s)", x.p, e->kind == EX_AND ? "AND" : "OR", y.p);
        break;
    case EX_NOT:
        if ((ok = ex_cond(c, e->a, &x))) buf_printf(b, "(NOT %s)", x.p);
        break;
    case EX_ALL: buf_puts(b, "TRUE"); break;
    case EX_FIELDWILD: {
        cv_col_t *k = find_col(c, e->field);
        if (!k || k->t != CV_STR) { ok = refuse(c, e->sp, "this scope term"); break; }
        put_col(&x, k);
        put_like(c, b, x.p, e->str, true);
        break;
    }
    case EX_KEYWORD: ok = refuse(c, e->sp, "a keyword search of the message text (_raw)"); break;
    case EX_EQ: case EX_NE: ok = cond_eq(c, e, b); break;
    case EX_LT: case EX_GT: case EX_LE: case EX_GE: ok = cond_order(c, e, b); break;
    case EX_IN: ok = cond_in(c, e, b); break;
    case EX_MATCHES: ok = cond_matches(c, e, b); break;
    case EX_CONTAINS: ok = cond_contains(c, e->a, e->b, b); break;
    default: {
        uint8_t t;
        if (e->kind == EX_CALL && is_cond_fn(e->func)) { ok = cond_call(c, e, b); break; }
        if (e->kind == EX_SUBQUERY) { ok = refuse(c, e->sp, "a subquery"); break; }
        /* Any other value: its truth. */
        if (!(ok = ex_val(c, e, &x, &t))) break;
        /* val_truthy: a number is true when not 0, a text when it is "true" in any case. */
        if (t == CV_NUM) buf_printf(&y, "(%s <> 0)", x.p);
        else buf_printf(&y, "(translate(%s, 'TRUE', 'true') = 'true')", x.p);
        wrap_false(b, y.p);
        break;
    }
    }
    buf_free(&x); buf_free(&y);
    return ok;
}

/* Arithmetic: postern casts both sides and gives null when one is no number. */
static bool val_arith(cv_t *c, const expr_t *e, buf_t *b) {
    if (!cv_arith_ok(e, c->D, c->d)) return false;
    buf_t x = {0}, y = {0};
    bool ok = ex_num(c, e->a, &x) && ex_num(c, e->b, &y);
    if (ok) buf_printf(b, "(%s %s %s)", x.p, cv_arith_op(e->kind), y.p);
    buf_free(&x); buf_free(&y);
    return ok;
}

/* if(c, a, b) and c ? a : b: both branches of one type. */
static bool val_cond(cv_t *c, const expr_t *cond, const expr_t *a, const expr_t *b2, span_t sp, buf_t *b, uint8_t *t) {
    buf_t x = {0}, y = {0}, z = {0};
    uint8_t ta, tb;
    bool ok = ex_cond(c, cond, &x) && ex_val(c, a, &y, &ta) && ex_val(c, b2, &z, &tb);
    if (ok && ta != tb)
        ok = refuse(c, sp, "an `if` whose branches are a %s and a %s (postern's type then changes per row)", cv_type_name[ta],
                    cv_type_name[tb]);
    if (ok) {
        buf_printf(b, "(CASE WHEN %s THEN %s ELSE %s END)", x.p, y.p, z.p);
        *t = ta;
    }
    buf_free(&x); buf_free(&y); buf_free(&z);
    return ok;
}

/* Function calls that give values. */
static bool val_call(cv_t *c, const expr_t *e, buf_t *b, uint8_t *t) {
    buf_t x = {0};
    uint8_t tx = CV_STR;
    bool ok = true;
    switch (e->func) {
    case FN_IF: return val_cond(c, e->args[0], e->args[1], e->args[2], e->sp, b, t);
    case FN_NUM: case FN_NUMBER:
        if ((ok = ex_num(c, e->args[0], &x))) buf_puts(b, x.p);
        *t = CV_NUM;
        break;
    case FN_LENGTH:
        if ((ok = ex_val(c, e->args[0], &x, &tx))) {
            if (tx != CV_STR) ok = refuse(c, e->sp, "length() of a number");
            else {
                buf_t s = {0};
                put_tpl(&s, c->D->octets, x.p, "");
                /* postern's length of null is 0. */
                buf_printf(b, "CAST(COALESCE(%s, 0) AS %s)", s.p, c->D->dbl);
                buf_free(&s);
            }
        }
        *t = CV_NUM;
        break;
    case FN_CONCAT:
        buf_puts(b, "(");
        for (uint32_t i = 0; i < e->nargs && ok; i++) {
            buf_t a = {0};
            if ((ok = ex_val(c, e->args[i], &a, &tx)) && tx != CV_STR)
                ok = refuse(c, e->args[i]->sp, "concat() of a number (postern prints it its own way)");
            /* Sumo's concat writes null as nothing. */
            if (ok) buf_printf(b, "%sCOALESCE(%s, '')", i ? " || " : "", a.p);
            buf_free(&a);
        }
        buf_puts(b, ")");
        *t = CV_STR;
        break;
    case FN_TOLOWERCASE: case FN_TOUPPERCASE: case FN_TRIM:
        /* postern's case change is ASCII only, as translate() is. */
        if ((ok = ex_val(c, e->args[0], &x, &tx)) && tx != CV_STR)
            ok = refuse(c, e->sp, "%s() of a number (postern changes its printed form)", func_info[e->func].name);
        if (ok && e->func == FN_TRIM) put_tpl(b, c->D->trim, x.p, "");
        else if (ok)
            buf_printf(b, "translate(%s, '%s', '%s')", x.p,
                       e->func == FN_TOLOWERCASE ? "ABCDEFGHIJKLMNOPQRSTUVWXYZ" : "abcdefghijklmnopqrstuvwxyz",
                       e->func == FN_TOLOWERCASE ? "abcdefghijklmnopqrstuvwxyz" : "ABCDEFGHIJKLMNOPQRSTUVWXYZ");
        *t = CV_STR;
        break;
    case FN_REPLACE: {
        /* A literal text replaced by a literal text; the replacement's $n and
         * backslash escapes (Java's replaceAll) and regex patterns are not converted. */
        const expr_t *pat = e->args[1], *rep = e->args[2];
        if (pat->kind != EX_STR || !pat->str.n || rep->kind != EX_STR || memchr(rep->str.p, '$', rep->str.n) ||
            memchr(rep->str.p, '\\', rep->str.n))
            ok = refuse(c, e->sp, "replace() other than of a non-empty text by a text without $ or \\");
        else if ((ok = ex_val(c, e->args[0], &x, &tx)) && tx != CV_STR)
            ok = refuse(c, e->sp, "replace() in a number (postern works on its printed form)");
        if (ok) {
            buf_t p2 = {0}, r3 = {0};
            put_str(c, &p2, pat->str);
            put_str(c, &r3, rep->str);
            put_tpl3(b, c->D->replace, x.p, p2.p, r3.p);
            buf_free(&p2); buf_free(&r3);
        }
        *t = CV_STR;
        break;
    }
    case FN_TOLONG: case FN_TOINT: case FN_INT:
        if ((ok = ex_num(c, e->args[0], &x))) put_tpl(b, c->D->trunc, x.p, "");
        *t = CV_NUM;
        break;
    case FN_ABS: case FN_FLOOR: case FN_CEIL: {
        static const char *const fn[] = {[FN_ABS] = "abs", [FN_FLOOR] = "floor", [FN_CEIL] = "ceil"};
        if ((ok = ex_num(c, e->args[0], &x))) buf_printf(b, "%s(%s)", fn[e->func], x.p);
        *t = CV_NUM;
        break;
    }
    default: ok = refuse(c, e->sp, "the function %s()", func_info[e->func].name);
    }
    buf_free(&x);
    return ok;
}

static bool ex_val(cv_t *c, const expr_t *e, buf_t *b, uint8_t *t) {
    switch (e->kind) {
    case EX_STR: put_str(c, b, e->str); *t = CV_STR; return true;
    case EX_NUM: put_num(c, b, e->num); *t = CV_NUM; return true;
    case EX_FIELD: {
        cv_col_t *k = find_col(c, e->field);
        if (!k) {
            /* A field no stage made after an aggregate: null (lint's field-missing). */
            buf_printf(b, "CAST(NULL AS %s)", c->D->text);
            *t = CV_STR;
            return c->grouped ? true : refuse(c, e->sp, "the field '%.*s'", (int)fname(c, e->field).n, fname(c, e->field).p);
        }
        put_col(b, k);
        *t = k->t;
        return true;
    }
    case EX_NEG: {
        buf_t x = {0};
        bool ok = ex_num(c, e->a, &x);
        if (ok) buf_printf(b, "(- %s)", x.p);
        buf_free(&x);
        *t = CV_NUM;
        return ok;
    }
    case EX_ADD: case EX_SUB: case EX_MUL: case EX_DIV: case EX_MOD: *t = CV_NUM; return val_arith(c, e, b);
    case EX_COND: return val_cond(c, e->a, e->b, e->c, e->sp, b, t);
    default:
        if (e->kind == EX_CALL && !is_cond_fn(e->func)) return val_call(c, e, b, t);
        return refuse(c, e->sp, "a condition used as a value (postern's true/false)");
    }
}

/* ---- the input columns ---------------------------------------------------- */

/* Fields e reads, added to the list in (n, cap) unless defined. */
static void refs(const expr_t *e, const bool *defined, uint32_t **list, uint32_t *n, uint32_t *cap) {
    if (!e) return;
    if ((e->kind == EX_FIELD || e->kind == EX_FIELDWILD) && !defined[e->field]) {
        for (uint32_t i = 0; i < *n; i++)
            if ((*list)[i] == e->field) return;
        if (*n == *cap) {
            *cap = *cap ? *cap * 2 : 16;
            *list = xrealloc(*list, *cap * sizeof **list);
        }
        (*list)[(*n)++] = e->field;
        return;
    }
    refs(e->a, defined, list, n, cap);
    refs(e->b, defined, list, n, cap);
    refs(e->c, defined, list, n, cap);
    for (uint32_t i = 0; i < e->nargs; i++) refs(e->args[i], defined, list, n, cap);
}

/* The input fields q reads before any stage makes them (heap list). */
static uint32_t input_fields(const query_t *q, uint32_t **out) {
    uint32_t nf = q->ft.n, n = 0, cap = 0;
    bool *def = xcalloc(nf + 1, 1);
    uint32_t *list = NULL;
    refs(q->scope, def, &list, &n, &cap);
    for (uint32_t i = 0; i < q->nst; i++) {
        const stage_t *s = &q->st[i];
        bool grouped_now = stage_info[s->kind].flags & SF_GROUP;
        refs(s->e, def, &list, &n, &cap);
        expr_t tmp = {.kind = EX_FIELD};
        for (uint32_t k = 0; k < s->naggs; k++)
            if (s->aggs[k].field != FIELD_NONE) { tmp.field = s->aggs[k].field; refs(&tmp, def, &list, &n, &cap); }
        for (uint32_t k = 0; k < s->nby; k++) { tmp.field = s->by[k]; refs(&tmp, def, &list, &n, &cap); }
        if (s->kind == ST_TOP) { tmp.field = s->topfield; refs(&tmp, def, &list, &n, &cap); }
        if (s->kind == ST_TIMESLICE) { tmp.field = F_MESSAGETIME; refs(&tmp, def, &list, &n, &cap); }
        for (uint32_t k = 0; k < s->naggs && s->kind == ST_AGG; k++) /* first and last: by _messageTime */
            if (s->aggs[k].fn == AG_FIRST || s->aggs[k].fn == AG_LAST) { tmp.field = F_MESSAGETIME; refs(&tmp, def, &list, &n, &cap); }
        if (s->kind == ST_PARSE || s->kind == ST_PARSE_REGEX) { tmp.field = s->src; refs(&tmp, def, &list, &n, &cap); }
        for (uint32_t k = 0; k < s->nkeys && s->kind != ST_TOP; k++) { tmp.field = s->keys[k].field; refs(&tmp, def, &list, &n, &cap); }
        if (s->kind == ST_FIELDS)
            for (uint32_t k = 0; k < s->nflds; k++) { tmp.field = s->flds[k]; refs(&tmp, def, &list, &n, &cap); }
        if (grouped_now) {
            /* After an aggregate nothing more comes from the input. */
            for (uint32_t f = 0; f < nf; f++) def[f] = true;
            break;
        }
        if (s->kind == ST_ASSIGN || s->kind == ST_TIMESLICE) def[s->as] = true;
        if (s->kind == ST_PARSE || s->kind == ST_PARSE_REGEX)
            for (uint32_t k = 0; k < s->nflds; k++) def[s->flds[k]] = true;
    }
    free(def);
    *out = list;
    return n;
}

/* ---- stages --------------------------------------------------------------- */

static void add_col(cv_t *c, uint32_t f, uint8_t t) { cv_col_add(&c->cols, f, t, 0); }

/* Open CTE s<layer+1> (its body follows). */
static void open_layer(cv_t *c) {
    buf_printf(&c->ctes, ",\ns%u AS (", ++c->layer);
}

/* where: a filter over the current relation. */
static bool st_where(cv_t *c, const stage_t *s) {
    buf_t x = {0};
    bool ok = ex_cond(c, s->e, &x);
    if (ok) {
        open_layer(c);
        buf_printf(&c->ctes, "SELECT * FROM s%u WHERE %s)", c->layer - 1, x.p);
    }
    buf_free(&x);
    return ok;
}

/* SELECT every column but f, then sql AS the new version of f (type t). */
static void layer_with(cv_t *c, uint32_t f, uint8_t t, const char *sql) {
    open_layer(c);
    buf_puts(&c->ctes, "SELECT ");
    uint32_t n = 0;
    for (uint32_t i = 0; i < c->cols.n; i++) {
        if (c->cols.v[i].f == f) continue;
        if (n++) buf_puts(&c->ctes, ", ");
        put_col(&c->ctes, &c->cols.v[i]);
    }
    add_col(c, f, t);
    if (n) buf_puts(&c->ctes, ", ");
    buf_printf(&c->ctes, "%s AS ", sql);
    put_col(&c->ctes, find_col(c, f));
    buf_printf(&c->ctes, " FROM s%u)", c->layer - 1);
}

/* expr as f. */
static bool st_assign(cv_t *c, const stage_t *s) {
    buf_t x = {0};
    uint8_t t;
    bool ok = ex_val(c, s->e, &x, &t);
    if (ok) {
        buf_t z = {0};
        num_zero(c, &z, &x, t);
        layer_with(c, s->as, t, z.p);
        buf_free(&z);
    }
    buf_free(&x);
    return ok;
}

/* timeslice W [as f]: the bucket start of _messageTime. */
static bool st_timeslice(cv_t *c, const stage_t *s) {
    if (s->buckets || s->slice_ms <= 0 || s->slice_origin != 0)
        return refuse(c, s->sp, "a timeslice without a fixed width (it depends on the search's time range)");
    cv_col_t *k = find_col(c, F_MESSAGETIME);
    if (!k) return refuse(c, s->sp, "a timeslice after _messageTime is gone");
    buf_t x = {0}, w = {0};
    put_col(&x, k);
    put_num(c, &w, (double)s->slice_ms);
    buf_t sql = {0};
    buf_printf(&sql, "(floor(%s / %s) * %s)", x.p, w.p, w.p);
    layer_with(c, s->as, CV_NUM, sql.p);
    buf_free(&x); buf_free(&w); buf_free(&sql);
    return true;
}

static void parse_outputs(cv_t *c, const stage_t *s, const char *matched, buf_t *caps);
static cv_col_t *parse_source(cv_t *c, const stage_t *s);

/* A helper column's name (in the CTEs of one stage only). */
static void put_helper(buf_t *b, uint32_t id) { buf_printf(b, "h_%u", id); }

/* Length of anchor a in the target's position units. */
static size_t units(const cv_t *c, pstr_t a) {
    size_t n = 0;
    for (size_t i = 0; i < a.n; i++) n += c->D->byte_pos || ((unsigned char)a.p[i] & 0xC0) != 0x80;
    return n;
}

/* parse "a=*, b=*" as a, b [nodrop] (op_parse.c pa_match): anchors found
 * ignoring ASCII case, each the first one after the previous, a final `*`
 * to the end. One CTE an anchor holds the position after it (NULL once
 * one is missing); the last one captures the fields. A record that does
 * not match is dropped, or with nodrop keeps its fields' values. */
static bool st_parse(cv_t *c, const stage_t *s) {
    uint32_t stars = 0;
    for (size_t i = 0; i < s->pattern.n; i++) stars += s->pattern.p[i] == '*';
    if (stars != s->nflds || !stars || stars > 64) return refuse(c, s->sp, "a parse with several patterns");
    cv_col_t *src = parse_source(c, s);
    if (!src) return false;
    buf_t v = {0}, lc = {0}, x = {0};
    put_col(&v, src);
    uint32_t base = ++c->cols.ver;
    /* The lower-cased text the anchors are looked for in. */
    open_layer(c);
    buf_printf(&c->ctes, "SELECT *, translate(%s, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz') AS ", v.p);
    put_helper(&c->ctes, base);
    buf_printf(&c->ctes, " FROM s%u)", c->layer - 1);
    put_helper(&lc, base);
    /* e_k: the position after anchor k; a_k = e_k - len(anchor k). */
    size_t pi = 0;
    uint32_t k = 0;
    size_t alen[66];
    for (;; k++) {
        size_t pe = pi;
        while (pe < s->pattern.n && s->pattern.p[pe] != '*') pe++;
        pstr_t anchor = pstr(s->pattern.p + pi, pe - pi);
        buf_t lit = {0}, low = {0}, prev = {0}, e = {0};
        for (size_t i = 0; i < anchor.n; i++) buf_putc(&low, str_lc(anchor.p[i]));
        put_str(c, &lit, (pstr_t){low.p ? low.p : "", low.n});
        alen[k] = units(c, anchor);
        if (k) put_helper(&prev, base + k);
        else buf_printf(&prev, "(CASE WHEN %s IS NOT NULL THEN 1 END)", v.p);
        if (anchor.n) {
            buf_t rest = {0}, f = {0};
            put_tpl(&rest, c->D->substr, lc.p, prev.p);
            put_tpl(&f, c->D->find, rest.p, lit.p);
            buf_printf(&e, "(CASE WHEN %s IS NOT NULL AND %s > 0 THEN %s + %s - 1 + %zu END)", prev.p, f.p, prev.p, f.p,
                       alen[k]);
            buf_free(&rest); buf_free(&f);
        } else if (k && pe >= s->pattern.n) {
            buf_t len = {0};
            put_tpl(&len, c->D->length, v.p, "");
            buf_printf(&e, "(CASE WHEN %s IS NOT NULL THEN %s + 1 END)", prev.p, len.p);
            buf_free(&len);
        } else buf_puts(&e, prev.p);
        open_layer(c);
        buf_printf(&c->ctes, "SELECT *, %s AS ", e.p);
        put_helper(&c->ctes, base + k + 1);
        buf_printf(&c->ctes, " FROM s%u)", c->layer - 1);
        buf_free(&lit); buf_free(&low); buf_free(&prev); buf_free(&e);
        if (pe >= s->pattern.n) break;
        pi = pe + 1;
    }
    c->cols.ver += k + 2; /* the helpers' numbers stay unused */
    /* The captures: capture j lies between anchor j's end and anchor j+1's start. */
    buf_t last = {0}, matched = {0};
    put_helper(&last, base + k + 1);
    buf_printf(&matched, "%s IS NOT NULL", last.p);
    buf_t *caps = xcalloc(s->nflds + 1, sizeof *caps);
    for (uint32_t j = 0; j < s->nflds; j++) {
        buf_t from = {0}, to = {0}, n = {0};
        put_helper(&from, base + j + 1);
        put_helper(&to, base + j + 2);
        buf_printf(&n, "%s - %zu - %s", to.p, alen[j + 1], from.p);
        put_tpl3(&caps[j], c->D->substr3, v.p, from.p, n.p);
        buf_free(&from); buf_free(&to); buf_free(&n);
    }
    parse_outputs(c, s, matched.p, caps);
    for (uint32_t j = 0; j < s->nflds; j++) buf_free(&caps[j]);
    free(caps);
    buf_free(&last); buf_free(&matched); buf_free(&v); buf_free(&lc); buf_free(&x);
    return true;
}

/* The last layer of a parse-family stage: every column but s's fields,
 * then field j as caps[j] when matched (an SQL condition) holds, else its
 * value before (nodrop) — and without nodrop only matched rows. */
static void parse_outputs(cv_t *c, const stage_t *s, const char *matched, buf_t *caps) {
    buf_t sel = {0};
    for (uint32_t i = 0; i < c->cols.n; i++) {
        bool out = false;
        for (uint32_t j = 0; j < s->nflds; j++) out |= s->flds[j] == c->cols.v[i].f;
        if (out) continue;
        if (sel.n) buf_puts(&sel, ", ");
        put_col(&sel, &c->cols.v[i]);
    }
    for (uint32_t j = 0; j < s->nflds; j++) {
        cv_col_t *old = find_col(c, s->flds[j]);
        if (sel.n) buf_puts(&sel, ", ");
        buf_printf(&sel, "(CASE WHEN %s THEN %s ELSE ", matched, caps[j].p);
        if (old && old->t == CV_STR) put_col(&sel, old);
        else buf_printf(&sel, "CAST(NULL AS %s)", c->D->text);
        buf_puts(&sel, " END) AS ");
        add_col(c, s->flds[j], CV_STR);
        put_col(&sel, find_col(c, s->flds[j]));
    }
    open_layer(c);
    buf_printf(&c->ctes, "SELECT %s FROM s%u", sel.p, c->layer - 1);
    if (!s->nodrop) buf_printf(&c->ctes, " WHERE %s", matched);
    buf_putc(&c->ctes, ')');
    buf_free(&sel);
}

/* What parse and parse regex share: the chain rule and a text source. */
static cv_col_t *parse_source(cv_t *c, const stage_t *s) {
    cv_col_t *src = cv_parse_source(&c->cols, c->nodrop_open, s, c->D, c->d);
    if (src) c->nodrop_open = s->nodrop;
    return src;
}

/* parse regex "re" [nodrop]: one regex, searched anywhere; each named
 * group fills its field. Only groups that take part in every match
 * convert: the engines give '' where postern gives null for a group that
 * took no part. */
static bool st_parse_regex(cv_t *c, const stage_t *s) {
    if (s->nres != 1 || s->multi) return refuse(c, s->sp, "a parse regex with several regexes or multi");
    if (!c->D->re_group)
        return refuse(c, s->sp, "parse regex (its regex extraction is leftmost-longest where Java's is leftmost-first)");
    buf_t re = {0}, lit = {0}, v = {0}, m = {0};
    cv_rxinfo_t info;
    const char *why = cv_regex(s->pattern, c->D->re_dialect, &re, &info);
    bool ok = true;
    if (why) ok = refuse(c, s->sp, "this regex (%s)", why);
    for (uint32_t j = 0; j < s->nflds && ok; j++)
        if (s->flds_grp[j] > info.ngroups || s->flds_grp[j] > 64 || (info.optional >> (s->flds_grp[j] - 1) & 1))
            ok = refuse(c, s->flds_sp[j], "a group that may take no part in a match (postern gives null, the engines '')");
    cv_col_t *src = ok ? parse_source(c, s) : NULL;
    if (src) {
        put_col(&v, src);
        put_str(c, &lit, (pstr_t){re.p ? re.p : "", re.n});
        buf_t t = {0};
        put_tpl(&t, c->D->re_search, v.p, lit.p);
        wrap_false(&m, t.p);
        buf_free(&t);
        buf_t *caps = xcalloc(s->nflds + 1, sizeof *caps);
        for (uint32_t j = 0; j < s->nflds; j++) {
            char g[16];
            snprintf(g, sizeof g, "%u", s->flds_grp[j]);
            put_tpl3(&caps[j], c->D->re_group, v.p, lit.p, g);
        }
        parse_outputs(c, s, m.p, caps);
        for (uint32_t j = 0; j < s->nflds; j++) buf_free(&caps[j]);
        free(caps);
    } else ok = false;
    buf_free(&re); buf_free(&lit); buf_free(&v); buf_free(&m);
    return ok;
}

/* An aggregate's SQL over column k (NULL for count); first and last read
 * helper h (the row's rank, 1 for the one they take: order_layer). */
static bool agg_sql(cv_t *c, const aggspec_t *a, uint32_t h, buf_t *b, uint8_t *t) {
    cv_col_t *k = a->field == FIELD_NONE ? NULL : find_col(c, a->field);
    buf_t x = {0}, nx = {0};
    if (k) {
        put_col(&x, k);
        if (k->t == CV_STR) put_tpl(&nx, c->D->num, x.p, ""); else buf_puts(&nx, x.p);
    } else if (a->field != FIELD_NONE) {
        buf_printf(&x, "CAST(NULL AS %s)", c->D->text);
        buf_printf(&nx, "CAST(NULL AS %s)", c->D->dbl);
        if (!c->grouped) { buf_free(&x); buf_free(&nx); return refuse(c, a->sp, "an aggregate of an unknown field"); }
    }
    *t = CV_NUM;
    bool ok = true;
    switch (a->fn) {
    case AG_COUNT:
        buf_printf(b, "CAST(count(%s) AS %s)", k ? x.p : "*", c->D->dbl);
        break;
    case AG_COUNT_DISTINCT: buf_printf(b, "CAST(count(DISTINCT %s) AS %s)", x.p, c->D->dbl); break;
    case AG_SUM:
        if (!a->one_if_missing) buf_printf(b, "sum(%s)", nx.p);
        else { /* top by _count: a row without a _count counts 1 */
            buf_t one = {0};
            put_num(c, &one, 1);
            if (k) buf_printf(b, "sum(CASE WHEN %s IS NULL THEN %s ELSE %s END)", x.p, one.p, nx.p);
            else buf_printf(b, "CAST(count(*) AS %s)", c->D->dbl);
            buf_free(&one);
        }
        break;
    case AG_MIN: buf_printf(b, "min(%s)", nx.p); break;
    case AG_MAX: buf_printf(b, "max(%s)", nx.p); break;
    case AG_AVG: buf_printf(b, "(sum(%s) / CAST(count(%s) AS %s))", nx.p, nx.p, c->D->dbl); break;
    case AG_FIRST: case AG_LAST:
        /* The one value of the row ranked 1 among the rows that have one. */
        buf_puts(b, "max(CASE WHEN ");
        put_helper(b, h);
        buf_printf(b, " = 1 THEN %s END)", x.p);
        *t = k ? k->t : CV_STR;
        break;
    default: ok = refuse(c, a->sp, "the aggregate %s()", agg_info[a->fn].name);
    }
    if (ok && *t == CV_NUM && a->fn != AG_COUNT && a->fn != AG_COUNT_DISTINCT) { /* min(-0) is -0: made 0 for a later group or in */
        buf_t z = {0};
        num_zero(c, &z, b, CV_NUM);
        buf_clear(b);
        buf_puts(b, z.p);
        buf_free(&z);
    }
    buf_free(&x); buf_free(&nx);
    return ok;
}

/* What input order needs (top, first, last at sp): the _seq column, in
 * postern's row order, and _messageTime as the input gave it. Returns the
 * _seq column, or NULL (refused). */
static cv_col_t *seq_col(cv_t *c, span_t sp, const char *what) {
    cv_col_t *q = find_col(c, CV_F_SEQ), *tm = find_col(c, F_MESSAGETIME);
    if (!q || !c->seq_rows) {
        refuse(c, sp, "%s after a top (its rows are in rank order, which the table has not)", what);
        return NULL;
    }
    if (tm && tm->ver != c->time_ver) {
        refuse(c, sp, "%s after _messageTime is reassigned", what);
        return NULL;
    }
    return q;
}

/* The sort keys keys[0..n) as ORDER BY items (a number column
 * numerically, a text one in byte order, nulls last), no leading comma. */
static void put_order(cv_t *c, buf_t *b, const sortkey_t *keys, uint32_t n) {
    for (uint32_t k = 0; k < n; k++) {
        const cv_col_t *kc = find_col(c, keys[k].field);
        if (k) buf_puts(b, ", ");
        put_col(b, kc);
        if (kc->t == CV_STR) buf_puts(b, c->D->text_cmp);
        buf_printf(b, " %s NULLS LAST", keys[k].desc ? "DESC" : "ASC");
    }
}

/* first(x), last(x) (agg.c step): the value of the newest (first) or
 * oldest (last) record that has one, by _messageTime (none: the oldest of
 * all), ties by input order (a later record is newer). One layer ranks
 * each aggregate's rows within its group and kind (null or not) as a
 * helper column; h[i] names aggregate i's. */
static bool order_layer(cv_t *c, const stage_t *s, const cv_col_t *keys, uint32_t nkeys, uint32_t *h) {
    bool any = false;
    for (uint32_t i = 0; i < s->naggs; i++) any |= s->aggs[i].fn == AG_FIRST || s->aggs[i].fn == AG_LAST;
    if (!any) return true;
    const cv_col_t *q = seq_col(c, s->sp, "first() or last()");
    if (!q) return false;
    const cv_col_t *tm = find_col(c, F_MESSAGETIME);
    buf_t sel = {0};
    for (uint32_t i = 0; i < s->naggs; i++) {
        const aggspec_t *a = &s->aggs[i];
        if (a->fn != AG_FIRST && a->fn != AG_LAST) continue;
        const cv_col_t *k = a->field == FIELD_NONE ? NULL : find_col(c, a->field);
        if (!k) { buf_free(&sel); return refuse(c, a->sp, "an aggregate of an unknown field"); }
        bool newest = a->fn == AG_FIRST;
        buf_puts(&sel, ", row_number() OVER (PARTITION BY ");
        for (uint32_t j = 0; j < nkeys; j++) {
            put_col(&sel, &keys[j]);
            buf_puts(&sel, ", ");
        }
        buf_puts(&sel, "(");
        put_col(&sel, k);
        buf_puts(&sel, " IS NULL) ORDER BY ");
        if (tm) {
            put_col(&sel, tm);
            buf_puts(&sel, newest ? " DESC NULLS LAST, " : " ASC NULLS FIRST, ");
        }
        put_col(&sel, q);
        buf_puts(&sel, newest ? " DESC) AS " : " ASC) AS ");
        h[i] = ++c->cols.ver;
        put_helper(&sel, h[i]);
    }
    open_layer(c);
    buf_printf(&c->ctes, "SELECT *%s FROM s%u)", sel.p, c->layer - 1);
    buf_free(&sel);
    return true;
}

/* An aggregate stage (or top's grouping): GROUP BY its keys; its columns
 * are the keys, then the aggregates (then, when read, the smallest _seq of
 * each group: the groups' order of first appearance). */
static bool st_agg(cv_t *c, const stage_t *s) {
    buf_t sel = {0}, grp = {0};
    uint32_t nkeys = cv_group_n(s);
    cv_col_t *keys = xcalloc(nkeys + 1, sizeof *keys);
    uint32_t *h = xcalloc(s->naggs + 1, sizeof *h);
    bool ok = cv_cols_keys(&c->cols, s, keys, c->D, c->d) && order_layer(c, s, keys, nkeys, h);
    for (uint32_t i = 0; i < nkeys && ok; i++) {
        if (i) { buf_puts(&sel, ", "); buf_puts(&grp, ", "); }
        put_col(&sel, &keys[i]);
        put_col(&grp, &keys[i]);
    }
    cv_col_t *aggc = xcalloc(s->naggs + 2, sizeof *aggc);
    for (uint32_t i = 0; i < s->naggs && ok; i++) {
        uint8_t t = CV_NUM;
        buf_t a = {0};
        if ((ok = agg_sql(c, &s->aggs[i], h[i], &a, &t))) {
            aggc[i] = (cv_col_t){.f = s->aggs[i].as, .t = t, .ver = ++c->cols.ver};
            if (sel.n) buf_puts(&sel, ", ");
            buf_printf(&sel, "%s AS ", a.p);
            put_col(&sel, &aggc[i]);
        }
        buf_free(&a);
    }
    cv_col_t *q = find_col(c, CV_F_SEQ);
    uint32_t naggc = s->naggs;
    if (ok && q) {
        aggc[naggc] = (cv_col_t){.f = CV_F_SEQ, .t = CV_NUM, .ver = ++c->cols.ver};
        buf_puts(&sel, ", min(");
        put_col(&sel, q);
        buf_puts(&sel, ") AS ");
        put_col(&sel, &aggc[naggc++]);
    }
    if (ok) {
        open_layer(c);
        buf_printf(&c->ctes, "SELECT %s FROM s%u", sel.p, c->layer - 1);
        if (nkeys) buf_printf(&c->ctes, " GROUP BY %s", grp.p);
        /* Without keys, no rows make no group (SQL would give one row of zeros). */
        else buf_puts(&c->ctes, " HAVING count(*) > 0");
        buf_putc(&c->ctes, ')');
        cv_cols_regroup(&c->cols, keys, nkeys, aggc, naggc);
        c->grouped = true;
    }
    free(keys); free(aggc); free(h);
    buf_free(&sel); buf_free(&grp);
    return ok;
}

/* top N f [, g] [by k [asc|desc], ...] (exec.c top_finish): the groups
 * of f (and g), ranked by the keys, ties by first appearance (the
 * smallest _seq), the first N. */
static bool st_top(cv_t *c, const stage_t *s) {
    if (!seq_col(c, s->sp, "top")) return false;
    if (!st_agg(c, s)) return false;
    open_layer(c);
    buf_printf(&c->ctes, "SELECT * FROM s%u ORDER BY ", c->layer - 1);
    put_order(c, &c->ctes, s->keys, s->nkeys);
    buf_puts(&c->ctes, ", ");
    put_col(&c->ctes, find_col(c, CV_F_SEQ));
    buf_printf(&c->ctes, " ASC LIMIT %lld)", (long long)s->n);
    c->seq_rows = false; /* the rows are in rank order now */
    return true;
}

/* fields a, b (keep and order; built-in fields stay) or fields - a. */
static bool st_fields(cv_t *c, const stage_t *s) {
    /* A listed field no row has (after an aggregate): an empty column, as postern shows it. */
    for (uint32_t i = 0; i < s->nflds && !s->remove; i++)
        if (!find_col(c, s->flds[i]) && c->grouped) {
            buf_t nul = {0};
            buf_printf(&nul, "CAST(NULL AS %s)", c->D->text);
            layer_with(c, s->flds[i], CV_STR, nul.p);
            buf_free(&nul);
        }
    return cv_cols_fields(&c->cols, s, c->grouped, &c->fixed, c->D, c->d);
}

/* The built-in fields the table offers (a contract column each). */
static bool input_ok(uint32_t f) {
    return f >= F_NBUILTIN || f == F_RAW || f == F_MESSAGETIME || f == F_SOURCECATEGORY || f == F_SOURCEHOST || f == F_SOURCENAME ||
           f == F_SOURCE || f == F_COLLECTOR;
}

/* The comment lines of text, control characters blanked. */
static void put_comment(buf_t *b, const char *text) {
    buf_puts(b, "-- ");
    for (const char *p = text; *p; p++) {
        if (*p == '\n') {
            if (p[1]) buf_puts(b, "\n-- ");
        } else buf_putc(b, (unsigned char)*p < ' ' || *p == 0x7f ? ' ' : *p);
    }
    buf_putc(b, '\n');
}

/* The first stage span, for messages about the whole query. */
static span_t query_span(const query_t *q) { return (span_t){0, q->len}; }

/* One stage of the SQL plan (a cv_stage_fn). */
CV_STAGE_FN(sql_stage, refuse)

/* See convert.h. */
bool cv_walk(const query_t *q, const cv_dialect_t *t, cv_stage_fn stage, void *st, cv_cols_t *cols, cv_tail_t *tail,
             diag_t *d) {
    tail->sort = NULL;
    tail->limit = -1;
    bool ended = false;
    for (uint32_t i = 0; i < q->nst; i++) {
        const stage_t *s = &q->st[i];
        if (ended && s->kind != ST_FIELDS && s->kind != ST_LIMIT)
            return cv_refuse(d, t, s->sp, "a stage after sort or limit (a table keeps no order between steps)");
        if (s->kind == ST_SORT) {
            for (uint32_t k = 0; k < s->nkeys; k++)
                if (!cv_col_find(cols, s->keys[k].field)) return cv_refuse(d, t, s->keys[k].sp, "sorting by a field no row has");
            tail->sort = s;
            ended = true;
        } else if (s->kind == ST_LIMIT) {
            if (!tail->sort)
                return cv_refuse(d, t, s->sp, "`limit` without a `sort` before it (postern keeps the first rows in input order, which a table has not)");
            if (tail->limit < 0 || s->n < tail->limit) tail->limit = s->n;
            ended = true;
        } else if (!stage(st, s)) return false;
    }
    return true;
}

/* See convert.h. */
bool cv_arith_ok(const expr_t *e, const cv_dialect_t *t, diag_t *d) {
    if (e->kind == EX_MOD) return cv_refuse(d, t, e->sp, "`%%` (Java's remainder of doubles)");
    if (e->kind == EX_DIV && !(e->b->kind == EX_NUM && e->b->num != 0))
        return cv_refuse(d, t, e->sp, "`/` by anything but a non-zero number literal (postern gives Infinity or NaN for a division by 0)");
    return true;
}

/* See convert.h. */
const char *cv_arith_op(unsigned k) {
    static const char *const ops[] = {[EX_ADD] = "+", [EX_SUB] = "-", [EX_MUL] = "*", [EX_DIV] = "/"};
    return k < sizeof ops / sizeof ops[0] && ops[k] ? ops[k] : "?";
}

/* See convert.h. */
cv_col_t *cv_parse_source(cv_cols_t *cols, bool nodrop_open, const stage_t *s, const cv_dialect_t *t, diag_t *d) {
    if (!s->nodrop && nodrop_open) {
        cv_refuse(d, t, s->sp, "a parse without nodrop after one with nodrop (postern keeps what an earlier one matched)");
        return NULL;
    }
    cv_col_t *src = cv_col_find(cols, s->src);
    if (!src || src->t != CV_STR) {
        cv_refuse(d, t, s->sp, "a parse of a field that is no text");
        return NULL;
    }
    return src;
}

/* See convert.h. */
bool cv_refuse(diag_t *d, const cv_dialect_t *t, span_t sp, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    cv_refusev(d, t, sp, fmt, ap);
    va_end(ap);
    return false;
}

/* See convert.h. */
bool cv_convert(const query_t *q, const cv_opts_t *o, buf_t *out, diag_t *d) {
    if (o->to->convert) return o->to->convert(q, o, out, d);
    cv_t c = {.q = q, .o = o, .D = o->to, .d = d, .limit = -1};
    uint32_t *in = NULL;
    uint32_t nin = cv_input_fields(q, &in);
    bool ok = true;
    /* s0: the input columns. */
    const char *table = o->table ? o->table : "logs";
    buf_puts(&c.ctes, "s0 AS (SELECT ");
    for (uint32_t i = 0; i < nin && ok; i++) {
        if (!input_ok(in[i])) {
            ok = refuse(&c, query_span(q), "the built-in field %.*s", (int)fname(&c, in[i]).n, fname(&c, in[i]).p);
            break;
        }
        if (cv_needs_seq(q) && pstr_ieq_c(input_name(&c, in[i]), "_seq")) {
            ok = refuse(&c, query_span(q), "a field named _seq in a query with top, first or last (the contract's input-order column)");
            break;
        }
        if (i) buf_puts(&c.ctes, ", ");
        uint8_t t = in[i] == F_MESSAGETIME ? CV_NUM : CV_STR;
        add_col(&c, in[i], t);
        if (in[i] == F_MESSAGETIME) c.time_ver = c.cols.ver;
        if (t == CV_NUM) buf_puts(&c.ctes, "CAST(");
        put_ident(&c, &c.ctes, input_name(&c, in[i]));
        if (t == CV_NUM) buf_printf(&c.ctes, " AS %s)", c.D->dbl);
        buf_puts(&c.ctes, " AS ");
        put_col(&c.ctes, find_col(&c, in[i]));
    }
    bool seq = cv_needs_seq(q);
    if (seq) { /* top, first, last: the input order */
        add_col(&c, CV_F_SEQ, CV_NUM);
        buf_puts(&c.ctes, nin ? ", \"_seq\" AS " : "\"_seq\" AS ");
        put_col(&c.ctes, find_col(&c, CV_F_SEQ));
        c.seq_rows = true;
    }
    if (!nin && !seq) buf_puts(&c.ctes, "1 AS c_one");
    buf_puts(&c.ctes, " FROM ");
    put_ident(&c, &c.ctes, pstr_c(table));
    buf_putc(&c.ctes, ')');
    if (ok && q->scope && q->scope->kind != EX_ALL) {
        buf_t x = {0};
        if ((ok = ex_cond(&c, q->scope, &x))) {
            open_layer(&c);
            buf_printf(&c.ctes, "SELECT * FROM s%u WHERE %s)", c.layer - 1, x.p);
        }
        buf_free(&x);
    }
    if (ok) {
        cv_tail_t tail;
        ok = cv_walk(q, c.D, sql_stage, &c, &c.cols, &tail, d);
        c.sort = tail.sort;
        c.limit = tail.limit;
    }
    if (ok && !c.grouped && !c.fixed)
        ok = refuse(&c, query_span(q), "a query whose message rows are not narrowed by `fields a, b` (postern's columns are then the fields the rows carry)");
    if (ok) {
        if (o->header) put_comment(out, o->header);
        buf_printf(out, "-- postern convert --to %s: reads table ", c.D->name);
        put_ident(&c, out, pstr_c(table));
        buf_puts(out, " (docs/convert.md), columns:");
        for (uint32_t i = 0; i < nin; i++) {
            buf_puts(out, i ? ", " : " ");
            buf_put(out, input_name(&c, in[i]).p, input_name(&c, in[i]).n);
        }
        if (seq) buf_puts(out, nin ? ", _seq" : " _seq");
        buf_puts(out, "\n");
        /* Blank any control character a field name carries into the comment line. */
        for (size_t i = 0; i + 1 < out->n; i++)
            if ((unsigned char)out->p[i] < ' ' && out->p[i] != '\n') out->p[i] = ' ';
        buf_printf(out, "WITH %s\nSELECT ", c.ctes.p);
        for (uint32_t i = 0, n = 0; i < c.cols.n; i++) {
            if (c.cols.v[i].f == CV_F_SEQ) continue; /* (the order, not a result column) */
            if (n++) buf_puts(out, ", ");
            put_col(out, &c.cols.v[i]);
            buf_puts(out, " AS ");
            put_ident(&c, out, fname(&c, c.cols.v[i].f));
        }
        buf_printf(out, "\nFROM s%u", c.layer);
        const cv_col_t *sq = find_col(&c, CV_F_SEQ);
        const stage_t *last = q->nst ? &q->st[q->nst - 1] : NULL;
        if (c.sort) {
            buf_puts(out, "\nORDER BY ");
            put_order(&c, out, c.sort->keys, c.sort->nkeys);
            /* Ties: postern keeps the rows' order: _seq's where the query reads
             * it; else, as a table has none, the other columns make the
             * order (and a limit's rows) one answer. */
            if (sq && c.seq_rows && c.limit >= 0) {
                buf_puts(out, ", ");
                put_col(out, sq);
                buf_puts(out, " ASC");
            }
            for (uint32_t i = 0; i < c.cols.n && c.limit >= 0 && !(sq && c.seq_rows); i++) {
                if (cv_sort_key(c.sort, c.cols.v[i].f) || c.cols.v[i].f == CV_F_SEQ) continue;
                buf_puts(out, ", ");
                put_col(out, &c.cols.v[i]);
                if (c.cols.v[i].t == CV_STR) buf_puts(out, c.D->text_cmp);
                buf_puts(out, " ASC NULLS LAST");
            }
        } else if (last && last->kind == ST_TOP && sq) {
            /* A top's rows in its order. */
            buf_puts(out, "\nORDER BY ");
            put_order(&c, out, last->keys, last->nkeys);
            buf_puts(out, ", ");
            put_col(out, sq);
            buf_puts(out, " ASC");
        }
        if (c.limit >= 0) buf_printf(out, "\nLIMIT %lld", (long long)c.limit);
        buf_puts(out, ";\n");
    }
    buf_free(&c.ctes);
    cv_cols_free(&c.cols);
    free(in);
    return ok;
}

/* See convert.h. */
uint32_t cv_input_fields(const query_t *q, uint32_t **out) {
    uint32_t nin = input_fields(q, out);
    uint32_t *in = *out;
    bool msg_rows = true;
    for (uint32_t i = 0; i < q->nst; i++)
        if (stage_info[q->st[i].kind].flags & SF_GROUP) msg_rows = false;
    /* Message rows carry _messageTime and _sourceCategory (postern shows them after `fields`). */
    uint32_t extra[2] = {F_MESSAGETIME, F_SOURCECATEGORY};
    for (int k = 0; k < 2 && msg_rows; k++) {
        bool have = false;
        for (uint32_t i = 0; i < nin; i++) have |= in[i] == extra[k];
        if (!have) {
            in = xrealloc(in, (nin + 1) * sizeof *in);
            in[nin++] = extra[k];
        }
    }
    *out = in;
    return nin;
}

/* See convert.h. */
pstr_t cv_input_name(const query_t *q, uint32_t f) {
    cv_t c = {.q = q};
    return input_name(&c, f);
}

/* See convert.h. */
bool cv_input_ok(uint32_t f) { return input_ok(f); }
