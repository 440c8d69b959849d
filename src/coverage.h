/* coverage.h — what a rule saw: the records read, those its scope kept,
 * those carrying the fields it reads; and the words detect says about it.
 *
 * No run of `postern detect` ends in "0 findings" without saying why when
 * the rule could not see the data. cov_plan finds, in a rule's query, the
 * input fields its scope and filters read before the first aggregate and
 * which of them a record cannot pass without (required). The engine counts
 * every record it parses (cov_record); the raw-byte prefilter counts the
 * lines it drops unparsed (in_tally_t, added by cov_add_tally). cov_report
 * prints the summary line and the warnings. A cov_t owns its file table
 * (heap); cov_free releases it. cov_input_fields is also the query
 * command's "fields no record carried" inference (exec.c).
 */
#ifndef POSTERN_COVERAGE_H
#define POSTERN_COVERAGE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "ast.h"
#include "input.h"

/* Most fields a plan counts; one more tally slot is _sourceCategory. */
#define COV_MAXFIELDS (IN_MAXTALLY - 1)
/* _sourceCategory values of records out of scope kept for the warning. */
#define COV_NCATS 3

/* Which fields cov_input_fields lists. */
typedef enum cov_upto {
    COV_FILTERS, /* read by the scope and the row stages before the first aggregate (or sort, top) */
    COV_INPUTS,  /* those, and the first aggregate's group keys and arguments */
} cov_upto_t;

/* The fields a rule's counts are about. */
typedef struct cov_plan {
    uint32_t ids[COV_MAXFIELDS];     /* COV_FILTERS fields (the query's ids), in order of first use */
    bool required[COV_MAXFIELDS];    /* a record without it fails a `where` before the aggregate */
    uint32_t n;                      /* fields */
    bool partial;                    /* the query reads more than COV_MAXFIELDS: the rest are not counted */
    bool scope_category;             /* the scope reads _sourceCategory */
} cov_plan_t;

/* One input file's records that carry none of the plan's fields. */
typedef struct cov_file {
    char *name;        /* its name as given or found (owned) */
    uint64_t input;    /* its input number in the run (record seq >> 44) */
    uint64_t records;  /* records the engine parsed from it */
    uint64_t unmapped; /* of those, carrying none of the plan's fields */
} cov_file_t;

/* Counts of one rule's run; one per engine worker, merged at the end. */
typedef struct cov {
    cov_plan_t plan;                 /* what is counted (cov_plan) */
    uint64_t parsed;                 /* records the engine saw (not dropped unparsed) */
    uint64_t in_scope;               /* records the scope kept (whatever their time) */
    uint64_t with[COV_MAXFIELDS];    /* of those, carrying plan field i */
    uint64_t any_with[COV_MAXFIELDS];/* records in scope or not carrying plan field i */
    uint64_t with_category;          /* records carrying a _sourceCategory */
    uint64_t scoped_parsed;          /* records in scope the engine saw (passed the prefilter), or the
                                        prefilter dropped as outside --from/--to */
    uint64_t in_range;               /* of those, inside --from/--to */
    char cats[COV_NCATS][64];        /* some _sourceCategory values of records out of scope */
    uint32_t ncats;
    cov_file_t *files;               /* files with records, in order of first record (owned) */
    uint32_t nfiles, capfiles;
    uint32_t cur;                    /* files[cur] took the last record (a cache) */
} cov_t;

/* List the fields q reads from its input (no built-in, nothing a stage
 * creates) into ids[0..max): those read up to the first blocking stage,
 * and with COV_INPUTS that stage's keys and arguments too. Returns their
 * number. */
uint32_t cov_input_fields(const query_t *q, uint32_t *ids, uint32_t max, cov_upto_t upto);
/* Start c (zeroed, owning nothing) with the plan of q. */
void cov_init(cov_t *c, const query_t *q);
/* Count record r (a parsed one): whether the scope kept it and whether it
 * lies inside the run's time range. */
void cov_record(cov_t *c, const record_t *r, bool in_scope, bool in_range);
/* Add what the prefilter counted in the lines it dropped; t's fields are
 * c's plan fields, then _sourceCategory (cov_tally_ids). */
void cov_add_tally(cov_t *c, const in_tally_t *t);
/* The field ids to give pf_count for c: the plan's, then _sourceCategory,
 * into ids (IN_MAXTALLY); returns their number (the first c->plan.n are the
 * key fields). */
uint32_t cov_tally_ids(const cov_t *c, uint32_t *ids);
/* Add src's counts to dst (same plan); src's file table is emptied. */
void cov_merge(cov_t *dst, cov_t *src);
/* Release what c owns; c is zeroed. */
void cov_free(cov_t *c);

/* What cov_report says, and about which run. */
typedef struct cov_report {
    const char *rule;    /* the rule's id */
    const query_t *q;    /* its compiled query (field names, scope text) */
    const cov_t *c;      /* its counts */
    uint64_t read;       /* records read, the prefiltered ones included */
    uint64_t out_of_range; /* of those, outside --from/--to (said when has_range) */
    uint64_t results;    /* findings or signals */
    const in_stats_t *st; /* the run's input counts, for its malformed records by file (NULL: none) */
    const char *what;    /* "findings" or "signals" */
    bool has_range;      /* --from/--to were given */
    bool quiet;          /* no summary line and no file lines (warnings still) */
    bool strict;         /* the warnings are errors */
} cov_report_t;

/* Print, on f, the rule's summary line
 *   postern: rule ID: read=N in_scope=N with_F=N ... findings=N [outside_range=N]
 * then a line per file whose records carry none of the plan's fields, and
 * a warning (an error under strict) when records were read but the scope
 * kept none, when none in scope carried a required field, or when none
 * in scope lay in the time range; each says why and what to do. Returns
 * the number of warnings. */
unsigned cov_report(const cov_report_t *r, FILE *f);

/* When st read no record at all, print on f why (no file found, none in a
 * known format, empty inputs, only malformed records) as "WHO: error: no
 * records to run the rules on: ..." (a warning unless error) and return
 * true. */
bool cov_no_input(const in_stats_t *st, const char *who, bool error, FILE *f);

#endif
