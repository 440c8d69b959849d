/* fuzz_ruletest.c — libFuzzer target for `postern test` (ruletest.c).
 *
 * Feeds arbitrary bytes to rule_parse as a rule file and, when it loads,
 * runs its tests as `postern test` does (ruletest_run): the rule's query
 * over each test's inline records, its findings decorated as detect
 * prints them and compared with the expected ones. The rule counts as
 * built in, so a test's `file:` is an error rather than a read of the
 * fuzzing machine's files. Each result must be consistent (a diff exactly
 * when a test did not pass). Everything is freed before returning.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "diag.h"
#include "rule.h"
#include "ruletest.h"

/* Longest rule tried, and most tests run: more only slows the fuzzer. */
#define FUZZ_MAX_RULE 32768
#define FUZZ_MAX_TESTS 8

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* libFuzzer entry point: one input, one rule, its tests run. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size > FUZZ_MAX_RULE) return 0;
    rule_t r;
    diag_t d;
    diag_init(&d, "fuzz.yml", NULL, 0);
    if (rule_parse("fuzz.yml", (const char *)data, size, &r, &d) == 0 && r.ntests && r.ntests <= FUZZ_MAX_TESTS) {
        ruletest_result_t *res = calloc(r.ntests, sizeof *res);
        if (!res) abort();
        unsigned errors = ruletest_run(&r, true, res), seen = 0;
        for (uint32_t i = 0; i < r.ntests; i++) {
            seen += res[i].status == RT_ERROR;
            if ((res[i].status == RT_PASS) != (res[i].diff == NULL)) abort();
            if (res[i].status == RT_PASS && (res[i].missing || res[i].unexpected)) abort();
        }
        if (seen != errors) abort();
        ruletest_results_free(res, r.ntests);
        free(res);
    }
    rule_free(&r);
    diag_free(&d);
    return 0;
}
