// Console and JSON forms of lab results. Pure. Times are config time (ms in
// JSON, seconds with one decimal in the table).
import type { PairMetrics } from './pair-measure.js';
import type { FalseFailure, LabFaultResult, LabRunResult, ProbeStats } from './lab-run.js';
import { LATE_START_MS } from '../probes/start-lag.js';

const sec = (ms: number | null | undefined): string => (ms === null || ms === undefined ? '—' : `${(ms / 1000).toFixed(1)} s`);
const pad = (s: string, n: number): string => (s.length >= n ? s : s + ' '.repeat(n - s.length));

export function timingTable(runs: readonly LabRunResult[]): string {
  const rows: string[][] = [['run', 'measurement', 'measured', 'predicted / bound', 'tolerance', 'verdict']];
  runs.forEach((r, i) => {
    const m = r.metrics;
    const line = (name: string, v: string): void => void rows.push([String(i + 1), name, v, '', '', '']);
    const timed = (f: LabFaultResult, prefix: string): void => {
      const fc = new Map(f.checks.map((c) => [c.name, c]));
      const row = (name: string, v: number | null, key?: string): void => {
        const c = key ? fc.get(key) : undefined;
        rows.push([String(i + 1), `${prefix}${name}`, sec(v), c ? `${sec(c.window[0])} – ${sec(c.window[1])}` : '', c ? `±${sec(c.tolerance)}` : '', c ? (c.ok ? 'ok' : 'OUTSIDE') : '']);
      };
      row('detection', f.detectionMs, 'detection');
      for (const [farm, ms] of Object.entries(f.detectionByFarmMs)) row(`  in ${farm}`, ms);
      row('failover', f.failoverMs);
      row('recovery', f.recoveryMs, 'recovery');
      row('failback', f.failbackMs);
      rows.push([String(i + 1), `${prefix}lost in its window`, `${f.lostRequests} requests, ${f.lostTraps} traps`, '', '', '']);
    };
    // One fault: its rows are the run's (the table issue 6 specified); several: one block each.
    r.faults.forEach((f, k) => {
      if (r.faults.length > 1) rows.push([String(i + 1), `fault ${k + 1}: ${f.fault} ${f.node} at ${sec(f.atMs)}${f.recoverAtMs !== null ? `, recover at ${sec(f.recoverAtMs)}` : ''}`, '', '', '', '']);
      timed(f, r.faults.length > 1 ? '  ' : '');
    });
    line('requests lost', `${m.lostRequests}/${m.requests}`);
    const causes = Object.entries(r.lostByCause);
    if (causes.length > 0) line('  how they failed', causes.map(([c, n]) => `${c} ${n}`).join(', '));
    line('traps lost', `${m.lostTraps}/${m.traps}`);
    line('sticky moves', String(m.stickyMoves));
    line('source mismatches', String(m.sourceMismatches));
    const pr = r.probes;
    rows.push([String(i + 1), 'probe attempts failed (no fault)', `${pr.failed}/${pr.attempts}`, '', '', '']);
    if (pr.worstStartLagMs !== undefined) rows.push([String(i + 1), 'worst probe start lag', sec(pr.worstStartLagMs), `< ${sec(LATE_START_MS)}`, '', pr.worstStartLagMs < LATE_START_MS ? 'ok' : 'LATE']);
    rows.push([String(i + 1), 'false FAILED verdicts', String(r.falseFailures.length), '0', '', r.falseFailures.length === 0 ? 'ok' : 'FALSE FAILURES']);
    for (const c of r.checks.filter((x) => x.name.startsWith('expect.'))) {
      const isTime = c.name === 'expect.maxDetection' || c.name === 'expect.maxFailover';
      rows.push([String(i + 1), c.name, isTime ? sec(c.measured) : String(c.measured ?? '—'), `≤ ${isTime ? sec(c.window[1]) : c.window[1]}`, '', c.ok ? 'ok' : 'FAILED']);
    }
  });
  const widths = rows[0]!.map((_, k) => Math.max(...rows.map((r) => r[k]!.length)));
  return rows.map((r) => r.map((c, k) => pad(c, widths[k]!)).join('  ').trimEnd()).join('\n');
}

export interface LabJson {
  scenario: string;
  timeScale: number;
  runs: {
    metrics: Pick<LabRunResult['metrics'], 'detectionMs' | 'failoverMs' | 'recoveryMs' | 'failbackMs' | 'requests' | 'lostRequests' | 'traps' | 'lostTraps' | 'stickyMoves' | 'sourceMismatches'> & { detectionByFarmMs: Record<string, number> };
    predicted: { detectionMs?: [number, number]; recoveryMs?: [number, number] };
    checks: LabRunResult['checks'];
    /** Every fault of the timeline with its own timings, losses, prediction and checks. */
    faults: LabFaultResult[];
    probes: ProbeStats;
    /** Failed client requests by cause: refused, reset, timeout, HTTP nnn, tls, or an error code. */
    lostByCause: Record<string, number>;
    falseFailures: FalseFailure[];
    notes: string[];
    pair?: PairMetrics;
  }[];
}

/** The FT-pair figures of each run: one row per balancer fault. */
export function pairTable(runs: readonly LabRunResult[]): string | undefined {
  if (!runs.some((r) => r.pair)) return undefined;
  const sec = (ms: number | null): string => (ms === null ? '—' : `${(ms / 1000).toFixed(2)} s`);
  const rows: string[][] = [['run', 'balancer fault', 'at', 'other member ACTIVE', 'VIP served', 'requests lost', 'traps lost', 'client×VIP kept its node']];
  runs.forEach((r, i) => {
    for (const f of r.pair?.faults ?? []) rows.push([String(i + 1), f.kind, sec(f.atMs), sec(f.takeoverMs), sec(f.vipGapMs), `${f.lostRequests} of ${f.requests}`, `${f.lostTraps} of ${f.traps}`, `${f.stickyKept} of ${f.stickyClients}`]);
    if (r.pair) rows.push([String(i + 1), 'duplicate-active time', '', sec(r.pair.duplicateActiveMs), '', '', '', '']);
  });
  const widths = rows[0]!.map((_, k) => Math.max(...rows.map((x) => x[k]!.length)));
  return rows.map((x) => x.map((c, k) => c.padEnd(widths[k]!)).join('  ').trimEnd()).join('\n');
}

export function labJson(scenario: string, timeScale: number, runs: readonly LabRunResult[]): LabJson {
  return {
    scenario,
    timeScale,
    runs: runs.map((r) => {
      const m = r.metrics;
      return {
        metrics: { detectionMs: m.detectionMs, failoverMs: m.failoverMs, recoveryMs: m.recoveryMs, failbackMs: m.failbackMs, requests: m.requests, lostRequests: m.lostRequests, traps: m.traps, lostTraps: m.lostTraps, stickyMoves: m.stickyMoves, sourceMismatches: m.sourceMismatches, detectionByFarmMs: m.detectionByFarmMs },
        predicted: { ...(r.predicted.detectionMs ? { detectionMs: r.predicted.detectionMs } : {}), ...(r.predicted.recoveryMs ? { recoveryMs: r.predicted.recoveryMs } : {}) },
        checks: r.checks,
        faults: r.faults,
        probes: r.probes,
        lostByCause: r.lostByCause,
        falseFailures: r.falseFailures,
        notes: r.notes,
        ...(r.pair ? { pair: r.pair } : {}),
      };
    }),
  };
}
