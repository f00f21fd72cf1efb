import { BILLABLE_STATEMENT_ITEM_STATES, REFUNDABLE_STATEMENT_ITEM_STATES } from '@npq/contracts';
import { pgArray, sqlList, type EntityManager } from '@npq/service-kit';
import { DeclarationSchema } from '../declarations/entity';
import {
  AdjustmentSchema,
  ContractSchema,
  ContractTemplateSchema,
  StatementItemSchema,
} from '../statements/entity';
import type { StatementView } from '../statements/repository';
import {
  calculateStatement,
  NO_COUNTS,
  type ContractTerms,
  type CourseCounts,
  type StatementCalculation,
} from './rules';

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
  refundable_started: string;
  refundable_retained_1: string;
  refundable_retained_2: string;
  refundable_completed: string;
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
  const statementIds = statements.map((s) => s.id);
  const ids = pgArray(statementIds);
  const contracts = await em.find(ContractSchema, { statementId: { $in: statementIds } });
  const templates = await em.find(ContractTemplateSchema, {
    id: { $in: [...new Set(contracts.map((c) => c.contractTemplateId))] },
  });
  const templateById = new Map(templates.map((t) => [t.id, t]));
  // raw SQL: per-course COUNT(DISTINCT …) FILTER (…) aggregates over three tables, which the ORM cannot express.
  const counts: CountRowRaw[] = await em.execute(
    `select si.statement_id, a.course_identifier,
       count(distinct a.participant_id) filter (where ${BILLABLE} and d.declaration_type = 'started') as started,
       count(distinct a.participant_id) filter (where ${BILLABLE} and d.declaration_type = 'retained-1') as retained_1,
       count(distinct a.participant_id) filter (where ${BILLABLE} and d.declaration_type = 'retained-2') as retained_2,
       count(distinct a.participant_id) filter (where ${BILLABLE} and d.declaration_type = 'completed') as completed,
       count(distinct (a.participant_id, d.declaration_type)) filter (where ${REFUNDABLE}) as refundable,
       count(distinct a.participant_id) filter (where ${BILLABLE} and ${TDF}) as tdf,
       count(distinct a.participant_id) filter (where ${REFUNDABLE} and ${TDF}) as tdf_refundable,
       count(distinct a.participant_id) filter (where ${REFUNDABLE} and d.declaration_type = 'started') as refundable_started,
       count(distinct a.participant_id) filter (where ${REFUNDABLE} and d.declaration_type = 'retained-1') as refundable_retained_1,
       count(distinct a.participant_id) filter (where ${REFUNDABLE} and d.declaration_type = 'retained-2') as refundable_retained_2,
       count(distinct a.participant_id) filter (where ${REFUNDABLE} and d.declaration_type = 'completed') as refundable_completed
     from finance.statement_items si
     join finance.declarations d on d.id = si.declaration_id
     join finance.applications a on a.id = d.application_id
     where si.statement_id = any(?::uuid[])
     group by si.statement_id, a.course_identifier`,
    [ids],
  );
  const adjustments = await em.find(
    AdjustmentSchema,
    { statementId: { $in: statementIds } },
    { orderBy: { createdAt: 'asc', id: 'asc' }, fields: ['statementId', 'amount'] },
  );
  // Voided declarations with an item on the statement, each counted once.
  const voidedItems = await em.find(
    StatementItemSchema,
    {
      statementId: { $in: statementIds },
      declarationId: {
        $in: em.createQueryBuilder(DeclarationSchema, 'd').select('d.id').where({ state: 'voided' }),
      },
    },
    { fields: ['statementId', 'declarationId'] },
  );
  const voided = new Map<string, Set<string>>();
  for (const item of voidedItems) {
    const set = voided.get(item.statementId) ?? new Set<string>();
    set.add(item.declarationId);
    voided.set(item.statementId, set);
  }

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
        refundableByType: {
          started: Number(c.refundable_started),
          'retained-1': Number(c.refundable_retained_1),
          'retained-2': Number(c.refundable_retained_2),
          completed: Number(c.refundable_completed),
        },
      },
    ]),
  );
  for (const s of statements) {
    const terms: { terms: ContractTerms; counts: CourseCounts }[] = contracts
      .filter((c) => c.statementId === s.id)
      .map((c) => {
        const t = templateById.get(c.contractTemplateId);
        if (!t) throw new Error(`contract ${c.id} names a missing template ${c.contractTemplateId}`);
        return {
          terms: {
            courseIdentifier: c.courseIdentifier,
            recruitmentTarget: t.recruitmentTarget,
            perParticipant: t.perParticipant,
            outputPaymentPercentage: t.outputPaymentPercentage,
            serviceFeePercentage: t.serviceFeePercentage,
            numberOfPaymentPeriods: t.numberOfPaymentPeriods,
            serviceFeeInstallments: t.serviceFeeInstallments,
            monthlyServiceFee: t.monthlyServiceFee,
            targetedDeliveryFundingPerParticipant: t.targetedDeliveryFundingPerParticipant,
            specialCourse: t.specialCourse,
          },
          counts: countsByKey.get(`${s.id}:${c.courseIdentifier}`) ?? NO_COUNTS,
        };
      });
    result.set(
      s.id,
      calculateStatement({
        period: { year: s.year, month: s.month, cohortStartYear: s.cohortStartYear },
        contracts: terms,
        adjustments: adjustments.filter((a) => a.statementId === s.id).map((a) => a.amount),
        reconcileAmount: s.reconcileAmount,
        voidedDeclarations: voided.get(s.id)?.size ?? 0,
      }),
    );
  }
  return result;
}

/** A statement's adjustments as the calculation reads them (same rows, same order), with descriptions. */
export async function statementAdjustments(
  em: EntityManager,
  statementId: string,
): Promise<{ description: string; amount: string }[]> {
  const rows = await em.find(
    AdjustmentSchema,
    { statementId },
    { orderBy: { createdAt: 'asc', id: 'asc' }, fields: ['description', 'amount'] },
  );
  return rows.map((r) => ({ description: r.description, amount: r.amount }));
}
