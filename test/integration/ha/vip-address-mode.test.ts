// `acesim run --ft-member … --vip-mode address` with the host's addresses as
// an injected port (a recording fake): the plan of which address goes on which
// interface, and the order the member follows — add before the VIP binds,
// gratuitous ARP after, remove when it leaves ACTIVE or stops — on two members
// in this process over loopback (real FT sockets on 127.0.150.0/24). The real
// port (ip, arping) runs in test/lab/netns-pair.test.ts; here its checks run
// through a scripted command runner.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { compileConfig } from '../../../src/config/compile.js';
import { runRun } from '../../../src/cli/run.js';
import { runCommand, type CommandRunner } from '../../../src/proxy/transparent-routing.js';
import { ipHostAddresses } from '../../../src/runtime/host-addresses.js';
import { planHostAddresses, VipAddressOwner, type HostAddress, type HostAddressPort } from '../../../src/runtime/vip-addresses.js';
import { ftPairConfig, tcpProbedFarm } from '../../fakes/ft-pair-config.js';
import { captureIo } from '../../fakes/capture-io.js';
import { startMember, stopPairAtTeardown, until } from '../../fakes/ft-members.js';

const BASE = 34100;

const config = (alias = ''): string =>
  ftPairConfig({
    head: tcpProbedFarm({ node: '127.0.150.50', port: BASE + 1, interval: 2 }),
    vip: '127.0.150.40',
    port: BASE,
    action: 'serverfarm FARM',
    vlan: 200,
    vlanAddress: '127.0.150.24',
    vlanExtra: alias,
    ft: '127.0.150.21',
    ftPeer: '127.0.150.22',
  });

/** Records every call in order; `listening` tells whether the VIP was bound when ARP went out. */
function fakePort(log: string[], check?: string): HostAddressPort {
  return {
    check: async (ifaces) => (log.push(`check ${ifaces.join(',')}`), check),
    add: async (a: HostAddress) => (log.push(`add ${a.address}/${a.prefixLen} ${a.iface}`), { ok: true, existed: false }),
    remove: async (a: HostAddress) => (log.push(`remove ${a.address}/${a.prefixLen} ${a.iface}`), { ok: true }),
    announce: async (a: HostAddress, n: number) => (log.push(`arp ${a.address} ${a.iface} x${n}`), { ok: true }),
  };
}

t.test('giving the addresses up stops the gratuitous ARPs still to go out, before the addresses go', async (t) => {
  const log: string[] = [];
  const started = Date.now();
  const port: HostAddressPort = {
    ...fakePort(log),
    // One announcement a second, as arping -U does: this one would take 10 s unless stopped.
    announce: (a, _n, signal) =>
      new Promise((resolve) => {
        log.push(`arp ${a.address}`);
        const done = setTimeout(() => (log.push(`arp ${a.address} finished`), resolve({ ok: true })), 10_000);
        signal?.addEventListener('abort', () => (clearTimeout(done), log.push(`arp ${a.address} stopped`), resolve({ ok: true })), { once: true });
      }),
  };
  const owner = new VipAddressOwner({ port, addresses: [{ address: '10.0.0.40', prefixLen: 32, iface: 'vlan200', kind: 'vip' }] });
  await owner.add();
  owner.announce();
  await owner.remove();
  t.same(log, ['add 10.0.0.40/32 vlan200', 'arp 10.0.0.40', 'arp 10.0.0.40 stopped', 'remove 10.0.0.40/32 vlan200']);
  t.ok(Date.now() - started < 5_000, 'remove() did not wait for the announcements to run their course');
  // Taking them again announces again (a fresh stop signal, not the used one).
  await owner.add();
  owner.announce();
  t.equal(log.at(-1), 'arp 10.0.0.40', 'a new announcement runs');
  await owner.remove();
  t.equal(log.at(-2), 'arp 10.0.0.40 stopped');
});

t.test('the command runner stops a command when its signal aborts', async (t) => {
  const ctl = new AbortController();
  const started = Date.now();
  const running = runCommand('sleep', ['10'], undefined, ctl.signal);
  setTimeout(() => ctl.abort(), 100);
  const r = await running;
  t.equal(r.code, 143, 'ended by SIGTERM');
  t.ok(Date.now() - started < 5_000, 'not the 10 s of sleep');
});

t.test('plan: VIPs as /32 on vlanN of their interface subnet, aliases on theirs, --vip-interface overrides the VIPs', async (t) => {
  const ctx = (text: string) => compileConfig(text, 'x.conf').model.contexts[0]!;
  const p = planHostAddresses(ctx(config('  alias 127.0.150.25 255.255.255.0\n')));
  t.same(p, { ok: true, addresses: [{ address: '127.0.150.40', prefixLen: 32, iface: 'vlan200', kind: 'vip' }, { address: '127.0.150.25', prefixLen: 24, iface: 'vlan200', kind: 'alias' }] });
  t.same(planHostAddresses(ctx(config()), 'eth1'), { ok: true, addresses: [{ address: '127.0.150.40', prefixLen: 32, iface: 'eth1', kind: 'vip' }] });
  const off = planHostAddresses(ctx(config().replace('ip address 127.0.150.24 255.255.255.0', 'ip address 10.1.1.1 255.255.255.0')));
  t.match(off, { ok: false, message: /VIP 127\.0\.150\.40 \(VIP\) is in no `interface vlan` subnet.*--vip-interface/ });
});

t.test('the real port\'s checks: a missing interface and a missing arping are clear messages', async (t) => {
  const script = (link: number, arping: number): CommandRunner => async (cmd) => ({ code: cmd === 'ip' ? link : arping, stdout: '', stderr: cmd === 'arping' && arping === 127 ? 'arping: ENOENT' : 'Device "vlan7" does not exist.' });
  t.match(await ipHostAddresses(script(1, 0)).check(['vlan7']), /no interface "vlan7" on this host.*type vlan id 7.*--vip-interface/);
  t.match(await ipHostAddresses(script(0, 127)).check(['vlan7']), /arping is not installed \(Debian package iputils-arping\)/);
  t.equal(await ipHostAddresses(script(0, 0)).check(['vlan7']), undefined);
  const denied: CommandRunner = async () => ({ code: 2, stdout: '', stderr: 'RTNETLINK answers: Operation not permitted' });
  t.match(await ipHostAddresses(denied).add({ address: '10.0.0.1', prefixLen: 32, iface: 'vlan7', kind: 'vip' }), { ok: false, message: /root or CAP_NET_ADMIN/ });
  const exists: CommandRunner = async () => ({ code: 2, stdout: '', stderr: 'Error: ipv4: Address already assigned.' });
  t.same(await ipHostAddresses(exists).add({ address: '10.0.0.1', prefixLen: 32, iface: 'vlan7', kind: 'vip' }), { ok: true, existed: true }, 'an address a killed member left behind is taken over');
});

t.test('flags: bad --vip-mode, --vip-interface without address mode, and a host that cannot take the addresses', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'acesim-vipmode-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'ft.conf');
  writeFileSync(file, config());
  const run = async (o: Record<string, unknown>): Promise<{ code: number; err: string }> => {
    const io = captureIo();
    const code = await runRun(io, { file, maps: [], portOffset: 0, logLevel: 'warn', env: {}, mgmt: 'none', ftMember: 'primary', ftPort: String(BASE + 2), ...o }, new AbortController().signal);
    return { code, err: io.errs.join('\n') };
  };
  t.match(await run({ vipMode: 'arp' }), { code: 2, err: /--vip-mode must be one of listen, address/ });
  t.match(await run({ vipInterface: 'eth0' }), { code: 2, err: /--vip-interface needs --vip-mode address/ });
  const log: string[] = [];
  t.match(await run({ vipMode: 'address', hostAddresses: fakePort(log, '--vip-mode address needs root or CAP_NET_ADMIN and CAP_NET_RAW') }), { code: 2, err: /needs root or CAP_NET_ADMIN/ });
  t.same(log, ['check vlan200'], 'nothing was added');
});

const CLI = resolve(import.meta.dirname, '../../../dist/src/cli/main.js');
const rootSkip = typeof process.getuid !== 'function' || process.getuid() !== 0 ? 'needs root to drop to an unprivileged user' : spawnSync('setpriv', ['--version']).error ? 'setpriv (util-linux) is not installed' : existsSync(CLI) ? undefined : 'dist/ is not built (npm run build)';

t.test('a real unprivileged process (setpriv to nobody) is told what it lacks: one line, exit 2', { skip: rootSkip }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'acesim-vipmode-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  chmodSync(dir, 0o755);
  const file = join(dir, 'ft.conf');
  writeFileSync(file, config(), { mode: 0o644 });
  // env -i: tap's process hooks (injected into children's environment) would write where nobody may not.
  const r = spawnSync('env', ['-i', `PATH=${process.env.PATH ?? '/usr/bin:/bin'}`, 'setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, CLI, 'run', file, '--ft-member', 'primary', '--ft-port', String(BASE + 2), '--vip-mode', 'address', '--mgmt', 'none'], { encoding: 'utf8', timeout: 20_000 });
  t.equal(r.status, 2);
  t.match(r.stderr, /^acesim run: --vip-mode address needs root or CAP_NET_ADMIN and CAP_NET_RAW/m);
  t.notMatch(r.stderr, /\n\s+at /, 'no stack trace');
});

t.test('an FT pair in address mode: the active adds, binds, announces; a stop removes; the standby takes over the same way', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'acesim-vipmode-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'ft.conf');
  writeFileSync(file, config());
  const start = (role: 'primary' | 'secondary') => {
    const io = captureIo();
    const log: string[] = [];
    // A VIP line on stdout means the listener is bound: put it in the same log to see the order.
    const out = io.out;
    io.out = (l) => {
      if (/^VIP \S+ tcp .* listening/.test(l)) log.push('listening');
      out(l);
    };
    const m = startMember({ file, maps: [], portOffset: 0, ftMember: role, ftPort: String(BASE + 2), mgmt: 'none', logLevel: 'warn', env: {}, vipMode: 'address', hostAddresses: fakePort(log), runtime: { drainMs: 20 } }, io);
    return Object.assign(m, { log });
  };
  const a = start('primary');
  const b = start('secondary');
  stopPairAtTeardown(t, a, b, (m) => `\n${m.log.join('\n')}`);
  await until('the pair', () => a.ft?.controller.state(1) === 'FSM_FT_STATE_ACTIVE' && b.ft?.controller.state(1) === 'FSM_FT_STATE_STANDBY_HOT');
  await until('the announcement', () => a.log.some((l) => l.startsWith('arp')));
  // The peer being heard can re-announce once more (ft-member.ts): repeats of one announcement are one step here.
  const steps = (log: string[]): string[] => log.filter((l, i) => !(l.startsWith('arp') && log[i - 1] === l));
  t.same(steps(a.log), ['check vlan200', 'remove 127.0.150.40/32 vlan200', 'add 127.0.150.40/32 vlan200', 'listening', 'arp 127.0.150.40 vlan200 x2'], 'the member cleared what an earlier run could have left, added the VIP when ACTIVE, bound it, then sent gratuitous ARP');
  t.same(b.log, ['check vlan200', 'remove 127.0.150.40/32 vlan200'], 'the standby holds no address');

  // The active stops (SIGTERM in the CLI): its address goes; the standby takes over in the same order.
  a.ac.abort();
  t.equal(await a.done, 0);
  t.same(steps(a.log).slice(5), ['remove 127.0.150.40/32 vlan200'], 'the stopped member removed its address');
  await until('the takeover', () => b.log.some((l) => l.startsWith('arp')));
  t.same(steps(b.log), ['check vlan200', 'remove 127.0.150.40/32 vlan200', 'add 127.0.150.40/32 vlan200', 'listening', 'arp 127.0.150.40 vlan200 x2']);
  b.ac.abort();
  await b.done;
  t.equal(b.log.at(-1), 'remove 127.0.150.40/32 vlan200');
});
