// A blackhole on loopback that behaves like a pulled cable: connection
// attempts time out (SYNs dropped) instead of completing. Linux completes the
// TCP handshake in the kernel for any listening socket until its accept queue
// is full, and then drops further SYNs (tcp_abort_on_overflow = 0, the
// default). So the node hands its listening sockets to a holder process,
// stops that process (SIGSTOP: it never accepts again), closes its own copy,
// and fills each accept queue with filler connections of its own. From then on
// every new connection attempt gets no answer at all. release() kills the
// holder by its PID (the kernel then resets the queued connections) so the
// node can listen on the ports again.
// Invariants: at most one holder process per Blackhole; it is killed by PID
// in release(), and on process exit if release() never ran. Timebase: the
// injected Clock (fill settling and verification timeouts).
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import type { Clock } from '../core/clock.js';
import { sleep } from '../core/real-clock.js';

/** Backlog the simulated node listens with (Node's default, said explicitly: the fill count depends on it). */
export const LISTEN_BACKLOG = 511;

/** The holder: takes server handles, accepts nothing on purpose, exits when its parent goes. */
const HOLDER_JS = "process.on('message',(m,h)=>{if(h){h.on('connection',()=>{});process.send('held')}});process.on('disconnect',()=>process.kill(process.pid,'SIGKILL'));";

/** Connections a listening socket's accept queue holds before SYNs are dropped: min(backlog, somaxconn) + 1 on Linux. */
export function acceptQueueCapacity(backlog = LISTEN_BACKLOG): number {
  let somaxconn = 4096;
  try {
    somaxconn = Number(readFileSync('/proc/sys/net/core/somaxconn', 'utf8').trim()) || somaxconn;
  } catch {
    // not Linux: the fill below stops when connects stop completing anyway
  }
  return Math.min(backlog, somaxconn) + 1;
}

const HOLD_TIMEOUT_MS = 5_000;
const live = new Set<ChildProcess>();
let exitHook = false;
/** A stopped holder outliving us would keep the ports: kill any left (by PID) when this process exits. */
function guardExit(): void {
  if (exitHook) return;
  exitHook = true;
  process.on('exit', () => {
    // ChildProcess.kill signals its PID and, unlike process.kill, does not throw ESRCH for a
    // child already reaped whose exit is not reported yet.
    for (const c of live) c.kill('SIGKILL');
  });
}

export interface EngageResult {
  /** Filler connections that completed (summed over ports). */
  filled: number;
  /** True when a verification connect to every port timed out (the queues are full). */
  full: boolean;
}

export class Blackhole {
  private holder: ChildProcess | undefined;
  private readonly fillers = new Set<net.Socket>();

  constructor(
    private readonly clock: Clock,
    /** Local address the filler connections come from (the node's own). */
    private readonly address: string,
  ) {}

  get holderPid(): number | undefined {
    return this.holder?.pid;
  }

  /** Starts the holder process ahead of the fault, so engaging costs no process start (~100 ms). */
  async prepare(): Promise<void> {
    if (this.holder) return;
    guardExit();
    const child = spawn(process.execPath, ['-e', HOLDER_JS], { stdio: ['ignore', 'ignore', 'ignore', 'ipc'] });
    child.on('error', () => {});
    this.holder = child;
    live.add(child);
    await once(child, 'spawn');
    // A signal that kills this process skips the exit hook, and a stopped holder cannot notice
    // the lost IPC channel: a shell watchdog kills it once this process is gone.
    if (child.pid !== undefined) {
      const dog = spawn('sh', ['-c', `while kill -0 ${process.pid} 2>/dev/null && kill -0 ${child.pid} 2>/dev/null; do sleep 1; done; kill -9 ${child.pid} 2>/dev/null`], { stdio: 'ignore' });
      dog.on('error', () => {});
      dog.unref();
      child.once('exit', () => {
        // The watchdog may have seen the holder go and ended first: kill() is then a no-op.
        if (dog.exitCode === null && dog.signalCode === null) dog.kill('SIGKILL');
      });
    }
    child.once('exit', () => live.delete(child));
  }

  /**
   * Takes over the listening servers (closed here on return) and fills their accept queues.
   * `onSilent` runs once nothing accepts any more (holder stopped, our copies closed): the
   * moment the cable is pulled; connections completing during the fill are never answered.
   */
  async engage(servers: { server: net.Server; port: number }[], onSilent?: () => void): Promise<EngageResult> {
    await this.prepare();
    const child = this.holder!;
    for (const s of servers) {
      // Never wait forever on the holder: a holder that died or stalls fails the fault instead.
      let cancel = (): void => {};
      const acked = Promise.race([
        once(child, 'message').then(() => 'held' as const),
        once(child, 'exit').then(() => 'exited' as const),
        new Promise<'late'>((r) => (cancel = this.clock.setTimer(HOLD_TIMEOUT_MS, () => r('late')))),
      ]);
      child.send('hold', s.server);
      const how = await acked;
      cancel();
      if (how !== 'held') {
        await this.release();
        throw new Error(how === 'exited' ? 'the blackhole holder process exited' : `the blackhole holder did not take the socket within ${HOLD_TIMEOUT_MS} ms`);
      }
    }
    if (child.pid !== undefined) process.kill(child.pid, 'SIGSTOP');
    // Stop accepting at once; close()'s callback waits for every open connection to end, and a
    // pulled cable leaves established connections open (a keep-alive client may hold one for
    // minutes), so waiting for it could stall the fault and every fault after it.
    for (const s of servers) s.server.close();
    onSilent?.();
    let filled = 0;
    let full = true;
    for (const s of servers) {
      filled += await this.fill(s.port, acceptQueueCapacity());
      if (await this.connects(s.port, 100)) full = false;
    }
    return { filled, full };
  }

  /** Kills the holder by PID and waits for it, closes the fillers: the ports can be listened on again. */
  async release(): Promise<void> {
    for (const s of this.fillers) s.destroy();
    this.fillers.clear();
    const child = this.holder;
    this.holder = undefined;
    if (!child || child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.kill('SIGKILL');
    await exited;
  }

  /** Opens up to n connections in parallel; returns when all completed or none completed for 50 ms. */
  private async fill(port: number, n: number): Promise<number> {
    let done = 0;
    let last = this.clock.monotonicNow();
    for (let i = 0; i < n; i++) {
      const s = net.connect({ host: this.address, port, localAddress: this.address });
      s.on('error', () => {});
      s.once('connect', () => {
        done++;
        last = this.clock.monotonicNow();
      });
      this.fillers.add(s);
    }
    while (done < n && this.clock.monotonicNow() - last < 50) await sleep(this.clock, 10);
    return done;
  }

  private connects(port: number, timeoutMs: number): Promise<boolean> {
    return new Promise((resolve) => {
      const s = net.connect({ host: this.address, port, localAddress: this.address });
      this.fillers.add(s);
      s.on('error', () => resolve(false));
      const cancel = this.clock.setTimer(timeoutMs, () => resolve(false));
      s.once('connect', () => {
        cancel();
        resolve(true);
      });
    });
  }
}
