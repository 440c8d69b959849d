/* test_reader_text.c — unit tests for reader_text.c, the text cutters of the reader toolkit.
 *
 * Address and port checks (IPv4, IPv6 with '::', IPv4 tails, zones,
 * brackets, and what is none of them); key=value tokens (quoted values
 * with escapes, bare words, bracketed groups, an unterminated quote); CSV
 * cells (quoted commas, doubled quotes, more cells than stored); counts
 * (zero, above, not a count) and the verdict word of a log prefix.
 */
#include <stdio.h>
#include <string.h>

#include "arena.h"
#include "check.h"
#include "reader.h"

static void test_addresses(void) {
    static const char *const good[] = {"10.20.30.40", "0.0.0.0", "255.255.255.255", "2001:db8::1", "::",
                                       "::1", "::ffff:10.0.0.1", "fe80::1%eth0", "[2001:db8::25]",
                                       "2001:db8:0:0:0:0:0:1", "1::", "64:ff9b::192.0.2.33"};
    static const char *const bad[] = {"", "10.20.30", "10.20.30.256", "10.20.30.1234", "1.2.3.4.5", "a.b.c.d",
                                      "2001:db8:::1", "1::2::3", "12345::", ":1", "1:2:3:4:5:6:7:8:9",
                                      "1:2:3:4:5:6:7", "fe80::1%", "10.0.0.1 ", "gggg::1", "::ffff:10.0.0"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        if (!rd_ip_ok(pstr_c(good[i]))) CHECK_STR("rejected", good[i]);
        else CHECK(1);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (rd_ip_ok(pstr_c(bad[i]))) CHECK_STR("accepted", bad[i]);
        else CHECK(1);
    CHECK(rd_port_ok(pstr_c("0")) && rd_port_ok(pstr_c("993")) && rd_port_ok(pstr_c("65535")));
    CHECK(!rd_port_ok(pstr_c("65536")) && !rd_port_ok(pstr_c("")) && !rd_port_ok(pstr_c("99x3")) &&
          !rd_port_ok(pstr_c("123456")) && !rd_port_ok(pstr_c("-1")));
}

static void test_kv(void) {
    const char *t = "IN= OUT=eth0 DF msg=\"a \\\"b\\\" c\" [SRC=1 DPT=2] k=v x=\"cut";
    rd_kv_t kv = {t, strlen(t), 0};
    rd_tok_t k;
    bool bad;
    CHECK(rd_kv_next(&kv, &k, &bad) && !k.bare && !strcmp(check_cstr(k.key), "IN") && k.val.n == 0);
    CHECK(rd_kv_next(&kv, &k, &bad) && !strcmp(check_cstr(k.key), "OUT") && !strcmp(check_cstr(k.val), "eth0"));
    CHECK(rd_kv_next(&kv, &k, &bad) && k.bare && !strcmp(check_cstr(k.key), "DF"));
    CHECK(rd_kv_next(&kv, &k, &bad) && !strcmp(check_cstr(k.key), "msg") && k.esc);
    arena_t a = {0};
    CHECK_STR(check_cstr(rd_unescape(k.val, &a, NULL, NULL)), "a \"b\" c");
    CHECK(rd_kv_next(&kv, &k, &bad) && !strcmp(check_cstr(k.key), "k") && !strcmp(check_cstr(k.val), "v")); /* [..] stepped over */
    CHECK(!rd_kv_next(&kv, &k, &bad) && bad);
    kv = (rd_kv_t){"", 0, 0};
    CHECK(!rd_kv_next(&kv, &k, &bad) && !bad);

    pstr_t cells[4];
    bool q;
    CHECK(rd_csv_split(pstr_c("a,\"b,c\",,\"d\"\"e\",f"), cells, 4, &q) == 5 && q);
    CHECK_STR(check_cstr(rd_csv_cell(cells[1], &a)), "b,c");
    CHECK_STR(check_cstr(cells[2]), "");
    CHECK_STR(check_cstr(rd_csv_cell(cells[3], &a)), "d\"e");
    CHECK(rd_csv_split(pstr_c("a,\"b"), cells, 4, &q) == -1);
    CHECK(rd_csv_split(pstr_c(""), cells, 4, &q) == 1 && cells[0].n == 0 && !q);
    arena_free(&a);
}

/* rd_split: a separator after an odd run of backslashes is escaped, after
 * an even one (escaped backslashes) it is not; *rest after the max-th. */
static void test_split(void) {
    pstr_t f[4];
    size_t rest;
    pstr_t s = pstr_c("0|a\\|b|c\\\\|d\\\\\\|e|x=1 y=2|z");
    CHECK(rd_split(s, '|', f, 4, &rest) == 4);
    CHECK(!strcmp(check_cstr(f[0]), "0") && !strcmp(check_cstr(f[1]), "a\\|b"));
    CHECK(!strcmp(check_cstr(f[2]), "c\\\\") && !strcmp(check_cstr(f[3]), "d\\\\\\|e"));
    CHECK(!strcmp(s.p + rest, "x=1 y=2|z"));
    CHECK(rd_split(pstr_c("a|b"), '|', f, 4, &rest) == 1 && rest == 3 && !strcmp(check_cstr(f[0]), "a"));
    CHECK(rd_split(pstr_c("\\|x|"), '|', f, 4, &rest) == 1 && !strcmp(check_cstr(f[0]), "\\|x"));
}

static void test_counts_verdicts(void) {
    CHECK(rd_count_sign(pstr_c("0")) == 0 && rd_count_sign(pstr_c(" 000 ")) == 0 && rd_count_sign(pstr_c("0.0")) == 0);
    CHECK(rd_count_sign(pstr_c("1")) == 1 && rd_count_sign(pstr_c("51")) == 1 && rd_count_sign(pstr_c("7.0")) == 1);
    CHECK(rd_count_sign(pstr_c("")) == -1 && rd_count_sign(pstr_c("-")) == -1 && rd_count_sign(pstr_c("1.5")) == -1);
    CHECK(rd_count_sign(PSTR_NULL) == -1 && rd_count_sign(pstr_c("x1")) == -1);
    static const struct {
        const char *prefix, *verdict;
    } v[] = {
        {"[UFW BLOCK]", "blocked"},       {"[UFW ALLOW]", "allowed"},       {"IPTABLES-DROP:", "blocked"},
        {"0 3 PVEFW-HOST-IN 20/Jun/2022:13:09:14 +0200 policy DROP", "blocked"},
        {"101 1 tap101i0-IN 20/Jun/2022:13:13:14 +0200 ACCEPT", "allowed"},
        {"PVEFW-reject", "blocked"},      {"EGRESS-MAIL:", ""},             {"FWD-NEW:", ""},
        {"[WAN_LOCAL-D-2147483647] DESCR=\"[WAN_LOCAL]Block All Traffic\"", ""}, /* quoted: a description */
        {"DROP then ACCEPT", "allowed"}, /* the last verdict word */
        {"", ""},
    };
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) CHECK_STR(check_cstr(rd_verdict(pstr_c(v[i].prefix))), v[i].verdict);
}

int main(void) {
    test_addresses();
    test_kv();
    test_split();
    test_counts_verdicts();
    return CHECK_DONE("test_reader_text");
}
