// TCP probe (and the stream half of banner probes): connect within `open`, then
// optionally send `send-data` and wait up to `receive` for `expect regex`. Closes with
// FIN, or RST under `connection term forced`. Timebase: injected Clock.
import type net from 'node:net';
import { closeProbeSocket, compileRegex, Deadline, errorText, openTcp, result } from './common.js';
import type { ProberContext, TypeProber } from './common.js';
import type { ProbeResult } from '../types.js';

export const probeTcp: TypeProber = async (ctx, inst, signal) => {
  const { clock } = ctx;
  const p = inst.probe;
  const start = clock.monotonicNow();
  const opened = await openTcp(ctx, inst.key.address, inst.key.port, p.openMs, start, signal);
  if (!opened.ok) return opened.result;
  const socket = opened.socket;
  try {
    if (p.sendData !== undefined) socket.write(p.sendData);
    if (!p.expectRegex) return result(clock, start, true, 'OK');
    const re = compileRegex(p.expectRegex.regex);
    if (typeof re === 'string') return result(clock, start, false, 'INTERNAL_ERROR', re);
    const offset = p.expectRegex.offset ?? 0;
    return await readUntil(ctx, socket, p.receiveMs, start, signal, (text) => re.test(text.slice(offset)), 'L7_REGEX_MISMATCH', 'regex not found');
  } finally {
    closeProbeSocket(clock, socket, p.connectionTermForced);
  }
};

/**
 * Reads from a connected socket until `done(text)` holds (pass), the peer closes
 * (fail with `mismatch`, or L7_RECEIVE_TIMEOUT when nothing came), or `receiveMs` ends.
 */
export function readUntil(
  ctx: ProberContext,
  socket: net.Socket,
  receiveMs: number,
  start: number,
  signal: AbortSignal | undefined,
  done: (text: string) => boolean,
  mismatch: 'L7_REGEX_MISMATCH' | 'L7_PROTOCOL_ERROR' | 'L7_BAD_STATUS',
  mismatchDetail: string,
  statusOf?: (text: string) => number | undefined,
): Promise<ProbeResult> {
  const { clock } = ctx;
  return new Promise<ProbeResult>((resolve) => {
    let text = '';
    let settled = false;
    const deadline = new Deadline(clock, receiveMs, signal);
    const finish = (r: ProbeResult): void => {
      if (settled) return;
      settled = true;
      deadline.clear();
      socket.removeListener('data', onData);
      socket.removeListener('end', onEnd);
      socket.removeListener('error', onError);
      resolve(r);
    };
    const status = (): number | undefined => statusOf?.(text);
    const onData = (chunk: Buffer): void => {
      text += chunk.toString('latin1');
      if (done(text)) finish(result(clock, start, true, 'OK', undefined, status()));
      else if (text.length > 1 << 20) finish(result(clock, start, false, mismatch, mismatchDetail, status()));
    };
    const onEnd = (): void =>
      finish(text.length === 0 ? result(clock, start, false, 'L4_RESET', 'connection closed by server before reply') : result(clock, start, false, mismatch, mismatchDetail, status()));
    const onError = (err: Error): void => finish(result(clock, start, false, err && (err as { code?: string }).code === 'ECONNRESET' ? 'L4_RESET' : 'L7_PROTOCOL_ERROR', errorText(err)));
    deadline.signal.addEventListener('abort', () => {
      if (!deadline.expired) return finish(result(clock, start, false, 'INTERNAL_ERROR', 'aborted'));
      finish(text.length === 0 ? result(clock, start, false, 'L7_RECEIVE_TIMEOUT', `no reply within ${receiveMs} ms`) : result(clock, start, false, mismatch, mismatchDetail, status()));
    });
    socket.on('data', onData);
    socket.once('end', onEnd);
    socket.once('error', onError);
  });
}
