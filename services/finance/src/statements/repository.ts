import { LockMode } from '@mikro-orm/postgresql';
import type { StatementState } from '@npq/contracts';
import type { EntityManager } from '@npq/service-kit';
import { ContractSchema, StatementSchema, type StatementRow } from './entity';

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
  nextOutputFeeStatement(
    leadProviderId: string,
    cohortIdentifier: string,
    today: string,
    lock = false,
  ): Promise<StatementView | null> {
    return this.em.findOne(
      StatementSchema,
      { leadProviderId, cohortIdentifier, state: 'open', outputFee: true, deadlineDate: { $gte: today } },
      {
        orderBy: { deadlineDate: 'asc', id: 'asc' },
        ...(lock ? { lockMode: LockMode.PESSIMISTIC_READ, refresh: true } : {}),
      },
    );
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
    const statements = this.em
      .createQueryBuilder(StatementSchema, 's')
      .select('s.id')
      .where({ leadProviderId, cohortIdentifier });
    const contract = await this.em.findOne(
      ContractSchema,
      { courseIdentifier, statementId: { $in: statements } },
      { fields: ['id'] },
    );
    return contract !== null;
  }
}
