/* fuzz_read_csv.c — libFuzzer target for the CSV reader (read_csv.c, the input layer).
 *
 * The bytes after the first are read as a csv input; the first byte picks
 * the read size and field selection (see fuzz_reader_common.h).
 */
#include "fuzz_reader_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* libFuzzer entry point: one input, read as csv. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    fuzz_run(data, size, "csv");
    return 0;
}
