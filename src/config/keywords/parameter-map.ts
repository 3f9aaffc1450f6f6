// The `parameter-map type http` sub-mode. Persistence rebalance (where a keep-alive
// connection's next request goes), case-insensitive matching and the header parse length
// (what a longer request gets) are simulated (docs/ace-compatibility.md); the block's other
// commands are valid ACE, kept verbatim and printed back, not simulated.
import type { HttpParameterMap, LengthExceed, PersistenceRebalance } from '../model.js';
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

const LENGTH_EXCEED: readonly LengthExceed[] = ['continue', 'drop'];

/**
 * Commands of the mode acesim keeps but does not simulate, and their `no` forms. `set` is named with its second word,
 * so a bad `set header-maxparse-length` is an error, not kept verbatim by a catch-all.
 */
const KEPT_PHRASES: readonly (readonly string[])[] = [
  ['cookie-error-ignore'],
  ['header'],
  ['server-conn'],
  ['set', 'content-maxparse-length'],
  ['set', 'secondary-cookie-delimiters'],
  ['compress'],
  ['parsing'],
];
const KEPT: readonly (readonly string[])[] = [...KEPT_PHRASES, ...KEPT_PHRASES.map((w) => ['no', ...w])];

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
    kw({
      words: ['set', 'header-maxparse-length'],
      syntax: 'set header-maxparse-length BYTES',
      description: 'How many bytes of a request’s line and header fields an L7 VIP parses (1–65535; default 2048); `length-exceed` says what a longer request gets.',
      parse: (a) => {
        const bytes = a.int('header parse length', 1, 65535);
        a.end();
        return bytes;
      },
      apply: (bytes: number, m: HttpParameterMap, cx) => {
        m.headerMaxParse = { bytes, pos: cx.pos };
      },
    }),
    kw({
      words: ['no', 'set', 'header-maxparse-length'],
      syntax: 'no set header-maxparse-length [BYTES]',
      description: 'The default header parse length (2048 bytes).',
      parse: (a) => void a.restOrEmpty(),
      apply: (_v, m: HttpParameterMap) => {
        delete m.headerMaxParse;
      },
    }),
    kw({
      words: ['length-exceed'],
      syntax: 'length-exceed {continue | drop}',
      description: 'A request longer than the header parse length: `drop` resets its connection (the default); `continue` load-balances it on the part parsed and keeps the connection’s later requests on that real.',
      parse: (a) => {
        const mode = a.oneOf('action', LENGTH_EXCEED);
        a.end();
        return mode;
      },
      apply: (mode: LengthExceed, m: HttpParameterMap, cx) => {
        m.lengthExceed = { mode, pos: cx.pos };
      },
    }),
    kw({
      words: ['no', 'length-exceed'],
      syntax: 'no length-exceed [continue | drop]',
      description: 'The default: a longer request’s connection is reset (drop).',
      parse: (a) => void a.restOrEmpty(),
      apply: (_v, m: HttpParameterMap) => {
        delete m.lengthExceed;
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
