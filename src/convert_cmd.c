/* convert_cmd.c — the `postern convert` command: its options, the query
 * from the command line, a file or a rule (as `postern detect` runs it,
 * tunings applied), the rule's metadata as SQL comments, and the errors.
 * The conversion itself is convert.c's (convert.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "convert.h"
#include "rule.h"
#include "ruleset.h"
#include "stream.h"

static const char usage_convert_head[] =
    "usage: postern convert --to TARGET [--table NAME] QUERY\n"
    "       postern convert --to TARGET [--table NAME] -q QUERYFILE\n"
    "       postern convert --to TARGET [--table NAME] --rule RULE.yml [--tune NAME]...\n"
    "       postern convert --to sigma [--window D] QUERY | -q FILE | --rule RULE.yml\n"
    "\n"
    "Print the query as one SQL statement (or KQL query) for another engine: the same result columns,\n"
    "in the same order, as `postern query` of the query gives. The statement reads one\n"
    "table (default logs) whose columns are postern's field names, _messageTime as epoch\n"
    "milliseconds (BIGINT; long in KQL), every other field text (NULL when absent; \"\" in KQL): docs/convert.md.\n"
    "A construct the target cannot express exactly is an error naming it (exit 2).\n"
    "--to sigma prints a Sigma detection rule, and a correlation rule for a count's\n"
    "threshold, in one YAML stream (docs/convert.md, \"Sigma\").\n"
    "\n";

static const char usage_convert_tail[] =
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
    const char *tunes[16], *outpath = NULL;
    int ntunes = 0;
    int64_t window_ms = 0;
    cli_args_t args;
    int prc = cli_parse(CLI_CONVERT, argc, argv, usage_convert_head, usage_convert_tail, &args);
    for (int i = 0; i < args.nitems && !prc; i++) {
        const char *v = args.items[i].val;
        switch (args.items[i].id) {
        case OPT_TO_TARGET: to = v; break;
        case OPT_TABLE: table = v; break;
        case OPT_QUERY_FILE: qfile = v; break;
        case OPT_RULE: rfile = v; break;
        case OPT_OUTPUT: outpath = v; break;
        case OPT_WINDOW:
            if (stream_parse_duration(v, &window_ms) != 0 || window_ms <= 0) {
                fprintf(stderr, "postern convert: --window wants a duration such as 15m, 90s or 1h, not '%s'\n", v);
                prc = 2;
            }
            break;
        case OPT_TUNE:
            if (ntunes == 16) {
                fputs("postern convert: at most 16 --tune\n", stderr);
                prc = 2;
            } else {
                tunes[ntunes++] = v;
            }
            break;
        default: break; /* (cli.c gives convert's options only) */
        }
    }
    if (args.npos) qtext = args.pos[0];
    cli_free(&args);
    if (prc) return prc == 1 ? 0 : 2;
    const cv_dialect_t *D = to ? cv_dialect(to) : NULL;
    if (!D) {
        fprintf(stderr, "postern convert: --to %s is needed\n", cv_dialect_names());
        fputs("(postern convert --help shows the options)\n", stderr);
        return 2;
    }
    if (!*table) {
        fputs("postern convert: --table needs a name\n", stderr);
        return 2;
    }
    if ((qtext != NULL) + (qfile != NULL) + (rfile != NULL) != 1) {
        fputs("postern convert: give one of QUERY, -q FILE, --rule FILE\n", stderr);
        fputs("(postern convert --help shows the options)\n", stderr);
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
        cv_opts_t o = {.to = D, .table = table, .header = header.p, .rule = have_rule ? &ru : NULL, .window_ms = window_ms};
        if (cv_convert(q, &o, &out, &d)) {
            if (cli_output_begin(CLI_CONVERT, outpath, false) == 0) {
                fwrite(out.p, 1, out.n, stdout);
                status = cli_output_end(fflush(stdout) == 0 ? 0 : 2);
            }
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
