/* evtx.h — the Windows Event Log file format (.evtx), decoded.
 *
 * A file is a 4 KiB header and 64 KiB chunks; each chunk holds its own
 * string and template tables and its event records, whose events are
 * binary XML. evtx_chunk_decode turns one chunk into an evtx_chunk_t: every
 * record's XML rendering and the values the Windows event mapping reads
 * (System elements and attributes, EventData items by Name, UserData
 * leaves), listed the way read_winxml.c lists them from XML text. The
 * decoded chunk owns its bytes (reused from chunk to chunk); an
 * evtx_dec_t owns one thread's caches. Nothing here knows about records
 * of the query engine: read_evtx.c hands the values on.
 */
#ifndef POSTERN_EVTX_H
#define POSTERN_EVTX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define EVTX_FILEHDR 4096u       /* the file header block */
#define EVTX_CHUNK 65536u        /* one chunk */

/* Why a record (or a whole chunk) could not be read. ORDER EVTX_ERR:
 * evtx_err_name(). */
#define EVTX_ERRS(X)                                             \
    X(EVTX_OK, "ok")                                             \
    X(EVTX_E_RECORD, "evtx record header or size out of bounds") \
    X(EVTX_E_BINXML, "malformed binary XML in an evtx record")   \
    X(EVTX_E_LARGE, "evtx record too large once rendered")       \
    X(EVTX_E_CHUNK, "damaged evtx chunk header")

enum evtx_err {
#define X(id, text) id,
    EVTX_ERRS(X)
#undef X
    EVTX_NERR
};

/* A short text for an enum evtx_err. */
const char *evtx_err_name(unsigned e);

/* What the file header says. */
typedef struct evtx_fhdr {
    uint64_t first_chunk;   /* number of the oldest chunk */
    uint64_t last_chunk;    /* number of the newest chunk */
    uint64_t next_id;       /* next record identifier to be written */
    uint16_t minor, major;  /* format version (3.1, 3.2) */
    uint16_t nchunks;       /* chunks counted by the header (may be stale) */
    uint32_t flags;         /* EVTX_DIRTY, EVTX_FULL */
    bool crc_ok;            /* the header's CRC-32 matches */
} evtx_fhdr_t;

#define EVTX_DIRTY 0x1u     /* the log was not closed cleanly */
#define EVTX_FULL 0x2u      /* the log is full */

/* Read the file header from p[0..n); false when the magic `ElfFile\0`
 * is not there or n < 128. */
bool evtx_file_header(const unsigned char *p, size_t n, evtx_fhdr_t *h);

/* A growable byte buffer owned by a decoded chunk. */
typedef struct evtx_buf {
    char *p;         /* bytes (heap, owned) */
    size_t n, cap;   /* used, allocated */
} evtx_buf_t;

/* Where a value sits in its event (mirrors winevt.h's enum we_sect). */
enum evtx_sect {
    EVTX_SYS,     /* System: element text, Element.Attribute */
    EVTX_DATA,    /* EventData item by Name, UserData leaf by element name */
    EVTX_OTHER    /* RenderingInfo Message */
};

/* One value of a decoded event: name and value are byte ranges of the
 * chunk's text (the value XML-escaped, as in the rendering), or for a
 * name made up here ("Provider.Name") of its aux buffer. */
typedef struct evtx_item {
    uint32_t name, nlen;  /* the name's range */
    uint32_t val, vlen;   /* the value's range in text */
    uint8_t sect;         /* enum evtx_sect */
    bool aux;             /* the name is in aux, not in text */
} evtx_item_t;

/* One event record of a chunk. */
typedef struct evtx_rec {
    uint64_t id;          /* event record identifier (the record header's) */
    uint32_t off, size;   /* its bytes in the chunk */
    uint32_t xml, xmln;   /* its XML rendering in text */
    uint32_t item, nitem; /* its values: items[item .. item+nitem) */
    uint8_t err;          /* enum evtx_err: EVTX_OK, or why it was not read */
} evtx_rec_t;

/* What a chunk slot holds. */
enum evtx_ckstate {
    EVTX_CK_EMPTY,   /* no chunk: zeros or other bytes (space never written) */
    EVTX_CK_OK,      /* a chunk; its records are in recs */
    EVTX_CK_BAD      /* the chunk magic, but a header that cannot be read */
};

/* One decoded chunk. Zero-initialised is empty; reused from chunk to
 * chunk; evtx_chunk_free releases it. */
typedef struct evtx_chunk {
    uint8_t state;        /* enum evtx_ckstate */
    bool hdr_crc_bad;     /* the header's CRC-32 does not match */
    bool data_crc_bad;    /* the records' CRC-32 does not match */
    uint64_t first_id;    /* first and last record identifiers the header names */
    uint64_t last_id;
    evtx_rec_t *recs;     /* records, in chunk order (owned) */
    uint32_t nrec, caprec;
    evtx_item_t *items;   /* every record's values (owned) */
    uint32_t nitem, capitem;
    evtx_buf_t text;      /* renderings and values */
    evtx_buf_t aux;       /* names made up from Element.Attribute */
} evtx_chunk_t;

/* Release a decoded chunk's memory (it is empty afterwards). */
void evtx_chunk_free(evtx_chunk_t *c);

/* One thread's decoder: name and template caches, scratch (opaque). */
typedef struct evtx_dec evtx_dec_t;

/* A new decoder (heap; free with evtx_dec_free). */
evtx_dec_t *evtx_dec_new(void);
/* Free a decoder (NULL is fine). */
void evtx_dec_free(evtx_dec_t *d);

/* Decode the chunk at p[0..n) (n is EVTX_CHUNK, less for a file cut
 * short) into out, which is cleared first. Records run from offset 512 up
 * to the header's free-space offset (deleted records in the slack after it
 * are not read); a record whose binary XML cannot be read gets its err
 * set and no values. p is only read. */
void evtx_chunk_decode(evtx_dec_t *d, const unsigned char *p, size_t n, evtx_chunk_t *out);

#endif
