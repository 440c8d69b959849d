#!/usr/bin/python3
"""evtx_make.py — writes small Windows event log (.evtx) files for postern's tests.

    python3 tests/tools/evtx_make.py KIND OUT.evtx
    python3 tests/tools/evtx_make.py --seeds DIR      (the fuzz target's seed corpus)

Each KIND is one shape of the format that the real files in
../shared/real/evtx do not all show: every value type in one template
(types), an element whose content is an array (array), a classic event
whose EventData is a nested binary-XML value (binxml), NULL optional
substitutions in attributes (optional), two records sharing one template
(shared), nesting deeper than postern follows (deep), a substitution index
past the record's values (badsub), a template offset outside the chunk
(badtemplate). Files are written from the format's public description:
4 KiB file header, one 64 KiB chunk (512-byte header), records of binary
XML with inline names and an inline template definition; CRC-32s are
right unless a kind says otherwise.
"""
import struct
import sys
import zlib

SYSMON = 'Microsoft-Windows-Sysmon'
EVENT_NS = 'http://schemas.microsoft.com/win/2004/08/events/event'


class Chunk:
    """One chunk being written; offsets in the binary XML are chunk offsets."""

    def __init__(self):
        self.b = bytearray(512)
        self.open = []                # per open element: its data size and attribute list size fields

    def patch(self, at, v):
        self.b[at:at + 4] = struct.pack('<I', v)

    def pos(self):
        return len(self.b)

    def put(self, data):
        self.b += data

    def u8(self, v): self.put(struct.pack('<B', v))
    def u16(self, v): self.put(struct.pack('<H', v))
    def u32(self, v): self.put(struct.pack('<I', v))

    def name_here(self, s):
        """A name stored in place: [4 next][2 hash][2 count][UTF-16][NUL]."""
        self.u32(0)
        self.u16(0)
        self.u16(len(s))
        self.put(s.encode('utf-16-le') + b'\0\0')

    def name_ref(self, s):
        """The offset of a name, then the name right after it."""
        self.u32(self.pos() + 4)
        self.name_here(s)

    def start(self, name, attrs=False, value=False):
        self.u8(0x41 if attrs else 0x01)
        if not value:
            self.u16(0xffff)          # dependency identifier
        size_at = self.pos()
        self.u32(0)                   # data size, set at the element's end
        self.name_ref(name)
        alist = None
        if attrs:
            alist = self.pos()
            self.u32(0)               # attribute list size, set at '>' or "/>"
        self.open.append((size_at, alist))

    def attrs_end(self):
        size_at, alist = self.open[-1]
        if alist is not None:
            self.patch(alist, self.pos() - alist - 4)
            self.open[-1] = (size_at, None)

    def elem_end(self):
        size_at, _ = self.open.pop()
        self.patch(size_at, self.pos() - size_at - 4)

    def attr(self, name):
        self.u8(0x06)
        self.name_ref(name)

    def text(self, s):
        self.u8(0x05)
        self.u8(0x01)
        self.u16(len(s))
        self.put(s.encode('utf-16-le'))

    def sub(self, i, t, optional=False):
        self.u8(0x0e if optional else 0x0d)
        self.u16(i)
        self.u8(t)

    def close(self):
        self.attrs_end()
        self.u8(0x02)

    def empty(self):
        self.attrs_end()
        self.u8(0x03)
        self.elem_end()

    def end(self):
        self.u8(0x04)
        self.elem_end()
    def frag(self): self.put(b'\x0f\x01\x01\x00')


def leaf(c, name, sub=None, text=None, t=0x01, attrs=(), optional=False):
    """<name a="…">content</name>; attrs: (name, sub index, type, optional) or (name, text)."""
    c.start(name, attrs=bool(attrs))
    for a in attrs:
        c.attr(a[0])
        if isinstance(a[1], str):
            c.text(a[1])
        else:
            c.sub(a[1], a[2], a[3] if len(a) > 3 else False)
    if sub is None and text is None:
        c.empty()
        return
    c.close()
    if text is not None:
        c.text(text)
    else:
        c.sub(sub, t, optional)
    c.end()


def system(c, first):
    """The System element; its values are substitutions 0..first-1."""
    c.start('System')
    c.close()
    leaf(c, 'Provider', attrs=(('Name', 0, 0x01), ('Guid', 1, 0x0f, True)))
    leaf(c, 'EventID', 2, t=0x06, attrs=(('Qualifiers', 3, 0x06, True),))
    leaf(c, 'Level', 4, t=0x04)
    leaf(c, 'Keywords', 5, t=0x15)
    leaf(c, 'TimeCreated', attrs=(('SystemTime', 6, 0x11),))
    leaf(c, 'EventRecordID', 7, t=0x0a)
    leaf(c, 'Correlation', attrs=(('ActivityID', 8, 0x0f, True),))
    leaf(c, 'Execution', attrs=(('ProcessID', 9, 0x08), ('ThreadID', 10, 0x08)))
    leaf(c, 'Channel', 11)
    leaf(c, 'Computer', 12)
    leaf(c, 'Security', attrs=(('UserID', 13, 0x13, True),))
    c.end()
    assert first == 14


def guid(s):
    h = bytes.fromhex(s.replace('-', ''))
    return struct.pack('<IHH', *struct.unpack('>IHH', h[:8])) + h[8:]


def filetime(unix):
    return struct.pack('<Q', int((unix + 11644473600) * 10000000))


def sid(s):
    p = [int(x) for x in s.split('-')[1:]]
    return bytes([p[0], len(p) - 2]) + p[1].to_bytes(6, 'big') + b''.join(struct.pack('<I', x) for x in p[2:])


def u16s(s):
    return s.encode('utf-16-le')


def system_values(eid, rid, provider=SYSMON, channel='Microsoft-Windows-Sysmon/Operational', t=1717495200.5):
    return [(0x01, u16s(provider)), (0x0f, guid('5770385F-C22A-43E0-BF4C-06F5698FFBD9')), (0x06, struct.pack('<H', eid)),
            (0x00, b''), (0x04, b'\x04'), (0x15, struct.pack('<Q', 0x8000000000000000)), (0x11, filetime(t)),
            (0x0a, struct.pack('<Q', rid)), (0x00, b''), (0x08, struct.pack('<I', 1572)), (0x08, struct.pack('<I', 2320)),
            (0x01, u16s(channel)), (0x01, u16s('ws1.example.com')), (0x13, sid('S-1-5-18'))]


def template(c, body, tid=1):
    """A template instance whose definition is stored right here; body(c) writes the root element."""
    c.u8(0x0c)
    c.u8(1)
    c.u32(tid)
    at = c.pos()
    c.u32(at + 4)                     # the definition follows
    c.u32(0)                          # next definition
    c.put(bytes(range(16)))           # template GUID
    size_at = c.pos()
    c.u32(0)
    s = c.pos()
    c.frag()
    body(c)
    c.u8(0x00)
    c.b[size_at:size_at + 4] = struct.pack('<I', c.pos() - s)
    return at + 4


def instance_ref(c, defoff, tid=1):
    """A template instance using the definition at defoff."""
    c.u8(0x0c)
    c.u8(1)
    c.u32(tid)
    c.u32(defoff)


def values(c, vals):
    """Template instance data: the count, descriptors, then the values (a
    value may be a function writing itself at its place, for binary XML)."""
    c.u32(len(vals))
    desc = c.pos()
    for t, _ in vals:
        c.u16(0)
        c.u8(t)
        c.u8(0)
    for i, (t, v) in enumerate(vals):
        s = c.pos()
        if callable(v):
            v(c)
        else:
            c.put(v)
        c.b[desc + 4 * i:desc + 4 * i + 2] = struct.pack('<H', c.pos() - s)


def record(c, rid, write):
    """An event record: header, binary XML written by write(c), size again."""
    s = c.pos()
    c.put(b'\x2a\x2a\x00\x00')
    c.u32(0)
    c.put(struct.pack('<QQ', rid, int((1717495200 + 11644473600) * 10000000)))
    c.frag()
    write(c)
    c.u8(0x00)
    while (c.pos() - s + 4) % 8:
        c.u8(0)
    size = c.pos() - s + 4
    c.u32(size)
    c.b[s + 4:s + 8] = struct.pack('<I', size)
    return s


def finish(c, first_id, last_id, last_rec, badcrc=False):
    """The chunk header (with its CRC-32s) and the chunk padded to 64 KiB."""
    free = c.pos()
    h = bytearray(b'ElfChnk\0' + struct.pack('<QQQQIII', first_id, last_id, first_id, last_id, 128, last_rec, free))
    c.b[0:len(h)] = h
    data_crc = zlib.crc32(bytes(c.b[512:free])) ^ (1 if badcrc else 0)
    c.b[52:56] = struct.pack('<I', data_crc)
    c.b[124:128] = struct.pack('<I', zlib.crc32(bytes(c.b[0:120]) + bytes(c.b[128:512])))
    return bytes(c.b) + bytes(65536 - len(c.b))


def file_header(nchunks, next_id, flags=0):
    h = bytearray(b'ElfFile\0' + struct.pack('<QQQIHHHH', 0, nchunks - 1, next_id, 128, 1, 3, 4096, nchunks))
    h += bytes(120 - len(h))
    h += struct.pack('<I', flags)
    h += struct.pack('<I', zlib.crc32(bytes(h[:120])))
    return bytes(h) + bytes(4096 - len(h))


def sysmon3_body(c):
    c.start('Event', attrs=True)
    c.attr('xmlns')
    c.text(EVENT_NS)
    c.close()
    system(c, 14)
    c.start('EventData')
    c.close()
    names = [('UtcTime', 0x01), ('ProcessGuid', 0x0f), ('ProcessId', 0x08), ('Image', 0x01), ('User', 0x01),
             ('Protocol', 0x01), ('Initiated', 0x0d), ('SourceIp', 0x01), ('SourcePort', 0x06),
             ('DestinationIp', 0x01), ('DestinationPort', 0x06), ('Hashes', 0x0e), ('Ratio', 0x0c),
             ('Small', 0x03), ('When', 0x12), ('Size', 0x10), ('Mask', 0x14), ('Ansi', 0x02)]
    for i, (n, t) in enumerate(names):
        leaf(c, 'Data', 14 + i, t=t, attrs=(('Name', n),))
    c.end()
    c.end()


def sysmon3_values(rid, port=587):
    st = struct.pack('<8H', 2024, 6, 2, 4, 10, 0, 1, 250)
    return system_values(3, rid) + [
        (0x01, u16s('2024-06-04 10:00:00.123')), (0x0f, guid('ECAD0485-7FE2-5D0C-0000-001077D11200')),
        (0x08, struct.pack('<I', 4242)), (0x01, u16s('C:\\Tools\\mailer & <co>.exe')), (0x01, u16s('CORP\\jdoe')),
        (0x01, u16s('tcp')), (0x0d, struct.pack('<I', 1)), (0x01, u16s('10.0.0.5')), (0x06, struct.pack('<H', 50123)),
        (0x01, u16s('203.0.113.9')), (0x06, struct.pack('<H', port)), (0x0e, b'\xde\xad\xbe\xef'),
        (0x0c, struct.pack('<d', 0.5)), (0x03, struct.pack('<b', -5)), (0x12, st), (0x10, struct.pack('<Q', 0x1f)),
        (0x14, struct.pack('<I', 0x1fffff)), (0x02, b'caf\xe9\0')]


def kind_types():
    c = Chunk()
    r = record(c, 1, lambda c: (template(c, sysmon3_body), values(c, sysmon3_values(1))))
    return [finish(c, 1, 1, r)]


def kind_shared(badcrc=False):
    c = Chunk()
    box = {}

    def first(c):
        box['def'] = template(c, sysmon3_body)
        values(c, sysmon3_values(1))
    record(c, 1, first)
    r = record(c, 2, lambda c: (instance_ref(c, box['def']), values(c, sysmon3_values(2, port=25))))
    return [finish(c, 1, 2, r, badcrc)]


def event_data_start(c):
    """<Event><System>…</System><EventData>, left open."""
    c.start('Event')
    c.close()
    system(c, 14)
    c.start('EventData')
    c.close()


def kind_array():
    def body(c):
        event_data_start(c)
        leaf(c, 'Data', 14, t=0x81, attrs=(('Name', 'Strings'),))
        leaf(c, 'Data', 15, t=0x84, attrs=(('Name', 'Bytes'),))
        leaf(c, 'Data', 16, t=0x88, attrs=(('Name', 'Empty'),))
        c.start('Data', attrs=True)
        c.attr('Name')
        c.text('Mixed')
        c.close()
        c.text('n=')
        c.sub(17, 0x86)
        c.end()
        c.end()
        c.end()
    vals = system_values(6, 1, provider='Demo-Arrays', channel='Demo') + [
        (0x81, u16s('alpha\0beta\0gamma\0')), (0x84, b'\x01\x02\x03'), (0x88, b''), (0x86, struct.pack('<3H', 7, 8, 9))]
    c = Chunk()
    r = record(c, 1, lambda c: (template(c, body), values(c, vals)))
    return [finish(c, 1, 1, r)]


def binxml_value(c):
    """<EventData><Data>SessionEnv</Data><Binary>D9060000</Binary></EventData>, elements without dependency ids."""
    c.start('EventData', value=True)
    c.close()
    c.start('Data', value=True)
    c.close()
    c.text('SessionEnv')
    c.end()
    c.start('Binary', value=True)
    c.close()
    c.text('D9060000')
    c.end()
    c.end()
    c.u8(0x00)


def kind_binxml():
    def body(c):
        c.start('Event')
        c.close()
        system(c, 14)
        c.sub(14, 0x21)
        c.end()
    vals = system_values(7036, 1, provider='Service Control Manager', channel='System') + [(0x21, binxml_value)]
    c = Chunk()
    r = record(c, 1, lambda c: (template(c, body), values(c, vals)))
    return [finish(c, 1, 1, r)]


def kind_optional():
    c = Chunk()
    vals = sysmon3_values(1)
    vals[1] = (0x00, b'')   # Provider Guid: NULL, optional
    vals[13] = (0x00, b'')  # Security UserID: NULL, optional
    r = record(c, 1, lambda c: (template(c, sysmon3_body), values(c, vals)))
    return [finish(c, 1, 1, r)]


def kind_deep():
    def body(c):
        c.start('Event')
        c.close()
        for _ in range(120):
            c.start('X')
            c.close()
        for _ in range(120):
            c.end()
        c.end()
    c = Chunk()
    record(c, 1, lambda c: (template(c, body), values(c, [])))
    r = record(c, 2, lambda c: (template(c, sysmon3_body, tid=2), values(c, sysmon3_values(2))))
    return [finish(c, 1, 2, r)]


def kind_badsub():
    def body(c):
        event_data_start(c)
        leaf(c, 'Data', 40, attrs=(('Name', 'Missing'),))
        c.end()
        c.end()
    c = Chunk()
    r = record(c, 1, lambda c: (template(c, body), values(c, system_values(1, 1))))
    return [finish(c, 1, 1, r)]


def kind_badtemplate():
    c = Chunk()
    record(c, 1, lambda c: (instance_ref(c, 70000), values(c, sysmon3_values(1))))
    r = record(c, 2, lambda c: (template(c, sysmon3_body), values(c, sysmon3_values(2))))
    return [finish(c, 1, 2, r)]


KINDS = {'types': kind_types, 'shared': kind_shared, 'array': kind_array, 'binxml': kind_binxml,
         'optional': kind_optional, 'deep': kind_deep, 'badsub': kind_badsub, 'badtemplate': kind_badtemplate,
         'badcrc': lambda: kind_shared(badcrc=True)}


def evtx_file(chunks, flags=0, nchunks=None):
    return file_header(nchunks if nchunks is not None else len(chunks), 3, flags) + b''.join(chunks)


def main():
    if len(sys.argv) == 3 and sys.argv[1] == '--seeds':
        # The fuzz target's layout: a control byte, the file header's first
        # 128 bytes, then the chunk cut after its last record.
        import os
        for k, fn in sorted(KINDS.items()):
            ck = fn()[0]
            free = struct.unpack('<I', ck[48:52])[0]
            with open(os.path.join(sys.argv[2], k), 'wb') as f:
                f.write(b'\x00' + file_header(1, 3)[:128] + ck[:free])
        return
    if len(sys.argv) != 3 or sys.argv[1] not in KINDS:
        sys.exit('usage: evtx_make.py KIND OUT.evtx | --seeds DIR (KIND: %s)' % ', '.join(sorted(KINDS)))
    with open(sys.argv[2], 'wb') as f:
        f.write(evtx_file(KINDS[sys.argv[1]](), flags=1))


main()
