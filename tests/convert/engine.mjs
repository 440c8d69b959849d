// engine.mjs — run `postern convert` output on a real engine, for
// tests/convert/prove.sh.
//
//   node tests/convert/engine.mjs ENGINE LIST
//
// ENGINE is duckdb, chdb or postgres. LIST has one job a line,
// DATA<TAB>SQL<TAB>OUT<TAB>WANT: DATA is postern's NDJSON of a data set
// (`postern query --format ndjson '*' FILES`), SQL a converted statement,
// OUT where its result goes, WANT postern's result (its header decides
// whether message rows show _messageTime and _sourceCategory, see emit). Each data set is loaded once into the table
// `logs` of docs/convert.md: a column for every key the NDJSON has and
// every column the statement's "columns:" comment names, _messageTime
// BIGINT, the others text (NULL when a record lacks the field), and _seq
// BIGINT: the record's line number in DATA from 0, postern's input order
// (docs/convert.md). OUT gets
// the result as CSV in postern's layout (the header, then a row a line;
// NULL and '' empty; a number as postern's num_fmt prints it: integral
// values as integers, else the shortest of %.15g..%.17g that reads back),
// or a first line "ERROR: ..." when the engine refused the statement.
//
// DuckDB (@duckdb/node-api) and chdb (embedded ClickHouse) are found under
// $CONVERT_NPM/node_modules (prove.sh installs them); PostgreSQL is
// reached with psql on the server $PGHOST/$PGPORT/$PGUSER/$PGDATABASE
// (prove.sh starts a throwaway one): the statement's result comes back as
// one row_to_json per row, its columns from a LIMIT 0 run in CSV.

import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const [engine, listFile] = process.argv.slice(2);
const npmDir = process.env.CONVERT_NPM || path.join(path.dirname(new URL(import.meta.url).pathname), '.npm');
const req = createRequire(path.join(path.resolve(npmDir), 'package.json'));

// C's %.{p}g for a finite, non-zero d.
function fmtG(d, p) {
  const [m0, e] = d.toExponential(p - 1).split('e');
  const x = Number(e);
  const trim = (s) => (s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s);
  if (x < -4 || x >= p) return `${trim(m0)}e${x < 0 ? '-' : '+'}${String(Math.abs(x)).padStart(2, '0')}`;
  return trim(d.toFixed(Math.max(0, p - 1 - x)));
}

// value.c's num_fmt.
function numFmt(d) {
  if (Number.isNaN(d)) return 'NaN';
  if (!Number.isFinite(d)) return d > 0 ? 'Infinity' : '-Infinity';
  if (d === Math.floor(d) && Math.abs(d) < 9.2e18) return BigInt(d).toString();
  for (let p = 15; p <= 17; p++) {
    const s = fmtG(d, p);
    if (Number(s) === d) return s;
  }
  return fmtG(d, 17);
}

function cell(v) {
  let s;
  if (v === null || v === undefined) s = '';
  else if (typeof v === 'number') s = numFmt(v);
  else if (typeof v === 'bigint') s = v.toString();
  else if (typeof v === 'boolean') s = v ? 'true' : 'false';
  else s = String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

// Message rows: postern shows _messageTime and _sourceCategory only when a
// row carries them; the SQL always has them (docs/convert.md). A column of
// those that the expected header (want) lacks and that holds only NULL goes.
function emit(j, names, rows) {
  const want = new Set(fs.existsSync(j.want) ? fs.readFileSync(j.want, 'utf8').split('\n')[0].split(',') : []);
  for (const meta of ['_messageTime', '_sourceCategory']) {
    const k = names.indexOf(meta);
    if (k < 0 || want.has(meta) || rows.some((r) => r[k] !== null && r[k] !== undefined)) continue;
    names = names.filter((_, i) => i !== k);
    rows = rows.map((r) => r.filter((_, i) => i !== k));
  }
  fs.writeFileSync(j.out, csv(names, rows));
}

function csv(names, rows) {
  return [names.map(cell).join(','), ...rows.map((r) => r.map(cell).join(','))].join('\n') + '\n';
}

// The data set: records and column names (NDJSON keys, then the SQL's).
function readData(file) {
  const recs = fs.readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() !== '').map((l, i) => ({ ...JSON.parse(l), _seq: i }));
  const cols = [];
  const seen = new Set();
  for (const r of recs) for (const k of Object.keys(r)) if (!seen.has(k)) { seen.add(k); cols.push(k); }
  return { recs, cols, seen };
}

function sqlColumns(sql) {
  const m = /^-- postern convert --to \S+: reads table .* columns: (.*)$/m.exec(sql);
  return m ? m[1].split(', ') : [];
}

const qid = (s) => `"${s.replace(/"/g, '""')}"`;
const qstr = (s) => `'${s.replace(/'/g, "''")}'`;

function tableCols(data, jobs) {
  const cols = [...data.cols];
  const lower = new Set(cols.map((c) => c.toLowerCase()));
  for (const j of jobs)
    for (const c of sqlColumns(j.sql))
      if (!lower.has(c.toLowerCase())) { lower.add(c.toLowerCase()); cols.push(c); }
  if (!lower.has('_messagetime')) cols.push('_messageTime');
  return cols;
}

// The contract's BIGINT columns.
const BIGINT = new Set(['_messageTime', '_seq']);
const text = (v) => (v === null || v === undefined ? null : typeof v === 'string' ? v : JSON.stringify(v));

async function runDuck(data, jobs) {
  const duck = await import(pathToFileURL(req.resolve('@duckdb/node-api')).href);
  const inst = await duck.DuckDBInstance.create(':memory:', { threads: '1' });
  const conn = await inst.connect();
  const cols = tableCols(data, jobs);
  await conn.run(`CREATE TABLE logs (${cols.map((c) => `${qid(c)} ${BIGINT.has(c) ? 'BIGINT' : 'VARCHAR'}`).join(', ')})`);
  const app = await conn.createAppender('logs');
  for (const r of data.recs) {
    for (const c of cols) {
      const v = text(r[c]);
      if (v === null) app.appendNull();
      else if (BIGINT.has(c)) app.appendBigInt(BigInt(v));
      else app.appendVarchar(v);
    }
    app.endRow();
  }
  app.closeSync();
  for (const j of jobs) {
    try {
      const rd = await conn.runAndReadAll(j.sql);
      emit(j, rd.columnNames(), rd.getRows());
    } catch (e) {
      fs.writeFileSync(j.out, `ERROR: ${String(e.message || e).split('\n')[0]}\n`);
    }
  }
  conn.closeSync?.();
  inst.closeSync?.();
}

async function runChdb(data, jobs) {
  const { Session } = req('chdb');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'postern-chdb-'));
  const s = new Session(dir);
  try {
    const cols = tableCols(data, jobs);
    s.query('DROP TABLE IF EXISTS logs');
    s.query(`CREATE TABLE logs (${cols.map((c) => `\`${c.replace(/`/g, '``')}\` ${BIGINT.has(c) ? 'Nullable(Int64)' : 'Nullable(String)'}`).join(', ')}) ENGINE = Memory`);
    const rows = data.recs.map((r) => JSON.stringify(Object.fromEntries(cols.map((c) => [c, BIGINT.has(c) ? (r[c] ?? null) : text(r[c])]))));
    const file = path.join(dir, 'data.ndjson');
    fs.writeFileSync(file, rows.join('\n') + '\n');
    s.query(`INSERT INTO logs SELECT * FROM file(${qstr(file)}, 'JSONEachRow')`);
    for (const j of jobs) {
      try {
        const res = JSON.parse(s.query(j.sql.replace(/;\s*$/, '') + ' SETTINGS output_format_json_quote_64bit_integers = 0, output_format_json_quote_denormals = 1', 'JSONCompact'));
        // A Float64 infinity or NaN comes as the text "inf", "-inf", "nan".
        const special = { inf: Infinity, '-inf': -Infinity, '+inf': Infinity, nan: NaN, '-nan': NaN };
        const flt = res.meta.map((m) => /Float/.test(m.type));
        const rows = res.data.map((r) => r.map((v, i) => (flt[i] && typeof v === 'string' && v in special ? special[v] : v)));
        emit(j, res.meta.map((m) => m.name), rows);
      } catch (e) {
        fs.writeFileSync(j.out, `ERROR: ${String(e.message || e).split('\n')[0]}\n`);
      }
    }
  } finally {
    s.cleanup?.();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function runPg(data, jobs) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'postern-pg-'));
  try {
    const cols = tableCols(data, jobs);
    const csvFile = path.join(dir, 'data.csv');
    const q = (v) => (v === null ? '' : `"${v.replace(/"/g, '""')}"`);
    fs.writeFileSync(csvFile, data.recs.map((r) => cols.map((c) => q(text(r[c]))).join(',')).join('\n') + '\n');
    fs.chmodSync(dir, 0o755);
    fs.chmodSync(csvFile, 0o644);
    let script = 'SET client_min_messages = warning;\nDROP TABLE IF EXISTS logs;\n';
    script += `CREATE TABLE logs (${cols.map((c) => `${qid(c)} ${BIGINT.has(c) ? 'BIGINT' : 'TEXT'}`).join(', ')});\n`;
    script += `\\copy logs FROM ${qstr(csvFile)} WITH (FORMAT csv)\n`;
    jobs.forEach((j, i) => {
      const body = j.sql.replace(/;\s*$/, '');
      script += `\\warn @@job ${i}\n`;
      script += `\\o ${qstr(path.join(dir, `${i}.hdr`))}\n\\pset format csv\n\\pset tuples_only off\n`;
      script += `SELECT * FROM (\n${body}\n) postern_row LIMIT 0;\n`;
      script += `\\o ${qstr(path.join(dir, `${i}.rows`))}\n\\pset format unaligned\n\\pset tuples_only on\n`;
      script += `SELECT row_to_json(postern_row)::text FROM (\n${body}\n) postern_row;\n\\o\n`;
    });
    fs.writeFileSync(path.join(dir, 'script.sql'), script);
    const r = spawnSync('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=0', '-f', path.join(dir, 'script.sql')], { encoding: 'utf8' });
    // Each job's errors: the ERROR lines after its @@job marker.
    const errs = jobs.map(() => []);
    let cur = -1;
    for (const l of (r.stderr || '').split('\n')) {
      const m = /@@job (\d+)/.exec(l);
      if (m) cur = Number(m[1]);
      else if (cur >= 0 && /ERROR/.test(l)) errs[cur].push(l.replace(/^psql:[^:]*:\d+: /, ''));
    }
    jobs.forEach((j, i) => {
      const hf = path.join(dir, `${i}.hdr`), rf = path.join(dir, `${i}.rows`);
      const hdr = fs.existsSync(hf) ? fs.readFileSync(hf, 'utf8').split('\n')[0] : '';
      if (hdr === '' || errs[i].length) {
        fs.writeFileSync(j.out, `ERROR: ${errs[i].join(' | ') || 'no result'}\n`);
        return;
      }
      const rows = fs.readFileSync(rf, 'utf8').split('\n').filter((l) => l !== '').map((l) => Object.values(JSON.parse(l)));
      emit(j, hdr.split(','), rows);
    });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function main() {
  const byData = new Map();
  for (const line of fs.readFileSync(listFile, 'utf8').split('\n')) {
    if (!line) continue;
    const [d, s, o, w] = line.split('\t');
    if (!byData.has(d)) byData.set(d, []);
    byData.get(d).push({ sql: fs.readFileSync(s, 'utf8'), out: o, want: w });
  }
  for (const [d, jobs] of byData) {
    const data = readData(d);
    if (engine === 'duckdb') await runDuck(data, jobs);
    else if (engine === 'chdb') await runChdb(data, jobs);
    else if (engine === 'postgres') runPg(data, jobs);
    else throw new Error(`unknown engine ${engine}`);
  }
}

main().catch((e) => {
  process.stderr.write(`engine.mjs: ${e && e.stack ? e.stack : e}\n`);
  process.exit(1);
});
