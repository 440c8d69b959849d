/* hmap.h — the one hash table: an open-addressing index from a hash plus
 * a key the caller compares to a dense 32-bit id, and on top of it a set
 * of byte-string keys.
 *
 * hm_t stores no keys, only (32-bit hash tag, id) pairs, 8 bytes a slot:
 * the caller keeps its entries (group records, field names, table rows)
 * wherever it likes, indexed by id, and compares keys itself while it
 * probes (hm_start / hm_next / hm_add), so a probe never calls through a
 * pointer and a slot whose tag differs reads no entry. The table owns
 * only its slot array (heap); entries are the caller's. There is no
 * removal: every user builds a table, reads it, frees it whole.
 *
 * hmb_t is the (ptr,len) byte-string case: it owns copies of its keys
 * (its arena) and hands out ids 0, 1, 2, ... in insertion order, so
 * iterating ids 0..hmb_count()-1 visits keys in the order they came.
 * An empty key is a key like any other.
 */
#ifndef POSTERN_HMAP_H
#define POSTERN_HMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "arena.h"
#include "str.h"

/* "No such id" / an empty slot. */
#define HM_NONE UINT32_MAX

/* One slot: the low 32 bits of the entry's hash and its id (HM_NONE: empty). */
typedef struct hm_slot {
    uint32_t tag;   /* low 32 bits of the hash; its low bits pick the home slot */
    uint32_t id;    /* the caller's entry, HM_NONE when the slot is empty */
} hm_slot_t;

/* The index. Zero-initialised (or hm_init) is an empty table. */
typedef struct hm {
    hm_slot_t *slot;  /* mask+1 slots (heap), NULL until the first hm_add */
    uint32_t mask;    /* slots - 1; slots is a power of two */
    uint32_t n;       /* ids placed */
} hm_t;

/* Where a probe stands: hm_next moves it; after hm_next returned HM_NONE,
 * pos is the empty slot hm_add fills. */
typedef struct hm_probe {
    uint32_t pos;   /* current slot */
    uint32_t tag;   /* the probed hash's low 32 bits */
} hm_probe_t;

/* The parts of hm_hash (inline: a key of a dozen bytes hashes in about
 * as many instructions as a call would take). */
#define HM_K1_ 0x9E3779B97F4A7C15ull
#define HM_K2_ 0xD6E8FEB86659FD93ull

/* 8 bytes at p, in host order. */
static inline uint64_t hm_ld64_(const unsigned char *p) {
    uint64_t w;
    memcpy(&w, p, 8);
    return w;
}

/* 4 bytes at p, in host order. */
static inline uint64_t hm_ld32_(const unsigned char *p) {
    uint32_t w;
    memcpy(&w, p, 4);
    return w;
}

/* Fold one word into the running hash. */
static inline uint64_t hm_step_(uint64_t h, uint64_t w) {
    h = (h ^ w) * HM_K2_;
    return h ^ (h >> 31);
}

/* Final avalanche: every input bit reaches the low bits hm_t uses. */
static inline uint64_t hm_finish_(uint64_t h) {
    h ^= h >> 32;
    h *= HM_K1_;
    h ^= h >> 29;
    h *= HM_K2_;
    return h ^ (h >> 32);
}

/* The last 0..7 bytes as one word (the length is hashed separately). */
static inline uint64_t hm_tail_(const unsigned char *p, size_t n) {
    if (n >= 4) return hm_ld32_(p) | hm_ld32_(p + n - 4) << 32;
    if (n) return (uint64_t)p[0] | (uint64_t)p[n / 2] << 8 | (uint64_t)p[n - 1] << 16;
    return 0;
}

/* Fold x's high bits down, multiply by k and fold the product's high
 * half onto its low one (without the first fold when !pre): each bit
 * of x reaches the low 32 bits (the index's tag) through the product's
 * high half, and its top bits reach the multiply's low ones too. */
static inline uint64_t hm_mulx_(uint64_t x, uint64_t k, bool pre) {
    if (pre) x ^= x >> 29;
    x *= k;
    return x ^ (x >> 32);
}

/* hm_hash of a key of more than 16 bytes: folded 8 bytes at a time. */
uint64_t hm_hash_long(const void *p, size_t n);

/* 64-bit hash of bytes p[0..n) (p may be NULL when n is 0): the hash
 * every user of hm_t passes unless it needs its own (a case-insensitive
 * one, say). A key of up to 16 bytes (an address, a port, a user name:
 * the usual group key) is one word or two, each folded and multiplied on
 * its own (the two overlap), then multiplied once more, so the latency a
 * lookup waits on before its first load is two multiplies, not four or
 * more in a row; a bit flipped anywhere flips each bit of the tag about
 * as evenly as the longer way does. A longer key is hashed out of line.
 * (The second word is turned by 16 bits before the two meet: a change
 * in a word's top bits reaches few bits of its product, which the first
 * word's could cancel at the same places.) */
static inline uint64_t hm_hash(const void *vp, size_t n) {
    const unsigned char *p = vp;
    if (n > 16) return hm_hash_long(p, n);
    uint64_t h = (uint64_t)n * HM_K1_ + HM_K2_;
    if (n <= 8) return hm_mulx_(hm_mulx_((n == 8 ? hm_ld64_(p) : hm_tail_(p, n)) ^ h, HM_K2_, true), HM_K1_, false);
    uint64_t x = hm_mulx_(hm_ld64_(p) ^ h, HM_K2_, true), y = hm_mulx_(hm_ld64_(p + n - 8) ^ HM_K2_, HM_K1_, true);
    return hm_mulx_(x ^ (y << 16 | y >> 48), HM_K2_, false);
}
/* hm_hash of the ASCII-lowercased bytes (case-insensitive keys). */
uint64_t hm_ihash(const void *p, size_t n);
/* Combine hash h with the hash x of the next part of a composite key. */
static inline uint64_t hm_mix(uint64_t h, uint64_t x) { return (h ^ x) * 0x9E3779B97F4A7C15ull + (h >> 29); }

/* An empty table. */
void hm_init(hm_t *m);
/* Free the slots; the table is empty and reusable afterwards. */
void hm_free(hm_t *m);
/* Make room for n ids without growing on the way (optional). */
void hm_reserve(hm_t *m, uint32_t n);
/* Bytes the table holds. */
static inline size_t hm_bytes(const hm_t *m) { return m->slot ? ((size_t)m->mask + 1) * sizeof *m->slot : 0; }

/* Start probing for hash h. */
static inline hm_probe_t hm_start(const hm_t *m, uint64_t h) {
    return (hm_probe_t){(uint32_t)h & m->mask, (uint32_t)h};
}

/* The next id whose hash tag equals the probe's (the caller compares its
 * key and calls again on a mismatch), or HM_NONE when the probe reached
 * an empty slot: the key is absent and p->pos is where hm_add puts it. */
static inline uint32_t hm_next(const hm_t *m, hm_probe_t *p) {
    if (!m->slot) return HM_NONE;
    for (;;) {
        const hm_slot_t *s = &m->slot[p->pos];
        if (s->id == HM_NONE) return HM_NONE;
        p->pos = (p->pos + 1) & m->mask;
        if (s->tag == p->tag) return s->id;
    }
}

/* Place id at the empty slot a probe ended on (hm_next returned HM_NONE,
 * no hm_add since); grows the table past 3/4 full. id < HM_NONE. */
void hm_add(hm_t *m, const hm_probe_t *p, uint32_t id);

/* ---- byte-string keys ------------------------------------------------ */

/* A set of byte strings with dense ids. Zero-initialised (or hmb_init) is
 * empty; it owns copies of its keys (arena) and its arrays (heap). */
typedef struct hmb {
    hm_t ix;          /* the index */
    arena_t arena;    /* key bytes, NUL-terminated copies */
    pstr_t *key;      /* key by id (heap) */
    uint32_t n, cap;  /* ids handed out / allocated */
} hmb_t;

/* An empty set. */
void hmb_init(hmb_t *b);
/* Free keys and index; the set is empty and reusable afterwards. */
void hmb_free(hmb_t *b);
/* The id of key (copied in when new and add; HM_NONE when absent and
 * !add); *isnew (may be NULL) says it was added. */
uint32_t hmb_put(hmb_t *b, pstr_t key, bool add, bool *isnew);
/* The id of key, or HM_NONE. */
static inline uint32_t hmb_find(hmb_t *b, pstr_t key) { return hmb_put(b, key, false, NULL); }
/* Number of keys. */
static inline uint32_t hmb_count(const hmb_t *b) { return b->n; }
/* Key id (its bytes live as long as the set). */
static inline pstr_t hmb_key(const hmb_t *b, uint32_t id) { return b->key[id]; }

#endif
