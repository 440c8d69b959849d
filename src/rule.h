/* rule.h — detection rules shipped as YAML data.
 *
 * A rule file (a .yml file under rules/, read with libyaml) carries the query and its
 * metadata: MITRE mapping, severities, references, false positives, tuning
 * and blind spots. A rule_t owns every string in it (heap); rule_free
 * releases them. The shipped rules are also compiled into the binary
 * (rules_builtin[]) so `postern detect` works without installed files.
 */
#ifndef POSTERN_RULE_H
#define POSTERN_RULE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diag.h"

/* A list of owned strings. */
typedef struct strlist {
    char **v;
    uint32_t n;
} strlist_t;

/* One severity level: the text the query produces and Cloud SIEM's 0-10 score. */
typedef struct rule_sev {
    char *name;   /* e.g. "critical" */
    int score;    /* 0..10 */
} rule_sev_t;

/* An optional tuning step the user can switch on (`--tune NAME`). */
typedef struct rule_tuning {
    char *name;          /* e.g. "allowlist" */
    char *description;
    char *field;         /* field tested, e.g. "process_name" */
    strlist_t values;    /* process names (basenames), compared case-insensitively with the path's end */
    strlist_t prefixes;  /* path prefixes (a folder: "C:\...\Bin\"), compared case-insensitively
                            with the path's start; one with a drive letter also matches the path
                            under any \Device\HarddiskVolumeN (as Windows Filtering Platform logs it) */
    bool enabled;        /* on by default */
} rule_tuning_t;

/* One column value a test expects of a finding: `col: val`. */
typedef struct rule_want {
    char *col;           /* the column's name, as written (matched case-insensitively, as fields are) */
    char *val;           /* the scalar's text as written ("" for a YAML null) */
    span_t sp;           /* the key in the rule file (messages) */
} rule_want_t;

/* One finding a test expects: the columns it names, the rest not compared. */
typedef struct rule_finding {
    rule_want_t *w;      /* owned */
    uint32_t n;
    span_t sp;           /* the mapping in the rule file */
} rule_finding_t;

/* One test of a rule (an entry of `tests:`; README.md "Testing a rule"). */
typedef struct rule_test {
    char *name;
    span_t sp;           /* the test's mapping in the rule file */
    char *records;       /* the inline records as JSON Lines, one a line (owned), NULL when files */
    uint32_t nrecords;
    span_t records_sp;
    strlist_t files;     /* `file:` paths as written, relative to the rule file's folder */
    span_t files_sp;
    char *category;      /* _sourceCategory for records without one (as --category), NULL: none */
    strlist_t tune;      /* tunings switched on for this test (as --tune) */
    span_t tune_sp;
    bool expect_none;    /* `expect: none` (or an empty list) */
    rule_finding_t *expect; /* otherwise the findings expected, owned */
    uint32_t nexpect;
} rule_test_t;

/* A parsed rule. */
typedef struct rule {
    char *path;              /* file it came from, or "builtin:<id>" */
    char *id;                /* e.g. "postern-t1071.003-mail-protocols" */
    char *title;
    char *description;
    char *status;            /* stable/experimental */
    char *tactic, *tactic_id;            /* "Command and Control", "TA0011" */
    char *technique, *technique_id;      /* "Application Layer Protocol", "T1071" */
    char *subtechnique, *subtechnique_id;/* "Mail Protocols", "T1071.003" */
    char *severity_field;    /* field of each result row naming its severity ("Severity") */
    char *default_severity;  /* when the row has no such field */
    rule_sev_t *sevs;        /* severity names and scores */
    uint32_t nsevs;
    strlist_t references;
    strlist_t false_positives;
    strlist_t blind_spots;
    strlist_t data_sources;
    strlist_t lint_ignore;   /* lint codes the rule's authors accepted on purpose */
    rule_tuning_t *tunings;
    uint32_t ntunings;
    rule_test_t *tests;      /* `tests:`, run by `postern test` and `lint --rule` (ruletest.h) */
    uint32_t ntests;
    char *query;             /* the Sumo query text */
    uint32_t query_line;     /* 1-based line of the query's first line in the file (for diagnostics) */
    char *text;              /* the whole file text (for diagnostics) */
} rule_t;

/* Parse a rule from text[0..len); name is used in messages. Errors (file,
 * line, column, what was expected) go to d, whose name/source the function
 * sets to name/text. Returns 0, or -1 on error. */
int rule_parse(const char *name, const char *text, size_t len, rule_t *r, diag_t *d);
/* Read and parse a rule file. Returns 0, or -1 (message in d or on stderr). */
int rule_load_file(const char *path, rule_t *r, diag_t *d);
/* Release everything r owns. */
void rule_free(rule_t *r);
/* Score (0..10) of a severity name, or -1 when the rule does not list it. */
int rule_sev_score(const rule_t *r, const char *name, size_t n);
/* The query with the enabled tunings applied: each tuning adds
 *   | where !(<field> matches /(?i)(^|[\\/])(v1|v2)$|^(p1|p2)/)
 * right after the scope (before the first stage): v the values, p the
 * prefixes (either part left out when empty). Returns a heap string. */
char *rule_tuned_query(const rule_t *r);

/* A rule compiled into the binary. */
typedef struct rule_builtin {
    const char *name;  /* file name under rules/ */
    const char *text;  /* its YAML */
    size_t len;
} rule_builtin_t;
extern const rule_builtin_t rules_builtin[];
extern const unsigned rules_builtin_count;

#endif
