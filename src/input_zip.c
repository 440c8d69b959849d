/* input_zip.c — zip archives: each member one input (see input_int.h).
 *
 * A zip archive is recognised by its magic bytes (in_src_start) wherever
 * it is met: named, in a directory, on stdin. libzip (Debian's libzip)
 * reads its central directory and inflates its members; nothing of the
 * format is parsed here. Each member that is a file (not a directory, not
 * a dotfile, as in a walk) is one input named `archive.zip:member` in
 * messages and _sourceName, its format voted on like a file found in a
 * directory's. A member that cannot be read (encrypted, an unknown
 * compression method, a bad CRC) is said and the others are read; an
 * archive libzip cannot open is said and the run goes on. An archive that
 * cannot be seeked (stdin, a FIFO) is read into memory first.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "input_int.h"
#include "lazylib.h"
#include "progress.h"

#define IN_ZIPMEM IN_DOCMAX  /* largest archive read into memory (from a pipe) */

/* See input_int.h. */
const rd_format_t in_zip_format = {
    .name = "zip",
    .desc = "a zip archive: each member is read as an input of its own (archive.zip:member)",
    .detect = "its magic bytes PK\\3\\4",
    .fills = "",
};

/* Fill *mem with the rest of s's raw bytes. False (said) on an error. */
static bool slurp(in_run_t *r, const char *name, in_src_t *s, buf_t *mem) {
    char tmp[65536];
    for (;;) {
        long k = in_src_raw(s, tmp, sizeof tmp);
        if (k < 0) {
            in_fail(r, name, in_src_error(s), 0);
            return false;
        }
        if (k == 0) return true;
        if (mem->n + (size_t)k > IN_ZIPMEM) {
            in_fail(r, name, "a zip archive read from a pipe larger than 1 GiB (name the file, or unzip it)", 0);
            return false;
        }
        buf_put(mem, tmp, (size_t)k);
    }
}

/* libzip's source for the archive s: its file when that can be seeked,
 * else its bytes (in memory already, or read into *mem). NULL (said) on
 * an error. */
static zip_source_t *archive_source(const lazy_zip_t *Z, in_run_t *r, const char *name, in_src_t *s, buf_t *mem) {
    zip_error_t ze;
    Z->zip_error_init(&ze);
    zip_source_t *zs = NULL;
    struct stat sb;
    if (s->from == IN_SRC_FD && fstat(s->fd, &sb) == 0 && S_ISREG(sb.st_mode)) {
        int fd = dup(s->fd);
        FILE *f = fd >= 0 ? fdopen(fd, "rb") : NULL;
        if (!f) {
            in_fail(r, name, strerror(errno), 0);
            if (fd >= 0) close(fd);
            return NULL;
        }
        zs = Z->zip_source_filep_create(f, 0, -1, &ze); /* closes f when freed */
        if (!zs) fclose(f); /* (it fails only on bad arguments or memory) */
    } else if (s->from == IN_SRC_MEM) {
        zs = Z->zip_source_buffer_create(s->mem, s->memn, 0, &ze);
    } else {
        if (!slurp(r, name, s, mem)) return NULL;
        zs = Z->zip_source_buffer_create(mem->p ? mem->p : "", mem->n, 0, &ze);
    }
    if (!zs) in_fail(r, name, Z->zip_error_strerror(&ze), 0);
    Z->zip_error_fini(&ze);
    return zs;
}

/* True when a member's name is a directory or lies under a dotfile (as a
 * walk leaves out: `__MACOSX/._x`, `.git/`). */
static bool member_hidden(const char *m) {
    size_t n = strlen(m);
    if (!n || m[n - 1] == '/') return true;
    for (const char *p = m; p; p = strchr(p, '/')) {
        if (*p == '/') p++;
        if (*p == '.') return true;
    }
    return false;
}

/* Why member i of z cannot be opened, in words. */
static const char *open_error(const lazy_zip_t *Z, zip_t *z) {
    zip_error_t *e = Z->zip_get_error(z);
    switch (Z->zip_error_code_zip(e)) {
    case ZIP_ER_NOPASSWD:
    case ZIP_ER_WRONGPASSWD: return "an encrypted zip member (postern reads no encrypted members)";
    case ZIP_ER_COMPNOTSUPP: return "a zip member compressed by a method libzip cannot undo";
    case ZIP_ER_ENCRNOTSUPP: return "a zip member encrypted by a method libzip does not know";
    default: return Z->zip_error_strerror(e);
    }
}

/* See input_int.h. */
void in_zip(in_run_t *r, const char *name, in_src_t *s) {
    const char *no;
    const lazy_zip_t *Z = lazy_zip(&no);
    if (!Z) {
        in_fail(r, name, no, 0);
        return;
    }
    buf_t mem = {0};
    zip_source_t *zs = archive_source(Z, r, name, s, &mem);
    if (!zs) {
        buf_free(&mem);
        return;
    }
    zip_error_t ze;
    Z->zip_error_init(&ze);
    zip_t *z = Z->zip_open_from_source(zs, ZIP_RDONLY, &ze);
    if (!z) {
        /* It starts as a zip archive does (that is how it got here): with
         * no directory at its end, it was cut short. */
        int code = Z->zip_error_code_zip(&ze);
        char why[300];
        snprintf(why, sizeof why, "%s",
                 code == ZIP_ER_NOZIP ? "a zip archive cut short or damaged: its central directory is missing"
                 : code == ZIP_ER_INCONS
                     ? "a damaged zip archive: its central directory does not match its members"
                     : Z->zip_error_strerror(&ze));
        in_fail(r, name, why, 0);
        Z->zip_source_free(zs);
    }
    Z->zip_error_fini(&ze);
    zip_int64_t n = z ? Z->zip_get_num_entries(z, 0) : 0;
    buf_t full = {0};
    for (zip_int64_t i = 0; i < n && !r->stop; i++) {
        zip_stat_t zst;
        Z->zip_stat_init(&zst);
        if (Z->zip_stat_index(z, (zip_uint64_t)i, 0, &zst) != 0 || !(zst.valid & ZIP_STAT_NAME)) {
            buf_clear(&full);
            buf_printf(&full, "%s:#%lld", name, (long long)i);
            in_fail(r, full.p, Z->zip_error_strerror(Z->zip_get_error(z)), 0);
            continue;
        }
        if (member_hidden(zst.name)) continue;
        buf_clear(&full);
        buf_printf(&full, "%s:%s", name, zst.name);
        zip_file_t *zf = Z->zip_fopen_index(z, (zip_uint64_t)i, 0);
        if (!zf) {
            in_fail(r, full.p, open_error(Z, z), 0);
            continue;
        }
        /* (the name outlives the input: records pinned from it copy it) */
        in_input(r, &(in_input_t){.name = full.p, .zf = zf, .walked = true});
        Z->zip_fclose(zf);
        if (zst.valid & ZIP_STAT_COMP_SIZE) progress_add(zst.comp_size);
    }
    buf_free(&full);
    if (z) Z->zip_discard(z);
    buf_free(&mem);
}
