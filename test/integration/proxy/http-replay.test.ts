// The L7 listener against a scripted balancer on loopback, for what needs a
// chosen first real: a POST whose first real refuses (or never answers the
// SYN) reaches the second with every byte of its body; a WebSocket whose
// first real refuses is reassigned too; a silent tunnel is reset by the idle
// timeout; Upgrade requests the VIP ignores (h2c, HTTP/1.0, not GET) are
// served as plain requests and the connection closed; an upgrade pipelined
// behind a request waits for its answer; a failaction reset closes a tunnel;
// hop-by-hop fields (and Expect, answered by the VIP) do not reach the node.
import t from 'tap';
import http from 'node:http';
import net from 'node:net';
import crypto from 'node:crypto';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { HttpVipListener } from '../../../src/proxy/http-proxy.js';
import type { BalancerPort, ProxyTimeouts } from '../../../src/proxy/types.js';
import { permitAll, proxyDeps, ScriptedBalancer, serverDecision } from '../../fakes/scripted-balancer.js';
import { waitFor } from './tms-nodes.js';
import { WsClient, WsNode } from './ws-wire.js';

type Test = Pick<typeof t, 'teardown'>;

const VIP = '127.0.160.50';
const LIVE = '127.0.160.21';
const DEAD = '127.0.160.22';
const STUCK = '127.0.160.23';
const CLIENT = '127.0.160.120';
const LIVE_PORT = 36181;
const DEAD_PORT = 36182;
let vipPort = 36190;

/** A node that answers each request with its method, URL, the Upgrade it saw, and the body's length and SHA-256. */
async function bodyNode(t: Test): Promise<{ seen: string[] }> {
  const seen: string[] = [];
  const s = http.createServer((req, res) => {
    const h = crypto.createHash('sha256');
    let n = 0;
    req.on('data', (c: Buffer) => {
      h.update(c);
      n += c.length;
    });
    req.on('end', () => {
      const line = `${req.method} ${req.url} upgrade=${req.headers.upgrade ?? '-'} settings=${req.headers['http2-settings'] ?? '-'} len=${n} sha=${h.digest('hex').slice(0, 16)}`;
      seen.push(line);
      res.end(`${line}\n`);
    });
  });
  s.listen(LIVE_PORT, LIVE);
  await once(s, 'listening');
  t.teardown(() => {
    s.closeAllConnections();
    return new Promise<void>((r) => s.close(() => r()));
  });
  return { seen };
}

async function listener(t: Test, b: BalancerPort, timeouts: Partial<ProxyTimeouts> = {}): Promise<{ l: HttpVipListener; port: number }> {
  const port = vipPort++;
  const deps = proxyDeps(b);
  const l = new HttpVipListener({ vipClass: 'V', address: VIP, port, protocol: 'tcp', acl: permitAll }, { ...deps, timeouts: { ...deps.timeouts, ...timeouts } });
  await l.listen();
  t.teardown(() => l.close(100));
  return { l, port };
}

function post(port: number, body: Buffer, chunked = false): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: VIP, port, path: '/upload', method: 'POST', localAddress: CLIENT, agent: false, headers: chunked ? {} : { 'content-length': body.length } }, (res) => {
      let b = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (b += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: b }));
    });
    req.on('error', reject);
    if (chunked) {
      // Several writes: the body arrives in pieces while the first connect is failing.
      for (let i = 0; i < body.length; i += 4096) req.write(body.subarray(i, i + 4096));
      req.end();
    } else req.end(body);
  });
}

/** Raw bytes to the VIP; resolves what came back once the VIP closes (or after ms). */
function raw(port: number, bytes: string, ms = 2000): Promise<string> {
  return new Promise((resolve) => {
    const s = net.connect({ host: VIP, port, localAddress: CLIENT });
    let out = '';
    const timer = setTimeout(() => s.destroy(), ms);
    s.setEncoding('latin1');
    s.on('data', (d: string) => (out += d));
    s.on('error', () => {});
    s.on('close', () => {
      clearTimeout(timer);
      resolve(out);
    });
    s.write(bytes);
  });
}

const sha = (b: Buffer): string => crypto.createHash('sha256').update(b).digest('hex').slice(0, 16);

t.test('a POST body is replayed to the reselected real after a refused connect', async (t) => {
  const n = await bodyNode(t);
  const b = new ScriptedBalancer(() => serverDecision(DEAD, DEAD_PORT, 'dead'), () => serverDecision(LIVE, LIVE_PORT, 'live'));
  const { l, port } = await listener(t, b);
  for (const [size, chunked] of [[7, false], [40_000, true], [300_000, false]] as const) {
    const body = crypto.randomBytes(size);
    const r = await post(port, body, chunked);
    t.equal(r.status, 200, `${size} bytes${chunked ? ' chunked' : ''}: served`);
    t.equal(n.seen.at(-1), `POST /upload upgrade=- settings=- len=${size} sha=${sha(body)}`, `${size} bytes: the live real got the whole body, byte for byte`);
  }
  t.equal(l.counters.reassigned, 3);
  t.same(b.log.slice(0, 7), ['open dead', 'close dead', 'fail dead', 'reselect after dead', 'open live', 'close live', 'open dead']);
});

/** A real whose accept queue is full (its process never accepts): SYNs are dropped, a connect hangs. Returns its port. */
async function stuckReal(t: Test): Promise<number> {
  const child = spawn(process.execPath, ['-e', `const net=require('net');const s=net.createServer();s.listen({host:'${STUCK}',port:0,backlog:1},()=>{process.stdout.write(String(s.address().port)+'\\n');setTimeout(()=>{const e=Date.now()+20000;while(Date.now()<e){}},50)});`], { stdio: ['ignore', 'pipe', 'inherit'] });
  t.teardown(() => void child.kill('SIGKILL'));
  const [chunk] = (await once(child.stdout!, 'data')) as [Buffer];
  const stuckPort = Number(String(chunk).trim());
  await new Promise((r) => setTimeout(r, 200));
  const fillers = [0, 1, 2].map(() => net.connect({ host: STUCK, port: stuckPort }).on('error', () => {}));
  t.teardown(() => fillers.forEach((s) => s.destroy()));
  await new Promise((r) => setTimeout(r, 200));
  return stuckPort;
}

t.test('a 1 MiB POST waits, bounded, through a connect timeout and is replayed in full', async (t) => {
  const stuckPort = await stuckReal(t);
  const n = await bodyNode(t);
  const b = new ScriptedBalancer(() => serverDecision(STUCK, stuckPort, 'stuck'), () => serverDecision(LIVE, LIVE_PORT, 'live'));
  const { l, port } = await listener(t, b, { connectTimeoutMs: 600 });
  const body = crypto.randomBytes(1 << 20);
  const r = await post(port, body);
  t.equal(r.status, 200);
  t.equal(n.seen.at(-1), `POST /upload upgrade=- settings=- len=${body.length} sha=${sha(body)}`, 'every byte reached the second real');
  t.same(b.log, ['open stuck', 'close stuck', 'fail stuck', 'reselect after stuck', 'open live', 'close live']);
  t.equal(l.counters.connectFailures, 1);
});

t.test('WebSocket: connect failure reassigns, then the tunnel works', async (t) => {
  const live = new WsNode('L', LIVE, LIVE_PORT);
  await live.start();
  t.teardown(() => live.stop());
  const b = new ScriptedBalancer(() => serverDecision(DEAD, DEAD_PORT, 'dead'), () => serverDecision(LIVE, LIVE_PORT, 'live'));
  const { l, port } = await listener(t, b);
  const c = await WsClient.open(VIP, port, CLIENT);
  t.teardown(() => c.socket.destroy());
  t.equal(c.status, 101);
  t.equal(await c.next(), 'hello from L');
  c.send('x');
  t.equal(await c.next(), 'L echo: x');
  t.equal(live.hits.at(-1)?.remote, CLIENT, 'bind-client on the reassigned real');
  t.equal(l.counters.reassigned, 1);
  t.equal(l.http.tunnels, 1);
  c.socket.end();
  t.ok(await c.waitClosed());
  t.ok(await waitFor(() => b.log.length === 6, 2000));
  t.same(b.log, ['open dead', 'close dead', 'fail dead', 'reselect after dead', 'open live', 'close live'], 'open/close once per attempt');
  b.second = () => serverDecision(DEAD, DEAD_PORT, 'dead2');
  const d = await WsClient.open(VIP, port, CLIENT);
  t.equal(d.status, 502, 'both refuse: 502');
  t.match(d.rest, /rserver dead2 .*ECONNREFUSED/);
});

t.test('WebSocket: a connect timeout reassigns too (the timeout reaches node:http’s client as the socket’s error)', async (t) => {
  const stuckPort = await stuckReal(t);
  const live = new WsNode('L', LIVE, LIVE_PORT);
  await live.start();
  t.teardown(() => live.stop());
  const b = new ScriptedBalancer(() => serverDecision(STUCK, stuckPort, 'stuck'), () => serverDecision(LIVE, LIVE_PORT, 'live'));
  const { l, port } = await listener(t, b, { connectTimeoutMs: 600 });
  const c = await WsClient.open(VIP, port, CLIENT);
  t.teardown(() => c.socket.destroy());
  t.equal(c.status, 101);
  t.equal(await c.next(), 'hello from L');
  t.equal(l.counters.connectFailures, 1, 'the timeout counted as a connect failure');
  t.equal(l.counters.reassigned, 1);
  t.same(b.log, ['open stuck', 'close stuck', 'fail stuck', 'reselect after stuck', 'open live'], 'one attempt each, the stuck one closed');
  b.second = () => serverDecision(STUCK, stuckPort, 'stuck2');
  const d = await WsClient.open(VIP, port, CLIENT);
  t.equal(d.status, 502, 'both time out: 502');
  t.match(d.rest, /rserver stuck2 .*ETIMEDOUT/);
});

t.test('a silent tunnel is reset by the idle timeout; failaction purge (a reset) resets a tunnel', async (t) => {
  const live = new WsNode('L', LIVE, LIVE_PORT);
  await live.start();
  t.teardown(() => live.stop());
  const b = new ScriptedBalancer(() => serverDecision(LIVE, LIVE_PORT, 'live'));
  const { l, port } = await listener(t, b, { tcpIdleMs: 400 });
  const c = await WsClient.open(VIP, port, CLIENT);
  t.equal(await c.next(), 'hello from L');
  t.ok(await c.waitClosed(3000), 'closed after the idle time');
  t.equal(c.error, 'ECONNRESET', 'the client is reset');
  t.ok(await waitFor(() => live.hits.at(-1)!.closed, 2000));
  t.equal(live.hits.at(-1)!.error, 'ECONNRESET', 'and so is the node');
  t.equal(l.counters.idleTimeouts, 1);

  // A busy tunnel outlives the idle time.
  const busy = await WsClient.open(VIP, port, CLIENT);
  await busy.next();
  for (let i = 0; i < 6; i++) {
    await new Promise((r) => setTimeout(r, 150));
    busy.send(`k${i}`);
    t.equal(await busy.next(), `L echo: k${i}`);
  }
  t.notOk(busy.closed, 'traffic keeps it open past 400 ms');
  b.flowAction = { kind: 'reset' };
  l.onRealLeftService('F', 'live');
  t.ok(await busy.waitClosed(), 'failaction purge (a reset) closes it');
  t.equal(busy.error, 'ECONNRESET');
});

t.test('Upgrades the VIP ignores are served plain; refused ones never reach the node', async (t) => {
  const n = await bodyNode(t);
  const b = new ScriptedBalancer(() => serverDecision(LIVE, LIVE_PORT, 'live'));
  const { l, port } = await listener(t, b);
  const h2c = await raw(port, `GET /h2 HTTP/1.1\r\nHost: vip\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQAoAAAAAIAAAAA\r\n\r\n`);
  t.match(h2c, /^HTTP\/1\.1 200 OK\r\n/, 'h2c: a plain HTTP/1.1 answer');
  t.match(h2c, /\r\nConnection: close\r\n/);
  t.equal(n.seen.at(-1), 'GET /h2 upgrade=- settings=- len=0 sha=e3b0c44298fc1c14', 'the node got no Upgrade and no HTTP2-Settings');
  const v10 = await raw(port, `GET /v10 HTTP/1.0\r\nHost: vip\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n`);
  t.match(v10, /^HTTP\/1\.1 200 /);
  t.match(n.seen.at(-1)!, /^GET \/v10 upgrade=- /, 'HTTP/1.0: the Upgrade ignored (RFC 9110 §7.8)');
  const opt = await raw(port, `OPTIONS /o HTTP/1.1\r\nHost: vip\r\nConnection: Upgrade\r\nUpgrade: TLS/1.0\r\n\r\n`);
  t.match(opt, /^HTTP\/1\.1 200 /);
  t.match(n.seen.at(-1)!, /^OPTIONS \/o upgrade=- /, 'not a GET: ignored');
  const before = n.seen.length;
  const withBody = await raw(port, `POST /b HTTP/1.1\r\nHost: vip\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nContent-Length: 5\r\n\r\nhello`);
  t.match(withBody, /^HTTP\/1\.1 400 Bad Request\r\n[^]*an Upgrade request with a body/);
  const noHost = await raw(port, `GET /n HTTP/1.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n`);
  t.match(noHost, /^HTTP\/1\.1 400 /, 'the Host rules apply to upgrades too');
  t.equal(n.seen.length, before, 'the node saw neither');
  t.equal(l.http.upgrades, 5);
  t.equal(l.http.tunnels, 0);
  t.equal(l.http.badRequests, 2);
});

t.test('an upgrade pipelined behind a request starts after its answer', async (t) => {
  const live = new WsNode('L', LIVE, LIVE_PORT);
  await live.start();
  t.teardown(() => live.stop());
  const b = new ScriptedBalancer(() => serverDecision(LIVE, LIVE_PORT, 'live'));
  const { port } = await listener(t, b);
  const key = crypto.randomBytes(16).toString('base64');
  const got = await raw(port, `GET /first HTTP/1.1\r\nHost: vip\r\n\r\nGET /ws HTTP/1.1\r\nHost: vip\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`, 800);
  t.match(got, /^HTTP\/1\.1 200 OK\r\n[^]*L plain GET \/first upgrade=-\n(HTTP\/1\.1 101 Switching Protocols\r\n)/, 'the first answer, then the 101');
  t.match(got, /hello from L/, 'then the tunnel');
});

t.test('hop-by-hop fields stay on their hop; Expect is answered by the VIP', async (t) => {
  const seen: http.IncomingHttpHeaders[] = [];
  const s = http.createServer((req, res) => {
    seen.push(req.headers);
    req.resume();
    // A chunked answer that asks to close: the VIP re-frames it for its own client connection.
    req.on('end', () => {
      res.setHeader('connection', 'close');
      res.write('part 1, ');
      res.end('part 2');
    });
  });
  s.listen(LIVE_PORT, LIVE);
  await once(s, 'listening');
  t.teardown(() => {
    s.closeAllConnections();
    return new Promise<void>((r) => s.close(() => r()));
  });
  const b = new ScriptedBalancer(() => serverDecision(LIVE, LIVE_PORT, 'live'));
  const { port } = await listener(t, b);
  const sock = net.connect({ host: VIP, port, localAddress: CLIENT });
  t.teardown(() => sock.destroy());
  let got = '';
  sock.setEncoding('latin1');
  sock.on('data', (d: string) => (got += d));
  await once(sock, 'connect');
  sock.write(`POST /e HTTP/1.1\r\nHost: vip\r\nConnection: keep-alive, Host\r\nKeep-Alive: timeout=5\r\nTE: trailers\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n`);
  t.ok(await waitFor(() => got.includes('100 Continue'), 2000), 'the VIP says 100 Continue itself');
  sock.write('hello');
  t.ok(await waitFor(() => got.includes('part 2'), 2000), 'answered');
  const h = seen[0]!;
  t.equal(h['host'], 'vip', 'a field listed in Connection is not stripped');
  t.equal(h['keep-alive'], undefined);
  t.equal(h['te'], undefined);
  t.equal(h['expect'], undefined, 'the node is not asked to expect anything');
  t.equal(h['content-length'], '5');
  t.match(got, /^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 200 OK\r\n/);
  t.notMatch(got, /\r\nConnection: close\r\n/i, "the node's Connection: close stays on the node's hop");
  t.match(got, /\r\nTransfer-Encoding: chunked\r\n[^]*\r\npart 1, \r\n6\r\npart 2\r\n0\r\n\r\n$/, 'the body re-chunked by the VIP');
  // The client connection is still usable.
  got = '';
  sock.write(`GET /again HTTP/1.1\r\nHost: vip\r\n\r\n`);
  t.ok(await waitFor(() => got.includes('part 2'), 2000), 'a second request on the same client connection');
  t.equal(seen.length, 2);
});
