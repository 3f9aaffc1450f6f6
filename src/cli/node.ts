// `acesim node --address A [--http P]… [--https P]… [--trap P]… [--control P] [--name N]
//               [--credentials USER:PASS]`: one simulated TMS node in the foreground, with
// its fault control API on 127.0.0.1; prints each request it records (with the
// source address it saw) until the signal aborts, then stops cleanly.
import { RealClock } from '../core/real-clock.js';
import { listenControl } from '../lab/control-api.js';
import { SimNode } from '../lab/sim-node.js';
import { selfSignedCert } from '../lab/tls-cert.js';
import { EXIT_OK, EXIT_USAGE, type CliIo } from './io.js';

export interface NodeOptions {
  name: string;
  address: string;
  http: number[];
  https: number[];
  trap: number[];
  control: number;
  credentials?: string;
  quiet?: boolean;
  onStarted?: (info: { controlPort: number }) => void;
}

const validPort = (p: number): boolean => Number.isInteger(p) && p >= 0 && p <= 65535;

export async function runNode(io: CliIo, o: NodeOptions, signal: AbortSignal): Promise<number> {
  if (!/^\d+\.\d+\.\d+\.\d+$/.test(o.address)) return usage(io, `--address must be an IPv4 address, got "${o.address}"`);
  for (const p of [...o.http, ...o.https, ...o.trap, o.control]) if (!validPort(p)) return usage(io, `ports must be integers 0–65535, got ${p}`);
  if (o.http.length + o.https.length + o.trap.length === 0) return usage(io, 'give at least one of --http, --https, --trap');
  let credentials: { username: string; password: string }[] = [];
  if (o.credentials !== undefined) {
    const i = o.credentials.indexOf(':');
    if (i <= 0) return usage(io, '--credentials must be USER:PASSWORD');
    credentials = [{ username: o.credentials.slice(0, i), password: o.credentials.slice(i + 1) }];
  }
  const tls = o.https.length > 0 ? selfSignedCert() : undefined;
  if (o.https.length > 0 && !tls) io.err('acesim node: openssl not found: HTTPS ports are not served');
  const clock = new RealClock();
  const node = new SimNode({
    name: o.name,
    address: o.address,
    clock,
    httpPorts: o.http,
    httpsPorts: o.https,
    udpPorts: o.trap,
    ...(tls ? { tls } : {}),
    credentials,
    onRecord: (r) => {
      if (!o.quiet) io.out(`${o.name} ${r.proto}:${r.port} from ${r.source}${r.path ? ` ${r.path}` : ''}${r.id ? ` id=${r.id}` : ''} -> ${r.status}`);
    },
  });
  try {
    await node.start();
  } catch (e) {
    await node.stop();
    io.err(`acesim node: cannot listen on ${o.address}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
    return EXIT_USAGE;
  }
  const control = await listenControl(node, o.control);
  io.out(`acesim node ${o.name} on ${o.address}: ${node.ports().map((p) => `${p.kind} ${p.port}`).join(', ')}; control API http://127.0.0.1:${control.port} (POST /fault {"fault":"crash"}, GET /records, GET /state)`);
  o.onStarted?.({ controlPort: control.port });
  if (!signal.aborted) await new Promise<void>((r) => signal.addEventListener('abort', () => r(), { once: true }));
  await control.close();
  await node.stop();
  return EXIT_OK;
}

function usage(io: CliIo, m: string): number {
  io.err(`acesim node: ${m}`);
  return EXIT_USAGE;
}
