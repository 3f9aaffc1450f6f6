// Interface ACL evaluation: first match top-down, implicit deny, no access-group = deny.
import t from 'tap';
import { compileConfig } from '../../../src/config/compile.js';
import { aclGate, compileAcl, evaluateAcl, type AclPacket } from '../../../src/proxy/acl.js';
import { parseIpv4 } from '../../../src/config/ip.js';

const ip = (s: string): number => parseIpv4(s)!;
const pkt = (protocol: AclPacket['protocol'], src: string, dst: string, dstPort = 80, srcPort = 40000): AclPacket => ({ protocol, src: ip(src), srcPort, dst: ip(dst), dstPort });

const { model, diagnostics } = compileConfig(
  `access-list WEB line 5 extended deny tcp host 10.0.100.66 any
access-list WEB line 8 extended permit tcp any host 10.1.1.100 eq www
access-list WEB line 9 extended permit tcp 10.0.0.0 255.0.0.0 10.1.1.0 255.255.255.0 range 8000 8080
access-list WEB line 10 extended permit udp any any eq 162
access-list WEB line 11 extended permit icmp any any
access-list WEB remark the rest is denied
access-list NUM line 1 extended permit 17 any any
access-list ALL line 8 extended permit ip any any
`,
  'acl.conf',
);
const ctx = model.contexts[0]!;
const acl = (name: string) => compileAcl(ctx.accessLists.find((a) => a.name === name)!);

t.same(diagnostics.filter((d) => d.severity === 'error'), []);

t.test('first match top-down with line numbers', async (t) => {
  const web = acl('WEB');
  t.match(evaluateAcl(web, pkt('tcp', '10.0.100.7', '10.1.1.100', 80)), { permit: true, line: 8 });
  t.match(evaluateAcl(web, pkt('tcp', '10.0.100.66', '10.1.1.100', 80)), { permit: false, reason: 'deny-rule', line: 5 });
  t.match(evaluateAcl(web, pkt('tcp', '10.2.3.4', '10.1.1.7', 8080)), { permit: true, line: 9 });
  t.match(evaluateAcl(web, pkt('tcp', '10.2.3.4', '10.1.1.7', 8081)), { permit: false, reason: 'implicit-deny' });
  t.match(evaluateAcl(web, pkt('tcp', '192.168.1.1', '10.1.1.7', 8000)), { permit: false }, 'source net');
  t.match(evaluateAcl(web, pkt('udp', '1.2.3.4', '10.1.1.100', 162)), { permit: true, line: 10 });
  t.match(evaluateAcl(web, pkt('udp', '1.2.3.4', '10.1.1.100', 161)), { permit: false, reason: 'implicit-deny' });
  t.match(evaluateAcl(web, pkt('icmp', '1.2.3.4', '10.1.1.100', 0)), { permit: true, line: 11 });
  t.match(evaluateAcl(web, pkt('udp', '1.2.3.4', '10.1.1.100', 80)), { permit: false }, 'tcp rule does not match udp');
});

t.test('ip matches every protocol; numbers name protocols', async (t) => {
  t.match(evaluateAcl(acl('ALL'), pkt('udp', '1.1.1.1', '2.2.2.2', 5)), { permit: true });
  t.match(evaluateAcl(acl('NUM'), pkt('udp', '1.1.1.1', '2.2.2.2', 5)), { permit: true });
  t.match(evaluateAcl(acl('NUM'), pkt('tcp', '1.1.1.1', '2.2.2.2', 5)), { permit: false });
});

t.test('gate over several interfaces: any permit wins; no access-group denies', async (t) => {
  t.match(aclGate([])(pkt('tcp', '1.1.1.1', '2.2.2.2')), { permit: false, reason: 'no-access-group' });
  t.match(aclGate([undefined])(pkt('tcp', '1.1.1.1', '2.2.2.2')), { permit: false, reason: 'no-access-group' });
  t.match(aclGate([undefined, acl('ALL')])(pkt('tcp', '1.1.1.1', '2.2.2.2')), { permit: true });
  t.match(aclGate([acl('WEB'), undefined])(pkt('tcp', '9.9.9.9', '2.2.2.2')), { permit: false, reason: 'implicit-deny', acl: 'WEB' });
});
