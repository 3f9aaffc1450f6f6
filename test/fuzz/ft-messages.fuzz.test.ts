// Fuzzing the FT link's wire formats (src/ha/messages.ts): the UDP heartbeat
// and the replication channel's JSON lines, both untrusted input from the FT
// VLAN. Properties: valid messages round-trip (also through any chunking of the
// TCP stream); random bytes, damaged messages and single wrong fields never
// throw and are rejected with a reason that names the field; the line splitter
// drops a channel whose line outgrows its bound however the bytes arrive.
import t from 'tap';
import fc from 'fast-check';
import { encodeHeartbeat, encodeReplication, LineSplitter, MAX_HEARTBEAT_BYTES, readHeartbeat, readReplication, type Decoded, type Heartbeat, type ReplicationMessage } from '../../src/ha/messages.js';
import type { FtGroupState } from '../../src/ha/types.js';
import { damage, damaged, fuzzRuns } from './fuzz-support.js';

const STATES: FtGroupState[] = ['FSM_FT_STATE_INIT', 'FSM_FT_STATE_ELECT', 'FSM_FT_STATE_ACTIVE', 'FSM_FT_STATE_STANDBY_CONFIG', 'FSM_FT_STATE_STANDBY_BULK', 'FSM_FT_STATE_STANDBY_HOT', 'FSM_FT_STATE_STANDBY_COLD'];
const int = (min: number, max: number): fc.Arbitrary<number> => fc.integer({ min, max });
const str = (max: number): fc.Arbitrary<string> => fc.string({ maxLength: Math.min(max, 40), unit: 'binary' });

const heartbeat: fc.Arbitrary<Heartbeat> = fc.record({
  v: fc.constant(1),
  from: str(64),
  seq: fc.maxSafeNat(),
  intervalMs: int(1, 60_000),
  count: int(1, 1000),
  hearing: fc.boolean(),
  groups: fc.array(fc.record({ id: int(1, 255), state: fc.constantFrom(...STATES), configPriority: int(0, 255), netPriority: int(0, 255), preempt: fc.boolean(), yielding: fc.boolean() }), { maxLength: 6 }),
});

const group = int(1, 255);
const replication: fc.Arbitrary<ReplicationMessage> = fc.oneof(
  fc.record({ t: fc.constant('hello' as const), v: int(0, 1000), from: str(64) }),
  fc.record({ t: fc.constant('config' as const), group, digest: str(128) }),
  fc.record({ t: fc.constant('config-push' as const), group, digest: str(128), text: fc.string({ maxLength: 400, unit: 'binary' }) }),
  fc.record({ t: fc.constant('config-ack' as const), group, ok: fc.boolean() }),
  fc.record({ t: fc.constant('bulk-start' as const), group }),
  fc.record({ t: fc.constant('bulk-end' as const), group, entries: fc.maxSafeNat() }),
  fc.record({ t: fc.constant('sticky' as const), group: str(256), hi: int(0, 0xffffffff), lo: int(0, 0xffffffff), farm: str(256), rserver: str(256), port: int(0, 65535) }),
  fc.record({ t: fc.constant('sticky-clear' as const), group: str(256) }, { requiredKeys: ['t'] }),
);

/** A rejection must say why; an acceptance must be a message that encodes and reads back the same. */
function wellFormed<T>(r: Decoded<T>, again: (v: T) => Decoded<T>): string | undefined {
  if (!r.ok) return typeof r.reason === 'string' && r.reason.length > 0 && r.reason.length < 300 ? undefined : `a rejection without a usable reason: ${JSON.stringify(r)}`;
  const back = again(r.value);
  return back.ok && JSON.stringify(back.value) === JSON.stringify(r.value) ? undefined : 'accepted, but does not read back the same';
}
const heartbeatAgain = (h: Heartbeat): Decoded<Heartbeat> => readHeartbeat(encodeHeartbeat(h));
const replicationAgain = (m: ReplicationMessage): Decoded<ReplicationMessage> => readReplication(encodeReplication(m).slice(0, -1));

t.test('valid heartbeats and replication messages round-trip', async (t) => {
  fc.assert(
    fc.property(heartbeat, (h) => {
      const r = readHeartbeat(encodeHeartbeat(h));
      return r.ok && JSON.stringify(r.value) === JSON.stringify(h);
    }),
    { numRuns: fuzzRuns(200) },
  );
  fc.assert(
    fc.property(replication, (m) => {
      const line = encodeReplication(m);
      const r = readReplication(line.slice(0, -1));
      return line.endsWith('\n') && line.indexOf('\n') === line.length - 1 && r.ok && JSON.stringify(r.value) === JSON.stringify(m);
    }),
    { numRuns: fuzzRuns(200) },
  );
  t.pass('round trips hold');
});

t.test('a replication stream reads the same however it is chunked', async (t) => {
  fc.assert(
    fc.property(fc.array(replication, { minLength: 1, maxLength: 12 }), fc.array(fc.nat(), { maxLength: 20 }), (ms, cuts) => {
      const stream = ms.map(encodeReplication).join('');
      const at = [...new Set(cuts.map((c) => c % (stream.length + 1)))].sort((a, b) => a - b);
      const split = new LineSplitter();
      const got: ReplicationMessage[] = [];
      let from = 0;
      for (const c of [...at, stream.length]) {
        const lines = split.push(stream.slice(from, c));
        from = c;
        if (lines === undefined) return false;
        for (const l of lines) {
          const r = readReplication(l);
          if (!r.ok) return false;
          got.push(r.value);
        }
      }
      return JSON.stringify(got) === JSON.stringify(ms);
    }),
    { numRuns: fuzzRuns(150) },
  );
  t.pass('chunking never changes the messages');
});

t.test('random bytes: never an exception, always a reason', async (t) => {
  let accepted = 0;
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: MAX_HEARTBEAT_BYTES + 200 }), (bytes) => {
      const buf = Buffer.from(bytes);
      const h = readHeartbeat(buf);
      const r = readReplication(buf.toString('utf8'));
      accepted += (h.ok ? 1 : 0) + (r.ok ? 1 : 0);
      const bad = wellFormed(h, heartbeatAgain) ?? wellFormed(r, replicationAgain);
      if (bad !== undefined) throw new Error(bad);
    }),
    { numRuns: fuzzRuns(200) },
  );
  fc.assert(
    fc.property(fc.json({ maxDepth: 4 }), (text) => {
      const bad = wellFormed(readHeartbeat(Buffer.from(text)), heartbeatAgain) ?? wellFormed(readReplication(text), replicationAgain);
      if (bad !== undefined) throw new Error(bad);
    }),
    { numRuns: fuzzRuns(200) },
  );
  t.equal(accepted, 0, 'no random datagram passed for a message');
});

t.test('damaged messages: never an exception; rejected with a reason, or still a whole message', async (t) => {
  fc.assert(
    fc.property(heartbeat, fc.array(damage, { minLength: 1, maxLength: 6 }), (h, ds) => {
      const bad = wellFormed(readHeartbeat(damaged(encodeHeartbeat(h), ds)), heartbeatAgain);
      if (bad !== undefined) throw new Error(bad);
    }),
    { numRuns: fuzzRuns(200) },
  );
  fc.assert(
    fc.property(replication, fc.array(damage, { minLength: 1, maxLength: 6 }), (m, ds) => {
      const line = damaged(Buffer.from(encodeReplication(m).slice(0, -1)), ds).toString('utf8');
      const bad = wellFormed(readReplication(line), replicationAgain);
      if (bad !== undefined) throw new Error(bad);
    }),
    { numRuns: fuzzRuns(200) },
  );
  t.pass('no damaged message escapes');
});

// Values that no field of the given kind accepts.
const wrongInt = (lo: number, hi: number): unknown[] => [lo - 1, hi + 1, 1.5, `${lo}`, null, true, [], {}, Number.MAX_VALUE, undefined];
const wrongStr = (max: number): unknown[] => ['x'.repeat(max + 1), 5, null, false, ['a'], { a: 'b' }, undefined];
const wrongBool: unknown[] = [0, 1, 'true', null, [], undefined];

const HEARTBEAT_FIELDS: [string, unknown[]][] = [['v', [0, 2, '1', null, undefined]], ['from', wrongStr(64)], ['seq', wrongInt(0, Number.MAX_SAFE_INTEGER)], ['intervalMs', wrongInt(1, 60_000)], ['count', wrongInt(1, 1000)], ['hearing', wrongBool], ['groups', [null, {}, 'x', Array(256).fill(0), undefined]]];
const GROUP_FIELDS: [string, unknown[]][] = [['id', wrongInt(1, 255)], ['state', ['FSM_FT_STATE_BOGUS', 'ACTIVE', 3, null, undefined]], ['configPriority', wrongInt(0, 255)], ['netPriority', wrongInt(0, 255)], ['preempt', wrongBool], ['yielding', wrongBool]];
const REPLICATION_FIELDS: Record<ReplicationMessage['t'], [string, unknown[]][]> = {
  hello: [['v', wrongInt(0, 1000)], ['from', wrongStr(64)]],
  config: [['group', wrongInt(1, 255)], ['digest', wrongStr(128)]],
  'config-push': [['group', wrongInt(1, 255)], ['digest', wrongStr(128)], ['text', [7, null, [], undefined]]],
  'config-ack': [['group', wrongInt(1, 255)], ['ok', wrongBool]],
  'bulk-start': [['group', wrongInt(1, 255)]],
  'bulk-end': [['group', wrongInt(1, 255)], ['entries', wrongInt(0, Number.MAX_SAFE_INTEGER)]],
  sticky: [['group', wrongStr(256)], ['hi', wrongInt(0, 0xffffffff)], ['lo', wrongInt(0, 0xffffffff)], ['farm', wrongStr(256)], ['rserver', wrongStr(256)], ['port', wrongInt(0, 65535)]],
  'sticky-clear': [['group', ['x'.repeat(257), 5, null, []]]],
};

/** The object with one field replaced (undefined: removed). */
const withField = (o: object, field: string, value: unknown): Record<string, unknown> => {
  const x: Record<string, unknown> = { ...o };
  if (value === undefined) delete x[field];
  else x[field] = value;
  return x;
};

t.test('one wrong field: rejected, and the reason names the field', async (t) => {
  fc.assert(
    fc.property(heartbeat, fc.nat(), fc.nat(), (h, fi, vi) => {
      const [field, values] = HEARTBEAT_FIELDS[fi % HEARTBEAT_FIELDS.length]!;
      const r = readHeartbeat(Buffer.from(JSON.stringify(withField(h, field, values[vi % values.length]))));
      return !r.ok && r.reason.startsWith(`${field}:`);
    }),
    { numRuns: fuzzRuns(200) },
  );
  fc.assert(
    fc.property(heartbeat.filter((h) => h.groups.length > 0), fc.nat(), fc.nat(), fc.nat(), (h, gi, fi, vi) => {
      const i = gi % h.groups.length;
      const [field, values] = GROUP_FIELDS[fi % GROUP_FIELDS.length]!;
      const groups: unknown[] = [...h.groups];
      groups[i] = withField(h.groups[i]!, field, values[vi % values.length]);
      const r = readHeartbeat(Buffer.from(JSON.stringify({ ...h, groups })));
      return !r.ok && r.reason.startsWith(`groups[${i}].${field}:`);
    }),
    { numRuns: fuzzRuns(200) },
  );
  fc.assert(
    fc.property(replication, fc.nat(), fc.nat(), (m, fi, vi) => {
      const fields = REPLICATION_FIELDS[m.t];
      const [field, values] = fields[fi % fields.length]!;
      const r = readReplication(JSON.stringify(withField(m, field, values[vi % values.length])));
      return !r.ok && r.reason.startsWith(`${m.t}: ${field}:`);
    }),
    { numRuns: fuzzRuns(200) },
  );
  t.pass('every wrong field is named');
});

t.test('hostile shapes: oversize, deep nesting, prototype keys, unknown types', async (t) => {
  const big = Buffer.from(JSON.stringify({ v: 1, from: 'a', seq: 1, intervalMs: 300, count: 10, hearing: true, groups: [] }) + ' '.repeat(MAX_HEARTBEAT_BYTES));
  const r = readHeartbeat(big);
  t.match(r, { ok: false, reason: /over the 8192 of a heartbeat/ }, 'an oversize heartbeat is refused before parsing');
  const lines: [string, RegExp][] = [
    ['['.repeat(100_000), /^not JSON$/],
    ['{"a":'.repeat(50_000), /^not JSON$/],
    ['[]', /^not a JSON object \(a list of 0\)$/],
    ['"hello"', /^not a JSON object/],
    ['{"t":"__proto__"}', /^t: not a message type/],
    ['{"t":"constructor"}', /^t: not a message type/],
    ['{"t":"toString"}', /^t: not a message type/],
    ['{"__proto__":{"t":"hello","v":1,"from":"x"}}', /^t: not a message type \(nothing\)$/],
    ['{"t":"hello","v":1,"from":"x","__proto__":{"polluted":1}}', /./],
    ['{"t":"sticky","group":"g","hi":1,"lo":1,"farm":"f","rserver":"r","port":1e400}', /^sticky: port: expected an integer 0-65535, got Infinity$/],
    ['', /^not JSON$/],
  ];
  for (const [line, reason] of lines) {
    const d = readReplication(line);
    if (d.ok) t.notOk('polluted' in {} || 'polluted' in d.value, `${line.slice(0, 40)}: accepted without its extra keys`);
    else t.match(d.reason, reason, `${line.slice(0, 40)}${line.length > 40 ? '…' : ''}: ${d.reason}`);
  }
  t.notOk('polluted' in Object.prototype, 'no prototype was touched');
});

t.test('the line splitter drops a channel whose line outgrows the bound, however it arrives', async (t) => {
  const MAX = 100;
  fc.assert(
    fc.property(int(MAX + 1, 3 * MAX), fc.array(int(1, 50), { minLength: 1, maxLength: 30 }), fc.boolean(), (len, sizes, terminated) => {
      const text = 'x'.repeat(len) + (terminated ? '\n' : '');
      const split = new LineSplitter(MAX);
      let at = 0;
      for (let i = 0; at < text.length; i++) {
        const n = sizes[i % sizes.length]!;
        if (split.push(text.slice(at, at + n)) === undefined) return true;
        at += n;
      }
      return false;
    }),
    { numRuns: fuzzRuns(200) },
  );
  const ok = new LineSplitter(MAX);
  t.same(ok.push(`${'y'.repeat(MAX)}\n${'z'.repeat(MAX)}`), ['y'.repeat(MAX)], 'lines of exactly the bound pass');
  t.same(ok.push('\n'), ['z'.repeat(MAX)]);
});
