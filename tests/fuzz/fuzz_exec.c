/* fuzz_exec.c — libFuzzer target for running a query (exec.c, the stages).
 *
 * The bytes up to the first NUL are a query; the bytes after it are JSON
 * lines, read in memory as postern test reads a rule test's records, and
 * a few fixed records of every value type are read with them. A query
 * that parses runs over them as `postern query` runs it (one thread, a
 * fixed now(), a 64 MiB memory limit, lookups confined to a folder that
 * does not exist so no file of the machine is read). Every cell of the
 * result table is read; everything is freed before returning.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "ast.h"
#include "diag.h"
#include "exec.h"
#include "table.h"

/* Longest input tried: longer ones only slow the fuzzer down. */
#define FUZZ_MAX_INPUT 16384

/* Records every run sees: strings, numbers, booleans, null, nesting,
 * times, addresses, a repeated group. */
static const char fixed[] =
    "{\"_messageTime\":1717416000000,\"src_ip\":\"10.1.1.5\",\"dest_ip\":\"203.0.113.25\",\"dest_port\":\"25\","
    "\"process_name\":\"C:\\\\Users\\\\Public\\\\svchost32.exe\",\"bytes_out\":1200,\"ok\":true,\"n\":null}\n"
    "{\"_messageTime\":1717416060000,\"src_ip\":\"10.1.1.5\",\"dest_ip\":\"203.0.113.25\",\"dest_port\":25,"
    "\"process_name\":\"svchost32.exe\",\"bytes_out\":-3.5e2,\"msg\":\"a=1 b=\\\"x y\\\" c\",\"list\":[1,{\"x\":\"y\"}]}\n"
    "{\"_messageTime\":\"2024-06-03T12:05:00Z\",\"src_ip\":\"fe80::1\",\"dest_port\":\"110\",\"process_name\":\"\","
    "\"json\":\"{\\\"a\\\":{\\\"b\\\":[1,2]}}\",\"xml\":\"<a><b c=\\\"d\\\">e</b></a>\"}\n";

/* Where the cells' bytes are summed, so reading them is not optimised out. */
static volatile unsigned fuzz_sink;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* libFuzzer entry point: one query over the fixed and the given records. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size > FUZZ_MAX_INPUT) return 0;
    const char *text = (const char *)data;
    const char *nul = memchr(text, '\0', size);
    size_t qn = nul ? (size_t)(nul - text) : size;
    diag_t d;
    diag_init(&d, "query", text, qn);
    query_t *q = query_parse(text, qn, &d);
    if (q) {
        in_mem_t mem[2] = {{.name = "fixed", .p = fixed, .n = sizeof fixed - 1},
                           {.name = "fuzz", .p = nul ? nul + 1 : "", .n = nul ? size - qn - 1 : 0}};
        in_opts_t io = {.format = "jsonl", .category = "fuzz", .quiet = true, .mem = mem, .nmem = nul ? 2 : 1};
        exec_opts_t eo = {.lookup_dir = "/nonexistent/postern-fuzz",
                          .now_ms = 1717416300000,
                          .threads = 1,
                          .max_memory = 64u << 20};
        table_t t;
        table_init(&t);
        in_stats_t st = {0};
        (void)exec_run(q, NULL, 0, &io, &eo, &t, &st);
        /* Every cell of every row is readable (ASan checks each view). */
        unsigned sum = 0;
        for (size_t i = 0; i < t.n; i++)
            for (uint32_t c = 0; c < t.ncols; c++) {
                value_t v = rec_get(&t.rows[i], t.cols[c]);
                if (v.t == V_STR)
                    for (uint32_t k = 0; k < v.n; k++) sum += (unsigned char)v.s[k];
            }
        fuzz_sink = sum;
        table_free(&t);
        query_free(q);
    }
    diag_free(&d);
    return 0;
}
