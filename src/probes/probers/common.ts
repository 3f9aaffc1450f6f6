// Shared prober plumbing: result builders, OS-error → ProbeCause mapping, the
// TCP open phase bounded by `open`, and deadlines on the injected Clock (never
// library timeouts, whose resolution is too coarse). Timebase: Clock monotonic ms.
import net from 'node:net';
import type { Clock, CancelTimer } from '../../core/clock.js';
import type { ProbeOptions } from '../options.js';
import type { ProbeCause, ProbeInstance, ProbeResult } from '../types.js';
import { signalWatch, type SignalWatch } from './signal-watch.js';

export interface ProberContext {
  clock: Clock;
  options: ProbeOptions;
}

/** One per-type prober: the same contract as Prober, with the context injected. */
export type TypeProber = (ctx: ProberContext, inst: ProbeInstance, signal?: AbortSignal) => Promise<ProbeResult>;

export function result(clock: Clock, startMs: number, ok: boolean, cause: ProbeCause, detail?: string, status?: number): ProbeResult {
  const r: ProbeResult = { ok, cause, latencyMs: Math.max(0, clock.monotonicNow() - startMs) };
  if (detail !== undefined) r.detail = detail;
  if (status !== undefined) r.status = status;
  return r;
}

/** Maps a Node socket error to a cause; `phase` tells an open-phase failure from a later one. */
export function causeOfError(err: unknown, phase: 'open' | 'receive'): ProbeCause {
  const code = (err as { code?: string } | undefined)?.code;
  switch (code) {
    case 'ECONNREFUSED':
      return 'L4_REFUSED';
    case 'ECONNRESET':
    case 'EPIPE':
      return 'L4_RESET';
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'EHOSTDOWN':
    case 'ENETDOWN':
      return 'L4_UNREACHABLE';
    case 'ETIMEDOUT':
      return phase === 'open' ? 'L4_OPEN_TIMEOUT' : 'L7_RECEIVE_TIMEOUT';
    case 'EACCES':
    case 'EPERM':
      return 'NOT_PERMITTED';
    default:
      return phase === 'open' ? 'L4_UNREACHABLE' : 'L7_PROTOCOL_ERROR';
  }
}

export function errorText(err: unknown): string {
  const e = err as { code?: string; message?: string } | undefined;
  return e?.code ? `${e.code}: ${e.message ?? ''}`.trim() : String(e?.message ?? err);
}

/**
 * A deadline on the injected clock that also follows an outer abort signal.
 * Hot-path callers (openTcp, HTTP) register plain callbacks with onAbort(); the
 * AbortController behind `signal` is created only when someone asks for it (at
 * ~8,000 attempts/s an AbortSignal per phase was a measurable share of the CPU).
 */
export class Deadline {
  private ctl: AbortController | undefined;
  private cancel: CancelTimer | undefined;
  private expiredFlag = false;
  private abortedFlag = false;
  private reason: Error | undefined;
  private callbacks: ((reason: Error) => void)[] | undefined;
  /** The outer signal's watch this deadline waits on, while it does. */
  private watch: SignalWatch<Deadline> | undefined;

  constructor(clock: Clock, ms: number, outer?: AbortSignal) {
    // Judged after the ready I/O (Clock.setDeadline): a late thread must not call a completed connect or response a timeout.
    this.cancel = clock.setDeadline(ms, () => this.abort(new Error('deadline'), true));
    if (outer) {
      if (outer.aborted) this.onOuterAbort();
      else (this.watch = signalWatch(outerWatches, outer, abortWaiting)).add(this);
    }
  }

  /** The outer signal aborted (its watch calls this). */
  onOuterAbort(): void {
    this.watch = undefined;
    this.abort(new Error('probe aborted'), false);
  }

  private abort(reason: Error, expired: boolean): void {
    if (this.abortedFlag) return;
    this.abortedFlag = true;
    this.expiredFlag = expired;
    this.reason = reason;
    this.ctl?.abort(reason);
    const cbs = this.callbacks;
    this.callbacks = undefined;
    if (cbs) for (const cb of cbs) cb(reason);
  }

  /** Runs fn once when the deadline expires or the outer signal aborts (at once if that already happened). */
  onAbort(fn: (reason: Error) => void): void {
    if (this.abortedFlag) {
      fn(this.reason!);
      return;
    }
    (this.callbacks ??= []).push(fn);
  }

  /** Drops a callback registered with onAbort (a finished phase). */
  offAbort(fn: (reason: Error) => void): void {
    const cbs = this.callbacks;
    if (!cbs) return;
    const i = cbs.indexOf(fn);
    if (i >= 0) cbs.splice(i, 1);
  }

  get controller(): AbortController {
    if (!this.ctl) {
      this.ctl = new AbortController();
      if (this.abortedFlag) this.ctl.abort(this.reason);
    }
    return this.ctl;
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** True once the deadline expired or the outer signal aborted. */
  get aborted(): boolean {
    return this.abortedFlag;
  }

  /** True when the clock timer (not the outer signal) ended the wait. */
  get expired(): boolean {
    return this.expiredFlag;
  }

  clear(): void {
    this.cancel?.();
    this.cancel = undefined;
    this.callbacks = undefined;
    this.watch?.remove(this);
    this.watch = undefined;
  }
}

/** Deadlines waiting on each outer signal (see SignalWatch). */
const outerWatches = new WeakMap<AbortSignal, SignalWatch<Deadline>>();

const abortWaiting = (waiting: readonly Deadline[]): void => {
  for (const d of waiting) d.onOuterAbort();
};

export type OpenOutcome = { ok: true; socket: net.Socket } | { ok: false; result: ProbeResult };

/**
 * TCP open phase: connect within `openMs` (no SYN-ACK → L4_OPEN_TIMEOUT, RST →
 * L4_REFUSED). The returned socket has no timers attached; the caller owns it.
 */
export function openTcp(ctx: ProberContext, host: string, port: number, openMs: number, startMs: number, signal?: AbortSignal): Promise<OpenOutcome> {
  const { clock } = ctx;
  return new Promise<OpenOutcome>((resolve) => {
    let settled = false;
    const socket = net.connect({ host, port });
    const finish = (o: OpenOutcome): void => {
      if (settled) return;
      settled = true;
      deadline.clear();
      socket.removeListener('connect', onConnect);
      socket.removeListener('error', onError);
      if (!o.ok) socket.destroy();
      resolve(o);
    };
    const onConnect = (): void => finish({ ok: true, socket });
    const onError = (err: Error): void => finish({ ok: false, result: result(clock, startMs, false, causeOfError(err, 'open'), errorText(err)) });
    const deadline = new Deadline(clock, openMs, signal);
    deadline.onAbort(() => {
      finish({
        ok: false,
        result: deadline.expired
          ? result(clock, startMs, false, 'L4_OPEN_TIMEOUT', `no SYN-ACK within ${openMs} ms`)
          : result(clock, startMs, false, 'INTERNAL_ERROR', 'aborted'),
      });
    });
    socket.once('connect', onConnect);
    socket.once('error', onError);
    // Errors after the open phase are the caller's; keep a sink so none is unhandled.
    socket.on('error', () => {});
  });
}

/**
 * Ends a probe connection as the ACE does: FIN by default, RST with
 * `connection term forced`. Unread data would turn a plain close into an RST, so
 * the graceful path drains and lets the peer's FIN (or a short clock guard) finish it
 * — unless the caller read a complete message (`exchangeComplete`), or the peer
 * already ended: then nothing is left to read and closing the descriptor sends the FIN.
 */
export function closeProbeSocket(clock: Clock, socket: net.Socket, forced: boolean, exchangeComplete = false): void {
  if (socket.destroyed) return;
  if (forced) {
    socket.resetAndDestroy();
    return;
  }
  // One close() instead of shutdown + a 1 s guard timer + close: the common case for HTTP
  // (a response read to its end), and at 8,000 attempts/s a visible share of a prober's CPU.
  if ((exchangeComplete || socket.readableEnded) && socket.readableLength === 0 && socket.writableLength === 0) {
    socket.destroy();
    return;
  }
  const guard = clock.setTimer(1_000, () => socket.destroy());
  socket.once('close', guard);
  socket.resume();
  socket.end();
}

/** Compiles an `expect regex`; ACE regexes are close enough to JS for probe use. */
export function compileRegex(src: string): RegExp | string {
  try {
    return new RegExp(src, 's');
  } catch (err) {
    return `invalid expect regex: ${errorText(err)}`;
  }
}

export function statusInRanges(status: number, ranges: readonly { min: number; max: number }[]): boolean {
  return ranges.some((r) => status >= r.min && status <= r.max);
}
