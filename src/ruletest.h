/* ruletest.h — a rule's own tests (`tests:` in its YAML): run, compared, reported.
 *
 * `postern test` (ruletest_cmd) and `postern lint --rule` (ruletest_lint)
 * run each test of a rule the way `postern detect` runs the rule: its query
 * with the rule's tuning defaults plus the test's `tune:`, its findings
 * decorated as detect prints them (ruleset_decorate), over the test's
 * records (inline JSON, read in memory by the input layer) or files. The
 * findings are compared with the expected ones on the columns those name
 * (README.md, "Testing a rule"). Results own their texts (ruletest_results_free);
 * the rule is borrowed.
 */
#ifndef POSTERN_RULETEST_H
#define POSTERN_RULETEST_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "rule.h"

/* What became of one test. */
typedef enum rt_status {
    RT_PASS,  /* the findings are the expected ones */
    RT_FAIL,  /* they are not: diff says how */
    RT_ERROR  /* the test could not run (said on stderr with its position): a rule error */
} rt_status_t;

/* One test's outcome. */
typedef struct ruletest_result {
    rt_status_t status;
    char *diff;          /* RT_FAIL: lines "  expected but missing: {...}" then "  unexpected: {...}",
                            each ending in a newline; RT_ERROR: the reason, one line; NULL on a pass (heap) */
    uint32_t missing;    /* expected findings no finding matched */
    uint32_t unexpected; /* findings no expected one matched */
} ruletest_result_t;

/* Run every test of rule r; res[0..r->ntests) receives each outcome.
 * builtin: r is compiled into the binary (no folder for `file:`). A
 * test's tunings are switched on for its run only (r is restored). A test
 * that cannot run (an unknown tuning or column, an input that cannot be
 * read or holds no record) is RT_ERROR, said on stderr at its position in
 * the rule file. Returns the number of RT_ERROR results. */
unsigned ruletest_run(rule_t *r, bool builtin, ruletest_result_t *res);
/* Free the texts of res[0..n) (not the array). */
void ruletest_results_free(ruletest_result_t *res, uint32_t n);
/* `postern lint --rule`: run r's tests, each failure an error on f at the
 * test's position in the rule file, with its diff, then one summary line.
 * Returns the tests that failed or could not run. */
unsigned ruletest_lint(rule_t *r, FILE *f);
/* The `postern test` command: argv[0..argc) are its arguments. Returns
 * the exit status: 0 every test passed, 1 a test failed, 2 usage or rule
 * errors (a rule that does not load, a test that cannot run, no test). */
int ruletest_cmd(int argc, char **argv);

#endif
