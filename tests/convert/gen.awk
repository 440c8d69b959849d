# gen.awk — the data set of tests/convert/prove.sh's own queries: JSON
# Lines of connection-like records whose fields hold what breaks careless
# SQL: nulls (missing keys), empty strings, numbers as text (" 25",
# "25.0", "1e3", "-7", "0x1F", "inf"), mixed case, non-ASCII, quotes,
# backslashes, control characters, and equal _messageTime values.
#
#   awk -v rows=N -v seed=S -f tests/convert/gen.awk > data.jsonl
#   awk -v rows=N -v seed=S -v text=1 -f tests/convert/gen.awk > data.txt
# With text=1, plain text lines for `parse`: key=value parts whose keys
# change case, go missing or repeat.
function pick(a, n) { return a[int(rand() * n) + 1] }
function js(s) { gsub(/\\/, "\\\\", s); gsub(/"/, "\\\"", s); gsub(/\t/, "\\t", s); gsub(/\n/, "\\n", s); return "\"" s "\"" }
BEGIN {
    srand(seed + 0)
    nc = split("prod/network/edr|Prod/NETWORK/fw|dev/firewall/asa|x/Proxy/squid|ops/dns|", cats, "|")
    np = split("25|465|587|110|995|143|993|80|443| 25|25.0|1e3|-7|0x1F|inf||abc|2.5|007", ports, "|")
    nq = split("outlook.exe|OUTLOOK.EXE|/usr/bin/curl|C:\\Program Files\\Mozilla Thunderbird\\thunderbird.exe|em.client|emXclient.exe|näïve.exe|chrome|Chrome.exe|python3|sh -c 'x'|a\"b|tab\there|", procs, "|")
    nb = split("0|1|709|1816|2.5|-3|1e2|  42 |x||12345678901|0.1|.5|5.|+8|-0", bytes, "|")
    nu = split("alice|Bob|BOB|zoë|O'Brien|back\\slash|'; DROP TABLE logs; --||root", users, "|")
    ni = split("10.0.0.1|10.0.0.2|192.168.1.5|203.0.113.7|198.51.100.9", ips, "|")
    no = split("data|blocked|failed|empty|DATA|", outs, "|")
    nk = split("user=|User=|USER=|usr=", ukeys, "|")
    t0 = 1717480000000
    for (i = 0; text && i < rows; i++) {
        line = "msg " i
        if (rand() < 0.85) line = line " " pick(ukeys, nk) pick(users, nu)
        if (rand() < 0.2) line = line " user=" pick(users, nu)
        if (rand() < 0.8) line = line " port=" pick(ports, np)
        if (rand() < 0.7) line = line " Proc=" pick(procs, nq)
        if (rand() < 0.5) line = line " bytes=" pick(bytes, nb) ";"
        print line
    }
    for (i = 0; !text && i < rows; i++) {
        t = t0 + int(rand() * 7200) * 1000
        if (rand() < 0.1) t = t0 + 5000
        line = "{\"_messageTime\":" sprintf("%.0f", t)
        c = pick(cats, nc); if (c != "" || rand() < 0.5) line = line ",\"_sourceCategory\":" js(c)
        line = line ",\"src_ip\":" js(pick(ips, ni)) ",\"dest_ip\":" js(pick(ips, ni))
        p = pick(ports, np); if (rand() < 0.9) line = line ",\"dest_port\":" js(p)
        q = pick(procs, nq); if (rand() < 0.8) line = line ",\"process_name\":" js(q)
        b = pick(bytes, nb); if (rand() < 0.85) line = line ",\"bytes_out\":" js(b)
        u = pick(users, nu); if (rand() < 0.8) line = line ",\"user\":" js(u)
        o = pick(outs, no); if (rand() < 0.7) line = line ",\"outcome\":" js(o)
        if (rand() < 0.5) line = line ",\"direction\":" js(rand() < 0.3 ? "inbound" : "outbound")
        if (rand() < 0.6) line = line ",\"conn_id\":" js(rand() < 0.2 ? "" : "c" int(rand() * 40))
        print line "}"
    }
}
