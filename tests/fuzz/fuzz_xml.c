/* fuzz_xml.c — libFuzzer target for xml.c: the scanner, the document
 * tree and the XPath subset of `parse xml`.
 *
 * The input is "path\ndocument": the path is compiled; the document is
 * tokenized to its end, its tree built, and the path evaluated on it.
 * Tokens must make progress and stay inside the text, tree offsets must
 * nest, and a value handed back must view the document or the arena.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "xml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* libFuzzer entry point: one path and one document. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const char *s = (const char *)data;
    const char *nl = memchr(s, '\n', size);
    size_t pn = nl ? (size_t)(nl - s) : 0;
    pstr_t path = pstr(s, pn), doc = nl ? pstr(nl + 1, size - pn - 1) : pstr(s, size);
    arena_t a = {0};
    for (size_t i = 0; i < doc.n;) {
        xml_tok_t t;
        size_t next = xml_token(doc.p, doc.n, i, &t);
        if (next <= i || next > doc.n) abort();
        if (t.kind == XML_TAG) {
            size_t k = 0;
            pstr_t an, av;
            while (xml_next_attr(t.tag.attrs, &k, &an, &av))
                if (k > t.tag.attrs.n) abort();
            (void)xml_decode(t.tag.attrs, &a);
        }
        i = next;
    }
    xml_doc_t d;
    bool ok = xml_parse(doc, &a, &d);
    if (ok)
        for (uint32_t i = 0; i < d.n; i++) {
            const xml_node_t *e = &d.nodes[i];
            if (e->start > e->cstart || e->cstart > e->cend || e->cend > e->end || e->end > doc.n) abort();
        }
    xml_path_t p;
    const char *err;
    size_t off;
    if (xml_path_compile(path, &a, &p, &err, &off)) {
        pstr_t v;
        if (ok && xml_path_eval(&d, &p, &a, &v) && v.n > doc.n) abort();
    } else if (off > path.n) {
        abort();
    }
    arena_free(&a);
    return 0;
}
