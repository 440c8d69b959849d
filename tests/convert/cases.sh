# cases.sh — sourced by prove.sh and sigma.sh: the queries of tests/cases
# (as npm.sh is their npm packages).

# cases_each DIR FUNC [plain]: for each tests/cases/*.test with a query,
# cut it into DIR (emptied first) with tests/tools/case_split.awk, the
# cutter tests/check.sh uses (DIR/query.sec, the inputs, DIR/inputs.lst),
# then call FUNC CASE DIR. With "plain", only the cases run as a plain
# query (no command, args or status section). FUNC's variables are the
# caller's (no subshell).
cases_each() {
    cases_dir=$1 cases_fn=$2 cases_plain=${3:-}
    for cases_c in tests/cases/*.test; do
        grep -q '^%% query' "$cases_c" || continue
        [ -n "$cases_plain" ] && grep -q '^%% \(command\|args\|status\)' "$cases_c" && continue
        rm -rf "$cases_dir"; mkdir -p "$cases_dir"
        awk -v dir="$cases_dir" -f tests/tools/case_split.awk "$cases_c"
        "$cases_fn" "$cases_c" "$cases_dir"
    done
}
