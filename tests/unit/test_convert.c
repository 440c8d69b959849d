/* test_convert.c — unit tests for convert_regex.c, the Java regex
 * translation of `postern convert`.
 *
 * A table of patterns, each with the dialect (RE2, ARE, Java), the
 * expected translation or the start of the reason it is refused, and the
 * capturing groups found (count and which may take no part). Prints one
 * line per failure and a final "N passed, N failed"; exits 1 on failure.
 * The translations are run on real engines by tests/convert/prove.sh.
 */
#include <stdio.h>
#include <string.h>

#include "convert.h"

/* One check: pattern, dialect, translation or "!" + the refusal's start,
 * groups, optional-group mask. */
static const struct {
    const char *pat;
    int re;
    const char *want;
    unsigned ngroups;
    unsigned long long optional;
} cases[] = {
    {"abc", CV_RE_RE2, "abc", 0, 0},
    {"em\\.client", CV_RE_ARE, "em\\.client", 0, 0},
    {"(?i)Ab1", CV_RE_RE2, "[Aa][bB]1", 0, 0},
    {"(?i)[x-z0-9]+", CV_RE_JAVA, "[x-zX-Z0-9]+", 0, 0},
    {"(?i)[a-c_]", CV_RE_ARE, "[a-cA-C_]", 0, 0},
    {"(?i)[x-Z]", CV_RE_RE2, "!a range whose end is before", 0, 0},
    {"\\d+\\s\\w*", CV_RE_RE2, "[0-9]+[ \\t\\n\\x0B\\f\\r][0-9A-Za-z_]*", 0, 0},
    {"[\\d-_]", CV_RE_JAVA, "[0-9\\-_]", 0, 0},
    {"a.*b", CV_RE_RE2, "a[^\\n\\r]*b", 0, 0},
    {"a.b", CV_RE_RE2, "!'.' or a negated class without * or +", 0, 0},
    {"a[^x]?", CV_RE_ARE, "!'.' or a negated class without * or +", 0, 0},
    {"\\D+", CV_RE_ARE, "[^0-9]+", 0, 0},
    {"é.b", CV_RE_RE2, "é[^\\n\\r]b", 0, 0},
    {"(?i)é", CV_RE_RE2, "!(?i) in a pattern with non-ASCII text", 0, 0},
    {"x$", CV_RE_RE2, "x(?:\\r\\n|\\n|\\r)?$", 0, 0},
    {"x$", CV_RE_JAVA, "x$", 0, 0},
    {"(a$|b)", CV_RE_ARE, "(a(?:\\r\\n|\\n|\\r)?$|b)", 1, 0},
    {"a$b", CV_RE_RE2, "!a $ that does not end", 0, 0},
    {"x+?y", CV_RE_ARE, "x+y", 0, 0},
    {"x+?y", CV_RE_RE2, "x+?y", 0, 0},
    {"x*+", CV_RE_RE2, "!a possessive quantifier", 0, 0},
    {"a{2,300}", CV_RE_RE2, "!a repeat count above 255", 0, 0},
    {"a{2,3}b{4}", CV_RE_ARE, "a{2,3}b{4}", 0, 0},
    {"a{x", CV_RE_RE2, "a\\{x", 0, 0},
    {"(?=a)", CV_RE_RE2, "!a lookahead or lookbehind", 0, 0},
    {"(?>a)", CV_RE_RE2, "!an atomic group", 0, 0},
    {"(a)\\1", CV_RE_RE2, "!a backreference", 1, 0},
    {"\\bword", CV_RE_RE2, "!a word boundary", 0, 0},
    {"\\p{L}", CV_RE_RE2, "!a Unicode class", 0, 0},
    {"(?s)a", CV_RE_RE2, "!an inline flag", 0, 0},
    {"[[:alpha:]]", CV_RE_RE2, "!a nested class", 0, 0},
    {"(?<user>\\w+)=(?<v>[^,]*)", CV_RE_RE2, "([0-9A-Za-z_]+)\\=([^,]*)", 2, 0},
    {"(?<a>x)|(?<b>y)", CV_RE_RE2, "(x)|(y)", 2, 3},
    {"(?<a>x)?(?<b>y)", CV_RE_RE2, "(x)?(y)", 2, 1},
    {"(?:(?<a>x)(?<b>y))*z", CV_RE_RE2, "(?:(x)(y))*z", 2, 3},
    {"(?<a>x)(?:(?<b>y)|z)", CV_RE_JAVA, "(x)(?:(y)|z)", 2, 2},
    {"(?<a>x){0,2}(?<b>y){1,2}", CV_RE_RE2, "(x){0,2}(y){1,2}", 2, 1},
    {"a'b\\\\c", CV_RE_RE2, "a\\'b\\\\c", 0, 0},
    {"(unclosed", CV_RE_RE2, "!an unclosed group", 1, 0},
    {"*a", CV_RE_RE2, "!a quantifier with nothing to repeat", 0, 0},
};

int main(void) {
    int npass = 0, nfail = 0;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        buf_t b = {0};
        cv_rxinfo_t info = {0};
        const char *why = cv_regex(pstr_c(cases[i].pat), cases[i].re, &b, &info);
        const char *want = cases[i].want;
        bool ok;
        if (want[0] == '!') ok = why && strncmp(why, want + 1, strlen(want + 1)) == 0;
        else
            ok = !why && b.p && strcmp(b.p, want) == 0 && info.ngroups == cases[i].ngroups &&
                 info.optional == cases[i].optional;
        if (ok) npass++;
        else {
            nfail++;
            printf("FAIL %s (dialect %d)\n  want: %s (groups %u, optional %llx)\n  got:  %s%s (groups %u, optional %llx)\n",
                   cases[i].pat, cases[i].re, want, cases[i].ngroups, cases[i].optional, why ? "!" : "",
                   why ? why : (b.p ? b.p : ""), info.ngroups, (unsigned long long)info.optional);
        }
        buf_free(&b);
    }
    printf("%d passed, %d failed\n", npass, nfail);
    return nfail ? 1 : 0;
}
