// Config sync active → standby (ace-semantics §7.4) with two `acesim run
// --ft-member` members on loopback (in-process, real sockets): the standby
// starts with a different file and takes the active's config on join; a
// reload of the active through its management API is pushed over the
// replication channel, applied on the standby (which still refuses a reload
// of its own) and the pair is STANDBY_HOT again with the new config.
import t from 'tap';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runRun } from '../../../src/cli/run.js';
import type { CliIo } from '../../../src/cli/io.js';
import type { FtMember } from '../../../src/runtime/ft-member.js';

const BASE = 32020;
const TOKEN = 'sync-token-1';

const config = (probeInterval: number, extra = ''): string => `probe tcp P
  port ${BASE + 1}
  interval ${probeInterval}
  passdetect interval ${probeInterval}
rserver host N1
  ip address 127.0.130.50
  inservice
serverfarm host FARM
  probe P
  rserver N1 ${BASE + 1}
    inservice
sticky ip-netmask 255.255.255.255 address source STK
  timeout 10
  replicate sticky
  serverfarm FARM
${extra}class-map match-all VIP
  2 match virtual-address 127.0.130.40 tcp eq ${BASE}
policy-map type loadbalance first-match LB
  class class-default
    sticky-serverfarm STK
policy-map multi-match PM
  class VIP
    loadbalance vip inservice
    loadbalance policy LB
access-list ALL line 8 extended permit ip any any
interface vlan 100
  ip address 127.0.130.1 255.255.255.0
  access-group input ALL
  service-policy input PM
  no shutdown
ft interface vlan 900
  ip address 127.0.130.21 255.255.255.0
  peer ip address 127.0.130.22 255.255.255.0
  no shutdown
ft peer 1
  heartbeat interval 100
  heartbeat count 10
  ft-interface vlan 900
ft group 1
  peer 1
  priority 150
  peer priority 100
  preempt
  associate-context Admin
  inservice
`;

function capture(): CliIo & { outs: string[]; errs: string[] } {
  const outs: string[] = [];
  const errs: string[] = [];
  return { outs, errs, out: (s) => void outs.push(s), err: (s) => void errs.push(s), readFile: (p) => readFile(p, 'utf8') };
}

async function until(what: string, cond: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const end = performance.now() + timeoutMs;
  while (!(await cond())) {
    if (performance.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

t.test('config sync: join with a different file, then a reload of the active reaches the standby', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'acesim-ft-sync-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'token'), TOKEN);
  writeFileSync(join(dir, 'active.conf'), config(2));
  // The standby's own file differs (probe interval 5): the active's wins.
  writeFileSync(join(dir, 'standby.conf'), config(5));

  const start = (role: 'primary' | 'secondary', file: string, mgmtPort: number) => {
    const io = capture();
    const ac = new AbortController();
    const s: { io: typeof io; ac: AbortController; ft?: FtMember; done?: Promise<number> } = { io, ac };
    s.done = runRun(io, { file, maps: [], portOffset: 0, ftMember: role, ftPort: String(BASE + 2), mgmt: `127.0.0.1:${mgmtPort}`, mgmtTokenFile: join(dir, 'token'), logLevel: 'warn', env: {}, runtime: { drainMs: 50 }, onFt: (f) => (s.ft = f) }, ac.signal);
    return s;
  };
  const a = start('primary', join(dir, 'active.conf'), BASE + 3);
  const b = start('secondary', join(dir, 'standby.conf'), BASE + 4);
  t.teardown(async () => {
    a.ac.abort();
    b.ac.abort();
    await Promise.all([a.done, b.done]);
  });
  t.teardown(() => {
    if (t.passing()) return;
    t.comment(`primary:\n${[...a.io.outs, ...a.io.errs].join('\n')}`);
    t.comment(`secondary:\n${[...b.io.outs, ...b.io.errs].join('\n')}`);
  });
  await until('the pair', () => a.ft?.controller.state(1) === 'FSM_FT_STATE_ACTIVE' && b.ft?.controller.state(1) === 'FSM_FT_STATE_STANDBY_HOT');
  const runningConfig = async (port: number): Promise<string> => {
    const r = await fetch(`http://127.0.0.1:${port}/api/show/running-config`);
    return r.text();
  };
  t.match(await runningConfig(BASE + 4), /interval 2\b/, 'the standby runs the active\'s config (interval 2, not its own 5)');
  t.match(b.ft!.controller.groups()[0]!.configSyncDetail, /applied the active's config/);

  // The standby refuses an operator reload, as before.
  const refused = await fetch(`http://127.0.0.1:${BASE + 4}/api/reload`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` }, body: JSON.stringify({ file: 'x.conf', text: config(3) }) });
  t.equal(refused.status >= 400, true);
  t.match(await refused.text(), /standby member refuses configuration changes/);

  // The operator reloads the active with a new sticky group.
  const extra = 'sticky ip-netmask 255.255.255.0 address source STK2\n  timeout 5\n  serverfarm FARM\n';
  const r = await fetch(`http://127.0.0.1:${BASE + 3}/api/reload`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` }, body: JSON.stringify({ file: 'active.conf', text: config(2, extra) }) });
  const body = (await r.json()) as { changes: string[] };
  t.equal(r.status, 200);
  t.ok(body.changes.includes('ft group 1: config pushed to the standby'), 'the reload says it pushed');
  await until('the standby to take the new config', async () => /STK2/.test(await runningConfig(BASE + 4)));
  await until('hot again', () => b.ft?.controller.state(1) === 'FSM_FT_STATE_STANDBY_HOT');
  t.equal(a.ft!.controller.state(1), 'FSM_FT_STATE_ACTIVE');
  t.ok(b.io.outs.some((l) => l.includes('ft sync: sticky group STK2: added')), 'the standby printed what the sync changed');
  t.equal(b.ft!.controller.groups()[0]!.configSync, 'done');
});
