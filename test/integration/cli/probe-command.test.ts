// `acesim probe` against real servers on loopback: one node answers the
// reference probe with basic credentials, the other port is closed.
import t from 'tap';
import { createServer, type Server } from 'node:http';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readFile } from 'node:fs/promises';
import { main } from '../../../src/cli/main.js';
import type { CliIo } from '../../../src/cli/io.js';

function io(): CliIo & { stdout: string; stderr: string } {
  const o = { stdout: '', stderr: '', out: (s: string) => void (o.stdout += s + '\n'), err: (s: string) => void (o.stderr += s + '\n'), readFile: (p: string) => readFile(p, 'utf8') };
  return o;
}

const listen = (s: Server, host: string) => new Promise<number>((r) => s.listen(0, host, () => r((s.address() as AddressInfo).port)));

/** A port that was free a moment ago: nothing listens on it now (connections are refused). */
async function closedPort(host: string): Promise<number> {
  const s = createNetServer();
  const port = await new Promise<number>((r) => s.listen(0, host, () => r((s.address() as AddressInfo).port)));
  await new Promise((r) => s.close(r));
  return port;
}

t.test('probe --once and --watch', async (t) => {
  const seen: string[] = [];
  const node = createServer((req, res) => {
    seen.push(`${req.method} ${req.url} ${req.headers.authorization ?? '-'}`);
    const ok = req.headers.authorization === `Basic ${Buffer.from('tms-service:my_password').toString('base64')}`;
    res.statusCode = ok ? 200 : 401;
    res.end(ok ? 'TMS' : 'denied');
  });
  const port = await listen(node, '127.0.0.1');
  const dead = await closedPort('127.0.0.2');
  t.teardown(() => new Promise<void>((r) => node.close(() => r())));
  const conf = [
    'probe http TMS-MON',
    `  port ${port}`,
    '  interval 2',
    '  faildetect 1',
    '  passdetect interval 2',
    '  passdetect count 1',
    '  receive 2',
    '  credentials tms-service my_password',
    '  request method get url /tms',
    '  expect status 200 400',
    'probe tcp DEAD',
    `  port ${dead}`,
    '  faildetect 1',
    'rserver host TMS01',
    '  ip address 127.0.0.1',
    '  inservice',
    'rserver host TMS02',
    '  ip address 127.0.0.2',
    '  inservice',
    'serverfarm host F1',
    '  probe TMS-MON',
    '  rserver TMS01',
    '    inservice',
    'serverfarm host F2',
    '  probe DEAD',
    '  rserver TMS02',
    '    inservice',
    '',
  ].join('\n');
  const file = join(mkdtempSync(join(tmpdir(), 'acesim-probe-')), 'lab.conf');
  writeFileSync(file, conf);

  const once = io();
  t.equal(await main(['probe', file, '--once', '--format', 'json'], once), 1, 'exit 1: one instance fails');
  const j = JSON.parse(once.stdout);
  const byProbe = Object.fromEntries(j.instances.map((i: { probe: string }) => [i.probe, i]));
  t.match(byProbe['TMS-MON'], { rserver: 'TMS01', address: '127.0.0.1', port, state: 'PASSED', lastStatus: 200, cause: 'OK' });
  t.match(byProbe['DEAD'], { rserver: 'TMS02', address: '127.0.0.2', port: dead, state: 'FAILED', cause: 'L4_REFUSED' });
  t.match(seen[0], /^GET \/tms Basic /, 'the node saw the probe with basic credentials');
  t.notMatch(once.stdout + once.stderr, /my_password/, 'the password is never printed');

  const only = io();
  t.equal(await main(['probe', file, '--once', '--probe', 'TMS-MON'], only), 0, 'exit 0 when every selected instance passes');
  t.match(only.stdout, /TMS-MON\s+F1\s+TMS01\s+127\.0\.0\.1:\d+\s+PASSED/);

  const watch = io();
  t.equal(await main(['probe', file, '--watch', '--duration', '1'], watch), 1, 'the dead server ends FAILED');
  t.match(watch.stdout, /%ACE-3-2510\d\d: Health probe failed for server 127\.0\.0\.2/, 'a syslog line per failed attempt');
  t.match(watch.stdout, /probe\s+: TMS-MON/, 'show probe detail at the end');
  t.notMatch(watch.stdout, /my_password/);

  const bad = io();
  t.equal(await main(['probe', file], bad), 2, 'needs --once or --watch');

  // --probe-threads: the same attempts on worker threads give the same verdicts (credentials travel as Secrets).
  const before = seen.length;
  const pooled = io();
  t.equal(await main(['probe', file, '--once', '--format', 'json', '--probe-threads', '2'], pooled), 1, 'exit 1 on worker threads too');
  const pj = JSON.parse(pooled.stdout);
  const pooledBy = Object.fromEntries(pj.instances.map((i: { probe: string }) => [i.probe, i]));
  t.match(pooledBy['TMS-MON'], { state: 'PASSED', lastStatus: 200, cause: 'OK' });
  t.match(pooledBy['DEAD'], { state: 'FAILED', cause: 'L4_REFUSED' });
  t.match(seen[before], /^GET \/tms Basic /, 'the worker sent the credentials');
  t.notMatch(pooled.stdout + pooled.stderr, /my_password/);

  const pooledWatch = io();
  t.equal(await main(['probe', file, '--watch', '--duration', '3', '--probe-threads', '1'], pooledWatch), 1, 'the dead server ends FAILED on a worker too');
  t.match(pooledWatch.stderr, /watching 2 probe instances on 1 prober thread;/);
  t.match(pooledWatch.stdout, /%ACE-3-2510\d\d: Health probe failed for server 127\.0\.0\.2/);

  for (const v of ['many', '1.5', '17']) {
    const e = io();
    t.equal(await main(['probe', file, '--once', '--probe-threads', v], e), 2, `--probe-threads ${v} is a usage error`);
    t.match(e.stderr, /--probe-threads must be auto or a whole number from 0 to 16/);
  }
});
