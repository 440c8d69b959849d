/* input_map.c — plain regular files read through mmap rather than read(2)
 * (see input_int.h): the lanes' readers look at the file's pages in place,
 * with no copy from the page cache into a buffer.
 *
 * A source maps the file (lane 0: from the start to its size; the lanes
 * of -jN share one map of the whole file) and hands it out in windows of
 * IN_MAPWIN bytes: each window's page tables are filled in one call
 * (MADV_POPULATE_READ) before the reader sees it, and the pages behind the
 * reader's unfinished record are given back (MADV_DONTNEED) IN_MAPDROP
 * bytes at a time, so that the resident size stays a few windows whatever
 * the file's size. Each give-back makes the kernel flush the other lanes'
 * TLBs (an interrupt to each of their CPUs, costly in a VM): given back 1
 * MiB at a time, those were 3% of top-k's CPU time over 10M JSON lines at
 * -j2; 8 MiB at a time costs 1.8% less CPU time there, 3.4% less on the
 * seed query and 5.4% less on a 1% search (9-11 pairs), and 4 MB more
 * resident with -j2 (`*` over 1M lines: 18 to 22 MB).
 *
 * What that costs is the kernel's, page by page: filling a page-table entry
 * and giving it back, about 0.2 µs for each 4 KiB page of a file whose page
 * cache holds 4 KiB folios (one written by small appends, as a log is):
 * 15-20% of the CPU time of a 1% search over 10M JSON lines. Each of these
 * was measured against this scheme (paired alternating whole-process runs,
 * bench/RESULTS.md, 2026-12-07) and was no cheaper: read(2) or pread into a
 * reused buffer (30% more CPU time: the copy pays for the memory reads that
 * the mapped scan hides behind its prefetch), page tables filled 4 MiB
 * ahead together with pages given back 8 MiB at a time (3% more), no filling, the
 * reader's accesses faulting the pages in (4% more), filling 256 KiB at a
 * time just ahead of the reader (the same), MADV_HUGEPAGE (no change: the
 * page cache keeps the folios it has, and readahead already reads a file
 * not cached in large ones). What does make it cheaper is the page cache's:
 * with large folios (a file read in by readahead) the same search costs
 * 14% (1M lines) to 21% (10M) less CPU time: one entry maps many pages.
 *
 * A file truncated while mapped raises SIGBUS when a page past its new end
 * is touched. Every live map is in a registry of address ranges; the SIGBUS
 * handler looks the faulting address up there, maps zero pages over the
 * rest of that map (MAP_FIXED) so that the access completes, and marks the
 * map cut. The lane looks at the mark before each record it hands on and
 * each window it takes, and at the end of the map compares the file's size
 * with the map's (a truncation within the last page reads zeros without a
 * fault): a cut file is an input error ("truncated while being read"),
 * never a crash and never records made of zeros. A SIGBUS at an address no
 * map owns goes to the handler there was before (by default, the process
 * dies as it would have).
 *
 * A file that grew is mapped again from the reader's position to its new
 * size when the map's end is reached, so a file appended to while it is
 * read gives what read(2) gives. --follow keeps read(2).
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "input_int.h"
#include "progress.h"

#define MAP_SLOTS 64 /* live maps at once (one a run, one a file read by lanes) */
/* Pages the kernel maps around a faulting one (fault_around_bytes, 64 KiB
 * by default), here past a lane's range: given back with the range. */
#define MAP_SPILL ((uint64_t)128 << 10)

/* One live map in the registry: its address range and its cut mark. The
 * SIGBUS handler reads it, so every field is a lock-free atomic. */
typedef struct map_slot {
    atomic_int used;       /* taken (0 free, 1 taken) */
    atomic_uintptr_t lo;   /* the mapped addresses [lo, hi); hi 0 while being set up */
    atomic_uintptr_t hi;
    atomic_int cut;        /* a page past the file's end was touched: zeros were mapped there */
} map_slot_t;

static map_slot_t slots[MAP_SLOTS];
static uintptr_t page_size;           /* set before the handler is installed */
static struct sigaction old_bus;      /* the SIGBUS action before ours */
static bool bus_ok;                   /* ours is installed */
static pthread_once_t bus_once = PTHREAD_ONCE_INIT;

_Static_assert(ATOMIC_POINTER_LOCK_FREE == 2 && ATOMIC_INT_LOCK_FREE == 2,
               "the SIGBUS handler needs lock-free atomics");

/* The SIGBUS handler (async-signal-safe: atomics, mmap, sigaction). A
 * fault inside a registered map: zero pages over the rest of the map, the
 * map marked cut, and the faulting access runs again on the zeros.
 * Elsewhere: the previous action. */
static void on_sigbus(int sig, siginfo_t *si, void *uc) {
    int e = errno;
    uintptr_t a = (uintptr_t)si->si_addr;
    for (unsigned k = 0; k < MAP_SLOTS; k++) {
        uintptr_t lo = atomic_load(&slots[k].lo), hi = atomic_load(&slots[k].hi);
        if (a < lo || a >= hi) continue;
        uintptr_t pg = a & ~(page_size - 1);
        if (mmap((void *)pg, hi - pg, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) != MAP_FAILED) {
            atomic_store(&slots[k].cut, 1);
            errno = e;
            return;
        }
        break;
    }
    if ((old_bus.sa_flags & SA_SIGINFO) && old_bus.sa_sigaction) {
        old_bus.sa_sigaction(sig, si, uc);
        return;
    }
    if (old_bus.sa_handler != SIG_DFL && old_bus.sa_handler != SIG_IGN) {
        old_bus.sa_handler(sig);
        return;
    }
    /* not ours: the default action, taken when the access faults again */
    struct sigaction dfl;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    sigaction(SIGBUS, &dfl, NULL);
    errno = e;
}

/* Install on_sigbus once for the process. */
static void bus_install(void) {
    long ps = sysconf(_SC_PAGESIZE);
    page_size = ps > 0 ? (uintptr_t)ps : 4096;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_sigbus;
    sa.sa_flags = SA_SIGINFO | SA_NODEFER;
    sigemptyset(&sa.sa_mask);
    bus_ok = sigaction(SIGBUS, &sa, &old_bus) == 0;
}

/* See input_int.h. */
bool in_map_open(in_map_t *m, int fd, uint64_t lo, uint64_t hi) {
    pthread_once(&bus_once, bus_install);
    memset(m, 0, sizeof *m);
    m->slot = -1;
    lo &= ~(uint64_t)(page_size - 1);
    if (!bus_ok || hi <= lo || hi - lo > SIZE_MAX / 2) return false;
    int k = 0;
    for (; k < MAP_SLOTS; k++) {
        int z = 0;
        if (atomic_compare_exchange_strong(&slots[k].used, &z, 1)) break;
    }
    if (k == MAP_SLOTS) return false;
    void *p = mmap(NULL, (size_t)(hi - lo), PROT_READ, MAP_PRIVATE, fd, (off_t)lo);
    if (p == MAP_FAILED) {
        atomic_store(&slots[k].used, 0);
        return false;
    }
    madvise(p, (size_t)(hi - lo), MADV_SEQUENTIAL);
    atomic_store(&slots[k].cut, 0);
    atomic_store(&slots[k].lo, (uintptr_t)p);
    atomic_store(&slots[k].hi, (uintptr_t)p + (size_t)(hi - lo));
    m->p = p;
    m->len = (size_t)(hi - lo);
    m->off = lo;
    m->slot = k;
    m->cut = &slots[k].cut;
    return true;
}

/* See input_int.h. */
void in_map_close(in_map_t *m) {
    if (m->slot < 0) return;
    map_slot_t *s = &slots[m->slot];
    atomic_store(&s->hi, 0);
    atomic_store(&s->lo, 0);
    munmap((void *)(uintptr_t)m->p, m->len);
    atomic_store(&s->used, 0);
    m->slot = -1;
    m->p = NULL;
}

/* Give back the pages of m that hold the file's bytes [lo, hi), but for
 * the page of hi (unless the map ends there): the reader is still on it. */
static void map_drop(const in_map_t *m, uint64_t lo, uint64_t hi) {
    uint64_t end = m->off + m->len;
    if (hi > end) hi = end;
    lo &= ~(uint64_t)(page_size - 1);
    if (lo < m->off) lo = m->off;
    if (hi < end) hi &= ~(uint64_t)(page_size - 1); /* (the map's last page is given back whole) */
    if (lo >= hi) return;
    madvise((void *)(uintptr_t)(m->p + (lo - m->off)), (size_t)(hi - lo), MADV_DONTNEED);
}

/* ---- mapped sources ------------------------------------------------- */

/* See input_int.h. */
const char in_truncated[] = "truncated while being read";

/* The source's file was cut while mapped: an error from now on. */
static long src_cut(in_src_t *s) {
    s->err = in_truncated;
    return -1;
}

/* See input_int.h. */
bool in_src_map(in_src_t *s, uint64_t size) {
    if (!in_map_open(&s->own_map, s->fd, 0, size)) return false;
    s->map = &s->own_map;
    s->off = 0;
    s->hi = size;
    return true;
}

/* See input_int.h. */
void in_src_range_map(in_src_t *s, const in_map_t *m) {
    s->map = m;
    s->mdrop = s->off;
}

/* See input_int.h. */
bool in_src_cut(in_src_t *s) {
    if (!s->map || !in_map_cut(s->map)) return false;
    src_cut(s);
    return true;
}

/* See input_int.h. */
long in_src_window(in_src_t *s, uint64_t keep, uint64_t at, size_t max) {
    const in_map_t *m = s->map;
    if (in_map_cut(m)) return src_cut(s);
    if (keep >= s->mdrop + IN_MAPDROP) { /* the pages behind the reader */
        map_drop(m, s->mdrop, keep);
        s->mdrop = keep;
    }
    if (at >= s->hi) {
        /* the map's (or range's) end: the file must still reach it (a cut
         * inside the last page reads zeros, with no fault) */
        struct stat sb;
        if (fstat(s->fd, &sb) != 0) {
            s->errnum = errno;
            return -1;
        }
        if ((uint64_t)sb.st_size < s->hi) return src_cut(s);
        if (s->from == IN_SRC_RANGE || (uint64_t)sb.st_size == s->hi) return 0;
        /* lane 0's file grew while read: map it again from the reader's
         * unfinished record to its new size */
        in_map_t nm;
        if (!in_map_open(&nm, s->fd, keep, (uint64_t)sb.st_size)) {
            s->errnum = errno ? errno : ENOMEM;
            return -1;
        }
        in_map_close(&s->own_map);
        s->own_map = nm;
        s->hi = (uint64_t)sb.st_size;
        s->mdrop = nm.off;
        m = s->map;
    }
    uint64_t n = s->hi - at < max ? s->hi - at : max;
    const char *p = m->p + (at - m->off);
    uintptr_t pg = (uintptr_t)p & ~(page_size - 1);
    /* the window's page tables at once; EFAULT: past the file's end now */
    if (madvise((void *)pg, (size_t)((uintptr_t)p + n - pg), MADV_POPULATE_READ) != 0 && errno == EFAULT)
        return src_cut(s);
    if (in_map_cut(m)) return src_cut(s);
    progress_add(n);
    return (long)n;
}

/* See input_int.h. */
void in_src_unmap(in_src_t *s) {
    if (!s->map) return;
    if (s->map == &s->own_map) in_map_close(&s->own_map);
    else /* a lane's range: its pages given back, and those mapped around it */
        map_drop(s->map, s->mdrop > MAP_SPILL ? s->mdrop - MAP_SPILL : 0, s->hi + MAP_SPILL);
    s->map = NULL;
}
