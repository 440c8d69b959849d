/* input.c — from paths to records: the first stage of the pipeline, and
 * the public input API (input.h).
 *
 * A run (in_run_t) walks its paths (input_walk.c); each input is opened
 * as a byte source (input_source.c), its first window read, a reader
 * picked by --input-format or by the vote (input_vote.c), and its records
 * read by a lane (input_lane.c): lane 0 for every input, or one lane per
 * thread for a large plain file (input_lanes.c); a zip archive's members
 * are inputs of their own (input_zip.c). An input that cannot be read is
 * said and counted, and the run goes on with the next. The file family
 * is described in input_int.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "input_int.h"
#include "tty.h"

/* ---- tables ------------------------------------------------------- */

static const char *const reason_names[] = {
#define X(id, text) text,
    RD_REASONS(X)
#undef X
};

/* See input.h. */
const char *in_reason_name(unsigned i) { return i < RD_NREASON ? reason_names[i] : NULL; }

/* See input.h. */
uint64_t in_stats_rejected(const in_stats_t *st, uint64_t input) {
    const in_rejlog_t *l = st->rejlog;
    if (!l) return 0;
    size_t lo = 0, hi = l->n; /* (appended in increasing input order) */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (l->input[mid] < input) lo = mid + 1;
        else hi = mid;
    }
    return lo < l->n && l->input[lo] == input ? l->count[lo] : 0;
}

/* See input.h. (The same input noted twice in a row: one entry.) */
void in_rejlog_add(in_rejlog_t *l, uint64_t input, uint64_t n) {
    if (l->n && l->input[l->n - 1] == input) {
        l->count[l->n - 1] += n;
        return;
    }
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 16;
        l->input = xrealloc(l->input, l->cap * sizeof *l->input);
        l->count = xrealloc(l->count, l->cap * sizeof *l->count);
    }
    l->input[l->n] = input;
    l->count[l->n++] = n;
}

/* See input.h. */
void in_rejlog_free(in_rejlog_t *l) {
    free(l->input);
    free(l->count);
    *l = (in_rejlog_t){0};
}

/* See input.h: generated from RD_READERS in reader.h. */
const rd_format_t *const rd_formats[] = {
#define X(r) &r.pub,
    RD_READERS(X)
#undef X
    NULL};

/* See input_int.h. */
const rd_impl_t *const in_readers[] = {
#define X(r) &r,
    RD_READERS(X)
#undef X
};
#define NREADERS (sizeof in_readers / sizeof in_readers[0])

/* See input_int.h. */
const size_t in_nreaders = NREADERS;

_Static_assert(NREADERS <= IN_MAXFORMATS, "in_stats_t.fmt_records is too small for RD_READERS");
_Static_assert(RD_NREASON <= sizeof((in_stats_t *)0)->reasons / sizeof(uint64_t), "in_stats_t.reasons is too small");

/* See input_int.h. */
size_t in_reader_index(const rd_impl_t *fmt) {
    for (size_t k = 0; k < NREADERS; k++)
        if (in_readers[k] == fmt) return k;
    return 0;
}

/* ---- one input ------------------------------------------------------ */

/* See input_int.h. */
void in_fail(in_run_t *r, const char *name, const char *why, uint64_t records) {
    r->st->files_failed++;
    r->failed = true;
    if (r->o->again) return;
    if (records)
        fprintf(stderr, "postern: %s: %s (after %llu record%s, which are kept)\n", tty_name(name), why,
                (unsigned long long)records, records == 1 ? "" : "s");
    else
        fprintf(stderr, "postern: %s: %s\n", tty_name(name), why);
}

/* See input_int.h. */
void in_skip_note(const in_run_t *r, const char *name, const char *what) {
    if (!r->o->quiet) fprintf(stderr, "postern: %s: skipped: %s\n", tty_name(name), what);
}

/* Now, epoch ms. */
static int64_t now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A walked file: opened without blocking (a FIFO put in its place since
 * the walk looked would hang the run) and without following a link the
 * walk does not follow, kept only when it is a regular file. Returns the
 * descriptor, -1 with errno set, or -2 (said) when it is no regular file. */
static int open_walked(in_run_t *r, const in_input_t *in) {
    int fd = open(in->path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC | (r->o->follow_symlinks ? 0 : O_NOFOLLOW));
    if (fd < 0) return -1;
    struct stat sb;
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        close(fd);
        in_skip_note(r, in->name, "not a regular file (any more)");
        r->st->files_special++;
        return -2;
    }
    int fl = fcntl(fd, F_GETFL);
    if (fl >= 0) fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
    return fd;
}

/* Open in's file (--follow: wait for it to appear, like tail -F), stdin
 * or a zip member, or set up its memory, into s. False when the file
 * cannot be opened (said, counted) or was skipped. */
static bool open_input(in_run_t *r, const in_input_t *in, in_src_t *s) {
    if (in->mem) {
        in_src_mem(s, in->mem, in->memn, r->chunk, r->o, r->zb, r->zcap);
        return true;
    }
    if (in->zf) {
        in_src_zipf(s, in->zf, r->o, r->zb, r->zcap);
        return true;
    }
    if (!in->path) {
        in_src_fd(s, 0, false, NULL, r->o, r->zb, r->zcap);
        return true;
    }
    int fd = in->walked ? open_walked(r, in) : open(in->path, O_RDONLY | O_CLOEXEC);
    if (fd == -2) return false;
    if (fd < 0 && errno == ENOENT && r->o->follow) {
        if (!r->o->quiet) fprintf(stderr, "postern: %s: not there yet, waiting for it\n", tty_name(in->name));
        while (fd < 0 && errno == ENOENT && !(r->o->stop && *r->o->stop)) {
            struct timespec ts = {0, IN_FOLLOW_MS * 1000000L};
            nanosleep(&ts, NULL);
            fd = open(in->path, O_RDONLY | O_CLOEXEC);
        }
    }
    in_src_fd(s, fd, fd >= 0, in->path, r->o, r->zb, r->zcap);
    if (fd >= 0) return true;
    in_fail(r, in->name, strerror(errno), 0);
    return false;
}

/* A JSON document the vote gave to sumo-json: when in_vote_doc finds a
 * reader for the values in its first window (lane 0's buf[0..end)), read
 * it whole (up to IN_DOCMAX) into that buffer and read its values as a
 * memory input through the reader in_vote_doc finds for all of them
 * (line numbers are then the values' numbers). Returns true when it did;
 * false leaves the input to sumo-json, with buf[0..end) read so far. */
static bool read_doc(in_run_t *r, in_src_t *s, const in_input_t *in) {
    in_lane_t *L = &r->lane;
    buf_t out = {0};
    int sc;
    /* The first window's whole values decide whether to read on: a Sumo
     * page (one big object) never gets here, and stays streamed. */
    const rd_impl_t *rd = in_vote_doc(L->buf, L->end, &out, &sc);
    while (rd && !L->eof) {
        if (L->end == L->cap) {
            if (L->cap >= IN_DOCMAX) {
                rd = NULL;
                break;
            }
            L->cap *= 2;
            L->buf = xrealloc(L->buf, L->cap);
        }
        long k = in_src_read(s, L->buf + L->end, L->cap - L->end);
        if (k < 0) {
            rd = NULL;
            break;
        }
        if (k == 0) L->eof = true;
        L->end += (size_t)k;
        r->st->bytes += (uint64_t)(k > 0 ? k : 0);
    }
    if (rd) rd = in_vote_doc(L->buf, L->end, &out, &sc);
    if (rd) {
        /* The values as lines, read like a file of them: the run's counts
         * keep the document's bytes and one input. */
        uint64_t bytes = r->st->bytes, files = r->st->files;
        const rd_impl_t *force = r->force;
        r->force = rd;
        in_input(r, &(in_input_t){.name = in->name, .mem = out.p ? out.p : "", .memn = out.n, .walked = in->walked});
        r->force = force;
        r->st->bytes = bytes;
        r->st->files = files;
    }
    buf_free(&out);
    return rd != NULL;
}

/* The reader of an input whose first window lane 0 holds, given fmt,
 * --input-format's or the vote's: fmt, or for a file of text that no
 * reader knows (named, or met in a directory) the text reader, or NULL
 * (said on stderr as the case asks). */
static const rd_impl_t *choose(in_run_t *r, const in_input_t *in, const rd_impl_t *fmt, bool failed) {
    const in_lane_t *L = &r->lane;
    bool blank = in_blank(L->buf, L->end);
    if (!fmt && !failed && !blank && !memchr(L->buf, 0, L->end)) {
        /* A file in no known format that holds text: one message a line,
         * as Sumo stores any log; said, so nobody mistakes it. */
        if (!r->o->quiet)
            fprintf(stderr, "postern: %s: no log format recognised: read as plain text, one message a line in "
                            "_raw (--input-format text)\n",
                    tty_name(in->name));
        fmt = &rd_text;
    }
    if (fmt || failed || blank) return fmt;
    if (!in->walked) {
        fprintf(stderr, "postern: %s: cannot tell the log format (use --input-format)\n", tty_name(in->name));
        r->rc = 2;
    } else {
        /* Binary, found in a directory (an archive, an image): skipped, and said. */
        if (!r->o->quiet)
            fprintf(stderr, "postern: %s: skipped: binary, in no format postern reads (see postern formats)\n",
                    tty_name(in->name));
        r->st->files_skipped++;
    }
    return NULL;
}

/* See input_int.h. */
void in_input(in_run_t *r, const in_input_t *in) {
    in_src_t s;
    if (!open_input(r, in, &s)) return;
    if (!in_src_start(&s)) {
        in_fail(r, in->name, in_src_error(&s), 0);
        in_src_end(&s);
        return;
    }
    if (s.zip) {
        if (in->zf) { /* a member's bytes cannot be seeked, as libzip needs */
            in_skip_note(r, in->name, "a zip archive inside a zip archive is not read (unzip the outer one first)");
            r->st->files_skipped++;
        } else {
            in_zip(r, in->name, &s);
        }
        in_src_end(&s);
        return;
    }
    r->st->files++;
    uint64_t rejected0 = r->st->rejected; /* (this input's: those counted from here) */

    /* the first window, to vote on: the same IN_PROBE bytes whatever the buffer */
    in_lane_t *L = &r->lane;
    L->beg = L->end = 0;
    L->off0 = 0;
    L->eof = false;
    bool failed = false;
    if (!r->force && L->cap < IN_PROBE) {
        L->cap = IN_PROBE;
        L->buf = xrealloc(L->buf, L->cap);
    }
    size_t want = IN_PROBE < L->cap ? IN_PROBE : L->cap;
    /* Following, the first complete line is enough to vote on. */
    while (L->end < want && !L->eof && !(r->o->follow && L->end && memchr(L->buf, '\n', L->end))) {
        long k = in_src_read(&s, L->buf + L->end, L->cap - L->end);
        if (k < 0) {
            failed = L->eof = true; /* said once the records before the error are read */
        } else if (k == 0) {
            L->eof = true;
        } else {
            L->end += (size_t)k;
        }
    }
    r->st->bytes += L->end;
    int score = 0;
    const rd_impl_t *fmt = r->force ? r->force : in_vote(L->buf, L->end, L->eof, &score);
    /* (Not with --follow: a document is read whole, and a followed file never ends.) */
    if (fmt == &rd_sumo_json && !r->force && !failed && !r->o->follow && read_doc(r, &s, in)) {
        in_src_end(&s);
        return;
    }
    uint64_t records = 0;
    fmt = choose(r, in, fmt, failed);
    if (!fmt) goto done;
    if (failed && fmt->line_sync) in_lane_cut(L);
    if (L->end >= 3 && memcmp(L->buf, "\xEF\xBB\xBF", 3) == 0) L->beg = 3;
    r->fileno++;
    struct stat fsb;
    bool reg = s.from == IN_SRC_FD && fstat(s.fd, &fsb) == 0 && S_ISREG(fsb.st_mode);
    L->ctx.ref_ms = reg ? (int64_t)fsb.st_mtime * 1000 : now_ms();
    if (r->par.nthreads > 1 && fmt->split && in_src_splittable(&s) && !failed && reg &&
        (size_t)fsb.st_size >= r->parmin && (size_t)fsb.st_size >= L->end &&
        in_lanes_file(r, fmt, s.fd, (size_t)fsb.st_size, in->name, L->beg)) {
        r->st->bytes += (size_t)fsb.st_size - L->end;
        goto done; /* (a lane's read error is said by in_lanes_file) */
    }
    in_lane_begin(L, fmt, in->name, &s, L->ctx.ref_ms);
    /* a large plain file: its pages read in place rather than copied */
    if (reg && !failed && !L->eof && L->off0 + L->end <= (uint64_t)fsb.st_size && in_src_splittable(&s) &&
        in_map_wanted(r, (uint64_t)fsb.st_size) && in_src_map(&s, (uint64_t)fsb.st_size))
        in_lane_map(L);
    in_lane_read(L);
    in_lane_end(L);
    in_lane_merge(L, r->st);
    if (L->stop) r->stop = L->stop;
    failed |= L->err != 0;
    records = L->st.records;
done:
    if (r->st->rejected > rejected0 && r->st->rejlog) in_rejlog_add(r->st->rejlog, r->fileno, r->st->rejected - rejected0);
    if (failed) in_fail(r, in->name, in_src_error(&s), records);
    in_src_end(&s);
}

/* ---- the run -------------------------------------------------------- */

static const in_opts_t default_opts = {.format = "auto", .max_reports = 5};

/* The environment variable name as a positive number of bytes into *n
 * (left alone when it is not set); false (said) when it is no such number. */
static bool env_bytes(const char *name, size_t *n) {
    const char *v = getenv(name);
    if (!v || !*v) return true;
    char *end;
    unsigned long long k = strtoull(v, &end, 10);
    if (*end || k < 1) {
        fprintf(stderr, "postern: %s=%s: not a positive number of bytes\n", name, v);
        return false;
    }
    *n = (size_t)k;
    return true;
}

/* Set up a run (lane 0's buffer of cap0 bytes, zcap bytes of raw
 * read-ahead); false (message printed) on an unknown format name. */
static bool run_init(in_run_t *r, const in_opts_t *o, ftab_t *ft, const in_par_t *par, in_stats_t *st, size_t cap0,
                     size_t zcap) {
    memset(r, 0, sizeof *r);
    r->o = o ? o : &default_opts;
    r->max_reports = r->o->max_reports ? r->o->max_reports : 5;
    const char *f = r->o->format;
    if (f && *f && strcmp(f, "auto") != 0) {
        for (size_t k = 0; k < NREADERS; k++)
            if (strcmp(in_readers[k]->pub.name, f) == 0) r->force = in_readers[k];
        if (!r->force) {
            fprintf(stderr, "postern: unknown input format '%s'\n", f);
            return false;
        }
    }
    r->parmin = IN_PARMIN;
    r->segmin = IN_SEGMIN;
    r->mapmin = IN_MAPMIN;
    /* Tests only: POSTERN_SPLIT_MIN=N splits files of N bytes or more
     * into segments of N bytes or more (read before any thread starts);
     * POSTERN_MMAP_MIN=N maps files of N bytes or more. */
    size_t n = 0;
    if (!env_bytes("POSTERN_SPLIT_MIN", &n)) return false;
    if (n) r->parmin = r->segmin = n;
    n = 0;
    if (!env_bytes("POSTERN_MMAP_MIN", &n)) return false;
    if (n) r->mapmin = n;
    /* POSTERN_NO_MMAP=1 reads every file with read(2). */
    const char *nm = getenv("POSTERN_NO_MMAP");
    if (nm && *nm && strcmp(nm, "0") != 0) r->mapmin = 0;
    r->ft = ft;
    r->par = *par;
    r->st = st;
    r->zcap = zcap;
    r->zb = xmalloc(zcap);
    in_lane_init(&r->lane, r, 0, cap0);
    r->lane.direct = true;
    return true;
}

/* Free what the run holds; its return value. */
static int run_done(in_run_t *r) {
    in_lane_free(&r->lane);
    in_walk_free(r);
    free(r->zb);
    return r->stop ? r->stop : r->rc ? r->rc : r->failed ? IN_PARTIAL : 0;
}

/* See input_int.h. */
bool in_map_wanted(const in_run_t *r, uint64_t size) {
    return r->mapmin && size >= r->mapmin && !r->o->follow;
}

/* See input.h. */
int input_run_par(const char *const *paths, int npaths, const in_opts_t *o, ftab_t *ft, const in_par_t *par,
                  in_stats_t *st) {
    in_run_t r;
    if (!run_init(&r, o, ft, par, st, IN_BLOCK, IN_ZBUF)) return 2;
    for (unsigned k = 0; o && k < o->nmem && !r.stop; k++)
        in_input(&r, &(in_input_t){.name = o->mem[k].name, .mem = o->mem[k].p ? o->mem[k].p : "",
                                   .memn = o->mem[k].p ? o->mem[k].n : 0});
    if ((!paths || npaths <= 0) && !(o && o->nmem)) in_walk(&r, NULL);
    for (int k = 0; paths && k < npaths && !r.stop; k++) in_walk(&r, paths[k]);
    return run_done(&r);
}

/* See input.h. */
int input_run(const char *const *paths, int npaths, const in_opts_t *o, ftab_t *ft, in_cb_t cb, void *ud,
              in_stats_t *st) {
    void *uds[1] = {ud};
    in_par_t par = {.nthreads = 1, .cb = cb, .uds = uds};
    return input_run_par(paths, npaths, o, ft, &par, st);
}

/* See input.h. */
int input_run_mem(const char *name, const char *buf, size_t n, size_t chunk, const in_opts_t *o, ftab_t *ft,
                  in_cb_t cb, void *ud, in_stats_t *st) {
    in_run_t r;
    void *uds[1] = {ud};
    in_par_t par = {.nthreads = 1, .cb = cb, .uds = uds};
    /* small buffers that grow: cheap for the short inputs of fuzzing */
    if (!run_init(&r, o, ft, &par, st, chunk ? 256 : 4096, 4096)) return 2;
    r.chunk = chunk;
    in_input(&r, &(in_input_t){.name = name ? name : "-", .mem = buf ? buf : "", .memn = buf ? n : 0});
    return run_done(&r);
}

/* See input.h. Reads the first window the way in_input does. */
int input_detect(const char *path, const rd_format_t **fmt, int *score) {
    const char *name = path && strcmp(path, "-") != 0 ? path : "-";
    int fd = name[0] == '-' && !name[1] ? 0 : open(path, O_RDONLY);
    in_src_t s;
    unsigned char *zb = xmalloc(IN_ZBUF);
    in_src_fd(&s, fd, fd > 0, NULL, &default_opts, zb, IN_ZBUF);
    *fmt = NULL;
    *score = 0;
    int rc = 0;
    char *buf = xmalloc(IN_PROBE);
    size_t end = 0;
    bool eof = false;
    if (fd < 0) s.errnum = errno;
    if (fd < 0 || !in_src_start(&s)) {
        fprintf(stderr, "postern: %s: %s\n", tty_name(name), in_src_error(&s));
        rc = 2;
    } else if (s.zip) { /* its members are voted on one by one when read */
        *fmt = &in_zip_format;
        *score = 100;
        eof = true;
    }
    while (!rc && end < IN_PROBE && !eof) {
        long k = in_src_read(&s, buf + end, IN_PROBE - end);
        if (k < 0) {
            fprintf(stderr, "postern: %s: %s\n", tty_name(name), in_src_error(&s));
            rc = 2;
        } else if (k == 0) {
            eof = true;
        } else {
            end += (size_t)k;
        }
    }
    if (!rc && !s.zip) {
        const rd_impl_t *rd = in_vote(buf, end, eof, score);
        if (rd == &rd_sumo_json) { /* a document of another reader's records? (as in_input) */
            buf_t out = {0};
            int sc;
            const rd_impl_t *d = in_vote_doc(buf, end, &out, &sc);
            if (d) {
                rd = d;
                *score = sc;
            }
            buf_free(&out);
        }
        /* text no reader recognises is read as plain text (choose), said with vote 0 */
        if (!rd && !in_blank(buf, end) && !memchr(buf, 0, end)) rd = &rd_text;
        *fmt = rd ? &rd->pub : NULL;
    }
    free(buf);
    in_src_end(&s);
    free(zb);
    return rc;
}
