// `acesim lab --netns`: the lab on the reference topology in network
// namespaces (netns.ts) with real addresses, no map, real ports. The simulated
// nodes and the client fleet run as netns-worker.ts processes inside their
// namespaces; the balancer is `acesim run --transparency transparent` inside
// its namespace, reporting through `--events`. runLab (lab-run.ts) drives them
// through its LabPlacement hook exactly as it drives the in-process lab, so
// timeline, measurements and report are the same code.
// Invariants: every process is started by this module and stopped by its pid;
// the namespaces are removed on every way out (return, throw, abort), and
// namespaces of dead labs are swept first. Timebase: the injected Clock;
// workers' events arrive with wall stamps and are put on that clock.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { AddressMapping } from '../config/address-map.js';
import { mapAddress } from '../config/address-map.js';
import type { Model } from '../config/model.js';
import type { CancelTimer, Clock } from '../core/clock.js';
import type { ProbeCause, ProbeEvent, ProbeHealth, ProbeInstanceKey } from '../probes/types.js';
import { loadTransparentAddon } from '../proxy/transparent-socket.js';
import { runCommand } from '../proxy/transparent-routing.js';
import { planFtMember } from '../runtime/ft-member.js';
import { ipHostAddresses } from '../runtime/host-addresses.js';
import { pickContext, planVipListeners } from '../runtime/vip-plan.js';
import { clientAddresses, type FleetOptions } from './clients.js';
import type { LabVipEngine } from './engine-haproxy.js';
import { runLab, type LabFleet, type LabNode, type LabPlacement, type LabRunOptions, type LabRunOutcome } from './lab-run.js';
import { JsonLinesTail, onClock } from './netns-event-file.js';
import { createNetns, ftLinkOf, queryLinkOf, netnsUnavailable, planNetns, prefixLength, sweepStale, type NetnsInput, type NetnsLab, type NetnsPair, type NetnsPlan } from './netns.js';
import { createPairRun, type PairRun } from './pair-run.js';
import type { NodeFault, NodeRecord, SimNodeOptions } from './sim-node.js';
import type { WorkerJob, WorkerMessage } from './netns-worker.js';

const READY_TIMEOUT_MS = 15_000;
const STOP_GRACE_MS = 3_000;

/** A process in a namespace: `ip netns exec NS argv…` (ip execs, so the pid is the program's). */
class NsProcess {
  readonly proc: ChildProcess;
  private readonly exited: Promise<unknown>;
  constructor(
    ns: string,
    argv: string[],
    private readonly clock: Clock,
    onLine: (line: string, stream: 'out' | 'err') => void,
  ) {
    this.proc = spawn('ip', ['netns', 'exec', ns, ...argv], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.exited = once(this.proc, 'exit').catch(() => {});
    this.proc.on('error', () => {});
    this.proc.stdin!.on('error', () => {});
    for (const [s, k] of [[this.proc.stdout!, 'out'], [this.proc.stderr!, 'err']] as const) {
      createInterface({ input: s, crlfDelay: Infinity }).on('line', (l) => onLine(l, k));
    }
  }

  get running(): boolean {
    return this.proc.exitCode === null && this.proc.signalCode === null;
  }

  write(obj: unknown): void {
    if (this.running && this.proc.stdin!.writable) this.proc.stdin!.write(`${JSON.stringify(obj)}\n`);
  }

  /** Ends stdin (workers stop) or sends `signal`; SIGKILL by pid after the grace time. */
  async stop(signal?: NodeJS.Signals): Promise<void> {
    if (!this.running) return;
    if (signal) this.proc.kill(signal);
    else this.proc.stdin!.end();
    const late = new Promise<'late'>((r) => this.clock.setTimer(STOP_GRACE_MS, () => r('late')));
    if ((await Promise.race([this.exited.then(() => 'done' as const), late])) === 'late' && this.running) {
      this.proc.kill('SIGKILL');
      await this.exited;
    }
  }

  exitedPromise(): Promise<unknown> {
    return this.exited;
  }
}

/** A netns-worker process with request/answer by id. */
class Worker {
  private readonly p: NsProcess;
  private nextId = 0;
  private readonly waiting = new Map<number, (m: Extract<WorkerMessage, { t: 'done' }>) => void>();
  private ready: Promise<string | undefined>;
  private readonly tail: string[] = [];

  constructor(ns: string, workerJs: string, job: WorkerJob, private readonly clock: Clock, onMessage: (m: WorkerMessage) => void) {
    let settle: (v: string | undefined) => void = () => {};
    this.ready = new Promise((r) => (settle = r));
    const timer = clock.setTimer(READY_TIMEOUT_MS, () => settle(`no answer within ${READY_TIMEOUT_MS / 1000} s`));
    this.p = new NsProcess(ns, [process.execPath, workerJs], clock, (line, stream) => {
      if (stream === 'err') {
        this.tail.push(line);
        if (this.tail.length > 5) this.tail.shift();
        return;
      }
      let m: WorkerMessage;
      try {
        m = JSON.parse(line) as WorkerMessage;
      } catch {
        return;
      }
      if (m.t === 'ready') settle(undefined);
      else if (m.t === 'fatal') settle(m.message);
      else if (m.t === 'done') this.waiting.get(m.id)?.(m);
      else onMessage(m);
    });
    void this.p.exitedPromise().then(() => {
      timer();
      settle(`exited (${this.tail.join(' | ') || 'no output'})`);
      for (const [id, w] of this.waiting) w({ t: 'done', id, ok: false, message: 'the worker exited' });
    });
    this.p.write(job);
    void this.ready.then(() => timer());
  }

  /** Resolves undefined when the worker is up, else why not. */
  whenReady(): Promise<string | undefined> {
    return this.ready;
  }

  /** Sends a command and waits for its `done`; with timeoutMs, a worker that does not answer in time gives ok: false. */
  ask(cmd: Record<string, unknown>, timeoutMs?: number): Promise<Extract<WorkerMessage, { t: 'done' }>> {
    const id = ++this.nextId;
    return new Promise((resolve) => {
      const late = timeoutMs === undefined ? undefined : this.clock.setTimer(timeoutMs, () => answer({ t: 'done', id, ok: false, message: `no answer within ${timeoutMs / 1000} s` }));
      const answer = (m: Extract<WorkerMessage, { t: 'done' }>): void => {
        if (!this.waiting.delete(id)) return;
        late?.();
        resolve(m);
      };
      this.waiting.set(id, answer);
      if (!this.p.running) answer({ t: 'done', id, ok: false, message: 'the worker exited' });
      else this.p.write({ ...cmd, id });
    });
  }

  stop(): Promise<void> {
    return this.p.stop();
  }
}

/** A simulated node in its namespace. */
class RemoteNode implements LabNode {
  effectiveAtMs = 0;
  private worker: Worker | undefined;

  constructor(
    private readonly ns: string,
    private readonly workerJs: string,
    private readonly o: SimNodeOptions,
  ) {}

  async start(): Promise<void> {
    const o = this.o;
    const job: WorkerJob = { role: 'node', name: o.name, address: o.address, http: o.httpPorts ?? [], https: o.httpsPorts ?? [], udp: o.udpPorts ?? [], credentials: o.credentials ?? [], ...(o.tls ? { tls: { key: o.tls.key.toString(), cert: o.tls.cert.toString() } } : {}) };
    this.worker = new Worker(this.ns, this.workerJs, job, o.clock, (m) => {
      if (m.t === 'record') o.onRecord?.({ ...(m.record as unknown as NodeRecord), atMs: onClock(o.clock, m.wallMs) });
    });
    const why = await this.worker.whenReady();
    if (why !== undefined) throw new Error(`node ${o.name} in ${this.ns}: ${why}`);
  }

  async prepare(kind: NodeFault['kind']): Promise<void> {
    const r = await this.worker!.ask({ cmd: 'prepare', kind });
    if (!r.ok) throw new Error(r.message ?? 'prepare failed');
  }

  async apply(fault: NodeFault): Promise<void> {
    const r = await this.worker!.ask({ cmd: 'fault', fault });
    if (!r.ok) throw new Error(r.message ?? 'fault failed');
    if (r.wallMs !== undefined) this.effectiveAtMs = onClock(this.o.clock, r.wallMs);
  }

  async stop(): Promise<void> {
    await this.worker?.stop();
  }
}

/** The client fleet in the clients' namespace. */
class RemoteFleet implements LabFleet {
  private worker: Worker | undefined;

  constructor(
    private readonly ns: string,
    private readonly workerJs: string,
    private readonly o: FleetOptions,
  ) {}

  async start(): Promise<void> {
    const o = this.o;
    const job: WorkerJob = {
      role: 'clients',
      clients: [...o.clients],
      ...(o.http ? { http: o.http } : {}),
      ...(o.https ? { https: o.https } : {}),
      ...(o.trap ? { trap: o.trap } : {}),
      httpPerClientPerS: o.httpPerClientPerS,
      httpsPerClientPerS: o.httpsPerClientPerS,
      trapsPerClientPerS: o.trapsPerClientPerS,
      timeoutMs: o.timeoutMs,
    };
    this.worker = new Worker(this.ns, this.workerJs, job, o.clock, (m) => {
      if (m.t === 'request') o.onRequest({ ...(m.event as unknown as Parameters<FleetOptions['onRequest']>[0]), atMs: onClock(o.clock, m.wallMs) });
      else if (m.t === 'trap') o.onTrapSent?.({ id: m.id, client: m.client, atMs: onClock(o.clock, m.wallMs) });
    });
    const why = await this.worker.whenReady();
    if (why !== undefined) throw new Error(`clients in ${this.ns}: ${why}`);
    // Answered once the fleet's timers run: the lab's t0 is then the fleet's start, and a start
    // that never arrived is an error here rather than a run with no requests.
    const started = await this.worker.ask({ cmd: 'start' }, READY_TIMEOUT_MS);
    if (!started.ok) throw new Error(`clients in ${this.ns}: the fleet did not start: ${started.message ?? 'no reason given'}`);
  }

  async stop(): Promise<void> {
    const w = this.worker;
    this.worker = undefined;
    if (!w) return;
    // Its answer waits for the requests in flight, each bounded by timeoutMs.
    await w.ask({ cmd: 'stop' }, this.o.timeoutMs + READY_TIMEOUT_MS);
    await w.stop();
  }
}

type RealStateCb = (e: { atMs: number; farm: string; address: string; to: string }) => void;
type ProbeCb = (e: ProbeEvent & { atMs: number }) => void;

/** `acesim run --transparency transparent` in the balancer's namespace; events from its `--events` file. */
export class NetnsBalancerEngine implements LabVipEngine {
  private p: NsProcess | undefined;
  private readonly dir = mkdtempSync(join(tmpdir(), 'acesim-netns-'));
  private readonly events = join(this.dir, 'events.jsonl');
  private readonly tail = new JsonLinesTail(this.events);
  private poll: CancelTimer | undefined;
  private stopped = false;
  private readonly cbs: RealStateCb[] = [];
  private readonly probeCbs: ProbeCb[] = [];
  private readonly vips: { vip: string; protocol: 'tcp' | 'udp'; address: string; port: number }[] = [];
  private up = false;
  /** The balancer's output lines (its errors explain a failed start). */
  readonly output: string[] = [];

  constructor(private readonly o: { ns: string; cli: string; configFile: string; timeScale: number; clock: Clock }) {}

  onRealState(cb: RealStateCb): void {
    this.cbs.push(cb);
  }

  /** The balancer's probe results and verdicts (the lab's probe statistics and false failures). */
  onProbe(cb: ProbeCb): void {
    this.probeCbs.push(cb);
  }

  async start(): ReturnType<LabVipEngine['start']> {
    const args = [process.execPath, this.o.cli, 'run', this.o.configFile, '--transparency', 'transparent', '--time-scale', String(this.o.timeScale), '--events', this.events, '--log-level', 'warn'];
    this.p = new NsProcess(this.o.ns, args, this.o.clock, (line) => {
      if (this.output.length < 200) this.output.push(line);
      const vip = /^VIP (\S+) (tcp|udp) (\d+\.\d+\.\d+\.\d+):(\d+) listening/.exec(line);
      if (vip) this.vips.push({ vip: vip[1]!, protocol: vip[2] as 'tcp' | 'udp', address: vip[3]!, port: Number(vip[4]) });
      if (/listener\(s\) up/.test(line)) this.up = true;
    });
    this.schedulePoll();
    const end = this.o.clock.monotonicNow() + READY_TIMEOUT_MS;
    while (!this.up && this.p.running && this.o.clock.monotonicNow() < end) await new Promise<void>((r) => this.o.clock.setTimer(20, r));
    if (!this.up) {
      const why = this.output.filter((l) => /acesim run:|error/i.test(l)).slice(-3).join(' | ') || (this.p.running ? `not up within ${READY_TIMEOUT_MS / 1000} s` : 'exited');
      return { listeners: [], failures: [{ protocol: 'tcp', address: this.o.ns, port: 0, error: `the balancer in ${this.o.ns} did not start: ${why}` }], warnings: [] };
    }
    return { listeners: [...this.vips], failures: [], warnings: [] };
  }

  private schedulePoll(): void {
    if (this.stopped) return;
    this.poll = this.o.clock.setTimer(10, () => void this.readEvents().finally(() => this.schedulePoll()));
  }

  private readEvents(): Promise<void> {
    return this.tail.read((l) => this.onEvent(l));
  }

  private onEvent(line: string): void {
    let e: { type?: unknown; wallMs?: unknown; farm?: unknown; address?: unknown; to?: unknown };
    try {
      e = JSON.parse(line) as typeof e;
    } catch {
      return;
    }
    if (typeof e.wallMs !== 'number') return;
    const atMs = onClock(this.o.clock, e.wallMs);
    if (e.type === 'real.state') {
      const ev = { atMs, farm: String(e.farm), address: String(e.address), to: String(e.to) };
      for (const cb of this.cbs) cb(ev);
    } else if (e.type === 'probe.result' || e.type === 'probe.state') {
      const p = probeEventOf(e);
      if (p) for (const cb of this.probeCbs) cb({ ...p, atMs });
    }
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    await this.readEvents().catch(() => {});
    this.stopped = true;
    this.poll?.();
    // SIGTERM: acesim run drains and removes its policy routing.
    await this.p?.stop('SIGTERM');
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A probe event line of the balancer's events file, checked field by field (another process wrote it). */
export function probeEventOf(e: Record<string, unknown>): ProbeEvent | undefined {
  const k = e.key as Record<string, unknown> | undefined;
  if (typeof k !== 'object' || k === null || typeof k.address !== 'string' || typeof k.probe !== 'string' || typeof k.probeType !== 'string') return undefined;
  const key = { probe: k.probe, probeType: k.probeType, rserver: String(k.rserver), address: k.address, port: Number(k.port), portType: k.portType, ...(typeof k.farm === 'string' ? { farm: k.farm } : {}) } as ProbeInstanceKey;
  if (e.type === 'probe.result') {
    const r = e.result as Record<string, unknown> | undefined;
    if (typeof r !== 'object' || r === null || typeof r.ok !== 'boolean' || typeof r.cause !== 'string') return undefined;
    return { type: 'probe.result', key, result: { ok: r.ok, cause: r.cause as ProbeCause, latencyMs: Number(r.latencyMs) }, health: e.health as ProbeHealth };
  }
  if (typeof e.to !== 'string' || typeof e.cause !== 'string') return undefined;
  return { type: 'probe.state', key, from: e.from as ProbeHealth, to: e.to as ProbeHealth, cause: e.cause as ProbeCause };
}

export interface NetnsLabOptions extends Omit<LabRunOptions, 'placement' | 'portOffset' | 'engine'> {
  /** The config file as written (the balancer process reads it, unmapped). */
  configFile: string;
  /** The scenario's address maps: its clientRange is mapped back through them (127.0.100.0/24 → 10.0.100.0/24). */
  maps: readonly AddressMapping[];
  /** dist/src/cli/main.js and dist/src/lab/netns-worker.js (default: distEntryPoints()). */
  cli?: string;
  workerJs?: string;
  /** Aborting removes everything at once and resolves { ok: false }. */
  signal?: AbortSignal;
  /** Test hook: the plan once the namespaces exist. */
  onNetns?: (plan: NetnsPlan) => void;
  /** Test hook: runs after the processes stopped, before the namespaces go (to read their state). */
  beforeDestroy?: (plan: NetnsPlan) => Promise<void>;
}

/** The built CLI and worker (dist/src/cli/main.js, dist/src/lab/netns-worker.js), from source or from dist. */
export function distEntryPoints(from = dirname(fileURLToPath(import.meta.url))): { cli: string; workerJs: string } {
  const built = join(from, 'netns-worker.js');
  if (existsSync(built)) return { cli: join(from, '..', 'cli', 'main.js'), workerJs: built };
  let dir = from;
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return { cli: join(dir, 'dist', 'src', 'cli', 'main.js'), workerJs: join(dir, 'dist', 'src', 'lab', 'netns-worker.js') };
}

/** The clients' subnet in real addresses: the scenario's range mapped back through its maps. */
export function realClientRange(range: string, maps: readonly AddressMapping[]): string {
  const [net, len] = range.split('/');
  const inverse = maps.map((m) => ({ from: m.to, to: m.from, text: m.text }));
  return `${mapAddress(net ?? '', inverse)}/${len}`;
}

/** The topology of a config and scenario (pure; netns.ts builds it). */
export function netnsPlanFor(model: Model, o: Pick<NetnsLabOptions, 'scenario' | 'maps'>, pid: number): NetnsPlan | string {
  const ctx = pickContext(model.contexts);
  if (!ctx) return 'the config applies no VIP';
  const range = realClientRange(o.scenario.traffic.clientRange, o.maps);
  const clients = clientAddresses(range, o.scenario.traffic.clients);
  if (typeof clients === 'string') return clients;
  const nodes: { name: string; address: string }[] = [];
  for (const n of o.scenario.nodes) {
    if (n.address !== undefined) return `node ${n.name}: the netns lab simulates every node (no real \`address:\`)`;
    const rs = ctx.rservers.find((r) => r.name === n.rserver);
    if (!rs?.ipAddress) return `node ${n.name}: the config has no rserver "${n.rserver}" with an ip address`;
    nodes.push({ name: n.name, address: rs.ipAddress });
  }
  const vips = planVipListeners(ctx).listeners.map((l) => l.address);
  // The balancer's own address on the nodes' VLAN: the config's interface in their subnet.
  const own = ctx.interfaces
    .map((i) => i.ipAddress)
    .filter((a): a is NonNullable<typeof a> => a !== undefined)
    .map((a) => ({ address: a.address, prefixLen: prefixLength(a.mask) ?? 24 }))
    .find((a) => sameNet(a.address, nodes[0]?.address ?? '', a.prefixLen));
  let pair: NetnsInput['pair'];
  if (o.scenario.pair) {
    const p = pairInput(model, ctx.name, nodes[0]?.address ?? '');
    if (typeof p === 'string') return p;
    pair = p;
  }
  return planNetns({ pid, clients, clientPrefixLen: Number(range.split('/')[1]), vips, nodes, ...(own ? { balancerAddress: own } : {}), ...(pair ? { pair } : {}) });
}

/** The pair's addresses from the config: FT VLAN (`ft interface vlan`), and on the nodes' `interface vlan` the secondary's `peer ip address` and the `alias` (the nodes' gateway that moves with the active). */
function pairInput(model: Model, context: string, nodeAddress: string): NonNullable<NetnsInput['pair']> | string {
  const ft = planFtMember(model, context, 'primary');
  if (!ft.ok) return `pair: ${ft.message}`;
  const ftIf = model.ft.interfaces.find((i) => i.vlan === ft.plan.vlan);
  const ftLen = prefixLength(ftIf?.ipAddress?.mask ?? '') ?? 24;
  const ctx = model.contexts.find((c) => c.name === context)!;
  const home = ctx.interfaces.find((i) => i.ipAddress && sameNet(i.ipAddress.address, nodeAddress, prefixLength(i.ipAddress.mask) ?? 24));
  if (!home?.alias) return `pair: the nodes' \`interface vlan${home ? ` ${home.vlan}` : ''}\` needs an \`alias IP MASK\`: it is the nodes' gateway, which must move to the new active (ace-semantics §6.4)`;
  // A query VLAN of its own gets a leg per member; one that is the nodes' VLAN rides theirs (and cannot be cut alone).
  const q = ft.plan.query;
  const qIf = ctx.interfaces.find((i) => i.vlan === ft.plan.queryInterfaceVlan);
  const query = q && qIf && qIf.vlan !== home.vlan ? { vlan: qIf.vlan, primary: q.me, secondary: q.peer, prefixLen: prefixLength(qIf.ipAddress?.mask ?? '') ?? 24 } : undefined;
  return { ft: { primary: ft.plan.me, secondary: ft.plan.peer, prefixLen: ftLen }, alias200: home.alias.address, ...(home.peerIpAddress ? { peer200: home.peerIpAddress.address } : {}), ...(query ? { query } : {}) };
}

/** Sets both members' legs of one VLAN down (a pulled cable at the switch) or up; the error text, or undefined. */
async function setLegs(plan: NetnsPlan, legOf: (role: 'primary' | 'secondary') => string, down: boolean): Promise<string | undefined> {
  for (const role of ['primary', 'secondary'] as const) {
    const r = await runCommand('ip', ['-n', plan.switchNs, 'link', 'set', legOf(role), down ? 'down' : 'up']);
    if (r.code !== 0) return r.stderr.trim() || `ip exit ${r.code}`;
  }
  return undefined;
}

/** The FT pair in lb1/lb2: members with the client address kept, owning the VIPs and the alias while ACTIVE. */
function netnsPair(plan: NetnsPlan, pr: NetnsPair, o: NetnsLabOptions, ctxName: string): PairRun | string {
  return createPairRun(o.model, ctxName, o.scenario, o.timeScale, o.clock, {
    nsOf: { primary: pr.members[0].ns, secondary: pr.members[1].ns },
    // The VIPs go on the clients' VLAN (they ARP for them there), the alias on vlan200 (its interface).
    args: ['--transparency', 'transparent', '--vip-mode', 'address', '--vip-interface', 'vlan100'],
    cutLink: (cut) => setLegs(plan, (role) => ftLinkOf(plan, role), cut),
    cutQuery: (cut) => (pr.query ? setLegs(plan, (role) => queryLinkOf(plan, role)!, cut) : Promise.resolve('the config has no query-interface VLAN of its own (none, or the nodes\' VLAN, which carries the traffic too)')),
  });
}

function sameNet(a: string, b: string, len: number): boolean {
  const n = (s: string): number => s.split('.').reduce((x, o) => x * 256 + Number(o), 0);
  const m = len === 0 ? 0 : (~0 << (32 - len)) >>> 0;
  return ((n(a) & m) >>> 0) === ((n(b) & m) >>> 0);
}

/** The whole netns run: checks, sweep, namespaces, runLab with the placement, removal. */
export async function runNetnsLab(o: NetnsLabOptions): Promise<LabRunOutcome> {
  const unavailable = await netnsUnavailable();
  if (unavailable) return { ok: false, message: `--netns: ${unavailable}` };
  const addon = loadTransparentAddon();
  if (!addon.ok) return { ok: false, message: `--netns: the balancer runs with --transparency transparent: ${addon.message}` };
  await sweepStale();
  const plan = netnsPlanFor(o.model, o, process.pid);
  if (typeof plan === 'string') return { ok: false, message: `--netns: ${plan}` };
  // The pair's members add the VIPs themselves: what they need (arping) is checked here, before anything is built.
  const hostWhy = plan.pair ? await ipHostAddresses().check([]) : undefined;
  if (hostWhy !== undefined) return { ok: false, message: `--netns: the FT pair runs with --vip-mode address: ${hostWhy}` };
  if (o.signal?.aborted) return { ok: false, message: 'interrupted' };
  const made = await createNetns(plan);
  if (!made.ok) return { ok: false, message: `--netns: cannot build the namespaces: ${made.message}` };
  const lab: NetnsLab = made.lab;
  o.onNetns?.(plan);
  const entry = distEntryPoints();
  const cli = o.cli ?? entry.cli;
  const workerJs = o.workerJs ?? entry.workerJs;
  const engine = new NetnsBalancerEngine({ ns: plan.balancerNs, cli, configFile: o.configFile, timeScale: o.timeScale, clock: o.clock });
  const nsOf = new Map(plan.nodes.map((n) => [n.address, n.ns]));
  let pair: PairRun | undefined;
  if (plan.pair) {
    const pr = netnsPair(plan, plan.pair, o, pickContext(o.model.contexts)!.name);
    if (typeof pr === 'string') {
      await lab.destroy();
      return { ok: false, message: `--netns: ${pr}` };
    }
    pair = pr;
  }
  const placement: LabPlacement = {
    clients: plan.clients,
    node: (no) => new RemoteNode(nsOf.get(no.address)!, workerJs, no),
    fleet: (fo) => new RemoteFleet(plan.clientsNs, workerJs, fo),
    engine: pair ? pair.engine : engine,
    ...(pair ? { pair } : {}),
    onProbe: (cb) => {
      if (!pair) return engine.onProbe(cb);
      // The pair's probe statistics: the events of the member serving the VIPs.
      const pe = pair.engine;
      pe.onEvent((e) => {
        if ((e.type !== 'probe.result' && e.type !== 'probe.state') || e.role !== pe.activeRole()) return;
        const p = probeEventOf(e);
        if (p) cb({ ...p, atMs: e.atMs });
      });
    },
  };
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<LabRunOutcome>((resolve) => {
    onAbort = () => void lab.destroy().then(() => resolve({ ok: false, message: 'interrupted; the namespaces are removed' }));
    o.signal?.addEventListener('abort', onAbort, { once: true });
  });
  try {
    const { configFile: _c, maps: _m, cli: _cli, workerJs: _w, signal: _s, onNetns: _n, beforeDestroy: _b, ...lo } = o;
    const run = runLab({ ...lo, portOffset: 0, placement });
    const out = await Promise.race([run, aborted]);
    if (out.ok && engine.output.length > 0) {
      const errs = engine.output.filter((l) => /error|warning/i.test(l) && !/^\{/.test(l)).slice(0, 3);
      for (const l of errs) out.result.notes.push(`balancer: ${l}`);
    }
    if (!out.ok && engine.output.length > 0) return { ok: false, message: `${out.message} (balancer: ${engine.output.slice(-3).join(' | ')})` };
    return out;
  } finally {
    if (onAbort) o.signal?.removeEventListener('abort', onAbort);
    await engine.stop().catch(() => {});
    if (pair) {
      await pair.engine.stop().catch(() => {});
      pair.cleanup();
    }
    await o.beforeDestroy?.(plan);
    await lab.destroy();
  }
}
