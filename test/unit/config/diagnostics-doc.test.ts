// docs/diagnostics.md documents every code, one row each, with the
// registry's severity; the two must not drift apart.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { DIAGNOSTIC_CODES } from '../../../src/config/diagnostics.js';
import { ROOT } from './helpers.js';

t.test('docs/diagnostics.md and the code registry are in step', async (t) => {
  const doc = readFileSync(resolve(ROOT, 'docs/diagnostics.md'), 'utf8');
  const rows = new Map<string, string>();
  for (const m of doc.matchAll(/^\| `([A-Z_]+)` \| (error|warning|note) \|/gm)) {
    t.notOk(rows.has(m[1]!), `${m[1]} has one row only`);
    rows.set(m[1]!, m[2]!);
  }
  for (const [code, v] of Object.entries(DIAGNOSTIC_CODES)) {
    t.equal(rows.get(code), v.severity, `${code} is documented as ${v.severity}`);
  }
  for (const code of rows.keys()) t.ok(code in DIAGNOSTIC_CODES, `documented code ${code} exists`);
});
