/* fuzz_query.c — libFuzzer target for the query front end.
 *
 * Feeds arbitrary bytes through query_parse, lint_query, query_dump and
 * query_free, renders every diagnostic, and runs each compiled regex once
 * so regex.c's matching path is exercised too. Built with
 * `make build/fuzz/fuzz_query`; seeds are in tests/fuzz/corpus/query/.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "ast.h"
#include "buf.h"
#include "regex.h"

/* Longest input tried: longer ones only slow the fuzzer down. */
#define FUZZ_MAX_QUERY 16384

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* libFuzzer entry point: one input, no state kept between calls. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size > FUZZ_MAX_QUERY) return 0;
    const char *text = (const char *)data;
    diag_t d;
    diag_init(&d, "query", text, size);
    query_t *q = query_parse(text, size, &d);
    if (q) {
        lint_query(q, &d);
        buf_t b = {0};
        query_dump(q, &b);
        rx_scratch_t *s = rx_scratch_new();
        long ov[2 * 4];
        for (uint32_t i = 0; i < q->nrx; i++)
            (void)rx_search(q->rxs[i], s, pstr(text, size), 0, ov, 4);
        rx_scratch_free(s);
        buf_free(&b);
        query_free(q);
    }
    FILE *sink = fopen("/dev/null", "w");
    if (sink) {
        diag_print(&d, sink, D_NOTE);
        fclose(sink);
    }
    diag_free(&d);
    return 0;
}
