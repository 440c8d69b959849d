/* conn_event.h — the record the BPF connection sensor sends to user space.
 *
 * Shared by src/bpf/conn.bpf.c (kernel side, types from vmlinux.h) and
 * src/sensor_bpf.c (user side, types from <linux/types.h>): include the
 * type definitions first. Events are copied out of the ring buffer; nothing
 * in them points anywhere.
 */
#ifndef POSTERN_CONN_EVENT_H
#define POSTERN_CONN_EVENT_H

/* What happened to an outbound TCP socket. */
enum conn_kind {
    CONN_CONNECT = 1,      /* SYN_SENT -> ESTABLISHED */
    CONN_CONNECT_FAIL = 2, /* SYN_SENT -> CLOSE (refused, timed out, aborted) */
    CONN_CLOSE = 3,        /* an established outbound socket reached CLOSE */
};

/* Slots of the per-CPU "lost" counter array. */
enum conn_lost {
    CONN_LOST_RINGBUF = 0, /* bpf_ringbuf_reserve failed: event dropped */
    CONN_LOST_MAPFULL = 1, /* the sock -> owner map was full at SYN_SENT */
    CONN_LOST_CLOSE = 2,   /* an owner whose close was never seen, found stale (see conn.bpf.c) */
    CONN_LOST_NSLOTS = 3,
};

#define CONN_COMM_LEN 16
#define CONN_EXE_LEN 64

/* One event. Ports are in host order, addresses in network order. */
struct conn_event {
    __u64 ts_boot_ns;       /* bpf_ktime_get_boot_ns() at the state change */
    __u64 start_boot_ns;    /* the owning process's start (group leader start_boottime) */
    __u64 bytes_sent;       /* tcp_sock.bytes_sent: payload sent, retransmits included */
    __u64 bytes_acked;      /* tcp_sock.bytes_acked: counts the SYN and FIN too */
    __u64 bytes_received;   /* tcp_sock.bytes_received: counts the peer's FIN too */
    __u64 exe_ino;          /* inode number of mm->exe_file (0 if unknown) */
    __u32 exe_dev;          /* its superblock's s_dev (kernel encoding: major << 20 | minor) */
    __u32 tgid;             /* process id of the connecting task */
    __u32 pid;              /* thread id of the connecting task */
    __u32 ppid;             /* real parent's tgid */
    __u32 uid;              /* real uid of the connecting task */
    __u32 netns;            /* network namespace inode */
    __u16 family;           /* AF_INET or AF_INET6 */
    __u16 sport;            /* local port */
    __u16 dport;            /* remote port */
    __u8 kind;              /* enum conn_kind */
    __u8 peer_fin;          /* 1 when the peer's FIN was seen (bytes_received counts it) */
    __u8 saddr[16];         /* local address (first 4 bytes for AF_INET) */
    __u8 daddr[16];         /* remote address */
    char comm[CONN_COMM_LEN]; /* task comm at connect() */
    char exe[CONN_EXE_LEN];   /* basename of mm->exe_file at connect() */
};

#endif
