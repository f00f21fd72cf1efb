import { LockMode, raw } from '@mikro-orm/postgresql';
import type { DeclarationState, EventEnvelope, StatementItemState } from '@npq/contracts';
import {
  findForUpdate,
  now,
  stageEvents,
  today,
  type EntityManager,
  type EventToStage,
  type MikroORM,
  type Naming,
} from '@npq/service-kit';
import { DeclarationSchema } from '../declarations/entity';
import { declarationSnapshot, stageStatementStateChanged } from '../events/staging';
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

/** Declarations moved (and their events staged) per statement: bounds a run's memory, not its transaction. */
const MOVE_CHUNK = 2000;

/**
 * Events a run hands back to its caller for read-your-writes (the admin cut-off) or an immediate publish;
 * a run that staged more leaves them all to the relay (`publishBacklog`), so it never holds tens of
 * thousands of envelopes (docs/performance.md, "Workers").
 */
export const RETURNED_EVENTS_LIMIT = 1000;

interface MovedRow {
  id: string;
  application_id: string;
  lead_provider_id: string;
  declaration_type: string;
  declaration_date_ms: number;
  state: DeclarationState;
  created_at_ms: number;
  version: number;
  participant_id: string | null;
  course_identifier: string | null;
}

/** Collects a run's events up to RETURNED_EVENTS_LIMIT, and counts them all. */
class RunEvents {
  staged = 0;
  private kept: EventEnvelope[] = [];
  private overflow = false;

  add(events: EventEnvelope[]): void {
    this.staged += events.length;
    if (this.overflow) return;
    this.kept.push(...events);
    if (this.kept.length > RETURNED_EVENTS_LIMIT) {
      this.kept = [];
      this.overflow = true;
    }
  }

  /** Every event of the run, or none when there were too many (they are in the outbox either way). */
  get returned(): EventEnvelope[] {
    return this.kept;
  }
}

/**
 * Moves the declarations on a statement in state `from` to `to`, with their items, and stages a
 * declaration.state-changed for each, all in the caller's transaction (docs/performance.md, "Workers"):
 *
 * 1. one statement locks the declarations in id order (so two runs never deadlock each other), moves them
 *    (bumping their version) and moves their items: set-based, like the bare floor the benchmark compares
 *    it with; a declaration that changed state since (a void that committed first) is left out by the
 *    lock's re-check, as before;
 * 2. a cursor over the moved declarations (with what their events need from the application) is read
 *    MOVE_CHUNK rows at a time, each chunk's events staged in one insert: memory bounded by the chunk,
 *    not by the statement.
 */
async function moveDeclarationsOnStatement(
  em: EntityManager,
  naming: Naming,
  statementId: string,
  from: DeclarationState & StatementItemState,
  to: DeclarationState & StatementItemState,
  at: Date,
  events: RunEvents,
): Promise<number> {
  // raw SQL: lock, update and count in one statement (data-modifying CTEs), which the ORM cannot express.
  const [counted]: { moved: number }[] = await em.execute(
    `with picked as (
       select d.id from finance.statement_items si join finance.declarations d on d.id = si.declaration_id
       where si.statement_id = ? and d.state = ?
       order by d.id for update of d
     ), moved as (
       update finance.declarations d set state = ?, updated_at = ?, version = d.version + 1
       from picked where d.id = picked.id
       returning d.id
     ), items as (
       update finance.statement_items si set state = ?, updated_at = ?
       from moved where si.statement_id = ? and si.state = ? and si.declaration_id = moved.id
       returning si.id
     )
     select (select count(*) from moved)::int as moved, (select count(*) from items)::int as items`,
    [statementId, from, to, at, to, at, statementId, from],
  );
  const moved = counted?.moved ?? 0;
  if (moved === 0) return 0;
  // The declarations this statement moved: on the statement, in state `to`, updated at `at`.
  await em.execute(
    `declare moved_declarations no scroll cursor for
       select d.id, d.application_id, d.lead_provider_id, d.declaration_type, d.state, d.version,
         -- epoch milliseconds: the driver hands timestamptz back as text (the ORM converts only entities)
         floor(extract(epoch from d.declaration_date) * 1000)::float8 as declaration_date_ms,
         floor(extract(epoch from d.created_at) * 1000)::float8 as created_at_ms,
         a.participant_id, a.course_identifier
       from finance.declarations d left join finance.applications a on a.id = d.application_id
       where d.id in (select si.declaration_id from finance.statement_items si where si.statement_id = ?)
         and d.state = ? and d.updated_at = ?
       order by d.id`,
    [statementId, to, at],
  );
  // On a failure the transaction ends and the cursor with it.
  for (;;) {
    const rows: MovedRow[] = await em.execute(`fetch forward ${MOVE_CHUNK} from moved_declarations`);
    if (rows.length === 0) break;
    events.add(
      await stageEvents(
        em,
        'finance',
        naming,
        rows.map((r) => declarationStateChanged(r, at)),
      ),
    );
  }
  await em.execute('close moved_declarations');
  return moved;
}

function declarationStateChanged(r: MovedRow, at: Date): EventToStage<'declaration.state-changed'> {
  if (r.participant_id === null || r.course_identifier === null)
    throw new Error(`application ${r.application_id} of declaration ${r.id} is not projected`);
  return {
    name: 'declaration.state-changed',
    aggregateId: r.id,
    aggregateVersion: r.version,
    data: {
      declaration: declarationSnapshot(
        {
          id: r.id,
          applicationId: r.application_id,
          participantId: r.participant_id,
          leadProviderId: r.lead_provider_id,
          courseIdentifier: r.course_identifier,
          declarationType: r.declaration_type,
          declarationDate: new Date(r.declaration_date_ms),
          state: r.state,
          createdAt: new Date(r.created_at_ms),
          updatedAt: at,
          version: r.version,
        },
        null,
      ),
    },
  };
}

/** statement.state-changed, to stage with others in one statement. */
function statementStateChanged(
  s: ReturnType<typeof statementChange>,
  changedAt: Date,
): EventToStage<'statement.state-changed'> {
  return {
    name: 'statement.state-changed',
    aggregateId: s.id,
    aggregateVersion: s.version,
    data: {
      statementId: s.id,
      leadProviderId: s.leadProviderId,
      cohortIdentifier: s.cohortIdentifier,
      state: s.state,
      changedAt: changedAt.toISOString(),
    },
  };
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
  /** The run's events, or none when it staged more than RETURNED_EVENTS_LIMIT (all are in the outbox). */
  events: EventEnvelope[];
  eventsStaged: number;
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
  const result: CutoffResult = {
    asOf,
    statementsMarkedPayable: 0,
    declarationsMarkedPayable: 0,
    events: [],
    eventsStaged: 0,
  };
  const events = new RunEvents();
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
        events.add(
          await stageEvents(
            tx,
            'finance',
            naming,
            empty.map((s) =>
              statementStateChanged(
                { ...statementChange(s), state: 'payable' as const, version: s.version + 1 },
                at,
              ),
            ),
          ),
        );
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
        const moved = await moveDeclarationsOnStatement(tx, naming, id, 'eligible', 'payable', at, events);
        statement.state = 'payable';
        statement.updatedAt = at;
        await tx.flush();
        events.add([await stageStatementStateChanged(tx, naming, statementChange(statement), at)]);
        result.statementsMarkedPayable += 1;
        result.declarationsMarkedPayable += moved;
      },
      { clear: true },
    );
  }
  result.events = events.returned;
  result.eventsStaged = events.staged;
  return result;
}

export interface PaymentRunResult {
  statementId: string;
  paid: boolean;
  declarationsPaid: number;
  declarationsClawedBack: number;
  /** The run's events, or none when it staged more than RETURNED_EVENTS_LIMIT (all are in the outbox). */
  events: EventEnvelope[];
  eventsStaged: number;
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
      eventsStaged: 0,
    };
    if (!statement || statement.state !== 'payable') return result;
    const at = now();
    const events = new RunEvents();
    const paid = await moveDeclarationsOnStatement(tx, naming, statementId, 'payable', 'paid', at, events);
    const clawedBack = await moveDeclarationsOnStatement(
      tx,
      naming,
      statementId,
      'awaiting_clawback',
      'clawed_back',
      at,
      events,
    );
    // Items awaiting clawback whose declaration moved on another way (none today) are clawed back too.
    await tx.nativeUpdate(
      StatementItemSchema,
      { statementId, state: 'awaiting_clawback' },
      { state: 'clawed_back', updatedAt: at },
    );
    statement.state = 'paid';
    statement.updatedAt = at;
    await tx.flush();
    events.add([await stageStatementStateChanged(tx, naming, statementChange(statement), at)]);
    result.paid = true;
    result.declarationsPaid = paid;
    result.declarationsClawedBack = clawedBack;
    result.events = events.returned;
    result.eventsStaged = events.staged;
    return result;
  });
}
