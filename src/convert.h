/* convert.h — `postern convert`: a parsed query as one SQL statement for
 * another engine (DuckDB, PostgreSQL, ClickHouse, Spark SQL).
 *
 * The converter reads the parsed query (ast.h: scope, stages, expressions)
 * and never its text. convert.c plans the statement (one CTE a stage, the
 * static type of every column, the output columns postern would show);
 * convert_sql.c holds each target's spelling of the pieces that differ
 * (quoting, casts, regex and LIKE tests); convert_cols.c keeps the column
 * list the SQL and KQL planners share; convert_regex.c translates a
 * Java regex into the target's dialect or refuses it; convert_cmd.c is the
 * command. Anything a target cannot express exactly is an error at the
 * construct (a diag_t message), never an approximation. docs/convert.md is the user's contract.
 * Everything returned is owned by the caller's buf_t; the query is borrowed.
 */
#ifndef POSTERN_CONVERT_H
#define POSTERN_CONVERT_H

#include <stdarg.h>
#include <stdbool.h>

#include "ast.h"
#include "buf.h"
#include "diag.h"

struct cv_opts;
struct rule;

/* One target's SQL spelling (convert_sql.c). Templates hold $1 and $2 for
 * the SQL of their operands. */
typedef struct cv_dialect {
    const char *name;        /* the --to name: "duckdb" */
    const char *title;       /* "DuckDB", for messages */
    char idq;                /* identifier quote: '"' or '`' (doubled inside) */
    bool backslash_strings;  /* string literals read backslash escapes (ClickHouse, Spark): \ and ' escaped with \ */
    const char *dbl;         /* the 64-bit float type: DOUBLE, DOUBLE PRECISION, Float64 */
    const char *text;        /* the nullable text type: VARCHAR, TEXT, Nullable(String), STRING */
    const char *num;         /* text $1 as postern's number (value.c str_to_num), else NULL */
    const char *num_zero;    /* the number $1 with -0 as 0, or NULL when the engine's GROUP BY, IN and
                                DISTINCT already take -0 for 0 (ClickHouse hashes the bits: -0 IN (0) is false) */
    const char *re_search;   /* regex $2 found anywhere in $1 (true/false/NULL) */
    const char *like;        /* $1 LIKE pattern $2 whose escape character is backslash */
    const char *text_cmp;    /* appended to a text operand of < > <= >= and ORDER BY: bytewise order */
    const char *octets;      /* length of $1 in bytes */
    const char *find;        /* 1-based position of $2 in $1, 0 when absent (in the units of substr) */
    const char *substr;      /* $1 from position $2 on */
    const char *substr3;     /* $3 units of $1 from position $2 */
    const char *length;      /* length of $1 in the units of find and substr */
    bool byte_pos;           /* find, substr and length count bytes (else characters) */
    const char *trim;        /* $1 without blanks (space \t \n \v \f \r) at either end */
    const char *trunc;       /* the number $1 rounded towards 0 */
    const char *replace;     /* $1 with every $2 (a non-empty text, left to right) replaced by $3 */
    const char *re_group;    /* group $3 of regex $2's first match in $1 (when it matched), or NULL: no exact form */
    int re_dialect;          /* CV_RE_* of convert_regex.c */
    /* A target that is no SQL (Sigma, KQL): its own converter (the contract of cv_convert), NULL: the SQL planner. */
    bool (*convert)(const struct query *q, const struct cv_opts *o, buf_t *out, diag_t *d);
} cv_dialect_t;

/* Regex dialects the translation writes. */
enum { CV_RE_RE2, CV_RE_ARE, CV_RE_JAVA };

/* The target named name, or NULL. */
const cv_dialect_t *cv_dialect(const char *name);
/* The targets' names joined by "|" (static text), for usage messages. */
const char *cv_dialect_names(void);

/* What a conversion is asked for. */
typedef struct cv_opts {
    const cv_dialect_t *to;  /* the target */
    const char *table;       /* the input table's name (default "logs") */
    const char *header;      /* comment lines to put first (rule metadata), NULL: none; each line
                                is written as an SQL comment, control characters blanked */
    const struct rule *rule; /* --rule's rule (its metadata for Sigma), NULL: a query; borrowed */
    int64_t window_ms;       /* --window: Sigma's timespan (0: postern detect --follow's default) */
} cv_opts_t;

/* Convert q into one SQL statement for o->to, appended to out (ending in
 * ";\n"). On a construct the target cannot express exactly, an error
 * naming it and the target goes to d (whose source is q's text) and the
 * result is false (out then holds nothing useful). */
bool cv_convert(const query_t *q, const cv_opts_t *o, buf_t *out, diag_t *d);

/* cv_convert for Sigma (convert_sigma.c): a Sigma detection rule, and a
 * correlation rule for a count's threshold, as one YAML stream. */
bool cv_sigma(const query_t *q, const cv_opts_t *o, buf_t *out, diag_t *d);

/* The KQL target (convert_kql.c): q as one KQL query (Microsoft Sentinel,
 * Azure Data Explorer), with cv_convert's contract. */
bool cv_convert_kql(const query_t *q, const cv_opts_t *o, buf_t *out, diag_t *d);

/* The input columns of q: the fields it reads before any stage makes
 * them, and for message rows _messageTime and _sourceCategory (postern
 * shows them after `fields`), as a heap list in *out (the caller frees
 * it); returns their number. */
uint32_t cv_input_fields(const query_t *q, uint32_t **out);
/* The input table's column for field f (docs/convert.md): a built-in or
 * schema field under its own spelling, any other as q spells it (borrowed). */
pstr_t cv_input_name(const query_t *q, uint32_t f);
/* Whether field f is a column of the input table (built-ins only some). */
bool cv_input_ok(uint32_t f);

/* Report that a construct (at sp; fmt names it) has no exact form in
 * target t: an error in d naming both. Returns false. */
bool cv_refuse(diag_t *d, const cv_dialect_t *t, span_t sp, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* cv_refuse with a va_list. */
bool cv_refusev(diag_t *d, const cv_dialect_t *t, span_t sp, const char *fmt, va_list ap);

/* A value's static type in a plan. */
enum { CV_STR, CV_NUM };
/* "text", "number": CV_* for messages. */
extern const char *const cv_type_name[2];

/* A column of a planner's current relation (convert_cols.c): both the SQL
 * and the KQL planner keep one list of these. */
typedef struct cv_col {
    uint32_t f;    /* field id */
    uint8_t t;     /* CV_STR or CV_NUM */
    uint8_t fl;    /* the target's own flags (KQL: may be null, may be empty; SQL: none) */
    uint32_t ver;  /* its name is c<f>_<ver> (a new version per assignment: no alias shadows a column) */
    uint32_t aux;  /* the target's own number (KQL: a text column's number helper), 0 on each new version */
} cv_col_t;

/* The columns, in order, and the plan's version counter (also the
 * source of the targets' helper numbers). Owns v (cv_cols_free). */
typedef struct cv_cols {
    cv_col_t *v;
    uint32_t n, cap;
    uint32_t ver;  /* the last version given out */
} cv_cols_t;

/* The column of field f, or NULL (points into l: valid until l changes). */
cv_col_t *cv_col_find(cv_cols_t *l, uint32_t f);
/* A new version of field f's column (appended when f has none) of type t
 * and flags fl, aux 0; returns it. */
cv_col_t *cv_col_add(cv_cols_t *l, uint32_t f, uint8_t t, uint8_t fl);
/* Field k->f's column as k is (type, flags, version; aux 0), appended when
 * it has none. */
void cv_col_keep(cv_cols_t *l, const cv_col_t *k);
/* Free l's list. */
void cv_cols_free(cv_cols_t *l);
/* The number of fields aggregate stage s groups by (top: its field, then its `by`). */
uint32_t cv_group_n(const stage_t *s);
/* The columns of the fields aggregate stage s groups by into
 * keys[0..cv_group_n(s)) (the caller's array); a key no row has is
 * refused (naming target t in d): false. */
bool cv_cols_keys(cv_cols_t *l, const stage_t *s, cv_col_t *keys, const cv_dialect_t *t, diag_t *d);
/* The columns after an aggregate: its keys, then its aggregates, each
 * under its own version. */
void cv_cols_regroup(cv_cols_t *l, const cv_col_t *keys, uint32_t nkeys, const cv_col_t *aggs, uint32_t naggs);
/* `fields - a, b` (after an aggregate or a `fields` list: else refused) or
 * `fields a, b`: those columns in that order (a name no column has is
 * refused), then the built-in fields postern shows, in its order; *fixed
 * is set. A listed field no row has must have been added first (the
 * target's null column). Refusals name target t in d: false. */
bool cv_cols_fields(cv_cols_t *l, const stage_t *s, bool grouped, bool *fixed, const cv_dialect_t *t, diag_t *d);
/* The field id of the input-order column `_seq` (docs/convert.md) in a
 * column list: after an aggregate, the smallest _seq of each group. */
#define CV_F_SEQ (FIELD_NONE - 1)
/* Whether q reads the input order (top, first, last): its plan then reads `_seq`. */
bool cv_needs_seq(const query_t *q);

/* Whether field f is one of sort stage s's keys. */
bool cv_sort_key(const stage_t *s, uint32_t f);

/* The stages each target plans (cv_walk takes sort and limit): the kind
 * and the name of the target's static function for it, fn(state, stage). */
#define CV_STAGES(X) \
    X(ST_WHERE, st_where) X(ST_ASSIGN, st_assign) X(ST_AGG, st_agg) X(ST_TIMESLICE, st_timeslice) \
    X(ST_PARSE, st_parse) X(ST_PARSE_REGEX, st_parse_regex) X(ST_FIELDS, st_fields) X(ST_TOP, st_top)

/* A target's planner of one stage (where, as, an aggregate, timeslice,
 * parse, fields, or a refusal of any other) on the target's state st,
 * driven by cv_walk. */
typedef bool (*cv_stage_fn)(void *st, const stage_t *s);

/* Defines `static bool FN_NAME(void *st, const stage_t *s)`, a target's
 * cv_stage_fn: each kind of CV_STAGES to the file's static function of
 * that name, any other stage refused through the file's
 * REFUSE_FN(st, span, fmt, ...). One definition for every target. */
#define CV_STAGE_FN(fn_name, refuse_fn)                                                     \
    static bool fn_name(void *st, const stage_t *s) {                                       \
        switch (s->kind) {                                                                  \
            CV_STAGES(CV_STAGE_CASE_)                                                       \
        default: return refuse_fn(st, s->sp, "the %s operator", stage_info[s->kind].name); \
        }                                                                                   \
    }
#define CV_STAGE_CASE_(kind, fn) \
    case kind: return fn(st, s);

/* What ends a plan: the final sort (NULL: none) and limit (-1: none). */
typedef struct cv_tail {
    const stage_t *sort;
    int64_t limit;
} cv_tail_t;

/* Walk q's stages in order: sort and limit into *tail (only fields and a
 * limit may follow them; a limit needs a sort; a sort key must be a column
 * of cols, st's columns as they are then), every other stage through
 * stage. A refusal goes to d (naming target t); returns false then. */
bool cv_walk(const query_t *q, const cv_dialect_t *t, cv_stage_fn stage, void *st, cv_cols_t *cols, cv_tail_t *tail,
             diag_t *d);

/* Whether arithmetic e (EX_ADD, EX_SUB, EX_MUL, EX_DIV, EX_MOD) has an
 * exact form in every target: not `%` (Java's remainder of doubles), not
 * `/` by anything but a non-zero number literal. Refused in d (naming t)
 * when not. */
bool cv_arith_ok(const expr_t *e, const cv_dialect_t *t, diag_t *d);
/* The operator arithmetic kind k (EX_ADD, EX_SUB, EX_MUL, EX_DIV) is
 * written with in SQL and KQL alike. */
const char *cv_arith_op(unsigned k);

/* What parse and parse regex share in every target: the chain rule (no
 * parse without nodrop after one with it while nodrop_open) and a source
 * field that is a text column of cols. Returns that column, or NULL once
 * refused in d (naming t). The caller then sets its nodrop_open to
 * s->nodrop. */
cv_col_t *cv_parse_source(cv_cols_t *cols, bool nodrop_open, const stage_t *s, const cv_dialect_t *t, diag_t *d);

/* `postern convert ARGS` (convert_cmd.c): the command (argc, argv after its name).
 * Returns the exit status: 0, or 2 (usage, a query error, a refusal). */
int cv_main(int argc, char **argv);

/* What cv_regex saw of a pattern's capturing groups. */
typedef struct cv_rxinfo {
    uint32_t ngroups;   /* capturing groups, numbered as Java numbers them (the translation keeps the numbers) */
    uint64_t optional;  /* bit g-1: group g may take no part in a match (in an alternative, or under ?, * or {0,}) */
} cv_rxinfo_t;

/* Translate the Java regex pat (as postern reads it, docs/semantics.md §2)
 * into dialect re (CV_RE_*) for a search anywhere in the value, appended
 * to out; info (may be NULL) receives its groups. Returns NULL, or a
 * static reason naming the construct that has no exact equivalent there
 * (out then holds a partial pattern). */
const char *cv_regex(pstr_t pat, int re, buf_t *out, cv_rxinfo_t *info);

#endif
