/* fuzz_rule.c — libFuzzer target for the rule loader (rule.c).
 *
 * Feeds arbitrary bytes to rule_parse as a rule file. When a rule loads,
 * every tuning is switched on and the tuned query built, and severity
 * names are looked up, so the whole public surface of rule.c runs; the
 * inline records of its tests must be one JSON object a line, as many as
 * it says. Every allocation is released before returning, so leaks show
 * up under ASan.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "json.h"
#include "rule.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* libFuzzer entry point: one input, one rule. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    rule_t r;
    diag_t d;
    diag_init(&d, "fuzz.yml", NULL, 0);
    if (rule_parse("fuzz.yml", (const char *)data, size, &r, &d) == 0) {
        for (uint32_t i = 0; i < r.ntunings; i++) r.tunings[i].enabled = true;
        char *q = rule_tuned_query(&r);
        free(q);
        for (uint32_t i = 0; i < r.nsevs; i++)
            if (rule_sev_score(&r, r.sevs[i].name, strlen(r.sevs[i].name)) < 0) abort();
        if (r.default_severity) (void)rule_sev_score(&r, r.default_severity, strlen(r.default_severity));
        for (uint32_t i = 0; i < r.ntests; i++) {
            const char *t = r.tests[i].records;
            if (!t) continue;
            uint32_t lines = 0;
            for (const char *nl; (nl = strchr(t, '\n')); t = nl + 1, lines++) {
                size_t n = (size_t)(nl - t), j = json_ws(t, n, 0);
                if (j >= n || t[j] != '{' || json_skip(t, n, j) == (size_t)-1) abort();
            }
            if (*t || lines != r.tests[i].nrecords) abort();
        }
    }
    /* Positions must stay inside the text. */
    for (uint32_t i = 0; i < d.n; i++)
        if (d.m[i].sp.off > size) abort();
    rule_free(&r);
    diag_free(&d);
    return 0;
}
