import type { StatementState } from '@npq/contracts';
import { pgArray, type EntityManager } from '@npq/service-kit';
import type { StatementRow } from './entity';

/** A statement as read here: the row itself (dates as `YYYY-MM-DD` text). */
export type StatementView = StatementRow;

// Dates as text: node-postgres would turn a `date` into a local-time Date.
const SELECT = `
  select s.id, s.lead_provider_id, s.cohort_identifier, s.cohort_start_year, s.cohort_suffix, s.year, s.month,
    to_char(s.deadline_date, 'YYYY-MM-DD') as deadline_date, to_char(s.payment_date, 'YYYY-MM-DD') as payment_date,
    s.output_fee, s.state, s.marked_as_paid_at, s.reconcile_amount::text as reconcile_amount, s.created_at, s.updated_at, s.version
  from finance.statements s`;

interface Row {
  id: string;
  lead_provider_id: string;
  cohort_identifier: string;
  cohort_start_year: number;
  cohort_suffix: string;
  year: number;
  month: number;
  deadline_date: string;
  payment_date: string;
  output_fee: boolean;
  state: StatementState;
  marked_as_paid_at: Date | null;
  reconcile_amount: string;
  created_at: Date;
  updated_at: Date;
  version: number;
}

function toView(r: Row): StatementView {
  return {
    id: r.id,
    leadProviderId: r.lead_provider_id,
    cohortIdentifier: r.cohort_identifier,
    cohortStartYear: r.cohort_start_year,
    cohortSuffix: r.cohort_suffix,
    year: r.year,
    month: r.month,
    deadlineDate: r.deadline_date,
    paymentDate: r.payment_date,
    outputFee: r.output_fee,
    state: r.state,
    markedAsPaidAt: r.marked_as_paid_at ? new Date(r.marked_as_paid_at) : null,
    reconcileAmount: r.reconcile_amount,
    createdAt: new Date(r.created_at),
    updatedAt: new Date(r.updated_at),
    version: r.version,
  };
}

export interface StatementFilters {
  cohorts?: number[];
  updatedSince?: Date;
}

function filterClauses(
  f: StatementFilters & { leadProviderId?: string; state?: string },
  where: string[],
  params: unknown[],
): void {
  if (f.leadProviderId) {
    where.push('s.lead_provider_id = ?');
    params.push(f.leadProviderId);
  }
  if (f.cohorts) {
    where.push('s.cohort_start_year = any(?::int[])');
    params.push(pgArray(f.cohorts));
  }
  if (f.updatedSince) {
    where.push('s.updated_at >= ?');
    params.push(f.updatedSince);
  }
  if (f.state) {
    where.push('s.state = ?');
    params.push(f.state);
  }
}

export class StatementRepository {
  constructor(private readonly em: EntityManager) {}

  /** A page of the statements matching `where` and the filters, by payment date then id. */
  private async list(
    q: StatementFilters & { leadProviderId?: string; state?: string; limit: number; offset: number },
    where: string[],
  ): Promise<StatementView[]> {
    const params: unknown[] = [];
    filterClauses(q, where, params);
    params.push(q.limit, q.offset);
    const rows: Row[] = await this.em.execute(
      `${SELECT} where ${where.join(' and ')} order by s.payment_date asc, s.id asc limit ? offset ?`,
      params,
    );
    return rows.map(toView);
  }

  /** A provider's output-fee statements (the only ones it may see), by payment date then id. */
  async listForProvider(
    q: StatementFilters & { leadProviderId: string; limit: number; offset: number },
  ): Promise<StatementView[]> {
    return this.list(q, ['s.output_fee']);
  }

  /** DfE applies the list filters to the show lookup too. */
  async findForProvider(
    id: string,
    leadProviderId: string,
    filters: StatementFilters,
  ): Promise<StatementView | null> {
    const where = ['s.output_fee', 's.id = ?'];
    const params: unknown[] = [id];
    filterClauses({ ...filters, leadProviderId }, where, params);
    const rows: Row[] = await this.em.execute(`${SELECT} where ${where.join(' and ')}`, params);
    return rows[0] ? toView(rows[0]) : null;
  }

  /** Every statement (admin), by payment date then id. */
  async listAll(
    q: StatementFilters & { leadProviderId?: string; state?: string; limit: number; offset: number },
  ): Promise<StatementView[]> {
    return this.list(q, ['true']);
  }

  async findById(id: string): Promise<StatementView | null> {
    const rows: Row[] = await this.em.execute(`${SELECT} where s.id = ?`, [id]);
    return rows[0] ? toView(rows[0]) : null;
  }

  /** The statement with its row locked for the rest of the transaction (cut-off, payment, authorisation). */
  async findForUpdate(id: string): Promise<StatementView | null> {
    const rows: Row[] = await this.em.execute(`${SELECT} where s.id = ? for update`, [id]);
    return rows[0] ? toView(rows[0]) : null;
  }

  /**
   * DfE's `next_output_fee_statement(cohort)`: the provider's open output-fee statement for the cohort with
   * the earliest deadline on or after today (the deadline day itself still attaches). With `lock`, the row
   * is share-locked, so a concurrent cut-off cannot make it payable before this transaction commits; a
   * statement the cut-off took first is skipped and the next one returned.
   */
  async nextOutputFeeStatement(
    leadProviderId: string,
    cohortIdentifier: string,
    today: string,
    lock = false,
  ): Promise<StatementView | null> {
    const rows: Row[] = await this.em.execute(
      `${SELECT} where s.lead_provider_id = ? and s.cohort_identifier = ? and s.state = 'open' and s.output_fee
         and s.deadline_date >= ?::date order by s.deadline_date asc, s.id asc limit 1${lock ? ' for share' : ''}`,
      [leadProviderId, cohortIdentifier, today],
    );
    return rows[0] ? toView(rows[0]) : null;
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
    const rows: unknown[] = await this.em.execute(
      `select 1 from finance.contracts c join finance.statements s on s.id = c.statement_id
       where s.lead_provider_id = ? and s.cohort_identifier = ? and c.course_identifier = ? limit 1`,
      [leadProviderId, cohortIdentifier, courseIdentifier],
    );
    return rows.length > 0;
  }
}
