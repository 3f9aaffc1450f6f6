// Probe engine at ACE scale (issue 3): 16,000 HTTP probe instances at a 2 s interval
// against loopback HTTP servers (a child process, so servers do not share our event
// loop), for DURATION seconds. Measures scheduling lag (attempt start − due time),
// CPU and RSS. Usage: node dist/bench/probe-scale.js [durationS=60] [instances=16000]
import { spawn } from 'node:child_process';
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

const SERVER_SRC = `
const http = require('http');
const hosts = ${JSON.stringify(HOSTS)};
const out = [];
let pending = hosts.length * ${PORTS_PER_HOST};
for (const h of hosts) for (let i = 0; i < ${PORTS_PER_HOST}; i++) {
  const s = http.createServer((req, res) => { res.writeHead(200, { 'content-type': 'text/plain' }); res.end('ok'); });
  s.keepAliveTimeout = 1000;
  s.listen(0, h, () => { out.push([h, s.address().port]); if (--pending === 0) process.stdout.write(JSON.stringify(out) + '\\n'); });
}
`;

async function main(): Promise<void> {
  const child = spawn(process.execPath, ['-e', SERVER_SRC], { stdio: ['ignore', 'pipe', 'inherit'] });
  const targets = await new Promise<[string, number][]>((resolve, reject) => {
    let buf = '';
    child.stdout.on('data', (d: Buffer) => {
      buf += String(d);
      if (buf.includes('\n')) resolve(JSON.parse(buf) as [string, number][]);
    });
    child.once('exit', (code) => reject(new Error(`server process exited ${code}`)));
  });

  const clock = new RealClock();
  // Phase 1: the scheduler alone (a prober that answers at once) — what the engine costs.
  const bare = await runPhase(clock, targets, Math.min(20, DURATION_S), { probe: async () => ({ ok: true, cause: 'OK', latencyMs: 0 }) });
  // Phase 2: real HTTP over loopback sockets.
  const real = await runPhase(clock, targets, DURATION_S, new NodeProber({ clock }));
  child.kill();
  const body = `
${INSTANCES.toLocaleString('en-US')} HTTP probe instances (GET /, expect status 200, Connection: close, a new TCP connection per attempt), interval ${INTERVAL_MS / 1000} s, against ${targets.length} Node HTTP servers on ${HOSTS.join(', ')} in a separate process; engine on RealClock, first attempts spread over one interval; the first ${WARMUP_MS / 1000} s of each phase are excluded from lag and latency figures.

Phase 1 — scheduler only (a Prober that answers immediately, ${bare.durationS} s):

${bare.table}

Phase 2 — real HTTP probes over loopback (NodeProber, undici, ${real.durationS} s):

${real.table}

Lag is measured with the engine's clock (integer ms) in the engine's onLaunch hook. The
HTTP servers' CPU is not included (separate process).
`;
  console.log(body);
  writeSection('probe-scale', 'Probe engine at ACE scale (issue 3)', body);
}

async function runPhase(clock: RealClock, targets: [string, number][], durationS: number, prober: Prober): Promise<{ durationS: number; table: string }> {
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
  const cpu0 = process.cpuUsage();
  const wall0 = performance.now();
  engine.start(instances);
  await new Promise((r) => setTimeout(r, durationS * 1000));
  engine.stop();
  const wallMs = performance.now() - wall0;
  const cpu = process.cpuUsage(cpu0);
  clearInterval(sampler);
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
| CPU (engine process, user+system) | ${cpuPct.toFixed(0)} % of one core |
| RSS peak | ${(rssPeak / 2 ** 20).toFixed(0)} MiB |`;
  console.log(table);
  return { durationS, table };
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
