// A cursor over one command's argument tokens. Each reader either returns a
// value or raises ArgError carrying a diagnostic code and the token's column;
// ArgError is internal control flow of the parser (caught in parse-ace.ts),
// never seen by callers of the config API.
import type { DiagnosticCode } from './diagnostics.js';
import type { Token } from './lexer.js';
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

/** Object names: ANM says 1–64 of alphanumerics and _ - . *; the CLI takes a few more. */
const NAME_RE = /^[A-Za-z0-9_.*\-@#$%&+/:=~]{1,64}$/;

export class Args {
  private i: number;

  constructor(
    private readonly tokens: readonly Token[],
    /** Column just after the command words, for "missing argument" positions. */
    private readonly endCol: number,
    /** Index of the first argument token (the command words come before it). */
    start = 0,
  ) {
    this.i = start;
  }

  get remaining(): number {
    return this.tokens.length - this.i;
  }

  peek(offset = 0): string | undefined {
    return this.tokens[this.i + offset]?.text;
  }

  peekLower(offset = 0): string | undefined {
    return this.tokens[this.i + offset]?.text.toLowerCase();
  }

  private take(what: string): Token {
    const t = this.tokens[this.i];
    if (!t) throw new ArgError('ACE_MISSING_ARGUMENT', `missing ${what}`, this.endCol, 1);
    this.i++;
    return t;
  }

  fail(code: DiagnosticCode, message: string, hint?: string): never {
    const t = this.tokens[Math.max(0, this.i - 1)];
    throw new ArgError(code, message, t?.col ?? this.endCol, t?.width ?? 1, hint);
  }

  /** The column of the next token (or the end). */
  col(): number {
    return this.tokens[this.i]?.col ?? this.endCol;
  }

  word(what: string): string {
    return this.take(what).text;
  }

  name(what: string): string {
    const t = this.take(what);
    if (!NAME_RE.test(t.text)) {
      throw new ArgError('ACE_INVALID_ARGUMENT', `${what} "${t.text}" is not a valid name (1–64 letters, digits, _ - . *)`, t.col, t.width);
    }
    return t.text;
  }

  /** Free text to the end of the line (descriptions, regexes with spaces). */
  rest(what: string): string {
    if (this.remaining === 0) return this.take(what).text;
    const parts: string[] = [];
    while (this.remaining > 0) parts.push(this.take(what).text);
    return parts.join(' ');
  }

  restOrEmpty(): string {
    return this.remaining === 0 ? '' : this.rest('text');
  }

  int(what: string, lo: number, hi: number): number {
    const t = this.take(what);
    if (!/^-?\d+$/.test(t.text)) throw new ArgError('ACE_INVALID_ARGUMENT', `${what} must be a number, got "${t.text}"`, t.col, t.width);
    const n = Number(t.text);
    if (n < lo || n > hi) throw new ArgError('ACE_OUT_OF_RANGE', `${what} ${n} is out of range ${lo}–${hi}`, t.col, t.width);
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
    const t = this.take(what);
    if (parseIpv4(t.text) === undefined && !/^[0-9a-fA-F:]+$/.test(t.text.includes(':') ? t.text : 'x')) {
      throw new ArgError('ACE_INVALID_ARGUMENT', `${what} "${t.text}" is not an IP address`, t.col, t.width);
    }
    return t.text;
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
    const t = this.take(what);
    const k = t.text.toLowerCase();
    const hit = options.find((o) => o === k);
    if (hit) return hit;
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
      const t = this.tokens[this.i]!;
      const last = this.tokens[this.tokens.length - 1]!;
      const words = this.tokens.slice(this.i).map((x) => x.text);
      throw new ArgError(
        'ACE_EXTRA_ARGUMENT',
        `unexpected ${words.length === 1 ? `word "${words[0]}"` : `words "${words.slice(0, 4).join(' ')}${words.length > 4 ? ' …' : ''}"`} after a complete command`,
        t.col,
        last.col + last.width - t.col,
      );
    }
  }
}
