import t from 'tap';
import { VirtualClock } from '../../../src/core/virtual-clock.js';
import { EventBus } from '../../../src/core/event-bus.js';
import { Secret } from '../../../src/core/secret.js';
import { emptyContext } from '../../../src/config/defaults.js';
import { ProbeEngine } from '../../../src/probes/probe-engine.js';
import { attachProbeNotifier, realServerStateChangeVarbinds, slbRealTrapsEnabled, syslogForAttempt, syslogForStateChange, trapTargets } from '../../../src/probes/notify.js';
import type { RealServerStateChange, TrapSender } from '../../../src/probes/notify.js';
import { renderShowProbeDetail, runProbesOnce, snapshotToJson } from '../../../src/probes/probe-report.js';
import type { ProbeEvent, ProbeInstanceKey } from '../../../src/probes/types.js';
import { FakeProber } from '../../fakes/fake-prober.js';
import { POS, REF, instanceFor, probe } from '../../fakes/probe-fixtures.js';

const key = (over: Partial<ProbeInstanceKey> = {}): ProbeInstanceKey => ({ probe: 'PROBE-HTTP-80', probeType: 'http', farm: 'SF_WEB', rserver: 'RS1', address: '10.33.81.227', port: 8082, portType: 'PROBE', ...over });

t.test('251xxx lines match the device samples', async (t) => {
  t.equal(syslogForAttempt(key(), { ok: false, cause: 'L4_REFUSED', latencyMs: 1 }), '%ACE-3-251010: Health probe failed for server 10.33.81.227 on port 8082, connection refused by server');
  t.equal(syslogForAttempt(key({ address: '218.83.175.75', port: 81 }), { ok: false, cause: 'L4_OPEN_TIMEOUT', latencyMs: 1 }), '%ACE-3-251008: Health probe failed for server 218.83.175.75:81, connectivity error: server open timeout (no SYN ACK)');
  t.equal(syslogForAttempt(key({ port: 8000 }), { ok: false, cause: 'L7_RECEIVE_TIMEOUT', latencyMs: 1 }), '%ACE-3-251010: Health probe failed for server 10.33.81.227 on port 8000, server reply timeout');
  t.equal(syslogForAttempt(key({ probeType: 'icmp', address: '10.0.0.5', port: 0 }), { ok: false, cause: 'ICMP_TIMEOUT', latencyMs: 1 }), '%ACE-3-251011: ICMP health probe failed for server 10.0.0.5, server reply timeout');
  t.match(syslogForAttempt(key(), { ok: false, cause: 'L7_BAD_STATUS', status: 500, latencyMs: 1 }), /, Received invalid status code$/);
  t.equal(syslogForAttempt(key(), { ok: true, cause: 'OK', latencyMs: 1 }), undefined);
});

t.test('4420xx lines on transitions', async (t) => {
  t.equal(syslogForStateChange(key(), 'PASSED', 'FAILED', 200), '%ACE-4-442002: Health probe PROBE-HTTP-80 detected RS1 (interface vlan200) in serverfarm SF_WEB changed state to DOWN');
  t.equal(syslogForStateChange(key(), 'INIT', 'FAILED', 200), '%ACE-4-442002: Health probe PROBE-HTTP-80 detected RS1 (interface vlan200) in serverfarm SF_WEB changed state to DOWN');
  t.equal(syslogForStateChange(key(), 'FAILED', 'PASSED', 200), '%ACE-4-442001: Health probe PROBE-HTTP-80 detected RS1 (interface vlan200) in serverfarm SF_WEB changed state to UP');
  t.equal(syslogForStateChange(key(), 'INIT', 'PASSED', 200), undefined, 'no UP line: the real already counted as up while INIT');
});

t.test('trap targets follow snmp-server enable traps slb real', async (t) => {
  const ctx = emptyContext('Admin', POS);
  ctx.snmp.hosts.push({ pos: POS, address: '127.0.0.1', notification: 'traps', version: '2c', community: new Secret('trapcomm') });
  t.equal(trapTargets(ctx).length, 0, 'not enabled: no targets');
  ctx.snmp.enabledTraps.push({ pos: POS, words: ['slb', 'vserver'] });
  t.notOk(slbRealTrapsEnabled(ctx));
  ctx.snmp.enabledTraps.push({ pos: POS, words: ['slb', 'real'] });
  t.same(trapTargets(ctx).map((x) => [x.address, x.port, x.version]), [['127.0.0.1', 162, '2c']]);
  t.notMatch(JSON.stringify(trapTargets(ctx)), /trapcomm/, 'community masked when serialised');
  const vb = realServerStateChangeVarbinds({ farm: 'SF', rserver: 'RS1', memberPort: 80, address: '10.0.0.1', admin: 'inservice', up: false, probe: 'P' });
  t.equal(vb[0]?.oid, '1.3.6.1.4.1.9.9.470.1.5.1.0', 'cesRealServerName first');
  t.equal(vb.length, 9, 'the nine varbinds of cesRealServerStateChange');
  t.equal(vb.find((v) => v.oid.startsWith('1.3.6.1.4.1.9.9.470.1.1.3.1.7.'))?.value, 9, 'oper status probeFailed(9)');
  t.equal(vb.find((v) => v.oid.startsWith('1.3.6.1.4.1.9.9.470.1.5.2'))?.value, 'P');
  t.equal(vb.find((v) => v.oid.startsWith('1.3.6.1.4.1.9.9.470.1.1.3.1.7.'))?.oid, '1.3.6.1.4.1.9.9.470.1.1.3.1.7.1.2.83.70.3.82.83.49.80', 'row index: entity.farm.rserver.port');
});

t.test('notifier: syslog per attempt and transition, one trap per member flip, AND logic', async (t) => {
  const clock = new VirtualClock();
  const bus = new EventBus<ProbeEvent>(clock);
  const a = { ...instanceFor(probe('A', 'tcp', { intervalMs: 10_000 }), '10.0.0.1', 80, { farm: 'SF', rserver: 'RS1' }), vlan: 300 };
  const b = instanceFor(probe('B', 'tcp', { intervalMs: 10_000 }), '10.0.0.1', 81, { farm: 'SF', rserver: 'RS1' });
  const lines: string[] = [];
  const traps: RealServerStateChange[] = [];
  const sender: TrapSender = { realServerStateChange: async (c) => void traps.push(c) };
  const off = attachProbeNotifier({ bus, instances: [a, b], syslog: (l) => lines.push(l), traps: sender, options: { initCountsAsOperational: true } });
  let bDown = true;
  const prober = new FakeProber(clock, (i) => ({ delayMs: 0, ok: i.key.probe === 'A' || !bDown, cause: 'L4_REFUSED' }));
  const engine = new ProbeEngine({ clock, prober, bus, options: { nextDelayFrom: 'after-result' } });
  engine.start([a, b]);
  await clock.runUntilAsync(25_000);
  t.equal(lines.filter((l) => l.startsWith('%ACE-3-251010')).length, 3, 'three refused attempts of B');
  t.ok(lines.includes('%ACE-4-442002: Health probe B detected RS1 (interface unknown) in serverfarm SF changed state to DOWN'));
  t.same(traps.map((x) => [x.farm, x.rserver, x.up, x.probe]), [['SF', 'RS1', false, 'B']], 'AND: B failing takes the member down once');
  bDown = false;
  await clock.runUntilAsync(25_000 + 3 * 60_000);
  t.same(traps.map((x) => x.up), [false, true]);
  t.ok(lines.some((l) => l.startsWith('%ACE-4-442001: Health probe B')));
  engine.stop();
  off();

  // Report over the same engine.
  const snap = engine.snapshot();
  const text = renderShowProbeDetail(b.probe, snap);
  t.match(text, / probe {7}: B\n type {8}: TCP\n state {7}: ACTIVE/);
  t.match(text, /serverfarm {2}: SF\n {5}real {6}: RS1\n {22}10\.0\.0\.1 {8}81 {4}PROBE {4}6 {8}3 {8}3 {8}SUCCESS/);
  t.match(text, /No\. Passed states {3}: 1 +No\. Failed states {2}: 1/);
  t.match(text, /Last disconnect err : -/);
  const json = snapshotToJson(snap);
  t.same(json.instances.map((r) => [r.probe, r.rserver, r.port, r.state, r.cause]), [['A', 'RS1', 80, 'PASSED', 'OK'], ['B', 'RS1', 81, 'PASSED', 'OK']]);
});

t.test('report never shows a credential; runProbesOnce gives per-instance verdicts', async (t) => {
  const clock = new VirtualClock();
  const p = REF['BOOKING-PROBE-TMS']();
  const up = instanceFor(p, '10.0.200.50', 443, { rserver: 'TMS01', farm: 'SFARM-TMS-WEB-443' });
  const down = instanceFor(p, '10.0.200.60', 443, { rserver: 'TMS02', farm: 'SFARM-TMS-WEB-443' });
  const off = { ...instanceFor(p, '10.0.200.70', 443, { rserver: 'TMS03' }), enabled: false };
  const hang = instanceFor(p, '10.0.200.80', 443, { rserver: 'TMS04' });
  const prober = new FakeProber(clock, (i) => i.key.rserver === 'TMS04' ? { delayMs: 1_000_000, ok: true } : { delayMs: 30, ok: i.key.rserver === 'TMS01', status: i.key.rserver === 'TMS01' ? 200 : 503, cause: 'L7_BAD_STATUS' });
  const pending = runProbesOnce([up, down, off, hang], prober, clock);
  await clock.runUntilAsync(20_000);
  const res = await pending;
  t.same(res.map((r) => [r.instance.key.rserver, r.verdict, r.result?.cause]), [['TMS01', 'PASSED', 'OK'], ['TMS02', 'FAILED', 'L7_BAD_STATUS'], ['TMS03', 'DISABLED', undefined], ['TMS04', 'FAILED', 'INTERNAL_ERROR']]);
  t.notMatch(JSON.stringify(res), /my_password/);
  const engine = new ProbeEngine({ clock, prober, bus: new EventBus<ProbeEvent>(clock) });
  engine.start([up]);
  await clock.runUntilAsync(20_100);
  engine.stop();
  t.notMatch(renderShowProbeDetail(p, engine.snapshot()), /my_password/);
  t.match(renderShowProbeDetail(p, engine.snapshot()), /expect status {4}: 200-400/);
});
