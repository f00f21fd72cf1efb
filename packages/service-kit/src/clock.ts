import { AsyncLocalStorage } from 'node:async_hooks';
import { toDateOnly, truncateToSeconds } from './time';

const storage = new AsyncLocalStorage<Date>();

/**
 * Runs `fn` with a frozen "now" (sandbox `X-With-Server-Date`, or an ops "as of" run). Everything inside
 * that asks the clock (timestamps written, future-date checks, next-statement selection) sees this time.
 */
export function runWithClock<T>(frozenNow: Date | undefined, fn: () => T): T {
  if (!frozenNow) return fn();
  return storage.run(truncateToSeconds(frozenNow), fn);
}

/** The request's "now": the frozen time if one is set, else the real clock. */
export function now(): Date {
  const frozen = storage.getStore();
  return frozen ? new Date(frozen.getTime()) : new Date();
}

/** Today's UTC calendar date as `YYYY-MM-DD`. */
export function today(): string {
  return toDateOnly(now());
}

export function isClockFrozen(): boolean {
  return storage.getStore() !== undefined;
}
