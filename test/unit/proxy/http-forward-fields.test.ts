// forwardFields: the client's field lines as an L7 VIP hands them to a node —
// every line kept (a field sent twice goes twice, in order), names lower-cased,
// hop-by-hop and VIP-set fields left out, the VIP's fields last.
import t from 'tap';
import { forwardFields } from '../../../src/proxy/http-proxy.js';

const HOP = new Set(['connection', 'keep-alive', 'transfer-encoding']);

t.test('a field sent twice goes twice, in the order received; names lower-cased', async (t) => {
  const raw = ['Host', 'vip', 'User-Agent', 'one', 'Authorization', 'Basic AAA', 'user-agent', 'two', 'AUTHORIZATION', 'Basic BBB', 'X-Dup', '1', 'x-dup', '2', 'x-dup', '3'];
  const got = forwardFields(raw, HOP, {});
  t.same(got, { host: 'vip', 'user-agent': ['one', 'two'], authorization: ['Basic AAA', 'Basic BBB'], 'x-dup': ['1', '2', '3'] });
  t.same(Object.keys(got), ['host', 'user-agent', 'authorization', 'x-dup'], 'first-seen order');
});

t.test('hop-by-hop fields are dropped whatever their case; the VIP sets its own fields, last', async (t) => {
  const raw = ['Host', 'vip', 'Connection', 'keep-alive', 'Keep-Alive', 'timeout=5', 'X-Forwarded-For', '10.0.0.1', 'Accept', '*/*', 'x-forwarded-for', '10.0.0.2'];
  const got = forwardFields(raw, HOP, { 'x-forwarded-for': '10.0.0.1, 10.0.0.2, 127.0.0.9', 'x-forwarded-proto': 'http' });
  t.same(got, { host: 'vip', accept: '*/*', 'x-forwarded-for': '10.0.0.1, 10.0.0.2, 127.0.0.9', 'x-forwarded-proto': 'http' });
  t.same(Object.keys(got).slice(-2), ['x-forwarded-for', 'x-forwarded-proto'], "the VIP's fields come last");
});

t.test('fields named like Object members are ordinary fields', async (t) => {
  const raw = ['constructor', 'c', '__proto__', 'p', 'toString', 't1', 'tostring', 't2', 'hasOwnProperty', 'h'];
  const got = forwardFields(raw, HOP, { 'x-forwarded-proto': 'http' });
  t.same(Object.keys(got), ['constructor', '__proto__', 'tostring', 'hasownproperty', 'x-forwarded-proto']);
  t.equal(got['constructor'], 'c');
  t.equal(Object.getOwnPropertyDescriptor(got, '__proto__')?.value, 'p', '__proto__ is a field, not the prototype');
  t.equal(Object.getPrototypeOf(got), Object.prototype);
  t.same(got['tostring'], ['t1', 't2']);
});

t.test('an odd trailing name without a value is not a field', async (t) => {
  t.same(forwardFields(['Host', 'vip', 'Dangling'], HOP, {}), { host: 'vip' });
});
