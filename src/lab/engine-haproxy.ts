// The lab's second VIP engine: HAProxy 2.6 fronting the simulated nodes with
// the config `acesim export --to haproxy` makes of the (mapped, time-scaled)
// model, so the same scenario can be measured on both engines. HAProxy runs
// in the foreground (-db) as a child process, started and stopped by its PID;
// it prints each server state change on stderr ("Server be/srv is DOWN …"),
// which becomes a `real.state` event stamped on the injected Clock when the
// line arrives — timings come from events, as with acesim's own engine.
// Invariants: one process per engine; stop() kills it by PID (SIGTERM, then
// SIGKILL) and removes its config directory; credentials reach HAProxy only
// through its environment, never through the config file or a log.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Model } from '../config/model.js';
import type { Clock } from '../core/clock.js';
import { sleep } from '../core/real-clock.js';
import { exportContext } from '../export/export-common.js';
import { haproxyProbeFor } from '../export/haproxy-backend.js';
import { authEnvName } from '../export/haproxy-check.js';
import { exportHaproxy } from '../export/haproxy.js';

/** What the lab needs of a VIP engine (acesim's runtime has the same shape). */
export interface LabVipEngine {
  onRealState(cb: (e: { atMs: number; farm: string; address: string; to: string }) => void): void;
  start(): Promise<{ listeners: { vip: string; protocol: 'tcp' | 'udp'; address: string; port: number }[]; failures: { protocol: 'tcp' | 'udp'; address: string; port: number; error: string }[]; warnings: string[] }>;
  stop(): Promise<void>;
}

/** `to` of the event for farms HAProxy does not run (UDP VIPs): the lab leaves them out of detection. */
export const NOT_EXPORTED = 'NOT-EXPORTED';
const READY_TIMEOUT_MS = 5000;
const STOP_GRACE_MS = 2000;

/** `[WARNING]  (123) : Server be_X/TMS01 is DOWN, reason: …` → backend, server, state. */
export function parseStateLine(line: string): { backend: string; server: string; up: boolean } | undefined {
  const m = /Server ([^/\s]+)\/(\S+) is (UP|DOWN)\b/.exec(line);
  return m ? { backend: m[1]!, server: m[2]!, up: m[3] === 'UP' } : undefined;
}

export function haproxyAvailable(bin = 'haproxy'): Promise<boolean> {
  return new Promise((resolve) => {
    const p = spawn(bin, ['-v'], { stdio: 'ignore' });
    p.on('error', () => resolve(false));
    p.on('exit', (code) => resolve(code === 0));
  });
}

export class HaproxyEngine implements LabVipEngine {
  private proc: ChildProcess | undefined;
  private dir: string | undefined;
  private readonly listeners: ((e: { atMs: number; farm: string; address: string; to: string }) => void)[] = [];
  private readonly stderrTail: string[] = [];

  /** reassign: acesim's runtime retries a refused connect once on another real; HAProxy does the same with `retries 1` + `option redispatch 1`. */
  constructor(private readonly o: { model: Model; context: string; clock: Clock; reassign?: boolean; bin?: string }) {}

  onRealState(cb: (e: { atMs: number; farm: string; address: string; to: string }) => void): void {
    this.listeners.push(cb);
  }

  async start(): ReturnType<LabVipEngine['start']> {
    const { model, clock } = this.o;
    const ctx = exportContext(model, this.o.context)!;
    const exp = exportHaproxy(model, { context: this.o.context, source: 'acesim lab', ...(this.o.reassign !== false ? { defaultsLines: ['# the lab\'s connect-failure reassign, as acesim\'s runtime does it', 'retries 1', 'option redispatch 1'] } : {}) });
    const env: NodeJS.ProcessEnv = { ...process.env };
    for (const p of ctx.probes) {
      if (p.credentials?.password !== undefined) env[authEnvName(p.name)] = `Basic ${Buffer.from(`${p.credentials.username}:${p.credentials.password.reveal()}`).toString('base64')}`;
    }
    this.dir = mkdtempSync(join(tmpdir(), 'acesim-haproxy-'));
    const cfg = join(this.dir, 'haproxy.cfg');
    writeFileSync(cfg, exp.text);
    const emit = (e: { atMs: number; farm: string; address: string; to: string }): void => {
      for (const l of this.listeners) l(e);
    };
    // Farms HAProxy does not run are marked so detection is measured over the farms it does run.
    const served = new Set([...exp.backends.values()].map((b) => b.farm));
    for (const sf of ctx.serverfarms) {
      if (served.has(sf.name)) continue;
      for (const m of sf.members) {
        const address = ctx.rservers.find((r) => r.name === m.rserver.name)?.ipAddress;
        if (address) emit({ atMs: clock.monotonicNow(), farm: sf.name, address, to: NOT_EXPORTED });
      }
    }
    const proc = spawn(this.o.bin ?? 'haproxy', ['-db', '-f', cfg], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    this.proc = proc;
    let spawnError: string | undefined;
    proc.on('error', (e) => (spawnError = e.message));
    let buf = '';
    proc.stderr!.setEncoding('utf8');
    proc.stderr!.on('data', (chunk: string) => {
      const at = clock.monotonicNow();
      buf += chunk;
      const lines = buf.split('\n');
      buf = lines.pop()!;
      for (const line of lines) {
        this.stderrTail.push(line);
        if (this.stderrTail.length > 20) this.stderrTail.shift();
        const s = parseStateLine(line);
        const b = s ? exp.backends.get(s.backend) : undefined;
        const address = s ? b?.servers.get(s.server) : undefined;
        if (s && b && address) emit({ atMs: at, farm: b.farm, address, to: s.up ? 'OPERATIONAL' : 'PROBE-FAILED' });
      }
    });
    const listeners = exp.frontends.filter((f) => f.port !== undefined).map((f) => ({ vip: f.name, protocol: 'tcp' as const, address: f.address, port: f.port! }));
    const warnings = exp.diagnostics.filter((d) => d.severity === 'warning').map((d) => `haproxy export ${d.code} (line ${d.line}): ${d.message}`);
    warnings.push('HAProxy connects to the nodes from its own address (usesrc clientip needs TPROXY): source mismatches are expected');
    // Ready when every frontend accepts a connection (HAProxy prints nothing on a clean start).
    const deadline = clock.monotonicNow() + READY_TIMEOUT_MS;
    for (const l of listeners) {
      while (!(await canConnect(l.address, l.port))) {
        if (spawnError !== undefined || proc.exitCode !== null || clock.monotonicNow() > deadline) {
          const why = spawnError ?? (proc.exitCode !== null ? `haproxy exited with ${proc.exitCode}: ${this.stderrTail.join(' | ')}` : `haproxy did not listen on ${l.address}:${l.port} within ${READY_TIMEOUT_MS} ms`);
          return { listeners: [], failures: [{ ...l, error: why }], warnings };
        }
        await sleep(clock, 20);
      }
    }
    // HAProxy starts a server with just enough health to be UP: until it has passed fall − 1 checks, one
    // failure marks it DOWN. The ACE needs faildetect failures from the start, so the timeline waits.
    const warmup = Math.max(0, ...ctx.serverfarms.filter((f) => served.has(f.name)).map((f) => haproxyProbeFor(ctx, f)).map((p) => (p ? (p.faildetect - 1) * p.intervalMs + p.intervalMs / 2 : 0)));
    await sleep(clock, warmup);
    return { listeners, failures: [], warnings };
  }

  async stop(): Promise<void> {
    const p = this.proc;
    this.proc = undefined;
    if (p && p.exitCode === null && p.signalCode === null && p.pid !== undefined) {
      const exited = once(p, 'exit');
      // kill() by the ChildProcess: it is a no-op, not an ESRCH throw, once the process is gone.
      p.kill('SIGTERM');
      const timer = this.o.clock.setTimer(STOP_GRACE_MS, () => {
        if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
      });
      await exited;
      timer();
    }
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
    this.dir = undefined;
  }
}

function canConnect(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host, port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}
