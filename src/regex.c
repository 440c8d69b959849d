/* regex.c — Sumo's regex dialect (Java's syntax) on top of PCRE2 (see regex.h).
 *
 * rx_compile hands the pattern to rxj_translate (regex_java.c), which
 * rewrites Java syntax into PCRE2 syntax, or refuses what PCRE2 would read
 * differently, with the offset of the construct. The rest is plain PCRE2:
 * compile, JIT when available, and match, depth and heap limits so a
 * pathological pattern costs a bounded amount of work and memory per
 * message instead of hanging the pipeline. Whether a test gives up depends
 * only on the pattern and the message, never on what other messages or
 * threads did: a message that gives up is counted (the caller's warning
 * says how many), every other message gets its exact answer. Since a
 * bounded cost per message is still hours over millions of hostile
 * messages, a pattern that gave up on the give-up budget's worth of
 * messages (rx_set_giveup_budget) stops the run with an error naming it:
 * an answer missing that many tests is not one to report.
 *
 * Mode: patterns are byte-oriented (PCRE2's default 8-bit, no UTF) unless
 * the translation says they need code points (non-ASCII text, \p, \h,
 * escapes above 0x7F, (?U)); those compile with PCRE2_UTF |
 * PCRE2_MATCH_INVALID_UTF so that invalid UTF-8 in log lines never makes a
 * match fail with an error. Lines end at CR, LF or CRLF (PCRE2's ANYCRLF),
 * Java's line terminators in ASCII: `.` matches neither, `$` also matches
 * before one that ends the subject, as in Java.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "regex.h"

#include <pcre2.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arena.h"
#include "buf.h"
#include "regex_java.h"
#include "tty.h"

/* Matching gives up after this many backtracking steps (a tenth of
 * PCRE2's default: ~3-4 ms of JIT code; real patterns over 10 KB lines
 * need tens of thousands at most); rx_search then reports -1 and the
 * caller counts it. */
#define RX_MATCH_LIMIT 1000000u
/* The interpreter (when JIT is unavailable) gives up at this nesting of
 * backtracking frames, and at this much heap for them (KiB); the JIT's
 * own bound is its stack (rx_scratch_new). */
#define RX_DEPTH_LIMIT 1000000u
#define RX_HEAP_LIMIT_KIB (64u * 1024u)
/* The default give-up budget: a pattern that reached a limit on this many
 * messages stops the run (~4 s of a pattern that always gives up). */
#define RX_GIVEUP_BUDGET 1000u
/* Scratch match data is created for at least this many groups. */
#define RX_MIN_PAIRS 64u

/* One capturing group, as the pattern wrote it. */
typedef struct rx_group {
    uint32_t off;      /* offset of its '(' in the pattern */
    uint32_t parent;   /* the innermost capturing group around it; 0 at the top */
    pstr_t name;       /* its name (bytes in rx.namebuf); n == 0 when unnamed */
} rx_group_t;

struct rx {
    pcre2_code *code;       /* compiled pattern, owned */
    uint32_t ngroups;       /* capture groups, not counting group 0 */
    rx_group_t *groups;     /* groups[g - 1] for group g (owned) */
    uint32_t *named;        /* numbers of the named groups, in pattern order (owned) */
    uint32_t nnames;
    char *namebuf;          /* the group names' bytes (owned) */
    const char *nonre2;     /* first construct RE2 lacks (static), or NULL */
    size_t nonre2_off;      /* its offset in the pattern */
    atomic_uint *gaveup;    /* messages it reached a limit on (owned; threads add to it) */
    char *pat;              /* the pattern as written, NUL-terminated (owned; for the error) */
    size_t patlen;
};

/* Messages a pattern may give up on before the run stops; 0: no bound.
 * Set before any thread matches (rx_set_giveup_budget). */
static unsigned giveup_budget = RX_GIVEUP_BUDGET;

struct rx_scratch {
    pcre2_match_data *md;     /* ovector of `pairs` pairs, owned */
    uint32_t pairs;
    pcre2_match_context *mc;  /* match, depth and heap limits and JIT stack, owned */
    pcre2_jit_stack *js;      /* may be NULL when JIT is unavailable */
};

/* ---- compile --------------------------------------------------------- */

/* Copy the translation's group table into r (names into one block). */
static void take_groups(rx_t *r, const rxj_t *t) {
    size_t bytes = 0;
    for (uint32_t g = 0; g < t->ngroups; g++) {
        bytes += t->groups[g].name.n;
        if (t->groups[g].name.n) r->nnames++;
    }
    r->groups = xcalloc(t->ngroups ? t->ngroups : 1, sizeof *r->groups);
    r->named = xcalloc(r->nnames ? r->nnames : 1, sizeof *r->named);
    r->namebuf = xmalloc(bytes ? bytes : 1);
    size_t at = 0;
    uint32_t k = 0;
    for (uint32_t g = 0; g < t->ngroups; g++) {
        const rxj_group_t *s = &t->groups[g];
        if (s->name.n) memcpy(r->namebuf + at, s->name.p, s->name.n);
        r->groups[g] = (rx_group_t){s->off, s->parent, s->name.n ? pstr(r->namebuf + at, s->name.n) : PSTR_NULL};
        at += s->name.n;
        if (s->name.n) r->named[k++] = g + 1;
    }
}

/* See regex.h. */
rx_t *rx_compile(pstr_t pat, char *err, size_t errlen, size_t *erroff) {
    rxj_t t;
    if (!rxj_translate(pat, &t)) {
        if (err && errlen) snprintf(err, errlen, "%s", t.err);
        if (erroff) *erroff = t.erroff;
        rxj_free(&t);
        return NULL;
    }
    uint32_t opts = PCRE2_NEVER_BACKSLASH_C;
    if (t.modes & RXJ_UTF) opts |= PCRE2_UTF | PCRE2_MATCH_INVALID_UTF;
    if (t.modes & RXJ_UCP) opts |= PCRE2_UCP;
    pcre2_compile_context *cc = pcre2_compile_context_create(NULL);
    if (!cc) {
        xoom("regex compile context");
    }
    pcre2_set_newline(cc, PCRE2_NEWLINE_ANYCRLF);
    int ec = 0;
    PCRE2_SIZE eo = 0;
    pcre2_code *code = pcre2_compile((PCRE2_SPTR)t.out.p, t.out.n, opts, &ec, &eo, cc);
    pcre2_compile_context_free(cc);
    if (!code) {
        if (err && errlen) {
            PCRE2_UCHAR msg[256];
            if (pcre2_get_error_message(ec, msg, sizeof msg) < 0) strcpy((char *)msg, "invalid pattern");
            snprintf(err, errlen, "bad regex: %s", (const char *)msg);
        }
        /* PCRE2's offset is in the translated pattern, just past what it
         * could not read (a \p{...} name, a {} quantifier): map the byte
         * before it back into the Java pattern. */
        if (erroff) *erroff = t.map[eo == 0 ? 0 : eo <= t.out.n ? eo - 1 : t.out.n];
        rxj_free(&t);
        return NULL;
    }
    /* JIT is an optimisation: without it (unsupported CPU, no executable
     * memory) pcre2_match interprets the pattern. */
    (void)pcre2_jit_compile(code, PCRE2_JIT_COMPLETE);
    rx_t *r = xcalloc(1, sizeof *r);
    r->gaveup = xcalloc(1, sizeof *r->gaveup);
    atomic_init(r->gaveup, 0);
    r->code = code;
    r->pat = xmalloc(pat.n + 1);
    if (pat.n) memcpy(r->pat, pat.p, pat.n);
    r->pat[pat.n] = '\0';
    r->patlen = pat.n;
    pcre2_pattern_info(code, PCRE2_INFO_CAPTURECOUNT, &r->ngroups);
    if (r->ngroups != t.ngroups) {
        /* The translation adds and drops no capturing group: a mismatch is
         * a bug in regex_java.c, and the fuzzer should see it. */
        fprintf(stderr, "postern: internal error: regex groups %u != %u\n", r->ngroups, t.ngroups);
        abort();
    }
    take_groups(r, &t);
    r->nonre2 = t.nonre2;
    r->nonre2_off = t.nonre2_off;
    rxj_free(&t);
    return r;
}

/* See regex.h. */
void rx_free(rx_t *r) {
    if (!r) return;
    pcre2_code_free(r->code);
    free(r->gaveup);
    free(r->pat);
    free(r->groups);
    free(r->named);
    free(r->namebuf);
    free(r);
}

/* See regex.h. Group 0 (the whole match) is not counted. */
uint32_t rx_ngroups(const rx_t *r) { return r->ngroups; }

/* See regex.h. */
uint32_t rx_nnames(const rx_t *r) { return r->nnames; }

/* See regex.h. Names come in pattern order; the view lives as long as r. */
pstr_t rx_name(const rx_t *r, uint32_t i, uint32_t *group) {
    if (i >= r->nnames) {
        if (group) *group = 0;
        return PSTR_NULL;
    }
    uint32_t g = r->named[i];
    if (group) *group = g;
    return r->groups[g - 1].name;
}

/* See regex.h. */
pstr_t rx_group_name(const rx_t *r, uint32_t g) {
    return g >= 1 && g <= r->ngroups ? r->groups[g - 1].name : PSTR_NULL;
}

/* See regex.h. */
size_t rx_group_off(const rx_t *r, uint32_t g) { return g >= 1 && g <= r->ngroups ? r->groups[g - 1].off : 0; }

/* See regex.h. */
uint32_t rx_group_parent(const rx_t *r, uint32_t g) {
    return g >= 1 && g <= r->ngroups ? r->groups[g - 1].parent : 0;
}

/* See regex.h. */
const char *rx_nonre2(const rx_t *r, size_t *off) {
    if (off) *off = r->nonre2_off;
    return r->nonre2;
}

/* ---- matching -------------------------------------------------------- */

/* See regex.h. */
rx_scratch_t *rx_scratch_new(void) {
    rx_scratch_t *s = xcalloc(1, sizeof *s);
    s->mc = pcre2_match_context_create(NULL);
    if (!s->mc) {
        xoom("regex match context");
    }
    pcre2_set_match_limit(s->mc, RX_MATCH_LIMIT);
    pcre2_set_depth_limit(s->mc, RX_DEPTH_LIMIT);
    pcre2_set_heap_limit(s->mc, RX_HEAP_LIMIT_KIB);
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

/* See regex.h. */
void rx_set_giveup_budget(unsigned n) { giveup_budget = n; }

/* The run stops: r gave up on n messages. One thread gets here (the one
 * whose test made the count reach the budget); _exit, since others may be
 * matching. The pattern is shown with its control bytes escaped. */
static _Noreturn void budget_spent(const rx_t *r, unsigned n) {
    buf_t b = {0};
    tty_escape(&b, pstr(r->pat, r->patlen > 200 ? 200 : r->patlen));
    fprintf(stderr,
            "postern: error: the regex /%.*s%s/ reached its match limit (%u backtracking steps) on %u messages; "
            "an answer missing that many tests would be wrong, so the run stops (simplify the pattern: nested or "
            "overlapping repetition such as (a|aa)+ or (x+)+ backtracks without end)\n",
            (int)b.n, b.p ? b.p : "", r->patlen > 200 ? "..." : "", RX_MATCH_LIMIT, n);
    _exit(2);
}

/* See regex.h. The scratch's match data grows to fit the pattern, so a
 * pattern with many groups still reports all of them. */
int rx_search(const rx_t *r, rx_scratch_t *s, pstr_t str, size_t start, long *ovec, uint32_t n) {
    uint32_t need = r->ngroups + 1 > RX_MIN_PAIRS ? r->ngroups + 1 : RX_MIN_PAIRS;
    if (!s->md || s->pairs < need) {
        pcre2_match_data_free(s->md);
        s->md = pcre2_match_data_create(need, NULL);
        if (!s->md) {
            xoom("regex match data");
        }
        s->pairs = need;
    }
    if (start > str.n) return 0;
    PCRE2_SPTR subj = (PCRE2_SPTR)(str.p ? str.p : "");
    int rc = pcre2_match(r->code, subj, str.n, start, 0, s->md, s->mc);
    if (rc == PCRE2_ERROR_NOMATCH) return 0;
    if (rc == PCRE2_ERROR_MATCHLIMIT || rc == PCRE2_ERROR_DEPTHLIMIT || rc == PCRE2_ERROR_HEAPLIMIT ||
        rc == PCRE2_ERROR_JIT_STACKLIMIT) {
        unsigned k = atomic_fetch_add_explicit(r->gaveup, 1, memory_order_relaxed) + 1;
        if (giveup_budget && k == giveup_budget) budget_spent(r, k);
        return -1;
    }
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
