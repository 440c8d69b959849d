/* test_time.c — unit tests for timestamp parsing (datetime.c).
 *
 * Checks the civil-date arithmetic against known day numbers (and a
 * day-by-day walk over four centuries), ISO-8601 with zones and
 * fractions, epoch numbers by digit count, Sumo's display form, .NET's
 * JSON dates, and text that must not parse.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "datetime.h"


/* Parses to want (epoch ms)? */
static bool is(const char *s, int64_t want) {
    int64_t ms = -1;
    if (!dt_parse(pstr_c(s), &ms)) {
        fprintf(stderr, "  '%s' did not parse\n", s);
        return false;
    }
    if (ms != want) fprintf(stderr, "  '%s' gave %" PRId64 ", want %" PRId64 "\n", s, ms, want);
    return ms == want;
}

static bool bad(const char *s) {
    int64_t ms;
    return !dt_parse(pstr_c(s), &ms);
}

static void test_civil(void) {
    CHECK(dt_days_from_civil(1970, 1, 1) == 0);
    CHECK(dt_days_from_civil(1970, 1, 2) == 1);
    CHECK(dt_days_from_civil(1969, 12, 31) == -1);
    CHECK(dt_days_from_civil(2000, 3, 1) == 11017);
    CHECK(dt_days_from_civil(2024, 2, 29) == 19782);
    CHECK(dt_days_from_civil(2024, 3, 5) == 19787);
    CHECK(dt_days_from_civil(1600, 1, 1) == -135140);
    CHECK(dt_days_from_civil(9999, 12, 31) == 2932896);
    /* consecutive days across 1900..2300 (leap rules for 1900, 2000, 2100) */
    static const unsigned char dm[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int64_t prev = dt_days_from_civil(1899, 12, 31);
    bool ok = true;
    for (int64_t y = 1900; y < 2300; y++)
        for (unsigned m = 1; m <= 12; m++) {
            unsigned nd = dm[m - 1];
            if (m == 2 && y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)) nd = 29;
            for (unsigned d = 1; d <= nd; d++) {
                int64_t t = dt_days_from_civil(y, m, d);
                if (t != prev + 1) ok = false;
                prev = t;
            }
        }
    CHECK(ok);
}

static void test_iso(void) {
    CHECK(is("1970-01-01T00:00:00Z", 0));
    CHECK(is("2024-03-05T10:15:01Z", 1709633701000));
    CHECK(is("2024-03-05T10:15:01.123Z", 1709633701123));
    CHECK(is("2024-03-05T10:15:01.1Z", 1709633701100));
    CHECK(is("2024-03-05T10:15:01.123456789Z", 1709633701123));
    CHECK(is("2024-03-05T10:15:01,5Z", 1709633701500));
    CHECK(is("2024-03-05t10:15:01z", 1709633701000));
    CHECK(is("2024-03-05 10:15:01", 1709633701000));         /* no zone: UTC */
    CHECK(is("2024-03-05 10:15:01.123", 1709633701123));
    CHECK(is("2024-03-05T11:15:01+01:00", 1709633701000));
    CHECK(is("2024-03-05T11:15:01.123+0100", 1709633701123));
    CHECK(is("2024-03-05T05:15:01-05", 1709633701000));
    CHECK(is("2024-03-05T15:45:01+05:30", 1709633701000));
    CHECK(is("2024-03-05 10:15:01 +00:00", 1709633701000));
    CHECK(is("2024-03-05 10:15:01 UTC", 1709633701000));
    CHECK(is("2024-03-05T10:15", 1709633700000));
    CHECK(is("2024-03-05", 1709596800000));
    CHECK(is("2024/03/05 10:15:01", 1709633701000));          /* PAN-OS */
    CHECK(is("  2024-03-05T10:15:01Z \n", 1709633701000));
    CHECK(is("2024-02-29T00:00:00Z", 1709164800000));
    CHECK(is("2024-03-05T00:30:00+01:00", 1709595000000));    /* previous UTC day */
    CHECK(is("1969-12-31T23:59:59Z", -1000));
    CHECK(is("2024-03-05T24:00:00Z", 1709683200000));
}

static void test_epoch(void) {
    CHECK(is("1709633701", 1709633701000));
    CHECK(is("1709633701.123", 1709633701123));
    CHECK(is("1709633701.5", 1709633701500));
    CHECK(is("1709633701.123456", 1709633701123));
    CHECK(is("1709633701123", 1709633701123));
    CHECK(is("1709633701123.9", 1709633701123));
    CHECK(is("1709633701123456", 1709633701123));
    CHECK(is("1709633701123456789", 1709633701123));
    CHECK(is("0", 0));
    CHECK(is("1.709633701123E12", 1709633701123));
    CHECK(is("1.7096337e9", 1709633700000));
    CHECK(is(" 1709633701 ", 1709633701000));
}

static void test_sumo_display(void) {
    CHECK(is("03/05/2024 10:15:01.123 AM +0000", 1709633701123));
    CHECK(is("03/05/2024 10:15:01.123 PM +0000", 1709676901123));
    CHECK(is("03/05/2024 12:15:01.000 AM +0000", 1709597701000));
    CHECK(is("03/05/2024 12:15:01.000 PM +0000", 1709640901000));
    CHECK(is("03/05/2024 05:15:01.123 AM -0500", 1709633701123));
    CHECK(is("3/5/2024 10:15:01", 1709633701000));
    CHECK(is("3/5/2024, 10:15:01.123 AM", 1709633701123)); /* Azure's portal export */
}

/* .NET's JSON dates (PowerShell's ConvertTo-Json). */
static void test_wcf(void) {
    CHECK(is("/Date(1652432045210)/", 1652432045210));
    CHECK(is("/Date(1652432045210+0200)/", 1652432045210));
    CHECK(is("/Date(-1000)/", -1000));
    CHECK(bad("/Date()/"));
    CHECK(bad("/Date(1652432045210+02)/"));
    CHECK(bad("/Date(1652432045210)"));
    CHECK(bad("/Date(12x)/"));
}

static void test_bad(void) {
    CHECK(bad(""));
    CHECK(bad("   "));
    CHECK(bad("yesterday"));
    CHECK(bad("2024-13-01T00:00:00Z"));
    CHECK(bad("2024-02-30T00:00:00Z"));
    CHECK(bad("2023-02-29"));
    CHECK(bad("2024-03-05T25:00:00Z"));
    CHECK(bad("2024-03-05T10:60:00Z"));
    CHECK(bad("2024-03-05T10:15:01+25:00"));
    CHECK(bad("2024-03-05T10:15:01Zjunk"));
    CHECK(bad("2024-03-05T10:15:01."));
    CHECK(bad("2024-03-05X10:15:01"));
    CHECK(bad("12345678901234567890"));  /* 20 digits */
    CHECK(bad("9999999999999999999"));   /* past int64 */
    CHECK(bad("17096337O1"));
    CHECK(bad("-5"));
    CHECK(bad("1e"));
    CHECK(bad("03/05/2024 13:00:00 PM"));
    CHECK(bad("{\"SystemTime\":\"2024-03-05T10:15:01Z\"}"));
}

/* dt_parse of s and of s with a blank after its date: the blank moves
 * the text off the fixed-layout path (parse_fixed) to the general ISO
 * reader, which must give the same answer. */
static bool same_both_ways(const char *s) {
    char wide[80];
    size_t n = strlen(s);
    if (n < 11 || n + 2 > sizeof wide) return false;
    memcpy(wide, s, 11);
    wide[11] = ' ';
    memcpy(wide + 12, s + 11, n - 11 + 1);
    int64_t a = -1, b = -1;
    bool ra = dt_parse(pstr_c(s), &a), rb = dt_parse(pstr_c(wide), &b);
    if (ra != rb || a != b) fprintf(stderr, "  '%s': %d %" PRId64 ", the general reader %d %" PRId64 "\n", s, ra, a, rb, b);
    return ra == rb && a == b;
}

/* The fixed layout (YYYY-MM-DD HH:MM:SS, fraction, Z) read at fixed places
 * agrees with the general reader, valid or not. */
static void test_fixed(void) {
    static const char *const v[] = {
        "2024-03-05T10:15:01",     "2024-03-05 10:15:01",       "2024/03/05 10:15:01",     "2024-03-05t10:15:01z",
        "2024-03-05T10:15:01Z",    "2024-03-05T10:15:01.1",     "2024-03-05T10:15:01,123456Z",
        "2024/06/01 00:00:01.342389", "1969-12-31T23:59:59.999Z", "2024-02-29 23:59:60",   "2024-03-05T24:00:00",
        "2024-03-05T24:00:01",     "2023-02-29 00:00:00",       "2024-13-01 00:00:00",     "2024-00-10 00:00:00",
        "2024-03-00 00:00:00",     "2024-03-05 25:00:00",       "2024-03-05 10:60:00",     "2024-03-05 10:15:61",
        "2024-03-05T10:15:01.",    "2024-03-05T10:15:01.Z",     "2024-03-05T10:15:01ZZ",   "2024-03-05T10:15:01.5x",
        "2024-03/05T10:15:01",     "2024-03-05T1a:15:01",       "0000-01-01T00:00:00",     "9999-12-31T23:59:59.999",
    };
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) CHECK(same_both_ways(v[i]));
    CHECK(is("2024/06/01 00:00:01.342389", 1717200001342));
    CHECK(bad("2024-03-05T24:00:01"));
    CHECK(bad("2024-03-05T10:15:01.Z"));
}

int main(void) {
    test_civil();
    test_iso();
    test_epoch();
    test_sumo_display();
    test_wcf();
    test_bad();
    test_fixed();
    return CHECK_DONE("test_time");
}
