// YAML (and JSON) model input: the export reads back to the same model, a
// terse hand-written YAML gets the ACE defaults, and mistakes are positioned.
import t from 'tap';
import { stringify } from 'yaml';
import { compileConfig } from '../../../src/config/compile.js';
import { modelToPlain } from '../../../src/config/yaml-model.js';
import { comparable, readFixture } from './helpers.js';

t.test('the YAML export of the reference config reads back to the same model', async (t) => {
  for (const f of ['seed/tms-ace.conf', 'ace-semantics-12.conf']) {
    const a = compileConfig(readFixture(f), f);
    const y = stringify(modelToPlain(a.model, { showSecrets: true }));
    const b = compileConfig(y, 'export.yaml');
    t.same(b.diagnostics.filter((d) => d.severity === 'error'), [], `${f}: no errors`);
    t.same(comparable(b.model), comparable(a.model), `${f}: same model`);
    t.same(b.diagnostics.map((d) => d.code).sort(), a.diagnostics.filter((d) => d.code.startsWith('LINT_')).map((d) => d.code).sort(), `${f}: the same lints`);
  }
});

t.test('a terse YAML model takes ACE defaults and positions its mistakes', async (t) => {
  const text = ['contexts:', '  - name: Admin', '    probes:', '      - name: P', '        type: http', '        intervalMs: "ten"', '        expectStatus: [{ min: 200, max: 299 }]', '    serverfarms:', '      - name: F', '        probes: [P, NOPE]', ''].join('\n');
  const r = compileConfig(text, 'terse.yaml');
  const p = r.model.contexts[0]!.probes[0]!;
  t.equal(p.faildetect, 3, 'default faildetect');
  t.equal(p.passdetectIntervalMs, 60_000, 'default passdetect interval');
  const typeErr = r.diagnostics.find((d) => d.code === 'YAML_SCHEMA');
  t.match(typeErr, { line: 6, col: 21 }, 'the mistyped field is pointed at');
  const ref = r.diagnostics.find((d) => d.code === 'ACE_UNDEFINED_REFERENCE');
  t.match(ref, { line: 10, col: 21, message: /NOPE/ }, 'dangling references are found in YAML too');
});

t.test('JSON input is read as YAML (a subset)', async (t) => {
  const a = compileConfig(readFixture('seed/tms-ace.conf'), 'f');
  const json = JSON.stringify(modelToPlain(a.model, { showSecrets: true }));
  const b = compileConfig(json, 'model.yaml');
  t.same(comparable(b.model), comparable(a.model));
});
