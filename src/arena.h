/* arena.h — bump allocators.
 *
 * An arena owns every byte it hands out; they all die together at
 * arena_reset() or arena_free(). The query arena holds tokens, AST and plan
 * for the life of a query; each input batch has its own arena, reset when
 * the batch is done. Nothing allocated from an arena is freed one by one.
 */
#ifndef POSTERN_ARENA_H
#define POSTERN_ARENA_H

#include <stddef.h>

typedef struct arena_blk arena_blk_t;

/* A chain of blocks; zero-initialised is a valid empty arena. */
typedef struct arena {
    arena_blk_t *head;  /* current block (newest first) */
    size_t used;        /* bytes used in head */
    size_t total;       /* bytes handed out since the last reset, for accounting */
} arena_t;

/* n bytes, 16-aligned, uninitialised. Aborts the process on out-of-memory
 * with a message: callers need not check. */
void *arena_alloc(arena_t *a, size_t n);
/* n zeroed bytes. */
void *arena_calloc(arena_t *a, size_t n);
/* A NUL-terminated copy of s[0..n). */
char *arena_strndup(arena_t *a, const char *s, size_t n);
/* Grow an array allocated from this arena: returns a new block of
 * newcap*elem bytes holding the first oldcap*elem bytes of old. */
void *arena_grow(arena_t *a, void *old, size_t oldcap, size_t newcap, size_t elem);
/* Move every block of src into dst: what src handed out now lives (and
 * dies) with dst; src is left empty. */
void arena_adopt(arena_t *dst, arena_t *src);
/* Forget every allocation but keep the first block for reuse. */
void arena_reset(arena_t *a);
/* Release all memory; the arena is empty and reusable afterwards. */
void arena_free(arena_t *a);

/* Checked heap helpers for the few long-lived objects outside arenas: on
 * out-of-memory they call xoom. */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t m);
void *xrealloc(void *p, size_t n);
char *xstrndup(const char *s, size_t n);
/* xmalloc for a large array read and written all over (a hash index, the
 * blocks of millions of groups): from XBIG_PAGE bytes on, aligned to that
 * size and backed by transparent huge pages where the system allows it
 * (MADV_HUGEPAGE), so that a random access rarely misses the TLB and a
 * page fault maps 2 MiB. Freed with free(). */
void *xmalloc_big(size_t n);
#define XBIG_PAGE ((size_t)2 << 20)
/* Out of memory for `what`: say "postern: out of memory (WHAT)" on stderr and
 * end the process at once with status 2 (no atexit handler, no stdio flush). */
_Noreturn void xoom(const char *what);

#endif
