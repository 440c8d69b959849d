/* op_sessionize.c — the sessionize operator: messages joined into sessions.
 *
 * `sessionize "requestId=* started" as (requestId), "requestId=$requestId
 * completed in * ms" as (duration)`: each anchor pattern is a parse
 * pattern whose `*`s extract the aliases and whose `$name`s refer to a
 * value an earlier pattern extracted; a message matching pattern k joins
 * the partial sessions that matched patterns 0..k-1 with the same values
 * (of its `$name`s and of aliases they share) (sessionize page). A
 * blocking stage: it runs once on the whole table, oldest message first,
 * and emits one row per complete session. Semantics: docs/semantics.md §13.
 */
#include <stdlib.h>
#include <string.h>

#include "hmap.h"
#include "op.h"

/* Patterns of one sessionize at most. */
#define SZ_MAXPATS 32

/* One anchor pattern, with `$name`s turned into `*` captures. */
typedef struct sz_pat {
    pstr_t pat;          /* the pattern to match (query arena) */
    uint32_t *cap;       /* per capture: the variable it fills */
    bool *join;          /* per capture: it must equal the session's value ($name or a shared alias) */
    uint32_t ncap;       /* captures */
} sz_pat_t;

/* A sessionize's parsed form (query arena). */
typedef struct sz_stage {
    sz_pat_t pats[SZ_MAXPATS]; /* the patterns in order */
    uint32_t npats;      /* how many (2 or more) */
    uint32_t *vars;      /* the field of each variable (aliases of every pattern) */
    uint32_t nvars;      /* how many */
} sz_stage_t;

/* ---- parsing ------------------------------------------------------------- */

/* The variable of field id, added when new and def; -1 when unknown. */
static int var_of(parser_t *p, sz_stage_t *z, uint32_t id, bool def, uint32_t *cap) {
    for (uint32_t i = 0; i < z->nvars; i++)
        if (z->vars[i] == id) return (int)i;
    if (!def) return -1;
    PS_PUSH(p, z->vars, z->nvars, *cap, id);
    return (int)z->nvars - 1;
}

/* A name after `$`: letters, digits and `_`. */
static size_t var_len(pstr_t s, size_t i) {
    size_t j = i;
    while (j < s.n && ((s.p[j] >= 'a' && s.p[j] <= 'z') || (s.p[j] >= 'A' && s.p[j] <= 'Z') || s.p[j] == '_' ||
                       (j > i && s.p[j] >= '0' && s.p[j] <= '9')))
        j++;
    return j - i;
}

/* One `"pattern" as (a, b)` (the parentheses are optional). */
static bool parse_pat(parser_t *p, sz_stage_t *z, uint32_t *vcap) {
    bool paren = p->t.kind == T_LPAREN; /* ("pattern") */
    if (paren) ps_advance(p);
    if (p->t.kind != T_STR) {
        ps_unexpected(p, "a quoted anchor pattern such as \"id=* started\"");
        return false;
    }
    tok_t t = p->t;
    pstr_t src = t.v;
    ps_advance(p);
    if (paren && !ps_expect(p, T_RPAREN, "')'")) return false;
    /* The names of the `*`s: `as (a, b)`, `as a, b`, `as ()`, or nothing
     * for a pattern without `*`. */
    uint32_t *ids = NULL, nids = 0, icap = 0;
    bool as = ps_is_kw(&p->t, "as");
    if (as) ps_advance(p);
    bool lparen = as && p->t.kind == T_LPAREN;
    if (lparen) ps_advance(p);
    for (; as && !(lparen && p->t.kind == T_RPAREN);) {
        pstr_t name;
        span_t sp;
        if (!ps_fieldname(p, &name, &sp)) return false;
        PS_PUSH(p, ids, nids, icap, ps_field_def(p, name));
        if (p->t.kind != T_COMMA) break;
        tok_t n = ps_peek(p);
        if (!lparen && (n.kind == T_STR || n.kind == T_LPAREN)) break; /* the next pattern */
        ps_advance(p);
    }
    if (lparen && !ps_expect(p, T_RPAREN, "')'")) return false;
    uint32_t nstars = 0;
    for (size_t i = 0; i < src.n; i++) nstars += src.p[i] == '*';
    if (nstars != nids) {
        uint32_t e = ps_error(p, t.sp, "the pattern has %u '*' but 'as' names %u field%s", nstars, nids, nids == 1 ? "" : "s");
        if (!as) diag_hint(p->d, e, "name what each '*' extracts: \"id=*\" as (id)");
        return false;
    }
    /* The pattern with `$name`s as `*`s, and what each capture fills. */
    sz_pat_t *zp = &z->pats[z->npats];
    char *out = arena_alloc(ps_arena(p), src.n + 1);
    size_t k = 0;
    uint32_t stars = 0, ccap = 0, jcap = 0;
    zp->cap = NULL;
    zp->join = NULL;
    zp->ncap = 0;
    for (size_t i = 0; i < src.n; i++) {
        size_t vl = src.p[i] == '$' ? var_len(src, i + 1) : 0;
        if (src.p[i] != '*' && !vl) {
            out[k++] = src.p[i];
            continue;
        }
        if (k && out[k - 1] == '*') {
            ps_error(p, t.sp, "two captures ('*' or '$name') must be separated by text");
            return false;
        }
        out[k++] = '*';
        int v;
        bool join;
        if (vl) {
            pstr_t name = pstr(src.p + i + 1, vl);
            uint32_t id = ftab_find(&p->q->ft, name);
            v = id == FIELD_NONE ? -1 : var_of(p, z, id, false, vcap);
            if (v < 0) {
                uint32_t e = ps_error(p, t.sp, "$%.*s is not extracted by an earlier pattern", (int)vl, name.p);
                diag_hint(p->d, e, "a $name refers to an alias of a pattern before this one");
                return false;
            }
            join = true;
            i += vl;
        } else {
            join = var_of(p, z, ids[stars], false, vcap) >= 0; /* a field in common: inner join */
            v = var_of(p, z, ids[stars], true, vcap);
            stars++;
        }
        if (zp->ncap == PA_MAXCAPS) {
            ps_error(p, t.sp, "a sessionize pattern has at most %d captures", PA_MAXCAPS);
            return false;
        }
        uint32_t n = zp->ncap;
        PS_PUSH(p, zp->cap, n, ccap, (uint32_t)v);
        PS_PUSH(p, zp->join, zp->ncap, jcap, join);
    }
    zp->pat = pstr(out, k);
    z->npats++;
    return true;
}

/* See op.h (STAGE_KINDS). */
bool stage_sessionize(parser_t *p, stage_t *st) {
    st->kind = ST_SESSIONIZE;
    uint32_t start = p->t.sp.off;
    ps_advance(p);
    sz_stage_t *z = arena_calloc(ps_arena(p), sizeof *z);
    st->data = z;
    uint32_t vcap = 0;
    for (;;) {
        if (z->npats == SZ_MAXPATS) {
            ps_error(p, p->t.sp, "sessionize takes at most %d patterns", SZ_MAXPATS);
            return false;
        }
        if (!parse_pat(p, z, &vcap)) return false;
        if (p->t.kind != T_COMMA) break;
        ps_advance(p);
    }
    if (z->npats < 2) {
        /* "The sessionize operator is followed by more than one anchor expression." */
        uint32_t e = ps_error(p, ps_span_from(p, start), "sessionize needs two or more anchor patterns");
        diag_hint(p->d, e, "one pattern is a parse: `parse \"id=* started\" as id`");
        return false;
    }
    st->flds = z->vars;
    st->nflds = z->nvars;
    return true;
}

/* ---- running ------------------------------------------------------------- */

/* A partial or complete session. */
typedef struct sz_sess {
    uint32_t stage;      /* patterns matched so far (0..stage-1) */
    int32_t next;        /* next session in its bucket */
    const record_t *last;/* the message that matched last */
    pstr_t *val;         /* per variable; p == NULL: not set */
} sz_sess_t;

/* A bucket: the sessions waiting for pattern `stage` with `key` (the
 * values they must meet, joined by 0x1f). */
typedef struct sz_bucket {
    pstr_t key;          /* run arena */
    uint32_t stage;      /* the pattern its sessions wait for */
    int32_t head;        /* first session, -1: none */
} sz_bucket_t;

/* The run's state. */
typedef struct sz_run {
    const sz_stage_t *z; /* the stage run (query arena) */
    sz_sess_t *s;        /* sessions */
    size_t ns, scap;     /* used, allocated */
    hm_t ix;             /* (stage, key) -> bucket id (hmap.h) */
    sz_bucket_t *b;      /* buckets by id (heap) */
    size_t bcap, nb;     /* allocated, used */
    arena_t a;           /* keys and session values */
    char *kbuf;          /* key scratch (heap) */
    size_t kcap;         /* its size */
} sz_run_t;

/* The join key of pattern k for the values in val (vals of captures
 * that join), into R->kbuf; false when one is unset. */
static bool make_key(sz_run_t *R, uint32_t k, const pstr_t *val, pstr_t *key) {
    const sz_pat_t *zp = &R->z->pats[k];
    size_t n = 0;
    for (uint32_t c = 0; c < zp->ncap; c++) {
        if (!zp->join[c]) continue;
        pstr_t v = val[c];
        if (!v.p) return false;
        if (n + v.n + 1 > R->kcap) {
            R->kcap = (n + v.n + 1) * 2;
            R->kbuf = xrealloc(R->kbuf, R->kcap);
        }
        memcpy(R->kbuf + n, v.p, v.n);
        n += v.n;
        R->kbuf[n++] = 0x1f;
    }
    *key = pstr(R->kbuf ? R->kbuf : "", n);
    return true;
}

/* The id of the bucket of (stage, key), or HM_NONE with *p where it goes. */
static uint32_t bucket(const sz_run_t *R, uint32_t stage, pstr_t key, hm_probe_t *p) {
    *p = hm_start(&R->ix, hm_mix(hm_hash(key.p, key.n), stage));
    for (uint32_t id; (id = hm_next(&R->ix, p)) != HM_NONE;)
        if (R->b[id].stage == stage && pstr_eq(R->b[id].key, key)) return id;
    return HM_NONE;
}

/* File session si under the pattern it waits for. */
static void file_session(sz_run_t *R, int32_t si) {
    sz_sess_t *s = &R->s[si];
    const sz_pat_t *zp = &R->z->pats[s->stage];
    pstr_t *jv = arena_alloc(&R->a, (zp->ncap ? zp->ncap : 1) * sizeof *jv);
    for (uint32_t c = 0; c < zp->ncap; c++) jv[c] = s->val[zp->cap[c]];
    pstr_t key;
    if (!make_key(R, s->stage, jv, &key)) return; /* cannot meet the pattern */
    hm_probe_t p;
    uint32_t id = bucket(R, s->stage, key, &p);
    if (id == HM_NONE) {
        if (R->nb == R->bcap) {
            R->bcap = R->bcap ? R->bcap * 2 : 64;
            R->b = xrealloc(R->b, R->bcap * sizeof *R->b);
        }
        id = (uint32_t)R->nb++;
        R->b[id] = (sz_bucket_t){pstr(arena_strndup(&R->a, key.p, key.n), key.n), s->stage, -1};
        hm_add(&R->ix, &p, id);
    }
    sz_bucket_t *b = &R->b[id];
    s->next = b->head;
    b->head = si;
}

/* A new session: a copy of session from's values (-1: none) plus the
 * captures of pattern k, at stage k+1. */
static int32_t new_session(sz_run_t *R, int32_t from, uint32_t k, const value_t *caps, const record_t *r) {
    if (R->ns == R->scap) {
        R->scap = R->scap ? R->scap * 2 : 64;
        R->s = xrealloc(R->s, R->scap * sizeof *R->s);
    }
    int32_t si = (int32_t)R->ns++;
    sz_sess_t *s = &R->s[si];
    s->val = arena_calloc(&R->a, (R->z->nvars ? R->z->nvars : 1) * sizeof *s->val);
    if (from >= 0) memcpy(s->val, R->s[from].val, R->z->nvars * sizeof *s->val);
    const sz_pat_t *zp = &R->z->pats[k];
    for (uint32_t c = 0; c < zp->ncap; c++)
        if (!zp->join[c]) s->val[zp->cap[c]] = val_pstr(caps[c]);
    s->stage = k + 1;
    s->next = -1;
    s->last = r;
    return si;
}

/* See op.h (STAGE_KINDS). */
int tab_sessionize(exec_t *x, uint32_t i, const stage_t *st, table_t *t) {
    (void)x;
    (void)i;
    const sz_stage_t *z = st->data;
    sz_run_t R = {.z = z};
    record_t **rows = tr_by_time(t);
    table_t nt;
    table_init(&nt);
    if (t->fixed) { /* columns set by an aggregate or fields: they stay, the aliases join them */
        nt.fixed = true;
        for (uint32_t c = 0; c < t->ncols; c++) table_add_col(&nt, t->cols[c]);
        for (uint32_t v = 0; v < z->nvars; v++) table_add_col(&nt, z->vars[v]);
    }
    value_t caps[PA_MAXCAPS];
    pstr_t jv[PA_MAXCAPS];
    for (size_t j = 0; j < t->n; j++) {
        const record_t *r = rows[j];
        value_t src = rec_get(r, F_RAW);
        pstr_t text = src.t == V_STR ? val_pstr(src) : r->raw;
        if (!text.p) continue;
        /* Later patterns first, so one message extends a session once. */
        for (uint32_t k = z->npats; k-- > 0;) {
            const sz_pat_t *zp = &z->pats[k];
            uint32_t nc = 0;
            if (!pa_match(text, zp->pat, caps, &nc) || nc < zp->ncap) continue;
            if (k == 0) {
                file_session(&R, new_session(&R, -1, 0, caps, r));
                continue;
            }
            for (uint32_t c = 0; c < zp->ncap; c++) jv[c] = val_pstr(caps[c]);
            pstr_t key;
            if (!make_key(&R, k, jv, &key)) continue;
            hm_probe_t p;
            uint32_t id = bucket(&R, k, key, &p);
            if (id == HM_NONE) continue;
            for (int32_t si = R.b[id].head; si >= 0; si = R.s[si].next) {
                if (R.s[si].last == r) continue; /* not joined with itself */
                int32_t ni = new_session(&R, si, k, caps, r);
                if (k + 1 < z->npats) {
                    file_session(&R, ni);
                    continue;
                }
                /* Complete: the last message, with every variable. */
                record_t *out = table_add(&nt, r);
                for (uint32_t v = 0; v < z->nvars; v++) {
                    pstr_t val = R.s[ni].val[v];
                    rec_set(out, z->vars[v],
                            val.p ? val_str(arena_strndup(&nt.arena, val.p, val.n), val.n) : val_null());
                }
            }
        }
    }
    table_sort_seq(&nt);
    table_move(t, &nt);
    free(rows);
    free(R.s);
    free(R.b);
    hm_free(&R.ix);
    free(R.kbuf);
    arena_free(&R.a);
    return 0;
}
