#!/bin/sh
# scale.sh — the measurement of docs/scale.md: the shipped rule over one
# file, run by postern and, converted (`postern convert --to clickhouse
# --rule`), by chdb (embedded ClickHouse, the engine a ClickHouse server
# runs). Not part of `make check`.
#
#   sh bench/scale.sh [FILE] [REPS]
#
# FILE: JSON lines of bench/gen.c (default bench/data/conn-10000000-seed1.jsonl;
# `make bench` or bench/run.sh writes it); REPS: repetitions (default 3).
# Each repetition prints the machine's load average first (the machine may
# be shared), then:
#   postern     `postern detect --rule RULE --format csv FILE` (wall time,
#               default threads: one per core);
#   chdb        (bench/scale_chdb.mjs) file_query: the SQL over a view on
#               file(FILE) (JSON parsing and query in one pass); load: the
#               INSERT of FILE into a MergeTree table; table_query: the SQL
#               over that table, REPS times; table_bytes: its size on disk.
# The findings of both are compared (the columns both have, as multisets) so
# the timing is of the same answer; exit 1 when they differ. chdb comes from tests/convert/.npm
# (tests/convert/prove.sh installs it).
set -u
cd "$(dirname "$0")/.." || exit 1
FILE=${1:-bench/data/conn-10000000-seed1.jsonl}
REPS=${2:-3}
RULE=${RULE:-rules/t1071.003-mail-protocols.yml}
POSTERN=${POSTERN:-./postern}
[ -f "$FILE" ] || { echo "scale.sh: $FILE is missing (bench/run.sh generates it)" >&2; exit 2; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/postern-scale.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }
load() { cut -d' ' -f1-3 /proc/loadavg; }

"$POSTERN" convert --to clickhouse --rule "$RULE" > "$tmp/table.sql" || exit 2
"$POSTERN" convert --to clickhouse --table logs_file --rule "$RULE" > "$tmp/file.sql" || exit 2
echo "file: $FILE ($(wc -c < "$FILE") bytes), rule: $RULE, cores: $(nproc)"
for i in $(seq "$REPS"); do
    echo "run $i: load average $(load)"
    t0=$(now)
    "$POSTERN" detect --quiet --rule "$RULE" --format csv "$FILE" > "$tmp/postern.csv" || exit 1
    t1=$(now)
    echo "  postern detect: $(secs "$t0" "$t1") s, $(($(wc -l < "$tmp/postern.csv") - 1)) findings"
done
echo "chdb: load average $(load)"
node bench/scale_chdb.mjs "$FILE" "$tmp/table.sql" "$tmp/file.sql" "$REPS" "$tmp/postern.csv" > "$tmp/chdb.out" || exit 1
sed 's/^/  chdb /; s/^  chdb \([a-z_]*\) \([0-9.]*\)$/  chdb \1: \2/' "$tmp/chdb.out"
grep -q '^same findings: yes' "$tmp/chdb.out"
