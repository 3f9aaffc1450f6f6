// Lab address maps: rewrite a model written for a real network so it runs on
// loopback — `10.0.0.0/8=127.0.0.0/8` maps every address inside the first
// prefix into the second (host bits kept), `portOffset` shifts every service
// port. A pure model transform shared by every command; never throws.
import { formatIpv4, lengthToMask, parseIpv4 } from './ip.js';
import type { Model } from './model.js';

export interface AddressMapping {
  from: { net: number; len: number };
  to: { net: number; len: number };
  text: string;
}

export type MapParse = { ok: true; mapping: AddressMapping } | { ok: false; message: string };

export function parseAddressMapping(text: string): MapParse {
  const m = /^(\d+\.\d+\.\d+\.\d+)\/(\d+)=(\d+\.\d+\.\d+\.\d+)\/(\d+)$/.exec(text.trim());
  if (!m) return { ok: false, message: `--map "${text}": expected FROM/LEN=TO/LEN, e.g. 10.0.0.0/8=127.0.0.0/8` };
  const fromIp = parseIpv4(m[1]!);
  const toIp = parseIpv4(m[3]!);
  const fromLen = Number(m[2]);
  const toLen = Number(m[4]);
  if (fromIp === undefined || toIp === undefined || fromLen > 32 || toLen > 32) return { ok: false, message: `--map "${text}": not a valid address/prefix pair` };
  if (toLen > fromLen) return { ok: false, message: `--map "${text}": the target prefix /${toLen} is longer than the source /${fromLen}, so host bits would be lost` };
  return { ok: true, mapping: { from: { net: (fromIp & lengthToMask(fromLen)) >>> 0, len: fromLen }, to: { net: (toIp & lengthToMask(toLen)) >>> 0, len: toLen }, text } };
}

export function mapAddress(addr: string, maps: readonly AddressMapping[]): string {
  const v = parseIpv4(addr);
  if (v === undefined) return addr;
  for (const m of [...maps].sort((a, b) => b.from.len - a.from.len)) {
    if (((v & lengthToMask(m.from.len)) >>> 0) === m.from.net) {
      const host = (v & ~lengthToMask(m.from.len)) >>> 0;
      return formatIpv4((m.to.net | host) >>> 0);
    }
  }
  return addr;
}

const ADDRESS_KEYS = new Set(['address', 'ipAddress', 'prefix', 'gateway', 'clientSource', 'destination', 'target', 'nasIpAddress', 'from', 'to']);
const MASK_KEYS = new Set(['mask', 'netmask']);

export interface MapResult {
  model: Model;
  /** Ports pushed past 65535 by the offset (reported by the caller). */
  overflows: { port: number; where: string }[];
}

/**
 * Returns a rewritten copy of the model. Addresses are mapped wherever a
 * field holds an IPv4 address; ports (VIP eq/range, farm member, backup, probe,
 * sticky static, SNMP host) are shifted by portOffset.
 */
export function applyAddressMap(model: Model, maps: readonly AddressMapping[], portOffset = 0): MapResult {
  const overflows: MapResult['overflows'] = [];
  const shift = (p: number, where: string): number => {
    if (portOffset === 0 || p === 0) return p;
    const n = p + portOffset;
    if (n > 65535 || n < 1) {
      overflows.push({ port: p, where });
      return p;
    }
    return n;
  };
  const walk = (v: unknown, key: string, where: string): unknown => {
    if (v === null || typeof v !== 'object') {
      if (typeof v === 'string' && ADDRESS_KEYS.has(key) && !MASK_KEYS.has(key)) return mapAddress(v, maps);
      if (typeof v === 'number' && (key === 'port' || key === 'from' || key === 'to')) return shift(v, where);
      return v;
    }
    if (Array.isArray(v)) return v.map((x, i) => walk(x, key, `${where}[${i}]`));
    const proto = Object.getPrototypeOf(v);
    if (proto !== Object.prototype && proto !== null) return v; // Secret and other instances stay as they are
    const o = v as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(o)) {
      if (k === 'pos') out[k] = x;
      else out[k] = walk(x, k, `${where}.${k}`);
    }
    return out;
  };
  const mapped = walk(model, '', 'model') as Model;
  if (portOffset !== 0) {
    for (const ctx of mapped.contexts) for (const h of ctx.snmp.hosts) if (h.port === undefined) h.port = shift(162, 'snmp-server host');
  }
  return { model: mapped, overflows };
}
