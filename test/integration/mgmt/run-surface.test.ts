// `acesim run` with its operator surface: the API on --mgmt, the token rules
// at start-up, and a reload triggered the way SIGHUP triggers it (the hook
// main.ts wires to the signal), with a bad file first. Also greps the run's
// whole output (operator lines and JSON logs) for the config's secrets.
import t from 'tap';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runRun } from '../../../src/cli/run.js';
import { configText, SECRETS } from '../../unit/mgmt/fixtures.js';
import { captureIo } from '../../fakes/capture-io.js';

const PORT = 23000 + Math.floor(Math.random() * 20000);
const cfg = (extra = ''): string => configText({ vip: '127.0.93.1', port: PORT, n1: '127.0.93.11', n2: '127.0.93.12', extra });

const until = async (cond: () => boolean, what: string): Promise<void> => {
  for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setImmediate(r));
  for (let i = 0; i < 100 && !cond(); i++) await new Promise((r) => setTimeout(r, 20));
  if (!cond()) throw new Error(`timed out waiting for ${what}`);
};

t.test('run: API up, SIGHUP-style reload, no secrets in the output', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'acesim-run-mgmt-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'run.conf');
  writeFileSync(file, cfg());
  const tokenFile = join(dir, 'token');
  writeFileSync(tokenFile, 'run-token-123\n');

  const io = captureIo();
  const ac = new AbortController();
  let hup: (() => void) | undefined;
  let url = '';
  const done = runRun(io, { file, maps: [], portOffset: 0, logLevel: 'debug', mgmt: '127.0.0.1:0', mgmtTokenFile: tokenFile, env: {}, runtime: { drainMs: 100 }, onMgmt: (u) => (url = u), onReloadSignal: (h) => ((hup = h), () => (hup = undefined)) }, ac.signal);
  await until(() => url !== '' && hup !== undefined, 'the API');
  const stats = await fetch(`${url}/api/show/stats`);
  t.equal(stats.status, 200);
  const denied = await fetch(`${url}/api/sticky/clear`, { method: 'POST', body: '{}' });
  t.equal(denied.status, 401);
  const allowed = await fetch(`${url}/api/sticky/clear`, { method: 'POST', body: '{}', headers: { authorization: 'Bearer run-token-123' } });
  t.equal(allowed.status, 200);

  writeFileSync(file, cfg('serverfarm host BROKEN\n  rserver MISSING\n'));
  hup!();
  await until(() => io.errs.some((l) => l.includes('reload:')), 'the refused reload');
  t.match(io.errs.join('\n'), /run\.conf:\d+:\d+: error /);
  writeFileSync(file, cfg('sticky ip-netmask 255.255.255.0 address source STK2\n  timeout 5\n  serverfarm FARM\n'));
  hup!();
  await until(() => io.outs.some((l) => l.includes('reloaded')), 'the reload');
  t.match(io.outs.join('\n'), /reload: sticky group STK2: added/);
  const sticky = (await (await fetch(`${url}/api/show/sticky-database`)).json()) as { groups: { name: string }[] };
  t.same(sticky.groups.map((g) => g.name), ['STK', 'STK2'], 'the API serves the reloaded config');

  ac.abort();
  t.equal(await done, 0);
  t.equal(hup, undefined, 'the reload trigger is released');
  const all = [...io.outs, ...io.errs].join('\n');
  t.match(all, /"msg":"probe state change"/, 'JSON logs were written');
  for (const s of SECRETS) t.notOk(all.includes(s), `${s} not in the output`);
  t.notOk(all.includes('run-token-123'), 'the token is not printed');
});

t.test('run: a non-loopback API without a token is refused before anything starts', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'acesim-run-mgmt-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'run.conf');
  writeFileSync(file, cfg());
  const io = captureIo();
  t.equal(await runRun(io, { file, maps: [], portOffset: 0, mgmt: '0.0.0.0:4711', env: {} }, new AbortController().signal), 2);
  t.match(io.errs.join(''), /needs a token/);
  const io2 = captureIo();
  t.equal(await runRun(io2, { file, maps: [], portOffset: 0, mgmt: 'nonsense', env: {} }, new AbortController().signal), 2);
  t.match(io2.errs.join(''), /ADDRESS:PORT/);
});

t.test('run --probe-threads: probes on a worker thread, verdicts as on the main thread', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'acesim-run-threads-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'run.conf');
  // Nothing listens on the nodes' addresses: the worker's attempts are refused and the probe fails them.
  writeFileSync(file, cfg());
  const io = captureIo();
  const ac = new AbortController();
  const done = runRun(io, { file, maps: [], portOffset: 0, logLevel: 'info', mgmt: 'none', env: {}, probeThreads: '1', runtime: { drainMs: 100 } }, ac.signal);
  t.teardown(() => ac.abort());
  await until(() => io.outs.some((l) => l.includes('listener(s) up')), 'the listeners');
  t.match(io.outs.join('\n'), /listener\(s\) up, transparency \S+, probes on 1 worker thread;/);
  // The worker boots (and, under tap, compiles its TypeScript) before its first attempt: allow it time.
  const failed = (): boolean => io.errs.some((l) => l.includes('"msg":"probe state change"') && l.includes('FAILED'));
  for (let i = 0; i < 150 && !failed(); i++) await new Promise((r) => setTimeout(r, 100));
  t.ok(failed(), 'a probe verdict from the worker reached the engine');
  ac.abort();
  t.equal(await done, 0);
  const all = [...io.outs, ...io.errs].join('\n');
  for (const s of SECRETS) t.notOk(all.includes(s), `${s} not in the output`);

  const bad = captureIo();
  t.equal(await runRun(bad, { file, maps: [], portOffset: 0, mgmt: 'none', env: {}, probeThreads: 'lots' }, new AbortController().signal), 2);
  t.match(bad.errs.join(''), /--probe-threads must be auto or a whole number/);
});
