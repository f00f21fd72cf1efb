import type { ApiComponents } from '@npq/contracts';
import { single, toRfc3339 } from '@npq/service-kit';
import type { OutcomeDelivery, OutcomeDeliveryAttempt } from './entity';

type Schemas = ApiComponents['schemas'];

export function serializeDelivery(d: OutcomeDelivery): Schemas['OutcomeDelivery'] {
  return single(d.id, 'outcome-delivery' as const, {
    outcome_id: d.outcomeId,
    participant_id: d.participantId,
    trn: d.trn,
    course_identifier: d.courseIdentifier as Schemas['OutcomeCourseIdentifier'],
    qualification_type: d.qualificationType as Schemas['QualificationShortCode'],
    completion_date: d.completionDate,
    state: d.state,
    attempts: d.attempts,
    last_status_code: d.lastStatusCode,
    last_error: d.lastError,
    last_attempt_at: toRfc3339(d.lastAttemptAt),
    sent_at: toRfc3339(d.sentAt),
    created_at: toRfc3339(d.createdAt),
    updated_at: toRfc3339(d.updatedAt),
  }).data;
}

export function serializeAttempt(a: OutcomeDeliveryAttempt): Schemas['OutcomeDeliveryAttempt'] {
  return single(a.seq, 'outcome-delivery-attempt' as const, {
    delivery_id: a.deliveryId,
    attempt: a.attempt,
    outcome: a.outcome,
    started_at: toRfc3339(a.startedAt),
    finished_at: toRfc3339(a.finishedAt),
    status_code: a.statusCode,
    error: a.error,
    response_excerpt: a.responseExcerpt,
  }).data;
}
