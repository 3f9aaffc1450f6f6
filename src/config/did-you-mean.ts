// "Did you mean" suggestions from a mode's keyword table: Damerau-Levenshtein
// distance, accepted when small relative to the word's length.

/** Rows reused across calls (suggestions run in bursts over many names); grown on demand. */
let rows = new Int32Array(3 * 64);

export function editDistance(a: string, b: string): number {
  const m = a.length;
  const n = b.length;
  const w = n + 1;
  if (rows.length < 3 * w) rows = new Int32Array(3 * w);
  // Three rolling rows (the transposition looks two back) instead of an (m+1)×(n+1) matrix.
  let prev2 = 0;
  let prev = w;
  let cur = 2 * w;
  for (let j = 0; j <= n; j++) rows[prev + j] = j;
  for (let i = 1; i <= m; i++) {
    rows[cur] = i;
    const ai = a.charCodeAt(i - 1);
    const ai1 = i > 1 ? a.charCodeAt(i - 2) : -1;
    for (let j = 1; j <= n; j++) {
      const bj = b.charCodeAt(j - 1);
      const cost = ai === bj ? 0 : 1;
      let v = Math.min(rows[prev + j]! + 1, rows[cur + j - 1]! + 1, rows[prev + j - 1]! + cost);
      if (i > 1 && j > 1 && ai === b.charCodeAt(j - 2) && ai1 === bj) v = Math.min(v, rows[prev2 + j - 2]! + 1);
      rows[cur + j] = v;
    }
    const t = prev2;
    prev2 = prev;
    prev = cur;
    cur = t;
  }
  return rows[prev + n]!;
}

/**
 * Edit-distance work (DP cells) a caller may spend on suggestions across many
 * calls. Validation shares one per model: 100k undefined references against
 * 100k names would otherwise cost 10^10 comparisons; once it is spent, the
 * remaining references get the plain hint.
 */
export interface SuggestBudget {
  cells: number;
}

/** Best candidate within distance max(1, len/3), or undefined. */
export function didYouMean(word: string, candidates: Iterable<string>, budget?: SuggestBudget): string | undefined {
  if (budget !== undefined && budget.cells <= 0) return undefined;
  const w = word.toLowerCase();
  let best: string | undefined;
  let bestD = Infinity;
  const limit = Math.max(1, Math.floor(w.length / 3));
  for (const c of candidates) {
    // The distance is at least the length difference: a candidate that far off can never be
    // suggested, and skipping it keeps garbage input (a 10 MB "word") linear instead of m×n.
    // Lower-casing never shortens a string, so a candidate already too long is skipped before it.
    if (c.length - w.length > limit) continue;
    const lc = c.toLowerCase();
    if (Math.abs(lc.length - w.length) > limit) continue;
    if (budget !== undefined) {
      const cost = (w.length + 1) * (lc.length + 1);
      if (budget.cells < cost) {
        budget.cells = 0;
        break;
      }
      budget.cells -= cost;
    }
    const d = editDistance(w, lc);
    if (d < bestD || (d === bestD && best !== undefined && c < best)) {
      best = c;
      bestD = d;
    }
  }
  return best !== undefined && bestD > 0 && bestD <= limit ? best : undefined;
}
