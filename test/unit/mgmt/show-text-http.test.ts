// `show service-policy` for an L7 VIP: the HTTP block under the VIP's
// connection counters, with and without `detail`; none for an L4 VIP. `show
// stats`: an HTTP block summing the L7 listeners, none without one.
import t from 'tap';
import { compileConfig } from '../../../src/config/compile.js';
import { VirtualClock } from '../../../src/core/virtual-clock.js';
import { renderServicePolicy, renderStats } from '../../../src/mgmt/show-text.js';
import { stats, type StatsView, type VipView } from '../../../src/mgmt/read-model.js';
import { newCounters, newHttpCounters } from '../../../src/proxy/types.js';
import { createRuntime, type BalancerRuntime, type ListenerCountersView } from '../../../src/runtime/balancer-runtime.js';
import { configText } from './fixtures.js';

const vip = (name: string, http: VipView['http'], persistence: VipView['persistence'] = 'enabled'): VipView => ({
  policy: 'VIPS',
  vip: name,
  address: '127.0.190.40',
  protocol: 'tcp',
  ports: 'eq 80',
  farms: ['FW'],
  stickyGroups: [],
  state: 'UP',
  counters: { ...newCounters(), flows: 8, dropped: 1 },
  ...(http ? { http } : {}),
  persistence,
  listeners: [],
});

t.test('an L7 VIP has an HTTP block, an L4 VIP none', async (t) => {
  const http = { ...newHttpCounters(), requests: 7, noServer: 1, badGateway: 3, badRequests: 2, headerTimeouts: 4, upgrades: 5, tunnels: 6, lengthExceeded: 8 };
  for (const detail of [false, true]) {
    const text = renderServicePolicy([vip('VIP-WEB', http), vip('VIP-L4', undefined)], detail);
    const [web, l4] = text.split('class: VIP-L4');
    t.match(
      web,
      [
        '        dropped conns    : 1',
        '        HTTP:',
        '          requests         : 7         , 4xx refused      : 2',
        '          503 no server    : 1         , 502 bad gateway  : 3',
        '          header timeouts  : 4         , upgrades         : 5',
        '          tunnels          : 6         , over parse len   : 8',
      ].join('\n'),
      `detail=${detail}`,
    );
    t.notMatch(l4 ?? '', /HTTP:/, 'nothing for the L4 VIP');
    t.match(web, /\n {8}VIP State: INSERVICE\n {8}Persistence Rebalance: ENABLED\n/, 'an L7 VIP keeps a connection on its real per class, in the ACE\'s words');
    t.notMatch(l4 ?? '', /Persistence Rebalance/, 'an L4 VIP has no requests to rebalance');
  }
  // The parse length in effect, where the ACE parses the VIP's requests; none for a VIP only --l7 serves at L7.
  const parsed = renderServicePolicy([{ ...vip('VIP-WEB', http), parseLimit: { bytes: 4096, exceed: 'continue' } }]);
  t.match(parsed, /\n {8}Persistence Rebalance: ENABLED\n {8}HTTP Parse Length: 4096 bytes, length-exceed CONTINUE\n/, 'the parse length under the persistence line');
  t.notMatch(renderServicePolicy([vip('VIP-WEB', http)]), /HTTP Parse Length/, 'no line without one');
  t.notMatch(renderServicePolicy([{ ...vip('VIP-L4', undefined), parseLimit: { bytes: 2048, exceed: 'drop' } }]), /HTTP Parse Length/, 'none for a VIP served at L4');
  // The VIP's parameter map decides the line: the ACE's DISABLED, and acesim's STRICT for `persistence-rebalance strict`.
  for (const mode of ['disabled', 'strict'] as const) {
    const text = renderServicePolicy([vip('VIP-WEB', http, mode)]);
    t.match(text, new RegExp(`\\n {8}Persistence Rebalance: ${mode.toUpperCase()}\\n`), mode);
  }
});

t.test('show stats: an HTTP block when some VIP is L7, none otherwise', async (t) => {
  const base: StatsView = {
    vips: 2,
    listeners: 2,
    totals: { ...newCounters(), flows: 9 },
    sticky: { hits: 0, misses: 0, inserts: 0, evictions: 0, expirations: 0, purged: 0, insertFailures: 0, entries: 0, capacity: 1000 },
    probes: { instances: 0, probes: 0, passed: 0, failed: 0, startedLate: 0, worstStartLagMs: 0, meanStartLagMs: 0, skippedAttempts: 0 },
  };
  const http = { ...newHttpCounters(), requests: 17, noServer: 2, badGateway: 3, badRequests: 4, headerTimeouts: 5, upgrades: 6, tunnels: 1, lengthExceeded: 2 };
  const text = renderStats({ ...base, http });
  t.match(
    text,
    [
      '+------- HTTP statistics ------------------+',
      '+------------------------------------------+',
      'Total HTTP requests                   : 17',
      'Total 4xx refused                     : 4',
      'Total 503 no server                   : 2',
      'Total 502 bad gateway                 : 3',
      'Total header timeouts                 : 5',
      'Total upgrades                        : 6',
      'Total tunnels                         : 1',
      'Total over parse length               : 2',
      '+------------------------------------------+',
      '+------- Sticky statistics ----------------+',
    ].join('\n'),
  );
  t.ok(text.indexOf('Total datagrams out') < text.indexOf('HTTP statistics'), 'after the load-balance totals');
  t.notMatch(renderStats(base), /HTTP/, 'no block without an L7 VIP');
});

t.test('stats(): http only when a listener is L7, summed over them', async (t) => {
  const c = compileConfig(configText({ vip: '127.0.192.90', port: 39590, n1: '127.0.192.91', n2: '127.0.192.92' }), 'unit.conf');
  const created = createRuntime({ model: c.model, clock: new VirtualClock() });
  if (!created.ok) throw new Error(created.message);
  const rt = created.runtime;
  t.equal(stats(rt).http, undefined, 'an L4-only config: no http object');
  const info = (vip: string, port: number): ListenerCountersView['info'] => ({ vip, protocol: 'tcp', l7: vip !== 'L4', address: '127.0.192.90', port });
  const a = { ...newHttpCounters(), requests: 3, noServer: 1, tunnels: 2 };
  const b = { ...newHttpCounters(), requests: 4, badGateway: 5, badRequests: 6 };
  const view = Object.assign(Object.create(rt) as BalancerRuntime, {
    counters: (): ListenerCountersView[] => [
      { info: info('A', 80), counters: newCounters(), http: a },
      { info: info('B', 81), counters: newCounters(), http: b },
      { info: info('L4', 82), counters: newCounters() },
    ],
  });
  t.same(stats(view).http, { ...newHttpCounters(), requests: 7, noServer: 1, badGateway: 5, badRequests: 6, tunnels: 2 });
});
