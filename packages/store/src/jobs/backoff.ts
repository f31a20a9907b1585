export interface BackoffPolicy {
  /** Delay before the first retry, ms. */
  baseMs: number;
  /** Longest delay, ms. */
  capMs: number;
}

/** 30 s, 1 min, 2 min, … up to 6 h: a relay that is down for an afternoon does not lose mail. */
export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 30_000, capMs: 6 * 3600_000 };

/**
 * Exponential back-off with "equal jitter": half the exponential delay for certain, the
 * other half random, so retries of jobs that failed together (a relay outage) spread out
 * instead of hitting the relay in lockstep, yet never come sooner than half the schedule.
 * `attempts` counts attempts made so far (≥ 1).
 */
export function retryDelay(
  attempts: number,
  random: () => number = Math.random,
  policy = DEFAULT_BACKOFF,
): number {
  const exp = Math.min(policy.capMs, policy.baseMs * 2 ** Math.max(0, Math.min(attempts - 1, 30)));
  return Math.round(exp / 2 + random() * (exp / 2));
}
