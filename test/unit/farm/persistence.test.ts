// HTTP persistence: the request after another on the same keep-alive connection (Balancer.select's
// `previous`) follows the previous real as the VIP's persistence rebalance says (default: same class, real still serving).
import t from 'tap';
import { VirtualClock } from '../../../src/core/virtual-clock.js';
import { Balancer } from '../../../src/farm/balancer.js';
import type { Decision, HttpRequestInfo, ServerDecision } from '../../../src/farm/types.js';
import { BalancerSwitch } from '../../../src/runtime/balancer-switch.js';
import type { ContextModel, PersistenceRebalance } from '../../../src/config/model.js';
import { emptyContext } from '../../../src/config/defaults.js';
import { act, farm, flow, httpClass, l4Class, lbPolicy, member, multiMatch, POS, rserver, simpleContext } from './model-builder.js';

function server(d: Decision): ServerDecision {
  if (d.kind !== 'server') throw new Error(`expected a server decision, got ${JSON.stringify(d)}`);
  return d;
}

/** Requests on one connection: each passes the decision before it, as the L7 VIP does. */
function onOneConnection(b: Pick<Balancer, 'select'>, requests: (HttpRequestInfo | undefined)[]): string[] {
  let previous: ServerDecision | undefined;
  return requests.map((req) => {
    const d = b.select('VIP', flow('1.1.1.1'), req, previous);
    previous = d.kind === 'server' ? d : undefined;
    return d.kind === 'server' ? d.rserver : d.kind;
  });
}

const roundRobin = (extra: { connLimitA?: boolean } = {}) =>
  simpleContext({
    rservers: [rserver('A', '10.0.0.1'), rserver('B', '10.0.0.2')],
    farms: [farm('F', [member('A', extra.connLimitA ? { connLimit: { max: 1, min: 1 } } : {}), member('B')])],
    action: act.farm('F'),
  });

/** Images to SF_IMG (I1, I2), everything else to SF_WEB (W1, W2), both round robin. */
function byClass(): ContextModel {
  const ctx = emptyContext('Admin', POS);
  ctx.rservers = [rserver('I1', '10.0.0.1'), rserver('I2', '10.0.0.2'), rserver('W1', '10.0.0.3'), rserver('W2', '10.0.0.4')];
  ctx.serverfarms = [farm('SF_IMG', [member('I1'), member('I2')]), farm('SF_WEB', [member('W1'), member('W2')])];
  ctx.classMaps = [l4Class('VIP', '10.0.200.40', 80), httpClass('L7_IMG', [{ kind: 'http-url', pos: POS, regex: '.*\\.png' }])];
  ctx.policyMaps = [
    lbPolicy(
      'LB',
      [
        { cls: 'L7_IMG', actions: [act.farm('SF_IMG')] },
        { cls: 'class-default', actions: [act.farm('SF_WEB')] },
      ],
      true,
    ),
    multiMatch('MM', [{ cls: 'VIP', policy: 'LB' }]),
  ];
  return ctx;
}

t.test('same class on one connection: the previous real, where round robin alone alternates', async (t) => {
  const b = new Balancer({ context: roundRobin(), clock: new VirtualClock() });
  t.same(onOneConnection(b, [{ url: '/' }, { url: '/' }, { url: '/' }, { url: '/' }]), ['A', 'A', 'A', 'A'], 'one connection stays on A');
  t.same(onOneConnection(b, [{ url: '/' }, { url: '/' }]), ['B', 'B'], 'the next connection is balanced: B, and stays');
  const first = server(b.select('VIP', flow('1.1.1.1'), { url: '/' }));
  t.equal(b.select('VIP', flow('1.1.1.1'), { url: '/' }, first), first, 'the previous decision itself comes back');
  t.same(onOneConnection(b, [undefined, undefined]), ['B', 'B'], 'an L4 flow passing a previous decision is held the same way');
});

t.test('another class is balanced afresh; a later return to the first class is too', async (t) => {
  const b = new Balancer({ context: byClass(), clock: new VirtualClock() });
  const got = onOneConnection(b, [{ url: '/a.png' }, { url: '/b.png' }, { url: '/page' }, { url: '/page' }, { url: '/c.png' }, { url: '/d.png' }]);
  // I1 twice (same class), W1 twice, then images again: not consecutive, so round robin's next image real (I2).
  t.same(got, ['I1', 'I1', 'W1', 'W1', 'I2', 'I2']);
});

t.test('the previous real cannot serve: balanced afresh (probe failed, out of service); at its conn-limit it still serves its own connection', async (t) => {
  const failed = new Balancer({ context: roundRobin(), clock: new VirtualClock() });
  const a = server(failed.select('VIP', flow('1.1.1.1'), { url: '/' }));
  t.equal(a.rserver, 'A');
  failed.setProbeHealth('F', 'A', 80, 'P', 'FAILED');
  t.equal(server(failed.select('VIP', flow('1.1.1.1'), { url: '/' }, a)).rserver, 'B', 'PROBE-FAILED: moves to B');

  const oos = new Balancer({ context: roundRobin(), clock: new VirtualClock() });
  const a2 = server(oos.select('VIP', flow('1.1.1.1'), { url: '/' }));
  oos.setRserverAdmin('A', 'outofservice');
  t.equal(server(oos.select('VIP', flow('1.1.1.1'), { url: '/' }, a2)).rserver, 'B', 'OUTOFSERVICE: moves to B');

  const full = new Balancer({ context: roundRobin({ connLimitA: true }), clock: new VirtualClock() });
  const a3 = server(full.select('VIP', flow('1.1.1.1'), { url: '/' }));
  full.open(a3);
  t.equal(full.realState('F', 'A'), 'MAXCONNS');
  // The L7 VIP counts the connection on its real once (open), not per request: continuing adds nothing.
  t.equal(full.select('VIP', flow('1.1.1.1'), { url: '/' }, a3), a3, 'MAXCONNS: the connection counted there stays');
  t.equal(server(full.select('VIP', flow('1.1.1.2'), { url: '/' })).rserver, 'B', 'a new connection goes to B: the limit holds');
});

t.test('inservice standby (graceful shutdown): the connection stays, new connections do not come', async (t) => {
  const b = new Balancer({ context: roundRobin(), clock: new VirtualClock() });
  const a = server(b.select('VIP', flow('1.1.1.1'), { url: '/' }));
  b.setRserverAdmin('A', 'standby');
  t.equal(b.realState('F', 'A'), 'STANDBY');
  t.equal(server(b.select('VIP', flow('1.1.1.1'), { url: '/' }, a)).rserver, 'A', 'the open connection keeps A');
  t.same(onOneConnection(b, [{ url: '/' }, { url: '/' }]), ['B', 'B'], 'a new connection goes to B');
});

t.test('across a reload: a previous real decided by the replaced balancer is not continued', async (t) => {
  const clock = new VirtualClock();
  const sw = new BalancerSwitch(new Balancer({ context: roundRobin(), clock }));
  const first = server(sw.select('VIP', flow('1.1.1.1'), { url: '/' }));
  t.equal(sw.select('VIP', flow('1.1.1.1'), { url: '/' }, first), first, 'before the reload: continued');
  sw.swap(new Balancer({ context: roundRobin(), clock }));
  const next = server(sw.select('VIP', flow('1.1.1.1'), { url: '/' }, first));
  t.not(next, first, 'after it: a fresh decision of the new balancer');
  sw.open(next);
  sw.close(next);
  t.equal(sw.current.snapshotFarms('F')[0]!.reals.find((r) => r.rserver === next.rserver)!.total, 1, 'accounted on the new balancer');
});

/** The context with every VIP class given an HTTP parameter map whose persistence rebalance is `mode`. */
function withPersistence(ctx: ContextModel, mode: PersistenceRebalance): ContextModel {
  ctx.httpParameterMaps = [{ name: 'HP', pos: POS, otherLines: [], persistenceRebalance: { mode, pos: POS } }];
  for (const p of ctx.policyMaps) if (p.type === 'multi-match') for (const c of p.classes) c.httpParameters = { name: 'HP', pos: POS };
  return ctx;
}

t.test('persistence-rebalance strict: every request is balanced, even of the same class', async (t) => {
  const b = new Balancer({ context: withPersistence(roundRobin(), 'strict'), clock: new VirtualClock() });
  t.same(onOneConnection(b, [{ url: '/' }, { url: '/' }, { url: '/' }, { url: '/' }]), ['A', 'B', 'A', 'B'], 'round robin per request');
  const explicit = new Balancer({ context: withPersistence(roundRobin(), 'enabled'), clock: new VirtualClock() });
  t.same(onOneConnection(explicit, [{ url: '/' }, { url: '/' }, { url: '/' }]), ['A', 'A', 'A'], 'a map saying `persistence-rebalance` keeps the default behaviour');
});

t.test('no persistence-rebalance: every request follows the first one\'s real, whatever class it matches', async (t) => {
  const b = new Balancer({ context: withPersistence(byClass(), 'disabled'), clock: new VirtualClock() });
  t.same(onOneConnection(b, [{ url: '/a.png' }, { url: '/page' }, { url: '/b.png' }, { url: '/page' }]), ['I1', 'I1', 'I1', 'I1'], 'the image real serves the pages too');
  t.same(onOneConnection(b, [{ url: '/page' }, { url: '/c.png' }]), ['W1', 'W1'], 'a connection that starts with a page stays on the web real');
  // The real leaves service: the next request is balanced as a first request, by its own class.
  const c = new Balancer({ context: withPersistence(byClass(), 'disabled'), clock: new VirtualClock() });
  const first = server(c.select('VIP', flow('1.1.1.1'), { url: '/a.png' }));
  c.setProbeHealth('SF_IMG', 'I1', 80, 'P', 'FAILED');
  const next = server(c.select('VIP', flow('1.1.1.1'), { url: '/page' }, first));
  t.equal(next.rserver, 'W1', 'PROBE-FAILED: balanced afresh, to the page class\'s farm');
  t.equal(c.select('VIP', flow('1.1.1.1'), { url: '/d.png' }, next), next, 'and followed from there');
});

t.test('a decision says whether its insert-http headers go into continued requests (only under no persistence-rebalance they do not)', async (t) => {
  const firstOnly = (mode: PersistenceRebalance | undefined): boolean => {
    const ctx = mode === undefined ? byClass() : withPersistence(byClass(), mode);
    return server(new Balancer({ context: ctx, clock: new VirtualClock() }).select('VIP', flow('1.1.1.1'), { url: '/a.png' })).insertsFirstOnly;
  };
  t.equal(firstOnly('disabled'), true, 'no persistence-rebalance: first request only');
  t.equal(firstOnly(undefined), false, 'default');
  t.equal(firstOnly('enabled'), false, 'persistence-rebalance');
  t.equal(firstOnly('strict'), false, 'strict (every request is fresh anyway)');
});
