# npm.sh — sourced by prove.sh and sigma.sh: the npm packages their checks
# run (pinned versions) in $CONVERT_NPM (tests/convert/.npm, gitignored),
# installed on first use. The caller defines say() for messages.

# npm_has NAME VERSION: whether NAME is installed there at exactly VERSION.
npm_has() { [ -f "$CONVERT_NPM/node_modules/$1/package.json" ] && grep -q "\"version\": *\"$2\"" "$CONVERT_NPM/node_modules/$1/package.json"; }

# npm_need LOG NAME@VERSION...: installs those not there yet (one npm
# install, its output in LOG, said when it fails); true when all are there.
npm_need() {
    npm_log=$1
    shift
    npm_missing=""
    for npm_p in "$@"; do npm_has "${npm_p%@*}" "${npm_p##*@}" || npm_missing="$npm_missing $npm_p"; done
    if [ -n "$npm_missing" ]; then
        say "installing$npm_missing into $CONVERT_NPM (first use)"
        mkdir -p "$CONVERT_NPM"
        # shellcheck disable=SC2086
        npm install --prefix "$CONVERT_NPM" --no-audit --no-fund --loglevel=error $npm_missing > "$npm_log" 2>&1 ||
            say "npm install failed: $(tail -n 3 "$npm_log")"
    fi
    for npm_p in "$@"; do npm_has "${npm_p%@*}" "${npm_p##*@}" || return 1; done
}
