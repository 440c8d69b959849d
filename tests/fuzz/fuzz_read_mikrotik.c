/* fuzz_read_mikrotik.c — libFuzzer target for the mikrotik reader (read_mikrotik.c, reader_text.c, syslog.c, the input layer).
 *
 * The bytes after the first are read in the mikrotik format, or auto-detected
 * when bit 0x40 of the first byte is set (the format vote runs too); the
 * first byte also picks the read size and field selection (see
 * fuzz_reader_common.h).
 */
#include "fuzz_reader_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* libFuzzer entry point: one input, read as mikrotik (or probed). */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    fuzz_run(data, size, size && (data[0] & 0x40) ? NULL : "mikrotik");
    return 0;
}
