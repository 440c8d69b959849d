/* tty.c — terminal-safe text, the terminal's width, colour (see tty.h).
 *
 * Used by the output writers (out.c) for the table and CSV on a terminal,
 * by main.c for --color and the width, and by the messages on stderr that
 * name an input.
 */
#include "tty.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

/* What stands at s[i]: the bytes to copy as they are (*len, one code
 * point), or the escape to write instead (into esc, NUL-terminated, *len
 * bytes of s it stands for). Returns true for an escape. */
static bool step(const unsigned char *p, size_t n, size_t *len, char esc[16]) {
    static const char hex[] = "0123456789abcdef";
    unsigned char c = p[0];
    if (c >= 0x20 && c < 0x7F) {
        *len = 1;
        return false;
    }
    if (c < 0x80) {
        *len = 1;
        if (c == '\t' || c == '\n' || c == '\r') {
            esc[0] = '\\', esc[1] = c == '\t' ? 't' : c == '\n' ? 'n' : 'r', esc[2] = 0;
        } else {
            esc[0] = '\\', esc[1] = 'x', esc[2] = hex[c >> 4], esc[3] = hex[c & 15], esc[4] = 0;
        }
        return true;
    }
    uint32_t cp;
    size_t k = tty_uni_ctl(p, n, &cp);
    if (k) {
        *len = k;
        snprintf(esc, 16, "\\u{%x}", (unsigned)cp);
        return true;
    }
    k = str_utf8_len(p, n);
    if (k) {
        *len = k;
        return false;
    }
    *len = 1;
    esc[0] = '\\', esc[1] = 'x', esc[2] = hex[c >> 4], esc[3] = hex[c & 15], esc[4] = 0;
    return true;
}

/* See tty.h. */
bool tty_unsafe(pstr_t s) {
    const unsigned char *p = (const unsigned char *)s.p;
    char esc[16];
    for (size_t i = 0, len; i < s.n; i += len) {
        if (p[i] >= 0x20 && p[i] < 0x7F) { /* the common byte, without a call */
            len = 1;
            continue;
        }
        if (step(p + i, s.n - i, &len, esc)) return true;
    }
    return false;
}

/* See tty.h. */
size_t tty_escape(buf_t *b, pstr_t s) {
    const unsigned char *p = (const unsigned char *)s.p;
    char esc[16];
    size_t w = 0, run = 0;
    for (size_t i = 0, len; i < s.n; i += len) {
        if (p[i] >= 0x20 && p[i] < 0x7F) {
            len = 1;
            w++;
            continue;
        }
        if (!step(p + i, s.n - i, &len, esc)) {
            w++;
            continue;
        }
        buf_put(b, s.p + run, i - run);
        buf_puts(b, esc);
        w += strlen(esc);
        run = i + len;
    }
    buf_put(b, s.p + run, s.n - run);
    return w;
}

/* See tty.h. */
size_t tty_width(pstr_t s) {
    const unsigned char *p = (const unsigned char *)s.p;
    char esc[16];
    size_t w = 0;
    for (size_t i = 0, len; i < s.n; i += len) {
        if (p[i] >= 0x20 && p[i] < 0x7F) {
            len = 1;
            w++;
        } else {
            w += step(p + i, s.n - i, &len, esc) ? strlen(esc) : 1;
        }
    }
    return w;
}

/* See tty.h. */
const char *tty_name(const char *s) {
    static _Thread_local char tmp[TTY_NAMEBUF];
    pstr_t v = pstr_c(s);
    if (!tty_unsafe(v)) return s;
    buf_t b = {0};
    tty_escape(&b, v);
    size_t n = b.n < sizeof tmp - 1 ? b.n : sizeof tmp - 1;
    memcpy(tmp, b.p, n);
    tmp[n] = 0;
    buf_free(&b);
    return tmp;
}

/* See tty.h. */
unsigned tty_columns(int fd) {
    const char *c = getenv("COLUMNS");
    if (c && *c) {
        char *e;
        long k = strtol(c, &e, 10);
        if (!*e && k > 0 && k <= 100000) return (unsigned)k;
    }
    struct winsize ws;
    if (isatty(fd) && ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) return ws.ws_col;
    return 0;
}

static const char *const tty_color_names[] = {"auto", "never", "always"}; /* ORDER TTYCOLOR */

/* See tty.h. */
int tty_color_parse(const char *name) {
    for (int i = 0; i < 3; i++)
        if (strcmp(name, tty_color_names[i]) == 0) return i;
    return -1;
}

/* See tty.h. */
bool tty_color_on(tty_color_t mode, int fd) {
    if (mode != TTY_COLOR_AUTO) return mode == TTY_COLOR_ALWAYS;
    const char *nc = getenv("NO_COLOR"), *term = getenv("TERM");
    if (nc && *nc) return false;
    if (term && strcmp(term, "dumb") == 0) return false;
    return isatty(fd) != 0;
}
