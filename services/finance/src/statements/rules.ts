import type { StatementState } from '@npq/contracts';
import { ValidationErrors } from '@npq/service-kit';

/** The statement rules that need no database (docs/domain.md#statement-states). */

export const AUTHORISE_MESSAGES = {
  notOutputFee: 'Only output fee statements can be authorised for payment',
  alreadyPaid: 'The statement has already been paid',
  notPayable: 'The statement must be payable before it can be authorised for payment',
  cutOffNotPassed: 'The statement cannot be authorised for payment before its cut-off date has passed',
  alreadyAuthorised: 'The statement has already been authorised for payment',
} as const;

/**
 * The checks of "authorise for payment" (docs/domain.md#authorising-payment), all reported together: only
 * a payable output-fee statement whose cut-off date has passed and that is not already authorised.
 */
export function authoriseErrors(
  s: { outputFee: boolean; state: StatementState; deadlineDate: string; markedAsPaidAt: Date | null },
  today: string,
): ValidationErrors {
  const errors = new ValidationErrors();
  if (!s.outputFee) errors.add('statement', AUTHORISE_MESSAGES.notOutputFee);
  if (s.state === 'paid') errors.add('statement', AUTHORISE_MESSAGES.alreadyPaid);
  else if (s.state !== 'payable') errors.add('statement', AUTHORISE_MESSAGES.notPayable);
  if (s.state !== 'paid' && s.deadlineDate >= today)
    errors.add('statement', AUTHORISE_MESSAGES.cutOffNotPassed);
  if (s.state !== 'paid' && s.markedAsPaidAt) errors.add('statement', AUTHORISE_MESSAGES.alreadyAuthorised);
  return errors;
}

/**
 * The cut-off (docs/domain.md#the-cut-off): an open statement whose cut-off date is before `asOf` is due to
 * become payable. The cut-off day itself still takes declarations.
 */
export function isDueForCutoff(s: { state: StatementState; deadlineDate: string }, asOf: string): boolean {
  return s.state === 'open' && s.deadlineDate < asOf;
}
