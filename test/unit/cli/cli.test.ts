// The CLI through main() with injected I/O (exit codes, text and JSON
// shapes), and once through the built binary as a user runs it.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { main } from '../../../src/cli/main.js';
import type { CliIo } from '../../../src/cli/io.js';
import { ROOT, fixture } from '../config/helpers.js';
import { readFile } from 'node:fs/promises';

function io(): CliIo & { stdout: string; stderr: string } {
  const o = {
    stdout: '',
    stderr: '',
    out(t: string) {
      o.stdout += t + '\n';
    },
    err(t: string) {
      o.stderr += t + '\n';
    },
    readFile: (p: string) => readFile(p, 'utf8'),
  };
  return o;
}

const ref = fixture('seed/tms-ace.conf');
const printed = fixture('seed/tms-ace-appendix1.as-printed.txt');

t.test('check: exit 0 with warnings, text format with carets and a summary line', async (t) => {
  const o = io();
  t.equal(await main(['check', ref], o), 0);
  t.match(o.stdout, /tms-ace\.conf:\d+:\d+: warning LINT_SNMP_OVER_TCP: /);
  t.match(o.stdout, /\n {2}\s*\^+\n/, 'a caret line');
  t.match(o.stdout, /tms-ace\.conf: 0 errors, \d+ warnings, \d+ notes/);
  t.match(o.stdout, /10\.0\.200\.40 tcp 443 {2}INSERVICE/, 'the model summary lists the VIPs');
});

t.test('check: exit 1 with errors; JSON has the documented shape', async (t) => {
  const o = io();
  t.equal(await main(['check', printed, '--format', 'json'], o), 1);
  const j = JSON.parse(o.stdout);
  t.equal(j.files.length, 1);
  t.equal(j.files[0].file, printed);
  t.ok(j.files[0].summary.errors > 0);
  t.match(j.files[0].diagnostics[0], { severity: String, code: String, message: String, line: Number, col: Number });
  t.ok(j.model, 'the model is included');
});

t.test('check of several files gives one model per file', async (t) => {
  const o = io();
  t.equal(await main(['check', ref, fixture('ace-semantics-12.conf'), '--format', 'json'], o), 0);
  const j = JSON.parse(o.stdout);
  t.same(j.files.map((f: { file: string }) => f.file), [ref, fixture('ace-semantics-12.conf')]);
  t.equal(j.files[1].model.contexts[0].serverfarms[0].name, 'SF_WEB');
});

t.test('usage and I/O errors exit 2 with a clear message, no stack trace', async (t) => {
  const cases: [string[], RegExp][] = [
    [['check'], /give at least one config file/],
    [['check', '/no/such/file.conf'], /cannot read: no such file/],
    [['check', ref, '--format', 'xml'], /--format must be text or json/],
    [['check', ref, '--bogus'], /Unknown option/],
    [['check', ref, '--map', '10.0.0.0/8'], /expected FROM\/LEN=TO\/LEN/],
    [['frobnicate'], /unknown command "frobnicate"/],
    [['export', ref, '--to', 'xml'], /--to must be one of ace, yaml, json, haproxy, keepalived; got "xml"/],
  ];
  for (const [argv, re] of cases) {
    const o = io();
    t.equal(await main(argv, o), 2, argv.join(' '));
    t.match(o.stderr, re);
    t.notMatch(o.stderr, /\n\s+at /, 'no stack trace');
  }
});

t.test('export: ace text rechecks to the same model; secrets masked unless asked', async (t) => {
  const o = io();
  t.equal(await main(['export', ref, '--to', 'ace'], o), 0);
  t.notMatch(o.stdout, /my_password/);
  const dir = mkdtempSync(join(tmpdir(), 'acesim-'));
  const out = join(dir, 'exported.conf');
  const o2 = io();
  await main(['export', ref, '--to', 'ace', '--show-secrets'], o2);
  t.match(o2.stdout, /credentials tms-service my_password/);
  writeFileSync(out, o2.stdout);
  const j1 = io();
  const j2 = io();
  await main(['check', ref, '--format', 'json'], j1);
  await main(['check', out, '--format', 'json'], j2);
  t.same(JSON.parse(j2.stdout).model, JSON.parse(j1.stdout).model, 'check of the exported text yields the same model');
  const y = io();
  t.equal(await main(['export', ref, '--to', 'yaml'], y), 0);
  t.match(y.stdout, /probes:/);
  t.notMatch(y.stdout, /my_password/);
  const e = io();
  t.equal(await main(['export', printed], e), 1, 'a config with errors is not exported');
});

t.test('check --map and --port-offset rewrite the model', async (t) => {
  const o = io();
  t.equal(await main(['check', ref, '--map', '10.0.0.0/8=127.0.0.0/8', '--port-offset', '20000', '--format', 'json'], o), 0);
  const j = JSON.parse(o.stdout);
  t.equal(j.model.contexts[0].rservers[0].ipAddress, '127.0.200.50');
  t.equal(j.model.contexts[0].serverfarms[3].members[0].port, 20080);
});

t.test('the built binary runs as `acesim` (after npm ci)', async (t) => {
  const bin = resolve(ROOT, 'dist/src/cli/main.js');
  if (!existsSync(bin)) {
    t.fail('dist/src/cli/main.js is missing: `npm ci` runs the prepare script that builds it');
    return;
  }
  const r = spawnSync(process.execPath, [bin, 'check', ref, '--no-summary'], { encoding: 'utf8' });
  t.equal(r.status, 0);
  t.match(r.stdout, /0 errors/);
  const bad = spawnSync(process.execPath, [bin, 'check', printed], { encoding: 'utf8' });
  t.equal(bad.status, 1);
});
