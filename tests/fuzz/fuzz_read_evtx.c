/* fuzz_read_evtx.c — libFuzzer target for the .evtx reader (read_evtx.c, evtx.c, winevt.c, the input layer).
 *
 * Input: a control byte (see fuzz_reader_common.h; bit 0x40: auto-detect
 * instead of forcing evtx), the file header's first 128 bytes, then chunk
 * bytes. The header is zero-padded to its 4 KiB block here so that small
 * inputs reach the chunk and binary-XML decoders; a chunk cut short is
 * read as a file cut short is. Seeds: tests/tools/evtx_make.py --seeds.
 */
#include "fuzz_reader_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* libFuzzer entry point: one input, laid out as a file and read as evtx (or probed). */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1) return 0;
    size_t hdr = size - 1 < 128 ? size - 1 : 128, rest = size - 1 - hdr;
    size_t n = 1 + 4096 + rest;
    uint8_t *buf = calloc(1, n);
    if (!buf) return 0;
    buf[0] = data[0];
    memcpy(buf + 1, data + 1, hdr);
    memcpy(buf + 1 + 4096, data + 1 + hdr, rest);
    fuzz_run(buf, n, data[0] & 0x40 ? NULL : "evtx");
    free(buf);
    return 0;
}
