import type { Redis } from 'ioredis';
import type { Logger } from '@npq/service-kit';

export interface CachedToken {
  id: string;
  leadProviderId: string | null;
}

/**
 * Recently verified tokens, so a busy provider does not cost a database read per request. Revocation is
 * broadcast to every gateway replica over Redis pub/sub and evicts at once; a replica that missed the
 * message still drops the entry when it expires (`ttlMs`), which bounds how long a revoked token can live.
 */
export class TokenCache {
  private readonly byKey = new Map<string, { token: CachedToken; expiresAt: number }>();
  private readonly keysById = new Map<string, string>();
  private subscriber: Redis | undefined;

  constructor(
    private readonly ttlMs: number,
    private readonly redis: Redis,
    private readonly channel: string,
    private readonly logger: Logger,
    private readonly maxEntries = 10_000,
  ) {}

  /**
   * Listens for revocations from every replica (including this one). Never waits for Redis: the
   * subscription is made (and remade after every reconnect) in the background, and while it is missing
   * the TTL still bounds a revoked token's life.
   */
  async listen(): Promise<void> {
    // Its own connection (a subscriber can do nothing else), queueing the subscribe until connected.
    this.subscriber = this.redis.duplicate({ enableOfflineQueue: true, commandTimeout: undefined });
    this.subscriber.on('error', () => undefined); // the main connection already reports Redis errors
    this.subscriber.on('message', (_channel: string, tokenId: string) => this.evict(tokenId));
    this.subscriber
      .subscribe(this.channel)
      .catch((err: unknown) => this.logger.warn({ err }, 'could not subscribe to token revocations'));
  }

  async close(): Promise<void> {
    this.subscriber?.disconnect();
  }

  get(digest: string, scope: string, nowMs = Date.now()): CachedToken | undefined {
    const key = `${scope}:${digest}`;
    const hit = this.byKey.get(key);
    if (!hit) return undefined;
    if (hit.expiresAt <= nowMs) {
      this.byKey.delete(key);
      this.keysById.delete(hit.token.id);
      return undefined;
    }
    return hit.token;
  }

  set(digest: string, scope: string, token: CachedToken, nowMs = Date.now()): void {
    if (this.byKey.size >= this.maxEntries) {
      // Drop the oldest insertion; Map iterates in insertion order.
      const oldest = this.byKey.keys().next().value;
      if (oldest !== undefined) this.byKey.delete(oldest);
    }
    const key = `${scope}:${digest}`;
    this.byKey.set(key, { token, expiresAt: nowMs + this.ttlMs });
    this.keysById.set(token.id, key);
  }

  evict(tokenId: string): void {
    const key = this.keysById.get(tokenId);
    if (key) this.byKey.delete(key);
    this.keysById.delete(tokenId);
  }

  /** Evicts here and tells the other replicas. */
  async revoke(tokenId: string): Promise<void> {
    this.evict(tokenId);
    try {
      await this.redis.publish(this.channel, tokenId);
    } catch (err) {
      this.logger.error(
        { err, tokenId },
        'could not broadcast a token revocation; other replicas expire it by TTL',
      );
    }
  }
}
