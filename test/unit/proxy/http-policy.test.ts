// When a VIP needs L7 (http policy, insert-http, http class-map; --l7 except
// 443) and which `insert-http` headers a request gets (its decision carries the
// first matching class's; %is/%id/%ps/%pd expanded).
import t from 'tap';
import { compileConfig } from '../../../src/config/compile.js';
import { expandInsertValue } from '../../../src/proxy/http-policy.js';
import { policyNeedsL7 } from '../../../src/config/vips.js';
import { Balancer } from '../../../src/farm/balancer.js';
import { VirtualClock } from '../../../src/core/virtual-clock.js';
import { planVipListeners } from '../../../src/runtime/vip-plan.js';
import type { Flow } from '../../../src/farm/types.js';

const ctxOf = (body: string) => compileConfig(body, 'x.conf').model.contexts[0]!;

const BASE = `access-list ALL line 10 extended permit ip any any
rserver host R1
  ip address 127.0.0.20
  inservice
serverfarm host F
  rserver R1
    inservice
class-map type http loadbalance match-any API
  2 match http url /api.*
class-map match-any NESTED
  2 match class-map API
class-map match-all V80
  2 match virtual-address 127.0.0.10 tcp eq 80
class-map match-all V443
  2 match virtual-address 127.0.0.10 tcp eq 443
class-map match-all V53
  2 match virtual-address 127.0.0.10 udp eq 53
policy-map type loadbalance first-match L4
  class class-default
    serverfarm F
policy-map type loadbalance http first-match HTTP
  class class-default
    serverfarm F
policy-map type loadbalance first-match INS
  class API
    serverfarm F
    insert-http X-Client header-value "%is"
    insert-http X-Vip header-value "%id:%pd from %ps"
  class class-default
    serverfarm F
policy-map type loadbalance first-match CLS
  class NESTED
    serverfarm F
`;

const withVips = (p80: string, p443: string) => `${BASE}policy-map multi-match VIPS
  class V80
    loadbalance vip inservice
    loadbalance policy ${p80}
  class V443
    loadbalance vip inservice
    loadbalance policy ${p443}
  class V53
    loadbalance vip inservice
    loadbalance policy L4
interface vlan 100
  ip address 127.0.0.2 255.255.255.0
  access-group input ALL
  service-policy input VIPS
  no shutdown
`;

t.test('policyNeedsL7', async (t) => {
  const ctx = ctxOf(withVips('L4', 'L4'));
  t.equal(policyNeedsL7(ctx, 'L4'), false);
  t.equal(policyNeedsL7(ctx, 'HTTP'), true, 'type loadbalance http');
  t.equal(policyNeedsL7(ctx, 'INS'), true, 'insert-http / http class-map');
  t.equal(policyNeedsL7(ctx, 'CLS'), true, 'an http class-map nested in a class-map');
  t.equal(policyNeedsL7(ctx, undefined), false);
  t.equal(policyNeedsL7(ctx, 'MISSING'), false);
});

t.test('planVipListeners: l7 from the policy, --l7 forces TCP except 443', async (t) => {
  const l7Of = (plan: ReturnType<typeof planVipListeners>) => plan.listeners.map((l) => `${l.protocol}/${l.port}:${l.l7}`);
  t.same(l7Of(planVipListeners(ctxOf(withVips('L4', 'L4')))), ['tcp/80:false', 'tcp/443:false', 'udp/53:false']);
  t.same(l7Of(planVipListeners(ctxOf(withVips('L4', 'L4')), { forceL7: true })), ['tcp/80:true', 'tcp/443:false', 'udp/53:false']);
  const p = planVipListeners(ctxOf(withVips('HTTP', 'HTTP')));
  t.same(l7Of(p), ['tcp/80:true', 'tcp/443:false', 'udp/53:false']);
  t.match(p.warnings.join('\n'), /V443 .*port 443 is HTTPS .*stays L4 passthrough/);
});

t.test('insert-http: the first matching class, variables expanded', async (t) => {
  const ctx = ctxOf(withVips('INS', 'L4'));
  const flow: Flow = { clientIp: '127.0.100.7', clientPort: 40000, vipIp: '127.0.0.10', vipPort: 80, protocol: 'tcp' };
  const b = new Balancer({ context: ctx, clock: new VirtualClock() });
  const rules = (f: Flow, url: string) => {
    const d = b.select(f.vipPort === 80 ? 'V80' : 'V443', f, { url });
    return d.kind === 'server' ? d.inserts.map((i) => ({ header: i.header, value: expandInsertValue(i.value, f) })) : d.kind;
  };
  t.same(rules(flow, '/api/x'), [
    { header: 'X-Client', value: '127.0.100.7' },
    { header: 'X-Vip', value: '127.0.0.10:80 from 40000' },
  ]);
  t.same(rules(flow, '/other'), [], 'class-default has no insert-http');
  t.same(rules({ ...flow, vipPort: 443 }, '/api'), [], 'a VIP on a policy without insert-http');
  t.equal(expandInsertValue('%is-%is', flow), '127.0.100.7-127.0.100.7');
  t.equal(expandInsertValue('plain', flow), 'plain');
});

t.test('with a port offset, the shifted HTTPS port stays L4 under --l7', async (t) => {
  const { compileConfig } = await import('../../../src/config/compile.js');
  const { applyAddressMap, parseAddressMapping } = await import('../../../src/config/address-map.js');
  const { planVipListeners } = await import('../../../src/runtime/vip-plan.js');
  const { readFileSync } = await import('node:fs');
  const { resolve, dirname } = await import('node:path');
  const { fileURLToPath } = await import('node:url');
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
  const m = compileConfig(readFileSync(resolve(root, 'examples/tms-ace.conf'), 'utf8'), 'tms-ace.conf').model;
  const map = parseAddressMapping('10.0.0.0/8=127.0.0.0/8');
  if (!map.ok) throw new Error(map.message);
  const ctx = applyAddressMap(m, [map.mapping], 21000).model.contexts[0]!;
  const plan = planVipListeners(ctx, { forceL7: true, httpsPort: 21443 });
  const byPort = new Map(plan.listeners.map((l) => [l.port, l.l7]));
  t.equal(byPort.get(21443), false, 'HTTPS (443 + offset) is passthrough');
  t.equal(byPort.get(21080), true, 'HTTP is L7');
});
