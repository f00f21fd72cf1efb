/**
 * Retries for the client's fetch: 429 always (the gateway answers it before doing anything), 5xx and
 * network errors only for requests that are safe to send twice. Requests are cloned before every attempt,
 * so bodies can be sent again.
 */

export interface RetryInfo {
  /** 1 for the first retry. */
  attempt: number;
  /** How long the client waits before the retry. */
  delayMs: number;
  /** The status that caused the retry, or the network error. */
  reason: number | Error;
  method: string;
  url: string;
}

export interface RetryOptions {
  /** Retries after the first attempt (default 4). 0 turns retrying off. */
  retries: number;
  /** First backoff step for 5xx and network errors (default 250 ms); it doubles per retry. */
  baseDelayMs: number;
  /** Largest backoff step (default 30 s). */
  maxDelayMs: number;
  /**
   * Longest `Retry-After` the client waits for (default 300 s, the gateway's default rate-limit window). A
   * longer one is not waited for: the 429 is returned to the caller.
   */
  maxRetryAfterMs: number;
  /** Time limit of one attempt (default none). A timed-out attempt counts as a network error. */
  attemptTimeoutMs: number | undefined;
  /** Called before each retry (logging, metrics). */
  onRetry: ((info: RetryInfo) => void) | undefined;
}

export const DEFAULT_RETRY: RetryOptions = {
  retries: 4,
  baseDelayMs: 250,
  maxDelayMs: 30_000,
  maxRetryAfterMs: 300_000,
  attemptTimeoutMs: undefined,
  onRetry: undefined,
};

const IDEMPOTENT_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE']);
const RETRYABLE_5XX = new Set([500, 502, 503, 504]);

/**
 * Whether sending the request again cannot do its effect twice. GET, PUT and DELETE are idempotent by HTTP
 * semantics (a repeated PUT may answer 422 where the first one already applied, e.g. "already deferred",
 * but nothing happens twice). A POST only with an `Idempotency-Key`, which the admin API uses to answer a
 * repeat with the first answer instead of acting again (docs/operations.md, "Idempotency-Key"); the v3
 * POSTs ignore the header, so callers send it only where it is honoured.
 */
export function isIdempotent(request: Request): boolean {
  return IDEMPOTENT_METHODS.has(request.method.toUpperCase()) || request.headers.has('idempotency-key');
}

/**
 * `Retry-After` in milliseconds: delta-seconds or an HTTP date (RFC 9110 §10.2.3); undefined when absent or
 * unreadable.
 */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (value === null) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** Exponential backoff with full jitter (a random wait up to the step), so clients that failed together spread out. */
export function backoffDelay(
  attempt: number,
  options: Pick<RetryOptions, 'baseDelayMs' | 'maxDelayMs'>,
): number {
  const step = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** (attempt - 1));
  return Math.round(Math.random() * step);
}

function sleep(ms: number, signal: AbortSignal | null): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason as Error);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason as Error);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

type Fetch = (request: Request, init?: RequestInit) => Promise<Response>;

/** A fetch that retries as described above; `base` does the sending (default: the global fetch). */
export function createRetryingFetch(options: Partial<RetryOptions> = {}, base?: Fetch): Fetch {
  const o: RetryOptions = { ...DEFAULT_RETRY, ...options };
  const send: Fetch = base ?? ((request, init) => globalThis.fetch(request, init));

  return async (request, init) => {
    for (let attempt = 1; ; attempt++) {
      let attemptRequest = request.clone();
      if (o.attemptTimeoutMs !== undefined) {
        const timeout = AbortSignal.timeout(o.attemptTimeoutMs);
        attemptRequest = new Request(attemptRequest, {
          signal: request.signal ? AbortSignal.any([request.signal, timeout]) : timeout,
        });
      }
      let reason: number | Error;
      let delayMs: number;
      try {
        const response = await send(attemptRequest, init);
        const retryAfter = parseRetryAfter(response.headers.get('retry-after'));
        if (response.status === 429) {
          // Rate limiting is the gateway's first check, before routing or any effect (the OpenAPI document,
          // "Check order"), so a 429 is safe to repeat whatever the method.
          if (retryAfter !== undefined && retryAfter > o.maxRetryAfterMs) return response;
          delayMs = retryAfter ?? backoffDelay(attempt, o);
        } else if (RETRYABLE_5XX.has(response.status) && isIdempotent(request)) {
          // A 503 may say when to come back (load shedding); never sooner than the backoff.
          delayMs = Math.max(backoffDelay(attempt, o), Math.min(retryAfter ?? 0, o.maxRetryAfterMs));
        } else {
          return response;
        }
        if (attempt > o.retries) return response;
        reason = response.status;
        await response.body?.cancel().catch(() => undefined);
      } catch (error) {
        // The caller's own abort is final; a network error or an attempt timeout is retried when safe.
        if (request.signal?.aborted || !isIdempotent(request) || attempt > o.retries) throw error;
        reason = error instanceof Error ? error : new Error(String(error));
        delayMs = backoffDelay(attempt, o);
      }
      o.onRetry?.({ attempt, delayMs, reason, method: request.method, url: request.url });
      await sleep(delayMs, request.signal);
    }
  };
}
