import type { FastifyRequest } from 'fastify';
import type { EntityManager } from './orm';
import type { Config } from './config';
import { notFound, ValidationErrors } from './errors';
import { requireAdmin } from './http';
import { readAdminAttributes } from './admin-attributes';
import { pgArray } from './outbox';
import { isUuid } from './query';

/**
 * What a service's `POST /internal/sandbox/purge` deletes (docs/sandbox.md, "Reset"): the lead provider's
 * rows, its dataset people, and the extra applications the gateway names (the provider's `two-providers`
 * person's application at the next provider). Each service finds the rest in its own schema.
 */
export interface SandboxPurgeInput {
  leadProviderId: string;
  personIds: string[];
  applicationIds: string[];
}

/**
 * The guard and input of a service's sandbox-only internal route: 404 outside the sandbox (production shows
 * no trace of it), the internal admin credential, and the lead provider with the ids to purge.
 */
export function readSandboxPurge(req: FastifyRequest, config: Config): SandboxPurgeInput {
  if (!config.SANDBOX) throw notFound();
  requireAdmin(req);
  const attrs = readAdminAttributes(req.body, ['lead_provider_id', 'person_ids', 'application_ids']);
  const errors = new ValidationErrors();
  const uuids = (name: string): string[] => {
    const value = attrs[name] ?? [];
    if (!Array.isArray(value) || !value.every(isUuid)) {
      errors.add(name, `The '#/${name}' must be a list of UUIDs.`);
      return [];
    }
    return value.map((v) => v.toLowerCase());
  };
  const leadProviderId = attrs.lead_provider_id;
  if (!isUuid(leadProviderId)) errors.add('lead_provider_id', "Enter a '#/lead_provider_id'.");
  const input = {
    leadProviderId: isUuid(leadProviderId) ? leadProviderId.toLowerCase() : '',
    personIds: uuids('person_ids'),
    applicationIds: uuids('application_ids'),
  };
  errors.throwIfAny();
  return input;
}

/** The 404 outside the sandbox and the internal admin credential, for a sandbox route without a body. */
export function requireSandbox(req: FastifyRequest, config: Config): void {
  if (!config.SANDBOX) throw notFound();
  requireAdmin(req);
}

/**
 * Waits (up to `ms`) until this service's outbox has published everything committed, so that no event of
 * rows about to be purged is still on its way to another service (docs/sandbox.md, "Reset"). Answers how
 * many rows were still unpublished when it stopped waiting.
 */
export async function waitForOutboxDrain(em: EntityManager, ms: number): Promise<number> {
  const outbox = `"${em.config.get('schema')}"."outbox"`;
  const deadline = Date.now() + ms;
  for (;;) {
    const rows: { n: string | number }[] = await em.execute(
      `select count(*) as n from ${outbox} where published_at is null`,
    );
    const pending = Number(rows[0]?.n ?? 0);
    if (pending === 0 || Date.now() > deadline) return pending;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Deletes this service's unpublished outbox rows of purged aggregates inside the purge's transaction: they
 * would otherwise publish events of rows that no longer exist and bring them back elsewhere.
 */
export async function dropUnpublishedEvents(
  tx: EntityManager,
  aggregateIds: readonly string[],
): Promise<void> {
  const outbox = `"${tx.config.get('schema')}"."outbox"`;
  // raw SQL: set-based sandbox purge
  await tx.execute(`delete from ${outbox} where published_at is null and aggregate_id = any(?::uuid[])`, [
    pgArray(aggregateIds),
  ]);
}
