/* fuzz_read_jsonl.c — libFuzzer target for the JSON Lines reader (read_jsonl.c, the input layer).
 *
 * The bytes after the first are read as a jsonl input; the first byte picks
 * the read size and field selection (see fuzz_reader_common.h).
 */
#include "fuzz_reader_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* libFuzzer entry point: one input, read as jsonl. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    fuzz_run(data, size, "jsonl");
    return 0;
}
