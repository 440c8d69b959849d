# case_split.awk — cut a tests/cases/*.test file into its sections, for
# tests/check.sh and tests/project.sh: `awk -v dir=DIR -f case_split.awk
# CASE` writes each "%% NAME" section to DIR/NAME.sec, each "%% input FILE"
# to DIR/FILE (input.jsonl when unnamed), and the input files in order,
# one a line, to DIR/inputs.lst.
/^%% / {
    sec = $2; arg = $3
    if (sec == "input") { f = dir "/" (arg == "" ? "input.jsonl" : arg); order = order f "\n" }
    else f = dir "/" sec ".sec"
    printf "" > f; close(f); next
}
sec != "" { print >> f; close(f) }
END { printf "%s", order > (dir "/inputs.lst") }
