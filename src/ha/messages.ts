// Wire formats of the FT pair: the UDP heartbeat and the messages of the TCP
// replication channel (one JSON object per line). Decoding is defensive: a
// datagram or line from the network is untrusted input, so anything that does
// not match the shape comes back with the reason (the first field at fault; the
// caller counts and reports it) and never throws. JSON keeps the formats
// readable in a packet capture; at one heartbeat per 100 ms and a few sticky
// updates per request the cost is small.
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
const isBool = (x: unknown): x is boolean => typeof x === 'boolean';

/** What a decoder says of untrusted input: the message, or why it is not one (for the operator's log and the tests). */
export type Decoded<T> = { ok: true; value: T } | { ok: false; reason: string };

const reject = (reason: string): { ok: false; reason: string } => ({ ok: false, reason });

// One field check per row: the first that fails names the field. Strings are
// bounded so a peer cannot make us keep megabytes per sticky entry.
type Check = readonly [field: string, test: (x: unknown) => boolean, want: string];
const int = (field: string, lo: number, hi: number): Check => [field, (x) => isInt(x, lo, hi), `an integer ${lo}-${hi}`];
const str = (field: string, max = 256): Check => [field, (x) => isStr(x, max), `a string of at most ${max} characters`];
const bool = (field: string): Check => [field, isBool, 'true or false'];

function firstFailure(o: Record<string, unknown>, checks: readonly Check[], where = ''): string | undefined {
  for (const [field, test, want] of checks) {
    if (!test(o[field])) return `${where}${field}: expected ${want}, got ${describe(o[field])}`;
  }
  return undefined;
}

/** A short, safe description of a value (never the value itself when it is long). */
function describe(x: unknown): string {
  if (x === undefined) return 'nothing';
  if (x === null) return 'null';
  if (Array.isArray(x)) return `a list of ${x.length}`;
  if (typeof x === 'string') return x.length <= 32 ? JSON.stringify(x) : `a string of ${x.length} characters`;
  if (typeof x === 'number' || typeof x === 'boolean') return String(x);
  return typeof x;
}

function parseJson(text: string): Decoded<Record<string, unknown>> {
  let x: unknown;
  try {
    x = JSON.parse(text);
  } catch {
    return reject('not JSON');
  }
  return isObj(x) ? { ok: true, value: x } : reject(`not a JSON object (${describe(x)})`);
}

export function encodeHeartbeat(h: Heartbeat): Buffer {
  return Buffer.from(JSON.stringify(h));
}

/** A heartbeat is at most a few hundred bytes; anything over 8 KiB is not one. */
export const MAX_HEARTBEAT_BYTES = 8192;

const HEARTBEAT: readonly Check[] = [['v', (x) => x === FT_PROTOCOL_VERSION, `version ${FT_PROTOCOL_VERSION}`], str('from', 64), int('seq', 0, Number.MAX_SAFE_INTEGER), int('intervalMs', 1, 60_000), int('count', 1, 1000), bool('hearing')];
const GROUP: readonly Check[] = [int('id', 1, 255), ['state', (x) => isStr(x, 64) && STATES.has(x), 'an FSM_FT_STATE_* name'], int('configPriority', 0, 255), int('netPriority', 0, 255), bool('preempt'), bool('yielding')];

/** Decodes a heartbeat datagram, or says why it is not one. Never throws. */
export function readHeartbeat(buf: Buffer): Decoded<Heartbeat> {
  if (buf.length > MAX_HEARTBEAT_BYTES) return reject(`${buf.length} bytes, over the ${MAX_HEARTBEAT_BYTES} of a heartbeat`);
  const p = parseJson(buf.toString('utf8'));
  if (!p.ok) return p;
  const x = p.value;
  const bad = firstFailure(x, HEARTBEAT);
  if (bad !== undefined) return reject(bad);
  const gs = x['groups'];
  if (!Array.isArray(gs) || gs.length > 255) return reject(`groups: expected a list of at most 255, got ${describe(gs)}`);
  const groups: PeerGroupView[] = [];
  for (const [i, g] of gs.entries()) {
    if (!isObj(g)) return reject(`groups[${i}]: expected an object, got ${describe(g)}`);
    const badGroup = firstFailure(g, GROUP, `groups[${i}].`);
    if (badGroup !== undefined) return reject(badGroup);
    groups.push({ id: g['id'] as number, state: g['state'] as FtGroupState, configPriority: g['configPriority'] as number, netPriority: g['netPriority'] as number, preempt: g['preempt'] as boolean, yielding: g['yielding'] as boolean });
  }
  return { ok: true, value: { v: FT_PROTOCOL_VERSION, from: x['from'] as string, seq: x['seq'] as number, intervalMs: x['intervalMs'] as number, count: x['count'] as number, hearing: x['hearing'] as boolean, groups } };
}

export function encodeReplication(m: ReplicationMessage): string {
  return `${JSON.stringify(m)}\n`;
}

/** A config pushed by the active; ACE configs of a few thousand lines are well under it. */
export const MAX_CONFIG_TEXT = 4 * 1024 * 1024;
/** The longest replication line: a config push, JSON-escaped (each character at most doubled), with room. */
export const MAX_REPLICATION_LINE = 2 * MAX_CONFIG_TEXT + 1024;

const GROUP_ID = int('group', 1, 255);
const REPLICATION: Record<ReplicationMessage['t'], readonly Check[]> = {
  hello: [int('v', 0, 1000), str('from', 64)],
  config: [GROUP_ID, str('digest', 128)],
  'config-push': [GROUP_ID, str('digest', 128), str('text', MAX_CONFIG_TEXT)],
  'config-ack': [GROUP_ID, bool('ok')],
  'bulk-start': [GROUP_ID],
  'bulk-end': [GROUP_ID, int('entries', 0, Number.MAX_SAFE_INTEGER)],
  sticky: [str('group'), int('hi', 0, 0xffffffff), int('lo', 0, 0xffffffff), str('farm'), str('rserver'), int('port', 0, 65535)],
  'sticky-clear': [['group', (x) => x === undefined || isStr(x), 'nothing or a string of at most 256 characters']],
};

/** Decodes one replication line, or says why it is not a message. Never throws. */
export function readReplication(line: string): Decoded<ReplicationMessage> {
  const p = parseJson(line);
  if (!p.ok) return p;
  const x = p.value;
  const t = x['t'];
  if (typeof t !== 'string' || !Object.hasOwn(REPLICATION, t)) return reject(`t: not a message type (${describe(t)})`);
  const checks = REPLICATION[t as ReplicationMessage['t']];
  const bad = firstFailure(x, checks);
  if (bad !== undefined) return reject(`${t}: ${bad}`);
  // Only the known fields travel on: the rest of the object is the peer's business.
  const m: Record<string, unknown> = { t };
  for (const [field] of checks) if (x[field] !== undefined) m[field] = x[field];
  return { ok: true, value: m as ReplicationMessage };
}

/** Splits a byte stream into lines; a line longer than maxLine is an error (the channel is dropped). */
export class LineSplitter {
  private buf = '';
  constructor(private readonly maxLine = MAX_REPLICATION_LINE) {}

  /** Returns the complete lines, or undefined when a line overflows (complete or not). */
  push(chunk: string): string[] | undefined {
    // A chunk without a newline only grows the pending line: no re-split of what is buffered
    // (a long line in many chunks stays linear).
    if (!chunk.includes('\n')) {
      this.buf += chunk;
      return this.buf.length > this.maxLine ? undefined : [];
    }
    const lines = (this.buf + chunk).split('\n');
    this.buf = lines.pop() ?? '';
    if (this.buf.length > this.maxLine || lines.some((l) => l.length > this.maxLine)) return undefined;
    return lines.filter((l) => l.length > 0);
  }
}
