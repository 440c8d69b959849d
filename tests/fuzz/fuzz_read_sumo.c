/* fuzz_read_sumo.c — libFuzzer target for the Sumo export readers
 * (read_sumo.c) and format probing (input.c).
 *
 * Bits 4-5 of the first byte choose sumo-json, sumo-csv or probing; the
 * rest as in fuzz_reader_common.h.
 */
#include "fuzz_reader_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* libFuzzer entry point: one input, read as a Sumo export. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static const char *const fmts[] = {"sumo-json", "sumo-json", "sumo-csv", "auto"};
    if (size < 1) return 0;
    fuzz_run(data, size, fmts[(data[0] >> 4) & 3]);
    return 0;
}
