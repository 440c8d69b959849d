/* convert_kql.c — `postern convert --to kql`: a parsed query as one KQL
 * query (Microsoft Sentinel, Azure Data Explorer).
 *
 * KQL is a pipeline, so the plan is one operator a stage: the input table,
 * `project` of the columns the query reads (each under an internal name
 * c<field>_<version>, a new version per assignment), then `where`,
 * `extend`, `summarize` in the stages' order, and a final `project` that
 * names the columns as `postern query` shows them, then `sort` and `take`.
 *
 * Nulls. KQL has typed nulls for numbers but none for text: a string is
 * never null. The contract (docs/convert.md) is that a text column holds
 * "" when the record lacks the field, so "" stands for null in an input
 * column. Every text value carries two flags: K_NULL (postern's value may
 * be null, written "") and K_EMPTY (it may be a real empty text, as a
 * concat or a parse capture gives). A value that may be both is refused at
 * the construct that makes it, since KQL could not tell them apart; every
 * test of a K_NULL value is guarded by isnotempty(), as postern's tests of
 * null are false. Numbers are `real`, null when postern's are; every
 * comparison is guarded by isnotnull(), so conditions are never null and
 * `not` of a test of null is true (docs/semantics.md §3).
 *
 * Regexes: KQL reads RE2, so a pattern is convert_regex.c's RE2
 * translation, written as a verbatim literal (@"...") with any control
 * character as \x{..}. Wildcards and parse anchors become RE2 patterns too
 * (case folded as [aA] classes: postern folds ASCII letters only).
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "convert.h"
#include "schema.h"
#include "str.h"
#include "table.h"
#include "value.h"

enum { K_NULL = 1, K_EMPTY = 2 }; /* a text value's flags (cv_col_t.fl) */

/* A column is a cv_col_t: its KQL name is c<f>_<ver>; a text column's
 * number is helper column h_<aux> (aux 0: not made yet). */

/* A value: its KQL text, type and flags. */
typedef struct kval {
    buf_t s;
    uint8_t t, fl;
    bool lit;      /* a literal (never null) */
    uint32_t f, ver; /* a column as it is (ver 0: not one) */
} kval_t;

/* The conversion's state. */
typedef struct kq {
    const query_t *q;
    const cv_opts_t *o;
    diag_t *d;
    buf_t body;          /* the pipeline after the table: "\n| where ..." */
    buf_t pre;           /* helper columns the next stage line reads: "\n| extend h_3 = ..." */
    cv_cols_t cols;      /* the current columns, and the version counter */
    bool grouped;        /* an aggregate ran */
    const stage_t *sort; /* the final sort, or NULL */
    int64_t limit;       /* the final limit, or -1 */
    bool fixed;          /* a `fields` list fixed the columns of message rows */
    bool seq_rows;       /* the CV_F_SEQ column orders the rows as postern's next stage sees them */
    bool nodrop_open;    /* a parse with nodrop ran since the last one without */
} kq_t;

/* The blanks of postern (and Java): space \t \n \v \f \r, as an RE2 class. */
#define K_BLANKS "[ \\t\\n\\x0B\\f\\r]"

/* Report that construct (at sp) has no exact form in KQL. */
static bool refuse(kq_t *c, span_t sp, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static bool refuse(kq_t *c, span_t sp, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    cv_refusev(c->d, c->o->to, sp, fmt, ap);
    va_end(ap);
    return false;
}

static void kv_free(kval_t *v) { buf_free(&v->s); }
static const char *kv_p(const kval_t *v) { return v->s.p ? v->s.p : ""; }

/* ---- KQL text pieces ------------------------------------------------------- */

/* Whether s is valid UTF-8 (KQL's text is Unicode: other bytes cannot be written). */
static bool utf8_ok(pstr_t s) {
    for (size_t i = 0; i < s.n;) {
        unsigned char ch = (unsigned char)s.p[i];
        if (ch < 0x80) { i++; continue; }
        size_t k = str_utf8_len((const unsigned char *)s.p + i, s.n - i);
        if (!k) return false;
        i += k;
    }
    return true;
}

/* A string literal holding s: "..." with \" \\ \t \n escaped (the escapes
 * KQL documents). Returns false (nothing written) when s holds another
 * control character or is not UTF-8. */
static bool put_str(buf_t *b, pstr_t s) {
    if (!utf8_ok(s)) return false;
    for (size_t i = 0; i < s.n; i++) {
        unsigned char ch = (unsigned char)s.p[i];
        if ((ch < ' ' && ch != '\t' && ch != '\n') || ch == 0x7f) return false;
    }
    buf_putc(b, '"');
    for (size_t i = 0; i < s.n; i++) {
        char ch = s.p[i];
        if (ch == '"' || ch == '\\') { buf_putc(b, '\\'); buf_putc(b, ch); }
        else if (ch == '\t') buf_puts(b, "\\t");
        else if (ch == '\n') buf_puts(b, "\\n");
        else buf_putc(b, ch);
    }
    buf_putc(b, '"');
    return true;
}

/* A text literal, or a refusal naming it. */
static bool lit_str(kq_t *c, span_t sp, buf_t *b, pstr_t s) {
    if (put_str(b, s)) return true;
    return refuse(c, sp, "a text holding a control character other than tab and newline, or bytes that are not UTF-8,");
}

/* A regex (RE2 text, already translated) as a verbatim literal @"...":
 * a control character as \x{..}, " doubled. False when it is not UTF-8. */
static bool put_re(buf_t *b, pstr_t re) {
    if (!utf8_ok(re)) return false;
    buf_puts(b, "@\"");
    for (size_t i = 0; i < re.n; i++) {
        unsigned char ch = (unsigned char)re.p[i];
        if (ch < ' ' || ch == 0x7f) buf_printf(b, "\\x{%02X}", ch);
        else if (ch == '"') buf_puts(b, "\"\"");
        else buf_putc(b, (char)ch);
    }
    buf_putc(b, '"');
    return true;
}

/* A bracketed name: ["name"] (table and column names). */
static bool put_name(buf_t *b, pstr_t s) {
    buf_putc(b, '[');
    bool ok = put_str(b, s);
    buf_putc(b, ']');
    return ok;
}

/* A number literal as a real (KQL writes infinities as real(+inf), real(-inf)). */
static void put_num(buf_t *b, double v) {
    char tmp[40];
    if (isnan(v)) snprintf(tmp, sizeof tmp, "nan");
    else if (isinf(v)) snprintf(tmp, sizeof tmp, "%cinf", v < 0 ? '-' : '+');
    else snprintf(tmp, sizeof tmp, "%.17g", v);
    buf_printf(b, "real(%s)", tmp);
}

static void put_col(buf_t *b, const cv_col_t *k) {
    if (k->f == CV_F_SEQ) buf_printf(b, "c_seq_%u", k->ver);
    else buf_printf(b, "c%u_%u", k->f, k->ver);
}

static cv_col_t *find_col(kq_t *c, uint32_t f) { return cv_col_find(&c->cols, f); }

static pstr_t fname(const kq_t *c, uint32_t f) { return ftab_name(&c->q->ft, f); }

static void add_col(kq_t *c, uint32_t f, uint8_t t, uint8_t fl) { cv_col_add(&c->cols, f, t, fl); }

/* Start a stage line in the pipeline: first the helper columns it reads. */
static void stage_line(kq_t *c) {
    if (c->pre.n) buf_put(&c->body, c->pre.p, c->pre.n);
    buf_clear(&c->pre);
}

/* One character of a literal in an RE2 pattern: RE2's metacharacters
 * escaped, control characters as \x{..}, letters as [aA] when icase. */
static void re_char(buf_t *b, unsigned char ch, bool icase) {
    if (icase && ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z')))
        buf_printf(b, "[%c%c]", str_lc((char)ch), (char)(str_lc((char)ch) - 'a' + 'A'));
    else if (ch < ' ' || ch == 0x7f) buf_printf(b, "\\x{%02X}", ch);
    else if (strchr("\\.+*?()|[]{}^$", ch)) buf_printf(b, "\\%c", ch);
    else buf_putc(b, (char)ch);
}

/* ---- expressions ----------------------------------------------------------- */

static bool ex_val(kq_t *c, const expr_t *e, kval_t *v);
static bool ex_cond(kq_t *c, const expr_t *e, buf_t *b);

static bool is_cond_fn(int fn) { return fn == FN_ISNULL || fn == FN_ISEMPTY || fn == FN_ISBLANK || fn == FN_CONTAINS; }

/* postern's number of a text (value.c str_to_num): optional blanks, sign,
 * digits with an optional fraction, optional exponent; null otherwise. */
static void num_of_text(buf_t *b, const char *x) {
    buf_printf(b,
               "iff(%s matches regex @\"\\A" K_BLANKS "*[+-]?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][+-]?[0-9]+)?" K_BLANKS
               "*\\z\", todouble(trim(@\"" K_BLANKS "+\", %s)), real(null))",
               x, x);
}

/* The number of text column k as a helper column h_<n>, made (into the
 * next stage line's helpers) the first time it is asked for. */
static void put_num_helper(kq_t *c, buf_t *b, cv_col_t *k) {
    if (!k->aux) {
        buf_t x = {0};
        put_col(&x, k);
        k->aux = ++c->cols.ver;
        buf_printf(&c->pre, "\n| extend h_%u = ", k->aux);
        num_of_text(&c->pre, x.p);
        buf_free(&x);
    }
    buf_printf(b, "h_%u", k->aux);
}

/* v as a number into b: a number as is, a text literal decided now, a
 * text column through its helper, any other text cast. */
static void put_numof(kq_t *c, buf_t *b, const expr_t *e, const kval_t *v) {
    double d;
    cv_col_t *k = v->ver ? find_col(c, v->f) : NULL;
    if (v->t == CV_NUM) buf_puts(b, kv_p(v));
    else if (k && k->ver == v->ver) put_num_helper(c, b, k);
    else if (e->kind != EX_STR) num_of_text(b, kv_p(v));
    else if (str_to_num(e->str, &d)) put_num(b, d);
    else buf_puts(b, "real(null)");
}

/* Whether put_numof of v is never null (a number literal or a number text literal). */
static bool num_lit(const expr_t *e) {
    double d;
    return e->kind == EX_NUM || (e->kind == EX_STR && str_to_num(e->str, &d));
}

static bool ex_num(kq_t *c, const expr_t *e, buf_t *b) {
    kval_t v = {0};
    bool ok = ex_val(c, e, &v);
    if (ok) put_numof(c, b, e, &v);
    kv_free(&v);
    return ok;
}

/* Appends "isnotempty(x) and " when text v may be null (postern: a test of null is false). */
static void guard(buf_t *b, const kval_t *v) {
    if (v->t == CV_STR && (v->fl & K_NULL)) buf_printf(b, "isnotempty(%s) and ", kv_p(v));
}

/* = and != : two texts byte for byte; a number on either side casts the other. */
static bool cond_eq(kq_t *c, const expr_t *e, buf_t *b) {
    kval_t x = {0}, y = {0};
    bool ok = ex_val(c, e->a, &x) && ex_val(c, e->b, &y);
    const char *op = e->kind == EX_EQ ? "==" : "!=";
    if (ok && x.t == CV_STR && y.t == CV_STR) {
        buf_putc(b, '(');
        guard(b, &x);
        guard(b, &y);
        buf_printf(b, "%s %s %s)", kv_p(&x), op, kv_p(&y));
    } else if (ok) {
        buf_t nx = {0}, ny = {0};
        put_numof(c, &nx, e->a, &x);
        put_numof(c, &ny, e->b, &y);
        buf_putc(b, '(');
        if (!num_lit(e->a)) buf_printf(b, "isnotnull(%s) and ", nx.p);
        if (!num_lit(e->b)) buf_printf(b, "isnotnull(%s) and ", ny.p);
        buf_printf(b, "%s %s %s)", nx.p, op, ny.p);
        buf_free(&nx); buf_free(&ny);
    }
    kv_free(&x); kv_free(&y);
    return ok;
}

/* < > <= >=: numerically when either side is a number or both texts are
 * numbers, else in ordinal order of the texts (strcmp). */
static bool cond_order(kq_t *c, const expr_t *e, buf_t *b) {
    static const char *const ops[] = {[EX_LT] = "<", [EX_GT] = ">", [EX_LE] = "<=", [EX_GE] = ">="};
    const char *op = ops[e->kind];
    kval_t x = {0}, y = {0};
    bool ok = ex_val(c, e->a, &x) && ex_val(c, e->b, &y);
    if (ok) {
        buf_t nx = {0}, ny = {0};
        put_numof(c, &nx, e->a, &x);
        put_numof(c, &ny, e->b, &y);
        if (x.t == CV_NUM || y.t == CV_NUM) {
            buf_putc(b, '(');
            if (!num_lit(e->a)) buf_printf(b, "isnotnull(%s) and ", nx.p);
            if (!num_lit(e->b)) buf_printf(b, "isnotnull(%s) and ", ny.p);
            buf_printf(b, "%s %s %s)", nx.p, op, ny.p);
        } else {
            buf_putc(b, '(');
            guard(b, &x);
            guard(b, &y);
            buf_printf(b, "iff(isnotnull(%s) and isnotnull(%s), %s %s %s, strcmp(%s, %s) %s 0))", nx.p, ny.p, nx.p, op,
                       ny.p, kv_p(&x), kv_p(&y), op);
        }
        buf_free(&nx); buf_free(&ny);
    }
    kv_free(&x); kv_free(&y);
    return ok;
}

/* `in`: no cast; a text equals a text literal, a number a number literal;
 * null is false for `in` and `not in` alike. */
static bool cond_in(kq_t *c, const expr_t *e, buf_t *b) {
    if (e->b || e->sub) return refuse(c, e->sp, "`in` over a subquery");
    kval_t x = {0};
    if (!ex_val(c, e->a, &x)) { kv_free(&x); return false; }
    buf_t list = {0}, g = {0};
    uint32_t hits = 0;
    bool ok = true;
    for (uint32_t i = 0; i < e->nargs && ok; i++) {
        const expr_t *a = e->args[i];
        if (a->kind != EX_STR && a->kind != EX_NUM) { ok = refuse(c, a->sp, "an `in` value that is no literal"); break; }
        if ((a->kind == EX_STR) != (x.t == CV_STR)) continue; /* never equal: other type */
        if (hits++) buf_puts(&list, ", ");
        if (a->kind == EX_STR) ok = lit_str(c, a->sp, &list, a->str);
        else put_num(&list, a->num);
    }
    if (x.lit) ;
    else if (x.t == CV_NUM) buf_printf(&g, "isnotnull(%s)", kv_p(&x));
    else if (x.fl & K_NULL) buf_printf(&g, "isnotempty(%s)", kv_p(&x));
    if (!ok) ;
    else if (!hits) buf_printf(b, "(%s)", e->neg ? (g.n ? g.p : "true") : "false");
    else buf_printf(b, "(%s%s%s %s (%s))", g.n ? g.p : "", g.n ? " and " : "", kv_p(&x), e->neg ? "!in" : "in", list.p);
    buf_free(&list); buf_free(&g); kv_free(&x);
    return ok;
}

/* A wildcard (`*` any characters, the rest literal) as an RE2 pattern of the whole value. */
static void wild_re(pstr_t pat, bool icase, buf_t *out) {
    buf_puts(out, "\\A");
    for (size_t i = 0; i < pat.n; i++) {
        if (pat.p[i] == '*') buf_puts(out, "(?s:.*)");
        else re_char(out, (unsigned char)pat.p[i], icase);
    }
    buf_puts(out, "\\z");
}

/* v matches the RE2 pattern re (searched anywhere); false for null. */
static bool put_rematch(kq_t *c, span_t sp, buf_t *b, const kval_t *v, pstr_t re) {
    buf_t lit = {0};
    bool ok = put_re(&lit, re);
    if (!ok) ok = refuse(c, sp, "a pattern that is not UTF-8");
    else {
        buf_putc(b, '(');
        guard(b, v);
        buf_printf(b, "%s matches regex %s)", kv_p(v), lit.p);
    }
    buf_free(&lit);
    return ok;
}

/* `matches`: a wildcard string, or a regex searched anywhere. */
static bool cond_matches(kq_t *c, const expr_t *e, buf_t *b) {
    kval_t x = {0};
    if (!ex_val(c, e->a, &x)) { kv_free(&x); return false; }
    bool ok = true;
    buf_t re = {0}, t = {0};
    if (x.t != CV_STR) ok = refuse(c, e->a->sp, "`matches` on a number (postern matches its printed form)");
    else if (e->b->kind == EX_STR) wild_re(e->b->str, false, &re);
    else if (e->b->kind == EX_REGEX) {
        const char *why = cv_regex(e->b->str, CV_RE_RE2, &re, NULL);
        if (why) ok = refuse(c, e->b->sp, "this regex (%s)", why);
    } else ok = refuse(c, e->b->sp, "a `matches` pattern that is no literal");
    if (ok) ok = put_rematch(c, e->b->sp, &t, &x, (pstr_t){re.p ? re.p : "", re.n});
    if (ok) buf_printf(b, "%s%s%s", e->neg ? "not(" : "", t.p, e->neg ? ")" : "");
    buf_free(&re); buf_free(&t); kv_free(&x);
    return ok;
}

/* contains(a, b): a substring test of two texts; an empty b is found only in an empty a. */
static bool cond_contains(kq_t *c, const expr_t *a, const expr_t *b2, buf_t *b) {
    kval_t x = {0}, y = {0};
    bool ok = ex_val(c, a, &x) && ex_val(c, b2, &y);
    if (ok && (x.t != CV_STR || y.t != CV_STR))
        ok = refuse(c, x.t != CV_STR ? a->sp : b2->sp, "contains of a number (postern tests its printed form)");
    if (ok) {
        buf_putc(b, '(');
        guard(b, &x);
        guard(b, &y);
        buf_printf(b, "iff(isempty(%s), isempty(%s), %s contains_cs %s))", kv_p(&y), kv_p(&x), kv_p(&x), kv_p(&y));
    }
    kv_free(&x); kv_free(&y);
    return ok;
}

/* isNull, isEmpty, isBlank, contains. */
static bool cond_call(kq_t *c, const expr_t *e, buf_t *b) {
    if (e->func == FN_CONTAINS) return cond_contains(c, e->args[0], e->args[1], b);
    kval_t x = {0};
    bool ok = ex_val(c, e->args[0], &x);
    if (ok && x.t == CV_NUM) buf_printf(b, "isnull(%s)", kv_p(&x));
    else if (ok && e->func == FN_ISNULL) {
        if (x.fl & K_NULL) buf_printf(b, "isempty(%s)", kv_p(&x));
        else buf_puts(b, "false");
    } else if (ok && e->func == FN_ISEMPTY) buf_printf(b, "isempty(%s)", kv_p(&x));
    else if (ok) buf_printf(b, "(%s matches regex @\"\\A" K_BLANKS "*\\z\")", kv_p(&x));
    kv_free(&x);
    return ok;
}

static bool ex_cond(kq_t *c, const expr_t *e, buf_t *b) {
    buf_t x = {0}, y = {0};
    bool ok = true;
    switch (e->kind) {
    case EX_AND: case EX_OR:
        ok = ex_cond(c, e->a, &x) && ex_cond(c, e->b, &y);
        if (ok) buf_printf(b, "(%s %s %s)", x.p, e->kind == EX_AND ? "and" : "or", y.p);
        break;
    case EX_NOT:
        if ((ok = ex_cond(c, e->a, &x))) buf_printf(b, "not(%s)", x.p);
        break;
    case EX_ALL: buf_puts(b, "true"); break;
    case EX_FIELDWILD: {
        cv_col_t *k = find_col(c, e->field);
        if (!k || k->t != CV_STR) { ok = refuse(c, e->sp, "this scope term"); break; }
        kval_t v = {.t = CV_STR, .fl = k->fl};
        put_col(&v.s, k);
        wild_re(e->str, true, &x);
        ok = put_rematch(c, e->sp, b, &v, (pstr_t){x.p, x.n});
        kv_free(&v);
        break;
    }
    case EX_KEYWORD: ok = refuse(c, e->sp, "a keyword search of the message text (_raw)"); break;
    case EX_EQ: case EX_NE: ok = cond_eq(c, e, b); break;
    case EX_LT: case EX_GT: case EX_LE: case EX_GE: ok = cond_order(c, e, b); break;
    case EX_IN: ok = cond_in(c, e, b); break;
    case EX_MATCHES: ok = cond_matches(c, e, b); break;
    case EX_CONTAINS: ok = cond_contains(c, e->a, e->b, b); break;
    default: {
        if (e->kind == EX_CALL && is_cond_fn(e->func)) { ok = cond_call(c, e, b); break; }
        if (e->kind == EX_SUBQUERY) { ok = refuse(c, e->sp, "a subquery"); break; }
        /* Any other value: its truth (val_truthy: a number not 0, a text "true" in any ASCII case). */
        kval_t v = {0};
        if ((ok = ex_val(c, e, &v))) {
            if (v.t == CV_NUM) buf_printf(b, "(isnotnull(%s) and %s != 0)", kv_p(&v), kv_p(&v));
            else buf_printf(b, "(translate(\"TRUE\", \"true\", %s) == \"true\")", kv_p(&v));
        }
        kv_free(&v);
        break;
    }
    }
    buf_free(&x); buf_free(&y);
    return ok;
}

/* A text value's flags, refused when it may be both null and empty. */
static bool flags_ok(kq_t *c, span_t sp, uint8_t fl, const char *what) {
    if ((fl & (K_NULL | K_EMPTY)) == (K_NULL | K_EMPTY))
        return refuse(c, sp, "%s that may be null or an empty text (KQL has no null text: both would be \"\")", what);
    return true;
}

/* Arithmetic on the numbers of both sides (null when one is none). */
static bool val_arith(kq_t *c, const expr_t *e, kval_t *v) {
    if (!cv_arith_ok(e, c->o->to, c->d)) return false;
    buf_t x = {0}, y = {0};
    bool ok = ex_num(c, e->a, &x) && ex_num(c, e->b, &y);
    if (ok) buf_printf(&v->s, "(%s %s %s)", x.p, cv_arith_op(e->kind), y.p);
    v->t = CV_NUM;
    buf_free(&x); buf_free(&y);
    return ok;
}

/* if(c, a, b) and c ? a : b: both branches of one type. */
static bool val_cond(kq_t *c, const expr_t *cond, const expr_t *a, const expr_t *b2, span_t sp, kval_t *v) {
    buf_t x = {0};
    kval_t y = {0}, z = {0};
    bool ok = ex_cond(c, cond, &x) && ex_val(c, a, &y) && ex_val(c, b2, &z);
    if (ok && y.t != z.t)
        ok = refuse(c, sp, "an `if` whose branches are a %s and a %s (postern's type then changes per row)", cv_type_name[y.t],
                    cv_type_name[z.t]);
    if (ok) ok = flags_ok(c, sp, y.fl | z.fl, "an `if`");
    if (ok) {
        buf_printf(&v->s, "iff(%s, %s, %s)", x.p, kv_p(&y), kv_p(&z));
        v->t = y.t;
        v->fl = y.fl | z.fl;
    }
    buf_free(&x); kv_free(&y); kv_free(&z);
    return ok;
}

/* A text argument of function e, or a refusal. */
static bool text_arg(kq_t *c, const expr_t *e, const expr_t *arg, kval_t *x) {
    if (!ex_val(c, arg, x)) return false;
    if (x->t != CV_STR) return refuse(c, e->sp, "%s() of a number (postern works on its printed form)", func_info[e->func].name);
    return true;
}

/* Function calls that give values. */
static bool val_call(kq_t *c, const expr_t *e, kval_t *v) {
    kval_t x = {0};
    buf_t n = {0};
    bool ok = true;
    v->t = CV_NUM;
    switch (e->func) {
    case FN_IF: return val_cond(c, e->args[0], e->args[1], e->args[2], e->sp, v);
    case FN_NUM: case FN_NUMBER: ok = ex_num(c, e->args[0], &v->s); break;
    case FN_LENGTH:
        /* Bytes of the UTF-8 text (postern's length; 0 for null): characters, plus one
         * for each past U+007F, U+07FF and U+FFFF. */
        if ((ok = text_arg(c, e, e->args[0], &x))) {
            const char *p = kv_p(&x);
            buf_printf(&v->s,
                       "todouble(countof(%s, @\"(?s).\", \"regex\") + countof(%s, @\"[^\\x00-\\x7F]\", \"regex\") + "
                       "countof(%s, @\"[^\\x00-\\x{7FF}]\", \"regex\") + countof(%s, @\"[^\\x00-\\x{FFFF}]\", \"regex\"))",
                       p, p, p, p);
        }
        break;
    case FN_CONCAT:
        /* Sumo's concat writes null as nothing: "" is both. */
        buf_puts(&v->s, "strcat(");
        for (uint32_t i = 0; i < e->nargs && ok; i++) {
            kval_t a = {0};
            if ((ok = text_arg(c, e, e->args[i], &a))) buf_printf(&v->s, "%s%s", i ? ", " : "", kv_p(&a));
            kv_free(&a);
        }
        buf_puts(&v->s, ")");
        v->t = CV_STR;
        v->fl = K_EMPTY;
        break;
    case FN_TOLOWERCASE: case FN_TOUPPERCASE:
        /* postern's case change is ASCII only, as translate() is (tolower() is Unicode's). */
        if ((ok = text_arg(c, e, e->args[0], &x)))
            buf_printf(&v->s, "translate(\"%s\", \"%s\", %s)",
                       e->func == FN_TOLOWERCASE ? "ABCDEFGHIJKLMNOPQRSTUVWXYZ" : "abcdefghijklmnopqrstuvwxyz",
                       e->func == FN_TOLOWERCASE ? "abcdefghijklmnopqrstuvwxyz" : "ABCDEFGHIJKLMNOPQRSTUVWXYZ", kv_p(&x));
        v->t = CV_STR;
        v->fl = x.fl;
        break;
    case FN_TRIM:
        if ((ok = text_arg(c, e, e->args[0], &x)) && (ok = flags_ok(c, e->sp, x.fl | K_EMPTY, "trim() of a text")))
            buf_printf(&v->s, "trim(@\"" K_BLANKS "+\", %s)", kv_p(&x));
        v->t = CV_STR;
        v->fl = x.fl | K_EMPTY;
        break;
    case FN_REPLACE: {
        const expr_t *pat = e->args[1], *rep = e->args[2];
        if (pat->kind != EX_STR || !pat->str.n || rep->kind != EX_STR || memchr(rep->str.p, '$', rep->str.n) ||
            memchr(rep->str.p, '\\', rep->str.n)) {
            ok = refuse(c, e->sp, "replace() other than of a non-empty text by a text without $ or \\");
            break;
        }
        v->t = CV_STR;
        if ((ok = text_arg(c, e, e->args[0], &x))) {
            v->fl = x.fl | (rep->str.n ? 0 : K_EMPTY);
            ok = flags_ok(c, e->sp, v->fl, "replace() by an empty text of a text");
        }
        buf_t p2 = {0}, r3 = {0};
        if (ok) ok = lit_str(c, pat->sp, &p2, pat->str) && lit_str(c, rep->sp, &r3, rep->str);
        if (ok) buf_printf(&v->s, "replace_string(%s, %s, %s)", kv_p(&x), p2.p, r3.p);
        buf_free(&p2); buf_free(&r3);
        break;
    }
    case FN_TOLONG: case FN_TOINT: case FN_INT:
        if ((ok = ex_num(c, e->args[0], &n))) buf_printf(&v->s, "iff(%s < 0, ceiling(%s), floor(%s, 1.0))", n.p, n.p, n.p);
        break;
    case FN_ABS: if ((ok = ex_num(c, e->args[0], &n))) buf_printf(&v->s, "abs(%s)", n.p); break;
    case FN_FLOOR: if ((ok = ex_num(c, e->args[0], &n))) buf_printf(&v->s, "floor(%s, 1.0)", n.p); break;
    case FN_CEIL: if ((ok = ex_num(c, e->args[0], &n))) buf_printf(&v->s, "ceiling(%s)", n.p); break;
    default: ok = refuse(c, e->sp, "the function %s()", func_info[e->func].name);
    }
    kv_free(&x);
    buf_free(&n);
    return ok;
}

static bool ex_val(kq_t *c, const expr_t *e, kval_t *v) {
    switch (e->kind) {
    case EX_STR:
        v->t = CV_STR;
        v->fl = e->str.n ? 0 : K_EMPTY;
        v->lit = true;
        return lit_str(c, e->sp, &v->s, e->str);
    case EX_NUM:
        v->t = CV_NUM;
        v->lit = true;
        put_num(&v->s, e->num);
        return true;
    case EX_FIELD: {
        cv_col_t *k = find_col(c, e->field);
        v->t = CV_STR;
        if (!k) {
            /* A field no stage made after an aggregate: null. */
            buf_puts(&v->s, "\"\"");
            v->fl = K_NULL;
            return c->grouped ? true : refuse(c, e->sp, "the field '%.*s'", (int)fname(c, e->field).n, fname(c, e->field).p);
        }
        put_col(&v->s, k);
        v->t = k->t;
        v->fl = k->fl;
        v->f = k->f;
        v->ver = k->ver;
        return true;
    }
    case EX_NEG: {
        buf_t x = {0};
        bool ok = ex_num(c, e->a, &x);
        if (ok) buf_printf(&v->s, "(-%s)", x.p);
        buf_free(&x);
        v->t = CV_NUM;
        return ok;
    }
    case EX_ADD: case EX_SUB: case EX_MUL: case EX_DIV: case EX_MOD: return val_arith(c, e, v);
    case EX_COND: return val_cond(c, e->a, e->b, e->c, e->sp, v);
    default:
        if (e->kind == EX_CALL && !is_cond_fn(e->func)) return val_call(c, e, v);
        return refuse(c, e->sp, "a condition used as a value (postern's true/false)");
    }
}

/* ---- stages ------------------------------------------------------------------ */

static bool st_where(kq_t *c, const stage_t *s) {
    buf_t x = {0};
    bool ok = ex_cond(c, s->e, &x);
    if (ok) {
        stage_line(c);
        buf_printf(&c->body, "\n| where %s", x.p);
    }
    buf_free(&x);
    return ok;
}

/* extend the new version of f as sql. */
static void extend_col(kq_t *c, uint32_t f, uint8_t t, uint8_t fl, const char *sql) {
    add_col(c, f, t, fl);
    stage_line(c);
    buf_puts(&c->body, "\n| extend ");
    put_col(&c->body, find_col(c, f));
    buf_printf(&c->body, " = %s", sql);
}

static bool st_assign(kq_t *c, const stage_t *s) {
    kval_t v = {0};
    bool ok = ex_val(c, s->e, &v);
    if (ok) extend_col(c, s->as, v.t, v.fl, kv_p(&v));
    kv_free(&v);
    return ok;
}

/* timeslice W [as f]: floor(_messageTime / W) * W. */
static bool st_timeslice(kq_t *c, const stage_t *s) {
    if (s->buckets || s->slice_ms <= 0 || s->slice_origin != 0)
        return refuse(c, s->sp, "a timeslice without a fixed width (it depends on the search's time range)");
    cv_col_t *k = find_col(c, F_MESSAGETIME);
    if (!k) return refuse(c, s->sp, "a timeslice after _messageTime is gone");
    buf_t x = {0}, w = {0}, sql = {0};
    put_col(&x, k);
    put_num(&w, (double)s->slice_ms);
    buf_printf(&sql, "floor(%s / %s, 1.0) * %s", x.p, w.p, w.p);
    extend_col(c, s->as, CV_NUM, 0, sql.p);
    buf_free(&x); buf_free(&w); buf_free(&sql);
    return true;
}

/* What parse and parse regex share: the chain rule, a text source, and
 * nodrop only over fields that hold a text that is never null. */
static cv_col_t *parse_source(kq_t *c, const stage_t *s) {
    cv_col_t *src = cv_parse_source(&c->cols, c->nodrop_open, s, c->o->to, c->d);
    if (!src) return NULL;
    for (uint32_t j = 0; j < s->nflds && s->nodrop; j++) {
        cv_col_t *old = find_col(c, s->flds[j]);
        if (!old || old->t != CV_STR || (old->fl & K_NULL)) {
            refuse(c, s->flds_sp[j],
                   "a parse with nodrop into a field that may be missing (a record it does not match keeps the null, "
                   "which KQL could not tell from an empty capture)");
            return NULL;
        }
    }
    c->nodrop_open = s->nodrop;
    return src;
}

/* The rows of src that match re (dropped unless nodrop), then field j as
 * extract(re, grp[j], src) where it matched, else its value before. */
static bool parse_outputs(kq_t *c, const stage_t *s, const cv_col_t *src0, pstr_t re, const uint32_t *grp) {
    buf_t lit = {0}, v = {0}, m = {0};
    cv_col_t src = *src0;
    bool ok = put_re(&lit, re);
    if (!ok) return refuse(c, s->sp, "a pattern that is not UTF-8");
    put_col(&v, &src);
    if (src.fl & K_NULL) buf_printf(&m, "isnotempty(%s) and ", v.p);
    buf_printf(&m, "%s matches regex %s", v.p, lit.p);
    stage_line(c);
    if (!s->nodrop) buf_printf(&c->body, "\n| where %s", m.p);
    for (uint32_t j = 0; j < s->nflds; j++) {
        buf_t sql = {0};
        cv_col_t *old = find_col(c, s->flds[j]);
        if (s->nodrop) {
            buf_printf(&sql, "iff(%s, extract(%s, %u, %s), ", m.p, lit.p, grp[j], v.p);
            put_col(&sql, old);
            buf_putc(&sql, ')');
        } else buf_printf(&sql, "extract(%s, %u, %s)", lit.p, grp[j], v.p);
        extend_col(c, s->flds[j], CV_STR, K_EMPTY | (old && s->nodrop ? old->fl : 0), sql.p);
        buf_free(&sql);
    }
    buf_free(&lit); buf_free(&v); buf_free(&m);
    return true;
}

/* parse "a=*, b=*" as a, b [nodrop] (op_parse.c pa_match): the anchors
 * found ignoring ASCII case, each the first after the previous, a final
 * `*` to the end — as one RE2 pattern \A.*?a(.*?)b..., whose lazy groups
 * take the first occurrence of each anchor (a later one never lets a
 * match succeed that the first did not). */
static bool st_parse(kq_t *c, const stage_t *s) {
    uint32_t stars = 0;
    for (size_t i = 0; i < s->pattern.n; i++) stars += s->pattern.p[i] == '*';
    if (stars != s->nflds || !stars || stars > 64) return refuse(c, s->sp, "a parse with several patterns");
    cv_col_t *src = parse_source(c, s);
    if (!src) return false;
    buf_t re = {0};
    uint32_t grp[65];
    buf_puts(&re, "(?s)\\A");
    uint32_t k = 0;
    for (size_t i = 0; i < s->pattern.n; i++) {
        if (s->pattern.p[i] == '*') {
            bool last = i + 1 == s->pattern.n;
            buf_puts(&re, last ? "(.*)" : "(.*?)");
            grp[k] = k + 1;
            k++;
        } else {
            if (i == 0) buf_puts(&re, ".*?");
            re_char(&re, (unsigned char)s->pattern.p[i], true);
        }
    }
    bool ok = parse_outputs(c, s, src, (pstr_t){re.p, re.n}, grp);
    buf_free(&re);
    return ok;
}

/* parse regex "re" [nodrop]: one regex, searched anywhere; each named group
 * fills its field. Only groups that take part in every match convert:
 * extract() gives "" where postern gives null for a group that took no part. */
static bool st_parse_regex(kq_t *c, const stage_t *s) {
    if (s->nres != 1 || s->multi) return refuse(c, s->sp, "a parse regex with several regexes or multi");
    buf_t re = {0};
    cv_rxinfo_t info;
    const char *why = cv_regex(s->pattern, CV_RE_RE2, &re, &info);
    bool ok = true;
    if (why) ok = refuse(c, s->sp, "this regex (%s)", why);
    for (uint32_t j = 0; j < s->nflds && ok; j++)
        if (s->flds_grp[j] > info.ngroups || s->flds_grp[j] > 64 || (info.optional >> (s->flds_grp[j] - 1) & 1))
            ok = refuse(c, s->flds_sp[j], "a group that may take no part in a match (postern gives null, KQL \"\")");
    cv_col_t *src = ok ? parse_source(c, s) : NULL;
    if (src) ok = parse_outputs(c, s, src, (pstr_t){re.p ? re.p : "", re.n}, s->flds_grp);
    else ok = false;
    buf_free(&re);
    return ok;
}

/* An aggregate's KQL over its column. Counts are exact (count_distinct,
 * never dcount's estimate); sum, min, max and avg skip values that are no
 * number and give null for a group without one. */
static bool agg_kql(kq_t *c, const aggspec_t *a, buf_t *b) {
    cv_col_t *k = a->field == FIELD_NONE ? NULL : find_col(c, a->field);
    buf_t x = {0}, nx = {0}, has = {0};
    bool numeric = a->fn == AG_SUM || a->fn == AG_MIN || a->fn == AG_MAX || a->fn == AG_AVG;
    if (k) {
        put_col(&x, k);
        if (k->t == CV_STR && numeric) put_num_helper(c, &nx, k);
        else buf_puts(&nx, x.p);
        if (k->t == CV_NUM) buf_printf(&has, "isnotnull(%s)", x.p);
        else if (k->fl & K_NULL) buf_printf(&has, "isnotempty(%s)", x.p);
        else buf_puts(&has, "true");
    } else if (a->field != FIELD_NONE) {
        if (!c->grouped) return refuse(c, a->sp, "an aggregate of an unknown field");
        buf_puts(&x, "\"\"");
        buf_puts(&nx, "real(null)");
        buf_puts(&has, "false");
    }
    bool ok = true;
    switch (a->fn) {
    case AG_COUNT:
        if (!k && a->field == FIELD_NONE) buf_puts(b, "todouble(count())");
        else buf_printf(b, "todouble(countif(%s))", has.p);
        break;
    case AG_COUNT_DISTINCT: buf_printf(b, "todouble(count_distinctif(%s, %s))", x.p, has.p); break;
    case AG_SUM:
        if (a->one_if_missing) { /* top by _count: a row without a _count counts 1 */
            buf_t e = {0};
            buf_printf(&e, "iff(%s, %s, 1.0)", has.p, nx.p);
            buf_printf(b, "iff(countif(isnotnull(%s)) == 0, real(null), sum(%s))", e.p, e.p);
            buf_free(&e);
            break;
        }
        /* fall through */
    case AG_MIN: case AG_MAX: case AG_AVG: {
        static const char *const fn[] = {[AG_SUM] = "sum(%s)", [AG_MIN] = "minif(%s, isnotnull(%s))",
                                         [AG_MAX] = "maxif(%s, isnotnull(%s))",
                                         [AG_AVG] = "sum(%s) / todouble(countif(isnotnull(%s)))"};
        buf_printf(b, "iff(countif(isnotnull(%s)) == 0, real(null), ", nx.p);
        buf_printf(b, fn[a->fn], nx.p, nx.p);
        buf_putc(b, ')');
        break;
    }
    case AG_FIRST: case AG_LAST:
        ok = refuse(c, a->sp, "%s() (KQL's arg_max and arg_min take any of the rows with the same _messageTime, where postern "
                              "takes the later or earlier in input order)", agg_info[a->fn].name);
        break;
    default: ok = refuse(c, a->sp, "the aggregate %s()", agg_info[a->fn].name);
    }
    buf_free(&x); buf_free(&nx); buf_free(&has);
    return ok;
}

/* An aggregate stage (or top's grouping): summarize its aggregates by its
 * keys; its columns are the keys, then the aggregates (then, when read,
 * the smallest _seq of each group: the groups' order of first appearance). */
static bool st_agg(kq_t *c, const stage_t *s) {
    buf_t sel = {0}, grp = {0};
    uint32_t nkeys = cv_group_n(s);
    cv_col_t *keys = xcalloc(nkeys + 1, sizeof *keys), *aggc = xcalloc(s->naggs + 2, sizeof *aggc);
    bool ok = cv_cols_keys(&c->cols, s, keys, c->o->to, c->d);
    for (uint32_t i = 0; i < nkeys && ok; i++) {
        if (i) buf_puts(&grp, ", ");
        put_col(&grp, &keys[i]);
    }
    for (uint32_t i = 0; i < s->naggs && ok; i++) {
        buf_t a = {0};
        if ((ok = agg_kql(c, &s->aggs[i], &a))) {
            aggc[i] = (cv_col_t){.f = s->aggs[i].as, .t = CV_NUM, .ver = ++c->cols.ver};
            if (sel.n) buf_puts(&sel, ", ");
            put_col(&sel, &aggc[i]);
            buf_printf(&sel, " = %s", a.p);
        }
        buf_free(&a);
    }
    cv_col_t *q = find_col(c, CV_F_SEQ);
    uint32_t naggc = s->naggs;
    if (ok && q) {
        aggc[naggc] = (cv_col_t){.f = CV_F_SEQ, .t = CV_NUM, .ver = ++c->cols.ver};
        if (sel.n) buf_puts(&sel, ", ");
        put_col(&sel, &aggc[naggc++]);
        buf_puts(&sel, " = min(");
        put_col(&sel, q);
        buf_putc(&sel, ')');
    }
    if (ok) {
        /* Without keys, no rows make no group (summarize would give one row of zeros). */
        uint32_t rows = ++c->cols.ver;
        if (!nkeys) buf_printf(&sel, "%sh_%u = count()", sel.n ? ", " : "", rows);
        stage_line(c);
        buf_printf(&c->body, "\n| summarize %s", sel.p ? sel.p : "");
        if (nkeys) buf_printf(&c->body, " by %s", grp.p);
        else buf_printf(&c->body, "\n| where h_%u > 0", rows);
        cv_cols_regroup(&c->cols, keys, nkeys, aggc, naggc);
        c->grouped = true;
    }
    free(keys); free(aggc);
    buf_free(&sel); buf_free(&grp);
    return ok;
}

/* Sort key kc (named as the output names it, or by its internal name) in
 * direction desc: a text column that may be null with its "" (null) rows last. */
static void put_key(kq_t *c, buf_t *out, const cv_col_t *kc, bool internal, bool desc) {
    pstr_t nm = fname(c, kc->f);
    if (kc->t == CV_STR && (kc->fl & K_NULL)) {
        buf_puts(out, "isempty(");
        if (internal) put_col(out, kc); else put_name(out, nm);
        buf_puts(out, ") asc, ");
    }
    if (internal) put_col(out, kc); else put_name(out, nm);
    buf_printf(out, " %s nulls last", desc ? "desc" : "asc");
}

/* top N f [, g] [by ...] (exec.c top_finish): the groups of f (and g),
 * ranked by the keys, ties by first appearance (the smallest _seq), the
 * first N (sort and take: the later operators keep that order). */
static bool st_top(kq_t *c, const stage_t *s) {
    if (!find_col(c, CV_F_SEQ) || !c->seq_rows)
        return refuse(c, s->sp, "top after a top (its rows are in rank order, which the table has not)");
    if (!st_agg(c, s)) return false;
    buf_puts(&c->body, "\n| sort by ");
    for (uint32_t k = 0; k < s->nkeys; k++) {
        put_key(c, &c->body, find_col(c, s->keys[k].field), true, s->keys[k].desc);
        buf_puts(&c->body, ", ");
    }
    put_col(&c->body, find_col(c, CV_F_SEQ));
    buf_printf(&c->body, " asc\n| take %lld", (long long)s->n);
    c->seq_rows = false;
    return true;
}

/* fields a, b (keep and order; built-in fields stay) or fields - a. */
static bool st_fields(kq_t *c, const stage_t *s) {
    /* A listed field no row has (after an aggregate): an empty column, as postern shows it. */
    for (uint32_t i = 0; i < s->nflds && !s->remove; i++)
        if (!find_col(c, s->flds[i]) && c->grouped) extend_col(c, s->flds[i], CV_STR, K_NULL, "\"\"");
    return cv_cols_fields(&c->cols, s, c->grouped, &c->fixed, c->o->to, c->d);
}

/* The comment lines of text as // lines, control characters and bytes that are not UTF-8 blanked. */
static void put_comment(buf_t *b, const char *text) {
    buf_puts(b, "// ");
    size_t n = strlen(text);
    for (size_t i = 0; i < n;) {
        unsigned char ch = (unsigned char)text[i];
        size_t k = ch < 0x80 ? 1 : str_utf8_len((const unsigned char *)text + i, n - i);
        if (ch == '\n') {
            if (i + 1 < n) buf_puts(b, "\n// ");
        } else if (!k || ch < ' ' || ch == 0x7f) buf_putc(b, ' ');
        else buf_put(b, text + i, k);
        i += k ? k : 1;
    }
    buf_putc(b, '\n');
}

/* The sort and limit over the output columns (named as postern names them):
 * a number column nulls last, a text column that may be null with its ""
 * (null) rows last; ties broken by the other columns when a limit keeps some. */
static void put_sort(kq_t *c, buf_t *out) {
    buf_puts(out, "\n| sort by ");
    for (uint32_t k = 0; k < c->sort->nkeys; k++) {
        if (k) buf_puts(out, ", ");
        put_key(c, out, find_col(c, c->sort->keys[k].field), false, c->sort->keys[k].desc);
    }
    for (uint32_t i = 0; i < c->cols.n && c->limit >= 0; i++) {
        if (cv_sort_key(c->sort, c->cols.v[i].f) || c->cols.v[i].f == CV_F_SEQ) continue;
        pstr_t nm = fname(c, c->cols.v[i].f);
        buf_puts(out, ", ");
        if (c->cols.v[i].t == CV_STR && (c->cols.v[i].fl & K_NULL)) {
            buf_puts(out, "isempty(");
            put_name(out, nm);
            buf_puts(out, ") asc, ");
        }
        put_name(out, nm);
        buf_puts(out, " asc nulls last");
    }
}

/* One stage of the KQL plan (a cv_stage_fn). */
CV_STAGE_FN(kql_stage, refuse)

/* See convert.h. */
bool cv_convert_kql(const query_t *q, const cv_opts_t *o, buf_t *out, diag_t *d) {
    kq_t c = {.q = q, .o = o, .d = d, .limit = -1};
    uint32_t *in = NULL;
    uint32_t nin = cv_input_fields(q, &in);
    bool ok = true;
    span_t all = {0, q->len};
    /* The input columns, under their internal names. */
    buf_t head = {0};
    const char *table = o->table ? o->table : "logs";
    if (!put_name(&head, pstr_c(table))) ok = refuse(&c, all, "a table name holding a control character");
    buf_puts(&head, "\n| project ");
    for (uint32_t i = 0; i < nin && ok; i++) {
        if (!cv_input_ok(in[i])) {
            ok = refuse(&c, all, "the built-in field %.*s", (int)fname(&c, in[i]).n, fname(&c, in[i]).p);
            break;
        }
        if (cv_needs_seq(q) && pstr_ieq_c(cv_input_name(q, in[i]), "_seq")) {
            ok = refuse(&c, all, "a field named _seq in a query with top (the contract's input-order column)");
            break;
        }
        bool time = in[i] == F_MESSAGETIME;
        add_col(&c, in[i], time ? CV_NUM : CV_STR, time ? 0 : K_NULL);
        if (i) buf_puts(&head, ", ");
        put_col(&head, find_col(&c, in[i]));
        buf_puts(&head, time ? " = todouble(" : " = ");
        if (!put_name(&head, cv_input_name(q, in[i])))
            ok = refuse(&c, all, "a field name holding a control character");
        if (time) buf_putc(&head, ')');
    }
    bool seq = cv_needs_seq(q);
    if (seq) { /* top: the input order */
        add_col(&c, CV_F_SEQ, CV_NUM, 0);
        buf_puts(&head, nin ? ", " : "");
        put_col(&head, find_col(&c, CV_F_SEQ));
        buf_puts(&head, " = [\"_seq\"]");
        c.seq_rows = true;
    }
    if (!nin && !seq) buf_puts(&head, "h_one = 1");
    if (ok && q->scope && q->scope->kind != EX_ALL) {
        buf_t x = {0};
        if ((ok = ex_cond(&c, q->scope, &x))) {
            stage_line(&c);
            buf_printf(&c.body, "\n| where %s", x.p);
        }
        buf_free(&x);
    }
    if (ok) {
        cv_tail_t tail;
        ok = cv_walk(q, o->to, kql_stage, &c, &c.cols, &tail, d);
        c.sort = tail.sort;
        c.limit = tail.limit;
    }
    if (ok && !c.grouped && !c.fixed)
        ok = refuse(&c, all, "a query whose message rows are not narrowed by `fields a, b` (postern's columns are then the fields the rows carry)");
    buf_t fin = {0};
    for (uint32_t i = 0, n = 0; i < c.cols.n && ok; i++) {
        if (c.cols.v[i].f == CV_F_SEQ) continue; /* (the order, not a result column) */
        buf_puts(&fin, n++ ? ", " : "\n| project ");
        if (!put_name(&fin, fname(&c, c.cols.v[i].f))) ok = refuse(&c, all, "a field name holding a control character");
        buf_puts(&fin, " = ");
        put_col(&fin, &c.cols.v[i]);
    }
    if (ok) {
        if (o->header) put_comment(out, o->header);
        buf_puts(out, "// postern convert --to kql: reads table ");
        put_name(out, pstr_c(table));
        buf_puts(out, " (docs/convert.md), columns:");
        for (uint32_t i = 0; i < nin; i++) {
            buf_puts(out, i ? ", " : " ");
            put_name(out, cv_input_name(q, in[i]));
            buf_puts(out, in[i] == F_MESSAGETIME ? ":long" : ":string");
        }
        if (seq) buf_puts(out, nin ? ", [\"_seq\"]:long" : " [\"_seq\"]:long");
        buf_printf(out, "\n%s%s%s", head.p, c.body.p ? c.body.p : "", fin.p ? fin.p : "");
        if (c.sort) put_sort(&c, out);
        if (c.limit >= 0) buf_printf(out, "\n| take %lld", (long long)c.limit);
        buf_putc(out, '\n');
    }
    buf_free(&head);
    buf_free(&fin);
    buf_free(&c.body);
    buf_free(&c.pre);
    cv_cols_free(&c.cols);
    free(in);
    return ok;
}
