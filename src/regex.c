/* regex.c — Sumo's RE2 regex dialect on top of PCRE2 (see regex.h).
 *
 * rx_compile first scans the pattern for the PCRE-only constructs RE2 does
 * not have and rejects them with the offset of the construct, so a query
 * that postern accepts also runs in Sumo. The rest is plain PCRE2: compile,
 * JIT when available, and a match limit so a pathological pattern costs a
 * bounded amount of work per message instead of hanging the pipeline.
 *
 * Mode: patterns are byte-oriented (PCRE2's default 8-bit, no UTF) unless
 * they contain a non-ASCII byte or a \p / \P property, which need code
 * points; those compile with PCRE2_UTF | PCRE2_MATCH_INVALID_UTF so that
 * invalid UTF-8 in log lines never makes a match fail with an error.
 * `$` matches only at the very end of the subject (PCRE2_DOLLAR_ENDONLY),
 * as in RE2.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "regex.h"

#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"

/* Matching gives up after this many backtracking steps (PCRE2's own
 * default); rx_search then reports -1 and the caller counts it. */
#define RX_MATCH_LIMIT 10000000u
/* Scratch match data is created for at least this many groups. */
#define RX_MIN_PAIRS 64u

struct rx {
    pcre2_code *code;     /* compiled pattern, owned */
    uint32_t ngroups;     /* capture groups, not counting group 0 */
    uint32_t nnames;      /* named groups */
    uint32_t name_size;   /* bytes per name-table entry */
    PCRE2_SPTR names;     /* name table, inside code */
};

struct rx_scratch {
    pcre2_match_data *md;     /* ovector of `pairs` pairs, owned */
    uint32_t pairs;
    pcre2_match_context *mc;  /* match limit and JIT stack, owned */
    pcre2_jit_stack *js;      /* may be NULL when JIT is unavailable */
};

/* ---- the RE2 dialect check ------------------------------------------- */

/* A construct RE2 lacks: where it starts and what to say. */
typedef struct unsupported {
    size_t off;        /* byte offset in the pattern */
    const char *what;  /* the construct, e.g. "lookbehind" (static) */
} unsupported_t;

/* Length of a `{n}`, `{n,}` or `{n,m}` quantifier at p[i], or 0 when the
 * brace is a literal (as both PCRE2 and RE2 treat it). */
static size_t brace_quant_len(const char *p, size_t n, size_t i) {
    size_t j = i + 1, d = 0;
    while (j < n && p[j] >= '0' && p[j] <= '9') { j++; d++; }
    if (!d) return 0;
    if (j < n && p[j] == ',') {
        j++;
        while (j < n && p[j] >= '0' && p[j] <= '9') j++;
    }
    return (j < n && p[j] == '}') ? j - i + 1 : 0;
}

/* What follows `(?` at p[i] (i indexes the '?'): NULL when RE2 has it. */
static const char *group_kind(const char *p, size_t n, size_t i) {
    char c = i + 1 < n ? p[i + 1] : 0, c2 = i + 2 < n ? p[i + 2] : 0;
    switch (c) {
    case '=': return "lookahead";
    case '!': return "negative lookahead";
    case '<':
        if (c2 == '=') return "lookbehind";
        if (c2 == '!') return "negative lookbehind";
        return NULL; /* (?<name>...) */
    case '>': return "atomic groups";
    case '(': return "conditional groups";
    case '|': return "branch-reset groups";
    case '#': return "comment groups";
    case 'C': return "callouts";
    case 'R': case '&': case '+': return "recursion";
    case '-': return (c2 >= '0' && c2 <= '9') ? "recursion" : NULL;
    case 'P':
        if (c2 == '>') return "recursion";
        if (c2 == '=') return "backreferences";
        return NULL; /* (?P<name>...) */
    default:
        if (c >= '0' && c <= '9') return "recursion";
        return NULL;
    }
}

/* Scan pat for constructs RE2 does not support. Returns true and fills
 * *u for the first one found. */
static bool find_unsupported(pstr_t pat, unsupported_t *u) {
    const char *p = pat.p;
    size_t n = pat.n, i = 0;
    bool in_class = false;
    while (i < n) {
        char c = p[i];
        if (c == '\\') {
            char e = i + 1 < n ? p[i + 1] : 0;
            if (e == 'Q') { /* \Q...\E is literal text */
                size_t j = i + 2;
                while (j + 1 < n && !(p[j] == '\\' && p[j + 1] == 'E')) j++;
                i = j + 2;
                continue;
            }
            if (!in_class) {
                if (e >= '1' && e <= '9') { *u = (unsupported_t){i, "backreferences"}; return true; }
                if (e == 'k' || e == 'g') { *u = (unsupported_t){i, "backreferences"}; return true; }
                if (e == 'K') { *u = (unsupported_t){i, "\\K (match-start reset)"}; return true; }
            }
            i += 2;
            continue;
        }
        if (in_class) {
            if (c == '[' && i + 1 < n && (p[i + 1] == ':' || p[i + 1] == '.' || p[i + 1] == '=')) {
                char close = p[i + 1];
                size_t j = i + 2;
                while (j + 1 < n && !(p[j] == close && p[j + 1] == ']')) j++;
                i = j + 2;
                continue;
            }
            if (c == ']') in_class = false;
            i++;
            continue;
        }
        if (c == '[') {
            in_class = true;
            i++;
            if (i < n && p[i] == '^') i++;
            if (i < n && p[i] == ']') i++; /* a leading ']' is literal */
            continue;
        }
        if (c == '(') {
            if (i + 1 < n && p[i + 1] == '*') { *u = (unsupported_t){i, "backtracking verbs"}; return true; }
            if (i + 1 < n && p[i + 1] == '?') {
                const char *k = group_kind(p, n, i + 1);
                if (k) { *u = (unsupported_t){i, k}; return true; }
                i += 2; /* past "(?" so the '?' is not taken for a quantifier */
                continue;
            }
            i++;
            continue;
        }
        size_t qlen = 0;
        if (c == '*' || c == '+' || c == '?') qlen = 1;
        else if (c == '{') qlen = brace_quant_len(p, n, i);
        if (qlen && i + qlen < n && p[i + qlen] == '+') {
            *u = (unsupported_t){i + qlen, "possessive quantifiers"};
            return true;
        }
        i += qlen ? qlen : 1;
    }
    return false;
}

/* True when the pattern needs PCRE2's UTF mode (see the file comment). */
static bool needs_utf(pstr_t pat) {
    for (size_t i = 0; i < pat.n; i++) {
        unsigned char c = (unsigned char)pat.p[i];
        if (c >= 0x80) return true;
        if (c == '\\' && i + 1 < pat.n) {
            if (pat.p[i + 1] == 'p' || pat.p[i + 1] == 'P') return true;
            i++;
        }
    }
    return false;
}

/* ---- compile --------------------------------------------------------- */

/* See regex.h. */
rx_t *rx_compile(pstr_t pat, char *err, size_t errlen, size_t *erroff) {
    unsupported_t u;
    if (find_unsupported(pat, &u)) {
        if (err && errlen) snprintf(err, errlen, "RE2 (Sumo's regex engine) does not support %s", u.what);
        if (erroff) *erroff = u.off;
        return NULL;
    }
    uint32_t opts = PCRE2_DOLLAR_ENDONLY | PCRE2_NEVER_BACKSLASH_C;
    if (needs_utf(pat)) opts |= PCRE2_UTF | PCRE2_MATCH_INVALID_UTF;
    int ec = 0;
    PCRE2_SIZE eo = 0;
    PCRE2_SPTR sp = (PCRE2_SPTR)(pat.p ? pat.p : "");
    pcre2_code *code = pcre2_compile(sp, pat.n, opts, &ec, &eo, NULL);
    if (!code) {
        if (err && errlen) {
            PCRE2_UCHAR msg[256];
            if (pcre2_get_error_message(ec, msg, sizeof msg) < 0) strcpy((char *)msg, "invalid pattern");
            snprintf(err, errlen, "bad regex: %s", (const char *)msg);
        }
        if (erroff) *erroff = eo > pat.n ? pat.n : eo;
        return NULL;
    }
    /* JIT is an optimisation: without it (unsupported CPU, no executable
     * memory) pcre2_match interprets the pattern. */
    (void)pcre2_jit_compile(code, PCRE2_JIT_COMPLETE);
    rx_t *r = xcalloc(1, sizeof *r);
    r->code = code;
    pcre2_pattern_info(code, PCRE2_INFO_CAPTURECOUNT, &r->ngroups);
    pcre2_pattern_info(code, PCRE2_INFO_NAMECOUNT, &r->nnames);
    pcre2_pattern_info(code, PCRE2_INFO_NAMEENTRYSIZE, &r->name_size);
    pcre2_pattern_info(code, PCRE2_INFO_NAMETABLE, &r->names);
    return r;
}

/* See regex.h. */
void rx_free(rx_t *r) {
    if (!r) return;
    pcre2_code_free(r->code);
    free(r);
}

/* See regex.h. Group 0 (the whole match) is not counted. */
uint32_t rx_ngroups(const rx_t *r) { return r->ngroups; }

/* See regex.h. */
uint32_t rx_nnames(const rx_t *r) { return r->nnames; }

/* See regex.h. Names come in PCRE2's table order (sorted by name); the
 * view points into the compiled pattern and lives as long as r. */
pstr_t rx_name(const rx_t *r, uint32_t i, uint32_t *group) {
    if (i >= r->nnames) {
        if (group) *group = 0;
        return PSTR_NULL;
    }
    PCRE2_SPTR e = r->names + (size_t)i * r->name_size;
    if (group) *group = ((uint32_t)e[0] << 8) | e[1];
    return pstr_c((const char *)e + 2);
}

/* ---- matching -------------------------------------------------------- */

/* See regex.h. */
rx_scratch_t *rx_scratch_new(void) {
    rx_scratch_t *s = xcalloc(1, sizeof *s);
    s->mc = pcre2_match_context_create(NULL);
    if (!s->mc) {
        fprintf(stderr, "postern: out of memory (regex match context)\n");
        abort();
    }
    pcre2_set_match_limit(s->mc, RX_MATCH_LIMIT);
    s->js = pcre2_jit_stack_create(32 * 1024, 1024 * 1024, NULL);
    if (s->js) pcre2_jit_stack_assign(s->mc, NULL, s->js);
    return s;
}

/* See regex.h. */
void rx_scratch_free(rx_scratch_t *s) {
    if (!s) return;
    pcre2_match_data_free(s->md);
    pcre2_match_context_free(s->mc);
    pcre2_jit_stack_free(s->js);
    free(s);
}

/* See regex.h. The scratch's match data grows to fit the pattern, so a
 * pattern with many groups still reports all of them. */
int rx_search(const rx_t *r, rx_scratch_t *s, pstr_t str, size_t start, long *ovec, uint32_t n) {
    uint32_t need = r->ngroups + 1 > RX_MIN_PAIRS ? r->ngroups + 1 : RX_MIN_PAIRS;
    if (!s->md || s->pairs < need) {
        pcre2_match_data_free(s->md);
        s->md = pcre2_match_data_create(need, NULL);
        if (!s->md) {
            fprintf(stderr, "postern: out of memory (regex match data)\n");
            abort();
        }
        s->pairs = need;
    }
    if (start > str.n) return 0;
    PCRE2_SPTR subj = (PCRE2_SPTR)(str.p ? str.p : "");
    int rc = pcre2_match(r->code, subj, str.n, start, 0, s->md, s->mc);
    if (rc == PCRE2_ERROR_NOMATCH) return 0;
    if (rc == PCRE2_ERROR_MATCHLIMIT || rc == PCRE2_ERROR_DEPTHLIMIT || rc == PCRE2_ERROR_HEAPLIMIT ||
        rc == PCRE2_ERROR_JIT_STACKLIMIT)
        return -1;
    if (rc < 0) return 0;
    if (ovec) {
        /* Pairs at or past rc were not touched by this match (they may
         * hold a previous pattern's offsets); below rc, PCRE2_UNSET marks
         * a group that did not take part. */
        PCRE2_SIZE *ov = pcre2_get_ovector_pointer(s->md);
        uint32_t have = rc > 0 ? (uint32_t)rc : pcre2_get_ovector_count(s->md);
        for (uint32_t g = 0; g < n; g++) {
            if (g < have && ov[2 * g] != PCRE2_UNSET) {
                ovec[2 * g] = (long)ov[2 * g];
                ovec[2 * g + 1] = (long)ov[2 * g + 1];
            } else {
                ovec[2 * g] = ovec[2 * g + 1] = -1;
            }
        }
    }
    return 1;
}
