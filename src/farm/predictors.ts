// Predictors (ace-semantics §3.3) behind the small Predictor port: weighted
// smooth round robin (nginx), weighted least connections with an approximate
// slow start, and source/destination address hashing (weighted rendezvous).
// Invariants: pick never returns an ineligible slot and allocates nothing.
// Timebase: PickInput.nowMs (monotonic ms), used only by slow start.
import type { Predictor as PredictorConfig } from '../config/model.js';
import { mix32, parseMask } from '../sticky/ip.js';
import type { PickInput, Predictor, SlotView } from './types.js';

/**
 * Smooth weighted round robin: each pick adds every eligible slot's weight to
 * its running score, takes the highest and subtracts the total from it. The
 * sequence interleaves (5:1:1 gives a a b a c a a) and every window of
 * sum(weights) picks matches the ratios exactly.
 */
export class RoundRobinPredictor implements Predictor {
  readonly name: string;
  private score: Float64Array;

  constructor(slots: number, name = 'ROUNDROBIN') {
    this.name = name;
    this.score = new Float64Array(slots);
  }

  onServerUp(slot: number): void {
    this.score[slot] = 0;
  }

  onServerDown(slot: number): void {
    this.score[slot] = 0;
  }

  pick(view: SlotView, _input: PickInput): number {
    const n = view.count;
    const el = view.eligible;
    const w = view.weight;
    const sc = this.score;
    let total = 0;
    let best = -1;
    let bestScore = -Infinity;
    for (let i = 0; i < n; i++) {
      if (el[i] === 0) continue;
      const s = sc[i]! + w[i]!;
      sc[i] = s;
      total += w[i]!;
      if (s > bestScore) {
        bestScore = s;
        best = i;
      }
    }
    if (best >= 0) sc[best] = bestScore - total;
    return best;
  }
}

/**
 * Fewest current connections relative to weight (current / weight, compared
 * by cross-multiplication). Ties rotate so equal servers share new flows.
 * Slow start is approximated: a slot that became eligible less than
 * slowstartS seconds ago has its weight scaled linearly from 1/weight up to
 * full (ACE's exact ramp is not documented).
 */
export class LeastConnsPredictor implements Predictor {
  readonly name = 'LEASTCONNS';
  private readonly slowstartMs: number;
  private rotor = 0;

  constructor(slowstartS?: number) {
    this.slowstartMs = slowstartS && slowstartS > 0 ? slowstartS * 1000 : 0;
  }

  onServerUp(): void {}
  onServerDown(): void {}

  pick(view: SlotView, input: PickInput): number {
    const n = view.count;
    if (n === 0) return -1;
    const start = this.rotor++ % n;
    let best = -1;
    let bestCur = 0;
    let bestW = 1;
    for (let k = 0; k < n; k++) {
      const i = (start + k) % n;
      if (view.eligible[i] === 0) continue;
      let w = view.weight[i]!;
      if (this.slowstartMs > 0) {
        const age = input.nowMs - view.upSinceMs(i);
        if (age < this.slowstartMs) w = Math.max(w * (age / this.slowstartMs), w / 100, 1e-3);
      }
      const cur = view.current(i);
      if (best < 0 || cur * bestW < bestCur * w) {
        best = i;
        bestCur = cur;
        bestW = w;
      }
    }
    return best;
  }
}

/**
 * `hash address [source|destination] [MASK]`: weighted rendezvous hashing on
 * the masked address. The same key maps to the same slot while the eligible
 * set is unchanged, and when a slot goes away only its keys move.
 */
export class HashAddressPredictor implements Predictor {
  readonly name = 'HASH-ADDRESS';
  private readonly which: 'source' | 'destination' | 'both';
  private readonly mask: number;

  constructor(which: 'source' | 'destination' | 'both', netmask: string) {
    this.which = which;
    this.mask = parseMask(netmask);
  }

  onServerUp(): void {}
  onServerDown(): void {}

  keyOf(src: number, dst: number): number {
    const m = this.mask;
    if (this.which === 'source') return mix32((src & m) >>> 0);
    if (this.which === 'destination') return mix32((dst & m) >>> 0);
    return mix32(mix32((src & m) >>> 0) ^ ((dst & m) >>> 0));
  }

  pick(view: SlotView, input: PickInput): number {
    const key = this.keyOf(input.src, input.dst);
    let best = -1;
    let bestScore = -Infinity;
    for (let i = 0; i < view.count; i++) {
      if (view.eligible[i] === 0) continue;
      const w = view.weight[i]!;
      const u = (mix32(key ^ view.identity[i]!) + 0.5) / 4294967296;
      const score = w / -Math.log(u);
      if (score > bestScore) {
        bestScore = score;
        best = i;
      }
    }
    return best;
  }
}

/** Builds the predictor for a farm; unsimulated methods fall back to round robin (the config layer warns). */
export function createPredictor(config: PredictorConfig, slots: number): Predictor {
  switch (config.kind) {
    case 'roundrobin':
      return new RoundRobinPredictor(slots);
    case 'leastconns':
      return new LeastConnsPredictor(config.slowstartS);
    case 'hash-address':
      return new HashAddressPredictor(config.which, config.netmask);
    case 'unsimulated':
      return new RoundRobinPredictor(slots, 'ROUNDROBIN (fallback)');
  }
}
