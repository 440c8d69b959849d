/* input_source.c — an input's bytes: a file, stdin, memory or a zip
 * archive's member, gzip and zstd undone (found by their magic bytes),
 * UTF-16 converted to UTF-8, a followed file's end waited past, or a
 * range of a plain file for a parallel lane (see input_int.h). A read
 * error or damaged compressed data ends the source: every later read
 * fails, and input.c says so and goes on with the next input.
 *
 * The first stage of the input layer: in_src_read hands decoded text to
 * the lanes (input_lane.c) and to the vote's first window (input.c).
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
#include "lazylib.h"
#include "progress.h"
#include "tty.h"

/* How the raw bytes are encoded. */
enum { SRC_PLAIN, SRC_GZIP, SRC_ZSTD };

/* Text encoding of the decoded bytes. */
enum { U16_UNKNOWN, U16_NO, U16_LE, U16_BE };
#define IN_U16BUF ((size_t)64 << 10)   /* UTF-16 bytes converted at a time */

/* A zeroed source of kind from reading fd, with the raw read-ahead zb. */
static void src_init(in_src_t *s, uint8_t from, int fd, const in_opts_t *o, unsigned char *zb, size_t zcap) {
    memset(s, 0, sizeof *s);
    s->from = from;
    s->fd = fd;
    s->o = o;
    s->zb = zb;
    s->zcap = zcap;
}

/* See input_int.h. */
void in_src_fd(in_src_t *s, int fd, bool own, const char *path, const in_opts_t *o, unsigned char *zb, size_t zcap) {
    src_init(s, IN_SRC_FD, fd, o, zb, zcap);
    s->own_fd = own;
    s->path = path;
    struct stat sb;
    int e = errno; /* (a failed open's, said by the caller) */
    if (fd >= 0 && o && !o->follow && fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode)) { /* a cut is found at its end */
        s->sized = true;
        s->fend = (uint64_t)sb.st_size;
    }
    errno = e;
}

/* A regular file at the end of its bytes: true (with the message set)
 * when it is smaller now than when it was opened: it ended before that
 * size, or shrank after being read (the mapped path says the same,
 * input_map.c). The size, not the bytes read, decides: a file of /sys
 * reports a size its text does not reach. */
static bool src_cut_short(in_src_t *s) {
    struct stat sb;
    if (fstat(s->fd, &sb) != 0 || (uint64_t)sb.st_size >= s->fend) return false;
    s->err = in_truncated;
    return true;
}

/* See input_int.h. */
void in_src_mem(in_src_t *s, const char *mem, size_t n, size_t chunk, const in_opts_t *o, unsigned char *zb,
                size_t zcap) {
    src_init(s, IN_SRC_MEM, -1, o, zb, zcap);
    s->mem = mem;
    s->memn = n;
    s->chunk = chunk;
}

/* See input_int.h. */
void in_src_range(in_src_t *s, int fd, uint64_t lo, uint64_t hi) {
    src_init(s, IN_SRC_RANGE, fd, NULL, NULL, 0);
    s->off = lo;
    s->hi = hi;
    s->u16 = U16_NO;
}

/* See input_int.h. */
void in_src_zipf(in_src_t *s, struct zip_file *zf, const in_opts_t *o, unsigned char *zb, size_t zcap) {
    src_init(s, IN_SRC_ZIP, -1, o, zb, zcap);
    s->zf = zf;
}

/* See input_int.h. */
const char *in_src_error(const in_src_t *s) { return s->err ? s->err : strerror(s->errnum ? s->errnum : EIO); }

/* See input_int.h. */
bool in_src_splittable(const in_src_t *s) {
    return s->from == IN_SRC_FD && s->own_fd && s->codec == SRC_PLAIN && s->u16 == U16_NO;
}

/* --follow at a file's end: wait IN_FOLLOW_MS, then reopen the path when
 * it names another file now (rotated) or rewind when the file shrank
 * (truncated). Returns false when the run should end (stop flag). */
static bool follow_wait(in_src_t *s) {
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
            fprintf(stderr, "postern: %s: file replaced, following the new one\n", tty_name(s->path));
        }
        return true;
    }
    off_t pos = lseek(s->fd, 0, SEEK_CUR);
    if (pos > 0 && a.st_size < pos) {
        lseek(s->fd, 0, SEEK_SET);
        fprintf(stderr, "postern: %s: file truncated, reading from its start\n", tty_name(s->path));
    }
    return true;
}

/* Raw bytes into dst, EINTR-safe. Returns the count, 0 at the end, -1 on error.
 * Following a file, its end is waited past (follow_wait). */
static long raw_read(in_src_t *s, void *dst, size_t cap) {
    if (s->from == IN_SRC_MEM) {
        size_t k = s->memn - s->memoff;
        if (k > cap) k = cap;
        if (s->chunk && k > s->chunk) k = s->chunk;
        memcpy(dst, s->mem + s->memoff, k);
        s->memoff += k;
        return (long)k;
    }
    if (s->from == IN_SRC_ZIP) {
        const lazy_zip_t *Z = lazy_zip(NULL); /* loaded: the member was opened through it */
        zip_int64_t k = Z->zip_fread(s->zf, dst, cap);
        if (k >= 0) return (long)k;
        /* (libzip's text lives in zf: copied, it outlives the member) */
        snprintf(s->errbuf, sizeof s->errbuf, "%s", Z->zip_file_strerror(s->zf));
        s->err = s->errbuf;
        return -1;
    }
    for (;;) {
        ssize_t k = read(s->fd, dst, cap);
        if (k > 0) progress_add((uint64_t)k);
        if (k == 0 && s->sized && src_cut_short(s)) return -1;
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
static bool raw_fill(in_src_t *s) {
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

/* See input_int.h. */
bool in_src_start(in_src_t *s) {
    if (s->from == IN_SRC_RANGE) return true;
    while (s->zlen < 4 && !s->raw_eof)
        if (!raw_fill(s)) return false;
    const unsigned char *m = s->zb;
    if (s->zlen >= 4 && m[0] == 'P' && m[1] == 'K' && ((m[2] == 3 && m[3] == 4) || (m[2] == 5 && m[3] == 6))) {
        s->zip = true; /* a local file header, or the end record of an empty archive */
    } else if (s->zlen >= 2 && m[0] == 0x1f && m[1] == 0x8b) {
        s->codec = SRC_GZIP;
        memset(&s->zs, 0, sizeof s->zs);
        if (inflateInit2(&s->zs, 16 + MAX_WBITS) != Z_OK) {
            s->err = "cannot start gzip decoding";
            return false;
        }
        s->zs_live = true;
    } else if (s->zlen >= 4 && m[0] == 0x28 && m[1] == 0xb5 && m[2] == 0x2f && m[3] == 0xfd) {
        s->codec = SRC_ZSTD;
        s->zd = ZSTD_createDStream();
        if (!s->zd || ZSTD_isError(ZSTD_initDStream(s->zd))) {
            s->err = "cannot start zstd decoding";
            return false;
        }
        s->zlast = 1;
    }
    return true;
}

/* See input_int.h. */
long in_src_raw(in_src_t *s, char *dst, size_t cap) {
    if (s->zoff < s->zlen) {
        size_t k = s->zlen - s->zoff;
        if (k > cap) k = cap;
        memcpy(dst, s->zb + s->zoff, k);
        s->zoff += k;
        return (long)k;
    }
    if (s->raw_eof) return 0;
    return raw_read(s, dst, cap);
}

/* See input_int.h. */
void in_src_end(in_src_t *s) {
    in_src_unmap(s);
    free(s->ub);
    if (s->zs_live) inflateEnd(&s->zs);
    if (s->zd) ZSTD_freeDStream(s->zd);
    if (s->own_fd) close(s->fd);
}

/* Damaged compressed data (err): the bytes decoded before it, got, are
 * handed out first; the error comes with the next read. */
static long bad_data(in_src_t *s, const char *err, size_t got) {
    s->err = err;
    if (!got) return -1;
    s->pending = true;
    return (long)got;
}

/* gzip: decode into dst; multi-member files go on with the next member;
 * bytes after the last member that are not a gzip header are ignored. */
static long gz_read(in_src_t *s, char *dst, size_t cap) {
    if (s->pending) return -1;
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
                s->codec = -1; /* done: the rest is ignored */
            }
            if (got || s->codec < 0) return (long)got;
            continue;
        }
        if (rc != Z_OK && rc != Z_BUF_ERROR) return bad_data(s, "invalid gzip data", got);
        if (got) return (long)got;
    }
}

/* zstd: decode into dst; concatenated frames are decoded in turn. */
static long zs_read(in_src_t *s, char *dst, size_t cap) {
    if (s->pending) return -1;
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
        if (ZSTD_isError(rc)) return bad_data(s, "invalid zstd data", out.pos);
        s->zlast = rc;
        if (out.pos) return (long)out.pos;
    }
}

/* Decoded bytes into dst[0..cap). Returns the count, 0 at the end, -1 on error. */
static long src_read(in_src_t *s, char *dst, size_t cap) {
    switch (s->codec) {
    case SRC_GZIP: return gz_read(s, dst, cap);
    case SRC_ZSTD: return zs_read(s, dst, cap);
    case SRC_PLAIN: return in_src_raw(s, dst, cap);
    default: return 0;
    }
}

/* ---- UTF-16 text -------------------------------------------------------- */

/* Make at least want unread UTF-16 bytes available unless the input ends.
 * Returns false on a read error. */
static bool u16_fill(in_src_t *s, size_t want) {
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
static long u16_unit(in_src_t *s) {
    if (s->ulen - s->uoff < 2) return -1;
    const unsigned char *b = s->ub + s->uoff;
    s->uoff += 2;
    return s->u16 == U16_LE ? (long)(b[0] | b[1] << 8) : (long)(b[0] << 8 | b[1]);
}

/* Decide the encoding from the first decoded bytes: a UTF-16 byte-order
 * mark, or two ASCII characters each paired with a zero byte (XML saved
 * as UTF-16 without a mark). Text logs never hold NUL bytes. */
static bool u16_start(in_src_t *s) {
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

/* A parallel lane's bytes: the next ones of its range, read with pread. */
static long range_read(in_src_t *s, char *dst, size_t cap) {
    if (cap > s->hi - s->off) cap = (size_t)(s->hi - s->off);
    size_t got = 0;
    while (got < cap) {
        ssize_t k = pread(s->fd, dst + got, cap - got, (off_t)(s->off + got));
        if (k < 0 && errno == EINTR) continue;
        if (k < 0) {
            s->errnum = errno;
            return -1;
        }
        if (k == 0) break;
        got += (size_t)k;
    }
    if (!got && cap) { /* the file ends before the range did: cut while read */
        s->err = in_truncated;
        return -1;
    }
    s->off += got;
    progress_add(got);
    return (long)got;
}

/* Text is src_read's, with UTF-16 input converted to UTF-8 (unpaired
 * surrogates become U+FFFD). */
static long src_text(in_src_t *s, char *dst, size_t cap) {
    if (s->from == IN_SRC_RANGE) return range_read(s, dst, cap);
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
        s->olen = (uint8_t)str_utf8_put(s->ob, (uint32_t)cp);
        s->ooff = 0;
    }
    return (long)out;
}

/* See input_int.h. After an error (damaged gzip data, a failed read) the
 * source gives nothing more: a decoder is not asked to go on past it. */
long in_src_read(in_src_t *s, char *dst, size_t cap) {
    if (s->failed) return -1;
    long k = src_text(s, dst, cap);
    if (k < 0) s->failed = true;
    return k;
}
