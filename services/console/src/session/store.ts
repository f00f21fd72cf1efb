import type { Redis } from 'ioredis';
import { SessionKeys } from './keys';

/** A one-time message for the next page (a banner), possibly sealed (a new API token, shown once). */
export interface Flash {
  kind: 'success' | 'important';
  title: string;
  text?: string;
  /** Encrypted; opened for the page that shows it, then gone. */
  sealedSecret?: string;
  secretLabel?: string;
}

export interface SessionData {
  /** The admin token, encrypted with the session secret. */
  sealedToken: string;
  operatorId: string;
  /** Every form of this session carries it; every POST must return it (docs/console.md, "CSRF"). */
  csrfToken: string;
  createdAt: number;
  lastSeenAt: number;
  flash?: Flash;
}

export interface SessionStoreOptions {
  /** Key prefix (the namespace's queue prefix), so test runs and environments stay apart. */
  prefix: string;
  idleSeconds: number;
  /** Longest a session lasts however active it is. */
  absoluteSeconds?: number;
  now?: () => number;
}

/**
 * Sessions kept in Redis, so every console replica serves every operator; the cookie holds only the random
 * id. A session unused for `idleSeconds` expires (Redis drops it, and the load checks the time itself too).
 */
export class SessionStore {
  private readonly absoluteSeconds: number;
  private readonly now: () => number;

  constructor(
    private readonly redis: Redis,
    private readonly options: SessionStoreOptions,
  ) {
    this.absoluteSeconds = options.absoluteSeconds ?? 12 * 3600;
    this.now = options.now ?? Date.now;
  }

  private key(id: string): string {
    return `${this.options.prefix}:console:session:${SessionKeys.storageId(id)}`;
  }

  async create(data: Omit<SessionData, 'createdAt' | 'lastSeenAt'>): Promise<string> {
    const id = SessionKeys.randomId();
    const at = this.now();
    await this.write(id, { ...data, createdAt: at, lastSeenAt: at });
    return id;
  }

  /** The session, its idle time restarted; undefined when unknown, idle too long or too old. */
  async load(id: string): Promise<SessionData | undefined> {
    const raw = await this.redis.get(this.key(id));
    if (raw === null) return undefined;
    const data = JSON.parse(raw) as SessionData;
    const at = this.now();
    if (
      at - data.lastSeenAt > this.options.idleSeconds * 1000 ||
      at - data.createdAt > this.absoluteSeconds * 1000
    ) {
      await this.destroy(id);
      return undefined;
    }
    data.lastSeenAt = at;
    await this.write(id, data);
    return data;
  }

  async write(id: string, data: SessionData): Promise<void> {
    await this.redis.set(this.key(id), JSON.stringify(data), 'EX', this.options.idleSeconds);
  }

  async destroy(id: string): Promise<void> {
    await this.redis.del(this.key(id));
  }
}
