/* hmap.c — the open-addressing index and the byte-string set (hmap.h).
 *
 * Linear probing over a power-of-two slot array kept at most 3/4 full;
 * a slot holds the low 32 bits of its entry's hash, so growing needs no
 * entry and no rehash of a key. A large slot array asks for huge pages
 * (xmalloc_big): probes land all over it, and each would miss the TLB. Used by the group table (agg.c), the
 * field names (field.c), the table operators' keys (tabkit.c), the
 * lookup tables (op_lookup.c), compare, sessionize, transaction and
 * merge, and the directory walk's set of files met (input_walk.c).
 */
#include "hmap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* See hmap.h. */
uint64_t hm_hash_long(const void *vp, size_t n) {
    const unsigned char *p = vp;
    uint64_t h = (uint64_t)n * HM_K1_ + HM_K2_;
    for (; n >= 8; p += 8, n -= 8) h = hm_step_(h, hm_ld64_(p));
    return hm_finish_(hm_step_(h, hm_tail_(p, n)));
}

/* The k bytes at p, ASCII-lowercased, into w. */
static void lower_(unsigned char *w, const unsigned char *p, size_t k) {
    for (size_t i = 0; i < k; i++) w[i] = (unsigned char)(p[i] >= 'A' && p[i] <= 'Z' ? p[i] + 32 : p[i]);
}

/* See hmap.h. Each way of hm_hash, on the lowercased bytes. */
uint64_t hm_ihash(const void *vp, size_t n) {
    const unsigned char *p = vp;
    unsigned char w[16];
    if (n <= 16) {
        lower_(w, p, n);
        return hm_hash(w, n);
    }
    uint64_t h = (uint64_t)n * HM_K1_ + HM_K2_;
    for (; n >= 8; p += 8, n -= 8) {
        lower_(w, p, 8);
        h = hm_step_(h, hm_ld64_(w));
    }
    lower_(w, p, n);
    return hm_finish_(hm_step_(h, hm_tail_(w, n)));
}

/* See hmap.h. */
void hm_init(hm_t *m) { memset(m, 0, sizeof *m); }

/* See hmap.h. */
void hm_free(hm_t *m) {
    free(m->slot);
    memset(m, 0, sizeof *m);
}

/* Rebuild with nslots slots (a power of two), placing every id again. */
static void resize(hm_t *m, uint32_t nslots) {
    hm_slot_t *ns = xmalloc_big((size_t)nslots * sizeof *ns);
    for (uint32_t i = 0; i < nslots; i++) ns[i].id = HM_NONE;
    uint32_t mask = nslots - 1;
    if (m->slot)
        for (uint32_t i = 0; i <= m->mask; i++) {
            /* (The new slot of an entry further on, fetched ahead: the
             * writes land all over a table bigger than the cache.) */
            if (i + 16 <= m->mask) __builtin_prefetch(&ns[m->slot[i + 16].tag & mask], 1);
            if (m->slot[i].id == HM_NONE) continue;
            uint32_t j = m->slot[i].tag & mask;
            while (ns[j].id != HM_NONE) j = (j + 1) & mask;
            ns[j] = m->slot[i];
        }
    free(m->slot);
    m->slot = ns;
    m->mask = mask;
}

/* See hmap.h. */
void hm_reserve(hm_t *m, uint32_t n) {
    uint64_t want = 16;
    while (want * 3 / 4 < (uint64_t)n + 1) want *= 2;
    if (want > (uint64_t)1 << 31) want = (uint64_t)1 << 31;
    if (!m->slot || want > (uint64_t)m->mask + 1) resize(m, (uint32_t)want);
}

/* See hmap.h. */
void hm_add(hm_t *m, const hm_probe_t *p, uint32_t id) {
    if (!m->slot) {
        /* An empty table has no slot to stand on: make one and probe it. */
        resize(m, 16);
        uint32_t j = p->tag & m->mask;
        while (m->slot[j].id != HM_NONE) j = (j + 1) & m->mask;
        m->slot[j] = (hm_slot_t){p->tag, id};
    } else {
        m->slot[p->pos] = (hm_slot_t){p->tag, id};
    }
    m->n++;
    if ((uint64_t)m->n * 4 > ((uint64_t)m->mask + 1) * 3) {
        if (m->mask >= (1u << 31) - 1) {
            fprintf(stderr, "postern: hash table over 2^31 slots\n");
            abort();
        }
        resize(m, (m->mask + 1) * 2);
    }
}

/* ---- byte-string keys ------------------------------------------------ */

/* See hmap.h. */
void hmb_init(hmb_t *b) { memset(b, 0, sizeof *b); }

/* See hmap.h. */
void hmb_free(hmb_t *b) {
    hm_free(&b->ix);
    arena_free(&b->arena);
    free(b->key);
    memset(b, 0, sizeof *b);
}

/* See hmap.h. */
uint32_t hmb_put(hmb_t *b, pstr_t key, bool add, bool *isnew) {
    if (isnew) *isnew = false;
    hm_probe_t p = hm_start(&b->ix, hm_hash(key.p, key.n));
    for (uint32_t id; (id = hm_next(&b->ix, &p)) != HM_NONE;)
        if (b->key[id].n == key.n && (key.n == 0 || memcmp(b->key[id].p, key.p, key.n) == 0)) return id;
    if (!add) return HM_NONE;
    if (b->n == b->cap) {
        b->cap = b->cap ? b->cap * 2 : 16;
        b->key = xrealloc(b->key, b->cap * sizeof *b->key);
    }
    uint32_t id = b->n++;
    b->key[id] = pstr(arena_strndup(&b->arena, key.p ? key.p : "", key.n), key.n);
    hm_add(&b->ix, &p, id);
    if (isnew) *isnew = true;
    return id;
}
