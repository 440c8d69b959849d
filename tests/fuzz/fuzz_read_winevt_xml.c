/* fuzz_read_winevt_xml.c — libFuzzer target for the Windows Event XML (and Sysmon for Linux syslog) reader (read_winxml.c, winevt.c, syslog.c, the input layer).
 *
 * The bytes after the first are read in the winevt-xml format, or auto-detected
 * when bit 0x40 of the first byte is set (the format vote runs too); the
 * first byte also picks the read size and field selection (see
 * fuzz_reader_common.h).
 */
#include "fuzz_reader_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* libFuzzer entry point: one input, read as winevt-xml (or probed). */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    fuzz_run(data, size, size && (data[0] & 0x40) ? NULL : "winevt-xml");
    return 0;
}
