#!/usr/bin/env node
// acesim's command line: parses arguments and dispatches to thin command
// functions that take injected I/O and return exit codes. The only place
// that calls process.exit.
import { parseArgs } from 'node:util';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCheck } from './check.js';
import { runExport } from './export.js';
import { EXIT_USAGE, processIo, type CliIo } from './io.js';
import { HELP, helpFor } from './help.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const DEFAULT_CONFIG = resolve(ROOT, 'examples/tms-ace.conf');

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
        const { values, positionals } = parseArgs({ args: rest, allowPositionals: true, options: { ...MAP_OPTIONS, format: { type: 'string', default: 'text' }, 'no-summary': { type: 'boolean', default: false } } });
        if (values.format !== 'text' && values.format !== 'json') return usage(io, `--format must be text or json, got "${values.format}"`);
        return await runCheck(io, { files: positionals, format: values.format, summary: !values['no-summary'], maps: values.map, portOffset: Number(values['port-offset']) });
      }
      case 'export': {
        const { values, positionals } = parseArgs({ args: rest, allowPositionals: true, options: { ...MAP_OPTIONS, to: { type: 'string', default: 'ace' }, 'show-secrets': { type: 'boolean', default: false } } });
        if (positionals.length > 1) return usage(io, 'export takes one config file');
        const o = { to: values.to, showSecrets: values['show-secrets'], maps: values.map, portOffset: Number(values['port-offset']) };
        return await runExport(io, positionals[0] === undefined ? o : { ...o, file: positionals[0] });
      }
      case 'start': {
        // The embedded default job. Until the lab exists it checks the reference TMS config.
        io.out(`acesim: checking the reference TMS config (${DEFAULT_CONFIG})`);
        return await runCheck(io, { files: [DEFAULT_CONFIG], format: 'text', summary: true, maps: [], portOffset: 0 });
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
