import { pgArray, dropUnpublishedEvents, type EntityManager, type SandboxPurgeInput } from '@npq/service-kit';

export interface PurgeReport {
  applications: number;
}

/**
 * Deletes one lead provider's sandbox book of work from the applications schema, in one transaction, so the
 * gateway's seeder can write it again with the same ids (docs/sandbox.md, "Reset"): its applications (and
 * those of its dataset people anywhere, plus the ids the gateway names), their declaration projections, the
 * dataset people and their participant id changes, and the unpublished events of all of them. Deleting what
 * is already gone is a no-op, so a reset that failed part-way converges when run again.
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
      `select id from applications.applications
       where lead_provider_id = ? or person_id = any(?::uuid[]) or id = any(?::uuid[])`,
      [input.leadProviderId, P, pgArray(input.applicationIds)],
    );
    const applicationIds = apps.map((a) => a.id);
    const A = pgArray(applicationIds);
    // raw SQL: set-based sandbox purge
    await tx.execute(`delete from applications.declarations where application_id = any(?::uuid[])`, [A]);
    await tx.execute(`delete from applications.applications where id = any(?::uuid[])`, [A]);
    await tx.execute(
      `delete from applications.participant_id_changes
       where person_id = any(?::uuid[]) or from_participant_id = any(?::uuid[]) or to_participant_id = any(?::uuid[])`,
      [P, P, P],
    );
    await tx.execute(`delete from applications.people where id = any(?::uuid[])`, [P]);
    await dropUnpublishedEvents(tx, [...applicationIds, ...input.personIds]);
    return { applications: applicationIds.length };
  });
}
