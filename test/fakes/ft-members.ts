// FT members as `acesim run --ft-member` runs them, inside the test process
// (runRun with a captured CliIo, stopped by its abort signal): start one,
// stop both at teardown, show what each said when the test failed, and wait
// for a pair state with a deadline that names what it waited for.
import { runRun, type RunOptions } from '../../src/cli/run.js';
import type { FtMember } from '../../src/runtime/ft-member.js';
import { captureIo, type CapturedIo } from './capture-io.js';

export interface InProcessMember {
  io: CapturedIo;
  ac: AbortController;
  /** The member's FT wiring, once runRun has built it. */
  readonly ft: FtMember | undefined;
  /** runRun's exit code, after an abort (the CLI's SIGTERM). */
  done: Promise<number>;
}

/** Starts one member on `opts` (onFt is the helper's); `io` when the test watches its output. */
export function startMember(opts: Omit<RunOptions, 'onFt'>, io: CapturedIo = captureIo()): InProcessMember {
  const ac = new AbortController();
  let ft: FtMember | undefined;
  const done = runRun(io, { ...opts, onFt: (f) => (ft = f) }, ac.signal);
  return {
    io,
    ac,
    get ft() {
      return ft;
    },
    done,
  };
}

/** What the helpers need of a test. */
interface PairTest {
  teardown(fn: () => unknown): void;
  passing(): boolean;
  comment(...args: unknown[]): void;
}

/** Stops both members when the test ends; if it failed, prints their output (and `more` of each). */
export function stopPairAtTeardown<M extends InProcessMember>(t: PairTest, primary: M, secondary: M, more: (m: M) => string = () => ''): void {
  t.teardown(async () => {
    primary.ac.abort();
    secondary.ac.abort();
    await Promise.all([primary.done, secondary.done]);
  });
  t.teardown(() => {
    if (t.passing()) return;
    for (const [role, m] of [['primary', primary], ['secondary', secondary]] as const) t.comment(`${role}:\n${[...m.io.outs, ...m.io.errs].join('\n')}${more(m)}`);
  });
}

/** Polls `cond` every 20 ms; throws naming `what` after `timeoutMs`. */
export async function until(what: string, cond: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const end = performance.now() + timeoutMs;
  while (!(await cond())) {
    if (performance.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
