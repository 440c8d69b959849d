/* fuzz_regex.c — libFuzzer target for the regex layer (regex_java.c,
 * regex.c): the input is a Java pattern. It is translated and compiled,
 * its group table read, and it is searched in a few fixed subjects and in
 * itself. One soundness check: the input quoted as \Q...\E (when it holds
 * no \E) must compile and then match itself whole, from offset 0; a miss
 * aborts. rx_compile itself aborts when PCRE2 counts other groups than the
 * translation. Seeds are in tests/fuzz/corpus/regex/.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "regex.h"

/* Longest pattern tried: longer ones only slow the fuzzer down. */
#define FUZZ_MAX_PATTERN 4096

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const subjects[] = {
    "", "a", "user=bob host=a.example", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaab", "l\xc3\xa9on \xe4\xb8\xad\r\nx\n",
    "\xff\xfe invalid utf-8 \xc3", "(?R)[]\\Q\\E{2}",
};

/* libFuzzer entry point: one input, no state kept between calls. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size > FUZZ_MAX_PATTERN) return 0;
    pstr_t pat = pstr((const char *)data, size);
    char err[256];
    size_t eo = 0;
    rx_scratch_t *s = rx_scratch_new();
    long ov[2 * 8];
    rx_t *r = rx_compile(pat, err, sizeof err, &eo);
    if (r) {
        for (uint32_t g = 0; g <= rx_ngroups(r) + 1; g++) {
            (void)rx_group_name(r, g);
            (void)rx_group_off(r, g);
            (void)rx_group_parent(r, g);
        }
        for (uint32_t i = 0; i <= rx_nnames(r); i++) (void)rx_name(r, i, NULL);
        (void)rx_nonre2(r, &eo);
        for (size_t i = 0; i < sizeof subjects / sizeof *subjects; i++)
            (void)rx_search(r, s, pstr_c(subjects[i]), 0, ov, 8);
        (void)rx_search(r, s, pat, 0, ov, 8);
        rx_free(r);
    } else if (eo > size) {
        fprintf(stderr, "error offset %zu past the pattern (%zu bytes)\n", eo, size);
        abort();
    }
    /* \Q<input> matches the input, whole, at 0 (unless it is no UTF-8, or holds \E). */
    bool has_end = false;
    for (size_t i = 0; i + 1 < size && !has_end; i++) has_end = data[i] == '\\' && data[i + 1] == 'E';
    char *q = malloc(size + 3);
    if (q && !has_end) {
        memcpy(q, "\\Q", 2);
        memcpy(q + 2, data, size);
        r = rx_compile(pstr(q, size + 2), err, sizeof err, &eo);
        if (r) {
            int m = rx_search(r, s, pat, 0, ov, 1);
            if (m == 0 || (m > 0 && (ov[0] != 0 || (size_t)ov[1] != size))) {
                fprintf(stderr, "\\Q<input>\\E does not match the input: %d %ld-%ld\n", m, ov[0], ov[1]);
                abort();
            }
            rx_free(r);
        }
    }
    free(q);
    rx_scratch_free(s);
    return 0;
}
