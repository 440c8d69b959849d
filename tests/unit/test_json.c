/* test_json.c — unit tests for the zero-copy JSON scanner (json.c).
 *
 * Covers whitespace and value skipping (validity, truncation, depth cap),
 * member iteration, string unescaping (\uXXXX, surrogate pairs, errors),
 * json_to_value and Sumo-style json_path lookups.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "json.h"


static size_t skip(const char *s) { return json_skip(s, strlen(s), 0); }

static bool valid(const char *s) {
    size_t n = strlen(s), e = json_skip(s, n, 0);
    return e != (size_t)-1 && json_ws(s, n, e) == n;
}

static bool truncated(const char *s) {
    bool tr = false;
    size_t e = json_skip_ex(s, strlen(s), 0, &tr);
    return e == (size_t)-1 && tr;
}

static bool path_is(const char *doc, const char *path, const char *want) {
    pstr_t v;
    if (!json_path(pstr_c(doc), pstr_c(path), &v)) return want == NULL;
    if (!want) {
        fprintf(stderr, "  path %s unexpectedly found: %.*s\n", path, (int)v.n, v.p);
        return false;
    }
    if (!pstr_eq(v, pstr_c(want))) {
        fprintf(stderr, "  path %s gave %.*s, want %s\n", path, (int)v.n, v.p, want);
        return false;
    }
    return true;
}

static bool unesc_is(const char *quoted, const char *want, size_t wn) {
    arena_t a = {0};
    pstr_t out;
    bool ok = json_unescape(pstr_c(quoted), &a, &out);
    bool r = ok && out.n == wn && memcmp(out.p, want, wn) == 0;
    arena_free(&a);
    return r;
}

static void test_skip(void) {
    CHECK(json_ws("  \t\r\nx", 6, 0) == 5);
    CHECK(json_ws("", 0, 0) == 0);
    CHECK(skip("123") == 3);
    CHECK(skip("-0.5e+10,") == 8);
    CHECK(skip("\"a\\\"b\" ") == 6);
    CHECK(skip("\"a\\\\\"x") == 5);
    CHECK(skip("true") == 4);
    CHECK(skip("null]") == 4);
    CHECK(skip("  {\"a\" : [1, 2, {\"b\": null}], \"c\": \"}\"}  ") == 39);
    CHECK(valid("{}"));
    CHECK(valid("[]"));
    CHECK(valid("{\"a\":{\"b\":{\"c\":[[],[{}]]}}}"));
    CHECK(valid("[1,-2,3.25,4e5,0]"));
    CHECK(!valid("{\"a\":1,}"));
    CHECK(!valid("[1,]"));
    CHECK(!valid("{\"a\" 1}"));
    CHECK(!valid("{a:1}"));
    CHECK(!valid("01"));
    CHECK(!valid("1."));
    CHECK(!valid("-"));
    CHECK(!valid("tru"));
    CHECK(!valid("nul1"));
    CHECK(!valid("{\"a\":1]"));
    CHECK(!valid("[1}"));
    CHECK(!valid(""));
    CHECK(!valid("{\"a\":1}{"));
    CHECK(truncated("{\"a\":"));
    CHECK(truncated("[1,2"));
    CHECK(truncated("\"abc"));
    CHECK(truncated("{\"a\":\"x\\\""));
    CHECK(truncated("tr"));
    CHECK(truncated("{\"a\":1.")); /* 1. then end */
    CHECK(!truncated("{\"a\":x"));
    CHECK(!truncated("[1}"));

    /* depth cap: 512 levels pass, 513 fail (and do not overflow a stack) */
    char *deep = malloc(2 * 600 + 1);
    for (int d = 512; d <= 513; d++) {
        memset(deep, '[', (size_t)d);
        memset(deep + d, ']', (size_t)d);
        deep[2 * d] = 0;
        if (d == 512) CHECK(valid(deep));
        else CHECK(!valid(deep));
    }
    memset(deep, '[', 1200);
    deep[1200] = 0;
    CHECK(json_skip(deep, 1200, 0) == (size_t)-1);
    free(deep);
}

static void test_iter(void) {
    const char *s = " { \"a\" : 1 , \"b\\\"c\":\"x\", \"d\":{\"e\":[1,2]} , \"n\":null } tail";
    json_iter_t it;
    pstr_t k, v;
    bool esc;
    CHECK(json_iter_begin(&it, s, strlen(s), 0));
    CHECK(json_iter_next(&it, &k, &esc, &v) && pstr_eq(k, PSTR_LIT("a")) && !esc && pstr_eq(v, PSTR_LIT("1")));
    CHECK(json_iter_next(&it, &k, &esc, &v) && pstr_eq(k, PSTR_LIT("b\\\"c")) && esc && pstr_eq(v, PSTR_LIT("\"x\"")));
    CHECK(json_iter_next(&it, &k, &esc, &v) && pstr_eq(k, PSTR_LIT("d")) && pstr_eq(v, PSTR_LIT("{\"e\":[1,2]}")));
    CHECK(json_iter_next(&it, &k, &esc, &v) && pstr_eq(k, PSTR_LIT("n")) && pstr_eq(v, PSTR_LIT("null")));
    CHECK(!json_iter_next(&it, &k, &esc, &v) && !it.err);
    CHECK(strncmp(s + it.i, " tail", 5) == 0);
    CHECK(!json_iter_next(&it, &k, &esc, &v) && !it.err); /* stays at the end */

    CHECK(json_iter_begin(&it, "{}", 2, 0));
    CHECK(!json_iter_next(&it, &k, &esc, &v) && !it.err && it.i == 2);

    CHECK(!json_iter_begin(&it, "[1]", 3, 0) && it.err);
    CHECK(!json_iter_begin(&it, "", 0, 0) && it.err);

    const char *bad[] = {"{\"a\":1{\"b\":2}", "{\"a\":1,}", "{\"a\"}", "{\"a\":}", "{\"a\":1", "{1:2}", "{\"a\":1 \"b\":2}"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        CHECK(json_iter_begin(&it, bad[i], strlen(bad[i]), 0));
        while (json_iter_next(&it, &k, &esc, &v)) {}
        CHECK(it.err);
    }
}

static void test_unescape(void) {
    CHECK(unesc_is("\"plain\"", "plain", 5));
    CHECK(unesc_is("\"\"", "", 0));
    CHECK(unesc_is("\"a\\nb\\t\\\"\\\\\\/\"", "a\nb\t\"\\/", 7));
    CHECK(unesc_is("\"\\u0041\\u00e9\\u20AC\"", "A\xC3\xA9\xE2\x82\xAC", 6));
    CHECK(unesc_is("\"\\ud83d\\ude00\"", "\xF0\x9F\x98\x80", 4));      /* surrogate pair */
    CHECK(unesc_is("\"\\ud83dx\"", "\xEF\xBF\xBDx", 4));               /* lone high */
    CHECK(unesc_is("\"\\ude00\"", "\xEF\xBF\xBD", 3));                 /* lone low */
    CHECK(unesc_is("\"\\u0000\"", "\0", 1));
    CHECK(!unesc_is("\"\\x\"", "", 0));
    CHECK(!unesc_is("\"\\u12\"", "", 0));
    CHECK(!unesc_is("\"\\u12G4\"", "", 0));
    CHECK(!unesc_is("\"abc\\\"", "", 0)); /* ends in a backslash */
    CHECK(!unesc_is("abc", "abc", 3));     /* not quoted */

    /* no backslash: a view, no copy */
    arena_t a = {0};
    pstr_t out;
    const char *q = "\"view\"";
    CHECK(json_unescape(pstr_c(q), &a, &out) && out.p == q + 1 && a.total == 0);
    CHECK(json_unescape_body(PSTR_LIT("k\\u0065y"), &a, &out) && pstr_eq(out, PSTR_LIT("key")));
    arena_free(&a);
}

static void test_to_value(void) {
    arena_t a = {0};
    value_t v = json_to_value(PSTR_LIT("\"a\\u0062c\""), &a);
    CHECK(v.t == V_STR && pstr_eq(val_pstr(v), PSTR_LIT("abc")) && v.b == 0);
    /* numbers and true/false are text marked as JSON literals (JSON output writes them unquoted) */
    v = json_to_value(PSTR_LIT("42.5"), &a);
    CHECK(v.t == V_STR && pstr_eq(val_pstr(v), PSTR_LIT("42.5")) && v.b == VAL_JSONLIT);
    v = json_to_value(PSTR_LIT("-1e3"), &a);
    CHECK(v.t == V_STR && v.b == VAL_JSONLIT);
    v = json_to_value(PSTR_LIT("true"), &a);
    CHECK(v.t == V_STR && pstr_eq(val_pstr(v), PSTR_LIT("true")) && v.b == VAL_JSONLIT);
    v = json_to_value(PSTR_LIT("\"42\""), &a);
    CHECK(v.t == V_STR && pstr_eq(val_pstr(v), PSTR_LIT("42")) && v.b == 0);
    v = json_to_value(PSTR_LIT("[1]"), &a);
    CHECK(v.t == V_STR && v.b == 0);
    v = json_to_value(PSTR_LIT("null"), &a);
    CHECK(v.t == V_NULL);
    v = json_to_value(PSTR_LIT("{\"x\": [1]}"), &a);
    CHECK(v.t == V_STR && pstr_eq(val_pstr(v), PSTR_LIT("{\"x\": [1]}")) && v.b == 0);
    v = json_to_value(PSTR_LIT("\"\""), &a);
    CHECK(v.t == V_STR && v.n == 0);
    arena_free(&a);
}

static void test_path(void) {
    const char *d = "{\"a\":{\"b\":\"x\",\"c\":[10,{\"d\":\"deep\"},[7,8]]},\"key.with.dots\":{\"x\":1},"
                    "\"sp ace\":2,\"e\\u0073c\":\"decoded\",\"dup\":1,\"dup\":2,\"Case\":3}";
    CHECK(path_is(d, "a.b", "\"x\""));
    CHECK(path_is(d, "a", "{\"b\":\"x\",\"c\":[10,{\"d\":\"deep\"},[7,8]]}"));
    CHECK(path_is(d, "a.c[0]", "10"));
    CHECK(path_is(d, "a.c[1].d", "\"deep\""));
    CHECK(path_is(d, "a.c[2][1]", "8"));
    CHECK(path_is(d, "a.c[3]", NULL));
    CHECK(path_is(d, "['key.with.dots'].x", "1"));
    CHECK(path_is(d, "[\"key.with.dots\"].x", "1"));
    CHECK(path_is(d, "\"a.b\"", "\"x\""));       /* whole path quoted */
    CHECK(path_is(d, "\"key.with.dots\".x", "1")); /* quoted segment */
    CHECK(path_is(d, "sp ace", "2"));
    CHECK(path_is(d, "esc", "\"decoded\""));
    CHECK(path_is(d, "dup", "2"));                 /* last duplicate wins */
    CHECK(path_is(d, "case", NULL));               /* keys are case-sensitive */
    CHECK(path_is(d, "Case", "3"));
    CHECK(path_is(d, "a.b.c", NULL));
    CHECK(path_is(d, "a.c[*]", NULL));
    CHECK(path_is(d, "a.", NULL));
    CHECK(path_is(d, "missing", NULL));
    CHECK(path_is(d, "a.c[x]", NULL));
    CHECK(path_is("[1,[2,3]]", "[1][0]", "2"));
    CHECK(path_is("[]", "[0]", NULL));
    CHECK(path_is("{\"a\":1", "a", NULL)); /* malformed document */
    CHECK(path_is("  {\"a\": true } ", "a", "true"));
    CHECK(path_is("{\"a\":1}", "", NULL));              /* no path reaches nothing */
    CHECK(path_is("{\"a\":1}", "$", "{\"a\":1}"));     /* the JSONPath root */
    CHECK(path_is(d, "$.a.b", "\"x\""));
    CHECK(path_is(d, "$['key.with.dots']['x']", "1"));
    CHECK(path_is(d, "a.c[-1][0]", "7"));                /* from the end */
    CHECK(path_is(d, "a.c[-4]", NULL));
    CHECK(path_is(d, "a.c[-0]", NULL));
    CHECK(path_is(d, "a.c[?(@.d)]", NULL));               /* filters reach several: json_path_each */
}

static bool check_is(const char *path, bool ok, size_t pos, bool indef) {
    size_t p = 99;
    const char *why = NULL;
    bool ind = false;
    bool r = json_path_check(pstr_c(path), &p, &why, &ind);
    if (r != ok || (!r && (p != pos || !why)) || (r && ind != indef)) {
        fprintf(stderr, "  check %s: ok=%d pos=%zu indef=%d (%s)\n", path, r, p, ind, why ? why : "-");
        return false;
    }
    return true;
}

/* json_path_each's callback for test_filter: count and sum the numbers. */
static void add_num(void *ud, pstr_t v) {
    double *acc = ud;
    acc[0] += 1;
    acc[1] += strtod(v.p, NULL);
}

static double each_sum(const char *doc, const char *path, double *count) {
    double acc[2] = {0, 0};
    json_path_each(pstr_c(doc), pstr_c(path), add_num, acc);
    *count = acc[0];
    return acc[1];
}

static void test_path_check(void) {
    CHECK(check_is("a.b", true, 0, false));
    CHECK(check_is("$", true, 0, false));
    CHECK(check_is("$['a']['b.c']", true, 0, false));
    CHECK(check_is("a[*].b", true, 0, true));
    CHECK(check_is("a[?(@.f == true)].b", true, 0, true));
    CHECK(check_is("a[?(@ >= -1.5e3)]", true, 0, true));
    CHECK(check_is("a[?(@['x y'] != 'v')]", true, 0, true));
    CHECK(check_is("", false, 0, false));
    CHECK(check_is("$.", false, 2, false));
    CHECK(check_is("a..b", false, 2, false));
    CHECK(check_is("a[0:2]", false, 2, false));
    CHECK(check_is("a['b", false, 2, false));
    CHECK(check_is("a[?(@.f ~ 1)]", false, 8, false));
    CHECK(check_is("a[?(@.f == x)]", false, 11, false));
    CHECK(check_is("a[?(@.f == 1 && @.g == 2)]", false, 13, false));
    CHECK(check_is("a[?(@)]", false, 5, false));
    CHECK(check_is("a[?(@.f == 1]", false, 2, false));
    CHECK(check_is("a.keys()", false, 2, false));
    CHECK(check_is("a.*.b", true, 0, true));
    CHECK(check_is("$['a']*['b']", true, 0, true));
    CHECK(check_is("a*b", true, 0, false)); /* a name with a star in it */
    CHECK(check_is("\"a..b\"", false, 3, false)); /* the offset counts the quote */
}

static void test_filter(void) {
    const char *d = "{\"r\":[{\"f\":true,\"n\":1},{\"f\":false,\"n\":2},{\"n\":4},{\"f\":true,\"n\":8}],"
                    "\"v\":[1,5,9],\"s\":[{\"k\":\"a\",\"n\":16},{\"k\":\"b\",\"n\":32}]}";
    double c;
    CHECK(each_sum(d, "r[?(@.f == true)].n", &c) == 9 && c == 2);
    CHECK(each_sum(d, "r[?(@.f != true)].n", &c) == 2 && c == 1); /* an element without f never passes */
    CHECK(each_sum(d, "r[?(@.f)].n", &c) == 11 && c == 3);
    CHECK(each_sum(d, "r[?(@.n > 2)].n", &c) == 12 && c == 2);
    CHECK(each_sum(d, "r[?(@.n <= 2)].n", &c) == 3 && c == 2);
    CHECK(each_sum(d, "v[?(@ >= 5)]", &c) == 14 && c == 2);
    CHECK(each_sum(d, "s[?(@.k == 'b')].n", &c) == 32 && c == 1);
    CHECK(each_sum(d, "s[?(@['k'] == \"a\")].n", &c) == 16 && c == 1);
    CHECK(each_sum(d, "s[?(@.k > 'a')].n", &c) == 0 && c == 0); /* texts: == and != only */
    CHECK(each_sum(d, "r[?(@.f == null)].n", &c) == 0 && c == 0);
    CHECK(each_sum(d, "s.*.n", &c) == 48 && c == 2);      /* `*` over an array */
    CHECK(each_sum(d, "$['s'][1]*", &c) == 32 && c == 2); /* `]*` over an object: "b" is no number */
    CHECK(each_sum(d, "v.*", &c) == 15 && c == 3);
    size_t len;
    CHECK(json_length(pstr_c("[1,[2,3],{}]"), &len) && len == 3);
    CHECK(json_length(pstr_c("{\"a\":1,\"b\":2}"), &len) && len == 2);
    CHECK(json_length(pstr_c("\"abc\""), &len) && len == 3);
    CHECK(json_length(pstr_c("[]"), &len) && len == 0);
    CHECK(!json_length(pstr_c("12"), &len));
}

int main(void) {
    test_skip();
    test_iter();
    test_unescape();
    test_to_value();
    test_path();
    test_path_check();
    test_filter();
    return CHECK_DONE("test_json");
}
