// Reading YAML text with the `yaml` package, with two guards. Depth: the
// package's composer recurses once per level, and near the stack limit V8 can
// abort the whole process (a fatal "RegExpCompiler Allocation failed", not a
// catchable RangeError; fuzzing found it with 5,000-level flow sequences), so
// the text is parsed to its CST (the parser keeps its own stack), its depth
// checked with an explicit stack, and only then composed. Positions: line
// starts come from the text itself, because the package's LineCounter misses
// newlines it skips while recovering from an error (fuzzing found positions
// past the end of their line). No time.
import { Composer, LineCounter, Parser, YAMLParseError, type CST, type Document } from 'yaml';
import { DIAGNOSTIC_CODES, type Diagnostic } from './diagnostics.js';

/** Far above any model or scenario (both nest under 15 levels), far below the composer's limit (~800). */
export const MAX_YAML_DEPTH = 128;

/** The first collection in `tokens` nested deeper than `max`, as an offset into the text; undefined when none is. */
export function tooDeep(tokens: Iterable<CST.Token>, max = MAX_YAML_DEPTH): { offset: number } | undefined {
  const stack: { token: CST.Token; depth: number }[] = [];
  for (const top of tokens) stack.push({ token: top, depth: 0 });
  while (stack.length > 0) {
    const { token, depth } = stack.pop()!;
    if (depth > max) return { offset: token.offset };
    if (token.type === 'document') {
      if (token.value) stack.push({ token: token.value, depth });
      continue;
    }
    if (token.type !== 'block-map' && token.type !== 'block-seq' && token.type !== 'flow-collection') continue;
    for (const item of token.items) {
      if (item.key) stack.push({ token: item.key, depth: depth + 1 });
      if (item.value) stack.push({ token: item.value, depth: depth + 1 });
    }
  }
  return undefined;
}

export type YamlRead = { ok: true; doc: Document.Parsed; lc: LineCounter } | { ok: false; diagnostic: Diagnostic };

/**
 * parseDocument(text, { uniqueKeys: true }) with both guards: the text is
 * parsed to a CST once, checked for depth, then composed (a second document
 * is an error, as parseDocument makes it).
 */
export function readYaml(text: string, file: string): YamlRead {
  const lc = lineCounterOf(text);
  const tokens = [...new Parser().parse(text)];
  const deep = tooDeep(tokens);
  if (deep !== undefined) {
    const p = lc.linePos(deep.offset);
    return {
      ok: false,
      diagnostic: {
        code: 'YAML_SYNTAX',
        severity: DIAGNOSTIC_CODES.YAML_SYNTAX.severity,
        message: `YAML nested more than ${MAX_YAML_DEPTH} levels deep`,
        file,
        line: p.line,
        col: p.col,
        length: 1,
        hint: 'no acesim file nests this deeply; the text is probably damaged or generated',
      },
    };
  }
  let doc: Document.Parsed | undefined;
  for (const d of new Composer({ prettyErrors: false, uniqueKeys: true }).compose(tokens, true, text.length)) {
    if (doc === undefined) doc = d;
    else {
      doc.errors.push(new YAMLParseError([d.range[0], d.range[1]], 'MULTIPLE_DOCS', 'Source contains multiple documents'));
      break;
    }
  }
  return { ok: true, doc: doc!, lc };
}

/** A LineCounter holding every line start of `text` (LF-terminated lines, as YAML counts them). */
export function lineCounterOf(text: string): LineCounter {
  const lc = new LineCounter();
  lc.addNewLine(0);
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) lc.addNewLine(i + 1);
  return lc;
}
