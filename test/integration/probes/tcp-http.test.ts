// Real sockets on loopback: the Node probers against real servers.
import t from 'tap';
import http from 'node:http';
import net from 'node:net';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { RealClock } from '../../../src/core/real-clock.js';
import { Secret } from '../../../src/core/secret.js';
import { NodeProber } from '../../../src/probes/probers/node-prober.js';
import { instanceFor, probe } from '../../fakes/probe-fixtures.js';
import type { Probe } from '../../../src/config/model.js';

const clock = new RealClock();
const prober = new NodeProber({ clock });

async function listen(server: net.Server, host = '127.0.0.1'): Promise<number> {
  server.listen(0, host);
  await once(server, 'listening');
  return (server.address() as net.AddressInfo).port;
}

function close(server: net.Server): Promise<void> {
  (server as http.Server).closeAllConnections?.();
  return new Promise((resolve) => server.close(() => resolve()));
}

const seenHeaders: http.IncomingHttpHeaders[] = [];
const web = http.createServer((req, res) => {
  seenHeaders.push(req.headers);
  const url = req.url ?? '/';
  if (url.startsWith('/secure')) {
    const expected = `Basic ${Buffer.from('tms-service:my_password').toString('base64')}`;
    if (req.headers.authorization !== expected) {
      res.writeHead(401, { 'www-authenticate': 'Basic realm="tms"' });
      return res.end('denied');
    }
  }
  if (url === '/status/500') {
    res.writeHead(500);
    return res.end('boom');
  }
  if (url === '/hang') return; // accept, never answer
  if (url === '/changing') {
    res.writeHead(200);
    return res.end(`body ${seenHeaders.length}`);
  }
  res.writeHead(200, { 'content-type': 'text/html' });
  res.end('<html>Welcome to TMS booking</html>');
});
let port = 0;
t.before(async () => {
  port = await listen(web);
});
t.teardown(() => close(web));

const httpProbe = (over: Partial<Probe>) => probe('P', 'http', { openMs: 1_000, receiveMs: 1_000, expectStatus: [{ min: 200, max: 299 }], ...over });

t.test('http: expect status ranges', async (t) => {
  const ok = await prober.probe(instanceFor(httpProbe({}), '127.0.0.1', port));
  t.match(ok, { ok: true, cause: 'OK', status: 200 });
  const bad = await prober.probe(instanceFor(httpProbe({ request: { method: 'get', url: '/status/500' } }), '127.0.0.1', port));
  t.match(bad, { ok: false, cause: 'L7_BAD_STATUS', status: 500 });
  const multi = await prober.probe(instanceFor(httpProbe({ request: { method: 'get', url: '/status/500' }, expectStatus: [{ min: 200, max: 200 }, { min: 500, max: 503 }] }), '127.0.0.1', port));
  t.equal(multi.ok, true, 'several ranges are ORed');
  const none = await prober.probe(instanceFor(httpProbe({ expectStatus: [] }), '127.0.0.1', port));
  t.match(none, { ok: false, cause: 'L7_BAD_STATUS', status: 200 }, 'no expect status fails by default (httpRequiresExpectStatus)');
  const lenient = new NodeProber({ clock, options: { httpRequiresExpectStatus: false } });
  t.equal((await lenient.probe(instanceFor(httpProbe({ expectStatus: [] }), '127.0.0.1', port))).ok, true, 'switch off: any response passes');
});

t.test('http: expect regex with offset', async (t) => {
  const hit = await prober.probe(instanceFor(httpProbe({ expectRegex: { regex: 'TMS book' } }), '127.0.0.1', port));
  t.equal(hit.ok, true);
  const miss = await prober.probe(instanceFor(httpProbe({ expectRegex: { regex: 'Oracle' } }), '127.0.0.1', port));
  t.match(miss, { ok: false, cause: 'L7_REGEX_MISMATCH' });
  const pastOffset = await prober.probe(instanceFor(httpProbe({ expectRegex: { regex: '<html>', offset: 3 } }), '127.0.0.1', port));
  t.match(pastOffset, { ok: false, cause: 'L7_REGEX_MISMATCH' }, 'offset skips the start of the body');
});

t.test('http: credentials, Host header rules', async (t) => {
  const noCreds = await prober.probe(instanceFor(httpProbe({ request: { method: 'get', url: '/secure' } }), '127.0.0.1', port));
  t.match(noCreds, { ok: false, cause: 'L7_BAD_STATUS', status: 401 });
  const wrong = await prober.probe(instanceFor(httpProbe({ request: { method: 'get', url: '/secure' }, credentials: { username: 'tms-service', password: new Secret('nope') } }), '127.0.0.1', port));
  t.match(wrong, { ok: false, status: 401 });
  t.notMatch(JSON.stringify(wrong), /nope/, 'the password appears nowhere in the result');
  seenHeaders.length = 0;
  const good = await prober.probe(instanceFor(httpProbe({ request: { method: 'get', url: '/secure' }, credentials: { username: 'tms-service', password: new Secret('my_password') } }), '127.0.0.1', port));
  t.match(good, { ok: true, status: 200 });
  t.equal(seenHeaders[0]?.host, '127.0.0.1', 'Host is the address, no port by default');
  t.equal(seenHeaders[0]?.connection, 'close');
  seenHeaders.length = 0;
  await prober.probe(instanceFor(httpProbe({ appendPortHosttag: true }), '127.0.0.1', port));
  t.equal(seenHeaders[0]?.host, `127.0.0.1:${port}`, 'append-port-hosttag adds :port');
  seenHeaders.length = 0;
  await prober.probe(instanceFor(httpProbe({ appendPortHosttag: true, headers: [{ name: 'Host', value: 'tms.example.com' }, { name: 'X-Probe', value: 'ace' }] }), '127.0.0.1', port));
  t.equal(seenHeaders[0]?.host, 'tms.example.com', 'a configured Host header wins');
  t.equal(seenHeaders[0]?.['x-probe'], 'ace');
  seenHeaders.length = 0;
  await prober.probe(instanceFor(httpProbe({ request: { method: 'head', url: '/' } }), '127.0.0.1', port));
  t.equal(seenHeaders.length, 1);
});

t.test('http: hash is learned from the first response, then compared', async (t) => {
  const p = httpProbe({ request: { method: 'get', url: '/changing' }, hash: {} });
  const inst = instanceFor(p, '127.0.0.1', port);
  const first = await prober.probe(inst);
  t.equal(first.ok, true, 'first response teaches the hash');
  t.match(prober.http.learnedHash(inst.id), /^[0-9a-f]{32}$/);
  const second = await prober.probe(inst);
  t.match(second, { ok: false, cause: 'L7_HASH_MISMATCH' }, 'a changed body no longer matches');
  const fixed = httpProbe({ hash: { md5: 'ffffffffffffffffffffffffffffffff' } });
  t.match(await prober.probe(instanceFor(fixed, '127.0.0.1', port)), { ok: false, cause: 'L7_HASH_MISMATCH' });
});

t.test('http: receive timeout against a server that accepts and never answers', async (t) => {
  const started = clock.monotonicNow();
  const r = await prober.probe(instanceFor(httpProbe({ receiveMs: 300, request: { method: 'get', url: '/hang' } }), '127.0.0.1', port));
  const took = clock.monotonicNow() - started;
  t.match(r, { ok: false, cause: 'L7_RECEIVE_TIMEOUT' });
  t.ok(took >= 295 && took < 600, `deadline honoured (${took} ms)`);
});

t.test('tcp: connect passes, refused port fails L4_REFUSED, RST close works', async (t) => {
  let accepted = 0;
  const srv = net.createServer((s) => {
    accepted++;
    s.on('error', () => {});
    s.resume();
  });
  const p = await listen(srv);
  t.match(await prober.probe(instanceFor(probe('T', 'tcp'), '127.0.0.1', p)), { ok: true, cause: 'OK' });
  t.match(await prober.probe(instanceFor(probe('T', 'tcp', { connectionTermForced: true }), '127.0.0.1', p)), { ok: true });
  t.equal(accepted, 2);
  await close(srv);
  const r = await prober.probe(instanceFor(probe('T', 'tcp'), '127.0.0.1', p));
  t.match(r, { ok: false, cause: 'L4_REFUSED' });
  const httpRefused = await prober.probe(instanceFor(httpProbe({}), '127.0.0.1', p));
  t.match(httpRefused, { ok: false, cause: 'L4_REFUSED' });
});

t.test('connection term: the node sees a FIN by default and an RST with `connection term forced`', async (t) => {
  // The server answers and closes its side first (Connection: close), as most nodes do, then
  // waits half-open for the probe's close: 'end' is the probe's FIN, ECONNRESET its RST.
  const closes: string[] = [];
  const srv = net.createServer({ allowHalfOpen: true }, (s) => {
    let head = '';
    s.on('data', (d) => {
      head += String(d);
      if (head.includes('\r\n\r\n')) s.end('HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok');
    });
    s.on('end', () => closes.push('FIN'));
    s.on('error', (err: NodeJS.ErrnoException) => closes.push(err.code === 'ECONNRESET' ? 'RST' : String(err.code)));
  });
  const p = await listen(srv);
  const settled = async (n: number): Promise<void> => {
    while (closes.length < n) await new Promise<void>((resolve) => clock.setTimer(10, resolve));
  };
  t.match(await prober.probe(instanceFor(httpProbe({}), '127.0.0.1', p)), { ok: true, status: 200 });
  await settled(1);
  t.match(await prober.probe(instanceFor(httpProbe({ connectionTermForced: true }), '127.0.0.1', p)), { ok: true, status: 200 });
  await settled(2);
  t.same(closes, ['FIN', 'RST'], 'graceful close after a complete response is a FIN; forced is an RST');
  await close(srv);
});

t.test('tcp: send-data + expect regex', async (t) => {
  const srv = net.createServer((s) => {
    s.on('error', () => {});
    s.once('data', (d) => s.write(`+PONG ${String(d).trim()}\r\n`));
  });
  const p = await listen(srv);
  t.match(await prober.probe(instanceFor(probe('T', 'tcp', { sendData: 'PING\r\n', expectRegex: { regex: 'PONG PING' } }), '127.0.0.1', p)), { ok: true });
  t.match(await prober.probe(instanceFor(probe('T', 'tcp', { sendData: 'PING\r\n', receiveMs: 300, expectRegex: { regex: 'NEVER' } }), '127.0.0.1', p)), { ok: false, cause: 'L7_REGEX_MISMATCH' });
  await close(srv);
});

t.test('tcp: open timeout when the listen backlog is full (SYNs dropped)', async (t) => {
  // A child process listens with backlog 1 and then blocks its event loop, so it never
  // accepts: the kernel completes a couple of handshakes, then drops further SYNs.
  const child = spawn(process.execPath, ['-e', `const net=require('net');const s=net.createServer();s.listen({host:'127.0.0.1',port:0,backlog:1},()=>{process.stdout.write(String(s.address().port)+'\\n');setTimeout(()=>{const e=Date.now()+30000;while(Date.now()<e){}},50)});`], { stdio: ['ignore', 'pipe', 'inherit'] });
  t.teardown(() => {
    child.kill('SIGKILL');
  });
  const [chunk] = (await once(child.stdout!, 'data')) as [Buffer];
  const p = Number(String(chunk).trim());
  await new Promise<void>((resolve) => clock.setTimer(200, resolve));
  const fillers = [0, 1, 2].map(() => net.connect({ host: '127.0.0.1', port: p }).on('error', () => {}));
  await new Promise<void>((resolve) => clock.setTimer(200, resolve));
  const started = clock.monotonicNow();
  const r = await prober.probe(instanceFor(probe('T', 'tcp', { openMs: 500 }), '127.0.0.1', p));
  const took = clock.monotonicNow() - started;
  fillers.forEach((s) => s.destroy());
  t.match(r, { ok: false, cause: 'L4_OPEN_TIMEOUT' });
  t.ok(took >= 495 && took < 900, `open deadline honoured (${took} ms)`);
});
