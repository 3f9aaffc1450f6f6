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
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { compileConfig } from '../../../src/config/compile.js';
import type { CliIo } from '../../../src/cli/io.js';
import { runRun } from '../../../src/cli/run.js';
import type { CommandRunner } from '../../../src/proxy/transparent-routing.js';
import type { FtMember } from '../../../src/runtime/ft-member.js';
import { ipHostAddresses } from '../../../src/runtime/host-addresses.js';
import { planHostAddresses, type HostAddress, type HostAddressPort } from '../../../src/runtime/vip-addresses.js';

const BASE = 34100;

const config = (alias = ''): string => `probe tcp P
  port ${BASE + 1}
  interval 2
rserver host N1
  ip address 127.0.150.50
  inservice
serverfarm host FARM
  probe P
  rserver N1 ${BASE + 1}
    inservice
class-map match-all VIP
  2 match virtual-address 127.0.150.40 tcp eq ${BASE}
policy-map type loadbalance first-match LB
  class class-default
    serverfarm FARM
policy-map multi-match PM
  class VIP
    loadbalance vip inservice
    loadbalance policy LB
access-list ALL line 8 extended permit ip any any
interface vlan 200
  ip address 127.0.150.24 255.255.255.0
${alias}  access-group input ALL
  service-policy input PM
  no shutdown
ft interface vlan 900
  ip address 127.0.150.21 255.255.255.0
  peer ip address 127.0.150.22 255.255.255.0
  no shutdown
ft peer 1
  heartbeat interval 100
  heartbeat count 10
  ft-interface vlan 900
ft group 1
  peer 1
  priority 150
  peer priority 100
  associate-context Admin
  inservice
`;

function capture(): CliIo & { outs: string[]; errs: string[] } {
  const outs: string[] = [];
  const errs: string[] = [];
  return { outs, errs, out: (s) => void outs.push(s), err: (s) => void errs.push(s), readFile: (p) => readFile(p, 'utf8') };
}

async function until(what: string, cond: () => boolean, timeoutMs = 15_000): Promise<void> {
  const end = performance.now() + timeoutMs;
  while (!cond()) {
    if (performance.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Records every call in order; `listening` tells whether the VIP was bound when ARP went out. */
function fakePort(log: string[], check?: string): HostAddressPort {
  return {
    check: async (ifaces) => (log.push(`check ${ifaces.join(',')}`), check),
    add: async (a: HostAddress) => (log.push(`add ${a.address}/${a.prefixLen} ${a.iface}`), { ok: true, existed: false }),
    remove: async (a: HostAddress) => (log.push(`remove ${a.address}/${a.prefixLen} ${a.iface}`), { ok: true }),
    announce: async (a: HostAddress, n: number) => (log.push(`arp ${a.address} ${a.iface} x${n}`), { ok: true }),
  };
}

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
    const io = capture();
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
    const io = capture();
    const ac = new AbortController();
    const log: string[] = [];
    const s: { io: typeof io; ac: AbortController; log: string[]; ft?: FtMember; done?: Promise<number> } = { io, ac, log };
    const port = fakePort(log);
    // A VIP line on stdout means the listener is bound: put it in the same log to see the order.
    const out = io.out;
    io.out = (l) => {
      if (/^VIP \S+ tcp .* listening/.test(l)) log.push('listening');
      out(l);
    };
    s.done = runRun(io, { file, maps: [], portOffset: 0, ftMember: role, ftPort: String(BASE + 2), mgmt: 'none', logLevel: 'warn', env: {}, vipMode: 'address', hostAddresses: port, runtime: { drainMs: 20 }, onFt: (f) => (s.ft = f) }, ac.signal);
    return s;
  };
  const a = start('primary');
  const b = start('secondary');
  t.teardown(async () => {
    a.ac.abort();
    b.ac.abort();
    await Promise.all([a.done, b.done]);
  });
  t.teardown(() => {
    if (t.passing()) return;
    t.comment(`primary:\n${[...a.io.outs, ...a.io.errs].join('\n')}\n${a.log.join('\n')}`);
    t.comment(`secondary:\n${[...b.io.outs, ...b.io.errs].join('\n')}\n${b.log.join('\n')}`);
  });
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
