// sigma-gen.mjs — random queries in Sigma's shape over tests/convert/gen.awk's
// fields and values, for tests/convert/sigma.sh.
//
//   node tests/convert/sigma-gen.mjs N SEED
//
// Prints N queries, one a line: a scope (`*` or `_sourceCategory=*x*`
// terms joined by OR/AND/NOT), one to three `where`s of =, !=, in, not in,
// matches (wildcards and regexes), contains, isNull, isEmpty, isBlank
// joined by and/or/not, nested up to depth 3; half of them then a count or
// count_distinct by one or two fields with zero to two thresholds. The
// same N and SEED give the same queries.
const [n, seed] = process.argv.slice(2).map(Number);
let s = seed >>> 0 || 1;
const rnd = () => ((s = (s * 1103515245 + 12345) >>> 0) / 4294967296);
const pick = (a) => a[Math.floor(rnd() * a.length)];
const q = (v) => '"' + v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\t/g, '\\t') + '"';

const vals = {
    user: ['alice', 'Bob', 'BOB', 'bob', 'zoë', "O'Brien", 'back\\slash', '', 'root', 'ROOT'],
    process_name: ['outlook.exe', 'OUTLOOK.EXE', '/usr/bin/curl', 'em.client', 'emXclient.exe', 'näïve.exe', 'chrome', 'Chrome.exe', 'python3', 'tab\there', ''],
    dest_port: ['25', '465', '80', ' 25', '25.0', '1e3', '0x1F', 'inf', '', '2.5', '007'],
    outcome: ['data', 'DATA', 'blocked', 'failed', 'empty', ''],
    bytes_out: ['0', '1', '  42 ', 'x', '', '0.1', '+8'],
    src_ip: ['10.0.0.1', '10.0.0.2', '192.168.1.5', '203.0.113.7'],
    direction: ['inbound', 'outbound', 'Inbound'],
    conn_id: ['', 'c1', 'c12', 'c3'],
};
const fields = Object.keys(vals);
const regexes = ['/(?i)out/', '/\\d+/', '/^[a-c]/', '/exe/', '/\\w+\\.exe/', '/(?i)^c:\\\\/', '/[^x]+z/', '/(?:bo|al)+/',
    '/(?i)(outlook|chrome)/', '/^\\s*\\d/', '/[0-9]{2,3}/', '/o?b/', '/\\.[a-z]+/', '/(?<x>c)1/', '/ë/', '/a|^$/'];
const cats = ['network', 'NET', 'firewall', 'proxy', 'dns', 'e', 'o/', 'Proxy/sq'];

function wild(v) {
    // A wildcard pattern from a value: * at some places.
    let w = v.length > 2 && rnd() < 0.5 ? v.slice(0, 1 + Math.floor(rnd() * (v.length - 1))) + '*' : v;
    if (rnd() < 0.3) w = '*' + w.slice(1);
    return w;
}
function atom() {
    const f = pick(fields), v = pick(vals[f]);
    switch (Math.floor(rnd() * 10)) {
    case 0: return `${f} = ${q(v)}`;
    case 1: return `${f} != ${q(v)}`;
    case 2: return `${f} in (${q(v)}, ${q(pick(vals[f]))})`;
    case 3: return `${f} not in (${q(v)}, ${q(pick(vals[f]))})`;
    case 4: return `${f} matches ${q(wild(v))}`;
    case 5: return `${f} matches ${pick(regexes)}`;
    case 6: return rnd() < 0.5 ? `contains(${f}, ${q(v.slice(0, 2))})` : `${f} contains ${q(v.slice(1, 3))}`;
    case 7: return `isNull(${f})`;
    case 8: return `isEmpty(${f})`;
    default: return `isBlank(${f})`;
    }
}
function expr(d) {
    const r = rnd();
    if (d >= 3 || r < 0.4) return atom();
    if (r < 0.55) return `!(${expr(d + 1)})`;
    return `(${expr(d + 1)} ${rnd() < 0.5 ? 'and' : 'or'} ${expr(d + 1)})`;
}
function scope() {
    if (rnd() < 0.3) return '*';
    const t = () => `_sourceCategory=*${pick(cats)}*`;
    const r = rnd();
    if (r < 0.4) return t();
    if (r < 0.7) return `${t()} OR ${t()}`;
    if (r < 0.85) return `${t()} AND NOT ${t()}`;
    return `(${t()} OR ${t()}) AND !${t()}`;
}
for (let i = 0; i < n; i++) {
    let line = scope();
    const nw = 1 + Math.floor(rnd() * 3);
    for (let k = 0; k < nw; k++) line += ` | where ${expr(0)}`;
    if (rnd() < 0.5) {
        const by = [pick(fields)];
        if (rnd() < 0.4) { const b = pick(fields); if (b !== by[0]) by.push(b); }
        const distinct = rnd() < 0.35;
        const name = distinct ? '_count_distinct' : '_count';
        line += distinct ? ` | count_distinct(${pick(fields)}) by ${by.join(', ')}` : ` | count by ${by.join(', ')}`;
        const ops = ['>', '>=', '<', '<=', '=', '!='];
        const nt = Math.floor(rnd() * 3);
        const used = new Set();
        for (let k = 0; k < nt; k++) {
            const op = pick(ops);
            if (used.has(op)) continue;
            used.add(op);
            line += ` | where ${name} ${op} ${Math.floor(rnd() * 5)}`;
        }
    }
    console.log(line);
}
