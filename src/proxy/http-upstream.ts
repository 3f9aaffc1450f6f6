// The upstream side of an L7 VIP: keep-alive connection pools to the reals
// (undici Pools, one per real and local address, so bind-client never reuses a
// connection made for another client), opened through the NetPorts seam with
// the connect timeout on the injected Clock. undici because it forwards a small
// request for about a third of the CPU of node:http's client behind
// http-proxy-3 (docs/BENCHMARKS.md, "The VIP vs HAProxy").
// Invariants: no response timeout of undici's own (the VIP's inactivity
// timeout governs a silent real, as on the ACE); a pool that has no
// connection left is closed and forgotten, so client addresses seen once do
// not pile up pools; an aborted exchange retires its pool (see abort()). Timebase: injected Clock (connect timeout).
import { Pool } from 'undici';
import type { Dispatcher } from 'undici';
import type { Readable } from 'node:stream';
import type { IncomingHttpHeaders } from 'node:http';
import type { Clock } from '../core/clock.js';
import type { NetPorts } from './net-ports.js';
import { connectWithin } from './connect-within.js';

export interface UpstreamTarget {
  address: string;
  port: number;
  /** bind-client: the client's address as the connection's source. */
  localAddress?: string | undefined;
}

export interface UpstreamRequest {
  method: string;
  /** Origin form (starts with `/`). */
  path: string;
  /** Without hop-by-hop fields (undici refuses some of them, RFC 9110 §7.6.1 drops them all). */
  headers: Record<string, string | string[]>;
  body: Readable | null;
}

/** What one upstream exchange reports; exactly one of onResponseEnd / onError ends it. */
export interface UpstreamHandler {
  /** The request has a connected socket (new or pooled) and is being written. */
  onConnected(): void;
  onResponseStart(status: number, statusMessage: string, headers: IncomingHttpHeaders, control: { pause(): void; resume(): void }): void;
  /** False when the client cannot take more now: the upstream is paused until control.resume(). */
  onResponseData(chunk: Buffer): void;
  onResponseEnd(): void;
  onError(err: Error & { code?: string }): void;
}

export interface UpstreamExchange {
  /** The client is gone: stop the exchange (no further callbacks). */
  abort(): void;
}

export class UpstreamPools {
  private readonly pools = new Map<string, Pool>();

  constructor(
    private readonly net: NetPorts,
    private readonly clock: Clock,
    private readonly connectTimeoutMs: number,
  ) {}

  dispatch(target: UpstreamTarget, req: UpstreamRequest, h: UpstreamHandler): UpstreamExchange {
    const key = `${target.address}:${target.port}/${target.localAddress ?? ''}`;
    const pool = this.poolFor(key, target);
    let controller: Dispatcher.DispatchController | undefined;
    let aborted = false;
    let done = false;
    const handler: Dispatcher.DispatchHandler = {
      onRequestStart(c) {
        controller = c;
        if (aborted) c.abort(new Error('client gone'));
        else h.onConnected();
      },
      onResponseStart(c, status, headers, statusMessage) {
        if (aborted || status < 200) return;
        h.onResponseStart(status, statusMessage ?? '', headers, c);
      },
      onResponseData(_c, chunk) {
        if (!aborted) h.onResponseData(chunk);
      },
      onResponseEnd() {
        if (done || aborted) return;
        done = true;
        h.onResponseEnd();
      },
      onResponseError(_c, err) {
        if (done || aborted) return;
        done = true;
        h.onError(err);
      },
    };
    try {
      pool.dispatch({ origin: `http://${target.address}:${target.port}`, method: req.method, path: req.path, headers: req.headers, body: req.body }, handler);
    } catch (err) {
      // A pool closing under the listener's shutdown: reported like any upstream failure.
      done = true;
      h.onError(err as Error);
    }
    return {
      abort: () => {
        if (aborted || done) return;
        aborted = true;
        controller?.abort(new Error('client gone'));
        // undici closes the aborted request's socket but queues the request again and opens a fresh connection
        // for it, which then sits idle on the real (a hung one, typically). Closing the pool (new requests get a
        // new one) lets its other requests finish and then closes that connection too.
        this.retire(key, pool);
      },
    };
  }

  async destroy(): Promise<void> {
    const all = [...this.pools.values()];
    this.pools.clear();
    await Promise.all(all.map((p) => p.destroy().catch(() => {})));
  }

  private retire(key: string, pool: Pool): void {
    if (this.pools.get(key) !== pool) return;
    this.pools.delete(key);
    void pool.close().catch(() => {});
  }

  private poolFor(key: string, t: UpstreamTarget): Pool {
    let p = this.pools.get(key);
    if (p !== undefined) return p;
    const { net, clock, connectTimeoutMs } = this;
    p = new Pool(`http://${t.address}:${t.port}`, {
      headersTimeout: 0,
      bodyTimeout: 0,
      connect: (_opts, cb) => {
        const { socket } = connectWithin(net, clock, { host: t.address, port: t.port, ...(t.localAddress !== undefined ? { localAddress: t.localAddress } : {}) }, connectTimeoutMs, (err) => (err ? cb(err, null) : cb(null, socket)));
        socket.allowHalfOpen = false;
        return socket;
      },
    });
    const pool = p;
    const forget = (): void => {
      // No connection left and nothing waits: a pool for a client address that may never come back.
      const s = pool.stats;
      if (s.connected === 0 && s.pending === 0 && s.running === 0) this.retire(key, pool);
    };
    pool.on('disconnect', forget);
    pool.on('connectionError', forget);
    this.pools.set(key, pool);
    return pool;
  }
}
