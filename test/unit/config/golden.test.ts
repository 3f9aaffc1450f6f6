// One golden fixture per diagnostic code: the file states the code and the
// position it must produce; every code in the registry must have one.
import t from 'tap';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { compileConfig } from '../../../src/config/compile.js';
import { DIAGNOSTIC_CODES } from '../../../src/config/diagnostics.js';
import { fixture } from './helpers.js';
import { parseScenario } from '../../../src/lab/scenario.js';
import { exportHaproxy } from '../../../src/export/haproxy.js';
import { exportKeepalived } from '../../../src/export/keepalived.js';

const dir = fixture('diagnostics');
const files = readdirSync(dir);

// Codes that need a compiled config and a time scale together, so no single fixture file
// can raise them; their positions are asserted in test/integration/lab/lab-cli.test.ts.
const CHECKED_ELSEWHERE: Record<string, string> = {
  SCENARIO_TIME_SCALE: 'test/integration/lab/lab-cli.test.ts',
  SCENARIO_TIME_SCALE_LIMIT: 'test/integration/lab/lab-cli.test.ts',
};

for (const code of Object.keys(DIAGNOSTIC_CODES)) {
  if (CHECKED_ELSEWHERE[code]) {
    t.test(code, async (t) => {
      t.ok(readFileSync(CHECKED_ELSEWHERE[code]!, 'utf8').includes(code), `${code} is asserted in ${CHECKED_ELSEWHERE[code]}`);
    });
    continue;
  }
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
    // Export fixtures (*.haproxy.conf, *.keepalived.conf) go through that export of the compiled model.
    const target = /\.(haproxy|keepalived)\.conf$/.exec(file)?.[1];
    const r = file.endsWith('.scenario.yaml') ? parseScenario(text, file) : target === 'haproxy' ? exportHaproxy(compileConfig(text, file).model) : target === 'keepalived' ? exportKeepalived(compileConfig(text, file).model) : compileConfig(text, file);
    const hits = r.diagnostics.filter((d) => d.code === code);
    t.ok(hits.length > 0, `${code} is reported`);
    t.ok(hits.some((d) => d.line === Number(m[2]) && d.col === Number(m[3])), `${code} is reported at ${m[2]}:${m[3]} (got ${hits.map((d) => `${d.line}:${d.col}`).join(', ')})`);
    t.ok(hits.every((d) => d.severity === DIAGNOSTIC_CODES[code as keyof typeof DIAGNOSTIC_CODES].severity), 'with the registry severity');
  });
}

t.test('no fixture names a code that does not exist', async (t) => {
  for (const f of files) t.ok(existsSync(`${dir}/${f}`) && f.split('.')[0]! in DIAGNOSTIC_CODES, f);
});
