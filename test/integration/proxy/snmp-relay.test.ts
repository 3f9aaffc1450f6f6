// The SNMP-aware UDP VIP end to end on loopback: net-snmp sends v2c traps,
// informs and v1 traps from client addresses through the BalancerRuntime to two
// net-snmp receivers standing in for the nodes. v2c notifications arrive with
// snmpTrapAddress.0 = the sender, v1 traps with their agent-addr as sent,
// garbage is counted (snmpMalformed) and never reaches a node; a non-SNMP UDP
// VIP relays the same garbage untouched.
import t from 'tap';
import dgram from 'node:dgram';
import { once } from 'node:events';
import snmp, { type Session, type Version } from 'net-snmp';
import { compileConfig } from '../../../src/config/compile.js';
import { RealClock } from '../../../src/core/real-clock.js';
import { createRuntime } from '../../../src/runtime/balancer-runtime.js';
import { SNMP_TRAP_ADDRESS_OID } from '../../../src/proxy/snmp-relay.js';
import { waitFor } from './tms-nodes.js';

const BASE = 20000 + Math.floor(Math.random() * 20000);
const TRAP = BASE + 162;
const PLAIN = BASE + 163;
const VIP = '127.0.202.40';
const NODES = ['127.0.202.50', '127.0.202.60'];

const CONFIG = `
access-list ALL line 10 extended permit ip any any
rserver host N1
  ip address ${NODES[0]}
  inservice
rserver host N2
  ip address ${NODES[1]}
  inservice
serverfarm host TRAPS
  rserver N1 ${TRAP}
    inservice
  rserver N2 ${TRAP}
    inservice
serverfarm host PLAIN
  rserver N1 ${PLAIN}
    inservice
class-map match-all VIP-TRAP
  match virtual-address ${VIP} udp eq ${TRAP}
class-map match-all VIP-PLAIN
  match virtual-address ${VIP} udp eq ${PLAIN}
policy-map type loadbalance first-match LB-TRAP
  class class-default
    serverfarm TRAPS
policy-map type loadbalance first-match LB-PLAIN
  class class-default
    serverfarm PLAIN
policy-map multi-match VIPS
  class VIP-TRAP
    loadbalance vip inservice
    loadbalance policy LB-TRAP
  class VIP-PLAIN
    loadbalance vip inservice
    loadbalance policy LB-PLAIN
interface vlan 100
  access-group input ALL
  service-policy input VIPS
  no shutdown
`;

interface Received {
  node: string;
  from: string;
  type: number;
  agentAddr?: string;
  varbinds: { oid: string; type: number; value: unknown }[];
}

function receiver(address: string, got: Received[]): Promise<{ close: () => Promise<void> }> {
  return new Promise((resolve, reject) => {
    const r = snmp.createReceiver({ port: TRAP, address, disableAuthorization: true }, (err, n) => {
      if (err || !n) return;
      got.push({ node: address, from: n.rinfo.address, type: n.pdu.type, ...(n.pdu.agentAddr !== undefined ? { agentAddr: n.pdu.agentAddr } : {}), varbinds: n.pdu.varbinds });
    });
    // net-snmp binds asynchronously; its socket says when.
    const sock = (r as unknown as { listener: { sockets: Record<string, dgram.Socket> } }).listener.sockets;
    const s = Object.values(sock)[0];
    if (!s) return reject(new Error('receiver has no socket'));
    const done = () => resolve({ close: () => new Promise<void>((res) => r.close(() => res())) });
    try {
      s.address();
      done();
    } catch {
      s.once('listening', done);
      s.once('error', reject);
    }
  });
}

function session(version: Version, source: string): Session {
  return snmp.createSession(VIP, 'public', { version, trapPort: TRAP, sourceAddress: source, timeout: 2000, retries: 0 });
}

const sendTrap = (s: Session, ...args: unknown[]): Promise<void> =>
  new Promise((resolve, reject) => (s.trap as (...a: unknown[]) => void)(...args, (err: Error | null) => (err ? reject(err) : resolve())));

t.test('SNMP-aware UDP VIP', async (t) => {
  const compiled = compileConfig(CONFIG, 'snmp-relay.conf');
  t.same(compiled.diagnostics.filter((d) => d.severity === 'error'), [], 'config compiles');
  const got: Received[] = [];
  const nodes = await Promise.all(NODES.map((a) => receiver(a, got)));
  t.teardown(() => Promise.all(nodes.map((n) => n.close())));
  const plainNode = dgram.createSocket('udp4');
  const plainSeen: Buffer[] = [];
  plainNode.on('message', (m) => plainSeen.push(m));
  plainNode.bind(PLAIN, NODES[0]);
  await once(plainNode, 'listening');
  t.teardown(() => new Promise<void>((r) => plainNode.close(() => r())));

  const created = createRuntime({ model: compiled.model, clock: new RealClock(), drainMs: 0, snmp: { ports: [BASE + 161, TRAP], trapAddress: ['VIP-TRAP'] } });
  if (!created.ok) throw new Error(created.message);
  const rt = created.runtime;
  const started = await rt.start();
  t.teardown(() => rt.stop());
  t.same(started.failures, [], 'both listeners bound');
  const counters = () => rt.counters().find((c) => c.info.port === TRAP)!.counters;
  const plainCounters = () => rt.counters().find((c) => c.info.port === PLAIN)!.counters;

  await t.test('a v2c trap arrives with snmpTrapAddress.0 = the sender', async (t) => {
    const senders = ['127.0.100.9', '127.0.100.10', '127.0.100.11'];
    for (const src of senders) {
      const s = session(snmp.Version2c, src);
      await sendTrap(s, '1.3.6.1.6.3.1.1.5.4', [{ oid: '1.3.6.1.4.1.9.9.1.0', type: snmp.ObjectType.OctetString, value: `from ${src}` }]);
      s.close();
    }
    t.ok(await waitFor(() => got.length >= senders.length, 3000), 'every trap reached a node');
    for (const src of senders) {
      const r = got.find((g) => g.varbinds.some((v) => String(v.value) === `from ${src}`));
      t.ok(r, `trap from ${src} received`);
      if (!r) continue;
      t.equal(r.type, snmp.PduType.TrapV2);
      t.equal(r.from, src, 'the node sees the sender as the UDP source too (bind-client)');
      const last = r.varbinds[r.varbinds.length - 1]!;
      t.equal(last.oid, SNMP_TRAP_ADDRESS_OID, 'snmpTrapAddress.0 appended last');
      t.equal(last.type, snmp.ObjectType.IpAddress);
      t.equal(last.value, src, 'holding the sender');
      t.same(r.varbinds.slice(0, 3).map((v) => v.oid), ['1.3.6.1.2.1.1.3.0', '1.3.6.1.6.3.1.1.4.1.0', '1.3.6.1.4.1.9.9.1.0'], 'the original varbinds first, in order');
    }
    got.length = 0;
  });

  await t.test('a v2c inform is acknowledged through the VIP and carries snmpTrapAddress.0', async (t) => {
    const s = session(snmp.Version2c, '127.0.100.12');
    await new Promise<void>((resolve, reject) => s.inform('1.3.6.1.6.3.1.1.5.3', [], (err: Error | null) => (err ? reject(err) : resolve())));
    s.close();
    t.pass('the node\'s response came back from the VIP');
    t.ok(await waitFor(() => got.length >= 1, 2000));
    const r = got[0]!;
    t.equal(r.type, snmp.PduType.InformRequest);
    t.match(r.varbinds.at(-1), { oid: SNMP_TRAP_ADDRESS_OID, value: '127.0.100.12' });
    got.length = 0;
  });

  await t.test('a v1 trap arrives with its agent-addr unchanged and no added varbind', async (t) => {
    const s = session(snmp.Version1, '127.0.100.13');
    await sendTrap(s, snmp.TrapType.LinkDown, [{ oid: '1.3.6.1.2.1.2.2.1.1.7', type: snmp.ObjectType.Integer, value: 7 }], '10.20.30.40');
    s.close();
    t.ok(await waitFor(() => got.length >= 1, 2000));
    const r = got[0]!;
    t.equal(r.type, snmp.PduType.Trap);
    t.equal(r.agentAddr, '10.20.30.40', 'agent-addr as the agent wrote it (not the VIP, not the client)');
    t.equal(r.from, '127.0.100.13');
    t.same(r.varbinds.map((v) => v.oid), ['1.3.6.1.2.1.2.2.1.1.7'], 'varbinds untouched');
    got.length = 0;
  });

  await t.test('garbage is counted and dropped; the listener keeps serving', async (t) => {
    const before = { ...counters() };
    const c = dgram.createSocket('udp4');
    c.bind(0, '127.0.100.14');
    await once(c, 'listening');
    const junk = [Buffer.from('not snmp at all'), Buffer.from([0x30, 0x82, 0xff]), Buffer.from([0x30, 0x03, 0x02, 0x01, 0x07]), Buffer.alloc(0)];
    for (const j of junk) c.send(j, TRAP, VIP);
    await waitFor(() => counters().snmpMalformed - before.snmpMalformed >= junk.length, 2000);
    t.equal(counters().snmpMalformed - before.snmpMalformed, junk.length, 'each malformed datagram counted');
    t.equal(counters().datagramsDropped - before.datagramsDropped, junk.length, 'and dropped');
    t.equal(counters().flows, before.flows, 'garbage opens no flow (nor a sticky entry)');
    const s = session(snmp.Version2c, '127.0.100.14');
    await sendTrap(s, '1.3.6.1.6.3.1.1.5.4', []);
    s.close();
    t.ok(await waitFor(() => got.length >= 1, 2000), 'a good trap from the same client still goes through');
    t.equal(got[0]?.from, '127.0.100.14');

    // The same garbage on a UDP VIP that is not an SNMP port is relayed as bytes.
    for (const j of junk.slice(0, 2)) c.send(j, PLAIN, VIP);
    t.ok(await waitFor(() => plainSeen.length >= 2, 2000), 'non-SNMP port: forwarded');
    t.same(plainSeen.map((b) => b.toString('hex')), junk.slice(0, 2).map((b) => b.toString('hex')), 'byte for byte');
    t.equal(plainCounters().snmpMalformed, 0);
    c.close();
  });
});
