/* faultshim.c — an LD_PRELOAD library that makes the N-th allocation or the
 * N-th I/O call of a process fail, for the fault-injection walk
 * (tests/faults.sh), in the style of SQLite's malloc and I/O error tests.
 *
 * Why a preloaded shim and not a build-time hook: the allocations and I/O
 * worth failing are not only postern's own (xmalloc, arenas, open/read of
 * inputs) but also those made for it by libc (stdio buffers, fopen, getpwuid,
 * dlopen), libyaml, PCRE2 and zlib, which a hook compiled into postern never
 * sees. Every one of them reaches malloc and the I/O calls through the
 * dynamic symbol table, where a preloaded definition comes first. The same
 * shim works under the ASan build (build/postern-san): its calls go on to
 * ASan's malloc and interceptors, found with dlsym(RTLD_NEXT) (run it with
 * ASAN_OPTIONS=verify_asan_link_order=0).
 *
 * Environment (read once, at load):
 *   FAULT_ALLOC=N   the N-th call (1-based) of malloc, calloc, realloc,
 *                   posix_memalign, aligned_alloc or memalign returns NULL
 *                   with errno ENOMEM (strdup and the like go through malloc)
 *   FAULT_IO=N      the N-th call of open, openat, fopen, opendir, read,
 *                   pread, write or fwrite fails: open-like calls with EMFILE,
 *                   reads with EIO, writes with ENOSPC (FAULT_ERRNO=NAME, one
 *                   of EIO ENOSPC EMFILE ENOMEM, overrides); writes to
 *                   standard error are never failed nor counted: the walk
 *                   needs the messages
 *   FAULT_PERSIST=1 every call from the N-th on fails, not only the N-th
 *   FAULT_COUNT=F   at exit, write "ALLOCS IOS" (the calls seen) to file F;
 *                   with a fault set, "hit" is appended once it fired
 *   FAULT_PROG=NAME only a program of that name counts and fails (others,
 *                   such as timeout(1) in front of it, pass every call on)
 * Counting starts when the shim is loaded, and is shared by all threads.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

/* ---- the next definitions, resolved once at load ---------------------------- */
static void *(*next_malloc)(size_t);
static void *(*next_calloc)(size_t, size_t);
static void *(*next_realloc)(void *, size_t);
static void (*next_free)(void *);
static int (*next_posix_memalign)(void **, size_t, size_t);
static void *(*next_aligned_alloc)(size_t, size_t);
static void *(*next_memalign)(size_t, size_t);
static int (*next_open)(const char *, int, ...);
static int (*next_open64)(const char *, int, ...);
static int (*next_openat)(int, const char *, int, ...);
static int (*next_openat64)(int, const char *, int, ...);
static FILE *(*next_fopen)(const char *, const char *);
static FILE *(*next_fopen64)(const char *, const char *);
static DIR *(*next_opendir)(const char *);
static ssize_t (*next_read)(int, void *, size_t);
static ssize_t (*next_pread)(int, void *, size_t, off_t);
static ssize_t (*next_pread64)(int, void *, size_t, off_t);
static ssize_t (*next_write)(int, const void *, size_t);
static size_t (*next_fwrite)(const void *, size_t, size_t, FILE *);

/* dlsym itself may allocate before next_malloc is known: such requests are
 * served from this buffer and never freed. */
static _Alignas(16) unsigned char boot[8192];
static size_t boot_used;

static int in_boot(const void *p) {
    return (const unsigned char *)p >= boot && (const unsigned char *)p < boot + sizeof boot;
}

static void *boot_alloc(size_t n) {
    n = (n + 15) & ~(size_t)15;
    if (boot_used + n > sizeof boot) return NULL;
    void *p = boot + boot_used;
    boot_used += n;
    return p;
}

/* ---- the counters ---------------------------------------------------------- */
static long fail_alloc, fail_io; /* the call to fail (1-based), 0 = none */
static int persist;              /* fail every call from that one on */
static int io_errno;             /* the errno of every I/O fault, 0 = by call */
static _Atomic long n_alloc, n_io;
static atomic_int hit;
static int ready;                /* set once every next_ pointer is known */

/* Whether call number k of a kind whose fault is at `at` fails. */
static int fails(long k, long at) {
    if (!at || k < at || (!persist && k != at)) return 0;
    atomic_store(&hit, 1);
    return 1;
}

static int alloc_fails(void) { return ready && fails(atomic_fetch_add(&n_alloc, 1) + 1, fail_alloc); }

/* Whether this I/O call fails; if so errno is set to e (or FAULT_ERRNO). */
static int io_fails(int e) {
    if (!ready || !fails(atomic_fetch_add(&n_io, 1) + 1, fail_io)) return 0;
    errno = io_errno ? io_errno : e;
    return 1;
}

static long env_long(const char *name) {
    const char *v = getenv(name);
    return v ? atol(v) : 0;
}

static void report(void) {
    const char *path = getenv("FAULT_COUNT");
    if (!path) return;
    char line[96];
    int n = snprintf(line, sizeof line, "%ld %ld%s\n", atomic_load(&n_alloc), atomic_load(&n_io),
                     atomic_load(&hit) ? " hit" : "");
    int fd = next_open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return;
    if (next_write(fd, line, (size_t)n) != n) n = 0;
    close(fd);
}

#define NEXT(name) next_##name = (__typeof__(next_##name))dlsym(RTLD_NEXT, #name)

__attribute__((constructor)) static void shim_init(void) {
    NEXT(malloc); NEXT(calloc); NEXT(realloc); NEXT(free);
    NEXT(posix_memalign); NEXT(aligned_alloc); NEXT(memalign);
    NEXT(open); NEXT(open64); NEXT(openat); NEXT(openat64);
    NEXT(fopen); NEXT(fopen64); NEXT(opendir);
    NEXT(read); NEXT(pread); NEXT(pread64); NEXT(write); NEXT(fwrite);
    fail_alloc = env_long("FAULT_ALLOC");
    fail_io = env_long("FAULT_IO");
    persist = env_long("FAULT_PERSIST") != 0;
    const char *e = getenv("FAULT_ERRNO");
    if (e) {
        static const struct { const char *name; int v; } names[] = {
            {"EIO", EIO}, {"ENOSPC", ENOSPC}, {"EMFILE", EMFILE}, {"ENOMEM", ENOMEM}};
        for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
            if (strcmp(e, names[i].name) == 0) io_errno = names[i].v;
    }
    const char *prog = getenv("FAULT_PROG");
    if (prog && strcmp(prog, program_invocation_short_name) != 0) return;
    atexit(report);
    ready = 1;
}

/* ---- allocation ------------------------------------------------------------ */
void *malloc(size_t n) {
    if (!next_malloc) return boot_alloc(n);
    if (alloc_fails()) { errno = ENOMEM; return NULL; }
    return next_malloc(n);
}

void *calloc(size_t n, size_t m) {
    if (!next_calloc) return boot_alloc(n * m); /* the buffer is zeroed */
    if (alloc_fails()) { errno = ENOMEM; return NULL; }
    return next_calloc(n, m);
}

void *realloc(void *p, size_t n) {
    if (in_boot(p)) {
        void *q = malloc(n);
        if (q) memcpy(q, p, n < (size_t)(boot + sizeof boot - (unsigned char *)p) ? n : (size_t)(boot + sizeof boot - (unsigned char *)p));
        return q;
    }
    if (!next_realloc) return boot_alloc(n);
    if (alloc_fails()) { errno = ENOMEM; return NULL; }
    return next_realloc(p, n);
}

void free(void *p) {
    if (p && !in_boot(p) && next_free) next_free(p);
}

int posix_memalign(void **p, size_t align, size_t n) {
    if (alloc_fails()) return ENOMEM;
    return next_posix_memalign(p, align, n);
}

void *aligned_alloc(size_t align, size_t n) {
    if (alloc_fails()) { errno = ENOMEM; return NULL; }
    return next_aligned_alloc(align, n);
}

void *memalign(size_t align, size_t n) {
    if (alloc_fails()) { errno = ENOMEM; return NULL; }
    return next_memalign(align, n);
}

/* ---- I/O ------------------------------------------------------------------- */
/* The mode argument of an open-like call, present only with O_CREAT or O_TMPFILE. */
#define OPEN_MODE(flags, last)                                                     \
    mode_t mode = 0;                                                               \
    if ((flags) & (O_CREAT | O_TMPFILE)) {                                         \
        va_list ap;                                                                \
        va_start(ap, last);                                                        \
        mode = (mode_t)va_arg(ap, int);                                            \
        va_end(ap);                                                                \
    }

int open(const char *path, int flags, ...) {
    OPEN_MODE(flags, flags);
    if (io_fails(EMFILE)) return -1;
    return next_open(path, flags, mode);
}

int open64(const char *path, int flags, ...) {
    OPEN_MODE(flags, flags);
    if (io_fails(EMFILE)) return -1;
    return next_open64(path, flags, mode);
}

int openat(int dir, const char *path, int flags, ...) {
    OPEN_MODE(flags, flags);
    if (io_fails(EMFILE)) return -1;
    return next_openat(dir, path, flags, mode);
}

int openat64(int dir, const char *path, int flags, ...) {
    OPEN_MODE(flags, flags);
    if (io_fails(EMFILE)) return -1;
    return next_openat64(dir, path, flags, mode);
}

FILE *fopen(const char *path, const char *mode) {
    if (io_fails(EMFILE)) return NULL;
    return next_fopen(path, mode);
}

FILE *fopen64(const char *path, const char *mode) {
    if (io_fails(EMFILE)) return NULL;
    return next_fopen64(path, mode);
}

DIR *opendir(const char *path) {
    if (io_fails(EMFILE)) return NULL;
    return next_opendir(path);
}

ssize_t read(int fd, void *buf, size_t n) {
    if (io_fails(EIO)) return -1;
    return next_read(fd, buf, n);
}

ssize_t pread(int fd, void *buf, size_t n, off_t off) {
    if (io_fails(EIO)) return -1;
    return next_pread(fd, buf, n, off);
}

ssize_t pread64(int fd, void *buf, size_t n, off_t off) {
    if (io_fails(EIO)) return -1;
    return next_pread64(fd, buf, n, off);
}

ssize_t write(int fd, const void *buf, size_t n) {
    if (fd != STDERR_FILENO && io_fails(ENOSPC)) return -1;
    return next_write(fd, buf, n);
}

/* A failed fwrite writes nothing and sets the stream's error flag, as a
 * failed write(2) under it would. */
size_t fwrite(const void *p, size_t size, size_t n, FILE *f) {
    if (size && n && f != stderr && io_fails(ENOSPC)) {
        f->_flags |= _IO_ERR_SEEN; /* glibc's ferror flag (bits/types/struct_FILE.h) */
        return 0;
    }
    return next_fwrite(p, size, n, f);
}
