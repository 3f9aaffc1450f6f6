// The process logger: pino JSON lines by default, a compact human format on a
// TTY. Secrets cannot leak through it twice over: `Secret` values serialise
// as <redacted>, and pino's redaction masks the usual secret-bearing keys in
// case a plain string slips in. Timebase: pino's own timestamps (display only).
import pino, { type Logger } from 'pino';
import { SECRET_MASK } from '../core/secret.js';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Keys whose values are masked wherever they appear (top level or one level down). */
const SECRET_KEYS = ['password', 'credentials', 'community', 'token', 'authorization', 'secret'];
export const REDACT_PATHS = SECRET_KEYS.flatMap((k) => [k, `*.${k}`]);

const LEVEL_NAMES: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
const SKIP = new Set(['level', 'time', 'msg', 'pid', 'hostname']);

/** One pino JSON line → `HH:MM:SS.mmm LEVEL msg key=value …` (falls back to the line itself). */
export function prettyLine(json: string): string {
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json.trimEnd();
  }
  const time = typeof o['time'] === 'number' ? new Date(o['time']).toISOString().slice(11, 23) : '';
  const level = LEVEL_NAMES[o['level'] as number] ?? String(o['level']);
  const rest = Object.entries(o)
    .filter(([k]) => !SKIP.has(k))
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(' ');
  return `${time} ${level.padEnd(5)} ${String(o['msg'] ?? '')}${rest ? `  ${rest}` : ''}`;
}

export interface LoggerOptions {
  level: LogLevel;
  /** Where lines go (one call per line). */
  write: (line: string) => void;
  /** Human format instead of JSON (stderr is a TTY). */
  pretty?: boolean;
  base?: Record<string, unknown>;
}

export function createLogger(opts: LoggerOptions): Logger {
  const write = opts.pretty ? (s: string): void => opts.write(prettyLine(s)) : (s: string): void => opts.write(s);
  return pino({ level: opts.level, base: opts.base ?? {}, redact: { paths: REDACT_PATHS, censor: SECRET_MASK } }, { write });
}
