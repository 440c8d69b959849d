/* cli.c — every command's options in one table, and the parser it drives.
 *
 * The first stage of every command: argv becomes a list of (option, value)
 * items and positional arguments, with one uniform message for an unknown
 * option (a "did you mean" when one is close), a missing value or a value
 * given to a flag. The same table prints --help's option list and
 * `postern --dump-options`, which tests/cases/man_options.test compares
 * with man/postern.1, so parser, help and man page cannot disagree. -o FILE
 * (cli_output_begin/end) is here too: every command that writes results
 * takes it the same way.
 */
#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "input.h"

/* Command names. ORDER CMD */
static const char *const cmd_names[CLI_NCMDS] = {"query",  "detect", "lint",     "convert", "formats",
                                                  "sensor", "watch",  "validate", "test"};

/* The positional arguments each command takes at most (-1: any). ORDER CMD */
static const int cmd_max_pos[CLI_NCMDS] = {-1, -1, -1, 1, -1, 0, 0, 0, -1};

#define C(x) (1u << CLI_##x)
#define C_RUN (C(QUERY) | C(DETECT))   /* the commands that read logs in batch */
#define C_ALL ((1u << CLI_NCMDS) - 1)

/* One row: an option as some commands take it. */
typedef struct cli_row {
    cli_opt_t id;        /* its meaning */
    char short_name;     /* 'q' for -q, or 0 */
    const char *name;    /* long name without the dashes */
    const char *arg;     /* the value's name in help (FILE), or NULL for a flag */
    unsigned cmds;       /* the commands that take it with this help (C(...) bits) */
    const char *help;    /* help text; a \n starts a continuation line */
} cli_row_t;

/* Every option of every command, in --help's order. A name may have one
 * row per meaning or help text, but at most one row per command. */
static const cli_row_t rows[] = {
    {OPT_RULE, 0, "rule", "FILE", C(DETECT) | C(WATCH), "run this rule file (repeatable; default: the shipped rules)"},
    {OPT_RULE, 0, "rule", "FILE", C(LINT), "lint a rule file's query and run its tests (a failing test\nis an error)"},
    {OPT_RULE, 0, "rule", "FILE", C(VALIDATE), "validate this rule file instead of the shipped rules"},
    {OPT_RULE, 0, "rule", "FILE", C(CONVERT),
     "a rule file: its query as `postern detect` runs it (enabled\ntunings applied), its id, title, MITRE and "
     "severities as comments"},
    {OPT_RULES, 0, "rules", "DIR", C(DETECT) | C(WATCH), "run every *.yml rule in DIR"},
    {OPT_TUNE, 0, "tune", "NAME", C(DETECT) | C(WATCH), "switch on a rule's tuning step (e.g. allowlist)"},
    {OPT_TUNE, 0, "tune", "NAME", C(CONVERT), "with --rule: switch on the rule's tuning step NAME (allowlist)"},
    {OPT_TO_TARGET, 0, "to", "TARGET", C(CONVERT), "duckdb, postgres, clickhouse, spark, kql or sigma"},
    {OPT_TABLE, 0, "table", "NAME", C(CONVERT), "the input table (default: logs)"},
    {OPT_QUERY_FILE, 'q', "query-file", "FILE", C(QUERY) | C(LINT) | C(CONVERT), "read the query from FILE"},
    {OPT_FAIL_ON_FINDINGS, 0, "fail-on-findings", NULL, C(DETECT) | C(WATCH),
     "exit with status 1 when anything is found"},
    {OPT_MIN_LEVEL, 0, "min-level", "LEVEL", C(DETECT) | C(WATCH),
     "only findings and signals of severity LEVEL or above: low,\nmedium, high or critical"},
    {OPT_OUTPUT, 'o', "output", "FILE", C_RUN | C(CONVERT) | C(TEST) | C(FORMATS) | C(VALIDATE),
     "write the results to FILE (through FILE.tmp, renamed once\ncomplete; with --follow written as they come)"},
    {OPT_OUTPUT, 'o', "output", "FILE", C(SENSOR), "write records to FILE as they come (default stdout)"},
    {OPT_OUTPUT, 'o', "output", "FILE", C(WATCH), "write the signals to FILE as they come (default stdout)"},
    {OPT_FORMAT, 0, "format", "FMT", C_RUN, "table, csv, json or ndjson (default: table on a TTY, else csv)"},
    {OPT_CRLF, 0, "crlf", NULL, C_RUN, "CSV lines end in CRLF (RFC 4180) instead of LF"},
    {OPT_WIDE, 0, "wide", NULL, C_RUN, "table: every cell whole, not fitted to COLUMNS or the terminal"},
    {OPT_COLOR, 0, "color", "WHEN", C_RUN,
     "table colours (rows by severity): auto (default: on a terminal,\nunless NO_COLOR is set), never or always"},
    {OPT_TIME_FORMAT, 0, "time-format", "TF", C_RUN,
     "how _messageTime and other times are written: epoch (ms),\niso (ISO 8601 UTC, ms) or local (ISO 8601, local "
     "zone);\ndefault: iso in the table, epoch in CSV and JSON"},
    {OPT_INPUT_FORMAT, 0, "input-format", "FMT", C_RUN, "auto (default) or a reader from `postern formats`"},
    {OPT_CATEGORY, 0, "category", "CAT", C_RUN, "_sourceCategory for records that have none"},
    {OPT_CATEGORY, 0, "category", "CAT", C(SENSOR) | C(WATCH),
     "_sourceCategory of the records (default endpoint/linux/sensor/network)"},
    {OPT_LOOKUP_DIR, 0, "lookup-dir", "DIR", C_RUN, "where lookup path://\"...\" tables are found"},
    {OPT_FROM, 0, "from", "TIME", C_RUN,
     "only records with _messageTime >= TIME: ISO 8601, epoch s/ms,\nnow, or -15m/-2h/-7d from now "
     "(queryStartTime() and\ntimeslice N buckets use it; default: the data's)"},
    {OPT_TO, 0, "to", "TIME", C_RUN, "only records with _messageTime < TIME (as --from)"},
    {OPT_LOOKUP_MAP, 0, "lookup-map", "SOURCE=FILE", C_RUN,
     "read lookup source SOURCE (a path, https://... URL,\nsumo://threat/cs, ...) from CSV FILE; a SOURCE ending in "
     "/\nmaps every source under it into directory FILE (repeatable)"},
    {OPT_GEO_DB, 0, "geo-db", "FILE", C_RUN, "MaxMind City database for geo://location and geoip"},
    {OPT_ASN_DB, 0, "asn-db", "FILE", C_RUN, "MaxMind ASN database for asn://default"},
    {OPT_STRICT, 0, "strict", NULL, C(QUERY) | C(LINT), "warnings become errors (dcount, quoted-regex matches, ...)"},
    {OPT_STRICT, 0, "strict", NULL, C(DETECT), "warnings become errors (also a rule that saw nothing: exit 2)"},
    {OPT_STATS, 0, "stats", NULL, C_RUN, "print records read / in scope / rejected to stderr"},
    {OPT_STATS, 0, "stats", NULL, C(WATCH), "print the stream's counters on stderr at exit"},
    {OPT_THREADS, 'j', "threads", "N", C_RUN, "read large files with N threads (default: one per core)"},
    {OPT_MAX_MEMORY, 0, "max-memory", "SIZE", C_RUN,
     "memory an aggregate's groups or a full sort's rows may hold (512M,\n4G, ...; default: half of physical memory); "
     "past it the query stops\n(exit 2)"},
    {OPT_NO_PREFILTER, 0, "no-prefilter", NULL, C_RUN,
     "parse every record (no early tests on raw bytes; for checking)"},
    {OPT_NO_STREAM, 0, "no-stream", NULL, C(QUERY),
     "hold every row until the end, even without a blocking stage\nor after an aggregate (columns from all rows; for "
     "checking)"},
    {OPT_FOLLOW_SYMLINKS, 0, "follow-symlinks", NULL, C_RUN,
     "follow symbolic links found in directories (each file and\ndirectory read once); without it they are skipped, "
     "said"},
    {OPT_QUIET, 0, "quiet", NULL, C(QUERY), "no warnings, malformed-record reports or progress bar"},
    {OPT_QUIET, 0, "quiet", NULL, C(DETECT),
     "no summary lines, warnings or malformed-record reports (a rule\nthat saw nothing is still said)"},
    {OPT_QUIET, 0, "quiet", NULL, C(WATCH), "no start-up lines, nor the rules' summary lines at exit"},
    {OPT_AST, 0, "ast", NULL, C(LINT), "also print the parsed query"},
    {OPT_FOLLOW, 0, "follow", NULL, C(DETECT),
     "keep reading FILE as it grows (like tail -F; reopened when\nrotated) or stdin until EOF; print each signal as "
     "one NDJSON\nline the moment a group passes the rule's condition"},
    {OPT_WINDOW, 0, "window", "D", C(DETECT) | C(WATCH),
     "tumbling window of _messageTime for aggregates (default 15m;\nunits ms, s, m, h, d)"},
    {OPT_WINDOW, 0, "window", "D", C(VALIDATE), "the stream's window (default 15m, as watch)"},
    {OPT_WINDOW, 0, "window", "D", C(CONVERT),
     "sigma: the correlation's timespan, as detect --follow's window\n(default 15m; units s, m, h, d)"},
    {OPT_LATENESS, 0, "lateness", "D", C(DETECT) | C(WATCH),
     "accept records up to D older than the newest one (default 1m);\nolder records whose window has closed are "
     "dropped and counted"},
    {OPT_MAX_GROUPS, 0, "max-groups", "N", C(DETECT) | C(WATCH),
     "live groups per rule over its open windows (default 100000)"},
    {OPT_RECORDS, 0, "records", "FILE", C(WATCH), "also write every sensor record (close records too) to FILE"},
    {OPT_HTML, 0, "html", "FILE", C(DETECT),
     "also write a self-contained HTML report to FILE: summary,\nfindings by severity and rule, a timeline per finding\n(with --follow: the signals, when the stream ends)"},
    {OPT_HTML, 0, "html", "FILE", C(WATCH), "at exit, write the signals as an HTML report (postern detect --html)"},
    {OPT_DURATION, 0, "duration", "S", C(SENSOR) | C(WATCH), "stop after S seconds (default: until SIGINT/SIGTERM)"},
    {OPT_USER, 0, "user", "NAME", C(SENSOR) | C(WATCH), "once started, run as user NAME (and its primary group)"},
    {OPT_POLL, 0, "poll", NULL, C(SENSOR) | C(WATCH),
     "sock_diag polling instead of eBPF (misses short connections)"},
    {OPT_CHECK, 0, "check", NULL, C(SENSOR), "load and attach the eBPF program, report, exit (0 works, 2 not)"},
    {OPT_DETECT, 0, "detect", NULL, C(FORMATS), "print the format auto-detection picks for each FILE"},
    {OPT_TEST, 0, "test", "N", C(VALIDATE), "run only test N (1, 2 or 3)"},
    {OPT_JUNIT, 0, "junit", "FILE", C(TEST), "also write a JUnit XML report to FILE (a testsuite per rule)"},
    {OPT_HELP, 'h', "help", NULL, C_ALL, "this help"},
};
#define NROWS (sizeof rows / sizeof rows[0])

/* Options that exclude each other, per command. */
static const struct {
    unsigned cmds;        /* where */
    cli_opt_t a, b;       /* the two options */
    const char *why;      /* said after the names */
} conflicts[] = {
    {C(LINT) | C(CONVERT), OPT_QUERY_FILE, OPT_RULE, "one query: from FILE or from the rule"},
    {C(DETECT), OPT_FOLLOW, OPT_FROM, "--follow reads records as they come"},
    {C(DETECT), OPT_FOLLOW, OPT_TO, "--follow reads records as they come"},
    {C(DETECT), OPT_FOLLOW, OPT_THREADS, "--follow reads one stream with one thread"},
    {C(DETECT), OPT_FOLLOW, OPT_MAX_MEMORY, "--follow bounds its groups with --max-groups"},
    {C(DETECT), OPT_FOLLOW, OPT_NO_PREFILTER, "--follow has no prefilter"},
    {C(DETECT), OPT_FOLLOW, OPT_CRLF, "--follow writes NDJSON"},
    {C(DETECT), OPT_FOLLOW, OPT_WIDE, "--follow writes NDJSON"},
    {C(DETECT), OPT_FOLLOW, OPT_COLOR, "--follow writes NDJSON"},
    {C(SENSOR), OPT_CHECK, OPT_OUTPUT, "--check writes no records"},
    {C(SENSOR), OPT_CHECK, OPT_DURATION, "--check loads the program and exits"},
};

/* The row of option name (long, without dashes; or short when len is 1
 * and shortc) that cmd takes, or NULL. */
static const cli_row_t *find(cli_cmd_t cmd, const char *name, size_t len, bool shortc) {
    for (size_t i = 0; i < NROWS; i++) {
        if (!(rows[i].cmds & (1u << cmd))) continue;
        if (shortc ? rows[i].short_name == name[0]
                   : strlen(rows[i].name) == len && memcmp(rows[i].name, name, len) == 0)
            return &rows[i];
    }
    return NULL;
}

/* Edit distance between a[0..n) and b, capped at 3. */
static unsigned distance(const char *a, size_t n, const char *b) {
    size_t m = strlen(b);
    if (n > 40 || m > 40) return 3;
    unsigned d[41][41];
    for (size_t i = 0; i <= n; i++) d[i][0] = (unsigned)i;
    for (size_t j = 0; j <= m; j++) d[0][j] = (unsigned)j;
    for (size_t i = 1; i <= n; i++)
        for (size_t j = 1; j <= m; j++) {
            unsigned x = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
            if (d[i - 1][j] + 1 < x) x = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < x) x = d[i][j - 1] + 1;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] && d[i - 2][j - 2] + 1 < x)
                x = d[i - 2][j - 2] + 1;
            d[i][j] = x;
        }
    return d[n][m] > 3 ? 3 : d[n][m];
}

/* Say that cmd has no option given as opt (name, len without dashes):
 * with the closest one cmd takes, or the commands that take it. */
static void unknown(cli_cmd_t cmd, const char *opt, const char *name, size_t len) {
    const char *c = cmd_names[cmd];
    fprintf(stderr, "postern %s: unknown option '%s' (see postern %s --help)", c, opt, c);
    const cli_row_t *best = NULL;
    unsigned bd = 3;
    for (size_t i = 0; i < NROWS; i++) {
        if (!(rows[i].cmds & (1u << cmd))) continue;
        unsigned d = distance(name, len, rows[i].name);
        if (d < bd && d <= (len + 2) / 4 + 1) best = &rows[i], bd = d;
    }
    if (best) {
        fprintf(stderr, "; did you mean --%s?\n", best->name);
        return;
    }
    unsigned others = 0;
    for (size_t i = 0; i < NROWS; i++)
        if (len > 1 && strlen(rows[i].name) == len && memcmp(rows[i].name, name, len) == 0) others |= rows[i].cmds;
    if (others) {
        fputs("; it is an option of", stderr);
        for (unsigned k = 0, n = 0; k < CLI_NCMDS; k++)
            if (others & (1u << k)) fprintf(stderr, "%s %s", n++ ? "," : "", cmd_names[k]);
        fputc('\n', stderr);
        return;
    }
    fputc('\n', stderr);
}

/* See cli.h. */
void cli_print_options(cli_cmd_t cmd, FILE *f) {
    fputs("options:\n", f);
    for (size_t i = 0; i < NROWS; i++) {
        const cli_row_t *r = &rows[i];
        if (!(r->cmds & (1u << cmd))) continue;
        char left[64];
        const char *sp = r->arg ? " " : "", *arg = r->arg ? r->arg : "";
        int n = r->short_name ? snprintf(left, sizeof left, "-%c, --%s%s%s", r->short_name, r->name, sp, arg)
                              : snprintf(left, sizeof left, "--%s%s%s", r->name, sp, arg);
        fprintf(f, "  %s", left);
        fprintf(f, "%*s", n < 24 ? 24 - n : 2, "");
        for (const char *h = r->help; *h;) {
            const char *nl = strchr(h, '\n');
            size_t k = nl ? (size_t)(nl - h) : strlen(h);
            fwrite(h, 1, k, f);
            fputc('\n', f);
            h += k;
            if (*h == '\n') {
                h++;
                fprintf(f, "%26s", "");
            }
        }
    }
}

/* Append name to b with troff's escapes for a minus sign (\-). */
static void troff_put(buf_t *b, const char *name) {
    for (; *name; name++) {
        if (*name == '-') buf_putc(b, '\\');
        buf_putc(b, *name);
    }
}

/* See cli.h. */
void cli_dump(FILE *f, bool man) {
    if (!man) {
        for (unsigned c = 0; c < CLI_NCMDS; c++)
            for (size_t i = 0; i < NROWS; i++)
                if (rows[i].cmds & (1u << c))
                    fprintf(f, "%s -%c --%s %s\n", cmd_names[c], rows[i].short_name ? rows[i].short_name : '-',
                            rows[i].name, rows[i].arg ? rows[i].arg : "-");
        return;
    }
    buf_t b = {0};
    for (unsigned c = 0; c < CLI_NCMDS; c++) {
        buf_printf(&b, ".TP\n.B %s\n", cmd_names[c]);
        bool first = true;
        for (size_t i = 0; i < NROWS; i++) {
            if (!(rows[i].cmds & (1u << c))) continue;
            if (!first) buf_puts(&b, ",\n");
            first = false;
            if (rows[i].short_name) buf_printf(&b, "\\fB\\-%c\\fP, ", rows[i].short_name);
            buf_puts(&b, "\\%\\fB\\-\\-"); /* (\% : never hyphenated) */
            troff_put(&b, rows[i].name);
            buf_puts(&b, "\\fP");
            if (rows[i].arg) {
                buf_puts(&b, " \\fI");
                troff_put(&b, rows[i].arg);
                buf_puts(&b, "\\fP");
            }
        }
        buf_puts(&b, "\n");
    }
    fwrite(b.p, 1, b.n, f);
    buf_free(&b);
}

/* See cli.h. */
int cli_conflict(cli_cmd_t cmd, const char *a, const char *b, const char *why) {
    fprintf(stderr, "postern %s: %s and %s cannot be used together%s%s%s\n", cmd_names[cmd], a, b, why ? " (" : "",
            why ? why : "", why ? ")" : "");
    return 2;
}

/* See cli.h. */
int cli_parse(cli_cmd_t cmd, int argc, char **argv, const char *head, const char *tail, cli_args_t *a) {
    const char *c = cmd_names[cmd];
    a->items = calloc((size_t)argc + 1, sizeof *a->items);
    a->pos = calloc((size_t)argc + 1, sizeof *a->pos);
    a->nitems = a->npos = 0;
    if (!a->items || !a->pos) {
        fputs("postern: out of memory\n", stderr);
        return 2;
    }
    bool dashdash = false;
    for (int i = 0; i < argc; i++) {
        const char *arg = argv[i];
        if (dashdash || arg[0] != '-' || arg[1] == 0) {
            a->pos[a->npos++] = arg;
            continue;
        }
        if (strcmp(arg, "--") == 0) {
            dashdash = true;
            continue;
        }
        const cli_row_t *r;
        const char *inline_val = NULL;
        if (arg[1] == '-') { /* --name or --name=value */
            const char *name = arg + 2, *eq = strchr(name, '=');
            size_t len = eq ? (size_t)(eq - name) : strlen(name);
            r = find(cmd, name, len, false);
            if (!r) {
                char shown[80];
                snprintf(shown, sizeof shown, "--%.*s", (int)(len < 60 ? len : 60), name);
                unknown(cmd, shown, name, len);
                return 2;
            }
            if (eq) inline_val = eq + 1;
        } else { /* -x, or -xVALUE for an option with a value */
            r = find(cmd, arg + 1, 1, true);
            if (!r || (arg[2] && !r->arg)) {
                unknown(cmd, arg, arg + 1, strlen(arg + 1));
                return 2;
            }
            if (arg[2]) inline_val = arg + 2;
        }
        if (r->id == OPT_HELP) {
            if (inline_val) {
                fprintf(stderr, "postern %s: option --help takes no value\n", c);
                return 2;
            }
            if (head) fputs(head, stdout);
            cli_print_options(cmd, stdout);
            if (tail) fputs(tail, stdout);
            return 1;
        }
        const char *val = NULL;
        if (r->arg) {
            if (inline_val) {
                val = inline_val;
            } else if (i + 1 < argc) {
                val = argv[++i];
            } else {
                fprintf(stderr, "postern %s: option --%s needs a value (%s)\n", c, r->name, r->arg);
                return 2;
            }
        } else if (inline_val) {
            fprintf(stderr, "postern %s: option --%s takes no value\n", c, r->name);
            return 2;
        }
        /* (the name outlives argv: the table's, with its dashes) */
        static char names[NROWS][48];
        size_t ri = (size_t)(r - rows);
        if (!names[ri][0]) snprintf(names[ri], sizeof names[ri], "--%s", r->name);
        a->items[a->nitems++] = (cli_item_t){.id = r->id, .val = val, .name = names[ri]};
    }
    if (cmd_max_pos[cmd] >= 0 && a->npos > cmd_max_pos[cmd]) {
        fprintf(stderr, "postern %s: unexpected argument '%s' (see postern %s --help)\n", c, a->pos[cmd_max_pos[cmd]], c);
        return 2;
    }
    for (size_t k = 0; k < sizeof conflicts / sizeof conflicts[0]; k++) {
        if (!(conflicts[k].cmds & (1u << cmd))) continue;
        const char *na = NULL, *nb = NULL;
        for (int i = 0; i < a->nitems; i++) {
            if (a->items[i].id == conflicts[k].a) na = a->items[i].name;
            if (a->items[i].id == conflicts[k].b) nb = a->items[i].name;
        }
        if (na && nb) return cli_conflict(cmd, na, nb, conflicts[k].why);
    }
    return 0;
}

/* See cli.h. */
void cli_free(cli_args_t *a) {
    free(a->items);
    free(a->pos);
    a->items = NULL;
    a->pos = NULL;
    a->nitems = a->npos = 0;
}

/* See cli.h. */
const char *cli_last(const cli_args_t *a, cli_opt_t id) {
    for (int i = a->nitems; i-- > 0;)
        if (a->items[i].id == id) return a->items[i].val;
    return NULL;
}

/* See cli.h. */
bool cli_has(const cli_args_t *a, cli_opt_t id) {
    for (int i = 0; i < a->nitems; i++)
        if (a->items[i].id == id) return true;
    return false;
}

/* ---- -o FILE -------------------------------------------------------------- */

/* The output file being written (cli_output_begin to cli_output_end). */
static struct {
    cli_cmd_t cmd;   /* whose */
    char *path;      /* FILE (heap), NULL when stdout is stdout */
    char *tmp;       /* FILE.tmp (heap), NULL when written directly */
    bool complete;   /* cli_output_complete: kept at status 2 too */
} outf;

/* See cli.h. */
void cli_output_complete(void) { outf.complete = true; }

/* See cli.h. */
int cli_output_begin(cli_cmd_t cmd, const char *path, bool direct) {
    if (!path || strcmp(path, "-") == 0) return 0;
    char *tmp = NULL, *real = NULL;
    struct stat sb;
    /* a FILE that is no regular file (/dev/null, a FIFO) is written as it
     * is: renamed over, it would be replaced by a regular file */
    if (!direct && stat(path, &sb) == 0 && !S_ISREG(sb.st_mode)) direct = true;
    /* a symbolic link: the file it leads to is written (through its own
     * .tmp, renamed over it), the link stays; a link to nothing yet is
     * opened through, which creates the file it names */
    if (!direct && lstat(path, &sb) == 0 && S_ISLNK(sb.st_mode)) {
        real = realpath(path, NULL);
        if (real) path = real;
        else direct = true;
    }
    size_t n = strlen(path);
    if (!direct) {
        tmp = malloc(n + 5);
        if (!tmp) {
            free(real);
            return 2;
        }
        memcpy(tmp, path, n);
        memcpy(tmp + n, ".tmp", 5);
    }
    const char *open_path = tmp ? tmp : path;
    int fd = open(open_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (fd < 0) {
        fprintf(stderr, "postern %s: -o %s: %s\n", cmd_names[cmd], path, strerror(errno));
        free(tmp);
        free(real);
        return 2;
    }
    fflush(stdout);
    input_own_output(fd); /* (a folder being read may hold it) */
    if (dup2(fd, STDOUT_FILENO) < 0) {
        fprintf(stderr, "postern %s: -o %s: %s\n", cmd_names[cmd], open_path, strerror(errno));
        close(fd);
        unlink(open_path);
        free(tmp);
        free(real);
        return 2;
    }
    close(fd);
    outf.cmd = cmd;
    outf.path = malloc(n + 1);
    if (outf.path) memcpy(outf.path, path, n + 1);
    outf.tmp = tmp;
    free(real);
    return 0;
}

/* See cli.h. */
int cli_output_end(int status) {
    if (!outf.path) return status;
    const char *c = cmd_names[outf.cmd];
    const char *written = outf.tmp ? outf.tmp : outf.path;
    int e = fflush(stdout) != 0 || ferror(stdout) ? (errno ? errno : EIO) : 0;
    if (e && status != 2) {
        fprintf(stderr, "postern %s: -o %s: %s\n", c, written, strerror(e));
        status = 2;
    }
    if (outf.tmp) {
        if (status == 2 && (e || !outf.complete)) {
            unlink(outf.tmp);
        } else if (rename(outf.tmp, outf.path) != 0) {
            fprintf(stderr, "postern %s: -o %s: %s\n", c, outf.path, strerror(errno));
            unlink(outf.tmp);
            status = 2;
        }
    }
    /* stdout now goes nowhere: later writes (none) fail quietly. */
    int nul = open("/dev/null", O_WRONLY | O_CLOEXEC);
    if (nul >= 0) {
        dup2(nul, STDOUT_FILENO);
        close(nul);
    }
    clearerr(stdout);
    free(outf.path);
    free(outf.tmp);
    outf.path = outf.tmp = NULL;
    outf.complete = false;
    return status;
}
