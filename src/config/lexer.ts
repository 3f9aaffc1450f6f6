// Splits ACE text into lines and tokens, keeping everything needed to print
// the input back byte for byte (line endings included) and to point at any
// token by line and column. Never throws; an unterminated quote is reported
// by the caller from the `unterminatedAt` field.

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

/** A line's tokens: computed on demand and not kept, so big files stay cheap to hold. */
export interface LineTokens {
  tokens: Token[];
  /** Column where an unterminated double quote starts, if any. */
  unterminatedAt?: number;
}

export function splitLines(text: string): SourceLine[] {
  const out: SourceLine[] = [];
  const len = text.length;
  let start = 0;
  let n = 1;
  // A hand-written scan: this runs once per character of every config, so no regex.
  for (let i = 0; i < len; i++) {
    const c = text.charCodeAt(i);
    if (c !== 10 && c !== 13) continue;
    const crlf = c === 13 && text.charCodeAt(i + 1) === 10;
    out.push(lexLine(n++, text.slice(start, i), crlf ? '\r\n' : c === 13 ? '\r' : '\n'));
    if (crlf) i++;
    start = i + 1;
  }
  if (start < len || out.length === 0) out.push(lexLine(n, text.slice(start), ''));
  return out;
}

function isBlank(c: number): boolean {
  return c === 32 || c === 9 || c === 12 || c === 11;
}

function lexLine(line: number, text: string, eol: string): SourceLine {
  let indent = 0;
  let i = 0;
  const len = text.length;
  for (; i < len; i++) {
    const c = text.charCodeAt(i);
    if (c === 32) indent++;
    else if (c === 9) indent = indent + 8 - (indent % 8);
    else if (c !== 12 && c !== 11) break;
  }
  return { line, text, eol, indent, start: i < len ? i : -1 };
}


export function lexTokens(sl: SourceLine): LineTokens {
  const text = sl.text;
  const len = text.length;
  const tokens: Token[] = [];
  let i = sl.start < 0 ? len : sl.start;
  while (i < len) {
    const c = text.charCodeAt(i);
    if (isBlank(c)) {
      i++;
      continue;
    }
    if (c === 34) {
      const close = text.indexOf('"', i + 1);
      if (close < 0) {
        tokens.push({ text: text.slice(i + 1), col: i + 1, width: len - i, quoted: true });
        return { tokens, unterminatedAt: i + 1 };
      }
      tokens.push({ text: text.slice(i + 1, close), col: i + 1, width: close - i + 1, quoted: true });
      i = close + 1;
      continue;
    }
    let j = i + 1;
    while (j < len && !isBlank(text.charCodeAt(j))) j++;
    tokens.push({ text: text.slice(i, j), col: i + 1, width: j - i, quoted: false });
    i = j;
  }
  return { tokens };
}

/** Re-quotes a value for printing when it has spaces or is empty. */
export function quoteIfNeeded(s: string): string {
  return s === '' || /[\s"]/.test(s) ? `"${s.replace(/"/g, "'")}"` : s;
}
