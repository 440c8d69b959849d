// sigma.mjs — validate `postern convert --to sigma` output against the
// Sigma specification's JSON schemas (run by tests/convert/sigma.sh).
//
//   node tests/convert/sigma.mjs SPECDIR FILE...
//   node tests/convert/sigma.mjs --dump FILE   (its documents as JSON, one a line)
//
// Each FILE is one YAML stream; each of its documents is checked with ajv
// (draft 2020-12, with ajv-formats for "uuid") against
// sigma-correlation-rules-schema.json when it has a `correlation` key, else
// sigma-detection-rule-schema.json. The stream must parse as YAML 1.2
// without errors or warnings, and a correlation's `rules` must name a rule
// of the same stream (its `name` or `id`). Prints one line per invalid file
// and "sigma: N files valid, M invalid"; exits 1 when any is invalid.
// Packages come from $CONVERT_NPM/node_modules (tests/convert/.npm).
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const req = createRequire(resolve(process.env.CONVERT_NPM || 'tests/convert/.npm', 'node_modules', 'x.js'));
const Ajv2020 = req('ajv/dist/2020').default;
const addFormats = req('ajv-formats').default;
const YAML = req('yaml');

const [spec, ...files] = process.argv.slice(2);
if (spec === '--dump') {
    for (const d of YAML.parseAllDocuments(readFileSync(files[0], 'utf8'))) console.log(JSON.stringify(d.toJS()));
    process.exit(0);
}
const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);
const load = (f) => JSON.parse(readFileSync(join(spec, f), 'utf8'));
const detection = ajv.compile(load('sigma-detection-rule-schema.json'));
const correlation = ajv.compile(load('sigma-correlation-rules-schema.json'));

let good = 0, bad = 0;
for (const f of files) {
    const why = [];
    const docs = YAML.parseAllDocuments(readFileSync(f, 'utf8'), { prettyErrors: false });
    const rules = [];
    for (const d of docs) {
        for (const e of [...d.errors, ...d.warnings]) why.push(`YAML: ${e.message}`);
        rules.push(d.toJS());
    }
    const known = new Set(rules.flatMap((r) => [r?.name, r?.id]).filter(Boolean));
    rules.forEach((r, i) => {
        const isCor = r && typeof r === 'object' && 'correlation' in r;
        const check = isCor ? correlation : detection;
        if (!check(r)) for (const e of check.errors) why.push(`document ${i + 1}: ${e.instancePath || '/'} ${e.message}`);
        if (isCor)
            for (const ref of r.correlation.rules || [])
                if (!known.has(ref)) why.push(`document ${i + 1}: correlation rule '${ref}' is not in the stream`);
    });
    if (!rules.length) why.push('no YAML document');
    if (why.length) {
        bad++;
        console.log(`${f}: ${why.slice(0, 5).join('; ')}`);
    } else good++;
}
console.log(`sigma: ${good} files valid, ${bad} invalid`);
process.exit(bad ? 1 : 0);
