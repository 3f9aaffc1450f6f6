// Name lookups over the model's object lists while parsing. The lists only
// grow (push) during a parse, so each list gets a Map that indexes newly
// appended items on the next lookup: O(1) amortized instead of a linear
// find per block opener (which made large configs quadratic).

interface Index {
  map: Map<string, unknown>;
  indexed: number;
}

const indexes = new WeakMap<readonly unknown[], Index>();

export function findByKey<T>(list: readonly T[], key: (t: T) => string, wanted: string): T | undefined {
  let ix = indexes.get(list);
  if (!ix || ix.indexed > list.length) {
    ix = { map: new Map(), indexed: 0 };
    indexes.set(list, ix);
  }
  for (; ix.indexed < list.length; ix.indexed++) {
    const item = list[ix.indexed]!;
    const k = key(item);
    if (ix.map.get(k) === undefined) ix.map.set(k, item); // first definition wins, as with Array.find
  }
  return ix.map.get(wanted) as T | undefined;
}

export function findByName<T extends { name: string }>(list: readonly T[], name: string): T | undefined {
  return findByKey(list, byName, name);
}

const byName = (t: { name: string }) => t.name;
