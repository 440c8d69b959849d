/* test_parse.c — unit tests for the query front end: lex.c, parse.c,
 * lint.c (regex.c has test_regex.c).
 *
 * Each check parses a query and compares query_dump's S-expression, the
 * rendered text of the first error (position, message, caret, hint), or
 * the list of lint codes, with the expected text written here. Prints one
 * line per failure and a final "N passed, N failed"; exits 1 on failure.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ast.h"
#include "buf.h"

static int npass, nfail;

static void result(bool ok, const char *what, const char *q, const char *want, const char *got) {
    if (ok) {
        npass++;
        return;
    }
    nfail++;
    printf("FAIL %s\n  query: %s\n  want:  %s\n  got:   %s\n", what, q, want, got ? got : "(null)");
}

/* The S-expression of q, or "ERROR: <first message>" when it fails. */
static char *dump_of(const char *q) {
    diag_t d;
    diag_init(&d, "query", q, strlen(q));
    query_t *qq = query_parse(q, strlen(q), &d);
    buf_t b = {0};
    if (qq) query_dump(qq, &b);
    else buf_printf(&b, "ERROR: %s", d.n ? d.m[0].msg : "(no message)");
    query_free(qq);
    diag_free(&d);
    char *s = strdup(b.p ? b.p : "");
    buf_free(&b);
    return s;
}

static void check_dump(const char *q, const char *want) {
    char *got = dump_of(q);
    result(strcmp(got, want) == 0, "dump", q, want, got);
    free(got);
}

/* The first error of q as diag_print_one renders it, and how many errors
 * there were. */
static char *error_of(const char *q, uint32_t *nerr) {
    diag_t d;
    diag_init(&d, "query", q, strlen(q));
    query_t *qq = query_parse(q, strlen(q), &d);
    char *out = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&out, &len);
    for (uint32_t i = 0; f && i < d.n; i++) {
        if (d.m[i].lvl != D_ERROR) continue;
        diag_print_one(&d, &d.m[i], f);
        break;
    }
    if (f) fclose(f);
    *nerr = qq ? 0 : d.nerr;
    query_free(qq);
    diag_free(&d);
    return out;
}

/* want is the full rendering: message line, source line, caret line and
 * the hint line when there is one. */
static void check_error(const char *q, const char *want) {
    uint32_t nerr;
    char *got = error_of(q, &nerr);
    result(nerr > 0 && got && strcmp(got, want) == 0, "error", q, want, got);
    free(got);
}

static void check_nerrors(const char *q, uint32_t want) {
    uint32_t nerr;
    char *got = error_of(q, &nerr);
    char w[32], g[32];
    snprintf(w, sizeof w, "%u errors", want);
    snprintf(g, sizeof g, "%u errors", nerr);
    result(nerr == want, "error count", q, w, g);
    free(got);
}

/* The lint codes fired for q, space-separated in order ("" for none). */
static char *lint_of(const char *q, char **hint0) {
    diag_t d;
    diag_init(&d, "query", q, strlen(q));
    query_t *qq = query_parse(q, strlen(q), &d);
    buf_t b = {0};
    if (!qq) {
        buf_printf(&b, "ERROR: %s", d.n ? d.m[0].msg : "?");
    } else {
        uint32_t first = d.n;
        lint_query(qq, &d);
        for (uint32_t i = first; i < d.n; i++) {
            if (b.n) buf_putc(&b, ' ');
            buf_puts(&b, d.m[i].code ? d.m[i].code : "(no code)");
        }
        if (hint0) *hint0 = strdup(first < d.n && d.m[first].hint ? d.m[first].hint : "");
    }
    query_free(qq);
    diag_free(&d);
    char *s = strdup(b.p ? b.p : "");
    buf_free(&b);
    return s;
}

static void check_lint(const char *q, const char *want) {
    char *got = lint_of(q, NULL);
    result(strcmp(got, want) == 0, "lint codes", q, want, got);
    free(got);
}

static void check_lint_hint(const char *q, const char *want) {
    char *hint = NULL;
    char *codes = lint_of(q, &hint);
    result(hint && strcmp(hint, want) == 0, "lint hint", q, want, hint);
    free(hint);
    free(codes);
}

/* The detection query as published (tests/fuzz/corpus/query/01_seed_query.txt). */
static const char seed[] =
    "(_sourceCategory=*network* OR _sourceCategory=*firewall* OR _sourceCategory=*proxy*)\n"
    "| where dest_port in (\"25\",\"465\",\"587\",\"110\",\"995\",\"143\",\"993\")\n"
    "| where !(process_name matches \"(?i)(outlook|thunderbird|mailclient|em\\\\.client|msedge|chrome|firefox)\")\n"
    "| if (dest_port in (\"25\",\"465\",\"587\"), \"SMTP\",\n"
    "if (dest_port in (\"110\",\"995\"), \"POP3\",\n"
    "if (dest_port in (\"143\",\"993\"), \"IMAP\", \"Unknown\"))) as Protocol\n"
    "| if (Protocol in (\"IMAP\",\"POP3\"), \"critical\",\n"
    "if (Protocol = \"SMTP\", \"high\", \"medium\")) as Severity\n"
    "| count as ConnectionCount,\n"
    "dcount(dest_ip) as UniqueDestIPs,\n"
    "sum(bytes_out) as TotalBytesSent,\n"
    "min(_messageTime) as FirstSeen,\n"
    "max(_messageTime) as LastSeen\n"
    "by src_ip, dest_ip, dest_port, Protocol, process_name, Severity\n"
    "| where ConnectionCount > 2\n"
    "| sort by ConnectionCount desc\n";

/* The same query with the Sumo pitfalls fixed. */
static const char fixed[] =
    "(_sourceCategory=*network* OR _sourceCategory=*firewall* OR _sourceCategory=*proxy*)\n"
    "| where dest_port in (\"25\",\"465\",\"587\",\"110\",\"995\",\"143\",\"993\")\n"
    "| where !(process_name matches /(?i)(outlook|thunderbird|mailclient|em\\.client|msedge|chrome|firefox)/)\n"
    "| count as ConnectionCount, count_distinct(dest_ip) as UniqueDestIPs by src_ip, dest_port\n"
    "| sort by ConnectionCount desc\n";

static void test_scope(void) {
    check_dump("", "");
    check_dump("   \n ", "");
    check_dump("*", "(scope *)");
    check_dump("error", "(scope (kw error))");
    check_dump("\"connection refused\"", "(scope (kw \"connection refused\"))");
    check_dump("a b c", "(scope (and (and (kw a) (kw b)) (kw c)))");
    check_dump("a OR b AND c", "(scope (or (kw a) (and (kw b) (kw c))))");
    check_dump("NOT a b", "(scope (and (not (kw a)) (kw b)))");
    check_dump("!a or not b", "(scope (or (not (kw a)) (not (kw b))))");
    check_dump("(a OR b) c", "(scope (and (or (kw a) (kw b)) (kw c)))");
    check_dump("_sourceCategory=*network*", "(scope (wild _sourceCategory \"*network*\"))");
    check_dump("_sourceHost = \"web 01\"", "(scope (wild _sourceHost \"web 01\"))");
    check_dump("_sourceCategory!=prod*", "(scope (not (wild _sourceCategory \"prod*\")))");
    check_dump("_SOURCECATEGORY=x", "(scope (wild _sourceCategory \"x\"))");
    check_dump("host-1.example.com 10.0.0.*", "(scope (and (kw host-1.example.com) (kw 10.0.0.*)))");
    check_dump("a // a comment | not a stage\n| count // another", "(scope (kw a)) (aggregate (count -> _count))");
    check_dump("\"a \\\"quoted\\\" | pipe\" | count", "(scope (kw \"a \\\"quoted\\\" | pipe\")) (aggregate (count -> _count))");
}

static void test_expressions(void) {
    check_dump("| where a = 1", "(where (= a 1))");
    check_dump("| where a == 1 or b <> 2 and c != 3", "(where (or (= a 1) (and (!= b 2) (!= c 3))))");
    check_dump("| where a < 1 and b > 2 and c <= 3 and d >= 4",
               "(where (and (and (and (< a 1) (> b 2)) (<= c 3)) (>= d 4)))");
    check_dump("| where a && b || c", "(where (or (and a b) c))");
    check_dump("| where not a = 1", "(where (not (= a 1)))");
    check_dump("| where !a = 1", "(where (= (not a) 1))");
    check_dump("| where not a and b", "(where (and (not a) b))");
    check_dump("| 1 + 2 * 3 as x", "(as x (+ 1 (* 2 3)))");
    check_dump("| (1 + 2) * 3 as x", "(as x (* (+ 1 2) 3))");
    check_dump("| a - b - c as x", "(as x (- (- a b) c))");
    check_dump("| a / b % c as x", "(as x (% (/ a b) c))");
    check_dump("| a + b = c * 2 as x", "(as x (= (+ a b) (* c 2)))");
    check_dump("| -a as x", "(as x (neg a))");
    check_dump("| -5 + - 3 as x", "(as x (+ -5 (neg 3)))");
    check_dump("| 1.5e3 + 2E-2 as x", "(as x (+ 1.5e3 2E-2))");
    check_dump("| a/2 as x", "(as x (/ a 2))");
    check_dump("| where x in (\"a\", \"b\")", "(where (in x \"a\" \"b\"))");
    check_dump("| where x not in (1, -2)", "(where (not (in x 1 -2)))");
    check_dump("| where x NOT IN (\"a\")", "(where (not (in x \"a\")))");
    check_dump("| where x in (\"a\") = true", "(where (= (in x \"a\") true))");
    check_dump("| where x matches \"*foo*\"", "(where (matches x \"*foo*\"))");
    check_dump("| where x matches /a\\/b\\d+/", "(where (matches x /a\\/b\\d+/))");
    check_dump("| where x MATCHES /(?i)x/ and y", "(where (and (matches x /(?i)x/) y))");
    check_dump("| where x contains \"abc\"", "(where (contains x \"abc\"))");
    check_dump("| where isNull(x) or !isEmpty(y)", "(where (or (isNull x) (not (isEmpty y))))");
    check_dump("| where TOLOWERCASE(x) = \"a\"", "(where (= (toLowerCase x) \"a\"))");
    check_dump("| if(a, 1, 2) as x", "(as x (if a 1 2))");
    check_dump("| IF (a, \"y\", \"n\") as x", "(as x (if a \"y\" \"n\"))");
    check_dump("| a ? b : c ? d : e as x", "(as x (if a b (if c d e)))");
    check_dump("| a > 1 ? \"big\" : \"small\" as size", "(as size (if (> a 1) \"big\" \"small\"))");
    check_dump("| true as t | FALSE as f", "(as t true) (as f false)");
    check_dump("| %\"my field\" as x", "(as x %\"my field\")");
    check_dump("| a as %\"out field\"", "(as %\"out field\" a)");
    check_dump("| id.orig_h as src", "(as src id.orig_h)");
    check_dump("| concat(a, \"-\", b) as c", "(as c (concat a \"-\" b))");
    check_dump("| replace(s, /a+/, \"b\") as t", "(as t (replace s /a+/ \"b\"))");
    check_dump("| now() as t", "(as t (now))");
    check_dump("| where x = \"a\\\"b\\\\c\"", "(where (= x \"a\\\"b\\\\c\"))");
    check_dump("| protocol as x | 1 as Protocol | where PROTOCOL = 1",
               "(as x Protocol) (as Protocol 1) (where (= Protocol 1))");
}

static void test_stages(void) {
    check_dump("| count", "(aggregate (count -> _count))");
    check_dump("| count by a, b", "(aggregate (count -> _count) (by a b))");
    check_dump("| COUNT(x) as n group by a", "(aggregate (count x -> n) (by a))");
    check_dump("| count _timeslice, ip", "(aggregate (count -> _count) (by _timeslice ip))");
    check_dump("| sum(a), avg(b), min(c), max(d) by e",
               "(aggregate (sum a -> _sum) (avg b -> _avg) (min c -> _min) (max d -> _max) (by e))");
    check_dump("| pct(latency, 95) by host", "(aggregate (pct latency 95 -> _latency_pct_95) (by host))");
    check_dump("| pct(t, 75, 99.9)", "(aggregate (pct t 75 -> _t_pct_75) (pct t 99.9 -> _t_pct_99.9))");
    check_dump("| first(a) as f, last(a) as l, values(b), stddev(c)",
               "(aggregate (first a -> f) (last a -> l) (values b -> _values) (stddev c -> _stddev))");
    check_dump("| dcount(ip) as n", "(aggregate (count_distinct ip -> n))");
    check_dump("| count_distinct(%\"src ip\")", "(aggregate (count_distinct %\"src ip\" -> _count_distinct))");
    check_dump("| sort by a", "(sort (desc a))");
    check_dump("| sort a asc, -b, +c, d desc", "(sort (asc a) (desc b) (asc c) (desc d))");
    check_dump("| order by x", "(sort (desc x))");
    check_dump("| limit 10", "(limit 10)");
    check_dump("| top src_ip", "(top 10 src_ip (rank desc _count))");
    check_dump("| top 3 a by b, c", "(top 3 a (rank desc b) (rank desc c))");
    check_dump("| fields a, b", "(fields a b)");
    check_dump("| fields - a", "(fields - a)");
    check_dump("| fields + a", "(fields a)");
    check_dump("| json auto", "(json auto)");
    check_dump("| json auto field=payload", "(json auto field=payload)");
    check_dump("| json field=x \"a.b\"", "(json field=x (\"a.b\" -> a.b))");
    check_dump("| json \"a\", \"b\" as x, y nodrop", "(json (\"a\" -> x) (\"b\" -> y) nodrop)");
    check_dump("| parse \"user=* ip=*\" as user, ip", "(parse \"user=* ip=*\" -> user ip)");
    check_dump("| parse field=msg \"a=*\" as a nodrop", "(parse field=msg \"a=*\" -> a nodrop)");
    check_dump("| parse regex \"(?<b>x)(?<a>y)\" nodrop multi",
               "(parse regex \"(?<b>x)(?<a>y)\" -> b a nodrop multi)");
    check_dump("| extract field=m \"(?P<k>\\w+)=(?P<v>\\w+)\"",
               "(parse regex field=m \"(?P<k>\\\\w+)=(?P<v>\\\\w+)\" -> k v)");
    check_dump("| timeslice 5m", "(timeslice 300000ms -> _timeslice)");
    check_dump("| timeslice by 1h as hour", "(timeslice 3600000ms -> hour)");
    check_dump("| timeslice 1.5s", "(timeslice 1500ms -> _timeslice)");
    check_dump("| timeslice 1w", "(timeslice 604800000ms -> _timeslice)");
    check_dump("| lookup type from path://\"/x/y\" on ip=ip_address",
               "(lookup \"/x/y\" (type->type) (on ip=ip_address))");
    check_dump("| lookup a, b from path://\"/t\" on k", "(lookup \"/t\" (a->a b->b) (on k=k))");
    check_dump("x\n| where a = 1\n| where b = 2", "(scope (kw x)) (where (= a 1)) (where (= b 2))");
    check_dump(seed,
               "(scope (or (or (wild _sourceCategory \"*network*\") (wild _sourceCategory \"*firewall*\")) "
               "(wild _sourceCategory \"*proxy*\"))) "
               "(where (in dest_port \"25\" \"465\" \"587\" \"110\" \"995\" \"143\" \"993\")) "
               "(where (not (matches process_name "
               "\"(?i)(outlook|thunderbird|mailclient|em\\\\.client|msedge|chrome|firefox)\"))) "
               "(as Protocol (if (in dest_port \"25\" \"465\" \"587\") \"SMTP\" (if (in dest_port \"110\" \"995\") "
               "\"POP3\" (if (in dest_port \"143\" \"993\") \"IMAP\" \"Unknown\")))) "
               "(as Severity (if (in Protocol \"IMAP\" \"POP3\") \"critical\" (if (= Protocol \"SMTP\") \"high\" "
               "\"medium\"))) "
               "(aggregate (count -> ConnectionCount) (count_distinct dest_ip -> UniqueDestIPs) "
               "(sum bytes_out -> TotalBytesSent) (min _messageTime -> FirstSeen) (max _messageTime -> LastSeen) "
               "(by src_ip dest_ip dest_port Protocol process_name Severity)) "
               "(where (> ConnectionCount 2)) (sort (desc ConnectionCount))");
    check_dump(fixed,
               "(scope (or (or (wild _sourceCategory \"*network*\") (wild _sourceCategory \"*firewall*\")) "
               "(wild _sourceCategory \"*proxy*\"))) "
               "(where (in dest_port \"25\" \"465\" \"587\" \"110\" \"995\" \"143\" \"993\")) "
               "(where (not (matches process_name "
               "/(?i)(outlook|thunderbird|mailclient|em\\.client|msedge|chrome|firefox)/))) "
               "(aggregate (count -> ConnectionCount) (count_distinct dest_ip -> UniqueDestIPs) "
               "(by src_ip dest_port)) (sort (desc ConnectionCount))");
}

static void test_errors(void) {
    check_error("| where x = \"abc",
                "query:1:13: error: unterminated string near '\"abc'\n"
                "    | where x = \"abc\n"
                "                ^\n");
    check_error("| stats dc(x) by y",
                "query:1:3: error: 'stats' is not a Sumo aggregate\n"
                "    | stats dc(x) by y\n"
                "      ^~~~~\n"
                "    = hint: did you mean count_distinct? Sumo writes aggregates directly after the pipe: "
                "`| count_distinct(f) by g`\n");
    check_error("| dc(x) by y",
                "query:1:3: error: 'dc' is not a Sumo aggregate\n"
                "    | dc(x) by y\n"
                "      ^~\n"
                "    = hint: did you mean count_distinct?\n");
    check_error("| count, distinct_count(x) as n",
                "query:1:10: error: 'distinct_count' is not a Sumo aggregate\n"
                "    | count, distinct_count(x) as n\n"
                "             ^~~~~~~~~~~~~~\n"
                "    = hint: did you mean count_distinct?\n");
    check_error("| sum(a+b) as s",
                "query:1:7: error: the argument of sum must be a field name, not an expression\n"
                "    | sum(a+b) as s\n"
                "          ^~~\n"
                "    = hint: compute it in a stage before: `| <expression> as x | sum(x)`\n");
    check_error("| count, count(x)",
                "query:1:10: error: two aggregates would both be named '_count'\n"
                "    | count, count(x)\n"
                "             ^~~~~~~~\n"
                "    = hint: Sumo requires `as` here: `count(x) as <name>`\n");
    check_error("| count as n, sum(x) as N",
                "query:1:15: error: two aggregates are both named 'N'\n"
                "    | count as n, sum(x) as N\n"
                "                  ^~~~~~~~~~~\n");
    check_error("| wher x = 1",
                "query:1:3: error: unknown operator 'wher'\n"
                "    | wher x = 1\n"
                "      ^~~~\n"
                "    = hint: did you mean where?\n");
    check_error("| sotr by x",
                "query:1:3: error: unknown operator 'sotr'\n"
                "    | sotr by x\n"
                "      ^~~~\n"
                "    = hint: did you mean sort?\n");
    check_error("| where toLower(x) = \"a\"",
                "query:1:9: error: unknown function 'toLower'\n"
                "    | where toLower(x) = \"a\"\n"
                "            ^~~~~~~\n"
                "    = hint: did you mean toLowerCase?\n");
    check_error("| where sum(x) > 1",
                "query:1:9: error: aggregate 'sum' cannot be used inside an expression\n"
                "    | where sum(x) > 1\n"
                "            ^~~\n"
                "    = hint: aggregates are a stage of their own: `| sum(f) as x by g`\n");
    check_error("| substring(a) as b",
                "query:1:3: error: substring() takes 2 to 3 arguments, got 1\n"
                "    | substring(a) as b\n"
                "      ^~~~~~~~~~~~\n"
                "    = hint: substring: substring(s, start[, end]), 0-based\n");
    check_error("| where x matches /a(?R)c/",
                "query:1:21: error: recursion (?R) is PCRE syntax, not Java\n"
                "    | where x matches /a(?R)c/\n"
                "                        ^\n");
    check_error("| where x matches /\\/(?#b)/",
                "query:1:22: error: (?#...) comments are PCRE syntax, not Java (Java has (?x) and #)\n"
                "    | where x matches /\\/(?#b)/\n"
                "                         ^\n");
    check_error("| where x matches /(a)\\2/",
                "query:1:23: error: backreference \\2, but the pattern has 1 capturing group\n"
                "    | where x matches /(a)\\2/\n"
                "                          ^\n");
    check_error("| where x matches /a[/",
                "query:1:21: error: this character class is not closed: ']' is missing\n"
                "    | where x matches /a[/\n"
                "                        ^\n");
    check_error("| where x matches /a{2,1}/",
                "query:1:21: error: bad regex: numbers out of order in {} quantifier\n"
                "    | where x matches /a{2,1}/\n"
                "                        ^\n");
    /* An unnamed group is a warning (Sumo's apps use them); with no named
     * group at all nothing is extracted: an error. */
    check_error("| parse regex \"(\\d+)\"",
                "query:1:15: error: parse regex needs at least one named group\n"
                "    | parse regex \"(\\d+)\"\n"
                "                  ^~~~~~~\n"
                "    = hint: name what to extract: (?<user>\\S+)\n");
    check_error("| parse regex \"(?:\\d+)\"",
                "query:1:15: error: parse regex needs at least one named group\n"
                "    | parse regex \"(?:\\d+)\"\n"
                "                  ^~~~~~~~~\n"
                "    = hint: name what to extract: (?<user>\\S+)\n");
    check_error("| parse regex \"a=(?<a>\\w+(?<b>\\d))\"",
                "query:1:26: error: parse regex cannot extract a named group inside another one\n"
                "    | parse regex \"a=(?<a>\\w+(?<b>\\d))\"\n"
                "                             ^\n"
                "    = hint: make the outer group (?:...), or extract the inner part with another parse regex\n");
    check_error("| parse \"a=* b=*\" as a",
                "query:1:22: error: the pattern has 2 '*' but 'as' names 1 field\n"
                "    | parse \"a=* b=*\" as a\n"
                "                         ^\n");
    check_error("| json \"a\", \"b\" as x",
                "query:1:17: error: json extracts 2 paths but 'as' names 1 field\n"
                "    | json \"a\", \"b\" as x\n"
                "                    ^~~~\n");
    check_error("| where x in ()",
                "query:1:9: error: empty list after in\n"
                "    | where x in ()\n"
                "            ^~~~~~~\n");
    check_error("| where (a = 1",
                "query:1:15: error: unexpected end of query, expected ')'\n"
                "    | where (a = 1\n"
                "                  ^\n");
    check_error("| where a = ",
                "query:1:13: error: unexpected end of query, expected an expression\n"
                "    | where a = \n"
                "                ^\n");
    check_error("| x + 1",
                "query:1:3: error: this expression needs a name for its result\n"
                "    | x + 1\n"
                "      ^~~~~\n"
                "    = hint: an expression stage names its result: `| <expression> as <field>`\n");
    check_error("| timeslice 5min",
                "query:1:14: error: unknown time unit 'min'\n"
                "    | timeslice 5min\n"
                "                 ^~~\n"
                "    = hint: use ms, s, m, h, d or w, e.g. timeslice 5m\n");
    check_error("| limit ten",
                "query:1:9: error: unexpected identifier, expected a number near 'ten'\n"
                "    | limit ten\n"
                "            ^~~\n");
    check_error("| where x = 1 |",
                "query:1:16: error: unexpected end of query, expected an operator such as where, count or sort\n"
                "    | where x = 1 |\n"
                "                   ^\n");
    check_error("| logcompare timeshift -24h",
                "query:1:3: error: postern does not support Sumo's 'logcompare' operator yet\n"
                "    | logcompare timeshift -24h\n"
                "      ^~~~~~~~~~\n");
    check_error("| transpose row _sourceHost",
                "query:1:28: error: unexpected end of query, expected 'column' and the fields whose values name the columns\n"
                "    | transpose row _sourceHost\n"
                "                               ^\n");
    check_error("| count_distinct by x",
                "query:1:3: error: count_distinct needs a field: count_distinct(<field>)\n"
                "    | count_distinct by x\n"
                "      ^~~~~~~~~~~~~~\n");
    check_error("| median(y, 50)",
                "query:1:13: error: median takes a single field\n"
                "    | median(y, 50)\n"
                "                ^~\n");
    check_error("| where a @ b",
                "query:1:11: error: unexpected character near '@ b'\n"
                "    | where a @ b\n"
                "              ^\n");
    check_error("a | where x = 1 )",
                "query:1:17: error: unexpected symbol, expected '|' or end of query near ')'\n"
                "    a | where x = 1 )\n"
                "                    ^\n");
    check_error("(a OR b | count",
                "query:1:9: error: unexpected symbol, expected ')' near '|'\n"
                "    (a OR b | count\n"
                "            ^\n");
    check_error("*\n| count\n| wher x",
                "query:3:3: error: unknown operator 'wher'\n"
                "    | wher x\n"
                "      ^~~~\n"
                "    = hint: did you mean where?\n");
    check_error("| lookup a from \"x\" on b",
                "query:1:17: error: unexpected string, expected a table path such as path://\"/Library/Users/me/table\" "
                "near '\"x\"'\n"
                "    | lookup a from \"x\" on b\n"
                "                    ^~~\n");
    check_error("| where x not matches \"a*\"",
                "query:1:11: error: Sumo has no 'not matches'\n"
                "    | where x not matches \"a*\"\n"
                "              ^~~\n"
                "    = hint: negate the whole test: !(x matches ...)\n");
    check_error("| where x matches /abc/i",
                "query:1:24: error: regex flags after the closing '/' are not Sumo syntax\n"
                "    | where x matches /abc/i\n"
                "                           ^\n"
                "    = hint: put them inside the pattern: /(?i)abc/\n");
    check_error("| where a = and b",
                "query:1:13: error: unexpected identifier, expected an expression near 'and'\n"
                "    | where a = and b\n"
                "                ^~~\n");
    /* 250 nested parentheses exceed the depth cap of 200. */
    char deep[600] = "| where ";
    size_t k = strlen(deep);
    for (int i = 0; i < 250; i++) deep[k++] = '(';
    deep[k++] = 'a';
    deep[k] = 0;
    uint32_t nerr;
    char *got = error_of(deep, &nerr);
    result(nerr == 1 && got && strstr(got, "error: expression nested too deeply (more than 200 levels)"), "depth cap",
           "| where (((...a", "expression nested too deeply", got);
    free(got);
    check_nerrors("| wher x | sotr y | where ok = 1 | limit x", 3);
    check_nerrors("| where x matches /\\K/ | where y matches /(?|a)/ | where z matches /(*FAIL)/", 3);
    check_nerrors("| where x = \"unterminated | count", 1);
}

static void test_lint(void) {
    check_lint(seed, "matches-wildcard dcount distinct-by-key minmax-double minmax-double");
    check_lint(fixed, "");
    check_lint("| where x in (25, 110)", "in-numeric");
    check_lint("| where num(x) in (25)", "");
    check_lint("| where x in (\"25\")", "");
    check_lint("| toLong(x) as y | where y in (25)", "");
    check_lint("| count by x | where x in (1)", "in-numeric");
    check_lint("| first(a), last(b) as l", "first-last first-last");
    check_lint("| where _sourceCategory = \"Prod\"", "where-case");
    check_lint("| if(_sourceHost = \"a\", 1, 0) as h", "");
    check_lint("| where x = \"fail*\"", "where-wildcard");
    check_lint("| where \"a*\" != x", "where-wildcard");
    check_lint("| parse \"a=*\" as a | json \"b\" | json auto | parse regex \"(?<c>x)\" nodrop", "drop drop");
    check_lint("| sort by x", "sort-text");
    check_lint("| count by x | sort by _count", "");
    check_lint("| count by x | sort by x", "sort-text");
    check_lint("| num(x) as y | sort y", "");
    check_lint("| x + 1 as y | sort y", "");
    check_lint("| timeslice 5m | count by _timeslice | sort _timeslice", "");
    check_lint("| count_distinct(a) by a", "distinct-by-key");
    check_lint("| count_distinct(a) by b", "");
    check_lint("| dcount(a)", "dcount");
    check_lint("| max(_receiptTime) as r", "minmax-double");
    check_lint("| where x matches \"*foo*\"", "");
    check_lint("| where x matches \"foo.bar\"", "");
    check_lint("| where x matches \"^foo$\"", "matches-wildcard");
    check_lint("| where x matches /^foo$/", "");
    check_lint_hint("| where x matches \"a\\\\.b|c/d\"", "use `matches /a\\.b|c\\/d/` for a regex (it matches anywhere in the value)");
    check_lint_hint("| where x matches \"[]\"",
                    "a regex goes between slashes (matches /.../), but this text is no regex either: this character "
                    "class is not closed: ']' is missing");
    check_lint_hint("| where x matches \"a(?R)\"",
                    "a regex goes between slashes (matches /.../), but this text is no regex either: recursion (?R) "
                    "is PCRE syntax, not Java");
    check_lint("| where x matches /(?<=a)b/ | replace(x, /(a)\\1/, \"\") as y", "regex-re2 regex-re2");
    check_lint("| where x matches /(?i)a[\\w-_]\\p{Lower}/ | parse regex \"(?<a>x)(?=y)\" nodrop", "");
    check_lint_hint("| where x matches /a++/",
                    "postern runs it as a Java regex (what parse regex documents); write it without the construct to "
                    "be sure");
    check_lint_hint("| where x in (25, 110)", "quote the values (in (\"25\", ...)) or cast: num(x) in (...)");
    check_lint_hint("| where x != \"fail*\"", "use !(x matches \"fail*\")");
}

int main(void) {
    test_scope();
    test_expressions();
    test_stages();
    test_errors();
    test_lint();
    printf("test_parse: %d passed, %d failed\n", npass, nfail);
    return nfail ? 1 : 0;
}
