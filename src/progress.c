/* progress.c — the progress bar (see progress.h).
 *
 * A drawing thread sleeps on a condition variable and redraws at 5 Hz;
 * the bytes counter is a C11 atomic the readers bump. The bar appears
 * only after a second, so short runs print nothing.
 */
#include "progress.h"

#include <dirent.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "tty.h"

static atomic_ullong done_bytes;
static uint64_t total_bytes;
static bool running, drawn;
static pthread_t drawer;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static bool quit;

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* "1.3 GB" style sizes. */
static void human(char *out, size_t n, double b) {
    static const char *const unit[] = {"B", "KB", "MB", "GB", "TB"};
    int u = 0;
    while (b >= 1000 && u < 4) { b /= 1000; u++; }
    snprintf(out, n, u ? "%.1f %s" : "%.0f %s", b, unit[u]);
}

/* Draw the line, fitted to the terminal's width (COLUMNS, or the width
 * stderr's terminal reports; 80 when neither says): the bar shrinks first
 * (to nothing), then the line is cut, one column short of the width so
 * that the cursor never wraps; \033[K clears what a longer line left. */
static void draw(double t0) {
    uint64_t d = atomic_load_explicit(&done_bytes, memory_order_relaxed);
    double el = now_s() - t0;
    char a[32], b[32], r[32], rest[128], line[160];
    human(a, sizeof a, (double)d);
    human(r, sizeof r, el > 0 ? (double)d / el : 0);
    unsigned cols = tty_columns(STDERR_FILENO);
    size_t room = (cols ? cols : 80) - 1, n;
    if (cols == 1) room = 0;
    if (total_bytes) {
        double f = (double)d / (double)total_bytes;
        if (f > 1) f = 1;
        human(b, sizeof b, (double)total_bytes);
        int rn = snprintf(rest, sizeof rest, " %3d%%  %s/%s  %s/s", (int)(f * 100), a, b, r);
        /* "[" bar "]" rest: the bar takes what the rest leaves, at most 30 */
        size_t bw = room > (size_t)rn + 2 ? room - (size_t)rn - 2 : 0;
        if (bw > 30) bw = 30;
        n = 0;
        if (bw >= 5) {
            size_t k = (size_t)(f * (double)bw);
            line[n++] = '[';
            for (size_t i = 0; i < bw; i++) line[n++] = i < k ? '#' : '.';
            line[n++] = ']';
        }
        n += (size_t)snprintf(line + n, sizeof line - n, "%s", bw >= 5 ? rest : rest + 1);
    } else {
        n = (size_t)snprintf(line, sizeof line, "%s read  %s/s", a, r);
    }
    if (n > room) n = room;
    fprintf(stderr, "\r%.*s\033[K", (int)n, line);
    fflush(stderr);
    drawn = true;
}

static void *draw_loop(void *arg) {
    (void)arg;
    double t0 = now_s();
    pthread_mutex_lock(&mu);
    while (!quit) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += 200 * 1000000L;
        if (ts.tv_nsec >= 1000000000L) { ts.tv_sec++; ts.tv_nsec -= 1000000000L; }
        pthread_cond_timedwait(&cv, &mu, &ts);
        if (!quit && now_s() - t0 >= 1.0) draw(t0);
    }
    pthread_mutex_unlock(&mu);
    return NULL;
}

/* See progress.h. */
void progress_start(uint64_t total, bool enabled) {
    atomic_store(&done_bytes, 0);
    total_bytes = total;
    drawn = false;
    quit = false;
    if (!enabled) return;
    running = pthread_create(&drawer, NULL, draw_loop, NULL) == 0;
}

/* See progress.h. */
void progress_add(uint64_t n) { atomic_fetch_add_explicit(&done_bytes, n, memory_order_relaxed); }

/* See progress.h. */
void progress_stop(void) {
    if (!running) return;
    pthread_mutex_lock(&mu);
    quit = true;
    pthread_cond_signal(&cv);
    pthread_mutex_unlock(&mu);
    pthread_join(drawer, NULL);
    running = false;
    if (drawn) fputs("\r\033[K", stderr);
}

/* The bytes of the regular files under path (a named path's links are
 * followed, not those found in directories: a link to a parent would
 * make the walk exponential). */
static uint64_t walk(const char *path, int depth) {
    struct stat sb;
    if (depth > 32 || (depth ? lstat(path, &sb) : stat(path, &sb)) != 0) return 0;
    if (S_ISREG(sb.st_mode)) return (uint64_t)sb.st_size;
    if (!S_ISDIR(sb.st_mode)) return 0;
    DIR *d = opendir(path);
    if (!d) return 0;
    uint64_t sum = 0;
    struct dirent *de;
    buf_t b = {0};
    while ((de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.') continue;
        buf_clear(&b);
        buf_printf(&b, "%s/%s", path, de->d_name);
        sum += walk(b.p, depth + 1);
    }
    buf_free(&b);
    closedir(d);
    return sum;
}

/* See progress.h. */
uint64_t progress_total(const char *const *paths, int npaths) {
    uint64_t sum = 0;
    for (int i = 0; i < npaths; i++) {
        if (!paths[i] || strcmp(paths[i], "-") == 0) return 0; /* stdin: unknown */
        sum += walk(paths[i], 0);
    }
    return npaths ? sum : 0;
}
