import { courseByIdentifier, hasOutcomes, type OutcomeState } from '@npq/contracts';
import { redactExcerpt, type DqtResult } from '../jobs/dqt-client';
import type { DeliveryState } from './entity';

/** What one push sends: the TRN, the course's short code and the completion date (null retracts a pass). */
export interface PushPlan {
  trn: string;
  courseIdentifier: string;
  qualificationType: string;
  completionDate: string | null;
}

/**
 * Whether DQT must hear about a new outcome (docs/domain.md, "DQT pushes"): the latest outcome of a
 * declaration is pushed when it is a pass; a fail or void only to retract a pass that was, or is about to
 * be, pushed. Nothing for courses without outcomes (EHCO, ASO), nor for a person without a validated TRN.
 */
export function pushFor(
  outcome: { courseIdentifier: string; state: OutcomeState; completionDate: string },
  person: { trn: string | null; trnVerified: boolean } | null,
  passPushed: boolean,
): PushPlan | null {
  const course = courseByIdentifier(outcome.courseIdentifier);
  if (!course || !hasOutcomes(course.identifier)) return null;
  if (!person?.trnVerified || !person.trn) return null;
  if (outcome.state !== 'passed' && !passPushed) return null;
  return {
    trn: person.trn,
    courseIdentifier: course.identifier,
    qualificationType: course.shortCode,
    completionDate: outcome.state === 'passed' ? outcome.completionDate : null,
  };
}

/**
 * Why an admin retry of a delivery is refused, or null when it may go out again: a delivery already sent
 * cannot be re-sent, nor a failed one whose outcome is no longer the latest of its declaration (only the
 * latest outcome is pushed, so a pass voided or failed afterwards never reaches DQT late). A pending one is
 * still going out, in order, ahead of whatever superseded it: requeueing it is safe.
 */
export function retryRefusal(
  delivery: { state: DeliveryState; outcomeId: string },
  latestOutcomeId: string | null,
): { title: string; detail: string } | null {
  if (delivery.state === 'sent')
    return { title: 'state', detail: 'The outcome delivery has already been sent' };
  if (delivery.state === 'failed' && latestOutcomeId && latestOutcomeId !== delivery.outcomeId) {
    return {
      title: 'outcome_id',
      detail: 'The outcome has been superseded by a later outcome of its declaration and cannot be re-sent',
    };
  }
  return null;
}

export interface Verdict {
  state: 'sent' | 'retry' | 'failed';
  statusCode: number | null;
  error: string | null;
  excerpt: string | null;
}

/** 204 is success; 429 and 5xx (and no answer at all) are worth retrying; any other answer never will be. */
export function judge(result: DqtResult): Verdict {
  if (result.kind === 'network')
    return { state: 'retry', statusCode: null, error: redactExcerpt(result.error), excerpt: null };
  const excerpt = result.body === '' ? null : redactExcerpt(result.body);
  if (result.status === 204) return { state: 'sent', statusCode: 204, error: null, excerpt };
  const error = `DQT answered ${result.status}${excerpt ? `: ${excerpt}` : ''}`;
  if (result.status === 429 || result.status >= 500)
    return { state: 'retry', statusCode: result.status, error, excerpt };
  return { state: 'failed', statusCode: result.status, error, excerpt };
}

/** The delivery's state after an attempt: only a pending delivery moves (a second success changes nothing). */
export function stateAfterAttempt(current: DeliveryState, attempt: Verdict['state']): DeliveryState {
  if (current !== 'pending') return current;
  return attempt === 'retry' ? 'pending' : attempt;
}
