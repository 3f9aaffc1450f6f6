// Greeting ("banner") probes: smtp, ftp, pop, imap, telnet, finger and echo over TCP.
// Connect within `open`, read the greeting within `receive`, judge it by protocol
// (status ranges for smtp/ftp, +OK / * OK for pop/imap). No login is attempted.
import { closeProbeSocket, openTcp, result, statusInRanges } from './common.js';
import type { TypeProber } from './common.js';
import { readUntil } from './tcp.js';
import type { ProbeType } from '../../config/model.js';

type BannerType = Extract<ProbeType, 'smtp' | 'ftp' | 'pop' | 'imap' | 'telnet' | 'finger' | 'echo-tcp'>;

const LINE_END = /\r?\n/;
const QUIT: Partial<Record<BannerType, string>> = { smtp: 'QUIT\r\n', ftp: 'QUIT\r\n', pop: 'QUIT\r\n', imap: 'a1 LOGOUT\r\n' };

function statusCode(text: string): number | undefined {
  const m = /^(\d{3})[ -]/.exec(text);
  return m ? Number(m[1]) : undefined;
}

export function makeBannerProber(type: BannerType): TypeProber {
  return async (ctx, inst, signal) => {
    const { clock } = ctx;
    const p = inst.probe;
    const start = clock.monotonicNow();
    const opened = await openTcp(ctx, inst.key.address, inst.key.port, p.openMs, start, signal);
    if (!opened.ok) return opened.result;
    const socket = opened.socket;
    const quit: string | undefined = QUIT[type];
    try {
      switch (type) {
        case 'smtp':
        case 'ftp': {
          // Wait for the last line of a (possibly multi-line) reply: "NNN text".
          const complete = (t: string): boolean => t.split(LINE_END).some((l) => /^\d{3} /.test(l));
          const r = await readUntil(ctx, socket, p.receiveMs, start, signal, complete, 'L7_PROTOCOL_ERROR', 'no complete greeting', statusCode);
          if (!r.ok) return r;
          const status = r.status;
          const ranges = p.expectStatus.length > 0 ? p.expectStatus : [{ min: 200, max: 399 }];
          if (status === undefined || !statusInRanges(status, ranges)) return result(clock, start, false, 'L7_BAD_STATUS', `received invalid status code ${status ?? '-'}`, status);
          return r;
        }
        case 'pop':
        case 'imap': {
          const ok = type === 'pop' ? /^\+OK/ : /^\* (OK|PREAUTH)/;
          let greeting = '';
          const r = await readUntil(ctx, socket, p.receiveMs, start, signal, (t) => {
            greeting = t;
            return LINE_END.test(t);
          }, 'L7_PROTOCOL_ERROR', 'no greeting line');
          if (!r.ok) return r;
          if (!ok.test(greeting)) return result(clock, start, false, 'L7_PROTOCOL_ERROR', `unexpected greeting: ${greeting.split(LINE_END)[0]?.slice(0, 80) ?? ''}`);
          return r;
        }
        case 'telnet':
        case 'finger': {
          if (type === 'finger') socket.write(`${p.sendData ?? ''}\r\n`);
          const re = p.expectRegex ? new RegExp(p.expectRegex.regex, 's') : undefined;
          const offset = p.expectRegex?.offset ?? 0;
          return await readUntil(ctx, socket, p.receiveMs, start, signal, (t) => (re ? re.test(t.slice(offset)) : t.length > 0), 'L7_REGEX_MISMATCH', 'regex not found');
        }
        case 'echo-tcp': {
          const data = p.sendData ?? 'acesim echo probe';
          socket.write(data);
          return await readUntil(ctx, socket, p.receiveMs, start, signal, (t) => t.length >= data.length && t.startsWith(data), 'L7_PROTOCOL_ERROR', 'echo reply differs from data sent');
        }
      }
    } finally {
      if (quit !== undefined && !socket.destroyed) socket.write(quit);
      closeProbeSocket(clock, socket, p.connectionTermForced);
    }
  };
}
