// `acesim lab --runs 2 --format json --report DIR` on a small config with
// several faults (crash a, recover; blackhole b, recover): both runs are
// reported, every fault is measured on its own, failures reaching a node are
// attributed to it, and the HTML report (parsed with parse5) carries the SVG
// timeline, per-node rows and a metrics table equal to the JSON. Then the
// no-openssl path: HTTPS disabled with a clear message. Real sockets on
// loopback; about 20 s in all.
import t from 'tap';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, type DefaultTreeAdapterTypes } from 'parse5';
import { main } from '../../../src/cli/main.js';
import { runLabCommand } from '../../../src/cli/lab.js';
import type { LabJson } from '../../../src/lab/report-text.js';
import { labIo, OFFSET, smallConfig } from './small-lab.js';

type Node = DefaultTreeAdapterTypes.Node;
type Element = DefaultTreeAdapterTypes.Element;

const io = labIo;

function elements(n: Node, out: Element[] = []): Element[] {
  if ('tagName' in n) out.push(n);
  if ('childNodes' in n) for (const c of n.childNodes) elements(c, out);
  if ('content' in n && n.content) elements(n.content as Node, out);
  return out;
}
const attr = (e: Element, name: string): string | undefined => e.attrs.find((a) => a.name === name)?.value;

const SCENARIO = `name: two faults
portOffset: ${OFFSET}
timeScale: 4
duration: 32s
nodes:
  a: { rserver: A }
  b: { rserver: B }
traffic:
  clients: 6
  clientRange: 127.0.104.0/24
  http: { perClientPerSecond: 0.5 }
  https: { perClientPerSecond: 0 }
  traps: { perClientPerSecond: 0 }
timeline:
  - at: 4s
    crash: a
  - at: 10s
    recover: a
  - at: 18s
    blackhole: b
  - at: 24s
    recover: b
`;

t.test('--runs 2 with two faults: JSON per fault and the HTML report', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'acesim-lab-report-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const x = io({ 'two.yaml': SCENARIO, 'small.conf': smallConfig({ vip: '127.0.77.10', a: '127.0.77.11', b: '127.0.77.12', port: 80 }) });
  const code = await main(['lab', 'small.conf', '--scenario', 'two.yaml', '--runs', '2', '--format', 'json', '--report', dir], x);
  if (!x.outText) t.comment(x.errText);
  const j = JSON.parse(x.outText) as LabJson;
  t.equal(j.scenario, 'two faults');
  t.equal(j.timeScale, 4);
  t.equal(j.runs.length, 2, 'both runs reported');
  for (const [i, r] of j.runs.entries()) {
    t.same(Object.keys(r.metrics).sort(), ['detectionByFarmMs', 'detectionMs', 'failbackMs', 'failoverMs', 'lostRequests', 'lostTraps', 'recoveryMs', 'requests', 'sourceMismatches', 'stickyMoves', 'traps'], `run ${i + 1}: the issue's metrics keys`);
    t.same(r.faults.map((f) => [f.fault, f.node, f.recoverAtMs !== null]), [['crash', 'a', true], ['blackhole', 'b', true]], `run ${i + 1}: every fault measured`);
    // The top level keeps the first fault's figures (compatibility with issue 6's shape).
    t.equal(r.metrics.detectionMs, r.faults[0]!.detectionMs);
    t.same(r.predicted, r.faults[0]!.predicted);
    for (const f of r.faults) {
      t.ok(f.detectionMs !== null, `run ${i + 1}: ${f.fault} ${f.node} detected (${f.detectionMs} ms)`);
      t.ok(f.recoveryMs !== null, `run ${i + 1}: ${f.fault} ${f.node} recovered (${f.recoveryMs} ms)`);
      t.ok(f.predicted.detectionMs, 'a detection window per fault');
      t.ok(f.checks.some((c) => c.name === 'detection'), 'a detection check per fault');
    }
    // A blackhole fails probes on the open timeout (1 s), a crash at once: its window starts later.
    t.ok(r.faults[1]!.predicted.detectionMs![0] > r.faults[0]!.predicted.detectionMs![0], 'blackhole predicted slower than crash');
    t.equal(r.metrics.sourceMismatches, 0);
    t.ok(r.metrics.requests > 50, `requests flowed (${r.metrics.requests})`);
    t.type(r.probes.attempts, 'number');
    t.ok(Array.isArray(r.falseFailures));
    const causes = Object.entries(r.lostByCause);
    t.equal(causes.reduce((a, [, n]) => a + n, 0), r.metrics.lostRequests, `run ${i + 1}: every lost request has a cause (${JSON.stringify(r.lostByCause)})`);
    for (const [c] of causes) t.match(c, /^(refused|reset|timeout|tls|HTTP \d{3}|[a-z_]+)$/, `run ${i + 1}: cause "${c}" is one of the documented forms`);
  }
  t.ok(code === 0 || code === 1, `exit ${code}`);

  const files = readdirSync(dir).filter((f) => f.endsWith('.html'));
  t.equal(files.length, 1, 'one HTML report');
  const doc = parse(readFileSync(join(dir, files[0]!), 'utf8'));
  const all = elements(doc);
  const svgs = all.filter((e) => e.tagName === 'svg');
  t.equal(svgs.length, 2, 'one SVG timeline per run');
  for (const [i, r] of j.runs.entries()) {
    const svg = elements(svgs[i]!);
    const rows = new Map(svg.filter((e) => e.tagName === 'g' && attr(e, 'data-row')).map((e) => [attr(e, 'data-row')!, Number(attr(e, 'data-total'))]));
    t.same([...rows.keys()].sort(), ['failed-a', 'failed-b', 'failed-unattributed', 'served-a', 'served-b'], `run ${i + 1}: per-node rows and the unattributed row`);
    const failed = (rows.get('failed-a') ?? 0) + (rows.get('failed-b') ?? 0) + (rows.get('failed-unattributed') ?? 0);
    t.equal(failed, r.metrics.lostRequests + r.metrics.lostTraps, `run ${i + 1}: failure rows add up to the JSON losses`);
    t.ok(svg.filter((e) => e.tagName === 'line').length >= 4, 'fault markers');
    const table = all.find((e) => e.tagName === 'table' && attr(e, 'id') === `metrics-run-${i + 1}`);
    t.ok(table, `run ${i + 1}: metrics table`);
    const cells = new Map(elements(table!).filter((e) => e.tagName === 'tr').map((e) => [attr(e, 'data-metric')!, attr(e, 'data-value')!]));
    for (const k of ['detectionMs', 'failoverMs', 'recoveryMs', 'failbackMs', 'requests', 'lostRequests', 'traps', 'lostTraps', 'stickyMoves', 'sourceMismatches'] as const) {
      t.equal(cells.get(k), String(r.metrics[k]), `run ${i + 1}: ${k} in the HTML equals the JSON`);
    }
    const faults = all.find((e) => e.tagName === 'table' && attr(e, 'id') === `faults-run-${i + 1}`);
    t.equal(elements(faults!).filter((e) => e.tagName === 'tr' && attr(e, 'data-fault') !== undefined).length, 2, 'a row per fault');
  }
});

t.test('without openssl: HTTPS disabled with a clear message, the run goes on', async (t) => {
  const files = {
    'tls.yaml': SCENARIO.replace('name: two faults', 'name: no openssl').replace(/timeline:[\s\S]*$/, '').replace('duration: 32s', 'duration: 12s').replace('127.0.104.0/24', '127.0.105.0/24').replace('https: { perClientPerSecond: 0 }', 'https: { perClientPerSecond: 0.5 }'),
    'small.conf': smallConfig({ vip: '127.0.77.20', a: '127.0.77.21', b: '127.0.77.22', port: 80, https: true }),
  };
  const x = io(files);
  let asked = 0;
  const code = await runLabCommand(x, { config: 'small.conf', scenario: 'tls.yaml', runs: 1, format: 'json', certificate: () => (asked++, undefined) });
  t.equal(asked, 1, 'the certificate maker was asked');
  t.match(x.errText, /openssl not found: HTTPS is disabled/);
  if (!x.outText) t.comment(x.errText);
  const j = JSON.parse(x.outText) as LabJson;
  const r = j.runs[0]!;
  t.ok(r.notes.some((n) => /no TLS certificate for the simulated nodes/.test(n)), 'the report says so');
  t.ok(r.metrics.requests > 10, 'HTTP traffic still flowed');
  t.equal(r.metrics.lostRequests, 0, 'no HTTPS request was sent, so none was lost');
  t.same(r.falseFailures, [], 'the HTTPS probes failing on nodes without HTTPS are not false failures');
  t.equal(code, 0);
});

t.test('lost requests say how they failed: a node answering 503 until its probes fail it', async (t) => {
  const x = io({
    '503.yaml': SCENARIO.replace('name: two faults', 'name: node errors')
      .replace('duration: 32s', 'duration: 12s')
      .replace('127.0.104.0/24', '127.0.107.0/24')
      .replace('http: { perClientPerSecond: 0.5 }', 'http: { perClientPerSecond: 2 }')
      .replace(/timeline:[\s\S]*$/, 'timeline:\n  - at: 3s\n    http-error: a\n    status: 503\n'),
    'small.conf': smallConfig({ vip: '127.0.77.40', a: '127.0.77.41', b: '127.0.77.42', port: 80 }),
  });
  const code = await runLabCommand(x, { config: 'small.conf', scenario: '503.yaml', runs: 1, format: 'json' });
  if (!x.outText) t.comment(x.errText);
  t.ok(code === 0 || code === 1, `exit ${code}`);
  const r = (JSON.parse(x.outText) as LabJson).runs[0]!;
  t.ok((r.lostByCause['HTTP 503'] ?? 0) > 0, `requests answered 503 before detection are lost as "HTTP 503" (${JSON.stringify(r.lostByCause)})`);
  t.equal(Object.values(r.lostByCause).reduce((a, n) => a + n, 0), r.metrics.lostRequests, 'the causes add up to the lost requests');
});
