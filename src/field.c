/* field.c — the field-name table and the record's slot arrays.
 *
 * Names are interned case-insensitively in the one hash table (hmap.h);
 * ids are dense so a record can keep its values in an array indexed by id.
 */
#include "field.h"

#include <stdlib.h>
#include <string.h>

static const char *const builtin_names[] = {
#define X(id, name) name,
    FIELD_BUILTINS(X)
#undef X
};

/* See field.h. */
void ftab_init(ftab_t *ft) {
    memset(ft, 0, sizeof *ft);
    pthread_mutex_init(&ft->lock, NULL);
    hm_reserve(&ft->ix, 64);
    for (unsigned i = 0; i < F_NBUILTIN; i++) ftab_intern(ft, pstr_c(builtin_names[i]));
}

/* See field.h. */
void ftab_lock(ftab_t *ft) {
    if (ft->mt) pthread_mutex_lock(&ft->lock);
}

/* See field.h. */
void ftab_unlock(ftab_t *ft) {
    if (ft->mt) pthread_mutex_unlock(&ft->lock);
}

/* See field.h. */
void ftab_free(ftab_t *ft) {
    for (uint32_t i = 0; i < ft->n; i++) free(ft->e[i].name);
    free(ft->e);
    hm_free(&ft->ix);
    pthread_mutex_destroy(&ft->lock);
    memset(ft, 0, sizeof *ft);
}

/* The id of name (ignoring case), or FIELD_NONE with *p where it goes. */
static uint32_t probe(const ftab_t *ft, pstr_t name, hm_probe_t *p) {
    *p = hm_start(&ft->ix, hm_ihash(name.p, name.n));
    for (uint32_t id; (id = hm_next(&ft->ix, p)) != HM_NONE;)
        if (pstr_ieq(pstr(ft->e[id].name, ft->e[id].n), name)) return id;
    return FIELD_NONE;
}

/* See field.h. */
uint32_t ftab_find(const ftab_t *ft, pstr_t name) {
    hm_probe_t p;
    return probe(ft, name, &p);
}

/* See field.h. */
uint32_t ftab_intern(ftab_t *ft, pstr_t name) {
    hm_probe_t p;
    uint32_t found = probe(ft, name, &p);
    if (found != FIELD_NONE) return found;
    if (ft->n == ft->cap) {
        ft->cap = ft->cap ? ft->cap * 2 : 32;
        ft->e = xrealloc(ft->e, ft->cap * sizeof *ft->e);
    }
    uint32_t id = ft->n++;
    fentry_t *e = &ft->e[id];
    memset(e, 0, sizeof *e);
    e->name = xstrndup(name.p, name.n);
    e->n = (uint32_t)name.n;
    hm_add(&ft->ix, &p, id);
    return id;
}

/* See field.h. */
uint32_t ftab_meet(ftab_t *ft, pstr_t name, uint64_t at) {
    uint32_t n = ft->n, id = ftab_intern(ft, name);
    fentry_t *e = &ft->e[id];
    if (id >= n) { /* new: this spelling, met here */
        e->at = at;
    } else if (at < e->at) { /* met earlier in the input than the spelling kept */
        if (name.n == e->n && memcmp(e->name, name.p, name.n) != 0) memcpy(e->name, name.p, name.n);
        e->at = at;
    }
    return id;
}

/* See field.h. */
void ftab_rename(ftab_t *ft, uint32_t id, pstr_t name) {
    fentry_t *e = &ft->e[id];
    free(e->name);
    e->name = xstrndup(name.p, name.n);
    e->n = (uint32_t)name.n;
    e->at = 0; /* the query's spelling now */
}

/* See field.h. */
void rec_init(record_t *r, arena_t *arena) {
    memset(r, 0, sizeof *r);
    r->arena = arena;
}

/* See field.h. */
void rec_free(record_t *r) {
    if (!r->borrowed) { /* borrowed slots die with their arena */
        free(r->v);
        free(r->present);
        free(r->order);
    }
    r->borrowed = false;
    r->v = NULL;
    r->present = NULL;
    r->order = NULL;
    r->cap = r->norder = r->ordcap = 0;
}

/* See field.h. */
void rec_clear(record_t *r) {
    /* (locals: the stores through v would otherwise make the compiler
     * reload the record's fields at each step) */
    value_t *v = r->v;
    uint8_t *present = r->present;
    const uint32_t *order = r->order;
    for (uint32_t i = 0, n = r->norder; i < n; i++) {
        v[order[i]] = val_null();
        present[order[i]] = 0;
    }
    r->norder = 0;
    r->raw = PSTR_NULL;
}

/* Slot arrays borrowed from an arena (rec_reserve) move to the heap
 * before they grow. */
static void own_slots(record_t *r) {
    if (!r->borrowed) return;
    value_t *v = xmalloc((r->cap ? r->cap : 1) * sizeof *v);
    uint8_t *p = xmalloc(r->cap ? r->cap : 1);
    uint32_t *o = xmalloc((r->ordcap ? r->ordcap : 1) * sizeof *o);
    if (r->cap) {
        memcpy(v, r->v, r->cap * sizeof *v);
        memcpy(p, r->present, r->cap);
    }
    if (r->norder) memcpy(o, r->order, r->norder * sizeof *o);
    r->v = v;
    r->present = p;
    r->order = o;
    r->borrowed = false;
}

static void grow_slots(record_t *r, uint32_t id) {
    own_slots(r);
    uint32_t cap = r->cap ? r->cap : 32;
    while (cap <= id) cap *= 2;
    r->v = xrealloc(r->v, cap * sizeof *r->v);
    memset(r->v + r->cap, 0, (cap - r->cap) * sizeof *r->v);
    r->present = xrealloc(r->present, cap);
    memset(r->present + r->cap, 0, cap - r->cap);
    r->cap = cap;
}

/* See field.h. A field enters the order when it is first set; a field set
 * to null stays listed so output shows it as present but empty. */
void rec_set_grow(record_t *r, uint32_t id, value_t v) {
    if (id == FIELD_NONE) return; /* no such field: nothing to set */
    if (id >= r->cap) grow_slots(r, id);
    if (!r->present[id]) {
        r->present[id] = 1;
        if (r->norder == r->ordcap) {
            own_slots(r);
            r->ordcap = r->ordcap ? r->ordcap * 2 : 8;
            r->order = xrealloc(r->order, r->ordcap * sizeof *r->order);
        }
        r->order[r->norder++] = id;
    }
    r->v[id] = v;
}

/* See field.h. */
void rec_unset(record_t *r, uint32_t id) {
    if (id >= r->cap) return;
    r->v[id] = val_null();
    if (!r->present[id]) return;
    r->present[id] = 0;
    for (uint32_t i = 0; i < r->norder; i++)
        if (r->order[i] == id) {
            memmove(r->order + i, r->order + i + 1, (r->norder - i - 1) * sizeof *r->order);
            r->norder--;
            break;
        }
}

/* See field.h. */
void rec_pin(record_t *r, arena_t *a) {
    /* Values that are views into the message text (_raw itself, a JSON
     * string without escapes) move with the one copy of the text. */
    uintptr_t lo = (uintptr_t)r->raw.p, hi = lo + r->raw.n;
    if (r->raw.n) r->raw.p = arena_strndup(a, r->raw.p, r->raw.n);
    for (uint32_t i = 0; i < r->norder; i++) {
        value_t *v = &r->v[r->order[i]];
        if (v->t != V_STR || !v->n) continue;
        uintptr_t p = (uintptr_t)v->s;
        if (r->raw.n && p >= lo && p + v->n <= hi) v->s = r->raw.p + (p - lo);
        else v->s = arena_strndup(a, v->s, v->n);
    }
}

/* See field.h. */
void rec_reserve(record_t *r, arena_t *a, uint32_t nslots, uint32_t norder) {
    if (a && !r->v && !r->order && (nslots || norder)) { /* a fresh record: one block of a */
        size_t vb = nslots * sizeof *r->v, ob = norder * sizeof *r->order;
        unsigned char *m = arena_alloc(a, vb + ob + nslots);
        memset(m, 0, vb);
        memset(m + vb + ob, 0, nslots);
        r->v = (value_t *)(void *)m;
        r->order = (uint32_t *)(void *)(m + vb);
        r->present = m + vb + ob;
        r->cap = nslots;
        r->ordcap = norder;
        r->borrowed = true;
        return;
    }
    own_slots(r);
    if (nslots > r->cap) {
        r->v = xrealloc(r->v, nslots * sizeof *r->v);
        memset(r->v + r->cap, 0, (nslots - r->cap) * sizeof *r->v);
        r->present = xrealloc(r->present, nslots);
        memset(r->present + r->cap, 0, nslots - r->cap);
        r->cap = nslots;
    }
    if (norder > r->ordcap) {
        r->order = xrealloc(r->order, norder * sizeof *r->order);
        r->ordcap = norder;
    }
}

/* ---- packed records ------------------------------------------------------ */

/* The tag of a field packed as a view into the message text (val_pack's
 * tags are vtype_t values, all below it, with 0x80 for a string's mark);
 * PACK_IN_RAW_LIT when the string carries VAL_JSONLIT. */
#define PACK_IN_RAW 0x10
#define PACK_IN_RAW_LIT 0x11

/* Is string value v a view into r's message text? */
static bool in_raw(const record_t *r, value_t v) {
    uintptr_t lo = (uintptr_t)r->raw.p, p = (uintptr_t)v.s;
    return v.t == V_STR && v.n && r->raw.n && p >= lo && p + v.n <= lo + r->raw.n;
}

/* See field.h. */
size_t rec_pack_size(const record_t *r) {
    size_t n = val_uint_size(r->raw.p ? r->raw.n + 1 : 0) + r->raw.n + val_uint_size(r->norder);
    for (uint32_t i = 0; i < r->norder; i++) {
        uint32_t id = r->order[i];
        value_t v = r->v[id];
        n += val_uint_size(id);
        if (in_raw(r, v)) n += 1 + val_uint_size((uint64_t)(v.s - r->raw.p)) + val_uint_size(v.n);
        else n += val_pack_size(v);
    }
    return n;
}

/* See field.h. */
char *rec_pack(char *p, const record_t *r) {
    p = val_pack_uint(p, r->raw.p ? r->raw.n + 1 : 0);
    if (r->raw.n) memcpy(p, r->raw.p, r->raw.n);
    p += r->raw.n;
    p = val_pack_uint(p, r->norder);
    for (uint32_t i = 0; i < r->norder; i++) {
        uint32_t id = r->order[i];
        value_t v = r->v[id];
        p = val_pack_uint(p, id);
        if (in_raw(r, v)) {
            *p++ = v.b ? PACK_IN_RAW_LIT : PACK_IN_RAW;
            p = val_pack_uint(p, (uint64_t)(v.s - r->raw.p));
            p = val_pack_uint(p, v.n);
        } else {
            p = val_pack(p, v);
        }
    }
    return p;
}

/* See field.h. */
const char *rec_unpack(const char *p, record_t *r) {
    rec_clear(r);
    uint64_t rn, nf;
    p = val_unpack_uint(p, &rn);
    if (rn) {
        r->raw = pstr(p, rn - 1);
        p += rn - 1;
    }
    p = val_unpack_uint(p, &nf);
    for (uint64_t i = 0; i < nf; i++) {
        uint64_t id;
        value_t v;
        p = val_unpack_uint(p, &id);
        if (*p == PACK_IN_RAW || *p == PACK_IN_RAW_LIT) {
            uint64_t off, n;
            uint8_t mark = *p == PACK_IN_RAW_LIT ? VAL_JSONLIT : 0;
            p = val_unpack_uint(p + 1, &off);
            p = val_unpack_uint(p, &n);
            v = val_str(r->raw.p + off, n);
            v.b = mark;
        } else {
            p = val_unpack(p, &v);
        }
        rec_set(r, (uint32_t)id, v);
    }
    return p;
}
