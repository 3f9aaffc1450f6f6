// LINT_PERSISTENCE_REBALANCE: the two persistence settings of a `parameter-map type http` that make the
// ACE's L7 balancing differ from acesim's are reported on their own line; the plain form, which is what
// acesim does, and other parameter maps are not.
import t from 'tap';
import { compileConfig } from '../../../src/config/compile.js';

const CODE = 'LINT_PERSISTENCE_REBALANCE';
const config = (type: string, ...lines: string[]): string => `parameter-map type ${type} PM\n  case-insensitive\n${lines.map((l) => `  ${l}\n`).join('')}rserver host S1\n  ip address 10.1.2.11\n`;
const hits = (text: string) => compileConfig(text, 'pm.conf').diagnostics.filter((d) => d.code === CODE);

t.test('strict: every request balanced on the ACE; reported at the line, with its width', async (t) => {
  const d = hits(config('http', 'persistence-rebalance strict'));
  t.equal(d.length, 1);
  t.match(d[0], { severity: 'warning', line: 3, col: 3, length: 'persistence-rebalance strict'.length, message: /parameter-map PM: persistence-rebalance strict load-balances every request/ });
});

t.test('no persistence-rebalance: one real per connection on the ACE, whatever the class', async (t) => {
  const d = hits(config('http', 'set header-maxparse-length 8192', '   No   Persistence-Rebalance'));
  t.equal(d.length, 1, 'case and spacing do not matter');
  t.match(d[0], { line: 4, col: 6, message: /with no persistence-rebalance the ACE keeps every request of a keep-alive connection on the real of its first one/ });
});

t.test('not reported: the plain form, another parameter-map type, a map without the setting', async (t) => {
  t.same(hits(config('http', 'persistence-rebalance')), [], 'plain persistence-rebalance is what acesim does');
  t.same(hits(config('connection', 'persistence-rebalance strict')), [], 'only http parameter maps have it');
  t.same(hits(config('http')), []);
  const unsimulated = compileConfig(config('http', 'persistence-rebalance strict'), 'pm.conf').diagnostics.filter((d) => d.code === 'ACE_UNSIMULATED');
  t.equal(unsimulated.length, 1, 'the block itself is still reported as kept and not simulated');
});
