/* convert_cmd.c — the `postern convert` command: its options, the query
 * from the command line, a file or a rule (as `postern detect` runs it,
 * tunings applied), the rule's metadata as SQL comments, and the errors.
 * The conversion itself is convert.c's (convert.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "convert.h"
#include "rule.h"
#include "ruleset.h"

static const char usage_convert[] =
    "usage: postern convert --to TARGET [--table NAME] QUERY\n"
    "       postern convert --to TARGET [--table NAME] -q QUERYFILE\n"
    "       postern convert --to TARGET [--table NAME] --rule RULE.yml [--tune NAME]...\n"
    "\n"
    "Print the query as one SQL statement (or KQL query) for another engine: the same result columns,\n"
    "in the same order, as `postern query` of the query gives. The statement reads one\n"
    "table (default logs) whose columns are postern's field names, _messageTime as epoch\n"
    "milliseconds (BIGINT; long in KQL), every other field text (NULL when absent; \"\" in KQL): docs/convert.md.\n"
    "A construct the target cannot express exactly is an error naming it (exit 2).\n"
    "\n"
    "options:\n"
    "  --to TARGET             duckdb, postgres, clickhouse, spark or kql\n"
    "  --table NAME            the input table (default: logs)\n"
    "  -q, --query-file FILE   read the query from FILE\n"
    "  --rule FILE             a rule file: its query as `postern detect` runs it (enabled\n"
    "                          tunings applied), its id, title, MITRE and severities as comments\n"
    "  --tune NAME             with --rule: switch on the rule's tuning step NAME (allowlist)\n"
    "  -h, --help              this help\n"
    "\n"
    "exit status: 0 ok, 2 usage, query error or a construct the target cannot express\n";

/* The whole of path (heap, NUL-terminated), or NULL with a message. */
static char *slurp(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "postern convert: %s: %s\n", path, strerror(errno));
        return NULL;
    }
    buf_t b = {0};
    bool err = !buf_read(&b, f);
    fclose(f);
    if (err) {
        fprintf(stderr, "postern convert: %s: read error\n", path);
        buf_free(&b);
        return NULL;
    }
    buf_putc(&b, 0);
    *len = b.n - 1;
    return b.p;
}

/* The rule's metadata as comment text (one item a line). */
static void rule_header(const rule_t *r, buf_t *h) {
    buf_printf(h, "rule %s: %s\n", r->id ? r->id : "?", r->title ? r->title : "");
    if (r->technique_id)
        buf_printf(h, "MITRE ATT&CK %s %s%s%s (%s %s)\n", r->subtechnique_id ? r->subtechnique_id : r->technique_id,
                   r->technique ? r->technique : "", r->subtechnique ? ": " : "", r->subtechnique ? r->subtechnique : "",
                   r->tactic_id ? r->tactic_id : "", r->tactic ? r->tactic : "");
    if (r->severity_field) {
        buf_printf(h, "severity: the %s column", r->severity_field);
        for (uint32_t i = 0; i < r->nsevs; i++) buf_printf(h, "%s %s=%d", i ? "," : "", r->sevs[i].name, r->sevs[i].score);
        if (r->default_severity) buf_printf(h, " (default %s)", r->default_severity);
        buf_putc(h, '\n');
    }
    if (r->status) buf_printf(h, "status: %s\n", r->status);
}

/* See convert.h. */
int cv_main(int argc, char **argv) {
    const char *to = NULL, *table = "logs", *qfile = NULL, *rfile = NULL, *qtext = NULL;
    const char *tunes[16];
    int ntunes = 0;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        bool more = i + 1 < argc;
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            fputs(usage_convert, stdout);
            return 0;
        } else if (strcmp(a, "--to") == 0 && more) to = argv[++i];
        else if (strcmp(a, "--table") == 0 && more) table = argv[++i];
        else if ((strcmp(a, "-q") == 0 || strcmp(a, "--query-file") == 0) && more) qfile = argv[++i];
        else if (strcmp(a, "--rule") == 0 && more) rfile = argv[++i];
        else if (strcmp(a, "--tune") == 0 && more) {
            if (ntunes == 16) {
                fputs("postern convert: at most 16 --tune\n", stderr);
                return 2;
            }
            tunes[ntunes++] = argv[++i];
        }
        else if (a[0] == '-' && a[1]) {
            fprintf(stderr, "postern convert: unknown option or missing value '%s'\n", a);
            fputs(usage_convert, stderr);
            return 2;
        } else if (!qtext) qtext = a;
        else {
            fprintf(stderr, "postern convert: unexpected argument '%s' (one query)\n", a);
            return 2;
        }
    }
    const cv_dialect_t *D = to ? cv_dialect(to) : NULL;
    if (!D) {
        fprintf(stderr, "postern convert: --to %s is needed\n", cv_dialect_names());
        fputs(usage_convert, stderr);
        return 2;
    }
    if (!*table) {
        fputs("postern convert: --table needs a name\n", stderr);
        return 2;
    }
    if ((qtext != NULL) + (qfile != NULL) + (rfile != NULL) != 1) {
        fputs("postern convert: give one of QUERY, -q FILE, --rule FILE\n", stderr);
        fputs(usage_convert, stderr);
        return 2;
    }
    if (ntunes && !rfile) {
        fputs("postern convert: --tune needs --rule\n", stderr);
        return 2;
    }
    char *text = NULL;
    size_t len = 0;
    const char *name = "query";
    uint32_t line0 = 0;
    rule_t ru;
    bool have_rule = false;
    buf_t header = {0};
    if (rfile) {
        diag_t d = {0};
        int rc = rule_load_file(rfile, &ru, &d);
        diag_print(&d, stderr, D_WARNING);
        diag_free(&d);
        if (rc != 0) {
            rule_free(&ru);
            return 2;
        }
        have_rule = true;
        ruleset_tune(&ru, 1, tunes, ntunes);
        text = rule_tuned_query(&ru);
        len = strlen(text);
        name = ru.path;
        /* A tuning adds text before the query's: positions then count in the tuned text. */
        if (strcmp(text, ru.query) == 0) line0 = ru.query_line - 1;
        rule_header(&ru, &header);
    } else if (qfile) {
        text = slurp(qfile, &len);
        name = qfile;
        if (!text) return 2;
    } else {
        len = strlen(qtext);
        text = malloc(len + 1);
        if (!text) abort();
        memcpy(text, qtext, len + 1);
    }
    diag_t d;
    query_t *q = ruleset_compile(name, text, len, line0, false, true, false, NULL, &d);
    int status = 2;
    if (q) {
        buf_t out = {0};
        cv_opts_t o = {.to = D, .table = table, .header = header.p};
        if (cv_convert(q, &o, &out, &d)) {
            fwrite(out.p, 1, out.n, stdout);
            status = fflush(stdout) == 0 ? 0 : 2;
        } else diag_print(&d, stderr, D_ERROR);
        buf_free(&out);
        query_free(q);
    }
    diag_free(&d);
    buf_free(&header);
    free(text);
    if (have_rule) rule_free(&ru);
    return status;
}
