/* test_formats.c — unit tests for the Zeek and Windows-event readers and
 * the format vote (read_zeek.c, read_winxml.c, read_winjson.c, winevt.c,
 * input.c).
 *
 * Every sample under tests/data is read whole and in chunks of many sizes
 * (so records, UTF-16 characters and syslog lines are cut anywhere) and
 * must give the same records; the vote picks the expected reader; the
 * Sysmon enrichment cache stays bounded (old processes are forgotten,
 * recent ones kept); malformed events are rejected, their neighbours kept.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "check.h"
#include "input.h"

/* Everything the callback saw, serialised. */
typedef struct seen {
    ftab_t *ft;
    buf_t b;
    int n;
} seen_t;

static int collect(record_t *rec, void *ud) {
    seen_t *g = ud;
    buf_printf(&g->b, "%llu:", (unsigned long long)rec->line);
    for (uint32_t i = 0; i < rec->norder; i++) {
        uint32_t id = rec->order[i];
        value_t v = rec->v[id];
        pstr_t nm = ftab_name(g->ft, id);
        buf_printf(&g->b, "\x1f%.*s=", (int)nm.n, nm.p);
        if (v.t == V_NUM) buf_printf(&g->b, "#%.0f", v.d);
        else if (v.t == V_STR) buf_put(&g->b, v.s, v.n);
    }
    buf_putc(&g->b, '\n');
    g->n++;
    return 0;
}

/* All records of buf[0..n) read chunk bytes at a time. */
static char *read_all(const char *buf, size_t n, size_t chunk, const char *fmt, int *nrec, uint64_t *rejected) {
    ftab_t ft;
    ftab_init(&ft);
    ft.want_all = true;
    seen_t g = {.ft = &ft};
    in_stats_t st = {0};
    in_opts_t o = {.format = fmt, .quiet = true};
    input_run_mem("mem", buf, n, chunk, &o, &ft, collect, &g, &st);
    buf_putc(&g.b, 0);
    *nrec = g.n;
    *rejected = st.rejected;
    ftab_free(&ft);
    return g.b.p;
}

static char *slurp(const char *path, size_t *n) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    buf_t b = {0};
    char tmp[65536];
    size_t k;
    while ((k = fread(tmp, 1, sizeof tmp, f)) > 0) buf_put(&b, tmp, k);
    fclose(f);
    *n = b.n;
    buf_putc(&b, 0);
    return b.p;
}

/* The samples, the reader the vote must pick, and their record counts. */
static const struct sample {
    const char *path;
    const char *fmt;
    int records;
    int rejected;
} samples[] = {
    {"tests/data/zeek-conn.log", "zeek-tsv", 35, 0},     {"tests/data/zeek-conn.json", "zeek-json", 35, 0},
    {"tests/data/zeek-smtp.log", "zeek-tsv", 3, 0},      {"tests/data/sysmon-win.xml", "winevt-xml", 29, 0},
    {"tests/data/security-5156.xml", "winevt-xml", 14, 0}, {"tests/data/powershell-4104.xml", "winevt-xml", 3, 0},
    {"tests/data/sysmon-linux.log", "winevt-xml", 11, 1}, {"tests/data/sysmon-evtx.jsonl", "evtx-json", 15, 0},
    {"tests/data/winlogbeat.ndjson", "ecs", 18, 0},
    {"tests/data/cef-edr.log", "cef", 36, 2},             {"tests/data/leef-fw.log", "leef", 21, 2},
    {"tests/data/ocsf-network.jsonl", "ocsf", 25, 1},     {"tests/data/osquery-sockets.log", "osquery", 25, 1},
    {"tests/data/audit.log", "auditd", 21, 1},
};

static void test_samples(void) {
    static const size_t chunks[] = {1, 2, 3, 7, 64, 333, 4093};
    for (size_t s = 0; s < sizeof samples / sizeof samples[0]; s++) {
        size_t n;
        char *data = slurp(samples[s].path, &n);
        CHECK(data != NULL);
        if (!data) continue;
        const rd_format_t *f;
        int score;
        CHECK(input_detect(samples[s].path, &f, &score) == 0);
        CHECK(f && strcmp(f->name, samples[s].fmt) == 0);
        int nrec;
        uint64_t rej;
        char *whole = read_all(data, n, 0, NULL, &nrec, &rej);
        if (nrec != samples[s].records || (int)rej != samples[s].rejected)
            fprintf(stderr, "%s: %d records, %llu rejected\n", samples[s].path, nrec, (unsigned long long)rej);
        CHECK(nrec == samples[s].records && (int)rej == samples[s].rejected);
        char *forced = read_all(data, n, 0, samples[s].fmt, &nrec, &rej);
        CHECK(strcmp(whole, forced) == 0);
        free(forced);
        for (size_t c = 0; c < sizeof chunks / sizeof chunks[0]; c++) {
            if (chunks[c] < 7 && n > 20000) continue; /* byte by byte only for the small ones */
            char *part = read_all(data, n, chunks[c], NULL, &nrec, &rej);
            if (strcmp(whole, part) != 0) fprintf(stderr, "%s: differs in chunks of %zu\n", samples[s].path, chunks[c]);
            CHECK(strcmp(whole, part) == 0);
            free(part);
        }
        free(whole);
        free(data);
    }
}

/* A Sysmon XML event: EID 1 (with a CommandLine) or 3 for a ProcessGuid. */
static void sysmon_event(buf_t *b, int eid, unsigned guid) {
    buf_printf(b,
               "<Event><System><Provider Name=\"Microsoft-Windows-Sysmon\"/><EventID>%d</EventID></System><EventData>"
               "<Data Name=\"ProcessGuid\">{%08X-0000-0000-0000-000000000000}</Data><Data Name=\"Image\">C:\\p%u.exe</Data>",
               eid, guid, guid);
    if (eid == 1) buf_printf(b, "<Data Name=\"CommandLine\">p%u.exe --run</Data>", guid);
    else buf_puts(b, "<Data Name=\"DestinationPort\">587</Data>");
    buf_puts(b, "</EventData></Event>\n");
}

/* The EID 1 cache forgets the oldest processes past its bound. */
static void test_enrichment_bound(void) {
    buf_t b = {0};
    for (unsigned g = 0; g < 6000; g++) sysmon_event(&b, 1, g);
    sysmon_event(&b, 3, 0);    /* long forgotten */
    sysmon_event(&b, 3, 5999); /* the most recent */
    sysmon_event(&b, 3, 9999); /* never seen */
    int nrec;
    uint64_t rej;
    char *out = read_all(b.p, b.n, 0, NULL, &nrec, &rej);
    CHECK(nrec == 6003 && rej == 0);
    /* the last three records */
    char *l3 = out + strlen(out);
    int nl = 0;
    while (l3 > out && nl < 4) {
        l3--;
        if (*l3 == '\n') nl++;
    }
    CHECK(strstr(l3, "CommandLine=p5999.exe --run") != NULL);
    CHECK(strstr(l3, "CommandLine=p0.exe") == NULL);
    CHECK(strstr(l3, "p9999") != NULL && strstr(l3, "CommandLine=p9999") == NULL);
    free(out);
    free(b.p);
}

/* Malformed events are rejected; the ones around them are read. */
static void test_malformed(void) {
    const char *xml =
        "<Events>\n"
        "<Event><System><EventID>1</EventID></System><EventData><Data Name=\"a\">x</Data></EventData></Event>\n"
        "<Event><System><EventID>2</EventID></System><EventData><Data Name=\"a\">y</Dota></EventData></Event>\n"
        "<Event><System><EventID>3</EventID></System><EventData><Data Name=\"a\">z</Data></EventData></Event>\n"
        "<Event><System><EventID>4</EventID>";
    int nrec;
    uint64_t rej;
    char *out = read_all(xml, strlen(xml), 0, "winevt-xml", &nrec, &rej);
    CHECK(nrec == 2 && rej == 2);
    CHECK(strstr(out, "a=x") && strstr(out, "a=z") && !strstr(out, "a=y"));
    free(out);
    const char *zeek = "#separator \\x09\n#fields\ta\tb\n1\t2\n1\t2\t3\n\n#fields\tc\n4\n";
    out = read_all(zeek, strlen(zeek), 0, NULL, &nrec, &rej);
    CHECK(nrec == 2 && rej == 1);
    CHECK(strstr(out, "3:\x1f" "a=1\x1f" "b=2") != NULL);
    CHECK(strstr(out, "7:\x1f" "c=4") != NULL);
    free(out);
    const char *evtx = "Record 1\n{\"Event\":{\"System\":{\"EventID\":1}}}\nnot json\n{\"Event\":[}\n{\"x\":1}\n";
    out = read_all(evtx, strlen(evtx), 0, "evtx-json", &nrec, &rej);
    CHECK(nrec == 2 && rej == 2);
    free(out);
}

/* UTF-16 text cut at every byte boundary, surrogate pairs included. */
static void test_utf16(void) {
    const char *u8 = "{\"a\":\"J\xC3\xBCrgen \xF0\x9F\x98\x80 x\"}\n{\"a\":\"2\"}\n";
    buf_t le = {0};
    buf_put(&le, "\xFF\xFE", 2);
    /* encode by hand: the test must not depend on iconv */
    static const unsigned short units[] = {'{', '"', 'a', '"', ':', '"', 'J', 0xFC, 'r', 'g', 'e', 'n', ' ', 0xD83D,
                                           0xDE00, ' ', 'x', '"', '}', '\n', '{', '"', 'a', '"', ':', '"', '2', '"',
                                           '}', '\n'};
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
        buf_putc(&le, (char)(units[i] & 0xFF));
        buf_putc(&le, (char)(units[i] >> 8));
    }
    int n8, n16;
    uint64_t rej;
    char *want = read_all(u8, strlen(u8), 0, NULL, &n8, &rej);
    for (size_t chunk = 0; chunk < 9; chunk++) {
        char *got = read_all(le.p, le.n, chunk, NULL, &n16, &rej);
        CHECK(n16 == 2 && strcmp(want, got) == 0);
        free(got);
    }
    /* a lone surrogate becomes U+FFFD */
    const char lone[] = {'{', 0, '"', 0, 'a', 0, '"', 0, ':', 0, '"', 0, 0x00, (char)0xD8, 'x', 0, '"', 0, '}', 0};
    char *got = read_all(lone, sizeof lone, 0, NULL, &n16, &rej);
    CHECK(n16 == 1 && strstr(got, "a=\xEF\xBF\xBDx") != NULL);
    free(got);
    free(want);
    free(le.p);
}

int main(void) {
    test_samples();
    test_enrichment_bound();
    test_malformed();
    test_utf16();
    return CHECK_DONE("test_formats");
}
