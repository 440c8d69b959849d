/* test_schema.c — unit tests for schema.c and its hooks.
 *
 * The table and aliases; the parser hook (an alias in a query reads the
 * schema field unless the query created the alias name itself); alias
 * keys in records (rd_lookup); schema_ids under wanted and want_all; the
 * value normalisers (protocol, direction, ports, IPv4-mapped addresses).
 */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "ast.h"
#include "reader.h"
#include "schema.h"

/* A query text and its length. */
#define QTEXT(t) t, sizeof(t) - 1

static void test_table(void) {
    CHECK_STR(schema_name(SC_MESSAGETIME), "_messageTime");
    CHECK_STR(schema_name(SC_DEST_PORT), "dest_port");
    CHECK_STR(schema_name(SC_EVENT_ID), "event_id");
    CHECK(schema_name(SC_N) == NULL && schema_desc(SC_N) == NULL);
    for (unsigned f = 0; f < SC_N; f++) CHECK(schema_desc(f) && strlen(schema_desc(f)) > 10);
    CHECK(schema_alias(pstr_c("dstPort")) == SC_DEST_PORT);
    CHECK(schema_alias(pstr_c("DSTPORT")) == SC_DEST_PORT);
    CHECK(schema_alias(pstr_c("srcDevice_ip")) == SC_SRC_IP);
    CHECK(schema_alias(pstr_c("baseImage")) == SC_PROCESS_NAME);
    CHECK(schema_alias(pstr_c("bytesOut")) == SC_BYTES_OUT);
    CHECK(schema_alias(pstr_c("dest_port")) == -1);
    CHECK(schema_alias(pstr_c("dstPor")) == -1);
    CHECK(schema_alias(PSTR_NULL) == -1);
    unsigned f, n = 0;
    for (const char *a; (a = schema_alias_at(n, &f)) != NULL; n++) {
        CHECK(f < SC_N);
        CHECK(schema_alias(pstr_c(a)) == (int)f);
        /* an alias is never a schema name */
        for (unsigned g = 0; g < SC_N; g++) CHECK(!pstr_ieq_c(pstr_c(a), schema_name(g)));
    }
    CHECK(n >= 10);
}

/* The parser hook, through a real query. */
static void test_query_names(void) {
    diag_t d = {0};
    query_t *q = query_parse(QTEXT("* | where dstPort = 25 | fields srcDevice_ip"), &d);
    CHECK(q != NULL);
    if (q) {
        CHECK(ftab_find(&q->ft, pstr_c("dstPort")) == FIELD_NONE);
        uint32_t id = ftab_find(&q->ft, pstr_c("dest_port"));
        CHECK(id != FIELD_NONE && q->ft.e[id].wanted);
        id = ftab_find(&q->ft, pstr_c("src_ip"));
        CHECK(id != FIELD_NONE && q->ft.e[id].wanted);
        query_free(q);
    }
    diag_free(&d);
    /* a field the query creates keeps its own name */
    diag_t d2 = {0};
    q = query_parse(QTEXT("* | 1 as dstPort | where dstPort = 1"), &d2);
    CHECK(q != NULL);
    if (q) {
        uint32_t id = ftab_find(&q->ft, pstr_c("dstPort"));
        CHECK(id != FIELD_NONE && q->ft.e[id].assigned);
        CHECK(ftab_find(&q->ft, pstr_c("dest_port")) == FIELD_NONE);
        query_free(q);
    }
    diag_free(&d2);
    ftab_t ft;
    ftab_init(&ft);
    CHECK_STR(check_cstr(schema_query_name(&ft, pstr_c("dstDevice_ip"))), "dest_ip");
    CHECK_STR(check_cstr(schema_query_name(&ft, pstr_c("Image"))), "Image");
    ftab_intern(&ft, pstr_c("dstDevice_ip"));
    CHECK_STR(check_cstr(schema_query_name(&ft, pstr_c("dstDevice_ip"))), "dstDevice_ip");
    ftab_free(&ft);
}

/* schema_ids and alias keys in records. */
static void test_ids(void) {
    ftab_t ft;
    ftab_init(&ft);
    uint32_t dp = ftab_intern(&ft, pstr_c("dest_port"));
    ft.e[dp].wanted = 1;
    uint32_t sip = ftab_intern(&ft, pstr_c("src_ip")); /* interned, not read */
    sc_ids_t ids;
    schema_ids(&ft, &ids);
    CHECK(ids.id[SC_DEST_PORT] == dp);
    CHECK(ids.id[SC_SRC_IP] == FIELD_NONE && sip != FIELD_NONE);
    CHECK(ids.id[SC_BYTES_OUT] == FIELD_NONE);

    arena_t a = {0};
    rd_ctx_t c;
    memset(&c, 0, sizeof c);
    c.ft = &ft;
    c.arena = &a;
    int sp;
    CHECK(rd_lookup(&c, 0, pstr_c("dstPort"), false, &sp) == dp);
    CHECK(rd_lookup(&c, RD_KCACHE, pstr_c("DstPort"), false, &sp) == dp);
    CHECK(rd_lookup(&c, 1, pstr_c("dst\\u0050ort"), true, &sp) == dp); /* escaped key */
    CHECK(rd_lookup(&c, 2, pstr_c("srcDevice_ip"), false, &sp) == FIELD_NONE);

    ft.want_all = true;
    schema_ids(&ft, &ids);
    for (unsigned f = 0; f < SC_N; f++) CHECK(ids.id[f] != FIELD_NONE);
    CHECK(ids.id[SC_SRC_IP] == sip);
    CHECK(ids.id[SC_MESSAGETIME] == F_MESSAGETIME && ids.id[SC_RAW] == F_RAW);
    CHECK(rd_lookup(&c, 3, pstr_c("bytesIn"), false, &sp) == ids.id[SC_BYTES_IN]);
    CHECK(ftab_find(&ft, pstr_c("bytesIn")) == FIELD_NONE); /* never interned under the alias */
    arena_free(&a);
    ftab_free(&ft);
}

static void test_normalisers(void) {
    CHECK_STR(check_cstr(schema_protocol(pstr_c("6"))), "tcp");
    CHECK_STR(check_cstr(schema_protocol(pstr_c("17"))), "udp");
    CHECK_STR(check_cstr(schema_protocol(pstr_c("TCP"))), "tcp");
    CHECK_STR(check_cstr(schema_protocol(pstr_c(" 58 "))), "icmpv6");
    CHECK_STR(check_cstr(schema_protocol(pstr_c("ipv6-icmp"))), "icmpv6");
    CHECK_STR(check_cstr(schema_protocol(pstr_c("quic"))), "quic");
    CHECK_STR(check_cstr(schema_protocol(pstr_c("66"))), "66");

    CHECK_STR(check_cstr(schema_direction(pstr_c("true"))), "outbound");
    CHECK_STR(check_cstr(schema_direction(pstr_c("False"))), "inbound");
    CHECK_STR(check_cstr(schema_direction(pstr_c("%%14593"))), "outbound");
    CHECK_STR(check_cstr(schema_direction(pstr_c("%%14592"))), "inbound");
    CHECK_STR(check_cstr(schema_direction(pstr_c("egress"))), "outbound");
    CHECK_STR(check_cstr(schema_direction(pstr_c("Inbound"))), "inbound");
    CHECK_STR(check_cstr(schema_direction(pstr_c("internal"))), "internal");
    CHECK_STR(check_cstr(schema_direction(pstr_c(" External "))), "external");
    CHECK_STR(check_cstr(schema_direction(pstr_c("Lateral"))), "internal");
    CHECK_STR(check_cstr(schema_direction(pstr_c("ingress"))), "inbound");
    CHECK(schema_direction(pstr_c("unknown")).n == 0);
    CHECK(schema_direction(pstr_c("%%14594")).n == 0);
    CHECK(schema_direction(pstr_c("")).n == 0);

    CHECK_STR(check_cstr(schema_direction_of(1, 0)), "outbound");
    CHECK_STR(check_cstr(schema_direction_of(0, 1)), "inbound");
    CHECK_STR(check_cstr(schema_direction_of(1, 1)), "internal");
    CHECK_STR(check_cstr(schema_direction_of(0, 0)), "external");
    CHECK(schema_direction_of(-1, 0).n == 0 && schema_direction_of(1, -1).n == 0);
    CHECK(schema_zone_inside(pstr_c("trust")) == 1 && schema_zone_inside(pstr_c("DMZ")) == 1);
    CHECK(schema_zone_inside(pstr_c("inside")) == 1 && schema_zone_inside(pstr_c("lan")) == 1);
    CHECK(schema_zone_inside(pstr_c("untrust")) == 0 && schema_zone_inside(pstr_c("OUTSIDE")) == 0);
    CHECK(schema_zone_inside(pstr_c("wan")) == 0 && schema_zone_inside(pstr_c("internet")) == 0);
    CHECK(schema_zone_inside(pstr_c("ethernet1/2")) == -1 && schema_zone_inside(pstr_c("")) == -1);
    CHECK(schema_zone_inside(pstr_c("trusted")) == -1); /* whole names only */

    static const struct {
        const char *word, *outcome;
    } oc[] = {
        {"deny", "blocked"},      {"Denied", "blocked"},  {"drop", "blocked"},    {"reset-both", "blocked"},
        {"block", "blocked"},     {"REJECT", "blocked"},  {"pass", "allowed"},    {"accept", "allowed"},
        {"allow", "allowed"},     {"Allowed", "allowed"}, {"permitted", "allowed"}, {"succeeded", "allowed"},
        {"success", "allowed"},   {"failure", "failed"},  {"failed", "failed"},   {"empty", "empty"},
        {"data", "data"},         {"Built", ""},          {"SF", ""},             {"close", ""},
        {"in_progress", ""},      {"", ""},
    };
    for (size_t i = 0; i < sizeof oc / sizeof oc[0]; i++)
        CHECK_STR(check_cstr(schema_outcome(pstr_c(oc[i].word))), oc[i].outcome);

    CHECK_STR(check_cstr(schema_number(pstr_c("587"))), "587");
    CHECK_STR(check_cstr(schema_number(pstr_c(" 587 "))), "587");
    CHECK_STR(check_cstr(schema_number(pstr_c("587.0"))), "587");
    CHECK_STR(check_cstr(schema_number(pstr_c("0587"))), "587");
    CHECK_STR(check_cstr(schema_number(pstr_c("0"))), "0");
    CHECK_STR(check_cstr(schema_number(pstr_c("000"))), "0");
    CHECK_STR(check_cstr(schema_number(pstr_c("587.5"))), "587.5");
    CHECK_STR(check_cstr(schema_number(pstr_c("-"))), "-");
    CHECK_STR(check_cstr(schema_number(pstr_c("0x1f"))), "0x1f");

    CHECK_STR(check_cstr(schema_ip(pstr_c("::ffff:203.0.113.25"))), "203.0.113.25");
    CHECK_STR(check_cstr(schema_ip(pstr_c("::FFFF:10.0.0.1"))), "10.0.0.1");
    CHECK_STR(check_cstr(schema_ip(pstr_c("0:0:0:0:0:ffff:10.0.0.2"))), "10.0.0.2");
    CHECK_STR(check_cstr(schema_ip(pstr_c("[2001:db8::1]"))), "2001:db8::1");
    CHECK_STR(check_cstr(schema_ip(pstr_c("2001:db8::1"))), "2001:db8::1");
    CHECK_STR(check_cstr(schema_ip(pstr_c("::ffff:1:2"))), "::ffff:1:2");
    CHECK_STR(check_cstr(schema_ip(pstr_c(" 10.0.0.3"))), "10.0.0.3");
}

int main(void) {
    test_table();
    test_query_names();
    test_ids();
    test_normalisers();
    return CHECK_DONE("test_schema");
}
