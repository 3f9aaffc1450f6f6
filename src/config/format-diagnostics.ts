// Renders diagnostics as compiler-style text: `FILE:LINE:COL: severity CODE:
// message`, the source line, a caret line under the span, and the hint.
import type { Diagnostic } from './diagnostics.js';

export function formatDiagnostic(d: Diagnostic, sourceLines?: readonly string[]): string {
  const head = `${d.file}:${d.line}:${d.col}: ${d.severity} ${d.code}: ${d.message}`;
  const out = [head];
  const src = d.line > 0 ? sourceLines?.[d.line - 1] : undefined;
  if (src !== undefined) {
    // Long run-together lines are cut around the column so the caret stays readable.
    const expanded = src.replace(/\t/g, ' ');
    let start = 0;
    if (d.col > 100) start = d.col - 40;
    const shown = expanded.slice(start, start + 160);
    const prefix = start > 0 ? '…' : '';
    const suffix = expanded.length > start + 160 ? '…' : '';
    out.push(`  ${prefix}${shown}${suffix}`);
    const width = Math.max(1, Math.min(d.length ?? 1, 160 - (d.col - 1 - start)));
    out.push(`  ${' '.repeat(prefix.length + d.col - 1 - start)}${'^'.repeat(width)}`);
  }
  if (d.hint) out.push(`  hint: ${d.hint}`);
  return out.join('\n');
}

export function formatSummary(file: string, errors: number, warnings: number, notes: number): string {
  const p = (n: number, w: string) => `${n} ${w}${n === 1 ? '' : 's'}`;
  return `${file}: ${p(errors, 'error')}, ${p(warnings, 'warning')}, ${p(notes, 'note')}`;
}
