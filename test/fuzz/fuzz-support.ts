// Shared by the fuzz tests: how many runs a property gets (bounded by default so
// `npm test` stays fast; ACESIM_FUZZ_RUNS raises it for a long run), the kinds
// of damage real files suffer, and the check that diagnostics point inside the
// input they describe.
import fc from 'fast-check';
import type { Diagnostic } from '../../src/config/diagnostics.js';

/** Runs per property: the default, or ACESIM_FUZZ_RUNS when set (a long run). */
export function fuzzRuns(defaultRuns: number): number {
  const n = Number(process.env['ACESIM_FUZZ_RUNS']);
  return Number.isInteger(n) && n > 0 ? n : defaultRuns;
}

/** YAML objects in the hostile-size tests: 20k by default (the yaml package reads ~10k/s), 100k in a long run. */
export const YAML_OBJECTS = process.env['ACESIM_FUZZ_RUNS'] ? 100_000 : 20_000;

export type Mutation =
  | { kind: 'delete-line' | 'duplicate-line' | 'truncate' | 'join-lines'; at: number }
  | { kind: 'swap-lines'; at: number; to: number }
  | { kind: 'insert-bytes'; at: number; bytes: number[] }
  | { kind: 'insert-text'; at: number; text: string };

const hostileText = fc.constantFrom('"', "'", '\t', '\r', '\r\n', '\u0000', '\uFEFF', '\u202E', ' 99999999999999999999 ', '-1', '{', '[', ': ', '- ', '&a ', '*a', '!!binary ', '%YAML 1.2\n', '---\n', '...\n', '#', 'probe', 'exit', '  inservice');

export const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constantFrom('delete-line', 'duplicate-line', 'truncate', 'join-lines') as fc.Arbitrary<'delete-line' | 'duplicate-line' | 'truncate' | 'join-lines'>, at: fc.nat() }),
  fc.record({ kind: fc.constant('swap-lines' as const), at: fc.nat(), to: fc.nat() }),
  fc.record({ kind: fc.constant('insert-bytes' as const), at: fc.nat(), bytes: fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 1, maxLength: 16 }) }),
  fc.record({ kind: fc.constant('insert-text' as const), at: fc.nat(), text: fc.oneof(hostileText, fc.string({ maxLength: 24, unit: 'binary' })) }),
);

/** Applies the mutations in order; positions wrap around the current text. */
export function mutate(text: string, muts: readonly Mutation[]): string {
  let s = text;
  for (const m of muts) {
    const lines = s.split('\n');
    const li = m.at % Math.max(1, lines.length);
    const ci = s.length === 0 ? 0 : m.at % s.length;
    switch (m.kind) {
      case 'delete-line':
        lines.splice(li, 1);
        s = lines.join('\n');
        break;
      case 'duplicate-line':
        lines.splice(li, 0, lines[li] ?? '');
        s = lines.join('\n');
        break;
      case 'swap-lines': {
        const lj = m.to % Math.max(1, lines.length);
        [lines[li], lines[lj]] = [lines[lj] ?? '', lines[li] ?? ''];
        s = lines.join('\n');
        break;
      }
      case 'join-lines':
        s = s.slice(0, ci) + s.slice(ci).replace('\n', ' ');
        break;
      case 'truncate':
        s = s.slice(0, ci);
        break;
      case 'insert-bytes':
        // Bytes as a file read with the wrong encoding would give them (latin1 → UTF-16 code units).
        s = s.slice(0, ci) + Buffer.from(m.bytes).toString('latin1') + s.slice(ci);
        break;
      case 'insert-text':
        s = s.slice(0, ci) + m.text + s.slice(ci);
        break;
    }
  }
  return s;
}

/**
 * Problems with where the diagnostics point: every one names `file`, a line
 * inside the text (0 = the whole file) and a column from 1 to just past that
 * line's end (a missing argument is marked one space after the last word,
 * where it belongs). Lines are counted both ways the readers split them (the ACE
 * lexer also ends a line at a lone CR; YAML only at LF), taking the looser.
 */
export function positionProblems(text: string, file: string, diagnostics: readonly Diagnostic[]): string[] {
  const byLf = text.split('\n');
  const byAny = text.split(/\r\n|\n|\r/);
  const out: string[] = [];
  for (const d of diagnostics) {
    const where = `${d.code}@${d.line}:${d.col}`;
    if (d.file !== file) out.push(`${where}: file ${d.file}`);
    if (!Number.isInteger(d.line) || !Number.isInteger(d.col)) out.push(`${where}: not integers`);
    if (d.line < 0 || d.line > Math.max(byLf.length, byAny.length)) out.push(`${where}: line outside 0..${byAny.length}`);
    if (d.col < 1) out.push(`${where}: column below 1`);
    if (d.line >= 1) {
      const width = Math.max(byLf[d.line - 1]?.length ?? 0, byAny[d.line - 1]?.length ?? 0);
      if (d.col > width + 2) out.push(`${where}: column past the end of its line (${width} chars)`);
    }
    if (typeof d.message !== 'string' || d.message === '') out.push(`${where}: no message`);
  }
  return out;
}

/** Damage to a datagram: a byte overwritten, inserted or removed, or the rest cut off. */
export type Damage = { kind: 'flip' | 'insert' | 'delete' | 'truncate'; at: number; byte: number };
export const damage: fc.Arbitrary<Damage> = fc.record({ kind: fc.constantFrom('flip', 'insert', 'delete', 'truncate') as fc.Arbitrary<Damage['kind']>, at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) });

export function damaged(buf: Buffer, ds: readonly Damage[]): Buffer {
  let b = Buffer.from(buf);
  for (const d of ds) {
    const at = b.length === 0 ? 0 : d.at % b.length;
    if (d.kind === 'flip' && b.length > 0) b[at] = d.byte;
    else if (d.kind === 'insert') b = Buffer.concat([b.subarray(0, at), Buffer.from([d.byte]), b.subarray(at)]);
    else if (d.kind === 'delete') b = Buffer.concat([b.subarray(0, at), b.subarray(at + 1)]);
    else b = b.subarray(0, at);
  }
  return b;
}
