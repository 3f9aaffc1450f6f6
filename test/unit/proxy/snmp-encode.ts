// Test-side SNMP encoder: builds v1/v2c messages from plain data so the
// decoder and the relay can be checked against what was meant. Written apart
// from src/proxy/snmp-*.ts on purpose (a shared bug would hide itself).

export interface TestVarbind {
  oid: string;
  tag: number;
  value: Buffer;
}

export function tlv(tag: number, value: Buffer): Buffer {
  const n = value.length;
  let len: number[];
  if (n < 128) len = [n];
  else {
    const bytes: number[] = [];
    for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v % 256);
    len = [0x80 | bytes.length, ...bytes];
  }
  return Buffer.concat([Buffer.from([tag, ...len]), value]);
}

export function intValue(n: number): Buffer {
  const bytes: number[] = [];
  let v = n;
  do {
    bytes.unshift(v & 0xff);
    v = Math.floor(v / 256);
  } while (v !== 0 && v !== -1);
  // keep the sign bit right (two's complement, minimal)
  if (n >= 0 && (bytes[0]! & 0x80) !== 0) bytes.unshift(0);
  if (n < 0 && (bytes[0]! & 0x80) === 0) bytes.unshift(0xff);
  return Buffer.from(bytes);
}

export function oidValue(oid: string): Buffer {
  const arcs = oid.split('.').map(Number);
  const out: number[] = [];
  for (const arc of [arcs[0]! * 40 + arcs[1]!, ...arcs.slice(2)]) {
    const g: number[] = [arc & 0x7f];
    for (let v = Math.floor(arc / 128); v > 0; v = Math.floor(v / 128)) g.unshift((v & 0x7f) | 0x80);
    out.push(...g);
  }
  return Buffer.from(out);
}

export function varbindList(vbs: readonly TestVarbind[]): Buffer {
  return tlv(0x30, Buffer.concat(vbs.map((v) => tlv(0x30, Buffer.concat([tlv(0x06, oidValue(v.oid)), tlv(v.tag, v.value)])))));
}

/** A v2c notification (0xA7 trap, 0xA6 inform) or request (0xA0 get, …). */
export function v2cMessage(community: string, pduTag: number, requestId: number, vbs: readonly TestVarbind[]): Buffer {
  const pdu = tlv(pduTag, Buffer.concat([tlv(0x02, intValue(requestId)), tlv(0x02, intValue(0)), tlv(0x02, intValue(0)), varbindList(vbs)]));
  return tlv(0x30, Buffer.concat([tlv(0x02, intValue(1)), tlv(0x04, Buffer.from(community)), pdu]));
}

export function v1Trap(community: string, enterprise: string, agentAddr: string, generic: number, specific: number, ticks: number, vbs: readonly TestVarbind[]): Buffer {
  const pdu = tlv(
    0xa4,
    Buffer.concat([
      tlv(0x06, oidValue(enterprise)),
      tlv(0x40, Buffer.from(agentAddr.split('.').map(Number))),
      tlv(0x02, intValue(generic)),
      tlv(0x02, intValue(specific)),
      tlv(0x43, intValue(ticks)),
      varbindList(vbs),
    ]),
  );
  return tlv(0x30, Buffer.concat([tlv(0x02, intValue(0)), tlv(0x04, Buffer.from(community)), pdu]));
}

export const SYS_UPTIME = '1.3.6.1.2.1.1.3.0';
export const SNMP_TRAP_OID = '1.3.6.1.6.3.1.1.4.1.0';
export const LINK_UP = '1.3.6.1.6.3.1.1.5.4';

/** The two varbinds every v2c notification starts with (RFC 3416 §4.2.6). */
export function notificationHead(ticks: number, trapOid: string): TestVarbind[] {
  return [
    { oid: SYS_UPTIME, tag: 0x43, value: intValue(ticks) },
    { oid: SNMP_TRAP_OID, tag: 0x06, value: oidValue(trapOid) },
  ];
}
