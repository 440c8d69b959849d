/* gen.c — a deterministic generator of synthetic connection records.
 *
 * Writes ROWS network-connection records (JSON Lines or RFC 4180 CSV) for
 * one day, 2024-06-01 UTC, to stdout: EDR, firewall, proxy, Sysmon and web
 * application logs from a few thousand RFC 1918 hosts, with mail clients,
 * mail-sending servers and a handful of planted mail-protocol implants
 * (T1071.003). The same --seed gives the same bytes on every platform. It is
 * input for the benchmarks and for tests/ref/compare.sh; see bench/README.md.
 *
 *   cc -O2 -std=c11 -Wall -Wextra -Werror -o build/gen bench/gen.c
 *   build/gen [--format jsonl|csv] [--rows N] [--seed S] [--hosts H]
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
} rec_t;

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

static int fmt_csv;

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
          "bytes_out,bytes_in,user,host\n");
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
    puts_("}\n");
}

/* ---------------------------------------------------------------- main -- */

static void usage(void) {
    fputs("usage: gen [--format jsonl|csv] [--rows N] [--seed S] [--hosts H]\n"
          "  defaults: --format jsonl --rows 100000 --seed 1 --hosts 2000 (H <= 150000)\n",
          stderr);
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
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (i + 1 >= argc) usage();
        if (strcmp(a, "--format") == 0) {
            const char *f = argv[++i];
            if (strcmp(f, "csv") == 0) fmt_csv = 1;
            else if (strcmp(f, "jsonl") == 0) fmt_csv = 0;
            else usage();
        } else if (strcmp(a, "--rows") == 0) rows = num_arg(argv[++i]);
        else if (strcmp(a, "--seed") == 0) seed = num_arg(argv[++i]);
        else if (strcmp(a, "--hosts") == 0) nh = num_arg(argv[++i]);
        else usage();
    }
    if (nh < 1 || nh > 150000 || rows > 1000000000000ULL) usage();
    rng_state = seed * 0x2545f4914f6cdd1dULL + 0x1234567ULL;
    make_hosts((uint32_t)nh);
    plan_implants(rows);

    if (fmt_csv) write_csv_header();
    for (uint64_t i = 0; i < rows; i++) {
        rec_t r = {0};
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
        if (fmt_csv) write_csv(&r);
        else write_jsonl(&r);
        if (outn >= OUT_CAP) flush();
    }
    flush();
    if (fflush(stdout) != 0) { perror("gen: write"); return 1; }
    free(hosts);
    return 0;
}
