// Splits ACE text into lines and tokens, keeping everything needed to print
// the input back byte for byte (line endings included) and to point at any
// token by line and column. Never throws; an unterminated quote is reported
// by the caller from the `unterminatedAt` field.
//
// Lines and tokens are offsets into the one source string (typed arrays), not
// objects: on a 200k-line config, an object and a string per line and per
// token were most of the parser's garbage-collection time. Objects
// (SourceLine, Token) are built only on demand, for the few callers that want
// them (printing, outlines, tests).

export interface Token {
  /** The token's value (quotes removed for quoted strings). */
  text: string;
  /** 1-based column of the token's first character. */
  col: number;
  /** Characters the token occupies in the source (including quotes). */
  width: number;
  quoted: boolean;
}

export interface SourceLine {
  /** 1-based line number. */
  line: number;
  /** The line's text without its line ending. */
  text: string;
  /** The line ending as found: '\n', '\r\n', '\r' or '' (last line). */
  eol: string;
  /** Indentation width, tabs counted as 8 columns to the next tab stop. */
  indent: number;
  /** Index of the first non-blank character, or -1 for a blank line. */
  start: number;
}

/** A line's tokens as objects (see TokenBuffer for the allocation-free form). */
export interface LineTokens {
  tokens: Token[];
  /** Column where an unterminated double quote starts, if any. */
  unterminatedAt?: number;
}

/** What TokenBuffer.wordOf gives for a token that is no keyword word (NUL: no keyword table holds it). */
export const NOT_A_WORD = '\u0000';

function isBlank(c: number): boolean {
  return c === 32 || c === 9 || c === 12 || c === 11;
}

/** The source split into lines: per line (0-based index) its start, end (before the line ending) and first non-blank. */
export class SourceText {
  readonly count: number;
  /** Offset of each line's first character. */
  readonly starts: Int32Array;
  /** Offset just past each line's text, before its line ending. */
  readonly ends: Int32Array;
  /** Offset of each line's first non-blank character, or -1 for a blank line. */
  readonly firsts: Int32Array;
  /** Indentation width, tabs counted as 8 columns to the next tab stop. */
  readonly indents: Int32Array;

  constructor(readonly text: string) {
    const len = text.length;
    let cap = 1024;
    let starts = new Int32Array(cap);
    let ends = new Int32Array(cap);
    let n = 0;
    // A line per '\n', '\r\n' or lone '\r'. Most files have no '\r' at all:
    // then indexOf (a native scan) finds the line ends.
    const hasCr = text.indexOf('\r') >= 0;
    let start = 0;
    while (start < len) {
      let end: number;
      let next: number;
      if (!hasCr) {
        end = text.indexOf('\n', start);
        if (end < 0) end = len;
        next = end + 1;
      } else {
        end = start;
        while (end < len) {
          const c = text.charCodeAt(end);
          if (c === 10 || c === 13) break;
          end++;
        }
        next = end + (text.charCodeAt(end) === 13 && text.charCodeAt(end + 1) === 10 ? 2 : 1);
      }
      if (n === cap) {
        cap *= 2;
        starts = grow(starts, cap);
        ends = grow(ends, cap);
      }
      starts[n] = start;
      ends[n] = end;
      n++;
      start = next;
    }
    // An empty text is one empty line; a text ending in a line ending has no extra empty line.
    if (n === 0) {
      starts[0] = 0;
      ends[0] = 0;
      n = 1;
    }
    this.count = n;
    this.starts = starts.subarray(0, n);
    this.ends = ends.subarray(0, n);
    this.firsts = new Int32Array(n);
    this.indents = new Int32Array(n);
    for (let l = 0; l < n; l++) {
      let indent = 0;
      let i = this.starts[l]!;
      const e = this.ends[l]!;
      for (; i < e; i++) {
        const c = text.charCodeAt(i);
        if (c === 32) indent++;
        else if (c === 9) indent = indent + 8 - (indent % 8);
        else if (c !== 12 && c !== 11) break;
      }
      this.indents[l] = indent;
      this.firsts[l] = i < e ? i : -1;
    }
  }

  /** The text of line `l` (0-based) without its line ending. */
  lineText(l: number): string {
    return this.text.slice(this.starts[l], this.ends[l]);
  }

  /** The line ending of line `l` as found: '\n', '\r\n', '\r' or '' (last line). */
  eol(l: number): string {
    const e = this.ends[l]!;
    const next = l + 1 < this.count ? this.starts[l + 1]! : this.text.length;
    return next - e === 2 ? '\r\n' : next === e ? '' : this.text.charCodeAt(e) === 13 ? '\r' : '\n';
  }

  /** Line `l` (0-based) as an object. */
  line(l: number): SourceLine {
    const first = this.firsts[l]!;
    return { line: l + 1, text: this.lineText(l), eol: this.eol(l), indent: this.indents[l]!, start: first < 0 ? -1 : first - this.starts[l]! };
  }
}

function grow(a: Int32Array, cap: number): Int32Array<ArrayBuffer> {
  const b = new Int32Array(cap);
  b.set(a);
  return b;
}

export function splitLines(text: string): SourceLine[] {
  const src = new SourceText(text);
  const out: SourceLine[] = new Array(src.count);
  for (let l = 0; l < src.count; l++) out[l] = src.line(l);
  return out;
}

/**
 * The tokens of one line at a time, as offsets; one buffer is reused for
 * every line of a parse. Texts are sliced from the source on first use.
 */
export class TokenBuffer {
  count = 0;
  /** Column where an unterminated double quote starts, or -1. */
  unterminatedAt = -1;
  private text = '';
  private lineStart = 0;
  private from = new Int32Array(16);
  private to = new Int32Array(16);
  /** 0: bare; 1: quoted, unterminated; 2: quoted and closed (the quote characters the token occupies). */
  private quotedAt = new Uint8Array(16);
  private texts: (string | undefined)[] = [];

  /** Tokenizes text[from, to) (a line, or what is left of it from its first non-blank); columns count from lineStart. */
  lex(text: string, lineStart: number, from: number, to: number): this {
    this.text = text;
    this.lineStart = lineStart;
    this.count = 0;
    this.unterminatedAt = -1;
    let i = from;
    while (i < to) {
      const c = text.charCodeAt(i);
      if (isBlank(c)) {
        i++;
        continue;
      }
      if (c === 34) {
        let close = i + 1;
        while (close < to && text.charCodeAt(close) !== 34) close++;
        if (close >= to) {
          this.push(i + 1, to, 1);
          this.unterminatedAt = i - lineStart + 1;
          return this;
        }
        this.push(i + 1, close, 2);
        i = close + 1;
        continue;
      }
      let j = i + 1;
      while (j < to && !isBlank(text.charCodeAt(j))) j++;
      this.push(i, j, 0);
      i = j;
    }
    return this;
  }

  private push(a: number, b: number, quoted: number): void {
    const n = this.count;
    if (n === this.from.length) {
      this.from = grow(this.from, n * 2);
      this.to = grow(this.to, n * 2);
      const q = new Uint8Array(n * 2);
      q.set(this.quotedAt);
      this.quotedAt = q;
    }
    this.from[n] = a;
    this.to[n] = b;
    this.quotedAt[n] = quoted;
    this.texts[n] = undefined;
    this.count = n + 1;
  }

  /** Token i's value (quotes removed). */
  textOf(i: number): string {
    return (this.texts[i] ??= this.text.slice(this.from[i], this.to[i]));
  }

  /** 1-based column of token i's first character (its opening quote if quoted). */
  col(i: number): number {
    return this.from[i]! - (this.quotedAt[i]! > 0 ? 1 : 0) - this.lineStart + 1;
  }

  /** Characters token i occupies in the source, quotes included (an unterminated quote has only its opening one). */
  width(i: number): number {
    return this.to[i]! - this.from[i]! + this.quotedAt[i]!;
  }

  quoted(i: number): boolean {
    return this.quotedAt[i]! > 0;
  }

  /**
   * Token i as a keyword word: the vocabulary's own string when it is one, else NOT_A_WORD (no string made:
   * a token outside the vocabulary can match no keyword; error paths lower-case the real text themselves).
   */
  wordOf(i: number, vocabulary: Vocabulary): string {
    return vocabulary.find(this.text, this.from[i]!, this.to[i]!) ?? NOT_A_WORD;
  }

  /** Token i's first character code. */
  charAt0(i: number): number {
    return this.text.charCodeAt(this.from[i]!);
  }

  /** Token i's last character code. */
  lastChar(i: number): number {
    return this.text.charCodeAt(this.to[i]! - 1);
  }

  /** Token i as an object (error paths and tests). */
  token(i: number): Token {
    return { text: this.textOf(i), col: this.col(i), width: this.width(i), quoted: this.quoted(i) };
  }
}

/**
 * A fixed set of lower-case words (the keyword tables' words), recognized in
 * the source without making a string: `find` compares a token's characters
 * case-insensitively against the few known words of the same length and first
 * letter and returns the table's own string. Keyword lookups then hash a
 * string whose hash is already cached, and most lines allocate nothing for
 * their keyword words.
 */
export class Vocabulary {
  /** Words by (length, first character): a flat array, indexed without hashing. */
  private readonly buckets: (string[] | undefined)[] = new Array(MAX_WORD * 128).fill(undefined);

  constructor(words: Iterable<string>) {
    for (const w of words) {
      const c = w.charCodeAt(0);
      // Only plain lower-case ASCII words fit the table (all keyword words do).
      if (w.length === 0 || w.length >= MAX_WORD || c >= 128 || w !== w.toLowerCase()) continue;
      const list = (this.buckets[bucketKey(w.length, c)] ??= []);
      if (!list.includes(w)) list.push(w);
    }
  }

  /** The known word equal (ignoring ASCII case) to text[from, to), or undefined. */
  find(text: string, from: number, to: number): string | undefined {
    const len = to - from;
    const c = lower(text.charCodeAt(from));
    if (len >= MAX_WORD || c >= 128) return undefined;
    const list = this.buckets[bucketKey(len, c)];
    if (list === undefined) return undefined;
    for (const w of list) {
      let i = 1;
      while (i < w.length && lower(text.charCodeAt(from + i)) === w.charCodeAt(i)) i++;
      if (i === w.length) return w;
    }
    return undefined;
  }
}

const MAX_WORD = 32;

function bucketKey(length: number, firstChar: number): number {
  return length * 128 + firstChar;
}

function lower(c: number): number {
  return c >= 65 && c <= 90 ? c + 32 : c;
}

export function lexTokens(sl: SourceLine): LineTokens {
  const b = new TokenBuffer().lex(sl.text, 0, sl.start < 0 ? sl.text.length : sl.start, sl.text.length);
  const tokens: Token[] = [];
  for (let i = 0; i < b.count; i++) tokens.push(b.token(i));
  return b.unterminatedAt < 0 ? { tokens } : { tokens, unterminatedAt: b.unterminatedAt };
}

/** Re-quotes a value for printing when it has spaces or is empty. */
export function quoteIfNeeded(s: string): string {
  return s === '' || /[\s"]/.test(s) ? `"${s.replace(/"/g, "'")}"` : s;
}
