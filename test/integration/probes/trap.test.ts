// A real SNMP trap to a net-snmp receiver on loopback.
import t from 'tap';
import snmp from 'net-snmp';
import type { ReceivedNotification } from 'net-snmp';
import { Secret } from '../../../src/core/secret.js';
import { emptyContext } from '../../../src/config/defaults.js';
import { CES_REAL_SERVER_STATE_CHANGE_OID, SnmpTrapSender } from '../../../src/probes/notify.js';
import { POS } from '../../fakes/probe-fixtures.js';
import { freeUdpPort } from '../../fakes/free-port.js';

t.test('cesRealServerStateChange v2c trap reaches snmp-server host', async (t) => {
  const port = await freeUdpPort();
  const got: ReceivedNotification[] = [];
  let resolveGot: () => void = () => {};
  const arrived = new Promise<void>((r) => (resolveGot = r));
  const receiver = snmp.createReceiver({ port, address: '127.0.0.1', disableAuthorization: false }, (err, n) => {
    if (!err && n) {
      got.push(n);
      resolveGot();
    }
  });
  receiver.getAuthorizer().addCommunity('trapcomm');
  t.teardown(() => receiver.close());
  const ctx = emptyContext('Admin', POS);
  ctx.snmp.hosts.push({ pos: POS, address: '127.0.0.1', notification: 'traps', version: '2c', community: new Secret('trapcomm'), port });
  ctx.snmp.enabledTraps.push({ pos: POS, words: ['slb', 'real'] });
  const sender = SnmpTrapSender.fromContext(ctx);
  await sender.realServerStateChange({ farm: 'SFARM-TMS-WEB-443', rserver: 'TMS01', memberPort: 443, address: '10.0.200.50', admin: 'inservice', up: false, probe: 'BOOKING-PROBE-TMS' });
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([arrived, new Promise((r) => (timer = setTimeout(r, 3000)))]);
  clearTimeout(timer);
  t.equal(got.length, 1, 'one trap received');
  const vbs = got[0]!.pdu.varbinds;
  const trapOid = vbs.find((v) => v.oid === '1.3.6.1.6.3.1.1.4.1.0');
  t.equal(trapOid?.value, CES_REAL_SERVER_STATE_CHANGE_OID);
  const probeName = vbs.find((v) => v.oid === '1.3.6.1.4.1.9.9.470.1.5.2.0');
  t.equal(String(probeName?.value), 'BOOKING-PROBE-TMS');
  const oper = vbs.find((v) => v.oid.startsWith('1.3.6.1.4.1.9.9.470.1.1.3.1.7.'));
  t.equal(oper?.value, 9, 'probeFailed');
});
