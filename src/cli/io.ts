// The CLI's view of the outside world, injected so commands are testable
// without a process: output streams and file reading. Commands return an
// exit code; only main.ts calls process.exit.
import { readFile } from 'node:fs/promises';

export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  readFile(path: string): Promise<string>;
}

export const processIo: CliIo = {
  out: (t) => void process.stdout.write(t.endsWith('\n') ? t : t + '\n'),
  err: (t) => void process.stderr.write(t.endsWith('\n') ? t : t + '\n'),
  readFile: (p) => readFile(p, 'utf8'),
};

/** Exit codes: 0 ok, 1 findings (errors in input / failing probes), 2 usage or I/O. */
export const EXIT_OK = 0;
export const EXIT_FINDINGS = 1;
export const EXIT_USAGE = 2;
