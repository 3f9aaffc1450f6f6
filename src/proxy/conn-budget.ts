// The context's concurrent-connection budget (`limit-resource conc-connections`,
// ace-semantics §6.7), shared by every listener of one runtime: a new
// connection (or a UDP flow, when the runtime counts them) takes a slot at
// admission and gives it back when it ends. It always counts, even unlimited,
// so a reload that introduces or lowers a limit sees the connections already
// admitted. Invariant: 0 ≤ active; active ≤ limit except after the limit was
// lowered below it (then nothing is admitted until enough end). No time, no I/O.

export class ConnectionBudget {
  private activeCount = 0;
  private deniedCount = 0;

  /** `Infinity`: unlimited (the slots are still counted). */
  constructor(private max = Infinity) {}

  get limit(): number {
    return this.max;
  }

  /** A reload changed the resource class: admitted connections stay counted, none is cut. */
  setLimit(limit: number): void {
    this.max = limit;
  }

  get active(): number {
    return this.activeCount;
  }

  /** Connections refused because the budget was spent. */
  get denied(): number {
    return this.deniedCount;
  }

  /** Takes a slot; false (and counted) when none is left. */
  tryAcquire(): boolean {
    if (this.activeCount >= this.max) {
      this.deniedCount++;
      return false;
    }
    this.activeCount++;
    return true;
  }

  release(): void {
    if (this.activeCount > 0) this.activeCount--;
  }
}
