import type { ApiComponents } from '@npq/contracts';
import { toRfc3339 } from '@npq/service-kit';
import { formatMoney, type StatementCalculation } from '../payments/rules';
import type { StatementView } from './repository';

type Schemas = ApiComponents['schemas'];
export type StatementResource = Schemas['Statement'];
export type AdminStatementResource = Schemas['AdminStatement'];

const MONTH_NAMES = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
] as const;

export function monthName(month: number): (typeof MONTH_NAMES)[number] {
  const name = MONTH_NAMES[month - 1];
  if (!name) throw new RangeError(`month ${month} is not 1-12`);
  return name;
}

function v3Attributes(s: StatementView): Schemas['StatementAttributes'] {
  return {
    month: monthName(s.month),
    year: String(s.year),
    cohort: String(s.cohortStartYear),
    cut_off_date: s.deadlineDate,
    payment_date: s.paymentDate,
    paid: s.state === 'paid',
    created_at: toRfc3339(s.createdAt),
    updated_at: toRfc3339(s.updatedAt),
  };
}

/** The v3 statement resource. */
export function serializeStatement(s: StatementView): StatementResource {
  return { id: s.id, type: 'statement', attributes: v3Attributes(s) };
}

/**
 * The admin view: v3 attributes, DfE-only fields and the payment calculation, amounts as 2-decimal strings.
 * Clawbacks are shown as negative amounts (they reduce the total).
 */
export function serializeAdminStatement(s: StatementView, c: StatementCalculation): AdminStatementResource {
  return {
    id: s.id,
    type: 'statement',
    attributes: {
      ...v3Attributes(s),
      lead_provider_id: s.leadProviderId,
      cohort_suffix: s.cohortSuffix,
      output_fee: s.outputFee,
      state: s.state,
      marked_as_paid_at: toRfc3339(s.markedAsPaidAt),
      reconcile_amount: formatMoney(c.reconcileAmount),
      total_output_payment: formatMoney(c.totalOutputPayment),
      total_service_fees: formatMoney(c.totalServiceFees),
      total_targeted_delivery_funding: formatMoney(c.totalTargetedDeliveryFunding),
      total_clawbacks: formatMoney(c.totalClawbacks.negated()),
      total_adjustments: formatMoney(c.totalAdjustments),
      total_payment: formatMoney(c.totalPayment),
      total_starts: c.totalStarts,
      total_retained: c.totalRetained,
      total_completed: c.totalCompleted,
      total_voided: c.totalVoided,
      courses: c.courses.map((course) => ({
        course_identifier: course.courseIdentifier as Schemas['CourseIdentifier'],
        special_course: course.specialCourse,
        started: course.counts.started,
        retained_1: course.counts.retained1,
        retained_2: course.counts.retained2,
        completed: course.counts.completed,
        refundable: course.counts.refundable,
        output_per_participant: formatMoney(course.outputPerParticipant),
        output_payment_subtotal: formatMoney(course.outputPaymentSubtotal),
        clawback_payment: formatMoney(course.clawbackPayment.negated()),
        service_fees: formatMoney(course.serviceFees),
        targeted_delivery_funding: formatMoney(course.targetedDeliveryFunding),
        targeted_delivery_funding_clawback: formatMoney(course.targetedDeliveryFundingClawback.negated()),
        course_total: formatMoney(course.courseTotal),
      })),
    },
  };
}
