/* fuzz_tty.c — libFuzzer target for what keeps log data from driving a
 * terminal: tty_escape (tty.c) and JSON string escaping (out.c).
 *
 * The input is any bytes, as a hostile log value. tty_escape's text must
 * need no escaping itself (no C0, DEL, C1 or bidi control, valid UTF-8),
 * its width must be tty_width's; out_json_str's text must hold no raw
 * control byte, no C1 or bidi control, and quote every '"'.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "out.h"
#include "tty.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* libFuzzer entry point: one value. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    pstr_t s = pstr((const char *)data, size);
    buf_t b = {0};
    size_t w = tty_escape(&b, s);
    pstr_t e = pstr(b.p ? b.p : "", b.n);
    if (tty_unsafe(e) || w != tty_width(s) || tty_width(e) != w) abort();
    if (tty_unsafe(s) == (e.n == s.n && (s.n == 0 || memcmp(e.p, s.p, s.n) == 0))) abort();
    buf_clear(&b);
    out_json_str(&b, s);
    if (b.n < 2 || b.p[0] != '"' || b.p[b.n - 1] != '"') abort();
    for (size_t i = 1; i + 1 < b.n; i++) {
        unsigned char c = (unsigned char)b.p[i];
        uint32_t cp;
        if (c < 0x20 || c == 0x7f || (c >= 0x80 && tty_uni_ctl((const unsigned char *)b.p + i, b.n - 1 - i, &cp))) abort();
        if (c == '\\') i++; /* the escaped byte */
        else if (c == '"') abort();
    }
    buf_free(&b);
    return 0;
}
