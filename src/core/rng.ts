// Randomness as a port: the simulator injects a seeded generator so runs
// repeat exactly; real runs use Math.random through the same interface.

export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
}

const MULBERRY_STEP = 0x6d2b79f5;

/** mulberry32: small, fast, good enough for Monte Carlo phase sampling. */
export class SeededRng implements Rng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /**
   * The generator SeededRng(seed) becomes after `draws` draws, without drawing: the
   * state only advances by a constant, so a Monte Carlo run can start at its own
   * offset of one sequence (on any thread) and still see the numbers a single loop would.
   */
  static after(seed: number, draws: number): SeededRng {
    return new SeededRng(((seed >>> 0) + Math.imul(draws, MULBERRY_STEP)) >>> 0);
  }

  next(): number {
    this.state = (this.state + MULBERRY_STEP) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
}

export const mathRng: Rng = { next: () => Math.random() };

/** Integer in [lo, hi] inclusive. */
export function randInt(rng: Rng, lo: number, hi: number): number {
  return lo + Math.floor(rng.next() * (hi - lo + 1));
}
