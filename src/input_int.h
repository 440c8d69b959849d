/* input_int.h — what the files of the input layer share (private).
 *
 * The layer is a family of files around two structs. An in_run_t is one
 * call of input_run*: options, the engine's callback, the counts, the
 * readers; it owns lane 0, which reads every input serially. An in_lane_t
 * is one reader turning one stream of bytes (an in_src_t) into records;
 * a file read by several threads has one lane per thread. Every record
 * of every input goes through in_lane_read, serial or parallel.
 *   input.c         the public API (input.h), the run, one input from open to close
 *   input_source.c  byte sources: files, stdin, memory, gzip, zstd, UTF-16, --follow, file ranges
 *   input_map.c     plain files read through mmap: windows, pages given back, a file cut under the map
 *   input_vote.c    which reader reads an input: the vote over its first lines, JSON documents
 *   input_lane.c    a lane: the reading loop, record completion, prefilter, mux lines, reports
 *   input_lanes.c   one file cut into ranges read by several threads
 *   input_walk.c    paths: files, directories walked in order (links, loops, FIFOs), stdin
 *   input_zip.c     zip archives: each member one input (libzip)
 * Nothing here is used outside the input layer; pointers borrowed from
 * the caller of input_run* are said so on each field.
 */
#ifndef POSTERN_INPUT_INT_H
#define POSTERN_INPUT_INT_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <zlib.h>
#include <zstd.h>

#include "buf.h"
#include "input.h"
#include "reader.h"

#define IN_BLOCK ((size_t)1 << 20)     /* first buffer size and read size */
#define IN_PROBE ((size_t)64 << 10)    /* bytes looked at to pick a format */
#define IN_DOCMAX ((size_t)1 << 30)    /* JSON documents read whole to find their records' reader */
#define IN_MAXREC RD_MAXREC           /* longest record (reader.h) */
#define IN_ZBUF ((size_t)256 << 10)    /* compressed bytes read at a time */
#define IN_MAXDEPTH 32                 /* directory nesting followed */
#define IN_PARMIN ((size_t)4 << 20)    /* smallest file read by several threads */
#define IN_MAXLANES 64                 /* threads one file is read by at most */
#define IN_SEGMIN ((size_t)256 << 10)  /* smallest segment of a file read by several threads */
#define IN_SEGMAX ((size_t)4 << 20)    /* largest one */
#define IN_LANEREPORTS 16              /* malformed records a parallel lane remembers for the report */
#define IN_FOLLOW_MS 100               /* --follow: how often a file's end is looked at again */
#define IN_MAPMIN ((size_t)1 << 20)    /* smallest file read through mmap (below, read(2) costs about as much) */
#define IN_MAPWIN IN_BLOCK             /* most bytes of a mapped file handed to its reader at a time (as read) */
#define IN_MAPDROP (8 * IN_MAPWIN)      /* bytes behind a mapped file's reader given back at a time (input_map.c) */

/* ---- the readers (input.c) ---- */

/* The readers of RD_READERS, in vote order. */
extern const rd_impl_t *const in_readers[];
/* How many there are. */
extern const size_t in_nreaders;
/* Index of fmt in in_readers[] (and rd_formats[], in_stats_t.fmt_records). */
size_t in_reader_index(const rd_impl_t *fmt);

/* ---- byte sources (input_source.c) ---- */

/* Where an in_src_t's bytes come from. */
enum in_src_kind {
    IN_SRC_FD,     /* a file descriptor (a file or stdin), read with read(2) */
    IN_SRC_MEM,    /* a buffer in memory */
    IN_SRC_RANGE,  /* bytes [off, hi) of a plain file, read with pread (a parallel lane's) */
    IN_SRC_ZIP     /* a zip archive's member, read with zip_fread (input_zip.c) */
};

struct zip_file;

/* A plain regular file's bytes [off, off + len) mapped read-only
 * (input_map.c), registered so that a truncation of the file under the
 * map is caught (SIGBUS) rather than fatal. */
typedef struct in_map {
    const char *p;          /* the bytes (owned: in_map_close) */
    size_t len;             /* their length */
    uint64_t off;           /* the file offset of p[0] (a page multiple) */
    int slot;               /* its registry entry, -1 when not mapped */
    const atomic_int *cut;  /* that entry's cut mark, set by the SIGBUS handler (in_map_cut) */
} in_map_t;

/* One input's bytes, decoded: gzip or zstd undone (found by magic bytes),
 * UTF-16 converted to UTF-8 (found by a byte-order mark or zero bytes).
 * Zero it, set it up with in_src_fd/in_src_mem/in_src_range, read with
 * in_src_read, release with in_src_end. */
typedef struct in_src {
    uint8_t from;           /* enum in_src_kind */
    int fd;                 /* IN_SRC_FD, IN_SRC_RANGE: the file (-1 for memory) */
    bool own_fd;            /* fd was opened by the input layer (closed by in_src_end) */
    const char *path;       /* the file's path (follow: reopened when replaced), NULL for stdin/memory */
    const in_opts_t *o;     /* follow and stop (borrowed) */
    const char *mem;        /* IN_SRC_MEM: the bytes (borrowed) */
    size_t memn, memoff;    /* their length, the next one to read */
    size_t chunk;           /* IN_SRC_MEM: bytes per read, 0 = all */
    uint64_t off, hi;       /* IN_SRC_RANGE: the next offset to read, the range's end */
    int codec;              /* SRC_PLAIN, SRC_GZIP, SRC_ZSTD, -1 after the last gzip member (input_source.c) */
    unsigned char *zb;      /* raw bytes read ahead (borrowed from the run) */
    size_t zcap;            /* its size */
    size_t zoff, zlen;      /* unread part zb[zoff..zlen) */
    bool raw_eof;           /* no raw bytes left beyond zb */
    z_stream zs;            /* gzip state */
    bool zs_live;           /* inflateInit2 done */
    ZSTD_DStream *zd;       /* zstd state (owned) */
    size_t zlast;           /* zstd: last return (0 = at a frame end) */
    const char *err;        /* a decoder error message, NULL = see errnum */
    int errnum;             /* errno of a read error */
    bool failed;            /* a read failed: every later read fails too */
    bool pending;           /* err is set, the bytes decoded before it handed out: the next read fails */
    bool zip;               /* in_src_start found a zip archive's magic bytes (read by input_zip.c) */
    struct zip_file *zf;    /* IN_SRC_ZIP: the member (borrowed) */
    char errbuf[160];       /* IN_SRC_ZIP: the text of libzip's error (err points here) */
    int u16;                /* U16_*: UTF-16 text is converted to UTF-8 (input_source.c) */
    unsigned char *ub;      /* UTF-16 bytes read ahead (owned, allocated when needed) */
    size_t uoff, ulen;      /* unread part ub[uoff..ulen) */
    bool ueof;              /* no UTF-16 bytes left beyond ub */
    char ob[4];             /* one converted character not yet handed out */
    uint8_t ooff, olen;     /* its unread part ob[ooff..olen) */
    const in_map_t *map;    /* mapped (input_map.c): the file's bytes, own_map or a lanes' map (borrowed) */
    in_map_t own_map;       /* lane 0's map of its file (in_src_map) */
    uint64_t mdrop;         /* mapped: the pages before this offset were given back */
    bool sized;             /* IN_SRC_FD on a regular file, not followed: fend holds */
    uint64_t fend;          /* its size when opened: a smaller one at its end is a cut (in_truncated) */
} in_src_t;

/* The message of a file that ended before its size when it was opened
 * (or shrank below it) while being read, through mmap or read(2). */
extern const char in_truncated[];

/* Set s up to read fd (opened by the caller; closed by in_src_end when
 * own); path names the file for --follow (NULL for stdin). zb[0..zcap)
 * is the raw read-ahead, borrowed. */
void in_src_fd(in_src_t *s, int fd, bool own, const char *path, const in_opts_t *o, unsigned char *zb, size_t zcap);
/* Set s up to read mem[0..n) (borrowed), chunk bytes per read (0: as
 * many as fit), through the same decoders as a file. */
void in_src_mem(in_src_t *s, const char *mem, size_t n, size_t chunk, const in_opts_t *o, unsigned char *zb,
                size_t zcap);
/* Set s up to read bytes [lo, hi) of the plain UTF-8 file fd (not
 * owned) as they are: no decoder, no read-ahead. */
void in_src_range(in_src_t *s, int fd, uint64_t lo, uint64_t hi);
/* Set s up to read the zip member zf (borrowed) through the same decoders
 * as a file. */
void in_src_zipf(in_src_t *s, struct zip_file *zf, const in_opts_t *o, unsigned char *zb, size_t zcap);
/* Read the magic bytes and start the decoder; a zip archive's magic sets
 * s->zip instead (nothing is decoded then). False on an error (s->err or
 * s->errnum says which). */
bool in_src_start(in_src_t *s);
/* The raw bytes of s (read-ahead first, no decoder) into dst[0..cap): the
 * count, 0 at the end, -1 on an error. For a zip archive that cannot be
 * seeked (stdin, a FIFO), read into memory. */
long in_src_raw(in_src_t *s, char *dst, size_t cap);
/* Decoded text into dst[0..cap): the count, 0 at the end, -1 on an error.
 * Following a file (o->follow), its end is waited past. */
long in_src_read(in_src_t *s, char *dst, size_t cap);
/* Release what s holds (decoders, the UTF-16 buffer, an own fd). */
void in_src_end(in_src_t *s);
/* The text of s's error. */
const char *in_src_error(const in_src_t *s);
/* True when s is a plain (not compressed, not UTF-16) regular file read
 * from its start by this layer: one that lanes may read in ranges. */
bool in_src_splittable(const in_src_t *s);

/* ---- mapped files (input_map.c) ---- */

/* Map the file fd's bytes [lo rounded down to a page, hi) read-only into
 * m (released with in_map_close). False when it cannot be (the caller
 * reads with read(2) then). */
bool in_map_open(in_map_t *m, int fd, uint64_t lo, uint64_t hi);
/* Unmap m (nothing when it is not mapped). */
void in_map_close(in_map_t *m);
/* True when a page of the mapped m was touched past its file's end (zeros
 * were mapped there). Inline: a lane asks before each record it hands on. */
static inline bool in_map_cut(const in_map_t *m) { return atomic_load_explicit(m->cut, memory_order_relaxed); }
/* Read the splittable source s (its file size bytes long) through a map
 * of its own from now on (in_src_window, not in_src_read); released by
 * in_src_end. False when it cannot be mapped. */
bool in_src_map(in_src_t *s, uint64_t size);
/* Read the range source s (in_src_range) through m, a map of its whole
 * file (borrowed: it outlives s). */
void in_src_range_map(in_src_t *s, const in_map_t *m);
/* A mapped source's next window: the reader keeps the file's bytes from
 * keep on and has seen them up to at. Gives back the pages before keep,
 * makes the next bytes from at on ready in s->map (which may change: a
 * file that grew is mapped again) and returns their count (1..max), 0 at
 * the end, -1 on an error (the file truncated while mapped, said by
 * in_src_error). */
long in_src_window(in_src_t *s, uint64_t keep, uint64_t at, size_t max);
/* True when the map of s was hit by its file's truncation (the bytes it
 * shows may be zeros that were never in the file); s's error is set then. */
bool in_src_cut(in_src_t *s);
/* Stop reading s through its map: lane 0's is unmapped, a range's pages
 * given back (in_src_end does it too). */
void in_src_unmap(in_src_t *s);

/* ---- the vote (input_vote.c) ---- */

/* The reader for an input whose first bytes are p[0..n) (eof: that is
 * all of it), *score its vote 0..100; NULL when no reader recognises them. */
const rd_impl_t *in_vote(const char *p, size_t n, bool eof, int *score);
/* The reader for the records of a JSON document p[0..n) that the vote
 * gave to sumo-json: the vote over its top-level values written to *out
 * one a line, when a reader with a schema of its own wins it with 70 or
 * more; NULL otherwise. */
const rd_impl_t *in_vote_doc(const char *p, size_t n, buf_t *out, int *score);
/* True when p[0..n) holds only blanks (and a UTF-8 byte-order mark). */
bool in_blank(const char *p, size_t n);

/* ---- the run (input.c) and its lanes (input_lane.c) ---- */

struct in_run;

/* Columns of the prefilter's fields in one CSV input, found once the
 * header has been read. */
typedef struct in_pfcols {
    int col[32];      /* column of the prefilter's field k, -1 when none */
    unsigned ncol;    /* the header's width */
    int tcol;         /* the column of the record's time (rd_impl_t.timecol), -1 when unsure */
    bool tms;         /* tcol holds epoch ms (_messageTime), not a timestamp */
    bool ready;       /* col, ncol and tcol are known */
} in_pfcols_t;

/* One reader turning one stream of bytes into records: the run's lane 0
 * reads every input serially; a file read in parallel has one lane per
 * thread (input_lanes.c). Its buffer carries an unfinished record over to
 * the next read; its arena holds a batch's decoded text (reset after each
 * record). Everything but run is the lane's own. */
typedef struct in_lane {
    struct in_run *r;        /* the run (read-only while lanes run in threads) */
    const rd_impl_t *fmt;    /* the input's reader */
    const char *name;        /* the input's name (borrowed) */
    in_src_t *src;           /* where the bytes come from (borrowed) */
    unsigned idx;            /* lane number: the callback's argument is par->uds[idx] */
    bool direct;             /* report malformed records at once (serial) rather than remember them */
    rd_ctx_t ctx;            /* the reader's context */
    record_t rec;            /* the record being read */
    arena_t arena;           /* the batch arena */
    char *buf;               /* the buffer (owned) */
    size_t cap;              /* its size */
    const char *view;        /* a mapped source: its map (src->map's bytes), which stands for buf */
    size_t mcap;             /* mapped: the size buf would have by now (windows are cut as its reads) */
    size_t beg, end;         /* unread bytes buf[beg..end) (view[beg..end) when mapped) */
    uint64_t off0;           /* input offset of buf[0] (view[0]) */
    uint64_t ahead;          /* mapped: the input offset up to which the bytes were asked for (prefetch) */
    bool eof;                /* the source has no more bytes */
    int discard;             /* after a too-long record: 1 drop through the next '\n', 2 drop the rest */
    uint64_t line;           /* line number of buf[beg], from 1 at the lane's first byte */
    in_pfcols_t pc;          /* the prefilter's CSV columns */
    in_stats_t st;           /* counts, added to the run's by in_lane_merge */
    uint64_t nrep;           /* malformed records met */
    uint64_t rep_line[IN_LANEREPORTS];  /* !direct: lines (lane-relative) of the first ones */
    unsigned rep_reason[IN_LANEREPORTS]; /* !direct: their reasons */
    int stop;                /* the callback's non-zero value */
    int err;                 /* errno of a failed read, 0 (a message is printed only for lane 0) */
} in_lane_t;

/* One run of input_run*. */
typedef struct in_run {
    const in_opts_t *o;      /* options (borrowed) */
    const rd_impl_t *force;  /* --input-format, NULL = vote */
    unsigned max_reports;    /* malformed records reported per input */
    ftab_t *ft;              /* the query's fields (borrowed) */
    in_par_t par;            /* callback, its arguments (par.uds borrowed), lanes, prefilter (borrowed) */
    in_stats_t *st;          /* counts (borrowed) */
    int rc;                  /* 0, 2 after a usage error */
    bool failed;             /* an input could not be read (in_fail): the run returns IN_PARTIAL */
    struct in_seen *seen;    /* files and directories the walk has met (input_walk.c; owned) */
    int stop;                /* the callback's non-zero value */
    unsigned char *zb;       /* raw read-ahead of lane 0's sources (owned) */
    size_t zcap;             /* its size */
    size_t chunk;            /* memory inputs: bytes per read (tests, fuzzing) */
    uint64_t fileno;         /* inputs opened so far: the high bits of a record's seq */
    uint64_t nseg;           /* segments of the files read by several threads so far (in_lanes_file) */
    size_t parmin;           /* smallest file read by several threads (IN_PARMIN; tests: POSTERN_SPLIT_MIN) */
    size_t segmin;           /* smallest segment of one (IN_SEGMIN; tests: POSTERN_SPLIT_MIN) */
    size_t mapmin;           /* smallest file read through mmap (IN_MAPMIN; POSTERN_MMAP_MIN), 0 = none (POSTERN_NO_MMAP) */
    in_lane_t lane;          /* lane 0: reads every input serially (its buffer kept across inputs) */
} in_run_t;

/* One input: a file, stdin, or bytes in memory. */
typedef struct in_input {
    const char *path;        /* the file, NULL for stdin or memory */
    const char *name;        /* for messages and _sourceName */
    const char *mem;         /* memory input (borrowed), NULL for a file or stdin */
    size_t memn;             /* its length */
    struct zip_file *zf;     /* a zip archive's member (borrowed), NULL for the rest */
    bool walked;             /* found by walking a directory or in an archive: only a regular file is
                                opened, and it is skipped, said, when no reader knows it */
} in_input_t;

/* True when a plain regular file of size bytes is read through mmap
 * (input_map.c): large enough (r->mapmin), and not followed. */
bool in_map_wanted(const in_run_t *r, uint64_t size);
/* Read one input through the reader the vote (or --input-format) picks
 * (input.c); a zip archive's members are read in turn (in_zip). An input
 * that cannot be read is said (in_fail); the run goes on. */
void in_input(in_run_t *r, const in_input_t *in);
/* Input name could not be (wholly) read, because of why: say so on stderr
 * (unless o->again), with the records read before the error when there
 * were any (they are kept), and count it; the run returns IN_PARTIAL. */
void in_fail(in_run_t *r, const char *name, const char *why, uint64_t records);
/* A note about input name on stderr, unless o->quiet: `postern: name: skipped: what`. */
void in_skip_note(const in_run_t *r, const char *name, const char *what);

/* Set up lane L of run r (number idx) with a buffer of cap bytes; the
 * lane owns what it allocates until in_lane_free. */
void in_lane_init(in_lane_t *L, in_run_t *r, unsigned idx, size_t cap);
/* Free what in_lane_init allocated. */
void in_lane_free(in_lane_t *L);
/* Start reading an input with fmt: opens the reader's state, resets the
 * counts; the buffer may already hold the input's first bytes
 * (buf[beg..end), at input offset off0). */
void in_lane_begin(in_lane_t *L, const rd_impl_t *fmt, const char *name, in_src_t *src, int64_t ref_ms);
/* Read the lane's source through its map (src->map) from now on: the
 * bytes buf[beg..end) are those of the map at the same offsets. */
void in_lane_map(in_lane_t *L);
/* Read every record from the lane's source through its reader, to the
 * end of the source or until the callback stops. Thread-safe across
 * lanes of one run (r is only read). */
void in_lane_read(in_lane_t *L);
/* After a read error: drop the bytes of the unfinished last line of
 * buf[beg..end) (a line cut short would be a wrong record). */
void in_lane_cut(in_lane_t *L);
/* Close the reader's state and move the reader counts of lines other
 * mux readers read to them (in L->st). */
void in_lane_end(in_lane_t *L);
/* Add L's counts to st (the reader's record count under its index). */
void in_lane_merge(const in_lane_t *L, in_stats_t *st);

/* ---- several threads (input_lanes.c) ---- */

/* Read the plain regular file fd (size bytes, a UTF-8 byte-order mark up
 * to beg) with r->par->nthreads lanes, segment by segment (numbered from
 * r->nseg on, which grows by their number), through one map of the file
 * when r->mapmin says so. Returns false, having
 * delivered nothing, when its first record cannot be found: read it
 * serially. */
bool in_lanes_file(in_run_t *r, const rd_impl_t *fmt, int fd, size_t size, const char *name, size_t beg);

/* ---- paths (input_walk.c) ---- */

/* Read path, given by the user: a file (symbolic links followed), or a
 * directory walked in sorted name order; NULL or "-" is stdin. In a
 * directory, symbolic links are followed only with o->follow_symlinks,
 * FIFOs, sockets and devices are skipped, and a file or directory met
 * again (the same device and inode: a link, a loop) is not read twice. */
void in_walk(in_run_t *r, const char *path);
/* Free what the walks of run r kept (the files met). */
void in_walk_free(in_run_t *r);

/* ---- zip archives (input_zip.c) ---- */

/* What input_detect says of a zip archive (not a reader: its members have theirs). */
extern const rd_format_t in_zip_format;
/* Read the members of the zip archive s (in_src_start set s->zip) named
 * name, each as an input `name:member` (in_input), in archive order. */
void in_zip(in_run_t *r, const char *name, in_src_t *s);

#endif
