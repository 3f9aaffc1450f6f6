// The simulated network of `acesim simulate`: each node address has a
// condition (up, crash, hang, blackhole, slow, http-error) set by the
// scenario's timeline; probe attempts and client requests resolve from it on
// the injected (virtual) clock, with no sockets. Implements the probe
// engine's Prober port, so the real engine runs unchanged.
import type { Clock } from '../core/clock.js';
import type { ProbeOptions } from '../probes/options.js';
import type { ProbeInstance, ProbeResult, Prober } from '../probes/types.js';

export type NodeCondition =
  | { kind: 'up' }
  | { kind: 'crash' }
  | { kind: 'hang' }
  | { kind: 'blackhole' }
  | { kind: 'slow'; ms: number }
  | { kind: 'http-error'; status: number };

export type RequestOutcome = 'ok' | 'refused' | 'timeout' | 'error';

const UP: NodeCondition = { kind: 'up' };
const ABORTED: ProbeResult = { ok: false, cause: 'INTERNAL_ERROR', latencyMs: 0, detail: 'aborted' };
const TCP_PROBES = new Set(['tcp', 'echo-tcp', 'finger', 'http', 'https', 'ftp', 'smtp', 'telnet', 'imap', 'pop', 'rtsp', 'sip-tcp']);
/** Client-side patience for a request to a slow node (a browser or SNMP agent gives up eventually). */
export const CLIENT_TIMEOUT_MS = 30_000;

export class SimNetwork implements Prober {
  private readonly conditions = new Map<string, NodeCondition>();
  /** Addresses whose probe attempts never answer again (see silence). */
  private readonly silenced = new Set<string>();

  constructor(
    private readonly clock: Clock,
    private readonly options: Pick<ProbeOptions, 'httpRequiresExpectStatus'>,
    /** One-way network latency on the simulated LAN. */
    private readonly latencyMs = 1,
    /** Called after a probe result is resolved (the simulator flushes promise jobs only then). */
    private readonly onResolve: () => void = () => {},
  ) {}

  set(address: string, c: NodeCondition): void {
    if (c.kind === 'up') this.conditions.delete(address);
    else this.conditions.set(address, c);
  }

  condition(address: string): NodeCondition {
    return this.conditions.get(address) ?? UP;
  }

  /** The result one probe attempt would get from the node now, and how long it takes. */
  attempt(inst: ProbeInstance): { afterMs: number; result: ProbeResult } {
    const p = inst.probe;
    const c = this.condition(inst.key.address);
    const rtt = 2 * this.latencyMs;
    const tcp = TCP_PROBES.has(p.type);
    const http = p.type === 'http' || p.type === 'https';
    const fail = (cause: ProbeResult['cause'], afterMs: number, status?: number) => ({ afterMs, result: status === undefined ? { ok: false, cause, latencyMs: afterMs } : { ok: false, cause, latencyMs: afterMs, status } });
    switch (c.kind) {
      case 'crash':
        return fail(tcp ? 'L4_REFUSED' : p.type === 'icmp' ? 'ICMP_UNREACHABLE' : 'ICMP_UNREACHABLE', rtt);
      case 'blackhole':
        return fail(tcp ? 'L4_OPEN_TIMEOUT' : p.type === 'icmp' ? 'ICMP_TIMEOUT' : 'L7_RECEIVE_TIMEOUT', tcp ? p.openMs : p.receiveMs);
      case 'hang':
        return fail('L7_RECEIVE_TIMEOUT', p.receiveMs);
      case 'slow':
        if (c.ms >= p.receiveMs) return fail('L7_RECEIVE_TIMEOUT', p.receiveMs);
        return this.answer(p, 200, rtt + c.ms);
      case 'http-error':
        return http ? this.answer(p, c.status, rtt) : { afterMs: rtt, result: { ok: true, cause: 'OK', latencyMs: rtt } };
      case 'up':
        return http ? this.answer(p, 200, rtt) : { afterMs: rtt, result: { ok: true, cause: 'OK', latencyMs: rtt } };
    }
  }

  private answer(p: ProbeInstance['probe'], status: number, afterMs: number): { afterMs: number; result: ProbeResult } {
    const http = p.type === 'http' || p.type === 'https';
    const ok = !http || (p.expectStatus.length === 0 ? !this.options.httpRequiresExpectStatus : p.expectStatus.some((r) => r.min <= status && status <= r.max));
    return { afterMs, result: ok ? { ok: true, cause: 'OK', latencyMs: afterMs, status } : { ok: false, cause: 'L7_BAD_STATUS', latencyMs: afterMs, status } };
  }

  /**
   * From now on no probe attempt to this address answers, the ones under way
   * included: to the engine and everything after it, as if it had been stopped.
   * The simulator does this once a node's probes can no longer change state.
   */
  silence(address: string): void {
    this.silenced.add(address);
  }

  probe(inst: ProbeInstance, signal?: AbortSignal): Promise<ProbeResult> {
    // A fresh promise each time: reactions on one shared pending promise would pile up.
    if (this.silenced.has(inst.key.address)) return new Promise<ProbeResult>(() => {});
    const { afterMs, result } = this.attempt(inst);
    return new Promise((resolve) => {
      // No abort listener: in virtual time nothing is held open, and the engine drops the
      // result of an attempt it aborted (generation check). Listener bookkeeping was a
      // tenth of a simulated run.
      this.clock.setTimer(afterMs, () => {
        if (this.silenced.has(inst.key.address)) return;
        resolve(signal?.aborted ? ABORTED : result);
        this.onResolve();
      });
    });
  }

  /** What a client request to the node experiences (TCP for http/https; a trap is fire-and-forget). */
  request(address: string, kind: 'http' | 'https' | 'trap'): RequestOutcome {
    const c = this.condition(address);
    switch (c.kind) {
      case 'up':
        return 'ok';
      case 'crash':
        // A trap to a crashed node is lost silently (ICMP unreachable goes to the balancer, not the agent).
        return kind === 'trap' ? 'timeout' : 'refused';
      case 'hang':
      case 'blackhole':
        return 'timeout';
      case 'slow':
        return c.ms >= CLIENT_TIMEOUT_MS ? 'timeout' : 'ok';
      case 'http-error':
        return kind === 'trap' ? 'ok' : 'error';
    }
  }
}
