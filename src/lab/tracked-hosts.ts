// The hosts an FT pair tracks (`ft track host`), stood up by the lab so the
// members' tracking probes pass, and taken down by the `tracked-host-down`
// fault: each host is an HTTP responder on its mapped address and on every
// port its tracking probes use (a TCP probe only needs the handshake). Down
// means the listener is closed and open connections destroyed, so the
// probes see refused connections, as for a dead gateway. Only TCP and HTTP
// probes can be answered; other types are reported in the lab's notes.
import http from 'node:http';
import type net from 'node:net';
import type { Model } from '../config/model.js';
import { resolveProbePorts } from '../probes/instances.js';
import { planFtMember, type FtRole } from '../runtime/ft-member.js';

export interface TrackedHost {
  /** The member whose `ft track host` (its own side) names this host. */
  role: FtRole;
  track: string;
  address: string;
  port: number;
}

/** Tracked hosts of both members, with the notes for what the lab cannot stand in for. */
export function planTrackedHosts(model: Model, context: string): { hosts: TrackedHost[]; notes: string[] } {
  const hosts: TrackedHost[] = [];
  const notes: string[] = [];
  const admin = model.contexts[0];
  for (const role of ['primary', 'secondary'] as const) {
    const p = planFtMember(model, context, role);
    if (!p.ok) continue;
    for (const t of p.plan.tracks) {
      for (const pr of t.probes) {
        const probe = admin?.probes.find((x) => x.name === pr.name);
        if (!probe) continue;
        if (probe.type !== 'tcp' && probe.type !== 'http') {
          notes.push(`ft track host ${t.name} (${role}): probe ${pr.name} is ${probe.type}; the lab answers only tcp and http probes, so this host stays down`);
          continue;
        }
        const port = resolveProbePorts(probe, undefined, [])[0]?.port ?? 0;
        if (!hosts.some((h) => h.role === role && h.address === t.address && h.port === port)) hosts.push({ role, track: t.name, address: t.address, port });
      }
    }
  }
  return { hosts, notes };
}

interface Responder {
  host: TrackedHost;
  server?: http.Server;
  sockets: Set<net.Socket>;
}

export class TrackedHostsLab {
  private readonly responders: Responder[];

  constructor(private readonly hosts: readonly TrackedHost[]) {
    // One responder per address:port, whichever members track it.
    const seen = new Map<string, Responder>();
    for (const h of hosts) if (!seen.has(`${h.address}:${h.port}`)) seen.set(`${h.address}:${h.port}`, { host: h, sockets: new Set() });
    this.responders = [...seen.values()];
  }

  get size(): number {
    return this.responders.length;
  }

  /** Starts every host; returns what could not listen (address:port: error). */
  async start(): Promise<string[]> {
    const failures: string[] = [];
    for (const r of this.responders) {
      const err = await this.up(r);
      if (err) failures.push(`tracked host ${r.host.address}:${r.host.port}: ${err}`);
    }
    return failures;
  }

  /** Takes down (or brings back) the hosts `role` tracks; `undefined` = every host. Returns how many changed. */
  async set(role: FtRole | undefined, down: boolean): Promise<number> {
    const keys = new Set(this.hosts.filter((h) => role === undefined || h.role === role).map((h) => `${h.address}:${h.port}`));
    let n = 0;
    for (const r of this.responders) {
      if (!keys.has(`${r.host.address}:${r.host.port}`)) continue;
      if (down && r.server) {
        await this.down(r);
        n++;
      } else if (!down && !r.server && (await this.up(r)) === undefined) n++;
    }
    return n;
  }

  async stop(): Promise<void> {
    await Promise.all(this.responders.map((r) => this.down(r)));
  }

  private up(r: Responder): Promise<string | undefined> {
    return new Promise((resolve) => {
      const server = http.createServer((_req, res) => res.end('OK\n'));
      server.on('connection', (s) => {
        r.sockets.add(s);
        s.on('close', () => r.sockets.delete(s));
      });
      server.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? String(e)));
      server.listen(r.host.port, r.host.address, () => {
        r.server = server;
        resolve(undefined);
      });
    });
  }

  private async down(r: Responder): Promise<void> {
    const s = r.server;
    if (!s) return;
    r.server = undefined;
    for (const c of r.sockets) c.destroy();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }
}
