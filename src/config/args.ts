// A cursor over one command's argument tokens. Each reader either returns a
// value or raises ArgError carrying a diagnostic code and the token's column;
// ArgError is internal control flow of the parser (caught in parse-ace.ts),
// never seen by callers of the config API.
import type { DiagnosticCode } from './diagnostics.js';
import type { Token, TokenBuffer } from './lexer.js';
import { parseIpv4, maskLength } from './ip.js';
import { resolvePort, portKeywords, type PortProtocol } from './ports.js';
import { didYouMean } from './did-you-mean.js';
import type { AddressSpec, PortSpec } from './model.js';

export class ArgError {
  constructor(
    readonly code: DiagnosticCode,
    readonly message: string,
    readonly col: number,
    readonly length: number,
    readonly hint?: string,
  ) {}
}

/** Object names: ANM says 1–64 of alphanumerics and _ - . *; the CLI takes a few more (@#$%&+/:=~). */
const NAME_CHARS = (() => {
  const ok = new Uint8Array(128);
  for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.*-@#$%&+/:=~') ok[c.charCodeAt(0)] = 1;
  return ok;
})();

// Character loops rather than regexes: these run for almost every argument of a big config.
function isName(s: string): boolean {
  if (s.length < 1 || s.length > 64) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 128 || NAME_CHARS[c] === 0) return false;
  }
  return true;
}

/** /^-?\d+$/ */
function isInteger(s: string): boolean {
  let i = s.charCodeAt(0) === 45 ? 1 : 0;
  if (i >= s.length) return false;
  for (; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

export class Args {
  private i: number;

  constructor(
    private readonly tokens: TokenBuffer,
    /** Column just after the command words, for "missing argument" positions. */
    private endCol: number,
    /** Index of the first argument token (the command words come before it). */
    start = 0,
  ) {
    this.i = start;
  }

  /** Re-aims the cursor at another command in the same buffer (the parser reuses one Args per parse). */
  aim(endCol: number, start: number): this {
    this.endCol = endCol;
    this.i = start;
    return this;
  }

  get remaining(): number {
    return this.tokens.count - this.i;
  }

  peek(offset = 0): string | undefined {
    const j = this.i + offset;
    return j >= 0 && j < this.tokens.count ? this.tokens.textOf(j) : undefined;
  }

  peekLower(offset = 0): string | undefined {
    return this.peek(offset)?.toLowerCase();
  }

  /** The next token (as an object: only the error paths and the less common readers use this). */
  private take(what: string): Token {
    return this.tokens.token(this.takeIndex(what));
  }

  /** The next token's index in the line's buffer; the common readers stay allocation-free with it. */
  private takeIndex(what: string): number {
    if (this.i >= this.tokens.count) throw new ArgError('ACE_MISSING_ARGUMENT', `missing ${what}`, this.endCol, 1);
    return this.i++;
  }

  fail(code: DiagnosticCode, message: string, hint?: string): never {
    const j = Math.max(0, this.i - 1);
    if (j >= this.tokens.count) throw new ArgError(code, message, this.endCol, 1, hint);
    throw new ArgError(code, message, this.tokens.col(j), this.tokens.width(j), hint);
  }

  /** The column of the next token (or the end). */
  col(): number {
    return this.i < this.tokens.count ? this.tokens.col(this.i) : this.endCol;
  }

  word(what: string): string {
    return this.tokens.textOf(this.takeIndex(what));
  }

  name(what: string): string {
    const j = this.takeIndex(what);
    const text = this.tokens.textOf(j);
    if (!isName(text)) {
      throw new ArgError('ACE_INVALID_ARGUMENT', `${what} "${text}" is not a valid name (1–64 letters, digits, _ - . *)`, this.tokens.col(j), this.tokens.width(j));
    }
    return text;
  }

  /** Free text to the end of the line (descriptions, regexes with spaces). */
  rest(what: string): string {
    if (this.remaining === 0) return this.word(what);
    const parts: string[] = [];
    while (this.remaining > 0) parts.push(this.word(what));
    return parts.join(' ');
  }

  restOrEmpty(): string {
    return this.remaining === 0 ? '' : this.rest('text');
  }

  int(what: string, lo: number, hi: number): number {
    const j = this.takeIndex(what);
    const text = this.tokens.textOf(j);
    if (!isInteger(text)) throw new ArgError('ACE_INVALID_ARGUMENT', `${what} must be a number, got "${text}"`, this.tokens.col(j), this.tokens.width(j));
    const n = Number(text);
    if (n < lo || n > hi) throw new ArgError('ACE_OUT_OF_RANGE', `${what} ${n} is out of range ${lo}–${hi}`, this.tokens.col(j), this.tokens.width(j));
    return n;
  }

  decimal(what: string, lo: number, hi: number): number {
    const t = this.take(what);
    if (!/^\d+(\.\d+)?$/.test(t.text)) throw new ArgError('ACE_INVALID_ARGUMENT', `${what} must be a number, got "${t.text}"`, t.col, t.width);
    const n = Number(t.text);
    if (n < lo || n > hi) throw new ArgError('ACE_OUT_OF_RANGE', `${what} ${n} is out of range ${lo}–${hi}`, t.col, t.width);
    return n;
  }

  ip(what: string): string {
    const j = this.takeIndex(what);
    const text = this.tokens.textOf(j);
    if (parseIpv4(text) === undefined && !/^[0-9a-fA-F:]+$/.test(text.includes(':') ? text : 'x')) {
      throw new ArgError('ACE_INVALID_ARGUMENT', `${what} "${text}" is not an IP address`, this.tokens.col(j), this.tokens.width(j));
    }
    return text;
  }

  mask(what: string): string {
    const t = this.take(what);
    if (maskLength(t.text) === undefined) throw new ArgError('ACE_INVALID_ARGUMENT', `${what} "${t.text}" is not a netmask`, t.col, t.width);
    return t.text;
  }

  isIp(offset = 0): boolean {
    const s = this.peek(offset);
    return s !== undefined && parseIpv4(s) !== undefined;
  }

  /** Consumes the keyword if it is next (case-insensitive). */
  opt(keyword: string): boolean {
    if (this.peekLower() === keyword) {
      this.i++;
      return true;
    }
    return false;
  }

  /** One of the given keywords; error with a suggestion otherwise. */
  oneOf<K extends string>(what: string, options: readonly K[]): K {
    const j = this.takeIndex(what);
    const k = this.tokens.textOf(j).toLowerCase();
    for (const o of options) if (o === k) return o;
    const t = this.tokens.token(j);
    const dym = didYouMean(k, options);
    throw new ArgError(
      'ACE_INVALID_ARGUMENT',
      `${what} must be one of ${options.join(', ')}; got "${t.text}"`,
      t.col,
      t.width,
      dym ? `did you mean \`${dym}\`?` : undefined,
    );
  }

  port(what: string, proto: PortProtocol): number {
    const t = this.take(what);
    const p = resolvePort(t.text, proto);
    if (p === undefined) {
      const dym = /^\d+$/.test(t.text) ? undefined : didYouMean(t.text, portKeywords(proto));
      throw new ArgError(
        /^\d+$/.test(t.text) ? 'ACE_OUT_OF_RANGE' : 'ACE_INVALID_ARGUMENT',
        `${what} "${t.text}" is not a ${proto === 'any' ? '' : proto + ' '}port number (0–65535) or known port keyword`,
        t.col,
        t.width,
        dym ? `did you mean \`${dym}\`?` : undefined,
      );
    }
    return p;
  }

  /** `any | eq P | neq P | lt P | gt P | range A B` (or nothing → undefined). */
  portSpec(proto: PortProtocol, allowAny = true): PortSpec | undefined {
    const k = this.peekLower();
    if (k === 'any' && allowAny) {
      this.i++;
      return { kind: 'any' };
    }
    if (k === 'eq' || k === 'neq' || k === 'lt' || k === 'gt') {
      this.i++;
      const port = this.port('port', proto);
      return { kind: k, port };
    }
    if (k === 'range') {
      this.i++;
      const from = this.port('first port', proto);
      const to = this.port('last port', proto);
      if (to < from) this.fail('ACE_CONFLICT', `port range ${from}–${to} runs backwards`);
      return { kind: 'range', from, to };
    }
    return undefined;
  }

  /** ACL-style address: `any | host A | A MASK`. */
  addressSpec(what: string): AddressSpec {
    const k = this.peekLower();
    if (k === 'any' || k === 'any4') {
      this.i++;
      return { kind: 'any' };
    }
    if (k === 'host') {
      this.i++;
      return { kind: 'host', address: this.ip(`${what} host address`) };
    }
    const address = this.ip(`${what} address`);
    const mask = this.mask(`${what} netmask`);
    return { kind: 'net', address, mask };
  }

  /** Raises ACE_EXTRA_ARGUMENT if tokens remain. */
  end(): void {
    if (this.remaining > 0) {
      const t = this.tokens.token(this.i);
      const last = this.tokens.token(this.tokens.count - 1);
      const words: string[] = [];
      for (let j = this.i; j < this.tokens.count; j++) words.push(this.tokens.textOf(j));
      throw new ArgError(
        'ACE_EXTRA_ARGUMENT',
        `unexpected ${words.length === 1 ? `word "${words[0]}"` : `words "${words.slice(0, 4).join(' ')}${words.length > 4 ? ' …' : ''}"`} after a complete command`,
        t.col,
        last.col + last.width - t.col,
      );
    }
  }
}
