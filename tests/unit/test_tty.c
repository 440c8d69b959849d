/* test_tty.c — unit tests for terminal-safe text (tty.c) and the table's
 * fitting to a width (out.c).
 *
 * Covers each escape form (C0, DEL, C1, bidi, bytes that are not UTF-8:
 * overlong forms, surrogates, cut sequences, past U+10FFFF), the widths
 * tty_escape reports, tty_name, $COLUMNS and the colour choice,
 * out_cols_fit's shrinking, and out_json_str's escapes against a byte by
 * byte reference.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "out.h"
#include "tty.h"

/* tty_escape of s (n bytes) as a C string; *w gets its width. */
static const char *esc(const char *s, size_t n, size_t *w) {
    buf_t b = {0};
    size_t k = tty_escape(&b, pstr(s, n));
    if (w) *w = k;
    const char *r = check_cstr(pstr(b.p ? b.p : "", b.n));
    buf_free(&b);
    return r;
}

#define ESC(lit) esc(lit, sizeof lit - 1, NULL)

static void test_escape(void) {
    size_t w;
    CHECK_STR(ESC("plain text"), "plain text");
    CHECK_STR(ESC("upd.exe\x1b[2K\x1b[1G"), "upd.exe\\x1b[2K\\x1b[1G");
    CHECK_STR(ESC("a\tb\nc\rd"), "a\\tb\\nc\\rd");
    CHECK_STR(esc("x\0y", 3, NULL), "x\\x00y");
    CHECK_STR(ESC("del\x7f"), "del\\x7f");
    CHECK_STR(ESC("c1\xc2\x9b" "x"), "c1\\u{9b}x");       /* U+009B CSI */
    CHECK_STR(ESC("\xc2\x80\xc2\x9f"), "\\u{80}\\u{9f}");
    CHECK_STR(ESC("a\xe2\x80\xae" "b"), "a\\u{202e}b");  /* RLO */
    CHECK_STR(ESC("\xe2\x80\xaa\xe2\x81\xa6\xe2\x81\xa9\xe2\x80\x8e\xe2\x80\x8f\xd8\x9c"),
              "\\u{202a}\\u{2066}\\u{2069}\\u{200e}\\u{200f}\\u{61c}");
    /* ordinary text outside ASCII is kept, and counts one place a code point */
    static const char text[] = "Z\xc3\xbcrich \xe2\x80\xa6 \xf0\x9f\x98\x80";
    CHECK_STR(esc(text, sizeof text - 1, &w), text);
    CHECK(w == 10);
    CHECK_STR(ESC("\xc2\xa0\xe2\x80\x8b"), "\xc2\xa0\xe2\x80\x8b"); /* NBSP, ZWSP: not controls */
    /* bytes that are not UTF-8 */
    CHECK_STR(ESC("\x9b" "31m"), "\\x9b31m");             /* a lone C1 byte */
    CHECK_STR(ESC("\xc0\xaf"), "\\xc0\\xaf");             /* overlong */
    CHECK_STR(ESC("\xe0\x80\xaf"), "\\xe0\\x80\\xaf");    /* overlong */
    CHECK_STR(ESC("\xed\xa0\x80"), "\\xed\\xa0\\x80");    /* surrogate */
    CHECK_STR(ESC("\xf4\x90\x80\x80"), "\\xf4\\x90\\x80\\x80"); /* past U+10FFFF */
    CHECK_STR(ESC("ab\xe2\x80"), "ab\\xe2\\x80");         /* cut at the end */
    CHECK_STR(ESC("\xc2"), "\\xc2");
    /* widths: tty_escape's, tty_width's, and the text's own */
    esc("a\x1b" "b", 3, &w);
    CHECK(w == 6);
    CHECK(tty_width(pstr_c("a\x1b" "b")) == 6);
    CHECK(tty_width(pstr_c("a\xe2\x80\xae" "b")) == 10);
    CHECK(tty_width(pstr_c("\xe2\x80\xa6")) == 1);
    CHECK(!tty_unsafe(pstr_c("C:\\Program Files\\x.exe \xe2\x80\xa6")));
    CHECK(tty_unsafe(pstr_c("x\x1b")));
    CHECK(tty_unsafe(pstr_c("x\xff")));
}

static void test_name(void) {
    const char *s = "logs/a.jsonl";
    CHECK(tty_name(s) == s); /* nothing to escape: no copy */
    CHECK_STR(tty_name("d/x\x1b[2K.log"), "d/x\\x1b[2K.log");
    char big[3 * TTY_NAMEBUF];
    memset(big, 0x1b, sizeof big - 1);
    big[sizeof big - 1] = 0;
    CHECK(strlen(tty_name(big)) == TTY_NAMEBUF - 1); /* cut to fit */
}

static void test_env(void) {
    setenv("COLUMNS", "93", 1);
    CHECK(tty_columns(-1) == 93);
    setenv("COLUMNS", "wide", 1);
    CHECK(tty_columns(-1) == 0); /* no number, and fd -1 is no terminal */
    setenv("COLUMNS", "0", 1);
    CHECK(tty_columns(-1) == 0);
    unsetenv("COLUMNS");
    CHECK(tty_color_parse("never") == TTY_COLOR_NEVER);
    CHECK(tty_color_parse("always") == TTY_COLOR_ALWAYS);
    CHECK(tty_color_parse("auto") == TTY_COLOR_AUTO);
    CHECK(tty_color_parse("yes") == -1);
    setenv("NO_COLOR", "1", 1);
    CHECK(tty_color_on(TTY_COLOR_ALWAYS, -1));
    CHECK(!tty_color_on(TTY_COLOR_AUTO, -1));
    unsetenv("NO_COLOR");
    CHECK(!tty_color_on(TTY_COLOR_AUTO, -1)); /* not a terminal */
    CHECK(!tty_color_on(TTY_COLOR_NEVER, -1));
}

/* out_cols_fit over columns of widths w (names n wide, cells v wide) in
 * `columns` places; the result into got. */
static void fit(unsigned columns, bool wide, uint32_t n, const size_t *w, const size_t *v, size_t *got) {
    out_cols_t c;
    memset(&c, 0, sizeof c);
    c.fmt = OUT_TABLE;
    c.o = (out_opts_t){.fmt = OUT_TABLE, .columns = columns, .wide = wide};
    c.n = n;
    c.width = xmalloc(n * sizeof *c.width);
    c.vwidth = xmalloc(n * sizeof *c.vwidth);
    memcpy(c.width, w, n * sizeof *w);
    memcpy(c.vwidth, v, n * sizeof *v);
    out_cols_fit(&c);
    memcpy(got, c.width, n * sizeof *got);
    free(c.width);
    free(c.vwidth);
}

static void test_fit(void) {
    size_t got[4];
    /* fits already: unchanged */
    fit(80, false, 3, (size_t[]){10, 20, 30}, (size_t[]){10, 20, 30}, got);
    CHECK(got[0] == 10 && got[1] == 20 && got[2] == 30);
    /* 10 + 20 + 60 + 4 = 94 into 80: the widest shrinks to 46 */
    fit(80, false, 3, (size_t[]){10, 20, 60}, (size_t[]){10, 20, 60}, got);
    CHECK(got[0] == 10 && got[1] == 20 && got[2] == 46);
    /* two wide columns shrink alike: 100 + 100 + 10 + 4 into 80 */
    fit(80, false, 3, (size_t[]){100, 100, 10}, (size_t[]){100, 100, 10}, got);
    CHECK(got[0] + got[1] + got[2] + 4 == 80 && got[2] == 10 && (got[0] == 33 || got[0] == 34) && got[0] >= got[1]);
    /* a name wider than its cells gives way first, to its cells' width */
    fit(40, false, 2, (size_t[]){15, 30}, (size_t[]){2, 30}, got);
    CHECK(got[0] == 8 && got[1] == 30);
    fit(30, false, 2, (size_t[]){15, 30}, (size_t[]){2, 30}, got);
    CHECK(got[0] == 6 && got[1] == 22);
    /* not even the floors fit: every column at its floor (6, or less when narrower) */
    fit(10, false, 4, (size_t[]){40, 3, 40, 40}, (size_t[]){40, 3, 40, 40}, got);
    CHECK(got[0] == 6 && got[1] == 3 && got[2] == 6 && got[3] == 6);
    /* width unknown: each column at most OUT_MAXW; --wide: untouched */
    fit(0, false, 2, (size_t[]){200, 5}, (size_t[]){200, 5}, got);
    CHECK(got[0] == OUT_MAXW && got[1] == 5);
    fit(20, true, 2, (size_t[]){200, 5}, (size_t[]){200, 5}, got);
    CHECK(got[0] == 200 && got[1] == 5);
}

/* out_json_str written byte by byte, as a reference for its 8-bytes-at-a-time scan. */
static void json_ref(buf_t *b, const char *s, size_t n) {
    buf_putc(b, '"');
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        uint32_t cp;
        size_t k = ch >= 0x80 ? tty_uni_ctl((const unsigned char *)s + i, n - i, &cp) : 0;
        size_t u = ch >= 0x80 && !k ? str_utf8_len((const unsigned char *)s + i, n - i) : 0;
        if (k) {
            buf_printf(b, "\\u%04x", (unsigned)cp);
            i += k - 1;
        } else if (ch >= 0x80 && !u) { /* no UTF-8 */
            buf_puts(b, "\\ufffd");
        } else if (u) {
            buf_put(b, s + i, u);
            i += u - 1;
        } else if (ch == '"' || ch == '\\') {
            buf_putc(b, '\\');
            buf_putc(b, (char)ch);
        } else if (ch == '\n' || ch == '\r' || ch == '\t') {
            buf_puts(b, ch == '\n' ? "\\n" : ch == '\r' ? "\\r" : "\\t");
        } else if (ch < 0x20 || ch == 0x7f) {
            buf_printf(b, "\\u%04x", ch);
        } else {
            buf_putc(b, (char)ch);
        }
    }
    buf_putc(b, '"');
}

static void test_json_str(void) {
    static const char *const specials[] = {"\"", "\\", "\x01", "\x1f", "\n", "\x7f", "\xc2\x85", "\xe2\x80\xae",
                                           "\xc3\xa9", "\xe2\x80\xa6", "\xff", "~", " ", "\xc3", "\xed\xa0\x80",
                                           "\xf0\x9f\x98\x80"};
    size_t bad = 0;
    for (size_t len = 0; len < 40; len++)
        for (size_t at = 0; at <= len; at++)
            for (size_t k = 0; k < sizeof specials / sizeof *specials; k++) {
                char s[64];
                memset(s, 'a', len);
                size_t n = strlen(specials[k]);
                memcpy(s + at, specials[k], n);
                size_t tot = len + n;
                buf_t x = {0}, y = {0};
                out_json_str(&x, pstr(s, tot));
                json_ref(&y, s, tot);
                bad += x.n != y.n || memcmp(x.p, y.p, x.n) != 0;
                buf_free(&x);
                buf_free(&y);
            }
    CHECK(bad == 0);
}

int main(void) {
    test_json_str();
    test_escape();
    test_name();
    test_env();
    test_fit();
    return CHECK_DONE("test_tty");
}
