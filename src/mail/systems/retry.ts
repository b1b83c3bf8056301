import { isWritError } from '../../errors/index.ts';

export interface RetryPolicy {
  /** Total tries, the first included. */
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = Object.freeze({ attempts: 5, baseDelayMs: 200, maxDelayMs: 3_000 });

export function compileRetryPolicy(policy: Partial<RetryPolicy> = {}): RetryPolicy {
  const merged = { ...DEFAULT_RETRY, ...policy };
  if (!Number.isInteger(merged.attempts) || merged.attempts < 1) throw new RangeError('retry.attempts must be a positive integer');
  if (!(merged.baseDelayMs >= 0) || !(merged.maxDelayMs >= merged.baseDelayMs)) {
    throw new RangeError('retry delays must satisfy 0 <= baseDelayMs <= maxDelayMs');
  }
  return Object.freeze(merged);
}

/** The wait before retry number `retry` (1-based): exponential, capped, with jitter on its upper half. */
export function backoffDelay(policy: RetryPolicy, retry: number): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (retry - 1));
  return ceiling / 2 + Math.random() * (ceiling / 2);
}

/**
 * Runs `task` again after a back-off while it fails with a retryable `WritError`; any
 * other failure, or the last attempt's, is thrown. `task` must be safe to repeat.
 */
export async function withRetry<T>(policy: RetryPolicy, task: (attempt: number) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await task(attempt);
    } catch (error) {
      if (attempt >= policy.attempts || !isWritError(error) || !error.retryable) throw error;
      await new Promise((resolve) => setTimeout(resolve, backoffDelay(policy, attempt)));
    }
  }
}
