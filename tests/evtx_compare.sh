#!/bin/sh
# tests/evtx_compare.sh — postern's evtx reader against two independent parsers.
#
#   sh tests/evtx_compare.sh [FILE.evtx ...]    (default: every ../shared/real/evtx/*.evtx)
#
# For each file, reads the records with `postern query --format csv '*'`,
# with libevtx's `evtxexport -f xml` and with python-evtx (Debian's
# python3-evtx, module Evtx, run by /usr/bin/python3), and compares the
# record count and, per record (by EventRecordID), the EventID, the
# TimeCreated time (to the millisecond) and every EventData / UserData value
# by name (names that are also schema fields, whose values postern
# normalises, are left out). Where an oracle fails on records of a
# damaged file (an exception, an early exit), the script says so for that
# file and compares the records it did read. Prints one line per file and
# a last line "evtx_compare: N files agree, M differ"; exits 1 when a file
# differs in a way no oracle failure explains, 2 when a tool is missing.
# Environment: POSTERN (default ./postern), run from the repository root
# or anywhere with POSTERN set.
set -u
POSTERN=${POSTERN:-./postern}
PY=/usr/bin/python3
command -v evtxexport > /dev/null 2>&1 || { echo "evtx_compare: evtxexport is missing (apt-get install libevtx-utils)" >&2; exit 2; }
"$PY" -c 'import Evtx.Evtx' 2> /dev/null || { echo "evtx_compare: python-evtx is missing (apt-get install python3-evtx)" >&2; exit 2; }
[ -x "$POSTERN" ] || { echo "evtx_compare: $POSTERN is missing (make postern)" >&2; exit 2; }
if [ $# -eq 0 ]; then
    dir=$(dirname "$0")/../../shared/real/evtx
    set -- "$dir"/*.evtx
    [ -f "$1" ] || { echo "evtx_compare: no .evtx files in $dir" >&2; exit 2; }
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/evtx-compare.XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM # (an interrupted run stops, and fails)

agree=0 differ=0
for f in "$@"; do
    # evtxexport wants a path without ".." in it
    f=$(cd "$(dirname "$f")" && pwd)/$(basename "$f")
    "$POSTERN" query --format csv --quiet '*' "$f" > "$tmp/postern.csv" 2> "$tmp/postern.err"
    echo $? > "$tmp/postern.rc"
    evtxexport -f xml "$f" > "$tmp/ee.xml" 2> "$tmp/ee.err"
    echo $? > "$tmp/ee.rc"
    if "$PY" - "$f" "$tmp" << 'EOF'; then agree=$((agree + 1)); else differ=$((differ + 1)); fi
import csv, re, sys, os
import xml.etree.ElementTree as ET
import Evtx.Evtx as evtx

path, tmp = sys.argv[1], sys.argv[2]
name = os.path.basename(path)
csv.field_size_limit(1 << 30)

# Names postern fills with normalised schema values (docs/schema.md §1, §2).
SCHEMA = {n.lower() for n in """_messageTime _sourceCategory _sourceHost _raw _sourceName src_ip src_port dest_ip
    dest_port protocol direction process_name pid user host bytes_out bytes_in action event_id srcDevice_ip srcPort
    dstDevice_ip dstPort ipProtocol baseImage user_username device_hostname bytesOut bytesIn
    metadata_deviceEventId""".split()}
BAD_XML = re.compile('[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]')

def local(tag):
    return tag.rsplit('}', 1)[-1]

def text_of(el):
    return ''.join(el.itertext())

def event_values(ev):
    """EventRecordID, EventID, SystemTime and the EventData/UserData values of an <Event> element."""
    rid = eid = t = None
    vals = {}
    for sec in ev:
        s = local(sec.tag)
        if s == 'System':
            for el in sec:
                n = local(el.tag)
                if n == 'EventRecordID': rid = (el.text or '').strip()
                elif n == 'EventID': eid = (el.text or '').strip()
                elif n == 'TimeCreated': t = el.get('SystemTime')
        elif s == 'EventData':
            for el in sec:
                if len(el): continue
                n = el.get('Name') if local(el.tag) == 'Data' and el.get('Name') is not None else local(el.tag)
                vals[n.lower()] = text_of(el)
        elif s == 'UserData':
            for el in sec.iter():
                if el is not sec and len(el) == 0:
                    vals[local(el.tag).lower()] = text_of(el)
    return rid, eid, t, vals

def parse_event(x):
    return event_values(ET.fromstring(BAD_XML.sub('', x)))

def ms(t):
    """A time as written by any of the three, to epoch milliseconds (None when absent)."""
    if not t: return None
    m = re.match(r'(\d{4})-(\d\d)-(\d\d)[T ](\d\d):(\d\d):(\d\d)(?:\.(\d+))?', t.strip())
    if not m: return None
    import calendar
    y, mo, d, h, mi, s = (int(v) for v in m.groups()[:6])
    frac = (m.group(7) or '0') + '000'
    return calendar.timegm((y, mo, d, h, mi, s)) * 1000 + int(frac[:3])

def norm(v):
    # control characters are dropped: XML 1.0 cannot carry them, so the
    # oracles' XML is parsed without them
    v = BAD_XML.sub('', (v or '').replace('\r', '')).strip()
    if re.fullmatch(r'0x[0-9a-fA-F]+', v): return str(int(v, 16))
    return v.lower()

# How python-evtx writes some values otherwise than Windows (and postern,
# and evtxexport) do: binary data in base64 instead of hexadecimal, and a
# string array as <string> items in one element where Windows repeats the
# element once per item (postern keeps the last, as for any repeated name).
PY_ARRAY = re.compile(r'<string>(.*?)</string>', re.S)
def same(mine, theirs, who):
    if norm(mine) == norm(theirs): return True
    if who == 'evtxexport' and '\ufffd' in (theirs or '') and \
            norm(re.sub('\ufffd.', '\ufffd', mine or '', flags=re.S)) == norm(theirs):
        explained.add('a value holds an unpaired UTF-16 surrogate: evtxexport drops the character after it, '
                      'postern keeps it (U+FFFD for the surrogate alone)')
        return True
    if who != 'python-evtx': return False
    items = PY_ARRAY.findall(theirs or '')
    if items and norm(mine) == norm(items[-1]):
        explained.add('python-evtx writes string arrays as <string> items in one element (Windows repeats the element)')
        return True
    try:
        import base64, binascii
        if re.fullmatch(r'[0-9A-Fa-f]*', mine or '') and base64.b64decode(theirs, validate=True).hex().lower() == (mine or '').lower():
            explained.add('python-evtx writes binary values in base64 (Windows: hexadecimal)')
            return True
    except (binascii.Error, ValueError):
        pass
    return False

explained = set()

notes, diffs = [], []

# postern
rows = {}
prc = int(open(tmp + '/postern.rc').read())
with open(tmp + '/postern.csv', newline='') as fh:
    rd = csv.reader(fh)
    head = next(rd, None) or []
    keys = [h.lower() for h in head]
    n_postern = 0
    for row in rd:
        n_postern += 1
        r = dict(zip(keys, row))
        rows.setdefault(r.get('eventrecordid', ''), []).append(r)
if prc != 0:
    diffs.append('postern exited %d: %s' % (prc, open(tmp + '/postern.err').read().strip()[:200]))

# evtxexport
ee = []
ee_rc = int(open(tmp + '/ee.rc').read())
raw = open(tmp + '/ee.xml', encoding='utf-8', errors='replace').read()
for blk in re.findall(r'<Event[ >].*?</Event>', raw, re.S):
    try:
        ee.append(parse_event(blk))
    except ET.ParseError as e:
        notes.append('evtxexport wrote XML that does not parse (%s)' % e)
if ee_rc != 0:
    err = [l for l in open(tmp + '/ee.err').read().splitlines() if l.strip()]
    notes.append('evtxexport stops after %d records (exit %d: %s)' % (len(ee), ee_rc, err[1] if len(err) > 1 else ''))

# python-evtx
py, py_fail = [], []
try:
    with evtx.Evtx(path) as log:
        for rec in log.records():
            try:
                py.append(parse_event(rec.xml()))
            except Exception as e:
                py_fail.append((rec.record_num(), type(e).__name__))
except Exception as e:
    notes.append('python-evtx cannot open the file (%s)' % type(e).__name__)
if py_fail:
    notes.append('python-evtx fails on %d record%s (%s)' % (len(py_fail), 's' if len(py_fail) > 1 else '',
                 ', '.join('%s: %s' % f for f in py_fail[:3]) + (', ...' if len(py_fail) > 3 else '')))

# counts: an oracle that failed on records is not held to the count
if ee_rc == 0 and len(ee) != n_postern:
    diffs.append('record count: postern %d, evtxexport %d' % (n_postern, len(ee)))
if not py_fail and len(py) != n_postern:
    diffs.append('record count: postern %d, python-evtx %d' % (n_postern, len(py)))

nvals = nskip = 0
def compare(who, recs):
    global nvals, nskip
    seen = {}
    for rid, eid, t, vals in recs:
        k = seen.get(rid, 0)
        seen[rid] = k + 1
        cand = rows.get(rid or '', [])
        if k >= len(cand):
            diffs.append('%s has record %s, postern does not' % (who, rid))
            continue
        r = cand[k]
        if norm(r.get('eventid')) != norm(eid):
            diffs.append('record %s: EventID postern %r, %s %r' % (rid, r.get('eventid'), who, eid))
        a, b = ms(r.get('timecreated.systemtime')), ms(t)
        if a is None or b is None or abs(a - b) > 1:
            diffs.append('record %s: TimeCreated postern %r, %s %r' % (rid, r.get('timecreated.systemtime'), who, t))
        for n, v in vals.items():
            if n in SCHEMA:
                nskip += 1
                continue
            nvals += 1
            if not same(r.get(n), v, who):
                diffs.append('record %s: %s postern %r, %s %r' % (rid, n, (r.get(n) or '')[:80], who, v[:80]))

compare('evtxexport', ee)
compare('python-evtx', py)
notes += sorted(explained)
status = 'agree' if not diffs else 'DIFFER'
line = '%s: postern %d records, evtxexport %d, python-evtx %d; %d values compared (%d schema-named left out): %s' % (
    name, n_postern, len(ee), len(py), nvals, nskip, status)
if notes: line += ' — explained: ' + '; '.join(notes)
print(line)
for d in diffs[:10]: print('    ' + d)
if len(diffs) > 10: print('    ... %d more' % (len(diffs) - 10))
sys.exit(1 if diffs else 0)
EOF
done
echo "evtx_compare: $agree files agree, $differ differ"
[ "$differ" -eq 0 ]
