// Faults behind the VIP, on loopback, through an L4 and an L7 VIP at once: a
// node that resets half-way through a response, one that hangs, one that
// disappears (listener closed, connections refused), and config reloads through
// the management API while clients keep sending. Every client exchange must
// end (no socket stuck: the inactivity timeout cuts a hung real), every loss
// must show in the counters, the connect-failure reassign and reload must lose
// nothing, and the balancer must serve afterwards. The SIGKILL of an active FT
// member with a standby running is test/integration/ha/pair-sigkill.test.ts
// (takeover time, 100 % of replicated sticky entries kept) and
// test/integration/lab/pair-lab.test.ts (requests lost, counted by the lab).
// Ports 30110-30139, addresses 127.0.120.20-39 and clients 127.0.120.150+.
import t from 'tap';
import http from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runRun } from '../../src/cli/run.js';
import type { BalancerRuntime } from '../../src/runtime/balancer-runtime.js';
import { FaultyNode, request, startRuntime, total, waitFor, type Assertions, type Outcome, PERMIT_ALL, rserverHosts, VIPS_INTERFACE } from './helpers.js';
import { captureIo } from '../fakes/capture-io.js';

const VIP = '127.0.120.20';
const N1 = '127.0.120.21';
const N2 = '127.0.120.22';
const client = (i: number): string => `127.0.120.${150 + (i % 100)}`;

const config = (l4: number, l7: number, nodePort: number, extra = ''): string => `
${PERMIT_ALL}
${rserverHosts({ N1, N2 })}serverfarm host FARM
  rserver N1 ${nodePort}
    inservice
  rserver N2 ${nodePort}
    inservice
${extra}
class-map match-all VIP-L4
  2 match virtual-address ${VIP} tcp eq ${l4}
class-map match-all VIP-L7
  2 match virtual-address ${VIP} tcp eq ${l7}
policy-map type loadbalance first-match LB4
  class class-default
    serverfarm FARM
policy-map type loadbalance http first-match LB7
  class class-default
    serverfarm FARM
policy-map multi-match VIPS
  class VIP-L4
    loadbalance vip inservice
    loadbalance policy LB4
  class VIP-L7
    loadbalance vip inservice
    loadbalance policy LB7
${VIPS_INTERFACE}`;

const L4 = 30110;
const L7 = 30111;
const NODE = 30112;
/** Short inactivity timeout: a hung real is cut after this (tests assert outcomes, never durations). */
const IDLE_MS = 1500;

interface Rig {
  rt: BalancerRuntime;
  nodes: [FaultyNode, FaultyNode];
}

async function rig(t: Assertions): Promise<Rig> {
  const nodes: [FaultyNode, FaultyNode] = [new FaultyNode('N1', N1, NODE), new FaultyNode('N2', N2, NODE)];
  for (const n of nodes) await n.start();
  t.teardown(() => Promise.all(nodes.map((n) => n.stop())));
  const rt = await startRuntime(t, config(L4, L7, NODE), { timeouts: { tcpIdleMs: IDLE_MS, connectTimeoutMs: 1000, httpHeaderMs: 5000 } });
  return { rt, nodes };
}

/** n requests on each VIP, 8 at a time; the outcomes per VIP. */
async function load(n: number, from = 0): Promise<{ l4: Awaited<ReturnType<typeof request>>[]; l7: Awaited<ReturnType<typeof request>>[] }> {
  const run = async (port: number): Promise<Awaited<ReturnType<typeof request>>[]> => {
    const out: Awaited<ReturnType<typeof request>>[] = [];
    for (let i = 0; i < n; i += 8) out.push(...(await Promise.all(Array.from({ length: Math.min(8, n - i) }, (_, j) => request(VIP, port, client(from + i + j))))));
    return out;
  };
  const [l4, l7] = await Promise.all([run(L4), run(L7)]);
  return { l4, l7 };
}

const count = (rs: { outcome: Outcome }[], o: Outcome): number => rs.filter((r) => r.outcome === o).length;
const reals = (rt: BalancerRuntime): number[] => rt.balancer.snapshotFarms()[0]!.reals.map((r) => r.current);

for (const mode of ['reset-mid', 'close-mid'] as const) {
  const how = mode === 'reset-mid' ? 'resets (RST)' : 'closes (FIN, as when its process dies)';
  t.test(`a node ${how} mid-response: those clients are cut at once, nothing hangs, the other node serves`, async (t) => {
    const { rt, nodes } = await rig(t);
    nodes[0].mode = mode;
    const r = await load(20);
    for (const [vip, rs] of Object.entries(r)) {
      t.equal(count(rs, 'timeout'), 0, `${vip}: no request left hanging`);
      t.equal(count(rs, 'ok') + count(rs, 'reset'), rs.length, `${vip}: every request completed or was cut`);
      t.ok(count(rs, 'reset') > 0 && rs.filter((x) => x.outcome === 'ok').every((x) => x.node === 'N2'), `${vip}: the cut ones are N1's, N2 answers`);
    }
    t.equal(total(rt, 'idleTimeouts'), 0, 'cut when the real failed, not later by the inactivity timeout');
    const [l4, l7] = rt.counters().map((l) => l.counters);
    // L7 knows the response was incomplete and counts it; L4 passes a FIN on as a FIN (it cannot tell a short stream).
    t.equal(l7!.resets, count(r.l7, 'reset'), `L7: each lost response counted in resets (${l7!.resets})`);
    // An RST that lands while response bytes still wait in the VIP's receive queue can read as EOF on
    // Linux (seen under load): the VIP then passes a FIN, which L4 cannot count. Every RST it sees, it counts.
    if (mode === 'reset-mid') t.ok(l4!.resets <= count(r.l4, 'reset'), `L4: resets counted (${l4!.resets} of ${count(r.l4, 'reset')} cut)`);
    t.ok(await waitFor(() => reals(rt).every((c) => c === 0), 3000), 'no connection left open on either real');
    nodes[0].mode = 'ok';
    const after = await load(8, 50);
    t.equal(count(after.l4, 'ok') + count(after.l7, 'ok'), 16, 'serving normally afterwards');
  });
}

t.test('a node hangs: its clients are cut by the inactivity timeout, counted, and the node\'s sockets are released', async (t) => {
  const { rt, nodes } = await rig(t);
  nodes[0].mode = 'hang';
  const r = await load(16);
  for (const [vip, rs] of Object.entries(r)) {
    t.equal(count(rs, 'timeout'), 0, `${vip}: no client waits for ever (the VIP cut them first)`);
    t.equal(rs.filter((x) => x.outcome === 'ok').length, rs.filter((x) => x.node === 'N2').length, `${vip}: N2's answers arrive`);
  }
  const hung = 32 - count([...r.l4, ...r.l7], 'ok');
  t.ok(hung > 0, `${hung} requests met the hung node`);
  t.equal(count([...r.l4, ...r.l7], 'reset'), hung, 'each one ended in a reset');
  t.equal(total(rt, 'idleTimeouts'), hung, 'each one counted as an idle timeout');
  t.ok(await waitFor(() => nodes[0].sockets.size === 0, 3000), 'the hung node holds no socket from the VIP any more');
  t.ok(await waitFor(() => reals(rt).every((c) => c === 0), 3000), 'connection accounting back to zero');
  nodes[0].mode = 'ok';
  const after = await load(8, 50);
  t.equal(count(after.l4, 'ok') + count(after.l7, 'ok'), 16, 'serving normally afterwards');
});

t.test('a node disappears: connect-failure reassign loses nothing; it comes back and serves again', async (t) => {
  const { rt, nodes } = await rig(t);
  await nodes[0].stop();
  const r = await load(20);
  t.equal(count(r.l4, 'ok'), 20, 'L4: every request answered (reassigned to N2)');
  t.equal(count(r.l7, 'ok'), 20, 'L7: every request answered (reassigned to N2)');
  t.ok([...r.l4, ...r.l7].every((x) => x.node === 'N2'));
  const failures = total(rt, 'connectFailures');
  t.ok(failures > 0, `${failures} connect failures`);
  t.equal(total(rt, 'reassigned'), failures, 'each connect failure reassigned');
  t.equal(rt.balancer.snapshotFarms()[0]!.reals[0]!.failures, failures, 'and counted on the real');
  await nodes[0].start();
  const after = await load(8, 50);
  t.equal(count(after.l4, 'ok') + count(after.l7, 'ok'), 16, 'all served');
  t.ok([...after.l4, ...after.l7].some((x) => x.node === 'N1'), 'N1 takes flows again');
  t.ok(await waitFor(() => reals(rt).every((c) => c === 0), 3000), 'connection accounting back to zero');
});

t.test('config reloads through the management API under load: no request lost, long connections live on', async (t) => {
  const nodes: [FaultyNode, FaultyNode] = [new FaultyNode('N1', N1, NODE + 5), new FaultyNode('N2', N2, NODE + 5)];
  for (const n of nodes) await n.start();
  t.teardown(() => Promise.all(nodes.map((n) => n.stop())));
  const dir = mkdtempSync(join(tmpdir(), 'acesim-reload-load-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'ace.conf');
  const A = config(L4 + 10, L7 + 10, NODE + 5);
  // B changes the predictor and a weight, and adds a sticky group and a third VIP.
  const B = config(L4 + 10, L7 + 10, NODE + 5, 'sticky ip-netmask 255.255.255.255 address source STK\n  timeout 5\n  serverfarm FARM\n')
    .replace('serverfarm host FARM\n', 'serverfarm host FARM\n  predictor leastconns\n')
    .replace(`  rserver N2 ${NODE + 5}\n    inservice`, `  rserver N2 ${NODE + 5}\n    weight 3\n    inservice`)
    .replace('class-map match-all VIP-L7\n', `class-map match-all VIP-X\n  2 match virtual-address ${VIP} tcp eq ${L4 + 12}\nclass-map match-all VIP-L7\n`)
    .replace('  class VIP-L7\n', '  class VIP-X\n    loadbalance vip inservice\n    loadbalance policy LB4\n  class VIP-L7\n');
  writeFileSync(file, A);
  writeFileSync(join(dir, 'token'), 'reload-token\n');
  const io = captureIo();
  const ac = new AbortController();
  let url = '';
  const done = runRun(io, { file, maps: [], portOffset: 0, logLevel: 'warn', mgmt: '127.0.120.30:30130', mgmtTokenFile: join(dir, 'token'), env: {}, runtime: { drainMs: 2000, timeouts: { tcpIdleMs: 5000 } }, onMgmt: (u) => (url = u) }, ac.signal);
  t.ok(await waitFor(() => url !== '', 5000), 'the API is up');
  t.teardown(async () => {
    ac.abort();
    await done;
  });

  // Long-lived keep-alive connections through each VIP, opened before the first reload.
  const agent = new http.Agent({ keepAlive: true, maxSockets: 4, localAddress: '127.0.120.240' });
  t.teardown(() => agent.destroy());
  const viaAgent = (port: number): Promise<number> =>
    new Promise((resolve) => {
      http.get({ host: VIP, port, path: '/', agent }, (res) => res.resume().on('end', () => resolve(res.statusCode ?? 0)).on('error', () => resolve(-1))).on('error', () => resolve(-1));
    });
  t.same(await Promise.all([viaAgent(L4 + 10), viaAgent(L7 + 10)]), [200, 200]);
  const sockets = Object.values(agent.freeSockets).flat();

  // Steady load: 6 workers, fresh connections, until the reloads are done.
  let stop = false;
  const outcomes: Outcome[] = [];
  const keepAlive: number[] = [];
  const workers = Array.from({ length: 6 }, async (_, w) => {
    for (let i = 0; !stop; i++) {
      const r = await request(VIP, w % 2 === 0 ? L4 + 10 : L7 + 10, client(w * 10 + (i % 10)));
      outcomes.push(r.status === 200 ? r.outcome : 'error');
      if (i % 5 === 0) keepAlive.push(await viaAgent(w % 2 === 0 ? L4 + 10 : L7 + 10));
    }
  });
  const applied: number[] = [];
  for (let i = 0; i < 6; i++) {
    writeFileSync(file, i % 2 === 0 ? B : A);
    const res = await fetch(`${url}/api/reload`, { method: 'POST', headers: { authorization: 'Bearer reload-token' }, body: JSON.stringify({ text: i % 2 === 0 ? B : A, file: 'ace.conf' }) });
    applied.push(res.status);
    await new Promise((r) => setTimeout(r, 150));
  }
  stop = true;
  await Promise.all(workers);
  t.same(applied, [200, 200, 200, 200, 200, 200], 'six reloads applied');
  t.ok(outcomes.length > 30, `${outcomes.length} requests during the reloads`);
  t.equal(outcomes.filter((o) => o !== 'ok').length, 0, 'no request lost across the reloads');
  t.ok(keepAlive.length > 0 && keepAlive.every((s) => s === 200), 'keep-alive requests answered');
  t.ok(sockets.length > 0 && sockets.every((s) => s !== undefined && !s.destroyed), 'the connections opened before the first reload are still open');
  // The third VIP from B came and went with the reloads; the API still answers.
  const stats = await fetch(`${url}/api/show/stats`);
  t.equal(stats.status, 200, 'the API still serves');
  t.match(io.outs.join('\n'), /reload: VIP VIP-X .*: opened/);
});
