import { Decimal } from 'decimal.js';
import {
  BILLABLE_STATEMENT_ITEM_STATES,
  REFUNDABLE_STATEMENT_ITEM_STATES,
  UPLIFT_INELIGIBLE_COURSES,
} from '@npq/contracts';
import type { ContractTemplateRow } from '../statements/entity';

/**
 * Money arithmetic: arbitrary precision (like DfE's BigDecimal), never floats, no rounding until display.
 * 50 significant digits keeps every division exact far beyond the penny.
 */
export const Money = Decimal.clone({ precision: 50, rounding: Decimal.ROUND_HALF_UP });
export type Money = Decimal;

export function money(value: string | number | Decimal): Decimal {
  return new Money(value);
}

export const ZERO = money(0);

export function sum(values: Decimal[]): Decimal {
  return values.reduce((acc, v) => acc.plus(v), ZERO);
}

/** Pounds with exactly two decimals, rounded half up only here (DfE's number_to_currency); never "-0.00". */
export function formatMoney(value: Decimal): string {
  const rounded = value.toDecimalPlaces(2, Decimal.ROUND_HALF_UP);
  return (rounded.isZero() ? rounded.abs() : rounded).toFixed(2);
}

/** ASO and EHCO never get targeted delivery funding (nor `uplift_paid`). */
export function isUpliftIneligible(courseIdentifier: string): boolean {
  return (UPLIFT_INELIGIBLE_COURSES as readonly string[]).includes(courseIdentifier);
}

/** A contract's terms (its template) for one course on one statement. */
export type ContractTerms = Omit<ContractTemplateRow, 'id' | 'createdAt'> & { courseIdentifier: string };

/**
 * Distinct participants per declaration type on the statement for the contract's course (a participant
 * counts once per type and course): billable items (eligible, payable, paid), refundable items
 * (awaiting/clawed back), and the targeted-delivery-funding subsets of started declarations.
 */
export interface CourseCounts {
  started: number;
  retained1: number;
  retained2: number;
  completed: number;
  refundable: number;
  tdf: number;
  tdfRefundable: number;
  /**
   * `refundable` split by declaration type (the statement breakdown's clawback lines); they add up to
   * `refundable`, since a participant counts once per type.
   */
  refundableByType?: Partial<Record<DeclarationType, number>>;
}

export const DECLARATION_TYPES = ['started', 'retained-1', 'retained-2', 'completed'] as const;
export type DeclarationType = (typeof DECLARATION_TYPES)[number];

export const NO_COUNTS: CourseCounts = {
  started: 0,
  retained1: 0,
  retained2: 0,
  completed: 0,
  refundable: 0,
  tdf: 0,
  tdfRefundable: 0,
};

export interface CourseCalculation {
  courseIdentifier: string;
  specialCourse: boolean;
  counts: CourseCounts;
  billable: number;
  /** The service fee's parts: recruitment target × per-participant fee, or null for a fixed monthly fee. */
  serviceFeeParticipants: number | null;
  serviceFeePerParticipant: Money;
  /** Whether TDF applies to this course on this statement, and its rate per participant. */
  hasTargetedDeliveryFunding: boolean;
  targetedDeliveryFundingRate: Money;
  outputPerParticipant: Money;
  outputPaymentSubtotal: Money;
  /** Positive amount to claw back (shown negative). */
  clawbackPayment: Money;
  serviceFees: Money;
  targetedDeliveryFunding: Money;
  /** Positive amount to claw back (shown negative). */
  targetedDeliveryFundingClawback: Money;
  courseTotal: Money;
}

export interface StatementPeriod {
  year: number;
  month: number;
  cohortStartYear: number;
}

/** TDF is paid on statements up to October 2025 for cohorts from 2022 (docs/domain.md#money). */
export function usesTargetedDeliveryFunding(p: StatementPeriod): boolean {
  return (p.year < 2025 || (p.year === 2025 && p.month <= 10)) && p.cohortStartYear >= 2022;
}

/** Statements::CourseCalculator (docs/domain.md#money): output payments, clawbacks, service fee and TDF for one contract. */
export function calculateCourse(
  contract: ContractTerms,
  counts: CourseCounts,
  period: StatementPeriod,
): CourseCalculation {
  const perParticipant = money(contract.perParticipant);
  const outputPerParticipant =
    contract.outputPaymentPercentage === 0
      ? ZERO
      : perParticipant
          .times(contract.outputPaymentPercentage)
          .dividedBy(100 * contract.numberOfPaymentPeriods);
  const billable = counts.started + counts.retained1 + counts.retained2 + counts.completed;
  const outputPaymentSubtotal = outputPerParticipant.times(billable);
  // Clawbacks use THIS statement's contract, whatever the statement that paid them used.
  const clawbackPayment = outputPerParticipant.times(counts.refundable);
  const serviceFeePerParticipant =
    contract.serviceFeePercentage === 0
      ? ZERO
      : perParticipant.times(contract.serviceFeePercentage).dividedBy(100 * contract.serviceFeeInstallments);
  const serviceFees =
    contract.monthlyServiceFee === null
      ? serviceFeePerParticipant.times(contract.recruitmentTarget)
      : money(contract.monthlyServiceFee);
  const hasTdf = usesTargetedDeliveryFunding(period) && !isUpliftIneligible(contract.courseIdentifier);
  const tdfRate = money(contract.targetedDeliveryFundingPerParticipant);
  const targetedDeliveryFunding = hasTdf ? tdfRate.times(counts.tdf) : ZERO;
  const targetedDeliveryFundingClawback = hasTdf ? tdfRate.times(counts.tdfRefundable) : ZERO;
  return {
    courseIdentifier: contract.courseIdentifier,
    specialCourse: contract.specialCourse,
    counts,
    billable,
    serviceFeeParticipants: contract.monthlyServiceFee === null ? contract.recruitmentTarget : null,
    serviceFeePerParticipant,
    hasTargetedDeliveryFunding: hasTdf,
    targetedDeliveryFundingRate: tdfRate,
    outputPerParticipant,
    outputPaymentSubtotal,
    clawbackPayment,
    serviceFees,
    targetedDeliveryFunding,
    targetedDeliveryFundingClawback,
    courseTotal: serviceFees
      .plus(outputPaymentSubtotal)
      .minus(clawbackPayment)
      .plus(targetedDeliveryFunding)
      .minus(targetedDeliveryFundingClawback),
  };
}

export interface StatementCalculation {
  courses: CourseCalculation[];
  totalOutputPayment: Money;
  totalServiceFees: Money;
  totalTargetedDeliveryFunding: Money;
  /** Positive amount clawed back (output and TDF); shown negative. */
  totalClawbacks: Money;
  totalAdjustments: Money;
  reconcileAmount: Money;
  totalPayment: Money;
  totalStarts: number;
  totalRetained: number;
  totalCompleted: number;
  totalVoided: number;
}

/**
 * Statements::SummaryCalculator (docs/domain.md#money): one course calculation per contract (ordered by course identifier);
 * special-course contracts are excluded from every total. Nothing is rounded here.
 */
export function calculateStatement(input: {
  period: StatementPeriod;
  contracts: { terms: ContractTerms; counts: CourseCounts }[];
  adjustments: string[];
  reconcileAmount: string | null;
  voidedDeclarations: number;
}): StatementCalculation {
  const courses = [...input.contracts]
    .sort((a, b) =>
      a.terms.courseIdentifier < b.terms.courseIdentifier
        ? -1
        : a.terms.courseIdentifier > b.terms.courseIdentifier
          ? 1
          : 0,
    )
    .map((c) => calculateCourse(c.terms, c.counts, input.period));
  const counted = courses.filter((c) => !c.specialCourse);
  const totalOutputPayment = sum(counted.map((c) => c.outputPaymentSubtotal));
  const totalServiceFees = sum(counted.map((c) => c.serviceFees));
  const totalTargetedDeliveryFunding = sum(counted.map((c) => c.targetedDeliveryFunding));
  const totalClawbacks = sum(counted.map((c) => c.clawbackPayment.plus(c.targetedDeliveryFundingClawback)));
  const totalAdjustments = sum(input.adjustments.map((a) => money(a)));
  const reconcileAmount = money(input.reconcileAmount ?? 0);
  return {
    courses,
    totalOutputPayment,
    totalServiceFees,
    totalTargetedDeliveryFunding,
    totalClawbacks,
    totalAdjustments,
    reconcileAmount,
    totalPayment: totalServiceFees
      .plus(totalOutputPayment)
      .minus(totalClawbacks)
      .plus(totalAdjustments)
      .plus(reconcileAmount)
      .plus(totalTargetedDeliveryFunding),
    totalStarts: counted.reduce((n, c) => n + c.counts.started, 0),
    totalRetained: counted.reduce((n, c) => n + c.counts.retained1 + c.counts.retained2, 0),
    totalCompleted: counted.reduce((n, c) => n + c.counts.completed, 0),
    totalVoided: input.voidedDeclarations,
  };
}

/** Counts per declaration type of a course's billable participants. */
function billableOf(counts: CourseCounts, type: DeclarationType): number {
  switch (type) {
    case 'started':
      return counts.started;
    case 'retained-1':
      return counts.retained1;
    case 'retained-2':
      return counts.retained2;
    case 'completed':
      return counts.completed;
  }
}

export interface BreakdownLine {
  courseIdentifier: string;
  declarationType: DeclarationType;
  count: number;
  unitPrice: Money;
  /** Positive for a payment, negative for a clawback. */
  subtotal: Money;
}

export interface StatementBreakdown {
  outputPayments: BreakdownLine[];
  targetedDeliveryFunding: { count: number; unitPrice: Money | null; subtotal: Money };
  serviceFees: {
    courseIdentifier: string;
    participants: number | null;
    monthlyFee: Money;
    subtotal: Money;
  }[];
  clawbacks: (BreakdownLine & { paymentType: 'output' | 'targeted_delivery_funding' })[];
  adjustments: { description: string; amount: Money }[];
  total: Money;
}

/**
 * A statement's calculation (`calculateStatement`, docs/domain.md#money) line by line, for operators: the
 * same courses (special courses left out, as from the totals) and the same amounts, so the lines add up to
 * `totalPayment` exactly before display rounding. Nothing is calculated that the calculation did not.
 */
export function breakdownStatement(
  calculation: StatementCalculation,
  adjustments: { description: string; amount: string }[],
): StatementBreakdown {
  const counted = calculation.courses.filter((c) => !c.specialCourse);
  const outputPayments: BreakdownLine[] = [];
  const clawbacks: StatementBreakdown['clawbacks'] = [];
  for (const course of counted) {
    for (const type of DECLARATION_TYPES) {
      const count = billableOf(course.counts, type);
      if (count > 0) {
        outputPayments.push({
          courseIdentifier: course.courseIdentifier,
          declarationType: type,
          count,
          unitPrice: course.outputPerParticipant,
          subtotal: course.outputPerParticipant.times(count),
        });
      }
      const refunded = course.counts.refundableByType?.[type] ?? 0;
      if (refunded > 0) {
        clawbacks.push({
          courseIdentifier: course.courseIdentifier,
          declarationType: type,
          paymentType: 'output',
          count: refunded,
          unitPrice: course.outputPerParticipant,
          subtotal: course.outputPerParticipant.times(refunded).negated(),
        });
      }
    }
    if (course.hasTargetedDeliveryFunding && course.counts.tdfRefundable > 0) {
      clawbacks.push({
        courseIdentifier: course.courseIdentifier,
        declarationType: 'started',
        paymentType: 'targeted_delivery_funding',
        count: course.counts.tdfRefundable,
        unitPrice: course.targetedDeliveryFundingRate,
        subtotal: course.targetedDeliveryFundingClawback.negated(),
      });
    }
  }
  const tdfCourses = counted.filter((c) => c.hasTargetedDeliveryFunding);
  const rates = new Set(
    tdfCourses.filter((c) => c.counts.tdf > 0).map((c) => c.targetedDeliveryFundingRate.toFixed(2)),
  );
  const lines = [
    ...adjustments.map((a) => ({ description: a.description, amount: money(a.amount) })),
    ...(calculation.reconcileAmount.isZero()
      ? []
      : [{ description: 'Reconcile amount', amount: calculation.reconcileAmount }]),
  ];
  return {
    outputPayments,
    targetedDeliveryFunding: {
      count: tdfCourses.reduce((n, c) => n + c.counts.tdf, 0),
      unitPrice: rates.size === 1 ? money([...rates][0]!) : null,
      subtotal: calculation.totalTargetedDeliveryFunding,
    },
    serviceFees: counted
      .filter((c) => !c.serviceFees.isZero())
      .map((c) => ({
        courseIdentifier: c.courseIdentifier,
        participants: c.serviceFeeParticipants,
        monthlyFee: c.serviceFeeParticipants === null ? c.serviceFees : c.serviceFeePerParticipant,
        subtotal: c.serviceFees,
      })),
    clawbacks,
    adjustments: lines,
    total: calculation.totalPayment,
  };
}

/**
 * What one statement item is worth on its statement (the operators' declaration list): the course's output
 * payment per participant, negative for an item being clawed back, nothing for an item neither billable
 * nor refundable (ineligible, voided) or a course without a contract on the statement.
 */
export function itemAmount(outputPerParticipant: Money | undefined, itemState: string): Money {
  if (!outputPerParticipant) return ZERO;
  if ((BILLABLE_STATEMENT_ITEM_STATES as readonly string[]).includes(itemState)) return outputPerParticipant;
  if ((REFUNDABLE_STATEMENT_ITEM_STATES as readonly string[]).includes(itemState))
    return outputPerParticipant.negated();
  return ZERO;
}
