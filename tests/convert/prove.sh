#!/bin/sh
# prove.sh — `postern convert` proven by execution (run by tests/check.sh).
#
#   sh tests/convert/prove.sh
#
# Converts queries to DuckDB, PostgreSQL and ClickHouse SQL, runs each
# statement on the real engine (tests/convert/engine.mjs) over the same
# data postern reads, and compares the rows with `postern query --format
# csv` in canonical form (tests/ref/canon.awk: the header as is, the rows
# sorted; numbers with a fraction agree to 15 significant digits, as an
# engine's float sum may differ from postern's correctly rounded one in
# the last bits). The queries:
#   - the shipped rule (rules/*.yml, as `postern detect` runs it) on the
#     bundled examples/;
#   - every case under tests/cases with a query, inputs, no options and no
#     expected failure whose query the converter accepts, on its inputs;
#   - tests/convert/queries.txt (one query a construct) on data from
#     tests/convert/gen.awk (nulls, empty strings, numbers as text, mixed
#     case, non-ASCII, quotes); its "!" lines must be refused by every target;
#   - CONVERT_GEN_COUNT (3000) random queries of tests/convert/gen.mjs on
#     its own random data, seed CONVERT_GEN_SEED (see below).
# Data reach the engines as postern's own NDJSON of the inputs
# (`postern query --format ndjson '*'`), which postern then reads too.
#
# Engines: DuckDB (@duckdb/node-api) and chdb (npm) are installed into
# tests/convert/.npm/ (gitignored) on first use; PostgreSQL is Debian's
# (tools/deps.sh): a throwaway cluster (initdb, pg_ctl) in a temporary
# folder, on a Unix socket only, run as `nobody` when this runs as root
# (initdb refuses root), stopped at the end. An engine that cannot be had
# (no node or npm, no registry, no initdb) is skipped with a message; a
# skipped engine is no failure, a mismatch is (with POSTERN_REQUIRE_ALL=1,
# as CI sets it, a skipped engine fails too).
#
# A query one target refuses (parse regex on PostgreSQL) runs on the others.
# KQL is not executed: each query converted to it is parsed and analyzed by
# Microsoft's language service (npm @kusto/language-service-next, installed
# beside the engines; tests/convert/kql.mjs) against the table its comment
# declares, and must give no error or warning.
# Prints the mismatches and a summary line:
#   convert: N queries (M from tests/cases), DuckDB N/N, PostgreSQL N/N (K refused), chdb N/N, KQL N/N checked (K refused);
#   generated: N queries (seed S, R redrawn), DuckDB N/N, PostgreSQL N/N, chdb N/N
# and exits 1 on any mismatch or wrong refusal.
# Environment: POSTERN (./postern), CONVERT_NPM (tests/convert/.npm),
# DUCKDB_NODE_VERSION (1.5.6-r.1), CHDB_VERSION (3.4.0), KUSTO_LS_VERSION
# (12.4.1: @kusto/language-service-next), CONVERT_ROWS (400: records of
# the generated data sets), CONVERT_SEED (7: their seed).
set -u
cd "$(dirname "$0")/../.." || exit 1
root=$(pwd)
POSTERN=${POSTERN:-$root/postern}
CONVERT_NPM=${CONVERT_NPM:-$root/tests/convert/.npm}
export CONVERT_NPM
DUCKDB_NODE_VERSION=${DUCKDB_NODE_VERSION:-1.5.6-r.1}
CHDB_VERSION=${CHDB_VERSION:-3.4.0}
KUSTO_LS_VERSION=${KUSTO_LS_VERSION:-12.4.1}
ROWS=${CONVERT_ROWS:-400}
SEED=${CONVERT_SEED:-7}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/postern-convert.XXXXXX")
chmod 755 "$tmp"
pgdata=""
pguser=""
cleanup() {
    if [ -n "$pgdata" ] && [ -f "$pgdata/postmaster.pid" ]; then
        if [ -n "$pguser" ]; then runuser -u "$pguser" -- pg_ctl -D "$pgdata" -m immediate stop > /dev/null 2>&1
        else pg_ctl -D "$pgdata" -m immediate stop > /dev/null 2>&1; fi
    fi
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM # (an interrupted run stops, and fails)
say() { echo "convert: $*" >&2; }
fail=0

# ---- engines -----------------------------------------------------------------
have_duck=0 have_chdb=0 have_pg=0 have_kql=0
. tests/convert/npm.sh
. tests/convert/cases.sh
if command -v node > /dev/null 2>&1 && command -v npm > /dev/null 2>&1; then
    npm_need "$tmp/npm.log" "@duckdb/node-api@$DUCKDB_NODE_VERSION" "chdb@$CHDB_VERSION"
    npm_has @duckdb/node-api "$DUCKDB_NODE_VERSION" && have_duck=1
    npm_has chdb "$CHDB_VERSION" && have_chdb=1
    npm_need "$tmp/npm-kql.log" "@kusto/language-service-next@$KUSTO_LS_VERSION" && have_kql=1
else
    say "node or npm is missing: DuckDB, chdb and the KQL check are skipped"
fi
PATH=$PATH:$(ls -d /usr/lib/postgresql/*/bin 2> /dev/null | sort -V | tail -n 1)
if command -v initdb > /dev/null 2>&1 && command -v pg_ctl > /dev/null 2>&1 && command -v psql > /dev/null 2>&1; then
    pgdata=$tmp/pg
    mkdir -p "$pgdata" "$tmp/sock"
    run_pg() { "$@"; }
    if [ "$(id -u)" -eq 0 ]; then
        pguser=nobody
        chown "$pguser" "$pgdata" "$tmp/sock"
        run_pg() { runuser -u "$pguser" -- "$@"; }
    fi
    if run_pg initdb -D "$pgdata" -A trust -U postern -E UTF8 --locale=C > "$tmp/initdb.log" 2>&1 &&
        run_pg pg_ctl -D "$pgdata" -w -t 30 -l "$tmp/sock/log" \
            -o "-c listen_addresses='' -c unix_socket_directories='$tmp/sock' -c fsync=off" start > /dev/null 2>&1; then
        have_pg=1
        PGHOST=$tmp/sock PGUSER=postern PGDATABASE=postgres
        export PGHOST PGUSER PGDATABASE
    else
        say "PostgreSQL did not start: $(tail -n 2 "$tmp/initdb.log" "$tmp/sock/log" 2> /dev/null)"
    fi
else
    say "PostgreSQL (initdb, pg_ctl, psql) is not installed: skipped (tools/deps.sh installs it)"
fi

# POSTERN_REQUIRE_ALL=1 (CI): an engine that cannot be had is a failure, not a skip.
if [ "${POSTERN_REQUIRE_ALL:-}" = 1 ]; then
    for e in duck:DuckDB chdb:chdb pg:PostgreSQL kql:KQL; do
        eval "h=\$have_${e%%:*}"
        [ "$h" = 1 ] || { say "${e#*:} cannot run here and POSTERN_REQUIRE_ALL=1"; fail=1; }
    done
fi

# ---- generated queries (tests/convert/gen.mjs) --------------------------------------
# CONVERT_GEN_COUNT random queries (3000; 0 skips) from seed CONVERT_GEN_SEED
# (1; "random": a fresh one, printed); CONVERT_GEN_ONLY=K runs only query K
# of that seed, shows its SQL and every engine's rows, and stops.
gen_seed=${CONVERT_GEN_SEED:-1}
[ "$gen_seed" = random ] && gen_seed=$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')
gen_engines=""
[ $have_duck -eq 1 ] && gen_engines="$gen_engines,duckdb"
[ $have_pg -eq 1 ] && gen_engines="$gen_engines,postgres"
[ $have_chdb -eq 1 ] && gen_engines="$gen_engines,chdb"
gen_summary=""
if [ -n "$gen_engines" ] && [ "${CONVERT_GEN_COUNT:-3000}" -gt 0 ]; then
    if [ -n "${CONVERT_GEN_ONLY:-}" ]; then
        node tests/convert/gen.mjs --seed "$gen_seed" --dir "$tmp/gen" --engines "${gen_engines#,}" --only "$CONVERT_GEN_ONLY"
        exit $?
    fi
    node tests/convert/gen.mjs --seed "$gen_seed" --count "${CONVERT_GEN_COUNT:-3000}" --dir "$tmp/gen" \
        --engines "${gen_engines#,}" > "$tmp/gen.out" 2> "$tmp/gen.err" || fail=1
    head -n 60 "$tmp/gen.err" >&2
    gen_summary="; $(tail -n 1 "$tmp/gen.out")"
    rm -rf "$tmp/gen"
fi

# ---- jobs ----------------------------------------------------------------------
# Each job: a query file and a data set; jobs.lst lines are "ID<TAB>DATA".
n=0
: > "$tmp/jobs.lst"
: > "$tmp/refused.lst"
ndjson() { "$POSTERN" query --quiet --format ndjson '*' "$@"; }
add_job() { # query-file data-file [rule-file]
    n=$((n + 1))
    rm -f "$tmp/q$n".*
    cp "$1" "$tmp/q$n.txt"
    ok=0
    for t in duckdb postgres clickhouse; do
        # A target may refuse what another takes (parse regex on PostgreSQL).
        if [ -n "${3:-}" ]; then "$POSTERN" convert --to "$t" --rule "$3" > "$tmp/q$n.$t.sql" 2> "$tmp/q$n.err"
        else "$POSTERN" convert --to "$t" -q "$1" > "$tmp/q$n.$t.sql" 2> "$tmp/q$n.err"; fi
        if [ $? -eq 0 ]; then ok=1; else mv "$tmp/q$n.$t.sql" "$tmp/q$n.$t.refused"; fi
    done
    if [ $ok -eq 0 ]; then n=$((n - 1)); return 1; fi
    if [ -n "${3:-}" ]; then "$POSTERN" convert --to kql --rule "$3" > "$tmp/q$n.kql" 2> "$tmp/q$n.kqlerr"
    else "$POSTERN" convert --to kql -q "$1" > "$tmp/q$n.kql" 2> "$tmp/q$n.kqlerr"; fi || rm -f "$tmp/q$n.kql"
    # A query of _raw needs the data's _raw: postern's NDJSON has it for
    # text records only (a JSON record's _raw is its line, which it drops).
    if grep -q '^-- postern convert.*columns:.*\b_raw\b' "$tmp"/q$n.*.sql &&
        [ "$(grep -c '"_raw":' "$2")" -ne "$(wc -l < "$2")" ]; then
        n=$((n - 1)); return 1
    fi
    "$POSTERN" query --quiet --format csv -q "$1" "$2" > "$tmp/q$n.expected" 2> "$tmp/q$n.qerr" || {
        say "postern query failed on $(head -c 200 "$1"): $(head -n 3 "$tmp/q$n.qerr")"; fail=1; }
    printf '%s\t%s\n' "$n" "$2" >> "$tmp/jobs.lst"
}

# The shipped rule on the examples.
ndjson examples/endpoint-network.jsonl examples/firewall-export.csv examples/sumo-export.json > "$tmp/examples.ndjson"
for r in rules/*.yml; do
    "$POSTERN" convert --to duckdb --rule "$r" > /dev/null 2>&1 || { say "$r: not converted"; fail=1; continue; }
    # (the block under `query: |`: its indented lines, up to the first that is not)
    awk '/^query: \|/ { f = 1; next } f && /^[^ ]/ { exit } f { sub(/^  /, ""); print }' "$r" > "$tmp/rule.q"
    add_job "$tmp/rule.q" "$tmp/examples.ndjson" "$r" || { say "$r: not converted"; fail=1; }
done

# Generated data and the hand-written queries ("@text" switches to the
# text lines of gen.awk, "@json" back).
awk -v rows="$ROWS" -v seed="$SEED" -f tests/convert/gen.awk > "$tmp/gen.jsonl"
awk -v rows="$ROWS" -v seed="$((SEED + 1))" -v text=1 -f tests/convert/gen.awk > "$tmp/gen.txt"
ndjson "$tmp/gen.jsonl" > "$tmp/gen.ndjson"
ndjson --input-format text "$tmp/gen.txt" > "$tmp/text.ndjson"
data=$tmp/gen.ndjson
while IFS= read -r line; do
    case $line in '#'* | '') continue ;; esac
    case $line in
    @text) data=$tmp/text.ndjson; continue ;;
    @json) data=$tmp/gen.ndjson; continue ;;
    esac
    case $line in
    '!'*)
        printf '%s\n' "${line#!}" > "$tmp/refuse.q"
        for t in duckdb postgres clickhouse spark kql; do
            "$POSTERN" convert --to "$t" -q "$tmp/refuse.q" > /dev/null 2> "$tmp/refuse.err"
            rc=$?
            if [ $rc -ne 2 ] || ! grep -q "cannot be converted to\|error" "$tmp/refuse.err"; then
                say "not refused by $t (exit $rc): ${line#!}"; fail=1
            fi
        done
        ;;
    *)
        printf '%s\n' "$line" > "$tmp/one.q"
        add_job "$tmp/one.q" "$data" || { say "refused: $line: $(grep -m1 error "$tmp/q$((n + 1)).err")"; fail=1; }
        ;;
    esac
done < tests/convert/queries.txt

# Every accepted case.
cases=0
# prove_case CASE DIR: the case cut into DIR, queued when converted.
prove_case() {
    [ -s "$2/inputs.lst" ] || return 0
    "$POSTERN" convert --to duckdb -q "$2/query.sec" > /dev/null 2>&1 || return 0
    cases=$((cases + 1))
    data=$tmp/case$cases.ndjson
    # shellcheck disable=SC2046
    (cd "$2" && ndjson $(sed 's|.*/||' inputs.lst)) > "$data" 2> /dev/null || return 0
    add_job "$2/query.sec" "$data" || true
}
cases_each "$tmp/case" prove_case plain

# ---- run and compare --------------------------------------------------------------
canon() { awk -v hdrfile="$1.hdr" -f tests/ref/canon.awk "$1" | sort > "$1.body"; }
# Canonical rows $1 and $2 (canon's .body) equal once every number with a
# fraction or an exponent is rounded to 15 significant digits: postern's
# sum is the exact sum correctly rounded (docs/semantics.md), an engine
# adds doubles in its own order and may differ in the last bits
# (docs/convert.md); integers are compared as they are.
near() {
    for f in "$1" "$2"; do
        awk -F, -v OFS=, '{ for (i = 1; i <= NF; i++) if ($i ~ /^-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?$/ && $i ~ /[.eE]/) $i = sprintf("%.15g", $i) } 1' "$f" | sort > "$f.n15"
    done
    cmp -s "$1.n15" "$2.n15"
}
summary="convert: $n queries ($cases from tests/cases)"
for eng in duckdb postgres chdb; do
    case $eng in
    duckdb) have=$have_duck; title=DuckDB; t=duckdb ;;
    postgres) have=$have_pg; title=PostgreSQL; t=postgres ;;
    chdb) have=$have_chdb; title=chdb; t=clickhouse ;;
    esac
    if [ "$have" -ne 1 ]; then summary="$summary, $title skipped"; continue; fi
    : > "$tmp/$eng.lst"
    while IFS="$(printf '\t')" read -r id data; do
        [ -f "$tmp/q$id.$t.sql" ] || continue
        printf '%s\t%s\t%s\t%s\n' "$data" "$tmp/q$id.$t.sql" "$tmp/q$id.$eng.out" "$tmp/q$id.expected" >> "$tmp/$eng.lst"
    done < "$tmp/jobs.lst"
    node tests/convert/engine.mjs "$eng" "$tmp/$eng.lst" 2> "$tmp/$eng.log" || { say "$title: $(tail -n 5 "$tmp/$eng.log")"; fail=1; }
    good=0 refused=0
    while IFS="$(printf '\t')" read -r id data; do
        out=$tmp/q$id.$eng.out
        if [ -f "$tmp/q$id.$t.refused" ]; then refused=$((refused + 1)); continue; fi
        canon "$tmp/q$id.expected"
        if [ -f "$out" ] && ! head -n 1 "$out" | grep -q '^ERROR: '; then
            canon "$out"
            if cmp -s "$out.hdr" "$tmp/q$id.expected.hdr" && { cmp -s "$out.body" "$tmp/q$id.expected.body" ||
                near "$out.body" "$tmp/q$id.expected.body"; }; then
                good=$((good + 1)); continue
            fi
        fi
        fail=1
        say "$title differs from postern on: $(tr '\n' ' ' < "$tmp/q$id.txt" | cut -c1-300)"
        if [ -f "$out" ] && head -n 1 "$out" | grep -q '^ERROR: '; then head -n 1 "$out" | cut -c1-400 >&2
        else
            { cat "$tmp/q$id.expected.hdr" "$tmp/q$id.expected.body"; } > "$tmp/want"
            { cat "$out.hdr" "$out.body" 2> /dev/null; } > "$tmp/got"
            diff "$tmp/want" "$tmp/got" | head -n 12 | sed 's/^/    /' >&2
        fi
    done < "$tmp/jobs.lst"
    summary="$summary, $title $good/$((n - refused))"
    [ $refused -gt 0 ] && summary="$summary ($refused refused)"
done
# KQL: every accepted query parsed and analyzed against its declared table.
if [ "$have_kql" -ne 1 ]; then summary="$summary, KQL skipped (no @kusto/language-service-next)"
else
    : > "$tmp/kql.lst"
    kql_refused=0
    while IFS="$(printf '\t')" read -r id data; do
        if [ -f "$tmp/q$id.kql" ]; then echo "$tmp/q$id.kql" >> "$tmp/kql.lst"; else kql_refused=$((kql_refused + 1)); fi
    done < "$tmp/jobs.lst"
    # The check must be able to fail: a column the table lacks is an error.
    printf '%s\n' '// postern convert --to kql: reads table ["logs"] (docs/convert.md), columns: ["user"]:string' \
        '["logs"] | where nosuch == "x"' > "$tmp/kql-bad.kql"
    echo "$tmp/kql-bad.kql" > "$tmp/kql-bad.lst"
    if node tests/convert/kql.mjs "$tmp/kql-bad.lst" > /dev/null 2>&1; then
        say "KQL: the language service found nothing wrong in a query of an unknown column"; fail=1
    fi
    node tests/convert/kql.mjs "$tmp/kql.lst" > "$tmp/kql.out" 2>&1
    rc=$?
    kql_n=$(wc -l < "$tmp/kql.lst")
    # Why KQL refused what it did, one line a reason with its count.
    for id in $(cut -f1 "$tmp/jobs.lst"); do
        [ -f "$tmp/q$id.kql" ] || grep -m1 'error:' "$tmp/q$id.kqlerr" | sed 's/.*error: //; s/ cannot be converted to KQL.*//'
    done | sort | uniq -c | sort -rn | while read -r cnt why; do say "KQL refused $cnt: $why"; done
    if [ $rc -eq 0 ]; then summary="$summary, KQL $kql_n/$kql_n checked ($kql_refused refused)"
    else
        fail=1
        grep -v '^kql: ' "$tmp/kql.out" | sed "s|$tmp/||" | head -n 20 >&2
        summary="$summary, KQL $(tail -n 1 "$tmp/kql.out" | sed 's/^kql: //') ($kql_refused refused)"
    fi
fi
echo "$summary$gen_summary"
[ $fail -eq 0 ]
