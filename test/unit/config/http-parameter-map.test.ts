// `parameter-map type http` and `appl-parameter http advanced-options`: read into the model (persistence
// rebalance, case-insensitive and the header parse length simulated, the block's other commands kept and warned), printed
// back, read back from YAML, checked as references, and resolved per VIP (persistenceRebalanceOf, parseLimitOf, resolveVips).
import t from 'tap';
import { stringify } from 'yaml';
import { compileConfig } from '../../../src/config/compile.js';
import { parseLimitOf, persistenceRebalanceOf } from '../../../src/config/defaults.js';
import type { ContextModel, VipClass } from '../../../src/config/model.js';
import { printAce } from '../../../src/config/print-ace.js';
import { resolveVips } from '../../../src/config/vips.js';
import { modelToPlain } from '../../../src/config/yaml-model.js';
import { comparable } from './helpers.js';

/** Two VIPs: V takes map `params` (when given), W none. */
function config(params: string[], applied = 'HTTP_PARAMS'): string {
  return [
    'access-list ALL line 8 extended permit ip any any',
    ...params,
    'rserver host N1',
    '  ip address 10.0.0.1',
    '  inservice',
    'serverfarm host SF',
    '  rserver N1 80',
    '    inservice',
    'class-map match-all V',
    '  2 match virtual-address 10.0.0.70 tcp eq 80',
    'class-map match-all W',
    '  2 match virtual-address 10.0.0.71 tcp eq 80',
    'policy-map type loadbalance first-match LB',
    '  class class-default',
    '    serverfarm SF',
    'policy-map multi-match VIPS',
    '  class V',
    '    loadbalance vip inservice',
    '    loadbalance policy LB',
    ...(params.length > 0 ? [`    appl-parameter http advanced-options ${applied}`] : []),
    '  class W',
    '    loadbalance vip inservice',
    '    loadbalance policy LB',
    'interface vlan 100',
    '  access-group input ALL',
    '  service-policy input VIPS',
    '  no shutdown',
    '',
  ].join('\n');
}

const MAP = ['parameter-map type http HTTP_PARAMS', '  description keep-alive tuning', '  case-insensitive', '  persistence-rebalance strict', '  set header-maxparse-length 8192', '  server-conn reuse'];

function vipClasses(ctx: ContextModel): VipClass[] {
  return ctx.policyMaps.flatMap((p) => (p.type === 'multi-match' ? p.classes : []));
}

t.test('the map and its use are read into the model; only what is not simulated is warned', async (t) => {
  const r = compileConfig(config(MAP), 'p.conf');
  t.same(r.diagnostics.filter((d) => d.severity === 'error'), [], 'no errors');
  const ctx = r.model.contexts[0]!;
  t.equal(ctx.httpParameterMaps.length, 1);
  const m = ctx.httpParameterMaps[0]!;
  t.match(m, { name: 'HTTP_PARAMS', description: 'keep-alive tuning', caseInsensitive: true, persistenceRebalance: { mode: 'strict', pos: { line: 5, col: 3 } }, headerMaxParse: { bytes: 8192, pos: { line: 6, col: 3 } } });
  t.same(m.otherLines.map((o) => [o.pos.line, o.text]), [[7, 'server-conn reuse']], 'the other commands kept verbatim, with their lines');
  t.same(ctx.unsimulated, [], 'no longer a raw block');
  t.match(vipClasses(ctx)[0], { httpParameters: { name: 'HTTP_PARAMS', pos: { line: 25, col: 42 } } });
  t.same(vipClasses(ctx)[0]!.unsimulated, [], 'the appl-parameter line is not kept as unsimulated');
  const un = r.diagnostics.filter((d) => d.code === 'ACE_UNSIMULATED');
  t.same(un.map((d) => d.line), [7], 'ACE_UNSIMULATED on server-conn, not on the block, description, case-insensitive, persistence-rebalance or the parse length');
  t.same(
    r.diagnostics.filter((d) => d.code === 'LINT_UNUSED').map((d) => d.message),
    [],
    'the map is used',
  );
});

t.test('the last persistence line wins; each form means what the ACE says', async (t) => {
  const cases: [string[], string][] = [
    [['persistence-rebalance'], 'enabled'],
    [['persistence-rebalance strict'], 'strict'],
    [['no persistence-rebalance'], 'disabled'],
    [['persistence-rebalance strict', 'no persistence-rebalance strict'], 'enabled'],
    [['persistence-rebalance', 'no persistence-rebalance'], 'disabled'],
    [['no persistence-rebalance', 'persistence-rebalance strict'], 'strict'],
    [['case-insensitive'], 'enabled'],
  ];
  for (const [lines, mode] of cases) {
    const r = compileConfig(config(['parameter-map type http HTTP_PARAMS', ...lines.map((l) => `  ${l}`)]), 'p.conf');
    t.same(r.diagnostics.filter((d) => d.severity === 'error'), [], `${lines.join(' / ')}: no errors`);
    const ctx = r.model.contexts[0]!;
    const [v, w] = vipClasses(ctx);
    t.equal(persistenceRebalanceOf(ctx, v!), mode, `${lines.join(' / ')} → ${mode}`);
    t.equal(persistenceRebalanceOf(ctx, w!), 'enabled', 'a VIP without a map: the default');
    t.same(
      resolveVips(ctx).map((x) => [x.classMap, x.persistence]),
      [
        ['V', mode],
        ['W', 'enabled'],
      ],
      'resolveVips carries it',
    );
  }
});

t.test('printed back, it reads back to the same model; so does its YAML', async (t) => {
  const a = compileConfig(config([...MAP, 'parameter-map type http OTHER', '  no persistence-rebalance', '  no case-insensitive', '  length-exceed continue', 'parameter-map type connection TCP_PARAMS', '  set timeout inactivity 600']), 'p.conf');
  const text = printAce(a.model);
  t.match(text, /parameter-map type http HTTP_PARAMS\n {2}description keep-alive tuning\n {2}case-insensitive\n {2}set header-maxparse-length 8192\n {2}server-conn reuse\n {2}persistence-rebalance strict\n/);
  t.match(text, /parameter-map type http OTHER\n {2}length-exceed continue\n {2}no persistence-rebalance\n/, '`no case-insensitive` is the default, not printed');
  t.match(text, /\n {4}appl-parameter http advanced-options HTTP_PARAMS\n/);
  t.match(text, /parameter-map type connection TCP_PARAMS\n {2}set timeout inactivity 600/, 'another type stays a kept block');
  const b = compileConfig(text, 'printed.conf');
  t.same(comparable(b.model), comparable(a.model), 'ACE text round trip');
  const y = compileConfig(stringify(modelToPlain(a.model, { showSecrets: true })), 'export.yaml');
  t.same(y.diagnostics.filter((d) => d.severity === 'error'), [], 'YAML: no errors');
  t.same(comparable(y.model), comparable(a.model), 'YAML round trip');
  t.same(
    b.diagnostics.filter((d) => d.code === 'LINT_UNUSED').map((d) => d.message),
    ['parameter-map OTHER is defined but nothing uses it'],
    'a map no VIP takes is a LINT_UNUSED note',
  );
});

t.test('the header parse length: the last line wins, the no forms return to the default', async (t) => {
  const cases: [string[], { bytes: number; exceed: string }][] = [
    [[], { bytes: 2048, exceed: 'drop' }],
    [['set header-maxparse-length 4096'], { bytes: 4096, exceed: 'drop' }],
    [['length-exceed continue'], { bytes: 2048, exceed: 'continue' }],
    [['set header-maxparse-length 4096', 'length-exceed continue', 'set header-maxparse-length 100', 'length-exceed drop'], { bytes: 100, exceed: 'drop' }],
    [['set header-maxparse-length 65535', 'no set header-maxparse-length', 'length-exceed continue', 'no length-exceed continue'], { bytes: 2048, exceed: 'drop' }],
  ];
  for (const [lines, limit] of cases) {
    const r = compileConfig(config(['parameter-map type http HTTP_PARAMS', ...lines.map((l) => `  ${l}`)]), 'p.conf');
    t.same(r.diagnostics.filter((d) => d.severity === 'error' || d.code === 'ACE_UNSIMULATED'), [], `${lines.join(' / ') || 'a map without them'}: no errors, nothing unsimulated`);
    const ctx = r.model.contexts[0]!;
    const [v, w] = vipClasses(ctx);
    t.same(parseLimitOf(ctx, v!), limit, `${lines.join(' / ')} → ${limit.bytes} bytes, ${limit.exceed}`);
    t.same(parseLimitOf(ctx, w!), { bytes: 2048, exceed: 'drop' }, 'a VIP without a map: the default');
    t.same(resolveVips(ctx).map((x) => x.parseLimit), [limit, { bytes: 2048, exceed: 'drop' }], 'resolveVips carries it');
  }
});

t.test('a bad parse length or action is an error, and the default stays', async (t) => {
  const cases: [string, string][] = [
    ['set header-maxparse-length 0', 'ACE_OUT_OF_RANGE'],
    ['set header-maxparse-length 65536', 'ACE_OUT_OF_RANGE'],
    ['set header-maxparse-length', 'ACE_MISSING_ARGUMENT'],
    ['length-exceed sometimes', 'ACE_INVALID_ARGUMENT'],
  ];
  for (const [line, code] of cases) {
    const r = compileConfig(config(['parameter-map type http HTTP_PARAMS', `  ${line}`]), 'p.conf');
    t.match(r.diagnostics.filter((d) => d.severity === 'error'), [{ code, line: 3 }], `${line}: ${code}`);
    const ctx = r.model.contexts[0]!;
    t.same(parseLimitOf(ctx, vipClasses(ctx)[0]!), { bytes: 2048, exceed: 'drop' }, 'the default applies');
  }
  const yaml = (field: string) => compileConfig(['contexts:', '  - name: Admin', '    httpParameterMaps:', '      - name: HP', `        ${field}`, ''].join('\n'), 'bad.yaml');
  t.match(yaml('headerMaxParse: { bytes: 0 }').diagnostics.filter((d) => d.severity === 'error'), [{ code: 'ACE_OUT_OF_RANGE', message: /header parse length 0 is out of range 1–65535/ }], 'YAML: a length the CLI would refuse');
  t.match(yaml('lengthExceed: { mode: sometimes }').diagnostics.find((d) => d.code === 'YAML_SCHEMA'), { line: 5, message: /mode: must be one of continue, drop/ }, 'YAML: an unknown action');
});

t.test('a YAML model with a wrong persistence mode is told so', async (t) => {
  const text = ['contexts:', '  - name: Admin', '    httpParameterMaps:', '      - name: HP', '        persistenceRebalance: { mode: sometimes }', ''].join('\n');
  const r = compileConfig(text, 'bad.yaml');
  const d = r.diagnostics.find((x) => x.code === 'YAML_SCHEMA');
  t.match(d, { line: 5, message: /mode: must be one of enabled, strict, disabled/ });
  t.equal(r.model.contexts[0]!.httpParameterMaps[0]?.persistenceRebalance, undefined, 'the bad value is not used');
});

t.test('references: an undefined map, a map of another type, a name defined twice', async (t) => {
  const missing = compileConfig(config(['parameter-map type http HTTP_PARAM'], 'HTTP_PARAMS'), 'p.conf');
  const d = missing.diagnostics.find((x) => x.code === 'ACE_UNDEFINED_REFERENCE');
  t.match(d, { severity: 'error', line: 20, col: 42, message: /parameter-map type http "HTTP_PARAMS" is not defined/, hint: 'did you mean `HTTP_PARAM`?' });

  const wrong = compileConfig(config(['parameter-map type connection HTTP_PARAMS', '  set timeout inactivity 600']), 'p.conf');
  t.match(
    wrong.diagnostics.find((x) => x.code === 'ACE_WRONG_KIND'),
    { severity: 'error', line: 21, col: 42, message: /HTTP_PARAMS is a connection parameter map; `appl-parameter http advanced-options` needs `parameter-map type http`/ },
  );

  const twice = compileConfig(config([...MAP, 'parameter-map type http HTTP_PARAMS', '  no persistence-rebalance']), 'p.conf');
  t.match(twice.diagnostics.find((x) => x.code === 'ACE_DUPLICATE_NAME'), { line: 8, message: /parameter-map "HTTP_PARAMS" is already defined at line 2/ });
  const ctx = twice.model.contexts[0]!;
  t.equal(ctx.httpParameterMaps.length, 1, 'merged into the first');
  t.equal(ctx.httpParameterMaps[0]!.persistenceRebalance?.mode, 'disabled', 'the later line wins, as re-entering the mode on the ACE');

  const unknown = compileConfig(config(['parameter-map type http HTTP_PARAMS', '  persistence-rebalanse strict']), 'p.conf');
  t.match(unknown.diagnostics.find((x) => x.code === 'ACE_UNKNOWN_KEYWORD'), { line: 3, hint: /persistence-rebalance/ }, 'a typo in the mode is an error with a suggestion');
});
