/* fuzz_split.c — libFuzzer target for the csv/split column splitter
 * (op_split.c).
 *
 * The first three bytes of the input choose the delimiter, quote and
 * escape (made distinct, as the parser demands); the rest is split with
 * every column kept, then with none kept. Columns must lie inside the
 * text or be decoded copies no longer than it, and a run that keeps none
 * must stop after one.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "op_text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Most columns kept per run. */
#define FZ_MAXCOLS 256

/* libFuzzer entry point: three option bytes, then the text. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    sp_opts_t o;
    sp_opts_default(&o);
    if (size >= 3) {
        o.delim[0] = (char)data[0];
        o.quote = (char)data[1];
        o.esc = (char)data[2];
        if (o.quote == o.delim[0]) o.quote = (char)(o.delim[0] + 1);
        if (o.esc == o.delim[0] || o.esc == o.quote) o.esc = (char)(o.quote + 1);
        if (o.esc == o.delim[0]) o.esc = (char)(o.esc + 1);
        data += 3;
        size -= 3;
    }
    pstr_t text = pstr((const char *)data, size);
    arena_t a = {0};
    pstr_t cols[FZ_MAXCOLS];
    uint32_t n = sp_split(text, &o, &a, cols, FZ_MAXCOLS);
    if (n == 0) abort();
    for (uint32_t i = 0; i < n && i < FZ_MAXCOLS; i++) {
        bool inside = cols[i].n == 0 || (cols[i].p >= text.p && cols[i].p + cols[i].n <= text.p + text.n);
        if (!inside && cols[i].n > text.n) abort();
    }
    uint32_t m = sp_split(text, &o, &a, NULL, 0);
    if (m != 1) abort(); /* counting stops after max + 1 */
    arena_free(&a);
    return 0;
}
