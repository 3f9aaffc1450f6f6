// Sticky-key and hash-predictor helpers: netmasks as uint32 and the 32-bit
// hashes (IPv4 text itself is src/core/ipv4.ts's).
import { parseIpv4 } from '../core/ipv4.js';

/** Netmask text (255.255.255.0) to uint32; malformed → host mask (all ones). */
export function parseMask(text: string | undefined): number {
  if (text === undefined) return 0xffffffff;
  const m = parseIpv4(text);
  return m < 0 ? 0xffffffff : m;
}

/** 32-bit finaliser (murmur3 fmix32): spreads keys for hashing and rendezvous scores. */
export function mix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** FNV-1a over a string; used once per real at build time for stable hash identities. */
export function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
