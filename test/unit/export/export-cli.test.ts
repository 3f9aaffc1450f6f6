// `acesim export --to haproxy|keepalived` through main(): warnings on stderr
// with positions and carets, the file written with --out, secrets absent from
// every output, usage errors for unknown targets and options.
import t from 'tap';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { main } from '../../../src/cli/main.js';
import type { CliIo } from '../../../src/cli/io.js';
import { ROOT } from '../config/helpers.js';

function io(): CliIo & { stdout: string; stderr: string } {
  const o = { stdout: '', stderr: '', out: (s: string) => void (o.stdout += s + '\n'), err: (s: string) => void (o.stderr += s + '\n'), readFile: (p: string) => readFile(p, 'utf8') };
  return o;
}
const conf = resolve(ROOT, 'examples/tms-ace.conf');

t.test('--to haproxy --out FILE', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'acesim-export-cli-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const o = io();
  const file = join(dir, 'haproxy.cfg');
  t.equal(await main(['export', conf, '--to', 'haproxy', '--out', file, '--map', '10.0.0.0/8=127.0.0.0/8', '--port-offset', '10000'], o), 0);
  const text = readFileSync(file, 'utf8');
  t.match(text, /bind 127\.0\.200\.40:10080/);
  t.equal(o.stdout, '');
  t.match(o.stderr, /tms-ace\.conf:126:3: warning EXPORT_UNTRANSLATED: VIP L4-CLASS-TMS-WEB-162: UDP/);
  t.match(o.stderr, /\n\s+\^/, 'a caret under the construct');
  t.match(o.stderr, /set ACESIM_PROBE_BOOKING_PROBE_TMS_AUTH to Basic base64\(tms-service:<password of probe BOOKING-PROBE-TMS>\)/);
  for (const s of [text, o.stderr]) t.notMatch(s, /my_password/);
});

t.test('--to keepalived to stdout; --transparency usesrc-clientip', async (t) => {
  const o = io();
  t.equal(await main(['export', conf, '--to', 'keepalived'], o), 0);
  t.match(o.stdout, /virtual_server 10\.0\.200\.40 161 \{/);
  const h = io();
  t.equal(await main(['export', conf, '--to', 'haproxy', '--transparency', 'usesrc-clientip'], h), 0);
  t.match(h.stdout, /source 0\.0\.0\.0 usesrc clientip/);
  t.match(h.stderr, /needs TPROXY/);
});

t.test('usage errors', async (t) => {
  const o = io();
  t.equal(await main(['export', conf, '--to', 'nginx'], o), 2);
  t.match(o.stderr, /--to must be one of ace, yaml, json, haproxy, keepalived/);
  t.equal(await main(['export', conf, '--to', 'keepalived', '--transparency', 'usesrc-clientip'], io()), 2);
  t.equal(await main(['export', conf, '--to', 'haproxy', '--transparency', 'tproxy'], io()), 2);
  t.equal(await main(['export', conf, '--to', 'haproxy', '--out', '/nonexistent-dir/x.cfg'], io()), 2);
});
