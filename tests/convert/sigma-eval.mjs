// sigma-eval.mjs — run a Sigma rule stream (`postern convert --to sigma`)
// over NDJSON records, as a Sigma backend would, for tests/convert/sigma.sh.
//
//   node tests/convert/sigma-eval.mjs RULES.yml DATA.ndjson
//   node tests/convert/sigma-eval.mjs RULES.yml DATA.ndjson POSTERN.ndjson
//   node tests/convert/sigma-eval.mjs --list FILE   (many at once: see the end)
//
// Implements the specification's matching for what postern writes: maps
// (AND) and lists (OR) of field|modifiers: value; strings with Sigma's
// wildcards `*` and `?` and escapes `\*`, `\?`, `\\`, case-insensitive
// unless |cased; |contains, |re (searched anywhere; JavaScript's RegExp,
// whose `$` is the end only: postern writes no `$` whose PCRE reading
// differs), |exists, null; the condition's and/or/not/brackets. A
// correlation (event_count, value_count) counts over the whole input (one
// window, as `postern query` does) per group-by values (a missing field
// is null). Prints, one a line, sorted: the records' "rid" values that the
// detection matches, or the group-by values (a JSON array) of the groups
// the correlation fires for. With POSTERN.ndjson (`postern query --format
// ndjson` of the query over DATA), prints the same of postern's rows instead.
import { createRequire } from 'node:module';
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';

const req = createRequire(resolve(process.env.CONVERT_NPM || 'tests/convert/.npm', 'node_modules', 'x.js'));
const YAML = req('yaml');

const reEsc = (c) => c.replace(/[\\^$.*+?()[\]{}|\/]/g, '\\$&');
// A Sigma string value as an anchored RegExp.
function wildcard(v, cased) {
    let out = '';
    for (let i = 0; i < v.length; i++) {
        const c = v[i];
        if (c === '\\' && (v[i + 1] === '*' || v[i + 1] === '?' || v[i + 1] === '\\')) out += reEsc(v[++i]);
        else if (c === '*') out += '[\\s\\S]*';
        else if (c === '?') out += '[\\s\\S]';
        else out += reEsc(c);
    }
    return new RegExp('^' + out + '$', cased ? '' : 'i');
}
function test1(rec, key, val) {
    const [field, ...mods] = key.split('|');
    const x = rec[field];
    const has = x !== undefined && x !== null;
    if (mods.includes('exists')) return has === val;
    if (val === null) return !has;
    if (!has) return false;
    const s = String(x);
    if (mods.includes('re')) return new RegExp(val).test(s);
    let v = String(val);
    if (mods.includes('contains')) v = '*' + v + '*';
    return wildcard(v, mods.includes('cased')).test(s);
}
function search(rec, sel) {
    if (Array.isArray(sel)) return sel.some((m) => search(rec, m));
    return Object.entries(sel).every(([k, v]) => (Array.isArray(v) ? v.some((x) => test1(rec, k, x)) : test1(rec, k, v)));
}
// The condition: or < and < not < brackets.
function cond(text, rec, det) {
    const t = text.match(/\(|\)|[^\s()]+/g);
    let i = 0;
    const or = () => { let v = and(); while (t[i] === 'or') { i++; const w = and(); v = v || w; } return v; };
    const and = () => { let v = not(); while (t[i] === 'and') { i++; const w = not(); v = v && w; } return v; };
    const not = () => {
        if (t[i] === 'not') { i++; return !not(); }
        if (t[i] === '(') { i++; const v = or(); if (t[i++] !== ')') throw new Error('no )'); return v; }
        const id = t[i++];
        if (!(id in det)) throw new Error('unknown identifier ' + id);
        return search(rec, det[id]);
    };
    const v = or();
    if (i !== t.length) throw new Error('trailing ' + t[i]);
    return v;
}
function fires(rulesFile, dataFile, posternFile) {
    const docs = YAML.parseAllDocuments(readFileSync(rulesFile, 'utf8')).map((d) => d.toJS());
    const recs = readFileSync(dataFile, 'utf8').split('\n').filter((l) => l).map((l) => JSON.parse(l));
    const rule = docs.find((d) => d.detection);
    const cor = docs.find((d) => d.correlation);
    if (posternFile) {
        const rows = readFileSync(posternFile, 'utf8').split('\n').filter((l) => l).map((l) => JSON.parse(l));
        const by = cor ? cor.correlation['group-by'] : null;
        const out = rows.map((r) => (by ? JSON.stringify(by.map((f) => (r[f] === undefined ? null : r[f]))) : r.rid));
        return out.sort();
    }
    const hits = recs.filter((r) => cond(rule.detection.condition, r, rule.detection));
    let lines;
    if (!cor) lines = hits.map((r) => r.rid);
    else {
        const c = cor.correlation;
        const groups = new Map();
        for (const r of hits) {
            const key = JSON.stringify(c['group-by'].map((f) => (r[f] === undefined ? null : r[f])));
            if (!groups.has(key)) groups.set(key, { n: 0, vals: new Set() });
            const g = groups.get(key);
            g.n++;
            if (c.type === 'value_count' && r[c.condition.field] != null) g.vals.add(r[c.condition.field]);
        }
        const ops = { gt: (a, b) => a > b, gte: (a, b) => a >= b, lt: (a, b) => a < b, lte: (a, b) => a <= b, eq: (a, b) => a === b, neq: (a, b) => a !== b };
        lines = [];
        for (const [key, g] of groups) {
            const n = c.type === 'value_count' ? g.vals.size : g.n;
            if (Object.entries(c.condition).every(([op, v]) => op === 'field' || ops[op](n, v))) lines.push(key);
        }
    }
    return lines.sort();
}

const args = process.argv.slice(2);
const put = (lines) => lines.map((l) => l + '\n').join('');
if (args[0] === '--list') {
    // Each line: RULES, DATA, POSTERN.ndjson and OUT (tab-separated): writes
    // OUT.sigma and OUT.postern (or OUT.error).
    for (const line of readFileSync(args[1], 'utf8').split('\n').filter((l) => l)) {
        const [r, d, p, out] = line.split('\t');
        try {
            writeFileSync(out + '.sigma', put(fires(r, d)));
            writeFileSync(out + '.postern', put(fires(r, d, p)));
        } catch (e) {
            writeFileSync(out + '.error', String(e) + '\n');
        }
    }
} else process.stdout.write(put(fires(args[0], args[1], args[2])));
