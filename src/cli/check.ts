// `acesim check FILE… [--format text|json] [--map …] [--port-offset N]`:
// diagnostics (compiler style or JSON) and the model. Exit 0 with no errors
// (warnings allowed), 1 with errors, 2 for usage or I/O errors.
import { countBySeverity } from '../config/diagnostics.js';
import { formatDiagnostic, formatSummary } from '../config/format-diagnostics.js';
import { modelToPlain } from '../config/yaml-model.js';
import { EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, type CliIo } from './io.js';
import { loadConfigFile, parseMaps, type MapOptions } from './load-config.js';
import { modelSummary } from './summary.js';

export interface CheckOptions extends MapOptions {
  files: string[];
  format: 'text' | 'json';
  summary: boolean;
}

export async function runCheck(io: CliIo, opts: CheckOptions): Promise<number> {
  if (opts.files.length === 0) {
    io.err('acesim check: give at least one config file (see `acesim help check`)');
    return EXIT_USAGE;
  }
  const m = parseMaps(opts);
  if ('error' in m) {
    io.err(`acesim check: ${m.error}`);
    return EXIT_USAGE;
  }
  let anyErrors = false;
  let ioError = false;
  const jsonFiles: unknown[] = [];
  for (const file of opts.files) {
    const loaded = await loadConfigFile(io, file, m.maps, opts.portOffset);
    if (!loaded.ok) {
      io.err(`acesim check: ${loaded.message}`);
      ioError = true;
      continue;
    }
    const { diagnostics, model } = loaded.compiled;
    const c = countBySeverity(diagnostics);
    if (c.errors > 0) anyErrors = true;
    if (opts.format === 'json') {
      jsonFiles.push({
        file,
        diagnostics: diagnostics.map((d) => ({ severity: d.severity, code: d.code, message: d.message, line: d.line, col: d.col, ...(d.hint ? { hint: d.hint } : {}) })),
        summary: { errors: c.errors, warnings: c.warnings, notes: c.notes },
        model: modelToPlain(model),
      });
    } else {
      const lines = loaded.text.split(/\r\n|\n|\r/);
      for (const d of diagnostics) io.out(formatDiagnostic(d, lines));
      if (opts.summary && c.errors === 0) io.out(modelSummary(model));
      io.out(formatSummary(file, c.errors, c.warnings, c.notes));
    }
  }
  if (opts.format === 'json') {
    const files = jsonFiles as { model: unknown }[];
    // The documented shape: one model per file inside `files`; `model` at the top is the first file's.
    io.out(JSON.stringify({ files, model: files[0]?.model ?? null }, null, 2));
  }
  if (ioError) return EXIT_USAGE;
  return anyErrors ? EXIT_FINDINGS : EXIT_OK;
}
