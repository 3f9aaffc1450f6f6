// The SNMP-aware UDP VIP under garbage, on real loopback sockets: a few
// hundred damaged and random datagrams at the trap port, interleaved with
// valid v2c traps. The node (a plain UDP socket) must receive every valid
// trap — decodable, with snmpTrapAddress.0 appended — and nothing else; the
// listener counts each malformed datagram and keeps serving.
import t from 'tap';
import dgram from 'node:dgram';
import { once } from 'node:events';
import fc from 'fast-check';
import { compileConfig } from '../../src/config/compile.js';
import { RealClock } from '../../src/core/real-clock.js';
import { createRuntime } from '../../src/runtime/balancer-runtime.js';
import { decodeSnmp } from '../../src/proxy/snmp-message.js';
import { intValue, notificationHead, v2cMessage, LINK_UP } from '../unit/proxy/snmp-encode.js';
import { waitFor } from '../integration/proxy/tms-nodes.js';
import { damage, damaged } from './fuzz-support.js';
import { trapVipConfig } from '../fakes/vip-configs.js';

const VIP = '127.0.110.2';
const NODE = '127.0.110.12';
const PORT = 29162;
const GARBAGE_FROM = '127.0.110.21';
const TRAPS_FROM = '127.0.110.22';
const GARBAGE = 300;
const TRAPS = 60;

const CONFIG = trapVipConfig({ vip: VIP, vipPort: PORT, node: NODE, nodePort: PORT });

const trap = (id: number): Buffer => v2cMessage('public', 0xa7, id, [...notificationHead(id, LINK_UP), { oid: '1.3.6.1.4.1.9.9.1.0', tag: 0x02, value: intValue(id) }]);

t.test('garbage at the trap VIP is counted and dropped; valid traps keep flowing', async (t) => {
  const compiled = compileConfig(CONFIG, 'snmp-vip.conf');
  t.same(compiled.diagnostics.filter((d) => d.severity === 'error'), [], 'config compiles');

  const node = dgram.createSocket('udp4');
  const received: Buffer[] = [];
  node.on('message', (m) => received.push(m));
  node.bind(PORT, NODE);
  await once(node, 'listening');
  t.teardown(() => new Promise<void>((r) => node.close(() => r())));

  const created = createRuntime({ model: compiled.model, clock: new RealClock(), drainMs: 0, snmp: { ports: [PORT], trapAddress: ['VIP-TRAP'] } });
  if (!created.ok) throw new Error(created.message);
  const rt = created.runtime;
  const started = await rt.start();
  t.teardown(() => rt.stop());
  t.same(started.failures, [], 'the trap listener bound');
  const counters = () => rt.counters().find((c) => c.info.port === PORT)!.counters;

  // Damaged valid traps and random bytes; the few that still decode are valid SNMP and may be forwarded.
  const garbage = fc.sample(fc.oneof(fc.tuple(fc.integer({ min: 1, max: 1e6 }), fc.array(damage, { minLength: 1, maxLength: 3 })).map(([id, ds]) => damaged(trap(id), ds)), fc.uint8Array({ maxLength: 600 }).map((b) => Buffer.from(b))), { numRuns: GARBAGE, seed: 110 });
  const malformed = garbage.filter((g) => !decodeSnmp(g).ok).length;
  t.ok(malformed > GARBAGE * 0.8, `${malformed} of ${GARBAGE} datagrams are malformed`);

  const bad = dgram.createSocket('udp4');
  bad.bind(0, GARBAGE_FROM);
  await once(bad, 'listening');
  const good = dgram.createSocket('udp4');
  good.bind(0, TRAPS_FROM);
  await once(good, 'listening');
  t.teardown(() => {
    bad.close();
    good.close();
  });
  const send = (s: dgram.Socket, b: Buffer) => new Promise<void>((r) => s.send(b, PORT, VIP, () => r()));

  let g = 0;
  for (let id = 1; id <= TRAPS; id++) {
    await send(good, trap(id));
    for (let k = 0; k < GARBAGE / TRAPS; k++) await send(bad, garbage[g++]!);
    if (id % 10 === 0) await new Promise((r) => setTimeout(r, 20)); // let the loopback queue drain: this is not a loss test
  }
  t.ok(await waitFor(() => counters().snmpMalformed >= malformed && received.filter((m) => decodeSnmp(m).ok).length >= TRAPS, 5000), 'everything arrived or was counted');

  t.equal(counters().snmpMalformed, malformed, 'each malformed datagram counted');
  const forwarded = received.map((m) => decodeSnmp(m));
  t.ok(forwarded.every((d) => d.ok), 'the node received only well-formed SNMP');
  const fromTraps = forwarded.filter((d) => d.ok && d.version === 'v2c' && d.pdu === 'trap-v2' && d.varbinds.length === 4);
  t.ok(fromTraps.length >= TRAPS, `all ${TRAPS} valid traps forwarded, each with snmpTrapAddress.0 appended`);
  t.equal(received.length, TRAPS + (GARBAGE - malformed), 'nothing else forwarded: the valid traps and the damaged ones that still decode');

  // Still serving after the storm.
  await send(good, trap(999_999));
  t.ok(await waitFor(() => received.length === TRAPS + (GARBAGE - malformed) + 1, 2000), 'a trap after the garbage is forwarded too');
});
