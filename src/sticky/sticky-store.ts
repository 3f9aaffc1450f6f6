// Sticky database for ip-netmask groups: one open-addressing hash table over
// struct-of-arrays storage shared by every group of a context (ACE's capacity,
// 4,000,000 by default, is per box, not per group). Invariants: a group's
// ageing list is sorted by expiry (every insert goes to the tail with now +
// the group's fixed timeout); static entries and entries with live
// connections (unless `timeout activeconns`) are not on any list and never age.
// Timebase: Clock.monotonicNow() milliseconds; one sweep timer at most, armed
// at the earliest head-of-list deadline, plus a lazy expiry check on lookup.
// A hit only stamps the entry (lazy promotion): the sweep and eviction give
// refreshed heads a second chance by moving them to the tail, so the hot path
// touches no list neighbours. True expiry = last use + group timeout.
import type { CancelTimer, Clock } from '../core/clock.js';
import type { EventSink, StickyEvent, StickyRemoveReason } from './events.js';
import { formatIpv4 } from '../core/ipv4.js';

export const STICKY_CAPACITY_DEFAULT = 4_000_000;
/** Expiry sweeps are batched to this granularity so a busy table does not arm a timer per second-fraction. */
export const STICKY_SWEEP_GRANULARITY_MS = 1_000;

const INITIAL_ENTRIES = 1024;
const F_USED = 1;
const F_STATIC = 2;
const F_DIRTY = 4; // changed locally, not yet handed to the pair link (no bus)
const F_LISTED = 8; // on its group's ageing list

export type StickyAddress = 'source' | 'destination' | 'both';

export interface StickyGroupSpec {
  name: string;
  address: StickyAddress;
  /** Netmask as an unsigned 32-bit number. */
  netmask: number;
  timeoutMs: number;
  timeoutActiveconns: boolean;
  replicate: boolean;
}

/** Where an entry points: a farm member (the same rserver:port in two farms is two reals). */
export interface StickyRealLabel {
  farm: string;
  rserver: string;
  /** 0 when the farm member has no port (VIP port kept). */
  port: number;
}

export interface StickyCounters {
  hits: number;
  misses: number;
  inserts: number;
  evictions: number;
  expirations: number;
  purged: number;
  insertFailures: number;
}

export interface StickyEntrySnapshot {
  group: string;
  /** Masked key as dotted quad; "src/dst" for address both. */
  key: string;
  /** ACE prints IP keys as the 32-bit unsigned integer of the masked address (for both: the source part). */
  keyInt: number;
  keyHi: number;
  keyLo: number;
  rserver: string;
  port: number;
  farm: string;
  /** Seconds until expiry; -1 when the entry does not age (static or live connections). */
  timeToExpireS: number;
  static: boolean;
  activeConns: number;
  dirty: boolean;
}

export interface StickyStoreOptions {
  clock: Clock;
  capacity?: number;
  bus?: EventSink<StickyEvent>;
  sweepGranularityMs?: number;
}

interface GroupState extends StickyGroupSpec {
  id: number;
  head: number;
  tail: number;
  size: number;
}

export class StickyStore {
  readonly capacity: number;
  readonly counters: StickyCounters = { hits: 0, misses: 0, inserts: 0, evictions: 0, expirations: 0, purged: 0, insertFailures: 0 };
  private readonly clock: Clock;
  private readonly bus: EventSink<StickyEvent> | undefined;
  private readonly granularityMs: number;

  private readonly groups: GroupState[] = [];
  private readonly groupByName = new Map<string, number>();
  private readonly realLabels: StickyRealLabel[] = [];
  private readonly realByLabel = new Map<string, number>();

  // Entry storage (struct of arrays); index = entry id.
  private alloc = 0;
  private kHi = new Uint32Array(0);
  private kLo = new Uint32Array(0);
  private grp = new Uint16Array(0);
  private real = new Int32Array(0);
  /** List position key: >= true expiry, non-decreasing along a group's list. */
  private exp = new Float64Array(0);
  /** Last use (hit, learn, or end of the last connection). */
  private touch = new Float64Array(0);
  /** Clock ms when a replicated entry was last published to the pair link. */
  private sent = new Float64Array(0);
  private conns = new Int32Array(0);
  private prev = new Int32Array(0);
  private next = new Int32Array(0);
  private flags = new Uint8Array(0);
  private used = 0;
  private freeHead = -1;
  private highWater = 0;

  // Hash slots hold entry id + 1 (0 = empty); linear probing, backward-shift deletion.
  private slots = new Int32Array(0);
  private slotMask = 0;

  private cancelSweep: CancelTimer | undefined;
  private sweepAt = Infinity;

  constructor(opts: StickyStoreOptions) {
    this.clock = opts.clock;
    this.capacity = Math.max(1, Math.floor(opts.capacity ?? STICKY_CAPACITY_DEFAULT));
    this.bus = opts.bus;
    this.granularityMs = Math.max(1, opts.sweepGranularityMs ?? STICKY_SWEEP_GRANULARITY_MS);
    this.grow(Math.min(INITIAL_ENTRIES, this.capacity));
  }

  // ------------------------------------------------------------ groups and reals

  addGroup(spec: StickyGroupSpec): number {
    const existing = this.groupByName.get(spec.name);
    if (existing !== undefined) return existing;
    if (this.groups.length >= 0xffff) throw new RangeError('too many sticky groups');
    const id = this.groups.length;
    this.groups.push({ ...spec, netmask: spec.netmask >>> 0, id, head: -1, tail: -1, size: 0 });
    this.groupByName.set(spec.name, id);
    return id;
  }

  groupId(name: string): number | undefined {
    return this.groupByName.get(name);
  }

  groupSpec(id: number): Readonly<StickyGroupSpec> {
    return this.group(id);
  }

  groupNames(): string[] {
    return this.groups.map((g) => g.name);
  }

  groupSize(id: number): number {
    return this.group(id).size;
  }

  /** Interns a real (farm member) and returns its small integer id. */
  internReal(label: StickyRealLabel): number {
    const k = `${label.farm}\u0000${label.rserver}\u0000${label.port}`;
    const found = this.realByLabel.get(k);
    if (found !== undefined) return found;
    const id = this.realLabels.length;
    this.realLabels.push({ ...label });
    this.realByLabel.set(k, id);
    return id;
  }

  realLabel(id: number): StickyRealLabel | undefined {
    return this.realLabels[id];
  }

  /** High half of the key (masked source for `both`, else 0). */
  keyHiOf(group: number, src: number, _dst: number): number {
    const g = this.groups[group]!;
    return g.address === 'both' ? (src & g.netmask) >>> 0 : 0;
  }

  /** Low half of the key (masked source, or masked destination for destination/both). */
  keyLoOf(group: number, src: number, dst: number): number {
    const g = this.groups[group]!;
    return ((g.address === 'source' ? src : dst) & g.netmask) >>> 0;
  }

  get size(): number {
    return this.used;
  }

  // ------------------------------------------------------------ lookups (hot path)

  /**
   * Entry id for the key, or -1. Expired entries found here are removed (lazy
   * expiry), so a lookup never returns an entry past its deadline. Counts hits
   * and misses.
   */
  find(group: number, hi: number, lo: number): number {
    const e = this.locate(group, hi, lo);
    if (e < 0) {
      this.counters.misses++;
      return -1;
    }
    if ((this.flags[e]! & F_LISTED) !== 0 && this.touch[e]! + this.groups[group]!.timeoutMs <= this.clock.monotonicNow()) {
      this.removeEntry(e);
      this.counters.expirations++;
      this.counters.misses++;
      this.emitRemove(group, 'expired', 1);
      return -1;
    }
    this.counters.hits++;
    return e;
  }

  /**
   * find + refresh with one clock read: the selection hot path. A returned
   * entry has been stamped as used now.
   */
  hit(group: number, hi: number, lo: number): number {
    // locate() and hash() written out here: this is the per-flow path, and keeping
    // it one flat function lets the compiler inline all of it into the balancer.
    let h = lo ^ Math.imul(hi, 0x9e3779b1) ^ Math.imul(group + 1, 0x27d4eb2f);
    h ^= h >>> 16;
    h = Math.imul(h, 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
    const slots = this.slots;
    const mask = this.slotMask;
    const kLo = this.kLo;
    let s = h & mask;
    let e: number;
    for (;;) {
      e = slots[s]! - 1;
      if (e < 0 || (kLo[e] === lo && this.kHi[e] === hi && this.grp[e] === group)) break;
      s = (s + 1) & mask;
    }
    if (e < 0) {
      this.counters.misses++;
      return -1;
    }
    const now = this.clock.monotonicNow();
    if ((this.flags[e]! & F_LISTED) !== 0 && this.touch[e]! + this.groups[group]!.timeoutMs <= now) {
      this.removeEntry(e);
      this.counters.expirations++;
      this.counters.misses++;
      this.emitRemove(group, 'expired', 1);
      return -1;
    }
    this.counters.hits++;
    this.touch[e] = now;
    return e;
  }

  /** Same as find without counting or expiring (read model, tests). */
  peek(group: number, hi: number, lo: number): number {
    return this.locate(group, hi, lo);
  }

  realOf(entry: number): number {
    return this.real[entry]!;
  }

  isStatic(entry: number): boolean {
    return (this.flags[entry]! & F_STATIC) !== 0;
  }

  activeConnsOf(entry: number): number {
    return this.conns[entry]!;
  }

  /** Remaining lifetime in ms; Infinity when the entry does not age. */
  timeToExpireMs(entry: number): number {
    if ((this.flags[entry]! & F_LISTED) === 0) return Infinity;
    return Math.max(0, this.trueExp(entry) - this.clock.monotonicNow());
  }

  /** A new connection used the entry: restart its idle timer (a stamp; the list is fixed up lazily). */
  refresh(entry: number): void {
    this.touch[entry] = this.clock.monotonicNow();
  }

  private trueExp(e: number): number {
    return this.touch[e]! + this.groups[this.grp[e]!]!.timeoutMs;
  }

  /** Second chance for a refreshed head: back to the tail at its true expiry. */
  private rotate(g: GroupState, e: number): void {
    const at = this.trueExp(e);
    this.unlink(g, e);
    this.linkTail(g, e, at);
  }

  // ------------------------------------------------------------ updates

  /**
   * Local learn or refresh: creates the entry (or re-points it) and restarts
   * its timer. Marks replicated groups' entries dirty and publishes
   * `sticky.learn` when the entry is new or its real changed. Returns the
   * entry id, or -1 when the table is full and nothing could be evicted.
   */
  touchLocal(group: number, hi: number, lo: number, realId: number): number {
    const e = this.upsert(group, hi, lo, realId);
    if (e < 0) return e;
    const g = this.groups[group]!;
    if (!g.replicate) return e;
    // A refresh is re-published once half the timeout has passed since the
    // last publication, so the peer's copy (which ages on its own clock) never
    // expires while the client is still active here.
    const now = this.touch[e]!;
    if ((this.flags[e]! & F_DIRTY) !== 0 || now - this.sent[e]! >= g.timeoutMs / 2) {
      const label = this.realLabels[realId];
      if (this.bus && label) {
        // Handed to the pair link: a link that is down resynchronizes by bulk on join.
        this.sent[e] = now;
        this.flags[e] = this.flags[e]! & ~F_DIRTY;
        this.bus.publish({ type: 'sticky.learn', group: g.name, keyHi: hi, keyLo: lo, rserver: label.rserver, port: label.port, farm: label.farm });
      }
    }
    return e;
  }

  /** Applies a peer's update: same as a local learn, but never marked dirty and never echoed. */
  touchRemote(group: number, hi: number, lo: number, realId: number): number {
    const e = this.upsert(group, hi, lo, realId);
    if (e >= 0) this.flags[e] = this.flags[e]! & ~F_DIRTY;
    return e;
  }

  /** `static client source … rserver …`: in the table at once, never ages, never evicted. */
  addStatic(group: number, hi: number, lo: number, realId: number): number {
    let e = this.locate(group, hi, lo);
    if (e < 0) {
      e = this.allocEntry(true);
      if (e < 0) return -1;
      this.initEntry(e, group, hi, lo, realId);
      this.insertSlot(e);
    } else {
      this.unlink(this.groups[group]!, e);
      this.real[e] = realId;
    }
    this.flags[e] = F_USED | F_STATIC;
    return e;
  }

  /** Marks a replicated entry as sent. */
  clearDirty(entry: number): void {
    this.flags[entry] = this.flags[entry]! & ~F_DIRTY;
  }

  /** A connection stuck by this entry opened: it stops ageing unless `timeout activeconns`. */
  connOpened(group: number, hi: number, lo: number): void {
    const e = this.locate(group, hi, lo);
    if (e < 0) return;
    this.conns[e] = this.conns[e]! + 1;
    const g = this.groups[group]!;
    if (!g.timeoutActiveconns && (this.flags[e]! & F_LISTED) !== 0) this.unlink(g, e);
  }

  /** A stuck connection closed: the idle timer starts from the end of the last connection. */
  connClosed(group: number, hi: number, lo: number): void {
    const e = this.locate(group, hi, lo);
    if (e < 0) return;
    const c = this.conns[e]! - 1;
    this.conns[e] = c > 0 ? c : 0;
    const g = this.groups[group]!;
    if (c <= 0 && !g.timeoutActiveconns && (this.flags[e]! & F_STATIC) === 0) {
      const now = this.clock.monotonicNow();
      this.touch[e] = now;
      this.unlink(g, e);
      this.linkTail(g, e, now + g.timeoutMs);
    }
  }

  delete(group: number, hi: number, lo: number): boolean {
    const e = this.locate(group, hi, lo);
    if (e < 0) return false;
    this.removeEntry(e);
    this.emitRemove(group, 'deleted', 1);
    return true;
  }

  /**
   * Removes every dynamic entry pointing at the given reals (ACE §5.4: a real
   * leaving service loses its sticky entries; statics stay). One pass over the
   * table: rare event, and cheaper than a per-real index at 4 M entries.
   */
  deleteByReals(realIds: ReadonlySet<number>): number {
    if (realIds.size === 0 || this.used === 0) return 0;
    const perGroup = new Map<number, number>();
    let n = 0;
    for (let e = 0; e < this.highWater; e++) {
      const f = this.flags[e]!;
      if ((f & F_USED) === 0 || (f & F_STATIC) !== 0) continue;
      if (!realIds.has(this.real[e]!)) continue;
      const g = this.grp[e]!;
      this.removeEntry(e);
      perGroup.set(g, (perGroup.get(g) ?? 0) + 1);
      n++;
    }
    this.counters.purged += n;
    if (this.bus) {
      const one = realIds.size === 1 ? this.realLabels[[...realIds][0]!] : undefined;
      for (const [g, count] of perGroup) {
        this.bus.publish({
          type: 'sticky.remove',
          group: this.groups[g]!.name,
          reason: 'real-out-of-service',
          count,
          ...(one ? { rserver: one.rserver, port: one.port } : {}),
        });
      }
    }
    return n;
  }

  /** `clear sticky database [group G]`; statics are kept unless includeStatic. */
  clear(group?: number, includeStatic = false): number {
    const perGroup = new Map<number, number>();
    let n = 0;
    for (let e = 0; e < this.highWater; e++) {
      const f = this.flags[e]!;
      if ((f & F_USED) === 0) continue;
      if (!includeStatic && (f & F_STATIC) !== 0) continue;
      const g = this.grp[e]!;
      if (group !== undefined && g !== group) continue;
      this.removeEntry(e);
      perGroup.set(g, (perGroup.get(g) ?? 0) + 1);
      n++;
    }
    for (const [g, count] of perGroup) this.emitRemove(g, 'cleared', count);
    return n;
  }

  /** Removes every expired entry now (also run by the sweep timer). */
  sweep(): number {
    const now = this.clock.monotonicNow();
    let total = 0;
    for (const g of this.groups) {
      let n = 0;
      while (g.head >= 0 && this.exp[g.head]! <= now) {
        const e = g.head;
        if (this.trueExp(e) > now) {
          this.rotate(g, e);
          continue;
        }
        this.removeEntry(e);
        n++;
      }
      if (n > 0) {
        total += n;
        this.emitRemove(g.id, 'expired', n);
      }
    }
    this.counters.expirations += total;
    return total;
  }

  // ------------------------------------------------------------ read model

  /** Entries, optionally of one group; `limit` bounds the work for huge tables. */
  entries(group?: number, limit = Infinity): StickyEntrySnapshot[] {
    const out: StickyEntrySnapshot[] = [];
    const now = this.clock.monotonicNow();
    for (let e = 0; e < this.highWater && out.length < limit; e++) {
      const f = this.flags[e]!;
      if ((f & F_USED) === 0) continue;
      const gid = this.grp[e]!;
      if (group !== undefined && gid !== group) continue;
      const g = this.groups[gid]!;
      const listed = (f & F_LISTED) !== 0;
      if (listed && this.trueExp(e) <= now) continue; // expired, awaiting sweep
      const hi = this.kHi[e]!;
      const lo = this.kLo[e]!;
      const label = this.realLabels[this.real[e]!] ?? { farm: '?', rserver: '?', port: 0 };
      out.push({
        group: g.name,
        key: g.address === 'both' ? `${formatIpv4(hi)}/${formatIpv4(lo)}` : formatIpv4(lo),
        keyInt: g.address === 'both' ? hi : lo,
        keyHi: hi,
        keyLo: lo,
        rserver: label.rserver,
        port: label.port,
        farm: label.farm,
        timeToExpireS: listed ? Math.ceil((this.trueExp(e) - now) / 1000) : -1,
        static: (f & F_STATIC) !== 0,
        activeConns: this.conns[e]!,
        dirty: (f & F_DIRTY) !== 0,
      });
    }
    return out;
  }

  // ------------------------------------------------------------ internals

  private group(id: number): GroupState {
    const g = this.groups[id];
    if (!g) throw new RangeError(`unknown sticky group id ${id}`);
    return g;
  }

  private hash(group: number, hi: number, lo: number): number {
    let h = lo ^ Math.imul(hi, 0x9e3779b1) ^ Math.imul(group + 1, 0x27d4eb2f);
    h ^= h >>> 16;
    h = Math.imul(h, 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
    return h & this.slotMask;
  }

  private locate(group: number, hi: number, lo: number): number {
    const slots = this.slots;
    const mask = this.slotMask;
    let s = this.hash(group, hi, lo);
    for (;;) {
      const e = slots[s]! - 1;
      if (e < 0) return -1;
      if (this.kLo[e] === lo && this.kHi[e] === hi && this.grp[e] === group) return e;
      s = (s + 1) & mask;
    }
  }

  private upsert(group: number, hi: number, lo: number, realId: number): number {
    const g = this.groups[group]!;
    let e = this.locate(group, hi, lo);
    const now = this.clock.monotonicNow();
    if (e < 0) {
      e = this.allocEntry(false);
      if (e < 0) {
        this.counters.insertFailures++;
        this.bus?.publish({ type: 'sticky.full', group: g.name });
        return -1;
      }
      this.initEntry(e, group, hi, lo, realId);
      this.insertSlot(e);
      this.flags[e] = F_USED | F_DIRTY;
      this.touch[e] = now;
      this.counters.inserts++;
      this.linkTail(g, e, now + g.timeoutMs);
      return e;
    }
    const f = this.flags[e]!;
    if ((f & F_STATIC) !== 0) return e; // a static entry is changed only by config
    if (this.real[e] !== realId) {
      this.real[e] = realId;
      this.flags[e] = f | F_DIRTY;
    }
    this.touch[e] = now;
    if ((f & F_LISTED) === 0 && (this.conns[e] === 0 || g.timeoutActiveconns)) this.linkTail(g, e, now + g.timeoutMs);
    return e;
  }

  private initEntry(e: number, group: number, hi: number, lo: number, realId: number): void {
    this.kHi[e] = hi;
    this.kLo[e] = lo;
    this.grp[e] = group;
    this.real[e] = realId;
    this.conns[e] = 0;
    this.touch[e] = this.clock.monotonicNow();
    this.sent[e] = this.touch[e]!;
    this.exp[e] = Infinity;
    this.prev[e] = -1;
    this.next[e] = -1;
  }

  /** A free entry id: free list, then fresh storage, then grow, then evict. */
  private allocEntry(isStatic: boolean): number {
    if (this.freeHead >= 0) {
      const e = this.freeHead;
      this.freeHead = this.next[e]!;
      this.used++;
      return e;
    }
    if (this.highWater < this.alloc) {
      this.used++;
      return this.highWater++;
    }
    if (this.alloc < this.capacity) {
      this.grow(Math.min(this.capacity, this.alloc * 2));
      this.used++;
      return this.highWater++;
    }
    // Full: reuse the entry closest to expiry (ACE: "the table wraps and the
    // oldest users lose stickiness"). Heads of the ageing lists are exactly
    // the soonest-to-expire entries of each group.
    let victim = -1;
    for (let tries = 0; ; tries++) {
      victim = -1;
      for (const g of this.groups) {
        if (g.head >= 0 && (victim < 0 || this.exp[g.head]! < this.exp[victim]!)) victim = g.head;
      }
      // A head refreshed since it was listed is not the oldest user: rotate it
      // (bounded, so a table of hot entries still evicts something).
      if (victim < 0 || tries >= 64 || this.trueExp(victim) <= this.exp[victim]!) break;
      this.rotate(this.groups[this.grp[victim]!]!, victim);
    }
    if (victim < 0) {
      if (isStatic) throw new RangeError('sticky table full of static and active entries');
      return -1;
    }
    const vg = this.grp[victim]!;
    this.removeEntry(victim);
    this.counters.evictions++;
    this.emitRemove(vg, 'evicted', 1);
    const e = this.freeHead;
    this.freeHead = this.next[e]!;
    this.used++;
    return e;
  }

  private removeEntry(e: number): void {
    const g = this.groups[this.grp[e]!]!;
    this.unlink(g, e);
    this.deleteSlot(e);
    this.flags[e] = 0;
    this.real[e] = -1;
    this.next[e] = this.freeHead;
    this.freeHead = e;
    this.used--;
  }

  private linkTail(g: GroupState, e: number, expiresAt: number): void {
    // Keep the list sorted: a rotated entry may expire before the current tail.
    const at = g.tail >= 0 && this.exp[g.tail]! > expiresAt ? this.exp[g.tail]! : expiresAt;
    this.exp[e] = at;
    expiresAt = at;
    this.prev[e] = g.tail;
    this.next[e] = -1;
    if (g.tail >= 0) this.next[g.tail] = e;
    else g.head = e;
    g.tail = e;
    g.size++;
    this.flags[e] = this.flags[e]! | F_LISTED;
    if (expiresAt < this.sweepAt) this.armSweep(expiresAt);
  }

  private unlink(g: GroupState, e: number): void {
    if ((this.flags[e]! & F_LISTED) === 0) return;
    const p = this.prev[e]!;
    const n = this.next[e]!;
    if (p >= 0) this.next[p] = n;
    else g.head = n;
    if (n >= 0) this.prev[n] = p;
    else g.tail = p;
    this.prev[e] = -1;
    this.next[e] = -1;
    g.size--;
    this.flags[e] = this.flags[e]! & ~F_LISTED;
    this.exp[e] = Infinity;
  }

  private armSweep(at: number): void {
    const due = Math.ceil(at / this.granularityMs) * this.granularityMs;
    if (due >= this.sweepAt) return;
    this.cancelSweep?.();
    this.sweepAt = due;
    this.cancelSweep = this.clock.setTimer(due - this.clock.monotonicNow(), () => this.onSweepTimer());
  }

  private onSweepTimer(): void {
    this.cancelSweep = undefined;
    this.sweepAt = Infinity;
    this.sweep();
    let earliest = Infinity;
    for (const g of this.groups) if (g.head >= 0 && this.exp[g.head]! < earliest) earliest = this.exp[g.head]!;
    if (earliest < Infinity) this.armSweep(earliest);
  }

  /** Cancels the sweep timer (shutdown, tests). */
  dispose(): void {
    this.cancelSweep?.();
    this.cancelSweep = undefined;
    this.sweepAt = Infinity;
  }

  private insertSlot(e: number): void {
    const mask = this.slotMask;
    let s = this.hash(this.grp[e]!, this.kHi[e]!, this.kLo[e]!);
    while (this.slots[s] !== 0) s = (s + 1) & mask;
    this.slots[s] = e + 1;
  }

  private deleteSlot(e: number): void {
    const slots = this.slots;
    const mask = this.slotMask;
    let i = this.hash(this.grp[e]!, this.kHi[e]!, this.kLo[e]!);
    while (slots[i] !== e + 1) {
      if (slots[i] === 0) return; // not present (cannot happen for a used entry)
      i = (i + 1) & mask;
    }
    slots[i] = 0;
    // Backward-shift: move later members of the probe run into the hole so
    // lookups never stop early at it (no tombstones, so no slow-down over time).
    let j = i;
    for (;;) {
      j = (j + 1) & mask;
      const v = slots[j]!;
      if (v === 0) return;
      const k = this.hash(this.grp[v - 1]!, this.kHi[v - 1]!, this.kLo[v - 1]!);
      const movable = i <= j ? k <= i || k > j : k <= i && k > j;
      if (movable) {
        slots[i] = v;
        slots[j] = 0;
        i = j;
      }
    }
  }

  private grow(n: number): void {
    const copy = <T extends Uint32Array | Uint16Array | Int32Array | Float64Array | Uint8Array>(a: T, make: (len: number) => T): T => {
      const b = make(n);
      b.set(a);
      return b;
    };
    this.kHi = copy(this.kHi, (l) => new Uint32Array(l));
    this.kLo = copy(this.kLo, (l) => new Uint32Array(l));
    this.grp = copy(this.grp, (l) => new Uint16Array(l));
    this.real = copy(this.real, (l) => new Int32Array(l));
    this.exp = copy(this.exp, (l) => new Float64Array(l));
    this.touch = copy(this.touch, (l) => new Float64Array(l));
    this.sent = copy(this.sent, (l) => new Float64Array(l));
    this.conns = copy(this.conns, (l) => new Int32Array(l));
    this.prev = copy(this.prev, (l) => new Int32Array(l));
    this.next = copy(this.next, (l) => new Int32Array(l));
    this.flags = copy(this.flags, (l) => new Uint8Array(l));
    this.alloc = n;
    // Load factor <= 0.5 keeps linear-probe runs short.
    let size = 1;
    while (size < n * 2) size *= 2;
    this.slots = new Int32Array(size);
    this.slotMask = size - 1;
    for (let e = 0; e < this.highWater; e++) if ((this.flags[e]! & F_USED) !== 0) this.insertSlot(e);
  }

  private emitRemove(group: number, reason: StickyRemoveReason, count: number): void {
    this.bus?.publish({ type: 'sticky.remove', group: this.groups[group]!.name, reason, count });
  }
}
