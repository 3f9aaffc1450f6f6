// The lossless syntax tree: every source line (blank, comment, command,
// noise) is kept with its exact text and line ending, so print() returns the
// input byte for byte; command lines are arranged into blocks by mode, as the
// parser decided from the keyword tables.
import { lexTokens, type SourceLine } from './lexer.js';

export type LineKind = 'blank' | 'comment' | 'command' | 'noise' | 'error';

export interface TreeNode {
  source: SourceLine;
  kind: LineKind;
  /** The mode the line was read in (e.g. 'top', 'probe', 'serverfarm'). */
  mode: string;
  /** The keyword words that matched, e.g. ['passdetect', 'interval']. */
  keyword: readonly string[];
  children: TreeNode[];
}

export interface SyntaxTree {
  file: string;
  /** Every line in order (the lossless part). */
  lines: SourceLine[];
  /** Top-level blocks (command nodes and their children) in order. */
  roots: TreeNode[];
}

/** Prints the tree back to exactly the text it was read from. */
export function printTree(tree: SyntaxTree): string {
  let s = '';
  for (const l of tree.lines) s += l.text + l.eol;
  return s;
}

/** Renders the block structure the parser inferred (for `check --explain` and tests). */
export function outline(tree: SyntaxTree): string {
  const out: string[] = [];
  const walk = (n: TreeNode, depth: number) => {
    out.push(`${'  '.repeat(depth)}${lexTokens(n.source).tokens.map((t) => t.text).join(' ')}`);
    for (const c of n.children) walk(c, depth + 1);
  };
  for (const r of tree.roots) walk(r, 0);
  return out.join('\n');
}
