// The `acesim run` flags behind the overload guards: bad values are usage
// errors with a clear message (exit 2, nothing started), and good ones reach
// the L7 VIP (a client that sends part of its headers gets 408 and a close).
// Port 30140-30141, addresses 127.0.120.40-41 and client 127.0.120.140.
import t from 'tap';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runRun } from '../../src/cli/run.js';
import { connectRaw, ending, FaultyNode, l7OneNodeConfig, waitFor } from './helpers.js';
import { captureIo } from '../fakes/capture-io.js';

const VIP = '127.0.120.40';
const NODE = '127.0.120.41';
const VIP_PORT = 30140;
const NODE_PORT = 30141;
const CONFIG = l7OneNodeConfig(VIP, VIP_PORT, NODE, NODE_PORT);

t.test('bad timeout values are usage errors', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'acesim-run-timeouts-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'ace.conf');
  writeFileSync(file, CONFIG);
  for (const [flag, value] of [['httpHeaderTimeout', 'soon'], ['httpHeaderTimeout', '0'], ['idleTimeout', '-5'], ['idleTimeout', '100000']] as const) {
    const io = captureIo();
    const code = await runRun(io, { file, maps: [], portOffset: 0, mgmt: 'none', env: {}, [flag]: value }, new AbortController().signal);
    t.equal(code, 2, `${flag} ${value}: exit 2`);
    t.match(io.errs.join('\n'), /acesim run: --(http-header|idle)-timeout must be a number of seconds above 0 and at most \d+, got "/, 'the message names the flag and the value');
    t.same(io.outs, [], 'nothing started');
  }
});

t.test('--http-header-timeout reaches the L7 VIP', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'acesim-run-timeouts-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'ace.conf');
  writeFileSync(file, CONFIG);
  const node = new FaultyNode('N1', NODE, NODE_PORT);
  await node.start();
  t.teardown(() => node.stop());
  const io = captureIo();
  const ac = new AbortController();
  let up = false;
  const done = runRun(io, { file, maps: [], portOffset: 0, mgmt: 'none', env: {}, logLevel: 'warn', httpHeaderTimeout: '0.3', idleTimeout: '60', runtime: { drainMs: 100 }, onStarted: () => (up = true) }, ac.signal);
  t.ok(await waitFor(() => up, 10_000), 'listening');
  const s = await connectRaw(VIP, VIP_PORT, '127.0.120.140');
  let got = '';
  s.on('data', (d: Buffer) => (got += d.toString()));
  const end = ending(s, 10_000);
  s.write('GET / HTTP/1.1\r\nHost: vip\r\n');
  t.equal(await end, 'closed', 'closed by the VIP');
  t.match(got, /^HTTP\/1\.1 408 /, '408 after 0.3 s without the rest of the headers');
  ac.abort();
  t.equal(await done, 0);
});
