// One HAProxy backend per (serverfarm, sticky group, mode): predictor →
// `balance`, farm members → `server` lines (weight, standby → backup,
// out of service → disabled, conn-limit → maxconn), the farm's probe → the
// check, an ip-netmask sticky group → a stick-table keyed by the masked
// address. Pure; everything without an equivalent is an export diagnostic.
import type { ContextModel, Probe, Serverfarm, StickyGroup } from '../config/model.js';
import { fastestProbe, haDuration, maskBits, probePort, probesOf, safeName, type ExportDiagnostics } from './export-common.js';
import { HAPROXY_CHECKABLE, haproxyCheck } from './haproxy-check.js';

export interface BackendRequest {
  farm: Serverfarm;
  sticky?: StickyGroup;
  mode: 'tcp' | 'http';
  /** The VIP port instances inherit when neither probe nor member has one. */
  vipPort?: number;
  /** `persistence-rebalance strict` (mode http): every request balanced, so no prefer-last-server (a backend of its own). */
  strict?: boolean;
}

export interface BuiltBackend {
  name: string;
  lines: string[];
  env: { name: string; holds: string }[];
  /** HAProxy server name → rserver address (the lab maps log lines back to reals). */
  servers: Map<string, string>;
}

export const backendName = (r: BackendRequest): string => `be_${safeName(r.farm.name)}${r.sticky ? `__${safeName(r.sticky.name)}` : ''}${r.mode === 'http' ? '__http' : ''}${r.mode === 'http' && r.strict ? '__strict' : ''}`;

const farmProbes = (ctx: ContextModel, farm: Serverfarm): Map<string, Probe> => new Map(farm.members.flatMap((m) => probesOf(ctx, farm, m.rserver.name)).map((p) => [p.name, p]));

/** The probe a farm's HAProxy check is exported from (of those HAProxy can run, the first to fail a dead real). */
export function haproxyProbeFor(ctx: ContextModel, farm: Serverfarm): Probe | undefined {
  return fastestProbe([...farmProbes(ctx, farm).values()].filter((p) => HAPROXY_CHECKABLE.has(p.type)));
}

function balance(farm: Serverfarm, diags: ExportDiagnostics): string {
  const p = farm.predictor;
  switch (p.kind) {
    case 'roundrobin':
      return 'balance roundrobin';
    case 'leastconns':
      return 'balance leastconn';
    case 'hash-address':
      if (p.which !== 'source') {
        diags.approximate(farm.pos, `serverfarm ${farm.name}: predictor hash address ${p.which} has no HAProxy balance algorithm; exported as balance source`);
      } else if (p.netmask !== '255.255.255.255') {
        diags.approximate(farm.pos, `serverfarm ${farm.name}: predictor hash address source ${p.netmask}: balance source hashes the whole client address`);
      }
      return 'balance source';
    case 'unsimulated':
      diags.untranslated(farm.pos, `serverfarm ${farm.name}: predictor ${p.text} has no HAProxy equivalent; exported as balance roundrobin`);
      return 'balance roundrobin';
  }
}

function stickLines(g: StickyGroup, diags: ExportDiagnostics): string[] {
  if (g.kind !== 'ip-netmask') {
    diags.untranslated(g.pos, `sticky ${g.kind} ${g.name}: only ip-netmask groups are exported; the backend balances without stickiness`);
    return [];
  }
  const bits = maskBits(g.netmask ?? '255.255.255.255') ?? 32;
  let fetch = 'src';
  if (g.address === 'destination') fetch = 'dst';
  else if (g.address === 'both') diags.approximate(g.pos, `sticky ${g.name}: address both keys on source and destination; HAProxy keys on the source only`);
  for (const s of g.statics) diags.untranslated(s.pos, `sticky ${g.name}: static entries have no HAProxy equivalent; left out`);
  if (g.replicate) diags.untranslated(g.pos, `sticky ${g.name}: replicate sticky needs a HAProxy peers section naming both units; left out`);
  if (!g.timeoutActiveconns) diags.approximate(g.pos, `sticky ${g.name}: HAProxy ages an entry from its last use even while connections on it stay open (ACE: only with timeout activeconns)`);
  return [`# sticky ip-netmask ${g.netmask} address ${g.address} ${g.name}`, `stick-table type ip size 4m expire ${haDuration(g.timeoutMs)}`, `stick on ${fetch}${bits < 32 ? `,ipmask(${bits})` : ''}`];
}

function farmExtras(farm: Serverfarm, diags: ExportDiagnostics): { backend: string[]; server: string } {
  const backend: string[] = [];
  let server = '';
  if (farm.failaction === 'purge') server += ' on-marked-down shutdown-sessions';
  else if (farm.failaction) {
    server += ' on-marked-down shutdown-sessions';
    backend.push('option redispatch');
    diags.approximate(farm.pos, `serverfarm ${farm.name}: failaction ${farm.failaction}: HAProxy cannot move an open connection; it closes them and new ones go elsewhere`);
  }
  if (farm.inbandHealth) {
    const ih = farm.inbandHealth;
    if (ih.mode === 'remove' && ih.threshold !== undefined) {
      server += ` observe layer4 error-limit ${ih.threshold} on-error mark-down`;
      diags.approximate(farm.pos, `serverfarm ${farm.name}: inband-health remove: HAProxy counts consecutive errors (no reset window) and lets the check bring the server back (no resume-service)`);
    } else diags.untranslated(farm.pos, `serverfarm ${farm.name}: inband-health ${ih.mode} only counts or logs; left out`);
  }
  if (farm.partialThreshold) diags.untranslated(farm.pos, `serverfarm ${farm.name}: partial-threshold has no HAProxy equivalent; left out`);
  for (const r of farm.retcodeMaps) diags.untranslated(farm.pos, `serverfarm ${farm.name}: retcode ${r.min} ${r.max} ${r.mode} has no HAProxy equivalent; left out`);
  if (farm.transparent) diags.approximate(farm.pos, `serverfarm ${farm.name}: transparent (no destination NAT): HAProxy always connects to the server's own address`);
  if (farm.kind === 'redirect') diags.untranslated(farm.pos, `serverfarm redirect ${farm.name}: redirect farms are not exported`);
  for (const l of farm.unsimulatedLines ?? []) diags.untranslated(farm.pos, `serverfarm ${farm.name}: "${l.trim()}" has no HAProxy equivalent; left out`);
  return { backend, server };
}

export function buildBackend(ctx: ContextModel, req: BackendRequest, opts: { usesrcClientip: boolean }, diags: ExportDiagnostics): BuiltBackend {
  const { farm } = req;
  const name = backendName(req);
  const lines: string[] = [`backend ${name}`, `  mode ${req.mode}`, `  ${balance(farm, diags)}`];
  // The ACE sends a keep-alive connection's next request of the same class to the previous request's real (HTTP
  // persistence rebalance, unless strict); HAProxy balances each request unless told to prefer the server the connection last used.
  if (req.mode === 'http' && req.strict !== true) lines.push('  option prefer-last-server');
  for (const l of req.sticky ? stickLines(req.sticky, diags) : []) lines.push(`  ${l}`);
  const extras = farmExtras(farm, diags);
  // One check per HAProxy server: of the probes that decide the members, the one that fails a dead real first.
  const all = farmProbes(ctx, farm);
  const chosen = haproxyProbeFor(ctx, farm);
  for (const p of all.values()) {
    if (!HAPROXY_CHECKABLE.has(p.type)) haproxyCheck(p, diags);
    else if (p !== chosen) diags.untranslated(p.pos, `probe ${p.name} (farm ${farm.name}): HAProxy runs one check per server; kept ${chosen!.name}, which detects a dead real soonest`, 'ACE fails a real when any probe fails; see docs/export.md');
  }
  if ((farm.failOnAll || farm.members.some((m) => m.failOnAll)) && all.size > 1) diags.approximate(farm.pos, `serverfarm ${farm.name}: fail-on-all over several probes becomes one check`);
  const check = chosen ? haproxyCheck(chosen, diags) : undefined;
  for (const l of check?.backend ?? []) lines.push(`  ${l}`);
  for (const l of extras.backend) lines.push(`  ${l}`);
  if (opts.usesrcClientip) lines.push('  # needs TPROXY: CAP_NET_ADMIN, IP_TRANSPARENT and policy routing of the replies (docs/export.md)', '  source 0.0.0.0 usesrc clientip');
  const servers = new Map<string, string>();
  const members = new Set(farm.members.map((m) => m.rserver.name));
  const serverLine = (rsName: string, port: number | undefined, weight: number, flags: string, pos: typeof farm.pos): void => {
    const rs = ctx.rservers.find((r) => r.name === rsName);
    if (!rs?.ipAddress) return diags.untranslated(pos, `rserver ${rsName}: no ip address; no server line`);
    if (rs.kind === 'redirect') return diags.untranslated(rs.pos, `rserver redirect ${rsName}: redirect servers are not exported`);
    const checkPort = chosen ? probePort(chosen, port, req.vipPort) : undefined;
    servers.set(safeName(rsName), rs.ipAddress);
    lines.push(`  server ${safeName(rsName)} ${rs.ipAddress}${port !== undefined ? `:${port}` : ''} weight ${weight}${flags}${check ? ' ' + check.server(checkPort, port ?? req.vipPort) : ''}${extras.server}`);
  };
  for (const m of farm.members) {
    const rs = ctx.rservers.find((r) => r.name === m.rserver.name);
    let flags = '';
    if (m.admin === 'outofservice' || rs?.admin === 'outofservice') flags += ' disabled';
    else if (m.admin === 'standby' || rs?.admin === 'standby') flags += ' backup';
    const limit = m.connLimit ?? rs?.connLimit;
    if (limit) {
      flags += ` maxconn ${limit.max}`;
      if (limit.min !== limit.max) diags.approximate(m.pos, `rserver ${m.rserver.name}: conn-limit min ${limit.min}: HAProxy queues above maxconn and has no resume threshold`);
    }
    if (m.rateLimit.connection !== undefined || m.rateLimit.bandwidth !== undefined || rs?.rateLimit.connection !== undefined || rs?.rateLimit.bandwidth !== undefined) {
      diags.untranslated(m.pos, `rserver ${m.rserver.name}: rate-limit has no per-server HAProxy equivalent; left out`);
    }
    if (m.cookieString !== undefined) diags.untranslated(m.pos, `rserver ${m.rserver.name}: cookie-string is not exported (no cookie stickiness)`);
    if (farm.predictor.kind === 'leastconns' && farm.predictor.slowstartS !== undefined) flags += ` slowstart ${farm.predictor.slowstartS}s`;
    serverLine(m.rserver.name, m.port, m.weight ?? rs?.weight ?? 8, flags, m.pos);
    if (m.backup && !members.has(m.backup.rserver.name)) {
      diags.approximate(m.pos, `rserver ${m.rserver.name}: backup-rserver ${m.backup.rserver.name} becomes a HAProxy backup server, which stands in for the whole farm, not for this real only`);
      members.add(m.backup.rserver.name);
      serverLine(m.backup.rserver.name, m.backup.port, rs?.weight ?? 8, ' backup', m.pos);
    }
  }
  return { name, lines, env: check?.env ?? [], servers };
}
