/**
 * Polling `filter[updated_since]` without missing a record.
 *
 * Why the feed re-reads an overlap window instead of asking for "everything after the newest `updated_at`
 * seen":
 * - `updated_at` is stamped when a write happens but becomes visible when its transaction commits. A write
 *   that commits after our read, with a stamp older than the newest one we saw, would fall below a cursor set
 *   at that newest stamp and never be read. Several services and replicas write (docs/architecture.md), so
 *   small clock differences between writers add to the same effect.
 * - Timestamps have second precision, so records changed in the same second as the cursor may still arrive.
 * - The lists are offset-paginated with no snapshot. A record committed during the walk with a `created_at`
 *   earlier than our offset lands on a page already read (and pushes the rest one place along). It is read
 *   on the next poll if its stamp is inside the window.
 * So every poll asks from (newest `updated_at` seen - overlap), and drops what it has already returned with
 * the same `id` and `updated_at`: a record comes back only when it changed again. Because `updated_at` has
 * second precision, two changes within one second share it; a record read between them would then look
 * unchanged, so the feed also compares a fingerprint of the record's content before dropping it.
 *
 * The walk uses each list's default order (`created_at`, then `id`; the OpenAPI document's list descriptions). An update does not move
 * a record in that order, so records shift only towards later pages (duplicates, dropped here), never
 * towards pages already read. Sorting by `updated_at` would move a record updated during the walk to the
 * end, pulling the following records back across a page boundary: that is why the feed takes no `sort`.
 */

export interface FeedRecord {
  id: string;
  attributes: { updated_at?: string | null };
}

/** What to persist between runs to resume a feed. */
export interface UpdatedSinceState {
  /** The feed's start (`since`): the window never reaches before it. */
  since: string | undefined;
  /** Newest `updated_at` returned so far (RFC 3339), or undefined before the first record. */
  cursor: string | undefined;
  /** Per id, for records inside the overlap window: `updated_at` and content fingerprint last returned. */
  seen: Record<string, string>;
}

export interface UpdatedSinceOptions {
  /** Start from this instant (`filter[updated_since]`); default: the whole list on the first poll. */
  since?: string | Date;
  /**
   * Seconds re-read before the newest `updated_at` seen (default 300). It must exceed the longest time a
   * write can take to commit plus clock differences between the writers; larger only costs re-reading.
   */
  overlapSeconds?: number;
  /** Resume from a state saved from `state` (overrides `since`). */
  state?: UpdatedSinceState;
}

/** Second-precision RFC 3339 in UTC, the API's timestamp format. */
function rfc3339(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** A 53-bit hash (cyrb53) of the record's JSON: runs anywhere fetch does, no crypto module needed. */
function fingerprint(record: unknown): string {
  const text = JSON.stringify(record);
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return (4294967296 * (2097151 & h2) + (h1 >>> 0)).toString(36);
}

const seenValue = (updatedAt: string, record: unknown) => `${updatedAt} ${fingerprint(record)}`;
const seenUpdatedAt = (value: string) => Date.parse(value.slice(0, value.indexOf(' ')));

/** The feed's bookkeeping; `pages` fetches every page for a given `updated_since`. */
export class UpdatedSinceFeed<T extends FeedRecord> {
  private cursor: string | undefined;
  private since: string | undefined;
  private seen = new Map<string, string>();
  private readonly overlapMs: number;

  constructor(
    private readonly pages: (updatedSince: string | undefined) => AsyncIterable<readonly T[]>,
    options: UpdatedSinceOptions = {},
  ) {
    this.overlapMs = (options.overlapSeconds ?? 300) * 1000;
    this.since = options.since === undefined ? undefined : rfc3339(new Date(options.since).getTime());
    if (options.state) {
      this.since = options.state.since;
      this.cursor = options.state.cursor;
      this.seen = new Map(Object.entries(options.state.seen));
    }
  }

  /** The state to persist (JSON) and pass back as `state` to resume without gaps. */
  get state(): UpdatedSinceState {
    return { since: this.since, cursor: this.cursor, seen: Object.fromEntries(this.seen) };
  }

  /** The `updated_since` the next poll sends. */
  get nextUpdatedSince(): string | undefined {
    if (this.cursor === undefined) return this.since;
    const windowStart = Date.parse(this.cursor) - this.overlapMs;
    // Never before the requested start: records older than `since` were not asked for.
    return rfc3339(this.since === undefined ? windowStart : Math.max(windowStart, Date.parse(this.since)));
  }

  /** One poll: every page from the window's start; returns the records new or changed since the last poll. */
  async poll(): Promise<T[]> {
    const fresh: T[] = [];
    let newest = this.cursor === undefined ? undefined : Date.parse(this.cursor);
    for await (const page of this.pages(this.nextUpdatedSince)) {
      for (const record of page) {
        const updatedAt = record.attributes.updated_at ?? '';
        const value = seenValue(updatedAt, record);
        const previous = this.seen.get(record.id);
        // Already returned as it is, or an older version than the one returned: nothing new.
        if (
          previous === value ||
          (previous !== undefined && seenUpdatedAt(previous) > Date.parse(updatedAt))
        ) {
          continue;
        }
        this.seen.set(record.id, value);
        fresh.push(record);
        const stamp = Date.parse(updatedAt);
        if (!Number.isNaN(stamp) && (newest === undefined || stamp > newest)) newest = stamp;
      }
    }
    if (newest !== undefined) this.cursor = rfc3339(newest);
    // Forget records the next poll cannot return unchanged (they are older than its window).
    const windowStart = this.nextUpdatedSince;
    if (windowStart !== undefined) {
      const start = Date.parse(windowStart);
      for (const [id, value] of this.seen) if (seenUpdatedAt(value) < start) this.seen.delete(id);
    }
    return fresh;
  }

  /** Polls forever (until `signal` aborts), yielding each new or changed record. */
  async *watch(options: { intervalMs?: number; signal?: AbortSignal } = {}): AsyncGenerator<T> {
    const intervalMs = options.intervalMs ?? 60_000;
    while (!options.signal?.aborted) {
      for (const record of await this.poll()) yield record;
      if (options.signal?.aborted) return;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, intervalMs);
        function done() {
          clearTimeout(timer);
          options.signal?.removeEventListener('abort', done);
          resolve();
        }
        options.signal?.addEventListener('abort', done, { once: true });
      });
    }
  }
}
