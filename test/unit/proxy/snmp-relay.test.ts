// The SNMP relay's decoder and varbind splice: random varbind lists round-trip
// through decode and through the snmpTrapAddress.0 append (lengths crossing the
// short/long BER forms included); v1 traps and other PDUs pass byte for byte;
// garbage and mutated messages never throw and come back with a positioned reason.
import t from 'tap';
import fc from 'fast-check';
import { decodeSnmp, varbindOid, type SnmpDecoded } from '../../../src/proxy/snmp-message.js';
import { relaySnmp, relaySnmpReply, SNMP_TRAP_ADDRESS_OID } from '../../../src/proxy/snmp-relay.js';
import { encodeOidValue, oidToString, readTlv } from '../../../src/proxy/snmp-ber.js';
import { intValue, LINK_UP, notificationHead, oidValue, tlv, v1Trap, v2cMessage, type TestVarbind } from './snmp-encode.js';

const arbOid = fc
  .tuple(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 39 }), fc.array(fc.integer({ min: 0, max: 2 ** 32 - 1 }), { minLength: 0, maxLength: 14 }))
  .map(([a, b, rest]) => [a, b, ...rest].join('.'));

const arbValue: fc.Arbitrary<{ tag: number; value: Buffer }> = fc.oneof(
  fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }).map((n) => ({ tag: 0x02, value: intValue(n) })),
  fc.uint8Array({ maxLength: 300 }).map((b) => ({ tag: 0x04, value: Buffer.from(b) })),
  fc.constant({ tag: 0x05, value: Buffer.alloc(0) }),
  arbOid.map((o) => ({ tag: 0x06, value: oidValue(o) })),
  fc.uint8Array({ minLength: 4, maxLength: 4 }).map((b) => ({ tag: 0x40, value: Buffer.from(b) })),
  fc.tuple(fc.constantFrom(0x41, 0x42, 0x43), fc.integer({ min: 0, max: 2 ** 32 - 1 })).map(([tag, n]) => ({ tag, value: intValue(n) })),
  fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }).map((n) => ({ tag: 0x46, value: Buffer.from((n === 0n ? '00' : n.toString(16).padStart(Math.ceil(n.toString(16).length / 2) * 2, '0')).replace(/^([89a-f])/, '00$1'), 'hex') })),
  fc.constantFrom(0x80, 0x81, 0x82).map((tag) => ({ tag, value: Buffer.alloc(0) })),
);

const arbVarbinds: fc.Arbitrary<TestVarbind[]> = fc.array(fc.tuple(arbOid, arbValue).map(([oid, v]) => ({ oid, ...v })), { maxLength: 12 });
const arbIp = fc.tuple(fc.integer({ min: 1, max: 223 }), fc.nat(255), fc.nat(255), fc.nat(255)).map((p) => p.join('.'));
const arbCommunity = fc.string({ maxLength: 40 });
const arbRequestId = fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 });

function varbindsOf(buf: Buffer, d: SnmpDecoded): TestVarbind[] {
  if (!d.ok || d.version === 'v3') throw new Error(`not a community message: ${JSON.stringify(d)}`);
  return d.varbinds.map((vb) => ({ oid: varbindOid(buf, vb), tag: vb.value.tag, value: Buffer.from(buf.subarray(vb.value.valueStart, vb.value.end)) }));
}

const plain = (vbs: TestVarbind[]) => vbs.map((v) => ({ oid: v.oid, tag: v.tag, value: v.value.toString('hex') }));

t.test('BER helpers: OIDs encode and decode both ways', async (t) => {
  fc.assert(
    fc.property(arbOid, (oid) => {
      const v = encodeOidValue(oid)!;
      return v.equals(oidValue(oid)) && oidToString(v, 0, v.length) === oid;
    }),
  );
  t.pass('random OIDs');
  t.equal(encodeOidValue('3.1'), undefined, 'first arc above 2');
  t.equal(encodeOidValue('1.40.1'), undefined, 'second arc above 39 under 0/1');
  t.equal(encodeOidValue('1'), undefined, 'one arc');
  t.same(readTlv(Buffer.from([0x04, 0x80]), 0, 2), undefined, 'indefinite length refused');
  t.same(readTlv(Buffer.from([0x1f, 0x01, 0x00]), 0, 3), undefined, 'high tag number refused');
  t.same(readTlv(Buffer.from([0x04, 0x82, 0x01, 0x00]), 0, 4), undefined, 'value past the end refused');
});

t.test('random v2c notifications round-trip through decode and through the snmpTrapAddress append', async (t) => {
  fc.assert(
    fc.property(arbCommunity, arbRequestId, fc.constantFrom(0xa7, 0xa6), arbVarbinds, arbIp, (community, reqId, pduTag, extra, client) => {
      const vbs = [...notificationHead(12345, LINK_UP), ...extra.filter((v) => v.oid !== SNMP_TRAP_ADDRESS_OID)];
      const msg = v2cMessage(community, pduTag, reqId, vbs);
      const d = decodeSnmp(msg);
      if (!d.ok || d.version !== 'v2c') return false;
      if (d.pdu !== (pduTag === 0xa7 ? 'trap-v2' : 'inform')) return false;
      if (JSON.stringify(plain(varbindsOf(msg, d))) !== JSON.stringify(plain(vbs))) return false;

      const off = relaySnmp(msg, client, { trapAddress: false });
      if (!off.ok || off.data !== msg || off.appended) return false;

      const r = relaySnmp(msg, client, { trapAddress: true });
      if (!r.ok || !r.appended) return false;
      // What the relay sent is what the test encoder makes for the list plus snmpTrapAddress.0: every length right.
      const want = v2cMessage(community, pduTag, reqId, [...vbs, { oid: SNMP_TRAP_ADDRESS_OID, tag: 0x40, value: Buffer.from(client.split('.').map(Number)) }]);
      return r.data.equals(want);
    }),
    { numRuns: 300 },
  );
  t.pass('300 random notifications');
});

t.test('the Response to an extended inform gets the same varbinds the sender sent', async (t) => {
  fc.assert(
    fc.property(arbCommunity, arbRequestId, arbVarbinds, arbIp, (community, reqId, extra, client) => {
      const vbs = [...notificationHead(9, LINK_UP), ...extra.filter((v) => v.oid !== SNMP_TRAP_ADDRESS_OID)];
      const inform = v2cMessage(community, 0xa6, reqId, vbs);
      const r = relaySnmp(inform, client, { trapAddress: true });
      if (!r.ok || r.informId === undefined) return false;
      // The node answers with a Response echoing what it received (RFC 3416 §4.2.7).
      const d = decodeSnmp(r.data);
      const echoed = varbindsOf(r.data, d);
      const response = v2cMessage(community, 0xa2, reqId, echoed);
      const ids = new Set([r.informId]);
      const back = relaySnmpReply(response, client, ids);
      return back.equals(v2cMessage(community, 0xa2, reqId, vbs)) && ids.size === 0;
    }),
    { numRuns: 200 },
  );
  const vbs = notificationHead(9, LINK_UP);
  const withAddr = [...vbs, { oid: SNMP_TRAP_ADDRESS_OID, tag: 0x40, value: Buffer.from([127, 0, 100, 9]) }];
  const other = v2cMessage('public', 0xa2, 5, withAddr);
  t.equal(relaySnmpReply(other, '127.0.100.9', new Set(['x'])), other, 'a Response to an inform the relay did not extend passes as is');
  const ids = new Set<string>();
  const r = relaySnmp(v2cMessage('public', 0xa6, 5, vbs), '127.0.100.9', { trapAddress: true });
  if (r.ok && r.informId) ids.add(r.informId);
  const foreign = v2cMessage('public', 0xa2, 5, [...vbs, { oid: SNMP_TRAP_ADDRESS_OID, tag: 0x40, value: Buffer.from([10, 0, 0, 1]) }]);
  t.equal(relaySnmpReply(foreign, '127.0.100.9', ids), foreign, 'a trailing snmpTrapAddress.0 of another address is not ours to remove');
  const junk = Buffer.from('junk');
  t.equal(relaySnmpReply(junk, '127.0.100.9', ids), junk, 'a malformed reply passes');
  const trap = relaySnmp(v2cMessage('public', 0xa7, 5, vbs), '127.0.100.9', { trapAddress: true });
  t.ok(trap.ok && trap.appended && trap.informId === undefined, 'traps expect no Response: nothing to remember');
});

t.test('the append crosses the short/long length forms at 127/128 and 255/256 bytes', async (t) => {
  for (let size = 60; size <= 300; size++) {
    const vbs = [...notificationHead(1, LINK_UP), { oid: '1.3.6.1.4.1.9.9.1', tag: 0x04, value: Buffer.alloc(size, 0x61) }];
    const msg = v2cMessage('public', 0xa7, 7, vbs);
    const r = relaySnmp(msg, '127.0.100.9', { trapAddress: true });
    const want = v2cMessage('public', 0xa7, 7, [...vbs, { oid: SNMP_TRAP_ADDRESS_OID, tag: 0x40, value: Buffer.from([127, 0, 100, 9]) }]);
    if (!r.ok || !r.data.equals(want)) {
      t.fail(`value of ${size} bytes: relayed message differs`);
      return;
    }
  }
  t.pass('every size from 60 to 300 bytes');
});

t.test('a notification that already has snmpTrapAddress.0 passes untouched', async (t) => {
  const msg = v2cMessage('public', 0xa7, 1, [...notificationHead(1, LINK_UP), { oid: SNMP_TRAP_ADDRESS_OID, tag: 0x40, value: Buffer.from([10, 1, 2, 3]) }]);
  const r = relaySnmp(msg, '127.0.100.9', { trapAddress: true });
  t.ok(r.ok && r.data === msg && !r.appended);
});

t.test('v1 traps and other PDUs pass byte for byte; v1 agent-addr is decoded, not changed', async (t) => {
  fc.assert(
    fc.property(arbCommunity, arbIp, arbIp, arbVarbinds, fc.integer({ min: 0, max: 6 }), fc.nat(2 ** 31 - 1), (community, agent, client, vbs, generic, specific) => {
      const msg = v1Trap(community, '1.3.6.1.4.1.9.9.470', agent, generic, specific, 42, vbs);
      const d = decodeSnmp(msg);
      if (!d.ok || d.version !== 'v1' || d.pdu !== 'trap-v1' || d.agentAddr !== agent) return false;
      const r = relaySnmp(msg, client, { trapAddress: true });
      return r.ok && r.data === msg && !r.appended;
    }),
    { numRuns: 200 },
  );
  t.pass('200 random v1 traps');
  for (const [tag, kind] of [[0xa0, 'get'], [0xa1, 'getnext'], [0xa2, 'response'], [0xa3, 'set'], [0xa5, 'getbulk'], [0xa8, 'report']] as const) {
    const msg = v2cMessage('private', tag, 99, [{ oid: '1.3.6.1.2.1.1.5.0', tag: 0x05, value: Buffer.alloc(0) }]);
    const r = relaySnmp(msg, '127.0.100.9', { trapAddress: true });
    t.ok(r.ok && r.data === msg && !r.appended, `${kind} untouched`);
  }
});

t.test('SNMPv3: the envelope is checked, the message is relayed as is', async (t) => {
  const v3 = tlv(0x30, Buffer.concat([tlv(0x02, intValue(3)), tlv(0x30, Buffer.concat([tlv(0x02, intValue(1)), tlv(0x02, intValue(65507)), tlv(0x04, Buffer.from([4])), tlv(0x02, intValue(3))])), tlv(0x04, Buffer.alloc(0)), tlv(0x04, Buffer.from('encrypted scoped pdu'))]));
  const r = relaySnmp(v3, '127.0.100.9', { trapAddress: true });
  t.ok(r.ok && r.data === v3 && !r.appended);
  t.match(decodeSnmp(Buffer.concat([v3.subarray(0, v3.length - 1)])), { ok: false });
});

t.test('malformed datagrams: a reason and the byte offset, never an exception', async (t) => {
  const good = v2cMessage('public', 0xa7, 1, notificationHead(1, LINK_UP));
  const cases: [string, Buffer, RegExp, number][] = [
    ['empty', Buffer.alloc(0), /^message:/, 0],
    ['not a sequence', Buffer.from('hello world'), /^message: expected tag 0x30/, 0],
    ['trailing byte', Buffer.concat([good, Buffer.from([0])]), /after the message/, good.length],
    ['truncated', good.subarray(0, good.length - 3), /^message:/, 0],
    ['indefinite length', Buffer.from([0x30, 0x80, 0x02, 0x01, 0x01, 0x00, 0x00]), /^message:/, 0],
    ['version 2', v2cMessage('public', 0xa7, 1, []).fill(2, 4, 5), /^version: 2 is not/, 2],
    ['v1 trap PDU in a v2c message', Buffer.from(v1Trap('public', '1.3.6.1.4.1.9', '10.0.0.1', 6, 1, 0, [])).fill(1, 4, 5), /trap-v1 is not allowed in SNMPv2c/, 13],
    ['v2 trap in a v1 message', Buffer.from(good).fill(0, 4, 5), /trap-v2 is not allowed in SNMPv1/, 13],
    ['unknown PDU tag', Buffer.from(good).fill(0xa9, 13, 14), /not an SNMP PDU/, 13],
    ['bad value tag', v2cMessage('public', 0xa7, 1, [{ oid: '1.3.6.1', tag: 0x47, value: Buffer.alloc(1) }]), /varbind 1 value: tag 0x47/, 0],
    ['agent-addr of 5 bytes', Buffer.from(tlv(0x30, Buffer.concat([tlv(0x02, intValue(0)), tlv(0x04, Buffer.from('p')), tlv(0xa4, Buffer.concat([tlv(0x06, oidValue('1.3.6.1')), tlv(0x40, Buffer.alloc(5)), tlv(0x02, intValue(0)), tlv(0x02, intValue(0)), tlv(0x43, intValue(0)), tlv(0x30, Buffer.alloc(0))]))]))), /agent-addr: an IpAddress is 4 bytes/, 0],
  ];
  for (const [name, buf, reason, offset] of cases) {
    const d = decodeSnmp(buf);
    t.notOk(d.ok, `${name}: malformed`);
    if (d.ok) continue;
    t.match(d.reason, reason, `${name}: ${d.reason}`);
    if (offset > 0) t.equal(d.offset, offset, `${name}: at byte ${offset}`);
    t.ok(d.offset >= 0 && d.offset <= buf.length, `${name}: offset inside the datagram`);
  }
});

t.test('garbage never throws: random bytes and mutated messages', async (t) => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 600 }), arbIp, (bytes, client) => {
      const r = relaySnmp(Buffer.from(bytes), client, { trapAddress: true });
      return r.ok ? decodeSnmp(r.data).ok : r.offset >= 0 && r.offset <= bytes.length;
    }),
    { numRuns: 2000 },
  );
  const base = v2cMessage('public', 0xa7, 77, [...notificationHead(5, LINK_UP), { oid: '1.3.6.1.4.1.5', tag: 0x04, value: Buffer.alloc(140, 1) }]);
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.nat(base.length - 1), fc.nat(255)), { minLength: 1, maxLength: 4 }), fc.nat(base.length), (flips, cut) => {
      const m = Buffer.from(base.subarray(0, Math.max(1, cut)));
      for (const [i, b] of flips) if (i < m.length) m[i] = b;
      const r = relaySnmp(m, '127.0.100.9', { trapAddress: true });
      // Whatever survives decoding must still decode after the relay touched it.
      return r.ok ? decodeSnmp(r.data).ok : typeof r.reason === 'string';
    }),
    { numRuns: 3000 },
  );
  t.pass('5,000 hostile datagrams, no exception');
});

t.test('the reason never quotes the community', async (t) => {
  const secret = 'S3cr3t-community';
  const bad = Buffer.concat([v2cMessage(secret, 0xa7, 1, notificationHead(1, LINK_UP)), Buffer.from([1])]);
  const d = decodeSnmp(bad);
  t.notOk(d.ok);
  t.notMatch(JSON.stringify(d), secret);
});
