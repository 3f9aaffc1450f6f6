// What a UDP VIP on an SNMP port does to each client datagram: decode it (a
// malformed one is refused with a reason, never thrown), leave v1 traps — and so
// their agent-addr — and every other PDU byte for byte as sent, and optionally
// give v2c traps/informs the sender as snmpTrapAddress.0 (SNMP-COMMUNITY-MIB,
// RFC 3584) when they lack it, for nodes that cannot see the source address.
// The varbind is spliced in: only the three enclosing lengths are rewritten. An
// inform's Response echoes its varbinds, so the node's answer to an inform the
// relay extended loses that varbind again on the way back (senders such as
// net-snmp reject a Response whose varbinds differ from their inform). No time.
import { parseIpv4 } from '../core/ipv4.js';
import { encodeOidValue, lengthOctets, writeHeader } from './snmp-ber.js';
import { decodeSnmp, TAG, type CommunityLayout, type VarbindRef } from './snmp-message.js';

/** snmpTrapAddress.0: "the address of the SNMP entity that sent the notification". */
export const SNMP_TRAP_ADDRESS_OID = '1.3.6.1.6.3.18.1.3.0';
const TRAP_ADDRESS_OID_VALUE = encodeOidValue(SNMP_TRAP_ADDRESS_OID)!;
/** Largest UDP payload over IPv4: a rewrite that would exceed it is not made. */
const MAX_DATAGRAM_BYTES = 65_507;

export interface SnmpRelayOptions {
  /** v2c traps and informs without snmpTrapAddress.0 get one holding the sender's address. */
  trapAddress: boolean;
}

export type SnmpRelayResult =
  | { ok: true; data: Buffer; /** snmpTrapAddress.0 was added. */ appended: boolean; /** Added to an inform: its request-id, to match the node's Response. */ informId?: string }
  | { ok: false; reason: string; offset: number };

/** The datagram to forward for `msg` from `clientIp`, or why it is dropped. */
export function relaySnmp(msg: Buffer, clientIp: string, opts: SnmpRelayOptions): SnmpRelayResult {
  const d = decodeSnmp(msg);
  if (!d.ok) return d;
  const untouched: SnmpRelayResult = { ok: true, data: msg, appended: false };
  if (!opts.trapAddress || d.version !== 'v2c' || (d.pdu !== 'trap-v2' && d.pdu !== 'inform')) return untouched;
  if (d.varbinds.some((vb) => isOid(msg, vb, TRAP_ADDRESS_OID_VALUE))) return untouched; // an upstream proxy already said who sent it
  const ip = parseIpv4(clientIp);
  if (ip < 0) return untouched;
  const data = spliceVarbinds(msg, d.layout, d.layout.varbindList.end, trapAddressVarbind(ip));
  if (data === undefined) return untouched;
  return { ok: true, data, appended: true, ...(d.pdu === 'inform' && d.layout.requestId ? { informId: requestIdKey(msg, d.layout.requestId) } : {}) };
}

/**
 * A node's reply on its way back to `clientIp`: a v2c Response to an inform the
 * relay extended (its request-id is taken out of `informIds`) loses a trailing
 * snmpTrapAddress.0 holding the client's address. Anything else passes as is.
 */
export function relaySnmpReply(reply: Buffer, clientIp: string, informIds: Set<string>): Buffer {
  const d = decodeSnmp(reply);
  if (!d.ok || d.version !== 'v2c' || d.pdu !== 'response' || d.layout.requestId === undefined) return reply;
  if (!informIds.delete(requestIdKey(reply, d.layout.requestId))) return reply;
  const last = d.varbinds.at(-1);
  const ip = parseIpv4(clientIp);
  if (last === undefined || !isOid(reply, last, TRAP_ADDRESS_OID_VALUE) || last.value.tag !== TAG.IP_ADDRESS || last.value.end - last.value.valueStart !== 4) return reply;
  if (reply.readUInt32BE(last.value.valueStart) !== ip >>> 0) return reply;
  return spliceVarbinds(reply, d.layout, last.start, EMPTY) ?? reply;
}

const EMPTY = Buffer.alloc(0);

function requestIdKey(buf: Buffer, t: { valueStart: number; end: number }): string {
  return buf.toString('latin1', t.valueStart, t.end);
}

function isOid(buf: Buffer, vb: VarbindRef, oidValue: Buffer): boolean {
  return vb.oidEnd - vb.oidStart === oidValue.length && buf.compare(oidValue, 0, oidValue.length, vb.oidStart, vb.oidEnd) === 0;
}

/** SEQUENCE { OID snmpTrapAddress.0, IpAddress 0.0.0.0 }: the address is the last 4 bytes. */
const TRAP_ADDRESS_VARBIND = ((): Buffer => {
  const oidLen = TRAP_ADDRESS_OID_VALUE.length;
  const inner = 2 + oidLen + 2 + 4;
  const out = Buffer.alloc(2 + inner);
  let at = writeHeader(out, 0, TAG.SEQUENCE, inner);
  at = writeHeader(out, at, TAG.OID, oidLen);
  TRAP_ADDRESS_OID_VALUE.copy(out, at);
  writeHeader(out, at + oidLen, TAG.IP_ADDRESS, 4);
  return out;
})();

/** The snmpTrapAddress.0 varbind for `ip` (per datagram, so from Buffer's pool rather than zero-filled). */
function trapAddressVarbind(ip: number): Buffer {
  const out = Buffer.allocUnsafe(TRAP_ADDRESS_VARBIND.length);
  TRAP_ADDRESS_VARBIND.copy(out);
  out.writeUInt32BE(ip >>> 0, out.length - 4);
  return out;
}

/**
 * `msg` with its varbind list cut at `cut` (a varbind boundary; the list's end
 * keeps them all) and `tail` (encoded varbind SEQUENCEs) appended; the message,
 * PDU and list lengths are re-encoded (their length fields may change size),
 * every other byte is copied. Undefined if it would not fit a datagram.
 */
export function spliceVarbinds(msg: Buffer, l: CommunityLayout, cut: number, tail: Buffer): Buffer | undefined {
  const listLen = cut - l.varbindList.valueStart + tail.length;
  const pduLen = l.varbindList.start - l.pdu.valueStart + 1 + lengthOctets(listLen) + listLen;
  const msgLen = l.pdu.start - l.message.valueStart + 1 + lengthOctets(pduLen) + pduLen;
  const total = 1 + lengthOctets(msgLen) + msgLen;
  if (total > MAX_DATAGRAM_BYTES) return undefined;
  const out = Buffer.allocUnsafe(total);
  let at = writeHeader(out, 0, l.message.tag, msgLen);
  at += msg.copy(out, at, l.message.valueStart, l.pdu.start); // version, community
  at = writeHeader(out, at, l.pdu.tag, pduLen);
  at += msg.copy(out, at, l.pdu.valueStart, l.varbindList.start); // request-id, error-status, error-index
  at = writeHeader(out, at, l.varbindList.tag, listLen);
  at += msg.copy(out, at, l.varbindList.valueStart, cut);
  tail.copy(out, at);
  return out;
}
