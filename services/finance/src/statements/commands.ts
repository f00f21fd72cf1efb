import { notFound, now, today, ValidationErrors, type EntityManager } from '@npq/service-kit';
import { StatementRepository, type StatementView } from './repository';

export const AUTHORISE_MESSAGES = {
  notOutputFee: 'Only output fee statements can be authorised for payment',
  alreadyPaid: 'The statement has already been paid',
  notPayable: 'The statement must be payable before it can be authorised for payment',
  cutOffNotPassed: 'The statement cannot be authorised for payment before its cut-off date has passed',
  alreadyAuthorised: 'The statement has already been authorised for payment',
} as const;

/**
 * Authorises payment of a statement (DfE's "Authorise for payment"): only a payable output-fee statement
 * whose cut-off date has passed and that is not already authorised. Records `marked_as_paid_at` under the
 * statement's row lock, so two authorisations at once give one 202 and one 422; the caller then queues the
 * payment run.
 */
export async function authorisePayment(em: EntityManager, statementId: string): Promise<StatementView> {
  return em.transactional(async (tx) => {
    const repo = new StatementRepository(tx);
    const s = await repo.findForUpdate(statementId);
    if (!s) throw notFound();
    const errors = new ValidationErrors();
    if (!s.outputFee) errors.add('statement', AUTHORISE_MESSAGES.notOutputFee);
    if (s.state === 'paid') errors.add('statement', AUTHORISE_MESSAGES.alreadyPaid);
    else if (s.state !== 'payable') errors.add('statement', AUTHORISE_MESSAGES.notPayable);
    if (s.state !== 'paid' && s.deadlineDate >= today())
      errors.add('statement', AUTHORISE_MESSAGES.cutOffNotPassed);
    if (s.state !== 'paid' && s.markedAsPaidAt) errors.add('statement', AUTHORISE_MESSAGES.alreadyAuthorised);
    errors.throwIfAny();
    const at = now();
    await tx.execute(`update finance.statements set marked_as_paid_at = ?, updated_at = ? where id = ?`, [
      at,
      at,
      statementId,
    ]);
    return (await repo.findById(statementId))!;
  });
}
