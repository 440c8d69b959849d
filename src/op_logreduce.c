/* op_logreduce.c — logreduce, logreduce keys, and the refused logreduce
 * values: messages grouped by their shape.
 *
 * Sumo's LogReduce clusters messages with its own fuzzy algorithm, which
 * its pages do not describe. `logreduce [field=f | (f)] [by g, ...]
 * [limit=N] [criteria=mostcommon|leastcommon]` here groups messages by a
 * documented, deterministic signature instead: the text with URLs made
 * `$URL`, dates and times `$DATE`, and numbers, ids, addresses, hex and
 * quoted values `*` (docs/semantics.md §15). `logreduce keys` groups JSON
 * or key-value messages by the sorted list of their keys (its page).
 * Both are blocking stages; `logreduce values` is refused before any
 * record is read (SF_CLOUD, op_cloud.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "op.h"
#include "tabkit.h"

/* Keys logreduce keys reads from one message ("A maximum of 100 keys"). */
#define LR_MAXKEYS 100
/* Default and largest maxdepth of logreduce keys' JSON parser. */
#define LR_MAXDEPTH 5
#define LR_DEPTHCAP 64
/* A quoted value longer than this is not taken as one (an unclosed quote). */
#define LR_MAXQUOTE 4096

/* The order signatures are listed in. */
enum { LR_ANOMALOUS, LR_MOSTCOMMON, LR_LEASTCOMMON };

/* The parsed form of logreduce and logreduce keys (query arena). Classic:
 * st->src the text, st->by the groups, st->flds = {signature, _count}.
 * Keys: st->src the text, st->flds = {_signature_id, _schema, _count}. */
typedef struct lr_stage {
    int64_t limit;      /* signatures per group (0: all) */
    uint8_t criteria;   /* LR_* */
    bool kv;            /* keys: parser=keyvalue */
    bool noaggregate;   /* keys: annotate the messages instead of counting */
    int64_t maxdepth;   /* keys: levels of JSON read */
} lr_stage_t;

/* ---- parsing ------------------------------------------------------------ */

/* `name=` or `name ` before an option's value: true when the current
 * token is the word w (consumed with its '='). */
static bool option(parser_t *p, const char *w) {
    if (!ps_is_kw(&p->t, w)) return false;
    ps_advance(p);
    if (p->t.kind == T_EQ) ps_advance(p);
    return true;
}

/* The output fields names[0..n) of st, created. */
static void outputs(parser_t *p, stage_t *st, const char *const *names, uint32_t n) {
    st->flds = arena_alloc(ps_arena(p), n * sizeof *st->flds);
    for (uint32_t k = 0; k < n; k++) st->flds[k] = ps_field_def(p, pstr_c(names[k]));
    st->nflds = n;
}

/* The logreduce page's rule: "cannot be used with group-by operators". */
static bool after_group(parser_t *p, span_t kw) {
    for (uint32_t k = 0; k < p->q->nst; k++)
        if (stage_info[p->q->st[k].kind].flags & SF_GROUP) {
            uint32_t e = ps_error(p, kw, "logreduce cannot follow an aggregate: it groups messages");
            diag_hint(p->d, e, "logreduce page: \"cannot be used with group-by operators such as count by field\"");
            return true;
        }
    return false;
}

/* See op.h (STAGE_KINDS). `logreduce [field=f] [by g, ...] [limit=N]
 * [, criteria=...]`, `logreduce(f) ...`, and the keys and values forms. */
bool stage_logreduce(parser_t *p, stage_t *st) {
    st->kind = ST_LOGREDUCE;
    span_t kw = p->t.sp;
    tok_t nx = ps_peek(p);
    if (ps_is_kw(&nx, "keys")) return stage_logreduce_keys(p, st);
    if (ps_is_kw(&nx, "values")) return stage_logreduce_values(p, st);
    ps_advance(p);
    if (after_group(p, kw)) return false;
    lr_stage_t *lr = arena_calloc(ps_arena(p), sizeof *lr);
    st->data = lr;
    if (p->t.kind == T_LPAREN) { /* logreduce(f) */
        ps_advance(p);
        pstr_t f;
        span_t fsp;
        if (!ps_fieldname(p, &f, &fsp)) return false;
        st->src = ps_field_use(p, f);
        st->src_given = true;
        if (!ps_expect(p, T_RPAREN, "')'")) return false;
    }
    for (;;) {
        if (p->t.kind == T_COMMA) ps_advance(p); /* limit=5,criteria=mostcommon */
        if (!st->src_given && ps_is_kw(&p->t, "field")) {
            if (ps_peek(p).kind == T_EQ) {
                if (!ps_src(p, st)) return false;
            } else {
                ps_advance(p);
                pstr_t f;
                span_t fsp;
                if (!ps_fieldname(p, &f, &fsp)) return false;
                st->src = ps_field_use(p, f);
                st->src_given = true;
            }
        } else if (ps_is_kw(&p->t, "by") && !st->nby) {
            ps_advance(p);
            if (!ps_field_list(p, false, &st->by, &st->by_sp, &st->nby)) return false;
        } else if (option(p, "limit")) {
            tok_t t = p->t;
            if (!ps_count(p, &lr->limit)) return false;
            if (lr->limit < 1) {
                ps_error(p, t.sp, "limit is 1 or more");
                return false;
            }
        } else if (option(p, "criteria")) {
            if (ps_is_kw(&p->t, "mostcommon")) lr->criteria = LR_MOSTCOMMON;
            else if (ps_is_kw(&p->t, "leastcommon")) lr->criteria = LR_LEASTCOMMON;
            else {
                ps_unexpected(p, "mostcommon or leastcommon");
                return false;
            }
            ps_advance(p);
        } else if (ps_is_kw(&p->t, "optimize")) {
            /* Groups by signatures Sumo stored from earlier runs: parsed,
             * refused at run time (SF_CLOUD, cloud_reason). */
            st->kind = ST_LOGREDUCE_OPTIMIZE;
            ps_advance(p);
        } else if (ps_is_kw(&p->t, "details")) {
            ps_error(p, p->t.sp, "logreduce details needs a signature id from Sumo's web interface");
            return false;
        } else {
            break;
        }
    }
    static const char *const names[] = {"signature", "_count"};
    outputs(p, st, names, 2);
    return true;
}

/* See op.h (STAGE_KINDS). `logreduce keys [parser=json|keyvalue]
 * [maxdepth=N] [field=f] [noaggregate]` (the `=` is optional). */
bool stage_logreduce_keys(parser_t *p, stage_t *st) {
    st->kind = ST_LOGREDUCE_KEYS;
    span_t kw = p->t.sp;
    ps_advance(p);
    ps_advance(p); /* keys */
    if (after_group(p, kw)) return false;
    lr_stage_t *lr = arena_calloc(ps_arena(p), sizeof *lr);
    st->data = lr;
    lr->maxdepth = LR_MAXDEPTH;
    for (;;) {
        if (p->t.kind == T_COMMA) ps_advance(p);
        if (option(p, "parser")) {
            if (ps_is_kw(&p->t, "json")) lr->kv = false;
            else if (ps_is_kw(&p->t, "keyvalue")) lr->kv = true;
            else {
                ps_unexpected(p, "json or keyvalue");
                return false;
            }
            ps_advance(p);
        } else if (option(p, "maxdepth")) {
            tok_t t = p->t;
            if (!ps_count(p, &lr->maxdepth)) return false;
            if (lr->maxdepth < 1 || lr->maxdepth > LR_DEPTHCAP) {
                ps_error(p, t.sp, "maxdepth is between 1 and %d", LR_DEPTHCAP);
                return false;
            }
        } else if (!st->src_given && option(p, "field")) {
            pstr_t f;
            span_t fsp;
            if (!ps_fieldname(p, &f, &fsp)) return false;
            st->src = ps_field_use(p, f);
            st->src_given = true;
        } else if (ps_is_kw(&p->t, "noaggregate")) {
            lr->noaggregate = true;
            ps_advance(p);
        } else {
            break;
        }
    }
    static const char *const names[] = {"_signature_id", "_schema", "_count"};
    outputs(p, st, names, lr->noaggregate ? 2 : 3);
    return true;
}

/* See op.h (STAGE_KINDS). `logreduce values on k1, k2 ...
 * [output_threshold=x]`: parsed so queries lint; the run is refused
 * (cloud_reason). */
bool stage_logreduce_values(parser_t *p, stage_t *st) {
    st->kind = ST_LOGREDUCE_VALUES;
    ps_advance(p);
    ps_advance(p); /* values */
    if (!ps_expect_kw(p, "on", "'on' and the keys, e.g. on eventSource, eventName")) return false;
    if (!ps_field_list(p, false, &st->flds, &st->flds_sp, &st->nflds)) return false;
    if (option(p, "output_threshold")) {
        if (p->t.kind != T_NUM) {
            ps_unexpected(p, "a number between 0 and 1");
            return false;
        }
        ps_advance(p);
    }
    return true;
}

/* ---- signatures ---------------------------------------------------------- */

/* Byte classes: ASCII digits, letters, word characters (as keyword.c's:
 * letters, digits, `_`, any byte >= 0x80), hex digits, blanks. */
static bool is_digit(unsigned char c) { return c >= '0' && c <= '9'; }
static bool is_alpha(unsigned char c) { return (c | 0x20) >= 'a' && (c | 0x20) <= 'z'; }
static bool is_word(unsigned char c) { return is_digit(c) || is_alpha(c) || c == '_' || c >= 0x80; }
static bool is_hex(unsigned char c) { return is_digit(c) || ((c | 0x20) >= 'a' && (c | 0x20) <= 'f'); }
static bool is_blank(unsigned char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }

/* Digits at s[i..n), at most max of them. */
static size_t digits(const char *s, size_t n, size_t i, size_t max) {
    size_t k = 0;
    while (i + k < n && k < max && is_digit((unsigned char)s[i + k])) k++;
    return k;
}

/* A time at s[i]: H:MM[:SS[.fff]] and an optional zone (Z, +hh:mm,
 * -hhmm); its end, or 0. */
static size_t time_at(const char *s, size_t n, size_t i) {
    size_t h = digits(s, n, i, 2);
    if (!h || i + h >= n || s[i + h] != ':') return 0;
    size_t j = i + h + 1, m = digits(s, n, j, 2);
    if (m != 2) return 0;
    j += 2;
    if (j < n && s[j] == ':' && digits(s, n, j + 1, 2) == 2) {
        j += 3;
        if (j + 1 < n && (s[j] == '.' || s[j] == ',') && digits(s, n, j + 1, 9)) j += 1 + digits(s, n, j + 1, 9);
    }
    if (j < n && s[j] == 'Z') j++;
    else if (j < n && (s[j] == '+' || s[j] == '-') && digits(s, n, j + 1, 2) == 2) {
        size_t z = j + 3;
        if (z < n && s[z] == ':') z++;
        if (digits(s, n, z, 2) == 2) j = z + 2;
    }
    return j;
}

static const char *const months[] = {"jan", "feb", "mar", "apr", "may", "jun",
                                     "jul", "aug", "sep", "oct", "nov", "dec"};

/* A month's three-letter name at s[i] (any case). */
static bool month_at(const char *s, size_t n, size_t i) {
    if (i + 3 > n || (i + 3 < n && is_alpha((unsigned char)s[i + 3]))) return false;
    for (size_t k = 0; k < 12; k++)
        if (((s[i] | 0x20) == months[k][0]) && ((s[i + 1] | 0x20) == months[k][1]) && ((s[i + 2] | 0x20) == months[k][2]))
            return true;
    return false;
}

/* A date or time at s[i] (not inside a word): 2024-06-04[T10:00:00Z],
 * 2024/06/04, 6/4/2024, 04/Jun/2024:10:00:00, Jun 4 10:00:00, 10:00:00.
 * Its end, or 0. */
static size_t date_at(const char *s, size_t n, size_t i) {
    size_t j = 0;
    size_t d = digits(s, n, i, 4);
    if (d == 4 && i + 4 < n && (s[i + 4] == '-' || s[i + 4] == '/')) { /* year first */
        char sep = s[i + 4];
        size_t a = digits(s, n, i + 5, 2);
        if (a && i + 5 + a < n && s[i + 5 + a] == sep) {
            size_t b = digits(s, n, i + 6 + a, 2);
            if (b) j = i + 6 + a + b;
        }
    } else if (d >= 1 && d <= 2 && i + d < n && s[i + d] == '/') { /* 6/4/2024, 04/Jun/2024 */
        size_t k = i + d + 1, a = digits(s, n, k, 2);
        if (!a && month_at(s, n, k)) a = 3;
        if (a && k + a < n && s[k + a] == '/') {
            size_t y = digits(s, n, k + a + 1, 4);
            if (y == 2 || y == 4) j = k + a + 1 + y;
        }
    } else if (!d && month_at(s, n, i)) { /* Jun  4 10:00:00 */
        size_t k = i + 3;
        while (k < n && s[k] == ' ') k++;
        size_t a = digits(s, n, k, 2);
        if (a && k + a < n && s[k + a] == ' ') {
            size_t t = time_at(s, n, k + a + 1);
            if (t) return t;
        }
        return 0;
    } else if (d) {
        return time_at(s, n, i);
    }
    if (!j) return 0;
    /* A time after the date: T10:00:00, " 10:00:00", ":10:00:00". */
    if (j < n && (s[j] == 'T' || s[j] == ' ' || s[j] == ':')) {
        size_t t = time_at(s, n, j + 1);
        if (t) j = t;
    }
    return j;
}

/* A URL at s[i] (scheme://...): its end, or 0. */
static size_t url_at(const char *s, size_t n, size_t i) {
    size_t j = i;
    while (j < n && j - i < 16 && (is_alpha((unsigned char)s[j]) || is_digit((unsigned char)s[j]) || s[j] == '+' ||
                                   s[j] == '.' || s[j] == '-'))
        j++;
    if (j == i || j + 3 >= n || memcmp(s + j, "://", 3) != 0) return 0;
    j += 3;
    size_t start = j;
    while (j < n && !is_blank((unsigned char)s[j]) && !strchr("\"'<>", s[j])) j++;
    while (j > start && strchr(".,;:)]}", s[j - 1])) j--;
    return j > start ? j : 0;
}

/* A quoted value at s[i] (" or '): its end after the closing quote, or 0
 * when it does not close on its line within LR_MAXQUOTE bytes. */
static size_t quoted_at(const char *s, size_t n, size_t i) {
    char q = s[i];
    for (size_t j = i + 1; j < n && j - i < LR_MAXQUOTE; j++) {
        if (s[j] == '\\') j++;
        else if (s[j] == q) return j + 1;
        else if (s[j] == '\n') return 0;
    }
    return 0;
}

/* The signature being built. */
typedef struct sig {
    buf_t *b;        /* the text */
    bool space;      /* whitespace was seen since the last token */
    size_t wild_end; /* b->n right after the last `*`, while only blanks and commas followed it */
    bool wild_open;  /* such a `*` exists */
} sig_t;

/* Append one token p[0..n) (a `*` when wild) to the signature, after a
 * space when blanks preceded it. */
static void sig_text(sig_t *g, const char *p, size_t n, bool wild) {
    if (wild && g->wild_open) { /* `1, 2 3`: one wildcard for the run */
        g->b->n = g->wild_end;
        g->space = false;
        return;
    }
    if (g->space && g->b->n) buf_putc(g->b, ' ');
    g->space = false;
    buf_put(g->b, p, n);
    if (wild) {
        g->wild_open = true;
        g->wild_end = g->b->n;
    } else if (!(n == 1 && p[0] == ',')) {
        g->wild_open = false;
    }
}

/* A word with `.`, `:` (between hex digits) and `-` inside: at s[i], its
 * end; *var tells whether it is variable (a digit, or 12 or more hex
 * digits and nothing else). */
static size_t compound_at(const char *s, size_t n, size_t i, bool *var) {
    size_t j = i, hex = 0;
    bool digit = false, allhex = true;
    while (j < n) {
        unsigned char c = (unsigned char)s[j];
        if (is_word(c)) {
            digit |= is_digit(c);
            if (is_hex(c)) hex++;
            else allhex = false;
            j++;
            continue;
        }
        bool join = j + 1 < n && is_word((unsigned char)s[j + 1]) &&
                    (c == '.' || c == '-' || (c == ':' && is_hex((unsigned char)s[j - 1]) && is_hex((unsigned char)s[j + 1])));
        if (!join) break;
        j++;
    }
    *var = digit || (allhex && hex >= 12);
    return j;
}

/* See docs/semantics.md §15: the signature of text, into b (emptied). */
static void lr_signature(pstr_t text, buf_t *b) {
    b->n = 0;
    sig_t g = {b, false, 0, false};
    const char *s = text.p;
    size_t n = text.n;
    for (size_t i = 0; i < n;) {
        unsigned char c = (unsigned char)s[i];
        bool start = i == 0 || !is_word((unsigned char)s[i - 1]);
        size_t e;
        if (is_blank(c)) {
            g.space = true;
            i++;
        } else if (start && is_alpha(c) && (e = url_at(s, n, i))) {
            sig_text(&g, "$URL", 4, false);
            i = e;
        } else if (start && (is_digit(c) || is_alpha(c)) && (e = date_at(s, n, i)) && (e == n || !is_word((unsigned char)s[e]))) {
            sig_text(&g, "$DATE", 5, false);
            i = e;
        } else if (start && (c == '"' || c == '\'') && (e = quoted_at(s, n, i))) {
            size_t k = e;
            while (k < n && (s[k] == ' ' || s[k] == '\t')) k++;
            if (k < n && s[k] == ':') sig_text(&g, s + i, e - i, false); /* a JSON key stays */
            else sig_text(&g, "*", 1, true);
            i = e;
        } else if (is_word(c)) {
            bool var;
            e = compound_at(s, n, i, &var);
            if (var) sig_text(&g, "*", 1, true);
            else sig_text(&g, s + i, e - i, false);
            i = e;
        } else {
            sig_text(&g, s + i, 1, false);
            i++;
        }
    }
}

/* ---- logreduce ------------------------------------------------------------ */

/* A signature of a group, and how it sorts. */
typedef struct lr_sig {
    uint32_t group;  /* the `by` tuple's id */
    uint32_t id;     /* the (group, signature) id: first appearance */
    uint64_t count;  /* messages */
    size_t row;      /* its first message's row */
} lr_sig_t;

/* Signatures by group, then by count (descending for mostcommon), then
 * in order of first appearance. */
static int cmp_sig(const lr_sig_t *x, const lr_sig_t *y, bool asc) {
    if (x->group != y->group) return x->group < y->group ? -1 : 1;
    if (x->count != y->count) return (x->count < y->count) == asc ? -1 : 1;
    return x->id < y->id ? -1 : x->id > y->id;
}
/* mostcommon: the most frequent first. */
static int cmp_most(const void *a, const void *b) { return cmp_sig(a, b, false); }
/* leastcommon and the default ("the most anomalous"): the rarest first. */
static int cmp_least(const void *a, const void *b) { return cmp_sig(a, b, true); }

/* See op.h (STAGE_KINDS). */
int tab_logreduce(exec_t *x, uint32_t i, const stage_t *s, table_t *t) {
    (void)x;
    (void)i;
    const lr_stage_t *lr = s->data;
    tk_t groups, sigs;
    tk_init(&groups);
    tk_init(&sigs);
    buf_t b = {0};
    char tmp[48];
    lr_sig_t *v = NULL;
    size_t nv = 0, cap = 0;
    for (size_t r = 0; r < t->n; r++) {
        const record_t *row = &t->rows[r];
        pstr_t text = tk_text(ex_src(row, s), tmp);
        if (!text.p) continue; /* no text to reduce */
        lr_signature(text, &b);
        uint32_t gid = tk_row(&groups, row, s->by, s->nby, true, NULL);
        tk_begin(&sigs);
        tk_push(&sigs, val_num(gid));
        tk_push(&sigs, val_str(b.p ? b.p : "", b.n));
        bool isnew;
        uint32_t id = tk_end(&sigs, true, &isnew);
        if (isnew) {
            if (nv == cap) {
                cap = cap ? cap * 2 : 64;
                v = xrealloc(v, cap * sizeof *v);
            }
            v[nv++] = (lr_sig_t){gid, id, 0, r};
        }
        v[id].count++;
    }
    if (nv > 1) qsort(v, nv, sizeof *v, lr->criteria == LR_MOSTCOMMON ? cmp_most : cmp_least);
    table_t out;
    table_init(&out);
    out.fixed = true;
    for (uint32_t k = 0; k < s->nby; k++) table_add_col(&out, s->by[k]);
    table_add_col(&out, s->flds[0]);
    table_add_col(&out, s->flds[1]);
    int64_t in_group = 0;
    for (size_t k = 0; k < nv; k++) {
        in_group = k && v[k].group == v[k - 1].group ? in_group + 1 : 0;
        if (lr->limit && in_group >= lr->limit) continue;
        const record_t *src = &t->rows[v[k].row];
        record_t *row = table_new_row(&out);
        for (uint32_t g = 0; g < s->nby; g++) rec_set(row, s->by[g], rec_get(src, s->by[g]));
        lr_signature(tk_text(ex_src(src, s), tmp), &b);
        rec_set(row, s->flds[0], val_str(b.p ? b.p : "", b.n));
        rec_set(row, s->flds[1], val_num((double)v[k].count));
        rec_pin(row, &out.arena);
    }
    table_move(t, &out);
    free(v);
    buf_free(&b);
    tk_free(&groups);
    tk_free(&sigs);
    return 0;
}

/* ---- logreduce keys ------------------------------------------------------- */

/* The keys of one message. */
typedef struct lr_keys {
    pstr_t k[LR_MAXKEYS]; /* lower-cased names (arena) */
    uint32_t n;           /* how many */
    arena_t *a;           /* where names go */
    int maxdepth;         /* levels read */
} lr_keys_t;

/* Add the key p[0..n), lower-cased, unless the message has LR_MAXKEYS. */
static void add_key(lr_keys_t *ks, const char *p, size_t n) {
    if (ks->n >= LR_MAXKEYS) return;
    char *d = arena_alloc(ks->a, n ? n : 1);
    for (size_t i = 0; i < n; i++) d[i] = (p[i] >= 'A' && p[i] <= 'Z') ? (char)(p[i] + 32) : p[i];
    ks->k[ks->n++] = pstr(d, n);
}

/* The leaves of the JSON object obj under the name prefix pre (a dotted
 * path, `pre.key`): objects are entered down to maxdepth, arrays are
 * leaves ("Keys in arrays are not supported"). */
static void json_keys(lr_keys_t *ks, pstr_t obj, pstr_t pre, int depth, buf_t *name) {
    json_iter_t it;
    pstr_t k, v;
    bool esc;
    if (!json_iter_begin(&it, obj.p, obj.n, 0)) return;
    while (ks->n < LR_MAXKEYS && json_iter_next(&it, &k, &esc, &v)) {
        pstr_t key = k;
        if (esc && !json_unescape_body(k, ks->a, &key)) continue;
        name->n = 0;
        if (pre.n) {
            buf_put(name, pre.p, pre.n);
            buf_putc(name, '.');
        }
        buf_put(name, key.p, key.n);
        size_t w = json_ws(v.p, v.n, 0);
        if (w < v.n && v.p[w] == '{' && depth < ks->maxdepth) {
            char *copy = arena_alloc(ks->a, name->n ? name->n : 1);
            memcpy(copy, name->p, name->n);
            size_t before = ks->n;
            json_keys(ks, v, pstr(copy, name->n), depth + 1, name);
            if (ks->n == before) add_key(ks, copy, name->n); /* {}: the key itself */
        } else {
            add_key(ks, name->p, name->n);
        }
    }
}

/* The JSON object in text: the first '{' from which one parses. */
static bool find_object(pstr_t text, pstr_t *obj) {
    for (size_t i = 0, tries = 0; i < text.n && tries < 64; i++) {
        if (text.p[i] != '{') continue;
        tries++;
        size_t e = json_skip(text.p, text.n, i);
        if (e != (size_t)-1 && e <= text.n) {
            *obj = pstr(text.p + i, e - i);
            return true;
        }
    }
    return false;
}

/* key=value, key: value, key=>value, key->value pairs of text. */
static void kv_keys(lr_keys_t *ks, pstr_t text) {
    const char *s = text.p;
    size_t n = text.n;
    for (size_t i = 0; i < n && ks->n < LR_MAXKEYS;) {
        unsigned char c = (unsigned char)s[i];
        bool start = i == 0 || !(is_word((unsigned char)s[i - 1]) || s[i - 1] == '.' || s[i - 1] == '-');
        if (!start || !(is_alpha(c) || c == '_')) {
            i++;
            continue;
        }
        size_t j = i;
        while (j < n && (is_word((unsigned char)s[j]) || s[j] == '.' || (s[j] == '-' && !(j + 1 < n && s[j + 1] == '>'))))
            j++;
        size_t kend = j;
        while (j < n && s[j] == ' ') j++;
        size_t d = 0;
        if (j + 1 < n && (memcmp(s + j, "=>", 2) == 0 || memcmp(s + j, "->", 2) == 0)) d = 2;
        else if (j < n && (s[j] == '=' || s[j] == ':')) d = 1;
        if (!d || kend == i || s[kend - 1] == '-') {
            i = kend;
            continue;
        }
        add_key(ks, s + i, kend - i);
        j += d;
        while (j < n && s[j] == ' ') j++;
        size_t q = j < n && (s[j] == '"' || s[j] == '\'') ? quoted_at(s, n, j) : 0;
        if (q) j = q;
        else
            while (j < n && !is_blank((unsigned char)s[j]) && s[j] != ',' && s[j] != ';') j++;
        i = j;
    }
}

/* Keys in byte order (the page: "sorted based on the alphabetical ordering of keys"). */
static int cmp_pstr(const void *a, const void *b) { return pstr_cmp(*(const pstr_t *)a, *(const pstr_t *)b); }

/* The schema of row (its sorted, distinct keys joined by ", ") into b;
 * false for a message without keys ("unknown"). Keys that name a field
 * the query made are left out when the text is _raw (the page: "If you
 * parse any fields, they'll be excluded from the schema"). */
static bool schema_of(exec_t *x, const stage_t *s, const record_t *row, arena_t *a, buf_t *b, buf_t *name) {
    const lr_stage_t *lr = s->data;
    char tmp[48];
    pstr_t text = tk_text(ex_src(row, s), tmp);
    b->n = 0;
    if (!text.p) return false;
    lr_keys_t *ks = arena_alloc(a, sizeof *ks);
    ks->n = 0;
    ks->a = a;
    ks->maxdepth = (int)lr->maxdepth;
    if (lr->kv) kv_keys(ks, text);
    else {
        pstr_t obj;
        if (find_object(text, &obj)) json_keys(ks, obj, PSTR_NULL, 1, name);
    }
    if (ks->n > 1) qsort(ks->k, ks->n, sizeof *ks->k, cmp_pstr);
    bool any = false;
    for (uint32_t k = 0; k < ks->n; k++) {
        if (k && pstr_eq(ks->k[k], ks->k[k - 1])) continue;
        if (!s->src_given) {
            uint32_t id = ftab_find(&x->q->ft, ks->k[k]);
            if (id != FIELD_NONE && id >= F_NBUILTIN && rec_has(row, id)) continue;
        }
        if (any) buf_puts(b, ", ");
        buf_put(b, ks->k[k].p, ks->k[k].n);
        any = true;
    }
    return any;
}

/* The schema's id: FNV-1a (64 bits) of its text in 16 upper-case hex
 * digits; 0000000000000000 for "unknown" (the page's unstructured value). */
static void schema_id(pstr_t sch, bool known, char out[17]) {
    uint64_t h = 0xcbf29ce484222325ULL;
    for (size_t i = 0; known && i < sch.n; i++) h = (h ^ (unsigned char)sch.p[i]) * 0x100000001b3ULL;
    snprintf(out, 17, "%016llX", known ? (unsigned long long)h : 0ULL);
}

/* A schema counted by logreduce keys. */
typedef struct lr_schema {
    pstr_t text;     /* its text (the run's arena) */
    bool known;      /* false: "unknown", a message without keys */
    uint64_t count;  /* messages */
} lr_schema_t;

/* See op.h (STAGE_KINDS). */
int tab_logreduce_keys(exec_t *x, uint32_t i, const stage_t *s, table_t *t) {
    (void)i;
    const lr_stage_t *lr = s->data;
    arena_t a = {0}, keep = {0};
    buf_t b = {0}, name = {0};
    tk_t seen;
    tk_init(&seen);
    lr_schema_t *sch = NULL;
    size_t cap = 0;
    for (size_t r = 0; r < t->n; r++) {
        arena_reset(&a);
        bool known = schema_of(x, s, &t->rows[r], &a, &b, &name);
        if (!known) {
            b.n = 0;
            buf_puts(&b, "unknown");
        }
        pstr_t text = pstr(b.p, b.n);
        char id[17];
        schema_id(text, known, id);
        if (lr->noaggregate) {
            char *txt = arena_alloc(&t->arena, b.n + 1);
            memcpy(txt, b.p, b.n);
            char *idt = arena_alloc(&t->arena, 16);
            memcpy(idt, id, 16);
            rec_set(&t->rows[r], s->flds[0], val_str(idt, 16));
            rec_set(&t->rows[r], s->flds[1], val_str(txt, b.n));
            continue;
        }
        bool isnew;
        tk_begin(&seen);
        tk_push(&seen, val_bool(known)); /* a message whose only key is "unknown" is another schema */
        tk_push(&seen, val_str(text.p, text.n));
        uint32_t k = tk_end(&seen, true, &isnew);
        if (isnew) {
            if (k >= cap) {
                cap = cap ? cap * 2 : 64;
                sch = xrealloc(sch, cap * sizeof *sch);
            }
            char *copy = arena_alloc(&keep, text.n ? text.n : 1);
            memcpy(copy, text.p, text.n);
            sch[k] = (lr_schema_t){pstr(copy, text.n), known, 0};
        }
        sch[k].count++;
    }
    if (!lr->noaggregate) { /* "a count by operation", in order of first appearance */
        table_t out;
        table_init(&out);
        out.fixed = true;
        for (uint32_t k = 0; k < 3; k++) table_add_col(&out, s->flds[k]);
        for (uint32_t k = 0; k < seen.n; k++) {
            record_t *row = table_new_row(&out);
            char id[17];
            schema_id(sch[k].text, sch[k].known, id);
            rec_set(row, s->flds[0], val_str(id, 16));
            rec_set(row, s->flds[1], val_strv(sch[k].text));
            rec_set(row, s->flds[2], val_num((double)sch[k].count));
            rec_pin(row, &out.arena);
        }
        table_move(t, &out);
    }
    free(sch);
    tk_free(&seen);
    buf_free(&b);
    buf_free(&name);
    arena_free(&a);
    arena_free(&keep);
    return 0;
}
