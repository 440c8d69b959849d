#!/bin/sh
# The projection (exec.c exec_plan: readers extract only the fields a query
# names, and an aggregate query's records go without the metadata it never
# reads) changes no result. Every run here is made twice, as is and with
# POSTERN_NO_PROJECT=1 (every field extracted, nothing skipped), and the
# two must give byte-identical stdout, stderr and exit status:
#  - every case of tests/cases (or of POSTERN_CASES=DIR), run as
#    tests/check.sh runs it ("%% command" cases included; not the live
#    sensor cases, whose counts are the machine's own connections);
#  - the bench shapes and aggregates over generated records (build/gen) in
#    several formats, with -j1 and with -j3 over small split segments;
#  - JSON edge cases (duplicate keys, key case, nested keys, \u-escaped
#    keys, time keys, lines rejected) and the real JSON logs of
#    $TESTROOT/../shared/real (when present), with --stats.
# A run whose two results differ is printed with a diff; see pair() for
# the reruns that tell a case's own race or instability from a difference.
# POSTERN_PROJECT_QUICK=1 compares only the generated and edge-case runs
# (make check's cheap form). Ends with "project: N same, N differ" and
# fails when any differ or when fewer runs were compared than expected.
# Run from the repository root after `make postern build/gen`.
set -u
root=$(pwd)
bin=${POSTERN_BIN:-$root/postern}
real="$root/../shared/real"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/postern-project.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM
unset COLUMNS NO_COLOR POSTERN_NO_PROJECT
same=0
differ=0
unstable=""
flaky=""

# run_in DIR TAG CMD...: run CMD in DIR, its stdout, stderr and status in
# DIR/TAG.*; the seconds a run took (detect's summary "in 0.01 s") are
# masked, they are no result.
run_in() {
    d=$1 tag=$2
    shift 2
    (cd "$d" || exit 99; "$@" > "$tag.out" 2> "$tag.raw"; echo $? > "$tag.status")
    sed 's/ in [0-9][0-9.]* s$/ in _ s/' "$d/$tag.raw" > "$d/$tag.err"
}

# pair NAME DIR CMD...: CMD in DIR with projection on and off; counted.
# When they differ, both are run again: equal then, the first pair met a
# race of the case's own (listed as flaky); the first run differing from
# its rerun, the case is unstable (listed, not compared); otherwise they
# differ. With copy=1 each run has its own copy of DIR (a case may leave
# files that change its next run: a fifo, an output).
copy=0
pair() {
    name=$1 d=$2
    shift 2
    for tag in on off again off2; do
        eval "d_$tag=\$d"
        [ "$copy" = 1 ] || continue
        rm -rf "$d.$tag"
        cp -R "$d" "$d.$tag"
        eval "d_$tag=\$d.\$tag"
    done
    run_in "$d_on" on "$@"
    POSTERN_NO_PROJECT=1 run_in "$d_off" off "$@"
    if same_run "$d_on/on" "$d_off/off"; then
        same=$((same + 1))
        return
    fi
    run_in "$d_again" again "$@"
    POSTERN_NO_PROJECT=1 run_in "$d_off2" off2 "$@"
    if same_run "$d_again/again" "$d_off2/off2"; then
        same=$((same + 1))
        flaky="$flaky $name"
        return
    fi
    if ! same_run "$d_on/on" "$d_again/again"; then
        unstable="$unstable $name"
        return
    fi
    differ=$((differ + 1))
    echo "DIFFER: $name" >&2
    for k in out err status; do
        cmp -s "$d_on/on.$k" "$d_off/off.$k" || diff "$d_on/on.$k" "$d_off/off.$k" | head -20 | sed "s/^/    $k: /" >&2
    done
}

# same_run A B: runs A and B (paths without .out/.err/.status) gave the same bytes.
same_run() { cmp -s "$1.out" "$2.out" && cmp -s "$1.err" "$2.err" && cmp -s "$1.status" "$2.status"; }

# ---- the cases ---------------------------------------------------------------
ncases=0
copy=1
if [ -z "${POSTERN_PROJECT_QUICK:-}" ]; then
    for c in "${POSTERN_CASES:-tests/cases}"/*.test; do
        [ -f "$c" ] || continue
        # The live cases watch the machine's own connections (README):
        # their counts differ from run to run, whatever the projection.
        case $(basename "$c") in sensor_live.test | sensor_privileges.test | watch_latency.test | validate.test) continue ;; esac
        d="$tmp/case"
        rm -rf "$d"
        mkdir -p "$d"
        awk -v dir="$d" -f "$root/tests/tools/case_split.awk" "$c"
        args=""
        [ -f "$d/args.sec" ] && args=$(cat "$d/args.sec")
        inputs=""
        while IFS= read -r f; do [ -n "$f" ] && inputs="$inputs $(basename "$f")"; done < "$d/inputs.lst"
        ncases=$((ncases + 1))
        if [ -f "$d/command.sec" ]; then
            POSTERN=$bin TESTROOT=$root pair "$c" "$d" sh ./command.sec
        else
            # shellcheck disable=SC2086
            pair "$c" "$d" "$bin" query --format csv $args -q query.sec $inputs
        fi
    done
fi

copy=0

# ---- generated records: the bench shapes and other aggregates ----------------
g="$tmp/gen"
mkdir -p "$g"
ngen=0
queries='* | count by dest_ip | sort by _count desc, dest_ip asc | limit 10
* | count by src_ip, src_port, dest_ip
* | where dest_port = "993" | fields _messageTime, _sourceCategory, src_ip, src_port, dest_ip, dest_port, process_name, bytes_out
* | sort by bytes_out | fields src_ip, src_port, dest_ip, dest_port, bytes_out, _messageTime, _sourceCategory
* | count by dest_port, process_name
* | count by _sourceCategory, _sourceName
* | sum(bytes_out), max(_messageTime), min(timestamp) by protocol
* | first(dest_ip), last(src_port) by _sourceCategory
* | timeslice 1h | count by _timeslice
* | where bytes_in > 100000 | top 5 process_name
_sourceCategory=prod* smtp | count by user, host
* | parse field=process_name "*.exe" as base nodrop | count_frequent base'
printf '%s\n' "$queries" > "$g/queries"
for fmt in jsonl csv sumo-json zeek-json evtx-json ocsf ecs; do
    "$root/build/gen" --format "$fmt" --rows 3000 --seed 7 > "$g/in.$fmt" || { echo "project: build/gen --format $fmt failed" >&2; exit 1; }
    while IFS= read -r q; do
        pair "gen $fmt -j1: $q" "$g" "$bin" query --stats --format csv -j 1 "$q" "in.$fmt"
        POSTERN_SPLIT_MIN=4096 pair "gen $fmt -j3 split: $q" "$g" "$bin" query --stats --format csv -j 3 "$q" "in.$fmt"
        ngen=$((ngen + 2))
    done < "$g/queries"
done

# ---- JSON edge cases and real JSON logs --------------------------------------
e="$tmp/edge"
mkdir -p "$e"
cat > "$e/edge.jsonl" <<'EOF'
{"a":1,"A":2,"b":"x","timestamp":"2024-06-01T10:00:00Z","_sourceCategory":"one"}
{"a":"\u0061","\u0061":3,"b":"y","_messageTime":1717236000000,"n":{"a":5,"b":{"c":"z"}}}
{"a":1,"a":2,"b":"x","Timestamp":"2024-06-01T11:00:00Z","_SOURCECATEGORY":"two"}
{"a":1, "b":"x" "c":1}
not json at all
{"n.a":7,"n":{"a":8},"b":"y","time":"1717236000","_raw":"own raw text"}
["an","array"]
{"a":1e400,"b":"\ud83d\ude00","_messagetimems":"1717239600000","src_ip":"10.0.0.1"}
{"a":true,"b":null,"c":{},"d":[],"@timestamp":"2024-06-01T12:00:00.5+02:00"}
{"b":"x","a":1}
{"A":"upper","B":"Y","_sourceName":"given"}
EOF
nedge=0
for q in '* | count by a' '* | count by b, a' '* | count by n.a, n.b.c' '* | count by _sourceCategory' \
    '* | count by _messageTime' '* | count by _raw' '* | count by _sourceName' '* | count' \
    '* | max(_messageTime), count by b' '* | timeslice 1h | count by _timeslice' 'x | count by b' \
    '* | where a = 1 | count by b' '* | fields a, b' '*'; do
    for f in edge.jsonl; do
        pair "edge: $q" "$e" "$bin" query --stats --format csv -j 1 "$q" "$f"
        nedge=$((nedge + 1))
    done
done
if [ -d "$real" ]; then
    for f in "$real"/azure/*.json "$real"/zeek/zat-json/conn.log "$real"/evtx/*.json "$real"/evtx/*.jsonl; do
        [ -f "$f" ] || continue
        for q in '* | count' '* | count by _sourceCategory' '* | count by _messageTime | sort by _count desc, _messageTime | limit 5' \
            '* | count by host, user' '* | count by dest_ip, dest_port'; do
            pair "real $(basename "$f"): $q" "$e" "$bin" query --stats --format csv -j 2 "$q" "$f"
            nedge=$((nedge + 1))
        done
    done
fi

total=$((same + differ))
[ -n "$unstable" ] && echo "project: unstable (differ from run to run, not compared):$unstable" >&2
[ -n "$flaky" ] && echo "project: equal when run again (a race of the case's own):$flaky" >&2
echo "project: $same same, $differ differ ($ncases cases, $ngen generated, $nedge edge and real runs)"
# A run that compares too little proves nothing.
min=$((ngen + nedge))
[ -z "${POSTERN_PROJECT_QUICK:-}" ] && min=$((min + ncases * 9 / 10))
if [ "$differ" -gt 0 ] || [ "$total" -lt "$min" ] || [ "$ngen" -lt 100 ]; then
    echo "project: FAILED" >&2
    exit 1
fi
