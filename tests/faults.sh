#!/bin/sh
# Fault-injection walk (SQLite style): each run below is made once clean to
# count its allocations and I/O calls, then again with the N-th allocation
# failing, and with the N-th open/read/write failing, for N over every call
# (or an even sample of them when there are more than FAULTS_MAX), through the
# LD_PRELOAD shim build/faultshim.so (tests/tools/faultshim.c).
# Every faulted run must end in one of:
#   - the clean run's status and stdout (the fault was absorbed: a stdio
#     buffer that could not be allocated, a retried read), or
#   - status 2 with a "postern: ..." message on stderr (out of memory, an
#     input or output error that stops the run), or
#   - status 4 (query, detect) with a message on stderr: an input that could
#     not be read, the rest's results;
# never a signal, a hang (each run has a timeout), another status, or a
# sanitizer report.
# The runs: query over JSON Lines, CSV, gzip (zlib) and with a regex parse
# and aggregates (PCRE2), detect over a folder of mixed formats (examples/ and
# a few real logs of ../shared/real/, evtx included), detect --follow of
# stdin, lint --rule and test of rules/ (libyaml).
# Usage: sh tests/faults.sh BINARY [plain|san]   (from the repository root)
#   FAULTS_MAX=N   points per walk (default 400 plain, 100 san)
# Prints one line per run ("faults: NAME allocs A (walked a) io I (walked i)")
# and ends with "faults: N points, N failed"; exits 1 on any failure.
set -u
bin=$1
kind=${2:-plain}
root=$(pwd)
shim=$root/build/faultshim.so
real=$root/../shared/real
if [ "$kind" = san ]; then max=${FAULTS_MAX:-100}; else max=${FAULTS_MAX:-400}; fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/postern-faults.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM # (an interrupted run stops, and fails)
# verify_asan_link_order=0: the shim comes before ASan's runtime in the
# library order and forwards every call to it.
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:halt_on_error=1:verify_asan_link_order=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export LSAN_OPTIONS=suppressions=$root/tests/faults.supp:print_suppressions=0
points=0
failed=0

# ---- the runs ------------------------------------------------------------------
# Each is a shell command run in $tmp/w with $P the binary; stdin is /dev/null
# unless the command redirects it.
mkdir -p "$tmp/w/mixed"
cp examples/endpoint-network.jsonl examples/firewall-export.csv examples/sumo-export.json "$tmp/w/mixed/"
for f in firewall/crowdsec-iptables-logs.log firewall/crowdsec-pf-logs.log \
         text/crowdsec-postfix-logs.log evtx/velocidex-evtx__Security_1_record.evtx; do
    [ -f "$real/$f" ] && cp "$real/$f" "$tmp/w/mixed/"
done
cp examples/endpoint-network.jsonl examples/firewall-export.csv "$tmp/w/"
gzip -c examples/endpoint-network.jsonl > "$tmp/w/conns.jsonl.gz"
cp -r rules "$tmp/w/rules"

runs='query_jsonl
query_csv
query_agg
query_gz
detect_mixed
detect_follow
lint_rule
test_rules'

run_cmd() {
    case $1 in
    query_jsonl) $P query -j1 --format csv '_sourceCategory=* dest_port=25 | fields process_name, dest_ip' endpoint-network.jsonl ;;
    query_csv) $P query -j1 --format csv '* | where dst_port > 100 | count by dst_port | sort by dst_port asc' firewall-export.csv ;;
    query_agg) $P query -j1 --format csv '* | parse regex field=process_name "(?<exe>[^/\\\\]+)$" nodrop | count_distinct(dest_ip) as d, sum(bytes_out) as b by exe | sort by exe asc' endpoint-network.jsonl ;;
    query_gz) $P query -j1 --format csv '* | count by dest_port | sort by dest_port asc' conns.jsonl.gz ;;
    detect_mixed) $P detect -j1 --format csv mixed ;;
    detect_follow) # detected_at is the wall clock: masked
        timeout 10 $P detect --follow < endpoint-network.jsonl > follow.out; st=$?
        sed 's/"detected_at":[0-9]*/"detected_at":T/' follow.out; return $st ;;
    lint_rule) $P lint --rule rules/t1071.003-mail-protocols.yml ;;
    test_rules) $P test rules ;;
    esac
}

# run NAME DIR [VAR=VALUE...]: run NAME with stdout/stderr/status in DIR.
run() {
    name=$1 out=$2
    shift 2
    (
        cd "$tmp/w" || exit 99
        P=$bin
        for kv in "$@"; do export "${kv?}"; done
        FAULT_PROG=${bin##*/} FAULT_COUNT=$out/count LD_PRELOAD=$shim run_cmd "$name" > "$out/stdout" 2> "$out/stderr" < /dev/null
        echo $? > "$out/status"
    )
}

# check NAME WHAT DIR BASE: judge one faulted run against the clean one.
check() {
    name=$1 what=$2 d=$3 base=$4
    st=$(cat "$d/status")
    why=""
    if grep -q "runtime error:\|AddressSanitizer\|LeakSanitizer" "$d/stderr"; then
        why="sanitizer report"
    elif [ "$st" = "$(cat "$base/status")" ] && cmp -s "$d/stdout" "$base/stdout"; then
        : # absorbed
    else
        case $st in
        2) [ -s "$d/stderr" ] || why="status 2 without a message" ;;
        4) case $name in query_*|detect_*) [ -s "$d/stderr" ] || why="status 4 without a message" ;;
                         *) why="status 4" ;; esac ;;
        124) why="timed out" ;;
        *) if [ "$st" -ge 128 ]; then why="killed by signal $((st - 128))"
           elif [ "$st" = "$(cat "$base/status")" ]; then why="status $st with stdout unlike the clean run's"
           else why="status $st"; fi ;;
        esac
    fi
    points=$((points + 1))
    if [ -n "$why" ]; then
        failed=$((failed + 1))
        echo "FAIL: faults $kind $name $what: $why" >&2
        sed 's/^/    /' "$d/stderr" | head -12 >&2
    fi
}

# walk NAME VAR TOTAL BASE [VAR=VALUE]: fault calls 1..TOTAL of VAR, at most
# $max of them.
walk() {
    name=$1 var=$2 total=$3 base=$4 extra=${5:-}
    walked=0
    [ "$total" -gt 0 ] || return 0
    step=$(( (total + max - 1) / max ))
    n=1
    while [ "$n" -le "$total" ]; do
        d=$tmp/r; rm -rf "$d"; mkdir -p "$d"
        run "$name" "$d" "$var=$n" $extra
        check "$name" "$var=$n${extra:+ $extra}" "$d" "$base"
        walked=$((walked + 1))
        n=$((n + step))
    done
}

for name in $runs; do
    base=$tmp/base-$name; mkdir -p "$base"
    run "$name" "$base"
    read -r allocs ios _ < "$base/count"
    st=$(cat "$base/status")
    case $st in 0|1) ;; *) echo "FAIL: faults $kind $name: clean run exits $st" >&2; sed 's/^/    /' "$base/stderr" | head >&2; failed=$((failed + 1)); continue ;; esac
    walk "$name" FAULT_ALLOC "$allocs" "$base"; wa=$walked
    walk "$name" FAULT_IO "$ios" "$base"; wi=$walked
    walk "$name" FAULT_IO "$ios" "$base" FAULT_PERSIST=1
    echo "faults: $kind $name: allocs $allocs (walked $wa) io $ios (walked $wi, and as many failing from there on)"
done
echo "faults: $kind: $points points, $failed failed"
[ "$failed" -eq 0 ]
