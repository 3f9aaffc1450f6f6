// Fuzzing the SNMP decoder and relay of the UDP VIP (src/proxy/snmp-*.ts):
// random bytes, valid v1/v2c messages with bytes flipped, inserted, removed
// or truncated. Properties: decodeSnmp and relaySnmp never throw; a failure
// names a reason and an offset inside the datagram; a success describes
// TLVs that nest inside it; what the relay forwards decodes again, with the
// varbinds it was given (plus snmpTrapAddress.0 when it added one).
import t from 'tap';
import fc from 'fast-check';
import { decodeSnmp } from '../../src/proxy/snmp-message.js';
import { relaySnmp, relaySnmpReply } from '../../src/proxy/snmp-relay.js';
import { intValue, notificationHead, oidValue, v1Trap, v2cMessage, LINK_UP, type TestVarbind } from '../unit/proxy/snmp-encode.js';
import { damage, damaged, fuzzRuns } from './fuzz-support.js';

function checkDecode(buf: Buffer): void {
  const d = decodeSnmp(buf);
  if (!d.ok) {
    if (typeof d.reason !== 'string' || d.reason === '') throw new Error('failure without a reason');
    if (!Number.isInteger(d.offset) || d.offset < 0 || d.offset > buf.length) throw new Error(`offset ${d.offset} outside 0..${buf.length}`);
    return;
  }
  if (d.version === 'v3') return;
  const { message, pdu, varbindList } = d.layout;
  if (message.start !== 0 || message.end !== buf.length) throw new Error('message does not fill the datagram');
  if (pdu.start < message.valueStart || pdu.end !== message.end || varbindList.end !== pdu.end) throw new Error('PDU or list outside its container');
  for (const vb of d.varbinds) {
    if (vb.start < varbindList.valueStart || vb.value.end > varbindList.end || vb.oidStart >= vb.oidEnd) throw new Error('varbind outside the list');
  }
}

function checkRelay(buf: Buffer): void {
  for (const trapAddress of [false, true]) {
    const r = relaySnmp(buf, '127.0.110.21', { trapAddress });
    const d = decodeSnmp(buf);
    if (r.ok !== d.ok) throw new Error('relay and decoder disagree');
    if (!r.ok) continue;
    const again = decodeSnmp(r.data);
    if (!again.ok) throw new Error(`the relay forwards what it cannot decode: ${again.reason}`);
    if (d.ok && d.version !== 'v3' && again.version !== 'v3') {
      if (again.varbinds.length !== d.varbinds.length + (r.appended ? 1 : 0)) throw new Error('varbinds lost or invented');
      if (!r.appended && !r.data.equals(buf)) throw new Error('changed without appending');
    }
    relaySnmpReply(buf, '127.0.110.21', new Set(r.ok && r.informId ? [r.informId] : []));
  }
}

const vb: fc.Arbitrary<TestVarbind> = fc.record({
  oid: fc.array(fc.integer({ min: 0, max: 2 ** 31 }), { minLength: 1, maxLength: 10 }).map((arcs) => ['1.3', ...arcs].join('.')),
  tag: fc.constantFrom(0x02, 0x04, 0x05, 0x06, 0x40, 0x41, 0x42, 0x43, 0x44, 0x46, 0x80, 0x81, 0x82),
  value: fc.uint8Array({ maxLength: 40 }).map((b) => Buffer.from(b)),
}).map((v) => (v.tag === 0x06 ? { ...v, value: oidValue('1.3.6.1.4.1.9') } : v.tag === 0x40 ? { ...v, value: Buffer.from([10, 0, 0, 1]) } : v));

const valid: fc.Arbitrary<Buffer> = fc.oneof(
  fc.tuple(fc.string({ maxLength: 20 }), fc.constantFrom(0xa0, 0xa1, 0xa2, 0xa3, 0xa5, 0xa6, 0xa7, 0xa8), fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), fc.array(vb, { maxLength: 6 })).map(([c, tag, id, vbs]) =>
    v2cMessage(c, tag, id, tag === 0xa7 || tag === 0xa6 ? [...notificationHead(100, LINK_UP), ...vbs] : vbs),
  ),
  fc.tuple(fc.string({ maxLength: 20 }), fc.array(vb, { maxLength: 6 }), fc.nat({ max: 6 })).map(([c, vbs, g]) => v1Trap(c, '1.3.6.1.4.1.9', '10.1.2.3', g, 0, 12345, vbs)),
);

t.test('valid messages decode, and the relay keeps them decodable', async (t) => {
  fc.assert(
    fc.property(valid, (buf) => {
      const d = decodeSnmp(buf);
      if (!d.ok) throw new Error(`a valid message was refused: ${d.reason}`);
      checkDecode(buf);
      checkRelay(buf);
    }),
    { numRuns: fuzzRuns(200) },
  );
  t.pass();
});

t.test('damaged messages: never a throw; malformed ones classified with an offset inside', async (t) => {
  let malformed = 0;
  fc.assert(
    fc.property(valid, fc.array(damage, { minLength: 1, maxLength: 4 }), (buf, ds) => {
      const b = damaged(buf, ds);
      checkDecode(b);
      checkRelay(b);
      if (!decodeSnmp(b).ok) malformed++;
    }),
    { numRuns: fuzzRuns(200) },
  );
  t.ok(malformed > 0, `${malformed} of the damaged datagrams classified as malformed`);
});

t.test('random bytes and hostile lengths', async (t) => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 1500 }), (bytes) => {
      const b = Buffer.from(bytes);
      checkDecode(b);
      checkRelay(b);
    }),
    { numRuns: fuzzRuns(200) },
  );
  const hostile = [
    Buffer.alloc(0),
    Buffer.from([0x30]),
    Buffer.from([0x30, 0x80]), // indefinite length
    Buffer.from([0x30, 0x84, 0xff, 0xff, 0xff, 0xff]), // 4 GiB claimed
    Buffer.from([0x30, 0x89, 1, 2, 3, 4, 5, 6, 7, 8, 9]), // 9 length octets
    Buffer.from([0x3f, 0x81, 0x01, 0x00]), // high tag number
    Buffer.concat([Buffer.from([0x30, 0x82, 0xff, 0xf0]), Buffer.alloc(65_520, 0x30)]), // 65 KB of nested SEQUENCE tags
    Buffer.alloc(65_507, 0xff),
    v2cMessage('public', 0xa7, 1, Array.from({ length: 2000 }, (_, i) => ({ oid: `1.3.6.1.4.1.${i}`, tag: 0x02, value: intValue(i) }))), // a big valid trap
  ];
  for (const h of hostile) {
    t.doesNotThrow(() => {
      checkDecode(h);
      checkRelay(h);
    }, `${h.length} bytes starting ${h.subarray(0, 4).toString('hex')}`);
  }
  t.equal(decodeSnmp(hostile[0]!).ok, false, 'an empty datagram is malformed');
  t.equal(decodeSnmp(hostile[8]!).ok, true, 'a 2,000-varbind trap is fine');
});
