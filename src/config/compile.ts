// The config API: text (ACE or YAML) → model + all diagnostics (syntax,
// references, lints), sorted by position. The model is always returned, even
// with errors, so nothing the user wrote is lost. Never throws.
import { sortDiagnostics, type Diagnostic } from './diagnostics.js';
import { lintModel } from './lints.js';
import type { Model, Platform } from './model.js';
import { parseAce } from './parse-ace.js';
import type { SyntaxTree } from './syntax-tree.js';
import { validateModel } from './validate.js';
import { parseYamlModel } from './yaml-model.js';

export type ConfigFormat = 'ace' | 'yaml';

export interface CompileOptions {
  platform?: Platform;
  /** Default: by file extension (.yaml/.yml → yaml), else ace. */
  format?: ConfigFormat;
  /** Skip the lints (validation still runs). */
  noLints?: boolean;
}

export interface Compiled {
  model: Model;
  diagnostics: Diagnostic[];
  /** The lossless syntax tree (ACE input only). */
  tree?: SyntaxTree;
  format: ConfigFormat;
}

export function detectFormat(file: string, text: string): ConfigFormat {
  if (/\.ya?ml$/i.test(file)) return 'yaml';
  // A YAML export starts with one of the model's top-level keys.
  if (/^(platform|contexts|ft|resourceClasses):/m.test(text.slice(0, 2000)) && !/^\s*(probe|rserver|serverfarm) /m.test(text)) return 'yaml';
  return 'ace';
}

export function compileConfig(text: string, file: string, opts: CompileOptions = {}): Compiled {
  const format = opts.format ?? detectFormat(file, text);
  if (format === 'yaml') {
    const y = parseYamlModel(text, file);
    const diagnostics = [...y.diagnostics, ...validateModel(y.value), ...(opts.noLints ? [] : lintModel(y.value))];
    return { model: y.value, diagnostics: sortDiagnostics(diagnostics), format };
  }
  const p = parseAce(text, file, opts.platform ? { platform: opts.platform } : {});
  const diagnostics = [...p.diagnostics, ...validateModel(p.model), ...(opts.noLints ? [] : lintModel(p.model, p.tree))];
  return { model: p.model, diagnostics: sortDiagnostics(diagnostics), tree: p.tree, format };
}
