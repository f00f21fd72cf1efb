/** The finance worker's BullMQ queues (names are prefixed per environment by Naming.queuePrefix). */
export const CUTOFF_QUEUE = 'finance-statement-cutoff';
export const PAYMENT_QUEUE = 'finance-payment-run';

/** `asOf` (YYYY-MM-DD) for an ops "as of" run; the scheduled run uses the worker's today. */
export interface CutoffJobData {
  asOf?: string;
}

export interface PaymentJobData {
  statementId: string;
}

/** One payment job per statement, ever: BullMQ ignores a second add with the same id. */
export function paymentJobId(statementId: string): string {
  return `pay-${statementId}`;
}
