// HTTPS with a self-signed certificate (the reference config's three 443 probes),
// UDP (reply / ICMP port unreachable), SNMP against a net-snmp agent, DNS. Loopback only.
import t from 'tap';
import https from 'node:https';
import dgram from 'node:dgram';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import snmp from 'net-snmp';
import { RealClock } from '../../../src/core/real-clock.js';
import { EventBus } from '../../../src/core/event-bus.js';
import { Secret } from '../../../src/core/secret.js';
import { NodeProber } from '../../../src/probes/probers/node-prober.js';
import { ProbeEngine } from '../../../src/probes/probe-engine.js';
import type { ProbeEvent } from '../../../src/probes/types.js';
import { REF, instanceFor, probe } from '../../fakes/probe-fixtures.js';
import { freeUdpPort } from '../../fakes/free-port.js';

const clock = new RealClock();
const prober = new NodeProber({ clock });

function hasOpenssl(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

t.test('https with a self-signed certificate: the reference 443 probes', { skip: hasOpenssl() ? false : 'openssl CLI not found: cannot make a self-signed certificate' }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'acesim-tls-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '1', '-subj', '/CN=tms01.example.com'], { stdio: 'ignore' });
  const paths = new Set(['/tms/booking', '/tms', '/TMS/external/booking/bookingservice.asmx']);
  const seen: string[] = [];
  const expected = `Basic ${Buffer.from('tms-service:my_password').toString('base64')}`;
  const server = https.createServer({ key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) }, (req, res) => {
    seen.push(req.url ?? '');
    if (req.headers.authorization !== expected) {
      res.writeHead(401, { 'www-authenticate': 'Basic realm="TMS"' });
      return res.end();
    }
    // TMS answers a redirect to the login page for /tms: 302 is within 200–400.
    if (req.url === '/tms') {
      res.writeHead(302, { location: '/tms/default.aspx' });
      return res.end();
    }
    res.writeHead(paths.has(req.url ?? '') ? 200 : 404);
    res.end('ok');
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.teardown(() => {
    server.closeAllConnections();
    server.close();
  });
  const port = (server.address() as AddressInfo).port;
  const names = ['BOOKING-PROBE-TMS', 'TMS-Monitoring-443', 'TMS-WEBSERVICES-443'] as const;
  for (const name of names) {
    const r = await prober.probe(instanceFor({ ...REF[name](), receiveMs: 2_000 }, '127.0.0.1', port));
    t.match(r, { ok: true, cause: 'OK' }, `${name} passes with the right credentials`);
  }
  t.same(seen, ['/tms/booking', '/tms', '/TMS/external/booking/bookingservice.asmx']);
  for (const name of names) {
    const p = { ...REF[name](), credentials: { username: 'tms-service', password: new Secret('wrong') } };
    const r = await prober.probe(instanceFor(p, '127.0.0.1', port));
    t.match(r, { ok: false, cause: 'L7_BAD_STATUS', status: 401 }, `${name} fails with a wrong password`);
  }
  const tls12 = await prober.probe(instanceFor({ ...REF['BOOKING-PROBE-TMS'](), sslVersion: 'tlsv1_2' }, '127.0.0.1', port));
  t.equal(tls12.ok, true, 'ssl version tlsv1_2');
  const ssl3 = await prober.probe(instanceFor({ ...REF['BOOKING-PROBE-TMS'](), sslVersion: 'sslv3' }, '127.0.0.1', port));
  t.match(ssl3, { ok: false, cause: 'TLS_ERROR' });

  // The engine over real sockets: three reference probes, all PASSED on their first attempt.
  const bus = new EventBus<ProbeEvent>(clock);
  const states: string[] = [];
  bus.on('probe.state', (e) => states.push(`${e.key.probe}:${e.to}`));
  const engine = new ProbeEngine({ clock, prober, bus });
  engine.start(names.map((n) => instanceFor(REF[n](), '127.0.0.1', port, { farm: 'SFARM-TMS-WEB-443', rserver: 'TMS01' })));
  const deadline = clock.monotonicNow() + 5_000;
  while (states.length < 3 && clock.monotonicNow() < deadline) await new Promise<void>((r) => clock.setTimer(20, r));
  engine.stop();
  t.same(states.sort(), names.map((n) => `${n}:PASSED`).sort());
});

t.test('https: plain-HTTP server behind an https probe is a TLS error', async (t) => {
  const { createServer } = await import('node:http');
  const srv = createServer((_q, s) => s.end('plain'));
  srv.listen(0, '127.0.0.1');
  await once(srv, 'listening');
  const port = (srv.address() as AddressInfo).port;
  const r = await prober.probe(instanceFor(probe('S', 'https', { receiveMs: 1_000, expectStatus: [{ min: 200, max: 200 }] }), '127.0.0.1', port));
  srv.closeAllConnections();
  srv.close();
  t.match(r, { ok: false, cause: 'TLS_ERROR' });
});

t.test('udp: a reply passes, a closed port fails with ICMP unreachable, silence passes', async (t) => {
  const sock = dgram.createSocket('udp4');
  sock.on('message', (msg, rinfo) => sock.send(Buffer.from(`re:${String(msg)}`), rinfo.port, rinfo.address));
  sock.bind(0, '127.0.0.1');
  await once(sock, 'listening');
  const port = sock.address().port;
  t.match(await prober.probe(instanceFor(probe('U', 'udp', { sendData: 'hello', receiveMs: 500 }), '127.0.0.1', port)), { ok: true, cause: 'OK' });
  t.match(await prober.probe(instanceFor(probe('U', 'udp', { sendData: 'hello', receiveMs: 500, expectRegex: { regex: 're:hel+o' } }), '127.0.0.1', port)), { ok: true });
  t.match(await prober.probe(instanceFor(probe('U', 'udp', { sendData: 'hello', receiveMs: 300, expectRegex: { regex: 'nomatch' } }), '127.0.0.1', port)), { ok: false, cause: 'L7_REGEX_MISMATCH' });
  const echo = await prober.probe(instanceFor(probe('E', 'echo-udp', { sendData: 'x', receiveMs: 300 }), '127.0.0.1', port));
  t.match(echo, { ok: false, cause: 'L7_PROTOCOL_ERROR' }, 'echo probe needs the same bytes back');
  sock.close();
  await once(sock, 'close');
  const closed = await prober.probe(instanceFor(probe('U', 'udp', { sendData: 'hello', receiveMs: 1_000 }), '127.0.0.1', port));
  t.match(closed, { ok: false, cause: 'ICMP_UNREACHABLE' });
  t.ok(closed.latencyMs < 900, 'unreachable is reported before the receive timeout');
  // A bound socket that never answers: no ICMP, so the attempt passes after `receive`.
  const quiet = dgram.createSocket('udp4');
  quiet.bind(0, '127.0.0.1');
  await once(quiet, 'listening');
  const q = await prober.probe(instanceFor(probe('U', 'udp', { receiveMs: 200 }), '127.0.0.1', quiet.address().port));
  quiet.close();
  t.match(q, { ok: true });
  t.ok(q.latencyMs >= 195, 'a silent server passes only when receive expires');
});

t.test('snmp: GET against a net-snmp agent, community, thresholds, timeout', async (t) => {
  const agentPort = await freeUdpPort();
  const agent = snmp.createAgent({ port: agentPort, address: '127.0.0.1', disableAuthorization: false }, () => {});
  agent.getAuthorizer().addCommunity('acesim-ro');
  const mib = agent.getMib();
  mib.registerProvider({ name: 'load', type: snmp.MibProviderType.Scalar, oid: '1.3.6.1.4.1.99999.1', scalarType: snmp.ObjectType.Integer, maxAccess: snmp.MaxAccess['read-only'] });
  mib.setScalarValue('load', 42);
  t.teardown(() => agent.close());
  const base = { community: new Secret('acesim-ro'), snmpVersion: '2c' as const, receiveMs: 1_000 };
  const ok = await prober.probe(instanceFor(probe('S', 'snmp', { ...base, oids: [{ oid: '1.3.6.1.4.1.99999.1.0', threshold: 50 }] }), '127.0.0.1', agentPort));
  t.match(ok, { ok: true, cause: 'OK' });
  const over = await prober.probe(instanceFor(probe('S', 'snmp', { ...base, oids: [{ oid: '1.3.6.1.4.1.99999.1.0', threshold: 10 }] }), '127.0.0.1', agentPort));
  t.match(over, { ok: false, cause: 'L7_SNMP_ERROR' });
  t.match(over.detail, /above threshold 10/);
  const missing = await prober.probe(instanceFor(probe('S', 'snmp', { ...base, oids: [{ oid: '1.3.6.1.4.1.99999.7.0' }] }), '127.0.0.1', agentPort));
  t.match(missing, { ok: false, cause: 'L7_SNMP_ERROR' });
  const started = clock.monotonicNow();
  const wrong = await prober.probe(instanceFor(probe('S', 'snmp', { ...base, receiveMs: 400, community: new Secret('guess') }), '127.0.0.1', agentPort));
  t.match(wrong, { ok: false, cause: 'L7_RECEIVE_TIMEOUT' }, 'an agent ignores a wrong community: no reply');
  t.ok(clock.monotonicNow() - started < 900, 'deadline from receive, not the library timeout');
  t.notMatch(JSON.stringify(wrong), /guess|acesim-ro/, 'no community in the result');
});

t.test('dns: query domain at address:port, compare expect address', async (t) => {
  const server = dgram.createSocket('udp4');
  server.on('message', (msg, rinfo) => server.send(dnsAnswer(msg, '10.0.200.50'), rinfo.port, rinfo.address));
  server.bind(0, '127.0.0.1');
  await once(server, 'listening');
  t.teardown(() => server.close());
  const port = server.address().port;
  t.match(await prober.probe(instanceFor(probe('D', 'dns', { domain: 'tms.example.com', expectAddresses: ['10.0.200.50'], receiveMs: 1_000 }), '127.0.0.1', port)), { ok: true });
  t.match(await prober.probe(instanceFor(probe('D', 'dns', { domain: 'tms.example.com', expectAddresses: ['10.9.9.9'], receiveMs: 1_000 }), '127.0.0.1', port)), { ok: false, cause: 'L7_DNS_MISMATCH' });
});

t.test('icmp: injected runner; NOT_PERMITTED when ping is missing', async (t) => {
  const missing = new NodeProber({ clock, pingRunner: { ping: async () => ({ kind: 'not-permitted', detail: 'ping is not installed' }) } });
  t.match(await missing.probe(instanceFor(probe('I', 'icmp', { receiveMs: 500 }), '127.0.0.1', 0)), { ok: false, cause: 'NOT_PERMITTED', detail: /not installed/ });
  const up = new NodeProber({ clock, pingRunner: { ping: async () => ({ kind: 'reply' }) } });
  t.match(await up.probe(instanceFor(probe('I', 'icmp'), '127.0.0.1', 0)), { ok: true });
  const hang = new NodeProber({ clock, pingRunner: { ping: () => new Promise(() => {}) } });
  t.match(await hang.probe(instanceFor(probe('I', 'icmp', { receiveMs: 200 }), '127.0.0.1', 0)), { ok: false, cause: 'ICMP_TIMEOUT' });
  const sim = await prober.probe(instanceFor(probe('R', 'rtsp'), '127.0.0.1', 554));
  t.match(sim, { ok: true, cause: 'NOT_SIMULATED' });
});

/** A minimal DNS response: the query echoed with one A record. */
function dnsAnswer(query: Buffer, address: string): Buffer {
  const header = Buffer.from(query.subarray(0, 12));
  header.writeUInt16BE(0x8180, 2); // response, recursion available, no error
  header.writeUInt16BE(1, 6); // ANCOUNT
  header.writeUInt16BE(0, 8);
  header.writeUInt16BE(0, 10);
  let end = 12;
  while (query[end] !== 0) end += query[end]! + 1;
  const question = query.subarray(12, end + 5);
  const answer = Buffer.alloc(16);
  answer.writeUInt16BE(0xc00c, 0); // pointer to the question name
  answer.writeUInt16BE(1, 2); // A
  answer.writeUInt16BE(1, 4); // IN
  answer.writeUInt32BE(60, 6);
  answer.writeUInt16BE(4, 10);
  address.split('.').forEach((o, i) => answer.writeUInt8(Number(o), 12 + i));
  return Buffer.concat([header, question, answer]);
}
