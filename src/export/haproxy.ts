// `acesim export --to haproxy`: one context of the model as a haproxy.cfg for
// HAProxy 2.6. Each in-service TCP VIP becomes a frontend (`mode http` when
// its policy needs L7, else `mode tcp`) with the interface ACL as
// `tcp-request connection` rules and the load-balance policy as `use_backend`
// rules; farms become backends (haproxy-backend.ts). Pure: returns the text,
// the export diagnostics (positioned in the ACE file) and the environment
// variables the text refers to.
import type { ClassMap, ContextModel, LbPolicyClass, Model, SourcePos } from '../config/model.js';
import { httpParametersOf } from '../config/defaults.js';
import { resolveVips, type ResolvedVip } from '../config/vips.js';
import { ExportDiagnostics, exportContext, maskBits, safeName, vipPort, type ExportResult } from './export-common.js';
import { backendName, buildBackend, type BackendRequest, type BuiltBackend } from './haproxy-backend.js';
import { aclRules, classCondition } from './haproxy-match.js';

export interface HaproxyExportOptions {
  /** Context to export; default: the first that applies a VIP. */
  context?: string;
  /** `source 0.0.0.0 usesrc clientip` on every backend (needs TPROXY). */
  usesrcClientip?: boolean;
  /** Extra `global` lines (the lab adds its log target). */
  globalLines?: string[];
  /** Extra `defaults` lines. */
  defaultsLines?: string[];
  /** Header comment naming the source. */
  source?: string;
}

export interface HaproxyExport extends ExportResult {
  /** Backend name → the ACE farm and its servers (name → address). */
  backends: Map<string, { farm: string; servers: Map<string, string> }>;
  /** Frontends written: address, port (first of a range) and mode. */
  frontends: { name: string; address: string; port: number | undefined; mode: 'tcp' | 'http' }[];
}

/** `insert-http` value variables (§6.2) as HAProxy sample expressions. */
const insertValue = (v: string): string => v.replace(/%is/g, '%[src]').replace(/%id/g, '%[dst]').replace(/%ps/g, '%[src_port]').replace(/%pd/g, '%[dst_port]');

interface FrontendCtx {
  ctx: ContextModel;
  vip: ResolvedVip;
  mode: 'tcp' | 'http';
  byName: ReadonlyMap<string, ClassMap>;
  diags: ExportDiagnostics;
  backend: (req: BackendRequest) => string;
}

/** The policy's classes, first match, as frontend lines. */
function policyLines(f: FrontendCtx, classes: readonly LbPolicyClass[]): string[] {
  const { ctx, vip, mode, diags } = f;
  const out: string[] = [];
  let defaultBackend: string | undefined;
  classes.forEach((c, i) => {
    let cond = '';
    if (c.classMap.name !== 'class-default') {
      const cm = f.byName.get(c.classMap.name);
      const cc = cm ? classCondition(cm, f.byName, diags, { caseInsensitive: vip.caseInsensitive }) : undefined;
      if (!cc) return diags.untranslated(c.pos, `class ${c.classMap.name}: no such class-map; left out`);
      out.push(...cc.acls);
      cond = cc.cond === 'TRUE' ? '' : ` if ${cc.cond}`;
    }
    const last = cond === '';
    for (const a of c.actions) {
      switch (a.kind) {
        case 'serverfarm':
        case 'sticky-serverfarm': {
          const group = a.kind === 'sticky-serverfarm' ? ctx.stickyGroups.find((g) => g.name === a.group.name) : undefined;
          const primary = a.kind === 'serverfarm' ? a.farm.name : group?.serverfarm?.primary.name;
          const backup = a.kind === 'serverfarm' ? a.backup?.name : group?.serverfarm?.backup?.name;
          const pf = ctx.serverfarms.find((s) => s.name === primary);
          if (!pf) return diags.untranslated(a.pos, `class ${c.classMap.name}: no server farm to balance to; left out`);
          const port = vipPort(vip);
          const strict = mode === 'http' && vip.persistence === 'strict' ? { strict: true } : {};
          const pb = f.backend({ farm: pf, ...(group ? { sticky: group } : {}), mode, ...strict, ...(port !== undefined ? { vipPort: port } : {}) });
          const bf = backup !== undefined ? ctx.serverfarms.find((s) => s.name === backup) : undefined;
          if (bf) {
            const bb = f.backend({ farm: bf, ...(group && group.serverfarm?.backupSticky ? { sticky: group } : {}), mode, ...strict, ...(port !== undefined ? { vipPort: port } : {}) });
            // ACE uses the backup farm only while the primary has no usable real (§3.8).
            // HAProxy conditions have no parentheses: "nbsrv AND (a OR b)" is written once per OR term.
            const terms = cond ? cond.slice(' if '.length).split(' || ') : [''];
            for (const term of terms) out.push(`use_backend ${bb} if { nbsrv(${pb}) eq 0 }${term ? ` ${term}` : ''}`);
          }
          if (last && defaultBackend === undefined) defaultBackend = pb;
          else if (!last) out.push(`use_backend ${pb}${cond}`);
          break;
        }
        case 'drop':
          out.push(mode === 'http' ? `http-request deny${cond}` : `tcp-request content reject${cond}`);
          break;
        case 'insert-http':
          if (mode === 'http') out.push(`http-request set-header ${a.header} "${insertValue(a.value)}"${cond}`);
          break;
        case 'forward':
          diags.untranslated(a.pos, `class ${c.classMap.name}: forward (route to the original destination unbalanced) has no HAProxy equivalent; left out`);
          break;
        case 'unsimulated':
          diags.untranslated(a.pos, `class ${c.classMap.name}: "${a.text}" has no HAProxy equivalent; left out`);
          break;
      }
    }
    if (i < classes.length - 1 && last) diags.approximate(c.pos, `class ${c.classMap.name}: matches everything, so the classes after it never apply`);
  });
  if (defaultBackend) out.push(`default_backend ${defaultBackend}`);
  return out;
}

/** What HAProxy 2.6 holds of a request's head by default: tune.bufsize 16384 less tune.maxrewrite 1024. */
const HAPROXY_HEAD_ROOM = 15_360;

/**
 * The ACE's HTTP parse length on an http frontend: a request line and header fields longer than it get the connection
 * reset (`http-request reject` closes it without an answer). The length is counted as the ACE counts it: method,
 * target and `HTTP/1.1` with their spaces and CRLF (12 bytes), plus the header fields and the empty line (req.hdrs),
 * except that HAProxy strips `close` and `keep-alive` from a Connection field before any rule sees it (checked with
 * HAProxy 2.6: test/integration/export/parse-limit.test.ts agrees to the byte without one). `connectionNoted`: the
 * export has said so already.
 */
function parseLimitLines(v: ResolvedVip, pos: SourcePos, diags: ExportDiagnostics, connectionNoted: boolean): string[] {
  const { bytes, exceed } = v.parseLimit;
  if (exceed === 'continue') {
    diags.approximate(pos, `VIP ${v.classMap}: length-exceed continue balances a request longer than ${bytes} bytes on the part the ACE parsed and keeps its connection on that real; HAProxy reads the whole request (up to its buffer, tune.bufsize) and balances it like any other`);
    return [];
  }
  if (bytes > HAPROXY_HEAD_ROOM) {
    diags.approximate(pos, `VIP ${v.classMap}: set header-maxparse-length ${bytes}: HAProxy answers 400 to a request whose head exceeds its buffer (${HAPROXY_HEAD_ROOM} bytes with the default tune.bufsize 16384); raise tune.bufsize in the global section to let longer requests through`);
  }
  if (!connectionNoted) {
    diags.approximate(pos, `VIP ${v.classMap}: the ACE's HTTP parse length (${bytes} bytes) counts a request's Connection field; HAProxy does not see its close or keep-alive tokens, so it lets through requests up to that field's length (24 bytes for "Connection: keep-alive") longer`);
  }
  return [
    `# the ACE's HTTP parse length: a request line and header fields over ${bytes} bytes get the connection reset (a Connection field not counted)`,
    'http-request set-var(txn.ace_head_len) method,length,add(12)',
    'http-request set-var(txn.ace_url_len) url,length',
    'http-request set-var(txn.ace_head_len) var(txn.ace_head_len),add(txn.ace_url_len)',
    `http-request reject if { req.hdrs,length,add(txn.ace_head_len) gt ${bytes} }`,
  ];
}

function bindSpec(v: ResolvedVip, pos: SourcePos, diags: ExportDiagnostics): string {
  if (maskBits(v.mask) !== 32) diags.approximate(pos, `VIP ${v.classMap}: mask ${v.mask}: HAProxy binds the one address ${v.address}`);
  if (v.ports.kind === 'range') return `${v.address}:${v.ports.from}-${v.ports.to}`;
  if (v.ports.kind === 'eq' && v.ports.port !== 0) return `${v.address}:${v.ports.port}`;
  return `${v.address}:1-65535`;
}

export function exportHaproxy(model: Model, opts: HaproxyExportOptions = {}): HaproxyExport {
  const diags = new ExportDiagnostics();
  const ctx = exportContext(model, opts.context);
  const backends = new Map<string, BuiltBackend & { farm: string }>();
  const frontends: HaproxyExport['frontends'] = [];
  const sections: string[] = [];
  if (!ctx) return { text: '', diagnostics: [], env: [], backends: new Map(), frontends };
  const byName = new Map(ctx.classMaps.map((c) => [c.name, c]));
  const policies = new Map(ctx.policyMaps.map((p) => [p.name, p]));
  const backend = (req: BackendRequest): string => {
    const name = backendName(req);
    if (!backends.has(name)) backends.set(name, { ...buildBackend(ctx, req, { usesrcClientip: opts.usesrcClientip === true }, diags), farm: req.farm.name });
    return name;
  };
  const seen = new Map<string, number>();
  const mapsReported = new Set<string>();
  let connectionNoted = false;
  for (const v of resolveVips(ctx)) {
    const pos = v.vipClass.pos;
    const cm = byName.get(v.classMap);
    const mpos = cm?.matches.find((m) => m.kind === 'virtual-address')?.pos ?? pos;
    if (!v.inservice) {
      diags.untranslated(pos, `VIP ${v.classMap}: not in service (no \`loadbalance vip inservice\`); not exported`);
      continue;
    }
    if (v.protocol === 'udp' || typeof v.protocol === 'number') {
      diags.untranslated(mpos, `VIP ${v.classMap}: ${typeof v.protocol === 'number' ? `IP protocol ${v.protocol}` : 'UDP'} cannot be balanced by HAProxy; not exported`, 'use `acesim export --to keepalived` (LVS) for UDP VIPs');
      continue;
    }
    if (v.protocol === 'any') diags.approximate(mpos, `VIP ${v.classMap}: protocol any: HAProxy serves its TCP part only`);
    const interfaces = ctx.interfaces.filter((i) => (v.vlans.includes('*') || v.vlans.includes(i.vlan)) && !i.shutdown);
    if (interfaces.length === 0) {
      diags.untranslated(pos, `VIP ${v.classMap}: every interface applying it is shut down; not exported`);
      continue;
    }
    const aclNames = [...new Set(interfaces.map((i) => i.accessGroups.find((g) => g.direction === 'input')?.acl.name))];
    if (aclNames.length > 1) diags.approximate(pos, `VIP ${v.classMap}: its interfaces have different input ACLs (${aclNames.map((n) => n ?? 'none').join(', ')}); HAProxy cannot tell interfaces apart, the first is used`);
    const lb = v.lbPolicy !== undefined ? policies.get(v.lbPolicy) : undefined;
    const mode = v.aceL7 ? 'http' : 'tcp';
    const n = (seen.get(v.classMap) ?? 0) + 1;
    seen.set(v.classMap, n);
    const name = `fe_${safeName(v.classMap)}${n > 1 ? `_${n}` : ''}`;
    const lines = [`frontend ${name}`, `  # class-map ${v.classMap}, policy-map multi-match ${v.policy}`, `  mode ${mode}`, `  bind ${bindSpec(v, mpos, diags)}`];
    const acl = aclNames[0] !== undefined ? ctx.accessLists.find((a) => a.name === aclNames[0]) : undefined;
    for (const l of aclRules(acl, diags)) lines.push(`  ${l}`);
    if (mode === 'http') {
      const limitLines = parseLimitLines(v, v.vipClass.httpParameters?.pos ?? pos, diags, connectionNoted);
      connectionNoted ||= limitLines.length > 0;
      for (const l of limitLines) lines.push(`  ${l}`);
    }
    if (lb?.type === 'loadbalance') for (const l of policyLines({ ctx, vip: v, mode, byName, diags, backend }, lb.classes)) lines.push(`  ${l}`);
    else diags.untranslated(pos, `VIP ${v.classMap}: no load-balance policy; the frontend has no backend`);
    for (const u of v.vipClass.unsimulated) diags.untranslated(u.pos, `VIP ${v.classMap}: "${u.text}" has no HAProxy equivalent; left out`);
    for (const nd of v.vipClass.natDynamic) diags.untranslated(nd.pos, `VIP ${v.classMap}: nat dynamic: HAProxy always connects from its own address (or the client's with usesrc); left out`);
    const pm = v.vipClass.httpParameters;
    const map = httpParametersOf(ctx, v.vipClass);
    if (map && !mapsReported.has(map.name)) {
      mapsReported.add(map.name);
      for (const o of map.otherLines) diags.untranslated(o.pos, `parameter-map ${map.name}: "${o.text}" has no HAProxy equivalent; left out`);
    }
    if (mode === 'http' && v.persistence === 'disabled') {
      diags.approximate(pm?.pos ?? pos, `VIP ${v.classMap}: no persistence-rebalance keeps a keep-alive connection on its first request's real whatever class the later requests match, and inserts headers into the first request only; HAProxy picks a backend per request (prefer-last-server within it) and sets headers on every request`);
    }
    if (v.vipClass.icmpReply !== undefined) diags.untranslated(pos, `VIP ${v.classMap}: loadbalance vip icmp-reply: HAProxy does not answer ping; the host does`);
    sections.push(lines.join('\n'));
    frontends.push({ name, address: v.address, port: vipPort(v) ?? (v.ports.kind === 'range' ? v.ports.from : undefined), mode });
  }
  const head = [
    `# haproxy.cfg for HAProxy 2.6, generated by acesim export --to haproxy${opts.source ? ` from ${opts.source}` : ''} (context ${ctx.name}).`,
    '# Constructs without an HAProxy equivalent are listed by acesim as EXPORT_* warnings; see docs/export.md.',
    'global',
    ...(opts.globalLines ?? []).map((l) => `  ${l}`),
    '',
    'defaults',
    '  mode tcp',
    '  log global',
    '  # ACE TCP idle timeout (1 h); probes set their own connect/check timeouts per backend',
    '  timeout connect 5s',
    '  timeout client 1h',
    '  timeout server 1h',
    ...(opts.defaultsLines ?? []).map((l) => `  ${l}`),
  ].join('\n');
  const env = [...backends.values()].flatMap((b) => b.env);
  const text = [head, ...sections, ...[...backends.values()].map((b) => b.lines.join('\n'))].join('\n\n') + '\n';
  return {
    text,
    diagnostics: diags.list,
    env: [...new Map(env.map((e) => [e.name, e])).values()],
    backends: new Map([...backends].map(([k, b]) => [k, { farm: b.farm, servers: b.servers }])),
    frontends,
  };
}
