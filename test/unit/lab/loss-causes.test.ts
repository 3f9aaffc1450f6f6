// Lost client requests carry how the client saw them fail; the lab totals them per cause.
import t from 'tap';
import { causeOf } from '../../../src/lab/clients.js';
import { lossCauses, type RunEvent } from '../../../src/lab/measure.js';

const err = (message: string, code?: string): Error & { code?: string } => Object.assign(new Error(message), code !== undefined ? { code } : {});

t.test('client errors map to the documented causes', async (t) => {
  t.equal(causeOf(err('connect ECONNREFUSED 127.0.0.1:80', 'ECONNREFUSED')), 'refused');
  t.equal(causeOf(err('read ECONNRESET', 'ECONNRESET')), 'reset');
  t.equal(causeOf(err('socket hang up', 'ECONNRESET')), 'reset');
  t.equal(causeOf(err('write EPIPE', 'EPIPE')), 'reset');
  t.equal(causeOf(err('socket hang up')), 'reset', 'a hang-up without a code is a reset too');
  t.equal(causeOf(err('wrong version number', 'ERR_SSL_WRONG_VERSION_NUMBER')), 'tls');
  t.equal(causeOf(err('getaddrinfo ENOTFOUND x', 'ENOTFOUND')), 'enotfound', 'other codes pass through in lower case');
  t.equal(causeOf(err('something else')), 'error');
});

t.test('lossCauses counts failed requests only, traps excluded, most frequent first', async (t) => {
  const req = (ok: boolean, cause?: string, kind: 'http' | 'https' | 'trap' = 'http'): RunEvent => ({ type: 'request', atMs: 0, client: 'c', kind, ok, ...(cause !== undefined ? { cause } : {}) });
  const events: RunEvent[] = [req(true), req(false, 'reset'), req(false, 'timeout'), req(false, 'reset', 'https'), req(false, undefined), req(false, 'timeout', 'trap'), req(false, 'HTTP 503')];
  const got = lossCauses(events);
  t.same(got, { reset: 2, 'HTTP 503': 1, timeout: 1, unknown: 1 });
  t.same(Object.keys(got), ['reset', 'HTTP 503', 'timeout', 'unknown'], 'ordered by count, then by name');
  t.same(lossCauses([req(true)]), {}, 'nothing lost: empty');
});
