/* op_parse.c — the parse operator (the "parse anchor").
 *
 * `parse [field=f] "start*stop" as a [, "p2*" as b ...] [nodrop]`: each
 * `*` of a pattern captures the text between the anchors around it (the
 * first occurrence of each anchor, left to right; a final `*` runs to the
 * end). Anchors match ignoring ASCII case: the anchor page's `parse
 * "user=*:"` reads "User=jsmith@demo.com:". Several patterns in one
 * stage are tried independently; the record is kept when at least one
 * matches ("messages must match at least one segment of the parse
 * expression"), and the others' fields are null. `parse regex` is parsed
 * by stage_parse_regex (parse.c), `parse xml` by stage_xml (op_xml.c).
 */
#include <string.h>

#include "op.h"

/* The stage's patterns beyond st->pattern (query arena). */
typedef struct pa_patterns {
    uint32_t n, cap;     /* patterns (the first being st->pattern), allocated */
    pstr_t *pat;         /* each pattern's text */
    uint32_t *nout;      /* how many of st->flds each one fills, in order */
    uint32_t fcap, scap; /* allocated st->flds and st->flds_sp while parsing */
} pa_patterns_t;

/* One `"pattern" as a, b` of the stage; appends to the stage's outputs. */
static bool parse_one(parser_t *p, stage_t *st, pa_patterns_t *pp) {
    if (p->t.kind != T_STR) {
        ps_unexpected(p, "a quoted pattern such as \"user=* \"");
        return false;
    }
    tok_t t = p->t;
    uint32_t stars = 0;
    for (size_t i = 0; i < t.v.n; i++) {
        if (t.v.p[i] != '*') continue;
        if (i + 1 < t.v.n && t.v.p[i + 1] == '*') {
            ps_error(p, t.sp, "'**' is not allowed in a parse pattern: each '*' extracts one field");
            return false;
        }
        stars++;
    }
    if (stars == 0) {
        ps_error(p, t.sp, "the parse pattern has no '*' to extract");
        return false;
    }
    if (stars > PA_MAXCAPS) {
        ps_error(p, t.sp, "a parse pattern extracts at most %d fields", PA_MAXCAPS);
        return false;
    }
    ps_advance(p);
    if (!ps_expect_kw(p, "as", "'as' and the field names")) return false;
    uint32_t start = p->t.sp.off, before = st->nflds;
    bool paren = p->t.kind == T_LPAREN; /* as (a, b, c) */
    if (paren) ps_advance(p);
    /* The names, one a `*`: stop at a comma followed by the next pattern. */
    for (uint32_t k = 0; k < stars; k++) {
        if (k && p->t.kind != T_COMMA) {
            ps_error(p, ps_span_from(p, start), "the pattern has %u '*' but 'as' names %u field%s", stars, k,
                     k == 1 ? "" : "s");
            return false;
        }
        if (k) ps_advance(p);
        pstr_t name;
        span_t sp;
        if (!ps_fieldname(p, &name, &sp)) return false;
        st->flds_sp = ps_grow(p, st->flds_sp, st->nflds, &pp->scap, sizeof *st->flds_sp);
        st->flds_sp[st->nflds] = sp;
        PS_PUSH(p, st->flds, st->nflds, pp->fcap, ps_field_def(p, name));
    }
    if (paren && !ps_expect(p, T_RPAREN, "')'")) return false;
    if (p->t.kind == T_COMMA && (ps_peek(p).kind == T_IDENT || ps_peek(p).kind == T_QIDENT)) {
        ps_advance(p);
        uint32_t more = stars;
        while (p->t.kind == T_IDENT || p->t.kind == T_QIDENT) {
            more++;
            ps_advance(p);
            if (p->t.kind != T_COMMA || ps_peek(p).kind == T_STR) break;
            ps_advance(p);
        }
        ps_error(p, ps_span_from(p, start), "the pattern has %u '*' but 'as' names %u fields", stars, more);
        return false;
    }
    uint32_t c = pp->cap;
    pp->pat = ps_grow(p, pp->pat, pp->n, &c, sizeof *pp->pat);
    pp->nout = ps_grow(p, pp->nout, pp->n, &pp->cap, sizeof *pp->nout);
    pp->pat[pp->n] = t.v;
    pp->nout[pp->n++] = st->nflds - before;
    return true;
}

/* See op.h (STAGE_KINDS). */
bool stage_parse(parser_t *p, stage_t *st) {
    ps_advance(p);
    if (ps_is_kw(&p->t, "regex")) return stage_parse_regex(p, st);
    if (ps_is_kw(&p->t, "xml")) return stage_xml(p, st);
    st->kind = ST_PARSE;
    if (!ps_src(p, st)) return false;
    pa_patterns_t *pp = arena_calloc(ps_arena(p), sizeof *pp);
    st->data = pp;
    for (;;) {
        if (!parse_one(p, st, pp)) return false;
        if (p->t.kind != T_COMMA) break;
        ps_advance(p);
    }
    st->pattern = pp->pat[0];
    if (ps_is_kw(&p->t, "nodrop")) {
        st->nodrop = true;
        ps_advance(p);
    }
    return true;
}

/* Offset of anchor a in text at or after pos, ignoring ASCII case; -1. */
static long find_anchor(pstr_t text, size_t pos, pstr_t a) {
    if (pos > text.n) return -1;
    long k = pstr_ifind(pstr(text.p + pos, text.n - pos), a);
    return k < 0 ? -1 : (long)pos + k;
}

/* See op.h. */
bool pa_match(pstr_t text, pstr_t pat, value_t *caps, uint32_t *ncaps) {
    if (!text.p) text = pstr("", 0); /* an empty value may have no bytes at all */
    size_t pos = 0, pi = 0;
    uint32_t out = 0;
    bool first = true;
    for (;;) {
        size_t pe = pi;
        while (pe < pat.n && pat.p[pe] != '*') pe++;
        pstr_t anchor = pstr(pat.p + pi, pe - pi);
        if (first) {
            if (anchor.n) {
                long k = find_anchor(text, pos, anchor);
                if (k < 0) return false;
                pos = (size_t)k + anchor.n;
            }
            first = false;
        } else {
            /* Capture up to this anchor (a final `*` runs to the end). */
            size_t end;
            if (anchor.n == 0) {
                end = pe >= pat.n ? text.n : pos;
            } else {
                long k = find_anchor(text, pos, anchor);
                if (k < 0) return false;
                end = (size_t)k;
            }
            if (out < PA_MAXCAPS) caps[out++] = val_str(text.p + pos, end - pos);
            pos = end + anchor.n;
        }
        if (pe >= pat.n) break;
        pi = pe + 1;
    }
    *ncaps = out;
    return true;
}

/* See op.h (STAGE_KINDS). */
int row_parse(exec_t *x, uint32_t i, const stage_t *s, record_t *r) {
    value_t src = ex_src(r, s);
    const pa_patterns_t *pp = s->data;
    bool any = false;
    uint32_t off = 0;
    value_t caps[PA_MAXCAPS];
    for (uint32_t k = 0; k < pp->n; k++) {
        uint32_t n = 0;
        bool hit = src.t == V_STR && pa_match(val_pstr(src), pp->pat[k], caps, &n);
        if (hit) {
            for (uint32_t c = 0; c < n && c < pp->nout[k]; c++) rec_set(r, s->flds[off + c], caps[c]);
            any = true;
        } else if (pp->n > 1) {
            /* Another pattern may match: this one's fields are null. */
            for (uint32_t c = 0; c < pp->nout[k]; c++)
                if (!rec_has(r, s->flds[off + c])) rec_set(r, s->flds[off + c], val_null());
        }
        off += pp->nout[k];
    }
    return ex_parse_next(x, i, s, r, any);
}
