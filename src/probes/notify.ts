// Probe notifications: ACE-format syslog lines (pure formatters, §9.2), pino logs
// of state changes, and SNMP cesRealServerStateChange traps (§9.1) when a farm
// member's probe verdict flips. Secrets (community) are revealed only into the
// SNMP session. Timebase: none of its own; events carry the bus's atMs.
import snmp from 'net-snmp';
import type { Varbind } from 'net-snmp';
import type { ContextModel } from '../config/model.js';
import type { EventBus } from '../core/event-bus.js';
import type { Secret } from '../core/secret.js';
import { memberProbeVerdict } from './probe-state.js';
import type { ProbeOptions } from './options.js';
import type { ProbeLogger } from './probe-engine.js';
import { instanceId } from './types.js';
import type { ProbeCause, ProbeEvent, ProbeHealth, ProbeInstance, ProbeInstanceKey, ProbeResult } from './types.js';

// ---------------------------------------------------------------- syslog (pure)

/** Text after "Health probe failed for server …," per cause; lower case like the device samples. */
export const CAUSE_TEXT: Record<ProbeCause, string> = {
  OK: 'ok',
  L4_REFUSED: 'connection refused by server',
  L4_OPEN_TIMEOUT: 'server open timeout (no SYN ACK)',
  L4_RESET: 'connection reset by server',
  L4_UNREACHABLE: 'no route to host',
  L7_RECEIVE_TIMEOUT: 'server reply timeout',
  L7_BAD_STATUS: 'Received invalid status code',
  L7_REGEX_MISMATCH: 'regex not found',
  L7_HASH_MISMATCH: 'hash mismatch',
  L7_PROTOCOL_ERROR: 'invalid reply from server',
  L7_DNS_MISMATCH: 'DNS reply does not match expected address',
  L7_SNMP_ERROR: 'SNMP reply error',
  TLS_ERROR: 'SSL handshake failed',
  ICMP_UNREACHABLE: 'ICMP unreachable',
  ICMP_TIMEOUT: 'server reply timeout',
  NOT_PERMITTED: 'internal error (probe not permitted)',
  NOT_SIMULATED: 'internal error (probe type not simulated)',
  INTERNAL_ERROR: 'internal error',
};

/** `show probe … detail` "Last disconnect err" strings (§4.6). */
export const DISCONNECT_ERR: Record<ProbeCause, string> = {
  OK: '-',
  L4_REFUSED: 'Connection refused by server',
  L4_OPEN_TIMEOUT: 'Server open timeout (no SYN ACK)',
  L4_RESET: 'Connection reset by server',
  L4_UNREACHABLE: 'No route to host',
  L7_RECEIVE_TIMEOUT: 'Server reply timeout',
  L7_BAD_STATUS: 'Received invalid status code',
  L7_REGEX_MISMATCH: 'Regex not found',
  L7_HASH_MISMATCH: 'Hash mismatch',
  L7_PROTOCOL_ERROR: 'Invalid reply from server',
  L7_DNS_MISMATCH: 'DNS address mismatch',
  L7_SNMP_ERROR: 'SNMP error',
  TLS_ERROR: 'SSL handshake failed',
  ICMP_UNREACHABLE: 'ICMP unreachable',
  ICMP_TIMEOUT: 'Server reply timeout',
  NOT_PERMITTED: 'Internal error',
  NOT_SIMULATED: 'Internal error',
  INTERNAL_ERROR: 'Internal error',
};

/**
 * One %ACE-3-2510xx line per failed attempt (§9.2): connectivity errors (no SYN-ACK,
 * no route) use 251008 "A:P, connectivity error: …"; ICMP probes 251011; every other
 * failure 251010 "A on port P, …". Undefined for a passing attempt.
 */
export function syslogForAttempt(key: ProbeInstanceKey, result: ProbeResult): string | undefined {
  if (result.ok) return undefined;
  const text = CAUSE_TEXT[result.cause];
  if (key.probeType === 'icmp') return `%ACE-3-251011: ICMP health probe failed for server ${key.address}, ${text}`;
  if (result.cause === 'L4_OPEN_TIMEOUT' || result.cause === 'L4_UNREACHABLE') {
    return `%ACE-3-251008: Health probe failed for server ${key.address}:${key.port}, connectivity error: ${text}`;
  }
  return `%ACE-3-251010: Health probe failed for server ${key.address} on port ${key.port}, ${text}`;
}

/**
 * %ACE-4-442001 (UP) / 442002 (DOWN) for a farm-attached instance, 442003 for a
 * global-rserver probe [U-L]. DOWN on any transition into FAILED; UP only on
 * FAILED → PASSED (the real already counted as up while INIT). Else undefined.
 */
export function syslogForStateChange(key: ProbeInstanceKey, from: ProbeHealth, to: ProbeHealth, vlan?: number): string | undefined {
  let up: boolean;
  if (to === 'FAILED' && from !== 'FAILED') up = false;
  else if (to === 'PASSED' && from === 'FAILED') up = true;
  else return undefined;
  const itf = vlan !== undefined ? `vlan${vlan}` : 'unknown';
  const state = up ? 'UP' : 'DOWN';
  if (key.farm === undefined) return `%ACE-4-442003: Health probe ${key.probe} detected ${key.rserver} (interface ${itf}) changed state to ${state}`;
  return `%ACE-4-${up ? '442001' : '442002'}: Health probe ${key.probe} detected ${key.rserver} (interface ${itf}) in serverfarm ${key.farm} changed state to ${state}`;
}

// ---------------------------------------------------------------- SNMP traps

export const CES_REAL_SERVER_STATE_CHANGE_OID = '1.3.6.1.4.1.9.9.470.0.3';
const CES = '1.3.6.1.4.1.9.9.470.1';
/** Varbind OIDs of CISCO-ENHANCED-SLB-MIB (§9.1). */
export const CES_OIDS = {
  realServerName: `${CES}.5.1`,
  probeName: `${CES}.5.2`,
  serverFarmName: `${CES}.5.3`,
  rserverIpAddressType: `${CES}.1.1.1.3`,
  rserverIpAddress: `${CES}.1.1.1.4`,
  farmRserverAdminStatus: `${CES}.1.3.1.6`,
  farmRserverOperStatus: `${CES}.1.3.1.7`,
  farmRserverStateDescr: `${CES}.1.3.1.8`,
  farmRserverBackupPort: `${CES}.1.3.1.10`,
} as const;

/** SlbRealServerState (§2.3) values used by probe-driven changes. */
export const REAL_STATE = { inService: 2, probeFailed: 9, standby: 16 } as const;
/** CiscoRserverAdminStatus. */
export const ADMIN_STATUS = { inservice: 1, outofservice: 2, standby: 3 } as const;

export interface TrapTarget {
  address: string;
  port: number;
  version: '1' | '2c';
  community: Secret;
}

export interface RealServerStateChange {
  farm: string;
  rserver: string;
  memberPort: number;
  address: string;
  admin: 'inservice' | 'outofservice' | 'standby';
  up: boolean;
  probe: string;
}

/** `snmp-server enable traps` covering `slb KIND`: bare (all), `slb`, or `slb KIND`. */
export function slbTrapsEnabled(ctx: ContextModel, kind: 'real' | 'serverfarm' | 'vserver'): boolean {
  return ctx.snmp.enabledTraps.some((e) => e.words.length === 0 || (e.words[0] === 'slb' && (e.words.length === 1 || e.words[1] === kind)));
}

/** `snmp-server enable traps` covering `slb real`. */
export function slbRealTrapsEnabled(ctx: ContextModel): boolean {
  return slbTrapsEnabled(ctx, 'real');
}

/** `snmp-server host … traps` targets (v1/v2c) when `slb KIND` traps are enabled (default real); else none. */
export function trapTargets(ctx: ContextModel, kind: 'real' | 'serverfarm' | 'vserver' = 'real'): TrapTarget[] {
  if (!slbTrapsEnabled(ctx, kind)) return [];
  return ctx.snmp.hosts
    .filter((h) => h.notification === 'traps' && (h.version === '1' || h.version === '2c'))
    .map((h) => ({ address: h.address, port: h.port ?? 162, version: h.version as '1' | '2c', community: h.community }));
}

/** Table index of a SnmpAdminString component: length then octets. */
function strIndex(s: string): string {
  const bytes = [...Buffer.from(s, 'utf8')];
  return [bytes.length, ...bytes].join('.');
}

export function realServerStateChangeVarbinds(c: RealServerStateChange, slbEntity = 1): Varbind[] {
  const T = snmp.ObjectType;
  const rowFarm = `${slbEntity}.${strIndex(c.farm)}.${strIndex(c.rserver)}.${c.memberPort}`;
  const rowRs = `${slbEntity}.${strIndex(c.rserver)}`;
  const v4 = /^\d+\.\d+\.\d+\.\d+$/.test(c.address);
  const addrBytes = v4 ? Buffer.from(c.address.split('.').map(Number)) : Buffer.from(c.address, 'utf8');
  return [
    { oid: `${CES_OIDS.realServerName}.0`, type: T.OctetString, value: c.rserver },
    { oid: `${CES_OIDS.farmRserverBackupPort}.${rowFarm}`, type: T.Gauge, value: 0 },
    { oid: `${CES_OIDS.serverFarmName}.0`, type: T.OctetString, value: c.farm },
    { oid: `${CES_OIDS.farmRserverAdminStatus}.${rowFarm}`, type: T.Integer, value: ADMIN_STATUS[c.admin] },
    { oid: `${CES_OIDS.farmRserverOperStatus}.${rowFarm}`, type: T.Integer, value: c.up ? (c.admin === 'standby' ? REAL_STATE.standby : REAL_STATE.inService) : REAL_STATE.probeFailed },
    { oid: `${CES_OIDS.rserverIpAddressType}.${rowRs}`, type: T.Integer, value: v4 ? 1 : 2 },
    { oid: `${CES_OIDS.rserverIpAddress}.${rowRs}`, type: T.OctetString, value: addrBytes },
    { oid: `${CES_OIDS.farmRserverStateDescr}.${rowFarm}`, type: T.OctetString, value: c.up ? 'Health probe passed' : 'Health probe failed' },
    { oid: `${CES_OIDS.probeName}.0`, type: T.OctetString, value: c.probe },
  ];
}

export interface TrapSender {
  realServerStateChange(change: RealServerStateChange): Promise<void>;
}

/** Sends traps with net-snmp, one short-lived session per target and trap. */
export class SnmpTrapSender implements TrapSender {
  constructor(
    private readonly targets: readonly TrapTarget[],
    private readonly logger?: ProbeLogger,
  ) {}

  static fromContext(ctx: ContextModel, logger?: ProbeLogger): SnmpTrapSender {
    return new SnmpTrapSender(trapTargets(ctx), logger);
  }

  async realServerStateChange(change: RealServerStateChange): Promise<void> {
    await this.send(CES_REAL_SERVER_STATE_CHANGE_OID, realServerStateChangeVarbinds(change));
  }

  /** One trap to every target; failures are logged, never thrown. */
  async send(trapOid: string, varbinds: Varbind[]): Promise<void> {
    await Promise.all(
      this.targets.map(
        (t) =>
          new Promise<void>((resolve) => {
            const session = snmp.createSession(t.address, t.community.reveal(), {
              trapPort: t.port,
              version: t.version === '2c' ? snmp.Version2c : snmp.Version1,
              transport: t.address.includes(':') ? 'udp6' : 'udp4',
            });
            session.on('error', () => {});
            session.trap(trapOid, varbinds, (err) => {
              if (err) this.logger?.warn({ target: `${t.address}:${t.port}`, err: err.message }, 'SNMP trap send failed');
              session.close();
              resolve();
            });
          }),
      ),
    );
  }
}

// ---------------------------------------------------------------- wiring

export interface ProbeNotifierDeps {
  bus: EventBus<ProbeEvent>;
  instances: readonly ProbeInstance[];
  logger?: ProbeLogger;
  /** Receives each ACE syslog line (e.g. a syslog forwarder or the lab's log). */
  syslog?: (line: string) => void;
  traps?: TrapSender;
  /** fail-on-all of a farm member (farm or member level); default AND logic. */
  failOnAll?: (farm: string, rserver: string, memberPort: number | undefined) => boolean;
  options: Pick<ProbeOptions, 'initCountsAsOperational'>;
}

/**
 * Subscribes to the probe bus: a 2510xx line per failed attempt, a 4420xx line and a
 * log record per instance transition, and a trap per farm-member verdict flip.
 * Returns the unsubscribe function.
 */
export function attachProbeNotifier(deps: ProbeNotifierDeps): () => void {
  const byId = new Map(deps.instances.map((i) => [i.id, i]));
  const health = new Map<string, ProbeHealth>(deps.instances.map((i) => [i.id, i.enabled ? 'INIT' : 'DISABLED']));
  // Members keyed farm|rserver|port → instance ids deciding them (farm, member and global rserver probes).
  const members = new Map<string, { farm: string; rserver: string; memberPort: number | undefined; ids: string[]; verdict: 'PASS' | 'FAIL' }>();
  for (const inst of deps.instances) {
    for (const m of inst.members) {
      if (m.farm === undefined) continue;
      const k = `${m.farm}|${m.rserver}|${m.memberPort ?? ''}`;
      let e = members.get(k);
      if (!e) members.set(k, (e = { farm: m.farm, rserver: m.rserver, memberPort: m.memberPort, ids: [], verdict: 'PASS' }));
      if (!e.ids.includes(inst.id)) e.ids.push(inst.id);
    }
  }
  for (const inst of deps.instances) {
    if (inst.key.farm !== undefined) continue;
    for (const e of members.values()) if (e.rserver === inst.key.rserver && !e.ids.includes(inst.id)) e.ids.push(inst.id);
  }
  for (const e of members.values()) e.verdict = verdictOf(e.ids, e);

  function verdictOf(ids: string[], e: { farm: string; rserver: string; memberPort: number | undefined }): 'PASS' | 'FAIL' {
    const fo = deps.failOnAll?.(e.farm, e.rserver, e.memberPort) ?? false;
    return memberProbeVerdict(ids.map((id) => health.get(id) ?? 'DISABLED'), fo, deps.options);
  }

  return deps.bus.subscribe((ev) => {
    if (ev.type === 'probe.result') {
      const line = syslogForAttempt(ev.key, ev.result);
      if (line) deps.syslog?.(line);
      return;
    }
    const id = instanceId(ev.key);
    const inst = byId.get(id);
    deps.logger?.info({ probe: ev.key.probe, farm: ev.key.farm, rserver: ev.key.rserver, address: ev.key.address, port: ev.key.port, from: ev.from, to: ev.to, cause: ev.cause }, 'probe health changed');
    const line = syslogForStateChange(ev.key, ev.from, ev.to, inst?.vlan);
    if (line) deps.syslog?.(line);
    if (!inst) return;
    health.set(id, ev.to);
    for (const e of members.values()) {
      if (!e.ids.includes(id)) continue;
      const v = verdictOf(e.ids, e);
      if (v === e.verdict) continue;
      e.verdict = v;
      const admin = inst.admin;
      void deps.traps?.realServerStateChange({
        farm: e.farm,
        rserver: e.rserver,
        memberPort: e.memberPort ?? 0,
        address: ev.key.address,
        admin,
        up: v === 'PASS',
        probe: ev.key.probe,
      });
    }
  });
}
