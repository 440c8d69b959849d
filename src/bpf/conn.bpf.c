/* conn.bpf.c — the kernel half of `postern sensor`: outbound TCP connections.
 *
 * Attached to the sock:inet_sock_set_state tracepoint as a raw tracepoint
 * (needs no tracefs, no kprobes). At TCP_SYN_SENT, which runs inside the
 * connecting task's connect(), the owner (tgid, pid, ppid, uid, comm, exe
 * basename) is remembered under the sock's address; later transitions run in
 * softirq context where `current` is arbitrary, so they take the owner from
 * that map. Events go to user space (src/sensor_bpf.c) through a ring buffer;
 * every event that cannot be sent is counted in the per-CPU `lost` array.
 */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "conn_event.h"

/* From the kernel's include/net/tcp_states.h and linux/socket.h. */
#define S_ESTABLISHED 1
#define S_SYN_SENT 2
#define S_FIN_WAIT2 5
#define S_CLOSE 7
#define S_CLOSE_WAIT 8
#define S_CLOSING 11
#define S_AF_INET 2
#define S_AF_INET6 10
#define S_IPPROTO_TCP 6

char LICENSE[] SEC("license") = "GPL";

/* What is known about a socket's owner since its SYN_SENT. */
struct owner {
    struct conn_event ev; /* owner fields filled, the rest filled per event */
};

/* sock address -> owner, for outbound sockets between SYN_SENT and CLOSE. */
struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, 65536);
    __type(key, __u64);
    __type(value, struct owner);
} owners SEC(".maps");

/* Events to user space. */
struct {
    __uint(type, BPF_MAP_TYPE_RINGBUF);
    __uint(max_entries, 1 << 22);
} events SEC(".maps");

/* Dropped events by cause (enum conn_lost), per CPU; user space sums them. */
struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __uint(max_entries, CONN_LOST_NSLOTS);
    __type(key, __u32);
    __type(value, __u64);
} lost SEC(".maps");

/* Count one dropped event under cause slot (enum conn_lost). */
static __always_inline void count_lost(__u32 slot)
{
    __u64 *n = bpf_map_lookup_elem(&lost, &slot);
    if (n) *n += 1;
}

/* Fill the owner part of an event from the current task (SYN_SENT only). */
static __always_inline void fill_owner(struct conn_event *ev)
{
    struct task_struct *task = (struct task_struct *)bpf_get_current_task();
    __u64 id = bpf_get_current_pid_tgid();
    const unsigned char *name;

    ev->tgid = id >> 32;
    ev->pid = (__u32)id;
    ev->uid = (__u32)bpf_get_current_uid_gid();
    ev->ppid = BPF_CORE_READ(task, real_parent, tgid);
    if (bpf_core_field_exists(task->start_boottime))
        ev->start_boot_ns = BPF_CORE_READ(task, group_leader, start_boottime);
    bpf_get_current_comm(ev->comm, sizeof ev->comm);
    name = BPF_CORE_READ(task, mm, exe_file, f_path.dentry, d_name.name);
    if (name) bpf_probe_read_kernel_str(ev->exe, sizeof ev->exe, name);
    ev->exe_ino = BPF_CORE_READ(task, mm, exe_file, f_inode, i_ino);
    ev->exe_dev = BPF_CORE_READ(task, mm, exe_file, f_inode, i_sb, s_dev);
}

/* Fill the addresses, ports and namespace of an event from the socket. */
static __always_inline void fill_sock(struct conn_event *ev, const struct sock *sk)
{
    const struct inet_sock *inet = (const struct inet_sock *)sk;

    ev->family = BPF_CORE_READ(sk, __sk_common.skc_family);
    ev->sport = bpf_ntohs(BPF_CORE_READ(inet, inet_sport));
    ev->dport = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
    ev->netns = BPF_CORE_READ(sk, __sk_common.skc_net.net, ns.inum);
    if (ev->family == S_AF_INET6) {
        BPF_CORE_READ_INTO(&ev->saddr, sk, __sk_common.skc_v6_rcv_saddr.in6_u.u6_addr8);
        BPF_CORE_READ_INTO(&ev->daddr, sk, __sk_common.skc_v6_daddr.in6_u.u6_addr8);
    } else {
        BPF_CORE_READ_INTO((__u32 *)ev->saddr, sk, __sk_common.skc_rcv_saddr);
        BPF_CORE_READ_INTO((__u32 *)ev->daddr, sk, __sk_common.skc_daddr);
    }
}

/* Copy the owner to the ring buffer as an event of this kind. */
static __always_inline void emit(struct owner *o, const struct sock *sk, __u8 kind)
{
    const struct tcp_sock *tp = (const struct tcp_sock *)sk;
    struct conn_event *ev = bpf_ringbuf_reserve(&events, sizeof *ev, 0);

    if (!ev) {
        count_lost(CONN_LOST_RINGBUF);
        return;
    }
    __builtin_memcpy(ev, &o->ev, sizeof *ev);
    ev->kind = kind;
    ev->ts_boot_ns = bpf_ktime_get_boot_ns();
    fill_sock(ev, sk);
    ev->bytes_sent = BPF_CORE_READ(tp, bytes_sent);
    ev->bytes_acked = BPF_CORE_READ(tp, bytes_acked);
    ev->bytes_received = BPF_CORE_READ(tp, bytes_received);
    bpf_ringbuf_submit(ev, 0);
}

/* inet_sock_set_state(const struct sock *sk, int oldstate, int newstate) */
SEC("raw_tp/inet_sock_set_state")
int BPF_PROG(postern_conn_state, const struct sock *sk, int oldstate, int newstate)
{
    __u64 key = (__u64)(unsigned long)sk;
    struct owner *o;

    if (BPF_CORE_READ(sk, sk_protocol) != S_IPPROTO_TCP) return 0;

    if (newstate == S_SYN_SENT) {
        /* connect(): current is the owner. The map value is too big for
         * the BPF stack, so it is built in place. */
        struct owner zero = {};
        __u16 family = BPF_CORE_READ(sk, __sk_common.skc_family);

        if (family != S_AF_INET && family != S_AF_INET6) return 0;
        if (bpf_map_lookup_elem(&owners, &key)) count_lost(CONN_LOST_CLOSE); /* a leftover: see below */
        if (bpf_map_update_elem(&owners, &key, &zero, BPF_ANY) != 0) {
            count_lost(CONN_LOST_MAPFULL);
            return 0;
        }
        o = bpf_map_lookup_elem(&owners, &key);
        if (o) {
            fill_owner(&o->ev);
            fill_sock(&o->ev, sk); /* the peer is set before SYN_SENT: the entry's identity */
        }
        return 0;
    }

    o = bpf_map_lookup_elem(&owners, &key);
    if (!o) return 0; /* not an outbound socket seen at SYN_SENT */
    /* The kernel skips this program when it is already running on the CPU
     * (a softirq's state change interrupting a connect()'s SYN_SENT run;
     * counted in the program's recursion_misses): a close skipped so leaves
     * its owner here, and a later socket at the same address (an accepted
     * one, say) would inherit it. An owner whose peer is not this socket's
     * is such a leftover: counted, dropped, never emitted. */
    if (BPF_CORE_READ(sk, __sk_common.skc_dport) != bpf_htons(o->ev.dport) ||
        BPF_CORE_READ(sk, __sk_common.skc_family) != o->ev.family) {
        count_lost(CONN_LOST_CLOSE);
        bpf_map_delete_elem(&owners, &key);
        return 0;
    }

    if (oldstate == S_SYN_SENT && newstate == S_ESTABLISHED) {
        emit(o, sk, CONN_CONNECT);
    } else if (newstate == S_CLOSE) {
        if (oldstate == S_FIN_WAIT2) o->ev.peer_fin = 1; /* via TIME_WAIT */
        emit(o, sk, oldstate == S_SYN_SENT ? CONN_CONNECT_FAIL : CONN_CLOSE);
        bpf_map_delete_elem(&owners, &key);
    } else if (newstate == S_CLOSE_WAIT || newstate == S_CLOSING) {
        o->ev.peer_fin = 1;
    }
    return 0;
}
