/* test_coverage.c — unit tests for coverage.c: the fields a rule's plan
 * counts and which of them a record cannot pass without, the per-worker
 * counts and their file table merged, and the words cov_report and
 * cov_no_input print. Prints "test_coverage: N passed, M failed".
 */
#define _GNU_SOURCE /* open_memstream */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ast.h"
#include "diag.h"
#include "check.h"
#include "arena.h"
#include "coverage.h"


/* The plan of query as text: "name!" for a required field, "name" for
 * another, space-separated; "+cat" when the scope reads _sourceCategory. */
static void plan_is(const char *query, const char *want) {
    query_t *q = check_parse(query);
    CHECK(q != NULL);
    if (!q) return;
    cov_t c;
    cov_init(&c, q);
    char got[512] = "";
    for (uint32_t k = 0; k < c.plan.n; k++) {
        pstr_t n = ftab_name(&q->ft, c.plan.ids[k]);
        snprintf(got + strlen(got), sizeof got - strlen(got), "%s%.*s%s", k ? " " : "", (int)n.n, n.p,
                 c.plan.required[k] ? "!" : "");
    }
    if (c.plan.scope_category) strcat(got, got[0] ? " +cat" : "+cat");
    if (strcmp(got, want)) fprintf(stderr, "  query %s\n", query);
    CHECK_STR(got, want);
    cov_free(&c);
    query_free(q);
}

/* A record of input number input named file with fields k=v pairs. */
static void rec_of(record_t *r, query_t *q, const char *file, uint64_t input, const char *k1, const char *v1,
                   const char *k2, const char *v2) {
    rec_clear(r);
    r->file = file;
    r->seq = input << 44;
    if (k1) rec_set(r, ftab_intern(&q->ft, pstr_c(k1)), val_strv(pstr_c(v1)));
    if (k2) rec_set(r, ftab_intern(&q->ft, pstr_c(k2)), val_strv(pstr_c(v2)));
}

/* What cov_report prints for r, as one string (caller frees). */
static char *report(cov_report_t *r, unsigned *warned) {
    char *p = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&p, &n);
    *warned = cov_report(r, f);
    fclose(f);
    return p;
}

static const char *const rule_query =
    "(_sourceCategory=*network* OR _sourceCategory=*firewall*)\n"
    "| where dest_port in (\"25\",\"587\")\n"
    "| where !(process_name matches /(?i)outlook/)\n"
    "| if (dest_port in (\"25\"), \"SMTP\", \"other\") as Protocol\n"
    "| count as n, sum(bytes_out) as b by src_ip, dest_ip, process_name, Protocol\n"
    "| where n > 2";

int main(void) {
    /* ---- plans: the filters' fields; the required ones fail on null. */
    plan_is(rule_query, "dest_port! process_name +cat");
    plan_is("| where a = 1 or b = 2", "a b");
    plan_is("| where a = 1 or a = 2", "a!");
    plan_is("| where a = 1 and !(b matches \"x\")", "a! b");
    plan_is("| where c not in (\"x\")", "c");           /* `not in` is `!(c in ...)`: true for null */
    plan_is("| where isNull(d) | where e contains \"y\"", "d e!");
    plan_is("| where f > 3 | where !(g = \"1\")", "f! g");
    plan_is("| count by e", "");                            /* an aggregate's keys are not filters */
    plan_is("x | parse \"a=*\" as g | where g = \"1\" | where h matches \"p*\"", "h!"); /* g is made */
    plan_is("| sort by f | where z = 1", "");               /* after a blocking stage: not a filter */
    {
        /* cov_input_fields with COV_INPUTS adds the aggregate's keys and arguments. */
        query_t *q = check_parse(rule_query);
        uint32_t ids[16];
        CHECK(cov_input_fields(q, ids, 16, COV_FILTERS) == 2);
        CHECK(cov_input_fields(q, ids, 16, COV_INPUTS) == 5);
        query_free(q);
    }

    /* ---- counts, the file table, merging. */
    query_t *q = check_parse(rule_query);
    arena_t a = {0};
    record_t r;
    rec_init(&r, &a);
    cov_t w1, w2, all;
    cov_init(&w1, q);
    cov_init(&w2, q);
    cov_init(&all, q);
    rec_of(&r, q, "a.json", 1, "dest_port", "25", "_sourceCategory", "x/network");
    cov_record(&w1, &r, true, true);
    rec_of(&r, q, "a.json", 1, "process_name", "p", NULL, NULL);
    cov_record(&w1, &r, false, true);
    rec_of(&r, q, "b.json", 2, "Image", "x", "_sourceCategory", "app/web");
    cov_record(&w1, &r, false, true);
    rec_of(&r, q, "b.json", 2, "Image", "y", NULL, NULL);
    cov_record(&w2, &r, false, false);
    rec_of(&r, q, "a.json", 1, "dest_port", "443", NULL, NULL);
    cov_record(&w2, &r, true, false);
    cov_merge(&all, &w1);
    cov_merge(&all, &w2);
    CHECK(w1.nfiles == 0 && w2.nfiles == 0 && w1.files == NULL);
    CHECK(all.parsed == 5 && all.in_scope == 2 && all.scoped_parsed == 2 && all.in_range == 1);
    CHECK(all.with[0] == 2 && all.with[1] == 0 && all.any_with[0] == 2 && all.any_with[1] == 1);
    CHECK(all.with_category == 2 && all.ncats == 1 && !strcmp(all.cats[0], "app/web"));
    CHECK(all.nfiles == 2);
    for (uint32_t i = 0; i < all.nfiles; i++) {
        const cov_file_t *f = &all.files[i];
        if (!strcmp(f->name, "a.json")) CHECK(f->input == 1 && f->records == 3 && f->unmapped == 0);
        else CHECK(!strcmp(f->name, "b.json") && f->input == 2 && f->records == 2 && f->unmapped == 2);
    }
    /* The prefilter's tally: plan fields, then _sourceCategory. */
    uint32_t ids[IN_MAXTALLY];
    CHECK(cov_tally_ids(&all, ids) == 3 && ids[2] == F_SOURCECATEGORY);
    in_tally_t t = {.in_scope = 10, .with = {7, 3, 9}, .with_in_scope = {6, 2, 8}};
    cov_add_tally(&all, &t);
    CHECK(all.in_scope == 12 && all.with[0] == 8 && all.with[1] == 2 && all.any_with[0] == 9 &&
          all.with_category == 11);

    /* ---- what is said. */
    unsigned warned;
    cov_report_t rr = {.rule = "r1", .q = q, .c = &all, .read = 15, .results = 1, .what = "findings"};
    char *out = report(&rr, &warned);
    CHECK(warned == 0);
    CHECK(strstr(out, "postern: rule r1: read=15 in_scope=12 with_dest_port=8 with_process_name=2 findings=1\n") == out);
    CHECK(strstr(out, "postern: rule r1: b.json: 2 records without dest_port or process_name") != NULL);
    CHECK(strstr(out, "a.json") == NULL); /* a mapped file is not named */
    free(out);
    rr.quiet = true;
    out = report(&rr, &warned);
    CHECK_STR(out, "");
    free(out);

    /* One record, and what is said about it (quiet: the warnings only). */
    static const struct said {
        const char *k1, *v1, *k2, *v2; /* the record's fields */
        bool in_scope, in_range;       /* the scope kept it; inside --from/--to */
        bool strict, has_range;        /* the options */
        unsigned warned;               /* warnings cov_report counts */
        const char *want[2];           /* text that must be said (at the start: first one) */
    } said[] = {
        /* Nothing in scope, no record with a category: --category. */
        {"dest_port", "25", NULL, NULL, false, true, false, false, 1,
         {"postern: warning: rule r1 saw nothing: 1 record read, none in its scope `_sourceCategory=*network* OR "
          "_sourceCategory=*firewall*`: the records have no _sourceCategory; give them one the scope matches with "
          "--category\n", NULL}},
        /* Nothing in scope, no record with dest_port: not postern's schema; strict says error. */
        {"Image", "x", NULL, NULL, false, true, true, false, 1,
         {"postern: error: rule r1 saw nothing: ", "and none with dest_port: postern could not map them to its schema"}},
        /* Out of scope with another category: it is named. */
        {"dest_port", "25", "_sourceCategory", "app/web", false, true, false, false, 1,
         {"postern: warning: rule r1 saw nothing: ", "(their _sourceCategory: `app/web`); check the records'"}},
        /* In scope, but no record carries the required dest_port: its aliases are named. */
        {"process_name", "x", "_sourceCategory", "a/network", true, true, false, false, 1,
         {"postern: warning: rule r1 saw no dest_port: none of the 1 record in its scope has it",
          "must name it dest_port (or dstPort))"}},
        /* In scope and mapped, but nothing inside --from/--to. */
        {"dest_port", "25", "_sourceCategory", "a/network", true, false, false, true, 1,
         {"postern: warning: rule r1 saw nothing in the time range", NULL}},
        {"dest_port", "25", "_sourceCategory", "a/network", true, false, false, false, 0, {"", NULL}},
    };
    for (size_t i = 0; i < sizeof said / sizeof said[0]; i++) {
        const struct said *w = &said[i];
        cov_t one;
        cov_init(&one, q);
        rec_of(&r, q, "c.json", 1, w->k1, w->v1, w->k2, w->v2);
        cov_record(&one, &r, w->in_scope, w->in_range);
        rr = (cov_report_t){.rule = "r1", .q = q, .c = &one, .read = 1, .what = "findings", .quiet = true,
                            .strict = w->strict, .has_range = w->has_range};
        out = report(&rr, &warned);
        if (warned != w->warned || strstr(out, w->want[0]) != out || (w->want[1] && !strstr(out, w->want[1])))
            fprintf(stderr, "  case %zu said: %s\n", i, out);
        CHECK(warned == w->warned);
        CHECK(strstr(out, w->want[0]) == out);
        CHECK(!w->want[1] || strstr(out, w->want[1]));
        free(out);
        cov_free(&one);
    }

    /* ---- the rejection log: any number of inputs, looked up by number. */
    {
        in_rejlog_t l = {0};
        in_stats_t rs = {.rejlog = &l};
        CHECK(in_stats_rejected(&rs, 1) == 0);
        for (uint64_t k = 1; k <= 1000; k++) in_rejlog_add(&l, 3 * k, k);
        in_rejlog_add(&l, 3000, 5); /* (the last input again: added to) */
        CHECK(l.n == 1000);
        CHECK(in_stats_rejected(&rs, 3) == 1);
        CHECK(in_stats_rejected(&rs, 51) == 17); /* (past the first 16) */
        CHECK(in_stats_rejected(&rs, 2997) == 999);
        CHECK(in_stats_rejected(&rs, 3000) == 1005);
        CHECK(in_stats_rejected(&rs, 0) == 0 && in_stats_rejected(&rs, 52) == 0 && in_stats_rejected(&rs, 3003) == 0);
        in_rejlog_free(&l);
        CHECK(l.n == 0 && !l.input && in_stats_rejected(&rs, 3) == 0);
        rs.rejlog = NULL;
        CHECK(in_stats_rejected(&rs, 3) == 0);
    }

    /* ---- no input at all. */
    in_stats_t st = {0};
    char *p = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&p, &n);
    CHECK(cov_no_input(&st, "postern detect", true, f));
    st.records = 1;
    CHECK(!cov_no_input(&st, "postern detect", true, f));
    st = (in_stats_t){.files = 1, .files_skipped = 1, .bytes = 3};
    CHECK(cov_no_input(&st, "postern detect", false, f));
    st = (in_stats_t){.files = 1, .bytes = 69632};
    CHECK(cov_no_input(&st, "postern detect", true, f));
    st = (in_stats_t){.files = 2};
    CHECK(cov_no_input(&st, "postern detect", true, f));
    st = (in_stats_t){.files = 1, .bytes = 10, .rejected = 2};
    CHECK(cov_no_input(&st, "postern detect", true, f));
    fclose(f);
    CHECK_STR(p, "postern detect: error: no records to run the rules on: no input file was found (an empty directory?)\n"
                 "postern detect: warning: no records to run the rules on: 1 file found, none in a format postern reads "
                 "(see postern formats)\n"
                 "postern detect: error: no records to run the rules on: 69632 bytes read, no record in them\n"
                 "postern detect: error: no records to run the rules on: the inputs are empty\n"
                 "postern detect: error: no records to run the rules on: all 2 records were malformed\n");
    free(p);

    cov_free(&all);
    cov_free(&w1);
    cov_free(&w2);
    rec_free(&r);
    arena_free(&a);
    query_free(q);
    return CHECK_DONE("test_coverage");
}
