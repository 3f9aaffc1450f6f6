// The typed model of an ACE configuration: plain data, type-only (no logic).
// Engine code (probes, farm, sticky, ha) imports only these types, never the
// parser. Invariants: values are resolved (defaults filled in), durations are
// integer milliseconds with the unit in the name, references are by name and
// checked by validate.ts, every object carries the position it came from.
import type { Secret } from '../core/secret.js';

export interface SourcePos {
  readonly file: string;
  /** 1-based. */
  readonly line: number;
  /** 1-based. */
  readonly col: number;
}

/** A by-name reference to another object, with where it was written. */
export interface Ref {
  name: string;
  pos: SourcePos;
}

export type Platform = 'appliance' | 'module';

export interface Model {
  /** Drives version-dependent defaults (ace-semantics §0.3). Default appliance A5. */
  platform: Platform;
  hostname?: string;
  bootImage?: string;
  resourceClasses: ResourceClass[];
  contextDefs: ContextDef[];
  users: User[];
  ft: FtConfig;
  /** Config contexts; the first is always Admin. */
  contexts: ContextModel[];
}

export interface ContextModel {
  name: string;
  pos: SourcePos;
  accessLists: AccessList[];
  probes: Probe[];
  rservers: Rserver[];
  serverfarms: Serverfarm[];
  stickyGroups: StickyGroup[];
  classMaps: ClassMap[];
  policyMaps: PolicyMap[];
  interfaces: VlanInterface[];
  routes: IpRoute[];
  /** `service-policy input NAME` at context level: applies to every interface. */
  globalServicePolicies?: Ref[];
  snmp: SnmpConfig;
  logging: LoggingConfig;
  /** `parameter-map type http` blocks (other parameter-map types are kept in `unsimulated`). */
  httpParameterMaps: HttpParameterMap[];
  /** Valid ACE blocks acesim parses but does not simulate, kept so nothing is dropped. */
  unsimulated: RawBlock[];
}

/** Lines kept verbatim (a construct acesim knows but does not model). */
export interface RawBlock {
  pos: SourcePos;
  lines: string[];
}

// ---------------------------------------------------------------- Admin

export interface ResourceLimit {
  resource: string; // e.g. "all", "conc-connections", "rate connections"
  minimumPct: number;
  /** Percent, or 'unlimited' / 'equal-to-min'. */
  maximum: number | 'unlimited' | 'equal-to-min';
}

export interface ResourceClass {
  name: string;
  pos: SourcePos;
  limits: ResourceLimit[];
}

export interface ContextDef {
  name: string;
  pos: SourcePos;
  description?: string;
  member?: Ref;
  allocateInterfaces: string[]; // e.g. "vlan 100-101"
}

export interface User {
  name: string;
  pos: SourcePos;
  password?: Secret;
  /** 0 = clear text, 5 = MD5 hash (as `username NAME password 5 HASH`). */
  passwordType?: number;
  role?: string;
  domain?: string;
}

// ---------------------------------------------------------------- FT

export interface FtConfig {
  interfaces: FtInterface[];
  peers: FtPeer[];
  groups: FtGroup[];
  tracks: FtTrack[];
  autoSyncRunning: boolean;
  autoSyncStartup: boolean;
}

export interface FtInterface {
  vlan: number;
  pos: SourcePos;
  ipAddress?: IpWithMask;
  peerIpAddress?: IpWithMask;
  shutdown: boolean;
}

export interface FtPeer {
  id: number;
  pos: SourcePos;
  heartbeatIntervalMs: number; // default 300
  heartbeatCount: number; // default 10
  ftInterfaceVlan?: number;
  queryInterfaceVlan?: number;
}

export interface FtGroup {
  id: number;
  pos: SourcePos;
  peer?: number;
  priority: number; // default 100
  peerPriority: number; // default 100
  preempt: boolean; // default true
  associateContexts: Ref[];
  inservice: boolean;
}

export interface FtTrackSide {
  /** Host address (host), VLAN (interface) or HSRP group name (hsrp). */
  target?: string;
  probes: { probe: Ref; priority: number }[];
  priority: number;
}

export interface FtTrack {
  kind: 'interface' | 'host' | 'hsrp';
  name: string;
  pos: SourcePos;
  local: FtTrackSide;
  peer: FtTrackSide;
}

// ---------------------------------------------------------------- addresses

export interface IpWithMask {
  address: string;
  mask: string;
}

/** `any`, `host A`, or `A MASK` in ACLs and match lines. */
export type AddressSpec = { kind: 'any' } | { kind: 'host'; address: string } | { kind: 'net'; address: string; mask: string };

export type PortSpec =
  | { kind: 'any' }
  | { kind: 'eq'; port: number }
  | { kind: 'neq'; port: number }
  | { kind: 'lt'; port: number }
  | { kind: 'gt'; port: number }
  | { kind: 'range'; from: number; to: number };

// ---------------------------------------------------------------- ACLs

export interface AccessList {
  name: string;
  pos: SourcePos;
  entries: AclEntry[];
}

export type AclEntry =
  | {
      kind: 'rule';
      pos: SourcePos;
      lineNo?: number;
      action: 'permit' | 'deny';
      /** 'ip', 'tcp', 'udp', 'icmp', or an IP protocol number. */
      protocol: string;
      source: AddressSpec;
      sourcePort?: PortSpec;
      destination: AddressSpec;
      destinationPort?: PortSpec;
      icmpType?: string;
    }
  | { kind: 'remark'; pos: SourcePos; lineNo?: number; text: string }
  | { kind: 'ethertype'; pos: SourcePos; action: 'permit' | 'deny'; ethertype: string };

// ---------------------------------------------------------------- probes

export type ProbeType =
  | 'icmp'
  | 'tcp'
  | 'udp'
  | 'echo-tcp'
  | 'echo-udp'
  | 'finger'
  | 'http'
  | 'https'
  | 'dns'
  | 'ftp'
  | 'imap'
  | 'pop'
  | 'radius'
  | 'rtsp'
  | 'scripted'
  | 'sip-tcp'
  | 'sip-udp'
  | 'smtp'
  | 'snmp'
  | 'telnet'
  | 'vm';

export interface StatusRange {
  min: number;
  max: number;
}

export interface SnmpOid {
  oid: string;
  threshold?: number;
  typeAbsoluteMax?: number;
  weight?: number;
}

export interface Probe {
  name: string;
  type: ProbeType;
  pos: SourcePos;
  description?: string;
  /** Configured port; undefined → inherited (ace-semantics §4.4). */
  port?: number;
  ipAddress?: { address: string; routed: boolean };
  intervalMs: number; // default 15 s
  faildetect: number; // default 3
  passdetectIntervalMs: number; // default 60 s (module < A4: 300 s)
  passdetectCount: number; // default 3
  receiveMs: number; // default 10 s
  openMs: number; // default 1 s
  /** `connection term forced`: close with RST instead of FIN. */
  connectionTermForced: boolean;
  expectStatus: StatusRange[];
  expectRegex?: { regex: string; offset?: number };
  sendData?: string;
  /** HTTP/HTTPS/RTSP request; defaults GET /. */
  request: { method: string; url: string };
  headers: { name: string; value: string }[];
  credentials?: { username: string; password?: Secret };
  /** Present when `hash` is configured; md5 undefined → learn from first response. */
  hash?: { md5?: string };
  appendPortHosttag: boolean;
  sslVersion?: string;
  sslCipher?: string;
  /** dns */
  domain?: string;
  expectAddresses: string[];
  /** imap/pop/ftp */
  requestCommand?: string;
  mailbox?: string;
  /** snmp */
  community?: Secret;
  snmpVersion?: '1' | '2c';
  oids: SnmpOid[];
  /** radius */
  radiusSecret?: Secret;
  nasIpAddress?: string;
  /** scripted */
  script?: { name: string; args: string[] };
  /** sip udp */
  rportEnable: boolean;
}

// ---------------------------------------------------------------- rservers

export type AdminState = 'inservice' | 'standby' | 'outofservice';

export interface ConnLimit {
  max: number;
  min: number;
}

export interface RateLimit {
  connection?: number;
  bandwidth?: number;
}

export interface Rserver {
  name: string;
  kind: 'host' | 'redirect';
  pos: SourcePos;
  description?: string;
  ipAddress?: string;
  weight: number; // default 8
  connLimit?: ConnLimit;
  rateLimit: RateLimit;
  probes: Ref[];
  failOnAll: boolean;
  admin: AdminState; // default outofservice (no `inservice` line)
  webhostRedirection?: { url: string; code: 301 | 302 };
}

// ---------------------------------------------------------------- serverfarms

export type Predictor =
  | { kind: 'roundrobin' }
  | { kind: 'leastconns'; slowstartS?: number }
  | { kind: 'hash-address'; which: 'source' | 'destination' | 'both'; netmask: string }
  /** Parsed and kept, not simulated (falls back to round robin with a warning). */
  | { kind: 'unsimulated'; text: string };

export interface InbandHealth {
  mode: 'count' | 'log' | 'remove';
  threshold?: number;
  resetMs?: number; // default 100
  resumeServiceS?: number; // default 0 (manual recovery)
}

export interface RetcodeMap {
  min: number;
  max: number;
  mode: 'count' | 'log' | 'remove';
  threshold?: number;
  resetS?: number;
  resumeServiceS?: number;
}

export interface FarmMember {
  rserver: Ref;
  /** Real-server port; undefined → keep the VIP's destination port. */
  port?: number;
  pos: SourcePos;
  description?: string;
  /** Overrides the rserver's weight in this farm. */
  weight?: number;
  backup?: { rserver: Ref; port?: number };
  connLimit?: ConnLimit;
  rateLimit: RateLimit;
  cookieString?: string;
  probes: Ref[];
  failOnAll: boolean;
  admin: AdminState;
}

export interface Serverfarm {
  name: string;
  kind: 'host' | 'redirect';
  pos: SourcePos;
  description?: string;
  predictor: Predictor;
  probes: Ref[];
  failOnAll: boolean;
  failaction?: 'purge' | 'reassign' | 'reassign-across-interface';
  inbandHealth?: InbandHealth;
  partialThreshold?: { thresholdPct: number; backInservicePct: number };
  retcodeMaps: RetcodeMap[];
  transparent: boolean;
  members: FarmMember[];
  /** Farm sub-commands kept verbatim (dws, predictor autoadjust …); not simulated. */
  unsimulatedLines?: string[];
}

// ---------------------------------------------------------------- sticky

export type StickyKind =
  | 'ip-netmask'
  | 'ipv6-prefix'
  | 'http-cookie'
  | 'http-content'
  | 'http-header'
  | 'layer4-payload'
  | 'radius'
  | 'rtsp-header'
  | 'sip-header';

export interface StickyStatic {
  pos: SourcePos;
  clientSource?: string;
  destination?: string;
  /** Non-IP groups: the static value (cookie-value, header-value …). */
  value?: string;
  rserver: Ref;
  port?: number;
}

export interface StickyGroup {
  name: string;
  kind: StickyKind;
  /** Only ip-netmask is simulated; others are kept and warned about. */
  simulated: boolean;
  pos: SourcePos;
  netmask?: string; // ip-netmask
  prefixLength?: number; // ipv6-prefix
  address?: 'source' | 'destination' | 'both';
  /** Extra argument of the heading (cookie or header name). */
  keyName?: string;
  timeoutMs: number; // default 1440 min
  timeoutActiveconns: boolean;
  replicate: boolean;
  serverfarm?: { primary: Ref; backup?: Ref; backupSticky: boolean; aggregateState: boolean };
  statics: StickyStatic[];
  /** Sub-mode lines of unsimulated groups, kept verbatim. */
  extraLines: string[];
}

// ---------------------------------------------------------------- class-maps

export type VipProtocol = 'any' | 'tcp' | 'udp' | number;

export type ClassMatch =
  | {
      kind: 'virtual-address';
      pos: SourcePos;
      lineNo?: number;
      address: string;
      mask: string; // default 255.255.255.255
      protocol: VipProtocol;
      ports: PortSpec; // any / eq / range
    }
  | { kind: 'source-address'; pos: SourcePos; lineNo?: number; address: string; mask: string }
  | { kind: 'destination-address'; pos: SourcePos; lineNo?: number; address: string; mask: string }
  | { kind: 'port'; pos: SourcePos; lineNo?: number; protocol: 'tcp' | 'udp'; ports: PortSpec }
  | { kind: 'access-list'; pos: SourcePos; lineNo?: number; acl: Ref }
  | { kind: 'any'; pos: SourcePos; lineNo?: number }
  | { kind: 'http-url'; pos: SourcePos; lineNo?: number; regex: string; method?: string }
  | { kind: 'http-header'; pos: SourcePos; lineNo?: number; name: string; value: string }
  | { kind: 'http-cookie'; pos: SourcePos; lineNo?: number; name: string; value: string }
  | { kind: 'class-map'; pos: SourcePos; lineNo?: number; classMap: Ref }
  | { kind: 'protocol'; pos: SourcePos; lineNo?: number; protocol: string; source: AddressSpec }
  /** Kept verbatim; not simulated. */
  | { kind: 'unsimulated'; pos: SourcePos; lineNo?: number; text: string };

export type ClassMapType = 'l4' | 'http-loadbalance' | 'management' | 'other';

export interface ClassMap {
  name: string;
  type: ClassMapType;
  /** For type 'other': the words after `class-map type`. */
  typeText?: string;
  matchMode: 'all' | 'any';
  pos: SourcePos;
  description?: string;
  matches: ClassMatch[];
}

// ---------------------------------------------------------------- parameter maps

/**
 * What an L7 VIP does with the next request on a keep-alive client connection (the ACE's HTTP persistence rebalance):
 * `enabled` (`persistence-rebalance`): same class → the previous request's real, another class → balanced afresh;
 * `strict` (`persistence-rebalance strict`): every request balanced; `disabled` (`no persistence-rebalance`): every
 * request goes to the first one's real, whatever class it matches, and `insert-http` applies to that first request only.
 */
export type PersistenceRebalance = 'enabled' | 'strict' | 'disabled';

/**
 * What an L7 VIP does with a request whose request line and header fields are longer than the parse length
 * (`set header-maxparse-length`): `drop` resets the client connection (the ACE's default); `continue` load-balances
 * on the part parsed, and the connection's later requests stay on that real (persistence rebalance off for it).
 */
export type LengthExceed = 'continue' | 'drop';

export interface HttpParameterMap {
  name: string;
  pos: SourcePos;
  description?: string;
  /** The last persistence-rebalance line of the block; absent: the default (PERSISTENCE_REBALANCE in defaults.ts). */
  persistenceRebalance?: { mode: PersistenceRebalance; pos: SourcePos };
  /** `case-insensitive`: the VIP's http class-maps match URLs, header values and cookie names and values regardless of case. */
  caseInsensitive?: boolean;
  /** The last `set header-maxparse-length BYTES` line; absent: the default (HEADER_MAXPARSE_LENGTH in defaults.ts). */
  headerMaxParse?: { bytes: number; pos: SourcePos };
  /** The last `length-exceed continue|drop` line; absent: the default (LENGTH_EXCEED in defaults.ts). */
  lengthExceed?: { mode: LengthExceed; pos: SourcePos };
  /** The block's other sub-commands (server-conn reuse, set content-maxparse-length …), kept verbatim; not simulated. */
  otherLines: { pos: SourcePos; text: string }[];
}

// ---------------------------------------------------------------- policy-maps

export type LbAction =
  | { kind: 'serverfarm'; pos: SourcePos; farm: Ref; backup?: Ref; aggregateState: boolean }
  | { kind: 'sticky-serverfarm'; pos: SourcePos; group: Ref }
  | { kind: 'drop'; pos: SourcePos }
  | { kind: 'forward'; pos: SourcePos }
  | { kind: 'insert-http'; pos: SourcePos; header: string; value: string }
  | { kind: 'unsimulated'; pos: SourcePos; text: string };

export interface LbPolicyClass {
  /** A class-map name or 'class-default'. */
  classMap: Ref;
  pos: SourcePos;
  actions: LbAction[];
}

export interface MgmtPolicyClass {
  classMap: Ref;
  pos: SourcePos;
  action?: 'permit' | 'deny';
}

export interface VipClass {
  classMap: Ref;
  pos: SourcePos;
  /** `loadbalance vip inservice`: without it the VIP is OUTOFSERVICE. */
  inservice: boolean;
  lbPolicy?: Ref;
  /** `loadbalance vip icmp-reply [active|primary-inservice]`. */
  icmpReply?: 'always' | 'active' | 'primary-inservice';
  udpFastAge: boolean;
  natDynamic: { poolId: number; vlan: number; pos: SourcePos }[];
  /** `appl-parameter http advanced-options NAME`: the VIP's HTTP parameter map. */
  httpParameters?: Ref;
  /** Kept verbatim (inspect, ssl-proxy, other appl-parameter types, …); not simulated. */
  unsimulated: { pos: SourcePos; text: string }[];
}

export type PolicyMap =
  | { type: 'management'; name: string; pos: SourcePos; description?: string; classes: MgmtPolicyClass[] }
  | { type: 'loadbalance'; http: boolean; name: string; pos: SourcePos; description?: string; classes: LbPolicyClass[] }
  | { type: 'multi-match'; name: string; pos: SourcePos; description?: string; classes: VipClass[] }
  | { type: 'other'; typeText: string; name: string; pos: SourcePos; lines: string[] };

// ---------------------------------------------------------------- interfaces

export interface NatPool {
  id: number;
  pos: SourcePos;
  from: string;
  to: string;
  netmask: string;
  pat: boolean;
}

export interface VlanInterface {
  vlan: number;
  pos: SourcePos;
  description?: string;
  ipAddress?: IpWithMask;
  alias?: IpWithMask;
  peerIpAddress?: IpWithMask;
  accessGroups: { direction: 'input' | 'output'; acl: Ref }[];
  servicePolicies: { direction: 'input'; policy: Ref }[];
  natPools: NatPool[];
  shutdown: boolean; // true unless `no shutdown`
  normalization: boolean;
  icmpGuard: boolean;
  ipv6Normalization: boolean;
  ipv6IcmpGuard: boolean;
  mtu?: number;
  /** Other interface sub-commands kept verbatim (not simulated). */
  unsimulated: { pos: SourcePos; text: string }[];
}

export interface IpRoute {
  pos: SourcePos;
  prefix: string;
  mask: string;
  gateway: string;
}

// ---------------------------------------------------------------- snmp, logging

export interface SnmpHost {
  pos: SourcePos;
  address: string;
  notification: 'traps' | 'informs';
  version: '1' | '2c' | '3';
  community: Secret;
  port?: number;
}

export interface SnmpConfig {
  communities: { pos: SourcePos; community: Secret; access: 'ro' | 'rw'; group?: string }[];
  hosts: SnmpHost[];
  /** e.g. "slb real", "slb serverfarm", "snmp linkdown"; empty word list = all. */
  enabledTraps: { pos: SourcePos; words: string[] }[];
  contact?: string;
  location?: string;
  trapSourceInterface?: string;
}

export interface LoggingConfig {
  enable: boolean;
  bufferedLevel?: number;
  trapLevel?: number;
  consoleLevel?: number;
  monitorLevel?: number;
  hosts: { pos: SourcePos; address: string; protocol: 'udp' | 'tcp'; port?: number }[];
  facility?: number;
  timestamp: boolean;
}
