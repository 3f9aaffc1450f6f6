// `switchover` in the network-namespace pair lab (root): the members' management APIs
// listen inside their namespaces, so the lab asks the active one from a short process in
// its namespace. The secondary becomes ACTIVE, announces the VIP, and the clients' neighbour
// entry for the VIP follows it; the clients keep being served. Every namespace is gone
// afterwards. Skipped without root, `ip netns`, arping or the build.
import t from 'tap';
import { listAcesimNamespaces } from '../../src/lab/netns.js';
import { loadLab, netnsSkip, runPairInNamespaces, tempConfigFile, TMS_ACE_FT_ON_NETWORK } from '../fakes/netns-lab.js';

const VIP = '10.0.200.40';

const SCENARIO = `
name: netns switchover
map: ["10.0.0.0/8=127.0.0.0/8", "192.168.0.0/16=127.168.0.0/16"]
portOffset: 10000
timeScale: 10
duration: 50s
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
  - { at: 20s, switchover: true }
`;

const skip = await netnsSkip({ arping: true });

t.test('ft switchover through the active member\'s API inside its namespace moves the VIP', { skip }, async (t) => {
  const configFile = tempConfigFile(t, 'acesim-netns-switchover-', 'tms-ace-ft.conf', TMS_ACE_FT_ON_NETWORK);
  const { sc, model, maps } = loadLab({ text: SCENARIO, file: 'netns-switchover.yaml' }, { text: TMS_ACE_FT_ON_NETWORK, file: 'tms-ace-ft.conf' });
  const { out, seen, macs } = await runPairInNamespaces({ scenario: sc, model, maps, configFile, vip: VIP });
  if (!out.ok) throw new Error(out.message);
  const pair = out.result.pair!;
  t.comment(JSON.stringify(pair));
  t.same(pair.faults.map((f) => f.kind), ['switchover'], `the switchover was applied (notes: ${out.result.notes.join(' | ')})`);
  t.notOk(out.result.notes.some((n) => /LINT_/.test(n)), 'the config\'s warnings, which every member prints at start, are not run notes');
  const sw = pair.faults[0]!;
  t.ok(sw.takeoverMs !== null && sw.takeoverMs < 5_000, `the secondary went ACTIVE ${sw.takeoverMs} ms (config time) after the switchover`);
  t.ok(sw.vipGapMs !== null && sw.vipGapMs < 5_000, `VIP gap ${sw.vipGapMs} ms (config time)`);
  t.equal(pair.duplicateActiveMs, 0, 'a hand-over, never two ACTIVE members');
  t.same(seen, [macs.lb1, macs.lb2], `the clients' entry for the VIP: lb1, then lb2 after its gratuitous ARP (${seen.join(' → ')})`);
  // 6 clients × 0.5 requests/s (config time): over the whole run, no more may be lost than they send while no
  // member serves the VIP and a second more (their neighbour entry follows the gratuitous ARP a little later).
  const inGap = Math.ceil(6 * 0.5 * ((sw.vipGapMs ?? 0) / 1000 + 1));
  t.ok(out.result.metrics.requests > 20, `clients kept sending (${out.result.metrics.requests} requests)`);
  t.ok(out.result.metrics.lostRequests <= inGap, `clients served through the hand-over: ${out.result.metrics.lostRequests} lost of ${out.result.metrics.requests}, at most ${inGap} (what they sent in the VIP gap and a second after it)`);
  t.same((await listAcesimNamespaces()).filter((n) => n.pid === process.pid), [], 'every namespace of the run is gone');
});
