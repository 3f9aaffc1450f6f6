// The `parameter-map type http` sub-mode. Persistence rebalance (where a keep-alive
// connection's next request goes) and case-insensitive matching are simulated
// (docs/ace-compatibility.md); the block's other commands are valid ACE, kept verbatim and
// printed back, not simulated.
import type { HttpParameterMap, PersistenceRebalance } from '../model.js';
import { descriptionKeyword } from './common.js';
import { kw, type Keyword, type Mode } from './types.js';

/** `[no] persistence-rebalance [strict]`: the mode each form sets, with and without `strict`. */
function persistenceKeyword(words: readonly string[], plain: PersistenceRebalance, strict: PersistenceRebalance, description: string): Keyword {
  return kw({
    words,
    syntax: `${words.join(' ')} [strict]`,
    description,
    parse: (a) => {
      const s = a.opt('strict');
      a.end();
      return s ? strict : plain;
    },
    apply: (mode: PersistenceRebalance, m: HttpParameterMap, cx) => {
      m.persistenceRebalance = { mode, pos: cx.pos };
    },
  });
}

/** Commands of the mode acesim keeps but does not simulate (first words), and their `no` forms. */
const KEPT_WORDS = ['cookie-error-ignore', 'header', 'length-exceed', 'server-conn', 'set', 'compress'];
const KEPT: readonly (readonly string[])[] = [...KEPT_WORDS.map((w) => [w]), ...KEPT_WORDS.map((w) => ['no', w])];

export const parameterMapHttpMode: Mode = {
  name: 'parameter-map-http',
  prompt: 'config-parammap-http',
  keywords: [
    descriptionKeyword<HttpParameterMap>(),
    persistenceKeyword(['persistence-rebalance'], 'enabled', 'strict', 'A keep-alive connection’s next request of the same class goes to the previous request’s real; `strict`: every request is load-balanced.'),
    persistenceKeyword(
      ['no', 'persistence-rebalance'],
      'disabled',
      'enabled',
      'Every request of a keep-alive connection goes to its first request’s real, whatever class it matches; `no persistence-rebalance strict` returns to plain persistence rebalance.',
    ),
    kw({
      words: ['case-insensitive'],
      syntax: 'case-insensitive',
      description: 'The VIP’s http class-maps match URLs, header values and cookies regardless of case (the default is case-sensitive).',
      parse: (a) => a.end(),
      apply: (_v, m: HttpParameterMap) => {
        m.caseInsensitive = true;
      },
    }),
    kw({
      words: ['no', 'case-insensitive'],
      syntax: 'no case-insensitive',
      description: 'Case-sensitive matching (the default).',
      parse: (a) => a.end(),
      apply: (_v, m: HttpParameterMap) => {
        delete m.caseInsensitive;
      },
    }),
    ...KEPT.map((words) =>
      kw({
        words,
        syntax: `${words.join(' ')} …`,
        description: 'Valid HTTP parameter-map command kept verbatim; not simulated.',
        simulated: false,
        parse: (a) => a.restOrEmpty(),
        apply: (_v, m: HttpParameterMap, cx) => {
          m.otherLines.push({ pos: cx.pos, text: cx.text });
        },
      }),
    ),
  ],
};
