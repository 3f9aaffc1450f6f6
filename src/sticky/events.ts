// Typed events the sticky tables publish (clock-stamped by the EventBus).
// Per-entry events exist only where a consumer needs each one (replication of
// `replicate sticky` groups); bulk removals are reported as counts.

export type StickyRemoveReason = 'expired' | 'evicted' | 'real-out-of-service' | 'cleared' | 'deleted';

export type StickyEvent =
  /** A local change to a replicated group's entry: the pair link sends it to the peer. */
  | {
      type: 'sticky.learn';
      group: string;
      keyHi: number;
      keyLo: number;
      rserver: string;
      port: number;
      farm: string;
    }
  | { type: 'sticky.remove'; group: string; reason: StickyRemoveReason; count: number; rserver?: string; port?: number }
  /** Table full and nothing evictable (every entry static or with live connections). */
  | { type: 'sticky.full'; group: string };

/** Anything that accepts events (an EventBus whose event union includes these). */
export interface EventSink<E> {
  publish(event: E): unknown;
}
