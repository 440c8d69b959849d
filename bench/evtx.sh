#!/bin/sh
# bench/evtx.sh — the evtx reader's throughput against libevtx's evtxexport.
#
#   sh bench/evtx.sh [--reps R] [--threads J] [FILE.evtx ...]
#
# bench/gen.c writes no .evtx, so this reads real files: by default every
# ../shared/real/evtx/*.evtx, in place. For each file, R times (default 5)
# in turn, in the same run, under bench/rss.c:
#   evtxexport -f xml FILE > /dev/null            (libevtx, Debian's libevtx-utils)
#   postern query -j1 --quiet '* | count' FILE    (every record decoded, rendered as _raw, mapped)
#   postern query -jJ --quiet '* | count' FILE    (J default 2)
# and prints a markdown table of medians: file MB, records, seconds and MB/s
# of each, and postern's speed-up over evtxexport; then the totals (the
# sum of the medians) over all files and over the dense ones (files whose
# records fill most of their bytes: there the decoders' speed, not the
# start of a process, decides). The table also goes to
# bench/results-evtx.md with a line about the machine. Progress on stderr.
#
# Environment: POSTERN (./postern). Needs evtxexport (tools/deps.sh).

set -u
REPS=5 THREADS=2
while [ $# -gt 0 ]; do
    case $1 in
    --reps) REPS=$2; shift ;;
    --threads) THREADS=$2; shift ;;
    -h | --help) sed -n '2,20p' "$0"; exit 0 ;;
    -*) echo "usage: sh bench/evtx.sh [--reps R] [--threads J] [FILE.evtx ...]" >&2; exit 2 ;;
    *) break ;;
    esac
    shift
done
cd "$(dirname "$0")/.." || exit 1
POSTERN=${POSTERN:-./postern}
LC_ALL=C
export LC_ALL
[ -x "$POSTERN" ] || { echo "evtx bench: $POSTERN is missing: run make first" >&2; exit 1; }
command -v evtxexport > /dev/null 2>&1 || { echo "evtx bench: evtxexport is missing (sh tools/deps.sh)" >&2; exit 1; }
make -s build/bench-rss > /dev/null || exit 1
RSS=build/bench-rss
if [ $# -eq 0 ]; then
    set -- ../shared/real/evtx/*.evtx
    [ -f "$1" ] || { echo "evtx bench: no files in ../shared/real/evtx" >&2; exit 1; }
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/postern-evtx-bench.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM

# wall FILE, cpu FILE: the wall and CPU seconds of the rss line in FILE
wall() { sed -n 's/^rss: wall_s=\([0-9.]*\) .*/\1/p' "$1"; }
cpu() { sed -n 's/^rss: .* cpu_s=\([0-9.]*\) .*/\1/p' "$1"; }
# median: of the numbers on stdin
median() { sort -g | awk '{ v[NR] = $1 } END { print NR ? v[int((NR + 1) / 2)] : 0 }'; }

: > "$tmp/rows"
for f in "$@"; do
    abs=$(cd "$(dirname "$f")" && pwd)/$(basename "$f")
    bytes=$(wc -c < "$abs")
    recs=$("$POSTERN" query -j1 --stats --quiet --format csv '* | count' "$abs" 2>&1 >/dev/null |
        sed -n 's/^postern: stats: .* records=\([0-9]*\) .*/\1/p')
    : > "$tmp/e" ; : > "$tmp/p1" ; : > "$tmp/pj" ; : > "$tmp/ce" ; : > "$tmp/cp" ; : > "$tmp/cj"
    ee_ok=yes
    for r in $(seq "$REPS"); do
        rm -f "$tmp/l"
        "$RSS" -o "$tmp/l" evtxexport -f xml "$abs" > /dev/null 2>&1 || ee_ok=no
        wall "$tmp/l" >> "$tmp/e"
        cpu "$tmp/l" >> "$tmp/ce"
        rm -f "$tmp/l"
        "$RSS" -o "$tmp/l" "$POSTERN" query -j1 --quiet '* | count' "$abs" > /dev/null
        wall "$tmp/l" >> "$tmp/p1"
        cpu "$tmp/l" >> "$tmp/cp"
        rm -f "$tmp/l"
        "$RSS" -o "$tmp/l" "$POSTERN" query -j"$THREADS" --quiet '* | count' "$abs" > /dev/null
        wall "$tmp/l" >> "$tmp/pj"
        cpu "$tmp/l" >> "$tmp/cj"
    done
    echo "$(basename "$f") $bytes ${recs:-0} $(median < "$tmp/e") $(median < "$tmp/p1") $(median < "$tmp/pj") $ee_ok $(median < "$tmp/ce") $(median < "$tmp/cp") $(median < "$tmp/cj")" >> "$tmp/rows"
    echo "evtx bench: $(basename "$f") done" >&2
done

{
    echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC'); $(nproc) online cores; load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "- postern: $POSTERN, -j1 and -j$THREADS, query \`* | count\` (every record decoded, rendered as _raw XML and mapped); evtxexport $(evtxexport -V 2>/dev/null | head -n 1 | awk '{ print $2 }') \`-f xml\` to /dev/null; median of $REPS runs of each, in turn"
    echo
    awk -v J="$THREADS" '
        function mbs(b, s) { return s > 0 ? sprintf("%.1f", b / 1e6 / s) : "—" }
        function x(a, b) { return b > 0 ? sprintf("%.1f×", a / b) : "—" }
        BEGIN {
            print "| file | MB | records | evtxexport s | MB/s | postern -j1 s | MB/s | × evtxexport | postern -j" J " s | MB/s | × evtxexport |"
            print "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
        }
        {
            name = $1; if ($7 == "no") name = name " ¹"
            printf "| %s | %.2f | %d | %.4f | %s | %.4f | %s | %s | %.4f | %s | %s |\n", name, $2 / 1e6, $3, $4, mbs($2, $4), $5, mbs($2, $5), x($4, $5), $6, mbs($2, $6), x($4, $6)
            B += $2; E += $4; P1 += $5; PJ += $6; R += $3; CE += $8; CP += $9; CJ += $10
            if ($3 * 1000 > $2 / 2) { db += $2; de += $4; dp1 += $5; dpj += $6; dr += $3; dn++; dce += $8; dcp += $9; dcj += $10 }
        }
        END {
            printf "| **all %d files** | %.2f | %d | %.3f | %s | %.3f | %s | %s | %.3f | %s | %s |\n", NR, B / 1e6, R, E, mbs(B, E), P1, mbs(B, P1), x(E, P1), PJ, mbs(B, PJ), x(E, PJ)
            printf "| **%d dense files** ² | %.2f | %d | %.3f | %s | %.3f | %s | %s | %.3f | %s | %s |\n", dn, db / 1e6, dr, de, mbs(db, de), dp1, mbs(db, dp1), x(de, dp1), dpj, mbs(db, dpj), x(de, dpj)
            print ""
            print "CPU seconds (user + system, medians summed), which other processes on a shared machine disturb less than wall time:"
            print ""
            print "| files | evtxexport CPU s | MB/s of CPU | postern -j1 CPU s | MB/s of CPU | × evtxexport | postern -j" J " CPU s | MB/s of CPU | × evtxexport |"
            print "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
            printf "| all %d | %.3f | %s | %.3f | %s | %s | %.3f | %s | %s |\n", NR, CE, mbs(B, CE), CP, mbs(B, CP), x(CE, CP), CJ, mbs(B, CJ), x(CE, CJ)
            printf "| %d dense | %.3f | %s | %.3f | %s | %s | %.3f | %s | %s |\n", dn, dce, mbs(db, dce), dcp, mbs(db, dcp), x(dce, dcp), dcj, mbs(db, dcj), x(dce, dcj)
        }' "$tmp/rows"
    echo
    echo "¹ evtxexport stops early on this file (exit status not 0): its time covers the records it read."
    echo "² files with more than one record per 2 KB (whole chunks of records, not mostly empty space)."
} | tee bench/results-evtx.md
