// `acesim probe CONFIG (--once | --watch) [--probe NAME] [--rserver NAME]
// [--format text|json] [--map …] [--port-offset N] [--duration S]
// [--probe-threads N|auto]`: runs the
// config's probes against the real servers, exactly as the ACE would, and
// shows why each passes or fails. --once: one round, exit 0 when every
// enabled instance passes, 1 otherwise. --watch: the engine on the real clock
// until SIGINT/SIGTERM (or --duration), printing syslog lines as states change.
import { countBySeverity } from '../config/diagnostics.js';
import { formatDiagnostic } from '../config/format-diagnostics.js';
import type { Model } from '../config/model.js';
import { EventBus } from '../core/event-bus.js';
import { RealClock } from '../core/real-clock.js';
import { planProbeInstances } from '../probes/instances.js';
import { attachProbeNotifier, SnmpTrapSender, slbRealTrapsEnabled } from '../probes/notify.js';
import { DEFAULT_PROBE_OPTIONS } from '../probes/options.js';
import { memberFailOnAll } from '../probes/instances.js';
import { ProbeEngine } from '../probes/probe-engine.js';
import { renderShowProbeDetail, runProbesOnce, snapshotToJson } from '../probes/probe-report.js';
import { DISCONNECT_ERR } from '../probes/notify.js';
import type { ProbeEvent, ProbeInstance, Prober } from '../probes/types.js';
import { EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, type CliIo } from './io.js';
import { loadConfigFile, parseMaps, type MapOptions } from './load-config.js';
import { availableParallelism } from 'node:os';
import { chooseProber, parseProbeThreads, probeThreadsFor } from './probe-threads.js';

export interface ProbeCommandOptions extends MapOptions {
  file?: string;
  mode: 'once' | 'watch';
  probe?: string;
  rserver?: string;
  format: 'text' | 'json';
  /** --watch only: stop after this many seconds (default: until signalled). */
  durationS?: number;
  /** `--probe-threads N|auto` (probe-threads.ts); default auto. */
  probeThreads?: string;
}

export function selectInstances(model: Model, opts: { probe?: string; rserver?: string }): ProbeInstance[] {
  const all = model.contexts.flatMap((ctx) => planProbeInstances(ctx));
  return all.filter((i) => (opts.probe === undefined || i.key.probe === opts.probe) && (opts.rserver === undefined || i.key.rserver === opts.rserver));
}

export async function runProbe(io: CliIo, opts: ProbeCommandOptions, signal?: AbortSignal): Promise<number> {
  if (!opts.file) {
    io.err('acesim probe: give one config file (see `acesim help probe`)');
    return EXIT_USAGE;
  }
  const m = parseMaps(opts);
  if ('error' in m) {
    io.err(`acesim probe: ${m.error}`);
    return EXIT_USAGE;
  }
  const loaded = await loadConfigFile(io, opts.file, m.maps, opts.portOffset);
  if (!loaded.ok) {
    io.err(`acesim probe: ${loaded.message}`);
    return EXIT_USAGE;
  }
  const c = countBySeverity(loaded.compiled.diagnostics);
  if (c.errors > 0) {
    const lines = loaded.text.split(/\r\n|\n|\r/);
    for (const d of loaded.compiled.diagnostics) if (d.severity === 'error') io.err(formatDiagnostic(d, lines));
    io.err(`acesim probe: ${opts.file} has errors; fix them first (acesim check ${opts.file})`);
    return EXIT_FINDINGS;
  }
  const model = loaded.compiled.model;
  const instances = selectInstances(model, opts);
  if (instances.length === 0) {
    io.err(`acesim probe: no probe instances${opts.probe ? ` for probe ${opts.probe}` : ''}${opts.rserver ? ` on rserver ${opts.rserver}` : ''} (probes run where a serverfarm or rserver uses them)`);
    return EXIT_USAGE;
  }
  const threads = parseProbeThreads(opts.probeThreads);
  if (!threads.ok) {
    io.err(`acesim probe: ${threads.message}`);
    return EXIT_USAGE;
  }
  const clock = new RealClock();
  const choice = chooseProber(clock, probeThreadsFor(threads.value, instances.length, availableParallelism()));
  try {
    // Workers load first: `--once` times each attempt from this thread, and a boot is no probe's fault.
    await choice.ready();
    return await probeWith(io, opts, model, instances, clock, choice.prober, signal, choice.threads);
  } finally {
    await choice.close();
  }
}

async function probeWith(io: CliIo, opts: ProbeCommandOptions, model: Model, instances: ProbeInstance[], clock: RealClock, prober: Prober, signal: AbortSignal | undefined, threads: number): Promise<number> {

  if (opts.mode === 'once') {
    const verdicts = await runProbesOnce(instances, prober, clock);
    if (opts.format === 'json') {
      io.out(
        JSON.stringify(
          {
            instances: verdicts.map((v) => ({
              probe: v.instance.key.probe,
              farm: v.instance.key.farm ?? null,
              rserver: v.instance.key.rserver,
              address: v.instance.key.address,
              port: v.instance.key.port,
              state: v.verdict,
              cause: v.result?.cause ?? null,
              latencyMs: v.result?.latencyMs ?? null,
              lastStatus: v.result?.status ?? null,
            })),
          },
          null,
          2,
        ),
      );
    } else {
      const rows = verdicts.map((v) => [
        v.instance.key.probe,
        v.instance.key.farm ?? '-',
        v.instance.key.rserver,
        `${v.instance.key.address}:${v.instance.key.port}`,
        v.verdict,
        v.result ? (v.result.ok ? '-' : DISCONNECT_ERR[v.result.cause]) : 'out of service',
        v.result?.status !== undefined ? String(v.result.status) : '-',
        v.result ? `${v.result.latencyMs} ms` : '-',
      ]);
      io.out(table(['probe', 'serverfarm', 'rserver', 'address', 'verdict', 'last disconnect err', 'status', 'latency'], rows));
    }
    return verdicts.some((v) => v.verdict === 'FAILED') ? EXIT_FINDINGS : EXIT_OK;
  }

  // --watch: the engine in real time.
  const bus = new EventBus<ProbeEvent>(clock);
  const engine = new ProbeEngine({ clock, prober, bus });
  // Traps go where the config says (`snmp-server host … traps` with `enable traps slb`), as the ACE would send them.
  const trapCtx = model.contexts.find((ctx) => slbRealTrapsEnabled(ctx) && ctx.snmp.hosts.length > 0);
  const farms = new Map(model.contexts.flatMap((ctx) => ctx.serverfarms).map((f) => [f.name, f]));
  const detach = attachProbeNotifier({
    bus,
    instances,
    options: DEFAULT_PROBE_OPTIONS,
    syslog: (line) => io.out(`${new Date(clock.wallNow()).toISOString()} ${line}`),
    failOnAll: (farm, rserver, port) => {
      const f = farms.get(farm);
      const member = f?.members.find((x) => x.rserver.name === rserver && x.port === port);
      return f !== undefined && member !== undefined && memberFailOnAll(f, member);
    },
    ...(trapCtx ? { traps: SnmpTrapSender.fromContext(trapCtx) } : {}),
  });
  const unsub = bus.on('probe.state', (e) => {
    if (opts.format === 'json') io.out(JSON.stringify({ event: 'probe.state', probe: e.key.probe, farm: e.key.farm ?? null, rserver: e.key.rserver, address: e.key.address, port: e.key.port, from: e.from, to: e.to, cause: e.cause }));
  });
  engine.start(instances);
  io.err(`acesim probe: watching ${instances.length} probe instance${instances.length === 1 ? '' : 's'}${threads > 0 ? ` on ${threads} prober thread${threads === 1 ? '' : 's'}` : ''}; Ctrl-C to stop`);
  await new Promise<void>((resolve) => {
    const done = () => resolve();
    if (signal?.aborted) return done();
    signal?.addEventListener('abort', done, { once: true });
    if (opts.durationS !== undefined) clock.setTimer(opts.durationS * 1000, done);
  });
  engine.stop();
  unsub();
  detach();
  const snap = engine.snapshot();
  if (opts.format === 'json') io.out(JSON.stringify(snapshotToJson(snap), null, 2));
  else {
    const probes = new Map(model.contexts.flatMap((ctx) => ctx.probes).map((p) => [p.name, p]));
    for (const name of new Set(instances.map((i) => i.key.probe))) {
      const p = probes.get(name);
      if (p) io.out(renderShowProbeDetail(p, { ...snap, instances: snap.instances.filter((e) => e.key.probe === name) }));
    }
  }
  return snap.instances.some((e) => e.health === 'FAILED') ? EXIT_FINDINGS : EXIT_OK;
}

function table(head: string[], rows: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}
