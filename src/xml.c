/* xml.c — a small zero-copy XML scanner, the document tree of one XML
 * text, and the XPath subset of `parse xml`.
 *
 * The scanner reads tokens (tags, text, CDATA, comments and declarations)
 * as views into the input; read_winxml.c lists Windows events with it and
 * op_xml.c builds a tree per message (in the worker's scratch arena) and
 * walks compiled paths down it. Nothing is allocated but decoded text,
 * tree nodes and path arrays, all in arenas the callers own.
 */
#include "xml.h"

#include <string.h>

#include "value.h"

/* XML white space. */
static bool is_sp(char ch) { return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n'; }

/* ---- scanner ------------------------------------------------------------- */

/* See xml.h. */
size_t xml_find(const char *s, size_t n, size_t i, const char *needle) {
    size_t k = strlen(needle);
    while (i + k <= n) {
        const char *q = memchr(s + i, needle[0], n - i - k + 1);
        if (!q) return n;
        if (memcmp(q, needle, k) == 0) return (size_t)(q - s);
        i = (size_t)(q - s) + 1;
    }
    return n;
}

/* See xml.h. */
size_t xml_read_tag(const char *s, size_t n, size_t i, xml_tag_t *t) {
    size_t j = i + 1;
    t->end = j < n && s[j] == '/';
    if (t->end) j++;
    size_t b = j;
    while (j < n && !is_sp(s[j]) && s[j] != '>' && s[j] != '/') j++;
    if (j == b) return 0;
    t->name = pstr(s + b, j - b);
    size_t a = j;
    char q = 0;
    for (; j < n; j++) { /* to '>' outside quotes */
        if (q) {
            if (s[j] == q) q = 0;
        } else if (s[j] == '"' || s[j] == '\'') {
            q = s[j];
        } else if (s[j] == '>') {
            break;
        }
    }
    if (j >= n) return 0;
    t->empty = j > a && s[j - 1] == '/';
    t->attrs = pstr(s + a, j - a - (t->empty ? 1 : 0));
    return j + 1;
}

/* See xml.h. */
size_t xml_token(const char *s, size_t n, size_t i, xml_tok_t *t) {
    memset(t, 0, sizeof *t);
    if (s[i] != '<') {
        const char *lt = memchr(s + i, '<', n - i);
        size_t e = lt ? (size_t)(lt - s) : n;
        t->kind = XML_TEXT;
        t->text = pstr(s + i, e - i);
        return e;
    }
    t->kind = XML_MISC;
    size_t e;
    if (n - i >= 4 && memcmp(s + i, "<!--", 4) == 0) {
        if ((e = xml_find(s, n, i + 4, "-->")) < n) return e + 3;
    } else if (n - i >= 9 && memcmp(s + i, "<![CDATA[", 9) == 0) {
        if ((e = xml_find(s, n, i + 9, "]]>")) < n) {
            t->kind = XML_CDATA;
            t->text = pstr(s + i + 9, e - i - 9);
            return e + 3;
        }
    } else if (n - i >= 2 && s[i + 1] == '?') {
        if ((e = xml_find(s, n, i + 2, "?>")) < n) return e + 2;
    } else if (n - i >= 2 && s[i + 1] == '!') { /* <!DOCTYPE …[ … ]> */
        int depth = 0;
        for (e = i + 2; e < n; e++) {
            if (s[e] == '[') depth++;
            else if (s[e] == ']') depth--;
            else if (s[e] == '>' && depth <= 0) return e + 1;
        }
    } else if ((e = xml_read_tag(s, n, i, &t->tag)) != 0) {
        t->kind = XML_TAG;
        return e;
    }
    t->kind = XML_BAD;
    return n;
}

/* See xml.h. */
bool xml_next_attr(pstr_t attrs, size_t *i, pstr_t *name, pstr_t *val) {
    const char *s = attrs.p;
    size_t n = attrs.n, j = *i;
    while (j < n && is_sp(s[j])) j++;
    size_t b = j;
    while (j < n && !is_sp(s[j]) && s[j] != '=') j++;
    if (j == b) return false;
    *name = pstr(s + b, j - b);
    while (j < n && is_sp(s[j])) j++;
    if (j >= n || s[j] != '=') return false;
    j++;
    while (j < n && is_sp(s[j])) j++;
    if (j >= n || (s[j] != '"' && s[j] != '\'')) return false;
    char q = s[j++];
    const char *e = memchr(s + j, q, n - j);
    if (!e) return false;
    *val = pstr(s + j, (size_t)(e - (s + j)));
    *i = (size_t)(e - s) + 1;
    return true;
}

/* See xml.h. */
bool xml_attr(pstr_t attrs, pstr_t name, pstr_t *val) {
    size_t i = 0;
    pstr_t an, av;
    while (xml_next_attr(attrs, &i, &an, &av))
        if (pstr_eq(an, name)) {
            *val = av;
            return true;
        }
    return false;
}

/* See xml.h. */
pstr_t xml_local(pstr_t name) {
    const char *colon = name.n ? memchr(name.p, ':', name.n) : NULL;
    return colon ? pstr(colon + 1, name.n - (size_t)(colon + 1 - name.p)) : name;
}

/* See xml.h. */
pstr_t xml_decode(pstr_t v, arena_t *a) {
    if (!v.n || !memchr(v.p, '&', v.n)) return v;
    char *o = arena_alloc(a, v.n + 1);
    size_t k = 0;
    static const struct {
        const char *ent;
        char ch;
    } ents[] = {{"lt;", '<'}, {"gt;", '>'}, {"amp;", '&'}, {"quot;", '"'}, {"apos;", '\''}};
    for (size_t i = 0; i < v.n; i++) {
        if (v.p[i] != '&') {
            o[k++] = v.p[i];
            continue;
        }
        pstr_t rest = pstr(v.p + i + 1, v.n - i - 1);
        bool done = false;
        for (size_t e = 0; e < sizeof ents / sizeof ents[0] && !done; e++) {
            size_t el = strlen(ents[e].ent);
            if (rest.n >= el && memcmp(rest.p, ents[e].ent, el) == 0) {
                o[k++] = ents[e].ch;
                i += el;
                done = true;
            }
        }
        if (!done && rest.n >= 3 && rest.p[0] == '#') { /* &#NN; or &#xHH; */
            bool hex = rest.p[1] == 'x' || rest.p[1] == 'X';
            size_t j = hex ? 2 : 1;
            unsigned long cp = 0;
            size_t nd = 0;
            for (; j < rest.n && nd < 8; j++, nd++) {
                char ch = rest.p[j];
                int d = ch >= '0' && ch <= '9' ? ch - '0'
                        : hex && ch >= 'a' && ch <= 'f' ? ch - 'a' + 10
                        : hex && ch >= 'A' && ch <= 'F' ? ch - 'A' + 10
                                                          : -1;
                if (d < 0) break;
                cp = cp * (hex ? 16 : 10) + (unsigned long)d;
            }
            if (nd && j < rest.n && rest.p[j] == ';' && cp && cp <= 0x10FFFF && (cp < 0xD800 || cp > 0xDFFF)) {
                /* UTF-8: never longer than the reference it replaces */
                if (cp < 0x80) o[k++] = (char)cp;
                else if (cp < 0x800) {
                    o[k++] = (char)(0xC0 | cp >> 6);
                    o[k++] = (char)(0x80 | (cp & 0x3F));
                } else if (cp < 0x10000) {
                    o[k++] = (char)(0xE0 | cp >> 12);
                    o[k++] = (char)(0x80 | (cp >> 6 & 0x3F));
                    o[k++] = (char)(0x80 | (cp & 0x3F));
                } else {
                    o[k++] = (char)(0xF0 | cp >> 18);
                    o[k++] = (char)(0x80 | (cp >> 12 & 0x3F));
                    o[k++] = (char)(0x80 | (cp >> 6 & 0x3F));
                    o[k++] = (char)(0x80 | (cp & 0x3F));
                }
                i += j + 1;
                done = true;
            }
        }
        if (!done) o[k++] = '&';
    }
    return pstr(o, k);
}


/* ---- document tree ------------------------------------------------------- */

/* Only well-formed attributes: name="value" pairs and blanks. */
static bool attrs_ok(pstr_t attrs) {
    size_t i = 0;
    pstr_t nm, v;
    while (xml_next_attr(attrs, &i, &nm, &v)) {
    }
    while (i < attrs.n && is_sp(attrs.p[i])) i++;
    return i == attrs.n;
}

/* Nothing but blanks. */
static bool blank(pstr_t s) {
    for (size_t i = 0; i < s.n; i++)
        if (!is_sp(s.p[i])) return false;
    return true;
}

/* See xml.h. */
bool xml_parse(pstr_t text, arena_t *a, xml_doc_t *doc) {
    const char *s = text.p;
    size_t n = text.n, i = 0;
    uint32_t cap = 0;
    int32_t open[XML_MAXDEPTH], last[XML_MAXDEPTH]; /* open elements, and the last child of each */
    int depth = 0;
    bool rooted = false;
    doc->text = text;
    doc->nodes = NULL;
    doc->n = 0;
    if (!s || n >= UINT32_MAX) return false;
    if (n >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0) i = 3;
    while (i < n) {
        xml_tok_t t;
        size_t next = xml_token(s, n, i, &t);
        if (t.kind == XML_BAD) return false;
        if ((t.kind == XML_TEXT && depth == 0 && !blank(t.text)) || (t.kind == XML_CDATA && depth == 0)) return false;
        if (t.kind == XML_TAG && t.tag.end) {
            if (depth == 0 || !blank(t.tag.attrs)) return false;
            xml_node_t *e = &doc->nodes[open[depth - 1]];
            if (!pstr_eq(e->name, t.tag.name)) return false;
            e->cend = (uint32_t)i;
            e->end = (uint32_t)next;
            if (--depth == 0) rooted = true;
        } else if (t.kind == XML_TAG) {
            if ((depth == 0 && rooted) || !attrs_ok(t.tag.attrs) || doc->n == XML_MAXNODES) return false;
            if (!t.tag.empty && depth == XML_MAXDEPTH) return false;
            if (doc->n == cap) {
                uint32_t ncap = cap ? cap * 2 : 16;
                doc->nodes = arena_grow(a, doc->nodes, cap, ncap, sizeof *doc->nodes);
                cap = ncap;
            }
            int32_t id = (int32_t)doc->n++;
            doc->nodes[id] = (xml_node_t){t.tag.name, t.tag.attrs, (uint32_t)i, (uint32_t)next,
                                          (uint32_t)next, (uint32_t)next, -1, -1};
            if (depth > 0) {
                if (last[depth - 1] < 0) doc->nodes[open[depth - 1]].first = id;
                else doc->nodes[last[depth - 1]].next = id;
                last[depth - 1] = id;
            }
            if (t.tag.empty) {
                if (depth == 0) rooted = true;
            } else {
                open[depth] = id;
                last[depth] = -1;
                depth++;
            }
        }
        i = next;
    }
    return depth == 0 && rooted;
}

/* ---- XPath subset ------------------------------------------------------- */

/* A byte of a name (XML's NameChar, ASCII part; other bytes >= 0x80). */
static bool namech(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
           c == '.' || c == ':' || (unsigned char)c >= 0x80;
}

/* The name at s[*i]; false when there is none. */
static bool read_name(pstr_t src, size_t *i, pstr_t *name) {
    size_t b = *i;
    if (b < src.n && src.p[b] == '*') {
        *name = pstr(src.p + b, 1);
        *i = b + 1;
        return true;
    }
    while (*i < src.n && namech(src.p[*i])) (*i)++;
    *name = pstr(src.p + b, *i - b);
    return *i > b && !(src.p[b] >= '0' && src.p[b] <= '9') && src.p[b] != '-' && src.p[b] != '.';
}

#define XP_FAIL(msg, off)   \
    do {                    \
        *err = (msg);       \
        *erroff = (off);    \
        return false;       \
    } while (0)

/* The predicate at src[*i] ('['). */
static bool read_pred(pstr_t src, size_t *i, xml_pred_t *pr, const char **err, size_t *erroff) {
    const char *s = src.p;
    size_t n = src.n, j = *i + 1;
    memset(pr, 0, sizeof *pr);
    while (j < n && s[j] == ' ') j++;
    size_t b = j;
    if (j < n && s[j] >= '0' && s[j] <= '9') {
        uint64_t v = 0;
        while (j < n && s[j] >= '0' && s[j] <= '9' && v < 100000000) v = v * 10 + (uint64_t)(s[j++] - '0');
        if (v == 0 || v >= 100000000) XP_FAIL("a position is a whole number from 1", b);
        pr->kind = XP_POS;
        pr->pos = (uint32_t)v;
    } else if (n - j >= 6 && memcmp(s + j, "last()", 6) == 0) {
        pr->kind = XP_LAST;
        j += 6;
    } else if (j < n && s[j] == '@') {
        j++;
        if (!read_name(src, &j, &pr->attr) || pr->attr.p[0] == '*') XP_FAIL("expected an attribute name after '@'", j);
        while (j < n && s[j] == ' ') j++;
        pr->kind = XP_HAS;
        if (j < n && s[j] == '=') {
            pr->kind = XP_EQ;
            j++;
            while (j < n && s[j] == ' ') j++;
            if (j < n && (s[j] == '\'' || s[j] == '"')) {
                const char *q = memchr(s + j + 1, s[j], n - j - 1);
                if (!q) XP_FAIL("unterminated quoted value", j);
                pr->val = pstr(s + j + 1, (size_t)(q - s) - j - 1);
                j = (size_t)(q - s) + 1;
            } else {
                size_t vb = j;
                while (j < n && s[j] != ']') j++;
                pr->val = pstr_trim(pstr(s + vb, j - vb));
                double d;
                pr->num = str_to_num(pr->val, &d);
                if (!pr->val.n) XP_FAIL("expected a value after '='", vb);
            }
        }
    } else {
        XP_FAIL("supported predicates are [n], [last()], [@attr] and [@attr=value]", b);
    }
    while (j < n && s[j] == ' ') j++;
    if (j >= n || s[j] != ']') XP_FAIL("expected ']'", j);
    *i = j + 1;
    return true;
}

/* See xml.h. */
bool xml_path_compile(pstr_t src, arena_t *a, xml_path_t *p, const char **err, size_t *erroff) {
    const char *s = src.p;
    size_t n = src.n, i = 0;
    uint32_t cap = 0;
    memset(p, 0, sizeof *p);
    if (n == 0 || s[0] != '/') XP_FAIL("a path starts at the root element, e.g. \"/users/user/@id\"", 0);
    while (i < n) {
        if (s[i] != '/') XP_FAIL("expected '/' or '['", i);
        size_t slash = i++;
        if (i < n && s[i] == '/') XP_FAIL("'//' (any depth) is not supported: write the full path from the root", slash);
        if (i >= n) XP_FAIL("the path ends with '/'", slash);
        if (s[i] == '.') XP_FAIL("paths go forward only: '.' and '..' are not supported", i);
        if (s[i] == '@') {
            size_t b = ++i;
            if (!read_name(src, &i, &p->attr) || p->attr.p[0] == '*') XP_FAIL("expected an attribute name after '@'", b);
            if (!p->nsteps) XP_FAIL("an attribute belongs to an element: \"/a/@id\"", b - 1);
            if (i < n) XP_FAIL("an attribute ends the path", i);
            p->target = XT_ATTR;
            if (memchr(p->attr.p, ':', p->attr.n)) p->prefixed = true;
            break;
        }
        size_t b = i;
        pstr_t name;
        if (!read_name(src, &i, &name)) XP_FAIL("expected an element name", b);
        for (size_t k = 0; k + 1 < name.n; k++)
            if (name.p[k] == ':' && name.p[k + 1] == ':') XP_FAIL("axes (child::, descendant::) are not supported", b);
        if (i < n && s[i] == '(') {
            if (!pstr_eq(name, PSTR_LIT("text")) || i + 1 >= n || s[i + 1] != ')')
                XP_FAIL("the only function a path may end with is text()", b);
            if (!p->nsteps) XP_FAIL("text() belongs to an element: \"/a/text()\"", b);
            if (i + 2 < n) XP_FAIL("text() ends the path", i + 2);
            p->target = XT_TEXT;
            break;
        }
        if (p->nsteps == cap) {
            uint32_t ncap = cap ? cap * 2 : 8;
            p->steps = arena_grow(a, p->steps, cap, ncap, sizeof *p->steps);
            cap = ncap;
        }
        xml_step_t *st = &p->steps[p->nsteps++];
        memset(st, 0, sizeof *st);
        st->name = name;
        if (memchr(name.p, ':', name.n)) p->prefixed = true;
        uint32_t pcap = 0;
        while (i < n && s[i] == '[') {
            xml_pred_t pr;
            if (!read_pred(src, &i, &pr, err, erroff)) return false;
            if (st->npreds == pcap) {
                uint32_t ncap = pcap ? pcap * 2 : 2;
                st->preds = arena_grow(a, st->preds, pcap, ncap, sizeof *st->preds);
                pcap = ncap;
            }
            st->preds[st->npreds++] = pr;
        }
    }
    p->last = p->target == XT_ATTR ? p->attr : p->steps[p->nsteps - 1].name;
    return true;
}

/* Does attribute value raw (still escaped) satisfy an XP_EQ predicate? */
static bool attr_equals(const xml_pred_t *pr, pstr_t raw, arena_t *a) {
    pstr_t v = xml_decode(raw, a);
    double x, y;
    if (pr->num && str_to_num(v, &x) && str_to_num(pr->val, &y)) return x == y;
    return pstr_eq(v, pr->val);
}

/* Filter the siblings ids[0..m) through the step's predicates in order;
 * returns how many remain (at the front of ids). */
static uint32_t apply_preds(const xml_doc_t *d, const xml_step_t *st, uint32_t *ids, uint32_t m, arena_t *a) {
    for (uint32_t k = 0; k < st->npreds && m; k++) {
        const xml_pred_t *pr = &st->preds[k];
        if (pr->kind == XP_POS) {
            if (pr->pos > m) return 0;
            ids[0] = ids[pr->pos - 1];
            m = 1;
        } else if (pr->kind == XP_LAST) {
            ids[0] = ids[m - 1];
            m = 1;
        } else {
            uint32_t keep = 0;
            for (uint32_t j = 0; j < m; j++) {
                pstr_t v;
                bool has = xml_attr(d->nodes[ids[j]].attrs, pr->attr, &v);
                if (has && (pr->kind == XP_HAS || attr_equals(pr, v, a))) ids[keep++] = ids[j];
            }
            m = keep;
        }
    }
    return m;
}

/* The text children of element e (text and CDATA between its child
 * elements), decoded and joined; false when it has none. */
static bool own_text(const xml_doc_t *d, const xml_node_t *e, arena_t *a, pstr_t *out) {
    const char *s = d->text.p;
    char *buf = NULL;
    size_t len = 0;
    uint32_t pieces = 0;
    int32_t c = e->first;
    for (uint32_t from = e->cstart;;) {
        uint32_t to = c >= 0 ? d->nodes[c].start : e->cend;
        for (size_t i = from; i < to;) {
            xml_tok_t t;
            size_t next = xml_token(s, to, i, &t);
            if (t.kind == XML_TEXT || t.kind == XML_CDATA) {
                pstr_t v = t.kind == XML_TEXT ? xml_decode(t.text, a) : t.text;
                if (pieces++ == 0) {
                    *out = v;
                } else {
                    if (!buf) {
                        buf = arena_alloc(a, e->cend - e->cstart + 1);
                        memcpy(buf, out->p, out->n);
                        len = out->n;
                    }
                    memcpy(buf + len, v.p, v.n);
                    len += v.n;
                }
            }
            i = next;
        }
        if (c < 0) break;
        from = d->nodes[c].end;
        c = d->nodes[c].next;
    }
    if (buf) *out = pstr(buf, len);
    return pieces > 0;
}

/* See xml.h. */
bool xml_path_eval(const xml_doc_t *d, const xml_path_t *p, arena_t *a, pstr_t *out) {
    if (p->prefixed || d->n == 0 || p->nsteps == 0) return false;
    const xml_step_t *st0 = &p->steps[0];
    if (!pstr_eq(st0->name, PSTR_LIT("*")) && !pstr_eq(st0->name, d->nodes[0].name)) return false;
    uint32_t *cur = arena_alloc(a, d->n * sizeof *cur), *nxt = arena_alloc(a, d->n * sizeof *nxt);
    cur[0] = 0;
    uint32_t ncur = apply_preds(d, st0, cur, 1, a);
    for (uint32_t k = 1; k < p->nsteps && ncur; k++) {
        const xml_step_t *st = &p->steps[k];
        bool any = pstr_eq(st->name, PSTR_LIT("*"));
        uint32_t nn = 0;
        for (uint32_t j = 0; j < ncur; j++) {
            uint32_t from = nn;
            for (int32_t c = d->nodes[cur[j]].first; c >= 0; c = d->nodes[c].next)
                if (any || pstr_eq(st->name, d->nodes[c].name)) nxt[nn++] = (uint32_t)c;
            nn = from + apply_preds(d, st, nxt + from, nn - from, a);
        }
        uint32_t *t = cur;
        cur = nxt;
        nxt = t;
        ncur = nn;
    }
    for (uint32_t j = 0; j < ncur; j++) {
        const xml_node_t *e = &d->nodes[cur[j]];
        pstr_t v;
        if (p->target == XT_ELEM) {
            *out = pstr(d->text.p + e->start, e->end - e->start);
            return true;
        }
        if (p->target == XT_TEXT && own_text(d, e, a, out)) return true;
        if (p->target == XT_ATTR && xml_attr(e->attrs, p->attr, &v)) {
            *out = xml_decode(v, a);
            return true;
        }
    }
    return false;
}
