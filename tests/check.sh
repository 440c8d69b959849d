#!/bin/sh
# Run every test of postern and end with "N passed, N failed" (", N skipped"
# when a check could not run on this machine; each is named above that line).
#  - unit tests (build/unit/*), plain and under ASan+UBSan (build/unit/san-*)
#  - data-driven cases (tests/cases/*.test) against ./postern and build/postern-san
#  - the fault-injection walk (tests/faults.sh), plain and under ASan+UBSan
#  - tests/project.sh's cheap form: projection on and off give the same bytes
#  - the fuzz targets' seed corpora replayed (when clang's libFuzzer is present)
#  - tests/convert/prove.sh: `postern convert` output run on real SQL engines
#  - tests/html_report.sh: `detect --html`'s page rendered by headless Chromium
#  - tests/convert/sigma.sh: `postern convert --to sigma` output validated
#    against the Sigma specification's JSON schemas
#  - under ThreadSanitizer (build/postern-tsan): the threaded cases named in
#    tests/tsan.lst, and every plain-query case (no "%% command") again with
#    -j3 and POSTERN_SPLIT_MIN (its inputs cut into many small segments read
#    by three threads), against the same expected output as the serial run;
#    the plain and split passes read every file through mmap
#    (POSTERN_MMAP_MIN=1), the sanitizer pass small files with read(2)
# POSTERN_NO_SAN=1 skips the sanitizer runs, POSTERN_NO_FAULTS=1 the fault
# walk, POSTERN_NO_CONVERT=1 the SQL engines; POSTERN_CASES=DIR runs the cases
# of DIR (e.g. tests/doc-pending) instead of tests/cases. POSTERN_JN_BIN=BIN
# runs only the -j3 split pass, with BIN (e.g. ./postern);
# POSTERN_TSAN_LIST=FILE names other TSan cases than tests/tsan.lst, and
# POSTERN_TSAN_HEAVY=1 adds its "heavy" ones. Run from the repository root.
set -u
root=$(pwd)
pass=0
fail=0
failed=""
skip=0
skipped=""
tmp=$(mktemp -d "${TMPDIR:-/tmp}/postern-check.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM # (an interrupted run stops, and fails)
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:halt_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
# The terminal table fits $COLUMNS and NO_COLOR turns colour off: cases
# set them where they test them, never from the caller's shell.
unset COLUMNS NO_COLOR
export TSAN_OPTIONS=halt_on_error=1:exitcode=66:second_deadlock_stack=1

# The programs the cases call (`make check` and `make check-plain` build
# them): without one a case fails, and a case feeding a FIFO waits for a
# reader that never starts, so a run without them stops here instead.
for t in postern build/gen build/mmdb-write build/bench-rss build/faultshim.so; do
    [ -x "$t" ] || [ -f "$t" ] || {
        echo "check.sh: $t is missing: run \`make check\` (or \`make check-plain\`), which builds it" >&2
        exit 2
    }
done

ok() { pass=$((pass + 1)); }
# A check that could not run here (a case printing "SKIP: why" on stderr, a
# script exiting 77) is neither passed nor failed: counted and named at the end.
sk() { skip=$((skip + 1)); skipped="$skipped
  $1"; }
# ok_or_skipped NAME OUT: a script that passed, unless its last line says a part was skipped.
ok_or_skipped() { if tail -n 1 "$2" | grep -q 'skipped'; then sk "$1: $(tail -n 1 "$2")"; else ok; fi; }
ko() { fail=$((fail + 1)); failed="$failed
  $1"; echo "FAIL: $1" >&2; }

# ---- unit tests -------------------------------------------------------------
for t in build/unit/*; do
    [ -x "$t" ] || continue
    case "$t" in */san-*) [ -n "${POSTERN_NO_SAN:-}" ] && continue ;; esac
    if "$t" > "$tmp/unit.out" 2>&1; then ok; else ko "$t"; sed 's/^/    /' "$tmp/unit.out" | tail -20 >&2; fi
done

# ---- data-driven cases ------------------------------------------------------
# Sections of a .test file, each opened by a line "%% NAME [ARG]":
#   query            the query text (written to query.txt, passed with -q)
#   args             extra options, one line (word-split)
#   input FILE       an input file written into the case's directory (repeatable; default name input.jsonl)
#   command          a shell command run instead of the default `postern query`; $POSTERN is the binary
#   output           the exact expected stdout (CR bytes of the actual output are dropped)
#   stderr           lines that must each occur in stderr (fixed strings)
#   status           the expected exit status (default 0)
run_case() {
    bin=$1 case=$2 dir=$3
    rm -rf "$dir"; mkdir -p "$dir"
    awk -v dir="$dir" -f "$root/tests/tools/case_split.awk" "$case"
    args=""
    [ -f "$dir/args.sec" ] && args=$(cat "$dir/args.sec")
    [ -n "${jn_args:-}" ] && [ ! -f "$dir/command.sec" ] && args="$args $jn_args"
    expected_status=0
    [ -f "$dir/status.sec" ] && expected_status=$(tr -d ' \n' < "$dir/status.sec")
    (
        cd "$dir" || exit 99
        POSTERN=$bin; export POSTERN
        TESTROOT=$root; export TESTROOT
        if [ -f command.sec ]; then
            sh ./command.sec > stdout.actual 2> stderr.actual
        else
            inputs=""
            while IFS= read -r f; do [ -n "$f" ] && inputs="$inputs $(basename "$f")"; done < inputs.lst
            # shellcheck disable=SC2086
            "$bin" query --format csv $args -q query.sec $inputs > stdout.actual 2> stderr.actual
        fi
        echo $? > status.actual
    )
    actual_status=$(cat "$dir/status.actual")
    msg=""
    if [ "$actual_status" != "$expected_status" ]; then
        msg="exit status $actual_status, expected $expected_status"
    fi
    if [ -f "$dir/output.sec" ]; then
        tr -d '\r' < "$dir/stdout.actual" > "$dir/stdout.cmp"
        if ! cmp -s "$dir/output.sec" "$dir/stdout.cmp"; then
            msg="$msg${msg:+; }stdout differs:
$(diff "$dir/output.sec" "$dir/stdout.cmp" | head -30)"
        fi
    fi
    if [ -f "$dir/stderr.sec" ]; then
        while IFS= read -r line; do
            [ -z "$line" ] && continue
            if ! grep -qF -- "$line" "$dir/stderr.actual"; then
                msg="$msg${msg:+; }stderr lacks: $line"
            fi
        done < "$dir/stderr.sec"
    fi
    if grep -q "runtime error:\|AddressSanitizer\|LeakSanitizer\|ThreadSanitizer" "$dir/stderr.actual"; then
        msg="$msg${msg:+; }sanitizer report:
$(head -20 "$dir/stderr.actual")"
    fi
    if [ -z "$msg" ] && grep -q '^SKIP: ' "$dir/stderr.actual"; then
        sk "${case#"$root"/} ($(basename "$bin")${jn_args:+ $jn_args}): $(grep -m1 '^SKIP: ' "$dir/stderr.actual" | cut -c7-)"
    elif [ -z "$msg" ]; then ok; else
        ko "$case ($(basename "$bin")${jn_args:+ $jn_args})"
        printf '%s\n--- stderr ---\n%s\n' "$msg" "$(head -15 "$dir/stderr.actual")" | sed 's/^/    /' >&2
    fi
}

bins="$root/postern"
[ -z "${POSTERN_NO_SAN:-}" ] && [ -x build/postern-san ] && bins="$bins $root/build/postern-san"
[ -n "${POSTERN_JN_BIN:-}" ] && bins=""
# The plain pass reads every file through mmap (POSTERN_MMAP_MIN=1,
# input_map.c), the sanitizer pass small files with read(2) (into heap
# buffers, where ASan sees a reader read past its bytes): both must give the
# same expected output.
for bin in $bins; do
    case "$bin" in */postern) export POSTERN_MMAP_MIN=1 ;; esac
    for c in ${POSTERN_CASES:-tests/cases}/*.test; do
        [ -f "$c" ] || continue
        run_case "$bin" "$root/$c" "$tmp/case"
    done
    unset POSTERN_MMAP_MIN
done

# ---- projection on and off give the same bytes (tests/project.sh) -----------
# The cheap form: generated records in seven formats (-j1 and split -j3),
# JSON edge cases and the real JSON logs; `sh tests/project.sh` adds every case.
if [ -z "${POSTERN_CASES:-}" ] && [ -z "${POSTERN_JN_BIN:-}" ]; then
    if POSTERN_PROJECT_QUICK=1 sh tests/project.sh > "$tmp/project.out" 2>&1; then ok; else ko "tests/project.sh"; tail -40 "$tmp/project.out" >&2; fi
    tail -n 1 "$tmp/project.out"
fi

# ---- postern convert, proven on DuckDB, PostgreSQL and chdb ----------------------
# POSTERN_NO_CONVERT=1 skips it (it needs node/npm and PostgreSQL; see the script).
if [ -z "${POSTERN_NO_CONVERT:-}" ] && [ -z "${POSTERN_CASES:-}" ]; then
    if sh tests/convert/prove.sh > "$tmp/convert.out" 2>&1; then ok_or_skipped tests/convert/prove.sh "$tmp/convert.out"; else ko "tests/convert/prove.sh"; tail -40 "$tmp/convert.out" >&2; fi
    tail -n 1 "$tmp/convert.out"
    # Sigma output validated against the Sigma specification's JSON schemas (ajv).
    if sh tests/convert/sigma.sh > "$tmp/sigma.out" 2>&1; then ok_or_skipped tests/convert/sigma.sh "$tmp/sigma.out"; else ko "tests/convert/sigma.sh"; tail -40 "$tmp/sigma.out" >&2; fi
    tail -n 1 "$tmp/sigma.out"
fi

# ---- the HTML report in headless Chromium (tests/html_report.sh) ------------
# Skipped, said, when chromium is not installed (exit 77).
if [ -z "${POSTERN_CASES:-}" ]; then
    sh tests/html_report.sh "$root/postern" > "$tmp/html.out" 2>&1
    case $? in
    0) ok ;;
    77) sk "tests/html_report.sh: $(tail -n 1 "$tmp/html.out")" ;;
    *) ko "tests/html_report.sh"; tail -20 "$tmp/html.out" >&2 ;;
    esac
    tail -n 1 "$tmp/html.out"
fi

# ---- fault injection (tests/faults.sh) --------------------------------------
# Every allocation and I/O call of representative runs failed in turn (an even
# sample where there are many), through build/faultshim.so; under ASan too.
if [ -z "${POSTERN_NO_FAULTS:-}" ] && [ -f build/faultshim.so ]; then
    for kind in plain san; do
        bin=$root/postern
        if [ "$kind" = san ]; then
            [ -z "${POSTERN_NO_SAN:-}" ] && [ -x build/postern-san ] || continue
            bin=$root/build/postern-san
        fi
        if sh tests/faults.sh "$bin" "$kind" > "$tmp/faults.out" 2>&1; then ok; tail -1 "$tmp/faults.out"
        else ko "fault injection ($kind)"; grep -A8 '^FAIL' "$tmp/faults.out" | head -60 >&2; tail -1 "$tmp/faults.out" >&2; fi
    done
fi

# ---- ThreadSanitizer: threaded cases, then every query case split -------
# POSTERN_SPLIT_MIN=1 (input.c run_init): every file is
# read by the -j3 lanes in segments from 1 byte up (cut at records), so even the small
# inputs of the cases are split; each must give its expected (serial) output.
tsan=""
[ -z "${POSTERN_NO_SAN:-}" ] && [ -x build/postern-tsan ] && tsan=$root/build/postern-tsan
[ -n "${POSTERN_JN_BIN:-}" ] && tsan=$POSTERN_JN_BIN
if [ -n "$tsan" ]; then
    if [ -z "${POSTERN_JN_BIN:-}" ]; then
        while read -r name rest; do
            case "$name" in ''|'#'*) continue ;; esac
            if [ "$name" = heavy ]; then
                [ -n "${POSTERN_TSAN_HEAVY:-}" ] || continue
                name=$rest
            fi
            c=tests/cases/$name.test
            [ -f "$c" ] || { ko "tests/tsan.lst: no case $c"; continue; }
            run_case "$tsan" "$root/$c" "$tmp/case" < /dev/null # (the list is this loop's stdin)
        done < "${POSTERN_TSAN_LIST:-tests/tsan.lst}"
    fi
    jn_args=-j3
    export POSTERN_SPLIT_MIN=1 POSTERN_MMAP_MIN=1 # (the lanes share one map of each file)
    for c in ${POSTERN_CASES:-tests/cases}/*.test; do
        [ -f "$c" ] && ! grep -q "^%% command" "$c" || continue
        run_case "$tsan" "$root/$c" "$tmp/case"
    done
    unset POSTERN_SPLIT_MIN POSTERN_MMAP_MIN jn_args
fi

# ---- fuzz corpora -----------------------------------------------------------
if [ -z "${POSTERN_NO_FUZZ:-}" ]; then
    for f in build/fuzz/fuzz_*; do
        [ -x "$f" ] || continue
        name=$(basename "$f"); corpus="tests/fuzz/corpus/${name#fuzz_}"
        [ -d "$corpus" ] || { ko "$name: no seed corpus at $corpus"; continue; }
        if "$f" -runs=0 "$corpus" > "$tmp/fuzz.out" 2>&1; then ok; else ko "$name corpus replay"; tail -20 "$tmp/fuzz.out" >&2; fi
    done
fi

[ "$fail" -gt 0 ] && printf 'failed:%s\n' "$failed" >&2
[ "$skip" -gt 0 ] && printf 'skipped (could not run here; not counted as passed):%s\n' "$skipped"
if [ "$skip" -gt 0 ]; then echo "$pass passed, $fail failed, $skip skipped"; else echo "$pass passed, $fail failed"; fi
[ "$fail" -eq 0 ]
