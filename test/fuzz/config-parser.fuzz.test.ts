// Fuzzing the config compiler (ACE text and the YAML model): generated text,
// damaged fixtures, binary garbage and hostile sizes (a 10 MB line, 10,000
// levels of indentation and of YAML nesting, 100,000 objects). Properties: no
// exception escapes, every input yields a model and diagnostics that point
// inside it, and the model still prints. Time and memory per input are measured
// by bench/fuzz-parsers.ts (docs/RELIABILITY.md), not asserted here.
import t from 'tap';
import fc from 'fast-check';
import { readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { stringify } from 'yaml';
import { compileConfig } from '../../src/config/compile.js';
import { printAce } from '../../src/config/print-ace.js';
import { modelToPlain } from '../../src/config/yaml-model.js';
import { MAX_YAML_DEPTH } from '../../src/config/yaml-input.js';
import { ROOT } from '../unit/config/helpers.js';
import { fuzzRuns, mutate, mutation, positionProblems, YAML_OBJECTS } from './fuzz-support.js';
import { hostileInputs } from '../../bench/lib/hostile-inputs.js';

const aceFiles = [
  ...readdirSync(resolve(ROOT, 'examples')).filter((f) => f.endsWith('.conf')).map((f) => resolve(ROOT, 'examples', f)),
  ...['seed/tms-ace.conf', 'seed/tms-ace-appendix1.as-printed.txt', 'ace-semantics-12.conf'].map((f) => resolve(ROOT, 'test/fixtures', f)),
  ...readdirSync(resolve(ROOT, 'test/fixtures/diagnostics')).filter((f) => f.endsWith('.conf') && !f.startsWith('EXPORT_')).map((f) => resolve(ROOT, 'test/fixtures/diagnostics', f)),
];
const ACE = aceFiles.map((f) => readFileSync(f, 'utf8'));
/** YAML models: the exports of the example configs plus the YAML fixtures. */
const YAML = [
  ...ACE.slice(0, 4).map((text) => stringify(modelToPlain(compileConfig(text, 'x.conf').model, { showSecrets: true }))),
  ...readdirSync(resolve(ROOT, 'test/fixtures/diagnostics')).filter((f) => /^YAML_.*\.yaml$/.test(f)).map((f) => readFileSync(resolve(ROOT, 'test/fixtures/diagnostics', f), 'utf8')),
];

/** Compiles as `format`; fails the property with the reason when anything is wrong. */
function check(text: string, file: string): void {
  const r = compileConfig(text, file);
  if (!Array.isArray(r.diagnostics) || r.model === undefined) throw new Error('no result');
  const bad = positionProblems(text, file, r.diagnostics);
  if (bad.length > 0) throw new Error(`diagnostics outside the input: ${bad.slice(0, 3).join('; ')}`);
  // What was read must still print (the export and `show running-config` paths).
  printAce(r.model);
  modelToPlain(r.model);
}

const aceWord = fc.oneof(
  fc.constantFrom('probe', 'http', 'tcp', 'rserver', 'host', 'serverfarm', 'ip', 'address', 'inservice', 'no', 'class-map', 'match-all', 'match', 'virtual-address', 'policy-map', 'type', 'loadbalance', 'multi-match', 'class', 'interface', 'vlan', 'access-group', 'input', 'access-list', 'line', 'extended', 'permit', 'any', 'sticky', 'ip-netmask', 'timeout', 'credentials', 'expect', 'status', 'regex', 'ft', 'group', 'peer', 'changeto', 'exit', 'end', '"', '10.0.0.1', '255.255.255.0', '0', '65536', '-1', '99999999999999999999'),
  fc.string({ maxLength: 12 }),
);
const aceLine = fc.tuple(fc.nat({ max: 6 }), fc.array(aceWord, { maxLength: 8 })).map(([indent, words]) => ' '.repeat(indent) + words.join(' '));

t.test('generated ACE-like text never throws; diagnostics inside the input', async (t) => {
  fc.assert(fc.property(fc.array(aceLine, { maxLength: 40 }), fc.constantFrom('\n', '\r\n', '\r'), (lines, eol) => check(lines.join(eol), 'gen.conf')), { numRuns: fuzzRuns(200) });
  t.pass(`${fuzzRuns(200)} generated configs`);
});

t.test('arbitrary strings and bytes, read as ACE and as YAML', async (t) => {
  const anyText = fc.oneof(fc.string({ maxLength: 400, unit: 'binary' }), fc.uint8Array({ maxLength: 600 }).map((b) => Buffer.from(b).toString('latin1')), fc.uint8Array({ maxLength: 600 }).map((b) => Buffer.from(b).toString('utf8')));
  fc.assert(
    fc.property(anyText, (text) => {
      check(text, 'any.conf');
      check(text, 'any.yaml');
    }),
    { numRuns: fuzzRuns(200) },
  );
  t.pass();
});

t.test('damaged fixtures (lines deleted, duplicated, swapped; bytes inserted; truncated)', async (t) => {
  t.ok(ACE.length >= 10, `${ACE.length} ACE fixtures`);
  fc.assert(fc.property(fc.constantFrom(...ACE), fc.array(mutation, { minLength: 1, maxLength: 8 }), (base, muts) => check(mutate(base, muts), 'damaged.conf')), { numRuns: fuzzRuns(200) });
  fc.assert(fc.property(fc.constantFrom(...YAML), fc.array(mutation, { minLength: 1, maxLength: 6 }), (base, muts) => check(mutate(base, muts), 'damaged.yaml')), { numRuns: fuzzRuns(150) });
});

t.test('generated YAML values in the model shape never throw', async (t) => {
  const key = fc.constantFrom('platform', 'contexts', 'ft', 'resourceClasses', 'name', 'probes', 'rservers', 'serverfarms', 'type', 'ipAddress', 'interval', 'port', 'credentials', 'classMaps', 'policyMaps', 'interfaces', 'accessLists', 'stickyGroups', 'x');
  const { tree } = fc.letrec((tie) => ({
    tree: fc.oneof({ depthSize: 'small', withCrossShrink: true }, fc.jsonValue({ maxDepth: 1 }), fc.array(tie('tree'), { maxLength: 4 }), fc.dictionary(key, tie('tree'), { maxKeys: 5 })),
  }));
  fc.assert(fc.property(fc.dictionary(key, tree, { maxKeys: 6 }), (obj) => check(stringify(obj), 'gen.yaml')), { numRuns: fuzzRuns(200) });
  t.pass();
});

t.test('hostile sizes: every one yields diagnostics inside the input, none throws', async (t) => {
  for (const h of hostileInputs(1, YAML_OBJECTS)) {
    const text = h.make();
    for (const reader of h.readers) {
      if (reader === 'scenario') continue; // test/fuzz/scenario-parser.fuzz.test.ts
      const file = reader === 'ace' ? 'hostile.conf' : 'hostile.yaml';
      const r = compileConfig(text, file);
      t.same(positionProblems(text, file, r.diagnostics), [], `${h.name} as ${reader}: ${r.diagnostics.length} diagnostics, positions inside`);
      const codes = new Set(r.diagnostics.map((d) => d.code));
      const rs = r.model.contexts[0]?.rservers.length ?? 0;
      if (/nested YAML/.test(h.name)) t.ok(codes.has('YAML_SYNTAX') && r.diagnostics.length === 1, `refused before the YAML composer recurses (depth > ${MAX_YAML_DEPTH})`);
      if (h.name === '100k rservers') t.equal(rs, 100_000, 'every object read');
      if (h.name.endsWith('k YAML rservers')) t.same([rs, r.diagnostics.filter((d) => d.severity === 'error')], [YAML_OBJECTS, []], 'every object read, no errors');
      if (h.name === '100k farms with dangling references') t.equal(r.diagnostics.filter((d) => d.code === 'ACE_UNDEFINED_REFERENCE').length, 200_000, 'each dangling reference reported');
    }
  }
});
