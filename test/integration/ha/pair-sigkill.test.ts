// Two `acesim run --ft-member` processes on loopback with a short heartbeat
// (100 ms × 10): the active is SIGKILLed while clients keep sending; the
// standby takes over the VIP within interval × count, every client keeps its
// node (replicated sticky entries) and the nodes keep seeing each client's
// own address. Measured from the members' --events files.
import t from 'tap';
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { once } from 'node:events';
import { ftPairConfig } from '../../fakes/ft-pair-config.js';

const ROOT = resolve(import.meta.dirname, '../../..');
const BASE = 21000 + (process.pid % 2000);
const VIP_PORT = BASE;
const NODE_PORT = BASE + 1;
const FT_PORT = BASE + 2;

const CONFIG = ftPairConfig({
  head: `probe http P80
  port ${NODE_PORT}
  interval 2
  passdetect interval 2
  faildetect 2
  request method get url /
  expect status 200 200
rserver host N1
  ip address 127.0.211.50
  inservice
rserver host N2
  ip address 127.0.211.60
  inservice
serverfarm host FARM
  probe P80
  rserver N1 ${NODE_PORT}
    inservice
  rserver N2 ${NODE_PORT}
    inservice
sticky ip-netmask 255.255.255.255 address source STICKY
  timeout 10
  replicate sticky
  serverfarm FARM
`,
  vip: '127.0.211.40',
  port: VIP_PORT,
  action: 'sticky-serverfarm STICKY',
  vlan: 100,
  vlanAddress: '127.0.211.1',
  ft: '127.0.212.1',
  ftPeer: '127.0.212.2',
  preempt: true,
});

interface Ev {
  type: string;
  wallMs: number;
  [k: string]: unknown;
}
const readEvents = (f: string): Ev[] => (existsSync(f) ? readFileSync(f, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Ev) : []);

async function until<T>(what: string, fn: () => T | undefined, timeoutMs = 15_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function member(dir: string, role: string): { child: ChildProcess; events: string; out: () => string } {
  const events = join(dir, `${role}.jsonl`);
  let out = '';
  // The built CLI, as a user runs it (`npm test` builds dist/ first).
  const child = spawn(process.execPath, [join(ROOT, 'dist/src/cli/main.js'), 'run', join(dir, 'ace.conf'), '--ft-member', role, '--ft-port', String(FT_PORT), '--events', events, '--log-level', 'warn', '--mgmt', 'none'], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  return { child, events, out: () => out };
}

t.test('SIGKILL of the active member: takeover within heartbeat × count, no sticky entry lost', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'acesim-ft-'));
  writeFileSync(join(dir, 'ace.conf'), CONFIG);
  // Two nodes that answer with their name and the source address they saw.
  const nodes = await Promise.all(
    ['127.0.211.50', '127.0.211.60'].map(async (addr, i) => {
      const s = http.createServer((req, res) => res.end(JSON.stringify({ node: `N${i + 1}`, source: req.socket.remoteAddress })));
      s.listen(NODE_PORT, addr);
      await once(s, 'listening');
      return s;
    }),
  );
  const primary = member(dir, 'primary');
  const secondary = member(dir, 'secondary');
  t.teardown(async () => {
    for (const m of [primary, secondary]) if (m.child.exitCode === null && m.child.signalCode === null) m.child.kill('SIGKILL');
    for (const s of nodes) s.close();
  });

  t.teardown(() => {
    if (t.passing()) return;
    t.comment(`primary output:\n${primary.out()}`);
    t.comment(`secondary output:\n${secondary.out()}`);
  });
  await until('primary active and serving', () => readEvents(primary.events).find((e) => e.type === 'ft.vips' && e['serving'] === true));
  await until('secondary hot', () => readEvents(secondary.events).find((e) => e.type === 'ft.group' && e['to'] === 'FSM_FT_STATE_STANDBY_HOT'));

  const clients = Array.from({ length: 20 }, (_, i) => `127.0.213.${i + 10}`);
  const ask = (src: string): Promise<{ node: string; source: string } | undefined> =>
    new Promise((res) => {
      const req = http.get({ host: '127.0.211.40', port: VIP_PORT, path: '/', localAddress: src, agent: false, timeout: 1000 }, (r) => {
        let body = '';
        r.on('data', (d) => (body += d));
        r.on('end', () => {
          try {
            res(JSON.parse(body) as { node: string; source: string });
          } catch {
            res(undefined);
          }
        });
      });
      req.on('error', () => res(undefined));
      req.on('timeout', () => req.destroy());
    });
  const before = new Map<string, string>();
  for (const c of clients) {
    const r = await ask(c);
    t.ok(r, `client ${c} served before the kill`);
    if (r) {
      before.set(c, r.node);
      t.equal(r.source, c, 'the node sees the client address');
    }
  }
  t.ok(new Set(before.values()).size === 2, 'clients spread over both nodes');
  // Replication is incremental: give it a few heartbeats.
  await new Promise((r) => setTimeout(r, 300));

  const killedAt = Date.now();
  primary.child.kill('SIGKILL');
  await once(primary.child, 'exit');
  const took = await until('secondary serving', () => readEvents(secondary.events).find((e) => e.type === 'ft.vips' && e['serving'] === true));
  const active = readEvents(secondary.events).find((e) => e.type === 'ft.group' && e['to'] === 'FSM_FT_STATE_ACTIVE')!;
  const takeoverMs = active.wallMs - killedAt;
  const servingMs = took.wallMs - killedAt;
  t.ok(takeoverMs > 850 && takeoverMs <= 1000 + 150, `ACTIVE ${takeoverMs} ms after the kill (detect = 100 ms × 10)`);
  t.ok(servingMs - takeoverMs < 500, `VIP bound ${servingMs - takeoverMs} ms after going active`);

  let kept = 0;
  for (const c of clients) {
    const r = await ask(c);
    t.ok(r, `client ${c} served after the takeover`);
    if (r?.node === before.get(c)) kept++;
    if (r) t.equal(r.source, c, 'still the client address');
  }
  t.equal(kept, clients.length, 'every client kept its node: 100 % of replicated sticky entries');

  secondary.child.kill('SIGTERM');
  const [code] = (await once(secondary.child, 'exit')) as [number | null];
  t.equal(code, 0, `secondary stopped cleanly\n${secondary.out()}`);
});
