import { LockMode, raw } from '@mikro-orm/postgresql';
import type { DeclarationState, EventEnvelope, StatementItemState } from '@npq/contracts';
import { findForUpdate, now, today, type EntityManager, type MikroORM, type Naming } from '@npq/service-kit';
import { DeclarationSchema, type DeclarationRow } from '../declarations/entity';
import { DeclarationRepository } from '../declarations/repository';
import { declarationEventSource, stageDeclarationEvent, stageStatementStateChanged } from '../events/staging';
import { StatementItemSchema, StatementSchema, type StatementRow } from './entity';
import { StatementRepository, type StatementView } from './repository';
import { authoriseErrors, isDueForCutoff } from './rules';

/**
 * Authorises payment of a statement (docs/domain.md#authorising-payment). Records `marked_as_paid_at` under
 * the statement's row lock, so two authorisations at once give one 202 and one 422; the caller then queues
 * the payment run.
 */
export async function authorisePayment(em: EntityManager, statementId: string): Promise<StatementView> {
  return em.transactional(
    async (tx) => {
      const s = await findForUpdate(tx, StatementSchema, statementId);
      authoriseErrors(s, today()).throwIfAny();
      const at = now();
      s.markedAsPaidAt = at;
      s.updatedAt = at;
      return s;
    },
    { clear: true },
  );
}

/**
 * Locks (in id order, so runs never deadlock each other) the declarations on a statement in `state`.
 * Statement items have no relation to declarations in the model, so the items are a subquery.
 */
function lockDeclarationsOnStatement(
  em: EntityManager,
  statementId: string,
  state: DeclarationState,
): Promise<DeclarationRow[]> {
  const onStatement = em
    .createQueryBuilder(StatementItemSchema, 'si')
    .select('si.declarationId')
    .where({ statementId });
  return em.find(
    DeclarationSchema,
    { state, id: { $in: onStatement } },
    { orderBy: { id: 'asc' }, lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true },
  );
}

/** Moves the declarations and their items on the statement from one state to the next. */
async function moveDeclarations(
  em: EntityManager,
  statementId: string,
  declarations: DeclarationRow[],
  from: StatementItemState,
  to: DeclarationState & StatementItemState,
  at: Date,
): Promise<void> {
  if (declarations.length === 0) return;
  for (const d of declarations) {
    d.state = to;
    d.updatedAt = at;
  }
  // One set-based update for the items (no version, no event): the ORM's nativeUpdate.
  await em.nativeUpdate(
    StatementItemSchema,
    { statementId, state: from, declarationId: { $in: declarations.map((d) => d.id) } },
    { state: to, updatedAt: at },
  );
}

/** Stages declaration.state-changed for each moved declaration, at the version its flush gave it. */
async function stageMoved(em: EntityManager, naming: Naming, ids: string[]): Promise<EventEnvelope[]> {
  const events: EventEnvelope[] = [];
  for (const view of await new DeclarationRepository(em).findByIds(ids)) {
    events.push(
      await stageDeclarationEvent(em, naming, 'declaration.state-changed', declarationEventSource(view)),
    );
  }
  return events;
}

function statementChange(
  s: Pick<StatementRow, 'id' | 'leadProviderId' | 'cohortIdentifier' | 'state' | 'version'>,
) {
  return {
    id: s.id,
    leadProviderId: s.leadProviderId,
    cohortIdentifier: s.cohortIdentifier,
    state: s.state,
    version: s.version,
  };
}

export interface CutoffResult {
  asOf: string;
  statementsMarkedPayable: number;
  declarationsMarkedPayable: number;
  events: EventEnvelope[];
}

/**
 * The cut-off rollover (docs/domain.md#the-cut-off; DfE's MarkStatementsAsPayableJob): every open statement
 * whose cut-off date is before `asOf` becomes payable with its eligible declarations and their items, one
 * transaction per statement that has any (statements with none move together). Unlike DfE (deadline exactly
 * yesterday) it catches up every missed day; a statement already moved is skipped under its row lock, so
 * running it twice (or on two workers) changes nothing the second time. `em` not in a transaction gives
 * those separate transactions (the worker); an `em` inside one (the admin endpoint under an
 * Idempotency-Key) nests them in it, so the key and the whole run commit together.
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
  const withDeclarations = await em.transactional(
    async (tx) => {
      const due = await tx.find(
        StatementSchema,
        { state: 'open', deadlineDate: { $lt: asOf } },
        {
          orderBy: { id: 'asc' },
          lockMode: LockMode.PESSIMISTIC_WRITE,
          refresh: true,
          fields: ['leadProviderId', 'cohortIdentifier', 'deadlineDate', 'state', 'version'],
        },
      );
      if (due.length === 0) return [];
      const eligible = tx
        .createQueryBuilder(DeclarationSchema, 'd')
        .select('d.id')
        .where({ state: 'eligible' });
      const busyItems = await tx.find(
        StatementItemSchema,
        { statementId: { $in: due.map((s) => s.id) }, declarationId: { $in: eligible } },
        { fields: ['statementId'] },
      );
      const busyIds = new Set(busyItems.map((i) => i.statementId));
      const empty = due.filter((s) => !busyIds.has(s.id));
      if (empty.length > 0) {
        const at = now();
        // One set-based update (the catch-up after a long outage moves thousands; the unit of work would
        // update them one version check at a time). The rows are locked above, so each version is theirs + 1.
        await tx.nativeUpdate(
          StatementSchema,
          { id: { $in: empty.map((s) => s.id) } },
          { state: 'payable', updatedAt: at, version: raw('version + 1') },
        );
        for (const s of empty) {
          const moved = { ...statementChange(s), state: 'payable' as const, version: s.version + 1 };
          result.events.push(await stageStatementStateChanged(tx, naming, moved, at));
        }
        result.statementsMarkedPayable += empty.length;
      }
      return due.filter((s) => busyIds.has(s.id));
    },
    { clear: true },
  );

  // Statements with eligible declarations: one transaction each, in cut-off order.
  const ordered = [...withDeclarations].sort((a, b) =>
    a.deadlineDate !== b.deadlineDate ? (a.deadlineDate < b.deadlineDate ? -1 : 1) : a.id < b.id ? -1 : 1,
  );
  for (const { id } of ordered) {
    await em.transactional(
      async (tx) => {
        const statement = await new StatementRepository(tx).findForUpdate(id);
        // Already moved by another run (a second worker, or the admin endpoint): nothing to do.
        if (!statement || !isDueForCutoff(statement, asOf)) return;
        const at = now();
        const declarations = await lockDeclarationsOnStatement(tx, id, 'eligible');
        await moveDeclarations(tx, id, declarations, 'eligible', 'payable', at);
        statement.state = 'payable';
        statement.updatedAt = at;
        await tx.flush();
        const events = await stageMoved(
          tx,
          naming,
          declarations.map((d) => d.id),
        );
        events.push(await stageStatementStateChanged(tx, naming, statementChange(statement), at));
        result.statementsMarkedPayable += 1;
        result.declarationsMarkedPayable += declarations.length;
        result.events.push(...events);
      },
      { clear: true },
    );
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
 * The payment run (docs/domain.md#the-payment-run; DfE's Statements::MarkAsPaid), one transaction: payable
 * declarations on the statement and their items → paid, awaiting-clawback declarations and items → clawed
 * back, statement → paid. Idempotent: a statement that is not payable (already paid, or never authorised to
 * be) is left alone, so a retried job is safe. Declaration rows are locked, so a concurrent void either came
 * first (the declaration is then voided and not paid) or waits and then claws the paid declaration back.
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
    await moveDeclarations(tx, statementId, payable, 'payable', 'paid', at);
    await moveDeclarations(tx, statementId, clawedBack, 'awaiting_clawback', 'clawed_back', at);
    // Items awaiting clawback whose declaration moved on another way (none today) are clawed back too.
    await tx.nativeUpdate(
      StatementItemSchema,
      { statementId, state: 'awaiting_clawback' },
      { state: 'clawed_back', updatedAt: at },
    );
    statement.state = 'paid';
    statement.updatedAt = at;
    await tx.flush();
    result.events.push(
      ...(await stageMoved(
        tx,
        naming,
        [...payable, ...clawedBack].map((d) => d.id),
      )),
    );
    result.events.push(await stageStatementStateChanged(tx, naming, statementChange(statement), at));
    result.paid = true;
    result.declarationsPaid = payable.length;
    result.declarationsClawedBack = clawedBack.length;
    return result;
  });
}
