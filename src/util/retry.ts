import { setTimeout as sleep } from "node:timers/promises";

/** How to retry an operation. */
export interface RetryPolicy {
  readonly attempts: number;
  readonly retryable: (error: unknown) => boolean;
  /** First delay; each later one doubles, with full jitter. */
  readonly baseDelayMs?: number;
  readonly maxDelayMs?: number;
  readonly onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
}

/**
 * Runs `operation` until it succeeds, fails with an error that is not
 * retryable, or runs out of attempts (then the last error is thrown).
 */
export async function withRetries<T>(
  operation: (attempt: number) => Promise<T>,
  policy: RetryPolicy,
): Promise<T> {
  const base = policy.baseDelayMs ?? 200;
  const max = policy.maxDelayMs ?? 10_000;
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await operation(attempt);
    } catch (error) {
      if (attempt >= policy.attempts || !policy.retryable(error)) throw error;
      const delay = Math.round(Math.random() * Math.min(max, base * 2 ** (attempt - 1)));
      policy.onRetry?.(error, attempt, delay);
      await sleep(delay);
    }
  }
}
