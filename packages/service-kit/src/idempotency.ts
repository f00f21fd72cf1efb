import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { EventEnvelope } from '@npq/contracts';
import { badRequest, unprocessable } from './errors';
import type { EntityManager, MikroORM } from './orm';
import type { ReadYourWrites } from './read-your-writes';

export const IDEMPOTENCY_KEY_HEADER = 'idempotency-key';
export const IDEMPOTENT_REPLAYED_HEADER = 'idempotent-replayed';
/** Keys are kept at least this long (the maintenance worker prunes older ones). */
export const IDEMPOTENCY_KEY_RETENTION_HOURS = 24;

/** What a command answers, for `runIdempotent` to store and send. */
export interface CommandResult {
  status: number;
  /** The JSON body (stored as sent, so a replay is byte for byte the same). */
  body: unknown;
  /** Events to wait for (read-your-writes) once the transaction has committed. */
  events?: EventEnvelope[];
  /** Runs after the commit of a fresh result (never for a replay), e.g. queueing a job in Redis. */
  afterCommit?: () => Promise<void>;
}

/** 1 to 255 visible ASCII characters (as Stripe's keys; a UUID is the usual choice). */
const KEY_FORMAT = /^[\x21-\x7e]{1,255}$/;

function table(em: EntityManager): string {
  return `"${em.config.get('schema')}"."idempotency_keys"`;
}

/** JSON with object keys sorted, so the same body sent with its keys in another order matches. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

/** Who the key belongs to: keys of one caller never meet another's. */
function scopeOf(req: FastifyRequest): string {
  return `${req.caller.scope ?? 'none'}:${req.caller.leadProviderId ?? ''}`;
}

function fingerprintOf(req: FastifyRequest): string {
  const path = (req.url.split('?')[0] ?? '').toLowerCase();
  return createHash('sha256')
    .update(`${req.method}\n${path}\n${canonical(req.body)}`)
    .digest('hex');
}

/** The request's Idempotency-Key, undefined without one; a malformed one is a 400. */
function keyOf(req: FastifyRequest): string | undefined {
  const raw = req.headers[IDEMPOTENCY_KEY_HEADER];
  if (raw === undefined) return undefined;
  if (typeof raw !== 'string' || !KEY_FORMAT.test(raw)) {
    throw badRequest('The Idempotency-Key header must be one value of 1 to 255 visible ASCII characters');
  }
  return raw;
}

export const IDEMPOTENCY_KEY_REUSED = unprocessable([
  {
    title: 'Idempotency-Key',
    detail:
      'The Idempotency-Key was already used for a different request (method, path or body); use a new key for a new request',
  },
]);

interface StoredRow {
  fingerprint: string;
  status_code: number;
  response_body: string | null;
}

/**
 * Runs a write command under the caller's `Idempotency-Key` (docs/operations.md, "Idempotency-Key"),
 * or plainly without one. With a key:
 * - the key is inserted, the command runs and its answer is stored, all in ONE transaction (the command's
 *   own transactions nest inside it), so a crash can never keep the effect without the key or the key
 *   without the effect;
 * - a key already stored for the same request (method, path and body) replays the stored status and body
 *   with `Idempotent-Replayed: true`, without running anything; for a different request it is a 422;
 * - a second request with a key still in flight waits on the first one's row (Postgres' unique index)
 *   and then replays its answer, so concurrent retries make one effect;
 * - a refused request (4xx) stores nothing: the key can be used again, e.g. with a corrected body.
 * Read-your-writes and `afterCommit` run after the commit, for a fresh answer only.
 */
export async function runIdempotent(
  req: FastifyRequest,
  reply: FastifyReply,
  runtime: { readYourWrites: Pick<ReadYourWrites, 'publishAndWait'> },
  command: (em: EntityManager) => Promise<CommandResult>,
): Promise<FastifyReply> {
  const key = keyOf(req);
  let fresh: CommandResult;
  if (key === undefined) {
    fresh = await command(req.em);
  } else {
    const scope = scopeOf(req);
    const fingerprint = fingerprintOf(req);
    const outcome = await req.em.transactional(
      async (tx): Promise<{ replay: StoredRow } | { fresh: CommandResult }> => {
        // A concurrent insert of the same key makes this one wait until that transaction ends.
        const claimed: unknown[] = await tx.execute(
          `insert into ${table(tx)} (scope, idempotency_key, fingerprint, created_at) values (?, ?, ?, now())
         on conflict do nothing returning idempotency_key`,
          [scope, key, fingerprint],
        );
        if (claimed.length === 0) {
          const rows: StoredRow[] = await tx.execute(
            `select fingerprint, status_code, response_body from ${table(tx)} where scope = ? and idempotency_key = ?`,
            [scope, key],
          );
          const stored = rows[0];
          if (!stored || stored.fingerprint !== fingerprint) throw IDEMPOTENCY_KEY_REUSED;
          return { replay: stored };
        }
        const result = await command(tx);
        await tx.execute(
          `update ${table(tx)} set status_code = ?, response_body = ? where scope = ? and idempotency_key = ?`,
          [result.status, result.body === undefined ? null : JSON.stringify(result.body), scope, key],
        );
        return { fresh: result };
      },
    );
    if ('replay' in outcome) {
      req.log.info({ status: outcome.replay.status_code }, 'idempotent request replayed');
      void reply.status(outcome.replay.status_code).header(IDEMPOTENT_REPLAYED_HEADER, 'true');
      return outcome.replay.response_body === null
        ? reply.send()
        : reply.type('application/json').send(outcome.replay.response_body);
    }
    fresh = outcome.fresh;
  }
  if (fresh.afterCommit) await fresh.afterCommit();
  if (fresh.events && fresh.events.length > 0) await runtime.readYourWrites.publishAndWait(fresh.events);
  return reply.status(fresh.status).send(fresh.body);
}

/** Deletes keys older than `olderThanHours` (the maintenance worker, hourly); returns how many. */
export async function pruneIdempotencyKeys(
  orm: MikroORM,
  olderThanHours = IDEMPOTENCY_KEY_RETENTION_HOURS,
): Promise<number> {
  const em = orm.em.fork();
  const rows: unknown[] = await em.execute(
    `delete from ${table(em)} where created_at < now() - make_interval(hours => ?) returning 1`,
    [olderThanHours],
  );
  return rows.length;
}
