/* arena.c — bump allocator with a block chain, plus checked malloc.
 *
 * Blocks double in size up to 1 MiB; an allocation larger than a block
 * gets a block of its own. Reset keeps one block so a per-batch arena
 * stops calling malloc once it has warmed up.
 */
#include "arena.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

struct arena_blk {
    arena_blk_t *next; /* older block */
    size_t cap;        /* usable bytes in data */
    _Alignas(16) unsigned char data[];
};

static void oom(size_t n) {
    char what[48];
    snprintf(what, sizeof what, "%zu bytes", n);
    xoom(what);
}

/* See arena.h. _exit, not exit: other threads may be running and no atexit
 * handler or stdio flush should run on a heap that just failed. */
void xoom(const char *what) {
    fprintf(stderr, "postern: out of memory (%s)\n", what);
    _exit(2);
}

/* See arena.h. */
void *xmalloc(size_t n) {
    void *p = malloc(n ? n : 1);
    if (!p) oom(n);
    return p;
}

/* See arena.h. */
void *xcalloc(size_t n, size_t m) {
    void *p = calloc(n ? n : 1, m ? m : 1);
    if (!p) oom(n * m);
    return p;
}

/* See arena.h. */
void *xrealloc(void *p, size_t n) {
    void *q = realloc(p, n ? n : 1);
    if (!q) oom(n);
    return q;
}

/* See arena.h. (Without huge pages, or where madvise refuses, the
 * memory is ordinary memory: the advice is only a hint.) */
void *xmalloc_big(size_t n) {
    if (n < XBIG_PAGE) return xmalloc(n);
    size_t whole = (n + XBIG_PAGE - 1) & ~(XBIG_PAGE - 1);
    void *p = aligned_alloc(XBIG_PAGE, whole);
    if (!p) oom(whole);
#ifdef MADV_HUGEPAGE
    (void)madvise(p, whole, MADV_HUGEPAGE);
#endif
    return p;
}

/* See arena.h. */
char *xstrndup(const char *s, size_t n) {
    char *d = xmalloc(n + 1);
    if (n) memcpy(d, s, n);
    d[n] = 0;
    return d;
}

/* See arena.h. */
void *arena_alloc(arena_t *a, size_t n) {
    n = (n + 15) & ~(size_t)15;
    if (!a->head || a->used + n > a->head->cap) {
        size_t cap = a->head ? a->head->cap * 2 : 4096;
        if (cap > (1u << 20)) cap = 1u << 20;
        if (cap < n) cap = n;
        arena_blk_t *b = malloc(sizeof *b + cap);
        if (!b) oom(cap);
        b->cap = cap;
        b->next = a->head;
        a->head = b;
        a->used = 0;
    }
    void *p = a->head->data + a->used;
    a->used += n;
    a->total += n;
    return p;
}

/* See arena.h. */
void *arena_calloc(arena_t *a, size_t n) {
    void *p = arena_alloc(a, n);
    memset(p, 0, n);
    return p;
}

/* See arena.h. */
char *arena_strndup(arena_t *a, const char *s, size_t n) {
    char *d = arena_alloc(a, n + 1);
    if (n) memcpy(d, s, n);
    d[n] = 0;
    return d;
}

/* See arena.h. */
void *arena_grow(arena_t *a, void *old, size_t oldcap, size_t newcap, size_t elem) {
    void *p = arena_alloc(a, newcap * elem);
    if (old && oldcap) memcpy(p, old, oldcap * elem);
    return p;
}

/* See arena.h. src's blocks go behind dst's current block, so dst keeps
 * bumping in the block it was using. */
void arena_adopt(arena_t *dst, arena_t *src) {
    if (!src->head) return;
    if (!dst->head) {
        *dst = *src;
    } else {
        arena_blk_t *tail = src->head;
        while (tail->next) tail = tail->next;
        tail->next = dst->head->next;
        dst->head->next = src->head;
        dst->total += src->total;
    }
    src->head = NULL;
    src->used = src->total = 0;
}

/* See arena.h. Keeps the largest (newest) block. */
void arena_reset(arena_t *a) {
    if (!a->head) return;
    arena_blk_t *b = a->head->next;
    while (b) { arena_blk_t *n = b->next; free(b); b = n; }
    a->head->next = NULL;
    a->used = 0;
    a->total = 0;
}

/* See arena.h. */
void arena_free(arena_t *a) {
    arena_blk_t *b = a->head;
    while (b) { arena_blk_t *n = b->next; free(b); b = n; }
    a->head = NULL;
    a->used = 0;
    a->total = 0;
}
