// The soak (issue 11): steady load through an L4 and an L7 VIP to two
// simulated nodes for --minutes N (default 10), one node SIGKILLed and
// restarted every minute. This process hosts only the balancer (the
// BalancerRuntime on the real clock, probes included); the nodes and the
// client load run as child processes, stopped by PID. Every --sample S seconds
// (default 5) it records RSS, heap, the active handles by type
// (process.getActiveResourcesInfo(): sockets, servers, timers) and the
// balancer's connection counts. With --reload-every S it also hot-reloads the
// config every S seconds (rserver N2's weight alternating 1 and 2), so reloads
// under load and faults are part of what must stay flat. The verdict compares
// the RSS and heap slopes under load and the handles before the load with those
// after it stopped and drained. Writes the table, docs/soak.svg and the verdict
// under "## Soak" in docs/RELIABILITY.md.
// Usage: node dist/bench/soak.js [--minutes N] [--sample S] [--reload-every S] [--note TEXT]
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import net from 'node:net';
import { writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { compileConfig } from '../src/config/compile.js';
import { RealClock } from '../src/core/real-clock.js';
import { createRuntime, type BalancerRuntime } from '../src/runtime/balancer-runtime.js';
import { runBench, stopChildren, track } from './lib/children.js';
import { replaceUnderHeading } from './lib/doc-section.js';
import { machineDetails } from './lib/report.js';
import { soakSvg, type Sample } from './lib/soak-chart.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const DOC = resolve(ROOT, 'docs/RELIABILITY.md');
const CHART = resolve(ROOT, 'docs/soak.svg');
const CLI = resolve(ROOT, 'dist/src/cli/main.js');
const LOAD = resolve(ROOT, 'dist/bench/lib/soak-load.js');

// Addresses 127.0.170.60-62 (+ the load's clients .200-.239), ports 37500-37511.
const VIP = '127.0.170.60';
const L4_PORT = 37500;
const L7_PORT = 37501;
const NODE_PORT = 37502;
const UDP_PORT = 37503;
const TRAP_PORT = 37504;
const NODES = [
  { name: 'N1', address: '127.0.170.61', control: 37510 },
  { name: 'N2', address: '127.0.170.62', control: 37511 },
];
const RATE = 100;
/** A killed node stays down this long: long enough for the probes to fail it, then it comes back. */
const DOWN_S = 15;
/** UDP flows end this long after their last datagram (each load datagram is a new flow). */
const UDP_IDLE_MS = 5_000;
/** After the load stops: longer than the nodes' 5 s keep-alive and the UDP idle time, so idle sockets are gone. */
const DRAIN_S = 8;

/** The config with rserver N2's weight in FARM (a reload alternates it). */
const config = (n2Weight: number): string => `
access-list ALL line 10 extended permit ip any any
probe http HTTP
  port ${NODE_PORT}
  interval 2
  faildetect 2
  passdetect interval 2
  open 1
  receive 1
  request method get url /tms
  expect status 200 200
rserver host N1
  ip address ${NODES[0]!.address}
  inservice
rserver host N2
  ip address ${NODES[1]!.address}
  inservice
serverfarm host FARM
  failaction purge
  probe HTTP
  rserver N1 ${NODE_PORT}
    inservice
  rserver N2 ${NODE_PORT}
    weight ${n2Weight}
    inservice
sticky ip-netmask 255.255.255.255 address source STK
  timeout 1
  serverfarm FARM
serverfarm host TRAPS
  rserver N1 ${TRAP_PORT}
    inservice
  rserver N2 ${TRAP_PORT}
    inservice
class-map match-all VIP-L4
  2 match virtual-address ${VIP} tcp eq ${L4_PORT}
class-map match-all VIP-L7
  2 match virtual-address ${VIP} tcp eq ${L7_PORT}
class-map match-all VIP-UDP
  2 match virtual-address ${VIP} udp eq ${UDP_PORT}
policy-map type loadbalance first-match LB4
  class class-default
    sticky-serverfarm STK
policy-map type loadbalance first-match LBU
  class class-default
    serverfarm TRAPS
policy-map type loadbalance http first-match LB7
  class class-default
    serverfarm FARM
policy-map multi-match VIPS
  class VIP-L4
    loadbalance vip inservice
    loadbalance policy LB4
  class VIP-L7
    loadbalance vip inservice
    loadbalance policy LB7
  class VIP-UDP
    loadbalance vip inservice
    loadbalance policy LBU
interface vlan 100
  ip address 127.0.170.2 255.255.255.0
  access-group input ALL
  service-policy input VIPS
  no shutdown
`;

interface LoadCounts {
  sent: number;
  ok: number;
  failed: number;
  timeouts: number;
  skipped: number;
  datagrams?: number;
  inFlight: number;
  reasons?: Record<string, number>;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const MiB = 2 ** 20;

/** Least-squares slope of y over x. */
function slope(xs: number[], ys: number[]): number {
  const n = xs.length;
  if (n < 2) return 0;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += (xs[i]! - mx) * (ys[i]! - my);
    den += (xs[i]! - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

function startNode(n: (typeof NODES)[number]): ChildProcess {
  const c = track(spawn(process.execPath, [CLI, 'node', '--name', n.name, '--address', n.address, '--http', String(NODE_PORT), '--trap', String(TRAP_PORT), '--control', String(n.control), '--quiet'], { stdio: ['ignore', 'ignore', 'inherit'] }));
  return c;
}

/** Polls until cond() holds; throws after ms. */
async function until(what: string, cond: () => boolean | Promise<boolean>, ms = 30_000): Promise<void> {
  const end = performance.now() + ms;
  while (!(await cond())) {
    if (performance.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

const listening = (address: string): Promise<boolean> =>
  new Promise((resolve) => {
    const s = net.connect({ host: address, port: NODE_PORT });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });

async function killNode(c: ChildProcess): Promise<void> {
  if (c.pid === undefined || c.exitCode !== null || c.signalCode !== null) return;
  const exited = once(c, 'exit');
  process.kill(c.pid, 'SIGKILL');
  await exited;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { minutes: { type: 'string', default: '10' }, sample: { type: 'string', default: '5' }, 'reload-every': { type: 'string', default: '0' }, note: { type: 'string' } } });
  const minutes = Number(values.minutes);
  const sampleS = Number(values.sample);
  const reloadS = Number(values['reload-every']);
  if (!(minutes > 0) || !(sampleS > 0)) throw new Error('--minutes and --sample take positive numbers');
  if (!(reloadS >= 0)) throw new Error('--reload-every takes a number of seconds (0: no reloads)');
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;

  const c = compileConfig(config(1), 'soak.conf');
  const errors = c.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length > 0) throw new Error(`soak config: ${errors.map((d) => d.message).join('; ')}`);
  const created = createRuntime({ model: c.model, clock: new RealClock(), drainMs: 2000, timeouts: { tcpIdleMs: 60_000, udpIdleMs: UDP_IDLE_MS } });
  if (!created.ok) throw new Error(created.message);
  const rt: BalancerRuntime = created.runtime;

  const nodes = NODES.map(startNode);
  for (const n of NODES) await until(`node ${n.name} listening`, () => listening(n.address));
  const started = await rt.start();
  if (started.failures.length > 0) throw new Error(`listeners not bound: ${started.failures.map((f) => `${f.address}:${f.port} ${f.error}`).join(', ')}`);
  await until('both reals OPERATIONAL', () => rt.balancer.snapshotFarms()[0]!.reals.every((r) => r.state === 'OPERATIONAL'));
  await sleep(3000); // the first probe verdicts are in

  const t0 = performance.now();
  const samples: Sample[] = [];
  let load: LoadCounts = { sent: 0, ok: 0, failed: 0, timeouts: 0, skipped: 0, inFlight: 0 };
  let pendingEvent = '';
  const sample = (phase: Sample['phase']): Sample => {
    gc();
    const m = process.memoryUsage();
    const res = process.getActiveResourcesInfo();
    const farms = rt.balancer.snapshotFarms();
    const s: Sample = {
      tS: Math.round((performance.now() - t0) / 1000),
      phase,
      rssMiB: m.rss / MiB,
      heapMiB: m.heapUsed / MiB,
      externalMiB: m.external / MiB,
      handles: res.length,
      sockets: res.filter((r) => r === 'TCPSocketWrap' || r === 'UDPWrap').length,
      timers: res.filter((r) => r === 'Timeout').length,
      vipActive: rt.counters().reduce((n, l) => n + l.counters.active, 0),
      realConns: farms.reduce((n, f) => n + f.reals.reduce((k, r) => k + r.current, 0), 0),
      ok: load.ok,
      failed: load.failed,
      event: pendingEvent,
    };
    pendingEvent = '';
    samples.push(s);
    return s;
  };
  const baseline = sample('baseline');

  const loader = track(spawn(process.execPath, [LOAD, VIP, `${L4_PORT},${L7_PORT}`, String(RATE), String(UDP_PORT)], { stdio: ['ignore', 'pipe', 'inherit'] }));
  let buf = '';
  loader.stdout!.setEncoding('utf8');
  loader.stdout!.on('data', (d: string) => {
    buf += d;
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      try {
        load = JSON.parse(line) as LoadCounts;
      } catch {
        /* a partial line at exit */
      }
    }
  });

  const endMs = minutes * 60_000;
  let nextKill = 30_000;
  let killed = 0;
  const restarts: { at: number; i: number }[] = [];
  let nextSample = sampleS * 1000;
  const reloads = { applied: 0, failed: 0, lines: new Set<string>() };
  let nextReload = reloadS > 0 ? reloadS * 1000 : Infinity;
  for (;;) {
    const now = performance.now() - t0;
    if (now >= endMs) break;
    if (now >= nextKill && nextKill + DOWN_S * 1000 < endMs) {
      const i = killed % 2;
      await killNode(nodes[i]!);
      pendingEvent = `kill ${NODES[i]!.name}`;
      restarts.push({ at: now + DOWN_S * 1000, i });
      killed++;
      nextKill += 60_000;
    }
    for (const r of restarts.splice(0)) {
      if (now >= r.at) {
        nodes[r.i] = startNode(NODES[r.i]!);
        pendingEvent = `restart ${NODES[r.i]!.name}`;
      } else restarts.push(r);
    }
    // Sample before reloading: "real conns" is read from the current balancer, and flows
    // opened before a reload are counted on the balancer that decided them.
    if (now >= nextSample) {
      sample('load');
      nextSample += sampleS * 1000;
    }
    if (now >= nextReload) {
      nextReload += reloadS * 1000;
      const next = compileConfig(config(reloads.applied % 2 === 0 ? 2 : 1), 'soak.conf');
      const r = await rt.reload(next.model);
      if (r.ok && r.applied.failures.length === 0) reloads.applied++;
      else {
        reloads.failed++;
        reloads.lines.add(r.ok ? r.applied.failures.join('; ') : r.message);
      }
    }
    await sleep(100);
  }
  for (const r of restarts) nodes[r.i] = startNode(NODES[r.i]!);

  // Stop the load, let every connection end, then the closing sample.
  const loaderExit = once(loader, 'exit');
  process.kill(loader.pid!, 'SIGTERM');
  await loaderExit;
  await sleep(DRAIN_S * 1000);
  const end = sample('drained');
  await rt.stop();
  for (const n of nodes) if (n.pid !== undefined && n.exitCode === null) process.kill(n.pid, 'SIGTERM');

  if (reloads.failed > 0) console.error(`soak: ${reloads.failed} reload(s) failed: ${[...reloads.lines].join(' | ')}`);
  report(samples, baseline, end, { minutes, sampleS, kills: killed, load, rtListeners: started.listeners.length, reloadS, reloads: reloads.applied, reloadsFailed: reloads.failed, ...(values.note !== undefined ? { note: values.note } : {}) });
}

function report(samples: Sample[], baseline: Sample, end: Sample, run: { minutes: number; sampleS: number; kills: number; load: LoadCounts; rtListeners: number; reloadS: number; reloads: number; reloadsFailed: number; note?: string }): void {
  const loadS = samples.filter((s) => s.phase === 'load');
  // Warm-up (JIT, heap sizing, socket buffers) excluded from the slopes: the first two minutes, or the first half of a short run.
  const warm = Math.min(120, (run.minutes * 60) / 2);
  const steady = loadS.filter((s) => s.tS >= warm);
  const perMin = (f: (s: Sample) => number): number => slope(steady.map((s) => s.tS / 60), steady.map(f));
  const rssSlope = perMin((s) => s.rssMiB);
  const heapSlope = perMin((s) => s.heapMiB);
  // Falling is flat too: only growth under steady load is a leak.
  const rssFlat = rssSlope <= 1;
  const heapFlat = heapSlope <= 0.5;
  // One timer more is the sticky table's sweep, armed while entries live (timeout 1 min, longer than the drain).
  const noLeak = end.sockets <= baseline.sockets && end.timers <= baseline.timers + 1 && end.handles <= baseline.handles + 1 && end.vipActive === 0 && end.realConns === 0;
  const maxRss = Math.max(...loadS.map((s) => s.rssMiB));

  writeFileSync(CHART, soakSvg(samples));

  // A compact table: at most ~24 rows, always keeping the kill/restart rows and the ends.
  const every = Math.max(1, Math.ceil(samples.length / 24));
  const rows = samples.filter((s, i) => i % every === 0 || s.event !== '' || s.phase !== 'load' || i === samples.length - 1);
  const f1 = (x: number): string => x.toFixed(1);
  const table = [
    '| t (s) | phase | RSS MiB | heap MiB | external MiB | handles | sockets | timers | VIP flows | real conns | requests ok | failed | event |',
    '|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|',
    ...rows.map((s) => `| ${s.tS} | ${s.phase} | ${f1(s.rssMiB)} | ${f1(s.heapMiB)} | ${f1(s.externalMiB)} | ${s.handles} | ${s.sockets} | ${s.timers} | ${s.vipActive} | ${s.realConns} | ${s.ok} | ${s.failed} | ${s.event} |`),
  ].join('\n');
  const l = run.load;
  const reloadText =
    run.reloadS > 0
      ? ` Every ${run.reloadS} s the config is hot-reloaded (rserver N2's weight alternates 1 and 2: a new balancer, the sticky table shared): ${run.reloads} reloads applied${run.reloadsFailed > 0 ? `, **${run.reloadsFailed} failed**` : ''}.`
      : ' No hot reloads in this run (`--reload-every S` adds them).';
  const body = `Script: \`bench/soak.ts\` (\`npm run build\`, then \`node dist/bench/soak.js [--minutes N] [--sample S] [--reload-every S]\`; default 10 minutes,
a sample every 5 s, no reloads). This process hosts only the balancer (${run.rtListeners} VIPs: L4 with source sticky, L7 HTTP, UDP
with a ${UDP_IDLE_MS / 1000} s flow idle time; HTTP probes every 2 s, \`failaction purge\`); two \`acesim node\` processes and a
load process (${RATE} GETs/s, a fresh connection each, 40 client addresses; ${RATE / 10} datagrams/s, each a new UDP flow)
run beside it. Every minute from 30 s one node is SIGKILLed and restarted ${DOWN_S} s later (${run.kills} kills in this
run).${reloadText} Each sample follows a forced GC. The slopes use the samples after the first ${warm} s; the handle
comparison is before the load against ${DRAIN_S} s after it stopped. "Sockets" counts TCP and UDP handles,
"VIP flows" the VIPs' open connections and UDP flows, "real conns" the connections and flows the current balancer
counts on its reals (after a reload, those opened before it are counted on the balancer that decided them; samples
are taken before a reload due at the same moment).

Run: ${run.minutes} min. Datagrams: ${l.datagrams ?? 0} sent. Requests: ${l.sent} sent, ${l.ok} ok, ${l.failed} failed (${Object.entries(l.reasons ?? {}).map(([k, v]) => `${v} ${k}`).join(', ') || 'none'}),
${l.skipped} not sent because 64 were in flight already (the load process's cap).${run.note !== undefined ? `\n\nNote: ${run.note}` : ''}

| verdict | figure | |
|---|---|---|
| RSS under load | ${rssSlope >= 0 ? '+' : ''}${rssSlope.toFixed(2)} MiB/min (max ${f1(maxRss)} MiB) | ${rssFlat ? 'flat (≤ 1 MiB/min)' : '**growing**'} |
| heap under load | ${heapSlope >= 0 ? '+' : ''}${heapSlope.toFixed(2)} MiB/min | ${heapFlat ? 'flat (≤ 0.5 MiB/min)' : '**growing**'} |
| handles before → after | ${baseline.handles} → ${end.handles} (TCP and UDP sockets ${baseline.sockets} → ${end.sockets}, timers ${baseline.timers} → ${end.timers}; one more timer is the sticky sweep while entries live) | ${noLeak ? 'no socket or timer leaked' : '**leak?**'} |
| balancer connections after | VIP ${end.vipActive}, reals ${end.realConns} | ${end.vipActive === 0 && end.realConns === 0 ? 'all closed' : '**left open**'} |

![RSS, heap and handles over the soak](soak.svg)

${table}

Machine:

${machineDetails()}`;
  replaceUnderHeading(DOC, 'Soak', body);
  console.log(body);
}

// A soak is long: Ctrl-C must not orphan the nodes and the load process.
process.once('SIGINT', () => {
  stopChildren();
  process.exit(130);
});
runBench('soak', main);
