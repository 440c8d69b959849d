/* scan — the "bare memmem scan" baseline of bench/run.sh.
 *
 *   scan [-j N] [-m] [-n NEEDLE] FILE
 *
 * Counts the occurrences of NEEDLE (default "dest_port" with its quotes,
 * i.e. one per JSONL record) in FILE with memmem(), and prints
 *
 *   scan: count=10000000 bytes=3141592653 threads=2 mode=read seconds=0.812
 *
 * The file is cut into N equal byte ranges (default 1), one per thread
 * (pthreads); each thread reads its range with pread() in 1 MiB blocks (or,
 * with -m, scans the range of an mmap() of the whole file). Blocks and ranges
 * overlap by strlen(NEEDLE)-1 bytes and a match is counted only by the block
 * it starts in, so the count does not depend on N. This is the least work any
 * query that looks at every byte can do: a lower bound for postern's time.
 */
/* memmem() is a GNU (and POSIX 2024) extension: glibc 2.36 declares it
 * only under _GNU_SOURCE. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#define BLOCK (1u << 20)
#define MAXTHREADS 256

typedef struct {
    int fd;
    const char *map; /* the whole file with -m, else NULL */
    off_t begin, end; /* count matches that start in [begin, end) */
    off_t size;
    const char *needle;
    size_t nlen;
    unsigned long long count;
    int err;
} job_t;

/* Matches of needle in buf[0..len) that start before limit. */
static unsigned long long count_in(const char *buf, size_t len, size_t limit,
                                   const char *needle, size_t nlen) {
    unsigned long long c = 0;
    const char *p = buf, *e = buf + len;
    while ((size_t)(e - p) >= nlen) {
        const char *hit = memmem(p, (size_t)(e - p), needle, nlen);
        if (!hit || (size_t)(hit - buf) >= limit) break;
        c++;
        p = hit + 1;
    }
    return c;
}

static void *worker(void *arg) {
    job_t *j = arg;
    size_t over = j->nlen - 1;
    if (j->map) {
        off_t stop = j->end + (off_t)over;
        if (stop > j->size) stop = j->size;
        j->count = count_in(j->map + j->begin, (size_t)(stop - j->begin),
                            (size_t)(j->end - j->begin), j->needle, j->nlen);
        return NULL;
    }
    char *buf = malloc(BLOCK + over);
    if (!buf) {
        j->err = ENOMEM;
        return NULL;
    }
    for (off_t off = j->begin; off < j->end; off += BLOCK) {
        size_t want = BLOCK + over;
        if (off + (off_t)want > j->size) want = (size_t)(j->size - off);
        size_t got = 0;
        while (got < want) {
            ssize_t k = pread(j->fd, buf + got, want - got, off + (off_t)got);
            if (k < 0 && errno == EINTR) continue;
            if (k < 0) {
                j->err = errno;
                free(buf);
                return NULL;
            }
            if (k == 0) break;
            got += (size_t)k;
        }
        size_t limit = BLOCK;
        if (off + (off_t)limit > j->end) limit = (size_t)(j->end - off);
        j->count += count_in(buf, got, limit, j->needle, j->nlen);
    }
    free(buf);
    return NULL;
}

static void usage(void) {
    fputs("usage: scan [-j N] [-m] [-n NEEDLE] FILE\n", stderr);
    exit(2);
}

int main(int argc, char **argv) {
    int nthreads = 1, use_map = 0;
    const char *needle = "\"dest_port\"";
    int i = 1;
    for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
        if (strcmp(argv[i], "-j") == 0 && i + 1 < argc) {
            nthreads = atoi(argv[++i]);
        } else if (strcmp(argv[i], "-m") == 0) {
            use_map = 1;
        } else if (strcmp(argv[i], "-n") == 0 && i + 1 < argc) {
            needle = argv[++i];
        } else {
            usage();
        }
    }
    if (i != argc - 1 || nthreads < 1 || nthreads > MAXTHREADS || !*needle) usage();
    const char *path = argv[i];

    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);

    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        fprintf(stderr, "scan: %s: %s\n", path, strerror(errno));
        return 1;
    }
    struct stat st;
    if (fstat(fd, &st) != 0) {
        fprintf(stderr, "scan: %s: %s\n", path, strerror(errno));
        return 1;
    }
    off_t size = st.st_size;
    const char *map = NULL;
    if (use_map && size > 0) {
        void *m = mmap(NULL, (size_t)size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (m == MAP_FAILED) {
            fprintf(stderr, "scan: mmap %s: %s\n", path, strerror(errno));
            return 1;
        }
        map = m;
    }

    static job_t jobs[MAXTHREADS];
    static pthread_t tids[MAXTHREADS];
    off_t per = size / nthreads;
    for (int t = 0; t < nthreads; t++) {
        jobs[t] = (job_t){.fd = fd, .map = map, .size = size, .needle = needle,
                          .nlen = strlen(needle)};
        jobs[t].begin = per * t;
        jobs[t].end = t == nthreads - 1 ? size : per * (t + 1);
    }
    for (int t = 1; t < nthreads; t++) {
        int e = pthread_create(&tids[t], NULL, worker, &jobs[t]);
        if (e) {
            fprintf(stderr, "scan: pthread_create: %s\n", strerror(e));
            return 1;
        }
    }
    worker(&jobs[0]);
    unsigned long long total = jobs[0].count;
    int err = jobs[0].err;
    for (int t = 1; t < nthreads; t++) {
        pthread_join(tids[t], NULL);
        total += jobs[t].count;
        if (jobs[t].err) err = jobs[t].err;
    }
    if (err) {
        fprintf(stderr, "scan: %s: %s\n", path, strerror(err));
        return 1;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    printf("scan: count=%llu bytes=%lld threads=%d mode=%s seconds=%.6f\n", total,
           (long long)size, nthreads, use_map ? "mmap" : "read", secs);
    if (map) munmap((void *)map, (size_t)size);
    close(fd);
    return 0;
}
