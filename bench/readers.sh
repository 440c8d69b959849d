#!/bin/sh
# bench/readers.sh — `make bench-readers`: throughput of every postern reader.
#
#   sh bench/readers.sh [--rows N] [--reps R] [--threads J] [--formats "a b …"]
#   sh bench/readers.sh --check [--rows N]
#
# For each format of `build/gen --list` (one per reader of `postern
# formats`), generates the same N connection records (default 200000, fixed
# seed) into bench/data/readers/, checks that `postern formats --detect`
# picks that reader, then times, R times each (default 3) under bench/rss.c:
#   postern query -jJ --stats --input-format FMT '* | count by dest_port, process_name'
#   postern query -jJ --stats --input-format FMT '<every schema field>'
# The second query counts _messageTime, addresses, ports, protocol,
# process, bytes, user and host, so the reader fills every field it maps.
# A reader that reads another number of records than generated, rejects
# one, or is not the one detected fails the run (exit 1). Prints a markdown
# table of medians (file MB, records, seconds, MB/s, records/s, peak RSS, time
# relative to JSONL of the same records) and writes it with a description of
# the machine to bench/results-readers.md. Progress goes to stderr.
#
# --check (for `make check`): N records (default 2000) of each format in a
# temporary directory, no timing; detection must pick the format's reader,
# every record must be read, and _messageTime, dest_ip and dest_port must be
# filled in every record. Also fails when a reader has no generator or a
# generator no reader. Prints one line per format.
#
# Environment: POSTERN (./postern), BENCH_SEED (1). Needs make and a C compiler.

set -u

usage() {
    echo "usage: sh bench/readers.sh [--check] [--rows N] [--reps R] [--threads J] [--formats \"FMT …\"]" >&2
    exit "$1"
}

CHECK=0 ROWS= REPS=3 THREADS=1 ONLY=
while [ $# -gt 0 ]; do
    case $1 in
    --check) CHECK=1 ;;
    --rows) [ $# -ge 2 ] || usage 2; ROWS=$2; shift ;;
    --reps) [ $# -ge 2 ] || usage 2; REPS=$2; shift ;;
    --threads) [ $# -ge 2 ] || usage 2; THREADS=$2; shift ;;
    --formats) [ $# -ge 2 ] || usage 2; ONLY=$2; shift ;;
    -h | --help) usage 0 ;;
    *) usage 2 ;;
    esac
    shift
done
if [ -z "$ROWS" ]; then
    if [ $CHECK = 1 ]; then ROWS=2000; else ROWS=200000; fi
fi
SEED=${BENCH_SEED:-1}
case $ROWS$REPS$THREADS$SEED in *[!0-9]*) usage 2 ;; esac
[ "$ROWS" -ge 1 ] && [ "$REPS" -ge 1 ] && [ "$THREADS" -ge 1 ] || usage 2

cd "$(dirname "$0")/.." || exit 1
LC_ALL=C
export LC_ALL
POSTERN=${POSTERN:-./postern}

die() {
    echo "readers: $*" >&2
    exit 1
}
say() {
    [ $CHECK = 1 ] || echo "readers: $*" >&2
}

[ -x "$POSTERN" ] || die "$POSTERN is missing: run make first"
# build/gen and build/bench-rss come from the Makefile.
if [ $CHECK = 1 ]; then tools=build/gen; else tools="build/gen build/bench-rss"; fi
# shellcheck disable=SC2086
make -s $tools > /dev/null || die "cannot build $tools"
GEN=build/gen

tmp=$(mktemp -d "${TMPDIR:-/tmp}/postern-readers.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM

# The two lists must match: a reader without a generator (or the reverse)
# is a gap in the benchmark. `text` (plain lines, no fields: the fallback
# for files in no other format) carries no connection to count; `evtx`
# (binary Windows event logs) is measured on real files by bench/evtx.sh.
"$GEN" --list > "$tmp/gen.lst" || die "build/gen --list failed"
"$POSTERN" formats | awk '/^[a-z]/ && $1 != "auto" && $1 != "text" && $1 != "evtx" { print $1 }' > "$tmp/readers.lst"
STATUS=0
for r in $(cat "$tmp/readers.lst"); do
    grep -qx "$r" "$tmp/gen.lst" || { echo "readers: FAILED: postern's reader $r has no generator in bench/gen.c" >&2; STATUS=1; }
done
for g in $(cat "$tmp/gen.lst"); do
    grep -qx "$g" "$tmp/readers.lst" || { echo "readers: FAILED: bench/gen.c writes $g, which postern does not read" >&2; STATUS=1; }
done
FORMATS=${ONLY:-$(cat "$tmp/gen.lst")}

# The queries: the issue's, and one that reads every schema field.
Q1='* | count by dest_port, process_name'
Q2='* | count as n, count(_messageTime) as t, count(src_ip) as sip, count(src_port) as spt, count(dest_ip) as dip, count(dest_port) as dpt, count(protocol) as proto, count(process_name) as proc, count(bytes_out) as bout, count(bytes_in) as bin, count(user) as usr, count(host) as hst'

# verify FMT WHAT STDERR: the records `--stats` says reader FMT read must be
# all of them, none rejected.
verify() {
    REJECTED=$(sed -n 's/^postern: stats: .* rejected=\([0-9]*\) .*/\1/p' "$3" | head -n 1)
    got=$(sed -n "s/^postern: stats: read as $1: \\([0-9]*\\) records\$/\\1/p" "$3" | head -n 1)
    if [ "$got" != "$ROWS" ] || [ "${REJECTED:-x}" != 0 ]; then
        echo "readers: FAILED: $1 ($2): read ${got:-no records as $1} of $ROWS, rejected ${REJECTED:-?}:" >&2
        grep '^postern: stats' "$3" | sed 's/^/  /' >&2
        grep -v '^postern: stats' "$3" | head -n 5 | sed 's/^/  /' >&2
        STATUS=1
        return 1
    fi
    return 0
}

# detected FMT FILE: the reader `postern formats --detect` picks must be FMT.
detected() {
    d=$("$POSTERN" formats --detect "$2" 2>&1 | sed -n 's/^.*: \([a-z0-9-]*\) (vote [0-9]*)$/\1/p')
    [ "$d" = "$1" ] && return 0
    echo "readers: FAILED: $1: auto-detection picks '${d:-nothing}' for $2" >&2
    STATUS=1
    return 1
}

# ---------------------------------------------------------------- --check
if [ $CHECK = 1 ]; then
    for fmt in $FORMATS; do
        f=$tmp/data.$fmt
        "$GEN" --format "$fmt" --rows "$ROWS" --seed "$SEED" > "$f" || { echo "readers: FAILED: build/gen --format $fmt" >&2; STATUS=1; continue; }
        detected "$fmt" "$f" || continue
        "$POSTERN" query -j1 --stats --quiet --format csv \
            '* | count as n, count(_messageTime) as t, count(dest_ip) as dip, count(dest_port) as dpt' \
            "$f" > "$tmp/out" 2> "$tmp/err"
        verify "$fmt" "auto-detected" "$tmp/err" || continue
        filled=$(sed -n 2p "$tmp/out" | tr -d '\r')
        if [ "$filled" != "$ROWS,$ROWS,$ROWS,$ROWS" ]; then
            echo "readers: FAILED: $fmt: count, _messageTime, dest_ip, dest_port filled: $filled (expected $ROWS in each)" >&2
            STATUS=1
            continue
        fi
        echo "readers: $fmt: detected, $ROWS of $ROWS records read, time, dest_ip and dest_port in each"
    done
    exit $STATUS
fi

# ---------------------------------------------------------------- data
RSS=build/bench-rss
DATA=bench/data/readers
mkdir -p "$DATA" || exit 1
GENSUM=$(cksum < bench/gen.c | awk '{ print $1 "-" $2 }')
fsize() { wc -c < "$1" | tr -d ' '; }

# datafile FMT: generated once per gen.c, rows and seed (its .ok stamp).
datafile() {
    f=$DATA/conn-$ROWS-seed$SEED.$1
    stamp="gen=$GENSUM rows=$ROWS seed=$SEED format=$1"
    if [ -f "$f" ] && [ -f "$f.ok" ] && [ "$(cat "$f.ok")" = "$stamp bytes=$(fsize "$f")" ]; then
        echo "$f"
        return 0
    fi
    say "generating $f"
    rm -f "$f" "$f.ok"
    "$GEN" --format "$1" --rows "$ROWS" --seed "$SEED" > "$f.tmp" || return 1
    mv "$f.tmp" "$f" || return 1
    echo "$stamp bytes=$(fsize "$f")" > "$f.ok"
    echo "$f"
}

# ---------------------------------------------------------------- runs
TIMES=$tmp/times # fmt query bytes wall_s cpu_s maxrss_kib other_cpu_s
: > "$TIMES"

# timed FMT QUERYNO FILE QUERY: one run under rss; its record count checked.
timed() {
    rm -f "$tmp/rss.line"
    "$RSS" -o "$tmp/rss.line" "$POSTERN" query -j "$THREADS" --stats --quiet --format csv \
        --input-format "$1" "$4" "$3" > "$tmp/out" 2> "$tmp/err"
    st=$?
    m=$(sed -n 's/^rss: wall_s=\([0-9.]*\) cpu_s=\([0-9.]*\) maxrss_kib=\([0-9]*\) status=[0-9]* other_cpu_s=\([-0-9.]*\)$/\1 \2 \3 \4/p' "$tmp/rss.line" 2> /dev/null)
    if [ $st -ne 0 ] || [ -z "$m" ]; then
        echo "readers: FAILED: postern on $1 exited with status $st:" >&2
        head -n 10 "$tmp/err" | sed 's/^/  /' >&2
        STATUS=1
        return 1
    fi
    verify "$1" "query $2" "$tmp/err" || return 1
    echo "$1 $2 $(fsize "$3") $m" >> "$TIMES"
    T_WALL=${m%% *}
}

LOAD0=$(cut -d' ' -f1-3 /proc/loadavg 2> /dev/null || echo '?')
T_START=$(date +%s)
for fmt in $FORMATS; do
    f=$(datafile "$fmt") || { echo "readers: FAILED: build/gen --format $fmt" >&2; STATUS=1; continue; }
    detected "$fmt" "$f" || continue
    cat "$f" > /dev/null
    r=1
    while [ $r -le "$REPS" ]; do
        timed "$fmt" 1 "$f" "$Q1" && say "$fmt rep $r/$REPS: count by dest_port, process_name $T_WALL s"
        timed "$fmt" 2 "$f" "$Q2" && say "$fmt rep $r/$REPS: every schema field $T_WALL s"
        r=$((r + 1))
    done
done
LOAD1=$(cut -d' ' -f1-3 /proc/loadavg 2> /dev/null || echo '?')
T_END=$(date +%s)

# ---------------------------------------------------------------- report
awk -v rows="$ROWS" -v order="$FORMATS" '
function median(list,   a, n, i, j, x) {
    n = split(list, a, " ")
    for (i = 2; i <= n; i++) { x = a[i] + 0; for (j = i - 1; j >= 1 && a[j] + 0 > x; j--) a[j + 1] = a[j]; a[j + 1] = x }
    if (n == 0) return -1
    return n % 2 ? a[(n + 1) / 2] + 0 : (a[n / 2] + a[n / 2 + 1]) / 2
}
function x(a, b) { return (a > 0 && b > 0) ? sprintf("%.2f×", a / b) : "—" }
{
    k = $1 SUBSEP $2
    bytes[$1] = $3
    wall[k] = wall[k] " " $4
    cpu[k] = cpu[k] " " $5
    if ($6 > peak[$1]) peak[$1] = $6
    if ($7 > 0.05 + 0.1 * $4) dist[$1]++
}
END {
    print "| format | file MB | records | bytes/record | s | CPU s | MB/s | records/s | × JSONL | all fields: s | MB/s | × JSONL | peak RSS MiB |"
    print "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    j1 = median(wall["jsonl" SUBSEP 1]); j2 = median(wall["jsonl" SUBSEP 2])
    n = split(order, fs, " ")
    for (i = 1; i <= n; i++) {
        f = fs[i]
        if (!(f in bytes)) continue
        s1 = median(wall[f SUBSEP 1]); c1 = median(cpu[f SUBSEP 1]); s2 = median(wall[f SUBSEP 2])
        b = bytes[f]
        printf "| %s%s | %.1f | %d | %.0f | %.3f | %.3f | %.0f | %.2f M | %s | %.3f | %.0f | %s | %.1f |\n",
            f, (dist[f] ? " ²" : ""), b / 1e6, rows, b / rows, s1, c1, (s1 > 0 ? b / s1 / 1e6 : 0),
            (s1 > 0 ? rows / s1 / 1e6 : 0), x(s1, j1), s2, (s2 > 0 ? b / s2 / 1e6 : 0), x(s2, j2), peak[f] / 1024
        if (dist[f]) nd += dist[f]
    }
    print ""
    print "Medians of the repetitions (wall time of the whole process). MB/s = file bytes / 10^6 / s; records/s in millions."
    print "× JSONL = time / time of the same records as plain JSONL (above 1: slower per record). s, CPU s, MB/s: `* | count by dest_port, process_name`;"
    print "all fields: `count` of _messageTime, src_ip, src_port, dest_ip, dest_port, protocol, process_name, bytes_out, bytes_in, user, host."
    print "Peak RSS: the largest ru_maxrss of all runs of the format."
    if (nd) print "² some of its runs (" nd " in all) were disturbed: the rest of the machine kept more than 10% of a core busy meanwhile (compare CPU s)."
}' "$TIMES" > "$tmp/table.md" || die "cannot build the table"

rev=$(git rev-parse --short HEAD 2> /dev/null || echo unknown)
[ -n "$(git status --porcelain -- src bench/gen.c 2> /dev/null)" ] && rev="$rev (modified)"
cpu_model=$(sed -n 's/^model name[[:space:]]*: *//p' /proc/cpuinfo 2> /dev/null | head -n 1)
mem_gib=$(awk '/^MemTotal:/ { printf "%.1f", $2 / 1048576 }' /proc/meminfo 2> /dev/null)
{
    echo "# postern readers: throughput per log format"
    echo
    echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo "- machine: $(nproc 2> /dev/null || echo '?') online cores, ${cpu_model:-unknown CPU}, ${mem_gib:-?} GiB RAM, $(uname -sr)"
    echo "- postern: $POSTERN at $rev, -j$THREADS, --input-format forced (auto-detection checked separately with \`postern formats --detect\`)"
    echo "- data: bench/gen.c --format FMT --rows $ROWS --seed $SEED (the same connections in every format); page cache warm; $REPS repetitions"
    echo "- load average (1, 5, 15 min) before the runs: $LOAD0; after: $LOAD1; runs took $((T_END - T_START)) s"
    echo
    cat "$tmp/table.md"
} > "$tmp/report.md"
cat "$tmp/report.md"
cp "$tmp/report.md" bench/results-readers.md || say "cannot write bench/results-readers.md"
[ $STATUS = 0 ] || echo "readers: FAILED: see above" >&2
exit $STATUS
