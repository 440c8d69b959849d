#!/bin/sh
# compare.sh — postern against an independent reference, on generated data.
#
#   sh tests/ref/compare.sh [ROWS]        (default 200000; SEED=n to vary the data)
#
# Generates ROWS connection records with bench/gen.c (fixed seed) as CSV
# and as JSONL, without and with --conn (direction, outcome, conn_id; a
# quarter of the firewall records twice), runs the seed query verbatim and
# the fixed query of rules/t1071.003-mail-protocols.yml (on both kinds of
# data) through ./postern on both files and
# through the awk reference (tests/ref/mail_ref.awk, -v query=seed or fixed) on
# the CSV, puts each result in a canonical order (header first, then rows
# sorted bytewise, CRs stripped, cells re-quoted minimally) and diffs them.
# Prints one line per query; exit 0 when all three agree for both queries.
# Needs ./postern (make; $POSTERN overrides) and a C compiler; works with dash and mawk.

set -u
ROWS=${1:-200000}
SEED=${SEED:-42}
case $ROWS in '' | *[!0-9]*) echo "usage: sh tests/ref/compare.sh [ROWS]" >&2; exit 2 ;; esac

cd "$(dirname "$0")/../.." || exit 1
LC_ALL=C
export LC_ALL
AWK=${AWK:-awk}

POSTERN=${POSTERN:-./postern}
if [ ! -x "$POSTERN" ]; then
    echo "compare: $POSTERN is missing: run make first" >&2
    exit 1
fi
make -s build/gen >/dev/null || exit 1 # bench/gen.c, built by the Makefile

tmp=$(mktemp -d "${TMPDIR:-/tmp}/postern-compare.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM

build/gen --format csv --rows "$ROWS" --seed "$SEED" > "$tmp/in.csv" || exit 1
build/gen --format jsonl --rows "$ROWS" --seed "$SEED" > "$tmp/in.jsonl" || exit 1
build/gen --format csv --rows "$ROWS" --seed "$SEED" --conn > "$tmp/conn.csv" || exit 1
build/gen --format jsonl --rows "$ROWS" --seed "$SEED" --conn > "$tmp/conn.jsonl" || exit 1

# The queries: the seed page's text verbatim, and the rule's query block.
seedq=tests/data/seed-query-verbatim.txt
fixedq=$tmp/fixed-query.txt
$AWK '/^query: *\|/ { on = 1; next }
      on && /^[^ ]/ { on = 0 }
      on { sub(/^  /, ""); print }' rules/t1071.003-mail-protocols.yml > "$fixedq"
[ -s "$fixedq" ] || fixedq=tests/data/seed-query-fixed.txt

# canon FILE: the CSV in FILE with its header first and its records sorted;
# each record on one line (a backslash, CR or LF inside a cell is written
# \\, \r, \n), cells quoted only when they hold a comma or quote.
canon() {
    $AWK -v hdrfile="$1.hdr" -f tests/ref/canon.awk "$1" | sort > "$1.body"
    cat "$1.hdr" "$1.body"
}

status=0

# check NAME QUERYFILE QUERY DATA: the query named QUERY (seed, fixed) on the
# records $tmp/DATA.csv and $tmp/DATA.jsonl
check() {
    name=$1 q=$2 rq=$3 data=$4
    ok=1
    for f in csv jsonl; do
        if ! "$POSTERN" query --format csv -q "$q" "$tmp/$data.$f" > "$tmp/$name.$f.out" 2> "$tmp/$name.$f.err"; then
            echo "compare: $name query: postern failed on the $f input:" >&2
            sed 's/^/  /' "$tmp/$name.$f.err" | head -n 20 >&2
            ok=0
        fi
    done
    if ! $AWK -v query="$rq" -f tests/ref/mail_ref.awk "$tmp/$data.csv" > "$tmp/$name.ref.out"; then
        echo "compare: $name query: tests/ref/mail_ref.awk failed" >&2
        ok=0
    fi
    if [ $ok = 0 ]; then status=1; return; fi
    for f in csv jsonl ref; do canon "$tmp/$name.$f.out" > "$tmp/$name.$f.canon"; done
    groups=$(($(wc -l < "$tmp/$name.ref.canon") - 1))
    if cmp -s "$tmp/$name.jsonl.canon" "$tmp/$name.csv.canon" &&
        cmp -s "$tmp/$name.csv.canon" "$tmp/$name.ref.canon"; then
        echo "compare: $name query: $groups groups, postern(jsonl) == postern(csv) == reference"
        return
    fi
    status=1
    echo "compare: $name query: MISMATCH ($groups groups in the reference, $ROWS rows, seed $SEED)"
    if ! cmp -s "$tmp/$name.csv.canon" "$tmp/$name.ref.canon"; then
        echo "--- reference (tests/ref/mail_ref.awk) vs +++ postern(csv)"
        diff -u "$tmp/$name.ref.canon" "$tmp/$name.csv.canon" | sed -n '3,42p'
    fi
    if ! cmp -s "$tmp/$name.jsonl.canon" "$tmp/$name.csv.canon"; then
        echo "--- postern(csv) vs +++ postern(jsonl)"
        diff -u "$tmp/$name.csv.canon" "$tmp/$name.jsonl.canon" | sed -n '3,42p'
    fi
}

check seed "$seedq" seed in
check fixed "$fixedq" fixed in
check fixed-conn "$fixedq" fixed conn
exit $status
