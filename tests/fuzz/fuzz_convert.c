/* fuzz_convert.c — libFuzzer target for `postern convert`.
 *
 * Parses arbitrary bytes as a query and, when it parses, converts it to
 * every target (the SQL ones of convert.c, convert_sql.c, KQL of
 * convert_kql.c, and Sigma of convert_sigma.c: its YAML quoting and regex
 * translation), and feeds the same bytes
 * to the regex translator (convert_regex.c) as a pattern for each regex
 * dialect. Built with `make build/fuzz/fuzz_convert`; seeds are in
 * tests/fuzz/corpus/convert/.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "convert.h"

/* Longest input tried: longer ones only slow the fuzzer down. */
#define FUZZ_MAX_QUERY 16384

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* libFuzzer entry point: one input, no state kept between calls. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size > FUZZ_MAX_QUERY) return 0;
    const char *text = (const char *)data;
    static const int dialects[] = {CV_RE_RE2, CV_RE_ARE, CV_RE_JAVA};
    for (size_t i = 0; i < sizeof dialects / sizeof dialects[0]; i++) {
        buf_t b = {0};
        cv_rxinfo_t info;
        (void)cv_regex(pstr(text, size), dialects[i], &b, &info);
        buf_free(&b);
    }
    diag_t d;
    diag_init(&d, "query", text, size);
    query_t *q = query_parse(text, size, &d);
    if (q) {
        static const char *const targets[] = {"duckdb", "postgres", "clickhouse", "spark", "kql", "sigma"};
        for (size_t i = 0; i < sizeof targets / sizeof targets[0]; i++) {
            buf_t b = {0};
            cv_opts_t o = {.to = cv_dialect(targets[i]), .table = "logs", .header = "rule x\nline\ttwo"};
            (void)cv_convert(q, &o, &b, &d);
            buf_free(&b);
        }
        query_free(q);
    }
    diag_free(&d);
    return 0;
}
