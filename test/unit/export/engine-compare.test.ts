// The fidelity comparison's pure parts: HAProxy's state lines become events,
// and the agreement bound is one inter of the probe HAProxy runs plus slack.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { compileConfig } from '../../../src/config/compile.js';
import { compareEngines, detectionBoundMs, engineTable } from '../../../src/lab/engine-compare.js';
import { parseStateLine } from '../../../src/lab/engine-haproxy.js';
import type { LabRunResult } from '../../../src/lab/lab-run.js';
import { parseScenario } from '../../../src/lab/scenario.js';

t.test('HAProxy stderr state lines', async (t) => {
  t.same(parseStateLine('[WARNING]  (29314) : Server be_SFARM-TMS-WEB-80__L7-CLASS-TMS-WEB-80-STICKY/TMS02 is DOWN, reason: Layer4 connection problem, info: "Connection refused", check duration: 0ms.'), { backend: 'be_SFARM-TMS-WEB-80__L7-CLASS-TMS-WEB-80-STICKY', server: 'TMS02', up: false });
  t.same(parseStateLine('[WARNING]  (1) : Server be_X/A is UP, reason: Layer7 check passed'), { backend: 'be_X', server: 'A', up: true });
  t.equal(parseStateLine('[NOTICE]   (1) : haproxy version is 2.6.12'), undefined);
});

const ctx = compileConfig(readFileSync('examples/tms-ace.conf', 'utf8'), 'tms.conf').model.contexts.find((c) => c.serverfarms.length > 0)!;

t.test('bound: one inter of the exported probe plus 200 ms × F per engine', async (t) => {
  t.equal(detectionBoundMs(ctx, 'SFARM-TMS-WEB-80', 10), 10_000 + 2 * 2000);
  t.equal(detectionBoundMs(ctx, 'SFARM-TMS-WEB-443', 1), 10_000 + 2 * 200, 'the 443 farm runs BOOKING-PROBE-TMS (interval 10 s)');
  t.equal(detectionBoundMs(ctx, 'NO-SUCH-FARM', 1), undefined);
});

t.test('rows over the farms both engines measured', async (t) => {
  const sc = parseScenario(readFileSync('examples/scenarios/node-crash.yaml', 'utf8'), 'node-crash.yaml').value;
  // tms01 crashes at 20 s; client c1 (on tms01) reaches tms02 `failover` ms later; a trap client later still.
  const run = (det: Record<string, number>, failover: number): LabRunResult =>
    ({
      metrics: { detectionMs: null, detectionByFarmMs: det, failoverMs: null, recoveryMs: null, failbackMs: null, requests: 10, lostRequests: 1, traps: 0, lostTraps: 0, stickyMoves: 0, sourceMismatches: 0 },
      events: [
        { type: 'request', atMs: 10_000, client: 'c1', kind: 'http', ok: true, node: 'tms01' },
        { type: 'request', atMs: 10_000, client: 'c2', kind: 'trap', ok: true, node: 'tms01' },
        { type: 'fault', atMs: 20_000, node: 'tms01', address: '127.0.200.50', fault: 'crash' },
        { type: 'request', atMs: 20_000 + failover, client: 'c1', kind: 'http', ok: true, node: 'tms02' },
        { type: 'request', atMs: 90_000, client: 'c2', kind: 'trap', ok: true, node: 'tms02' },
      ],
    }) as unknown as LabRunResult;
  const rows = compareEngines(ctx, sc, 1, run({ 'SFARM-TMS-WEB-80': 21_000, 'SFARM-TMS-WEB-161': 22_000 }, 25_000), run({ 'SFARM-TMS-WEB-80': 29_000 }, 50_000));
  t.equal(rows[0]!.measurement, 'detection (SFARM-TMS-WEB-80)', 'the UDP farm HAProxy does not run is left out');
  t.equal(rows[0]!.ok, true, '8 s apart, bound 10.4 s');
  const failover = rows.find((r) => r.measurement.startsWith('failover'))!;
  t.equal(failover.acesimMs, 25_000, 'trap clients are left out');
  t.equal(failover.boundMs, 10_400 + 10_000, 'plus the longest client request period (https 0.1/s)');
  t.equal(failover.ok, false, '25 s apart exceeds 20.4 s');
  t.match(engineTable(rows), /detection \(SFARM-TMS-WEB-80\)\s+21\.0 s\s+29\.0 s\s+8\.0 s\s+≤ 10\.4 s\s+agree/);
});
