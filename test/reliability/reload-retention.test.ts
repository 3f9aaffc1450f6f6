// Hot reloads must not keep the balancers they replace: 200 reloads through the
// management API (weights, a sticky group's timeout, probe timing and a second
// VIP changing in turn) leave every replaced Balancer collectable; one still
// owning an open connection stays alive exactly as long as that connection
// does, and settles its accounting when it closes. Collectability is asserted
// with WeakRefs after forced full GCs (V8's gc(), exposed at run time), not
// with memory figures. Ports 37000-37019, addresses 127.0.170.0-19.
import t from 'tap';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { compileConfig } from '../../src/config/compile.js';
import { RealClock } from '../../src/core/real-clock.js';
import type { Balancer } from '../../src/farm/balancer.js';
import { MgmtApi } from '../../src/mgmt/api.js';
import { connectRaw, echoNode, echoOnce, rserverHosts, startRuntime, waitFor } from './helpers.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const VIP = '127.0.170.2';
const N1 = '127.0.170.11';
const N2 = '127.0.170.12';
const CLIENT = '127.0.170.15';
const VIP_PORT = 37001;
const VIP2_PORT = 37002;
const NODE_PORT = 37010;
const TOKEN = 'retention-token';

interface Variant {
  weight?: number;
  stickyTimeout?: number;
  probeInterval?: number;
  secondVip?: boolean;
}

const config = (v: Variant): string => `access-list ALL line 10 extended permit ip any any
probe tcp P
  interval ${v.probeInterval ?? 5}
${rserverHosts({ N1, N2 })}serverfarm host FARM
  probe P
  rserver N1 ${NODE_PORT}
    weight ${v.weight ?? 1}
    inservice
  rserver N2 ${NODE_PORT}
    inservice
sticky ip-netmask 255.255.255.255 address source STK
  timeout ${v.stickyTimeout ?? 10}
  serverfarm FARM
class-map match-all VIP-A
  2 match virtual-address ${VIP} tcp eq ${VIP_PORT}
${v.secondVip ? `class-map match-all VIP-B\n  2 match virtual-address ${VIP} tcp eq ${VIP2_PORT}\n` : ''}policy-map type loadbalance first-match LB
  class class-default
    sticky-serverfarm STK
policy-map multi-match VIPS
  class VIP-A
    loadbalance vip inservice
    loadbalance policy LB
${v.secondVip ? '  class VIP-B\n    loadbalance vip inservice\n    loadbalance policy LB\n' : ''}interface vlan 100
  ip address 127.0.170.1 255.255.255.0
  access-group input ALL
  service-policy input VIPS
  no shutdown
`;

/** Four kinds of change in turn: a weight (sticky table shared), a sticky timeout (a new table), probe timing, a VIP added or removed. */
const variant = (i: number): Variant => [{ weight: 2 + (i % 7) }, { stickyTimeout: 11 + (i % 5) }, { probeInterval: 6 + (i % 3) }, { secondVip: i % 8 === 3 }][i % 4]!;

/** Full collections with a macrotask between them, so no WeakRef is held by the current job. */
async function collect(): Promise<void> {
  for (let i = 0; i < 3; i++) {
    await new Promise((r) => setImmediate(r));
    gc();
  }
}

// WeakRefs are made and read in helpers so no suspended async frame keeps a Balancer in a register.
const track = (refs: WeakRef<Balancer>[], b: () => Balancer): void => void refs.push(new WeakRef(b()));
const alive = (refs: readonly WeakRef<Balancer>[]): number[] => refs.flatMap((r, i) => (r.deref() !== undefined ? [i] : []));

t.test('200 reloads through the management API: every replaced balancer is collectable', async (t) => {
  const nodes = [await echoNode(N1, NODE_PORT), await echoNode(N2, NODE_PORT)];
  t.teardown(() => Promise.all(nodes.map((n) => n.stop())));
  const rt = await startRuntime(t, config({}));
  const c = compileConfig(config({}), 'ace.conf');
  const api = new MgmtApi({ runtime: rt, model: c.model, clock: new RealClock(), auth: { token: TOKEN, readsNeedToken: false }, compile: async (text, file) => compileConfig(text, file) });
  t.teardown(() => api.dispose());

  const refs: WeakRef<Balancer>[] = [];
  const statuses = new Map<number, number>();
  for (let i = 0; i < 200; i++) {
    track(refs, () => rt.balancer);
    const res = await api.handle({ method: 'POST', url: '/api/reload', headers: { authorization: `Bearer ${TOKEN}`, host: '127.0.0.1' }, body: JSON.stringify({ text: config(variant(i)), file: 'ace.conf' }), remoteAddress: '127.0.0.1' });
    statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
  }
  t.same([...statuses], [[200, 200]], 'all 200 reloads applied');
  // A read of every kind the operator surface offers, so its caches are part of what is checked.
  for (const url of ['/metrics', '/api/show/stats', '/api/show/sticky-database', '/api/show/serverfarm', '/api/dashboard']) {
    t.equal((await api.handle({ method: 'GET', url, headers: { host: '127.0.0.1' }, remoteAddress: '127.0.0.1' })).status, 200, `${url} answers`);
  }
  await collect();
  t.same(alive(refs), [], 'no replaced balancer is retained');
  t.ok(rt.balancer.snapshotFarms().length === 1, 'the current balancer serves on');
});

t.test('a replaced balancer lives exactly as long as the connections it decided', async (t) => {
  const nodes = [await echoNode(N1, NODE_PORT + 1), await echoNode(N2, NODE_PORT + 1)];
  t.teardown(() => Promise.all(nodes.map((n) => n.stop())));
  const cfg = (w: number): string => config({ weight: w }).replaceAll(` ${NODE_PORT}\n`, ` ${NODE_PORT + 1}\n`).replace(`tcp eq ${VIP_PORT}`, `tcp eq ${VIP_PORT + 10}`);
  const rt = await startRuntime(t, cfg(1));
  const held = await connectRaw(VIP, VIP_PORT + 10, CLIENT);
  t.teardown(() => held.destroy());
  t.equal(await echoOnce(held, 'before'), 'before', 'a connection through the first balancer');
  const old: WeakRef<Balancer>[] = [];
  track(old, () => rt.balancer);
  const inUse = (): number => old[0]!.deref()?.snapshotFarms()[0]!.reals.reduce((n, r) => n + r.current, 0) ?? -1;
  t.equal(inUse(), 1, 'it is counted on its real');

  for (let w = 2; w <= 4; w++) t.ok((await rt.reload(compileConfig(cfg(w), 'ace.conf').model)).ok, `reload ${w - 1} applied`);
  await collect();
  t.same(alive(old), [0], 'the balancer owning an open connection is kept');
  t.equal(await echoOnce(held, 'after'), 'after', 'the connection is still served after three reloads');
  t.equal(inUse(), 1, 'and still counted where it opened');

  held.destroy();
  t.ok(await waitFor(() => inUse() === 0, 3000), 'its close is settled on the balancer that decided it');
  t.equal(rt.budget.active, 0, 'and its conc-connections slot returned');
  await collect();
  t.same(alive(old), [], 'once it closed, the old balancer is collectable');
});
