// The soak's client load, in its own process so the balancer's process holds
// only the balancer: GETs at a steady rate, each on a fresh connection from
// one of 40 client addresses, spread over the TCP VIP ports given; and, with a
// UDP port, datagrams at a tenth of that rate, each from a fresh socket (a new
// UDP flow on the VIP every time). Prints one JSON line of cumulative counts
// per second and a last one on SIGTERM.
// Usage: node dist/bench/lib/soak-load.js VIP PORT[,PORT…] RATE_PER_S [UDP_PORT]
import dgram from 'node:dgram';
import http from 'node:http';

const [vip = '127.0.170.60', portList = '37500', rateText = '100', udpPortText] = process.argv.slice(2);
const udpPort = udpPortText === undefined ? undefined : Number(udpPortText);
const ports = portList.split(',').map(Number);
const rate = Math.max(1, Number(rateText));
// Clients .200-.239 of the VIP's own /24 (the bench's address range).
const clients = Array.from({ length: 40 }, (_, i) => `${vip.split('.').slice(0, 3).join('.')}.${200 + i}`);
/** Requests in flight are capped: a dead VIP must not pile up sockets here. */
const MAX_IN_FLIGHT = 64;
const TIMEOUT_MS = 15_000;

const counts = { sent: 0, ok: 0, failed: 0, timeouts: 0, skipped: 0, reasons: {} as Record<string, number>, datagrams: 0 };

/** One datagram from a fresh socket, closed shortly after (the VIP keeps the flow until its idle timeout). */
function datagram(i: number): void {
  if (udpPort === undefined) return;
  const s = dgram.createSocket('udp4');
  s.on('error', () => s.close());
  s.bind(0, clients[i % clients.length], () => {
    s.send(Buffer.from(`soak datagram ${i}`), udpPort, vip, () => {
      counts.datagrams++;
      setTimeout(() => s.close(), 200);
    });
  });
}
let inFlight = 0;
let n = 0;

function one(): void {
  if (inFlight >= MAX_IN_FLIGHT) {
    counts.skipped++;
    return;
  }
  const i = n++;
  if (i % 10 === 0) datagram(i);
  inFlight++;
  counts.sent++;
  let settled = false;
  const done = (ok: boolean, reason = ''): void => {
    if (settled) return;
    settled = true;
    inFlight--;
    if (ok) counts.ok++;
    else {
      counts.failed++;
      counts.reasons[reason] = (counts.reasons[reason] ?? 0) + 1;
    }
    if (reason === 'timeout') counts.timeouts++;
  };
  const req = http.get({ host: vip, port: ports[i % ports.length], path: `/soak/${i}`, localAddress: clients[i % clients.length], agent: false, timeout: TIMEOUT_MS }, (res) => {
    res.resume();
    res.on('end', () => done(res.statusCode === 200, `status ${res.statusCode}`));
    res.on('error', () => done(false, 'response cut'));
    res.on('aborted', () => done(false, 'response cut'));
  });
  req.on('timeout', () => {
    done(false, 'timeout');
    req.destroy();
  });
  req.on('error', (e: NodeJS.ErrnoException) => done(false, e.code ?? 'error'));
}

const tick = 1000 / rate;
let next = performance.now();
const pace = setInterval(() => {
  const now = performance.now();
  while (next <= now) {
    one();
    next += tick;
  }
}, Math.max(1, Math.min(20, tick)));
const report = setInterval(() => process.stdout.write(`${JSON.stringify({ ...counts, inFlight })}\n`), 1000);

process.on('SIGTERM', () => {
  clearInterval(pace);
  clearInterval(report);
  // Let what is in flight finish (bounded by the request timeout), then report and leave.
  const wait = setInterval(() => {
    if (inFlight > 0) return;
    clearInterval(wait);
    process.stdout.write(`${JSON.stringify({ ...counts, inFlight, final: true })}\n`);
    process.exit(0);
  }, 50);
  setTimeout(() => {
    process.stdout.write(`${JSON.stringify({ ...counts, inFlight, final: true })}\n`);
    process.exit(0);
  }, TIMEOUT_MS + 1000).unref();
});
