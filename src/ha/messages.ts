// Wire formats of the FT pair: the UDP heartbeat and the messages of the TCP
// replication channel (one JSON object per line). Decoding is defensive: a
// datagram or line from the network is untrusted input, so anything that does
// not match the shape comes back as undefined (the caller counts it) and never
// throws. JSON keeps the formats readable in a packet capture; at one
// heartbeat per 100 ms and a few sticky updates per request the cost is small.
import type { FtGroupState } from './types.js';
import type { PeerGroupView } from './ft-group.js';

export const FT_PROTOCOL_VERSION = 1;

export interface Heartbeat {
  v: number;
  /** The sender's FT address (its identity on the FT VLAN). */
  from: string;
  seq: number;
  intervalMs: number;
  count: number;
  /** Whether the sender currently hears this receiver (unidirectional-loss detection). */
  hearing: boolean;
  groups: PeerGroupView[];
}

export type ReplicationMessage =
  | { t: 'hello'; v: number; from: string }
  /** Active → standby: the running-config digest of the group's contexts. */
  | { t: 'config'; group: number; digest: string }
  /** Active → standby: whether its config matched. */
  | { t: 'config-ack'; group: number; ok: boolean }
  /**
   * Active → standby: the active's config text (`ft auto-sync running-config`,
   * §7.4), sent when the standby's digest differs and after every reload. The
   * standby compiles it with its own address maps and swaps its FT side.
   */
  | { t: 'config-push'; group: number; digest: string; text: string }
  | { t: 'bulk-start'; group: number }
  | { t: 'sticky'; group: string; hi: number; lo: number; farm: string; rserver: string; port: number }
  | { t: 'bulk-end'; group: number; entries: number }
  /** `clear sticky database [GROUP]` on the active. */
  | { t: 'sticky-clear'; group?: string };

const STATES: ReadonlySet<string> = new Set<FtGroupState>([
  'FSM_FT_STATE_INIT',
  'FSM_FT_STATE_ELECT',
  'FSM_FT_STATE_ACTIVE',
  'FSM_FT_STATE_STANDBY_CONFIG',
  'FSM_FT_STATE_STANDBY_BULK',
  'FSM_FT_STATE_STANDBY_HOT',
  'FSM_FT_STATE_STANDBY_COLD',
]);

const isObj = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
const isInt = (x: unknown, lo: number, hi: number): x is number => typeof x === 'number' && Number.isInteger(x) && x >= lo && x <= hi;
const isStr = (x: unknown, max = 256): x is string => typeof x === 'string' && x.length <= max;

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export function encodeHeartbeat(h: Heartbeat): Buffer {
  return Buffer.from(JSON.stringify(h));
}

/** A heartbeat is at most a few hundred bytes; anything over 8 KiB is not one. */
const MAX_HEARTBEAT_BYTES = 8192;

export function decodeHeartbeat(buf: Buffer): Heartbeat | undefined {
  if (buf.length > MAX_HEARTBEAT_BYTES) return undefined;
  const x = parseJson(buf.toString('utf8'));
  if (!isObj(x)) return undefined;
  if (x['v'] !== FT_PROTOCOL_VERSION || !isStr(x['from'], 64) || !isInt(x['seq'], 0, Number.MAX_SAFE_INTEGER)) return undefined;
  if (!isInt(x['intervalMs'], 1, 60_000) || !isInt(x['count'], 1, 1000) || typeof x['hearing'] !== 'boolean') return undefined;
  const gs = x['groups'];
  if (!Array.isArray(gs) || gs.length > 255) return undefined;
  const groups: PeerGroupView[] = [];
  for (const g of gs) {
    if (!isObj(g) || !isInt(g['id'], 1, 255) || !isStr(g['state'], 64) || !STATES.has(g['state'])) return undefined;
    if (!isInt(g['configPriority'], 0, 255) || !isInt(g['netPriority'], 0, 255) || typeof g['preempt'] !== 'boolean' || typeof g['yielding'] !== 'boolean') return undefined;
    groups.push({ id: g['id'], state: g['state'] as FtGroupState, configPriority: g['configPriority'], netPriority: g['netPriority'], preempt: g['preempt'], yielding: g['yielding'] });
  }
  return { v: FT_PROTOCOL_VERSION, from: x['from'], seq: x['seq'], intervalMs: x['intervalMs'], count: x['count'], hearing: x['hearing'], groups };
}

export function encodeReplication(m: ReplicationMessage): string {
  return `${JSON.stringify(m)}\n`;
}

export function decodeReplication(line: string): ReplicationMessage | undefined {
  const x = parseJson(line);
  if (!isObj(x)) return undefined;
  switch (x['t']) {
    case 'hello':
      return isInt(x['v'], 0, 1000) && isStr(x['from'], 64) ? { t: 'hello', v: x['v'], from: x['from'] } : undefined;
    case 'config':
      return isInt(x['group'], 1, 255) && isStr(x['digest'], 128) ? { t: 'config', group: x['group'], digest: x['digest'] } : undefined;
    case 'config-push':
      return isInt(x['group'], 1, 255) && isStr(x['digest'], 128) && isStr(x['text'], MAX_CONFIG_TEXT)
        ? { t: 'config-push', group: x['group'], digest: x['digest'], text: x['text'] }
        : undefined;
    case 'config-ack':
      return isInt(x['group'], 1, 255) && typeof x['ok'] === 'boolean' ? { t: 'config-ack', group: x['group'], ok: x['ok'] } : undefined;
    case 'bulk-start':
      return isInt(x['group'], 1, 255) ? { t: 'bulk-start', group: x['group'] } : undefined;
    case 'bulk-end':
      return isInt(x['group'], 1, 255) && isInt(x['entries'], 0, Number.MAX_SAFE_INTEGER) ? { t: 'bulk-end', group: x['group'], entries: x['entries'] } : undefined;
    case 'sticky':
      return isStr(x['group']) && isInt(x['hi'], 0, 0xffffffff) && isInt(x['lo'], 0, 0xffffffff) && isStr(x['farm']) && isStr(x['rserver']) && isInt(x['port'], 0, 65535)
        ? { t: 'sticky', group: x['group'], hi: x['hi'], lo: x['lo'], farm: x['farm'], rserver: x['rserver'], port: x['port'] }
        : undefined;
    case 'sticky-clear':
      return x['group'] === undefined ? { t: 'sticky-clear' } : isStr(x['group']) ? { t: 'sticky-clear', group: x['group'] } : undefined;
    default:
      return undefined;
  }
}

/** A config pushed by the active; ACE configs of a few thousand lines are well under it. */
export const MAX_CONFIG_TEXT = 4 * 1024 * 1024;
/** The longest replication line: a config push, JSON-escaped (each character at most doubled), with room. */
export const MAX_REPLICATION_LINE = 2 * MAX_CONFIG_TEXT + 1024;

/** Splits a byte stream into lines; a line longer than maxLine is an error (the channel is dropped). */
export class LineSplitter {
  private buf = '';
  constructor(private readonly maxLine = MAX_REPLICATION_LINE) {}

  /** Returns the complete lines, or undefined when a line overflows. */
  push(chunk: string): string[] | undefined {
    this.buf += chunk;
    const lines = this.buf.split('\n');
    this.buf = lines.pop() ?? '';
    if (this.buf.length > this.maxLine) return undefined;
    return lines.filter((l) => l.length > 0);
  }
}
