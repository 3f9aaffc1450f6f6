// docs/keywords.md is generated from the keyword tables; it must match them.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { explainKeyword, renderKeywordReference } from '../../../src/config/keywords/reference.js';
import { ROOT } from './helpers.js';

t.test('docs/keywords.md is the rendered keyword tables', async (t) => {
  const doc = readFileSync(resolve(ROOT, 'docs/keywords.md'), 'utf8');
  t.equal(doc, renderKeywordReference(), 'regenerate with: node -e "import(\'./dist/src/config/keywords/reference.js\').then(m => require(\'fs\').writeFileSync(\'docs/keywords.md\', m.renderKeywordReference()))"');
});

t.test('--explain finds keywords in every mode', async (t) => {
  t.match(explainKeyword('passdetect'), /passdetect interval SECONDS[\s\S]*passdetect count N/);
  t.match(explainKeyword('backup-rserver'), /config-sfarm-host-rs: backup-rserver NAME \[PORT\]/);
  t.equal(explainKeyword('frobnicate'), undefined);
});
