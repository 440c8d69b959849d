/* datetime.h — dates, times and time zones for the readers and the query
 * functions.
 *
 * Ownership: times are epoch milliseconds (or seconds where named so), UTC,
 * passed by value; text is borrowed as (ptr, len) views and never kept.
 * Zones (dt_zone_t) live in one process-wide cache: dt_zone_get loads a
 * zone once, under a mutex, and hands out a pointer that stays valid and
 * unchanged until the process ends; readers need no lock. Nothing here
 * reads or sets TZ or calls tzset/localtime: any thread may call anything.
 */
#ifndef POSTERN_DATETIME_H
#define POSTERN_DATETIME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "str.h"

/* The largest |epoch ms| the functions here take (about 2 million years);
 * larger values are clamped to it. */
#define DT_MAX_MS (((int64_t)1 << 46) * 1000)

/* ---- civil dates (proleptic Gregorian, no leap seconds) ---------------- */

/* A moment split into calendar fields (local time: the offset is applied
 * before splitting). */
typedef struct dt_tm {
    int64_t year;     /* proleptic Gregorian year; 0 is 1 BC, -1 is 2 BC */
    unsigned month;   /* 1..12 */
    unsigned day;     /* day of the month, 1..31 */
    unsigned yday;    /* day of the year, 1..366 */
    unsigned wday;    /* ISO day of the week: 1 Monday .. 7 Sunday */
    unsigned hour;    /* 0..23 */
    unsigned min;     /* 0..59 */
    unsigned sec;     /* 0..59 */
    unsigned ms;      /* 0..999 */
} dt_tm_t;

/* Days since 1970-01-01 of a date (m 1..12, d 1..31; not checked). */
int64_t dt_days_from_civil(int64_t y, unsigned m, unsigned d);
/* Epoch ms of a date and time of day read as UTC (fields not checked). */
int64_t dt_civil_ms(int64_t y, unsigned mo, unsigned d, unsigned h, unsigned mi, unsigned s, unsigned ms);
/* The calendar fields of epoch ms ms (any value, also negative). */
void dt_split(int64_t ms, dt_tm_t *tm);
/* True for a leap year. */
bool dt_leap(int64_t y);
/* Days in month m (1..12) of year y. */
unsigned dt_month_days(int64_t y, unsigned m);

/* English month names, January first; the first three letters of each are
 * its abbreviation. */
extern const char *const dt_month_names[12];
/* English day names in ISO order: [0] Monday .. [6] Sunday. */
extern const char *const dt_day_names[7];
/* The month (1..12) whose three-letter abbreviation starts p[0..n), 0 when
 * none; exact case ("Jan") unless any_case. */
unsigned dt_month3(const char *p, size_t n, bool any_case);

/* ---- zone offsets written in text --------------------------------------- */

/* Read a zone offset at the start of s: `Z`, `UTC`, `GMT` or `UT` (any
 * case), each optionally followed by an offset, or an offset alone:
 * ±h, ±hh, ±hhmm, ±hh:mm (hours 0..23, minutes 0..59). Sets *off (seconds
 * east of UTC) and returns the bytes read; 0 when s does not start with
 * one or the offset is malformed. */
size_t dt_offset_parse(pstr_t s, int32_t *off);

/* ---- time zones ----------------------------------------------------------- */

/* A time zone: a fixed offset or a tz database zone. Opaque, immutable. */
typedef struct dt_zone dt_zone_t;

/* Why dt_zone_get found no zone. ORDER ZERR: dt_zone_error. */
typedef enum dt_zerr {
    DT_ZOK,        /* found */
    DT_ZBADNAME,   /* not a zone name (an absolute path, `..`, odd bytes) */
    DT_ZUNKNOWN,   /* no zone of that name */
    DT_ZNODB,      /* a tz database name, but no database is installed */
    DT_ZBADFILE    /* the zone's file is not TZif data postern reads */
} dt_zerr_t;

/* The UTC zone (static). */
const dt_zone_t *dt_zone_utc(void);
/* The zone named name (surrounding blanks ignored), in this order: empty,
 * `UTC`, `Z`, `Etc/UTC`, `GMT`, `UT`, `Etc/GMT` (any case); a fixed offset
 * as dt_offset_parse reads it (`GMT+5`, `+05:30`); Java's three-letter ids
 * (`EST` -05:00, `MST` -07:00, `HST` -10:00 fixed; `PST`
 * America/Los_Angeles, `CST` America/Chicago, … as Java's
 * ZoneId.SHORT_IDS); else the tz database file of that name under $TZDIR
 * or /usr/share/zoneinfo (exact name first, then ignoring case). Returns
 * a pointer valid for the life of the process, or NULL with *err set.
 * Thread-safe; each name is loaded once. */
const dt_zone_t *dt_zone_get(pstr_t name, dt_zerr_t *err);
/* A zone read from TZif bytes p[0..n) (version 1, 2 or 3), named name, for
 * tests and tools: NULL with *why set when the data is not valid. The
 * caller owns the zone and frees it with dt_zone_free. */
dt_zone_t *dt_zone_from_tzif(const uint8_t *p, size_t n, pstr_t name, const char **why);
/* Free a zone from dt_zone_from_tzif (never one from dt_zone_get). */
void dt_zone_free(dt_zone_t *z);
/* One line saying what err means (static text). */
const char *dt_zone_error(dt_zerr_t err);
/* True when a tz database directory exists ($TZDIR or /usr/share/zoneinfo). */
bool dt_tzdb_present(void);
/* The name z was asked for by (a view of the zone's bytes). */
pstr_t dt_zone_name(const dt_zone_t *z);
/* UTC to local: the offset in seconds east of UTC in force at utc_sec
 * (epoch seconds), its abbreviation ("EDT"; a view of the zone's bytes,
 * may be NULL) and whether it is daylight saving time (may be NULL). */
int32_t dt_zone_offset(const dt_zone_t *z, int64_t utc_sec, pstr_t *abbr, bool *dst);
/* Local to UTC: the epoch seconds of local time local_sec (epoch seconds
 * of the wall clock read as if it were UTC). java.util's rule: a wall time
 * repeated when clocks go back is the second one (standard time); a wall
 * time skipped when clocks go forward is moved forward by the gap (02:30
 * becomes 03:30 daylight time). */
int64_t dt_zone_to_utc(const dt_zone_t *z, int64_t local_sec);

/* ---- timestamps ----------------------------------------------------------- */

/* The automatic reader, for timestamps as log sources write them: ISO
 * 8601 / RFC 3339 with or without an offset ('T' or blank, any fraction
 * digits; no offset: UTC), also with '/' in the date; epoch seconds (up to
 * 10 integer digits, optional fraction), ms (11-13), µs (14-16) and ns
 * (17-19), or in exponent form; Sumo's display form "MM/dd/yyyy
 * hh:mm:ss.SSS a ±HHMM" (also with a comma after the year, as Azure's
 * portal exports write it); .NET's JSON date "/Date(ms)/" (PowerShell's
 * ConvertTo-Json). Surrounding blanks are ignored. */
bool dt_parse(pstr_t s, int64_t *ms);

/* Where a date without a year goes: the caller's rule picks the year and
 * gives the wall-clock time of the date as epoch ms (read as UTC) in
 * *local_ms; false when no year fits. */
typedef bool (*dt_place_fn)(void *ud, unsigned mo, unsigned d, unsigned h, unsigned mi, unsigned s, unsigned ms,
                            int64_t *local_ms);

/* How dt_parse_java reads. */
typedef struct dt_java {
    const dt_zone_t *zone;  /* wall times without an offset in the text are in this zone (NULL: UTC) */
    dt_place_fn place;      /* places a date without a year (NULL: see epoch_defaults) */
    void *ud;               /* place's argument */
    bool prefix;            /* the pattern need only match the start of the text */
    bool epoch_defaults;    /* a missing year, month or day is 1970, January, 1 (Java's defaults) */
} dt_java_t;

/* Read v by a Java SimpleDateFormat pattern into epoch ms. Letters: G y Y
 * u M L d D E F w W a H k K h m s S z Z X, 'quoted' text and ''. Numbers
 * take as many digits as their letters where another field follows
 * directly (yyyyMMdd), else up to their natural width; S of 3+ letters is
 * a fraction (its first three digits are ms), of 1-2 letters a count of
 * ms; a blank matches one or more blanks; leading and trailing blanks of
 * v are ignored. o may be NULL (UTC, whole text, a year required). */
bool dt_parse_java(pstr_t v, pstr_t pattern, const dt_java_t *o, int64_t *ms);

/* Write ms in zone z (NULL: UTC) by a Java SimpleDateFormat pattern into
 * out[0..cap) (NUL-terminated when cap > 0), as snprintf does: returns
 * the length of the whole text, which was cut when >= cap. Letters other
 * than Java's are copied as they are; see docs/semantics.md §10. */
size_t dt_format(char *out, size_t cap, int64_t ms, pstr_t pattern, const dt_zone_t *z);
/* True when every letter of pattern is a Java SimpleDateFormat letter in
 * a valid count and every quote is closed; else false with *bad the first
 * culprit (the letter, or '\'' for an open quote). */
bool dt_pattern_ok(pstr_t pattern, char *bad);

#endif
