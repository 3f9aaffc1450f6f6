// Prometheus `/metrics` on a private prom-client registry: gauges and counters
// read from the runtime's snapshots at scrape time, plus the two figures that
// only events carry (probe latency histogram, probe results by cause).
// Invariant: nothing here keeps its own copy of balancer state; a scrape reads
// the current Balancer, so a hot reload needs no re-registration.
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { FtGroupState } from '../ha/types.js';
import { stickyGroupCount, type MgmtRuntime } from './read-model.js';

const FT_STATES: FtGroupState[] = ['FSM_FT_STATE_INIT', 'FSM_FT_STATE_ELECT', 'FSM_FT_STATE_ACTIVE', 'FSM_FT_STATE_STANDBY_CONFIG', 'FSM_FT_STATE_STANDBY_BULK', 'FSM_FT_STATE_STANDBY_HOT', 'FSM_FT_STATE_STANDBY_COLD'];
const REAL_STATES = ['OPERATIONAL', 'STANDBY', 'MAXCONNS', 'INBAND-PROBE-FAILED', 'PROBE-FAILED', 'INACTIVE', 'OUTOFSERVICE'];

export interface Metrics {
  readonly registry: Registry;
  /** The Prometheus text exposition. */
  render(): Promise<string>;
  readonly contentType: string;
  dispose(): void;
}

export function createMetrics(runtime: () => MgmtRuntime): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const rt = runtime;
  const reg = [registry];

  const realLabels = ['farm', 'rserver', 'port'] as const;
  new Gauge({
    name: 'acesim_rserver_state',
    help: 'Real server (farm member) state: 1 for the current state token, 0 for the others.',
    labelNames: [...realLabels, 'state'],
    registers: reg,
    collect() {
      this.reset();
      for (const f of rt().balancer.snapshotFarms()) {
        for (const r of f.reals) for (const s of REAL_STATES) this.set({ farm: f.name, rserver: r.rserver, port: String(r.port), state: s }, r.state === s ? 1 : 0);
      }
    },
  });
  const perReal = (name: string, help: string, pick: (r: { current: number; total: number; failures: number }) => number, kind: 'gauge' | 'counter'): void => {
    const collect = function (this: Gauge | Counter): void {
      this.reset();
      for (const f of rt().balancer.snapshotFarms()) {
        for (const r of f.reals) {
          const labels = { farm: f.name, rserver: r.rserver, port: String(r.port) };
          if (this instanceof Gauge) this.set(labels, pick(r));
          else this.inc(labels, pick(r));
        }
      }
    };
    if (kind === 'gauge') new Gauge({ name, help, labelNames: realLabels, registers: reg, collect });
    else new Counter({ name, help, labelNames: realLabels, registers: reg, collect });
  };
  perReal('acesim_rserver_connections_current', 'Open connections to the real.', (r) => r.current, 'gauge');
  perReal('acesim_rserver_connections_total', 'Connections load-balanced to the real.', (r) => r.total, 'counter');
  perReal('acesim_rserver_failures_total', 'Connection failures towards the real (inband).', (r) => r.failures, 'counter');

  new Gauge({
    name: 'acesim_serverfarm_up',
    help: 'Serverfarm state: 1 UP, 0 DOWN.',
    labelNames: ['farm'],
    registers: reg,
    collect() {
      this.reset();
      for (const f of rt().balancer.snapshotFarms()) this.set({ farm: f.name }, f.state === 'UP' ? 1 : 0);
    },
  });

  const latency = new Histogram({
    name: 'acesim_probe_latency_seconds',
    help: 'Probe attempt latency (successes and failures).',
    labelNames: ['probe', 'farm', 'rserver'],
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: reg,
  });
  // No labels: lateness is the engine's health (CPU, prober threads), not a probe's or a node's.
  const startLag = new Histogram({
    name: 'acesim_probe_start_lag_seconds',
    help: 'How late probe attempts started after they were due (engine timer lateness plus the prober threads\' queue). Seconds of lag mean acesim is short of CPU and its probe failures may be its own.',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: reg,
  });
  new Counter({
    name: 'acesim_probe_attempts_skipped_total',
    help: 'Slots of probe schedules passed over because an attempt began too late to keep them (acesim short of CPU); the instance keeps its phase.',
    registers: reg,
    collect() {
      this.reset();
      this.inc(rt().probes.startLag().skipped);
    },
  });
  const results = new Counter({ name: 'acesim_probe_results_total', help: 'Probe attempts by result cause (OK or the failure layer).', labelNames: ['probe', 'cause'], registers: reg });
  new Gauge({
    name: 'acesim_probe_health',
    help: 'Probe instance health: 1 PASSED, 0 otherwise.',
    labelNames: ['probe', 'farm', 'rserver', 'port', 'health'],
    registers: reg,
    collect() {
      this.reset();
      for (const i of rt().probes.snapshot().instances) this.set({ probe: i.key.probe, farm: i.key.farm ?? '', rserver: i.key.rserver, port: String(i.key.port), health: i.health }, i.health === 'PASSED' ? 1 : 0);
    },
  });

  new Gauge({
    name: 'acesim_sticky_entries',
    help: 'Entries in the sticky table, by group.',
    labelNames: ['group'],
    registers: reg,
    collect() {
      this.reset();
      const store = rt().balancer.store;
      for (const name of store.groupNames()) this.set({ group: name }, stickyGroupCount(store, store.groupId(name)!));
    },
  });
  new Counter({
    name: 'acesim_sticky_operations_total',
    help: 'Sticky table operations since start (or the last reload that replaced the table).',
    labelNames: ['op'],
    registers: reg,
    collect() {
      this.reset();
      const c = rt().balancer.stickyCounters();
      for (const [op, v] of Object.entries(c)) this.inc({ op }, v);
    },
  });

  const vipLabels = ['vip', 'protocol', 'address', 'port'] as const;
  new Counter({
    name: 'acesim_vip_flows_total',
    help: 'New flows (TCP connections, UDP client address:port pairs) per VIP listener.',
    labelNames: vipLabels,
    registers: reg,
    collect() {
      this.reset();
      for (const l of rt().counters()) this.inc({ vip: l.info.vip, protocol: l.info.protocol, address: l.info.address, port: String(l.info.port) }, l.counters.flows);
    },
  });
  new Gauge({
    name: 'acesim_vip_active_flows',
    help: 'Open flows per VIP listener.',
    labelNames: vipLabels,
    registers: reg,
    collect() {
      this.reset();
      for (const l of rt().counters()) this.set({ vip: l.info.vip, protocol: l.info.protocol, address: l.info.address, port: String(l.info.port) }, l.counters.active);
    },
  });
  new Counter({
    name: 'acesim_vip_events_total',
    help: 'Per-listener counters: acl-denied, limit-denied (conc-connections), dropped, connect-failures, reassigned, resets, idle-timeouts, datagrams in/out/dropped.',
    labelNames: [...vipLabels, 'event'],
    registers: reg,
    collect() {
      this.reset();
      for (const l of rt().counters()) {
        const base = { vip: l.info.vip, protocol: l.info.protocol, address: l.info.address, port: String(l.info.port) };
        const c = l.counters;
        const ev: [string, number][] = [['acl-denied', c.aclDenied], ['limit-denied', c.limitDenied], ['dropped', c.dropped], ['connect-failures', c.connectFailures], ['reassigned', c.reassigned], ['resets', c.resets], ['idle-timeouts', c.idleTimeouts], ['datagrams-in', c.datagramsIn], ['datagrams-out', c.datagramsOut], ['datagrams-dropped', c.datagramsDropped], ['snmp-malformed', c.snmpMalformed]];
        for (const [event, v] of ev) this.inc({ ...base, event }, v);
      }
    },
  });

  // L7 listeners only. Two families rather than one with an outcome label: the events overlap (a tunnel is an
  // upgrade, a header timeout is no request), so a sum over outcomes would mean nothing.
  new Counter({
    name: 'acesim_vip_http_requests_total',
    help: 'HTTP requests parsed per L7 VIP listener (protocol switches included).',
    labelNames: vipLabels,
    registers: reg,
    collect() {
      this.reset();
      for (const l of rt().counters()) if (l.http) this.inc({ vip: l.info.vip, protocol: l.info.protocol, address: l.info.address, port: String(l.info.port) }, l.http.requests);
    },
  });
  new Counter({
    name: 'acesim_vip_http_events_total',
    help: 'Per L7 VIP listener: no-server (503), bad-gateway (502), refused (400/405/505), header-timeouts (408 or closed), upgrades (switch requests), tunnels (switches the node accepted), length-exceeded (requests longer than the HTTP parse length).',
    labelNames: [...vipLabels, 'event'],
    registers: reg,
    collect() {
      this.reset();
      for (const l of rt().counters()) {
        const h = l.http;
        if (!h) continue;
        const base = { vip: l.info.vip, protocol: l.info.protocol, address: l.info.address, port: String(l.info.port) };
        const ev: [string, number][] = [['no-server', h.noServer], ['bad-gateway', h.badGateway], ['refused', h.badRequests], ['header-timeouts', h.headerTimeouts], ['upgrades', h.upgrades], ['tunnels', h.tunnels], ['length-exceeded', h.lengthExceeded]];
        for (const [event, v] of ev) this.inc({ ...base, event }, v);
      }
    },
  });

  new Gauge({
    name: 'acesim_ft_group_state',
    help: 'FT group state: 1 for the current FSM_FT_STATE, 0 for the others (absent without FT).',
    labelNames: ['group', 'state'],
    registers: reg,
    collect() {
      this.reset();
      for (const g of rt().ft?.groups() ?? []) for (const s of FT_STATES) this.set({ group: String(g.id), state: s }, g.myState === s ? 1 : 0);
    },
  });
  new Counter({
    name: 'acesim_ft_heartbeats_total',
    help: 'FT heartbeats: sent, received, missed (loss), unidirectional.',
    labelNames: ['kind'],
    registers: reg,
    collect() {
      this.reset();
      const s = rt().ft?.stats();
      if (!s) return;
      this.inc({ kind: 'sent' }, s.heartbeatsSent);
      this.inc({ kind: 'received' }, s.heartbeatsReceived);
      this.inc({ kind: 'missed' }, s.heartbeatsMissed);
      this.inc({ kind: 'unidirectional' }, s.unidirectionalHeartbeats);
    },
  });
  new Counter({
    name: 'acesim_ft_rejected_messages_total',
    help: 'Messages refused on the FT VLAN: heartbeats or replication lines that do not decode, or that come from a stranger.',
    registers: reg,
    collect() {
      this.reset();
      const s = rt().ft?.stats();
      if (s) this.inc(s.rejectedMessages);
    },
  });
  new Counter({
    name: 'acesim_ft_peer_events_total',
    help: 'FT peer up/down events.',
    labelNames: ['event'],
    registers: reg,
    collect() {
      this.reset();
      const s = rt().ft?.stats();
      if (!s) return;
      this.inc({ event: 'up' }, s.peerUpEvents);
      this.inc({ event: 'down' }, s.peerDownEvents);
    },
  });

  // The probe bus outlives reloads (the runtime keeps it), so one subscription suffices.
  const unsubscribe = rt().probeBus.subscribe((e) => {
    if (e.type !== 'probe.result') return;
    latency.observe({ probe: e.key.probe, farm: e.key.farm ?? '', rserver: e.key.rserver }, e.result.latencyMs / 1000);
    results.inc({ probe: e.key.probe, cause: e.result.cause });
    if (e.startLagMs !== undefined) startLag.observe(e.startLagMs / 1000);
  });

  return {
    registry,
    contentType: registry.contentType,
    render: () => registry.metrics(),
    dispose: () => {
      unsubscribe();
      registry.clear();
    },
  };
}
