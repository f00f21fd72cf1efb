import { LockMode } from '@mikro-orm/postgresql';
import { REFUNDABLE_STATEMENT_ITEM_STATES, type StatementState } from '@npq/contracts';
import { pgArray, type EntityManager } from '@npq/service-kit';
import { StatementItemSchema, StatementSchema, type StatementItemRow, type StatementRow } from './entity';

/** A statement as read here: the entity itself (dates as `YYYY-MM-DD` strings, amounts as decimal strings). */
export type StatementView = StatementRow;

export interface StatementFilters {
  cohorts?: number[];
  updatedSince?: Date;
}

interface Where {
  leadProviderId?: string;
  cohortStartYear?: { $in: number[] };
  updatedAt?: { $gte: Date };
  state?: StatementState;
  outputFee?: boolean;
  id?: string;
}

function filterWhere(f: StatementFilters & { leadProviderId?: string; state?: StatementState }): Where {
  const where: Where = {};
  if (f.leadProviderId) where.leadProviderId = f.leadProviderId;
  if (f.cohorts) where.cohortStartYear = { $in: f.cohorts };
  if (f.updatedSince) where.updatedAt = { $gte: f.updatedSince };
  if (f.state) where.state = f.state;
  return where;
}

export class StatementRepository {
  constructor(private readonly em: EntityManager) {}

  /** A page of the statements matching the filters, by payment date then id. */
  private list(where: Where, q: { limit: number; offset: number }): Promise<StatementView[]> {
    return this.em.find(StatementSchema, where, {
      orderBy: { paymentDate: 'asc', id: 'asc' },
      limit: q.limit,
      offset: q.offset,
    });
  }

  /** A provider's output-fee statements (the only ones it may see), by payment date then id. */
  listForProvider(
    q: StatementFilters & { leadProviderId: string; limit: number; offset: number },
  ): Promise<StatementView[]> {
    return this.list({ ...filterWhere(q), outputFee: true }, q);
  }

  /** DfE applies the list filters to the show lookup too. */
  findForProvider(
    id: string,
    leadProviderId: string,
    filters: StatementFilters,
  ): Promise<StatementView | null> {
    return this.em.findOne(StatementSchema, {
      ...filterWhere({ ...filters, leadProviderId }),
      outputFee: true,
      id,
    });
  }

  /** Every statement (admin), by payment date then id. */
  listAll(
    q: StatementFilters & { leadProviderId?: string; state?: StatementState; limit: number; offset: number },
  ): Promise<StatementView[]> {
    return this.list(filterWhere(q), q);
  }

  /**
   * Statements waiting on payment (the operators' status page): payable and not yet authorised, and
   * authorised (`marked_as_paid_at` set) but not yet paid by the payment run.
   */
  async countDue(): Promise<{ payable: number; authorised_unpaid: number }> {
    const [payable, authorised] = await Promise.all([
      this.em.count(StatementSchema, { state: 'payable', markedAsPaidAt: null }),
      this.em.count(StatementSchema, { state: 'payable', markedAsPaidAt: { $ne: null } }),
    ]);
    return { payable, authorised_unpaid: authorised };
  }

  findById(id: string): Promise<StatementView | null> {
    return this.em.findOne(StatementSchema, { id });
  }

  /** The statement with its row locked for the rest of the transaction (cut-off, payment, authorisation). */
  findForUpdate(id: string): Promise<StatementView | null> {
    return this.em.findOne(StatementSchema, { id }, { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true });
  }

  /**
   * DfE's `next_output_fee_statement(cohort)` (docs/domain.md#statement-items): the provider's open output-fee
   * statement for the cohort with the earliest cut-off date on or after today (the cut-off day itself still
   * takes declarations). With `lock`, the row is share-locked, so a concurrent cut-off cannot make it payable
   * before this transaction commits; a statement the cut-off took first is no longer open and the next one
   * is returned.
   */
  async nextOutputFeeStatement(
    leadProviderId: string,
    cohortIdentifier: string,
    today: string,
    lock = false,
  ): Promise<{ id: string } | null> {
    // raw SQL: measured hot path (every declaration create and void reads it, twice on create); an ORM
    // findOne costs several times the CPU of the statement itself (docs/performance.md, "The ORM's cost per
    // statement"). Only the id is needed.
    const rows: { id: string }[] = await this.em.execute(
      `select id from finance.statements
       where lead_provider_id = ? and cohort_identifier = ? and state = 'open' and output_fee and deadline_date >= ?::date
       order by deadline_date, id limit 1${lock ? ' for share' : ''}`,
      [leadProviderId, cohortIdentifier, today],
    );
    return rows[0] ?? null;
  }

  /**
   * A declaration's billing item still to be paid (the first eligible, ineligible or payable one), managed by
   * the unit of work so that a void changes it in the command's flush.
   *
   * raw SQL: measured hot path (every void), read with `em.map` instead of an ORM findOne (docs/performance.md,
   * "The ORM's cost per statement").
   */
  async firstUnpaidItem(declarationId: string): Promise<StatementItemRow | null> {
    const rows: Record<string, unknown>[] = await this.em.execute(
      `select * from finance.statement_items
       where declaration_id = ? and state in ('eligible', 'ineligible', 'payable')
       order by created_at asc, id asc limit 1`,
      [declarationId],
    );
    return rows[0] ? this.em.map(StatementItemSchema, rows[0]) : null;
  }

  /** Whether a declaration already has an awaiting or done clawback item (a second void is refused). */
  async hasRefundableItem(declarationId: string): Promise<boolean> {
    // raw SQL: measured hot path, as firstUnpaidItem.
    const rows: unknown[] = await this.em.execute(
      `select 1 from finance.statement_items where declaration_id = ? and state = any(?::text[]) limit 1`,
      [declarationId, pgArray(REFUNDABLE_STATEMENT_ITEM_STATES)],
    );
    return rows.length > 0;
  }

  /**
   * DfE's ContractForCohortAndCourseValidator: a contract for the course on any statement (any state, output
   * fee or not) of the provider for the cohort.
   */
  async hasContract(
    leadProviderId: string,
    cohortIdentifier: string,
    courseIdentifier: string,
  ): Promise<boolean> {
    // raw SQL: measured hot path (every declaration create), as nextOutputFeeStatement.
    const rows: unknown[] = await this.em.execute(
      `select 1 from finance.contracts c join finance.statements s on s.id = c.statement_id
       where c.course_identifier = ? and s.lead_provider_id = ? and s.cohort_identifier = ? limit 1`,
      [courseIdentifier, leadProviderId, cohortIdentifier],
    );
    return rows.length > 0;
  }
}
