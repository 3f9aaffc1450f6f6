// The network-namespace lab on real namespaces (root): the reference topology
// with real 10.x addresses, the balancer as `acesim run --transparency
// transparent` in its namespace, nodes and clients as workers in theirs.
// From the clients' namespace HTTP, HTTPS and SNMP traps reach each node
// through the VIP, each node records the client's own address, a crash fails
// over, and every namespace is gone afterwards (also after SIGTERM, and those
// of dead labs are swept). Skipped only without root or `ip netns`.
// Needs the build (dist/): the balancer and the workers are spawned from it.
import t from 'tap';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RealClock } from '../../src/core/real-clock.js';
import { netnsPlanFor, probeEventOf, realClientRange, runNetnsLab } from '../../src/lab/netns-lab.js';
import { buildCommands, listAcesimNamespaces, planNetns, prefixLength, sweepStale } from '../../src/lab/netns.js';
import { selfSignedCert } from '../../src/lab/tls-cert.js';
import { installTransparentRouting, nftScript, tablePids, type CommandRunner } from '../../src/proxy/transparent-routing.js';
import { loadTransparentAddon } from '../../src/proxy/transparent-socket.js';
import { entry, loadLab, netnsSkip, ROOT } from '../fakes/netns-lab.js';

const CONFIG = join(ROOT, 'examples/tms-ace.conf');

// The scenario as the loopback lab has it (map, offset, 127.x clients): --netns maps the clients back.
const SCENARIO = `
name: netns crash
map: ["10.0.0.0/8=127.0.0.0/8"]
portOffset: 10000
timeScale: 10
duration: 80s
reassign: true
nodes:
  tms01: { rserver: TMS01 }
  tms02: { rserver: TMS02 }
traffic:
  clients: 12
  clientRange: 127.0.100.0/24
  http: { perClientPerSecond: 0.5 }
  https: { perClientPerSecond: 0.2 }
  traps: { perClientPerSecond: 0.3 }
timeline:
  - at: 25s
    crash: tms01
`;

const load = () => loadLab({ text: SCENARIO, file: 'netns.yaml' }, { text: readFileSync(CONFIG, 'utf8'), file: 'tms-ace.conf' });

// ------------------------------------------------------------ pure parts (run everywhere)

t.test('topology plan: reference addresses, gateways, names with the pid', async (t) => {
  const { sc, model, maps } = load();
  t.equal(realClientRange('127.0.100.0/24', maps), '10.0.100.0/24');
  t.equal(prefixLength('255.255.255.0'), 24);
  t.equal(prefixLength('255.0.255.0'), undefined);
  const p = netnsPlanFor(model, { scenario: sc, maps }, 4242);
  if (typeof p === 'string') throw new Error(p);
  t.equal(p.prefix, 'acesim-4242');
  t.same(p.clients.slice(0, 2), ['10.0.100.1', '10.0.100.2']);
  t.equal(p.balancer100, '10.0.100.254', 'the clients gateway: the last host of their subnet');
  t.equal(p.balancer200, '10.0.200.24', 'the nodes gateway: the config interface vlan 200 address');
  t.same(p.vips, ['10.0.200.40']);
  t.same(p.nodes.map((n) => [n.ns, n.address]), [['acesim-4242-tms01', '10.0.200.50'], ['acesim-4242-tms02', '10.0.200.60']]);
  const cmds = buildCommands(p).map((c) => c.args.join(' '));
  t.ok(cmds.includes('link add vlan200 netns acesim-4242-tms01 type veth peer name n0 netns acesim-4242-sw'), 'veths are created inside their namespaces');
  t.notOk(cmds.some((c) => /^addr|^link set/.test(c)), 'nothing is configured in the host namespace');
  t.match(planNetns({ pid: 1, clients: ['10.0.1.1'], clientPrefixLen: 24, vips: [], nodes: [{ name: 'a', address: '10.0.1.9' }] }), /share a subnet/);
});

t.test('probe event lines of the balancer\'s events file: checked field by field', async (t) => {
  const key = { probe: 'PROBE-HTTP-80', probeType: 'http', farm: 'SFARM-TMS-WEB-80', rserver: 'TMS01', address: '10.0.200.50', port: 80, portType: 'PROBE' };
  t.same(probeEventOf({ type: 'probe.result', key, result: { ok: false, cause: 'L4_REFUSED', latencyMs: 1 }, health: 'PASSED' }), { type: 'probe.result', key, result: { ok: false, cause: 'L4_REFUSED', latencyMs: 1 }, health: 'PASSED' });
  t.match(probeEventOf({ type: 'probe.state', key, from: 'PASSED', to: 'FAILED', cause: 'L4_REFUSED' }), { type: 'probe.state', to: 'FAILED', key: { farm: 'SFARM-TMS-WEB-80' } });
  t.equal(probeEventOf({ type: 'probe.result', key, result: { cause: 'OK' } }), undefined, 'a result without ok is dropped');
  t.equal(probeEventOf({ type: 'probe.state', key: 'x', to: 'FAILED', cause: 'OK' }), undefined, 'a malformed key is dropped');
});

t.test('policy routing: own table per pid, shared rule removed by the last one, dead tables swept', async (t) => {
  const calls: string[] = [];
  let tables = 'table ip acesim_tproxy_99999999\ntable ip other\n';
  const run: CommandRunner = async (cmd, args, input) => {
    const line = `${cmd} ${args.join(' ')}`;
    calls.push(line);
    if (line === 'nft list tables') return { code: 0, stdout: tables, stderr: '' };
    if (line.startsWith('nft -f -')) tables += `table ip acesim_tproxy_7\n`;
    if (line.startsWith('nft delete table ip acesim_tproxy_')) tables = tables.replace(`table ip ${args[3]}\n`, '');
    t.ok(input === undefined || input.includes('socket transparent 1'), 'the nft script marks transparent sockets');
    return { code: 0, stdout: '', stderr: '' };
  };
  t.same(tablePids(tables), [99999999]);
  t.match(nftScript(7), /meta l4proto \{ tcp, udp, icmp \} socket transparent 1 meta mark set 0x4710/);
  const r = await installTransparentRouting(7, run, (pid) => pid === 7);
  if (!r.ok) throw new Error(r.message);
  t.ok(calls.includes('nft delete table ip acesim_tproxy_99999999'), 'the table of a dead pid is swept');
  t.ok(calls.includes('ip -4 rule add fwmark 0x4710 lookup 4710 pref 4710'));
  t.ok(calls.includes('ip -4 route replace local 0.0.0.0/0 dev lo table 4710'));
  await r.handle.remove();
  t.ok(calls.includes('nft delete table ip acesim_tproxy_7'));
  t.ok(calls.includes('ip -4 rule del fwmark 0x4710 lookup 4710 pref 4710'), 'the last acesim process removes the shared rule');
  const denied = await installTransparentRouting(8, async () => ({ code: 1, stdout: '', stderr: 'Error: Operation not permitted' }));
  t.match(denied, { ok: false, message: /needs root or CAP_NET_ADMIN/ });
});

// ------------------------------------------------------------ real namespaces (root)

const skip = await netnsSkip({ arping: false });

async function ours(): Promise<string[]> {
  return (await listAcesimNamespaces()).filter((n) => n.pid === process.pid).map((n) => n.name);
}

t.test('the netns lab: HTTP, HTTPS and traps reach each node with the client address; a crash fails over; namespaces removed', { skip }, async (t) => {
  t.ok(loadTransparentAddon().ok, 'the IP_TRANSPARENT addon is built (npm ci builds it)');
  const { sc, model, maps } = load();
  const tls = selfSignedCert();
  t.ok(tls, 'openssl makes the nodes\' certificate');
  let seen: string[] = [];
  const out = await runNetnsLab({ scenario: sc, model, maps, configFile: CONFIG, timeScale: 10, clock: new RealClock(), ...(tls ? { tls } : {}), ...entry, onNetns: () => void ours().then((n) => (seen = n)) });
  if (!out.ok) throw new Error(out.message);
  const r = out.result;
  t.ok(seen.length >= 5, `the namespaces existed during the run (${seen.join(', ')})`);
  const reqs = r.events.filter((e): e is Extract<typeof e, { type: 'request' }> => e.type === 'request');
  for (const node of ['tms01', 'tms02']) {
    for (const kind of ['http', 'https', 'trap'] as const) {
      const ok = reqs.filter((e) => e.ok && e.node === node && e.kind === kind);
      t.ok(ok.length > 0, `${kind} reached ${node} through the VIP (${ok.length})`);
      t.ok(ok.every((e) => e.seenSource === e.client), `${node} recorded each ${kind} client's own 10.0.100.x address`);
    }
  }
  t.ok(reqs.every((e) => e.client.startsWith('10.0.100.')), 'clients use their real VLAN100 addresses');
  t.equal(r.metrics.sourceMismatches, 0, 'no node saw another source address');
  // Probe statistics come from the balancer's events file, as the loopback lab gets them from its own runtime.
  t.ok(r.probes.attempts > 20, `probe attempts on healthy nodes were counted (${r.probes.attempts})`);
  t.ok(r.probes.failed <= r.probes.attempts * 0.1, `few of them failed (${r.probes.failed}: ${JSON.stringify(r.probes.failedByCause)})`);
  t.equal(Object.values(r.probes.failedByCause).reduce((a, b) => a + b, 0), r.probes.failed, 'failures are counted by cause');
  t.same(r.falseFailures, [], 'no probe verdict FAILED on a healthy node');
  t.ok(r.checks.some((c) => c.name === 'falseFailures' && c.ok), 'the falseFailures check is there and passes');
  t.ok(r.metrics.detectionMs !== null, `tms01's crash was detected (${r.metrics.detectionMs} ms)`);
  const crashAt = r.events.find((e) => e.type === 'fault')!.atMs;
  const lastFail = Math.max(...r.events.filter((e) => e.type === 'real' && e.to !== 'OPERATIONAL').map((e) => e.atMs));
  const after = reqs.filter((e) => e.kind !== 'trap' && e.atMs > lastFail + 1000);
  t.ok(after.length > 0 && after.every((e) => e.node === 'tms02'), `after failover (${lastFail} ms, crash at ${crashAt} ms) every request is served by tms02`);
  t.ok(after.filter((e) => e.ok).length >= after.length * 0.9, 'and they succeed');
  t.same(await ours(), [], 'every namespace of the run is gone');
});

t.test('acesim lab --netns removes its namespaces on SIGTERM; stale namespaces of dead pids are swept', { skip }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'acesim-netns-test-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'long.yaml');
  writeFileSync(file, SCENARIO.replace('duration: 80s', 'duration: 600s') + `config: ${CONFIG}\n`);
  const p = spawn(process.execPath, [entry.cli, 'lab', '--scenario', file, '--netns'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  p.stderr!.setEncoding('utf8');
  const up = new Promise<void>((res) => p.stderr!.on('data', (d: string) => ((err += d), /run 1\/1|namespaces acesim-/.test(err) && res())));
  await Promise.race([up, once(p, 'exit')]);
  const prefix = `acesim-${p.pid}-`;
  t.ok((await listAcesimNamespaces()).some((n) => n.name.startsWith(prefix)), `the lab made its namespaces (${prefix}*)`);
  p.kill('SIGTERM');
  const [code] = (await once(p, 'exit')) as [number | null];
  t.not(code, 0, 'an interrupted lab does not report success');
  t.same((await listAcesimNamespaces()).filter((n) => n.name.startsWith(prefix)).map((n) => n.name), [], `no namespace of the lab is left (${err.trim().split('\n').pop()})`);

  // A lab killed without cleanup leaves namespaces named by its pid: the next one sweeps them.
  const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  const name = `acesim-${dead.stdout}-stale`;
  t.equal(spawnSync('ip', ['netns', 'add', name]).status, 0);
  const swept = await sweepStale();
  t.ok(swept.includes(name), 'sweepStale removes it');
  t.notOk((await listAcesimNamespaces()).some((n) => n.name === name));
});
