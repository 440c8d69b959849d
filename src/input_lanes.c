/* input_lanes.c — one large plain file read by several threads (see
 * input_int.h).
 *
 * A file in a format whose records end at line boundaries (JSON Lines;
 * CSV, outside quoted cells, as its serial reading frames them, followed
 * segment by segment just ahead of the lanes; Zeek TSV and pfirewall.log,
 * whose '#' header block every segment reads first, unless another block
 * follows the data) is cut into segments of a few MiB (the first ones
 * smaller), each cut moved to a record start. The lanes, one per thread, take the segments in file
 * order, each the next one free, and read each one through in_lane_read
 * exactly as lane 0 reads an input serially. Segments are numbered across
 * the run; an engine that streams rows in input order is told when a
 * segment starts and ends (in_par_t's seg_begin and seg_end) and may hold
 * a lane back until the segments before have been written. Counts are
 * merged as segments end, the malformed-record reports afterwards, in file
 * order.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "input_int.h"
#include "tty.h"

/* One segment of the file. */
typedef struct seg {
    uint64_t lo, hi;         /* its bytes: nominal, then moved to record starts */
    uint64_t nlo, nhi;       /* its nominal bytes (CSV: the stretch its framing is walked over) */
    uint64_t headers;        /* split 3: '#' header lines in the nominal range */
    uint64_t lines;          /* '\n' its lane read (when done) */
    bool done;               /* read to its end: no stop, no read error */
    int err;                 /* errno of a failed read, 0 */
    const char *why;         /* the failed read's message when no errno says it (a file cut under its map) */
    uint64_t nrep;           /* malformed records met */
    uint64_t rep_line[IN_LANEREPORTS];  /* lines (segment-relative) of the first ones */
    unsigned rep_reason[IN_LANEREPORTS]; /* their reasons */
} seg_t;

/* What the lanes of one file share. */
typedef struct lanes {
    in_run_t *r;             /* the run (its counts are merged under mu) */
    const rd_impl_t *fmt;    /* the file's reader */
    const char *name;        /* the file's name (borrowed) */
    int fd;                  /* the file (shared; pread has its own offset) */
    const in_map_t *map;     /* the file mapped whole (input_map.c; owned by in_lanes_file), NULL: pread */
    seg_t *seg;              /* the segments, in file order (owned) */
    size_t nseg;             /* their number */
    uint64_t base;           /* run-wide number of segment 0 */
    char *hdr;               /* CSV, Zeek TSV, pfirewall: the header, fed to the reader before each segment (owned) */
    size_t hdrn;             /* its length */
    pthread_mutex_t mu;      /* guards next, halt and the run's counts */
    size_t next;             /* the next segment a lane may take */
    bool halt;               /* a lane stopped the run: take no more */
    /* JSON Lines and CSV: the cuts are made as the lanes reach them
     * (lazy_cuts; CSV's framing walked segment by segment ahead of the
     * reading), so that the first rows wait for no pass over the whole
     * file and the threads share the work */
    bool lazy;
    char sep;                /* CSV: the cell separator */
    pthread_mutex_t cmu;     /* guards ncut, cstate and the cuts */
    size_t ncut;             /* segments whose start is final */
    int cstate;              /* CSV: the framing state (csv_walk) at segment ncut - 1's nominal start */
    uint64_t size;           /* the file's size */
    /* phase 1's count in a block (count_headers) */
    uint64_t (*count)(const struct lanes *S, const char *buf, size_t n, uint64_t off, char prev);
} lanes_t;

/* One lane's work, as a thread runs it. */
typedef struct lane_job {
    lanes_t *S;              /* the shared state */
    in_lane_t lane;          /* the lane (its reader, buffer, counts) */
    int stop;                /* the callback's (or seg_begin's) non-zero value */
} lane_job_t;

/* Read n bytes at off (fewer only at the end of the file); -1 on error. */
static long pread_full(int fd, char *dst, size_t n, uint64_t off) {
    size_t got = 0;
    while (got < n) {
        ssize_t k = pread(fd, dst + got, n - got, (off_t)(off + got));
        if (k < 0 && errno == EINTR) continue;
        if (k < 0) return -1;
        if (k == 0) break;
        got += (size_t)k;
    }
    return (long)got;
}

/* The next segment for a lane to read, or S->nseg when none is left. */
static size_t take(lanes_t *S) {
    pthread_mutex_lock(&S->mu);
    size_t k = !S->halt && S->next < S->nseg ? S->next++ : S->nseg;
    pthread_mutex_unlock(&S->mu);
    return k;
}

/* Phase 1 counts in a block buf[0..n) read at file offset off, the byte
 * before it being prev. */

/* A '#' header block (Zeek TSV, pfirewall): the lines starting with '#'
 * that are no `#close` (a header block after the data: the file is then
 * read serially, as its columns may change). */
static uint64_t count_headers(const lanes_t *S, const char *buf, size_t n, uint64_t off, char prev) {
    uint64_t k = 0;
    for (const char *q = buf, *e = buf + n; q < e && (q = memchr(q, '#', (size_t)(e - q))) != NULL; q++) {
        if ((q > buf ? q[-1] : prev) != '\n') continue;
        char w[6] = {0};
        if (pread_full(S->fd, w, sizeof w, off + (uint64_t)(q - buf)) != (long)sizeof w ||
            memcmp(w, "#close", sizeof w) != 0)
            k++;
    }
    return k;
}

/* Phase 1: count (S->count) in each segment's nominal range, into its
 * headers. A read error stops the segment's count (phase 2 meets the error
 * again and says it); for a header block it counts as one, so that the
 * file is read serially. */
static void *job_count(void *arg) {
    lane_job_t *J = arg;
    lanes_t *S = J->S;
    bool headers = S->count == count_headers;
    char *buf = xmalloc(IN_BLOCK);
    for (size_t i; (i = take(S)) < S->nseg;) {
        seg_t *g = &S->seg[i];
        uint64_t k = 0;
        char prev = 0;
        if (g->lo > 0 && pread_full(S->fd, &prev, 1, g->lo - 1) != 1) k += headers;
        for (uint64_t off = g->lo; off < g->hi && !(headers && k);) {
            size_t want = g->hi - off < IN_BLOCK ? (size_t)(g->hi - off) : IN_BLOCK;
            long got = pread_full(S->fd, buf, want, off);
            if (got <= 0) {
                k += headers;
                break;
            }
            k += S->count(S, buf, (size_t)got, off, prev);
            prev = buf[got - 1];
            off += (size_t)got;
        }
        g->headers = k;
    }
    free(buf);
    return NULL;
}

static uint64_t next_cut(int fd, uint64_t pos, uint64_t size);

/* Move the start of segment i (> 0) to a record start: after a '\n', not
 * before the previous segment's start. */
static void cut_at(lanes_t *S, size_t i) {
    uint64_t b = S->seg[i].nlo, prev_cut = S->seg[i - 1].lo;
    char prev = 0;
    if (prev_cut >= b) b = prev_cut; /* the previous cut moved past this one */
    else if (!(pread_full(S->fd, &prev, 1, b - 1) == 1 && prev == '\n')) b = next_cut(S->fd, b, S->size);
    S->seg[i].lo = b;
    S->seg[i - 1].hi = b;
}

/* CSV: the framing state after the file's bytes [lo, hi) read from state
 * st (csv_walk); a read error ends the walk (the reading meets the error
 * again and says it). */
static int csv_walk_range(const lanes_t *S, char *buf, uint64_t lo, uint64_t hi, int st) {
    for (uint64_t off = lo; off < hi;) {
        size_t want = hi - off < IN_BLOCK ? (size_t)(hi - off) : IN_BLOCK;
        long got = pread_full(S->fd, buf, want, off);
        if (got <= 0) break;
        st = csv_walk(buf, (size_t)got, S->sep, st);
        off += (size_t)got;
    }
    return st;
}

/* CSV: move the start of segment i (> 0) to the first record start at or
 * after its nominal start, where the framing state is st: a record start
 * as csv_row reads the file from its data start (quotes, doubled quotes
 * and a stray '"' in a plain cell taken as it takes them). */
static void csv_cut_at(lanes_t *S, size_t i, int st, char *buf) {
    uint64_t b = S->seg[i].nlo, prev_cut = S->seg[i - 1].lo;
    char prev = 0;
    if (prev_cut >= b) {
        b = prev_cut; /* the previous cut moved past this one */
    } else if (!(st == CSV_CELL && pread_full(S->fd, &prev, 1, b - 1) == 1 && prev == '\n')) {
        uint64_t off = b;
        b = S->size;
        for (size_t step = 4096; off < S->size; step = IN_BLOCK) { /* (records are short: a little first) */
            size_t want = S->size - off < step ? (size_t)(S->size - off) : step;
            long got = pread_full(S->fd, buf, want, off);
            if (got <= 0) break;
            long e = csv_record_end(buf, (size_t)got, S->sep, &st);
            if (e >= 0) {
                b = off + (uint64_t)e;
                break;
            }
            off += (size_t)got;
        }
    }
    S->seg[i].lo = b;
    S->seg[i - 1].hi = b;
}

/* Make the bounds of segment i final (its start and its end, the next
 * one's start), cutting those before it that are not: each cut is made
 * once, in file order, ahead of the reading (CSV: each segment's framing
 * walked once). */
static void lazy_cuts(lanes_t *S, size_t i, char *buf) {
    size_t want = i + 2 < S->nseg ? i + 2 : S->nseg;
    pthread_mutex_lock(&S->cmu);
    for (; S->ncut < want; S->ncut++) {
        size_t c = S->ncut;
        if (c == 0) { /* the data start */
            S->cstate = CSV_CELL;
            continue;
        }
        if (S->fmt->split != 2) { /* after a newline */
            cut_at(S, c);
            continue;
        }
        S->cstate = csv_walk_range(S, buf, S->seg[c - 1].nlo, S->seg[c - 1].nhi, S->cstate);
        csv_cut_at(S, c, S->cstate, buf);
    }
    pthread_mutex_unlock(&S->cmu);
}

/* Read segment g (number k of the file) through J's lane, its counts
 * merged into the run's. */
static void read_seg(lane_job_t *J, seg_t *g) {
    lanes_t *S = J->S;
    in_lane_t *L = &J->lane;
    in_src_t src;
    in_src_range(&src, S->fd, g->lo, g->hi);
    L->beg = L->end = 0;
    L->eof = false;
    in_lane_begin(L, S->fmt, S->name, &src, S->r->lane.ctx.ref_ms);
    L->off0 = g->lo;
    if (S->map) {
        in_src_range_map(&src, S->map);
        in_lane_map(L);
    }
    if (S->hdrn) { /* the header (CSV's row, Zeek's and pfirewall's # lines) maps the columns */
        size_t used = 0;
        L->fmt->next(&L->ctx, S->hdr, S->hdrn, true, &used, &L->rec);
        rec_clear(&L->rec);
        arena_reset(&L->arena);
    }
    if (g->lo < g->hi) in_lane_read(L);
    in_lane_end(L);
    g->why = L->err && src.err ? src.err : NULL;
    in_src_end(&src);
    g->lines = L->line - 1;
    g->done = !L->stop && !L->err;
    g->err = L->err;
    g->nrep = L->nrep;
    memcpy(g->rep_line, L->rep_line, sizeof g->rep_line);
    memcpy(g->rep_reason, L->rep_reason, sizeof g->rep_reason);
    L->st.bytes = 0; /* the caller counts the file's size */
    pthread_mutex_lock(&S->mu);
    in_lane_merge(L, S->r->st);
    pthread_mutex_unlock(&S->mu);
}

/* Phase 2: the segments' records, each segment announced to the engine
 * when it streams in order. */
static void *job_read(void *arg) {
    lane_job_t *J = arg;
    lanes_t *S = J->S;
    const in_par_t *par = &S->r->par;
    void *ud = par->uds[J->lane.idx];
    char *buf = S->lazy && S->fmt->split == 2 ? xmalloc(IN_BLOCK) : NULL;
    for (size_t k; (k = take(S)) < S->nseg;) {
        if (S->lazy) lazy_cuts(S, k, buf);
        if (par->seg_begin && (J->stop = par->seg_begin(ud, S->base + k)) != 0) break;
        read_seg(J, &S->seg[k]);
        if (par->seg_end) par->seg_end(ud, S->base + k);
        if (J->lane.stop) {
            J->stop = J->lane.stop;
            break;
        }
    }
    if (J->stop) {
        pthread_mutex_lock(&S->mu);
        S->halt = true;
        pthread_mutex_unlock(&S->mu);
    }
    free(buf);
    return NULL;
}

/* Run fn on every job, each in its own thread (job 0 in this one). */
static void jobs_run(lane_job_t *J, unsigned n, void *(*fn)(void *)) {
    pthread_t th[IN_MAXLANES];
    bool started[IN_MAXLANES] = {false};
    for (unsigned i = 1; i < n; i++) started[i] = pthread_create(&th[i], NULL, fn, &J[i]) == 0;
    for (unsigned i = 1; i < n; i++)
        if (!started[i]) fn(&J[i]); /* no thread: do it here */
    fn(&J[0]);
    for (unsigned i = 1; i < n; i++)
        if (started[i]) pthread_join(th[i], NULL);
}

/* Count '\n' in the file's bytes [lo, hi) (for line numbers in reports). */
static uint64_t count_nl_at(int fd, uint64_t lo, uint64_t hi) {
    char *buf = xmalloc(IN_BLOCK);
    uint64_t k = 0;
    for (uint64_t off = lo; off < hi;) {
        size_t want = hi - off < IN_BLOCK ? (size_t)(hi - off) : IN_BLOCK;
        long got = pread_full(fd, buf, want, off);
        if (got <= 0) break;
        k += rd_count_nl(buf, (size_t)got);
        off += (size_t)got;
    }
    free(buf);
    return k;
}

/* The first record start at or after pos: after a '\n'. Reads a little
 * first: records are short. */
static uint64_t next_cut(int fd, uint64_t pos, uint64_t size) {
    char buf[65536];
    size_t step = 4096;
    for (uint64_t off = pos; off < size;) {
        size_t want = size - off < step ? (size_t)(size - off) : step;
        long got = pread_full(fd, buf, want, off);
        if (got <= 0) return size;
        const char *nl = memchr(buf, '\n', (size_t)got);
        if (nl) return off + (uint64_t)(nl - buf) + 1;
        off += (size_t)got;
        step = sizeof buf;
    }
    return size;
}

/* Where the records of a file with a header (CSV, Zeek TSV, pfirewall) start (from beg on):
 * the reader reads growing windows until the header is whole. Returns
 * false when no record is found in the first IN_MAXREC bytes. */
static bool data_start(in_run_t *r, const rd_impl_t *fmt, int fd, size_t size, const char *name, size_t beg,
                       size_t *data) {
    in_lane_t L;
    in_lane_init(&L, r, 0, 1);
    in_lane_begin(&L, fmt, name, NULL, 0);
    size_t win = IN_BLOCK;
    char *buf = NULL;
    rd_status_t st = RD_MORE;
    for (;;) {
        if (win > size - beg) win = size - beg;
        buf = xrealloc(buf, win ? win : 1);
        long got = pread_full(fd, buf, win, beg);
        if (got < 0) break;
        size_t used = 0;
        st = fmt->next(&L.ctx, buf, (size_t)got, (size_t)got == size - beg, &used, &L.rec);
        if (st != RD_MORE || (size_t)got == size - beg || win >= IN_MAXREC) break;
        win *= 2;
        /* start over: the reader's state saw a partial header */
        fmt->close(L.ctx.st);
        L.ctx.st = fmt->open(&L.ctx);
    }
    *data = beg + L.ctx.rec_off;
    in_lane_end(&L);
    in_lane_free(&L);
    free(buf);
    return st == RD_REC || st == RD_REJECT;
}

/* Segment length for a file of n data bytes read by nl lanes: a few per
 * lane (so that lanes finishing early take more), IN_SEGMIN..IN_SEGMAX. */
static uint64_t seg_len(uint64_t n, unsigned nl, uint64_t segmin) {
    uint64_t len = n / ((uint64_t)nl * 4);
    return len < segmin ? segmin : len > IN_SEGMAX ? IN_SEGMAX : len;
}

/* The nominal length of segment i: segmin (IN_SEGMIN) for the first,
 * doubling up to len, so that the first rows of a streamed result come
 * out soon. */
static uint64_t nominal(size_t i, uint64_t len, uint64_t segmin) {
    uint64_t l = segmin;
    for (size_t k = 0; k < i && l < len; k++) l *= 2;
    return l < len ? l : len;
}

/* Cut the data bytes [data, size) into segments, each cut moved to the
 * start of a record: after a newline (split 1, as the lanes reach them;
 * split 3, here, after the count of header lines); for CSV, as the lanes
 * reach them, a newline the serial reading takes for a record end
 * (lazy_cuts). */
static void cut(lanes_t *S, lane_job_t *J, unsigned n, uint64_t data, uint64_t size) {
    uint64_t min = S->r->segmin, len = seg_len(size - data, n, min);
    S->nseg = 0;
    for (uint64_t off = data; off < size; off += nominal(S->nseg++, len, min)) {}
    if (!S->nseg) S->nseg = 1;
    S->seg = xcalloc(S->nseg, sizeof *S->seg);
    for (uint64_t i = 0, off = data; i < S->nseg; off += nominal(i++, len, min)) {
        S->seg[i].lo = S->seg[i].nlo = off;
        S->seg[i].hi = S->seg[i].nhi = i + 1 < S->nseg ? off + nominal(i, len, min) : size;
    }
    S->size = size;
    if (S->fmt->split == 1) { /* cut as the lanes go (lazy_cuts) */
        S->lazy = true;
        return;
    }
    if (S->fmt->split == 2) { /* CSV: cut as the lanes go (lazy_cuts) */
        S->lazy = true;
        S->sep = ',';
        if (S->fmt->sep_of_header && S->hdrn) { /* the header row: the last line of S->hdr */
            size_t e = S->hdrn;
            while (e && (S->hdr[e - 1] == '\n' || S->hdr[e - 1] == '\r')) e--;
            size_t b = e;
            while (b && S->hdr[b - 1] != '\n') b--;
            S->sep = csv_sep_of(pstr_trim(pstr(S->hdr + b, e - b)));
        }
        return;
    }
    if (S->fmt->split == 3) {
        S->count = count_headers;
        jobs_run(J, n, job_count);
        S->next = 0;
    }
    for (size_t i = 1; i < S->nseg; i++) cut_at(S, i);
}

/* The malformed-record reports of the segments, in file order, with
 * their line numbers in the file; a read error said once. */
static void reports(lanes_t *S) {
    in_run_t *r = S->r;
    size_t last = S->nseg; /* the last segment with reports */
    for (size_t i = 0; i < S->nseg; i++)
        if (S->seg[i].nrep) last = i;
    uint64_t base = 1, shown = 0, total = 0;
    bool failed = false;
    if (last < S->nseg) base += count_nl_at(S->fd, 0, S->seg[0].lo);
    for (size_t i = 0; i < S->nseg; i++) {
        const seg_t *g = &S->seg[i];
        for (uint64_t k = 0; k < g->nrep && k < IN_LANEREPORTS; k++, shown++)
            if (!r->o->quiet && shown < r->max_reports)
                fprintf(stderr, "%s:%llu: skipped: %s\n", tty_name(S->name), (unsigned long long)(base + g->rep_line[k] - 1),
                        in_reason_name(g->rep_reason[k]));
        total += g->nrep;
        if (g->err && !failed) {
            in_fail(r, S->name, g->why ? g->why : strerror(g->err), 0);
            failed = true;
        }
        if (last < S->nseg && i < last) base += g->done ? g->lines : count_nl_at(S->fd, g->lo, g->hi);
    }
    if (!r->o->quiet && total > r->max_reports)
        fprintf(stderr, "%s: %llu more malformed records skipped\n", tty_name(S->name),
                (unsigned long long)(total - r->max_reports));
}

/* See input_int.h. */
bool in_lanes_file(in_run_t *r, const rd_impl_t *fmt, int fd, size_t size, const char *name, size_t beg) {
    size_t data = beg;
    /* CSV (split 2), Zeek TSV and pfirewall (3) have a header: fed to the
     * reader before each segment */
    if (fmt->split >= 2 && !data_start(r, fmt, fd, size, name, beg, &data)) return false;

    unsigned n = r->par.nthreads < IN_MAXLANES ? r->par.nthreads : IN_MAXLANES;
    lanes_t S = {.r = r, .fmt = fmt, .name = name, .fd = fd, .base = r->nseg};
    pthread_mutex_init(&S.mu, NULL);
    pthread_mutex_init(&S.cmu, NULL);
    if (data > beg) {
        S.hdrn = data - beg;
        S.hdr = xmalloc(S.hdrn);
        if (pread_full(fd, S.hdr, S.hdrn, beg) != (long)S.hdrn) S.hdrn = 0;
    }
    lane_job_t *J = xcalloc(n, sizeof *J);
    for (unsigned i = 0; i < n; i++) {
        J[i].S = &S;
        in_lane_init(&J[i].lane, r, i, IN_BLOCK);
    }
    cut(&S, J, n, data, size);
    uint64_t more = 0; /* '#' header lines after the data (split 3) */
    for (size_t i = 0; i < S.nseg && fmt->split == 3; i++) more += S.seg[i].headers;
    if (more) { /* another header block: read serially */
        for (unsigned i = 0; i < n; i++) in_lane_free(&J[i].lane);
        pthread_mutex_destroy(&S.mu);
        pthread_mutex_destroy(&S.cmu);
        free(S.seg);
        free(S.hdr);
        free(J);
        return false;
    }
    r->nseg += S.nseg;
    r->st->files_split++;
    in_map_t map;
    if (in_map_wanted(r, size) && in_map_open(&map, fd, 0, size)) S.map = &map;
    r->ft->mt = true; /* lanes may intern names (want_all) */
    jobs_run(J, n, job_read);
    r->ft->mt = false;
    if (S.map) in_map_close(&map);

    reports(&S);
    for (unsigned i = 0; i < n; i++) {
        if (J[i].stop && !r->stop) r->stop = J[i].stop;
        in_lane_free(&J[i].lane);
    }
    pthread_mutex_destroy(&S.mu);
    pthread_mutex_destroy(&S.cmu);
    free(S.seg);
    free(S.hdr);
    free(J);
    return true;
}
