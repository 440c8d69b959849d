/* convert_sql.c — the SQL targets of `postern convert`: one row a target,
 * with its spelling of what differs between engines (convert.h).
 *
 * The number test in `num` is value.c's str_to_num as a regex (optional
 * blanks, sign, digits with an optional fraction, optional exponent; no
 * hex, no "inf"/"nan"): a text that is no number casts to NULL, as
 * postern's cast fails. Blanks are Java's and postern's: space, \t, \n,
 * \v, \f, \r.
 */
#include <string.h>

#include "convert.h"

/* The number grammar between ^ and $, for RE2/ARE/Java in a literal
 * without backslash escapes (DuckDB, PostgreSQL) ... */
#define NUM_RE "[ \\t\\n\\x0B\\f\\r]*[+-]?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][+-]?[0-9]+)?[ \\t\\n\\x0B\\f\\r]*"
/* ... and in one whose backslashes are escapes (ClickHouse, Spark). */
#define NUM_RE_BS "[ \\\\t\\\\n\\\\x0B\\\\f\\\\r]*[+-]?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][+-]?[0-9]+)?[ \\\\t\\\\n\\\\x0B\\\\f\\\\r]*"
#define WS_BS "[ \\\\t\\\\n\\\\x0B\\\\f\\\\r]"
/* The blanks as an expression (for trim). */
#define WS_CHR "chr(32) || chr(9) || chr(10) || chr(11) || chr(12) || chr(13)"

/* The targets. ORDER: `--to` lists them in this order. */
static const cv_dialect_t dialects[] = {
    {.name = "duckdb", .title = "DuckDB", .idq = '"', .dbl = "DOUBLE", .text = "VARCHAR",
     .num = "(CASE WHEN regexp_full_match($1, '" NUM_RE "') THEN CAST(trim($1, chr(32) || chr(9) || chr(10) || chr(11) || chr(12) || chr(13)) AS DOUBLE) END)",
     .re_search = "regexp_matches($1, $2)", .like = "($1 LIKE $2 ESCAPE '\\')", .text_cmp = "",
     .octets = "strlen($1)", .find = "strpos($1, $2)", .substr = "substr($1, $2)", .substr3 = "substr($1, $2, $3)",
     .length = "length($1)", .trim = "trim($1, " WS_CHR ")", .trunc = "trunc($1)",
     .re_group = "regexp_extract($1, $2, $3)", .replace = "replace($1, $2, $3)", .re_dialect = CV_RE_RE2},
    {.name = "postgres", .title = "PostgreSQL", .idq = '"', .dbl = "DOUBLE PRECISION", .text = "TEXT",
     .num = "(CASE WHEN $1 ~ '^" NUM_RE "$' THEN CAST($1 AS DOUBLE PRECISION) END)",
     .re_search = "($1 ~ $2)", .like = "($1 LIKE $2 ESCAPE '\\')", .text_cmp = " COLLATE \"C\"",
     .octets = "octet_length($1)", .find = "strpos($1, $2)", .substr = "substr($1, $2)",
     .substr3 = "substr($1, $2, $3)", .length = "length($1)", .trim = "btrim($1, " WS_CHR ")", .trunc = "trunc($1)",
     .replace = "replace($1, $2, $3)", .re_dialect = CV_RE_ARE},
    {.name = "clickhouse", .title = "ClickHouse", .idq = '`', .backslash_strings = true, .dbl = "Nullable(Float64)",
     .text = "Nullable(String)", .num_zero = "($1 + 0)",
     .num = "(if(match($1, '^" NUM_RE_BS "$'), toFloat64OrNull(replaceRegexpAll($1, '^" WS_BS "+|" WS_BS "+$', '')), NULL))",
     .re_search = "match($1, $2)", .like = "like($1, $2)", .text_cmp = "", .octets = "length($1)",
     .find = "position($1, $2)", .substr = "substring($1, $2)", .substr3 = "substring($1, $2, $3)",
     .length = "length($1)", .byte_pos = true, .trim = "replaceRegexpAll($1, '^" WS_BS "+|" WS_BS "+$', '')",
     .trunc = "trunc($1)", .re_group = "extractGroups($1, $2)[$3]", .replace = "replaceAll($1, $2, $3)",
     .re_dialect = CV_RE_RE2},
    {.name = "spark", .title = "Spark SQL", .idq = '`', .backslash_strings = true, .dbl = "DOUBLE", .text = "STRING",
     .num = "(CASE WHEN $1 RLIKE '^" NUM_RE_BS "$' THEN CAST(regexp_replace($1, '^" WS_BS "+|" WS_BS "+$', '') AS DOUBLE) END)",
     .re_search = "($1 RLIKE $2)", .like = "($1 LIKE $2)", .text_cmp = "", .octets = "octet_length($1)",
     .find = "instr($1, $2)", .substr = "substr($1, $2)", .substr3 = "substr($1, $2, $3)", .length = "length($1)",
     .trim = "regexp_replace($1, '^" WS_BS "+|" WS_BS "+$', '')",
     .trunc = "CAST(CASE WHEN $1 < 0 THEN ceil($1) ELSE floor($1) END AS DOUBLE)",
     .re_group = "regexp_extract($1, $2, $3)", .replace = "replace($1, $2, $3)", .re_dialect = CV_RE_JAVA},
    {.name = "sigma", .title = "Sigma", .convert = cv_sigma},
    /* Not SQL: convert_kql.c writes the whole query. */
    {.name = "kql", .title = "KQL", .re_dialect = CV_RE_RE2, .convert = cv_convert_kql},
};

/* See convert.h. */
const cv_dialect_t *cv_dialect(const char *name) {
    for (size_t i = 0; i < sizeof dialects / sizeof dialects[0]; i++)
        if (strcmp(dialects[i].name, name) == 0) return &dialects[i];
    return NULL;
}

/* See convert.h. */
const char *cv_dialect_names(void) { return "duckdb|postgres|clickhouse|spark|kql|sigma"; }
