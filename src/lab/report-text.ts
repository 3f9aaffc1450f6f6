// Console and JSON forms of lab results. Pure. Times are config time (ms in
// JSON, seconds with one decimal in the table).
import type { LabRunResult } from './lab-run.js';

const sec = (ms: number | null | undefined): string => (ms === null || ms === undefined ? '—' : `${(ms / 1000).toFixed(1)} s`);
const pad = (s: string, n: number): string => (s.length >= n ? s : s + ' '.repeat(n - s.length));

export function timingTable(runs: readonly LabRunResult[]): string {
  const rows: string[][] = [['run', 'measurement', 'measured', 'predicted / bound', 'tolerance', 'verdict']];
  runs.forEach((r, i) => {
    const m = r.metrics;
    const checked = new Map(r.checks.filter((c) => !c.name.startsWith('expect.')).map((c) => [c.name, c]));
    const line = (name: string, v: string, key?: string): void => {
      const c = key ? checked.get(key) : undefined;
      rows.push([String(i + 1), name, v, c ? `${sec(c.window[0])} – ${sec(c.window[1])}` : '', c ? `±${sec(c.tolerance)}` : '', c ? (c.ok ? 'ok' : 'OUTSIDE') : '']);
    };
    line('detection', sec(m.detectionMs), 'detection');
    for (const [farm, ms] of Object.entries(m.detectionByFarmMs)) line(`  in ${farm}`, sec(ms));
    line('failover', sec(m.failoverMs));
    line('recovery', sec(m.recoveryMs), 'recovery');
    line('failback', sec(m.failbackMs));
    line('requests lost', `${m.lostRequests}/${m.requests}`);
    line('traps lost', `${m.lostTraps}/${m.traps}`);
    line('sticky moves', String(m.stickyMoves));
    line('source mismatches', String(m.sourceMismatches));
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
    notes: string[];
  }[];
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
        notes: r.notes,
      };
    }),
  };
}
