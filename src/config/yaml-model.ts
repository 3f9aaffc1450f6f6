// The model as plain data (JSON/YAML export) and back (YAML/JSON input).
// Export drops positions and masks secrets unless asked. Input is checked
// against a schema table whose templates are the model's own defaults: a
// missing field takes its ACE default, an unknown or mistyped field is a
// positioned YAML_SCHEMA error (with "did you mean"). Never throws.
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node as YamlNode } from 'yaml';
import { Secret, SECRET_MASK } from '../core/secret.js';
import { defaultProbe, emptyContext, emptyFt, emptyLogging, emptyModel, emptySnmp, FT_HEARTBEAT_COUNT, FT_HEARTBEAT_INTERVAL_MS, FT_PRIORITY, RSERVER_WEIGHT, STICKY_TIMEOUT_MS } from './defaults.js';
import { DIAGNOSTIC_CODES, type Diagnostic, type Result } from './diagnostics.js';
import { didYouMean } from './did-you-mean.js';
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
    children: { probes: 'probe', rservers: 'rserver', serverfarms: 'serverfarm', stickyGroups: 'sticky', classMaps: 'classMap', interfaces: 'interface', accessLists: 'accessList', snmp: 'snmp', logging: 'logging', globalServicePolicies: REF },
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
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true });
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
      if ('name' in o && !('pos' in o)) o.pos = posOf(n);
      else if (!('pos' in o)) o.pos = posOf(n);
      return o;
    }
    return undefined;
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
        if (isSeq(vNode)) out[k] = vNode.items.map((it, i) => build(it as YamlNode, child, `${where}.${k}[${i}]`)).filter((x) => x !== undefined);
        else if (Array.isArray(out[k])) {
          schemaErr(vNode, `${where}.${k}: expected a list`);
        } else {
          const b = build(vNode, child, `${where}.${k}`);
          if (b) out[k] = b;
        }
        continue;
      }
      const v = plain(vNode, k);
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
  if (!Array.isArray(model.contexts) || model.contexts.length === 0) {
    model.contexts = [emptyContext('Admin', { file, line: 1, col: 1 })];
  }
  return { value: model, diagnostics };
}
