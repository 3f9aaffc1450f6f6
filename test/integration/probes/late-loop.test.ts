// A prober thread running behind (as at ACE scale on a busy machine) must not call
// a connect that completed in time a timeout: real sockets on loopback, the loop
// held past the `open` deadline right after the connect went out. Node runs a
// turn's timers before its I/O, so a plain timer fired first and the attempt
// came back L4_OPEN_TIMEOUT; the deadline (Clock.setDeadline) reads the ready
// I/O first. A server that never answers still times out.
import t from 'tap';
import http from 'node:http';
import net from 'node:net';
import { once } from 'node:events';
import { RealClock } from '../../../src/core/real-clock.js';
import { NodeProber } from '../../../src/probes/probers/node-prober.js';
import type { ProbeResult } from '../../../src/probes/types.js';
import type { Probe } from '../../../src/config/model.js';
import { instanceFor, probe } from '../../fakes/probe-fixtures.js';
import { startWhileLate } from '../../fakes/late-loop.js';

const HOST = '127.0.0.1';
const OPEN_MS = 200;
const RECEIVE_MS = 300;
const prober = new NodeProber({ clock: new RealClock() });

/** An attempt started just before the loop is held past the open deadline (see startWhileLate). */
const attemptWhileLate = (p: Probe, port: number, holdMs: number): Promise<ProbeResult> => startWhileLate(() => prober.probe(instanceFor(p, HOST, port)), holdMs);

t.test('a connect that completed while the prober was late is no open timeout', async (t) => {
  const web = http.createServer((_req, res) => res.end('ok'));
  web.listen(0, HOST);
  await once(web, 'listening');
  const port = (web.address() as net.AddressInfo).port;
  t.teardown(() => {
    web.closeAllConnections();
    web.close();
  });
  const tcp = probe('T', 'tcp', { openMs: OPEN_MS, receiveMs: RECEIVE_MS });
  const httpP = probe('H', 'http', { openMs: OPEN_MS, receiveMs: RECEIVE_MS, expectStatus: [{ min: 200, max: 200 }] });

  const a = await attemptWhileLate(tcp, port, OPEN_MS + 150);
  t.match(a, { ok: true, cause: 'OK' }, `tcp: ${a.cause} ${a.detail ?? ''}`);
  t.ok(a.latencyMs >= OPEN_MS, `the attempt did take longer than open (${a.latencyMs} ms): the loop was held`);

  const b = await attemptWhileLate(httpP, port, OPEN_MS + 150);
  t.match(b, { ok: true, cause: 'OK', status: 200 }, `http: ${b.cause} ${b.detail ?? ''}`);
  t.ok(b.latencyMs >= OPEN_MS, `held past open (${b.latencyMs} ms)`);
});

t.test('a server that never answers still times out, held loop or not', async (t) => {
  // Accepts and reads, never answers: the receive deadline must still fire.
  const sockets = new Set<net.Socket>();
  const mute = net.createServer((s) => {
    sockets.add(s);
    s.on('error', () => {});
  });
  mute.listen(0, HOST);
  await once(mute, 'listening');
  const port = (mute.address() as net.AddressInfo).port;
  t.teardown(() => {
    for (const s of sockets) s.destroy();
    mute.close();
  });
  const httpP = probe('H', 'http', { openMs: OPEN_MS, receiveMs: RECEIVE_MS, expectStatus: [{ min: 200, max: 200 }] });
  const r = await attemptWhileLate(httpP, port, OPEN_MS + 150);
  t.match(r, { ok: false, cause: 'L7_RECEIVE_TIMEOUT' });
  const quiet = await prober.probe(instanceFor(httpP, HOST, port));
  t.match(quiet, { ok: false, cause: 'L7_RECEIVE_TIMEOUT' });
  t.ok(quiet.latencyMs >= RECEIVE_MS && quiet.latencyMs < RECEIVE_MS + 200, `at the receive deadline (${quiet.latencyMs} ms)`);
});
