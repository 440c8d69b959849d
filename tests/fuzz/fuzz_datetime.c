/* fuzz_datetime.c — libFuzzer target for datetime.c's readers of
 * untrusted text: TZif data and Java date patterns.
 *
 * Input starting with "TZif" is read as a zone file; the zone is then
 * asked for offsets and wall times across the years. Any other input is
 * "pattern\nvalue": the value is read by the pattern (whole, as a prefix,
 * in a zone) and instants are written by it, whole and into a short
 * buffer, which must agree. The value is also read by dt_parse twice:
 * as it is and, when it may have the fixed layout (YYYY-MM-DD HH:MM:SS),
 * with a blank after the date, which takes it off that fast path to the
 * general ISO reader: both must give the same answer.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "datetime.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Read the TZif data and use the zone. */
static void tzif(const uint8_t *data, size_t size) {
    const char *why;
    dt_zone_t *z = dt_zone_from_tzif(data, size, PSTR_LIT("fuzz"), &why);
    if (!z) return;
    for (int64_t t = -4000000000; t < 8000000000; t += 86400 * 97 + 3601) {
        pstr_t ab;
        int32_t off = dt_zone_offset(z, t, &ab, NULL);
        if (off <= -93600 || off >= 93600) abort();
        (void)dt_zone_to_utc(z, t);
        char b[64];
        dt_format(b, sizeof b, t * 1000, PSTR_LIT("yyyy-MM-dd HH:mm:ss z zzzz Z XXX"), z);
    }
    dt_zone_free(z);
}

/* dt_parse's fixed-layout path and its general reader agree on v. */
static void fixed_vs_general(pstr_t v) {
    pstr_t t = pstr_trim(v);
    if (t.n < 19 || t.n >= 64 || (t.p[10] != 'T' && t.p[10] != 't' && t.p[10] != ' ')) return;
    char wide[66];
    memcpy(wide, t.p, 11);
    wide[11] = ' ';
    memcpy(wide + 12, t.p + 11, t.n - 11);
    int64_t a = 0, b = 0;
    bool ra = dt_parse(v, &a), rb = dt_parse(pstr(wide, t.n + 1), &b);
    if (ra != rb || (ra && a != b)) abort();
}

/* libFuzzer entry point. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size >= 4 && memcmp(data, "TZif", 4) == 0) {
        tzif(data, size);
        return 0;
    }
    const char *s = (const char *)data;
    const char *nl = memchr(s, '\n', size);
    size_t pn = nl ? (size_t)(nl - s) : size;
    pstr_t pat = pstr(s, pn), val = nl ? pstr(nl + 1, size - pn - 1) : PSTR_NULL;
    dt_zerr_t err;
    const dt_zone_t *fixed = dt_zone_get(PSTR_LIT("+05:30"), &err);
    dt_java_t plain = {0}, pre = {.prefix = true, .epoch_defaults = true, .zone = fixed};
    int64_t ms;
    (void)dt_parse_java(val, pat, &plain, &ms);
    (void)dt_parse_java(val, pat, &pre, &ms);
    (void)dt_parse(val, &ms);
    if (val.p) fixed_vs_general(val);
    char bad;
    (void)dt_pattern_ok(pat, &bad);
    static const int64_t when[] = {0, -1, 1717488136244, -62135596800001, 253402300799999, DT_MAX_MS, -DT_MAX_MS};
    for (size_t i = 0; i < sizeof when / sizeof when[0]; i++) {
        char small[7];
        size_t n = dt_format(small, sizeof small, when[i], pat, fixed), k = n < sizeof small ? n : sizeof small - 1;
        char *big = malloc(n + 1); /* the text may hold NUL bytes copied from the pattern */
        if (dt_format(big, n + 1, when[i], pat, fixed) != n || big[n] || small[k] || memcmp(small, big, k)) abort();
        free(big);
    }
    return 0;
}
