/* op_kv.c — the keyvalue operator (`kv` for short): values by their keys.
 *
 * Inference mode (`kv [infer] [keys] "a", "b" [as x, y]`) finds each key
 * followed by `:`, `=` or `->` and reads its value; auto mode (`kv auto`)
 * extracts every pair it finds; regular expression mode (`kv regex "…"`)
 * reads pairs (two groups) or, after each key, a value (one group)
 * (parse-keyvalue-formatted-logs page). A parse-family stage: it runs on
 * each record between the reader and the aggregate; values borrow the
 * record or the worker's scratch arena. Semantics: docs/semantics.md §13.
 */
#include <stdio.h>
#include <string.h>

#include "op.h"
#include "op_text.h"
#include "regex.h"

/* Fields auto mode extracts at most, besides referenced keys ("Auto can
 * extract up to 100 non-referenced fields"). */
#define KV_MAXAUTO 100
/* Longest field name made from a key; longer keys are skipped. */
#define KV_MAXNAME 256

/* Modes. */
enum { KV_INFER, KV_AUTO, KV_REGEX };

/* A kv stage's parsed form (query arena); its outputs are st->flds,
 * parallel to keys. */
typedef struct kv_stage {
    uint8_t mode;        /* KV_INFER, KV_AUTO or KV_REGEX */
    pstr_t *keys;        /* the keys asked for (query text or arena) */
    uint32_t nkeys;      /* how many */
    kv_delims_t delims;  /* key-value delimiters (infer and auto) */
    struct rx *re;       /* regex mode: the pattern, owned by the query */
    uint32_t groups;     /* regex mode: its capture groups, 1 or 2 */
    bool refonly;        /* auto: extract only the keys asked for */
} kv_stage_t;

/* ---- scanning ------------------------------------------------------------ */

static const kv_delims_t kv_default = {{{":", 1}, {"=", 1}, {"->", 2}}, 3};

/* See op_text.h. */
void kv_delims_default(kv_delims_t *d) { *d = kv_default; }

/* A byte that may continue a key. */
static bool keych(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
           c == '-';
}

/* A byte that may start a key found by auto mode. */
static bool keystart(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }

/* A byte that ends an unquoted value. */
static bool valend(char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v' || c == ',' || c == ';' ||
           c == ']' || c == ')' || c == '}' || c == '"' || c == '&' || c == '|';
}

/* Length of the delimiter at t[i], or 0. */
static size_t delim_at(pstr_t t, size_t i, const kv_delims_t *d) {
    for (uint32_t k = 0; k < d->n; k++)
        if (d->d[k].n && i + d->d[k].n <= t.n && memcmp(t.p + i, d->d[k].p, d->d[k].n) == 0) return d->d[k].n;
    return 0;
}

/* The quoted value opening at t[v] (a quote): its body, decoded into a
 * when it holds escapes; the offset after the closing quote, or 0 when
 * the quote is never closed. */
static size_t quoted_value(pstr_t t, size_t v, arena_t *a, pstr_t *val) {
    char q = t.p[v];
    bool esc = false;
    size_t e = v + 1;
    for (; e < t.n && t.p[e] != q; e++)
        if (t.p[e] == '\\' && e + 1 < t.n) {
            esc = true;
            e++;
        }
    if (e >= t.n) return 0;
    pstr_t body = pstr(t.p + v + 1, e - v - 1);
    if (esc) {
        /* \" and \\ stand for the character; other escapes stay as written. */
        char *o = arena_alloc(a, body.n ? body.n : 1);
        size_t k = 0;
        for (size_t i = 0; i < body.n; i++) {
            if (body.p[i] == '\\' && i + 1 < body.n && (body.p[i + 1] == q || body.p[i + 1] == '\\')) i++;
            o[k++] = body.p[i];
        }
        body = pstr(o, k);
    }
    *val = body;
    return e + 1;
}

/* After a key ending at t[i]: blanks, a delimiter, the value. Blanks may
 * precede the delimiter (`EventCode = 4778`) except `:`; after it they are
 * skipped when they also came before it or it is `:` (`Name:\t\tbob`),
 * otherwise the value is empty (`a= b=1`). Returns the offset after the
 * value, or 0 when no delimiter follows. */
static size_t pair_value(pstr_t t, size_t i, const kv_delims_t *d, arena_t *a, pstr_t *val) {
    size_t j = i;
    while (j < t.n && (t.p[j] == ' ' || t.p[j] == '\t')) j++;
    bool before = j > i;
    size_t dl = delim_at(t, j, d);
    if (!dl) return 0;
    bool colon = dl == 1 && t.p[j] == ':';
    if (before && colon) return 0;
    j += dl;
    size_t v = j;
    while (v < t.n && (t.p[v] == ' ' || t.p[v] == '\t')) v++;
    if (v > j && !before && !colon) v = j;
    if (v < t.n && (t.p[v] == '"' || t.p[v] == '\'')) {
        size_t e = quoted_value(t, v, a, val);
        if (e) return e;
    }
    size_t e = v;
    while (e < t.n && !valend(t.p[e])) e++;
    *val = pstr(t.p + v, e - v);
    return e > j ? e : j;
}

/* Does key stand as a key at t[k..k+key.n)? *after receives the offset
 * after it (and its closing quote when it is quoted). */
static bool key_here(pstr_t t, size_t k, pstr_t key, size_t *after) {
    if (k > 0 && keych(t.p[k - 1]) && keych(key.p[0])) return false;
    char q = k > 0 && (t.p[k - 1] == '"' || t.p[k - 1] == '\'') ? t.p[k - 1] : 0;
    size_t e = k + key.n;
    if (q && e < t.n && t.p[e] == q) {
        *after = e + 1;
        return true;
    }
    *after = e;
    return true;
}

/* See op_text.h. */
bool kv_find_key(pstr_t text, pstr_t key, size_t *end) {
    if (!key.n || !text.p) return false;
    for (size_t from = 0; from < text.n;) {
        const char *hit = str_search(pstr(text.p + from, text.n - from), key, true);
        if (!hit) return false;
        size_t k = (size_t)(hit - text.p), after;
        bool cont = k + key.n < text.n && keych(text.p[k + key.n]) && keych(key.p[key.n - 1]);
        if (!cont && key_here(text, k, key, &after)) {
            *end = after;
            return true;
        }
        from = k + 1;
    }
    return false;
}

/* See op_text.h. */
bool kv_infer(pstr_t text, pstr_t key, const kv_delims_t *d, arena_t *a, pstr_t *val) {
    if (!key.n || !text.p) return false;
    for (size_t from = 0; from < text.n;) {
        const char *hit = str_search(pstr(text.p + from, text.n - from), key, true);
        if (!hit) return false;
        size_t k = (size_t)(hit - text.p), e = k + key.n, after;
        /* The key may not run on into a longer word, unless a delimiter
         * that starts with a key byte (`->`) follows. */
        bool cont = e < text.n && keych(text.p[e]) && keych(key.p[key.n - 1]) && !delim_at(text, e, d);
        if (!cont && key_here(text, k, key, &after) && pair_value(text, after, d, a, val)) return true;
        from = k + 1;
    }
    return false;
}

/* See op_text.h. */
bool kv_next_pair(pstr_t text, size_t *pos, const kv_delims_t *d, arena_t *a, pstr_t *key, pstr_t *val) {
    const char *t = text.p;
    size_t n = text.n;
    for (size_t i = *pos; i < n;) {
        char c = t[i];
        bool start = i == 0 || !keych(t[i - 1]);
        if ((c == '"' || c == '\'') && start) {
            /* A quoted key ("user": "bob"); quoted text without a
             * delimiter after it is passed over whole. */
            const char *q = memchr(t + i + 1, c, n - i - 1);
            if (!q) return false;
            size_t e = (size_t)(q - t);
            if (e > i + 1) {
                size_t end = pair_value(text, e + 1, d, a, val);
                if (end) {
                    *key = pstr(t + i + 1, e - i - 1);
                    *pos = end;
                    return true;
                }
            }
            i = e + 1;
            continue;
        }
        if (keystart(c) && start) {
            size_t e = i;
            while (e < n && keych(t[e]) && !delim_at(text, e, d)) e++;
            size_t end = pair_value(text, e, d, a, val);
            if (end) {
                *key = pstr(t + i, e - i);
                *pos = end;
                return true;
            }
            i = e > i ? e : i + 1;
            continue;
        }
        i++;
    }
    *pos = n;
    return false;
}

/* See op_text.h. */
size_t kv_field_name(pstr_t key, char *out, size_t cap) {
    if (key.n == 0 || key.n > cap) return 0;
    for (size_t i = 0; i < key.n; i++) {
        char c = key.p[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
        out[i] = ok ? c : '_';
    }
    return key.n;
}

/* ---- parsing ------------------------------------------------------------- */

/* The field a key becomes without `as` (query arena). */
static uint32_t key_field(parser_t *p, pstr_t key) {
    char *o = arena_alloc(ps_arena(p), key.n ? key.n : 1);
    size_t n = kv_field_name(key, o, key.n);
    return ps_field_def(p, pstr(o, n));
}

/* Keys: "a", "b" or bare words, comma-separated, appended to those read
 * before (kcap and scap: the allocated keys and spans). */
static bool parse_keys(parser_t *p, kv_stage_t *k, span_t **sps, uint32_t *kcap, uint32_t *scap) {
    uint32_t ns = k->nkeys;
    for (;;) {
        if (p->t.kind != T_STR && p->t.kind != T_IDENT) {
            ps_unexpected(p, "a key such as \"user\"");
            return false;
        }
        if (p->t.v.n == 0 || p->t.v.n > KV_MAXNAME) {
            ps_error(p, p->t.sp, "a key is 1 to %d bytes long", KV_MAXNAME);
            return false;
        }
        PS_PUSH(p, k->keys, k->nkeys, *kcap, p->t.v);
        PS_PUSH(p, *sps, ns, *scap, p->t.sp);
        ps_advance(p);
        if (p->t.kind != T_COMMA) return true;
        ps_advance(p);
    }
}

/* Is t a word of the kv syntax rather than a key? */
static bool kv_word(const tok_t *t) {
    static const char *const words[] = {"infer", "auto", "regex", "keys", "as", "refonly", "nodrop", "delim", "field"};
    for (size_t i = 0; i < sizeof words / sizeof *words; i++)
        if (ps_is_kw(t, words[i])) return true;
    return false;
}

/* Options other tools' key-value parsers have and Sumo's page does not
 * (pair and key-value delimiters, key and value regexes). */
static bool undocumented(const tok_t *t) {
    static const char *const words[] = {"pairDelim", "kvDelim", "keyRegex", "valueRegex", "pair_delimiter",
                                        "kv_delimiter", "quote", "escape"};
    for (size_t i = 0; i < sizeof words / sizeof *words; i++)
        if (ps_is_kw(t, words[i])) return true;
    return false;
}

/* Check the mode words against each other; mode is the one just read. */
static bool set_mode(parser_t *p, kv_stage_t *k, bool *given, uint8_t mode, span_t sp) {
    if (*given) {
        uint32_t e = ps_error(p, sp, "keyvalue takes one mode: infer, auto or regex");
        diag_hint(p->d, e, "write one of `kv infer \"k\"`, `kv auto`, `kv regex \"(.*?)=(.*?),\"`");
        return false;
    }
    *given = true;
    k->mode = mode;
    return true;
}

/* The regex of regex mode: one group (the value) or two (key, value). */
static bool parse_regex(parser_t *p, stage_t *st, kv_stage_t *k) {
    if (p->t.kind != T_STR && p->t.kind != T_REGEX) {
        ps_unexpected(p, "a quoted regex such as \"(\\w+)=(\\S+)\"");
        return false;
    }
    tok_t t = p->t;
    k->re = ps_regex(p, &t, t.v);
    if (!k->re) return false;
    k->groups = rx_ngroups(k->re);
    if (k->groups < 1 || k->groups > 2) {
        uint32_t e = ps_error(p, t.sp, "a keyvalue regex has one capture group (the value) or two (key and value); this one has %u",
                              k->groups);
        diag_hint(p->d, e, "make other groups non-capturing: (?:...)");
        return false;
    }
    st->pattern = t.v;
    ps_advance(p);
    return true;
}

/* See op.h (STAGE_KINDS). */
bool stage_kv(parser_t *p, stage_t *st) {
    st->kind = ps_is_kw(&p->t, "keyvalue") ? ST_KEYVALUE : ST_KV;
    uint32_t start = p->t.sp.off;
    ps_advance(p);
    kv_stage_t *k = arena_calloc(ps_arena(p), sizeof *k);
    st->data = k;
    k->delims = kv_default;
    bool mode_given = false, delim_given = false;
    uint32_t kcap = 0, scap = 0;
    span_t *ksp = NULL, refsp = {0, 0}, delimsp = {0, 0};
    for (;;) {
        tok_t t = p->t;
        if (ps_is_kw(&t, "field") && ps_peek(p).kind == T_EQ) {
            if (!ps_src(p, st)) return false;
        } else if (ps_is_kw(&t, "infer") || ps_is_kw(&t, "auto")) {
            if (!set_mode(p, k, &mode_given, ps_is_kw(&t, "auto") ? KV_AUTO : KV_INFER, t.sp)) return false;
            ps_advance(p);
        } else if (ps_is_kw(&t, "regex")) {
            if (!set_mode(p, k, &mode_given, KV_REGEX, t.sp)) return false;
            ps_advance(p);
            if (!parse_regex(p, st, k)) return false;
        } else if (ps_is_kw(&t, "delim")) {
            ps_advance(p);
            if (p->t.kind == T_EQ) ps_advance(p);
            if (p->t.kind != T_STR || p->t.v.n == 0 || p->t.v.n > 8) {
                ps_unexpected(p, "a quoted delimiter of 1 to 8 bytes, such as \":\"");
                return false;
            }
            k->delims.d[0] = p->t.v;
            k->delims.n = 1;
            delim_given = true;
            delimsp = (span_t){t.sp.off, p->t.sp.off + p->t.sp.len - t.sp.off};
            ps_advance(p);
        } else if (ps_is_kw(&t, "keys")) {
            ps_advance(p);
            if (!parse_keys(p, k, &ksp, &kcap, &scap)) return false;
        } else if (ps_is_kw(&t, "refonly")) {
            k->refonly = true;
            refsp = t.sp;
            ps_advance(p);
        } else if (ps_is_kw(&t, "nodrop")) {
            st->nodrop = true;
            ps_advance(p);
        } else if (ps_is_kw(&t, "as")) {
            if (!k->nkeys || st->nflds) {
                ps_error(p, t.sp, k->nkeys ? "keyvalue takes one 'as' list" : "'as' names the fields of keys given before it");
                return false;
            }
            if (!ps_as_fields(p, st, k->nkeys, "keyvalue", "key")) return false;
        } else if (t.kind == T_IDENT && ps_peek(p).kind == T_EQ && undocumented(&t)) {
            uint32_t e = ps_error(p, t.sp, "keyvalue has no '%.*s' option", (int)t.v.n, t.v.p);
            diag_hint(p->d, e, "Sumo documents `delim \":\"` (between key and value), `regex \"(k)=(v)\"`, keys, refonly, "
                               "field= and nodrop");
            return false;
        } else if ((t.kind == T_STR || t.kind == T_IDENT) && !kv_word(&t) && !st->nflds) {
            if (!parse_keys(p, k, &ksp, &kcap, &scap)) return false;
        } else {
            break;
        }
    }
    span_t all = ps_span_from(p, start);
    if (k->refonly && (k->mode != KV_AUTO || !k->nkeys)) {
        ps_error(p, refsp, "refonly goes with `kv auto keys \"a\", ...`");
        return false;
    }
    if (delim_given && k->mode == KV_REGEX) {
        ps_error(p, delimsp, "delim does not apply to regex mode: the regex finds keys and values");
        return false;
    }
    if (!k->nkeys && k->mode == KV_INFER) {
        uint32_t e = ps_error(p, all, "keyvalue needs the keys to extract, or auto");
        diag_hint(p->d, e, "e.g. `kv \"user\", \"port\"` or `kv auto`");
        return false;
    }
    if (!k->nkeys && k->mode == KV_REGEX && k->groups == 1) {
        uint32_t e = ps_error(p, all, "a keyvalue regex with one capture group needs the keys whose values it reads");
        diag_hint(p->d, e, "e.g. `kv regex \"=(.*?),\" \"user\", \"port\"`, or capture the key too: \"(\\w+)=(.*?),\"");
        return false;
    }
    if (k->nkeys && !st->nflds) {
        /* Without `as` a key names its field, non-word bytes as `_`. */
        st->flds = arena_alloc(ps_arena(p), k->nkeys * sizeof *st->flds);
        for (uint32_t i = 0; i < k->nkeys; i++) st->flds[i] = key_field(p, k->keys[i]);
        st->flds_sp = ksp;
        st->nflds = k->nkeys;
    }
    return true;
}

/* ---- running ------------------------------------------------------------- */

/* The fields auto mode set so far in one record (the first KV_MAXAUTO). */
typedef struct kv_seen {
    uint32_t id[KV_MAXAUTO]; /* field ids */
    uint32_t n;              /* how many */
} kv_seen_t;

/* A key not found: its field is null, unless an earlier parse of a nodrop
 * chain set it (parse nodrop page). */
static void set_missing(record_t *r, uint32_t id) {
    if (!rec_has(r, id)) rec_set(r, id, val_null());
}

/* Index of the asked-for key equal to key (ASCII case ignored), or -1. */
static int ref_index(const kv_stage_t *k, pstr_t key) {
    for (uint32_t i = 0; i < k->nkeys; i++)
        if (pstr_ieq(key, k->keys[i])) return (int)i;
    return -1;
}

/* A pair found by auto mode or a two-group regex: into its asked-for
 * field, or (unless refonly) a field named after the key, the first
 * KV_MAXAUTO of them; a later duplicate overwrites ("the last occurrence
 * is extracted"). Returns true when it was an asked-for key. */
static bool put_pair(exec_t *x, const stage_t *s, const kv_stage_t *k, record_t *r, kv_seen_t *seen, pstr_t key,
                     pstr_t val) {
    int ref = ref_index(k, key);
    if (ref >= 0) {
        rec_set(r, s->flds[ref], val_strv(val));
        return true;
    }
    if (k->refonly) return false;
    char name[KV_MAXNAME];
    size_t n = kv_field_name(key, name, sizeof name);
    if (!n) return false;
    uint32_t id = ex_field_in(x, pstr(name, n), r);
    if (id < F_NBUILTIN) return false; /* a key never overwrites _raw or other metadata */
    bool known = false;
    for (uint32_t i = 0; i < seen->n && !known; i++) known = seen->id[i] == id;
    if (!known) {
        if (seen->n == KV_MAXAUTO) return false;
        seen->id[seen->n++] = id;
    }
    rec_set(r, id, val_strv(val));
    return false;
}

/* Regex mode: pairs (two groups) or each key's value (one group). Returns
 * how many asked-for keys were found, or with no keys whether any pair was. */
static uint32_t run_regex(exec_t *x, const stage_t *s, const kv_stage_t *k, record_t *r, pstr_t text,
                          kv_seen_t *seen, bool *found) {
    long ov[6];
    uint32_t hits = 0;
    if (k->groups == 1) {
        for (uint32_t i = 0; i < k->nkeys; i++) {
            size_t end;
            int m = kv_find_key(text, k->keys[i], &end) ? rx_search(k->re, x->ev.rx, text, end, ov, 2) : 0;
            if (m < 0) x->ev.rx_limit++;
            if (m > 0 && ov[2] >= 0) {
                rec_set(r, s->flds[i], val_str(text.p + ov[2], (size_t)(ov[3] - ov[2])));
                hits++;
            } else {
                set_missing(r, s->flds[i]);
            }
        }
        return hits;
    }
    bool *got = k->nkeys ? arena_calloc(&x->scratch, k->nkeys) : NULL;
    for (size_t pos = 0; pos <= text.n;) {
        int m = rx_search(k->re, x->ev.rx, text, pos, ov, 3);
        if (m < 0) x->ev.rx_limit++;
        if (m <= 0) break;
        pos = ov[1] > ov[0] ? (size_t)ov[1] : (size_t)ov[1] + 1;
        if (ov[2] < 0 || ov[4] < 0) continue;
        pstr_t key = pstr_trim(pstr(text.p + ov[2], (size_t)(ov[3] - ov[2])));
        pstr_t val = pstr(text.p + ov[4], (size_t)(ov[5] - ov[4]));
        if (k->nkeys) {
            /* Asked-for keys take their first occurrence. */
            int ref = ref_index(k, key);
            if (ref >= 0 && !got[ref]) {
                got[ref] = true;
                rec_set(r, s->flds[ref], val_strv(val));
                if (++hits == k->nkeys) break;
            }
        } else {
            *found = true;
            put_pair(x, s, k, r, seen, key, val);
        }
    }
    for (uint32_t i = 0; i < k->nkeys; i++)
        if (!got[i]) set_missing(r, s->flds[i]);
    return hits;
}

/* See op.h (STAGE_KINDS). */
int row_kv(exec_t *x, uint32_t i, const stage_t *s, record_t *r) {
    const kv_stage_t *k = s->data;
    value_t src = ex_src(r, s);
    if (src.t != V_STR) {
        if (k->mode == KV_AUTO) return ex_next(x, i, r); /* auto drops nothing */
        return ex_parse_next(x, i, s, r, false);
    }
    pstr_t text = val_pstr(src);
    kv_seen_t *seen = arena_alloc(&x->scratch, sizeof *seen);
    seen->n = 0;
    if (k->mode == KV_AUTO) {
        for (uint32_t j = 0; j < k->nkeys; j++) set_missing(r, s->flds[j]);
        size_t pos = 0;
        pstr_t key, val;
        while (kv_next_pair(text, &pos, &k->delims, &x->scratch, &key, &val)) put_pair(x, s, k, r, seen, key, val);
        return ex_next(x, i, r);
    }
    bool found = false;
    uint32_t hits = 0;
    if (k->mode == KV_REGEX) {
        hits = run_regex(x, s, k, r, text, seen, &found);
    } else {
        for (uint32_t j = 0; j < k->nkeys; j++) {
            pstr_t val;
            if (kv_infer(text, k->keys[j], &k->delims, &x->scratch, &val)) {
                rec_set(r, s->flds[j], val_strv(val));
                hits++;
            } else {
                set_missing(r, s->flds[j]);
            }
        }
    }
    /* Kept when one key is found (or, without keys, one pair). */
    return ex_parse_next(x, i, s, r, hits > 0 || found);
}
