import type { Redis } from 'ioredis';
import { pgArray, type EntityManager, type Naming } from '@npq/service-kit';
import { sandboxPeopleIds, sandboxSecondApplicationId } from './dataset';

/** The finance worker's payment-run queue and job ids (services/finance/src/jobs/queues.ts). */
const PAYMENT_QUEUE = 'finance-payment-run';

/**
 * Deletes one lead provider's sandbox book of work from every service's schema at once, so the seeder can
 * write it again with the same ids (docs/sandbox.md, "Reset"). This is the one place that reaches into the
 * services' tables: only the sandbox does it, and only so that a reset is a single consistent step.
 *
 * What goes: the provider's applications and every row hanging off them (enrolments, states, declarations,
 * statement items, outcomes, DQT deliveries, projections), the provider's dataset people wherever they are,
 * and the application the previous provider's `two-providers` person made here (the seeder makes it again).
 * The provider's statements are reopened as the finance seed made them. Nothing of another provider's own
 * data is touched, except the application this provider's `two-providers` person has at the next provider.
 */
export async function purgeLeadProvider(em: EntityManager, leadProviderId: string): Promise<string[]> {
  const people = sandboxPeopleIds(leadProviderId);
  return em.transactional(async (tx) => {
    // One purge at a time (a reset racing the start's seed would interleave deletes and inserts).
    await tx.execute(`select pg_advisory_xact_lock(hashtext('npq-sandbox-purge'))`);
    const apps: { id: string }[] = await tx.execute(
      `select id from applications.applications where lead_provider_id = ? or person_id = any(?::uuid[])`,
      [leadProviderId, pgArray(people)],
    );
    const applicationIds = apps.map((a) => a.id);
    const decls: { id: string }[] = await tx.execute(
      `select id from finance.declarations where lead_provider_id = ? or application_id = any(?::uuid[])
       union select id from training.declarations where lead_provider_id = ? or application_id = any(?::uuid[])`,
      [leadProviderId, pgArray(applicationIds), leadProviderId, pgArray(applicationIds)],
    );
    const declarationIds = decls.map((d) => d.id);
    const statements: { id: string; authorised: boolean }[] = await tx.execute(
      `select id, marked_as_paid_at is not null as authorised from finance.statements where lead_provider_id = ?`,
      [leadProviderId],
    );
    const statementIds = statements.map((s) => s.id);
    const A = pgArray(applicationIds);
    const D = pgArray(declarationIds);
    const P = pgArray(people);
    const S = pgArray(statementIds);

    // applications
    await tx.execute(`delete from applications.declarations where application_id = any(?::uuid[])`, [A]);
    await tx.execute(`delete from applications.applications where id = any(?::uuid[])`, [A]);
    await tx.execute(
      `delete from applications.participant_id_changes
       where person_id = any(?::uuid[]) or from_participant_id = any(?::uuid[]) or to_participant_id = any(?::uuid[])`,
      [P, P, P],
    );
    await tx.execute(`delete from applications.people where id = any(?::uuid[])`, [P]);

    // training
    await tx.execute(
      `delete from training.outcome_delivery_attempts where delivery_id in
         (select id from training.outcome_deliveries where declaration_id = any(?::uuid[]))`,
      [D],
    );
    await tx.execute(`delete from training.outcome_deliveries where declaration_id = any(?::uuid[])`, [D]);
    await tx.execute(`delete from training.outcomes where application_id = any(?::uuid[])`, [A]);
    await tx.execute(`delete from training.declarations where id = any(?::uuid[])`, [D]);
    await tx.execute(`delete from training.application_states where application_id = any(?::uuid[])`, [A]);
    await tx.execute(`delete from training.enrolments where id = any(?::uuid[])`, [A]);
    await tx.execute(`delete from training.applications where id = any(?::uuid[])`, [A]);
    await tx.execute(
      `delete from training.participant_id_changes
       where person_id = any(?::uuid[]) or from_participant_id = any(?::uuid[]) or to_participant_id = any(?::uuid[])`,
      [P, P, P],
    );
    await tx.execute(`delete from training.people where id = any(?::uuid[])`, [P]);

    // finance
    await tx.execute(
      `delete from finance.statement_items where declaration_id = any(?::uuid[]) or statement_id = any(?::uuid[])`,
      [D, S],
    );
    await tx.execute(`delete from finance.outcomes where declaration_id = any(?::uuid[])`, [D]);
    await tx.execute(`delete from finance.declarations where id = any(?::uuid[])`, [D]);
    await tx.execute(`delete from finance.application_states where application_id = any(?::uuid[])`, [A]);
    await tx.execute(`delete from finance.applications where id = any(?::uuid[])`, [A]);
    await tx.execute(
      `delete from finance.participant_id_changes
       where from_participant_id = any(?::uuid[]) or to_participant_id = any(?::uuid[])`,
      [P, P],
    );
    await tx.execute(`delete from finance.people where id = any(?::uuid[])`, [P]);
    await tx.execute(`delete from finance.adjustments where statement_id = any(?::uuid[])`, [S]);
    await tx.execute(
      `update finance.statements set state = 'open', marked_as_paid_at = null, reconcile_amount = 0,
         updated_at = now(), version = version + 1
       where id = any(?::uuid[]) and (state <> 'open' or marked_as_paid_at is not null or reconcile_amount <> 0)`,
      [S],
    );
    // The statements whose payment runs the queue remembers (see forgetPaymentRuns).
    return statements.filter((s) => s.authorised).map((s) => s.id);
  });
}

/**
 * The application the previous provider's `two-providers` person has here: it belongs to that provider's
 * dataset, so a purge of this provider (which deletes every application it holds) must have it made again.
 */
export function foreignSecondApplication(previousLeadProviderId: string): string {
  return sandboxSecondApplicationId(previousLeadProviderId);
}

/**
 * Forgets the finished payment runs of the provider's statements: their job ids are the statement ids
 * (`pay-<id>`), kept for a day, and a queue ignores a new job under a kept id, so the re-seeded statements
 * could never be paid again.
 */
export async function forgetPaymentRuns(redis: Redis, naming: Naming, statementIds: string[]): Promise<void> {
  const base = `${naming.queuePrefix}:${PAYMENT_QUEUE}`;
  for (const id of statementIds) {
    const jobId = `pay-${id}`;
    await redis
      .multi()
      .del(`${base}:${jobId}`, `${base}:${jobId}:logs`)
      .zrem(`${base}:completed`, jobId)
      .zrem(`${base}:failed`, jobId)
      .exec();
  }
}
