// The lossless syntax tree: every source line (blank, comment, command,
// noise) is kept with its exact text and line ending, so print() returns the
// input byte for byte; command lines are arranged into blocks by mode, as the
// parser decided from the keyword tables.
import { lexTokens, type SourceLine, type SourceText } from './lexer.js';

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
  readonly lines: SourceLine[];
  /** Top-level blocks (command nodes and their children) in order. */
  readonly roots: TreeNode[];
}

/**
 * The tree as the parser builds it: a table with one row per source line
 * (its parent line, kind, mode and keyword), no object per line. Line and
 * node objects are built on first access to `lines` / `roots`; a compile
 * that only wants the model never pays for them.
 */
export class Tree implements SyntaxTree {
  /** Per line: the parent node's line index, ROOT, or NOT_A_NODE. */
  private readonly parents: Int32Array;
  private readonly kinds: Uint8Array;
  private readonly modes: string[];
  private readonly keywords: (readonly string[])[];
  private lineObjects: SourceLine[] | undefined;
  private rootNodes: TreeNode[] | undefined;

  constructor(
    readonly file: string,
    private readonly src: SourceText,
  ) {
    this.parents = new Int32Array(src.count).fill(NOT_A_NODE);
    this.kinds = new Uint8Array(src.count);
    this.modes = new Array<string>(src.count);
    this.keywords = new Array<readonly string[]>(src.count);
  }

  /** Records line `l` (0-based) as a node under the node at line `parent` (or ROOT). */
  add(l: number, parent: number, kind: 'command' | 'error', mode: string, keyword: readonly string[]): void {
    this.parents[l] = parent;
    this.kinds[l] = kind === 'command' ? 1 : 2;
    this.modes[l] = mode;
    this.keywords[l] = keyword;
  }

  get lines(): SourceLine[] {
    if (!this.lineObjects) {
      const out: SourceLine[] = new Array(this.src.count);
      for (let l = 0; l < this.src.count; l++) out[l] = this.src.line(l);
      this.lineObjects = out;
    }
    return this.lineObjects;
  }

  get roots(): TreeNode[] {
    if (!this.rootNodes) {
      // A parent always comes before its children, so one pass in line order
      // builds every node and keeps children in source order.
      const roots: TreeNode[] = [];
      const nodes: (TreeNode | undefined)[] = new Array(this.src.count);
      for (let l = 0; l < this.src.count; l++) {
        const parent = this.parents[l]!;
        if (parent === NOT_A_NODE) continue;
        const n: TreeNode = { source: this.src.line(l), kind: this.kinds[l] === 1 ? 'command' : 'error', mode: this.modes[l]!, keyword: this.keywords[l]!, children: [] };
        nodes[l] = n;
        if (parent === ROOT) roots.push(n);
        else nodes[parent]!.children.push(n);
      }
      this.rootNodes = roots;
    }
    return this.rootNodes;
  }
}

export const ROOT = -1;
const NOT_A_NODE = -2;

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
