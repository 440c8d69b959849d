# mail_ref.awk — what Sumo Logic returns for the catalogue's seed query,
# run VERBATIM (query=seed) or as FIXED in rules/t1071.003-mail-protocols.yml
# (query=fixed), over CSV records (bench/gen.c --format csv), written
# independently of postern in POSIX awk (mawk and gawk).
#
#   awk -v query=seed  -f tests/ref/mail_ref.awk FILE.csv... > result.csv
#   awk -v query=fixed -f tests/ref/mail_ref.awk FILE.csv... > result.csv
#
# The query (tests/data/seed-query-verbatim.txt) and what each line does in
# Sumo (the team notes, sumo-semantics.md §0):
#   (_sourceCategory=*network* OR ...=*firewall* OR ...=*proxy*)
#       metadata wildcard, case-insensitive, on the whole value: a
#       case-insensitive substring test here.
#   | where dest_port in ("25","465","587","110","995","143","993")
#       exact string equality: "25.0", " 25", "0025", "587 " do not match.
#   | where !(process_name matches "(?i)(outlook|...|em\\.client|...)")
#       a QUOTED pattern is a wildcard pattern, not a regex: only `*` is
#       special and it must match the whole value, case-sensitively. With no
#       `*` it matches only a value equal to the pattern text itself
#       (`\\` in the query string is one backslash), so it removes nothing
#       that bench/gen.c writes. A null process_name: `null matches X` is
#       false, so !(...) is true and the record is kept.
#   | if (...) as Protocol / as Severity
#       SMTP for 25/465/587, POP3 for 110/995, IMAP for 143/993; critical
#       for IMAP and POP3, high for SMTP.
#   | count, dcount(dest_ip) (run as count_distinct), sum(bytes_out),
#     min(_messageTime), max(_messageTime)
#     by src_ip, dest_ip, dest_port, Protocol, process_name, Severity
#   | where ConnectionCount > 2 | sort by ConnectionCount desc
#
# The fixed query differs from the seed in two places:
#   | where !(process_name matches /(?i)(outlook|thunderbird|mailclient|em\.client|msedge|chrome|firefox)/)
#       a REGEX literal: an RE2 search anywhere in the value, ignoring
#       case, so ".../chromedriver.exe", "...\chrome_update.exe" and
#       "...\outlook_sync.exe" are excluded as well; `em\.client` needs a
#       real dot ("emXclient" is kept). Done here as a lower-cased literal
#       substring test for each alternative (ASCII case folding: the regex's
#       Unicode folding of KELVIN SIGN or LONG S never occurs in gen's data).
#       A null process_name: `null matches X` is false, !(...) true, kept;
#       an empty one: the regex does not match "", kept.
#   | count_distinct(dest_ip) instead of dcount(dest_ip) (the same here).
# and postern's three (docs/schema.md §1.1-§1.3), read from the direction,
# outcome and conn_id columns when the input has them (build/gen --conn):
#   - Severity is no group key: a group is (src_ip, dest_ip, dest_port,
#     Protocol, process_name).
#   - A group with any record whose direction is "inbound" is dropped.
#   - ConnectionCount = records with an empty or absent conn_id + the
#     distinct non-empty conn_ids.
#   - Payload per record: 2 when outcome is "data", or when it is none of
#     blocked/failed/empty and the record has no conn_id; 1 for blocked,
#     failed, empty; else 0. A group whose largest is 1 is "low" and its
#     Note says "no payload: every connection was blocked, failed or empty
#     (attempts, not sessions)"; the others keep the protocol's severity
#     and an empty Note.
#

# Choices for values CSV cannot tell apart or Sumo leaves undocumented:
#   - An empty cell is the empty string. gen writes an absent process_name
#     and an empty one both as an empty cell, so here they are one value
#     and one group key (the empty string); both are kept by the exclusion.
#     (gen never puts both in one (src_ip, dest_ip, dest_port), so a JSONL
#     run, where absent is null, groups the same way.)
#   - sum skips empty and non-numeric cells ("-"); a group with no numeric
#     bytes_out gets an empty TotalBytesSent. A whole-number sum below 2^53
#     prints as an integer.
#   - count_distinct(dest_ip) is exact (always 1: dest_ip is a group key).
#   - FirstSeen / LastSeen print as integers (epoch ms); a record whose
#     _messageTime is not a number does not take part in them.
#   - Rows with a column count other than the header's are skipped, like
#     postern's CSV reader; a UTF-8 BOM before the header is ignored.
#   - Ties in ConnectionCount are ordered by the row's text, ascending.
# Output: RFC 4180 CSV, header
#   src_ip,dest_ip,dest_port,Protocol,process_name,Severity,ConnectionCount,
#   UniqueDestIPs,TotalBytesSent,FirstSeen,LastSeen (fixed: then Note)
# cells quoted only when they hold a comma, quote, CR or LF.

BEGIN {
    if (query != "seed" && query != "fixed") {
        print "mail_ref.awk: set -v query=seed or -v query=fixed" > "/dev/stderr"
        exit 2
    }
    # seed: the literal text the quoted wildcard pattern matches (whole value).
    PATTERN = "(?i)(outlook|thunderbird|mailclient|em\\.client|msedge|chrome|firefox)"
    # fixed: the regex's alternatives, as literal lower-case text.
    NALT = split("outlook thunderbird mailclient em.client msedge chrome firefox", ALT, " ")
    NUMRE = "^[-+]?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][-+]?[0-9]+)?$"
    ngroups = 0
}

# Split one logical CSV record s into F[1..n]; returns n.
function csvsplit(s, F,    n, j, c) {
    if (index(s, "\"") == 0) return split(s, F, ",")
    n = 0
    for (;;) {
        if (substr(s, 1, 1) == "\"") {
            c = ""
            s = substr(s, 2)
            for (;;) {
                j = index(s, "\"")
                if (j == 0) { c = c s; s = ""; break }  # unterminated
                c = c substr(s, 1, j - 1)
                if (substr(s, j + 1, 1) == "\"") { c = c "\""; s = substr(s, j + 2) }
                else { s = substr(s, j + 1); break }
            }
            j = index(s, ",")  # text after the closing quote is kept as is
            if (j == 0) { F[++n] = c s; return n }
            F[++n] = c substr(s, 1, j - 1)
            s = substr(s, j + 1)
        } else {
            j = index(s, ",")
            if (j == 0) { F[++n] = s; return n }
            F[++n] = substr(s, 1, j - 1)
            s = substr(s, j + 1)
        }
    }
}

# Number of double quotes in s.
function nquotes(s,    t) { t = s; return gsub(/"/, "", t) }

# A CSV cell, quoted when needed.
function cell(s) {
    if (s ~ /[,"\r\n]/) { gsub(/"/, "\"\"", s); return "\"" s "\"" }
    return s
}

# An integer-valued number as digits, otherwise shortest round-trip form.
function numstr(x) {
    if (x == int(x) && x < 9007199254740992 && x > -9007199254740992) return sprintf("%.0f", x)
    return sprintf("%.17g", x)
}

# Whether the row of group a sorts before that of group b: count desc, text asc.
function before(a, b) {
    if (cnt[a] != cnt[b]) return cnt[a] > cnt[b]
    return line[a] < line[b]
}

function qsort(A, lo, hi,    i, last, t) {
    if (lo >= hi) return
    t = A[lo]; A[lo] = A[int((lo + hi) / 2)]; A[int((lo + hi) / 2)] = t
    last = lo
    for (i = lo + 1; i <= hi; i++)
        if (before(A[i], A[lo])) { last++; t = A[last]; A[last] = A[i]; A[i] = t }
    t = A[lo]; A[lo] = A[last]; A[last] = t
    qsort(A, lo, last - 1)
    qsort(A, last + 1, hi)
}

# a new input file starts with its own header
FNR == 1 { have_hdr = 0 }

{
    rec = $0
    if (index(rec, "\"") && nquotes(rec) % 2 == 1) {
        # a quoted cell holds a line break: join lines until the quotes balance
        while (nquotes(rec) % 2 == 1 && (getline nxt) > 0) rec = rec "\n" nxt
    }
    sub(/\r$/, "", rec)
    if (!have_hdr) {
        if (rec == "") next
        sub(/^\357\273\277/, "", rec)
        ncol = csvsplit(rec, H)
        delete col
        for (i = 1; i <= ncol; i++) col[H[i]] = i
        have_hdr = 1
        c_cat = col["_sourceCategory"]; c_src = col["src_ip"]; c_dst = col["dest_ip"]
        c_port = col["dest_port"]; c_proc = col["process_name"]; c_out = col["bytes_out"]
        c_time = col["_messageTime"]
        c_dir = col["direction"]; c_oc = col["outcome"]; c_id = col["conn_id"]
        next
    }
    if (rec == "") next
    n = csvsplit(rec, F)
    if (n != ncol) { skipped++; next }

    # scope
    cat = tolower(c_cat ? F[c_cat] : "")
    if (!index(cat, "network") && !index(cat, "firewall") && !index(cat, "proxy")) next

    # dest_port in (...) and the Protocol / Severity ifs
    port = (c_port ? F[c_port] : "") ""
    if (port == "25" || port == "465" || port == "587") { proto = "SMTP"; sev = "high" }
    else if (port == "110" || port == "995") { proto = "POP3"; sev = "critical" }
    else if (port == "143" || port == "993") { proto = "IMAP"; sev = "critical" }
    else next

    # seed: !(process_name matches "<wildcard pattern without *>")
    # fixed: !(process_name matches /(?i)(alt|alt|...)/), a case-insensitive search
    proc = (c_proc ? F[c_proc] : "") ""
    if (query == "seed" && proc == PATTERN) next
    if (query == "fixed") {
        lp = tolower(proc)
        for (i = 1; i <= NALT; i++) if (index(lp, ALT[i])) next
    }

    src = (c_src ? F[c_src] : "") ""
    dst = (c_dst ? F[c_dst] : "") ""
    if (query == "seed") {
        k = src SUBSEP dst SUBSEP port SUBSEP proto SUBSEP proc SUBSEP sev
        if (!(k in cnt)) {
            cnt[k] = 0
            keys[++ngroups] = k
            line[k] = cell(src) "," cell(dst) "," cell(port) "," proto "," cell(proc) "," sev
        }
        cnt[k]++
    } else {
        k = src SUBSEP dst SUBSEP port SUBSEP proto SUBSEP proc
        if (!(k in cnt)) {
            cnt[k] = 0
            keys[++ngroups] = k
            psev[k] = sev
            line[k] = cell(src) "," cell(dst) "," cell(port) "," proto "," cell(proc)
        }
        id = c_id ? F[c_id] : ""
        oc = c_oc ? F[c_oc] : ""
        if (c_dir && F[c_dir] == "inbound") inbound[k] = 1
        if (id == "") { cnt[k]++; if (c_id) blank[k] = 1 }
        else if (!((k SUBSEP "id" SUBSEP id) in seen)) { seen[k SUBSEP "id" SUBSEP id] = 1; cnt[k]++ }
        r = (oc == "data") ? 2 : (oc == "blocked" || oc == "failed" || oc == "empty") ? 1 : (id == "") ? 2 : 0
        if (!(k in pay) || r > pay[k]) pay[k] = r
    }
    if (!((k SUBSEP dst) in seen)) { seen[k SUBSEP dst] = 1; udst[k]++ }
    b = c_out ? F[c_out] : ""
    if (b ~ NUMRE) { sum[k] += b + 0; hassum[k] = 1 }
    t = c_time ? F[c_time] : ""
    if (t ~ NUMRE) {
        t += 0
        if (!(k in tmin) || t < tmin[k]) tmin[k] = t
        if (!(k in tmax) || t > tmax[k]) tmax[k] = t
    }
}

END {
    printf "src_ip,dest_ip,dest_port,Protocol,process_name,Severity,ConnectionCount,UniqueDestIPs,TotalBytesSent,FirstSeen,LastSeen"
    print query == "fixed" ? ",Note" : ""
    m = 0
    for (i = 1; i <= ngroups; i++) if (cnt[keys[i]] > 2 && !(keys[i] in inbound)) out[++m] = keys[i]
    qsort(out, 1, m)
    for (i = 1; i <= m; i++) {
        k = out[i]
        if (query == "fixed") {
            low = pay[k] == 1
            row = line[k] "," (low ? "low" : psev[k])
        } else {
            row = line[k]
        }
        printf "%s", row "," cnt[k] "," udst[k] "," (k in hassum ? numstr(sum[k]) : "") "," \
            (k in tmin ? numstr(tmin[k]) : "") "," (k in tmax ? numstr(tmax[k]) : "")
        if (query == "fixed")
            printf ",%s", low ? cell("no payload: every connection was blocked, failed or empty (attempts, not sessions)") : ""
        printf "\n"
    }
    if (skipped) printf "mail_ref.awk: %d rows with the wrong number of columns skipped\n", skipped > "/dev/stderr"
}
