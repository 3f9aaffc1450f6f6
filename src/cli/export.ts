// `acesim export FILE --to ace|yaml|json|haproxy|keepalived [--show-secrets]
// [--out FILE]`: the normalized running-config, the model, or a production
// engine's config. Exports even with errors would mislead, so errors print the
// diagnostics and exit 1 instead. Target translations print their EXPORT_*
// warnings (positioned in the ACE file) on stderr and still export.
import { writeFile } from 'node:fs/promises';
import { stringify } from 'yaml';
import { countBySeverity } from '../config/diagnostics.js';
import { formatDiagnostic } from '../config/format-diagnostics.js';
import { printAce } from '../config/print-ace.js';
import { modelToPlain } from '../config/yaml-model.js';
import type { ExportResult } from '../export/export-common.js';
import { exportHaproxy } from '../export/haproxy.js';
import { exportKeepalived } from '../export/keepalived.js';
import { EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, type CliIo } from './io.js';
import { loadConfigFile, parseMaps, type MapOptions } from './load-config.js';

export interface ExportOptions extends MapOptions {
  file?: string;
  to: string;
  showSecrets: boolean;
  /** Write here instead of stdout. */
  out?: string;
  /** haproxy: `source 0.0.0.0 usesrc clientip` (needs TPROXY). */
  usesrcClientip?: boolean;
}

const TARGETS = ['ace', 'yaml', 'json', 'haproxy', 'keepalived'];

export async function runExport(io: CliIo, opts: ExportOptions): Promise<number> {
  if (!opts.file) {
    io.err('acesim export: give one config file (see `acesim help export`)');
    return EXIT_USAGE;
  }
  if (!TARGETS.includes(opts.to)) {
    io.err(`acesim export: --to must be one of ${TARGETS.join(', ')}; got "${opts.to}"`);
    return EXIT_USAGE;
  }
  if (opts.usesrcClientip && opts.to !== 'haproxy') {
    io.err('acesim export: --transparency usesrc-clientip applies to --to haproxy only');
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
  let text: string;
  if (opts.to === 'haproxy' || opts.to === 'keepalived') {
    const r: ExportResult = opts.to === 'haproxy' ? exportHaproxy(model, { source: opts.file, usesrcClientip: opts.usesrcClientip === true }) : exportKeepalived(model, { source: opts.file });
    const lines = loaded.text.split(/\r\n|\n|\r/);
    for (const d of r.diagnostics) io.err(formatDiagnostic(d, lines));
    const cc = countBySeverity(r.diagnostics);
    io.err(`acesim export: ${opts.to}: ${cc.warnings} construct${cc.warnings === 1 ? '' : 's'} not translated exactly (see the warnings above and docs/export.md)`);
    for (const e of r.env) io.err(`acesim export: set ${e.name} to ${e.holds} before starting ${opts.to}`);
    if (opts.usesrcClientip) io.err('acesim export: usesrc clientip needs TPROXY (CAP_NET_ADMIN, IP_TRANSPARENT, policy routing of the replies); see docs/export.md');
    text = r.text.replace(/\n$/, '');
  } else if (opts.to === 'ace') text = printAce(model, show);
  else if (opts.to === 'json') text = JSON.stringify(modelToPlain(model, show), null, 2);
  else text = stringify(modelToPlain(model, show));
  if (opts.out === undefined) {
    io.out(text);
    return EXIT_OK;
  }
  try {
    await writeFile(opts.out, text.endsWith('\n') ? text : text + '\n');
  } catch (e) {
    io.err(`acesim export: cannot write ${opts.out}: ${(e as Error).message}`);
    return EXIT_USAGE;
  }
  io.err(`acesim export: wrote ${opts.out}`);
  return EXIT_OK;
}
