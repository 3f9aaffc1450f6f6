// Properties of the compiler (fast-check): printing a model and reading it
// back gives the same model; the printer is idempotent; random damage to
// real configs never throws and every diagnostic points inside the file.
import t from 'tap';
import fc from 'fast-check';
import { compileConfig } from '../../../src/config/compile.js';
import { printAce } from '../../../src/config/print-ace.js';
import { comparable, readFixture } from './helpers.js';

const FIXTURES = ['seed/tms-ace.conf', 'seed/tms-ace-appendix1.as-printed.txt', 'ace-semantics-12.conf'].map((f) => readFixture(f));

const name = fc.stringMatching(/^[A-Z][A-Z0-9_-]{0,11}$/);
const octet = fc.integer({ min: 1, max: 254 });
const ip = fc.tuple(octet, octet, octet, octet).map((o) => o.join('.'));

/** A random but well-formed ACE config built from the constructs the parser knows. */
const configArb = fc
  .record({
    probes: fc.uniqueArray(
      fc.record({
        name,
        type: fc.constantFrom('http', 'https', 'tcp', 'icmp', 'udp', 'dns', 'snmp'),
        interval: fc.option(fc.integer({ min: 2, max: 300 }), { nil: undefined }),
        faildetect: fc.option(fc.integer({ min: 1, max: 10 }), { nil: undefined }),
        passInterval: fc.option(fc.integer({ min: 2, max: 300 }), { nil: undefined }),
        passCount: fc.option(fc.integer({ min: 1, max: 10 }), { nil: undefined }),
        receive: fc.option(fc.integer({ min: 1, max: 60 }), { nil: undefined }),
        port: fc.option(fc.integer({ min: 1, max: 65535 }), { nil: undefined }),
        status: fc.option(fc.tuple(fc.integer({ min: 100, max: 399 }), fc.integer({ min: 0, max: 199 })), { nil: undefined }),
        url: fc.option(fc.stringMatching(/^\/[a-z]{0,8}$/), { nil: undefined }),
        creds: fc.option(fc.tuple(fc.stringMatching(/^[a-z]{1,8}$/), fc.stringMatching(/^[a-z0-9_]{1,8}$/)), { nil: undefined }),
      }),
      { maxLength: 4, selector: (p) => p.name },
    ),
    rservers: fc.uniqueArray(fc.record({ name, ip, weight: fc.option(fc.integer({ min: 0, max: 100 }), { nil: undefined }), admin: fc.constantFrom('inservice', 'inservice standby', '') }), { minLength: 1, maxLength: 3, selector: (r) => r.name }),
    farmPort: fc.option(fc.integer({ min: 1, max: 65535 }), { nil: undefined }),
    predictor: fc.constantFrom('', 'predictor leastconns', 'predictor hash address source 255.255.255.0', 'predictor roundrobin'),
    failaction: fc.constantFrom('', 'failaction purge', 'failaction reassign'),
    stickyTimeout: fc.option(fc.integer({ min: 1, max: 65535 }), { nil: undefined }),
    vip: ip,
    proto: fc.constantFrom('tcp eq www', 'udp eq snmptrap', 'tcp range 8000 8080', 'any'),
  })
  .map((c) => {
    const L: string[] = [];
    for (const p of c.probes) {
      L.push(`probe ${p.type} ${p.name}`);
      if (p.interval !== undefined) L.push(`  interval ${p.interval}`);
      if (p.faildetect !== undefined) L.push(`  faildetect ${p.faildetect}`);
      if (p.passInterval !== undefined) L.push(`  passdetect interval ${p.passInterval}`);
      if (p.passCount !== undefined) L.push(`  passdetect count ${p.passCount}`);
      if (p.receive !== undefined) L.push(`  receive ${p.receive}`);
      if (p.port !== undefined && p.type !== 'icmp') L.push(`  port ${p.port}`);
      if (p.type === 'http' || p.type === 'https') {
        if (p.url !== undefined) L.push(`  request method get url ${p.url}`);
        if (p.creds) L.push(`  credentials ${p.creds[0]} ${p.creds[1]}`);
        if (p.status) L.push(`  expect status ${p.status[0]} ${p.status[0] + p.status[1]}`);
      }
    }
    for (const r of c.rservers) {
      L.push(`rserver host ${r.name}`, `  ip address ${r.ip}`);
      if (r.weight !== undefined) L.push(`  weight ${r.weight}`);
      if (r.admin) L.push(`  ${r.admin}`);
    }
    L.push('serverfarm host FARM');
    if (c.predictor) L.push(`  ${c.predictor}`);
    if (c.failaction) L.push(`  ${c.failaction}`);
    for (const p of c.probes) L.push(`  probe ${p.name}`);
    for (const r of c.rservers) L.push(`  rserver ${r.name}${c.farmPort ? ' ' + c.farmPort : ''}`, '    inservice');
    L.push('sticky ip-netmask 255.255.255.255 address source STK');
    if (c.stickyTimeout !== undefined) L.push(`  timeout ${c.stickyTimeout}`);
    L.push('  serverfarm FARM');
    L.push('class-map match-all VIP', `  2 match virtual-address ${c.vip} ${c.proto}`);
    L.push('policy-map type loadbalance first-match LB', '  class class-default', '    sticky-serverfarm STK');
    L.push('policy-map multi-match VIPS', '  class VIP', '    loadbalance vip inservice', '    loadbalance policy LB');
    L.push('access-list ALL line 8 extended permit ip any any');
    L.push('interface vlan 100', '  access-group input ALL', '  service-policy input VIPS', '  no shutdown');
    return L.join('\n') + '\n';
  });

t.test('print → parse gives the same model (generated configs)', async (t) => {
  fc.assert(
    fc.property(configArb, (text) => {
      const a = compileConfig(text, 'gen.conf');
      if (a.diagnostics.some((d) => d.severity === 'error')) throw new Error(`generated config has errors: ${JSON.stringify(a.diagnostics.filter((d) => d.severity === 'error'))}\n${text}`);
      const printed = printAce(a.model, { showSecrets: true });
      const b = compileConfig(printed, 'printed.conf');
      t.same(b.diagnostics.filter((d) => d.severity === 'error'), []);
      t.same(comparable(b.model), comparable(a.model));
      t.equal(printAce(b.model, { showSecrets: true }), printed, 'printing is idempotent');
    }),
    { numRuns: 60 },
  );
});

t.test('print → parse gives the same model (the fixtures)', async (t) => {
  for (const text of [FIXTURES[0]!, FIXTURES[2]!]) {
    const a = compileConfig(text, 'fixture.conf');
    const b = compileConfig(printAce(a.model, { showSecrets: true }), 'printed.conf');
    t.same(b.diagnostics.filter((d) => d.severity === 'error'), []);
    t.same(comparable(b.model), comparable(a.model));
  }
});

t.test('secrets are masked in the printed config unless asked for', async (t) => {
  const m = compileConfig(FIXTURES[0]!, 'f').model;
  t.notMatch(printAce(m), /my_password/);
  t.match(printAce(m), /credentials tms-service <redacted>/);
  t.match(printAce(m, { showSecrets: true }), /credentials tms-service my_password/);
});

/** Random damage of the kinds real files suffer. */
const mutation = fc.oneof(
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), len: fc.integer({ min: 1, max: 40 }) }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), text: fc.oneof(fc.string({ maxLength: 20 }), fc.constantFrom('"', '\t', '\r\n', '  ', 'probe', ' 99999999999 ', '\u0000', '!')) }),
  fc.record({ kind: fc.constant('join' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('dupline' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
);

type Mutation = { kind: 'delete'; at: number; len: number } | { kind: 'insert'; at: number; text: string } | { kind: 'join' | 'dupline' | 'truncate'; at: number };

function mutate(text: string, muts: Mutation[]): string {
  let s = text;
  for (const m of muts) {
    const at = s.length === 0 ? 0 : m.at % s.length;
    if (m.kind === 'delete') s = s.slice(0, at) + s.slice(at + m.len);
    else if (m.kind === 'insert') s = s.slice(0, at) + m.text + s.slice(at);
    else if (m.kind === 'join') s = s.slice(0, at) + s.slice(at).replace('\n', ' ');
    else if (m.kind === 'dupline') {
      const lines = s.split('\n');
      const i = m.at % Math.max(1, lines.length);
      lines.splice(i, 0, lines[i] ?? '');
      s = lines.join('\n');
    } else s = s.slice(0, at);
  }
  return s;
}

t.test('random mutations of the fixtures never throw; diagnostics stay inside the file', async (t) => {
  let runs = 0;
  fc.assert(
    fc.property(fc.constantFrom(...FIXTURES), fc.array(mutation, { minLength: 1, maxLength: 6 }), (base, muts) => {
      const text = mutate(base, muts);
      const r = compileConfig(text, 'mutated.conf');
      const lines = text.split(/\r\n|\n|\r/).length;
      for (const d of r.diagnostics) {
        if (d.line < 0 || d.line > lines || d.col < 1) throw new Error(`diagnostic outside the file: ${JSON.stringify(d)}`);
      }
      printAce(r.model);
      runs++;
    }),
    { numRuns: 300 },
  );
  t.equal(runs, 300, 'every mutated input compiled');
});

t.test('the YAML reader never throws on mutated YAML exports', async (t) => {
  const { stringify } = await import('yaml');
  const { modelToPlain } = await import('../../../src/config/yaml-model.js');
  const yamlText = stringify(modelToPlain(compileConfig(FIXTURES[2]!, 'f').model));
  let runs = 0;
  fc.assert(
    fc.property(fc.array(mutation, { minLength: 1, maxLength: 4 }), (muts) => {
      const r = compileConfig(mutate(yamlText, muts), 'mutated.yaml');
      t.ok(Array.isArray(r.diagnostics));
      runs++;
    }),
    { numRuns: 150 },
  );
  t.equal(runs, 150);
});
