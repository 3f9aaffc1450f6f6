// The lab's account of traffic the client fleet was asked for and did not
// record: a kind with no VIP listener, a fleet that sent nothing, single
// silent clients; clients not yet due in a short run are not counted.
import t from 'tap';
import { fleetSilence } from '../../../src/lab/clients.js';

const clients = ['10.0.100.1', '10.0.100.2', '10.0.100.3', '10.0.100.4'];
const ep = { host: '10.0.200.40', port: 80 };
const plan = { clients, http: ep, https: { ...ep, port: 443 }, trap: { ...ep, port: 162 }, httpPerClientPerS: 5, httpsPerClientPerS: 2, trapsPerClientPerS: 3 };
const all = (kind: string) => clients.map((client) => ({ client, kind }));

t.test('every client sent every kind: nothing to report', async (t) => {
  t.same(fleetSilence(plan, [...all('http'), ...all('https'), ...all('trap')], 8000), []);
});

t.test('a kind with no VIP listener is named, not counted as 0 of 0', async (t) => {
  const { http: _h, https: _s, ...noWeb } = plan;
  const out = fleetSilence(noWeb, all('trap'), 8000);
  t.equal(out.length, 2);
  t.match(out[0], /sends HTTP but the balancer announced no HTTP VIP listener/);
  t.match(out[1], /sends HTTPS but the balancer announced no HTTPS VIP listener/);
});

t.test('a fleet that recorded nothing of a kind, and single silent clients', async (t) => {
  const out = fleetSilence(plan, [...all('http'), ...all('https').slice(1)], 8000);
  t.equal(out.length, 2);
  t.match(out[0], /1 of 4 clients due to send HTTPS recorded none \(10\.0\.100\.1\)/);
  t.match(out[1], /4 of 4 clients due to send SNMP trap to 10\.0\.200\.40:162 recorded none: the client fleet did not start/);
});

t.test('a kind the scenario does not send, or clients not due yet, are not silence', async (t) => {
  t.same(fleetSilence({ ...plan, httpsPerClientPerS: 0, trapsPerClientPerS: 0 }, all('http'), 8000), []);
  // One HTTP request per 10 s: client i first sends at i × 2.5 s, so in a 4 s run only client 0 is due in the first half.
  const slow = { ...plan, httpPerClientPerS: 0.1, httpsPerClientPerS: 0, trapsPerClientPerS: 0 };
  t.same(fleetSilence(slow, [{ client: clients[0]!, kind: 'http' }], 4000), [], 'only client 0 was due in the first half of the run');
  t.match(fleetSilence(slow, [], 4000), [/1 of 1 clients due to send HTTP to 10\.0\.200\.40:80 recorded none/]);
});
