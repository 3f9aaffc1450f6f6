// Typed events the load-balancing core publishes (the EventBus stamps atMs).
// Consumers: mgmt (show, traps, syslog), lab/sim measurements, proxy
// (failaction). Events are emitted on transitions only, never per connection.
import type { RealToken } from './types.js';

export type RealStateReason =
  | 'admin'
  | 'probe'
  | 'inband'
  | 'inband-resume'
  | 'conn-limit'
  | 'config';

export type FarmState = 'UP' | 'DOWN';

/** VIP (virtual server) operational state, §11.2. */
export type VipState = 'UP' | 'DOWN' | 'OUTOFSERVICE';

export type FarmEvent =
  | { type: 'real.state'; farm: string; rserver: string; port: number; address: string; from: RealToken; to: RealToken; reason: RealStateReason }
  | { type: 'farm.state'; farm: string; from: FarmState; to: FarmState; operational: number; total: number }
  /** A VIP's state moved because its farms did (never on config load; OUTOFSERVICE is config, not an event). */
  | { type: 'vip.state'; vip: string; policy: string; from: VipState; to: VipState }
  /** Existing connections of a real that left service: what the proxy should do with them (§3.5). */
  | { type: 'real.failaction'; farm: string; rserver: string; port: number; action: 'purge' | 'reassign'; backup?: { rserver: string; port: number } }
  | { type: 'inband.threshold'; farm: string; rserver: string; port: number; failures: number; threshold: number; mode: 'log' | 'remove' };
