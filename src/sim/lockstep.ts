// Lockstep analysis (issue 7 part 3): with a hot-standby controller on the
// nodes, the balancer must send traffic only to the node the controller holds
// active. Per run: the windows in which requests were served by another node
// (or while the controller had nobody active); over the runs: their
// distribution; and a short search over the balancer's probe timing and the
// controller's heartbeat/failures for settings that shrink them.
import type { ContextModel } from '../config/model.js';
import type { RunEvent } from '../lab/measure.js';
import { probesOfMember } from '../lab/measure.js';
import type { HotStandbyController, Scenario } from '../lab/scenario.js';
import { attachController, type ControllerChange } from './hot-standby.js';
import { distribution, simulateRuns, type Distribution, type SimRun } from './simulate.js';
import type { Segment } from './traffic.js';
import { applyWhatIfs } from './what-if.js';

export interface MisdirectedWindow {
  fromMs: number;
  toMs: number;
  /** The node the balancer served from, and the controller's active one (null: none active). */
  node: string;
  active: string | null;
  requests: number;
}

export interface RunLockstep {
  windows: MisdirectedWindow[];
  misdirectedRequests: number;
  misdirectedMs: number;
  controller: ControllerChange[];
}

/** Active node at time t (changes at t apply to requests at t: they run after engine events). */
function activeAt(log: readonly ControllerChange[], t: number): string | undefined {
  let a: string | undefined;
  for (const c of log) {
    if (c.atMs > t) break;
    a = c.active;
  }
  return a;
}

/** Windows of one run: requests served by a node other than the active one, merged across gaps up to `gapMs`. */
export function runLockstep(events: readonly RunEvent[], segments: readonly Segment[], log: readonly ControllerChange[], gapMs: number): RunLockstep {
  const items: { from: number; to: number; node: string; active: string | null; n: number }[] = [];
  for (const e of events) {
    if (e.type !== 'request' || !e.ok || e.node === undefined) continue;
    const a = activeAt(log, e.atMs);
    if (a !== e.node) items.push({ from: e.atMs, to: e.atMs, node: e.node, active: a ?? null, n: 1 });
  }
  for (const s of segments) {
    if (!s.ok || s.node === undefined) continue;
    // A segment never spans a controller change (the run wakes every stream then).
    const a = activeAt(log, s.fromMs);
    if (a !== s.node) items.push({ from: s.fromMs, to: s.fromMs + (s.count - 1) * s.stepMs, node: s.node, active: a ?? null, n: s.count });
  }
  items.sort((x, y) => x.from - y.from);
  const windows: MisdirectedWindow[] = [];
  for (const it of items) {
    const w = windows[windows.length - 1];
    if (w && w.node === it.node && w.active === it.active && it.from <= w.toMs + gapMs) {
      w.toMs = Math.max(w.toMs, it.to);
      w.requests += it.n;
    } else windows.push({ fromMs: it.from, toMs: it.to, node: it.node, active: it.active, requests: it.n });
  }
  return {
    windows,
    misdirectedRequests: windows.reduce((a, w) => a + w.requests, 0),
    misdirectedMs: windows.reduce((a, w) => a + (w.toMs - w.fromMs), 0),
    controller: [...log],
  };
}

export interface LockstepSummary {
  controller: Omit<HotStandbyController, 'pos'>;
  runs: number;
  misdirectedMs: Distribution | null;
  misdirectedRequests: { mean: number; max: number };
  /** The windows of the run with the median misdirected time (times from the run's start). */
  exampleWindows: MisdirectedWindow[];
  /** Same phase-randomised runs with changed settings, best first (only ones that beat the current settings). */
  suggestions: Suggestion[];
}

export interface Suggestion {
  side: 'balancer' | 'controller';
  /** `--set` what-ifs for the balancer; scenario `controller:` values for the controller. */
  settings: string[];
  meanMisdirectedRequests: number;
  p90MisdirectedMs: number;
}

export interface LockstepOptions {
  runs: number;
  seed: number;
  /** Runs per candidate in the search (0: no search). */
  searchRuns: number;
}

async function measure(ctx: ContextModel, sc: Scenario, c: HotStandbyController, runs: number, seed: number): Promise<RunLockstep[]> {
  const out: RunLockstep[] = [];
  const gap = gapOf(sc);
  let log: ControllerChange[] = [];
  await simulateRuns(ctx, { ...sc, controller: c }, runs, seed, {
    attach: (run) => {
      log = [];
      attachController(run, c, log, (t) => run.traffic.wakeAll(t));
    },
    onRun: (run: SimRun) => {
      // Report in scenario time: the run's clock includes the fault's phase shift.
      const r = runLockstep(run.events ?? [], run.segments ?? [], log, gap);
      for (const w of r.windows) {
        w.fromMs -= run.phaseMs;
        w.toMs -= run.phaseMs;
      }
      r.controller = r.controller.map((c) => ({ ...c, atMs: Math.max(0, c.atMs - run.phaseMs) }));
      out.push(r);
    },
  });
  return out;
}

/** Requests of one stream are this far apart at most: gaps up to it belong to one window. */
function gapOf(sc: Scenario): number {
  const rates = [sc.traffic.httpPerClientPerS, sc.traffic.httpsPerClientPerS, sc.traffic.trapsPerClientPerS].filter((r) => r > 0);
  return rates.length ? Math.ceil(1000 / Math.min(...rates)) : 1000;
}

const p90 = (v: number[]): number => distribution(v)?.p90 ?? 0;
const mean = (v: number[]): number => v.reduce((a, b) => a + b, 0) / Math.max(1, v.length);

export async function analyzeLockstep(ctx: ContextModel, sc: Scenario, o: LockstepOptions): Promise<LockstepSummary | undefined> {
  const c = sc.controller;
  if (!c) return undefined;
  const base = await measure(ctx, sc, c, o.runs, o.seed);
  const ms = base.map((r) => r.misdirectedMs);
  const sorted = [...base].sort((a, b) => a.misdirectedMs - b.misdirectedMs);
  const { pos: _pos, ...settings } = c;
  const summary: LockstepSummary = {
    controller: settings,
    runs: base.length,
    misdirectedMs: distribution(ms),
    misdirectedRequests: { mean: mean(base.map((r) => r.misdirectedRequests)), max: Math.max(0, ...base.map((r) => r.misdirectedRequests)) },
    exampleWindows: sorted[Math.floor(sorted.length / 2)]?.windows ?? [],
    suggestions: [],
  };
  if (o.searchRuns <= 0) return summary;
  const baseMean = mean(base.map((r) => r.misdirectedRequests));
  const found: Suggestion[] = [];
  // The controller side: heartbeat × failures (timeout and service start as configured).
  for (const hb of [5, 10, 15, 20, 30]) {
    for (const n of [1, 2, 3, 5]) {
      const cc = { ...c, heartbeatMs: hb * 1000, failures: n, failbackSuccesses: c.autoFailback ? n : c.failbackSuccesses };
      const r = await measure(ctx, sc, cc, o.searchRuns, o.seed);
      found.push({ side: 'controller', settings: [`heartbeat: ${hb}s`, `failures: ${n}`], meanMisdirectedRequests: mean(r.map((x) => x.misdirectedRequests)), p90MisdirectedMs: p90(r.map((x) => x.misdirectedMs)) });
    }
  }
  // The balancer side: interval × faildetect of every probe that watches the primary.
  const rs = sc.nodes.find((n) => n.name === c.primary)?.rserver;
  const probes = new Set<string>();
  for (const f of ctx.serverfarms) for (const m of f.members) if (m.rserver.name === rs) for (const p of probesOfMember(ctx, f.name, m.rserver.name)) probes.add(p.name);
  if (probes.size > 0) {
    for (const iv of [5, 10, 15, 30]) {
      for (const fd of [1, 2, 3, 5]) {
        const sets = [...probes].flatMap((p) => [`probe.${p}.interval=${iv}`, `probe.${p}.faildetect=${fd}`]);
        const w = applyWhatIfs(ctx, sets);
        if (!w.ok) continue;
        const r = await measure(w.context, sc, c, o.searchRuns, o.seed);
        found.push({ side: 'balancer', settings: sets, meanMisdirectedRequests: mean(r.map((x) => x.misdirectedRequests)), p90MisdirectedMs: p90(r.map((x) => x.misdirectedMs)) });
      }
    }
  }
  const rank = (a: Suggestion, b: Suggestion) => a.meanMisdirectedRequests - b.meanMisdirectedRequests || a.p90MisdirectedMs - b.p90MisdirectedMs;
  const better = found.filter((s) => s.meanMisdirectedRequests < baseMean).sort(rank);
  summary.suggestions = [...better.filter((s) => s.side === 'controller').slice(0, 3), ...better.filter((s) => s.side === 'balancer').slice(0, 3)];
  return summary;
}

const sec = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

export function lockstepText(l: LockstepSummary): string[] {
  const c = l.controller;
  const out = [
    `lockstep with the hot-standby controller (primary ${c.primary}, standby ${c.standby}; heartbeat ${sec(c.heartbeatMs)}, timeout ${sec(c.timeoutMs)}, ${c.failures} failures, service start ${sec(c.serviceStartMs)}, auto failback ${c.autoFailback ? `after ${c.failbackSuccesses} good polls` : 'off'}):`,
    `  traffic served by a node that is not the controller's active one: ${l.misdirectedMs ? `p50 ${sec(l.misdirectedMs.p50)}, p90 ${sec(l.misdirectedMs.p90)}, max ${sec(l.misdirectedMs.max)} per run` : 'never'}; requests: mean ${l.misdirectedRequests.mean.toFixed(1)}, max ${l.misdirectedRequests.max}`,
  ];
  for (const w of l.exampleWindows) out.push(`  median run: ${sec(w.fromMs)}–${sec(w.toMs)}  served by ${w.node} while ${w.active ?? 'no node'} is active (${w.requests} requests)`);
  if (l.suggestions.length === 0) out.push('  no setting in the search did better than the current ones');
  for (const s of l.suggestions) out.push(`  suggestion (${s.side}): ${s.side === 'balancer' ? s.settings.map((x) => `--set ${x}`).join(' ') : `controller: { ${s.settings.join(', ')} }`} → mean ${s.meanMisdirectedRequests.toFixed(1)} misdirected requests, p90 ${sec(s.p90MisdirectedMs)}`);
  return out;
}
