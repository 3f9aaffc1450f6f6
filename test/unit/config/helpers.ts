// Shared helpers for config tests: fixture paths and model comparison with
// positions stripped and secrets revealed.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { modelToPlain } from '../../../src/config/yaml-model.js';
import type { Model } from '../../../src/config/model.js';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const fixture = (p: string) => resolve(ROOT, 'test/fixtures', p);
export const readFixture = (p: string) => readFileSync(fixture(p), 'utf8');

/** The model as comparable plain data: no positions, secrets revealed. */
export function comparable(m: Model): unknown {
  return modelToPlain(m, { showSecrets: true, positions: false });
}
