/* sensor.c — `postern sensor`: live outbound-TCP records in postern's schema.
 *
 * Sits in front of the pipeline: it produces the JSON Lines that `postern
 * query` and `postern detect` read. Events come from the eBPF backend
 * (sensor_bpf.c); connections open before the start come from a
 * NETLINK_SOCK_DIAG dump joined with a /proc/PID/fd scan; where BPF cannot
 * load, the same dump is polled every 10 ms (which misses short connections).
 * This file resolves process paths and user names and writes the records.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <linux/tcp.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "arena.h"
#include "cli.h"
#include "sensor.h"

#define SENSOR_POLL_MS 10           /* sock_diag polling period (fallback) */
#define SENSOR_REPORT_S 5           /* lost-event report period when nonzero */
#define SENSOR_BATCH_MS 50          /* busy: after a batch of events, wait this long so the next ones batch up */
#define SENSOR_BUSY_RATE 500        /* events in the last second that make the sensor busy */
#define SENSOR_CACHE 512            /* process-path and user cache slots */
#define SENSOR_DEFAULT_CATEGORY "endpoint/linux/sensor/network"

static const char usage_sensor_head[] =
    "usage: postern sensor [-o FILE] [--duration S] [--category CAT] [--user NAME] [--poll] [--check]\n"
    "\n"
    "Record every outbound TCP connection of this host (IPv4 and IPv6, every network\n"
    "namespace) as JSON Lines in postern's schema, one line per event, flushed per batch:\n"
    "state connect, connect_failed or close (with bytes_out/bytes_in), and open for\n"
    "connections that existed at start. Uses an eBPF program on the\n"
    "sock:inet_sock_set_state tracepoint (root, or CAP_BPF and CAP_PERFMON); where it\n"
    "cannot load, says why and polls sock_diag every 10 ms, which misses short connections.\n"
    "\n";

static const char usage_sensor_tail[] =
    "\n"
    "Once started it drops every capability but CAP_SYS_PTRACE (to name other users'\n"
    "processes; CAP_DAC_READ_SEARCH too when polling) from all its sets and sets no_new_privs.\n"
    "\n"
    "stderr: a line `postern sensor: ready (...)` once recording; lost events every 5 s when\n"
    "there are any, and a total at exit. exit status: 0 ok, 2 usage or error.\n";

/* ---- record formatting ------------------------------------------------------ */

/* Append s as a JSON string literal: runs of plain bytes are copied at once
 * (this is the sensor's hot path: one record per connection event). */
static void put_jstr(buf_t *b, const char *s) {
    buf_putc(b, '"');
    const unsigned char *run = (const unsigned char *)s, *p = run;
    for (; *p; p++) {
        if (*p != '"' && *p != '\\' && *p >= 0x20 && *p != 0x7f) continue;
        buf_put(b, run, (size_t)(p - run));
        if (*p == '"' || *p == '\\') {
            char e[2] = {'\\', (char)*p};
            buf_put(b, e, 2);
        } else {
            buf_printf(b, "\\u%04x", *p);
        }
        run = p + 1;
    }
    buf_put(b, run, (size_t)(p - run));
    buf_putc(b, '"');
}

/* Append a string literal (its length known at compile time). */
#define PUT_LIT(b, lit) buf_put((b), (lit), sizeof(lit) - 1)

/* Append v in decimal (no printf: the hot path). */
static void put_u64(buf_t *b, uint64_t v) {
    char t[24];
    size_t i = sizeof t;
    do {
        t[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    buf_put(b, t + i, sizeof t - i);
}

/* Append ",\"key\":" then v, or null when !have. */
static void put_num_field(buf_t *b, const char *key_lit, size_t keylen, bool have, uint64_t v) {
    buf_put(b, key_lit, keylen);
    if (have) put_u64(b, v);
    else PUT_LIT(b, "null");
}
#define PUT_NUM(b, lit, have, v) put_num_field((b), (lit), sizeof(lit) - 1, (have), (v))

/* Write the IPv4 address a[0..4) as dotted decimal into out (>= 16 bytes). */
static void ipv4_str(const uint8_t *a, char *out) {
    char *o = out;
    for (int i = 0; i < 4; i++) {
        unsigned v = a[i];
        if (v >= 100) *o++ = (char)('0' + v / 100);
        if (v >= 10) *o++ = (char)('0' + v / 10 % 10);
        *o++ = (char)('0' + v % 10);
        *o++ = i < 3 ? '.' : 0;
    }
}

/* See sensor.h. */
void sensor_addr_str(int family, const uint8_t addr[16], char *out, size_t outlen) {
    static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (outlen >= 16 && (family != AF_INET6 || memcmp(addr, mapped, 12) == 0)) {
        ipv4_str(family == AF_INET6 ? addr + 12 : addr, out);
    } else if (family == AF_INET6 && memcmp(addr, mapped, 12) == 0) {
        inet_ntop(AF_INET, addr + 12, out, (socklen_t)outlen);
    } else if (family == AF_INET6) {
        inet_ntop(AF_INET6, addr, out, (socklen_t)outlen);
    } else {
        inet_ntop(AF_INET, addr, out, (socklen_t)outlen);
    }
}

/* See sensor.h. */
void sensor_format_json(const sensor_conn_t *c, buf_t *b) {
    char sa[INET6_ADDRSTRLEN], da[INET6_ADDRSTRLEN];
    sensor_addr_str(c->family, c->saddr, sa, sizeof sa);
    sensor_addr_str(c->family, c->daddr, da, sizeof da);
    PUT_LIT(b, "{\"_messageTime\":");
    if (c->time_ms < 0) PUT_LIT(b, "-");
    put_u64(b, (uint64_t)(c->time_ms < 0 ? -c->time_ms : c->time_ms));
    PUT_LIT(b, ",\"_sourceCategory\":");
    put_jstr(b, c->category ? c->category : SENSOR_DEFAULT_CATEGORY);
    PUT_LIT(b, ",\"host\":");
    put_jstr(b, c->host ? c->host : "");
    PUT_LIT(b, ",\"process_name\":");
    if (c->process_name) put_jstr(b, c->process_name);
    else PUT_LIT(b, "null");
    if (c->name_source) {
        PUT_LIT(b, ",\"process_name_source\":");
        put_jstr(b, c->name_source);
    }
    PUT_LIT(b, ",\"comm\":");
    put_jstr(b, c->comm);
    PUT_NUM(b, ",\"pid\":", true, c->pid);
    PUT_NUM(b, ",\"ppid\":", c->ppid != 0, c->ppid);
    PUT_NUM(b, ",\"uid\":", c->have_uid, c->uid);
    PUT_LIT(b, ",\"user\":");
    if (c->user) put_jstr(b, c->user);
    else PUT_LIT(b, "null");
    PUT_LIT(b, ",\"src_ip\":");
    put_jstr(b, sa);
    PUT_NUM(b, ",\"src_port\":", true, c->sport);
    PUT_LIT(b, ",\"dest_ip\":");
    put_jstr(b, da);
    PUT_NUM(b, ",\"dest_port\":", true, c->dport);
    PUT_LIT(b, ",\"protocol\":\"tcp\",\"direction\":");
    put_jstr(b, c->direction ? c->direction : "outbound");
    PUT_NUM(b, ",\"bytes_out\":", c->have_bytes, c->bytes_out);
    PUT_NUM(b, ",\"bytes_in\":", c->have_bytes, c->bytes_in);
    PUT_LIT(b, ",\"state\":");
    put_jstr(b, c->state);
    PUT_NUM(b, ",\"netns\":", c->netns != 0, c->netns);
    buf_putc(b, '}');
}

/* ---- process and user resolution -------------------------------------------- */

/* A cached process path, keyed by pid and start time (pids wrap). */
typedef struct proc_slot {
    uint32_t pid;          /* 0 = empty */
    uint64_t start;        /* start_boot_ns of the event that filled it */
    char *path;            /* full executable path, owned */
} proc_slot_t;

/* A full executable path learned from /proc/PID/exe, keyed by the file's
 * identity (device and inode from the kernel), for events whose process
 * has exited before the event was read. */
typedef struct exe_slot {
    uint64_t ino;          /* 0 = empty */
    uint32_t dev;          /* kernel encoding */
    char *path;            /* owned */
} exe_slot_t;

/* A cached user name. */
typedef struct user_slot {
    bool used;             /* slot filled */
    uint32_t uid;          /* key */
    char *name;            /* owned; NULL when uid has no passwd entry */
} user_slot_t;

/* The running sensor's state. */
typedef struct sensor {
    FILE *out;                       /* where records go */
    const char *category;            /* _sourceCategory */
    char host[256];                  /* gethostname */
    long clk_tck;                    /* sysconf(_SC_CLK_TCK) */
    proc_slot_t procs[SENSOR_CACHE]; /* process path cache */
    exe_slot_t exes[SENSOR_CACHE];   /* executable path by file identity */
    user_slot_t users[SENSOR_CACHE]; /* user name cache */
    buf_t line;                      /* output line being built */
    const sensor_run_t *run;         /* line and tick callbacks (borrowed) */
    uint64_t nevents;                /* records written */
    bool write_error;                /* output failed: stop */
    bool dirty;                      /* records written since the last flush */
} sensor_t;

/* The basename of path. */
static const char *base_of(const char *path) {
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

/* Start time of pid in clock ticks since boot (/proc/PID/stat field 22), or -1. */
static long long proc_start_ticks(uint32_t pid) {
    char p[64], buf[1024];
    snprintf(p, sizeof p, "/proc/%u/stat", pid);
    int fd = open(p, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0) return -1;
    buf[n] = 0;
    char *s = strrchr(buf, ')'); /* comm may hold spaces and parentheses */
    if (!s) return -1;
    s++;
    for (int field = 3; field < 22 && s; field++) s = strchr(s + 1, ' '); /* s: the space before field 22 */
    return s ? strtoll(s + 1, NULL, 10) : -1;
}

/* The full executable path of pid if it is still the process of the event
 * (same start time when known, same basename), else NULL. Owned by the caller. */
static char *proc_exe(sensor_t *S, uint32_t pid, uint64_t start_boot_ns, const char *exe) {
    if (start_boot_ns && S->clk_tck > 0) {
        long long t = proc_start_ticks(pid);
        long long want = (long long)(start_boot_ns / (1000000000ULL / (uint64_t)S->clk_tck));
        if (t < 0 || t < want - 1 || t > want + 1) return NULL;
    }
    char p[64], path[4096];
    snprintf(p, sizeof p, "/proc/%u/exe", pid);
    ssize_t n = readlink(p, path, sizeof path - 1);
    if (n <= 0) return NULL;
    path[n] = 0;
    static const char deleted[] = " (deleted)";
    size_t dl = sizeof deleted - 1;
    if ((size_t)n > dl && strcmp(path + n - dl, deleted) == 0) path[n - dl] = 0;
    /* The kernel's d_name may be truncated to the event's 63 bytes. */
    if (exe && *exe && strncmp(base_of(path), exe, strlen(exe)) != 0) return NULL;
    return xstrndup(path, strlen(path));
}

/* Directories where an exited process's executable is looked for by name. */
static const char *const exe_dirs[] = {"/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"};

/* True when st is the file with kernel device dev and inode ino. */
static bool same_file(const struct stat *st, uint32_t dev, uint64_t ino) {
    return (uint64_t)st->st_ino == ino && major(st->st_dev) == dev >> 20 && minor(st->st_dev) == (dev & 0xfffff);
}

/* The path of c's executable found by its basename in exe_dirs and checked
 * to be the same file (device and inode), or NULL. Owned by the caller. */
static char *exe_by_identity(const sensor_conn_t *c) {
    if (!c->exe[0] || strchr(c->exe, '/')) return NULL;
    for (size_t i = 0; i < sizeof exe_dirs / sizeof exe_dirs[0]; i++) {
        char path[256];
        struct stat st;
        snprintf(path, sizeof path, "%s/%s", exe_dirs[i], c->exe);
        if (stat(path, &st) == 0 && same_file(&st, c->exe_dev, c->exe_ino)) return xstrndup(path, strlen(path));
    }
    return NULL;
}

/* The exe cache slot of c's executable (by device and inode). */
static exe_slot_t *exe_slot(sensor_t *S, const sensor_conn_t *c) {
    return &S->exes[(c->exe_ino * 2654435761u ^ c->exe_dev) % SENSOR_CACHE];
}

/* Set c->process_name and c->name_source: the process's path from the cache
 * or /proc/PID/exe ("proc_exe"); when the process is gone, the path known
 * for the same executable file, by device and inode: seen before for
 * another process, or found by its basename in the usual bin directories
 * ("exe_inode"); else the kernel's basename ("kernel_basename"). */
static void resolve_process(sensor_t *S, sensor_conn_t *c) {
    proc_slot_t *slot = &S->procs[(c->pid * 2654435761u) % SENSOR_CACHE];
    if (!(slot->pid == c->pid && slot->start == c->start_boot_ns && slot->path)) {
        char *path = proc_exe(S, c->pid, c->start_boot_ns, c->exe);
        if (path) {
            free(slot->path);
            slot->pid = c->pid;
            slot->start = c->start_boot_ns;
            slot->path = path;
        }
    }
    exe_slot_t *es = c->exe_ino ? exe_slot(S, c) : NULL;
    if (slot->pid == c->pid && slot->start == c->start_boot_ns && slot->path) {
        c->process_name = slot->path;
        c->name_source = "proc_exe";
        if (es && !(es->ino == c->exe_ino && es->dev == c->exe_dev && es->path && !strcmp(es->path, slot->path))) {
            free(es->path);
            es->ino = c->exe_ino;
            es->dev = c->exe_dev;
            es->path = xstrndup(slot->path, strlen(slot->path));
        }
    } else if (es && es->ino == c->exe_ino && es->dev == c->exe_dev && es->path) {
        c->process_name = es->path[0] ? es->path : c->exe; /* "" = looked for, not found */
        c->name_source = es->path[0] ? "exe_inode" : "kernel_basename";
    } else if (es) {
        char *path = exe_by_identity(c);
        free(es->path);
        es->ino = c->exe_ino;
        es->dev = c->exe_dev;
        es->path = path ? path : xstrndup("", 0);
        c->process_name = path ? es->path : c->exe[0] ? c->exe : c->comm;
        c->name_source = path ? "exe_inode" : "kernel_basename";
    } else {
        c->process_name = c->exe[0] ? c->exe : c->comm;
        c->name_source = "kernel_basename";
    }
}

/* Set c->user from the cache or getpwuid. */
static void resolve_user(sensor_t *S, sensor_conn_t *c) {
    if (!c->have_uid) return;
    user_slot_t *slot = &S->users[c->uid % SENSOR_CACHE];
    if (!slot->used || slot->uid != c->uid) {
        free(slot->name);
        struct passwd *pw = getpwuid(c->uid);
        slot->name = pw ? xstrndup(pw->pw_name, strlen(pw->pw_name)) : NULL;
        slot->uid = c->uid;
        slot->used = true;
    }
    c->user = slot->name;
}

/* Resolve, format and write one record (a sensor_emit_fn). */
static void write_event(void *ctx, const sensor_conn_t *ev) {
    sensor_t *S = ctx;
    sensor_conn_t c = *ev;
    c.category = S->category;
    c.host = S->host;
    if (!c.process_name && !c.name_source) resolve_process(S, &c);
    resolve_user(S, &c);
    buf_clear(&S->line);
    sensor_format_json(&c, &S->line);
    buf_putc(&S->line, '\n');
    if (S->run && S->run->line) S->run->line(S->run->ctx, &c, S->line.p, S->line.n);
    else if (fwrite(S->line.p, 1, S->line.n, S->out) != S->line.n) S->write_error = true;
    S->dirty = true;
    S->nevents++;
}

/* Flush the records of the last batch (one write for the batch, not one per line). */
static void flush_out(sensor_t *S) {
    if (!S->dirty) return;
    S->dirty = false;
    if (!(S->run && S->run->line) && fflush(S->out) != 0) S->write_error = true;
}

/* ---- sock_diag -------------------------------------------------------------- */

#define ST_ESTABLISHED 1
#define ST_LISTEN 10
#define ST_TIME_WAIT 6
#define ST_MASK(s) (1u << (s))

/* One socket of a sock_diag dump. */
typedef struct diag_sock {
    uint64_t cookie;       /* kernel socket cookie */
    int family;            /* AF_INET or AF_INET6 */
    int state;             /* TCP state */
    uint8_t saddr[16];     /* local address */
    uint8_t daddr[16];     /* remote address */
    uint16_t sport, dport; /* host order */
    uint32_t uid;          /* socket owner uid */
    uint32_t inode;        /* socket inode (0 in TIME_WAIT) */
    bool have_bytes;       /* tcp_info had the byte counters */
    uint64_t bytes_out;    /* tcpi_bytes_sent */
    uint64_t bytes_in;     /* tcpi_bytes_received */
    uint32_t pid, ppid;    /* owner, once resolved (0 = unknown) */
    uint64_t start_boot_ns; /* owner start, for the path cache */
    char comm[16];         /* owner name */
} diag_sock_t;

/* A growable list of sockets. */
typedef struct diag_list {
    diag_sock_t *v;        /* owned */
    size_t n, cap;
} diag_list_t;

/* Dump TCP sockets of family in the states of mask into l; -1 on error. */
static int diag_dump(int fd, int family, uint32_t mask, diag_list_t *l) {
    struct {
        struct nlmsghdr nlh;
        struct inet_diag_req_v2 r;
    } req;
    memset(&req, 0, sizeof req);
    req.nlh.nlmsg_len = sizeof req;
    req.nlh.nlmsg_type = SOCK_DIAG_BY_FAMILY;
    req.nlh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
    req.r.sdiag_family = (uint8_t)family;
    req.r.sdiag_protocol = IPPROTO_TCP;
    req.r.idiag_states = mask;
    req.r.idiag_ext = 1u << (INET_DIAG_INFO - 1);
    struct sockaddr_nl sa = {.nl_family = AF_NETLINK};
    if (sendto(fd, &req, sizeof req, 0, (struct sockaddr *)&sa, sizeof sa) < 0) return -1;
    static long buf[8192];
    for (;;) {
        ssize_t n = recv(fd, buf, sizeof buf, 0);
        if (n < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, (size_t)n); h = NLMSG_NEXT(h, n)) {
            if (h->nlmsg_type == NLMSG_DONE) return 0;
            if (h->nlmsg_type == NLMSG_ERROR) {
                errno = EPROTO;
                return -1;
            }
            if (h->nlmsg_type != SOCK_DIAG_BY_FAMILY) continue;
            struct inet_diag_msg *m = NLMSG_DATA(h);
            if (l->n == l->cap) {
                l->cap = l->cap ? 2 * l->cap : 64;
                l->v = xrealloc(l->v, l->cap * sizeof *l->v);
            }
            diag_sock_t *d = &l->v[l->n++];
            memset(d, 0, sizeof *d);
            d->cookie = (uint64_t)m->id.idiag_cookie[1] << 32 | m->id.idiag_cookie[0];
            d->family = m->idiag_family;
            d->state = m->idiag_state;
            memcpy(d->saddr, m->id.idiag_src, 16);
            memcpy(d->daddr, m->id.idiag_dst, 16);
            d->sport = ntohs(m->id.idiag_sport);
            d->dport = ntohs(m->id.idiag_dport);
            d->uid = m->idiag_uid;
            d->inode = m->idiag_inode;
            int alen = (int)(h->nlmsg_len - NLMSG_LENGTH(sizeof *m));
            for (struct rtattr *a = (struct rtattr *)(m + 1); RTA_OK(a, alen); a = RTA_NEXT(a, alen)) {
                if (a->rta_type != INET_DIAG_INFO) continue;
                const struct tcp_info *ti = RTA_DATA(a);
                size_t len = RTA_PAYLOAD(a);
                if (len >= offsetof(struct tcp_info, tcpi_bytes_sent) + sizeof ti->tcpi_bytes_sent) {
                    d->have_bytes = true;
                    d->bytes_out = ti->tcpi_bytes_sent;
                    d->bytes_in = ti->tcpi_bytes_received;
                }
            }
        }
    }
}

/* Dump both families; -1 on error. */
static int diag_dump_all(int fd, uint32_t mask, diag_list_t *l) {
    l->n = 0;
    if (diag_dump(fd, AF_INET, mask, l) != 0) return -1;
    return diag_dump(fd, AF_INET6, mask, l);
}

/* True when d's local port is a listening port in l (an inbound connection). */
static bool is_inbound(const diag_list_t *l, const diag_sock_t *d) {
    for (size_t i = 0; i < l->n; i++)
        if (l->v[i].state == ST_LISTEN && l->v[i].sport == d->sport) return true;
    return false;
}

/* Find the processes owning the sockets want[0..n) (by inode): fills pids[i]
 * (0 when not found). Scans /proc newest pid first; stops when all found. */
static void owners_scan(const uint32_t *want, uint32_t *pids, size_t n) {
    size_t left = 0;
    for (size_t i = 0; i < n; i++) {
        pids[i] = 0;
        if (want[i]) left++;
    }
    if (!left) return;
    DIR *proc = opendir("/proc");
    if (!proc) return;
    uint32_t *all = NULL;
    size_t na = 0, cap = 0;
    for (struct dirent *e; (e = readdir(proc));) {
        char *end;
        unsigned long pid = strtoul(e->d_name, &end, 10);
        if (*end || !pid) continue;
        if (na == cap) all = xrealloc(all, (cap = cap ? 2 * cap : 256) * sizeof *all);
        all[na++] = (uint32_t)pid;
    }
    closedir(proc);
    for (size_t k = na; k-- > 0 && left;) {
        char p[64];
        snprintf(p, sizeof p, "/proc/%u/fd", all[k]);
        int dfd = open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0) continue;
        DIR *fds = fdopendir(dfd);
        if (!fds) {
            close(dfd);
            continue;
        }
        for (struct dirent *e; left && (e = readdir(fds));) {
            char link[64];
            ssize_t ln = readlinkat(dfd, e->d_name, link, sizeof link - 1);
            if (ln < 9 || memcmp(link, "socket:[", 8) != 0) continue;
            link[ln] = 0;
            uint32_t ino = (uint32_t)strtoul(link + 8, NULL, 10);
            for (size_t i = 0; i < n; i++)
                if (want[i] == ino && !pids[i]) {
                    pids[i] = all[k];
                    left--;
                }
        }
        closedir(fds);
    }
    free(all);
}

/* Fill the owner fields of c from /proc/PID/status and /proc/PID/stat. */
static void owner_fill(sensor_t *S, sensor_conn_t *c, uint32_t pid) {
    c->pid = pid;
    long long t = proc_start_ticks(pid);
    if (t > 0 && S->clk_tck > 0) c->start_boot_ns = (uint64_t)t * (1000000000ULL / (uint64_t)S->clk_tck);
    char p[64], line[256];
    snprintf(p, sizeof p, "/proc/%u/status", pid);
    FILE *f = fopen(p, "re");
    if (!f) return;
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, "Name:\t", 6) == 0) {
            line[strcspn(line, "\n")] = 0;
            size_t k = strlen(line + 6);
            if (k >= sizeof c->comm) k = sizeof c->comm - 1;
            memcpy(c->comm, line + 6, k);
            c->comm[k] = 0;
        } else if (strncmp(line, "PPid:\t", 6) == 0) {
            c->ppid = (uint32_t)strtoul(line + 6, NULL, 10);
        }
    }
    fclose(f);
}

/* Epoch milliseconds now. */
static int64_t now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Inode of this process's network namespace (sock_diag sees only it), or 0. */
static uint32_t diag_netns(void) {
    static uint32_t ino;
    struct stat st;
    if (!ino && stat("/proc/self/ns/net", &st) == 0) ino = (uint32_t)st.st_ino;
    return ino;
}

/* Build the record of a sock_diag socket, with the owner remembered in d. */
static void conn_from_diag(sensor_conn_t *c, const diag_sock_t *d, const char *state) {
    memset(c, 0, sizeof *c);
    c->time_ms = now_ms();
    c->state = state;
    c->direction = "outbound";
    c->uid = d->uid;
    c->have_uid = true;
    c->family = d->family;
    memcpy(c->saddr, d->saddr, 16);
    memcpy(c->daddr, d->daddr, 16);
    c->sport = d->sport;
    c->dport = d->dport;
    c->have_bytes = d->have_bytes;
    c->bytes_out = d->bytes_out;
    c->bytes_in = d->bytes_in;
    c->netns = diag_netns();
    c->pid = d->pid;
    c->ppid = d->ppid;
    c->start_boot_ns = d->start_boot_ns;
    memcpy(c->comm, d->comm, sizeof c->comm);
    if (!d->pid) c->name_source = "unknown"; /* owner gone, or pid 1 (root cannot read its fds) */
}

/* Write records for the outbound sockets of l that are new (not in seen, or
 * all when seen is NULL), owners resolved in one /proc scan; sockets already
 * in seen take their owner from there. Returns the number written. */
static size_t diag_emit_new(sensor_t *S, diag_list_t *l, const diag_list_t *seen, const char *state) {
    size_t n = 0;
    uint32_t *want = xcalloc(l->n + 1, sizeof *want), *pids = xcalloc(l->n + 1, sizeof *pids);
    size_t *idx = xcalloc(l->n + 1, sizeof *idx);
    for (size_t i = 0; i < l->n; i++) {
        diag_sock_t *d = &l->v[i];
        if (d->state == ST_LISTEN || d->state == ST_TIME_WAIT || is_inbound(l, d)) continue;
        const diag_sock_t *old = NULL;
        for (size_t j = 0; seen && j < seen->n && !old; j++)
            if (seen->v[j].cookie == d->cookie) old = &seen->v[j];
        if (old) {
            d->pid = old->pid;
            d->ppid = old->ppid;
            d->start_boot_ns = old->start_boot_ns;
            memcpy(d->comm, old->comm, sizeof d->comm);
            continue;
        }
        idx[n] = i;
        want[n++] = d->inode;
    }
    owners_scan(want, pids, n);
    for (size_t k = 0; k < n; k++) {
        diag_sock_t *d = &l->v[idx[k]];
        sensor_conn_t c;
        if (pids[k]) {
            memset(&c, 0, sizeof c);
            owner_fill(S, &c, pids[k]);
            d->pid = c.pid;
            d->ppid = c.ppid;
            d->start_boot_ns = c.start_boot_ns;
            memcpy(d->comm, c.comm, sizeof d->comm);
        }
        conn_from_diag(&c, d, state);
        write_event(S, &c);
    }
    free(want);
    free(pids);
    free(idx);
    return n;
}

/* Open a NETLINK_SOCK_DIAG socket, or -1. */
static int diag_open(void) {
    return socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
}

#define DIAG_LIVE (ST_MASK(1) | ST_MASK(2) | ST_MASK(4) | ST_MASK(5) | ST_MASK(8) | ST_MASK(9) | ST_MASK(11))

/* ---- the command -------------------------------------------------------------- */

/* The signal that asked to stop, 0 while running. */
static volatile sig_atomic_t stop_signal;

/* SIGINT/SIGTERM: ask the loops to stop (they flush and exit 0). */
static void on_signal(int sig) { stop_signal = sig; }

/* Seconds since an arbitrary point (CLOCK_MONOTONIC). */
static double mono_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Write the startup snapshot (state "open") and return its size; l receives
 * the dump (with owners), the polling fallback's first "previous" dump. */
static size_t snapshot(sensor_t *S, int fd, diag_list_t *l) {
    if (fd < 0 || diag_dump_all(fd, DIAG_LIVE | ST_MASK(ST_LISTEN), l) != 0) {
        fprintf(stderr, "postern sensor: no startup snapshot (sock_diag: %s)\n", strerror(errno));
        l->n = 0;
        return 0;
    }
    return diag_emit_new(S, l, NULL, "open");
}

/* The polling fallback: diff sock_diag dumps every SENSOR_POLL_MS. */
static int run_poll(sensor_t *S, int fd, double deadline, diag_list_t *prev) {
    diag_list_t cur = {0};
    while (!stop_signal && !S->write_error && (deadline <= 0 || mono_s() < deadline)) {
        struct timespec ts = {0, SENSOR_POLL_MS * 1000000L};
        nanosleep(&ts, NULL);
        if (diag_dump_all(fd, DIAG_LIVE | ST_MASK(ST_LISTEN), &cur) != 0) {
            fprintf(stderr, "postern sensor: sock_diag: %s\n", strerror(errno));
            free(cur.v);
            return 2;
        }
        diag_emit_new(S, &cur, prev, "connect");
        for (size_t i = 0; i < prev->n; i++) {
            const diag_sock_t *d = &prev->v[i];
            if (d->state == ST_LISTEN || is_inbound(prev, d)) continue;
            bool alive = false;
            for (size_t j = 0; j < cur.n && !alive; j++) alive = cur.v[j].cookie == d->cookie;
            if (alive) continue;
            sensor_conn_t c;
            conn_from_diag(&c, d, "close");
            write_event(S, &c);
        }
        diag_list_t t = *prev;
        *prev = cur;
        cur = t;
        flush_out(S);
        if (S->run && S->run->tick && S->run->tick(S->run->ctx)) break;
    }
    free(cur.v);
    return 0;
}

/* The eBPF loop: poll the ring buffer, flush each batch, report losses.
 * When busy (more than SENSOR_BUSY_RATE events a second), each batch is
 * followed by a SENSOR_BATCH_MS pause: the ring buffer wakes the reader for
 * every event it finds waiting, so without the pause the cost would be one
 * wakeup (and one write) per event. When quiet, events are read at once,
 * while their short-lived processes are most likely still there to name. */
static void run_bpf(sensor_t *S, sensor_bpf_t *b, double deadline) {
    double next_report = mono_s() + SENSOR_REPORT_S;
    uint64_t reported = 0;
    double second = mono_s();        /* start of the current one-second count */
    uint64_t at_second = S->nevents; /* events written before it */
    bool busy = false;               /* more than SENSOR_BUSY_RATE events in the last second */
    while (!stop_signal && !S->write_error) {
        double now = mono_s();
        if (deadline > 0 && now >= deadline) break;
        int timeout = S->run && S->run->tick_ms > 0 ? S->run->tick_ms : 200;
        if (deadline > 0 && (deadline - now) * 1000 < timeout) timeout = (int)((deadline - now) * 1000) + 1;
        int n = sensor_bpf_poll(b, timeout, write_event, S);
        if (n < 0 && errno != EINTR) {
            fprintf(stderr, "postern sensor: ring buffer: %s\n", strerror(errno));
            break;
        }
        flush_out(S);
        if (S->run && S->run->tick && S->run->tick(S->run->ctx)) break;
        if (mono_s() - second >= 1) {
            busy = S->nevents - at_second > SENSOR_BUSY_RATE;
            second = mono_s();
            at_second = S->nevents;
        }
        if (n > 0 && (busy || S->nevents - at_second > SENSOR_BUSY_RATE) && !stop_signal) {
            struct timespec ts = {0, SENSOR_BATCH_MS * 1000000L};
            nanosleep(&ts, NULL);
        }
        if (mono_s() >= next_report) {
            uint64_t rb, mf;
            sensor_bpf_lost(b, &rb, &mf);
            if (rb + mf != reported)
                fprintf(stderr, "postern sensor: %llu events lost so far (ring buffer full: %llu, owner map full: %llu)\n",
                        (unsigned long long)(rb + mf), (unsigned long long)rb, (unsigned long long)mf);
            reported = rb + mf;
            next_report = mono_s() + SENSOR_REPORT_S;
        }
    }
    /* Drain what is already in the ring buffer. */
    while (!S->write_error && sensor_bpf_poll(b, 0, write_event, S) > 0) {
    }
    flush_out(S);
}

/* See sensor.h. */
int sensor_run(const sensor_run_t *o) {
    char why[512] = "";
    sensor_bpf_t *b = NULL;
    if (!o->force_poll) b = sensor_bpf_open(why, sizeof why);
    if (!b && !o->force_poll && !sensor_bpf_built()) {
        /* A build without the program is a setup problem, not a runtime one:
         * polling is only used when asked for (--poll). */
        fprintf(stderr, "postern sensor: %s; or use --poll (sock_diag polling misses short connections)\n", why);
        return 2;
    }
    int fd = diag_open();
    if (o->drop_privileges) {
        char pwhy[256];
        if (sensor_drop_privileges(o->user, !b, b, pwhy, sizeof pwhy) != 0) {
            fprintf(stderr, "postern sensor: cannot drop privileges: %s\n", pwhy);
            sensor_bpf_close(b);
            if (fd >= 0) close(fd);
            return 2;
        }
        if (!o->quiet) fprintf(stderr, "postern sensor: privileges dropped: %s\n", pwhy);
    }
    sensor_t *S = xcalloc(1, sizeof *S);
    S->category = o->category ? o->category : SENSOR_DEFAULT_CATEGORY;
    S->clk_tck = sysconf(_SC_CLK_TCK);
    if (gethostname(S->host, sizeof S->host - 1) != 0) snprintf(S->host, sizeof S->host, "localhost");
    S->out = o->out ? o->out : stdout;
    S->run = o;

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal; /* no SA_RESTART: the poll returns EINTR */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    diag_list_t snap = {0};
    int status = 0;
    double deadline = o->duration > 0 ? mono_s() + o->duration : 0;
    if (b) {
        size_t nopen = snapshot(S, fd, &snap); /* after attaching: nothing falls between the two */
        if (!o->quiet)
            fprintf(stderr,
                    "postern sensor: ready (eBPF raw_tp/inet_sock_set_state, %zu outbound connections open at start)\n",
                    nopen);
        run_bpf(S, b, deadline);
    } else {
        if (!o->force_poll)
            fprintf(stderr, "postern sensor: eBPF unavailable: %s\n", why);
        if (fd < 0) {
            fprintf(stderr, "postern sensor: NETLINK_SOCK_DIAG unavailable too: %s\n", strerror(errno));
            status = 2;
        } else {
            fprintf(stderr, "postern sensor: %s sock_diag polling every %d ms; polling MISSES short "
                            "connections (a 1-2 ms connection is seen about 1 time in 4) and owners that exit before "
                            "the /proc scan\n", o->force_poll ? "using" : "falling back to", SENSOR_POLL_MS);
            size_t nopen = snapshot(S, fd, &snap);
            if (!o->quiet)
                fprintf(stderr, "postern sensor: ready (sock_diag polling, %zu outbound connections open at start)\n",
                        nopen);
            status = run_poll(S, fd, deadline, &snap);
        }
    }

    if (!o->line && fflush(S->out) != 0) S->write_error = true;
    if (S->write_error) {
        fprintf(stderr, "postern sensor: write error: %s\n", strerror(errno));
        status = 2;
    }
    if (b) {
        uint64_t rb, mf;
        sensor_bpf_lost(b, &rb, &mf);
        fprintf(stderr, "postern sensor: %llu events written, %llu lost (ring buffer full: %llu, owner map full: %llu)\n",
                (unsigned long long)S->nevents, (unsigned long long)(rb + mf), (unsigned long long)rb,
                (unsigned long long)mf);
        uint64_t skipped, leftover, open;
        sensor_bpf_unseen(b, &skipped, &leftover, &open);
        fprintf(stderr,
                "postern sensor: %llu state changes unseen (the kernel skipped the program, busy on that CPU), "
                "%llu closes never seen (their owners found left behind), %llu connections still open at stop\n",
                (unsigned long long)skipped, (unsigned long long)leftover, (unsigned long long)open);
    } else {
        fprintf(stderr, "postern sensor: %llu events written (polling: short connections may be missing)\n",
                (unsigned long long)S->nevents);
    }
    sensor_bpf_close(b);
    if (fd >= 0) close(fd);
    free(snap.v);
    buf_free(&S->line);
    for (size_t i = 0; i < SENSOR_CACHE; i++) {
        free(S->procs[i].path);
        free(S->exes[i].path);
        free(S->users[i].name);
    }
    free(S);
    return status;
}

/* See sensor.h. */
int cmd_sensor(int argc, char **argv) {
    const char *outpath = NULL;
    sensor_run_t o = {.category = SENSOR_DEFAULT_CATEGORY, .drop_privileges = true};
    bool check = false;
    cli_args_t args;
    int rc = cli_parse(CLI_SENSOR, argc, argv, usage_sensor_head, usage_sensor_tail, &args);
    for (int i = 0; i < args.nitems && !rc; i++) {
        const char *v = args.items[i].val;
        switch (args.items[i].id) {
        case OPT_OUTPUT: outpath = v; break;
        case OPT_CATEGORY: o.category = v; break;
        case OPT_DURATION: {
            char *end;
            o.duration = strtod(v, &end);
            if (*end || end == v || !(o.duration > 0) || o.duration > 1e9) {
                fprintf(stderr, "postern sensor: --duration wants a positive number of seconds, not '%s'\n", v);
                rc = 2;
            }
            break;
        }
        case OPT_POLL: o.force_poll = true; break;
        case OPT_CHECK: check = true; break;
        case OPT_USER: o.user = v; break;
        default: break; /* (cli.c gives sensor's options only) */
        }
    }
    cli_free(&args);
    if (rc) return rc == 1 ? 0 : 2;

    if (check) {
        char why[512] = "";
        sensor_bpf_t *b = o.force_poll ? NULL : sensor_bpf_open(why, sizeof why);
        if (b) fprintf(stderr, "postern sensor: eBPF sensor loads and attaches (raw_tp/inet_sock_set_state)\n");
        else if (o.force_poll) fprintf(stderr, "postern sensor: --check with --poll checks nothing\n");
        else fprintf(stderr, "postern sensor: eBPF unavailable: %s\n", why);
        sensor_bpf_close(b);
        return b ? 0 : 2;
    }
    o.out = stdout;
    if (outpath && strcmp(outpath, "-") != 0) {
        o.out = fopen(outpath, "we");
        if (!o.out) {
            fprintf(stderr, "postern sensor: %s: %s\n", outpath, strerror(errno));
            return 2;
        }
    }
    int status = sensor_run(&o);
    if (o.out != stdout && fclose(o.out) != 0 && status == 0) {
        fprintf(stderr, "postern sensor: %s: %s\n", outpath, strerror(errno));
        status = 2;
    }
    return status;
}
