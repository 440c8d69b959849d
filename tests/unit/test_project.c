/* test_project.c — the projection rule (exec_plan, exec.c plan_skip):
 * which queries make the readers extract every field, which only the
 * fields they name, and which metadata a run may leave out of its
 * records. The differential check that the rule changes no result is
 * tests/project.sh.
 */
#include <stdlib.h>

#include "ast.h"
#include "diag.h"
#include "exec.h"
#include "check.h"

#define ALL_SKIP (FT_SKIP_RAW | FT_SKIP_TIME | FT_SKIP_CATEGORY | FT_SKIP_NAME)

/* What exec_plan decides for query text under options eo (NULL: a stream). */
typedef struct plan {
    bool ok;        /* the query parsed */
    bool want_all;  /* every field */
    unsigned skip;  /* FT_SKIP_* */
} plan_t;

/* Is field name wanted by q (interned and marked)? */
static bool wanted(const query_t *q, const char *name) {
    uint32_t id = ftab_find(&q->ft, pstr_c(name));
    return id != FIELD_NONE && q->ft.e[id].wanted;
}

static plan_t plan_of(const char *text, const exec_opts_t *eo, const char *want, const char *unwanted) {
    plan_t p = {0};
    query_t *q = check_parse(text);
    if (!q) return p;
    exec_plan(q, eo);
    p.ok = true;
    p.want_all = q->ft.want_all;
    p.skip = q->ft.skip;
    if (want) CHECK(wanted(q, want));
    if (unwanted) CHECK(!wanted(q, unwanted));
    query_free(q);
    return p;
}

/* Queries whose output shows records, or whose stages may read anything:
 * every field, no metadata skipped. */
static void test_all_fields(void) {
    static const exec_opts_t eo = {0};
    static const char *const all[] = {
        "*",
        "* | where dest_port = \"25\"",
        "* | fields - src_ip",
        "error | limit 5",
        "* | json auto | where a = 1",
        "* | sort by dest_ip",
    };
    for (size_t k = 0; k < sizeof all / sizeof all[0]; k++) {
        plan_t p = plan_of(all[k], &eo, NULL, NULL);
        CHECK(p.ok && p.want_all && p.skip == 0);
        if (!(p.ok && p.want_all && p.skip == 0)) fprintf(stderr, "  query: %s\n", all[k]);
    }
}

/* Aggregate queries whose stages read only what they name: the fields
 * they name, and no metadata they do not name. */
static void test_small_sets(void) {
    static const exec_opts_t eo = {0};
    plan_t p = plan_of("* | count by dest_ip | sort by _count desc, dest_ip asc | limit 10", &eo, "dest_ip", "src_ip");
    CHECK(p.ok && !p.want_all && p.skip == ALL_SKIP);
    p = plan_of("* | count by src_ip, src_port, dest_ip", &eo, "src_port", "bytes_in");
    CHECK(p.ok && !p.want_all && p.skip == ALL_SKIP);
    p = plan_of("* | where dest_port = \"25\" | parse field=process_name \"*.exe\" as base | top 5 base", &eo,
                "process_name", "dest_ip");
    CHECK(p.ok && !p.want_all && p.skip == ALL_SKIP);
    /* metadata the query names is kept, the rest skipped */
    p = plan_of("* | count by _sourceCategory", &eo, "_sourceCategory", "dest_ip");
    CHECK(p.ok && p.skip == (FT_SKIP_RAW | FT_SKIP_TIME | FT_SKIP_NAME));
    p = plan_of("_sourceCategory=prod/* | count", &eo, "_sourceCategory", NULL);
    CHECK(p.ok && p.skip == (FT_SKIP_RAW | FT_SKIP_TIME | FT_SKIP_NAME));
    p = plan_of("error | count by dest_ip", &eo, "_raw", NULL); /* a keyword searches _raw */
    CHECK(p.ok && p.skip == (FT_SKIP_TIME | FT_SKIP_CATEGORY | FT_SKIP_NAME));
    p = plan_of("* | where _messageTime > 0 | count", &eo, "_messageTime", NULL);
    CHECK(p.ok && p.skip == (FT_SKIP_RAW | FT_SKIP_CATEGORY | FT_SKIP_NAME));
    p = plan_of("* | formatDate(_messageTime, \"yyyy\") as y | count by y", &eo, "_messageTime", NULL);
    CHECK(p.ok && !(p.skip & FT_SKIP_TIME));
    p = plan_of("* | count by _sourceName", &eo, "_sourceName", NULL);
    CHECK(p.ok && p.skip == (FT_SKIP_RAW | FT_SKIP_TIME | FT_SKIP_CATEGORY));
    /* `fields` decides the columns: only the fields named, but a record
     * shown keeps its metadata */
    p = plan_of("* | fields src_ip, dest_ip", &eo, "dest_ip", "bytes_in");
    CHECK(p.ok && !p.want_all && p.skip == 0);
}

/* Aggregate queries that may read metadata behind the query's back: no
 * metadata skipped (their named fields are still all they extract). */
static void test_no_skip(void) {
    static const exec_opts_t eo = {0};
    static const char *const keep[] = {
        "* | timeslice 1h | count by _timeslice",
        "* | first(dest_ip) by src_ip",
        "* | most_recent(dest_ip) by src_ip",
        "* | dedup by src_ip | count",
        "* | limit 10 | count",
        "* | count by dest_ip | compare with timeshift 1d",
        "* | withtime dest_ip | count by dest_ip",
        "* | transactionize src_ip | count",
    };
    for (size_t k = 0; k < sizeof keep / sizeof keep[0]; k++) {
        plan_t p = plan_of(keep[k], &eo, NULL, NULL);
        CHECK(p.ok && p.skip == 0);
        if (!(p.ok && p.skip == 0)) fprintf(stderr, "  query: %s (skip %u)\n", keep[k], p.skip);
    }
    /* the run's options: --from/--to read every record's time; a stream
     * (detection) reads time and category */
    exec_opts_t ranged = {.has_from = true, .from_ms = 0};
    plan_t p = plan_of("* | count by dest_ip", &ranged, "dest_ip", NULL);
    CHECK(p.ok && !p.want_all && p.skip == 0);
    p = plan_of("* | count by dest_ip", NULL, "dest_ip", NULL);
    CHECK(p.ok && !p.want_all && p.skip == 0);
}

/* POSTERN_NO_PROJECT=1: every field for every query, nothing skipped. */
static void test_off(void) {
    static const exec_opts_t eo = {0};
    setenv("POSTERN_NO_PROJECT", "1", 1);
    plan_t p = plan_of("* | count by dest_ip", &eo, "dest_ip", NULL);
    CHECK(p.ok && p.want_all && p.skip == 0);
    setenv("POSTERN_NO_PROJECT", "0", 1);
    p = plan_of("* | count by dest_ip", &eo, "dest_ip", NULL);
    CHECK(p.ok && !p.want_all && p.skip == ALL_SKIP);
    unsetenv("POSTERN_NO_PROJECT");
}

int main(void) {
    test_all_fields();
    test_small_sets();
    test_no_skip();
    test_off();
    printf("test_project: %d passed, %d failed\n", npass, nfail);
    return nfail ? 1 : 0;
}
