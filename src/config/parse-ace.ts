// ACE text → lossless syntax tree + typed model + syntax diagnostics.
// Block membership is decided by the keyword tables, not by columns: a line
// belongs to the innermost open mode that accepts it (keyword and arguments),
// so configs pasted flush-left, indented oddly or with tabs parse the same.
// Indentation is used only where it is evidence: once a block has indented
// children, a line at or left of its opener's column closes it. Never throws.
import { ArgError, Args } from './args.js';
import { emptyContext, emptyModel } from './defaults.js';
import type { Diagnostic, DiagnosticCode } from './diagnostics.js';
import { DIAGNOSTIC_CODES } from './diagnostics.js';
import { didYouMean } from './did-you-mean.js';
import { MODES, matchKeywords, modesKnowing, type Keyword, type ModeName } from './keywords/index.js';
import type { ApplyCx, Open } from './keywords/types.js';
import { lexTokens, splitLines, type SourceLine, type Token } from './lexer.js';
import type { ContextModel, Model, Platform, Probe, SourcePos } from './model.js';
import type { SyntaxTree, TreeNode } from './syntax-tree.js';

export interface ParseOptions {
  platform?: Platform;
}

export interface ParseOutput {
  tree: SyntaxTree;
  model: Model;
  diagnostics: Diagnostic[];
}

interface Frame {
  mode: ModeName;
  target: unknown;
  indent: number;
  /** A child at a deeper indent has been seen: indentation now delimits the block. */
  childIndented: boolean;
  node?: TreeNode;
  /** For blocks whose opener failed: absorb lines this mode would take, silently. */
  shadowOf?: ModeName;
}

/** Exec commands and console noise found in pasted sessions. */
const EXEC_WORDS = new Set(['exit', 'end', 'show', 'copy', 'write', 'wr', 'configure', 'conf', 'terminal', 'term', 'ping', 'traceroute', 'reload', 'clear', 'debug', 'dir', 'more', 'checkpoint', 'crypto-import']);
const NOISE_LINE = /^(Generating configuration|Building configuration|Current configuration|Last configuration change|Enter configuration commands)/i;
const PROMPT = /^[\w.-]+(\/[\w.-]+)?(\([\w-]+\))?[#>]/;

export function parseAce(text: string, file: string, opts: ParseOptions = {}): ParseOutput {
  const lines = splitLines(text);
  const model = emptyModel(file, opts.platform ?? 'appliance');
  const diagnostics: Diagnostic[] = [];
  const roots: TreeNode[] = [];
  let ctxIndex = 0;

  const report = (code: DiagnosticCode, message: string, line: number, col: number, length = 1, hint?: string) => {
    const d: Diagnostic = { code, severity: DIAGNOSTIC_CODES[code].severity, message, file, line, col, length: Math.max(1, length) };
    if (hint !== undefined) d.hint = hint;
    diagnostics.push(d);
  };

  let commandCount = 0;
  let indentedCount = 0;
  for (const l of lines) {
    if (l.start < 0 || l.text.charCodeAt(l.start) === 33) continue; // blank or `!` comment
    commandCount++;
    if (l.indent > 0) indentedCount++;
  }
  // A file counts as indented when a real share of its lines are; flush-left
  // text (as copied out of a PDF) then relies on the keyword tables alone.
  const fileIndented = indentedCount > 0 && indentedCount >= commandCount * 0.1;

  const stack: Frame[] = [{ mode: 'top', target: model, indent: -1, childIndented: true }];
  const cx = new LineCx(
    model,
    file,
    () => ctxIndex,
    report,
    (name: string) => {
      let i = model.contexts.findIndex((c) => c.name === name);
      if (i < 0) {
        model.contexts.push(emptyContext(name, cx.pos) as ContextModel);
        i = model.contexts.length - 1;
      }
      ctxIndex = i;
      stack.length = 1;
    },
  );
  let sawCommand = false;

  for (const sl of lines) {
    if (sl.start < 0 || sl.text.charCodeAt(sl.start) === 33) continue; // blank or `!` comment
    const lexed = lexTokens(sl);
    const first = lexed.tokens[0];
    if (!first) continue;
    if (lexed.unterminatedAt !== undefined) {
      report('ACE_UNTERMINATED_QUOTE', 'this double-quoted string is not closed on its line', sl.line, lexed.unterminatedAt, sl.text.length - lexed.unterminatedAt + 1, 'close the quote; ACE strings cannot span lines');
      continue;
    }
    let tokens: Token[] = lexed.tokens;
    const lower0 = first.text.toLowerCase();

    // Exec commands and console noise: skipped with a note; exit/end also leave modes as on the CLI.
    // (The regexes run only on lines that could match them: this loop is the parser's hot path.)
    const c0 = first.text.charCodeAt(0);
    const maybeBanner = c0 >= 65 && c0 <= 90;
    // A prompt (`ace/Admin#`, `ace/Admin(config)#`) is the first token and ends in # or >.
    const cLast = first.text.charCodeAt(first.text.length - 1);
    const maybePrompt = cLast === 35 || cLast === 62;
    if (EXEC_WORDS.has(lower0) || (maybeBanner && NOISE_LINE.test(sl.text.trim())) || (maybePrompt && PROMPT.test(first.text))) {
      if (lower0 === 'exit' && stack.length > 1) stack.pop();
      else if (lower0 === 'end') stack.length = 1;
      report('ACE_EXEC_NOISE', `skipped \`${sl.text.trim().slice(0, 40)}\`: an exec command or console output, not configuration`, sl.line, first.col, Math.min(first.width, 40));
      continue;
    }

    // Optional line numbers on match lines: `2 match virtual-address …`.
    let lineNo: number | undefined;
    if (c0 >= 48 && c0 <= 57 && /^\d+$/.test(first.text) && tokens.length > 1 && tokens[1]!.text.toLowerCase() === 'match') {
      lineNo = Number(first.text);
      if (lineNo < 1 || lineNo > 1024) report('ACE_LINE_NUMBER', `line number ${lineNo} is outside 1–1024`, sl.line, first.col, first.width);
      tokens = tokens.slice(1);
    }
    // Keywords are at most four words long; lower-case only those (the error paths use allWords()).
    const nWords = tokens.length < 4 ? tokens.length : 4;
    const words: string[] = new Array(nWords);
    for (let w = 0; w < nWords; w++) words[w] = w === 0 && tokens === lexed.tokens ? lower0 : tokens[w]!.text.toLowerCase();
    const allWords = () => tokens.map((t) => t.text.toLowerCase());
    sawCommand = true;

    makeCx(sl, tokens[0]!.col, lineNo);
    let chosen: { frameIdx: number; kw: Keyword; value: unknown; wordCount: number } | undefined;
    let failure: { frameIdx: number; kw: Keyword; err: ArgError } | undefined;
    let rawIdx: number | undefined;

    for (let i = stack.length - 1; i >= 0; i--) {
      const f = stack[i]!;
      const deeper = sl.indent > f.indent;
      const allowed = i === 0 || deeper || (!f.childIndented && !fileIndented);
      if (!allowed) continue;
      if (f.mode === 'raw') {
        const shadowTakes = f.shadowOf !== undefined && matchKeywords(f.shadowOf, words).length > 0;
        if (deeper || shadowTakes) {
          rawIdx = i;
          break;
        }
        continue;
      }
      for (const k of matchKeywords(f.mode, words)) {
        const args = new Args(tokens, endCol(tokens, k.words.length), k.words.length);
        try {
          const value = k.parse(args, cx, f.target);
          chosen = { frameIdx: i, kw: k, value, wordCount: k.words.length };
          break;
        } catch (e) {
          if (!(e instanceof ArgError)) throw e;
          failure ??= { frameIdx: i, kw: k, err: e };
        }
      }
      if (chosen) break;
    }

    if (rawIdx !== undefined && !chosen) {
      const f = stack[rawIdx]!;
      if (stack.length !== rawIdx + 1) stack.length = rawIdx + 1;
      if (sl.indent > f.indent) f.childIndented = true;
      const block = f.target as { lines?: string[] };
      block.lines?.push(sl.text.trim());
      attach(f, node(sl, f.mode, []));
      continue;
    }

    if (chosen) {
      const f = stack[chosen.frameIdx]!;
      if (stack.length !== chosen.frameIdx + 1) stack.length = chosen.frameIdx + 1;
      if (sl.indent > f.indent && chosen.frameIdx > 0) f.childIndented = true;
      const n = node(sl, f.mode, chosen.kw.words);
      attach(f, n);
      if (chosen.kw.simulated === false) {
        report('ACE_UNSIMULATED', `\`${chosen.kw.words.join(' ')}\` is valid ACE; acesim keeps it but does not simulate it`, sl.line, tokens[0]!.col, spanOf(tokens, chosen.wordCount));
      }
      if (f.mode === 'probe' && chosen.kw.probeTypes) {
        const p = f.target as Probe;
        if (!chosen.kw.probeTypes.includes(p.type)) {
          report('ACE_PROBE_TYPE_MISMATCH', `\`${chosen.kw.words.join(' ')}\` is not a ${p.type} probe command on an ACE; kept, but it has no effect`, sl.line, tokens[0]!.col, spanOf(tokens, chosen.wordCount));
        }
      }
      const opened = chosen.kw.apply(chosen.value, f.target, cx) as Open | void;
      if (isOpen(opened)) stack.push({ mode: opened.mode, target: opened.target, indent: sl.indent, childIndented: false, node: n });
      continue;
    }

    if (failure) {
      const f = stack[failure.frameIdx]!;
      stack.length = failure.frameIdx + 1;
      const e = failure.err;
      report(e.code, `${failure.kw.words.join(' ')}: ${e.message}`, sl.line, e.col, e.length, e.hint ?? runTogetherHint(allWords()) ?? `syntax: ${failure.kw.syntax}`);
      const n = node(sl, f.mode, failure.kw.words, 'error');
      attach(f, n);
      const opens = opensMode(failure.kw, f.mode);
      if (opens) stack.push({ mode: 'raw', target: { lines: [] }, indent: sl.indent, childIndented: false, node: n, shadowOf: opens });
      continue;
    }

    // No open mode knows the keyword.
    const inner = stack[stack.length - 1]!;
    const knowing = modesKnowing(words);
    if (knowing.length > 0 && stack.every((f) => !knowing.includes(f.mode))) {
      const phrase = Math.max(...knowing.map((m) => matchKeywords(m, words)[0]?.words.length ?? 1));
      report('ACE_ORPHAN_COMMAND', `\`${words.slice(0, phrase).join(' ')}\` is a ${knowing.map((m) => MODES[m].prompt).join(' / ')} command, but no such block is open here`, sl.line, tokens[0]!.col, tokens[0]!.width, runTogetherHint(allWords()) ?? `put it under the block it belongs to (${knowing.map(describeMode).join(', ')})`);
    } else {
      const candidates = suggestionModes(stack);
      const dym = suggest(words, candidates);
      const shown = dym ? words.slice(0, dym.split(' ').length).join(' ') : tokens[0]!.text;
      let hint = dym ? `did you mean \`${dym}\`?` : runTogetherHint(allWords());
      if (!hint && first.text.startsWith('```')) hint = 'a Markdown code fence: remove it';
      if (!hint) hint = `keywords here: ${keywordList(inner.mode === 'raw' ? 'top' : inner.mode)}`;
      report('ACE_UNKNOWN_KEYWORD', `unknown command \`${shown}\` in ${MODES[inner.mode === 'raw' ? 'top' : inner.mode].prompt} mode`, sl.line, tokens[0]!.col, tokens[0]!.width, hint);
    }
    attach(inner, node(sl, inner.mode, [], 'error'));
  }

  if (!sawCommand) report('ACE_EMPTY_CONFIG', 'the file holds no configuration commands', 0, 1);
  return { tree: { file, lines, roots }, model, diagnostics };

  function attach(f: Frame, n: TreeNode): void {
    if (!f.node) roots.push(n);
    else if (f.node.children === NO_CHILDREN) f.node.children = [n];
    else f.node.children.push(n);
  }

  function makeCx(sl: SourceLine, col: number, lineNo: number | undefined): ApplyCx {
    // One object per parse, re-aimed at each line: allocating closures per line
    // was a large share of parse time on big configs.
    cx.sl = sl;
    cx.pos = { file, line: sl.line, col };
    cx.lineNo = lineNo;
    cx.textCache = undefined;
    return cx;
  }
}

class LineCx implements ApplyCx {
  sl!: SourceLine;
  pos!: SourcePos;
  lineNo: number | undefined;
  textCache: string | undefined;

  constructor(
    readonly model: Model,
    private readonly file: string,
    private readonly ctxIndexOf: () => number,
    private readonly doReport: (code: DiagnosticCode, message: string, line: number, col: number, length?: number, hint?: string) => void,
    readonly switchContext: (name: string) => void,
  ) {}

  get text(): string {
    return (this.textCache ??= this.sl.text.trim());
  }

  ctx(): ContextModel {
    return this.model.contexts[this.ctxIndexOf()]!;
  }

  at(col: number): SourcePos {
    return { file: this.file, line: this.sl.line, col };
  }

  report(code: DiagnosticCode, message: string, col: number, length?: number, hint?: string): void {
    this.doReport(code, message, this.sl.line, col, length, hint);
  }
}

/** Shared by every leaf node (most lines): a node gets its own array when its first child arrives. */
const NO_CHILDREN: TreeNode[] = [];

function isOpen(v: unknown): v is Open {
  return typeof v === 'object' && v !== null && typeof (v as Open).mode === 'string' && (v as Open).mode in MODES;
}

function node(sl: SourceLine, mode: ModeName, keyword: readonly string[], kind: 'command' | 'error' = 'command'): TreeNode {
  return { source: sl, kind, mode, keyword, children: NO_CHILDREN };
}

function endCol(tokens: readonly Token[], wordCount: number): number {
  const t = tokens[Math.min(wordCount, tokens.length) - 1];
  return t ? t.col + t.width + 1 : 1;
}

function spanOf(tokens: readonly Token[], wordCount: number): number {
  const a = tokens[0]!;
  const b = tokens[Math.min(wordCount, tokens.length) - 1]!;
  return b.col + b.width - a.col;
}

/** Which mode a keyword would have opened (for absorbing a failed block's children). */
function opensMode(k: Keyword, mode: ModeName): ModeName | undefined {
  if (mode !== 'top') {
    if (mode === 'serverfarm' && k.words[0] === 'rserver') return 'farm-rserver';
    if (mode === 'probe' && k.words[0] === 'oid') return 'probe-oid';
    if (k.words[0] === 'class') return mode === 'policy-lb' ? 'policy-lb-class' : mode === 'policy-mgmt' ? 'policy-mgmt-class' : mode === 'policy-multi' ? 'policy-multi-class' : undefined;
    return undefined;
  }
  const w = k.words.join(' ');
  const map: Record<string, ModeName> = {
    'resource-class': 'resource-class',
    context: 'context',
    probe: 'probe',
    rserver: 'rserver',
    serverfarm: 'serverfarm',
    sticky: 'sticky',
    'class-map': 'class-map',
    'interface vlan': 'interface',
    'ft interface vlan': 'ft-interface',
    'ft peer': 'ft-peer',
    'ft group': 'ft-group',
    'ft track': 'ft-track',
  };
  if (w === 'policy-map') return 'policy-lb';
  return map[w];
}

function describeMode(m: ModeName): string {
  const names: Partial<Record<ModeName, string>> = {
    rserver: 'rserver NAME',
    'farm-rserver': 'serverfarm → rserver NAME [PORT]',
    serverfarm: 'serverfarm NAME',
    probe: 'probe TYPE NAME',
    sticky: 'sticky … NAME',
    'class-map': 'class-map NAME',
    interface: 'interface vlan N',
    'policy-multi-class': 'policy-map multi-match → class NAME',
    'policy-lb-class': 'policy-map type loadbalance → class NAME',
    'policy-mgmt-class': 'policy-map type management → class NAME',
    'ft-group': 'ft group N',
    'ft-peer': 'ft peer N',
    'ft-track': 'ft track … NAME',
    'ft-interface': 'ft interface vlan N',
    'resource-class': 'resource-class NAME',
    context: 'context NAME',
  };
  return names[m] ?? m;
}

function suggestionModes(stack: Frame[]): ModeName[] {
  const out: ModeName[] = [];
  for (let i = stack.length - 1; i >= 0; i--) {
    const m = stack[i]!.mode;
    if (m === 'raw') {
      const s = stack[i]!.shadowOf;
      if (s) out.push(s);
    } else out.push(m);
  }
  return out;
}

/** "Did you mean" over the keyword phrases of the open modes, comparing as many words as each phrase has. */
function suggest(words: readonly string[], modes: readonly ModeName[]): string | undefined {
  const byLen = new Map<number, Set<string>>();
  for (const m of modes) {
    for (const k of MODES[m].keywords) {
      const set = byLen.get(k.words.length) ?? new Set<string>();
      set.add(k.words.join(' '));
      byLen.set(k.words.length, set);
    }
  }
  let best: string | undefined;
  for (const [len, set] of [...byLen.entries()].sort((a, b) => b[0] - a[0])) {
    if (words.length < len) continue;
    const phrase = words.slice(0, len).join(' ');
    const hit = didYouMean(phrase, set);
    if (hit) {
      best = hit;
      break;
    }
  }
  return best;
}

function keywordList(mode: ModeName): string {
  const firsts = [...new Set(MODES[mode].keywords.map((k) => k.words[0]!))].filter((w) => w !== 'no');
  return firsts.slice(0, 14).join(', ') + (firsts.length > 14 ? ', …' : '');
}

/** Lines run together (as text copied out of a PDF) show many keywords in one line. */
function runTogetherHint(words: readonly string[]): string | undefined {
  if (words.length < 8) return undefined;
  const known = new Set<string>();
  for (const mode of Object.values(MODES)) for (const k of mode.keywords) known.add(k.words[0]!);
  const hits = words.filter((w, i) => i > 0 && known.has(w) && !['any', 'host', 'source', 'ip', 'address', 'tcp', 'udp', 'eq'].includes(w));
  if (hits.length < 3) return undefined;
  return `this line holds ${words.length} words including the keywords ${[...new Set(hits)].slice(0, 5).map((w) => `\`${w}\``).join(', ')}: it looks like several commands run together (text copied from a PDF?); put each command on its own line`;
}
