// A value that must never be printed: probe credentials, user passwords,
// SNMP communities. Every way a value is usually stringified (template
// strings, JSON.stringify as pino does, util.inspect) yields the mask; only
// reveal() gives the text, and only printers asked for --show-secrets call it.
import { inspect } from 'node:util';

export const SECRET_MASK = '<redacted>';

export class Secret {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  reveal(): string {
    return this.#value;
  }

  equals(other: Secret | undefined): boolean {
    return other instanceof Secret && other.#value === this.#value;
  }

  toString(): string {
    return SECRET_MASK;
  }

  toJSON(): string {
    return SECRET_MASK;
  }

  [inspect.custom](): string {
    return SECRET_MASK;
  }
}
