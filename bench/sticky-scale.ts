// Benchmark: the sticky database at ACE scale (4,000,000 ip-netmask entries).
// Measures resident memory with the table full and the lookup-or-insert rate
// (find → refresh on hit, learn on miss) on one core. Run with --expose-gc.
import { VirtualClock } from '../src/core/virtual-clock.js';
import { StickyStore } from '../src/sticky/sticky-store.js';
import { loadavg } from 'node:os';
import { fixedAgainst, writeSection } from './lib/report.js';

const N = Number(process.env.STICKY_N ?? 4_000_000);
const OPS = Number(process.env.STICKY_OPS ?? 8_000_000);
const RSS_TARGET_MIB = 600;
const RATE_TARGET = 2_000_000;

const gc = (globalThis as { gc?: () => void }).gc;
const mib = (b: number) => b / 2 ** 20;
gc?.();
const rss0 = process.memoryUsage().rss;

const clock = new VirtualClock();
const store = new StickyStore({ clock, capacity: N });
const g = store.addGroup({ name: 'STKY', address: 'source', netmask: 0xffffffff, timeoutMs: 10 * 60_000, timeoutActiveconns: false, replicate: false });
const reals = [store.internReal({ farm: 'F', rserver: 'TMS01', port: 80 }), store.internReal({ farm: 'F', rserver: 'TMS02', port: 80 })];

// Fill: 4 M distinct client addresses from 10.0.0.0 upwards.
const base = 0x0a000000;
let t0 = performance.now();
for (let i = 0; i < N; i++) store.touchLocal(g, 0, (base + i) >>> 0, reals[i & 1]!);
const fillMs = performance.now() - t0;
gc?.();
const rssFull = process.memoryUsage().rss;

// Lookup-or-insert over a key space 25 % larger than the table: ~80 % hits,
// misses insert and (table full) evict the entry closest to expiry.
let seed = 0x9e3779b9;
const span = Math.floor(N * 1.25);
const keys = new Uint32Array(1 << 20);
for (let i = 0; i < keys.length; i++) {
  seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
  keys[i] = (base + (seed % span)) >>> 0;
}
let hits = 0;
t0 = performance.now();
for (let i = 0; i < OPS; i++) {
  const k = keys[i & (keys.length - 1)]!;
  const e = store.find(g, 0, k);
  if (e >= 0) {
    store.refresh(e);
    hits++;
  } else {
    store.touchLocal(g, 0, k, reals[i & 1]!);
  }
  if ((i & 0xffff) === 0) clock.advance(1); // time moves: entries age like in service
}
const opsMs = performance.now() - t0;
const rate = OPS / (opsMs / 1000);
gc?.();
const rssAfter = process.memoryUsage().rss;
const rssPeak = Math.max(rssFull, rssAfter);

const rssOk = mib(rssPeak) < RSS_TARGET_MIB;
const rateOk = rate >= RATE_TARGET;
const body = `
Table: open addressing (linear probing, backward-shift deletion) over typed
arrays (struct of arrays), per-group ageing lists in expiry order, one sweep
timer. ${N.toLocaleString('en-US')} entries, group ip-netmask 255.255.255.255 source.

| measure | result | target | pass |
|---|---|---|---|
| RSS with ${N.toLocaleString('en-US')} entries (after GC) | ${fixedAgainst(mib(rssPeak), RSS_TARGET_MIB, 0)} MiB (process baseline ${mib(rss0).toFixed(0)} MiB) | < ${RSS_TARGET_MIB} MiB | ${rssOk ? 'PASS' : 'FAIL'} |
| lookup-or-insert, ${OPS.toLocaleString('en-US')} ops (${((hits / OPS) * 100).toFixed(0)} % hits, misses evict when full) | ${fixedAgainst(rate / 1e6, RATE_TARGET / 1e6)} M ops/s | ≥ ${RATE_TARGET / 1e6} M ops/s | ${rateOk ? 'PASS' : 'FAIL'} |
| fill (${N.toLocaleString('en-US')} inserts) | ${(fillMs / 1000).toFixed(2)} s (${(N / (fillMs / 1000) / 1e6).toFixed(2)} M inserts/s) | — | — |

Load average at the end of the run: ${loadavg().map((x) => x.toFixed(2)).join(' / ')} (other work on the machine depresses these figures).
Evictions during the run: ${store.counters.evictions.toLocaleString('en-US')}; GC exposed: ${gc ? 'yes' : 'no'}.
`;
writeSection('sticky-scale', 'Sticky table at 4 M entries (bench/sticky-scale.ts)', body);
console.log(body);
store.dispose();
