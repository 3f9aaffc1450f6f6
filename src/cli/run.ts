// `acesim run CONFIG [--map …] [--port-offset N] [--transparency M] [--log-level L]`:
// loads the config (refuses on errors), starts the balancer runtime, prints the
// listener and rserver lines, and runs until the signal aborts, then stops cleanly.
import pino from 'pino';
import { countBySeverity } from '../config/diagnostics.js';
import { formatDiagnostic } from '../config/format-diagnostics.js';
import { RealClock } from '../core/real-clock.js';
import { isTransparencyMode, TRANSPARENCY_MODES } from '../proxy/transparency.js';
import { createRuntime, type RuntimeOptions } from '../runtime/balancer-runtime.js';
import { EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, type CliIo } from './io.js';
import { loadConfigFile, parseMaps, type MapOptions } from './load-config.js';

const LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export interface RunOptions extends MapOptions {
  file?: string;
  transparency?: string;
  logLevel?: string;
  context?: string;
  /** `--l7`: serve every TCP VIP except port 443 with the L7 HTTP proxy. */
  l7?: boolean;
  /** Test hooks: runtime overrides (timeouts, prober, drain). */
  runtime?: Partial<Omit<RuntimeOptions, 'model' | 'clock'>>;
  /** Called once the listeners are up (tests learn the ports here). */
  onStarted?: (listeners: { vip: string; protocol: string; address: string; port: number }[]) => void;
}

export async function runRun(io: CliIo, opts: RunOptions, signal: AbortSignal): Promise<number> {
  if (opts.file === undefined) {
    io.err('acesim run: give one config file (see `acesim help run`)');
    return EXIT_USAGE;
  }
  if (opts.transparency !== undefined && !isTransparencyMode(opts.transparency)) {
    io.err(`acesim run: --transparency must be one of ${TRANSPARENCY_MODES.join(', ')}, got "${opts.transparency}"`);
    return EXIT_USAGE;
  }
  const level = opts.logLevel ?? 'info';
  if (!(LEVELS as readonly string[]).includes(level)) {
    io.err(`acesim run: --log-level must be one of ${LEVELS.join(', ')}, got "${level}"`);
    return EXIT_USAGE;
  }
  const m = parseMaps(opts);
  if ('error' in m) {
    io.err(`acesim run: ${m.error}`);
    return EXIT_USAGE;
  }
  const loaded = await loadConfigFile(io, opts.file, m.maps, opts.portOffset);
  if (!loaded.ok) {
    io.err(`acesim run: ${loaded.message}`);
    return EXIT_USAGE;
  }
  const { diagnostics, model } = loaded.compiled;
  const counts = countBySeverity(diagnostics);
  if (counts.errors > 0) {
    const lines = loaded.text.split(/\r\n|\n|\r/);
    for (const d of diagnostics) if (d.severity === 'error') io.err(formatDiagnostic(d, lines));
    io.err(`acesim run: ${opts.file} has ${counts.errors} error(s); fix them first (\`acesim check ${opts.file}\`)`);
    return EXIT_FINDINGS;
  }
  // Logs (JSON, pino) go to stderr; operator lines to stdout.
  const logger = pino({ level, base: { cmd: 'run' } }, { write: (s: string) => io.err(s) });
  const created = createRuntime({
    ...(opts.runtime ?? {}),
    model,
    clock: new RealClock(),
    logger,
    onLine: (l) => io.out(l),
    ...(opts.context !== undefined ? { context: opts.context } : {}),
    ...(opts.l7 === true ? { l7: true } : {}),
    // HTTPS stays passthrough wherever --port-offset moved it.
    httpsPort: 443 + opts.portOffset,
    ...(opts.transparency !== undefined && isTransparencyMode(opts.transparency) ? { transparency: opts.transparency } : {}),
  });
  if (!created.ok) {
    io.err(`acesim run: ${created.message}`);
    return EXIT_FINDINGS;
  }
  const rt = created.runtime;
  const started = await rt.start();
  for (const w of started.warnings) io.err(`acesim run: warning: ${w}`);
  if (started.failures.length > 0 || started.listeners.length === 0) {
    for (const f of started.failures) {
      const hint = f.error === 'EADDRNOTAVAIL' ? ' (not an address of this host; try --map 10.0.0.0/8=127.0.0.0/8)' : f.error === 'EACCES' ? ' (a privileged port; try --port-offset 10000)' : f.error === 'EADDRINUSE' ? ' (port in use)' : '';
      io.err(`acesim run: cannot listen on ${f.protocol} ${f.address}:${f.port} for VIP ${f.vip}: ${f.error}${hint}`);
    }
    if (started.listeners.length === 0 && started.failures.length === 0) io.err('acesim run: no VIP to listen on');
    await rt.stop();
    return EXIT_USAGE;
  }
  io.out(`acesim run: ${started.listeners.length} listener(s) up, transparency ${started.transparency}; Ctrl-C stops`);
  opts.onStarted?.(started.listeners);
  if (!signal.aborted) await new Promise<void>((r) => signal.addEventListener('abort', () => r(), { once: true }));
  io.out('acesim run: stopping');
  await rt.stop();
  io.out('acesim run: stopped');
  return EXIT_OK;
}
