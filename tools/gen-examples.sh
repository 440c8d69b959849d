#!/bin/sh
# gen-examples.sh — rebuild postern's demo logs, byte for byte.
#
# Writes, into examples/:
#   endpoint-network.jsonl  EDR connection records for one working day
#   firewall-export.csv     the perimeter firewall's view of 10:00-11:00
#   sumo-export.json        a Search Job API page with an Atomic-style test
# The randomness is a Park-Miller generator with a fixed seed, so every awk
# (mawk, gawk, busybox) writes the same files. Addresses are RFC 1918
# (inside) and RFC 5737 (outside) only. See docs/examples.md for what is planted.
set -eu

here=$(cd "$(dirname "$0")/../examples" && pwd)
LC_ALL=C
export LC_ALL
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM # (an interrupted run stops, and fails)

awk -v out="$tmp" '
# ---- helpers ---------------------------------------------------------------
function rnd() { seed = (seed * 16807) % 2147483647; return seed / 2147483647 }
function ri(a, b) { return a + int(rnd() * (b - a + 1)) }
# JSON string body: escape backslash and double quote (portable, no gsub).
function jesc(s,    i, c, r) {
    r = ""
    for (i = 1; i <= length(s); i++) {
        c = substr(s, i, 1)
        if (c == "\\" || c == "\"") r = r "\\"
        r = r c
    }
    return r
}
function iso(t,    s, ms) {
    s = int(t); ms = int((t - s) * 1000 + 0.5); if (ms > 999) ms = 999
    return sprintf("%sT%02d:%02d:%02d.%03dZ", DAY, int(s / 3600), int(s % 3600 / 60), s % 60, ms)
}
function epochms(t) { return sprintf("%.0f", DAY0 * 1000 + int(t * 1000 + 0.5)) }
function pidof(host, proc,    k) {
    k = host SUBSEP proc
    if (!(k in PID)) PID[k] = (proc ~ /^[A-Z]:/) ? 4 * ri(300, 4000) : ri(800, 60000)
    return PID[k]
}
function sport(proc) { return (proc ~ /^[A-Z]:/) ? ri(49152, 65535) : ri(32768, 60999) }
# One connection seen by the EDR (and by the firewall when it leaves the
# network between 10:00 and 11:00).
function conn(t, host, ip, user, proc, dip, dport, bout, bin,    sp, app) {
    t += ri(0, 999) / 1000
    sp = sport(proc)
    printf "{\"timestamp\":\"%s\",\"_sourceCategory\":\"prod/network/edr\",\"host\":\"%s\",\"user\":\"%s\",\"process_name\":\"%s\",\"pid\":%d,\"protocol\":\"tcp\",\"src_ip\":\"%s\",\"src_port\":%d,\"dest_ip\":\"%s\",\"dest_port\":\"%s\",\"bytes_out\":%d,\"bytes_in\":%d}\n", \
        iso(t), host, jesc(user), jesc(proc), pidof(host, proc), ip, sp, dip, dport, bout, bin > (out "/edr")
    if (t >= 36000 && t < 39600 && dip !~ /^10\./) {
        app = dport == "443" ? "ssl" : dport == "80" ? "web-browsing" : \
              (dport == "25" || dport == "587" || dport == "465") ? "smtp" : \
              (dport == "110" || dport == "995") ? "pop3" : "imap"
        fw(t + ri(2, 25) + ri(0, 999) / 1000, ip, sp, dip, dport, app, bout + ri(300, 900), bin + ri(300, 900))
    }
}
function fw(t, ip, sp, dip, dport, app, bout, bin) {
    printf "%s,corp/firewall/paloalto,%s,%d,%s,%s,tcp,%s,allow,%d,%d,allow-outbound\n", \
        iso(t), ip, sp, dip, dport, app, bout, bin > (out "/fw")
}
# A beacon: every `every` seconds (+- jit) from t0 to t1.
function beacon(t0, t1, every, jit, host, ip, user, proc, dip, dport, blo, bhi, ilo, ihi,    t) {
    for (t = t0; t <= t1; t += every)
        conn(t + ri(-jit, jit), host, ip, user, proc, dip, dport, ri(blo, bhi), ri(ilo, ihi))
}
# n connections at random times in [t0, t1].
function scatter(n, t0, t1, host, ip, user, proc, dip, dport, blo, bhi, ilo, ihi,    i) {
    for (i = 0; i < n; i++)
        conn(ri(t0, t1), host, ip, user, proc, dip, dport, ri(blo, bhi), ri(ilo, ihi))
}
function hm(h, m) { return h * 3600 + m * 60 }

BEGIN {
    seed = 20240604
    DAY = "2024-06-04"                       # a Tuesday
    DAY0 = 1717459200                        # 2024-06-04T00:00:00Z
    CHROME  = "C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe"
    EDGE    = "C:\\Program Files (x86)\\Microsoft\\Edge\\Application\\msedge.exe"
    FIREFOX = "C:\\Program Files\\Mozilla Firefox\\firefox.exe"
    OUTLOOK = "C:\\Program Files\\Microsoft Office\\root\\Office16\\OUTLOOK.EXE"
    TEAMS   = "C:\\Program Files\\WindowsApps\\MSTeams_24124.2315.2911.3357_x64__8wekyb3d8bbwe\\ms-teams.exe"
    ONEDRIVE = "C:\\Program Files\\Microsoft OneDrive\\OneDrive.exe"
    SVCHOST = "C:\\Windows\\System32\\svchost.exe"
    TBIRDW  = "C:\\Program Files\\Mozilla Thunderbird\\thunderbird.exe"
    EMCLIENT = "C:\\Program Files (x86)\\eM Client\\MailClient.exe"
    split("amartin bchen cdiaz dfischer eharris fgarcia gkowalski hnguyen iokafor jsmith " \
          "kpatel rsilva lrossi mtanaka nwilliams oschmidt pmoreau qlarsen tjohansson ulopez " \
          "vivanova wmuller xwang yokoye", USERS, " ")

    # ---- workstations ws01..ws24: web, Teams, OneDrive, Outlook (443) ----
    for (w = 1; w <= 24; w++) {
        host = sprintf("ws%02d.corp.example", w); ip = "10.20.30." (100 + w); user = "CORP\\" USERS[w]
        start = hm(7, 40) + ri(0, 70 * 60); stop = hm(16, 50) + ri(0, 80 * 60)
        browser = (w % 5 == 0) ? FIREFOX : (w % 3 == 0) ? EDGE : CHROME
        for (i = 0; i < 7; i++)
            conn(ri(start, stop), host, ip, user, browser, "192.0.2." ri(10, 250), (ri(1, 10) > 1) ? "443" : "80",
                 ri(600, 30000), ri(2000, 900000))
        conn(start + ri(30, 300), host, ip, user, TEAMS, "198.51.100.60", "443", ri(3000, 9000), ri(20000, 90000))
        conn(ri(start, stop), host, ip, user, ONEDRIVE, "198.51.100.61", "443", ri(2000, 400000), ri(2000, 60000))
        conn(start + ri(60, 200), host, ip, "NT AUTHORITY\\SYSTEM", SVCHOST, "192.0.2.200", "443", ri(1500, 4000), ri(8000, 300000))
        scatter(3, start, stop, host, ip, user, OUTLOOK, "198.51.100.25", "443", 900, 60000, 1500, 250000)
    }

    # ---- mail clients on mail ports: excluded by the (fixed) query ----
    # Outlook with an IMAP account at a hosting provider (ws03, ws08)
    beacon(hm(8, 5), hm(17, 0), 2700, 120, "ws03.corp.example", "10.20.30.103", "CORP\\cdiaz", OUTLOOK, "198.51.100.26", "993", 900, 2500, 4000, 90000)
    scatter(4, hm(8, 30), hm(16, 30), "ws03.corp.example", "10.20.30.103", "CORP\\cdiaz", OUTLOOK, "198.51.100.26", "587", 3000, 60000, 3000, 5000)
    beacon(hm(8, 20), hm(17, 20), 2700, 120, "ws08.corp.example", "10.20.30.108", "CORP\\hnguyen", OUTLOOK, "198.51.100.26", "993", 900, 2500, 4000, 90000)
    scatter(3, hm(8, 30), hm(16, 30), "ws08.corp.example", "10.20.30.108", "CORP\\hnguyen", OUTLOOK, "198.51.100.26", "587", 3000, 60000, 3000, 5000)
    # eM Client (MailClient.exe) on ws05
    scatter(8, hm(8, 0), hm(17, 30), "ws05.corp.example", "10.20.30.105", "CORP\\eharris", EMCLIENT, "198.51.100.26", "993", 800, 2000, 4000, 70000)
    scatter(3, hm(8, 0), hm(17, 30), "ws05.corp.example", "10.20.30.105", "CORP\\eharris", EMCLIENT, "198.51.100.26", "587", 3000, 40000, 3000, 5000)
    # Thunderbird on Windows (ws12) and on a Linux laptop (lx01)
    scatter(6, hm(8, 0), hm(17, 30), "ws12.corp.example", "10.20.30.112", "CORP\\rsilva", TBIRDW, "198.51.100.26", "993", 800, 2000, 4000, 70000)
    scatter(3, hm(8, 0), hm(17, 30), "ws12.corp.example", "10.20.30.112", "CORP\\rsilva", TBIRDW, "198.51.100.26", "465", 3000, 40000, 3000, 5000)
    scatter(10, hm(7, 50), hm(18, 10), "lx01.corp.example", "10.20.30.201", "kpatel", "/usr/lib/thunderbird/thunderbird", "198.51.100.26", "993", 800, 2000, 4000, 70000)
    scatter(4, hm(7, 50), hm(18, 10), "lx01.corp.example", "10.20.30.201", "kpatel", "/usr/lib/thunderbird/thunderbird", "198.51.100.26", "587", 3000, 40000, 3000, 5000)
    scatter(12, hm(7, 50), hm(18, 10), "lx01.corp.example", "10.20.30.201", "kpatel", "/usr/lib/firefox/firefox", "192.0.2." ri(10, 250), "443", 600, 30000, 2000, 900000)
    conn(hm(6, 25), "lx01.corp.example", "10.20.30.201", "_apt", "/usr/lib/apt/methods/http", "192.0.2.80", "80", 900, 2400000)

    # ---- below the threshold: at most two connections per group ----
    conn(hm(11, 42), "ws11.corp.example", "10.20.30.111", "CORP\\kpatel", "C:\\Users\\kpatel\\AppData\\Local\\Programs\\Python\\Python311\\python.exe", "198.51.100.40", "587", 5200, 3100)
    conn(hm(11, 44), "ws11.corp.example", "10.20.30.111", "CORP\\kpatel", "C:\\Users\\kpatel\\AppData\\Local\\Programs\\Python\\Python311\\python.exe", "198.51.100.40", "587", 5350, 3100)
    conn(hm(13, 7), "lx01.corp.example", "10.20.30.201", "kpatel", "/usr/bin/curl", "198.51.100.26", "143", 310, 1900)

    # ---- legitimate senders the allowlist tuning removes ----
    beacon(hm(7, 0), hm(18, 30), 1380, 60, "mx01.corp.example", "10.20.10.25", "postfix", "/usr/lib/postfix/sbin/smtp", "198.51.100.30", "25", 4000, 180000, 700, 1200)
    scatter(17, hm(7, 30), hm(18, 0), "app01.corp.example", "10.20.10.31", "CORP\\svc-servicedesk", "D:\\apps\\servicedesk\\jre\\bin\\java.exe", "10.20.10.25", "25", 2500, 40000, 600, 900)
    scatter(11, hm(7, 30), hm(18, 0), "app02.corp.example", "10.20.10.32", "crm", "/usr/lib/jvm/java-17-openjdk-amd64/bin/java", "10.20.10.25", "587", 2500, 20000, 600, 900)
    for (i = 0; i < 7; i++)
        conn(hm(7, 30) + i * ri(8, 20), "db01.corp.example", "10.20.10.41", "NT SERVICE\\MSSQLSERVER",
             "C:\\Program Files\\Microsoft SQL Server\\MSSQL15.MSSQLSERVER\\MSSQL\\Binn\\DatabaseMail.exe", "10.20.10.25", "25", ri(1800, 3500), ri(600, 900))
    scatter(9, hm(6, 0), hm(20, 0), "mon01.corp.example", "10.20.10.60", "zabbix", "/usr/sbin/zabbix_server", "10.20.10.25", "25", 1500, 3000, 600, 900)
    scatter(14, hm(7, 0), hm(21, 0), "web02.corp.example", "10.20.10.52", "www-data", "/usr/bin/node", "10.20.10.25", "587", 2000, 6000, 600, 900)
    conn(hm(6, 25) + 40, "app02.corp.example", "10.20.10.32", "_apt", "/usr/lib/apt/methods/http", "192.0.2.80", "80", 900, 1800000)
    conn(hm(6, 26), "mon01.corp.example", "10.20.10.60", "_apt", "/usr/lib/apt/methods/http", "192.0.2.80", "80", 900, 2100000)
    conn(hm(6, 27), "web02.corp.example", "10.20.10.52", "_apt", "/usr/lib/apt/methods/http", "192.0.2.80", "80", 900, 2200000)

    # ---- the three planted implants ----
    # SMTP (Agent Tesla style): a fake svchost in a public folder mails its
    # keylog to an attacker mailbox every 15 minutes over submission (587).
    beacon(hm(9, 5), hm(17, 50), 900, 40, "ws17.corp.example", "10.20.30.117", "CORP\\qlarsen",
           "C:\\Users\\Public\\Libraries\\svchost32.exe", "203.0.113.25", "587", 3100, 3600, 4200, 4600)
    # POP3S (Cannon style): a Linux implant polls a mailbox for commands.
    beacon(hm(6, 10), hm(19, 40), 1800, 5, "web02.corp.example", "10.20.10.52", "www-data",
           "/tmp/.cache/kworkerd", "203.0.113.110", "995", 690, 720, 3900, 4100)
    # IMAPS (IMAPLoader style): an implant posing as an Intel service.
    beacon(hm(8, 2), hm(17, 50), 720, 30, "ws23.corp.example", "10.20.30.123", "CORP\\xwang",
           "C:\\ProgramData\\Intel\\igfxsvc.exe", "203.0.113.143", "993", 820, 880, 4300, 4700)

    # ---- firewall only: guest Wi-Fi without an EDR ----
    for (i = 0; i < 14; i++)
        fw(hm(10, 0) + ri(0, 3599) + ri(0, 999) / 1000, "10.20.50." ri(20, 80), ri(49152, 65535),
           "192.0.2." ri(10, 250), "443", "ssl", ri(800, 20000), ri(4000, 800000))

    # ---- Sumo Search Job API page: an Atomic T1048.003-style test run ----
    # (powershell Send-MailMessage -Attachments notepad.exe to the relay)
    PS = "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe"
    n = 0
    for (i = 0; i < 6; i++) sumo(hm(14, 31) + i * ri(25, 40), "ws09.corp.example", "10.20.30.109", "CORP\\iokafor", PS, "10.20.10.25", "25", ri(272000, 276000), ri(600, 800))
    sumo(hm(14, 20), "ws09.corp.example", "10.20.30.109", "CORP\\iokafor", OUTLOOK, "198.51.100.25", "443", 4100, 52000)
    sumo(hm(14, 22), "ws03.corp.example", "10.20.30.103", "CORP\\cdiaz", OUTLOOK, "198.51.100.26", "993", 1200, 8800)
    sumo(hm(14, 25), "ws03.corp.example", "10.20.30.103", "CORP\\cdiaz", OUTLOOK, "198.51.100.26", "993", 1150, 9100)
    sumo(hm(14, 40), "ws03.corp.example", "10.20.30.103", "CORP\\cdiaz", OUTLOOK, "198.51.100.26", "587", 41000, 3900)
    sumo(hm(14, 41), "ws09.corp.example", "10.20.30.109", "CORP\\iokafor", CHROME, "192.0.2.77", "443", 2300, 120000)
}
# A Sumo message: fields extracted from JSON, _raw holding the JSON.
function sumo(t, host, ip, user, proc, dip, dport, bout, bin,    raw, sp) {
    t += ri(0, 999) / 1000
    sp = sport(proc)
    raw = sprintf("{\"EventID\":3,\"Computer\":\"%s\",\"User\":\"%s\",\"Image\":\"%s\",\"ProcessId\":%d,\"SourceIp\":\"%s\",\"SourcePort\":%d,\"DestinationIp\":\"%s\",\"DestinationPort\":%s}", \
        host, jesc(user), jesc(proc), pidof(host, proc), ip, sp, dip, dport)
    printf "%s\t{\"map\":{\"_messagetime\":\"%s\",\"_receipttime\":\"%s\",\"_sourcecategory\":\"prod/network/sysmon\",\"_sourcehost\":\"%s\",\"_collector\":\"corp-win-collector\",\"_raw\":\"%s\",\"host\":\"%s\",\"user\":\"%s\",\"process_name\":\"%s\",\"src_ip\":\"%s\",\"src_port\":\"%d\",\"dest_ip\":\"%s\",\"dest_port\":\"%s\",\"bytes_out\":\"%d\",\"bytes_in\":\"%d\"}}\n", \
        epochms(t), epochms(t), epochms(t + 2), host, jesc(raw), host, jesc(user), jesc(proc), ip, sp, dip, dport, bout, bin > (out "/sumo")
    n++
}
'

sort "$tmp/edr" > "$here/endpoint-network.jsonl"
{
    echo "timestamp,_sourceCategory,src_ip,src_port,dest_ip,dest_port,protocol,app,action,bytes_out,bytes_in,rule"
    sort "$tmp/fw"
} > "$here/firewall-export.csv"
# Search Job API pages list messages newest first.
{
    printf '{"fields":['
    sep=
    for f in _messagetime _receipttime _sourcecategory _sourcehost _collector _raw host user process_name \
             src_ip src_port dest_ip dest_port bytes_out bytes_in; do
        t=string
        case $f in _messagetime|_receipttime|src_port|bytes_out|bytes_in) t=long ;; dest_port) t=string ;; esac
        printf '%s{"name":"%s","fieldType":"%s","keyField":false}' "$sep" "$f" "$t"
        sep=,
    done
    printf '],"messages":[\n'
    sort -r "$tmp/sumo" | cut -f2 | sed '$!s/$/,/'
    printf ']}\n'
} > "$here/sumo-export.json"
