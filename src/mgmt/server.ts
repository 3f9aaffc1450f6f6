// The management API on a socket: node:http around MgmtApi.handle(), with a
// body size limit and the server-sent-event stream for the dashboard.
// Invariants: a bad request never crashes the process; close() ends every
// open event stream and releases the port. Timebase: none of its own (the
// event stream's cadence is the LiveHub's, on the injected Clock).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { MgmtApi } from './api.js';

/** Config texts are the largest bodies; 8 MiB covers a 200k-line config. */
export const MAX_BODY_BYTES = 8 * 1024 * 1024;

export interface MgmtServer {
  readonly address: string;
  readonly port: number;
  /** http://ADDRESS:PORT */
  readonly url: string;
  close(): Promise<void>;
}

export function parseHostPort(spec: string): { host: string; port: number } | { error: string } {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(spec.trim());
  if (!m) return { error: `expected ADDRESS:PORT (e.g. 127.0.0.1:4710), got "${spec}"` };
  const port = Number(m[3]);
  if (port > 65535) return { error: `port ${port} is out of range` };
  return { host: m[1] ?? m[2]!, port };
}

export async function listenMgmt(api: MgmtApi, host: string, port: number): Promise<MgmtServer> {
  const streams = new Set<http.ServerResponse>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooBig = false;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) tooBig = true;
      else chunks.push(c);
    });
    req.on('error', () => res.destroy());
    req.on('end', () => {
      if (tooBig) {
        res.writeHead(413, { 'content-type': 'application/json' }).end(JSON.stringify({ error: `request body over ${MAX_BODY_BYTES} bytes` }) + '\n');
        return;
      }
      const body = chunks.length > 0 ? Buffer.concat(chunks).toString('utf8') : undefined;
      void api.handle({ method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers, remoteAddress: req.socket.remoteAddress, ...(body !== undefined ? { body } : {}) }).then((r) => {
        if ('events' in r) {
          res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
          streams.add(res);
          const detach = api.live.attach((event, data) => {
            res.write(`event: ${event}\ndata: ${data}\n\n`);
          });
          res.on('close', () => {
            detach();
            streams.delete(res);
          });
          return;
        }
        res.writeHead(r.status, { 'content-type': r.contentType, 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
        res.end(req.method === 'HEAD' ? undefined : r.body);
      });
    });
  });
  server.on('clientError', (_err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const a = server.address() as AddressInfo;
  const shown = a.family === 'IPv6' ? `[${a.address}]` : a.address;
  return {
    address: a.address,
    port: a.port,
    url: `http://${shown}:${a.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of streams) s.end();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
