import t from 'tap';
import { emptyContext } from '../../../src/config/defaults.js';
import type { ClassMap, ContextModel, FarmMember, PolicyMap, Rserver, Serverfarm, StickyGroup, AdminState, Probe } from '../../../src/config/model.js';
import { instancesOfMember, planProbeInstances, resolveProbePorts, vipPortsForFarm } from '../../../src/probes/instances.js';
import { unsimulatedProbeWarnings } from '../../../src/probes/unsimulated.js';
import { POS, REF, probe } from '../../fakes/probe-fixtures.js';

const ref = (name: string) => ({ name, pos: POS });
const rserver = (name: string, ip: string | undefined, admin: AdminState = 'inservice', probes: string[] = []): Rserver => ({
  name, kind: 'host', pos: POS, weight: 8, rateLimit: {}, probes: probes.map(ref), failOnAll: false, admin, ...(ip ? { ipAddress: ip } : {}),
});
const member = (rs: string, port?: number, admin: AdminState = 'inservice', probes: string[] = []): FarmMember => ({
  rserver: ref(rs), pos: POS, rateLimit: {}, probes: probes.map(ref), failOnAll: false, admin, ...(port !== undefined ? { port } : {}),
});
const farm = (name: string, probes: string[], members: FarmMember[]): Serverfarm => ({
  name, kind: 'host', pos: POS, predictor: { kind: 'roundrobin' }, probes: probes.map(ref), failOnAll: false, retcodeMaps: [], transparent: false, members,
});
const vipClass = (name: string, port: number | 'any'): ClassMap => ({
  name, type: 'l4', matchMode: 'all', pos: POS,
  matches: [{ kind: 'virtual-address', pos: POS, address: '10.0.200.40', mask: '255.255.255.255', protocol: 'tcp', ports: port === 'any' ? { kind: 'any' } : { kind: 'eq', port } }],
});
const sticky = (name: string, sf: string): StickyGroup => ({
  name, kind: 'ip-netmask', simulated: true, pos: POS, netmask: '255.255.255.255', address: 'source', timeoutMs: 600_000, timeoutActiveconns: false, replicate: false,
  serverfarm: { primary: ref(sf), backupSticky: false, aggregateState: false }, statics: [], extraLines: [],
});
const lbPolicy = (name: string, action: { sticky: string } | { farm: string; backup?: string }): PolicyMap => ({
  type: 'loadbalance', http: false, name, pos: POS,
  classes: [{ classMap: ref('class-default'), pos: POS, actions: ['sticky' in action
    ? { kind: 'sticky-serverfarm', pos: POS, group: ref(action.sticky) }
    : { kind: 'serverfarm', pos: POS, farm: ref(action.farm), aggregateState: false, ...(action.backup ? { backup: ref(action.backup) } : {}) }] }],
});

/** The reference config (tms-ace.conf) as a model, plus a probe-less port-80 VIP for precedence cases. */
function tmsContext(): ContextModel {
  const ctx = emptyContext('Admin', POS);
  ctx.probes = [REF['PROBE-HTTP-80'](), REF['BOOKING-PROBE-TMS'](), REF['TMS-Monitoring-443'](), REF['TMS-WEBSERVICES-443'](), REF['CITIES-PROBE-TCP-443']()];
  ctx.rservers = [rserver('TMS01', '10.0.200.50'), rserver('TMS02', '10.0.200.60')];
  ctx.serverfarms = [
    farm('SFARM-TMS-WEB-161', ['PROBE-HTTP-80'], [member('TMS01'), member('TMS02')]),
    farm('SFARM-TMS-WEB-443', ['BOOKING-PROBE-TMS', 'TMS-Monitoring-443', 'TMS-WEBSERVICES-443'], [member('TMS01', 443), member('TMS02', 443)]),
  ];
  ctx.stickyGroups = [sticky('STK-161', 'SFARM-TMS-WEB-161'), sticky('STK-443', 'SFARM-TMS-WEB-443')];
  ctx.classMaps = [vipClass('L4-161', 161), vipClass('L4-443', 443)];
  ctx.policyMaps = [
    lbPolicy('LB-161', { sticky: 'STK-161' }),
    lbPolicy('LB-443', { sticky: 'STK-443' }),
    {
      type: 'multi-match', name: 'L4-POLICY', pos: POS,
      classes: [
        { classMap: ref('L4-161'), pos: POS, inservice: true, lbPolicy: ref('LB-161'), udpFastAge: false, natDynamic: [], unsimulated: [] },
        { classMap: ref('L4-443'), pos: POS, inservice: true, lbPolicy: ref('LB-443'), udpFastAge: false, natDynamic: [], unsimulated: [] },
      ],
    },
  ];
  ctx.interfaces = [{
    vlan: 200, pos: POS, ipAddress: { address: '10.0.200.24', mask: '255.255.255.0' }, accessGroups: [], servicePolicies: [], natPools: [],
    shutdown: false, normalization: false, icmpGuard: false, ipv6Normalization: false, ipv6IcmpGuard: false, unsimulated: [],
  }];
  return ctx;
}

t.test('reference config: 2 × PROBE-HTTP-80 + 2 × three 443 probes', async (t) => {
  const plan = planProbeInstances(tmsContext());
  t.equal(plan.length, 8);
  const http80 = plan.filter((i) => i.key.probe === 'PROBE-HTTP-80');
  t.same(http80.map((i) => [i.key.rserver, i.key.address, i.key.port, i.key.portType]), [
    ['TMS01', '10.0.200.50', 80, 'PROBE'],
    ['TMS02', '10.0.200.60', 80, 'PROBE'],
  ], 'probe port 80 beats the VIP port 161');
  t.ok(plan.every((i) => i.enabled && i.vlan === 200));
  const m = instancesOfMember(plan, 'SFARM-TMS-WEB-443', 'TMS01', 443);
  t.same(m.map((i) => i.key.probe).sort(), ['BOOKING-PROBE-TMS', 'TMS-Monitoring-443', 'TMS-WEBSERVICES-443']);
});

t.test('port precedence: probe → real → VIP (through sticky group and plain serverfarm) → default', async (t) => {
  const noPort = probe('NP', 'http', { expectStatus: [{ min: 200, max: 200 }] });
  t.same(resolveProbePorts({ ...noPort, port: 8080 }, 81, [82]), [{ port: 8080, portType: 'PROBE' }]);
  t.same(resolveProbePorts(noPort, 81, [82]), [{ port: 81, portType: 'REAL' }]);
  t.same(resolveProbePorts(noPort, undefined, [82, 83]), [{ port: 82, portType: 'VIP' }, { port: 83, portType: 'VIP' }]);
  t.same(resolveProbePorts(noPort, undefined, []), [{ port: 80, portType: 'DEFAULT' }]);
  t.same(resolveProbePorts(probe('H', 'https'), undefined, []), [{ port: 443, portType: 'DEFAULT' }]);
  t.same(resolveProbePorts(probe('I', 'icmp'), 81, [82]), [{ port: 0, portType: 'DEFAULT' }], 'icmp has no port');

  const ctx = tmsContext();
  ctx.probes.push(noPort);
  ctx.serverfarms.push(farm('SF-VIP', ['NP'], [member('TMS01')]), farm('SF-BK', ['NP'], [member('TMS02')]), farm('SF-ORPHAN', ['NP'], [member('TMS02')]));
  ctx.serverfarms[0]!.probes.push(ref('NP')); // SFARM-TMS-WEB-161 via sticky group → VIP 161
  ctx.classMaps.push(vipClass('L4-8000', 8000), vipClass('L4-ANY', 'any'));
  ctx.policyMaps.push(lbPolicy('LB-8000', { farm: 'SF-VIP', backup: 'SF-BK' }));
  const mm = ctx.policyMaps.find((p) => p.type === 'multi-match');
  if (mm?.type === 'multi-match') {
    mm.classes.push({ classMap: ref('L4-8000'), pos: POS, inservice: true, lbPolicy: ref('LB-8000'), udpFastAge: false, natDynamic: [], unsimulated: [] });
    mm.classes.push({ classMap: ref('L4-ANY'), pos: POS, inservice: true, lbPolicy: ref('LB-8000'), udpFastAge: false, natDynamic: [], unsimulated: [] });
  }
  t.same(vipPortsForFarm(ctx, 'SF-VIP'), [8000], 'a VIP matching any port adds nothing');
  t.same(vipPortsForFarm(ctx, 'SF-BK'), [8000], 'backup farm inherits the VIP port');
  t.same(vipPortsForFarm(ctx, 'SFARM-TMS-WEB-161'), [161], 'through sticky-serverfarm → sticky group serverfarm');
  const plan = planProbeInstances(ctx).filter((i) => i.key.probe === 'NP');
  const byFarm = Object.fromEntries(plan.map((i) => [`${i.key.farm}/${i.key.rserver}`, `${i.key.port}/${i.key.portType}`]));
  t.same(byFarm, {
    'SFARM-TMS-WEB-161/TMS01': '161/VIP',
    'SFARM-TMS-WEB-161/TMS02': '161/VIP',
    'SF-VIP/TMS01': '8000/VIP',
    'SF-BK/TMS02': '8000/VIP',
    'SF-ORPHAN/TMS02': '80/DEFAULT',
  });
});

t.test('admin states, probe ip address, global rserver probes, dedupe', async (t) => {
  const ctx = tmsContext();
  ctx.probes.push(probe('ICMP', 'icmp'), probe('T', 'tcp', { port: 9000, ipAddress: { address: '192.0.2.7', routed: false } }));
  ctx.rservers.push(rserver('DOWN', '10.0.200.70', 'outofservice'), rserver('SB', '10.0.200.80', 'inservice', ['ICMP']), rserver('NOIP', undefined));
  ctx.serverfarms.push(
    farm('SF-X', ['T'], [member('DOWN'), member('SB', 80, 'standby'), member('TMS01', 80, 'outofservice'), member('NOIP'), member('TMS02', 80), member('TMS02', 81)]),
  );
  const plan = planProbeInstances(ctx);
  const x = plan.filter((i) => i.key.farm === 'SF-X');
  const row = (rs: string) => x.find((i) => i.key.rserver === rs)!;
  t.equal(row('DOWN').enabled, false, 'global outofservice → DISABLED');
  t.equal(row('TMS01').enabled, false, 'farm-level outofservice → DISABLED');
  t.equal(row('NOIP').enabled, true, 'probe ip address gives a target even without an rserver address');
  t.equal(row('SB').enabled, true, 'inservice standby is probed');
  t.equal(row('SB').admin, 'standby');
  t.equal(row('SB').key.address, '192.0.2.7', 'probe ip address wins over the rserver address');
  const tms02 = x.filter((i) => i.key.rserver === 'TMS02');
  t.equal(tms02.length, 1, 'same probe/address/port for two members is one instance');
  t.same(tms02[0]!.members.map((m) => m.memberPort), [80, 81]);
  const global = plan.filter((i) => i.key.farm === undefined);
  t.same(global.map((i) => [i.key.probe, i.key.rserver, i.key.port, i.key.portType]), [['ICMP', 'SB', 0, 'DEFAULT']]);
  t.ok(instancesOfMember(plan, 'SF-X', 'SB', 80).some((i) => i.key.probe === 'ICMP'), 'global probes count for every farm member');
});

t.test('unsimulated probe types are reported with their position', async (t) => {
  const ctx = tmsContext();
  const rtsp: Probe = { ...probe('R', 'rtsp'), pos: { file: 'x.conf', line: 7, col: 1 } };
  ctx.probes.push(rtsp, probe('S', 'scripted'));
  const w = unsimulatedProbeWarnings(ctx);
  t.same(w.map((x) => [x.probe, x.type, x.pos.line]), [['R', 'rtsp', 7], ['S', 'scripted', 1]]);
});
