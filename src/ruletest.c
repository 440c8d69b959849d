/* ruletest.c — running a rule's own tests (see ruletest.h).
 *
 * One test is one detect run in this process: the rule's query, tuned as
 * the test says, compiled and run by the engine (exec_run) over the test's
 * records (JSON Lines held in memory, read through the input layer like a
 * file: the reader vote, the prefilter, the same readers) or files. Its
 * findings are decorated as detect prints them, and then paired with the
 * expected findings one to one (a maximum bipartite matching: an expected
 * finding pairs with a finding when every column it names has, as text,
 * the value it gives). The second half is the `postern test` command: the
 * PASS/FAIL lines, the summary and the JUnit XML report.
 */
#include "ruletest.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "buf.h"
#include "cli.h"
#include "exec.h"
#include "ruleset.h"
#include "str.h"
#include "table.h"

/* The decorated identity columns (ruleset_meta_names) and _sourceName,
 * which a diff leaves out. */
static bool identity_col(pstr_t name) {
    for (unsigned k = 0; k < RULESET_NMETA; k++)
        if (pstr_ieq_c(name, ruleset_meta_names[k])) return true;
    return pstr_ieq_c(name, "_sourceName");
}

/* _sourceName of a test's inline records. */
#define RT_RECORDS_NAME "records"

/* ---------------------------------------------------------------------------
 * Messages
 * ------------------------------------------------------------------------- */

/* Say an error about test t of r at span sp of the rule file (on stderr,
 * with the line and a caret), and make res an RT_ERROR with the reason. */
static void test_error(const rule_t *r, const rule_test_t *t, span_t sp, ruletest_result_t *res, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static void test_error(const rule_t *r, const rule_test_t *t, span_t sp, ruletest_result_t *res, const char *fmt, ...) {
    buf_t b = {0};
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(&b, fmt, ap);
    va_end(ap);
    const char *text = r->text ? r->text : "";
    size_t len = strlen(text);
    /* the caret covers the first line of the span only */
    if (sp.off > len) sp.off = (uint32_t)len;
    const char *nl = memchr(text + sp.off, '\n', len - sp.off);
    uint32_t room = nl ? (uint32_t)(nl - (text + sp.off)) : (uint32_t)(len - sp.off);
    if (sp.len > room) sp.len = room ? room : 1;
    diag_t d;
    diag_init(&d, r->path, text, len);
    diag_add(&d, D_ERROR, sp, NULL, "test '%s': %s", t->name ? t->name : "?", b.p ? b.p : "");
    diag_print(&d, stderr, D_NOTE);
    diag_free(&d);
    res->status = RT_ERROR;
    free(res->diff);
    res->diff = b.p ? b.p : xstrndup("", 0);
}

/* Append v as a YAML scalar: plain when that reads back as the same text
 * (letters, digits and ._/\-+ or non-ASCII), else single-quoted, or
 * double-quoted with JSON escapes when it holds control characters. */
static void put_scalar(buf_t *b, pstr_t v) {
    bool plain = v.n > 0, ctl = false;
    for (size_t i = 0; i < v.n; i++) {
        unsigned char c = (unsigned char)v.p[i];
        if (c < 0x20 || c == 0x7f) ctl = true;
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c >= 0x80 ||
              strchr("._/\\+", c) || (c == '-' && i > 0)))
            plain = false;
    }
    if (plain) {
        buf_put(b, v.p, v.n);
    } else if (ctl) {
        buf_putc(b, '"');
        for (size_t i = 0; i < v.n; i++) {
            unsigned char c = (unsigned char)v.p[i];
            if (c == '"' || c == '\\') buf_printf(b, "\\%c", c);
            else if (c < 0x20 || c == 0x7f) buf_printf(b, "\\x%02x", c);
            else buf_putc(b, (char)c);
        }
        buf_putc(b, '"');
    } else {
        buf_putc(b, '\'');
        for (size_t i = 0; i < v.n; i++) {
            if (v.p[i] == '\'') buf_putc(b, '\'');
            buf_putc(b, v.p[i]);
        }
        buf_putc(b, '\'');
    }
}

/* ---------------------------------------------------------------------------
 * Matching findings
 * ------------------------------------------------------------------------- */

/* The text of row r's field id, as detect's CSV shows it (null: ""), into b. */
static pstr_t cell(buf_t *b, const record_t *r, uint32_t id) {
    buf_clear(b);
    val_fmt(b, rec_get(r, id));
    return pstr(b->p ? b->p : "", b->n);
}

/* Kuhn's augmenting path from expected finding j: ok[j * nrows + i] says
 * whether it may pair with row i; row_of/exp_of hold the pairs so far. */
static bool augment(size_t j, const bool *ok, size_t nrows, size_t *row_of, size_t *exp_of, bool *seen) {
    for (size_t i = 0; i < nrows; i++) {
        if (!ok[j * nrows + i] || seen[i]) continue;
        seen[i] = true;
        if (exp_of[i] == SIZE_MAX || augment(exp_of[i], ok, nrows, row_of, exp_of, seen)) {
            exp_of[i] = j;
            row_of[j] = i;
            return true;
        }
    }
    return false;
}

/* Append finding row as {col: value, ...} over columns cols[0..ncols). */
static void put_finding(buf_t *b, const record_t *row, const uint32_t *cols, uint32_t ncols, const ftab_t *ft,
                        buf_t *scratch) {
    buf_putc(b, '{');
    for (uint32_t c = 0; c < ncols; c++) {
        pstr_t name = ftab_name(ft, cols[c]);
        buf_printf(b, "%s%.*s: ", c ? ", " : "", (int)name.n, name.p);
        put_scalar(b, cell(scratch, row, cols[c]));
    }
    buf_putc(b, '}');
}

/* Compare findings t (of q, decorated) with test te's expectation; fills
 * res (PASS or FAIL with the diff). ids[j][k] is the field of want k of
 * expected finding j. */
static void compare(const rule_test_t *te, uint32_t *const *ids, const table_t *t, const ftab_t *ft,
                    ruletest_result_t *res) {
    size_t nrows = t->n, nexp = te->nexpect;
    bool *ok = xcalloc(nexp * nrows + 1, sizeof *ok);
    buf_t s = {0};
    for (size_t j = 0; j < nexp; j++)
        for (size_t i = 0; i < nrows; i++) {
            bool all = true;
            for (uint32_t k = 0; k < te->expect[j].n && all; k++)
                all = pstr_eq(cell(&s, &t->rows[i], ids[j][k]), pstr_c(te->expect[j].w[k].val));
            ok[j * nrows + i] = all;
        }
    size_t *row_of = xmalloc((nexp + 1) * sizeof *row_of), *exp_of = xmalloc((nrows + 1) * sizeof *exp_of);
    bool *seen = xmalloc(nrows + 1);
    for (size_t j = 0; j < nexp; j++) row_of[j] = SIZE_MAX;
    for (size_t i = 0; i < nrows; i++) exp_of[i] = SIZE_MAX;
    for (size_t j = 0; j < nexp; j++) {
        memset(seen, 0, nrows + 1);
        augment(j, ok, nrows, row_of, exp_of, seen);
    }
    /* The columns an unexpected finding shows: those the test names (in
     * order of appearance), or every column but the identity ones. */
    uint32_t *cols = xmalloc((t->ncols + 1) * sizeof *cols), ncols = 0;
    for (size_t j = 0; j < nexp; j++)
        for (uint32_t k = 0; k < te->expect[j].n; k++) {
            bool have = false;
            for (uint32_t c = 0; c < ncols && !have; c++) have = cols[c] == ids[j][k];
            if (!have && ncols < t->ncols) cols[ncols++] = ids[j][k];
        }
    if (!ncols)
        for (uint32_t c = 0; c < t->ncols; c++) {
            bool id = false;
            id = identity_col(ftab_name(ft, t->cols[c]));
            if (!id) cols[ncols++] = t->cols[c];
        }
    buf_t d = {0};
    for (size_t j = 0; j < nexp; j++) {
        if (row_of[j] != SIZE_MAX) continue;
        res->missing++;
        buf_puts(&d, "  expected but missing: {");
        for (uint32_t k = 0; k < te->expect[j].n; k++) {
            buf_printf(&d, "%s%s: ", k ? ", " : "", te->expect[j].w[k].col);
            put_scalar(&d, pstr_c(te->expect[j].w[k].val));
        }
        buf_puts(&d, "}\n");
    }
    for (size_t i = 0; i < nrows; i++) {
        if (exp_of[i] != SIZE_MAX) continue;
        res->unexpected++;
        buf_puts(&d, "  unexpected: ");
        put_finding(&d, &t->rows[i], cols, ncols, ft, &s);
        buf_putc(&d, '\n');
    }
    res->status = res->missing || res->unexpected ? RT_FAIL : RT_PASS;
    res->diff = d.p;
    free(cols);
    free(seen);
    free(row_of);
    free(exp_of);
    free(ok);
    buf_free(&s);
}

/* ---------------------------------------------------------------------------
 * Running one test
 * ------------------------------------------------------------------------- */

/* The folder of path (heap; "." when it has none). */
static char *dir_of(const char *path) {
    const char *sl = strrchr(path, '/');
    if (!sl) return xstrndup(".", 1);
    return xstrndup(path, sl == path ? 1 : (size_t)(sl - path));
}

/* Run test te of r: dir is the rule's folder (NULL: built in). */
static void run_test(rule_t *r, const char *dir, const rule_test_t *te, ruletest_result_t *res) {
    memset(res, 0, sizeof *res);
    /* The rule's tunings as they are, plus the test's. */
    bool *was = xcalloc(r->ntunings + 1, sizeof *was);
    for (uint32_t k = 0; k < r->ntunings; k++) was[k] = r->tunings[k].enabled;
    for (uint32_t i = 0; i < te->tune.n; i++) {
        uint32_t k = 0;
        while (k < r->ntunings && strcmp(r->tunings[k].name, te->tune.v[i])) k++;
        if (k == r->ntunings) {
            test_error(r, te, te->tune_sp, res, "the rule has no tuning '%s'", te->tune.v[i]);
            free(was);
            return;
        }
        r->tunings[k].enabled = true;
    }
    char *text = rule_tuned_query(r);
    for (uint32_t k = 0; k < r->ntunings; k++) r->tunings[k].enabled = was[k];
    free(was);
    bool tuned = strcmp(text, r->query) != 0;
    diag_t dg;
    query_t *q = ruleset_compile(tuned ? "query (tuned)" : r->path, text, strlen(text),
                                 tuned ? 0 : r->query_line - 1, false, true, false, &r->lint_ignore, &dg);
    if (!q) {
        test_error(r, te, te->sp, res, "the rule's query does not compile");
        diag_free(&dg);
        free(text);
        return;
    }
    ruleset_name_sources(q);

    /* Inputs: the inline records in memory, or the files. */
    in_opts_t io = {.category = te->category};
    in_mem_t mem = {.name = RT_RECORDS_NAME, .p = te->records, .n = te->records ? strlen(te->records) : 0};
    char **paths = NULL;
    uint32_t npaths = 0;
    if (te->records) {
        io.mem = &mem;
        io.nmem = 1;
    } else if (!dir) {
        test_error(r, te, te->files_sp, res,
                   "a built-in rule's test cannot read files: run postern test on the rule file");
    } else {
        paths = xcalloc(te->files.n + 1, sizeof *paths);
        for (; npaths < te->files.n; npaths++) {
            const char *f = te->files.v[npaths];
            buf_t b = {0};
            if (f[0] == '/' || !strcmp(dir, ".")) buf_puts(&b, f);
            else buf_printf(&b, "%s/%s", dir, f);
            paths[npaths] = b.p;
        }
    }
    table_t t;
    table_init(&t);
    if (res->status != RT_ERROR) {
        in_stats_t st = {0};
        exec_opts_t eo = {.lookup_dir = dir, .now_ms = (int64_t)time(NULL) * 1000, .threads = 1};
        int rc = exec_run(q, (const char *const *)paths, (int)npaths, &io, &eo, &t, &st);
        if (rc == IN_PARTIAL)
            test_error(r, te, te->files_sp, res, "its input could not be (wholly) read (said above)");
        else if (rc != 0)
            test_error(r, te, te->sp, res, "the run failed (said above)");
        else if (st.records == 0)
            test_error(r, te, te->records ? te->records_sp : te->files_sp, res, "its input holds no record");
    }
    uint32_t **ids = xcalloc(te->nexpect + 1, sizeof *ids);
    if (res->status != RT_ERROR) {
        ruleset_decorate(r, q, &t);
        /* Every column an expected finding names must be one of the findings'. */
        for (uint32_t j = 0; j < te->nexpect && res->status != RT_ERROR; j++) {
            ids[j] = xcalloc(te->expect[j].n + 1, sizeof *ids[j]);
            for (uint32_t k = 0; k < te->expect[j].n && res->status != RT_ERROR; k++) {
                const rule_want_t *w = &te->expect[j].w[k];
                uint32_t id = ftab_find(&q->ft, pstr_c(w->col));
                if (id != FIELD_NONE && table_has_col(&t, id)) {
                    ids[j][k] = id;
                    continue;
                }
                buf_t cs = {0};
                for (uint32_t c = 0; c < t.ncols; c++) {
                    pstr_t nm = ftab_name(&q->ft, t.cols[c]);
                    buf_printf(&cs, "%s%.*s", c ? ", " : "", (int)nm.n, nm.p);
                }
                test_error(r, te, w->sp, res, "the findings have no column '%s' (they have: %s)", w->col,
                           cs.p ? cs.p : "none");
                buf_free(&cs);
            }
        }
    }
    if (res->status != RT_ERROR) compare(te, ids, &t, &q->ft, res);
    for (uint32_t j = 0; j < te->nexpect; j++) free(ids[j]);
    free(ids);
    table_free(&t);
    for (uint32_t i = 0; i < npaths; i++) free(paths[i]);
    free(paths);
    query_free(q);
    diag_free(&dg);
    free(text);
}

/* See ruletest.h. */
unsigned ruletest_run(rule_t *r, bool builtin, ruletest_result_t *res) {
    char *dir = builtin ? NULL : dir_of(r->path);
    unsigned errors = 0;
    for (uint32_t i = 0; i < r->ntests; i++) {
        run_test(r, dir, &r->tests[i], &res[i]);
        errors += res[i].status == RT_ERROR;
    }
    free(dir);
    return errors;
}

/* See ruletest.h. */
void ruletest_results_free(ruletest_result_t *res, uint32_t n) {
    for (uint32_t i = 0; i < n; i++) {
        free(res[i].diff);
        res[i].diff = NULL;
    }
}

/* See ruletest.h. */
unsigned ruletest_lint(rule_t *r, FILE *f) {
    if (!r->ntests) return 0;
    ruletest_result_t *res = xcalloc(r->ntests, sizeof *res);
    ruletest_run(r, false, res);
    unsigned bad = 0;
    diag_t d;
    diag_init(&d, r->path, r->text ? r->text : "", r->text ? strlen(r->text) : 0);
    for (uint32_t i = 0; i < r->ntests; i++) {
        if (res[i].status != RT_FAIL) {
            bad += res[i].status == RT_ERROR; /* said by ruletest_run */
            continue;
        }
        bad++;
        span_t sp = r->tests[i].sp;
        diag_add(&d, D_ERROR, (span_t){sp.off, 1}, "rule-test", "test '%s' fails: %u expected finding%s missing, %u unexpected",
                 r->tests[i].name, res[i].missing, res[i].missing == 1 ? "" : "s", res[i].unexpected);
        diag_print_one(&d, &d.m[d.n - 1], f);
        fputs(res[i].diff ? res[i].diff : "", f);
    }
    diag_free(&d);
    if (bad) fprintf(f, "%s: %u of %u tests failed\n", r->path, bad, r->ntests);
    else fprintf(f, "%s: %u tests passed\n", r->path, r->ntests);
    ruletest_results_free(res, r->ntests);
    free(res);
    return bad;
}

/* ---------------------------------------------------------------------------
 * postern test
 * ------------------------------------------------------------------------- */

static const char usage_test_head[] =
    "usage: postern test [--junit FILE] [RULE.yml | DIR]...\n"
    "\n"
    "Run the tests rules carry (their `tests:` list): each test's records go through\n"
    "the rule as `postern detect` runs it, and its findings are compared with the\n"
    "expected ones on the columns those name. One line per test, PASS or FAIL (with\n"
    "the findings expected but missing and the unexpected ones), then `N passed, N failed`.\n"
    "A DIR runs every *.yml and *.yaml rule in it; no argument runs the built-in rules\n"
    "(those `postern detect` runs without --rule).\n"
    "\n";

static const char usage_test_tail[] =
    "\n"
    "exit status: 0 every test passed, 1 a test failed, 2 usage or rule error (a rule\n"
    "that does not load, a test that cannot run, no test at all)\n";

/* Append s to b escaped for XML text and attributes: the five entities,
 * control characters and malformed UTF-8 as U+FFFD. */
static void xml_put(buf_t *b, const char *s) {
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        unsigned char c = *p;
        if (c == '&') buf_puts(b, "&amp;");
        else if (c == '<') buf_puts(b, "&lt;");
        else if (c == '>') buf_puts(b, "&gt;");
        else if (c == '"') buf_puts(b, "&quot;");
        else if (c == '\'') buf_puts(b, "&apos;");
        else if (c == '\n' || c == '\t') buf_putc(b, (char)c);
        else if (c < 0x20 || c == 0x7f) buf_puts(b, "\xEF\xBF\xBD");
        else if (c < 0x80) buf_putc(b, (char)c);
        else {
            /* a well-formed UTF-8 sequence (no overlong forms, surrogates or
             * code points past U+10FFFF) is copied, anything else replaced */
            size_t n = c >= 0xF0 && c <= 0xF4 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 && c <= 0xDF ? 2 : 0;
            bool good = n > 0;
            for (size_t k = 1; good && k < n; k++) good = (p[k] & 0xC0) == 0x80;
            if (good && n == 3) good = !(c == 0xE0 && p[1] < 0xA0) && !(c == 0xED && p[1] >= 0xA0);
            if (good && n == 4) good = !(c == 0xF0 && p[1] < 0x90) && !(c == 0xF4 && p[1] >= 0x90);
            if (good) {
                buf_put(b, p, n);
                p += n;
                continue;
            }
            buf_puts(b, "\xEF\xBF\xBD");
        }
        p++;
    }
}

/* One loaded rule and its results. */
typedef struct rt_rule {
    rule_t r;
    bool builtin;
    ruletest_result_t *res;
} rt_rule_t;

/* Append rule x's testsuite to the JUnit report b. */
static void junit_suite(buf_t *b, const rt_rule_t *x) {
    unsigned fail = 0, err = 0;
    for (uint32_t i = 0; i < x->r.ntests; i++) {
        fail += x->res[i].status == RT_FAIL;
        err += x->res[i].status == RT_ERROR;
    }
    buf_puts(b, "  <testsuite name=\"");
    xml_put(b, x->r.id);
    buf_printf(b, "\" tests=\"%u\" failures=\"%u\" errors=\"%u\" skipped=\"0\" file=\"", x->r.ntests, fail, err);
    xml_put(b, x->r.path);
    buf_puts(b, "\">\n");
    diag_t d;
    diag_init(&d, x->r.path, x->r.text ? x->r.text : "", x->r.text ? strlen(x->r.text) : 0);
    for (uint32_t i = 0; i < x->r.ntests; i++) {
        const ruletest_result_t *res = &x->res[i];
        uint32_t line, col;
        diag_linecol(&d, x->r.tests[i].sp.off, &line, &col);
        buf_puts(b, "    <testcase name=\"");
        xml_put(b, x->r.tests[i].name);
        buf_puts(b, "\" classname=\"");
        xml_put(b, x->r.id);
        buf_puts(b, "\" file=\"");
        xml_put(b, x->r.path);
        buf_printf(b, "\" line=\"%u\"", line);
        if (res->status == RT_PASS) {
            buf_puts(b, "/>\n");
            continue;
        }
        if (res->status == RT_FAIL) {
            buf_printf(b, ">\n      <failure type=\"findings\" message=\"%u expected finding%s missing, %u unexpected\">",
                       res->missing, res->missing == 1 ? "" : "s", res->unexpected);
            xml_put(b, res->diff ? res->diff : "");
            buf_puts(b, "</failure>\n");
        } else {
            buf_puts(b, ">\n      <error type=\"rule\" message=\"");
            xml_put(b, res->diff ? res->diff : "");
            buf_puts(b, "\"/>\n");
        }
        buf_puts(b, "    </testcase>\n");
    }
    diag_free(&d);
    buf_puts(b, "  </testsuite>\n");
}

/* Write the JUnit report of rules x[0..n) to path. Returns 0, or -1 (said). */
static int junit_write(const char *path, const rt_rule_t *x, int n, unsigned pass, unsigned fail, unsigned err) {
    buf_t b = {0};
    buf_printf(&b,
               "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
               "<testsuites name=\"postern test\" tests=\"%u\" failures=\"%u\" errors=\"%u\">\n",
               pass + fail + err, fail, err);
    for (int i = 0; i < n; i++)
        if (x[i].r.ntests) junit_suite(&b, &x[i]);
    buf_puts(&b, "</testsuites>\n");
    FILE *f = fopen(path, "wb");
    bool ok = f && fwrite(b.p, 1, b.n, f) == b.n;
    int e = errno;
    if (f && fclose(f) != 0 && ok) {
        ok = false;
        e = errno;
    }
    if (!ok) fprintf(stderr, "postern test: %s: %s\n", path, strerror(e));
    buf_free(&b);
    return ok ? 0 : -1;
}

/* Load the rules named by arg (a file, a folder, or NULL: the built-in
 * ones) onto *x (*n of them, *cap allocated). Returns 0, or -1 when a rule
 * did not load (said). */
static int load_arg(const char *arg, rt_rule_t **x, int *n, int *cap) {
    struct stat sb;
    rule_t *rs = NULL;
    int k = 0, rc;
    if (!arg) {
        rc = ruleset_load(NULL, 0, NULL, &rs, &k);
    } else if (stat(arg, &sb) == 0 && S_ISDIR(sb.st_mode)) {
        rc = ruleset_load(NULL, 0, arg, &rs, &k);
    } else {
        const char *files[1] = {arg};
        rc = ruleset_load(files, 1, NULL, &rs, &k);
    }
    for (int i = 0; i < k; i++) {
        if (*n == *cap) {
            *cap = *cap ? *cap * 2 : 8;
            *x = xrealloc(*x, (size_t)*cap * sizeof **x);
        }
        (*x)[(*n)++] = (rt_rule_t){.r = rs[i], .builtin = !arg};
    }
    free(rs);
    return rc;
}

/* See ruletest.h. */
int ruletest_cmd(int argc, char **argv) {
    cli_args_t a;
    int rc = cli_parse(CLI_TEST, argc, argv, usage_test_head, usage_test_tail, &a);
    if (rc) {
        cli_free(&a);
        return rc == 1 ? 0 : 2;
    }
    const char *junit = cli_last(&a, OPT_JUNIT);
    if (cli_output_begin(CLI_TEST, cli_last(&a, OPT_OUTPUT), false) != 0) {
        cli_free(&a);
        return 2;
    }
    const char **args = a.pos;
    int nargs = a.npos;
    rt_rule_t *x = NULL;
    int n = 0, cap = 0;
    bool bad = false;
    if (!nargs) bad |= load_arg(NULL, &x, &n, &cap) != 0;
    for (int i = 0; i < nargs; i++) bad |= load_arg(args[i], &x, &n, &cap) != 0;
    cli_free(&a);
    unsigned pass = 0, fail = 0, err = 0;
    for (int i = 0; i < n; i++) {
        rule_t *r = &x[i].r;
        x[i].res = xcalloc(r->ntests + 1, sizeof *x[i].res);
        if (!r->ntests) {
            fprintf(stderr, "postern test: %s: the rule has no tests\n", r->path);
            continue;
        }
        ruletest_run(r, x[i].builtin, x[i].res);
        for (uint32_t k = 0; k < r->ntests; k++) {
            const ruletest_result_t *res = &x[i].res[k];
            static const char *const word[] = {"PASS", "FAIL", "ERROR"};
            printf("%s %s: %s\n", word[res->status], r->id, r->tests[k].name);
            if (res->status == RT_FAIL) fputs(res->diff ? res->diff : "", stdout);
            pass += res->status == RT_PASS;
            fail += res->status == RT_FAIL;
            err += res->status == RT_ERROR;
        }
    }
    if (err) printf("%u passed, %u failed, %u error%s\n", pass, fail, err, err == 1 ? "" : "s");
    else printf("%u passed, %u failed\n", pass, fail);
    fflush(stdout);
    cli_output_complete(); /* the report, errors included: kept with -o at status 2 too */
    if (!bad && pass + fail + err == 0) {
        fputs("postern test: no tests to run\n", stderr);
        bad = true;
    }
    if (junit && junit_write(junit, x, n, pass, fail, err) != 0) bad = true;
    for (int i = 0; i < n; i++) {
        ruletest_results_free(x[i].res, x[i].r.ntests);
        free(x[i].res);
        rule_free(&x[i].r);
    }
    free(x);
    return cli_output_end(bad || err ? 2 : fail ? 1 : 0);
}
