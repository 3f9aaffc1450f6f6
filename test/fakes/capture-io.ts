// A CliIo that keeps what a command writes, line by line, for assertions (and
// for a failing test to print); files are read from disk as the CLI would.
import { readFile } from 'node:fs/promises';
import type { CliIo } from '../../src/cli/io.js';

export type CapturedIo = CliIo & { outs: string[]; errs: string[] };

export function captureIo(): CapturedIo {
  const outs: string[] = [];
  const errs: string[] = [];
  return { outs, errs, out: (s) => void outs.push(s), err: (s) => void errs.push(s), readFile: (p) => readFile(p, 'utf8') };
}
