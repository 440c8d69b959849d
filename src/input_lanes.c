/* input_lanes.c — one large plain file read by several threads (see
 * input_int.h).
 *
 * A file in a format whose records end at line boundaries (JSON Lines;
 * CSV, outside quotes; Zeek TSV, whose header block every range reads
 * first) is cut into one byte range per thread, each cut
 * moved to a record start, and each range read by its own lane through
 * in_lane_read, exactly as lane 0 reads an input serially. Counts and the
 * malformed-record reports are merged afterwards, in file order.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "input_int.h"

/* One lane's work, as a thread runs it. */
typedef struct lane_job {
    in_lane_t lane;          /* the lane (its reader, buffer, counts) */
    in_src_t src;            /* its byte range of the file */
    int fd;                  /* the file (shared; pread has its own offset) */
    uint64_t lo, hi;         /* the lane's bytes: nominal, then moved to record starts */
    uint64_t hdr_lo, hdr_hi; /* the CSV or Zeek header, fed to the reader first */
    uint64_t quotes;         /* phase 1: '"' in the nominal range (CSV), or header lines (Zeek) */
    int err;                 /* phase 1: errno of a failed read */
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

/* Phase 1 for CSV: count the '"' of the job's nominal range. */
static void *job_count_quotes(void *arg) {
    lane_job_t *J = arg;
    char *buf = xmalloc(IN_BLOCK);
    uint64_t k = 0;
    for (uint64_t off = J->lo; off < J->hi;) {
        size_t want = J->hi - off < IN_BLOCK ? (size_t)(J->hi - off) : IN_BLOCK;
        long got = pread_full(J->fd, buf, want, off);
        if (got <= 0) {
            J->err = got < 0 ? errno : EIO;
            break;
        }
        for (const char *q = buf, *e = buf + got; q < e && (q = memchr(q, '"', (size_t)(e - q))) != NULL; q++) k++;
        off += (size_t)got;
    }
    free(buf);
    J->quotes = k;
    return NULL;
}

/* Phase 1 for Zeek TSV: count the lines of the job's nominal range that
 * start with '#' but are no `#close` (a header block after the data: the
 * file is then read serially, as its columns may change). */
static void *job_count_headers(void *arg) {
    lane_job_t *J = arg;
    char *buf = xmalloc(IN_BLOCK);
    uint64_t k = 0;
    char prev = 0;
    if (J->lo > 0 && pread_full(J->fd, &prev, 1, J->lo - 1) != 1) J->err = EIO;
    for (uint64_t off = J->lo; off < J->hi && !J->err;) {
        size_t want = J->hi - off < IN_BLOCK ? (size_t)(J->hi - off) : IN_BLOCK;
        long got = pread_full(J->fd, buf, want, off);
        if (got <= 0) {
            J->err = got < 0 ? errno : EIO;
            break;
        }
        for (const char *q = buf, *e = buf + got; q < e && (q = memchr(q, '#', (size_t)(e - q))) != NULL; q++) {
            if ((q > buf ? q[-1] : prev) != '\n') continue;
            char w[6] = {0};
            if (pread_full(J->fd, w, sizeof w, off + (uint64_t)(q - buf)) != (long)sizeof w ||
                memcmp(w, "#close", sizeof w) != 0)
                k++;
        }
        prev = buf[got - 1];
        off += (size_t)got;
    }
    free(buf);
    J->quotes = k;
    return NULL;
}

/* Phase 2: the job's records, through its lane (the header first). */
static void *job_read(void *arg) {
    lane_job_t *J = arg;
    in_lane_t *L = &J->lane;
    if (J->hdr_hi > J->hdr_lo) { /* the header maps the columns */
        size_t hn = (size_t)(J->hdr_hi - J->hdr_lo), used = 0;
        char *h = xmalloc(hn);
        if (pread_full(J->fd, h, hn, J->hdr_lo) == (long)hn) L->fmt->next(&L->ctx, h, hn, true, &used, &L->rec);
        free(h);
        rec_clear(&L->rec);
        arena_reset(&L->arena);
    }
    in_lane_read(L);
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

/* The first record start at or after pos: after a '\n' that is outside
 * quotes when quotes matter (q: the parity of '"' before pos). */
static uint64_t next_cut(int fd, uint64_t pos, uint64_t size, bool quotes, uint64_t q) {
    char buf[65536];
    for (uint64_t off = pos; off < size;) {
        size_t want = size - off < sizeof buf ? (size_t)(size - off) : sizeof buf;
        long got = pread_full(fd, buf, want, off);
        if (got <= 0) return size;
        for (long j = 0; j < got; j++) {
            if (buf[j] == '"' && quotes) q ^= 1;
            else if (buf[j] == '\n' && !q) return off + (uint64_t)j + 1;
        }
        off += (size_t)got;
    }
    return size;
}

/* Where the records of a CSV or Zeek TSV file start (after its header, from beg on):
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

/* See input_int.h. */
bool in_lanes_file(in_run_t *r, const rd_impl_t *fmt, int fd, size_t size, const char *name, size_t beg) {
    size_t data = beg;
    bool csv = fmt->split == 2, zeek = fmt->split == 3; /* a header every range is given first */
    if ((csv || zeek) && !data_start(r, fmt, fd, size, name, beg, &data)) return false;

    unsigned n = r->par.nthreads < IN_MAXLANES ? r->par.nthreads : IN_MAXLANES;
    lane_job_t *J = xcalloc(n, sizeof *J);
    uint64_t b[IN_MAXLANES + 1];
    for (unsigned i = 0; i <= n; i++) b[i] = data + (uint64_t)((double)(size - data) * i / n);
    for (unsigned i = 0; i < n; i++) {
        J[i].fd = fd;
        J[i].lo = b[i];
        J[i].hi = b[i + 1];
        J[i].hdr_lo = beg;
        J[i].hdr_hi = data;
    }
    /* Move each cut to the start of a record: after a newline, and for CSV
     * one outside quotes (an even number of '"' since the data start;
     * RFC 4180 doubles the quotes inside a quoted cell). */
    uint64_t parity = 0;
    if (csv) jobs_run(J, n, job_count_quotes);
    if (zeek) {
        jobs_run(J, n, job_count_headers);
        uint64_t more = 0;
        for (unsigned i = 0; i < n; i++) more += J[i].quotes + (J[i].err != 0);
        if (more) { /* another header block: read serially */
            free(J);
            return false;
        }
    }
    for (unsigned i = 1; i < n; i++) {
        if (csv) parity ^= J[i - 1].quotes & 1;
        if (b[i - 1] >= b[i]) { /* the previous cut moved past this one */
            b[i] = b[i - 1];
            continue;
        }
        char prev = 0;
        if (b[i] > data && pread_full(fd, &prev, 1, b[i] - 1) == 1 && prev == '\n' && !parity) continue;
        b[i] = next_cut(fd, b[i], size, csv, parity);
    }
    for (unsigned i = 0; i < n; i++) {
        J[i].lo = b[i];
        J[i].hi = i + 1 < n ? b[i + 1] : size;
        in_src_range(&J[i].src, fd, J[i].lo, J[i].hi);
        in_lane_init(&J[i].lane, r, i, IN_BLOCK);
        in_lane_begin(&J[i].lane, fmt, name, &J[i].src, r->lane.ctx.ref_ms);
        J[i].lane.off0 = J[i].lo;
    }
    r->st->files_split++;
    r->ft->mt = true; /* lanes may intern names (want_all) */
    jobs_run(J, n, job_read);
    r->ft->mt = false;

    /* Counts, then the malformed-record reports in file order. */
    uint64_t base = 1, shown = 0, total = 0;
    bool need_base = false, failed = false;
    for (unsigned i = 0; i < n; i++) need_base |= J[i].lane.nrep > 0;
    if (need_base) base += count_nl_at(fd, 0, J[0].lo);
    for (unsigned i = 0; i < n; i++) {
        in_lane_t *L = &J[i].lane;
        in_lane_end(L);
        L->st.bytes = 0; /* the caller counts the file's size */
        in_lane_merge(L, r->st);
        for (uint64_t k = 0; k < L->nrep && k < IN_LANEREPORTS; k++, shown++)
            if (!r->o->quiet && shown < r->max_reports)
                fprintf(stderr, "%s:%llu: skipped: %s\n", name, (unsigned long long)(base + L->rep_line[k] - 1),
                        in_reason_name(L->rep_reason[k]));
        total += L->nrep;
        if (L->stop && !r->stop) r->stop = L->stop;
        if (L->err && !failed) {
            in_fail(r, name, strerror(L->err), 0);
            failed = true;
        }
        bool done = !L->stop && !L->err;
        if (i + 1 < n && J[i + 1].lane.nrep) base += done ? L->line - 1 : count_nl_at(fd, J[i].lo, J[i].hi);
        in_lane_free(L);
    }
    if (!r->o->quiet && total > r->max_reports)
        fprintf(stderr, "%s: %llu more malformed records skipped\n", name,
                (unsigned long long)(total - r->max_reports));
    free(J);
    return true;
}
