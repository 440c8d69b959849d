/* input.c — from paths to records: the first stage of the pipeline.
 *
 * Walks files and directories (sorted, dotfiles skipped), undoes gzip and
 * zstd found by magic bytes and converts UTF-16 to UTF-8, picks a reader
 * (reader.h) by --input-format or by a vote over the first lines, and
 * streams the input through a buffer that carries the unfinished record
 * over to the next block. Then it completes each record (_raw,
 * _messageTime, _sourceName, _sourceCategory) and hands it to the
 * engine's callback. Malformed records are counted and reported.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include "reader.h"
#include "json.h"
#include "prefilter.h"
#include "progress.h"
#include "schema.h"
#include "datetime.h"

#define IN_BLOCK ((size_t)1 << 20)     /* first buffer size and read size */
#define IN_PROBE ((size_t)64 << 10)    /* bytes looked at to pick a format */
#define IN_DOCMAX ((size_t)1 << 30)    /* JSON documents read whole to find their records' reader */
#define IN_MAXREC ((size_t)64 << 20)   /* longest record */
#define IN_ZBUF ((size_t)256 << 10)    /* compressed bytes read at a time */
#define IN_MAXDEPTH 32                 /* directory nesting followed */
#define IN_PARMIN ((size_t)4 << 20)    /* smallest file read by several threads */
#define IN_MAXLANES 64
#define IN_LANEREPORTS 16              /* malformed records a lane remembers for the report */
#define IN_LANEAHEAD ((size_t)64 << 10) /* a lane reads on when fewer bytes are left */
#define IN_VOTE 20                     /* first non-blank lines the format vote looks at */
#define IN_VOTE_FAR 5000               /* most lines of the window searched further when none of those is any reader's */
#define IN_FOLLOW_MS 100               /* --follow: how often a file's end is looked at again */

/* ---- tables ------------------------------------------------------- */

static const char *const reason_names[] = {
#define X(id, text) text,
    RD_REASONS(X)
#undef X
};

/* See input.h. */
const char *in_reason_name(unsigned i) { return i < RD_NREASON ? reason_names[i] : NULL; }

/* See input.h: generated from RD_READERS in reader.h. */
const rd_format_t *const rd_formats[] = {
#define X(r) &r.pub,
    RD_READERS(X)
#undef X
    NULL};

static const rd_impl_t *const readers[] = {
#define X(r) &r,
    RD_READERS(X)
#undef X
};
#define NREADERS (sizeof readers / sizeof readers[0])
_Static_assert(NREADERS <= IN_MAXFORMATS, "in_stats_t.fmt_records is too small for RD_READERS");
_Static_assert(RD_NREASON <= sizeof((in_stats_t *)0)->reasons / sizeof(uint64_t), "in_stats_t.reasons is too small");

/* ---- byte sources: a file or memory, maybe compressed ---------------- */

enum { SRC_PLAIN, SRC_GZIP, SRC_ZSTD };

/* Text encoding of the decoded bytes. */
enum { U16_UNKNOWN, U16_NO, U16_LE, U16_BE };
#define IN_U16BUF ((size_t)64 << 10)   /* UTF-16 bytes converted at a time */

/* One input's bytes. */
typedef struct src {
    int fd;                 /* -1 for a memory input */
    const char *path;       /* the file's path (follow: reopened when replaced), NULL for stdin/memory */
    const in_opts_t *o;     /* follow and stop */
    bool own_fd;            /* fd was opened here (not stdin) */
    const char *mem;        /* memory input (borrowed) */
    size_t memn, memoff;
    size_t chunk;           /* memory input: bytes per read, 0 = all */
    int kind;               /* SRC_* */
    unsigned char *zb;      /* raw bytes read ahead (owned by the run) */
    size_t zcap;            /* its size */
    size_t zoff, zlen;      /* unread part zb[zoff..zlen) */
    bool raw_eof;           /* no raw bytes left beyond zb */
    z_stream zs;            /* gzip state */
    bool zs_live;           /* inflateInit2 done */
    ZSTD_DStream *zd;       /* zstd state */
    size_t zlast;           /* zstd: last return (0 = at a frame end) */
    const char *err;        /* a decoder error message, NULL = see errno */
    int errnum;             /* errno of a read error */
    int u16;                /* U16_*: UTF-16 text is converted to UTF-8 */
    unsigned char *ub;      /* UTF-16 bytes read ahead (owned, allocated when needed) */
    size_t uoff, ulen;      /* unread part ub[uoff..ulen) */
    bool ueof;              /* no UTF-16 bytes left beyond ub */
    char ob[4];             /* one converted character not yet handed out */
    uint8_t ooff, olen;
} src_t;

/* --follow at a file's end: wait IN_FOLLOW_MS, then reopen the path when
 * it names another file now (rotated) or rewind when the file shrank
 * (truncated). Returns false when the run should end (stop flag). */
static bool follow_wait(src_t *s) {
    if (s->o->stop && *s->o->stop) return false;
    struct timespec ts = {0, IN_FOLLOW_MS * 1000000L};
    nanosleep(&ts, NULL);
    if (s->o->stop && *s->o->stop) return false;
    struct stat a, b;
    if (fstat(s->fd, &a) != 0) return true;
    if (stat(s->path, &b) == 0 && (a.st_ino != b.st_ino || a.st_dev != b.st_dev)) {
        /* Read what is left of the old file first; reopen only when done. */
        off_t pos = lseek(s->fd, 0, SEEK_CUR);
        if (pos >= 0 && pos < a.st_size) return true;
        int fd = open(s->path, O_RDONLY | O_CLOEXEC);
        if (fd >= 0) {
            if (s->own_fd) close(s->fd);
            s->fd = fd;
            s->own_fd = true;
            fprintf(stderr, "postern: %s: file replaced, following the new one\n", s->path);
        }
        return true;
    }
    off_t pos = lseek(s->fd, 0, SEEK_CUR);
    if (pos > 0 && a.st_size < pos) {
        lseek(s->fd, 0, SEEK_SET);
        fprintf(stderr, "postern: %s: file truncated, reading from its start\n", s->path);
    }
    return true;
}

/* Raw bytes into dst, EINTR-safe. Returns the count, 0 at the end, -1 on error.
 * Following a file, its end is waited past (follow_wait). */
static long raw_read(src_t *s, void *dst, size_t cap) {
    if (s->fd < 0) {
        size_t k = s->memn - s->memoff;
        if (k > cap) k = cap;
        if (s->chunk && k > s->chunk) k = s->chunk;
        memcpy(dst, s->mem + s->memoff, k);
        s->memoff += k;
        return (long)k;
    }
    for (;;) {
        ssize_t k = read(s->fd, dst, cap);
        if (k > 0) progress_add((uint64_t)k);
        if (k == 0 && s->path && s->o->follow) {
            if (follow_wait(s)) continue;
            return 0;
        }
        if (k >= 0) return (long)k;
        if (errno == EINTR && s->o && s->o->stop && *s->o->stop) return 0; /* asked to stop */
        if (errno != EINTR) {
            s->errnum = errno;
            return -1;
        }
    }
}

/* Append raw bytes to zb (compacting first). Returns false on error. */
static bool raw_fill(src_t *s) {
    if (s->raw_eof) return true;
    if (s->zoff) {
        memmove(s->zb, s->zb + s->zoff, s->zlen - s->zoff);
        s->zlen -= s->zoff;
        s->zoff = 0;
    }
    if (s->zlen == s->zcap) return true;
    long k = raw_read(s, s->zb + s->zlen, s->zcap - s->zlen);
    if (k < 0) return false;
    if (k == 0) s->raw_eof = true;
    s->zlen += (size_t)k;
    return true;
}

/* Read the magic bytes and set up the decoder. */
static bool src_start(src_t *s) {
    while (s->zlen < 4 && !s->raw_eof)
        if (!raw_fill(s)) return false;
    const unsigned char *m = s->zb;
    if (s->zlen >= 2 && m[0] == 0x1f && m[1] == 0x8b) {
        s->kind = SRC_GZIP;
        memset(&s->zs, 0, sizeof s->zs);
        if (inflateInit2(&s->zs, 16 + MAX_WBITS) != Z_OK) {
            s->err = "cannot start gzip decoding";
            return false;
        }
        s->zs_live = true;
    } else if (s->zlen >= 4 && m[0] == 0x28 && m[1] == 0xb5 && m[2] == 0x2f && m[3] == 0xfd) {
        s->kind = SRC_ZSTD;
        s->zd = ZSTD_createDStream();
        if (!s->zd || ZSTD_isError(ZSTD_initDStream(s->zd))) {
            s->err = "cannot start zstd decoding";
            return false;
        }
        s->zlast = 1;
    }
    return true;
}

static void src_end(src_t *s) {
    free(s->ub);
    if (s->zs_live) inflateEnd(&s->zs);
    if (s->zd) ZSTD_freeDStream(s->zd);
    if (s->own_fd) close(s->fd);
}

/* gzip: decode into dst; multi-member files go on with the next member;
 * bytes after the last member that are not a gzip header are ignored. */
static long gz_read(src_t *s, char *dst, size_t cap) {
    for (;;) {
        if (s->zoff == s->zlen && !s->raw_eof && !raw_fill(s)) return -1;
        if (s->zoff == s->zlen && s->raw_eof) {
            s->err = "unexpected end of gzip data";
            return -1;
        }
        s->zs.next_in = s->zb + s->zoff;
        s->zs.avail_in = (uInt)(s->zlen - s->zoff);
        s->zs.next_out = (Bytef *)dst;
        s->zs.avail_out = (uInt)cap;
        int rc = inflate(&s->zs, Z_NO_FLUSH);
        s->zoff = s->zlen - s->zs.avail_in;
        size_t got = cap - s->zs.avail_out;
        if (rc == Z_STREAM_END) {
            while (s->zlen - s->zoff < 2 && !s->raw_eof)
                if (!raw_fill(s)) return -1;
            if (s->zlen - s->zoff >= 2 && s->zb[s->zoff] == 0x1f && s->zb[s->zoff + 1] == 0x8b) {
                inflateReset(&s->zs);
            } else {
                s->kind = -1; /* done: the rest is ignored */
            }
            if (got || s->kind < 0) return (long)got;
            continue;
        }
        if (rc != Z_OK && rc != Z_BUF_ERROR) {
            s->err = "invalid gzip data";
            return -1;
        }
        if (got) return (long)got;
    }
}

/* zstd: decode into dst; concatenated frames are decoded in turn. */
static long zs_read(src_t *s, char *dst, size_t cap) {
    for (;;) {
        if (s->zoff == s->zlen && !s->raw_eof && !raw_fill(s)) return -1;
        if (s->zoff == s->zlen && s->raw_eof) {
            if (s->zlast != 0) {
                s->err = "unexpected end of zstd data";
                return -1;
            }
            return 0;
        }
        ZSTD_inBuffer in = {s->zb, s->zlen, s->zoff};
        ZSTD_outBuffer out = {dst, cap, 0};
        size_t rc = ZSTD_decompressStream(s->zd, &out, &in);
        s->zoff = in.pos;
        if (ZSTD_isError(rc)) {
            s->err = "invalid zstd data";
            return -1;
        }
        s->zlast = rc;
        if (out.pos) return (long)out.pos;
    }
}

/* Decoded bytes into dst[0..cap). Returns the count, 0 at the end, -1 on error. */
static long src_read(src_t *s, char *dst, size_t cap) {
    switch (s->kind) {
    case SRC_GZIP: return gz_read(s, dst, cap);
    case SRC_ZSTD: return zs_read(s, dst, cap);
    case SRC_PLAIN:
        if (s->zoff < s->zlen) {
            size_t k = s->zlen - s->zoff;
            if (k > cap) k = cap;
            memcpy(dst, s->zb + s->zoff, k);
            s->zoff += k;
            return (long)k;
        }
        if (s->raw_eof) return 0;
        return raw_read(s, dst, cap);
    default: return 0;
    }
}

/* ---- UTF-16 text -------------------------------------------------------- */

/* Make at least want unread UTF-16 bytes available unless the input ends.
 * Returns false on a read error. */
static bool u16_fill(src_t *s, size_t want) {
    while (s->ulen - s->uoff < want && !s->ueof) {
        if (s->uoff) {
            memmove(s->ub, s->ub + s->uoff, s->ulen - s->uoff);
            s->ulen -= s->uoff;
            s->uoff = 0;
        }
        long k = src_read(s, (char *)s->ub + s->ulen, IN_U16BUF - s->ulen);
        if (k < 0) return false;
        if (k == 0) s->ueof = true;
        s->ulen += (size_t)k;
    }
    return true;
}

/* The next code unit, or -1 at the end (a lone last byte is dropped). */
static long u16_unit(src_t *s) {
    if (s->ulen - s->uoff < 2) return -1;
    const unsigned char *b = s->ub + s->uoff;
    s->uoff += 2;
    return s->u16 == U16_LE ? (long)(b[0] | b[1] << 8) : (long)(b[0] << 8 | b[1]);
}

/* Encode code point cp as UTF-8 into o; returns the length. */
static uint8_t utf8_put(unsigned long cp, char *o) {
    if (cp < 0x80) {
        o[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (char)(0xC0 | cp >> 6);
        o[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (char)(0xE0 | cp >> 12);
        o[1] = (char)(0x80 | (cp >> 6 & 0x3F));
        o[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (char)(0xF0 | cp >> 18);
    o[1] = (char)(0x80 | (cp >> 12 & 0x3F));
    o[2] = (char)(0x80 | (cp >> 6 & 0x3F));
    o[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* Decide the encoding from the first decoded bytes: a UTF-16 byte-order
 * mark, or two ASCII characters each paired with a zero byte (XML saved
 * as UTF-16 without a mark). Text logs never hold NUL bytes. */
static bool u16_start(src_t *s) {
    s->ub = xmalloc(IN_U16BUF);
    if (!u16_fill(s, 4)) return false;
    const unsigned char *b = s->ub;
    size_t n = s->ulen;
    if (n >= 2 && b[0] == 0xFF && b[1] == 0xFE) s->u16 = U16_LE, s->uoff = 2;
    else if (n >= 2 && b[0] == 0xFE && b[1] == 0xFF) s->u16 = U16_BE, s->uoff = 2;
    else if (n >= 4 && b[0] && b[0] < 0x80 && !b[1] && b[2] && b[2] < 0x80 && !b[3]) s->u16 = U16_LE;
    else if (n >= 4 && !b[0] && b[1] && b[1] < 0x80 && !b[2] && b[3] && b[3] < 0x80) s->u16 = U16_BE;
    else s->u16 = U16_NO;
    return true;
}

/* Text bytes into dst[0..cap): src_read, with UTF-16 input converted to
 * UTF-8 (unpaired surrogates become U+FFFD). Returns the count, 0 at the
 * end, -1 on error. */
static long text_read(src_t *s, char *dst, size_t cap) {
    if (s->u16 == U16_UNKNOWN && !u16_start(s)) return -1;
    if (s->u16 == U16_NO) {
        if (s->uoff < s->ulen) { /* the bytes read to decide */
            size_t k = s->ulen - s->uoff < cap ? s->ulen - s->uoff : cap;
            memcpy(dst, s->ub + s->uoff, k);
            s->uoff += k;
            return (long)k;
        }
        return src_read(s, dst, cap);
    }
    size_t out = 0;
    while (out < cap) {
        if (s->ooff < s->olen) {
            dst[out++] = s->ob[s->ooff++];
            continue;
        }
        if (!u16_fill(s, 4)) return -1;
        long u = u16_unit(s);
        if (u < 0) break;
        unsigned long cp = (unsigned long)u;
        if (cp >= 0xD800 && cp <= 0xDBFF) {
            size_t save = s->uoff;
            long lo = u16_unit(s);
            if (lo >= 0xDC00 && lo <= 0xDFFF) cp = 0x10000 + ((cp - 0xD800) << 10) + ((unsigned long)lo - 0xDC00);
            else {
                s->uoff = save;
                cp = 0xFFFD;
            }
        } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
            cp = 0xFFFD;
        }
        s->olen = utf8_put(cp, s->ob);
        s->ooff = 0;
    }
    return (long)out;
}

/* ---- the run -------------------------------------------------------- */

/* State of one input_run call. */
typedef struct run {
    const in_opts_t *o;      /* options (borrowed) */
    const rd_impl_t *force;  /* --input-format, NULL = probe */
    unsigned max_reports;
    ftab_t *ft;              /* borrowed */
    in_cb_t cb;              /* the engine's record callback */
    void *ud;                /* its argument */
    in_stats_t *st;          /* borrowed */
    int rc;                  /* 0, 2 after an I/O error */
    int stop;                /* the callback's non-zero value */
    char *buf;               /* the input buffer, owned */
    size_t cap;
    unsigned char *zb;       /* raw read-ahead, owned */
    size_t zcap;             /* its size */
    arena_t arena;           /* the batch arena, owned */
    record_t rec;            /* the record, owned */
    rd_ctx_t ctx;            /* reader context */
    size_t chunk;            /* memory inputs: bytes per read */
    const in_par_t *par;     /* lanes and prefilter (borrowed) */
    uint64_t fileno;         /* inputs opened so far: the high bits of seq */
} run_t;

static void io_error(run_t *r, const char *name, const src_t *s) {
    fprintf(stderr, "postern: %s: %s\n", name, s->err ? s->err : strerror(s->errnum ? s->errnum : EIO));
    r->rc = 2;
}

/* Fill in what the reader leaves to the input layer: _raw, _messageTime
 * (the reader's own, else the first timestamp field that parses),
 * _sourceCategory (the record's, else --category, else the reader's
 * default), _sourceName. */
static void complete(rd_ctx_t *c, record_t *rec, const in_opts_t *o, const char *name, uint64_t line, uint64_t seq) {
    rec->file = name;
    rec->line = line;
    rec->seq = seq;
    rec->raw = (c->spmask & (1u << RD_SP_RAW)) ? c->raw : c->text;
    rec_set(rec, F_RAW, val_strv(rec->raw));

    bool timed = c->has_time;
    if (timed) rec_set(rec, F_MESSAGETIME, val_num((double)c->time_ms));
    for (int k = RD_SP_RAW + 1; k < RD_NSPECIAL && !timed; k++) {
        int64_t ms;
        if (!(c->spmask >> k & 1)) continue;
        double d;
        /* Sumo's own time fields are epoch milliseconds whatever their size. */
        if ((k == RD_SP_MTIMEMS || k == RD_SP_MTIME || k == RD_SP_RECEIPTTIME) && str_to_num(c->spv[k], &d) &&
            d == (double)(int64_t)d) {
            rec_set(rec, F_MESSAGETIME, val_num(d));
            timed = true;
        } else if (dt_parse(c->spv[k], &ms)) {
            rec_set(rec, F_MESSAGETIME, val_num((double)ms));
            timed = true;
        }
    }
    if (!timed && rec_get(rec, F_MESSAGETIME).t != V_NULL) rec_unset(rec, F_MESSAGETIME);
    if (rec_get(rec, F_SOURCECATEGORY).t == V_NULL) {
        if (o->category) rec_set(rec, F_SOURCECATEGORY, val_strv(pstr_c(o->category)));
        else if (c->defcat.n) rec_set(rec, F_SOURCECATEGORY, val_strv(c->defcat));
    }
    if (rec_get(rec, F_SOURCENAME).t == V_NULL) rec_set(rec, F_SOURCENAME, val_strv(pstr_c(name)));
}

/* Complete the record and call the callback. */
static void deliver(run_t *r, const char *name, uint64_t line, uint64_t off) {
    complete(&r->ctx, &r->rec, r->o, name, line, r->fileno << 44 | off);
    r->st->records++;
    int rc = r->cb(&r->rec, r->ud);
    if (rc) r->stop = rc;
}

static void reject(run_t *r, const char *name, uint64_t line, unsigned reason, unsigned *nrep) {
    r->st->rejected++;
    if (reason < RD_NREASON) r->st->reasons[reason]++;
    if (r->o->quiet) return;
    if (*nrep < r->max_reports)
        fprintf(stderr, "%s:%llu: skipped: %s\n", name, (unsigned long long)line, in_reason_name(reason));
    (*nrep)++;
}

/* Columns of the prefilter's fields in one CSV input, found once the
 * header has been read. */
typedef struct pfcols {
    int col[32];
    unsigned ncol;   /* the header's width */
    bool ready;
} pfcols_t;

/* True when the CSV row at p[0..n) (the whole rest of the buffer) is
 * complete and certainly fails the prefilter, with *len its length
 * including the newline. */
static bool csv_dropped(const pf_t *pf, const rd_impl_t *fmt, void *st, pfcols_t *pc, const char *p, size_t n,
                        size_t *len) {
    const char *nl = memchr(p, '\n', n);
    if (!nl) return false;
    size_t k = (size_t)(nl - p);
    *len = k + 1;
    /* Blank lines are the reader's; so are rows with quotes (pf_csv says
     * "maybe" when it meets one). */
    size_t i = 0;
    while (i < k && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r')) i++;
    if (i == k || !fmt->colmap) return false;
    if (!pc->ready) {
        uint32_t nf = pf_nfields(pf);
        for (uint32_t f = 0; f < nf && f < 32; f++) {
            pc->col[f] = fmt->colmap(st, pf_field(pf, f));
            if (pc->col[f] == -2) return false; /* before the header */
        }
        int w = fmt->colmap(st, FIELD_NONE);
        if (w < 0) return false;
        pc->ncol = (unsigned)w;
        pc->ready = true;
    }
    return pf_csv(pf, pc->col, pc->ncol, p, k) == PF_NO;
}

/* How many records from the start of p[0..n) (the whole rest of the
 * buffer) certainly fail the prefilter, one after the other: they are
 * dropped unread, *len gets the bytes they take. Only for readers whose
 * raw keys or columns are the field names (fmt->prefilter). */
static uint64_t prefiltered(const pf_t *pf, const rd_impl_t *fmt, void *st, pfcols_t *pc, const char *p, size_t n,
                            size_t *len) {
    *len = 0;
    if (fmt->prefilter == 1) return pf_jsonl_drop(pf, p, n, len);
    if (fmt->prefilter != 2) return 0;
    uint64_t k = 0;
    size_t one;
    while (*len < n && csv_dropped(pf, fmt, st, pc, p + *len, n - *len, &one)) {
        *len += one;
        k++;
    }
    return k;
}

/* Reset what a reader sets per record. */
static void ctx_clear(rd_ctx_t *c, record_t *rec) {
    rec_clear(rec);
    c->spmask = 0;
    c->has_time = false;
    c->defcat = PSTR_NULL;
    c->text = PSTR_NULL;
    c->rec_off = 0;
}

/* The input's reader fmt skipped the last line of p[0..used) as no record
 * of its format: the other mux reader that scores that line best (50 or
 * more) reads it, with its own state in c->mux_st. Returns that reader's
 * answer (RD_REC or RD_REJECT, *off at the line) or RD_SKIP. */
static rd_status_t mux_line(const rd_impl_t *fmt, rd_ctx_t *c, record_t *rec, const char *p, size_t used,
                            size_t *off) {
    if (!used) return RD_SKIP;
    size_t le = used, ls = used - 1; /* p[used-1] is the line's '\n' (or its last byte at the end) */
    while (ls > 0 && p[ls - 1] != '\n') ls--;
    pstr_t t = pstr_trim(pstr(p + ls, le - ls));
    if (!t.n) return RD_SKIP;
    rd_line_t l = {.text = t};
    sl_parse(t, NULL, &l.sl);
    size_t best = NREADERS;
    int bs = 49;
    for (size_t k = 0; k < NREADERS; k++) {
        if (!readers[k]->mux || readers[k] == fmt || !readers[k]->line) continue;
        int sc = readers[k]->line(&l);
        if (sc > bs) {
            bs = sc;
            best = k;
        }
    }
    if (best == NREADERS) return RD_SKIP;
    void *own = c->st;
    if (!c->mux_st[best]) c->mux_st[best] = readers[best]->open(c);
    c->st = c->mux_st[best];
    ctx_clear(c, rec);
    size_t u = 0;
    rd_status_t rs = readers[best]->next(c, p + ls, le - ls, true, &u, rec);
    c->st = own;
    if (rs != RD_REC && rs != RD_REJECT) {
        ctx_clear(c, rec);
        return RD_SKIP;
    }
    *off = ls + (c->rec_off < le - ls ? c->rec_off : 0);
    if (rs == RD_REC) c->mux_recs[best]++;
    return rs;
}

/* Close the mux readers' states of c and move their record counts from
 * reader index fidx to theirs in st (when st is not NULL). */
static void mux_done(rd_ctx_t *c, size_t fidx, in_stats_t *st) {
    for (size_t k = 0; k < NREADERS; k++) {
        if (c->mux_st[k]) readers[k]->close(c->mux_st[k]);
        c->mux_st[k] = NULL;
        if (st && c->mux_recs[k] && k < IN_MAXFORMATS && fidx < IN_MAXFORMATS) {
            st->fmt_records[fidx] -= c->mux_recs[k];
            st->fmt_records[k] += c->mux_recs[k];
        }
        c->mux_recs[k] = 0;
    }
}

/* One record, or one line the prefilter drops, from p[0..n): the step the
 * serial loop and the thread lanes share. Resets the context, runs the
 * reader, turns a record longer than IN_MAXREC into a rejection and
 * advances *line. *used gets the bytes consumed, *off the record's offset
 * in p and *at its line. Lines the prefilter drops (a run of them) are
 * counted in st and reported as RD_SKIP with *dropped set. */
static rd_status_t read_step(const run_t *r, const rd_impl_t *fmt, rd_ctx_t *c, record_t *rec, pfcols_t *pc,
                             const char *p, size_t n, bool eof, uint64_t *line, in_stats_t *st, size_t *used,
                             size_t *off, uint64_t *at, bool *dropped) {
    const pf_t *pf = r->par ? r->par->pf : NULL;
    *dropped = false;
    uint64_t k = pf ? prefiltered(pf, fmt, c->st, pc, p, n, used) : 0;
    if (k) {
        st->records += k;
        st->prefiltered += k;
        *off = 0;
        *at = *line;
        *line += k;
        *dropped = true;
        return RD_SKIP;
    }
    ctx_clear(c, rec);
    *used = 0;
    rd_status_t rs = fmt->next(c, p, n, eof, used, rec);
    if (*used > n) *used = n;
    *off = c->rec_off < *used ? c->rec_off : *used;
    /* A line of another source in a syslog file (not when the user forced
     * one reader with --input-format). */
    if (rs == RD_SKIP && fmt->mux && !r->force)
        rs = mux_line(fmt, c, rec, p, *used, off);
    *at = *line + rd_count_nl(p, *off);
    *line = *at + rd_count_nl(p + *off, *used - *off);
    if (rs == RD_REC && *used - *off > IN_MAXREC) { /* ended within the last read */
        rs = RD_REJECT;
        c->reason = RD_R_LONG;
    }
    return rs;
}

/* ---- reading one file with several threads ---------------------------- */

/* One thread's share of a file: the byte range [lo, hi), read with
 * pread into the lane's own buffer. (Reading a mapping instead was twice
 * as slow here: every page faults in, and with two threads the faults and
 * TLB misses cost more than the copy pread makes.) */
typedef struct lane {
    run_t *r;                /* the run (read-only while lanes run) */
    const rd_impl_t *fmt;
    int fd;                  /* the file (shared; pread has its own offset) */
    size_t lo, hi;           /* this lane's records */
    size_t hdr_lo, hdr_hi;   /* the header, fed to the reader first */
    unsigned idx;            /* lane number: the callback argument */
    const char *name;
    rd_ctx_t ctx;            /* the lane's own reader context, record, arena */
    record_t rec;
    arena_t arena;
    in_stats_t st;           /* counts, added to the run's at the end */
    uint64_t nl;             /* '\n' in [lo, hi) when the lane read it all */
    bool done;               /* it read it all (no early stop) */
    uint64_t rep_line[IN_LANEREPORTS];   /* lane-relative lines of malformed records */
    unsigned rep_reason[IN_LANEREPORTS];
    uint64_t nrep;
    int stop;                /* the callback's non-zero value */
    int err;                 /* errno of a failed read, 0 */
    uint64_t quotes;         /* phase 1: '"' in the nominal range */
} lane_t;

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

/* Phase 1 for CSV: count the '"' of the lane's nominal range. */
static void *lane_count_quotes(void *arg) {
    lane_t *L = arg;
    char *buf = xmalloc(IN_BLOCK);
    uint64_t k = 0;
    for (size_t off = L->lo; off < L->hi;) {
        size_t want = L->hi - off < IN_BLOCK ? L->hi - off : IN_BLOCK;
        long got = pread_full(L->fd, buf, want, off);
        if (got <= 0) {
            L->err = got < 0 ? errno : EIO;
            break;
        }
        for (const char *q = buf, *e = buf + got; q < e && (q = memchr(q, '"', (size_t)(e - q))) != NULL; q++) k++;
        off += (size_t)got;
    }
    free(buf);
    L->quotes = k;
    return NULL;
}

static void *lane_read(void *arg) {
    lane_t *L = arg;
    run_t *r = L->r;
    const rd_impl_t *fmt = L->fmt;
    rd_ctx_t *c = &L->ctx;
    c->ft = r->ft;
    c->arena = &L->arena;
    c->name = L->name;
    c->ref_ms = r->ctx.ref_ms;
    rec_init(&L->rec, &L->arena);
    c->st = fmt->open(c);
    size_t used = 0;
    if (L->hdr_hi > L->hdr_lo) { /* the CSV header maps the columns */
        size_t hn = L->hdr_hi - L->hdr_lo;
        char *h = xmalloc(hn);
        if (pread_full(L->fd, h, hn, L->hdr_lo) == (long)hn) fmt->next(c, h, hn, true, &used, &L->rec);
        free(h);
    }
    rec_clear(&L->rec);
    arena_reset(&L->arena);
    size_t cap = IN_BLOCK * 4, beg = 0, end = 0;
    char *buf = xmalloc(cap);
    uint64_t off0 = L->lo; /* file offset of buf[0] */
    bool eof = L->lo >= L->hi, more = false;
    uint64_t line = 1;
    pfcols_t pc = {.ready = false};
    while (!L->stop) {
        /* Read on when little is left or a record needs more: what is
         * left is moved to the buffer's start first, so keep it small. */
        if (!eof && (more || end - beg < IN_LANEAHEAD)) {
            if (beg) {
                memmove(buf, buf + beg, end - beg);
                off0 += beg;
                end -= beg;
                beg = 0;
            }
            if (end == cap) {
                if (cap > IN_MAXREC * 2) { /* a record longer than any allowed */
                    L->err = EFBIG;
                    break;
                }
                cap *= 2;
                buf = xrealloc(buf, cap);
            }
            size_t want = cap - end;
            if (want > L->hi - (off0 + end)) want = L->hi - (off0 + end);
            long got = pread_full(L->fd, buf + end, want, off0 + end);
            if (got < 0) {
                L->err = errno;
                break;
            }
            end += (size_t)got;
            progress_add((uint64_t)got);
            if (off0 + end >= L->hi || got == 0) eof = true;
            more = false;
        }
        if (beg >= end && eof) break;
        size_t off;
        uint64_t at;
        bool dropped;
        rd_status_t st = read_step(r, fmt, c, &L->rec, &pc, buf + beg, end - beg, eof, &line, &L->st, &used, &off,
                                   &at, &dropped);
        uint64_t recpos = off0 + beg + off;
        beg += used;
        if (dropped) continue;
        if (st == RD_REC) {
            complete(c, &L->rec, r->o, L->name, at, r->fileno << 44 | recpos);
            L->st.records++;
            int rc = r->par->cb(&L->rec, r->par->uds[L->idx]);
            if (rc) L->stop = rc;
        } else if (st == RD_REJECT) {
            L->st.rejected++;
            if (c->reason < RD_NREASON) L->st.reasons[c->reason]++;
            if (L->nrep < IN_LANEREPORTS) {
                L->rep_line[L->nrep] = at;
                L->rep_reason[L->nrep] = c->reason;
            }
            L->nrep++;
        } else if (st == RD_SKIP) {
            L->st.skipped++;
        }
        if (L->arena.total) arena_reset(&L->arena);
        if (st == RD_END || (st == RD_MORE && eof)) break;
        if (st == RD_MORE) more = true;
    }
    L->done = !L->stop && !L->err;
    L->nl = line - 1;
    free(buf);
    mux_done(c, 0, NULL); /* lanes read split formats, never mux ones: nothing to count */
    fmt->close(c->st);
    c->st = NULL;
    rec_free(&L->rec);
    arena_free(&L->arena);
    return NULL;
}

/* Run fn on every lane, each in its own thread (lane 0 in this one). */
static void lanes_run(lane_t *L, unsigned n, void *(*fn)(void *)) {
    pthread_t th[IN_MAXLANES];
    bool started[IN_MAXLANES] = {false};
    for (unsigned i = 1; i < n; i++) started[i] = pthread_create(&th[i], NULL, fn, &L[i]) == 0;
    for (unsigned i = 1; i < n; i++)
        if (!started[i]) fn(&L[i]); /* no thread: do it here */
    fn(&L[0]);
    for (unsigned i = 1; i < n; i++)
        if (started[i]) pthread_join(th[i], NULL);
}

/* Count '\n' in the file's bytes [lo, hi) (for line numbers in reports). */
static uint64_t count_nl_at(int fd, size_t lo, size_t hi) {
    char *buf = xmalloc(IN_BLOCK);
    uint64_t k = 0;
    for (size_t off = lo; off < hi;) {
        size_t want = hi - off < IN_BLOCK ? hi - off : IN_BLOCK;
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
static size_t next_cut(int fd, size_t pos, size_t size, bool quotes, uint64_t q) {
    char buf[65536];
    for (size_t off = pos; off < size;) {
        size_t want = size - off < sizeof buf ? size - off : sizeof buf;
        long got = pread_full(fd, buf, want, off);
        if (got <= 0) return size;
        for (long j = 0; j < got; j++) {
            if (buf[j] == '"' && quotes) q ^= 1;
            else if (buf[j] == '\n' && !q) return off + (size_t)j + 1;
        }
        off += (size_t)got;
    }
    return size;
}

/* Read a plain regular file of size bytes with r->par->nthreads threads.
 * beg is the offset after a BOM. Returns false (nothing delivered) when its
 * first record is not found in the first 64 MiB: the caller then reads it
 * serially. */
static bool par_input(run_t *r, const rd_impl_t *fmt, int fd, size_t size, const char *name, size_t beg) {
    /* Where the records start: after the CSV header. */
    size_t data = beg;
    if (fmt->split == 2) {
        rd_ctx_t c0;
        memset(&c0, 0, sizeof c0);
        arena_t a0 = {0};
        record_t r0;
        rec_init(&r0, &a0);
        c0.ft = r->ft;
        c0.arena = &a0;
        c0.name = name;
        c0.st = fmt->open(&c0);
        size_t win = IN_BLOCK;
        char *buf = NULL;
        rd_status_t st = RD_MORE;
        for (;;) {
            if (win > size - beg) win = size - beg;
            buf = xrealloc(buf, win ? win : 1);
            long got = pread_full(fd, buf, win, beg);
            if (got < 0) break;
            size_t used = 0;
            st = fmt->next(&c0, buf, (size_t)got, (size_t)got == size - beg, &used, &r0);
            if (st != RD_MORE || (size_t)got == size - beg || win >= IN_MAXREC) break;
            win *= 2;
            /* start over: the reader's state saw a partial header */
            fmt->close(c0.st);
            c0.st = fmt->open(&c0);
        }
        bool ok = st == RD_REC || st == RD_REJECT;
        data = beg + c0.rec_off;
        fmt->close(c0.st);
        free(buf);
        rec_free(&r0);
        arena_free(&a0);
        if (!ok) return false;
    }

    unsigned n = r->par->nthreads < IN_MAXLANES ? r->par->nthreads : IN_MAXLANES;
    lane_t *L = xcalloc(n, sizeof *L);
    size_t b[IN_MAXLANES + 1];
    for (unsigned i = 0; i <= n; i++) b[i] = data + (size_t)((double)(size - data) * i / n);
    for (unsigned i = 0; i < n; i++) {
        L[i] = (lane_t){.r = r, .fmt = fmt, .fd = fd, .lo = b[i], .hi = b[i + 1], .idx = i, .name = name,
                        .hdr_lo = beg, .hdr_hi = data};
    }
    /* Move each cut to the start of a record: after a newline, and for CSV
     * one outside quotes (an even number of '"' since the data start;
     * RFC 4180 doubles the quotes inside a quoted cell). */
    uint64_t parity = 0;
    if (fmt->split == 2) lanes_run(L, n, lane_count_quotes);
    for (unsigned i = 1; i < n; i++) {
        if (fmt->split == 2) parity ^= L[i - 1].quotes & 1;
        if (b[i - 1] >= b[i]) { /* the previous cut moved past this one */
            b[i] = b[i - 1];
            continue;
        }
        char prev = 0;
        if (b[i] > data && pread_full(fd, &prev, 1, b[i] - 1) == 1 && prev == '\n' && !parity) continue;
        b[i] = next_cut(fd, b[i], size, fmt->split == 2, parity);
    }
    for (unsigned i = 0; i < n; i++) {
        L[i].lo = b[i];
        L[i].hi = i + 1 < n ? b[i + 1] : size;
        L[i].err = 0;
    }
    r->ft->mt = true; /* lanes may intern names (want_all) */
    lanes_run(L, n, lane_read);
    r->ft->mt = false;

    /* Counts, then the malformed-record reports in file order. */
    uint64_t base = 1, shown = 0, total = 0;
    bool need_base = false;
    for (unsigned i = 0; i < n; i++) need_base |= L[i].nrep > 0;
    if (need_base) base += count_nl_at(fd, 0, L[0].lo);
    for (unsigned i = 0; i < n; i++) {
        in_stats_t *s = &L[i].st;
        r->st->records += s->records;
        r->st->rejected += s->rejected;
        r->st->prefiltered += s->prefiltered;
        r->st->skipped += s->skipped;
        for (unsigned k = 0; k < RD_NREASON; k++) r->st->reasons[k] += s->reasons[k];
        for (uint64_t k = 0; k < L[i].nrep && k < IN_LANEREPORTS; k++, shown++)
            if (!r->o->quiet && shown < r->max_reports)
                fprintf(stderr, "%s:%llu: skipped: %s\n", name, (unsigned long long)(base + L[i].rep_line[k] - 1),
                        in_reason_name(L[i].rep_reason[k]));
        total += L[i].nrep;
        if (L[i].stop && !r->stop) r->stop = L[i].stop;
        if (L[i].err && !r->rc) {
            fprintf(stderr, "postern: %s: %s\n", name, strerror(L[i].err));
            r->rc = 2;
        }
        if (i + 1 < n && L[i + 1].nrep) base += L[i].done ? L[i].nl : count_nl_at(fd, L[i].lo, L[i].hi);
    }
    if (!r->o->quiet && total > r->max_reports)
        fprintf(stderr, "%s: %llu more malformed records skipped\n", name, (unsigned long long)(total - r->max_reports));
    free(L);
    return true;
}

/* When none of the first lines is any reader's (a syslog file where other
 * daemons speak first), the rest of p[from..n) is searched, up to
 * IN_VOTE_FAR more lines, for syslog lines a reader recognises: the reader
 * recognising most of them wins, with the vote 1 (a format found far in,
 * among other lines). NULL when there is none. */
static const rd_impl_t *pick_far(const char *p, size_t n, size_t from, int *score) {
    unsigned hits[NREADERS] = {0};
    size_t i = from;
    for (unsigned k = 0; i < n && k < IN_VOTE_FAR; k++) {
        const char *e = memchr(p + i, '\n', n - i);
        if (!e) break; /* a cut last line is not looked at */
        pstr_t t = pstr_trim(pstr(p + i, (size_t)(e - (p + i))));
        i = (size_t)(e - p) + 1;
        if (!t.n) continue;
        rd_line_t l = {.text = t};
        sl_parse(t, NULL, &l.sl);
        if (l.sl.kind == SL_NONE) continue; /* only syslog lines: not any file with a '{' line */
        for (size_t r = 0; r < NREADERS; r++)
            if (readers[r]->line && readers[r]->line(&l) > 0) hits[r]++;
    }
    size_t best = 0;
    for (size_t r = 1; r < NREADERS; r++)
        if (hits[r] > hits[best]) best = r;
    if (!hits[best]) return NULL;
    *score = 1;
    return readers[best];
}

/* The reader for an input whose first bytes are p[0..n) (eof: that is
 * all of it); NULL when no reader recognises them. Each reader scores the
 * input as a whole (probe: formats known by a header or a document start)
 * and each of the first IN_VOTE non-blank lines, syslog header stripped
 * (line); its vote is the better of the probe and the lines' average, so
 * a format wins on most lines even when others are mixed in. A line cut
 * by the end of the window counts only when it is the first. Ties go to
 * the reader listed first. *score gets the winner's vote. */
static const rd_impl_t *pick(const char *p, size_t n, bool eof, int *score) {
    rd_line_t lines[IN_VOTE];
    unsigned nl = 0;
    size_t i = n >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
    while (i < n && nl < IN_VOTE) {
        const char *e = memchr(p + i, '\n', n - i);
        if (!e && !eof && nl) break;
        size_t le = e ? (size_t)(e - p) : n;
        pstr_t t = pstr_trim(pstr(p + i, le - i));
        i = e ? le + 1 : n;
        if (!t.n) continue;
        lines[nl].text = t;
        sl_parse(t, NULL, &lines[nl].sl);
        nl++;
    }
    const rd_impl_t *best = NULL;
    int bs = 0;
    for (size_t k = 0; k < NREADERS; k++) {
        const rd_impl_t *rd = readers[k];
        int sc = rd->probe ? rd->probe(p, n) : 0;
        if (rd->line && nl) {
            long sum = 0;
            for (unsigned j = 0; j < nl; j++) sum += rd->line(&lines[j]);
            int v = (int)(sum / nl);
            if (!v && sum) v = 1;
            if (v > sc) sc = v;
        }
        if (sc > bs) {
            bs = sc;
            best = rd;
        }
    }
    if (!best) best = pick_far(p, n, i, &bs);
    *score = bs;
    return best;
}

/* Index of fmt in readers[] (and rd_formats[]). */
static size_t reader_index(const rd_impl_t *fmt) {
    for (size_t k = 0; k < NREADERS; k++)
        if (readers[k] == fmt) return k;
    return 0;
}

/* Now, epoch ms. */
static int64_t now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static bool all_blank(const char *p, size_t n) {
    size_t i = 0;
    if (n >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0) i = 3;
    return json_ws(p, n, i) == n;
}

/* Read one input (a file, stdin, or memory) through its reader. A file
 * found by walking a directory (walked) that no reader recognises is
 * skipped quietly (READMEs, scripts); a named one is an error. */
/* JSON documents of records: a top-level array of objects, or objects
 * written over several lines (jq's pretty print, a SIEM's export, the OCSF
 * and ECS examples), hold records that the one-object-a-line readers know.
 * doc_lines writes the top-level values of p[0..n) (the elements of an
 * array, or a sequence of values) to out, one a line, line breaks inside
 * them made blanks (JSON strings hold no raw line breaks); a value cut by
 * the end of p is left out. Returns the number of values written, 0 when
 * p is not JSON of that shape. */
static size_t doc_lines(const char *p, size_t n, buf_t *out) {
    size_t i = n >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0, k = 0;
    i = json_ws(p, n, i);
    bool arr = i < n && p[i] == '[';
    if (arr) i = json_ws(p, n, i + 1);
    while (i < n) {
        if (arr && p[i] == ']') break;
        if (p[i] != '{') return k; /* records are objects */
        size_t e = json_skip(p, n, i);
        if (e == (size_t)-1 || e > n) break; /* malformed, or cut by the window */
        for (size_t j = i; j < e; j++) buf_putc(out, p[j] == '\n' || p[j] == '\r' ? ' ' : p[j]);
        buf_putc(out, '\n');
        k++;
        i = json_ws(p, n, e);
        if (arr && i < n && p[i] == ',') i = json_ws(p, n, i + 1);
    }
    return k;
}

/* The reader for the records of a JSON document p[0..n) that the vote gave
 * to sumo-json (which keeps only top-level keys): the vote over its values
 * as lines (doc_lines into *out), when a reader with a schema of its own
 * (not plain jsonl) wins it with 70 or more; NULL otherwise. */
static const rd_impl_t *doc_pick(const char *p, size_t n, buf_t *out, int *score) {
    buf_clear(out);
    if (!doc_lines(p, n, out) || !out->n) return NULL;
    int sc = 0;
    const rd_impl_t *rd = pick(out->p, out->n, true, &sc);
    if (!rd || rd == &rd_sumo_json || rd == &rd_jsonl || sc < 70) return NULL;
    *score = sc;
    return rd;
}

static void run_input(run_t *r, const char *path, const char *name, const char *mem, size_t memn, bool is_mem,
                      bool walked);

/* A JSON document the vote gave to sumo-json: when doc_pick finds a
 * reader for the values in its first window, read it whole (up to
 * IN_DOCMAX) into r->buf after its first *end bytes and read its values as
 * a memory input through the reader doc_pick finds for all of them (line
 * numbers are then the values' numbers). Returns true when
 * it did; false leaves the input to sumo-json, with r->buf[0..*end) read
 * so far. */
static bool read_doc(run_t *r, src_t *s, const char *name, bool walked, size_t *end, bool *eof) {
    buf_t out = {0};
    int sc;
    /* The first window's whole values decide whether to read on: a Sumo
     * page (one big object) never gets here, and stays streamed. */
    const rd_impl_t *rd = doc_pick(r->buf, *end, &out, &sc);
    if (!rd) {
        buf_free(&out);
        return false;
    }
    while (!*eof) {
        if (*end == r->cap) {
            if (r->cap >= IN_DOCMAX) {
                buf_free(&out);
                return false;
            }
            r->cap *= 2;
            r->buf = xrealloc(r->buf, r->cap);
        }
        long k = text_read(s, r->buf + *end, r->cap - *end);
        if (k < 0) {
            buf_free(&out);
            return false;
        }
        if (k == 0) *eof = true;
        *end += (size_t)k;
        r->st->bytes += (uint64_t)(k > 0 ? k : 0);
    }
    rd = doc_pick(r->buf, *end, &out, &sc);
    if (!rd) {
        buf_free(&out);
        return false;
    }
    /* The values as lines, read like a file of them: the run's counts keep
     * the document's bytes and one input. */
    uint64_t bytes = r->st->bytes, files = r->st->files;
    const rd_impl_t *force = r->force;
    r->force = rd;
    run_input(r, NULL, name, out.p, out.n, true, walked);
    r->force = force;
    r->st->bytes = bytes;
    r->st->files = files;
    buf_free(&out);
    return true;
}

static void run_input(run_t *r, const char *path, const char *name, const char *mem, size_t memn, bool is_mem,
                      bool walked) {
    src_t s;
    memset(&s, 0, sizeof s);
    s.fd = -1;
    s.o = r->o;
    s.zb = r->zb;
    s.zcap = r->zcap;
    if (is_mem) {
        s.mem = mem;
        s.memn = memn;
        s.chunk = r->chunk;
    } else if (!path) {
        s.fd = 0;
    } else {
        s.fd = open(path, O_RDONLY);
        if (s.fd < 0 && errno == ENOENT && r->o->follow) {
            /* Like tail -F: wait for the file to appear. */
            if (!r->o->quiet) fprintf(stderr, "postern: %s: not there yet, waiting for it\n", name);
            while (s.fd < 0 && errno == ENOENT && !(r->o->stop && *r->o->stop)) {
                struct timespec ts = {0, IN_FOLLOW_MS * 1000000L};
                nanosleep(&ts, NULL);
                s.fd = open(path, O_RDONLY);
            }
        }
        s.own_fd = s.fd >= 0;
        s.path = path;
        if (s.fd < 0) {
            s.errnum = errno;
            io_error(r, name, &s);
            return;
        }
    }
    r->st->files++;
    if (!src_start(&s)) {
        io_error(r, name, &s);
        src_end(&s);
        return;
    }

    /* first bytes, to probe */
    char *buf = r->buf;
    size_t beg = 0, end = 0;
    bool eof = false, failed = false;
    if (!r->force && r->cap < IN_PROBE) { /* the vote sees the same window whatever the buffer */
        r->cap = IN_PROBE;
        r->buf = buf = xrealloc(buf, r->cap);
    }
    size_t want = IN_PROBE < r->cap ? IN_PROBE : r->cap;
    /* Following, the first complete line is enough to vote on. */
    while (end < want && !eof && !(r->o->follow && end && memchr(buf, '\n', end))) {
        long k = text_read(&s, buf + end, r->cap - end);
        if (k < 0) {
            io_error(r, name, &s);
            failed = eof = true;
        } else if (k == 0) {
            eof = true;
        } else {
            end += (size_t)k;
        }
    }
    r->st->bytes += end;
    int score = 0;
    const rd_impl_t *fmt = r->force ? r->force : pick(buf, end, eof, &score);
    /* (Not with --follow: a document is read whole, and a followed file never ends.) */
    if (fmt == &rd_sumo_json && !r->force && !failed && !r->o->follow && read_doc(r, &s, name, walked, &end, &eof)) {
        src_end(&s);
        return;
    }
    buf = r->buf;
    if (!fmt && !failed && !walked && !all_blank(buf, end) && !memchr(buf, 0, end)) {
        /* A named file in no known format that holds text: one message a
         * line, as Sumo stores any log; said, so nobody mistakes it. */
        if (!r->o->quiet)
            fprintf(stderr, "postern: %s: no log format recognised: read as plain text, one message a line in "
                            "_raw (--input-format text)\n",
                    name);
        fmt = &rd_text;
    }
    if (!fmt) {
        if (!failed && !walked && !all_blank(buf, end)) {
            fprintf(stderr, "postern: %s: cannot tell the log format (use --input-format)\n", name);
            r->rc = 2;
        } else if (!failed && walked && !all_blank(buf, end)) {
            /* Found in a directory (a README, a script): skipped, and said. */
            if (!r->o->quiet)
                fprintf(stderr, "postern: %s: skipped: not in a format postern reads (see postern formats)\n",
                        name);
            r->st->files_skipped++;
        }
        src_end(&s);
        return;
    }
    if (end >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0) beg = 3;
    r->fileno++;
    struct stat fsb;
    bool have_st = s.fd >= 0 && fstat(s.fd, &fsb) == 0;
    r->ctx.ref_ms = have_st && S_ISREG(fsb.st_mode) ? (int64_t)fsb.st_mtime * 1000 : now_ms();
    uint64_t rec0 = r->st->records;
    size_t fidx = reader_index(fmt);
    if (r->par && r->par->nthreads > 1 && fmt->split && !is_mem && s.own_fd && s.kind == SRC_PLAIN &&
        s.u16 == U16_NO && !failed && have_st && S_ISREG(fsb.st_mode) && (size_t)fsb.st_size >= IN_PARMIN &&
        (size_t)fsb.st_size >= end && par_input(r, fmt, s.fd, (size_t)fsb.st_size, name, beg)) {
        r->st->bytes += (size_t)fsb.st_size - end;
        if (fidx < IN_MAXFORMATS) r->st->fmt_records[fidx] += r->st->records - rec0;
        src_end(&s);
        return;
    }

    rd_ctx_t *c = &r->ctx;
    c->name = name;
    c->st = fmt->open(c);
    uint64_t line = 1;
    unsigned nrep = 0;
    int discard = 0; /* 1: drop through the next '\n'; 2: drop everything */
    uint64_t off0 = 0; /* input offset of buf[0] */
    pfcols_t pc = {.ready = false};

    while (!r->stop) {
        size_t n = end - beg, used = 0;
        rd_status_t st;
        if (discard) { /* after a too-long record */
            const char *nl = discard == 1 ? memchr(buf + beg, '\n', n) : NULL;
            used = nl ? (size_t)(nl - (buf + beg)) + 1 : n;
            line += rd_count_nl(buf + beg, used);
            beg += used;
            if (nl) {
                discard = 0;
                continue;
            }
            st = eof ? RD_END : RD_MORE;
        } else {
            size_t off;
            uint64_t at;
            bool dropped;
            st = read_step(r, fmt, c, &r->rec, &pc, buf + beg, n, eof, &line, r->st, &used, &off, &at, &dropped);
            beg += used;
            if (dropped) continue;
            if (st == RD_REC) deliver(r, name, at, off0 + beg - used + off);
            else if (st == RD_REJECT) reject(r, name, at, c->reason, &nrep);
            else if (st == RD_SKIP) r->st->skipped++;
            if (r->arena.total) arena_reset(&r->arena);
        }
        if (st == RD_END || (st == RD_MORE && eof)) break;
        if (st != RD_MORE) continue;

        /* need more bytes */
        if (!discard && end - beg > IN_MAXREC) {
            reject(r, name, line, RD_R_LONG, &nrep);
            discard = fmt->line_sync ? 1 : 2;
            line += rd_count_nl(buf + beg, end - beg);
            beg = end;
        }
        if (beg) {
            memmove(buf, buf + beg, end - beg);
            off0 += beg;
            end -= beg;
            beg = 0;
        }
        if (end == r->cap) {
            r->cap *= 2;
            r->buf = buf = xrealloc(buf, r->cap);
        }
        size_t room = r->cap - end;
        if (room > IN_BLOCK) room = IN_BLOCK;
        long k = text_read(&s, buf + end, room);
        if (k < 0) {
            io_error(r, name, &s);
            eof = true;
        } else if (k == 0) {
            eof = true;
        } else {
            end += (size_t)k;
            r->st->bytes += (uint64_t)k;
        }
    }
    if (!r->o->quiet && nrep > r->max_reports)
        fprintf(stderr, "%s: %u more malformed records skipped\n", name, nrep - r->max_reports);
    if (fidx < IN_MAXFORMATS) r->st->fmt_records[fidx] += r->st->records - rec0;
    mux_done(c, fidx, r->st);
    fmt->close(c->st);
    c->st = NULL;
    src_end(&s);
}

static int cmp_names(const void *a, const void *b) {
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* A file, or a directory walked in sorted name order. */
static void run_path(run_t *r, const char *path, int depth) {
    if (r->stop) return;
    if (!path || strcmp(path, "-") == 0) {
        run_input(r, NULL, "-", NULL, 0, false, false);
        return;
    }
    struct stat sb;
    if (stat(path, &sb) != 0 && errno == ENOENT && r->o->follow && depth == 0) {
        run_input(r, path, path, NULL, 0, false, false); /* waits for it to appear */
        return;
    }
    if (stat(path, &sb) != 0) {
        fprintf(stderr, "postern: %s: %s\n", path, strerror(errno));
        r->rc = 2;
        return;
    }
    if (!S_ISDIR(sb.st_mode)) {
        run_input(r, path, path, NULL, 0, false, depth > 0);
        return;
    }
    if (depth >= IN_MAXDEPTH) return;
    DIR *d = opendir(path);
    if (!d) {
        fprintf(stderr, "postern: %s: %s\n", path, strerror(errno));
        r->rc = 2;
        return;
    }
    char **names = NULL;
    size_t nn = 0, cap = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.') continue;
        if (nn == cap) {
            cap = cap ? cap * 2 : 32;
            names = xrealloc(names, cap * sizeof *names);
        }
        names[nn++] = xstrndup(de->d_name, strlen(de->d_name));
    }
    closedir(d);
    if (nn) qsort(names, nn, sizeof *names, cmp_names);
    size_t pl = strlen(path);
    bool slash = pl && path[pl - 1] == '/';
    for (size_t k = 0; k < nn; k++) {
        size_t nl = strlen(names[k]);
        char *child = xmalloc(pl + nl + 2);
        memcpy(child, path, pl);
        if (!slash) child[pl] = '/';
        memcpy(child + pl + !slash, names[k], nl + 1);
        run_path(r, child, depth + 1);
        free(child);
        free(names[k]);
    }
    free(names);
}

static const in_opts_t default_opts = {.format = "auto", .max_reports = 5};

/* Set up a run; false (message printed) on an unknown format name. */
static bool run_init(run_t *r, const in_opts_t *o, ftab_t *ft, in_cb_t cb, void *ud, in_stats_t *st, size_t cap0,
                     size_t zcap) {
    memset(r, 0, sizeof *r);
    r->o = o ? o : &default_opts;
    r->max_reports = r->o->max_reports ? r->o->max_reports : 5;
    const char *f = r->o->format;
    if (f && *f && strcmp(f, "auto") != 0) {
        for (size_t k = 0; k < NREADERS; k++)
            if (strcmp(readers[k]->pub.name, f) == 0) r->force = readers[k];
        if (!r->force) {
            fprintf(stderr, "postern: unknown input format '%s'\n", f);
            return false;
        }
    }
    r->ft = ft;
    r->cb = cb;
    r->ud = ud;
    r->st = st;
    r->cap = cap0;
    r->buf = xmalloc(r->cap);
    r->zcap = zcap;
    r->zb = xmalloc(zcap);
    rec_init(&r->rec, &r->arena);
    r->ctx.ft = ft;
    r->ctx.arena = &r->arena;
    return true;
}

static int run_done(run_t *r) {
    rec_free(&r->rec);
    arena_free(&r->arena);
    free(r->buf);
    free(r->zb);
    return r->stop ? r->stop : r->rc;
}

/* See input.h. */
int input_run_par(const char *const *paths, int npaths, const in_opts_t *o, ftab_t *ft, const in_par_t *par,
                  in_stats_t *st) {
    run_t r;
    if (!run_init(&r, o, ft, par->cb, par->uds[0], st, IN_BLOCK, IN_ZBUF)) return 2;
    r.par = par;
    if (!paths || npaths <= 0) run_path(&r, NULL, 0);
    for (int k = 0; paths && k < npaths && !r.stop; k++) run_path(&r, paths[k], 0);
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
    run_t r;
    /* small buffers that grow: cheap for the short inputs of fuzzing */
    if (!run_init(&r, o, ft, cb, ud, st, chunk ? 256 : 4096, 4096)) return 2;
    r.chunk = chunk;
    run_input(&r, NULL, name ? name : "-", buf ? buf : "", buf ? n : 0, true, false);
    return run_done(&r);
}

/* See input.h. Reads the probe window the way run_input does. */
int input_detect(const char *path, const rd_format_t **fmt, int *score) {
    src_t s;
    memset(&s, 0, sizeof s);
    s.zcap = IN_ZBUF;
    s.zb = xmalloc(s.zcap);
    const char *name = path && strcmp(path, "-") != 0 ? path : "-";
    s.fd = name[0] == '-' && !name[1] ? 0 : open(path, O_RDONLY);
    s.own_fd = s.fd > 0;
    *fmt = NULL;
    *score = 0;
    int rc = 0;
    char *buf = xmalloc(IN_PROBE);
    size_t end = 0;
    bool eof = false;
    if (s.fd < 0) s.errnum = errno;
    if (s.fd < 0 || !src_start(&s)) {
        fprintf(stderr, "postern: %s: %s\n", name, s.err ? s.err : strerror(s.errnum ? s.errnum : EIO));
        rc = 2;
    }
    while (!rc && end < IN_PROBE && !eof) {
        long k = text_read(&s, buf + end, IN_PROBE - end);
        if (k < 0) {
            fprintf(stderr, "postern: %s: %s\n", name, s.err ? s.err : strerror(s.errnum ? s.errnum : EIO));
            rc = 2;
        } else if (k == 0) {
            eof = true;
        } else {
            end += (size_t)k;
        }
    }
    if (!rc) {
        const rd_impl_t *rd = pick(buf, end, eof, score);
        if (rd == &rd_sumo_json) { /* a document of another reader's records? (as run_input) */
            buf_t out = {0};
            int sc;
            const rd_impl_t *d = doc_pick(buf, end, &out, &sc);
            if (d) {
                rd = d;
                *score = sc;
            }
            buf_free(&out);
        }
        *fmt = rd ? &rd->pub : NULL;
    }
    free(buf);
    src_end(&s);
    free(s.zb);
    return rc;
}
