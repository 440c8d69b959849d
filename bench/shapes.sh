# bench/shapes.sh — the query shapes of issue 11, for bench/run.sh.
#
# Sourced by bench/run.sh after its seed-query runs; uses its helpers and
# variables (timed, say, datafile, fsize, $tmp, $RSS, $POSTERN, $NODE,
# $SMALL, $LARGE, $SHAPES, $SHAPE_REPS, $TIMEOUT, $MAX_RSS, $FAILS,
# $MISMATCHES, $STATUS). Defines
#   shapes_run     every shape of $SHAPES on the JSONL file of both sizes:
#                  DuckDB with 1 and 2 threads and postern -j1 and -j2 in
#                  turn, $SHAPE_REPS times, every result checked; then the
#                  time to the first row of `postern query '*'` on the
#                  larger file;
#   shapes_report  the markdown table and the targets of issue 11, on stdout.
#
# A shape is a postern query (shape_query) and its SQL twin of the same
# name in bench/duckdb_query.mjs (--shape NAME), which streams its result
# with COPY ... TO '/dev/stdout'. Both write CSV to a file in $tmp.
#
# Results are compared in the canonical form of tests/ref/canon.awk, sorted
# (sort(1) with files in $tmp, so results of GBs are never held in memory),
# by checksum and row count: a multiset of rows. For a sorted result
# (shape_key) the sort column's cells are also compared in output order, so
# the order must agree while tied rows may come in any order. `*` is
# compared with its columns in name order (sortcols: which columns `*`
# gives is the query's, their order is not). A result of at most
# SHAPE_KEEP bytes is compared on every run and its canonical form kept for
# a diff; a larger one only on each engine's first successful run.

SHAPE_KEEP=16000000
SHAPET=$tmp/shape-times  # rows shape engine threads wall_s cpu_s maxrss_kib other_cpu_s disturbed
SHAPEC=$tmp/shape-checks # rows shape engine threads ok|MISMATCH
SHAPED=$tmp/shape-duck   # rows shape threads query_ms
FIRSTT=$tmp/first-row    # first_s wall_s maxrss_kib status killed
: > "$SHAPET"
: > "$SHAPEC"
: > "$SHAPED"
: > "$FIRSTT"

# shape_query NAME: the postern query of shape NAME.
shape_query() {
    case $1 in
    raw) echo '*' ;;
    search) echo '* | where dest_port = "993" | fields _messageTime, _sourceCategory, src_ip, src_port, dest_ip, dest_port, process_name, bytes_out' ;;
    groups) echo '* | count by src_ip, src_port, dest_ip' ;;
    topk) echo '* | count by dest_ip | sort by _count desc, dest_ip asc | limit 10' ;;
    sort) echo '* | sort by bytes_out | fields src_ip, src_port, dest_ip, dest_port, bytes_out, _messageTime, _sourceCategory' ;;
    esac
}

# shape_key NAME: the column whose order a result of NAME must keep (none:
# the rows are compared as a multiset only). topk's order is total (ties
# of _count by dest_ip: at 200k rows the 10th and 11th counts tie), so its
# dest_ip column in order checks the whole order.
shape_key() {
    case $1 in
    topk) echo dest_ip ;;
    sort) echo bytes_out ;;
    esac
}

# shape_check ROWS SHAPE ENGINE THREADS OUT: compare result OUT with the
# reference of ROWS/SHAPE (the first result checked, normally DuckDB's
# with 1 thread); record ok or MISMATCH in $SHAPEC.
shape_check() {
    k_ref=$tmp/sref.$1.$2 k_who="$3 threads=$4"
    [ "$3" = postern ] && k_who="postern -j$4"
    k_sc=0
    [ "$2" = raw ] && k_sc=1
    k_key=$(shape_key "$2")
    k_kf=
    [ -n "$k_key" ] && k_kf=$tmp/scur.key
    awk -v hdrfile="$tmp/scur.hdr" -v sortcols=$k_sc -v keycol="$k_key" -v keyfile="$k_kf" \
        -f tests/ref/canon.awk "$5" | sort -S 256M -T "$tmp" > "$tmp/scur.body"
    k_n=$(wc -l < "$tmp/scur.body" | tr -d ' ')
    k_sig="$(cat "$tmp/scur.hdr" "$tmp/scur.body" | cksum) rows=$k_n"
    [ -n "$k_key" ] && k_sig="$k_sig $k_key=$(cksum < "$k_kf")"
    if [ ! -f "$k_ref.sig" ]; then
        echo "$k_sig" > "$k_ref.sig"
        echo "$k_who" > "$k_ref.who"
        echo "$k_n" > "$k_ref.n"
        if [ "$(fsize "$5")" -le $SHAPE_KEEP ]; then
            cat "$tmp/scur.hdr" "$tmp/scur.body" > "$k_ref.canon"
            [ -n "$k_key" ] && cp "$k_kf" "$k_ref.key"
        fi
        rm -f "$tmp/scur.body"
        if [ "$k_n" -lt 1 ]; then
            echo "bench: MISMATCH: $k_who on $1 rows, shape $2, returned no rows" >&2
            echo "$1 $2 $3 $4 MISMATCH" >> "$SHAPEC"
            MISMATCHES=$((MISMATCHES + 1))
            STATUS=1
        else
            echo "$1 $2 $3 $4 ok" >> "$SHAPEC"
        fi
        return 0
    fi
    if [ "$k_sig" = "$(cat "$k_ref.sig")" ]; then
        echo "$1 $2 $3 $4 ok" >> "$SHAPEC"
        rm -f "$tmp/scur.body"
        return 0
    fi
    echo "$1 $2 $3 $4 MISMATCH" >> "$SHAPEC"
    MISMATCHES=$((MISMATCHES + 1))
    STATUS=1
    keep=$DATA/mismatch
    mkdir -p "$keep"
    k_a=$(tr ' =' __ < "$k_ref.who")
    k_b=$(echo "$k_who" | tr ' =' __)
    {
        echo
        echo "bench: ==================== RESULT MISMATCH ($2) ===================="
        echo "bench: $k_who and $(cat "$k_ref.who") differ on $(datafile "$1" jsonl), shape $2"
        echo "bench: $(cat "$k_ref.who"): $(cat "$k_ref.sig")"
        echo "bench: $k_who: $k_sig"
        if [ -f "$k_ref.canon" ]; then
            cp "$k_ref.canon" "$keep/$1.$2.$k_a.canon"
            cat "$tmp/scur.hdr" "$tmp/scur.body" > "$keep/$1.$2.$k_b.canon"
            echo "bench: (canonical forms, sorted, kept in $keep/; the first 40 lines of the diff:)"
            diff -u "$keep/$1.$2.$k_a.canon" "$keep/$1.$2.$k_b.canon" | sed -n '1,42p'
            if [ -n "$k_key" ] && [ -f "$k_ref.key" ]; then
                echo "bench: the $k_key column in output order (first 10 differing lines):"
                diff "$k_ref.key" "$k_kf" | sed -n '1,10p'
            fi
        fi
        echo "bench: reproduce with:"
        echo "  $POSTERN query --format csv '$(shape_query "$2")' $(datafile "$1" jsonl)"
        echo "  node bench/duckdb_query.mjs --threads 1 --shape $2 --format jsonl $(datafile "$1" jsonl)"
        echo "bench: ================================================================"
        echo
    } >&2
    rm -f "$tmp/scur.body"
}

# shape_one ROWS SHAPE ENGINE THREADS REP: one timed run (skipped when
# this engine already failed on ROWS/SHAPE), then its check.
shape_one() {
    o_f=$(datafile "$1" jsonl)
    o_failed=$tmp/sfail.$1.$2.$3.$4
    [ -f "$o_failed" ] && return 0
    if [ "$3" = duckdb ]; then
        mkdir -p "$tmp/duck-spill"
        set -- "$1" "$2" "$3" "$4" "$5" "$NODE" bench/duckdb_query.mjs --threads "$4" --shape "$2" \
            --memory-limit $((MAX_RSS * 3 / 4)) --temp-dir "$tmp/duck-spill" --format jsonl "$o_f"
        o_lab="DuckDB threads=$4"
    else
        set -- "$1" "$2" "$3" "$4" "$5" "$POSTERN" query -j "$4" --format csv "$(shape_query "$2")" "$o_f"
        o_lab="postern -j$4"
    fi
    o_rows=$1 o_shape=$2 o_eng=$3 o_thr=$4 o_rep=$5
    shift 5
    T_LOG=$SHAPET
    timed "$o_rows" "$o_shape" "$o_eng" "$o_thr" "$tmp/sout" "$@"
    o_st=$?
    T_LOG=
    if [ $o_st -ne 0 ]; then
        : > "$o_failed"
        say "$o_rows $o_shape rep $o_rep/$SHAPE_REPS: $o_lab FAILED ($T_WHY): not run again"
        rm -f "$tmp/sout"
        return 0
    fi
    if [ "$o_eng" = duckdb ]; then
        sed -n 's/^duckdb_query: .* query_ms=\([0-9.]*\) .*/\1/p' "$tmp/stderr" |
            while read -r q; do echo "$o_rows $o_shape $o_thr $q"; done >> "$SHAPED"
    fi
    o_done=$tmp/schecked.$o_rows.$o_shape.$o_eng.$o_thr
    if [ ! -f "$o_done" ] || [ "$(fsize "$tmp/sout")" -le $SHAPE_KEEP ]; then
        shape_check "$o_rows" "$o_shape" "$o_eng" "$o_thr" "$tmp/sout"
        : > "$o_done"
    fi
    say "$o_rows $o_shape rep $o_rep/$SHAPE_REPS: $o_lab $T_WALL s"
    rm -f "$tmp/sout"
}

# shapes_run: see the top.
shapes_run() {
    for rows in $SMALL $LARGE; do
        [ -n "$SHAPES" ] || break
        f=$(datafile "$rows" jsonl)
        say "shapes on $rows rows, jsonl ($(fsize "$f") bytes): warming the page cache"
        cat "$f" > /dev/null
        cat "$f" > /dev/null
        for shape in $SHAPES; do
            r=1
            while [ $r -le "$SHAPE_REPS" ]; do
                for eng in "duckdb 1" "duckdb 2" "postern 1" "postern 2"; do
                    # shellcheck disable=SC2086 # two words: engine threads
                    shape_one "$rows" "$shape" $eng $r
                done
                r=$((r + 1))
            done
        done
    done

    # The first row of `postern query '*'` on the larger file reaching a
    # pipe (rss -f closes the pipe after the first byte, as `| head` does).
    f=$(datafile "$LARGE" jsonl)
    r=1
    while [ $r -le "$SHAPE_REPS" ]; do
        rm -f "$tmp/rss.line"
        "$RSS" -o "$tmp/rss.line" -f -t "$TIMEOUT" -M "$MAX_RSS" "$POSTERN" query '*' "$f" 2> "$tmp/stderr"
        m=$(sed -n 's/^rss: wall_s=\([0-9.]*\) cpu_s=[0-9.]* maxrss_kib=\([0-9]*\) status=\([0-9]*\) .* killed=\([a-z]*\) first_s=\([-0-9.]*\)$/\5 \1 \2 \3 \4/p' "$tmp/rss.line")
        [ -n "$m" ] || { say "first row: cannot read rss's report"; break; }
        echo "$m" >> "$FIRSTT"
        set -- $m
        say "first row of postern query '*' on $LARGE rows: $1 s (ended $2 s after the start, status $4, killed: $5)"
        [ "$1" = -1.000000 ] && break # no row at all: once is enough
        r=$((r + 1))
    done
}

# shapes_report: see the top.
shapes_report() {
    [ -n "$SHAPES" ] || return 0
    for s in $SHAPES; do printf '%s\t%s\n' "$s" "$(shape_query "$s")"; done > "$tmp/shape-queries"
    cat > "$tmp/shape-table.awk" <<'AWK'
function lab(e, t) { return e == "postern" ? "postern -j" t : "DuckDB " t " thread" (t > 1 ? "s" : "") }
function x(a, b) { return (a > 0 && b > 0) ? sprintf("%.2f×", a / b) : "—" }
function K(r, s, e, t) { return r SUBSEP s SUBSEP e SUBSEP t }
# the median time of run key k, -1 when it has none (never med[k] alone:
# referring to an element creates it)
function M(k) { return (k in med) ? med[k] : -1 }
# what a failed or missing run says in a target line
function why(r, s, e, t,   k) {
    k = K(r, s, e, t)
    if (k in fail) return lab(e, t) " failed on " rows_label(r) " (" fail[k] ")"
    return "no measurement of " lab(e, t) " on " rows_label(r)
}
function line(ok, text) { printf "- **%s** %s\n", ok ? "MET" : "NOT MET", text; if (!ok) notmet++ }
BEGIN {
    while ((getline l < qfile) > 0) { split(l, a, "\t"); query[a[1]] = a[2] }
    while ((getline l < failfile) > 0) {
        n = split(l, a, " "); w = ""
        for (i = 5; i <= n; i++) w = w (i > 5 ? " " : "") a[i]
        k = K(a[1], a[2], a[3], a[4]); if (!(k in fail)) fail[k] = w
    }
    while ((getline l < checkfile) > 0) {
        split(l, a, " "); k = K(a[1], a[2], a[3], a[4])
        if (a[5] == "MISMATCH") bad[k] = 1; else good[k] = 1
    }
    while ((getline l < duckfile) > 0) { split(l, a, " "); k = a[1] SUBSEP a[2] SUBSEP a[3]; dq[k] = dq[k] " " a[4] / 1000 }
    while ((getline l < firstfile) > 0) {
        split(l, a, " "); nfirst++
        if (a[1] + 0 >= 0) firsts = firsts " " a[1]; else { nofirst = 1; firstwhy = a[5]; firstwall = a[2]; firstrss = a[3] }
    }
    while ((getline l < seedfile) > 0) {
        split(l, a, " "); if (a[2] != "jsonl") continue
        k = K(a[1], "seed", a[3], a[4]); seed[k] = seed[k] " " a[5]
        if (a[7] + 0 > seedpeak[k]) seedpeak[k] = a[7] + 0
    }
    ns = split(shapes, sh, " ")
    need["raw"] = 1.5; need["search"] = 5; need["groups"] = 1.5; need["topk"] = 3; need["sort"] = 1.5
    blocking["groups"] = 1; blocking["topk"] = 1; blocking["sort"] = 1
}
{
    k = K($1, $2, $3, $4)
    walls[k] = walls[k] " " $5
    if (!(k in mins) || $5 < mins[k]) mins[k] = $5
    if ($7 + 0 > peak[k]) peak[k] = $7 + 0
    if ($9) dist[k]++
}
END {
    for (k in walls) med[k] = median(walls[k])
    split(small " " large, rs, " ")
    print "| shape | rows | engine | median s | min s | peak RSS MiB | result rows | DuckDB/postern (speed-up) | DuckDB query s (in node) | rows identical |"
    print "|---|---:|---|---:|---:|---:|---:|---:|---:|---|"
    for (si = 1; si <= ns; si++) for (ri = 1; ri <= 2; ri++) for (ei = 1; ei <= 4; ei++) {
        s = sh[si]; r = rs[ri]; e = ei <= 2 ? "duckdb" : "postern"; t = 2 - ei % 2
        k = K(r, s, e, t)
        nrows = "—"; nf = refdir "/sref." r "." s ".n"
        if ((getline v < nf) > 0) nrows = v
        close(nf)
        chk = (k in bad) ? "**MISMATCH**" : (k in good) ? "yes" : "not checked"
        if (M(k) < 0) {
            printf "| %s | %s | %s | **FAILED** (%s) | — | — | — | — | — | — |\n", s, rows_label(r), lab(e, t), (k in fail) ? fail[k] : "no run"
            continue
        }
        sp = "—"; dqs = "—"
        if (e == "postern") sp = x(M(K(r, s, "duckdb", t)), med[k])
        if (e == "duckdb" && ((r SUBSEP s SUBSEP t) in dq)) dqs = sprintf("%.3f", median(dq[r SUBSEP s SUBSEP t]))
        printf "| %s | %s | %s%s%s | %.3f | %.3f | %.1f | %s | %s | %s | %s |\n", s, rows_label(r), lab(e, t),
            (k in fail) ? " ³" : "", dist[k] ? " ²" : "", med[k], mins[k], peak[k] / 1024, nrows, sp, dqs, chk
        if (dist[k]) ndist += dist[k]
        if (k in fail) nfail++
    }
    print ""
    print "Queries (postern; the DuckDB SQL of each: `node bench/duckdb_query.mjs --sql --shape NAME --format jsonl FILE`), on the JSONL file:"
    print ""
    for (si = 1; si <= ns; si++) printf "- %s: `%s`\n", sh[si], query[sh[si]]
    print ""
    printf "Median and minimum of %d run(s) (whole process, output written to a file); peak RSS = largest ru_maxrss of the runs. ", reps
    print "Every run is killed after " timeout " s or above " cap " MiB of resident memory (DuckDB gets memory_limit = 3/4 of that and spills); a run that fails is not repeated. "
    print "Result rows: rows of the reference result (the first checked). *Rows identical*: the canonical rows equal the reference (as a multiset; the column of topk (dest_ip) and sort (bytes_out) is also compared in output order)."
    if (ndist) print "² some of its runs (" ndist " in all) were disturbed: other processes kept more than 10% of a core busy during them."
    if (nfail) print "³ some of its runs failed; the times are those of the runs that did not."
    print ""

    L = rows_label(large); S = rows_label(small)
    print "Targets (issue 11)" (mode != "full" ? ", " toupper(mode) " MODE: " L " and " S " rows instead of 10M and 1M, indicative only" : "") ":"
    print ""
    for (si = 1; si <= ns; si++) {
        s = sh[si]; d = M(K(large, s, "duckdb", 2)); p = M(K(large, s, "postern", 2))
        if (d < 0 || p < 0) {
            line(0, sprintf("%s, %s: postern -j2 ≥ %g× DuckDB with 2 threads: %s", s, L, need[s],
                p < 0 ? why(large, s, "postern", 2) : why(large, s, "duckdb", 2)))
            continue
        }
        line(d / p >= need[s], sprintf("%s, %s: postern -j2 ≥ %g× DuckDB with 2 threads: %.2f× (postern -j2 %.3f s, DuckDB 2 threads %.3f s)",
            s, L, need[s], d / p, p, d))
    }
    d = median(seed[K(large, "seed", "duckdb", 2)]); p = median(seed[K(large, "seed", "postern", 2)])
    if (d > 0 && p > 0)
        line(d / p >= 5, sprintf("seed query, %s JSONL: postern -j2 ≥ 5× DuckDB with 2 threads: %.2f× (postern -j2 %.3f s, DuckDB 2 threads %.3f s; the table above)", L, d / p, p, d))
    else line(0, "seed query, " L " JSONL: postern -j2 ≥ 5× DuckDB with 2 threads: no measurement")
    # memory of the shapes without a blocking stage, on every size
    for (si = 1; si <= ns; si++) {
        s = sh[si]; if (s in blocking) continue
        for (t = 1; t <= 2; t++) {
            m = 0; w = ""
            for (ri = 1; ri <= 2; ri++) {
                k = K(rs[ri], s, "postern", t)
                if (k in fail) w = why(rs[ri], s, "postern", t)
                else if (peak[k] > m) m = peak[k]
            }
            if (w != "") line(0, sprintf("memory, %s postern -j%d: peak RSS ≤ 100 MiB on every size: %s", s, t, w))
            else line(m <= 100 * 1024, sprintf("memory, %s postern -j%d: peak RSS ≤ 100 MiB on every size: %.1f MiB at most", s, t, m / 1024))
        }
    }
    seed_peak = 0
    for (ri = 1; ri <= 2; ri++) for (t = 1; t <= 2; t++) if (seedpeak[K(rs[ri], "seed", "postern", t)] > seed_peak) seed_peak = seedpeak[K(rs[ri], "seed", "postern", t)]
    if (seed_peak > 0) line(seed_peak <= 100 * 1024, sprintf("memory, seed query postern -j1/-j2: peak RSS ≤ 100 MiB on every size (JSONL): %.1f MiB at most", seed_peak / 1024))
    # the 1M-group aggregation: the 1M-row file (the larger one in quick mode)
    g = (large == 1000000) ? large : small
    for (si = 1; si <= ns; si++) if (sh[si] == "groups") for (t = 1; t <= 2; t++) {
        kp = K(g, "groups", "postern", t); kd = K(g, "groups", "duckdb", t)
        what = sprintf("memory, groups on %s rows postern -j%d: peak RSS ≤ 400 MiB and below DuckDB %d thread%s", rows_label(g), t, t, t > 1 ? "s" : "")
        if (M(kp) < 0) { line(0, what ": " why(g, "groups", "postern", t)); continue }
        if (!(kd in peak)) { line(0, what ": " why(g, "groups", "duckdb", t)); continue }
        line(peak[kp] <= 400 * 1024 && peak[kp] < peak[kd], sprintf("%s: %.1f MiB (DuckDB %.1f MiB)", what, peak[kp] / 1024, peak[kd] / 1024))
    }
    # linear time
    lim = 1.1 * large / small
    for (si = 1; si <= ns; si++) for (t = 1; t <= 2; t++) {
        s = sh[si]; kl = K(large, s, "postern", t); ks = K(small, s, "postern", t)
        what = sprintf("linear time, %s postern -j%d: %s ≤ %.3g× %s", s, t, L, lim, S)
        if (M(kl) < 0) { line(0, what ": " why(large, s, "postern", t)); continue }
        if (M(ks) < 0) { line(0, what ": " why(small, s, "postern", t)); continue }
        line(med[kl] <= lim * med[ks], sprintf("%s: %.2f× (%.3f s vs %.3f s)", what, med[kl] / med[ks], med[kl], med[ks]))
    }
    # the first row
    what = "first row of `postern query '*'` on " L " rows reaches a pipe in < 0.5 s"
    if (nofirst) line(0, sprintf("%s: no row before it %s after %.1f s (peak RSS %.0f MiB)", what,
        firstwhy == "rss" ? "was killed over the " cap " MiB memory cap" : firstwhy == "timeout" ? "was killed at the " timeout " s timeout" : "ended", firstwall, firstrss / 1024))
    else if (nfirst) { f = median(firsts); line(f < 0.5, sprintf("%s: %.3f s (median of %d)", what, f, nfirst)) }
    else line(0, what ": no measurement")
    nbad = 0
    for (k in bad) nbad++
    if (nbad) printf "\n**RESULT MISMATCH in %d shape run(s): see stderr.**\n", nbad
    else print "\nEvery checked shape result was identical to the reference (DuckDB with 1 thread unless it failed)."
    printf "\nTargets not met: %d.\n", notmet
}
AWK
    awk -v small="$SMALL" -v large="$LARGE" -v mode="$MODE" -v shapes="$SHAPES" \
        -v qfile="$tmp/shape-queries" -v failfile="$FAILS" -v checkfile="$SHAPEC" \
        -v duckfile="$SHAPED" -v firstfile="$FIRSTT" -v seedfile="$TIMES" -v refdir="$tmp" \
        -v cap="$MAX_RSS" -v timeout="$TIMEOUT" -v reps="$SHAPE_REPS" \
        -f bench/stats.awk -f "$tmp/shape-table.awk" "$SHAPET"
}
