// The simulated node's control API (HTTP on loopback): apply faults and read
// the node's records from another process (scripts, `acesim node`). Built
// apart from listen() so tests can call handle() directly. Bad input is a
// 400 with a message, never an exception.
import http from 'node:http';
import { once } from 'node:events';
import type { NodeFault, SimNode } from './sim-node.js';

/** Parses a control request body: {"fault":"crash"} | {"fault":"slow","ms":500} | {"fault":"http-error","status":503} | … */
export function parseFault(body: unknown): NodeFault | string {
  if (typeof body !== 'object' || body === null) return 'expected a JSON object like {"fault":"crash"}';
  const b = body as { fault?: unknown; ms?: unknown; status?: unknown };
  const ms = typeof b.ms === 'number' && b.ms >= 0 ? Math.round(b.ms) : undefined;
  switch (b.fault) {
    case 'crash':
    case 'hang':
    case 'blackhole':
      return { kind: b.fault };
    case 'recover':
    case 'up':
      return { kind: 'up' };
    case 'slow':
    case 'flap':
      if (ms === undefined) return `${b.fault} needs "ms" (a non-negative number)`;
      return { kind: b.fault, ms };
    case 'http-error': {
      const status = b.status === undefined ? 503 : b.status;
      if (typeof status !== 'number' || !Number.isInteger(status) || status < 100 || status > 599) return 'http-error "status" must be an integer 100–599';
      return { kind: 'http-error', status };
    }
    default:
      return 'fault must be one of crash, hang, slow, http-error, blackhole, flap, recover';
  }
}

export function controlHandler(node: SimNode): http.RequestListener {
  return (req, res) => {
    const send = (status: number, body: unknown): void => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    const url = new URL(req.url ?? '/', 'http://control');
    if (req.method === 'GET' && url.pathname === '/state') return send(200, { node: node.name, address: node.address, fault: node.state, ports: node.ports() });
    if (req.method === 'GET' && url.pathname === '/records') {
      const since = Number(url.searchParams.get('since') ?? 0);
      return send(200, { records: node.records.slice(Number.isInteger(since) && since > 0 ? since : 0), next: node.records.length });
    }
    if (req.method === 'POST' && url.pathname === '/fault') {
      let text = '';
      req.setEncoding('utf8');
      req.on('data', (c: string) => {
        if (text.length < 10_000) text += c;
      });
      req.on('end', () => {
        let body: unknown;
        try {
          body = JSON.parse(text);
        } catch {
          return send(400, { error: 'body is not JSON' });
        }
        const f = parseFault(body);
        if (typeof f === 'string') return send(400, { error: f });
        node.apply(f).then(
          () => send(200, { node: node.name, fault: node.state }),
          (e: unknown) => send(500, { error: String(e) }),
        );
      });
      return;
    }
    send(404, { error: 'GET /state, GET /records?since=N, POST /fault {"fault": …}' });
  };
}

/** Listens on loopback; returns the port and a close function. */
export async function listenControl(node: SimNode, port: number, host = '127.0.0.1'): Promise<{ port: number; close: () => Promise<void> }> {
  const server = http.createServer(controlHandler(node));
  server.listen(port, host);
  await once(server, 'listening');
  const addr = server.address();
  return {
    port: typeof addr === 'object' && addr ? addr.port : port,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
