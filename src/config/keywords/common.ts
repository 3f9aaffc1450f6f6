// Keyword-table pieces several modes share: a by-name reference read with its
// position, and the `description TEXT` command.
import type { Args } from '../args.js';
import type { Ref } from '../model.js';
import { kw, type ApplyCx, type Keyword } from './types.js';

export function ref(a: Args, cx: ApplyCx, what: string): Ref {
  const col = a.col();
  return { name: a.name(what), pos: cx.at(col) };
}

/** `description TEXT` for any mode whose target has a description (policy-maps of type 'other' have none). */
export function descriptionKeyword<T extends object>(): Keyword<T, string> {
  return kw({
    words: ['description'],
    syntax: 'description TEXT',
    description: 'Free text.',
    parse: (a) => a.rest('description'),
    apply: (v, t) => {
      if (!('type' in t) || (t as { type: unknown }).type !== 'other') (t as { description?: string }).description = v;
    },
  });
}
