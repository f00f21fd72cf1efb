import { BILLABLE_STATEMENT_ITEM_STATES, REFUNDABLE_STATEMENT_ITEM_STATES } from '@npq/contracts';
import { pgArray, sqlList, type EntityManager } from '@npq/service-kit';
import type { StatementView } from '../statements/repository';
import {
  calculateStatement,
  NO_COUNTS,
  type ContractTerms,
  type CourseCounts,
  type StatementCalculation,
} from './rules';

interface ContractRowRaw {
  statement_id: string;
  course_identifier: string;
  recruitment_target: number;
  per_participant: string;
  output_payment_percentage: number;
  service_fee_percentage: number;
  number_of_payment_periods: number;
  service_fee_installments: number;
  monthly_service_fee: string | null;
  targeted_delivery_funding_per_participant: string;
  special_course: boolean;
}

interface CountRowRaw {
  statement_id: string;
  course_identifier: string;
  started: string;
  retained_1: string;
  retained_2: string;
  completed: string;
  refundable: string;
  tdf: string;
  tdf_refundable: string;
}

const BILLABLE = `si.state in ${sqlList(BILLABLE_STATEMENT_ITEM_STATES)}`;
const REFUNDABLE = `si.state in ${sqlList(REFUNDABLE_STATEMENT_ITEM_STATES)}`;
const TDF = `d.declaration_type = 'started' and a.targeted_delivery_funding_eligibility and a.eligible_for_funding`;

/**
 * The payment calculation of a page of statements, in a fixed number of queries (contracts, counts,
 * adjustments, voided declarations). Counts are DfE's COUNT(DISTINCT (participant, declaration type)) per
 * course; amounts are decimal strings straight from numeric columns (never floats).
 */
export async function calculateStatements(
  em: EntityManager,
  statements: StatementView[],
): Promise<Map<string, StatementCalculation>> {
  const result = new Map<string, StatementCalculation>();
  if (statements.length === 0) return result;
  const ids = pgArray(statements.map((s) => s.id));
  const contracts: ContractRowRaw[] = await em.execute(
    `select c.statement_id, c.course_identifier, t.recruitment_target, t.per_participant::text as per_participant,
       t.output_payment_percentage, t.service_fee_percentage, t.number_of_payment_periods, t.service_fee_installments,
       t.monthly_service_fee::text as monthly_service_fee,
       t.targeted_delivery_funding_per_participant::text as targeted_delivery_funding_per_participant, t.special_course
     from finance.contracts c join finance.contract_templates t on t.id = c.contract_template_id
     where c.statement_id = any(?::uuid[])`,
    [ids],
  );
  const counts: CountRowRaw[] = await em.execute(
    `select si.statement_id, a.course_identifier,
       count(distinct a.participant_id) filter (where ${BILLABLE} and d.declaration_type = 'started') as started,
       count(distinct a.participant_id) filter (where ${BILLABLE} and d.declaration_type = 'retained-1') as retained_1,
       count(distinct a.participant_id) filter (where ${BILLABLE} and d.declaration_type = 'retained-2') as retained_2,
       count(distinct a.participant_id) filter (where ${BILLABLE} and d.declaration_type = 'completed') as completed,
       count(distinct (a.participant_id, d.declaration_type)) filter (where ${REFUNDABLE}) as refundable,
       count(distinct a.participant_id) filter (where ${BILLABLE} and ${TDF}) as tdf,
       count(distinct a.participant_id) filter (where ${REFUNDABLE} and ${TDF}) as tdf_refundable
     from finance.statement_items si
     join finance.declarations d on d.id = si.declaration_id
     join finance.applications a on a.id = d.application_id
     where si.statement_id = any(?::uuid[])
     group by si.statement_id, a.course_identifier`,
    [ids],
  );
  const adjustments: { statement_id: string; amount: string }[] = await em.execute(
    `select statement_id, amount::text as amount from finance.adjustments where statement_id = any(?::uuid[]) order by created_at, id`,
    [ids],
  );
  const voided: { statement_id: string; count: string }[] = await em.execute(
    `select si.statement_id, count(distinct d.id) as count from finance.statement_items si
     join finance.declarations d on d.id = si.declaration_id
     where si.statement_id = any(?::uuid[]) and d.state = 'voided' group by si.statement_id`,
    [ids],
  );

  const countsByKey = new Map<string, CourseCounts>(
    counts.map((c) => [
      `${c.statement_id}:${c.course_identifier}`,
      {
        started: Number(c.started),
        retained1: Number(c.retained_1),
        retained2: Number(c.retained_2),
        completed: Number(c.completed),
        refundable: Number(c.refundable),
        tdf: Number(c.tdf),
        tdfRefundable: Number(c.tdf_refundable),
      },
    ]),
  );
  for (const s of statements) {
    const terms: { terms: ContractTerms; counts: CourseCounts }[] = contracts
      .filter((c) => c.statement_id === s.id)
      .map((c) => ({
        terms: {
          courseIdentifier: c.course_identifier,
          recruitmentTarget: c.recruitment_target,
          perParticipant: c.per_participant,
          outputPaymentPercentage: c.output_payment_percentage,
          serviceFeePercentage: c.service_fee_percentage,
          numberOfPaymentPeriods: c.number_of_payment_periods,
          serviceFeeInstallments: c.service_fee_installments,
          monthlyServiceFee: c.monthly_service_fee,
          targetedDeliveryFundingPerParticipant: c.targeted_delivery_funding_per_participant,
          specialCourse: c.special_course,
        },
        counts: countsByKey.get(`${s.id}:${c.course_identifier}`) ?? NO_COUNTS,
      }));
    result.set(
      s.id,
      calculateStatement({
        period: { year: s.year, month: s.month, cohortStartYear: s.cohortStartYear },
        contracts: terms,
        adjustments: adjustments.filter((a) => a.statement_id === s.id).map((a) => a.amount),
        reconcileAmount: s.reconcileAmount,
        voidedDeclarations: Number(voided.find((v) => v.statement_id === s.id)?.count ?? 0),
      }),
    );
  }
  return result;
}
