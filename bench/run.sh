#!/bin/sh
# bench/run.sh — `make bench`: postern against DuckDB on the T1071.003 query.
#
#   sh bench/run.sh [--quick]
#
# Generates connection records with bench/gen.c (fixed seed; 1M and 10M rows,
# or 200k and 1M with --quick; JSON Lines and CSV) into bench/data/, then for
# each file runs, in the same run and on the same page-cached bytes:
#   - postern: ./postern query --format csv -q <fixed query> FILE, -j1 and -j2
#     (without -j while postern has no -j option);
#   - DuckDB (@duckdb/node-api, installed from npm into bench/.duckdb/ on first
#     use) through bench/duckdb_query.mjs, threads = 1 and 2;
#   - cat FILE > /dev/null, and bench/scan.c (a bare memmem scan, 1 and 2
#     threads): what the hardware allows;
#   - jq and miller (mlr) when installed: a simpler filter + count by keys.
# The fixed query is tests/data/seed-query-fixed.txt, the seed query of the
# T1071.003 rule (whose query has grown since); bench/shapes.sh adds the
# query shapes of issue 11 (raw pass-through, 1% search, many groups,
# top-k, full sort) and the time to the first row.
# Each timed process runs under bench/rss.c (wall time and peak RSS). Every
# postern and DuckDB result is put in compare.sh's canonical form and must be
# identical: a mismatch is reported and makes the script exit 1.
#
# Then bench/shapes.sh: the query shapes of issue 11 on the JSONL files.
# Every timed process is killed after BENCH_TIMEOUT s or above
# BENCH_MAX_RSS_MIB of resident memory, and reported as failed.
#
# Prints markdown tables of medians (and the targets of issues 3 and 11, MET
# or NOT MET) and writes them with a description of the machine to
# bench/results-latest.md. Progress goes to stderr.
#
# Environment: POSTERN (./postern), CC (cc), NODE (node), NPM (npm),
# DUCKDB_NODE_VERSION (1.5.6-r.1), BENCH_SEED (1), BENCH_REPS_SMALL (5),
# BENCH_REPS_LARGE (3), BENCH_OPTIONAL (small: jq and miller on the smaller
# size only, one run; all: on both sizes; none), BENCH_RETRIES (2: how many
# times a run disturbed by other processes is repeated), BENCH_TIMEOUT (300),
# BENCH_MAX_RSS_MIB (4096), BENCH_SHAPE_REPS (3), BENCH_SHAPES (raw search
# groups topk sort), BENCH_SIZES ("SMALL LARGE": other row counts).
# Needs a C compiler, Node >= 18 with npm, about 5.2 GB of disk for the
# full data set (0.6 GB with --quick) and as much free RAM to cache it.

set -u

usage() {
    echo "usage: sh bench/run.sh [--quick]" >&2
    exit "$1"
}

QUICK=0
for a in "$@"; do
    case $a in
    --quick) QUICK=1 ;;
    -h | --help) usage 0 ;;
    *) usage 2 ;;
    esac
done

cd "$(dirname "$0")/.." || exit 1
LC_ALL=C
export LC_ALL

POSTERN=${POSTERN:-./postern}
CC=${CC:-cc}
NODE=${NODE:-node}
NPM=${NPM:-npm}
DUCKDB_NODE_VERSION=${DUCKDB_NODE_VERSION:-1.5.6-r.1}
DUCKDB_DIR=$PWD/bench/.duckdb
export DUCKDB_DIR
DATA=bench/data
SEED=${BENCH_SEED:-1}
REPS_SMALL=${BENCH_REPS_SMALL:-5}
REPS_LARGE=${BENCH_REPS_LARGE:-3}
OPTIONAL=${BENCH_OPTIONAL:-small}
RETRIES=${BENCH_RETRIES:-2}
TIMEOUT=${BENCH_TIMEOUT:-300}
MAX_RSS=${BENCH_MAX_RSS_MIB:-4096}
SHAPE_REPS=${BENCH_SHAPE_REPS:-3}
SHAPES=${BENCH_SHAPES-raw search groups topk sort}
if [ $QUICK = 1 ]; then
    SMALL=200000 LARGE=1000000 MODE=quick
else
    SMALL=1000000 LARGE=10000000 MODE=full
fi
if [ -n "${BENCH_SIZES:-}" ]; then # "SMALL LARGE": other sizes, for trying the harness out
    read -r SMALL LARGE <<EOF
$BENCH_SIZES
EOF
    MODE="custom"
    case $SMALL$LARGE in '' | *[!0-9]*) echo "bench: BENCH_SIZES must be two numbers" >&2; exit 2 ;; esac
    [ "$SMALL" -ge 1 ] && [ "$LARGE" -gt "$SMALL" ] || { echo "bench: BENCH_SIZES: SMALL LARGE, 0 < SMALL < LARGE" >&2; exit 2; }
fi
case $OPTIONAL in none | small | all) ;; *) echo "bench: BENCH_OPTIONAL must be none, small or all" >&2; exit 2 ;; esac
case $SEED$REPS_SMALL$REPS_LARGE$RETRIES$TIMEOUT$MAX_RSS$SHAPE_REPS in
*[!0-9]*) echo "bench: BENCH_SEED, BENCH_REPS_*, BENCH_RETRIES, BENCH_TIMEOUT, BENCH_MAX_RSS_MIB and BENCH_SHAPE_REPS must be numbers" >&2; exit 2 ;;
esac
[ "$REPS_SMALL" -ge 1 ] && [ "$REPS_LARGE" -ge 1 ] && [ "$SHAPE_REPS" -ge 1 ] ||
    { echo "bench: BENCH_REPS_* and BENCH_SHAPE_REPS must be at least 1" >&2; exit 2; }
[ "$TIMEOUT" -ge 1 ] && [ "$MAX_RSS" -ge 64 ] || { echo "bench: BENCH_TIMEOUT must be at least 1 and BENCH_MAX_RSS_MIB at least 64" >&2; exit 2; }
for s in $SHAPES; do
    case $s in raw | search | groups | topk | sort) ;; *) echo "bench: BENCH_SHAPES: unknown shape $s (raw search groups topk sort)" >&2; exit 2 ;; esac
done

die() {
    echo "bench: $*" >&2
    exit 1
}
say() {
    echo "bench: $*" >&2
}

# ---------------------------------------------------------------- tools
[ -x "$POSTERN" ] || die "$POSTERN is missing: run make first"
mkdir -p build "$DATA" || exit 1

CFL="-O2 -std=c11 -Wall -Wextra -Werror -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE"
# tool SRC OUT FLAGS...: (re)build OUT when missing or older than SRC.
tool() {
    src=$1 out=$2
    shift 2
    if [ ! -x "$out" ] || [ "$src" -nt "$out" ]; then
        say "building $out"
        $CC "$@" -o "$out" "$src" || die "cannot build $out"
    fi
}
tool bench/gen.c build/gen -O2 -std=c11 -Wall -Wextra -Werror
tool bench/rss.c build/bench-rss $CFL
tool bench/scan.c build/bench-scan $CFL -pthread
RSS=build/bench-rss
SCAN=build/bench-scan

# DuckDB from npm, into bench/.duckdb/ (gitignored), on first use.
command -v "$NODE" > /dev/null 2>&1 || die "node is not installed (DuckDB runs under Node.js >= 18)"
node_major=$("$NODE" -p 'process.versions.node.split(".")[0]' 2> /dev/null) || die "$NODE does not run"
[ "$node_major" -ge 18 ] 2> /dev/null || die "Node.js $node_major is too old for @duckdb/node-api (needs 18 or later)"
duck_pkg=$DUCKDB_DIR/node_modules/@duckdb/node-api/package.json
installed=$(sed -n 's/^ *"version": *"\([^"]*\)".*/\1/p' "$duck_pkg" 2> /dev/null | head -n 1)
if [ "$installed" != "$DUCKDB_NODE_VERSION" ]; then
    command -v "$NPM" > /dev/null 2>&1 || die "npm is not installed: cannot install DuckDB"
    say "installing @duckdb/node-api@$DUCKDB_NODE_VERSION into bench/.duckdb/ (first use)"
    mkdir -p "$DUCKDB_DIR" || exit 1
    "$NPM" install --prefix "$DUCKDB_DIR" --no-audit --no-fund --loglevel=error \
        "@duckdb/node-api@$DUCKDB_NODE_VERSION" >&2 ||
        die "npm install @duckdb/node-api@$DUCKDB_NODE_VERSION failed"
fi
DUCK_VERSION=$("$NODE" bench/duckdb_query.mjs --version) || die "DuckDB does not load: remove bench/.duckdb/ and retry"

JQ=$(command -v jq 2> /dev/null || true)
MLR=$(command -v mlr 2> /dev/null || true)
JQ_VERSION="not installed" MLR_VERSION="not installed"
[ -n "$JQ" ] && JQ_VERSION=$("$JQ" --version 2> /dev/null | sed 's/^jq-//')
[ -n "$MLR" ] && MLR_VERSION=$("$MLR" --version 2> /dev/null | sed 's/^mlr //')
if [ "$OPTIONAL" = none ]; then
    JQ='' MLR=''
    JQ_VERSION="not run (BENCH_OPTIONAL=none)" MLR_VERSION=$JQ_VERSION
fi

# Does postern have -j yet?
if "$POSTERN" query --help 2>&1 | grep -Eq -- '(^|[[:space:],])-j([[:space:],=N]|$)'; then
    HAVE_J=1
else
    HAVE_J=0
    say "postern has no -j option yet: postern runs once per repetition, without -j"
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/postern-bench.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM

# The seed query: the rule's query as it was when the bench was written
# (tests/data/seed-query-fixed.txt), the one bench/duckdb_query.mjs
# translates. The rule has grown since (direction, outcome, conn_id, which
# bench/gen.c writes only with --conn), so its query block is no longer
# that. Kept in bench/data/ for the reproducer printed on a mismatch.
QUERY=$DATA/fixed-query.txt
rm -rf "$DATA/mismatch"
cp tests/data/seed-query-fixed.txt "$QUERY" || exit 1

# ---------------------------------------------------------------- data
GENSUM=$(cksum < bench/gen.c | awk '{ print $1 "-" $2 }')
datafile() { echo "$DATA/conn-$1-seed$SEED.$2"; }
fsize() { wc -c < "$1" | tr -d ' '; }

# fresh ROWS FMT: true when the file exists, came from this gen.c with these
# arguments (its .ok stamp) and still has the size it was written with.
fresh() {
    f=$(datafile "$1" "$2")
    [ -f "$f" ] && [ -f "$f.ok" ] || return 1
    [ "$(cat "$f.ok")" = "gen=$GENSUM rows=$1 seed=$SEED format=$2 bytes=$(fsize "$f")" ]
}

need_kib=0
for rows in $SMALL $LARGE; do
    fresh "$rows" jsonl || need_kib=$((need_kib + rows * 320 / 1024))
    fresh "$rows" csv || need_kib=$((need_kib + rows * 160 / 1024))
done
if [ $need_kib -gt 0 ]; then
    avail=$(df -Pk "$DATA" | awk 'NR == 2 { print $4 }')
    [ "${avail:-0}" -gt "$need_kib" ] ||
        die "not enough disk in $DATA: need about $((need_kib / 1024)) MiB, $((${avail:-0} / 1024)) MiB free"
fi
for rows in $SMALL $LARGE; do
    for fmt in jsonl csv; do
        fresh "$rows" "$fmt" && continue
        f=$(datafile "$rows" "$fmt")
        say "generating $f"
        rm -f "$f" "$f.ok"
        build/gen --format "$fmt" --rows "$rows" --seed "$SEED" > "$f.tmp" || die "build/gen failed"
        mv "$f.tmp" "$f" || exit 1
        echo "gen=$GENSUM rows=$rows seed=$SEED format=$fmt bytes=$(fsize "$f")" > "$f.ok"
    done
done

# ---------------------------------------------------------------- helpers
# canon FILE: compare.sh's canonical form — header first, then the records
# sorted bytewise, CRs stripped, cells re-quoted minimally.
canon() {
    awk -v hdrfile="$1.hdr" -f tests/ref/canon.awk "$1" | sort > "$1.body"
    cat "$1.hdr" "$1.body"
    rm -f "$1.hdr" "$1.body"
}

# groups_conns CANONFILE: "<groups> <connections>" of a query result
# (ConnectionCount is the 5th field from the end: only process_name, before
# it, can hold a comma).
groups_conns() {
    awk -F, 'NR > 1 { n++; s += $(NF - 4) } END { printf "%d %d\n", n, s }' "$1"
}

STATUS=0
MISMATCHES=0
RETRIED=0
TIMES=$tmp/times # rows fmt engine threads wall_s cpu_s maxrss_kib other_cpu_s disturbed
DUCKT=$tmp/duck  # rows fmt threads boot_ms import_ms open_ms query_ms write_ms
FAILS=$tmp/fails # rows fmt engine threads reason...
: > "$TIMES"
: > "$DUCKT"
: > "$FAILS"

# timed ROWS FMT ENGINE THREADS OUT CMD...: run CMD under rss with stdout in
# OUT, record its time and peak RSS (in $T_LOG, default $TIMES). Returns
# CMD's status. CMD is killed after $TIMEOUT s or above $MAX_RSS MiB of
# resident memory; a failed run (error, killed) is said on stderr and
# recorded in $FAILS with its reason, which T_WHY also holds. A run during
# which the rest of the machine kept more than 10% of a core busy (rss's
# other_cpu_s: other processes, or steal time on a VM) is repeated, up to
# $RETRIES times; the least disturbed attempt is kept, and flagged when it
# was disturbed too.
timed() {
    t_rows=$1 t_fmt=$2 t_eng=$3 t_thr=$4 t_out=$5
    shift 5
    t_try=0 t_best=
    while :; do
        rm -f "$tmp/rss.line"
        "$RSS" -o "$tmp/rss.line" -t "$TIMEOUT" -M "$MAX_RSS" "$@" > "$t_out" 2> "$tmp/stderr"
        t_st=$?
        t_m=$(sed -n 's/^rss: wall_s=\([0-9.]*\) cpu_s=\([0-9.]*\) maxrss_kib=\([0-9]*\) status=[0-9]* other_cpu_s=\([-0-9.]*\) killed=none$/\1 \2 \3 \4/p' "$tmp/rss.line" 2> /dev/null)
        if [ $t_st -ne 0 ] || [ -z "$t_m" ]; then
            t_w=$(sed -n 's/^rss: wall_s=\([0-9]*\.[0-9]\).*/\1/p' "$tmp/rss.line" 2> /dev/null)
            t_k=$(sed -n 's/^rss: .* maxrss_kib=\([0-9]*\) .* killed=\([a-z]*\).*/\1 \2/p' "$tmp/rss.line" 2> /dev/null)
            case $t_k in
            *" timeout") T_WHY="killed: timeout ($TIMEOUT s)" ;;
            *" rss") T_WHY="killed: over the $MAX_RSS MiB memory cap after ${t_w:-?} s" ;;
            *) T_WHY="error: exit status $t_st after ${t_w:-?} s" ;;
            esac
            echo "bench: FAILED: $t_eng (threads $t_thr) on $t_rows $t_fmt: $T_WHY:" >&2
            sed 's/^/  /' "$tmp/stderr" | head -n 20 >&2
            echo "$t_rows $t_fmt $t_eng $t_thr $T_WHY" >> "$FAILS"
            STATUS=1
            return 1
        fi
        # keep the attempt with the least other_cpu_s; "clean" when it is
        # at most 0.05 s + 10% of the wall time
        t_new=$(echo "$t_m${t_best:+ $t_best}" | awk '{
            n = NF == 4 || $4 < $8
            if (n) { w = $1; c = $2; r = $3; o = $4 } else { w = $5; c = $6; r = $7; o = $8 }
            printf "%s %s %s %s %d %d\n", w, c, r, o, (o < 0 || o <= 0.05 + 0.1 * w) ? 0 : 1, n }')
        t_best=${t_new% *}
        case $t_new in *" 1") cp "$tmp/stderr" "$tmp/stderr.best" ;; esac
        case $t_best in *" 0") break ;; esac
        t_try=$((t_try + 1))
        [ $t_try -le "$RETRIES" ] || break
        RETRIED=$((RETRIED + 1))
        t_lab="threads $t_thr"
        [ "$t_thr" = 0 ] && t_lab="no -j"
        say "$t_rows $t_fmt: $t_eng ($t_lab): other processes used $(echo "$t_m" | cut -d' ' -f4) s of CPU during the run: repeating it"
        sleep 1
    done
    cp "$tmp/stderr.best" "$tmp/stderr"
    echo "$t_rows $t_fmt $t_eng $t_thr $t_best" >> "${T_LOG:-$TIMES}"
    T_WALL=${t_best%% *}
    return 0
}

# check ROWS FMT WHAT OUT: OUT (a query result) must equal the reference
# for this file (the first result seen, normally DuckDB with 1 thread).
check() {
    c_ref=$tmp/ref.$1.$2
    canon "$4" > "$tmp/cur.canon"
    if [ ! -s "$c_ref" ]; then
        if [ "$(wc -l < "$tmp/cur.canon")" -lt 2 ]; then
            echo "bench: MISMATCH: $3 on $1 $2 returned no rows (expected thousands)" >&2
            STATUS=1
            MISMATCHES=$((MISMATCHES + 1))
        fi
        mv "$tmp/cur.canon" "$c_ref"
        echo "$3" > "$c_ref.who"
        return 0
    fi
    cmp -s "$c_ref" "$tmp/cur.canon" && return 0
    STATUS=1
    MISMATCHES=$((MISMATCHES + 1))
    keep=$DATA/mismatch
    mkdir -p "$keep"
    a=$(tr ' ' _ < "$c_ref.who")
    b=$(echo "$3" | tr ' ' _)
    cp "$c_ref" "$keep/$1.$2.$a.canon"
    cp "$tmp/cur.canon" "$keep/$1.$2.$b.canon"
    {
        echo
        echo "bench: ==================== RESULT MISMATCH ===================="
        echo "bench: $3 and $(cat "$c_ref.who") differ on $(datafile "$1" "$2")"
        echo "bench: (canonical forms kept in $keep/; the first 40 lines of the diff:)"
        diff -u "$keep/$1.$2.$a.canon" "$keep/$1.$2.$b.canon" | sed -n '1,42p'
        echo "bench: reproduce with:"
        echo "  $POSTERN query --format csv -q $QUERY $(datafile "$1" "$2")"
        echo "  node bench/duckdb_query.mjs --threads 1 --format $2 $(datafile "$1" "$2")"
        echo "bench: ================================================================"
        echo
    } >&2
}

# The query shapes of issue 11 (shapes_run, shapes_report).
. bench/shapes.sh

# ---------------------------------------------------------------- runs
LOAD0=$(cut -d' ' -f1-3 /proc/loadavg 2> /dev/null || echo '?')
rev=$(git rev-parse --short HEAD 2> /dev/null || echo unknown)
[ -n "$(git status --porcelain -- src 2> /dev/null)" ] && rev="$rev (src/ modified)"
binsum=$(cksum < "$POSTERN" | awk '{ print $1 }')
T_START=$(date +%s)
for rows in $SMALL $LARGE; do
    if [ "$rows" = "$SMALL" ]; then reps=$REPS_SMALL; else reps=$REPS_LARGE; fi
    optional=0
    [ "$OPTIONAL" = all ] && optional=1
    [ "$OPTIONAL" = small ] && [ "$rows" = "$SMALL" ] && optional=1
    for fmt in jsonl csv; do
        f=$(datafile "$rows" "$fmt")
        say "$rows rows, $fmt ($(fsize "$f") bytes): warming the page cache"
        cat "$f" > /dev/null
        cat "$f" > /dev/null
        r=1
        while [ $r -le $reps ]; do
            for t in 1 2; do
                if timed "$rows" "$fmt" duckdb $t "$tmp/out" "$NODE" bench/duckdb_query.mjs --threads $t --format "$fmt" "$f"; then
                    check "$rows" "$fmt" "DuckDB threads=$t" "$tmp/out"
                    sed -n 's/^duckdb_query: boot_ms=\([0-9.]*\) import_ms=\([0-9.]*\) open_ms=\([0-9.]*\) query_ms=\([0-9.]*\) write_ms=\([0-9.]*\).*/\1 \2 \3 \4 \5/p' "$tmp/stderr" |
                        while read -r b i o q w; do echo "$rows $fmt $t $b $i $o $q $w"; done >> "$DUCKT"
                    say "$rows $fmt rep $r/$reps: DuckDB threads=$t $T_WALL s"
                fi
            done
            if [ $HAVE_J = 1 ]; then
                for t in 1 2; do
                    if timed "$rows" "$fmt" postern $t "$tmp/out" "$POSTERN" query -j $t --format csv -q "$QUERY" "$f"; then
                        check "$rows" "$fmt" "postern -j$t" "$tmp/out"
                        say "$rows $fmt rep $r/$reps: postern -j$t $T_WALL s"
                    fi
                done
            else
                if timed "$rows" "$fmt" postern 0 "$tmp/out" "$POSTERN" query --format csv -q "$QUERY" "$f"; then
                    check "$rows" "$fmt" "postern (no -j)" "$tmp/out"
                    say "$rows $fmt rep $r/$reps: postern (no -j) $T_WALL s"
                fi
            fi
            for t in 1 2; do
                if timed "$rows" "$fmt" scan $t "$tmp/scan.out" "$SCAN" -j $t "$f"; then
                    say "$rows $fmt rep $r/$reps: bare memmem scan, $t thread(s) $T_WALL s"
                    cnt=$(sed -n 's/.*count=\([0-9]*\).*/\1/p' "$tmp/scan.out")
                    if [ "$fmt" = jsonl ] && [ "$cnt" != "$rows" ]; then
                        say "warning: the scan found $cnt \"dest_port\" keys in $rows records"
                    fi
                fi
            done
            timed "$rows" "$fmt" cat 1 /dev/null cat "$f" && say "$rows $fmt rep $r/$reps: cat $T_WALL s"
            r=$((r + 1))
        done

        # Optional: jq and miller, a simpler equivalent (filter, then count
        # by src_ip, dest_ip, dest_port, process_name; keep counts > 2).
        [ $optional = 1 ] || continue
        read -r ref_groups ref_conns <<EOF
$(groups_conns "$tmp/ref.$rows.$fmt")
EOF
        if [ -n "$JQ" ] && [ "$fmt" = jsonl ]; then
            if timed "$rows" "$fmt" jq 1 "$tmp/opt.out" "$JQ" -n -r '
                reduce (inputs
                  | select(((._sourceCategory // "") | ascii_downcase) as $c
                           | ($c | contains("network")) or ($c | contains("firewall")) or ($c | contains("proxy")))
                  | select(.dest_port | IN("25", "465", "587", "110", "995", "143", "993"))
                  | select(((.process_name // "") | test("(?i)(outlook|thunderbird|mailclient|em\\.client|msedge|chrome|firefox)")) | not)
                  | [.src_ip, .dest_ip, .dest_port, .process_name] | tojson) as $k
                  ({}; .[$k] += 1)
                | to_entries[] | select(.value > 2) | "\(.value)\t\(.key)"' "$f"; then
                got=$(awk -F'\t' '{ n++; s += $1 } END { printf "%d %d\n", n, s }' "$tmp/opt.out")
                say "$rows $fmt: jq $T_WALL s ($got groups/connections; postern and DuckDB: $ref_groups $ref_conns)"
                [ "$got" = "$ref_groups $ref_conns" ] || say "warning: jq's groups differ from DuckDB's ($got vs $ref_groups $ref_conns)"
            fi
        fi
        if [ -n "$MLR" ]; then
            if [ "$fmt" = jsonl ]; then mfmt=--ijsonl; else mfmt=--icsv; fi
            if timed "$rows" "$fmt" mlr 1 "$tmp/opt.out" "$MLR" -S $mfmt --ocsv filter '
                var c = tolower(${_sourceCategory});
                (c =~ "network" || c =~ "firewall" || c =~ "proxy")
                && ($dest_port == "25" || $dest_port == "465" || $dest_port == "587" || $dest_port == "110"
                    || $dest_port == "995" || $dest_port == "143" || $dest_port == "993")
                && !(is_present($process_name)
                     && $process_name =~ "(outlook|thunderbird|mailclient|em\.client|msedge|chrome|firefox)"i)' \
                'then' unsparsify -f process_name \
                'then' count -g src_ip,dest_ip,dest_port,process_name \
                'then' filter '$count > 2' "$f"; then
                got=$(awk -F, 'NR > 1 { n++; s += $NF } END { printf "%d %d\n", n, s }' "$tmp/opt.out")
                say "$rows $fmt: miller $T_WALL s ($got groups/connections; postern and DuckDB: $ref_groups $ref_conns)"
                [ "$got" = "$ref_groups $ref_conns" ] || say "warning: miller's groups differ from DuckDB's ($got vs $ref_groups $ref_conns)"
            fi
        fi
    done
done

SEED_MISMATCHES=$MISMATCHES
shapes_run

# Node's own cost, for the note under the table: `node -e 0`.
for r in 1 2 3 4 5; do timed 0 - node 1 /dev/null "$NODE" -e 0 || break; done

# ---------------------------------------------------------------- report
LOAD1=$(cut -d' ' -f1-3 /proc/loadavg 2> /dev/null || echo '?')
T_END=$(date +%s)
REPORT=$tmp/report.md
# The vector kernel postern's JSON prefilter uses on this CPU (--stats names it).
printf '{"a":"y"}\n' > "$tmp/kernel.jsonl"
SCANK=$("$POSTERN" query --stats --quiet '* | where a = "x"' "$tmp/kernel.jsonl" 2>&1 >/dev/null |
    sed -n 's/^postern: stats: JSON line scan kernel: //p')
SCANK=${SCANK:-unknown}
cpu_model=$(sed -n 's/^model name[[:space:]]*: *//p' /proc/cpuinfo 2> /dev/null | head -n 1)
mem_gib=$(awk '/^MemTotal:/ { printf "%.1f", $2 / 1048576 }' /proc/meminfo 2> /dev/null)
if [ $HAVE_J = 1 ]; then jnote="-j1 and -j2"; else jnote="no -j option yet: one single-threaded run"; fi

# The seed-query table and its targets (with the functions of bench/stats.awk).
cat > "$tmp/seed-table.awk" <<'AWK'
function bytes(r, f) {
    if (r == small) return f == "jsonl" ? bj_s : bc_s
    return f == "jsonl" ? bj_l : bc_l
}
function eng_label(e) {
    if (e == "postern") return "postern"
    if (e == "duckdb") return "DuckDB " duckver " (node)"
    if (e == "scan") return "bare memmem scan"
    if (e == "cat") return "cat > /dev/null"
    if (e == "jq") return "jq " jqver " (filter + count)"
    if (e == "mlr") return "miller " mlrver " (filter + count)"
    return e
}
function thr_label(e, t) {
    if (e == "postern") return t == 0 ? "-j1 (no -j option yet)" : "-j" t
    if (e == "mlr") return "1 (+ Go runtime)"
    return t
}
# The matching DuckDB / scan time for postern with threads t (0: no -j).
function T(r, f, e, t,   kk) { kk = r SUBSEP f SUBSEP e SUBSEP t; return (kk in med) ? med[kk] : -1 }
function tt(t) { return t == 0 ? 1 : t }
function x(a, b) { return (a > 0 && b > 0) ? sprintf("%.2f×", a / b) : "—" }
BEGIN {
    while ((getline line < duckfile) > 0) {
        split(line, d, " ")
        k = d[1] SUBSEP d[2] SUBSEP d[3]
        dq[k] = dq[k] " " d[7] / 1000
        ds[k] = ds[k] " " (d[4] + d[5] + d[6]) / 1000
    }
}
$1 == 0 { nodes = nodes " " $5; next }
{
    k = $1 SUBSEP $2 SUBSEP $3 SUBSEP $4
    if (!(k in walls)) order[++n] = k
    walls[k] = walls[k] " " $5
    if (!(k in mins) || $5 < mins[k]) mins[k] = $5
    if ($7 > peak[k]) peak[k] = $7
    reps[k]++
    if ($9) dist[k]++
}
END {
    for (i = 1; i <= n; i++) med[order[i]] = median(walls[order[i]])
    # table order: rows, format, then engine
    ne = split("postern duckdb scan cat jq mlr", engs, " ")
    print "| rows | format | engine | threads | median s | min s | MB/s | rows/s | peak RSS MiB | DuckDB/postern (speed-up) | × bare scan |"
    print "|---:|---|---|---|---:|---:|---:|---:|---:|---:|---:|"
    split(small " " large, rs, " ")
    split("jsonl csv", fs, " ")
    for (ri = 1; ri <= 2; ri++) for (fi = 1; fi <= 2; fi++) for (ei = 1; ei <= ne; ei++) for (t = 0; t <= 2; t++) {
        r = rs[ri]; f = fs[fi]; e = engs[ei]
        k = r SUBSEP f SUBSEP e SUBSEP t
        if (!(k in med)) continue
        s = med[k]; b = bytes(r, f)
        sp = "—"
        if (e == "postern") sp = x(T(r, f, "duckdb", tt(t)), s)
        bs = (e == "scan") ? "1.00×" : x(s, T(r, f, "scan", tt(t)))
        printf "| %s | %s | %s | %s | %.3f | %.3f | %.0f | %.2f M | %.1f | %s | %s |\n",
            rows_label(r), f, eng_label(e) (reps[k] > 1 ? "" : " ¹") (dist[k] ? " ²" : ""), thr_label(e, t), s,
            mins[k], b / s / 1e6, r / s / 1e6, peak[k] / 1024, sp, bs
        if (reps[k] == 1) one_run = 1
        if (dist[k]) ndist += dist[k]
    }
    print ""
    print "Median and minimum of the repetitions; MB/s = file bytes / 10^6 / median s; rows/s in millions; peak RSS = largest ru_maxrss of the repetitions."
    print "DuckDB/postern = DuckDB time with the same number of threads / postern time (above 1: postern is faster). × bare scan = time / time of the bare memmem scan over the same file with the same number of threads."
    if (one_run) print "¹ one run (jq and miller are slow: one run each)."
    if (ndist) print "² some of its runs (" ndist " in all) were disturbed: other processes (or the hypervisor) kept more than 10% of a core busy during them, even after " retries " retries."
    if (retried) print "Runs repeated because other processes were busy meanwhile: " retried "."
    print ""

    # DuckDB: whole process vs the query inside node.
    nm = median(nodes)
    print "DuckDB numbers above are whole-process wall times (node + DuckDB). Inside node:"
    print ""
    print "| rows | format | threads | process s | query s (in node) | node start + import + open s | postern s | DuckDB query / postern |"
    print "|---:|---|---:|---:|---:|---:|---:|---:|"
    for (ri = 1; ri <= 2; ri++) for (fi = 1; fi <= 2; fi++) for (t = 1; t <= 2; t++) {
        r = rs[ri]; f = fs[fi]
        k3 = r SUBSEP f SUBSEP t
        if (!(k3 in dq)) continue
        pt = have_j ? T(r, f, "postern", t) : T(r, f, "postern", 0)
        q = median(dq[k3])
        printf "| %s | %s | %d | %.3f | %.3f | %.3f | %s | %s |\n", rows_label(r), f, t,
            T(r, f, "duckdb", t), q, median(ds[k3]), (pt > 0 ? sprintf("%.3f", pt) : "—"), x(q, pt)
    }
    if (nm > 0) printf "\n`node -e 0` alone takes %.3f s (median of 5).\n", nm
    print ""

    # Targets of issue 3.
    L = rows_label(large); S = rows_label(small)
    print "Targets (issue 3)" (mode != "full" ? ", " toupper(mode) " MODE: evaluated on " L " instead of 10M and " S " instead of 1M, indicative only" : "") ":"
    print ""
    pj2 = have_j ? 2 : 0; pj1 = have_j ? 1 : 0
    nj = have_j ? "" : " (postern has no -j option yet: its single-threaded run is used)"
    target(L " JSONL: postern -j2 ≥ 5× DuckDB with 2 threads" nj, T(large, "jsonl", "duckdb", 2), T(large, "jsonl", "postern", pj2), 5, "DuckDB 2 threads", have_j ? "postern -j2" : "postern")
    target(L " JSONL: postern -j1 ≥ 4× DuckDB with 1 thread" nj, T(large, "jsonl", "duckdb", 1), T(large, "jsonl", "postern", pj1), 4, "DuckDB 1 thread", have_j ? "postern -j1" : "postern")
    target(L " CSV: postern -j2 ≥ 3× DuckDB with 2 threads" nj, T(large, "csv", "duckdb", 2), T(large, "csv", "postern", pj2), 3, "DuckDB 2 threads", have_j ? "postern -j2" : "postern")
    lim = 1.1 * large / small
    for (fi = 1; fi <= 2; fi++) for (t = 0; t <= 2; t++) {
        f = fs[fi]
        a = T(large, f, "postern", t); b = T(small, f, "postern", t)
        if (a < 0 || b < 0) continue
        ok = a <= lim * b
        printf "- **%s** linear time, %s postern %s: the %s run takes %.2f× the %s run (%.3f s vs %.3f s; target ≤ %.3g×)\n",
            ok ? "MET" : "NOT MET", f, thr_label("postern", t), L, a / b, S, a, b, lim
    }
    # Memory (issue 3): peak RSS at most 100 MiB on the large files.
    for (fi = 1; fi <= 2; fi++) for (t = 0; t <= 2; t++) {
        f = fs[fi]; kk = large SUBSEP f SUBSEP "postern" SUBSEP t
        if (!(kk in peak)) continue
        printf "- **%s** memory, %s postern %s: peak RSS %.1f MiB on the %s file (target ≤ 100 MiB)\n",
            (peak[kk] <= 100 * 1024 ? "MET" : "NOT MET"), f, thr_label("postern", t), peak[kk] / 1024, L
    }
    if (mismatches > 0) printf "\n**RESULT MISMATCH: %d postern/DuckDB result(s) differed (see stderr).**\n", mismatches
    else print "\nAll postern and DuckDB results were identical (canonical form of tests/ref/compare.sh)."
}
function target(what, duck, post, need, dl, pl,   f) {
    if (duck < 0 || post < 0) { printf "- **NOT MET** %s: no measurement\n", what; return }
    f = duck / post
    printf "- **%s** %s: %.2f× (%s %.3f s, %s %.3f s)\n", (f >= need ? "MET" : "NOT MET"), what, f, pl, post, dl, duck
}
AWK
awk -v small="$SMALL" -v large="$LARGE" -v mode="$MODE" \
    -v have_j="$HAVE_J" -v duckver="$DUCK_VERSION" \
    -v jqver="${JQ_VERSION:-}" -v mlrver="${MLR_VERSION:-}" \
    -v bj_s="$(fsize "$(datafile "$SMALL" jsonl)")" -v bc_s="$(fsize "$(datafile "$SMALL" csv)")" \
    -v bj_l="$(fsize "$(datafile "$LARGE" jsonl)")" -v bc_l="$(fsize "$(datafile "$LARGE" csv)")" \
    -v duckfile="$DUCKT" -v mismatches="$SEED_MISMATCHES" -v retries="$RETRIES" -v retried="$RETRIED" \
    -f bench/stats.awk -f "$tmp/seed-table.awk" "$TIMES" > "$tmp/table.md" || die "cannot build the table"

{
    echo "# postern benchmark ($MODE mode)"
    echo
    echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo "- machine: $(nproc 2> /dev/null || echo '?') online cores, ${cpu_model:-unknown CPU}, ${mem_gib:-?} GiB RAM, $(uname -sr)"
    echo "- postern: $POSTERN (cksum $binsum) at $rev, $jnote; JSON line scan kernel $SCANK; seed query tests/data/seed-query-fixed.txt"
    echo "- DuckDB $DUCK_VERSION (@duckdb/node-api $DUCKDB_NODE_VERSION, Node $("$NODE" --version)); jq $JQ_VERSION; miller $MLR_VERSION"
    echo "- load average (1, 5, 15 min) before the runs: $LOAD0; after: $LOAD1; runs took $((T_END - T_START)) s"
    echo "- data: bench/gen.c --seed $SEED, $SMALL and $LARGE rows; page cache warm; repetitions: $REPS_SMALL at $SMALL rows, $REPS_LARGE at $LARGE"
    echo
    echo "## The seed query (issue 3)"
    echo
    cat "$tmp/table.md"
    if [ -n "$SHAPES" ]; then
        echo
        echo "## Query shapes (issue 11), JSONL"
        echo
        shapes_report
    fi
} > "$REPORT"

cat "$REPORT"
cp "$REPORT" bench/results-latest.md || say "cannot write bench/results-latest.md"
if [ $MISMATCHES -gt 0 ]; then
    echo "bench: RESULT MISMATCH between postern and DuckDB ($MISMATCHES): see above" >&2
fi
exit $STATUS
