/* test_syslog.c — unit tests for syslog.c.
 *
 * RFC 3164 with and without <PRI>, host or tag, Cisco's "HOST :" and the
 * year variant; RFC 5424 with nil values, structured data and a BOM;
 * rsyslog's high-precision timestamps with offsets; lines that are no
 * syslog; and the clock that gives BSD dates their year.
 */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "datetime.h"
#include "syslog.h"

static int64_t ms_of(int y, unsigned mo, unsigned d, unsigned h, unsigned mi, unsigned sec, unsigned ms) {
    return ((dt_days_from_civil(y, mo, d) * 86400) + h * 3600 + mi * 60 + sec) * 1000 + ms;
}

static void test_3164(void) {
    sl_hdr_t h;
    sl_clock_t k;
    sl_clock_init(&k, ms_of(2024, 3, 20, 0, 0, 0, 0));
    CHECK(sl_parse(pstr_c("Mar  5 10:15:01 web02 sysmon: <Event>x</Event>"), &k, &h));
    CHECK(h.kind == SL_3164 && h.pri == -1 && h.has_time && !h.zoned);
    CHECK_STR(check_cstr(h.host), "web02");
    CHECK_STR(check_cstr(h.tag), "sysmon");
    CHECK_STR(check_cstr(h.pid), "");
    CHECK_STR(check_cstr(h.body), "<Event>x</Event>");
    CHECK_STR(check_cstr(h.ts), "Mar  5 10:15:01");
    CHECK(h.ms == ms_of(2024, 3, 5, 10, 15, 1, 0));

    CHECK(sl_parse(pstr_c("<13>Mar 15 23:59:59.250 fw1 filterlog[4321]: 77,,,1000000103"), &k, &h));
    CHECK(h.pri == 13 && h.kind == SL_3164);
    CHECK_STR(check_cstr(h.tag), "filterlog");
    CHECK_STR(check_cstr(h.pid), "4321");
    CHECK_STR(check_cstr(h.body), "77,,,1000000103");
    CHECK(h.ms == ms_of(2024, 3, 15, 23, 59, 59, 250));

    /* no host: the first word ends with ':' */
    CHECK(sl_parse(pstr_c("Mar  5 10:15:01 kernel: [812345.120001] EGRESS"), &k, &h));
    CHECK_STR(check_cstr(h.host), "");
    CHECK_STR(check_cstr(h.tag), "kernel");
    CHECK_STR(check_cstr(h.body), "[812345.120001] EGRESS");

    /* Cisco: a year, "HOST : MSG" */
    CHECK(sl_parse(pstr_c("Mar 05 2023 10:15:01 asa-edge : %ASA-6-302013: Built outbound"), &k, &h));
    CHECK(h.zoned && h.ms == ms_of(2023, 3, 5, 10, 15, 1, 0));
    CHECK_STR(check_cstr(h.host), "asa-edge");
    CHECK_STR(check_cstr(h.tag), "");
    CHECK_STR(check_cstr(h.body), "%ASA-6-302013: Built outbound");

    /* Cisco without a device id: the time ends with ':' */
    CHECK(sl_parse(pstr_c("Mar 05 2023 10:15:22: %ASA-6-302013: Built inbound"), &k, &h));
    CHECK(h.zoned && h.ms == ms_of(2023, 3, 5, 10, 15, 22, 0));
    CHECK_STR(check_cstr(h.host), "");
    CHECK(pstr_contains(h.body, pstr_c("Built inbound")));

    /* no tag: the message starts after the host */
    CHECK(sl_parse(pstr_c("Mar  5 10:15:01 web02 something happened here"), &k, &h));
    CHECK_STR(check_cstr(h.host), "web02");
    CHECK_STR(check_cstr(h.tag), "");
    CHECK_STR(check_cstr(h.body), "something happened here");

    /* without a clock there is no time for a yearless date */
    CHECK(sl_parse(pstr_c("Mar  5 10:15:01 h t: m"), NULL, &h));
    CHECK(!h.has_time && h.kind == SL_3164);
}

static void test_5424(void) {
    sl_hdr_t h;
    sl_clock_t k;
    sl_clock_init(&k, 0);
    CHECK(sl_parse(pstr_c("<14>1 2024-03-05T10:15:01.123Z lx01 sysmon 1234 - - <Event/>"), &k, &h));
    CHECK(h.kind == SL_5424 && h.pri == 14 && h.zoned);
    CHECK(h.ms == ms_of(2024, 3, 5, 10, 15, 1, 123));
    CHECK(k.ref_ms == h.ms); /* the clock follows year-bearing times */
    CHECK_STR(check_cstr(h.host), "lx01");
    CHECK_STR(check_cstr(h.tag), "sysmon");
    CHECK_STR(check_cstr(h.pid), "1234");
    CHECK_STR(check_cstr(h.msgid), "");
    CHECK_STR(check_cstr(h.sd), "");
    CHECK_STR(check_cstr(h.body), "<Event/>");

    CHECK(sl_parse(pstr_c("<165>1 2024-03-05T11:15:01.5+01:00 host app - ID47 [ex@32473 a=\"x \\\"]\" b=\"2\"][z@1 c=\"3\"] \xEF\xBB\xBFhello"), &k,
                   &h));
    CHECK(h.ms == ms_of(2024, 3, 5, 10, 15, 1, 500));
    CHECK_STR(check_cstr(h.pid), "");
    CHECK_STR(check_cstr(h.msgid), "ID47");
    CHECK_STR(check_cstr(h.sd), "[ex@32473 a=\"x \\\"]\" b=\"2\"][z@1 c=\"3\"]");
    CHECK_STR(check_cstr(h.body), "hello");

    /* nil timestamp, no message */
    CHECK(sl_parse(pstr_c("<0>1 - - - - - -"), &k, &h));
    CHECK(!h.has_time && h.body.n == 0);

    /* rsyslog high precision in the BSD layout */
    CHECK(sl_parse(pstr_c("2024-03-05T10:15:01.123456+02:00 mx02 sysmon[812]: <Event>"), &k, &h));
    CHECK(h.kind == SL_3164 && h.zoned && h.ms == ms_of(2024, 3, 5, 8, 15, 1, 123));
    CHECK_STR(check_cstr(h.host), "mx02");
    CHECK_STR(check_cstr(h.pid), "812");
    CHECK_STR(check_cstr(h.body), "<Event>");
}

static void test_not_syslog(void) {
    sl_hdr_t h;
    sl_clock_t k;
    sl_clock_init(&k, 77);
    const char *lines[] = {
        "{\"ts\":1}",
        "2024-06-04T10:01:03.469Z,corp/firewall,10.0.0.1",
        "<Event><System>",
        "<999>1 2024-03-05T10:15:01Z h a p m - x",  /* PRI out of range */
        "<14>1 2024-03-05T10:15:01Z h a p m [unclosed",
        "Foo  5 10:15:01 h t: m",
        "Mar 32 10:15:01 h t: m",
        "Mar  5 10:15 h t: m",
        "#separator \\x09",
        "",
    };
    for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++) {
        pstr_t l = pstr_c(lines[i]);
        CHECK(!sl_parse(l, &k, &h));
        CHECK(h.kind == SL_NONE && h.body.p == l.p && h.body.n == l.n && h.pri == -1);
    }
    CHECK(k.ref_ms == 77); /* a failed parse leaves the clock alone */
}

/* The year of a BSD date: near the reference, rolling over at New Year. */
static void test_clock(void) {
    sl_hdr_t h;
    sl_clock_t k;
    sl_clock_init(&k, ms_of(2025, 1, 10, 0, 0, 0, 0)); /* e.g. the file's mtime */
    CHECK(sl_parse(pstr_c("Dec 30 23:00:00 h t: m"), &k, &h));
    CHECK(h.ms == ms_of(2024, 12, 30, 23, 0, 0, 0)); /* not 11 months ahead */
    CHECK(sl_parse(pstr_c("Dec 31 23:59:59 h t: m"), &k, &h));
    CHECK(h.ms == ms_of(2024, 12, 31, 23, 59, 59, 0));
    CHECK(sl_parse(pstr_c("Jan  1 00:00:01 h t: m"), &k, &h));
    CHECK(h.ms == ms_of(2025, 1, 1, 0, 0, 1, 0)); /* rolled over */
    /* an anchor from an event's own time moves the clock */
    sl_clock_anchor(&k, ms_of(2019, 6, 1, 0, 0, 0, 0));
    CHECK(sl_parse(pstr_c("Jun  2 08:00:00 h t: m"), &k, &h));
    CHECK(h.ms == ms_of(2019, 6, 2, 8, 0, 0, 0));
    /* Feb 29 only lands in a leap year */
    sl_clock_init(&k, ms_of(2025, 3, 1, 0, 0, 0, 0));
    CHECK(sl_parse(pstr_c("Feb 29 12:00:00 h t: m"), &k, &h));
    CHECK(!h.has_time);
    sl_clock_init(&k, ms_of(2024, 3, 1, 0, 0, 0, 0));
    CHECK(sl_parse(pstr_c("Feb 29 12:00:00 h t: m"), &k, &h));
    CHECK(h.has_time && h.ms == ms_of(2024, 2, 29, 12, 0, 0, 0));
}

int main(void) {
    test_3164();
    test_5424();
    test_not_syslog();
    test_clock();
    return CHECK_DONE("test_syslog");
}
