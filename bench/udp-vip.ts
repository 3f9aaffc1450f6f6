// The UDP VIP under load (issue 5, part 8): SNMP-trap-sized datagrams (a v2c
// trap net-snmp encodes) from 8 loopback client addresses to 2 loopback
// receivers, sent directly, through a plain UDP VIP and through an SNMP trap
// VIP (decode + snmpTrapAddress.0) of `acesim run`: delivered datagrams/s at
// full speed, then loss at a paced 20k/s for DURATION seconds (default 6).
// Senders run in this process, receivers and acesim in their own; every
// process it starts it stops by PID. Writes its section of docs/BENCHMARKS.md.
import { fork, spawn, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import { once } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import snmp from 'net-snmp';
import { runBench, stopChildren, track } from './lib/children.js';
import { writeSection } from './lib/report.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const PACED_S = Math.max(5, Number(process.argv[2] ?? 6));
const BURST_S = 3;
const PACED_RATE = 20_000;
const OFFSET = 20_000;
const TRAP_PORT = 162 + OFFSET; // an SNMP port once --port-offset is applied
const PLAIN_PORT = 5_000 + OFFSET;
const VIP = '127.0.55.1';
const RECEIVERS = ['127.0.56.1', '127.0.56.2'];
const SENDERS = Array.from({ length: 8 }, (_, i) => `127.0.100.${101 + i}`);
/** Sends in flight per sender socket at full speed: enough to keep the kernel busy, bounded memory. */
const WINDOW = 32;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A v2c linkUp trap with an interface index and description, as a codec would send it. */
async function trapDatagram(): Promise<Buffer> {
  const sink = dgram.createSocket('udp4');
  sink.bind(0, '127.0.0.1');
  await once(sink, 'listening');
  const got = once(sink, 'message');
  const session = snmp.createSession('127.0.0.1', 'public', { version: snmp.Version2c, trapPort: sink.address().port });
  session.trap('1.3.6.1.6.3.1.1.5.4', [
    { oid: '1.3.6.1.2.1.2.2.1.1.2', type: snmp.ObjectType.Integer, value: 2 },
    { oid: '1.3.6.1.2.1.2.2.1.2.2', type: snmp.ObjectType.OctetString, value: 'GigabitEthernet0/1 (codec LAN)' },
  ], () => {});
  const [msg] = (await got) as [Buffer];
  session.close();
  sink.close();
  return msg;
}

// Receivers: count datagrams per port; answer { plain, trap } on request.
const RECEIVER_JS = `
import dgram from 'node:dgram';
const counts = { ${PLAIN_PORT}: 0, ${TRAP_PORT}: 0 };
let bound = 0;
for (const a of ${JSON.stringify(RECEIVERS)}) for (const p of [${PLAIN_PORT}, ${TRAP_PORT}]) {
  const s = dgram.createSocket({ type: 'udp4', recvBufferSize: 4 * 1024 * 1024 });
  s.on('message', () => counts[p]++);
  s.bind(p, a, () => { if (++bound === ${RECEIVERS.length * 2}) process.send('ready'); });
}
process.on('message', () => process.send({ plain: counts[${PLAIN_PORT}], trap: counts[${TRAP_PORT}] }));
`;

interface Counts {
  plain: number;
  trap: number;
}

function askCounts(rx: ChildProcess): Promise<Counts> {
  return new Promise((r) => {
    rx.once('message', (m) => r(m as Counts));
    rx.send('count');
  });
}

async function senders(): Promise<dgram.Socket[]> {
  return Promise.all(
    SENDERS.map(async (a) => {
      const s = dgram.createSocket({ type: 'udp4', sendBufferSize: 1024 * 1024 });
      s.bind(0, a);
      await once(s, 'listening');
      return s;
    }),
  );
}

/**
 * Full speed for `seconds`: each socket sends batches of WINDOW and starts the
 * next batch from setImmediate once the batch's callbacks are in (send callbacks
 * can arrive on nextTick, and chaining on them would starve every timer).
 * Returns the datagrams handed to the kernel.
 */
async function blast(socks: dgram.Socket[], target: (i: number) => [string, number], msg: Buffer, seconds: number): Promise<number> {
  let sent = 0;
  let stop = false;
  const until = performance.now() + seconds * 1000;
  const pump = (s: dgram.Socket, i: number): Promise<void> =>
    new Promise((done) => {
      const [host, port] = target(i);
      const batch = (): void => {
        if (stop) return done();
        let pending = WINDOW;
        for (let k = 0; k < WINDOW; k++) {
          s.send(msg, port, host, () => {
            sent++;
            if (--pending === 0) setImmediate(batch);
          });
        }
      };
      batch();
    });
  const all = Promise.all(socks.map(pump));
  while (performance.now() < until) await sleep(50);
  stop = true;
  await all;
  return sent;
}

/** `rate` datagrams/s for `seconds`, spread over the sockets, topped up every millisecond tick. */
async function paced(socks: dgram.Socket[], target: (i: number) => [string, number], msg: Buffer, rate: number, seconds: number): Promise<{ sent: number; errors: number }> {
  let sent = 0;
  let errors = 0;
  const t0 = performance.now();
  const total = rate * seconds;
  while (sent < total) {
    const due = Math.min(total, Math.floor(((performance.now() - t0) / 1000) * rate));
    for (; sent < due; sent++) {
      const i = sent % socks.length;
      const [host, port] = target(i);
      socks[i]!.send(msg, port, host, (err) => {
        if (err) errors++;
      });
    }
    await sleep(1);
  }
  return { sent, errors };
}

interface Row {
  label: string;
  sent: number;
  received: number;
  seconds: number;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'acesim-udp-bench-'));
  const msg = await trapDatagram();
  const rxJs = join(dir, 'receivers.mjs');
  writeFileSync(rxJs, RECEIVER_JS);
  const rx = track(fork(rxJs, [], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] }));
  await once(rx, 'message');

  const conf = join(dir, 'udp.conf');
  writeFileSync(
    conf,
    [
      'access-list ALL line 8 extended permit ip any any',
      ...RECEIVERS.flatMap((a, i) => [`rserver host R${i + 1}`, `  ip address ${a}`, '  inservice']),
      'serverfarm host FARM',
      ...RECEIVERS.flatMap((_, i) => [`  rserver R${i + 1}`, '    inservice']),
      'class-map match-all VIP-TRAP',
      `  match virtual-address ${VIP} udp eq snmptrap`,
      'class-map match-all VIP-PLAIN',
      `  match virtual-address ${VIP} udp eq 5000`,
      'policy-map type loadbalance first-match LB',
      '  class class-default',
      '    serverfarm FARM',
      'policy-map multi-match VIPS',
      '  class VIP-TRAP',
      '    loadbalance vip inservice',
      '    loadbalance policy LB',
      '  class VIP-PLAIN',
      '    loadbalance vip inservice',
      '    loadbalance policy LB',
      'interface vlan 100',
      '  access-group input ALL',
      '  service-policy input VIPS',
      '  no shutdown',
      '',
    ].join('\n'),
  );
  const acesim = track(spawn(process.execPath, [resolve(ROOT, 'dist/src/cli/main.js'), 'run', conf, '--port-offset', String(OFFSET), '--snmp-trap-address', 'all', '--log-level', 'warn'], { stdio: ['ignore', 'pipe', 'inherit'] }));
  let listening = 0;
  acesim.stdout!.on('data', (b: Buffer) => (listening += (b.toString().match(/listening/g) ?? []).length));
  for (let i = 0; i < 100 && listening < 2; i++) await sleep(100);
  if (listening < 2) throw new Error('acesim run did not open its two UDP listeners');

  const socks = await senders();
  const direct = (i: number): [string, number] => [RECEIVERS[i % RECEIVERS.length]!, PLAIN_PORT];
  const viaPlain = (): [string, number] => [VIP, PLAIN_PORT];
  const viaTrap = (): [string, number] => [VIP, TRAP_PORT];
  const rows: Row[] = [];
  const measure = async (label: string, port: 'plain' | 'trap', run: () => Promise<{ sent: number; seconds: number }>) => {
    console.log(label);
    const before = await askCounts(rx);
    const r = await run();
    await sleep(500); // let the last datagrams land
    const after = await askCounts(rx);
    rows.push({ label, sent: r.sent, received: after[port] - before[port], seconds: r.seconds });
  };
  const full = (target: (i: number) => [string, number]) => async () => ({ sent: await blast(socks, target, msg, BURST_S), seconds: BURST_S });
  const pace = (target: (i: number) => [string, number]) => async () => ({ sent: (await paced(socks, target, msg, PACED_RATE, PACED_S)).sent, seconds: PACED_S });

  await measure('direct to the receivers, full speed', 'plain', full(direct));
  await measure('acesim plain UDP VIP, full speed', 'plain', full(viaPlain));
  await measure('acesim SNMP trap VIP (decode + snmpTrapAddress.0), full speed', 'trap', full(viaTrap));
  await measure(`acesim plain UDP VIP, paced ${PACED_RATE / 1000}k/s`, 'plain', pace(viaPlain));
  await measure(`acesim SNMP trap VIP, paced ${PACED_RATE / 1000}k/s`, 'trap', pace(viaTrap));
  for (const s of socks) s.close();
  stopChildren();

  const rate = (r: Row) => r.received / r.seconds;
  const lossPct = (r: Row) => (100 * Math.max(0, r.sent - r.received)) / Math.max(1, r.sent);
  const get = (prefix: string) => rows.find((r) => r.label.startsWith(prefix))!;
  const directRate = rate(get('direct'));
  const trapFull = get('acesim SNMP trap VIP (decode');
  const plainFull = get('acesim plain UDP VIP, full');
  const trapPaced = get('acesim SNMP trap VIP, paced');
  const plainPaced = get('acesim plain UDP VIP, paced');
  const ok = (b: boolean) => (b ? 'PASS' : 'FAIL');
  const body = `${msg.length}-byte SNMPv2c traps (a linkUp with two varbinds, encoded by net-snmp) from ${SENDERS.length} client addresses
(one socket each, ${WINDOW} sends in flight at full speed) to 2 receivers, all on loopback of this ${cpus().length}-core machine: the
senders (this process), \`acesim run\` and the receivers (one process) share the cores. Full speed runs ${BURST_S} s;
paced runs send ${PACED_RATE.toLocaleString('en')}/s for ${PACED_S} s in 1 ms ticks. "received" counts what the receivers got.

| run | sent | received | delivered/s | loss |
|---|---|---|---|---|
${rows.map((r) => `| ${r.label} | ${r.sent.toLocaleString('en')} | ${r.received.toLocaleString('en')} | ${Math.round(rate(r)).toLocaleString('en')} | ${lossPct(r).toFixed(2)} % |`).join('\n')}

| figure | value | target | pass |
|---|---|---|---|
| SNMP trap VIP delivered/s at full speed | ${Math.round(rate(trapFull)).toLocaleString('en')} | ≥ 50,000 | ${ok(rate(trapFull) >= 50_000)} |
| plain UDP VIP delivered/s at full speed | ${Math.round(rate(plainFull)).toLocaleString('en')} | ≥ 50,000 | ${ok(rate(plainFull) >= 50_000)} |
| SNMP trap VIP / direct | ${(rate(trapFull) / directRate).toFixed(2)} | | |
| SNMP trap VIP loss at ${PACED_RATE / 1000}k/s | ${lossPct(trapPaced).toFixed(3)} % (${(trapPaced.sent - trapPaced.received).toLocaleString('en')} of ${trapPaced.sent.toLocaleString('en')}) | 0 | ${ok(trapPaced.received >= trapPaced.sent)} |
| plain UDP VIP loss at ${PACED_RATE / 1000}k/s | ${lossPct(plainPaced).toFixed(3)} % | 0 | ${ok(plainPaced.received >= plainPaced.sent)} |

Load average at the end: ${loadavg().map((x) => x.toFixed(2)).join(' / ')}.`;
  writeSection('udp-vip', 'The UDP VIP: datagrams/s and loss (bench/udp-vip.ts, issue 5)', body);
  console.log(body);
}

runBench('udp-vip', main);
