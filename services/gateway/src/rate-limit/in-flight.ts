/**
 * Requests in progress per caller at this gateway replica (docs/security.md, "Limits"). One client's
 * burst of expensive requests (50 lists of 3,000 records at once) must not take the capacity every other
 * provider shares: beyond the cap it gets an immediate 429 instead of a place in the queue. Counted in
 * memory, so the cap is per replica and costs nothing; N replicas allow N times the cap.
 */
export class InFlightLimiter {
  private readonly counts = new Map<string, number>();

  constructor(private readonly maxPerCaller: number) {}

  get max(): number {
    return this.maxPerCaller;
  }

  /** A release function when the caller has room, else undefined. Releasing twice is harmless. */
  acquire(caller: string): (() => void) | undefined {
    const current = this.counts.get(caller) ?? 0;
    if (current >= this.maxPerCaller) return undefined;
    this.counts.set(caller, current + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.counts.get(caller) ?? 1) - 1;
      if (left <= 0) this.counts.delete(caller);
      else this.counts.set(caller, left);
    };
  }

  inFlight(caller: string): number {
    return this.counts.get(caller) ?? 0;
  }
}
