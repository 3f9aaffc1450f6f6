// `acesim run CONFIG [--map …] [--port-offset N] [--transparency M] [--log-level L]`:
// loads the config (refuses on errors), starts the balancer runtime, prints the
// listener and rserver lines, and runs until the signal aborts, then stops cleanly.
import { countBySeverity } from '../config/diagnostics.js';
import { formatDiagnostic } from '../config/format-diagnostics.js';
import { RealClock } from '../core/real-clock.js';
import { isTransparencyMode, TRANSPARENCY_MODES } from '../proxy/transparency.js';
import type { NetPorts } from '../proxy/net-ports.js';
import { prepareTransparent, type TransparentSetup } from '../proxy/transparent-routing.js';
import { createRuntime, type RuntimeOptions } from '../runtime/balancer-runtime.js';
import { pickContext, planVipListeners, SNMP_PORTS, snmpRelayFor, type SnmpPlanOptions } from '../runtime/vip-plan.js';
import { DEFAULT_FT_PORT, FT_ROLES, FtMember, planFtMember, type FtRole } from '../runtime/ft-member.js';
import { ipHostAddresses } from '../runtime/host-addresses.js';
import { planHostAddresses, VIP_MODES, VipAddressOwner, type HostAddressPort } from '../runtime/vip-addresses.js';
import { openEventLog, type EventLog } from './event-log.js';
import { availableParallelism } from 'node:os';
import { chooseProber, parseProbeThreads, probeThreadsFor, type ProberChoice, type ProbeThreadsSetting } from './probe-threads.js';
import { scaleModel } from '../lab/time-scale.js';
import { EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, type CliIo } from './io.js';
import { loadConfigFile, parseMaps, type MapOptions } from './load-config.js';
import { createLogger, type LogLevel } from '../mgmt/logger.js';
import { resolveSurface, startSurface, type SurfaceOptions } from './operator-surface.js';

const LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export interface RunOptions extends MapOptions, SurfaceOptions {
  /** Human log lines instead of JSON (stderr is a TTY). */
  prettyLogs?: boolean;
  /** Subscribes a hot-reload trigger (main.ts: SIGHUP); returns the unsubscribe. */
  onReloadSignal?: (reload: () => void) => () => void;
  /** Test hook: the management API's URL once it listens. */
  onMgmt?: (url: string) => void;
  file?: string;
  transparency?: string;
  logLevel?: string;
  context?: string;
  /** `--l7`: serve every TCP VIP except port 443 with the L7 HTTP proxy. */
  l7?: boolean;
  /** `--idle-timeout S`: TCP inactivity timeout (the ACE's `set timeout inactivity`, default 3600 s). */
  idleTimeout?: string;
  /** `--http-header-timeout S`: L7 VIPs close a client whose request headers take longer (default 30 s). */
  httpHeaderTimeout?: string;
  /** `--snmp-trap-address all|VIP[,VIP…]`: v2c traps/informs on those SNMP VIPs gain snmpTrapAddress.0 = the sender. */
  snmpTrapAddress?: string;
  /** Test hooks: runtime overrides (timeouts, prober, drain). */
  runtime?: Partial<Omit<RuntimeOptions, 'model' | 'clock'>>;
  /** `--ft-member primary|secondary`: run as one member of the config's FT pair. */
  ftMember?: string;
  /** `--ft-port N`: heartbeat (UDP) and replication (TCP) port on the FT addresses. */
  ftPort?: string;
  /** `--ft-peer-via ADDR`: reach the peer through this address (the lab's FT-link relay). */
  ftPeerVia?: string;
  /** `--probe-threads N|auto`: prober worker threads (probe-threads.ts); default auto. */
  probeThreads?: string;
  /** `--time-scale F`: divide every configured timing by F (the lab runs pairs this way). */
  timeScale?: string;
  /** `--events FILE`: clock-stamped JSON lines of FT, farm and probe events (the lab reads them). */
  events?: string;
  /** `--vip-mode listen|address`: address = add the VIPs and aliases to the host while serving (vip-addresses.ts). */
  vipMode?: string;
  /** `--vip-interface IF`: the host interface for the VIP addresses (default vlanN of the VIP's `interface vlan N`). */
  vipInterface?: string;
  /** Test hook: the host's addresses and ARP (default: ip and arping). */
  hostAddresses?: HostAddressPort;
  /** Test hook: the FT member once started. */
  onFt?: (ft: FtMember) => void;
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
  let ftRole: FtRole | undefined;
  if (opts.ftMember !== undefined) {
    if (!(FT_ROLES as readonly string[]).includes(opts.ftMember)) {
      io.err(`acesim run: --ft-member must be one of ${FT_ROLES.join(', ')}, got "${opts.ftMember}"`);
      return EXIT_USAGE;
    }
    ftRole = opts.ftMember as FtRole;
  }
  const ftPort = opts.ftPort === undefined ? DEFAULT_FT_PORT : Number(opts.ftPort);
  if (!Number.isInteger(ftPort) || ftPort < 1 || ftPort > 65535) {
    io.err(`acesim run: --ft-port must be a port number (1-65535), got "${opts.ftPort}"`);
    return EXIT_USAGE;
  }
  if ((opts.ftPort !== undefined || opts.ftPeerVia !== undefined) && ftRole === undefined) {
    io.err('acesim run: --ft-port and --ft-peer-via need --ft-member primary|secondary');
    return EXIT_USAGE;
  }
  if (opts.vipMode !== undefined && !(VIP_MODES as readonly string[]).includes(opts.vipMode)) {
    io.err(`acesim run: --vip-mode must be one of ${VIP_MODES.join(', ')}, got "${opts.vipMode}"`);
    return EXIT_USAGE;
  }
  if (opts.vipInterface !== undefined && (opts.vipMode !== 'address' || !/^[A-Za-z0-9_.:@-]{1,15}$/.test(opts.vipInterface))) {
    io.err(opts.vipMode !== 'address' ? 'acesim run: --vip-interface needs --vip-mode address' : `acesim run: --vip-interface: "${opts.vipInterface}" is not an interface name`);
    return EXIT_USAGE;
  }
  const timeScale = opts.timeScale === undefined ? 1 : Number(opts.timeScale);
  if (!Number.isFinite(timeScale) || timeScale < 1 || timeScale > 1000) {
    io.err(`acesim run: --time-scale must be a number from 1 to 1000, got "${opts.timeScale}"`);
    return EXIT_USAGE;
  }
  const badTimeout = timeoutFlagError(opts);
  if (badTimeout !== undefined) {
    io.err(`acesim run: ${badTimeout}`);
    return EXIT_USAGE;
  }
  const probeThreads = parseProbeThreads(opts.probeThreads);
  if (!probeThreads.ok) {
    io.err(`acesim run: ${probeThreads.message}`);
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
  const { diagnostics } = loaded.compiled;
  const model = scaleModel(loaded.compiled.model, timeScale);
  const counts = countBySeverity(diagnostics);
  if (counts.errors > 0) {
    const lines = loaded.text.split(/\r\n|\n|\r/);
    for (const d of diagnostics) if (d.severity === 'error') io.err(formatDiagnostic(d, lines));
    io.err(`acesim run: ${opts.file} has ${counts.errors} error(s); fix them first (\`acesim check ${opts.file}\`)`);
    return EXIT_FINDINGS;
  }
  // Warnings are what acesim will do differently from the ACE (or not at all) with a valid config:
  // the operator of a running VIP must see them, not only whoever ran `acesim check`.
  if (counts.warnings > 0) {
    const lines = loaded.text.split(/\r\n|\n|\r/);
    for (const d of diagnostics) if (d.severity === 'warning') io.err(formatDiagnostic(d, lines));
  }
  const snmp = snmpPlan(opts, model.contexts);
  if ('error' in snmp) {
    io.err(`acesim run: --snmp-trap-address: ${snmp.error}`);
    return EXIT_USAGE;
  }
  const surface = await resolveSurface(io, opts);
  if (!surface.ok) {
    io.err(`acesim run: ${surface.message}`);
    return EXIT_USAGE;
  }
  // --transparency transparent: addon, permission and policy routing first, removed on every way out.
  let transparent: TransparentSetup | undefined;
  if (opts.transparency === 'transparent') {
    const prepared = await prepareTransparent(process.pid);
    if (!prepared.ok) {
      io.err(`acesim run: --transparency transparent: ${prepared.message}`);
      return EXIT_USAGE;
    }
    transparent = prepared.setup;
    io.out(`acesim run: transparent: installed ${transparent.routing.installed.join('; ')} (removed on exit)`);
  }
  try {
    return await runWith(io, opts, signal, { file: opts.file, text: loaded.text, timeScale, model, snmp, surface, m, ftRole, ftPort, level, probeThreads: probeThreads.value, ...(transparent ? { net: transparent.net } : {}) });
  } finally {
    await transparent?.routing.remove();
  }
}

/** What runRun checked and built before anything listens. */
const TIMEOUT_FLAGS = [
  { flag: '--idle-timeout', key: 'idleTimeout', ms: 'tcpIdleMs', maxS: 86_400 },
  { flag: '--http-header-timeout', key: 'httpHeaderTimeout', ms: 'httpHeaderMs', maxS: 3_600 },
] as const;

/** The first invalid timeout flag as a message (seconds, a positive number up to its maximum). */
function timeoutFlagError(opts: RunOptions): string | undefined {
  for (const f of TIMEOUT_FLAGS) {
    const text = opts[f.key];
    if (text === undefined) continue;
    const s = Number(text);
    if (!(s > 0 && s <= f.maxS)) return `${f.flag} must be a number of seconds above 0 and at most ${f.maxS}, got "${text}"`;
  }
  return undefined;
}

/** The runtime timeouts the flags set (validated by timeoutFlagError first). */
function cliTimeouts(opts: RunOptions): { tcpIdleMs?: number; httpHeaderMs?: number } {
  const out: { tcpIdleMs?: number; httpHeaderMs?: number } = {};
  for (const f of TIMEOUT_FLAGS) if (opts[f.key] !== undefined) out[f.ms] = Math.round(Number(opts[f.key]) * 1000);
  return out;
}

type Prepared = { file: string; text: string; timeScale: number; model: ReturnType<typeof scaleModel>; snmp: SnmpPlanOptions; surface: Extract<Awaited<ReturnType<typeof resolveSurface>>, { ok: true }>; m: Extract<ReturnType<typeof parseMaps>, { maps: unknown }>; ftRole: FtRole | undefined; ftPort: number; level: string; probeThreads: ProbeThreadsSetting; net?: NetPorts };

async function runWith(io: CliIo, opts: RunOptions, signal: AbortSignal, p: Prepared): Promise<number> {
  const { level } = p;
  // Logs (JSON, pino; human lines on a TTY) go to stderr; operator lines to stdout.
  const logger = createLogger({ level: level as LogLevel, base: { cmd: 'run' }, write: (s: string) => io.err(s), ...(opts.prettyLogs ? { pretty: true } : {}) });
  const clock = new RealClock();
  // The prober serve() chose, if any, stopped here whatever way serve() ends.
  const chosen: { prober?: ProberChoice } = {};
  try {
    return await serve(io, opts, signal, p, clock, logger, chosen);
  } finally {
    await chosen.prober?.close();
  }
}

async function serve(io: CliIo, opts: RunOptions, signal: AbortSignal, p: Prepared, clock: RealClock, logger: ReturnType<typeof createLogger>, chosen: { prober?: ProberChoice }): Promise<number> {
  const { model, snmp, surface, m, ftRole, ftPort } = p;
  const created = createRuntime({
    ...(p.net ? { net: p.net } : {}),
    ...(opts.runtime ?? {}),
    // Probe attempts on worker threads at scale, so the VIPs keep this thread: the runtime asks with the number
    // of instances it planned (decided once, at start; a reload keeps the threads).
    ...(opts.runtime?.prober === undefined ? { proberFor: (instances: number) => (chosen.prober = chooseProber(clock, probeThreadsFor(p.probeThreads, instances, availableParallelism()), opts.runtime?.probeOptions)).prober } : {}),
    model,
    clock,
    logger,
    onLine: (l) => io.out(l),
    ...(opts.context !== undefined ? { context: opts.context } : {}),
    ...(opts.l7 === true ? { l7: true } : {}),
    timeouts: { ...opts.runtime?.timeouts, ...cliTimeouts(opts) },
    // HTTPS stays passthrough wherever --port-offset moved it.
    httpsPort: 443 + opts.portOffset,
    snmp,
    ...(opts.transparency !== undefined && isTransparencyMode(opts.transparency) ? { transparency: opts.transparency } : {}),
  });
  if (!created.ok) {
    io.err(`acesim run: ${created.message}`);
    return EXIT_FINDINGS;
  }
  const rt = created.runtime;
  // --vip-mode address: the host must be able to take the addresses before anything starts.
  let owner: VipAddressOwner | undefined;
  if (opts.vipMode === 'address') {
    const planned = planHostAddresses(rt.context, opts.vipInterface);
    if (!planned.ok) {
      io.err(`acesim run: --vip-mode address: ${planned.message}`);
      return EXIT_FINDINGS;
    }
    owner = new VipAddressOwner({ port: opts.hostAddresses ?? ipHostAddresses(), addresses: planned.addresses, onLine: (l) => io.out(l) });
    const why = await owner.check();
    if (why !== undefined) {
      io.err(`acesim run: ${why}`);
      return EXIT_USAGE;
    }
  }
  let events: EventLog | undefined;
  if (opts.events !== undefined) {
    const opened = openEventLog(opts.events);
    if (!opened.ok) {
      io.err(`acesim run: --events ${opts.events}: ${opened.message}`);
      return EXIT_USAGE;
    }
    events = opened.log;
    events.attach(rt.probeBus, rt.farmBus);
  }
  let ft: FtMember | undefined;
  if (ftRole !== undefined) {
    const planned = planFtMember(model, rt.context.name, ftRole);
    if (!planned.ok) {
      io.err(`acesim run: --ft-member: ${planned.message}`);
      await events?.close();
      return EXIT_FINDINGS;
    }
    ft = new FtMember({ model, runtime: rt, plan: planned.plan, clock, port: ftPort, configText: p.text, ...(opts.ftPeerVia !== undefined ? { peerVia: opts.ftPeerVia } : {}), ...(owner ? { addresses: owner } : {}), onLine: (l) => io.out(l) });
    events?.attach(ft.bus);
  }
  // An FT member serves nothing until its group is ACTIVE; a lone balancer takes its addresses now.
  if (!ft) await owner?.add();
  const started = await rt.start(ft ? { passive: true } : {});
  if (!ft) owner?.announce();
  for (const w of started.warnings) io.err(`acesim run: warning: ${w}`);
  if (ft) {
    try {
      await ft.start();
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? String(err);
      io.err(`acesim run: cannot bind the FT address ${ft.controller.peer().myAddress} port ${ftPort}: ${code}${code === 'EADDRNOTAVAIL' ? ' (map the FT VLAN onto loopback with --map)' : ''}`);
      await rt.stop();
      await events?.close();
      return EXIT_USAGE;
    }
    const p = ft.controller.peer();
    io.out(`acesim run: FT member ${ftRole} ${p.myAddress} (peer ${p.peerAddress}), heartbeat ${p.heartbeatIntervalMs} ms x ${p.heartbeatCount}; VIPs open when the group is ACTIVE; Ctrl-C stops`);
    opts.onFt?.(ft);
  } else if (started.failures.length > 0 || started.listeners.length === 0) {
    for (const f of started.failures) {
      const hint = f.error === 'EADDRNOTAVAIL' ? ' (not an address of this host; try --map 10.0.0.0/8=127.0.0.0/8)' : f.error === 'EACCES' ? ' (a privileged port; try --port-offset 10000)' : f.error === 'EADDRINUSE' ? ' (port in use)' : '';
      io.err(`acesim run: cannot listen on ${f.protocol} ${f.address}:${f.port} for VIP ${f.vip}: ${f.error}${hint}`);
    }
    if (started.listeners.length === 0 && started.failures.length === 0) io.err('acesim run: no VIP to listen on');
    await rt.stop();
    await owner?.remove();
    await events?.close();
    return EXIT_USAGE;
  }
  const prober = chosen.prober;
  const probeLine = prober !== undefined && prober.threads > 0 ? `, probes on ${prober.threads} worker thread${prober.threads === 1 ? '' : 's'}` : '';
  if (!ft) io.out(`acesim run: ${started.listeners.length} listener(s) up, transparency ${started.transparency}${probeLine}; Ctrl-C stops`);
  const member = ft;
  const ops = await startSurface(io, surface, { runtime: rt, model, clock, maps: m.maps, portOffset: opts.portOffset, ft: ft?.controller, timeScale: p.timeScale, ...(member ? { onReloaded: (md, text) => member.configReloaded(md, text) } : {}) });
  // A standby applies the config its active pushes through the same checked reload (ft auto-sync).
  member?.setConfigApplier(async (text) => {
    const r = await ops.api.reload(text, 'running-config from the FT active', { fromActive: true });
    if (!r.ok) return { ok: false, message: `${r.error}${r.diagnostics?.[0] ? ` (first: line ${r.diagnostics[0].line}: ${r.diagnostics[0].code})` : ''}` };
    for (const c of r.changes) io.out(`ft sync: ${c}`);
    return { ok: true, model: ops.api.runningModel };
  });
  if (ops.server) opts.onMgmt?.(ops.server.url);
  const file = p.file;
  const offReload = opts.onReloadSignal?.(() => void ops.reloadFile(file));
  opts.onStarted?.(started.listeners);
  if (!signal.aborted) await new Promise<void>((r) => signal.addEventListener('abort', () => r(), { once: true }));
  offReload?.();
  await ops.close();
  io.out('acesim run: stopping');
  await ft?.stop();
  await rt.stop();
  if (!ft) await owner?.remove();
  await events?.close();
  io.out('acesim run: stopped');
  return EXIT_OK;
}

/** The SNMP relay options: ports moved by --port-offset, and the VIPs named by --snmp-trap-address (checked against the config). */
function snmpPlan(opts: RunOptions, contexts: Parameters<typeof pickContext>[0]): SnmpPlanOptions | { error: string } {
  const ports = SNMP_PORTS.map((p) => p + opts.portOffset);
  const v = opts.snmpTrapAddress?.trim();
  if (v === undefined) return { ports };
  if (v === 'all') return { ports, trapAddress: true };
  const names = v.split(',').map((n) => n.trim());
  const ctx = pickContext(contexts, opts.context);
  const snmpVips = new Set((ctx ? planVipListeners(ctx).listeners : []).filter((l) => snmpRelayFor(l, { ports }) !== undefined).map((l) => l.vipClass));
  const unknown = names.filter((n) => !snmpVips.has(n));
  if (unknown.length > 0 || names.length === 0) {
    const known = snmpVips.size > 0 ? `the UDP VIP classes on ports ${ports.join('/')} are ${[...snmpVips].join(', ')}` : `the config has no UDP VIP on ports ${ports.join('/')}`;
    return { error: `give \`all\` or VIP class names; ${unknown.map((n) => `"${n}"`).join(', ') || 'none'} ${unknown.length === 1 ? 'is' : 'are'} not an SNMP VIP (${known})` };
  }
  return { ports, trapAddress: names };
}
