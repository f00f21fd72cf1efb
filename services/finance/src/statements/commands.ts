import type { EventEnvelope } from '@npq/contracts';
import {
  notFound,
  now,
  pgArray,
  today,
  type EntityManager,
  type MikroORM,
  type Naming,
} from '@npq/service-kit';
import { DeclarationRepository } from '../declarations/repository';
import { declarationEventSource, stageDeclarationEvent, stageStatementStateChanged } from '../events/staging';
import { StatementRepository, type StatementView } from './repository';
import { authoriseErrors, isDueForCutoff } from './rules';

/**
 * Authorises payment of a statement (DfE's "Authorise for payment"): only a payable output-fee statement
 * whose cut-off date has passed and that is not already authorised. Records `marked_as_paid_at` under the
 * statement's row lock, so two authorisations at once give one 202 and one 422; the caller then queues the
 * payment run.
 */
export async function authorisePayment(em: EntityManager, statementId: string): Promise<StatementView> {
  return em.transactional(async (tx) => {
    const repo = new StatementRepository(tx);
    const s = await repo.findForUpdate(statementId);
    if (!s) throw notFound();
    authoriseErrors(s, today()).throwIfAny();
    const at = now();
    await tx.execute(`update finance.statements set marked_as_paid_at = ?, updated_at = ? where id = ?`, [
      at,
      at,
      statementId,
    ]);
    return (await repo.findById(statementId))!;
  });
}

/** Locks (in id order, so runs never deadlock each other) the declarations on a statement in `state`. */
async function lockDeclarationsOnStatement(
  em: EntityManager,
  statementId: string,
  state: string,
): Promise<string[]> {
  const rows: { id: string }[] = await em.execute(
    `select d.id from finance.declarations d
     where d.state = ? and exists (select 1 from finance.statement_items si where si.declaration_id = d.id and si.statement_id = ?)
     order by d.id for update`,
    [state, statementId],
  );
  return rows.map((r) => r.id);
}

async function moveDeclarations(em: EntityManager, ids: string[], to: string, at: Date): Promise<void> {
  if (ids.length === 0) return;
  await em.execute(
    `update finance.declarations set state = ?, updated_at = ?, version = version + 1 where id = any(?::uuid[])`,
    [to, at, pgArray(ids)],
  );
}

async function stageMoved(em: EntityManager, naming: Naming, ids: string[]): Promise<EventEnvelope[]> {
  const events: EventEnvelope[] = [];
  for (const view of await new DeclarationRepository(em).findByIds(ids)) {
    events.push(
      await stageDeclarationEvent(em, naming, 'declaration.state-changed', declarationEventSource(view)),
    );
  }
  return events;
}

export interface CutoffResult {
  asOf: string;
  statementsMarkedPayable: number;
  declarationsMarkedPayable: number;
  events: EventEnvelope[];
}

/**
 * The cut-off rollover (DfE's MarkStatementsAsPayableJob + Statements::MarkAsPayable): every open statement
 * whose cut-off date is before `asOf` becomes payable with its eligible declarations and their items, one
 * transaction per statement that has any (statements with none move together). Unlike DfE (deadline exactly yesterday) it catches up every missed day; a
 * statement already moved is skipped under its row lock, so running it twice (or on two workers) changes
 * nothing the second time. `em` not in a transaction gives those separate transactions (the worker); an
 * `em` inside one (the admin endpoint under an Idempotency-Key) nests them in it, so the key and the whole
 * run commit together.
 */
export async function runStatementCutoff(
  em: EntityManager,
  naming: Naming,
  asOf: string,
): Promise<CutoffResult> {
  const result: CutoffResult = { asOf, statementsMarkedPayable: 0, declarationsMarkedPayable: 0, events: [] };
  // Most due statements carry no eligible declaration (every month has one per provider and cohort): those
  // move together in one transaction. All due statements are locked first, so a declaration being attached
  // right now (it share-locks its statement) is committed, and seen, before we decide a statement is empty.
  const withDeclarations = await em.transactional(async (tx) => {
    const due: { id: string }[] = await tx.execute(
      `select id from finance.statements where state = 'open' and deadline_date < ?::date order by id for update`,
      [asOf],
    );
    if (due.length === 0) return [] as string[];
    const ids = pgArray(due.map((d) => d.id));
    const busy: { statement_id: string }[] = await tx.execute(
      `select distinct si.statement_id from finance.statement_items si join finance.declarations d on d.id = si.declaration_id
       where si.statement_id = any(?::uuid[]) and d.state = 'eligible'`,
      [ids],
    );
    const busyIds = new Set(busy.map((b) => b.statement_id));
    const empty = due.map((d) => d.id).filter((id) => !busyIds.has(id));
    if (empty.length > 0) {
      const at = now();
      const moved: { id: string; lead_provider_id: string; cohort_identifier: string; version: number }[] =
        await tx.execute(
          `update finance.statements set state = 'payable', updated_at = ?, version = version + 1 where id = any(?::uuid[])
         returning id, lead_provider_id, cohort_identifier, version`,
          [at, pgArray(empty)],
        );
      for (const m of moved.sort((a, b) => (a.id < b.id ? -1 : 1))) {
        const statement = {
          id: m.id,
          leadProviderId: m.lead_provider_id,
          cohortIdentifier: m.cohort_identifier,
          state: 'payable' as const,
          version: m.version,
        };
        result.events.push(await stageStatementStateChanged(tx, naming, statement, at));
      }
      result.statementsMarkedPayable += moved.length;
    }
    return [...busyIds];
  });

  // Statements with eligible declarations: one transaction each, in cut-off order.
  const ordered: { id: string }[] =
    withDeclarations.length === 0
      ? []
      : await em.execute(
          `select id from finance.statements where id = any(?::uuid[]) order by deadline_date, id`,
          [pgArray(withDeclarations)],
        );
  for (const { id } of ordered) {
    await em.transactional(async (tx) => {
      const statement = await new StatementRepository(tx).findForUpdate(id);
      // Already moved by another run (a second worker, or the admin endpoint): nothing to do.
      if (!statement || !isDueForCutoff(statement, asOf)) return;
      const at = now();
      const ids = await lockDeclarationsOnStatement(tx, id, 'eligible');
      await moveDeclarations(tx, ids, 'payable', at);
      if (ids.length > 0) {
        await tx.execute(
          `update finance.statement_items set state = 'payable', updated_at = ? where statement_id = ? and state = 'eligible'
             and declaration_id = any(?::uuid[])`,
          [at, id, pgArray(ids)],
        );
      }
      await tx.execute(
        `update finance.statements set state = 'payable', updated_at = ?, version = version + 1 where id = ?`,
        [at, id],
      );
      const events = await stageMoved(tx, naming, ids);
      events.push(
        await stageStatementStateChanged(
          tx,
          naming,
          { ...statement, state: 'payable', version: statement.version + 1 },
          at,
        ),
      );
      result.statementsMarkedPayable += 1;
      result.declarationsMarkedPayable += ids.length;
      result.events.push(...events);
    });
  }
  return result;
}

export interface PaymentRunResult {
  statementId: string;
  paid: boolean;
  declarationsPaid: number;
  declarationsClawedBack: number;
  events: EventEnvelope[];
}

/**
 * The payment run (Statements::MarkAsPaid), one transaction: payable declarations on the statement and their
 * items → paid, awaiting-clawback declarations and items → clawed back, statement → paid. Idempotent: a
 * statement that is not payable (already paid, or never authorised to be) is left alone, so a retried job
 * is safe. Declaration rows are locked, so a concurrent void either came first (the declaration is then
 * voided and not paid) or waits and then claws the paid declaration back.
 */
export async function runPaymentRun(
  orm: MikroORM,
  naming: Naming,
  statementId: string,
): Promise<PaymentRunResult> {
  return orm.em.fork().transactional(async (tx) => {
    const statement = await new StatementRepository(tx).findForUpdate(statementId);
    const result: PaymentRunResult = {
      statementId,
      paid: false,
      declarationsPaid: 0,
      declarationsClawedBack: 0,
      events: [],
    };
    if (!statement || statement.state !== 'payable') return result;
    const at = now();
    const payable = await lockDeclarationsOnStatement(tx, statementId, 'payable');
    const clawedBack = await lockDeclarationsOnStatement(tx, statementId, 'awaiting_clawback');
    await moveDeclarations(tx, payable, 'paid', at);
    if (payable.length > 0) {
      await tx.execute(
        `update finance.statement_items set state = 'paid', updated_at = ? where statement_id = ? and state = 'payable'
           and declaration_id = any(?::uuid[])`,
        [at, statementId, pgArray(payable)],
      );
    }
    await moveDeclarations(tx, clawedBack, 'clawed_back', at);
    await tx.execute(
      `update finance.statement_items set state = 'clawed_back', updated_at = ? where statement_id = ? and state = 'awaiting_clawback'`,
      [at, statementId],
    );
    await tx.execute(
      `update finance.statements set state = 'paid', updated_at = ?, version = version + 1 where id = ?`,
      [at, statementId],
    );
    result.events.push(...(await stageMoved(tx, naming, [...payable, ...clawedBack])));
    result.events.push(
      await stageStatementStateChanged(
        tx,
        naming,
        { ...statement, state: 'paid', version: statement.version + 1 },
        at,
      ),
    );
    result.paid = true;
    result.declarationsPaid = payable.length;
    result.declarationsClawedBack = clawedBack.length;
    return result;
  });
}
