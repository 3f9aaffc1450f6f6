// The FT-pair part of a lab run (a scenario with `pair:`): builds the pair
// engine from the config's FT group, schedules the balancer faults of the
// timeline, and turns the members' events and the clients' requests into
// pair metrics (config time). The members load the mapped model, printed to
// a private file (mode 0600, removed with the engine's directory) because
// they run as separate processes.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Model } from '../config/model.js';
import { printAce } from '../config/print-ace.js';
import type { Clock } from '../core/clock.js';
import { DEFAULT_FT_PORT, planFtMember } from '../runtime/ft-member.js';
import { planVipListeners } from '../runtime/vip-plan.js';
import { PairEngine, type BalancerFaultKind, type PairEngineOptions, type PairEvent, type PairRole } from './engine-pair.js';
import { computePairMetrics, type BalancerFaultAt, type PairGroupEvent, type PairMetrics, type PairRequest } from './pair-measure.js';
import type { BalancerTimelineEvent, Scenario } from './scenario.js';
import { toConfigMs, toRealMs } from './time-scale.js';
import { planTrackedHosts, TrackedHostsLab } from './tracked-hosts.js';

/** dist/src/cli/main.js of this package, from the sources (tests) or the build. */
function cliPath(): string {
  const here = fileURLToPath(import.meta.url);
  const root = here.includes('/dist/src/') ? here.slice(0, here.indexOf('/dist/src/')) : here.slice(0, here.lastIndexOf('/src/'));
  return join(root, 'dist/src/cli/main.js');
}

/**
 * A fault as applied. A switchover is timed from the first FT transition it caused (see
 * faultTime), not from the lab's request: in the namespace lab the request comes from a short
 * process started in the member's namespace, and its start-up is the lab's overhead, not the pair's.
 */
export interface PairRunFault extends BalancerFaultAt {
  stepDownOf?: PairRole;
}

export interface PairRun {
  engine: PairEngine;
  /** The hosts the members track (`ft track host`), for the tracked-host faults. */
  tracked: TrackedHostsLab;
  events: PairEvent[];
  faults: PairRunFault[];
  notes: string[];
  cleanup(): void;
}

/** `netns`: the members in network namespaces (netns-lab.ts); the lab's tracked hosts are not reachable there. */
export function createPairRun(model: Model, context: string, scenario: Scenario, timeScale: number, clock: Clock, netns?: PairEngineOptions['netns']): PairRun | string {
  const planned = planFtMember(model, context, 'primary');
  if (!planned.ok) return `${scenario.file}: pair: ${planned.message}`;
  const dir = mkdtempSync(join(tmpdir(), 'acesim-pair-config-'));
  const file = join(dir, 'ace.conf');
  writeFileSync(file, printAce(model, { showSecrets: true }), { mode: 0o600 });
  const ftPort = scenario.pair?.ftPort ?? DEFAULT_FT_PORT;
  const ctx = model.contexts.find((c) => c.name === context);
  const trackPlan = netns ? { hosts: [], notes: planTrackedHosts(model, context).hosts.length > 0 ? ['the netns lab does not stand up the `ft track host` targets: those tracks go down'] : [] } : planTrackedHosts(model, context);
  const notes: string[] = [...trackPlan.notes];
  const tracked = new TrackedHostsLab(trackPlan.hosts);
  if (trackPlan.hosts.length === 0 && scenario.balancerTimeline.some((e) => e.fault === 'tracked-host-down')) notes.push('timeline: tracked-host-down, but the config has no `ft track host` with a tcp or http probe; nothing goes down');
  const engine = new PairEngine({
    clock,
    cli: cliPath(),
    configFile: file,
    maps: [],
    portOffset: 0,
    timeScale,
    ftAddresses: { primary: planned.plan.me, secondary: planned.plan.peer },
    ftPort,
    mgmtPorts: { primary: ftPort + 1, secondary: ftPort + 2 },
    fixtures: tracked,
    // The members plan their listeners with the defaults, as here: start() waits for all of them.
    ...(ctx ? { vipCount: planVipListeners(ctx).listeners.length } : {}),
    ...(netns ? { netns } : {}),
    onOutput: (role, line) => {
      // The config's own diagnostics (`FILE:LINE:COL: warning CODE: …`, printed by every member at start)
      // are the lab's config, already checked here: only what a member says about its run is a note.
      if (/^\S+:\d+:\d+: (warning|note) [A-Z0-9_]+: /.test(line)) return;
      if (/error|cannot|warning/i.test(line)) notes.push(`${role}: ${line}`);
    },
  });
  const events: PairEvent[] = [];
  engine.onEvent((e) => events.push(e));
  return { engine, tracked, events, faults: [], notes, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Schedules the balancer faults; returns the cancels. Fault times are stamped when applied. */
export function schedulePairFaults(run: PairRun, timeline: readonly BalancerTimelineEvent[], timeScale: number, clock: Clock, applied: Promise<void>[]): (() => void)[] {
  return timeline.map((ev) =>
    clock.setTimer(toRealMs(ev.atMs, timeScale), () => {
      if (ev.fault === 'tracked-host-down' || ev.fault === 'tracked-host-up') {
        applied.push(trackedHostFault(run, ev, clock));
        return;
      }
      const kind: BalancerFaultKind = ev.fault === 'kill' ? (ev.target === 'standby' ? 'kill-standby' : 'kill-active') : ev.fault;
      const role = ev.target === 'primary' || ev.target === 'secondary' ? (ev.target as PairRole) : undefined;
      const at = clock.monotonicNow();
      const active = run.engine.activeRole();
      applied.push(
        run.engine.fault(kind, role).then((r) => {
          const label = `${ev.fault}${ev.target ? ` ${ev.target}` : ''}`;
          if (!r.ok) {
            run.notes.push(`timeline: ${label} at ${ev.atMs / 1000} s: ${r.message}`);
            return;
          }
          run.faults.push({ atMs: at, kind: label, ...(kind === 'switchover' && active ? { stepDownOf: active } : {}) });
          // A killed member publishes nothing more: mark its end for the duplicate-active figure.
          if (kind === 'kill-active' || kind === 'kill-standby') {
            const victim = role ?? (kind === 'kill-active' ? active : active === 'primary' ? 'secondary' : 'primary');
            if (victim) run.events.push({ role: victim, atMs: clock.monotonicNow(), type: 'ft.group', to: 'DEAD' });
          }
        }),
      );
    }),
  );
}

/** Takes the hosts a member tracks down (its net priority drops, preemption may move the VIPs), or brings every one back. */
async function trackedHostFault(run: PairRun, ev: BalancerTimelineEvent, clock: Clock): Promise<void> {
  const at = clock.monotonicNow();
  const label = `${ev.fault}${ev.target ? ` ${ev.target}` : ''}`;
  let role: PairRole | undefined;
  if (ev.fault === 'tracked-host-down') {
    const active = run.engine.activeRole();
    role = ev.target === 'primary' || ev.target === 'secondary' ? ev.target : ev.target === 'standby' ? (active === 'primary' ? 'secondary' : active === 'secondary' ? 'primary' : undefined) : active;
    if (!role) {
      run.notes.push(`timeline: ${label} at ${ev.atMs / 1000} s: no ${ev.target ?? 'active'} member`);
      return;
    }
  }
  const n = await run.tracked.set(role, ev.fault === 'tracked-host-down');
  if (n === 0) {
    run.notes.push(`timeline: ${label} at ${ev.atMs / 1000} s: no tracked host ${ev.fault === 'tracked-host-down' ? `of the ${role} went down` : 'was down'}`);
    return;
  }
  run.faults.push({ atMs: at, kind: ev.fault === 'tracked-host-down' ? `${label} (${role})` : label });
}

/**
 * When a fault took effect: a switchover at the first transition it caused — the active member's
 * step-down, or the other's ACTIVE when that is stamped first (two processes stamp their own
 * events, and the hand-over message can beat the step-down's stamp).
 */
function faultTime(run: Pick<PairRun, 'events'>, f: PairRunFault): number {
  if (f.stepDownOf === undefined) return f.atMs;
  let first: number | undefined;
  for (const e of run.events) {
    if (e.type !== 'ft.group' || e.atMs < f.atMs) continue;
    const caused = e.role === f.stepDownOf ? e['from'] === 'FSM_FT_STATE_ACTIVE' : e['to'] === 'FSM_FT_STATE_ACTIVE';
    if (caused && (first === undefined || e.atMs < first)) first = e.atMs;
  }
  return first ?? f.atMs;
}

/**
 * How far apart two members' stamps of one instant can be, in real ms: each process stamps in
 * whole ms on its own clock (mapped to wall time by Clock.wallOf, to ±0.5 ms). A hand-over's two
 * stamps were seen 0.5 ms out of order under CI load; a split brain lasts seconds.
 */
const STAMP_NOISE_REAL_MS = 5;

/** Pair metrics in config time from the run's start t0. */
export function pairMetrics(run: Pick<PairRun, 'events' | 'faults'>, requests: readonly PairRequest[], t0: number, timeScale: number, endRealMs: number): PairMetrics {
  const cfg = (ms: number): number => toConfigMs(ms - t0, timeScale);
  const groupEvents: PairGroupEvent[] = run.events
    .filter((e) => e.type === 'ft.group' || e.type === 'ft.vips')
    .map((e) => ({ atMs: cfg(e.atMs), role: e.role, state: e.type === 'ft.vips' ? (e['serving'] ? 'SERVING' : 'RELEASED') : String(e['to']) }));
  return computePairMetrics(
    groupEvents,
    requests,
    run.faults.map((f) => ({ kind: f.kind, atMs: cfg(faultTime(run, f)) })),
    cfg(endRealMs),
    toConfigMs(STAMP_NOISE_REAL_MS, timeScale),
  );
}
