// A lab run against plain HTTP servers that are not acesim nodes (scenario
// nodes with `address:`): traffic flows through the VIP and the servers see
// the clients' own addresses.
import t from 'tap';
import http from 'node:http';
import { once } from 'node:events';
import { compileConfig } from '../../../src/config/compile.js';
import { RealClock } from '../../../src/core/real-clock.js';
import { runLab } from '../../../src/lab/lab-run.js';
import { parseScenario } from '../../../src/lab/scenario.js';

const config = (port: number): string => `
access-list ALL line 8 extended permit ip any any
probe http HTTP-PROBE
  port ${port}
  interval 2
  faildetect 2
  passdetect interval 2
  request method get url /
  expect status 200 299
rserver host R1
  ip address 127.0.0.1
  inservice
rserver host R2
  ip address 127.0.0.1
  inservice
serverfarm host SF
  probe HTTP-PROBE
  rserver R1 ${port}
    inservice
  rserver R2 ${port}
    inservice
class-map match-all VIP
  match virtual-address 127.0.0.70 tcp eq ${port}
policy-map type loadbalance first-match LB
  class class-default
    serverfarm SF
policy-map multi-match POL
  class VIP
    loadbalance vip inservice
    loadbalance policy LB
interface vlan 10
  ip address 127.0.0.69 255.255.255.0
  access-group input ALL
  service-policy input POL
  no shutdown
`;

t.test('plain HTTP servers as the scenario nodes', async (t) => {
  const seen: string[] = [];
  const mk = () => http.createServer((req, res) => {
    seen.push(req.socket.remoteAddress ?? '?');
    res.end('hello');
  });
  const a = mk();
  a.listen(0, '127.0.0.71');
  await once(a, 'listening');
  const port = (a.address() as { port: number }).port;
  const b = mk();
  b.listen(port, '127.0.0.72');
  await once(b, 'listening');
  t.teardown(() => {
    a.closeAllConnections();
    b.closeAllConnections();
    a.close();
    b.close();
  });
  const sc = parseScenario(`name: real servers
duration: 3s
nodes:
  a: { rserver: R1, address: "127.0.0.71:${port}" }
  b: { rserver: R2, address: "127.0.0.72:${port}" }
traffic:
  clients: 4
  clientRange: 127.0.102.0/24
  http: { perClientPerSecond: 3 }
  https: { perClientPerSecond: 0 }
  traps: { perClientPerSecond: 0 }
`, 'real.yaml');
  t.same(sc.diagnostics, []);
  const c = compileConfig(config(port), 'real.conf');
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
