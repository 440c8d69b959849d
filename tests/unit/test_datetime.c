/* test_datetime.c — unit tests for zones and Java patterns (datetime.c).
 *
 * Zones: TZif data built here byte by byte (version 1 without a footer,
 * version 2 with POSIX TZ footers, southern and permanent DST, broken
 * files), then tz database zones across DST changes (New York, London,
 * Lord Howe's 30 minutes, Kolkata's war time), after the table's end
 * (2040), local to UTC in gaps and overlaps, names and the cache under
 * threads. Patterns: every letter written and read. The expected instants
 * come from zdump and GNU date.
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "check.h"
#include "datetime.h"

/* ---- shared by the tests below --------------------------------------------- */

/* formatDate's text of ms in zone z (NULL: UTC) by pattern pat. */
static const char *fmt(int64_t ms, const char *pat, const dt_zone_t *z) {
    static char b[4][256];
    static int k;
    k = (k + 1) % 4;
    dt_format(b[k], sizeof b[k], ms, pstr_c(pat), z);
    return b[k];
}

/* The zone named name (must exist). */
static const dt_zone_t *zone(const char *name) {
    dt_zerr_t err;
    const dt_zone_t *z = dt_zone_get(pstr_c(name), &err);
    if (!z) fprintf(stderr, "  zone %s: %s\n", name, dt_zone_error(err));
    return z ? z : dt_zone_utc();
}

/* Offset at t (epoch s) is want, abbreviated ab? */
static bool off_is(const dt_zone_t *z, int64_t t, int32_t want, const char *ab) {
    pstr_t a;
    int32_t off = dt_zone_offset(z, t, &a, NULL);
    bool ok = off == want && pstr_eq(a, pstr_c(ab));
    if (!ok) fprintf(stderr, "  %s at %" PRId64 ": %d %s, want %d %s\n", check_cstr(dt_zone_name(z)), t, off,
                     check_cstr(a), want, ab);
    return ok;
}

/* dt_parse_java of v by pat gives want? */
static bool jparse(const char *v, const char *pat, const dt_java_t *o, int64_t want) {
    int64_t ms = -1;
    if (!dt_parse_java(pstr_c(v), pstr_c(pat), o, &ms)) {
        fprintf(stderr, "  '%s' by '%s' did not parse\n", v, pat);
        return false;
    }
    if (ms != want) fprintf(stderr, "  '%s' by '%s' gave %" PRId64 ", want %" PRId64 "\n", v, pat, ms, want);
    return ms == want;
}

static bool jbad(const char *v, const char *pat, const dt_java_t *o) {
    int64_t ms;
    return !dt_parse_java(pstr_c(v), pstr_c(pat), o, &ms);
}

/* ---- TZif data built here ------------------------------------------------ */

/* A growing byte string. */
typedef struct bytes {
    uint8_t b[1024];  /* the bytes */
    size_t n;         /* how many */
} bytes_t;

static void b32(bytes_t *o, uint32_t v) {
    for (int s = 24; s >= 0; s -= 8) o->b[o->n++] = (uint8_t)(v >> s);
}

static void b64(bytes_t *o, int64_t v) {
    b32(o, (uint32_t)((uint64_t)v >> 32));
    b32(o, (uint32_t)v);
}

static void braw(bytes_t *o, const void *p, size_t n) {
    if (n) memcpy(o->b + o->n, p, n);
    o->n += n;
}

/* One header and data block: n transitions (times t, types idx), ntype
 * types (offsets off, dst flags, abbreviation indexes ai) and abbreviation
 * bytes chars[0..nc), with tsz-byte times. */
static void block(bytes_t *o, char ver, unsigned tsz, unsigned n, const int64_t *t, const uint8_t *idx, unsigned ntype,
                  const int32_t *off, const uint8_t *dst, const uint8_t *ai, const char *chars, unsigned nc) {
    braw(o, "TZif", 4);
    o->b[o->n++] = (uint8_t)ver;
    memset(o->b + o->n, 0, 15);
    o->n += 15;
    b32(o, 0), b32(o, 0), b32(o, 0), b32(o, n), b32(o, ntype), b32(o, nc);
    for (unsigned i = 0; i < n; i++) tsz == 8 ? b64(o, t[i]) : b32(o, (uint32_t)t[i]);
    braw(o, idx, n);
    for (unsigned i = 0; i < ntype; i++) {
        b32(o, (uint32_t)off[i]);
        o->b[o->n++] = dst[i];
        o->b[o->n++] = ai[i];
    }
    braw(o, chars, nc);
}

/* A version 2 file: an empty version 1 block, then the data and footer. */
static void tzif2(bytes_t *o, unsigned n, const int64_t *t, const uint8_t *idx, unsigned ntype, const int32_t *off,
                  const uint8_t *dst, const uint8_t *ai, const char *chars, unsigned nc, const char *footer) {
    static const int32_t z0 = 0;
    static const uint8_t u0 = 0;
    o->n = 0;
    block(o, '2', 4, 0, NULL, NULL, 1, &z0, &u0, &u0, "", 1);
    block(o, '2', 8, n, t, idx, ntype, off, dst, ai, chars, nc);
    o->b[o->n++] = '\n';
    braw(o, footer, strlen(footer));
    o->b[o->n++] = '\n';
}

static dt_zone_t *from(const bytes_t *o) {
    const char *why;
    return dt_zone_from_tzif(o->b, o->n, PSTR_LIT("test"), &why);
}

static void test_tzif_built(void) {
    bytes_t o;
    /* version 1: two transitions, no footer; the last type stays */
    static const int64_t t1[] = {0, 100000};
    static const uint8_t i1[] = {1, 0}, d1[] = {0, 1}, a1[] = {0, 4};
    static const int32_t f1[] = {3600, 7200};
    o.n = 0;
    block(&o, 0, 4, 2, t1, i1, 2, f1, d1, a1, "AAA\0BBB", 8);
    dt_zone_t *z = from(&o);
    CHECK(z != NULL);
    if (z) {
        CHECK(off_is(z, -1, 3600, "AAA"));
        CHECK(off_is(z, 0, 7200, "BBB"));
        CHECK(off_is(z, 99999, 7200, "BBB"));
        CHECK(off_is(z, 100000, 3600, "AAA"));
        CHECK(off_is(z, 4000000000, 3600, "AAA"));
        dt_zone_free(z);
    }
    /* version 2, no transitions: the footer decides everything */
    static const int32_t est = -18000;
    static const uint8_t u0 = 0;
    tzif2(&o, 0, NULL, NULL, 1, &est, &u0, &u0, "EST", 4, "EST5EDT,M3.2.0,M11.1.0");
    z = from(&o);
    CHECK(z != NULL);
    if (z) {
        CHECK(off_is(z, 1710053999, -18000, "EST")); /* 2024-03-10 06:59:59Z */
        CHECK(off_is(z, 1710054000, -14400, "EDT"));
        CHECK(off_is(z, 1730613599, -14400, "EDT")); /* 2024-11-03 05:59:59Z */
        CHECK(off_is(z, 1730613600, -18000, "EST"));
        CHECK(off_is(z, 2215062000, -14400, "EDT")); /* 2040-03-11 07:00Z */
        CHECK(off_is(z, -620845200, -14400, "EDT")); /* 1950: the rule, as there is no table */
        CHECK(dt_zone_to_utc(z, 1710037800) == 1710055800); /* 02:30 skipped: 03:30 EDT */
        CHECK(dt_zone_to_utc(z, 1730597400) == 1730615400); /* 01:30 twice: the second */
        dt_zone_free(z);
    }
    /* southern DST by a footer with quoted names and a half hour */
    static const int32_t lh = 37800;
    tzif2(&o, 0, NULL, NULL, 1, &lh, &u0, &u0, "+1030", 6, "<+1030>-10:30<+11>-11,M10.1.0,M4.1.0");
    z = from(&o);
    CHECK(z != NULL);
    if (z) {
        CHECK(off_is(z, 1712415599, 39600, "+11"));
        CHECK(off_is(z, 1712415600, 37800, "+1030"));
        CHECK(off_is(z, 1728142199, 37800, "+1030"));
        CHECK(off_is(z, 1728142200, 39600, "+11"));
        CHECK(off_is(z, 2208988800, 39600, "+11")); /* 2040-01-01: summer */
        dt_zone_free(z);
    }
    /* version 3: DST all year */
    tzif2(&o, 0, NULL, NULL, 1, &est, &u0, &u0, "EST", 4, "EST5EDT,0/0,J365/25");
    z = from(&o);
    CHECK(z != NULL);
    if (z) {
        CHECK(off_is(z, 2208988800, -14400, "EDT"));
        CHECK(off_is(z, 2224713600, -14400, "EDT"));
        CHECK(off_is(z, 2208988800 - 3600, -14400, "EDT"));
        dt_zone_free(z);
    }
    /* a fixed zone by a footer without DST, and Jn / n rule days */
    tzif2(&o, 0, NULL, NULL, 1, &est, &u0, &u0, "EST", 4, "<-05>5<-04>,J60/0,300/0");
    z = from(&o);
    CHECK(z != NULL);
    if (z) {
        CHECK(off_is(z, 1709269200 - 1, -18000, "-05")); /* 2024-03-01 05:00Z: J60 is March 1 also in a leap year */
        CHECK(off_is(z, 1709269200, -14400, "-04"));
        dt_zone_free(z);
    }
}

static void test_tzif_broken(void) {
    bytes_t o;
    const char *why;
    static const int64_t t2[] = {100, 50};
    static const uint8_t i2[] = {0, 0}, ibad[] = {0, 5}, d2[] = {0}, a2[] = {0}, abad[] = {9};
    static const int32_t f2[] = {0};
    CHECK(!dt_zone_from_tzif((const uint8_t *)"TZix", 4, PSTR_LIT("x"), &why));
    CHECK(!dt_zone_from_tzif((const uint8_t *)"", 0, PSTR_LIT("x"), &why));
    o.n = 0;
    block(&o, 0, 4, 2, t2, i2, 1, f2, d2, a2, "UTC", 4); /* not ascending */
    CHECK(!from(&o));
    o.n = 0;
    static const int64_t t3[] = {50, 100};
    block(&o, 0, 4, 2, t3, ibad, 1, f2, d2, a2, "UTC", 4); /* type 5 of 1 */
    CHECK(!from(&o));
    o.n = 0;
    block(&o, 0, 4, 2, t3, i2, 1, f2, d2, abad, "UTC", 4); /* abbreviation past the bytes */
    CHECK(!from(&o));
    o.n = 0;
    block(&o, 0, 4, 2, t3, i2, 1, f2, d2, a2, "UTC", 3); /* no NUL */
    CHECK(!from(&o));
    o.n = 0;
    block(&o, 0, 4, 2, t3, i2, 1, f2, d2, a2, "UTC", 4);
    for (size_t cut = 0; cut < o.n; cut++) CHECK(!dt_zone_from_tzif(o.b, cut, PSTR_LIT("x"), &why));
    dt_zone_t *z = from(&o);
    CHECK(z != NULL);
    dt_zone_free(z);
    static const char *const bad_footers[] = {"FOO", "EST5EDT", "EST5EDT,M3.2.0", "EST5EDT,M13.2.0,M11.1.0",
                                              "EST5EDT,M3.6.0,M11.1.0", "<>5", "EST5EDT,J0,J365", "E5"};
    for (size_t i = 0; i < sizeof bad_footers / sizeof *bad_footers; i++) {
        tzif2(&o, 0, NULL, NULL, 1, f2, d2, a2, "UTC", 4, bad_footers[i]);
        z = from(&o);
        if (z) fprintf(stderr, "  footer '%s' was read\n", bad_footers[i]);
        CHECK(!z);
        dt_zone_free(z);
    }
    tzif2(&o, 0, NULL, NULL, 1, f2, d2, a2, "UTC", 4, ""); /* an empty footer is allowed */
    z = from(&o);
    CHECK(z != NULL);
    if (z) dt_zone_free(z);
}

/* ---- tz database zones ----------------------------------------------------- */

static void test_zones(void) {
    const dt_zone_t *ny = zone("America/New_York"), *lon = zone("Europe/London"), *lh = zone("Australia/Lord_Howe"),
                    *kol = zone("Asia/Kolkata");
    /* New York, 2024 */
    CHECK(off_is(ny, 1710053999, -18000, "EST"));
    CHECK(off_is(ny, 1710054000, -14400, "EDT"));
    CHECK(off_is(ny, 1730613599, -14400, "EDT"));
    CHECK(off_is(ny, 1730613600, -18000, "EST"));
    /* 1950 (a negative epoch, in the table) and 2040 (after it: the footer) */
    CHECK(off_is(ny, -620845201, -18000, "EST"));
    CHECK(off_is(ny, -620845200, -14400, "EDT"));
    CHECK(off_is(ny, 2215061999, -18000, "EST"));
    CHECK(off_is(ny, 2215062000, -14400, "EDT"));
    CHECK(off_is(ny, 2235621599, -14400, "EDT"));
    CHECK(off_is(ny, 2235621600, -18000, "EST"));
    /* London */
    CHECK(off_is(lon, 1711846799, 0, "GMT"));
    CHECK(off_is(lon, 1711846800, 3600, "BST"));
    CHECK(off_is(lon, 1729990799, 3600, "BST"));
    CHECK(off_is(lon, 1729990800, 0, "GMT"));
    CHECK(off_is(lon, 2216250000, 3600, "BST"));
    /* Lord Howe: DST is 30 minutes */
    CHECK(off_is(lh, 1712415599, 39600, "+11"));
    CHECK(off_is(lh, 1712415600, 37800, "+1030"));
    CHECK(off_is(lh, 1728142199, 37800, "+1030"));
    CHECK(off_is(lh, 1728142200, 39600, "+11"));
    /* Kolkata: +05:30, war time +06:30 in 1941-1945 */
    CHECK(off_is(kol, 1717488136, 19800, "IST"));
    CHECK(off_is(kol, -891581401, 19800, "IST"));
    CHECK(off_is(kol, -891581400, 23400, "+0630"));
    CHECK(off_is(kol, 2224713600, 19800, "IST"));
    /* local to UTC: gaps move forward, repeated times are the second */
    CHECK(dt_zone_to_utc(ny, 1717473736) == 1717488136);
    CHECK(dt_zone_to_utc(ny, 1710037800) == 1710055800);
    CHECK(dt_zone_to_utc(ny, 1730597400) == 1730615400);
    CHECK(dt_zone_to_utc(lon, 1711848600) == 1711848600);
    CHECK(dt_zone_to_utc(lon, 1729992600) == 1729992600);
    CHECK(dt_zone_to_utc(lh, 1728180900) == 1728143100);
    CHECK(dt_zone_to_utc(lh, 1712454300) == 1712416500);
    CHECK(dt_zone_to_utc(kol, 1717488136 + 19800) == 1717488136);
    /* formatted */
    CHECK_STR(fmt(1717488136244, "yyyy-MM-dd HH:mm:ss.SSS z Z XXX", ny), "2024-06-04 04:02:16.244 EDT -0400 -04:00");
    CHECK_STR(fmt(1704067200000, "yyyy-MM-dd HH:mm zzzz", ny), "2023-12-31 19:00 Eastern Standard Time");
    CHECK_STR(fmt(2215062000000, "yyyy-MM-dd HH:mm z", ny), "2040-03-11 03:00 EDT");
    CHECK_STR(fmt(2215061999000, "yyyy-MM-dd HH:mm:ss z", ny), "2040-03-11 01:59:59 EST");
    CHECK_STR(fmt(1728142200000, "yyyy-MM-dd HH:mm z XXX", lh), "2024-10-06 02:30 GMT+11:00 +11:00");
    CHECK_STR(fmt(1728142199000, "HH:mm:ss z", lh), "01:59:59 GMT+10:30");
    CHECK_STR(fmt(1717488136244, "HH:mm z zzzz X XX XXX", kol), "13:32 IST India Standard Time +05 +0530 +05:30");
    CHECK_STR(fmt(-891581400000, "yyyy-MM-dd HH:mm z", kol), "1941-10-01 01:00 GMT+06:30");
    CHECK_STR(fmt(1711846800000, "HH:mm z zzzz", lon), "02:00 BST British Summer Time");
    CHECK_STR(fmt(-620845200000, "yyyy-MM-dd HH:mm z", ny), "1950-04-30 03:00 EDT");
}

static void test_names(void) {
    dt_zerr_t err;
    const dt_zone_t *z;
    CHECK(dt_zone_get(PSTR_LIT("UTC"), &err) == dt_zone_utc());
    CHECK(dt_zone_get(PSTR_LIT(" utc "), &err) == dt_zone_utc());
    CHECK(dt_zone_get(PSTR_LIT(""), &err) == dt_zone_utc());
    CHECK(dt_zone_get(PSTR_LIT("Etc/UTC"), &err) == dt_zone_utc());
    CHECK(dt_zone_get(PSTR_LIT("etc/utc"), &err) == dt_zone_utc());
    CHECK_STR(fmt(0, "z", dt_zone_get(PSTR_LIT("GMT"), &err)), "GMT");
    z = dt_zone_get(PSTR_LIT("GMT+5"), &err);
    CHECK(z && dt_zone_offset(z, 0, NULL, NULL) == 18000);
    CHECK_STR(fmt(0, "HH:mm z zzzz Z", z), "05:00 GMT+05:00 GMT+05:00 +0500");
    z = dt_zone_get(PSTR_LIT("+05:30"), &err);
    CHECK(z && dt_zone_offset(z, 0, NULL, NULL) == 19800);
    z = dt_zone_get(PSTR_LIT("UTC-03:00"), &err);
    CHECK(z && dt_zone_offset(z, 0, NULL, NULL) == -10800);
    CHECK(dt_zone_get(PSTR_LIT("GMT+5"), &err) == dt_zone_get(PSTR_LIT("GMT+5"), &err)); /* cached */
    z = dt_zone_get(PSTR_LIT("EST"), &err);
    CHECK(z && dt_zone_offset(z, 1720000000, NULL, NULL) == -18000); /* fixed: no DST in July */
    CHECK_STR(fmt(1720000000000, "HH:mm z", z), "04:46 EST");
    CHECK(dt_zone_get(PSTR_LIT("Mars/Base"), &err) == NULL && err == DT_ZUNKNOWN);
    CHECK(dt_zone_get(PSTR_LIT("../../etc/passwd"), &err) == NULL && err == DT_ZBADNAME);
    CHECK(dt_zone_get(PSTR_LIT("/etc/localtime"), &err) == NULL && err == DT_ZBADNAME);
    CHECK(dt_zone_get(PSTR_LIT("America/../America/New_York"), &err) == NULL && err == DT_ZBADNAME);
    CHECK(dt_zone_get(PSTR_LIT("America//New_York"), &err) == NULL && err == DT_ZBADNAME);
    CHECK(dt_zone_get(PSTR_LIT("America/.hidden"), &err) == NULL && err == DT_ZBADNAME);
    CHECK(dt_zone_get(PSTR_LIT("America"), &err) == NULL && err == DT_ZUNKNOWN);
    CHECK(dt_zone_get(PSTR_LIT("+25:00"), &err) == NULL);
    if (!dt_tzdb_present()) return;
    z = dt_zone_get(PSTR_LIT("PST"), &err); /* Java's short id: America/Los_Angeles */
    CHECK(z && dt_zone_offset(z, 1720000000, NULL, NULL) == -25200);
    z = dt_zone_get(PSTR_LIT("Etc/GMT-3"), &err); /* the tz database's inverted sign */
    CHECK(z && dt_zone_offset(z, 0, NULL, NULL) == 10800);
    CHECK_STR(fmt(0, "HH:mm z", z), "03:00 GMT+03:00");
    z = dt_zone_get(PSTR_LIT("america/new_york"), &err); /* case ignored when no file has the exact name */
    CHECK(z && dt_zone_offset(z, 1717488136, NULL, NULL) == -14400);
    CHECK(dt_zone_get(PSTR_LIT("right/America/New_York"), &err) == NULL && err == DT_ZBADFILE);
    CHECK(zone("Europe/Paris") == zone("Europe/Paris"));
}

/* The zone cache read and filled by several threads at once. */
static void *zone_worker(void *arg) {
    static const char *const names[] = {"Europe/Paris", "Asia/Tokyo", "America/Chicago", "GMT-7", "Africa/Cairo"};
    const dt_zone_t **seen = arg;
    for (int r = 0; r < 200; r++)
        for (int i = 0; i < 5; i++) {
            dt_zerr_t err;
            const dt_zone_t *z = dt_zone_get(pstr_c(names[i]), &err);
            char b[64];
            dt_format(b, sizeof b, 1717488136244 + r * 86400000LL * 3, PSTR_LIT("yyyy-MM-dd HH z"), z);
            if (r == 0) seen[i] = z;
            else if (seen[i] != z) seen[i] = NULL;
        }
    return NULL;
}

static void test_threads(void) {
    pthread_t t[4];
    const dt_zone_t *seen[4][5];
    for (int i = 0; i < 4; i++) pthread_create(&t[i], NULL, zone_worker, seen[i]);
    for (int i = 0; i < 4; i++) pthread_join(t[i], NULL);
    bool same = true;
    for (int i = 0; i < 4; i++)
        for (int k = 0; k < 5; k++) same = same && seen[i][k] && seen[i][k] == seen[0][k];
    CHECK(same);
}

/* With no tz database a named zone is an error that says so (run last:
 * it points TZDIR away; zones already cached stay usable). */
static void test_no_database(void) {
    dt_zerr_t err;
    setenv("TZDIR", "/nonexistent/postern-zoneinfo", 1);
    CHECK(!dt_tzdb_present());
    CHECK(dt_zone_get(PSTR_LIT("Africa/Nairobi"), &err) == NULL && err == DT_ZNODB);
    CHECK(strstr(dt_zone_error(err), "tzdata") != NULL);
    CHECK(dt_zone_get(PSTR_LIT("UTC"), &err) == dt_zone_utc());
    CHECK(dt_zone_get(PSTR_LIT("+01:00"), &err) != NULL);
    CHECK(dt_zone_get(PSTR_LIT("EST"), &err) != NULL);
    unsetenv("TZDIR");
}

/* ---- offsets, names, the calendar ------------------------------------------ */

static void test_offsets(void) {
    int32_t off;
    CHECK(dt_offset_parse(PSTR_LIT("Z"), &off) == 1 && off == 0);
    CHECK(dt_offset_parse(PSTR_LIT("UTC"), &off) == 3 && off == 0);
    CHECK(dt_offset_parse(PSTR_LIT("gmt+5"), &off) == 5 && off == 18000);
    CHECK(dt_offset_parse(PSTR_LIT("UT-3"), &off) == 4 && off == -10800);
    CHECK(dt_offset_parse(PSTR_LIT("+05:30"), &off) == 6 && off == 19800);
    CHECK(dt_offset_parse(PSTR_LIT("-0800"), &off) == 5 && off == -28800);
    CHECK(dt_offset_parse(PSTR_LIT("+05"), &off) == 3 && off == 18000);
    CHECK(dt_offset_parse(PSTR_LIT("-7 x"), &off) == 2 && off == -25200);
    CHECK(dt_offset_parse(PSTR_LIT("UTC+01:00"), &off) == 9 && off == 3600);
    CHECK(dt_offset_parse(PSTR_LIT("+24:00"), &off) == 0);
    CHECK(dt_offset_parse(PSTR_LIT("+05:60"), &off) == 0);
    CHECK(dt_offset_parse(PSTR_LIT("+053"), &off) == 0);
    CHECK(dt_offset_parse(PSTR_LIT("+"), &off) == 0);
    CHECK(dt_offset_parse(PSTR_LIT("EST"), &off) == 0);
    CHECK(dt_month3("Mar 05", 6, false) == 3);
    CHECK(dt_month3("MAR", 3, false) == 0);
    CHECK(dt_month3("MAR", 3, true) == 3);
    CHECK(dt_month3("Ma", 2, true) == 0);
}

static void test_calendar(void) {
    dt_tm_t tm;
    dt_split(-1, &tm); /* 1969-12-31 23:59:59.999, a Wednesday */
    CHECK(tm.year == 1969 && tm.month == 12 && tm.day == 31 && tm.yday == 365 && tm.wday == 3 && tm.hour == 23 &&
          tm.min == 59 && tm.sec == 59 && tm.ms == 999);
    dt_split(951782400000, &tm); /* 2000-02-29 */
    CHECK(tm.year == 2000 && tm.month == 2 && tm.day == 29 && tm.yday == 60 && tm.wday == 2);
    dt_split(-2203891200000, &tm); /* 1900-03-01: 1900 has no Feb 29 */
    CHECK(tm.year == 1900 && tm.month == 3 && tm.day == 1 && tm.yday == 60);
    dt_split(4107542400000, &tm); /* 2100-03-01 */
    CHECK(tm.year == 2100 && tm.month == 3 && tm.day == 1 && tm.yday == 60);
    CHECK(dt_leap(2000) && dt_leap(2024) && !dt_leap(1900) && !dt_leap(2100) && !dt_leap(2023));
    CHECK(dt_month_days(2024, 2) == 29 && dt_month_days(2023, 2) == 28 && dt_month_days(2024, 12) == 31);
    CHECK(dt_civil_ms(2024, 6, 4, 8, 2, 16, 244) == 1717488136244);
    /* every day from 1600 to 2400 splits back to itself */
    bool ok = true;
    for (int64_t d = dt_days_from_civil(1600, 1, 1); d < dt_days_from_civil(2400, 1, 1) && ok; d++) {
        dt_split(d * 86400000 + 43200000, &tm);
        ok = dt_days_from_civil(tm.year, tm.month, tm.day) == d && tm.hour == 12;
    }
    CHECK(ok);
    CHECK_STR(fmt(-1, "yyyy-MM-dd HH:mm:ss.SSS EEE", NULL), "1969-12-31 23:59:59.999 Wed");
    CHECK_STR(fmt(-62135596800000, "G yyyy-MM-dd", NULL), "AD 0001-01-01");
    CHECK_STR(fmt(-62135596800001, "G y-MM-dd", NULL), "BC 1-12-31"); /* proleptic Gregorian year 0 is 1 BC */
    CHECK_STR(fmt(951782400000, "yyyy-MM-dd D EEEE", NULL), "2000-02-29 60 Tuesday");
}

/* ---- Java patterns ----------------------------------------------------------- */

static void test_format_letters(void) {
    const int64_t t = 1717488136244; /* 2024-06-04T08:02:16.244Z, a Tuesday */
    CHECK_STR(fmt(t, "G y yy yyyy yyyyy Y YY", NULL), "AD 2024 24 2024 02024 2024 24");
    CHECK_STR(fmt(t, "M MM MMM MMMM L LL LLL LLLL", NULL), "6 06 Jun June 6 06 Jun June");
    CHECK_STR(fmt(t, "w ww W D DDD d dd F", NULL), "23 23 2 156 156 4 04 1");
    CHECK_STR(fmt(t, "E EE EEE EEEE u uu", NULL), "Tue Tue Tue Tuesday 2 02");
    CHECK_STR(fmt(t, "a H HH k kk K KK h hh", NULL), "AM 8 08 8 08 8 08 8 08");
    CHECK_STR(fmt(t, "m mm s ss S SS SSS SSSS", NULL), "2 02 16 16 244 244 244 0244");
    CHECK_STR(fmt(t + 756, "S SS SSS", NULL), "0 00 000");
    CHECK_STR(fmt(t - 239, "S SS SSS", NULL), "5 05 005"); /* S is a count of ms, as Java */
    CHECK_STR(fmt(t, "z zzzz Z X XX XXX", NULL), "UTC Coordinated Universal Time +0000 Z Z Z");
    CHECK_STR(fmt(t, "yyyy-MM-dd'T'HH:mm:ss.SSSXXX", NULL), "2024-06-04T08:02:16.244Z");
    CHECK_STR(fmt(t, "'o''clock' h '' 'at' a", NULL), "o'clock 8 ' at AM");
    CHECK_STR(fmt(t, "MM/dd/yyyy HH:mm:ss:SSS", NULL), "06/04/2024 08:02:16:244");
    CHECK_STR(fmt(t, "", NULL), "");
    CHECK_STR(fmt(t, "Q qq", NULL), "Q qq"); /* not Java letters: copied */
    /* midnight and noon for k K h a */
    CHECK_STR(fmt(1717459200000, "H k K h a", NULL), "0 24 0 12 AM");
    CHECK_STR(fmt(1717502400000, "H k K h a", NULL), "12 12 0 12 PM");
    CHECK_STR(fmt(1717545599000, "H k K h a", NULL), "23 23 11 11 PM");
    /* week years: 2024-12-29 (a Sunday) is in week 1 of 2025 */
    CHECK_STR(fmt(1735473600000, "yyyy YYYY w W", NULL), "2024 2025 1 5");
    CHECK_STR(fmt(1735387200000, "yyyy YYYY w", NULL), "2024 2024 52"); /* Saturday 2024-12-28 */
    /* a long result is counted even when cut */
    char small[8];
    CHECK(dt_format(small, sizeof small, t, PSTR_LIT("yyyy-MM-dd HH:mm"), NULL) == 16);
    CHECK_STR(small, "2024-06");
    char bad;
    CHECK(dt_pattern_ok(PSTR_LIT("yyyy-MM-dd'T'HH:mm:ss.SSSXXX 'o''clock'"), &bad));
    CHECK(!dt_pattern_ok(PSTR_LIT("yyyy Q"), &bad) && bad == 'Q');
    CHECK(!dt_pattern_ok(PSTR_LIT("XXXX"), &bad) && bad == 'X');
    CHECK(!dt_pattern_ok(PSTR_LIT("HH 'open"), &bad) && bad == '\'');
}

/* Every date without a year is in 2024 (for the placer test). */
static bool place_2024(void *ud, unsigned mo, unsigned d, unsigned h, unsigned mi, unsigned s, unsigned ms,
                       int64_t *local_ms) {
    (void)ud;
    *local_ms = dt_civil_ms(2024, mo, d, h, mi, s, ms);
    return true;
}

static void test_parse_letters(void) {
    const int64_t t = 1717488136244;
    const dt_zone_t *ny = zone("America/New_York"), *tokyo = zone("Asia/Tokyo");
    dt_java_t dflt = {.epoch_defaults = true}, in_ny = {.zone = ny}, in_tokyo = {.zone = tokyo};
    dt_java_t pre = {.prefix = true}, placed = {.place = place_2024};
    CHECK(jparse("2024-06-04T08:02:16.244Z", "yyyy-MM-dd'T'HH:mm:ss.SSSX", NULL, t));
    CHECK(jparse("2024-06-04T04:02:16.244-04:00", "yyyy-MM-dd'T'HH:mm:ss.SSSXXX", NULL, t));
    CHECK(jparse("Tue, 04 Jun 2024 04:02:16 EDT", "EEE, dd MMM yyyy HH:mm:ss z", NULL, t - 244));
    CHECK(jparse("Tuesday June 4 2024 8:02:16 AM +0000", "EEEE MMMM d yyyy h:mm:ss a Z", NULL, t - 244));
    CHECK(jparse("AD 2024.156 08:02", "G yyyy.DDD HH:mm", NULL, 1717488120000));
    CHECK(jparse("2024-06-04 2 08", "yyyy-MM-dd u HH", NULL, 1717488000000));
    CHECK(jparse("2024 23 2 1 06 04", "YYYY w W F MM dd", NULL, 1717459200000));
    CHECK(jparse("6/4/2024", "L/d/yyyy", NULL, 1717459200000));
    CHECK(jparse("24-06-04", "yy-MM-dd", NULL, 1717459200000));
    CHECK(jparse("20240604080216244", "yyyyMMddHHmmssSSS", NULL, t));
    CHECK(jparse("24:30", "kk:mm", &dflt, 1800000));
    CHECK(jparse("0:15 PM", "K:mm a", &dflt, 44100000));
    CHECK(jparse("12:15 AM", "hh:mm a", &dflt, 900000));
    CHECK(jparse("16.5", "ss.S", &dflt, 16005));     /* 1-2 letters: a count of ms */
    CHECK(jparse("16.5", "ss.SSS", &dflt, 16500));   /* 3+: a fraction */
    CHECK(jparse("16.123456", "ss.SSSSSS", &dflt, 16123));
    CHECK(jparse("at 8 o'clock", "'at' H 'o''clock'", &dflt, 28800000));
    CHECK(jparse("2024-06-04 04:02:16", "yyyy-MM-dd HH:mm:ss", &in_ny, t - 244));
    CHECK(jparse("2024-06-04 04:02:16 -04:00", "yyyy-MM-dd HH:mm:ss XXX", &in_tokyo, t - 244));
    CHECK(jparse("2024-06-04 17:02:16", "yyyy-MM-dd HH:mm:ss", &in_tokyo, t - 244));
    CHECK(jparse("2024-03-10 02:30", "yyyy-MM-dd HH:mm", &in_ny, 1710055800000));
    CHECK(jparse("2024-11-03 01:30", "yyyy-MM-dd HH:mm", &in_ny, 1730615400000));
    CHECK(jparse("2024-06-04 trailing", "yyyy-MM-dd", &pre, 1717459200000));
    CHECK(jparse("Jun  4 08:02:16", "MMM d HH:mm:ss", &placed, t - 244));
    CHECK(jparse("BC 0001-01-01", "G yyyy-MM-dd", NULL, -62167219200000)); /* year 0 */
    CHECK(jbad("2024-06-04 trailing", "yyyy-MM-dd", NULL));
    CHECK(jbad("Jun 4 08:02:16", "MMM d HH:mm:ss", NULL)); /* no year, no placer */
    CHECK(jbad("2023-02-29", "yyyy-MM-dd", NULL));
    CHECK(jbad("2024-06-04 8", "yyyy-MM-dd u", NULL));
    CHECK(jbad("2024-06-04 25:00", "yyyy-MM-dd HH:mm", NULL));
    CHECK(jbad("2024-06-04 ZZT", "yyyy-MM-dd z", NULL));
    CHECK(jbad("2024-06-04", "yyyy-MM-dd Q", NULL));
    CHECK(jbad("2024.367", "yyyy.DDD", NULL));
}

int main(void) {
    test_calendar();
    test_offsets();
    test_tzif_built();
    test_tzif_broken();
    test_format_letters();
    if (dt_tzdb_present()) {
        test_zones();
        test_parse_letters();
        test_threads();
    } else {
        fprintf(stderr, "test_datetime: no tz database: zone tests skipped\n");
    }
    test_names();
    test_no_database();
    return CHECK_DONE("test_datetime");
}
