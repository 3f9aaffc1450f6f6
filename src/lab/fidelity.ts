// The fidelity experiment: one scenario run twice, with acesim and then with
// HAProxy (the exported config) as the VIP, on the same nodes' addresses, and
// the two measured side by side (engine-compare.ts). Runs one after the other,
// never together: both engines bind the same VIP addresses and ports.
// Timebase: the injected Clock; results in config time.
import { pickContext } from '../runtime/vip-plan.js';
import { compareEngines, type EngineRow } from './engine-compare.js';
import { haproxyAvailable } from './engine-haproxy.js';
import { runLab, type LabRunOptions, type LabRunResult } from './lab-run.js';

export type FidelityOutcome = { ok: true; acesim: LabRunResult; haproxy: LabRunResult; rows: EngineRow[] } | { ok: false; message: string };

export async function runFidelity(o: Omit<LabRunOptions, 'engine'>, onEngine?: (engine: 'acesim' | 'haproxy') => void): Promise<FidelityOutcome> {
  if (!(await haproxyAvailable())) return { ok: false, message: 'haproxy is not installed (Debian: apt-get install haproxy); --engine haproxy needs it' };
  const ctx = pickContext(o.model.contexts);
  if (!ctx) return { ok: false, message: 'the config applies no VIP' };
  onEngine?.('acesim');
  const a = await runLab({ ...o, engine: 'acesim' });
  if (!a.ok) return a;
  onEngine?.('haproxy');
  const h = await runLab({ ...o, engine: 'haproxy' });
  if (!h.ok) return { ok: false, message: `haproxy engine: ${h.message}` };
  return { ok: true, acesim: a.result, haproxy: h.result, rows: compareEngines(ctx, o.scenario, o.timeScale, a.result, h.result) };
}
