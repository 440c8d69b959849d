/* validate.c — `postern validate`: the detection page's three tests.
 *
 * Runs the shipped rule (or --rule) as it is, through the same stream as
 * `postern watch`, against each test of the catalogue page, and prints
 * PASS, FAIL or SKIP with the evidence rows:
 *  1. SMTP C2 exfiltration via PowerShell Send-MailMessage to 127.0.0.1:25:
 *     Windows only, so bundled Sysmon EID 1 and 3 and PowerShell 4104
 *     records of three runs are replayed through the readers and the rule.
 *  2. POP3 command retrieval: the real nc sends POP3 commands to a local
 *     responder on 127.0.0.1:110, three times, seen by the live sensor.
 *  3. IMAP C2 channel: the real curl fetches imap://user:pass@127.0.0.1:143/
 *     from a local responder, three times, seen by the live sensor.
 * The live tests run their responder and clients in a private network
 * namespace (the eBPF sensor sees every namespace) and kill every process
 * they start. Results go to stdout, diagnostics to stderr.
 */
#define _GNU_SOURCE
#include "validate.h"

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "cli.h"
#include "json.h"
#include "input.h"
#include "ruleset.h"
#include "sensor.h"
#include "stream.h"

/* The records test 1 replays (build/validate_data.c from rules/validation/). */
extern const char validate_test1_xml[];
extern const size_t validate_test1_xml_len;

#define VAL_RUNS 3              /* client runs per live test (the rule wants > 2 connections) */
#define VAL_CLIENT_TIMEOUT_MS 10000 /* a client that takes longer is killed (a failure) */
#define VAL_TEST_TIMEOUT_S 60   /* a live test that takes longer is stopped (a failure) */
#define VAL_DRAIN_MS 500        /* events read after the clients are done */
#define VAL_BOUNDARY_S 15       /* a live test waits when a window ends sooner than this */

static const char usage_validate_head[] =
    "usage: postern validate [--test N] [--rule FILE] [--window D] [-o FILE]\n"
    "\n"
    "Run the three tests of the T1071.003 catalogue page against the rule as shipped\n"
    "(or --rule FILE) and print PASS, FAIL or SKIP for each, with the evidence rows:\n"
    "  1  SMTP C2 exfiltration via PowerShell Send-MailMessage to 127.0.0.1:25: bundled\n"
    "     Sysmon EID 1/3 and PowerShell 4104 records of three runs, replayed through the\n"
    "     readers and the rule (the test cannot run on Linux)\n"
    "  2  POP3 command retrieval: the real nc sends POP3 commands to a local responder on\n"
    "     127.0.0.1:110, three times; the live sensor sees it, the rule must fire (critical)\n"
    "  3  IMAP C2 channel: the real curl with imap://user:pass@127.0.0.1:143/..., three\n"
    "     times; the rule must fire with process curl\n"
    "Tests 2 and 3 need root (or CAP_BPF, CAP_PERFMON, CAP_NET_ADMIN, CAP_SYS_ADMIN),\n"
    "eBPF, nc (netcat-openbsd) and curl; they run in a private network namespace.\n"
    "\n";

static const char usage_validate_tail[] =
    "\n"
    "exit status: 0 every test passed; 1 a test failed; 2 usage error or the rule does\n"
    "not load; 3 nothing failed but a test was skipped (the reason is printed).\n";

/* Outcome of one test. ORDER VRES: vres_names. */
typedef enum vres { VR_PASS, VR_FAIL, VR_SKIP } vres_t;
static const char *const vres_names[] = {"PASS", "FAIL", "SKIP"};

/* What a test collects: the signals and the evidence rows. */
typedef struct vrun {
    buf_t signals;          /* signal lines (NDJSON) */
    unsigned nsignals;
    buf_t evidence;         /* evidence lines, ready to print */
    buf_t why;              /* why it failed or was skipped */
} vrun_t;

/* stream_opts_t.on_signal: keep the signal line. */
static void keep_signal(void *ctx, const char *line, size_t n) {
    vrun_t *v = ctx;
    buf_put(&v->signals, line, n);
    v->nsignals++;
}

/* Text of the JSON value at path in doc (strings unescaped) into out; false when absent. */
static bool jget(pstr_t doc, const char *path, char *out, size_t outlen) {
    pstr_t v;
    out[0] = 0;
    if (!json_path(doc, pstr_c(path), &v)) return false;
    arena_t a = {0};
    pstr_t s = v;
    if (v.n && v.p[0] == '"' && !json_unescape(v, &a, &s)) s = v;
    snprintf(out, outlen, "%.*s", (int)s.n, s.p);
    arena_free(&a);
    return true;
}

/* The basename of a Windows or POSIX path. */
static const char *basename_of(const char *p) {
    const char *b = p;
    for (const char *s = p; *s; s++)
        if (*s == '/' || *s == '\\') b = s + 1;
    return b;
}

/* What a test expects of a signal. */
typedef struct vexpect {
    const char *port;        /* fields.dest_port */
    const char *severity;    /* severity */
    const char *const *procs;/* accepted basenames of fields.process_name (NULL-terminated) */
} vexpect_t;

/* True when basename b is one of names, or one of them followed by '.'
 * (nc.openbsd is what Debian's nc runs). */
static bool proc_ok(const char *b, const char *const *names) {
    for (; *names; names++) {
        size_t n = strlen(*names);
        if (strncasecmp(b, *names, n) == 0 && (b[n] == 0 || b[n] == '.')) return true;
    }
    return false;
}

/* Find a signal matching e among v's; print it as evidence (with the delay
 * from the connection to the signal when live). Returns true when found. */
static bool check_signals(vrun_t *v, const vexpect_t *e, bool live) {
    const char *p = v->signals.p, *end = p ? p + v->signals.n : NULL;
    while (p && p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        pstr_t line = pstr(p, nl ? (size_t)(nl - p) : (size_t)(end - p));
        p = nl ? nl + 1 : end;
        char port[16], sev[32], proc[4096], count[32], last[32], det[32];
        jget(line, "fields.dest_port", port, sizeof port);
        jget(line, "severity", sev, sizeof sev);
        jget(line, "fields.process_name", proc, sizeof proc);
        if (strcmp(port, e->port) != 0 || strcmp(sev, e->severity) != 0 || !proc_ok(basename_of(proc), e->procs))
            continue;
        jget(line, "count", count, sizeof count);
        jget(line, "last_seen", last, sizeof last);
        jget(line, "detected_at", det, sizeof det);
        buf_printf(&v->evidence, "      signal: %.*s\n", (int)line.n, line.p);
        if (live)
            buf_printf(&v->evidence, "      fired on connection %s, %lld ms after the sensor saw it\n", count,
                       atoll(det) - atoll(last));
        else
            buf_printf(&v->evidence, "      fired on connection %s\n", count);
        return true;
    }
    buf_printf(&v->why, "no signal with process %s, dest_port %s and severity %s (%u signal%s in all)", e->procs[0],
               e->port, e->severity, v->nsignals, v->nsignals == 1 ? "" : "s");
    return false;
}

/* ---- test 1: replayed Windows records ---------------------------------------- */

/* Evidence collection over the replayed records: fields by name. */
typedef struct t1ev {
    ftab_t ft;              /* every field (want_all) */
    vrun_t *v;
    unsigned eid1, eid3, eid4104; /* evidence rows found */
} t1ev_t;

/* The text of field name in r, or "" (borrowed from the record). */
static pstr_t fget(const t1ev_t *t, const record_t *r, const char *name) {
    uint32_t id = ftab_find(&t->ft, pstr_c(name));
    value_t v = id == FIELD_NONE ? val_null() : rec_get(r, id);
    return v.t == V_STR ? val_pstr(v) : pstr_c("");
}

/* in_cb_t over the replay: keep the EID 1, 3 and 4104 records of Send-MailMessage as evidence. */
static int t1_evidence(record_t *r, void *ud) {
    t1ev_t *t = ud;
    pstr_t eid = fget(t, r, "event_id"), when = fget(t, r, "UtcTime");
    if (pstr_eq(eid, pstr_c("1")) && pstr_contains(fget(t, r, "CommandLine"), pstr_c("Send-MailMessage"))) {
        pstr_t img = fget(t, r, "Image"), cmd = fget(t, r, "CommandLine");
        buf_printf(&t->v->evidence, "      sysmon 1    %.*s  pid %.*s  %.*s  CommandLine: %.*s\n", (int)when.n, when.p,
                   (int)fget(t, r, "pid").n, fget(t, r, "pid").p, (int)img.n, img.p, (int)cmd.n, cmd.p);
        t->eid1++;
    } else if (pstr_eq(eid, pstr_c("3")) && pstr_eq(fget(t, r, "dest_port"), pstr_c("25"))) {
        pstr_t img = fget(t, r, "process_name"), sip = fget(t, r, "src_ip"), sp = fget(t, r, "src_port");
        pstr_t dip = fget(t, r, "dest_ip");
        buf_printf(&t->v->evidence, "      sysmon 3    %.*s  pid %.*s  %.*s  %.*s:%.*s -> %.*s:25\n", (int)when.n,
                   when.p, (int)fget(t, r, "pid").n, fget(t, r, "pid").p, (int)img.n, img.p, (int)sip.n, sip.p,
                   (int)sp.n, sp.p, (int)dip.n, dip.p);
        t->eid3++;
    } else if (pstr_eq(eid, pstr_c("4104")) &&
               pstr_contains(fget(t, r, "ScriptBlockText"), pstr_c("Send-MailMessage"))) {
        pstr_t sb = fget(t, r, "ScriptBlockText");
        buf_printf(&t->v->evidence, "      ps 4104     pid %.*s  ScriptBlockText: %.*s\n", (int)fget(t, r, "pid").n,
                   fget(t, r, "pid").p, (int)sb.n, sb.p);
        t->eid4104++;
    }
    return 0;
}

/* Test 1: the replay through the readers and the rule. */
static vres_t test1(ruleset_t *rs, const stream_opts_t *so0, vrun_t *v) {
    static const char *const procs[] = {"powershell.exe", "pwsh.exe", NULL};
    static const vexpect_t want = {"25", "high", procs};
    in_opts_t io = {.format = "auto", .max_reports = 5};
    in_stats_t st = {0};
    t1ev_t t = {.v = v};
    ftab_init(&t.ft);
    t.ft.want_all = true;
    input_run_mem("rules/validation/t1071.003-test1-powershell-smtp.xml", validate_test1_xml, validate_test1_xml_len, 0,
                  &io, &t.ft, t1_evidence, &t, &st);
    ftab_free(&t.ft);
    stream_opts_t so = *so0;
    char why[512];
    exec_opts_t eo = {.threads = 1};
    stream_t *s = stream_new(rs->rules, rs->q, (unsigned)rs->n, &eo, &so, why, sizeof why);
    if (!s) {
        buf_printf(&v->why, "%s", why);
        return VR_FAIL;
    }
    memset(&st, 0, sizeof st);
    input_run_mem("rules/validation/t1071.003-test1-powershell-smtp.xml", validate_test1_xml, validate_test1_xml_len, 0,
                  &io, stream_ftab(s), stream_feed, s, &st);
    stream_finish(s);
    stream_free(s);
    bool fired = check_signals(v, &want, false);
    if (!t.eid1 || !t.eid3 || !t.eid4104) {
        buf_printf(&v->why, "%sthe replay lacks Sysmon EID 1 (%u), EID 3 (%u) or 4104 (%u) records of Send-MailMessage",
                   v->why.n ? "; " : "", t.eid1, t.eid3, t.eid4104);
        return VR_FAIL;
    }
    buf_printf(&v->evidence,
               "      note: one Send-MailMessage run is one SMTP connection, below the rule's ConnectionCount > 2;\n"
               "      the replay holds three runs minutes apart (tests 2 and 3 run their clients three times too),\n"
               "      and \"fires\" means the rule, as shipped, signals on the third\n");
    return fired ? VR_PASS : VR_FAIL;
}

/* ---- tests 2 and 3: a local responder and the real client ---------------------- */

/* A responder's reply to a command: cmd (the first word, case-insensitive;
 * NULL = any other) gets text, where "%s" is the IMAP tag. */
typedef struct vreply {
    const char *cmd;        /* command word, NULL ends the table */
    const char *text;       /* reply; one %s for the tag in tagged protocols */
    bool close;             /* close the connection after the reply */
} vreply_t;

/* POP3 (RFC 1939), enough for nc and curl. */
static const vreply_t pop3_replies[] = {
    {"USER", "+OK\r\n", false},
    {"PASS", "+OK maildrop has 1 message\r\n", false},
    {"STAT", "+OK 1 24\r\n", false},
    {"LIST", "+OK 1 messages\r\n1 24\r\n.\r\n", false},
    {"RETR", "+OK 24 octets\r\nSubject: tasking\r\n\r\nid\r\n.\r\n", false},
    {"QUIT", "+OK bye\r\n", true},
    {NULL, "-ERR unknown command\r\n", false},
};

/* IMAP4rev1 (RFC 3501), enough for curl's LOGIN, SELECT, FETCH and LOGOUT. */
static const vreply_t imap_replies[] = {
    {"CAPABILITY", "* CAPABILITY IMAP4rev1\r\n%s OK CAPABILITY completed\r\n", false},
    {"LOGIN", "%s OK LOGIN completed\r\n", false},
    {"SELECT", "* FLAGS (\\Seen)\r\n* 1 EXISTS\r\n* 0 RECENT\r\n* OK [UIDVALIDITY 1] UIDs valid\r\n"
               "%s OK [READ-WRITE] SELECT completed\r\n", false},
    {"EXAMINE", "* FLAGS (\\Seen)\r\n* 1 EXISTS\r\n%s OK [READ-ONLY] EXAMINE completed\r\n", false},
    {"FETCH", "* 1 FETCH (BODY[] {24}\r\nSubject: tasking\r\n\r\nid\r\n)\r\n%s OK FETCH completed\r\n", false},
    {"UID", "* 1 FETCH (UID 1 BODY[] {24}\r\nSubject: tasking\r\n\r\nid\r\n)\r\n%s OK FETCH completed\r\n", false},
    {"LIST", "* LIST () \"/\" INBOX\r\n%s OK LIST completed\r\n", false},
    {"NOOP", "%s OK NOOP completed\r\n", false},
    {"LOGOUT", "* BYE logging out\r\n%s OK LOGOUT completed\r\n", true},
    {NULL, "%s BAD unknown command\r\n", false},
};

/* One live test. */
typedef struct vlive {
    int num;                    /* 2 or 3 */
    const char *title;
    uint16_t port;
    const char *greeting;       /* the server's first line */
    const vreply_t *replies;
    bool tagged;                /* IMAP: replies carry the command's tag */
    const char *client;         /* program looked up in PATH */
    const char *const *argv;    /* its arguments (argv[0] = client) */
    const char *input;          /* its stdin, NULL = /dev/null */
    const char *const *procs;   /* accepted process basenames in the signal */
    const char *install;        /* the Debian package of the client */
} vlive_t;

static const char *const nc_argv[] = {"nc", "127.0.0.1", "110", NULL};
static const char *const nc_procs[] = {"nc", NULL};
static const char *const curl_argv[] = {"curl", "-sS", "--max-time", "10", "-o", "/dev/null",
                                        "imap://operator:implant@127.0.0.1:143/INBOX;UID=1", NULL};
static const char *const curl_procs[] = {"curl", NULL};

/* The live tests. ORDER VTEST: test numbers 2, 3. */
static const vlive_t live_tests[] = {
    {2, "POP3 command retrieval (nc to 127.0.0.1:110, live eBPF sensor)", 110, "+OK POP3 ready\r\n", pop3_replies,
     false, "nc", nc_argv, "USER operator\r\nPASS implant\r\nLIST\r\nRETR 1\r\nQUIT\r\n", nc_procs, "netcat-openbsd"},
    {3, "IMAP C2 channel (curl imap://user:pass@127.0.0.1:143, live eBPF sensor)", 143, "* OK IMAP4rev1 ready\r\n",
     imap_replies, true, "curl", curl_argv, NULL, curl_procs, "curl"},
};

/* Full path of prog in PATH into out, or false. */
static bool in_path(const char *prog, char *out, size_t outlen) {
    const char *path = getenv("PATH");
    if (!path || !*path) path = "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin";
    while (*path) {
        size_t n = strcspn(path, ":");
        snprintf(out, outlen, "%.*s/%s", (int)n, path, prog);
        if (access(out, X_OK) == 0) return true;
        path += n + (path[n] == ':');
    }
    return false;
}

/* Write all of p[0..n) to fd (best effort). */
static void write_all(int fd, const char *p, size_t n) {
    while (n) {
        ssize_t k = write(fd, p, n);
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0) return;
        p += k;
        n -= (size_t)k;
    }
}

/* Serve one connection of the responder: greeting, then a reply per line. */
static void serve(int c, const vlive_t *t) {
    struct timeval tv = {5, 0};
    setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    write_all(c, t->greeting, strlen(t->greeting));
    char line[1024], out[2048];
    size_t n = 0;
    for (;;) {
        char ch;
        ssize_t k = read(c, &ch, 1);
        if (k <= 0) return;
        if (ch != '\n') {
            if (n < sizeof line - 1) line[n++] = ch;
            continue;
        }
        line[n] = 0;
        n = 0;
        char *p = line, tag[64] = "*";
        if (t->tagged) { /* "a001 LOGIN ..." */
            size_t tl = strcspn(p, " \r");
            snprintf(tag, sizeof tag, "%.*s", (int)(tl < 63 ? tl : 63), p);
            p += tl;
            while (*p == ' ') p++;
        }
        size_t cl = strcspn(p, " \r");
        const vreply_t *r = t->replies;
        while (r->cmd && !(strlen(r->cmd) == cl && strncasecmp(p, r->cmd, cl) == 0)) r++;
        int k2 = t->tagged ? snprintf(out, sizeof out, r->text, tag) : snprintf(out, sizeof out, "%s", r->text);
        write_all(c, out, (size_t)k2);
        if (r->close) return;
    }
}

/* The responder process: listen on 127.0.0.1:port, write one byte on ready
 * once listening, serve connections one after another until killed. */
static void responder(const vlive_t *t, int ready) {
    int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(t->port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof a) != 0 || listen(s, 16) != 0) {
        dprintf(ready, "E127.0.0.1:%u: %s", t->port, strerror(errno));
        _exit(1);
    }
    write_all(ready, "R", 1);
    close(ready);
    for (;;) {
        int c = accept(s, NULL, NULL);
        if (c < 0) {
            if (errno == EINTR) continue;
            _exit(1);
        }
        serve(c, t);
        close(c);
    }
}

/* Milliseconds on the monotonic clock. */
static int64_t mono_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Bring the loopback interface of this (new) network namespace up. */
static int lo_up(void) {
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "lo");
    int rc = fd < 0 || ioctl(fd, SIOCGIFFLAGS, &ifr) != 0 ? -1 : 0;
    ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
    if (rc == 0) rc = ioctl(fd, SIOCSIFFLAGS, &ifr);
    if (fd >= 0) close(fd);
    return rc;
}

/* The driver process: private netns, responder, VAL_RUNS client runs.
 * Reports to fd out, one line each: "N <netns note>", "C <pid> <status>"
 * per client, "E <error>". Exits 0 when every client exited 0. */
static void driver(const vlive_t *t, const char *client, int out) {
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    if (unshare(CLONE_NEWNET) == 0 && lo_up() == 0) dprintf(out, "N private network namespace\n");
    else dprintf(out, "N this host's network namespace (unshare: %s)\n", strerror(errno));
    int rp[2];
    if (pipe2(rp, O_CLOEXEC) != 0) _exit(1);
    pid_t srv = fork();
    if (srv == 0) {
        close(rp[0]);
        responder(t, rp[1]);
    }
    close(rp[1]);
    char msg[256] = "";
    ssize_t k = srv > 0 ? read(rp[0], msg, sizeof msg - 1) : -1;
    close(rp[0]);
    if (k <= 0 || msg[0] != 'R') {
        msg[k > 0 ? k : 0] = 0;
        dprintf(out, "E responder did not start: %s\n", k > 0 ? msg + 1 : "no answer");
        if (srv > 0) kill(srv, SIGKILL), waitpid(srv, NULL, 0);
        _exit(1);
    }
    int failed = 0;
    for (int run = 0; run < VAL_RUNS; run++) {
        int ip[2];
        if (pipe2(ip, O_CLOEXEC) != 0) _exit(1);
        pid_t c = fork();
        if (c == 0) {
            int in = t->input ? ip[0] : open("/dev/null", O_RDONLY);
            int nul = open("/dev/null", O_WRONLY);
            dup2(in, 0);
            dup2(nul, 1);
            char *args[16] = {0}; /* execv wants writable strings: copies */
            for (int i = 0; i < 15 && t->argv[i]; i++) args[i] = xstrndup(t->argv[i], strlen(t->argv[i]));
            execv(client, args);
            _exit(127);
        }
        close(ip[0]);
        if (t->input) write_all(ip[1], t->input, strlen(t->input));
        close(ip[1]);
        int st = 0;
        int64_t end = mono_ms() + VAL_CLIENT_TIMEOUT_MS;
        while (c > 0 && waitpid(c, &st, WNOHANG) == 0) {
            if (mono_ms() > end) {
                kill(c, SIGKILL);
                waitpid(c, &st, 0);
                break;
            }
            struct timespec ts = {0, 5000000};
            nanosleep(&ts, NULL);
        }
        int code = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + (WIFSIGNALED(st) ? WTERMSIG(st) : 0);
        dprintf(out, "C %d %d\n", (int)c, code);
        if (c <= 0 || code != 0) failed = 1;
    }
    kill(srv, SIGKILL);
    waitpid(srv, NULL, 0);
    _exit(failed);
}

/* State of a live test's sensor run. */
typedef struct vsense {
    const vlive_t *t;
    const char *client;     /* full path */
    stream_t *s;            /* the rules */
    buf_t batch;            /* connection records not yet fed */
    buf_t conns;            /* connect records to the test's port: "pid\tline" */
    in_opts_t io;
    in_stats_t st;
    pid_t drv;              /* the driver, 0 before it starts, -1 once reaped */
    int drvout;             /* read end of its report pipe */
    int drvstatus;          /* its wait status */
    int64_t done_ms;        /* when it ended (mono) */
    int64_t start_ms;       /* when the test started */
    bool timed_out;
} vsense_t;

/* sensor_run line callback: feed connection records; keep the test port's. */
static void vs_line(void *ctx, const sensor_conn_t *c, const char *p, size_t n) {
    vsense_t *v = ctx;
    bool conn = strcmp(c->state, "connect") == 0 || strcmp(c->state, "open") == 0;
    if (conn) buf_put(&v->batch, p, n);
    if (strcmp(c->state, "connect") == 0 && c->dport == v->t->port) {
        buf_printf(&v->conns, "%u\t", c->pid);
        buf_put(&v->conns, p, n);
    }
}

/* sensor_run tick: feed the batch, start the driver on the first tick (the
 * sensor is attached by then), stop VAL_DRAIN_MS after it ended. */
static int vs_tick(void *ctx) {
    vsense_t *v = ctx;
    if (v->batch.n) {
        input_run_mem("sensor", v->batch.p, v->batch.n, 0, &v->io, stream_ftab(v->s), stream_feed, v->s, &v->st);
        buf_clear(&v->batch);
    }
    if (v->drv == 0) {
        int p[2];
        if (pipe2(p, O_CLOEXEC) != 0) return 1;
        fflush(NULL);
        v->drv = fork();
        if (v->drv == 0) {
            close(p[0]);
            driver(v->t, v->client, p[1]);
        }
        close(p[1]);
        v->drvout = p[0];
        if (v->drv < 0) return 1;
        return 0;
    }
    int64_t now = mono_ms();
    if (v->drv > 0 && waitpid(v->drv, &v->drvstatus, WNOHANG) == v->drv) {
        v->drv = -1;
        v->done_ms = now;
    }
    if (v->drv > 0 && now - v->start_ms > VAL_TEST_TIMEOUT_S * 1000) {
        kill(v->drv, SIGKILL);
        waitpid(v->drv, &v->drvstatus, 0);
        v->drv = -1;
        v->done_ms = now;
        v->timed_out = true;
    }
    return v->drv == -1 && now - v->done_ms >= VAL_DRAIN_MS;
}

/* Wait until the current window of length w_ms has at least VAL_BOUNDARY_S
 * left, so that the runs of a test fall into one window. */
static void avoid_boundary(int64_t w_ms, vrun_t *v) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    int64_t now = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
    int64_t left = w_ms - now % w_ms;
    if (w_ms > 2 * VAL_BOUNDARY_S * 1000 && left < VAL_BOUNDARY_S * 1000) {
        buf_printf(&v->evidence, "      waited %lld ms for the next window, so the runs share one\n",
                   (long long)left + 200);
        struct timespec d = {(time_t)((left + 200) / 1000), (long)((left + 200) % 1000) * 1000000};
        nanosleep(&d, NULL);
    }
}

/* Tests 2 and 3. */
static vres_t test_live(const vlive_t *t, ruleset_t *rs, const stream_opts_t *so0, vrun_t *v) {
    char client[4096];
    if (geteuid() != 0) {
        buf_printf(&v->why, "not root (the eBPF sensor and the network namespace need root)");
        return VR_SKIP;
    }
    if (!in_path(t->client, client, sizeof client)) {
        buf_printf(&v->why, "%s is not installed (Debian package %s)", t->client, t->install);
        return VR_SKIP;
    }
    char why[512] = "";
    sensor_bpf_t *b = sensor_bpf_open(why, sizeof why);
    if (!b) {
        buf_printf(&v->why, "eBPF sensor unavailable: %s", why);
        return VR_SKIP;
    }
    sensor_bpf_close(b);
    avoid_boundary(so0->window_ms, v);
    stream_opts_t so = *so0;
    exec_opts_t eo = {.threads = 1};
    vsense_t vs;
    memset(&vs, 0, sizeof vs);
    vs.t = t;
    vs.client = client;
    vs.io = (in_opts_t){.format = "jsonl", .max_reports = 5};
    vs.start_ms = mono_ms();
    vs.s = stream_new(rs->rules, rs->q, (unsigned)rs->n, &eo, &so, why, sizeof why);
    if (!vs.s) {
        buf_printf(&v->why, "%s", why);
        return VR_FAIL;
    }
    sensor_run_t ro = {.quiet = true, .line = vs_line, .tick = vs_tick, .tick_ms = 50, .ctx = &vs};
    int rc = sensor_run(&ro);
    if (vs.drv > 0) { /* stopped by a signal: the driver must not outlive us */
        kill(vs.drv, SIGKILL);
        waitpid(vs.drv, &vs.drvstatus, 0);
    }
    vs_tick(&vs);
    stream_finish(vs.s);
    stream_free(vs.s);
    /* The driver's report: the network namespace, each client's pid and status. */
    char rep[4096];
    ssize_t k = vs.drvout > 0 ? read(vs.drvout, rep, sizeof rep - 1) : -1;
    if (vs.drvout > 0) close(vs.drvout);
    rep[k > 0 ? k : 0] = 0;
    pid_t pids[VAL_RUNS];
    int npids = 0, bad = 0;
    for (char *line = strtok(rep, "\n"); line; line = strtok(NULL, "\n")) {
        if (line[0] == 'N') buf_printf(&v->evidence, "      ran in %s\n", line + 2);
        else if (line[0] == 'E') buf_printf(&v->why, "%s%s", v->why.n ? "; " : "", line + 2);
        else if (line[0] == 'C') {
            int pid = 0, code = 0;
            sscanf(line + 2, "%d %d", &pid, &code);
            if (npids < VAL_RUNS) pids[npids++] = pid;
            buf_printf(&v->evidence, "      process: %s", client);
            for (int i = 1; t->argv[i]; i++) buf_printf(&v->evidence, " %s", t->argv[i]);
            buf_printf(&v->evidence, "  (pid %d, exit %d)%s%s\n", pid, code, t->input ? "  stdin: " : "",
                       t->input ? "POP3 commands (USER, PASS, LIST, RETR 1, QUIT)" : "");
            if (code != 0) bad++;
        }
    }
    /* The sensor's connection records of those clients. */
    unsigned seen = 0;
    for (const char *p = vs.conns.p, *end = p ? p + vs.conns.n : NULL; p && p < end;) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        int pid = atoi(p);
        const char *tab = memchr(p, '\t', (size_t)(end - p));
        for (int i = 0; i < npids && tab; i++)
            if (pids[i] == pid) {
                buf_printf(&v->evidence, "      sensor: %.*s\n", (int)((nl ? nl : end) - tab - 1), tab + 1);
                seen++;
            }
        p = nl ? nl + 1 : end;
    }
    vexpect_t want = {t->port == 110 ? "110" : "143", "critical", t->procs};
    bool fired = check_signals(v, &want, true);
    if (rc != 0) buf_printf(&v->why, "%sthe sensor stopped with an error", v->why.n ? "; " : "");
    if (vs.timed_out) buf_printf(&v->why, "%sthe test took longer than %d s", v->why.n ? "; " : "", VAL_TEST_TIMEOUT_S);
    if (bad || npids < VAL_RUNS)
        buf_printf(&v->why, "%s%d of %d %s runs failed", v->why.n ? "; " : "", bad + VAL_RUNS - npids, VAL_RUNS,
                   t->client);
    if (seen < (unsigned)npids)
        buf_printf(&v->why, "%sthe sensor saw %u of %d %s connections", v->why.n ? "; " : "", seen, npids, t->client);
    buf_free(&vs.batch);
    buf_free(&vs.conns);
    return fired && rc == 0 && !vs.timed_out && !bad && npids == VAL_RUNS && seen >= (unsigned)npids ? VR_PASS
                                                                                                     : VR_FAIL;
}

/* ---- the command ------------------------------------------------------------ */

/* Print one test's result line, its evidence and, unless it passed, why. */
static void report(int num, const char *title, vres_t r, vrun_t *v) {
    printf("%s  test %d: %s\n", vres_names[r], num, title);
    if (r != VR_SKIP && v->evidence.n) fputs(v->evidence.p, stdout);
    if (r != VR_PASS && v->why.n) printf("      %s: %s\n", r == VR_SKIP ? "skipped" : "failed", v->why.p);
    fflush(stdout);
}

/* See validate.h. */
int cmd_validate(int argc, char **argv) {
    int only = 0;
    const char *rule_files[1] = {NULL};
    int nrule_files = 0;
    const char *outpath = NULL;
    stream_opts_t so = {.window_ms = STREAM_DEFAULT_WINDOW_MS, .lateness_ms = STREAM_DEFAULT_LATENESS_MS};
    cli_args_t args;
    int rc = cli_parse(CLI_VALIDATE, argc, argv, usage_validate_head, usage_validate_tail, &args);
    for (int i = 0; i < args.nitems && !rc; i++) {
        const char *v = args.items[i].val;
        switch (args.items[i].id) {
        case OPT_TEST: {
            char *e;
            long k = strtol(v, &e, 10);
            only = *e || e == v || k < 1 || k > 3 ? 0 : (int)k;
            if (!only) {
                fprintf(stderr, "postern validate: --test wants 1, 2 or 3, not '%s'\n", v);
                rc = 2;
            }
            break;
        }
        case OPT_RULE:
            if (nrule_files) {
                fputs("postern validate: one --rule\n", stderr);
                rc = 2;
            }
            rule_files[0] = v;
            nrule_files = 1;
            break;
        case OPT_WINDOW:
            if (stream_parse_duration(v, &so.window_ms) != 0 || so.window_ms <= 0) {
                fprintf(stderr, "postern validate: --window wants a duration such as 15m, not '%s'\n", v);
                rc = 2;
            }
            break;
        case OPT_OUTPUT: outpath = v; break;
        default: break; /* (cli.c gives validate's options only) */
        }
    }
    cli_free(&args);
    if (rc) return rc == 1 ? VALIDATE_PASS : VALIDATE_USAGE;
    ruleset_t rs;
    if (ruleset_prepare(&rs, rule_files, nrule_files, NULL, NULL, 0, false, true) != 0) return VALIDATE_USAGE;
    /* (outpath points into argv, which outlives args) */
    if (cli_output_begin(CLI_VALIDATE, outpath, false) != 0) {
        ruleset_free(&rs);
        return VALIDATE_USAGE;
    }
    char wt[32];
    stream_fmt_duration(so.window_ms, wt, sizeof wt);
    if (nrule_files)
        printf("postern validate: %s (%s), untuned; %s windows\n", rs.n ? rs.rules[0].id : "no rule", rule_files[0], wt);
    else
        printf("postern validate: %s (built in), as shipped: no tuning, and it does not exclude loopback "
               "destinations; %s windows\n", rs.n ? rs.rules[0].id : "no rule", wt);
    int npass = 0, nfail = 0, nskip = 0;
    for (int num = 1; num <= 3; num++) {
        if (only && num != only) continue;
        vrun_t v;
        memset(&v, 0, sizeof v);
        so.on_signal = keep_signal;
        so.ctx = &v;
        vres_t r;
        const char *title;
        if (num == 1) {
            title = "SMTP C2 exfiltration via PowerShell Send-MailMessage to 127.0.0.1:25 (replayed Sysmon EID 1/3, "
                    "PowerShell 4104)";
            r = test1(&rs, &so, &v);
        } else {
            title = live_tests[num - 2].title;
            r = test_live(&live_tests[num - 2], &rs, &so, &v);
        }
        report(num, title, r, &v);
        npass += r == VR_PASS;
        nfail += r == VR_FAIL;
        nskip += r == VR_SKIP;
        buf_free(&v.signals);
        buf_free(&v.evidence);
        buf_free(&v.why);
    }
    printf("postern validate: %d passed, %d failed, %d skipped\n", npass, nfail, nskip);
    ruleset_free(&rs);
    return cli_output_end(nfail ? VALIDATE_FAIL : nskip ? VALIDATE_SKIPPED : VALIDATE_PASS);
}
