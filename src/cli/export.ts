// `acesim export FILE --to ace|yaml|json [--show-secrets]`: the normalized
// running-config or the model. Exports even with errors would mislead, so
// errors print the diagnostics and exit 1 instead.
import { stringify } from 'yaml';
import { countBySeverity } from '../config/diagnostics.js';
import { formatDiagnostic } from '../config/format-diagnostics.js';
import { printAce } from '../config/print-ace.js';
import { modelToPlain } from '../config/yaml-model.js';
import { EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, type CliIo } from './io.js';
import { loadConfigFile, parseMaps, type MapOptions } from './load-config.js';

export interface ExportOptions extends MapOptions {
  file?: string;
  to: string;
  showSecrets: boolean;
}

export async function runExport(io: CliIo, opts: ExportOptions): Promise<number> {
  if (!opts.file) {
    io.err('acesim export: give one config file (see `acesim help export`)');
    return EXIT_USAGE;
  }
  if (!['ace', 'yaml', 'json'].includes(opts.to)) {
    io.err(`acesim export: --to must be ace, yaml or json${opts.to === 'haproxy' || opts.to === 'keepalived' ? ` (export to ${opts.to} is not implemented yet)` : ''}; got "${opts.to}"`);
    return EXIT_USAGE;
  }
  const m = parseMaps(opts);
  if ('error' in m) {
    io.err(`acesim export: ${m.error}`);
    return EXIT_USAGE;
  }
  const loaded = await loadConfigFile(io, opts.file, m.maps, opts.portOffset);
  if (!loaded.ok) {
    io.err(`acesim export: ${loaded.message}`);
    return EXIT_USAGE;
  }
  const { model, diagnostics } = loaded.compiled;
  const c = countBySeverity(diagnostics);
  if (c.errors > 0) {
    const lines = loaded.text.split(/\r\n|\n|\r/);
    for (const d of diagnostics) if (d.severity === 'error') io.err(formatDiagnostic(d, lines));
    io.err(`acesim export: ${opts.file} has ${c.errors} error${c.errors === 1 ? '' : 's'}; fix them first (acesim check ${opts.file})`);
    return EXIT_FINDINGS;
  }
  const show = { showSecrets: opts.showSecrets };
  if (opts.to === 'ace') io.out(printAce(model, show));
  else if (opts.to === 'json') io.out(JSON.stringify(modelToPlain(model, show), null, 2));
  else io.out(stringify(modelToPlain(model, show)));
  return EXIT_OK;
}
