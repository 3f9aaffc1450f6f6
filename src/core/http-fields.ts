// HTTP field lines as a record: raw [name, value, …] pairs (node:http's rawHeaders,
// http-parser-js's headers) → lower-cased names, a repeated field's values as an
// array in the order received (undici's header shape, which undici and node:http
// write back as separate lines). One place for the probers' replies and the L7
// VIP's requests to the nodes. Pure.

/**
 * The record of `raw`, without the fields named in `drop` or present in `replaced` (lower-case
 * names). Names like `constructor` or `__proto__` are ordinary fields: read and written as own
 * properties, never through the prototype.
 */
export function fieldRecord(raw: readonly string[], drop?: ReadonlySet<string>, replaced?: object): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase();
    if (drop?.has(name) || (replaced !== undefined && Object.hasOwn(replaced, name))) continue;
    const v = raw[i + 1]!;
    const prev = Object.hasOwn(out, name) ? out[name] : undefined;
    if (prev === undefined) {
      // Assigning __proto__ would set the object's prototype instead of adding a field.
      if (name === '__proto__') Object.defineProperty(out, name, { value: v, enumerable: true, writable: true, configurable: true });
      else out[name] = v;
    } else if (Array.isArray(prev)) prev.push(v);
    else out[name] = [prev, v];
  }
  return out;
}
