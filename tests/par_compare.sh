#!/bin/sh
# par_compare.sh — results must not depend on threads or the prefilter.
#
#   sh tests/par_compare.sh [ROWS]     (default 30000; SEED=n varies the data)
#
# Generates ROWS connection records with bench/gen.c as JSON Lines and as
# CSV (large enough to be split across threads), runs a set of queries —
# aggregates, first/last, values, message output in input order, limit,
# sort, keyword scope, formatDate in a tz database zone, the table
# operators (transpose, fillmissing, accum and its siblings, outlier,
# dedup, count_frequent, topk, most_recent, bin, predict, logreduce, filter, join) — with -j1
# --no-prefilter (the reference: every record parsed, one thread) and
# with -j1, -j2 and -j3 (prefilter on, the CPU's best JSON line scan
# kernel) and with the sse2 and scalar kernels (POSTERN_SCAN), and
# requires byte-identical output. Prints one line per query and format.
set -u
ROWS=${1:-30000}
SEED=${SEED:-7}
cd "$(dirname "$0")/.." || exit 1
POSTERN=${POSTERN:-./postern}
make -s build/gen >/dev/null || exit 1 # bench/gen.c, built by the Makefile
tmp=$(mktemp -d "${TMPDIR:-/tmp}/postern-par.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM
build/gen --format jsonl --rows "$ROWS" --seed "$SEED" > "$tmp/in.jsonl" || exit 1
build/gen --format csv --rows "$ROWS" --seed "$SEED" > "$tmp/in.csv" || exit 1

n=0
cat > "$tmp/queries" <<'Q'
(_sourceCategory=*network* OR _sourceCategory=*firewall* OR _sourceCategory=*proxy*) | where dest_port in ("25","465","587","110","995","143","993") | count as c, count_distinct(dest_ip) as d, sum(bytes_out) as b, min(_messageTime) as f, max(_messageTime) as l by src_ip, dest_port, process_name | where c > 1 | sort by c
_sourceCategory=*network* | where dest_port in ("25","587") | fields src_ip, dest_port, process_name, _messageTime
* | where dest_port = "993" or dest_port = "995" | limit 40
* | where !(process_name matches "*chrome*") and dest_port in ("443") | first(process_name) as newest, last(process_name) as oldest, values(protocol) as v, count by host | sort by _count, host | limit 30
svchost | count by dest_port, process_name
_sourceCategory=*firewall* | where dest_port = 25 | count by src_ip | top 5 src_ip by _count
* | parse regex field=process_name "(?<exe>[^\\\\/]+)$" nodrop | where dest_port in ("110") | count by exe
* | formatDate(_messageTime, "yyyy-MM-dd HH", "America/New_York") as hour | count by hour | sort by hour asc
* | timeslice 1h | count by _timeslice, dest_port | transpose row _timeslice column dest_port
* | where dest_port in ("25","110") | timeslice 15m | count by _timeslice, protocol | fillmissing timeslice(15m), values("tcp", "udp", "sctp") in protocol | sort by _timeslice asc, protocol asc
* | timeslice 1h | sum(bytes_out) as b by _timeslice | sort by _timeslice asc | accum b as a | diff b as d | smooth b, 3 as s | rollingstd b, 3 as r | backshift b, 2 as k | total b as t
* | timeslice 30m | count by _timeslice, protocol | outlier _count by protocol window=4, threshold=1.5, consecutive=1, direction=+-
* | where dest_port = "25" | dedup 2 by src_ip | fields src_ip, dest_port, _messageTime
* | dedup consecutive by dest_port | count by dest_port
* | count_frequent process_name, dest_port
* | count by src_ip, dest_port | topk(3, _count) by dest_port
* | withtime process_name | most_recent(process_name_withtime) as m, least_recent(process_name_withtime) as l, median(bytes_out), pct_sampling(bytes_in, 90) by dest_port
* | bin bytes_out width=5000, min=0, max=100000 | count by _bin_label, _bin_lower | sort by _bin_lower asc
* | timeslice 1h | count by _timeslice, protocol | predict _count by 1h model=ar, ar.window=3, forecast=2
* | concat(process_name, " to ", dest_ip, ":", dest_port) as m | logreduce field=m by protocol limit=5, criteria=mostcommon
* | logreduce keys | sort by _count
* | count by src_ip, dest_port | filter src_ip in (sum(_count) by src_ip | top 5 src_ip by _sum)
* | where dest_port in ("25", "110") | join (count by src_ip, dest_port) as a, (sum(bytes_out) as b by src_ip) as s on a.src_ip = s.src_ip | sort by a_src_ip asc, a_dest_port asc
Q
status=0
while IFS= read -r q; do
    n=$((n + 1))
    printf '%s\n' "$q" > "$tmp/q$n"
    for f in jsonl csv; do
        "$POSTERN" query --format csv --quiet -j1 --no-prefilter -q "$tmp/q$n" "$tmp/in.$f" > "$tmp/ref" 2>&1
        rows=$(($(wc -l < "$tmp/ref") - 1))
        bad=""
        for j in 1 2 3; do
            "$POSTERN" query --format csv --quiet -j$j -q "$tmp/q$n" "$tmp/in.$f" > "$tmp/out" 2>&1
            cmp -s "$tmp/ref" "$tmp/out" || bad="$bad -j$j"
        done
        # Every JSON line scan kernel this CPU has (the default one ran above).
        for k in sse2 scalar; do
            POSTERN_SCAN=$k "$POSTERN" --version > /dev/null 2>&1 || continue # not on this CPU
            POSTERN_SCAN=$k "$POSTERN" query --format csv --quiet -j2 -q "$tmp/q$n" "$tmp/in.$f" > "$tmp/out" 2>&1
            cmp -s "$tmp/ref" "$tmp/out" || bad="$bad POSTERN_SCAN=$k"
        done
        if [ -n "$bad" ]; then
            echo "par: query $n ($f): output differs with$bad"
            status=1
        else
            echo "par: query $n ($f): $rows rows, identical with -j1 -j2 -j3, the sse2 and scalar scans, and without prefilter"
        fi
    done
done < "$tmp/queries"
exit $status
