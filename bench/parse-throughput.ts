// Parse + validate throughput of the config compiler on a generated
// 200k-line config (issue 2 target: >= 500k lines/s on this 2-core machine).
// Writes its section of docs/BENCHMARKS.md.
import { compileConfig } from '../src/config/compile.js';
import { parseAce } from '../src/config/parse-ace.js';
import { validateModel } from '../src/config/validate.js';
import { cpus, loadavg } from 'node:os';
import { percentile, writeSection } from './lib/report.js';

const TARGET_LINES = Number(process.argv[2] ?? 200_000);
const TARGET_RATE = 500_000;

/** A realistic config: probes, rservers, farms, sticky groups, class-maps, policies, an interface. */
function generate(lines: number): string {
  const out: string[] = ['hostname bench', 'access-list ALL line 8 extended permit ip any any'];
  let i = 0;
  while (out.length < lines) {
    const n = i++;
    const ip = `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;
    out.push(
      `probe http P${n}`,
      '  port 80',
      '  interval 10',
      '  passdetect interval 45',
      '  receive 2',
      '  request method get url /tms',
      '  expect status 200 499',
      `rserver host R${n}`,
      `  description node ${n}`,
      `  ip address ${ip}`,
      '  inservice',
      `serverfarm host F${n}`,
      `  probe P${n}`,
      `  rserver R${n} 80`,
      '    inservice',
      `sticky ip-netmask 255.255.255.255 address source S${n}`,
      '  timeout 10',
      `  serverfarm F${n}`,
      `class-map match-all C${n}`,
      `  2 match virtual-address 10.200.${(n >> 8) & 255}.${n & 255} tcp eq www`,
      `policy-map type loadbalance first-match L${n}`,
      '  class class-default',
      `    sticky-serverfarm S${n}`,
    );
  }
  // One join (the trailing '' gives the final newline): a flat string, as
  // readFileSync gives the CLI. `join(…) + '\n'` would make a rope that V8
  // reads through an extra indirection on every character.
  const body = out.slice(0, lines);
  body.push('');
  return body.join('\n');
}

function time(fn: () => void): number {
  const t0 = performance.now();
  fn();
  return performance.now() - t0;
}

const loadBefore = loadavg()[0]!;
const text = generate(TARGET_LINES);
const lines = text.split('\n').length - 1;
// Warm-up so the figures are steady-state JIT, as in a long-running tool.
for (let k = 0; k < 2; k++) compileConfig(text, 'bench.conf', { noLints: true });

const runs = 9;
const parseMs: number[] = [];
const validateMs: number[] = [];
const fullMs: number[] = [];
let errors = 0;
for (let k = 0; k < runs; k++) {
  let model: ReturnType<typeof parseAce>['model'] | undefined;
  parseMs.push(time(() => (model = parseAce(text, 'bench.conf').model)));
  validateMs.push(time(() => (errors = validateModel(model!).filter((d) => d.severity === 'error').length)));
  fullMs.push(time(() => compileConfig(text, 'bench.conf')));
}
const med = (a: number[]) => percentile(a, 50);
const rate = (ms: number) => Math.round(lines / (ms / 1000));
const pv = med(parseMs) + med(validateMs);
// Per run, to show the spread: on this shared machine the same run can take half as long again from one minute to the next.
const pvRuns = parseMs.map((p, k) => p + validateMs[k]!);
const rss = process.memoryUsage().rss / 2 ** 20;
// Other work on the machine shows here: the figures are only comparable between quiet runs.
const load = `load average (1 min) ${loadBefore.toFixed(1)} at the start, ${loadavg()[0]!.toFixed(1)} at the end, on ${cpus().length} cores${Math.max(loadBefore, loadavg()[0]!) > 1.5 ? ': the machine was shared with other work while this ran' : ''}`;

const body = `Generated config of ${lines.toLocaleString('en')} lines (probes, rservers, farms, sticky groups,
class-maps, load-balance policies; ${errors} errors). Median of ${runs} runs after warm-up, one process, one core.

| step | median time | lines/s | target | pass |
|---|---|---|---|---|
| parse (lex → lossless tree → model) | ${med(parseMs).toFixed(0)} ms | ${rate(med(parseMs)).toLocaleString('en')} | — | — |
| validate (cross-references) | ${med(validateMs).toFixed(0)} ms | ${rate(med(validateMs)).toLocaleString('en')} | — | — |
| **parse + validate** | ${pv.toFixed(0)} ms | **${rate(pv).toLocaleString('en')}** | ≥ ${TARGET_RATE.toLocaleString('en')} | ${rate(pv) >= TARGET_RATE ? 'PASS' : 'FAIL'} |
| everything \`acesim check\` does (+ lints, sorting) | ${med(fullMs).toFixed(0)} ms | ${rate(med(fullMs)).toLocaleString('en')} | — | — |

Parse + validate per run: fastest ${rate(Math.min(...pvRuns)).toLocaleString('en')} lines/s, slowest ${rate(Math.max(...pvRuns)).toLocaleString('en')} lines/s (the target is judged on the median).
RSS at the end: ${rss.toFixed(0)} MiB; ${load}.`;
writeSection('parse-throughput', 'Config compiler throughput (bench/parse-throughput.ts, issue 2)', body);
console.log(body);
