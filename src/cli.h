/* cli.h — the command line's options: one table drives parsing, --help and
 * the man page check.
 *
 * cli.c owns the table (every option of every command: name, short name,
 * argument, help text, the commands that take it) and the parser. Parsing
 * borrows argv: every value and positional argument points into it and
 * lives as long as argv does. The commands give meaning to the values.
 */
#ifndef POSTERN_CLI_H
#define POSTERN_CLI_H

#include <stdbool.h>
#include <stdio.h>

/* The commands that take options. ORDER CMD: cli.c's cmd_names. */
typedef enum cli_cmd {
    CLI_QUERY, CLI_DETECT, CLI_LINT, CLI_CONVERT, CLI_FORMATS,
    CLI_SENSOR, CLI_WATCH, CLI_VALIDATE, CLI_TEST, CLI_NCMDS
} cli_cmd_t;

/* Every option, by meaning (one id may have a row per command, each with
 * its own help text). ORDER OPT: none (the table names its id). */
typedef enum cli_opt {
    OPT_HELP, OPT_QUERY_FILE, OPT_OUTPUT, OPT_FORMAT, OPT_CRLF, OPT_WIDE, OPT_COLOR, OPT_TIME_FORMAT,
    OPT_INPUT_FORMAT, OPT_CATEGORY, OPT_LOOKUP_DIR, OPT_FROM, OPT_TO, OPT_LOOKUP_MAP, OPT_GEO_DB, OPT_ASN_DB,
    OPT_STRICT, OPT_STATS, OPT_THREADS, OPT_MAX_MEMORY, OPT_NO_PREFILTER, OPT_NO_STREAM, OPT_FOLLOW_SYMLINKS,
    OPT_QUIET, OPT_AST, OPT_RULE, OPT_RULES, OPT_TUNE, OPT_FAIL_ON_FINDINGS, OPT_MIN_LEVEL, OPT_FOLLOW,
    OPT_WINDOW, OPT_LATENESS, OPT_MAX_GROUPS, OPT_TO_TARGET, OPT_TABLE, OPT_DETECT, OPT_DURATION, OPT_USER,
    OPT_POLL, OPT_CHECK, OPT_RECORDS, OPT_TEST, OPT_JUNIT, OPT_HTML
} cli_opt_t;

/* One option as given: its id, its value (NULL for a flag; borrowed from
 * argv) and its long name (static) for messages. */
typedef struct cli_item {
    cli_opt_t id;      /* what it is */
    const char *val;   /* its value, or NULL */
    const char *name;  /* "--format" */
} cli_item_t;

/* A parsed command line. items and pos are heap arrays of argc+1 slots,
 * freed by cli_free; their strings are argv's. */
typedef struct cli_args {
    cli_item_t *items; /* the options in order */
    int nitems;
    const char **pos;  /* positional arguments in order (after -- too) */
    int npos;
} cli_args_t;

/* Parse argv (the arguments after the command's name) for cmd. -h/--help
 * prints head, the option list and tail to stdout and returns 1; an
 * option cmd does not take, a missing value, a value given to a flag, more
 * positional arguments than cmd takes (or two options the table says
 * exclude each other) prints one message
 * naming the command and the option to stderr and returns 2; else 0. a
 * is filled in every case (free it with cli_free). */
int cli_parse(cli_cmd_t cmd, int argc, char **argv, const char *head, const char *tail, cli_args_t *a);

/* Free what cli_parse allocated in a. */
void cli_free(cli_args_t *a);

/* The value of a's last option id, or NULL (also for a flag: see cli_has). */
const char *cli_last(const cli_args_t *a, cli_opt_t id);

/* Whether a has option id. */
bool cli_has(const cli_args_t *a, cli_opt_t id);

/* Print cmd's option list, as --help shows it, to f. */
void cli_print_options(cli_cmd_t cmd, FILE *f);

/* Print every command's options to f, one line each:
 * "COMMAND -S --long ARG" (short name or -, argument or -): what
 * `postern --dump-options` writes; with man, as the troff of the man
 * page's OPTIONS BY COMMAND list (`postern --dump-options=man`, which
 * tools/man-options.sh puts in man/postern.1 and a test compares). */
void cli_dump(FILE *f, bool man);

/* An error about two options given together, said as
 * "postern CMD: A and B cannot be used together (WHY)"; returns 2. */
int cli_conflict(cli_cmd_t cmd, const char *a, const char *b, const char *why);

/* ---- -o FILE ------------------------------------------------------------ */

/* Send standard output to path: to path.tmp, renamed to path by
 * cli_output_end when the command succeeded (direct: written as it comes,
 * for the live commands, and for a path that exists and is no regular
 * file, such as /dev/null or a FIFO, which a rename would replace).
 * Returns 0, or 2 with a message when it cannot be opened. NULL or "-"
 * leaves stdout as it is. */
int cli_output_begin(cli_cmd_t cmd, const char *path, bool direct);

/* End what cli_output_begin started, given the command's status: flush,
 * rename path.tmp to path when status is not 2 or the output was said
 * complete (removed otherwise). Returns status, or 2 with a message when
 * the file could not be written. */
int cli_output_end(int status);
/* The output is whole even if the status will be 2 (`test`: a test that
 * errored is a line of the report): cli_output_end keeps it unless the
 * file could not be written. */
void cli_output_complete(void);

#endif
