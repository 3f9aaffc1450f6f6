// The keepalived translation: the FT group as a VRRP instance (priority,
// preempt, heartbeat → advert_int) and UDP VIPs as LVS virtual servers with
// checks timed from the probe (delay_loop = interval, retry = faildetect − 1).
import t from 'tap';
import { readFileSync } from 'node:fs';
import { compileConfig } from '../../../src/config/compile.js';
import { exportKeepalived } from '../../../src/export/keepalived.js';

const FT = `ft interface vlan 900
  ip address 172.16.0.1 255.255.255.252
  peer ip address 172.16.0.2 255.255.255.252
  no shutdown
ft peer 1
  heartbeat interval 300
  heartbeat count 10
  ft-interface vlan 900
ft group 1
  peer 1
  priority 150
  peer priority 100
  no preempt
  associate-context Admin
  inservice
`;

t.test('VRRP instance from ft group and peer', async (t) => {
  const ref = readFileSync('examples/tms-ace.conf', 'utf8');
  const r = exportKeepalived(compileConfig(FT + ref, 'tms.conf').model);
  t.match(r.text, /vrrp_instance ACE_FT_GROUP_1 \{/);
  t.match(r.text, /interface vlan900/);
  t.match(r.text, /priority 150/);
  t.match(r.text, /on the peer use priority 100/);
  t.match(r.text, /version 3\n\s+advert_int 0\.3/);
  t.match(r.text, /nopreempt/);
  t.match(r.text, /10\.0\.200\.40\/32/);
  t.ok(r.diagnostics.some((d) => d.code === 'EXPORT_APPROXIMATE' && d.line === 5), 'heartbeat count is warned at the ft peer');
});

t.test('UDP VIPs as LVS virtual servers with timed checks', async (t) => {
  const r = exportKeepalived(compileConfig(readFileSync('examples/tms-ace.conf', 'utf8'), 'tms.conf').model);
  t.match(r.text, /virtual_server 10\.0\.200\.40 162 \{\n\s+protocol UDP/);
  t.match(r.text, /delay_loop 10/);
  t.match(r.text, /persistence_timeout 600/);
  t.match(r.text, /HTTP_GET \{\n\s+url \{\n\s+path \/tms\n\s+status_code 200-499/);
  t.match(r.text, /retry 2\n\s+delay_before_retry 10\n\s+connect_port 80/);
  t.equal(r.diagnostics.filter((d) => d.code === 'EXPORT_UNTRANSLATED' && /not UDP/.test(d.message)).length, 2, 'the TCP VIPs are named, not dropped');
  t.match(r.text, /# no ft group/);
});
