// BodyReplay over an in-memory body: while the upstream is not connected it
// reads no further than REPLAY_LIMIT_BYTES (plus the chunk that crosses it)
// from the client however long the connect takes, even when the sink takes
// everything; a second attempt gets
// everything consumed so far, then the rest; once connected nothing is kept.
import t from 'tap';
import { Readable } from 'node:stream';
import { BodyReplay, REPLAY_LIMIT_BYTES } from '../../../src/proxy/http-body-replay.js';

const CHUNK = 16 * 1024;
const TOTAL = 1 << 20;

/** A client body of TOTAL bytes (byte i = i mod 251), counting what has been read from it. */
function body(): { req: Readable; consumed: () => number } {
  let sent = 0;
  let consumed = 0;
  const req = new Readable({
    highWaterMark: CHUNK,
    read() {
      if (sent >= TOTAL) return void this.push(null);
      const b = Buffer.alloc(Math.min(CHUNK, TOTAL - sent));
      for (let i = 0; i < b.length; i++) b[i] = (sent + i) % 251;
      sent += b.length;
      this.push(b);
    },
  });
  req.on('data', (c: Buffer) => (consumed += c.length));
  return { req, consumed: () => consumed };
}

const settle = (): Promise<void> => new Promise((r) => setImmediate(() => setImmediate(r)));

async function drain(s: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of s) parts.push(c as Buffer);
  return Buffer.concat(parts);
}

function intact(b: Buffer): boolean {
  if (b.length !== TOTAL) return false;
  for (let i = 0; i < b.length; i++) if (b[i] !== i % 251) return false;
  return true;
}

t.test('bounded while the connect is pending, then streams', async (t) => {
  const { req, consumed } = body();
  const r = new BodyReplay(req);
  const sink = r.attempt();
  // A consumer that takes everything at once: only the limit holds the client back.
  const parts: Buffer[] = [];
  sink.on('data', (c: Buffer) => parts.push(c));
  const ended = new Promise<void>((res) => sink.once('end', () => res()));
  for (let i = 0; i < 20; i++) await settle();
  t.ok(consumed() >= REPLAY_LIMIT_BYTES, `read up to the limit (${consumed()})`);
  t.ok(consumed() <= REPLAY_LIMIT_BYTES + CHUNK, `and no further (${consumed()})`);
  t.ok(r.replayable);
  r.connected();
  t.notOk(r.replayable, 'nothing is replayable once the upstream took it');
  await ended;
  t.ok(intact(Buffer.concat(parts)), 'the whole body, in order');
});

t.test('a second attempt gets the kept bytes, then the rest', async (t) => {
  const { req } = body();
  const r = new BodyReplay(req);
  const first = r.attempt();
  for (let i = 0; i < 20; i++) await settle();
  first.destroy();
  const second = r.attempt();
  r.connected();
  t.ok(intact(await drain(second)), 'byte for byte');
});
