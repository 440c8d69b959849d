/* regex_java.c — Java regex syntax rewritten as PCRE2 syntax (see regex_java.h).
 *
 * rx_compile (regex.c) runs every pattern of a query through rxj_translate
 * before PCRE2 compiles it. The translation is one left-to-right pass over
 * the Java pattern that keeps what changes the reading of what follows:
 * the open groups and the flags they restore ((?x) comments, (?d) Unix
 * lines), the capturing groups so far (a Java \12 depends on them), \Q..\E
 * quotes and nested character classes. What PCRE2 reads as Java does is
 * copied; what it reads differently is rewritten (the tables below say
 * into what); what PCRE2 has and Java does not (recursion, conditionals,
 * \K, verbs) is refused at its offset. Every output byte remembers the Java
 * offset it came from, so PCRE2's own errors point into the user's text.
 *
 * Java's character classes are set expressions: [a-z&&[^aeiou]] (an
 * intersection), [a[^b]] (a union with a complement). A class whose parts
 * all fit between PCRE2's brackets stays a class; the others become one
 * atom that matches one character: (?:[a]|[^b]) for a union,
 * (?:(?=A)B) for an intersection, (?:(?!A)[\s\S]) for a complement.
 */
#include "regex_java.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"

#define RXJ_MAX_DEPTH 250  /* open groups (PCRE2's default nesting limit) */
#define RXJ_MAX_CLASS 32   /* character classes nested in one another */
#define CP_MAX 0x10FFFFu   /* the highest code point */
#define RANGES_END 0xFFFFFFFFu /* ends a list of code point ranges */

/* Inline flags whose state the translation needs. i, m and s are also
 * passed on to PCRE2, which scopes them as Java does; d, u, x and U are
 * not (PCRE2 has no such flags, or other ones under those letters). */
enum { FL_I = 1, FL_M = 2, FL_S = 4, FL_D = 8, FL_U = 16, FL_X = 32, FL_UC = 64 };

/* What the last token lets come next: a quantifier repeats an atom, and a
 * '+' or '?' right after a quantifier makes it possessive or lazy. */
enum { LAST_NONE, LAST_ATOM, LAST_QUANT, LAST_MOD };

/* Output under construction: PCRE2 bytes and, for each, its Java offset. */
typedef struct obuf {
    buf_t b;          /* the bytes (owned) */
    uint32_t *map;    /* map[i]: Java offset of b.p[i] (owned) */
    size_t mcap;      /* entries allocated in map */
} obuf_t;

/* A Java character class being translated: the union of its parts so far. */
typedef struct cls {
    obuf_t items;     /* the parts that go between PCRE2's [ and ] */
    obuf_t alts;      /* one-character atoms that cannot, each after a '|' */
    uint32_t nalts;   /* how many atoms alts holds */
} cls_t;

/* A set of characters an escape or a \p property stands for. */
typedef struct jset {
    const char *items;       /* PCRE2 class items; a leading '^' means their complement */
    const uint32_t *ranges;  /* or code point ranges: lo, hi, ..., RANGES_END */
    char buf[56];            /* items made for this escape (items may point here) */
    bool neg;                /* the set is the complement of the above (\P, \D) */
} jset_t;

/* What one escape or class member turned out to be. */
typedef enum { IT_NONE, IT_CHAR, IT_SET } item_kind_t;
typedef struct item {
    uint8_t kind;     /* item_kind_t; IT_NONE: written already, or only changed the state (\Q) */
    uint32_t cp;      /* IT_CHAR: the code point */
    jset_t set;       /* IT_SET */
} item_t;

/* A group that is open at the read position. */
typedef struct open_group {
    uint32_t off;     /* its '(' */
    uint32_t cap;     /* its capture number; 0 when it captures nothing */
    uint8_t flags;    /* the flags outside it, restored at its ')' */
} open_group_t;

/* The translation state. */
typedef struct jx {
    const char *p;      /* the Java pattern (borrowed) */
    uint32_t n, i;      /* its length; the read position */
    rxj_t *t;           /* the result being filled */
    obuf_t out;         /* the PCRE2 pattern */
    uint8_t fl;         /* flags in force (FL_*) */
    uint8_t last;       /* LAST_*: what the previous token was */
    bool quoting;       /* inside \Q...\E */
    bool started;       /* a token other than a flag group was read: (?U) comes too late */
    open_group_t open[RXJ_MAX_DEPTH]; /* the open groups, innermost last */
    uint32_t depth;     /* how many are open */
    uint32_t gcap;      /* entries allocated in t->groups */
    uint32_t maxref;    /* the highest group number a backreference names */
    uint32_t maxref_off;/* where that backreference is */
} jx_t;

/* ---- output ---------------------------------------------------------- */

static void ob_put(obuf_t *o, uint32_t off, const char *s, size_t n) {
    if (o->b.n + n + 1 > o->mcap) {
        size_t cap = o->mcap ? o->mcap : 64;
        while (cap < o->b.n + n + 1) cap *= 2;
        o->map = xrealloc(o->map, cap * sizeof *o->map);
        o->mcap = cap;
    }
    for (size_t k = 0; k < n; k++) o->map[o->b.n + k] = off;
    buf_put(&o->b, s, n);
}

static void ob_puts(obuf_t *o, uint32_t off, const char *s) { ob_put(o, off, s, strlen(s)); }

/* Append src's bytes from byte `from` on, with their own offsets. */
static void ob_cat(obuf_t *o, const obuf_t *src, size_t from) {
    if (src->b.n <= from) return;
    size_t at = o->b.n, n = src->b.n - from;
    ob_put(o, 0, src->b.p + from, n);
    memcpy(o->map + at, src->map + from, n * sizeof *o->map);
}

static void ob_free(obuf_t *o) {
    buf_free(&o->b);
    free(o->map);
    *o = (obuf_t){0};
}

static void cls_free(cls_t *c) {
    ob_free(&c->items);
    ob_free(&c->alts);
    c->nalts = 0;
}

/* Move the parts of src into dst (a class nested in another one). */
static void cls_merge(cls_t *dst, cls_t *src) {
    ob_cat(&dst->items, &src->items, 0);
    ob_cat(&dst->alts, &src->alts, 0);
    dst->nalts += src->nalts;
    cls_free(src);
}

static bool fail(jx_t *x, uint32_t off, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Record the first error; always returns false. */
static bool fail(jx_t *x, uint32_t off, const char *fmt, ...) {
    if (!x->t->err[0]) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(x->t->err, sizeof x->t->err, fmt, ap);
        va_end(ap);
        x->t->erroff = off;
    }
    return false;
}

/* Note the first construct RE2 lacks (lint warns about it in `matches`). */
static void not_re2(jx_t *x, uint32_t off, const char *what) {
    if (x->t->nonre2) return;
    x->t->nonre2 = what;
    x->t->nonre2_off = off;
}

static bool is_digit(char c) { return c >= '0' && c <= '9'; }
static bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
static bool is_octal(char c) { return c >= '0' && c <= '7'; }

/* Append code point cp as a PCRE2 literal that means cp both in and out
 * of a class: letters and digits as they are, other printable ASCII
 * escaped, the rest as \x{...} (which needs UTF mode above 0x7F). */
static void put_cp(jx_t *x, obuf_t *o, uint32_t off, uint32_t cp) {
    char tmp[16];
    if (cp < 0x80 && (is_digit((char)cp) || is_alpha((char)cp))) {
        tmp[0] = (char)cp;
        ob_put(o, off, tmp, 1);
    } else if (cp > 0x20 && cp < 0x7F) {
        tmp[0] = '\\';
        tmp[1] = (char)cp;
        ob_put(o, off, tmp, 2);
    } else {
        if (cp >= 0x80) x->t->modes |= RXJ_UTF;
        snprintf(tmp, sizeof tmp, "\\x{%x}", (unsigned)cp);
        ob_puts(o, off, tmp);
    }
}

static void put_range(jx_t *x, obuf_t *o, uint32_t off, uint32_t lo, uint32_t hi) {
    put_cp(x, o, off, lo);
    if (hi == lo) return;
    if (hi > lo + 1) ob_put(o, off, "-", 1);
    put_cp(x, o, off, hi);
}

/* ---- reading --------------------------------------------------------- */

/* Read the UTF-8 character at the read position into *cp. */
static bool read_utf8(jx_t *x, uint32_t *cp) {
    const unsigned char *s = (const unsigned char *)x->p + x->i;
    uint32_t left = x->n - x->i, len, v;
    unsigned c = s[0];
    if (c < 0x80) {
        *cp = c;
        x->i++;
        return true;
    }
    if (c >= 0xC2 && c <= 0xDF) len = 2, v = c & 0x1F;
    else if (c >= 0xE0 && c <= 0xEF) len = 3, v = c & 0x0F;
    else if (c >= 0xF0 && c <= 0xF4) len = 4, v = c & 0x07;
    else return fail(x, x->i, "the pattern is not valid UTF-8");
    if (left < len) return fail(x, x->i, "the pattern is not valid UTF-8");
    for (uint32_t k = 1; k < len; k++) {
        if ((s[k] & 0xC0) != 0x80) return fail(x, x->i, "the pattern is not valid UTF-8");
        v = v << 6 | (s[k] & 0x3F);
    }
    if ((len == 3 && v < 0x800) || (len == 4 && (v < 0x10000 || v > CP_MAX)) || (v >= 0xD800 && v <= 0xDFFF))
        return fail(x, x->i, "the pattern is not valid UTF-8");
    x->t->modes |= RXJ_UTF;
    *cp = v;
    x->i += len;
    return true;
}

/* In comments mode ((?x)), skip white space and # comments as Java does
 * (inside classes too). A comment ends at a line end (only \n under (?d)). */
static void skip_space(jx_t *x) {
    if (!(x->fl & FL_X) || x->quoting) return;
    while (x->i < x->n) {
        char c = x->p[x->i];
        if (c == ' ' || (c >= '\t' && c <= '\r')) {
            x->i++;
        } else if (c == '#') {
            while (x->i < x->n && x->p[x->i] != '\n' && ((x->fl & FL_D) || x->p[x->i] != '\r')) x->i++;
        } else {
            break;
        }
    }
}

/* ---- character sets: \p names, POSIX and Java classes ---------------- */

static const uint32_t R_LOWER[] = {'a', 'z', RANGES_END};
static const uint32_t R_UPPER[] = {'A', 'Z', RANGES_END};
static const uint32_t R_ASCII[] = {0x00, 0x7F, RANGES_END};
static const uint32_t R_ALPHA[] = {'A', 'Z', 'a', 'z', RANGES_END};
static const uint32_t R_DIGIT[] = {'0', '9', RANGES_END};
static const uint32_t R_ALNUM[] = {'0', '9', 'A', 'Z', 'a', 'z', RANGES_END};
static const uint32_t R_PUNCT[] = {'!', '/', ':', '@', '[', '`', '{', '~', RANGES_END};
static const uint32_t R_GRAPH[] = {'!', '~', RANGES_END};
static const uint32_t R_PRINT[] = {' ', '~', RANGES_END};
static const uint32_t R_BLANK[] = {'\t', '\t', ' ', ' ', RANGES_END};
static const uint32_t R_CNTRL[] = {0x00, 0x1F, 0x7F, 0x7F, RANGES_END};
static const uint32_t R_XDIGIT[] = {'0', '9', 'A', 'F', 'a', 'f', RANGES_END};
static const uint32_t R_SPACE[] = {'\t', '\r', ' ', ' ', RANGES_END};
static const uint32_t R_ALL[] = {0x00, CP_MAX, RANGES_END};
static const uint32_t R_LATIN1[] = {0x00, 0xFF, RANGES_END};
/* Character.isWhitespace: Zs, Zl, Zp but the no-break spaces, and \t-\r, \x1C-\x1F. */
static const uint32_t R_JWHITESPACE[] = {0x09, 0x0D, 0x1C, 0x20, 0x1680, 0x1680, 0x2000, 0x2006, 0x2008, 0x200A,
                                         0x2028, 0x2029, 0x205F, 0x205F, 0x3000, 0x3000, RANGES_END};
static const uint32_t R_JISOCONTROL[] = {0x00, 0x1F, 0x7F, 0x9F, RANGES_END};

/* The names java.util.regex.Pattern knows without a prefix (exact case):
 * its POSIX classes (US-ASCII only, as Pattern documents; Unicode under
 * (?U)), java.lang.Character's classes and a few extras. items "" marks a
 * name postern cannot express. */
typedef struct jprop {
    const char *name;         /* as Java spells it */
    const char *items;        /* PCRE2 class items ("^..." = their complement), or NULL */
    const uint32_t *ranges;   /* or code point ranges */
    const char *uitems;       /* under (?U): these items instead; NULL: no change; "": unsupported */
} jprop_t;

static const jprop_t java_props[] = {
    {"Lower", NULL, R_LOWER, "\\p{Lowercase}"},
    {"Upper", NULL, R_UPPER, "\\p{Uppercase}"},
    {"ASCII", NULL, R_ASCII, NULL},
    {"Alpha", NULL, R_ALPHA, "\\p{Alphabetic}"},
    {"Digit", NULL, R_DIGIT, "\\p{Nd}"},
    {"Alnum", NULL, R_ALNUM, "\\p{Alphabetic}\\p{Nd}"},
    {"Punct", NULL, R_PUNCT, "\\p{P}"},
    {"Graph", NULL, R_GRAPH, "^\\p{White_Space}\\p{Cc}\\p{Cs}\\p{Cn}"},
    {"Print", NULL, R_PRINT, ""},
    {"Blank", NULL, R_BLANK, ""},
    {"Cntrl", NULL, R_CNTRL, "\\p{Cc}"},
    {"XDigit", NULL, R_XDIGIT, "\\p{Nd}\\p{Hex_Digit}"},
    {"Space", NULL, R_SPACE, "\\p{White_Space}"},
    {"all", NULL, R_ALL, NULL},
    {"L1", NULL, R_LATIN1, NULL},
    {"LC", "\\p{L&}", NULL, NULL},
    {"LD", "\\p{L}\\p{Nd}", NULL, NULL},
    {"javaLowerCase", "\\p{Lowercase}", NULL, NULL},
    {"javaUpperCase", "\\p{Uppercase}", NULL, NULL},
    {"javaWhitespace", NULL, R_JWHITESPACE, NULL},
    {"javaMirrored", "\\p{Bidi_M}", NULL, NULL},
    {"javaAlphabetic", "\\p{Alphabetic}", NULL, NULL},
    {"javaIdeographic", "\\p{Ideographic}", NULL, NULL},
    {"javaTitleCase", "\\p{Lt}", NULL, NULL},
    {"javaDigit", "\\p{Nd}", NULL, NULL},
    {"javaDefined", "^\\p{Cn}", NULL, NULL},
    {"javaLetter", "\\p{L}", NULL, NULL},
    {"javaLetterOrDigit", "\\p{L}\\p{Nd}", NULL, NULL},
    {"javaSpaceChar", "\\p{Z}", NULL, NULL},
    {"javaISOControl", NULL, R_JISOCONTROL, NULL},
    {"javaIdentifierIgnorable", "", NULL, NULL},
    {"javaJavaIdentifierStart", "", NULL, NULL},
    {"javaJavaIdentifierPart", "", NULL, NULL},
    {"javaUnicodeIdentifierStart", "", NULL, NULL},
    {"javaUnicodeIdentifierPart", "", NULL, NULL},
};

/* Unicode general categories, as Java and PCRE2 both name them. */
static const char *const categories[] = {
    "L", "M", "N", "Z", "C", "P", "S", "Lu", "Ll", "Lt", "Lm", "Lo", "Mn", "Mc", "Me", "Nd", "Nl", "No", "Zs",
    "Zl", "Zp", "Cc", "Cf", "Co", "Cs", "Cn", "Pd", "Ps", "Pe", "Pc", "Po", "Pi", "Pf", "Sm", "Sc", "Sk", "So",
};

/* Java's binary properties, \p{IsName} (any case), and their PCRE2 form. */
static const struct {
    const char *name;
    const char *items;        /* "" = postern cannot express it */
} java_binary[] = {
    {"ALPHABETIC", "\\p{Alphabetic}"},
    {"LETTER", "\\p{L}"},
    {"IDEOGRAPHIC", "\\p{Ideographic}"},
    {"LOWERCASE", "\\p{Lowercase}"},
    {"UPPERCASE", "\\p{Uppercase}"},
    {"TITLECASE", "\\p{Lt}"},
    {"WHITE_SPACE", "\\p{White_Space}"},
    {"WHITESPACE", "\\p{White_Space}"},
    {"CONTROL", "\\p{Cc}"},
    {"PUNCTUATION", "\\p{P}"},
    {"HEX_DIGIT", "\\p{Hex_Digit}"},
    {"HEXDIGIT", "\\p{Hex_Digit}"},
    {"ASSIGNED", "^\\p{Cn}"},
    {"NONCHARACTER_CODE_POINT", "\\p{Noncharacter_Code_Point}"},
    {"NONCHARACTERCODEPOINT", "\\p{Noncharacter_Code_Point}"},
    {"DIGIT", "\\p{Nd}"},
    {"ALNUM", "\\p{Alphabetic}\\p{Nd}"},
    {"JOIN_CONTROL", "\\p{Join_Control}"},
    {"JOINCONTROL", "\\p{Join_Control}"},
    {"WORD", "\\p{Alphabetic}\\p{M}\\p{Nd}\\p{Pc}\\x{200c}\\x{200d}"},
    {"EMOJI", "\\p{Emoji}"},
    {"EMOJI_PRESENTATION", "\\p{Emoji_Presentation}"},
    {"EMOJI_MODIFIER", "\\p{Emoji_Modifier}"},
    {"EMOJI_MODIFIER_BASE", "\\p{Emoji_Modifier_Base}"},
    {"EMOJI_COMPONENT", "\\p{Emoji_Component}"},
    {"EXTENDED_PICTOGRAPHIC", "\\p{Extended_Pictographic}"},
    {"BLANK", ""},
    {"GRAPH", ""},
    {"PRINT", ""},
};

static bool unsupported_prop(jx_t *x, uint32_t at, pstr_t name) {
    return fail(x, at, "\\p{%.*s} is Java syntax postern does not support", (int)name.n, name.p);
}

/* A name Pattern knows without a prefix (a category, POSIX or java...
 * class): fill s and return true (*ok false when it is unsupported). */
static bool java_prop(jx_t *x, uint32_t at, pstr_t name, jset_t *s, bool *ok) {
    *ok = true;
    for (size_t k = 0; k < sizeof categories / sizeof *categories; k++) {
        if (!pstr_eq(name, pstr_c(categories[k]))) continue;
        snprintf(s->buf, sizeof s->buf, "\\p{%s}", categories[k]);
        s->items = s->buf;
        return true;
    }
    for (size_t k = 0; k < sizeof java_props / sizeof *java_props; k++) {
        const jprop_t *j = &java_props[k];
        if (!pstr_eq(name, pstr_c(j->name))) continue;
        s->items = j->items;
        s->ranges = j->ranges;
        if ((x->fl & FL_UC) && j->uitems) {
            s->items = j->uitems;
            s->ranges = NULL;
        }
        if (s->items && !s->items[0]) *ok = unsupported_prop(x, at, name);
        return true;
    }
    return false;
}

/* \p{IsGreek}, \p{script=Greek}: a script, which PCRE2 also names. */
static bool script_prop(jx_t *x, uint32_t at, pstr_t name, jset_t *s) {
    bool good = name.n > 0 && name.n <= 40;
    for (size_t k = 0; good && k < name.n; k++)
        good = is_alpha(name.p[k]) || is_digit(name.p[k]) || name.p[k] == '_' || name.p[k] == ' ';
    if (!good) return fail(x, at, "unknown character property or script '%.*s'", (int)name.n, name.p);
    snprintf(s->buf, sizeof s->buf, "\\p{sc:%.*s}", (int)name.n, name.p);
    s->items = s->buf;
    return true;
}

static bool has_prefix(pstr_t s, const char *pre) {
    size_t k = strlen(pre);
    return s.n > k && memcmp(s.p, pre, k) == 0;
}

/* Fill s with what Java's \p{name} stands for, looking the name up as
 * Pattern does: key=value forms, In (blocks), Is (binary properties, then
 * categories and Pattern's names, then scripts), else Pattern's names. */
static bool resolve_prop(jx_t *x, uint32_t at, pstr_t name, jset_t *s) {
    static const char block_msg[] = "\\p{%.*s}: Unicode blocks are not supported by postern; use a script "
                                    "(\\p{IsGreek}) or a range (\\x{370}-\\x{3ff})";
    const char *eq = memchr(name.p, '=', name.n);
    bool ok;
    if (eq) {
        pstr_t key = pstr(name.p, (size_t)(eq - name.p)), val = pstr(eq + 1, name.n - key.n - 1);
        if (pstr_ieq_c(key, "script") || pstr_ieq_c(key, "sc")) return script_prop(x, at, val, s);
        if (pstr_ieq_c(key, "block") || pstr_ieq_c(key, "blk")) return fail(x, at, block_msg, (int)name.n, name.p);
        if (pstr_ieq_c(key, "general_category") || pstr_ieq_c(key, "gc")) {
            for (size_t k = 0; k < sizeof categories / sizeof *categories; k++)
                if (pstr_eq(val, pstr_c(categories[k]))) return java_prop(x, at, val, s, &ok) && ok;
        }
        return fail(x, at, "unknown character property \\p{%.*s}", (int)name.n, name.p);
    }
    if (has_prefix(name, "In")) return fail(x, at, block_msg, (int)name.n, name.p);
    if (has_prefix(name, "Is")) {
        pstr_t rest = pstr(name.p + 2, name.n - 2);
        for (size_t k = 0; k < sizeof java_binary / sizeof *java_binary; k++) {
            if (!pstr_ieq_c(rest, java_binary[k].name)) continue;
            if (!java_binary[k].items[0]) return unsupported_prop(x, at, name);
            s->items = java_binary[k].items;
            return true;
        }
        if (java_prop(x, at, rest, s, &ok)) return ok;
        return script_prop(x, at, rest, s);
    }
    if (java_prop(x, at, name, s, &ok)) return ok;
    return fail(x, at, "unknown character property \\p{%.*s}", (int)name.n, name.p);
}

/* items is exactly one \p{...}, whose complement is \P{...}. */
static bool single_prop(const char *items) {
    if (strncmp(items, "\\p{", 3) != 0) return false;
    const char *close = strchr(items, '}');
    return close && close[1] == 0;
}

/* b is one escape that stands alone outside a class: \d or \p{...}. */
static bool single_escape(const buf_t *b) {
    if (b->n == 2 && b->p[0] == '\\') return true;
    return b->n > 4 && b->p[0] == '\\' && (b->p[1] == 'p' || b->p[1] == 'P') && b->p[2] == '{' &&
           memchr(b->p, '}', b->n) == b->p + b->n - 1;
}

/* Add set s to the class union u. */
static void cls_add_set(jx_t *x, cls_t *u, uint32_t off, const jset_t *s) {
    if (s->ranges) {
        const uint32_t *r = s->ranges;
        if (!s->neg) {
            for (; r[0] != RANGES_END; r += 2) put_range(x, &u->items, off, r[0], r[1]);
            return;
        }
        /* The complement: the gaps between the ranges, up to U+10FFFF (a
         * \P makes the pattern UTF). An empty complement adds nothing. */
        uint32_t lo = 0;
        bool tail = true;
        for (; r[0] != RANGES_END; r += 2) {
            if (r[0] > lo) put_range(x, &u->items, off, lo, r[0] - 1);
            if (r[1] >= CP_MAX) tail = false;
            else lo = r[1] + 1;
        }
        if (tail) put_range(x, &u->items, off, lo, CP_MAX);
        return;
    }
    const char *it = s->items;
    bool comp = s->neg;
    if (*it == '^') {
        it++;
        comp = !comp;
    }
    if (!comp) {
        ob_puts(&u->items, off, it);
    } else if (single_prop(it)) {
        ob_puts(&u->items, off, "\\P");
        ob_puts(&u->items, off, it + 2);
    } else {
        ob_puts(&u->alts, off, "|[^");
        ob_puts(&u->alts, off, it);
        ob_puts(&u->alts, off, "]");
        u->nalts++;
    }
}

/* Write union u as one atom that matches one character (or, with neg,
 * one character u does not match). */
static void cls_atom(const cls_t *u, bool neg, obuf_t *o, uint32_t off) {
    bool items = u->items.b.n > 0;
    if (!u->nalts) {
        if (!items) {
            ob_puts(o, off, neg ? "[\\s\\S]" : "(?!)");
            return;
        }
        ob_puts(o, off, neg ? "[^" : "[");
        ob_cat(o, &u->items, 0);
        ob_puts(o, off, "]");
        return;
    }
    if (neg) ob_puts(o, off, "(?:(?!");
    if (!items && u->nalts == 1) {
        ob_cat(o, &u->alts, 1);
    } else {
        ob_puts(o, off, "(?:");
        if (items) {
            ob_puts(o, off, "[");
            ob_cat(o, &u->items, 0);
            ob_puts(o, off, "]");
            ob_cat(o, &u->alts, 0);
        } else {
            ob_cat(o, &u->alts, 1);
        }
        ob_puts(o, off, ")");
    }
    if (neg) ob_puts(o, off, ")[\\s\\S])");
}

/* Replace u by the single atom for (the complement of) u. */
static void cls_to_atom(cls_t *u, bool neg, uint32_t off) {
    obuf_t a = {0};
    ob_puts(&a, off, "|");
    cls_atom(u, neg, &a, off);
    cls_free(u);
    u->alts = a;
    u->nalts = 1;
}

/* ---- escapes --------------------------------------------------------- */

/* What a letter after a backslash means in Java. */
enum {
    EK_BAD,     /* not a Java escape (why says more when set) */
    EK_SET,     /* \d \D \s \S \w \W \h \H \v \V: a class PCRE2 writes the same way */
    EK_CHAR,    /* \t \n \r \f \a \e: one character */
    EK_ANCHOR,  /* \B \A \G \Z \z: kept */
    EK_BOUND,   /* \b: kept, but not \b{g} */
    EK_SEQ,     /* \R \X: kept, outside classes */
    EK_HEX,     /* \xhh, \x{h...} */
    EK_UNI,     /* \uhhhh */
    EK_CTRL,    /* \cX */
    EK_PROP,    /* \p, \P */
    EK_KREF,    /* \k<name> */
    EK_QUOTE,   /* \Q */
};

static const struct esc_def {
    uint8_t kind;     /* EK_* */
    bool utf;         /* the escape needs code points (it knows characters above 0x7F) */
    uint8_t cp;       /* EK_CHAR: the character */
    const char *why;  /* EK_BAD: the message, or NULL for the generic one */
} esc_defs[128] = {
    ['d'] = {EK_SET, 0, 0, 0}, ['D'] = {EK_SET, 0, 0, 0}, ['s'] = {EK_SET, 0, 0, 0}, ['S'] = {EK_SET, 0, 0, 0},
    ['w'] = {EK_SET, 0, 0, 0}, ['W'] = {EK_SET, 0, 0, 0}, ['h'] = {EK_SET, 1, 0, 0}, ['H'] = {EK_SET, 1, 0, 0},
    ['v'] = {EK_SET, 1, 0, 0}, ['V'] = {EK_SET, 1, 0, 0},
    ['t'] = {EK_CHAR, 0, '\t', 0}, ['n'] = {EK_CHAR, 0, '\n', 0}, ['r'] = {EK_CHAR, 0, '\r', 0},
    ['f'] = {EK_CHAR, 0, '\f', 0}, ['a'] = {EK_CHAR, 0, 7, 0}, ['e'] = {EK_CHAR, 0, 27, 0},
    ['B'] = {EK_ANCHOR, 0, 0, 0}, ['A'] = {EK_ANCHOR, 0, 0, 0}, ['G'] = {EK_ANCHOR, 0, 0, 0},
    ['Z'] = {EK_ANCHOR, 0, 0, 0}, ['z'] = {EK_ANCHOR, 0, 0, 0}, ['b'] = {EK_BOUND, 0, 0, 0},
    ['R'] = {EK_SEQ, 1, 0, 0}, ['X'] = {EK_SEQ, 1, 0, 0},
    ['x'] = {EK_HEX, 0, 0, 0}, ['u'] = {EK_UNI, 0, 0, 0}, ['c'] = {EK_CTRL, 0, 0, 0},
    ['p'] = {EK_PROP, 1, 0, 0}, ['P'] = {EK_PROP, 1, 0, 0}, ['k'] = {EK_KREF, 0, 0, 0}, ['Q'] = {EK_QUOTE, 0, 0, 0},
    ['E'] = {EK_BAD, 0, 0, "\\E ends a \\Q quote, and none is open"},
    ['N'] = {EK_BAD, 0, 0, "\\N{name} (a character by its Unicode name) is not supported by postern; write \\x{...}"},
    ['K'] = {EK_BAD, 0, 0, "\\K (reset the match start) is PCRE syntax, not Java"},
    ['g'] = {EK_BAD, 0, 0, "\\g is PCRE syntax, not Java; write \\1 or \\k<name>"},
    ['o'] = {EK_BAD, 0, 0, "\\o{...} is PCRE syntax, not Java; write \\0nnn or \\x{...}"},
    ['C'] = {EK_BAD, 0, 0, "\\C (a single byte) is not Java syntax"},
};

/* \xhh or \x{h...} after the "\x" at `at`. */
static bool hex_escape(jx_t *x, uint32_t at, item_t *it) {
    uint32_t v = 0;
    if (x->i < x->n && x->p[x->i] == '{') {
        uint32_t j = x->i + 1, nd = 0;
        for (; j < x->n && str_hexval(x->p[j]) >= 0; j++, nd++) {
            v = v * 16 + (uint32_t)str_hexval(x->p[j]);
            if (v > CP_MAX) return fail(x, at, "\\x{...} is above U+10FFFF");
        }
        if (!nd || j >= x->n || x->p[j] != '}') return fail(x, at, "\\x{...} needs hex digits and a '}'");
        x->i = j + 1;
    } else {
        if (x->i + 2 > x->n || str_hexval(x->p[x->i]) < 0 || str_hexval(x->p[x->i + 1]) < 0)
            return fail(x, at, "\\x needs two hex digits (or \\x{...})");
        v = (uint32_t)(str_hexval(x->p[x->i]) * 16 + str_hexval(x->p[x->i + 1]));
        x->i += 2;
    }
    if (v >= 0xD800 && v <= 0xDFFF) return fail(x, at, "a surrogate code point matches no UTF-8 text");
    it->kind = IT_CHAR;
    it->cp = v;
    return true;
}

/* Four hex digits at p[i], or -1. */
static long hex4(const char *p, uint32_t n, uint32_t i) {
    if (i + 4 > n) return -1;
    long v = 0;
    for (uint32_t k = 0; k < 4; k++) {
        int h = str_hexval(p[i + k]);
        if (h < 0) return -1;
        v = v * 16 + h;
    }
    return v;
}

/* \uhhhh (a UTF-16 unit; a surrogate pair \uD83D\uDE00 is one character). */
static bool uni_escape(jx_t *x, uint32_t at, item_t *it) {
    long v = hex4(x->p, x->n, x->i);
    if (v < 0) return fail(x, at, "\\u needs four hex digits");
    x->i += 4;
    if (v >= 0xD800 && v <= 0xDBFF && x->i + 1 < x->n && x->p[x->i] == '\\' && x->p[x->i + 1] == 'u') {
        long lo = hex4(x->p, x->n, x->i + 2);
        if (lo >= 0xDC00 && lo <= 0xDFFF) {
            v = 0x10000 + ((v - 0xD800) << 10) + (lo - 0xDC00);
            x->i += 6;
        }
    }
    if (v >= 0xD800 && v <= 0xDFFF) return fail(x, at, "a lone surrogate \\u%04lX matches no UTF-8 text", v);
    it->kind = IT_CHAR;
    it->cp = (uint32_t)v;
    return true;
}

/* \0n, \0nn, \0mnn (m <= 3): Java's octal escape; x->i is past the "\0". */
static bool octal_escape(jx_t *x, uint32_t at, item_t *it) {
    if (x->i >= x->n || !is_octal(x->p[x->i]))
        return fail(x, at, "\\0 needs octal digits after it (\\0n, \\0nn or \\0mnn)");
    char first = x->p[x->i];
    uint32_t v = (uint32_t)(first - '0');
    x->i++;
    if (x->i < x->n && is_octal(x->p[x->i])) {
        v = v * 8 + (uint32_t)(x->p[x->i++] - '0');
        if (first <= '3' && x->i < x->n && is_octal(x->p[x->i])) v = v * 8 + (uint32_t)(x->p[x->i++] - '0');
    }
    it->kind = IT_CHAR;
    it->cp = v;
    return true;
}

/* \1...\9 and more digits: Java takes further digits only while the number
 * stays within the groups opened so far. Written as \g{n}. */
static bool backref(jx_t *x, uint32_t at, obuf_t *o) {
    uint32_t ref = (uint32_t)(x->p[x->i] - '0');
    x->i++;
    while (x->i < x->n && is_digit(x->p[x->i])) {
        uint32_t nr = ref * 10 + (uint32_t)(x->p[x->i] - '0');
        if (nr > x->t->ngroups) break;
        ref = nr;
        x->i++;
    }
    if (ref > x->maxref) {
        x->maxref = ref;
        x->maxref_off = at;
    }
    not_re2(x, at, "backreferences");
    char tmp[24];
    snprintf(tmp, sizeof tmp, "\\g{%u}", (unsigned)ref);
    ob_puts(o, at, tmp);
    return true;
}

static bool is_name_char(char c) { return is_alpha(c) || is_digit(c) || c == '_'; }

/* \k<name>: the group must be defined before, as Java requires. */
static bool named_backref(jx_t *x, uint32_t at, obuf_t *o) {
    uint32_t j = x->i + 1;
    if (x->i >= x->n || x->p[x->i] != '<') return fail(x, at, "\\k needs a group name: \\k<name>");
    while (j < x->n && is_name_char(x->p[j])) j++;
    if (j >= x->n || x->p[j] != '>' || j == x->i + 1) return fail(x, at, "\\k needs a group name: \\k<name>");
    pstr_t name = pstr(x->p + x->i + 1, j - x->i - 1);
    bool known = false;
    for (uint32_t g = 0; g < x->t->ngroups && !known; g++) known = pstr_eq(x->t->groups[g].name, name);
    if (!known) return fail(x, at, "\\k<%.*s>: no group of that name comes before it", (int)name.n, name.p);
    not_re2(x, at, "backreferences");
    ob_put(o, at, x->p + at, j + 1 - at);
    x->i = j + 1;
    return true;
}

/* \p{name}, \pL, \P...: the set Java means (needs UTF mode). */
static bool prop_escape(jx_t *x, uint32_t at, bool neg, item_t *it) {
    pstr_t name;
    if (x->i >= x->n) return fail(x, at, "\\p needs a property name");
    if (x->p[x->i] == '{') {
        const char *close = memchr(x->p + x->i, '}', x->n - x->i);
        if (!close) return fail(x, at, "\\p{ is not closed");
        name = pstr(x->p + x->i + 1, (size_t)(close - x->p) - x->i - 1);
        x->i = (uint32_t)(close - x->p) + 1;
        if (!name.n) return fail(x, at, "\\p{} names no property");
    } else {
        name = pstr(x->p + x->i, 1);
        x->i++;
    }
    it->kind = IT_SET;
    memset(&it->set, 0, sizeof it->set);
    it->set.neg = neg;
    return resolve_prop(x, at, name, &it->set);
}

/* The escape at the read position. Characters and sets go to *it; what
 * only exists outside classes (anchors, backreferences, \R) is written to
 * o right away, and is an error when in_class. */
static bool escape(jx_t *x, bool in_class, item_t *it, obuf_t *o) {
    uint32_t at = x->i;
    it->kind = IT_NONE;
    if (at + 1 >= x->n) return fail(x, at, "the pattern ends with a lone backslash");
    unsigned char c = (unsigned char)x->p[at + 1];
    if (c >= 0x80) {
        x->i++;
        it->kind = IT_CHAR;
        return read_utf8(x, &it->cp);
    }
    x->i += 2;
    if (c >= '1' && c <= '9') {
        if (in_class) return fail(x, at, "a backreference cannot be inside a character class");
        x->i--;
        return backref(x, at, o);
    }
    if (c == '0') return octal_escape(x, at, it);
    if (!is_alpha((char)c)) {
        it->kind = IT_CHAR;
        it->cp = c;
        return true;
    }
    const struct esc_def *d = &esc_defs[c];
    if (d->utf) x->t->modes |= RXJ_UTF;
    switch (d->kind) {
    case EK_SET:
        it->kind = IT_SET;
        memset(&it->set, 0, sizeof it->set);
        it->set.buf[0] = '\\';
        it->set.buf[1] = (char)c;
        it->set.items = it->set.buf;
        return true;
    case EK_CHAR:
        it->kind = IT_CHAR;
        it->cp = d->cp;
        return true;
    case EK_HEX: return hex_escape(x, at, it);
    case EK_UNI: return uni_escape(x, at, it);
    case EK_CTRL:
        if (x->i >= x->n) return fail(x, at, "\\c needs a character after it");
        it->kind = IT_CHAR;
        if (!read_utf8(x, &it->cp)) return false;
        it->cp ^= 64;
        return true;
    case EK_PROP: return prop_escape(x, at, c == 'P', it);
    case EK_QUOTE: x->quoting = true; return true;
    case EK_KREF:
        if (in_class) return fail(x, at, "a backreference cannot be inside a character class");
        return named_backref(x, at, o);
    case EK_BOUND:
        if (x->i < x->n && x->p[x->i] == '{')
            return fail(x, at, "\\b{...} (a grapheme boundary) is not supported by postern");
        /* fall through */
    case EK_ANCHOR:
    case EK_SEQ:
        if (in_class) return fail(x, at, "\\%c cannot be used inside a character class", c);
        ob_put(o, at, x->p + at, 2);
        return true;
    default:
        if (d->why) return fail(x, at, "%s", d->why);
        return fail(x, at, "\\%c is not a Java regex escape", c);
    }
}

/* ---- character classes ----------------------------------------------- */

/* One member of a class: a character (quoted or escaped too) or a set. */
static bool class_item(jx_t *x, item_t *it) {
    it->kind = IT_NONE;
    if (x->i >= x->n) return true;
    if (x->quoting) {
        if (x->p[x->i] == '\\' && x->i + 1 < x->n && x->p[x->i + 1] == 'E') {
            x->quoting = false;
            x->i += 2;
            return true;
        }
        it->kind = IT_CHAR;
        return read_utf8(x, &it->cp);
    }
    if (x->p[x->i] == '\\') return escape(x, true, it, NULL);
    it->kind = IT_CHAR;
    return read_utf8(x, &it->cp);
}

/* [:alpha:] inside a class: RE2's (and POSIX's) class, passed to PCRE2.
 * (Java would read a nested class of the letters ':alph'.) */
static bool posix_class(jx_t *x, cls_t *u) {
    uint32_t j = x->i + 1;
    if (j >= x->n || x->p[j] != ':') return false;
    j++;
    if (j < x->n && x->p[j] == '^') j++;
    uint32_t name = j;
    while (j < x->n && x->p[j] >= 'a' && x->p[j] <= 'z') j++;
    if (j == name || j + 1 >= x->n || x->p[j] != ':' || x->p[j + 1] != ']') return false;
    ob_put(&u->items, x->i, x->p + x->i, j + 2 - x->i);
    x->i = j + 2;
    return true;
}

/* At && or at the class's end: the operand just read becomes the last
 * one, the one before it joins the lookaheads. Empty operands are
 * skipped, as Java does. */
static void end_operand(cls_t *cur, cls_t *last, bool *have_last, obuf_t *la, uint32_t off) {
    if (!cur->items.b.n && !cur->nalts) return;
    if (*have_last) {
        ob_puts(la, off, "(?=");
        cls_atom(last, false, la, off);
        ob_puts(la, off, ")");
        cls_free(last);
    }
    *last = *cur;
    *cur = (cls_t){0};
    *have_last = true;
}

/* The class opening at the read position ('['), depth levels inside other
 * classes, as a union in *res (which the caller frees). */
static bool parse_class(jx_t *x, unsigned depth, cls_t *res) {
    uint32_t start = x->i++;
    bool neg = false, any = false, have_last = false, ok = false;
    cls_t cur = {0}, last = {0};
    obuf_t la = {0};
    item_t it, end;
    if (x->i < x->n && x->p[x->i] == '^') {
        neg = true;
        x->i++;
    }
    for (;;) {
        skip_space(x);
        if (x->i >= x->n) {
            fail(x, start, "this character class is not closed: ']' is missing");
            goto out;
        }
        uint32_t at = x->i;
        char c = x->p[at];
        if (!x->quoting) {
            /* Java closes a class at a ']' that follows something. */
            if (c == ']' && any) {
                x->i++;
                break;
            }
            if (c == '[') {
                if (posix_class(x, &cur)) {
                    any = true;
                    continue;
                }
                if (depth + 1 >= RXJ_MAX_CLASS) {
                    fail(x, at, "character classes are nested too deeply");
                    goto out;
                }
                cls_t sub = {0};
                if (!parse_class(x, depth + 1, &sub)) {
                    cls_free(&sub);
                    goto out;
                }
                cls_merge(&cur, &sub);
                any = true;
                continue;
            }
            if (c == '&' && at + 1 < x->n && x->p[at + 1] == '&') {
                x->i += 2;
                end_operand(&cur, &last, &have_last, &la, start);
                any = true;
                continue;
            }
        }
        if (!class_item(x, &it)) goto out;
        if (it.kind == IT_NONE) continue;
        any = true;
        if (it.kind == IT_SET) {
            /* A '-' after a set is a literal (Java: [\w-_] is \w, '-', '_'). */
            cls_add_set(x, &cur, at, &it.set);
            continue;
        }
        uint32_t lo = it.cp, hi = lo;
        skip_space(x);
        if (!x->quoting && x->i + 1 < x->n && x->p[x->i] == '-' && x->p[x->i + 1] != ']' && x->p[x->i + 1] != '[') {
            x->i++;
            skip_space(x);
            uint32_t hat = x->i;
            do {
                if (!class_item(x, &end)) goto out;
            } while (end.kind == IT_NONE && x->i < x->n);
            if (end.kind != IT_CHAR) {
                fail(x, hat, "a range must end with a single character");
                goto out;
            }
            hi = end.cp;
            if (hi < lo) {
                fail(x, at, "character range out of order: its end comes before its start");
                goto out;
            }
        }
        put_range(x, &cur.items, at, lo, hi);
    }
    end_operand(&cur, &last, &have_last, &la, start);
    if (la.b.n) {
        /* An intersection: every operand but the last as a lookahead. */
        obuf_t a = {0};
        ob_puts(&a, start, "|(?:");
        ob_cat(&a, &la, 0);
        cls_atom(&last, false, &a, start);
        ob_puts(&a, start, ")");
        cls_free(&last);
        last.alts = a;
        last.nalts = 1;
    }
    if (neg) cls_to_atom(&last, true, start);
    *res = last;
    last = (cls_t){0};
    ok = true;
out:
    cls_free(&cur);
    cls_free(&last);
    ob_free(&la);
    return ok;
}

/* ---- groups ---------------------------------------------------------- */

/* Record a new capturing group opening at off. */
static uint32_t new_group(jx_t *x, uint32_t off, pstr_t name) {
    rxj_t *t = x->t;
    if (t->ngroups == x->gcap) {
        x->gcap = x->gcap ? x->gcap * 2 : 8;
        t->groups = xrealloc(t->groups, x->gcap * sizeof *t->groups);
    }
    uint32_t parent = 0;
    for (uint32_t k = x->depth; k > 0 && !parent; k--) parent = x->open[k - 1].cap;
    t->groups[t->ngroups] = (rxj_group_t){off, parent, name};
    return ++t->ngroups;
}

/* Push a group that opened at off (cap: its number, or 0). */
static bool push_group(jx_t *x, uint32_t off, uint32_t cap) {
    if (x->depth >= RXJ_MAX_DEPTH) return fail(x, off, "groups are nested too deeply");
    x->open[x->depth++] = (open_group_t){off, cap, x->fl};
    return true;
}

/* (?<name>...) or (?P<name>...): the name starts at p[from]. */
static bool named_group(jx_t *x, uint32_t at, uint32_t from) {
    uint32_t j = from;
    /* Java wants a letter first; Sumo's own app queries extract into
     * built-in fields such as (?<_sourceHost>...), so '_' is allowed too. */
    if (j < x->n && (is_alpha(x->p[j]) || x->p[j] == '_'))
        while (j < x->n && is_name_char(x->p[j])) j++;
    if (j == from || j >= x->n || x->p[j] != '>')
        return fail(x, at, "a group name starts with a letter or '_' and holds letters, digits and '_': (?<user>...)");
    pstr_t name = pstr(x->p + from, j - from);
    for (uint32_t g = 0; g < x->t->ngroups; g++)
        if (pstr_eq(x->t->groups[g].name, name))
            return fail(x, at, "two groups are named <%.*s>", (int)name.n, name.p);
    if (x->depth >= RXJ_MAX_DEPTH) return fail(x, at, "groups are nested too deeply");
    ob_puts(&x->out, at, "(?<");
    ob_put(&x->out, at, name.p, name.n);
    ob_puts(&x->out, at, ">");
    x->i = j + 1;
    return push_group(x, at, new_group(x, at, name));
}

/* Java's inline flags: the letter, the state bit, the letter PCRE2 gets. */
static const struct {
    char c;
    uint8_t bit;
    char pcre;       /* 0: postern handles the flag itself */
} flag_defs[] = {
    {'i', FL_I, 'i'}, {'m', FL_M, 'm'}, {'s', FL_S, 's'}, {'d', FL_D, 0},
    {'u', FL_U, 0},   {'x', FL_X, 0},   {'U', FL_UC, 0},  {'c', 0, 0},
};

/* (?idmsuxU-idmsuxU) or (?flags:...) at `at`. */
static bool flag_group(jx_t *x, uint32_t at) {
    uint8_t on = 0, off = 0;
    bool minus = false;
    char pon[4] = "", poff[4] = "";
    size_t non = 0, noff = 0;
    uint32_t j = at + 2;
    for (; j < x->n && x->p[j] != ')' && x->p[j] != ':'; j++) {
        char c = x->p[j];
        if (c == '-') {
            minus = true;
            continue;
        }
        size_t k = 0;
        while (k < sizeof flag_defs / sizeof *flag_defs && flag_defs[k].c != c) k++;
        if (k == sizeof flag_defs / sizeof *flag_defs)
            return fail(x, j, "unknown inline flag '%c' (Java has i, d, m, s, u, x and U)", c);
        if (c == 'c') return fail(x, j, "(?c) (canonical equivalence) is not supported by postern");
        if (minus) off |= flag_defs[k].bit;
        else on |= flag_defs[k].bit;
        char pc = flag_defs[k].pcre;
        if (pc && minus && !memchr(poff, pc, noff)) poff[noff++] = pc;
        if (pc && !minus && !memchr(pon, pc, non)) pon[non++] = pc;
    }
    if (j >= x->n) return fail(x, at, "this flag group is not closed: ')' is missing");
    if (on & FL_UC) {
        if (x->started || x->depth)
            return fail(x, at, "(?U) (Unicode classes) is supported only at the start of the pattern");
        x->t->modes |= RXJ_UCP | RXJ_UTF;
        on |= FL_U;
    }
    if ((off & FL_UC) && (x->fl & FL_UC)) return fail(x, at, "(?-U) cannot end a (?U) in postern");
    bool scoped = x->p[j] == ':';
    char tmp[16];
    snprintf(tmp, sizeof tmp, "(?%.*s%s%.*s%s", (int)non, pon, noff ? "-" : "", (int)noff, poff, scoped ? ":" : ")");
    if (scoped || non || noff) ob_puts(&x->out, at, tmp);
    if (scoped && !push_group(x, at, 0)) return false;
    x->fl = (uint8_t)((x->fl | on) & ~(off & ~FL_UC));
    x->i = j + 1;
    return true;
}

/* The group opening at the read position. */
static bool open_group(jx_t *x) {
    uint32_t at = x->i;
    const char *p = x->p;
    char c1 = at + 1 < x->n ? p[at + 1] : 0, c2 = at + 2 < x->n ? p[at + 2] : 0, c3 = at + 3 < x->n ? p[at + 3] : 0;
    if (c1 == '*') return fail(x, at, "(*...) verbs are PCRE syntax, not Java");
    if (c1 != '?') {
        x->i++;
        if (x->depth >= RXJ_MAX_DEPTH) return fail(x, at, "groups are nested too deeply");
        ob_puts(&x->out, at, "(");
        return push_group(x, at, new_group(x, at, PSTR_NULL));
    }
    uint32_t len = 3;
    switch (c2) {
    case ':': break;
    case '=': not_re2(x, at, "lookahead"); break;
    case '!': not_re2(x, at, "negative lookahead"); break;
    case '>': not_re2(x, at, "atomic groups"); break;
    case '<':
        if (c3 != '=' && c3 != '!') return named_group(x, at, at + 3);
        not_re2(x, at, c3 == '=' ? "lookbehind" : "negative lookbehind");
        len = 4;
        break;
    case 'P':
        if (c3 == '<') return named_group(x, at, at + 4);
        if (c3 == '=') return fail(x, at, "(?P=name) is Python and PCRE syntax; Java writes \\k<name>");
        return fail(x, at, "recursion and (?P...) forms other than (?P<name>...) are not Java syntax");
    case '\'': return fail(x, at, "(?'name'...) is PCRE syntax; Java writes (?<name>...)");
    case '#': return fail(x, at, "(?#...) comments are PCRE syntax, not Java (Java has (?x) and #)");
    case '|': return fail(x, at, "branch reset groups (?|...) are PCRE syntax, not Java");
    case '(': return fail(x, at, "conditional groups (?(...)...) are PCRE syntax, not Java");
    case 'C': return fail(x, at, "callouts (?C...) are PCRE syntax, not Java");
    case 'R': case '&': case '+': return fail(x, at, "recursion (?R) is PCRE syntax, not Java");
    default:
        if (is_digit(c2) || (c2 == '-' && is_digit(c3))) return fail(x, at, "recursion (?R) is PCRE syntax, not Java");
        return flag_group(x, at);
    }
    ob_put(&x->out, at, p + at, len);
    x->i = at + len;
    return push_group(x, at, 0);
}

/* ---- the pattern ----------------------------------------------------- */

/* Length of a quantifier {n}, {n,} or {n,m} at p[i], or 0. */
static uint32_t brace_quant(const char *p, uint32_t n, uint32_t i) {
    uint32_t j = i + 1, d = 0;
    while (j < n && is_digit(p[j])) j++, d++;
    if (!d) return 0;
    if (j < n && p[j] == ',') {
        j++;
        while (j < n && is_digit(p[j])) j++;
    }
    return (j < n && p[j] == '}') ? j - i + 1 : 0;
}

/* A quantifier of length len at `at` (or, after one, a '+' or '?'). */
static bool quantifier(jx_t *x, uint32_t at, uint32_t len) {
    char c = x->p[at];
    if (x->last == LAST_QUANT && (c == '+' || c == '?') && len == 1) {
        if (c == '+') not_re2(x, at, "possessive quantifiers");
        x->last = LAST_MOD;
    } else if (x->last == LAST_ATOM) {
        x->last = LAST_QUANT;
    } else {
        return fail(x, at, "'%.*s' repeats nothing", (int)len, x->p + at);
    }
    ob_put(&x->out, at, x->p + at, len);
    x->i = at + len;
    return true;
}

/* One token outside classes. */
static bool token(jx_t *x) {
    uint32_t at = x->i;
    char c = x->p[at];
    item_t it;
    if (x->quoting) {
        if (c == '\\' && at + 1 < x->n && x->p[at + 1] == 'E') {
            x->quoting = false;
            x->i += 2;
            return true;
        }
        if (!read_utf8(x, &it.cp)) return false;
        put_cp(x, &x->out, at, it.cp);
        x->last = LAST_ATOM;
        return true;
    }
    uint32_t q = 0;
    if (c == '*' || c == '+' || c == '?') q = 1;
    else if (c == '{') q = brace_quant(x->p, x->n, at);
    if (q) return quantifier(x, at, q);
    uint8_t last = x->last;
    if (c != '(') x->started = true;
    x->last = LAST_ATOM;
    switch (c) {
    case '\\':
        if (!escape(x, false, &it, &x->out)) return false;
        if (it.kind == IT_CHAR) {
            put_cp(x, &x->out, at, it.cp);
        } else if (it.kind == IT_SET) {
            cls_t u = {0};
            cls_add_set(x, &u, at, &it.set);
            if (!u.nalts && single_escape(&u.items.b)) ob_cat(&x->out, &u.items, 0); /* \d, \P{Lu} */
            else cls_atom(&u, false, &x->out, at);
            cls_free(&u);
        } else if (x->quoting) {
            x->last = last; /* \Q itself is nothing: a\Q\E* repeats the a */
        }
        return true;
    case '(': {
        uint32_t depth = x->depth;
        if (!open_group(x)) return false;
        /* Nothing to repeat yet after '(' or a flag group; (?i) alone
         * opens nothing, so it does not count as a start for (?U). */
        if (x->depth != depth) x->started = true;
        x->last = LAST_NONE;
        return true;
    }
    case ')':
        if (!x->depth) return fail(x, at, "unmatched ')'");
        x->depth--;
        x->fl = x->open[x->depth].flags;
        ob_puts(&x->out, at, ")");
        x->i++;
        return true;
    case '[': {
        cls_t u = {0};
        bool ok = parse_class(x, 0, &u);
        if (ok) cls_atom(&u, false, &x->out, at);
        cls_free(&u);
        return ok;
    }
    case '|':
        x->last = LAST_NONE;
        break;
    case '.':
        x->i++;
        /* Under (?d) only \n ends a line; otherwise PCRE2's newline
         * convention (CR, LF, CRLF) is Java's. */
        ob_puts(&x->out, at, (x->fl & FL_D) && !(x->fl & FL_S) ? "[^\\n]" : ".");
        return true;
    case '^':
        x->i++;
        ob_puts(&x->out, at, (x->fl & FL_D) && (x->fl & FL_M) ? "(?:\\A|(?<=\\n)(?!\\z))" : "^");
        return true;
    case '$':
        x->i++;
        if (x->fl & FL_D) ob_puts(&x->out, at, (x->fl & FL_M) ? "(?=\\n|\\z)" : "(?=\\n?\\z)");
        else ob_puts(&x->out, at, "$");
        return true;
    case '{':
        /* Not a quantifier: a literal brace (as RE2 and PCRE2 read it). */
        x->i++;
        ob_puts(&x->out, at, "\\{");
        return true;
    default:
        if ((unsigned char)c >= 0x80) {
            if (!read_utf8(x, &it.cp)) return false;
            ob_put(&x->out, at, x->p + at, x->i - at);
            return true;
        }
        break;
    }
    ob_put(&x->out, at, x->p + at, 1);
    x->i++;
    return true;
}

/* See regex_java.h. */
bool rxj_translate(pstr_t pat, rxj_t *t) {
    memset(t, 0, sizeof *t);
    if (pat.n > UINT32_MAX / 2) {
        snprintf(t->err, sizeof t->err, "the pattern is too long");
        return false;
    }
    jx_t *x = xcalloc(1, sizeof *x);
    x->p = pat.p ? pat.p : "";
    x->n = (uint32_t)pat.n;
    x->t = t;
    bool ok = true;
    while (ok) {
        skip_space(x);
        if (x->i >= x->n) break;
        ok = token(x);
    }
    if (ok && x->depth) ok = fail(x, x->open[x->depth - 1].off, "this group is not closed: ')' is missing");
    if (ok && x->maxref > t->ngroups)
        ok = fail(x, x->maxref_off, "backreference \\%u, but the pattern has %u capturing group%s", (unsigned)x->maxref,
                  (unsigned)t->ngroups, t->ngroups == 1 ? "" : "s");
    if (ok) {
        ob_put(&x->out, x->n, "", 0);
        x->out.map[x->out.b.n] = x->n;
        t->out = x->out.b;
        t->map = x->out.map;
    } else {
        ob_free(&x->out);
    }
    free(x);
    return ok;
}

/* See regex_java.h. */
void rxj_free(rxj_t *t) {
    buf_free(&t->out);
    free(t->map);
    free(t->groups);
    t->out = (buf_t){0};
    t->map = NULL;
    t->groups = NULL;
    t->ngroups = 0;
}
