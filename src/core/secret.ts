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

// Across a worker-thread boundary (structured clone drops a Secret's private
// field): the prober worker pool and the simulator's run pool send values
// through these.
const SECRET_TAG = '__acesimSecret';

/**
 * A structured-clone-safe copy: Secret → { __acesimSecret: text }. Shared
 * references stay shared (the model refers to one rserver from several farms).
 */
export function packSecrets(v: unknown, seen = new Map<object, unknown>()): unknown {
  if (v instanceof Secret) return { [SECRET_TAG]: v.reveal() };
  if (v === null || typeof v !== 'object') return v;
  const known = seen.get(v);
  if (known !== undefined) return known;
  if (Array.isArray(v)) {
    const out: unknown[] = [];
    seen.set(v, out);
    for (const x of v) out.push(packSecrets(x, seen));
    return out;
  }
  const proto = Object.getPrototypeOf(v) as unknown;
  if (proto !== Object.prototype && proto !== null) return v; // Map, Date, RegExp: cloned as they are
  const out: Record<string, unknown> = {};
  seen.set(v, out);
  for (const [k, x] of Object.entries(v)) out[k] = packSecrets(x, seen);
  return out;
}

/** The inverse of packSecrets, on the worker side. */
export function unpackSecrets(v: unknown, seen = new Map<object, unknown>()): unknown {
  if (v === null || typeof v !== 'object') return v;
  const known = seen.get(v);
  if (known !== undefined) return known;
  if (Array.isArray(v)) {
    const out: unknown[] = [];
    seen.set(v, out);
    for (const x of v) out.push(unpackSecrets(x, seen));
    return out;
  }
  const o = v as Record<string, unknown>;
  const tag = o[SECRET_TAG];
  if (typeof tag === 'string' && Object.keys(o).length === 1) return new Secret(tag);
  const proto = Object.getPrototypeOf(v) as unknown;
  if (proto !== Object.prototype && proto !== null) return v;
  const out: Record<string, unknown> = {};
  seen.set(v, out);
  for (const [k, x] of Object.entries(o)) out[k] = unpackSecrets(x, seen);
  return out;
}
