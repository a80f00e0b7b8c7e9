// Retrying an operation whose failure may pass: retriable Kafka error codes (a leader moved, a
// topic is still being created) and broken connections. Backoff doubles from
// `backoffMs` up to `backoffMaxMs`; after `attempts` tries the last error is thrown.

import type { Logger } from "../logger.ts";
import { isRetriableError } from "./errors.ts";

export interface RetryOptions {
  /** Tries in total, the first one included. */
  attempts: number;
  backoffMs: number;
  backoffMaxMs: number;
}

export const defaultRetryOptions: RetryOptions = { attempts: 6, backoffMs: 100, backoffMaxMs: 1000 };

/** The wait before retry number `retryIndex` (0 for the first retry). */
export function backoffDelayMs(retryIndex: number, options: Pick<RetryOptions, "backoffMs" | "backoffMaxMs">): number {
  return Math.min(options.backoffMaxMs, options.backoffMs * 2 ** retryIndex);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Runs `operation` until it succeeds, fails with a non-retriable error, or runs out of attempts. */
export async function retry<T>(
  operation: () => Promise<T>,
  options: Partial<RetryOptions> & { logger?: Logger; what: string },
): Promise<T> {
  const settings = { ...defaultRetryOptions, ...options };
  for (let attempt = 1; ; attempt++) {
    try {
      return await operation();
    } catch (error) {
      if (!isRetriableError(error) || attempt >= settings.attempts) throw error;
      const delayMs = backoffDelayMs(attempt - 1, settings);
      options.logger?.debug("Retrying", { what: options.what, attempt, delayMs, error });
      await sleep(delayMs);
    }
  }
}
