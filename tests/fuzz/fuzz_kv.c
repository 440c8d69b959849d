/* fuzz_kv.c — libFuzzer target for keyvalue's scanners (op_kv.c).
 *
 * The input is "key\ntext": the key is looked up in the text in inference
 * mode (default delimiters, then the key's own first byte as a custom
 * delimiter) and by kv_find_key, and every pair of the text is read in
 * auto mode and turned into a field name. Every view handed back must lie
 * inside the text or the arena's bytes, and the scan must end.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "op_text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Abort unless v lies inside text (or is decoded, i.e. outside it but not
 * longer than it). */
static void check_view(pstr_t text, pstr_t v) {
    bool inside = v.n == 0 || (v.p >= text.p && v.p + v.n <= text.p + text.n);
    if (!inside && v.n > text.n) abort();
}

/* libFuzzer entry point: one key and one text. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const char *s = (const char *)data;
    const char *nl = memchr(s, '\n', size);
    size_t kn = nl ? (size_t)(nl - s) : 0;
    pstr_t key = pstr(s, kn), text = nl ? pstr(nl + 1, size - kn - 1) : pstr(s, size);
    arena_t a = {0};
    kv_delims_t d;
    kv_delims_default(&d);
    pstr_t val;
    if (kv_infer(text, key, &d, &a, &val)) check_view(text, val);
    size_t end;
    if (kv_find_key(text, key, &end) && end > text.n) abort();
    kv_delims_t one = {{{s, kn ? 1 : 0}}, 1};
    if (kn && kv_infer(text, key, &one, &a, &val)) check_view(text, val);
    size_t pos = 0, last = 0;
    pstr_t k;
    char name[64];
    unsigned pairs = 0;
    while (kv_next_pair(text, &pos, &d, &a, &k, &val)) {
        if (pos <= last && pairs) abort(); /* no progress */
        if (pos > text.n) abort();
        last = pos;
        check_view(text, k);
        check_view(text, val);
        (void)kv_field_name(k, name, sizeof name);
        pairs++;
    }
    arena_free(&a);
    return 0;
}
