// The operator surface on real loopback sockets: a running balancer in front
// of two nodes, its management API on a port, the `acesim show`/`rserver`/
// `clear`/`reload` commands against it, the event stream, and a hot reload
// that keeps an established connection and the sticky entries of an
// unchanged group (and changes nothing when the new config has errors).
import t from 'tap';
import http from 'node:http';
import net from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileConfig } from '../../../src/config/compile.js';
import { RealClock } from '../../../src/core/real-clock.js';
import { MgmtApi } from '../../../src/mgmt/api.js';
import { listenMgmt } from '../../../src/mgmt/server.js';
import { createRuntime } from '../../../src/runtime/balancer-runtime.js';
import { runClearSticky, runReloadCommand, runRserverCommand, runShow } from '../../../src/cli/show.js';
import { TmsNode } from '../proxy/tms-nodes.js';
import { configText, SECRETS } from '../../unit/mgmt/fixtures.js';
import { captureIo } from '../../fakes/capture-io.js';

const BASE = 21000 + Math.floor(Math.random() * 20000);
const VP = BASE;
const PP = BASE + 1;
const VIP = '127.0.91.1';
const N1 = '127.0.91.11';
const N2 = '127.0.91.12';
const TOKEN = 'op-token-' + BASE;
const cfg = (extra = ''): string => configText({ vip: VIP, port: VP, probePort: PP, n1: N1, n2: N2, extra });

function echoSocket(local: string): Promise<{ send(s: string): Promise<string>; end(): void }> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: VIP, port: VP, localAddress: local });
    s.setEncoding('utf8');
    s.once('error', reject);
    s.once('connect', () =>
      resolve({
        send: (x) =>
          new Promise((res, rej) => {
            s.once('data', (d: string) => res(d));
            s.once('error', rej);
            s.write(x);
          }),
        end: () => s.end(),
      }),
    );
  });
}

t.test('show, operations, events and hot reload against a running balancer', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'acesim-mgmt-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const nodes = [new TmsNode('n1', N1), new TmsNode('n2', N2)];
  for (const n of nodes) await n.start({ http: PP, raw: VP });
  t.teardown(() => Promise.all(nodes.map((n) => n.stop())));

  const clock = new RealClock();
  const c = compileConfig(cfg(), 'run.conf');
  t.same(c.diagnostics.filter((d) => d.severity === 'error'), []);
  const created = createRuntime({ model: c.model, clock, drainMs: 300 });
  if (!created.ok) throw new Error(created.message);
  const rt = created.runtime;
  const started = await rt.start();
  t.same(started.failures, []);
  t.teardown(() => rt.stop());
  const api = new MgmtApi({ runtime: rt, model: c.model, clock, auth: { token: TOKEN, readsNeedToken: false }, compile: async (text, file) => compileConfig(text, file) });
  const server = await listenMgmt(api, '127.0.0.1', 0);
  t.teardown(async () => {
    await server.close();
    api.dispose();
  });
  const o = { mgmt: server.url, env: { ACESIM_MGMT_TOKEN: TOKEN } };

  // An established connection and the sticky entry it made.
  const conn = await echoSocket('127.0.77.1');
  t.equal(await conn.send('one'), 'one');

  const io = captureIo();
  t.equal(await runShow(io, ['serverfarm', 'FARM'], o), 0);
  t.match(io.outs.join('\n'), /rserver: N1\n {7}127\.0\.91\.11 +8 +OPERATIONAL/);
  const j = captureIo();
  t.equal(await runShow(j, ['sticky', 'database', 'STK'], { ...o, json: true }), 0);
  const groups = (JSON.parse(j.outs.join('')) as { groups: { size: number; entries: { key: string; rserver: string }[] }[] }).groups;
  t.equal(groups[0]!.size, 1);
  const stuckTo = groups[0]!.entries[0]!.rserver;
  t.equal(groups[0]!.entries[0]!.key, '127.0.77.1');
  t.equal(await runShow(captureIo(), ['rserver', 'NOPE'], o), 1, 'an unknown name is a finding');
  t.equal(await runShow(captureIo(), ['bogus'], o), 2);
  const unreachable = captureIo();
  t.equal(await runShow(unreachable, ['stats'], { mgmt: '127.0.0.1:1' }), 2);
  t.match(unreachable.errs.join(''), /cannot reach the management API/);

  // The event stream opens with a full state frame.
  const frame = await new Promise<string>((resolve, reject) => {
    const req = http.get(`${server.url}/events`, (res) => {
      res.setEncoding('utf8');
      res.once('data', (d: string) => {
        resolve(d);
        req.destroy();
      });
    });
    req.on('error', reject);
  });
  t.match(frame, /^event: state\ndata: \{.*"farms"/);

  // A reload with errors changes nothing and returns positioned diagnostics.
  const before = rt.balancer;
  const bad = join(dir, 'bad.conf');
  writeFileSync(bad, cfg('serverfarm host OTHER\n  rserver NOPE\n    inservice\n'));
  const badIo = captureIo();
  t.equal(await runReloadCommand(badIo, bad, o), 1);
  t.match(badIo.errs.join('\n'), /bad\.conf:\d+:\d+: error /);
  t.match(badIo.errs.join('\n'), /nothing changed/);
  t.equal(rt.balancer, before, 'the balancer was not replaced');

  // A valid reload: one more sticky group, N2 heavier. STK is unchanged.
  const good = join(dir, 'good.conf');
  writeFileSync(good, cfg('sticky ip-netmask 255.255.255.0 address source STK2\n  timeout 5\n  serverfarm FARM\n').replace('rserver host N2\n  ip address 127.0.91.12\n', 'rserver host N2\n  ip address 127.0.91.12\n  weight 20\n'));
  const goodIo = captureIo();
  t.equal(await runReloadCommand(goodIo, good, o), 0, goodIo.errs.join('\n'));
  t.match(goodIo.outs.join('\n'), /sticky groups kept with their entries: STK/);
  t.match(goodIo.outs.join('\n'), /1 listener\(s\) kept open/);
  t.not(rt.balancer, before, 'new flows go to a new balancer');
  t.equal(rt.balancer.snapshotRservers('N2')[0]!.farms[0]!.weight, 20, 'the change applied');
  t.equal(await conn.send('two'), 'two', 'the established connection survived the reload');
  const after = rt.balancer.snapshotSticky('STK');
  t.same(after.map((e) => [e.key, e.rserver]), [['127.0.77.1', stuckTo]], 'the sticky entry of the unchanged group survived');
  const again = await echoSocket('127.0.77.1');
  t.equal(await again.send('three'), 'three');
  again.end();
  conn.end();
  const seenBy = nodes.find((n) => n.name === (stuckTo === 'N1' ? 'n1' : 'n2'))!;
  t.equal(seenBy.clients('raw').filter((a) => a === '127.0.77.1').length, 2, 'the new connection went to the stuck node');

  // A reload that changes another group (STK2): a new table, STK's entries copied over.
  const storeBefore = rt.balancer.store;
  const changed = join(dir, 'changed.conf');
  writeFileSync(changed, cfg('sticky ip-netmask 255.255.255.0 address source STK2\n  timeout 6\n  serverfarm FARM\n'));
  const chIo = captureIo();
  t.equal(await runReloadCommand(chIo, changed, o), 0, chIo.errs.join('\n'));
  t.match(chIo.outs.join('\n'), /sticky group STK2: changed/);
  t.not(rt.balancer.store, storeBefore, 'a changed group means a new table');
  t.same(rt.balancer.snapshotSticky('STK').map((e) => [e.key, e.rserver]), [['127.0.77.1', stuckTo]], 'the unchanged group was copied');

  // Operations.
  const op = captureIo();
  t.equal(await runRserverCommand(op, ['N1', 'no', 'inservice'], o), 0, op.errs.join(''));
  t.match(op.outs.join(''), /rserver N1: no inservice \(state OUTOFSERVICE\)/);
  t.equal(rt.balancer.realState('FARM', 'N1'), 'OUTOFSERVICE');
  t.equal(await runRserverCommand(captureIo(), ['N1', 'inservice'], o), 0);
  t.equal(await runRserverCommand(captureIo(), ['N1', 'inservice'], { mgmt: server.url }), 2, 'no token: refused');
  const cl = captureIo();
  t.equal(await runClearSticky(cl, ['sticky', 'database', 'STK'], o), 0);
  t.match(cl.outs.join(''), /cleared \d+ sticky entr/);
  t.equal(rt.balancer.snapshotSticky('STK').length, 0);

  const everything = [io, j, badIo, goodIo, op, cl].flatMap((x) => [...x.outs, ...x.errs]).join('\n');
  for (const s of SECRETS) t.notOk(everything.includes(s), `${s} not printed`);
  t.notOk(everything.includes(TOKEN), 'token not printed');
});
