// The context's concurrent-connection budget (`limit-resource conc-connections`,
// ace-semantics §6.7), shared by every TCP listener of one runtime: a new
// connection takes a slot at admission and gives it back when its client
// socket closes. Invariant: 0 ≤ active ≤ limit. No time, no I/O.

export class ConnectionBudget {
  private activeCount = 0;
  private deniedCount = 0;

  constructor(readonly limit: number) {}

  get active(): number {
    return this.activeCount;
  }

  /** Connections refused because the budget was spent. */
  get denied(): number {
    return this.deniedCount;
  }

  /** Takes a slot; false (and counted) when none is left. */
  tryAcquire(): boolean {
    if (this.activeCount >= this.limit) {
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
