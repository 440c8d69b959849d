#!/bin/sh
# html_report.sh — `postern detect --html` rendered by a real browser (run
# by tests/check.sh).
#
#   sh tests/html_report.sh [POSTERN]
#
# Writes the report of the bundled examples/ and opens it in headless
# Chromium (Debian's `chromium`, tools/deps.sh): a PNG screenshot must be
# written at the window's size, with no console message (the page has no
# script: any message is an error or a load the page's
# Content-Security-Policy blocked), and the DOM as rendered (--dump-dom)
# must show the three implants of examples/ (docs/examples.md), each with
# its timeline: one tick per connection, as many as its ConnectionCount.
# A page with a blocked load is rendered first, to prove that such a
# message is seen. The page must name no resource to fetch (no script,
# link, img, iframe, src=, url( or @import).
# Exits 77 with a message when chromium is absent (POSTERN_CHROMIUM names
# another binary), or 1 when POSTERN_REQUIRE_ALL=1 (CI sets it, so a
# green CI means the page was rendered); prints "html report: ok" on success.
set -u
postern=${1:-./postern}
chromium=${POSTERN_CHROMIUM:-}
if [ -z "$chromium" ]; then
    for c in chromium chromium-browser; do
        command -v "$c" > /dev/null 2>&1 && chromium=$c && break
    done
fi
if [ -z "$chromium" ]; then
    if [ "${POSTERN_REQUIRE_ALL:-}" = 1 ]; then
        echo "html report: FAIL: chromium is not installed and POSTERN_REQUIRE_ALL=1 (tools/deps.sh installs Debian's chromium)"
        exit 1
    fi
    echo "html report: SKIPPED: chromium is not installed (tools/deps.sh installs Debian's chromium)"
    exit 77
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/postern-html.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM # (an interrupted run stops, and fails)
fail=0
bad() { echo "FAIL: $*"; fail=1; }

# render URL OUT ARGS...: headless Chromium on URL, stdout to OUT, stderr
# (its log, console messages included) to OUT.err.
render() {
    url=$1 out=$2
    shift 2
    timeout 60 "$chromium" --headless --no-sandbox --disable-gpu --hide-scrollbars --no-first-run \
        --user-data-dir="$tmp/profile" --enable-logging=stderr --v=0 "$@" "$url" > "$out" 2> "$out.err"
}

# Console messages in a Chromium log ("INFO:CONSOLE:1]", older "CONSOLE(1)").
console() { grep -E ':CONSOLE[:(]' "$1"; }

# 1. The detector: a blocked image and a console.error must be seen.
printf '%s' "<!DOCTYPE html><html><head><meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'\"></head><body><img src=\"https://example.invalid/x.png\"></body></html>" > "$tmp/blocked.html"
render "file://$tmp/blocked.html" "$tmp/blocked.out" --dump-dom
console "$tmp/blocked.out.err" > /dev/null || bad "no console message seen for a blocked load: the check cannot work with this chromium"

# 2. The report.
if ! "$postern" detect --quiet --format csv --html "$tmp/r.html" examples/ > "$tmp/findings.csv"; then
    bad "postern detect --html failed"
fi
grep -q "http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'" "$tmp/r.html" || bad "no Content-Security-Policy"
if grep -Eio '<script|<link|<img|<iframe|<object|<embed|src=|url\(|@import' "$tmp/r.html" | sort -u | grep .; then
    bad "the page names something to fetch (above)"
fi

# 3. Screenshot: a PNG of the window's size, no console message.
render "file://$tmp/r.html" "$tmp/shot.out" --window-size=1100,2400 --screenshot="$tmp/r.png"
if [ "$(head -c 8 "$tmp/r.png" 2> /dev/null | od -An -tx1 | tr -d ' \n')" != 89504e470d0a1a0a ]; then
    bad "no PNG written: $(tail -3 "$tmp/shot.out.err")"
else
    # IHDR: width and height, big-endian, at bytes 16..23
    size=$(od -An -tu1 -j16 -N8 "$tmp/r.png" | awk '{ print ($1*16777216 + $2*65536 + $3*256 + $4) "x" ($5*16777216 + $6*65536 + $7*256 + $8) }')
    [ "$size" = 1100x2400 ] || bad "screenshot is $size, not 1100x2400"
fi
if console "$tmp/shot.out.err"; then bad "console messages while rendering (above)"; fi

# 4. The DOM as rendered: the three implants, each with its timeline.
render "file://$tmp/r.html" "$tmp/dom.html" --dump-dom
if console "$tmp/dom.html.err"; then bad "console messages while rendering (above)"; fi
sed 's/<[^>]*>//g' "$tmp/dom.html" > "$tmp/dom.txt"
for h in "postern detection report" "Run summary" "records read685" "Critical · 3 findings" "High · 10 findings" \
    "Mail protocol C2 from a non-mail process" "False positives" "Blind spots"; do
    grep -qF "$h" "$tmp/dom.txt" || bad "the rendered text lacks '$h'"
done
grep -q 'href="https://attack.mitre.org/techniques/T1071/003/"' "$tmp/dom.html" || bad "no link to ATT&CK T1071.003"
grep -q 'href="https://attack.mitre.org/tactics/TA0011/"' "$tmp/dom.html" || bad "no link to ATT&CK TA0011"
# Each finding is one <div class="finding">: split there, find the
# implant's (its process name in the keys), count the ticks of its
# timeline, compare with its ConnectionCount.
for implant in igfxsvc.exe svchost32.exe kworkerd; do
    got=$(awk -v name="$implant" 'BEGIN { RS = "<div class=\"finding\">" }
        index($0, name) && index($0, "<svg class=\"tl\"") {
            d = $0; sub(/.*<path class="tick" d="/, "", d); sub(/".*/, "", d)
            ticks = gsub(/M/, "", d)
            c = $0; sub(/.*ConnectionCount<\/span> <span class="v">/, "", c); sub(/<.*/, "", c)
            print ticks " " c; exit }' "$tmp/dom.html")
    set -- $got
    if [ $# -ne 2 ]; then bad "$implant: no finding with a timeline in the rendered page"
    elif [ "$1" != "$2" ]; then bad "$implant: $1 ticks for $2 connections"
    else echo "html report: $implant: $1 ticks, $2 connections"
    fi
done
[ "$fail" -eq 0 ] || exit 1
echo "html report: ok"
