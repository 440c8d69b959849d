/* field.h — field names interned per query, and the record that holds a
 * message's field values.
 *
 * Field names are case-insensitive, as in Sumo: `Protocol` and `protocol`
 * are one field. The ftab owns its name strings (heap, freed by
 * ftab_free). A record owns its slot arrays (heap, reused across records);
 * the values in the slots borrow bytes from the input batch or the batch
 * arena and die with the batch.
 */
#ifndef POSTERN_FIELD_H
#define POSTERN_FIELD_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "arena.h"
#include "hmap.h"
#include "str.h"
#include "value.h"

/* Built-in metadata fields, interned first with fixed ids. ORDER FIELD. */
#define FIELD_BUILTINS(X)                     \
    X(F_RAW, "_raw")                          \
    X(F_MESSAGETIME, "_messageTime")          \
    X(F_RECEIPTTIME, "_receiptTime")          \
    X(F_SOURCECATEGORY, "_sourceCategory")    \
    X(F_SOURCE, "_source")                    \
    X(F_SOURCEHOST, "_sourceHost")            \
    X(F_SOURCENAME, "_sourceName")            \
    X(F_COLLECTOR, "_collector")              \
    X(F_INDEX, "_index")                      \
    X(F_VIEW, "_view")                        \
    X(F_SIZE, "_size")                        \
    X(F_FORMAT, "_format")                    \
    X(F_MESSAGECOUNT, "_messageCount")        \
    X(F_TIMESLICE, "_timeslice")              \
    X(F_TIMESLICE_END, "__timeslice_end")

enum field_builtin {
#define X(id, name) id,
    FIELD_BUILTINS(X)
#undef X
    F_NBUILTIN
};

#define FIELD_NONE UINT32_MAX

/* Metadata a query may never read (ftab_t.skip): the input layer then
 * does not set it, and readers do not decode the keys that only feed it
 * (the timestamp keys that make _messageTime). */
enum {
    FT_SKIP_RAW = 1,      /* the _raw field (rec->raw, the message text, is kept) */
    FT_SKIP_TIME = 2,     /* _messageTime, and the timestamp keys noted to make it */
    FT_SKIP_CATEGORY = 4, /* _sourceCategory */
    FT_SKIP_NAME = 8      /* _sourceName */
};

/* One interned name. */
typedef struct fentry {
    char *name;        /* display spelling, NUL-terminated, owned */
    uint32_t n;        /* its length */
    uint8_t wanted;    /* the query reads this field: readers must fill it */
    uint8_t assigned;  /* the query creates this field (as, parse, json, ...) */
    uint8_t seen;      /* some input record carried it */
    uint64_t at;       /* where in the input this spelling was met (ftab_meet's at);
                        * 0: the query's or a built-in's spelling, never replaced */
} fentry_t;

/* The per-query table of field names. */
typedef struct ftab {
    fentry_t *e;       /* entries by id */
    uint32_t n, cap;   /* used / allocated entries */
    hm_t ix;           /* case-insensitive hash of a name -> its id (hmap.h) */
    bool want_all;     /* readers must extract every field they see */
    uint8_t skip;      /* FT_SKIP_* bits: metadata the query never reads, which readers and the
                        * input layer leave out of every record (0, the default: fill it all).
                        * Set once before the run by exec.c's plan_fields (the rule is there);
                        * plain bits, not e[], so lanes read them without the lock */
    bool mt;           /* shared by threads: callers that may intern take lock */
    pthread_mutex_t lock; /* guards e/hslot while mt (ftab_lock/ftab_unlock) */
} ftab_t;

/* Initialise with the built-ins. */
void ftab_init(ftab_t *ft);
/* Free every name. */
void ftab_free(ftab_t *ft);
/* Id of name (case-insensitive); interned with this spelling when new. */
uint32_t ftab_intern(ftab_t *ft, pstr_t name);
/* Id of name met in the input at position at (a record's seq + 1, so
 * >= 1), interned with this spelling when new. When the field is known
 * under another spelling met later in the input, this one replaces it, so
 * the name shown is the one -j1 meets first whichever thread meets the
 * field first (the spellings have one length: the bytes change in place,
 * names copied under the lock stay valid). A spelling the query wrote
 * (at 0) stays. Callers hold the lock (ftab_lock). */
uint32_t ftab_meet(ftab_t *ft, pstr_t name, uint64_t at);
/* Id of name, or FIELD_NONE. */
uint32_t ftab_find(const ftab_t *ft, pstr_t name);
/* Replace the display spelling of id (the last `as` wins). */
void ftab_rename(ftab_t *ft, uint32_t id, pstr_t name);
/* Take the table's lock when threads share it (no-op otherwise). Readers
 * and stages that may intern new names at run time hold it around
 * ftab_find/ftab_intern and any read of e[]. */
void ftab_lock(ftab_t *ft);
/* Release the lock taken by ftab_lock. */
void ftab_unlock(ftab_t *ft);
/* Display name of id. */
static inline pstr_t ftab_name(const ftab_t *ft, uint32_t id) { return (pstr_t){ft->e[id].name, ft->e[id].n}; }

/* A message: values by field id plus the order fields were first set. */
typedef struct record {
    value_t *v;        /* slots by field id, V_NULL when absent; owned */
    uint8_t *present;  /* per slot: 1 when the field is set (even to null); owned */
    uint32_t cap;      /* slots allocated */
    uint32_t *order;   /* ids in the order they were first set; owned */
    uint32_t norder, ordcap;
    pstr_t raw;        /* the message text (_raw), borrowed from the batch */
    const char *file;  /* input name for messages, borrowed from the input */
    uint64_t line;     /* 1-based line of the record's first byte */
    uint64_t seq;      /* input order: (input number << 44) | byte offset; orders rows across threads */
    arena_t *arena;    /* batch arena for decoded strings (borrowed) */
    bool borrowed;     /* v, present and order live in an arena (rec_reserve), not the heap */
} record_t;

/* Prepare an empty record; arena receives decoded strings. */
void rec_init(record_t *r, arena_t *arena);
/* Release the slot arrays. */
void rec_free(record_t *r);
/* Make every field absent again (cost: the fields that were set). */
void rec_clear(record_t *r);
/* rec_set's way when the slots or the order must grow first (or id is
 * FIELD_NONE): not called directly. */
void rec_set_grow(record_t *r, uint32_t id, value_t v);
/* Set field id; first set appends it to the order. Setting V_NULL keeps
 * the field in the order (a present-but-null field, as after nodrop).
 * Inline: readers set every field they decode through it, per record;
 * only growing the arrays is a call (FIELD_NONE, never below cap, takes
 * that way too and sets nothing). */
static inline void rec_set(record_t *r, uint32_t id, value_t v) {
    if (__builtin_expect(id >= r->cap || r->norder == r->ordcap, 0)) {
        rec_set_grow(r, id, v);
        return;
    }
    if (!r->present[id]) {
        r->present[id] = 1;
        r->order[r->norder++] = id;
    }
    r->v[id] = v;
}
/* Remove a field (fields - x). */
void rec_unset(record_t *r, uint32_t id);
/* Value of field id, V_NULL when absent. */
static inline value_t rec_get(const record_t *r, uint32_t id) {
    return id < r->cap ? r->v[id] : val_null();
}
/* True when field id is present (set, possibly to null). */
static inline bool rec_has(const record_t *r, uint32_t id) { return id < r->cap && r->present[id]; }
/* Copy every value's string bytes into a so the record outlives its batch
 * (the message text once: values that are views into it stay views into
 * its copy). */
void rec_pin(record_t *r, arena_t *a);
/* Make room for field ids below nslots and norder fields without growing
 * later (rec_set grows by doubling from 32 slots: a row kept in a table
 * takes what it needs). With an arena a, a record without slots takes
 * them from a in one block: they die with a (rec_free leaves them), and
 * move to the heap if a later rec_set needs more. */
void rec_reserve(record_t *r, arena_t *a, uint32_t nslots, uint32_t norder);

/* ---- a record packed as bytes ---------------------------------------------
 * For rows a sort holds and rows lanes hand over: the message text once,
 * then each field in order (its id and val_pack's bytes, or a view into
 * the text as its offset and length). Metadata (seq, line, file) is the
 * caller's to keep. */

/* Bytes rec_pack writes for r. */
size_t rec_pack_size(const record_t *r);
/* Write r at p (rec_pack_size(r) bytes); returns the end. */
char *rec_pack(char *p, const record_t *r);
/* Make r (cleared first) the record packed at p; its strings and raw text
 * point into p's bytes, which must outlive them. Returns the end. */
const char *rec_unpack(const char *p, record_t *r);

#endif
