// Shape of the declarative keyword tables: one table per ACE configuration
// mode. Each entry names its words, its syntax (for docs and --explain), what
// it does, whether acesim simulates it, and two functions: parse (pure: the
// tokens → a value, or an ArgError) and apply (puts the value in the model and
// may open a sub-mode). The parser uses parse alone to decide which open mode
// a flush-left line belongs to, so parse must have no side effects.
import type { Args } from '../args.js';
import type { DiagnosticCode } from '../diagnostics.js';
import type { ContextModel, Model, ProbeType, SourcePos } from '../model.js';

export type ModeName =
  | 'top'
  | 'resource-class'
  | 'context'
  | 'probe'
  | 'probe-oid'
  | 'rserver'
  | 'serverfarm'
  | 'farm-predictor'
  | 'farm-rserver'
  | 'sticky'
  | 'parameter-map-http'
  | 'class-map'
  | 'policy-mgmt'
  | 'policy-mgmt-class'
  | 'policy-lb'
  | 'policy-lb-class'
  | 'policy-multi'
  | 'policy-multi-class'
  | 'interface'
  | 'ft-interface'
  | 'ft-peer'
  | 'ft-group'
  | 'ft-track'
  | 'raw';

/** What apply() can do beyond filling the model: open a sub-mode over a target object. */
export interface Open {
  mode: ModeName;
  target: unknown;
}

export interface ApplyCx {
  readonly model: Model;
  /** The config context commands currently go to (`changeto` switches it). */
  ctx(): ContextModel;
  /** Position of the current line's first command word. */
  readonly pos: SourcePos;
  /** Position of a column on the current line. */
  at(col: number): SourcePos;
  report(code: DiagnosticCode, message: string, col: number, length?: number, hint?: string): void;
  /** The line number written before a `match` line (`2 match …`), if any. */
  readonly lineNo: number | undefined;
  /** Raw text of the current line, trimmed (for verbatim keeping). */
  readonly text: string;
  /** Switches the current config context (for `changeto`). */
  switchContext(name: string): void;
}

export interface Keyword<T = any, V = any> {
  words: readonly string[];
  syntax: string;
  description: string;
  /** false: valid ACE that acesim keeps but does not simulate (warns ACE_UNSIMULATED). */
  simulated?: boolean;
  /** Probe mode only: the probe types that take this command (ace-semantics §4.3). */
  probeTypes?: readonly ProbeType[];
  /** Pure: reads the target (e.g. a class-map's type) but never changes it. */
  parse(a: Args, cx: ApplyCx, target: T): V;
  apply(v: V, target: T, cx: ApplyCx): Open | void;
}

export interface Mode {
  name: ModeName;
  /** How ACE names the mode in its prompt, for messages (e.g. config-probe-http). */
  prompt: string;
  keywords: readonly Keyword[];
}

/** Builds a keyword entry with its value type inferred from parse. */
export function kw<T, V>(k: Keyword<T, V>): Keyword<T, V> {
  return k;
}
