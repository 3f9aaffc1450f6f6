// Runs a BalancerRuntime as one member of an FT pair: plans the member from
// the config's `ft interface`, `ft peer`, `ft group` and `ft track` (with the
// sides swapped for the secondary, so one config file serves both members),
// and connects the FtController's ACTIVE transitions to the runtime's VIP
// listeners and probes. Host tracking runs the tracked hosts' probes on the
// member's own probe engine instance.
import { createHash } from 'node:crypto';
import type { Model } from '../config/model.js';
import { printAce } from '../config/print-ace.js';
import type { Clock } from '../core/clock.js';
import { EventBus } from '../core/event-bus.js';
import { FtController, type FtEvent, type FtTrackItem } from '../ha/ft-controller.js';
import type { FtTransport } from '../ha/transport.js';
import { resolveProbePorts } from '../probes/instances.js';
import { ProbeEngine } from '../probes/probe-engine.js';
import { NodeProber } from '../probes/probers/node-prober.js';
import type { ProbeEvent, ProbeInstance, Prober } from '../probes/types.js';
import { nodeNetPorts } from '../proxy/net-ports.js';
import type { StickyEvent } from '../sticky/events.js';
import type { BalancerRuntime } from './balancer-runtime.js';
import { nodeFtTransport } from './ft-transport.js';

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
  /** Prober for tracked hosts (default: real sockets). */
  prober?: Prober;
  onLine?: (line: string) => void;
  /** How long a takeover retries binding a VIP the old active still holds. */
  bindRetryForMs?: number;
}

export class FtMember {
  readonly controller: FtController;
  readonly bus: EventBus<FtEvent>;
  private readonly trackProbes: ProbeEngine | undefined;
  private readonly trackBus: EventBus<ProbeEvent> | undefined;
  private trackInstances: ProbeInstance[] = [];

  constructor(private readonly o: FtMemberOptions) {
    const { plan, runtime, clock } = o;
    const port = o.port ?? DEFAULT_FT_PORT;
    this.bus = new EventBus<FtEvent>(clock);
    const admin = o.model.contexts[0];
    const trackItems: FtTrackItem[] = plan.tracks.map((t) => ({ name: t.name, kind: 'host', target: t.address, priority: t.priority }));
    const farmBus = runtime.farmBus;
    const digest = configDigest(o.model, plan.group.contexts);
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
          const r = await runtime.activate({ retryForMs: o.bindRetryForMs ?? 30_000, retryMs: 20 });
          for (const f of r.failures) this.line(`ft: VIP ${f.vip} ${f.protocol} ${f.address}:${f.port} could not be taken over: ${f.error}`);
        },
        deactivate: () => runtime.deactivate(0),
        configDigest: () => digest,
      },
      bus: this.bus,
      ...(plan.queryInterfaceVlan !== undefined ? { queryInterface: `vlan ${plan.queryInterfaceVlan}` } : {}),
      onLine: (l) => this.line(l),
    });
    if (plan.tracks.length > 0 && admin) {
      this.trackBus = new EventBus<ProbeEvent>(clock);
      this.trackProbes = new ProbeEngine({ clock, prober: o.prober ?? new NodeProber({ clock }), bus: this.trackBus });
      for (const t of plan.tracks) {
        for (const p of t.probes) {
          const probe = admin.probes.find((x) => x.name === p.name);
          if (!probe) continue;
          const resolved = resolveProbePorts(probe, undefined, [])[0] ?? { port: 0, portType: 'DEFAULT' as const };
          this.trackInstances.push({
            id: `ft-track:${t.name}:${p.name}`,
            key: { probe: p.name, probeType: probe.type, rserver: t.name, address: t.address, port: resolved.port, portType: resolved.portType },
            probe,
            members: [],
            enabled: true,
            admin: 'inservice',
          });
        }
      }
    }
  }

  async start(): Promise<void> {
    for (const n of this.o.plan.notes) this.line(n);
    if (this.trackProbes && this.trackBus) {
      const down = new Map<string, Set<string>>();
      this.trackBus.on('probe.state', (e) => {
        const failed = down.get(e.key.rserver) ?? new Set<string>();
        if (e.to === 'FAILED') failed.add(e.key.probe);
        else failed.delete(e.key.probe);
        down.set(e.key.rserver, failed);
        // The tracked host is down while any of its probes fails.
        this.controller.setTrack(e.key.rserver, failed.size > 0);
      });
      this.trackProbes.start(this.trackInstances);
    }
    await this.controller.start();
  }

  async stop(): Promise<void> {
    this.trackProbes?.stop();
    await this.controller.stop();
  }

  private line(s: string): void {
    this.o.onLine?.(s);
  }
}
