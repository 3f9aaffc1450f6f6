// Runs a BalancerRuntime as one member of an FT pair: plans the member from
// the config's `ft interface`, `ft peer`, `ft group` and `ft track` (with the
// sides swapped for the secondary, so one config file serves both members),
// and connects the FtController's ACTIVE transitions to the runtime's VIP
// listeners and probes. Host tracking runs the tracked hosts' probes on the
// member's own probe engine instance.
import { createHash } from 'node:crypto';
import type { ContextModel, Model } from '../config/model.js';
import { printAce } from '../config/print-ace.js';
import type { Clock } from '../core/clock.js';
import { EventBus } from '../core/event-bus.js';
import { FtController, type FtEvent, type FtTrackItem } from '../ha/ft-controller.js';
import type { FtQueryPort, FtTransport } from '../ha/transport.js';
import { resolveProbePorts } from '../probes/instances.js';
import { ProbeEngine } from '../probes/probe-engine.js';
import { NodeProber } from '../probes/probers/node-prober.js';
import type { ProbeEvent, ProbeInstance, Prober } from '../probes/types.js';
import { nodeNetPorts } from '../proxy/net-ports.js';
import type { StickyEvent } from '../sticky/events.js';
import type { BalancerRuntime } from './balancer-runtime.js';
import { nodeFtTransport } from './ft-transport.js';
import { tcpQueryPort } from './ft-query.js';
import type { VipAddressOwner } from './vip-addresses.js';

export type FtRole = 'primary' | 'secondary';
export const FT_ROLES: readonly FtRole[] = ['primary', 'secondary'];
/** UDP heartbeat and TCP replication port on the FT addresses (ACE's own are internal; any free port works). */
export const DEFAULT_FT_PORT = 7345;

export interface FtTrackHostPlan {
  name: string;
  address: string;
  priority: number;
  probes: { name: string; priority: number }[];
}

export interface FtPlan {
  role: FtRole;
  me: string;
  peer: string;
  peerId: number;
  vlan: number;
  heartbeatIntervalMs: number;
  heartbeatCount: number;
  queryInterfaceVlan?: number;
  /** The query VLAN's addresses (`interface vlan N` ip / peer ip, sides swapped for the secondary). */
  query?: { me: string; peer: string };
  group: { id: number; priority: number; peerPriority: number; preempt: boolean; inservice: boolean; contexts: string[] };
  tracks: FtTrackHostPlan[];
  /** Interface tracks: on loopback an interface never goes down, so they are reported, not acted on. */
  notes: string[];
}

export type FtPlanResult = { ok: true; plan: FtPlan } | { ok: false; message: string };

/** The FT group of `context`, seen from `role`. A config without FT is a message, not an exception. */
export function planFtMember(model: Model, context: string, role: FtRole): FtPlanResult {
  const ft = model.ft;
  const group = ft.groups.find((g) => g.associateContexts.some((c) => c.name === context));
  if (!group) return { ok: false, message: `no \`ft group\` has \`associate-context ${context}\`; add one (with \`peer\`, \`priority\`, \`inservice\`) to run as an FT member` };
  const peer = ft.peers.find((p) => p.id === group.peer);
  if (!peer) return { ok: false, message: `ft group ${group.id} names no defined \`ft peer\`` };
  const iface = ft.interfaces.find((i) => i.vlan === peer.ftInterfaceVlan);
  if (!iface) return { ok: false, message: `ft peer ${peer.id} has no \`ft-interface vlan\` with a matching \`ft interface vlan\`` };
  if (!iface.ipAddress || !iface.peerIpAddress) return { ok: false, message: `ft interface vlan ${iface.vlan} needs both \`ip address\` and \`peer ip address\`` };
  if (iface.shutdown) return { ok: false, message: `ft interface vlan ${iface.vlan} is shut down (\`no shutdown\` enables it)` };
  const secondary = role === 'secondary';
  const notes: string[] = [];
  const tracks: FtTrackHostPlan[] = [];
  for (const t of ft.tracks) {
    const side = secondary ? t.peer : t.local;
    if (t.kind !== 'host') {
      notes.push(`ft track ${t.kind} ${t.name}: interfaces and HSRP groups never go down in a lab, so this track stays up`);
      continue;
    }
    if (side.target === undefined) continue;
    tracks.push({ name: t.name, address: side.target, priority: side.priority, probes: side.probes.map((p) => ({ name: p.probe.name, priority: p.priority })) });
  }
  let query: FtPlan['query'];
  if (peer.queryInterfaceVlan !== undefined) {
    const qi = model.contexts[0]?.interfaces.find((i) => i.vlan === peer.queryInterfaceVlan);
    if (qi?.ipAddress && qi.peerIpAddress) query = secondary ? { me: qi.peerIpAddress.address, peer: qi.ipAddress.address } : { me: qi.ipAddress.address, peer: qi.peerIpAddress.address };
    else notes.push(`ft peer ${peer.id}: query-interface vlan ${peer.queryInterfaceVlan} needs \`interface vlan ${peer.queryInterfaceVlan}\` with \`ip address\` and \`peer ip address\` in the Admin context; without them a member that loses heartbeats takes over without asking`);
  }
  return {
    ok: true,
    plan: {
      role,
      me: secondary ? iface.peerIpAddress.address : iface.ipAddress.address,
      peer: secondary ? iface.ipAddress.address : iface.peerIpAddress.address,
      peerId: peer.id,
      vlan: iface.vlan,
      heartbeatIntervalMs: peer.heartbeatIntervalMs,
      heartbeatCount: peer.heartbeatCount,
      ...(peer.queryInterfaceVlan !== undefined ? { queryInterfaceVlan: peer.queryInterfaceVlan } : {}),
      ...(query ? { query } : {}),
      group: {
        id: group.id,
        priority: secondary ? group.peerPriority : group.priority,
        peerPriority: secondary ? group.priority : group.peerPriority,
        preempt: group.preempt,
        inservice: group.inservice,
        contexts: group.associateContexts.map((c) => c.name),
      },
      tracks,
      notes,
    },
  };
}

/** The probe instances of a member's tracked hosts (one per host × probe), run on the member's own engine. */
export function trackProbeInstances(plan: Pick<FtPlan, 'tracks'>, admin: ContextModel): ProbeInstance[] {
  const out: ProbeInstance[] = [];
  for (const t of plan.tracks) {
    for (const p of t.probes) {
      const probe = admin.probes.find((x) => x.name === p.name);
      if (!probe) continue;
      const resolved = resolveProbePorts(probe, undefined, [])[0] ?? { port: 0, portType: 'DEFAULT' as const };
      out.push({
        id: `ft-track:${t.name}:${p.name}`,
        key: { probe: p.name, probeType: probe.type, rserver: t.name, address: t.address, port: resolved.port, portType: resolved.portType },
        probe,
        members: [],
        enabled: true,
        admin: 'inservice',
      });
    }
  }
  return out;
}

/** Tracks are down while any of their probes fails: feeds probe verdicts to setTrack(name, down). */
export function watchTracks(bus: EventBus<ProbeEvent>, setTrack: (name: string, down: boolean) => void): void {
  const down = new Map<string, Set<string>>();
  bus.on('probe.state', (e) => {
    const failed = down.get(e.key.rserver) ?? new Set<string>();
    if (e.to === 'FAILED') failed.add(e.key.probe);
    else failed.delete(e.key.probe);
    down.set(e.key.rserver, failed);
    setTrack(e.key.rserver, failed.size > 0);
  });
}

/** Digest of the contexts' running config, secrets included (both members must hold the same credentials). */
export function configDigest(model: Model, contexts: readonly string[]): string {
  const text = printAce({ ...model, contexts: model.contexts.filter((c) => contexts.includes(c.name)) }, { showSecrets: true });
  return createHash('sha256').update(text).digest('hex').slice(0, 32);
}

export interface FtMemberOptions {
  model: Model;
  runtime: BalancerRuntime;
  plan: FtPlan;
  clock: Clock;
  port?: number;
  transport?: FtTransport;
  /** Send heartbeats and dial replication here instead of the peer's FT address (the lab's FT-link relay). */
  peerVia?: string;
  /** Check the peer on the query VLAN through this address instead of its own (a relay a test can cut). */
  queryVia?: string;
  /** Prober for tracked hosts (default: real sockets). */
  prober?: Prober;
  onLine?: (line: string) => void;
  /** How long a takeover retries binding a VIP the old active still holds. */
  bindRetryForMs?: number;
  /** The config text the member runs (pushed to a standby whose config differs); without it no config is pushed. */
  configText?: string;
  /** `--vip-mode address`: the VIP and alias addresses this member adds while ACTIVE (vip-addresses.ts). */
  addresses?: Pick<VipAddressOwner, 'add' | 'announce' | 'remove' | 'clear'>;
}

/** Compiles and applies config text pushed by the active; the caller owns compiling (maps, offset, time scale). */
export type ConfigApplier = (text: string) => Promise<{ ok: true; model: Model } | { ok: false; message: string }>;

export class FtMember {
  readonly controller: FtController;
  readonly bus: EventBus<FtEvent>;
  private readonly trackProbes: ProbeEngine | undefined;
  private readonly trackBus: EventBus<ProbeEvent> | undefined;
  private trackInstances: ProbeInstance[] = [];
  /** The query port is bound in start(); the controller holds a stand-in that forwards to it. */
  private queryPort: FtQueryPort | undefined;
  private model: Model;
  private text: string | undefined;
  private digest: string;
  private plan: FtPlan;
  private applier: ConfigApplier | undefined;
  private reannounce: (() => void) | undefined;
  /** The VIP listeners are bound (activate done, deactivate not begun): only then is there anything to announce. */
  private serving = false;

  constructor(private readonly o: FtMemberOptions) {
    const { plan, runtime, clock } = o;
    const port = o.port ?? DEFAULT_FT_PORT;
    this.bus = new EventBus<FtEvent>(clock);
    const admin = o.model.contexts[0];
    const trackItems: FtTrackItem[] = plan.tracks.map((t) => ({ name: t.name, kind: 'host', target: t.address, priority: t.priority }));
    const farmBus = runtime.farmBus;
    this.model = o.model;
    this.text = o.configText;
    this.plan = plan;
    this.digest = configDigest(o.model, plan.group.contexts);
    this.controller = new FtController({
      clock,
      transport: o.transport ?? nodeFtTransport(nodeNetPorts),
      me: { address: plan.me, port },
      peer: { address: o.peerVia ?? plan.peer, port },
      peerIdentity: plan.peer,
      peerId: plan.peerId,
      heartbeatIntervalMs: plan.heartbeatIntervalMs,
      heartbeatCount: plan.heartbeatCount,
      groups: [{ id: plan.group.id, configPriority: plan.group.priority, preempt: plan.group.preempt, inservice: plan.group.inservice, contexts: plan.group.contexts }],
      tracks: trackItems,
      sticky: {
        store: runtime.balancer.store,
        events: { subscribe: (l: (e: StickyEvent) => void) => farmBus.subscribe((e) => (e.type.startsWith('sticky.') ? l(e as StickyEvent) : undefined)) },
      },
      hooks: {
        activate: async () => {
          // Addresses first (a VIP must be local to bind it), the ARP announcement once the listeners are up.
          await o.addresses?.add();
          const r = await runtime.activate({ retryForMs: o.bindRetryForMs ?? 30_000, retryMs: 20 });
          for (const f of r.failures) this.line(`ft: VIP ${f.vip} ${f.protocol} ${f.address}:${f.port} could not be taken over: ${f.error}`);
          this.serving = true;
          o.addresses?.announce();
        },
        deactivate: async () => {
          this.serving = false;
          await runtime.deactivate(0);
          await o.addresses?.remove();
        },
        configDigest: () => this.digest,
        configText: () => this.text,
        applyConfig: (_group, text) => this.applyPushed(text),
      },
      bus: this.bus,
      ...(plan.queryInterfaceVlan !== undefined ? { queryInterface: `vlan ${plan.queryInterfaceVlan}` } : {}),
      ...(plan.query
        ? {
            query: {
              ask: (signal: AbortSignal) => this.queryPort?.ask(signal) ?? Promise.resolve(false),
              close: async () => {
                await this.queryPort?.close();
                this.queryPort = undefined;
              },
            },
          }
        : {}),
      onLine: (l) => this.line(l),
    });
    if (plan.tracks.length > 0 && admin) {
      this.trackBus = new EventBus<ProbeEvent>(clock);
      this.trackProbes = new ProbeEngine({ clock, prober: o.prober ?? new NodeProber({ clock }), bus: this.trackBus });
      this.trackInstances = trackProbeInstances(plan, admin);
    }
  }

  async start(): Promise<void> {
    for (const n of this.o.plan.notes) this.line(n);
    const addresses = this.o.addresses;
    if (addresses) {
      await addresses.clear();
      // The peer is heard again (a healed FT link, a restart): while both were ACTIVE the clients may
      // have followed its gratuitous ARP. Once the election has settled (two heartbeats), the member
      // still ACTIVE announces its addresses again.
      this.bus.on('ft.peer', (e) => {
        if (e.to !== 'FSM_PEER_STATE_COMPATIBLE') return;
        this.reannounce?.();
        this.reannounce = this.o.clock.setTimer(2 * this.o.plan.heartbeatIntervalMs, () => {
          this.reannounce = undefined;
          if (this.serving && this.controller.state(this.o.plan.group.id) === 'FSM_FT_STATE_ACTIVE') addresses.announce();
        });
      });
    }
    if (this.trackProbes && this.trackBus) {
      watchTracks(this.trackBus, (name, down) => this.controller.setTrack(name, down));
      this.trackProbes.start(this.trackInstances);
    }
    const q = this.o.plan.query;
    if (q) {
      const port = this.o.port ?? DEFAULT_FT_PORT;
      this.queryPort = await tcpQueryPort(nodeNetPorts, { listen: { address: q.me, port }, target: { address: this.o.queryVia ?? q.peer, port }, localAddress: q.me });
    }
    await this.controller.start();
  }

  /** Wires how pushed config text is compiled and applied (the CLI's reload path, with the standby's refusal bypassed). */
  setConfigApplier(a: ConfigApplier): void {
    this.applier = a;
  }

  /**
   * The active reloaded its config: adopt it (digest, own FT side) and push
   * the text to the standby. Returns lines for the operator.
   */
  configReloaded(model: Model, text: string): string[] {
    const lines = this.adopt(model, text);
    return [...lines, ...this.controller.configChanged()];
  }

  private async applyPushed(text: string): Promise<{ ok: true } | { ok: false; message: string }> {
    if (!this.applier) return { ok: false, message: 'this member cannot compile a pushed config' };
    const r = await this.applier(text);
    if (!r.ok) return r;
    for (const l of this.adopt(r.model, text)) this.line(l);
    return { ok: true };
  }

  /** Takes a new model as the running one: its digest, and this member's side of the FT group (swapped as at start). */
  private adopt(model: Model, text: string): string[] {
    this.model = model;
    this.text = text;
    this.digest = configDigest(model, this.plan.group.contexts);
    const re = planFtMember(model, this.o.runtime.context.name, this.plan.role);
    if (!re.ok) return [`ft: the new config has no usable FT group for this member (${re.message}); the FT settings in force stay until restart`];
    const p = re.plan;
    const lines: string[] = [];
    const restartOnly = JSON.stringify([p.me, p.peer, p.peerId, p.heartbeatIntervalMs, p.heartbeatCount, p.query, p.group.id, p.tracks]) !== JSON.stringify([this.plan.me, this.plan.peer, this.plan.peerId, this.plan.heartbeatIntervalMs, this.plan.heartbeatCount, this.plan.query, this.plan.group.id, this.plan.tracks]);
    if (restartOnly) lines.push('ft: FT addresses, heartbeat, query interface, group id or tracking changed in the new config; they take effect when the member restarts');
    if (p.group.priority !== this.plan.group.priority || p.group.preempt !== this.plan.group.preempt) {
      this.controller.reconfigure(this.plan.group.id, p.group.priority, p.group.preempt);
      lines.push(`ft group ${this.plan.group.id}: priority ${p.group.priority}, ${p.group.preempt ? 'preempt' : 'no preempt'} (from the new config)`);
    }
    this.plan = { ...this.plan, group: { ...this.plan.group, priority: p.group.priority, peerPriority: p.group.peerPriority, preempt: p.group.preempt } };
    return lines;
  }

  async stop(): Promise<void> {
    this.trackProbes?.stop();
    this.reannounce?.();
    await this.controller.stop();
    // Leaving ACTIVE by shutting down: the addresses go too (the controller's stop does not deactivate).
    await this.o.addresses?.remove();
  }

  private line(s: string): void {
    this.o.onLine?.(s);
  }
}
