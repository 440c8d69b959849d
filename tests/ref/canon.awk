# canon.awk — a CSV result in canonical form, for comparing engines.
#
#   awk -v hdrfile=FILE.hdr -f tests/ref/canon.awk FILE | sort > FILE.body
#
# Writes the header row to hdrfile and every other record to stdout, one
# line per record: a backslash, CR or LF inside a cell is written \\, \r,
# \n, and cells are quoted only when they hold a comma or a quote. Sorting
# the output then gives an order-independent form (used by
# tests/ref/compare.sh and bench/run.sh).
function nq(s,  t) { t = s; return gsub(/"/, "", t) }
function out(s) {
    gsub(/\\/, "\\\\", s); gsub(/\r/, "\\r", s); gsub(/\n/, "\\n", s)
    if (s ~ /[,"]/) { gsub(/"/, "\"\"", s); s = "\"" s "\"" }
    return s
}
{
    rec = $0
    while (nq(rec) % 2 == 1 && (getline nxt) > 0) rec = rec "\n" nxt
    sub(/\r$/, "", rec)
    if (rec == "") next
    n = 0
    for (;;) {
        if (substr(rec, 1, 1) == "\"") {
            c = ""; rec = substr(rec, 2)
            for (;;) {
                j = index(rec, "\"")
                if (j == 0) { c = c rec; rec = ""; break }
                c = c substr(rec, 1, j - 1)
                if (substr(rec, j + 1, 1) == "\"") { c = c "\""; rec = substr(rec, j + 2) }
                else { rec = substr(rec, j + 1); break }
            }
            j = index(rec, ",")
            if (j == 0) { c = c rec; last = 1 } else { c = c substr(rec, 1, j - 1); rec = substr(rec, j + 1); last = 0 }
        } else {
            j = index(rec, ",")
            if (j == 0) { c = rec; last = 1 } else { c = substr(rec, 1, j - 1); rec = substr(rec, j + 1); last = 0 }
        }
        cell[++n] = out(c)
        if (last) break
    }
    if (!hdr) header(n)
    line = ""
    for (i = 1; i <= n; i++) line = line (i > 1 ? "," : "") cell[perm[i] ? perm[i] : i]
    if (!hdr) { print line > hdrfile; hdr = 1 } else {
        print line
        if (keyfile != "") print (kc ? cell[kc] : "") > keyfile
    }
}
# The header's n cells are in cell[]: set perm[] (the order to write the
# columns in) and kc (keycol's column, 0: none).
function header(n,   i, j, x) {
    for (i = 1; i <= n; i++) {
        perm[i] = i
        if (keycol != "" && cell[i] == keycol) kc = i
    }
    if (!sortcols) return
    for (i = 2; i <= n; i++) {
        x = perm[i]
        for (j = i - 1; j >= 1 && cell[perm[j]] > cell[x]; j--) perm[j + 1] = perm[j]
        perm[j + 1] = x
    }
}
