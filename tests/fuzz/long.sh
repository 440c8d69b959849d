#!/bin/sh
# long.sh — run the libFuzzer targets long (`make fuzz-long`).
#
# Each target in build/fuzz/ runs alone, niced, one process at a time, for
# FUZZ_RUNS executions (default 10,000,000) or FUZZ_TIME seconds (default
# 3600), whichever comes first, with its format's dictionary
# (tests/fuzz/dict/NAME.dict) when there is one. The seed corpus
# tests/fuzz/corpus/NAME/ is read, never written: new inputs go to a
# scratch folder (FUZZ_OUT, default build/fuzz-long/corpus/NAME), crashes,
# leaks and timeouts to build/fuzz-long/artifacts/, each run's log to
# build/fuzz-long/NAME.log, and one line per run to
# build/fuzz-long/summary.tsv (the numbers tests/fuzz/RESULTS.md records,
# from libFuzzer's final stats). FUZZ_TARGET names the targets to run
# (space-separated, without fuzz_); by default every target runs, the
# parsers facing the most hostile input first. FUZZ_ARGS adds libFuzzer
# options. Exit status: 1 when a run found something, else 0.
set -u
runs=${FUZZ_RUNS:-10000000}
secs=${FUZZ_TIME:-3600}
top=build/fuzz-long
out=${FUZZ_OUT:-$top/corpus}
first="query exec regex read_jsonl json_path read_csv read_cef read_evtx read_winevt_xml xml rule convert ruletest"
mkdir -p "$top/artifacts" "$out"

if [ -n "${FUZZ_TARGET:-}" ]; then
    targets=$FUZZ_TARGET
else
    targets=$first
    for f in build/fuzz/fuzz_*; do
        [ -x "$f" ] || continue
        n=${f##*/fuzz_}
        case " $first " in *" $n "*) ;; *) targets="$targets $n" ;; esac
    done
fi

[ -f "$top/summary.tsv" ] ||
    printf 'target\truns\tseconds\texec_per_s\tcov\tft\tcorpus\tpeak_rss_mb\tresult\tdate\tcommit\n' > "$top/summary.tsv"
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
found=0
for n in $targets; do
    bin=build/fuzz/fuzz_$n
    [ -x "$bin" ] || { echo "fuzz-long: no $bin (make fuzz)" >&2; found=1; continue; }
    seeds=tests/fuzz/corpus/$n
    dict=tests/fuzz/dict/$n.dict
    mkdir -p "$out/$n"
    log=$top/$n.log
    set -- -runs="$runs" -max_total_time="$secs" -timeout=20 -rss_limit_mb=2048 -close_fd_mask=3 \
        -print_final_stats=1 -artifact_prefix="$top/artifacts/$n-"
    [ -f "$dict" ] && set -- "$@" -dict="$dict"
    echo "fuzz-long: $n ($runs runs or ${secs}s) -> $log"
    start=$(date +%s)
    # Niced in a session of its own whose scheduling group is niced too: where
    # the kernel groups tasks by session (autogroup), a process's own nice
    # weighs only against its session, and a niced fuzzer still took a whole
    # core from a benchmark run in another terminal.
    # shellcheck disable=SC2086
    setsid -w sh -c '[ -w /proc/self/autogroup ] && echo 19 > /proc/self/autogroup; exec nice -n 19 "$@"' \
        sh "$bin" "$@" ${FUZZ_ARGS:-} "$out/$n" "$seeds" > "$log" 2>&1
    rc=$?
    wall=$(( $(date +%s) - start ))
    stat() { sed -n "s/^stat::$1: *//p" "$log" | tail -1; }
    last=$(grep -E '^#[0-9]+' "$log" | grep ' cov: ' | tail -1)
    cov=$(printf '%s\n' "$last" | sed -n 's/.* cov: \([0-9]*\).*/\1/p')
    ft=$(printf '%s\n' "$last" | sed -n 's/.* ft: \([0-9]*\).*/\1/p')
    corp=$(printf '%s\n' "$last" | sed -n 's/.* corp: \([0-9]*\/[0-9a-zA-Z]*\).*/\1/p')
    result=ok
    if [ "$rc" -ne 0 ]; then
        result=$(grep -m1 -oE 'ERROR: (AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer|libFuzzer)[^(]*' "$log" ||
            grep -m1 -oE 'runtime error: .*' "$log" || echo "exit $rc")
        result=$(printf '%s' "$result" | tr '\t\n' '  ')
        found=1
    fi
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$n" "$(stat number_of_executed_units)" "$wall" \
        "$(stat average_exec_per_sec)" "${cov:-?}" "${ft:-?}" "${corp:-?}" "$(stat peak_rss_mb)" "$result" \
        "$(date -u +%Y-%m-%dT%H:%MZ)" "$commit" >> "$top/summary.tsv"
    tail -1 "$top/summary.tsv"
done
exit $found
