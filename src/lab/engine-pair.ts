// The lab's FT-pair engine: two `acesim run --ft-member` processes (primary and
// secondary) with the FT VLAN through a relay the lab can cut, fronting the
// simulated nodes. Each member writes its events (`--events`, JSON lines with
// wall-clock stamps); the engine tails both files and turns them into
// clock-stamped events, so the lab measures takeover from events, never logs.
// Balancer faults: SIGKILL of the active (or standby) member, a restart, an
// FT-link cut and restore, and `ft switchover` through the member's management API.
// Invariants: every process is started and stopped by its PID; stop() kills
// what is left (SIGTERM, then SIGKILL) and removes the temporary directory.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Clock, CancelTimer } from '../core/clock.js';
import { sleep } from '../core/real-clock.js';
import type { LabVipEngine } from './engine-haproxy.js';
import { FtRelay } from './ft-relay.js';
import { JsonLinesTail, onClock } from './netns-event-file.js';
import { runCommand } from '../proxy/transparent-routing.js';

export type PairRole = 'primary' | 'secondary';
export type BalancerFaultKind = 'kill-active' | 'kill-standby' | 'restart' | 'cut-ft-link' | 'restore-ft-link' | 'cut-query-link' | 'restore-query-link' | 'switchover';
export const BALANCER_FAULTS: readonly BalancerFaultKind[] = ['kill-active', 'kill-standby', 'restart', 'cut-ft-link', 'restore-ft-link', 'cut-query-link', 'restore-query-link', 'switchover'];

/** An event of either member, stamped on the lab's clock. */
export interface PairEvent {
  role: PairRole;
  atMs: number;
  type: string;
  [k: string]: unknown;
}

export interface PairEngineOptions {
  clock: Clock;
  /** The built CLI (dist/src/cli/main.js). */
  cli: string;
  configFile: string;
  maps: readonly string[];
  portOffset: number;
  timeScale: number;
  /** The members' FT addresses after --map (the relay uses the same /24 with the third octet + 1). */
  ftAddresses: { primary: string; secondary: string };
  ftPort: number;
  /** Management API ports on 127.0.0.1 for the two members. */
  mgmtPorts: { primary: number; secondary: number };
  /** Lines the members print, for the report's notes when something goes wrong. */
  onOutput?: (role: PairRole, line: string) => void;
  /** Lab fixtures that must be up before the members start and go with them (the tracked hosts). */
  fixtures?: { start(): Promise<string[]>; stop(): Promise<void> };
  /** The VIP listeners the config plans (vip-plan.ts): start() waits until the active member has announced every one, bound or not. */
  vipCount?: number;
  /** The network-namespace lab (netns-lab.ts): each member in its namespace with extra flags, the FT link a real one (no relay) that cutLink takes down. */
  netns?: { nsOf: Record<PairRole, string>; args: string[]; cutLink(cut: boolean): Promise<string | undefined>; cutQuery(cut: boolean): Promise<string | undefined> };
}

interface Member {
  role: PairRole;
  proc?: ChildProcess;
  events: string;
  /** The member's `--events` file, read as it grows. */
  tail: JsonLinesTail;
  state: string;
  /** Its `ft.vips` event said it serves (activate done); reset when it releases or restarts. */
  serving: boolean;
  /** Its VIP lines since it started, by `protocol address:port`; `error` when it could not bind. */
  announced: Map<string, { protocol: 'tcp' | 'udp'; address: string; port: number; error?: string }>;
}

const STOP_GRACE_MS = 2000;
const READY_TIMEOUT_MS = 15_000;

/** The relay address standing for an FT address: same host part, third octet + 1. */
export function relayAddressFor(addr: string): string {
  const o = addr.split('.').map(Number);
  return `${o[0]}.${o[1]}.${((o[2] ?? 0) + 1) % 256}.${o[3]}`;
}

export class PairEngine implements LabVipEngine {
  private readonly dir = mkdtempSync(join(tmpdir(), 'acesim-pair-'));
  private readonly members: Record<PairRole, Member>;
  private readonly realCbs: ((e: { atMs: number; farm: string; address: string; to: string }) => void)[] = [];
  private readonly eventCbs: ((e: PairEvent) => void)[] = [];
  private relay: FtRelay | undefined;
  private poll: CancelTimer | undefined;
  private readonly token = randomBytes(16).toString('hex');
  private stopped = false;

  constructor(private readonly o: PairEngineOptions) {
    const m = (role: PairRole): Member => {
      const events = join(this.dir, `${role}.jsonl`);
      return { role, events, tail: new JsonLinesTail(events), state: 'none', serving: false, announced: new Map() };
    };
    this.members = { primary: m('primary'), secondary: m('secondary') };
    writeFileSync(join(this.dir, 'token'), this.token, { mode: 0o600 });
  }

  onRealState(cb: (e: { atMs: number; farm: string; address: string; to: string }) => void): void {
    this.realCbs.push(cb);
  }

  /** Every event of both members (ft.group, ft.vips, real.state, …). */
  onEvent(cb: (e: PairEvent) => void): void {
    this.eventCbs.push(cb);
  }

  /** The role whose FT group is ACTIVE now (the last one to go ACTIVE when both are). */
  activeRole(): PairRole | undefined {
    const a = (['primary', 'secondary'] as const).filter((r) => this.members[r].state === 'FSM_FT_STATE_ACTIVE' && this.alive(r));
    return a.length === 0 ? undefined : a[a.length - 1];
  }

  alive(role: PairRole): boolean {
    const p = this.members[role].proc;
    return p !== undefined && p.exitCode === null && p.signalCode === null;
  }

  async start(): ReturnType<LabVipEngine['start']> {
    const { primary, secondary } = this.o.ftAddresses;
    if (!this.o.netns) this.relay = new FtRelay({ member: primary, relay: relayAddressFor(primary) }, { member: secondary, relay: relayAddressFor(secondary) }, this.o.ftPort);
    try {
      await this.relay?.start();
    } catch (e) {
      return { listeners: [], failures: [{ protocol: 'udp', address: relayAddressFor(primary), port: this.o.ftPort, error: `FT relay: ${(e as NodeJS.ErrnoException).code ?? String(e)}` }], warnings: [] };
    }
    // Tracked hosts answer before the members' tracking probes start, so no track begins down.
    for (const f of (await this.o.fixtures?.start()) ?? []) this.o.onOutput?.('primary', `warning: lab fixture: ${f}`);
    this.schedulePoll();
    this.spawnMember('primary');
    // The secondary joins a little later, as a standby normally does; it then syncs.
    await sleep(this.o.clock, 50);
    this.spawnMember('secondary');
    const end = this.o.clock.monotonicNow() + READY_TIMEOUT_MS;
    const listeners: Awaited<ReturnType<LabVipEngine['start']>>['listeners'] = [];
    while (this.o.clock.monotonicNow() < end) {
      const a = this.activeRole();
      const other = a === 'primary' ? 'secondary' : 'primary';
      // Every planned VIP, not the first: the listeners bind one by one (UDP first), and a fleet
      // given only the first would never send HTTP (seen in CI under load: clients recorded 0/0).
      const m = a ? this.members[a] : undefined;
      if (m && this.members[other].state === 'FSM_FT_STATE_STANDBY_HOT' && m.serving && m.announced.size >= (this.o.vipCount ?? 1)) {
        const failures = [...m.announced.values()].filter((v) => v.error !== undefined).map((v) => ({ ...v, error: `the ${a} member: ${v.error}` }));
        if (failures.length > 0) return { listeners: [], failures, warnings: [] };
        listeners.push(...this.vips);
        break;
      }
      if (!this.alive('primary') && !this.alive('secondary')) break;
      await sleep(this.o.clock, 20);
    }
    if (listeners.length === 0) return { listeners, failures: [{ protocol: 'tcp', address: '-', port: 0, error: `the pair did not reach ACTIVE (serving every VIP) + STANDBY_HOT within ${READY_TIMEOUT_MS / 1000} s (see the notes)` }], warnings: [] };
    return { listeners, failures: [], warnings: [] };
  }

  /** VIP listeners announced by the members' `ft.listener` lines (same on both). */
  private readonly vips: { vip: string; protocol: 'tcp' | 'udp'; address: string; port: number }[] = [];

  private spawnMember(role: PairRole): void {
    const m = this.members[role];
    const peer = role === 'primary' ? this.o.ftAddresses.secondary : this.o.ftAddresses.primary;
    const args = [
      this.o.cli,
      'run',
      this.o.configFile,
      ...this.o.maps.flatMap((x) => ['--map', x]),
      '--port-offset',
      String(this.o.portOffset),
      '--time-scale',
      String(this.o.timeScale),
      '--ft-member',
      role,
      '--ft-port',
      String(this.o.ftPort),
      ...(this.o.netns ? this.o.netns.args : ['--ft-peer-via', relayAddressFor(peer)]),
      '--events',
      m.events,
      '--mgmt',
      `127.0.0.1:${this.o.mgmtPorts[role]}`,
      '--mgmt-token-file',
      join(this.dir, 'token'),
      '--log-level',
      'warn',
    ];
    // In a namespace: `ip netns exec` execs node, so the pid stays the member's.
    const proc = this.o.netns ? spawn('ip', ['netns', 'exec', this.o.netns.nsOf[role], process.execPath, ...args], { stdio: ['ignore', 'pipe', 'pipe'] }) : spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    m.proc = proc;
    m.state = 'none';
    m.serving = false;
    m.announced.clear();
    for (const s of [proc.stdout!, proc.stderr!]) {
      createInterface({ input: s, crlfDelay: Infinity }).on('line', (l) => this.onLine(role, l));
    }
  }

  private onLine(role: PairRole, line: string): void {
    const vip = /^VIP (\S+) (tcp|udp) (\d+\.\d+\.\d+\.\d+):(\d+) (?:listening|NOT listening: (.*))/.exec(line);
    if (vip) this.members[role].announced.set(`${vip[2]} ${vip[3]}:${vip[4]}`, { protocol: vip[2] as 'tcp' | 'udp', address: vip[3]!, port: Number(vip[4]), ...(vip[5] !== undefined ? { error: vip[5] } : {}) });
    if (vip && vip[5] === undefined && !this.vips.some((v) => v.address === vip[3] && v.port === Number(vip[4]) && v.protocol === vip[2])) {
      this.vips.push({ vip: vip[1]!, protocol: vip[2] as 'tcp' | 'udp', address: vip[3]!, port: Number(vip[4]) });
    }
    this.o.onOutput?.(role, line);
  }

  private schedulePoll(): void {
    if (this.stopped) return;
    this.poll = this.o.clock.setTimer(10, () => {
      void this.readEvents().finally(() => this.schedulePoll());
    });
  }

  private async readEvents(): Promise<void> {
    for (const m of Object.values(this.members)) await m.tail.read((l) => this.onEventLine(m, l));
  }

  private onEventLine(m: Member, line: string): void {
    let e: { type?: unknown; wallMs?: unknown; [k: string]: unknown };
    try {
      e = JSON.parse(line) as typeof e;
    } catch {
      return;
    }
    if (typeof e.type !== 'string' || typeof e.wallMs !== 'number') return;
    const atMs = onClock(this.o.clock, e.wallMs);
    if (e.type === 'ft.group' && typeof e['to'] === 'string') m.state = e['to'];
    if (e.type === 'ft.vips') m.serving = e['serving'] === true;
    const ev: PairEvent = { ...e, role: m.role, atMs, type: e.type };
    for (const cb of this.eventCbs) cb(ev);
    // Real-server verdicts count only from the member serving the VIPs.
    if (e.type === 'real.state' && m.state === 'FSM_FT_STATE_ACTIVE') {
      for (const cb of this.realCbs) cb({ atMs, farm: String(e['farm']), address: String(e['address']), to: String(e['to']) });
    }
  }

  /** Applies a balancer fault; returns what was done (for the report), or an error message. */
  async fault(kind: BalancerFaultKind, role?: PairRole): Promise<{ ok: boolean; message: string }> {
    const active = this.activeRole();
    switch (kind) {
      case 'kill-active':
      case 'kill-standby': {
        const target = role ?? (kind === 'kill-active' ? active : active === 'primary' ? 'secondary' : active === 'secondary' ? 'primary' : undefined);
        if (!target || !this.alive(target)) return { ok: false, message: `${kind}: no ${kind === 'kill-active' ? 'active' : 'standby'} member is running` };
        const p = this.members[target].proc!;
        p.kill('SIGKILL');
        await once(p, 'exit');
        this.members[target].state = 'killed';
        return { ok: true, message: `SIGKILL ${target} (pid ${p.pid})` };
      }
      case 'restart': {
        const target = role ?? (['primary', 'secondary'] as const).find((r) => !this.alive(r));
        if (!target) return { ok: false, message: 'restart: both members are running' };
        if (this.alive(target)) return { ok: false, message: `restart: ${target} is running` };
        this.spawnMember(target);
        return { ok: true, message: `started ${target} again` };
      }
      case 'cut-ft-link':
      case 'restore-ft-link':
        if (this.o.netns) {
          const err = await this.o.netns.cutLink(kind === 'cut-ft-link');
          if (err !== undefined) return { ok: false, message: `${kind}: ${err}` };
        }
        this.relay?.setCut(kind === 'cut-ft-link');
        return { ok: true, message: kind === 'cut-ft-link' ? 'FT link cut' : 'FT link restored' };
      case 'cut-query-link':
      case 'restore-query-link': {
        // On loopback the members reach each other's query address directly: only the namespaces have a query VLAN to cut.
        if (!this.o.netns) return { ok: false, message: `${kind}: only the network-namespace lab (--netns) has a query VLAN to cut` };
        const err = await this.o.netns.cutQuery(kind === 'cut-query-link');
        return err === undefined ? { ok: true, message: kind === 'cut-query-link' ? 'query VLAN cut' : 'query VLAN restored' } : { ok: false, message: `${kind}: ${err}` };
      }
      case 'switchover': {
        if (!active) return { ok: false, message: 'switchover: no active member' };
        if (this.o.netns) return this.switchoverInNamespace(active, this.o.netns.nsOf[active]);
        try {
          const res = await fetch(`http://127.0.0.1:${this.o.mgmtPorts[active]}/api/ft/switchover`, { method: 'POST', headers: { authorization: `Bearer ${this.token}`, 'content-type': 'application/json' }, body: '{}' });
          const body = await res.text();
          return { ok: res.ok, message: `ft switchover on ${active}: ${res.status} ${body.slice(0, 200)}` };
        } catch (e) {
          return { ok: false, message: `ft switchover on ${active}: ${String(e)}` };
        }
      }
    }
  }

  /**
   * `ft switchover` on a member in its namespace: its API listens on the namespace's own loopback,
   * so a short node process inside the namespace asks it. The token is read from the run's token
   * file (never on a command line); the request is bounded by the child's own 10 s abort.
   */
  private async switchoverInNamespace(role: PairRole, ns: string): Promise<{ ok: boolean; message: string }> {
    const script = [
      "const [port, tokenFile] = process.argv.slice(1);",
      "const token = require('fs').readFileSync(tokenFile, 'utf8').trim();",
      "fetch('http://127.0.0.1:' + port + '/api/ft/switchover', { method: 'POST', headers: { authorization: 'Bearer ' + token, 'content-type': 'application/json' }, body: '{}', signal: AbortSignal.timeout(10000) })",
      "  .then(async (r) => { process.stdout.write(r.status + ' ' + (await r.text()).slice(0, 200)); process.exitCode = r.ok ? 0 : 1; })",
      "  .catch((e) => { process.stdout.write(String(e)); process.exitCode = 1; });",
    ].join('\n');
    const r = await runCommand('ip', ['netns', 'exec', ns, process.execPath, '-e', script, String(this.o.mgmtPorts[role]), join(this.dir, 'token')]);
    const said = (r.stdout || r.stderr).trim();
    return { ok: r.code === 0, message: `ft switchover on ${role} (in ${ns}): ${said}` };
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    await this.readEvents().catch(() => {});
    this.stopped = true;
    this.poll?.();
    await Promise.all(
      Object.values(this.members).map(async (m) => {
        const p = m.proc;
        if (!p || p.exitCode !== null || p.signalCode !== null) return;
        p.kill('SIGTERM');
        const t = new Promise<'late'>((r) => this.o.clock.setTimer(STOP_GRACE_MS, () => r('late')));
        if ((await Promise.race([once(p, 'exit').then(() => 'done' as const), t])) === 'late') {
          p.kill('SIGKILL');
          await once(p, 'exit');
        }
      }),
    );
    await this.relay?.stop();
    await this.o.fixtures?.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
