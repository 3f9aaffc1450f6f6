// In-memory Prober for virtual-time tests: a script decides, per attempt, how long
// the attempt takes and what it returns; completion rides the injected clock so
// timing is exact. Records every attempt start and the peak concurrency per instance.
import type { Clock } from '../../src/core/clock.js';
import type { ProbeCause, ProbeInstance, ProbeResult, Prober } from '../../src/probes/types.js';

export interface FakeOutcome {
  /** How long the attempt takes (e.g. open or receive timeout for a dead server). */
  delayMs: number;
  ok: boolean;
  cause?: ProbeCause;
  status?: number;
}

export type FakeScript = (inst: ProbeInstance, startMs: number, attempt: number) => FakeOutcome;

export class FakeProber implements Prober {
  readonly starts: { id: string; atMs: number }[] = [];
  readonly maxInFlight = new Map<string, number>();
  private readonly inFlight = new Map<string, number>();
  private readonly attempts = new Map<string, number>();

  constructor(
    private readonly clock: Clock,
    public script: FakeScript,
  ) {}

  probe(inst: ProbeInstance, signal?: AbortSignal): Promise<ProbeResult> {
    const now = this.clock.monotonicNow();
    const n = (this.attempts.get(inst.id) ?? 0) + 1;
    this.attempts.set(inst.id, n);
    this.starts.push({ id: inst.id, atMs: now });
    const cur = (this.inFlight.get(inst.id) ?? 0) + 1;
    this.inFlight.set(inst.id, cur);
    this.maxInFlight.set(inst.id, Math.max(cur, this.maxInFlight.get(inst.id) ?? 0));
    const out = this.script(inst, now, n);
    return new Promise((resolve) => {
      const cancel = this.clock.setTimer(out.delayMs, () => {
        this.inFlight.set(inst.id, (this.inFlight.get(inst.id) ?? 1) - 1);
        const r: ProbeResult = { ok: out.ok, cause: out.ok ? 'OK' : (out.cause ?? 'L4_REFUSED'), latencyMs: out.delayMs };
        if (out.status !== undefined) r.status = out.status;
        resolve(r);
      });
      signal?.addEventListener('abort', () => {
        cancel();
        this.inFlight.set(inst.id, (this.inFlight.get(inst.id) ?? 1) - 1);
        resolve({ ok: false, cause: 'INTERNAL_ERROR', latencyMs: 0, detail: 'aborted' });
      });
    });
  }

  startsOf(id: string): number[] {
    return this.starts.filter((s) => s.id === id).map((s) => s.atMs);
  }
}
