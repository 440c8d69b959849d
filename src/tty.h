/* tty.h — what text meant for a terminal needs: log data made harmless,
 * the terminal's width, whether to colour.
 *
 * Log data is attacker-controlled: an ESC in a process name can erase or
 * rewrite lines, a bidi override can reorder what the analyst reads. Every
 * value or name from the input that reaches a terminal (the table, CSV on
 * a terminal, messages on stderr) goes through tty_escape or tty_safe,
 * which write these as plain text:
 *   tab, newline, carriage return      \t \n \r
 *   other C0 controls, DEL             \xNN (lower-case hex: \x1b, \x7f)
 *   bytes that are not UTF-8           \xNN
 *   C1 controls U+0080..U+009F         \u{NN} (\u{9b})
 *   bidi controls U+061C, U+200E, U+200F, U+202A..U+202E, U+2066..U+2069
 *                                      \u{NNNN} (\u{202e})
 * Backslashes are left as they are (Windows paths stay readable): the
 * table is for eyes; CSV and JSON written to a file or pipe keep the data
 * exact. Nothing here allocates but into the caller's buffers.
 */
#ifndef POSTERN_TTY_H
#define POSTERN_TTY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "str.h"

/* The code point at p[0..n) when it is a C1 or bidi control (p[0] >= 0x80,
 * valid UTF-8): its byte length (2 or 3) with *cp set; else 0. For JSON
 * output, which escapes these as \uXXXX. */
static inline size_t tty_uni_ctl(const unsigned char *p, size_t n, uint32_t *cp) {
    if (n >= 2 && p[0] == 0xC2 && p[1] >= 0x80 && p[1] <= 0x9F) { *cp = p[1]; return 2; }
    if (n >= 2 && p[0] == 0xD8 && p[1] == 0x9C) { *cp = 0x61C; return 2; }
    if (n >= 3 && p[0] == 0xE2 && ((p[1] == 0x80 && ((p[2] >= 0x8E && p[2] <= 0x8F) || (p[2] >= 0xAA && p[2] <= 0xAE))) ||
                                   (p[1] == 0x81 && p[2] >= 0xA6 && p[2] <= 0xA9))) {
        *cp = 0x2000u + (uint32_t)(p[1] & 0x3F) * 64 + (p[2] & 0x3F);
        return 3;
    }
    return 0;
}

/* Does s hold anything tty_escape would escape? */
bool tty_unsafe(pstr_t s);
/* Append s to b with what a terminal would obey escaped (see above).
 * Returns the display width of what was appended (code points). */
size_t tty_escape(buf_t *b, pstr_t s);
/* The display width tty_escape would return for s, without writing. */
size_t tty_width(pstr_t s);
/* s (NUL-terminated) safe to print: s itself when nothing needs escaping,
 * else its escaped form in a buffer of the calling thread (cut at
 * TTY_NAMEBUF bytes), valid until the thread's next call. For file names
 * and other data a message on stderr echoes, one per message. */
const char *tty_name(const char *s);
/* Bytes of tty_name's buffer. */
#define TTY_NAMEBUF 4352

/* The width to fit output to: $COLUMNS when it is a positive number, else
 * the terminal's (TIOCGWINSZ) when fd is one, else 0 (unknown). */
unsigned tty_columns(int fd);

/* --color: when to colour. ORDER TTYCOLOR: tty_color_names. */
typedef enum tty_color { TTY_COLOR_AUTO, TTY_COLOR_NEVER, TTY_COLOR_ALWAYS } tty_color_t;
/* The mode by name ("auto", "never", "always"), or -1. */
int tty_color_parse(const char *name);
/* Whether to colour output to fd under mode: always; never; auto: fd is
 * a terminal, NO_COLOR is unset or empty (no-color.org) and TERM is not
 * "dumb". */
bool tty_color_on(tty_color_t mode, int fd);

#endif
