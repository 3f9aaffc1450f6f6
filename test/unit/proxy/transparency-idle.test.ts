// Transparency helpers (default mode, PROXY v1 line) and the lazy idle timer on the virtual clock.
import t from 'tap';
import { VirtualClock } from '../../../src/core/virtual-clock.js';
import { IdleTimer } from '../../../src/proxy/idle-timer.js';
import { defaultTransparency, plainIpv4, proxyProtocolV1, upstreamLocalAddress } from '../../../src/proxy/transparency.js';

t.test('default transparency: bind-client only when every VIP is on loopback', async (t) => {
  t.same(defaultTransparency(['127.0.200.40', '127.1.2.3']), { mode: 'bind-client' });
  const r = defaultTransparency(['127.0.200.40', '10.0.200.40']);
  t.equal(r.mode, 'none');
  t.match(r.warning, /proxy-protocol/);
  t.equal(defaultTransparency([]).mode, 'none');
});

t.test('upstream local address and PROXY v1', async (t) => {
  t.equal(upstreamLocalAddress('bind-client', '127.0.100.7'), '127.0.100.7');
  t.equal(upstreamLocalAddress('none', '127.0.100.7'), undefined);
  t.equal(upstreamLocalAddress('proxy-protocol', '127.0.100.7'), undefined);
  t.equal(proxyProtocolV1('10.0.100.7', 51234, '10.0.200.40', 443), 'PROXY TCP4 10.0.100.7 10.0.200.40 51234 443\r\n');
  t.equal(plainIpv4('::ffff:127.0.0.1'), '127.0.0.1');
  t.equal(plainIpv4('::1'), '::1');
});

t.test('idle timer fires only after idleMs without activity', async (t) => {
  const clock = new VirtualClock();
  let fired = 0;
  const idle = new IdleTimer(clock, 1000, () => fired++);
  clock.advance(600);
  idle.touch();
  clock.advance(600);
  t.equal(fired, 0, 'touched at 600: not idle at 1200');
  clock.advance(399);
  t.equal(fired, 0);
  clock.advance(1);
  t.equal(fired, 1, 'idle at 1600');
  clock.advance(5000);
  t.equal(fired, 1, 'fires once');
  const idle2 = new IdleTimer(clock, 1000, () => fired++);
  idle2.stop();
  clock.advance(5000);
  t.equal(fired, 1, 'stopped timers never fire');
});
