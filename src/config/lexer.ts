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
  tokens: Token[];
  /** Column where an unterminated double quote starts, if any. */
  unterminatedAt?: number;
}

export function splitLines(text: string): SourceLine[] {
  const out: SourceLine[] = [];
  const re = /\r\n|\n|\r/g;
  let start = 0;
  let n = 1;
  for (;;) {
    re.lastIndex = start;
    const m = re.exec(text);
    if (!m) {
      if (start < text.length || out.length === 0) out.push(lexLine(n, text.slice(start), ''));
      break;
    }
    out.push(lexLine(n++, text.slice(start, m.index), m[0]));
    start = m.index + m[0].length;
    if (start === text.length) break;
  }
  return out;
}

function lexLine(line: number, text: string, eol: string): SourceLine {
  let indent = 0;
  let i = 0;
  for (; i < text.length; i++) {
    const ch = text[i];
    if (ch === ' ') indent++;
    else if (ch === '\t') indent = indent + 8 - (indent % 8);
    else break;
  }
  const tokens: Token[] = [];
  let unterminatedAt: number | undefined;
  while (i < text.length) {
    const ch = text[i]!;
    if (ch === ' ' || ch === '\t' || ch === '\f' || ch === '\v') {
      i++;
      continue;
    }
    if (ch === '"') {
      const close = text.indexOf('"', i + 1);
      if (close < 0) {
        unterminatedAt = i + 1;
        tokens.push({ text: text.slice(i + 1), col: i + 1, width: text.length - i, quoted: true });
        break;
      }
      tokens.push({ text: text.slice(i + 1, close), col: i + 1, width: close - i + 1, quoted: true });
      i = close + 1;
      continue;
    }
    let j = i;
    while (j < text.length && !/[ \t\f\v]/.test(text[j]!)) j++;
    tokens.push({ text: text.slice(i, j), col: i + 1, width: j - i, quoted: false });
    i = j;
  }
  const sl: SourceLine = { line, text, eol, indent, tokens };
  if (unterminatedAt !== undefined) sl.unterminatedAt = unterminatedAt;
  return sl;
}

/** Re-quotes a value for printing when it has spaces or is empty. */
export function quoteIfNeeded(s: string): string {
  return s === '' || /[\s"]/.test(s) ? `"${s.replace(/"/g, "'")}"` : s;
}
