/* test_core.c — unit tests of the core data structures: string views and
 * wildcard matching, arenas, value casts and number printing, the field
 * table and records, group-by tables (including merging partial tables as
 * the multi-core path will), and result tables.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "agg.h"
#include "arena.h"
#include "ast.h"
#include "buf.h"
#include "field.h"
#include "hmap.h"
#include "str.h"
#include "table.h"
#include "value.h"


static bool fmt_is(value_t v, const char *want) {
    buf_t b = {0};
    val_fmt(&b, v);
    bool ok = strcmp(b.p ? b.p : "", want) == 0;
    if (!ok) fprintf(stderr, "  got '%s', want '%s'\n", b.p ? b.p : "", want);
    buf_free(&b);
    return ok;
}

static void test_str(void) {
    CHECK(pstr_ieq(PSTR_LIT("Protocol"), PSTR_LIT("pROTOCOL")));
    CHECK(!pstr_ieq(PSTR_LIT("Protocol"), PSTR_LIT("Protocols")));
    CHECK(pstr_cmp(PSTR_LIT("ab"), PSTR_LIT("abc")) < 0);
    CHECK(pstr_cmp(PSTR_LIT("b"), PSTR_LIT("abc")) > 0);
    CHECK(pstr_contains(PSTR_LIT("hello world"), PSTR_LIT("o w")));
    CHECK(!pstr_contains(PSTR_LIT("hello"), PSTR_LIT("hellos")));
    CHECK(pstr_ifind(PSTR_LIT("Send-MailMessage"), PSTR_LIT("mailmessage")) == 5);
    CHECK(pstr_trim(PSTR_LIT("  x y \t")).n == 3);
    /* str_search against a plain scan, at every offset and both cases. */
    {
        char hay[200];
        for (int i = 0; i < 199; i++) hay[i] = (char)('a' + i % 7);
        hay[199] = 0;
        const char *needle = "\"dest_Port\"";
        bool all = true;
        for (size_t at = 0; at + 11 <= 199; at++) {
            char h2[200];
            memcpy(h2, hay, 200);
            memcpy(h2 + at, needle, 11);
            const char *f = str_search(pstr(h2, 199), pstr(needle, 11), false);
            all &= f == h2 + at || (f && f < h2 + at);
            const char *g = str_search(pstr(h2, 199), PSTR_LIT("\"DEST_port\""), true);
            all &= g == f;
            all &= str_search(pstr(h2, 199), PSTR_LIT("\"DEST_port\""), false) == NULL;
            all &= str_search(pstr(h2, at + 10), pstr(needle, 11), false) == NULL; /* cut before its end */
        }
        CHECK(all);
        CHECK(str_search(PSTR_LIT("ab"), PSTR_LIT("abc"), false) == NULL);
        CHECK(str_search(PSTR_LIT("xxabc"), PSTR_LIT("abc"), false) != NULL);
        CHECK(str_search(PSTR_LIT("xxABc"), PSTR_LIT("abC"), true) != NULL);
        CHECK(str_search(PSTR_LIT("x\\u0041"), PSTR_LIT("\\u"), false) != NULL);
        CHECK(str_find2("abc{d[", 6, '{', '[') != NULL && *str_find2("abc{d[", 6, '[', '{') == '{');
        CHECK(str_find2("abcdefghijklmnopqrstuvwxyz[", 27, '{', '[') != NULL);
        CHECK(str_find2("abcdefghijklmnopqrstuvwxyz", 26, '{', '[') == NULL);
        uint32_t pos[4];
        const char *row = "2024-06-01T00:00:01Z,1717200001342,prod/network/edr,10.0.0.1,25";
        CHECK(str_csv_commas(row, strlen(row), pos, 4) == 4 && pos[0] == 20 && pos[3] == strlen(row) - 3);
        CHECK(str_csv_commas(row, strlen(row), pos, 2) == 4); /* counted past max */
        CHECK(str_csv_commas("a,b,\"c\"", 7, pos, 4) == -1);
        CHECK(str_csv_commas("abcdefghijklmnopqrstu\"", 22, pos, 4) == -1);
        CHECK(str_csv_commas("", 0, pos, 4) == 0);
    }
    CHECK(pstr_ihash(PSTR_LIT("ABC")) == pstr_ihash(PSTR_LIT("abc")));
    CHECK(pstr_ieq_c(PSTR_LIT("DestinationPort"), "destinationport"));
    CHECK(!pstr_ieq_c(PSTR_LIT("Destination"), "destinationport"));   /* shorter */
    CHECK(!pstr_ieq_c(PSTR_LIT("DestinationPorts"), "destinationport")); /* longer */
    CHECK(pstr_ieq_c(PSTR_LIT(""), ""));
    CHECK(!pstr_ieq_c(pstr("ab\0", 3), "ab")); /* a NUL in the view is a byte, not an end */
    /* Sumo wildcard patterns: '*' only, whole value. */
    CHECK(str_wildmatch(PSTR_LIT("*network*"), PSTR_LIT("prod/network/edr"), false));
    CHECK(str_wildmatch(PSTR_LIT("*NETWORK*"), PSTR_LIT("prod/network/edr"), true));
    CHECK(!str_wildmatch(PSTR_LIT("*NETWORK*"), PSTR_LIT("prod/network/edr"), false));
    CHECK(!str_wildmatch(PSTR_LIT("network"), PSTR_LIT("prod/network/edr"), true));
    CHECK(str_wildmatch(PSTR_LIT("a*b*c"), PSTR_LIT("aXXbYYc"), false));
    CHECK(!str_wildmatch(PSTR_LIT("a*b*c"), PSTR_LIT("aXXbYYcd"), false));
    CHECK(str_wildmatch(PSTR_LIT("*"), PSTR_LIT(""), false));
    CHECK(!str_wildmatch(PSTR_LIT("?"), PSTR_LIT("x"), false));
    CHECK(str_wildmatch(PSTR_LIT("(?i)(outlook|x)"), PSTR_LIT("(?i)(outlook|x)"), false));
    CHECK(!str_wildmatch(PSTR_LIT("(?i)(outlook|x)"), PSTR_LIT("OUTLOOK.EXE"), false));
    /* `*text*` takes the substring path: the same answers as the general one. */
    CHECK(str_wildmatch(PSTR_LIT("**"), PSTR_LIT(""), false));
    CHECK(!str_wildmatch(PSTR_LIT("*a*"), PSTR_LIT(""), true));
    CHECK(str_wildmatch(PSTR_LIT("*a*"), PSTR_LIT("a"), false));
    CHECK(str_wildmatch(PSTR_LIT("*Fire*"), PSTR_LIT("Corp/FIREWALL/ASA"), true));
    CHECK(!str_wildmatch(PSTR_LIT("*fire*"), PSTR_LIT("corp/fir/ewall"), true));
    CHECK(str_wildmatch(PSTR_LIT("*wall*"), PSTR_LIT("wal wall"), false));
    CHECK(!str_wildmatch(PSTR_LIT("*wall*"), PSTR_LIT("wal"), false));
    CHECK(str_wildmatch(PSTR_LIT("*a*b*"), PSTR_LIT("xaxbx"), false)); /* two stars inside: general path */
    CHECK(!str_wildmatch(PSTR_LIT("*b*a*"), PSTR_LIT("xaxbx"), false));
}

static void test_arena(void) {
    arena_t a = {0};
    char *p = arena_strndup(&a, "abc", 3);
    CHECK(strcmp(p, "abc") == 0);
    void *big = arena_alloc(&a, 3u << 20); /* larger than a block */
    CHECK(big != NULL && ((uintptr_t)big & 15) == 0);
    memset(big, 1, 3u << 20);
    int *arr = arena_calloc(&a, 4 * sizeof *arr);
    CHECK(arr[0] == 0 && arr[3] == 0);
    arr[0] = 7;
    int *g = arena_grow(&a, arr, 4, 8, sizeof *arr);
    CHECK(g[0] == 7);
    arena_reset(&a);
    CHECK(a.total == 0);
    char *q = arena_strndup(&a, "xyz", 3);
    CHECK(strcmp(q, "xyz") == 0);
    arena_free(&a);
    CHECK(a.head == NULL);
}

static void test_value(void) {
    double d;
    CHECK(str_to_num(PSTR_LIT("25"), &d) && d == 25);
    CHECK(str_to_num(PSTR_LIT(" 25.0 "), &d) && d == 25);
    CHECK(str_to_num(PSTR_LIT("-1e3"), &d) && d == -1000);
    CHECK(!str_to_num(PSTR_LIT("0x19"), &d));
    CHECK(!str_to_num(PSTR_LIT("inf"), &d));
    CHECK(!str_to_num(PSTR_LIT("nan"), &d));
    CHECK(!str_to_num(PSTR_LIT("-"), &d));
    CHECK(!str_to_num(PSTR_LIT(""), &d));
    CHECK(!str_to_num(PSTR_LIT("12abc"), &d));
    CHECK(str_to_num(PSTR_LIT("1717200006302"), &d) && d == 1717200006302.0);
    /* Integers of 1 to 17 digits, signed or not, against strtod; a
     * letter or space put anywhere inside makes them no number. */
    uint64_t r = 88172645463325252ull;
    int bad = 0;
    for (int t = 0; t < 20000; t++) {
        char buf[24];
        size_t n = 0, nd = 1 + (size_t)(t % 17);
        r ^= r << 13, r ^= r >> 7, r ^= r << 17;
        if (t % 3 == 1) buf[n++] = '-';
        if (t % 3 == 2) buf[n++] = '+';
        for (size_t k = 0; k < nd; k++) buf[n++] = (char)('0' + (r >> (3 * k)) % 10);
        buf[n] = 0;
        double want = strtod(buf, NULL);
        if (!str_to_num(pstr(buf, n), &d) || d != want || signbit(d) != signbit(want)) bad++;
        size_t at = (size_t)(r >> 50) % n;
        if (at == 0 && n > 1) at = 1; /* not a leading space, which trim drops */
        buf[at] = (t & 1) ? 'x' : ' ';
        if (at + 1 < n && str_to_num(pstr(buf, n), &d)) bad++;
    }
    CHECK(bad == 0);
    CHECK(str_to_num(PSTR_LIT("-00000000"), &d) && d == 0 && signbit(d));
    CHECK(!str_to_num(PSTR_LIT("12345678:"), &d));
    CHECK(!str_to_num(PSTR_LIT("1234567/9"), &d));
    /* Integral numbers print as integers, never in exponent form. */
    CHECK(fmt_is(val_num(1717200006302.0), "1717200006302"));
    CHECK(fmt_is(val_num(-3), "-3"));
    CHECK(fmt_is(val_num(2.5), "2.5"));
    CHECK(fmt_is(val_num(0.1), "0.1"));
    CHECK(fmt_is(val_num(1.0 / 3.0), "0.3333333333333333"));
    CHECK(fmt_is(val_num(1e20), "1e+20")); /* beyond int64: exponent form */
    CHECK(fmt_is(val_bool(true), "true"));
    CHECK(fmt_is(val_null(), ""));
    /* = casts against numbers, compares strings byte for byte otherwise. */
    CHECK(val_eq(val_str("25", 2), val_num(25)));
    CHECK(val_eq(val_str("25.0", 4), val_num(25)));
    CHECK(!val_eq(val_str("25.0", 4), val_str("25", 2)));
    CHECK(!val_eq(val_null(), val_null()));
    CHECK(!val_eq(val_str("SMTP", 4), val_str("smtp", 4)));
    CHECK(val_cmp(val_num(2), val_num(10)) < 0);
    CHECK(val_cmp(val_str("2", 1), val_str("10", 2)) > 0); /* text order */
    CHECK(val_cmp(val_null(), val_num(1)) > 0);             /* null last */
    CHECK(val_truthy(val_str("TRUE", 4)) && !val_truthy(val_str("yes", 3)));
    /* an empty string never has NULL bytes (p + k on them would be undefined) */
    CHECK(val_str(NULL, 0).s != NULL && val_strv(PSTR_NULL).s != NULL && val_strv(PSTR_NULL).n == 0);
}

static void test_ftab_record(void) {
    ftab_t ft;
    ftab_init(&ft);
    CHECK(ftab_find(&ft, PSTR_LIT("_sourcecategory")) == F_SOURCECATEGORY);
    CHECK(ftab_find(&ft, PSTR_LIT("_MESSAGETIME")) == F_MESSAGETIME);
    uint32_t a = ftab_intern(&ft, PSTR_LIT("protocol"));
    uint32_t b = ftab_intern(&ft, PSTR_LIT("Protocol"));
    CHECK(a == b);
    ftab_rename(&ft, a, PSTR_LIT("Protocol"));
    CHECK(pstr_eq(ftab_name(&ft, a), PSTR_LIT("Protocol")));
    /* Growth past the initial index size keeps every id findable. */
    char name[32];
    for (int i = 0; i < 500; i++) {
        snprintf(name, sizeof name, "field_%d", i);
        ftab_intern(&ft, pstr_c(name));
    }
    bool all = true;
    for (int i = 0; i < 500; i++) {
        snprintf(name, sizeof name, "FIELD_%d", i);
        all &= ftab_find(&ft, pstr_c(name)) != FIELD_NONE;
    }
    CHECK(all);
    CHECK(ftab_find(&ft, PSTR_LIT("nope")) == FIELD_NONE);

    arena_t ar = {0};
    record_t r;
    rec_init(&r, &ar);
    uint32_t hi = ftab_intern(&ft, PSTR_LIT("field_499"));
    rec_set(&r, hi, val_str("x", 1));
    rec_set(&r, a, val_null());
    CHECK(rec_has(&r, a) && rec_get(&r, a).t == V_NULL);
    CHECK(r.norder == 2 && r.order[0] == hi && r.order[1] == a);
    rec_set(&r, hi, val_str("y", 1));
    CHECK(r.norder == 2);
    rec_unset(&r, hi);
    CHECK(!rec_has(&r, hi) && r.norder == 1);
    rec_clear(&r);
    CHECK(r.norder == 0 && !rec_has(&r, a));
    CHECK(rec_get(&r, 100000).t == V_NULL);
    rec_free(&r);
    arena_free(&ar);
    ftab_free(&ft);
}

/* A tag (the low 32 bits of the key's hash) pair for strings of n bytes:
 * two that differ and have one, found by brute force among strings that
 * differ in their first 3 bytes (n >= 3), into a and b. */
static bool tag_pair(size_t n, char *a, char *b) {
    enum { NT = 1 << 19 };
    typedef struct { uint32_t tag, i; } tp_t;
    tp_t *t = malloc(NT * sizeof *t);
    char *s = malloc(n);
    bool found = false;
    memset(s, 'q', n);
    for (uint32_t i = 0; i < NT; i++) {
        for (size_t k = 0; k < 3; k++) s[k] = (char)(i >> (8 * k));
        t[i] = (tp_t){(uint32_t)hm_hash(s, n), i};
    }
    /* (Sorted by tag: equal tags side by side.) */
    for (uint32_t sh = 0; sh < 32; sh += 8) {
        tp_t *u = malloc(NT * sizeof *u);
        size_t cnt[257] = {0};
        for (uint32_t i = 0; i < NT; i++) cnt[((t[i].tag >> sh) & 255) + 1]++;
        for (int d = 0; d < 256; d++) cnt[d + 1] += cnt[d];
        for (uint32_t i = 0; i < NT; i++) u[cnt[(t[i].tag >> sh) & 255]++] = t[i];
        free(t);
        t = u;
    }
    for (uint32_t i = 1; i < NT && !found; i++) {
        if (t[i].tag != t[i - 1].tag) continue;
        memset(a, 'q', n), memset(b, 'q', n);
        for (size_t k = 0; k < 3; k++) {
            a[k] = (char)(t[i - 1].i >> (8 * k));
            b[k] = (char)(t[i].i >> (8 * k));
        }
        found = memcmp(a, b, n) != 0;
    }
    free(t);
    free(s);
    return found;
}

/* Keys whose hashes share the index's tag are told apart by their bytes:
 * for strings of each length the compare takes its own way on (3, 5, 12,
 * 20, 100 and 130 bytes; 8, 9, 15 and 16 about the hash's edges), a
 * pair with one tag folds into two groups, as
 * one key (gtab_add, and gtab_put's one-string path), as the last of two
 * keys (whose tag the pair shares too), and with a large index
 * (gtab_put's batches). */
static void test_gtab_tag_collisions(void) {
    ftab_t ft;
    ftab_init(&ft);
    uint32_t fk = ftab_intern(&ft, PSTR_LIT("k")), fm = ftab_intern(&ft, PSTR_LIT("m"));
    aggspec_t cnt = {.fn = AG_COUNT, .field = FIELD_NONE, .as = ftab_intern(&ft, PSTR_LIT("_count"))};
    uint32_t by1[1] = {fk}, by2[2] = {fm, fk};
    stage_t st1 = {.kind = ST_AGG, .aggs = &cnt, .naggs = 1, .by = by1, .nby = 1};
    stage_t st2 = {.kind = ST_AGG, .aggs = &cnt, .naggs = 1, .by = by2, .nby = 2};
    arena_t ar = {0};
    record_t r;
    rec_init(&r, &ar);
    static const size_t lens[] = {3, 5, 8, 9, 12, 15, 16, 20, 100, 130};
    char a[130], b[130], fill[16];
    bool all = true;
    for (size_t li = 0; li < sizeof lens / sizeof lens[0]; li++) {
        size_t n = lens[li];
        bool have = tag_pair(n, a, b);
        CHECK(have);
        if (!have) continue;
        /* way 0: gtab_add; 1: gtab_put; 2: gtab_put past 40,000 groups */
        for (int way = 0; way < 3; way++)
            for (int two = 0; two < 2; two++) {
                gtab_t *g = gtab_new(two ? &st2 : &st1);
                if (way) gtab_defer(g);
                uint64_t seq = 0;
                for (int f = 0; way == 2 && f < 40000; f++) {
                    rec_clear(&r);
                    int k = snprintf(fill, sizeof fill, "f%d", f);
                    rec_set(&r, fk, val_str(fill, (size_t)k));
                    rec_set(&r, fm, val_str("x", 1));
                    gtab_put(g, &r, seq++);
                }
                const char *keys[3] = {a, b, a};
                for (int i = 0; i < 3; i++) {
                    rec_clear(&r);
                    rec_set(&r, fk, val_str(keys[i], n));
                    rec_set(&r, fm, val_str("x", 1));
                    if (way) gtab_put(g, &r, seq++);
                    else gtab_add(g, &r, seq++);
                }
                gtab_settle(g);
                table_t t;
                table_init(&t);
                gtab_emit(g, &t);
                size_t at = t.n - 2; /* (the pair's groups come last) */
                bool ok = t.n >= 2 && rec_get(&t.rows[at], fk).n == n &&
                          memcmp(rec_get(&t.rows[at], fk).s, a, n) == 0 && rec_get(&t.rows[at], cnt.as).d == 2 &&
                          memcmp(rec_get(&t.rows[at + 1], fk).s, b, n) == 0 && rec_get(&t.rows[at + 1], cnt.as).d == 1;
                if (!ok) fprintf(stderr, "  tag pair of %zu bytes, way %d, %d keys: not two groups\n", n, way, two + 1);
                all &= ok;
                table_free(&t);
                gtab_free(g);
            }
    }
    CHECK(all);
    rec_free(&r);
    arena_free(&ar);
    ftab_free(&ft);
}

/* Build records from (key, value, time) triples for the group-by tests. */
static void add_rows(gtab_t *g, ftab_t *ft, arena_t *ar, const char *const (*rows)[3], size_t n, size_t from,
                     size_t step) {
    uint32_t fk = ftab_intern(ft, PSTR_LIT("k")), fv = ftab_intern(ft, PSTR_LIT("v"));
    record_t r;
    rec_init(&r, ar);
    for (size_t i = from; i < n; i += step) {
        rec_clear(&r);
        if (rows[i][0]) rec_set(&r, fk, val_str(rows[i][0], strlen(rows[i][0])));
        rec_set(&r, fv, val_str(rows[i][1], strlen(rows[i][1])));
        rec_set(&r, F_MESSAGETIME, val_num(atof(rows[i][2])));
        gtab_add(g, &r, i);
    }
    rec_free(&r);
}

static void test_gtab(void) {
    static const char *const rows[][3] = {
        {"a", "10", "1000"}, {"b", "5", "1001"},  {"a", "x", "1002"}, {"a", "30", "999"},
        {NULL, "7", "1003"}, {"b", "5", "1004"},  {"a", "20", "1005"}, {"c", "", "1006"},
        {"a", "10", "1007"}, {NULL, "1", "1008"},
    };
    size_t n = sizeof rows / sizeof rows[0];
    ftab_t ft;
    ftab_init(&ft);
    uint32_t fk = ftab_intern(&ft, PSTR_LIT("k")), fv = ftab_intern(&ft, PSTR_LIT("v"));
    uint32_t outs[8];
    const char *names[8] = {"_count", "_count_distinct", "_sum", "_min", "_max", "_first", "_last", "_values"};
    int fns[8] = {AG_COUNT, AG_COUNT_DISTINCT, AG_SUM, AG_MIN, AG_MAX, AG_FIRST, AG_LAST, AG_VALUES};
    aggspec_t aggs[8];
    for (int i = 0; i < 8; i++) {
        outs[i] = ftab_intern(&ft, pstr_c(names[i]));
        aggs[i] = (aggspec_t){.fn = fns[i], .field = i == 0 ? FIELD_NONE : fv, .as = outs[i]};
    }
    uint32_t by[1] = {fk};
    stage_t st = {.kind = ST_AGG, .aggs = aggs, .naggs = 8, .by = by, .nby = 1};
    arena_t ar = {0};

    gtab_t *whole = gtab_new(&st);
    add_rows(whole, &ft, &ar, rows, n, 0, 1);
    CHECK(gtab_count(whole) == 4); /* a, b, null, c */
    /* The same rows split across two partial tables, merged. */
    gtab_t *p1 = gtab_new(&st), *p2 = gtab_new(&st);
    add_rows(p1, &ft, &ar, rows, n, 0, 2);
    add_rows(p2, &ft, &ar, rows, n, 1, 2);
    gtab_merge(p1, p2);
    CHECK(gtab_count(p1) == 4);

    table_t t1, t2;
    table_init(&t1);
    table_init(&t2);
    gtab_emit(whole, &t1);
    gtab_emit(p1, &t2);
    CHECK(t1.n == 4 && t2.n == 4);
    CHECK(t1.ncols == 9 && t1.cols[0] == fk && t1.cols[1] == outs[0]);
    bool same = t1.n == t2.n;
    for (size_t i = 0; same && i < t1.n; i++)
        for (uint32_t c = 0; c < t1.ncols; c++) {
            buf_t x = {0}, y = {0};
            val_fmt(&x, rec_get(&t1.rows[i], t1.cols[c]));
            val_fmt(&y, rec_get(&t2.rows[i], t1.cols[c]));
            if (x.n != y.n || (x.n && memcmp(x.p, y.p, x.n))) same = false;
            buf_free(&x);
            buf_free(&y);
        }
    CHECK(same);
    /* Group "a": rows 0,2,3,6,8 in first-seen order. */
    const record_t *ra = &t1.rows[0];
    CHECK(fmt_is(rec_get(ra, fk), "a"));
    CHECK(fmt_is(rec_get(ra, outs[0]), "5"));
    CHECK(fmt_is(rec_get(ra, outs[1]), "4"));   /* 10, x, 30, 20 */
    CHECK(fmt_is(rec_get(ra, outs[2]), "70"));  /* "x" skipped */
    CHECK(fmt_is(rec_get(ra, outs[3]), "10"));
    CHECK(fmt_is(rec_get(ra, outs[4]), "30"));
    CHECK(fmt_is(rec_get(ra, outs[5]), "10"));  /* newest: time 1007 */
    CHECK(fmt_is(rec_get(ra, outs[6]), "30"));  /* oldest: time 999 */
    CHECK(fmt_is(rec_get(ra, outs[7]), "10\n20\n30\nx")); /* one value a line */
    /* The null key is a group of its own. */
    const record_t *rn = &t1.rows[2];
    CHECK(rec_get(rn, fk).t == V_NULL && fmt_is(rec_get(rn, outs[0]), "2"));
    /* An empty string is a distinct value; sum of nothing numeric is null. */
    const record_t *rc = &t1.rows[3];
    CHECK(fmt_is(rec_get(rc, outs[1]), "1") && rec_get(rc, outs[2]).t == V_NULL);

    table_free(&t1);
    table_free(&t2);
    gtab_free(whole);
    gtab_free(p1);
    gtab_free(p2);
    arena_free(&ar);
    ftab_free(&ft);
}

/* Lanes merged at once (gtab_merge_all): 3 lanes reading segments of 64
 * records in turns, keys met in several lanes and first in any of them,
 * folded and ordered by 2 threads (more groups than either splits from):
 * the same rows in the same order as one table that read every record,
 * each aggregate's result included; the merged table stays usable. */
static void test_gtab_merge_lanes(void) {
    ftab_t ft;
    ftab_init(&ft);
    uint32_t fk = ftab_intern(&ft, PSTR_LIT("k")), fv = ftab_intern(&ft, PSTR_LIT("v"));
    const char *names[7] = {"_count", "_sum", "_min", "_max", "_first", "_last", "_values"};
    int fns[7] = {AG_COUNT, AG_SUM, AG_MIN, AG_MAX, AG_FIRST, AG_LAST, AG_VALUES};
    aggspec_t aggs[7];
    for (int i = 0; i < 7; i++)
        aggs[i] = (aggspec_t){.fn = fns[i], .field = i == 0 ? FIELD_NONE : fv, .as = ftab_intern(&ft, pstr_c(names[i]))};
    uint32_t by[1] = {fk};
    stage_t st = {.kind = ST_AGG, .aggs = aggs, .naggs = 7, .by = by, .nby = 1};
    arena_t ar = {0};
    record_t r;
    rec_init(&r, &ar);
    enum { NR = 150000, NK = 60000, NL = 3 };
    gtab_t *whole = gtab_new(&st), *lane[NL];
    for (int l = 0; l < NL; l++) lane[l] = gtab_new(&st);
    char tk[32], tv[32];
    uint64_t x = 88172645463325252ull;
    for (int i = 0; i < NR; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        rec_clear(&r);
        int k = snprintf(tk, sizeof tk, "k%u", (unsigned)(x % NK));
        int v = snprintf(tv, sizeof tv, "%u", (unsigned)((x >> 20) % 1000));
        rec_set(&r, fk, val_str(tk, (size_t)k));
        rec_set(&r, fv, val_str(tv, (size_t)v));
        rec_set(&r, F_MESSAGETIME, val_num((double)((x >> 32) % 5000)));
        uint64_t seq = (uint64_t)(i + 1) << 8; /* (0 is free: see below) */
        gtab_add(whole, &r, seq);
        gtab_add(lane[(i / 64) % NL], &r, seq);
    }
    gtab_set_threads(lane[0], 2);
    gtab_merge_all(lane, NL);
    CHECK(gtab_count(lane[0]) == gtab_count(whole));
    CHECK(gtab_count(lane[1]) == 0 && gtab_count(lane[2]) == 0);
    table_t t1, t2;
    table_init(&t1);
    table_init(&t2);
    gtab_emit(whole, &t1);
    gtab_emit(lane[0], &t2);
    bool same = t1.n == t2.n && t1.ncols == t2.ncols && t1.n > 50000;
    for (size_t i = 0; same && i < t1.n; i++)
        for (uint32_t c = 0; same && c < t1.ncols; c++) {
            buf_t a = {0}, b = {0};
            val_fmt(&a, rec_get(&t1.rows[i], t1.cols[c]));
            val_fmt(&b, rec_get(&t2.rows[i], t1.cols[c]));
            same = a.n == b.n && (!a.n || memcmp(a.p, b.p, a.n) == 0);
            buf_free(&a);
            buf_free(&b);
        }
    CHECK(same);
    /* Usable afterwards: a known key folds into its group, first now
     * (its record comes before every other). */
    rec_clear(&r);
    rec_set(&r, fk, rec_get(&t1.rows[t1.n - 1], fk));
    rec_set(&r, fv, val_str("1", 1));
    gtab_add(lane[0], &r, 1);
    CHECK(gtab_count(lane[0]) == gtab_count(whole));
    table_free(&t2);
    table_init(&t2);
    gtab_emit(lane[0], &t2);
    CHECK(t2.n == t1.n && val_cmp(rec_get(&t2.rows[0], fk), rec_get(&t1.rows[t1.n - 1], fk)) == 0);
    table_free(&t1);
    table_free(&t2);
    gtab_free(whole);
    for (int l = 0; l < NL; l++) gtab_free(lane[l]);
    rec_free(&r);
    arena_free(&ar);
    ftab_free(&ft);
}

/* Cheap groups: a `count by k` group costs a small fixed state plus its
 * key bytes; a budget stops new groups; marks and gtab_each. */
static int count_rows(void *ud, record_t *r) {
    (void)r;
    return ++*(size_t *)ud == 3 ? 7 : 0; /* stop at the third row */
}

/* gtab_each's rows: keys g<N> whose N rises (first-record order), and
 * whether g4999 came first (after it took the smallest seq). */
struct order_check {
    long last;
    bool ok, first_key_4999;
    size_t n;
    uint32_t fk;
};

static int in_order(void *ud, record_t *r) {
    struct order_check *c = ud;
    value_t v = rec_get(r, c->fk);
    long k = -1;
    if (v.t == V_STR && v.n > 1)
        for (uint32_t i = 1; i < v.n; i++) k = (k < 0 ? 0 : k * 10) + (v.s[i] - '0'); /* (not NUL-terminated) */
    if (c->n == 0) c->first_key_4999 = k == 4999;
    else if (!c->first_key_4999 && k <= c->last) c->ok = false;
    c->last = k;
    c->n++;
    return 0;
}

/* A small index is kept a quarter full at most (agg.c's GT_SPARSE):
 * keys put one at a time through its doublings into a `count by k`
 * table st (count field oc) are all found again, and again after the
 * groups were put in order (the index built anew), each with its own
 * count. */
static void check_sparse_index(const stage_t *st, uint32_t fk, uint32_t oc, record_t *r) {
    char tmp[32];
    enum { NK = 3000 };
    gtab_t *g = gtab_new(st);
    gtab_defer(g);
    uint64_t seq = 0;
    size_t b1 = 0;
    for (int round = 0; round < 3; round++) {
        if (round == 2) gtab_order(g);
        for (int i = 0; i < NK; i++) {
            rec_clear(r);
            int k = snprintf(tmp, sizeof tmp, "10.1.%d.%d", i / 256, i % 256);
            rec_set(r, fk, val_str(tmp, (size_t)k));
            gtab_put(g, r, seq++);
            /* (From 1 group to 1000, the index grew from 16 slots of 8
             * bytes to 4096, not 2048, and the list from 64 groups to
             * 1024; the first arena chunk holds them all.) */
            if (round == 0 && i == 0) b1 = gtab_bytes(g);
            if (round == 0 && i == 999) CHECK(gtab_count(g) == 1000 && gtab_bytes(g) - b1 >= (size_t)4096 * 8);
        }
    }
    gtab_settle(g);
    CHECK(gtab_count(g) == NK);
    table_t t;
    table_init(&t);
    gtab_emit(g, &t);
    bool ok = t.n == NK;
    for (size_t i = 0; ok && i < t.n; i++) {
        int k = snprintf(tmp, sizeof tmp, "10.1.%zu.%zu", i / 256, i % 256);
        value_t v = rec_get(&t.rows[i], fk);
        ok = v.t == V_STR && v.n == (size_t)k && memcmp(v.s, tmp, v.n) == 0 && rec_get(&t.rows[i], oc).d == 3;
    }
    CHECK(ok);
    table_free(&t);
    gtab_free(g);
}

/* Keys that differ at the edges of the hash's and the compare's ways
 * (hm_hash: under 8 bytes, 8 to 16, longer), in a `count by k` table st
 * (count field oc) through gtab_put, before and after the groups were
 * put in order (the index built anew): for each length L of 0..17, "A"
 * L times (put once a round), the same with a last 'B' (twice), with a
 * NUL after (3 times), the number L (4 times) and a boolean (5 times). */
static void check_key_edges(const stage_t *st, uint32_t fk, uint32_t oc, record_t *r) {
    enum { NL = 18 };
    char s[NL + 1];
    gtab_t *g = gtab_new(st);
    gtab_defer(g);
    uint64_t seq = 0;
    for (int round = 0; round < 2; round++) {
        if (round) gtab_order(g);
        for (int len = 0; len < NL; len++)
            for (int k = 0; k < 5; k++)
                for (int rep = 0; rep <= k; rep++) {
                    memset(s, 'A', sizeof s);
                    if (k == 1 && len) s[len - 1] = 'B';
                    s[len] = 0;
                    value_t v = k == 3 ? val_num(len) : k == 4 ? val_bool(len & 1) : val_str(s, (size_t)len + (k == 2));
                    rec_clear(r);
                    rec_set(r, fk, v);
                    gtab_put(g, r, ((uint64_t)1 << 20) - seq++); /* (later groups' first records come first: sorted anew) */
                }
    }
    gtab_settle(g);
    table_t t;
    table_init(&t);
    gtab_emit(g, &t);
    /* (The empty string is both "A" 0 times and "B" without its 'A's.) */
    bool ok = t.n == NL + (NL - 1) + NL + NL + 2;
    for (size_t i = 0; ok && i < t.n; i++) {
        value_t v = rec_get(&t.rows[i], fk);
        double c = rec_get(&t.rows[i], oc).d, want = 0;
        if (v.t == V_STR) {
            bool as = true;
            for (size_t j = 0; j + 1 < v.n; j++) as = as && v.s[j] == 'A';
            char last = v.n ? v.s[v.n - 1] : 'A';
            want = !as ? -1 : v.n == 0 ? 2 * 3 : last == 'A' ? 2 * 1 : last == 'B' ? 2 * 2 : last == 0 ? 2 * 3 : -1;
        } else {
            want = v.t == V_NUM ? 2 * 4 : v.t == V_BOOL ? 2 * 5 * (NL / 2) : -1;
        }
        ok = c == want;
        if (!ok) fprintf(stderr, "  key edges: group %zu (type %d, %u bytes) counted %g\n", i, (int)v.t, v.n, c);
    }
    CHECK(ok);
    table_free(&t);
    gtab_free(g);
}

static void test_gtab_cheap(void) {
    ftab_t ft;
    ftab_init(&ft);
    uint32_t fk = ftab_intern(&ft, PSTR_LIT("k")), oc = ftab_intern(&ft, PSTR_LIT("_count"));
    aggspec_t agg = {.fn = AG_COUNT, .field = FIELD_NONE, .as = oc};
    uint32_t by[1] = {fk};
    stage_t st = {.kind = ST_AGG, .aggs = &agg, .naggs = 1, .by = by, .nby = 1};
    arena_t ar = {0};
    record_t r;
    rec_init(&r, &ar);
    char tmp[32];
    enum { NG = 200000 };
    gtab_t *g = gtab_new(&st);
    size_t keybytes = 0;
    for (int i = 0; i < NG; i++) {
        rec_clear(&r);
        int k = snprintf(tmp, sizeof tmp, "10.%d.%d.%d", i >> 16, (i >> 8) & 255, i & 255);
        rec_set(&r, fk, val_str(tmp, (size_t)k));
        keybytes += (size_t)k;
        gtab_add(g, &r, (uint64_t)i);
    }
    CHECK(gtab_count(g) == NG);
    /* Header, count, the index's slots and the group list: at most 64
     * bytes a group beyond its key's text. */
    size_t per = (gtab_bytes(g) - keybytes) / NG;
    CHECK(per <= 64);
    if (per > 64) fprintf(stderr, "  %zu bytes a group beyond the key\n", per);
    /* gtab_each: rows in first-record order, stops at fn's non-zero. */
    size_t seen = 0;
    CHECK(gtab_each(g, count_rows, &seen) == 7 && seen == 3);
    gtab_free(g);

    /* Groups merged from lanes that read interleaved segments come out in
     * first-record order (the radix sort, seqs above 2^32 too); the table
     * stays usable: a known key folds into its group, not a new one. */
    gtab_t *a = gtab_new(&st), *b2 = gtab_new(&st);
    for (int i = 0; i < 5000; i++) {
        rec_clear(&r);
        int k = snprintf(tmp, sizeof tmp, "g%d", i);
        rec_set(&r, fk, val_str(tmp, (size_t)k));
        uint64_t seq = ((uint64_t)i << 20) + 7; /* segments of 64 groups, lanes taking turns */
        gtab_add((i / 64) % 2 ? b2 : a, &r, seq);
    }
    gtab_merge(a, b2);
    struct order_check oc2 = {.last = 0, .ok = true, .n = 0, .fk = fk};
    CHECK(gtab_each(a, in_order, &oc2) == 0 && oc2.ok && oc2.n == 5000);
    rec_clear(&r);
    rec_set(&r, fk, val_str("g4999", 5));
    gtab_add(a, &r, 1);
    CHECK(gtab_count(a) == 5000);
    oc2 = (struct order_check){.last = 0, .ok = true, .n = 0, .fk = fk};
    CHECK(gtab_each(a, in_order, &oc2) == 0 && oc2.ok && oc2.first_key_4999);
    gtab_free(a);
    gtab_free(b2);

    /* The same with enough groups (300,000: the order is sorted by several
     * threads from 2^18) and 3 threads, seqs with bits set above bit 33
     * (a radix pass of 11 bits each): the order of one thread. */
    enum { NP = 300000 };
    gtab_t *pa = gtab_new(&st), *pb = gtab_new(&st);
    for (int i = 0; i < NP; i++) {
        rec_clear(&r);
        int k = snprintf(tmp, sizeof tmp, "g%d", i);
        rec_set(&r, fk, val_str(tmp, (size_t)k));
        uint64_t seq = ((uint64_t)i << 16) + ((uint64_t)3 << 40);
        gtab_add((i / 1000) % 2 ? pb : pa, &r, seq);
    }
    gtab_merge(pa, pb);
    gtab_set_threads(pa, 3);
    struct order_check oc3 = {.last = 0, .ok = true, .n = 0, .fk = fk};
    CHECK(gtab_each(pa, in_order, &oc3) == 0 && oc3.ok && oc3.n == NP);
    gtab_free(pa);
    gtab_free(pb);

    /* gtab_put with gtab_defer (a count-only table) folds each key one
     * call late: once settled, the same groups, counts and order as
     * gtab_add gives. */
    gtab_t *d = gtab_new(&st), *plain = gtab_new(&st);
    gtab_defer(d);
    bool put = true;
    for (int i = 0; i < 5000; i++) {
        rec_clear(&r);
        int k = snprintf(tmp, sizeof tmp, "g%d", (i * 7) % 1300);
        rec_set(&r, fk, val_str(tmp, (size_t)k));
        put = put && gtab_put(d, &r, (uint64_t)i);
        gtab_add(plain, &r, (uint64_t)i);
    }
    CHECK(put);
    gtab_settle(d);
    CHECK(gtab_count(d) == 1300 && gtab_count(plain) == 1300);
    table_t td, tp;
    table_init(&td);
    table_init(&tp);
    gtab_emit(d, &td);
    gtab_emit(plain, &tp);
    bool same = td.n == tp.n;
    for (size_t i = 0; same && i < td.n; i++)
        same = val_cmp(rec_get(&td.rows[i], fk), rec_get(&tp.rows[i], fk)) == 0 &&
               val_cmp(rec_get(&td.rows[i], oc), rec_get(&tp.rows[i], oc)) == 0;
    CHECK(same);
    table_free(&td);
    table_free(&tp);
    gtab_free(d);
    gtab_free(plain);

    check_sparse_index(&st, fk, oc, &r);
    check_key_edges(&st, fk, oc, &r);

    /* A budget shared by two tables stops new groups once passed. */
    gtab_budget_t b = {.max = 1 << 20};
    gtab_t *g1 = gtab_new(&st), *g2 = gtab_new(&st);
    gtab_set_budget(g1, &b);
    gtab_set_budget(g2, &b);
    int i = 0;
    bool stopped = false;
    for (; i < NG && !stopped; i++) {
        rec_clear(&r);
        int k = snprintf(tmp, sizeof tmp, "key-%d", i);
        rec_set(&r, fk, val_str(tmp, (size_t)k));
        stopped = gtab_add(i % 2 ? g1 : g2, &r, (uint64_t)i) == NULL;
    }
    CHECK(stopped && (gtab_over(g1) || gtab_over(g2)));
    CHECK(i > 1000 && i < NG);
    gtab_free(g1);
    gtab_free(g2);
    CHECK(b.used == 0); /* freed tables give their bytes back */

    /* Marks: zeroed per group, kept across adds. */
    g = gtab_new(&st);
    gtab_keep_marks(g);
    rec_clear(&r);
    rec_set(&r, fk, val_str("x", 1));
    gtab_group_t *gr = gtab_add(g, &r, 1);
    CHECK(gtab_group_mark(gr)->n == 0 && !gtab_group_mark(gr)->alerted);
    gtab_group_mark(gr)->n = 5;
    CHECK(gtab_add(g, &r, 2) == gr && gtab_group_mark(gr)->n == 5);
    gtab_free(g);
    rec_free(&r);
    arena_free(&ar);
    ftab_free(&ft);
}

static void test_stats_aggs(void) {
    ftab_t ft;
    ftab_init(&ft);
    uint32_t fv = ftab_intern(&ft, PSTR_LIT("v"));
    uint32_t o_avg = ftab_intern(&ft, PSTR_LIT("_avg")), o_sd = ftab_intern(&ft, PSTR_LIT("_stddev"));
    uint32_t o_pct = ftab_intern(&ft, PSTR_LIT("_pct"));
    aggspec_t aggs[3] = {{.fn = AG_AVG, .field = fv, .as = o_avg},
                         {.fn = AG_STDDEV, .field = fv, .as = o_sd},
                         {.fn = AG_PCT, .field = fv, .arg = 90, .as = o_pct}};
    stage_t st = {.kind = ST_AGG, .aggs = aggs, .naggs = 3};
    arena_t ar = {0};
    gtab_t *g1 = gtab_new(&st), *g2 = gtab_new(&st);
    record_t r;
    rec_init(&r, &ar);
    char tmp[16];
    for (int i = 1; i <= 10; i++) {
        rec_clear(&r);
        int k = snprintf(tmp, sizeof tmp, "%d", i);
        rec_set(&r, fv, val_str(tmp, (size_t)k));
        gtab_add(i % 3 ? g1 : g2, &r, (uint64_t)i);
    }
    gtab_merge(g1, g2);
    table_t t;
    table_init(&t);
    gtab_emit(g1, &t);
    CHECK(t.n == 1);
    CHECK(fmt_is(rec_get(&t.rows[0], o_avg), "5.5"));
    double sd = rec_get(&t.rows[0], o_sd).d;
    CHECK(fabs(sd - 3.0276503540974917) < 1e-12); /* sample stddev of 1..10 */
    CHECK(fmt_is(rec_get(&t.rows[0], o_pct), "9"));  /* nearest rank: ceil(0.9*10) = 9th */
    table_free(&t);
    rec_free(&r);
    gtab_free(g1);
    gtab_free(g2);
    arena_free(&ar);
    ftab_free(&ft);
}

static void test_table(void) {
    ftab_t ft;
    ftab_init(&ft);
    uint32_t fa = ftab_intern(&ft, PSTR_LIT("a")), fb = ftab_intern(&ft, PSTR_LIT("b"));
    table_t t;
    table_init(&t);
    arena_t ar = {0};
    record_t r;
    rec_init(&r, &ar);
    char buf[8] = "hello";
    rec_set(&r, fb, val_str(buf, 5));
    rec_set(&r, F_RAW, val_str(buf, 5));
    rec_set(&r, F_SOURCECATEGORY, val_str("net", 3));
    record_t *row = table_add(&t, &r);
    memcpy(buf, "XXXXX", 5); /* the table keeps its own copy */
    CHECK(fmt_is(rec_get(row, fb), "hello"));
    rec_clear(&r);
    rec_set(&r, fa, val_num(1));
    table_add(&t, &r);
    table_finish_cols(&t, &ft);
    /* _sourceCategory first, then fields by name, _raw hidden. */
    CHECK(t.ncols == 3 && t.cols[0] == F_SOURCECATEGORY && t.cols[1] == fa && t.cols[2] == fb);
    table_del_col(&t, fb);
    CHECK(t.ncols == 2 && !table_has_col(&t, fb));
    rec_free(&r);
    arena_free(&ar);
    table_free(&t);
    ftab_free(&ft);
}

int main(void) {
    test_str();
    test_arena();
    test_value();
    test_ftab_record();
    test_gtab();
    test_gtab_cheap();
    test_gtab_merge_lanes();
    test_gtab_tag_collisions();
    test_stats_aggs();
    test_table();
    return CHECK_DONE("test_core");
}
