/* test_json_walk.c — the JSON Lines reader's fast walks against the
 * general one (reader.c).
 *
 * rd_json_object_ix (the line indexed by jx_build_line, a flat object
 * walked off its quote mask, keys the query cannot read skipped through
 * the key filter) must answer exactly what rd_json_object answers: the
 * same verdict, the same fields in the same order with the same values,
 * the same specials noted. Both read the same hostile lines: flat and
 * nested objects, blanks, escaped keys ("dest\u005fip"), keys differing
 * in case, duplicates, bad numbers and literals, truncations and byte
 * flips, under field tables that read a few fields (with and without the
 * timestamp keys) or every field. Each walk keeps its own key caches
 * across the lines, as a reader does.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "buf.h"
#include "json_index.h"
#include "reader.h"

static uint64_t rng = 0x243f6a8885a308d3ull;

static uint64_t next(void) { return check_splitmix(&rng); }

static const char *pick(const char *const *a, size_t n) { return a[next() % n]; }
#define PICK(a) pick(a, sizeof a / sizeof a[0])

/* A member's key, spelled as the tests need it. */
static const char *const keys[] = {
    "dest_ip", "DEST_IP", "Dest_Ip", "dest\\u005fip", "dest\\u005Fip", "d\\\\est_ip", "dest_port", "src_ip",
    "a", "A", "b", "timestamp", "_messageTime", "_raw", "time", "_sourceCategory", "name", "dstDevice_ip",
    "", "x\\\"y", "dest_i", "est_ip", "zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz",
    "dest_ipdest_ipdest_ipdest_ipdest_ipdest_ipdest_ipdest_ipdest_ip"};
/* A member's value. */
static const char *const vals[] = {
    "\"10.0.0.1\"", "\"\"", "\"a\\\"b\"", "\"C:\\\\Users\\\\x\"", "\"\\u00e9\"", "\"\\\\\"", "\"\\x\"",
    "1", "0", "-1", "12345", "1.5", "-0.25e+3", "1E5", "01", "-", "1.", "1e", "1.e3", "+1", "--1", "0x1",
    "true", "false", "null", "tru", "nul", "falsey", "truex", "nan",
    "{}", "{\"a\":1}", "{\"dest_ip\":\"nested\"}", "[]", "[1,\"x\",{\"b\":2}]", "[", "{\"a\":}",
    "\"2024-06-01T00:00:01.342Z\"", "1717200001342"};
/* What may stand between tokens. */
static const char *const blanks[] = {"", "", "", "", "", "", " ", "\t", "  ", "\r"};

/* A line: mostly a flat object, sometimes broken. */
static size_t gen_line(char *s, size_t cap) {
    buf_t b = {0};
    unsigned nm = (unsigned)(next() % 9);
    bool spaced = next() % 4 == 0;
    buf_puts(&b, "{");
    for (unsigned k = 0; k < nm; k++) {
        if (k) buf_puts(&b, ",");
        if (spaced) buf_puts(&b, PICK(blanks));
        buf_printf(&b, "\"%s\"", PICK(keys));
        if (spaced) buf_puts(&b, PICK(blanks));
        buf_puts(&b, ":");
        if (spaced) buf_puts(&b, PICK(blanks));
        buf_puts(&b, PICK(vals));
        if (spaced) buf_puts(&b, PICK(blanks));
    }
    buf_puts(&b, "}");
    size_t n = b.n < cap ? b.n : cap;
    memcpy(s, b.p, n);
    buf_free(&b);
    switch (next() % 8) { /* damage */
    case 0: if (n) n = (size_t)(next() % n); break;                          /* truncated */
    case 1: if (n) s[next() % n] = "{}[]:,\"\\ x0"[next() % 11]; break;        /* one byte flipped */
    case 2: if (n + 3 < cap) { memcpy(s + n, "{}x", 3); n += next() % 3 + 1; } break; /* trailing junk */
    default: break;
    }
    for (size_t i = 0; i < n; i++)
        if (s[i] == '\n') s[i] = ' '; /* one line */
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r')) n--; /* as the framer trims */
    return n;
}

/* A record, its verdict and its notes as text, for comparing. */
static void show(buf_t *out, bool ok, const rd_ctx_t *c, const record_t *r) {
    out->n = 0;
    buf_printf(out, "%d;", ok);
    if (!ok) return;
    for (uint32_t k = 0; k < r->norder; k++) {
        uint32_t id = r->order[k];
        value_t v = r->v[id];
        buf_printf(out, "%u=%d/%u:", id, (int)v.t, (unsigned)v.b);
        if (v.t == V_STR) buf_put(out, v.s, v.n);
        buf_puts(out, ";");
    }
    buf_printf(out, "sp=%x;", c->spmask);
    for (int k = 0; k < RD_NSPECIAL; k++)
        if (c->spmask >> k & 1) {
            buf_put(out, c->spv[k].p, c->spv[k].n);
            buf_puts(out, ";");
        }
}

/* One walker: a context with its own key caches, a record, an arena. */
typedef struct walker {
    rd_ctx_t c;
    arena_t a;
    record_t r;
} walker_t;

static void walker_init(walker_t *w, ftab_t *ft) {
    memset(w, 0, sizeof *w);
    w->c.ft = ft;
    w->c.arena = &w->a;
    rec_init(&w->r, &w->a);
}

static void walker_reset(walker_t *w) {
    rec_clear(&w->r);
    w->c.spmask = 0;
    arena_reset(&w->a);
}

static void walker_free(walker_t *w) {
    rec_free(&w->r);
    arena_free(&w->a);
}

/* Every generated line through both walks under the field table ft. */
static void compare(ftab_t *ft, int lines, const char *what) {
    walker_t gen, fast;
    walker_init(&gen, ft);
    walker_init(&fast, ft);
    rd_kfilt_t kf;
    rd_kfilt_init(&fast.c, &kf);
    char s[JX_MAXLEN + 64];
    buf_t a = {0}, b = {0};
    int bad = 0, flat_ok = 0, ok_lines = 0;
    for (int t = 0; t < lines; t++) {
        size_t n = gen_line(s, JX_MAXLEN - 8);
        walker_reset(&gen);
        walker_reset(&fast);
        bool ok1 = n && rd_json_object(&gen.c, s, n, &gen.r);
        /* the fast path as read_jsonl.c takes it: the line, its newline, the next line */
        memcpy(s + n, "\n{\"next\":1}", 11);
        jx_t x;
        size_t len = jx_build_line(&x, s, n + 11);
        CHECK(len == n);
        bool ok2 = n && rd_json_object_ix(&fast.c, s, n, &fast.r, &x, &kf);
        show(&a, ok1, &gen.c, &gen.r);
        show(&b, ok2, &fast.c, &fast.r);
        if (a.n != b.n || memcmp(a.p, b.p, a.n) != 0) {
            if (bad++ < 5)
                fprintf(stderr, "  %s: line [%.*s]\n    general [%.*s]\n    fast    [%.*s]\n", what, (int)n, s,
                        (int)a.n, a.p, (int)b.n, b.p);
        }
        ok_lines += ok1;
        flat_ok += ok1 && n && s[1] == '"' && !memchr(s, ' ', n) && !memchr(s, '\t', n);
    }
    CHECK(bad == 0);
    CHECK(ok_lines > lines / 20); /* the lines exercise both answers */
    CHECK(flat_ok > lines / 50);
    buf_free(&a);
    buf_free(&b);
    walker_free(&gen);
    walker_free(&fast);
}

/* A table that reads a few fields (as `count by dest_ip` does), with the
 * timestamp keys skipped or read. */
static void test_projected(void) {
    for (int skip = 0; skip < 2; skip++) {
        ftab_t ft;
        ftab_init(&ft);
        static const char *const wanted[] = {"dest_ip", "a", "src_ip"};
        for (size_t i = 0; i < sizeof wanted / sizeof wanted[0]; i++)
            ft.e[ftab_intern(&ft, pstr_c(wanted[i]))].wanted = 1;
        ft.skip = skip ? FT_SKIP_TIME | FT_SKIP_RAW | FT_SKIP_CATEGORY | FT_SKIP_NAME : 0;
        if (!skip) ft.e[F_MESSAGETIME].wanted = ft.e[F_RAW].wanted = ft.e[F_SOURCECATEGORY].wanted = 1;
        compare(&ft, 60000, skip ? "projected, time skipped" : "projected");
        ftab_free(&ft);
    }
}

/* A table that reads every field. */
static void test_all(void) {
    ftab_t ft;
    ftab_init(&ft);
    ft.want_all = true;
    compare(&ft, 30000, "every field");
    ftab_free(&ft);
}

/* The key filter: what it must let through, what it may stop. */
static void test_filter(void) {
    ftab_t ft;
    ftab_init(&ft);
    ft.e[ftab_intern(&ft, pstr_c("dest_ip"))].wanted = 1;
    ft.skip = FT_SKIP_TIME;
    rd_ctx_t c;
    memset(&c, 0, sizeof c);
    c.ft = &ft;
    rd_kfilt_t f;
    rd_kfilt_init(&c, &f);
    CHECK(f.on);
    ft.want_all = true;
    rd_kfilt_t all;
    rd_kfilt_init(&c, &all);
    CHECK(!all.on);
    ftab_free(&ft);
}

int main(void) {
    test_filter();
    test_projected();
    test_all();
    return CHECK_DONE("json_walk");
}
