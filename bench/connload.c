/* connload.c — loopback TCP connection load for `make bench-sensor`.
 *
 *   connload RATE SECONDS [PORT]
 *
 * Forks a listener on 127.0.0.1:PORT (default 2626) that accepts and closes,
 * then opens and closes connections to it from this process at RATE per
 * second (0: as fast as it can) for SECONDS, at most RATE*SECONDS of them.
 * Each connection is connect() then close() (the client closes first, so
 * it passes FIN_WAIT and TIME_WAIT: run it in a network namespace with
 * net.ipv4.tcp_tw_reuse=1, as bench/sensor.sh does, or ports run out).
 * Prints one line: pid (the connecting process), connections made, failed
 * connects, seconds and the achieved rate. Bounded in count and time; only
 * ever connects to 127.0.0.1. Exit status 0, or 1 when the listener fails.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Seconds on the monotonic clock. */
static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The listener: accept and close until killed; one byte on ready once listening. */
static void listener(struct sockaddr_in *a, int ready) {
    int s = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (s < 0 || bind(s, (struct sockaddr *)a, sizeof *a) != 0 || listen(s, 4096) != 0) {
        perror("connload: listener");
        _exit(1);
    }
    if (write(ready, "R", 1) != 1) _exit(1);
    close(ready);
    for (;;) {
        int c = accept(s, NULL, NULL);
        if (c >= 0) close(c);
        else if (errno != EINTR && errno != ECONNABORTED) _exit(1);
    }
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: connload RATE SECONDS [PORT]\n");
        return 2;
    }
    double rate = atof(argv[1]), secs = atof(argv[2]);
    int port = argc > 3 ? atoi(argv[3]) : 2626;
    if (rate < 0 || secs <= 0 || secs > 600 || port < 1 || port > 65535) {
        fprintf(stderr, "connload: RATE >= 0, 0 < SECONDS <= 600, PORT 1-65535\n");
        return 2;
    }
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int p[2];
    if (pipe(p) != 0) return 1;
    pid_t srv = fork();
    if (srv == 0) {
        close(p[0]);
        listener(&a, p[1]);
    }
    close(p[1]);
    char c;
    if (srv < 0 || read(p[0], &c, 1) != 1) {
        fprintf(stderr, "connload: the listener did not start\n");
        return 1;
    }
    close(p[0]);
    unsigned long long max = rate > 0 ? (unsigned long long)(rate * secs) : ~0ULL, made = 0, failed = 0;
    double t0 = now_s(), end = t0 + secs;
    while (made + failed < max) {
        double t = now_s();
        if (t >= end) break;
        if (rate > 0) { /* pace: connection i is due at t0 + i/rate */
            double due = t0 + (double)(made + failed) / rate;
            if (due > t) {
                struct timespec d = {0, (long)((due - t) * 1e9)};
                nanosleep(&d, NULL);
            }
        }
        int s = socket(AF_INET, SOCK_STREAM, 0);
        if (s < 0) {
            failed++;
            continue;
        }
        if (connect(s, (struct sockaddr *)&a, sizeof a) == 0) made++;
        else failed++;
        close(s);
    }
    double took = now_s() - t0;
    /* Let the listener accept and close the last connections, so every
     * client socket reaches CLOSE before the namespace goes away. */
    struct timespec drain = {0, 300000000L};
    nanosleep(&drain, NULL);
    kill(srv, SIGKILL);
    waitpid(srv, NULL, 0);
    printf("pid=%d connections=%llu failed=%llu seconds=%.3f rate=%.0f\n", (int)getpid(), made, failed, took,
           (double)made / took);
    return 0;
}
