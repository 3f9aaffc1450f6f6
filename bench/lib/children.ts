// The processes a benchmark starts (backends, proxies, receivers), stopped by
// PID however the benchmark ends, and the one way a bench script runs its main:
// an error prints one line and sets a non-zero exit code.
import type { ChildProcess } from 'node:child_process';

const children: ChildProcess[] = [];

/** Remembers a child so stopChildren() ends it. */
export function track<T extends ChildProcess>(c: T): T {
  children.push(c);
  return c;
}

/** SIGTERM to every tracked child still running, by its PID. */
export function stopChildren(): void {
  for (const c of children) if (c.pid !== undefined && c.exitCode === null && c.signalCode === null) process.kill(c.pid, 'SIGTERM');
}

/** Runs a bench's main; its children are stopped when it ends or the process exits. */
export function runBench(name: string, main: () => Promise<void>): void {
  process.on('exit', stopChildren);
  main().then(stopChildren, (e: unknown) => {
    stopChildren();
    console.error(`${name}: ${e instanceof Error ? e.message : String(e)}`);
    process.exitCode = 1;
  });
}
