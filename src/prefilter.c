/* prefilter.c — filters pushed down to the raw bytes (see prefilter.h).
 *
 * pf_compile turns the scope and the leading `where` stages into a small
 * tree of three-valued tests on input fields. At run time a field's value
 * is found in the raw record without parsing it: in a JSON line by
 * searching for its key with memmem, in a CSV row by counting commas. Any
 * doubt — an escaped value, a key spelled in another case, a quoted CSV
 * cell — answers "maybe" and leaves the decision to the full parse.
 * When detect counts what each rule saw (pf_count), a dropped line is
 * also told apart: kept by the scope or not, which counted fields it
 * carries (their presence only); a line where that is unsure is left to
 * the reader instead.
 */
#include "prefilter.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "datetime.h"
#include "eval.h"
#include "keyword.h"
#include "scan.h"
#include "schema.h"
#include "value.h"

/* Node kinds. */
enum {
    PN_AND, PN_OR, PN_NOT,
    PN_IN,        /* field's text equals one of vals (strings, case-sensitive) */
    PN_NUMEQ,     /* field cast to a number equals num */
    PN_WILD,      /* field matches the wildcard pattern (icase for the scope) */
    PN_KEYWORD,   /* _raw holds the keyword as a term */
};

typedef struct pnode {
    uint8_t kind;
    bool icase;            /* PN_WILD: scope metadata match */
    struct pnode *a, *b;   /* operands */
    uint32_t slot;         /* index into pf.fields */
    pstr_t *vals;          /* PN_IN: the strings (borrowed from the query) */
    uint32_t nvals;
    cset_t set;            /* PN_IN: vals as a set */
    uint64_t *words;       /* its words (owned) */
    double num;            /* PN_NUMEQ */
    pstr_t pat;            /* PN_WILD pattern (borrowed) */
    const struct kwpat *kw;/* PN_KEYWORD: the compiled keyword (the query's) */
} pnode_t;

struct pf {
    pnode_t *root;
    uint32_t fields[32];   /* field ids read */
    char *keys[32];        /* their JSON key search strings: "name" (owned) */
    size_t keylen[32];
    pstr_t names[32];      /* their names (borrowed from the query's ftab) */
    uint32_t nfields;
    /* Alias keys ("dstPort" for dest_port, quoted; owned): a JSON record
     * with one fills the field in the reader, so it is left to the reader. */
    char *alias[16];
    size_t aliaslen[16];
    uint8_t abeg[32], acnt[32]; /* slot i's aliases: alias[abeg[i] .. abeg[i]+acnt[i]) */
    uint32_t nalias;
    bool alias_full;       /* an alias did not fit: JSON lines are never dropped */
    scan_probe_t probe;    /* first bytes of every key and alias (scan.h) */
    scan_probe_t probe2;   /* those of counted keys that did not fit probe (a second scan, when needed) */
    /* The first 8 bytes of each key (and alias), bit 0x20 set in each, to
     * reject most scan candidates with one compare. */
    uint64_t kfold[32], kmask[32], afold[16], amask[16];
    bool scan_ok;          /* scan_jsonl can find all of them */
    pstr_t category;       /* --category, or p == NULL */
    bool has_category;
    /* Counting what dropped lines hold (pf_count). */
    uint32_t nfilter;      /* slots the filters read (the first nfilter); the rest are only counted */
    uint8_t inprobe[32];   /* scan_jsonl finds slot i's key and aliases: 1 with probe, 2 with probe2, 0 not */
    pnode_t *scope;        /* the scope's own test (a node of root), NULL when it cannot be tested early */
    bool scope_all;        /* the query has no scope (or `*`): every line is in it */
    bool counting;         /* pf_count was called: dropped lines are counted */
    uint32_t cslot[IN_MAXTALLY]; /* slot of counted field i */
    uint32_t ncount, nkey; /* counted fields; the first nkey are the key ones */
    /* --from/--to (pf_compile_range): JSON lines and CSV rows certainly outside are dropped. */
    bool has_range;
    pf_range_t range;
    bool time_probe;       /* probe holds '_' and 't': the scan finds every time key there may be */
    uint64_t tfold[2], tmask[2]; /* fold8 of the time keys' names (_messagetime, timestamp) */
};

/* The time keys the range is tested on (lowercase; names ignore case). */
static const char tk_mt[] = "_messagetime", tk_ts[] = "timestamp";
#define TK_MTLEN (sizeof tk_mt - 1)
#define TK_TSLEN (sizeof tk_ts - 1)

static pnode_t *node(uint8_t kind) {
    pnode_t *n = xcalloc(1, sizeof *n);
    n->kind = kind;
    return n;
}

static void free_node(pnode_t *n) {
    if (!n) return;
    free_node(n->a);
    free_node(n->b);
    free(n->words);
    free(n->vals);
    free(n);
}

/* Slot of field id, added when new; -1 when the table is full or the field
 * cannot be found in the raw text (built-ins other than _sourceCategory). */
static int slot_of(pf_t *p, const query_t *q, uint32_t id) {
    if (id < F_NBUILTIN && id != F_SOURCECATEGORY) return -1;
    for (uint32_t i = 0; i < p->nfields; i++)
        if (p->fields[i] == id) return (int)i;
    if (p->nfields == 32) return -1;
    pstr_t name = ftab_name(&q->ft, id);
    p->fields[p->nfields] = id;
    p->names[p->nfields] = name;
    p->keys[p->nfields] = xmalloc(name.n + 3);
    p->keys[p->nfields][0] = '"';
    memcpy(p->keys[p->nfields] + 1, name.p, name.n);
    p->keys[p->nfields][name.n + 1] = '"';
    p->keys[p->nfields][name.n + 2] = 0;
    p->keylen[p->nfields] = name.n + 2;
    unsigned f;
    const char *al;
    p->abeg[p->nfields] = (uint8_t)p->nalias;
    for (unsigned k = 0; (al = schema_alias_at(k, &f)) != NULL; k++) {
        if (!pstr_ieq_c(name, schema_name(f))) continue;
        if (p->nalias == sizeof p->alias / sizeof p->alias[0]) {
            p->alias_full = true;
            continue;
        }
        size_t an = strlen(al);
        char *a = xmalloc(an + 3);
        a[0] = '"';
        memcpy(a + 1, al, an);
        a[an + 1] = '"';
        a[an + 2] = 0;
        p->alias[p->nalias] = a;
        p->aliaslen[p->nalias++] = an + 2;
        p->acnt[p->nfields]++;
    }
    return (int)p->nfields++;
}

/* A test from expression e, or NULL when e cannot be tested early.
 * assigned[id] marks fields an earlier stage may have changed. */
static pnode_t *build(pf_t *p, const query_t *q, const expr_t *e, const uint8_t *assigned) {
    switch (e->kind) {
    case EX_AND: case EX_OR: {
        /* A side that cannot be tested stays unknown (NULL): eval answers
         * "maybe" for it, so the node stays sound even under a NOT. */
        pnode_t *a = build(p, q, e->a, assigned), *b = build(p, q, e->b, assigned);
        if (!a && !b) return NULL;
        pnode_t *n = node(e->kind == EX_AND ? PN_AND : PN_OR);
        n->a = a;
        n->b = b;
        return n;
    }
    case EX_NOT: {
        pnode_t *a = build(p, q, e->a, assigned);
        if (!a) return NULL;
        pnode_t *n = node(PN_NOT);
        n->a = a;
        return n;
    }
    case EX_KEYWORD: {
        if (e->neg) return NULL;
        pnode_t *n = node(PN_KEYWORD);
        n->kw = e->kw;
        return n;
    }
    case EX_FIELDWILD: {
        if (assigned[e->field]) return NULL;
        int s = slot_of(p, q, e->field);
        if (s < 0) return NULL;
        pnode_t *n = node(PN_WILD);
        n->slot = (uint32_t)s;
        n->pat = e->str;
        n->icase = true;
        return n;
    }
    case EX_SUBQUERY: return e->a ? build(p, q, e->a, assigned) : NULL; /* composed before the run */
    case EX_IN: {
        const expr_t *l = e->b ? e->b : e; /* `in [subquery]`: the values it composed */
        if (e->b && !e->b->set) return NULL;
        if (e->neg || e->a->kind != EX_FIELD || assigned[e->a->field]) return NULL;
        for (uint32_t i = 0; i < l->nargs; i++)
            if (l->args[i]->kind != EX_STR) return NULL;
        int s = slot_of(p, q, e->a->field);
        if (s < 0) return NULL;
        pnode_t *n = node(PN_IN);
        n->slot = (uint32_t)s;
        n->vals = xmalloc((l->nargs ? l->nargs : 1) * sizeof *n->vals);
        for (uint32_t i = 0; i < l->nargs; i++) n->vals[i] = l->args[i]->str;
        n->nvals = l->nargs;
        n->words = xmalloc((n->nvals ? n->nvals : 1) * sizeof *n->words);
        cset_init(&n->set, n->vals, n->nvals, n->words);
        return n;
    }
    case EX_EQ: {
        const expr_t *f = e->a, *lit = e->b;
        if (f->kind != EX_FIELD) { f = e->b; lit = e->a; }
        if (f->kind != EX_FIELD || assigned[f->field]) return NULL;
        if (lit->kind != EX_STR && lit->kind != EX_NUM) return NULL;
        int s = slot_of(p, q, f->field);
        if (s < 0) return NULL;
        pnode_t *n = node(lit->kind == EX_STR ? PN_IN : PN_NUMEQ);
        n->slot = (uint32_t)s;
        if (lit->kind == EX_STR) {
            n->vals = xmalloc(sizeof *n->vals);
            n->vals[0] = lit->str;
            n->nvals = 1;
            n->words = xmalloc(sizeof *n->words);
            cset_init(&n->set, n->vals, n->nvals, n->words);
        } else {
            n->num = lit->num;
        }
        return n;
    }
    case EX_MATCHES: {
        if (e->a->kind != EX_FIELD || assigned[e->a->field] || e->b->kind != EX_STR) return NULL;
        int s = slot_of(p, q, e->a->field);
        if (s < 0) return NULL;
        pnode_t *n = node(PN_WILD);
        n->slot = (uint32_t)s;
        n->pat = e->b->str;
        if (!e->neg) return n;
        pnode_t *m = node(PN_NOT);
        m->a = n;
        return m;
    }
    default: return NULL;
    }
}

/* Cost of evaluating a node, for ordering: a field test needs one key
 * search, a keyword a search of the whole line. Unknown parts cost
 * nothing (they answer "maybe" at once). */
static int cost(const pnode_t *n) {
    if (!n) return 0;
    switch (n->kind) {
    case PN_AND: case PN_OR: return cost(n->a) + cost(n->b);
    case PN_NOT: return cost(n->a);
    case PN_IN: case PN_NUMEQ: return 2;   /* and the most selective kind */
    case PN_WILD: return 3;
    default: return 8;
    }
}

/* Put the cheaper operand of every AND and OR first: the other is then
 * often not evaluated at all. Order does not change the answer. */
static void order(pnode_t *n) {
    if (!n) return;
    order(n->a);
    order(n->b);
    if ((n->kind == PN_AND || n->kind == PN_OR) && n->a && n->b && cost(n->b) < cost(n->a)) {
        pnode_t *t = n->a;
        n->a = n->b;
        n->b = t;
    }
}

/* The first bytes (up to 8) of s[0..n) as a little-endian word with bit
 * 0x20 set in every byte; *mask covers the bytes there are. Two strings
 * equal but for letter case give equal words. */
static uint64_t fold8(const char *s, size_t n, uint64_t *mask) {
    uint64_t w = 0;
    size_t m = n < 8 ? n : 8;
    for (size_t i = 0; i < m; i++) w |= (uint64_t)((uint8_t)s[i] | 0x20) << (8 * i);
    *mask = m == 8 ? ~(uint64_t)0 : (((uint64_t)1 << (8 * m)) - 1);
    return w;
}

/* The vector scan's probe and each key's first-word test, for the slots
 * there are. One vector pass per line finds every key of the filters
 * when their first bytes fit the probe (an empty key "" never does);
 * keys only counted (pf_count) join it when there is room, else they are
 * searched for one by one (inprobe). */
static bool probe_slot(const pf_t *p, uint32_t i, scan_probe_t *pr) {
    scan_probe_t t = *pr; /* (all of the slot's bytes or none) */
    bool in = p->keylen[i] >= 3 && scan_probe_add(&t, p->keys[i][1]);
    for (uint32_t a = p->abeg[i]; a < (uint32_t)p->abeg[i] + p->acnt[i] && in; a++)
        in = scan_probe_add(&t, p->alias[a][1]);
    if (in) *pr = t;
    return in;
}

static void prepare_keys(pf_t *p) {
    memset(&p->probe, 0, sizeof p->probe);
    memset(&p->probe2, 0, sizeof p->probe2);
    p->scan_ok = true;
    for (uint32_t i = 0; i < p->nfields; i++) {
        /* A counted key that does not fit the filters' probe gets the
         * second one (scanned only for the lines it is asked of), not a
         * search of the line for the key and each of its aliases. */
        p->inprobe[i] = probe_slot(p, i, &p->probe) ? 1 : i >= p->nfilter && probe_slot(p, i, &p->probe2) ? 2 : 0;
        if (!p->inprobe[i] && i < p->nfilter) p->scan_ok = false;
        p->kfold[i] = fold8(p->keys[i], p->keylen[i], &p->kmask[i]);
    }
    for (uint32_t i = 0; i < p->nalias; i++) p->afold[i] = fold8(p->alias[i], p->aliaslen[i], &p->amask[i]);
    /* The time keys join the probe when there is room left (the filters' keys first). */
    scan_probe_t t = p->probe;
    p->time_probe = p->has_range && scan_probe_add(&t, '_') && scan_probe_add(&t, 't');
    if (p->time_probe) p->probe = t;
    p->tfold[0] = fold8(tk_mt, TK_MTLEN, &p->tmask[0]);
    p->tfold[1] = fold8(tk_ts, TK_TSLEN, &p->tmask[1]);
}

/* See prefilter.h. */
pf_t *pf_compile(const query_t *q, const char *category) { return pf_compile_range(q, category, NULL); }

/* See prefilter.h. */
pf_t *pf_compile_range(const query_t *q, const char *category, const pf_range_t *range) {
    pf_t *p = xcalloc(1, sizeof *p);
    if (range && (range->has_from || range->has_to)) {
        p->has_range = true;
        p->range = *range;
    }
    if (category) {
        p->category = pstr_c(category);
        p->has_category = true;
    }
    uint8_t *assigned = xcalloc(q->ft.n + 1, 1);
    pnode_t *root = q->scope ? build(p, q, q->scope, assigned) : NULL;
    p->scope = root;
    p->scope_all = !q->scope || q->scope->kind == EX_ALL;
    for (uint32_t i = 0; i < q->nst; i++) {
        const stage_t *s = &q->st[i];
        bool stop = false;
        switch (s->kind) {
        case ST_WHERE: {
            pnode_t *n = build(p, q, s->e, assigned);
            if (n) {
                if (root) {
                    pnode_t *a = node(PN_AND);
                    a->a = root;
                    a->b = n;
                    root = a;
                } else {
                    root = n;
                }
            }
            break;
        }
        case ST_ASSIGN: case ST_TIMESLICE: assigned[s->as] = 1; break;
        case ST_PARSE: case ST_PARSE_REGEX: case ST_LOOKUP: case ST_FIELDS:
            if (s->kind == ST_LOOKUP && !s->nflds) stop = true; /* lookup *: the table names the fields */
            for (uint32_t k = 0; k < s->nflds; k++) assigned[s->flds[k]] = 1;
            break;
        case ST_JSON:
            if (s->json_auto) stop = true;
            for (uint32_t k = 0; k < s->nflds; k++) assigned[s->flds[k]] = 1;
            break;
        default: stop = true; break; /* aggregate, top, sort, limit */
        }
        if (stop) break;
    }
    free(assigned);
    if (!root && !p->has_range) {
        pf_free(p);
        return NULL;
    }
    order(root);
    p->root = root;
    p->nfilter = p->nfields;
    prepare_keys(p);
    return p;
}

/* See prefilter.h. */
bool pf_count(pf_t *p, const query_t *q, const uint32_t *ids, uint32_t n, uint32_t nkey) {
    if (n > IN_MAXTALLY || nkey > n) return false;
    for (uint32_t i = 0; i < n; i++) {
        int s = slot_of(p, q, ids[i]);
        if (s < 0) return false;
        p->cslot[i] = (uint32_t)s;
    }
    p->ncount = n;
    p->nkey = nkey;
    p->counting = true;
    prepare_keys(p);
    return true;
}

/* See prefilter.h. */
void pf_free(pf_t *p) {
    if (!p) return;
    free_node(p->root);
    for (uint32_t i = 0; i < p->nfields; i++) free(p->keys[i]);
    for (uint32_t i = 0; i < p->nalias; i++) free(p->alias[i]);
    free(p);
}

/* See prefilter.h. */
uint32_t pf_nfields(const pf_t *p) { return p->nfields; }

/* See prefilter.h. */
uint32_t pf_field(const pf_t *p, uint32_t i) { return p->fields[i]; }

/* ---- evaluation ------------------------------------------------------ */

/* A field's raw value: state, then the bytes when state is V_FOUND. */
/* V_PRESENT: a string whose escapes are the reader's to decode: its
 * value is unknown, but the field is there (not null). */
enum { V_ABSENT, V_FOUND, V_NULLV, V_UNSURE, V_PRESENT };

typedef struct rawval {
    uint8_t state;
    pstr_t v;
} rawval_t;

static bool is_ws(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

/* Nesting depth of objects and arrays at s[pos] (strings skipped). */
static int depth_at(const char *s, size_t pos) {
    int d = 0;
    bool str = false;
    for (size_t i = 0; i < pos; i++) {
        char c = s[i];
        if (str) {
            if (c == '\\') i++;
            else if (c == '"') str = false;
        } else if (c == '"') str = true;
        else if (c == '{' || c == '[') d++;
        else if (c == '}' || c == ']') d--;
    }
    return d;
}

/* Where the first inner '{' or '[' of a line is, found lazily: only the
 * bytes before a key found so far are searched (or all at once by
 * scan_jsonl). */
typedef struct nest {
    size_t upto;     /* s[1..upto) searched */
    size_t first;    /* position of the first inner bracket, or SIZE_MAX */
} nest_t;

/* True when s[k] might be inside an inner object or array. */
static bool maybe_inner(const char *s, size_t k, nest_t *nt) {
    if (nt->first == SIZE_MAX && nt->upto < k) {
        const char *m = str_find2(s + nt->upto, k - nt->upto, '{', '[');
        if (m) nt->first = (size_t)(m - s);
        nt->upto = k;
    }
    return nt->first < k;
}

/* a[0..n) == b[0..n), word by word: keys are short, a libc call costs
 * more than the compare. */
static bool same_bytes(const char *a, const char *b, size_t n) {
    uint64_t x, y;
    if (n < 8) {
        for (; n; n--)
            if (*a++ != *b++) return false;
        return true;
    }
    for (; n > 8; n -= 8, a += 8, b += 8) {
        memcpy(&x, a, 8);
        memcpy(&y, b, 8);
        if (x != y) return false;
    }
    /* the last (up to) 8 bytes: the 8 that end there, again in part */
    memcpy(&x, a + n - 8, 8);
    memcpy(&y, b + n - 8, 8);
    return x == y;
}

/* Where the first '"' or '\\' of q[0..e-q) is, or e: a word at a time
 * (the values tested are short, and a byte loop mispredicts its end). */
static const char *quote_or_bs(const char *q, const char *e) {
    const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
    for (; e - q >= 8; q += 8) {
        uint64_t w, a, b;
        memcpy(&w, q, 8);
        a = w ^ (ones * '"');
        b = w ^ (ones * '\\');
        /* a zero byte of a or b: its high bit set here (the lowest one exactly) */
        uint64_t m = ((a - ones) & ~a & highs) | ((b - ones) & ~b & highs);
        if (m) return q + (__builtin_ctzll(m) >> 3);
    }
    while (q < e && *q != '"' && *q != '\\') q++;
    return q;
}

/* How s[k..k+wn) compares with w: 0 different, 1 the same bytes, 2 the
 * same but for letter case. */
static int ieq_at(const char *s, size_t n, size_t k, const char *w, size_t wn) {
    if (k + wn > n) return 0;
    if (same_bytes(s + k, w, wn)) return 1;
    return pstr_ieq(pstr(s + k, wn), pstr(w, wn)) ? 2 : 0;
}

/* The 8 bytes at s[k] (fewer near n, zero-padded), bit 0x20 set in each. */
static uint64_t word_at(const char *s, size_t n, size_t k) {
    uint64_t w = 0;
    if (k + 8 <= n) {
        memcpy(&w, s + k, 8);
    } else {
        unsigned char b[8] = {0};
        memcpy(b, s + k, n - k);
        memcpy(&w, b, 8);
    }
    return w | 0x2020202020202020ull;
}

/* What key_at found at a candidate position. */
enum { K_NOT, K_FOUND, K_UNSURE };

/* Is s[k] the start of a member key of klen bytes (with its quotes, equal
 * to the key sought; exact: spelled the same, not just the same but for
 * case) of the line's top object? K_FOUND sets *r to its value (V_FOUND or
 * V_NULLV, V_PRESENT for a string with escapes, V_UNSURE for anything
 * unusual) and *next past it. With presence, only whether a value is
 * there is told (V_PRESENT, V_NULLV), without reading it. */
static int key_at(const char *s, size_t n, size_t k, size_t klen, bool exact, bool presence, nest_t *nt,
                  rawval_t *r, size_t *next) {
    const char *e = s + n;
    /* A key: after '{' or ',' (and blanks), followed by blanks and ':'. */
    size_t b = k;
    while (b > 0 && is_ws(s[b - 1])) b--;
    if (b == 0 || (s[b - 1] != '{' && s[b - 1] != ',')) return K_NOT;
    const char *c = s + k + klen;
    while (c < e && is_ws(*c)) c++;
    if (c >= e || *c != ':') return K_NOT;
    /* With objects or arrays before it, the key may belong to an inner one. */
    if (maybe_inner(s, k, nt) && depth_at(s, k) != 1) return K_NOT;
    /* Spelled otherwise (DEST_PORT): which one the reader keeps is the
     * reader's business. */
    if (!exact) return K_UNSURE;
    c++;
    while (c < e && is_ws(*c)) c++;
    if (c >= e) return K_UNSURE;
    if (presence && *c != '{' && *c != '[') {
        bool null = (size_t)(e - c) >= 4 && memcmp(c, "null", 4) == 0;
        *r = (rawval_t){null ? V_NULLV : V_PRESENT, PSTR_NULL};
        *next = (size_t)(c - s) + 1;
        return K_FOUND;
    }
    if (*c == '"') {
        /* Values tested are short: a word at a time beats two memchr calls. */
        const char *q = quote_or_bs(c + 1, e);
        if (q >= e) return K_UNSURE;
        if (*q == '\\') {
            /* An escape: the value is the reader's to decode; skip past it. */
            while (q < e && *q != '"') q += *q == '\\' ? 2 : 1;
            if (q >= e) return K_UNSURE;
            *r = (rawval_t){V_PRESENT, PSTR_NULL};
        } else {
            *r = (rawval_t){V_FOUND, pstr(c + 1, (size_t)(q - c - 1))};
        }
        *next = (size_t)(q + 1 - s);
    } else if (*c == '{' || *c == '[') {
        *r = (rawval_t){V_UNSURE, PSTR_NULL};
        *next = (size_t)(c - s);
    } else {
        const char *q = c;
        while (q < e && *q != ',' && *q != '}' && !is_ws(*q)) q++;
        pstr_t t = pstr(c, (size_t)(q - c));
        if (pstr_eq(t, PSTR_LIT("null"))) *r = (rawval_t){V_NULLV, PSTR_NULL};
        else *r = (rawval_t){V_FOUND, t};
        *next = (size_t)(q - s);
    }
    return K_FOUND;
}

/* True when s[0..n) holds a \u escape: a 'u' after an odd run of
 * backslashes ("\\\\u" is an escaped backslash and a plain u). */
static bool has_u_escape(const char *s, size_t n) {
    const char *p = s, *e = s + n;
    while ((p = memchr(p, '\\', (size_t)(e - p))) != NULL) {
        const char *q = p;
        while (q < e && *q == '\\') q++;
        if (((q - p) & 1) && q < e && *q == 'u') return true;
        p = q;
    }
    return false;
}

/* The value of the field in slot in a JSON object line s[0..n); V_UNSURE
 * for anything unusual. The last top-level occurrence wins, as in the
 * reader. With sl (a scan_jsonl of the line), only its candidate
 * positions are looked at; without it, each key is searched for. A slot
 * only counted (pf_count) is looked at for its presence only (key_at). */
static rawval_t json_value(const pf_t *p, uint32_t slot, const char *s, size_t n, const scan_line_t *sl,
                           nest_t *nt) {
    bool presence = slot >= p->nfilter;
    rawval_t r = {V_ABSENT, PSTR_NULL};
    const char *key = p->keys[slot];
    size_t klen = p->keylen[slot], next = 0;
    uint32_t abeg = p->abeg[slot], aend = abeg + p->acnt[slot];
    if (sl) {
        for (unsigned c = 0; c < sl->ncand; c++) {
            size_t k = sl->cand[c];
            if (k < next) continue; /* inside the value just read */
            uint64_t w = word_at(s, n, k);
            for (uint32_t a = abeg; a < aend; a++)
                if (!((w ^ p->afold[a]) & p->amask[a]) && ieq_at(s, n, k, p->alias[a], p->aliaslen[a]))
                    return (rawval_t){V_UNSURE, PSTR_NULL};
            if ((w ^ p->kfold[slot]) & p->kmask[slot]) continue;
            int same = ieq_at(s, n, k, key, klen);
            if (!same) continue;
            int got = key_at(s, n, k, klen, same == 1, presence, nt, &r, &next);
            if (got == K_UNSURE) return (rawval_t){V_UNSURE, PSTR_NULL};
        }
    } else {
        for (uint32_t a = abeg; a < aend; a++)
            if (str_search(pstr(s, n), pstr(p->alias[a], p->aliaslen[a]), true)) return (rawval_t){V_UNSURE, PSTR_NULL};
        while (next < n) {
            /* Any spelling of the key is the same field (names ignore case). */
            const char *k = str_search(pstr(s + next, n - next), pstr(key, klen), true);
            if (!k) break;
            size_t at = (size_t)(k - s);
            next = at + 1;
            int got = key_at(s, n, at, klen, memcmp(k, key, klen) == 0, presence, nt, &r, &next);
            if (got == K_UNSURE) return (rawval_t){V_UNSURE, PSTR_NULL};
        }
    }
    /* A key written with \u escapes ("dest\u005fport", "dst\u0050ort") is
     * still the field, found or not here, and may come last: a line with
     * a \u escape anywhere is the reader's. */
    if ((!sl || sl->u_esc) && has_u_escape(s, n)) return (rawval_t){V_UNSURE, PSTR_NULL};
    return r;
}

#define CSV_MAXCOLS 256

typedef struct evctx {
    const pf_t *p;
    rawval_t vals[32];
    uint32_t have;        /* bit i: vals[i] computed */
    const char *s;        /* the record text */
    size_t n;
    bool jsonl;
    const int *col;       /* CSV */
    unsigned ncol;
    int raw_unsure;       /* _raw may not be the record text: -1 not yet known */
    const uint32_t *comma; /* CSV: positions of the first CSV_MAXCOLS commas */
    long ncomma;          /* CSV: number of commas in the row */
    nest_t nest;          /* JSON: inner objects seen so far */
    const scan_line_t *sl; /* JSON: the line's scan, NULL to search key by key */
    size_t i0;            /* JSON: the line's '{' */
    int sl2;              /* JSON: the scan with probe2: -1 not made, 0 overflowed, 1 in sl2buf */
    scan_line_t sl2buf;
    int tcol;             /* CSV: the time column, -1 when unknown */
    bool tms;             /* CSV: it holds epoch ms */
} evctx_t;

/* CSV: the text of column k, from the comma positions found by pf_csv
 * (a row with quotes never gets here: the reader decides those). */
static rawval_t csv_value(const evctx_t *x, int k) {
    if (k < 0) return (rawval_t){V_ABSENT, PSTR_NULL};
    if ((long)k > x->ncomma) return (rawval_t){V_UNSURE, PSTR_NULL}; /* too few cells: the reader rejects it */
    if (k >= CSV_MAXCOLS) return (rawval_t){V_UNSURE, PSTR_NULL}; /* its commas were not stored */
    size_t b = k ? x->comma[k - 1] + 1 : 0;
    size_t e = (long)k < x->ncomma ? x->comma[k] : x->n;
    if ((long)k >= x->ncomma && e > b && x->s[e - 1] == '\r') e--;
    return (rawval_t){V_FOUND, pstr(x->s + b, e - b)};
}

/* Start x on the record s[0..n). Only what is read before it is written
 * is set: vals[] (and the CSV comma table) stay uninitialised, as they
 * are per line and large. */
static void ev_init(evctx_t *x, const pf_t *p, const char *s, size_t n, bool jsonl) {
    x->p = p;
    x->s = s;
    x->n = n;
    x->have = 0;
    x->jsonl = jsonl;
    x->col = NULL;
    x->ncol = 0;
    x->raw_unsure = -1;
    x->comma = NULL;
    x->ncomma = 0;
    x->nest = (nest_t){1, SIZE_MAX};
    x->sl = NULL;
    x->i0 = 0;
    x->sl2 = -1;
    x->tcol = -1;
    x->tms = false;
}

/* The line's scan for slot's key: the first one, or the one with probe2
 * (made on first use); NULL to search key by key. */
static const scan_line_t *scan_for(evctx_t *x, uint32_t slot) {
    if (!x->sl || !x->p->inprobe[slot]) return NULL;
    if (x->p->inprobe[slot] == 1) return x->sl;
    if (x->sl2 < 0) {
        scan_jsonl(&x->p->probe2, x->s, x->sl->len, x->i0 + 1, &x->sl2buf);
        x->sl2 = !x->sl2buf.overflow;
    }
    return x->sl2 ? &x->sl2buf : NULL;
}

/* The raw value of the field in slot, found once per record. (The value
 * is returned from the register it was computed in, not reloaded from
 * vals[]: a reload right after the store stalls.) */
static rawval_t value_of(evctx_t *x, uint32_t slot) {
    if (x->have >> slot & 1) return x->vals[slot];
    const scan_line_t *sl = x->jsonl ? scan_for(x, slot) : NULL;
    rawval_t r = x->jsonl ? json_value(x->p, slot, x->s, x->n, sl, &x->nest) : csv_value(x, x->col[slot]);
    /* An absent _sourceCategory takes --category. */
    if (r.state == V_ABSENT && x->p->fields[slot] == F_SOURCECATEGORY && x->p->has_category)
        r = (rawval_t){V_FOUND, x->p->category};
    x->vals[slot] = r;
    x->have |= 1u << slot;
    return r;
}

static pf_ans_t not3(pf_ans_t a) { return a == PF_MAYBE ? PF_MAYBE : (a == PF_YES ? PF_NO : PF_YES); }

static pf_ans_t eval(evctx_t *x, const pnode_t *nd) {
    if (!nd) return PF_MAYBE; /* a part that cannot be tested early */
    switch (nd->kind) {
    case PN_AND: {
        pf_ans_t a = eval(x, nd->a);
        if (a == PF_NO) return PF_NO;
        pf_ans_t b = eval(x, nd->b);
        if (b == PF_NO) return PF_NO;
        return a == PF_YES && b == PF_YES ? PF_YES : PF_MAYBE;
    }
    case PN_OR: {
        pf_ans_t a = eval(x, nd->a);
        if (a == PF_YES) return PF_YES;
        pf_ans_t b = eval(x, nd->b);
        if (b == PF_YES) return PF_YES;
        return a == PF_NO && b == PF_NO ? PF_NO : PF_MAYBE;
    }
    case PN_NOT: return not3(eval(x, nd->a));
    case PN_KEYWORD:
        /* A JSON record with its own _raw key is searched there, not here. */
        if (x->raw_unsure < 0)
            x->raw_unsure = str_search(pstr(x->s, x->n), PSTR_LIT("_raw\""), true) != NULL;
        if (x->raw_unsure) return PF_MAYBE;
        return kw_match(nd->kw, pstr(x->s, x->n)) ? PF_YES : PF_NO;
    default: break;
    }
    rawval_t v = value_of(x, nd->slot);
    if (v.state == V_UNSURE || v.state == V_PRESENT) return PF_MAYBE;
    if (v.state != V_FOUND) return PF_NO; /* null never matches, never equals */
    switch (nd->kind) {
    case PN_IN: return cset_has(&nd->set, v.v) ? PF_YES : PF_NO;
    case PN_NUMEQ: {
        double d;
        return str_to_num(v.v, &d) && d == nd->num ? PF_YES : PF_NO;
    }
    case PN_WILD: return str_wildmatch(nd->pat, v.v, nd->icase) ? PF_YES : PF_NO;
    default: return PF_MAYBE;
    }
}

/* A line the filters drop, when the prefilter counts (pf_count): whether
 * the scope keeps it and which counted fields it carries go to t (NULL:
 * not recorded). Returns false, counting nothing, when any of that is
 * unsure or the line carries none of the key fields: the line is then
 * left to the reader, and the engine counts it from the parsed record. */
static bool tally(evctx_t *x, in_tally_t *t, bool *scoped) {
    const pf_t *p = x->p;
    pf_ans_t in = p->scope_all ? PF_YES : eval(x, p->scope);
    if (in == PF_MAYBE) return false;
    *scoped = in == PF_YES;
    uint32_t have = 0;
    bool key = p->nkey == 0;
    for (uint32_t i = 0; i < p->ncount; i++) {
        rawval_t v = value_of(x, p->cslot[i]);
        if (v.state == V_UNSURE) return false;
        if (v.state == V_FOUND || v.state == V_PRESENT) {
            have |= 1u << i;
            if (i < p->nkey) key = true;
        }
    }
    if (!key) return false;
    if (t) {
        t->in_scope += in == PF_YES;
        for (uint32_t i = 0; i < p->ncount; i++)
            if (have >> i & 1) {
                t->with[i]++;
                t->with_in_scope[i] += in == PF_YES;
            }
    }
    return true;
}

/* ---- the time range --------------------------------------------------- */

/* The time keys of a JSON line: the places a key spelled _messageTime
 * (any case; _messageTimeMs too) or timestamp may start, as positions of
 * the name after its quote, and how many of each there are. */
typedef struct tkeys {
    unsigned nmt, nts;
    size_t mt, ts;
} tkeys_t;

/* Note s[at..) (a name's first byte after a '"') in k when it is one. */
static void tkey_at(const pf_t *p, const char *s, size_t n, size_t at, tkeys_t *k) {
    uint64_t w = word_at(s, n, at);
    if (!((w ^ p->tfold[0]) & p->tmask[0]) && at + TK_MTLEN <= n &&
        pstr_ieq(pstr(s + at, TK_MTLEN), pstr(tk_mt, TK_MTLEN))) {
        k->nmt++;
        k->mt = at;
    } else if (!((w ^ p->tfold[1]) & p->tmask[1]) && at + TK_TSLEN <= n &&
               pstr_ieq(pstr(s + at, TK_TSLEN), pstr(tk_ts, TK_TSLEN))) {
        k->nts++;
        k->ts = at;
    }
}

/* Find the time keys of x's line: from the scan's candidates when the
 * probe holds their first bytes, else by searching the line for each name
 * (any occurrence, in a value too, counts: a doubt, never a miss). */
static void find_tkeys(const evctx_t *x, tkeys_t *k) {
    *k = (tkeys_t){0, 0, SIZE_MAX, SIZE_MAX};
    if (x->sl && x->p->time_probe) {
        for (unsigned c = 0; c < x->sl->ncand; c++) tkey_at(x->p, x->s, x->n, x->sl->cand[c] + 1, k);
        return;
    }
    static const struct { const char *name; size_t len; } names[] = {{tk_mt, TK_MTLEN}, {tk_ts, TK_TSLEN}};
    for (unsigned i = 0; i < 2; i++) {
        pstr_t name = pstr(names[i].name, names[i].len);
        for (const char *q = x->s; (q = str_search(pstr(q, x->n - (size_t)(q - x->s)), name, true)); q++) {
            if (i == 0) k->nmt++, k->mt = (size_t)(q - x->s);
            else k->nts++, k->ts = (size_t)(q - x->s);
        }
    }
}

/* The value of the top-level key whose name (any case, without quotes)
 * starts at s[at] and is nn bytes long; false when s[at] is not such a
 * key or its value is anything but plain text (a string without escapes,
 * or a bare token). */
static bool time_value(evctx_t *x, size_t at, size_t nn, pstr_t *v) {
    const char *s = x->s;
    size_t n = x->n;
    if (at == 0 || s[at - 1] != '"' || at + nn >= n || s[at + nn] != '"') return false;
    rawval_t r;
    size_t next;
    if (key_at(s, n, at - 1, nn + 2, true, false, &x->nest, &r, &next) != K_FOUND || r.state != V_FOUND) return false;
    *v = r.v;
    return true;
}

/* An integer of at most 15 digits (a double holds it exactly), with an
 * optional '-': what the input layer reads from a Sumo time key. */
static bool small_int(pstr_t v, int64_t *t) {
    size_t i = v.n && v.p[0] == '-';
    if (v.n == i || v.n - i > 15) return false;
    int64_t a = 0;
    for (; i < v.n; i++) {
        if (v.p[i] < '0' || v.p[i] > '9') return false;
        a = a * 10 + (v.p[i] - '0');
    }
    *t = v.p[0] == '-' ? -a : a;
    return true;
}

/* A time written as text (the reader's dt_parse), as epoch ms exact as a
 * double (the engine keeps _messageTime as one). */
static bool text_time(pstr_t v, int64_t *t) {
    return dt_parse(v, t) && *t <= ((int64_t)1 << 53) && *t >= -((int64_t)1 << 53);
}

/* The _messageTime the input layer gives x's JSON object line
 * (input_lane.c complete: the first time key, by rank, whose value
 * reads), when it is certain from the raw bytes: the only _messageTime
 * key (any case; no _messageTimeMs, which ranks above) with an integer
 * value, or else the only `timestamp` key (the next rank) whose text
 * dt_parse reads, at the top level, with no \u escape in the line (a key
 * could spell either name with one). False when unsure: the line is then
 * the reader's. */
static bool jsonl_time(evctx_t *x, int64_t *t) {
    tkeys_t k;
    pstr_t v;
    find_tkeys(x, &k);
    if (k.nmt > 1 || (k.nmt == 0 && k.nts != 1)) return false;
    if (k.nmt) { /* (a _messageTimeMs key fails here: no quote after the name) */
        if (!time_value(x, k.mt, TK_MTLEN, &v) || !small_int(v, t)) return false;
    } else {
        if (!time_value(x, k.ts, TK_TSLEN, &v) || !text_time(v, t)) return false;
    }
    return !((!x->sl || x->sl->u_esc) && has_u_escape(x->s, x->n));
}

/* The time of x's CSV row, from its time column, when certain. */
static bool csv_time(const evctx_t *x, int64_t *t) {
    if (x->tcol < 0) return false;
    rawval_t v = csv_value(x, x->tcol);
    if (v.state != V_FOUND) return false;
    if (x->tms) return small_int(v.v, t);
    return text_time(v.v, t);
}

/* Is x's JSON line or CSV row certainly outside the range? */
static bool out_of_range(evctx_t *x) {
    const pf_range_t *r = &x->p->range;
    int64_t t;
    if (!(x->jsonl ? jsonl_time(x, &t) : csv_time(x, &t))) return false;
    return (r->has_from && t < r->from_ms) || (r->has_to && t >= r->to_ms);
}

/* The answer for a line: the filters' own, unless they drop a line the
 * counting cannot account for (tally), which is then left to the reader.
 * A line they keep (or leave to the reader) that lies outside the time
 * range is PF_OUT, counted in t as the engine would have (the filters
 * first, then the range, as the engine tests them). */
static pf_ans_t answer(evctx_t *x, in_tally_t *t) {
    pf_ans_t a = eval(x, x->p->root);
    bool scoped = false;
    if (a == PF_NO) return x->p->counting && !tally(x, t, &scoped) ? PF_MAYBE : PF_NO;
    if (!x->p->has_range || !out_of_range(x)) return a;
    if (x->p->counting && !tally(x, t, &scoped)) return a;
    if (t) {
        t->out_of_range++;
        t->range_in_scope += scoped;
    }
    return PF_OUT;
}

static bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\r'; }

/* Scan the JSON line at x->s (its '{' at i0; the scan reads up to n bytes,
 * stopping at a newline) into *sl and let x use it, unless it overflowed
 * (then keys are searched one by one). Returns whether a newline ended
 * the line (at sl->len). */
static bool ev_scan(evctx_t *x, size_t n, size_t i0, scan_line_t *sl) {
    scan_jsonl(&x->p->probe, x->s, n, i0 + 1, sl);
    x->i0 = i0;
    if (!sl->overflow) {
        x->sl = sl;
        x->nest = (nest_t){sl->len, sl->first_br};
    }
    return sl->nl;
}

/* Test the line s[0..n) (its '{' at i0 after blanks), scanned once when
 * scan is set (the line holds no newline) and the filters' keys allow it. */
static pf_ans_t jsonl_eval(const pf_t *p, const char *s, size_t n, size_t i0, bool scan) {
    evctx_t x;
    ev_init(&x, p, s, n, true);
    x.nest = (nest_t){i0 + 1, SIZE_MAX};
    if (p->alias_full) return PF_MAYBE;
    scan_line_t sl;
    if (scan && p->scan_ok) ev_scan(&x, n, i0, &sl);
    while (x.n && is_ws(x.s[x.n - 1])) x.n--;
    return answer(&x, NULL);
}

/* See prefilter.h. */
pf_ans_t pf_jsonl(const pf_t *p, const char *line, size_t n) {
    size_t i0 = 0;
    while (i0 < n && is_blank(line[i0])) i0++;
    /* The scan stops at a newline: a line holding one is searched key by key. */
    return jsonl_eval(p, line, n, i0, !memchr(line, '\n', n));
}

/* pf_jsonl_next, inlined into the loop of pf_jsonl_drop. */
static inline pf_ans_t jsonl_next(const pf_t *p, const char *buf, size_t n, size_t *len, in_tally_t *t) {
    *len = 0;
    size_t i0 = 0;
    while (i0 < n && is_blank(buf[i0])) i0++;
    /* Blank lines and lines that are no object are the reader's. */
    if (i0 == n || buf[i0] != '{' || p->alias_full) return PF_MAYBE;
    evctx_t x;
    ev_init(&x, p, buf, 0, true);
    x.nest = (nest_t){i0 + 1, SIZE_MAX};
    scan_line_t sl;
    if (p->scan_ok) {
        if (!ev_scan(&x, n, i0, &sl)) return PF_MAYBE; /* the line does not end in buf */
        x.n = sl.len;
    } else {
        const char *nl = memchr(buf, '\n', n);
        if (!nl) return PF_MAYBE;
        x.n = (size_t)(nl - buf);
    }
    *len = x.n + 1;
    /* Only lines shaped like an object ({...}) are answered: a cut or
     * garbled line goes to the reader, which reports it. */
    while (x.n > i0 && is_ws(buf[x.n - 1])) x.n--;
    if (buf[x.n - 1] != '}') return PF_MAYBE;
    return answer(&x, t);
}

/* See prefilter.h. */
pf_ans_t pf_jsonl_next(const pf_t *p, const char *buf, size_t n, size_t *len) {
    return jsonl_next(p, buf, n, len, NULL);
}

/* See prefilter.h. */
uint64_t pf_jsonl_drop(const pf_t *p, const char *buf, size_t n, size_t *len, size_t *next, in_tally_t *t) {
    uint64_t k = 0;
    size_t off = 0, one = 0;
    pf_ans_t a;
    while (off < n && ((a = jsonl_next(p, buf + off, n - off, &one, t)) == PF_NO || a == PF_OUT)) {
        off += one;
        k++;
        one = 0;
    }
    *len = off;
    *next = one; /* (jsonl_next sets it once the line's newline is found) */
    return k;
}

/* See prefilter.h. */
pf_ans_t pf_csv(const pf_t *p, const int *col, unsigned ncol, const char *row, size_t n, in_tally_t *t) {
    return pf_csv_timed(p, col, ncol, -1, false, row, n, t);
}

/* See prefilter.h. */
pf_ans_t pf_csv_timed(const pf_t *p, const int *col, unsigned ncol, int tcol, bool ms, const char *row, size_t n,
                      in_tally_t *t) {
    evctx_t x;
    uint32_t comma[CSV_MAXCOLS];
    ev_init(&x, p, row, n, false);
    x.col = col;
    x.ncol = ncol;
    x.tcol = tcol;
    x.tms = ms;
    x.comma = comma;
    x.raw_unsure = 1; /* a CSV's _raw may be a column (Sumo exports) */
    while (x.n && (x.s[x.n - 1] == '\r' || x.s[x.n - 1] == '\n')) x.n--;
    /* One pass: commas located, and any quote leaves the row to the reader. */
    x.ncomma = str_csv_commas(x.s, x.n, comma, CSV_MAXCOLS);
    if (x.ncomma < 0) return PF_MAYBE;
    if (ncol && (unsigned long)x.ncomma + 1 != ncol) return PF_MAYBE; /* the reader rejects it */
    return answer(&x, t);
}
