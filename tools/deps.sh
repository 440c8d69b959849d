#!/bin/sh
# Install the Debian packages postern needs to build and test, when missing.
# Needs root (or sudo) only when something is missing.
set -eu
pkgs="make gcc clang libclang-rt-14-dev pkg-config libpcre2-dev zlib1g-dev libzstd-dev libyaml-dev"
# hash(): MD5 and the SHA digests come from OpenSSL's libcrypto.
pkgs="$pkgs libssl-dev"
# The tz database: formatDate and parseDate read named zones
# ("America/New_York") from its TZif files under /usr/share/zoneinfo.
pkgs="$pkgs tzdata"
# geo://location, asn://default and geoip read MaxMind databases through
# libmaxminddb; the tests check the databases they write with mmdblookup.
pkgs="$pkgs libmaxminddb-dev mmdb-bin"
# The live sensor (postern sensor, watch, validate): eBPF build tools and
# libraries, and the clients and listener the live tests drive (nc, curl,
# socat; ip and ss from iproute2).
pkgs="$pkgs bpftool libbpf-dev libelf-dev netcat-openbsd socat curl iproute2"
# The evtx reader's cross-check (tests/evtx_compare.sh) reads the same
# .evtx files with two independent parsers: python-evtx and libevtx's
# evtxexport.
pkgs="$pkgs python3-evtx libevtx-utils"
# The evtx reader checks every chunk's CRC-32 with libdeflate's
# (carry-less multiplication where the CPU has it; zlib's is ~10x slower).
pkgs="$pkgs libdeflate-dev"
# Zip archives are read member by member through libzip (input_zip.c);
# the tests build their archives with Info-ZIP's zip and the zstd tool.
pkgs="$pkgs libzip-dev zip zstd"
# `postern test --junit` writes JUnit XML; its test checks the file with xmllint.
pkgs="$pkgs libxml2-utils"
# The output tests check JSON output with jq as its users would.
pkgs="$pkgs jq"
# detect --html's test (tests/html_report.sh) renders the report in headless
# Chromium: a screenshot, its console messages and the DOM as rendered.
pkgs="$pkgs chromium"
# postern convert's proof (tests/convert/prove.sh) runs the SQL it writes on a
# throwaway PostgreSQL cluster, and on DuckDB and chdb from npm, and checks
# the KQL it writes with npm's @kusto/language-service-next (Node.js:
# Debian's only when the machine has no node and npm of its own, which
# Debian's packages would conflict with).
pkgs="$pkgs postgresql"
command -v node > /dev/null 2>&1 || pkgs="$pkgs nodejs"
command -v npm > /dev/null 2>&1 || pkgs="$pkgs npm"
missing=""
for p in $pkgs; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "postern: installing Debian packages:$missing" >&2
sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
$sudo apt-get update -qq
# shellcheck disable=SC2086
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq $missing >&2
