/* buf.c — growable byte buffer (see buf.h). */
#include "buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"

/* See buf.h. */
void buf_reserve(buf_t *b, size_t extra) {
    if (b->n + extra + 1 <= b->cap) return;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->n + extra + 1) cap *= 2;
    b->p = xrealloc(b->p, cap);
    b->cap = cap;
}

/* See buf.h. */
void buf_put(buf_t *b, const void *s, size_t n) {
    buf_reserve(b, n);
    if (n) memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = 0;
}

/* See buf.h. */
void buf_puts(buf_t *b, const char *s) { buf_put(b, s, strlen(s)); }

/* See buf.h. */
void buf_putc(buf_t *b, char c) { buf_put(b, &c, 1); }

/* See buf.h. */
void buf_vprintf(buf_t *b, const char *fmt, va_list ap) {
    va_list ap2;
    va_copy(ap2, ap);
    int k = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (k < 0) return;
    buf_reserve(b, (size_t)k);
    vsnprintf(b->p + b->n, (size_t)k + 1, fmt, ap);
    b->n += (size_t)k;
}

/* See buf.h. */
void buf_printf(buf_t *b, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(b, fmt, ap);
    va_end(ap);
}

/* See buf.h. */
void buf_clear(buf_t *b) {
    b->n = 0;
    if (b->p) b->p[0] = 0;
}

/* See buf.h. */
void buf_free(buf_t *b) {
    free(b->p);
    b->p = NULL;
    b->n = b->cap = 0;
}

/* See buf.h. */
bool buf_read(buf_t *b, void *f) {
    char tmp[65536];
    size_t k;
    while ((k = fread(tmp, 1, sizeof tmp, (FILE *)f)) > 0) buf_put(b, tmp, k);
    return !ferror((FILE *)f);
}
