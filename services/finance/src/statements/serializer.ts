import { dasherizeState, monthName, type ApiComponents } from '@npq/contracts';
import { toRfc3339 } from '@npq/service-kit';
import type { StatementDeclarationView } from '../declarations/repository';
import {
  formatMoney,
  type Money,
  type StatementBreakdown,
  type StatementCalculation,
} from '../payments/rules';
import type { StatementView } from './repository';

type Schemas = ApiComponents['schemas'];
export type StatementResource = Schemas['Statement'];
export type AdminStatementResource = Schemas['AdminStatement'];

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

type Course = Schemas['CourseIdentifier'];

/** The statement's calculation line by line (payments/rules.ts `breakdownStatement`), money as 2-decimal strings. */
export function serializeBreakdown(s: StatementView, b: StatementBreakdown): Schemas['StatementBreakdown'] {
  return {
    id: s.id,
    type: 'statement-breakdown',
    attributes: {
      lead_provider_id: s.leadProviderId,
      cohort: String(s.cohortStartYear),
      month: monthName(s.month),
      year: String(s.year),
      state: s.state,
      deadline_date: s.deadlineDate,
      payment_date: s.paymentDate,
      marked_as_paid_at: toRfc3339(s.markedAsPaidAt),
      output_payments: b.outputPayments.map((l) => ({
        course_identifier: l.courseIdentifier as Course,
        declaration_type: l.declarationType,
        count: l.count,
        unit_price: formatMoney(l.unitPrice),
        subtotal: formatMoney(l.subtotal),
      })),
      targeted_delivery_funding: {
        count: b.targetedDeliveryFunding.count,
        unit_price:
          b.targetedDeliveryFunding.unitPrice === null
            ? null
            : formatMoney(b.targetedDeliveryFunding.unitPrice),
        subtotal: formatMoney(b.targetedDeliveryFunding.subtotal),
      },
      service_fees: b.serviceFees.map((f) => ({
        course_identifier: f.courseIdentifier as Course,
        participants: f.participants,
        monthly_fee: formatMoney(f.monthlyFee),
        subtotal: formatMoney(f.subtotal),
      })),
      clawbacks: b.clawbacks.map((l) => ({
        course_identifier: l.courseIdentifier as Course,
        declaration_type: l.declarationType,
        payment_type: l.paymentType,
        count: l.count,
        unit_price: formatMoney(l.unitPrice),
        subtotal: formatMoney(l.subtotal),
      })),
      adjustments: b.adjustments.map((a) => ({ description: a.description, amount: formatMoney(a.amount) })),
      total: formatMoney(b.total),
    },
  };
}

/** A declaration on a statement, with what its item is worth there. */
export function serializeStatementDeclaration(
  d: StatementDeclarationView,
  amount: Money,
): Schemas['AdminStatementDeclaration'] {
  return {
    id: d.id,
    type: 'statement-declaration',
    attributes: {
      participant_id: d.participantId,
      course_identifier: d.courseIdentifier as Course,
      declaration_type: d.declarationType as Schemas['DeclarationType'],
      state: dasherizeState(d.state),
      declaration_date: toRfc3339(d.declarationDate),
      amount: formatMoney(amount),
    },
  };
}

const CSV_COLUMNS = [
  'participant_id',
  'course_identifier',
  'declaration_type',
  'state',
  'declaration_date',
  'amount',
] as const;

function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** The same rows as CSV: a header row (`id` then the attribute names), one line per declaration, CRLF-free. */
export function statementDeclarationsCsv(rows: Schemas['AdminStatementDeclaration'][]): string {
  const lines = [['id', ...CSV_COLUMNS].join(',')];
  for (const r of rows)
    lines.push([r.id, ...CSV_COLUMNS.map((c) => r.attributes[c])].map(csvField).join(','));
  return `${lines.join('\n')}\n`;
}
