// Probe engine at ACE scale (issue 3): 16,000 HTTP probe instances at a 2 s interval
// against loopback HTTP servers (a child process, so servers do not share our event
// loop), for DURATION seconds. Measures scheduling lag (attempt start − due time),
// CPU and RSS. Usage: node dist/bench/probe-scale.js [durationS=60] [instances=16000]
import { spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { RealClock } from '../src/core/real-clock.js';
import { EventBus } from '../src/core/event-bus.js';
import { defaultProbe } from '../src/config/defaults.js';
import { ProbeEngine } from '../src/probes/probe-engine.js';
import { NodeProber } from '../src/probes/probers/node-prober.js';
import { instanceId } from '../src/probes/types.js';
import type { ProbeEvent, ProbeInstance, ProbeInstanceKey, Prober } from '../src/probes/types.js';
import { percentile, writeSection } from './lib/report.js';

const DURATION_S = Number(process.argv[2] ?? 60);
const INSTANCES = Number(process.argv[3] ?? 16_000);
const INTERVAL_MS = 2_000;
const HOSTS = ['127.0.0.2', '127.0.0.3', '127.0.0.4', '127.0.0.5'];
const PORTS_PER_HOST = 8;
const WARMUP_MS = 2 * INTERVAL_MS;

const SERVER_PROCS = 2;

// The servers: real HTTP/1.1 over node:net, kept light so that two small server
// processes can answer ~8,000 new connections/s next to the engine on a 2-core
// box (node:http's per-connection cost made one server process the bottleneck).
// Each connection: read the request head (up to CRLF CRLF), answer a fixed
// 200 response with Content-Length and Connection: close, then FIN.
const serverSrc = (hosts: string[]): string => `
const net = require('net');
const hosts = ${JSON.stringify(hosts)};
const OK = Buffer.from('HTTP/1.1 200 OK\\r\\nContent-Type: text/plain\\r\\nContent-Length: 2\\r\\nConnection: close\\r\\n\\r\\nok');
const BAD = Buffer.from('HTTP/1.1 400 Bad Request\\r\\nContent-Length: 0\\r\\nConnection: close\\r\\n\\r\\n');
let connections = 0;
const out = [];
let pending = hosts.length * ${PORTS_PER_HOST};
for (const h of hosts) for (let i = 0; i < ${PORTS_PER_HOST}; i++) {
  const s = net.createServer((sock) => {
    connections++;
    let head = '';
    sock.on('error', () => {});
    sock.on('data', (d) => {
      head += d.toString('latin1');
      if (head.indexOf('\\r\\n\\r\\n') < 0) { if (head.length > 16384) sock.end(BAD); return; }
      sock.end(/^(GET|HEAD) \\S+ HTTP\\/1\\.1\\r\\n/.test(head) ? OK : BAD);
    });
  });
  s.listen({ port: 0, host: h, backlog: 4096 }, () => { out.push([h, s.address().port]); if (--pending === 0) process.stdout.write(JSON.stringify(out) + '\\n'); });
}
process.stdin.on('data', () => { const c = process.cpuUsage(); process.stdout.write(JSON.stringify({ cpuMs: (c.user + c.system) / 1000, connections }) + '\\n'); });
process.stdin.on('end', () => process.exit(0));
`;

interface ServerProc {
  child: ChildProcessWithoutNullStreams;
  lines: string[];
  waiters: ((line: string) => void)[];
}

function startServer(hosts: string[]): Promise<{ proc: ServerProc; targets: [string, number][] }> {
  const child = spawn(process.execPath, ['-e', serverSrc(hosts)], { stdio: ['pipe', 'pipe', 'inherit'] }) as unknown as ChildProcessWithoutNullStreams;
  const proc: ServerProc = { child, lines: [], waiters: [] };
  let buf = '';
  child.stdout.on('data', (d: Buffer) => {
    buf += String(d);
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      const w = proc.waiters.shift();
      if (w) w(line);
      else proc.lines.push(line);
    }
  });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`server process exited ${code}`)));
    nextLine(proc).then((line) => resolve({ proc, targets: JSON.parse(line) as [string, number][] }), reject);
  });
}

function nextLine(proc: ServerProc): Promise<string> {
  const l = proc.lines.shift();
  if (l !== undefined) return Promise.resolve(l);
  return new Promise((resolve) => proc.waiters.push(resolve));
}

/** CPU ms and connections accepted so far by one server process. */
async function serverStats(proc: ServerProc): Promise<{ cpuMs: number; connections: number }> {
  proc.child.stdin.write('?');
  return JSON.parse(await nextLine(proc)) as { cpuMs: number; connections: number };
}

async function main(): Promise<void> {
  const servers = await Promise.all(Array.from({ length: SERVER_PROCS }, (_, k) => startServer(HOSTS.filter((_h, i) => i % SERVER_PROCS === k))));
  const targets = servers.flatMap((s) => s.targets);
  const procs = servers.map((s) => s.proc);

  const clock = new RealClock();
  // Phase 1: the scheduler alone (a prober that answers at once) — what the engine costs.
  const bare = await runPhase(clock, targets, Math.min(20, DURATION_S), { probe: async () => ({ ok: true, cause: 'OK', latencyMs: 0 }) }, []);
  // Phase 2: real HTTP over loopback sockets.
  const real = await runPhase(clock, targets, DURATION_S, new NodeProber({ clock }), procs);
  for (const p of procs) p.child.stdin.end();
  const body = `
${INSTANCES.toLocaleString('en-US')} HTTP probe instances (GET /, expect status 200, Connection: close, a new TCP connection per attempt), interval ${INTERVAL_MS / 1000} s, against ${targets.length} HTTP/1.1 servers (node:net, fixed 200 response, Connection: close) on ${HOSTS.join(', ')} in ${SERVER_PROCS} separate processes; engine on RealClock, first attempts spread over one interval; the first ${WARMUP_MS / 1000} s of each phase are excluded from lag and latency figures.

Phase 1 — scheduler only (a Prober that answers immediately, ${bare.durationS} s):

${bare.table}

Phase 2 — real HTTP probes over loopback (NodeProber: a new undici Client and TCP connection per attempt, ${real.durationS} s):

${real.table}

Lag is measured with the engine's clock (integer ms) in the engine's onLaunch hook. The
HTTP servers' CPU is reported separately (their own processes). The machine has
${cpus().length} cores shared by the engine, the servers and anything else running.
The engine is one thread: ${(INSTANCES / (INTERVAL_MS / 1000)).toLocaleString('en-US')} attempts/s fit only if one attempt (engine +
prober, each on its own new TCP connection) costs well under ${Math.round(1e6 / (INSTANCES / (INTERVAL_MS / 1000)))} µs of CPU; most of
what remains is node:net (socket objects, connect/write/close syscalls, which on
loopback also run the peer's TCP handshake), see the per-attempt figure above.
`;
  console.log(body);
  writeSection('probe-scale', 'Probe engine at ACE scale (issue 3)', body);
}

async function runPhase(clock: RealClock, targets: [string, number][], durationS: number, prober: Prober, procs: ServerProc[]): Promise<{ durationS: number; table: string }> {
  const bus = new EventBus<ProbeEvent>(clock);
  const probe = { ...defaultProbe('BENCH-HTTP', 'http', { file: 'bench', line: 1, col: 1 }), intervalMs: INTERVAL_MS, openMs: 1_000, receiveMs: 1_500, expectStatus: [{ min: 200, max: 200 }] };
  const instances: ProbeInstance[] = [];
  for (let i = 0; i < INSTANCES; i++) {
    const [address, port] = targets[i % targets.length]!;
    const key: ProbeInstanceKey = { probe: 'BENCH-HTTP', probeType: 'http', farm: `SF${Math.floor(i / 100)}`, rserver: `RS${i}`, address, port, portType: 'PROBE' };
    instances.push({ id: instanceId(key), key, probe, members: [{ farm: key.farm!, rserver: key.rserver }], enabled: true, admin: 'inservice' });
  }

  const lags: number[] = [];
  const t0 = clock.monotonicNow();
  let launches = 0;
  const causes = new Map<string, number>();
  const latencies: number[] = [];
  bus.on('probe.result', (e) => {
    causes.set(e.result.cause, (causes.get(e.result.cause) ?? 0) + 1);
    if (e.atMs - t0 >= WARMUP_MS) latencies.push(e.result.latencyMs);
  });
  const engine = new ProbeEngine({
    clock,
    prober,
    bus,
    startSpreadMs: INTERVAL_MS,
    onLaunch: (_inst, dueMs, startMs) => {
      launches++;
      if (startMs - t0 >= WARMUP_MS) lags.push(startMs - dueMs);
    },
  });

  // Bench code may read the process clock; the engine itself only sees RealClock.
  let rssPeak = 0;
  const sampler = setInterval(() => {
    rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
  }, 500);
  const srv0 = await Promise.all(procs.map(serverStats));
  const cpu0 = process.cpuUsage();
  const wall0 = performance.now();
  engine.start(instances);
  await new Promise((r) => setTimeout(r, durationS * 1000));
  engine.stop();
  const wallMs = performance.now() - wall0;
  const cpu = process.cpuUsage(cpu0);
  clearInterval(sampler);
  const srv1 = await Promise.all(procs.map(serverStats));
  const srvCpuMs = srv1.reduce((a, x, i) => a + x.cpuMs - srv0[i]!.cpuMs, 0);
  const srvConns = srv1.reduce((a, x, i) => a + x.connections - srv0[i]!.connections, 0);
  const load = loadavg().map((x) => x.toFixed(2)).join(' / ');
  rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
  const states = engine.snapshot().instances.reduce<Record<string, number>>((acc, i) => ((acc[i.health] = (acc[i.health] ?? 0) + 1), acc), {});

  const cpuPct = ((cpu.user + cpu.system) / 1000 / wallMs) * 100;
  const expected = Math.round((INSTANCES * durationS * 1000) / INTERVAL_MS);
  const p50 = percentile(lags, 50);
  const p99 = percentile(lags, 99);
  const max = lags.reduce((m, v) => (v > m ? v : m), Number.NEGATIVE_INFINITY);
  const results = [...causes.entries()].map(([c, n]) => `${c} ${n}`).join(', ');
  const table = `| metric | value |
|---|---|
| attempts started | ${launches.toLocaleString('en-US')} (ideal ${expected.toLocaleString('en-US')}, ${((launches / expected) * 100).toFixed(1)} %) |
| attempts per second | ${Math.round(launches / (wallMs / 1000)).toLocaleString('en-US')} |
| scheduling lag p50 / p99 / max (start − due) | ${p50} ms / ${p99} ms / ${max} ms |
| target p99 lag < 50 ms | ${p99 < 50 ? 'met' : 'NOT met'} |
| probe latency p50 / p99 | ${percentile(latencies, 50)} ms / ${percentile(latencies, 99)} ms |
| results by cause | ${results} |
| instance health at the end | ${Object.entries(states).map(([h, n]) => `${h} ${n}`).join(', ')} |
| CPU (engine process, user+system) | ${cpuPct.toFixed(0)} % of one core (${Math.round((cpu.user + cpu.system) / Math.max(1, launches))} µs per attempt) |
| RSS peak | ${(rssPeak / 2 ** 20).toFixed(0)} MiB |
| HTTP server processes: CPU / connections accepted | ${procs.length === 0 ? 'not used' : `${((srvCpuMs / wallMs) * 100).toFixed(0)} % of one core (${procs.length} processes, ${Math.round((srvCpuMs * 1000) / Math.max(1, srvConns))} µs per connection) / ${srvConns.toLocaleString('en-US')}`} |
| load average at the end (1 / 5 / 15 min) | ${load} |`;
  console.log(table);
  return { durationS, table };
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
