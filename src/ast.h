/* ast.h — the parsed query: scope expression, pipeline stages, and the
 * tables of scalar functions and aggregates the parser resolves names in.
 *
 * Every node lives in the query arena (query_t.arena) and carries the span
 * of query text it came from. String literals are unescaped copies in the
 * query arena; compiled regexes (rx_t) are owned by the query and freed by
 * query_free().
 */
#ifndef POSTERN_AST_H
#define POSTERN_AST_H

#include <stdbool.h>
#include <stdint.h>

#include "arena.h"
#include "diag.h"
#include "field.h"
#include "str.h"

struct rx;
struct dt_zone;

/* Function flags. */
#define FF_INPLACE 1 /* `| f(x)` without `as` writes the result back into field x ("f(<field>) [as <field>]") */

/* Scalar functions: id, name (Sumo spelling, matched case-insensitively),
 * min and max args, flags, the implementation (eval.c), one-line help.
 * One row a function; ORDER FUNC: nothing depends on the order. */
#define FUNC_TABLE(X) \
    X(FN_TOLOWERCASE, "toLowerCase", 1, 1, FF_INPLACE, f_tolower, "lower-case a string")                                         \
    X(FN_TOUPPERCASE, "toUpperCase", 1, 1, FF_INPLACE, f_toupper, "upper-case a string")                                         \
    X(FN_CONCAT, "concat", 2, 16, 0, f_concat, "join the text of 2 to 16 arguments")                                                 \
    X(FN_LENGTH, "length", 1, 1, FF_INPLACE, f_length, "length of a string in bytes")                                            \
    X(FN_SUBSTRING, "substring", 2, 3, 0, f_substring, "substring(s, start[, end]), 0-based")                                    \
    X(FN_REPLACE, "replace", 3, 3, 0, f_replace, "replace(s, \"lit\"|/re/, new)")                                                \
    X(FN_TRIM, "trim", 1, 1, FF_INPLACE, f_trim, "strip surrounding whitespace")                                                 \
    X(FN_NUM, "num", 1, 1, FF_INPLACE, f_num, "cast to a number (null if not numeric)")                                          \
    X(FN_NUMBER, "number", 1, 1, FF_INPLACE, f_num, "same as num")                                                               \
    X(FN_TOLONG, "toLong", 1, 1, FF_INPLACE, f_tolong, "cast to an integer, truncating")                                         \
    X(FN_TOINT, "toInt", 1, 1, FF_INPLACE, f_tolong, "cast to an integer, truncating")                                           \
    X(FN_TOSTRING, "toString", 1, 1, FF_INPLACE, f_tostring, "cast to a string")                                                 \
    X(FN_NOW, "now", 0, 0, 0, f_now, "current time, epoch milliseconds")                                                         \
    X(FN_FORMATDATE, "formatDate", 1, 3, FF_INPLACE, f_formatdate, "formatDate(ms[, pattern[, tz]])")                            \
    X(FN_PARSEDATE, "parseDate", 2, 3, 0, f_parsedate, "parseDate(text, pattern[, tz]): epoch ms")                               \
    X(FN_ISVALIDIP, "isValidIP", 1, 1, FF_INPLACE, f_isvalidip, "true for an IPv4 or IPv6 address")                              \
    X(FN_ISPRIVATEIP, "isPrivateIP", 1, 1, FF_INPLACE, f_isprivateip, "true for an RFC 1918 IPv4 address")                       \
    X(FN_ISPUBLICIP, "isPublicIP", 1, 1, FF_INPLACE, f_ispublicip, "true for a routable IPv4 address")                           \
    X(FN_COMPARECIDRPREFIX, "compareCIDRPrefix", 3, 3, 0, f_comparecidr, "compareCIDRPrefix(ip1, ip2, bits): same IPv4 prefix")  \
    X(FN_ISNULL, "isNull", 1, 1, 0, f_isnull, "true when the value is null")                                                     \
    X(FN_ISEMPTY, "isEmpty", 1, 1, 0, f_isempty, "true when null or the empty string")                                           \
    X(FN_ISBLANK, "isBlank", 1, 1, 0, f_isblank, "true when null, empty or only whitespace")                                     \
    X(FN_CONTAINS, "contains", 2, 2, 0, f_contains, "contains(a, b): b is a substring of a")                                     \
    X(FN_ABS, "abs", 1, 1, FF_INPLACE, f_abs, "absolute value")                                                                  \
    X(FN_ROUND, "round", 1, 1, FF_INPLACE, f_round, "round to the nearest integer")                                              \
    X(FN_FLOOR, "floor", 1, 1, FF_INPLACE, f_floor, "round down")                                                                \
    X(FN_CEIL, "ceil", 1, 1, FF_INPLACE, f_ceil, "round up")                                                                     \
    X(FN_IF, "if", 3, 3, 0, f_if, "if(cond, a, b)")

typedef enum func_id {
#define X(id, name, lo, hi, flags, impl, help) id,
    FUNC_TABLE(X)
#undef X
    FN__COUNT
} func_id_t;

/* A function's name, arity, flags and help, indexed by func_id_t. */
typedef struct func_info {
    const char *name;           /* Sumo's spelling */
    uint8_t min_args, max_args; /* arity */
    uint8_t flags;              /* FF_* */
    const char *help;           /* one line */
} func_info_t;
extern const func_info_t func_info[FN__COUNT];
/* Function id by name (case-insensitive), or -1. */
int func_lookup(pstr_t name);

/* Aggregates: id, name, default output name, argument kind
 * (0 none, 1 optional field, 2 required field, 3 field and number),
 * help. ORDER AGG: agg.c's ops table. */
#define AGG_TABLE(X)                                                                \
    X(AG_COUNT, "count", "_count", 1, "number of messages (count(f): having f)")    \
    X(AG_COUNT_DISTINCT, "count_distinct", "_count_distinct", 2,                    \
      "number of distinct values (exact)")                                          \
    X(AG_SUM, "sum", "_sum", 2, "sum of numeric values")                            \
    X(AG_MIN, "min", "_min", 2, "smallest numeric value")                           \
    X(AG_MAX, "max", "_max", 2, "largest numeric value")                            \
    X(AG_AVG, "avg", "_avg", 2, "mean of numeric values")                           \
    X(AG_FIRST, "first", "_first", 2, "value of the newest message")                \
    X(AG_LAST, "last", "_last", 2, "value of the oldest message")                   \
    X(AG_VALUES, "values", "_values", 2, "distinct values, one a line (the first 100)")        \
    X(AG_PCT, "pct", "_pct", 3, "pct(f, n): n-th percentile")                       \
    X(AG_STDDEV, "stddev", "_stddev", 2, "sample standard deviation")

typedef enum agg_id {
#define X(id, name, dflt, arg, help) id,
    AGG_TABLE(X)
#undef X
    AG__COUNT
} agg_id_t;

/* An aggregate's names, argument kind and help, indexed by agg_id_t. */
typedef struct agg_info {
    const char *name;
    const char *default_as;
    uint8_t arg;
    const char *help;
} agg_info_t;
extern const agg_info_t agg_info[AG__COUNT];
/* Aggregate id by name (case-insensitive), or -1. */
int agg_lookup(pstr_t name);

/* Expression node kinds. ORDER EXPR: parse.c and eval.c tables. */
#define EXPR_KINDS(X)                                                   \
    X(EX_NUM)      /* numeric literal: num (text in str) */              \
    X(EX_STR)      /* string literal: str */                            \
    X(EX_BOOL)     /* true/false: num 1/0 */                            \
    X(EX_FIELD)    /* field reference: field */                          \
    X(EX_REGEX)    /* /re/ literal: str (pattern), re */                 \
    X(EX_NOT)      /* !a */                                              \
    X(EX_NEG)      /* -a */                                              \
    X(EX_ADD) X(EX_SUB) X(EX_MUL) X(EX_DIV) X(EX_MOD)                    \
    X(EX_EQ) X(EX_NE) X(EX_LT) X(EX_GT) X(EX_LE) X(EX_GE)                \
    X(EX_AND) X(EX_OR)                                                   \
    X(EX_IN)       /* a in (args...); neg for `not in` */                \
    X(EX_MATCHES)  /* a matches b; b is EX_STR (wildcard) or EX_REGEX */ \
    X(EX_CONTAINS) /* a contains b */                                    \
    X(EX_CALL)     /* func(args...) */                                   \
    X(EX_COND)     /* a ? b : c, and if(a, b, c) */                      \
    X(EX_KEYWORD)  /* scope: term or phrase against _raw: str, neg */    \
    X(EX_FIELDWILD)/* scope: field=pattern, case-insensitive wildcard */ \
    X(EX_ALL)      /* scope: * */

typedef enum expr_kind {
#define X(k) k,
    EXPR_KINDS(X)
#undef X
    EX__COUNT
} expr_kind_t;

/* An expression node (query arena). */
typedef struct expr {
    uint8_t kind;          /* expr_kind_t */
    bool neg;              /* EX_IN: not in; EX_MATCHES: not matches */
    bool quoted;           /* EX_KEYWORD: a quoted phrase */
    span_t sp;             /* source text of the whole node */
    struct expr *a, *b, *c;/* operands */
    struct expr **args;    /* EX_IN list, EX_CALL arguments */
    uint32_t nargs;
    uint32_t field;        /* EX_FIELD, EX_FIELDWILD: field id */
    int func;              /* EX_CALL: func_id_t */
    double num;            /* EX_NUM, EX_BOOL */
    pstr_t str;            /* EX_STR/EX_KEYWORD/EX_FIELDWILD: unescaped text; EX_REGEX: pattern; EX_NUM: text */
    struct rx *re;         /* EX_REGEX: compiled pattern */
    cset_t *set;           /* EX_IN whose values are all string literals: them as a set (query arena) */
    struct kwpat *kw;      /* EX_KEYWORD: the compiled keyword (query arena) */
    const struct dt_zone *zone; /* EX_CALL formatDate/parseDate: the literal zone, resolved when parsed (process cache, not owned; NULL: unknown) */
} expr_t;

/* One aggregate in an aggregation stage. */
typedef struct aggspec {
    int fn;          /* agg_id_t */
    uint32_t field;  /* argument field id, FIELD_NONE for bare count */
    double arg;      /* pct: the percentile */
    uint32_t as;     /* output field id */
    bool as_given;   /* `as` was written */
    span_t sp;       /* whole aggregate, e.g. `dcount(dest_ip) as X` */
    span_t name_sp;  /* the function name as written (dcount stays visible to lint) */
} aggspec_t;

/* One sort key. */
typedef struct sortkey {
    uint32_t field;
    bool desc;
    span_t sp;
} sortkey_t;

/* Stage flags. */
#define SF_BLOCKING 1 /* needs every row first: runs as a table function (aggregates, sort, ...) */
#define SF_PARSE 2    /* parse family: nodrop and the chain rule; lint's drop note */
#define SF_ANYFIELD 4 /* may create fields the query does not name (json auto, ...) */

/* Stages: kind, keyword (the dump's name), flags, and the functions that
 * parse and run it (op.h): one row an operator. parse.c finds a stage's
 * parse function by its keyword (ST_ASSIGN, ST_AGG and names with a space
 * are found otherwise), exec.c its row or table function by its kind.
 * ORDER STAGE: nothing else depends on the order. */
#define STAGE_KINDS(X)                                                                              \
    X(ST_WHERE, "where", 0, stage_where, row_where, tab_none)                                       \
    X(ST_ASSIGN, "as", 0, stage_assign, row_assign, tab_none)    /* expr as f */                    \
    X(ST_AGG, "aggregate", SF_BLOCKING, stage_agg, row_none, tab_agg)                               \
    X(ST_SORT, "sort", SF_BLOCKING, stage_sort, row_none, tab_sort)                                 \
    X(ST_LIMIT, "limit", 0, stage_limit, row_limit, tab_none)                                       \
    X(ST_TOP, "top", SF_BLOCKING, stage_top, row_none, tab_agg)                                     \
    X(ST_FIELDS, "fields", 0, stage_fields, row_fields, tab_none)                                   \
    X(ST_JSON, "json", SF_PARSE, stage_json, row_json, tab_none)                                    \
    X(ST_PARSE, "parse", SF_PARSE, stage_parse, row_parse, tab_none)                                \
    X(ST_PARSE_REGEX, "parse regex", SF_PARSE, stage_parse_regex, row_parse_regex, tab_none)        \
    X(ST_KV, "kv", SF_PARSE | SF_ANYFIELD, stage_kv, row_kv, tab_none)                             \
    X(ST_KEYVALUE, "keyvalue", SF_PARSE | SF_ANYFIELD, stage_kv, row_kv, tab_none)                  \
    X(ST_CSV, "csv", SF_PARSE, stage_split, row_split, tab_none)                                    \
    X(ST_SPLIT, "split", SF_PARSE, stage_split, row_split, tab_none)                                \
    X(ST_XML, "xml", SF_PARSE, stage_xml, row_xml, tab_none)                                        \
    X(ST_TRANSACTIONIZE, "transactionize", SF_BLOCKING, stage_transactionize, row_none, tab_transactionize) \
    X(ST_MERGE, "merge", SF_BLOCKING, stage_merge, row_none, tab_merge)                             \
    X(ST_SESSIONIZE, "sessionize", SF_BLOCKING, stage_sessionize, row_none, tab_sessionize)         \
    X(ST_TIMESLICE, "timeslice", 0, stage_timeslice, row_timeslice, tab_none)                       \
    X(ST_LOOKUP, "lookup", 0, stage_lookup, row_lookup, tab_none)

typedef enum stage_kind {
#define X(k, name, flags, ps, row, tab) k,
    STAGE_KINDS(X)
#undef X
    ST__COUNT
} stage_kind_t;

/* A stage kind's keyword and flags, indexed by stage_kind_t. */
typedef struct stage_info {
    const char *name;  /* the keyword (the dump's name) */
    uint8_t flags;     /* SF_* */
} stage_info_t;
extern const stage_info_t stage_info[ST__COUNT];

/* One pipeline stage (query arena). Fields not used by a kind are zero. */
typedef struct stage {
    uint8_t kind;          /* stage_kind_t */
    span_t sp;             /* from the operator keyword to the end of the stage */
    expr_t *e;             /* WHERE: condition; ASSIGN: value */
    uint32_t as;           /* ASSIGN, TIMESLICE: target field; TOP: the `_count` field */
    aggspec_t *aggs;       /* AGG */
    uint32_t naggs;
    uint32_t *by;          /* AGG, TOP: group keys */
    span_t *by_sp;         /* their spans */
    uint32_t nby;
    sortkey_t *keys;       /* SORT */
    uint32_t nkeys;
    int64_t n;             /* LIMIT, TOP: count */
    uint32_t topfield;     /* TOP: the field counted */
    uint32_t *flds;        /* FIELDS: ids; JSON/PARSE/PARSE_REGEX/LOOKUP: output ids */
    span_t *flds_sp;
    uint32_t nflds;
    bool remove;           /* FIELDS: `fields - a` */
    uint32_t src;          /* JSON, PARSE, PARSE_REGEX: field= (F_RAW when not given) */
    bool src_given;        /* field= was written */
    pstr_t *paths;         /* JSON: paths (parallel to flds); LOOKUP: column names (parallel to flds) */
    uint32_t npaths;
    pstr_t pattern;        /* PARSE: the anchor pattern with its `*`s; PARSE_REGEX: regex text */
    struct rx *re;         /* PARSE_REGEX: compiled; owned by the query */
    bool nodrop;           /* JSON, PARSE, PARSE_REGEX */
    bool multi;            /* PARSE_REGEX */
    bool json_auto;        /* JSON: json auto */
    int64_t slice_ms;      /* TIMESLICE: bucket width */
    pstr_t lookup_path;    /* LOOKUP: the text inside path://"..." */
    uint32_t *on_field;    /* LOOKUP: record fields compared ... */
    pstr_t *on_col;        /* ... with these table columns */
    uint32_t non;
    void *data;            /* an operator's own parsed form (query arena), see op_*.c */
} stage_t;

/* A parsed query. Owns its arena, field table and regexes. */
typedef struct query {
    const char *text;      /* the query text (copied into the arena) */
    uint32_t len;
    expr_t *scope;         /* the part before the first pipe; NULL = everything */
    stage_t *st;           /* stages in order */
    uint32_t nst;
    ftab_t ft;             /* field names */
    arena_t arena;         /* every node */
    struct rx **rxs;       /* every compiled regex, for query_free */
    uint32_t nrx, rxcap;
} query_t;

/* Parse text[0..len) into a new query. Errors and parse-time warnings go
 * to d (whose source must be the same text). Returns NULL when d has an
 * error. The caller frees the query with query_free. */
query_t *query_parse(const char *text, size_t len, diag_t *d);
/* Free a query and everything it owns. */
void query_free(query_t *q);
/* Add static warnings (lint rules, see lint.c) about q to d. */
void lint_query(const query_t *q, diag_t *d);
/* Append a one-line S-expression rendering of q (for tests and
 * `postern lint --ast`), e.g.
 *   (scope (or (wild _sourceCategory "*network*") ...)) (where (in dest_port "25" "465")) ... */
struct buf;
void query_dump(const query_t *q, struct buf *out);

#endif
