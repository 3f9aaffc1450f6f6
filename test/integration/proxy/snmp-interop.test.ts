// Interop with real SNMP peers (Debian packages `snmp` and `snmptrapd`, which
// .ci/run installs): `snmptrap` sends v1 and v2c traps from 127.0.100.x through
// `acesim run … --snmp-trap-address VIP` to `snmptrapd` on a node address, and
// snmptrapd logs the original sender — as the UDP source (bind-client), as the
// v1 agent-addr it was given, and as the appended snmpTrapAddress.0 (v2c).
// Skips, saying why, only when the binaries are missing. Every process it
// starts it stops by PID.
import t from 'tap';
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runRun } from '../../../src/cli/run.js';
import type { CliIo } from '../../../src/cli/io.js';
import { waitFor } from './tms-nodes.js';
import { trapVipConfig } from '../../fakes/vip-configs.js';

const N = 20000 + Math.floor(Math.random() * 20000);
const VIP = '127.0.203.40';
const NODE = '127.0.203.50';
const TRAP_PORT = 162 + N;

function which(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}
const missing = ['snmptrap', 'snmptrapd'].filter((c) => !which(c));

const CONFIG = trapVipConfig({ vip: '10.0.203.40', vipPort: 'snmptrap', node: '10.0.203.50' });

function snmptrap(args: string[]): Promise<void> {
  return new Promise((resolve, reject) =>
    execFile('snmptrap', ['-m', '', ...args], { timeout: 10_000 }, (err, _out, stderr) => (err ? reject(new Error(`snmptrap ${args.join(' ')}: ${err.message} ${stderr}`)) : resolve())),
  );
}

function ioFor(out: string[], err: string[]): CliIo {
  return { out: (s) => void out.push(s), err: (s) => void err.push(s), readFile: async (p) => readFileSync(p, 'utf8') };
}

t.test('snmptrap → acesim run → snmptrapd', { skip: missing.length > 0 ? `${missing.join(' and ')} not found (Debian packages snmp, snmptrapd; .ci/run installs them)` : false }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'acesim-snmp-interop-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const conf = join(dir, 'traps.conf');
  writeFileSync(conf, CONFIG);
  const trapdConf = join(dir, 'snmptrapd.conf');
  writeFileSync(trapdConf, `disableAuthorization yes\n[snmp] persistentDir ${dir}\n`);

  // snmptrapd in the foreground, its own config only, numeric OIDs, no MIBs, logging to stdout.
  const trapd: ChildProcess = spawn('snmptrapd', ['-f', '-Lo', '-C', '-c', trapdConf, '-On', '-m', '', `udp:${NODE}:${TRAP_PORT}`], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, SNMP_PERSISTENT_DIR: dir } });
  let log = '';
  trapd.stdout!.on('data', (b: Buffer) => (log += b.toString()));
  trapd.stderr!.on('data', (b: Buffer) => (log += b.toString()));
  const exited = new Promise<void>((r) => trapd.once('exit', () => r()));
  t.teardown(async () => {
    if (trapd.exitCode === null && trapd.pid !== undefined) process.kill(trapd.pid, 'SIGTERM');
    await exited;
  });
  t.ok(await waitFor(() => /NET-SNMP version/.test(log), 5000), `snmptrapd started (log: ${log.trim()})`);

  const out: string[] = [];
  const err: string[] = [];
  const ac = new AbortController();
  let up = false;
  const done = runRun(ioFor(out, err), { file: conf, maps: ['10.0.0.0/8=127.0.0.0/8'], portOffset: N, logLevel: 'warn', snmpTrapAddress: 'VIP-TRAP', onStarted: () => (up = true) }, ac.signal);
  t.teardown(async () => {
    ac.abort();
    await done;
  });
  t.ok(await waitFor(() => up, 5000), `acesim run is up (stderr: ${err.join(' ')})`);

  await snmptrap(['-v', '2c', '-c', 'public', `--clientaddr=127.0.100.21`, `${VIP}:${TRAP_PORT}`, '', '1.3.6.1.6.3.1.1.5.4', '1.3.6.1.2.1.2.2.1.1.7', 'i', '7']);
  await snmptrap(['-v', '1', '-c', 'public', `--clientaddr=127.0.100.22`, `${VIP}:${TRAP_PORT}`, '1.3.6.1.4.1.9', '10.20.30.40', '2', '0', '', '1.3.6.1.2.1.2.2.1.1.7', 'i', '7']);
  t.ok(await waitFor(() => /127\.0\.100\.21/.test(log) && /127\.0\.100\.22/.test(log), 5000), 'snmptrapd logged both traps');

  const v2 = log.split(/\n(?=\d{4}-\d\d-\d\d )/).find((e) => e.includes('.1.3.6.1.6.3.1.1.5.4')) ?? '';
  t.match(v2, `UDP: [127.0.100.21]:`, 'v2c: the UDP source snmptrapd saw is the sender (through the VIP)');
  t.match(v2, `->[${NODE}]:${TRAP_PORT}`, 'v2c: received on the node address');
  t.match(v2, '.1.3.6.1.6.3.18.1.3.0 = IpAddress: 127.0.100.21', 'v2c: snmpTrapAddress.0 = the sender, appended by acesim');
  t.match(v2, '.1.3.6.1.2.1.2.2.1.1.7 = INTEGER: 7', 'v2c: the original varbinds intact');

  const v1 = log.split(/\n(?=\d{4}-\d\d-\d\d )/).find((e) => e.includes('SNMP v1')) ?? '';
  t.match(v1, '10.20.30.40 [10.20.30.40] (via UDP: [127.0.100.22]:', 'v1: agent-addr as sent, and the sender as the UDP source');
  t.notMatch(v1, '.1.3.6.1.6.3.18.1.3.0', 'v1: nothing appended');
  t.notMatch(err.join('\n'), /malformed/, 'no datagram counted malformed');
});

t.test('--snmp-trap-address names only SNMP VIPs', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'acesim-snmp-flag-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const conf = join(dir, 'traps.conf');
  writeFileSync(conf, CONFIG);
  const out: string[] = [];
  const err: string[] = [];
  const code = await runRun(ioFor(out, err), { file: conf, maps: ['10.0.0.0/8=127.0.0.0/8'], portOffset: N, snmpTrapAddress: 'VIP-TRAP,NOPE' }, new AbortController().signal);
  t.equal(code, 2, 'a usage error');
  t.match(err.join('\n'), /--snmp-trap-address: .*"NOPE" is not an SNMP VIP \(the UDP VIP classes on ports \d+\/\d+ are VIP-TRAP\)/);
  t.same(out, [], 'nothing started');
});
