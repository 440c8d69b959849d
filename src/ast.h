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
#define FF_RANGE 2   /* reads the search's time range: the run resolves it first (query_t.needs_range) */
#define FF_NUM 4     /* returns a number (lint: sorting on it is numeric) */

/* Scalar functions: id, name (Sumo spelling, matched case-insensitively),
 * min and max args, flags, the implementation (eval.c or func_*.c,
 * declared by func.h), one-line help.
 * One row a function; ORDER FUNC: nothing depends on the order. */
#define FUNC_TABLE(X) \
    X(FN_TOLOWERCASE, "toLowerCase", 1, 1, FF_INPLACE, f_tolower, "lower-case a string")                                         \
    X(FN_TOUPPERCASE, "toUpperCase", 1, 1, FF_INPLACE, f_toupper, "upper-case a string")                                         \
    X(FN_CONCAT, "concat", 2, 16, 0, f_concat, "join the text of 2 to 16 arguments")                                                 \
    X(FN_LENGTH, "length", 1, 1, FF_INPLACE | FF_NUM, f_length, "length of a string in bytes")                                            \
    X(FN_SUBSTRING, "substring", 2, 3, 0, f_substring, "substring(s, start[, end]), 0-based")                                    \
    X(FN_REPLACE, "replace", 3, 3, 0, f_replace, "replace(s, \"lit\"|/re/, new)")                                                \
    X(FN_TRIM, "trim", 1, 1, FF_INPLACE, f_trim, "strip surrounding whitespace")                                                 \
    X(FN_NUM, "num", 1, 1, FF_INPLACE | FF_NUM, f_num, "cast to a number (null if not numeric)")                                          \
    X(FN_NUMBER, "number", 1, 1, FF_INPLACE | FF_NUM, f_num, "same as num")                                                               \
    X(FN_TOLONG, "toLong", 1, 1, FF_INPLACE | FF_NUM, f_tolong, "cast to an integer, truncating")                                         \
    X(FN_TOINT, "toInt", 1, 1, FF_INPLACE | FF_NUM, f_tolong, "cast to an integer, truncating")                                           \
    X(FN_INT, "int", 1, 1, FF_INPLACE | FF_NUM, f_tolong, "toInt under the name Sumo's app queries use")                                    \
    X(FN_TOSTRING, "toString", 1, 1, FF_INPLACE, f_tostring, "cast to a string")                                                 \
    X(FN_NOW, "now", 0, 0, FF_NUM, f_now, "current time, epoch milliseconds")                                                         \
    X(FN_QUERYSTARTTIME, "queryStartTime", 0, 0, FF_RANGE | FF_NUM, f_querystart, "start of the search's time range, epoch ms")             \
    X(FN_QUERYENDTIME, "queryEndTime", 0, 0, FF_RANGE | FF_NUM, f_queryend, "end of the search's time range, epoch ms")                     \
    X(FN_QUERYTIMERANGE, "queryTimeRange", 0, 0, FF_RANGE | FF_NUM, f_queryrange, "length of the search's time range, ms")                  \
    X(FN_FORMATDATE, "formatDate", 1, 3, FF_INPLACE, f_formatdate, "formatDate(ms[, pattern[, tz]])")                            \
    X(FN_PARSEDATE, "parseDate", 2, 3, FF_NUM, f_parsedate, "parseDate(text, pattern[, tz]): epoch ms")                               \
    X(FN_ISVALIDIP, "isValidIP", 1, 1, FF_INPLACE, f_isvalidip, "true for an IPv4 or IPv6 address")                              \
    X(FN_ISPRIVATEIP, "isPrivateIP", 1, 1, FF_INPLACE, f_isprivateip, "true for an RFC 1918 IPv4 address")                       \
    X(FN_ISPUBLICIP, "isPublicIP", 1, 1, FF_INPLACE, f_ispublicip, "true for a routable IPv4 address")                           \
    X(FN_COMPARECIDRPREFIX, "compareCIDRPrefix", 3, 3, 0, f_comparecidr, "compareCIDRPrefix(ip1, ip2, bits): same IPv4 prefix")  \
    X(FN_ISNULL, "isNull", 1, 1, 0, f_isnull, "true when the value is null")                                                     \
    X(FN_ISEMPTY, "isEmpty", 1, 1, 0, f_isempty, "true when null or the empty string")                                           \
    X(FN_ISBLANK, "isBlank", 1, 1, 0, f_isblank, "true when null, empty or only whitespace")                                     \
    X(FN_CONTAINS, "contains", 2, 2, 0, f_contains, "contains(a, b): b is a substring of a")                                     \
    X(FN_LOOKUPCONTAINS, "lookupContains", 2, 2, 0, f_lookupcontains, "lookupContains(path://\"t\", f=col [and g=c]): key in table") \
    X(FN_ABS, "abs", 1, 1, FF_INPLACE | FF_NUM, f_abs, "absolute value")                                                                  \
    X(FN_ROUND, "round", 1, 2, FF_INPLACE | FF_NUM, f_round, "round(x[, digits]): nearest, halves upwards")                               \
    X(FN_FLOOR, "floor", 1, 1, FF_INPLACE | FF_NUM, f_floor, "round down")                                                                \
    X(FN_CEIL, "ceil", 1, 1, FF_INPLACE | FF_NUM, f_ceil, "round up")                                                                     \
    X(FN_IF, "if", 3, 3, 0, f_if, "if(cond, a, b)")                                                                                         \
    X(FN_ACOS, "acos", 1, 1, FF_INPLACE | FF_NUM, f_acos, "inverse cosine, in radians")                                                     \
    X(FN_ASIN, "asin", 1, 1, FF_INPLACE | FF_NUM, f_asin, "inverse sine, in radians")                                                       \
    X(FN_ATAN, "atan", 1, 1, FF_INPLACE | FF_NUM, f_atan, "inverse tangent, in radians")                                                    \
    X(FN_ATAN2, "atan2", 2, 2, FF_NUM, f_atan2, "atan2(y, x): angle of the point (x, y)")                                                   \
    X(FN_CBRT, "cbrt", 1, 1, FF_INPLACE | FF_NUM, f_cbrt, "cube root")                                                                      \
    X(FN_COS, "cos", 1, 1, FF_INPLACE | FF_NUM, f_cos, "cosine of radians")                                                                 \
    X(FN_COSH, "cosh", 1, 1, FF_INPLACE | FF_NUM, f_cosh, "hyperbolic cosine")                                                              \
    X(FN_EXP, "exp", 1, 1, FF_INPLACE | FF_NUM, f_exp, "e to the power x")                                                                  \
    X(FN_EXPM1, "expm1", 1, 1, FF_INPLACE | FF_NUM, f_expm1, "exp(x) - 1, exact near 0")                                                    \
    X(FN_HYPOT, "hypot", 2, 2, FF_NUM, f_hypot, "hypot(a, b): sqrt(a*a + b*b)")                                                             \
    X(FN_LOG, "log", 1, 1, FF_INPLACE | FF_NUM, f_log, "natural logarithm")                                                                 \
    X(FN_LOG10, "log10", 1, 1, FF_INPLACE | FF_NUM, f_log10, "base 10 logarithm")                                                           \
    X(FN_LOG1P, "log1p", 1, 1, FF_INPLACE | FF_NUM, f_log1p, "log(1 + x), exact near 0")                                                    \
    X(FN_MAX, "max", 2, 2, FF_NUM, f_max, "max(a, b): the larger number (max(f) alone is the aggregate)")                                   \
    X(FN_MIN, "min", 2, 2, FF_NUM, f_min, "min(a, b): the smaller number (min(f) alone is the aggregate)")                                  \
    X(FN_POW, "pow", 2, 2, FF_NUM, f_pow, "pow(x, y): x to the power y")                                                                    \
    X(FN_SIGNUM, "signum", 1, 1, FF_INPLACE | FF_NUM, f_signum, "-1, 0 or 1 by the sign")                                                   \
    X(FN_SIN, "sin", 1, 1, FF_INPLACE | FF_NUM, f_sin, "sine of radians")                                                                   \
    X(FN_SINH, "sinh", 1, 1, FF_INPLACE | FF_NUM, f_sinh, "hyperbolic sine")                                                                \
    X(FN_SQRT, "sqrt", 1, 1, FF_INPLACE | FF_NUM, f_sqrt, "square root")                                                                    \
    X(FN_TAN, "tan", 1, 1, FF_INPLACE | FF_NUM, f_tan, "tangent of radians")                                                                \
    X(FN_TANH, "tanh", 1, 1, FF_INPLACE | FF_NUM, f_tanh, "hyperbolic tangent")                                                             \
    X(FN_TODEGREES, "toDegrees", 1, 1, FF_INPLACE | FF_NUM, f_todegrees, "radians to degrees")                                              \
    X(FN_TORADIANS, "toRadians", 1, 1, FF_INPLACE | FF_NUM, f_toradians, "degrees to radians")                                              \
    X(FN_ISNAN, "isNaN", 1, 1, FF_INPLACE, f_isnan, "true when the text is no number")                                                      \
    X(FN_ISINFINITY, "isInfinity", 1, 1, FF_INPLACE, f_isinfinity, "true for positive or negative infinity")                                \
    X(FN_HAVERSINE, "haversine", 4, 4, FF_NUM, f_haversine, "haversine(lat1, lon1, lat2, lon2): distance in km")                            \
    X(FN_FORMAT, "format", 2, 17, 0, f_format, "format(fmt, a, ...): Java's String.format, up to 16 values")                                \
    X(FN_URLDECODE, "urldecode", 1, 1, FF_INPLACE, f_urldecode, "decode %XX escapes and +")                                                 \
    X(FN_URLENCODE, "urlencode", 1, 1, FF_INPLACE, f_urlencode, "encode for a URL query (Java's URLEncoder)")                               \
    X(FN_BASE64DECODE, "base64Decode", 1, 2, 0, f_base64decode, "base64Decode(s[, charset]): decode base64 text")                           \
    X(FN_BASE64ENCODE, "base64Encode", 1, 1, 0, f_base64encode, "encode as base64")                                                         \
    X(FN_TOURL, "tourl", 2, 4, 0, f_tourl, "tourl(url, name[, prefix, suffix]): a named link")                                              \
    X(FN_DECTOHEX, "decToHex", 1, 1, 0, f_dectohex, "integer to upper-case hex (two's complement)")                                         \
    X(FN_HEXTODEC, "hexToDec", 1, 1, FF_NUM, f_hextodec, "up to 16 hex digits to an integer (two's complement)")                            \
    X(FN_PARSEHEX, "parseHex", 1, 1, FF_NUM, f_parsehex, "hexToDec that also takes a 0x prefix")                                            \
    X(FN_HEXTOASCII, "hexToAscii", 1, 1, 0, f_hextoascii, "hex digit pairs to text")                                                        \
    X(FN_ISNUMERIC, "isNumeric", 1, 1, FF_INPLACE, f_isnumeric, "true for a Java number (1.5, 0x1F, 017, 12L)")                             \
    X(FN_JSONARRAYCONTAINS, "jsonArrayContains", 2, 2, 0, f_jsonarraycontains, "jsonArrayContains(array, item): item is in the JSON array") \
    X(FN_JSONARRAYSIZE, "jsonArraySize", 1, 1, FF_NUM, f_jsonarraysize, "elements of a JSON array (-1 for null)")                           \
    X(FN_HASH, "hash", 1, 2, FF_INPLACE, f_hash, "hash(s[, md5|sha1|sha2_256|murmur3_128]): hex digest")                                    \
    X(FN_LUHN, "luhn", 1, 1, FF_INPLACE, f_luhn, "true when the digits pass the Luhn check")                                                \
    X(FN_ISVALIDIPV4, "isValidIPv4", 1, 1, FF_INPLACE, f_isvalidipv4, "true for an IPv4 address")                                           \
    X(FN_ISVALIDIPV6, "isValidIPv6", 1, 1, FF_INPLACE, f_isvalidipv6, "true for an IPv6 address")                                           \
    X(FN_ISRESERVEDIP, "isReservedIP", 1, 1, FF_INPLACE, f_isreservedip, "true for an RFC 5735 special-use IPv4 address")                   \
    X(FN_IPV4TONUMBER, "ipv4ToNumber", 1, 1, FF_INPLACE | FF_NUM, f_ipv4tonumber, "IPv4 address as a number")                               \
    X(FN_GETCIDRPREFIX, "getCIDRPrefix", 2, 2, 0, f_getcidrprefix, "getCIDRPrefix(ip, bits): the network address")                          \
    X(FN_MASKFROMCIDR, "maskFromCIDR", 1, 1, 0, f_maskfromcidr, "maskFromCIDR(bits): dotted subnet mask")                                   \
    X(FN_FROMMILLIS, "fromMillis", 1, 1, FF_NUM, f_frommillis, "epoch milliseconds as a time")                                              \
    X(FN_FROMSECONDS, "fromSeconds", 1, 1, FF_NUM, f_fromseconds, "epoch seconds as a time (milliseconds)")                                 \
    X(FN_TOMILLIS, "toMillis", 1, 1, FF_NUM, f_tomillis, "a time as epoch milliseconds")

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
 * (0 none, 1 optional field, 2 required field, 3 field and percentiles,
 * 50 when none is given),
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
    X(AG_STDDEV, "stddev", "_stddev", 2, "sample standard deviation")              \
    X(AG_MOST_RECENT, "most_recent", "_mostrecent", 2,                              \
      "value of the newest message (of a withtime field: by its time)")            \
    X(AG_LEAST_RECENT, "least_recent", "_leastrecent", 2,                           \
      "value of the oldest message (of a withtime field: by its time)")            \
    X(AG_MEDIAN, "median", "_median", 2, "median(f): pct(f, 50)")                   \
    X(AG_PCT_SAMPLING, "pct_sampling", "_pct", 3, "pct_sampling(f, n): pct, exact")

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
    X(EX_ALL)      /* scope: * */                                         \
    X(EX_SUBQUERY) /* [subquery: ... | compose f]: sub; a = the composed condition (run time) */

/* Where a subquery stands, which decides what compose builds. */
enum { SUB_SCOPE, SUB_EXPR, SUB_IN };

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
    struct query *sub;     /* EX_SUBQUERY, and EX_IN over a subquery (in b): the child query,
                              owned by the parent (query_t.subs) */
    uint8_t subctx;        /* EX_SUBQUERY: SUB_SCOPE, SUB_EXPR or SUB_IN (what compose builds) */
    const struct dt_zone *zone; /* EX_CALL formatDate/parseDate: the literal zone, resolved when parsed (process cache, not owned; NULL: unknown) */
    struct lktab *lk;      /* EX_CALL lookupContains: its table, opened for a run before any record (op_lookup.c; owned by the run) */
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
    bool one_if_missing; /* sum: a record without the field counts 1 (top's `by _count`) */
    uint32_t keep;   /* values: keep at most this many distinct values, all listed (0: keep
                        every value, list the first 100); set by ruleset_keep_times, never parsed */
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
#define SF_GROUP 8    /* folds records into agg.c's group table (aggregate, top, count_frequent) */
#define SF_NUMOUT 16  /* the fields in flds it creates hold numbers (lint's sort-text) */
#define SF_CLOUD 32   /* only Sumo's service runs it: refused before any record is read, lint warns (op_cloud.c) */

/* Stages: kind, keyword (the dump's name), flags, and the functions that
 * parse and run it (op.h): one row an operator. parse.c finds a stage's
 * parse function by its keyword (ST_ASSIGN, ST_AGG and names with a space
 * are found otherwise), exec.c its row or table function by its kind.
 * ORDER STAGE: nothing else depends on the order. */
#define STAGE_KINDS(X)                                                                              \
    X(ST_WHERE, "where", 0, stage_where, row_where, tab_none)                                       \
    X(ST_ASSIGN, "as", 0, stage_assign, row_assign, tab_none)    /* expr as f */                    \
    X(ST_AGG, "aggregate", SF_BLOCKING | SF_GROUP, stage_agg, row_none, tab_agg)                    \
    X(ST_SORT, "sort", SF_BLOCKING, stage_sort, row_none, tab_sort)                                 \
    X(ST_TRANSPOSE, "transpose", SF_BLOCKING | SF_ANYFIELD, stage_transpose, row_none,              \
      tab_transpose)                                                                                \
    X(ST_FILLMISSING, "fillmissing", SF_BLOCKING, stage_fillmissing, row_none, tab_fillmissing)     \
    X(ST_TOTAL, "total", SF_BLOCKING | SF_NUMOUT, stage_total, row_none, tab_running)               \
    X(ST_ACCUM, "accum", SF_BLOCKING | SF_NUMOUT, stage_accum, row_none, tab_running)               \
    X(ST_DIFF, "diff", SF_BLOCKING | SF_NUMOUT, stage_diff, row_none, tab_running)                  \
    X(ST_SMOOTH, "smooth", SF_BLOCKING | SF_NUMOUT, stage_smooth, row_none, tab_running)            \
    X(ST_ROLLINGSTD, "rollingstd", SF_BLOCKING | SF_NUMOUT, stage_rollingstd, row_none,             \
      tab_running)                                                                                  \
    X(ST_BACKSHIFT, "backshift", SF_BLOCKING | SF_NUMOUT, stage_backshift, row_none, tab_running)   \
    X(ST_OUTLIER, "outlier", SF_BLOCKING | SF_NUMOUT, stage_outlier, row_none, tab_outlier)         \
    X(ST_DEDUP, "dedup", SF_BLOCKING, stage_dedup, row_none, tab_dedup)                             \
    X(ST_TOPK, "topk", SF_BLOCKING | SF_NUMOUT, stage_topk, row_none, tab_topk)                     \
    X(ST_COUNT_FREQUENT, "count_frequent", SF_BLOCKING | SF_GROUP | SF_NUMOUT,                      \
      stage_count_frequent, row_none, tab_agg)                                                      \
    X(ST_WITHTIME, "withtime", 0, stage_withtime, row_withtime, tab_none)                           \
    X(ST_BIN, "bin", SF_NUMOUT, stage_bin, row_bin, tab_none)                                       \
    X(ST_PREDICT, "predict", SF_BLOCKING | SF_NUMOUT, stage_predict, row_none, tab_predict)         \
    X(ST_LOGREDUCE, "logreduce", SF_BLOCKING, stage_logreduce, row_none, tab_logreduce)             \
    X(ST_LOGREDUCE_KEYS, "logreduce keys", SF_BLOCKING, stage_logreduce_keys, row_none,             \
      tab_logreduce_keys)                                                                           \
    X(ST_LOGREDUCE_VALUES, "logreduce values", SF_CLOUD, stage_logreduce_values, row_cloud, tab_none) \
    X(ST_LOGREDUCE_OPTIMIZE, "logreduce optimize", SF_CLOUD, stage_logreduce, row_cloud, tab_none)   \
    X(ST_FILTER, "filter", SF_BLOCKING, stage_filter, row_none, tab_filter)                         \
    X(ST_JOIN, "join", SF_BLOCKING | SF_ANYFIELD, stage_join, row_none, tab_join)                   \
    X(ST_LIMIT, "limit", 0, stage_limit, row_limit, tab_none)                                       \
    X(ST_COMPOSE, "compose", 0, stage_compose, row_none, tab_none) /* a subquery's last stage */       \
    X(ST_COMPARE, "compare", SF_BLOCKING, stage_compare, row_none, tab_compare)                     \
    X(ST_TOP, "top", SF_BLOCKING | SF_GROUP, stage_top, row_none, tab_agg)                          \
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
    X(ST_LOOKUP, "lookup", 0, stage_lookup, row_lookup, tab_none)                                   \
    X(ST_GEOIP, "geoip", 0, stage_geoip, row_lookup, tab_none)                                      \
    X(ST_THREATIP, "threatip", 0, stage_threatip, row_lookup, tab_none)                             \
    X(ST_THREATLOOKUP, "threatlookup", 0, stage_threatlookup, row_threatlookup, tab_none)           \
    X(ST_SAVE, "save", SF_CLOUD, stage_save, row_cloud, tab_none)                                   \
    X(ST_INFER, "infer", SF_CLOUD, stage_infer, row_cloud, tab_none)                                \
    X(ST_BENCHMARK, "benchmark", SF_CLOUD, stage_benchmark, row_cloud, tab_none)                    \
    X(ST_LOGEXPLAIN, "logexplain", SF_CLOUD, stage_logexplain, row_cloud, tab_none)

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

/* Capturing groups a parse regex may have (exec.c keeps their offsets on
 * the stack). */
#define PARSE_REGEX_MAX_GROUPS 63

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
    struct rx *re;         /* PARSE_REGEX: the first regex, compiled; owned by the query */
    struct rx **res;       /* PARSE_REGEX: every regex of the stage in order (res[0] == re) */
    uint32_t nres;
    uint32_t *flds_re;     /* PARSE_REGEX: per output field, which of res it comes from ... */
    uint32_t *flds_grp;    /* ... and the number of the group it takes there */
    bool nodrop;           /* JSON, PARSE, PARSE_REGEX */
    bool multi;            /* PARSE_REGEX */
    bool json_auto;        /* JSON: json auto */
    int64_t slice_ms;      /* TIMESLICE: bucket width (set by exec for buckets and no width) */
    int64_t slice_origin;  /* TIMESLICE: where slices start (0: clock-aligned; the range's start
                              for a timeslice without width) */
    uint32_t buckets;      /* TIMESLICE: `N buckets` (0: a width, or none = the whole range) */
    pstr_t lookup_path;    /* LOOKUP: the text inside path://"..." */
    uint32_t *on_field;    /* LOOKUP: record fields compared ... */
    pstr_t *on_col;        /* ... with these table columns */
    uint32_t non;
    void *data;            /* an operator's own parsed form (query arena), see op_*.c */
    bool anyfield;         /* this stage may create fields the query does not name (json auto):
                              as SF_ANYFIELD, for one stage */
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
    struct expr **subs;    /* every subquery node (arena array), for exec (resolved first) and
                              query_free (which frees their child queries) */
    uint32_t nsubs, subcap;
    struct query **tables; /* the queries of join and filter tables (arena array; query_free frees them) */
    uint32_t ntables, tabcap;
    bool needs_range;      /* something reads the search's time range (queryStartTime(),
                              timeslice N buckets, ...): exec resolves it before the run */
    int64_t range_from;    /* the resolved range [range_from, range_to), epoch ms (exec) */
    int64_t range_to;
} query_t;

/* Parse text[0..len) into a new query. Errors and parse-time warnings go
 * to d (whose source must be the same text). Returns NULL when d has an
 * error. The caller frees the query with query_free. */
query_t *query_parse(const char *text, size_t len, diag_t *d);
/* Free a query and everything it owns. */
void query_free(query_t *q);
/* Why stage st cannot run offline as written, or NULL: *hard is set when
 * it never can (a cloud-only operator), cleared when an option would
 * give it a local stand-in (--geo-db, --lookup-map). Static text. */
const char *lk_offline(const stage_t *st, bool *hard);
/* Add static warnings (lint rules, see lint.c) about q to d. */
void lint_query(const query_t *q, diag_t *d);
/* Append a one-line S-expression rendering of q (for tests and
 * `postern lint --ast`), e.g.
 *   (scope (or (wild _sourceCategory "*network*") ...)) (where (in dest_port "25" "465")) ... */
struct buf;
void query_dump(const query_t *q, struct buf *out);

#endif
