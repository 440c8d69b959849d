// duckdb_query.mjs — the fixed T1071.003 query in DuckDB, for bench/run.sh,
// and the query shapes of bench/shapes.sh.
//
//   node bench/duckdb_query.mjs --threads N --format jsonl|csv FILE > out.csv
//   node bench/duckdb_query.mjs --threads N --shape NAME [--memory-limit MIB]
//        [--temp-dir DIR] --format jsonl|csv FILE > out.csv
//   node bench/duckdb_query.mjs --version
//   node bench/duckdb_query.mjs --sql [--shape NAME] --format jsonl|csv FILE  (print the SQL)
//
// --shape NAME runs one of SHAPES below instead (the SQL twin of the postern
// query bench/shapes.sh gives the same name) and streams its result with
// COPY ... TO '/dev/stdout' (FORMAT csv, HEADER): DuckDB writes it, nothing
// is held in JavaScript, so results of millions of rows cost what DuckDB's
// own CSV writer costs. NULL is an empty cell and '' is written "" (the
// canonical form of tests/ref/canon.awk makes both empty). --memory-limit
// sets DuckDB's memory_limit (it spills to --temp-dir above it), so that it
// is not killed by bench/rss.c's RSS cap.
//
// Opens an in-memory DuckDB with `threads` set to N, runs the SQL equivalent
// of the query block of rules/t1071.003-mail-protocols.yml over FILE and
// writes the result as CSV to stdout, in postern's layout: the same header,
// NULL and '' as an empty cell, a cell quoted only when it holds a comma,
// quote, CR or LF, and numbers formatted like postern's num_fmt() (an
// integral value as an integer, otherwise the shortest of %.15g..%.17g that
// reads back exactly).
//
// One line of timings goes to stderr:
//   duckdb_query: boot_ms=.. import_ms=.. open_ms=.. query_ms=.. write_ms=.. rows=.. threads=.. version=..
// boot_ms is Node's own start-up (process start to the first line of this
// script), import_ms loading the DuckDB bindings, open_ms creating the
// database, query_ms running the query and materialising its result.
//
// DuckDB comes from npm (@duckdb/node-api), installed by bench/run.sh into
// bench/.duckdb/ (DUCKDB_DIR overrides where to look).
//
// The translation, clause by clause (Sumo semantics that matter here):
//  - every column is read as VARCHAR (JSON numbers become their text), as in
//    Sumo where fields are strings until an operator needs a number;
//  - scope `_sourceCategory=*network*` etc.: a case-insensitive substring test;
//  - `dest_port in ("25",...)`: string equality, so "25.0" or " 25" fail;
//  - `!(process_name matches /(?i)(...)/)`: a regex search; a record without
//    process_name (NULL, firewall and proxy logs) is kept, as postern does;
//  - the two `if`s as CASE; `count`, `count_distinct`;
//  - `sum(bytes_out)`: the sum of the values that parse as a number
//    (TRY_CAST to DOUBLE), NULL (an empty cell) when none does;
//  - `min/max(_messageTime)` numerically, as BIGINT;
//  - `where ConnectionCount > 2` as HAVING, `sort by ConnectionCount desc`.

const tBoot = performance.now(); // ms since the process started

import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import path from 'node:path';
import fs from 'node:fs';

const COLUMNS = [
  'timestamp', '_messageTime', '_sourceCategory', 'src_ip', 'src_port', 'dest_ip',
  'dest_port', 'protocol', 'process_name', 'bytes_out', 'bytes_in', 'user', 'host',
];

function sqlString(s) {
  return "'" + String(s).replace(/'/g, "''") + "'";
}

// The table function that reads FILE, every column as VARCHAR.
function sourceSql(format, file) {
  const cols = '{' + COLUMNS.map((c) => `${sqlString(c)}: 'VARCHAR'`).join(', ') + '}';
  if (format === 'jsonl') {
    return `read_json(${sqlString(file)}, format = 'newline_delimited', records = true, columns = ${cols})`;
  } else if (format === 'csv') {
    return `read_csv(${sqlString(file)}, header = true, auto_detect = false, delim = ',', quote = '"', escape = '"', columns = ${cols})`;
  }
  throw new Error(`unknown format ${format}`);
}

// The query shapes (bench/shapes.sh holds the postern query of each name):
// SQL over the source `src`. Columns are named and ordered as postern's
// output; `sort by` is descending and text (VARCHAR compares bytewise),
// nulls last, as docs/semantics.md says of postern's sort. topk breaks ties
// of _count by dest_ip, so that its ten rows are one set.
const SHAPES = {
  raw: 'SELECT * FROM src',
  search: `SELECT _messageTime, _sourceCategory, src_ip, src_port, dest_ip, dest_port, process_name, bytes_out
    FROM src WHERE dest_port = '993'`,
  groups: 'SELECT src_ip, src_port, dest_ip, count(*) AS _count FROM src GROUP BY src_ip, src_port, dest_ip',
  topk: 'SELECT dest_ip, count(*) AS _count FROM src GROUP BY dest_ip ORDER BY _count DESC, dest_ip ASC LIMIT 10',
  sort: `SELECT src_ip, src_port, dest_ip, dest_port, bytes_out, _messageTime, _sourceCategory
    FROM src ORDER BY bytes_out DESC NULLS LAST`,
};

// The COPY statement of shape NAME over FILE.
function shapeSql(name, format, file) {
  if (!Object.hasOwn(SHAPES, name)) throw new Error(`unknown shape ${name}`);
  return `COPY (WITH src AS (SELECT * FROM ${sourceSql(format, file)}) ${SHAPES[name]})
  TO '/dev/stdout' (FORMAT csv, HEADER)`;
}

function buildSql(format, file) {
  const source = sourceSql(format, file);
  return `
WITH scoped AS (
  SELECT src_ip, dest_ip, dest_port, process_name, bytes_out, _messageTime
  FROM ${source}
  WHERE (lower(_sourceCategory) LIKE '%network%'
      OR lower(_sourceCategory) LIKE '%firewall%'
      OR lower(_sourceCategory) LIKE '%proxy%')
    AND dest_port IN ('25', '465', '587', '110', '995', '143', '993')
    AND NOT coalesce(regexp_matches(process_name,
          '(?i)(outlook|thunderbird|mailclient|em\\.client|msedge|chrome|firefox)'), false)
), proto AS (
  SELECT *,
    CASE WHEN dest_port IN ('25', '465', '587') THEN 'SMTP'
         WHEN dest_port IN ('110', '995') THEN 'POP3'
         WHEN dest_port IN ('143', '993') THEN 'IMAP'
         ELSE 'Unknown' END AS Protocol
  FROM scoped
), sev AS (
  SELECT *,
    CASE WHEN Protocol IN ('IMAP', 'POP3') THEN 'critical'
         WHEN Protocol = 'SMTP' THEN 'high'
         ELSE 'medium' END AS Severity
  FROM proto
)
SELECT src_ip, dest_ip, dest_port, Protocol, process_name, Severity,
  count(*) AS ConnectionCount,
  count(DISTINCT dest_ip) AS UniqueDestIPs,
  sum(TRY_CAST(bytes_out AS DOUBLE)) AS TotalBytesSent,
  min(TRY_CAST(_messageTime AS BIGINT)) AS FirstSeen,
  max(TRY_CAST(_messageTime AS BIGINT)) AS LastSeen
FROM sev
GROUP BY src_ip, dest_ip, dest_port, Protocol, process_name, Severity
HAVING count(*) > 2
ORDER BY ConnectionCount DESC`;
}

// C's printf("%.*g", p, d) for a finite d.
function fmtG(d, p) {
  if (d === 0) return Object.is(d, -0) ? '-0' : '0';
  const [mant, expStr] = d.toExponential(p - 1).split('e');
  const x = Number(expStr);
  const strip = (s) => (s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s);
  if (x < -4 || x >= p) {
    const ax = Math.abs(x);
    return strip(mant) + 'e' + (x < 0 ? '-' : '+') + (ax < 10 ? '0' : '') + ax;
  }
  return strip(d.toFixed(Math.max(0, p - 1 - x)));
}

// postern's num_fmt() (src/value.c).
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
  if (v === null || v === undefined) return '';
  let s;
  if (typeof v === 'bigint') s = v.toString();
  else if (typeof v === 'number') s = numFmt(v);
  else s = String(v);
  if (/[",\r\n]/.test(s)) s = '"' + s.replace(/"/g, '""') + '"';
  return s;
}

function usage() {
  process.stderr.write(
    'usage: node bench/duckdb_query.mjs --threads N --format jsonl|csv FILE\n' +
    '       node bench/duckdb_query.mjs --threads N --shape NAME [--memory-limit MIB] [--temp-dir DIR]\n' +
    '            --format jsonl|csv FILE\n' +
    '       node bench/duckdb_query.mjs --version\n' +
    '       node bench/duckdb_query.mjs --sql [--shape NAME] --format jsonl|csv FILE\n' +
    `  shapes: ${Object.keys(SHAPES).join(' ')}\n`);
  process.exit(2);
}

async function loadDuckDB() {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const dir = process.env.DUCKDB_DIR || path.join(here, '.duckdb');
  const req = createRequire(path.join(path.resolve(dir), 'package.json'));
  let resolved;
  try {
    resolved = req.resolve('@duckdb/node-api');
  } catch {
    process.stderr.write(`duckdb_query: @duckdb/node-api is not installed in ${dir} ` +
      '(bench/run.sh installs it: npm install --prefix bench/.duckdb @duckdb/node-api)\n');
    process.exit(1);
  }
  return import(pathToFileURL(resolved).href);
}

async function main() {
  const args = process.argv.slice(2);
  let threads = 1, format = null, file = null, version = false, sqlOnly = false;
  let shape = null, memLimit = null, tempDir = null;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--threads' && i + 1 < args.length) threads = Number(args[++i]);
    else if (a === '--format' && i + 1 < args.length) format = args[++i];
    else if (a === '--shape' && i + 1 < args.length) shape = args[++i];
    else if (a === '--memory-limit' && i + 1 < args.length) memLimit = Number(args[++i]);
    else if (a === '--temp-dir' && i + 1 < args.length) tempDir = args[++i];
    else if (a === '--version') version = true;
    else if (a === '--sql') sqlOnly = true;
    else if (!a.startsWith('--') && file === null) file = a;
    else usage();
  }
  if (!version && (!file || !format || !Number.isInteger(threads) || threads < 1)) usage();
  if (shape !== null && !Object.hasOwn(SHAPES, shape)) usage();
  if (memLimit !== null && !(Number.isInteger(memLimit) && memLimit > 0)) usage();
  if (sqlOnly) {
    process.stdout.write((shape ? shapeSql(shape, format, file) : buildSql(format, file)) + ';\n');
    return;
  }
  if (!version && !fs.existsSync(file)) {
    process.stderr.write(`duckdb_query: ${file}: no such file\n`);
    process.exit(1);
  }

  const t0 = performance.now();
  const { DuckDBInstance } = await loadDuckDB();
  const t1 = performance.now();
  const config = { threads: String(threads) };
  if (memLimit !== null) config.memory_limit = `${memLimit}MiB`;
  if (tempDir !== null) config.temp_directory = tempDir;
  const instance = await DuckDBInstance.create(':memory:', config);
  const conn = await instance.connect();
  const vr = await conn.runAndReadAll("SELECT version(), current_setting('threads')");
  const [ver, thr] = vr.getRows()[0];
  if (version) {
    process.stdout.write(`${ver}\n`);
    return;
  }
  if (Number(thr) !== threads) throw new Error(`threads is ${thr}, wanted ${threads}`);
  const t2 = performance.now();
  const f = (x) => x.toFixed(1);

  if (shape) {
    const res = await conn.run(shapeSql(shape, format, file));
    const t3s = performance.now();
    const n = (await res.getRows?.())?.[0]?.[0] ?? '?';
    process.stderr.write(`duckdb_query: boot_ms=${f(tBoot)} import_ms=${f(t1 - t0)} ` +
      `open_ms=${f(t2 - t1)} query_ms=${f(t3s - t2)} write_ms=0.0 ` +
      `rows=${n} threads=${threads} version=${ver} shape=${shape}\n`);
    conn.closeSync?.();
    instance.closeSync?.();
    return;
  }

  const reader = await conn.runAndReadAll(buildSql(format, file));
  const rows = reader.getRows();
  const t3 = performance.now();

  const out = ['src_ip,dest_ip,dest_port,Protocol,process_name,Severity,' +
    'ConnectionCount,UniqueDestIPs,TotalBytesSent,FirstSeen,LastSeen'];
  for (const r of rows) out.push(r.map(cell).join(','));
  await new Promise((resolve, reject) =>
    process.stdout.write(out.join('\n') + '\n', (e) => (e ? reject(e) : resolve())));
  const t4 = performance.now();

  process.stderr.write(`duckdb_query: boot_ms=${f(tBoot)} import_ms=${f(t1 - t0)} ` +
    `open_ms=${f(t2 - t1)} query_ms=${f(t3 - t2)} write_ms=${f(t4 - t3)} ` +
    `rows=${rows.length} threads=${threads} version=${ver}\n`);
  conn.closeSync?.();
  instance.closeSync?.();
}

main().catch((e) => {
  process.stderr.write(`duckdb_query: ${e && e.stack ? e.stack : e}\n`);
  process.exit(1);
});
