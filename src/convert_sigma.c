/* convert_sigma.c — `postern convert --to sigma`: a query that fits
 * Sigma's model as a Sigma detection rule, and its threshold as a Sigma
 * correlation rule, in one YAML stream (convert.h).
 *
 * The query must be a selection of records (the scope, `where`s, an
 * optional `fields` list), optionally followed by one `count` or
 * `count_distinct(f)` `by` fields and `where`s on that count (the
 * threshold). Every test of a record becomes one search identifier
 * (sel1, sel2, ...) and the boolean structure the condition; the aggregate
 * an event_count or value_count correlation whose timespan is the window
 * of `postern detect --follow`. Field names are postern's (taxonomy
 * "postern"). Anything else is refused at the construct, as in convert.c.
 * docs/convert.md, "Sigma", is the user's contract. Output is appended to
 * the caller's buf_t; the query and the rule are borrowed.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "convert.h"
#include "lazylib.h"
#include "rule.h"
#include "schema.h"
#include "stream.h"

/* The conversion's state. */
typedef struct sg {
    const query_t *q;
    const cv_opts_t *o;
    diag_t *d;
    buf_t sels;        /* the search identifiers, as YAML lines under detection: */
    uint32_t nsel;     /* identifiers made */
} sg_t;

/* Report that construct (at sp) has no exact form in Sigma. */
static bool refuse(sg_t *g, span_t sp, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static bool refuse(sg_t *g, span_t sp, const char *fmt, ...) {
    char what[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    uint32_t i = diag_add(g->d, D_ERROR, sp, "convert", "%s cannot be converted to Sigma", what);
    diag_hint(g->d, i, "docs/convert.md lists what each target takes");
    return false;
}

/* ---- YAML and Sigma text ------------------------------------------------- */

/* Length of the UTF-8 sequence at s[i..n), 0 when it is not one. */
static size_t utf8_len(const unsigned char *s, size_t i, size_t n) {
    unsigned c = s[i];
    size_t k = c < 0x80 ? 1 : c >= 0xC2 && c <= 0xDF ? 2 : c >= 0xE0 && c <= 0xEF ? 3 : c >= 0xF0 && c <= 0xF4 ? 4 : 0;
    if (!k || i + k > n) return 0;
    for (size_t j = 1; j < k; j++)
        if ((s[i + j] & 0xC0) != 0x80) return 0;
    if (k == 3 && ((c == 0xE0 && s[i + 1] < 0xA0) || (c == 0xED && s[i + 1] >= 0xA0))) return 0; /* overlong, surrogate */
    if (k == 4 && ((c == 0xF0 && s[i + 1] < 0x90) || (c == 0xF4 && s[i + 1] >= 0x90))) return 0;
    return k;
}

/* s is UTF-8 text (a YAML stream holds nothing else). */
static bool is_utf8(pstr_t s) {
    for (size_t i = 0, k; i < s.n; i += k)
        if (!(k = utf8_len((const unsigned char *)s.p, i, s.n))) return false;
    return true;
}

/* The code point at s[i] (a valid sequence of k bytes). */
static unsigned code_point(const unsigned char *s, size_t i, size_t k) {
    unsigned c = k == 1 ? s[i] : k == 2 ? s[i] & 0x1Fu : k == 3 ? s[i] & 0x0Fu : s[i] & 0x07u;
    for (size_t j = 1; j < k; j++) c = c << 6 | (s[i + j] & 0x3Fu);
    return c;
}

/* A character a YAML reader may fold or drop inside a single-quoted
 * scalar: C0 controls, DEL, NEL, the line and paragraph separators, BOM. */
static bool yaml_special(unsigned c) { return c < 0x20 || c == 0x7F || c == 0x85 || c == 0x2028 || c == 0x2029 || c == 0xFEFF; }

/* s (UTF-8) as a quoted YAML scalar: single quotes as Sigma recommends,
 * double quotes with escapes when s holds a character yaml_special names. */
static void y_str(buf_t *b, pstr_t s) {
    const unsigned char *u = (const unsigned char *)s.p;
    bool dq = false;
    for (size_t i = 0, k; i < s.n && !dq; i += k) {
        k = utf8_len(u, i, s.n);
        if (!k) k = 1;
        dq = yaml_special(code_point(u, i, k));
    }
    if (!dq) {
        buf_putc(b, '\'');
        for (size_t i = 0; i < s.n; i++) {
            if (s.p[i] == '\'') buf_putc(b, '\'');
            buf_putc(b, s.p[i]);
        }
        buf_putc(b, '\'');
        return;
    }
    buf_putc(b, '"');
    for (size_t i = 0, k; i < s.n; i += k) {
        k = utf8_len(u, i, s.n);
        if (!k) k = 1;
        unsigned c = code_point(u, i, k);
        if (c == '\\' || c == '"') buf_printf(b, "\\%c", (char)c);
        else if (c == '\n') buf_puts(b, "\\n");
        else if (c == '\t') buf_puts(b, "\\t");
        else if (c == '\r') buf_puts(b, "\\r");
        else if (c < 0x20 || c == 0x7F) buf_printf(b, "\\x%02X", c);
        else if (yaml_special(c)) buf_printf(b, "\\u%04X", c);
        else buf_put(b, s.p + i, k);
    }
    buf_putc(b, '"');
}

static void y_cstr(buf_t *b, const char *s) { y_str(b, pstr_c(s)); }

/* A mapping key: plain when it is a simple name, quoted otherwise. */
static void y_key(buf_t *b, pstr_t s) {
    bool plain = s.n > 0;
    for (size_t i = 0; i < s.n && plain; i++) {
        char ch = s.p[i];
        plain = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || ch == '_' ||
                (i && ((ch >= '0' && ch <= '9') || ch == '.' || ch == '-' || ch == '|'));
    }
    /* A word YAML 1.1 reads as null or a boolean stays text. */
    static const char *const words[] = {"null", "true", "false", "yes", "no", "on", "off", "y", "n"};
    for (size_t i = 0; i < sizeof words / sizeof *words && plain; i++) plain = !pstr_ieq_c(s, words[i]);
    if (plain) buf_put(b, s.p, s.n);
    else y_str(b, s);
}

/* lit as a Sigma string value: `*` and `?` are Sigma's wildcards, so a
 * literal one is escaped (`\*`, `\?`), and so is every backslash (`\\`);
 * with wild, a `*` stays Sigma's wildcard (postern's `*` of a wildcard
 * pattern). The result is plain text for y_str. */
static void sigma_value(buf_t *b, pstr_t lit, bool wild) {
    for (size_t i = 0; i < lit.n; i++) {
        char ch = lit.p[i];
        if (ch == '\\' || ch == '?' || (ch == '*' && !wild)) buf_putc(b, '\\');
        buf_putc(b, ch);
    }
}

/* ---- regex: Java as postern reads it, in Sigma's PCRE subset -------------- */

/* The subset Sigma's `re` modifier defines: `.`, `^`, `$`, `* + ? {n,m}`,
 * classes, `|`, `()` (sigma-appendix-modifiers.md), and escaped
 * punctuation. \d \w \s become classes, `(?:` and `(?<name>` plain groups,
 * a leading (?i) `[aA]` classes (postern folds ASCII letters only, where a
 * backend's `re|i` may fold more). `.` is `[^\n\r]` (postern's line ends);
 * like a negated class it must have `*` or `+` after it (postern matches a
 * byte there, a backend a character). Returns NULL or why not. */
static const char *sg_regex(pstr_t p, buf_t *out) {
    static const char blanks[] = " \t\n\x0B\f\r";
    size_t i = 0;
    bool icase = false;
    if (p.n >= 4 && memcmp(p.p, "(?i)", 4) == 0) icase = true, i = 4;
    int last = 0; /* 0: nothing to repeat, 1: an atom, 2: a quantifier, 3: a non-ASCII byte */
    int depth = 0;
    for (; i < p.n; i++) {
        unsigned char ch = (unsigned char)p.p[i];
        bool next_rep = i + 1 < p.n && (p.p[i + 1] == '*' || p.p[i + 1] == '+');
        if (ch == '*' || ch == '+' || ch == '?' || ch == '{') {
            if (last == 0) return "a quantifier with nothing before it";
            if (last == 2) return "a lazy or possessive quantifier, or two in a row";
            if (last == 3) return "a quantifier after a non-ASCII character (postern repeats its last byte)";
            if (ch == '{') {
                size_t j = i + 1;
                while (j < p.n && ((p.p[j] >= '0' && p.p[j] <= '9') || p.p[j] == ',')) j++;
                if (j >= p.n || p.p[j] != '}' || j == i + 1 || p.p[i + 1] == ',') return "a `{` that is no repeat count";
                buf_put(out, p.p + i, j - i + 1);
                i = j;
            } else buf_putc(out, (char)ch);
            last = 2;
            continue;
        }
        last = 1;
        switch (ch) {
        case '^': buf_putc(out, '^'); last = 0; break;
        case '$': return "`$` (Java's matches before a final \\r or \\r\\n, PCRE's before a final \\n only)";
        case '|': buf_putc(out, '|'); last = 0; break;
        case ')':
            if (!depth--) return "an unbalanced `)`";
            buf_putc(out, ')');
            break;
        case '(':
            if (i + 1 < p.n && p.p[i + 1] == '?') {
                if (i + 2 < p.n && p.p[i + 2] == ':') i += 2;
                else if (i + 3 < p.n && p.p[i + 2] == '<' && p.p[i + 3] != '=' && p.p[i + 3] != '!') {
                    while (i < p.n && p.p[i] != '>') i++;
                    if (i >= p.n) return "an unterminated group name";
                } else return "an inline flag other than a leading (?i), lookaround or an atomic group";
            }
            depth++;
            buf_putc(out, '(');
            last = 0;
            break;
        case '.':
            if (!next_rep) return "'.' without * or + after it (postern matches one byte there, a backend one character)";
            buf_puts(out, "[^\n\r]");
            break;
        case '[': {
            size_t j = i + 1;
            bool neg = j < p.n && p.p[j] == '^';
            if (neg) j++;
            buf_puts(out, neg ? "[^" : "[");
            if (j < p.n && p.p[j] == ']') return "a `]` first in a class";
            for (; j < p.n && p.p[j] != ']'; j++) {
                unsigned char c = (unsigned char)p.p[j];
                if (c >= 0x80) return "a non-ASCII character in a class (postern matches bytes there)";
                if (c == '[') return "a nested class or a class union";
                if (c == '&' && j + 1 < p.n && p.p[j + 1] == '&') return "a class intersection (&&)";
                if (c == '\\') {
                    if (++j >= p.n) return "a trailing backslash";
                    char e = p.p[j];
                    if (e == 'd') buf_puts(out, "0-9");
                    else if (e == 'w') buf_puts(out, "A-Za-z0-9_");
                    else if (e == 's') buf_puts(out, blanks);
                    else if (e == 't') buf_putc(out, '\t');
                    else if (e == 'n') buf_putc(out, '\n');
                    else if (e == 'r') buf_putc(out, '\r');
                    else if (e == 'f') buf_putc(out, '\f');
                    else if ((unsigned char)e < 0x80 && !((e >= 'a' && e <= 'z') || (e >= 'A' && e <= 'Z') || (e >= '0' && e <= '9')))
                        buf_printf(out, "\\%c", e);
                    else return "this escape in a class (\\D, \\W, \\S, \\p{...}, \\x.. and the like)";
                    /* Java reads [\.-z] as a range, which the escape written here would split. */
                    if (j + 2 < p.n && p.p[j + 1] == '-' && p.p[j + 2] != ']') return "a range from an escaped character or a class";
                    continue;
                }
                bool range = j + 2 < p.n && p.p[j + 1] == '-' && p.p[j + 2] != ']';
                if (range) {
                    unsigned char hi = (unsigned char)p.p[j + 2];
                    if (hi == '\\' || hi == '[' || hi >= 0x80) return "a range whose end is escaped or non-ASCII";
                    if (hi < c) return "a range whose end comes before its start";
                    buf_printf(out, "%c-%c", c, hi);
                    if (icase) {
                        bool lo_l = c >= 'a' && hi <= 'z', up_l = c >= 'A' && hi <= 'Z';
                        bool any = !(hi < 'A' || c > 'z' || (c > 'Z' && hi < 'a'));
                        if (lo_l) buf_printf(out, "%c-%c", c - 32, hi - 32);
                        else if (up_l) buf_printf(out, "%c-%c", c + 32, hi + 32);
                        else if (any) return "a range over letters and other characters under (?i)";
                    }
                    j += 2;
                    continue;
                }
                if (c == '^' || c == '-' || c == ']') buf_putc(out, '\\');
                buf_putc(out, (char)c);
                if (icase && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))) buf_putc(out, (char)(c ^ 32));
            }
            if (j >= p.n) return "an unterminated class";
            buf_putc(out, ']');
            i = j;
            if (neg && !(i + 1 < p.n && (p.p[i + 1] == '*' || p.p[i + 1] == '+'))) return "a negated class without * or + after it (postern matches one byte there, a backend one character)";
            break;
        }
        case '\\': {
            if (++i >= p.n) return "a trailing backslash";
            char e = p.p[i];
            bool rep = i + 1 < p.n && (p.p[i + 1] == '*' || p.p[i + 1] == '+');
            if (e == 'd') buf_puts(out, "[0-9]");
            else if (e == 'w') buf_puts(out, "[A-Za-z0-9_]");
            else if (e == 's') buf_printf(out, "[%s]", blanks);
            else if (e == 'D' || e == 'W' || e == 'S') {
                if (!rep) return "\\D, \\W or \\S without * or + after it (postern matches one byte there, a backend one character)";
                buf_puts(out, e == 'D' ? "[^0-9]" : e == 'W' ? "[^A-Za-z0-9_]" : "[^ \t\n\x0B\f\r]");
            } else if (e == 't') buf_putc(out, '\t');
            else if (e == 'n') buf_putc(out, '\n');
            else if (e == 'r') buf_putc(out, '\r');
            else if (e == 'f') buf_putc(out, '\f');
            else if ((unsigned char)e < 0x80 && !((e >= 'a' && e <= 'z') || (e >= 'A' && e <= 'Z') || (e >= '0' && e <= '9')))
                buf_printf(out, "\\%c", e);
            else return "this escape (\\b, \\A, \\z, \\Q, \\p{...}, \\x.., a back reference and the like)";
            break;
        }
        default:
            if (ch >= 0x80) {
                if (icase) return "(?i) with non-ASCII text (a backend may fold its case, postern does not)";
                buf_putc(out, (char)ch);
                last = 3;
            } else if (ch == ']' || ch == '}') buf_printf(out, "\\%c", ch);
            else if (icase && ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z'))) buf_printf(out, "[%c%c]", ch | 32, ch & ~32);
            else buf_putc(out, (char)ch);
        }
    }
    if (depth) return "an unbalanced `(`";
    return NULL;
}

/* ---- search identifiers and the condition --------------------------------- */

/* The built-in fields a record of the input contract carries as text. */
static bool field_ok(uint32_t f) {
    return f >= F_NBUILTIN || f == F_RAW || f == F_SOURCECATEGORY || f == F_SOURCEHOST || f == F_SOURCENAME ||
           f == F_SOURCE || f == F_COLLECTOR;
}

/* Field f's name in the rule: a built-in or schema field under its own
 * spelling (field names ignore case), any other as the query spells it. */
static pstr_t field_name(const sg_t *g, uint32_t f) {
    static const char *const builtin[] = {
#define X(id, name) name,
        FIELD_BUILTINS(X)
#undef X
    };
    if (f < F_NBUILTIN) return pstr_c(builtin[f]);
    pstr_t n = ftab_name(&g->q->ft, f);
    for (unsigned k = 0; schema_name(k); k++)
        if (pstr_ieq_c(n, schema_name(k))) return pstr_c(schema_name(k));
    return n;
}

/* A field Sigma can name: one of the record's, UTF-8, no `|` (Sigma's modifier separator). */
static bool field_check(sg_t *g, uint32_t f, span_t sp) {
    pstr_t n = field_name(g, f);
    if (!field_ok(f)) return refuse(g, sp, "the built-in field %.*s", (int)n.n, n.p);
    if (!is_utf8(n) || memchr(n.p, '|', n.n) || !n.n) return refuse(g, sp, "a field name holding `|` or bytes that are no UTF-8 text");
    return true;
}

/* A text literal YAML can hold. */
static bool lit_check(sg_t *g, const expr_t *e) {
    if (e->kind != EX_STR) return refuse(g, e->sp, "a value that is no text literal (postern would compare numbers, fields or expressions)");
    if (!is_utf8(e->str)) return refuse(g, e->sp, "a literal that is no UTF-8 text (a YAML file holds text)");
    return true;
}

/* Open search identifier sel<N> with one key field|mods; appends its name
 * to cond. The caller writes the value (" 'x'\n", or list lines). */
static void sel_open(sg_t *g, uint32_t f, const char *mods, buf_t *cond) {
    g->nsel++;
    buf_printf(&g->sels, "    sel%u:\n        ", g->nsel);
    buf_t k = {0};
    pstr_t n = field_name(g, f);
    buf_put(&k, n.p, n.n);
    buf_puts(&k, mods);
    y_key(&g->sels, (pstr_t){k.p, k.n});
    buf_putc(&g->sels, ':');
    buf_free(&k);
    buf_printf(cond, "sel%u", g->nsel);
}

/* A one-value identifier: field|mods: value (value already Sigma text). */
static void sel_one(sg_t *g, uint32_t f, const char *mods, pstr_t value, buf_t *cond) {
    sel_open(g, f, mods, cond);
    buf_putc(&g->sels, ' ');
    y_str(&g->sels, value);
    buf_putc(&g->sels, '\n');
}

/* An identifier whose value is a YAML word (null, true). */
static void sel_word(sg_t *g, uint32_t f, const char *mods, const char *word, buf_t *cond) {
    sel_open(g, f, mods, cond);
    buf_printf(&g->sels, " %s\n", word);
}

/* x != v and `not in`: false for a record without the field (postern's
 * comparison with null is false), so: the field exists and is not v. */
static void present_and_not(sg_t *g, uint32_t f, const char *sel, buf_t *cond) {
    buf_puts(cond, "(");
    sel_word(g, f, "|exists", "true", cond);
    buf_printf(cond, " and not %s)", sel);
}

/* The field operand of a comparison, or NULL with a refusal. */
static const expr_t *field_of(sg_t *g, const expr_t *e, const char *what) {
    if (e->kind != EX_FIELD) {
        refuse(g, e->sp, "%s of something that is no field", what);
        return NULL;
    }
    return field_check(g, e->field, e->sp) ? e : NULL;
}

static bool cond(sg_t *g, const expr_t *e, int parent, buf_t *b);

/* = and != of a field and a text literal (either side): byte for byte, |cased. */
static bool cond_eq(sg_t *g, const expr_t *e, buf_t *b) {
    const expr_t *fe = e->a, *lit = e->b;
    if (fe->kind != EX_FIELD) fe = e->b, lit = e->a;
    if (lit->kind == EX_NUM) return refuse(g, e->sp, "a comparison with a number (postern compares the field's text as a number: \" 25\" = 25)");
    if (!field_of(g, fe, "`=`") || !lit_check(g, lit)) return false;
    buf_t v = {0}, s = {0};
    sigma_value(&v, lit->str, false);
    sel_one(g, fe->field, "|cased", (pstr_t){v.p ? v.p : "", v.n}, e->kind == EX_EQ ? b : &s);
    if (e->kind == EX_NE) present_and_not(g, fe->field, s.p, b);
    buf_free(&v); buf_free(&s);
    return true;
}

/* in / not in: a list of text literals, |cased; `not in` is false for null. */
static bool cond_in(sg_t *g, const expr_t *e, buf_t *b) {
    if (e->b || e->sub) return refuse(g, e->sp, "`in` over a subquery");
    if (!field_of(g, e->a, "`in`")) return false;
    for (uint32_t i = 0; i < e->nargs; i++) {
        if (e->args[i]->kind == EX_NUM)
            return refuse(g, e->args[i]->sp, "a number in `in` (postern's `in` never takes a field's text for a number)");
        if (!lit_check(g, e->args[i])) return false;
    }
    buf_t s = {0};
    sel_open(g, e->a->field, "|cased", e->neg ? &s : b);
    buf_putc(&g->sels, '\n');
    for (uint32_t i = 0; i < e->nargs; i++) {
        buf_t v = {0};
        sigma_value(&v, e->args[i]->str, false);
        buf_puts(&g->sels, "            - ");
        y_str(&g->sels, (pstr_t){v.p ? v.p : "", v.n});
        buf_putc(&g->sels, '\n');
        buf_free(&v);
    }
    if (e->neg) present_and_not(g, e->a->field, s.p, b);
    buf_free(&s);
    return true;
}

/* matches "wild*card" (|cased, whole value) and matches /regex/ (|re). */
static bool cond_matches(sg_t *g, const expr_t *e, buf_t *b) {
    if (!field_of(g, e->a, "`matches`")) return false;
    if (e->neg) buf_puts(b, "not ");
    if (e->b->kind == EX_STR) {
        if (!lit_check(g, e->b)) return false;
        buf_t v = {0};
        sigma_value(&v, e->b->str, true);
        sel_one(g, e->a->field, "|cased", (pstr_t){v.p ? v.p : "", v.n}, b);
        buf_free(&v);
        return true;
    }
    if (e->b->kind != EX_REGEX) return refuse(g, e->b->sp, "a `matches` pattern that is no literal");
    buf_t re = {0};
    const char *why = is_utf8(e->b->str) ? sg_regex(e->b->str, &re) : "bytes that are no UTF-8 text";
    bool ok = !why;
    if (why) refuse(g, e->b->sp, "this regex (%s)", why);
    else sel_one(g, e->a->field, "|re", (pstr_t){re.p ? re.p : "", re.n}, b);
    buf_free(&re);
    return ok;
}

/* a contains "b", contains(a, "b"): a substring, |contains|cased; an
 * empty b is found only in an empty a (eval.c contains2). */
static bool cond_contains(sg_t *g, const expr_t *a, const expr_t *lit, span_t sp, buf_t *b) {
    (void)sp;
    if (!field_of(g, a, "`contains`") || !lit_check(g, lit)) return false;
    buf_t v = {0};
    sigma_value(&v, lit->str, false);
    sel_one(g, a->field, lit->str.n ? "|contains|cased" : "|cased", (pstr_t){v.p ? v.p : "", v.n}, b);
    buf_free(&v);
    return true;
}

/* The scope's field=pattern: whole value, ASCII letters' case ignored:
 * Sigma's default matching, which may fold other letters too. */
static bool cond_fieldwild(sg_t *g, const expr_t *e, buf_t *b) {
    if (!field_check(g, e->field, e->sp)) return false;
    for (size_t i = 0; i < e->str.n; i++)
        if ((unsigned char)e->str.p[i] >= 0x80)
            return refuse(g, e->sp, "a case-insensitive match of non-ASCII text (postern folds ASCII letters only)");
    buf_t v = {0};
    sigma_value(&v, e->str, true);
    sel_one(g, e->field, "", (pstr_t){v.p ? v.p : "", v.n}, b);
    buf_free(&v);
    return true;
}

/* A word character of postern's keywords (keyword.c): ASCII letters and
 * digits, `_`, and every byte of a non-ASCII character. */
static bool kw_word(unsigned char ch) {
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '_' || ch >= 0x80;
}

/* A bare scope keyword of one term without wildcards (`error`,
 * `10.20.30.40`) as a regex on _raw: the text with ASCII letters as [aA]
 * classes, and where its first (last) character is a word character,
 * the start (end) or an ASCII character that is none before (after) it:
 * postern's term boundary (docs/semantics.md §1). The class starts at
 * U+0001: a NUL is no text a rule names. */
static bool cond_keyword(sg_t *g, const expr_t *e, buf_t *b) {
    pstr_t k = e->str;
    if (e->quoted) return refuse(g, e->sp, "a quoted phrase (postern matches any run of blanks for a blank in it)");
    if (!k.n || !is_utf8(k)) return refuse(g, e->sp, "an empty keyword or one that is no UTF-8 text");
    for (size_t i = 0; i < k.n; i++) {
        unsigned char ch = (unsigned char)k.p[i];
        if (ch == '*' || ch == '?') return refuse(g, e->sp, "a keyword with a wildcard (postern's `*` stands for word characters of one term)");
        if (ch <= ' ' || ch == 0x7F) return refuse(g, e->sp, "a keyword holding a blank or a control character");
    }
    buf_t re = {0};
    /* The ASCII characters that are no word characters, U+0001 on. */
    const char nw[] = {'[', 0x01, '-', '/', ':', '-', '@', '\\', '[', '-', '^', '`', '{', '-', 0x7F, ']', 0};
    if (kw_word((unsigned char)k.p[0])) buf_printf(&re, "(^|%s)", nw);
    for (size_t i = 0; i < k.n; i++) {
        unsigned char ch = (unsigned char)k.p[i];
        if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z')) buf_printf(&re, "[%c%c]", ch | 32, ch & ~32);
        else if (ch < 0x80 && !kw_word(ch)) buf_printf(&re, "\\%c", ch);
        else buf_putc(&re, (char)ch);
    }
    if (kw_word((unsigned char)k.p[k.n - 1])) buf_printf(&re, "(%s|$)", nw);
    if (e->neg) buf_puts(b, "not ");
    sel_one(g, F_RAW, "|re", (pstr_t){re.p, re.n}, b);
    buf_free(&re);
    return true;
}

/* isBlank(f): null, or only postern's blanks (space \t \n \v \f \r). A
 * `$` before a final \n takes nothing a blank would not. */
static bool cond_blank(sg_t *g, const expr_t *f, buf_t *b) {
    if (!field_of(g, f, "isBlank()")) return false;
    buf_putc(b, '(');
    sel_word(g, f->field, "", "null", b);
    buf_puts(b, " or ");
    sel_one(g, f->field, "|re", PSTR_LIT("^[ \t\n\x0B\f\r]*$"), b);
    buf_putc(b, ')');
    return true;
}

/* The condition of e as Sigma's condition expression into b. parent is
 * the kind of the enclosing and/or (0 at the top): a different one
 * brackets e. */
static bool cond(sg_t *g, const expr_t *e, int parent, buf_t *b) {
    switch (e->kind) {
    case EX_AND: case EX_OR: {
        bool br = parent && parent != e->kind;
        if (br) buf_putc(b, '(');
        bool ok = cond(g, e->a, e->kind, b);
        buf_puts(b, e->kind == EX_AND ? " and " : " or ");
        ok = ok && cond(g, e->b, e->kind, b);
        if (br) buf_putc(b, ')');
        return ok;
    }
    case EX_NOT:
    {
        /* `not not` reads badly and some parsers refuse it: bracket a negation. */
        bool br = e->a->kind == EX_NOT || (e->a->kind == EX_MATCHES && e->a->neg);
        buf_puts(b, br ? "not (" : "not ");
        bool ok = cond(g, e->a, EX_NOT, b);
        if (br) buf_putc(b, ')');
        return ok;
    }
    case EX_FIELDWILD: return cond_fieldwild(g, e, b);
    case EX_KEYWORD: return cond_keyword(g, e, b);
    case EX_EQ: case EX_NE: return cond_eq(g, e, b);
    case EX_IN: return cond_in(g, e, b);
    case EX_MATCHES: return cond_matches(g, e, b);
    case EX_CONTAINS: return cond_contains(g, e->a, e->b, e->sp, b);
    case EX_LT: case EX_GT: case EX_LE: case EX_GE:
        return refuse(g, e->sp, "an order comparison (Sigma's lt/gt are numeric; postern compares text when a side is no number)");
    case EX_CALL:
        if (e->func == FN_CONTAINS) return cond_contains(g, e->args[0], e->args[1], e->sp, b);
        if (e->func == FN_ISNULL || e->func == FN_ISEMPTY) {
            if (!field_of(g, e->args[0], "isNull()/isEmpty()")) return false;
            if (e->func == FN_ISEMPTY) buf_putc(b, '(');
            sel_word(g, e->args[0]->field, "", "null", b);
            if (e->func == FN_ISEMPTY) {
                buf_puts(b, " or ");
                sel_one(g, e->args[0]->field, "", PSTR_LIT(""), b);
                buf_putc(b, ')');
            }
            return true;
        }
        if (e->func == FN_ISBLANK) return cond_blank(g, e->args[0], b);
        return refuse(g, e->sp, "the function %s() in a condition", func_info[e->func].name);
    default: return refuse(g, e->sp, "this condition");
    }
}

/* ---- the threshold -------------------------------------------------------- */

/* Sigma's names of the count's comparisons, by expr kind. */
static const char *thr_name(int kind, bool flip) {
    switch (kind) {
    case EX_GT: return flip ? "lt" : "gt";
    case EX_GE: return flip ? "lte" : "gte";
    case EX_LT: return flip ? "gt" : "lt";
    case EX_LE: return flip ? "gte" : "lte";
    case EX_EQ: return "eq";
    case EX_NE: return "neq";
    default: return NULL;
    }
}

/* The correlation's condition: up to one of each comparison. */
typedef struct thr {
    const char *op[6];   /* gt, gte, ... in the order met */
    long long v[6];
    uint32_t n;
} thr_t;

/* A `where` after the aggregate: comparisons of the count (field cnt)
 * with integer literals, joined by `and`. */
static bool thr_add(sg_t *g, const expr_t *e, uint32_t cnt, thr_t *t) {
    if (e->kind == EX_AND) return thr_add(g, e->a, cnt, t) && thr_add(g, e->b, cnt, t);
    bool flip = e->a && e->a->kind == EX_NUM;
    const expr_t *f = flip ? e->b : e->a, *num = flip ? e->a : e->b;
    const char *op = thr_name(e->kind, flip);
    if (!op || !f || f->kind != EX_FIELD || f->field != cnt || !num || num->kind != EX_NUM)
        return refuse(g, e->sp, "a `where` after the aggregate other than comparisons of its count with numbers, joined by `and`");
    if (num->num != floor(num->num) || fabs(num->num) > 9007199254740992.0)
        return refuse(g, num->sp, "a threshold that is no integer");
    for (uint32_t i = 0; i < t->n; i++)
        if (strcmp(t->op[i], op) == 0) return refuse(g, e->sp, "two `%s` thresholds (a Sigma condition holds one of each)", op);
    t->op[t->n] = op;
    t->v[t->n++] = (long long)num->num;
    return true;
}

/* ---- metadata ---------------------------------------------------------------- */

/* A name-based UUID (version 5, RFC 9562) of name in the URL namespace:
 * the same rule always gets the same id. false when SHA-1 cannot be had. */
static bool uuid5(const char *name, char out[37]) {
    static const unsigned char ns[16] = {0x6b, 0xa7, 0xb8, 0x11, 0x9d, 0xad, 0x11, 0xd1,
                                         0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30, 0xc8};
    const lazy_crypto_t *C = lazy_crypto(NULL);
    if (!C) return false;
    EVP_MD_CTX *md = C->EVP_MD_CTX_new();
    EVP_MD *alg = md ? C->EVP_MD_fetch(NULL, "SHA1", NULL) : NULL;
    unsigned char h[EVP_MAX_MD_SIZE];
    unsigned len = 0;
    bool ok = alg && C->EVP_DigestInit_ex(md, alg, NULL) && C->EVP_DigestUpdate(md, ns, sizeof ns) &&
              C->EVP_DigestUpdate(md, name, strlen(name)) && C->EVP_DigestFinal_ex(md, h, &len) && len >= 16;
    if (alg) C->EVP_MD_free(alg);
    if (md) C->EVP_MD_CTX_free(md);
    if (!ok) return false;
    h[6] = (unsigned char)((h[6] & 0x0F) | 0x50);
    h[8] = (unsigned char)((h[8] & 0x3F) | 0x80);
    static const char hex[] = "0123456789abcdef";
    size_t k = 0;
    for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10) out[k++] = '-';
        out[k++] = hex[h[i] >> 4];
        out[k++] = hex[h[i] & 15];
    }
    out[k] = 0;
    return true;
}

/* key: a quoted text line (nothing when s is NULL or empty). */
static void y_field(buf_t *b, const char *key, const char *s) {
    if (!s || !*s) return;
    buf_printf(b, "%s: ", key);
    y_cstr(b, s);
    buf_putc(b, '\n');
}

/* key: a list of quoted texts (nothing when empty); Sigma's lists hold
 * each item once. */
static void y_list(buf_t *b, const char *key, const strlist_t *l) {
    bool first = true;
    for (uint32_t i = 0; i < l->n; i++) {
        bool dup = false;
        for (uint32_t j = 0; j < i; j++) dup |= strcmp(l->v[i], l->v[j]) == 0;
        if (dup || strlen(l->v[i]) < 2) continue;
        if (first) buf_printf(b, "%s:\n", key);
        first = false;
        buf_puts(b, "    - ");
        y_cstr(b, l->v[i]);
        buf_putc(b, '\n');
    }
}

/* description: the query's text, without the blanks at its end. */
static void y_qtext(buf_t *b, const query_t *q) {
    size_t n = q->len;
    while (n && (q->text[n - 1] == '\n' || q->text[n - 1] == '\r' || q->text[n - 1] == ' ' || q->text[n - 1] == '\t')) n--;
    if (!n) return;
    buf_puts(b, "description: ");
    y_str(b, (pstr_t){q->text, n});
    buf_putc(b, '\n');
}

/* A tag's text: lower case, blanks as '-', only [a-z0-9._-]. */
static void tag_text(buf_t *b, const char *s) {
    for (; *s; s++) {
        char ch = str_lc(*s);
        if (ch == ' ') ch = '-';
        if ((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' || ch == '-') buf_putc(b, ch);
    }
}

/* The rule's metadata: its MITRE tags, Sigma's level of its default
 * severity (what every finding carries when the query sets no severity),
 * its status when it is one of Sigma's. */
static void put_meta(buf_t *b, const rule_t *r, bool with_level) {
    static const char *const statuses[] = {"stable", "test", "experimental", "deprecated", "unsupported"};
    static const char *const levels[] = {"informational", "low", "medium", "high", "critical"};
    for (size_t i = 0; r->status && i < sizeof statuses / sizeof *statuses; i++)
        if (strcmp(r->status, statuses[i]) == 0) buf_printf(b, "status: %s\n", statuses[i]);
    y_field(b, "description", r->description);
    y_list(b, "references", &r->references);
    const char *tech = r->subtechnique_id ? r->subtechnique_id : r->technique_id;
    if (r->tactic || tech) {
        buf_puts(b, "tags:\n");
        if (r->tactic) { buf_puts(b, "    - attack."); tag_text(b, r->tactic); buf_putc(b, '\n'); }
        if (tech) { buf_puts(b, "    - attack."); tag_text(b, tech); buf_putc(b, '\n'); }
    }
    y_list(b, "falsepositives", &r->false_positives);
    for (size_t i = 0; with_level && r->default_severity && i < sizeof levels / sizeof *levels; i++)
        if (strcmp(r->default_severity, levels[i]) == 0) buf_printf(b, "level: %s\n", levels[i]);
}

/* ---- the conversion ----------------------------------------------------------- */

/* Why a stage has no place in a Sigma rule (the construct, for refuse()),
 * NULL: no more than its name to say. */
static const char *stage_why(int kind) {
    switch (kind) {
    case ST_ASSIGN: return "a computed field (`... as f`: a Sigma rule tests the fields events carry)";
    case ST_SORT: return "sort (a Sigma rule reports matches in no order)";
    case ST_LIMIT: return "limit (a Sigma rule reports every match)";
    case ST_TIMESLICE: return "timeslice (a Sigma correlation's window is its timespan: --window)";
    case ST_PARSE: case ST_PARSE_REGEX: return "parse (a Sigma rule cannot extract fields)";
    case ST_FIELDS: return "`fields -` (a Sigma rule lists fields to show, it removes none)";
    default: return NULL;
    }
}

/* See convert.h. */
bool cv_sigma(const query_t *q, const cv_opts_t *o, buf_t *out, diag_t *d) {
    sg_t g = {.q = q, .o = o, .d = d};
    const rule_t *r = o->rule;
    span_t all = {0, q->len};
    buf_t det = {0}, fields = {0};
    const stage_t *agg = NULL;
    thr_t t = {0};
    uint32_t nparts = 0;
    bool ok = true;
    /* The detection: the scope and each `where` before the aggregate, joined by `and`. */
    const expr_t *parts[64];
    if (q->scope && q->scope->kind != EX_ALL) parts[nparts++] = q->scope;
    for (uint32_t i = 0; i < q->nst && ok; i++) {
        const stage_t *s = &q->st[i];
        if (agg) {
            if (s->kind == ST_WHERE) ok = thr_add(&g, s->e, agg->aggs[0].as, &t);
            else ok = refuse(&g, s->sp, "the %s operator after the aggregate (a Sigma correlation reports its groups only)",
                             stage_info[s->kind].name);
        } else if (s->kind == ST_WHERE) {
            if (nparts == 64) ok = refuse(&g, s->sp, "more than 64 `where`s");
            else parts[nparts++] = s->e;
        } else if (s->kind == ST_FIELDS && !s->remove) {
            buf_free(&fields);
            for (uint32_t k = 0; k < s->nflds && ok; k++) {
                if (!field_check(&g, s->flds[k], s->flds_sp[k])) { ok = false; break; }
                pstr_t n = field_name(&g, s->flds[k]);
                bool dup = false;
                for (uint32_t j = 0; j < k; j++) dup |= s->flds[j] == s->flds[k];
                if (dup) continue;
                buf_puts(&fields, "    - ");
                y_str(&fields, n);
                buf_putc(&fields, '\n');
            }
        } else if (s->kind == ST_AGG) {
            const aggspec_t *a = &s->aggs[0];
            if (s->naggs != 1) ok = refuse(&g, s->sp, "several aggregates in one stage");
            else if (!(a->fn == AG_COUNT && a->field == FIELD_NONE) && a->fn != AG_COUNT_DISTINCT)
                ok = refuse(&g, a->sp, "the aggregate %s%s (Sigma counts events, or distinct values of a field)", agg_info[a->fn].name,
                            a->fn == AG_COUNT ? "(field)" : "()");
            else if (!s->nby) ok = refuse(&g, s->sp, "an aggregate without `by` (a Sigma correlation counts per group-by fields)");
            else if (a->fn == AG_COUNT_DISTINCT) ok = field_check(&g, a->field, a->sp);
            for (uint32_t k = 0; k < s->nby && ok; k++) ok = field_check(&g, s->by[k], s->by_sp[k]);
            agg = s;
        } else if (stage_why(s->kind)) ok = refuse(&g, s->sp, "%s", stage_why(s->kind));
        else ok = refuse(&g, s->sp, "the %s operator (a Sigma rule selects events, its correlation counts them)", stage_info[s->kind].name);
    }
    if (ok && !nparts) ok = refuse(&g, all, "a query that selects every record (a Sigma detection needs a search identifier)");
    for (uint32_t i = 0; i < nparts && ok; i++) {
        if (i) buf_puts(&det, " and ");
        ok = cond(&g, parts[i], nparts > 1 ? EX_AND : 0, &det);
    }
    char wtext[32] = "";
    int64_t wms = o->window_ms > 0 ? o->window_ms : STREAM_DEFAULT_WINDOW_MS;
    if (ok && agg) {
        if (wms % 1000) ok = refuse(&g, agg->sp, "a window that is no whole number of seconds (Sigma's timespan)");
        else {
            static const struct { int64_t ms; char u; } units[] = {{86400000, 'd'}, {3600000, 'h'}, {60000, 'm'}, {1000, 's'}};
            for (size_t i = 0; i < 4 && !*wtext; i++)
                if (wms % units[i].ms == 0) snprintf(wtext, sizeof wtext, "%lld%c", (long long)(wms / units[i].ms), units[i].u);
            if (strlen(wtext) > 10) ok = refuse(&g, agg->sp, "a window longer than Sigma's timespan holds");
        }
    }
    /* Ids: name-based, from the rule's id or the query's text. */
    buf_t base = {0};
    if (r) buf_printf(&base, "postern:rule:%s", r->id ? r->id : "");
    else { buf_puts(&base, "postern:query:"); buf_put(&base, q->text, q->len); }
    if (ok && !is_utf8((pstr_t){q->text, q->len}) && !r) ok = refuse(&g, all, "a query that is no UTF-8 text");
    if (ok) {
        char id_det[37], id_cor[37];
        buf_t nd = {0}, nc = {0};
        buf_printf(&nd, "%s:detection", base.p);
        buf_printf(&nc, "%s:correlation", base.p);
        bool have_ids = uuid5(nd.p, id_det) && uuid5(nc.p, id_cor);
        buf_free(&nd); buf_free(&nc);
        const char *title = r && r->title ? r->title : "postern query";
        buf_t name = {0};
        if (r && r->id) tag_text(&name, r->id);
        else buf_puts(&name, "postern_query");
        buf_puts(&name, agg ? "_events" : "");
        buf_puts(out, "# postern convert --to sigma: field names are postern's (taxonomy postern, docs/convert.md \"Sigma\")\n");
        if (agg) {
            const aggspec_t *a = &agg->aggs[0];
            y_field(out, "title", title);
            if (have_ids) buf_printf(out, "id: %s\n", id_cor);
            if (r) put_meta(out, r, false);
            else y_qtext(out, q);
            buf_puts(out, "taxonomy: postern\ncorrelation:\n");
            buf_printf(out, "    type: %s\n    rules:\n        - ", a->fn == AG_COUNT ? "event_count" : "value_count");
            y_key(out, (pstr_t){name.p, name.n});
            buf_puts(out, "\n    group-by:\n");
            for (uint32_t k = 0; k < agg->nby; k++) {
                bool dup = false;
                for (uint32_t j = 0; j < k; j++) dup |= agg->by[j] == agg->by[k];
                if (dup) continue;
                buf_puts(out, "        - ");
                y_str(out, field_name(&g, agg->by[k]));
                buf_putc(out, '\n');
            }
            buf_printf(out, "    timespan: %s\n    condition:\n", wtext);
            if (a->fn == AG_COUNT_DISTINCT) {
                buf_puts(out, "        field: ");
                y_str(out, field_name(&g, a->field));
                buf_putc(out, '\n');
            }
            /* No threshold: every group with an event (its distinct values may be none). */
            if (!t.n) buf_puts(out, a->fn == AG_COUNT ? "        gte: 1\n" : "        gte: 0\n");
            for (uint32_t i = 0; i < t.n; i++) buf_printf(out, "        %s: %lld\n", t.op[i], t.v[i]);
            if (r) {
                /* Only the outermost rule carries the level (the correlation spec). */
                rule_t lv = {.default_severity = r->default_severity};
                put_meta(out, &lv, true);
            }
            buf_puts(out, "---\n");
            buf_puts(out, "title: ");
            buf_t tt = {0};
            buf_printf(&tt, "%s: the events counted", title);
            y_str(out, (pstr_t){tt.p, tt.n});
            buf_free(&tt);
            buf_putc(out, '\n');
            if (have_ids) buf_printf(out, "id: %s\n", id_det);
            buf_puts(out, "name: ");
            y_key(out, (pstr_t){name.p, name.n});
            buf_putc(out, '\n');
        } else {
            y_field(out, "title", title);
            if (have_ids) buf_printf(out, "id: %s\n", id_det);
            if (r) put_meta(out, r, false);
            else y_qtext(out, q);
        }
        buf_puts(out, "taxonomy: postern\nlogsource:\n    product: postern\n");
        buf_puts(out, "    definition: 'postern''s records (docs/schema.md): the rule reads _sourceCategory itself'\n");
        buf_printf(out, "detection:\n%s    condition: %s\n", g.sels.p, det.p);
        if (fields.n) buf_printf(out, "fields:\n%s", fields.p);
        if (r && !agg) {
            rule_t lv = {.default_severity = r->default_severity};
            put_meta(out, &lv, true);
        }
        buf_free(&name);
    }
    buf_free(&base); buf_free(&det); buf_free(&fields); buf_free(&g.sels);
    return ok;
}
