// The ACE's HTTP parse length survives `export --to haproxy`: HAProxy running the exported config and
// acesim's VIP on the same config let the same requests through and refuse the same ones, at the byte,
// by default (2048) and with `set header-maxparse-length 4096`. acesim resets the connection; HAProxy's
// `http-request reject` closes it: either way the client gets no answer. Skipped with the reason when
// haproxy is not installed.
import t from 'tap';
import http from 'node:http';
import { compileConfig } from '../../../src/config/compile.js';
import { RealClock } from '../../../src/core/real-clock.js';
import { HaproxyEngine, haproxyAvailable } from '../../../src/lab/engine-haproxy.js';
import { LoopbackHttpNode } from '../../fakes/loopback-http-node.js';
import { sizedRequest, startVipRuntime } from '../../fakes/vip-runtime.js';
import { waitFor } from '../proxy/tms-nodes.js';
import { probedFarmVip } from '../../fakes/vip-configs.js';

const PORT = 20000 + Math.floor(Math.random() * 20000);
const VIP = '127.0.205.40';
const NODE = '127.0.205.11';

const config = (map: string[]): string => probedFarmVip({ vip: VIP, port: PORT, reals: { A1: NODE }, realPort: PORT, vlanAddress: '127.0.205.2', ...(map.length > 0 ? { map } : {}) });

class Node extends LoopbackHttpNode {
  protected serve(server: http.Server): void {
    server.on('request', (_req: http.IncomingMessage, res: http.ServerResponse) => res.end('ok\n'));
  }
}

/** 200, or `no answer` for a reset or a close without one. */
const outcome = (s: string): string => (s === 'reset' || s === 'closed' ? 'no answer' : s);

const CASES: { map: string[]; sizes: number[] }[] = [
  { map: [], sizes: [2000, 2048, 2049, 3000] },
  { map: ['set header-maxparse-length 4096'], sizes: [3000, 4096, 4097] },
];

const available = await haproxyAvailable();
t.test('HAProxy on the exported config refuses exactly the requests acesim refuses', { skip: available ? false : 'haproxy is not installed (apt-get install haproxy; .ci/run installs it)' }, async (t) => {
  const node = new Node('A1', NODE, PORT);
  await node.start();
  t.teardown(() => node.stop());
  for (const { map, sizes } of CASES) {
    const text = config(map);
    const acesim: string[] = [];
    {
      const { rt } = await startVipRuntime(t, text, { listeners: [['VIP-WEB', true]], runtime: { drainMs: 100 } });
      t.ok(await waitFor(() => rt.balancer.realState('F', 'A1') === 'OPERATIONAL', 8000), 'acesim: the real is operational');
      for (const n of sizes) acesim.push(outcome(await sizedRequest(VIP, PORT, n, '127.0.100.71')));
      await rt.stop();
    }
    const engine = new HaproxyEngine({ model: compileConfig(text, 'p.conf').model, context: 'Admin', clock: new RealClock() });
    t.teardown(() => engine.stop());
    const started = await engine.start();
    t.same(started.failures, [], 'HAProxy runs the exported config');
    const haproxy: string[] = [];
    for (const n of sizes) haproxy.push(outcome(await sizedRequest(VIP, PORT, n, '127.0.100.72')));
    await engine.stop();
    const limit = map.length > 0 ? 4096 : 2048;
    t.same(acesim, sizes.map((n) => (n <= limit ? '200' : 'no answer')), `acesim (${map.join(', ') || 'default'}): served up to ${limit} bytes`);
    t.same(haproxy, acesim, `HAProxy on the export agrees, byte for byte (${sizes.join(', ')})`);
  }
});
