// The model as plain data (JSON/YAML export) and back (YAML/JSON input).
// Export drops positions and masks secrets unless asked. Input is checked
// against a schema table whose templates are the model's own defaults: a
// missing field takes its ACE default, an unknown or mistyped field is a
// positioned YAML_SCHEMA error (with "did you mean"). Never throws.
import { isMap, isScalar, isSeq, type Node as YamlNode } from 'yaml';
import { Secret, SECRET_MASK } from '../core/secret.js';
import { defaultProbe, emptyContext, emptyFt, emptyLogging, emptyModel, emptySnmp, FT_HEARTBEAT_COUNT, FT_HEARTBEAT_INTERVAL_MS, FT_PRIORITY, RSERVER_WEIGHT, STICKY_TIMEOUT_MS } from './defaults.js';
import { DIAGNOSTIC_CODES, type Diagnostic, type Result } from './diagnostics.js';
import { didYouMean } from './did-you-mean.js';
import { readYaml } from './yaml-input.js';
import type { Model, SourcePos } from './model.js';

const SECRET_KEYS = new Set(['password', 'community', 'radiusSecret']);

/** The model as plain JSON-able data: no positions, secrets masked unless showSecrets. */
export function modelToPlain(model: Model, opts: { showSecrets?: boolean; positions?: boolean } = {}): unknown {
  const walk = (v: unknown): unknown => {
    if (v instanceof Secret) return opts.showSecrets ? v.reveal() : SECRET_MASK;
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === 'object') {
      const o: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) {
        if (k === 'pos' && !opts.positions) continue;
        if (x === undefined) continue;
        o[k] = walk(x);
      }
      return o;
    }
    return v;
  };
  return walk(model);
}

interface Schema {
  /** Default values; keys here are the required-with-default fields. */
  template: () => Record<string, unknown>;
  optional?: readonly string[];
  /** Child arrays/objects validated with another schema. */
  children?: Record<string, string>;
  /** Free-form union fields passed through after a light check. */
  free?: readonly string[];
  hasPos?: boolean;
}

const REF = 'ref';
const pos0 = { file: '', line: 0, col: 0 };

const SCHEMAS: Record<string, Schema> = {
  model: {
    template: () => {
      const m = emptyModel('') as unknown as Record<string, unknown>;
      m.contexts = [];
      return m;
    },
    optional: ['hostname', 'bootImage'],
    children: { resourceClasses: 'resourceClass', contextDefs: 'contextDef', users: 'user', ft: 'ft', contexts: 'context' },
  },
  resourceClass: { template: () => ({ name: '', limits: [] }), free: ['limits'], hasPos: true },
  contextDef: { template: () => ({ name: '', allocateInterfaces: [] }), optional: ['description', 'member'], children: { member: REF }, hasPos: true },
  user: { template: () => ({ name: '' }), optional: ['password', 'passwordType', 'role', 'domain'], hasPos: true },
  ft: { template: () => emptyFt() as unknown as Record<string, unknown>, children: { interfaces: 'ftInterface', peers: 'ftPeer', groups: 'ftGroup' }, free: ['tracks'] },
  ftInterface: { template: () => ({ vlan: 0, shutdown: true }), optional: ['ipAddress', 'peerIpAddress'], free: ['ipAddress', 'peerIpAddress'], hasPos: true },
  ftPeer: { template: () => ({ id: 1, heartbeatIntervalMs: FT_HEARTBEAT_INTERVAL_MS, heartbeatCount: FT_HEARTBEAT_COUNT }), optional: ['ftInterfaceVlan', 'queryInterfaceVlan'], hasPos: true },
  ftGroup: { template: () => ({ id: 1, priority: FT_PRIORITY, peerPriority: FT_PRIORITY, preempt: true, associateContexts: [], inservice: false }), optional: ['peer'], children: { associateContexts: REF }, hasPos: true },
  context: {
    template: () => {
      const c = emptyContext('', pos0) as unknown as Record<string, unknown>;
      delete c.pos;
      return c;
    },
    children: { probes: 'probe', rservers: 'rserver', serverfarms: 'serverfarm', stickyGroups: 'sticky', classMaps: 'classMap', interfaces: 'interface', accessLists: 'accessList', snmp: 'snmp', logging: 'logging', globalServicePolicies: REF, httpParameterMaps: 'httpParameterMap' },
    free: ['policyMaps', 'routes', 'unsimulated'],
    hasPos: true,
  },
  probe: {
    template: () => {
      const p = defaultProbe('', 'http', pos0) as unknown as Record<string, unknown>;
      delete p.pos;
      return p;
    },
    optional: ['description', 'port', 'ipAddress', 'expectRegex', 'sendData', 'credentials', 'hash', 'sslVersion', 'sslCipher', 'domain', 'requestCommand', 'mailbox', 'community', 'snmpVersion', 'radiusSecret', 'nasIpAddress', 'script'],
    free: ['ipAddress', 'expectStatus', 'expectRegex', 'request', 'headers', 'credentials', 'hash', 'oids', 'script'],
    hasPos: true,
  },
  rserver: {
    template: () => ({ name: '', kind: 'host', weight: RSERVER_WEIGHT, rateLimit: {}, probes: [], failOnAll: false, admin: 'outofservice' }),
    optional: ['description', 'ipAddress', 'connLimit', 'webhostRedirection'],
    children: { probes: REF },
    free: ['rateLimit', 'connLimit', 'webhostRedirection'],
    hasPos: true,
  },
  serverfarm: {
    template: () => ({ name: '', kind: 'host', predictor: { kind: 'roundrobin' }, probes: [], failOnAll: false, retcodeMaps: [], transparent: false, members: [] }),
    optional: ['description', 'failaction', 'inbandHealth', 'partialThreshold', 'unsimulatedLines'],
    children: { probes: REF, members: 'member' },
    free: ['predictor', 'retcodeMaps', 'inbandHealth', 'partialThreshold', 'unsimulatedLines'],
    hasPos: true,
  },
  member: {
    template: () => ({ rserver: { name: '' }, rateLimit: {}, probes: [], failOnAll: false, admin: 'outofservice' }),
    optional: ['port', 'description', 'weight', 'backup', 'connLimit', 'cookieString'],
    children: { rserver: REF, probes: REF },
    free: ['rateLimit', 'connLimit', 'backup'],
    hasPos: true,
  },
  sticky: {
    template: () => ({ name: '', kind: 'ip-netmask', simulated: true, timeoutMs: STICKY_TIMEOUT_MS, timeoutActiveconns: false, replicate: false, statics: [], extraLines: [] }),
    optional: ['netmask', 'prefixLength', 'address', 'keyName', 'serverfarm'],
    free: ['serverfarm', 'statics', 'extraLines'],
    hasPos: true,
  },
  httpParameterMap: { template: () => ({ name: '', otherLines: [] }), optional: ['description', 'persistenceRebalance', 'caseInsensitive', 'headerMaxParse', 'lengthExceed'], free: ['persistenceRebalance', 'otherLines', 'caseInsensitive', 'headerMaxParse', 'lengthExceed'], hasPos: true },
  classMap: { template: () => ({ name: '', type: 'l4', matchMode: 'all', matches: [] }), optional: ['description', 'typeText'], free: ['matches'], hasPos: true },
  interface: {
    template: () => ({ vlan: 0, accessGroups: [], servicePolicies: [], natPools: [], shutdown: true, normalization: true, icmpGuard: true, ipv6Normalization: true, ipv6IcmpGuard: true, unsimulated: [] }),
    optional: ['description', 'ipAddress', 'alias', 'peerIpAddress', 'mtu'],
    free: ['ipAddress', 'alias', 'peerIpAddress', 'accessGroups', 'servicePolicies', 'natPools', 'unsimulated'],
    hasPos: true,
  },
  accessList: { template: () => ({ name: '', entries: [] }), free: ['entries'], hasPos: true },
  snmp: { template: () => emptySnmp() as unknown as Record<string, unknown>, optional: ['contact', 'location', 'trapSourceInterface'], free: ['communities', 'hosts', 'enabledTraps'] },
  logging: { template: () => emptyLogging() as unknown as Record<string, unknown>, optional: ['bufferedLevel', 'trapLevel', 'consoleLevel', 'monitorLevel', 'facility'], free: ['hosts'] },
};

export function parseYamlModel(text: string, file: string): Result<Model> {
  const diagnostics: Diagnostic[] = [];
  const read = readYaml(text, file);
  if (!read.ok) return { value: emptyModel(file), diagnostics: [read.diagnostic] };
  const { doc, lc } = read;
  const posOf = (n: YamlNode | null | undefined): SourcePos => {
    const off = n?.range?.[0] ?? 0;
    const p = lc.linePos(off);
    return { file, line: p.line, col: p.col };
  };
  for (const e of doc.errors) {
    const p = lc.linePos(e.pos[0]);
    diagnostics.push({ code: 'YAML_SYNTAX', severity: 'error', message: e.message.split('\n')[0] ?? 'YAML syntax error', file, line: p.line, col: p.col, length: 1 });
  }
  const fallback = emptyModel(file);
  if (doc.errors.length > 0) return { value: fallback, diagnostics };
  const schemaErr = (n: YamlNode | null | undefined, message: string, hint?: string) => {
    const p = posOf(n);
    const d: Diagnostic = { code: 'YAML_SCHEMA', severity: DIAGNOSTIC_CODES.YAML_SCHEMA.severity, message, file, line: p.line, col: p.col, length: 1 };
    if (hint) d.hint = hint;
    diagnostics.push(d);
  };

  const plain = (n: YamlNode | null | undefined, key: string): unknown => {
    if (!n) return undefined;
    if (isScalar(n)) {
      if (SECRET_KEYS.has(key) && (typeof n.value === 'string' || typeof n.value === 'number')) return new Secret(String(n.value));
      return n.value;
    }
    if (isSeq(n)) return n.items.map((i) => plain(i as YamlNode, ''));
    if (isMap(n)) {
      const o: Record<string, unknown> = {};
      for (const pair of n.items) {
        const k = isScalar(pair.key) ? String(pair.key.value) : '';
        o[k] = plain(pair.value as YamlNode, k);
      }
      if (!('pos' in o)) o.pos = posOf(n);
      return o;
    }
    return undefined;
  };

  const schemaAt = (p: SourcePos, message: string) => {
    diagnostics.push({ code: 'YAML_SCHEMA', severity: DIAGNOSTIC_CODES.YAML_SCHEMA.severity, message, file, line: p.line, col: p.col, length: 1 });
  };
  const typeName = (v: unknown) => (Array.isArray(v) ? 'list' : v === null ? 'null' : typeof v);

  const build = (n: YamlNode | null | undefined, schemaName: string, where: string): Record<string, unknown> | undefined => {
    if (schemaName === REF) {
      if (isScalar(n) && typeof n.value === 'string') return { name: n.value, pos: posOf(n) };
      if (isMap(n)) {
        const nameNode = n.get('name', true) as YamlNode | undefined;
        if (isScalar(nameNode) && typeof nameNode.value === 'string') return { name: nameNode.value, pos: posOf(nameNode) };
      }
      schemaErr(n, `${where}: expected a name (a string or { name: … })`);
      return undefined;
    }
    const s = SCHEMAS[schemaName]!;
    if (!isMap(n)) {
      schemaErr(n, `${where}: expected a mapping, got ${n ? typeName(plain(n, '')) : 'nothing'}`);
      return undefined;
    }
    const out = s.template();
    if (s.hasPos) out.pos = posOf(n);
    const known = new Set([...Object.keys(out), ...(s.optional ?? []), 'pos']);
    for (const pair of n.items) {
      const keyNode = pair.key as YamlNode;
      const k = isScalar(keyNode) ? String(keyNode.value) : '';
      const vNode = pair.value as YamlNode | null;
      if (!known.has(k)) {
        const dym = didYouMean(k, known);
        schemaErr(keyNode, `${where}: unknown field "${k}"`, dym ? `did you mean \`${dym}\`?` : `fields: ${[...known].filter((x) => x !== 'pos').join(', ')}`);
        continue;
      }
      if (k === 'pos') continue;
      const child = s.children?.[k];
      if (child) {
        // A list only where the template holds one: `ft: []` is a wrong shape, not an empty ft.
        if (isSeq(vNode) && Array.isArray(out[k])) out[k] = vNode.items.map((it, i) => build(it as YamlNode, child, `${where}.${k}[${i}]`)).filter((x) => x !== undefined);
        else if (Array.isArray(out[k])) {
          schemaErr(vNode, `${where}.${k}: expected a list`);
        } else {
          const b = build(vNode, child, `${where}.${k}`);
          if (b) out[k] = b;
        }
        continue;
      }
      let v = plain(vNode, k);
      const freeShape = FREE_SHAPES[`${schemaName}.${k}`];
      if (freeShape) {
        const checked = checkShape(v, freeShape, `${where}.${k}`, posOf(vNode), (p, m) => schemaAt(p ?? posOf(vNode), m));
        if (checked === undefined) continue;
        v = checked;
        out[k] = v;
        continue;
      }
      const expected = out[k];
      if (expected !== undefined && !(s.free ?? []).includes(k) && !(v instanceof Secret)) {
        if (typeName(expected) !== typeName(v)) {
          schemaErr(vNode, `${where}.${k}: expected ${typeName(expected)}, got ${typeName(v)}`);
          continue;
        }
      }
      out[k] = v;
    }
    if ('name' in out && out.name === '' && schemaName !== 'model') schemaErr(n, `${where}: missing field "name"`);
    return out;
  };

  const root = build(doc.contents as YamlNode, 'model', 'model');
  if (!root) return { value: fallback, diagnostics };
  const model = root as unknown as Model;
  fillPositions(model, { file, line: 1, col: 1 });
  if (!Array.isArray(model.contexts) || model.contexts.length === 0) {
    model.contexts = [emptyContext('Admin', { file, line: 1, col: 1 })];
  }
  checkUnions(model, (p, m) => schemaAt(p ?? { file, line: 1, col: 1 }, m));
  return { value: model, diagnostics };
}

/** Every object (Refs included) gets a position: its own, else its nearest ancestor's. */
function fillPositions(v: unknown, pos: SourcePos): void {
  if (Array.isArray(v)) {
    for (const x of v) fillPositions(x, pos);
    return;
  }
  if (!v || typeof v !== 'object' || v instanceof Secret) return;
  const o = v as Record<string, unknown>;
  const own = o.pos && typeof o.pos === 'object' && typeof (o.pos as SourcePos).line === 'number' ? (o.pos as SourcePos) : undefined;
  if (!own && 'name' in o) o.pos = pos;
  for (const [k, x] of Object.entries(o)) if (k !== 'pos') fillPositions(x, own ?? pos);
}

// ---------------------------------------------------------------- shapes of the free-form (union) fields

type Shape = 'string' | 'number' | 'boolean' | 'ref' | 'secret' | 'any' | { arr: Shape } | { obj: Record<string, Shape>; opt?: readonly string[]; optShapes?: Record<string, Shape>; oneOf?: { key: string; values: readonly string[] } } | { union: readonly Shape[] } | { tag: string; cases: Record<string, Record<string, Shape>>; optShapes?: Record<string, Shape> };

const str = 'string' as const;
const num = 'number' as const;
const bool = 'boolean' as const;
const ipMask: Shape = { obj: { address: str, mask: str } };
const portSpec: Shape = { tag: 'kind', cases: { any: {}, eq: { port: num }, neq: { port: num }, lt: { port: num }, gt: { port: num }, range: { from: num, to: num } } };
const addrSpec: Shape = { tag: 'kind', cases: { any: {}, host: { address: str }, net: { address: str, mask: str } } };
const matchShape: Shape = {
  tag: 'kind',
  cases: {
    'virtual-address': { address: str, mask: str, protocol: { union: [str, num] }, ports: portSpec },
    'source-address': { address: str, mask: str },
    'destination-address': { address: str, mask: str },
    port: { protocol: str, ports: portSpec },
    'access-list': { acl: 'ref' },
    any: {},
    'http-url': { regex: str },
    'http-header': { name: str, value: str },
    'http-cookie': { name: str, value: str },
    'class-map': { classMap: 'ref' },
    protocol: { protocol: str, source: addrSpec },
    unsimulated: { text: str },
  },
};
const aclShape: Shape = {
  tag: 'kind',
  cases: { rule: { action: str, protocol: str, source: addrSpec, destination: addrSpec }, remark: { text: str }, ethertype: { action: str, ethertype: str } },
  optShapes: { sourcePort: portSpec, destinationPort: portSpec },
};
const actionShape: Shape = {
  tag: 'kind',
  cases: { serverfarm: { farm: 'ref', aggregateState: bool }, 'sticky-serverfarm': { group: 'ref' }, drop: {}, forward: {}, 'insert-http': { header: str, value: str }, unsimulated: { text: str } },
  optShapes: { backup: 'ref' },
};
const trackSide: Shape = { obj: { probes: { arr: { obj: { probe: 'ref', priority: num } } }, priority: num }, opt: ['target'] };

/** Free fields by "schema.field", with the shape each must have. */
const FREE_SHAPES: Record<string, Shape> = {
  'resourceClass.limits': { arr: { obj: { resource: str, minimumPct: num, maximum: { union: [num, str] } } } },
  'ft.tracks': { arr: { obj: { kind: str, name: str, local: trackSide, peer: trackSide } } },
  'ftInterface.ipAddress': ipMask,
  'ftInterface.peerIpAddress': ipMask,
  'context.policyMaps': { arr: { obj: { type: str, name: str }, opt: ['classes', 'http', 'description', 'typeText', 'lines'], oneOf: { key: 'type', values: ['management', 'loadbalance', 'multi-match', 'other'] } } },
  'context.routes': { arr: { obj: { prefix: str, mask: str, gateway: str } } },
  'context.unsimulated': { arr: { obj: { lines: { arr: str } } } },
  'probe.ipAddress': { obj: { address: str, routed: bool } },
  'probe.expectStatus': { arr: { obj: { min: num, max: num } } },
  'probe.expectRegex': { obj: { regex: str }, opt: ['offset'] },
  'probe.request': { obj: { method: str, url: str } },
  'probe.headers': { arr: { obj: { name: str, value: str } } },
  'probe.credentials': { obj: { username: str }, opt: ['password'] },
  'probe.hash': { obj: {}, opt: ['md5'] },
  'probe.oids': { arr: { obj: { oid: str }, opt: ['threshold', 'typeAbsoluteMax', 'weight'] } },
  'probe.script': { obj: { name: str, args: { arr: str } } },
  'rserver.rateLimit': { obj: {}, opt: ['connection', 'bandwidth'] },
  'rserver.connLimit': { obj: { max: num, min: num } },
  'rserver.webhostRedirection': { obj: { url: str, code: num } },
  'serverfarm.predictor': { tag: 'kind', cases: { roundrobin: {}, leastconns: {}, 'hash-address': { which: str, netmask: str }, unsimulated: { text: str } } },
  'serverfarm.retcodeMaps': { arr: { obj: { min: num, max: num, mode: str }, opt: ['threshold', 'resetS', 'resumeServiceS'] } },
  'serverfarm.inbandHealth': { obj: { mode: str }, opt: ['threshold', 'resetMs', 'resumeServiceS'] },
  'serverfarm.partialThreshold': { obj: { thresholdPct: num, backInservicePct: num } },
  'serverfarm.unsimulatedLines': { arr: str },
  'member.rateLimit': { obj: {}, opt: ['connection', 'bandwidth'] },
  'member.connLimit': { obj: { max: num, min: num } },
  'member.backup': { obj: { rserver: 'ref' }, opt: ['port'] },
  'sticky.serverfarm': { obj: { primary: 'ref', backupSticky: bool, aggregateState: bool }, opt: ['backup'], optShapes: { backup: 'ref' } },
  'sticky.statics': { arr: { obj: { rserver: 'ref' }, opt: ['clientSource', 'destination', 'value', 'port'] } },
  'sticky.extraLines': { arr: str },
  'classMap.matches': { arr: matchShape },
  'interface.ipAddress': ipMask,
  'interface.alias': ipMask,
  'interface.peerIpAddress': ipMask,
  'interface.accessGroups': { arr: { obj: { direction: str, acl: 'ref' } } },
  'interface.servicePolicies': { arr: { obj: { direction: str, policy: 'ref' } } },
  'interface.natPools': { arr: { obj: { id: num, from: str, to: str, netmask: str, pat: bool } } },
  'interface.unsimulated': { arr: { obj: { text: str } } },
  'httpParameterMap.persistenceRebalance': { obj: { mode: str }, oneOf: { key: 'mode', values: ['enabled', 'strict', 'disabled'] } },
  'httpParameterMap.otherLines': { arr: { obj: { text: str } } },
  'httpParameterMap.caseInsensitive': bool,
  'httpParameterMap.headerMaxParse': { obj: { bytes: num } },
  'httpParameterMap.lengthExceed': { obj: { mode: str }, oneOf: { key: 'mode', values: ['continue', 'drop'] } },
  'accessList.entries': { arr: aclShape },
  'snmp.communities': { arr: { obj: { community: 'secret', access: str }, opt: ['group'] } },
  'snmp.hosts': { arr: { obj: { address: str, notification: str, version: str, community: 'secret' }, opt: ['port'] } },
  'snmp.enabledTraps': { arr: { obj: { words: { arr: str } } } },
  'logging.hosts': { arr: { obj: { address: str, protocol: str }, opt: ['port'] } },
};

/** Optional scalar fields, by name, wherever they appear in a free-form value. */
const OPTIONAL_SCALARS: Record<string, Shape> = {
  port: num, lineNo: num, offset: num, threshold: num, typeAbsoluteMax: num, weight: num, slowstartS: num, resetS: num,
  resumeServiceS: num, resetMs: num, connection: num, bandwidth: num, md5: str, url: str, text: str, regex: str,
  netmask: str, which: str, target: str, group: str, password: 'secret', icmpType: str, method: str,
};


type ShapeReport = (pos: SourcePos | undefined, message: string) => void;

function kindOf(v: unknown): string {
  return Array.isArray(v) ? 'list' : v === null ? 'null' : typeof v;
}

/** Checks and repairs a value against a shape; undefined = unusable (the caller drops it). */
function checkShape(v: unknown, shape: Shape, where: string, pos: SourcePos | undefined, report: ShapeReport): unknown {
  const here = (v && typeof v === 'object' && 'pos' in v ? (v as { pos: SourcePos }).pos : undefined) ?? pos;
  if (shape === 'any') return v;
  if (shape === 'secret') {
    if (v instanceof Secret) return v;
    if (typeof v === 'string' || typeof v === 'number') return new Secret(String(v));
    report(here, `${where}: expected a string`);
    return undefined;
  }
  if (shape === 'ref') {
    if (typeof v === 'string') return { name: v, pos: here };
    if (v && typeof v === 'object' && typeof (v as { name?: unknown }).name === 'string') return { name: (v as { name: string }).name, pos: (v as { pos?: SourcePos }).pos ?? here };
    report(here, `${where}: expected a name (a string or { name: … })`);
    return undefined;
  }
  if (typeof shape === 'string') {
    if (kindOf(v) === shape) return v;
    report(here, `${where}: expected ${shape}, got ${kindOf(v)}`);
    return undefined;
  }
  if ('union' in shape) {
    for (const s of shape.union) if (typeof s === 'string' && kindOf(v) === s) return v;
    report(here, `${where}: expected ${shape.union.join(' or ')}, got ${kindOf(v)}`);
    return undefined;
  }
  if ('tag' in shape) {
    if (!v || typeof v !== 'object' || Array.isArray(v)) {
      report(here, `${where}: expected a mapping, got ${kindOf(v)}`);
      return undefined;
    }
    const tag = String((v as Record<string, unknown>)[shape.tag]);
    const c = shape.cases[tag];
    if (!c) {
      report(here, `${where}.${shape.tag}: must be one of ${Object.keys(shape.cases).join(', ')}`);
      return undefined;
    }
    const rest = Object.keys(v as object).filter((k) => k !== shape.tag && k !== 'pos' && !(k in c));
    return checkShape(v, { obj: { [shape.tag]: str, ...c }, opt: rest, optShapes: shape.optShapes ?? {} }, where, here, report);
  }
  if ('arr' in shape) {
    if (!Array.isArray(v)) {
      report(here, `${where}: expected a list, got ${kindOf(v)}`);
      return undefined;
    }
    return v.map((x, i) => checkShape(x, shape.arr, `${where}[${i}]`, here, report)).filter((x) => x !== undefined);
  }
  if (!v || typeof v !== 'object' || Array.isArray(v)) {
    report(here, `${where}: expected a mapping, got ${kindOf(v)}`);
    return undefined;
  }
  const o = { ...(v as Record<string, unknown>) };
  for (const [k, s] of Object.entries(shape.obj)) {
    if (!(k in o)) {
      report(here, `${where}: missing field "${k}"`);
      return undefined;
    }
    const c = checkShape(o[k], s, `${where}.${k}`, here, report);
    if (c === undefined) return undefined;
    o[k] = c;
  }
  if (shape.oneOf && !shape.oneOf.values.includes(String(o[shape.oneOf.key]))) {
    report(here, `${where}.${shape.oneOf.key}: must be one of ${shape.oneOf.values.join(', ')}`);
    return undefined;
  }
  for (const k of shape.opt ?? []) {
    if (o[k] === undefined) continue;
    const os = shape.optShapes?.[k] ?? OPTIONAL_SCALARS[k];
    if (!os) continue;
    const c = checkShape(o[k], os, `${where}.${k}`, here, report);
    if (c === undefined) delete o[k];
    else o[k] = c;
  }
  const known = new Set([...Object.keys(shape.obj), ...(shape.opt ?? []), 'pos']);
  for (const k of Object.keys(o)) {
    if (!known.has(k)) {
      const dym = didYouMean(k, known);
      report(here, `${where}: unknown field "${k}"${dym ? ` (did you mean "${dym}"?)` : ''}`);
      delete o[k];
    }
  }
  if (!('pos' in o) && here) o.pos = here;
  return o;
}

/** Deeper checks of union members (policy-map classes, match lines, ACL entries, actions). */
function checkUnions(model: Model, report: ShapeReport): void {
  for (const ctx of model.contexts) {
    ctx.policyMaps = ctx.policyMaps.filter((p) => {
      const o = p as unknown as Record<string, unknown>;
      if (p.type === 'other') {
        o.lines = Array.isArray(o.lines) ? o.lines.filter((l) => typeof l === 'string') : [];
        return true;
      }
      const classShape: Shape =
        p.type === 'management'
          ? { obj: { classMap: 'ref' }, opt: ['action'] }
          : p.type === 'loadbalance'
            ? { obj: { classMap: 'ref', actions: { arr: actionShape } } }
            : { obj: { classMap: 'ref', inservice: bool, udpFastAge: bool, natDynamic: { arr: { obj: { poolId: num, vlan: num } } }, unsimulated: { arr: { obj: { text: str } } } }, opt: ['lbPolicy', 'icmpReply', 'httpParameters'], optShapes: { httpParameters: 'ref' } };
      const classes = checkShape(o.classes ?? [], { arr: classShape }, `policyMap ${p.name}.classes`, o.pos as SourcePos, report) as Record<string, unknown>[] | undefined;
      if (!classes) return false;
      for (const c of classes) {
        if (p.type === 'multi-match' && c.lbPolicy !== undefined) {
          const r = checkShape(c.lbPolicy, 'ref', `policyMap ${p.name}.lbPolicy`, c.pos as SourcePos, report);
          if (r === undefined) delete c.lbPolicy;
          else c.lbPolicy = r;
        }
      }
      o.classes = classes;
      if (p.type === 'loadbalance' && typeof o.http !== 'boolean') o.http = false;
      return true;
    });
  }
}
