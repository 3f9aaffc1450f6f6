// Fidelity (issue 7 part 4): the simulator against the lab on one scenario.
// The lab starts its probes with the timeline, so every lab run has the fault
// at phase 0 of the probe cycles; the simulator is run at that same phase
// (clients at random offsets, as in the lab) and the medians of detection and
// failover are compared. Agreement: within 10 % of the lab's median, or within
// the probe timing granularity (ACE probe timers count whole seconds), the
// larger. Timebase: config ms.
import type { Model } from '../config/model.js';
import { RealClock } from '../core/real-clock.js';
import { SeededRng } from '../core/rng.js';
import { runLab } from '../lab/lab-run.js';
import type { Scenario } from '../lab/scenario.js';
import type { TlsIdentity } from '../lab/tls-cert.js';
import { pickContext } from '../runtime/vip-plan.js';
import { compilePlan, distribution, runOnce } from './simulate.js';

export const PROBE_GRANULARITY_MS = 1000;

export interface FidelityRow {
  measure: 'detection' | 'failover';
  labMedianMs: number | null;
  simMedianMs: number | null;
  boundMs: number;
  ok: boolean;
  labRuns: number;
  simRuns: number;
}

export interface FidelityOptions {
  /** The config model after the scenario's map and port offset (the lab binds these addresses). */
  model: Model;
  scenario: Scenario;
  portOffset: number;
  timeScale: number;
  labRuns: number;
  simRuns: number;
  tls?: TlsIdentity;
}

const median = (v: number[]): number | null => distribution(v)?.p50 ?? null;

export async function compareWithLab(o: FidelityOptions): Promise<{ ok: true; rows: FidelityRow[] } | { ok: false; message: string }> {
  const ctx = pickContext(o.model.contexts);
  if (!ctx) return { ok: false, message: 'the config has no in-service VIP' };
  const lab = { detection: [] as number[], failover: [] as number[] };
  for (let i = 0; i < o.labRuns; i++) {
    const out = await runLab({ scenario: o.scenario, model: o.model, portOffset: o.portOffset, timeScale: o.timeScale, clock: new RealClock(), ...(o.tls ? { tls: o.tls } : {}) });
    if (!out.ok) return { ok: false, message: out.message };
    if (out.result.metrics.detectionMs !== null) lab.detection.push(out.result.metrics.detectionMs);
    if (out.result.metrics.failoverMs !== null) lab.failover.push(out.result.metrics.failoverMs);
  }
  // Without a TLS identity the lab sends no HTTPS: nor does the simulation then.
  const sc = o.tls ? o.scenario : { ...o.scenario, traffic: { ...o.scenario.traffic, httpsPerClientPerS: 0 } };
  const plan = compilePlan(ctx, sc);
  const sim = { detection: [] as number[], failover: [] as number[] };
  for (let i = 0; i < o.simRuns; i++) {
    const r = await runOnce(plan, { phaseMs: 0, rng: new SeededRng(i + 1) });
    if (r.metrics.detectionMs !== null) sim.detection.push(r.metrics.detectionMs);
    if (r.metrics.failoverMs !== null) sim.failover.push(r.metrics.failoverMs);
  }
  const rows = (['detection', 'failover'] as const).map((measure): FidelityRow => {
    const l = median(lab[measure]);
    const s = median(sim[measure]);
    const boundMs = Math.max(PROBE_GRANULARITY_MS, l === null ? 0 : Math.round(0.1 * l));
    return { measure, labMedianMs: l, simMedianMs: s, boundMs, ok: l !== null && s !== null && Math.abs(l - s) <= boundMs, labRuns: lab[measure].length, simRuns: sim[measure].length };
  });
  return { ok: true, rows };
}
