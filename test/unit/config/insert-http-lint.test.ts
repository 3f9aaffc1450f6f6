// LINT_INSERT_HTTP_UNSENDABLE: `insert-http` names and values node:http
// cannot send, found at load time and pointed at (the value, or the name);
// what it can send (Latin-1, tabs, the %is variables) passes.
import t from 'tap';
import { compileConfig } from '../../../src/config/compile.js';
import { insertHttpProblem, lintModel } from '../../../src/config/lints.js';

const config = (line: string): string => `rserver host S1
  ip address 10.1.2.11
  inservice
serverfarm host FARM
  rserver S1
    inservice
policy-map type loadbalance http first-match LB
  class class-default
    ${line}
    serverfarm FARM
`;
const CODE = 'LINT_INSERT_HTTP_UNSENDABLE';
const hits = (line: string) => compileConfig(config(line), 'ih.conf').diagnostics.filter((d) => d.code === CODE);

t.test('values node:http cannot send are reported at the value, with its width', async (t) => {
  for (const [line, what] of [
    ['insert-http X-Site header-value "Zürich €"', /"€" \(U\+20AC\), outside Latin-1/],
    ['insert-http X-Site   header-value   "ok 🙂"', /"🙂" \(U\+1F642\)/],
    ['insert-http X-Site header-value "a\u0000b"', /a NUL \(U\+0000\)/],
    ['insert-http X-Site header-value "a\u0001b"', /control character U\+0001/],
    ['insert-http X-Site header-value "del\u007f"', /control character U\+007F/],
  ] as const) {
    const d = hits(line);
    t.equal(d.length, 1, JSON.stringify(line));
    const value = line.slice(line.indexOf('"'));
    t.match(d[0], { severity: 'warning', line: 9, col: 5 + line.indexOf('"'), length: value.length, message: what }, JSON.stringify(line));
  }
});

t.test('a name that is not an HTTP token is reported at the name', async (t) => {
  const line = 'insert-http X-Site(1) header-value "v"';
  const d = hits(line);
  t.equal(d.length, 1);
  t.match(d[0], { line: 9, col: 5 + line.indexOf('X-Site'), length: 'X-Site(1)'.length, message: /"X-Site\(1\)" is not an HTTP field name/ });
});

t.test('what node:http sends passes', async (t) => {
  for (const line of ['insert-http X-Client header-value "%is"', 'insert-http X-Site header-value "Zürich café"', 'insert-http X-Site header-value "a\tb"', 'insert-http X-Empty header-value ""', "insert-http X!#$%&'*+-.^_`|~ header-value v"]) {
    t.same(hits(line), [], line);
  }
});

t.test('without the source text (a YAML model) the whole command is pointed at', async (t) => {
  const m = compileConfig(config('insert-http X-Site header-value "v"'), 'ih.conf').model;
  const lb = m.contexts[0]!.policyMaps.find((p) => p.name === 'LB')!;
  const action = (lb as { classes: { actions: { kind: string; value?: string }[] }[] }).classes[0]!.actions.find((a) => a.kind === 'insert-http')!;
  action.value = 'line one\r\nline two';
  const d = lintModel(m).filter((x) => x.code === CODE);
  t.match(d, [{ line: 9, col: 5, length: 'insert-http'.length, message: /a carriage return \(U\+000D\)/ }]);
});

t.test('insertHttpProblem names the part at fault', async (t) => {
  t.same(insertHttpProblem('X-A', 'plain'), undefined);
  t.match(insertHttpProblem('X A', 'plain'), { part: 'name' });
  t.match(insertHttpProblem('X-A', 'one\ntwo'), { part: 'value', why: /a line feed/ });
});
