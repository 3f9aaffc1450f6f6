// `acesim run --events FILE`: every event of the given buses as one JSON line
// with the wall-clock stamp of its publication, so a lab driving separate
// balancer processes measures from events, not from log text (probe results
// included: the netns lab's probe statistics come from them).
import { createWriteStream, type WriteStream } from 'node:fs';

/** The part of an EventBus the log needs (any event union). */
interface Source {
  subscribe(l: (e: { type: string; atMs: number }) => void): () => void;
  wallOf(atMs: number): number;
}

export interface EventLog {
  attach(...buses: Source[]): void;
  close(): Promise<void>;
}

/**
 * A probe result without its free-text detail: the lab counts attempts and
 * causes from these lines, and a prober's detail text is no business of a file.
 */
function compact(e: { type: string; atMs: number }): object {
  if (e.type !== 'probe.result') return e;
  const { result, ...rest } = e as { type: string; atMs: number; result?: { detail?: unknown } };
  if (!result) return e;
  const { detail: _detail, ...kept } = result;
  return { ...rest, result: kept };
}

export function openEventLog(path: string): { ok: true; log: EventLog } | { ok: false; message: string } {
  let out: WriteStream;
  try {
    out = createWriteStream(path, { flags: 'a' });
  } catch (err) {
    return { ok: false, message: String((err as Error).message) };
  }
  let failed = false;
  out.on('error', () => {
    failed = true; // a reader that went away must not take the balancer down
  });
  const offs: (() => void)[] = [];
  return {
    ok: true,
    log: {
      attach(...buses) {
        for (const b of buses) {
          offs.push(
            b.subscribe((e) => {
              if (failed) return;
              // atMs is the bus's monotonic stamp; wallMs lets another process line events up.
              out.write(`${JSON.stringify({ ...compact(e), wallMs: b.wallOf(e.atMs) })}\n`);
            }),
          );
        }
      },
      close() {
        for (const o of offs.splice(0)) o();
        return new Promise<void>((r) => out.end(() => r()));
      },
    },
  };
}
