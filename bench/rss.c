/* rss — run a command, then report its wall time and peak RSS.
 *
 *   rss [-o FILE] CMD [ARG...]
 *
 * Forks, execs CMD (searched in PATH), waits for it with wait4() and writes
 * one line
 *
 *   rss: wall_s=1.234567 cpu_s=2.345678 maxrss_kib=12345 status=0 other_cpu_s=0.01
 *
 * to stderr, or appends it to FILE with -o (so that it cannot mix with what
 * CMD itself writes to stderr). cpu_s is user + system time of the child
 * (and of the children it waited for); maxrss_kib is ru_maxrss of the child (KiB on
 * Linux); status is the exit status, or 128+N when it died of signal N.
 * other_cpu_s is the CPU time the rest of the machine used meanwhile (busy
 * time in /proc/stat, steal included, minus cpu_s; -1 without /proc/stat):
 * well above 0, the measurement was disturbed. rss exits with that status too. stdin, stdout and stderr are inherited.
 * Needs only POSIX and wait4() (no GNU time).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Busy CPU time of the whole machine so far, in seconds, from /proc/stat
 * (user + nice + system + irq + softirq + steal); -1 when unavailable. */
static double machine_busy_s(void) {
    FILE *f = fopen("/proc/stat", "r");
    if (!f) return -1;
    unsigned long long v[8] = {0};
    int n = fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2],
                   &v[3], &v[4], &v[5], &v[6], &v[7]);
    fclose(f);
    long hz = sysconf(_SC_CLK_TCK);
    if (n < 8 || hz <= 0) return -1;
    /* user nice system idle iowait irq softirq steal */
    return (double)(v[0] + v[1] + v[2] + v[5] + v[6] + v[7]) / (double)hz;
}

static void usage(void) {
    fputs("usage: rss [-o FILE] CMD [ARG...]\n", stderr);
    exit(2);
}

int main(int argc, char **argv) {
    const char *outpath = NULL;
    int i = 1;
    while (i < argc && argv[i][0] == '-') {
        if (strcmp(argv[i], "-o") == 0 && i + 1 < argc) {
            outpath = argv[i + 1];
            i += 2;
        } else if (strcmp(argv[i], "--") == 0) {
            i++;
            break;
        } else {
            usage();
        }
    }
    if (i >= argc) usage();

    double busy0 = machine_busy_s();
    double t0 = now_s();
    pid_t pid = fork();
    if (pid < 0) {
        perror("rss: fork");
        return 127;
    }
    if (pid == 0) {
        execvp(argv[i], argv + i);
        fprintf(stderr, "rss: %s: %s\n", argv[i], strerror(errno));
        _exit(127);
    }

    int wstatus = 0;
    struct rusage ru;
    memset(&ru, 0, sizeof ru);
    pid_t w;
    do {
        w = wait4(pid, &wstatus, 0, &ru);
    } while (w < 0 && errno == EINTR);
    double t1 = now_s();
    double busy1 = machine_busy_s();
    if (w < 0) {
        perror("rss: wait4");
        return 127;
    }

    int status;
    if (WIFEXITED(wstatus)) status = WEXITSTATUS(wstatus);
    else if (WIFSIGNALED(wstatus)) status = 128 + WTERMSIG(wstatus);
    else status = 127;

    FILE *out = stderr;
    if (outpath) {
        out = fopen(outpath, "a");
        if (!out) {
            fprintf(stderr, "rss: %s: %s\n", outpath, strerror(errno));
            out = stderr;
        }
    }
    double cpu = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
                 (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
    /* CPU time the rest of the machine used meanwhile (other processes,
     * and steal time on a VM): a sign that the measurement was disturbed. */
    double other = busy0 >= 0 && busy1 >= 0 ? busy1 - busy0 - cpu : -1;
    if (other < 0 && busy0 >= 0 && busy1 >= 0) other = 0;
    fprintf(out, "rss: wall_s=%.6f cpu_s=%.6f maxrss_kib=%ld status=%d other_cpu_s=%.2f\n",
            t1 - t0, cpu, (long)ru.ru_maxrss, status, other);
    if (out != stderr) fclose(out);
    return status;
}
