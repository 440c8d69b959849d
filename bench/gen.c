/* gen.c — a deterministic generator of synthetic connection records.
 *
 * Writes ROWS network-connection records (JSON Lines, RFC 4180 CSV, or any
 * other log format postern reads: Zeek, Windows events, firewalls, CEF, …) for
 * one day, 2024-06-01 UTC, to stdout: EDR, firewall, proxy, Sysmon and web
 * application logs from a few thousand RFC 1918 hosts, with mail clients,
 * mail-sending servers and a handful of planted mail-protocol implants
 * (T1071.003). The same --seed gives the same bytes on every platform. It is
 * input for the benchmarks and for tests/ref/compare.sh; see bench/README.md.
 *
 *   cc -O2 -std=c11 -Wall -Wextra -Werror -o build/gen bench/gen.c
 *   build/gen [--format NAME] [--rows N] [--seed S] [--hosts H] [--conn]
 *   build/gen --list          (the format names, one a line)
 *
 * --conn (jsonl and csv only) adds the schema's direction, outcome and
 * conn_id to every record (hashed from the record, so the records are the
 * others' with three more fields) and writes a quarter of the firewall
 * records twice, as a firewall logs a connection's start and its end: the
 * copy holds the same conn_id, no byte counts and the outcome `allowed`.
 * The rows are then more than --rows. For tests/ref/compare.sh and the
 * thread comparisons of the rule's connection counting.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- PRNG -- */

/* splitmix64: one 64-bit state, good enough for synthetic data. */
static uint64_t rng_state;

/* The next 64 random bits. */
static uint64_t rnd(void) {
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* A uniform integer in [0, n) (n > 0; the modulo bias is irrelevant here). */
static uint32_t rndn(uint32_t n) { return (uint32_t)((rnd() >> 32) * n >> 32); }

/* True with probability per/10000. */
static int chance(uint32_t per10k) { return rndn(10000) < per10k; }

/* A roughly log-uniform byte count in [lo, lo * 2^span). */
static uint64_t rnd_bytes(uint64_t lo, unsigned span) {
    unsigned e = rndn(span);
    uint64_t base = lo << e;
    return base + rnd() % base;
}

/* Index into weights[0..n) chosen in proportion to the weights. */
static unsigned pick(const uint16_t *w, unsigned n) {
    uint32_t tot = 0;
    for (unsigned i = 0; i < n; i++) tot += w[i];
    uint32_t r = rndn(tot);
    for (unsigned i = 0; i < n; i++) {
        if (r < w[i]) return i;
        r -= w[i];
    }
    return n - 1;
}

/* -------------------------------------------------------------- output -- */

#define OUT_CAP (1u << 20)
static char out[OUT_CAP + 8192]; /* one record never exceeds the slack */
static size_t outn;

/* Write the buffer out. */
static void flush(void) {
    if (outn && fwrite(out, 1, outn, stdout) != outn) {
        perror("gen: write");
        exit(1);
    }
    outn = 0;
}

static void put(const char *s, size_t n) {
    memcpy(out + outn, s, n);
    outn += n;
}
static void puts_(const char *s) { put(s, strlen(s)); }
static void putch(char c) { out[outn++] = c; }

/* An unsigned decimal. */
static void putu(uint64_t v) {
    char t[24];
    int i = 24;
    do t[--i] = (char)('0' + v % 10); while (v /= 10);
    put(t + i, (size_t)(24 - i));
}

/* A JSON string literal (the values here are ASCII or UTF-8, no controls). */
static void put_json_str(const char *s) {
    putch('"');
    for (; *s; s++) {
        if (*s == '"' || *s == '\\') putch('\\');
        putch(*s);
    }
    putch('"');
}

/* A CSV cell, quoted per RFC 4180 when it holds a comma, quote, CR or LF.
 * Leading or trailing spaces are data and stay unquoted (" 25"). */
static void put_csv_str(const char *s) {
    if (!strpbrk(s, ",\"\r\n")) { puts_(s); return; }
    putch('"');
    for (; *s; s++) {
        if (*s == '"') putch('"');
        putch(*s);
    }
    putch('"');
}

/* --------------------------------------------------------------- model -- */

/* 2024-06-01T00:00:00.000Z in epoch milliseconds. */
#define DAY0_MS 1717200000000ULL
#define DAY_MS 86400000ULL

/* Log sources. ORDER CAT */
enum { CAT_EDR, CAT_PAN, CAT_ASA, CAT_SQUID, CAT_SYSMON, CAT_WEB, NCAT };
static const char *const cat_name[NCAT] = {
    "prod/network/edr", "corp/firewall/paloalto", "Corp/Firewall/ASA",
    "corp/proxy/squid", "prod/endpoint/sysmon", "prod/app/web",
};
/* Shares in 1/1000 of the records (EDR 45%, firewall 25%, proxy 10%, Sysmon 15%, web 5%). */
static const uint16_t cat_w[NCAT] = {450, 240, 10, 100, 150, 50};
/* Per category, in 1/10000: the share of connections to a mail port. */
static const uint16_t cat_mail[NCAT] = {450, 400, 400, 60, 400, 500};

/* Process paths. ORDER PROC */
enum {
    P_CHROME, P_EDGE, P_FIREFOX, P_OUTLOOK, P_TBIRD, P_TBIRD_UC, P_EMCLIENT, P_SVCHOST, P_PWSH, P_JAVA_W,
    P_NODE_W, P_SQLSERVR, P_TEAMS, P_ONEDRIVE, P_WEIRD, P_EMX, P_JOSE, P_CHROMEDRV,
    P_L_CURL, P_L_PY, P_L_FIREFOX, P_L_TBIRD, P_L_JAVA, P_L_NODE, P_L_SSHD, P_L_SMTP, P_L_ACME, P_L_CHROME,
    P_L_RESOLVED, P_L_EMC,
    NPROC
};
static const char *const proc_path[NPROC] = {
    "C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe",
    "C:\\Program Files (x86)\\Microsoft\\Edge\\Application\\msedge.exe",
    "C:\\Program Files\\Mozilla Firefox\\firefox.exe",
    "C:\\Program Files\\Microsoft Office\\root\\Office16\\OUTLOOK.EXE",
    "C:\\Program Files\\Mozilla Thunderbird\\thunderbird.exe",
    "C:\\Program Files\\Mozilla Thunderbird\\THUNDERBIRD.EXE",
    "C:\\Program Files (x86)\\eM Client\\MailClient.exe",
    "C:\\Windows\\System32\\svchost.exe",
    "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe",
    "C:\\Program Files\\Java\\jre1.8.0_391\\bin\\java.exe",
    "C:\\Program Files\\nodejs\\node.exe",
    "C:\\Program Files\\Microsoft SQL Server\\MSSQL15.MSSQLSERVER\\MSSQL\\Binn\\sqlservr.exe",
    "C:\\Program Files\\WindowsApps\\MSTeams_24124.2315.2911.3357_x64__8wekyb3d8bbwe\\ms-teams.exe",
    "C:\\Program Files\\Microsoft OneDrive\\OneDrive.exe",
    "C:\\Program Files\\Weird, Inc\\app.exe",
    "C:\\Tools\\emXclient\\sync.exe",
    "C:\\Users\\jos\xc3\xa9\\AppData\\Local\\Programs\\notes\\notes.exe",
    "C:\\ci\\tools\\chromedriver.exe",
    "/usr/bin/curl",
    "/usr/bin/python3",
    "/usr/lib/firefox/firefox",
    "/usr/lib/thunderbird/thunderbird",
    "/usr/lib/jvm/java-17-openjdk-amd64/bin/java",
    "/usr/bin/node",
    "/usr/sbin/sshd",
    "/usr/lib/postfix/sbin/smtp",
    "/opt/acme \"beta\"/bin/notifier",
    "/opt/google/chrome/chrome",
    "/usr/lib/systemd/systemd-resolved",
    "/opt/em.client/bin/em.client",
};

/* Host roles. */
enum { R_WIN_WS, R_LNX_WS, R_WIN_SRV, R_LNX_SRV };

/* Mail servers and relays (RFC 1918 relays, RFC 5737 providers). */
static const char *const mail_srv[] = {
    "10.0.0.25", "10.0.0.26", "172.31.0.25", "198.51.100.10", "198.51.100.11", "192.0.2.25",
};
#define NMAILSRV 6

/* A host: everything that stays the same across its records. */
typedef struct host {
    char ip[16];          /* src_ip */
    char name[40];        /* host */
    char user[40];        /* user */
    uint8_t role;         /* R_* */
    uint8_t broken;       /* its EDR agent writes process_name "" */
    int16_t mailclient;   /* P_* or -1 */
    int16_t browser;      /* P_* */
    int16_t mailapp;      /* P_* of a server process that sends mail, or -1 */
    uint8_t srv;          /* index into mail_srv[] */
    const char *port_in;  /* the client's retrieval port (993, 143, 995, 110) */
    const char *port_out; /* its submission port (587, 465, 25) */
} host_t;

static host_t *hosts;
static uint32_t nhosts;

static const char *const first[] = {"a", "b", "c", "d", "e", "f", "g", "h", "j", "k", "l", "m", "n", "p", "r", "s", "t", "w"};
static const char *const last[] = {"smith", "jones", "garcia", "miller", "davis", "lopez", "wilson", "moore",
                                   "taylor", "thomas", "lee", "martin", "clark", "lewis", "walker", "young",
                                   "king", "wright", "hill", "scott", "green", "adams", "baker", "nelson"};

/* Fill hosts[0..n). Address i is unique for i < 3 * 64000. */
static void make_hosts(uint32_t n) {
    hosts = calloc(n, sizeof *hosts);
    if (!hosts) { perror("gen"); exit(1); }
    nhosts = n;
    static const uint16_t role_w[] = {78, 5, 9, 8};
    for (uint32_t i = 0; i < n; i++) {
        host_t *h = &hosts[i];
        uint32_t j = i / 3, a = j / 250, b = 1 + j % 250;
        switch (i % 3) {
        case 0: snprintf(h->ip, sizeof h->ip, "10.%u.%u.%u", 20 + a / 256, a % 256, b); break;
        case 1: snprintf(h->ip, sizeof h->ip, "172.%u.%u.%u", 16 + (a / 256) % 15, a % 256, b); break;
        default: snprintf(h->ip, sizeof h->ip, "192.168.%u.%u", a % 256, b); break;
        }
        h->role = (uint8_t)pick(role_w, 4);
        h->broken = chance(150);
        h->mailclient = -1;
        h->mailapp = -1;
        h->srv = (uint8_t)rndn(NMAILSRV);
        static const char *const pin[] = {"993", "993", "993", "143", "995", "110"};
        static const char *const pout[] = {"587", "587", "465", "25"};
        h->port_in = pin[rndn(6)];
        h->port_out = pout[rndn(4)];
        switch (h->role) {
        case R_WIN_WS: {
            static const int16_t br[] = {P_CHROME, P_CHROME, P_EDGE, P_EDGE, P_FIREFOX};
            static const int16_t mc[] = {P_OUTLOOK, P_OUTLOOK, P_OUTLOOK, P_OUTLOOK, P_OUTLOOK, P_OUTLOOK,
                                         P_OUTLOOK, P_TBIRD, P_TBIRD_UC, P_EMCLIENT, -1, -1};
            h->browser = br[rndn(5)];
            h->mailclient = mc[rndn(12)];
            if (chance(300)) h->mailapp = chance(5000) ? P_WEIRD : P_JOSE;
            else if (chance(100)) h->mailapp = P_EMX;
            snprintf(h->name, sizeof h->name, "WKS-%05u", i);
            /* one draw per statement: the order of arguments is unspecified */
            const char *f = first[rndn(18)];
            const char *l = last[rndn(24)];
            unsigned d = rndn(100);
            snprintf(h->user, sizeof h->user, "CORP\\%s%s%u", f, l, d);
            break;
        }
        case R_LNX_WS: {
            h->browser = chance(6000) ? P_L_FIREFOX : P_L_CHROME;
            h->mailclient = chance(5000) ? P_L_TBIRD : (chance(1000) ? P_L_EMC : -1);
            snprintf(h->name, sizeof h->name, "lnx-ws-%04u", i);
            const char *f = first[rndn(18)];
            snprintf(h->user, sizeof h->user, "%s%s", f, last[rndn(24)]);
            break;
        }
        case R_WIN_SRV: {
            static const int16_t ap[] = {P_SQLSERVR, P_JAVA_W, P_NODE_W, P_PWSH, P_WEIRD, P_CHROMEDRV};
            static const uint16_t apw[] = {30, 25, 15, 15, 5, 10};
            h->browser = P_EDGE;
            h->mailapp = ap[pick(apw, 6)];
            snprintf(h->name, sizeof h->name, "SRV-%04u", i);
            snprintf(h->user, sizeof h->user, "CORP\\svc_%s", last[rndn(24)]);
            break;
        }
        default: {
            static const int16_t ap[] = {P_L_JAVA, P_L_NODE, P_L_PY, P_L_CURL, P_L_SMTP, P_L_ACME};
            static const uint16_t apw[] = {30, 20, 15, 10, 20, 5};
            h->browser = P_L_CURL;
            h->mailapp = ap[pick(apw, 6)];
            snprintf(h->name, sizeof h->name, "app%04u.corp.local", i);
            snprintf(h->user, sizeof h->user, "svc_%s", last[rndn(24)]);
            break;
        }
        }
    }
}

/* A host for a record of category cat: 30% of records come from the
 * busiest 5% of hosts. Firewall and proxy records avoid the hosts with a
 * broken EDR agent, so no (src_ip, dest_ip, dest_port) holds both an
 * absent process_name (JSON null) and an empty one (""): in CSV both are
 * an empty cell, and the JSONL and CSV results would differ. */
static host_t *pick_host(int cat) {
    uint32_t busy = nhosts / 20 ? nhosts / 20 : 1;
    uint32_t i = chance(3000) ? rndn(busy) : rndn(nhosts);
    if (cat == CAT_PAN || cat == CAT_ASA || cat == CAT_SQUID)
        for (uint32_t k = 0; k < nhosts && hosts[i].broken; k++) i = (i + 1) % nhosts;
    return &hosts[i];
}

/* One record. NULL strings and has_* = 0 are absent fields. */
typedef struct rec {
    uint64_t ms;            /* _messageTime */
    int cat;                /* CAT_* */
    const host_t *h;        /* source host */
    unsigned src_port;
    const char *dest_ip;
    const char *dest_port;  /* a string, as a normaliser would write it */
    const char *protocol;
    const char *proc;       /* process_name, NULL = absent */
    const char *bytes_out_s;/* a non-numeric bytes_out ("-"), else NULL */
    uint64_t bytes_out, bytes_in;
    uint8_t has_out, has_in, has_user, has_host;
    uint8_t start;          /* --conn: the copy logged at the connection's start */
    uint64_t seq;           /* the row index */
} rec_t;

/* --conn: write direction, outcome and conn_id (see the top). */
static int conn_cols;

/* A planted flow (an implant, mostly): a process on one host connecting
 * again and again to one destination, evenly spaced over the day. */
typedef struct implant {
    const char *path;       /* process_name (NULL: seen only by the proxy) */
    const char *dest_ip;
    const char *dest_port;
    int role;               /* the kind of host it lives on */
    int cat;                /* where it is logged: CAT_EDR, or CAT_SQUID */
    uint32_t min, per_mrow; /* beacons: max(min, rows * per_mrow / 1e6) */
    uint32_t host;          /* chosen host */
    uint64_t next, period;  /* schedule over the row index */
    uint32_t left;          /* beacons still to emit */
} implant_t;

static implant_t implants[] = {
    {"C:\\Users\\Public\\Libraries\\svchost.exe", "203.0.113.66", "587", R_WIN_WS, CAT_EDR, 12, 240, 0, 0, 0, 0},
    {"C:\\ProgramData\\Microsoft\\Crypto\\RSA\\MachineKeys\\mscrypt.exe", "198.51.100.77", "993", R_WIN_SRV, CAT_EDR, 9,
     150, 0, 0, 0, 0},
    {"/tmp/.ICE-unix/.x11", "203.0.113.9", "110", R_LNX_SRV, CAT_EDR, 7, 120, 0, 0, 0, 0},
    {"C:\\Users\\Public\\AppData\\Local\\Temp\\chrome_update.exe", "203.0.113.140", "465", R_WIN_WS, CAT_EDR, 6, 90, 0,
     0, 0, 0},
    {"/usr/bin/python3", "198.51.100.200", "143", R_LNX_SRV, CAT_EDR, 5, 60, 0, 0, 0, 0},
    {"C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe", "192.0.2.55", "25", R_WIN_WS, CAT_EDR, 8, 45, 0,
     0, 0, 0},
    {"C:\\Windows\\Temp\\outlook_sync.exe", "203.0.113.201", "995", R_WIN_WS, CAT_EDR, 6, 30, 0, 0, 0, 0},
    {"C:\\Users\\Public\\update.exe", "203.0.113.250", "0025", R_WIN_WS, CAT_EDR, 6, 30, 0, 0, 0, 0},
    {"C:\\Users\\Public\\update.exe", "203.0.113.251", " 25", R_WIN_WS, CAT_EDR, 6, 30, 0, 0, 0, 0},
    {"C:\\Users\\Public\\update.exe", "203.0.113.252", "25.0", R_WIN_WS, CAT_EDR, 6, 30, 0, 0, 0, 0},
    {"C:\\Windows\\Temp\\tmp1.exe", "203.0.113.33", "587", R_WIN_WS, CAT_EDR, 2, 0, 0, 0, 0, 0},
    {"C:\\Windows\\Temp\\tmp2.exe", "203.0.113.34", "587", R_WIN_WS, CAT_EDR, 3, 0, 0, 0, 0, 0},
    {NULL, "203.0.113.45", "587", R_WIN_WS, CAT_SQUID, 5, 40, 0, 0, 0, 0},
    /* benign, planted so that a path with quotes always reaches the results */
    {"/opt/acme \"beta\"/bin/notifier", "10.0.0.25", "25", R_LNX_SRV, CAT_EDR, 4, 20, 0, 0, 0, 0},
};
#define NIMPLANT (sizeof implants / sizeof implants[0])

/* Choose each implant's host and schedule for rows records. */
static void plan_implants(uint64_t rows) {
    for (unsigned k = 0; k < NIMPLANT; k++) {
        implant_t *m = &implants[k];
        uint32_t start = (uint32_t)((k * 7919u + 101u) % nhosts), i = start;
        /* a host of the right role that firewalls and proxies may log */
        for (uint32_t t = 0; t < nhosts; t++, i = (i + 1) % nhosts)
            if (hosts[i].role == m->role && !hosts[i].broken) break;
        if (hosts[i].role != m->role || hosts[i].broken) i = start;
        m->host = i;
        uint64_t c = rows * m->per_mrow / 1000000;
        if (c < m->min) c = m->min;
        m->left = (uint32_t)c;
        m->period = c ? rows / c : 0;
        if (m->period == 0) m->period = 1;
        m->next = (k * 131u) % m->period;
    }
    /* Few rows: keep the implants to a quarter of them, dropping the last. */
    uint64_t tot = 0;
    for (unsigned k = 0; k < NIMPLANT; k++) tot += implants[k].left;
    for (unsigned k = NIMPLANT; k-- > 0 && tot > rows / 4;) {
        tot -= implants[k].left;
        implants[k].left = 0;
    }
}

/* The timestamp of row i of rows: spread over the day, 20% of rows
 * jittered by up to +-1.5 s so the order is only roughly sorted. */
static uint64_t row_ms(uint64_t i, uint64_t rows) {
    int64_t t = (int64_t)(i * DAY_MS / rows);
    if (chance(2000)) t += (int64_t)rndn(3001) - 1500;
    if (t < 0) t = 0;
    if (t >= (int64_t)DAY_MS) t = (int64_t)DAY_MS - 1;
    return DAY0_MS + (uint64_t)t;
}

/* A documentation address (RFC 5737) for web traffic. */
static const char *doc_ip(void) {
    static char ips[3 * 254][16];
    static int init;
    if (!init) {
        static const char *const nets[] = {"192.0.2.", "198.51.100.", "203.0.113."};
        for (int n = 0; n < 3; n++)
            for (int h = 1; h <= 254; h++) snprintf(ips[n * 254 + h - 1], 16, "%s%d", nets[n], h);
        init = 1;
    }
    return ips[rndn(3 * 254)];
}

/* A non-mail record's port, destination and process. */
static void fill_other(rec_t *r) {
    static const char *const port[] = {"443", "80", "53", "8080", "22", "3389", "445", "123", "8443", "5985", "3128"};
    static const uint16_t pw[] = {620, 140, 100, 50, 20, 15, 15, 10, 15, 5, 10};
    unsigned k = pick(pw, 11);
    r->dest_port = port[k];
    r->dest_ip = k == 2 ? (chance(5000) ? "10.0.0.53" : "10.0.0.54") : k >= 4 && k <= 6 ? "10.0.1.10" : doc_ip();
    r->protocol = k == 2 || k == 7 ? "udp" : "tcp";
    const host_t *h = r->h;
    int p;
    if (k == 2 || k == 7) p = h->role == R_WIN_WS || h->role == R_WIN_SRV ? P_SVCHOST : P_L_RESOLVED;
    else if (k == 4) p = P_L_SSHD;
    else if (k >= 5 && k <= 6) p = P_SVCHOST;
    else if (h->role == R_WIN_WS) {
        static const int16_t w[] = {-1, -1, -1, -1, -1, -1, P_TEAMS, P_ONEDRIVE, P_SVCHOST, P_PWSH};
        p = w[rndn(10)];
        if (p < 0) p = h->browser;
        if (h->mailclient >= 0 && chance(800)) p = h->mailclient; /* Exchange over HTTPS */
    } else if (h->role == R_LNX_WS) p = chance(8000) ? h->browser : P_L_PY;
    else p = chance(7000) && h->mailapp >= 0 ? h->mailapp : h->browser;
    r->proc = proc_path[p];
    r->bytes_out = rnd_bytes(200, 9);
    r->bytes_in = rnd_bytes(500, 12);
}

/* A mail-port record: the host's mail client, its mail-sending server
 * process, now and then a browser, rarely a port a normaliser mangled. */
static void fill_mail(rec_t *r) {
    const host_t *h = r->h;
    r->protocol = "tcp";
    int p;
    if (h->mailclient >= 0 && !(h->mailapp >= 0 && chance(5000))) {
        p = h->mailclient;
        r->dest_ip = mail_srv[h->srv];
        r->dest_port = chance(6500) ? h->port_in : h->port_out;
        if (chance(400)) p = h->browser; /* a browser on a mail port: webmail helper, odd but seen */
        r->bytes_out = rnd_bytes(300, 8);
        r->bytes_in = rnd_bytes(1000, 12);
    } else if (h->mailapp >= 0) {
        p = h->mailapp;
        r->dest_ip = h->srv < 3 ? mail_srv[h->srv] : "10.0.0.25";
        r->dest_port = h->srv == 0 ? "25" : h->port_out;
        r->bytes_out = rnd_bytes(1000, 11);
        r->bytes_in = rnd_bytes(100, 4);
    } else {
        /* no mail software: a stray check from a browser or script */
        p = chance(5000) ? h->browser : (h->role == R_WIN_WS ? P_PWSH : P_L_CURL);
        r->dest_ip = mail_srv[h->srv];
        r->dest_port = h->port_in;
        r->bytes_out = rnd_bytes(100, 6);
        r->bytes_in = rnd_bytes(100, 6);
    }
    if (chance(60)) {
        static const char *const odd[] = {"25.0", " 25", "0025", "993.0", "587 "};
        r->dest_port = odd[rndn(5)];
    }
    r->proc = proc_path[p];
}

/* Whether s is one of the seven mail ports, written exactly. */
static int is_mail_port(const char *s) {
    static const char *const mp[] = {"25", "465", "587", "110", "995", "143", "993"};
    for (int i = 0; i < 7; i++)
        if (strcmp(s, mp[i]) == 0) return 1;
    return 0;
}

/* The fields each log source has. */
static void shape(rec_t *r) {
    r->has_out = r->has_in = 1;
    r->has_user = r->has_host = 1;
    switch (r->cat) {
    case CAT_EDR:
        if (r->h->broken && chance(5000)) r->proc = "";
        if (chance(200)) r->has_out = 0;
        else if (chance(30)) r->bytes_out_s = "-";
        break;
    case CAT_PAN:
    case CAT_ASA:
        r->proc = NULL;
        r->has_host = 0;
        r->has_user = r->cat == CAT_PAN && chance(5000);
        break;
    case CAT_SQUID:
        r->proc = NULL;
        r->has_host = 0;
        /* a denied CONNECT to a mail port carries no byte count */
        if (chance(1000) || is_mail_port(r->dest_port)) r->bytes_out_s = "-";
        break;
    case CAT_SYSMON:
        r->has_out = r->has_in = 0; /* Event ID 3 has no byte counts */
        break;
    default: /* web application log */
        r->has_user = 0;
        break;
    }
}

/* ------------------------------------------------------------- writers -- */

/* "2024-06-01T12:34:56.789Z" */
static void put_ts(uint64_t ms) {
    uint64_t t = ms - DAY0_MS;
    unsigned msec = (unsigned)(t % 1000), s = (unsigned)(t / 1000);
    char b[24] = "2024-06-01T00:00:00.000Z";
    unsigned hh = s / 3600, mm = s / 60 % 60, ss = s % 60;
    b[11] = (char)('0' + hh / 10); b[12] = (char)('0' + hh % 10);
    b[14] = (char)('0' + mm / 10); b[15] = (char)('0' + mm % 10);
    b[17] = (char)('0' + ss / 10); b[18] = (char)('0' + ss % 10);
    b[20] = (char)('0' + msec / 100); b[21] = (char)('0' + msec / 10 % 10); b[22] = (char)('0' + msec % 10);
    put(b, 24);
}

static void write_csv_header(void) {
    puts_("timestamp,_messageTime,_sourceCategory,src_ip,src_port,dest_ip,dest_port,protocol,process_name,"
          "bytes_out,bytes_in,user,host");
    puts_(conn_cols ? ",direction,outcome,conn_id\n" : "\n");
}

static uint64_t mix(uint64_t x);

/* --conn: a record's direction, outcome and conn_id ("" when it has
 * none), hashed from the record. The firewall records have ids; of the
 * others a few carry an empty conn_id, as a CSV export of records without
 * one does. */
static void conn_fields(const rec_t *r, const char **dir, const char **oc, char *id, size_t cap) {
    static const char *const dirs[] = {"outbound", "outbound", "outbound", "outbound", "outbound", "outbound",
                                       "outbound", "internal", "inbound", NULL};
    static const char *const ocs[] = {"data", "data", "data", "data", "failed", "blocked", "empty",
                                      "allowed", "allowed", NULL};
    uint64_t h = mix(r->seq * 4 + 0x7c0f3);
    *dir = dirs[h % 10];
    *oc = r->start ? "allowed" : ocs[(h >> 8) % 10];
    id[0] = 0;
    if (r->cat == CAT_PAN || r->cat == CAT_ASA) snprintf(id, cap, "S%llu", (unsigned long long)r->seq);
}

/* --conn: whether firewall record r is also logged at its start. */
static int conn_twice(const rec_t *r) {
    return conn_cols && (r->cat == CAT_PAN || r->cat == CAT_ASA) && mix(r->seq * 4 + 0x2d1) % 4 == 0;
}

static void write_csv(const rec_t *r) {
    put_ts(r->ms); putch(',');
    putu(r->ms); putch(',');
    puts_(cat_name[r->cat]); putch(',');
    puts_(r->h->ip); putch(',');
    putu(r->src_port); putch(',');
    puts_(r->dest_ip); putch(',');
    puts_(r->dest_port); putch(',');
    puts_(r->protocol); putch(',');
    if (r->proc) put_csv_str(r->proc);
    putch(',');
    if (r->bytes_out_s) puts_(r->bytes_out_s);
    else if (r->has_out) putu(r->bytes_out);
    putch(',');
    if (r->has_in) putu(r->bytes_in);
    putch(',');
    if (r->has_user) put_csv_str(r->h->user);
    putch(',');
    if (r->has_host) put_csv_str(r->h->name);
    if (conn_cols) {
        const char *dir, *oc;
        char id[32];
        conn_fields(r, &dir, &oc, id, sizeof id);
        putch(',');
        if (dir) puts_(dir);
        putch(',');
        if (oc) puts_(oc);
        putch(',');
        puts_(id);
    }
    putch('\n');
}

static void write_jsonl(const rec_t *r) {
    puts_("{\"timestamp\":\""); put_ts(r->ms);
    puts_("\",\"_messageTime\":"); putu(r->ms);
    puts_(",\"_sourceCategory\":\""); puts_(cat_name[r->cat]);
    puts_("\",\"src_ip\":\""); puts_(r->h->ip);
    puts_("\",\"src_port\":"); putu(r->src_port);
    puts_(",\"dest_ip\":\""); puts_(r->dest_ip);
    puts_("\",\"dest_port\":\""); puts_(r->dest_port);
    puts_("\",\"protocol\":\""); puts_(r->protocol);
    putch('"');
    if (r->proc) { puts_(",\"process_name\":"); put_json_str(r->proc); }
    if (r->bytes_out_s) { puts_(",\"bytes_out\":"); put_json_str(r->bytes_out_s); }
    else if (r->has_out) { puts_(",\"bytes_out\":"); putu(r->bytes_out); }
    if (r->has_in) { puts_(",\"bytes_in\":"); putu(r->bytes_in); }
    if (r->has_user) { puts_(",\"user\":"); put_json_str(r->h->user); }
    if (r->has_host) { puts_(",\"host\":"); put_json_str(r->h->name); }
    if (conn_cols) {
        const char *dir, *oc;
        char id[32];
        conn_fields(r, &dir, &oc, id, sizeof id);
        if (dir) { puts_(",\"direction\":"); put_json_str(dir); }
        if (oc) { puts_(",\"outcome\":"); put_json_str(oc); }
        if (id[0]) { puts_(",\"conn_id\":"); put_json_str(id); }
    }
    puts_("}\n");
}

/* ------------------------------------------------ other log formats -- */

/* The same records in the shapes of postern's other readers (docs/schema.md
 * §4, the samples in tests/data/). A format that does not carry a field
 * leaves it out; a port that a normaliser mangled (" 25", "25.0") is
 * written as the number wherever the format types it. Values the records do
 * not hold (pids, ids, durations, packet counts) are hashed from the record,
 * never drawn from the random stream, so every format holds the same
 * connections in the same order. */

/* splitmix64's finaliser: a fixed pseudo-random function of x. */
static uint64_t mix(uint64_t x) {
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

/* FNV-1a of a string (NULL gives the offset basis). */
static uint64_t str_hash(const char *s) {
    uint64_t h = 0xcbf29ce484222325ULL;
    for (; s && *s; s++) h = (h ^ (unsigned char)*s) * 0x100000001b3ULL;
    return h;
}

/* Per-record numbers in [0, n): k picks one of several. */
static uint64_t rec_rand(const rec_t *r, unsigned k, uint64_t n) { return mix(r->seq * 8 + k + 0x51ed27) % n; }

/* The process id of the record's process on its host. */
static unsigned rec_pid(const rec_t *r) {
    return 400 + (unsigned)(mix(str_hash(r->proc) ^ (uint64_t)(r->h - hosts)) % 60000);
}

/* dest_port as a number: " 25", "25.0", "0025" and "587 " give 25 and 587. */
static unsigned port_num(const char *s) { return (unsigned)strtoul(s, NULL, 10); }

/* IANA protocol number. */
static unsigned proto_num(const rec_t *r) { return r->protocol[0] == 'u' ? 17 : 6; }

/* Whether bytes_out is a number. */
static int out_ok(const rec_t *r) { return r->has_out && !r->bytes_out_s; }

/* Whether an address is one of the records' RFC 1918 ones. */
static int is_private(const char *ip) { return strncmp(ip, "10.", 3) == 0 || strncmp(ip, "172.", 4) == 0 || strncmp(ip, "192.168.", 8) == 0; }

/* Whether the host runs Linux. */
static int is_linux(const rec_t *r) { return r->h->role == R_LNX_WS || r->h->role == R_LNX_SRV; }

/* The last component of a path (either separator). */
static const char *base_name(const char *p) {
    const char *b = p;
    for (; *p; p++)
        if (*p == '/' || *p == '\\') b = p + 1;
    return b;
}

/* v in decimal, zero-padded to w digits. */
static void putz(unsigned v, int w) {
    char t[12];
    for (int i = w - 1; i >= 0; i--, v /= 10) t[i] = (char)('0' + v % 10);
    put(t, (size_t)w);
}

/* The time ms (on 2024-06-01, whose date the layouts spell) in a layout:
 * %T hh:mm:ss, %3 milliseconds, %E epoch seconds, %M epoch milliseconds;
 * other bytes are copied. */
static void put_time(uint64_t ms, const char *lay) {
    unsigned s = (unsigned)((ms - DAY0_MS) / 1000);
    for (; *lay; lay++) {
        if (*lay != '%') { putch(*lay); continue; }
        switch (*++lay) {
        case 'T': putz(s / 3600, 2); putch(':'); putz(s / 60 % 60, 2); putch(':'); putz(s % 60, 2); break;
        case '3': putz((unsigned)(ms % 1000), 3); break;
        case 'E': putu(ms / 1000); break;
        default: putu(ms); break; /* %M */
        }
    }
}

/* A JSON member separator, unless an object or array was just opened. */
static void jsep(void) {
    if (out[outn - 1] != '{' && out[outn - 1] != '[') putch(',');
}
static void jkey(const char *k) { jsep(); putch('"'); puts_(k); puts_("\":"); }
static void jstr(const char *k, const char *v) { jkey(k); put_json_str(v); }
static void jnum(const char *k, uint64_t v) { jkey(k); putu(v); }
/* A member whose value is written as is (true, null, a number as text). */
static void jraw(const char *k, const char *v) { jkey(k); puts_(v); }
static void jopen(const char *k) { jkey(k); putch('{'); }
/* A number written as a JSON string ("443"), as Sumo and osquery do. */
static void jnumstr(const char *k, uint64_t v) { jkey(k); putch('"'); putu(v); putch('"'); }

/* XML character data or an attribute value. */
static void put_xml_str(const char *s) {
    for (; *s; s++) switch (*s) {
        case '&': puts_("&amp;"); break;
        case '<': puts_("&lt;"); break;
        case '>': puts_("&gt;"); break;
        case '"': puts_("&quot;"); break;
        default: putch(*s);
        }
}

/* A cell always quoted, as Sumo's UI export writes every cell. */
static void put_csv_quoted(const char *s) {
    putch('"');
    for (; *s; s++) {
        if (*s == '"') putch('"');
        putch(*s);
    }
    putch('"');
}

/* A hexadecimal dump of n bytes, upper case. */
static void put_hex(const unsigned char *p, size_t n) {
    static const char hx[] = "0123456789ABCDEF";
    for (size_t i = 0; i < n; i++) { putch(hx[p[i] >> 4]); putch(hx[p[i] & 15]); }
}

/* A GUID from two hashes: {XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX}. */
static void put_guid(uint64_t a, uint64_t b) {
    unsigned char g[16];
    for (int i = 0; i < 8; i++) g[i] = (unsigned char)(a >> (8 * i)), g[8 + i] = (unsigned char)(b >> (8 * i));
    putch('{'); put_hex(g, 4); putch('-'); put_hex(g + 4, 2); putch('-'); put_hex(g + 6, 2); putch('-');
    put_hex(g + 8, 2); putch('-'); put_hex(g + 10, 6); putch('}');
}

/* Services by port, as each product names them (NULL: not named). */
static const struct svc {
    unsigned port;
    const char *zeek, *panos, *forti;
} svcs[] = {
    {443, "ssl", "ssl", "HTTPS"},          {80, "http", "web-browsing", "HTTP"}, {8080, "http", "web-browsing", NULL},
    {53, "dns", "dns", "DNS"},             {22, "ssh", "ssh", "SSH"},            {3389, NULL, "ms-rdp", "RDP"},
    {445, "smb", "ms-ds-smb", "SMB"},      {123, "ntp", "ntp", "NTP"},           {8443, "ssl", "ssl", NULL},
    {3128, "http", "web-browsing", NULL},  {25, "smtp", "smtp-base", "SMTP"},    {587, "smtp,ssl", "smtp-base", "SMTP"},
    {465, "ssl", "smtps", "SMTPS"},        {993, "ssl", "imaps", "IMAPS"},       {143, "imap", "imap", "IMAP"},
    {995, "ssl", "pop3s", "POP3S"},        {110, "pop3", "pop3", "POP3"},
};

/* The service entry of the record's port (a blank one when unknown). */
static const struct svc *svc_of(const rec_t *r) {
    static const struct svc none = {0, NULL, NULL, NULL};
    unsigned p = port_num(r->dest_port);
    for (size_t i = 0; i < sizeof svcs / sizeof svcs[0]; i++)
        if (svcs[i].port == p) return &svcs[i];
    return &none;
}

/* ---- Sumo Logic exports: the JSONL record as _raw, its fields beside it */

/* The record's JSONL text (no newline), for _raw: written at the end of the
 * buffer, then moved out of it. */
static char raw[8192];
static void make_raw(const rec_t *r) {
    size_t at = outn;
    write_jsonl(r);
    size_t n = outn - at - 1;
    memcpy(raw, out + at, n);
    raw[n] = 0;
    outn = at;
}

/* The record's values as text, in the CSV's column order after the
 * metadata (NULL: absent). nums[] holds the digits of the numbers. */
enum { SV_SRC_IP, SV_SRC_PORT, SV_DEST_IP, SV_DEST_PORT, SV_PROTOCOL, SV_PROC, SV_OUT, SV_IN, SV_USER, SV_HOST, NSV };
static const char *const sv_name[NSV] = {"src_ip", "src_port", "dest_ip", "dest_port", "protocol",
                                         "process_name", "bytes_out", "bytes_in", "user", "host"};
static void sumo_values(const rec_t *r, const char *v[NSV]) {
    static char nums[3][24];
    snprintf(nums[0], 24, "%u", r->src_port);
    snprintf(nums[1], 24, "%llu", (unsigned long long)r->bytes_out);
    snprintf(nums[2], 24, "%llu", (unsigned long long)r->bytes_in);
    v[SV_SRC_IP] = r->h->ip;
    v[SV_SRC_PORT] = nums[0];
    v[SV_DEST_IP] = r->dest_ip;
    v[SV_DEST_PORT] = r->dest_port;
    v[SV_PROTOCOL] = r->protocol;
    v[SV_PROC] = r->proc;
    v[SV_OUT] = r->bytes_out_s ? r->bytes_out_s : r->has_out ? nums[1] : NULL;
    v[SV_IN] = r->has_in ? nums[2] : NULL;
    v[SV_USER] = r->has_user ? r->h->user : NULL;
    v[SV_HOST] = r->has_host ? r->h->name : NULL;
}

/* Messages per Search Job API page. */
#define SUMO_PAGE 10000

/* Sumo's Search Job API: pages {"fields":[…],"messages":[{"map":{…}},…]},
 * one a line group, every value a string. */
static void write_sumo_json(const rec_t *r) {
    if (r->seq % SUMO_PAGE == 0) {
        if (r->seq) puts_("]}\n");
        puts_("{\"fields\":[{\"name\":\"_messagetime\",\"fieldType\":\"long\",\"keyField\":false},"
              "{\"name\":\"_raw\",\"fieldType\":\"string\",\"keyField\":false},"
              "{\"name\":\"_sourcecategory\",\"fieldType\":\"string\",\"keyField\":false},"
              "{\"name\":\"_sourcehost\",\"fieldType\":\"string\",\"keyField\":false}");
        for (int i = 0; i < NSV; i++) {
            puts_(",{\"name\":\""); puts_(sv_name[i]); puts_("\",\"fieldType\":\"string\",\"keyField\":false}");
        }
        puts_("],\"messages\":[\n");
    } else puts_(",\n");
    make_raw(r);
    const char *v[NSV];
    sumo_values(r, v);
    puts_("{\"map\":{");
    jnumstr("_messagetime", r->ms);
    jstr("_raw", raw);
    jstr("_sourcecategory", cat_name[r->cat]);
    jstr("_sourcehost", r->h->name);
    for (int i = 0; i < NSV; i++)
        if (v[i]) jstr(sv_name[i], v[i]);
    puts_("}}");
}

static void end_sumo_json(uint64_t rows) {
    if (rows) puts_("]}\n");
}

static void head_sumo_csv(void) {
    puts_("\"_messagetimems\",\"_messagetime\",\"_raw\",\"_sourcecategory\",\"_sourcehost\"");
    for (int i = 0; i < NSV; i++) { puts_(",\""); puts_(sv_name[i]); putch('"'); }
    putch('\n');
}

/* Sumo's UI CSV export: every cell quoted, absent values empty. */
static void write_sumo_csv(const rec_t *r) {
    make_raw(r);
    const char *v[NSV];
    sumo_values(r, v);
    putch('"'); putu(r->ms);
    put_time(r->ms, "\",\"06/01/2024 %T.%3 +0000\",");
    put_csv_quoted(raw); putch(',');
    put_csv_quoted(cat_name[r->cat]); putch(',');
    put_csv_quoted(r->h->name);
    for (int i = 0; i < NSV; i++) { putch(','); put_csv_quoted(v[i] ? v[i] : ""); }
    putch('\n');
}

/* ---- Zeek conn.log */

/* A conn.log entry's values beyond the record's. */
typedef struct zconn {
    char uid[19];                 /* C + 17 base-62 characters */
    unsigned dur_us;              /* duration in microseconds */
    uint64_t opk, rpk, oip, rip;  /* packets and IP bytes each way */
    const char *service;          /* NULL: unset */
} zconn_t;

static void zeek_conn(const rec_t *r, zconn_t *z) {
    static const char b62[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    uint64_t u = mix(r->seq + 0x2eeceULL);
    z->uid[0] = 'C';
    for (int i = 1; i < 18; i++) z->uid[i] = b62[(u = mix(u + (uint64_t)i)) % 62];
    z->uid[18] = 0;
    z->dur_us = (unsigned)rec_rand(r, 1, 30000000);
    uint64_t o = out_ok(r) ? r->bytes_out : 0, i = r->has_in ? r->bytes_in : 0;
    z->opk = o / 1400 + 3;
    z->rpk = i / 1400 + 2;
    z->oip = o + z->opk * 40;
    z->rip = i + z->rpk * 40;
    z->service = svc_of(r)->zeek;
}

static void head_zeek_tsv(void) {
    puts_("#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\tconn\n"
          "#open\t2024-06-01-00-00-00\n"
          "#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tservice\tduration\torig_bytes\t"
          "resp_bytes\tconn_state\tlocal_orig\tlocal_resp\tmissed_bytes\thistory\torig_pkts\torig_ip_bytes\t"
          "resp_pkts\tresp_ip_bytes\ttunnel_parents\n"
          "#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tstring\tinterval\tcount\tcount\tstring\tbool\tbool\t"
          "count\tstring\tcount\tcount\tcount\tcount\tset[string]\n");
}

/* Zeek's ASCII writer: tab-separated, `-` unset. */
static void write_zeek_tsv(const rec_t *r) {
    zconn_t z;
    zeek_conn(r, &z);
    put_time(r->ms, "%E.%3000\t");
    puts_(z.uid); putch('\t');
    puts_(r->h->ip); putch('\t'); putu(r->src_port); putch('\t');
    puts_(r->dest_ip); putch('\t'); putu(port_num(r->dest_port)); putch('\t');
    puts_(r->protocol); putch('\t');
    puts_(z.service ? z.service : "-"); putch('\t');
    putu(z.dur_us / 1000000); putch('.'); putz(z.dur_us % 1000000, 6); putch('\t');
    if (out_ok(r)) putu(r->bytes_out); else putch('-');
    putch('\t');
    if (r->has_in) putu(r->bytes_in); else putch('-');
    puts_(is_private(r->dest_ip) ? "\tSF\tT\tT\t0\t" : "\tSF\tT\tF\t0\t");
    puts_(proto_num(r) == 6 ? "ShADadFf" : "Dd"); putch('\t');
    putu(z.opk); putch('\t'); putu(z.oip); putch('\t'); putu(z.rpk); putch('\t'); putu(z.rip);
    puts_("\t(empty)\n");
}

static void end_zeek_tsv(uint64_t rows) {
    (void)rows;
    puts_("#close\t2024-06-02-00-00-00\n");
}

/* Zeek's JSON writer: unset fields left out. */
static void write_zeek_json(const rec_t *r) {
    zconn_t z;
    zeek_conn(r, &z);
    puts_("{\"ts\":"); put_time(r->ms, "%E.%3");
    jstr("uid", z.uid);
    jstr("id.orig_h", r->h->ip); jnum("id.orig_p", r->src_port);
    jstr("id.resp_h", r->dest_ip); jnum("id.resp_p", port_num(r->dest_port));
    jstr("proto", r->protocol);
    if (z.service) jstr("service", z.service);
    jkey("duration"); putu(z.dur_us / 1000000); putch('.'); putz(z.dur_us % 1000000, 6);
    if (out_ok(r)) jnum("orig_bytes", r->bytes_out);
    if (r->has_in) jnum("resp_bytes", r->bytes_in);
    jstr("conn_state", "SF");
    jraw("local_orig", "true");
    jraw("local_resp", is_private(r->dest_ip) ? "true" : "false");
    jnum("missed_bytes", 0);
    jstr("history", proto_num(r) == 6 ? "ShADadFf" : "Dd");
    jnum("orig_pkts", z.opk); jnum("orig_ip_bytes", z.oip);
    jnum("resp_pkts", z.rpk); jnum("resp_ip_bytes", z.rip);
    puts_("}\n");
}

/* ---- Sysmon event 3: Windows Event XML, evtx_dump JSON, Winlogbeat */

/* One EventData item. */
typedef struct item {
    const char *name;
    int kind;        /* IT_* */
    const char *s;   /* IT_STR text, IT_BOOL "true"/"false" */
    uint64_t u;      /* IT_NUM value, IT_UTC epoch ms */
} item_t;
enum { IT_STR, IT_NUM, IT_BOOL, IT_UTC };

/* The platform's Sysmon provider. */
typedef struct sysmon_src {
    const char *provider, *guid, *channel;
} sysmon_src_t;
static const sysmon_src_t sysmon_win = {"Microsoft-Windows-Sysmon", "{5770385F-C22A-43E0-BF4C-06F5698FFBD9}",
                                        "Microsoft-Windows-Sysmon/Operational"};
static const sysmon_src_t sysmon_lnx = {"Linux-Sysmon", "{FF032593-A8D3-4F13-B0D6-01FC615A0F97}",
                                        "Linux-Sysmon/Operational"};

/* The ProcessGuid of the record's process (text in a static buffer). */
static const char *proc_guid(const rec_t *r) {
    static char g[40];
    size_t at = outn;
    uint64_t k = str_hash(r->proc) ^ (uint64_t)(r->h - hosts);
    put_guid(mix(k), mix(k + 1));
    memcpy(g, out + at, 38);
    g[38] = 0;
    outn = at;
    return g;
}

/* A Sysmon event 3's EventData, in Sysmon's order; returns the count. */
static int sysmon_items(const rec_t *r, item_t *it) {
    int n = 0;
#define ITEM(nm, k, str, num) (it[n++] = (item_t){nm, k, str, num})
    ITEM("RuleName", IT_STR, "-", 0);
    ITEM("UtcTime", IT_UTC, NULL, r->ms);
    ITEM("ProcessGuid", IT_STR, proc_guid(r), 0);
    ITEM("ProcessId", IT_NUM, NULL, rec_pid(r));
    if (r->proc) ITEM("Image", IT_STR, r->proc, 0);
    if (r->has_user) ITEM("User", IT_STR, r->h->user, 0);
    ITEM("Protocol", IT_STR, r->protocol, 0);
    ITEM("Initiated", IT_BOOL, "true", 0);
    ITEM("SourceIsIpv6", IT_BOOL, "false", 0);
    ITEM("SourceIp", IT_STR, r->h->ip, 0);
    ITEM("SourceHostname", IT_STR, r->has_host ? r->h->name : "-", 0);
    ITEM("SourcePort", IT_NUM, NULL, r->src_port);
    ITEM("SourcePortName", IT_STR, "-", 0);
    ITEM("DestinationIsIpv6", IT_BOOL, "false", 0);
    ITEM("DestinationIp", IT_STR, r->dest_ip, 0);
    ITEM("DestinationHostname", IT_STR, "-", 0);
    ITEM("DestinationPort", IT_NUM, NULL, port_num(r->dest_port));
    ITEM("DestinationPortName", IT_STR, "-", 0);
#undef ITEM
    return n;
}

static void head_winxml(void) { puts_("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Events>\n"); }
static void end_winxml(uint64_t rows) { (void)rows; puts_("</Events>\n"); }

/* Windows Event XML, one <Event> a line (wevtutil qe /f:xml). */
static void write_winxml(const rec_t *r) {
    const sysmon_src_t *src = is_linux(r) ? &sysmon_lnx : &sysmon_win;
    puts_("<Event xmlns=\"http://schemas.microsoft.com/win/2004/08/events/event\"><System><Provider Name=\"");
    puts_(src->provider); puts_("\" Guid=\""); puts_(src->guid);
    puts_("\"/><EventID>3</EventID><Version>5</Version><Level>4</Level><Task>3</Task><Opcode>0</Opcode>"
          "<Keywords>0x8000000000000000</Keywords>");
    put_time(r->ms, "<TimeCreated SystemTime=\"2024-06-01T%T.%30000Z\"/><EventRecordID>");
    putu(r->seq + 1);
    puts_("</EventRecordID><Correlation/><Execution ProcessID=\"3012\" ThreadID=\"4100\"/><Channel>");
    puts_(src->channel); puts_("</Channel><Computer>"); put_xml_str(r->h->name);
    puts_("</Computer><Security UserID=\"S-1-5-18\"/></System><EventData>");
    item_t it[24];
    int n = sysmon_items(r, it);
    for (int i = 0; i < n; i++) {
        puts_("<Data Name=\""); puts_(it[i].name); puts_("\">");
        if (it[i].kind == IT_NUM) putu(it[i].u);
        else if (it[i].kind == IT_UTC) put_time(it[i].u, "2024-06-01 %T.%3");
        else put_xml_str(it[i].s);
        puts_("</Data>");
    }
    puts_("</EventData></Event>\n");
}

/* evtx_dump -o jsonl: attributes under #attributes, typed EventData. */
static void write_evtx_json(const rec_t *r) {
    const sysmon_src_t *src = is_linux(r) ? &sysmon_lnx : &sysmon_win;
    puts_("{\"Event\":{\"#attributes\":{\"xmlns\":\"http://schemas.microsoft.com/win/2004/08/events/event\"},"
          "\"System\":{\"Provider\":{\"#attributes\":{");
    jstr("Name", src->provider); jstr("Guid", src->guid);
    puts_("}},\"EventID\":3,\"Version\":5,\"Level\":4,\"Task\":3,\"Opcode\":0,"
          "\"Keywords\":\"0x8000000000000000\",\"TimeCreated\":{\"#attributes\":{\"SystemTime\":\"");
    put_time(r->ms, "2024-06-01T%T.%3000Z\"}}");
    jnum("EventRecordID", r->seq + 1);
    puts_(",\"Correlation\":null,\"Execution\":{\"#attributes\":{\"ProcessID\":3012,\"ThreadID\":4100}}");
    jstr("Channel", src->channel); jstr("Computer", r->h->name);
    puts_(",\"Security\":{\"#attributes\":{\"UserID\":\"S-1-5-18\"}}},\"EventData\":{");
    item_t it[24];
    int n = sysmon_items(r, it);
    for (int i = 0; i < n; i++) {
        if (it[i].kind == IT_NUM) jnum(it[i].name, it[i].u);
        else if (it[i].kind == IT_BOOL) jraw(it[i].name, it[i].s);
        else if (it[i].kind == IT_STR) jstr(it[i].name, it[i].s);
        else { jkey(it[i].name); put_time(it[i].u, "\"2024-06-01 %T.%3\""); }
    }
    puts_("}}}\n");
}

/* ECS: records with a process as Winlogbeat 7's Sysmon module writes event
 * 3 (fields moved into ECS, the rest left in winlog.event_data); the others
 * as network flow events with byte counts. */
static void write_ecs(const rec_t *r) {
    put_time(r->ms, "{\"@timestamp\":\"2024-06-01T%T.%3Z\"");
    if (r->proc) {
        puts_(",\"agent\":{\"type\":\"winlogbeat\",\"version\":\"7.17.9\"},\"ecs\":{\"version\":\"1.12.0\"},"
              "\"event\":{\"code\":3,\"kind\":\"event\",\"module\":\"sysmon\",\"category\":[\"network\"],"
              "\"type\":[\"connection\",\"start\"],\"provider\":\"Microsoft-Windows-Sysmon\"}");
        jopen("host"); jstr("name", r->h->name); putch('}');
        jopen("winlog");
        jstr("channel", sysmon_win.channel); jstr("provider_name", sysmon_win.provider);
        jstr("computer_name", r->h->name); jnum("event_id", 3); jnum("record_id", r->seq + 1);
        puts_(",\"process\":{\"pid\":3012,\"thread\":{\"id\":4100}},\"user\":{\"identifier\":\"S-1-5-18\"},"
              "\"event_data\":{\"SourceIsIpv6\":\"false\",\"DestinationIsIpv6\":\"false\","
              "\"SourcePortName\":\"-\",\"DestinationPortName\":\"-\",\"RuleName\":\"-\"}}");
        jopen("process");
        jstr("entity_id", proc_guid(r)); jnum("pid", rec_pid(r));
        jstr("executable", r->proc); jstr("name", base_name(r->proc));
        putch('}');
    } else {
        puts_(",\"agent\":{\"type\":\"packetbeat\",\"version\":\"8.13.4\"},\"ecs\":{\"version\":\"8.11.0\"},"
              "\"event\":{\"kind\":\"event\",\"category\":[\"network\"],\"type\":[\"connection\",\"end\"],"
              "\"dataset\":\"flow\",\"action\":\"network_flow\"}");
    }
    if (r->has_user) {
        const char *u = r->h->user, *bs = strchr(u, '\\');
        jopen("user");
        if (bs) {
            char dom[40];
            size_t dn = (size_t)(bs - u);
            memcpy(dom, u, dn);
            dom[dn] = 0;
            jstr("domain", dom);
            u = bs + 1;
        }
        jstr("name", u);
        putch('}');
    }
    jopen("network");
    jstr("transport", r->protocol); jstr("direction", "egress"); jstr("type", "ipv4");
    putch('}');
    jopen("source");
    jstr("ip", r->h->ip); jnum("port", r->src_port);
    if (out_ok(r)) jnum("bytes", r->bytes_out);
    putch('}');
    jopen("destination");
    jstr("ip", r->dest_ip); jnum("port", port_num(r->dest_port));
    if (r->has_in) jnum("bytes", r->bytes_in);
    puts_("}}\n");
}

/* ---- firewalls */

/* iptables LOG in the kernel log: the first packet of the connection. */
static void write_netfilter(const rec_t *r) {
    uint64_t up = 500000000 + (r->ms - DAY0_MS); /* uptime in ms */
    put_time(r->ms, "Jun  1 %T gw01 kernel: [");
    putu(up / 1000); putch('.'); putz((unsigned)(up % 1000), 3);
    puts_("001] FWD-NEW: IN=eth1 OUT=eth0 MAC=52:54:00:12:34:56:52:54:00:ab:cd:ef:08:00 SRC=");
    puts_(r->h->ip); puts_(" DST="); puts_(r->dest_ip);
    unsigned id = (unsigned)rec_rand(r, 2, 65536);
    if (proto_num(r) == 6) {
        puts_(" LEN=60 TOS=0x00 PREC=0x00 TTL=63 ID="); putu(id);
        puts_(" DF PROTO=TCP SPT="); putu(r->src_port); puts_(" DPT="); putu(port_num(r->dest_port));
        puts_(" WINDOW=64240 RES=0x00 SYN URGP=0\n");
    } else {
        unsigned len = 40 + (unsigned)rec_rand(r, 3, 60);
        puts_(" LEN="); putu(len + 20); puts_(" TOS=0x00 PREC=0x00 TTL=63 ID="); putu(id);
        puts_(" PROTO=UDP SPT="); putu(r->src_port); puts_(" DPT="); putu(port_num(r->dest_port));
        puts_(" LEN="); putu(len); putch('\n');
    }
}

/* pfSense filterlog, RFC 5424 header: the connection's first packet. */
static void write_pflog(const rec_t *r) {
    put_time(r->ms, "<134>1 2024-06-01T%T.%3000+00:00 pfsense.corp.example filterlog 61234 - - "
                    "5,,,1000000103,igb1,match,pass,in,4,0x0,,64,");
    putu(rec_rand(r, 2, 65536));
    if (proto_num(r) == 6) {
        puts_(",0,DF,6,tcp,60,"); puts_(r->h->ip); putch(','); puts_(r->dest_ip); putch(',');
        putu(r->src_port); putch(','); putu(port_num(r->dest_port));
        puts_(",0,S,"); putu(rec_rand(r, 3, 4000000000u)); puts_(",,64240,,mss;sackOK;TS;nop;wscale\n");
    } else {
        unsigned len = 40 + (unsigned)rec_rand(r, 3, 60);
        puts_(",0,none,17,udp,"); putu(len + 28); putch(','); puts_(r->h->ip); putch(',');
        puts_(r->dest_ip); putch(','); putu(r->src_port); putch(','); putu(port_num(r->dest_port));
        putch(','); putu(len); putch('\n');
    }
}

/* PAN-OS TRAFFIC end log, positional CSV behind a BSD syslog header. */
static void write_panos(const rec_t *r) {
    const struct svc *s = svc_of(r);
    uint64_t o = out_ok(r) ? r->bytes_out : 0, i = r->has_in ? r->bytes_in : 0;
    uint64_t po = o / 1400 + 3, pi = i / 1400 + 2;
    int priv = is_private(r->dest_ip);
    put_time(r->ms, "Jun  1 %T PA-3220-edge 1,2024/06/01 %T,016201001234,TRAFFIC,end,2561,2024/06/01 %T,");
    puts_(r->h->ip); putch(','); puts_(r->dest_ip);
    puts_(priv ? ",0.0.0.0,0.0.0.0,inside-any," : ",198.51.100.7,0.0.0.0,outbound-any,");
    if (r->has_user) put_csv_str(r->h->user);
    puts_(",,");
    puts_(s->panos ? s->panos : proto_num(r) == 6 ? "unknown-tcp" : "unknown-udp");
    puts_(priv ? ",vsys1,trust,dmz,ethernet1/2,ethernet1/3,default-fwd," : ",vsys1,trust,untrust,ethernet1/2,ethernet1/1,default-fwd,");
    put_time(r->ms, "2024/06/01 %T,");
    putu(30000 + r->seq % 1000000); puts_(",1,");
    putu(r->src_port); putch(','); putu(port_num(r->dest_port)); putch(',');
    putu(priv ? 0 : 1024 + rec_rand(r, 2, 60000)); putch(','); putu(priv ? 0 : port_num(r->dest_port));
    puts_(",0x400053,"); puts_(r->protocol); puts_(",allow,");
    putu(o + i); putch(',');
    if (out_ok(r)) putu(r->bytes_out);
    putch(',');
    if (r->has_in) putu(r->bytes_in);
    putch(','); putu(po + pi); putch(',');
    put_time(r->ms, "2024/06/01 %T,");
    putu(rec_rand(r, 1, 60)); puts_(",any,0,"); putu(7000000 + r->seq); puts_(",0x0,10.0.0.0-10.255.255.255,");
    puts_(priv ? "10.0.0.0-10.255.255.255" : "United States");
    puts_(",0,"); putu(po); putch(','); putu(pi);
    puts_(proto_num(r) == 6 ? ",tcp-fin" : ",aged-out");
    puts_(",0,0,0,0,,PA-3220-edge,from-policy,,,0,,0,,N/A,0,0,0,0,a3c1e6de-5b1e-4e8d-9f0c-2c43d0f1a001,0\n");
}

/* FortiGate traffic log, key=value without a syslog header (a FortiAnalyzer
 * or disk log export); quoted values escape `"` and `\` as JSON does. */
static void write_fortigate(const rec_t *r) {
    const struct svc *s = svc_of(r);
    int priv = is_private(r->dest_ip);
    put_time(r->ms, "date=2024-06-01 time=%T devname=\"FGT-HQ-01\" devid=\"FG100FTK20000001\" eventtime=%M");
    putz((unsigned)rec_rand(r, 1, 1000000), 6);
    puts_(" tz=\"+0000\" logid=\"0000000013\" type=\"traffic\" subtype=\"forward\" level=\"notice\" vd=\"root\" srcip=");
    puts_(r->h->ip); puts_(" srcport="); putu(r->src_port);
    puts_(" srcintf=\"port2\" srcintfrole=\"lan\" dstip="); puts_(r->dest_ip);
    puts_(" dstport="); putu(port_num(r->dest_port));
    puts_(priv ? " dstintf=\"port3\" dstintfrole=\"dmz\"" : " dstintf=\"port1\" dstintfrole=\"wan\"");
    puts_(" sessionid="); putu(900000 + r->seq); puts_(" proto="); putu(proto_num(r));
    puts_(" action=\"close\" policyid=12 policytype=\"policy\" policyname=\"LAN to WAN\"");
    if (s->forti) { puts_(" service="); put_json_str(s->forti); }
    if (!priv) { puts_(" trandisp=\"snat\" transip=198.51.100.7 transport="); putu(1024 + rec_rand(r, 2, 60000)); }
    puts_(" duration="); putu(rec_rand(r, 3, 120));
    if (out_ok(r)) { puts_(" sentbyte="); putu(r->bytes_out); }
    if (r->has_in) { puts_(" rcvdbyte="); putu(r->bytes_in); }
    puts_(" sentpkt="); putu((out_ok(r) ? r->bytes_out : 0) / 1400 + 3);
    puts_(" rcvdpkt="); putu((r->has_in ? r->bytes_in : 0) / 1400 + 2);
    if (r->has_user) { puts_(" user="); put_json_str(r->h->user); }
    putch('\n');
}

/* Cisco ASA 302014/302016 Teardown: one line a connection, with its bytes. */
static void write_asa(const rec_t *r) {
    int tcp = proto_num(r) == 6;
    unsigned d = (unsigned)rec_rand(r, 1, 600);
    put_time(r->ms, "Jun 01 2024 %T asa-edge : ");
    puts_(tcp ? "%ASA-6-302014: Teardown TCP connection " : "%ASA-6-302016: Teardown UDP connection ");
    putu(884201 + r->seq);
    puts_(is_private(r->dest_ip) ? " for dmz:" : " for outside:");
    puts_(r->dest_ip); putch('/'); putu(port_num(r->dest_port));
    puts_(" to inside:"); puts_(r->h->ip); putch('/'); putu(r->src_port);
    puts_(" duration "); putu(d / 3600); putch(':'); putz(d / 60 % 60, 2); putch(':'); putz(d % 60, 2);
    puts_(" bytes "); putu((out_ok(r) ? r->bytes_out : 0) + (r->has_in ? r->bytes_in : 0));
    puts_(tcp ? " TCP FINs\n" : "\n");
}

/* ---- SIEM formats */

/* A CEF extension value: `\` and `=` escaped. */
static void put_cef_val(const char *s) {
    for (; *s; s++) {
        if (*s == '\\' || *s == '=') putch('\\');
        putch(*s);
    }
}

/* ArcSight CEF behind a BSD syslog header: an EDR's connection events
 * (with a process) and a firewall's session ends (without). */
static void write_cef(const rec_t *r) {
    put_time(r->ms, "<134>Jun  1 %T ");
    puts_(r->proc ? "edr-collector CEF:0|ExampleVendor|ExampleEDR|2.1|net-connect|Outbound connection|3|rt="
                  : "fw1 CEF:0|ExampleVendor|ExampleFW|9.1|traffic-end|Session end|1|rt=");
    putu(r->ms);
    puts_(" src="); puts_(r->h->ip); puts_(" spt="); putu(r->src_port);
    puts_(" dst="); puts_(r->dest_ip); puts_(" dpt="); putu(port_num(r->dest_port));
    puts_(proto_num(r) == 6 ? " proto=TCP" : " proto=UDP");
    if (out_ok(r)) { puts_(" out="); putu(r->bytes_out); }
    if (r->has_in) { puts_(" in="); putu(r->bytes_in); }
    puts_(" deviceDirection=1");
    if (r->proc) {
        puts_(" sproc="); put_cef_val(r->proc);
        puts_(" spid="); putu(rec_pid(r));
    }
    if (r->has_user) { puts_(" suser="); put_cef_val(r->h->user); }
    if (r->has_host) { puts_(" dvchost="); put_cef_val(r->h->name); }
    puts_(r->proc ? " act=allowed cs1Label=Rule Name cs1=default allow out\n" : " act=accept cs2Label=Zone cs2=trust-to-untrust\n");
}

/* QRadar LEEF 1.0 (tab-separated) behind a BSD syslog header. */
static void write_leef(const rec_t *r) {
    put_time(r->ms, "Jun  1 %T fw2 LEEF:1.0|ExampleVendor|ExampleFW|9.1|conn_close|devTime=Jun 01 2024 %T"
                    "\tdevTimeFormat=MMM dd yyyy HH:mm:ss\tsrc=");
    puts_(r->h->ip); puts_("\tdst="); puts_(r->dest_ip);
    puts_("\tsrcPort="); putu(r->src_port); puts_("\tdstPort="); putu(port_num(r->dest_port));
    puts_(proto_num(r) == 6 ? "\tproto=TCP" : "\tproto=UDP");
    if (out_ok(r)) { puts_("\tsrcBytes="); putu(r->bytes_out); }
    if (r->has_in) { puts_("\tdstBytes="); putu(r->bytes_in); }
    if (r->has_user) { puts_("\tusrName="); puts_(r->h->user); }
    if (r->has_host) { puts_("\tidentHostName="); puts_(r->h->name); }
    puts_("\tcat=accept\tpolicy=allow out\n");
}

/* OCSF 1.1 Network Activity (4001), Traffic activity. */
static void write_ocsf(const rec_t *r) {
    puts_("{\"class_uid\":4001,\"class_name\":\"Network Activity\",\"category_uid\":4,\"activity_id\":6,"
          "\"type_uid\":400106,\"severity_id\":1");
    jnum("time", r->ms);
    puts_(",\"metadata\":{\"version\":\"1.1.0\",\"uid\":\"evt-");
    putu(r->seq);
    puts_(r->proc ? "\",\"product\":{\"name\":\"ExampleEDR\",\"vendor_name\":\"ExampleVendor\"}}"
                  : "\",\"product\":{\"name\":\"ExampleFW\",\"vendor_name\":\"ExampleVendor\"}}");
    if (r->has_host) { jopen("device"); jstr("hostname", r->h->name); jstr("ip", r->h->ip); putch('}'); }
    jopen("src_endpoint"); jstr("ip", r->h->ip); jnum("port", r->src_port); putch('}');
    jopen("dst_endpoint"); jstr("ip", r->dest_ip); jnum("port", port_num(r->dest_port)); putch('}');
    jopen("connection_info"); jstr("protocol_name", r->protocol); jnum("protocol_num", proto_num(r));
    puts_(",\"direction_id\":2,\"direction\":\"Outbound\"}");
    if (out_ok(r) || r->has_in) {
        jopen("traffic");
        if (out_ok(r)) jnum("bytes_out", r->bytes_out);
        if (r->has_in) jnum("bytes_in", r->bytes_in);
        putch('}');
    }
    if (r->proc || r->has_user) {
        jopen("actor");
        if (r->proc) {
            jopen("process"); jstr("name", base_name(r->proc)); jnum("pid", rec_pid(r));
            jopen("file"); jstr("path", r->proc); jstr("name", base_name(r->proc)); puts_("}}");
        }
        if (r->has_user) { jopen("user"); jstr("name", r->h->user); putch('}'); }
        putch('}');
    }
    puts_(",\"action\":\"Allowed\",\"action_id\":1}\n");
}

/* osquery socket_events, differential results ("added" rows). */
static void write_osquery(const rec_t *r) {
    puts_("{\"name\":\"pack_network_socket_events\"");
    jstr("hostIdentifier", r->h->name);
    put_time(r->ms, ",\"calendarTime\":\"Sat Jun  1 %T 2024 UTC\",\"unixTime\":%E,\"epoch\":0,\"counter\":");
    putu(r->seq + 1);
    puts_(",\"numerics\":false,\"decorations\":{\"host_uuid\":\"");
    putz((unsigned)(r->h - hosts), 8);
    puts_("-0000-4000-8000-000000000000\",\"username\":\"root\"},\"columns\":{\"action\":\"connect\"");
    jnumstr("auid", r->has_user ? 1000 + str_hash(r->h->user) % 5000 : 4294967295u);
    puts_(",\"family\":\"2\",\"fd\":\"5\"");
    jstr("local_address", r->h->ip); jnumstr("local_port", r->src_port);
    jstr("path", r->proc ? r->proc : "");
    jnumstr("pid", rec_pid(r)); jnumstr("protocol", proto_num(r));
    jstr("remote_address", r->dest_ip); jnumstr("remote_port", port_num(r->dest_port));
    puts_(",\"socket\":\"\",\"status\":\"succeeded\",\"success\":\"1\"");
    jnumstr("time", r->ms / 1000);
    jnumstr("uptime", 8000000 + (r->ms - DAY0_MS) / 1000);
    puts_("},\"action\":\"added\"}\n");
}

/* An audit string: quoted, or hex when it holds a blank, a quote, a
 * control or a non-ASCII byte (as auditd writes untrusted strings). */
static void put_audit_str(const char *s, size_t n) {
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] <= ' ' || (unsigned char)s[i] >= 0x7f || s[i] == '"') {
            put_hex((const unsigned char *)s, n);
            return;
        }
    putch('"'); put(s, n); putch('"');
}

/* Linux audit: a connect(2) event, SYSCALL + SOCKADDR + PROCTITLE + EOE.
 * Records without a process have no comm or exe. */
static void write_auditd(const rec_t *r) {
    static const char *const types[] = {"SYSCALL", "SOCKADDR", "PROCTITLE", "EOE"};
    unsigned uid = r->has_user ? 1000 + (unsigned)(str_hash(r->h->user) % 5000) : 0;
    unsigned char sa[16] = {2, 0};
    unsigned p = port_num(r->dest_port), a[4] = {0};
    sscanf(r->dest_ip, "%u.%u.%u.%u", &a[0], &a[1], &a[2], &a[3]);
    sa[2] = (unsigned char)(p >> 8); sa[3] = (unsigned char)p;
    for (int i = 0; i < 4; i++) sa[4 + i] = (unsigned char)a[i];
    for (int t = 0; t < 4; t++) {
        if (t == 2 && !r->proc) continue;
        puts_("type="); puts_(types[t]);
        put_time(r->ms, " msg=audit(%E.%3:");
        putu(9001 + r->seq); puts_("):");
        switch (t) {
        case 0:
            puts_(" arch=c000003e syscall=42 success=yes exit=0 a0=5 a1=7ffd3c2a1b40 a2=10 a3=0 items=0 ppid=1 pid=");
            putu(rec_pid(r));
            puts_(" auid="); putu(uid); puts_(" uid="); putu(uid); puts_(" gid="); putu(uid);
            puts_(" euid="); putu(uid); puts_(" suid="); putu(uid); puts_(" fsuid="); putu(uid);
            puts_(" egid="); putu(uid); puts_(" sgid="); putu(uid); puts_(" fsgid="); putu(uid);
            puts_(" tty=(none) ses=3");
            if (r->proc) {
                const char *b = base_name(r->proc);
                size_t bn = strlen(b);
                puts_(" comm="); put_audit_str(b, bn < 15 ? bn : 15);
                puts_(" exe="); put_audit_str(r->proc, strlen(r->proc));
            }
            puts_(" subj=unconfined key=\"egress\"");
            break;
        case 1: puts_(" saddr="); put_hex(sa, 16); break;
        case 2: puts_(" proctitle="); put_hex((const unsigned char *)r->proc, strlen(r->proc)); break;
        default: break;
        }
        putch('\n');
    }
}

/* ---- Argus flows (Stratosphere's .binetflow: ra -c ,) */

static void head_argus(void) {
    puts_("StartTime,Dur,Proto,SrcAddr,Sport,Dir,DstAddr,Dport,State,sTos,dTos,TotPkts,TotBytes,SrcBytes,SrcPkts,"
          "Label\n");
}

/* One flow; its packets and duration hashed from the record. */
static void write_argus(const rec_t *r) {
    uint64_t out_b = out_ok(r) ? r->bytes_out : 0, in_b = r->has_in ? r->bytes_in : 0;
    uint64_t spk = 1 + out_b / 1400 + rec_rand(r, 1, 4), dpk = in_b ? 1 + in_b / 1400 : 0;
    put_time(r->ms, "2024/06/01 %T.%3");
    putz((unsigned)rec_rand(r, 2, 1000), 3);
    putch(','); putu(rec_rand(r, 3, 300)); putch('.'); putz((unsigned)rec_rand(r, 4, 1000000), 6);
    putch(','); puts_(r->protocol); putch(','); puts_(r->h->ip); putch(','); putu(r->src_port);
    puts_(proto_num(r) == 6 ? ",   ->," : ",  <->,");
    puts_(r->dest_ip); putch(','); putu(port_num(r->dest_port));
    puts_(proto_num(r) == 6 ? (in_b ? ",FSPA_FSPA" : ",S_") : ",CON");
    puts_(",0,0,"); putu(spk + dpk); putch(','); putu(out_b + in_b + 40 * (spk + dpk)); putch(',');
    putu(out_b + 40 * spk); putch(','); putu(spk); puts_(",flow=Background\n");
}

/* ---- Proxifier's connection log */

/* A connection as Proxifier logs it: its open line, then its close line
 * (the reader joins the two). Records without a process are logged by
 * no Proxifier: they carry svchost.exe instead. */
static void write_proxifier(const rec_t *r) {
    const char *proc = r->proc && *r->proc ? base_name(r->proc) : "svchost.exe";
    for (int close = 0; close < 2; close++) {
        put_time(r->ms + (uint64_t)close * 1000 * (1 + rec_rand(r, 5, 60)), "[06.01 %T] ");
        puts_(proc);
        if (!r->proc || !*r->proc || !is_linux(r)) puts_(" *64");
        puts_(" - "); puts_(r->dest_ip); putch(':'); putu(port_num(r->dest_port));
        if (!close) {
            puts_(rec_rand(r, 6, 4) ? " open through proxy 10.0.0.8:3128 HTTPS\n" : " open directly\n");
            continue;
        }
        puts_(" close, "); putu(out_ok(r) ? r->bytes_out : 0); puts_(" bytes sent, ");
        putu(r->has_in ? r->bytes_in : 0); puts_(" bytes received, lifetime 00:");
        putz((unsigned)(1 + rec_rand(r, 5, 59)), 2); putch('\n');
    }
}

/* ---- Windows Defender Firewall's pfirewall.log */

static void head_pfirewall(void) {
    puts_("#Version: 1.5\n#Software: Microsoft Windows Firewall\n#Time Format: Local\n"
          "#Fields: date time action protocol src-ip dst-ip src-port dst-port size tcpflags tcpsyn tcpack tcpwin "
          "icmptype icmpcode info path pid\n");
}

/* A connection the host opened, allowed (the log's ALLOW SEND row). */
static void write_pfirewall(const rec_t *r) {
    put_time(r->ms, "2024-06-01 %T ALLOW ");
    puts_(proto_num(r) == 6 ? "TCP " : "UDP "); puts_(r->h->ip); putch(' '); puts_(r->dest_ip); putch(' ');
    putu(r->src_port); putch(' '); putu(port_num(r->dest_port));
    puts_(proto_num(r) == 6 ? " 0 - 0 0 0 - - - SEND " : " 0 - - - - - - - SEND ");
    putu(rec_pid(r)); putch('\n');
}

/* ---- MikroTik RouterOS firewall log (rsyslog's RFC 3339 header) */

/* A forwarded connection's first packet, from the LAN bridge to the WAN. */
static void write_mikrotik(const rec_t *r) {
    put_time(r->ms, "2024-06-01T%T.%3+00:00 gw firewall,info fwd-accept forward: in:bridge-LAN out:ether1-WAN, "
                    "connection-state:new src-mac 52:54:00:ab:cd:ef, proto ");
    puts_(proto_num(r) == 6 ? "TCP (SYN), " : "UDP, ");
    puts_(r->h->ip); putch(':'); putu(r->src_port); puts_("->"); puts_(r->dest_ip); putch(':');
    putu(port_num(r->dest_port)); puts_(proto_num(r) == 6 ? ", len 60\n" : ", len 76\n");
}

/* ---- Azure Monitor Log Analytics (Microsoft Sentinel) rows */

/* The columns every Log Analytics row carries before the table's own. */
static void azure_head(const rec_t *r) {
    puts_("{\"TenantId\":\"0f1e2d3c-0000-4000-8000-00000000abcd\"");
    put_time(r->ms, ",\"TimeGenerated\":\"2024-06-01T%T.%3Z\"");
    jstr("Computer", r->h->name);
}

/* The row's _ResourceId and the end of the object. */
static void azure_tail(const rec_t *r) {
    puts_(",\"_ResourceId\":\"/subscriptions/0f1e2d3c-0000-4000-8000-000000000001/resourcegroups/prod/providers/"
          "microsoft.compute/virtualmachines/");
    puts_(r->h->name);
    puts_("\"}\n");
}

/* One VMConnection row for the record: its connections in one minute (a
 * record without a process leaves ProcessName out). */
static void write_vmconnection_json(const rec_t *r) {
    azure_head(r);
    puts_(",\"SourceSystem\":\"OpsManager\"");
    if (r->proc) {
        jstr("ProcessName", base_name(r->proc));
        puts_(",\"Process\":\"p-");
        putu(str_hash(r->proc) % 1000000007);
        putch('"');
    }
    jstr("SourceIp", r->h->ip); jstr("DestinationIp", r->dest_ip);
    jnum("DestinationPort", port_num(r->dest_port)); jstr("Protocol", r->protocol);
    puts_(",\"Direction\":\"outbound\"");
    jstr("RemoteIp", r->dest_ip);
    puts_(",\"LinksEstablished\":1,\"LinksTerminated\":1,\"LinksLive\":0,\"LinksFailed\":0");
    jnum("BytesSent", out_ok(r) ? r->bytes_out : 0);
    jnum("BytesReceived", r->has_in ? r->bytes_in : 0);
    puts_(",\"Responses\":0,\"Type\":\"VMConnection\"");
    azure_tail(r);
}

/* azure-json: records with a process as Sentinel's WindowsEvent table
 * holds Sysmon event 3 (EventData a JSON string), the others as
 * VMConnection rows. */
static void write_azure_json(const rec_t *r) {
    if (!r->proc) {
        write_vmconnection_json(r);
        return;
    }
    const sysmon_src_t *src = is_linux(r) ? &sysmon_lnx : &sysmon_win;
    azure_head(r);
    puts_(",\"SourceSystem\":\"OpsManager\"");
    jstr("Provider", src->provider); jstr("Channel", src->channel);
    puts_(",\"Task\":3,\"EventLevel\":4,\"EventLevelName\":\"Information\",\"EventID\":3");
    /* the EventData object, written, then written again as a JSON string */
    static char inner[4096];
    size_t at = outn;
    putch('{');
    item_t it[24];
    int n = sysmon_items(r, it);
    for (int i = 0; i < n; i++) {
        jkey(it[i].name);
        if (it[i].kind == IT_UTC) put_time(it[i].u, "\"2024-06-01 %T.%3\"");
        else if (it[i].kind == IT_NUM) { putch('"'); putu(it[i].u); putch('"'); }
        else put_json_str(it[i].s);
    }
    putch('}');
    size_t len = outn - at < sizeof inner - 1 ? outn - at : sizeof inner - 1;
    memcpy(inner, out + at, len);
    inner[len] = 0;
    outn = at;
    jkey("EventData"); put_json_str(inner);
    puts_(",\"Type\":\"WindowsEvent\"");
    azure_tail(r);
}

/* The portal's CSV export of VMConnection: "TimeGenerated [UTC]" as
 * "6/1/2024, 1:05:09.123 PM". */
static void head_azure_csv(void) {
    puts_("TenantId,TimeGenerated [UTC],Computer,ProcessName,SourceIp,DestinationIp,DestinationPort,Protocol,"
          "Direction,RemoteIp,LinksEstablished,LinksTerminated,LinksLive,LinksFailed,BytesSent,BytesReceived,Type\n");
}

static void write_azure_csv(const rec_t *r) {
    unsigned s = (unsigned)((r->ms - DAY0_MS) / 1000), h = s / 3600;
    puts_("0f1e2d3c-0000-4000-8000-00000000abcd,\"6/1/2024, ");
    putu(h % 12 ? h % 12 : 12); putch(':'); putz(s / 60 % 60, 2); putch(':'); putz(s % 60, 2);
    putch('.'); putz((unsigned)(r->ms % 1000), 3);
    puts_(h < 12 ? " AM\"," : " PM\",");
    put_csv_str(r->h->name); putch(',');
    if (r->proc) put_csv_str(base_name(r->proc));
    putch(',');
    puts_(r->h->ip); putch(','); puts_(r->dest_ip); putch(','); putu(port_num(r->dest_port)); putch(',');
    puts_(r->protocol); puts_(",outbound,"); puts_(r->dest_ip); puts_(",1,1,0,0,");
    putu(out_ok(r) ? r->bytes_out : 0); putch(','); putu(r->has_in ? r->bytes_in : 0);
    puts_(",VMConnection\n");
}

/* ------------------------------------------------------- format table -- */

/* A log format: how to write the records in it. ORDER: `postern formats`. */
typedef struct writer {
    const char *name;               /* --format NAME, the postern reader that reads it */
    void (*head)(void);             /* before the first record (NULL: nothing) */
    void (*rec)(const rec_t *r);    /* one record */
    void (*tail)(uint64_t rows);    /* after the last record (NULL: nothing) */
} writer_t;

static const writer_t writers[] = {
    {"jsonl", NULL, write_jsonl, NULL},
    {"csv", write_csv_header, write_csv, NULL},
    {"sumo-json", NULL, write_sumo_json, end_sumo_json},
    {"sumo-csv", head_sumo_csv, write_sumo_csv, NULL},
    {"zeek-tsv", head_zeek_tsv, write_zeek_tsv, end_zeek_tsv},
    {"zeek-json", NULL, write_zeek_json, NULL},
    {"winevt-xml", head_winxml, write_winxml, end_winxml},
    {"evtx-json", NULL, write_evtx_json, NULL},
    {"ecs", NULL, write_ecs, NULL},
    {"netfilter", NULL, write_netfilter, NULL},
    {"pflog", NULL, write_pflog, NULL},
    {"panos", NULL, write_panos, NULL},
    {"fortigate", NULL, write_fortigate, NULL},
    {"asa", NULL, write_asa, NULL},
    {"cef", NULL, write_cef, NULL},
    {"leef", NULL, write_leef, NULL},
    {"ocsf", NULL, write_ocsf, NULL},
    {"osquery", NULL, write_osquery, NULL},
    {"auditd", NULL, write_auditd, NULL},
    {"azure-json", NULL, write_azure_json, NULL},
    {"azure-csv", head_azure_csv, write_azure_csv, NULL},
    {"argus", head_argus, write_argus, NULL},
    {"proxifier", NULL, write_proxifier, NULL},
    {"pfirewall", head_pfirewall, write_pfirewall, NULL},
    {"mikrotik", NULL, write_mikrotik, NULL},
};
#define NWRITERS (sizeof writers / sizeof writers[0])

/* ---------------------------------------------------------------- main -- */

static void usage(void) {
    fputs("usage: gen [--format NAME] [--rows N] [--seed S] [--hosts H] [--conn]\n"
          "       gen --list\n"
          "  defaults: --format jsonl --rows 100000 --seed 1 --hosts 2000 (H <= 150000)\n"
          "  formats:",
          stderr);
    for (size_t i = 0; i < NWRITERS; i++) fprintf(stderr, " %s", writers[i].name);
    fputc('\n', stderr);
    exit(2);
}

/* A decimal option value. */
static uint64_t num_arg(const char *s) {
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (!*s || *end) usage();
    return v;
}

int main(int argc, char **argv) {
    uint64_t rows = 100000, seed = 1, nh = 2000;
    const writer_t *w = &writers[0];
    if (argc == 2 && strcmp(argv[1], "--list") == 0) {
        for (size_t k = 0; k < NWRITERS; k++) printf("%s\n", writers[k].name);
        return fflush(stdout) != 0;
    }
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--conn") == 0) {
            conn_cols = 1;
            continue;
        }
        if (i + 1 >= argc) usage();
        if (strcmp(a, "--format") == 0) {
            const char *f = argv[++i];
            size_t k = 0;
            while (k < NWRITERS && strcmp(f, writers[k].name) != 0) k++;
            if (k == NWRITERS) usage();
            w = &writers[k];
        } else if (strcmp(a, "--rows") == 0) rows = num_arg(argv[++i]);
        else if (strcmp(a, "--seed") == 0) seed = num_arg(argv[++i]);
        else if (strcmp(a, "--hosts") == 0) nh = num_arg(argv[++i]);
        else usage();
    }
    if (nh < 1 || nh > 150000 || rows > 1000000000000ULL) usage();
    if (conn_cols && w != &writers[0] && w != &writers[1]) usage(); /* jsonl, csv */
    rng_state = seed * 0x2545f4914f6cdd1dULL + 0x1234567ULL;
    make_hosts((uint32_t)nh);
    plan_implants(rows);

    if (w->head) w->head();
    for (uint64_t i = 0; i < rows; i++) {
        rec_t r = {0};
        r.seq = i;
        r.ms = row_ms(i, rows);
        implant_t *m = NULL;
        for (unsigned k = 0; k < NIMPLANT; k++)
            if (implants[k].left && implants[k].next <= i) { m = &implants[k]; break; }
        if (m) {
            m->left--;
            m->next += m->period;
            r.cat = m->cat;
            r.h = &hosts[m->host];
            r.dest_ip = m->dest_ip;
            r.dest_port = m->dest_port;
            r.protocol = "tcp";
            r.proc = m->path;
            r.bytes_out = rnd_bytes(300, 4);
            r.bytes_in = rnd_bytes(200, 5);
            r.src_port = m->role == R_LNX_SRV ? 32768 + rndn(28232) : 49152 + rndn(16384);
            shape(&r);
            if (m->path) r.proc = m->path, r.has_out = 1, r.bytes_out_s = NULL;
        } else {
            r.cat = (int)pick(cat_w, NCAT);
            r.h = pick_host(r.cat);
            if (chance(cat_mail[r.cat])) fill_mail(&r);
            else fill_other(&r);
            r.src_port = r.h->role == R_WIN_WS || r.h->role == R_WIN_SRV ? 49152 + rndn(16384) : 32768 + rndn(28232);
            shape(&r);
        }
        if (conn_twice(&r)) { /* the start, then the end */
            rec_t b = r;
            b.start = 1;
            b.has_out = b.has_in = 0;
            b.bytes_out_s = NULL;
            w->rec(&b);
        }
        w->rec(&r);
        if (outn >= OUT_CAP) flush();
    }
    if (w->tail) w->tail(rows);
    flush();
    if (fflush(stdout) != 0) { perror("gen: write"); return 1; }
    free(hosts);
    return 0;
}
