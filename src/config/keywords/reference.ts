// Renders the keyword tables as documentation: docs/keywords.md is generated
// from this (a test keeps it in step) and `acesim check --explain WORD` prints
// the entries that start with WORD. The tables stay the single source.
import { MODES } from './index.js';
import type { Keyword, Mode, ModeName } from './types.js';

const ORDER: ModeName[] = ['top', 'resource-class', 'context', 'probe', 'probe-oid', 'parameter-map-http', 'rserver', 'serverfarm', 'farm-predictor', 'farm-rserver', 'sticky', 'class-map', 'policy-mgmt', 'policy-mgmt-class', 'policy-lb', 'policy-lb-class', 'policy-multi', 'policy-multi-class', 'interface', 'ft-interface', 'ft-peer', 'ft-group', 'ft-track'];

function cell(s: string): string {
  return s.replace(/\|/g, '\\|');
}

function row(k: Keyword): string {
  const sim = k.simulated === false ? 'kept, not simulated' : 'simulated';
  const types = k.probeTypes ? ` (probe types: ${k.probeTypes.length > 12 ? 'most' : k.probeTypes.join(', ')})` : '';
  return `| \`${cell(k.syntax)}\` | ${cell(k.description)}${types} | ${sim} |`;
}

export function renderKeywordReference(): string {
  const out = [
    '# ACE keyword reference',
    '',
    'Generated from the keyword tables in `src/config/keywords/` (do not edit by hand; a test checks it).',
    'Each table is one configuration mode, named as the ACE prompt names it. "kept, not simulated" means',
    'acesim parses the command, keeps it in the model and prints it back, and warns `ACE_UNSIMULATED`.',
    '',
  ];
  for (const name of ORDER) {
    const m: Mode = MODES[name];
    out.push(`## ${name} (${m.prompt})`, '', '| syntax | what it does | acesim |', '|---|---|---|');
    for (const k of m.keywords) out.push(row(k));
    out.push('');
  }
  return out.join('\n');
}

/** `--explain WORD`: every keyword (in any mode) whose words start with WORD. */
export function explainKeyword(word: string): string | undefined {
  const w = word.toLowerCase();
  const hits: string[] = [];
  for (const name of ORDER) {
    for (const k of MODES[name].keywords) {
      if (k.words.join(' ').startsWith(w) || k.words[0] === w) hits.push(`${MODES[name].prompt}: ${k.syntax}\n    ${k.description}${k.simulated === false ? ' (kept, not simulated)' : ''}`);
    }
  }
  return hits.length > 0 ? hits.join('\n') : undefined;
}
