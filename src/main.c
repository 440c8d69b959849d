/* main.c — the command line: postern query | detect | lint | convert | formats.
 *
 * Parses options, loads the query or rules, runs the engine and writes
 * the results. Results go to stdout, every message to stderr. Exit status:
 * 0 ok, 1 findings (only with --fail-on-findings), 2 usage, query or I/O
 * error, 4 (added to 1) some inputs could not be read and the results are
 * the other inputs'.
 */
#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ast.h"
#include "buf.h"
#include "cli.h"
#include "convert.h"
#include "coverage.h"
#include "emit.h"
#include "exec.h"
#include "out.h"
#include "progress.h"
#include "report_html.h"
#include "input.h"
#include "rule.h"
#include "scan.h"
#include "ruleset.h"
#include "ruletest.h"
#include "sensor.h"
#include "datetime.h"
#include "stream.h"
#include "tty.h"
#include "validate.h"
#include "watch.h"

#ifndef POSTERN_VERSION
#define POSTERN_VERSION "0.1.0"
#endif

enum { EXIT_OK = 0, EXIT_FINDINGS = 1, EXIT_ERR = 2, EXIT_PARTIAL = 4 };

/* Whether standard output is a pipe or socket whose reader went away. */
static bool stdout_reader_gone(void) {
    struct pollfd p = {.fd = STDOUT_FILENO, .events = 0};
    return poll(&p, 1, 0) == 1 && (p.revents & (POLLERR | POLLHUP)) != 0;
}

/* Options shared by query, detect and lint. */
typedef struct opts {
    const char *query;        /* query text from the command line */
    const char *query_file;   /* -q FILE */
    int format;               /* out_fmt_t, -1 = by TTY */
    in_opts_t in;
    bool strict, stats, quiet, fail_on_findings, ast, no_prefilter, no_stream;
    bool crlf, wide;          /* --crlf, --wide */
    int color;                /* --color: tty_color_t */
    unsigned threads;         /* -j: 0 = one per online core */
    size_t max_memory;        /* --max-memory in bytes (0: the default, half of physical memory) */
    const char *lookup_dir;
    const char *geo_db;       /* --geo-db FILE */
    const char *asn_db;       /* --asn-db FILE */
    const char *lookup_map[64]; /* --lookup-map SOURCE=FILE, in order */
    unsigned nlookup_map;
    const char *rule_files[64];
    int nrule_files;
    const char *rules_dir;
    const char *tunes[16];
    int ntunes;
    const char **files;       /* inputs */
    int nfiles;
    bool follow;              /* detect --follow: streaming */
    int64_t window_ms;        /* --window (0: default) */
    int64_t lateness_ms;      /* --lateness (-1: default) */
    size_t max_groups;        /* --max-groups (0: default) */
    const char *html;         /* detect --html FILE: the HTML report (report_html.h) */
    bool has_from, has_to;    /* --from / --to given */
    int64_t from_ms, to_ms;   /* the search's time range [from, to) */
    const char *output;       /* -o FILE, or NULL */
    int time_format;          /* --time-format: out_time_t, -1 = the format's default */
    int min_level;            /* --min-level: rule_level_t, -1 = every finding */
} opts_t;

static const char usage_main[] =
    "usage: postern COMMAND [OPTIONS] ...\n"
    "\n"
    "Run Sumo Logic search queries and the T1071.003 mail-protocol C2 rule over log files.\n"
    "\n"
    "commands:\n"
    "  query QUERY [FILE...]   run a Sumo Logic query (no FILE or - reads stdin)\n"
    "  detect [FILE...]        run the shipped detection rules and print findings\n"
    "  lint QUERY | --rule F   print the query's warnings with positions\n"
    "  convert --to TARGET ... the query (or --rule F) as SQL for duckdb, postgres, clickhouse, spark\n"
    "  formats                 list the input formats postern reads\n"
    "  sensor [-o FILE]        record live outbound TCP connections (eBPF) as JSON Lines\n"
    "  watch                   live sensor and rules in one process: signals as NDJSON\n"
    "  validate                run the detection page's three tests (root for tests 2 and 3)\n"
    "  test [RULE.yml | DIR]   run the tests the rules carry: PASS/FAIL per test\n"
    "\n"
    "  postern COMMAND --help  options of a command\n"
    "  postern --version       version\n"
    "\n"
    "exit status: 0 ok, 1 findings (detect --fail-on-findings), 2 usage, query or I/O error,\n"
    "4 some inputs could not be read (the results are the rest's; 5 = 4 + findings)\n";

static const char usage_query_head[] =
    "usage: postern query [OPTIONS] QUERY [FILE...]\n"
    "       postern query [OPTIONS] -q QUERYFILE [FILE...]\n"
    "\n"
    "Run a Sumo Logic search query over log files (no FILE or - reads stdin;\n"
    "directories are read recursively; gzip, zstd and zip archives are recognised).\n"
    "\n";

static const char usage_query_tail[] =
    "\n"
    "An option's value may also follow an = (--format=json).\n"
    "\n"
    "Output: JSON writes numbers as numbers (input JSON numbers as written, text that is a\n"
    "plain number such as 587); a table or CSV on a terminal shows control characters from the\n"
    "data as text (\\x1b, \\u{202e}), never raw.\n"
    "\n"
    "A query without aggregate, sort or other stage that needs every row writes each row\n"
    "as soon as it is final, in input order; CSV and table columns are decided on the first\n"
    "1000 rows (fields first seen later are left out, said on stderr; JSON rows carry them).\n"
    "\n"
    "exit status: 0 ok (also when standard output is closed early, as by `| head`: the run\n"
    "stops reading), 2 usage, query or I/O error, 4 some inputs could not be read\n"
    "(each said on stderr; the results are the other inputs')\n";

static const char usage_detect_head[] =
    "usage: postern detect [--rule FILE | --rules DIR] [OPTIONS] [FILE...]\n"
    "\n"
    "Run detection rules (the shipped T1071.003 rule unless --rule/--rules) over\n"
    "log files and print findings with the rule's title, MITRE technique and severity.\n"
    "\n";

static const char usage_detect_tail[] =
    "\n"
    "After each rule, one line on stderr says what it saw:\n"
    "  postern: rule ID: read=N in_scope=N with_FIELD=N ... findings=N\n"
    "with a warning when it saw nothing (no record in scope, none with a field it needs);\n"
    "no record read at all is an error (exit 2).\n"
    "\n"
    "--follow reads one FILE (or - for stdin) and writes signals as NDJSON; --window,\n"
    "--lateness and --max-groups go with it.\n"
    "\n"
    "exit status: 0 ok, 1 findings or signals (with --fail-on-findings), 2 error (also no\n"
    "record read, and with --strict a rule that saw nothing), 4 some inputs could not be\n"
    "read (each said on stderr; the findings are the other inputs'), 5 both 4 and 1\n";

static const char usage_lint_head[] =
    "usage: postern lint [--strict] [--ast] QUERY\n"
    "       postern lint [--strict] [--ast] -q QUERYFILE\n"
    "       postern lint [--strict] --rule FILE\n"
    "\n"
    "Print the query's errors, warnings and notes with positions (Sumo pitfalls:\n"
    "quoted-regex matches, dcount, count_distinct of a group key, ...).\n"
    "Exit status 2 when there is an error (or a warning under --strict).\n"
    "\n";

static const char usage_formats[] =
    "usage: postern formats [-o FILE]\n"
    "       postern formats --detect [-o FILE] FILE...\n"
    "\n"
    "List the input formats postern reads, what auto-detection recognises each\n"
    "by, and the schema fields each fills (docs/schema.md). With --detect, print\n"
    "for each FILE the format `--input-format auto` picks and its vote (0-100).\n"
    "\n";

static char *read_file(const char *path, size_t *len) {
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "postern: %s: %s\n", path, strerror(errno));
        return NULL;
    }
    buf_t b = {0};
    char tmp[65536];
    size_t k;
    while ((k = fread(tmp, 1, sizeof tmp, f)) > 0) buf_put(&b, tmp, k);
    bool err = ferror(f);
    if (f != stdin) fclose(f);
    if (err) {
        fprintf(stderr, "postern: %s: read error\n", path);
        buf_free(&b);
        return NULL;
    }
    *len = b.n;
    return b.p ? b.p : xstrndup("", 0);
}

static int64_t now_ms(void);

/* A --from/--to time: ISO 8601 or epoch (dt_parse), `now`, or a negative
 * duration from now (-15m). */
static bool parse_when(const char *v, int64_t *ms) {
    if (strcmp(v, "now") == 0) {
        *ms = now_ms();
        return true;
    }
    if (v[0] == '-') {
        int64_t d;
        if (stream_parse_duration(v + 1, &d) != 0) return false;
        *ms = now_ms() - d;
        return true;
    }
    return dt_parse(pstr_c(v), ms);
}

/* A size: a positive count of bytes, or of KiB, MiB, GiB, TiB with the
 * suffix K, M, G, T (optionally followed by iB or B). */
static bool parse_size(const char *s, size_t *out) {
    char *e;
    errno = 0;
    unsigned long long k = strtoull(s, &e, 10);
    if (e == s || *s == '-' || errno) return false;
    static const char units[] = "KMGT";
    unsigned shift = 0;
    if (*e) {
        const char *u = strchr(units, *e >= 'a' ? *e - 32 : *e);
        if (!u) return false;
        shift = 10 * (unsigned)(u - units + 1);
        e++;
        if (strcmp(e, "iB") == 0 || strcmp(e, "B") == 0) e += strlen(e);
    }
    if (*e || k == 0 || k > (SIZE_MAX >> shift)) return false;
    *out = (size_t)(k << shift);
    return true;
}

/* --min-level's levels and the severity_score each starts at (the
 * shipped rules' scores: docs/schema.md). ORDER LEVEL */
static const struct {
    const char *name;
    int score;
} levels[] = {{"low", 3}, {"medium", 5}, {"high", 7}, {"critical", 9}};

/* The index in levels of name, or -1. */
static int level_parse(const char *name) {
    for (int i = 0; i < 4; i++)
        if (strcmp(levels[i].name, name) == 0) return i;
    return -1;
}

/* Give option it (parsed by cli.c) its meaning in o; 0, or 2 with a
 * message naming the command and the option for a value it cannot take. */
static int apply_opt(const char *cmd, const cli_item_t *it, opts_t *o) {
    const char *val = it->val, *a = it->name;
    switch (it->id) {
    case OPT_QUERY_FILE: o->query_file = val; break;
    case OPT_OUTPUT: o->output = val; break;
    case OPT_FORMAT:
        o->format = out_fmt_parse(val);
        if (o->format < 0) {
            fprintf(stderr, "postern %s: unknown --format '%s' (expected table, csv, json or ndjson)\n", cmd, val);
            return 2;
        }
        break;
    case OPT_CRLF: o->crlf = true; break;
    case OPT_WIDE: o->wide = true; break;
    case OPT_COLOR:
        o->color = tty_color_parse(val);
        if (o->color < 0) {
            fprintf(stderr, "postern %s: unknown --color '%s' (expected never, auto or always)\n", cmd, val);
            return 2;
        }
        break;
    case OPT_TIME_FORMAT:
        o->time_format = out_time_parse(val);
        if (o->time_format < 0) {
            fprintf(stderr, "postern %s: unknown --time-format '%s' (expected epoch, iso or local)\n", cmd, val);
            return 2;
        }
        break;
    case OPT_INPUT_FORMAT: {
        bool ok = strcmp(val, "auto") == 0;
        for (int k = 0; rd_formats[k] && !ok; k++) ok = strcmp(rd_formats[k]->name, val) == 0;
        if (!ok) {
            fprintf(stderr, "postern %s: unknown --input-format '%s' (see `postern formats`)\n", cmd, val);
            return 2;
        }
        o->in.format = val;
        break;
    }
    case OPT_CATEGORY: o->in.category = val; break;
    case OPT_LOOKUP_DIR: o->lookup_dir = val; break;
    case OPT_LOOKUP_MAP: {
        const char *eq = strrchr(val, '=');
        if (!eq || eq == val || !eq[1]) {
            fprintf(stderr, "postern %s: --lookup-map needs SOURCE=FILE, not '%s'\n", cmd, val);
            return 2;
        }
        if (o->nlookup_map == 64) {
            fprintf(stderr, "postern %s: at most 64 --lookup-map options\n", cmd);
            return 2;
        }
        o->lookup_map[o->nlookup_map++] = val;
        break;
    }
    case OPT_GEO_DB: o->geo_db = val; break;
    case OPT_ASN_DB: o->asn_db = val; break;
    case OPT_THREADS: {
        char *e;
        long k = strtol(val, &e, 10);
        if (*val == 0 || *e || k < 1 || k > 64) {
            fprintf(stderr, "postern %s: -j needs a thread count from 1 to 64, not '%s'\n", cmd, val);
            return 2;
        }
        o->threads = (unsigned)k;
        break;
    }
    case OPT_MAX_MEMORY:
        if (!parse_size(val, &o->max_memory)) {
            fprintf(stderr, "postern %s: --max-memory wants a size such as 512M, 4G or 1048576, not '%s'\n", cmd, val);
            return 2;
        }
        break;
    case OPT_FROM:
    case OPT_TO: {
        int64_t ms;
        if (!parse_when(val, &ms)) {
            fprintf(stderr, "postern %s: %s wants a time such as 2024-06-01T00:00:00Z, 1717200000, now or -2h, not '%s'\n",
                    cmd, a, val);
            return 2;
        }
        if (it->id == OPT_FROM) o->has_from = true, o->from_ms = ms;
        else o->has_to = true, o->to_ms = ms;
        break;
    }
    case OPT_NO_PREFILTER: o->no_prefilter = true; break;
    case OPT_NO_STREAM: o->no_stream = true; break;
    case OPT_FOLLOW_SYMLINKS: o->in.follow_symlinks = true; break;
    case OPT_STRICT: o->strict = true; break;
    case OPT_STATS: o->stats = true; break;
    case OPT_QUIET: o->quiet = o->in.quiet = true; break;
    case OPT_AST: o->ast = true; break;
    case OPT_RULE:
        if (o->nrule_files == 64) {
            fprintf(stderr, "postern %s: at most 64 --rule options\n", cmd);
            return 2;
        }
        o->rule_files[o->nrule_files++] = val;
        break;
    case OPT_RULES: o->rules_dir = val; break;
    case OPT_TUNE:
        if (o->ntunes == 16) {
            fprintf(stderr, "postern %s: at most 16 --tune options\n", cmd);
            return 2;
        }
        o->tunes[o->ntunes++] = val;
        break;
    case OPT_FAIL_ON_FINDINGS: o->fail_on_findings = true; break;
    case OPT_HTML: o->html = val; break;
    case OPT_MIN_LEVEL:
        o->min_level = level_parse(val);
        if (o->min_level < 0) {
            fprintf(stderr, "postern %s: unknown --min-level '%s' (expected low, medium, high or critical)\n", cmd, val);
            return 2;
        }
        break;
    case OPT_FOLLOW: o->follow = true; break;
    case OPT_WINDOW:
    case OPT_LATENESS: {
        int64_t ms;
        bool win = it->id == OPT_WINDOW;
        if (stream_parse_duration(val, &ms) != 0 || (win && ms <= 0)) {
            fprintf(stderr, "postern %s: %s wants a duration such as 15m, 90s or 1h, not '%s'\n", cmd, a, val);
            return 2;
        }
        if (win) o->window_ms = ms;
        else o->lateness_ms = ms;
        break;
    }
    case OPT_MAX_GROUPS: {
        char *e;
        long long k = strtoll(val, &e, 10);
        if (*val == 0 || *e || k < 1) {
            fprintf(stderr, "postern %s: --max-groups wants a positive count, not '%s'\n", cmd, val);
            return 2;
        }
        o->max_groups = (size_t)k;
        break;
    }
    default: /* (an option of another command: cli.c does not give it here) */
        fprintf(stderr, "postern %s: %s is not handled here\n", cmd, a);
        return 2;
    }
    return 0;
}

static int format_conflicts(cli_cmd_t cc, const opts_t *o);

/* Parse options for cmd (cli.c's table); positional arguments are
 * collected into o->files (the first is the query for query/lint unless
 * -q). Returns 0, 1 for --help printed, or 2 on a usage error. */
static int parse_opts(cli_cmd_t cc, int argc, char **argv, opts_t *o, const char *head, const char *tail) {
    memset(o, 0, sizeof *o);
    o->format = -1;
    o->time_format = -1;
    o->min_level = -1;
    o->in.format = "auto";
    o->in.max_reports = 5;
    o->lateness_ms = -1;
    o->files = xcalloc((size_t)argc + 1, sizeof *o->files);
    const char *cmd = cc == CLI_QUERY ? "query" : cc == CLI_DETECT ? "detect" : "lint";
    cli_args_t a;
    int rc = cli_parse(cc, argc, argv, head, tail, &a);
    for (int i = 0; i < a.nitems && !rc; i++) rc = apply_opt(cmd, &a.items[i], o);
    for (int i = 0; i < a.npos; i++) o->files[o->nfiles++] = a.pos[i];
    cli_free(&a);
    if (!rc) rc = format_conflicts(cc, o);
    return rc;
}

static out_fmt_t pick_format(const opts_t *o) {
    if (o->format >= 0) return (out_fmt_t)o->format;
    return isatty(STDOUT_FILENO) ? OUT_TABLE : OUT_CSV;
}

/* How results go to stdout: the format and its options. */
static out_opts_t out_opts_of(const opts_t *o) {
    bool tty = isatty(STDOUT_FILENO);
    out_fmt_t fmt = pick_format(o);
    out_time_t tf = o->time_format >= 0 ? (out_time_t)o->time_format : fmt == OUT_TABLE ? OUT_TIME_ISO : OUT_TIME_EPOCH;
    return (out_opts_t){.fmt = fmt, .crlf = o->crlf, .escape = tty, .wide = o->wide,
                        .color = tty_color_on((tty_color_t)o->color, STDOUT_FILENO),
                        .columns = tty_columns(STDOUT_FILENO), .time = tf};
}

/* Options that only one output format reads, given with --format naming
 * another: an error naming both (2), else 0. */
static int format_conflicts(cli_cmd_t cc, const opts_t *o) {
    static const char *const fmt_names[] = {"--format=table", "--format=csv", "--format=json", "--format=ndjson"};
    if (o->format < 0) return 0;
    if (o->crlf && o->format != OUT_CSV) return cli_conflict(cc, "--crlf", fmt_names[o->format], "CRLF ends CSV lines");
    if (o->wide && o->format != OUT_TABLE) return cli_conflict(cc, "--wide", fmt_names[o->format], "a table option");
    return 0;
}

/* -j, or one thread per online core. */
static unsigned threads_of(const opts_t *o) {
    if (o->threads) return o->threads;
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > 64 ? 64 : (unsigned)n;
}

static int64_t now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void print_stats(const in_stats_t *st, size_t results) {
    fprintf(stderr,
            "postern: stats: files=%llu bytes=%llu records=%llu prefiltered=%llu rejected=%llu in_scope=%llu "
            "used=%llu results=%zu\n",
            (unsigned long long)st->files, (unsigned long long)st->bytes, (unsigned long long)st->records,
            (unsigned long long)st->prefiltered, (unsigned long long)st->rejected, (unsigned long long)st->in_scope,
            (unsigned long long)st->used, results);
    if (st->out_of_range) {
        fprintf(stderr, "postern: stats: outside --from/--to: %llu records", (unsigned long long)st->out_of_range);
        if (st->pf_tally.out_of_range)
            fprintf(stderr, " (%llu of them told by their raw bytes' time and not parsed: not checked for validity)",
                    (unsigned long long)st->pf_tally.out_of_range);
        fputc('\n', stderr);
    }
    for (unsigned i = 0; i < sizeof st->reasons / sizeof st->reasons[0] && in_reason_name(i); i++)
        if (st->reasons[i])
            fprintf(stderr, "postern: stats: rejected %llu: %s\n", (unsigned long long)st->reasons[i], in_reason_name(i));
    if (st->skipped)
        fprintf(stderr, "postern: stats: skipped %llu lines of other formats\n", (unsigned long long)st->skipped);
    /* the inputs not read, or not wholly */
    const struct {
        uint64_t n;
        const char *verb, *what;
    } inputs[] = {
        {st->files_skipped, "skipped", "binary files found in directories, in no format postern reads"},
        {st->files_failed, "failed", "inputs that could not be (wholly) read"},
        {st->files_special, "skipped", "FIFOs, sockets and devices found in directories"},
        {st->links_skipped, "skipped", "symbolic links found in directories (see --follow-symlinks)"},
        {st->files_again, "skipped", "files and directories found again by another path"},
    };
    for (size_t i = 0; i < sizeof inputs / sizeof inputs[0]; i++)
        if (inputs[i].n)
            fprintf(stderr, "postern: stats: %s %llu %s\n", inputs[i].verb, (unsigned long long)inputs[i].n,
                    inputs[i].what);
    for (unsigned i = 0; i < IN_MAXFORMATS && rd_formats[i]; i++)
        if (st->fmt_records[i])
            fprintf(stderr, "postern: stats: read as %s: %llu records\n", rd_formats[i]->name,
                    (unsigned long long)st->fmt_records[i]);
    if (st->files_split)
        fprintf(stderr, "postern: stats: split across threads: %llu files\n", (unsigned long long)st->files_split);
    if (st->prefiltered || st->pf_tally.out_of_range)
        fprintf(stderr, "postern: stats: JSON line scan kernel: %s\n", scan_impl());
}

/* The exit status of a run that went on past inputs it could not read
 * (st->files_failed, each said as it failed), from status, what it would
 * be otherwise: EXIT_PARTIAL added, or EXIT_ERR when no input could be
 * read at all. Said on stderr. */
static int input_failures(const in_stats_t *st, int status) {
    if (!st->files) {
        fputs("postern: no input could be read\n", stderr);
        return EXIT_ERR;
    }
    fprintf(stderr, "postern: %llu input%s could not be read (said above); the results are the other inputs'\n",
            (unsigned long long)st->files_failed, st->files_failed == 1 ? "" : "s");
    return status | EXIT_PARTIAL;
}

/* The lookup options of a run (the rest of eo is the caller's). */
static void lookup_opts(exec_opts_t *eo, const opts_t *o) {
    eo->geo_db = o->geo_db;
    eo->asn_db = o->asn_db;
    eo->lookup_map = o->lookup_map;
    eo->nlookup_map = o->nlookup_map;
}

static int cmd_query(int argc, char **argv) {
    opts_t o;
    int rc = parse_opts(CLI_QUERY, argc, argv, &o, usage_query_head, usage_query_tail);
    if (rc) { free(o.files); return rc == 1 ? EXIT_OK : EXIT_ERR; }
    char *text = NULL;
    size_t len = 0;
    const char **files = o.files;
    int nfiles = o.nfiles;
    if (o.query_file) {
        text = read_file(o.query_file, &len);
        if (!text) { free(o.files); return EXIT_ERR; }
    } else {
        if (nfiles == 0) {
            fputs("postern query: no query given\n", stderr);
            fputs("(postern query --help shows the options)\n", stderr);
            free(o.files);
            return EXIT_ERR;
        }
        text = xstrndup(files[0], strlen(files[0]));
        len = strlen(text);
        files++;
        nfiles--;
        /* `postern query FILE`: the query forgotten, the file taken for it
         * and the keyboard read for logs. */
        struct stat qs;
        if (nfiles == 0 && stat(text, &qs) == 0 && S_ISREG(qs.st_mode)) {
            if (isatty(STDIN_FILENO)) {
                fprintf(stderr,
                        "postern query: no query given: '%s' is a file, and the logs would be read from the "
                        "keyboard; give the query first: postern query '*' %s\n",
                        text, text);
                free(text);
                free(o.files);
                return EXIT_ERR;
            }
            if (!o.quiet)
                fprintf(stderr,
                        "postern query: warning: '%s' is a file but is taken as the query, the logs read from "
                        "stdin; to read the file: postern query '*' %s\n",
                        text, text);
        }
    }
    diag_t d;
    query_t *q = ruleset_compile("query", text, len, 0, o.strict, o.quiet, false, NULL, &d);
    if (!q) {
        diag_free(&d);
        free(text);
        free(o.files);
        return EXIT_ERR;
    }
    table_t t;
    table_init(&t);
    in_stats_t st = {0};
    exec_opts_t eo = {.lookup_dir = o.lookup_dir, .now_ms = now_ms(), .threads = threads_of(&o),
                      .no_prefilter = o.no_prefilter, .has_from = o.has_from, .has_to = o.has_to,
                      .from_ms = o.from_ms, .to_ms = o.to_ms, .warn_inputs = true,
                      .max_memory = o.max_memory};
    lookup_opts(&eo, &o);
    /* A query without a blocking stage writes its rows as they come; a
     * reader that goes away (`| head`) ends the run quietly (EPIPE, not
     * SIGPIPE). */
    signal(SIGPIPE, SIG_IGN);
    if (cli_output_begin(CLI_QUERY, o.output, false) != 0) {
        query_free(q);
        diag_free(&d);
        free(text);
        free(o.files);
        return EXIT_ERR;
    }
    out_opts_t oo = out_opts_of(&o);
    emit_t *em = o.no_stream ? NULL : emit_new(stdout, &oo);
    /* (No bar between rows streamed to the same terminal.) */
    bool bar = !o.quiet && isatty(STDERR_FILENO) && !(em && exec_streams(q) && isatty(STDOUT_FILENO));
    progress_start(progress_total(files, nfiles), bar);
    rc = exec_run_to(q, files, nfiles, &o.in, &eo, em, &t, &st);
    progress_stop();
    int status = rc == IN_PARTIAL ? input_failures(&st, EXIT_OK) : rc ? EXIT_ERR : EXIT_OK;
    bool wfail = emit_used(em) ? emit_failed(em)
                               : status != EXIT_ERR && out_write(stdout, &oo, &t, &q->ft) != 0 &&
                                     errno != EPIPE;
    if (wfail) {
        fputs("postern: write error on standard output\n", stderr);
        status = EXIT_ERR;
    }
    if (o.stats) print_stats(&st, emit_used(em) ? (size_t)emit_rows(em) : t.n);
    emit_free(em);
    table_free(&t);
    query_free(q);
    diag_free(&d);
    free(text);
    free(o.files);
    return cli_output_end(status);
}

/* ---- detect ------------------------------------------------------------ */

/* What detect's end-of-run summary says. ORDER SEVSUM: sum_sev_names. */
enum { SUM_CRITICAL, SUM_HIGH, SUM_MEDIUM, SUM_LOW, SUM_OTHER, SUM_NSEV };
static const char *const sum_sev_names[SUM_NSEV] = {"critical", "high", "medium", "low", "other"};
typedef struct run_sum {
    int64_t start_ms;         /* when the command started (monotonic) */
    unsigned rules;           /* rules that ran */
    uint64_t records, files;  /* what the first rule's run read (every rule reads the same inputs) */
    bool has_range;           /* --from/--to given */
    uint64_t out_of_range;    /* of the first rule's records, those outside it */
    size_t sev[SUM_NSEV];     /* findings by severity */
} run_sum_t;

/* Milliseconds of the monotonic clock. */
static int64_t mono_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Count the findings of t (decorated: each has a severity) in s. */
static void sum_findings(run_sum_t *s, const table_t *t, const ftab_t *ft) {
    uint32_t f = ftab_find(ft, PSTR_LIT("severity"));
    for (size_t i = 0; i < t->n; i++) {
        value_t v = f != FIELD_NONE ? rec_get(&t->rows[i], f) : val_null();
        unsigned k = 0;
        while (k < SUM_OTHER && !(v.t == V_STR && pstr_ieq_c(val_pstr(v), sum_sev_names[k]))) k++;
        s->sev[k]++;
    }
}

/* Print the end-of-run summary line to f: rules, records, files,
 * findings by severity, elapsed time. */
static void sum_print(const run_sum_t *s, FILE *f) {
    size_t total = 0;
    for (unsigned k = 0; k < SUM_NSEV; k++) total += s->sev[k];
    fprintf(f, "postern: detect: %u rule%s over %llu record%s in %llu file%s", s->rules, s->rules == 1 ? "" : "s",
            (unsigned long long)s->records, s->records == 1 ? "" : "s", (unsigned long long)s->files,
            s->files == 1 ? "" : "s");
    if (s->has_range) fprintf(f, " (%llu outside --from/--to)", (unsigned long long)s->out_of_range);
    fputs(": ", f);
    if (!total) fputs("no findings", f);
    else fprintf(f, "%zu finding%s (", total, total == 1 ? "" : "s");
    for (unsigned k = 0, n = 0; k < SUM_NSEV && total; k++)
        if (s->sev[k]) fprintf(f, "%s%s %zu", n++ ? ", " : "", sum_sev_names[k], s->sev[k]);
    fprintf(f, "%s in %.2f s\n", total ? ")" : "", (double)(mono_ms() - s->start_ms) / 1000.0);
}

/* Copy t's rows into all, whose columns are the union of every rule's. */
static void append_findings(table_t *all, ftab_t *allft, const table_t *t, const ftab_t *ft) {
    uint32_t *map = xmalloc((t->ncols ? t->ncols : 1) * sizeof *map);
    for (uint32_t c = 0; c < t->ncols; c++) {
        map[c] = ftab_intern(allft, ftab_name(ft, t->cols[c]));
        table_add_col(all, map[c]);
    }
    for (size_t i = 0; i < t->n; i++) {
        record_t *r = table_new_row(all);
        for (uint32_t c = 0; c < t->ncols; c++) rec_set(r, map[c], rec_get(&t->rows[i], t->cols[c]));
        rec_pin(r, &all->arena);
    }
    free(map);
}

/* The signal that ends `detect --follow` (SIGINT, SIGTERM); 0 while running. */
static volatile int follow_stop;

/* SIGINT/SIGTERM during --follow: stop reading, close the windows, exit. */
static void on_follow_signal(int sig) { follow_stop = sig; }

/* detect --follow: every rule on one stream, signals as NDJSON on stdout. */
static int detect_follow(opts_t *o) {
    if (o->nfiles > 1) {
        fputs("postern detect: --follow reads one FILE (or - for stdin)\n", stderr);
        return EXIT_ERR;
    }
    if (o->format >= 0 && o->format != OUT_NDJSON) { /* (signals are one object a line, written as they come) */
        fputs("postern detect: --follow writes its signals as NDJSON: --format is ndjson or not given\n", stderr);
        return EXIT_ERR;
    }
    int64_t start_ms = mono_ms();
    ruleset_t rs;
    if (ruleset_prepare(&rs, o->rule_files, o->nrule_files, o->rules_dir, o->tunes, o->ntunes, o->strict, o->quiet) != 0)
        return EXIT_ERR;
    if (cli_output_begin(CLI_DETECT, o->output, true) != 0) {
        ruleset_free(&rs);
        return EXIT_ERR;
    }
    exec_opts_t eo = {.lookup_dir = o->lookup_dir, .now_ms = now_ms(), .threads = 1};
    lookup_opts(&eo, o);
    stream_opts_t so = {.window_ms = o->window_ms ? o->window_ms : STREAM_DEFAULT_WINDOW_MS,
                        .lateness_ms = o->lateness_ms >= 0 ? o->lateness_ms : STREAM_DEFAULT_LATENESS_MS,
                        .max_groups = o->max_groups, .out = stdout,
                        .min_score = o->min_level >= 0 ? levels[o->min_level].score : 0};
    /* --html: each signalling group, whole window, written at the end. */
    FILE *html_f = o->html ? html_open(o->html, "postern detect") : NULL;
    if (o->html && !html_f) {
        ruleset_free(&rs);
        return cli_output_end(EXIT_ERR);
    }
    if (html_f) {
        so.html = html_new();
        for (int i = 0; i < rs.n; i++) ruleset_keep_times(rs.q[i], HTML_TICKS);
    }
    char why[512];
    stream_t *s = stream_new(rs.rules, rs.q, (unsigned)rs.n, &eo, &so, why, sizeof why);
    if (!s) {
        fprintf(stderr, "postern detect: %s\n", why);
        if (html_f) fclose(html_f);
        html_free(so.html);
        ruleset_free(&rs);
        return cli_output_end(EXIT_ERR);
    }
    const char *name = o->nfiles ? o->files[0] : "-";
    if (!o->quiet) {
        char what[4200];
        snprintf(what, sizeof what, "following %.4096s with %d rule%s", strcmp(name, "-") == 0 ? "stdin" : name, rs.n,
                 rs.n == 1 ? "" : "s");
        stream_print_banner(s, "postern detect", what, stderr);
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_follow_signal; /* no SA_RESTART: a blocked read returns */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    o->in.follow = true;
    o->in.stop = &follow_stop;
    in_rejlog_t rejlog = {0};
    in_stats_t st = {.rejlog = &rejlog};
    const char *paths[1] = {name};
    int rc = input_run(paths, 1, &o->in, stream_ftab(s), stream_feed, s, &st);
    stream_finish(s);
    stream_counts_t c;
    stream_counts(s, &c);
    st.in_scope = c.in_scope;
    st.used = c.used;
    if (c.rx_limit)
        fprintf(stderr,
                "postern: warning: a regex reached its match limit %llu time%s; those tests were taken as not "
                "matching (simplify the pattern)\n",
                (unsigned long long)c.rx_limit, c.rx_limit == 1 ? "" : "s");
    if (o->stats) {
        print_stats(&st, (size_t)c.signals);
        stream_print_counts(s, "postern detect", stderr);
    }
    /* What each rule saw: a followed file may stay quiet, so no record is
     * a warning here (an error under --strict), not the batch run's error. */
    unsigned warned = 0;
    if (rc == 0) {
        st.records = c.records;
        warned += cov_no_input(&st, "postern detect", o->strict, stderr);
        warned += stream_report(s, &st, o->quiet, o->strict, stderr);
    }
    in_rejlog_free(&rejlog);
    int status = EXIT_OK;
    if (rc == -1) {
        if (!stdout_reader_gone()) { /* a reader that went away ends the run quietly */
            fputs("postern: write error on standard output\n", stderr);
            status = EXIT_ERR;
        }
    } else if (rc != 0 && rc != IN_PARTIAL) {
        status = EXIT_ERR;
    } else if (o->strict && warned) {
        status = EXIT_ERR;
    } else {
        if (o->fail_on_findings && c.signals) status = EXIT_FINDINGS;
        if (rc == IN_PARTIAL) status = input_failures(&st, status);
    }
    if (html_f) {
        html_run_t hr = {.command = "detect --follow", .inputs = &name, .ninputs = strcmp(name, "-") != 0,
                         .records = c.records, .files = st.files, .rules = (unsigned)rs.n,
                         .elapsed_ms = mono_ms() - start_ms, .now_ms = now_ms()};
        if (html_close(so.html, &hr, html_f, o->html, "postern detect") != 0) status = EXIT_ERR;
        html_free(so.html);
    }
    stream_free(s);
    ruleset_free(&rs);
    return cli_output_end(status);
}

/* Leave out of t (decorated findings) those whose severity_score is
 * below min (--min-level), or has none. */
static void drop_below(table_t *t, const ftab_t *ft, int min) {
    uint32_t f = ftab_find(ft, PSTR_LIT("severity_score"));
    size_t j = 0;
    for (size_t i = 0; i < t->n; i++) {
        value_t v = f != FIELD_NONE ? rec_get(&t->rows[i], f) : val_null();
        if (v.t == V_NUM && v.d >= min) t->rows[j++] = t->rows[i];
    }
    t->n = j;
}

/* Print rule ru's coverage (coverage.h) for a run that read st and gave
 * results rows; returns the warnings it printed. */
static unsigned report_rule(const rule_t *ru, const query_t *q, const cov_t *cov, const in_stats_t *st,
                            uint64_t results, const char *what, const opts_t *o) {
    cov_report_t cr = {.rule = ru->id, .q = q, .c = cov, .read = st->records, .out_of_range = st->out_of_range,
                       .results = results, .what = what, .st = st,
                       .has_range = o->has_from || o->has_to, .quiet = o->quiet, .strict = o->strict};
    return cov_report(&cr, stderr);
}

static int cmd_detect(int argc, char **argv) {
    int64_t start_ms = mono_ms();
    opts_t o;
    int rc = parse_opts(CLI_DETECT, argc, argv, &o, usage_detect_head, usage_detect_tail);
    if (rc) { free(o.files); return rc == 1 ? EXIT_OK : EXIT_ERR; }
    if (o.follow) {
        rc = detect_follow(&o);
        free(o.files);
        return rc;
    } else if (o.window_ms || o.lateness_ms >= 0 || o.max_groups) {
        fputs("postern detect: --window, --lateness and --max-groups go with --follow\n", stderr);
        free(o.files);
        return EXIT_ERR;
    }
    ruleset_t rs;
    if (ruleset_prepare(&rs, o.rule_files, o.nrule_files, o.rules_dir, o.tunes, o.ntunes, o.strict, o.quiet) != 0) {
        free(o.files);
        return EXIT_ERR;
    }
    if (cli_output_begin(CLI_DETECT, o.output, false) != 0) {
        ruleset_free(&rs);
        free(o.files);
        return EXIT_ERR;
    }
    /* --html: the report's file is opened first (a path that cannot be
     * written fails before the run), each finding keeps its times. */
    FILE *html_f = NULL;
    html_report_t *html = NULL;
    if (o.html) {
        if (!(html_f = html_open(o.html, "postern detect"))) {
            ruleset_free(&rs);
            free(o.files);
            return cli_output_end(EXIT_ERR);
        }
        html = html_new();
        for (int i = 0; i < rs.n; i++) ruleset_keep_times(rs.q[i], HTML_TICKS);
    }
    int status = EXIT_OK;
    out_opts_t oo = out_opts_of(&o);
    out_fmt_t fmt = oo.fmt;
    size_t findings = 0;
    run_sum_t sum = {.start_ms = start_ms, .has_range = o.has_from || o.has_to};
    in_stats_t failed = {0}; /* the first rule's run: the inputs that could not be read */
    unsigned warned = 0;
    /* Machine formats get one table of every rule's findings. */
    table_t all;
    ftab_t allft;
    table_init(&all);
    ftab_init(&allft);
    all.fixed = true;
    for (int i = 0; i < rs.n && status != EXIT_ERR; i++) {
        rule_t *ru = &rs.rules[i];
        query_t *q = rs.q[i];
        table_t t;
        table_init(&t);
        in_rejlog_t rejlog = {0};
        in_stats_t st = {.rejlog = &rejlog};
        cov_t cov = {0};
        char lkdir[4096];
        exec_opts_t eo = {.lookup_dir = ruleset_lookup_dir(ru, o.lookup_dir, lkdir, sizeof lkdir),
                          .now_ms = now_ms(), .threads = threads_of(&o), .no_prefilter = o.no_prefilter,
                          .has_from = o.has_from, .has_to = o.has_to, .from_ms = o.from_ms, .to_ms = o.to_ms,
                          .cov = &cov, .max_memory = o.max_memory};
        lookup_opts(&eo, &o);
        progress_start(progress_total(o.files, o.nfiles), !o.quiet && isatty(STDERR_FILENO));
        /* Every rule reads the inputs: the first one says what it cannot read. */
        in_opts_t io = o.in;
        if (i > 0) io.quiet = io.again = true;
        int erc = exec_run(q, o.files, o.nfiles, &io, &eo, &t, &st);
        progress_stop();
        if (erc == IN_PARTIAL && i == 0) {
            failed = st;
            failed.rejlog = NULL; /* (rejlog dies with this rule's turn) */
        }
        if (erc == IN_PARTIAL && !st.files) erc = input_failures(&st, EXIT_OK);
        if (erc != 0 && erc != IN_PARTIAL) {
            status = EXIT_ERR;
        } else if (cov_no_input(&st, "postern detect", true, stderr)) {
            /* Every rule reads the same inputs: no record is no answer. */
            status = EXIT_ERR;
        } else {
            ruleset_decorate(ru, q, &t);
            if (o.min_level >= 0) drop_below(&t, &q->ft, levels[o.min_level].score);
            if (html) {
                html_add(html, ru, q, &t);
                table_del_col(&t, ftab_find(&q->ft, PSTR_LIT(RULESET_TIMES)));
                table_del_col(&t, ftab_find(&q->ft, PSTR_LIT(RULESET_TIMES_N)));
            }
            findings += t.n;
            sum_findings(&sum, &t, &q->ft);
            if (sum.rules++ == 0) {
                sum.records = st.records;
                sum.files = st.files;
                sum.out_of_range = st.out_of_range;
            }
            warned += report_rule(ru, q, &cov, &st, t.n, "findings", &o);
            int wr = 0;
            if (fmt == OUT_TABLE) {
                printf("%s  %s  %s (%s)  %zu finding%s\n", ru->subtechnique_id ? ru->subtechnique_id : "", ru->title,
                       ru->tactic ? ru->tactic : "", ru->tactic_id ? ru->tactic_id : "", t.n, t.n == 1 ? "" : "s");
                /* The heading names the rule: the table keeps severity and the query's columns. */
                for (unsigned k = 0; k < RULESET_NMETA; k++)
                    table_del_col(&t, ftab_find(&q->ft, pstr_c(ruleset_meta_names[k])));
                if (t.n) wr = out_write(stdout, &oo, &t, &q->ft);
                if (i + 1 < rs.n) putchar('\n');
            } else {
                append_findings(&all, &allft, &t, &q->ft);
            }
            if (wr && !stdout_reader_gone()) {
                fputs("postern: write error on standard output\n", stderr);
                status = EXIT_ERR;
            }
        }
        if (o.stats) print_stats(&st, t.n);
        cov_free(&cov);
        table_free(&t);
        in_rejlog_free(&rejlog);
    }
    if (fmt != OUT_TABLE && status != EXIT_ERR && out_write(stdout, &oo, &all, &allft) != 0 && !stdout_reader_gone()) {
        fputs("postern: write error on standard output\n", stderr);
        status = EXIT_ERR;
    }
    if (html) {
        html_run_t hr = {.command = "detect", .inputs = o.files, .ninputs = o.nfiles, .records = sum.records,
                         .files = sum.files, .rules = sum.rules, .elapsed_ms = mono_ms() - start_ms,
                         .now_ms = now_ms()};
        if (status == EXIT_ERR) fclose(html_f);
        else if (html_close(html, &hr, html_f, o.html, "postern detect") != 0) status = EXIT_ERR;
        html_free(html);
    }
    if (status != EXIT_ERR && !o.quiet) sum_print(&sum, stderr);
    table_free(&all);
    ftab_free(&allft);
    ruleset_free(&rs);
    free(o.files);
    /* --strict: a rule that could not see the data is an error, its findings still printed. */
    if (status == EXIT_OK && o.strict && warned) status = EXIT_ERR;
    if (status == EXIT_OK && o.fail_on_findings && findings) status = EXIT_FINDINGS;
    if (status != EXIT_ERR && failed.files_failed) status = input_failures(&failed, status);
    return cli_output_end(status);
}

/* ---- lint, formats ------------------------------------------------------ */

static int cmd_lint(int argc, char **argv) {
    opts_t o;
    int rc = parse_opts(CLI_LINT, argc, argv, &o, usage_lint_head, NULL);
    if (rc) { free(o.files); return rc == 1 ? EXIT_OK : EXIT_ERR; }
    char *text = NULL;
    size_t len = 0;
    const char *name = "query";
    uint32_t line0 = 0;
    rule_t ru;
    bool have_rule = false;
    if (o.nrule_files) {
        diag_t d = {0};
        if (rule_load_file(o.rule_files[0], &ru, &d) != 0) {
            diag_print(&d, stderr, D_NOTE);
            diag_free(&d);
            rule_free(&ru);
            free(o.files);
            return EXIT_ERR;
        }
        diag_print(&d, stderr, D_NOTE);
        diag_free(&d);
        have_rule = true;
        text = xstrndup(ru.query, strlen(ru.query));
        len = strlen(text);
        name = ru.path;
        line0 = ru.query_line - 1;
    } else if (o.query_file) {
        text = read_file(o.query_file, &len);
        name = o.query_file;
    } else if (o.nfiles) {
        text = xstrndup(o.files[0], strlen(o.files[0]));
        len = strlen(text);
    } else {
        fputs("postern lint: no query given\n", stderr);
        fputs("(postern lint --help shows the options)\n", stderr);
        free(o.files);
        return EXIT_ERR;
    }
    if (!text) { free(o.files); return EXIT_ERR; }
    diag_t d;
    /* lint shows everything: what a rule's lint_ignore quiets in detect
     * as notes, which --strict accepts as detect --strict does. */
    query_t *q = ruleset_compile(name, text, len, line0, o.strict, false, true, have_rule ? &ru.lint_ignore : NULL, &d);
    if (q && o.ast) {
        buf_t b = {0};
        query_dump(q, &b);
        printf("%s\n", b.p ? b.p : "");
        buf_free(&b);
    }
    if (q && d.n == 0) fprintf(stderr, "%s: no warnings\n", name);
    int status = q ? EXIT_OK : EXIT_ERR;
    /* A rule's tests are part of it: a failing one is a lint error. */
    if (q && have_rule && ruletest_lint(&ru, stderr)) status = EXIT_ERR;
    if (q) query_free(q);
    diag_free(&d);
    free(text);
    if (have_rule) rule_free(&ru);
    free(o.files);
    return status;
}

static int cmd_formats(int argc, char **argv) {
    cli_args_t a;
    int rc = cli_parse(CLI_FORMATS, argc, argv, usage_formats, NULL, &a);
    bool detect = cli_has(&a, OPT_DETECT);
    int nfiles = a.npos;
    if (!rc && !detect && nfiles) {
        fprintf(stderr, "postern formats: unexpected argument '%s'\n", a.pos[0]);
        rc = 2;
    }
    if (rc) {
        cli_free(&a);
        return rc == 1 ? EXIT_OK : EXIT_ERR;
    }
    if (detect && !nfiles) {
        fprintf(stderr, "postern formats: --detect needs a FILE (- for stdin)\n");
        cli_free(&a);
        return EXIT_ERR;
    }
    if (cli_output_begin(CLI_FORMATS, cli_last(&a, OPT_OUTPUT), false) != 0) {
        cli_free(&a);
        return EXIT_ERR;
    }
    if (detect) {
        rc = EXIT_OK;
        for (int i = 0; i < nfiles; i++) {
            const char *p = a.pos[i];
            const rd_format_t *f;
            int score;
            if (input_detect(p, &f, &score) != 0) rc = EXIT_ERR;
            else if (f && score) printf("%s: %s (vote %d)\n", p, f->name, score);
            else if (f) printf("%s: %s (no other format recognised: plain text lines)\n", p, f->name);
            else printf("%s: unknown (empty, or binary in no format postern reads)\n", p);
        }
        cli_free(&a);
        return cli_output_end(rc);
    }
    cli_free(&a);
    printf("%-10s %s\n", "auto", "pick a format per file by a vote over its first lines (default)");
    for (int i = 0; rd_formats[i]; i++) {
        printf("%-10s %s\n", rd_formats[i]->name, rd_formats[i]->desc);
        printf("%-10s   recognised by: %s\n", "", rd_formats[i]->detect);
        printf("%-10s   fills: %s\n", "", rd_formats[i]->fills);
    }
    return cli_output_end(EXIT_OK);
}

/* Commands by name. */
static const struct command {
    const char *name;
    int (*fn)(int argc, char **argv);
} commands[] = {
    {"query", cmd_query},
    {"detect", cmd_detect},
    {"lint", cmd_lint},
    {"convert", cv_main},
    {"formats", cmd_formats},
    {"sensor", cmd_sensor},
    {"watch", cmd_watch},
    {"validate", cmd_validate},
    {"test", ruletest_cmd},
};

/* A command's status once standard output is flushed: a write error (a full
 * disk, EIO) not reported yet is said and makes it EXIT_ERR; a reader that
 * went away (`| head`) leaves the status as it was. */
static int stdout_status(int status) {
    int e = fflush(stdout) != 0 ? errno : 0;
    if (!e && !ferror(stdout)) return status;
    if (stdout_reader_gone()) return status;
    if (status != EXIT_ERR)
        fprintf(stderr, "postern: write error on standard output%s%s\n", e ? ": " : "", e ? strerror(e) : "");
    return EXIT_ERR;
}

int main(int argc, char **argv) {
    /* POSTERN_SCAN picks the JSON line scanner's kernel (tests, bench). */
    const char *sk = getenv("POSTERN_SCAN");
    if (sk && *sk && !scan_force(sk)) {
        fprintf(stderr, "postern: POSTERN_SCAN=%s: no such kernel on this CPU (avx512, avx2, sse2, scalar)\n", sk);
        return EXIT_ERR;
    }
    if (argc < 2) {
        fputs(usage_main, stderr);
        return EXIT_ERR;
    }
    /* A reader that goes away ends a command with EPIPE, never SIGPIPE. */
    signal(SIGPIPE, SIG_IGN);
    const char *c = argv[1];
    if (strcmp(c, "-h") == 0 || strcmp(c, "--help") == 0 || strcmp(c, "help") == 0) {
        fputs(usage_main, stdout);
        return stdout_status(EXIT_OK);
    }
    if (strcmp(c, "--version") == 0 || strcmp(c, "-V") == 0 || strcmp(c, "version") == 0) {
        printf("postern %s\n", POSTERN_VERSION);
        return stdout_status(EXIT_OK);
    }
    if (strcmp(c, "--dump-options") == 0 || strcmp(c, "--dump-options=man") == 0) {
        /* (hidden: the option table, for the man page and its test) */
        cli_dump(stdout, c[14] == '=');
        return stdout_status(EXIT_OK);
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(c, commands[i].name) == 0) return stdout_status(commands[i].fn(argc - 2, argv + 2));
    fprintf(stderr, "postern: unknown command '%s'\n\n", c);
    fputs(usage_main, stderr);
    return EXIT_ERR;
}
