// The exported files are accepted by the real programs: `haproxy -c` (Debian's
// 2.6) and `keepalived -t` (2.2). Skipped, with the reason, only when the
// program is not installed (.ci/run installs both).
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileConfig } from '../../../src/config/compile.js';
import { applyAddressMap, parseAddressMapping } from '../../../src/config/address-map.js';
import { exportHaproxy } from '../../../src/export/haproxy.js';
import { exportKeepalived } from '../../../src/export/keepalived.js';

const has = (cmd: string, arg: string): boolean => spawnSync(cmd, [arg], { stdio: 'ignore' }).status === 0;
const dir = mkdtempSync(join(tmpdir(), 'acesim-export-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

const inputs = ['examples/tms-ace.conf', 'test/fixtures/ace-semantics-12.conf'];
const FT = readFileSync('test/fixtures/ace-semantics-12.conf', 'utf8');

t.test('haproxy -c accepts every export', { skip: has('haproxy', '-v') ? false : 'haproxy is not installed (apt-get install haproxy)' }, async (t) => {
  for (const f of inputs) {
    const model = compileConfig(readFileSync(f, 'utf8'), f).model;
    for (const usesrc of [false, true]) {
      const r = exportHaproxy(model, { usesrcClientip: usesrc });
      const file = join(dir, 'haproxy.cfg');
      writeFileSync(file, r.text);
      const env = { ...process.env, ...Object.fromEntries(r.env.map((e) => [e.name, 'Basic dXNlcjpwYXNz'])) };
      const res = spawnSync('haproxy', ['-c', '-f', file], { env, encoding: 'utf8' });
      t.equal(res.status, 0, `${f}${usesrc ? ' (usesrc clientip)' : ''}: ${res.stderr.split('\n').filter((l) => /ALERT/.test(l)).join(' | ')}`);
    }
  }
  // Mapped onto loopback with a port offset, as the lab runs it.
  const m = parseAddressMapping('10.0.0.0/8=127.0.0.0/8');
  if (!m.ok) throw new Error(m.message);
  const mapped = applyAddressMap(compileConfig(readFileSync(inputs[0]!, 'utf8'), inputs[0]!).model, [m.mapping], 10000).model;
  const r = exportHaproxy(mapped);
  writeFileSync(join(dir, 'mapped.cfg'), r.text);
  const res = spawnSync('haproxy', ['-c', '-f', join(dir, 'mapped.cfg')], { env: { ...process.env, ACESIM_PROBE_BOOKING_PROBE_TMS_AUTH: 'Basic eDp5' }, encoding: 'utf8' });
  t.equal(res.status, 0, res.stderr);
});

t.test('keepalived -t accepts every export', { skip: has('keepalived', '-v') ? false : 'keepalived is not installed (apt-get install keepalived)' }, async (t) => {
  for (const f of inputs) {
    const model = compileConfig(readFileSync(f, 'utf8'), f).model;
    // The ft VLAN interface does not exist here and keepalived -t checks it (and refuses lo): use a real one.
    const iface = Object.keys(networkInterfaces()).find((n) => n !== 'lo') ?? 'eth0';
    const r = exportKeepalived(model, { vrrpInterface: iface });
    const file = join(dir, 'keepalived.conf');
    writeFileSync(file, r.text);
    const res = spawnSync('keepalived', ['-t', '-f', file], { encoding: 'utf8' });
    t.equal(res.status, 0, `${f}: ${res.stderr}${res.stdout}`);
  }
  t.ok(FT.includes('ft group'), 'the second input has an ft group (VRRP instance exercised)');
});
