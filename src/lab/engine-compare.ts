// Fidelity: the same scenario measured with acesim and with HAProxy as the
// VIP, side by side, and whether they agree within a bound derived from the
// probe settings. Detection in each engine lands in a window one `inter`
// wide ([(fall−1)·inter, fall·inter] + the failing attempt) whose position
// depends on where the fault falls in the check cycle; the two engines' cycles
// have independent phases, so they can differ by up to one inter, plus
// real-time scheduling slack on both sides (the lab's 200 ms × time scale).
// Failover (HTTP/HTTPS clients only: HAProxy carries no traps) adds each
// client's wait for its next request (the fleet sends periodically), so its
// bound adds the longest request period.
// Recovery is shown, not bounded: the export warns that HAProxy probes a
// recovering server at inter, not passdetect interval. Pure; config-time ms.
import type { ContextModel } from '../config/model.js';
import { haproxyProbeFor } from '../export/haproxy-backend.js';
import type { LabRunResult } from './lab-run.js';
import { faultTimings, type RunEvent } from './measure.js';
import type { Scenario } from './scenario.js';

export interface EngineRow {
  measurement: string;
  acesimMs: number | null;
  haproxyMs: number | null;
  /** undefined: shown, not checked. */
  boundMs?: number;
  ok?: boolean;
}

/** Scheduling slack per engine (config ms), as the lab's tolerance uses. */
export const slackMs = (timeScale: number): number => 200 * timeScale;

/** The agreement bound for detection in one farm: the inter of the probe HAProxy runs there, plus slack for both engines. */
export function detectionBoundMs(ctx: ContextModel, farm: string, timeScale: number): number | undefined {
  const f = ctx.serverfarms.find((s) => s.name === farm);
  const p = f ? haproxyProbeFor(ctx, f) : undefined;
  return p ? p.intervalMs + 2 * slackMs(timeScale) : undefined;
}

export function compareEngines(ctx: ContextModel, scenario: Scenario, timeScale: number, acesim: LabRunResult, haproxy: LabRunResult): EngineRow[] {
  const rows: EngineRow[] = [];
  const a = acesim.metrics;
  const h = haproxy.metrics;
  const check = (measurement: string, x: number | null, y: number | null, bound: number | undefined): void => {
    const row: EngineRow = { measurement, acesimMs: x, haproxyMs: y };
    if (bound !== undefined) {
      row.boundMs = bound;
      row.ok = x !== null && y !== null && Math.abs(x - y) <= bound;
    }
    rows.push(row);
  };
  // Farms both engines ran (HAProxy has no UDP VIPs): detection over those.
  const common = Object.keys(h.detectionByFarmMs).filter((f) => f in a.detectionByFarmMs);
  const bounds = common.map((f) => detectionBoundMs(ctx, f, timeScale) ?? 0);
  const maxOf = (m: Record<string, number>): number | null => (common.length ? Math.max(...common.map((f) => m[f]!)) : null);
  const detBound = bounds.length ? Math.max(...bounds) : undefined;
  check(`detection (${common.join(', ') || 'no common farm'})`, maxOf(a.detectionByFarmMs), maxOf(h.detectionByFarmMs), detBound);
  common.forEach((f, i) => check(`  in ${f}`, a.detectionByFarmMs[f]!, h.detectionByFarmMs[f]!, bounds[i]));
  const t = scenario.traffic;
  const periods = [t.httpPerClientPerS, t.httpsPerClientPerS].filter((r) => r > 0).map((r) => 1000 / r);
  check('failover (HTTP/HTTPS clients)', tcpFailoverMs(acesim), tcpFailoverMs(haproxy), detBound !== undefined ? detBound + Math.max(0, ...periods) : undefined);
  check('recovery (not bounded: see docs/export.md)', a.recoveryMs, h.recoveryMs, undefined);
  check('failback', a.failbackMs, h.failbackMs, undefined);
  rows.push({ measurement: `requests lost: acesim ${a.lostRequests}/${a.requests}, haproxy ${h.lostRequests}/${h.requests}`, acesimMs: null, haproxyMs: null });
  return rows;
}

/** Failover of the TCP clients only: HAProxy carries no traps, so acesim's trap clients would skew it. */
export function tcpFailoverMs(r: LabRunResult): number | null {
  const events = r.events.filter((e) => !(e.type === 'request' && e.kind === 'trap'));
  const fault = events.find((e): e is Extract<RunEvent, { type: 'fault' }> => e.type === 'fault' && e.fault !== 'recover');
  return fault ? faultTimings(events, fault, []).failoverMs : null;
}

const sec = (ms: number | null | undefined): string => (ms === null || ms === undefined ? '—' : `${(ms / 1000).toFixed(1)} s`);

export function engineTable(rows: readonly EngineRow[]): string {
  const cells = [['measurement', 'acesim', 'haproxy', 'difference', 'bound', 'verdict']];
  for (const r of rows) {
    if (r.acesimMs === null && r.haproxyMs === null && r.boundMs === undefined) {
      cells.push([r.measurement, '', '', '', '', '']);
      continue;
    }
    const diff = r.acesimMs !== null && r.haproxyMs !== null ? sec(Math.abs(r.acesimMs - r.haproxyMs)) : '—';
    cells.push([r.measurement, sec(r.acesimMs), sec(r.haproxyMs), diff, r.boundMs !== undefined ? `≤ ${sec(r.boundMs)}` : '', r.ok === undefined ? '' : r.ok ? 'agree' : 'DIFFER']);
  }
  const w = cells[0]!.map((_, k) => Math.max(...cells.map((c) => c[k]!.length)));
  return cells.map((c) => c.map((x, k) => x.padEnd(w[k]!)).join('  ').trimEnd()).join('\n');
}
