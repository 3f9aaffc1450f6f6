// `case-insensitive` in a VIP's HTTP parameter map: that VIP's http class-maps match URLs, header values
// and cookie names and values in any case; another VIP on the same load-balance policy, without the map,
// stays case-sensitive (the ACE's default). The insert-http headers a decision carries are its class's.
import t from 'tap';
import { emptyContext } from '../../../src/config/defaults.js';
import type { ContextModel } from '../../../src/config/model.js';
import { VirtualClock } from '../../../src/core/virtual-clock.js';
import { Balancer } from '../../../src/farm/balancer.js';
import type { HttpRequestInfo } from '../../../src/farm/types.js';
import { act, farm, flow, httpClass, l4Class, lbPolicy, member, multiMatch, POS, rserver } from './model-builder.js';

/** VIP-CI (10.0.200.40) takes map HP (case-insensitive); VIP-CS (10.0.200.41) none. IMG → SF_IMG (I1), the rest → SF_WEB (W1). */
function context(): ContextModel {
  const ctx = emptyContext('Admin', POS);
  ctx.rservers = [rserver('I1', '10.0.0.1'), rserver('W1', '10.0.0.3')];
  ctx.serverfarms = [farm('SF_IMG', [member('I1')]), farm('SF_WEB', [member('W1')])];
  ctx.classMaps = [
    l4Class('VIP-CI', '10.0.200.40', 80),
    l4Class('VIP-CS', '10.0.200.41', 80),
    httpClass('IMG', [
      { kind: 'http-url', pos: POS, regex: '.*\\.png' },
      { kind: 'http-header', pos: POS, name: 'X-Kind', value: 'image' },
      { kind: 'http-cookie', pos: POS, name: 'Kind', value: 'img' },
    ]),
  ];
  const lb = lbPolicy(
    'LB',
    [
      { cls: 'IMG', actions: [act.farm('SF_IMG'), { kind: 'insert-http', pos: POS, header: 'X-Class', value: 'img' }] },
      { cls: 'class-default', actions: [act.farm('SF_WEB')] },
    ],
    true,
  );
  const mm = multiMatch('MM', [
    { cls: 'VIP-CI', policy: 'LB' },
    { cls: 'VIP-CS', policy: 'LB' },
  ]);
  if (mm.type === 'multi-match') mm.classes[0]!.httpParameters = { name: 'HP', pos: POS };
  ctx.policyMaps = [lb, mm];
  ctx.httpParameterMaps = [{ name: 'HP', pos: POS, otherLines: [], caseInsensitive: true }];
  return ctx;
}

const REQUESTS: [string, HttpRequestInfo][] = [
  ['URL in capitals', { url: '/LOGO.PNG' }],
  ['header value in capitals', { url: '/', headers: { 'x-kind': 'IMAGE' } }],
  ['cookie name and value in capitals', { url: '/', headers: { cookie: 'a=1; KIND=IMG' } }],
];

t.test('the case-insensitive VIP matches in any case; the other VIP on the same policy does not', async (t) => {
  const b = new Balancer({ context: context(), clock: new VirtualClock() });
  const real = (vip: string, ip: string, req: HttpRequestInfo): string => {
    const d = b.select(vip, flow('1.1.1.1', 80, ip), req);
    return d.kind === 'server' ? d.rserver : d.kind;
  };
  for (const [what, req] of REQUESTS) {
    t.equal(real('VIP-CI', '10.0.200.40', req), 'I1', `case-insensitive VIP: ${what} is an image`);
    t.equal(real('VIP-CS', '10.0.200.41', req), 'W1', `case-sensitive VIP: ${what} is not`);
  }
  t.equal(real('VIP-CS', '10.0.200.41', { url: '/logo.png' }), 'I1', 'the case-sensitive VIP still matches the exact case');
});

t.test('a decision carries the insert-http headers of the class it matched, in the VIP\'s case sensitivity', async (t) => {
  const b = new Balancer({ context: context(), clock: new VirtualClock() });
  const inserts = (vip: string, ip: string, req: HttpRequestInfo) => {
    const d = b.select(vip, flow('1.1.1.1', 80, ip), req);
    return d.kind === 'server' ? d.inserts : d.kind;
  };
  for (const [what, req] of REQUESTS) {
    t.same(inserts('VIP-CI', '10.0.200.40', req), [{ header: 'X-Class', value: 'img' }], `any case: ${what} gets the image class's header`);
    t.same(inserts('VIP-CS', '10.0.200.41', req), [], `exact: ${what} does not`);
  }
});
