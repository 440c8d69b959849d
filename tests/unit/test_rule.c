/* test_rule.c — unit tests for rule.c: the shipped T1071.003 rule read
 * field by field, error positions for broken YAML, and the queries
 * rule_tuned_query builds. Run from the repository root; prints
 * "test_rule: N passed, M failed" and exits non-zero on a failure.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "arena.h"
#include "buf.h"
#include "diag.h"
#include "rule.h"



#define RULE_PATH "rules/t1071.003-mail-protocols.yml"

/* Whole file as a heap string, or NULL. */
static char *slurp(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = malloc((size_t)n + 1);
    if (fread(s, 1, (size_t)n, f) != (size_t)n) n = 0;
    s[n] = '\0';
    fclose(f);
    return s;
}

/* True when list l holds s. */
static int has(const strlist_t *l, const char *s) {
    for (uint32_t i = 0; i < l->n; i++)
        if (!strcmp(l->v[i], s)) return 1;
    return 0;
}

/* 1-based line of the first occurrence of needle in hay, or 0. */
static uint32_t line_of(const char *hay, const char *needle) {
    const char *p = strstr(hay, needle);
    if (!p) return 0;
    uint32_t l = 1;
    for (const char *c = hay; c < p; c++) l += *c == '\n';
    return l;
}

/* Parse text; returns rc. The first error's line and column go to line and col. */
static int parse_text(const char *text, rule_t *r, diag_t *d, uint32_t *line, uint32_t *col) {
    diag_init(d, "t.yml", NULL, 0);
    int rc = rule_parse("t.yml", text, strlen(text), r, d);
    *line = *col = 0;
    for (uint32_t i = 0; i < d->n; i++)
        if (d->m[i].lvl == D_ERROR) {
            diag_linecol(d, d->m[i].sp.off, line, col);
            break;
        }
    return rc;
}

/* First message of level lvl, or "". */
static const char *first_msg(const diag_t *d, dlevel_t lvl) {
    for (uint32_t i = 0; i < d->n; i++)
        if (d->m[i].lvl == lvl) return d->m[i].msg;
    return "";
}

static void test_shipped_rule(void) {
    rule_t r;
    diag_t d;
    diag_init(&d, NULL, NULL, 0);
    int rc = rule_load_file(RULE_PATH, &r, &d);
    if (rc != 0) diag_print(&d, stderr, D_NOTE);
    CHECK(rc == 0);
    CHECK(d.nerr == 0);
    CHECK(d.nwarn == 0);
    CHECK(d.src == r.text);
    CHECK_STR(r.path, RULE_PATH);
    CHECK_STR(r.id, "postern-t1071.003-mail-protocols");
    CHECK_STR(r.title, "Mail protocol C2 from a non-mail process");
    CHECK(r.description && !strncmp(r.description, "Sumo Logic query detecting non-standard processes ", 50));
    CHECK(r.description && strstr(r.description, "more than 2 connections per source/destination/process tuple"));
    CHECK_STR(r.status, "experimental");
    CHECK_STR(r.tactic, "Command and Control");
    CHECK_STR(r.tactic_id, "TA0011");
    CHECK_STR(r.technique, "Application Layer Protocol");
    CHECK_STR(r.technique_id, "T1071");
    CHECK_STR(r.subtechnique, "Mail Protocols");
    CHECK_STR(r.subtechnique_id, "T1071.003");

    CHECK_STR(r.severity_field, "Severity");
    CHECK_STR(r.default_severity, "medium");
    CHECK(r.nsevs == 4);
    CHECK(rule_sev_score(&r, "critical", 8) == 9);
    CHECK(rule_sev_score(&r, "high", 4) == 7);
    CHECK(rule_sev_score(&r, "medium", 6) == 5);
    CHECK(rule_sev_score(&r, "low", 3) == 3);
    CHECK(rule_sev_score(&r, "CRITICAL", 8) == 9);
    CHECK(rule_sev_score(&r, "highest", 4) == 7); /* n bytes only */
    CHECK(rule_sev_score(&r, "info", 4) == -1);
    CHECK(rule_sev_score(&r, NULL, 0) == -1);

    CHECK(r.references.n == 6);
    CHECK(has(&r.references, "https://attack.mitre.org/techniques/T1071/003/"));
    CHECK(has(&r.references, "https://pwc.github.io/issues/2023/yellow-liderc.html"));
    CHECK(has(&r.references,
              "https://github.com/redcanaryco/atomic-red-team/blob/master/atomics/T1071.003/T1071.003.md"));
    CHECK(r.false_positives.n == 6);
    CHECK(r.false_positives.n == 6 && !strncmp(r.false_positives.v[0], "Application servers", 19));
    CHECK(r.false_positives.n == 6 && !strncmp(r.false_positives.v[1], "Database engines", 16));
    CHECK(r.false_positives.n == 6 && !strncmp(r.false_positives.v[2], "Security orchestration", 22));
    CHECK(r.false_positives.n == 6 && !strncmp(r.false_positives.v[3], "Exchange Server's own probes", 28));
    CHECK(r.false_positives.n == 6 && strstr(r.false_positives.v[4], "internal"));
    CHECK(r.false_positives.n == 6 && !strncmp(r.false_positives.v[5], "Low-severity findings", 21));
    CHECK(r.data_sources.n == 3);
    CHECK(r.ntests >= 28);
    CHECK(r.ntests >= 28 && !strcmp(r.tests[0].name, "SMTP on port 25: high") && r.tests[0].nrecords == 3);
    CHECK(r.blind_spots.n >= 4);
    int lunar = 0, zeek = 0;
    for (uint32_t i = 0; i < r.blind_spots.n; i++) {
        lunar |= strstr(r.blind_spots.v[i], "LunarMail") && strstr(r.blind_spots.v[i], "LightNeuron");
        zeek |= strstr(r.blind_spots.v[i], "Zeek") != NULL;
    }
    CHECK(lunar);
    CHECK(zeek);

    CHECK(r.ntunings == 1);
    if (r.ntunings == 1) {
        rule_tuning_t *t = &r.tunings[0];
        CHECK_STR(t->name, "allowlist");
        CHECK_STR(t->field, "process_name");
        CHECK(!t->enabled);
        CHECK(t->description && strstr(t->description, "Python"));
        CHECK(has(&t->values, "java.exe"));
        CHECK(has(&t->values, "node"));
        CHECK(has(&t->values, "sqlservr.exe"));
        CHECK(has(&t->values, "EdgeTransport.exe"));
        CHECK(has(&t->values, "smtp"));
        CHECK(!has(&t->values, "python.exe"));
        CHECK(!has(&t->values, "powershell.exe"));
        CHECK(has(&t->prefixes, "C:\\Program Files\\Microsoft\\Exchange Server\\V15\\Bin\\"));
    }

    /* The query is the seed's, fixed, byte for byte up to where the seed
     * sets Severity; then postern's direction, counting and payload
     * stages (docs/schema.md §1.1-§1.3). */
    char *fixed = slurp("tests/data/seed-query-fixed.txt");
    CHECK(fixed != NULL);
    const char *sev = fixed ? strstr(fixed, "| if (Protocol in") : NULL;
    CHECK(sev != NULL);
    if (sev) CHECK(!strncmp(r.query, fixed, (size_t)(sev - fixed)));
    CHECK(strstr(r.query, "| if (direction = \"inbound\", 1, 0) as InboundRecord\n"));
    CHECK(strstr(r.query, "count_distinct(conn_id) as DistinctIds"));
    CHECK(strstr(r.query, "| OwnConnections + DistinctIds - BlankIds as ConnectionCount\n"));
    CHECK(strstr(r.query, "| where Inbound = 0 and ConnectionCount > 2\n"));
    CHECK(strstr(r.query, "| if (Payload = 1, \"low\","));
    CHECK(strstr(r.query, "by src_ip, dest_ip, dest_port, Protocol, process_name\n"));
    CHECK(strstr(r.query, "dcount") == NULL);
    CHECK(r.query_line == line_of(r.text, "  (_sourceCategory=*network*"));
    CHECK(r.query_line > 1);

    /* Tunings off: the query is unchanged. */
    char *q0 = rule_tuned_query(&r);
    CHECK_STR(q0, r.query);
    free(q0);

    /* --tune allowlist: one stage right after the scope line. */
    if (r.ntunings == 1) {
        r.tunings[0].enabled = true;
        char *q1 = rule_tuned_query(&r);
        const char *want_head =
            "(_sourceCategory=*network* OR _sourceCategory=*firewall* OR _sourceCategory=*proxy*)\n"
            "| where !(process_name matches /(?i)(^|[\\\\\\/])(java\\.exe|javaw\\.exe|java|";
        CHECK(q1 && !strncmp(q1, want_head, strlen(want_head)));
        CHECK(q1 && strstr(q1, "|zabbix_server|") && strstr(q1, "|grafana\\-server|"));
        CHECK(q1 && strstr(q1, "|MSExchangeFrontEndTransport\\.exe)$|^((C\\:|\\\\device\\\\harddiskvolume[0-9]+)"
                               "\\\\Program Files\\\\Microsoft\\\\Exchange Server\\\\V15\\\\Bin\\\\|"));
        CHECK(q1 && strstr(q1, "\\\\V14\\\\Bin\\\\)/)\n| where dest_port in ("));
        /* Removing the added line gives the original back. */
        if (q1) {
            char *nl1 = strchr(q1, '\n');
            char *nl2 = nl1 ? strchr(nl1 + 1, '\n') : NULL;
            if (nl1 && nl2) {
                memmove(nl1 + 1, nl2 + 1, strlen(nl2 + 1) + 1);
                CHECK_STR(q1, r.query);
            } else {
                CHECK(0);
            }
        }
        free(q1);
    }
    free(fixed);
    rule_free(&r);
    CHECK(r.id == NULL && r.text == NULL && r.ntunings == 0);
    diag_free(&d);
}

/* A minimal rule around query q with one enabled tuning whose lists are
 * lists ("values: [...]", and "prefixes: [...]"). */
static char *tuned_lists(const char *q, const char *lists) {
    rule_t r;
    diag_t d;
    buf_t b = {0};
    buf_printf(&b,
               "id: x\ntitle: t\ntuning:\n  - name: a\n    field: process_name\n    enabled: yes\n"
               "    %s\nquery: %s\n",
               lists, q);
    diag_init(&d, NULL, NULL, 0);
    int rc = rule_parse("t.yml", b.p, b.n, &r, &d);
    if (rc) diag_print(&d, stderr, D_NOTE);
    CHECK(rc == 0);
    char *out = rc ? NULL : rule_tuned_query(&r);
    rule_free(&r);
    diag_free(&d);
    buf_free(&b);
    return out;
}

/* A minimal rule around query q with one enabled tuning over values. */
static char *tuned(const char *q, const char *values) {
    buf_t b = {0};
    buf_printf(&b, "values: [%s]", values);
    char *out = tuned_lists(q, b.p);
    buf_free(&b);
    return out;
}

static void test_tuned_query(void) {
    char *s;
#define STAGE "| where !(process_name matches /(?i)(^|[\\\\\\/])(a\\.exe|b)$/)"
    /* Pipe on one line. */
    s = tuned("'foo | count'", "a.exe, b");
    CHECK_STR(s, "foo " STAGE " | count");
    free(s);
    /* No pipe: appended. */
    s = tuned("'error'", "a.exe, b");
    CHECK_STR(s, "error " STAGE);
    free(s);
    /* `|` inside a string in the scope. */
    s = tuned("'\"a|b\" and \"c\\\"|\" | count'", "a.exe, b");
    CHECK_STR(s, "\"a|b\" and \"c\\\"|\" " STAGE " | count");
    free(s);
    /* `|` inside a regex after matches, and inside parentheses. */
    s = tuned("'x matches /a|b\\/|/ (c | d) | count'", "a.exe, b");
    CHECK_STR(s, "x matches /a|b\\/|/ (c | d) " STAGE " | count");
    free(s);
    /* A `/` that is not after `matches` does not open a regex. */
    s = tuned("'_sourceCategory=prod/fw/* | count'", "a.exe, b");
    CHECK_STR(s, "_sourceCategory=prod/fw/* " STAGE " | count");
    free(s);
    /* An unterminated string: no stage boundary, append. */
    s = tuned("'\"abc | count'", "a.exe, b");
    CHECK_STR(s, "\"abc | count " STAGE);
    free(s);
    /* Block scalar: the new stage gets its own, equally indented line. */
    s = tuned("|\n    a\n      | count\n      | sort _count", "a.exe, b");
    CHECK_STR(s, "a\n  " STAGE "\n  | count\n  | sort _count\n");
    free(s);
    s = tuned("|\n    scope\n", "a.exe, b");
    CHECK_STR(s, "scope " STAGE "\n");
    free(s);
    /* Values are literal: punctuation escaped, `/` too. */
    s = tuned("'x | count'", "'C:/a+b(1).exe', 'we|rd'");
    CHECK_STR(s, "x | where !(process_name matches /(?i)(^|[\\\\\\/])(C\\:\\/a\\+b\\(1\\)\\.exe|we\\|rd)$/) | count");
    free(s);
#undef STAGE
    /* Path prefixes: at the start; a drive letter also as any \device\harddiskvolumeN. */
    s = tuned_lists("'x | count'", "values: [a.exe]\n    prefixes: ['C:\\Prog Files\\Bin\\', /opt/x/]");
    CHECK_STR(s, "x | where !(process_name matches /(?i)(^|[\\\\\\/])(a\\.exe)$|^((C\\:|\\\\device\\\\harddiskvolume[0-9]+)"
                 "\\\\Prog Files\\\\Bin\\\\|\\/opt\\/x\\/)/) | count");
    free(s);
    s = tuned_lists("'x | count'", "prefixes: ['d:\\e\\']");
    CHECK_STR(s, "x | where !(process_name matches /(?i)^((d\\:|\\\\device\\\\harddiskvolume[0-9]+)\\\\e\\\\)/) | count");
    free(s);
    {
        /* Neither values nor prefixes: an error; both empty: a warning. */
        rule_t r;
        diag_t d;
        const char *y = "id: x\ntitle: t\ntuning:\n  - {name: a, field: f}\nquery: q\n";
        diag_init(&d, NULL, NULL, 0);
        CHECK(rule_parse("t.yml", y, strlen(y), &r, &d) == -1);
        CHECK(strstr(first_msg(&d, D_ERROR), "tuning 'a' needs 'values' or 'prefixes'") != NULL);
        rule_free(&r);
        diag_free(&d);
        y = "id: x\ntitle: t\ntuning:\n  - {name: a, field: f, values: [], prefixes: []}\nquery: q\n";
        diag_init(&d, NULL, NULL, 0);
        CHECK(rule_parse("t.yml", y, strlen(y), &r, &d) == 0);
        CHECK(d.nwarn == 1 && !strcmp(d.m[0].code, "empty-tuning"));
        rule_free(&r);
        diag_free(&d);
    }
    /* Two tunings, one disabled; a tuning with no values is skipped. */
    const char *y = "id: x\ntitle: t\ntuning:\n"
                    "  - {name: one, field: f, enabled: true, values: [v1]}\n"
                    "  - {name: two, field: g, enabled: false, values: [v2]}\n"
                    "  - {name: three, field: h, enabled: on, values: []}\n"
                    "  - {name: four, field: k, enabled: true, values: [v4]}\n"
                    "query: 'a | b'\n";
    rule_t r;
    diag_t d;
    diag_init(&d, NULL, NULL, 0);
    CHECK(rule_parse("t.yml", y, strlen(y), &r, &d) == 0);
    CHECK(d.nwarn == 1 && !strcmp(d.m[0].code, "empty-tuning"));
    s = rule_tuned_query(&r);
    CHECK_STR(s, "a | where !(f matches /(?i)(^|[\\\\\\/])(v1)$/) | where !(k matches /(?i)(^|[\\\\\\/])(v4)$/) | b");
    free(s);
    rule_free(&r);
    diag_free(&d);
}

static void test_errors(void) {
    rule_t r;
    diag_t d;
    uint32_t line, col;

    /* libyaml syntax error: position of the problem. */
    CHECK(parse_text("id: a\ntitle: b\n  bad: c\nquery: q\n", &r, &d, &line, &col) == -1);
    CHECK(line == 3 && col == 6);
    CHECK(strstr(first_msg(&d, D_ERROR), "invalid YAML: mapping values are not allowed") != NULL);
    CHECK(r.text && !strncmp(r.text, "id: a", 5) && r.id == NULL);
    rule_free(&r);
    diag_free(&d);

    /* Unclosed flow sequence: reported, with a line past the opening. */
    CHECK(parse_text("id: a\ntitle: b\nreferences: [x,\nquery: q\n", &r, &d, &line, &col) == -1);
    CHECK(line >= 3);
    rule_free(&r);
    diag_free(&d);

    /* Wrong node kinds. */
    CHECK(parse_text("id: a\ntitle: b\nmitre: [x]\nquery: q\n", &r, &d, &line, &col) == -1);
    CHECK_STR(first_msg(&d, D_ERROR), "expected a mapping for 'mitre'");
    CHECK(line == 3 && col == 8);
    rule_free(&r);
    diag_free(&d);

    CHECK(parse_text("id: a\ntitle: {x: y}\nquery: q\n", &r, &d, &line, &col) == -1);
    CHECK_STR(first_msg(&d, D_ERROR), "expected a string for 'title'");
    CHECK(line == 2 && col == 8);
    rule_free(&r);
    diag_free(&d);

    CHECK(parse_text("id: a\ntitle: b\nreferences: x\nquery: q\n", &r, &d, &line, &col) == -1);
    CHECK_STR(first_msg(&d, D_ERROR), "expected a sequence for 'references'");
    rule_free(&r);
    diag_free(&d);

    CHECK(parse_text("- a\n- b\n", &r, &d, &line, &col) == -1);
    CHECK_STR(first_msg(&d, D_ERROR), "expected a mapping at the top level of the rule");
    rule_free(&r);
    diag_free(&d);

    CHECK(parse_text("", &r, &d, &line, &col) == -1);
    CHECK_STR(first_msg(&d, D_ERROR), "the rule file is empty");
    rule_free(&r);
    diag_free(&d);

    /* Missing required keys: all reported. */
    CHECK(parse_text("id: a\n", &r, &d, &line, &col) == -1);
    CHECK(d.nerr == 2);
    CHECK_STR(first_msg(&d, D_ERROR), "missing required key 'title' in 'rule'");
    rule_free(&r);
    diag_free(&d);

    /* Duplicate keys, empty query. */
    CHECK(parse_text("id: a\ntitle: b\nid: c\nquery: '  '\n", &r, &d, &line, &col) == -1);
    CHECK_STR(first_msg(&d, D_ERROR), "duplicate key 'id' in 'rule'");
    CHECK(line == 3 && col == 1);
    CHECK(d.nerr == 2);
    rule_free(&r);
    diag_free(&d);

    /* Unknown keys are warnings only. */
    CHECK(parse_text("id: a\ntitle: b\nauthor: me\nmitre: {tactic: C2, tactic_id: TA11}\nquery: q\n", &r, &d,
                     &line, &col) == 0);
    CHECK(d.nerr == 0 && d.nwarn == 2);
    CHECK(d.n >= 1 && !strcmp(d.m[0].code, "unknown-key"));
    CHECK_STR(d.m[0].msg, "unknown key 'author' in 'rule' (ignored)");
    CHECK(d.n >= 2 && !strcmp(d.m[1].code, "mitre-id"));
    CHECK(r.query_line == 5);
    rule_free(&r);
    diag_free(&d);

    /* Severity: scores 0..10, default among the levels. */
    CHECK(parse_text("id: a\ntitle: b\nseverity:\n  field: S\n  default: meh\n  levels: {high: 7, crit: 11}\n"
                     "query: q\n",
                     &r, &d, &line, &col) == -1);
    CHECK_STR(first_msg(&d, D_ERROR), "the score of level 'crit' must be an integer from 0 to 10");
    CHECK(line == 6 && col == 27);
    CHECK(d.nerr == 2);
    rule_free(&r);
    diag_free(&d);

    /* Tuning: field must be a name, enabled a boolean. */
    CHECK(parse_text("id: a\ntitle: b\ntuning:\n  - {name: x, field: 'a b', values: [v], enabled: maybe}\n"
                     "query: q\n",
                     &r, &d, &line, &col) == -1);
    CHECK(d.nerr == 2);
    rule_free(&r);
    diag_free(&d);

    /* Columns are bytes: multi-byte UTF-8 and a BOM before the error. */
    const char *u = "\xEF\xBB\xBFid: \"\xC3\xA9\xC3\xA9\"\ntitle: t\nreferences: [\"\xC3\xA9\", 5, {a: b}]\nquery: q\n";
    CHECK(parse_text(u, &r, &d, &line, &col) == -1);
    CHECK_STR(first_msg(&d, D_ERROR), "expected a string for 'references'");
    CHECK(line == 3 && col == 23);
    CHECK(d.n && d.m[0].sp.off == (uint32_t)(strchr(u, '{') - u));
    rule_free(&r);
    diag_free(&d);

    /* Invalid UTF-8: the reader's byte offset. */
    CHECK(parse_text("id: a\n\xFF: c\n", &r, &d, &line, &col) == -1);
    CHECK(line == 2 && col == 1);
    rule_free(&r);
    diag_free(&d);

    /* A second document. */
    CHECK(parse_text("id: a\ntitle: b\nquery: q\n---\nid: c\n", &r, &d, &line, &col) == -1);
    CHECK(line == 4);
    rule_free(&r);
    diag_free(&d);

    /* Files that are not there. */
    diag_init(&d, NULL, NULL, 0);
    CHECK(rule_load_file("rules/does-not-exist.yml", &r, &d) == -1);
    CHECK(d.nerr == 1 && strstr(d.m[0].msg, "cannot open rule file") != NULL);
    rule_free(&r);
    diag_free(&d);
}

/* Entry point. */
/* `tests:`: inline records become JSON Lines (plain scalars that read as
 * JSON numbers, true, false or null stay so, anything else is a string;
 * JSON strings are kept, their line breaks made spaces), expected
 * findings keep each value's text as written, and mistakes are errors at
 * their place. */
static void test_tests(void) {
    rule_t r;
    diag_t d;
    uint32_t line, col;
    const char *ok =
        "id: t\ntitle: T\nquery: '*'\n"
        "tests:\n"
        "  - name: one\n"
        "    category: network\n"
        "    tune: allowlist\n"
        "    records:\n"
        "      - {a: 1, b: \"1\", c: x y, d: true, e: ~, f: 0x1F, g: [1, {h: -2.5e3}], 'k\"': 'v\\'}\n"
        "      - |\n"
        "        {\"a\":\n"
        "         2}\n"
        "    expect:\n"
        "      - {dest_port: \"25\", n: 3, e: ~}\n"
        "      - {}\n"
        "  - name: two\n"
        "    file: [a.log, b/c.csv]\n"
        "    expect: none\n"
        "  - name: three\n"
        "    file: x.jsonl\n"
        "    expect: []\n";
    CHECK(parse_text(ok, &r, &d, &line, &col) == 0);
    CHECK(r.ntests == 3);
    if (r.ntests == 3) {
        rule_test_t *t = &r.tests[0];
        CHECK_STR(t->name, "one");
        CHECK_STR(t->category, "network");
        CHECK(t->tune.n == 1 && !strcmp(t->tune.v[0], "allowlist"));
        CHECK(t->nrecords == 2);
        CHECK_STR(t->records, "{\"a\":1,\"b\":\"1\",\"c\":\"x y\",\"d\":true,\"e\":null,\"f\":\"0x1F\","
                              "\"g\":[1,{\"h\":-2.5e3}],\"k\\\"\":\"v\\\\\"}\n{\"a\":  2}\n");
        CHECK(!t->expect_none && t->nexpect == 2);
        CHECK(t->nexpect == 2 && t->expect[0].n == 3 && t->expect[1].n == 0);
        if (t->nexpect == 2 && t->expect[0].n == 3) {
            CHECK_STR(t->expect[0].w[0].col, "dest_port");
            CHECK_STR(t->expect[0].w[0].val, "25");
            CHECK_STR(t->expect[0].w[1].val, "3");
            CHECK_STR(t->expect[0].w[2].val, "");
        }
        CHECK(r.tests[1].files.n == 2 && !strcmp(r.tests[1].files.v[1], "b/c.csv") && r.tests[1].expect_none);
        CHECK(r.tests[2].files.n == 1 && r.tests[2].expect_none && !r.tests[2].records);
        diag_linecol(&d, r.tests[1].sp.off, &line, &col);
        CHECK(line == 16 && col == 5);
    }
    rule_free(&r);
    diag_free(&d);

    static const struct {
        const char *tests; /* after "tests:\n" */
        uint32_t line, col;
        const char *msg;   /* the first error starts so */
    } bad[] = {
        {"  - name: a\n    records: [{x: 1}]\n", 5, 5, "missing required key 'expect'"},
        {"  - name: a\n    expect: none\n", 5, 5, "test 'a' needs input"},
        {"  - name: a\n    records: [{x: 1}]\n    file: f\n    expect: none\n", 5, 5, "test 'a': give either"},
        {"  - name: a\n    records: []\n    expect: none\n", 6, 14, "expected a list of records"},
        {"  - name: a\n    records: ['[1]']\n    expect: none\n", 6, 15, "a record must be"},
        {"  - name: a\n    records: ['{\"x\": 1} {}']\n    expect: none\n", 6, 15, "a record must be"},
        {"  - name: a\n    records: [{[x]: 1}]\n    expect: none\n", 6, 16, "a test record's keys"},
        {"  - name: a\n    records: [{x: 1}]\n    expect: some\n", 7, 13, "expected `none` or a list"},
        {"  - name: a\n    records: [{x: 1}]\n    expect: [x]\n", 7, 14, "an expected finding must be"},
        {"  - name: a\n    records: [{x: 1}]\n    expect: [{n: 1, N: 2}]\n", 7, 21, "column 'N' is named twice"},
        {"  - name: a\n    records: [{x: 1}]\n    expect: [{n: {m: 1}}]\n", 7, 18, "the expected value of"},
        {"  - name: \"a\\nb\"\n    records: [{x: 1}]\n    expect: none\n", 5, 5, "a test's name must be"},
        {"  - name: a\n    records: [{x: 1}]\n    expect: none\n  - name: a\n    file: f\n    expect: none\n",
         8, 5, "duplicate test name 'a'"},
        {"  x: 1\n", 5, 3, "expected a sequence for 'tests'"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        buf_t b = {0};
        buf_printf(&b, "id: t\ntitle: T\nquery: '*'\ntests:\n%s", bad[i].tests);
        int rc = parse_text(b.p, &r, &d, &line, &col);
        CHECK(rc == -1);
        const char *m = first_msg(&d, D_ERROR);
        if (strncmp(m, bad[i].msg, strlen(bad[i].msg)) || line != bad[i].line || col != bad[i].col)
            fprintf(stderr, "  case %zu: %u:%u: %s\n", i, line, col, m);
        CHECK(!strncmp(m, bad[i].msg, strlen(bad[i].msg)));
        CHECK(line == bad[i].line && col == bad[i].col);
        rule_free(&r);
        diag_free(&d);
        buf_free(&b);
    }
}

int main(void) {
    test_shipped_rule();
    test_tuned_query();
    test_errors();
    test_tests();
    return CHECK_DONE("test_rule");
}
