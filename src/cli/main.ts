#!/usr/bin/env node
// acesim's command line: parses arguments and dispatches to thin command
// functions that take injected I/O and return exit codes. The only place
// that calls process.exit.
import { parseArgs } from 'node:util';
import { accessSync, constants, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCheck } from './check.js';
import { runExport } from './export.js';
import { runLabCommand } from './lab.js';
import { runNode } from './node.js';
import { runProbe } from './probe.js';
import { runSimulate } from './simulate.js';
import { runRun } from './run.js';
import { runClearSticky, runFtSwitchover, runReloadCommand, runRserverCommand, runShow } from './show.js';
import { EXIT_USAGE, processIo, type CliIo } from './io.js';
import { HELP, helpFor } from './help.js';
import { explainKeyword } from '../config/keywords/reference.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const DEFAULT_CONFIG = resolve(ROOT, 'examples/tms-ace.conf');
export const DEFAULT_SCENARIO = resolve(ROOT, 'examples/scenarios/node-crash.yaml');

/** The management API: where (`acesim run` binds it, the operator commands reach it) and its token. */
const MGMT_OPTIONS = {
  mgmt: { type: 'string' },
  'mgmt-token-file': { type: 'string' },
} as const;

const MAP_OPTIONS = {
  map: { type: 'string', multiple: true, default: [] as string[] },
  'port-offset': { type: 'string', default: '0' },
} as const;

export async function main(argv: string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        io.out(rest[0] ? helpFor(rest[0]) : HELP);
        return 0;
      case '--version':
      case 'version':
        io.out('acesim 0.1.0');
        return 0;
      case 'check': {
        const { values, positionals } = parseArgs({ args: rest, allowPositionals: true, options: { ...MAP_OPTIONS, format: { type: 'string', default: 'text' }, 'no-summary': { type: 'boolean', default: false }, explain: { type: 'string' } } });
        if (values.explain !== undefined) {
          const text = explainKeyword(values.explain);
          if (text === undefined) return usage(io, `no ACE keyword starts with "${values.explain}"`);
          io.out(text);
          return 0;
        }
        if (values.format !== 'text' && values.format !== 'json') return usage(io, `--format must be text or json, got "${values.format}"`);
        return await runCheck(io, { files: positionals, format: values.format, summary: !values['no-summary'], maps: values.map, portOffset: Number(values['port-offset']) });
      }
      case 'export': {
        const { values, positionals } = parseArgs({ args: rest, allowPositionals: true, options: { ...MAP_OPTIONS, to: { type: 'string', default: 'ace' }, 'show-secrets': { type: 'boolean', default: false }, out: { type: 'string' }, transparency: { type: 'string', default: 'none' } } });
        if (positionals.length > 1) return usage(io, 'export takes one config file');
        if (values.transparency !== 'none' && values.transparency !== 'usesrc-clientip') return usage(io, `export --transparency must be none or usesrc-clientip, got "${values.transparency}"`);
        const o = { to: values.to, showSecrets: values['show-secrets'], maps: values.map, portOffset: Number(values['port-offset']), usesrcClientip: values.transparency === 'usesrc-clientip', ...(values.out !== undefined ? { out: values.out } : {}) };
        return await runExport(io, positionals[0] === undefined ? o : { ...o, file: positionals[0] });
      }
      case 'run': {
        const { values, positionals } = parseArgs({ args: rest, allowPositionals: true, options: { ...MAP_OPTIONS, transparency: { type: 'string' }, 'log-level': { type: 'string', default: 'info' }, context: { type: 'string' }, l7: { type: 'boolean', default: false }, 'idle-timeout': { type: 'string' }, 'http-header-timeout': { type: 'string' }, 'snmp-trap-address': { type: 'string' }, 'ft-member': { type: 'string' }, 'ft-port': { type: 'string' }, 'ft-peer-via': { type: 'string' }, 'vip-mode': { type: 'string' }, 'vip-interface': { type: 'string' }, events: { type: 'string' }, 'time-scale': { type: 'string' }, 'probe-threads': { type: 'string' }, ...MGMT_OPTIONS } });
        if (positionals.length !== 1) return usage(io, 'run takes one config file');
        const mgmtOpts = {
          env: process.env,
          prettyLogs: process.stderr.isTTY === true,
          ...(values.mgmt !== undefined ? { mgmt: values.mgmt } : {}),
          ...(values['mgmt-token-file'] !== undefined ? { mgmtTokenFile: values['mgmt-token-file'] } : {}),
          onReloadSignal: (reload: () => void) => {
            process.on('SIGHUP', reload);
            return () => void process.off('SIGHUP', reload);
          },
        };
        const ftOpts = {
          ...(values['ft-member'] !== undefined ? { ftMember: values['ft-member'] } : {}),
          ...(values['ft-port'] !== undefined ? { ftPort: values['ft-port'] } : {}),
          ...(values['ft-peer-via'] !== undefined ? { ftPeerVia: values['ft-peer-via'] } : {}),
          ...(values['vip-mode'] !== undefined ? { vipMode: values['vip-mode'] } : {}),
          ...(values['vip-interface'] !== undefined ? { vipInterface: values['vip-interface'] } : {}),
          ...(values.events !== undefined ? { events: values.events } : {}),
          ...(values['time-scale'] !== undefined ? { timeScale: values['time-scale'] } : {}),
          ...(values['probe-threads'] !== undefined ? { probeThreads: values['probe-threads'] } : {}),
        };
        const ac = new AbortController();
        const stop = (): void => ac.abort();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
        try {
          return await runRun(io, { file: positionals[0], maps: values.map, portOffset: Number(values['port-offset']), logLevel: values['log-level'], ...(values.transparency !== undefined ? { transparency: values.transparency } : {}), ...(values.context !== undefined ? { context: values.context } : {}), ...(values.l7 ? { l7: true } : {}), ...(values['idle-timeout'] !== undefined ? { idleTimeout: values['idle-timeout'] } : {}), ...(values['http-header-timeout'] !== undefined ? { httpHeaderTimeout: values['http-header-timeout'] } : {}), ...(values['snmp-trap-address'] !== undefined ? { snmpTrapAddress: values['snmp-trap-address'] } : {}), ...ftOpts, ...mgmtOpts }, ac.signal);
        } finally {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
        }
      }
      case 'show':
      case 'rserver':
      case 'clear':
      case 'ft':
      case 'reload': {
        const { values, positionals } = parseArgs({ args: rest, allowPositionals: true, options: { ...MGMT_OPTIONS, json: { type: 'boolean', default: false } } });
        const o = { env: process.env, ...(values.mgmt !== undefined ? { mgmt: values.mgmt } : {}), ...(values['mgmt-token-file'] !== undefined ? { tokenFile: values['mgmt-token-file'] } : {}) };
        if (command === 'show') return await runShow(io, positionals, { ...o, json: values.json });
        if (command === 'rserver') return await runRserverCommand(io, positionals, o);
        if (command === 'clear') return await runClearSticky(io, positionals, o);
        if (command === 'ft') return await runFtSwitchover(io, positionals, o);
        if (positionals.length !== 1) return usage(io, 'reload takes one config file');
        return await runReloadCommand(io, positionals[0], o);
      }
      case 'probe': {
        const { values, positionals } = parseArgs({
          args: rest,
          allowPositionals: true,
          options: { ...MAP_OPTIONS, once: { type: 'boolean', default: false }, watch: { type: 'boolean', default: false }, probe: { type: 'string' }, rserver: { type: 'string' }, format: { type: 'string', default: 'text' }, duration: { type: 'string' }, 'probe-threads': { type: 'string' } },
        });
        if (values.once === values.watch) return usage(io, 'probe needs exactly one of --once or --watch');
        if (values.format !== 'text' && values.format !== 'json') return usage(io, `--format must be text or json, got "${values.format}"`);
        if (positionals.length !== 1) return usage(io, 'probe takes one config file');
        const durationS = values.duration === undefined ? undefined : Number(values.duration);
        if (durationS !== undefined && !(durationS > 0)) return usage(io, `--duration must be a positive number of seconds, got "${values.duration}"`);
        const ac = new AbortController();
        const stop = () => ac.abort();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
        try {
          return await runProbe(io, { file: positionals[0]!, mode: values.once ? 'once' : 'watch', format: values.format, maps: values.map, portOffset: Number(values['port-offset']), ...(values.probe ? { probe: values.probe } : {}), ...(values.rserver ? { rserver: values.rserver } : {}), ...(durationS !== undefined ? { durationS } : {}), ...(values['probe-threads'] !== undefined ? { probeThreads: values['probe-threads'] } : {}) }, ac.signal);
        } finally {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
        }
      }
      case 'simulate': {
        const { values, positionals } = parseArgs({ args: rest, allowPositionals: true, options: { scenario: { type: 'string' }, runs: { type: 'string', default: '200' }, seed: { type: 'string', default: '1' }, format: { type: 'string', default: 'text' }, set: { type: 'string', multiple: true, default: [] as string[] }, traffic: { type: 'string', default: 'analytic' }, report: { type: 'string' }, 'search-runs': { type: 'string', default: '20' }, threads: { type: 'string' } } });
        if (values.format !== 'text' && values.format !== 'json') return usage(io, `--format must be text or json, got "${values.format}"`);
        if (values.traffic !== 'analytic' && values.traffic !== 'exact') return usage(io, `--traffic must be analytic or exact, got "${values.traffic}"`);
        if (positionals.length > 1) return usage(io, 'simulate takes at most one config file');
        const o = { runs: Number(values.runs), seed: Number(values.seed) >>> 0, format: values.format as 'text' | 'json', sets: values.set, traffic: values.traffic as 'analytic' | 'exact', searchRuns: Number(values['search-runs']), ...(values.scenario !== undefined ? { scenario: values.scenario } : {}), ...(values.report !== undefined ? { reportDir: values.report } : {}), ...(values.threads !== undefined ? { threads: Number(values.threads) } : {}) };
        return await runSimulate(io, positionals[0] !== undefined ? { ...o, config: positionals[0] } : o);
      }
      case 'lab': {
        const { values, positionals } = parseArgs({ args: rest, allowPositionals: true, options: { scenario: { type: 'string' }, runs: { type: 'string', default: '1' }, 'time-scale': { type: 'string' }, format: { type: 'string', default: 'text' }, report: { type: 'string' }, engine: { type: 'string', default: 'acesim' }, 'force-time-scale': { type: 'boolean', default: false }, netns: { type: 'boolean', default: false } } });
        if (values.engine !== 'acesim' && values.engine !== 'haproxy') return usage(io, `--engine must be acesim or haproxy, got "${values.engine}"`);
        if (positionals.length > 1) return usage(io, 'lab takes at most one config file');
        if (values.format !== 'text' && values.format !== 'json') return usage(io, `--format must be text or json, got "${values.format}"`);
        if (values.scenario === undefined) return usage(io, 'lab needs --scenario FILE (see examples/scenarios/)');
        // --netns: a signal removes the namespaces before the command returns.
        const ac = new AbortController();
        const stop = (): void => ac.abort();
        if (values.netns) {
          process.once('SIGINT', stop);
          process.once('SIGTERM', stop);
        }
        try {
          return await runLabCommand(io, {
            scenario: values.scenario,
            runs: Number(values.runs),
            format: values.format,
            ...(positionals[0] !== undefined ? { config: positionals[0] } : {}),
            ...(values['time-scale'] !== undefined ? { timeScale: Number(values['time-scale']) } : {}),
            ...(values.report !== undefined ? { reportDir: values.report } : {}),
            ...(values['force-time-scale'] ? { forceTimeScale: true } : {}),
            engine: values.engine,
            ...(values.netns ? { netns: true, signal: ac.signal } : {}),
          });
        } finally {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
        }
      }
      case 'node': {
        const { values } = parseArgs({
          args: rest,
          options: { name: { type: 'string', default: 'node' }, address: { type: 'string', default: '127.0.0.1' }, http: { type: 'string', multiple: true, default: [] as string[] }, https: { type: 'string', multiple: true, default: [] as string[] }, trap: { type: 'string', multiple: true, default: [] as string[] }, control: { type: 'string', default: '0' }, credentials: { type: 'string' }, quiet: { type: 'boolean', default: false } },
        });
        const ac = new AbortController();
        const stop = (): void => ac.abort();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
        try {
          return await runNode(io, { name: values.name, address: values.address, http: values.http.map(Number), https: values.https.map(Number), trap: values.trap.map(Number), control: Number(values.control), quiet: values.quiet, ...(values.credentials !== undefined ? { credentials: values.credentials } : {}) }, ac.signal);
        } finally {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
        }
      }
      case 'start': {
        // The embedded default job: the reference crash experiment, time-scaled (about 30 s).
        io.out(`acesim: lab run of ${DEFAULT_SCENARIO} on ${DEFAULT_CONFIG}`);
        return await runLabCommand(io, { scenario: DEFAULT_SCENARIO, config: DEFAULT_CONFIG, runs: 1, format: 'text', reportDir: reportDir() });
      }
      default:
        return usage(io, `unknown command "${command}"`);
    }
  } catch (e) {
    // parseArgs reports unknown or malformed options by throwing; that is a usage error.
    if (e instanceof TypeError && 'code' in e && String((e as { code: unknown }).code).startsWith('ERR_PARSE_ARGS')) return usage(io, e.message);
    throw e;
  }
}

/** ./reports/ of the checkout (git-ignored) when writable, else the temp dir. */
function reportDir(): string {
  const dir = resolve(ROOT, 'reports');
  try {
    mkdirSync(dir, { recursive: true });
    accessSync(dir, constants.W_OK);
    return dir;
  } catch {
    return join(tmpdir(), 'acesim-reports');
  }
}

function usage(io: CliIo, message: string): number {
  io.err(`acesim: ${message}\nRun \`acesim help\` for the commands.`);
  return EXIT_USAGE;
}

const isEntry = process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isEntry) {
  main(process.argv.slice(2), processIo).then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`acesim: internal error: ${err instanceof Error ? err.message : String(err)}\nThis is a bug in acesim; please report it with the command you ran.\n`);
      process.exit(70);
    },
  );
}
