// kql.mjs — check `postern convert --to kql` output with Microsoft's KQL
// language service (npm @kusto/language-service-next, in $CONVERT_NPM).
//
//   node tests/convert/kql.mjs LIST
//
// LIST: one KQL file a line. Each file's comment line
//   // postern convert --to kql: reads table ["logs"] (...), columns: ["a"]:string, ["_messageTime"]:long
// declares the table the query reads (docs/convert.md): the check builds
// that table in a database and parses and analyzes the query against it.
// Every diagnostic of severity Error or Warning (the parser's, the
// semantic analysis's, and the analyzers' hints such as deprecated
// functions) is printed as "FILE: SEVERITY CODE at OFFSET: MESSAGE" and
// counts as a failure; Suggestion and Information do not (the analyzers
// suggest dcount() for count_distinct(), which would be an estimate).
// Prints "kql: N checked, F with diagnostics" and exits 1 when F > 0, 2
// when the package cannot be loaded.
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';

const npm = process.env.CONVERT_NPM || 'tests/convert/.npm';
const dir = path.resolve(npm, 'node_modules/@kusto/language-service-next');
const require = createRequire(import.meta.url);
try {
    require(path.join(dir, 'bridge.js'));
    require(path.join(dir, 'Kusto.Language.Bridge.js'));
} catch (e) {
    console.error(`kql: cannot load @kusto/language-service-next from ${dir}: ${e.message}`);
    process.exit(2);
}
const K = globalThis.Kusto.Language;
const S = K.Symbols;

// A KQL string literal's text ("..." with \" \\ \t \n).
function unquote(s) {
    return s.replace(/\\(.)/g, (_, c) => (c === 't' ? '\t' : c === 'n' ? '\n' : c));
}
const STR = '"((?:[^"\\\\]|\\\\.)*)"';

// The declared table of a converted query, or null.
function declared(text) {
    const line = text.split('\n').find((l) => l.startsWith('// postern convert --to kql: reads table '));
    if (!line) return null;
    const t = new RegExp(`reads table \\[${STR}\\]`).exec(line);
    const cols = [];
    const re = new RegExp(`\\[${STR}\\]:(long|string)`, 'g');
    const rest = line.slice(line.indexOf('columns:'));
    for (let m; (m = re.exec(rest));) {
        cols.push(new S.ColumnSymbol.ctor(unquote(m[1]), m[2] === 'long' ? S.ScalarTypes.Long : S.ScalarTypes.String));
    }
    return t ? new S.TableSymbol.$ctor4(unquote(t[1]), cols) : null;
}

function severe(d) { return d.Severity === 'Error' || d.Severity === 'Warning'; }

const files = fs.readFileSync(process.argv[2], 'utf8').split('\n').filter(Boolean);
let bad = 0;
for (const f of files) {
    const text = fs.readFileSync(f, 'utf8');
    const table = declared(text);
    const found = [];
    if (!table) found.push('no declared table (the "reads table" comment line)');
    else {
        const globals = K.GlobalState.Default.WithDatabase(new S.DatabaseSymbol.ctor('db', [table]));
        const code = K.KustoCode.ParseAndAnalyze(text, globals);
        const lists = [code.GetDiagnostics(), new K.Editor.KustoCodeService.ctor(code).GetAnalyzerDiagnostics(true)];
        for (const ds of lists) {
            for (let i = 0; i < ds.Count; i++) {
                const d = ds.getItem(i);
                if (severe(d)) found.push(`${d.Severity} ${d.Code} at ${d.Start}: ${d.Message}`);
            }
        }
    }
    if (found.length) {
        bad++;
        for (const m of found) console.log(`${f}: ${m}`);
    }
}
console.log(`kql: ${files.length} checked, ${bad} with diagnostics`);
process.exit(bad ? 1 : 0);
