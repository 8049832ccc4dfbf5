/** Retry timing: exponential backoff with jitter, and the Retry-After header. */

import { ApiProblem, NetworkError } from './api.js';

/** Attempts in total (the first try plus retries) and the backoff range in milliseconds. */
export const RETRY_POLICY = Object.freeze({ attempts: 5, baseDelayMs: 500, maxDelayMs: 8_000 });

/** Longest Retry-After the page waits for; a longer value is cut to this. */
const MAX_RETRY_AFTER_MS = 30_000;

/**
 * Returns the wait before retry number `retry` (0 for the first retry). The step is
 * base·2^retry, capped at the maximum. The wait is half the step plus a random part of the
 * other half ("equal jitter"), so clients that failed together do not retry together.
 */
export function backoffDelay(retry, policy = RETRY_POLICY, random = Math.random) {
  const step = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** retry);
  return Math.round(step / 2 + random() * (step / 2));
}

/**
 * Returns the Retry-After header in milliseconds, or null when it is absent or invalid.
 * The header contains either delay seconds or an HTTP date (RFC 9110, section 10.2.3).
 * @param {Headers|null|undefined} headers
 */
export function retryAfterMs(headers, now = Date.now()) {
  const value = headers?.get('Retry-After')?.trim();
  if (!value) return null;
  if (/^\d+$/.test(value)) return Math.min(Number(value) * 1000, MAX_RETRY_AFTER_MS);
  const date = Date.parse(value);
  if (Number.isNaN(date)) return null;
  return Math.min(Math.max(0, date - now), MAX_RETRY_AFTER_MS);
}

/**
 * Returns whether repeating the same request may succeed: no response, 429 (rejected before
 * processing), or 500, 502, 503 and 504. Only call it for requests that are safe to repeat.
 */
export function isTransient(error) {
  if (error instanceof NetworkError) return true;
  return error instanceof ApiProblem && [429, 500, 502, 503, 504].includes(error.status);
}

/**
 * Returns whether a request was rejected before the server did anything (429 or 503), so
 * even a request that is not idempotent may be sent again.
 */
export function rejectedBeforeProcessing(error) {
  return error instanceof ApiProblem && (error.status === 429 || error.status === 503);
}

/** Resolves after `ms` milliseconds. */
export function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Runs `attempt` until it succeeds, `shouldRetry(error)` is false or the policy's attempts
 * are used up, and then rethrows the last error. The wait is the backoff delay or the
 * Retry-After header, whichever is longer. `onRetry({error, attempt, delayMs})` runs before
 * each wait, so the page can report what is happening.
 */
export async function withRetries(attempt, { shouldRetry = isTransient, onRetry = () => {}, policy = RETRY_POLICY } = {}) {
  for (let number = 1; ; number += 1) {
    try {
      return await attempt(number);
    } catch (error) {
      if (number >= policy.attempts || !shouldRetry(error)) throw error;
      const delayMs = Math.max(backoffDelay(number - 1, policy), retryAfterMs(error.headers) ?? 0);
      onRetry({ error, attempt: number, delayMs });
      await sleep(delayMs);
    }
  }
}
