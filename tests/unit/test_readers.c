/* test_readers.c — unit tests for input.c and the log readers.
 *
 * Writes small inputs (JSON Lines with bad lines in the middle, CSV with
 * quotes and embedded newlines, gzip and zstd files, Sumo JSON pages and
 * CSV exports, a directory tree) and checks field values, _messageTime,
 * _raw, line numbers, rejection counts and reports, and that reading the
 * same bytes in chunks of any size gives the same records.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include "check.h"
#include "buf.h"
#include "input.h"
#include "reader.h"


/* ---- collecting records -------------------------------------------- */

#define MAXREC 64

/* What the callback saw. */
typedef struct got {
    ftab_t *ft;
    int n;                 /* records */
    char *ser[MAXREC];     /* "\x1fname=value" per field, in order */
    char *raw[MAXREC];
    char *file[MAXREC];
    uint64_t line[MAXREC];
    int stop_after;        /* return 7 after this many records (0 = never) */
} got_t;

static int collect(record_t *rec, void *ud) {
    got_t *g = ud;
    if (g->n < MAXREC) {
        buf_t b = {0};
        for (uint32_t i = 0; i < rec->norder; i++) {
            uint32_t id = rec->order[i];
            value_t v = rec->v[id];
            pstr_t nm = ftab_name(g->ft, id);
            buf_printf(&b, "\x1f%.*s=", (int)nm.n, nm.p);
            if (v.t == V_NULL) buf_puts(&b, "(null)");
            else if (v.t == V_NUM) buf_printf(&b, "#%.0f", v.d);
            else if (v.t == V_STR) buf_put(&b, v.s, v.n);
        }
        buf_putc(&b, '\x1f');
        g->ser[g->n] = b.p;
        g->raw[g->n] = strndup(rec->raw.p ? rec->raw.p : "", rec->raw.n);
        g->file[g->n] = strdup(rec->file ? rec->file : "(none)");
        g->line[g->n] = rec->line;
    }
    g->n++;
    return g->stop_after && g->n >= g->stop_after ? 7 : 0;
}

static void got_free(got_t *g) {
    for (int i = 0; i < g->n && i < MAXREC; i++) {
        free(g->ser[i]);
        free(g->raw[i]);
        free(g->file[i]);
    }
    memset(g, 0, sizeof *g);
}

/* Value of field name in record k ("(null)" for null, "#123" for numbers),
 * or NULL when absent. Static storage. */
static const char *fv(const got_t *g, int k, const char *name) {
    static char out[4096];
    if (k >= g->n || k >= MAXREC) return NULL;
    char key[256];
    snprintf(key, sizeof key, "\x1f%s=", name);
    const char *p = strstr(g->ser[k], key);
    if (!p) return NULL;
    p += strlen(key);
    const char *e = strchr(p, '\x1f');
    size_t n = (size_t)(e - p) < sizeof out - 1 ? (size_t)(e - p) : sizeof out - 1;
    memcpy(out, p, n);
    out[n] = 0;
    return out;
}

static bool fv_is(const got_t *g, int k, const char *name, const char *want) {
    const char *v = fv(g, k, name);
    if (!want) return v == NULL;
    if (!v || strcmp(v, want) != 0) {
        fprintf(stderr, "  record %d field %s: got '%s', want '%s'\n", k, name, v ? v : "(absent)", want);
        return false;
    }
    return true;
}

/* ---- helpers --------------------------------------------------------- */

static char tmpdir[256];

static char *path_of(const char *name) {
    static char p[8][512];
    static int k;
    k = (k + 1) % 8;
    snprintf(p[k], sizeof p[k], "%s/%s", tmpdir, name);
    return p[k];
}

static void write_file(const char *path, const char *data, size_t n) {
    FILE *f = fopen(path, "wb");
    if (!f) { perror(path); exit(2); }
    fwrite(data, 1, n, f);
    fclose(f);
}

/* Run one file (want_all) and collect. */
static int run1(const char *path, const char *format, got_t *g, ftab_t *ft, in_stats_t *st) {
    in_opts_t o = {.format = format, .category = "test/cat", .max_reports = 5, .quiet = true};
    const char *paths[] = {path};
    g->ft = ft;
    return input_run(paths, 1, &o, ft, collect, g, st);
}

/* All records of a memory input serialised into one string (to compare
 * chunked reads with whole reads). */
static char *run_mem_all(const char *data, size_t n, size_t chunk, const char *format, uint64_t *rejected) {
    ftab_t ft;
    ftab_init(&ft);
    ft.want_all = true;
    got_t g = {.ft = &ft};
    in_stats_t st = {0};
    in_opts_t o = {.format = format, .quiet = true};
    input_run_mem("mem", data, n, chunk, &o, &ft, collect, &g, &st);
    buf_t b = {0};
    for (int i = 0; i < g.n && i < MAXREC; i++) buf_printf(&b, "%llu:%s|%s\n", (unsigned long long)g.line[i], g.ser[i], g.raw[i]);
    buf_printf(&b, "n=%d", g.n);
    *rejected = st.rejected;
    got_free(&g);
    ftab_free(&ft);
    return b.p;
}

/* Same records whatever the read size? */
static bool chunk_invariant(const char *data, const char *format) {
    size_t n = strlen(data);
    uint64_t r0, r1;
    char *whole = run_mem_all(data, n, 0, format, &r0);
    bool ok = true;
    for (size_t chunk = 1; chunk <= 17 && ok; chunk++) {
        char *part = run_mem_all(data, n, chunk, format, &r1);
        if (strcmp(whole, part) != 0 || r0 != r1) {
            fprintf(stderr, "  chunk %zu differs:\n--- whole\n%s\n--- chunked\n%s\n", chunk, whole, part);
            ok = false;
        }
        free(part);
    }
    free(whole);
    return ok;
}

/* ---- JSON Lines ----------------------------------------------------- */

static const char jsonl_text[] =
    "{\"timestamp\":\"2024-03-05T10:15:01.123Z\",\"process_name\":\"upd.exe\",\"dest_port\":587,"
    "\"nested\":{\"a\":[1,2]},\"n\":null,\"esc\":\"a\\\"b\\u00e9\",\"ok\":true}\n"
    "{\"broken\": \n"
    "[1,2]\n"
    "\n"
    "   \r\n"
    "{\"time\":1709633702,\"Process_Name\":\"x.exe\",\"dup\":1,\"dup\":\"2\",\"k\\u0065y\":\"v\"}\r\n"
    "not json at all\n"
    "{\"a\":1} trailing\n"
    "{\"ts\":\"garbage\",\"_time\":\"1709633703000\"}\n"
    "{\"_raw\":\"own raw text\",\"date\":\"nope\"}";

static void test_jsonl(void) {
    const char *p = path_of("a.jsonl");
    write_file(p, jsonl_text, sizeof jsonl_text - 1);
    ftab_t ft;
    ftab_init(&ft);
    ft.want_all = true;
    got_t g = {0};
    in_stats_t st = {0};
    CHECK(run1(p, NULL, &g, &ft, &st) == 0);
    CHECK(g.n == 4);
    CHECK(st.records == 4 && st.rejected == 4 && st.files == 1);
    CHECK(st.bytes == sizeof jsonl_text - 1);
    CHECK(st.reasons[0] == 3); /* invalid JSON: line 2, 7, 8 */
    CHECK(st.reasons[1] == 1); /* not a JSON object: line 3 */
    CHECK(g.line[0] == 1 && g.line[1] == 6 && g.line[2] == 9 && g.line[3] == 10);
    CHECK(fv_is(&g, 0, "process_name", "upd.exe"));
    CHECK(fv_is(&g, 0, "dest_port", "587"));
    CHECK(fv_is(&g, 0, "nested", "{\"a\":[1,2]}"));
    CHECK(fv_is(&g, 0, "n", "(null)"));
    CHECK(fv_is(&g, 0, "esc", "a\"b\xC3\xA9"));
    CHECK(fv_is(&g, 0, "ok", "true"));
    CHECK(fv_is(&g, 0, "_messageTime", "#1709633701123"));
    CHECK(fv_is(&g, 0, "_sourceName", p));
    CHECK(fv_is(&g, 0, "_sourceCategory", "test/cat"));
    CHECK(strncmp(g.raw[0], "{\"timestamp\":", 13) == 0 && g.raw[0][strlen(g.raw[0]) - 1] == '}');
    CHECK(fv_is(&g, 0, "_raw", g.raw[0]));
    CHECK(strcmp(g.file[0], p) == 0);
    /* case-insensitive names share one field; last duplicate wins; escaped key */
    CHECK(fv_is(&g, 1, "process_name", "x.exe"));
    CHECK(fv_is(&g, 1, "dup", "2"));
    CHECK(fv_is(&g, 1, "key", "v"));
    CHECK(fv_is(&g, 1, "_messageTime", "#1709633702000"));
    CHECK(strcmp(g.raw[1], "{\"time\":1709633702,\"Process_Name\":\"x.exe\",\"dup\":1,\"dup\":\"2\",\"k\\u0065y\":\"v\"}") == 0);
    /* an unparseable timestamp falls through to the next candidate */
    CHECK(fv_is(&g, 2, "_messageTime", "#1709633703000"));
    /* a record's own _raw wins; no parseable time: no _messageTime */
    CHECK(strcmp(g.raw[3], "own raw text") == 0);
    CHECK(fv_is(&g, 3, "_messageTime", NULL));
    CHECK(ft.e[ftab_find(&ft, PSTR_LIT("process_name"))].seen);
    got_free(&g);
    ftab_free(&ft);

    /* only wanted fields without want_all; nothing new is interned */
    ftab_init(&ft);
    uint32_t pid = ftab_intern(&ft, PSTR_LIT("PROCESS_NAME"));
    uint32_t did = ftab_intern(&ft, PSTR_LIT("dest_port"));
    ft.e[pid].wanted = 1;
    uint32_t n0 = ft.n;
    memset(&st, 0, sizeof st);
    CHECK(run1(p, "jsonl", &g, &ft, &st) == 0);
    CHECK(g.n == 4 && ft.n == n0);
    CHECK(fv_is(&g, 0, "PROCESS_NAME", "upd.exe"));
    CHECK(fv_is(&g, 0, "dest_port", NULL));
    CHECK(ft.e[did].seen == 1);
    CHECK(fv_is(&g, 0, "_messageTime", "#1709633701123")); /* time fields are read anyway */
    got_free(&g);
    ftab_free(&ft);

    CHECK(chunk_invariant(jsonl_text, NULL));
}

/* Reports on stderr: the first max_reports, then a summary. */
static void test_reports(void) {
    const char *p = path_of("bad.jsonl");
    const char *text = "x1\n{\"a\":1}\nx2\nx3\n\nx4\n{\"a\":2}\n";
    write_file(p, text, strlen(text));
    const char *errp = path_of("stderr.txt");
    fflush(stderr);
    int saved = dup(2);
    int fd = open(errp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(fd, 2);
    close(fd);
    ftab_t ft;
    ftab_init(&ft);
    ft.want_all = true;
    got_t g = {.ft = &ft};
    in_stats_t st = {0};
    in_opts_t o = {.format = "jsonl", .max_reports = 2};
    const char *paths[] = {p};
    int rc = input_run(paths, 1, &o, &ft, collect, &g, &st);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    CHECK(rc == 0 && g.n == 2 && st.rejected == 4);
    FILE *f = fopen(errp, "r");
    char got[1024] = {0};
    size_t k = f ? fread(got, 1, sizeof got - 1, f) : 0;
    if (f) fclose(f);
    got[k] = 0;
    char want[1024];
    snprintf(want, sizeof want, "%s:1: skipped: invalid JSON\n%s:3: skipped: invalid JSON\n%s: 2 more malformed records skipped\n",
             p, p, p);
    CHECK(strcmp(got, want) == 0);
    if (strcmp(got, want) != 0) fprintf(stderr, "  stderr was:\n%s", got);
    got_free(&g);
    ftab_free(&ft);
}

/* ---- CSV -------------------------------------------------------------- */

static const char csv_text[] =
    "\xEF\xBB\xBF" "time,Name,\"note text\",empty\r\n"
    "2024-03-05 10:15:01,alpha,\"x, y\",\r\n"
    "2024-03-05 10:15:02,beta,\"multi\nline \"\"quoted\"\"\",\n"
    "\n"
    "2024-03-05 10:15:03,too,many,cells,here\n"
    "2024-03-05 10:15:04,gamma,plain,\"\"\n"
    "short\n"
    "2024-03-05 10:15:05,delta,\"unterminated\n,more\n";

static void test_csv(void) {
    const char *p = path_of("a.csv");
    write_file(p, csv_text, sizeof csv_text - 1);
    ftab_t ft;
    ftab_init(&ft);
    ft.want_all = true;
    got_t g = {0};
    in_stats_t st = {0};
    CHECK(run1(p, NULL, &g, &ft, &st) == 0);
    CHECK(g.n == 3);
    /* (the unterminated quote rejects its own line; ",more" after it is a
     * row of its own, of the wrong width) */
    CHECK(st.rejected == 4 && st.reasons[2] == 3 && st.reasons[3] == 1);
    CHECK(g.line[0] == 2 && g.line[1] == 3 && g.line[2] == 7);
    CHECK(fv_is(&g, 0, "Name", "alpha"));
    CHECK(fv_is(&g, 0, "note text", "x, y"));
    CHECK(fv_is(&g, 0, "empty", ""));
    CHECK(fv_is(&g, 0, "_messageTime", "#1709633701000"));
    CHECK(strcmp(g.raw[0], "2024-03-05 10:15:01,alpha,\"x, y\",") == 0);
    CHECK(fv_is(&g, 1, "note text", "multi\nline \"quoted\""));
    CHECK(strcmp(g.raw[1], "2024-03-05 10:15:02,beta,\"multi\nline \"\"quoted\"\"\",") == 0);
    CHECK(fv_is(&g, 2, "Name", "gamma"));
    CHECK(fv_is(&g, 2, "empty", ""));
    CHECK(fv_is(&g, 2, "_messageTime", "#1709633704000"));
    got_free(&g);
    ftab_free(&ft);
    CHECK(chunk_invariant(csv_text, NULL));
    CHECK(chunk_invariant("a,b\n\"1\"\"\",\"\"\"2\"\r\n\"\",\"x\ny\"\r\n", "csv"));
}

/* ---- compressed inputs ---------------------------------------------- */

static void test_gzip_zstd(void) {
    const char *p = path_of("c.jsonl.gz");
    gzFile z = gzopen(p, "wb");
    gzputs(z, "{\"a\":\"1\",\"ts\":\"1709633701\"}\n{\"a\":\"2\"}\n{\"a\"");
    gzclose(z);
    z = gzopen(p, "ab"); /* a second gzip member */
    gzputs(z, ":\"3\"}\n{bad\n{\"a\":\"4\"}\n");
    gzclose(z);
    ftab_t ft;
    ftab_init(&ft);
    ft.want_all = true;
    got_t g = {0};
    in_stats_t st = {0};
    CHECK(run1(p, NULL, &g, &ft, &st) == 0);
    CHECK(g.n == 4 && st.rejected == 1);
    CHECK(fv_is(&g, 0, "a", "1") && fv_is(&g, 0, "_messageTime", "#1709633701000"));
    CHECK(fv_is(&g, 2, "a", "3") && g.line[2] == 3);
    CHECK(fv_is(&g, 3, "a", "4") && g.line[3] == 5);
    got_free(&g);

    /* truncated gzip: the records before the cut, then an error */
    FILE *f = fopen(p, "rb");
    char gzb[4096];
    size_t gn = fread(gzb, 1, sizeof gzb, f);
    fclose(f);
    const char *p2 = path_of("trunc.gz");
    write_file(p2, gzb, gn / 2 > 24 ? 24 : gn / 2);
    memset(&st, 0, sizeof st);
    fflush(stderr);
    int saved = dup(2), devnull = open("/dev/null", O_WRONLY);
    dup2(devnull, 2);
    int rc = run1(p2, "jsonl", &g, &ft, &st);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    close(devnull);
    CHECK(rc == IN_PARTIAL && st.files_failed == 1);
    got_free(&g);

    /* zstd, two frames */
    const char *a = "a,b\n1,2\n", *b2 = "3,4\n";
    char out[512];
    size_t n1 = ZSTD_compress(out, sizeof out, a, strlen(a), 3);
    size_t n2 = ZSTD_compress(out + n1, sizeof out - n1, b2, strlen(b2), 3);
    const char *p3 = path_of("d.csv.zst");
    write_file(p3, out, n1 + n2);
    memset(&st, 0, sizeof st);
    CHECK(run1(p3, NULL, &g, &ft, &st) == 0);
    CHECK(g.n == 2 && fv_is(&g, 0, "b", "2") && fv_is(&g, 1, "a", "3") && g.line[1] == 3);
    CHECK(st.bytes == strlen(a) + strlen(b2));
    got_free(&g);

    /* gzip from memory, read a few bytes at a time */
    const char *plain = "{\"x\":\"1\"}\n{\"x\":\"2\"}\n";
    uLongf zn = 0;
    char zbuf[256];
    z_stream zs = {0};
    deflateInit2(&zs, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
    zs.next_in = (Bytef *)(uintptr_t)plain;
    zs.avail_in = (uInt)strlen(plain);
    zs.next_out = (Bytef *)zbuf;
    zs.avail_out = sizeof zbuf;
    deflate(&zs, Z_FINISH);
    zn = sizeof zbuf - zs.avail_out;
    deflateEnd(&zs);
    got_t g2 = {.ft = &ft};
    memset(&st, 0, sizeof st);
    in_opts_t o = {.quiet = true};
    CHECK(input_run_mem("m.gz", zbuf, zn, 3, &o, &ft, collect, &g2, &st) == 0);
    CHECK(g2.n == 2 && fv_is(&g2, 1, "x", "2") && strcmp(g2.file[1], "m.gz") == 0);
    got_free(&g2);
    ftab_free(&ft);
}

/* ---- Sumo exports ----------------------------------------------------- */

static const char sumo_page[] =
    "{\n"
    "  \"fields\": [ {\"name\":\"_messagetime\",\"fieldType\":\"long\",\"keyField\":false},\n"
    "              {\"name\":\"_raw\",\"fieldType\":\"string\",\"keyField\":false} ],\n"
    "  \"messages\": [\n"
    "    {\"map\": {\"_messagetime\": \"1709633701123\", \"_sourcecategory\": \"prod/fw/panos\",\n"
    "             \"_sourcehost\": \"fw1\", \"_raw\": \"1,2024/03/05 10:15:02,TRAFFIC\\nsecond line\",\n"
    "             \"dest_port\": \"587\"}},\n"
    "    {\"map\": {\"_messagetime\": \"1709633702000\", \"_sourcename\": \"/var/log/x\", \"host\": \"h2\"}}\n"
    "  ],\n"
    "  \"warnings\": []\n"
    "}\n";

static void test_sumo(void) {
    const char *p = path_of("page.json");
    write_file(p, sumo_page, sizeof sumo_page - 1);
    ftab_t ft;
    ftab_init(&ft);
    ft.want_all = true;
    got_t g = {0};
    in_stats_t st = {0};
    CHECK(run1(p, NULL, &g, &ft, &st) == 0);
    CHECK(g.n == 2 && st.rejected == 0);
    CHECK(fv_is(&g, 0, "_messageTime", "#1709633701123"));
    CHECK(fv_is(&g, 0, "_sourceCategory", "prod/fw/panos"));
    CHECK(fv_is(&g, 0, "_sourceHost", "fw1"));
    CHECK(fv_is(&g, 0, "dest_port", "587"));
    CHECK(strcmp(g.raw[0], "1,2024/03/05 10:15:02,TRAFFIC\nsecond line") == 0);
    CHECK(fv_is(&g, 0, "_sourceName", p));
    CHECK(g.line[0] == 5 && g.line[1] == 8);
    CHECK(fv_is(&g, 1, "_sourceName", "/var/log/x"));
    CHECK(fv_is(&g, 1, "_sourceCategory", "test/cat"));
    CHECK(strncmp(g.raw[1], "{\"_messagetime\": \"1709633702000\"", 32) == 0); /* no _raw: the map's JSON */
    got_free(&g);
    CHECK(chunk_invariant(sumo_page, NULL));

    /* an array of pages (one of them aggregate records), and map lines */
    const char *arr = "[{\"fields\":[],\"records\":[{\"map\":{\"_count\":\"3\",\"dest_ip\":\"1.2.3.4\"}}]},\n"
                      " {\"messages\":[{\"map\":{\"a\":\"1\"}},{\"map\":{\"a\":\"2\"}}],\"fields\":[]}]\n";
    write_file(p, arr, strlen(arr));
    memset(&st, 0, sizeof st);
    CHECK(run1(p, NULL, &g, &ft, &st) == 0);
    CHECK(g.n == 3 && st.rejected == 0);
    CHECK(fv_is(&g, 0, "_count", "3") && fv_is(&g, 0, "dest_ip", "1.2.3.4"));
    CHECK(fv_is(&g, 2, "a", "2") && g.line[2] == 2);
    got_free(&g);
    CHECK(chunk_invariant(arr, NULL));

    const char *nd = "{\"map\":{\"_raw\":\"r1\",\"_messagetime\":\"1709633701000\"}}\n"
                     "{\"map\":{\"_raw\":\"r2\"\n"
                     "{\"map\":{\"_raw\":\"r3\"}}\n"
                     "[1]\n";
    write_file(p, nd, strlen(nd));
    memset(&st, 0, sizeof st);
    CHECK(run1(p, NULL, &g, &ft, &st) == 0);
    CHECK(g.n == 2 && st.rejected == 2 && st.reasons[0] == 1 && st.reasons[1] == 1);
    CHECK(strcmp(g.raw[0], "r1") == 0 && strcmp(g.raw[1], "r3") == 0 && g.line[1] == 3);
    got_free(&g);
    CHECK(chunk_invariant(nd, "sumo-json"));

    /* pretty-printed plain JSON objects (as from jq .): one record each */
    const char *pretty = "{\n  \"time\": \"2024-03-05T10:15:01Z\",\n  \"a\": {\n    \"b\": 1\n  }\n}\n{\n  \"a\": 2\n}\n";
    write_file(p, pretty, strlen(pretty));
    memset(&st, 0, sizeof st);
    CHECK(run1(p, NULL, &g, &ft, &st) == 0);
    CHECK(g.n == 2 && st.rejected == 0);
    CHECK(fv_is(&g, 0, "a", "{\n    \"b\": 1\n  }") && fv_is(&g, 0, "_messageTime", "#1709633701000"));
    CHECK(fv_is(&g, 1, "a", "2") && g.line[1] == 7);
    got_free(&g);
    CHECK(chunk_invariant(pretty, NULL));

    /* a page cut short: records before the damage are kept */
    const char *cut = "{\"fields\":[],\"messages\":[{\"map\":{\"a\":\"1\"}},{\"map\":{\"a\":";
    write_file(p, cut, strlen(cut));
    memset(&st, 0, sizeof st);
    CHECK(run1(p, NULL, &g, &ft, &st) == 0);
    CHECK(g.n == 1 && st.rejected == 1);
    got_free(&g);
    ftab_free(&ft);
}

static const char sumo_csv_text[] =
    "\"_messagetimems\",\"_messagetime\",\"_raw\",\"_collector\",\"_sourcecategory\",\"dest_port\"\n"
    "\"1709633701123\",\"03/05/2024 11:15:01.123 AM +0100\",\"line one\nline \"\"two\"\"\",\"col-a\",\"prod/x\",\"587\"\n"
    "\"\",\"03/05/2024 10:15:02.000 AM +0000\",\"r2\",\"col-a\",\"\",\"25\"\n";

static void test_sumo_csv(void) {
    const char *p = path_of("export.csv");
    write_file(p, sumo_csv_text, sizeof sumo_csv_text - 1);
    ftab_t ft;
    ftab_init(&ft);
    ft.want_all = true;
    got_t g = {0};
    in_stats_t st = {0};
    CHECK(run1(p, NULL, &g, &ft, &st) == 0);
    CHECK(g.n == 2 && st.rejected == 0);
    CHECK(strcmp(g.raw[0], "line one\nline \"two\"") == 0);
    CHECK(fv_is(&g, 0, "_messageTime", "#1709633701123"));
    CHECK(fv_is(&g, 0, "_collector", "col-a"));
    CHECK(fv_is(&g, 0, "_sourceCategory", "prod/x"));
    CHECK(fv_is(&g, 0, "dest_port", "587"));
    /* empty _messagetimems: the display string is used */
    CHECK(fv_is(&g, 1, "_messageTime", "#1709633702000"));
    CHECK(strcmp(g.raw[1], "r2") == 0 && g.line[1] == 4);
    got_free(&g);
    ftab_free(&ft);
    CHECK(chunk_invariant(sumo_csv_text, NULL));
}

/* ---- paths, options, stopping ------------------------------------- */

static void test_paths(void) {
    char d[512], sub[600];
    snprintf(d, sizeof d, "%s/tree", tmpdir);
    snprintf(sub, sizeof sub, "%s/sub", d);
    mkdir(d, 0755);
    mkdir(sub, 0755);
    write_file(path_of("tree/b.jsonl"), "{\"f\":\"b\"}\n", 10);
    write_file(path_of("tree/a.jsonl"), "{\"f\":\"a\"}\n", 10);
    write_file(path_of("tree/.hidden"), "{\"f\":\"hidden\"}\n", 15);
    write_file(path_of("tree/sub/c.jsonl"), "{\"f\":\"c\"}", 9);
    write_file(path_of("tree/empty.log"), "", 0);
    write_file(path_of("tree/README.md"), "# notes\nplain text\n", 19); /* read as plain text */
    write_file(path_of("tree/blob.bin"), "\x89PNG\r\n\x1a\n\0\0", 10);    /* binary: skipped */
    ftab_t ft;
    ftab_init(&ft);
    ft.want_all = true;
    got_t g = {.ft = &ft};
    in_stats_t st = {0};
    in_opts_t o = {.quiet = true};
    char missing[600];
    snprintf(missing, sizeof missing, "%s/nope.jsonl", tmpdir);
    const char *paths[] = {missing, d};
    fflush(stderr);
    int saved = dup(2), devnull = open("/dev/null", O_WRONLY);
    dup2(devnull, 2);
    int rc = input_run(paths, 2, &o, &ft, collect, &g, &st);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    close(devnull);
    CHECK(rc == IN_PARTIAL && st.files_failed == 1); /* the missing file; the rest is read */
    CHECK(g.n == 5); /* README.md's two lines (sorted first), then a, b, c */
    CHECK(strcmp(g.raw[0], "# notes") == 0 && strcmp(g.raw[1], "plain text") == 0);
    CHECK(fv_is(&g, 2, "f", "a") && fv_is(&g, 3, "f", "b") && fv_is(&g, 4, "f", "c"));
    CHECK(strcmp(g.file[4], path_of("tree/sub/c.jsonl")) == 0);
    CHECK(fv_is(&g, 4, "_sourceName", path_of("tree/sub/c.jsonl")));
    CHECK(st.files == 6 && st.files_skipped == 1);
    got_free(&g);

    /* a directory alone: the README read as text and the binary file are no error */
    g.ft = &ft;
    const char *paths1[] = {d};
    CHECK(input_run(paths1, 1, &o, &ft, collect, &g, &st) == 0 && g.n == 5);
    got_free(&g);

    /* the callback's value stops the run */
    g.ft = &ft;
    g.stop_after = 2;
    const char *paths2[] = {d};
    CHECK(input_run(paths2, 1, &o, &ft, collect, &g, &st) == 7);
    CHECK(g.n == 2);
    got_free(&g);

    /* unknown format */
    in_opts_t bad = {.format = "yaml", .quiet = true};
    g.ft = &ft;
    fflush(stderr);
    saved = dup(2);
    devnull = open("/dev/null", O_WRONLY);
    dup2(devnull, 2);
    CHECK(input_run(paths2, 1, &bad, &ft, collect, &g, &st) == 2);
    /* text no reader recognises: read as plain text, one message */
    CHECK(input_run_mem("syslog", "Mar  5 10:15:02 host sshd: hi\n", 30, 0, &o, &ft, collect, &g, &st) == 0);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    close(devnull);
    CHECK(g.n == 1);
    got_free(&g);
    g.ft = &ft;
    /* forced format on the same text rejects every line */
    memset(&st, 0, sizeof st);
    in_opts_t fj = {.format = "jsonl", .quiet = true};
    CHECK(input_run_mem("syslog", "Mar  5 10:15:02 host sshd: hi\n", 30, 0, &fj, &ft, collect, &g, &st) == 0);
    CHECK(g.n == 0 && st.rejected == 1);
    CHECK(rd_formats[0] && strcmp(rd_formats[0]->name, "jsonl") == 0);
    int nf = 0;
    while (rd_formats[nf]) nf++;
    CHECK(nf == 27); /* jsonl csv sumo-json sumo-csv zeek-tsv zeek-json winevt-xml evtx-json evtx ecs
                      * netfilter pflog panos fortigate asa cef leef ocsf osquery auditd azure-json
                      * azure-csv argus proxifier pfirewall mikrotik text */
    CHECK(in_reason_name(4) && strcmp(in_reason_name(4), "record too long") == 0 && in_reason_name(16) &&
          !in_reason_name(17));
    ftab_free(&ft);
}

/* A line longer than the 64 MiB limit is rejected; its neighbours stay. */
static void test_too_long(void) {
    size_t big = ((size_t)67 << 20) + 100; /* past the limit before any newline */
    char *data = malloc(big + 64);
    size_t n = 0;
    n += (size_t)sprintf(data, "{\"a\":\"1\"}\n{\"b\":\"");
    memset(data + n, 'x', big);
    n += big;
    n += (size_t)sprintf(data + n, "\"}\n{\"a\":\"2\"}\n");
    ftab_t ft;
    ftab_init(&ft);
    ft.want_all = true;
    got_t g = {.ft = &ft};
    in_stats_t st = {0};
    in_opts_t o = {.quiet = true};
    CHECK(input_run_mem("big", data, n, 0, &o, &ft, collect, &g, &st) == 0);
    CHECK(g.n == 2 && st.rejected == 1 && st.reasons[4] == 1);
    CHECK(fv_is(&g, 1, "a", "2") && g.line[1] == 3);
    got_free(&g);
    ftab_free(&ft);
    free(data);
}

static void rm_rf(const char *dir) {
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", dir);
}

/* The framing walk (csv_walk, csv_record_end) against the reader's own
 * row framing (csv_cells), on random CSV-like text of quotes, separators,
 * CR, LF and letters: its state is the byte-by-byte one, also walked in
 * two parts split anywhere; and reading from any record end it finds (a
 * cut of a file read by threads) gives the rows the reading from the
 * text's start gives from there on. */
static int csv_ref_state(const char *p, size_t n, char sep) {
    int st = CSV_CELL;
    for (size_t i = 0; i < n; i++) (void)csv_record_end(p + i, 1, sep, &st);
    return st;
}

/* The rows of txt[from..n) as csv_cells frames them: "offset:cell|cell|…;" each. */
static void csv_rows_from(rd_ctx_t *c, const char *txt, size_t n, size_t from, buf_t *out) {
    void *st = csv_open(c);
    for (size_t at = from; at < n;) {
        size_t used = 0;
        const pstr_t *cells;
        unsigned ncell = 0;
        rd_status_t r = csv_cells(c, st, txt + at, n - at, true, &used, &cells, &ncell);
        if (r == RD_REC || r == RD_REJECT) {
            buf_printf(out, "%zu:", at + c->rec_off);
            for (unsigned k = 0; r == RD_REC && k < ncell; k++) buf_printf(out, "%s%.*s", k ? "|" : "", (int)cells[k].n, cells[k].p);
            buf_putc(out, ';');
        }
        if (r != RD_REC && r != RD_REJECT) break;
        at += used;
        arena_reset(c->arena);
    }
    csv_close(st);
}

static void test_csv_framing(void) {
    ftab_t ft;
    ftab_init(&ft);
    arena_t a = {0};
    rd_ctx_t c;
    memset(&c, 0, sizeof c);
    c.ft = &ft;
    c.arena = &a;
    const char alpha[] = "\"\",\n\ra x";
    unsigned seed = 12345, bad_walk = 0, bad_split = 0, bad_cut = 0, cuts = 0;
    char txt[64];
    for (int round = 0; round < 20000; round++) {
        size_t n = 1 + (seed = seed * 1103515245u + 12345u) % 40;
        for (size_t i = 0; i < n; i++) txt[i] = alpha[(seed = seed * 1103515245u + 12345u) >> 16 & 7];
        txt[n - 1] = '\n';
        int whole = csv_ref_state(txt, n, ',');
        for (size_t k = 1; k <= n; k++) {
            int ref = csv_ref_state(txt, k, ',');
            if (csv_walk(txt, k, ',', CSV_CELL) != ref) bad_walk++;
            if (k < n && csv_walk(txt + k, n - k, ',', ref) != whole) bad_split++;
        }
        buf_t all = {0};
        csv_rows_from(&c, txt, n, 0, &all);
        int ws = CSV_CELL;
        for (size_t w = 0; w < n;) {
            long e = csv_record_end(txt + w, n - w, ',', &ws);
            if (e < 0) break;
            w += (size_t)e;
            if (w >= n) break;
            /* the rows from w on: those of the whole text that start there or later */
            buf_t part = {0};
            csv_rows_from(&c, txt, n, w, &part);
            /* (entries hold no ';': the alphabet has none) */
            buf_t from = {0};
            for (const char *e0 = all.p; e0 && *e0;) {
                const char *semi = strchr(e0, ';');
                if (!semi) break;
                if (strtoul(e0, NULL, 10) >= w) buf_put(&from, e0, (size_t)(semi - e0 + 1));
                e0 = semi + 1;
            }
            bool same = (from.n == part.n) && (!from.n || memcmp(from.p, part.p, from.n) == 0);
            buf_free(&from);
            if (!same) {
                if (bad_cut < 4) fprintf(stderr, "  cut at %zu: [%s] vs [%s]\n", w, part.p ? part.p : "", all.p ? all.p : "");
                bad_cut++;
            }
            cuts++;
            buf_free(&part);
        }
        buf_free(&all);
    }
    CHECK(bad_walk == 0);
    CHECK(bad_split == 0);
    CHECK(bad_cut == 0);
    CHECK(cuts > 10000);
    if (bad_walk || bad_split || bad_cut) fprintf(stderr, "  csv framing: %u %u %u of %u cuts\n", bad_walk, bad_split, bad_cut, cuts);
    arena_free(&a);
    ftab_free(&ft);
}

int main(void) {
    snprintf(tmpdir, sizeof tmpdir, "/tmp/postern-test-readers-XXXXXX");
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 2;
    }
    test_jsonl();
    test_reports();
    test_csv();
    test_csv_framing();
    test_gzip_zstd();
    test_sumo();
    test_sumo_csv();
    test_paths();
    if (!getenv("POSTERN_QUICK")) test_too_long();
    rm_rf(tmpdir);
    return CHECK_DONE("test_readers");
}
