/* evtx.c — the Windows Event Log file format (.evtx), decoded (see evtx.h).
 *
 * Binary XML is read in two steps. compile() turns a token stream (a
 * template definition, a record's own fragment, a binary-XML value) into
 * a flat list of operations (open element, attribute, text, substitution,
 * template instance, …), checking every offset and length against the
 * chunk; template definitions are compiled once per chunk and cached by
 * offset. render() replays operations with a record's substitution values
 * into compact XML text and, on the way, lists the event's values as
 * read_winxml.c would from that text. Value types are one table (vtab).
 */
#include "evtx.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libdeflate.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "arena.h"
#include "str.h"

#define EVTX_CHUNKHDR 512u        /* the chunk header, string and template tables */
#define EVTX_MAXDEPTH 96          /* element nesting followed, over all nested values */
#define EVTX_MAXNEST 8            /* binary XML values inside values */
#define EVTX_MAXXML ((size_t)4 << 20)  /* longest rendering of one record */
#define EVTX_MAXWORK (1u << 20)   /* operations replayed for one record at most */
#define EVTX_NCACHE 1024          /* name cache slots (power of two) */
#define EVTX_TCACHE 256           /* template cache slots (power of two) */

/* ---- little-endian reads (the caller checks the bounds) ---------------- */

static uint16_t le16(const unsigned char *p) { return (uint16_t)(p[0] | p[1] << 8); }
static uint32_t le32(const unsigned char *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static uint64_t le64(const unsigned char *p) { return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32; }

/* See evtx.h. */
const char *evtx_err_name(unsigned e) {
    static const char *const names[] = {
#define X(id, text) text,
        EVTX_ERRS(X)
#undef X
    };
    return e < EVTX_NERR ? names[e] : "?";
}

/* See evtx.h. */
bool evtx_file_header(const unsigned char *p, size_t n, evtx_fhdr_t *h) {
    memset(h, 0, sizeof *h);
    if (n < 128 || memcmp(p, "ElfFile\0", 8) != 0) return false;
    h->first_chunk = le64(p + 8);
    h->last_chunk = le64(p + 16);
    h->next_id = le64(p + 24);
    h->minor = le16(p + 36);
    h->major = le16(p + 38);
    h->nchunks = le16(p + 42);
    h->flags = le32(p + 120);
    h->crc_ok = libdeflate_crc32(0, p, 120) == le32(p + 124);
    return true;
}

/* ---- output buffers ---------------------------------------------------- */

/* Grow b to hold k more bytes (the slow path of room). */
static void grow_buf(evtx_buf_t *b, size_t k) {
    size_t cap = b->cap ? b->cap : 64 << 10;
    while (cap - b->n < k) cap *= 2;
    b->p = xrealloc(b->p, cap);
    b->cap = cap;
}

/* Room for k more bytes at b->p + b->n. */
static inline char *room(evtx_buf_t *b, size_t k) {
    if (!b->p || b->cap - b->n < k) grow_buf(b, k);
    return b->p + b->n;
}

static inline void put(evtx_buf_t *b, const void *s, size_t k) {
    memcpy(room(b, k), s, k);
    b->n += k;
}

/* Append b's own bytes [off, off+k) (room first: it may move them). */
static void put_self(evtx_buf_t *b, size_t off, size_t k) {
    char *o = room(b, k);
    memcpy(o, b->p + off, k);
    b->n += k;
}

static inline void putc1(evtx_buf_t *b, char ch) {
    *room(b, 1) = ch;
    b->n++;
}

/* Escaping: bit 1 in element text (& < >), bit 2 also in attribute values ("). */
enum { ESC_NONE = 0, ESC_TEXT = 1, ESC_ATTR = 2 };
static const uint8_t esc_need[128] = {['&'] = 3, ['<'] = 3, ['>'] = 3, ['"'] = 2};

/* The escape of ASCII ch into o (esc mode), returning the bytes written. */
static size_t esc_ascii(char *o, unsigned ch, int esc) {
    if (esc && ch < 128 && (esc_need[ch] & esc)) {
        const char *e = ch == '&' ? "&amp;" : ch == '<' ? "&lt;" : ch == '>' ? "&gt;" : "&quot;";
        size_t k = strlen(e);
        memcpy(o, e, k);
        return k;
    }
    o[0] = (char)ch;
    return 1;
}

/* UTF-16LE s[0..2*k) as UTF-8 into b, escaped; NUL characters are left out
 * (strings often carry their terminator), unpaired surrogates become U+FFFD. */
static void put_u16(evtx_buf_t *b, const unsigned char *s, size_t k, int esc) {
    char *o = room(b, k * 6), *o0 = o;
    size_t i = 0;
#ifdef __SSE2__
    /* Eight ASCII characters at a time while none needs escaping (or is NUL). */
    const __m128i hi = _mm_set1_epi16((short)0xFF80), amp = _mm_set1_epi16('&'), lt = _mm_set1_epi16('<'),
                  gt = _mm_set1_epi16('>'), qu = _mm_set1_epi16(esc == ESC_ATTR ? '"' : 0), zero = _mm_setzero_si128();
    for (; i + 8 <= k; i += 8) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(s + 2 * i));
        __m128i bad = _mm_or_si128(_mm_cmpeq_epi16(_mm_and_si128(v, hi), zero), zero);
        bad = _mm_andnot_si128(bad, _mm_set1_epi16(-1)); /* non-ASCII lanes */
        bad = _mm_or_si128(bad, _mm_cmpeq_epi16(v, zero));
        if (esc) {
            bad = _mm_or_si128(bad, _mm_or_si128(_mm_cmpeq_epi16(v, amp), _mm_cmpeq_epi16(v, lt)));
            bad = _mm_or_si128(bad, _mm_or_si128(_mm_cmpeq_epi16(v, gt), _mm_cmpeq_epi16(v, qu)));
        }
        if (_mm_movemask_epi8(bad)) break;
        _mm_storel_epi64((__m128i *)(void *)o, _mm_packus_epi16(v, v));
        o += 8;
    }
#endif
    for (; i < k; i++) {
        uint32_t u = le16(s + 2 * i);
        if (u < 0x80) {
            if (!(esc_need[u] & esc)) {
                *o = (char)u;
                o += u != 0;
            } else {
                o += esc_ascii(o, u, esc);
            }
            continue;
        }
        if (u >= 0xD800 && u <= 0xDBFF && i + 1 < k) {
            uint32_t lo = le16(s + 2 * i + 2);
            if (lo >= 0xDC00 && lo <= 0xDFFF) {
                o += str_utf8_put(o, 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00));
                i++;
                continue;
            }
        }
        if (u >= 0xD800 && u <= 0xDFFF) u = 0xFFFD;
        o += str_utf8_put(o, u);
    }
    b->n += (size_t)(o - o0);
}

/* ---- value types -------------------------------------------------------- */

typedef void (*vfmt_t)(evtx_buf_t *b, const unsigned char *p, size_t n, int esc);

static void put_u64(evtx_buf_t *b, uint64_t v) {
    char t[24];
    size_t k = sizeof t;
    do {
        t[--k] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    put(b, t + k, sizeof t - k);
}

static void put_i64(evtx_buf_t *b, int64_t v) {
    if (v < 0) {
        putc1(b, '-');
        put_u64(b, (uint64_t)0 - (uint64_t)v);
    } else {
        put_u64(b, (uint64_t)v);
    }
}

/* v in decimal, zero-padded to w digits, into o; returns the length. */
static size_t fmt_dec(char *o, unsigned v, unsigned w) {
    char t[12];
    unsigned k = 0;
    do {
        t[k++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (k < w) t[k++] = '0';
    for (unsigned i = 0; i < k; i++) o[i] = t[k - 1 - i];
    return k;
}

/* v as w upper-case hexadecimal digits into o. */
static void fmt_hexw(char *o, uint64_t v, unsigned w) {
    static const char hx[] = "0123456789ABCDEF";
    for (unsigned i = w; i-- > 0; v >>= 4) o[i] = hx[v & 15];
}

static void put_hexbytes(evtx_buf_t *b, const unsigned char *p, size_t n) {
    static const char hx[] = "0123456789ABCDEF";
    char *o = room(b, 2 * n);
    for (size_t i = 0; i < n; i++) {
        o[2 * i] = hx[p[i] >> 4];
        o[2 * i + 1] = hx[p[i] & 15];
    }
    b->n += 2 * n;
}

/* An n-byte little-endian unsigned value (n <= 8). */
static uint64_t le_n(const unsigned char *p, size_t n) {
    uint64_t v = 0;
    for (size_t i = n; i-- > 0;) v = v << 8 | p[i];
    return v;
}

static void v_null(evtx_buf_t *b, const unsigned char *p, size_t n, int esc) { (void)b, (void)p, (void)n, (void)esc; }

static void v_str(evtx_buf_t *b, const unsigned char *p, size_t n, int esc) { put_u16(b, p, n / 2, esc); }

/* windows-1252 bytes 0x80..0x9F (0: undefined, shown as U+FFFD). */
static const uint16_t cp1252[32] = {0x20AC, 0, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
                                    0x2039, 0x0152, 0, 0x017D, 0, 0, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
                                    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0, 0x017E, 0x0178};

static void v_ansi(evtx_buf_t *b, const unsigned char *p, size_t n, int esc) {
    char *o = room(b, n * 6), *o0 = o;
    for (size_t i = 0; i < n; i++) {
        unsigned ch = p[i];
        if (!ch) continue;
        if (ch < 0x80) o += esc_ascii(o, ch, esc);
        else o += str_utf8_put(o, ch < 0xA0 ? (cp1252[ch - 0x80] ? cp1252[ch - 0x80] : 0xFFFD) : ch);
    }
    b->n += (size_t)(o - o0);
}

static void v_int(evtx_buf_t *b, const unsigned char *p, size_t n, int esc) {
    (void)esc;
    uint64_t u = le_n(p, n);
    if (n < 8 && (u >> (8 * n - 1) & 1)) u |= ~(uint64_t)0 << (8 * n); /* sign-extend */
    put_i64(b, (int64_t)u);
}

static void v_uint(evtx_buf_t *b, const unsigned char *p, size_t n, int esc) {
    (void)esc;
    put_u64(b, le_n(p, n));
}

static void v_hex(evtx_buf_t *b, const unsigned char *p, size_t n, int esc) {
    (void)esc;
    static const char hx[] = "0123456789abcdef";
    uint64_t v = le_n(p, n);
    char t[20];
    size_t k = sizeof t;
    do {
        t[--k] = hx[v & 15];
        v >>= 4;
    } while (v);
    t[--k] = 'x';
    t[--k] = '0';
    put(b, t + k, sizeof t - k);
}

static void v_real(evtx_buf_t *b, const unsigned char *p, size_t n, int esc) {
    (void)esc;
    char t[48];
    double d;
    if (n == 4) {
        uint32_t u = le32(p);
        float f;
        memcpy(&f, &u, 4);
        d = f;
    } else {
        uint64_t u = le64(p);
        memcpy(&d, &u, 8);
    }
    int k = snprintf(t, sizeof t, "%.15g", d); /* the shortest of the two that reads back the same */
    if (strtod(t, NULL) != d) k = snprintf(t, sizeof t, "%.17g", d);
    put(b, t, (size_t)k);
}

static void v_bool(evtx_buf_t *b, const unsigned char *p, size_t n, int esc) {
    (void)esc;
    if (le_n(p, n)) put(b, "true", 4);
    else put(b, "false", 5);
}

static void v_binary(evtx_buf_t *b, const unsigned char *p, size_t n, int esc) {
    (void)esc;
    put_hexbytes(b, p, n);
}

static void v_guid(evtx_buf_t *b, const unsigned char *p, size_t n, int esc) {
    (void)esc, (void)n;
    char *o = room(b, 38);
    o[0] = '{';
    fmt_hexw(o + 1, le32(p), 8);
    o[9] = '-';
    fmt_hexw(o + 10, le16(p + 4), 4);
    o[14] = '-';
    fmt_hexw(o + 15, le16(p + 6), 4);
    o[19] = '-';
    fmt_hexw(o + 20, (uint64_t)p[8] << 8 | p[9], 4);
    o[24] = '-';
    for (int i = 0; i < 6; i++) fmt_hexw(o + 25 + 2 * i, p[10 + i], 2);
    o[37] = '}';
    b->n += 38;
}

/* Days since 1970-01-01 to a civil date (proleptic Gregorian). */
static void civil(int64_t z, int64_t *y, unsigned *m, unsigned *d) {
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

/* FILETIME: 100 ns ticks since 1601, as ISO 8601 with seven digits. */
static void v_filetime(evtx_buf_t *b, const unsigned char *p, size_t n, int esc) {
    (void)esc, (void)n;
    uint64_t t = le64(p);
    int64_t secs = (int64_t)(t / 10000000) - 11644473600LL;
    unsigned frac = (unsigned)(t % 10000000);
    int64_t days = secs >= 0 ? secs / 86400 : -((-secs + 86399) / 86400);
    int64_t rem = secs - days * 86400, y;
    unsigned mo, d;
    civil(days, &y, &mo, &d);
    char *o = room(b, 40), *o0 = o;
    o += fmt_dec(o, (unsigned)y, 4); /* FILETIME years run from 1601 to 60056 */
    *o++ = '-';
    o += fmt_dec(o, mo, 2);
    *o++ = '-';
    o += fmt_dec(o, d, 2);
    *o++ = 'T';
    o += fmt_dec(o, (unsigned)(rem / 3600), 2);
    *o++ = ':';
    o += fmt_dec(o, (unsigned)(rem / 60 % 60), 2);
    *o++ = ':';
    o += fmt_dec(o, (unsigned)(rem % 60), 2);
    *o++ = '.';
    o += fmt_dec(o, frac, 7);
    *o++ = 'Z';
    b->n += (size_t)(o - o0);
}

/* SYSTEMTIME: year, month, weekday, day, hour, minute, second, millisecond. */
static void v_systime(evtx_buf_t *b, const unsigned char *p, size_t n, int esc) {
    (void)esc, (void)n;
    static const struct { uint8_t off, w; char after; } parts[] = {
        {0, 4, '-'}, {2, 2, '-'}, {6, 2, 'T'}, {8, 2, ':'}, {10, 2, ':'}, {12, 2, '.'}, {14, 3, 'Z'}};
    char *o = room(b, 64), *o0 = o;
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
        o += fmt_dec(o, le16(p + parts[i].off), parts[i].w);
        *o++ = parts[i].after;
    }
    b->n += (size_t)(o - o0);
}

/* The length of the SID at p[0..n), 0 when it does not fit. */
static size_t sid_len(const unsigned char *p, size_t n) {
    if (n < 8) return 0;
    size_t k = 8 + 4 * (size_t)p[1];
    return k <= n ? k : 0;
}

static void v_sid(evtx_buf_t *b, const unsigned char *p, size_t n, int esc) {
    (void)esc;
    size_t k = sid_len(p, n);
    if (!k) {
        put_hexbytes(b, p, n);
        return;
    }
    uint64_t auth = 0;
    for (int i = 2; i < 8; i++) auth = auth << 8 | p[i];
    put(b, "S-", 2);
    put_u64(b, p[0]);
    putc1(b, '-');
    put_u64(b, auth);
    for (size_t i = 8; i < k; i += 4) {
        putc1(b, '-');
        put_u64(b, le32(p + i));
    }
}

/* SizeT: hexadecimal, as wide as stored. */
static void v_size(evtx_buf_t *b, const unsigned char *p, size_t n, int esc) { v_hex(b, p, n, esc); }

/* The value types, by their number (0x21, binary XML, is rendered as
 * elements by render_value). size: bytes of one value (0: variable);
 * an array (type | 0x80) holds values of that size, or strings each ended
 * by a NUL, or SIDs one after the other. ORDER VTYPE. */
static const struct vtype {
    uint8_t size;   /* fixed size, 0 variable */
    vfmt_t fmt;     /* renders one value */
} vtab[0x16] = {
    [0x00] = {0, v_null},     /* NullType */
    [0x01] = {0, v_str},      /* StringType, UTF-16LE */
    [0x02] = {0, v_ansi},     /* AnsiStringType (windows-1252 read) */
    [0x03] = {1, v_int},      /* Int8 */
    [0x04] = {1, v_uint},     /* UInt8 */
    [0x05] = {2, v_int},      /* Int16 */
    [0x06] = {2, v_uint},     /* UInt16 */
    [0x07] = {4, v_int},      /* Int32 */
    [0x08] = {4, v_uint},     /* UInt32 */
    [0x09] = {8, v_int},      /* Int64 */
    [0x0a] = {8, v_uint},     /* UInt64 */
    [0x0b] = {4, v_real},     /* Real32 */
    [0x0c] = {8, v_real},     /* Real64 */
    [0x0d] = {4, v_bool},     /* Bool (32-bit) */
    [0x0e] = {0, v_binary},   /* Binary: upper-case hexadecimal */
    [0x0f] = {16, v_guid},    /* GUID */
    [0x10] = {0, v_size},     /* SizeT: 4 or 8 bytes, hexadecimal */
    [0x11] = {8, v_filetime}, /* FILETIME */
    [0x12] = {16, v_systime}, /* SYSTEMTIME */
    [0x13] = {0, v_sid},      /* SID */
    [0x14] = {4, v_hex},      /* HexInt32 */
    [0x15] = {8, v_hex},      /* HexInt64 */
};

#define VT_BINXML 0x21

/* Render one (non-array) value of type t from p[0..n). A value whose
 * size does not fit its type is shown as hexadecimal bytes. */
static void put_value(evtx_buf_t *b, unsigned t, const unsigned char *p, size_t n, int esc) {
    if (t < sizeof vtab / sizeof vtab[0] && vtab[t].fmt) {
        unsigned k = vtab[t].size;
        if (k && n != k && !(t == 0x0d && (n == 1 || n == 2 || n == 8))) {
            put_hexbytes(b, p, n);
            return;
        }
        if (t == 0x10 && n != 4 && n != 8) {
            put_hexbytes(b, p, n);
            return;
        }
        vtab[t].fmt(b, p, n, esc);
        return;
    }
    put_hexbytes(b, p, n); /* EvtHandle, EvtXml, unknown types */
}

/* The next item of an array of base type t at p[*i..n): its range in
 * *s, *k. False when none is left. */
static bool array_item(unsigned t, const unsigned char *p, size_t n, size_t *i, size_t *s, size_t *k) {
    if (*i >= n) return false;
    *s = *i;
    if (t == 0x01) { /* UTF-16 strings, each ended by a NUL */
        size_t j = *i;
        while (j + 1 < n && (p[j] || p[j + 1])) j += 2;
        *k = j - *i;
        *i = j + 2;
        return true;
    }
    if (t == 0x02) {
        const unsigned char *z = memchr(p + *i, 0, n - *i);
        size_t j = z ? (size_t)(z - p) : n;
        *k = j - *i;
        *i = j + 1;
        return true;
    }
    if (t == 0x13) {
        size_t l = sid_len(p + *i, n - *i);
        if (!l) l = n - *i;
        *k = l;
        *i += l;
        return true;
    }
    unsigned sz = t < sizeof vtab / sizeof vtab[0] ? vtab[t].size : 0;
    if (t == 0x10) sz = 8; /* an array of SizeT: 64-bit values */
    if (!sz) sz = (unsigned)(n - *i);
    *k = n - *i < sz ? n - *i : sz;
    *i += *k;
    return true;
}

/* ---- the decoder -------------------------------------------------------- */

/* Operations a token stream compiles to. */
enum {
    EO_OPEN,        /* '<' name: a, b = the name in the pool */
    EO_ATTR,        /* an attribute: a, b = its name */
    EO_CLOSE_START, /* '>' */
    EO_CLOSE_EMPTY, /* "/>" */
    EO_END,         /* "</name>" */
    EO_TEXT,        /* literal text, escaped for where it stands: a, b in the pool */
    EO_SUB,         /* substitution value number sub */
    EO_OSUB,        /* optional substitution: a NULL value leaves its attribute out */
    EO_TINST        /* template instance: a = definition offset, b = instance data offset, c = its end */
};

/* One operation. */
typedef struct evtx_op {
    uint8_t kind;   /* EO_* */
    uint16_t sub;   /* EO_SUB, EO_OSUB: the value's index; EO_OPEN, EO_ATTR: the name's NF_* flags */
    uint32_t a, b;  /* see the kinds */
    uint32_t c;     /* EO_TINST: end of the instance data; EO_OPEN: 1 + the value index when the
                     * element's only content is that substitution (an array is written per item) */
} evtx_op_t;

/* What compile finds out once about a name, for render (in evtx_op_t.sub).
 * ORDER NAMEFLAG: nf_names[]. */
enum {
    NF_SYSTEM = 1,        /* "System" */
    NF_EVENTDATA = 2,     /* "EventData" */
    NF_USERDATA = 4,      /* "UserData" */
    NF_RENDERING = 8,     /* "RenderingInfo" */
    NF_DATA = 16,         /* "Data" */
    NF_MESSAGE = 32,      /* "Message" */
    NF_XMLNS = 64,        /* "xmlns" */
    NF_NAME = 128         /* "Name" */
};
static const char *const nf_names[] = {"System", "EventData", "UserData", "RenderingInfo",
                                       "Data", "Message", "xmlns", "Name"};

/* The NF_* flag of the pool's name p[0..n), 0 for any other name. */
static uint16_t name_flags(const char *p, uint32_t n) {
    for (unsigned i = 0; i < sizeof nf_names / sizeof nf_names[0]; i++)
        if (n == strlen(nf_names[i]) && memcmp(p, nf_names[i], n) == 0) return (uint16_t)(1u << i);
    return 0;
}

/* A list of operations. */
typedef struct opool {
    evtx_op_t *v;   /* heap, owned */
    uint32_t n, cap;
} opool_t;

/* A substitution value: its type and bytes in the chunk. */
typedef struct evtx_val {
    uint8_t type;
    uint32_t off, size;
} evtx_val_t;

/* A cached name: chunk offset → UTF-8 in the pool. */
typedef struct ncache {
    uint32_t off;   /* 0: empty */
    uint32_t p, n;  /* the name in the pool */
} ncache_t;

/* A cached template definition: chunk offset → its operations in tops. */
typedef struct tcache {
    uint32_t off;   /* 0: empty */
    uint32_t first, count;
    bool ok;        /* false: the definition is malformed */
} tcache_t;

/* See evtx.h. */
struct evtx_dec {
    const unsigned char *ck;  /* the chunk being decoded (borrowed) */
    uint32_t n;               /* its size */
    evtx_buf_t pool;          /* names and literal texts of the chunk, UTF-8 */
    ncache_t names[EVTX_NCACHE];
    tcache_t tmpl[EVTX_TCACHE];
    uint32_t ntmpl;           /* templates cached */
    opool_t tops;             /* the chunk's compiled template definitions */
    opool_t fops;             /* other fragments, a stack */
    evtx_val_t *vals;         /* substitution values, a stack */
    uint32_t nval, capval;
};

/* See evtx.h. */
evtx_dec_t *evtx_dec_new(void) { return xcalloc(1, sizeof(evtx_dec_t)); }

/* See evtx.h. */
void evtx_dec_free(evtx_dec_t *d) {
    if (!d) return;
    free(d->pool.p);
    free(d->tops.v);
    free(d->fops.v);
    free(d->vals);
    free(d);
}

/* See evtx.h. */
void evtx_chunk_free(evtx_chunk_t *c) {
    free(c->recs);
    free(c->items);
    free(c->text.p);
    free(c->aux.p);
    memset(c, 0, sizeof *c);
}

/* The array v (n of *cap elements of size elem used) with room for one
 * more: v itself, or v moved to twice the room. */
static void *grow(void *v, uint32_t n, uint32_t *cap, size_t elem) {
    if (n < *cap) return v;
    *cap = *cap ? *cap * 2 : 256;
    return xrealloc(v, (size_t)*cap * elem);
}

static evtx_op_t *op_add(opool_t *P) {
    P->v = grow(P->v, P->n, &P->cap, sizeof *P->v);
    evtx_op_t *o = &P->v[P->n++];
    memset(o, 0, sizeof *o);
    return o;
}

/* The name at chunk offset off: [4 unknown][2 hash][2 count][UTF-16][NUL].
 * When off is *pos the name is stored right here and *pos moves past it.
 * Returns false when it does not fit the chunk (or [*pos, end)). */
static bool name_at(evtx_dec_t *d, uint32_t off, uint32_t *pos, uint32_t end, uint32_t *np, uint32_t *nn) {
    bool inl = off == *pos;
    uint32_t lim = inl ? end : d->n;
    if (off < EVTX_CHUNKHDR || off > lim || lim - off < 8) return false;
    uint32_t k = le16(d->ck + off + 6);
    if ((uint64_t)8 + 2 * (uint64_t)k + 2 > lim - off) return false;
    if (inl) *pos = off + 8 + 2 * k + 2;
    uint32_t h = (off * 2654435761u) >> 22 & (EVTX_NCACHE - 1);
    for (uint32_t probe = 0; probe < 16; probe++, h = (h + 1) & (EVTX_NCACHE - 1)) {
        ncache_t *c = &d->names[h];
        if (c->off == off) {
            *np = c->p;
            *nn = c->n;
            return true;
        }
        if (!c->off) {
            c->off = off;
            c->p = (uint32_t)d->pool.n;
            put_u16(&d->pool, d->ck + off + 8, k, ESC_NONE);
            c->n = (uint32_t)(d->pool.n - c->p);
            *np = c->p;
            *nn = c->n;
            return true;
        }
    }
    *np = (uint32_t)d->pool.n; /* the cache is crowded here: not cached */
    put_u16(&d->pool, d->ck + off + 8, k, ESC_NONE);
    *nn = (uint32_t)(d->pool.n - *np);
    return true;
}

/* An operation of kind (EO_OPEN, EO_ATTR) naming the name at chunk offset
 * off (see name_at). False when the name does not fit. */
static bool name_op(evtx_dec_t *d, opool_t *P, uint8_t kind, uint32_t off, uint32_t *pos, uint32_t end) {
    uint32_t np, nn;
    if (!name_at(d, off, pos, end, &np, &nn)) return false;
    evtx_op_t *o = op_add(P);
    o->kind = kind;
    o->a = np;
    o->b = nn;
    o->sub = name_flags(d->pool.p + np, nn);
    return true;
}

/* Append pre and the name at chunk offset off (see name_at) to the pool,
 * starting at *p0. False when the name does not fit. */
static bool name_lit(evtx_dec_t *d, uint32_t off, uint32_t *pos, uint32_t end, const char *pre, uint32_t *p0) {
    uint32_t np, nn;
    if (!name_at(d, off, pos, end, &np, &nn)) return false;
    *p0 = (uint32_t)d->pool.n;
    put(&d->pool, pre, strlen(pre));
    put_self(&d->pool, np, nn);
    return true;
}

/* Literal text for the pool: an EO_TEXT for what was appended since p0. */
static void text_op(opool_t *P, uint32_t p0, const evtx_buf_t *pool) {
    if (pool->n == p0) return;
    evtx_op_t *o = op_add(P);
    o->kind = EO_TEXT;
    o->a = p0;
    o->b = (uint32_t)(pool->n - p0);
}

/* How compile reads a token stream. */
enum { CM_TEMPLATE, CM_RECORD, CM_VALUE };

/* Where compile is in the XML. */
enum { CS_TOP, CS_START, CS_ATTR, CS_CONTENT };

/* The tokens that end a start tag or an element (0x02, 0x03, 0x04, in
 * order): the states they may stand in (bits), their operation, and
 * whether they close the element. */
static const struct close_tok {
    uint8_t states;
    uint8_t op;
    uint8_t close;
} close_toks[] = {
    {1 << CS_START | 1 << CS_ATTR, EO_CLOSE_START, 0}, /* '>' */
    {1 << CS_START | 1 << CS_ATTR, EO_CLOSE_EMPTY, 1}, /* "/>" */
    {1 << CS_CONTENT, EO_END, 1},                      /* "</name>" */
};

/* Compile binary XML at chunk offsets [pos, end) into operations appended
 * to P (*first, *count). CM_TEMPLATE: a template definition's body
 * (substitutions, no template instances); CM_RECORD: a record's event
 * (template instances, no substitutions); CM_VALUE: a binary-XML value
 * (its element starts carry no dependency identifier). Returns false when
 * the stream is malformed. */
static bool compile(evtx_dec_t *d, opool_t *P, uint32_t pos, uint32_t end, int mode, uint32_t *first,
                    uint32_t *count) {
    const unsigned char *ck = d->ck;
    uint32_t depth = 0, st = CS_TOP;
    uint32_t opened[EVTX_MAXDEPTH]; /* P index of each open element's EO_OPEN */
    *first = P->n;
    if (end > d->n) return false;
#define NEED(k) \
    if ((uint64_t)pos + (k) > end) return false
    for (;;) {
        if (pos >= end) break;
        unsigned tok = ck[pos];
        bool value_ok = st == CS_CONTENT || st == CS_ATTR;
        switch (tok) {
        case 0x00: /* end of the fragment */
            pos = end;
            break;
        case 0x0f: /* fragment header */
            if (st != CS_TOP) return false;
            NEED(4);
            pos += 4;
            break;
        case 0x01:
        case 0x41: { /* element start; 0x41: with attributes */
            if (st == CS_START || st == CS_ATTR || depth >= EVTX_MAXDEPTH) return false;
            pos++;
            if (mode != CM_VALUE) {
                NEED(2);
                pos += 2; /* dependency identifier */
            }
            NEED(8);
            uint32_t noff = le32(ck + pos + 4);
            pos += 8;
            opened[depth] = P->n;
            if (!name_op(d, P, EO_OPEN, noff, &pos, end)) return false;
            if (tok == 0x41) {
                NEED(4);
                pos += 4; /* the attribute list's size */
            }
            depth++;
            st = CS_START;
            break;
        }
        case 0x06:
        case 0x46: { /* attribute */
            if (st != CS_START && st != CS_ATTR) return false;
            pos++;
            NEED(4);
            uint32_t noff = le32(ck + pos);
            pos += 4;
            if (!name_op(d, P, EO_ATTR, noff, &pos, end)) return false;
            st = CS_ATTR;
            break;
        }
        case 0x02:
        case 0x03:
        case 0x04: { /* '>', "/>", end tag */
            const struct close_tok *t = &close_toks[tok - 0x02];
            if (!(t->states >> st & 1) || (t->close && !depth)) return false;
            uint32_t n = P->n;
            if (t->op == EO_END && n >= 2 && (P->v[n - 1].kind == EO_SUB || P->v[n - 1].kind == EO_OSUB) &&
                P->v[n - 2].kind == EO_CLOSE_START && opened[depth - 1] < n - 2)
                P->v[opened[depth - 1]].c = (uint32_t)P->v[n - 1].sub + 1; /* <x …>%sub</x> */
            op_add(P)->kind = t->op;
            pos++;
            depth -= t->close;
            st = depth || !t->close ? CS_CONTENT : CS_TOP;
            break;
        }
        case 0x05:
        case 0x45: { /* a value: usually a string */
            if (!value_ok) return false;
            NEED(2);
            unsigned t = ck[pos + 1];
            pos += 2;
            uint32_t p0 = (uint32_t)d->pool.n;
            int esc = st == CS_ATTR ? ESC_ATTR : ESC_TEXT;
            if (t == 0x01) {
                NEED(2);
                uint32_t k = le16(ck + pos);
                NEED(2 + 2 * (uint64_t)k);
                put_u16(&d->pool, ck + pos + 2, k, esc);
                pos += 2 + 2 * k;
            } else if (t < sizeof vtab / sizeof vtab[0] && vtab[t].size) {
                NEED(vtab[t].size);
                put_value(&d->pool, t, ck + pos, vtab[t].size, esc);
                pos += vtab[t].size;
            } else {
                return false;
            }
            text_op(P, p0, &d->pool);
            break;
        }
        case 0x07:
        case 0x47: { /* CDATA section */
            if (st != CS_CONTENT) return false;
            NEED(3);
            uint32_t k = le16(ck + pos + 1);
            NEED(3 + 2 * (uint64_t)k);
            uint32_t p0 = (uint32_t)d->pool.n;
            put(&d->pool, "<![CDATA[", 9);
            put_u16(&d->pool, ck + pos + 3, k, ESC_NONE);
            put(&d->pool, "]]>", 3);
            text_op(P, p0, &d->pool);
            pos += 3 + 2 * k;
            break;
        }
        case 0x08:
        case 0x48: { /* character reference */
            if (!value_ok) return false;
            NEED(3);
            char t[16];
            int k = snprintf(t, sizeof t, "&#%u;", (unsigned)le16(ck + pos + 1));
            uint32_t p0 = (uint32_t)d->pool.n;
            put(&d->pool, t, (size_t)k);
            text_op(P, p0, &d->pool);
            pos += 3;
            break;
        }
        case 0x09:
        case 0x49: { /* entity reference */
            if (!value_ok) return false;
            NEED(5);
            uint32_t p0;
            pos += 5;
            if (!name_lit(d, le32(ck + pos - 4), &pos, end, "&", &p0)) return false;
            putc1(&d->pool, ';');
            text_op(P, p0, &d->pool);
            break;
        }
        case 0x0a: { /* processing instruction target */
            if (st != CS_TOP && st != CS_CONTENT) return false;
            NEED(5);
            uint32_t p0;
            pos += 5;
            if (!name_lit(d, le32(ck + pos - 4), &pos, end, "<?", &p0)) return false;
            if (pos < end && ck[pos] == 0x0b) { /* its data */
                NEED(3);
                uint32_t k = le16(ck + pos + 1);
                NEED(3 + 2 * (uint64_t)k);
                putc1(&d->pool, ' ');
                put_u16(&d->pool, ck + pos + 3, k, ESC_NONE);
                pos += 3 + 2 * k;
            }
            put(&d->pool, "?>", 2);
            text_op(P, p0, &d->pool);
            break;
        }
        case 0x0c: { /* template instance */
            if (mode == CM_TEMPLATE || (st != CS_TOP && st != CS_CONTENT)) return false;
            NEED(10);
            uint32_t def = le32(ck + pos + 6);
            pos += 10;
            if (def == pos) { /* the definition is stored here: step over it */
                NEED(24);
                uint32_t sz = le32(ck + pos + 20);
                NEED(24 + (uint64_t)sz);
                pos += 24 + sz;
            }
            if (def < EVTX_CHUNKHDR || def > d->n || d->n - def < 24) return false;
            NEED(4);
            uint32_t data = pos, nv = le32(ck + pos);
            if (nv > (end - pos - 4) / 4) return false;
            uint64_t vend = (uint64_t)pos + 4 + 4 * (uint64_t)nv;
            for (uint32_t i = 0; i < nv; i++) vend += le16(ck + pos + 4 + 4 * i);
            if (vend > end) return false;
            evtx_op_t *o = op_add(P);
            o->kind = EO_TINST;
            o->a = def;
            o->b = data;
            o->c = (uint32_t)vend;
            pos = (uint32_t)vend;
            break;
        }
        case 0x0d:
        case 0x0e: { /* substitution */
            if (mode != CM_TEMPLATE || !value_ok) return false;
            NEED(4);
            evtx_op_t *o = op_add(P);
            o->kind = tok == 0x0d ? EO_SUB : EO_OSUB;
            o->sub = le16(ck + pos + 1);
            pos += 4;
            break;
        }
        default: return false;
        }
    }
#undef NEED
    *count = P->n - *first;
    return depth == 0;
}

/* The compiled template definition at chunk offset def:
 * [4 next][16 GUID][4 size][size bytes of binary XML]. */
static bool tmpl_get(evtx_dec_t *d, uint32_t def, uint32_t *first, uint32_t *count) {
    uint32_t h = (def * 2654435761u) >> 24 & (EVTX_TCACHE - 1);
    tcache_t *slot = NULL;
    for (uint32_t probe = 0; probe < 8; probe++, h = (h + 1) & (EVTX_TCACHE - 1)) {
        tcache_t *c = &d->tmpl[h];
        if (c->off == def) {
            *first = c->first;
            *count = c->count;
            return c->ok;
        }
        if (!c->off) {
            slot = c;
            break;
        }
    }
    if (def < EVTX_CHUNKHDR || def > d->n || d->n - def < 24) return false;
    uint32_t sz = le32(d->ck + def + 20);
    if (sz > d->n - def - 24) return false;
    bool ok = compile(d, &d->tops, def + 24, def + 24 + sz, CM_TEMPLATE, first, count);
    if (slot) {
        slot->off = def;
        slot->first = *first;
        slot->count = *count;
        slot->ok = ok;
    }
    return ok;
}

/* ---- rendering ---------------------------------------------------------- */

/* Sections of an event (children of its root). */
enum { SC_NONE, SC_SYSTEM, SC_DATA, SC_USER, SC_RENDER };

/* An open element. */
typedef struct frame {
    uint32_t name, nlen;    /* its name in text */
    uint16_t flags;         /* its name's NF_* flags */
    uint32_t content;       /* text offset after its start tag */
    uint32_t dname, dnlen;  /* a Data element's Name attribute (has_dname) in text */
    bool kids;              /* it has child elements */
    bool has_dname;
} frame_t;

/* The state of one record's rendering. */
typedef struct rstate {
    evtx_dec_t *d;
    evtx_chunk_t *out;
    frame_t fr[EVTX_MAXDEPTH];
    uint32_t depth;           /* open elements */
    uint32_t sect;            /* SC_* of the current child of the root */
    bool in_attr;             /* an attribute value is being written */
    bool attr_null;           /* it met an optional substitution with a NULL value */
    uint32_t attr_start;      /* text offset of its ' ' */
    uint32_t attr_val;        /* text offset of its value */
    uint32_t aname, anlen;    /* its name in the pool */
    uint16_t aflags;          /* its name's NF_* flags */
    size_t text0;             /* text offset of the record's rendering */
    uint32_t work;            /* operations replayed */
    uint32_t nest;            /* binary-XML values inside values */
    bool fail;                /* malformed, or too large */
    uint8_t err;              /* the reason when fail */
} rstate_t;

static void item_add(rstate_t *R, uint32_t name, uint32_t nlen, bool aux, uint32_t val, uint32_t vlen, uint8_t sect) {
    evtx_chunk_t *o = R->out;
    o->items = grow(o->items, o->nitem, &o->capitem, sizeof *o->items);
    o->items[o->nitem++] = (evtx_item_t){name, nlen, val, vlen, sect, aux};
}

static uint8_t item_sect(uint32_t sc) { return sc == SC_SYSTEM ? EVTX_SYS : sc == SC_RENDER ? EVTX_OTHER : EVTX_DATA; }

/* End the attribute being written: left out when its value is empty
 * because of a NULL optional substitution; else closed, and listed when
 * it is a System element's (as Element.Attribute) or a Data's Name. */
static void attr_end(rstate_t *R) {
    if (!R->in_attr) return;
    R->in_attr = false;
    evtx_chunk_t *o = R->out;
    uint32_t vlen = (uint32_t)(o->text.n - R->attr_val);
    if (!vlen && R->attr_null) {
        o->text.n = R->attr_start;
        return;
    }
    putc1(&o->text, '"');
    uint32_t e = R->depth - 1;
    frame_t *f = &R->fr[e];
    if (R->sect == SC_SYSTEM && e == 2 && !(R->aflags & NF_XMLNS)) {
        uint32_t a = (uint32_t)o->aux.n;
        put(&o->aux, o->text.p + f->name, f->nlen);
        putc1(&o->aux, '.');
        put(&o->aux, R->d->pool.p + R->aname, R->anlen);
        item_add(R, a, (uint32_t)(o->aux.n - a), true, R->attr_val, vlen, EVTX_SYS);
    } else if (R->sect == SC_DATA && e == 2 && (R->aflags & NF_NAME) && (f->flags & NF_DATA)) {
        f->dname = R->attr_val;
        f->dnlen = vlen;
        f->has_dname = true;
    }
}

static void el_open(rstate_t *R, uint32_t np, uint32_t nn, uint16_t flags) {
    if (R->depth >= EVTX_MAXDEPTH) {
        R->fail = true;
        R->err = EVTX_E_BINXML;
        return;
    }
    evtx_chunk_t *o = R->out;
    if (R->depth) R->fr[R->depth - 1].kids = true;
    putc1(&o->text, '<');
    frame_t *f = &R->fr[R->depth];
    f->name = (uint32_t)o->text.n;
    f->nlen = nn;
    f->flags = flags;
    f->kids = f->has_dname = false;
    f->content = 0;
    put(&o->text, R->d->pool.p + np, nn);
    if (R->depth == 1)
        R->sect = flags & NF_SYSTEM      ? SC_SYSTEM
                  : flags & NF_EVENTDATA ? SC_DATA
                  : flags & NF_USERDATA  ? SC_USER
                  : flags & NF_RENDERING ? SC_RENDER
                                         : SC_NONE;
    R->depth++;
}

static void close_start(rstate_t *R) {
    attr_end(R);
    putc1(&R->out->text, '>');
    R->fr[R->depth - 1].content = (uint32_t)R->out->text.n;
}

/* The element being closed (an empty tag, or at its end tag whose text
 * starts at cend): a leaf of System, EventData, UserData or RenderingInfo
 * is one of the event's values, as read_winxml.c lists them. */
static void el_finish(rstate_t *R, bool empty, uint32_t cend) {
    uint32_t e = R->depth - 1;
    frame_t *f = &R->fr[e];
    if (e >= 2 && !f->kids) {
        bool data = f->flags & NF_DATA;
        if (empty) {
            if (R->sect == SC_DATA && e == 2 && data && f->has_dname)
                item_add(R, f->dname, f->dnlen, false, cend, 0, EVTX_DATA);
        } else {
            uint32_t v = f->content, vn = cend - f->content;
            if ((R->sect == SC_SYSTEM || R->sect == SC_DATA) && e == 2) {
                if (R->sect == SC_DATA && data && f->has_dname)
                    item_add(R, f->dname, f->dnlen, false, v, vn, EVTX_DATA);
                else
                    item_add(R, f->name, f->nlen, false, v, vn, item_sect(R->sect));
            } else if (R->sect == SC_USER) {
                item_add(R, f->name, f->nlen, false, v, vn, EVTX_DATA);
            } else if (R->sect == SC_RENDER && e == 2 && (f->flags & NF_MESSAGE)) {
                item_add(R, f->name, f->nlen, false, v, vn, EVTX_OTHER);
            }
        }
    }
    if (e == 1) R->sect = SC_NONE;
    R->depth--;
}

static void el_end(rstate_t *R) {
    evtx_chunk_t *o = R->out;
    frame_t *f = &R->fr[R->depth - 1];
    uint32_t cend = (uint32_t)o->text.n;
    put(&o->text, "</", 2);
    char *nm = room(&o->text, f->nlen);
    memcpy(nm, o->text.p + f->name, f->nlen);
    o->text.n += f->nlen;
    putc1(&o->text, '>');
    el_finish(R, false, cend);
}

static void render(rstate_t *R, opool_t *P, uint32_t first, uint32_t count, uint32_t vb, uint32_t vn);

/* Render a template instance: its values at chunk offsets [data, end),
 * its definition at def. */
static void render_tinst(rstate_t *R, uint32_t def, uint32_t data, uint32_t end) {
    evtx_dec_t *d = R->d;
    if (end > d->n || data > end || end - data < 4) {
        R->fail = true;
        R->err = EVTX_E_BINXML;
        return;
    }
    uint32_t nv = le32(d->ck + data);
    if (nv > (end - data - 4) / 4) {
        R->fail = true;
        R->err = EVTX_E_BINXML;
        return;
    }
    uint32_t vb = d->nval;
    if (d->nval + nv > d->capval) {
        while (d->nval + nv > d->capval) d->capval = d->capval ? d->capval * 2 : 256;
        d->vals = xrealloc(d->vals, d->capval * sizeof *d->vals);
    }
    uint32_t off = data + 4 + 4 * nv;
    for (uint32_t i = 0; i < nv; i++) {
        const unsigned char *q = d->ck + data + 4 + 4 * i;
        uint32_t sz = le16(q);
        if (sz > end - off) {
            R->fail = true;
            R->err = EVTX_E_BINXML;
            return;
        }
        d->vals[vb + i] = (evtx_val_t){q[2], off, sz};
        off += sz;
    }
    d->nval += nv;
    uint32_t first, count;
    if (!tmpl_get(d, def, &first, &count)) {
        R->fail = true;
        R->err = EVTX_E_BINXML;
    } else {
        render(R, &d->tops, first, count, vb, nv);
    }
    d->nval = vb;
}

/* Render a binary-XML value (type 0x21) at chunk offsets [off, off+n). */
static void render_binxml(rstate_t *R, uint32_t off, uint32_t n) {
    evtx_dec_t *d = R->d;
    if (R->nest >= EVTX_MAXNEST) {
        R->fail = true;
        R->err = EVTX_E_BINXML;
        return;
    }
    uint32_t top = d->fops.n, first, count;
    if (!compile(d, &d->fops, off, off + n, CM_VALUE, &first, &count)) {
        R->fail = true;
        R->err = EVTX_E_BINXML;
    } else {
        R->nest++;
        render(R, &d->fops, first, count, 0, 0);
        R->nest--;
    }
    d->fops.n = top;
}

/* Render value v (array items joined by ", "), escaped as esc says. */
static void render_value(rstate_t *R, const evtx_val_t *v, int esc) {
    evtx_dec_t *d = R->d;
    const unsigned char *p = d->ck + v->off;
    if (v->type == VT_BINXML) {
        if (esc == ESC_ATTR) put_hexbytes(&R->out->text, p, v->size);
        else render_binxml(R, v->off, v->size);
        return;
    }
    if (v->type & 0x80) {
        unsigned t = v->type & 0x7f;
        size_t i = 0, s, k;
        bool first = true;
        while (array_item(t, p, v->size, &i, &s, &k)) {
            if (!first) put(&R->out->text, ", ", 2);
            first = false;
            put_value(&R->out->text, t, p + s, k, esc);
        }
        return;
    }
    put_value(&R->out->text, v->type, p, v->size, esc);
}

/* An element whose only content is an array value is written once per
 * item (none: once, empty). ops[i] opens it (compile marked it: its c is
 * 1 + the substitution's index); its start tag ends at the operation
 * before that substitution, its end tag follows it. True when the value
 * is an array (and the element was rendered, *next after its end tag). */
static bool render_array_element(rstate_t *R, opool_t *P, uint32_t i, uint32_t last, uint32_t vb, uint32_t vn,
                                 uint32_t *next) {
    const evtx_op_t *o = &P->v[i];
    uint32_t k = o->c - 1;
    if (k >= vn) return false;
    evtx_val_t v = R->d->vals[vb + k];
    if (!(v.type & 0x80) || v.type == (VT_BINXML | 0x80)) return false;
    uint32_t j = i + 1; /* the start tag's '>' */
    while (j < last && P->v[j].kind != EO_CLOSE_START) j++;
    if (j + 2 >= last || P->v[j + 2].kind != EO_END) return false;
    unsigned t = v.type & 0x7f;
    const unsigned char *p = R->d->ck + v.off;
    size_t at = 0, st, n;
    bool any = false;
    for (;;) {
        bool more = array_item(t, p, v.size, &at, &st, &n);
        if (!more && any) break;
        el_open(R, P->v[i].a, P->v[i].b, P->v[i].sub);
        render(R, P, i + 1, j - i, vb, vn); /* its attributes and '>' */
        if (R->fail) return true;
        if (more) put_value(&R->out->text, t, p + st, n, ESC_TEXT);
        el_end(R);
        any = true;
        if (!more) break;
    }
    *next = j + 3;
    return true;
}

/* Replay operations P[first .. first+count) with the substitution values
 * vals[vb .. vb+vn) (P may grow meanwhile: entries are read by index). */
static void render(rstate_t *R, opool_t *P, uint32_t first, uint32_t count, uint32_t vb, uint32_t vn) {
    evtx_dec_t *d = R->d;
    evtx_chunk_t *o = R->out;
    uint32_t last = first + count;
    for (uint32_t i = first; i < last && !R->fail;) {
        /* Limits: looked at every 16 operations (one writes a name of at most
         * 98 KB) and after a long text or a value that passes the limit. */
        if ((++R->work & 15) == 0 && (R->work > EVTX_MAXWORK || o->text.n - R->text0 > EVTX_MAXXML)) {
            R->fail = true;
            R->err = EVTX_E_LARGE;
            return;
        }
        evtx_op_t op = P->v[i];
        switch (op.kind) {
        case EO_OPEN: {
            attr_end(R);
            uint32_t next = i + 1;
            if (op.c && render_array_element(R, P, i, last, vb, vn, &next)) {
                i = next;
                continue;
            }
            el_open(R, op.a, op.b, op.sub);
            break;
        }
        case EO_ATTR:
            attr_end(R);
            R->in_attr = true;
            R->attr_null = false;
            R->attr_start = (uint32_t)o->text.n;
            putc1(&o->text, ' ');
            put(&o->text, d->pool.p + op.a, op.b);
            put(&o->text, "=\"", 2);
            R->attr_val = (uint32_t)o->text.n;
            R->aname = op.a;
            R->anlen = op.b;
            R->aflags = op.sub;
            break;
        case EO_CLOSE_START: close_start(R); break;
        case EO_CLOSE_EMPTY:
            attr_end(R);
            put(&o->text, "/>", 2);
            el_finish(R, true, (uint32_t)o->text.n);
            break;
        case EO_END: el_end(R); break;
        case EO_TEXT:
            put(&o->text, d->pool.p + op.a, op.b);
            if (op.b > 4096) R->work |= 15; /* the limits are looked at next */
            break;
        case EO_SUB:
        case EO_OSUB: {
            if (op.sub >= vn) break; /* no such value: nothing */
            evtx_val_t v = d->vals[vb + op.sub];
            if (v.type == 0) {
                if (op.kind == EO_OSUB) R->attr_null = true;
                break;
            }
            render_value(R, &v, R->in_attr ? ESC_ATTR : ESC_TEXT);
            if (o->text.n - R->text0 > EVTX_MAXXML) R->work |= 15;
            break;
        }
        case EO_TINST:
            if (R->nest >= EVTX_MAXNEST) {
                R->fail = true;
                R->err = EVTX_E_BINXML;
                return;
            }
            R->nest++;
            render_tinst(R, op.a, op.b, op.c);
            R->nest--;
            break;
        default: R->fail = true; R->err = EVTX_E_BINXML; return;
        }
        i++;
    }
}

/* Decode the record at chunk offset off (size bytes, header checked) into
 * out: its rendering and values, or its err. */
static void decode_record(evtx_dec_t *d, evtx_chunk_t *out, evtx_rec_t *rec) {
    rstate_t R;
    R.d = d;
    R.out = out;
    R.depth = 0;
    R.sect = SC_NONE;
    R.in_attr = R.attr_null = false;
    R.text0 = out->text.n;
    R.work = 0;
    R.nest = 0;
    R.fail = false;
    R.err = EVTX_OK;
    uint32_t item0 = out->nitem, aux0 = (uint32_t)out->aux.n, top = d->fops.n, first, count;
    d->nval = 0;
    if (!compile(d, &d->fops, rec->off + 24, rec->off + rec->size - 4, CM_RECORD, &first, &count)) {
        R.fail = true;
        R.err = EVTX_E_BINXML;
    } else {
        render(&R, &d->fops, first, count, 0, 0);
        /* an event is one element: none, or one left open, is malformed */
        if (!R.fail && (R.depth || out->text.n == R.text0)) R.fail = true, R.err = EVTX_E_BINXML;
    }
    d->fops.n = top;
    if (R.fail) {
        out->text.n = R.text0;
        out->nitem = item0;
        out->aux.n = aux0;
        rec->err = R.err ? R.err : EVTX_E_BINXML;
        rec->xml = (uint32_t)R.text0;
        rec->xmln = 0;
        rec->item = item0;
        rec->nitem = 0;
        return;
    }
    rec->xml = (uint32_t)R.text0;
    rec->xmln = (uint32_t)(out->text.n - R.text0);
    rec->item = item0;
    rec->nitem = out->nitem - item0;
    rec->err = EVTX_OK;
}

static evtx_rec_t *rec_add(evtx_chunk_t *o) {
    o->recs = grow(o->recs, o->nrec, &o->caprec, sizeof *o->recs);
    evtx_rec_t *r = &o->recs[o->nrec++];
    memset(r, 0, sizeof *r);
    return r;
}

/* See evtx.h. */
void evtx_chunk_decode(evtx_dec_t *d, const unsigned char *p, size_t n, evtx_chunk_t *out) {
    out->state = EVTX_CK_EMPTY;
    out->hdr_crc_bad = out->data_crc_bad = false;
    out->first_id = out->last_id = 0;
    out->nrec = out->nitem = 0;
    out->text.n = out->aux.n = 0;
    if (n > EVTX_CHUNK) n = EVTX_CHUNK;
    if (n < 8 || memcmp(p, "ElfChnk\0", 8) != 0) return;
    if (n < EVTX_CHUNKHDR) {
        out->state = EVTX_CK_BAD;
        return;
    }
    out->state = EVTX_CK_OK;
    out->first_id = le64(p + 24);
    out->last_id = le64(p + 32);
    uint32_t crc = libdeflate_crc32(0, p, 120);
    crc = libdeflate_crc32(crc, p + 128, EVTX_CHUNKHDR - 128);
    out->hdr_crc_bad = crc != le32(p + 124);
    uint32_t free_off = le32(p + 48);
    if (free_off < EVTX_CHUNKHDR || free_off > n) free_off = (uint32_t)n; /* records end at the chunk's */
    out->data_crc_bad = libdeflate_crc32(0, p + EVTX_CHUNKHDR, free_off - EVTX_CHUNKHDR) != le32(p + 52);

    /* per-chunk caches */
    d->ck = p;
    d->n = (uint32_t)n;
    d->pool.n = 0;
    memset(d->names, 0, sizeof d->names);
    memset(d->tmpl, 0, sizeof d->tmpl);
    d->ntmpl = 0;
    d->tops.n = d->fops.n = 0;

    uint32_t off = EVTX_CHUNKHDR;
    while (off + 28 <= free_off) {
        if (le32(p + off) != 0x00002a2a) break; /* the records end (or slack follows) */
        uint32_t size = le32(p + off + 4);
        evtx_rec_t *r = rec_add(out);
        r->off = off;
        r->id = le64(p + off + 8);
        if (size < 28 || size > free_off - off || le32(p + off + size - 4) != size) {
            /* The record's frame is broken: the rest of the chunk cannot be followed. */
            r->size = free_off - off;
            r->err = EVTX_E_RECORD;
            break;
        }
        r->size = size;
        decode_record(d, out, r);
        off += size;
    }
    d->ck = NULL;
}
