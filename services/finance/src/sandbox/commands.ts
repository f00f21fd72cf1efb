import { pgArray, dropUnpublishedEvents, type EntityManager, type SandboxPurgeInput } from '@npq/service-kit';

export interface PurgeReport {
  applications: number;
  declarations: number;
  /** Every statement of the provider: their payment runs are forgotten after the commit. */
  statementIds: string[];
}

/**
 * Deletes one lead provider's sandbox book of work from the finance schema, in one transaction, so the
 * gateway's seeder can write it again with the same ids (docs/sandbox.md, "Reset"): the projections of its
 * applications (and those of its dataset people anywhere, plus the ids the gateway names) with their states,
 * declarations, statement items and outcomes, the dataset people and their participant id changes, the
 * adjustments of its statements, and the unpublished events of all of them; its statements are reopened as
 * the finance seed made them. Deleting what is already gone is a no-op, so a reset that failed part-way
 * converges when run again.
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
      `select id from finance.applications
       where lead_provider_id = ? or participant_id = any(?::uuid[]) or id = any(?::uuid[])`,
      [input.leadProviderId, P, pgArray(input.applicationIds)],
    );
    const applicationIds = apps.map((a) => a.id);
    const A = pgArray(applicationIds);
    const decls: { id: string }[] = await tx.execute(
      `select id from finance.declarations where lead_provider_id = ? or application_id = any(?::uuid[])`,
      [input.leadProviderId, A],
    );
    const declarationIds = decls.map((d) => d.id);
    const D = pgArray(declarationIds);
    const statements: { id: string }[] = await tx.execute(
      `select id from finance.statements where lead_provider_id = ?`,
      [input.leadProviderId],
    );
    const statementIds = statements.map((s) => s.id);
    const S = pgArray(statementIds);
    // raw SQL: set-based sandbox purge
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
    await dropUnpublishedEvents(tx, [
      ...applicationIds,
      ...declarationIds,
      ...statementIds,
      ...input.personIds,
    ]);
    return { applications: applicationIds.length, declarations: declarationIds.length, statementIds };
  });
}
