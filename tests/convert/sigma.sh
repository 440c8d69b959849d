#!/bin/sh
# sigma.sh — `postern convert --to sigma` checked against the Sigma
# specification (run by tests/check.sh, next to prove.sh).
#
#   sh tests/convert/sigma.sh
#
# Converts to Sigma: the shipped rules (rules/*.yml; one that is refused
# must say why), tests/convert/sigma-rule.yml, every line of
# tests/convert/sigma-queries.txt (a "!" line must be refused), and every
# query of tests/convert/queries.txt and tests/cases/*.test that the
# converter accepts. Each accepted output is validated by
# tests/convert/sigma.mjs: YAML 1.2 without errors, every document against
# the specification's JSON schema (detection or correlation, with ajv), and
# every correlation's rule in the same stream. The outputs of
# sigma-queries.txt, queries.txt and $SIGMA_RANDOM (300) random queries of
# sigma-gen.mjs are also run by sigma-eval.mjs (Sigma's
# matching rules, as a backend applies them) over gen.awk's records, and
# what fires (the records, or the groups of a correlation over the whole
# input as one window) must be what `postern query` reports. The literals of
# sigma-queries.txt's first line are read back with the YAML parser and
# compared with tests/convert/sigma-literals.json (quoting, escapes,
# Sigma's wildcard escapes). Prints "sigma: N outputs valid (M from
# tests/cases), K refused" and exits 1 on any invalid output or wrong
# refusal.
# The schemas are read from $SIGMA_SPEC (../shared/real/spec); ajv,
# ajv-formats and yaml (exact versions below) are installed into
# tests/convert/.npm/ on first use, beside prove.sh's packages. Without
# node or npm, the packages or the schemas, the check is skipped with a
# message (no failure).
set -u
cd "$(dirname "$0")/../.." || exit 1
root=$(pwd)
POSTERN=${POSTERN:-$root/postern}
CONVERT_NPM=${CONVERT_NPM:-$root/tests/convert/.npm}
export CONVERT_NPM
SIGMA_SPEC=${SIGMA_SPEC:-$root/../shared/real/spec}
AJV_VERSION=8.20.0
AJV_FORMATS_VERSION=3.0.1
YAML_VERSION=2.9.1
say() { echo "sigma: $*" >&2; }
# POSTERN_REQUIRE_ALL=1 (CI): a check that cannot run fails instead of skipping.
skip() {
    if [ "${POSTERN_REQUIRE_ALL:-}" = 1 ]; then echo "sigma: FAIL: cannot run (POSTERN_REQUIRE_ALL=1): $*"; exit 1; fi
    echo "sigma: skipped: $*"; exit 0
}
command -v node > /dev/null 2>&1 && command -v npm > /dev/null 2>&1 || skip "node or npm is missing"
[ -f "$SIGMA_SPEC/sigma-detection-rule-schema.json" ] && [ -f "$SIGMA_SPEC/sigma-correlation-rules-schema.json" ] ||
    skip "the Sigma specification's JSON schemas are not in $SIGMA_SPEC"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/postern-sigma.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM # (an interrupted run stops, and fails)
. tests/convert/npm.sh
. tests/convert/cases.sh
npm_need "$tmp/npm.log" "ajv@$AJV_VERSION" "ajv-formats@$AJV_FORMATS_VERSION" "yaml@$YAML_VERSION" ||
    skip "ajv, ajv-formats or yaml could not be installed"

fail=0 n=0 refused=0 cases=0 ran=0 fired=0
# The records the queries run on: gen.awk's JSON records and text lines as
# postern's NDJSON, each with a "rid" (its line number) to name it by.
ndjson() { "$POSTERN" query --quiet --format ndjson '*' "$@" | awk '{ sub(/^\{/, "{\"rid\":\"" NR "\","); print }'; }
awk -v rows="${CONVERT_ROWS:-400}" -v seed="${CONVERT_SEED:-7}" -f tests/convert/gen.awk > "$tmp/gen.jsonl"
awk -v rows="${CONVERT_ROWS:-400}" -v seed="$((${CONVERT_SEED:-7} + 1))" -v text=1 -f tests/convert/gen.awk > "$tmp/gen.txt"
ndjson "$tmp/gen.jsonl" > "$tmp/json.ndjson"
ndjson --input-format text "$tmp/gen.txt" > "$tmp/text.ndjson"
# Queue output s<n> to be run as a Sigma backend would (sigma-eval.mjs) on
# $data, against postern's rows of query file $1 (a query whose `fields`
# drop the records' rid is only validated).
: > "$tmp/runs.lst"
run() {
    grep -q 'fields' "$1" && return 0
    cp "$1" "$tmp/q$n.txt"
    "$POSTERN" query --quiet --format ndjson -q "$1" "$data" > "$tmp/p$n.ndjson" 2> "$tmp/qerr" || {
        say "postern query failed: $(cat "$1"): $(head -n 2 "$tmp/qerr")"; fail=1; return 0; }
    printf '%s\t%s\t%s\t%s\n' "$tmp/s$n.yml" "$data" "$tmp/p$n.ndjson" "$tmp/r$n" >> "$tmp/runs.lst"
}
# One conversion: "$@" are convert's arguments; an accepted one is kept as $tmp/s<n>.yml.
try() {
    n=$((n + 1))
    if "$POSTERN" convert --to sigma "$@" > "$tmp/s$n.yml" 2> "$tmp/err"; then return 0; fi
    rm -f "$tmp/s$n.yml"
    n=$((n - 1))
    # A query postern itself rejects is no refusal (its error has no [convert] code).
    grep -q '\[convert\]' "$tmp/err" || return 1
    if ! grep -q 'cannot be converted to Sigma' "$tmp/err"; then
        say "refused without naming the construct: $*: $(head -n 1 "$tmp/err")"; fail=1
    fi
    refused=$((refused + 1))
    return 1
}

for r in rules/*.yml; do
    try --rule "$r" || true
done
try --rule tests/convert/sigma-rule.yml --window 1h || { say "tests/convert/sigma-rule.yml: $(head -n 1 "$tmp/err")"; fail=1; }
first=1
data=$tmp/json.ndjson
while IFS= read -r line; do
    case $line in '#'* | '') continue ;; esac
    case $line in
    @text) data=$tmp/text.ndjson; continue ;;
    @json) data=$tmp/json.ndjson; continue ;;
    esac
    printf '%s\n' "${line#!}" > "$tmp/one.q"
    case $line in
    '!'*)
        if "$POSTERN" convert --to sigma -q "$tmp/one.q" > /dev/null 2> "$tmp/err"; then
            say "not refused: ${line#!}"; fail=1
        elif ! grep -q 'cannot be converted to Sigma' "$tmp/err"; then
            say "refused without naming the construct: ${line#!}: $(head -n 1 "$tmp/err")"; fail=1
        fi
        ;;
    *)
        try -q "$tmp/one.q" || { say "refused: $line: $(grep -m1 error "$tmp/err")"; fail=1; continue; }
        run "$tmp/one.q"
        if [ $first -eq 1 ]; then
            # The literals read back: the first detection's values.
            node tests/convert/sigma.mjs --dump "$tmp/s$n.yml" | tail -n 1 > "$tmp/literals.json"
            node -e '
                const fs = require("fs");
                const got = JSON.parse(fs.readFileSync(process.argv[1], "utf8")).detection;
                const want = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
                if (JSON.stringify(got) !== JSON.stringify(want)) {
                    console.error("sigma: literals read back differ:\n  got  " + JSON.stringify(got) + "\n  want " + JSON.stringify(want));
                    process.exit(1);
                }' "$tmp/literals.json" tests/convert/sigma-literals.json || fail=1
            first=0
        fi
        ;;
    esac
done < tests/convert/sigma-queries.txt
data=$tmp/json.ndjson
while IFS= read -r line; do
    case $line in
    @text) data=$tmp/text.ndjson; continue ;;
    @json) data=$tmp/json.ndjson; continue ;;
    '#'* | '' | '!'*) continue ;;
    esac
    printf '%s\n' "$line" > "$tmp/one.q"
    try -q "$tmp/one.q" && run "$tmp/one.q"
done < tests/convert/queries.txt
# Random queries in Sigma's shape (sigma-gen.mjs), on the JSON records.
data=$tmp/json.ndjson
node tests/convert/sigma-gen.mjs "${SIGMA_RANDOM:-300}" "${CONVERT_SEED:-7}" > "$tmp/random.txt"
random=0
while IFS= read -r line; do
    printf '%s\n' "$line" > "$tmp/one.q"
    try -q "$tmp/one.q" && { run "$tmp/one.q"; random=$((random + 1)); }
done < "$tmp/random.txt"
# sigma_case CASE DIR: the case's query converted.
sigma_case() { try -q "$2/query.sec" && cases=$((cases + 1)); return 0; }
cases_each "$tmp/case" sigma_case

# Run the queued rules and compare what fires.
node tests/convert/sigma-eval.mjs --list "$tmp/runs.lst" 2> "$tmp/eerr" || { say "sigma-eval failed: $(head -n 3 "$tmp/eerr")"; fail=1; }
while IFS="$(printf '\t')" read -r yml d pn r; do
    ran=$((ran + 1))
    id=${r##*/r}
    if [ -f "$r.error" ]; then say "sigma-eval failed on $(cat "$tmp/q$id.txt"): $(cat "$r.error")"; fail=1; continue; fi
    [ -s "$r.postern" ] && fired=$((fired + 1))
    if ! cmp -s "$r.sigma" "$r.postern"; then
        say "the Sigma rule fires otherwise than postern on: $(cat "$tmp/q$id.txt")"
        diff "$r.postern" "$r.sigma" | head -n 8 | sed 's/^/    /' >&2
        fail=1
    fi
done < "$tmp/runs.lst"

# shellcheck disable=SC2046
node tests/convert/sigma.mjs "$SIGMA_SPEC" $(i=1; while [ $i -le $n ]; do echo "$tmp/s$i.yml"; i=$((i + 1)); done) > "$tmp/valid.out" 2>&1 || {
    fail=1; grep -v '^sigma: ' "$tmp/valid.out" | sed "s|$tmp/||" | head -n 20 >&2; }
echo "$(tail -n 1 "$tmp/valid.out") against the Sigma schemas ($n outputs, $cases from tests/cases), $refused refused; $ran run as a Sigma backend would ($random random, $fired firing), as postern"
[ $fail -eq 0 ]
