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
import { MODES, keywordCandidates, keywordMatches, keywordWords, matchKeywords, modesKnowing, type Keyword, type ModeName } from './keywords/index.js';
import type { ApplyCx, Open } from './keywords/types.js';
import { SourceText, TokenBuffer, Vocabulary } from './lexer.js';
import type { ContextModel, Model, Platform, Probe, SourcePos } from './model.js';
import { ROOT, Tree, type SyntaxTree } from './syntax-tree.js';

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
  /** The line (0-based) of the block's opener in the tree, or ROOT for the top level. */
  node: number;
  /** For blocks whose opener failed: absorb lines this mode would take, silently. */
  shadowOf?: ModeName;
}

/** Exec commands and console noise found in pasted sessions. */
const EXEC_WORDS = new Set(['exit', 'end', 'show', 'copy', 'write', 'wr', 'configure', 'conf', 'terminal', 'term', 'ping', 'traceroute', 'reload', 'clear', 'debug', 'dir', 'more', 'checkpoint', 'crypto-import']);
const NOISE_LINE = /^(Generating configuration|Building configuration|Current configuration|Last configuration change|Enter configuration commands)/i;
const PROMPT = /^[\w.-]+(\/[\w.-]+)?(\([\w-]+\))?[#>]/;
/** Every word the keyword tables and the noise check compare, recognized without making strings. */
const VOCABULARY = new Vocabulary([...keywordWords(), ...EXEC_WORDS, 'match']);

export function parseAce(text: string, file: string, opts: ParseOptions = {}): ParseOutput {
  const src = new SourceText(text);
  const model = emptyModel(file, opts.platform ?? 'appliance');
  const diagnostics: Diagnostic[] = [];
  const tree = new Tree(file, src);
  let ctxIndex = 0;

  const report = (code: DiagnosticCode, message: string, line: number, col: number, length = 1, hint?: string) => {
    const d: Diagnostic = { code, severity: DIAGNOSTIC_CODES[code].severity, message, file, line, col, length: Math.max(1, length) };
    if (hint !== undefined) d.hint = hint;
    diagnostics.push(d);
  };

  const { count, firsts, indents, starts, ends } = src;
  let commandCount = 0;
  let indentedCount = 0;
  for (let l = 0; l < count; l++) {
    const first = firsts[l]!;
    if (first < 0 || text.charCodeAt(first) === 33) continue; // blank or `!` comment
    commandCount++;
    if (indents[l]! > 0) indentedCount++;
  }
  // A file counts as indented when a real share of its lines are; flush-left
  // text (as copied out of a PDF) then relies on the keyword tables alone.
  const fileIndented = indentedCount > 0 && indentedCount >= commandCount * 0.1;

  const stack: Frame[] = [{ mode: 'top', target: model, indent: -1, childIndented: true, node: ROOT }];
  const cx = new LineCx(
    model,
    src,
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
  const tb = new TokenBuffer();
  const args = new Args(tb, 1);
  // A line's keyword words, in one array per word count reused line after line (nothing keeps them).
  const wordsByCount: string[][] = [[], [''], ['', ''], ['', '', ''], ['', '', '', '']];

  for (let l = 0; l < count; l++) {
    const firstOff = firsts[l]!;
    if (firstOff < 0 || text.charCodeAt(firstOff) === 33) continue; // blank or `!` comment
    const line = l + 1;
    const indent = indents[l]!;
    tb.lex(text, starts[l]!, firstOff, ends[l]!);
    if (tb.count === 0) continue;
    if (tb.unterminatedAt >= 0) {
      report('ACE_UNTERMINATED_QUOTE', 'this double-quoted string is not closed on its line', line, tb.unterminatedAt, ends[l]! - starts[l]! - tb.unterminatedAt + 1, 'close the quote; ACE strings cannot span lines');
      continue;
    }
    // Keyword words only (a name or address is NOT_A_WORD, no string made): the error paths lower-case the real text.
    const lower0 = tb.wordOf(0, VOCABULARY);

    // Exec commands and console noise: skipped with a note; exit/end also leave modes as on the CLI.
    // (The regexes run only on lines that could match them: this loop is the parser's hot path.)
    const c0 = tb.charAt0(0);
    const maybeBanner = c0 >= 65 && c0 <= 90;
    // A prompt (`ace/Admin#`, `ace/Admin(config)#`) is the first token and ends in # or >.
    const cLast = tb.lastChar(0);
    const maybePrompt = cLast === 35 || cLast === 62;
    if (EXEC_WORDS.has(lower0) || (maybeBanner && NOISE_LINE.test(src.lineText(l).trim())) || (maybePrompt && PROMPT.test(tb.textOf(0)))) {
      if (lower0 === 'exit' && stack.length > 1) stack.pop();
      else if (lower0 === 'end') stack.length = 1;
      report('ACE_EXEC_NOISE', `skipped \`${src.lineText(l).trim().slice(0, 40)}\`: an exec command or console output, not configuration`, line, tb.col(0), Math.min(tb.width(0), 40));
      continue;
    }

    // Optional line numbers on match lines: `2 match virtual-address …`; the command then starts at token t0.
    let lineNo: number | undefined;
    let t0 = 0;
    if (c0 >= 48 && c0 <= 57 && tb.count > 1 && isDigits(tb.textOf(0)) && tb.wordOf(1, VOCABULARY) === 'match') {
      lineNo = Number(tb.textOf(0));
      if (lineNo < 1 || lineNo > 1024) report('ACE_LINE_NUMBER', `line number ${lineNo} is outside 1–1024`, line, tb.col(0), tb.width(0));
      t0 = 1;
    }
    const nTokens = tb.count - t0;
    // Keywords are at most four words long; lower-case only those (the error paths use allWords()).
    const nWords = nTokens < 4 ? nTokens : 4;
    const words = wordsByCount[nWords]!;
    for (let w = 0; w < nWords; w++) words[w] = w === 0 && t0 === 0 ? lower0 : tb.wordOf(t0 + w, VOCABULARY);
    sawCommand = true;
    const col0 = tb.col(t0);

    aimCx(l, col0, lineNo);
    // The frame and keyword that took the line (locals, not an object: this runs per line).
    let chosenIdx = -1;
    let chosenKw: Keyword | undefined;
    let chosenValue: unknown;
    let failure: { frameIdx: number; kw: Keyword; err: ArgError } | undefined;
    let rawIdx: number | undefined;

    for (let i = stack.length - 1; i >= 0; i--) {
      const f = stack[i]!;
      const deeper = indent > f.indent;
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
      const candidates = keywordCandidates(f.mode, words[0] ?? '');
      for (let c = 0; c < candidates.length; c++) {
        const k = candidates[c]!;
        if (!keywordMatches(k, words)) continue;
        args.aim(endCol(tb, t0, k.words.length), t0 + k.words.length);
        try {
          chosenValue = k.parse(args, cx, f.target);
          chosenKw = k;
          chosenIdx = i;
          break;
        } catch (e) {
          if (!(e instanceof ArgError)) throw e;
          failure ??= { frameIdx: i, kw: k, err: e };
        }
      }
      if (chosenKw) break;
    }

    if (rawIdx !== undefined && !chosenKw) {
      const f = stack[rawIdx]!;
      if (stack.length !== rawIdx + 1) stack.length = rawIdx + 1;
      if (indent > f.indent) f.childIndented = true;
      const block = f.target as { lines?: string[] };
      block.lines?.push(src.lineText(l).trim());
      tree.add(l, f.node, 'command', f.mode, NO_WORDS);
      continue;
    }

    if (chosenKw) {
      const kw = chosenKw;
      const f = stack[chosenIdx]!;
      if (stack.length !== chosenIdx + 1) stack.length = chosenIdx + 1;
      if (indent > f.indent && chosenIdx > 0) f.childIndented = true;
      tree.add(l, f.node, 'command', f.mode, kw.words);
      if (kw.simulated === false) {
        report('ACE_UNSIMULATED', `\`${kw.words.join(' ')}\` is valid ACE; acesim keeps it but does not simulate it`, line, col0, spanOf(tb, t0, kw.words.length));
      }
      if (f.mode === 'probe' && kw.probeTypes) {
        const p = f.target as Probe;
        if (!kw.probeTypes.includes(p.type)) {
          report('ACE_PROBE_TYPE_MISMATCH', `\`${kw.words.join(' ')}\` is not a ${p.type} probe command on an ACE; kept, but it has no effect`, line, col0, spanOf(tb, t0, kw.words.length));
        }
      }
      const opened = kw.apply(chosenValue, f.target, cx) as Open | void;
      if (isOpen(opened)) stack.push({ mode: opened.mode, target: opened.target, indent, childIndented: false, node: l });
      continue;
    }

    if (failure) {
      const f = stack[failure.frameIdx]!;
      stack.length = failure.frameIdx + 1;
      const e = failure.err;
      report(e.code, `${failure.kw.words.join(' ')}: ${e.message}`, line, e.col, e.length, e.hint ?? runTogetherHint(allWords(tb, t0)) ?? `syntax: ${failure.kw.syntax}`);
      tree.add(l, f.node, 'error', f.mode, failure.kw.words);
      const opens = opensMode(failure.kw, f.mode);
      if (opens) stack.push({ mode: 'raw', target: { lines: [] }, indent, childIndented: false, node: l, shadowOf: opens });
      continue;
    }

    // No open mode knows the keyword.
    const inner = stack[stack.length - 1]!;
    const u = explainUnknown(allWords(tb, t0).slice(0, 4), stack, tb, t0);
    report(u.code, u.message, line, col0, tb.width(t0), u.hint);
    tree.add(l, inner.node, 'error', inner.mode, NO_WORDS);
  }

  if (!sawCommand) report('ACE_EMPTY_CONFIG', 'the file holds no configuration commands', 0, 1);
  return { tree, model, diagnostics };

  function aimCx(l: number, col: number, lineNo: number | undefined): void {
    // One object per parse, re-aimed at each line: allocating closures per line
    // was a large share of parse time on big configs.
    cx.l = l;
    cx.col = col;
    cx.posCache = undefined;
    cx.lineNo = lineNo;
    cx.textCache = undefined;
  }
}

class LineCx implements ApplyCx {
  /** The current line (0-based). */
  l = 0;
  /** Column of the current line's first command word. */
  col = 1;
  posCache: SourcePos | undefined;
  lineNo: number | undefined;
  textCache: string | undefined;

  constructor(
    readonly model: Model,
    private readonly src: SourceText,
    private readonly file: string,
    private readonly ctxIndexOf: () => number,
    private readonly doReport: (code: DiagnosticCode, message: string, line: number, col: number, length?: number, hint?: string) => void,
    readonly switchContext: (name: string) => void,
  ) {}

  /** Made on first use: most lines (`port 80`, `inservice`) keep no position. */
  get pos(): SourcePos {
    return (this.posCache ??= { file: this.file, line: this.l + 1, col: this.col });
  }

  get text(): string {
    return (this.textCache ??= this.src.lineText(this.l).trim());
  }

  ctx(): ContextModel {
    return this.model.contexts[this.ctxIndexOf()]!;
  }

  at(col: number): SourcePos {
    return { file: this.file, line: this.l + 1, col };
  }

  report(code: DiagnosticCode, message: string, col: number, length?: number, hint?: string): void {
    this.doReport(code, message, this.l + 1, col, length, hint);
  }
}

/**
 * The diagnostic for a line no open mode takes: an orphan (a known command
 * outside its block) or an unknown keyword with a suggestion. Kept out of the
 * parse loop so its closures do not make the loop allocate per line.
 */
function explainUnknown(words: readonly string[], stack: readonly Frame[], tb: TokenBuffer, t0: number): { code: DiagnosticCode; message: string; hint: string } {
  const inner = stack[stack.length - 1]!;
  const knowing = modesKnowing(words);
  if (knowing.length > 0 && stack.every((f) => !knowing.includes(f.mode))) {
    const phrase = Math.max(...knowing.map((m) => matchKeywords(m, words)[0]?.words.length ?? 1));
    return {
      code: 'ACE_ORPHAN_COMMAND',
      message: `\`${words.slice(0, phrase).join(' ')}\` is a ${knowing.map((m) => MODES[m].prompt).join(' / ')} command, but no such block is open here`,
      hint: runTogetherHint(allWords(tb, t0)) ?? `put it under the block it belongs to (${knowing.map(describeMode).join(', ')})`,
    };
  }
  const dym = suggest(words, suggestionModes(stack));
  const shown = dym ? words.slice(0, dym.split(' ').length).join(' ') : tb.textOf(t0);
  let hint = dym ? `did you mean \`${dym}\`?` : runTogetherHint(allWords(tb, t0));
  if (!hint && tb.textOf(0).startsWith('```')) hint = 'a Markdown code fence: remove it';
  if (!hint) hint = `keywords here: ${keywordList(inner.mode === 'raw' ? 'top' : inner.mode)}`;
  return { code: 'ACE_UNKNOWN_KEYWORD', message: `unknown command \`${shown}\` in ${MODES[inner.mode === 'raw' ? 'top' : inner.mode].prompt} mode`, hint };
}

/** Every word of the command, lower-cased (error paths only). */
function allWords(tb: TokenBuffer, t0: number): string[] {
  const out: string[] = [];
  for (let j = t0; j < tb.count; j++) out.push(tb.textOf(j).toLowerCase());
  return out;
}

/** /^\d+$/ without a regex (runs on every line that starts with a digit). */
function isDigits(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return s.length > 0;
}

const NO_WORDS: readonly string[] = [];

function isOpen(v: unknown): v is Open {
  return typeof v === 'object' && v !== null && typeof (v as Open).mode === 'string' && (v as Open).mode in MODES;
}

/** The column just after a keyword's words (tokens t0 … t0 + wordCount - 1), for "missing argument" positions. */
function endCol(tb: TokenBuffer, t0: number, wordCount: number): number {
  const n = tb.count - t0;
  const j = t0 + Math.min(wordCount, n) - 1;
  return j >= t0 ? tb.col(j) + tb.width(j) + 1 : 1;
}

/** Characters from the command's first word to the end of its keyword's last word. */
function spanOf(tb: TokenBuffer, t0: number, wordCount: number): number {
  const j = t0 + Math.min(wordCount, tb.count - t0) - 1;
  return tb.col(j) + tb.width(j) - tb.col(t0);
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

function suggestionModes(stack: readonly Frame[]): ModeName[] {
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
  let best: string | undefined;
  for (const [len, set] of phrasesByLength(modes)) {
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

/**
 * The keyword phrases of the open modes grouped by word count, longest first.
 * Cached per mode stack: a file of unknown lines asks once per line (fuzzing
 * found 200k such lines spending 11 s rebuilding these sets).
 */
const phraseCache = new Map<string, [number, Set<string>][]>();
function phrasesByLength(modes: readonly ModeName[]): [number, Set<string>][] {
  const key = modes.join(' ');
  let groups = phraseCache.get(key);
  if (groups === undefined) {
    const byLen = new Map<number, Set<string>>();
    for (const m of modes) {
      for (const k of MODES[m].keywords) {
        const set = byLen.get(k.words.length) ?? new Set<string>();
        set.add(k.words.join(' '));
        byLen.set(k.words.length, set);
      }
    }
    groups = [...byLen.entries()].sort((a, b) => b[0] - a[0]);
    phraseCache.set(key, groups);
  }
  return groups;
}

const keywordListCache = new Map<ModeName, string>();
function keywordList(mode: ModeName): string {
  const cached = keywordListCache.get(mode);
  if (cached !== undefined) return cached;
  const list = keywordListOf(mode);
  keywordListCache.set(mode, list);
  return list;
}

function keywordListOf(mode: ModeName): string {
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
