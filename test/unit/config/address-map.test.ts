// Lab address maps: a config written for 10.0.200.0/24 runs on loopback.
import t from 'tap';
import { applyAddressMap, mapAddress, parseAddressMapping } from '../../../src/config/address-map.js';
import { compileConfig } from '../../../src/config/compile.js';
import { resolveVips } from '../../../src/config/vips.js';
import { readFixture } from './helpers.js';

const map = (s: string) => {
  const r = parseAddressMapping(s);
  if (!r.ok) throw new Error(r.message);
  return r.mapping;
};

t.test('parsing and applying mappings', async (t) => {
  t.equal(mapAddress('10.0.200.50', [map('10.0.0.0/8=127.0.0.0/8')]), '127.0.200.50');
  t.equal(mapAddress('10.0.200.50', [map('10.0.200.0/24=127.1.2.0/24')]), '127.1.2.50');
  t.equal(mapAddress('192.168.1.1', [map('10.0.0.0/8=127.0.0.0/8')]), '192.168.1.1', 'outside the prefix: unchanged');
  t.equal(mapAddress('10.0.200.50', [map('10.0.0.0/8=127.0.0.0/8'), map('10.0.200.0/24=127.9.9.0/24')]), '127.9.9.50', 'most specific wins');
  t.notOk(parseAddressMapping('10.0.0.0/8').ok);
  t.notOk(parseAddressMapping('10.0.0.0/24=127.0.0.0/8x').ok);
  t.notOk(parseAddressMapping('10.0.0.0/8=127.0.0.0/24').ok, 'host bits would be lost');
});

t.test('the reference config mapped onto loopback with a port offset', async (t) => {
  const m = compileConfig(readFixture('seed/tms-ace.conf'), 'f').model;
  const { model, overflows } = applyAddressMap(m, [map('10.0.0.0/8=127.0.0.0/8')], 10000);
  t.same(overflows, []);
  const ctx = model.contexts[0]!;
  t.same(ctx.rservers.map((r) => r.ipAddress), ['127.0.200.50', '127.0.200.60']);
  t.same(resolveVips(ctx).map((v) => [v.address, v.ports]), [
    ['127.0.200.40', { kind: 'eq', port: 10162 }],
    ['127.0.200.40', { kind: 'eq', port: 10161 }],
    ['127.0.200.40', { kind: 'eq', port: 10080 }],
    ['127.0.200.40', { kind: 'eq', port: 10443 }],
  ]);
  t.equal(ctx.probes.find((p) => p.name === 'PROBE-HTTP-80')?.port, 10080);
  t.same(ctx.serverfarms.find((f) => f.name === 'SFARM-TMS-WEB-443')?.members.map((x) => x.port), [10443, 10443]);
  t.equal(ctx.interfaces[0]?.ipAddress?.address, '127.0.200.24');
  t.equal(ctx.interfaces[0]?.ipAddress?.mask, '255.255.255.0', 'masks are not addresses');
  t.equal(m.contexts[0]!.rservers[0]!.ipAddress, '10.0.200.50', 'the input model is untouched');
  t.equal(ctx.probes.find((p) => p.name === 'BOOKING-PROBE-TMS')?.credentials?.password?.reveal(), 'my_password', 'secrets survive the copy');
  const over = applyAddressMap(m, [], 65400);
  t.ok(over.overflows.length > 0, 'ports pushed past 65535 are reported');
});
