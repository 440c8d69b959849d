/* xml.h — a small zero-copy XML scanner, a document tree built on it, and
 * the XPath subset of `parse xml`.
 *
 * The scanner (xml_token, xml_read_tag, xml_next_attr) serves the Windows
 * Event XML reader and the parse xml stage alike. Names, attributes and
 * text are views into the scanned bytes; only decoded text (entities, the
 * concatenated text of an element) is written, into the arena the caller
 * passes. Trees and compiled paths live in the caller's arena too.
 */
#ifndef POSTERN_XML_H
#define POSTERN_XML_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "str.h"

/* ---- scanner ------------------------------------------------------------- */

/* A tag: <name attrs>, </name> or <name attrs/>. */
typedef struct xml_tag {
    pstr_t name;     /* the name as written (prefix included) */
    pstr_t attrs;    /* the bytes between the name and '>' (or "/>") */
    bool end;        /* </name> */
    bool empty;      /* <name/> */
} xml_tag_t;

/* Token kinds. */
enum { XML_TAG, XML_TEXT, XML_CDATA, XML_MISC, XML_BAD };

/* One token of a document. */
typedef struct xml_tok {
    uint8_t kind;    /* XML_TAG, XML_TEXT (raw, entities not decoded), XML_CDATA (its body),
                      * XML_MISC (comment, <?…?>, <!DOCTYPE…>), XML_BAD (unterminated or malformed) */
    xml_tag_t tag;   /* XML_TAG */
    pstr_t text;     /* XML_TEXT, XML_CDATA */
} xml_tok_t;

/* Offset of needle in s[i..n), or n. */
size_t xml_find(const char *s, size_t n, size_t i, const char *needle);
/* Read the tag at s[i] ('<'); returns the offset after it, 0 when it is
 * malformed or unterminated. */
size_t xml_read_tag(const char *s, size_t n, size_t i, xml_tag_t *t);
/* Read the token at s[i] (i < n); returns the offset after it (n for
 * XML_BAD). */
size_t xml_token(const char *s, size_t n, size_t i, xml_tok_t *t);
/* Next attribute of attrs from *i: its name and raw (still escaped)
 * value. False at the end or at bytes that are no attribute. */
bool xml_next_attr(pstr_t attrs, size_t *i, pstr_t *name, pstr_t *val);
/* The raw value of attribute name in attrs, or false. */
bool xml_attr(pstr_t attrs, pstr_t name, pstr_t *val);
/* The part of a name after its namespace prefix. */
pstr_t xml_local(pstr_t name);
/* v with character and entity references (&lt; &#60; &#x3c;) decoded:
 * v itself when it has none, else bytes in a. */
pstr_t xml_decode(pstr_t v, arena_t *a);

/* ---- document tree ------------------------------------------------------- */

/* Largest tree built: more elements, or deeper nesting, is not read. */
#define XML_MAXNODES 65536
#define XML_MAXDEPTH 256

/* One element. Offsets are into the document's text. */
typedef struct xml_node {
    pstr_t name;          /* qualified name as written */
    pstr_t attrs;         /* its attribute text */
    uint32_t start, end;  /* its markup: from '<' to after its end tag */
    uint32_t cstart, cend;/* its content (empty for <a/>) */
    int32_t first, next;  /* first child, next sibling (-1: none) */
} xml_node_t;

/* A parsed document: elements in document order, the root first. */
typedef struct xml_doc {
    pstr_t text;          /* the document (borrowed) */
    xml_node_t *nodes;    /* in the arena given to xml_parse */
    uint32_t n;           /* how many */
} xml_doc_t;

/* Build the tree of text, which must be one well-formed document: an
 * optional prolog (declaration, comments, doctype), one root element,
 * nothing but blanks, comments and <?…?> after it; tags that nest and
 * match, attributes in name="value" form. False otherwise. */
bool xml_parse(pstr_t text, arena_t *a, xml_doc_t *doc);

/* ---- XPath subset ------------------------------------------------------- */

/* A predicate of a step. */
typedef struct xml_pred {
    uint8_t kind;         /* XP_POS, XP_LAST, XP_HAS, XP_EQ */
    uint32_t pos;         /* XP_POS: 1-based position */
    pstr_t attr;          /* XP_HAS, XP_EQ: attribute name */
    pstr_t val;           /* XP_EQ: value (unquoted) */
    bool num;             /* XP_EQ: an unquoted number, compared as a number */
} xml_pred_t;

enum { XP_POS, XP_LAST, XP_HAS, XP_EQ };

/* One location step: a child element by name (or *), then predicates. */
typedef struct xml_step {
    pstr_t name;          /* element name; "*" any */
    xml_pred_t *preds;    /* in order */
    uint32_t npreds;      /* how many */
} xml_step_t;

/* What a path selects at its end. */
enum { XT_ELEM, XT_TEXT, XT_ATTR };

/* A compiled path: /step/step[...]/(text()|@attr)? */
typedef struct xml_path {
    xml_step_t *steps;    /* from the root element down */
    uint32_t nsteps;      /* how many (at least 1) */
    uint8_t target;       /* XT_ELEM, XT_TEXT or XT_ATTR */
    pstr_t attr;          /* XT_ATTR: the attribute's name */
    bool prefixed;        /* a name has a namespace prefix: selects nothing (not namespace aware) */
    pstr_t last;          /* the last name: the attribute, else the last element */
} xml_path_t;

/* Compile src into p (views into src, arrays in a). On an error returns
 * false with a static message in *err and the offset of the culprit in
 * src in *erroff. */
bool xml_path_compile(pstr_t src, arena_t *a, xml_path_t *p, const char **err, size_t *erroff);
/* The first value p selects in d (document order): an element's markup
 * as written, the decoded text of its own text children, or an
 * attribute's decoded value. Strings view d's text or live in a. False
 * when nothing is selected. */
bool xml_path_eval(const xml_doc_t *d, const xml_path_t *p, arena_t *a, pstr_t *out);

#endif
