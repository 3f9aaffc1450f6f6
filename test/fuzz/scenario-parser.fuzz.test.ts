// Fuzzing the lab scenario reader: damaged example scenarios and fixtures,
// generated YAML in the scenario's shape, arbitrary bytes and the hostile
// sizes of bench/lib/hostile-inputs.ts. Properties: parseScenario never
// throws, always returns a scenario, and every diagnostic points inside the
// text. Timing and memory: bench/fuzz-parsers.ts.
import t from 'tap';
import fc from 'fast-check';
import { readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { stringify } from 'yaml';
import { parseScenario } from '../../src/lab/scenario.js';
import { hostileInputs } from '../../bench/lib/hostile-inputs.js';
import { ROOT } from '../unit/config/helpers.js';
import { fuzzRuns, mutate, mutation, positionProblems, YAML_OBJECTS } from './fuzz-support.js';

const SCENARIOS = [
  ...readdirSync(resolve(ROOT, 'examples/scenarios')).filter((f) => f.endsWith('.yaml')).map((f) => resolve(ROOT, 'examples/scenarios', f)),
  ...readdirSync(resolve(ROOT, 'test/fixtures/diagnostics')).filter((f) => f.endsWith('.scenario.yaml')).map((f) => resolve(ROOT, 'test/fixtures/diagnostics', f)),
].map((f) => readFileSync(f, 'utf8'));

function check(text: string): void {
  const r = parseScenario(text, 's.yaml');
  if (r.value === undefined || !Array.isArray(r.diagnostics)) throw new Error('no result');
  const bad = positionProblems(text, 's.yaml', r.diagnostics);
  if (bad.length > 0) throw new Error(`diagnostics outside the input: ${bad.slice(0, 3).join('; ')}`);
}

t.test('damaged scenarios never throw; diagnostics inside the input', async (t) => {
  t.ok(SCENARIOS.length >= 8, `${SCENARIOS.length} scenarios`);
  fc.assert(fc.property(fc.constantFrom(...SCENARIOS), fc.array(mutation, { minLength: 1, maxLength: 8 }), (base, muts) => check(mutate(base, muts))), { numRuns: fuzzRuns(200) });
});

t.test('generated values in the scenario shape', async (t) => {
  const key = fc.constantFrom('name', 'config', 'map', 'portOffset', 'timeScale', 'duration', 'reassign', 'nodes', 'traffic', 'timeline', 'expect', 'pair', 'at', 'crash', 'recover', 'slow', 'ms', 'kill', 'rserver', 'address', 'clients', 'clientRange', 'http', 'perClientPerSecond', 'maxDetection', 'tms01', 'x');
  const leaf = fc.oneof(fc.jsonValue({ maxDepth: 0 }), fc.constantFrom('20s', '1.5s', '500ms', '2m', '-1s', 'NaN', 'Infinity', '1e309', 'tms01', '127.0.0.1', '10.0.0.0/8=127.0.0.0/8', '__proto__', 'constructor'));
  const { tree } = fc.letrec((tie) => ({
    tree: fc.oneof({ depthSize: 'small', withCrossShrink: true }, leaf, fc.array(tie('tree'), { maxLength: 4 }), fc.dictionary(key, tie('tree'), { maxKeys: 5 })),
  }));
  fc.assert(fc.property(fc.dictionary(key, tree, { maxKeys: 8 }), (obj) => check(stringify(obj))), { numRuns: fuzzRuns(200) });
  t.pass();
});

t.test('arbitrary strings and bytes', async (t) => {
  const anyText = fc.oneof(fc.string({ maxLength: 400, unit: 'binary' }), fc.uint8Array({ maxLength: 600 }).map((b) => Buffer.from(b).toString('latin1')));
  fc.assert(fc.property(anyText, check), { numRuns: fuzzRuns(200) });
  t.pass();
});

t.test('hostile sizes', async (t) => {
  for (const h of hostileInputs(1, YAML_OBJECTS)) {
    if (!h.readers.includes('scenario')) continue;
    const text = h.make();
    const r = parseScenario(text, 's.yaml');
    t.same(positionProblems(text, 's.yaml', r.diagnostics), [], `${h.name}: ${r.diagnostics.length} diagnostics, positions inside`);
    if (/nested YAML/.test(h.name)) t.same(r.diagnostics.map((d) => d.code), ['YAML_SYNTAX'], 'refused before the YAML composer recurses');
    if (h.name.endsWith('k scenario timeline entries')) t.equal(r.value.timeline.length, YAML_OBJECTS, 'every entry read');
  }
});
