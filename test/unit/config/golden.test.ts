// One golden fixture per diagnostic code: the file states the code and the
// position it must produce; every code in the registry must have one.
import t from 'tap';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { compileConfig } from '../../../src/config/compile.js';
import { DIAGNOSTIC_CODES } from '../../../src/config/diagnostics.js';
import { fixture } from './helpers.js';
import { parseScenario } from '../../../src/lab/scenario.js';

const dir = fixture('diagnostics');
const files = readdirSync(dir);

for (const code of Object.keys(DIAGNOSTIC_CODES)) {
  t.test(code, async (t) => {
    const file = files.find((f) => f.startsWith(`${code}.`));
    t.ok(file, `test/fixtures/diagnostics/${code}.conf (or .yaml) exists`);
    if (!file) return;
    const text = readFileSync(`${dir}/${file}`, 'utf8');
    const m = /expect (\w+) at (\d+):(\d+)/.exec(text);
    t.ok(m, 'the fixture states its expectation');
    if (!m) return;
    t.equal(m[1], code);
    // Scenario fixtures (*.scenario.yaml) go through the scenario reader, the rest through the config compiler.
    const r = file.endsWith('.scenario.yaml') ? parseScenario(text, file) : compileConfig(text, file);
    const hits = r.diagnostics.filter((d) => d.code === code);
    t.ok(hits.length > 0, `${code} is reported`);
    t.ok(hits.some((d) => d.line === Number(m[2]) && d.col === Number(m[3])), `${code} is reported at ${m[2]}:${m[3]} (got ${hits.map((d) => `${d.line}:${d.col}`).join(', ')})`);
    t.ok(hits.every((d) => d.severity === DIAGNOSTIC_CODES[code as keyof typeof DIAGNOSTIC_CODES].severity), 'with the registry severity');
  });
}

t.test('no fixture names a code that does not exist', async (t) => {
  for (const f of files) t.ok(existsSync(`${dir}/${f}`) && f.split('.')[0]! in DIAGNOSTIC_CODES, f);
});
