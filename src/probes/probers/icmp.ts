// ICMP probe through the system `ping` (raw ICMP sockets need privileges Node does
// not have), behind an injected PingRunner so tests and the simulator fake it.
// The injected Clock bounds the attempt at `receive`; a missing ping is NOT_PERMITTED.
import { execFile } from 'node:child_process';
import { Deadline, result } from './common.js';
import type { TypeProber } from './common.js';

export type PingOutcome =
  | { kind: 'reply' }
  | { kind: 'timeout' }
  | { kind: 'unreachable'; detail: string }
  | { kind: 'not-permitted'; detail: string }
  | { kind: 'error'; detail: string };

export interface PingRunner {
  ping(address: string, timeoutMs: number, signal: AbortSignal): Promise<PingOutcome>;
}

/** `ping -n -c 1 -W S ADDRESS` (iputils / busybox syntax). */
export const systemPingRunner: PingRunner = {
  ping(address, timeoutMs, signal) {
    const waitS = String(Math.max(1, Math.ceil(timeoutMs / 1000)));
    const args = address.includes(':') ? ['-6', '-n', '-c', '1', '-W', waitS, address] : ['-n', '-c', '1', '-W', waitS, address];
    return new Promise<PingOutcome>((resolve) => {
      execFile('ping', args, { signal, encoding: 'utf8' }, (err, stdout, stderr) => {
        if (!err) return resolve({ kind: 'reply' });
        const e = err as { code?: string | number; name?: string; message?: string };
        if (e.code === 'ENOENT') return resolve({ kind: 'not-permitted', detail: 'ping is not installed (install iputils-ping) — ICMP probes cannot run' });
        if (e.code === 'ABORT_ERR' || e.name === 'AbortError') return resolve({ kind: 'timeout' });
        const out = `${stdout}\n${stderr}`;
        if (/operation not permitted|permission denied/i.test(out)) return resolve({ kind: 'not-permitted', detail: `ping not permitted: ${out.trim().split('\n')[0] ?? ''}` });
        if (/unreachable/i.test(out)) return resolve({ kind: 'unreachable', detail: out.trim().split('\n').find((l) => /unreachable/i.test(l)) ?? 'ICMP unreachable' });
        if (e.code === 1) return resolve({ kind: 'timeout' });
        return resolve({ kind: 'error', detail: out.trim().split('\n')[0] ?? String(e.message) });
      });
    });
  },
};

export function makeIcmpProber(runner: PingRunner): TypeProber {
  return async (ctx, inst, signal) => {
    const { clock } = ctx;
    const start = clock.monotonicNow();
    const p = inst.probe;
    const deadline = new Deadline(clock, p.receiveMs, signal);
    try {
      const out = await Promise.race([
        runner.ping(inst.key.address, p.receiveMs, deadline.signal),
        new Promise<PingOutcome>((resolve) => deadline.signal.addEventListener('abort', () => resolve({ kind: 'timeout' }))),
      ]);
      if (deadline.signal.aborted && !deadline.expired) return result(clock, start, false, 'INTERNAL_ERROR', 'aborted');
      switch (out.kind) {
        case 'reply':
          return result(clock, start, true, 'OK');
        case 'timeout':
          return result(clock, start, false, 'ICMP_TIMEOUT', `no echo reply within ${p.receiveMs} ms`);
        case 'unreachable':
          return result(clock, start, false, 'ICMP_UNREACHABLE', out.detail);
        case 'not-permitted':
          return result(clock, start, false, 'NOT_PERMITTED', out.detail);
        case 'error':
          return result(clock, start, false, 'INTERNAL_ERROR', out.detail);
      }
    } finally {
      deadline.clear();
    }
  };
}
