// ACE `expect status MIN MAX` ranges (OR-ed) as one anchored regex over
// three-digit HTTP status codes, for HAProxy's `http-check expect rstatus`.
// Written here rather than taken from a range-to-regex package: the domain is
// 100–999 only, so whole hundreds and whole tens collapse to `N\d\d` / `NN\d`
// and the rest are listed; the output stays short and easy to audit.
import type { StatusRange } from '../config/model.js';

/** `[{200,400}]` → `^(2[0-9][0-9]|3[0-9][0-9]|400)$`; undefined when no code 100–999 is covered. */
export function statusRangesRegex(ranges: readonly StatusRange[]): string | undefined {
  const codes = new Set<number>();
  for (const r of ranges) for (let c = Math.max(100, r.min); c <= Math.min(999, r.max); c++) codes.add(c);
  if (codes.size === 0) return undefined;
  const parts: string[] = [];
  for (let h = 1; h <= 9; h++) {
    const all = (from: number, to: number): boolean => {
      for (let c = from; c <= to; c++) if (!codes.has(c)) return false;
      return true;
    };
    if (all(h * 100, h * 100 + 99)) {
      parts.push(`${h}[0-9][0-9]`);
      continue;
    }
    for (let t = 0; t <= 9; t++) {
      const base = h * 100 + t * 10;
      if (all(base, base + 9)) parts.push(`${h}${t}[0-9]`);
      else for (let c = base; c <= base + 9; c++) if (codes.has(c)) parts.push(String(c));
    }
  }
  return `^(${parts.join('|')})$`;
}
