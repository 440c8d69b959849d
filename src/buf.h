/* buf.h — growable byte buffer.
 *
 * A buf_t owns its heap bytes; buf_free releases them. Used to build
 * output lines and error messages; never on the per-field hot path.
 */
#ifndef POSTERN_BUF_H
#define POSTERN_BUF_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

/* Heap buffer, always NUL-terminated when p != NULL. Zero-init is empty. */
typedef struct buf {
    char *p;    /* bytes, owned */
    size_t n;   /* used */
    size_t cap; /* allocated */
} buf_t;

/* Make room for extra more bytes (and the NUL): a writer may then fill
 * p[n..n+extra) itself, moving n and writing the NUL. */
void buf_reserve(buf_t *b, size_t extra);
/* Append n bytes. */
void buf_put(buf_t *b, const void *s, size_t n);
/* Append a C string. */
void buf_puts(buf_t *b, const char *s);
/* Append one byte. */
void buf_putc(buf_t *b, char c);
/* Append printf-formatted text. */
void buf_printf(buf_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Append vprintf-formatted text. */
void buf_vprintf(buf_t *b, const char *fmt, va_list ap);
/* Empty the buffer, keep the memory. */
void buf_clear(buf_t *b);
/* Release the memory. */
void buf_free(buf_t *b);
/* Append everything left to read from f (a FILE *, not closed here).
 * Returns false on a read error (what was read stays in b). */
bool buf_read(buf_t *b, void *f);

#endif
