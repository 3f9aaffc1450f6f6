// The lexer's offset tables (lines, tokens, the keyword vocabulary) against
// the object forms they replace: same lines, line endings, indents, columns,
// widths and quoting, for every kind of line ending and quote.
import t from 'tap';
import { NOT_A_WORD, SourceText, TokenBuffer, Vocabulary, lexTokens, splitLines } from '../../../src/config/lexer.js';
import { parseAce } from '../../../src/config/parse-ace.js';
import { outline, printTree } from '../../../src/config/syntax-tree.js';

t.test('lines: every line ending kept, the last line without one, indents with tab stops', async (t) => {
  const text = 'a\n  b\r\n\tc\rd  \n\n x';
  const lines = splitLines(text);
  t.same(
    lines.map((l) => [l.line, l.text, l.eol, l.indent, l.start]),
    [
      [1, 'a', '\n', 0, 0],
      [2, '  b', '\r\n', 2, 2],
      [3, '\tc', '\r', 8, 1],
      [4, 'd  ', '\n', 0, 0],
      [5, '', '\n', 0, -1],
      [6, ' x', '', 1, 1],
    ],
  );
  t.equal(lines.map((l) => l.text + l.eol).join(''), text);
  t.same(splitLines('').map((l) => [l.text, l.eol]), [['', '']], 'an empty text is one empty line');
  t.same(splitLines('x\n').map((l) => [l.text, l.eol]), [['x', '\n']], 'a final line ending adds no empty line');
  const src = new SourceText('p\r\n \t q\r\n');
  t.equal(src.count, 2);
  t.equal(src.indents[1], 9, 'space, tab to the next tab stop (8), space');
  t.equal(src.lineText(1), ' \t q');
  t.equal(src.eol(1), '\r\n');
});

t.test('tokens: columns and widths count quotes; an unterminated quote is reported by column', async (t) => {
  const text = 'xx\n  url "/a b" Z\n  "open';
  const src = new SourceText(text);
  const tb = new TokenBuffer();
  tb.lex(text, src.starts[1]!, src.firsts[1]!, src.ends[1]!);
  t.same([0, 1, 2].map((i) => tb.token(i)), [
    { text: 'url', col: 3, width: 3, quoted: false },
    { text: '/a b', col: 7, width: 6, quoted: true },
    { text: 'Z', col: 14, width: 1, quoted: false },
  ]);
  t.equal(tb.unterminatedAt, -1);
  tb.lex(text, src.starts[2]!, src.firsts[2]!, src.ends[2]!);
  t.equal(tb.count, 1);
  t.same(tb.token(0), { text: 'open', col: 3, width: 5, quoted: true });
  t.equal(tb.unterminatedAt, 3);
  t.same(lexTokens(splitLines('a ""')[0]!).tokens[1], { text: '', col: 3, width: 2, quoted: true }, 'an empty quoted string is a token');
});

t.test('vocabulary: known words found case-insensitively as the table strings; others are NOT_A_WORD', async (t) => {
  const v = new Vocabulary(['probe', 'passdetect', 'interval', 'mixed', 'keep']);
  const text = 'PROBE Probe probes prob 80 \u212Aeep Mixed';
  const tb = new TokenBuffer().lex(text, 0, 0, text.length);
  t.same(
    Array.from({ length: tb.count }, (_, i) => tb.wordOf(i, v)),
    ['probe', 'probe', NOT_A_WORD, NOT_A_WORD, NOT_A_WORD, NOT_A_WORD, 'mixed'],
    'ASCII case folding only: the Kelvin sign does not make `keep` (ACE keywords are ASCII)',
  );
  t.equal(tb.wordOf(0, v), tb.wordOf(1, v), 'the same table string, not a copy');
  t.equal(v.find(text, 0, 5), 'probe');
  t.equal(v.find(text, 12, 18), undefined, 'a longer word is not a known one');
});

t.test('the tree: roots and children in source order; lines made on demand print the input back', async (t) => {
  const text = 'probe tcp P\n  port 80\n\n! note\nrserver R\r\n  ip address 10.0.0.1\n  inservice';
  const p = parseAce(text, 'f');
  t.equal(printTree(p.tree), text);
  t.equal(outline(p.tree), 'probe tcp P\n  port 80\nrserver R\n  ip address 10.0.0.1\n  inservice');
  t.same(p.tree.roots.map((r) => [r.source.line, r.mode, r.kind, r.keyword]), [
    [1, 'top', 'command', ['probe']],
    [5, 'top', 'command', ['rserver']],
  ]);
  t.same(p.tree.roots[1]!.children.map((c) => [c.source.line, c.mode, c.keyword.join(' ')]), [
    [6, 'rserver', 'ip address'],
    [7, 'rserver', 'inservice'],
  ]);
  t.equal(p.tree.lines.length, 7);
});
