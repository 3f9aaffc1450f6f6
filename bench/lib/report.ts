// Writes one benchmark's section into docs/BENCHMARKS.md between markers, so
// each bench script owns its section and re-runs replace it. Adds the
// machine's details (CPU, cores, memory, Node, OS) every time.
import { readFileSync, writeFileSync, existsSync, mkdirSync } from 'node:fs';
import { cpus, totalmem, platform, release, arch } from 'node:os';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const BENCH_FILE = resolve(ROOT, 'docs/BENCHMARKS.md');

export function machineDetails(): string {
  const c = cpus();
  return [
    `- CPU: ${c[0]?.model ?? 'unknown'} × ${c.length} cores`,
    `- Memory: ${(totalmem() / 2 ** 30).toFixed(1)} GiB`,
    `- Node.js ${process.version}, ${platform()} ${release()} ${arch()}`,
    `- Run at ${new Date().toISOString()}`,
  ].join('\n');
}

const HEADER = `# Benchmarks

Every figure here was written by a script in \`bench/\` (run with \`npm run build\`
first, then \`node dist/bench/NAME.js\`). Each section says the machine it ran on.
Benchmarks are never part of \`npm test\`.
`;

export function writeSection(name: string, title: string, body: string): void {
  const start = `<!-- bench:${name}:start -->`;
  const end = `<!-- bench:${name}:end -->`;
  const section = `${start}\n## ${title}\n\n${body.trim()}\n\nMachine:\n\n${machineDetails()}\n${end}`;
  let text = existsSync(BENCH_FILE) ? readFileSync(BENCH_FILE, 'utf8') : HEADER;
  const i = text.indexOf(start);
  const j = text.indexOf(end);
  if (i >= 0 && j > i) text = text.slice(0, i) + section + text.slice(j + end.length);
  else text = `${text.trimEnd()}\n\n${section}\n`;
  mkdirSync(dirname(BENCH_FILE), { recursive: true });
  writeFileSync(BENCH_FILE, text);
}

/** Percentile of a sorted-or-not numeric array (nearest rank). */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const idx = Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1));
  return s[idx]!;
}

/**
 * `value` with `digits` decimals, or more where rounding would put it on the other side of
 * `threshold` (0.8996 against ≥ 0.9 reads "0.900", never "0.90 … FAIL").
 */
export function fixedAgainst(value: number, threshold: number, digits = 2): string {
  let d = digits;
  while (d < 6 && Number(value.toFixed(d)) >= threshold !== value >= threshold) d++;
  return value.toFixed(d);
}
