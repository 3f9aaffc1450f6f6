// The scenario reader: the shipped examples load cleanly; durations and
// mistakes are read as documented.
import t from 'tap';
import { readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseDurationMs, parseScenario } from '../../../src/lab/scenario.js';
import { ROOT } from '../config/helpers.js';

t.test('every example scenario loads without diagnostics', async (t) => {
  const dir = resolve(ROOT, 'examples/scenarios');
  const files = readdirSync(dir).filter((f) => f.endsWith('.yaml'));
  t.ok(files.length > 0);
  for (const f of files) {
    const r = parseScenario(readFileSync(resolve(dir, f), 'utf8'), f);
    t.same(r.diagnostics, [], f);
  }
});

t.test('the node-crash example reads as written', async (t) => {
  const r = parseScenario(readFileSync(resolve(ROOT, 'examples/scenarios/node-crash.yaml'), 'utf8'), 'node-crash.yaml');
  const s = r.value;
  t.equal(s.config, '../tms-ace.conf');
  t.same(s.maps, ['10.0.0.0/8=127.0.0.0/8']);
  t.equal(s.portOffset, 10000);
  t.equal(s.timeScale, 10);
  t.equal(s.durationMs, 300_000);
  t.same(s.nodes.map((n) => [n.name, n.rserver]), [['tms01', 'TMS01'], ['tms02', 'TMS02']]);
  t.match(s.traffic, { clients: 50, clientRange: '127.0.100.0/24', httpPerClientPerS: 0.2, httpsPerClientPerS: 0.1, trapsPerClientPerS: 0.05 });
  t.same(s.timeline.map((e) => [e.atMs, e.fault, e.node]), [[20_000, 'crash', 'tms01'], [120_000, 'recover', 'tms01']]);
  t.equal(s.expect.maxDetectionMs, 45_000);
});

t.test('durations', async (t) => {
  t.equal(parseDurationMs('20s'), 20_000);
  t.equal(parseDurationMs('1.5s'), 1_500);
  t.equal(parseDurationMs('500ms'), 500);
  t.equal(parseDurationMs('2m'), 120_000);
  t.equal(parseDurationMs(3), 3_000);
  t.equal(parseDurationMs('soon'), undefined);
  t.equal(parseDurationMs(-1), undefined);
});

t.test('mistakes are positioned and never thrown', async (t) => {
  const bad = ['name: x', 'nodes:', '  tms01: { rserver: TMS01 }', 'timeline:', '  - at: 10s', '    slow: tms01', '  - at: 5s', '    crash: tms01', '    recover: tms01', 'durration: 1m', ''].join('\n');
  const r = parseScenario(bad, 'bad.yaml');
  const codes = r.diagnostics.map((d) => `${d.code}@${d.line}`);
  t.ok(codes.includes('SCENARIO_SCHEMA@5'), 'slow without ms');
  t.ok(codes.includes('SCENARIO_SCHEMA@7'), 'two faults in one entry');
  t.ok(r.diagnostics.some((d) => d.line === 10 && d.hint === 'did you mean `duration`?'), 'did you mean for field names');
  for (const text of ['', '- a list', 'nodes: 3', ': :', '\u0000']) t.doesNotThrow(() => parseScenario(text, 'x.yaml'));
});
