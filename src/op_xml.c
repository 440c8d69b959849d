/* op_xml.c — the XML operator: `parse xml` (or `xml`) with XPath paths.
 *
 * `parse xml [field=f] "/a/b/text()", "/a/b[2]/@id" [as x, y] [nodrop]`
 * reads the message (or field) as one XML document, builds its tree in the
 * worker's scratch arena (xml.c) and takes the first value each path
 * selects (parse-xml-formatted-logs page). A parse-family stage between
 * the reader and the aggregate: a message that is not well-formed, or
 * where a path selects nothing, is dropped unless nodrop. Semantics:
 * docs/semantics.md §13.
 */
#include <string.h>

#include "op.h"
#include "xml.h"

/* Longest field name made from a path's last name. */
#define XP_MAXNAME 256

/* An xml stage's compiled paths (query arena), parallel to st->flds. */
typedef struct xml_stage {
    xml_path_t *paths;   /* one per path written */
    uint32_t n;          /* how many */
} xml_stage_t;

/* The field a path's last name makes without `as`: bytes other than
 * a-z, A-Z, 0-9 and `_` become `_` (as keyvalue names its fields). */
static pstr_t path_field(parser_t *p, pstr_t last) {
    size_t n = last.n < XP_MAXNAME ? last.n : XP_MAXNAME;
    char *o = arena_alloc(ps_arena(p), n ? n : 1);
    for (size_t i = 0; i < n; i++) {
        char c = last.p[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
        o[i] = ok ? c : '_';
    }
    return pstr(o, n);
}

/* One quoted path, compiled; errors point into the string. */
static bool parse_path(parser_t *p, xml_path_t *out) {
    if (p->t.kind != T_STR) {
        ps_unexpected(p, "a quoted XPath such as \"/users/user/@id\"");
        return false;
    }
    tok_t t = p->t;
    const char *err;
    size_t off;
    if (!xml_path_compile(t.v, ps_arena(p), out, &err, &off)) {
        pstr_t raw = pstr(p->q->text + t.sp.off, t.sp.len);
        uint32_t at = t.sp.off + 1 + lex_rawoff(raw, '"', off);
        if (at >= t.sp.off + t.sp.len) at = t.sp.off + t.sp.len - 1;
        uint32_t e = ps_error(p, (span_t){at, 1}, "invalid XPath: %s", err);
        diag_hint(p->d, e, "postern reads /a/b, /a/b[2], /a/b[last()], /a/b[@k=v], /a/*, ending in /text() or /@attr");
        return false;
    }
    ps_advance(p);
    return true;
}

/* See op.h (STAGE_KINDS). `parse xml` arrives here from stage_parse. */
bool stage_xml(parser_t *p, stage_t *st) {
    st->kind = ST_XML;
    ps_advance(p);
    if (!ps_src(p, st)) return false;
    xml_stage_t *xs = arena_calloc(ps_arena(p), sizeof *xs);
    st->data = xs;
    uint32_t cap = 0, scap = 0, ns = 0;
    span_t *psp = NULL;
    for (;;) {
        xml_path_t path;
        span_t sp = p->t.sp;
        if (!parse_path(p, &path)) return false;
        PS_PUSH(p, xs->paths, xs->n, cap, path);
        PS_PUSH(p, psp, ns, scap, sp);
        if (p->t.kind != T_COMMA) break;
        ps_advance(p);
    }
    if (ps_is_kw(&p->t, "as")) {
        /* "If the number of field names do not match the specified XPaths, an error is thrown." */
        if (!ps_as_fields(p, st, xs->n, "parse xml", "path")) return false;
    } else {
        /* Without `as` a path's last name (element or attribute) names its field. */
        st->flds = arena_alloc(ps_arena(p), xs->n * sizeof *st->flds);
        st->flds_sp = psp;
        for (uint32_t i = 0; i < xs->n; i++) {
            pstr_t name = path_field(p, xs->paths[i].last);
            for (uint32_t j = 0; j < i; j++)
                if (pstr_ieq(name, ftab_name(&p->q->ft, st->flds[j]))) {
                    uint32_t e = ps_error(p, psp[i], "two paths would both be the field '%.*s'", (int)name.n, name.p);
                    diag_hint(p->d, e, "name them: `parse xml \"...\", \"...\" as a, b`");
                    return false;
                }
            st->flds[i] = ps_field_def(p, name);
        }
        st->nflds = xs->n;
    }
    if (ps_is_kw(&p->t, "nodrop")) {
        st->nodrop = true;
        ps_advance(p);
    }
    return true;
}

/* See op.h (STAGE_KINDS). Kept when the text is well-formed and every
 * path selects something ("null is returned, unless you have specified
 * nodrop"). */
int row_xml(exec_t *x, uint32_t i, const stage_t *s, record_t *r) {
    const xml_stage_t *xs = s->data;
    value_t src = ex_src(r, s);
    xml_doc_t doc;
    if (src.t != V_STR || !xml_parse(val_pstr(src), &x->scratch, &doc)) return ex_parse_next(x, i, s, r, false);
    bool all = true;
    for (uint32_t k = 0; k < xs->n && k < s->nflds; k++) {
        pstr_t v;
        if (xml_path_eval(&doc, &xs->paths[k], &x->scratch, &v)) {
            rec_set(r, s->flds[k], val_strv(v));
        } else {
            all = false;
            if (!rec_has(r, s->flds[k])) rec_set(r, s->flds[k], val_null());
        }
    }
    return ex_parse_next(x, i, s, r, all);
}
