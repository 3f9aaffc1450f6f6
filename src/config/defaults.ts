// ACE defaults the model resolves to (ace-semantics §0.3, §4.2, §10), and the
// empty-model constructors. Printers omit a value equal to its default, as
// `show running-config` does.
import type { ContextModel, FtConfig, HttpParameterMap, LengthExceed, LoggingConfig, Model, PersistenceRebalance, Platform, Probe, ProbeType, SnmpConfig, SourcePos, VipClass } from './model.js';

export const PROBE_INTERVAL_MS = 15_000;
export const PROBE_FAILDETECT = 3;
export const PROBE_PASSDETECT_COUNT = 3;
export const PROBE_RECEIVE_MS = 10_000;
/** Appliance (all) and module from A4(1.0). */
export const PROBE_PASSDETECT_INTERVAL_MS = 60_000;
export const PROBE_OPEN_MS = 1_000;
export const RSERVER_WEIGHT = 8;
export const STICKY_TIMEOUT_MS = 1440 * 60_000;
export const FT_HEARTBEAT_INTERVAL_MS = 300;
export const FT_HEARTBEAT_COUNT = 10;
export const FT_PRIORITY = 100;
export const INBAND_RESET_MS = 100;

/**
 * HTTP persistence rebalance when a VIP has no HTTP parameter map, or one without a persistence-rebalance line.
 * The sources differ by release: the 4700 appliance's Device Manager guide (A5) says enabled by default, the
 * module's A2(2.1) release note disabled. acesim models the appliance, so `enabled`; a config written for the
 * old module says `no persistence-rebalance` in a map to get the other (docs/ace-compatibility.md).
 */
export const PERSISTENCE_REBALANCE: PersistenceRebalance = 'enabled';

/** A VIP class's HTTP parameter map (`appl-parameter http advanced-options NAME`), if it has one that is defined. */
export function httpParametersOf(ctx: ContextModel, vc: VipClass): HttpParameterMap | undefined {
  const name = vc.httpParameters?.name;
  return name === undefined ? undefined : ctx.httpParameterMaps.find((m) => m.name === name);
}

/** A VIP class's persistence rebalance: its map's setting, else the default. */
export function persistenceRebalanceOf(ctx: ContextModel, vc: VipClass): PersistenceRebalance {
  return httpParametersOf(ctx, vc)?.persistenceRebalance?.mode ?? PERSISTENCE_REBALANCE;
}

/**
 * How many bytes of a request's line and header fields the ACE parses on an L7 VIP without `set
 * header-maxparse-length` (ace-semantics §5.1, from the A5 command reference: 2048 bytes), and what it does with a
 * longer one without `length-exceed` (drop: the connection is reset). docs/ace-compatibility.md, "HTTP parse length".
 */
export const HEADER_MAXPARSE_LENGTH = 2048;
export const LENGTH_EXCEED: LengthExceed = 'drop';

/** The HTTP parse length an L7 VIP applies: its map's settings, else the defaults. */
export interface ParseLimit {
  bytes: number;
  exceed: LengthExceed;
}

/** A VIP class's HTTP parse length and what happens beyond it. */
export function parseLimitOf(ctx: ContextModel, vc: VipClass): ParseLimit {
  const m = httpParametersOf(ctx, vc);
  return { bytes: m?.headerMaxParse?.bytes ?? HEADER_MAXPARSE_LENGTH, exceed: m?.lengthExceed?.mode ?? LENGTH_EXCEED };
}

/** Default probe port by type (ace-semantics §4.1); undefined where none. */
export const PROBE_DEFAULT_PORT: Record<ProbeType, number | undefined> = {
  icmp: undefined,
  tcp: 80,
  udp: 53,
  'echo-tcp': 7,
  'echo-udp': 7,
  finger: 79,
  http: 80,
  https: 443,
  dns: 53,
  ftp: 21,
  imap: 143,
  pop: 110,
  radius: 1812,
  rtsp: 554,
  scripted: undefined,
  'sip-tcp': 5060,
  'sip-udp': 5060,
  smtp: 25,
  snmp: 161,
  telnet: 23,
  vm: undefined,
};

export function defaultProbe(name: string, type: ProbeType, pos: SourcePos, platform: Platform = 'appliance'): Probe {
  return {
    name,
    type,
    pos,
    intervalMs: PROBE_INTERVAL_MS,
    faildetect: PROBE_FAILDETECT,
    passdetectIntervalMs: platform === 'module' ? 300_000 : PROBE_PASSDETECT_INTERVAL_MS,
    passdetectCount: PROBE_PASSDETECT_COUNT,
    receiveMs: PROBE_RECEIVE_MS,
    openMs: PROBE_OPEN_MS,
    connectionTermForced: false,
    expectStatus: [],
    request: { method: 'get', url: '/' },
    headers: [],
    appendPortHosttag: false,
    expectAddresses: [],
    oids: [],
    rportEnable: false,
  };
}

export function emptySnmp(): SnmpConfig {
  return { communities: [], hosts: [], enabledTraps: [] };
}

export function emptyLogging(): LoggingConfig {
  return { enable: false, hosts: [], timestamp: false };
}

export function emptyContext(name: string, pos: SourcePos): ContextModel {
  return {
    name,
    pos,
    accessLists: [],
    probes: [],
    rservers: [],
    serverfarms: [],
    stickyGroups: [],
    classMaps: [],
    policyMaps: [],
    interfaces: [],
    routes: [],
    globalServicePolicies: [],
    snmp: emptySnmp(),
    logging: emptyLogging(),
    httpParameterMaps: [],
    unsimulated: [],
  };
}

export function emptyFt(): FtConfig {
  return { interfaces: [], peers: [], groups: [], tracks: [], autoSyncRunning: true, autoSyncStartup: true };
}

export function emptyModel(file: string, platform: Platform = 'appliance'): Model {
  return {
    platform,
    resourceClasses: [],
    contextDefs: [],
    users: [],
    ft: emptyFt(),
    contexts: [emptyContext('Admin', { file, line: 1, col: 1 })],
  };
}
