// One upstream TCP connection through the NetPorts seam, bounded by a connect
// timeout: the L7 pools (http-upstream.ts) and the protocol-switch exchanges
// (http-upgrade.ts) open theirs here, so both time out alike. Invariants:
// `settle` runs at most once (connected, failed, or timed out) and never
// synchronously; on expiry the socket is destroyed with the ETIMEDOUT error it
// settles with, so whoever else reads the socket (node:http's client) sees that
// same error. Timebase: the injected Clock.
import type { Socket } from 'node:net';
import type { CancelTimer, Clock } from '../core/clock.js';
import type { NetPorts } from './net-ports.js';

export interface ConnectTarget {
  host: string;
  port: number;
  /** The connection's source address (bind-client transparency). */
  localAddress?: string;
}

export interface PendingConnect {
  /** Connecting now; the caller's from the start (node:http takes it before it connects). */
  readonly socket: Socket;
  /** Stops the timer only: a caller giving up destroys the socket, which then never settles. */
  readonly cancel: CancelTimer;
}

/** Starts a connection that must complete within `timeoutMs` on `clock`; `settle` gets undefined once connected, else the error. */
export function connectWithin(net: NetPorts, clock: Clock, target: ConnectTarget, timeoutMs: number, settle: (err: NodeJS.ErrnoException | undefined) => void): PendingConnect {
  const socket = net.connectTcp({ host: target.host, port: target.port, ...(target.localAddress !== undefined ? { localAddress: target.localAddress } : {}) });
  let settled = false;
  // A deadline (judged after the ready I/O): a connect that completed in time is no timeout on a late loop.
  const cancel = clock.setDeadline(timeoutMs, () => {
    if (settled) return;
    settled = true;
    const err: NodeJS.ErrnoException = Object.assign(new Error('connect timeout'), { code: 'ETIMEDOUT' });
    socket.destroy(err);
    settle(err);
  });
  socket.once('connect', () => {
    if (settled) return;
    settled = true;
    cancel();
    settle(undefined);
  });
  // Still attached when the timer fires: the error destroy() emits then must not go unhandled.
  socket.once('error', (err: NodeJS.ErrnoException) => {
    if (settled) return;
    settled = true;
    cancel();
    settle(err);
  });
  return { socket, cancel };
}
