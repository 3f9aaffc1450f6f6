// The management API's access rules. The decision, with injected peers and
// Host headers: reads are open only when the bind, the peer and the Host are
// all loopback (a DNS-rebinding page arrives from loopback but names its own
// host); every write needs the token. Then on real sockets: writes without
// the token are refused on a loopback bind, and — where this machine has a
// non-loopback address — an API bound there refuses reads without the token.
import t from 'tap';
import { networkInterfaces } from 'node:os';
import { compileConfig } from '../../src/config/compile.js';
import { VirtualClock } from '../../src/core/virtual-clock.js';
import { MgmtApi } from '../../src/mgmt/api.js';
import { authorize, fromLoopback, isLoopbackAddress, type AuthPolicy } from '../../src/mgmt/auth.js';
import { listenMgmt } from '../../src/mgmt/server.js';
import { createRuntime } from '../../src/runtime/balancer-runtime.js';
import { configText } from '../unit/mgmt/fixtures.js';

const TOKEN = 'sec-token-7f3a';
const LOOPBACK_API = '127.0.110.3';
const PORT = 29471;

t.test('the access decision', async (t) => {
  const loopbackBind: AuthPolicy = { token: TOKEN, readsNeedToken: false };
  const rows: [string, AuthPolicy, boolean, string | undefined, { remoteAddress?: string; host?: string }, number][] = [
    ['read, loopback peer and Host', loopbackBind, false, undefined, { remoteAddress: '127.0.0.1', host: '127.0.0.1:4710' }, 200],
    ['read, IPv4-mapped loopback peer, localhost Host', loopbackBind, false, undefined, { remoteAddress: '::ffff:127.0.0.1', host: 'localhost:4710' }, 200],
    ['read, ::1 peer, [::1] Host', loopbackBind, false, undefined, { remoteAddress: '::1', host: '[::1]:4710' }, 200],
    ['read from an off-loopback peer, no token', loopbackBind, false, undefined, { remoteAddress: '192.0.2.7', host: '127.0.0.1:4710' }, 401],
    ['read from an off-loopback peer, token', loopbackBind, false, TOKEN, { remoteAddress: '192.0.2.7' }, 200],
    ['read with a foreign Host (DNS rebinding), no token', loopbackBind, false, undefined, { remoteAddress: '127.0.0.1', host: 'attacker.example:4710' }, 401],
    ['read with a foreign Host, token', loopbackBind, false, TOKEN, { remoteAddress: '127.0.0.1', host: 'attacker.example' }, 200],
    ['read on an off-loopback bind, loopback peer, no token', { token: TOKEN, readsNeedToken: true }, false, undefined, { remoteAddress: '127.0.0.1', host: '127.0.0.1' }, 401],
    ['read on an off-loopback bind, wrong token', { token: TOKEN, readsNeedToken: true }, false, 'nope', { remoteAddress: '192.0.2.7' }, 401],
    ['write from loopback without a token', loopbackBind, true, undefined, { remoteAddress: '127.0.0.1' }, 401],
    ['write from loopback with a wrong token', loopbackBind, true, TOKEN + 'x', { remoteAddress: '127.0.0.1' }, 401],
    ['write with the token', loopbackBind, true, TOKEN, { remoteAddress: '192.0.2.7' }, 200],
    ['write when no token is configured', { token: undefined, readsNeedToken: false }, true, TOKEN, { remoteAddress: '127.0.0.1' }, 403],
  ];
  for (const [name, policy, write, given, origin, want] of rows) {
    const v = authorize(policy, write, given, origin);
    t.equal(v.ok ? 200 : v.status, want, name);
  }
  t.notOk(isLoopbackAddress('127.evil.example'), 'a name that starts like loopback is not loopback');
  t.notOk(fromLoopback({ host: '127.0.0.1.nip.io' }), 'nor a Host that does');
});

function api(auth: AuthPolicy): MgmtApi {
  const clock = new VirtualClock();
  const c = compileConfig(configText({ vip: '127.0.110.40', port: 29480, n1: '127.0.110.41', n2: '127.0.110.42' }), 'sec.conf');
  const created = createRuntime({ model: c.model, clock });
  if (!created.ok) throw new Error(created.message);
  return new MgmtApi({ runtime: created.runtime, model: c.model, clock, auth });
}

t.test('real socket, loopback bind: writes need the token', async (t) => {
  const server = await listenMgmt(api({ token: TOKEN, readsNeedToken: false }), LOOPBACK_API, PORT);
  t.teardown(() => server.close());
  const post = (headers: Record<string, string>) => fetch(`${server.url}/api/sticky/clear`, { method: 'POST', body: '{}', headers });
  t.equal((await post({})).status, 401, 'no token');
  t.equal((await post({ authorization: 'Bearer wrong' })).status, 401, 'a wrong token');
  t.equal((await fetch(`${server.url}/api/sticky/clear?token=${TOKEN}`, { method: 'POST', body: '{}' })).status, 401, 'the token in the query does not count for writes');
  t.equal((await post({ authorization: `Bearer ${TOKEN}` })).status, 200, 'the token');
  t.equal((await fetch(`${server.url}/api/show/stats`)).status, 200, 'a read from loopback');
  const rebound = await new Promise<number>((resolve, reject) => {
    // fetch() sets Host itself; a raw request names the attacker's host as a rebinding page would.
    import('node:http').then(({ request }) => {
      const r = request({ host: LOOPBACK_API, port: PORT, path: '/api/show/running-config', headers: { host: 'attacker.example:29471' } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      r.on('error', reject);
      r.end();
    }, reject);
  });
  t.equal(rebound, 401, 'a read naming a foreign Host needs the token');

  const noToken = await listenMgmt(api({ token: undefined, readsNeedToken: false }), LOOPBACK_API, PORT + 1);
  t.teardown(() => noToken.close());
  t.equal((await fetch(`${noToken.url}/api/sticky/clear`, { method: 'POST', body: '{}', headers: { authorization: `Bearer ${TOKEN}` } })).status, 403, 'no token configured: writes are off');
});

const offLoopback = Object.values(networkInterfaces())
  .flat()
  .find((i) => i !== undefined && i.family === 'IPv4' && !i.internal)?.address;

t.test('real socket, off-loopback bind: reads need the token too', { skip: offLoopback === undefined ? 'no non-loopback IPv4 address on this machine' : false }, async (t) => {
  const host = offLoopback!;
  // What `acesim run --mgmt HOST:PORT` computes for a non-loopback bind (src/cli/operator-surface.ts).
  const server = await listenMgmt(api({ token: TOKEN, readsNeedToken: !isLoopbackAddress(host) }), host, PORT + 2);
  t.teardown(() => server.close());
  t.equal((await fetch(`${server.url}/api/show/stats`)).status, 401, `a read at ${host} without the token`);
  t.equal((await fetch(`${server.url}/metrics`)).status, 401, 'the metrics too');
  t.equal((await fetch(`${server.url}/`)).status, 401, 'and the dashboard');
  t.equal((await fetch(`${server.url}/api/show/stats`, { headers: { authorization: `Bearer ${TOKEN}` } })).status, 200, 'with the token');
  t.equal((await fetch(`${server.url}/api/sticky/clear`, { method: 'POST', body: '{}' })).status, 401, 'a write without the token');
});
