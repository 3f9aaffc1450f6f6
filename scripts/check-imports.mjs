// Enforces ARCHITECTURE.md's import table: imports flow down, never up, and
// engine code (probes, sticky, farm, ha) imports only the config model's
// types, never the parser. Also: only src/core touches timers and the clock.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, dirname, resolve } from 'node:path';

const ROOT = resolve(dirname(new URL(import.meta.url).pathname), '..');
const SRC = join(ROOT, 'src');

const allowed = {
  core: [],
  config: ['core'],
  probes: ['core', 'config'],
  sticky: ['core', 'config'],
  farm: ['core', 'config', 'probes', 'sticky'],
  proxy: ['core', 'config', 'farm', 'sticky', 'probes'],
  ha: ['core', 'config', 'farm', 'sticky'],
  runtime: ['core', 'config', 'probes', 'sticky', 'farm', 'proxy', 'ha'],
  export: ['core', 'config'],
  mgmt: ['core', 'config', 'probes', 'sticky', 'farm', 'proxy', 'ha', 'runtime'],
  lab: ['core', 'config', 'probes', 'sticky', 'farm', 'proxy', 'ha', 'runtime', 'mgmt', 'export'],
  sim: ['core', 'config', 'probes', 'sticky', 'farm', 'proxy', 'ha', 'runtime', 'mgmt', 'lab', 'export'],
  cli: null, // anything
};
const ENGINE = new Set(['probes', 'sticky', 'farm', 'ha']);
const MODEL_TYPE_FILES = new Set(['config/model.ts', 'config/defaults.ts']);

function walk(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...walk(p));
    else if (p.endsWith('.ts')) out.push(p);
  }
  return out;
}

const problems = [];
for (const file of walk(SRC)) {
  const rel = relative(SRC, file);
  const top = rel.split('/')[0];
  const text = readFileSync(file, 'utf8');
  const rules = allowed[top];
  if (rules === undefined) problems.push(`${rel}: folder src/${top} is not in the architecture table`);
  for (const m of text.matchAll(/^\s*(import|export)\s+(type\s+)?[^;]*?from\s+'(\.[^']+)'/gm)) {
    const target = relative(SRC, resolve(dirname(file), m[3])).replace(/\.js$/, '.ts');
    const ttop = target.split('/')[0];
    if (ttop === top || rules === null || rules === undefined) continue;
    if (!rules.includes(ttop)) problems.push(`${rel}: imports src/${target} (src/${top} may import only ${rules.join(', ') || 'nothing in src'})`);
    if (ENGINE.has(top) && ttop === 'config' && !MODEL_TYPE_FILES.has(target)) {
      problems.push(`${rel}: engine code imports src/${target}; engine may use only config/model.ts types and config/defaults.ts`);
    }
  }
  if (top !== 'core' && /\b(Date\.now|setTimeout|setInterval|performance\.now|setImmediate)\(/.test(text)) {
    problems.push(`${rel}: only src/core may touch timers and the wall clock`);
  }
  if (top !== 'cli' && /process\.exit\(/.test(text)) problems.push(`${rel}: process.exit outside src/cli`);
}
if (problems.length > 0) {
  console.error('Import/architecture check failed:\n  ' + problems.join('\n  '));
  process.exit(1);
}
console.log(`architecture check: ${walk(SRC).length} files ok`);
