// The FT pair in the network-namespace lab (root): two `acesim run
// --ft-member … --transparency transparent --vip-mode address` members in
// lb1 and lb2, the VIP on the clients' VLAN and the nodes' gateway (the
// `interface vlan 200` alias) held by the ACTIVE one. The active is SIGKILLed:
// the secondary adds the addresses and sends gratuitous ARP; the clients keep
// reaching the VIP (now on lb2), their neighbour entry for the VIP changes to
// lb2's MAC, the takeover is measured from the members' events, and every
// namespace is gone afterwards. Skipped without root, `ip netns`, arping or
// the build.
import t from 'tap';
import { netnsPlanFor } from '../../src/lab/netns-lab.js';
import { buildCommands, listAcesimNamespaces } from '../../src/lab/netns.js';
import { selfSignedCert } from '../../src/lab/tls-cert.js';
import { hasAddr, loadLab, neighOf, netnsSkip, runPairInNamespaces, tempConfigFile, TMS_ACE_FT_ON_NETWORK } from '../fakes/netns-lab.js';

const VIP = '10.0.200.40';
const CONFIG_TEXT = TMS_ACE_FT_ON_NETWORK;

const SCENARIO = `
name: netns pair kill
map: ["10.0.0.0/8=127.0.0.0/8", "192.168.0.0/16=127.168.0.0/16"]
portOffset: 10000
timeScale: 10
duration: 80s
reassign: true
pair: { ftPort: 7345 }
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
  - at: 30s
    kill: active
`;

const load = (text = CONFIG_TEXT) => loadLab({ text: SCENARIO, file: 'netns-pair.yaml' }, { text, file: 'tms-ace-ft.conf' });

t.test('pair topology plan: lb1 and lb2 with an FT link, VIP routed on the clients\' VLAN, nodes behind the alias', async (t) => {
  const { sc, model, maps } = load();
  const p = netnsPlanFor(model, { scenario: sc, maps }, 4242);
  if (typeof p === 'string') throw new Error(p);
  t.same(p.pair?.members.map((m) => [m.ns, m.addr100, m.addr200, m.ft]), [
    ['acesim-4242-lb1', '10.0.100.254', '10.0.200.24', '192.168.90.1'],
    ['acesim-4242-lb2', '10.0.100.253', '10.0.200.23', '192.168.90.2'],
  ]);
  t.equal(p.pair?.alias200, '10.0.200.25');
  const cmds = buildCommands(p).map((c) => c.args.join(' '));
  t.ok(cmds.includes(`-n acesim-4242-c route add ${VIP}/32 dev vlan100`), 'the clients reach the VIP on their own VLAN');
  t.ok(cmds.includes('-n acesim-4242-tms01 route add default via 10.0.200.25'), 'the nodes\' gateway is the alias');
  t.notOk(cmds.some((c) => c.includes(`addr add ${VIP}`) || c.includes('addr add 10.0.200.25')), 'no namespace holds the VIP or the alias before a member takes them');
  t.ok(cmds.includes('link add vlan900 netns acesim-4242-lb2 type veth peer name lb2v900 netns acesim-4242-sw'), 'the FT link is a real leg');
  const noAlias = load(CONFIG_TEXT.replace('  alias 10.0.200.25 255.255.255.0\n', ''));
  t.match(netnsPlanFor(noAlias.model, { scenario: noAlias.sc, maps: noAlias.maps }, 1), /needs an `alias IP MASK`: it is the nodes' gateway/);
});

const skip = await netnsSkip({ arping: true });

t.test('the pair in namespaces: SIGKILL of the active, the VIP and its ARP entry move to lb2, namespaces removed', { skip }, async (t) => {
  const configFile = tempConfigFile(t, 'acesim-netns-pair-', 'tms-ace-ft.conf', CONFIG_TEXT);
  const { sc, model, maps } = load();
  const tls = selfSignedCert();
  // `seen`: the clients' neighbour entry for the VIP, sampled through the run (distinct values in order).
  const final: { neigh?: string; lb1Vip: boolean; lb1Alias: boolean; lb2Vip: boolean } = { lb1Vip: false, lb1Alias: false, lb2Vip: false };
  const { out, seen, macs } = await runPairInNamespaces({
    scenario: sc,
    model,
    maps,
    configFile,
    ...(tls ? { tls } : {}),
    vip: VIP,
    beforeDestroy: async (plan) => {
      const [m1, m2] = plan.pair!.members;
      final.neigh = await neighOf(plan.clientsNs, VIP);
      final.lb1Vip = await hasAddr(m1.ns, 'vlan100', VIP);
      final.lb1Alias = await hasAddr(m1.ns, 'vlan200', '10.0.200.25');
      final.lb2Vip = await hasAddr(m2.ns, 'vlan100', VIP);
    },
  });
  if (!out.ok) throw new Error(out.message);
  const r = out.result;
  const f = r.pair?.faults[0];
  t.ok(f, `the kill was applied (${JSON.stringify(r.pair?.faults)}; notes: ${r.notes.join(' | ')})`);
  t.match(f?.kind, /kill/);
  t.ok(f?.takeoverMs !== null && f!.takeoverMs! < 6000, `the secondary was ACTIVE ${f?.takeoverMs} ms (config time) after the kill (heartbeat 300 ms x 10 = 3 s)`);
  t.ok(f?.vipGapMs !== null && f!.vipGapMs! < 8000, `and served the VIP ${f?.vipGapMs} ms after it`);
  t.comment(`takeover: ACTIVE after ${f?.takeoverMs} ms, VIP served after ${f?.vipGapMs} ms (config time, scale 10); requests lost ${f?.lostRequests} of ${f?.requests}`);

  const reqs = r.events.filter((e): e is Extract<typeof e, { type: 'request' }> => e.type === 'request');
  const killAt = f!.atMs;
  const web = reqs.filter((e) => e.kind !== 'trap');
  const before = web.filter((e) => e.atMs < killAt - 1000);
  const after = web.filter((e) => e.atMs > killAt + (f?.vipGapMs ?? 0) + 3000);
  // The lab's own account of clients that sent nothing (no VIP listener given, a fleet that never started).
  const silence = r.notes.filter((n) => n.startsWith('clients:'));
  t.same(silence, [], 'every client sent the traffic the scenario asks for');
  // When a window is empty, say why rather than "0/0".
  const tally = (xs: typeof web): string =>
    xs.length > 0 ? `${xs.filter((e) => e.ok).length}/${xs.length}` : `none in this window: ${silence.join(' | ') || `the clients recorded ${web.length} HTTP(S) requests, between ${web[0]?.atMs ?? '-'} and ${web.at(-1)?.atMs ?? '-'} ms, kill at ${killAt} ms`}`;
  t.ok(before.length > 0 && before.filter((e) => e.ok).length >= before.length * 0.9, `clients reached the VIP on lb1 (${tally(before)})`);
  t.ok(after.length > 0 && after.filter((e) => e.ok).length >= after.length * 0.9, `and on lb2 after the takeover (${tally(after)})`);
  t.ok(after.filter((e) => e.ok).every((e) => e.seenSource === e.client), 'the nodes saw each client\'s own address through lb2 (transparent, gateway = the alias)');

  t.not(macs.lb1, macs.lb2);
  t.equal(seen[0], macs.lb1, `the clients first resolved the VIP to lb1's MAC (${seen.join(' → ')})`);
  t.equal(final.neigh, macs.lb2, 'their neighbour entry for the VIP is lb2\'s MAC now (gratuitous ARP)');
  t.ok(final.lb1Vip && final.lb1Alias, 'the SIGKILLed member left its addresses behind, and the takeover happened anyway');
  t.notOk(final.lb2Vip, 'the secondary removed its addresses when it was stopped (SIGTERM)');
  t.ok(r.probes.attempts > 0, `probe statistics come from the active member (${r.probes.attempts} attempts)`);
  t.same((await listAcesimNamespaces()).filter((n) => n.pid === process.pid), [], 'every namespace of the run is gone');
});
