// scale_chdb.mjs — the chdb side of bench/scale.sh (docs/scale.md).
//
//   node bench/scale_chdb.mjs FILE SQL_TABLE SQL_FILE REPS POSTERN_CSV
//
// FILE is JSON lines (bench/gen.c's connection records); SQL_TABLE and
// SQL_FILE are `postern convert --to clickhouse --rule ...` output for the
// tables `logs` and `logs_file`. Times, each printed as "name seconds":
//   file_query   the statement over a view on file(FILE, JSONEachRow):
//                parsing the JSON and the query in one pass, no table;
//   load         INSERT of FILE into the MergeTree table `logs` (the
//                columns of docs/convert.md: _messageTime Int64, the rest
//                text; JSON numbers read as text);
//   table_query  the statement over `logs` (REPS times, after the load).
// Then "findings N" and "same findings: yes|NO": chdb's rows against
// postern's (POSTERN_CSV, `postern detect --format csv`) on the columns
// both have, as multisets. chdb runs in this one
// process with ClickHouse's default threads (one per core); its data live
// in a temporary folder, removed at the end.

import { createRequire } from 'node:module';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { parseCsv } from '../tests/convert/gen.mjs';

const [file, sqlTable, sqlFile, repsArg, posternCsv] = process.argv.slice(2);
const npm = process.env.CONVERT_NPM || path.resolve(path.dirname(new URL(import.meta.url).pathname), '../tests/convert/.npm');
const { Session } = createRequire(path.join(npm, 'package.json'))('chdb');
const reps = Number(repsArg || 3);

const stmt = (f) => fs.readFileSync(f, 'utf8').replace(/;\s*$/, '');
const cols = (sql) => /columns: (.*)$/m.exec(sql)[1].split(', ');
const q = (s) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

const table = stmt(sqlTable);
const names = cols(table);
if (!names.includes('_messageTime')) names.push('_messageTime');
const schema = names.map((c) => `\`${c}\` ${c === '_messageTime' ? 'Nullable(Int64)' : 'Nullable(String)'}`).join(', ');
const settings = 'SETTINGS input_format_json_read_numbers_as_strings = 1, input_format_skip_unknown_fields = 1';

// A cell as one text: ClickHouse writes NULL as \N, and may write a number
// otherwise than postern (1.7172e12 for 1717200000000).
const num = (v) => (v === '\\N' ? '' : v !== '' && !Number.isNaN(Number(v)) ? String(Number(v)) : v);

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'postern-scale-'));
const s = new Session(dir);
const time = (name, fn) => {
  const t = process.hrtime.bigint();
  const r = fn();
  console.log(`${name} ${(Number(process.hrtime.bigint() - t) / 1e9).toFixed(3)}`);
  return r;
};
try {
  s.query(`CREATE VIEW logs_file AS SELECT * FROM file(${q(path.resolve(file))}, 'JSONEachRow', ${q(schema)}) ${settings}`);
  time('file_query', () => s.query(stmt(sqlFile), 'CSVWithNames'));
  s.query(`CREATE TABLE logs (${schema}) ENGINE = MergeTree ORDER BY tuple()`);
  time('load', () => s.query(`INSERT INTO logs SELECT * FROM file(${q(path.resolve(file))}, 'JSONEachRow', ${q(schema)}) ${settings}`));
  let res = '';
  for (let i = 0; i < reps; i++) res = time('table_query', () => s.query(table, 'CSVWithNames'));
  const a = parseCsv(res), b = parseCsv(fs.readFileSync(posternCsv, 'utf8'));
  const common = a[0].filter((c) => b[0].includes(c));
  const rows = (t) => t.slice(1).map((r) => common.map((c) => num(r[t[0].indexOf(c)])).join('\u0001')).sort();
  const ra = rows(a), rb = rows(b);
  console.log(`findings ${ra.length} (postern ${rb.length})`);
  console.log(`same findings: ${ra.length === rb.length && ra.every((x, i) => x === rb[i]) ? 'yes' : 'NO'} (columns ${common.join(', ')})`);
  const size = s.query("SELECT sum(bytes_on_disk) FROM system.parts WHERE table = 'logs' AND active", 'CSV').trim();
  console.log(`table_bytes ${size}`);
} finally {
  s.cleanup?.();
  fs.rmSync(dir, { recursive: true, force: true });
}
