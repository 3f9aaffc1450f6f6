// When `--probe-threads auto` moves probe attempts to worker threads, and what an explicit count means.
import t from 'tap';
import { AUTO_FROM_INSTANCES, MAX_PROBE_THREADS, parseProbeThreads, probeThreadsFor } from '../../../src/cli/probe-threads.js';

t.test('parse', async (t) => {
  t.same(parseProbeThreads(undefined), { ok: true, value: 'auto' });
  t.same(parseProbeThreads('auto'), { ok: true, value: 'auto' });
  t.same(parseProbeThreads('0'), { ok: true, value: 0 });
  t.same(parseProbeThreads(String(MAX_PROBE_THREADS)), { ok: true, value: MAX_PROBE_THREADS });
  for (const bad of ['', ' 2', '2x', '-1', '1.5', 'AUTO', String(MAX_PROBE_THREADS + 1), '1e1']) {
    const r = parseProbeThreads(bad);
    t.equal(r.ok, false, `"${bad}" is refused`);
    if (!r.ok) t.match(r.message, /--probe-threads must be auto or a whole number/);
  }
});

t.test('auto: the main thread for small configs, a worker per core at scale', async (t) => {
  t.equal(probeThreadsFor('auto', 0, 2), 0);
  t.equal(probeThreadsFor('auto', AUTO_FROM_INSTANCES - 1, 2), 0);
  t.equal(probeThreadsFor('auto', AUTO_FROM_INSTANCES, 2), 2);
  t.equal(probeThreadsFor('auto', 16_000, 1), 1, 'at least one worker');
  t.equal(probeThreadsFor('auto', 16_000, 64), MAX_PROBE_THREADS, 'capped on big machines');
  t.equal(probeThreadsFor(0, 16_000, 2), 0, 'an explicit 0 keeps the main thread');
  t.equal(probeThreadsFor(3, 10, 2), 3, 'an explicit count is taken as given');
});
