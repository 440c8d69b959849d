/* input.h — postern's public input API: turning input files into records.
 *
 * input_run walks the paths (files, directories recursively, "-" for
 * stdin), decompresses gzip (and zstd) found by magic bytes, picks a log
 * format (by content unless forced), and calls the callback once per
 * record. A record's values borrow the input buffer and the batch arena:
 * they are valid only during the callback (rec_pin copies them out).
 * Malformed records are skipped and counted; the first few are reported on
 * stderr as `file:line: reason`. An input that cannot be read (open, read
 * or decoding error) is reported as `postern: file: error` and the run
 * goes on with the rest (IN_PARTIAL). Zip archives are read member by
 * member (input_zip.c). The engine (exec.c, stream.c), main.c
 * and the tests call this API; a log reader implements reader.h instead.
 */
#ifndef POSTERN_INPUT_H
#define POSTERN_INPUT_H

#include <stdbool.h>
#include <stdint.h>

#include "field.h"

/* Most readers rd_formats[] may list. */
#define IN_MAXFORMATS 48

/* Most fields the prefilter counts in the lines it drops (pf_count). */
#define IN_MAXTALLY 17

/* What the lines the raw-byte prefilter dropped unparsed held, for the
 * engine's coverage counts (coverage.h): field i is the i-th id given to
 * pf_count. */
typedef struct in_tally {
    uint64_t in_scope;                  /* lines the query's scope keeps (its where tests failed) */
    uint64_t with[IN_MAXTALLY];         /* lines carrying field i */
    uint64_t with_in_scope[IN_MAXTALLY];/* lines in scope carrying field i */
    uint64_t out_of_range;              /* lines outside --from/--to (whether the prefilter counts or not) */
    uint64_t range_in_scope;            /* of those, lines the scope keeps (when the prefilter counts) */
} in_tally_t;

/* The inputs of a run that had records skipped as malformed, each with
 * how many, in the order they were read (input numbers increasing). Owned
 * by whoever set it up (in_rejlog_free); a run appends to the one its
 * in_stats_t points at. */
typedef struct in_rejlog {
    uint64_t *input;          /* input numbers (a record's seq >> 44) */
    uint64_t *count;          /* its malformed records */
    size_t n, cap;
} in_rejlog_t;

/* Note n malformed records of input number input in l. */
void in_rejlog_add(in_rejlog_t *l, uint64_t input, uint64_t n);
/* Free l's arrays (l itself is the caller's); l is empty after. */
void in_rejlog_free(in_rejlog_t *l);

/* Counts of what was read; merged across inputs. */
typedef struct in_stats {
    uint64_t files;           /* inputs opened */
    uint64_t files_skipped;   /* binary files found in directories that no reader recognises */
    uint64_t files_failed;    /* inputs that could not be (wholly) read: open, read or decoding errors */
    uint64_t files_special;   /* FIFOs, sockets and devices found in directories, not read */
    uint64_t links_skipped;   /* symbolic links found in directories, not followed */
    uint64_t files_again;     /* files and directories found again by another path (links, loops), not reread */
    uint64_t files_split;     /* files cut into ranges read by several threads (input_lanes.c) */
    uint64_t bytes;           /* bytes read after decompression */
    uint64_t records;         /* records handed to the callback */
    uint64_t rejected;        /* records skipped as malformed */
    uint64_t reasons[24];     /* rejected, by reason index (see in_reason_name) */
    uint64_t prefiltered;     /* records dropped on their raw bytes before parsing (not validated) by the
                                 filters (those outside --from/--to: pf_tally.out_of_range) */
    uint64_t out_of_range;    /* outside the run's --from/--to: the engine's, and the prefilter's (pf_tally.out_of_range) */
    uint64_t in_scope;        /* kept by the scope (counted by the engine) */
    uint64_t used;            /* reached the end of the pipeline (engine) */
    uint64_t skipped;         /* lines that are no record of the input's format (other syslog messages) */
    uint64_t fmt_records[IN_MAXFORMATS]; /* records, by reader (index into rd_formats[]) */
    in_tally_t pf_tally;      /* what the prefiltered records held (when the prefilter counts) */
    /* Where the run notes each input with records skipped as malformed
     * (borrowed, NULL: not noted; detect names them beside a file whose
     * records lack the rule's fields). A copy of the stats shares it. */
    in_rejlog_t *rejlog;
} in_stats_t;

/* The records of input number input (a record's seq >> 44) that st's
 * rejection log counts as skipped malformed, 0 when none (or no log). */
uint64_t in_stats_rejected(const in_stats_t *st, uint64_t input);

/* A short text for reason index i of in_stats_t.reasons, NULL past the end. */
const char *in_reason_name(unsigned i);

/* An input held in memory, read as a file of that name would be. */
typedef struct in_mem {
    const char *name;         /* for messages and _sourceName (borrowed) */
    const char *p;            /* the bytes (borrowed) */
    size_t n;                 /* their length */
} in_mem_t;

/* Options of one run. */
typedef struct in_opts {
    const char *format;       /* "auto" (or NULL) or a name from rd_formats[] */
    const char *category;     /* _sourceCategory for records without one, may be NULL */
    unsigned max_reports;     /* malformed records reported on stderr (default 5) */
    bool quiet;               /* no malformed-record reports */
    bool follow;              /* a file's end is no end: wait for more (like tail -F: reopened when
                                 replaced, read from the start when truncated); stdin is read until
                                 EOF; the format vote needs only the first complete line */
    const volatile int *stop; /* follow: a non-zero value ends the wait (set by a signal handler) */
    bool follow_symlinks;     /* follow symbolic links found in directories (named paths are always followed) */
    bool again;               /* another run over the same paths reports on them: inputs that cannot be
                                 read are counted but not said (set quiet too) */
    const in_mem_t *mem;      /* inputs in memory (borrowed), read before the paths: decompressed,
                                 voted on and read like files (postern test's inline records) */
    unsigned nmem;            /* their number; with some and no path, stdin is not read */
} in_opts_t;

/* What input_run returns when every error was an input that could not be
 * read (said on stderr, counted in files_failed): the rest was read. */
#define IN_PARTIAL 4

/* Called once per record; return 0 to go on, non-zero to stop the run. */
typedef int (*in_cb_t)(record_t *rec, void *ud);

/* Read every path (NULL or "-" = stdin) with ft deciding which fields are
 * extracted (ft->e[id].wanted, or all when ft->want_all; readers intern
 * new names only when want_all). Returns 0 on success, IN_PARTIAL when
 * some inputs could not be read (each said on stderr; the others were),
 * 2 on a usage error (message printed to stderr), or the callback's
 * non-zero value. Stats are added to *st. */
int input_run(const char *const *paths, int npaths, const in_opts_t *o, ftab_t *ft, in_cb_t cb, void *ud,
              in_stats_t *st);

/* input_run over one in-memory input called name (for tests and fuzz
 * targets): buf[0..n) (borrowed) is decompressed, probed and read exactly
 * like a file, chunk bytes per read (0 = as much as fits) so that record
 * boundaries can fall anywhere. Same return values as input_run. */
int input_run_mem(const char *name, const char *buf, size_t n, size_t chunk, const in_opts_t *o, ftab_t *ft,
                  in_cb_t cb, void *ud, in_stats_t *st);

struct pf;

/* How to read in parallel. Large plain files in a format that can be split
 * at line boundaries (JSON Lines, CSV) are cut into segments of a few MiB
 * that nthreads lanes read, each lane taking the next segment free;
 * everything else is read by this thread as lane 0. Lane i calls
 * cb(rec, uds[i]); a record's seq gives its input order. */
typedef struct in_par {
    unsigned nthreads;        /* lanes, >= 1 */
    in_cb_t cb;
    void *const *uds;         /* nthreads callback arguments */
    const struct pf *pf;      /* raw-byte prefilter, may be NULL (prefilter.h) */
    /* Both NULL, or both set, for an engine that hands rows over in input
     * order: lane i calls seg_begin(uds[i], k) before it reads segment k
     * (numbered across the run in input order, from 0, every one
     * announced even when empty) and seg_end(uds[i], k) after its last
     * record. seg_begin may wait (for earlier segments to be written);
     * its non-zero value stops the run, as the callback's does. Records
     * read serially come between no such calls. */
    int (*seg_begin)(void *ud, uint64_t k);
    void (*seg_end)(void *ud, uint64_t k);
} in_par_t;

/* input_run with lanes and a prefilter. */
int input_run_par(const char *const *paths, int npaths, const in_opts_t *o, ftab_t *ft, const in_par_t *par,
                  in_stats_t *st);

/* One log format. */
typedef struct rd_format {
    const char *name;    /* --input-format name */
    const char *desc;    /* one line for `postern formats` and --help */
    const char *detect;  /* what auto-detection recognises it by */
    const char *fills;   /* schema fields (schema.h) it fills, "" for none */
} rd_format_t;

/* The formats, NULL-terminated. */
extern const rd_format_t *const rd_formats[];

/* The format `--input-format auto` picks for path (a file, or NULL/"-"
 * for stdin): *fmt with its vote score 0..100 in *score; the text
 * reader with score 0 for text no reader recognises (read as plain
 * text), NULL for an empty or binary input in no known format. Returns
 * 0, or 2 on an I/O error (printed). */
int input_detect(const char *path, const rd_format_t **fmt, int *score);

/* Mark the open file fd as postern's own output (-o's FILE.tmp, --html's
 * report): a directory walk that meets it skips it and says so, rather
 * than reading what the run writes. Call before the run reads input (not
 * thread-safe); at most 8 files are remembered. */
void input_own_output(int fd);

#endif
