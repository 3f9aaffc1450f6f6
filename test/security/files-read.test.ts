// acesim reads only the files it is given. files-read.conf is full of strings
// that look like paths (a hostname, a probe description and URL); none of them
// may ever be opened. Two ways of watching: the CLI's injected reader records
// every file a command asks for (check, export, probe planning, lab scenario
// loading); and, where strace is installed, the built CLI runs `check`,
// `export` and a 3-second `run` under `strace -f -e trace=open,openat`, and
// every file the process opened is either part of Node and acesim's own
// install (/usr, /lib, /proc, /sys, dist/, node_modules/) or one the command
// line named.
import t from 'tap';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { main } from '../../src/cli/main.js';
import type { CliIo } from '../../src/cli/io.js';
import { ROOT } from '../unit/config/helpers.js';

const CONF = resolve(ROOT, 'test/security/files-read.conf');
const PATHLIKE = ['/tmp/acesim-not-a-file-hostname', '/tmp/acesim-not-a-file-description', '/tmp/acesim-not-a-file-url', 'acesim-not-a-file'];

function spyIo(): CliIo & { read: string[] } {
  const read: string[] = [];
  return { read, out: () => {}, err: () => {}, readFile: (p) => (read.push(p), readFile(p, 'utf8')) };
}

t.test('the injected reader sees only the named files', async (t) => {
  for (const args of [['check', CONF], ['check', CONF, '--format', 'json'], ['export', CONF, '--to', 'haproxy'], ['export', CONF, '--to', 'keepalived'], ['export', CONF, '--to', 'yaml']]) {
    const io = spyIo();
    await main(args, io);
    t.same(io.read, [CONF], `${args.slice(0, 3).join(' ')}: read ${CONF} only`);
  }
  // A scenario names its config: that one file is read too, and nothing else.
  const dir = mkdtempSync(join(tmpdir(), 'acesim-files-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const scenario = join(dir, 's.yaml');
  writeFileSync(scenario, `name: reads\nconfig: ${CONF}\nduration: 1s\nnodes:\n  n1: { rserver: N1 }\ntimeline: []\n`);
  const io = spyIo();
  await main(['simulate', '--scenario', scenario, '--runs', '1'], io);
  t.same(io.read, [scenario, CONF], 'simulate: the scenario, then the config it names');
});

const hasStrace = (() => {
  try {
    execFileSync('strace', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
const CLI = resolve(ROOT, 'dist/src/cli/main.js');
/**
 * Where Node and acesim's own install live, and the system resolver's configuration
 * (Node's DNS library reads it at start-up): opened by any run, whatever its input.
 */
const RUNTIME = [
  resolve(ROOT, 'dist') + '/', resolve(ROOT, 'node_modules') + '/', resolve(ROOT, 'package.json'), process.execPath,
  '/proc/', '/sys/', '/dev/', '/lib', '/usr/', '/etc/ld.so', '/etc/localtime', '/etc/ssl/',
  '/etc/nsswitch.conf', '/etc/resolv.conf', '/etc/hosts', '/etc/host.conf', '/etc/gai.conf',
];
/**
 * The test runner's hooks (tap preloads a module that writes .tap/, and re-adds it to
 * whatever environment a child is given), unset by `env` inside the child.
 */
const UNSET = Object.keys(process.env).filter((k) => k === 'NODE_OPTIONS' || k.startsWith('_TAPJS')).flatMap((k) => ['-u', k]);

/** Every path the traced process tree tried to open, and whether it succeeded. */
function opened(trace: string): { path: string; ok: boolean }[] {
  const out: { path: string; ok: boolean }[] = [];
  for (const line of trace.split('\n')) {
    const m = /\bopen(?:at2?)?\((?:[^,]+, )?"((?:[^"\\]|\\.)*)"[^)]*\)\s*=\s*(-?\d+)/.exec(line);
    if (m) out.push({ path: m[1]!, ok: Number(m[2]) >= 0 });
  }
  return out;
}

t.test('under strace: files opened by check, export and run', { skip: !hasStrace ? 'strace is not installed' : !existsSync(CLI) ? 'dist not built' : false }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'acesim-strace-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const token = join(dir, 'token');
  writeFileSync(token, 'files-read-token\n');
  const runs: [string, string[], string[]][] = [
    ['check', ['check', CONF], [CONF]],
    ['export haproxy', ['export', CONF, '--to', 'haproxy'], [CONF]],
    ['run (3 s)', ['run', CONF, '--mgmt', '127.0.110.6:29121', '--mgmt-token-file', token], [CONF, token]],
  ];
  for (const [name, args, given] of runs) {
    const trace = join(dir, `${name.split(' ')[0]}.trace`);
    // `timeout` ends the run (SIGTERM, a clean stop); strace ends when the traced tree does.
    const argv = ['-f', '-qq', '-e', 'trace=open,openat,openat2,creat', '-o', trace, ...(name.startsWith('run') ? ['timeout', '-s', 'TERM', '3'] : []), process.execPath, CLI, ...args];
    const child = spawn('env', [...UNSET, 'strace', ...argv], { stdio: 'ignore' });
    t.teardown(() => {
      if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
    });
    await new Promise((r) => child.once('exit', r));
    const files = opened(readFileSync(trace, 'utf8'));
    t.ok(files.length > 50, `${name}: ${files.length} opens traced`);
    const foreign = [...new Set(files.filter((f) => f.ok && !RUNTIME.some((p) => f.path.startsWith(p))).map((f) => resolve(f.path)))];
    t.same(foreign.sort(), [...given].sort(), `${name}: outside Node and acesim's install, only ${given.map((g) => g.split('/').pop()).join(', ')} opened`);
    t.same(files.filter((f) => PATHLIKE.some((p) => f.path.includes(p))), [], `${name}: no path from inside the config was even tried`);
  }
});
