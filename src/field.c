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
void ftab_rename(ftab_t *ft, uint32_t id, pstr_t name) {
    fentry_t *e = &ft->e[id];
    free(e->name);
    e->name = xstrndup(name.p, name.n);
    e->n = (uint32_t)name.n;
}

/* See field.h. */
void rec_init(record_t *r, arena_t *arena) {
    memset(r, 0, sizeof *r);
    r->arena = arena;
}

/* See field.h. */
void rec_free(record_t *r) {
    free(r->v);
    free(r->present);
    free(r->order);
    r->v = NULL;
    r->present = NULL;
    r->order = NULL;
    r->cap = r->norder = r->ordcap = 0;
}

/* See field.h. */
void rec_clear(record_t *r) {
    for (uint32_t i = 0; i < r->norder; i++) {
        r->v[r->order[i]] = val_null();
        r->present[r->order[i]] = 0;
    }
    r->norder = 0;
    r->raw = PSTR_NULL;
}

static void grow_slots(record_t *r, uint32_t id) {
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
void rec_set(record_t *r, uint32_t id, value_t v) {
    if (id == FIELD_NONE) return; /* no such field: nothing to set */
    if (id >= r->cap) grow_slots(r, id);
    if (!r->present[id]) {
        r->present[id] = 1;
        if (r->norder == r->ordcap) {
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
    for (uint32_t i = 0; i < r->norder; i++) {
        value_t *v = &r->v[r->order[i]];
        if (v->t == V_STR && v->n) v->s = arena_strndup(a, v->s, v->n);
    }
    if (r->raw.n) r->raw.p = arena_strndup(a, r->raw.p, r->raw.n);
}
