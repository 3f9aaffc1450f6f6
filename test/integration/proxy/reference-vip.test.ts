// `acesim run examples/tms-ace.conf --map 10.0.0.0/8=127.0.0.0/8 --port-offset N`
// in front of two stand-in TMS nodes on loopback: HTTP and HTTPS (passthrough)
// reach a node that sees the client's own address, stickiness per source
// address, SNMP traps (UDP 162) relayed with the client's source.
import t from 'tap';
import snmp from 'net-snmp';
import { readFile } from 'node:fs/promises';
import { runRun } from '../../../src/cli/run.js';
import type { CliIo } from '../../../src/cli/io.js';
import { TmsNode, get, hasOpenssl, makeCert, udpExchange, waitFor } from './tms-nodes.js';

const N = 20000 + Math.floor(Math.random() * 20000);
const VIP = '127.0.200.40';

t.test('the reference TMS VIP on loopback', { skip: hasOpenssl() ? false : 'openssl CLI not found' }, async (t) => {
  const tls = makeCert();
  const nodes = [new TmsNode('tms01', '127.0.200.50'), new TmsNode('tms02', '127.0.200.60')];
  for (const n of nodes) await n.start({ http: 80 + N, https: 443 + N, udp: 162 + N }, tls);
  t.teardown(() => Promise.all(nodes.map((n) => n.stop())));

  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = { out: (s) => void out.push(s), err: (s) => void err.push(s), readFile: (p) => readFile(p, 'utf8') };
  const ac = new AbortController();
  let listeners: { vip: string; protocol: string; address: string; port: number }[] = [];
  const done = runRun(io, { file: 'examples/tms-ace.conf', maps: ['10.0.0.0/8=127.0.0.0/8'], portOffset: N, logLevel: 'warn', onStarted: (l) => (listeners = l) }, ac.signal);
  t.teardown(async () => {
    ac.abort();
    await done;
  });
  t.ok(await waitFor(() => listeners.length > 0, 5000), `listeners up (stderr: ${err.join(' ')})`);
  t.same(
    listeners.map((l) => `${l.protocol} ${l.address}:${l.port}`).sort(),
    [`tcp ${VIP}:${443 + N}`, `tcp ${VIP}:${80 + N}`, `udp ${VIP}:${161 + N}`, `udp ${VIP}:${162 + N}`].sort(),
    'one listener per VIP class',
  );
  t.ok(out.some((l) => l.startsWith('VIP L4-CLASS-TMS-WEB-80 tcp')), 'a startup line per listener');
  t.ok(out.some((l) => /^rserver TMS01 127\.0\.200\.50:\d+ in SFARM-TMS-WEB-80: OPERATIONAL/.test(l)), 'a startup line per rserver');

  await t.test('HTTP: the node sees the client address; sticky per source', async (t) => {
    const a = await get('http', VIP, 80 + N, '127.0.100.7');
    t.equal(a.status, 200);
    t.equal(a.remote, '127.0.100.7', 'node saw the client address, not the balancer');
    for (let i = 0; i < 4; i++) {
      const again = await get('http', VIP, 80 + N, '127.0.100.7');
      t.equal(again.node, a.node, 'same client address → same node');
    }
    const seenNodes = new Set<string>();
    for (let i = 1; i <= 12; i++) {
      const r = await get('http', VIP, 80 + N, `127.0.100.${20 + i}`);
      t.equal(r.remote, `127.0.100.${20 + i}`);
      seenNodes.add(r.node ?? '?');
    }
    t.same([...seenNodes].sort(), ['tms01', 'tms02'], 'different client addresses spread over both nodes');
  });

  await t.test('HTTPS passes through untouched (the node holds the certificate)', async (t) => {
    const a = await get('https', VIP, 443 + N, '127.0.100.8');
    t.equal(a.status, 200);
    t.equal(a.remote, '127.0.100.8');
    const b = await get('https', VIP, 443 + N, '127.0.100.8');
    t.equal(b.node, a.node, 'sticky on 443 too');
  });

  await t.test('SNMP trap over UDP 162 reaches one node with the client source', async (t) => {
    const before = nodes.map((n) => n.clients('udp').length);
    // A real SNMPv2c trap PDU, encoded by net-snmp (as a managed system would send it).
    const msg = trapBytes();
    const r = await udpExchange(VIP, 162 + N, '127.0.100.9', msg);
    t.match(r.reply, /^ack:tms0[12]:\d+$/, 'the node reply is relayed back');
    t.equal(r.from, `${VIP}:${162 + N}`, 'the reply comes from the VIP');
    const after = nodes.map((n) => n.clients('udp'));
    const got = after.flatMap((l, i) => l.slice(before[i]));
    t.same(got, ['127.0.100.9'], 'exactly one node saw the trap, from the client address');
    t.equal(r.reply?.split(':')[2], String(msg.length), 'payload length unchanged');
  });

  ac.abort();
  t.equal(await done, 0, 'runRun returns 0 after the signal');
  t.ok(out.includes('acesim run: stopped'));
});

function trapBytes(): Buffer {
  // net-snmp has no public encoder for a bare trap; capture what a session sends instead.
  const captured: Buffer[] = [];
  const session = snmp.createSession('127.0.0.1', 'public', { version: snmp.Version2c, trapPort: 9 });
  const dgramSocket = (session as unknown as { dgram: { send: (b: Buffer, ...rest: unknown[]) => void } }).dgram;
  dgramSocket.send = (b: Buffer, ...rest: unknown[]) => {
    captured.push(Buffer.from(b));
    const cb = rest.find((x) => typeof x === 'function') as ((e: null) => void) | undefined;
    cb?.(null);
  };
  // linkUp (1.3.6.1.6.3.1.1.5.4): what a codec sends when an interface comes up.
  session.trap('1.3.6.1.6.3.1.1.5.4', [], () => {});
  session.close();
  return captured[0] ?? Buffer.from('3026020101040670756c6c6963a7190204000000010201000201003010300e06082b06010201010300430100', 'hex');
}
