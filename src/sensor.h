/* sensor.h — `postern sensor`: live outbound-TCP telemetry as schema records.
 *
 * sensor.c owns the command, the record format and the sock_diag snapshot and
 * polling fallback; sensor_bpf.c owns the eBPF program (src/bpf/conn.bpf.c).
 * A sensor_conn_t is filled by a backend and only borrowed by the callback:
 * its strings live in the struct or in storage the caller keeps until the
 * callback returns.
 */
#ifndef POSTERN_SENSOR_H
#define POSTERN_SENSOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "buf.h"

/* One connection event, backend-neutral, plus the fields resolved for output. */
typedef struct sensor_conn {
    int64_t time_ms;           /* _messageTime: epoch milliseconds */
    const char *state;         /* "connect", "connect_failed", "close" or "open" */
    const char *direction;     /* "outbound" */
    uint32_t pid;              /* process id (tgid) */
    uint32_t tid;              /* thread that called connect(), 0 if unknown */
    uint32_t ppid;             /* parent's pid, 0 if unknown */
    uint32_t uid;              /* real uid */
    bool have_uid;             /* uid is known */
    uint64_t start_boot_ns;    /* process start since boot, 0 if unknown (pid reuse check) */
    char comm[16];             /* task comm, NUL-terminated */
    char exe[64];              /* executable basename seen by the kernel, may be empty */
    uint64_t exe_ino;          /* the executable's inode, 0 if unknown */
    uint32_t exe_dev;          /* its device (kernel encoding), with exe_ino the file's identity */
    int family;                /* AF_INET or AF_INET6 */
    uint8_t saddr[16];         /* local address, network order */
    uint8_t daddr[16];         /* remote address, network order */
    uint16_t sport, dport;     /* local and remote port */
    bool have_bytes;           /* bytes_out / bytes_in are meaningful */
    uint64_t bytes_out;        /* payload bytes sent */
    uint64_t bytes_in;         /* payload bytes received */
    uint32_t netns;            /* network namespace inode, 0 if unknown */
    /* Filled by sensor.c before formatting (borrowed strings, may be NULL): */
    const char *category;      /* _sourceCategory */
    const char *host;          /* host name */
    const char *process_name;  /* full executable path, else the basename */
    const char *name_source;   /* "proc_exe" (from /proc/PID/exe) or "kernel_basename" */
    const char *user;          /* user name of uid */
} sensor_conn_t;

/* Called by a backend for each event; ctx is the backend's caller's. */
typedef void (*sensor_emit_fn)(void *ctx, const sensor_conn_t *c);

/* Run `postern sensor ARGS`; returns the exit status (0 ok, 2 error). */
int cmd_sensor(int argc, char **argv);

/* A sensor run inside another command (watch, validate): where records go
 * and when to stop. Everything is borrowed for the run. */
typedef struct sensor_run {
    const char *category;      /* _sourceCategory (NULL: endpoint/linux/sensor/network) */
    double duration;           /* seconds; 0 = until SIGINT/SIGTERM or tick says stop */
    bool force_poll;           /* sock_diag polling even where eBPF loads */
    bool quiet;                /* no "ready" line */
    FILE *out;                 /* records as JSON Lines here, when line is NULL */
    /* else each record c, formatted as one JSON line p[0..n) (newline included): */
    void (*line)(void *ctx, const sensor_conn_t *c, const char *p, size_t n);
    int (*tick)(void *ctx);    /* after each wait for events (at most tick_ms apart): non-zero stops */
    int tick_ms;               /* longest wait between ticks (0: 200 ms) */
    void *ctx;                 /* argument of line and tick */
    bool drop_privileges;      /* once started, keep only what naming processes needs */
    const char *user;          /* with drop_privileges: switch to this user (NULL: stay) */
} sensor_run_t;

/* Load the eBPF program (or, with force_poll, poll sock_diag), write the
 * startup snapshot and every event until stopped; SIGINT and SIGTERM stop
 * it cleanly (handlers installed here). Messages on stderr. Returns 0, or
 * 2 when the sensor cannot start (why on stderr) or output failed. */
int sensor_run(const sensor_run_t *o);

/* Append c as one JSON object (no newline) to b, fields in schema order. */
void sensor_format_json(const sensor_conn_t *c, buf_t *b);

/* Write addr (family AF_INET/AF_INET6, network order) as text into out
 * (at least 46 bytes); IPv4-mapped IPv6 addresses are written as IPv4. */
void sensor_addr_str(int family, const uint8_t addr[16], char *out, size_t outlen);

/* The eBPF backend (sensor_bpf.c); opaque. */
typedef struct sensor_bpf sensor_bpf_t;

/* True when this postern was built with the eBPF program (not POSTERN_NO_BPF). */
bool sensor_bpf_built(void);
/* Load and attach the BPF program. On failure returns NULL and writes why
 * (one line, no newline) into why. */
sensor_bpf_t *sensor_bpf_open(char *why, size_t whylen);
/* Wait up to timeout_ms for events and pass each to fn; returns the number of
 * events, or -1 with errno set (EINTR when a signal arrived). */
int sensor_bpf_poll(sensor_bpf_t *s, int timeout_ms, sensor_emit_fn fn, void *ctx);
/* Events dropped so far: in the ring buffer (*ringbuf) and for a full owner
 * map (*mapfull). */
void sensor_bpf_lost(sensor_bpf_t *s, uint64_t *ringbuf, uint64_t *mapfull);
/* What the counters of sensor_bpf_lost cannot see: *skipped, the times the
 * kernel did not run the program because it was already running on that CPU
 * (the program's recursion_misses: those state changes are not seen at all);
 * *leftover, owners found stale since (a connection whose close was skipped:
 * no close record); *open, connections seen connecting and not closed yet
 * (leftovers not found yet included). */
void sensor_bpf_unseen(sensor_bpf_t *s, uint64_t *skipped, uint64_t *leftover, uint64_t *open);
/* Whether the lost-event counters of s can be read with the calling thread's
 * capabilities now (true for NULL and in a build without eBPF). */
bool sensor_bpf_stats_readable(sensor_bpf_t *s);
/* Detach, unload and free s (NULL is fine). */
void sensor_bpf_close(sensor_bpf_t *s);

/* Least privilege (sensor_priv.c), once b (may be NULL) is attached and every
 * file and socket the run needs is open: drop every capability but
 * CAP_SYS_PTRACE (and CAP_DAC_READ_SEARCH when polling, and CAP_BPF where
 * the kernel needs it to read b's counters) from every set, bounding set
 * included, set no_new_privs, and with user (not NULL) switch to that user and
 * its primary group. Returns 0 with a summary in why ("running as uid ...,
 * capabilities kept: ..."), or -1 with the reason in why. */
int sensor_drop_privileges(const char *user, bool polling, sensor_bpf_t *b, char *why, size_t whylen);

#endif
