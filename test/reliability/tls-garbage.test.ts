// Garbage at the HTTPS VIP: acesim passes TLS through at L4 (it never parses
// it, even with --l7), so a hostile ClientHello is the real's problem. Shown on
// real sockets: random bytes and damaged ClientHellos (captured from node:tls)
// reach a recording node byte for byte and its answer comes back; against a
// real TLS node they end in the node's alert or close, never a hang; a clean
// TLS handshake works afterwards and nothing is left open on the balancer.
// Ports 37040-37049, addresses 127.0.170.40-49 and clients 127.0.170.100+.
import t from 'tap';
import fc from 'fast-check';
import net from 'node:net';
import tls from 'node:tls';
import { once } from 'node:events';
import { hasOpenssl, makeCert } from '../integration/proxy/tms-nodes.js';
import { damage, damaged, fuzzRuns } from '../fuzz/fuzz-support.js';
import { connectRaw, startRuntime, total, waitFor, type Outcome } from './helpers.js';

const HTTPS = 37043;
const VIP_REC = '127.0.170.40';
const REC = '127.0.170.41';
const VIP_TLS = '127.0.170.42';
const TLS_NODE = '127.0.170.43';
const [REC_PORT, TLS_PORT] = [37045, 37046];
const client = (i: number): string => `127.0.170.${100 + (i % 100)}`;

const config = `access-list ALL line 10 extended permit ip any any
rserver host REC
  ip address ${REC}
  inservice
rserver host TLS
  ip address ${TLS_NODE}
  inservice
serverfarm host FARM-REC
  rserver REC ${REC_PORT}
    inservice
serverfarm host FARM-TLS
  rserver TLS ${TLS_PORT}
    inservice
class-map match-all VIP-REC
  2 match virtual-address ${VIP_REC} tcp eq ${HTTPS}
class-map match-all VIP-TLS
  2 match virtual-address ${VIP_TLS} tcp eq ${HTTPS}
policy-map type loadbalance first-match LB-REC
  class class-default
    serverfarm FARM-REC
policy-map type loadbalance first-match LB-TLS
  class class-default
    serverfarm FARM-TLS
policy-map multi-match VIPS
  class VIP-REC
    loadbalance vip inservice
    loadbalance policy LB-REC
  class VIP-TLS
    loadbalance vip inservice
    loadbalance policy LB-TLS
interface vlan 100
  ip address 127.0.170.1 255.255.255.0
  access-group input ALL
  service-policy input VIPS
  no shutdown
`;

/** The first flight node:tls sends: a real ClientHello, taken from a local listener. */
async function captureClientHello(): Promise<Buffer> {
  const server = net.createServer();
  server.listen(37047, REC);
  await once(server, 'listening');
  const got = new Promise<Buffer>((resolve) => server.once('connection', (c) => c.once('data', (d: Buffer) => (resolve(d), c.destroy()))));
  const s = tls.connect({ host: REC, port: 37047, servername: 'tms.example.com', rejectUnauthorized: false });
  s.on('error', () => {});
  const hello = await got;
  s.destroy();
  await new Promise<void>((r) => server.close(() => r()));
  return hello;
}

/** Every connection's bytes until the client's FIN, then an answer naming how many arrived. */
async function recordingNode(): Promise<{ received: Buffer[]; stop: () => Promise<void> }> {
  const received: Buffer[] = [];
  const server = net.createServer({ allowHalfOpen: true }, (c) => {
    const chunks: Buffer[] = [];
    c.on('error', () => {});
    c.on('data', (d: Buffer) => chunks.push(d));
    c.on('end', () => {
      const all = Buffer.concat(chunks);
      received.push(all);
      c.end(`got ${all.length}`);
    });
  });
  server.listen(REC_PORT, REC);
  await once(server, 'listening');
  return { received, stop: () => new Promise((r) => server.close(() => r())) };
}

/** Sends bytes and a FIN; resolves what came back and how the connection ended. */
function exchange(host: string, bytes: Buffer, from: string, ms = 5000): Promise<{ reply: Buffer; end: Outcome }> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let how: Outcome = 'closed';
    const s = net.connect({ host, port: HTTPS, localAddress: from, allowHalfOpen: true });
    const timer = setTimeout(() => {
      s.destroy();
      resolve({ reply: Buffer.concat(chunks), end: 'timeout' });
    }, ms);
    s.on('connect', () => s.end(bytes));
    s.on('data', (d: Buffer) => chunks.push(d));
    s.on('end', () => s.end());
    s.on('error', (e: NodeJS.ErrnoException) => (how = e.code === 'ECONNRESET' ? 'reset' : 'error'));
    s.on('close', () => {
      clearTimeout(timer);
      resolve({ reply: Buffer.concat(chunks), end: how });
    });
  });
}

const HOSTILE: [string, (hello: Buffer) => Buffer][] = [
  ['a record length of 0xffff', (h) => Buffer.concat([h.subarray(0, 3), Buffer.from([0xff, 0xff]), h.subarray(5)])],
  ['a handshake length past the record', (h) => Buffer.concat([h.subarray(0, 6), Buffer.from([0xff, 0xff, 0xff]), h.subarray(9)])],
  ['half a ClientHello', (h) => h.subarray(0, h.length >> 1)],
  ['five bytes of record header only', (h) => h.subarray(0, 5)],
  ['an SSLv2-style hello', () => Buffer.from('8031010003000c0000001000000400000a0000050000041234567890abcdef1234567890abcdef', 'hex')],
  ['plain HTTP on the TLS port', () => Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n')],
  ['the ClientHello sent twice', (h) => Buffer.concat([h, h])],
  ['64 KiB of 0x16', () => Buffer.alloc(64 * 1024, 0x16)],
];

t.test('garbage at the HTTPS VIP is passed through byte for byte, never parsed', async (t) => {
  const hello = await captureClientHello();
  t.equal(hello[0], 0x16, 'a TLS handshake record was captured');
  const rec = await recordingNode();
  t.teardown(() => rec.stop());
  const rt = await startRuntime(t, config, { l7: true, httpsPort: HTTPS, timeouts: { tcpIdleMs: 5000 } });
  t.same(rt.counters().map((c) => c.info.l7 ?? false), [false, false], 'both HTTPS VIPs are L4 although --l7 is on');

  let i = 0;
  await fc.assert(
    fc.asyncProperty(fc.oneof(fc.uint8Array({ minLength: 1, maxLength: 4096 }).map((b) => Buffer.from(b)), fc.array(damage, { minLength: 1, maxLength: 8 }).map((ds) => damaged(hello, ds)).filter((b) => b.length > 0)), async (bytes) => {
      const before = rec.received.length;
      const r = await exchange(VIP_REC, bytes, client(i++));
      const got = rec.received[before];
      if (r.end === 'timeout' || got === undefined) throw new Error(`no answer (${r.end})`);
      if (!got.equals(bytes)) throw new Error(`the node got ${got.length} bytes, not the ${bytes.length} sent`);
      if (r.reply.toString() !== `got ${bytes.length}`) throw new Error(`the client got "${r.reply.toString()}"`);
    }),
    { numRuns: fuzzRuns(40) },
  );
  for (const [what, make] of HOSTILE) {
    const bytes = make(hello);
    const r = await exchange(VIP_REC, bytes, client(i++));
    t.same([r.end, r.reply.toString(), rec.received.at(-1)?.equals(bytes)], ['closed', `got ${bytes.length}`, true], `${what}: forwarded as sent, the node's answer came back`);
  }
  t.ok(await waitFor(() => total(rt, 'active') === 0, 3000), 'no connection left on the VIP');
  t.equal(total(rt, 'flows'), i, 'one flow per exchange');
  t.equal(total(rt, 'resets') + total(rt, 'connectFailures') + total(rt, 'idleTimeouts'), 0, 'nothing reset or timed out');
});

t.test('a real TLS node answers garbage with an alert or a close; a clean handshake still works', { skip: hasOpenssl() ? false : 'openssl CLI not found: cannot make a certificate' }, async (t) => {
  const hello = await captureClientHello();
  const { key, cert } = makeCert();
  let handshakes = 0;
  let clientErrors = 0;
  const node = tls.createServer({ key, cert, handshakeTimeout: 10_000 }, (s) => {
    handshakes++;
    s.on('error', () => {});
    s.end('hello over TLS\n');
  });
  node.on('tlsClientError', () => clientErrors++);
  node.listen(TLS_PORT, TLS_NODE);
  await once(node, 'listening');
  t.teardown(() => new Promise<void>((r) => node.close(() => r())));
  const rt = await startRuntime(t, config, { l7: true, httpsPort: HTTPS, timeouts: { tcpIdleMs: 5000 } });

  const outcomes: string[] = [];
  for (const [idx, [what, make]] of HOSTILE.entries()) {
    const r = await exchange(VIP_TLS, make(hello), client(idx));
    const alert = r.reply[0] === 0x15;
    outcomes.push(`${what}: ${r.end}${alert ? ' after a TLS alert' : ''}`);
    t.not(r.end, 'timeout', `${what}: the client is not left waiting (${r.end}${alert ? ', alert' : ''})`);
  }
  t.ok(clientErrors > 0, `the node's TLS stack refused the garbage (${clientErrors} client errors)`);
  t.equal(handshakes, 0, 'no garbage completed a handshake');

  // A real client afterwards: the handshake and the answer pass through untouched.
  const s = tls.connect({ socket: await connectRaw(VIP_TLS, HTTPS, client(50)), servername: 'tms.example.com', rejectUnauthorized: false });
  s.on('error', () => {});
  await once(s, 'secureConnect');
  const [line] = (await once(s, 'data')) as Buffer[];
  t.equal(String(line), 'hello over TLS\n', 'a clean TLS client is served through the VIP');
  t.equal(s.getPeerCertificate().subject?.CN, 'tms.example.com', "it sees the node's own certificate (passthrough)");
  s.destroy();
  t.ok(await waitFor(() => total(rt, 'active') === 0, 3000), 'no connection left on the VIP');
  t.equal(rt.balancer.snapshotFarms().find((f) => f.name === 'FARM-TLS')!.reals[0]!.current, 0, 'none left on the real');
});
