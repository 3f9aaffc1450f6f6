// Probe engine at ACE scale (issue 3): 16,000 HTTP probe instances at a 2 s interval
// against loopback HTTP servers, measuring scheduling lag (attempt start − due time),
// CPU and RSS. Servers: HAProxy 2.6 from Debian (`http-request return status 200`,
// one thread, its own process; apt-get installs it when missing), or node:net server
// processes when HAProxy cannot be had. Every process started is stopped by PID.
// Usage: node dist/bench/probe-scale.js [durationS=60] [instances=16000] [threads=cores−1]
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { RealClock } from '../src/core/real-clock.js';
import { EventBus } from '../src/core/event-bus.js';
import { defaultProbe } from '../src/config/defaults.js';
import { ProbeEngine } from '../src/probes/probe-engine.js';
import { NodeProber } from '../src/probes/probers/node-prober.js';
import { WorkerProberPool } from '../src/probes/probers/worker-pool.js';
import { probeThreadsFor } from '../src/cli/probe-threads.js';
import { instanceId } from '../src/probes/types.js';
import type { ProbeEvent, ProbeInstance, ProbeInstanceKey, Prober } from '../src/probes/types.js';
import { percentile, writeSection } from './lib/report.js';

const DURATION_S = Number(process.argv[2] ?? 60);
const INSTANCES = Number(process.argv[3] ?? 16_000);
/** Prober worker threads: what `acesim probe --probe-threads auto` picks for this many instances on this machine. */
const THREADS = Number(process.argv[4] ?? Math.max(1, probeThreadsFor('auto', INSTANCES, availableParallelism())));
/** Development aid: run only the phase named here ('single', 'pool', or 'cost': the wire client's closed-loop cost); the default runs all and writes the section. */
const ONLY = process.argv[5];
const INTERVAL_MS = 2_000;
const HOSTS = ['127.0.0.2', '127.0.0.3', '127.0.0.4', '127.0.0.5'];
const PORTS_PER_HOST = 8;
const WARMUP_MS = 2 * INTERVAL_MS;
/** The worker lag's p99 is also given per window of this many ms of the run. */
const LAG_WINDOW_MS = 10_000;
/** Closed-loop attempts per client in the per-attempt cost comparison. */
const COST_ATTEMPTS = 10_000;
const COST_CONCURRENCY = 64;

const children: ChildProcess[] = [];
const stopAll = (): void => {
  for (const c of children) if (c.pid !== undefined && c.exitCode === null && c.signalCode === null) process.kill(c.pid, 'SIGTERM');
};
process.on('exit', stopAll);
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => process.exit(130));

const have = (cmd: string): boolean => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

/** user+system CPU ms of a process, from /proc (Linux). */
function procCpuMs(pid: number): number {
  return statCpuMs(`/proc/${pid}/stat`);
}

/** user+system CPU ms of this process's main thread (the engine's), from /proc (Linux). */
function mainThreadCpuMs(): number {
  return statCpuMs(`/proc/${process.pid}/task/${process.pid}/stat`);
}

function statCpuMs(path: string): number {
  const f = readFileSync(path, 'utf8').split(') ')[1]!.split(' ');
  return ((Number(f[11]) + Number(f[12])) * 1000) / CLK_TCK;
}

/** Free ports on each host, reserved by binding port 0 and released just before the servers bind. */
async function freeTargets(): Promise<[string, number][]> {
  const out: [string, number][] = [];
  for (const h of HOSTS)
    for (let i = 0; i < PORTS_PER_HOST; i++) {
      const s = net.createServer();
      await new Promise<void>((r) => s.listen(0, h, r));
      out.push([h, (s.address() as net.AddressInfo).port]);
      await new Promise<void>((r) => s.close(() => r()));
    }
  return out;
}

async function waitOpen(host: string, port: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const ok = await new Promise<boolean>((res) => {
      const s = net.connect(port, host, () => (s.destroy(), res(true)));
      s.on('error', () => res(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${host}:${port} did not open`);
}

interface Servers {
  what: string;
  targets: [string, number][];
  pids: number[];
}

function ensureHaproxy(): boolean {
  if (have('haproxy')) return true;
  if (process.getuid?.() !== 0 || !have('apt-get')) return false;
  console.log('installing haproxy with apt-get');
  spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit' });
  spawnSync('apt-get', ['install', '-y', '-qq', 'haproxy'], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  return have('haproxy');
}

async function startServers(dir: string): Promise<Servers> {
  const targets = await freeTargets();
  if (ensureHaproxy()) {
    const cfg = join(dir, 'haproxy.cfg');
    const version = spawnSync('haproxy', ['-v'], { encoding: 'utf8' }).stdout.split('\n')[0]!.replace(/ - https?:\S+/, '').trim();
    writeFileSync(
      cfg,
      [
        'global',
        '  maxconn 8000',
        '  nbthread 1',
        'defaults',
        '  mode http',
        '  timeout client 5s',
        '  timeout server 5s',
        '  timeout connect 5s',
        'frontend probes',
        ...targets.map(([h, p]) => `  bind ${h}:${p}`),
        '  http-request return status 200 content-type text/plain string ok',
        '',
      ].join('\n'),
    );
    const c = spawn('haproxy', ['-f', cfg, '-db'], { stdio: ['ignore', 'ignore', 'inherit'] });
    children.push(c);
    for (const [h, p] of targets) await waitOpen(h, p);
    return { what: `${version}, one process, one thread, \`http-request return status 200\` (HTTP/1.1, Content-Length 2, closes after the response as the probe asks)`, targets, pids: [c.pid!] };
  }
  // Fallback: node:net servers answering a fixed 200 and closing, in two processes.
  const src = `const net=require('net');const t=JSON.parse(process.argv[1]);const OK=Buffer.from('HTTP/1.1 200 OK\\r\\nContent-Length: 2\\r\\nConnection: close\\r\\n\\r\\nok');
for(const [h,p] of t) net.createServer((s)=>{let b='';s.on('error',()=>{});s.on('data',(d)=>{b+=d.toString('latin1');if(b.indexOf('\\r\\n\\r\\n')>=0)s.end(OK);});}).listen({host:h,port:p,backlog:4096});`;
  const pids: number[] = [];
  for (const part of [targets.filter((_t, i) => i % 2 === 0), targets.filter((_t, i) => i % 2 === 1)]) {
    const c = spawn(process.execPath, ['-e', src, JSON.stringify(part)], { stdio: ['ignore', 'ignore', 'inherit'] });
    children.push(c);
    pids.push(c.pid!);
  }
  for (const [h, p] of targets) await waitOpen(h, p);
  return { what: 'node:net servers in 2 processes (HAProxy not available), fixed 200 response, Connection: close', targets, pids };
}

function benchInstances(targets: [string, number][]): ProbeInstance[] {
  const probe = { ...defaultProbe('BENCH-HTTP', 'http', { file: 'bench', line: 1, col: 1 }), intervalMs: INTERVAL_MS, openMs: 1_000, receiveMs: 1_500, expectStatus: [{ min: 200, max: 200 }] };
  const out: ProbeInstance[] = [];
  for (let i = 0; i < INSTANCES; i++) {
    const [address, port] = targets[i % targets.length]!;
    const key: ProbeInstanceKey = { probe: 'BENCH-HTTP', probeType: 'http', farm: `SF${Math.floor(i / 100)}`, rserver: `RS${i}`, address, port, portType: 'PROBE' };
    out.push({ id: instanceId(key), key, probe, members: [{ farm: key.farm!, rserver: key.rserver }], enabled: true, admin: 'inservice' });
  }
  return out;
}

/**
 * CPU per attempt of one prober, closed loop (COST_CONCURRENCY in flight), engine not involved. Each lane
 * starts its next attempt from the check phase (setImmediate), as the engine's attempts start from their
 * own event (a worker's message, a timer), never from inside the previous attempt's read. Resumed there, between
 * the turn's other reads, the wire client's lanes cost 204–253 µs per attempt against 144–183 µs from the check
 * phase (three alternating pairs of runs), the extra mostly in the connect and the socket's set-up; the floor's
 * lanes, resumed by the socket's `close`, already started from the close phase and barely moved.
 */
async function attemptCost(prober: Prober, instances: ProbeInstance[], servers: Servers): Promise<{ rate: number; selfUs: number; serverUs: number; ok: number }> {
  const warm = instances.slice(0, 200);
  await Promise.all(warm.map((i) => prober.probe(i)));
  const s0 = servers.pids.reduce((a, p) => a + procCpuMs(p), 0);
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  let next = 0;
  let ok = 0;
  const lane = async (): Promise<void> => {
    for (;;) {
      await new Promise<void>((r) => setImmediate(r));
      if (next >= COST_ATTEMPTS) return;
      const r = await prober.probe(instances[next++ % instances.length]!);
      if (r.ok) ok++;
    }
  };
  await Promise.all(Array.from({ length: COST_CONCURRENCY }, lane));
  const wall = performance.now() - t0;
  const c = process.cpuUsage(c0);
  const s = servers.pids.reduce((a, p) => a + procCpuMs(p), 0) - s0;
  return { rate: Math.round(COST_ATTEMPTS / (wall / 1000)), selfUs: Math.round((c.user + c.system) / COST_ATTEMPTS), serverUs: Math.round((s * 1000) / COST_ATTEMPTS), ok };
}

/**
 * The floor, measured in every run: a bare node:net connect, request write, read to the peer's
 * FIN and close, no parsing, no deadlines, no engine. It shows this machine's speed at the time of
 * the run (seen on one machine on one day: 89 to 160 µs), so a slower run can be told from slower code.
 */
const bareNet: Prober = {
  probe: (inst) =>
    new Promise((resolve) => {
      const t0 = performance.now();
      const s = net.connect({ host: inst.key.address, port: inst.key.port });
      let ok = false;
      s.once('connect', () => s.write(`GET / HTTP/1.1\r\nhost: ${inst.key.address}\r\nconnection: close\r\n\r\n`));
      s.on('data', (b: Buffer) => (ok ||= b.subarray(0, 12).toString('latin1') === 'HTTP/1.1 200'));
      s.once('end', () => s.end());
      s.once('error', () => {});
      s.once('close', () => resolve({ ok, cause: ok ? 'OK' : 'L7_BAD_STATUS', latencyMs: performance.now() - t0 }));
    }),
};

interface PhaseOut {
  durationS: number;
  table: string;
  met: boolean;
  /** CPU µs per attempt: the engine process (all threads) and the servers. */
  processUs: number;
  serverUs: number;
}

async function runPhase(clock: RealClock, instances: ProbeInstance[], durationS: number, prober: Prober, servers: Servers | undefined, pool?: { startLags: number[]; byWindow: number[][] }): Promise<PhaseOut> {
  const bus = new EventBus<ProbeEvent>(clock);
  const lags: number[] = [];
  const t0 = clock.monotonicNow();
  let launches = 0;
  const causes = new Map<string, number>();
  const latencies: number[] = [];
  bus.on('probe.result', (e) => {
    const label = e.result.status !== undefined && !e.result.ok ? `${e.result.cause} (${e.result.status})` : e.result.cause;
    causes.set(label, (causes.get(label) ?? 0) + 1);
    if (e.atMs - t0 >= WARMUP_MS) latencies.push(e.result.latencyMs);
  });
  const engine = new ProbeEngine({
    clock,
    prober,
    bus,
    startSpreadMs: INTERVAL_MS,
    onLaunch: (inst, dueMs, startMs) => {
      launches++;
      lastDue.set(inst.id, dueMs);
      if (startMs - t0 >= WARMUP_MS) lags.push(startMs - dueMs);
    },
  });
  if (pool) pool.startLags.length = pool.byWindow.length = 0;

  // Bench code may read the process clock; the engine itself only sees RealClock.
  let rssPeak = 0;
  const sampler = setInterval(() => {
    rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
  }, 500);
  const srv0 = servers ? servers.pids.map(procCpuMs) : [];
  const cpu0 = process.cpuUsage();
  const main0 = mainThreadCpuMs();
  const elu0 = performance.eventLoopUtilization();
  const wall0 = performance.now();
  engine.start(instances);
  await new Promise((r) => setTimeout(r, durationS * 1000));
  engine.stop();
  const wallMs = performance.now() - wall0;
  const cpu = process.cpuUsage(cpu0);
  const mainMs = mainThreadCpuMs() - main0;
  const elu = performance.eventLoopUtilization(elu0);
  clearInterval(sampler);
  const srvCpuMs = servers ? servers.pids.reduce((a, p, i) => a + procCpuMs(p) - srv0[i]!, 0) : 0;
  // Let the attempts stop() aborted report back, so their worker start stamps count too.
  for (let i = 0; i < 60 && prober instanceof WorkerProberPool && prober.inFlight > 0; i++) await new Promise((r) => setTimeout(r, 50));
  const load = loadavg().map((x) => x.toFixed(2)).join(' / ');
  rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
  const snap = engine.snapshot();
  const states = snap.instances.reduce<Record<string, number>>((acc, i) => ((acc[i.health] = (acc[i.health] ?? 0) + 1), acc), {});

  const cpuPct = ((cpu.user + cpu.system) / 1000 / wallMs) * 100;
  const expected = Math.round((INSTANCES * durationS * 1000) / INTERVAL_MS);
  const p99 = percentile(lags, 99);
  const max = (xs: number[]): number => xs.reduce((m, v) => (v > m ? v : m), Number.NEGATIVE_INFINITY);
  const startLags = pool?.startLags ?? [];
  const judged = pool ? percentile(startLags, 99) : p99;
  const met = judged < 50 && launches >= expected * 0.98;
  const results = [...causes.entries()].map(([c, n]) => `${c} ${n.toLocaleString('en-US')}`).join(', ');
  const rows = [
    `| attempts started | ${launches.toLocaleString('en-US')} (ideal ${expected.toLocaleString('en-US')}, ${((launches / expected) * 100).toFixed(1)} %) |`,
    `| attempts per second | ${Math.round(launches / (wallMs / 1000)).toLocaleString('en-US')} |`,
    `| scheduling lag p50 / p99 / max, engine thread (dispatch − due) | ${percentile(lags, 50)} ms / ${p99} ms / ${max(lags)} ms |`,
    ...(pool ? [`| scheduling lag p50 / p99 / max, prober worker (socket opened − due) | ${percentile(startLags, 50)} ms / ${percentile(startLags, 99)} ms / ${max(startLags)} ms (${startLags.length.toLocaleString('en-US')} attempts) |`] : []),
    ...(pool ? [`| prober worker p99 by ${LAG_WINDOW_MS / 1000} s of the run, by due time (after the warm-up) | ${pool.byWindow.map((w) => (w && w.length > 0 ? `${percentile(w, 99)}` : '–')).join(' / ')} ms |`] : []),
    `| acesim's own figure (show stats, warm-up included): started ≥ 1 s late / worst / mean / slots skipped | ${snap.startLag.late.toLocaleString('en-US')} / ${snap.startLag.maxMs} ms / ${snap.startLag.meanMs} ms / ${snap.startLag.skipped.toLocaleString('en-US')} |`,
    `| target p99 lag < 50 ms at the full rate | ${met ? 'met' : 'NOT met'} |`,
    `| probe latency p50 / p99 | ${percentile(latencies, 50)} ms / ${percentile(latencies, 99)} ms |`,
    `| results by cause | ${results} |`,
    `| instance health at the end | ${Object.entries(states).map(([h, n]) => `${h} ${n}`).join(', ')} |`,
    `| CPU, engine process (all threads, user+system) | ${cpuPct.toFixed(0)} % of one core (${Math.round((cpu.user + cpu.system) / Math.max(1, launches))} µs per attempt) |`,
    `| CPU, engine (main) thread alone | ${((mainMs / wallMs) * 100).toFixed(0)} % of one core (${Math.round((mainMs * 1000) / Math.max(1, launches))} µs per attempt); event-loop utilization ${(elu.utilization * 100).toFixed(0)} % |`,
    `| RSS peak | ${(rssPeak / 2 ** 20).toFixed(0)} MiB |`,
    `| HTTP servers' CPU | ${servers ? `${((srvCpuMs / wallMs) * 100).toFixed(0)} % of one core (${Math.round((srvCpuMs * 1000) / Math.max(1, launches))} µs per attempt)` : 'not used'} |`,
    `| load average at the end (1 / 5 / 15 min) | ${load} |`,
  ];
  const table = `| metric | value |\n|---|---|\n${rows.join('\n')}`;
  console.log(table);
  const processUs = Math.round((cpu.user + cpu.system) / Math.max(1, launches));
  return { durationS, table, met, processUs, serverUs: Math.round((srvCpuMs * 1000) / Math.max(1, launches)) };
}

/** Due time (engine monotonic ms) of each instance's attempt in flight, for the worker-side lag. */
const lastDue = new Map<string, number>();

/** Real HTTP probes with socket work on THREADS prober workers; the engine keeps its thread. */
async function poolPhase(clock: RealClock, instances: ProbeInstance[], servers: Servers): Promise<PhaseOut> {
  // Set once the workers are up, just before the phase starts.
  const base = { wallOffsetMs: 0, t0: Number.POSITIVE_INFINITY };
  const pool = { startLags: [] as number[], byWindow: [] as number[][] };
  const workers = new WorkerProberPool({
    clock,
    threads: THREADS,
    onAttemptStart: (inst, startedWallMs) => {
      const due = lastDue.get(inst.id);
      if (due === undefined || due - base.t0 < WARMUP_MS) return;
      const lag = startedWallMs - (due + base.wallOffsetMs);
      pool.startLags.push(lag);
      // Windows by due time: tells a run that fell behind once (the warm-up) from one that kept missing.
      // Attempts due after the phase's end (handed over as stop() aborts 16,000 instances) are left out.
      if (due - base.t0 < DURATION_S * 1000) (pool.byWindow[Math.floor((due - base.t0) / LAG_WINDOW_MS)] ??= []).push(lag);
    },
  });
  // Boot the workers before the clock starts counting.
  await Promise.all(instances.slice(0, THREADS * 4).map((i) => workers.probe(i)));
  base.wallOffsetMs = clock.wallOf(0);
  base.t0 = clock.monotonicNow();
  const out = await runPhase(clock, instances, DURATION_S, workers, servers, pool);
  await workers.close();
  return out;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'acesim-probe-scale-'));
  const servers = await startServers(dir);
  const clock = new RealClock();
  const instances = benchInstances(servers.targets);

  if (ONLY === 'pool' || ONLY === 'single' || ONLY === 'cost') {
    if (ONLY === 'pool') await poolPhase(clock, instances, servers);
    else if (ONLY === 'cost') console.log({ wire: await attemptCost(new NodeProber({ clock, httpClient: 'wire' }), instances, servers), floor: await attemptCost(bareNet, instances, servers) });
    else await runPhase(clock, instances, DURATION_S, new NodeProber({ clock }), servers);
    stopAll();
    rmSync(dir, { recursive: true, force: true });
    return;
  }
  // 1. What one attempt costs with each plain-HTTP client (no engine, closed loop).
  const undiciProber = new NodeProber({ clock, httpClient: 'undici' });
  const wireProber = new NodeProber({ clock, httpClient: 'wire' });
  const costU = await attemptCost(undiciProber, instances, servers);
  const costW = await attemptCost(wireProber, instances, servers);
  const costF = await attemptCost(bareNet, instances, servers);
  const cost = `| client | attempts/s (one thread, ${COST_CONCURRENCY} in flight) | CPU per attempt, prober | CPU per attempt, servers | OK |
|---|---|---|---|---|
| the floor: bare node:net connect, write, read, close (no parsing, no deadlines) | ${costF.rate.toLocaleString('en-US')} | ${costF.selfUs} µs | ${costF.serverUs} µs | ${costF.ok.toLocaleString('en-US')} / ${COST_ATTEMPTS.toLocaleString('en-US')} |
| undici Client per attempt on acesim's socket | ${costU.rate.toLocaleString('en-US')} | ${costU.selfUs} µs | ${costU.serverUs} µs | ${costU.ok.toLocaleString('en-US')} / ${COST_ATTEMPTS.toLocaleString('en-US')} |
| wire client (http-parser-js) on acesim's socket | ${costW.rate.toLocaleString('en-US')} | ${costW.selfUs} µs | ${costW.serverUs} µs | ${costW.ok.toLocaleString('en-US')} / ${COST_ATTEMPTS.toLocaleString('en-US')} |`;
  console.log(cost);

  // 2. The scheduler alone (a prober that answers at once): what the engine costs.
  const bare = await runPhase(clock, instances, Math.min(15, DURATION_S), { probe: async () => ({ ok: true, cause: 'OK', latencyMs: 0 }) }, undefined);
  // 3. Real HTTP probes, everything on the engine thread.
  const single = await runPhase(clock, instances, Math.min(30, DURATION_S), wireProber, servers);
  // 4. Real HTTP probes, socket work on THREADS prober workers; the engine keeps its thread.
  const pooled = await poolPhase(clock, instances, servers);
  stopAll();
  rmSync(dir, { recursive: true, force: true });


  const rate = INSTANCES / (INTERVAL_MS / 1000);
  const cores = (p: PhaseOut): string => (((p.processUs + p.serverUs) * rate) / 1e6).toFixed(1);
  const body = `
${INSTANCES.toLocaleString('en-US')} HTTP probe instances (GET /, expect status 200, \`Connection: close\`, a new TCP connection per attempt as the ACE opens one), interval ${INTERVAL_MS / 1000} s, so ${(INSTANCES / (INTERVAL_MS / 1000)).toLocaleString('en-US')} attempts/s, against ${servers.targets.length} listeners on ${HOSTS.join(', ')} served by ${servers.what}. Engine on RealClock, first attempts spread over one interval; the first ${WARMUP_MS / 1000} s of each phase are left out of the lag and latency figures. The machine has ${cpus().length} cores (${availableParallelism()} usable) shared by the engine, the servers and anything else running.

What one attempt costs by plain-HTTP client (${COST_ATTEMPTS.toLocaleString('en-US')} attempts, closed loop, no engine; each lane starts its next attempt from the event loop's check phase, as the engine's attempts start from an event of their own: resumed inside the previous attempt's read, as before 2026-12-07, the wire client came out 1.25–1.7 times its figure here in three alternating pairs of runs). Both open the socket the same way (acesim's own connect, bounded by \`open\`). Measured once while this was built (closed loop, 64 in flight, quiet machine, HAProxy serving): undici Client per attempt 382 µs, undici \`request\` through a shared Agent with \`reset: true\` 404 µs, \`node:http\` with \`agent: false\` 197 µs, a bare \`node:net\` connect/write/read/close 89 µs. The floor row below measures that bare loop in this run: this machine's speed varies by a third from hour to hour, and the floor moves with it, so compare acesim's figures with the floor of the same run. HTTPS probes keep undici.

${cost}

Phase 1 — scheduler only (a Prober that answers at once, ${bare.durationS} s):

${bare.table}

Phase 2 — real HTTP probes, engine and sockets on one thread (NodeProber, wire client, ${single.durationS} s):

${single.table}

Phase 3 — real HTTP probes, sockets on ${THREADS} prober worker threads (WorkerProberPool), engine and reducer on the main thread (${pooled.durationS} s):

${pooled.table}

Lag: "engine thread" is the engine's clock (integer ms) in its onLaunch hook, when the
attempt is handed to the prober; "prober worker" is the worker's wall clock (integer ms)
when it opens the socket minus the due time converted to wall time (offset taken once at
the start of the phase, so ±1 ms). The target is judged on the later of the two (the
worker's) and only counts as met when at least 98 % of the ideal attempts started.
The floor per attempt is node:net itself — connect, write and close syscalls, which on
loopback also run the peer's side of the TCP handshake. Verdict on this run: one thread
${single.met ? 'carried' : 'did not carry'} ${rate.toLocaleString('en-US')} attempts/s within the target; ${THREADS} prober worker thread(s) ${pooled.met ? 'did' : 'did not'}.
At the CPU per attempt measured here (engine process + servers: ${single.processUs} + ${single.serverUs} µs on one thread,
${pooled.processUs} + ${pooled.serverUs} µs with workers) ${rate.toLocaleString('en-US')} attempts/s need about ${cores(single)} / ${cores(pooled)} cores
of CPU; this machine has ${cpus().length}. Paced by the engine (one attempt per timer, few events per
event-loop turn) an attempt costs more than in the closed loop above, and more once attempts queue
(more sockets in flight, more garbage). Each instance keeps its place in the schedule when acesim
starts an attempt late (\`intervalFrom: 'scheduled-start'\`, docs/ace-compatibility.md), so a busy
moment does not bunch the instances it delayed, and a run that falls behind catches up.
`;
  console.log(body);
  writeSection('probe-scale', 'Probe engine at ACE scale (issue 3)', body);
}

main().catch((err: unknown) => {
  console.error(err);
  stopAll();
  process.exitCode = 1;
});
