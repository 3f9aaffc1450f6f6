// ACE-like `show` tables (ace-semantics §8 [U-M]: column order and names
// matter, spacing is approximate) rendered from the read model's JSON. Pure:
// the CLI renders what the API returned, and the API renders for `?format=text`.
import type { Probe } from '../config/model.js';
import type { ProbeSnapshot } from '../probes/probe-engine.js';
import { aceDate, renderShowProbeDetail } from '../probes/probe-report.js';
import type { FarmView, FtView, RserverView, StatsView, StickyGroupView, VipView } from './read-model.js';

const pad = (s: string | number, n: number): string => String(s).padEnd(n);
const hostPort = (address: string, port: number): string => (port ? `${address}:${port}` : address);

const PREDICTOR: Record<string, string> = { roundrobin: 'ROUNDROBIN', leastconns: 'LEASTCONNS', 'hash-address': 'HASH-ADDRESS' };

export function renderServerfarms(list: readonly FarmView[], detail = false): string {
  if (list.length === 0) return 'no serverfarm by that name';
  const out: string[] = [];
  for (const f of list) {
    out.push(` serverfarm     : ${f.name}, type: HOST`);
    out.push(` total rservers : ${f.totalRservers}`);
    if (detail) {
      out.push(` active rservers: ${f.activeRservers}`);
      out.push(` description    : ${f.description ?? '-'}`);
      out.push(` state          : ${f.state === 'UP' ? 'ACTIVE' : 'INACTIVE'}`);
      out.push(` predictor      : ${PREDICTOR[f.predictor] ?? f.predictor.toUpperCase()}`);
      out.push(` failaction     : ${f.failaction}`);
      out.push(` back-inservice    : ${f.partialThreshold?.backInservicePct ?? 0}`);
      out.push(` partial-threshold : ${f.partialThreshold?.thresholdPct ?? 0}`);
      out.push(` num times failover       : ${f.failovers}`);
      out.push(` num times back inservice : ${f.backInservice}`);
      out.push(` Probe(s) :`);
      for (const p of f.probeNames) out.push(`    ${p},  type = ${p}`);
    }
    out.push(' ---------------------------------');
    out.push('                                                ----------connections-----------');
    out.push('       real                  weight state        current    total      failures');
    out.push('   ---+---------------------+------+------------+----------+----------+---------');
    for (const r of f.reals) {
      out.push(`   rserver: ${r.rserver}`);
      out.push(`       ${pad(hostPort(r.address, r.port), 22)}${pad(r.weight, 7)}${pad(r.state, 13)}${pad(r.current, 11)}${pad(r.total, 11)}${r.failures}`);
      if (detail) {
        out.push(`         max-conns            : ${r.maxConns ?? '-'}       , min-conns           : ${r.minConns ?? '-'}`);
        out.push(`         probes               : ${r.probes.map((p) => `${p.probe}=${p.health}`).join(', ') || '-'}`);
      }
    }
    out.push('');
  }
  return out.join('\n').trimEnd();
}

export function renderRservers(list: readonly RserverView[], detail = false): string {
  if (list.length === 0) return 'no rserver by that name';
  const out: string[] = [];
  for (const r of list) {
    out.push(` rserver              : ${r.name}, type: ${r.type}`);
    out.push(` state                : ${r.state}`);
    if (detail) {
      out.push(` description          : ${r.description ?? '-'}`);
      out.push(` admin                : ${r.admin === 'inservice' ? 'INSERVICE' : r.admin === 'standby' ? 'INSERVICE-STANDBY' : 'OUTOFSERVICE'}`);
      out.push(` weight               : ${r.weight}`);
    }
    out.push(' ---------------------------------');
    out.push('                                                ----------connections-----------');
    out.push(`       real                  weight state        current    total${detail ? '      failures' : ''}`);
    out.push('   ---+---------------------+------+------------+----------+--------------------');
    for (const f of r.farms) {
      out.push(`   serverfarm: ${f.farm}`);
      out.push(`       ${pad(hostPort(r.address, f.port), 22)}${pad(f.weight, 7)}${pad(f.state, 13)}${pad(f.current, 11)}${detail ? pad(f.total, 11) + f.failures : f.total}`);
    }
    out.push('');
  }
  return out.join('\n').trimEnd();
}

export function renderProbes(data: { probes: Probe[]; snapshot: ProbeSnapshot }): string {
  if (data.probes.length === 0) return 'no probe by that name';
  return data.probes.map((p) => renderShowProbeDetail(p, data.snapshot)).join('\n\n');
}

export function renderSticky(groups: readonly StickyGroupView[], detail = false): string {
  if (groups.length === 0) return 'no sticky group by that name';
  const out: string[] = [];
  for (const g of groups) {
    out.push(` sticky group : ${g.name}`);
    out.push(` type         : ${g.type}`);
    out.push(` timeout      : ${pad(g.timeoutS, 14)}timeout-activeconns : ${g.timeoutActiveconns ? 'TRUE' : 'FALSE'}`);
    if (detail) out.push(` entries      : ${g.size}`);
    out.push(`   sticky-entry          rserver-instance                 time-to-expire flags`);
    out.push('   ---------------------+--------------------------------+--------------+-------+');
    for (const e of g.entries) {
      const inst = `${e.rserver}${e.port ? `:${e.port}` : ''}`;
      out.push(`   ${pad(e.keyInt, 22)}${pad(inst, 33)}${pad(e.timeToExpireS < 0 ? 'never' : e.timeToExpireS, 15)}${e.static ? 'S' : '-'}`);
      if (detail) out.push(`     key ${e.key}, serverfarm ${e.farm}, active conns ${e.activeConns}`);
    }
    if (g.truncated) out.push(`   … ${g.size - g.entries.length} more entries`);
    out.push('');
  }
  return out.join('\n').trimEnd();
}

const two = (a: string, av: number, b: string, bv: number): string => `${pad(a, 17)}: ${pad(av, 10)}, ${pad(b, 17)}: ${bv}`;

export function renderServicePolicy(list: readonly VipView[], detail = false): string {
  if (list.length === 0) return 'no service-policy by that name';
  const out: string[] = [];
  const byPolicy = new Map<string, VipView[]>();
  for (const v of list) byPolicy.set(v.policy, [...(byPolicy.get(v.policy) ?? []), v]);
  for (const [policy, vs] of byPolicy) {
    out.push('Status     : ACTIVE');
    out.push('Description: -----------------------------------------');
    out.push('Context Global Policy:');
    out.push(`  service-policy: ${policy}`);
    for (const v of vs) {
      const c = v.counters;
      out.push(`    class: ${v.vip}`);
      out.push(`      VIP Address: ${v.address}  Protocol: ${v.protocol}  Port: ${v.ports}`);
      out.push('      loadbalance:');
      out.push(`        L7 loadbalance policy: ${v.lbPolicy ?? '-'}`);
      out.push(`        VIP State: ${v.state === 'UP' ? 'INSERVICE' : v.state === 'OUTOFSERVICE' ? 'OUTOFSERVICE' : 'DOWN'}`);
      // The ACE's words for what an L7 VIP does with a keep-alive connection; STRICT is acesim's (docs/ace-compatibility.md).
      if (v.http) out.push(`        Persistence Rebalance: ${v.persistence.toUpperCase()}`);
      // acesim's words: the ACE shows the parse length under `show parameter-map`, not per VIP.
      if (v.http && v.parseLimit) out.push(`        HTTP Parse Length: ${v.parseLimit.bytes} bytes, length-exceed ${v.parseLimit.exceed.toUpperCase()}`);
      out.push(`        ${two('curr conns', c.active, 'hit count', c.flows)}`);
      out.push(`        dropped conns    : ${c.dropped + c.aclDenied + c.limitDenied}`);
      if (v.http) {
        // L7 VIPs only: what the VIP answered itself, which the connection counters above cannot tell.
        const h = v.http;
        out.push('        HTTP:');
        out.push(`          ${two('requests', h.requests, '4xx refused', h.badRequests)}`);
        out.push(`          ${two('503 no server', h.noServer, '502 bad gateway', h.badGateway)}`);
        out.push(`          ${two('header timeouts', h.headerTimeouts, 'upgrades', h.upgrades)}`);
        out.push(`          ${two('tunnels', h.tunnels, 'over parse len', h.lengthExceeded)}`);
      }
      if (detail) {
        out.push(`        ${two('client pkt count', c.datagramsIn, 'server pkt count', c.datagramsOut)}`);
        out.push(`        ${two('conn failures', c.connectFailures, 'reassigned', c.reassigned)}`);
        out.push(`        ${two('resets', c.resets, 'idle timeouts', c.idleTimeouts)}`);
        out.push(`        serverfarms      : ${v.farms.join(', ') || '-'}`);
        out.push(`        sticky groups    : ${v.stickyGroups.join(', ') || '-'}`);
      }
    }
    out.push('');
  }
  return out.join('\n').trimEnd();
}

const CFG_SYNC: Record<string, string> = { disabled: 'Running configuration sync is disabled', pending: 'Running configuration sync is in progress', done: 'Running configuration sync has completed', failed: 'Running configuration sync has failed' };

/** `show ft group [N] detail`, or ACE's answer when no FT is configured. */
export function renderFtGroups(v: FtView): string {
  if (!v.configured) return 'No FT groups are configured (FT is not configured on this balancer)';
  if (v.groups.length === 0) return 'No FT group by that id';
  const row = (k: string, val: string | number): string => `${pad(k, 29)}: ${val}`;
  const out: string[] = [];
  for (const g of v.groups) {
    out.push(row('FT Group', g.id));
    out.push(row('No. of Contexts', g.contexts.length));
    for (const c of g.contexts) out.push(row('Context Name', c));
    out.push(row('Configured Status', g.inservice ? 'in-service' : 'out-of-service'));
    out.push(row('Maintenance mode', 'MAINT_MODE_OFF'));
    out.push(row('My State', g.myState));
    out.push(row('My Config Priority', g.myConfigPriority));
    out.push(row('My Net Priority', g.myNetPriority));
    out.push(row('My Preempt', g.preempt ? 'Enabled' : 'Disabled'));
    out.push(row('Peer State', g.peerState ?? 'FSM_FT_STATE_UNKNOWN'));
    out.push(row('Peer Config Priority', g.peerConfigPriority ?? 'Unknown'));
    out.push(row('Peer Net Priority', g.peerNetPriority ?? 'Unknown'));
    out.push(row('Peer Preempt', g.peerPreempt === undefined ? 'Unknown' : g.peerPreempt ? 'Enabled' : 'Disabled'));
    out.push(row('Peer Id', g.peerId));
    out.push(row('Last State Change time', aceDate(g.lastStateChangeMs)));
    out.push(row('Running cfg sync enabled', g.configSync === 'disabled' ? 'Disabled' : 'Enabled'));
    out.push(row('Running cfg sync status', CFG_SYNC[g.configSync] ?? g.configSync));
    out.push(row('Sticky entries replicated', g.stickyReplicated));
    out.push('');
  }
  const block = (rows: [string, string | number][]): void => void out.push(...rows.map(([k, val]) => row(k, val)), '');
  if (v.peer) {
    const p = v.peer;
    block([['Peer Id', p.id], ['State', p.state], ['My IP Addr', p.myAddress], ['Peer IP Addr', p.peerAddress], ['Heartbeat Interval', `${p.heartbeatIntervalMs} ms`], ['Heartbeat Count', p.heartbeatCount]]);
  }
  if (v.stats) {
    const st = v.stats;
    block([['HB Tx packets', st.heartbeatsSent], ['HB Rx packets', st.heartbeatsReceived], ['HB Missed', st.heartbeatsMissed], ['Rx Unidirectional HB', st.unidirectionalHeartbeats], ['Peer up events', st.peerUpEvents], ['Peer down events', st.peerDownEvents], ['Rx rejected messages', st.rejectedMessages], ...(st.lastRejection !== undefined ? [['Last rejected', st.lastRejection] as [string, string]] : [])]);
  }
  return out.join('\n').trimEnd();
}

export function renderStats(s: StatsView): string {
  const t = s.totals;
  const row = (k: string, v: number): string => `${pad(k, 38)}: ${v}`;
  return [
    '+------------------------------------------+',
    '+------- Loadbalance statistics -----------+',
    '+------------------------------------------+',
    row('Total version mismatch', 0),
    row('Total Layer4 decisions', t.flows),
    row('Total active connections', t.active),
    row('Total Layer4 rejections (ACL denied)', t.aclDenied),
    row('Total dropped (policy, no server)', t.dropped),
    row('Total rejections (conc-connections)', t.limitDenied),
    row('Total connection failures', t.connectFailures),
    row('Total reassigned', t.reassigned),
    row('Total resets', t.resets),
    row('Total idle timeouts', t.idleTimeouts),
    row('Total datagrams in', t.datagramsIn),
    row('Total datagrams out', t.datagramsOut),
    // L7 VIPs only, as in `show service-policy`: the answers the VIPs gave themselves.
    ...(s.http
      ? [
          '+------------------------------------------+',
          '+------- HTTP statistics ------------------+',
          '+------------------------------------------+',
          row('Total HTTP requests', s.http.requests),
          row('Total 4xx refused', s.http.badRequests),
          row('Total 503 no server', s.http.noServer),
          row('Total 502 bad gateway', s.http.badGateway),
          row('Total header timeouts', s.http.headerTimeouts),
          row('Total upgrades', s.http.upgrades),
          row('Total tunnels', s.http.tunnels),
          row('Total over parse length', s.http.lengthExceeded),
        ]
      : []),
    '+------------------------------------------+',
    '+------- Sticky statistics ----------------+',
    '+------------------------------------------+',
    row('Total entries', s.sticky.entries),
    row('Capacity', s.sticky.capacity),
    row('Hits', s.sticky.hits),
    row('Misses', s.sticky.misses),
    row('Inserts', s.sticky.inserts),
    row('Evictions', s.sticky.evictions),
    row('Expirations', s.sticky.expirations),
    '+------------------------------------------+',
    '+------- Probe statistics -----------------+',
    '+------------------------------------------+',
    row('Probe instances', s.probes.instances),
    row('Probes sent', s.probes.probes),
    row('Probes passed', s.probes.passed),
    row('Probes failed', s.probes.failed),
    row('Probes started late (>= 1 s)', s.probes.startedLate),
    row('Worst probe start lag (ms)', s.probes.worstStartLagMs),
    row('Mean probe start lag (ms)', s.probes.meanStartLagMs),
    row('Probes skipped (began too late)', s.probes.skippedAttempts),
  ].join('\n');
}
