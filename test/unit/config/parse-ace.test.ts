// The ACE reader on real-world input: the reference config, the same config
// as printed in a PDF, and the tolerance the issue asks for (indentation,
// flush-left children, tabs, CRLF, line numbers, exec noise), plus the
// lossless tree.
import t from 'tap';
import { compileConfig } from '../../../src/config/compile.js';
import { parseAce } from '../../../src/config/parse-ace.js';
import { printTree, outline } from '../../../src/config/syntax-tree.js';
import { comparable, readFixture } from './helpers.js';

const reference = readFixture('seed/tms-ace.conf');
const asPrinted = readFixture('seed/tms-ace-appendix1.as-printed.txt');

t.test('the reference TMS config compiles with 0 errors into the expected model', async (t) => {
  const r = compileConfig(reference, 'tms-ace.conf');
  t.same(r.diagnostics.filter((d) => d.severity === 'error'), [], 'no errors');
  const ctx = r.model.contexts[0]!;
  t.equal(ctx.name, 'Admin');
  t.equal(r.model.hostname, 'loadbalancer');
  t.same(ctx.rservers.map((x) => [x.name, x.ipAddress, x.admin]), [
    ['TMS01', '10.0.200.50', 'inservice'],
    ['TMS02', '10.0.200.60', 'inservice'],
  ]);
  const http80 = ctx.probes.find((p) => p.name === 'PROBE-HTTP-80')!;
  t.match(http80, { type: 'http', port: 80, intervalMs: 10_000, passdetectIntervalMs: 45_000, receiveMs: 2_000, openMs: 2_000, faildetect: 3, passdetectCount: 3, request: { method: 'get', url: '/tms' }, expectStatus: [{ min: 200, max: 499 }] });
  const booking = ctx.probes.find((p) => p.name === 'BOOKING-PROBE-TMS')!;
  t.equal(booking.credentials?.username, 'tms-service');
  t.equal(booking.credentials?.password?.reveal(), 'my_password', 'the secret is kept');
  t.equal(String(booking.credentials?.password), '<redacted>', 'and never stringified');
  t.equal(booking.receiveMs, 10_000, 'defaults filled in');
  const f443 = ctx.serverfarms.find((f) => f.name === 'SFARM-TMS-WEB-443')!;
  t.same(f443.probes.map((p) => p.name), ['BOOKING-PROBE-TMS', 'TMS-Monitoring-443', 'TMS-WEBSERVICES-443']);
  t.same(f443.members.map((m) => [m.rserver.name, m.port, m.admin]), [
    ['TMS01', 443, 'inservice'],
    ['TMS02', 443, 'inservice'],
  ]);
  const sticky = ctx.stickyGroups.find((g) => g.name === 'L7-CLASS-TMS-WEB-80-STICKY')!;
  t.match(sticky, { kind: 'ip-netmask', netmask: '255.255.255.255', address: 'source', timeoutMs: 600_000, simulated: true, serverfarm: { primary: { name: 'SFARM-TMS-WEB-80' } } });
  const vip = ctx.classMaps.find((c) => c.name === 'L4-CLASS-TMS-WEB-443')!;
  t.match(vip.matches[0], { kind: 'virtual-address', address: '10.0.200.40', protocol: 'tcp', ports: { kind: 'eq', port: 443 } });
  const multi = ctx.policyMaps.find((p) => p.name === 'L4-POLICY-TMS-WEB');
  t.equal(multi?.type, 'multi-match');
  if (multi?.type === 'multi-match') {
    t.same(multi.classes.map((c) => [c.classMap.name, c.inservice, c.lbPolicy?.name, c.icmpReply]), [
      ['L4-CLASS-TMS-WEB-162', true, 'L4-CLASS-TMS-WEB-162-STICKY', 'always'],
      ['L4-CLASS-TMS-WEB-161', true, 'L4-CLASS-TMS-WEB-161-STICKY', 'always'],
      ['L4-CLASS-TMS-WEB-80', true, 'L4-CLASS-TMS-WEB-80-STICKY', 'always'],
      ['L4-CLASS-TMS-WEB-443', true, 'L4-CLASS-TMS-WEB-443-STICKY', undefined],
    ]);
  }
  const vlan = ctx.interfaces[0]!;
  t.match(vlan, { vlan: 200, shutdown: false, normalization: false, icmpGuard: false, ipAddress: { address: '10.0.200.24', mask: '255.255.255.0' } });
  t.same(vlan.accessGroups.map((g) => [g.direction, g.acl.name]), [['input', 'ALL'], ['output', 'ALL']]);
  t.same(vlan.servicePolicies.map((s) => s.policy.name), ['remote_mgmt_allow_policy', 'L4-POLICY-TMS-WEB']);
  t.same(ctx.accessLists[0]?.entries.map((e) => (e.kind === 'rule' ? [e.lineNo, e.action, e.protocol] : [])), [[8, 'permit', 'ip'], [9, 'permit', 'icmp']]);
  t.same(r.model.resourceClasses[0]?.limits.map((l) => l.resource), ['all', 'conc-connections', 'sticky']);
  t.equal(r.model.contextDefs[0]?.member?.name, 'TMS');
  const codes = new Set(r.diagnostics.map((d) => d.code));
  t.ok(codes.has('LINT_SNMP_OVER_TCP'), 'the TCP SNMP class-maps are linted');
  t.ok(codes.has('LINT_PROBE_TIMEOUT_EXCEEDS_INTERVAL'), 'the 20 s receive of a 10 s probe is linted');
});

t.test('the as-printed PDF text gives positioned errors and no crash', async (t) => {
  const r = compileConfig(asPrinted, 'as-printed.txt');
  const errors = r.diagnostics.filter((d) => d.severity === 'error');
  t.ok(errors.length >= 8, `several errors (${errors.length})`);
  const at = (code: string, line: number, col: number) => errors.some((d) => d.code === code && d.line === line && d.col === col);
  t.ok(at('ACE_EXTRA_ARGUMENT', 7, 39), 'boot image name broken by spaces');
  t.ok(at('ACE_EXTRA_ARGUMENT', 24, 28), '`credentials tms-service my password`: the password lost its underscore');
  t.ok(at('ACE_UNKNOWN_KEYWORD', 47, 1), 'the Markdown fence');
  const runTogether = errors.find((d) => d.line === 49);
  t.ok(runTogether?.hint?.includes('run together'), 'the run-together line gets a hint saying so');
  const typo = errors.find((d) => d.line === 94);
  t.equal(typo?.code, 'ACE_UNKNOWN_KEYWORD');
  t.equal(typo?.hint, 'did you mean `no icmp-guard`?', '`no icmp-quard` → `no icmp-guard`');
  t.ok(at('ACE_EXTRA_ARGUMENT', 97, 29), '`remote mgmt allow policy` has spaces for underscores');
  for (const d of r.diagnostics) {
    t.ok(d.line >= 0 && d.line <= asPrinted.split('\n').length, `${d.code} has a line in the file`);
  }
  // What could be read was read: the flush-left probes before the damage are all there.
  const probes = r.model.contexts[0]!.probes.map((p) => p.name);
  t.same(probes.slice(0, 3), ['BOOKING-PROBE-TMS', 'CITIES-PROBE-TCP-443', 'PROBE-HTTP-80']);
  const http80 = r.model.contexts[0]!.probes.find((p) => p.name === 'PROBE-HTTP-80')!;
  t.match(http80, { port: 80, intervalMs: 10_000, receiveMs: 2_000, openMs: 2_000 }, 'flush-left children were read by keyword, not column');
});

t.test('the syntax tree prints back the exact input', async (t) => {
  for (const text of [reference, asPrinted, 'hostname a\r\nprobe tcp T\r\n\tport 80  \r\n', 'x', '', '\n\n!c\r']) {
    const p = parseAce(text, 'f');
    t.equal(printTree(p.tree), text);
  }
});

t.test('indentation of any width, flush-left children, tabs and CRLF give the same model', async (t) => {
  const canonical = compileConfig(reference, 'a').model;
  const variants: [string, string][] = [
    ['flush-left', reference.replace(/^[ \t]+/gm, '')],
    ['tabs', reference.replace(/^( {2})+/gm, (m) => '\t'.repeat(m.length / 2))],
    ['4-space', reference.replace(/^( {2})+/gm, (m) => ' '.repeat(m.length * 2))],
    ['CRLF + trailing blanks', reference.replace(/\n/g, '   \r\n')],
  ];
  for (const [name, text] of variants) {
    const r = compileConfig(text, 'a');
    t.same(r.diagnostics.filter((d) => d.severity === 'error'), [], `${name}: no errors`);
    t.same(comparable(r.model), comparable(canonical), `${name}: same model`);
  }
});

t.test('line numbers, exec noise, exit/end and changeto', async (t) => {
  const text = [
    'ace1/Admin# show running-config',
    'Generating configuration....',
    'class-map match-any VIPS',
    '  2 match virtual-address 10.1.1.100 tcp eq www',
    '  3 match virtual-address 10.1.1.100 udp range 160 162',
    '  exit',
    'probe tcp T',
    'end',
    'changeto WEB',
    'rserver host R1',
    '  ip address 10.2.2.2',
    '  inservice',
  ].join('\n');
  const r = compileConfig(text, 'noise.conf', { noLints: true });
  t.same(r.diagnostics.filter((d) => d.severity === 'error'), []);
  t.equal(r.diagnostics.filter((d) => d.code === 'ACE_EXEC_NOISE').length, 4, 'prompt, banner, exit and end are noted');
  const cm = r.model.contexts[0]!.classMaps[0]!;
  t.same(cm.matches.map((m) => [m.lineNo, m.kind === 'virtual-address' ? m.ports : undefined]), [
    [2, { kind: 'eq', port: 80 }],
    [3, { kind: 'range', from: 160, to: 162 }],
  ]);
  t.equal(r.model.contexts.length, 2);
  t.equal(r.model.contexts[1]?.name, 'WEB');
  t.equal(r.model.contexts[1]?.rservers[0]?.ipAddress, '10.2.2.2', 'objects after changeto go to that context');
});

t.test('the annotated fixture of ace-semantics §12 parses fully', async (t) => {
  const r = compileConfig(readFixture('ace-semantics-12.conf'), 'a12.conf');
  t.same(r.diagnostics.filter((d) => d.severity === 'error'), []);
  const ctx = r.model.contexts[0]!;
  const sf = ctx.serverfarms.find((f) => f.name === 'SF_WEB')!;
  t.match(sf, { predictor: { kind: 'leastconns', slowstartS: 30 }, failaction: 'purge', partialThreshold: { thresholdPct: 50, backInservicePct: 75 } });
  t.equal(sf.members[1]?.weight, 16);
  const hp = ctx.probes.find((p) => p.name === 'HTTP_HEALTH')!;
  t.same(hp.expectStatus, [{ min: 200, max: 299 }, { min: 301, max: 302 }], 'several expect status ranges');
  t.same(hp.headers, [{ name: 'Host', value: 'www.example.com' }]);
  t.equal(hp.connectionTermForced, true);
  const g = ctx.stickyGroups[0]!;
  t.match(g, { timeoutMs: 30 * 60_000, replicate: true, serverfarm: { primary: { name: 'SF_WEB' }, backup: { name: 'SF_SORRY' }, backupSticky: false } });
  t.match(r.model.ft.peers[0], { heartbeatIntervalMs: 300, heartbeatCount: 10, ftInterfaceVlan: 900 });
  t.same(r.model.ft.groups.map((x) => [x.id, x.priority, x.peerPriority, x.preempt, x.inservice, x.associateContexts.map((c) => c.name)]), [
    [1, 150, 100, true, true, ['Admin']],
    [2, 150, 100, true, true, ['WEB']],
  ]);
  t.match(r.model.ft.tracks[0], { kind: 'interface', name: 'CLIENT_LINK', local: { target: '10', priority: 60 }, peer: { target: '10', priority: 60 } });
  const vlan10 = ctx.interfaces.find((i) => i.vlan === 10)!;
  t.match(vlan10, { alias: { address: '10.10.10.1' }, peerIpAddress: { address: '10.10.10.3' } });
  t.ok(outline(parseAce(readFixture('ace-semantics-12.conf'), 'x').tree).includes('  rserver WEB1 8080\n    inservice'), 'the outline shows the farm rserver sub-mode');
});
