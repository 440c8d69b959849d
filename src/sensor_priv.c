/* sensor_priv.c — least privilege for `postern sensor` and `postern watch`.
 *
 * Once the eBPF program is loaded and attached and the sock_diag socket is
 * open, the sensor needs no privilege but one: reading /proc/PID/exe (and,
 * when polling, /proc/PID/fd) of other users' processes to name them. So it
 * keeps CAP_SYS_PTRACE (and CAP_DAC_READ_SEARCH when polling) if it had them,
 * drops every other capability from its effective, permitted, inheritable,
 * ambient and bounding sets, sets no_new_privs, and with --user switches to
 * that user (its primary group only) keeping just those. Raw capget/capset
 * syscalls: no libcap. Only the calling thread's sets change, so this runs
 * before any thread starts (the sensor starts none).
 */
#define _GNU_SOURCE /* setresuid, setresgid */
#include "sensor.h"

#include <errno.h>
#include <grp.h>
#include <linux/capability.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

/* A capability set as the 64-bit mask /proc/PID/status shows. */
typedef uint64_t capmask_t;

#define CAPBIT(c) ((capmask_t)1 << (c))

/* The calling thread's effective (*eff) and permitted (*prm) sets; -1 on error. */
static int caps_get(capmask_t *eff, capmask_t *prm) {
    struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
    struct __user_cap_data_struct d[2];
    memset(d, 0, sizeof d);
    if (syscall(SYS_capget, &h, d) != 0) return -1;
    *eff = (capmask_t)d[0].effective | (capmask_t)d[1].effective << 32;
    *prm = (capmask_t)d[0].permitted | (capmask_t)d[1].permitted << 32;
    return 0;
}

/* Set the effective and permitted sets, inheritable to nothing. */
static int caps_set(capmask_t eff, capmask_t prm) {
    struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
    struct __user_cap_data_struct d[2];
    memset(d, 0, sizeof d);
    d[0].effective = (uint32_t)eff;
    d[1].effective = (uint32_t)(eff >> 32);
    d[0].permitted = (uint32_t)prm;
    d[1].permitted = (uint32_t)(prm >> 32);
    return (int)syscall(SYS_capset, &h, d);
}

/* The highest capability number this kernel knows. */
static int cap_last(void) {
    FILE *f = fopen("/proc/sys/kernel/cap_last_cap", "re");
    int last = 40;
    if (f) {
        if (fscanf(f, "%d", &last) != 1 || last < 0 || last > 63) last = 40;
        fclose(f);
    }
    return last;
}

/* Names of the capabilities kept, for the message. */
static void caps_names(capmask_t m, char *out, size_t outlen) {
    static const struct { int cap; const char *name; } names[] = {
        {CAP_SYS_PTRACE, "cap_sys_ptrace"}, {CAP_DAC_READ_SEARCH, "cap_dac_read_search"}, {CAP_BPF, "cap_bpf"}};
    out[0] = 0;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (m & CAPBIT(names[i].cap))
            snprintf(out + strlen(out), outlen - strlen(out), "%s%s", out[0] ? "," : "", names[i].name);
    if (!out[0]) snprintf(out, outlen, "none");
}

/* See sensor.h. */
int sensor_drop_privileges(const char *user, bool polling, sensor_bpf_t *b, char *why, size_t whylen) {
    capmask_t eff, prm;
    if (caps_get(&eff, &prm) != 0) {
        snprintf(why, whylen, "capget: %s", strerror(errno));
        return -1;
    }
    struct passwd *pw = NULL;
    if (user) {
        errno = 0;
        pw = getpwnam(user);
        if (!pw) {
            snprintf(why, whylen, "--user %s: %s", user, errno ? strerror(errno) : "no such user");
            return -1;
        }
    }
    capmask_t keep = CAPBIT(CAP_SYS_PTRACE) | (polling ? CAPBIT(CAP_DAC_READ_SEARCH) : 0);
    keep &= prm;
    /* Reading the lost-event counters (a map lookup) needs CAP_BPF on kernels
     * before 6.5 when unprivileged BPF is off: try it with only `keep` in the
     * effective set, and keep CAP_BPF only where it fails. */
    if (caps_set(keep, prm) != 0) {
        snprintf(why, whylen, "capset: %s", strerror(errno));
        return -1;
    }
    capmask_t final = keep | (sensor_bpf_stats_readable(b) ? 0 : prm & CAPBIT(CAP_BPF));
    if (caps_set(eff, prm) != 0) {
        snprintf(why, whylen, "capset: %s", strerror(errno));
        return -1;
    }

    /* The bounding set (dropping from it needs CAP_SETPCAP, which goes
     * next): no program exec'd later can regain what is dropped. Without
     * CAP_SETPCAP (a service started with a small bounding set) it stays. */
    int last = cap_last();
    for (int c = 0; c <= last; c++)
        if (!(final & CAPBIT(c)) && prctl(PR_CAPBSET_READ, c, 0, 0, 0) == 1 &&
            prctl(PR_CAPBSET_DROP, c, 0, 0, 0) != 0 && errno != EPERM) {
            snprintf(why, whylen, "dropping capability %d from the bounding set: %s", c, strerror(errno));
            return -1;
        }
    (void)prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);

    if (pw) {
        /* Keep the permitted set across setuid, then lower it. */
        if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) != 0 || setgroups(1, &pw->pw_gid) != 0 ||
            setresgid(pw->pw_gid, pw->pw_gid, pw->pw_gid) != 0 ||
            setresuid(pw->pw_uid, pw->pw_uid, pw->pw_uid) != 0) {
            snprintf(why, whylen, "switching to user %s: %s", user, strerror(errno));
            return -1;
        }
        (void)prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0);
    }
    if (caps_set(final, final) != 0) {
        snprintf(why, whylen, "capset: %s", strerror(errno));
        return -1;
    }
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
        snprintf(why, whylen, "no_new_privs: %s", strerror(errno));
        return -1;
    }

    /* Verify: the sets are what was asked, and a switched user cannot
     * become root again. */
    if (caps_get(&eff, &prm) != 0 || prm != final || eff != final) {
        snprintf(why, whylen, "capabilities still held after dropping them");
        return -1;
    }
    if (pw && pw->pw_uid != 0 && (setuid(0) == 0 || seteuid(0) == 0)) {
        snprintf(why, whylen, "user %s could become root again", user);
        return -1;
    }
    char names[96];
    caps_names(prm, names, sizeof names);
    snprintf(why, whylen, "running as uid %u gid %u, capabilities kept: %s", (unsigned)getuid(), (unsigned)getgid(),
             names);
    return 0;
}
