#!/bin/sh
# Put the option table (src/cli.c, printed by `postern --dump-options=man`)
# into man/postern.1 between the lines ".\" BEGIN OPTIONS BY COMMAND" and
# ".\" END OPTIONS BY COMMAND". tests/cases/man_options.test fails when the
# page and the table differ: run this after changing an option.
# usage: sh tools/man-options.sh [POSTERN] [MANPAGE]
set -eu
bin=${1:-./postern}
page=${2:-man/postern.1}
"$bin" --dump-options=man > "$page.opts"
awk -v opts="$page.opts" '
    /^\.\\" END OPTIONS BY COMMAND/ { skip = 0 }
    !skip { print }
    /^\.\\" BEGIN OPTIONS BY COMMAND/ { while ((getline l < opts) > 0) print l; skip = 1 }
' "$page" > "$page.new"
rm -f "$page.opts"
mv "$page.new" "$page"
