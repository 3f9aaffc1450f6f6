// Lab scenarios: a YAML file naming the ACE config and address map, the
// nodes (simulated or real), the managed-system traffic, a timeline of
// faults and the expectations. Loading returns { value, diagnostics } with
// positions in the YAML file, like configs; it never throws. Durations are
// read as "20s", "1.5s", "500ms", "2m" or plain seconds, kept as integer ms.
import { isMap, isScalar, isSeq, type Node as YamlNode } from 'yaml';
import { DIAGNOSTIC_CODES, type Diagnostic, type DiagnosticCode, type Result } from '../config/diagnostics.js';
import { didYouMean } from '../config/did-you-mean.js';
import { readYaml } from '../config/yaml-input.js';
import type { SourcePos } from '../config/model.js';

export type FaultKind = 'crash' | 'hang' | 'slow' | 'http-error' | 'blackhole' | 'flap' | 'recover';

export const FAULT_KINDS: readonly FaultKind[] = ['crash', 'hang', 'slow', 'http-error', 'blackhole', 'flap', 'recover'];

export interface TimelineEvent {
  pos: SourcePos;
  atMs: number;
  fault: FaultKind;
  node: string;
  /** slow: added latency; flap: half-period (down for this long, then up, repeatedly). */
  ms?: number;
  /** http-error: the status the node answers (default 503). */
  status?: number;
}

/** Balancer faults of an FT-pair scenario (`pair:`); run by the lab's pair engine. */
export type BalancerFault = 'kill' | 'restart' | 'cut-ft-link' | 'restore-ft-link' | 'cut-query-link' | 'restore-query-link' | 'switchover' | 'tracked-host-down' | 'tracked-host-up';
export const BALANCER_FAULT_KEYS: readonly BalancerFault[] = ['kill', 'restart', 'cut-ft-link', 'restore-ft-link', 'cut-query-link', 'restore-query-link', 'switchover', 'tracked-host-down', 'tracked-host-up'];
export type PairTarget = 'active' | 'standby' | 'primary' | 'secondary';

export interface BalancerTimelineEvent {
  pos: SourcePos;
  atMs: number;
  fault: BalancerFault;
  /** kill: active|standby|primary|secondary; restart: primary|secondary. */
  target?: PairTarget;
}

export interface ScenarioNode {
  pos: SourcePos;
  /** Name used in the timeline (e.g. tms01). */
  name: string;
  /** The config's rserver this node stands for. */
  rserver: string;
  /** A real node's address:port instead of a simulated one. */
  address?: string;
}

export interface Traffic {
  clients: number;
  /** Client source addresses are drawn from this range (lab: one loopback address per client). */
  clientRange: string;
  httpPerClientPerS: number;
  httpsPerClientPerS: number;
  trapsPerClientPerS: number;
}

export interface Scenario {
  file: string;
  name: string;
  description?: string;
  /** ACE config path, resolved relative to the scenario file by the caller. */
  config?: string;
  maps: string[];
  portOffset: number;
  timeScale: number;
  /** Where `timeScale` was written (the time-scale guard points there). */
  timeScalePos?: SourcePos;
  durationMs: number;
  nodes: ScenarioNode[];
  traffic: Traffic;
  timeline: TimelineEvent[];
  /** `pair:` — run the config's FT pair as two `acesim run --ft-member` processes. */
  pair?: { pos: SourcePos; ftPort?: number };
  /** Balancer faults (kill, restart, cut-ft-link, restore-ft-link, switchover), in time order. */
  balancerTimeline: BalancerTimelineEvent[];
  /** Connect-failure reassign (retry once on another node), as `inband`/reassign in the farm core. */
  reassign: boolean;
  /** Expected windows in config time; checked by the lab and simulator. */
  expect: { maxDetectionMs?: number; maxFailoverMs?: number; maxLostRequests?: number; maxSourceMismatches?: number };
  /** A hot-standby controller on the nodes (deployments.md), for `acesim simulate`'s lockstep analysis. */
  controller?: HotStandbyController;
}

/** Node-side hot-standby controller: the standby polls the active node's monitor URL. */
export interface HotStandbyController {
  pos: SourcePos;
  /** Node active at the start; `standby` takes over after `failures` failed polls in a row. */
  primary: string;
  standby: string;
  heartbeatMs: number;
  timeoutMs: number;
  failures: number;
  /** Time the taking-over node needs to start its services. */
  serviceStartMs: number;
  /** "First server auto-restarts as active": the primary takes back over after failbackSuccesses good polls. */
  autoFailback: boolean;
  failbackSuccesses: number;
}

const TOP_KEYS = ['name', 'description', 'config', 'map', 'portOffset', 'timeScale', 'duration', 'nodes', 'traffic', 'timeline', 'reassign', 'expect', 'controller', 'pair'] as const;
const CONTROLLER_KEYS = ['primary', 'standby', 'heartbeat', 'timeout', 'failures', 'serviceStart', 'autoFailback', 'failbackSuccesses'] as const;
const TRAFFIC_KEYS = ['clients', 'clientRange', 'http', 'https', 'traps'] as const;
const EXPECT_KEYS = ['maxDetection', 'maxFailover', 'maxLostRequests', 'maxSourceMismatches'] as const;

/** "20s", "1.5s", "500ms", "2m", "1h", or a number of seconds → ms; undefined if unreadable. */
export function parseDurationMs(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v) && v >= 0) return Math.round(v * 1000);
  if (typeof v !== 'string') return undefined;
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/.exec(v);
  if (!m) return undefined;
  const n = Number(m[1]);
  const unit = m[2] ?? 's';
  return Math.round(n * (unit === 'ms' ? 1 : unit === 's' ? 1000 : unit === 'm' ? 60_000 : 3_600_000));
}

export function defaultScenario(file: string): Scenario {
  return {
    file,
    name: 'unnamed scenario',
    maps: [],
    portOffset: 0,
    timeScale: 1,
    durationMs: 300_000,
    nodes: [],
    traffic: { clients: 50, clientRange: '127.0.100.0/24', httpPerClientPerS: 0.2, httpsPerClientPerS: 0.1, trapsPerClientPerS: 0.05 },
    timeline: [],
    balancerTimeline: [],
    reassign: true,
    expect: {},
  };
}

export function parseScenario(text: string, file: string): Result<Scenario> {
  const diagnostics: Diagnostic[] = [];
  const sc = defaultScenario(file);
  const read = readYaml(text, file);
  if (!read.ok) return { value: sc, diagnostics: [read.diagnostic] };
  const { doc, lc } = read;
  const posOf = (n: YamlNode | null | undefined): SourcePos => {
    const p = lc.linePos(n?.range?.[0] ?? 0);
    return { file, line: p.line, col: p.col };
  };
  const report = (code: DiagnosticCode, n: YamlNode | null | undefined, message: string, hint?: string) => {
    const p = posOf(n);
    const d: Diagnostic = { code, severity: DIAGNOSTIC_CODES[code].severity, message, file, line: p.line, col: p.col, length: 1 };
    if (hint) d.hint = hint;
    diagnostics.push(d);
  };
  for (const e of doc.errors) {
    const p = lc.linePos(e.pos[0]);
    diagnostics.push({ code: 'YAML_SYNTAX', severity: 'error', message: e.message.split('\n')[0] ?? 'YAML syntax error', file, line: p.line, col: p.col, length: 1 });
  }
  if (doc.errors.length > 0) return { value: sc, diagnostics };
  const root = doc.contents as YamlNode | null;
  if (!isMap(root)) {
    report('SCENARIO_SCHEMA', root, 'a scenario is a YAML mapping (name, config, nodes, traffic, timeline, …)');
    return { value: sc, diagnostics };
  }

  const entries = (n: YamlNode, keys: readonly string[], where: string): Map<string, YamlNode> => {
    const out = new Map<string, YamlNode>();
    if (!isMap(n)) {
      report('SCENARIO_SCHEMA', n, `${where}: expected a mapping`);
      return out;
    }
    for (const pair of n.items) {
      const k = isScalar(pair.key) ? String(pair.key.value) : '';
      if (!keys.includes(k)) {
        const dym = didYouMean(k, keys);
        report('SCENARIO_SCHEMA', pair.key as YamlNode, `${where}: unknown field "${k}"`, dym ? `did you mean \`${dym}\`?` : `fields: ${keys.join(', ')}`);
        continue;
      }
      out.set(k, pair.value as YamlNode);
    }
    return out;
  };
  const str = (n: YamlNode | undefined, where: string): string | undefined => {
    if (n === undefined) return undefined;
    if (isScalar(n) && (typeof n.value === 'string' || typeof n.value === 'number')) return String(n.value);
    report('SCENARIO_SCHEMA', n, `${where}: expected text`);
    return undefined;
  };
  const num = (n: YamlNode | undefined, where: string, lo: number, hi: number): number | undefined => {
    if (n === undefined) return undefined;
    if (isScalar(n) && typeof n.value === 'number' && n.value >= lo && n.value <= hi) return n.value;
    report('SCENARIO_SCHEMA', n, `${where}: expected a number from ${lo} to ${hi}`);
    return undefined;
  };
  const dur = (n: YamlNode | undefined, where: string): number | undefined => {
    if (n === undefined) return undefined;
    const ms = isScalar(n) ? parseDurationMs(n.value) : undefined;
    if (ms === undefined) report('SCENARIO_BAD_DURATION', n, `${where}: "${isScalar(n) ? String(n.value) : '…'}" is not a duration`, 'write e.g. 20s, 1.5s, 500ms, 2m, or a number of seconds');
    return ms;
  };

  const top = entries(root, TOP_KEYS, 'scenario');
  sc.name = str(top.get('name'), 'name') ?? sc.name;
  const description = str(top.get('description'), 'description');
  if (description !== undefined) sc.description = description;
  const config = str(top.get('config'), 'config');
  if (config !== undefined) sc.config = config;
  const mapNode = top.get('map');
  if (mapNode) {
    if (isSeq(mapNode)) sc.maps = mapNode.items.map((i, k) => str(i as YamlNode, `map[${k}]`)).filter((x): x is string => x !== undefined);
    else {
      const one = str(mapNode, 'map');
      if (one !== undefined) sc.maps = [one];
    }
  }
  sc.portOffset = num(top.get('portOffset'), 'portOffset', -65535, 65535) ?? sc.portOffset;
  sc.timeScale = num(top.get('timeScale'), 'timeScale', 0.001, 1000) ?? sc.timeScale;
  if (top.has('timeScale')) sc.timeScalePos = posOf(top.get('timeScale'));
  sc.durationMs = dur(top.get('duration'), 'duration') ?? sc.durationMs;
  const reassign = top.get('reassign');
  if (reassign) {
    if (isScalar(reassign) && typeof reassign.value === 'boolean') sc.reassign = reassign.value;
    else report('SCENARIO_SCHEMA', reassign, 'reassign: expected true or false');
  }

  const nodesNode = top.get('nodes');
  if (nodesNode) {
    if (!isMap(nodesNode)) report('SCENARIO_SCHEMA', nodesNode, 'nodes: expected a mapping of node name → { rserver, address? }');
    else {
      for (const pair of nodesNode.items) {
        const name = isScalar(pair.key) ? String(pair.key.value) : '';
        const f = entries(pair.value as YamlNode, ['rserver', 'address'], `nodes.${name}`);
        const rserver = str(f.get('rserver'), `nodes.${name}.rserver`);
        if (rserver === undefined) {
          if (!f.has('rserver')) report('SCENARIO_SCHEMA', pair.value as YamlNode, `nodes.${name}: missing field "rserver" (the config's rserver this node stands for)`);
          continue;
        }
        const node: ScenarioNode = { pos: posOf(pair.key as YamlNode), name, rserver };
        const address = str(f.get('address'), `nodes.${name}.address`);
        if (address !== undefined) {
          if (!/^\d+\.\d+\.\d+\.\d+:\d+$/.test(address)) report('SCENARIO_SCHEMA', f.get('address'), `nodes.${name}.address: expected IP:PORT of a real node`);
          else node.address = address;
        }
        sc.nodes.push(node);
      }
    }
  }

  const trafficNode = top.get('traffic');
  if (trafficNode) {
    const f = entries(trafficNode, TRAFFIC_KEYS, 'traffic');
    sc.traffic.clients = num(f.get('clients'), 'traffic.clients', 0, 10_000) ?? sc.traffic.clients;
    sc.traffic.clientRange = str(f.get('clientRange'), 'traffic.clientRange') ?? sc.traffic.clientRange;
    const rate = (k: 'http' | 'https' | 'traps') => {
      const n = f.get(k);
      if (!n) return undefined;
      const g = entries(n, ['perClientPerSecond'], `traffic.${k}`);
      return num(g.get('perClientPerSecond'), `traffic.${k}.perClientPerSecond`, 0, 1000);
    };
    sc.traffic.httpPerClientPerS = rate('http') ?? sc.traffic.httpPerClientPerS;
    sc.traffic.httpsPerClientPerS = rate('https') ?? sc.traffic.httpsPerClientPerS;
    sc.traffic.trapsPerClientPerS = rate('traps') ?? sc.traffic.trapsPerClientPerS;
  }

  const nodeNames = new Set(sc.nodes.map((n) => n.name));
  const tl = top.get('timeline');
  if (tl) {
    if (!isSeq(tl)) report('SCENARIO_SCHEMA', tl, 'timeline: expected a list of { at: 20s, crash: tms01 } entries');
    else {
      let last = -1;
      tl.items.forEach((item, i) => {
        const f = entries(item as YamlNode, ['at', ...FAULT_KINDS, ...BALANCER_FAULT_KEYS, 'ms', 'status'], `timeline[${i}]`);
        const atMs = dur(f.get('at'), `timeline[${i}].at`);
        if (!f.has('at')) report('SCENARIO_SCHEMA', item as YamlNode, `timeline[${i}]: missing "at"`);
        const bKinds = BALANCER_FAULT_KEYS.filter((k) => f.has(k));
        if (bKinds.length > 0) {
          if (bKinds.length > 1 || FAULT_KINDS.some((k) => f.has(k))) {
            report('SCENARIO_SCHEMA', item as YamlNode, `timeline[${i}]: name exactly one fault per entry`);
            return;
          }
          const fault = bKinds[0]!;
          const valN = f.get(fault)!;
          // tracked-host-down: the hosts that member's `ft track host` names go down (its net priority drops).
          const allowed: readonly string[] = fault === 'kill' || fault === 'tracked-host-down' ? ['active', 'standby', 'primary', 'secondary'] : fault === 'restart' ? ['primary', 'secondary'] : [];
          const ev: BalancerTimelineEvent = { pos: posOf(item as YamlNode), atMs: atMs ?? 0, fault };
          if (allowed.length > 0) {
            const v = str(valN, `timeline[${i}].${fault}`);
            if (v === undefined) return;
            if (!allowed.includes(v)) {
              report('SCENARIO_SCHEMA', valN, `timeline[${i}].${fault}: expected ${allowed.join(', ')}, got "${v}"`);
              return;
            }
            ev.target = v as PairTarget;
          } else if (!(isScalar(valN) && valN.value === true)) {
            report('SCENARIO_SCHEMA', valN, `timeline[${i}].${fault}: write \`${fault}: true\``);
            return;
          }
          if (atMs === undefined) return;
          if (!top.has('pair')) report('SCENARIO_SCHEMA', item as YamlNode, `timeline[${i}]: ${fault} is a balancer fault; it needs a \`pair:\` section (the config's FT pair)`);
          if (atMs > sc.durationMs) report('SCENARIO_TIMELINE', item as YamlNode, `timeline[${i}] at ${atMs / 1000} s is after the end of the run (${sc.durationMs / 1000} s)`);
          sc.balancerTimeline.push(ev);
          return;
        }
        const kinds = FAULT_KINDS.filter((k) => f.has(k));
        if (kinds.length !== 1) {
          report('SCENARIO_SCHEMA', item as YamlNode, `timeline[${i}]: name exactly one fault (${FAULT_KINDS.join(', ')})`);
          return;
        }
        const fault = kinds[0]!;
        const nodeN = f.get(fault)!;
        const node = str(nodeN, `timeline[${i}].${fault}`);
        if (atMs === undefined || node === undefined) return;
        if (!nodeNames.has(node)) {
          const dym = didYouMean(node, nodeNames);
          report('SCENARIO_UNKNOWN_NODE', nodeN, `timeline[${i}]: no node "${node}" in nodes`, dym ? `did you mean \`${dym}\`?` : `nodes: ${[...nodeNames].join(', ') || '(none)'}`);
          return;
        }
        const real = sc.nodes.find((n) => n.name === node)?.address;
        if (real !== undefined) {
          report('SCENARIO_REAL_NODE_FAULT', nodeN, `timeline[${i}]: ${node} is a real node (${real}); acesim cannot ${fault === 'recover' ? 'recover' : 'inject a ' + fault + ' into'} it`, 'break a real node yourself and leave it out of the timeline, or drop its `address:` to let acesim simulate it');
          return;
        }
        const ev: TimelineEvent = { pos: posOf(item as YamlNode), atMs, fault, node };
        const ms = dur(f.get('ms'), `timeline[${i}].ms`);
        if (ms !== undefined) ev.ms = ms;
        if ((fault === 'slow' || fault === 'flap') && ev.ms === undefined) report('SCENARIO_SCHEMA', item as YamlNode, `timeline[${i}]: ${fault} needs ms (${fault === 'slow' ? 'the added latency' : 'the half-period'})`);
        const status = num(f.get('status'), `timeline[${i}].status`, 100, 599);
        if (status !== undefined) ev.status = status;
        if (atMs < last) report('SCENARIO_TIMELINE', item as YamlNode, `timeline[${i}] at ${atMs / 1000} s comes before the entry above it; entries run in time order`);
        if (atMs > sc.durationMs) report('SCENARIO_TIMELINE', item as YamlNode, `timeline[${i}] at ${atMs / 1000} s is after the end of the run (${sc.durationMs / 1000} s)`);
        last = Math.max(last, atMs);
        sc.timeline.push(ev);
      });
      sc.timeline.sort((a, b) => a.atMs - b.atMs);
      sc.balancerTimeline.sort((a, b) => a.atMs - b.atMs);
    }
  }

  const pr = top.get('pair');
  if (pr) {
    const f = entries(pr, ['ftPort'], 'pair');
    sc.pair = { pos: posOf(pr) };
    const port = num(f.get('ftPort'), 'pair.ftPort', 1, 65535);
    if (port !== undefined) sc.pair.ftPort = port;
  }

  const ex = top.get('expect');
  if (ex) {
    const f = entries(ex, EXPECT_KEYS, 'expect');
    const d = dur(f.get('maxDetection'), 'expect.maxDetection');
    if (d !== undefined) sc.expect.maxDetectionMs = d;
    const fo = dur(f.get('maxFailover'), 'expect.maxFailover');
    if (fo !== undefined) sc.expect.maxFailoverMs = fo;
    const lr = num(f.get('maxLostRequests'), 'expect.maxLostRequests', 0, 1e9);
    if (lr !== undefined) sc.expect.maxLostRequests = lr;
    const sm = num(f.get('maxSourceMismatches'), 'expect.maxSourceMismatches', 0, 1e9);
    if (sm !== undefined) sc.expect.maxSourceMismatches = sm;
  }
  const ctl = top.get('controller');
  if (ctl) {
    // Defaults from the vendor guide: heartbeat 30 s, timeout 10 s, 5 failures.
    const f = entries(ctl, CONTROLLER_KEYS, 'controller');
    const nodeRef = (k: 'primary' | 'standby'): string | undefined => {
      const v = str(f.get(k), `controller.${k}`);
      if (v === undefined) {
        if (!f.has(k)) report('SCENARIO_SCHEMA', ctl, `controller: missing field "${k}" (a node name)`);
        return undefined;
      }
      if (!nodeNames.has(v)) report('SCENARIO_UNKNOWN_NODE', f.get(k), `controller.${k}: no node "${v}" in nodes`, `nodes: ${[...nodeNames].join(', ') || '(none)'}`);
      return nodeNames.has(v) ? v : undefined;
    };
    const primary = nodeRef('primary');
    const standby = nodeRef('standby');
    if (primary !== undefined && primary === standby) report('SCENARIO_SCHEMA', f.get('standby'), 'controller.standby: must be another node than primary');
    const auto = f.get('autoFailback');
    if (auto && !(isScalar(auto) && typeof auto.value === 'boolean')) report('SCENARIO_SCHEMA', auto, 'controller.autoFailback: expected true or false');
    const positive = (ms: number | undefined, k: string): number | undefined => {
      if (ms !== undefined && ms <= 0) report('SCENARIO_BAD_DURATION', f.get(k), `controller.${k}: must be longer than 0`);
      return ms !== undefined && ms > 0 ? ms : undefined;
    };
    // Every value is checked (and reported) even when the node names are wrong.
    const failures = num(f.get('failures'), 'controller.failures', 1, 1000) ?? 5;
    const heartbeatMs = positive(dur(f.get('heartbeat'), 'controller.heartbeat'), 'heartbeat') ?? 30_000;
    const timeoutMs = positive(dur(f.get('timeout'), 'controller.timeout'), 'timeout') ?? 10_000;
    const serviceStartMs = dur(f.get('serviceStart'), 'controller.serviceStart') ?? 0;
    const failbackSuccesses = num(f.get('failbackSuccesses'), 'controller.failbackSuccesses', 1, 1000) ?? failures;
    if (primary !== undefined && standby !== undefined && primary !== standby) {
      sc.controller = { pos: posOf(ctl), primary, standby, heartbeatMs, timeoutMs, failures, serviceStartMs, autoFailback: isScalar(auto) && auto.value === true, failbackSuccesses };
    }
  }
  if (sc.nodes.length === 0) report('SCENARIO_SCHEMA', root, 'the scenario has no nodes', 'add nodes: { tms01: { rserver: TMS01 }, … }');
  return { value: sc, diagnostics };
}
