// Reads a growing JSON-lines file (an `acesim run --events` log) from where the
// last read stopped: whole lines only, a partial last line kept for the next
// read. A file that does not exist yet reads as empty. One reader per file.
// (engine-pair.ts tails its members' files the same way and could use this.)
import { open } from 'node:fs/promises';

export class JsonLinesTail {
  private offset = 0;
  private partial = '';

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
        const lines = (this.partial + buf.subarray(0, bytesRead).toString('utf8')).split('\n');
        this.partial = lines.pop() ?? '';
        for (const l of lines) onLine(l);
      }
    } finally {
      await fh.close();
    }
  }
}
