// A lab run against plain HTTP servers that are not acesim nodes (scenario
// nodes with `address:`): traffic flows through the VIP and the servers see
// the clients' own addresses; a server that goes away on its own (no fault
// in the timeline) is flagged as a false failure.
import t from 'tap';
import http from 'node:http';
import { once } from 'node:events';
import { compileConfig } from '../../../src/config/compile.js';
import { RealClock } from '../../../src/core/real-clock.js';
import { runLab } from '../../../src/lab/lab-run.js';
import { parseScenario } from '../../../src/lab/scenario.js';
import { smallConfig } from './small-lab.js';

/** Two plain HTTP servers on one port at two addresses, recording the source addresses they see. */
async function twoServers(t: { teardown: (fn: () => void) => void }, addrA: string, addrB: string): Promise<{ a: http.Server; b: http.Server; port: number; seen: string[] }> {
  const seen: string[] = [];
  const mk = () =>
    http.createServer((req, res) => {
      seen.push(req.socket.remoteAddress ?? '?');
      res.end('hello');
    });
  const a = mk();
  a.listen(0, addrA);
  await once(a, 'listening');
  const port = (a.address() as { port: number }).port;
  const b = mk();
  b.listen(port, addrB);
  await once(b, 'listening');
  t.teardown(() => {
    for (const s of [a, b]) {
      s.closeAllConnections();
      s.close();
    }
  });
  return { a, b, port, seen };
}

const scenario = (name: string, extra: string, a: string, b: string, range: string, perS: number): string => `name: ${name}
${extra}
nodes:
  a: { rserver: A, address: "${a}" }
  b: { rserver: B, address: "${b}" }
traffic:
  clients: 4
  clientRange: ${range}
  http: { perClientPerSecond: ${perS} }
  https: { perClientPerSecond: 0 }
  traps: { perClientPerSecond: 0 }
`;

t.test('plain HTTP servers as the scenario nodes', async (t) => {
  const { port, seen } = await twoServers(t, '127.0.0.71', '127.0.0.72');
  const sc = parseScenario(scenario('real servers', 'duration: 3s', `127.0.0.71:${port}`, `127.0.0.72:${port}`, '127.0.102.0/24', 3), 'real.yaml');
  t.same(sc.diagnostics, []);
  const c = compileConfig(smallConfig({ vip: '127.0.0.70', a: '127.0.0.1', b: '127.0.0.1', port }), 'real.conf');
  t.same(c.diagnostics.filter((d) => d.severity === 'error'), []);
  const out = await runLab({ scenario: sc.value, model: c.model, portOffset: 0, timeScale: 1, clock: new RealClock() });
  if (!out.ok) throw new Error(out.message);
  const m = out.result.metrics;
  t.ok(m.requests >= 20, `requests ${m.requests}`);
  t.equal(m.lostRequests, 0);
  const clientsSeen = seen.filter((s) => s.startsWith('127.0.102.'));
  t.ok(clientsSeen.length >= 20, 'the servers saw the clients’ own addresses');
  t.same(out.result.nodes.map((n) => [n.name, n.address, n.simulated]), [['a', '127.0.0.71', false], ['b', '127.0.0.72', false]]);
});

t.test('a node failing with no fault injected is flagged as a false failure', async (t) => {
  const { b, port } = await twoServers(t, '127.0.0.73', '127.0.0.74');
  const sc = parseScenario(scenario('b dies on its own', 'timeScale: 4\nduration: 12s', `127.0.0.73:${port}`, `127.0.0.74:${port}`, '127.0.106.0/24', 1), 'self.yaml');
  t.same(sc.diagnostics, []);
  const c = compileConfig(smallConfig({ vip: '127.0.0.75', a: '127.0.0.73', b: '127.0.0.74', port }), 'self.conf');
  const clock = new RealClock();
  // Nobody tells the lab: the server just goes away a second into the run.
  clock.setTimer(1000, () => {
    b.closeAllConnections();
    b.close();
  });
  const out = await runLab({ scenario: sc.value, model: c.model, portOffset: 0, timeScale: 4, clock });
  if (!out.ok) throw new Error(out.message);
  const r = out.result;
  t.ok(r.falseFailures.length > 0, 'flagged');
  t.match(r.falseFailures[0], { node: 'b', farm: 'SF', probe: 'HTTP-PROBE', cause: 'L4_REFUSED' });
  t.ok(r.falseFailures[0]!.atMs >= 4000, `in config time (${r.falseFailures[0]!.atMs} ms)`);
  t.match(r.checks.find((c) => c.name === 'falseFailures'), { ok: false, measured: r.falseFailures.length });
  t.ok(r.notes.some((n) => /FAILED on a node without a fault/.test(n)), 'the report says so');
  t.ok(r.probes.failed > 0 && r.probes.attempts > r.probes.failed, `probe noise counted (${r.probes.failed}/${r.probes.attempts})`);
  t.equal(r.falseFailures.filter((f) => f.node === 'a').length, 0, 'the healthy node is not flagged');
});
