// Config sync active → standby (ace-semantics §7.4) with two `acesim run
// --ft-member` members on loopback (in-process, real sockets): the standby
// starts with a different file and takes the active's config on join; a
// reload of the active through its management API is pushed over the
// replication channel, applied on the standby (which still refuses a reload
// of its own) and the pair is STANDBY_HOT again with the new config.
import t from 'tap';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ftPairConfig, tcpProbedFarm } from '../../fakes/ft-pair-config.js';
import { startMember, stopPairAtTeardown, until } from '../../fakes/ft-members.js';

const BASE = 32020;
const TOKEN = 'sync-token-1';

const config = (probeInterval: number, extra = ''): string =>
  ftPairConfig({
    head: `${tcpProbedFarm({ node: '127.0.130.50', port: BASE + 1, interval: probeInterval, passdetect: true })}sticky ip-netmask 255.255.255.255 address source STK
  timeout 10
  replicate sticky
  serverfarm FARM
${extra}`,
    vip: '127.0.130.40',
    port: BASE,
    action: 'sticky-serverfarm STK',
    vlan: 100,
    vlanAddress: '127.0.130.1',
    ft: '127.0.130.21',
    ftPeer: '127.0.130.22',
    preempt: true,
  });

t.test('config sync: join with a different file, then a reload of the active reaches the standby', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'acesim-ft-sync-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'token'), TOKEN);
  writeFileSync(join(dir, 'active.conf'), config(2));
  // The standby's own file differs (probe interval 5): the active's wins.
  writeFileSync(join(dir, 'standby.conf'), config(5));

  const start = (role: 'primary' | 'secondary', file: string, mgmtPort: number) =>
    startMember({ file, maps: [], portOffset: 0, ftMember: role, ftPort: String(BASE + 2), mgmt: `127.0.0.1:${mgmtPort}`, mgmtTokenFile: join(dir, 'token'), logLevel: 'warn', env: {}, runtime: { drainMs: 50 } });
  const a = start('primary', join(dir, 'active.conf'), BASE + 3);
  const b = start('secondary', join(dir, 'standby.conf'), BASE + 4);
  stopPairAtTeardown(t, a, b);
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
