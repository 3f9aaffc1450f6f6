// The query VLAN in the network-namespace pair lab (root): the reference FT
// config with `query-interface vlan 400`, a VLAN with a leg per member. The FT
// link is cut while the query VLAN answers: the secondary asks, hears the
// primary is alive and stays standby (no second active). Then the query VLAN
// is cut and the FT link again: nothing answers, the secondary takes over and
// both are ACTIVE (split brain), measured from the members' events. When the
// links heal the secondary steps down and the primary announces the VIP again,
// so the clients' neighbour entry for it, which followed the secondary's
// gratuitous ARP, is the primary's again. Every namespace is gone afterwards. Skipped without root, `ip netns`, arping or
// the build.
import t from 'tap';
import { netnsPlanFor } from '../../src/lab/netns-lab.js';
import { buildCommands, listAcesimNamespaces } from '../../src/lab/netns.js';
import { loadLab, netnsSkip, runPairInNamespaces, tempConfigFile, TMS_ACE_FT_ON_NETWORK } from '../fakes/netns-lab.js';

const VIP = '10.0.200.40';

const CONFIG_TEXT = TMS_ACE_FT_ON_NETWORK.replace('!END\n', 'interface vlan 400\n  description query\n  ip address 10.0.40.1 255.255.255.0\n  peer ip address 10.0.40.2 255.255.255.0\n  no shutdown\n!END\n')
  .replace('  ft-interface vlan 900\n', '  ft-interface vlan 900\n  query-interface vlan 400\n');

const SCENARIO = `
name: netns query cut
map: ["10.0.0.0/8=127.0.0.0/8"]
portOffset: 10000
timeScale: 10
duration: 70s
reassign: true
pair: { ftPort: 7345 }
nodes:
  tms01: { rserver: TMS01 }
  tms02: { rserver: TMS02 }
traffic:
  clients: 6
  clientRange: 127.0.100.0/24
  http: { perClientPerSecond: 0.5 }
  https: { perClientPerSecond: 0 }
  traps: { perClientPerSecond: 0 }
timeline:
  - { at: 15s, cut-ft-link: true }
  - { at: 30s, restore-ft-link: true }
  - { at: 40s, cut-query-link: true }
  - { at: 45s, cut-ft-link: true }
  - { at: 58s, restore-query-link: true }
  - { at: 60s, restore-ft-link: true }
`;

const load = () => loadLab({ text: SCENARIO, file: 'netns-query.yaml' }, { text: CONFIG_TEXT, file: 'tms-ace-ft.conf' }, { configErrors: 'throw' });

t.test('plan: the query VLAN gets a leg per member with the interface addresses', async (t) => {
  const { sc, model, maps } = load();
  const p = netnsPlanFor(model, { scenario: sc, maps }, 4242);
  if (typeof p === 'string') throw new Error(p);
  t.same(p.pair?.query, { vlan: 400, prefixLen: 24, addresses: ['10.0.40.1', '10.0.40.2'] });
  const cmds = buildCommands(p).map((c) => c.args.join(' '));
  t.ok(cmds.includes('link add vlan400 netns acesim-4242-lb1 type veth peer name lb1vq netns acesim-4242-sw'));
  t.ok(cmds.includes('-n acesim-4242-lb2 addr add 10.0.40.2/24 dev vlan400'));
});

const skip = await netnsSkip({ arping: true });

t.test('FT link cut with the query VLAN up: no takeover; with it cut: split brain', { skip }, async (t) => {
  const configFile = tempConfigFile(t, 'acesim-netns-query-', 'tms-ace-ft-query.conf', CONFIG_TEXT);
  const { sc, model, maps } = load();
  // `seen`: the clients' neighbour entry for the VIP through the run (distinct values in order).
  const { out, seen, macs } = await runPairInNamespaces({ scenario: sc, model, maps, configFile, vip: VIP });
  if (!out.ok) throw new Error(out.message);
  const pair = out.result.pair!;
  t.comment(JSON.stringify(pair));
  t.same(pair.faults.map((f) => f.kind), ['cut-ft-link', 'restore-ft-link', 'cut-query-link', 'cut-ft-link', 'restore-query-link', 'restore-ft-link'], `every balancer fault was applied (notes: ${out.result.notes.join(' | ')})`);
  const [firstCut, , , secondCut] = pair.faults;
  t.ok(secondCut?.takeoverMs !== null && secondCut!.takeoverMs! < 6000, `query VLAN and FT link cut: the secondary went ACTIVE ${secondCut?.takeoverMs} ms (config time) after the FT cut`);
  // takeoverMs is "until the other member is next ACTIVE": for the first cut it must be that same, later takeover.
  const takeoverAt = secondCut!.atMs + secondCut!.takeoverMs!;
  t.equal(firstCut!.atMs + firstCut!.takeoverMs!, takeoverAt, 'the FT link alone cut (15 s – 30 s): the secondary asked the query VLAN, the primary answered, no second active until the second cut');
  // Both ACTIVE from that takeover until shortly after the links healed (60 s; the pair settles in a few
  // config seconds), never during the first cut (that would add its 15 s).
  const healAt = pair.faults[5]!.atMs;
  t.ok(pair.duplicateActiveMs > 5000 && pair.duplicateActiveMs <= healAt + 10_000 - takeoverAt, `duplicate-active time ${pair.duplicateActiveMs} ms, between the takeover at ${takeoverAt} ms and the heal at ${healAt} ms`);
  t.same(seen, [macs.lb1, macs.lb2, macs.lb1], `the clients' entry for the VIP: lb1, lb2 after its gratuitous ARP in the split, lb1 again after the heal (${seen.join(' → ')})`);
  t.same((await listAcesimNamespaces()).filter((n) => n.pid === process.pid), [], 'every namespace of the run is gone');
});
