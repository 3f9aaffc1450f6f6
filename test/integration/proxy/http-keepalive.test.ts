// An idle keep-alive client connection on an L7 VIP lives as long as the
// header deadline (--http-header-timeout) and the inactivity timeout allow,
// on loopback with the whole runtime: node:http's own 5 s keep-alive timer
// used to close it first, against what docs/operator.md says.
import t from 'tap';
import http from 'node:http';
import net from 'node:net';
import { once } from 'node:events';
import { l7BesideL4Config } from '../../fakes/vip-configs.js';
import { startVipRuntime } from '../../fakes/vip-runtime.js';
import { delay, waitFor } from './tms-nodes.js';

const PORT = 39180;
const VIP = '127.0.193.40';
const W = '127.0.193.11';
const CLIENT = '127.0.193.101';
/** Past node:http's default keep-alive close (5 s, seen at 6 s), short of the header deadline below. */
const IDLE_MS = 6_500;
const HEADER_MS = 8_000;

const CONFIG = l7BesideL4Config({ vip: VIP, port: PORT, l4Vip: '127.0.193.41', l4Port: PORT + 1, live: W, down: '127.0.193.12', vlanAddress: '127.0.193.2' });

t.test('an idle keep-alive client connection outlives node:http default and is closed by the header deadline', async (t) => {
  const node = http.createServer((req, res) => res.end(`W1 ${req.url}\n`));
  node.listen(PORT, W);
  await once(node, 'listening');
  t.teardown(() => {
    node.closeAllConnections();
    node.close();
  });
  const { rt } = await startVipRuntime(t, CONFIG, { runtime: { drainMs: 300, timeouts: { connectTimeoutMs: 1000, httpHeaderMs: HEADER_MS, tcpIdleMs: 60_000 } } });
  t.ok(await waitFor(() => rt.balancer.snapshotFarms().find((f) => f.name === 'FW')?.reals[0]?.state === 'OPERATIONAL', 5000), 'W1 operational');

  const s = net.connect({ host: VIP, port: PORT, localAddress: CLIENT });
  t.teardown(() => s.destroy());
  let got = '';
  let closedAt: number | undefined;
  let lastDataAt = 0;
  s.setEncoding('latin1');
  s.on('data', (d: string) => {
    got += d;
    lastDataAt = performance.now();
  });
  s.on('error', () => {});
  s.on('close', () => (closedAt = performance.now()));
  await once(s, 'connect');
  const answered = (n: number): Promise<boolean> => waitFor(() => (got.match(/W1 \/\S+\n/g) ?? []).length >= n, 3000);

  s.write(`GET /one HTTP/1.1\r\nHost: ${VIP}:${PORT}\r\n\r\n`);
  t.ok(await answered(1), 'first request answered');
  const idleFrom = lastDataAt;
  await delay(IDLE_MS);
  t.equal(closedAt, undefined, `still open after ${IDLE_MS} ms idle`);

  s.write(`GET /two HTTP/1.1\r\nHost: ${VIP}:${PORT}\r\n\r\n`);
  t.ok(await answered(2), 'a second request on the same connection is answered');
  t.match(got, /HTTP\/1\.1 200 OK[\s\S]*W1 \/one\n[\s\S]*HTTP\/1\.1 200 OK[\s\S]*W1 \/two\n/, 'both answers, in order');
  t.ok(performance.now() - idleFrom < HEADER_MS, 'the second request came within the header deadline');

  // Now idle again: the header deadline (not node's timer) ends it, with a plain FIN and no 408 (no header bytes came).
  const secondAt = lastDataAt;
  t.ok(await waitFor(() => closedAt !== undefined, HEADER_MS + 3000), 'closed once idle for the header deadline');
  // The deadline starts when the answer has gone out, a moment before it arrives here.
  t.ok(closedAt! - secondAt >= HEADER_MS - 250, `closed after the ${HEADER_MS} ms header deadline, not before (${Math.round(closedAt! - secondAt)} ms)`);
  t.notMatch(got, /408/, 'no 408: the connection was silent');
});
