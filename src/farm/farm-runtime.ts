// Runtime state of one serverfarm: its members (reals) with conditions,
// counters and probe verdicts, the predictor's slot view, and farm up/down
// with partial-threshold hysteresis. Invariants: slot i belongs to member i;
// a slot is eligible only if it resolves to a real that may take a new flow
// (itself OPERATIONAL with weight > 0, or its backup-rserver OPERATIONAL or
// STANDBY). Timebase: monotonic ms passed in by the balancer.
import type { AdminState, ConnLimit, FarmMember, InbandHealth, Serverfarm } from '../config/model.js';
import type { ProbeHealth } from '../probes/types.js';
import { fnv1a } from '../sticky/ip.js';
import type { FarmState } from './events.js';
import { createPredictor } from './predictors.js';
import { INBAND_IDLE, type InbandState, type RealCondition, tokenOf } from './real-state.js';
import type { Predictor, RealToken, SlotView } from './types.js';

export class MemberRuntime {
  /** Index in the balancer's real table (and the sticky store's real id). */
  realId = -1;
  stickyRealId = -1;
  readonly farm: FarmRuntime;
  readonly index: number;
  readonly rserver: string;
  readonly address: string;
  /** Member port; undefined keeps the VIP port. */
  readonly port: number | undefined;
  readonly weight: number;
  readonly connLimit: ConnLimit | undefined;
  readonly failOnAll: boolean;
  readonly config: FarmMember;
  backupIndex = -1;
  cond: RealCondition;
  token: RealToken;
  stateSinceMs: number;
  readonly probeHealth = new Map<string, ProbeHealth>();
  current = 0;
  total = 0;
  failures = 0;
  inband: InbandState = INBAND_IDLE;
  cancelResume: (() => void) | undefined;

  constructor(
    farm: FarmRuntime,
    index: number,
    config: FarmMember,
    address: string,
    weight: number,
    connLimit: ConnLimit | undefined,
    failOnAll: boolean,
    cond: RealCondition,
    probes: readonly string[],
    nowMs: number,
  ) {
    this.farm = farm;
    this.index = index;
    this.config = config;
    this.rserver = config.rserver.name;
    this.address = address;
    this.port = config.port;
    this.weight = weight;
    this.connLimit = connLimit;
    this.failOnAll = failOnAll;
    this.cond = cond;
    this.token = tokenOf(cond);
    this.stateSinceMs = nowMs;
    for (const p of probes) this.probeHealth.set(p, 'INIT');
  }

  /** Configured standby (either level): such a real only serves as a backup or for sticky hits. */
  get isStandbyAdmin(): boolean {
    return this.cond.globalAdmin === 'standby' || this.cond.memberAdmin === 'standby';
  }

  get displayPort(): number {
    return this.port ?? 0;
  }
}

export function usableAsBackup(t: RealToken): boolean {
  return t === 'OPERATIONAL' || t === 'STANDBY';
}

export class FarmRuntime implements SlotView {
  readonly name: string;
  readonly config: Serverfarm;
  readonly members: MemberRuntime[] = [];
  readonly predictor: Predictor;
  count = 0;
  eligible = new Uint8Array(0);
  weight = new Int32Array(0);
  identity = new Uint32Array(0);
  /** Member index each slot currently resolves to, or -1. */
  target = new Int32Array(0);
  private upSince = new Float64Array(0);
  state: FarmState = 'DOWN';
  failovers = 0;
  backInservice = 0;
  failaction: Serverfarm['failaction'];
  inbandHealth: InbandHealth | undefined;

  constructor(config: Serverfarm) {
    this.name = config.name;
    this.config = config;
    this.failaction = config.failaction;
    this.inbandHealth = config.inbandHealth ? { ...config.inbandHealth } : undefined;
    this.predictor = createPredictor(config.predictor, config.members.length);
  }

  /** Called once after members are added. */
  seal(): void {
    const n = this.members.length;
    this.count = n;
    this.eligible = new Uint8Array(n);
    this.weight = new Int32Array(n);
    this.identity = new Uint32Array(n);
    this.target = new Int32Array(n).fill(-1);
    this.upSince = new Float64Array(n);
    for (const m of this.members) this.identity[m.index] = fnv1a(`${m.rserver}:${m.displayPort}`);
  }

  current(slot: number): number {
    const t = this.target[slot]!;
    return t >= 0 ? this.members[t]!.current : 0;
  }

  upSinceMs(slot: number): number {
    return this.upSince[slot]!;
  }

  /**
   * Re-resolves every slot after a member's token changed and returns the
   * farm's new state. Standby-configured members get no slot of their own.
   */
  recompute(nowMs: number): FarmState {
    for (let i = 0; i < this.count; i++) {
      const m = this.members[i]!;
      let t = -1;
      let w = m.weight;
      if (m.token === 'OPERATIONAL' && m.weight > 0) {
        t = i;
      } else if (m.backupIndex >= 0 && m.backupIndex !== i) {
        // Primary unusable (failed, out of service, at conn-limit, or put in
        // standby): its share goes to its backup-rserver if that can serve. A
        // standby member without a backup gets nothing (only sticky hits).
        const b = this.members[m.backupIndex]!;
        if (usableAsBackup(b.token)) {
          t = b.index;
          if (w <= 0) w = b.weight;
          if (w <= 0) t = -1;
        }
      }
      const was = this.eligible[i]!;
      this.target[i] = t;
      this.weight[i] = w;
      if (t >= 0 && was === 0) {
        this.eligible[i] = 1;
        this.upSince[i] = nowMs;
        this.predictor.onServerUp(i);
      } else if (t < 0 && was === 1) {
        this.eligible[i] = 0;
        this.predictor.onServerDown(i);
      }
    }
    return this.evaluateState();
  }

  private evaluateState(): FarmState {
    let any = false;
    for (let i = 0; i < this.count; i++) if (this.eligible[i] === 1) any = true;
    const pt = this.config.partialThreshold;
    if (!pt || !any) return any ? 'UP' : 'DOWN';
    const pct = this.operationalPct();
    // Hysteresis: down below threshold, back only at back-inservice.
    if (this.state === 'UP') return pct < pt.thresholdPct ? 'DOWN' : 'UP';
    return pct >= pt.backInservicePct ? 'UP' : 'DOWN';
  }

  /** Percentage of non-standby members that are OPERATIONAL (standby members are not counted, §3.2 [U-L]). */
  operationalPct(): number {
    let total = 0;
    let up = 0;
    for (const m of this.members) {
      if (m.isStandbyAdmin) continue;
      total++;
      if (m.token === 'OPERATIONAL') up++;
    }
    return total === 0 ? 0 : (100 * up) / total;
  }

  operationalCount(): number {
    let n = 0;
    for (const m of this.members) if (m.token === 'OPERATIONAL') n++;
    return n;
  }

  findMembers(rserver: string, port: number | undefined): MemberRuntime[] {
    const all = this.members.filter((m) => m.rserver === rserver);
    if (all.length <= 1 || port === undefined) return all;
    const exact = all.filter((m) => m.port === port);
    return exact.length > 0 ? exact : all.filter((m) => m.port === undefined);
  }
}

export type { AdminState };
