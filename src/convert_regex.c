/* convert_regex.c — a Java regex (as postern reads it) in the dialect of a
 * convert target: RE2 (DuckDB, ClickHouse), POSIX ARE (PostgreSQL), Java
 * (Spark).
 *
 * Only a subset common to the three is translated, each piece into a form
 * that means the same in every dialect, for a search anywhere in the value
 * (`matches /re/`): literals, escaped punctuation, classes with ranges,
 * \d \w \s (as explicit ASCII classes, as postern reads them), groups,
 * alternation, greedy and lazy quantifiers, ^ and a final $. `(?i)` at the
 * start folds ASCII letters, which is written out as [xX] classes so that
 * no dialect's Unicode case folding comes in. Everything else is refused
 * with the construct's name (see docs/convert.md). Part of convert.h.
 */
#include <string.h>

#include "convert.h"

/* The translation's state. */
typedef struct rxw {
    const char *p;  /* the pattern (borrowed) */
    size_t n, i;    /* length, position */
    int re;         /* CV_RE_* */
    bool icase;     /* a leading (?i) */
    bool ascii;     /* no byte >= 0x80: postern matches bytes, where the targets match characters */
    buf_t *out;
    uint32_t ngroups;       /* capturing groups so far */
    uint64_t optional;      /* groups that may take no part (cv_rxinfo_t) */
    uint32_t first[64];     /* per open group (and [0] the whole pattern): the captures before its inner ones */
    uint32_t gstart[64];    /* ... the captures before it, itself included */
    bool alt[64];           /* ... an alternation was seen at its level */
    uint32_t closed_lo, closed_hi; /* the captures (lo, hi] of the group a ')' just closed, for its quantifier */
} rxw_t;

/* Mark the captures (lo, hi] optional. */
static void mark_optional(rxw_t *w, uint32_t lo, uint32_t hi) {
    for (uint32_t g = lo + 1; g <= hi && g <= 64; g++) w->optional |= 1ULL << (g - 1);
}

static bool is_alnum(unsigned char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
static bool is_lower(unsigned char c) { return c >= 'a' && c <= 'z'; }
static bool is_upper(unsigned char c) { return c >= 'A' && c <= 'Z'; }

/* The class body of \d, \w, \s (Java's ASCII meaning), or NULL. */
static const char *class_body(char c) {
    switch (c) {
    case 'd': return "0-9";
    case 'w': return "0-9A-Za-z_";
    case 's': return " \\t\\n\\x0B\\f\\r";
    default: return NULL;
    }
}

/* One literal character c, outside a class. */
static void put_lit(rxw_t *w, unsigned char c) {
    if (w->icase && (is_lower(c) || is_upper(c))) {
        buf_printf(w->out, "[%c%c]", c, is_lower(c) ? c - 32 : c + 32);
        return;
    }
    if (c < 0x80 && !is_alnum(c) && c > ' ' && c != '~' && c != '_') buf_putc(w->out, '\\');
    buf_putc(w->out, (char)c);
}

/* One character c inside a class, as itself (escaped where the class
 * syntax needs it). */
static void put_class_char(rxw_t *w, unsigned char c) {
    if (c == '\\' || c == ']' || c == '[' || c == '^' || c == '-') buf_putc(w->out, '\\');
    buf_putc(w->out, (char)c);
}

/* One literal character c inside a class (and its other case under (?i)). */
static void put_class_lit(rxw_t *w, unsigned char c) {
    put_class_char(w, c);
    if (w->icase && (is_lower(c) || is_upper(c))) buf_putc(w->out, (char)(is_lower(c) ? c - 32 : c + 32));
}

/* A class [...] at w->i (the '['); *wide is set for a negated class. */
static const char *put_class(rxw_t *w, bool *wide) {
    w->i++;
    buf_putc(w->out, '[');
    *wide = false;
    if (w->i < w->n && w->p[w->i] == '^') {
        *wide = true;
        buf_putc(w->out, '^');
        w->i++;
    }
    if (w->i < w->n && w->p[w->i] == ']') return "a ']' first in a class";
    bool any = false;
    while (w->i < w->n && w->p[w->i] != ']') {
        unsigned char c = (unsigned char)w->p[w->i];
        if (c == '[') return "a nested class or POSIX class inside [...]";
        if (c == '&' && w->i + 1 < w->n && w->p[w->i + 1] == '&') return "a class intersection (&&)";
        if (c >= 0x80) return "a non-ASCII character in a class (postern matches bytes there)";
        if (c == '\\') {
            if (w->i + 1 >= w->n) return "a trailing backslash";
            char e = w->p[w->i + 1];
            const char *body = class_body(e);
            if (body) buf_puts(w->out, body);
            else if (e == 't' || e == 'n' || e == 'r' || e == 'f') buf_printf(w->out, "\\%c", e);
            else if (!is_alnum((unsigned char)e) && (unsigned char)e < 0x80) put_class_lit(w, (unsigned char)e);
            else return "this escape inside a class (only \\d \\w \\s \\t \\n \\r \\f and escaped punctuation convert)";
            w->i += 2;
            any = true;
            continue;
        }
        if (w->i + 2 < w->n && w->p[w->i + 1] == '-' && w->p[w->i + 2] != ']') {
            unsigned char hi = (unsigned char)w->p[w->i + 2];
            if (hi == '\\' || hi == '[' || hi >= 0x80) return "a range whose end is an escape, a class or non-ASCII";
            if (hi < c) return "a range whose end is before its start";
            bool lo_l = is_lower(c) && is_lower(hi), up_l = is_upper(c) && is_upper(hi);
            if (w->icase && !lo_l && !up_l) {
                for (unsigned k = c; k <= hi; k++)
                    if (is_lower((unsigned char)k) || is_upper((unsigned char)k))
                        return "a range mixing letters and other characters under (?i)";
            }
            put_class_char(w, c);
            buf_putc(w->out, '-');
            put_class_char(w, hi);
            if (w->icase && (lo_l || up_l)) {
                buf_putc(w->out, (char)(lo_l ? c - 32 : c + 32));
                buf_putc(w->out, '-');
                buf_putc(w->out, (char)(lo_l ? hi - 32 : hi + 32));
            }
            w->i += 3;
            any = true;
            continue;
        }
        put_class_lit(w, c);
        w->i++;
        any = true;
    }
    if (w->i >= w->n) return "an unclosed class";
    if (!any) return "an empty class";
    w->i++;
    buf_putc(w->out, ']');
    return NULL;
}

/* A quantifier at w->i, if any, after an atom (wide: it matches one
 * character of a set that holds multi-byte ones). */
static const char *put_quant(rxw_t *w, bool wide, bool atom) {
    if (w->i >= w->n) return wide && w->ascii ? "'.' or a negated class without * or + (postern matches one byte there)" : NULL;
    char c = w->p[w->i];
    bool unbounded = false;
    uint32_t lo_g = w->closed_lo, hi_g = w->closed_hi;
    w->closed_lo = w->closed_hi = 0;
    if ((c == '*' || c == '?' || (c == '{' && w->i + 1 < w->n && w->p[w->i + 1] == '0')) && hi_g) mark_optional(w, lo_g, hi_g);
    if (c == '*' || c == '+' || c == '?') {
        if (!atom) return "a quantifier with nothing to repeat";
        unbounded = c != '?';
        buf_putc(w->out, c);
        w->i++;
    } else if (c == '{' && w->i + 1 < w->n && w->p[w->i + 1] >= '0' && w->p[w->i + 1] <= '9') {
        if (!atom) return "a quantifier with nothing to repeat";
        size_t j = w->i + 1;
        unsigned lo = 0, hi = 0;
        bool comma = false, has_hi = false;
        while (j < w->n && w->p[j] >= '0' && w->p[j] <= '9' && lo < 1000) lo = lo * 10 + (unsigned)(w->p[j++] - '0');
        if (j < w->n && w->p[j] == ',') {
            comma = true;
            j++;
            while (j < w->n && w->p[j] >= '0' && w->p[j] <= '9' && hi < 1000) {
                hi = hi * 10 + (unsigned)(w->p[j++] - '0');
                has_hi = true;
            }
        }
        if (j >= w->n || w->p[j] != '}') return "a malformed {n,m} quantifier";
        if (lo > 255 || hi > 255) return "a repeat count above 255 (PostgreSQL's limit)";
        if (has_hi && hi < lo) return "a {n,m} quantifier with m < n";
        unbounded = comma && !has_hi && lo > 0;
        buf_put(w->out, w->p + w->i, j + 1 - w->i);
        w->i = j + 1;
    } else {
        return wide && w->ascii ? "'.' or a negated class without * or + (postern matches one byte there)" : NULL;
    }
    if (wide && w->ascii && !unbounded) return "'.' or a negated class without * or + (postern matches one byte there)";
    if (w->i < w->n && w->p[w->i] == '+') return "a possessive quantifier";
    if (w->i < w->n && w->p[w->i] == '?') {
        w->i++;
        /* Lazy or greedy finds the same matches; ARE's rule that the first
         * quantifier sets the whole pattern's preference is avoided. */
        if (w->re != CV_RE_ARE) buf_putc(w->out, '?');
    }
    if (w->i < w->n && (w->p[w->i] == '*' || w->p[w->i] == '+' || w->p[w->i] == '?' || w->p[w->i] == '{'))
        return "a repeated quantifier";
    return NULL;
}

/* Is everything after position i closing parentheses? (A $ there ends the pattern.) */
static bool only_closers(const rxw_t *w, size_t i) {
    for (; i < w->n; i++)
        if (w->p[i] != ')') return false;
    return true;
}

/* The translation of w's pattern into w->out (see cv_regex). */
static const char *rx_walk(rxw_t *w) {
    for (size_t k = 0; k < w->n; k++)
        if ((unsigned char)w->p[k] >= 0x80) w->ascii = false;
    if (w->n >= 4 && memcmp(w->p, "(?i)", 4) == 0) {
        if (!w->ascii) return "(?i) in a pattern with non-ASCII text (postern folds non-ASCII letters there)";
        w->icase = true;
        w->i = 4;
    }
    int depth = 0;
    while (w->i < w->n) {
        unsigned char c = (unsigned char)w->p[w->i];
        bool wide = false, atom = true;
        const char *why = NULL;
        switch (c) {
        case '(':
            if (w->i + 1 < w->n && w->p[w->i + 1] == '?') {
                if (w->i + 2 < w->n && w->p[w->i + 2] == ':') {
                    buf_puts(w->out, "(?:");
                    w->i += 3;
                } else if (w->i + 2 < w->n && w->p[w->i + 2] == '<' && w->i + 3 < w->n && w->p[w->i + 3] != '=' &&
                           w->p[w->i + 3] != '!') {
                    size_t j = w->i + 3;
                    while (j < w->n && w->p[j] != '>') j++;
                    if (j >= w->n) return "an unclosed group name";
                    buf_putc(w->out, '(');
                    w->i = j + 1;
                } else if (w->i + 2 < w->n && (w->p[w->i + 2] == '=' || w->p[w->i + 2] == '!' || w->p[w->i + 2] == '<')) {
                    return "a lookahead or lookbehind";
                } else if (w->i + 2 < w->n && w->p[w->i + 2] == '>') {
                    return "an atomic group";
                } else {
                    return "an inline flag or special group other than a leading (?i)";
                }
            } else {
                buf_putc(w->out, '(');
                w->i++;
            }
            if (++depth >= 64) return "groups nested more than 63 deep";
            w->gstart[depth] = w->ngroups;
            /* A capturing group: `(` or `(?<name>` (the translation writes both as `(`). */
            if (w->out->n && w->out->p[w->out->n - 1] == '(') w->ngroups++;
            w->first[depth] = w->ngroups;
            w->alt[depth] = false;
            continue;
        case ')':
            if (depth == 0) return "an unbalanced ')'";
            if (w->alt[depth]) mark_optional(w, w->first[depth], w->ngroups);
            w->closed_lo = w->gstart[depth];
            w->closed_hi = w->ngroups;
            depth--;
            buf_putc(w->out, ')');
            w->i++;
            break;
        case '|':
            w->alt[depth] = true;
            buf_putc(w->out, '|');
            w->i++;
            continue;
        case '^':
            buf_putc(w->out, '^');
            w->i++;
            continue;
        case '$':
            /* Java's $ also matches before a final line end. */
            if (!only_closers(w, w->i + 1) && !(w->i + 1 < w->n && w->p[w->i + 1] == '|'))
                return "a $ that does not end the pattern or an alternative";
            buf_puts(w->out, w->re == CV_RE_JAVA ? "$" : "(?:\\r\\n|\\n|\\r)?$");
            w->i++;
            continue;
        case '.':
            wide = true;
            buf_puts(w->out, "[^\\n\\r]");
            w->i++;
            break;
        case '[':
            why = put_class(w, &wide);
            if (why) return why;
            break;
        case '*': case '+': case '?':
            return "a quantifier with nothing to repeat";
        case '\\': {
            if (w->i + 1 >= w->n) return "a trailing backslash";
            unsigned char e = (unsigned char)w->p[w->i + 1];
            const char *body = class_body((char)(e | 0x20));
            w->i += 2;
            if (body && e >= 'a') buf_printf(w->out, "[%s]", body);
            else if (body) {
                buf_printf(w->out, "[^%s]", body);
                wide = true;
            } else if (e == 't' || e == 'n' || e == 'r' || e == 'f') buf_printf(w->out, "\\%c", e);
            else if (e == 'A') {
                buf_puts(w->out, "^");
                atom = false;
            } else if (e == 'z') {
                if (!only_closers(w, w->i)) return "a \\z that does not end the pattern";
                buf_puts(w->out, "$");
                atom = false;
            } else if (e >= '0' && e <= '9') return "a backreference";
            else if (e == 'b' || e == 'B') return "a word boundary (\\b, \\B: the dialects' word characters differ)";
            else if (e == 'Q') return "a \\Q...\\E quote";
            else if (e == 'p' || e == 'P') return "a Unicode class (\\p{...})";
            else if (e < 0x80 && !is_alnum(e)) put_lit(w, e);
            else return "this escape (only \\d \\w \\s \\D \\W \\S \\t \\n \\r \\f \\A \\z and escaped punctuation convert)";
            break;
        }
        case '{':
            if (w->i + 1 < w->n && w->p[w->i + 1] >= '0' && w->p[w->i + 1] <= '9') return "a quantifier with nothing to repeat";
            put_lit(w, c);
            w->i++;
            break;
        default:
            if (c < ' ' || c == 0x7f) return "a control character in the pattern";
            put_lit(w, c);
            w->i++;
            break;
        }
        why = put_quant(w, wide, atom);
        if (why) return why;
    }
    if (depth) return "an unclosed group";
    if (w->alt[0]) mark_optional(w, 0, w->ngroups);
    return NULL;
}

/* See convert.h. */
const char *cv_regex(pstr_t pat, int re, buf_t *out, cv_rxinfo_t *info) {
    rxw_t w = {.p = pat.p, .n = pat.n, .re = re, .ascii = true, .out = out};
    const char *why = rx_walk(&w);
    if (info) *info = (cv_rxinfo_t){.ngroups = w.ngroups, .optional = w.optional};
    return why;
}
