/**
 * Retry timing of DQT pushes (docs/domain.md, "DQT pushes"): the first retry within 10 s, then doubling, capped at an
 * hour, with jitter; enough attempts to keep trying for at least a day.
 */
export interface BackoffSettings {
  baseMs: number;
  capMs: number;
  /** Each delay is scaled by a random factor in [minJitter, 1]: spreads a burst of retries after an outage. */
  minJitter: number;
}

export const DQT_BACKOFF: BackoffSettings = { baseMs: 5_000, capMs: 3_600_000, minJitter: 0.75 };
export const ONE_DAY_MS = 24 * 3_600_000;

/** Delay before retry number `attemptsMade` (1 after the first failure). */
export function backoffDelay(
  attemptsMade: number,
  s: BackoffSettings,
  random: () => number = Math.random,
): number {
  const exponent = Math.max(0, attemptsMade - 1);
  const raw = Math.min(s.capMs, s.baseMs * 2 ** Math.min(exponent, 40));
  return Math.round(raw * (s.minJitter + (1 - s.minJitter) * random()));
}

/** The fewest attempts whose retries, with the least jitter, span at least `horizonMs`. */
export function attemptsToCover(horizonMs: number, s: BackoffSettings): number {
  let total = 0;
  let retries = 0;
  while (total < horizonMs) {
    retries++;
    total += backoffDelay(retries, s, () => 0);
  }
  return retries + 1;
}
