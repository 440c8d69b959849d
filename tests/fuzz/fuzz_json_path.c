/* fuzz_json_path.c — libFuzzer target for the JSON scanner (json.c) and
 * timestamp parsing (datetime.c).
 *
 * The input is "path\ndocument": json_path looks the path up (and
 * json_path_each, which also takes "[*]" and filters, checks each view;
 * json_path_check must accept every path that reached a value), then every
 * member of the document is iterated, decoded with json_to_value and its
 * string values unescaped; the path line is also given to dt_parse.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "datetime.h"
#include "json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The document the views must lie in, for each_view. */
static pstr_t fz_doc;

/* json_path_each's callback: every view lies inside the document. */
static void each_view(void *ud, pstr_t v) {
    if (v.p < fz_doc.p || v.p + v.n > fz_doc.p + fz_doc.n) abort();
    *(size_t *)ud += v.n;
}

/* libFuzzer entry point: one path and one document. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const char *s = (const char *)data;
    const char *nl = memchr(s, '\n', size);
    size_t pn = nl ? (size_t)(nl - s) : size;
    pstr_t path = pstr(s, pn), doc = nl ? pstr(nl + 1, size - pn - 1) : PSTR_NULL;
    arena_t a = {0};
    unsigned sum = 0;
    pstr_t v;

    if (json_path(doc, path, &v)) {
        if (v.p < doc.p || v.p + v.n > doc.p + doc.n) abort();
        for (size_t i = 0; i < v.n; i++) sum += (unsigned char)v.p[i];
    }
    fz_doc = doc;
    size_t seen = 0;
    bool reached = json_path_each(doc, path, each_view, &seen);
    /* The grammar check agrees: a path that reached a value is well formed. */
    size_t epos;
    const char *why;
    bool indef;
    bool ok = json_path_check(path, &epos, &why, &indef);
    if (!ok && (epos > path.n || !why)) abort();
    if (reached && !ok) abort();
    size_t len;
    if (json_path(doc, path, &v) && json_length(v, &len) && len > v.n) abort();
    size_t e = json_skip(doc.p, doc.n, 0);
    if (e != (size_t)-1 && e > doc.n) abort();
    json_iter_t it;
    pstr_t k;
    bool esc;
    if (json_iter_begin(&it, doc.p, doc.n, 0)) {
        while (json_iter_next(&it, &k, &esc, &v)) {
            pstr_t out;
            if (esc && json_unescape_body(k, &a, &out))
                for (size_t i = 0; i < out.n; i++) sum += (unsigned char)out.p[i];
            value_t jv = json_to_value(v, &a);
            if (jv.t == V_STR)
                for (uint32_t i = 0; i < jv.n; i++) sum += (unsigned char)jv.s[i];
        }
        if (!it.err && e == (size_t)-1) abort(); /* iteration and skip must agree */
    }
    int64_t ms;
    (void)dt_parse(path, &ms);
    arena_free(&a);
    (void)sum;
    return 0;
}
