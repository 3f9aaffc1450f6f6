// WorkerProberPool on real loopback sockets: attempts run in worker threads with the
// same results as NodeProber, credentials survive the thread hop (and only there),
// an instance keeps its worker (learned hash), aborts and close() end attempts.
import t from 'tap';
import http from 'node:http';
import net from 'node:net';
import { once } from 'node:events';
import { RealClock } from '../../../src/core/real-clock.js';
import { Secret } from '../../../src/core/secret.js';
import { WorkerProberPool } from '../../../src/probes/probers/worker-pool.js';
import { packInstance, packValue, unpackInstance, unpackValue } from '../../../src/probes/probers/worker-wire.js';
import { instanceFor, probe } from '../../fakes/probe-fixtures.js';
import type { Probe } from '../../../src/config/model.js';

const clock = new RealClock();
let served = 0;
const web = http.createServer((req, res) => {
  served++;
  if (req.url === '/hang') return;
  if (req.url === '/secure' && req.headers.authorization !== `Basic ${Buffer.from('svc:s3cret').toString('base64')}`) {
    res.writeHead(401);
    return res.end();
  }
  res.writeHead(200);
  res.end(`body ${served}`);
});
let port = 0;
t.before(async () => {
  web.listen(0, '127.0.0.1');
  await once(web, 'listening');
  port = (web.address() as net.AddressInfo).port;
});
t.teardown(() => {
  web.closeAllConnections();
  return new Promise<void>((resolve) => web.close(() => resolve()));
});

const get = (url: string, over: Partial<Probe> = {}): Probe => probe('W', 'http', { openMs: 1_000, receiveMs: 1_000, expectStatus: [{ min: 200, max: 299 }], request: { method: 'get', url }, ...over });

t.test('secrets cross the thread boundary as Secrets, and print masked', async (t) => {
  const inst = instanceFor(get('/secure', { credentials: { username: 'svc', password: new Secret('s3cret') } }), '127.0.0.1', port);
  const back = unpackInstance(packInstance(inst), unpackValue(packValue(inst.probe)));
  t.ok(back.probe.credentials?.password instanceof Secret);
  t.equal(back.probe.credentials?.password?.reveal(), 's3cret');
  t.notMatch(JSON.stringify(back), /s3cret/);
  t.same({ ...back, probe: { ...back.probe, credentials: undefined } }, { ...inst, probe: { ...inst.probe, credentials: undefined } }, 'the rest is a plain copy');
});

// One pool for the tests below (under tap each worker loads the TypeScript sources, which takes seconds).
const starts: number[] = [];
const pool = new WorkerProberPool({ clock, threads: 2, onAttemptStart: (_i, wall) => starts.push(wall) });
t.teardown(() => pool.close());

t.test('ready(): every worker loaded before the first attempt', async (t) => {
  let booted = false;
  const wait = pool.ready().then(() => (booted = true));
  t.notOk(booted, 'workers take a moment to load');
  await wait;
  t.ok(booted);
  t.equal(pool.inFlight, 0, 'ready() sends no attempt');
  await pool.ready(); // and again, at once
});

t.test('attempts in workers: verdicts, credentials, start stamps', async (t) => {
  const before = clock.wallNow();
  const [ok, denied, creds, refused] = await Promise.all([
    pool.probe(instanceFor(get('/'), '127.0.0.1', port, { rserver: 'A' })),
    pool.probe(instanceFor(get('/secure'), '127.0.0.1', port, { rserver: 'B' })),
    pool.probe(instanceFor(get('/secure', { credentials: { username: 'svc', password: new Secret('s3cret') } }), '127.0.0.1', port, { rserver: 'C' })),
    pool.probe(instanceFor(get('/'), '127.0.0.1', 1, { rserver: 'D' })),
  ]);
  t.match(ok, { ok: true, cause: 'OK', status: 200 });
  t.match(denied, { ok: false, cause: 'L7_BAD_STATUS', status: 401 });
  t.match(creds, { ok: true, status: 200 });
  t.match(refused, { ok: false, cause: 'L4_REFUSED' });
  t.equal(starts.length, 4);
  t.ok(starts.every((w) => w >= before - 1 && w <= clock.wallNow() + 1), 'start stamps are wall-clock ms of this run');
  const waited = clock.wallNow() - before;
  t.ok(
    [ok, denied, creds, refused].every((r) => typeof r.queuedMs === 'number' && r.queuedMs >= 0 && r.queuedMs <= waited + 1),
    `each result says how long it waited for its worker (${[ok, denied, creds, refused].map((r) => r.queuedMs).join(', ')} ms)`,
  );
});

t.test('an instance keeps its worker: a learned hash is compared on the next attempt', async (t) => {
  const insts = [0, 1, 2].map((i) => instanceFor(get('/changing', { hash: {} }), '127.0.0.1', port, { rserver: `H${i}` }));
  const first = await Promise.all(insts.map((i) => pool.probe(i)));
  t.ok(first.every((r) => r.ok), 'first attempts learn');
  const second = await Promise.all(insts.map((i) => pool.probe(i)));
  t.ok(second.every((r) => r.cause === 'L7_HASH_MISMATCH'), 'each worker kept its instances\' hashes');
});

t.test('abort ends an attempt promptly; close() ends the rest', async (t) => {
  const ctl = new AbortController();
  const started = clock.monotonicNow();
  const hanging = pool.probe(instanceFor(get('/hang', { receiveMs: 10_000 }), '127.0.0.1', port, { rserver: 'X' }), ctl.signal);
  await new Promise<void>((resolve) => clock.setTimer(100, resolve));
  ctl.abort();
  const r = await hanging;
  t.match(r, { ok: false, cause: 'INTERNAL_ERROR' });
  t.ok(clock.monotonicNow() - started < 2_000, 'not the 10 s receive timeout');
  const last = pool.probe(instanceFor(get('/hang', { receiveMs: 10_000 }), '127.0.0.1', port, { rserver: 'Y' }));
  await new Promise<void>((resolve) => clock.setTimer(100, resolve));
  await pool.close();
  t.match(await last, { ok: false, cause: 'INTERNAL_ERROR', detail: 'prober pool closed' });
  t.match(await pool.probe(instanceFor(get('/'), '127.0.0.1', port)), { ok: false, detail: 'prober pool closed' });
});
