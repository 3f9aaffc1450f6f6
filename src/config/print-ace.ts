// Prints a model as a normalized ACE running-config: canonical block order
// and 2-space indentation, defaults omitted (as `show running-config` does),
// secrets masked unless showSecrets. Parsing the output yields the same model
// (positions aside; masked secrets come back as the mask).
import { SECRET_MASK, type Secret } from '../core/secret.js';
import {
  FT_HEARTBEAT_COUNT,
  FT_HEARTBEAT_INTERVAL_MS,
  FT_PRIORITY,
  PROBE_FAILDETECT,
  PROBE_INTERVAL_MS,
  PROBE_OPEN_MS,
  PROBE_PASSDETECT_COUNT,
  PROBE_PASSDETECT_INTERVAL_MS,
  PROBE_RECEIVE_MS,
  RSERVER_WEIGHT,
  STICKY_TIMEOUT_MS,
} from './defaults.js';
import { quoteIfNeeded } from './lexer.js';
import type { AclEntry, AddressSpec, ClassMatch, ContextModel, FarmMember, HttpParameterMap, LbAction, Model, PersistenceRebalance, PolicyMap, PortSpec, Probe, Rserver, Serverfarm, StickyGroup, VlanInterface } from './model.js';
import { printPort } from './ports.js';

export interface PrintOptions {
  showSecrets?: boolean;
}

export function printAce(model: Model, opts: PrintOptions = {}): string {
  const out: string[] = [];
  const secret = (s: Secret | undefined) => (s === undefined ? '' : opts.showSecrets ? s.reveal() : SECRET_MASK);
  const line = (indent: number, s: string) => out.push(`${'  '.repeat(indent)}${s}`);

  if (model.hostname) line(0, `hostname ${model.hostname}`);
  if (model.bootImage) line(0, `boot system ${model.bootImage}`);
  for (const rc of model.resourceClasses) {
    line(0, `resource-class ${rc.name}`);
    for (const l of rc.limits) line(1, `limit-resource ${l.resource} minimum ${l.minimumPct.toFixed(2)} maximum ${typeof l.maximum === 'number' ? l.maximum.toFixed(2) : l.maximum}`);
  }
  for (const c of model.contextDefs) {
    line(0, `context ${c.name}`);
    if (c.description) line(1, `description ${c.description}`);
    for (const a of c.allocateInterfaces) line(1, `allocate-interface ${a}`);
    if (c.member) line(1, `member ${c.member.name}`);
  }
  for (const u of model.users) {
    let s = `username ${u.name}`;
    if (u.password) s += ` password ${u.passwordType !== undefined ? u.passwordType + ' ' : ''}${secret(u.password)}`;
    if (u.role) s += ` role ${u.role}`;
    if (u.domain) s += ` domain ${u.domain}`;
    line(0, s);
  }
  model.contexts.forEach((ctx, i) => {
    if (i > 0) {
      out.push('');
      line(0, `changeto ${ctx.name}`);
    }
    printContext(ctx, line, secret);
  });
  printFt(model, line);
  return out.join('\n') + '\n';
}

type Line = (indent: number, s: string) => void;
type SecretFn = (s: Secret | undefined) => string;

function addr(a: AddressSpec): string {
  return a.kind === 'any' ? 'any' : a.kind === 'host' ? `host ${a.address}` : `${a.address} ${a.mask}`;
}

function ports(p: PortSpec | undefined, proto: 'tcp' | 'udp' | 'any'): string {
  if (!p) return '';
  switch (p.kind) {
    case 'any':
      return ' any';
    case 'range':
      return ` range ${p.from} ${p.to}`;
    default:
      return ` ${p.kind} ${printPort(p.port, proto)}`;
  }
}

function aclLine(name: string, e: AclEntry): string {
  const ln = e.kind !== 'ethertype' && e.lineNo !== undefined ? ` line ${e.lineNo}` : '';
  if (e.kind === 'remark') return `access-list ${name}${ln} remark ${e.text}`;
  if (e.kind === 'ethertype') return `access-list ${name} ethertype ${e.action} ${e.ethertype}`;
  const l4 = e.protocol === 'tcp' || e.protocol === 'udp' ? e.protocol : 'any';
  let s = `access-list ${name}${ln} extended ${e.action} ${e.protocol} ${addr(e.source)}${ports(e.sourcePort, l4)} ${addr(e.destination)}${ports(e.destinationPort, l4)}`;
  if (e.icmpType) s += ` ${e.icmpType}`;
  return s;
}

function printProbe(p: Probe, line: Line, secret: SecretFn): void {
  const type = p.type.replace(/^(echo|sip)-/, '$1 ');
  line(0, `probe ${type} ${p.name}`);
  if (p.description) line(1, `description ${p.description}`);
  if (p.ipAddress) line(1, `ip address ${p.ipAddress.address}${p.ipAddress.routed ? ' routed' : ''}`);
  if (p.port !== undefined) line(1, `port ${p.port}`);
  if (p.intervalMs !== PROBE_INTERVAL_MS) line(1, `interval ${p.intervalMs / 1000}`);
  if (p.faildetect !== PROBE_FAILDETECT) line(1, `faildetect ${p.faildetect}`);
  if (p.passdetectIntervalMs !== PROBE_PASSDETECT_INTERVAL_MS) line(1, `passdetect interval ${p.passdetectIntervalMs / 1000}`);
  if (p.passdetectCount !== PROBE_PASSDETECT_COUNT) line(1, `passdetect count ${p.passdetectCount}`);
  if (p.receiveMs !== PROBE_RECEIVE_MS) line(1, `receive ${p.receiveMs / 1000}`);
  if (p.openMs !== PROBE_OPEN_MS) line(1, `open ${p.openMs / 1000}`);
  if (p.connectionTermForced) line(1, 'connection term forced');
  if (p.sslVersion) line(1, `ssl version ${p.sslVersion}`);
  if (p.sslCipher) line(1, `ssl cipher ${p.sslCipher}`);
  if (p.credentials) {
    const pw = p.credentials.password ? ` ${secret(p.credentials.password)}` : '';
    line(1, `credentials ${p.credentials.username}${pw}${p.radiusSecret ? ` secret ${secret(p.radiusSecret)}` : ''}`);
  }
  if (p.mailbox) line(1, `credentials mailbox ${p.mailbox}`);
  if (p.request.method !== 'get' || p.request.url !== '/') line(1, `request method ${p.request.method}${p.request.url !== '/' ? ` url ${p.request.url}` : ''}`);
  if (p.requestCommand) line(1, `request command ${p.requestCommand}`);
  for (const h of p.headers) line(1, `header ${h.name} header-value ${quoteIfNeeded(h.value)}`);
  for (const r of p.expectStatus) line(1, `expect status ${r.min} ${r.max}`);
  if (p.expectRegex) line(1, `expect regex ${quoteIfNeeded(p.expectRegex.regex)}${p.expectRegex.offset !== undefined ? ` offset ${p.expectRegex.offset}` : ''}`);
  for (const a of p.expectAddresses) line(1, `expect address ${a}`);
  if (p.sendData !== undefined) line(1, `send-data ${p.sendData}`);
  if (p.hash) line(1, `hash${p.hash.md5 ? ' ' + p.hash.md5 : ''}`);
  if (p.appendPortHosttag) line(1, 'append-port-hosttag');
  if (p.domain) line(1, `domain ${p.domain}`);
  if (p.community) line(1, `community ${secret(p.community)}`);
  if (p.snmpVersion) line(1, `version ${p.snmpVersion}`);
  for (const o of p.oids) {
    line(1, `oid ${o.oid}`);
    if (o.threshold !== undefined) line(2, `threshold ${o.threshold}`);
    if (o.typeAbsoluteMax !== undefined) line(2, `type absolute max ${o.typeAbsoluteMax}`);
    if (o.weight !== undefined) line(2, `weight ${o.weight}`);
  }
  if (p.nasIpAddress) line(1, `nas ip address ${p.nasIpAddress}`);
  if (p.script) line(1, `script ${[p.script.name, ...p.script.args].join(' ')}`);
  if (p.rportEnable) line(1, 'rport enable');
}

function admin(a: 'inservice' | 'standby' | 'outofservice'): string | undefined {
  return a === 'inservice' ? 'inservice' : a === 'standby' ? 'inservice standby' : undefined;
}

function printRserver(r: Rserver, line: Line): void {
  line(0, `rserver ${r.kind} ${r.name}`);
  if (r.description) line(1, `description ${r.description}`);
  if (r.ipAddress) line(1, `ip address ${r.ipAddress}`);
  if (r.weight !== RSERVER_WEIGHT) line(1, `weight ${r.weight}`);
  if (r.connLimit) line(1, `conn-limit max ${r.connLimit.max} min ${r.connLimit.min}`);
  if (r.rateLimit.connection !== undefined) line(1, `rate-limit connection ${r.rateLimit.connection}`);
  if (r.rateLimit.bandwidth !== undefined) line(1, `rate-limit bandwidth ${r.rateLimit.bandwidth}`);
  if (r.webhostRedirection) line(1, `webhost-redirection ${r.webhostRedirection.url}${r.webhostRedirection.code !== 302 ? ' ' + r.webhostRedirection.code : ''}`);
  for (const p of r.probes) line(1, `probe ${p.name}`);
  if (r.failOnAll) line(1, 'fail-on-all');
  const a = admin(r.admin);
  if (a) line(1, a);
}

function printMember(m: FarmMember, line: Line): void {
  line(1, `rserver ${m.rserver.name}${m.port !== undefined ? ' ' + m.port : ''}`);
  if (m.description) line(2, `description ${m.description}`);
  if (m.weight !== undefined) line(2, `weight ${m.weight}`);
  if (m.backup) line(2, `backup-rserver ${m.backup.rserver.name}${m.backup.port !== undefined ? ' ' + m.backup.port : ''}`);
  if (m.connLimit) line(2, `conn-limit max ${m.connLimit.max} min ${m.connLimit.min}`);
  if (m.rateLimit.connection !== undefined) line(2, `rate-limit connection ${m.rateLimit.connection}`);
  if (m.rateLimit.bandwidth !== undefined) line(2, `rate-limit bandwidth ${m.rateLimit.bandwidth}`);
  if (m.cookieString) line(2, `cookie-string ${m.cookieString}`);
  for (const p of m.probes) line(2, `probe ${p.name}`);
  if (m.failOnAll) line(2, 'fail-on-all');
  const a = admin(m.admin);
  if (a) line(2, a);
}

function printFarm(f: Serverfarm, line: Line): void {
  line(0, `serverfarm ${f.kind} ${f.name}`);
  if (f.description) line(1, `description ${f.description}`);
  const pr = f.predictor;
  if (pr.kind === 'leastconns') line(1, `predictor leastconns${pr.slowstartS !== undefined ? ` slowstart ${pr.slowstartS}` : ''}`);
  else if (pr.kind === 'hash-address') line(1, `predictor hash address${pr.which !== 'both' ? ' ' + pr.which : ''}${pr.netmask !== '255.255.255.255' ? ' ' + pr.netmask : ''}`);
  else if (pr.kind === 'unsimulated') line(1, `predictor ${pr.text}`);
  const extra = f.unsimulatedLines ?? [];
  const predictorSub = (l: string) => /^(autoadjust|weight connection)/.test(l);
  for (const l of extra) if (predictorSub(l)) line(pr.kind === 'roundrobin' ? 1 : 2, l);
  for (const l of extra) if (!predictorSub(l)) line(1, l);
  for (const p of f.probes) line(1, `probe ${p.name}`);
  if (f.failOnAll) line(1, 'fail-on-all');
  if (f.failaction) line(1, `failaction ${f.failaction === 'reassign-across-interface' ? 'reassign across-interface' : f.failaction}`);
  if (f.inbandHealth) {
    const h = f.inbandHealth;
    let s = `inband-health check ${h.mode}`;
    if (h.threshold !== undefined) s += ` ${h.threshold}`;
    if (h.resetMs !== undefined) s += ` reset ${h.resetMs}`;
    if (h.resumeServiceS !== undefined) s += ` resume-service ${h.resumeServiceS}`;
    line(1, s);
  }
  if (f.partialThreshold) line(1, `partial-threshold ${f.partialThreshold.thresholdPct} back-inservice ${f.partialThreshold.backInservicePct}`);
  for (const r of f.retcodeMaps) {
    let s = `retcode ${r.min} ${r.max} check ${r.mode}`;
    if (r.threshold !== undefined) s += ` ${r.threshold} reset ${r.resetS}`;
    if (r.resumeServiceS !== undefined) s += ` resume-service ${r.resumeServiceS}`;
    line(1, s);
  }
  if (f.transparent) line(1, 'transparent');
  for (const m of f.members) printMember(m, line);
}

function printSticky(g: StickyGroup, line: Line): void {
  let head = `sticky ${g.kind}`;
  if (g.kind === 'ip-netmask') head += ` ${g.netmask} address ${g.address}`;
  else if (g.kind === 'ipv6-prefix') head += ` ${g.prefixLength} address ${g.address}`;
  else if (g.keyName) head += ` ${g.keyName}`;
  line(0, `${head} ${g.name}`);
  if (g.timeoutMs !== STICKY_TIMEOUT_MS) line(1, `timeout ${g.timeoutMs / 60000}`);
  if (g.timeoutActiveconns) line(1, 'timeout activeconns');
  if (g.replicate) line(1, 'replicate sticky');
  for (const l of g.extraLines) line(1, l);
  if (g.serverfarm) {
    const s = g.serverfarm;
    line(1, `serverfarm ${s.primary.name}${s.backup ? ` backup ${s.backup.name}${s.backupSticky ? ' sticky' : ''}${s.aggregateState ? ' aggregate-state' : ''}` : ''}`);
  }
  for (const st of g.statics) {
    const who = st.clientSource !== undefined ? `client source ${st.clientSource}${st.destination ? ` destination ${st.destination}` : ''}` : st.destination !== undefined ? `client destination ${st.destination}` : `value ${st.value}`;
    line(1, `static ${who} rserver ${st.rserver.name}${st.port !== undefined ? ' ' + st.port : ''}`);
  }
}

function matchText(m: ClassMatch): string {
  const n = m.lineNo !== undefined ? `${m.lineNo} ` : '';
  switch (m.kind) {
    case 'virtual-address': {
      const mask = m.mask !== '255.255.255.255' ? ` ${m.mask}` : '';
      const proto = typeof m.protocol === 'number' ? String(m.protocol) : m.protocol;
      const p = m.protocol === 'tcp' || m.protocol === 'udp' ? ports(m.ports, m.protocol) : '';
      return `${n}match virtual-address ${m.address}${mask} ${proto}${p}`;
    }
    case 'source-address':
    case 'destination-address':
      return `${n}match ${m.kind} ${m.address} ${m.mask}`;
    case 'port':
      return `${n}match port ${m.protocol}${ports(m.ports, m.protocol)}`;
    case 'access-list':
      return `${n}match access-list ${m.acl.name}`;
    case 'any':
      return `${n}match any`;
    case 'http-url':
      return `${n}match http url ${m.regex}${m.method ? ` method ${m.method}` : ''}`;
    case 'http-header':
      return `${n}match http header ${m.name} header-value ${quoteIfNeeded(m.value)}`;
    case 'http-cookie':
      return `${n}match http cookie ${m.name} cookie-value ${quoteIfNeeded(m.value)}`;
    case 'class-map':
      return `${n}match class-map ${m.classMap.name}`;
    case 'protocol':
      return `${n}match protocol ${m.protocol} ${m.source.kind === 'any' ? 'any' : `source-address ${m.source.address} ${m.source.kind === 'net' ? m.source.mask : '255.255.255.255'}`}`;
    case 'unsimulated':
      return m.text;
  }
}

function actionText(a: LbAction): string {
  switch (a.kind) {
    case 'serverfarm':
      return `serverfarm ${a.farm.name}${a.backup ? ` backup ${a.backup.name}${a.aggregateState ? ' aggregate-state' : ''}` : ''}`;
    case 'sticky-serverfarm':
      return `sticky-serverfarm ${a.group.name}`;
    case 'drop':
    case 'forward':
      return a.kind;
    case 'insert-http':
      return `insert-http ${a.header} header-value ${quoteIfNeeded(a.value)}`;
    case 'unsimulated':
      return a.text;
  }
}

function printPolicy(p: PolicyMap, line: Line): void {
  if (p.type === 'other') {
    line(0, `policy-map type ${p.typeText} ${p.name}`);
    for (const l of p.lines) line(1, l);
    return;
  }
  if (p.type === 'management') line(0, `policy-map type management first-match ${p.name}`);
  else if (p.type === 'loadbalance') line(0, `policy-map type loadbalance ${p.http ? 'http ' : ''}first-match ${p.name}`);
  else line(0, `policy-map multi-match ${p.name}`);
  if (p.description) line(1, `description ${p.description}`);
  if (p.type === 'management') {
    for (const c of p.classes) {
      line(1, `class ${c.classMap.name}`);
      if (c.action) line(2, c.action);
    }
  } else if (p.type === 'loadbalance') {
    for (const c of p.classes) {
      line(1, `class ${c.classMap.name}`);
      for (const a of c.actions) line(2, actionText(a));
    }
  } else {
    for (const c of p.classes) {
      line(1, `class ${c.classMap.name}`);
      if (c.inservice) line(2, 'loadbalance vip inservice');
      if (c.lbPolicy) line(2, `loadbalance policy ${c.lbPolicy.name}`);
      if (c.icmpReply) line(2, `loadbalance vip icmp-reply${c.icmpReply !== 'always' ? ' ' + c.icmpReply : ''}`);
      if (c.udpFastAge) line(2, 'loadbalance vip udp-fast-age');
      for (const n of c.natDynamic) line(2, `nat dynamic ${n.poolId} vlan ${n.vlan}`);
      if (c.httpParameters) line(2, `appl-parameter http advanced-options ${c.httpParameters.name}`);
      for (const u of c.unsimulated) line(2, u.text);
    }
  }
}

function printInterface(i: VlanInterface, line: Line): void {
  line(0, `interface vlan ${i.vlan}`);
  if (i.description) line(1, `description ${i.description}`);
  if (!i.ipv6Normalization) line(1, 'no ipv6 normalization');
  if (!i.ipv6IcmpGuard) line(1, 'no ipv6 icmp-guard');
  if (i.ipAddress) line(1, `ip address ${i.ipAddress.address} ${i.ipAddress.mask}`);
  if (i.alias) line(1, `alias ${i.alias.address} ${i.alias.mask}`);
  if (i.peerIpAddress) line(1, `peer ip address ${i.peerIpAddress.address} ${i.peerIpAddress.mask}`);
  if (i.mtu !== undefined) line(1, `mtu ${i.mtu}`);
  if (!i.normalization) line(1, 'no normalization');
  if (!i.icmpGuard) line(1, 'no icmp-guard');
  for (const g of i.accessGroups) line(1, `access-group ${g.direction} ${g.acl.name}`);
  for (const n of i.natPools) line(1, `nat-pool ${n.id} ${n.from}${n.to !== n.from ? ' ' + n.to : ''} netmask ${n.netmask}${n.pat ? ' pat' : ''}`);
  for (const s of i.servicePolicies) line(1, `service-policy input ${s.policy.name}`);
  for (const u of i.unsimulated) line(1, u.text);
  if (!i.shutdown) line(1, 'no shutdown');
}

const PERSISTENCE_LINE: Record<PersistenceRebalance, string> = { enabled: 'persistence-rebalance', strict: 'persistence-rebalance strict', disabled: 'no persistence-rebalance' };

function printHttpParameterMap(m: HttpParameterMap, line: Line): void {
  line(0, `parameter-map type http ${m.name}`);
  if (m.description) line(1, `description ${m.description}`);
  if (m.caseInsensitive) line(1, 'case-insensitive');
  if (m.headerMaxParse) line(1, `set header-maxparse-length ${m.headerMaxParse.bytes}`);
  if (m.lengthExceed) line(1, `length-exceed ${m.lengthExceed.mode}`);
  for (const o of m.otherLines) line(1, o.text);
  if (m.persistenceRebalance) line(1, PERSISTENCE_LINE[m.persistenceRebalance.mode]);
}

function printContext(ctx: ContextModel, line: Line, secret: SecretFn): void {
  const l = ctx.logging;
  if (l.enable) line(0, 'logging enable');
  if (l.timestamp) line(0, 'logging timestamp');
  if (l.bufferedLevel !== undefined) line(0, `logging buffered ${l.bufferedLevel}`);
  if (l.trapLevel !== undefined) line(0, `logging trap ${l.trapLevel}`);
  if (l.consoleLevel !== undefined) line(0, `logging console ${l.consoleLevel}`);
  if (l.monitorLevel !== undefined) line(0, `logging monitor ${l.monitorLevel}`);
  if (l.facility !== undefined) line(0, `logging facility ${l.facility}`);
  for (const h of l.hosts) line(0, `logging host ${h.address}${h.port !== undefined || h.protocol !== 'udp' ? ` ${h.protocol}/${h.port ?? ''}`.replace(/\/$/, '') : ''}`);
  for (const a of ctx.accessLists) for (const e of a.entries) line(0, aclLine(a.name, e));
  for (const p of ctx.probes) printProbe(p, line, secret);
  for (const m of ctx.httpParameterMaps) printHttpParameterMap(m, line);
  for (const r of ctx.rservers) printRserver(r, line);
  for (const f of ctx.serverfarms) printFarm(f, line);
  for (const g of ctx.stickyGroups) printSticky(g, line);
  for (const c of ctx.classMaps) {
    const type = c.type === 'l4' ? '' : c.type === 'http-loadbalance' ? 'type http loadbalance ' : c.type === 'management' ? 'type management ' : `type ${c.typeText} `;
    line(0, `class-map ${type}match-${c.matchMode} ${c.name}`);
    if (c.description) line(1, `description ${c.description}`);
    for (const m of c.matches) line(1, matchText(m));
  }
  for (const kind of ['management', 'loadbalance', 'multi-match', 'other'] as const) for (const p of ctx.policyMaps) if (p.type === kind) printPolicy(p, line);
  for (const i of ctx.interfaces) printInterface(i, line);
  for (const r of ctx.routes) line(0, `ip route ${r.prefix} ${r.mask} ${r.gateway}`);
  for (const r of ctx.globalServicePolicies ?? []) line(0, `service-policy input ${r.name}`);
  const s = ctx.snmp;
  if (s.contact) line(0, `snmp-server contact ${s.contact}`);
  if (s.location) line(0, `snmp-server location ${s.location}`);
  for (const c of s.communities) line(0, `snmp-server community ${secret(c.community)}${c.group ? ` group ${c.group}` : c.access !== 'ro' ? ' ' + c.access : ''}`);
  for (const h of s.hosts) line(0, `snmp-server host ${h.address} ${h.notification} version ${h.version} ${secret(h.community)}${h.port !== undefined ? ` udp-port ${h.port}` : ''}`);
  for (const t of s.enabledTraps) line(0, `snmp-server enable traps${t.words.length ? ' ' + t.words.join(' ') : ''}`);
  for (const b of ctx.unsimulated) {
    b.lines.forEach((text, i) => line(i === 0 ? 0 : 1, text));
  }
}

function printFt(model: Model, line: Line): void {
  const ft = model.ft;
  for (const f of ft.interfaces) {
    line(0, `ft interface vlan ${f.vlan}`);
    if (f.ipAddress) line(1, `ip address ${f.ipAddress.address} ${f.ipAddress.mask}`);
    if (f.peerIpAddress) line(1, `peer ip address ${f.peerIpAddress.address} ${f.peerIpAddress.mask}`);
    if (!f.shutdown) line(1, 'no shutdown');
  }
  for (const p of ft.peers) {
    line(0, `ft peer ${p.id}`);
    if (p.heartbeatIntervalMs !== FT_HEARTBEAT_INTERVAL_MS) line(1, `heartbeat interval ${p.heartbeatIntervalMs}`);
    if (p.heartbeatCount !== FT_HEARTBEAT_COUNT) line(1, `heartbeat count ${p.heartbeatCount}`);
    if (p.ftInterfaceVlan !== undefined) line(1, `ft-interface vlan ${p.ftInterfaceVlan}`);
    if (p.queryInterfaceVlan !== undefined) line(1, `query-interface vlan ${p.queryInterfaceVlan}`);
  }
  for (const g of ft.groups) {
    line(0, `ft group ${g.id}`);
    if (g.peer !== undefined) line(1, `peer ${g.peer}`);
    if (g.priority !== FT_PRIORITY) line(1, `priority ${g.priority}`);
    if (g.peerPriority !== FT_PRIORITY) line(1, `peer priority ${g.peerPriority}`);
    if (!g.preempt) line(1, 'no preempt');
    for (const c of g.associateContexts) line(1, `associate-context ${c.name}`);
    if (g.inservice) line(1, 'inservice');
  }
  for (const t of ft.tracks) {
    line(0, `ft track ${t.kind} ${t.name}`);
    for (const [side, prefix] of [[t.local, ''], [t.peer, 'peer ']] as const) {
      if (side.target !== undefined) line(1, `${prefix}${t.kind === 'host' ? `track-host ${side.target}` : t.kind === 'interface' ? `track-interface vlan ${side.target}` : `track-hsrp ${side.target}`}`);
      for (const p of side.probes) line(1, `${prefix}probe ${p.probe.name} priority ${p.priority}`);
      if (side.priority !== 0) line(1, `${prefix}priority ${side.priority}`);
    }
  }
  if (!ft.autoSyncRunning) line(0, 'no ft auto-sync running-config');
  if (!ft.autoSyncStartup) line(0, 'no ft auto-sync startup-config');
}
