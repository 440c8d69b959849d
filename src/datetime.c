/* datetime.c — dates, times and time zones (see datetime.h).
 *
 * Used by the readers (input_lane.c's _messageTime, syslog.c, reader_text.c, the
 * firewall and Windows readers) and by eval.c's formatDate and parseDate.
 * In order: civil arithmetic and names, offsets in text, tz database zones
 * (TZif files and their POSIX TZ footer, per RFC 8536 and tzfile(5)), the
 * automatic timestamp reader, Java patterns read and written.
 */
#include "datetime.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "arena.h"

#define DT_DAY_MS ((int64_t)86400000)
#define DT_MAXOFF 93600                  /* |offset| of a zone: under 26 hours (RFC 8536) */
#define DT_MAXSEC (DT_MAX_MS / 1000)     /* |epoch seconds| the zone functions clamp to */
#define DT_MAXFILE ((size_t)1 << 20)     /* largest TZif file read */
#define DT_ABBR 16                       /* room for a POSIX TZ abbreviation and its NUL */

static bool is_digit(char c) { return c >= '0' && c <= '9'; }
static bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

/* a / b rounded toward minus infinity (b > 0). */
static int64_t floordiv(int64_t a, int64_t b) {
    int64_t q = a / b;
    return a % b < 0 ? q - 1 : q;
}

/* ---- civil dates ---------------------------------------------------------- */

/* See datetime.h. Shifts the year to start in March so the leap day is
 * the last day of the shifted year, then counts whole 400-year eras
 * (146097 days each), years within the era, and days within the year. */
int64_t dt_days_from_civil(int64_t y, unsigned m, unsigned d) {
    if (m <= 2) y--;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;                             /* 0..399 */
    int64_t mp = m > 2 ? (int64_t)m - 3 : (int64_t)m + 9;    /* March = 0 */
    int64_t doy = (153 * mp + 2) / 5 + (int64_t)d - 1;       /* 0..365 */
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;     /* 0..146096 */
    return era * 146097 + doe - 719468;                      /* 1970-03-01 shifted */
}

/* The date of a day number: the inverse of dt_days_from_civil. */
static void civil_from_days(int64_t days, int64_t *y, unsigned *m, unsigned *d) {
    int64_t z = days + 719468, era = floordiv(z, 146097);
    unsigned doe = (unsigned)(z - era * 146097);                            /* 0..146096 */
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;   /* 0..399 */
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);                 /* from March 1 */
    unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

/* See datetime.h. */
int64_t dt_civil_ms(int64_t y, unsigned mo, unsigned d, unsigned h, unsigned mi, unsigned s, unsigned ms) {
    return (dt_days_from_civil(y, mo, d) * 86400 + (int64_t)h * 3600 + (int64_t)mi * 60 + s) * 1000 + ms;
}

/* See datetime.h. 1970-01-01 was a Thursday (ISO day 4). */
void dt_split(int64_t ms, dt_tm_t *tm) {
    int64_t days = floordiv(ms, DT_DAY_MS), rem = ms - days * DT_DAY_MS;
    civil_from_days(days, &tm->year, &tm->month, &tm->day);
    tm->yday = (unsigned)(days - dt_days_from_civil(tm->year, 1, 1)) + 1;
    tm->wday = (unsigned)((days % 7 + 10) % 7) + 1;
    tm->hour = (unsigned)(rem / 3600000);
    tm->min = (unsigned)(rem / 60000 % 60);
    tm->sec = (unsigned)(rem / 1000 % 60);
    tm->ms = (unsigned)(rem % 1000);
}

/* See datetime.h. */
bool dt_leap(int64_t y) { return y % 4 == 0 && (y % 100 != 0 || y % 400 == 0); }

/* See datetime.h. */
unsigned dt_month_days(int64_t y, unsigned m) {
    static const unsigned char dm[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && dt_leap(y) ? 29 : dm[(m - 1) % 12];
}

/* See datetime.h. */
const char *const dt_month_names[12] = {"January", "February", "March",     "April",   "May",      "June",
                                        "July",    "August",   "September", "October", "November", "December"};

/* See datetime.h. */
const char *const dt_day_names[7] = {"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"};

/* See datetime.h. */
unsigned dt_month3(const char *p, size_t n, bool any_case) {
    if (n < 3) return 0;
    for (unsigned m = 0; m < 12; m++) {
        const char *w = dt_month_names[m];
        bool eq = true;
        for (int k = 0; k < 3 && eq; k++) eq = any_case ? str_lc(p[k]) == str_lc(w[k]) : p[k] == w[k];
        if (eq) return m + 1;
    }
    return 0;
}

/* ---- reading text ----------------------------------------------------------- */

/* A cursor over text being read. */
typedef struct cur {
    const char *p;  /* the text (borrowed) */
    size_t n;       /* its length */
    size_t i;       /* the read position */
} cur_t;

/* Read between min and max digits; false when fewer than min. */
static bool digits(cur_t *c, unsigned min, unsigned max, unsigned *out) {
    unsigned v = 0, k = 0;
    while (k < max && c->i < c->n && is_digit(c->p[c->i])) v = v * 10 + (unsigned)(c->p[c->i++] - '0'), k++;
    *out = v;
    return k >= min;
}

/* Byte ch at the cursor (moved past it)? */
static bool eat(cur_t *c, char ch) {
    if (c->i < c->n && c->p[c->i] == ch) {
        c->i++;
        return true;
    }
    return false;
}

/* Word w at the cursor, ignoring case (moved past it)? */
static bool eat_word(cur_t *c, const char *w) {
    size_t k = strlen(w);
    if (c->n - c->i < k) return false;
    for (size_t j = 0; j < k; j++)
        if (str_lc(c->p[c->i + j]) != str_lc(w[j])) return false;
    c->i += k;
    return true;
}

static void skip_blanks(cur_t *c) {
    while (c->i < c->n && (c->p[c->i] == ' ' || c->p[c->i] == '\t')) c->i++;
}

/* Fraction digits as milliseconds (digits past the third are dropped). */
static unsigned frac_ms(cur_t *c) {
    unsigned ms = 0, k = 0;
    while (c->i < c->n && is_digit(c->p[c->i])) {
        if (k < 3) ms = ms * 10 + (unsigned)(c->p[c->i] - '0');
        k++;
        c->i++;
    }
    while (k < 3) ms *= 10, k++;
    return ms;
}

/* See datetime.h. */
size_t dt_offset_parse(pstr_t s, int32_t *off) {
    cur_t c = {s.p, s.n, 0};
    *off = 0;
    if (eat(&c, 'Z') || eat(&c, 'z')) return 1;
    if (!eat_word(&c, "UTC") && !eat_word(&c, "GMT")) eat_word(&c, "UT");
    if (c.i == c.n || (c.p[c.i] != '+' && c.p[c.i] != '-')) return c.i; /* a bare name, or nothing */
    int sign = c.p[c.i++] == '-' ? -1 : 1;
    unsigned hh, mm = 0;
    if (!digits(&c, 1, 2, &hh)) return 0;
    eat(&c, ':');
    if (c.i < c.n && is_digit(c.p[c.i]) && !digits(&c, 2, 2, &mm)) return 0;
    if (hh > 23 || mm > 59) return 0;
    *off = sign * (int32_t)(hh * 3600 + mm * 60);
    return c.i;
}

/* ---- time zones ------------------------------------------------------------- */

/* A local time type of a zone. */
typedef struct dt_ttype {
    int32_t off;    /* seconds east of UTC */
    bool dst;       /* daylight saving time */
    uint8_t abbr;   /* where its NUL-terminated abbreviation starts in dt_zone.abbrs */
} dt_ttype_t;

/* The day of a change in a POSIX TZ rule. */
typedef struct dt_rday {
    char kind;      /* 'J': day n of 1..365 not counting Feb 29; 'N': day n of 0..365; 'M': m.w.d */
    uint16_t n;     /* J and N: the day */
    uint8_t m;      /* M: the month, 1..12 */
    uint8_t w;      /* M: the week, 1..5 (5: the last) */
    uint8_t d;      /* M: the weekday, 0 Sunday .. 6 */
    int32_t t;      /* the local time of the change, seconds after midnight (may be negative or past 24h) */
} dt_rday_t;

/* A POSIX TZ rule (a TZif footer), for instants after the last transition. */
typedef struct dt_rule {
    int32_t std_off;          /* standard time, seconds east of UTC */
    int32_t dst_off;          /* daylight saving time, seconds east of UTC */
    bool has_dst;             /* the zone has daylight saving time */
    char std_abbr[DT_ABBR];   /* standard time's abbreviation */
    char dst_abbr[DT_ABBR];   /* daylight saving time's abbreviation */
    dt_rday_t start;          /* DST starts (a wall time in standard time) */
    dt_rday_t end;            /* DST ends (a wall time in daylight saving time) */
} dt_rule_t;

/* A zone: transitions between local time types, then a rule. Built in one
 * heap block (or static), never changed after it is built. */
struct dt_zone {
    struct dt_zone *next;      /* the next zone of the process cache (set before it is published) */
    const char *name;          /* the name it was asked by, NUL-terminated */
    size_t namelen;            /* its length */
    const int64_t *trans;      /* transition instants, epoch seconds, ascending */
    const uint8_t *tidx;       /* the type in force from each transition on */
    uint32_t ntrans;           /* number of transitions */
    const dt_ttype_t *types;   /* local time types; [0] is in force before the first transition */
    uint32_t ntypes;           /* number of types (at least 1) */
    const char *abbrs;         /* the types' abbreviations, each NUL-terminated */
    bool has_rule;             /* rule decides instants from the last transition on */
    dt_rule_t rule;            /* the TZif footer */
};

static const dt_ttype_t type0 = {0, false, 0};
static const dt_zone_t utc_zone = {.name = "UTC", .namelen = 3, .types = &type0, .ntypes = 1, .abbrs = "UTC"};
static const dt_zone_t gmt_zone = {.name = "GMT", .namelen = 3, .types = &type0, .ntypes = 1, .abbrs = "GMT"};

/* See datetime.h. */
const dt_zone_t *dt_zone_utc(void) { return &utc_zone; }

/* See datetime.h. */
pstr_t dt_zone_name(const dt_zone_t *z) { return pstr(z->name, z->namelen); }

/* One heap block for a zone of ntrans transitions, ntypes types, nchars
 * abbreviation bytes (copied from chars when not NULL) and name; arrays
 * to be filled by the caller through the returned pointers. */
static dt_zone_t *zone_alloc(uint32_t ntrans, uint32_t ntypes, const char *chars, size_t nchars, pstr_t name,
                             int64_t **trans, dt_ttype_t **types, uint8_t **tidx) {
    size_t sz = sizeof(dt_zone_t) + ntrans * sizeof(int64_t) + ntypes * sizeof(dt_ttype_t) + ntrans + nchars + name.n + 1;
    dt_zone_t *z = xcalloc(1, sz);
    char *p = (char *)(z + 1);
    *trans = (int64_t *)(void *)p;
    p += ntrans * sizeof(int64_t);
    *types = (dt_ttype_t *)(void *)p;
    p += ntypes * sizeof(dt_ttype_t);
    *tidx = (uint8_t *)p;
    p += ntrans;
    if (chars) memcpy(p, chars, nchars);
    z->abbrs = p;
    p += nchars;
    if (name.n) memcpy(p, name.p, name.n);
    z->name = p;
    z->namelen = name.n;
    z->trans = *trans;
    z->types = *types;
    z->tidx = *tidx;
    z->ntrans = ntrans;
    z->ntypes = ntypes;
    return z;
}

/* A zone of one fixed offset, abbreviated abbr. */
static dt_zone_t *fixed_zone(pstr_t name, int32_t off, const char *abbr) {
    int64_t *tr;
    dt_ttype_t *ty;
    uint8_t *ti;
    dt_zone_t *z = zone_alloc(0, 1, abbr, strlen(abbr) + 1, name, &tr, &ty, &ti);
    ty[0] = (dt_ttype_t){off, false, 0};
    return z;
}

/* See datetime.h. */
void dt_zone_free(dt_zone_t *z) {
    if (z != &utc_zone && z != &gmt_zone) free(z);
}

/* -- the POSIX TZ rule of a TZif footer -- */

/* A POSIX TZ abbreviation: <...> (letters, digits, + and -) or letters. */
static bool tzs_abbr(cur_t *c, char *out) {
    size_t b = c->i, e;
    if (eat(c, '<')) {
        b = c->i;
        while (c->i < c->n && (is_alpha(c->p[c->i]) || is_digit(c->p[c->i]) || c->p[c->i] == '+' || c->p[c->i] == '-'))
            c->i++;
        e = c->i;
        if (!eat(c, '>')) return false;
    } else {
        while (c->i < c->n && is_alpha(c->p[c->i])) c->i++;
        e = c->i;
    }
    if (e - b < 3 || e - b >= DT_ABBR) return false;
    memcpy(out, c->p + b, e - b);
    out[e - b] = 0;
    return true;
}

/* [+-]h[h[h]][:mm[:ss]] with at most maxh hours, as signed seconds. */
static bool tzs_hms(cur_t *c, unsigned maxh, int32_t *out) {
    int32_t sign = 1;
    if (eat(c, '-')) sign = -1;
    else eat(c, '+');
    unsigned h, m = 0, s = 0;
    if (!digits(c, 1, 3, &h) || h > maxh) return false;
    if (eat(c, ':')) {
        if (!digits(c, 2, 2, &m) || m > 59) return false;
        if (eat(c, ':') && (!digits(c, 2, 2, &s) || s > 59)) return false;
    }
    *out = sign * (int32_t)(h * 3600 + m * 60 + s);
    return true;
}

/* A rule's date: Jn, n or Mm.w.d, then an optional /time (default 02:00). */
static bool tzs_rday(cur_t *c, dt_rday_t *r) {
    unsigned a, w, d;
    memset(r, 0, sizeof *r);
    if (eat(c, 'J')) {
        if (!digits(c, 1, 3, &a) || a < 1 || a > 365) return false;
        r->kind = 'J';
        r->n = (uint16_t)a;
    } else if (eat(c, 'M')) {
        if (!digits(c, 1, 2, &a) || a < 1 || a > 12 || !eat(c, '.') || !digits(c, 1, 1, &w) || w < 1 || w > 5 ||
            !eat(c, '.') || !digits(c, 1, 1, &d) || d > 6)
            return false;
        r->kind = 'M';
        r->m = (uint8_t)a;
        r->w = (uint8_t)w;
        r->d = (uint8_t)d;
    } else {
        if (!digits(c, 1, 3, &a) || a > 365) return false;
        r->kind = 'N';
        r->n = (uint16_t)a;
    }
    r->t = 7200;
    return !eat(c, '/') || tzs_hms(c, 167, &r->t);
}

/* A POSIX TZ string ("EST5EDT,M3.2.0,M11.1.0"; the hours of a version 3
 * rule time may be signed and up to 167). Offsets in the string count
 * west of UTC; they are stored east. */
static bool tzs_rule(pstr_t s, dt_rule_t *ru) {
    cur_t c = {s.p, s.n, 0};
    int32_t o;
    memset(ru, 0, sizeof *ru);
    if (!tzs_abbr(&c, ru->std_abbr) || !tzs_hms(&c, 24, &o)) return false;
    ru->std_off = -o;
    if (c.i == c.n) return true;
    if (!tzs_abbr(&c, ru->dst_abbr)) return false;
    ru->has_dst = true;
    ru->dst_off = ru->std_off + 3600;
    if (c.i < c.n && c.p[c.i] != ',') {
        if (!tzs_hms(&c, 24, &o)) return false;
        ru->dst_off = -o;
    }
    return eat(&c, ',') && tzs_rday(&c, &ru->start) && eat(&c, ',') && tzs_rday(&c, &ru->end) && c.i == c.n;
}

/* The wall-clock time (epoch seconds read as UTC) of a rule date in year y. */
static int64_t rday_local(const dt_rday_t *r, int64_t y) {
    int64_t days = dt_days_from_civil(y, 1, 1);
    if (r->kind == 'J') {
        days += r->n - 1 + (dt_leap(y) && r->n >= 60);
    } else if (r->kind == 'N') {
        days += r->n;
    } else {
        int64_t first = dt_days_from_civil(y, r->m, 1);
        unsigned wd1 = (unsigned)((first % 7 + 11) % 7); /* 0 Sunday; day 0 was a Thursday */
        unsigned day = 1 + (r->d + 7 - wd1) % 7 + (r->w - 1u) * 7;
        while (day > dt_month_days(y, r->m)) day -= 7;
        days = first + day - 1;
    }
    return days * 86400 + r->t;
}

/* The rule's offset at instant t; *dst and *abbr say which time it is. */
static int32_t rule_offset(const dt_rule_t *ru, int64_t t, bool *dst, const char **abbr) {
    if (ru->has_dst) {
        int64_t y;
        unsigned m, d;
        civil_from_days(floordiv(t + ru->std_off, 86400), &y, &m, &d);
        int64_t s = rday_local(&ru->start, y) - ru->std_off, e = rday_local(&ru->end, y) - ru->dst_off;
        bool in = s < e ? (t >= s && t < e) : (t < e || t >= s); /* southern zones: DST spans the new year */
        if (in) {
            *dst = true;
            *abbr = ru->dst_abbr;
            return ru->dst_off;
        }
    }
    *dst = false;
    *abbr = ru->std_abbr;
    return ru->std_off;
}

/* See datetime.h. Before the first transition type 0 is in force; from
 * the last one on, the footer's rule (when there is one). */
int32_t dt_zone_offset(const dt_zone_t *z, int64_t t, pstr_t *abbr, bool *dst) {
    const char *ab;
    bool d;
    int32_t off;
    if (t > DT_MAXSEC) t = DT_MAXSEC;
    if (t < -DT_MAXSEC) t = -DT_MAXSEC;
    if (z->has_rule && (z->ntrans == 0 || t >= z->trans[z->ntrans - 1])) {
        off = rule_offset(&z->rule, t, &d, &ab);
    } else {
        const dt_ttype_t *ty = &z->types[0];
        if (z->ntrans && t >= z->trans[0]) {
            uint32_t lo = 0, hi = z->ntrans; /* trans[lo] <= t < trans[hi] */
            while (hi - lo > 1) {
                uint32_t mid = lo + (hi - lo) / 2;
                if (z->trans[mid] <= t) lo = mid;
                else hi = mid;
            }
            ty = &z->types[z->tidx[lo]];
        }
        off = ty->off;
        d = ty->dst;
        ab = z->abbrs + ty->abbr;
    }
    if (abbr) *abbr = pstr_c(ab);
    if (dst) *dst = d;
    return off;
}

/* See datetime.h. The offsets before (ob) and after (oa) the transition
 * nearest the wall time: zones change at most once in 52 hours. The
 * wall time takes the later offset when it is at or past the transition's
 * wall time in that offset (so repeated times are the later ones), else
 * the earlier one (so skipped times move forward). */
int64_t dt_zone_to_utc(const dt_zone_t *z, int64_t local) {
    if (local > DT_MAXSEC) local = DT_MAXSEC;
    if (local < -DT_MAXSEC) local = -DT_MAXSEC;
    int32_t ob = dt_zone_offset(z, local - DT_MAXOFF, NULL, NULL);
    int32_t oa = dt_zone_offset(z, local + DT_MAXOFF, NULL, NULL);
    if (ob != oa && dt_zone_offset(z, local - oa, NULL, NULL) == oa) return local - oa;
    return local - ob;
}

/* -- TZif data -- */

static uint32_t be32(const uint8_t *p) {
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* A TZif header's counts. */
typedef struct tzhead {
    uint8_t ver;       /* 0, '2', '3', ... */
    uint32_t isut;     /* UT/local indicators */
    uint32_t isstd;    /* standard/wall indicators */
    uint32_t leap;     /* leap second records */
    uint32_t time;     /* transitions */
    uint32_t type;     /* local time types */
    uint32_t chr;      /* abbreviation bytes */
} tzhead_t;

/* Transition time i of a block of tsz-byte (4 or 8) big-endian times. */
static int64_t tz_time(const uint8_t *tt, uint32_t i, unsigned tsz) {
    if (tsz == 4) return (int32_t)be32(tt + 4 * (size_t)i);
    return (int64_t)((uint64_t)be32(tt + 8 * (size_t)i) << 32 | be32(tt + 8 * (size_t)i + 4));
}

/* The 44-byte header at p[at..n). */
static bool tz_head(const uint8_t *p, size_t n, size_t at, tzhead_t *h) {
    if (at > n || n - at < 44 || memcmp(p + at, "TZif", 4) != 0) return false;
    h->ver = p[at + 4];
    h->isut = be32(p + at + 20);
    h->isstd = be32(p + at + 24);
    h->leap = be32(p + at + 28);
    h->time = be32(p + at + 32);
    h->type = be32(p + at + 36);
    h->chr = be32(p + at + 40);
    return true;
}

/* Bytes of the data block after a header, with tsz-byte times. */
static uint64_t tz_blocklen(const tzhead_t *h, unsigned tsz) {
    return (uint64_t)h->time * (tsz + 1) + (uint64_t)h->type * 6 + h->chr + (uint64_t)h->leap * (tsz + 4) +
           h->isstd + h->isut;
}

/* See datetime.h. A version 2+ file is read from its second header (the
 * version 1 block is skipped) and its footer; a version 1 file has
 * neither, so its last type stays in force after its last transition.
 * Leap second files ("right/...") are refused: postern's times have no
 * leap seconds. */
dt_zone_t *dt_zone_from_tzif(const uint8_t *p, size_t n, pstr_t name, const char **why) {
    tzhead_t h;
    size_t at = 44;
    unsigned tsz = 4;
    *why = "not TZif data";
    if (!tz_head(p, n, 0, &h)) return NULL;
    if (h.ver >= '2') {
        uint64_t l1 = tz_blocklen(&h, 4);
        *why = "truncated";
        if (l1 > n - at || !tz_head(p, n, at + (size_t)l1, &h)) return NULL;
        at += (size_t)l1 + 44;
        tsz = 8;
    }
    uint64_t bl = tz_blocklen(&h, tsz);
    *why = "truncated";
    if (bl > n - at) return NULL;
    *why = "bad counts";
    if (h.type == 0 || h.type > 256 || h.chr == 0 || (h.isstd && h.isstd != h.type) || (h.isut && h.isut != h.type))
        return NULL;
    *why = "leap seconds (a right/ zone)";
    if (h.leap) return NULL;
    const uint8_t *tt = p + at, *ti = tt + (size_t)h.time * tsz, *ty = ti + h.time, *ch = ty + (size_t)h.type * 6;
    *why = "bad transition";
    for (uint32_t i = 0; i < h.time; i++)
        if ((i && tz_time(tt, i, tsz) <= tz_time(tt, i - 1, tsz)) || ti[i] >= h.type) return NULL;
    *why = "bad time type";
    for (uint32_t i = 0; i < h.type; i++) {
        int32_t off = (int32_t)be32(ty + 6 * i);
        if (off <= -DT_MAXOFF || off >= DT_MAXOFF || ty[6 * i + 4] > 1 || ty[6 * i + 5] >= h.chr ||
            !memchr(ch + ty[6 * i + 5], 0, h.chr - ty[6 * i + 5]))
            return NULL;
    }
    dt_rule_t rule;
    bool has_rule = false;
    if (tsz == 8) { /* the footer: "\nTZ string\n" */
        const uint8_t *f = p + at + bl, *end = p + n;
        if (f < end && *f == '\n') {
            const uint8_t *nl = memchr(f + 1, '\n', (size_t)(end - f - 1));
            *why = "bad footer";
            if (!nl) return NULL;
            if (nl > f + 1) {
                if (!tzs_rule(pstr((const char *)f + 1, (size_t)(nl - f - 1)), &rule)) return NULL;
                has_rule = true;
            }
        }
    }
    int64_t *trans;
    dt_ttype_t *types;
    uint8_t *tidx;
    dt_zone_t *z = zone_alloc(h.time, h.type, (const char *)ch, h.chr, name, &trans, &types, &tidx);
    for (uint32_t i = 0; i < h.time; i++) {
        trans[i] = tz_time(tt, i, tsz);
        tidx[i] = ti[i];
    }
    for (uint32_t i = 0; i < h.type; i++)
        types[i] = (dt_ttype_t){(int32_t)be32(ty + 6 * i), ty[6 * i + 4] != 0, ty[6 * i + 5]};
    z->has_rule = has_rule;
    if (has_rule) z->rule = rule;
    *why = NULL;
    return z;
}

/* -- finding zones by name -- */

/* The tz database directory. */
static const char *tz_dir(void) {
    const char *d = getenv("TZDIR");
    return d && *d ? d : "/usr/share/zoneinfo";
}

/* See datetime.h. */
bool dt_tzdb_present(void) {
    struct stat sb;
    return stat(tz_dir(), &sb) == 0 && S_ISDIR(sb.st_mode);
}

/* See datetime.h. ORDER ZERR */
const char *dt_zone_error(dt_zerr_t err) {
    static const char *const text[] = {
        "no error",
        "not a time zone name",
        "unknown time zone",
        "the time zone database is missing ($TZDIR, else /usr/share/zoneinfo: Debian's tzdata package)",
        "the time zone file is not TZif data postern reads",
    };
    return (unsigned)err < sizeof text / sizeof text[0] ? text[err] : "?";
}

/* A tz database name: letters, digits, '/', '_', '-', '+', '.'; no
 * leading '/', no empty component, none starting with '.' (so no ".."). */
static bool zone_name_ok(pstr_t s) {
    if (!s.n || s.n > 200 || s.p[s.n - 1] == '/') return false;
    for (size_t i = 0; i < s.n; i++) {
        char ch = s.p[i];
        if (!is_alpha(ch) && !is_digit(ch) && !strchr("/_-+.", ch)) return false;
        if ((i == 0 || s.p[i - 1] == '/') && (ch == '/' || ch == '.')) return false;
    }
    return true;
}

/* path (of cap bytes, holding dir "/") extended by name's components, each
 * matched ignoring case against the directory's entries. */
static bool find_nocase(char *path, size_t cap, pstr_t name) {
    size_t len = strlen(path), b = 0;
    while (b < name.n) {
        size_t e = b;
        while (e < name.n && name.p[e] != '/') e++;
        pstr_t comp = pstr(name.p + b, e - b);
        DIR *d = opendir(path);
        if (!d) return false;
        struct dirent *de;
        bool found = false;
        while (!found && (de = readdir(d)) != NULL)
            if (de->d_name[0] != '.' && pstr_ieq(pstr_c(de->d_name), comp)) {
                int k = snprintf(path + len, cap - len, "%s%s", de->d_name, e < name.n ? "/" : "");
                found = k > 0 && (size_t)k < cap - len;
                if (found) len += (size_t)k;
            }
        closedir(d);
        if (!found) return false;
        b = e + 1;
    }
    return true;
}

/* The zone in tz database file file (a valid name), named name. */
static dt_zone_t *load_file(pstr_t file, pstr_t name, dt_zerr_t *err) {
    char path[4096];
    int k = snprintf(path, sizeof path, "%s/%.*s", tz_dir(), (int)file.n, file.p);
    if (k < 0 || (size_t)k >= sizeof path) return *err = DT_ZBADNAME, NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0 && (errno == ENOENT || errno == ENOTDIR)) {
        snprintf(path, sizeof path, "%s/", tz_dir());
        if (find_nocase(path, sizeof path, file)) fd = open(path, O_RDONLY | O_CLOEXEC);
    }
    if (fd < 0) return *err = dt_tzdb_present() ? DT_ZUNKNOWN : DT_ZNODB, NULL;
    struct stat sb;
    uint8_t *buf = NULL;
    size_t got = 0;
    *err = DT_ZUNKNOWN; /* a directory ("America") is no zone */
    if (fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode) && (size_t)sb.st_size <= DT_MAXFILE) {
        buf = xmalloc((size_t)sb.st_size + 1);
        while (got < (size_t)sb.st_size) {
            ssize_t r = read(fd, buf + got, (size_t)sb.st_size - got);
            if (r < 0 && errno == EINTR) continue;
            if (r <= 0) break;
            got += (size_t)r;
        }
        *err = DT_ZBADFILE;
    }
    close(fd);
    const char *why;
    dt_zone_t *z = buf ? dt_zone_from_tzif(buf, got, name, &why) : NULL;
    free(buf);
    if (z) *err = DT_ZOK;
    return z;
}

/* Java's three-letter zone ids (ZoneId.SHORT_IDS): a region, or a fixed
 * offset for EST, MST and HST. */
static const struct short_id {
    char id[4];           /* the id */
    const char *region;   /* its tz database zone, NULL for a fixed one */
    int32_t off;          /* the fixed offset, seconds east */
} short_ids[] = {
    {"ACT", "Australia/Darwin", 0},     {"AET", "Australia/Sydney", 0},
    {"AGT", "America/Argentina/Buenos_Aires", 0},                        {"ART", "Africa/Cairo", 0},
    {"AST", "America/Anchorage", 0},    {"BET", "America/Sao_Paulo", 0}, {"BST", "Asia/Dhaka", 0},
    {"CAT", "Africa/Harare", 0},        {"CNT", "America/St_Johns", 0},  {"CST", "America/Chicago", 0},
    {"CTT", "Asia/Shanghai", 0},        {"EAT", "Africa/Addis_Ababa", 0}, {"ECT", "Europe/Paris", 0},
    {"IET", "America/Indiana/Indianapolis", 0},                          {"IST", "Asia/Kolkata", 0},
    {"JST", "Asia/Tokyo", 0},           {"MIT", "Pacific/Apia", 0},      {"NET", "Asia/Yerevan", 0},
    {"NST", "Pacific/Auckland", 0},     {"PLT", "Asia/Karachi", 0},      {"PNT", "America/Phoenix", 0},
    {"PRT", "America/Puerto_Rico", 0},  {"PST", "America/Los_Angeles", 0}, {"SST", "Pacific/Guadalcanal", 0},
    {"VST", "Asia/Ho_Chi_Minh", 0},     {"EST", NULL, -18000},           {"MST", NULL, -25200},
    {"HST", NULL, -36000},
};

/* Java's id of a fixed offset: GMT+05:30 (seconds dropped). */
static void gmt_id(char *out, size_t cap, int32_t off) {
    int32_t m = off / 60, a = m < 0 ? -m : m;
    snprintf(out, cap, "GMT%c%02d:%02d", m < 0 ? '-' : '+', (int)(a / 60), (int)(a % 60));
}

/* A zone for a name the static zones do not cover (NULL with *err). */
static dt_zone_t *zone_load(pstr_t name, dt_zerr_t *err) {
    int32_t off;
    char id[16];
    if (name.n && dt_offset_parse(name, &off) == name.n) {
        gmt_id(id, sizeof id, off);
        return fixed_zone(name, off, id);
    }
    for (size_t i = 0; name.n == 3 && i < sizeof short_ids / sizeof short_ids[0]; i++) {
        const struct short_id *s = &short_ids[i];
        if (memcmp(s->id, name.p, 3) != 0) continue;
        return s->region ? load_file(pstr_c(s->region), name, err) : fixed_zone(name, s->off, s->id);
    }
    if (!zone_name_ok(name)) return *err = DT_ZBADNAME, NULL;
    return load_file(name, name, err);
}

static _Atomic(dt_zone_t *) zcache;                       /* loaded zones, newest first */
static pthread_mutex_t zlock = PTHREAD_MUTEX_INITIALIZER; /* held while a zone is loaded and published */

/* The cached zone named name, or NULL (no lock: entries never change). */
static const dt_zone_t *cache_find(pstr_t name) {
    for (const dt_zone_t *z = atomic_load_explicit(&zcache, memory_order_acquire); z; z = z->next)
        if (z->namelen == name.n && memcmp(z->name, name.p, name.n) == 0) return z;
    return NULL;
}

/* See datetime.h. Unknown names are not cached: each asks the file
 * system again. */
const dt_zone_t *dt_zone_get(pstr_t name, dt_zerr_t *err) {
    static const char *const utc_names[] = {"", "UTC", "Z", "Etc/UTC", "UCT", "Etc/UCT"};
    static const char *const gmt_names[] = {"GMT", "UT", "Etc/GMT", "GMT0", "Etc/GMT0", "Greenwich"};
    *err = DT_ZOK;
    name = pstr_trim(name);
    for (size_t i = 0; i < sizeof utc_names / sizeof utc_names[0]; i++)
        if (pstr_ieq_c(name, utc_names[i])) return &utc_zone;
    for (size_t i = 0; i < sizeof gmt_names / sizeof gmt_names[0]; i++)
        if (pstr_ieq_c(name, gmt_names[i])) return &gmt_zone;
    const dt_zone_t *z = cache_find(name);
    if (z) return z;
    pthread_mutex_lock(&zlock);
    if (!(z = cache_find(name))) {
        dt_zone_t *nz = zone_load(name, err);
        if (nz) {
            nz->next = atomic_load_explicit(&zcache, memory_order_relaxed);
            atomic_store_explicit(&zcache, nz, memory_order_release);
            z = nz;
        }
    }
    pthread_mutex_unlock(&zlock);
    return z;
}

/* ---- the automatic timestamp reader ---------------------------------------- */

/* Combine validated parts (off: seconds east of UTC). */
static bool civil_ok(int64_t y, unsigned mo, unsigned d, unsigned h, unsigned mi, unsigned s, unsigned ms, int32_t off,
                     int64_t *out) {
    if (mo < 1 || mo > 12 || d < 1 || d > dt_month_days(y, mo)) return false;
    if (h > 24 || mi > 59 || s > 60 || (h == 24 && (mi || s || ms))) return false;
    *out = dt_civil_ms(y, mo, d, h, mi, s, ms) - (int64_t)off * 1000;
    return true;
}

/* An optional offset after blanks (what dt_offset_parse reads); the
 * caller checks that nothing else follows. */
static int32_t opt_offset(cur_t *c) {
    int32_t off;
    skip_blanks(c);
    if (c->i == c->n) return 0; /* none (what dt_offset_parse says of nothing, without its tries) */
    c->i += dt_offset_parse(pstr(c->p + c->i, c->n - c->i), &off);
    skip_blanks(c);
    return off;
}

/* YYYY-MM-DD[(T|t|' ')HH:MM[:SS[.f]]][zone] (also with '/' in the date). */
static bool parse_iso(cur_t *c, int64_t *out) {
    unsigned y, mo, d, h = 0, mi = 0, s = 0, ms = 0;
    int32_t off = 0;
    if (!digits(c, 4, 4, &y)) return false;
    char sep = c->i < c->n ? c->p[c->i] : 0;
    if (sep != '-' && sep != '/') return false;
    c->i++;
    if (!digits(c, 1, 2, &mo) || !eat(c, sep) || !digits(c, 1, 2, &d)) return false;
    if (c->i < c->n) {
        char t = c->p[c->i];
        if (t != 'T' && t != 't' && t != ' ') return false;
        c->i++;
        skip_blanks(c);
        if (!digits(c, 1, 2, &h) || !eat(c, ':') || !digits(c, 2, 2, &mi)) return false;
        if (eat(c, ':')) {
            if (!digits(c, 2, 2, &s)) return false;
            if (eat(c, '.') || eat(c, ',')) {
                if (c->i >= c->n || !is_digit(c->p[c->i])) return false;
                ms = frac_ms(c);
            }
        }
        off = opt_offset(c);
        if (c->i != c->n) return false;
    }
    return civil_ok(y, mo, d, h, mi, s, ms, off, out);
}

/* Sumo's display form: MM/dd/yyyy hh:mm:ss[.SSS] [AM|PM] [±HHMM]. */
static bool parse_us(cur_t *c, int64_t *out) {
    unsigned y, mo, d, h, mi, s = 0, ms = 0;
    if (!digits(c, 1, 2, &mo) || !eat(c, '/') || !digits(c, 1, 2, &d) || !eat(c, '/') || !digits(c, 4, 4, &y))
        return false;
    eat(c, ','); /* Azure's portal export: "11/17/2023, 11:32:04.819 AM" */
    if (!eat(c, ' ') && !eat(c, 'T')) return false;
    skip_blanks(c);
    if (!digits(c, 1, 2, &h) || !eat(c, ':') || !digits(c, 2, 2, &mi)) return false;
    if (eat(c, ':')) {
        if (!digits(c, 2, 2, &s)) return false;
        if (eat(c, '.') || eat(c, ',')) ms = frac_ms(c);
    }
    skip_blanks(c);
    bool am = eat_word(c, "AM"), pm = !am && eat_word(c, "PM");
    if (am || pm) {
        if (h < 1 || h > 12) return false;
        if (h == 12) h = 0;
        if (pm) h += 12;
    }
    int32_t off = opt_offset(c);
    if (c->i != c->n) return false;
    return civil_ok(y, mo, d, h, mi, s, ms, off, out);
}

/* Epoch numbers: the integer digit count picks the unit (<=10 s, 11-13
 * ms, 14-16 us, 17-19 ns); a fraction is allowed; scientific notation
 * (Sumo CSV writes big times that way) is read as a double and the unit
 * picked by magnitude. */
static bool parse_epoch(pstr_t s, int64_t *out) {
    size_t i = 0, nd = 0;
    uint64_t u = 0; /* 19 digits fit */
    while (i < s.n && is_digit(s.p[i])) {
        if (nd == 19) return false;
        u = u * 10 + (uint64_t)(s.p[i++] - '0');
        nd++;
    }
    if (u > INT64_MAX) return false;
    int64_t v = (int64_t)u;
    if (nd == 0) return false;
    if (i < s.n && (s.p[i] == 'e' || s.p[i] == 'E' || s.p[i] == '.')) {
        size_t j = i;
        bool expo = false;
        if (s.p[j] == '.') {
            j++;
            while (j < s.n && is_digit(s.p[j])) j++;
        }
        if (j < s.n && (s.p[j] == 'e' || s.p[j] == 'E')) {
            expo = true;
            j++;
            if (j < s.n && (s.p[j] == '+' || s.p[j] == '-')) j++;
            if (j >= s.n || !is_digit(s.p[j])) return false;
            while (j < s.n && is_digit(s.p[j])) j++;
        }
        if (j != s.n) return false;
        if (expo) {
            char tmp[64];
            if (s.n >= sizeof tmp) return false;
            memcpy(tmp, s.p, s.n);
            tmp[s.n] = 0;
            double d = strtod(tmp, NULL);
            if (!(d >= 0) || d >= 9.2e18) return false;
            if (d < 1e11) *out = (int64_t)(d * 1000.0);
            else if (d < 1e14) *out = (int64_t)d;
            else if (d < 1e17) *out = (int64_t)(d / 1e3);
            else *out = (int64_t)(d / 1e6);
            return true;
        }
        /* a plain fraction: milliseconds only matter for seconds */
        cur_t c = {s.p, s.n, i + 1};
        unsigned ms = frac_ms(&c);
        if (nd <= 10) {
            *out = v * 1000 + ms;
            return true;
        }
    } else if (i != s.n) {
        return false;
    }
    if (nd <= 10) *out = v * 1000;
    else if (nd <= 13) *out = v;
    else if (nd <= 16) *out = v / 1000;
    else *out = v / 1000000;
    return true;
}

/* .NET's JSON date, as PowerShell's ConvertTo-Json writes a DateTime:
 * `/Date(1652432045210)/`, epoch ms (maybe negative), optionally with the
 * writer's offset `/Date(1652432045210+0200)/`, which does not change the
 * instant. */
static bool parse_wcf(pstr_t s, int64_t *out) {
    static const char pre[] = "/Date(";
    size_t m = sizeof pre - 1, i = m;
    if (s.n < m + 3 || memcmp(s.p, pre, m) != 0 || memcmp(s.p + s.n - 2, ")/", 2) != 0) return false;
    bool neg = i < s.n && s.p[i] == '-';
    if (neg) i++;
    int64_t v = 0;
    size_t d0 = i;
    while (i < s.n && is_digit(s.p[i]) && i - d0 < 16) v = v * 10 + (s.p[i++] - '0');
    if (i == d0) return false;
    if (s.p[i] == '+' || s.p[i] == '-') { /* the offset: four digits */
        size_t k = i + 1;
        while (k < s.n && is_digit(s.p[k])) k++;
        if (k - i != 5) return false;
        i = k;
    }
    if (i != s.n - 2) return false;
    *out = neg ? -v : v;
    return true;
}

/* The two digits at p as a number, or 100 when one is not a digit. */
static unsigned two_digits(const char *p) {
    unsigned a = (unsigned)(unsigned char)p[0] - '0', b = (unsigned)(unsigned char)p[1] - '0';
    return a > 9 || b > 9 ? 100 : a * 10 + b;
}

/* The layout most sources write, read at fixed places without the
 * cursor: YYYY-MM-DD (or with '/'), 'T', 't' or ' ', HH:MM:SS, then
 * optionally '.' or ',' and fraction digits, then optionally 'Z' or 'z'.
 * 1: read into *out; 0: that layout but not a valid time; -1: another
 * layout, left to parse_iso and the others (parse_iso reads this one to
 * the same answer, more slowly: the readers and the prefilter call
 * dt_parse once a record). s is trimmed, s.n <= 64. */
static int parse_fixed(pstr_t s, int64_t *out) {
    const char *p = s.p;
    if (s.n < 19 || (p[4] != '-' && p[4] != '/') || p[7] != p[4] || (p[10] != 'T' && p[10] != 't' && p[10] != ' ') ||
        p[13] != ':' || p[16] != ':')
        return -1;
    unsigned y1 = two_digits(p), y2 = two_digits(p + 2), mo = two_digits(p + 5), d = two_digits(p + 8),
             h = two_digits(p + 11), mi = two_digits(p + 14), sec = two_digits(p + 17);
    if (y1 > 99 || y2 > 99 || mo > 99 || d > 99 || h > 99 || mi > 99 || sec > 99) return -1;
    size_t i = 19;
    unsigned ms = 0;
    if (i < s.n && (p[i] == '.' || p[i] == ',')) {
        cur_t c = {p, s.n, ++i};
        if (i == s.n || !is_digit(p[i])) return -1;
        ms = frac_ms(&c);
        i = c.i;
    }
    if (i < s.n && (p[i] == 'Z' || p[i] == 'z')) i++;
    if (i != s.n) return -1;
    return civil_ok(y1 * 100 + y2, mo, d, h, mi, sec, ms, 0, out);
}

/* See datetime.h. Anything left over makes the text not a time. */
bool dt_parse(pstr_t s, int64_t *ms) {
    if (!s.p) return false;
    s = pstr_trim(s);
    if (s.n && s.p[0] == '/') return parse_wcf(s, ms);
    if (s.n == 0 || s.n > 64 || !is_digit(s.p[0])) return false;
    int r = parse_fixed(s, ms);
    if (r >= 0) return r;
    size_t k = 0;
    while (k < s.n && is_digit(s.p[k])) k++;
    cur_t c = {s.p, s.n, 0};
    if (k == 4 && k < s.n && (s.p[4] == '-' || s.p[4] == '/')) return parse_iso(&c, ms);
    if (k <= 2 && k < s.n && s.p[k] == '/') return parse_us(&c, ms);
    return parse_epoch(s, ms);
}

/* ---- Java SimpleDateFormat patterns ------------------------------------------ */

#define H_(h) ((int32_t)(h) * 3600)
#define HM_(h, m) ((int32_t)(h) * 3600 + (int32_t)(m) * 60)

/* Zone abbreviations with the English long names Java writes for them
 * (zzzz), told apart by offset; the ones marked parse are read by z. */
static const struct zname {
    const char *abbr;   /* the abbreviation */
    int32_t off;        /* its offset, seconds east */
    const char *name;   /* the long name */
    bool parse;         /* unambiguous: read when parsing */
} znames[] = {
    {"UTC", 0, "Coordinated Universal Time", true},      {"GMT", 0, "Greenwich Mean Time", true},
    {"EST", H_(-5), "Eastern Standard Time", true},      {"EDT", H_(-4), "Eastern Daylight Time", true},
    {"CST", H_(-6), "Central Standard Time", true},      {"CDT", H_(-5), "Central Daylight Time", true},
    {"MST", H_(-7), "Mountain Standard Time", true},     {"MDT", H_(-6), "Mountain Daylight Time", true},
    {"PST", H_(-8), "Pacific Standard Time", true},      {"PDT", H_(-7), "Pacific Daylight Time", true},
    {"AKST", H_(-9), "Alaska Standard Time", true},      {"AKDT", H_(-8), "Alaska Daylight Time", true},
    {"HST", H_(-10), "Hawaii-Aleutian Standard Time", true},
    {"AST", H_(-4), "Atlantic Standard Time", true},     {"ADT", H_(-3), "Atlantic Daylight Time", true},
    {"NST", HM_(-3, -30), "Newfoundland Standard Time", true},
    {"NDT", HM_(-2, -30), "Newfoundland Daylight Time", true},
    {"WET", 0, "Western European Standard Time", true},  {"WEST", H_(1), "Western European Summer Time", true},
    {"CET", H_(1), "Central European Standard Time", true}, {"CEST", H_(2), "Central European Summer Time", true},
    {"EET", H_(2), "Eastern European Standard Time", true}, {"EEST", H_(3), "Eastern European Summer Time", true},
    {"BST", H_(1), "British Summer Time", false},        {"IST", H_(1), "Irish Standard Time", false},
    {"IST", HM_(5, 30), "India Standard Time", false},   {"MSK", H_(3), "Moscow Standard Time", true},
    {"PKT", H_(5), "Pakistan Standard Time", true},      {"CST", H_(8), "China Standard Time", false},
    {"HKT", H_(8), "Hong Kong Standard Time", true},     {"PST", H_(8), "Philippine Standard Time", false},
    {"JST", H_(9), "Japan Standard Time", true},         {"KST", H_(9), "Korean Standard Time", true},
    {"AWST", H_(8), "Australian Western Standard Time", true},
    {"ACST", HM_(9, 30), "Australian Central Standard Time", true},
    {"ACDT", HM_(10, 30), "Australian Central Daylight Time", true},
    {"AEST", H_(10), "Australian Eastern Standard Time", true},
    {"AEDT", H_(11), "Australian Eastern Daylight Time", true},
    {"NZST", H_(12), "New Zealand Standard Time", true}, {"NZDT", H_(13), "New Zealand Daylight Time", true},
    {"SAST", H_(2), "South Africa Standard Time", true}, {"WIB", H_(7), "Western Indonesia Time", true},
};

/* The next piece of a pattern from *j: a field (*letter and *count) or a
 * literal byte (*letter 0, *lit). Quotes: '' is a quote, in quoted text
 * or out of it; '...' is literal text; *quoted tracks being inside.
 * False at the end. */
static bool pat_next(pstr_t p, size_t *j, bool *quoted, char *letter, unsigned *count, char *lit) {
    while (*j < p.n) {
        char ch = p.p[*j];
        if (ch == '\'') {
            if (*j + 1 < p.n && p.p[*j + 1] == '\'') {
                *j += 2;
                *letter = 0;
                *lit = '\'';
                return true;
            }
            *quoted = !*quoted;
            (*j)++;
            continue;
        }
        if (*quoted || !is_alpha(ch)) {
            (*j)++;
            *letter = 0;
            *lit = ch;
            return true;
        }
        size_t k = *j;
        while (k < p.n && p.p[k] == ch) k++;
        *letter = ch;
        *count = (unsigned)(k - *j < 4096 ? k - *j : 4096);
        *j = k;
        return true;
    }
    return false;
}

/* See datetime.h. */
bool dt_pattern_ok(pstr_t pat, char *bad) {
    size_t j = 0;
    bool q = false;
    char L, lit;
    unsigned cnt;
    while (pat_next(pat, &j, &q, &L, &cnt, &lit))
        if (L && (!strchr("GyYMLwWDdFEuaHkKhmsSzZX", L) || (L == 'X' && cnt > 3))) return *bad = L, false;
    if (q) return *bad = '\'', false;
    return true;
}

/* -- reading -- */

/* The fields a Java pattern read from the text. */
typedef struct jfields {
    int64_t y;        /* the year (when has_y) */
    unsigned mo;      /* the month, 1..12 (0: not read) */
    unsigned d;       /* the day, 1..31 (0: not read) */
    unsigned yday;    /* the day of the year, D (0: not read) */
    unsigned h;       /* the hour, 0..23 (with pm: 0..11 + 12) */
    unsigned mi;      /* minutes */
    unsigned s;       /* seconds */
    unsigned ms;      /* milliseconds */
    bool has_y;       /* a year was read */
    bool pm;          /* 'a' read PM */
    bool bc;          /* 'G' read BC */
    bool has_off;     /* the text gave an offset (z, Z, X) */
    int32_t off;      /* it, seconds east of UTC */
} jfields_t;

/* A zone in the text: an offset (dt_offset_parse) or an abbreviation
 * marked parse in znames. */
static bool read_zone(cur_t *t, int32_t *off) {
    size_t k = dt_offset_parse(pstr(t->p + t->i, t->n - t->i), off);
    if (k) {
        t->i += k;
        return true;
    }
    size_t e = t->i;
    while (e < t->n && is_alpha(t->p[e])) e++;
    for (size_t i = 0; i < sizeof znames / sizeof znames[0]; i++)
        if (znames[i].parse && strlen(znames[i].abbr) == e - t->i && memcmp(znames[i].abbr, t->p + t->i, e - t->i) == 0) {
            *off = znames[i].off;
            t->i = e;
            return true;
        }
    return false;
}

/* Read one field, letter L repeated cnt times; tight: another field
 * follows directly, so a number takes exactly cnt digits. */
static bool read_field(cur_t *t, char L, unsigned cnt, bool tight, jfields_t *f) {
    unsigned lo = tight ? cnt : 1, x;
    switch (L) {
    case 'y':
    case 'Y':
        if (cnt == 2) {
            if (!digits(t, 2, 2, &x)) return false;
            f->y = 2000 + x;
        } else {
            if (!digits(t, tight ? lo : 4, tight ? lo : 4, &x)) return false;
            f->y = x;
        }
        f->has_y = true;
        return true;
    case 'M':
    case 'L':
        if (cnt < 3) return digits(t, lo, 2, &f->mo);
        if (!(f->mo = dt_month3(t->p + t->i, t->n - t->i, true))) return false;
        t->i += 3;
        while (t->i < t->n && is_alpha(t->p[t->i])) t->i++;
        return true;
    case 'd': return digits(t, lo, 2, &f->d);
    case 'D': return digits(t, lo, 3, &f->yday) && f->yday >= 1;
    case 'u': return digits(t, lo, 1, &x) && x >= 1 && x <= 7;
    case 'F': return digits(t, lo, 1, &x);
    case 'w':
    case 'W': return digits(t, lo, 2, &x);
    case 'E':
        if (t->i >= t->n || !is_alpha(t->p[t->i])) return false;
        while (t->i < t->n && is_alpha(t->p[t->i])) t->i++;
        return true;
    case 'G':
        if (eat_word(t, "BC")) return f->bc = true;
        return eat_word(t, "AD");
    case 'H':
    case 'k':
    case 'h':
    case 'K':
        if (!digits(t, lo, 2, &f->h)) return false;
        if ((L == 'k' && f->h == 24) || (L == 'h' && f->h == 12)) f->h = 0;
        return true;
    case 'm': return digits(t, lo, 2, &f->mi);
    case 's': return digits(t, lo, 2, &f->s);
    case 'S': { /* 3+ letters: a fraction (its first three digits are ms); 1-2: a count of ms */
        unsigned nd = 0, scale = 100;
        f->ms = 0;
        while (t->i < t->n && is_digit(t->p[t->i]) && (!tight || nd < cnt)) {
            if (nd < 3 && cnt >= 3) f->ms += (unsigned)(t->p[t->i] - '0') * scale, scale /= 10;
            else if (cnt < 3) f->ms = f->ms * 10 + (unsigned)(t->p[t->i] - '0');
            nd++;
            t->i++;
        }
        return nd > 0;
    }
    case 'a':
        if (eat_word(t, "PM")) return f->pm = true;
        return eat_word(t, "AM");
    case 'z':
    case 'Z':
    case 'X': return f->has_off = read_zone(t, &f->off);
    default: return false; /* not a letter postern reads */
    }
}

/* See datetime.h. */
bool dt_parse_java(pstr_t v, pstr_t pat, const dt_java_t *o, int64_t *out) {
    static const dt_java_t plain = {0};
    cur_t t = {v.p ? v.p : "", v.p ? v.n : 0, 0};
    jfields_t f = {0};
    size_t j = 0;
    bool q = false;
    char L, lit;
    unsigned cnt;
    if (!o) o = &plain;
    while (t.i < t.n && t.p[t.i] == ' ') t.i++;
    while (pat_next(pat, &j, &q, &L, &cnt, &lit)) {
        if (!L) {
            if (lit == ' ' && !q) { /* a blank matches one or more */
                if (!eat(&t, ' ')) return false;
                while (eat(&t, ' ')) {}
            } else if (!eat(&t, lit)) {
                return false;
            }
            continue;
        }
        size_t j2 = j;
        bool q2 = q;
        char L2, lit2;
        unsigned c2;
        bool tight = pat_next(pat, &j2, &q2, &L2, &c2, &lit2) && L2;
        if (!read_field(&t, L, cnt, tight, &f)) return false;
    }
    while (t.i < t.n && t.p[t.i] == ' ') t.i++;
    if (t.i != t.n && !o->prefix) return false;
    if (f.pm && f.h < 12) f.h += 12;
    if (!f.has_y && !o->place && o->epoch_defaults) f.y = 1970, f.has_y = true;
    if (f.bc) f.y = 1 - f.y;
    if (f.has_y && f.yday && !f.mo && !f.d) { /* a day of the year alone */
        if (f.yday > (dt_leap(f.y) ? 366u : 365u)) return false;
        for (f.mo = 1; f.yday > dt_month_days(f.y, f.mo); f.mo++) f.yday -= dt_month_days(f.y, f.mo);
        f.d = f.yday;
    }
    if (o->epoch_defaults) {
        if (!f.mo) f.mo = 1;
        if (!f.d) f.d = 1;
    }
    if (f.mo < 1 || f.mo > 12 || f.d < 1 || f.d > 31 || f.h > 23 || f.mi > 59 || f.s > 60 || f.ms > 999) return false;
    int64_t local;
    if (f.has_y) {
        if (f.d > dt_month_days(f.y, f.mo)) return false;
        local = dt_civil_ms(f.y, f.mo, f.d, f.h, f.mi, f.s, f.ms);
    } else if (!o->place || !o->place(o->ud, f.mo, f.d, f.h, f.mi, f.s, f.ms, &local)) {
        return false;
    }
    if (f.has_off) {
        *out = local - (int64_t)f.off * 1000;
    } else if (o->zone) {
        int64_t ls = floordiv(local, 1000);
        *out = dt_zone_to_utc(o->zone, ls) * 1000 + (local - ls * 1000);
    } else {
        *out = local;
    }
    return true;
}

/* -- writing -- */

/* Output into a caller's buffer, counting what did not fit. */
typedef struct wr {
    char *p;      /* the buffer (borrowed) */
    size_t cap;   /* its size */
    size_t n;     /* bytes written or wanted so far */
} wr_t;

/* n bytes of s (what does not fit is only counted). */
static void put(wr_t *w, const char *s, size_t n) {
    if (w->n < w->cap) memcpy(w->p + w->n, s, n < w->cap - w->n ? n : w->cap - w->n);
    w->n += n;
}

/* One byte. */
static void putch(wr_t *w, char ch) { put(w, &ch, 1); }

/* v in decimal, zero-padded to width digits. */
static void put_num(wr_t *w, int64_t v, unsigned width) {
    char b[24];
    unsigned k = 0;
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    do b[k++] = (char)('0' + u % 10);
    while (u /= 10);
    if (v < 0) putch(w, '-');
    for (unsigned i = k; i < width; i++) putch(w, '0');
    while (k) putch(w, b[--k]);
}

/* An offset as ±hh[sep mm] (minutes: off / 60 toward zero, as Java). */
static void put_off(wr_t *w, int32_t off, bool minutes, const char *sep) {
    int32_t m = off / 60, a = m < 0 ? -m : m;
    putch(w, m < 0 ? '-' : '+');
    put_num(w, a / 60, 2);
    if (!minutes) return;
    put(w, sep, strlen(sep));
    put_num(w, a % 60, 2);
}

/* The week of the year and its year (Java's US rule: weeks start on
 * Sunday; week 1 holds January 1, so the last days of December may be
 * week 1 of the next year). */
static unsigned week_of_year(const dt_tm_t *tm, int64_t *wyear) {
    unsigned wd = tm->wday % 7; /* 0 Sunday */
    unsigned jan1 = (wd + 7 * 53 - (tm->yday - 1)) % 7;
    *wyear = tm->year;
    if (tm->yday + (6 - wd) > (dt_leap(tm->year) ? 366u : 365u)) {
        *wyear = tm->year + 1;
        return 1;
    }
    return (tm->yday - 1 + jan1) / 7 + 1;
}

/* A year as Java's y writes it: the year of the era, two digits for yy. */
static void put_year(wr_t *w, int64_t y, unsigned cnt) {
    int64_t e = y > 0 ? y : 1 - y;
    if (cnt == 2) put_num(w, e % 100, 2);
    else put_num(w, e, cnt);
}

/* A zone's name for z (short) or zzzz (long): the long name when known,
 * the abbreviation when it is one, else GMT±hh:mm as Java writes offsets. */
static void put_zone(wr_t *w, pstr_t ab, int32_t off, bool lng) {
    for (size_t i = 0; lng && i < sizeof znames / sizeof znames[0]; i++)
        if (znames[i].off == off && pstr_eq(ab, pstr_c(znames[i].abbr))) {
            put(w, znames[i].name, strlen(znames[i].name));
            return;
        }
    if (ab.n && is_alpha(ab.p[0])) {
        put(w, ab.p, ab.n);
        return;
    }
    char id[16];
    gmt_id(id, sizeof id, off);
    put(w, id, strlen(id));
}

/* Write one field, letter L repeated cnt times. */
static void put_field(wr_t *w, char L, unsigned cnt, const dt_tm_t *tm, int32_t off, pstr_t ab) {
    int64_t wy;
    unsigned h12 = tm->hour % 12;
    switch (L) {
    case 'G': put(w, tm->year > 0 ? "AD" : "BC", 2); break;
    case 'y': put_year(w, tm->year, cnt); break;
    case 'Y':
        (void)week_of_year(tm, &wy);
        put_year(w, wy, cnt);
        break;
    case 'M':
    case 'L':
        if (cnt >= 3) put(w, dt_month_names[tm->month - 1], cnt >= 4 ? strlen(dt_month_names[tm->month - 1]) : 3);
        else put_num(w, tm->month, cnt);
        break;
    case 'w': put_num(w, week_of_year(tm, &wy), cnt); break;
    case 'W': put_num(w, (tm->day - 1 + (tm->wday % 7 + 35 - (tm->day - 1)) % 7) / 7 + 1, cnt); break;
    case 'D': put_num(w, tm->yday, cnt); break;
    case 'd': put_num(w, tm->day, cnt); break;
    case 'F': put_num(w, (tm->day - 1) / 7 + 1, cnt); break;
    case 'E': put(w, dt_day_names[tm->wday - 1], cnt >= 4 ? strlen(dt_day_names[tm->wday - 1]) : 3); break;
    case 'u': put_num(w, tm->wday, cnt); break;
    case 'a': put(w, tm->hour < 12 ? "AM" : "PM", 2); break;
    case 'H': put_num(w, tm->hour, cnt); break;
    case 'k': put_num(w, tm->hour ? tm->hour : 24, cnt); break;
    case 'K': put_num(w, h12, cnt); break;
    case 'h': put_num(w, h12 ? h12 : 12, cnt); break;
    case 'm': put_num(w, tm->min, cnt); break;
    case 's': put_num(w, tm->sec, cnt); break;
    case 'S': put_num(w, tm->ms, cnt); break; /* a count of ms, as Java: S of 5 ms is "5" */
    case 'z': put_zone(w, ab, off, cnt >= 4); break;
    case 'Z': put_off(w, off, true, ""); break;
    case 'X':
        if (off / 60 == 0) putch(w, 'Z');
        else put_off(w, off, cnt >= 2, cnt >= 3 ? ":" : "");
        break;
    default:
        for (unsigned q = 0; q < cnt; q++) putch(w, L);
        break;
    }
}

/* See datetime.h. */
size_t dt_format(char *out, size_t cap, int64_t ms, pstr_t pat, const dt_zone_t *z) {
    wr_t w = {out, cap, 0};
    pstr_t ab = PSTR_NULL;
    dt_tm_t tm;
    size_t j = 0;
    bool q = false;
    char L, lit;
    unsigned cnt;
    if (!z) z = &utc_zone;
    if (ms < -DT_MAX_MS) ms = -DT_MAX_MS; /* keeps the sums below in range */
    if (ms > DT_MAX_MS) ms = DT_MAX_MS;
    int32_t off = dt_zone_offset(z, floordiv(ms, 1000), &ab, NULL);
    dt_split(ms + (int64_t)off * 1000, &tm);
    while (pat_next(pat, &j, &q, &L, &cnt, &lit)) {
        if (L) put_field(&w, L, cnt, &tm, off, ab);
        else putch(&w, lit);
    }
    if (cap) out[w.n < cap ? w.n : cap - 1] = 0;
    return w.n;
}
