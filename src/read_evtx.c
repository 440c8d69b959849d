/* read_evtx.c — Windows Event Log files (.evtx), read directly.
 *
 * The input is a 4 KiB file header and 64 KiB chunks, which evtx.c
 * decodes. This thread hands the records out chunk after chunk in file
 * order, so the Windows event mapping (winevt.c, with its per-input state)
 * sees exactly what it sees with -j1. With -j N, batches of 2N chunks are
 * decoded in place (reader.h: the input buffer stays put until next()
 * asks for more) on N-1 worker threads and this one: while this thread
 * hands out one chunk's records, the workers decode the following chunks
 * (a chunk stands alone: its names and templates are in it); this thread
 * decodes the next chunk nobody took when the one it needs is not ready. Every chunk slot up to the end of the
 * input is read, whatever the header's chunk count says.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "evtx.h"
#include "reader.h"
#include "winevt.h"
#include "tty.h"

#define RX_PER_THREAD 2    /* chunks in a batch, per thread (more: more decoded text out of cache) */
#define RX_MAXTHREADS 64   /* decoding threads at most */

/* evtx.c's reasons as the input layer's. ORDER EVTX_ERR. */
static const uint8_t rx_reason[EVTX_NERR] = {RD_R_BINXML, RD_R_EVTXREC, RD_R_BINXML, RD_R_EVTXBIG, RD_R_EVTXHDR};

/* Threads that decode a batch's chunks with the reader's thread. The
 * reader's thread starts a batch (pool_start), then waits for its chunks
 * in order (pool_wait), decoding chunks no worker has taken yet while it
 * waits; the batch's bytes and slots must not change until every chunk
 * was waited for or the pool is freed. */
typedef struct rx_pool {
    pthread_mutex_t mu;
    pthread_cond_t go;              /* a batch is started, or quit */
    pthread_cond_t done;            /* a chunk is decoded */
    pthread_t th[RX_MAXTHREADS];
    unsigned nth;                   /* worker threads started */
    evtx_dec_t *dec[RX_MAXTHREADS]; /* their decoders */
    unsigned gen;                   /* batches started so far */
    bool quit;                      /* the workers end */
    /* the batch being decoded (set under mu by pool_start): */
    const unsigned char *p;         /* its bytes (borrowed: the input buffer) */
    size_t n;                       /* their count */
    evtx_chunk_t *out;              /* one slot per chunk (the reader's) */
    bool *ready;                    /* per slot: decoded (owned, nslot entries) */
    unsigned nslot;                 /* slots of ready */
    unsigned next, total;           /* next chunk to take, chunks in the batch */
} rx_pool_t;

/* Per-input state (heap, owned by the reader). */
typedef struct rx {
    we_state_t *we;          /* the Windows event mapping's state */
    we_field_t *f;           /* one event's values for we_emit, reused */
    size_t fcap;             /* its size */
    const char *name;        /* the input's name, for notes (borrowed) */
    bool quiet;              /* no notes */
    bool started;            /* the file header was read */
    bool dead;               /* no evtx file header: everything is rejected */
    evtx_fhdr_t fh;          /* the file header */
    unsigned nslot;          /* chunks in a batch (fewer only at the end of the input) */
    evtx_chunk_t *ck;        /* the batch's decoded chunks (nslot slots) */
    unsigned nck;            /* chunks in the current batch */
    bool live;               /* a batch is being handed out */
    bool pooled;             /* its chunks are decoded on the pool */
    size_t blen;             /* its bytes */
    size_t bpos;             /* batch offset of the caller's p[0] */
    unsigned ci, ri;         /* the next record: chunk, record */
    unsigned seen;           /* chunks of the batch decoded and counted */
    evtx_dec_t *dec;         /* this thread's decoder */
    rx_pool_t *pool;         /* the other decoding threads: started for the first batch of more than one chunk */
    unsigned nthreads;       /* threads that may decode (-j) */
    uint64_t slots;          /* chunk slots read so far */
    uint64_t chunks;         /* of them, chunks (the rest: unused space) */
    uint64_t beyond;         /* chunks after the header's count */
    uint64_t crc_bad;        /* chunks whose header or records fail their CRC-32 */
} rx_t;

/* ---- the decoding threads ----------------------------------------------- */

/* Decode chunk i of the pool's batch with decoder d, unlocked; called
 * and returns locked, the chunk marked ready. */
static void pool_decode(rx_pool_t *P, evtx_dec_t *d, unsigned i) {
    const unsigned char *p = P->p;
    size_t off = (size_t)i * EVTX_CHUNK, n = P->n - off < EVTX_CHUNK ? P->n - off : EVTX_CHUNK;
    evtx_chunk_t *out = &P->out[i];
    pthread_mutex_unlock(&P->mu);
    evtx_chunk_decode(d, p + off, n, out);
    pthread_mutex_lock(&P->mu);
    P->ready[i] = true;
    pthread_cond_broadcast(&P->done);
}

/* What a worker thread is started with (heap, freed by the thread). */
typedef struct rx_worker {
    rx_pool_t *P;     /* the pool */
    unsigned k;       /* its index in P->dec */
} rx_worker_t;

static void *pool_main(void *arg) {
    rx_pool_t *P = ((rx_worker_t *)arg)->P;
    unsigned k = ((rx_worker_t *)arg)->k;
    free(arg);
    pthread_mutex_lock(&P->mu);
    unsigned seen = 0; /* a batch started before this thread ran is still worked on */
    for (;;) {
        while (!P->quit && P->gen == seen) pthread_cond_wait(&P->go, &P->mu);
        if (P->quit) break;
        seen = P->gen;
        while (P->next < P->total) pool_decode(P, P->dec[k], P->next++);
    }
    pthread_mutex_unlock(&P->mu);
    return NULL;
}

/* nth worker threads for batches of up to nslot chunks (fewer threads
 * when some cannot start: the reader's thread decodes the rest). */
static rx_pool_t *pool_new(unsigned nth, unsigned nslot) {
    rx_pool_t *P = xcalloc(1, sizeof *P);
    pthread_mutex_init(&P->mu, NULL);
    pthread_cond_init(&P->go, NULL);
    pthread_cond_init(&P->done, NULL);
    P->ready = xcalloc(nslot, sizeof *P->ready);
    P->nslot = nslot;
    for (unsigned k = 0; k < nth && k < RX_MAXTHREADS; k++) {
        P->dec[P->nth] = evtx_dec_new();
        rx_worker_t *w = xmalloc(sizeof *w);
        *w = (rx_worker_t){P, P->nth};
        if (pthread_create(&P->th[P->nth], NULL, pool_main, w) != 0) {
            free(w);
            evtx_dec_free(P->dec[P->nth]);
            break;
        }
        P->nth++;
    }
    return P;
}

/* Stop the workers (a batch not waited for is abandoned once the chunks
 * being decoded are done) and free the pool; NULL is fine. */
static void pool_free(rx_pool_t *P) {
    if (!P) return;
    pthread_mutex_lock(&P->mu);
    P->quit = true;
    P->next = P->total; /* no more chunks taken */
    pthread_cond_broadcast(&P->go);
    pthread_mutex_unlock(&P->mu);
    for (unsigned k = 0; k < P->nth; k++) {
        pthread_join(P->th[k], NULL);
        evtx_dec_free(P->dec[k]);
    }
    pthread_mutex_destroy(&P->mu);
    pthread_cond_destroy(&P->go);
    pthread_cond_destroy(&P->done);
    free(P->ready);
    free(P);
}

/* Start decoding the batch p[0..n) (whole chunks, the last one maybe cut
 * short; at most P->nslot of them) into out[] on the workers. */
static void pool_start(rx_pool_t *P, const unsigned char *p, size_t n, evtx_chunk_t *out) {
    pthread_mutex_lock(&P->mu);
    P->p = p;
    P->n = n;
    P->out = out;
    P->next = 0;
    P->total = (unsigned)((n + EVTX_CHUNK - 1) / EVTX_CHUNK);
    memset(P->ready, 0, P->total * sizeof *P->ready);
    P->gen++;
    pthread_cond_broadcast(&P->go);
    pthread_mutex_unlock(&P->mu);
}

/* Return once chunk i of the started batch is decoded, decoding with d
 * the chunks no worker took yet meanwhile (in order, so chunk i first
 * when nobody took it). */
static void pool_wait(rx_pool_t *P, evtx_dec_t *d, unsigned i) {
    pthread_mutex_lock(&P->mu);
    while (!P->ready[i]) {
        if (P->next < P->total) pool_decode(P, d, P->next++);
        else pthread_cond_wait(&P->done, &P->mu);
    }
    pthread_mutex_unlock(&P->mu);
}

/* ---- the reader --------------------------------------------------------- */

static void *rx_open(rd_ctx_t *c) {
    rx_t *x = xcalloc(1, sizeof *x);
    x->we = we_open(c);
    x->name = c->name;
    x->quiet = c->quiet;
    unsigned nt = c->nthreads > 1 ? c->nthreads : 1;
    if (nt > RX_MAXTHREADS) nt = RX_MAXTHREADS;
    x->nslot = nt > 1 ? nt * RX_PER_THREAD : 1;
    x->ck = xcalloc(x->nslot, sizeof *x->ck);
    x->dec = evtx_dec_new();
    x->nthreads = nt;
    return x;
}

/* Say what was unusual about the file: chunks beyond the header's count,
 * checksums that do not match. */
static void rx_note(const rx_t *x) {
    if (x->quiet || !x->started || x->dead) return;
    if (x->beyond)
        fprintf(stderr,
                "postern: %s: the evtx header counts %u chunk%s, %llu more %s found after %s and read (%s)\n",
                tty_name(x->name), x->fh.nchunks, x->fh.nchunks == 1 ? "" : "s", (unsigned long long)x->beyond,
                x->beyond == 1 ? "was" : "were", x->fh.nchunks == 1 ? "it" : "them",
                x->fh.flags & EVTX_DIRTY ? "the log was not closed cleanly" : "the header is stale");
    if (x->crc_bad)
        fprintf(stderr, "postern: %s: %llu evtx chunk%s fail%s the CRC-32 check; %s records were read anyway\n",
                tty_name(x->name), (unsigned long long)x->crc_bad, x->crc_bad == 1 ? "" : "s", x->crc_bad == 1 ? "s" : "",
                x->crc_bad == 1 ? "its" : "their");
    if (!x->fh.crc_ok) fprintf(stderr, "postern: %s: the evtx file header fails its CRC-32 check\n", tty_name(x->name));
}

static void rx_close(void *st) {
    rx_t *x = st;
    if (!x) return;
    rx_note(x);
    pool_free(x->pool); /* first: workers may still be decoding from the input buffer into ck */
    for (unsigned i = 0; i < x->nslot; i++) evtx_chunk_free(&x->ck[i]);
    free(x->ck);
    evtx_dec_free(x->dec);
    we_close(x->we);
    free(x->f);
    free(x);
}

/* Start a batch of k chunks at q[0..n) (the last one maybe cut short):
 * on the pool when it has more than one chunk and -j allows, else each
 * chunk is decoded by this thread when its turn comes (batch_chunk). */
static void batch_start(rx_t *x, const unsigned char *q, size_t n, unsigned k) {
    x->nck = k;
    x->blen = n;
    x->live = true;
    x->bpos = 0;
    x->ci = x->ri = x->seen = 0;
    x->pooled = x->nthreads > 1 && k > 1;
    if (!x->pooled) return;
    if (!x->pool) x->pool = pool_new(x->nthreads - 1, x->nslot);
    pool_start(x->pool, q, n, x->ck);
}

/* Chunk i of the batch decoded (p: the batch's byte at offset bpos, no
 * later than the chunk's first byte); then counted for the notes. */
static void batch_chunk(rx_t *x, const unsigned char *p, unsigned i) {
    evtx_chunk_t *k = &x->ck[i];
    if (x->pooled) {
        pool_wait(x->pool, x->dec, i);
    } else {
        size_t off = (size_t)i * EVTX_CHUNK;
        evtx_chunk_decode(x->dec, p + (off - x->bpos), x->blen - off < EVTX_CHUNK ? x->blen - off : EVTX_CHUNK, k);
    }
    if (k->state != EVTX_CK_EMPTY) {
        x->chunks++;
        if (x->slots >= x->fh.nchunks) x->beyond++;
        if (k->hdr_crc_bad || k->data_crc_bad) x->crc_bad++;
    }
    x->slots++;
}

/* The one hook into the Windows event mapping: the values evtx.c listed
 * for record r of chunk k become winevt.c's we_field_t list (views into
 * the chunk's text, XML-escaped like the XML reader's) and we_emit maps
 * them into rec. Re-point this function, and only it, when the mapping's
 * interface changes. */
static void evtx_emit(rd_ctx_t *c, rx_t *x, const evtx_chunk_t *k, const evtx_rec_t *r, record_t *rec) {
    static const uint8_t sect[] = {[EVTX_SYS] = WE_SYS, [EVTX_DATA] = WE_DATA, [EVTX_OTHER] = WE_OTHER};
    if (r->nitem > x->fcap) {
        x->fcap = r->nitem * 2;
        x->f = xrealloc(x->f, x->fcap * sizeof *x->f);
    }
    for (uint32_t i = 0; i < r->nitem; i++) {
        const evtx_item_t *it = &k->items[r->item + i];
        x->f[i] = (we_field_t){pstr((it->aux ? k->aux.p : k->text.p) + it->name, it->nlen),
                               pstr(k->text.p + it->val, it->vlen), WE_XML, sect[it->sect], true};
    }
    we_ext_t ext = {PSTR_NULL, false, 0, 0};
    we_emit(x->we, c, x->f, r->nitem, &ext, rec);
}

/* The file header, then records batch after batch. */
static rd_status_t rx_next(rd_ctx_t *c, const char *p, size_t n, bool eof, size_t *used, record_t *rec) {
    rx_t *x = c->st;
    size_t at = 0; /* bytes of p consumed by this call; p[at] is batch offset x->bpos */
    for (;;) {
        if (x->dead) {
            *used = n;
            if (!n) return eof ? RD_END : RD_MORE;
            c->rec_off = 0;
            c->pos = 1;
            c->text = pstr(p, n < 64 ? n : 64);
            c->reason = RD_R_EVTXHDR;
            return RD_REJECT;
        }
        if (!x->started) {
            if (n < EVTX_FILEHDR && !eof) return RD_MORE;
            x->started = true;
            if (!evtx_file_header((const unsigned char *)p, n, &x->fh)) {
                x->dead = true;
                continue;
            }
            at = n < EVTX_FILEHDR ? n : EVTX_FILEHDR;
        }
        if (!x->live) { /* the next nslot chunks (fewer at the end of the input) */
            size_t avail = n - at, k = avail / EVTX_CHUNK;
            if (eof && avail % EVTX_CHUNK) k++; /* the input ends within a chunk */
            if (!avail || (k < x->nslot && !eof)) {
                *used = at; /* the previous batch's slack too */
                return !avail && eof ? RD_END : RD_MORE;
            }
            if (k > x->nslot) k = x->nslot;
            size_t len = k * EVTX_CHUNK < avail ? k * EVTX_CHUNK : avail;
            batch_start(x, (const unsigned char *)p + at, len, (unsigned)k);
        }
        /* the next record of the batch, or a damaged chunk to report (p[at]
         * is batch offset bpos, never past the start of chunk ci) */
        while (x->ci < x->nck) {
            if (x->seen == x->ci) batch_chunk(x, (const unsigned char *)p + at, x->seen++);
            const evtx_chunk_t *k = &x->ck[x->ci];
            if (x->ri < k->nrec || (k->state == EVTX_CK_BAD && x->ri == 0)) break;
            x->ci++;
            x->ri = 0;
        }
        if (x->ci >= x->nck) { /* nothing more in this batch; every chunk was waited for */
            at += x->blen - x->bpos;
            x->live = false;
            continue;
        }
        const evtx_chunk_t *k = &x->ck[x->ci];
        size_t s = (size_t)x->ci * EVTX_CHUNK, e = s + EVTX_CHUNK;
        if (e > x->blen) e = x->blen;
        const evtx_rec_t *r = NULL;
        if (k->state != EVTX_CK_BAD) {
            r = &k->recs[x->ri];
            s += r->off;
            if (x->ri + 1 < k->nrec) e = s + r->size; /* the chunk's last record takes its slack */
        }
        x->ri++;
        c->rec_off = at + (s - x->bpos);
        *used = at + (e - x->bpos);
        x->bpos = e;
        if (!r) {
            c->text = pstr(p + c->rec_off, 8);
            c->pos = k->first_id ? k->first_id : 1;
            c->reason = RD_R_EVTXHDR;
            return RD_REJECT;
        }
        c->pos = r->id ? r->id : 1;
        if (r->err) {
            c->text = pstr(p + c->rec_off, r->size < 64 ? r->size : 64);
            c->reason = rx_reason[r->err < EVTX_NERR ? r->err : EVTX_E_BINXML];
            return RD_REJECT;
        }
        c->text = pstr(k->text.p + r->xml, r->xmln);
        evtx_emit(c, x, k, r, rec);
        return RD_REC;
    }
}

/* The magic `ElfFile\0` first. */
static int rx_probe(const char *p, size_t n) { return n >= 8 && memcmp(p, "ElfFile\0", 8) == 0 ? 100 : 0; }

/* See reader.h. */
const rd_impl_t rd_evtx = {
    .pub = {"evtx",
            "Windows Event Log files (.evtx), read directly: file header, chunks, binary XML with templates "
            "(Sysmon, Security, PowerShell, any channel)",
            "the magic ElfFile\\0 at the start of the file",
            "as winevt-xml: Sysmon EID 3: _messageTime (UtcTime), src_ip, src_port, dest_ip, dest_port, protocol, "
            "direction (Initiated), process_name (Image), pid, user, host (Computer), _sourceHost, event_id; EID 1: "
            "process_name, pid, user, host; Security 5156/5157: src/dest ip and port, protocol, direction, "
            "process_name (Application), pid, action; PowerShell 4104: pid, user (SID), host; every event: "
            "_sourceCategory, _messageTime, host, event_id"},
    .probe = rx_probe,
    .open = rx_open,
    .next = rx_next,
    .close = rx_close,
    .binary = true,
};
