// Loose ends of the L7 HTTP counters, on loopback with the whole runtime:
// - failaction purge reaches an `OPTIONS *` exchange the node never answers
//   (the real taken out of service with `no inservice`): the client is reset;
// - a request node's HTTP client refuses to send (an `insert-http` value beyond
//   Latin-1, which the config accepts) gets a 502 on the raw-exchange paths
//   (`OPTIONS *`, a protocol switch), counted, the balancer's connection closed,
//   the VIP still serving;
// - `show stats` (JSON and text) sums the HTTP counters of every L7 VIP.
import t from 'tap';
import http from 'node:http';
import net from 'node:net';
import { once } from 'node:events';
import { compileConfig } from '../../../src/config/compile.js';
import { RealClock } from '../../../src/core/real-clock.js';
import { MgmtApi, type MgmtRequest } from '../../../src/mgmt/api.js';
import type { StatsView, VipView } from '../../../src/mgmt/read-model.js';
import { newHttpCounters, type HttpCounters } from '../../../src/proxy/types.js';
import { createRuntime } from '../../../src/runtime/balancer-runtime.js';
import { waitFor } from './tms-nodes.js';
import { WsClient } from './ws-wire.js';

const PORT = 39580;
const BAD_PORT = 39581;
const VIP = '127.0.192.40';
const BAD_VIP = '127.0.192.41';
const W = '127.0.192.11';
const client = (n: number): string => `127.0.192.${100 + n}`;

const CONFIG = `
access-list ALL line 10 extended permit ip any any
rserver host W1
  ip address ${W}
  inservice
serverfarm host FW
  failaction purge
  rserver W1
    inservice
class-map match-all VIP-WEB
  2 match virtual-address ${VIP} tcp eq ${PORT}
class-map match-all VIP-BAD
  2 match virtual-address ${BAD_VIP} tcp eq ${BAD_PORT}
policy-map type loadbalance http first-match LB
  class class-default
    serverfarm FW
policy-map type loadbalance http first-match LB-BAD
  class class-default
    serverfarm FW
    insert-http X-Price header-value "10 €"
policy-map multi-match VIPS
  class VIP-WEB
    loadbalance vip inservice
    loadbalance policy LB
  class VIP-BAD
    loadbalance vip inservice
    loadbalance policy LB-BAD
interface vlan 100
  ip address 127.0.192.2 255.255.255.0
  access-group input ALL
  service-policy input VIPS
  no shutdown
`;

/** A node that answers plain requests, and holds every `OPTIONS *` (and protocol switch) without a word. */
class SilentOptionsNode {
  readonly lines: string[] = [];
  /** The node's side of each held connection, to see the VIP reset it. */
  readonly held: { socket: net.Socket; closed: boolean }[] = [];
  private readonly server = http.createServer((req, res) => {
    this.lines.push(`${req.method} ${req.url}`);
    if (req.url === '*') return this.hold(req.socket);
    res.end(`W1 ${req.method} ${req.url}\n`);
  });
  private hold(socket: net.Socket): void {
    const h = { socket, closed: false };
    socket.on('error', () => {});
    socket.once('close', () => (h.closed = true));
    this.held.push(h);
  }
  async start(): Promise<void> {
    this.server.on('upgrade', (req: http.IncomingMessage, socket: net.Socket) => {
      this.lines.push(`UPGRADE ${req.url}`);
      this.hold(socket);
    });
    this.server.listen(PORT, W);
    await once(this.server, 'listening');
  }
  async stop(): Promise<void> {
    this.server.closeAllConnections();
    for (const h of this.held) h.socket.destroy();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}

/** A client connection sending raw bytes: what it got, whether and how it closed. */
class RawClient {
  got = '';
  closed = false;
  error: string | undefined;
  private readonly s: net.Socket;
  constructor(host: string, port: number, localAddress: string, send: string) {
    this.s = net.connect({ host, port, localAddress });
    this.s.setEncoding('latin1');
    this.s.on('data', (d: string) => (this.got += d));
    this.s.on('error', (e: NodeJS.ErrnoException) => (this.error = e.code ?? e.message));
    this.s.on('close', () => (this.closed = true));
    this.s.on('connect', () => this.s.write(send));
  }
  destroy(): void {
    this.s.destroy();
  }
}

const get = (url: string): MgmtRequest => ({ method: 'GET', url, headers: {} });
const bodyOf = (r: Awaited<ReturnType<MgmtApi['handle']>>): string => ('body' in r ? r.body : '');

t.test('failaction purge resets a pending OPTIONS *; an unsendable request is a 502; show stats sums HTTP', async (t) => {
  const node = new SilentOptionsNode();
  await node.start();
  t.teardown(() => node.stop());
  const clock = new RealClock();
  const c = compileConfig(CONFIG, 'inline.conf');
  t.same(c.diagnostics.filter((d) => d.severity === 'error'), [], 'config compiles (the € value included)');
  const created = createRuntime({ model: c.model, clock, drainMs: 300, timeouts: { connectTimeoutMs: 1000 } });
  if (!created.ok) throw new Error(created.message);
  const rt = created.runtime;
  const started = await rt.start();
  t.same(started.failures, [], 'both listeners bound');
  t.same(started.listeners.map((l) => [l.vip, l.l7 ?? false]), [['VIP-WEB', true], ['VIP-BAD', true]]);
  t.teardown(() => rt.stop());
  const api = new MgmtApi({ runtime: rt, model: c.model, clock, auth: { token: undefined, readsNeedToken: false } });
  t.teardown(() => api.dispose());
  const w1 = () => rt.balancer.snapshotFarms().find((f) => f.name === 'FW')!.reals[0]!;
  t.ok(await waitFor(() => w1().state === 'OPERATIONAL', 5000), 'W1 operational');

  const want: Record<string, HttpCounters> = { 'VIP-WEB': newHttpCounters(), 'VIP-BAD': newHttpCounters() };
  const bad = want['VIP-BAD']!;
  const web = want['VIP-WEB']!;

  await t.test('OPTIONS * with a field node cannot send: 502, counted, nothing reaches the node', async (t) => {
    const n = node.lines.length;
    const c = new RawClient(BAD_VIP, BAD_PORT, client(1), `OPTIONS * HTTP/1.1\r\nHost: ${BAD_VIP}\r\n\r\n`);
    t.teardown(() => c.destroy());
    t.ok(await waitFor(() => c.closed, 3000), 'the VIP closes the connection');
    bad.requests++;
    bad.badGateway++;
    t.match(c.got, /^HTTP\/1\.1 502 Bad Gateway\r\n/);
    t.match(c.got, /cannot be sent to rserver W1: .*x-price/i, 'the reason names the field');
    t.equal(node.lines.length, n, 'nothing reached the node');
  });

  await t.test('a protocol switch with a field node cannot send: 502, counted', async (t) => {
    const n = node.lines.length;
    const ws = await WsClient.open(BAD_VIP, BAD_PORT, client(2));
    bad.requests++;
    bad.upgrades++;
    bad.badGateway++;
    t.equal(ws.status, 502);
    t.ok(await ws.waitClosed(), 'the VIP closes the connection');
    t.equal(node.lines.length, n, 'nothing reached the node');
  });

  await t.test('the balancer saw every attempt closed; the VIP still serves', async (t) => {
    t.ok(await waitFor(() => w1().current === 0, 3000), 'no connection left open on W1');
    const c = new RawClient(VIP, PORT, client(3), `GET /alive HTTP/1.1\r\nHost: ${VIP}\r\nConnection: close\r\n\r\n`);
    t.ok(await waitFor(() => c.closed, 3000));
    web.requests++;
    t.match(c.got, /^HTTP\/1\.1 200 /);
    t.match(c.got, /W1 GET \/alive\n/);
  });

  await t.test('show stats: an http object summing every L7 VIP, and an HTTP block in the text', async (t) => {
    const sp = JSON.parse(bodyOf(await api.handle(get('/api/show/service-policy')))) as { vips: VipView[] };
    for (const v of sp.vips) t.same(v.http, want[v.vip], `${v.vip} per-VIP counters`);
    const sum = newHttpCounters();
    for (const v of sp.vips) for (const k of Object.keys(sum) as (keyof HttpCounters)[]) sum[k] += v.http![k];
    const r = await api.handle(get('/api/show/stats'));
    t.equal(r.status, 200);
    const st = JSON.parse(bodyOf(r)) as StatsView;
    t.same(st.http, sum, 'the sum of the VIPs');
    const text = bodyOf(await api.handle(get('/api/show/stats?format=text')));
    t.match(text, new RegExp(`HTTP statistics[^\\n]*\\n[^\\n]*\\nTotal HTTP requests\\s+: ${sum.requests}\\n`));
    t.match(text, new RegExp(`Total 502 bad gateway\\s+: ${sum.badGateway}\\n`));
    t.match(text, new RegExp(`Total upgrades\\s+: ${sum.upgrades}\\n`));
  });

  await t.test('failaction purge reaches an OPTIONS * the node never answers: the client is reset', async (t) => {
    const resetsBefore = rt.counters().find((l) => l.info.vip === 'VIP-WEB')!.counters.resets;
    const c = new RawClient(VIP, PORT, client(4), `OPTIONS * HTTP/1.1\r\nHost: ${VIP}\r\n\r\n`);
    t.teardown(() => c.destroy());
    t.ok(await waitFor(() => node.lines.at(-1) === 'OPTIONS *', 3000), 'the node got the OPTIONS * (and says nothing)');
    web.requests++;
    t.ok(await waitFor(() => w1().current === 1, 2000), 'one connection open on W1');
    t.notOk(c.closed, 'the client is still waiting');
    rt.balancer.setRserverAdmin('W1', 'outofservice');
    t.ok(await waitFor(() => c.closed, 3000), 'the client connection is closed');
    t.equal(c.error, 'ECONNRESET', 'by a reset');
    t.equal(c.got, '', 'with no answer');
    t.ok(await waitFor(() => node.held.at(-1)!.closed, 3000), "the node's side is closed too");
    t.equal(rt.counters().find((l) => l.info.vip === 'VIP-WEB')!.counters.resets, resetsBefore + 1, 'counted as a reset');
    t.ok(await waitFor(() => w1().current === 0, 3000), 'the balancer saw the connection closed');
  });
});
