// A lab process inside a network namespace (`ip netns exec NS node
// dist/src/lab/netns-worker.js`): sockets belong to the namespace of the
// process that makes them, so the netns lab runs its simulated nodes and its
// client fleet here, unchanged (SimNode, ClientFleet), and talks to them over
// stdin/stdout in JSON lines — no port is needed between namespaces.
// Protocol: the first stdin line is the job ({ role: 'node', … } or
// { role: 'clients', … }; secrets such as the TLS key and probe credentials
// travel here, never on the command line). Then commands ({ cmd: 'fault' |
// 'prepare' | 'start' | 'stop' }), each answered `done` with its id (the lab
// counts the run from the fleet's start, not from sending it); stdin closing
// stops everything and the process ends by itself. Stamps: every event
// carries `wallMs` (the clock's wall time of its monotonic stamp) so the lab
// puts it on its own clock.
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { RealClock } from '../core/real-clock.js';
import { ClientFleet, type FleetOptions } from './clients.js';
import { SimNode, type NodeFault } from './sim-node.js';

export interface NodeJob {
  role: 'node';
  name: string;
  address: string;
  http: number[];
  https: number[];
  udp: number[];
  tls?: { key: string; cert: string };
  credentials: { username: string; password: string }[];
}

/** A client fleet's options as JSON: everything but the clock and the callbacks, which stay in the worker. */
export type ClientsJob = { role: 'clients' } & Omit<FleetOptions, 'clock' | 'onRequest' | 'onTrapSent'>;

export type WorkerJob = NodeJob | ClientsJob;

export type WorkerCommand = { cmd: 'fault'; id: number; fault: NodeFault } | { cmd: 'prepare'; id: number; kind: NodeFault['kind'] } | { cmd: 'start'; id: number } | { cmd: 'stop'; id: number };

/** What a worker prints, one JSON object a line. */
export type WorkerMessage =
  | { t: 'ready' }
  | { t: 'fatal'; message: string }
  | { t: 'done'; id: number; ok: boolean; message?: string; wallMs?: number }
  | { t: 'record'; wallMs: number; record: Record<string, unknown> }
  | { t: 'request'; wallMs: number; event: Record<string, unknown> }
  | { t: 'trap'; wallMs: number; id: string; client: string };

async function main(): Promise<void> {
  const clock = new RealClock();
  const wall = (atMs: number): number => clock.wallOf(atMs);
  const send = (m: WorkerMessage): void => void process.stdout.write(`${JSON.stringify(m)}\n`);
  const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();
  const first = await lines.next();
  if (first.done) return;
  const job = JSON.parse(first.value) as WorkerJob;
  if (job.role === 'node') {
    const node = new SimNode({
      name: job.name,
      address: job.address,
      clock,
      httpPorts: job.http,
      httpsPorts: job.https,
      udpPorts: job.udp,
      ...(job.tls ? { tls: { key: Buffer.from(job.tls.key), cert: Buffer.from(job.tls.cert) } } : {}),
      credentials: job.credentials,
      onRecord: (r) => send({ t: 'record', wallMs: wall(r.atMs), record: { ...r } }),
    });
    try {
      await node.start();
    } catch (e) {
      await node.stop();
      send({ t: 'fatal', message: `cannot listen on ${job.address}: ${(e as NodeJS.ErrnoException).code ?? String(e)}` });
      return;
    }
    send({ t: 'ready' });
    for (;;) {
      const l = await lines.next();
      if (l.done) break;
      const c = JSON.parse(l.value) as WorkerCommand;
      if (c.cmd === 'fault') {
        await node.apply(c.fault).then(
          () => send({ t: 'done', id: c.id, ok: true, wallMs: wall(node.effectiveAtMs) }),
          (e: unknown) => send({ t: 'done', id: c.id, ok: false, message: String(e) }),
        );
      } else if (c.cmd === 'prepare') {
        await node.prepare(c.kind).then(
          () => send({ t: 'done', id: c.id, ok: true }),
          (e: unknown) => send({ t: 'done', id: c.id, ok: false, message: String(e) }),
        );
      }
    }
    await node.stop();
    return;
  }
  const fleet = new ClientFleet({
    clock,
    clients: job.clients,
    ...(job.http ? { http: job.http } : {}),
    ...(job.https ? { https: job.https } : {}),
    ...(job.trap ? { trap: job.trap } : {}),
    httpPerClientPerS: job.httpPerClientPerS,
    httpsPerClientPerS: job.httpsPerClientPerS,
    trapsPerClientPerS: job.trapsPerClientPerS,
    timeoutMs: job.timeoutMs,
    onRequest: (e) => send({ t: 'request', wallMs: wall(e.atMs), event: { ...e } }),
    onTrapSent: (t) => send({ t: 'trap', wallMs: wall(t.atMs), id: t.id, client: t.client }),
  });
  send({ t: 'ready' });
  let started = false;
  for (;;) {
    const l = await lines.next();
    if (l.done) break;
    const c = JSON.parse(l.value) as WorkerCommand;
    if (c.cmd === 'start') {
      if (!started) fleet.start();
      started = true;
      send({ t: 'done', id: c.id, ok: true });
    } else if (c.cmd === 'stop') {
      await fleet.stop();
      send({ t: 'done', id: c.id, ok: true });
    }
  }
  await fleet.stop();
}

const isEntry = process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1];
if (isEntry) {
  main().catch((e: unknown) => {
    process.stdout.write(`${JSON.stringify({ t: 'fatal', message: String(e) })}\n`);
    process.exitCode = 1;
  });
}
