// Decodes the structure of one SNMP datagram (RFC 1157 v1, RFC 3416 v2c, RFC 3412
// v3 envelope) without copying it: version, PDU kind and the byte offsets the
// relay needs to splice a varbind in. Every TLV must exactly fill its container
// and the message the datagram; anything else is a reason with a byte offset,
// never an exception. Communities are located, never read out. No time.
import { isOidValue, oidToString, readSmallUint, readTlv, type Tlv } from './snmp-ber.js';

export type SnmpVersion = 'v1' | 'v2c' | 'v3';
export type PduKind = 'get' | 'getnext' | 'response' | 'set' | 'trap-v1' | 'getbulk' | 'inform' | 'trap-v2' | 'report';

/** Context-specific constructed tags 0xA0–0xA8, in tag order. */
const PDU_KINDS: readonly PduKind[] = ['get', 'getnext', 'response', 'set', 'trap-v1', 'getbulk', 'inform', 'trap-v2', 'report'];
/** PDUs each community version may carry (v1 has no getbulk/inform/v2 trap/report; v2c no v1 trap). */
const ALLOWED: Record<'v1' | 'v2c', ReadonlySet<PduKind>> = {
  v1: new Set(['get', 'getnext', 'response', 'set', 'trap-v1']),
  v2c: new Set(['get', 'getnext', 'response', 'set', 'getbulk', 'inform', 'trap-v2', 'report']),
};

export const TAG = {
  INTEGER: 0x02,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  SEQUENCE: 0x30,
  IP_ADDRESS: 0x40,
  COUNTER32: 0x41,
  GAUGE32: 0x42,
  TIMETICKS: 0x43,
  OPAQUE: 0x44,
  COUNTER64: 0x46,
  NO_SUCH_OBJECT: 0x80,
  NO_SUCH_INSTANCE: 0x81,
  END_OF_MIB_VIEW: 0x82,
} as const;

/** The SMI value types (RFC 2578 and the v2 exceptions); a varbind holding anything else is malformed. */
const VALUE_TAGS: ReadonlySet<number> = new Set([
  TAG.INTEGER, TAG.OCTET_STRING, TAG.NULL, TAG.OID, TAG.IP_ADDRESS, TAG.COUNTER32, TAG.GAUGE32,
  TAG.TIMETICKS, TAG.OPAQUE, TAG.COUNTER64, TAG.NO_SUCH_OBJECT, TAG.NO_SUCH_INSTANCE, TAG.END_OF_MIB_VIEW,
]);

/** One varbind by position: its SEQUENCE start, its OID value bytes and its value TLV. */
export interface VarbindRef {
  start: number;
  oidStart: number;
  oidEnd: number;
  value: Tlv;
}

/** Where the parts of a v1/v2c message are, for splicing. */
export interface CommunityLayout {
  message: Tlv;
  /** The PDU TLV (its tag says which). */
  pdu: Tlv;
  /** The varbind-list SEQUENCE. */
  varbindList: Tlv;
  /** The request-id INTEGER (absent in a v1 trap). */
  requestId?: Tlv;
}

export type SnmpDecoded =
  | { ok: true; version: 'v1' | 'v2c'; pdu: PduKind; layout: CommunityLayout; varbinds: VarbindRef[]; /** v1 traps: the agent-addr field. */ agentAddr?: string }
  | { ok: true; version: 'v3' }
  | { ok: false; reason: string; offset: number };

type Fail = { ok: false; reason: string; offset: number };
const fail = (reason: string, offset: number): Fail => ({ ok: false, reason, offset });

/** What a field is called in a reason; a function where naming it costs (per varbind), called only on failure. */
type What = string | (() => string);
const named = (w: What): string => (typeof w === 'string' ? w : w());

/** Reads the next child TLV of a container ending at `limit`, optionally of one tag. */
function child(buf: Uint8Array, at: number, limit: number, what: What, tag?: number): Tlv | Fail {
  if (at >= limit) return fail(`${named(what)}: missing (the container ends here)`, at);
  if (tag !== undefined && buf[at] !== tag) return fail(`${named(what)}: expected tag 0x${tag.toString(16)}, got 0x${buf[at]!.toString(16)}`, at);
  return readTlv(buf, at, limit) ?? fail(`${named(what)}: not a definite-length BER element inside its container`, at);
}

const isFail = (x: Tlv | Fail): x is Fail => 'ok' in x;

/** The structure of an SNMP datagram, or why it is not one. */
export function decodeSnmp(buf: Uint8Array): SnmpDecoded {
  const message = child(buf, 0, buf.length, 'message', TAG.SEQUENCE);
  if (isFail(message)) return message;
  if (message.end !== buf.length) return fail(`message: ${buf.length - message.end} byte(s) after the message`, message.end);
  const ver = child(buf, message.valueStart, message.end, 'version', TAG.INTEGER);
  if (isFail(ver)) return ver;
  const v = readSmallUint(buf, ver);
  if (v === 3) return decodeV3(buf, message, ver.end);
  if (v !== 0 && v !== 1) return fail(`version: ${v === undefined ? 'not a small integer' : `${v} is not 0 (v1), 1 (v2c) or 3 (v3)`}`, ver.start);
  const version = v === 0 ? 'v1' : 'v2c';
  const community = child(buf, ver.end, message.end, 'community', TAG.OCTET_STRING);
  if (isFail(community)) return community;
  const pdu = child(buf, community.end, message.end, 'PDU');
  if (isFail(pdu)) return pdu;
  if (pdu.end !== message.end) return fail('message: bytes after the PDU', pdu.end);
  const kind = pdu.tag >= 0xa0 && pdu.tag <= 0xa8 ? PDU_KINDS[pdu.tag - 0xa0]! : undefined;
  if (kind === undefined) return fail(`PDU: tag 0x${pdu.tag.toString(16)} is not an SNMP PDU`, pdu.start);
  if (!ALLOWED[version].has(kind)) return fail(`PDU: ${kind} is not allowed in SNMP${version}`, pdu.start);

  let at = pdu.valueStart;
  let agentAddr: string | undefined;
  let requestId: Tlv | undefined;
  if (kind === 'trap-v1') {
    const enterprise = child(buf, at, pdu.end, 'enterprise', TAG.OID);
    if (isFail(enterprise)) return enterprise;
    if (!isOidValue(buf, enterprise.valueStart, enterprise.end)) return fail('enterprise: not a valid OID', enterprise.start);
    const addr = child(buf, enterprise.end, pdu.end, 'agent-addr', TAG.IP_ADDRESS);
    if (isFail(addr)) return addr;
    if (addr.end - addr.valueStart !== 4) return fail('agent-addr: an IpAddress is 4 bytes', addr.start);
    agentAddr = `${buf[addr.valueStart]}.${buf[addr.valueStart + 1]}.${buf[addr.valueStart + 2]}.${buf[addr.valueStart + 3]}`;
    at = addr.end;
    for (const [what, tag] of [['generic-trap', TAG.INTEGER], ['specific-trap', TAG.INTEGER], ['time-stamp', TAG.TIMETICKS]] as const) {
      const f = child(buf, at, pdu.end, what, tag);
      if (isFail(f)) return f;
      if (f.end === f.valueStart) return fail(`${what}: empty integer`, f.start);
      at = f.end;
    }
  } else {
    for (const what of ['request-id', 'error-status', 'error-index'] as const) {
      const f = child(buf, at, pdu.end, what, TAG.INTEGER);
      if (isFail(f)) return f;
      if (f.end === f.valueStart) return fail(`${what}: empty integer`, f.start);
      requestId ??= f;
      at = f.end;
    }
  }
  const list = child(buf, at, pdu.end, 'varbind list', TAG.SEQUENCE);
  if (isFail(list)) return list;
  if (list.end !== pdu.end) return fail('PDU: bytes after the varbind list', list.end);
  const varbinds: VarbindRef[] = [];
  const vbName = (): string => `varbind ${varbinds.length + 1}`;
  const vbOid = (): string => `varbind ${varbinds.length + 1} name`;
  const vbValue = (): string => `varbind ${varbinds.length + 1} value`;
  for (let p = list.valueStart; p < list.end; ) {
    const vb = child(buf, p, list.end, vbName, TAG.SEQUENCE);
    if (isFail(vb)) return vb;
    const name = child(buf, vb.valueStart, vb.end, vbOid, TAG.OID);
    if (isFail(name)) return name;
    if (!isOidValue(buf, name.valueStart, name.end)) return fail(`${vbOid()}: not a valid OID`, name.start);
    const value = child(buf, name.end, vb.end, vbValue);
    if (isFail(value)) return value;
    if (!VALUE_TAGS.has(value.tag)) return fail(`${vbValue()}: tag 0x${value.tag.toString(16)} is not an SMI type`, value.start);
    if (value.end !== vb.end) return fail(`${vbName()}: bytes after the value`, value.end);
    varbinds.push({ start: vb.start, oidStart: name.valueStart, oidEnd: name.end, value });
    p = vb.end;
  }
  return { ok: true, version, pdu: kind, layout: { message, pdu, varbindList: list, ...(requestId ? { requestId } : {}) }, varbinds, ...(agentAddr !== undefined ? { agentAddr } : {}) };
}

/** SNMPv3 (RFC 3412): the envelope only; the scoped PDU may be encrypted, and is relayed as is. */
function decodeV3(buf: Uint8Array, message: Tlv, at: number): SnmpDecoded {
  const global = child(buf, at, message.end, 'msgGlobalData', TAG.SEQUENCE);
  if (isFail(global)) return global;
  const sec = child(buf, global.end, message.end, 'msgSecurityParameters', TAG.OCTET_STRING);
  if (isFail(sec)) return sec;
  const data = child(buf, sec.end, message.end, 'msgData');
  if (isFail(data)) return data;
  if (data.tag !== TAG.SEQUENCE && data.tag !== TAG.OCTET_STRING) return fail('msgData: neither a plaintext scoped PDU nor an encrypted one', data.start);
  if (data.end !== message.end) return fail('message: bytes after msgData', data.end);
  return { ok: true, version: 'v3' };
}

/** Dotted OID of a varbind (for tests and tools; the relay compares bytes). */
export function varbindOid(buf: Uint8Array, vb: VarbindRef): string {
  return oidToString(buf, vb.oidStart, vb.oidEnd);
}
