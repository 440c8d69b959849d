/* keyword.c — scope keywords and phrases matched as terms of _raw.
 *
 * Part of evaluation (eval.c calls kw_match for EX_KEYWORD; prefilter.c
 * for raw lines). Sumo indexes a message as terms split at whitespace and
 * punctuation and matches keywords against them ignoring case; postern
 * keeps no index, so a keyword is matched against the message bytes with
 * the same effect (docs/semantics.md §1): literals compare ASCII-case-
 * insensitively, `*` is a run of word characters (it never crosses
 * punctuation: `com*services` does not match `com.test.services`), `?`
 * one word character, a whitespace run any whitespace run, and a keyword
 * that starts (ends) with a word character may not continue a term there.
 * In a keyword of several terms a wildcard stands for whole terms only (or
 * completes the first or last one): `jsmith@some*re.com` matches nothing.
 * Plain keywords are a bounded substring search; the others run a small
 * NFA over the message, after a substring test of their longest literal.
 */
#include "keyword.h"

#include <stdlib.h>
#include <string.h>

/* Element kinds of a compiled keyword. */
enum { K_LIT, K_WS, K_STAR, K_ONE };

/* NFA states kept on the stack; longer keywords allocate per match. */
#define KW_STACK_STATES 256

struct kwpat {
    uint32_t n;      /* elements */
    uint8_t *type;   /* K_LIT, K_WS, K_STAR or K_ONE per element (arena) */
    uint8_t *ch;     /* K_LIT: the byte, lower-cased (arena) */
    bool plain;      /* only literals: a bounded substring search of text */
    pstr_t text;     /* plain: the keyword's literal bytes (arena) */
    pstr_t longest;  /* the longest run of literals (for a quick reject) */
    bool left;       /* the first element is a word character: check the byte before */
    bool right;      /* the last element is a word character: check the byte after */
    int32_t partial; /* a bare keyword of several terms with a wildcard for part of an inner
                        term: its byte offset in the keyword (it matches nothing); else -1 */
};

static bool is_word(unsigned char ch) {
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '_' ||
           ch >= 0x80;
}

/* Java's whitespace characters in ASCII (the phrase normalisation of the
 * keyword-search page). */
static bool is_ws(unsigned char ch) { return ch == ' ' || (ch >= '\t' && ch <= '\r') || (ch >= 0x1c && ch <= 0x1f); }

static unsigned char lc(unsigned char ch) { return ch >= 'A' && ch <= 'Z' ? (unsigned char)(ch + 32) : ch; }

/* An element stands for a word character (for the boundary checks). */
static bool elem_wordy(const kwpat_t *k, uint32_t i) {
    return k->type[i] == K_ONE || (k->type[i] == K_LIT && is_word(k->ch[i]));
}

static int32_t partial_wildcard(pstr_t kw);

/* See keyword.h. */
kwpat_t *kw_compile(arena_t *a, pstr_t kw, bool quoted) {
    while (kw.n && is_ws((unsigned char)kw.p[0])) kw.p++, kw.n--;
    while (kw.n && is_ws((unsigned char)kw.p[kw.n - 1])) kw.n--;
    kwpat_t *k = arena_calloc(a, sizeof *k);
    k->type = arena_alloc(a, kw.n + 1);
    k->ch = arena_alloc(a, kw.n + 1);
    char *lits = arena_alloc(a, kw.n + 1);
    size_t nlit = 0, run = 0, best = 0, best_end = 0;
    for (size_t i = 0; i < kw.n; i++) {
        unsigned char c = (unsigned char)kw.p[i];
        uint8_t t = K_LIT;
        if (is_ws(c)) t = K_WS;
        else if (c == '*') t = K_STAR;
        else if (c == '?' && !quoted) t = K_ONE;
        /* A run of whitespace or of stars is one element. */
        if ((t == K_WS || t == K_STAR) && k->n && k->type[k->n - 1] == t) continue;
        k->type[k->n] = t;
        k->ch[k->n] = t == K_LIT ? lc(c) : 0;
        k->n++;
        if (t == K_LIT) {
            lits[nlit++] = (char)lc(c);
            if (++run > best) best = run, best_end = nlit;
        } else {
            run = 0;
            lits[nlit++] = 0; /* a break between runs */
        }
    }
    k->plain = true;
    for (uint32_t i = 0; i < k->n; i++) k->plain = k->plain && k->type[i] == K_LIT;
    k->text = pstr(lits, nlit);
    k->longest = pstr(lits + best_end - best, best);
    k->left = k->n && elem_wordy(k, 0);
    k->right = k->n && elem_wordy(k, k->n - 1);
    k->partial = quoted ? -1 : partial_wildcard(kw);
    return k;
}

/* The keyword search page: in a keyword of several terms (`jsmith@x.com`)
 * a wildcard "will only represent one individual full term": `jsmith@*.com`,
 * and one at the keyword's start or end completes the first or last term
 * (`com.*.services*`), but "not a partial term: jsmith@some*re.com".
 * Returns the offset of the first run of `*`/`?` inside the keyword that
 * touches a word character, or -1 (also for a keyword of one term, where
 * `*456*` is fine). */
static int32_t partial_wildcard(pstr_t kw) {
    bool several = false;
    for (size_t i = 0; i < kw.n; i++) {
        unsigned char c = (unsigned char)kw.p[i];
        if (!is_word(c) && c != '*' && c != '?') several = true;
    }
    if (!several) return -1;
    for (size_t i = 0; i < kw.n;) {
        if (kw.p[i] != '*' && kw.p[i] != '?') { i++; continue; }
        size_t j = i;
        while (j < kw.n && (kw.p[j] == '*' || kw.p[j] == '?')) j++;
        if (i > 0 && j < kw.n && (is_word((unsigned char)kw.p[i - 1]) || is_word((unsigned char)kw.p[j])))
            return (int32_t)i;
        i = j;
    }
    return -1;
}

/* See keyword.h. */
int32_t kw_partial_wildcard(const kwpat_t *k) { return k ? k->partial : -1; }

/* Offset of the first case-insensitive occurrence of seg in raw at or
 * after from whose ends are term boundaries where asked; -1 when none. */
static long find_bounded(pstr_t raw, size_t from, pstr_t seg, bool check_left, bool check_right) {
    while (from + seg.n <= raw.n) {
        long k = pstr_ifind(pstr(raw.p + from, raw.n - from), seg);
        if (k < 0) return -1;
        size_t s = from + (size_t)k, e = s + seg.n;
        bool left = !check_left || s == 0 || !is_word((unsigned char)raw.p[s - 1]);
        bool right = !check_right || e == raw.n || !is_word((unsigned char)raw.p[e]);
        if (left && right) return (long)s;
        from = s + 1;
    }
    return -1;
}

/* A set of NFA states: a list plus a membership mark per state. */
typedef struct kwset {
    uint32_t *list;  /* states in the set */
    uint32_t n;      /* how many */
    uint8_t *in;     /* in[j]: j is in the set */
} kwset_t;

/* Add state j and what it reaches without input (past a star). */
static void add(const kwpat_t *k, kwset_t *s, uint32_t j) {
    for (;;) {
        if (!s->in[j]) {
            s->in[j] = 1;
            s->list[s->n++] = j;
        }
        if (j < k->n && k->type[j] == K_STAR) j++;
        else return;
    }
}

static void clear(kwset_t *s) {
    for (uint32_t i = 0; i < s->n; i++) s->in[s->list[i]] = 0;
    s->n = 0;
}

/* The NFA run: states are "elements 0..j-1 matched"; a start is added at
 * every position where the left boundary allows one. */
static bool nfa_match(const kwpat_t *k, pstr_t raw, kwset_t *cur, kwset_t *nxt) {
    uint32_t n = k->n;
    for (size_t p = 0; p <= raw.n; p++) {
        if (!k->left || p == 0 || !is_word((unsigned char)raw.p[p - 1])) add(k, cur, 0);
        if (cur->in[n]) {
            /* Reached the end: the match ends before p. */
            if (!k->right || p == raw.n || !is_word((unsigned char)raw.p[p])) return true;
        }
        if (p == raw.n) break;
        unsigned char b = (unsigned char)raw.p[p];
        bool w = is_word(b), ws = is_ws(b);
        for (uint32_t i = 0; i < cur->n; i++) {
            uint32_t j = cur->list[i];
            if (j >= 1 && k->type[j - 1] == K_WS && ws) add(k, nxt, j); /* more whitespace */
            if (j == n) continue;
            switch (k->type[j]) {
            case K_LIT: if (lc(b) == k->ch[j]) add(k, nxt, j + 1); break;
            case K_WS: if (ws) add(k, nxt, j + 1); break;
            case K_STAR: if (w) add(k, nxt, j); break;
            default: if (w) add(k, nxt, j + 1); break; /* K_ONE */
            }
        }
        clear(cur);
        kwset_t t = *cur;
        *cur = *nxt;
        *nxt = t;
    }
    return false;
}

/* See keyword.h. */
bool kw_match(const kwpat_t *k, pstr_t raw) {
    if (k->partial >= 0) return false;
    if (k->n == 0) return true;
    if (k->plain) return find_bounded(raw, 0, k->text, k->left, k->right) >= 0;
    if (k->longest.n && pstr_ifind(raw, k->longest) < 0) return false;
    uint32_t ns = k->n + 1;
    uint32_t lbuf[2][KW_STACK_STATES];
    uint8_t mbuf[2][KW_STACK_STATES];
    uint32_t *heap = NULL;
    kwset_t a = {lbuf[0], 0, mbuf[0]}, b = {lbuf[1], 0, mbuf[1]};
    if (ns > KW_STACK_STATES) {
        heap = malloc((size_t)ns * 2 * (sizeof(uint32_t) + 1));
        if (!heap) return false;
        a.list = heap;
        b.list = heap + ns;
        a.in = (uint8_t *)(heap + 2 * (size_t)ns);
        b.in = a.in + ns;
    }
    memset(a.in, 0, ns);
    memset(b.in, 0, ns);
    bool r = nfa_match(k, raw, &a, &b);
    free(heap);
    return r;
}
