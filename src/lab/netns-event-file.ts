// Reads a growing JSON-lines file (an `acesim run --events` log) from where the
// last read stopped: whole lines only, a partial last line kept for the next
// read. A file that does not exist yet reads as empty. One reader per file.
// Used for the balancer's events in --netns runs and for the pair lab's members,
// whose wall-clock stamps onClock puts on the lab's clock.
import { open } from 'node:fs/promises';
import { StringDecoder } from 'node:string_decoder';
import type { Clock } from '../core/clock.js';

/** Wall stamp of another process on this clock (same host, same wall clock). */
export const onClock = (clock: Clock, wallMs: number): number => wallMs - clock.wallOf(0);

export class JsonLinesTail {
  private offset = 0;
  private partial = '';
  /** A UTF-8 character split across two reads is kept whole. */
  private readonly decoder = new StringDecoder('utf8');

  constructor(readonly path: string) {}

  /** Calls onLine for each complete new line. */
  async read(onLine: (line: string) => void): Promise<void> {
    let fh;
    try {
      fh = await open(this.path, 'r');
    } catch {
      return; // not created yet
    }
    try {
      const buf = Buffer.alloc(64 * 1024);
      for (;;) {
        const { bytesRead } = await fh.read(buf, 0, buf.length, this.offset);
        if (bytesRead === 0) break;
        this.offset += bytesRead;
        const lines = (this.partial + this.decoder.write(buf.subarray(0, bytesRead))).split('\n');
        this.partial = lines.pop() ?? '';
        for (const l of lines) onLine(l);
      }
    } finally {
      await fh.close();
    }
  }
}
