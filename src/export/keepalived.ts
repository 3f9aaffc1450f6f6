// `acesim export --to keepalived`: the FT pair as a VRRP instance (ft group
// priority, preempt, ft peer heartbeat interval → advert_int) carrying the
// VIP addresses, and every in-service UDP VIP (SNMP traps) as an LVS
// virtual_server with its reals and a UDP_CHECK (Debian 12 ships keepalived
// 2.2.7, which has UDP_CHECK; an ACE udp probe likewise fails only on an ICMP
// error). Timing: delay_loop = interval; keepalived fails a real after
// `retry` retries of a failed check, i.e. retry + 1 failures, so retry =
// faildetect − 1, each retry one interval later (delay_before_retry), as the
// ACE has no fast retry. keepalived brings a real back on its first success:
// passdetect is warned. Pure.
import type { ContextModel, Model, Probe, Serverfarm } from '../config/model.js';
import { resolveVips, type ResolvedVip } from '../config/vips.js';
import { ExportDiagnostics, exportContext, fastestProbe, maskBits, probePort, probesOf, safeName, vipPort, type ExportResult } from './export-common.js';

export interface KeepalivedExportOptions {
  context?: string;
  /** Interface VRRP speaks on; default from the ft interface VLAN (`vlanN`). */
  vrrpInterface?: string;
  source?: string;
}

/** keepalived seconds: integers print bare, fractions to the centisecond VRRPv3 allows. */
const secs = (ms: number): string => (ms % 1000 === 0 ? String(ms / 1000) : (ms / 1000).toFixed(2).replace(/0+$/, ''));

function vrrp(model: Model, ctx: ContextModel, vips: ResolvedVip[], opts: KeepalivedExportOptions, diags: ExportDiagnostics): string[] {
  const ft = model.ft;
  const group = ft.groups.find((g) => g.associateContexts.some((c) => c.name === ctx.name)) ?? ft.groups[0];
  if (!group) return ['# no ft group in the config: no vrrp_instance'];
  const peer = ft.peers.find((p) => p.id === group.peer) ?? ft.peers[0];
  const iface = opts.vrrpInterface ?? (peer?.ftInterfaceVlan !== undefined ? `vlan${peer.ftInterfaceVlan}` : ft.interfaces[0] ? `vlan${ft.interfaces[0].vlan}` : 'eth0');
  const advert = peer?.heartbeatIntervalMs ?? 300;
  const sub = advert % 1000 !== 0;
  if (peer) diags.approximate(peer.pos, `ft peer ${peer.id}: heartbeat count ${peer.heartbeatCount}: VRRP declares the master dead after 3 adverts (plus skew), not after heartbeat count`);
  if (ft.tracks.length > 0) for (const t of ft.tracks) diags.untranslated(t.pos, `ft track ${t.kind} ${t.name}: use keepalived track_script/track_interface by hand; left out`);
  const addrs = [...new Set(vips.filter((v) => v.inservice).map((v) => `${v.address}/${maskBits(v.mask) ?? 32}`))];
  return [
    `# ft group ${group.id}: this unit priority ${group.priority}; on the peer use priority ${group.peerPriority}`,
    `vrrp_instance ACE_FT_GROUP_${group.id} {`,
    '    state BACKUP',
    `    interface ${iface}`,
    `    virtual_router_id ${Math.min(255, Math.max(1, group.id))}`,
    `    priority ${Math.min(254, Math.max(1, group.priority))}`,
    ...(sub ? ['    # sub-second adverts need VRRPv3', '    version 3'] : []),
    `    advert_int ${secs(advert)}`,
    ...(group.preempt ? [] : ['    nopreempt']),
    '    virtual_ipaddress {',
    ...addrs.map((a) => `        ${a}`),
    '    }',
    '}',
  ];
}

function lbAlgo(farm: Serverfarm, diags: ExportDiagnostics): string {
  switch (farm.predictor.kind) {
    case 'roundrobin':
      return 'wrr';
    case 'leastconns':
      return 'wlc';
    case 'hash-address':
      return farm.predictor.which === 'destination' ? 'dh' : 'sh';
    case 'unsimulated':
      diags.untranslated(farm.pos, `serverfarm ${farm.name}: predictor ${farm.predictor.text} has no LVS scheduler; exported as wrr`);
      return 'wrr';
  }
}

/**
 * The keepalived checker for an ACE probe, open at the end (the caller adds
 * connect_port and the closing brace): http → HTTP_GET, https → SSL_GET,
 * TCP-based → TCP_CHECK, udp → UDP_CHECK.
 */
function checker(p: Probe, diags: ExportDiagnostics): string[] {
  const timing = [`            retry ${p.faildetect - 1}`, `            delay_before_retry ${secs(p.intervalMs)}`];
  if (p.passdetectCount > 1 || p.passdetectIntervalMs !== p.intervalMs) {
    diags.approximate(p.pos, `probe ${p.name}: keepalived restores a real on its first passing check, one delay_loop apart; passdetect interval ${p.passdetectIntervalMs / 1000} s and count ${p.passdetectCount} have no equivalent`);
  }
  if (p.type === 'http' || p.type === 'https') {
    if (p.credentials) diags.untranslated(p.pos, `probe ${p.name}: keepalived HTTP_GET sends no Authorization header; credentials left out`);
    if (p.expectStatus.length === 0) diags.approximate(p.pos, `probe ${p.name}: no expect status; keepalived accepts 2xx`);
    const codes = p.expectStatus.map((r) => (r.min === r.max ? String(r.min) : `${r.min}-${r.max}`)).join(' ');
    return [`        ${p.type === 'https' ? 'SSL_GET' : 'HTTP_GET'} {`, '            url {', `                path ${p.request.url}`, ...(codes ? [`                status_code ${codes}`] : []), '            }', `            connect_timeout ${secs(Math.max(1000, p.openMs + p.receiveMs))}`, ...timing];
  }
  if (p.type === 'udp') return ['        UDP_CHECK {', `            connect_timeout ${secs(Math.max(1000, p.receiveMs))}`, ...timing];
  if (TCP_TYPES.has(p.type)) {
    if (p.type !== 'tcp') diags.approximate(p.pos, `probe ${p.type} ${p.name}: exported as a keepalived TCP_CHECK (connect only)`);
    return ['        TCP_CHECK {', `            connect_timeout ${secs(Math.max(1000, p.openMs))}`, ...timing];
  }
  diags.untranslated(p.pos, `probe ${p.type} ${p.name}: no keepalived checker does this; the reals are not checked`, 'a MISC_CHECK script can run any test');
  return [];
}

const TCP_TYPES = new Set(['tcp', 'echo-tcp', 'finger', 'ftp', 'imap', 'pop', 'telnet', 'rtsp', 'sip-tcp', 'smtp']);
const KEEPALIVED_CHECKABLE: ReadonlySet<string> = new Set([...TCP_TYPES, 'http', 'https', 'udp']);

function virtualServer(ctx: ContextModel, v: ResolvedVip, diags: ExportDiagnostics): string[] {
  const pos = v.vipClass.pos;
  const port = vipPort(v);
  if (port === undefined) {
    diags.untranslated(pos, `VIP ${v.classMap}: an LVS virtual_server needs one port; not exported`);
    return [];
  }
  const farm = ctx.serverfarms.find((f) => f.name === v.farms[0]);
  if (!farm) {
    diags.untranslated(pos, `VIP ${v.classMap}: no server farm; not exported`);
    return [];
  }
  for (const extra of v.farms.slice(1)) diags.untranslated(pos, `VIP ${v.classMap}: farm ${extra} (backup or another class) has no LVS equivalent; left out`);
  const group = ctx.stickyGroups.find((g) => v.stickyGroups.includes(g.name));
  const probes = new Map(farm.members.flatMap((m) => probesOf(ctx, farm, m.rserver.name)).map((p) => [p.name, p]));
  const probe = fastestProbe([...probes.values()].filter((p) => KEEPALIVED_CHECKABLE.has(p.type)));
  for (const p of probes.values()) if (!KEEPALIVED_CHECKABLE.has(p.type)) checker(p, diags);
  else if (p !== probe) diags.untranslated(p.pos, `probe ${p.name} (farm ${farm.name}): one check per real in keepalived; kept ${probe!.name}`);
  const lines = [`# VIP ${v.classMap} → serverfarm ${farm.name}`, `virtual_server ${v.address} ${port} {`, `    protocol UDP`, `    lb_algo ${lbAlgo(farm, diags)}`, '    lb_kind NAT'];
  if (probe) lines.push(`    delay_loop ${secs(probe.intervalMs)}`);
  if (group?.kind === 'ip-netmask') {
    lines.push(`    persistence_timeout ${Math.max(1, Math.round(group.timeoutMs / 1000))}`);
    if (group.netmask && group.netmask !== '255.255.255.255') lines.push(`    persistence_granularity ${group.netmask}`);
  } else if (group) diags.untranslated(group.pos, `sticky ${group.kind} ${group.name}: LVS persists by client address only; left out`);
  const check = probe ? checker(probe, diags) : [];
  for (const m of farm.members) {
    const rs = ctx.rservers.find((r) => r.name === m.rserver.name);
    if (!rs?.ipAddress) {
      diags.untranslated(m.pos, `rserver ${m.rserver.name}: no ip address; no real_server`);
      continue;
    }
    const out = m.admin === 'outofservice' || rs.admin === 'outofservice';
    const rport = m.port ?? port;
    lines.push(`    # rserver ${rs.name}${out ? ' (out of service: weight 0)' : m.admin === 'standby' || rs.admin === 'standby' ? ' (inservice standby)' : ''}`, `    real_server ${rs.ipAddress} ${rport} {`, `        weight ${out ? 0 : (m.weight ?? rs.weight)}`);
    if (m.admin === 'standby' || rs.admin === 'standby') diags.approximate(m.pos, `rserver ${rs.name}: inservice standby: LVS has no standby real; it is exported with its weight`);
    const cp = probe ? probePort(probe, m.port, port) : undefined;
    if (check.length > 0) lines.push(...check, ...(cp !== undefined && cp !== rport ? [`            connect_port ${cp}`] : []), '        }');
    lines.push('    }');
  }
  lines.push('}');
  return lines;
}

export function exportKeepalived(model: Model, opts: KeepalivedExportOptions = {}): ExportResult {
  const diags = new ExportDiagnostics();
  const ctx = exportContext(model, opts.context);
  if (!ctx) return { text: '', diagnostics: [], env: [] };
  const vips = resolveVips(ctx);
  const out = [
    `# keepalived.conf (keepalived 2.2), generated by acesim export --to keepalived${opts.source ? ` from ${opts.source}` : ''} (context ${ctx.name}).`,
    '# The VRRP pair carries the VIP addresses; LVS balances the UDP VIPs. TCP VIPs: acesim export --to haproxy.',
    'global_defs {',
    `    router_id ${safeName(model.hostname ?? 'acesim')}`,
    '}',
    '',
    ...vrrp(model, ctx, vips, opts, diags),
  ];
  for (const v of vips) {
    if (!v.inservice) continue;
    if (v.protocol !== 'udp') {
      diags.untranslated(v.vipClass.pos, `VIP ${v.classMap}: not UDP; keepalived only carries its address (VRRP), balance it with \`acesim export --to haproxy\``);
      continue;
    }
    out.push('', ...virtualServer(ctx, v, diags));
  }
  return { text: out.join('\n') + '\n', diagnostics: diags.list, env: [] };
}
