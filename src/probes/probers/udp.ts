// UDP probe (§4.1 [C]): send `send-data` on a connected socket; the attempt fails only
// when ICMP port-unreachable comes back (Linux reports it as ECONNREFUSED on the
// connected socket) or, with `expect regex`, when no matching reply arrives within
// `receive`. Silence passes — UDP cannot tell a lost datagram from a quiet server.
import dgram from 'node:dgram';
import { compileRegex, Deadline, errorText, result } from './common.js';
import type { ProberContext, TypeProber } from './common.js';
import type { ProbeInstance, ProbeResult } from '../types.js';

export const probeUdp: TypeProber = (ctx, inst, signal) => udpExchange(ctx, inst, signal, inst.probe.sendData ?? '', undefined);

/** Echo UDP (§4.1): the reply must equal what was sent. */
export const probeEchoUdp: TypeProber = (ctx, inst, signal) => {
  const data = inst.probe.sendData ?? 'acesim echo probe';
  return udpExchange(ctx, inst, signal, data, (reply) => reply === data);
};

function udpExchange(ctx: ProberContext, inst: ProbeInstance, signal: AbortSignal | undefined, data: string, echoCheck: ((reply: string) => boolean) | undefined): Promise<ProbeResult> {
  const { clock } = ctx;
  const p = inst.probe;
  const start = clock.monotonicNow();
  const family = inst.key.address.includes(':') ? 'udp6' : 'udp4';
  const regex = p.expectRegex ? compileRegex(p.expectRegex.regex) : undefined;
  if (typeof regex === 'string') return Promise.resolve(result(clock, start, false, 'INTERNAL_ERROR', regex));
  const needsReply = regex !== undefined || echoCheck !== undefined;
  return new Promise<ProbeResult>((resolve) => {
    let settled = false;
    let replies = 0;
    const socket = dgram.createSocket(family);
    const deadline = new Deadline(clock, p.receiveMs, signal);
    const finish = (r: ProbeResult): void => {
      if (settled) return;
      settled = true;
      deadline.clear();
      try {
        socket.close();
      } catch {
        // already closed by an error
      }
      resolve(r);
    };
    socket.on('error', (err) => {
      const code = (err as { code?: string }).code;
      if (code === 'ECONNREFUSED') finish(result(clock, start, false, 'ICMP_UNREACHABLE', 'ICMP port unreachable'));
      else if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH') finish(result(clock, start, false, 'ICMP_UNREACHABLE', errorText(err)));
      else finish(result(clock, start, false, 'INTERNAL_ERROR', errorText(err)));
    });
    socket.on('message', (msg) => {
      replies++;
      const text = msg.toString('latin1');
      if (echoCheck) finish(echoCheck(text) ? result(clock, start, true, 'OK') : result(clock, start, false, 'L7_PROTOCOL_ERROR', 'echo reply differs from data sent'));
      else if (regex) {
        if (regex.test(text.slice(p.expectRegex?.offset ?? 0))) finish(result(clock, start, true, 'OK'));
        // A non-matching datagram is not final: another may still match before `receive`.
      } else finish(result(clock, start, true, 'OK'));
    });
    deadline.signal.addEventListener('abort', () => {
      if (!deadline.expired) finish(result(clock, start, false, 'INTERNAL_ERROR', 'aborted'));
      else if (needsReply && replies > 0) finish(result(clock, start, false, 'L7_REGEX_MISMATCH', 'regex not found'));
      else if (needsReply) finish(result(clock, start, false, 'L7_RECEIVE_TIMEOUT', `no reply within ${p.receiveMs} ms`));
      else finish(result(clock, start, true, 'OK', 'no reply and no ICMP unreachable'));
    });
    socket.connect(inst.key.port, inst.key.address, () => {
      socket.send(data, (err) => {
        if (err) finish(result(clock, start, false, (err as { code?: string }).code === 'ECONNREFUSED' ? 'ICMP_UNREACHABLE' : 'INTERNAL_ERROR', errorText(err)));
      });
    });
  });
}
