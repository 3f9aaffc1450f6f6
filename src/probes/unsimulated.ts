// Which probe types acesim runs for real and which it only parses, plus the
// warnings the config layer shows for the latter. Pure; no time involved.
import type { ContextModel, Model, ProbeType, SourcePos } from '../config/model.js';

const UNSIMULATED: ReadonlySet<ProbeType> = new Set<ProbeType>(['radius', 'rtsp', 'scripted', 'sip-tcp', 'sip-udp', 'vm']);

export function isSimulatedProbeType(type: ProbeType): boolean {
  return !UNSIMULATED.has(type);
}

export interface UnsimulatedProbeWarning {
  context: string;
  probe: string;
  type: ProbeType;
  pos: SourcePos;
  message: string;
}

/** One warning per configured probe whose type acesim does not run (its attempts report NOT_SIMULATED). */
export function unsimulatedProbeWarnings(model: Model | ContextModel): UnsimulatedProbeWarning[] {
  const contexts = 'contexts' in model ? model.contexts : [model];
  const out: UnsimulatedProbeWarning[] = [];
  for (const ctx of contexts) {
    for (const p of ctx.probes) {
      if (isSimulatedProbeType(p.type)) continue;
      out.push({
        context: ctx.name,
        probe: p.name,
        type: p.type,
        pos: p.pos,
        message: `probe ${p.type} ${p.name} is not simulated: its attempts report NOT_SIMULATED`,
      });
    }
  }
  return out;
}
