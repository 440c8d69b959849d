/* fuzz_reader_common.h — what the reader fuzz targets share.
 *
 * fuzz_run feeds one input through input_run_mem with a forced format:
 * the first byte picks the read size (so record boundaries fall anywhere)
 * and whether every field is extracted or only a few wanted ones. The
 * callback reads every value so ASan sees any bad view, and checks the
 * invariants the engine relies on. A zip archive (its magic bytes after
 * the first) is read member by member through libzip, whatever the
 * format. Everything is freed before returning.
 */
#ifndef POSTERN_FUZZ_READER_COMMON_H
#define POSTERN_FUZZ_READER_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "input.h"

/* Touch every byte a record hands out; abort on a broken invariant. */
static int fuzz_cb(record_t *rec, void *ud) {
    unsigned *sum = ud;
    if (rec->line < 1 || !rec->file) abort();
    for (size_t i = 0; i < rec->raw.n; i++) *sum += (unsigned char)rec->raw.p[i];
    for (uint32_t k = 0; k < rec->norder; k++) {
        value_t v = rec->v[rec->order[k]];
        if (v.t == V_STR)
            for (uint32_t i = 0; i < v.n; i++) *sum += (unsigned char)v.s[i];
    }
    value_t t = rec_get(rec, F_MESSAGETIME);
    if (t.t != V_NULL && t.t != V_NUM) abort();
    return 0;
}

/* One fuzz input through format fmt (NULL: probe). */
static void fuzz_run(const uint8_t *data, size_t size, const char *fmt) {
    if (size < 1) return;
    unsigned ctl = data[0];
    ftab_t ft;
    ftab_init(&ft);
    if (ctl & 0x80) {
        static const char *const wanted[] = {"a", "_raw", "time", "name", "_sourceCategory"};
        for (size_t i = 0; i < sizeof wanted / sizeof wanted[0]; i++)
            ft.e[ftab_intern(&ft, pstr_c(wanted[i]))].wanted = 1;
    } else {
        ft.want_all = true;
    }
    in_opts_t o = {.format = fmt, .category = "fuzz", .quiet = true};
    in_stats_t st = {0};
    unsigned sum = 0;
    size_t chunk = ctl & 0x0f; /* 0: all at once */
    input_run_mem("fuzz", (const char *)data + 1, size - 1, chunk, &o, &ft, fuzz_cb, &sum, &st);
    /* (a zip archive is as many inputs as it has members read) */
    bool zip = size >= 3 && data[1] == 'P' && data[2] == 'K';
    if (st.rejected > st.records + st.rejected || (st.files != 1 && !zip)) abort();
    ftab_free(&ft);
}

#endif
