// The sliver of BER (X.690) that SNMP datagrams use: definite-length TLVs with
// one-byte tags, OIDs and lengths. Reading never throws: anything else (high tag
// numbers, indefinite or over-long lengths, a value past its container) reads
// as undefined, which the SNMP decoder turns into a positioned reason. No time.
// net-snmp keeps its BER reader private (asn1-ber, a transitive dependency whose
// reader throws and does not bound sequences), hence this small one.

/** One TLV: the tag byte at `start`, the value in [valueStart, end). */
export interface Tlv {
  tag: number;
  start: number;
  valueStart: number;
  end: number;
}

/** Lengths over 4 bytes cannot occur in a UDP datagram (65,507 bytes at most). */
const MAX_LENGTH_OCTETS = 4;

/** The TLV starting at `at`, whose value must end by `limit`; undefined when it does not parse. */
export function readTlv(buf: Uint8Array, at: number, limit: number): Tlv | undefined {
  if (at + 2 > limit) return undefined;
  const tag = buf[at]!;
  if ((tag & 0x1f) === 0x1f) return undefined; // high-tag-number form: SNMP never uses it
  let p = at + 1;
  let len = buf[p++]!;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > MAX_LENGTH_OCTETS || p + n > limit) return undefined; // 0 = indefinite (not allowed in SNMP)
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + buf[p++]!;
  }
  if (len > limit - p) return undefined;
  return { tag, start: at, valueStart: p, end: p + len };
}

/** A non-negative INTEGER value of at most 4 bytes (version, error status); undefined otherwise. */
export function readSmallUint(buf: Uint8Array, t: Tlv): number | undefined {
  const n = t.end - t.valueStart;
  if (n < 1 || n > 4 || (buf[t.valueStart]! & 0x80) !== 0) return undefined;
  let v = 0;
  for (let i = t.valueStart; i < t.end; i++) v = v * 256 + buf[i]!;
  return v;
}

/** Bytes the definite length `n` takes after the tag (short form below 128). */
export function lengthOctets(n: number): number {
  if (n < 0x80) return 1;
  if (n <= 0xff) return 2;
  if (n <= 0xffff) return 3;
  if (n <= 0xffffff) return 4;
  return 5;
}

/** Writes tag and minimal definite length of a `len`-byte value at `at`; returns the offset after them. */
export function writeHeader(out: Uint8Array, at: number, tag: number, len: number): number {
  out[at++] = tag;
  const n = lengthOctets(len) - 1;
  if (n === 0) {
    out[at++] = len;
    return at;
  }
  out[at++] = 0x80 | n;
  for (let i = n - 1; i >= 0; i--) out[at++] = Math.floor(len / 256 ** i) & 0xff;
  return at;
}

/** True when [start, end) is a well-formed OID value: at least one arc, every arc terminated. */
export function isOidValue(buf: Uint8Array, start: number, end: number): boolean {
  if (end <= start || (buf[end - 1]! & 0x80) !== 0) return false;
  // A leading 0x80 in an arc is a non-minimal encoding; X.690 forbids it.
  let arcStart = true;
  for (let i = start; i < end; i++) {
    if (arcStart && buf[i] === 0x80) return false;
    arcStart = (buf[i]! & 0x80) === 0;
  }
  return true;
}

/** Dotted text of an OID value (assumed well-formed: see isOidValue). */
export function oidToString(buf: Uint8Array, start: number, end: number): string {
  const arcs: number[] = [];
  let v = 0;
  for (let i = start; i < end; i++) {
    v = v * 128 + (buf[i]! & 0x7f);
    if ((buf[i]! & 0x80) === 0) {
      arcs.push(v);
      v = 0;
    }
  }
  const first = arcs.shift() ?? 0;
  const top = first < 40 ? 0 : first < 80 ? 1 : 2;
  return [top, first - top * 40, ...arcs].join('.');
}

/** The BER value bytes of a dotted OID (at least two arcs, the first 0–2); undefined if it is not one. */
export function encodeOidValue(oid: string): Buffer | undefined {
  if (!/^\d+(\.\d+)+$/.test(oid)) return undefined;
  const arcs = oid.split('.').map(Number);
  const [a, b] = arcs as [number, number];
  if (a > 2 || (a < 2 && b > 39) || arcs.some((x) => !Number.isSafeInteger(x))) return undefined;
  const out: number[] = [];
  for (const arc of [a * 40 + b, ...arcs.slice(2)]) {
    const groups: number[] = [];
    let v = arc;
    do {
      groups.unshift(v % 128);
      v = Math.floor(v / 128);
    } while (v > 0);
    for (let i = 0; i < groups.length; i++) out.push(groups[i]! | (i < groups.length - 1 ? 0x80 : 0));
  }
  return Buffer.from(out);
}
