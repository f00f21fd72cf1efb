import { pgArray, dropUnpublishedEvents, type EntityManager, type SandboxPurgeInput } from '@npq/service-kit';

export interface PurgeReport {
  applications: number;
  declarations: number;
}

/**
 * Deletes one lead provider's sandbox book of work from the training schema, in one transaction, so the
 * gateway's seeder can write it again with the same ids (docs/sandbox.md, "Reset"): the projections of its
 * applications (and those of its dataset people anywhere, plus the ids the gateway names) with their
 * enrolments, states, declarations, outcomes and DQT deliveries, the dataset people and their participant id
 * changes, and the unpublished events of all of them. Deleting what is already gone is a no-op, so a reset
 * that failed part-way converges when run again.
 */
export async function purgeSandboxLeadProvider(
  em: EntityManager,
  input: SandboxPurgeInput,
): Promise<PurgeReport> {
  const P = pgArray(input.personIds);
  return em.transactional(async (tx) => {
    // One purge at a time (a reset racing the start's seed would interleave deletes and inserts).
    // raw SQL: set-based sandbox purge
    await tx.execute(`select pg_advisory_xact_lock(hashtext('npq-sandbox-purge'))`);
    const apps: { id: string }[] = await tx.execute(
      `select id from training.applications
       where lead_provider_id = ? or participant_id = any(?::uuid[]) or id = any(?::uuid[])
       union select id from training.enrolments where id = any(?::uuid[])`,
      [input.leadProviderId, P, pgArray(input.applicationIds), pgArray(input.applicationIds)],
    );
    const applicationIds = apps.map((a) => a.id);
    const A = pgArray(applicationIds);
    const decls: { id: string }[] = await tx.execute(
      `select id from training.declarations where lead_provider_id = ? or application_id = any(?::uuid[])`,
      [input.leadProviderId, A],
    );
    const declarationIds = decls.map((d) => d.id);
    const D = pgArray(declarationIds);
    // raw SQL: set-based sandbox purge
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
    await dropUnpublishedEvents(tx, [...applicationIds, ...declarationIds, ...input.personIds]);
    return { applications: applicationIds.length, declarations: declarationIds.length };
  });
}
