/* op_split.c — the csv and split operators: delimited text into fields.
 *
 * `csv <field> [delim=',', quote='"', escape='\'] extract 1 as a, b, _, 5
 * as e` and `split` (the same syntax; the pages differ only in their
 * examples) cut a field at a one-character delimiter, honouring quotes
 * and an escape character, and name columns by index (`N as f`) or
 * position (`f`, `_` to skip) (parse-csv-formatted-logs and
 * parse-delimited-logs-using-split pages). A parse-family stage between
 * the reader and the aggregate; columns borrow the record or the worker's
 * scratch arena. Semantics: docs/semantics.md §13.
 */
#include <string.h>

#include "op.h"
#include "op_text.h"

/* Highest column index a stage may name. */
#define SP_MAXCOL 4096
/* Columns kept on the stack per record; more go to the scratch arena. */
#define SP_STACKCOLS 64

/* A csv or split stage's parsed form (query arena); outputs are st->flds. */
typedef struct sp_stage {
    sp_opts_t o;         /* delimiter, quote, escape */
    uint32_t *pos;       /* 1-based column of each output, parallel to st->flds */
    uint32_t maxpos;     /* the highest of them */
} sp_stage_t;

/* ---- splitting ----------------------------------------------------------- */

/* See op_text.h. */
void sp_opts_default(sp_opts_t *o) {
    memset(o, 0, sizeof *o);
    o->delim[0] = ',';
    o->ndelim = 1;
    o->quote = '"';
    o->esc = '\\';
}

/* Does the delimiter start at p[j]? */
static bool at_delim(const char *p, size_t n, size_t j, const sp_opts_t *o) {
    return j + o->ndelim <= n && memcmp(p + j, o->delim, o->ndelim) == 0;
}

/* The bytes the escape at p[j] stands for (the delimiter, the quote or
 * the escape after it), or 0 when it escapes nothing and stays as written. */
static size_t escaped_len(const char *p, size_t n, size_t j, const sp_opts_t *o) {
    if (j + 1 >= n) return 0;
    if (at_delim(p, n, j + 1, o)) return o->ndelim;
    return p[j + 1] == o->quote || p[j + 1] == o->esc ? 1 : 0;
}

/* Walk the column starting at p[i] up to its delimiter (or the end);
 * returns the offset where it ends. With out, writes its decoded bytes
 * there (at most the column's length) and their number to *outn; *copy
 * says whether decoding changes anything. */
static size_t walk(const char *p, size_t n, size_t i, const sp_opts_t *o, char *out, size_t *outn, bool *copy) {
    bool inq = false;
    size_t k = 0, j = i;
    *copy = false;
    while (j < n) {
        char c = p[j];
        size_t el = c == o->esc ? escaped_len(p, n, j, o) : 0;
        if (el) {
            if (out) memcpy(out + k, p + j + 1, el);
            k += el;
            j += 1 + el;
            *copy = true;
        } else if (c == o->quote) {
            *copy = true;
            if (inq && j + 1 < n && p[j + 1] == o->quote) { /* "" inside quotes */
                if (out) out[k] = c;
                k++;
                j += 2;
            } else {
                inq = !inq;
                j++;
            }
        } else if (!inq && at_delim(p, n, j, o)) {
            break;
        } else {
            if (out) out[k] = c;
            k++;
            j++;
        }
    }
    if (outn) *outn = k;
    return j;
}

/* See op_text.h. */
uint32_t sp_split(pstr_t text, const sp_opts_t *o, arena_t *a, pstr_t *cols, uint32_t max) {
    const char *p = text.p ? text.p : "";
    uint32_t n = 0;
    for (size_t i = 0;;) {
        bool copy;
        size_t j = walk(p, text.n, i, o, NULL, NULL, &copy);
        if (n < max) {
            if (copy) {
                char *buf = arena_alloc(a, j - i ? j - i : 1);
                size_t k;
                walk(p, text.n, i, o, buf, &k, &copy);
                cols[n] = pstr(buf, k);
            } else {
                cols[n] = pstr(p + i, j - i);
            }
        }
        n++;
        if (j >= text.n || n > max) return n;
        i = j + o->ndelim;
    }
}

/* ---- parsing ------------------------------------------------------------- */

/* Bytes of the UTF-8 character whose first byte is c (1 for a stray byte). */
static size_t utf8_len(unsigned char c) { return c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1; }

/* The value of `delim=`, `quote=` or `escape=`: one character in single
 * quotes (`':'`, `'''`, `'\'`, a tab typed between them) or in double
 * quotes (`"\t"`); a delimiter may be any UTF-8 character, a quote or an
 * escape one ASCII byte. The lexer has no single-quoted token, so the
 * text is read here and the lexer moved past it. */
static bool option_char(parser_t *p, const char *opt, bool utf8, char *out, uint8_t *n, span_t *sp) {
    const char *text = p->q->text;
    uint32_t len = p->q->len, off = p->t.sp.off;
    pstr_t v;
    if (p->t.kind == T_STR) {
        v = p->t.v;
        *sp = p->t.sp;
    } else if (off < len && text[off] == '\'') {
        /* The closing quote comes after the first character, which may
         * be a quote itself (`'''`); `''` is empty. */
        const char *close = NULL;
        if (off + 1 < len && text[off + 1] == '\'' && (off + 2 >= len || text[off + 2] != '\''))
            close = text + off + 1;
        else if (off + 2 < len)
            close = memchr(text + off + 2, '\'', len - off - 2);
        if (!close) {
            ps_error(p, (span_t){off, len - off}, "unterminated '...' value of %s", opt);
            return false;
        }
        v = pstr(text + off + 1, (size_t)(close - text) - off - 1);
        *sp = (span_t){off, (uint32_t)(close - text) + 1 - off};
        p->t.sp = *sp; /* the token now covers the quoted text */
        p->lx.pos = sp->off + sp->len;
    } else {
        ps_unexpected(p, "a character in quotes, such as ':'");
        return false;
    }
    size_t cl = v.n ? (utf8 ? utf8_len((unsigned char)v.p[0]) : 1) : 0;
    if (v.n == 0 || v.n != cl || (!utf8 && (unsigned char)v.p[0] >= 0x80)) {
        uint32_t e = ps_error(p, *sp, "%s must be a single %scharacter", opt, utf8 ? "" : "ASCII ");
        if (v.n > 1 && v.p[0] == ' ')
            diag_hint(p->d, e, "a tab is written as the tab character itself between the quotes, or as \"\\t\"");
        else if (v.n == 2 && v.p[0] == '\\')
            diag_hint(p->d, e, "inside single quotes a backslash is itself: write \"\\%c\" for the escape sequence", v.p[1]);
        return false;
    }
    memcpy(out, v.p, v.n);
    *n = (uint8_t)v.n;
    ps_advance(p);
    return true;
}

/* The options between the field and `extract`. */
static bool parse_options(parser_t *p, sp_stage_t *sp) {
    span_t where[3] = {{0, 0}, {0, 0}, {0, 0}}; /* delim, quote, escape as written */
    bool given[3] = {false, false, false};
    for (;;) {
        int which = ps_is_kw(&p->t, "delim") ? 0 : ps_is_kw(&p->t, "quote") ? 1 : ps_is_kw(&p->t, "escape") ? 2 : -1;
        if (which < 0 || ps_peek(p).kind != T_EQ) break;
        static const char *const names[3] = {"delim", "quote", "escape"};
        ps_advance(p);
        ps_advance(p);
        uint8_t n;
        char c[SP_MAXDELIM];
        if (!option_char(p, names[which], which == 0, c, &n, &where[which])) return false;
        if (which == 0) {
            memcpy(sp->o.delim, c, n);
            sp->o.ndelim = n;
        } else if (which == 1) {
            sp->o.quote = c[0];
        } else {
            sp->o.esc = c[0];
        }
        given[which] = true;
        if (p->t.kind == T_COMMA) ps_advance(p);
    }
    /* "they must all be different" */
    const sp_opts_t *o = &sp->o;
    bool dq = o->ndelim == 1 && o->delim[0] == o->quote, de = o->ndelim == 1 && o->delim[0] == o->esc;
    if (dq || de || o->quote == o->esc) {
        int culprit = given[2] && (de || o->quote == o->esc) ? 2 : given[1] && (dq || o->quote == o->esc) ? 1 : 0;
        uint32_t e = ps_error(p, where[culprit], "the delimiter, quote and escape characters must all be different");
        diag_hint(p->d, e, "the defaults are delim=',', quote='\"' and escape='\\'");
        return false;
    }
    return true;
}

/* `extract 1 as a, b, _, 5 as e`: a plain name takes the column after the
 * previous one, `_` skips one. */
static bool parse_extract(parser_t *p, stage_t *st, sp_stage_t *sp) {
    uint32_t fcap = 0, scap = 0, pcap = 0, npos = 0, col = 0;
    uint32_t start = p->t.sp.off;
    for (;;) {
        if (p->t.kind == T_NUM) {
            tok_t t = p->t;
            int64_t n;
            if (!ps_count(p, &n)) return false;
            if (n < 1 || n > SP_MAXCOL) {
                ps_error(p, t.sp, "a column index is between 1 and %d", SP_MAXCOL);
                return false;
            }
            if (!ps_expect_kw(p, "as", "'as' and a field name")) return false;
            col = (uint32_t)n;
        } else {
            if (col == SP_MAXCOL) {
                ps_error(p, p->t.sp, "a column index is between 1 and %d", SP_MAXCOL);
                return false;
            }
            col++;
        }
        pstr_t name;
        span_t nsp;
        if (!ps_fieldname(p, &name, &nsp)) return false;
        if (!pstr_eq(name, PSTR_LIT("_"))) {
            st->flds_sp = ps_grow(p, st->flds_sp, st->nflds, &scap, sizeof *st->flds_sp);
            st->flds_sp[st->nflds] = nsp;
            PS_PUSH(p, st->flds, st->nflds, fcap, ps_field_def(p, name));
            PS_PUSH(p, sp->pos, npos, pcap, col);
            if (col > sp->maxpos) sp->maxpos = col;
        }
        if (p->t.kind != T_COMMA) break;
        ps_advance(p);
    }
    if (!st->nflds) {
        ps_error(p, ps_span_from(p, start), "extract names no field (`_` only skips a column)");
        return false;
    }
    return true;
}

/* See op.h (STAGE_KINDS). */
bool stage_split(parser_t *p, stage_t *st) {
    bool csv = ps_is_kw(&p->t, "csv");
    const char *op = csv ? "csv" : "split";
    st->kind = csv ? ST_CSV : ST_SPLIT;
    ps_advance(p);
    sp_stage_t *sp = arena_calloc(ps_arena(p), sizeof *sp);
    st->data = sp;
    sp_opts_default(&sp->o);
    /* "A field to extract from is always required." */
    if (ps_is_kw(&p->t, "extract") || (p->t.kind != T_IDENT && p->t.kind != T_QIDENT)) {
        uint32_t e = ps_unexpected(p, "the field to split");
        diag_hint(p->d, e, "name it, _raw for the whole message: `%s _raw extract 1 as a, 2 as b`", op);
        return false;
    }
    pstr_t name;
    span_t nsp;
    if (!ps_fieldname(p, &name, &nsp)) return false;
    st->src = ps_field_use(p, name);
    st->src_given = true;
    if (!parse_options(p, sp)) return false;
    if (!ps_expect_kw(p, "extract", "'extract' and the columns (or delim=, quote=, escape=)")) return false;
    if (!parse_extract(p, st, sp)) return false;
    if (ps_is_kw(&p->t, "nodrop")) {
        st->nodrop = true;
        ps_advance(p);
    }
    return true;
}

/* ---- running ------------------------------------------------------------- */

/* See op.h (STAGE_KINDS). A message matches when its field is text;
 * columns past its last one are null (Sumo's PAN-OS app names 67 columns
 * for firmware whose lines have fewer). */
int row_split(exec_t *x, uint32_t i, const stage_t *s, record_t *r) {
    const sp_stage_t *sp = s->data;
    value_t src = ex_src(r, s);
    if (src.t != V_STR) return ex_parse_next(x, i, s, r, false);
    pstr_t stack[SP_STACKCOLS];
    pstr_t *cols = sp->maxpos <= SP_STACKCOLS ? stack : arena_alloc(&x->scratch, sp->maxpos * sizeof *cols);
    uint32_t n = sp_split(val_pstr(src), &sp->o, &x->scratch, cols, sp->maxpos);
    for (uint32_t k = 0; k < s->nflds; k++) {
        uint32_t c = sp->pos[k];
        if (c <= n) rec_set(r, s->flds[k], val_strv(cols[c - 1]));
        else if (!rec_has(r, s->flds[k])) rec_set(r, s->flds[k], val_null());
    }
    return ex_parse_next(x, i, s, r, true);
}
