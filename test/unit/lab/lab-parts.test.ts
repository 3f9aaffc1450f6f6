// Pure parts of the lab: client address ranges, the time-scale transform,
// fault parsing of the control API, tolerance.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { compileConfig } from '../../../src/config/compile.js';
import { clientAddresses } from '../../../src/lab/clients.js';
import { parseFault } from '../../../src/lab/control-api.js';
import { toleranceMs } from '../../../src/lab/lab-run.js';
import { scaleModel, toConfigMs, toRealMs } from '../../../src/lab/time-scale.js';
import { ROOT } from '../config/helpers.js';

t.test('clientAddresses', async (t) => {
  t.same(clientAddresses('127.0.100.0/24', 3), ['127.0.100.1', '127.0.100.2', '127.0.100.3']);
  t.same(clientAddresses('127.0.100.7/24', 1), ['127.0.100.1'], 'host bits of the range are ignored');
  t.match(clientAddresses('127.0.100.0/30', 3), /holds 2 clients/);
  t.match(clientAddresses('nope', 1), /expected IPv4 CIDR/);
});

t.test('scaleModel divides probe and sticky timings, leaves the input alone', async (t) => {
  const m = compileConfig(readFileSync(resolve(ROOT, 'examples/tms-ace.conf'), 'utf8'), 'tms-ace.conf').model;
  const s = scaleModel(m, 10);
  const p = m.contexts[0]!.probes.find((x) => x.name === 'PROBE-HTTP-80')!;
  const q = s.contexts[0]!.probes.find((x) => x.name === 'PROBE-HTTP-80')!;
  t.equal(p.intervalMs, 10_000);
  t.equal(q.intervalMs, 1_000);
  t.equal(q.passdetectIntervalMs, 4_500);
  t.equal(q.receiveMs, 200);
  t.equal(q.openMs, 200);
  t.equal(q.faildetect, p.faildetect);
  t.equal(s.contexts[0]!.stickyGroups[0]!.timeoutMs, m.contexts[0]!.stickyGroups[0]!.timeoutMs / 10);
  t.equal(scaleModel(m, 1), m);
  t.equal(toConfigMs(123, 10), 1230);
  t.equal(toRealMs(1230, 10), 123);
});

t.test('parseFault', async (t) => {
  t.same(parseFault({ fault: 'crash' }), { kind: 'crash' });
  t.same(parseFault({ fault: 'recover' }), { kind: 'up' });
  t.same(parseFault({ fault: 'slow', ms: 250 }), { kind: 'slow', ms: 250 });
  t.same(parseFault({ fault: 'http-error' }), { kind: 'http-error', status: 503 });
  t.type(parseFault({ fault: 'slow' }), 'string');
  t.type(parseFault({ fault: 'http-error', status: 42 }), 'string');
  t.type(parseFault({ fault: 'melt' }), 'string');
  t.type(parseFault(null), 'string');
});

t.test('tolerance: 10% of the window top + 200 ms × F', async (t) => {
  t.equal(toleranceMs([20_000, 30_000], 10), 5_000);
  t.equal(toleranceMs([0, 1_000], 1), 300);
});
