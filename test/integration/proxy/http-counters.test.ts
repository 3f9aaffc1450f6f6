// The L7 VIP's HTTP counters as the operator reads them, and `OPTIONS *` in
// asterisk form, on loopback with the whole runtime and the management API:
// an L7 VIP (default class to a live node, /none.* to a farm whose real is out
// of service, /gone.* to a real nothing listens on) beside an L4 VIP. Requests
// that end in 503, 502, 400, 408, a protocol switch the node accepts and
// `OPTIONS *` (the node sees the request line unchanged, its answer reaches
// the client, the VIP closes the connection after it) are then read back from
// `show service-policy` (text and JSON) and `/metrics`; the L4 VIP has none.
import t from 'tap';
import http from 'node:http';
import net from 'node:net';
import { once } from 'node:events';
import { compileConfig } from '../../../src/config/compile.js';
import { MgmtApi } from '../../../src/mgmt/api.js';
import { listenMgmt } from '../../../src/mgmt/server.js';
import type { VipView } from '../../../src/mgmt/read-model.js';
import { l7BesideL4Config } from '../../fakes/vip-configs.js';
import { rawExchange, sizedRequest, startVipRuntime } from '../../fakes/vip-runtime.js';
import { waitFor } from './tms-nodes.js';
import { acceptFor, WsClient } from './ws-wire.js';

const PORT = 39080;
const L4_PORT = 39081;
const MGMT_PORT = 39010;
const VIP = '127.0.190.40';
const L4_VIP = '127.0.190.41';
const W = '127.0.190.11';
const D = '127.0.190.12';
const G = '127.0.190.13';
const MGMT = '127.0.190.1';
const client = (n: number): string => `127.0.190.${100 + n}`;

const CONFIG = l7BesideL4Config({ vip: VIP, port: PORT, l4Vip: L4_VIP, l4Port: L4_PORT, live: W, down: D, gone: G, vlanAddress: '127.0.190.2' });

/** A node recording each request line (as its parser read it) and body; it accepts protocol switches. */
class Node {
  readonly lines: { line: string; body: string }[] = [];
  private readonly server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (d: string) => (body += d));
    req.on('end', () => {
      this.lines.push({ line: `${req.method} ${req.url} HTTP/${req.httpVersion}`, body });
      if (req.method === 'OPTIONS') res.writeHead(200, 'Options Here', { allow: 'GET, OPTIONS', 'x-node': 'W1' });
      res.end(`W1 ${req.method} ${req.url}\n`);
    });
  });
  async start(): Promise<void> {
    this.server.on('upgrade', (req: http.IncomingMessage, socket: net.Socket) => {
      socket.on('error', () => {});
      const key = String(req.headers['sec-websocket-key'] ?? '');
      socket.end(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${acceptFor(key)}\r\n\r\n`);
    });
    this.server.listen(PORT, W);
    await once(this.server, 'listening');
  }
  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}

/** Sends raw bytes on a fresh connection; resolves with all it got once the VIP closes it. */
const raw = (send: string, localAddress: string): Promise<string> => rawExchange(VIP, PORT, send, localAddress);

async function get(url: string): Promise<{ status: number; text: string }> {
  const r = await fetch(`http://${MGMT}:${MGMT_PORT}${url}`);
  return { status: r.status, text: await r.text() };
}

t.test('HTTP counters of an L7 VIP reach show, the API and /metrics; OPTIONS * goes out in asterisk form', async (t) => {
  const node = new Node();
  await node.start();
  t.teardown(() => node.stop());
  const { rt, model, clock } = await startVipRuntime(t, CONFIG, { listeners: [['VIP-WEB', true], ['VIP-L4', false]], runtime: { drainMs: 300, timeouts: { connectTimeoutMs: 1000, httpHeaderMs: 400 } } });
  const api = new MgmtApi({ runtime: rt, model, clock, auth: { token: 'counters-token', readsNeedToken: false }, compile: async (text, file) => compileConfig(text, file) });
  const server = await listenMgmt(api, MGMT, MGMT_PORT);
  t.teardown(async () => {
    await server.close();
    api.dispose();
  });
  t.ok(await waitFor(() => rt.balancer.snapshotFarms().find((f) => f.name === 'FW')?.reals[0]?.state === 'OPERATIONAL', 5000), 'W1 operational');

  const host = `Host: ${VIP}:${PORT}\r\n`;
  /** What the scenario below makes the VIP count; each step adds to it. */
  const want = { requests: 0, noServer: 0, badGateway: 0, badRequests: 0, headerTimeouts: 0, upgrades: 0, tunnels: 0, lengthExceeded: 0 };

  await t.test('OPTIONS * reaches the node in asterisk form; its answer reaches the client; the connection closes', async (t) => {
    const got = await raw(`OPTIONS * HTTP/1.1\r\n${host}\r\n`, client(1));
    want.requests++;
    t.equal(node.lines.at(-1)?.line, 'OPTIONS * HTTP/1.1', 'the node got the request line unchanged (not OPTIONS /*)');
    t.match(got, /^HTTP\/1\.1 200 Options Here\r\n/, "the node's status line");
    t.match(got, /\r\nallow: GET, OPTIONS\r\n/i, "the node's fields");
    t.match(got, /\r\nconnection: close\r\n/i, 'the VIP says it closes');
    t.match(got.slice(got.indexOf('\r\n\r\n')), /W1 OPTIONS \*\n/, "the node's body (re-framed by the VIP)");
  });

  await t.test('OPTIONS * with a body, pipelined behind a plain request: answers in order, body forwarded', async (t) => {
    const got = await raw(`GET /first HTTP/1.1\r\n${host}\r\nOPTIONS * HTTP/1.1\r\n${host}Content-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello`, client(2));
    want.requests += 2;
    const statuses = [...got.matchAll(/HTTP\/1\.1 (\d{3})/g)].map((m) => m[1]);
    t.same(statuses, ['200', '200'], 'two answers');
    t.ok(got.indexOf('W1 GET /first') < got.indexOf('W1 OPTIONS *'), 'the plain answer first');
    t.same(node.lines.slice(-2), [{ line: 'GET /first HTTP/1.1', body: '' }, { line: 'OPTIONS * HTTP/1.1', body: 'hello' }]);
  });

  await t.test('asterisk-form with another method is refused', async (t) => {
    const n = node.lines.length;
    const got = await raw(`GET * HTTP/1.1\r\n${host}\r\n`, client(3));
    want.requests++;
    want.badRequests++;
    t.match(got, /^HTTP\/1\.1 400 /);
    t.match(got, /asterisk-form/);
    t.equal(node.lines.length, n, 'nothing reached the node');
  });

  await t.test('503: the class has no server in service', async (t) => {
    const got = await raw(`GET /none/x HTTP/1.1\r\n${host}Connection: close\r\n\r\n`, client(4));
    want.requests++;
    want.noServer++;
    t.match(got, /^HTTP\/1\.1 503 /);
  });

  await t.test('502: the real refuses the connection', async (t) => {
    const got = await raw(`GET /gone/x HTTP/1.1\r\n${host}Connection: close\r\n\r\n`, client(5));
    want.requests++;
    want.badGateway++;
    t.match(got, /^HTTP\/1\.1 502 /);
  });

  await t.test('400: a request node:http cannot parse', async (t) => {
    const got = await raw(`GET / HTTP/1.1\r\nHost ${VIP}\r\n\r\n`, client(6));
    want.badRequests++;
    t.match(got, /^HTTP\/1\.1 400 /);
  });

  await t.test('408: headers that stop half-way', async (t) => {
    const got = await raw(`GET / HTTP/1.1\r\n${host}`, client(7));
    want.headerTimeouts++;
    t.match(got, /^HTTP\/1\.1 408 /);
  });

  await t.test('a protocol switch the node accepts: one upgrade, one tunnel', async (t) => {
    const ws = await WsClient.open(VIP, PORT, client(8));
    want.requests++;
    want.upgrades++;
    want.tunnels++;
    t.equal(ws.status, 101);
    t.ok(await ws.waitClosed(), 'the node closed the tunnel, so does the VIP');
  });

  await t.test('a request longer than the ACE parses (2048 bytes by default): reset, counted', async (t) => {
    const got = await sizedRequest(VIP, PORT, 3000, client(9));
    want.requests++;
    want.lengthExceeded++;
    t.equal(got, 'reset', 'the connection is reset');
  });

  await t.test('JSON read model: the L7 VIP has the counts, the L4 VIP has no HTTP block', async (t) => {
    const r = await get('/api/show/service-policy');
    t.equal(r.status, 200);
    const vips = (JSON.parse(r.text) as { vips: VipView[] }).vips;
    const web = vips.find((v) => v.vip === 'VIP-WEB');
    t.same(web?.http, want);
    t.equal(vips.find((v) => v.vip === 'VIP-L4')?.http, undefined);
  });

  await t.test('show service-policy (text): an HTTP block under the L7 VIP only', async (t) => {
    const r = await get('/api/show/service-policy?format=text');
    t.equal(r.status, 200);
    const [web, l4] = r.text.split('class: VIP-L4');
    t.match(web, new RegExp(`HTTP:\\n\\s+requests\\s+: ${want.requests}\\s+, 4xx refused\\s+: ${want.badRequests}\\n`));
    t.match(web, new RegExp(`503 no server\\s+: ${want.noServer}\\s+, 502 bad gateway\\s+: ${want.badGateway}\\n`));
    t.match(web, new RegExp(`header timeouts\\s+: ${want.headerTimeouts}\\s+, upgrades\\s+: ${want.upgrades}\\n`));
    t.match(web, new RegExp(`tunnels\\s+: ${want.tunnels}\\s+, over parse len\\s+: ${want.lengthExceeded}\\n`));
    t.match(web, /\n {8}HTTP Parse Length: 2048 bytes, length-exceed DROP\n/, 'the default parse length in effect');
    t.notMatch(l4 ?? '', /HTTP:/);
  });

  await t.test('/metrics: acesim_vip_http_requests_total and acesim_vip_http_events_total for the L7 listener', async (t) => {
    const r = await get('/metrics');
    t.equal(r.status, 200);
    const labels = `vip="VIP-WEB",protocol="tcp",address="${VIP}",port="${PORT}"`;
    t.match(r.text, `acesim_vip_http_requests_total{${labels}} ${want.requests}\n`);
    const events: [string, number][] = [['no-server', want.noServer], ['bad-gateway', want.badGateway], ['refused', want.badRequests], ['header-timeouts', want.headerTimeouts], ['upgrades', want.upgrades], ['tunnels', want.tunnels], ['length-exceeded', want.lengthExceeded]];
    for (const [event, n] of events) t.match(r.text, `acesim_vip_http_events_total{${labels},event="${event}"} ${n}\n`, event);
    t.notMatch(r.text, /acesim_vip_http_[a-z_]+\{vip="VIP-L4"/, 'no HTTP series for the L4 VIP');
  });

  t.ok(await waitFor(() => rt.balancer.snapshotFarms().every((f) => f.reals.every((r) => r.current === 0)), 3000), 'every upstream attempt closed in the balancer');
});
