// The registry of every mode's keyword table, with a per-mode index by first
// word (longest keyword first) used by the parser and by `check --explain`.
import { classMapMode, policyLbClassMode, policyLbMode, policyMgmtClassMode, policyMgmtMode, policyMultiClassMode, policyMultiMode } from './classify.js';
import { ftGroupMode, ftInterfaceMode, ftPeerMode, ftTrackMode, interfaceMode } from './interface.js';
import { parameterMapHttpMode } from './parameter-map.js';
import { probeMode, probeOidMode } from './probe.js';
import { farmPredictorMode, farmRserverMode, rserverMode, serverfarmMode, stickyMode } from './slb.js';
import { contextMode, rawMode, resourceClassMode, topMode } from './top.js';
import type { Keyword, Mode, ModeName } from './types.js';

export const MODES: Record<ModeName, Mode> = {
  top: topMode,
  'resource-class': resourceClassMode,
  context: contextMode,
  probe: probeMode,
  'probe-oid': probeOidMode,
  rserver: rserverMode,
  serverfarm: serverfarmMode,
  'farm-predictor': farmPredictorMode,
  'farm-rserver': farmRserverMode,
  sticky: stickyMode,
  'parameter-map-http': parameterMapHttpMode,
  'class-map': classMapMode,
  'policy-mgmt': policyMgmtMode,
  'policy-mgmt-class': policyMgmtClassMode,
  'policy-lb': policyLbMode,
  'policy-lb-class': policyLbClassMode,
  'policy-multi': policyMultiMode,
  'policy-multi-class': policyMultiClassMode,
  interface: interfaceMode,
  'ft-interface': ftInterfaceMode,
  'ft-peer': ftPeerMode,
  'ft-group': ftGroupMode,
  'ft-track': ftTrackMode,
  raw: rawMode,
};

const index = new Map<ModeName, Map<string, Keyword[]>>();
for (const [name, mode] of Object.entries(MODES) as [ModeName, Mode][]) {
  const byFirst = new Map<string, Keyword[]>();
  for (const k of mode.keywords) {
    const first = k.words[0]!;
    const list = byFirst.get(first) ?? [];
    list.push(k);
    byFirst.set(first, list);
  }
  for (const list of byFirst.values()) list.sort((a, b) => b.words.length - a.words.length);
  index.set(name, byFirst);
}

/** Keywords of a mode whose words are a prefix of the given (lower-cased) words, longest first. */
export function matchKeywords(mode: ModeName, words: readonly string[]): Keyword[] {
  const list = keywordCandidates(mode, words[0] ?? '');
  // Most first words name exactly one keyword: return the table's own array then, allocation-free.
  let all = true;
  for (const k of list) if (!keywordMatches(k, words)) all = false;
  return all ? (list as Keyword[]) : list.filter((k) => keywordMatches(k, words));
}

/**
 * The keywords of a mode that start with this word, longest first (the table's own array): the
 * parser's hot loop checks each with keywordMatches instead of having matchKeywords filter a new array per line.
 */
export function keywordCandidates(mode: ModeName, first: string): readonly Keyword[] {
  return index.get(mode)?.get(first) ?? NONE;
}

const NONE: Keyword[] = [];

/** The keyword's words are a prefix of these (its first word is the candidate list's). */
export function keywordMatches(k: Keyword, words: readonly string[]): boolean {
  if (k.words.length > words.length) return false;
  for (let i = 1; i < k.words.length; i++) if (k.words[i] !== words[i]) return false;
  return true;
}

/** Every mode in which some keyword starts with this word (for orphan hints). */
export function modesKnowing(words: readonly string[]): ModeName[] {
  const out: ModeName[] = [];
  for (const name of index.keys()) if (name !== 'top' && matchKeywords(name, words).length > 0) out.push(name);
  return out;
}

/** Every word of every keyword of every mode (the parser's vocabulary). */
export function keywordWords(): Set<string> {
  const out = new Set<string>();
  for (const mode of Object.values(MODES)) for (const k of mode.keywords) for (const w of k.words) out.add(w);
  return out;
}

export type { Keyword, Mode, ModeName } from './types.js';
