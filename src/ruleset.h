/* ruleset.h — the rules a command runs: loaded, tuned and compiled.
 *
 * Used by detect, watch and validate. ruleset_load reads rule files (or the
 * builtin rules); ruleset_prepare also switches on the tunings named,
 * compiles every rule's query and makes its findings name their files. A ruleset_t owns its rules, queries, tuned
 * query texts and diagnostics; ruleset_free releases them.
 */
#ifndef POSTERN_RULESET_H
#define POSTERN_RULESET_H

#include <stdbool.h>

#include "ast.h"
#include "diag.h"
#include "rule.h"
#include "table.h"

/* Loaded and compiled rules. Entry i of every array belongs to rule i. */
typedef struct ruleset {
    rule_t *rules;      /* owned */
    query_t **q;        /* compiled (tuned) queries, owned */
    char **text;        /* the tuned query texts the queries point into, owned */
    diag_t *d;          /* each query's diagnostics, owned */
    int n;              /* rules */
} ruleset_t;

/* Parse and lint a query; print its diagnostics at or above warnings
 * (notes too with show_notes; errors only when quiet) on stderr. Lint codes
 * in ignore are dropped (with show_notes: made notes, as lint shows a
 * rule's lint_ignore); strict makes warnings errors. d is initialised
 * here and borrows text. Returns the query (caller frees), or NULL. */
query_t *ruleset_compile(const char *name, const char *text, size_t len, uint32_t line0, bool strict, bool quiet,
                         bool show_notes, const strlist_t *ignore, diag_t *d);
/* Load the rule files files[0..nfiles) and every *.yml in dir (NULL: none),
 * or the builtin rules when both are empty. *out (caller frees each with
 * rule_free, then the array) receives the rules that parsed, *n their
 * count. Returns 0, or -1 when some rule failed, dir holds none, or two
 * rules have one id (messages on stderr). */
int ruleset_load(const char *const *files, int nfiles, const char *dir, rule_t **out, int *n);
/* Switch on tuning tunes[0..ntunes) in every rule that has it. Returns 0,
 * or -1 when a name is no rule's (said on stderr, with the closest). */
int ruleset_tune(rule_t *rules, int n, const char *const *tunes, int ntunes);
/* Make each finding of q name the files its records came from: q's first
 * aggregate (when its first blocking stage is one) also collects
 * values(_sourceName) as _sourceName, the last column (a later `fields`
 * list keeps it too, last). Nothing changes
 * when q groups by or already makes _sourceName. Returns whether the
 * aggregate was extended (its new array lives in q's arena). */
bool ruleset_name_sources(query_t *q);
/* The rule fields every finding (batch detect) and every signal
 * (--follow, watch) starts with, in this order: docs/schema.md, "Findings
 * and signals". ORDER META: ruleset_meta. */
#define RULESET_NMETA 6
extern const char *const ruleset_meta_names[RULESET_NMETA];
/* The values of ruleset_meta_names for rule ru (borrowed from ru; NULL
 * when the rule has none): rule_id, rule_title, mitre_tactic_id,
 * mitre_tactic, mitre_technique_id, mitre_technique (the sub-technique's
 * when the rule names one). */
void ruleset_meta(const rule_t *ru, const char *v[RULESET_NMETA]);
/* The severity of a result row whose severity field holds sv: its text
 * (the rule's default_severity, or "medium", when sv is no text), with
 * its score in *score (-1 when the rule does not list it). */
pstr_t ruleset_severity(const rule_t *ru, value_t sv, int *score);
/* The columns ruleset_keep_times adds to each finding (the HTML report's
 * timelines): its records' distinct _messageTime values, one a line in
 * byte order (at most keep of them), and how many records it has. */
#define RULESET_TIMES "_timeline"
#define RULESET_TIMES_N "_timeline_records"
/* Make each finding of q carry the times of its records, as
 * ruleset_name_sources carries their files: q's first aggregate (when its
 * first blocking stage is one) also collects values(_messageTime), at most
 * keep of them, as RULESET_TIMES and count as RULESET_TIMES_N (a later
 * `fields` list keeps both, last). Nothing changes when the aggregate
 * groups by _messageTime or already makes either column. Returns whether
 * the aggregate was extended. */
bool ruleset_keep_times(query_t *q, uint32_t keep);
/* Prefix each finding (row of t, q's result) with rule ru's identity, MITRE
 * mapping and severity, as detect prints them: the ruleset_meta_names,
 * severity (ruleset_severity; the column named `severity` whatever the
 * rule's field is called) and severity_score first, then q's columns. */
void ruleset_decorate(const rule_t *ru, query_t *q, table_t *t);
/* ruleset_load, ruleset_tune, then compile each rule and name the
 * sources of its findings (ruleset_name_sources). Returns 0, or -1
 * (messages printed; rs is left empty). */
int ruleset_prepare(ruleset_t *rs, const char *const *files, int nfiles, const char *dir, const char *const *tunes,
                    int ntunes, bool strict, bool quiet);
/* Free everything rs owns. */
void ruleset_free(ruleset_t *rs);
/* Where rule r's lookup tables are read from: given (--lookup-dir) when
 * set, else the rule file's own folder (written into buf of n bytes),
 * else NULL (the current folder: a builtin rule). */
const char *ruleset_lookup_dir(const rule_t *r, const char *given, char *buf, size_t n);

#endif
