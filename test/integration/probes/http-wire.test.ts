// The lean wire client (default for plain HTTP) against undici on the same real
// loopback server: every response shape and failure must give the same cause,
// status and verdict, so the cheaper client changes no probe semantics.
import tap from 'tap';
const t = tap;
import net from 'node:net';
import { once } from 'node:events';
import { RealClock } from '../../../src/core/real-clock.js';
import { Secret } from '../../../src/core/secret.js';
import { NodeProber } from '../../../src/probes/probers/node-prober.js';
import { requestHead } from '../../../src/probes/probers/http-wire.js';
import { instanceFor, probe } from '../../fakes/probe-fixtures.js';
import type { Probe } from '../../../src/config/model.js';

const clock = new RealClock();
const clients = { wire: new NodeProber({ clock, httpClient: 'wire' }), undici: new NodeProber({ clock, httpClient: 'undici' }) };

const heads: string[] = [];
/** Raw responses by request path, so the server can misbehave byte by byte. */
const server = net.createServer((s) => {
  s.on('error', () => {});
  let buf = '';
  s.on('data', (d) => {
    buf += d.toString('latin1');
    const end = buf.indexOf('\r\n\r\n');
    if (end < 0) return;
    const head = buf.slice(0, end);
    heads.push(head);
    const path = head.split(' ')[1] ?? '/';
    const body = 'hello TMS world';
    switch (path) {
      case '/sized':
        return s.end(`HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\nX-Tag: a\r\nX-Tag: b\r\n\r\n${body}`);
      case '/chunked':
        return s.end(`HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n${(body.length - 5).toString(16)}\r\n${body.slice(5)}\r\n0\r\n\r\n`);
      case '/close-delimited':
        return s.end(`HTTP/1.1 200 OK\r\n\r\n${body}`);
      case '/early-hints':
        return s.end(`HTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n`);
      case '/continue':
        return s.end(`HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n`);
      case '/status-503':
        return s.end(`HTTP/1.1 503 Service Unavailable\r\nContent-Length: 4\r\n\r\nbusy`);
      case '/no-reply':
        return s.end();
      case '/reset':
        return s.resetAndDestroy();
      case '/garbage':
        return s.end('SSH-2.0-OpenSSH_9.2\r\n\r\n');
      case '/cut-body':
        return s.end(`HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nshort`);
      case '/hang-body':
        return s.write(`HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nsome`);
      case '/huge-head':
        return s.end(`HTTP/1.1 200 OK\r\nX-Big: ${'x'.repeat(20_000)}\r\nContent-Length: 0\r\n\r\n`);
      case '/hang':
        return;
      default:
        return s.end(`HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n`);
    }
  });
});
let port = 0;
t.before(async () => {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  port = (server.address() as net.AddressInfo).port;
});
t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));

const get = (url: string, over: Partial<Probe> = {}): Probe => probe('W', 'http', { openMs: 1_000, receiveMs: 1_000, expectStatus: [{ min: 200, max: 299 }], request: { method: 'get', url }, ...over });

/** Runs one probe through both clients and asserts both match and agree. */
async function both(t: Pick<typeof tap, 'match' | 'equal'>, p: Probe, expected: object): Promise<void> {
  const inst = instanceFor(p, '127.0.0.1', port);
  const [wire, undici] = await Promise.all([clients.wire.probe(inst), clients.undici.probe(inst)]);
  t.match(wire, expected, 'wire');
  t.match(undici, expected, 'undici');
  t.equal(wire.cause, undici.cause, 'same cause');
  t.equal(wire.ok, undici.ok, 'same verdict');
  t.equal(wire.status, undici.status, 'same status');
}

t.test('response framings: Content-Length, chunked, close-delimited, 1xx', async (t) => {
  await both(t, get('/sized', { expectRegex: { regex: 'TMS world$' } }), { ok: true, cause: 'OK', status: 200 });
  await both(t, get('/chunked', { expectRegex: { regex: '^hello TMS world$' } }), { ok: true, cause: 'OK', status: 200 });
  await both(t, get('/close-delimited', { expectRegex: { regex: '^hello TMS world$' } }), { ok: true, cause: 'OK', status: 200 });
  await both(t, get('/early-hints'), { ok: true, cause: 'OK', status: 204 });
  await both(t, get('/continue'), { ok: false, cause: 'L4_RESET' }); // an unasked-for 100 is a broken server to undici
  await both(t, get('/sized', { request: { method: 'head', url: '/sized' } }), { ok: true, status: 200 });
});

t.test('checks: status ranges, regex offset, hash, regex over headers', async (t) => {
  await both(t, get('/status-503'), { ok: false, cause: 'L7_BAD_STATUS', status: 503 });
  await both(t, get('/status-503', { expectStatus: [{ min: 500, max: 503 }] }), { ok: true, status: 503 });
  await both(t, get('/sized', { expectRegex: { regex: '^hello', offset: 1 } }), { ok: false, cause: 'L7_REGEX_MISMATCH' });
  await both(t, get('/chunked', { hash: { md5: 'ffffffffffffffffffffffffffffffff' } }), { ok: false, cause: 'L7_HASH_MISMATCH' });
  const md5 = (await import('node:crypto')).createHash('md5').update('hello TMS world').digest('hex');
  await both(t, get('/chunked', { hash: { md5 } }), { ok: true });
  const withHeaders = { wire: new NodeProber({ clock, httpClient: 'wire', options: { httpRegexBodyOnly: false } }), undici: new NodeProber({ clock, httpClient: 'undici', options: { httpRegexBodyOnly: false } }) };
  const inst = instanceFor(get('/sized', { expectRegex: { regex: 'x-tag: a,b' } }), '127.0.0.1', port);
  t.match(await withHeaders.wire.probe(inst), { ok: true }, 'repeated headers joined as undici joins them');
  t.match(await withHeaders.undici.probe(inst), { ok: true });
});

t.test('failures: peer closes, reset, not HTTP, body cut short, hangs', async (t) => {
  await both(t, get('/no-reply'), { ok: false, cause: 'L4_RESET' });
  await both(t, get('/reset'), { ok: false, cause: 'L4_RESET' });
  await both(t, get('/garbage'), { ok: false, cause: 'L7_PROTOCOL_ERROR' });
  await both(t, get('/huge-head'), { ok: false, cause: 'L7_PROTOCOL_ERROR' });
  await both(t, get('/cut-body', { expectRegex: { regex: 'short' } }), { ok: false, cause: 'L4_RESET' });
  await both(t, get('/cut-body'), { ok: true, status: 200 });
  await both(t, get('/hang', { receiveMs: 300 }), { ok: false, cause: 'L7_RECEIVE_TIMEOUT' });
  await both(t, get('/hang-body', { receiveMs: 300, expectRegex: { regex: 'some' } }), { ok: false, cause: 'L7_RECEIVE_TIMEOUT' });
  await both(t, get('/hang-body', { receiveMs: 300 }), { ok: true, status: 200 });
  await both(t, get('no-slash'), { ok: false, cause: 'L7_PROTOCOL_ERROR' });
});

t.test('the request bytes match undici\'s: method, path, host, connection, headers, credentials', async (t) => {
  heads.length = 0;
  const p = get('/sized', { appendPortHosttag: true, headers: [{ name: 'X-Probe', value: 'ace' }], credentials: { username: 'u', password: new Secret('pw') } });
  const inst = instanceFor(p, '127.0.0.1', port);
  t.match(await clients.wire.probe(inst), { ok: true });
  t.match(await clients.undici.probe(inst), { ok: true });
  t.equal(heads.length, 2);
  t.equal(heads[0], heads[1], 'identical request heads');
  t.equal(heads[0], `GET /sized HTTP/1.1\r\nhost: 127.0.0.1:${port}\r\nconnection: close\r\nx-probe: ace\r\nauthorization: Basic ${Buffer.from('u:pw').toString('base64')}`);
});

t.test('requestHead refuses what undici refuses', async (t) => {
  const plan = { method: 'GET' as const, path: '/', headers: { host: 'h', connection: 'close' }, needBody: false, maxBodyBytes: 1 };
  t.type(requestHead(plan), 'string');
  t.match(requestHead({ ...plan, path: '/a b' }), { code: 'INVALID_REQUEST' });
  t.match(requestHead({ ...plan, headers: { ...plan.headers, 'x-a': 'v\r\nx-injected: 1' } }), { code: 'INVALID_REQUEST' });
  t.match(requestHead({ ...plan, headers: { ...plan.headers, 'bad name': 'v' } }), { code: 'INVALID_REQUEST' });
});
