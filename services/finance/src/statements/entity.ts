import { EntitySchema } from '@mikro-orm/postgresql';
import {
  STATEMENT_ITEM_STATES,
  STATEMENT_STATES,
  type StatementItemState,
  type StatementState,
} from '@npq/contracts';

/** A monthly statement of one lead provider for one cohort. */
export interface StatementRow {
  id: string;
  leadProviderId: string;
  cohortIdentifier: string;
  cohortStartYear: number;
  cohortSuffix: string;
  year: number;
  month: number;
  /** API `cut_off_date`. */
  deadlineDate: string;
  paymentDate: string;
  outputFee: boolean;
  state: StatementState;
  markedAsPaidAt: Date | null;
  reconcileAmount: string;
  createdAt: Date;
  updatedAt: Date;
  version: number;
}

export const StatementSchema = new EntitySchema<StatementRow>({
  name: 'StatementRow',
  tableName: 'statements',
  properties: {
    id: { type: 'uuid', primary: true, defaultRaw: 'gen_random_uuid()' },
    leadProviderId: { type: 'uuid' },
    cohortIdentifier: { type: 'string', length: 5 },
    cohortStartYear: { type: 'integer' },
    cohortSuffix: { type: 'string', length: 1 },
    year: { type: 'integer' },
    month: { type: 'integer' },
    deadlineDate: { type: 'date' },
    paymentDate: { type: 'date' },
    outputFee: { type: 'boolean', default: true },
    state: { enum: true, items: [...STATEMENT_STATES], default: 'open' },
    markedAsPaidAt: { type: 'Date', columnType: 'timestamptz', nullable: true },
    reconcileAmount: { type: 'decimal', precision: 12, scale: 2, default: 0 },
    createdAt: { type: 'Date', columnType: 'timestamptz' },
    updatedAt: { type: 'Date', columnType: 'timestamptz' },
    /** Optimistic lock: the unit of work checks and bumps it on every update. */
    version: { type: 'integer', version: true, default: 1 },
  },
  uniques: [
    {
      name: 'statements_lp_cohort_period_unique',
      properties: ['leadProviderId', 'cohortIdentifier', 'year', 'month'],
    },
  ],
  indexes: [
    // "Next output fee statement" (state open, output fee, deadline >= today, earliest first).
    {
      name: 'statements_next_output_fee_idx',
      properties: ['leadProviderId', 'cohortIdentifier', 'state', 'deadlineDate'],
    },
    // Provider list in payment_date order, and the cut-off run (open statements by deadline).
    { name: 'statements_lp_payment_idx', properties: ['leadProviderId', 'paymentDate', 'id'] },
    { name: 'statements_state_deadline_idx', properties: ['state', 'deadlineDate'] },
    { name: 'statements_payment_idx', properties: ['paymentDate', 'id'] },
    { name: 'statements_updated_idx', properties: ['updatedAt'] },
  ],
  checks: [{ name: 'statements_payment_after_deadline_check', expression: 'payment_date >= deadline_date' }],
});

/** A declaration's line on a statement: its billing item, and at most one clawback item. */
export interface StatementItemRow {
  id: string;
  statementId: string;
  declarationId: string;
  state: StatementItemState;
  createdAt: Date;
  updatedAt: Date;
}

export const StatementItemSchema = new EntitySchema<StatementItemRow>({
  name: 'StatementItemRow',
  tableName: 'statement_items',
  properties: {
    id: { type: 'uuid', primary: true, defaultRaw: 'gen_random_uuid()' },
    statementId: { type: 'uuid' },
    declarationId: { type: 'uuid' },
    state: { enum: true, items: [...STATEMENT_ITEM_STATES] },
    createdAt: { type: 'Date', columnType: 'timestamptz' },
    updatedAt: { type: 'Date', columnType: 'timestamptz' },
  },
  indexes: [
    { name: 'statement_items_statement_idx', properties: ['statementId', 'state'] },
    { name: 'statement_items_declaration_idx', properties: ['declarationId', 'createdAt'] },
  ],
});

/** Contract values shared by many contracts; immutable once used (a change makes a new template). */
export interface ContractTemplateRow {
  id: string;
  recruitmentTarget: number;
  perParticipant: string;
  outputPaymentPercentage: number;
  serviceFeePercentage: number;
  numberOfPaymentPeriods: number;
  serviceFeeInstallments: number;
  /**
   * NULL means "calculate the service fee" (recruitment target × per-participant fee); any value is used as
   * is, so 0.00 means "no service fee".
   */
  monthlyServiceFee: string | null;
  targetedDeliveryFundingPerParticipant: string;
  /** Standalone payments: shown, but excluded from the statement's totals. */
  specialCourse: boolean;
  createdAt: Date;
}

export const ContractTemplateSchema = new EntitySchema<ContractTemplateRow>({
  name: 'ContractTemplateRow',
  tableName: 'contract_templates',
  properties: {
    id: { type: 'uuid', primary: true },
    recruitmentTarget: { type: 'integer' },
    perParticipant: { type: 'decimal', precision: 12, scale: 2 },
    outputPaymentPercentage: { type: 'integer', default: 60 },
    serviceFeePercentage: { type: 'integer', default: 40 },
    numberOfPaymentPeriods: { type: 'integer' },
    serviceFeeInstallments: { type: 'integer' },
    monthlyServiceFee: { type: 'decimal', precision: 12, scale: 2, nullable: true },
    targetedDeliveryFundingPerParticipant: { type: 'decimal', precision: 12, scale: 2, default: 100 },
    specialCourse: { type: 'boolean', default: false },
    createdAt: { type: 'Date', columnType: 'timestamptz' },
  },
  checks: [
    { name: 'contract_templates_recruitment_target_check', expression: 'recruitment_target > 0' },
    { name: 'contract_templates_per_participant_check', expression: 'per_participant > 0' },
  ],
});

/** Which template pays a course on a statement. */
export interface ContractRow {
  id: string;
  statementId: string;
  courseIdentifier: string;
  contractTemplateId: string;
}

export const ContractSchema = new EntitySchema<ContractRow>({
  name: 'ContractRow',
  tableName: 'contracts',
  properties: {
    id: { type: 'uuid', primary: true, defaultRaw: 'gen_random_uuid()' },
    statementId: { type: 'uuid' },
    courseIdentifier: { type: 'string', length: 60 },
    contractTemplateId: { type: 'uuid' },
  },
  uniques: [{ name: 'contracts_statement_course_unique', properties: ['statementId', 'courseIdentifier'] }],
  indexes: [{ name: 'contracts_course_idx', properties: ['courseIdentifier'] }],
});

/** A manual adjustment of a statement's total (positive or negative, never zero). */
export interface AdjustmentRow {
  id: string;
  statementId: string;
  description: string;
  amount: string;
  createdAt: Date;
}

export const AdjustmentSchema = new EntitySchema<AdjustmentRow>({
  name: 'AdjustmentRow',
  tableName: 'adjustments',
  properties: {
    id: { type: 'uuid', primary: true, defaultRaw: 'gen_random_uuid()' },
    statementId: { type: 'uuid', index: 'adjustments_statement_idx' },
    description: { type: 'text' },
    amount: { type: 'decimal', precision: 18, scale: 2 },
    createdAt: { type: 'Date', columnType: 'timestamptz' },
  },
  checks: [{ name: 'adjustments_amount_not_zero_check', expression: 'amount <> 0' }],
});

export const STATEMENT_ENTITIES = [
  StatementSchema,
  StatementItemSchema,
  ContractTemplateSchema,
  ContractSchema,
  AdjustmentSchema,
];
