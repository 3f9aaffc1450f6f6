// Lints an ACE expert would want: configurations that load but will not do
// what their author meant (SNMP matched as TCP, probes slower than their own
// interval, VIPs out of service, traffic denied by default, …). Pure.
import { DIAGNOSTIC_CODES, type Diagnostic, type DiagnosticCode } from './diagnostics.js';
import { lexTokens } from './lexer.js';
import type { ContextModel, Model, PortSpec, Probe, Serverfarm, SourcePos, VipClass } from './model.js';
import type { SyntaxTree } from './syntax-tree.js';

const TCP_PROBES = new Set(['tcp', 'echo-tcp', 'finger', 'http', 'https', 'ftp', 'smtp', 'telnet', 'imap', 'pop', 'rtsp', 'sip-tcp']);

/** `tree` (ACE input) lets a lint point inside a command the model keeps one position for. */
export function lintModel(model: Model, tree?: SyntaxTree): Diagnostic[] {
  const out: Diagnostic[] = [];
  const report = (code: DiagnosticCode, message: string, pos: SourcePos, length: number, hint?: string) => {
    const d: Diagnostic = { code, severity: DIAGNOSTIC_CODES[code].severity, message, file: pos.file, line: pos.line, col: pos.col, length: Math.max(1, length) };
    if (hint) d.hint = hint;
    out.push(d);
  };
  for (const ctx of model.contexts) {
    lintContext(model, ctx, report);
    lintInsertHttp(ctx, tree, report);
  }
  return out;
}

type Report = (code: DiagnosticCode, message: string, pos: SourcePos, length: number, hint?: string) => void;

function portsInclude(p: PortSpec, port: number): boolean {
  switch (p.kind) {
    case 'any':
      return false; // "any" is a deliberate catch-all, not a mistake about SNMP
    case 'eq':
      return p.port === port;
    case 'range':
      return p.from <= port && port <= p.to;
    default:
      return false;
  }
}

/** Worst-case time from a server's death to its PROBE-FAILED verdict, per ace-semantics §4.5. */
export function worstDetectionMs(p: Probe): number {
  const attemptMs = (TCP_PROBES.has(p.type) ? p.openMs : 0) + p.receiveMs;
  return p.faildetect * Math.max(p.intervalMs, attemptMs) + attemptMs;
}

function lintContext(model: Model, ctx: ContextModel, report: Report): void {
  const probes = new Map(ctx.probes.map((p) => [p.name, p]));
  const rservers = new Map(ctx.rservers.map((r) => [r.name, r]));
  const classes = new Map(ctx.classMaps.map((c) => [c.name, c]));
  const policies = new Map(ctx.policyMaps.map((p) => [p.name, p]));

  // Probes
  for (const p of ctx.probes) {
    const attemptMs = (TCP_PROBES.has(p.type) ? p.openMs : 0) + p.receiveMs;
    if (attemptMs >= p.intervalMs && p.type !== 'vm') {
      report(
        'LINT_PROBE_TIMEOUT_EXCEEDS_INTERVAL',
        `probe ${p.name}: ${TCP_PROBES.has(p.type) ? `open ${p.openMs / 1000} s + ` : ''}receive ${p.receiveMs / 1000} s = ${attemptMs / 1000} s is not shorter than interval ${p.intervalMs / 1000} s; an attempt still running when the next is due delays it`,
        p.pos,
        5,
        `set interval above ${attemptMs / 1000} s, or lower open/receive`,
      );
    }
    if ((p.type === 'http' || p.type === 'https') && p.expectStatus.length === 0) {
      report('LINT_HTTP_PROBE_NO_EXPECT', `probe ${p.name} has no \`expect status\`; some ACE releases pass any reply, others fail every reply (acesim fails it by default)`, p.pos, 5, 'add `expect status 200 299` (or the range your application answers)');
    }
  }

  // Farms
  const farmProbes = (f: Serverfarm): Probe[] => {
    const names = new Set([...f.probes.map((r) => r.name), ...f.members.flatMap((m) => m.probes.map((r) => r.name)), ...f.members.flatMap((m) => rservers.get(m.rserver.name)?.probes.map((r) => r.name) ?? [])]);
    return [...names].map((n) => probes.get(n)).filter((p): p is Probe => p !== undefined);
  };
  for (const f of ctx.serverfarms) {
    if (farmProbes(f).length === 0 && f.members.length > 0) {
      report('LINT_FARM_WITHOUT_PROBE', `serverfarm ${f.name} has no probe: a dead node keeps receiving new connections`, f.pos, 10, 'attach one with `probe NAME` under the serverfarm');
    }
    for (const m of f.members) {
      const r = rservers.get(m.rserver.name);
      if (r && m.admin !== 'outofservice' && r.admin === 'outofservice') {
        report('LINT_RSERVER_NOT_INSERVICE', `rserver ${r.name} is in service in serverfarm ${f.name} but not globally, so it never gets traffic`, m.pos, 7, `add \`inservice\` under \`rserver host ${r.name}\``);
      }
    }
  }

  // Sticky groups
  const farmsByName = new Map(ctx.serverfarms.map((f) => [f.name, f]));
  for (const g of ctx.stickyGroups) {
    if (!g.serverfarm) continue;
    if (g.serverfarm.backup && !g.serverfarm.backupSticky) {
      report('LINT_BACKUP_WITHOUT_STICKY', `sticky group ${g.name} has backup farm ${g.serverfarm.backup.name} without \`sticky\`: clients sent to the backup are not stuck and move again when the primary recovers`, g.serverfarm.backup.pos, g.serverfarm.backup.name.length, `write \`serverfarm ${g.serverfarm.primary.name} backup ${g.serverfarm.backup.name} sticky\``);
    }
    const f = farmsByName.get(g.serverfarm.primary.name);
    if (f && g.simulated) {
      const worst = Math.max(0, ...farmProbes(f).map(worstDetectionMs));
      if (worst > 0 && g.timeoutMs < worst) {
        report('LINT_STICKY_SHORTER_THAN_FAILOVER', `sticky group ${g.name} times out after ${g.timeoutMs / 60000} min, sooner than its farm's probes can detect a failure (up to ${Math.ceil(worst / 1000)} s)`, g.pos, 6);
      }
    }
  }

  // VIPs
  for (const cm of ctx.classMaps) {
    for (const m of cm.matches) {
      if (m.kind === 'virtual-address' && m.protocol === 'tcp' && (portsInclude(m.ports, 161) || portsInclude(m.ports, 162))) {
        const port = portsInclude(m.ports, 162) ? 162 : 161;
        report('LINT_SNMP_OVER_TCP', `class-map ${cm.name} matches SNMP port ${port} as TCP; SNMP ${port === 162 ? 'traps' : 'requests'} are UDP, so the VIP never sees them`, m.pos, 5, `write \`match virtual-address ${m.address} udp eq ${port === 162 ? 'snmptrap' : 'snmp'}\``);
      }
    }
  }
  const vipSeen = new Map<string, SourcePos>();
  const usedMulti = new Set<string>([...ctx.interfaces.flatMap((i) => i.servicePolicies.map((s) => s.policy.name)), ...(ctx.globalServicePolicies ?? []).map((r) => r.name)]);
  for (const p of ctx.policyMaps) {
    if (p.type !== 'multi-match') continue;
    for (const c of p.classes) {
      lintVipClass(c, report);
      const cm = classes.get(c.classMap.name);
      if (!cm) continue;
      for (const m of cm.matches) {
        if (m.kind !== 'virtual-address') continue;
        if (c.inservice && usedMulti.has(p.name)) {
          const key = `${m.address}/${m.protocol}/${JSON.stringify(m.ports)}`;
          const prev = vipSeen.get(key);
          if (prev) report('LINT_DUPLICATE_VIP', `VIP ${m.address} ${m.protocol} is matched again (first at line ${prev.line}); only the first class gets the traffic`, m.pos, 5);
          else vipSeen.set(key, m.pos);
        }
      }
    }
  }

  // Interfaces
  for (const i of ctx.interfaces) {
    const hasVips = [...i.servicePolicies.map((s) => s.policy.name), ...(ctx.globalServicePolicies ?? []).map((r) => r.name)].some((n) => policies.get(n)?.type === 'multi-match');
    if (!hasVips) continue;
    if (!i.accessGroups.some((g) => g.direction === 'input')) {
      report('LINT_NO_ACCESS_GROUP', `interface vlan ${i.vlan} serves VIPs but has no \`access-group input\`; the ACE denies traffic entering a VLAN by default`, i.pos, 9, 'add `access-group input ACL` with an ACL that permits the clients');
    }
    if (i.shutdown) report('LINT_INTERFACE_SHUTDOWN', `interface vlan ${i.vlan} serves VIPs but is shut down`, i.pos, 9, 'add `no shutdown`');
  }

  lintUnused(model, ctx, report);
}

function lintVipClass(c: VipClass, report: Report): void {
  if (!c.inservice) report('LINT_VIP_NOT_INSERVICE', `VIP class ${c.classMap.name} has no \`loadbalance vip inservice\`: the VIP is out of service`, c.pos, 5, 'add `loadbalance vip inservice` under the class');
  if (!c.lbPolicy) report('LINT_VIP_WITHOUT_POLICY', `VIP class ${c.classMap.name} has no \`loadbalance policy\`: there is nothing to balance to`, c.pos, 5);
  // Source NAT is the opposite of what acesim's VIP does (keep the client's address), so say so rather than pretend.
  for (const n of c.natDynamic) {
    report(
      'LINT_NAT_NOT_SIMULATED',
      `VIP class ${c.classMap.name}: \`nat dynamic ${n.poolId} vlan ${n.vlan}\` makes the ACE source-NAT clients into nat-pool ${n.poolId}; acesim does not translate source addresses, so the nodes see the client's address (bind-client) or acesim's, never the pool's`,
      n.pos,
      3,
      'drop the line if the nodes must see clients (the TMS deployments need that); keep it for documentation, acesim only warns',
    );
  }
}

/** An HTTP field name: an RFC 9110 token. */
const FIELD_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** What node:http and undici refuse in a field value (their own check): controls but tab, DEL, and anything above Latin-1. */
const BAD_VALUE_CHAR = /[^\t\x20-\x7e\x80-\xff]/u;

function describeChar(c: string): string {
  const cp = c.codePointAt(0)!;
  const u = `U+${cp.toString(16).toUpperCase().padStart(4, '0')}`;
  if (cp === 13) return `a carriage return (${u})`;
  if (cp === 10) return `a line feed (${u})`;
  if (cp === 0) return `a NUL (${u})`;
  if (cp < 32 || cp === 127) return `control character ${u}`;
  return `"${c}" (${u}), outside Latin-1`;
}

/** Why node cannot send `insert-http NAME header-value VALUE`, and which part: or undefined. */
export function insertHttpProblem(name: string, value: string): { part: 'name' | 'value'; why: string } | undefined {
  if (!FIELD_NAME.test(name)) return { part: 'name', why: `"${name}" is not an HTTP field name (RFC 9110: one token of letters, digits and !#$%&'*+-.^_\`|~)` };
  const bad = BAD_VALUE_CHAR.exec(value);
  if (bad) return { part: 'value', why: `the value holds ${describeChar(bad[0])}, which node:http cannot send in a header` };
  return undefined;
}

/**
 * Where a part of an `insert-http` line is: the model keeps the command's
 * position only, so the line is lexed again from the tree (ACE input); the
 * command itself otherwise (YAML input).
 */
function insertPartAt(tree: SyntaxTree | undefined, pos: SourcePos, part: 'name' | 'value'): { pos: SourcePos; length: number } {
  const whole = { pos, length: 'insert-http'.length };
  const sl = tree && tree.file === pos.file ? tree.lines[pos.line - 1] : undefined;
  if (!sl) return whole;
  const toks = lexTokens(sl).tokens;
  const kw = toks.findIndex((t) => t.col > pos.col && t.text.toLowerCase() === 'header-value');
  if (kw < 1) return whole;
  const span = part === 'name' ? toks.slice(kw - 1, kw) : toks.slice(kw + 1);
  const first = span[0];
  const last = span.at(-1);
  if (!first || !last) return whole;
  return { pos: { ...pos, col: first.col }, length: last.col + last.width - first.col };
}

/** The ACE sends these headers; acesim's L7 VIP cannot, so the author learns it at load time, not from requests that fail or arrive without it. */
function lintInsertHttp(ctx: ContextModel, tree: SyntaxTree | undefined, report: Report): void {
  for (const p of ctx.policyMaps) {
    if (p.type !== 'loadbalance') continue;
    for (const c of p.classes) {
      for (const a of c.actions) {
        if (a.kind !== 'insert-http') continue;
        const problem = insertHttpProblem(a.header, a.value);
        if (!problem) continue;
        const at = insertPartAt(tree, a.pos, problem.part);
        report(
          'LINT_INSERT_HTTP_UNSENDABLE',
          `policy-map ${p.name} class ${c.classMap.name}: insert-http ${a.header}: ${problem.why}; the ACE accepts the line, but acesim's L7 VIP cannot forward the requests this class matches with that header`,
          at.pos,
          at.length,
          problem.part === 'name' ? 'name the header with letters, digits and - only' : 'keep the value to printable ASCII (Latin-1 at most), on one line',
        );
      }
    }
  }
}

function lintUnused(model: Model, ctx: ContextModel, report: Report): void {
  const used = new Set<string>();
  const use = (kind: string, name: string) => used.add(`${kind}:${name}`);
  for (const r of ctx.rservers) r.probes.forEach((p) => use('probe', p.name));
  for (const f of ctx.serverfarms) {
    f.probes.forEach((p) => use('probe', p.name));
    f.members.forEach((m) => m.probes.forEach((p) => use('probe', p.name)));
  }
  if (ctx === model.contexts[0]) for (const t of model.ft.tracks) for (const s of [t.local, t.peer]) s.probes.forEach((p) => use('probe', p.probe.name));
  for (const g of ctx.stickyGroups) {
    if (g.serverfarm) {
      use('serverfarm', g.serverfarm.primary.name);
      if (g.serverfarm.backup) use('serverfarm', g.serverfarm.backup.name);
    }
  }
  for (const c of ctx.classMaps) for (const m of c.matches) {
    if (m.kind === 'class-map') use('class-map', m.classMap.name);
    if (m.kind === 'access-list') use('access-list', m.acl.name);
  }
  for (const p of ctx.policyMaps) {
    if (p.type === 'other') continue;
    for (const c of p.classes) {
      use('class-map', c.classMap.name);
      if (p.type === 'loadbalance') {
        for (const a of (c as { actions: import('./model.js').LbAction[] }).actions) {
          if (a.kind === 'serverfarm') {
            use('serverfarm', a.farm.name);
            if (a.backup) use('serverfarm', a.backup.name);
          } else if (a.kind === 'sticky-serverfarm') use('sticky group', a.group.name);
        }
      }
      if (p.type === 'multi-match') {
        const vc = c as VipClass;
        if (vc.lbPolicy) use('policy-map', vc.lbPolicy.name);
        if (vc.httpParameters) use('parameter-map', vc.httpParameters.name);
      }
    }
  }
  for (const i of ctx.interfaces) {
    i.accessGroups.forEach((g) => use('access-list', g.acl.name));
    i.servicePolicies.forEach((s) => use('policy-map', s.policy.name));
  }
  (ctx.globalServicePolicies ?? []).forEach((r) => use('policy-map', r.name));

  const check = (kind: string, name: string, pos: SourcePos) => {
    if (!used.has(`${kind}:${name}`)) report('LINT_UNUSED', `${kind} ${name} is defined but nothing uses it`, pos, kind.length);
  };
  ctx.probes.forEach((p) => check('probe', p.name, p.pos));
  ctx.serverfarms.forEach((f) => check('serverfarm', f.name, f.pos));
  ctx.stickyGroups.forEach((g) => check('sticky group', g.name, g.pos));
  ctx.classMaps.forEach((c) => check('class-map', c.name, c.pos));
  ctx.policyMaps.forEach((p) => check('policy-map', p.name, p.pos));
  ctx.accessLists.forEach((a) => check('access-list', a.name, a.pos));
  ctx.httpParameterMaps.forEach((m) => check('parameter-map', m.name, m.pos));
}
