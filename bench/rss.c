/* rss — run a command, then report its wall time and peak RSS.
 *
 *   rss [-o FILE] [-t SECONDS] [-M MIB] [-f] CMD [ARG...]
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
 * well above 0, the measurement was disturbed. rss exits with that status
 * too. stdin, stdout and stderr are inherited.
 *
 * Limits (the line then ends with " killed=none|timeout|rss"):
 *   -t SECONDS  kill CMD (SIGKILL) when it runs longer;
 *   -M MIB      kill CMD when its resident set (/proc/PID/statm) exceeds
 *               MIB MiB, checked every 10 ms: a run that would make the
 *               machine swap ends as "killed=rss" instead.
 * A killed CMD's status is 137 (128 + SIGKILL).
 *
 * -f (first byte): CMD's stdout is a pipe that rss reads; when the first
 * byte arrives rss notes the time and closes the pipe, as `| head -c 1`
 * would, then waits for CMD to end. The line ends with
 * " first_s=S" (-1: CMD ended or was killed before writing anything);
 * wall_s is then the time until CMD ended after the pipe closed.
 *
 * Needs only POSIX, wait4() and Linux's /proc for -M (no GNU time).
 */
#include <errno.h>
#include <fcntl.h>
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

/* Resident set of process pid in KiB (/proc/PID/statm), -1 when unknown. */
static long rss_kib(pid_t pid) {
    char path[64], buf[128];
    snprintf(path, sizeof path, "/proc/%ld/statm", (long)pid);
    int fd = open(path, O_RDONLY);
    if (fd < 0) return -1;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0) return -1;
    buf[n] = 0;
    unsigned long size, res;
    if (sscanf(buf, "%lu %lu", &size, &res) != 2) return -1;
    return (long)(res * (unsigned long)sysconf(_SC_PAGESIZE) / 1024);
}

static void on_tick(int sig) { (void)sig; } /* only interrupts wait4/read */

/* The limits of one run, and why the child was killed (0: it was not). */
static double deadline;      /* absolute now_s(), 0: none */
static long max_kib;         /* 0: none */
static const char *killed = "none";

/* Kill the child when it is over a limit; true when it was killed now. */
static int police(pid_t pid) {
    if (strcmp(killed, "none") != 0) return 0;
    if (deadline > 0 && now_s() > deadline) killed = "timeout";
    else if (max_kib > 0 && rss_kib(pid) > max_kib) killed = "rss";
    else return 0;
    kill(pid, SIGKILL);
    return 1;
}

static void usage(void) {
    fputs("usage: rss [-o FILE] [-t SECONDS] [-M MIB] [-f] CMD [ARG...]\n", stderr);
    exit(2);
}

/* A positive number of an option, or usage(). */
static double opt_num(const char *s) {
    char *end;
    double v = strtod(s, &end);
    if (!*s || *end || !(v > 0)) usage();
    return v;
}

int main(int argc, char **argv) {
    const char *outpath = NULL;
    double timeout = 0, max_mib = 0;
    int first = 0, limits = 0;
    int i = 1;
    while (i < argc && argv[i][0] == '-') {
        if (strcmp(argv[i], "-o") == 0 && i + 1 < argc) {
            outpath = argv[i + 1];
            i += 2;
        } else if (strcmp(argv[i], "-t") == 0 && i + 1 < argc) {
            timeout = opt_num(argv[i + 1]);
            limits = 1;
            i += 2;
        } else if (strcmp(argv[i], "-M") == 0 && i + 1 < argc) {
            max_mib = opt_num(argv[i + 1]);
            limits = 1;
            i += 2;
        } else if (strcmp(argv[i], "-f") == 0) {
            first = 1;
            i++;
        } else if (strcmp(argv[i], "--") == 0) {
            i++;
            break;
        } else {
            usage();
        }
    }
    if (i >= argc) usage();
    max_kib = (long)(max_mib * 1024);

    int pfd[2] = {-1, -1};
    if (first && pipe(pfd) != 0) {
        perror("rss: pipe");
        return 127;
    }
    if (limits || first) {
        /* a 10 ms tick interrupts the waits below (no SA_RESTART) */
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_tick;
        sigemptyset(&sa.sa_mask);
        sigaction(SIGALRM, &sa, NULL);
    }
    signal(SIGPIPE, SIG_IGN); /* restored to the default in the child */

    double busy0 = machine_busy_s();
    double t0 = now_s();
    pid_t pid = fork();
    if (pid < 0) {
        perror("rss: fork");
        return 127;
    }
    if (pid == 0) {
        signal(SIGPIPE, SIG_DFL);
        if (first) {
            dup2(pfd[1], STDOUT_FILENO);
            close(pfd[0]);
            close(pfd[1]);
        }
        execvp(argv[i], argv + i);
        fprintf(stderr, "rss: %s: %s\n", argv[i], strerror(errno));
        _exit(127);
    }
    if (timeout > 0) deadline = t0 + timeout;
    if (limits || first) {
        struct itimerval it = {{0, 10000}, {0, 10000}};
        setitimer(ITIMER_REAL, &it, NULL);
    }

    double first_s = -1;
    if (first) {
        close(pfd[1]);
        char c;
        for (;;) {
            ssize_t n = read(pfd[0], &c, 1);
            if (n == 1) {
                first_s = now_s() - t0;
                break;
            }
            if (n == 0 || errno != EINTR) break; /* CMD closed its stdout */
            police(pid);
        }
        close(pfd[0]); /* the child's next write fails: EPIPE or SIGPIPE */
    }

    int wstatus = 0;
    struct rusage ru;
    memset(&ru, 0, sizeof ru);
    pid_t w;
    do {
        w = wait4(pid, &wstatus, 0, &ru);
        if (w < 0 && errno == EINTR) police(pid);
    } while (w < 0 && errno == EINTR);
    double t1 = now_s();
    if (limits || first) {
        struct itimerval off = {{0, 0}, {0, 0}};
        setitimer(ITIMER_REAL, &off, NULL);
    }
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
    fprintf(out, "rss: wall_s=%.6f cpu_s=%.6f maxrss_kib=%ld status=%d other_cpu_s=%.2f",
            t1 - t0, cpu, (long)ru.ru_maxrss, status, other);
    if (limits) fprintf(out, " killed=%s", killed);
    if (first) fprintf(out, " first_s=%.6f", first_s);
    fputc('\n', out);
    if (out != stderr) fclose(out);
    return status;
}
