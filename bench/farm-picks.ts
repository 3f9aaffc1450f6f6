// Benchmark: picks per second through the whole selection path (VIP class →
// load-balance policy → sticky group → farm → predictor) for the reference
// TMS two-server sticky farm. One core, no connections opened.
import { emptyContext } from '../src/config/defaults.js';
import type { ContextModel, SourcePos } from '../src/config/model.js';
import { VirtualClock } from '../src/core/virtual-clock.js';
import { Balancer } from '../src/farm/balancer.js';
import type { Flow } from '../src/farm/types.js';
import { parseIpv4 } from '../src/core/ipv4.js';
import { loadavg } from 'node:os';
import { fixedAgainst, writeSection } from './lib/report.js';

const TARGET = 5_000_000;
const PICKS = Number(process.env.PICKS ?? 20_000_000);
const pos: SourcePos = { file: 'bench', line: 1, col: 1 };
const ref = (name: string) => ({ name, pos });

function tms(sticky: boolean): ContextModel {
  const ctx = emptyContext('Admin', pos);
  ctx.rservers = ['TMS01', 'TMS02'].map((n, i) => ({ name: n, kind: 'host' as const, pos, ipAddress: `10.0.200.${50 + 10 * i}`, weight: 8, rateLimit: {}, probes: [], failOnAll: false, admin: 'inservice' as const }));
  ctx.serverfarms = [
    {
      name: 'SFARM-TMS-WEB-80',
      kind: 'host',
      pos,
      predictor: { kind: 'roundrobin' },
      probes: [ref('PROBE-HTTP-80')],
      failOnAll: false,
      retcodeMaps: [],
      transparent: false,
      members: ['TMS01', 'TMS02'].map((n) => ({ rserver: ref(n), port: 80, pos, rateLimit: {}, probes: [], failOnAll: false, admin: 'inservice' as const })),
    },
  ];
  ctx.stickyGroups = [
    {
      name: 'STKY',
      kind: 'ip-netmask',
      simulated: true,
      pos,
      netmask: '255.255.255.255',
      address: 'source',
      timeoutMs: 10 * 60_000,
      timeoutActiveconns: false,
      replicate: false,
      serverfarm: { primary: ref('SFARM-TMS-WEB-80'), backupSticky: false, aggregateState: false },
      statics: [],
      extraLines: [],
    },
  ];
  ctx.classMaps = [{ name: 'VIP80', type: 'l4', matchMode: 'all', pos, matches: [{ kind: 'virtual-address', pos, address: '10.0.200.40', mask: '255.255.255.255', protocol: 'tcp', ports: { kind: 'eq', port: 80 } }] }];
  ctx.policyMaps = [
    { type: 'loadbalance', http: false, name: 'LB', pos, classes: [{ classMap: ref('class-default'), pos, actions: [sticky ? { kind: 'sticky-serverfarm', pos, group: ref('STKY') } : { kind: 'serverfarm', pos, farm: ref('SFARM-TMS-WEB-80'), aggregateState: false }] }] },
    { type: 'multi-match', name: 'MM', pos, classes: [{ classMap: ref('VIP80'), pos, inservice: true, lbPolicy: ref('LB'), udpFastAge: false, natDynamic: [], unsimulated: [] }] },
  ];
  return ctx;
}

function run(label: string, sticky: boolean, preParsed: boolean, clients: number): { label: string; rate: number } {
  const clock = new VirtualClock();
  const b = new Balancer({ context: tms(sticky), clock });
  const flows: Flow[] = [];
  for (let i = 0; i < clients; i++) {
    const ip = `172.${16 + ((i >> 16) & 15)}.${(i >> 8) & 255}.${i & 255}`;
    flows.push({ clientIp: ip, clientPort: 40000 + (i & 4095), vipIp: '10.0.200.40', vipPort: 80, protocol: 'tcp', ...(preParsed ? { clientIpNum: parseIpv4(ip), vipIpNum: parseIpv4('10.0.200.40') } : {}) });
  }
  const mask = clients - 1;
  let sink = 0;
  for (let i = 0; i < 1_000_000; i++) sink += b.select('VIP80', flows[i & mask]!).kind.length; // warm-up
  const t0 = performance.now();
  for (let i = 0; i < PICKS; i++) {
    const d = b.select('VIP80', flows[i & mask]!);
    if (d.kind === 'server') sink += d.port;
  }
  const ms = performance.now() - t0;
  if (sink === 42) console.log('');
  b.dispose();
  return { label, rate: PICKS / (ms / 1000) };
}

const rows = [
  run('**sticky farm, 65,536 clients, numeric addresses (as the data plane calls it)**', true, true, 65536),
  run('sticky farm, 65,536 clients, addresses as text', true, false, 65536),
  run('sticky farm, 1,024 clients, addresses as text', true, false, 1024),
  run('plain farm (no sticky), addresses as text', false, false, 65536),
];
const main = rows[0]!;
const body = `
Whole selection path per pick (policy walk, sticky lookup and refresh, or
predictor + learn on miss, decision object). ${PICKS.toLocaleString('en-US')} picks per row.

| case | picks/s | target | pass |
|---|---|---|---|
${rows.map((r) => `| ${r.label} | ${fixedAgainst(r.rate / 1e6, TARGET / 1e6)} M | ≥ ${TARGET / 1e6} M | ${r.rate >= TARGET ? 'PASS' : 'FAIL'} |`).join('\n')}

The first row is the target case: a two-server sticky farm as in the TMS reference config,
called the way the data plane calls it. The TCP and UDP listeners (src/proxy) parse each new
flow's client and VIP addresses once, for the ACL check, and hand the numbers to the balancer
(Flow.clientIpNum / vipIpNum), so a pick never parses text there. The text rows show what a
caller that passes only text pays: 65,536 distinct strings cold in cache on every pick, where
parsing one costs about as much as the rest of the selection.
Load average at the end of the run: ${loadavg().map((x) => x.toFixed(2)).join(' / ')} (other work on the machine depresses these figures).
Result: ${main.rate >= TARGET ? 'PASS' : 'FAIL'}.
`;
writeSection('farm-picks', 'Farm picks per second (bench/farm-picks.ts)', body);
console.log(body);
