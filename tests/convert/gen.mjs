// gen.mjs — random queries for tests/convert/prove.sh: `postern convert`
// checked on thousands of generated queries over generated data.
//
//   node tests/convert/gen.mjs --seed S --count N --dir DIR [--only K] [--rows R]
//
// From the seed S (a number) it draws a data set of R records (default
// 300; JSON lines with missing fields, empty strings, numbers as text such
// as "1e3", " 7", "-0", "NaN", mixed case and non-ASCII) and N random,
// well-typed queries over the subset docs/convert.md converts (scope
// wildcards, `where` with = != < > <= >= in / not in / matches (wildcard
// and regex) / isNull / isEmpty / isBlank / and / or / not, `if` and ?:,
// arithmetic, aggregates with `by`, `where` after them, `sort`, `limit`,
// `fields`). Query K is a function of (S, K) alone, so `--only K` reruns
// just query K (printing it, its SQL and every engine's rows).
//
// Each query goes through `postern query --format csv` and `postern convert
// --to duckdb|postgres|clickhouse` ($POSTERN); a query the converter
// refuses for DuckDB is drawn again (counted). The converted statements
// run in one `node engine.mjs` process per engine (chdb, DuckDB; PostgreSQL
// through one psql session on $PGHOST, when set), and the rows are compared
// with postern's: in order when the query sorts by keys that make rows
// unique (every group key), as multisets otherwise. Engines to run:
// --engines duckdb,postgres,chdb (the default; prove.sh drops missing ones).
//
// Prints each mismatch (seed, query number, query, the engine, the first
// differing rows, the rerun command) and a summary line
//   generated: N queries (seed S, R redrawn; T s postern, T s engines), DuckDB N/N, PostgreSQL N/N, chdb N/N
// and exits 1 on any mismatch.
//
// Data values keep sums exact in any order (integers and fractions of
// 1/4), so no engine difference of floating-point addition order shows.

import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const here = path.dirname(new URL(import.meta.url).pathname);
const args = Object.fromEntries(
  process.argv.slice(2).reduce((acc, a, i, all) => (a.startsWith('--') ? [...acc, [a.slice(2), all[i + 1]]] : acc), []),
);
const SEED = Number(args.seed ?? 1);
const COUNT = Number(args.count ?? 3000);
const ROWS = Number(args.rows ?? 300);
const ONLY = args.only !== undefined ? Number(args.only) : -1;
const DIR = args.dir;
const ENGINES = (args.engines ?? 'duckdb,postgres,chdb').split(',').filter(Boolean);
const POSTERN = process.env.POSTERN || path.resolve(here, '../../postern');
const JOBS = Number(process.env.CONVERT_GEN_JOBS || 2);

// ---- a seeded generator (mulberry32) -----------------------------------------------
function rng(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const r = {
    f: next,
    int: (n) => Math.floor(next() * n),
    pick: (a) => a[Math.floor(next() * a.length)],
    chance: (p) => next() < p,
  };
  return r;
}

// ---- the data ------------------------------------------------------------------------
const NUMTEXT = ['123456', '-2.75', '0', '1', '2', '7', '25', '25', '110', '465', '1000', ' 7', '7 ', '-0', '-3', '+8', '1e3', '1E2', '2.5', '0.25',
  '.5', '5.', '12.75', 'NaN', 'nan', 'inf', 'Infinity', '0x1F', 'abc', '', '  42 ', '007', '1,5', '٣'];
const POOLS = {
  _sourceCategory: ['prod/network/edr', 'Prod/NETWORK/fw', 'dev/firewall/asa', 'x/Proxy/squid', 'ops/dns', '', 'Ünï/Çat', 'prod/net_work%'],
  user: ['a\nb', 'tab\there', 'alice', 'Alice', 'ALICE', 'Bob', 'BOB', 'bob', 'zoë', 'ZOË', 'Zoe', "O'Brien", '', ' alice', 'Ålice', 'root', '名前', 'a_b', 'a%b', 'back\\slash', '25'],
  process_name: ['outlook.exe', 'OUTLOOK.EXE', 'curl', 'em.client', 'emXclient.exe', 'näïve.exe', 'Chrome.exe', '', 'a b', 'x\\y', 'tab\tx', '7', 'C:\\Prog\\t.exe'],
  outcome: ['data', 'DATA', 'Data', 'blocked', 'failed', '', ' ', 'ok?', 'é'],
  src_ip: ['10.0.0.1', '10.0.0.2', '192.168.1.5', '203.0.113.7'],
  dest_port: NUMTEXT,
  bytes_out: NUMTEXT,
  bytes_in: NUMTEXT,
};
const PRESENT = { _sourceCategory: 0.85, user: 0.8, process_name: 0.8, outcome: 0.7, src_ip: 0.9, dest_port: 0.85, bytes_out: 0.8, bytes_in: 0.6 };

function genData(seed, rows) {
  const r = rng(seed * 7919 + 17);
  const t0 = 1717480000000;
  const lines = [];
  for (let i = 0; i < rows; i++) {
    const o = { _messageTime: r.chance(0.15) ? t0 + 5000 : t0 + r.int(7200) * 1000 };
    for (const [k, pool] of Object.entries(POOLS)) if (r.chance(PRESENT[k])) o[k] = r.pick(pool);
    lines.push(JSON.stringify(o));
  }
  return lines.join('\n') + '\n';
}

// ---- the queries ---------------------------------------------------------------------
const STR_FIELDS = ['user', 'process_name', 'outcome', 'src_ip', '_sourceCategory'];
const NUM_FIELDS = ['dest_port', 'bytes_out', 'bytes_in'];
const STR_LITS = ['a\nb', 'alice', 'Bob', 'bob', 'zoë', 'ZOË', "O'Brien", '', ' ', 'data', 'DATA', 'outlook.exe', 'em.client', '10.0.0.1', '25', ' 7',
  '1e3', 'NaN', '-0', 'a%b', 'a_b', 'back\\slash', 'Ålice', '名前', 'x\\y'];
const NUM_LITS = ['0', '1', '2', '7', '25', '100', '1000', '2.5', '-3', '0.25', '1e3', '-0'];
const WILDS = ['*', '*e*', '*.exe', 'OUT*', 'out*', '*client*', 'a?b', '*\\\\*', '*ë*', 'z*', '*%*', '*_*', 'b*b', '?', '*x*y*', '25', '*5'];
const REGEX_PARTS = ['a', 'b', 'e', 'o', 'O', 'x', '\\.', '[a-z]+', '[A-Z]', '\\d+', '\\d', '\\s', '\\w+', '[0-9]*', '.*', 'exe', 'client',
  'ë', '(a|b)', '(?:ex|ou)', 'l{2}', 'o?', '_', '%'];

// q(k): the query number k of the run, drawn from (seed, k) alone.
export function genQuery(seed, k) {
  const r = rng((seed * 1000003) ^ (k * 2654435761));
  const strLit = () => JSON.stringify(r.pick(STR_LITS));
  const numLit = () => r.pick(NUM_LITS);
  // Fields the query has so far, with their type ('s' text, 'n' number).
  const fields = [...STR_FIELDS.map((f) => [f, 's']), ...NUM_FIELDS.map((f) => [f, 's'])];
  const numeric = new Set(NUM_FIELDS); // text that is mostly numbers
  const anyField = () => r.pick(fields)[0];
  const textField = () => r.pick(fields.filter(([, t]) => t === 's'))[0];
  const numish = () => {
    const n = fields.filter(([f, t]) => t === 'n' || numeric.has(f));
    return n.length ? r.pick(n)[0] : r.pick(NUM_FIELDS);
  };
  const caseVariant = (f) => (f.startsWith('_') || !r.chance(0.05) ? f : f.toUpperCase());

  function regex() {
    let s = '';
    const n = 1 + r.int(3);
    for (let i = 0; i < n; i++) s += r.pick(REGEX_PARTS);
    if (r.chance(0.2)) s = '^' + s;
    if (r.chance(0.2)) s += '$';
    if (r.chance(0.15)) s = `${s}|${r.pick(REGEX_PARTS)}`;
    if (r.chance(0.25)) s = '(?i)' + s;
    return `/${s}/`;
  }
  function numExpr(d) {
    const c = r.int(d > 1 ? 3 : 7);
    if (c === 0) return numish();
    if (c === 1) return numLit();
    if (c === 2) return `num(${numish()})`;
    if (c === 3) return `${numExpr(d + 1)} ${r.pick(['+', '-', '*'])} ${numExpr(d + 1)}`;
    if (c === 4) return `(${numExpr(d + 1)}) ${r.pick(['+', '-', '*'])} ${numExpr(d + 1)}`;
    if (c === 5) return r.chance(0.5) ? `-${numish()}` : `${r.pick(['abs', 'floor', 'ceil', 'toLong', 'length'])}(${r.chance(0.7) ? numish() : textField()})`;
    return `${numExpr(d + 1)} / ${r.pick(['2', '4', '-4', '0.5'])}`;
  }
  function textExpr() {
    const f = textField();
    switch (r.int(6)) {
      case 0: return `toLowerCase(${f})`;
      case 1: return `toUpperCase(${f})`;
      case 2: return `trim(${f})`;
      case 3: return `concat(${f}, ${strLit()}, ${textField()})`;
      case 4: return `replace(${f}, ${JSON.stringify(r.pick(['e', 'o', '.exe', 'B', 'ë', ' ']))}, ${JSON.stringify(r.pick(['', 'X', 'é', '..']))})`;
      default: return `if(${cond(1)}, ${f}, ${strLit()})`;
    }
  }
  function atom(d) {
    const c = r.int(14);
    const f = caseVariant(anyField());
    switch (c) {
      case 0: return `${f} = ${strLit()}`;
      case 1: return `${f} != ${strLit()}`;
      case 2: return `${numish()} ${r.pick(['=', '!='])} ${numLit()}`;
      case 3: return `${numish()} ${r.pick(['<', '>', '<=', '>='])} ${numLit()}`;
      case 4: return `${f} ${r.pick(['<', '>', '<=', '>='])} ${strLit()}`;
      case 5: return `${anyField()} ${r.pick(['=', '!=', '<', '>', '<=', '>='])} ${anyField()}`;
      case 6: {
        const n = 1 + r.int(3);
        const num = r.chance(0.3);
        const items = Array.from({ length: n }, () => (num ? numLit() : strLit()));
        return `${num ? numish() : f} ${r.chance(0.3) ? 'not in' : 'in'} (${items.join(', ')})`;
      }
      case 7: return `${textField()} matches ${JSON.stringify(r.pick(WILDS)).replace(/\\\\\\\\/g, '\\\\')}`;
      case 8: return `${textField()} matches ${regex()}`;
      case 9: return `${r.pick(['isNull', 'isEmpty', 'isBlank'])}(${f})`;
      case 10: return `${numExpr(d + 1)} ${r.pick(['<', '>', '=', '>='])} ${numLit()}`;
      case 11: return `contains(${textField()}, ${strLit()})`;
      case 12: return r.chance(0.5) ? `${strLit()} ${r.pick(['=', '!=', '<', '>='])} ${f}` : `${numLit()} ${r.pick(['=', '<', '>'])} ${numish()}`;
      default: return `${f} = ${strLit()}`;
    }
  }
  function cond(d) {
    const c = d > 2 ? 0 : r.int(7);
    if (c <= 2) return atom(d);
    if (c === 3) return `${cond(d + 1)} ${r.pick(['and', 'or', 'or'])} ${cond(d + 1)}`;
    if (c === 4) return `${cond(d + 1)} or ${cond(d + 1)}`;
    if (c === 5) return `${r.pick(['!', 'not '])}(${cond(d + 1)})`;
    return `(${cond(d + 1)} ${r.pick(['and', 'or'])} ${cond(d + 1)})`;
  }
  function scope() {
    const one = () => {
      const pats = ['*', 'prod/*', '*network*', '*NETWORK*', '*fw', 'ops/dns', '*/*/*', 'ünï/*', '*%', '*_*', 'x/proxy/squid', '"prod/network/edr"'];
      const other = [['user', ['ali*', 'BOB', '*ë*', '"o\'brien"']], ['process_name', ['*.EXE', 'curl', '*client*']], ['dest_port', ['25', '*5', '1e3']]];
      let s = `_sourceCategory=${r.pick(pats)}`;
      if (r.chance(0.3)) { const [f, ps] = r.pick(other); s = `${f}=${r.pick(ps)}`; }
      return r.chance(0.2) ? `NOT ${s}` : s;
    };
    if (r.chance(0.65)) return '*';
    let s = one();
    if (r.chance(0.4)) s = `(${s} ${r.pick(['OR', 'AND'])} ${one()})`;
    return s;
  }

  const stages = [scope()];
  let nc = 0;
  const steps = r.int(4);
  for (let i = 0; i < steps; i++) {
    const c = r.int(8);
    if (c <= 1) stages.push(`where ${cond(0)}`);
    else if (c === 2) {
      const name = `c${nc++}`;
      stages.push(`${numExpr(0)} as ${name}`);
      fields.push([name, 'n']);
    } else if (c === 3) {
      const name = `c${nc++}`;
      const branch = r.chance(0.5)
        ? [strLit(), strLit()]
        : r.chance(0.5) ? [numLit(), numLit()] : [numExpr(1), numLit()];
      const isNum = !branch[0].startsWith('"');
      if (r.chance(0.5)) stages.push(`if(${cond(1)}, ${branch[0]}, ${branch[1]}) as ${name}`);
      else stages.push(`${cond(1)} ? ${branch[0]} : ${branch[1]} as ${name}`);
      fields.push([name, isNum ? 'n' : 's']);
    } else if (c === 4) {
      stages.push(`where ${cond(1)}`);
    } else if (c === 5) {
      const name = `c${nc++}`;
      stages.push(`${numExpr(1)} as ${name}`);
      fields.push([name, 'n']);
    } else {
      const name = r.chance(0.2) ? textField() : `c${nc++}`;
      stages.push(`${textExpr()} as ${name}`);
      if (!fields.some(([f]) => f === name)) fields.push([name, 's']);
      // No number of it: concat("1E2", "25", ...) is 1e225 or past a
      // double's range, which PostgreSQL refuses (docs/convert.md).
      numeric.delete(name);
    }
  }

  if (r.chance(0.08)) {
    stages.push(`timeslice ${r.pick(['1m', '15m', '1h'])}`);
    fields.push(['_timeslice', 'n']);
  }

  // Message rows: fields, maybe sorted (compared as multisets).
  if (r.chance(0.15)) {
    const n = 1 + r.int(3);
    const fs_ = [...new Set(Array.from({ length: n }, anyField))];
    if (r.chance(0.3)) stages.push(`sort by ${fs_[0]}${r.pick(['', ' asc', ' desc'])}`);
    stages.push(`fields ${fs_.join(', ')}`);
    return { q: stages.join(' | '), ordered: false };
  }

  // top N f [, g] [by ...]: ranked groups, ties (equal counts, values) by
  // first appearance (the input order, _seq); in order when it ends the query.
  if (r.chance(0.1)) {
    if (r.chance(0.25)) stages.push(`count by ${[...new Set([anyField(), anyField()])].join(', ')}`);
    const grouped = stages[stages.length - 1].startsWith('count by ');
    const pool = grouped ? stages[stages.length - 1].slice(9).split(', ') : fields.map(([f]) => f);
    const tf = [...new Set([r.pick(pool), ...(r.chance(0.3) ? [r.pick(pool)] : [])])];
    const other = pool.filter((f) => !tf.includes(f) && (grouped || fields.find(([g]) => g === f)[1] === 'n' || numeric.has(f)));
    const by = [
      '', ' by count', ` by count, ${tf[0]} asc`, ` by ${tf[0]}${r.pick(['', ' asc'])}, count`,
      grouped ? ' by _count' : other.length ? ` by ${r.pick(other)}` : '',
    ][r.int(5)];
    stages.push(`top ${1 + r.int(5)} ${tf.join(', ')}${by}`);
    if (r.chance(0.2)) { stages.push(`where _count > 1`); return { q: stages.join(' | '), ordered: false }; }
    return { q: stages.join(' | '), ordered: true };
  }

  // An aggregate.
  const nk = r.int(3);
  const keys = [...new Set(Array.from({ length: nk }, anyField))];
  const aggs = [];
  const outNum = [];
  const avgs = new Set();
  const na = 1 + r.int(3);
  const picks = []; // first, last: [name, type] (the value of the newest or oldest record, ties by input order)
  for (let i = 0; i < na; i++) {
    const fn = r.pick(['count', 'count', 'count_f', 'count_distinct', 'sum', 'avg', 'min', 'max', 'first', 'last']);
    const name = `a${i}`;
    if (fn === 'first' || fn === 'last') {
      const [f, t] = r.pick(fields);
      const deflt = r.chance(0.2) && !aggs.some((a) => a.startsWith(`${fn}(`));
      aggs.push(deflt ? `${fn}(${f})` : `${fn}(${f}) as ${name}`);
      picks.push([deflt ? `_${fn}` : name, t]);
      continue;
    }
    if (fn === 'count') aggs.push(i === 0 && r.chance(0.5) ? 'count' : `count as ${name}`);
    else if (fn === 'count_f') aggs.push(`count(${anyField()}) as ${name}`);
    else if (fn === 'count_distinct') aggs.push(`count_distinct(${anyField()}) as ${name}`);
    else if (r.chance(0.15) && !aggs.some((a) => a.startsWith(`${fn}(`))) {
      aggs.push(`${fn}(${numish()})`); // the default name, _sum, _avg ...
    } else aggs.push(`${fn}(${numish()}) as ${name}`);
    outNum.push(aggs[aggs.length - 1] === 'count' ? '_count' : aggs[aggs.length - 1].includes(' as ') ? name : `_${fn}`);
    if (fn === 'avg') avgs.add(name);
  }
  if (!outNum.length) { aggs.push('count'); outNum.push('_count'); }
  stages.push(`${aggs.join(', ')}${keys.length ? ` by ${keys.join(', ')}` : ''}`);
  let cols = [...keys.map((f) => [f, fields.find(([g]) => g === f)[1]]), ...outNum.map((f) => [f, 'n']), ...picks];
  if (keys.length && r.chance(0.1)) {
    // An aggregate of the groups: by one key or one aggregate's value.
    const [k2] = r.pick(cols);
    const [v] = r.pick(cols.filter(([, t]) => t === 'n'));
    // (no sum of an avg: its fractions are not exact, and engines add in
    // their own order: docs/convert.md, floating-point sums)
    const sumOf = avgs.has(v) ? 'max' : 'sum';
    stages.push(`count as g, ${sumOf}(${v}) as gs, max(${v}) as gm by ${k2}`);
    keys.length = 0;
    keys.push(k2);
    outNum.length = 0;
    outNum.push('g', 'gs', 'gm');
    cols = [[k2, 'n'], ['g', 'n'], ['gs', 'n'], ['gm', 'n']];
  }
  if (r.chance(0.35)) {
    const [f, t] = r.pick(cols);
    const c = t === 'n'
      ? `${f} ${r.pick(['>', '<', '>=', '<=', '=', '!='])} ${r.pick(['0', '1', '2', '3', '10', '2.5'])}`
      : r.chance(0.5) ? `${f} matches ${JSON.stringify(r.pick(WILDS))}` : `${r.pick(['isNull', 'isEmpty', '!isNull'])}(${f})`;
    stages.push(`where ${c}${r.chance(0.2) ? ` or isNull(${r.pick(cols)[0]})` : ''}`);
  }
  if (r.chance(0.25)) {
    const [f] = r.pick(cols.filter(([, t]) => t === 'n'));
    stages.push(`${f} * 2 + 1 as z`);
  }
  if (r.chance(0.6)) {
    // Sort by the keys, maybe after an aggregate's value: unique, so ordered.
    const dir = () => r.pick(['', ' asc', ' desc']);
    const by = [];
    if (r.chance(0.5) || !keys.length) by.push(`${r.pick(outNum)}${dir()}`);
    for (const k2 of keys) by.push(`${k2}${dir()}`);
    stages.push(`sort by ${by.join(', ')}`);
    const unique = keys.length > 0 || true; // no keys: one row
    if (r.chance(0.4)) stages.push(`limit ${1 + r.int(6)}`);
    return { q: stages.join(' | '), ordered: unique };
  }
  return { q: stages.join(' | '), ordered: false };
}

// ---- running -------------------------------------------------------------------------
function run(cmd, argv) {
  return new Promise((resolve) => {
    const p = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    const out = [], err = [];
    p.stdout.on('data', (d) => out.push(d));
    p.stderr.on('data', (d) => err.push(d));
    p.on('close', (code) => resolve({ code, out: Buffer.concat(out).toString('utf8'), err: Buffer.concat(err).toString('utf8') }));
  });
}

async function pool(items, n, fn) {
  let i = 0;
  await Promise.all(Array.from({ length: n }, async () => { while (i < items.length) { const k = i++; await fn(items[k], k); } }));
}

// CSV records of postern's layout (quotes, "" inside, newlines in quotes);
// bench/scale_chdb.mjs uses it too.
export function parseCsv(s) {
  const recs = [];
  let rec = [], cell = '', q = false, i = 0, any = false;
  for (; i < s.length; i++) {
    const ch = s[i];
    if (q) {
      if (ch === '"') { if (s[i + 1] === '"') { cell += '"'; i++; } else q = false; }
      else cell += ch;
    } else if (ch === '"') { q = true; any = true; }
    else if (ch === ',') { rec.push(cell); cell = ''; any = true; }
    else if (ch === '\n') { rec.push(cell); recs.push(rec); rec = []; cell = ''; any = false; }
    else if (ch !== '\r') { cell += ch; any = true; }
  }
  if (any || cell !== '' || rec.length) { rec.push(cell); recs.push(rec); }
  return recs;
}

const TARGETS = { duckdb: ['duckdb', 'DuckDB'], postgres: ['postgres', 'PostgreSQL'], chdb: ['clickhouse', 'chdb'] };

async function main() {
  const t0 = Date.now();
  fs.mkdirSync(DIR, { recursive: true });
  const jsonl = path.join(DIR, 'data.jsonl');
  fs.writeFileSync(jsonl, genData(SEED, ROWS));
  const data = path.join(DIR, 'data.ndjson');
  const nd = spawnSync(POSTERN, ['query', '--quiet', '--format', 'ndjson', '*', jsonl], { encoding: 'utf8', maxBuffer: 1 << 28 });
  if (nd.status !== 0) throw new Error(`postern ndjson: ${nd.stderr}`);
  fs.writeFileSync(data, nd.stdout);

  // Draw the queries: query k is genQuery(seed, k), redrawn (k + COUNT*j)
  // while the converter refuses it.
  const ids = ONLY >= 0 ? [ONLY] : Array.from({ length: COUNT }, (_, k) => k);
  const jobs = [];
  let redrawn = 0, qfail = 0;
  await pool(ids, JOBS, async (k) => {
    for (let j = 0; j < 20; j++) {
      const num = k + j * 1000000;
      const { q, ordered } = genQuery(SEED, num);
      const sql = {};
      let ok = true;
      for (const eng of ENGINES) {
        const res = await run(POSTERN, ['convert', '--to', TARGETS[eng][0], q]);
        if (res.code !== 0) { ok = false; if (ONLY >= 0) console.log(`refused by ${eng}: ${res.err}`); break; }
        sql[eng] = res.out;
      }
      if (!ok) { redrawn++; continue; }
      const base = path.join(DIR, `q${k}`);
      const want = await run(POSTERN, ['query', '--quiet', '--format', 'csv', q, data]);
      if (want.code !== 0) {
        qfail++;
        console.error(`generated (seed ${SEED}, query ${num}): postern query failed on: ${q}\n  ${want.err.split('\n')[0]}`);
        return;
      }
      fs.writeFileSync(`${base}.expected`, want.out);
      for (const eng of ENGINES) fs.writeFileSync(`${base}.${eng}.sql`, sql[eng]);
      jobs.push({ k, num, q, ordered, base });
      return;
    }
  });
  jobs.sort((a, b) => a.k - b.k);
  const t1 = Date.now();

  // One engine.mjs process per engine, all at once.
  await Promise.all(ENGINES.map(async (eng) => {
    const lst = jobs.map((j) => [data, `${j.base}.${eng}.sql`, `${j.base}.${eng}.out`, `${j.base}.expected`].join('\t')).join('\n') + '\n';
    fs.writeFileSync(path.join(DIR, `${eng}.lst`), lst);
    const res = await run(process.execPath, [path.join(here, 'engine.mjs'), eng, path.join(DIR, `${eng}.lst`)]);
    if (res.code !== 0) console.error(`generated: ${eng}: ${res.err.split('\n').slice(-5).join('\n')}`);
  }));

  // Compare.
  let bad = qfail;
  const good = Object.fromEntries(ENGINES.map((e) => [e, 0]));
  const show = (rows) => rows.map((r) => r.join(',')).join(' | ');
  for (const j of jobs) {
    const want = parseCsv(fs.readFileSync(`${j.base}.expected`, 'utf8'));
    for (const eng of ENGINES) {
      const outFile = `${j.base}.${eng}.out`;
      const text = fs.existsSync(outFile) ? fs.readFileSync(outFile, 'utf8') : 'ERROR: no output\n';
      if (ONLY >= 0) console.log(`--- ${eng} SQL:\n${fs.readFileSync(`${j.base}.${eng}.sql`, 'utf8')}--- ${eng} rows:\n${text}`);
      let same = false, why = '';
      if (text.startsWith('ERROR: ')) why = text.split('\n')[0].slice(0, 400);
      else {
        const got = parseCsv(text);
        const wh = (want[0] ?? []).join(','), gh = (got[0] ?? []).join(',');
        let wr = want.slice(1).map((r) => JSON.stringify(r)), gr = got.slice(1).map((r) => JSON.stringify(r));
        // No rows: postern's header then lists the aggregate's columns only, not
        // those of later stages (docs/convert.md); the rows are what count.
        if (!wr.length && !gr.length) { good[eng]++; continue; }
        if (!j.ordered) { wr = wr.sort(); gr = gr.sort(); }
        same = wh === gh && wr.length === gr.length && wr.every((x, i) => x === gr[i]);
        if (!same) {
          if (wh !== gh) why = `header: postern ${wh} / ${eng} ${gh}`;
          else {
            let i = 0;
            while (i < wr.length && wr[i] === gr[i]) i++;
            why = `${j.ordered ? 'ordered ' : ''}rows ${wr.length} vs ${gr.length}, first difference at ${i}: postern ${wr[i] ?? '(none)'} / ${eng} ${gr[i] ?? '(none)'}`;
          }
        }
      }
      if (same) { good[eng]++; continue; }
      bad++;
      console.error(`generated (seed ${SEED}, query ${j.num}): ${TARGETS[eng][1]} differs from postern on: ${j.q}\n    ${why}`);
    }
  }
  if (ONLY >= 0) {
    const j = jobs[0];
    if (j) console.log(`--- query ${j.num}: ${j.q}\n--- postern rows:\n${fs.readFileSync(`${j.base}.expected`, 'utf8')}--- data: ${data}`);
  }
  if (bad && ONLY < 0) console.error(`generated: rerun one with CONVERT_GEN_SEED=${SEED} CONVERT_GEN_ONLY=N sh tests/convert/prove.sh`);
  const parts = ENGINES.map((e) => `${TARGETS[e][1]} ${good[e]}/${jobs.length}`);
  const secs = (a, b) => Math.round((b - a) / 1000);
  const t2 = Date.now();
  console.log(`generated: ${jobs.length} queries (seed ${SEED}, ${redrawn} redrawn; ${secs(t0, t1)} s postern, ${secs(t1, t2)} s engines), ${parts.join(', ')}`);
  process.exit(bad ? 1 : 0);
}

const entry = process.argv[1] && path.resolve(process.argv[1]) === path.resolve(new URL(import.meta.url).pathname);
if (entry && DIR) main().catch((e) => { console.error(`gen.mjs: ${e && e.stack ? e.stack : e}`); process.exit(1); });
else if (entry && args.print !== undefined) console.log(genQuery(SEED, Number(args.print)).q);
