/* emit.c — streamed results (see emit.h): after the engine's last row
 * stage, before the output.
 *
 * Until the columns are decided, rows are held in a table (the first
 * EMIT_FIRST rows); then they are written to a buffer flushed every
 * EMIT_FLUSH bytes (or EMIT_FLUSH_MS, or at the end). A lane reading a
 * segment of a file fills a chunk: its rows written out when the columns
 * are known and no stage is left to run in order, else the rows
 * themselves, serialized, for the writer to finish. Chunks are written in
 * segment order by whichever lane hands over the next one; a lane waits
 * before a segment past the window (EMIT_WINDOW per lane), so memory
 * stays bounded whatever the input's size.
 */
#include "emit.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "tty.h"

#define EMIT_FLUSH ((size_t)64 << 10) /* bytes of written rows held before they go out */
#define EMIT_FLUSH_MS 100             /* how long written rows may wait when input is slow */
#define EMIT_WINDOW 2                 /* segments in flight per lane */

/* One segment's rows. */
typedef struct chunk {
    bool text;              /* b holds the rows written out; else serialized (blob_put) */
    buf_t b;                /* the bytes (owned, reused) */
    uint64_t nrows;         /* text: rows in b */
    out_late_t late;        /* text: fields the columns do not show */
    struct chunk *next;     /* in the free list */
} chunk_t;

/* See emit.h. */
struct emit_lane {
    emit_t *e;              /* the writer */
    chunk_t *chunk;         /* the segment being read, NULL while reading serially */
    unsigned ticks;         /* records since the last look at the clock */
};

/* See emit.h. */
struct emit {
    FILE *f;                /* where rows go (borrowed) */
    out_fmt_t fmt;          /* how (o.fmt) */
    out_opts_t o;           /* and with which options */
    ftab_t *ft;             /* the run's field names (borrowed) */
    emit_hooks_t h;         /* the engine's hooks */
    bool started;           /* emit_start was called: the run streams */
    bool decided;           /* cols are known (set under mu: lanes read it in emit_seg_begin) */
    table_t first;          /* the rows before that */
    out_cols_t cols;        /* the columns */
    buf_t out;              /* rows written but not yet flushed */
    uint64_t rows;          /* rows written */
    out_late_t late;        /* fields left out of the columns */
    int64_t flushed_ms;     /* when out was last flushed */
    atomic_int stop;        /* non-zero: a limit is met or the output failed */
    bool broken, failed;    /* EPIPE, another write error */
    pthread_mutex_t mu;     /* guards the hand-over below */
    pthread_cond_t cv;      /* signalled when written grows or stop is set */
    uint64_t written;       /* segments written (the next one to write) */
    unsigned window;        /* segments in flight at most */
    chunk_t **slot;         /* window entries: segment k's chunk at k % window once handed over */
    chunk_t *spare;         /* chunks to reuse */
    bool writing;           /* a lane is writing chunks */
    emit_lane_t *lanes;     /* one per lane (owned) */
    unsigned nlanes;
    size_t *mw;             /* emit_measure: the widest cell by field id (owned), NULL if none */
    uint32_t nmw;           /* entries of mw */
    record_t rec;           /* a serialized row read back (the writer's) */
    arena_t rarena;         /* its arena (unused: values point into the chunk) */
};

static int64_t mono_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* See emit.h. */
emit_t *emit_new(FILE *f, const out_opts_t *o) {
    emit_t *e = xcalloc(1, sizeof *e);
    e->f = f;
    e->o = *o;
    e->fmt = o->fmt;
    table_init(&e->first);
    atomic_init(&e->stop, 0);
    pthread_mutex_init(&e->mu, NULL);
    pthread_cond_init(&e->cv, NULL);
    rec_init(&e->rec, &e->rarena);
    return e;
}

/* See emit.h. */
void emit_free(emit_t *e) {
    if (!e) return;
    for (unsigned k = 0; k < e->window; k++)
        if (e->slot[k]) {
            e->slot[k]->next = e->spare;
            e->spare = e->slot[k];
        }
    for (unsigned i = 0; i < e->nlanes; i++)
        if (e->lanes[i].chunk) {
            e->lanes[i].chunk->next = e->spare;
            e->spare = e->lanes[i].chunk;
        }
    while (e->spare) {
        chunk_t *c = e->spare;
        e->spare = c->next;
        buf_free(&c->b);
        free(c);
    }
    free(e->slot);
    free(e->lanes);
    table_free(&e->first);
    out_cols_free(&e->cols);
    buf_free(&e->out);
    free(e->mw);
    rec_free(&e->rec);
    arena_free(&e->rarena);
    pthread_mutex_destroy(&e->mu);
    pthread_cond_destroy(&e->cv);
    free(e);
}

/* See emit.h. */
bool emit_used(const emit_t *e) { return e && e->started; }
/* See emit.h. */
uint64_t emit_rows(const emit_t *e) { return e->rows; }
/* See emit.h. */
bool emit_broken(const emit_t *e) { return e->broken; }
/* See emit.h. */
bool emit_failed(const emit_t *e) { return e->failed; }

/* Stop the run: wake the lanes waiting for a segment. */
static void halt(emit_t *e) {
    pthread_mutex_lock(&e->mu);
    atomic_store(&e->stop, 1);
    pthread_cond_broadcast(&e->cv);
    pthread_mutex_unlock(&e->mu);
}

/* Write p[0..n) to the output and flush it; a failure stops the run
 * (EPIPE quietly: the reader went away). Nothing is written after one. */
static void put_bytes(emit_t *e, const char *p, size_t n) {
    if (e->broken || e->failed) return;
    if ((n && fwrite(p, 1, n, e->f) != n) || fflush(e->f) != 0) {
        if (errno == EPIPE) e->broken = true;
        else e->failed = true;
        halt(e);
    }
}

/* Write out what the buffer holds. */
static void flush(emit_t *e) {
    put_bytes(e, e->out.p, e->out.n);
    buf_clear(&e->out);
    e->flushed_ms = mono_ms();
}

/* Write row r with the decided columns. */
static void write_row(emit_t *e, const record_t *r) {
    out_row(&e->out, &e->cols, r, e->rows == 0, e->h.exact ? NULL : &e->late, e->ft);
    e->rows++;
    if (e->out.n >= EMIT_FLUSH) flush(e);
}

/* Decide the columns on the rows held, write them, and from now on every
 * row as it comes. */
static void decide(emit_t *e) {
    ftab_lock(e->ft);
    e->h.cols(e->h.ud, &e->first);
    out_cols_init(&e->cols, &e->o, &e->first, e->ft);
    ftab_unlock(e->ft);
    out_cols_widen(&e->cols, e->mw, e->nmw);
    out_cols_fit(&e->cols);
    out_head(&e->out, &e->cols);
    for (size_t i = 0; i < e->first.n; i++) write_row(e, &e->first.rows[i]);
    table_free(&e->first);
    table_init(&e->first);
    pthread_mutex_lock(&e->mu);
    e->decided = true;
    pthread_mutex_unlock(&e->mu);
    flush(e);
}

/* See emit.h. */
void emit_start(emit_t *e, ftab_t *ft, const emit_hooks_t *h, unsigned nlanes) {
    e->started = true;
    e->ft = ft;
    e->h = *h;
    e->nlanes = nlanes ? nlanes : 1;
    e->lanes = xcalloc(e->nlanes, sizeof *e->lanes);
    for (unsigned i = 0; i < e->nlanes; i++) e->lanes[i].e = e;
    e->window = e->nlanes * EMIT_WINDOW;
    e->slot = xcalloc(e->window, sizeof *e->slot);
    e->flushed_ms = mono_ms();
}

/* See emit.h. */
emit_lane_t *emit_lane(emit_t *e, unsigned i) { return &e->lanes[i]; }

/* See emit.h. */
int emit_put(emit_t *e, record_t *r) {
    if (atomic_load_explicit(&e->stop, memory_order_relaxed)) return -1;
    if (e->decided) {
        write_row(e, r);
    } else {
        table_add(&e->first, r);
        if (e->first.n >= EMIT_FIRST || e->first.arena.total >= EMIT_FIRST_BYTES) decide(e);
    }
    return atomic_load_explicit(&e->stop, memory_order_relaxed) ? -1 : 0;
}

/* A row in order: through the tail stages, or final. */
static int take(emit_t *e, record_t *r) {
    if (!e->h.tail) return emit_put(e, r);
    int rc = e->h.tail(e->h.ud, r);
    if (rc) halt(e);
    return rc;
}

/* ---- serialized rows -------------------------------------------------- */

/* What a serialized row starts with; rec_pack's bytes follow. */
typedef struct blob_head {
    uint64_t seq, line;     /* the record's */
    const char *file;       /* its input's name (lives as long as the input is read) */
} blob_head_t;

/* Append r to b: the head, then the record packed (rec_pack). */
static void blob_put(buf_t *b, const record_t *r) {
    blob_head_t h = {.seq = r->seq, .line = r->line, .file = r->file};
    size_t n = rec_pack_size(r);
    buf_reserve(b, sizeof h + n);
    memcpy(b->p + b->n, &h, sizeof h);
    b->n = (size_t)(rec_pack(b->p + b->n + sizeof h, r) - b->p);
    b->p[b->n] = 0;
}

/* Read the row at *p (blob_put's) into r, its strings pointing into the
 * blob; *p moves past it. */
static void blob_get(const char **p, record_t *r) {
    blob_head_t h;
    memcpy(&h, *p, sizeof h);
    *p = rec_unpack(*p + sizeof h, r);
    r->seq = h.seq;
    r->line = h.line;
    r->file = h.file;
}

/* ---- lanes and chunks ---------------------------------------------------- */

/* See emit.h. */
int emit_row(emit_lane_t *l, record_t *r) {
    emit_t *e = l->e;
    chunk_t *c = l->chunk;
    if (!c) return take(e, r);
    if (c->text) {
        out_row(&c->b, &e->cols, r, false, e->h.exact ? NULL : &c->late, e->ft);
        c->nrows++;
    } else {
        blob_put(&c->b, r);
    }
    return atomic_load_explicit(&e->stop, memory_order_relaxed) ? -1 : 0;
}

/* See emit.h. */
bool emit_stopped(const emit_lane_t *l) { return atomic_load_explicit(&l->e->stop, memory_order_relaxed) != 0; }

/* See emit.h. */
void emit_tick(emit_lane_t *l) {
    if (l->chunk || (++l->ticks & 1023) != 0) return;
    emit_t *e = l->e;
    if (e->out.n && mono_ms() - e->flushed_ms >= EMIT_FLUSH_MS) flush(e);
}

/* See emit.h. */
int emit_seg_begin(emit_lane_t *l, uint64_t k) {
    emit_t *e = l->e;
    pthread_mutex_lock(&e->mu);
    while (!atomic_load(&e->stop) && k >= e->written + e->window) pthread_cond_wait(&e->cv, &e->mu);
    if (atomic_load(&e->stop)) {
        pthread_mutex_unlock(&e->mu);
        return -1;
    }
    chunk_t *c = e->spare;
    if (c) e->spare = c->next;
    else c = xcalloc(1, sizeof *c);
    /* Rows are written out in the lane when nothing is left to decide
     * or to run in order. */
    c->text = e->decided && !e->h.tail;
    pthread_mutex_unlock(&e->mu);
    buf_clear(&c->b);
    c->nrows = 0;
    memset(&c->late, 0, sizeof c->late);
    c->next = NULL;
    l->chunk = c;
    return 0;
}

/* Write chunk c, the next segment's rows (the writer alone runs this). */
static void write_chunk(emit_t *e, chunk_t *c) {
    if (atomic_load(&e->stop)) return;
    if (c->text) {
        flush(e);
        const char *p = c->b.p;
        size_t n = c->b.n;
        /* Rows written in a lane do not know they may be the first:
         * JSON's first row has no separator. */
        if (e->fmt == OUT_JSON && e->rows == 0 && n && *p == ',') p++, n--;
        put_bytes(e, p, n);
        e->rows += c->nrows;
        out_late_merge(&e->late, &c->late);
        e->flushed_ms = mono_ms();
        return;
    }
    /* (an empty chunk's buffer may have no bytes at all: p NULL) */
    for (const char *p = c->b.p, *end = c->b.n ? c->b.p + c->b.n : p; p < end;) {
        blob_get(&p, &e->rec);
        if (take(e, &e->rec)) break;
    }
    flush(e);
}

/* See emit.h. */
void emit_seg_end(emit_lane_t *l, uint64_t k) {
    emit_t *e = l->e;
    chunk_t *c = l->chunk;
    l->chunk = NULL;
    pthread_mutex_lock(&e->mu);
    e->slot[k % e->window] = c;
    if (e->writing) {
        pthread_mutex_unlock(&e->mu);
        return;
    }
    e->writing = true;
    for (;;) {
        chunk_t *h = e->slot[e->written % e->window];
        if (!h) break;
        pthread_mutex_unlock(&e->mu);
        write_chunk(e, h);
        pthread_mutex_lock(&e->mu);
        e->slot[e->written % e->window] = NULL;
        h->next = e->spare;
        e->spare = h;
        e->written++;
        pthread_cond_broadcast(&e->cv);
    }
    e->writing = false;
    pthread_mutex_unlock(&e->mu);
}

/* See emit.h. */
bool emit_wants_widths(const emit_t *e) { return e->fmt == OUT_TABLE; }

/* See emit.h. */
bool emit_decided(emit_t *e) {
    pthread_mutex_lock(&e->mu);
    bool d = e->decided;
    pthread_mutex_unlock(&e->mu);
    return d;
}

/* See emit.h. */
void emit_measure(emit_t *e, const record_t *r) {
    for (uint32_t k = 0; k < r->norder; k++) {
        uint32_t id = r->order[k];
        if (id >= e->nmw) {
            uint32_t n = e->nmw ? e->nmw : 64;
            while (n <= id) n *= 2;
            e->mw = xrealloc(e->mw, n * sizeof *e->mw);
            memset(e->mw + e->nmw, 0, (n - e->nmw) * sizeof *e->mw);
            e->nmw = n;
        }
        size_t w = out_cell_width(rec_get(r, id));
        if (w > e->mw[id]) e->mw[id] = w;
    }
}

/* See emit.h. */
void emit_finish(emit_t *e) {
    if (!e->decided) decide(e);
    out_end(&e->out, &e->cols, e->rows);
    flush(e);
    if (!e->late.n || e->fmt == OUT_JSON || e->fmt == OUT_NDJSON || e->broken || e->failed) return;
    buf_t names = {0};
    for (uint32_t k = 0; k < e->late.n; k++) {
        if (k) buf_puts(&names, ", ");
        tty_escape(&names, ftab_name(e->ft, e->late.ids[k])); /* names from the data */
    }
    if (e->late.n == OUT_MAXLATE) buf_puts(&names, ", ...");
    fprintf(stderr,
            "postern: warning: %llu row%s carried fields first seen after the first %u rows, which decided the "
            "columns; left out of the %s: %s (name them with `fields`, or use --format ndjson)\n",
            (unsigned long long)e->late.rows, e->late.rows == 1 ? "" : "s", EMIT_FIRST,
            e->fmt == OUT_CSV ? "CSV" : "table", names.p);
    buf_free(&names);
}
