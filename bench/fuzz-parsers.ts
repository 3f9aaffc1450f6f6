// Time and peak memory of the config and scenario readers on hostile input
// (bench/lib/hostile-inputs.ts: a 10 MB line, 10k levels of indentation and of
// YAML nesting, 100k objects, binary garbage) — the bounds the fuzz tests in
// test/fuzz/ do not assert. Each (input, reader) pair runs in its own child
// process so its peak RSS is its own. Writes its section of docs/BENCHMARKS.md.
//   node dist/bench/fuzz-parsers.js            all pairs
//   node dist/bench/fuzz-parsers.js --one N R  one pair (what the children run)
import { execFileSync } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { compileConfig } from '../src/config/compile.js';
import { parseScenario } from '../src/lab/scenario.js';
import { runBench } from './lib/children.js';
import { hostileInputs, type Reader } from './lib/hostile-inputs.js';
import { writeSection } from './lib/report.js';

interface Figure {
  input: string;
  reader: Reader;
  chars: number;
  ms: number;
  diagnostics: number;
  /** Peak RSS of the child process (MiB), and its RSS before the input was built. */
  peakRssMiB: number;
  baseRssMiB: number;
}

const READERS: readonly Reader[] = ['ace', 'yaml', 'scenario'];

function one(name: string, reader: Reader): Figure {
  const h = hostileInputs().find((x) => x.name === name);
  if (!h) throw new Error(`no input "${name}"`);
  const baseRssMiB = process.memoryUsage().rss / 2 ** 20;
  const text = h.make();
  const t0 = performance.now();
  const diagnostics = reader === 'scenario' ? parseScenario(text, 'h.yaml').diagnostics.length : compileConfig(text, reader === 'ace' ? 'h.conf' : 'h.yaml').diagnostics.length;
  const ms = performance.now() - t0;
  return { input: name, reader, chars: text.length, ms, diagnostics, peakRssMiB: process.resourceUsage().maxRSS / 1024, baseRssMiB };
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv[0] === '--one') {
    process.stdout.write(JSON.stringify(one(argv[1]!, argv[2] as Reader)) + '\n');
    return;
  }
  const self = fileURLToPath(import.meta.url);
  const figures: Figure[] = [];
  // Every reader gets every input: a reader must survive what it was not aimed at, too.
  for (const h of hostileInputs()) {
    for (const r of READERS) {
      const out = execFileSync(process.execPath, [self, '--one', h.name, r], { encoding: 'utf8', maxBuffer: 1 << 20, timeout: 600_000 });
      const f = JSON.parse(out) as Figure;
      figures.push(f);
      console.log(`${f.input.padEnd(38)} ${f.reader.padEnd(9)} ${(f.chars / 2 ** 20).toFixed(1).padStart(5)} MiB ${f.ms.toFixed(0).padStart(7)} ms ${String(f.diagnostics).padStart(7)} diags  peak RSS ${f.peakRssMiB.toFixed(0)} MiB`);
    }
  }
  const worst = figures.reduce((a, b) => (b.ms > a.ms ? b : a));
  const fat = figures.reduce((a, b) => (b.peakRssMiB > a.peakRssMiB ? b : a));
  const rows = figures.map((f) => `| ${f.input} | ${f.reader} | ${(f.chars / 2 ** 20).toFixed(1)} | ${f.ms.toFixed(0)} | ${f.diagnostics} | ${f.peakRssMiB.toFixed(0)} | ${(f.peakRssMiB / Math.max(1, f.chars / 2 ** 20)).toFixed(1)} |`);
  writeSection(
    'fuzz-parsers',
    'Readers on hostile input',
    [
      'Each input read by each reader (`compileConfig` as ACE and as YAML, `parseScenario`) in a fresh child',
      'process; time is the read alone, peak RSS the whole child (Node itself is ~45 MiB). No input throws;',
      'every one yields diagnostics (asserted by `test/fuzz/config-parser.fuzz.test.ts` and',
      '`test/fuzz/scenario-parser.fuzz.test.ts`).',
      '',
      '| input | reader | MiB | ms | diagnostics | peak RSS MiB | RSS / input MiB |',
      '|---|---|---|---|---|---|---|',
      ...rows,
      '',
      `Worst time: ${worst.input} as ${worst.reader}, ${worst.ms.toFixed(0)} ms. Largest peak RSS: ${fat.input} as ${fat.reader}, ${fat.peakRssMiB.toFixed(0)} MiB.`,
      `Load average when it ran: ${loadavg().map((x) => x.toFixed(2)).join(' ')} on ${cpus().length} cores.`,
    ].join('\n'),
  );
}

runBench('fuzz-parsers', main);
