/* sensor_bpf.c — the libbpf side of `postern sensor`.
 *
 * Opens the skeleton built from src/bpf/conn.bpf.c (build/conn.skel.h),
 * attaches it to raw_tp/inet_sock_set_state, and turns each ring-buffer
 * record (struct conn_event) into a sensor_conn_t for sensor.c. Built with
 * -DPOSTERN_NO_BPF (and POSTERN_BPF_MISSING naming what was missing) when
 * the build machine lacks bpftool, libbpf-dev or kernel BTF; then
 * sensor_bpf_open always fails and says why.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sensor.h"

#ifdef POSTERN_NO_BPF

#ifndef POSTERN_BPF_MISSING
#define POSTERN_BPF_MISSING "bpftool, libbpf-dev or /sys/kernel/btf/vmlinux"
#endif

/* See sensor.h. */
bool sensor_bpf_built(void) { return false; }

/* Always fails: this postern was built without the BPF program. */
sensor_bpf_t *sensor_bpf_open(char *why, size_t whylen) {
    snprintf(why, whylen,
             "this postern was built without the eBPF sensor (missing at build time: %s; "
             "run `make deps` as root, then `make`)",
             POSTERN_BPF_MISSING);
    return NULL;
}

/* Never called without a sensor; reports an error. */
int sensor_bpf_poll(sensor_bpf_t *s, int timeout_ms, sensor_emit_fn fn, void *ctx) {
    (void)s, (void)timeout_ms, (void)fn, (void)ctx;
    errno = ENOSYS;
    return -1;
}

/* Nothing is lost without a sensor. */
void sensor_bpf_lost(sensor_bpf_t *s, uint64_t *ringbuf, uint64_t *mapfull) {
    (void)s;
    *ringbuf = *mapfull = 0;
}

/* See sensor.h. */
bool sensor_bpf_stats_readable(sensor_bpf_t *s) {
    (void)s;
    return true;
}

/* Nothing is unseen without a sensor. */
void sensor_bpf_unseen(sensor_bpf_t *s, uint64_t *skipped, uint64_t *leftover, uint64_t *open) {
    (void)s;
    *skipped = *leftover = *open = 0;
}

/* Nothing to free. */
void sensor_bpf_close(sensor_bpf_t *s) { (void)s; }

#else /* the real backend */

#include <linux/types.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bpf/conn_event.h"

/* The generated skeleton is not written for postern's warning set. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wcast-qual"
#pragma GCC diagnostic ignored "-Wmissing-prototypes"
#pragma GCC diagnostic ignored "-Wstrict-prototypes"
#include "conn.skel.h"
#pragma GCC diagnostic pop

/* A loaded, attached sensor. */
struct sensor_bpf {
    struct conn_bpf *skel;     /* the skeleton (maps, program, link) */
    struct ring_buffer *rb;    /* consumer of skel->maps.events */
    int64_t boot_to_epoch_ns;  /* CLOCK_REALTIME - CLOCK_BOOTTIME at open */
    sensor_emit_fn fn;         /* callback of the poll in progress */
    void *ctx;                 /* its context */
    int ncpu;                  /* possible CPUs (per-CPU map values) */
};

/* libbpf's own messages (they start with "libbpf: "): shown only with
 * POSTERN_LIBBPF_VERBOSE=1 (2 adds debug); the reasons postern prints on a
 * failure say what went wrong without them. */
static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap) {
    const char *v = getenv("POSTERN_LIBBPF_VERBOSE");
    if (!v || *v == '0' || (level == LIBBPF_DEBUG && *v != '2')) return 0;
    fputs("postern sensor: ", stderr);
    return vfprintf(stderr, fmt, ap);
}

/* Nanoseconds on clock id. */
static int64_t clock_ns(clockid_t id) {
    struct timespec ts;
    clock_gettime(id, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Ring-buffer callback: one struct conn_event -> one sensor_conn_t. */
static int on_event(void *ctx, void *data, size_t size) {
    sensor_bpf_t *s = ctx;
    const struct conn_event *e = data;
    if (size < sizeof *e) return 0;
    sensor_conn_t c;
    memset(&c, 0, sizeof c);
    c.time_ms = ((int64_t)e->ts_boot_ns + s->boot_to_epoch_ns) / 1000000;
    c.state = e->kind == CONN_CONNECT ? "connect" : e->kind == CONN_CONNECT_FAIL ? "connect_failed" : "close";
    c.direction = "outbound";
    c.pid = e->tgid;
    c.tid = e->pid;
    c.ppid = e->ppid;
    c.uid = e->uid;
    c.have_uid = true;
    c.start_boot_ns = e->start_boot_ns;
    memcpy(c.comm, e->comm, sizeof c.comm);
    c.comm[sizeof c.comm - 1] = 0;
    memcpy(c.exe, e->exe, sizeof c.exe);
    c.exe[sizeof c.exe - 1] = 0;
    c.exe_ino = e->exe_ino;
    c.exe_dev = e->exe_dev;
    c.family = e->family == AF_INET6 ? AF_INET6 : AF_INET;
    memcpy(c.saddr, e->saddr, 16);
    memcpy(c.daddr, e->daddr, 16);
    c.sport = e->sport;
    c.dport = e->dport;
    c.netns = e->netns;
    if (e->kind != CONN_CONNECT_FAIL) {
        /* bytes_sent is payload (retransmits included); bytes_received
         * counts the peer's FIN as one byte, removed when it was seen. */
        c.have_bytes = true;
        c.bytes_out = e->bytes_sent;
        c.bytes_in = e->bytes_received;
        if (e->peer_fin && c.bytes_in > 0) c.bytes_in--;
    }
    s->fn(s->ctx, &c);
    return 0;
}

/* See sensor.h. */
bool sensor_bpf_built(void) { return true; }

/* Load, verify and attach conn.bpf.c; see sensor.h. */
sensor_bpf_t *sensor_bpf_open(char *why, size_t whylen) {
    libbpf_set_print(libbpf_print);
    if (access("/sys/kernel/btf/vmlinux", R_OK) != 0) {
        snprintf(why, whylen, "the kernel has no BTF (/sys/kernel/btf/vmlinux: %s); CO-RE needs CONFIG_DEBUG_INFO_BTF",
                 strerror(errno));
        return NULL;
    }
    sensor_bpf_t *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(why, whylen, "out of memory");
        return NULL;
    }
    s->skel = conn_bpf__open();
    if (!s->skel) {
        snprintf(why, whylen, "cannot open the BPF object: %s", strerror(errno));
        free(s);
        return NULL;
    }
    int err = conn_bpf__load(s->skel);
    if (err) {
        int e = -err;
        snprintf(why, whylen, "cannot load the BPF program: %s%s; POSTERN_LIBBPF_VERBOSE=1 shows libbpf's log",
                 strerror(e),
                 e == EPERM || e == EACCES
                     ? " (needs root, or CAP_BPF and CAP_PERFMON; kernel lockdown or a container may forbid BPF)"
                     : "");
        conn_bpf__destroy(s->skel);
        free(s);
        return NULL;
    }
    err = conn_bpf__attach(s->skel);
    if (err) {
        snprintf(why, whylen, "cannot attach to raw_tp/inet_sock_set_state: %s", strerror(-err));
        conn_bpf__destroy(s->skel);
        free(s);
        return NULL;
    }
    s->rb = ring_buffer__new(bpf_map__fd(s->skel->maps.events), on_event, s, NULL);
    if (!s->rb) {
        snprintf(why, whylen, "cannot open the ring buffer: %s", strerror(errno));
        conn_bpf__destroy(s->skel);
        free(s);
        return NULL;
    }
    s->ncpu = libbpf_num_possible_cpus();
    if (s->ncpu < 1) s->ncpu = 1;
    s->boot_to_epoch_ns = clock_ns(CLOCK_REALTIME) - clock_ns(CLOCK_BOOTTIME);
    return s;
}

/* Consume ready events; see sensor.h. */
int sensor_bpf_poll(sensor_bpf_t *s, int timeout_ms, sensor_emit_fn fn, void *ctx) {
    s->fn = fn;
    s->ctx = ctx;
    int n = ring_buffer__poll(s->rb, timeout_ms);
    if (n < 0) {
        errno = -n;
        return -1;
    }
    return n;
}

/* Sum the per-CPU lost counters; see sensor.h. */
void sensor_bpf_lost(sensor_bpf_t *s, uint64_t *ringbuf, uint64_t *mapfull) {
    *ringbuf = *mapfull = 0;
    uint64_t *vals = calloc((size_t)s->ncpu, sizeof *vals);
    if (!vals) return;
    int fd = bpf_map__fd(s->skel->maps.lost);
    for (uint32_t slot = 0; slot < CONN_LOST_NSLOTS; slot++) {
        if (bpf_map_lookup_elem(fd, &slot, vals) != 0) continue;
        uint64_t sum = 0;
        for (int i = 0; i < s->ncpu; i++) sum += vals[i];
        if (slot == CONN_LOST_RINGBUF) *ringbuf = sum;
        else if (slot == CONN_LOST_MAPFULL) *mapfull = sum;
    }
    free(vals);
}

/* See sensor.h. */
void sensor_bpf_unseen(sensor_bpf_t *s, uint64_t *skipped, uint64_t *leftover, uint64_t *open) {
    *skipped = *leftover = *open = 0;
    struct bpf_prog_info info;
    uint32_t len = sizeof info;
    memset(&info, 0, sizeof info);
    if (bpf_obj_get_info_by_fd(bpf_program__fd(s->skel->progs.postern_conn_state), &info, &len) == 0)
        *skipped = info.recursion_misses;
    uint64_t *vals = calloc((size_t)s->ncpu, sizeof *vals);
    uint32_t slot = CONN_LOST_CLOSE;
    if (vals && bpf_map_lookup_elem(bpf_map__fd(s->skel->maps.lost), &slot, vals) == 0)
        for (int i = 0; i < s->ncpu; i++) *leftover += vals[i];
    free(vals);
    int fd = bpf_map__fd(s->skel->maps.owners);
    uint64_t key, next, *prev = NULL;
    while (bpf_map_get_next_key(fd, prev, &next) == 0) {
        ++*open;
        key = next;
        prev = &key;
    }
}

/* See sensor.h: one lookup of the counters' map. */
bool sensor_bpf_stats_readable(sensor_bpf_t *s) {
    if (!s) return true;
    uint64_t *vals = calloc((size_t)s->ncpu, sizeof *vals);
    uint32_t slot = 0;
    bool ok = vals && bpf_map_lookup_elem(bpf_map__fd(s->skel->maps.lost), &slot, vals) == 0;
    free(vals);
    return ok;
}

/* Detach and free; see sensor.h. */
void sensor_bpf_close(sensor_bpf_t *s) {
    if (!s) return;
    ring_buffer__free(s->rb);
    conn_bpf__destroy(s->skel);
    free(s);
}

#endif
