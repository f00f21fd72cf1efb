import type { ApplicationEventV1, DeclarationEventV1, EventEnvelope, EventName } from '@npq/contracts';
import type { EntityManager, EventHandler, EventHandlers } from '@npq/service-kit';
import { queueForSubscribers } from '../deliveries/commands';
import { isMuted } from '../sandbox/commands';
import { recordApplicationOwner, ownersOfApplications } from '../subscriptions/repository';
import type { WebhookEventType } from '../subscriptions/rules';

/**
 * What one platform event becomes for providers: the webhook type, the provider it belongs to, the
 * resource it is about (ordering key) and the resource's fields. The data is mapped from the event's
 * snapshot, not fetched from the owning service (docs/webhooks.md, "Payload").
 */
export interface WebhookMessage {
  type: WebhookEventType;
  leadProviderId: string;
  resourceId: string;
  data: Record<string, unknown>;
}

function application(e: ApplicationEventV1): Record<string, unknown> {
  const a = e.application;
  return {
    id: a.applicationId,
    type: 'npq_application',
    attributes: {
      participant_id: a.participantId,
      course_identifier: a.courseIdentifier,
      cohort: a.cohortIdentifier.slice(0, 4),
      status: a.status,
      reason_for_rejection: a.reasonForRejection,
      schedule_identifier: a.scheduleIdentifier,
      funded_place: a.fundedPlace,
      eligible_for_funding: a.eligibleForDfeFunding,
      targeted_delivery_funding_eligibility: a.targetedDeliveryFundingEligibility,
      school_urn: a.schoolUrn,
      created_at: a.createdAt,
      updated_at: a.updatedAt,
    },
  };
}

function declaration(e: DeclarationEventV1): Record<string, unknown> {
  const d = e.declaration;
  return {
    id: d.declarationId,
    type: 'participant-declaration',
    attributes: {
      participant_id: d.participantId,
      application_id: d.applicationId,
      course_identifier: d.courseIdentifier,
      declaration_type: d.declarationType,
      declaration_date: d.declarationDate,
      state: d.state,
      has_passed: d.hasPassed,
      created_at: d.createdAt,
      updated_at: d.updatedAt,
    },
  };
}

function applicationMessage(type: WebhookEventType, e: ApplicationEventV1): WebhookMessage {
  return {
    type,
    leadProviderId: e.application.leadProviderId,
    resourceId: e.application.applicationId,
    data: application(e),
  };
}

function declarationMessage(type: WebhookEventType, e: DeclarationEventV1): WebhookMessage {
  return {
    type,
    leadProviderId: e.declaration.leadProviderId,
    resourceId: e.declaration.declarationId,
    data: declaration(e),
  };
}

/** The webhook messages of one event (none for events providers are not told about). */
export async function messagesOf(em: EntityManager, envelope: EventEnvelope): Promise<WebhookMessage[]> {
  const e = envelope;
  switch (e.name) {
    case 'application.created': {
      const d = (e as EventEnvelope<'application.created'>).data;
      await recordApplicationOwner(em, d.application.applicationId, d.application.leadProviderId);
      return [applicationMessage('application.created', d)];
    }
    case 'application.accepted':
    case 'application.rejected':
    case 'application.funded-place-changed': {
      const d = (e as EventEnvelope<'application.accepted'>).data;
      await recordApplicationOwner(em, d.application.applicationId, d.application.leadProviderId);
      return [applicationMessage('application.updated', d)];
    }
    case 'enrolment.training-status-changed': {
      const d = (e as EventEnvelope<'enrolment.training-status-changed'>).data;
      return [
        {
          type: 'participant.training_status_changed',
          leadProviderId: d.leadProviderId,
          resourceId: d.participantId,
          data: {
            id: d.participantId,
            type: 'npq-participant',
            attributes: {
              application_id: d.applicationId,
              training_status: d.trainingStatus,
              reason: d.reason,
              changed_at: d.changedAt,
            },
          },
        },
      ];
    }
    case 'enrolment.schedule-changed': {
      const d = (e as EventEnvelope<'enrolment.schedule-changed'>).data;
      return [
        {
          type: 'participant.schedule_changed',
          leadProviderId: d.leadProviderId,
          resourceId: d.participantId,
          data: {
            id: d.participantId,
            type: 'npq-participant',
            attributes: {
              application_id: d.applicationId,
              schedule_identifier: d.scheduleIdentifier,
              cohort: d.cohortIdentifier.slice(0, 4),
              funded_place: d.fundedPlace,
              changed_at: d.changedAt,
            },
          },
        },
      ];
    }
    case 'participant.merged': {
      const d = (e as EventEnvelope<'participant.merged'>).data;
      // Every provider that holds one of the moved applications hears of the id change once. The event
      // names them; an event staged before it did is routed through the owners this service has seen.
      const providers = d.movedApplications
        ? [...new Set(d.movedApplications.map((a) => a.leadProviderId))].sort()
        : await ownersOfApplications(em, d.movedApplicationIds);
      return providers.map((leadProviderId) => ({
        type: 'participant.id_changed' as const,
        leadProviderId,
        resourceId: d.toParticipantId,
        data: {
          id: d.toParticipantId,
          type: 'npq-participant',
          attributes: {
            participant_id_changes: [
              {
                from_participant_id: d.fromParticipantId,
                to_participant_id: d.toParticipantId,
                changed_at: d.changedAt,
              },
            ],
          },
        },
      }));
    }
    case 'outcome.recorded': {
      const d = (e as EventEnvelope<'outcome.recorded'>).data;
      return [
        {
          type: 'participant_outcome.recorded',
          leadProviderId: d.leadProviderId,
          resourceId: d.participantId,
          data: {
            id: d.outcomeId,
            type: 'participant-outcome',
            attributes: {
              participant_id: d.participantId,
              course_identifier: d.courseIdentifier,
              state: d.state,
              completion_date: d.completionDate,
              created_at: d.createdAt,
            },
          },
        },
      ];
    }
    case 'declaration.created':
      return [declarationMessage('declaration.created', (e as EventEnvelope<'declaration.created'>).data)];
    case 'declaration.voided':
    case 'declaration.state-changed':
      return [
        declarationMessage('declaration.state_changed', (e as EventEnvelope<'declaration.voided'>).data),
      ];
    case 'statement.state-changed': {
      const d = (e as EventEnvelope<'statement.state-changed'>).data;
      if (d.state !== 'paid') return [];
      return [
        {
          type: 'statement.paid',
          leadProviderId: d.leadProviderId,
          resourceId: d.statementId,
          data: {
            id: d.statementId,
            type: 'statement',
            attributes: { cohort: d.cohortIdentifier.slice(0, 4), status: d.state, paid_at: d.changedAt },
          },
        },
      ];
    }
    case 'person.updated':
      return [];
  }
}

const handle: EventHandler<EventName> = async (em, envelope) => {
  for (const message of await messagesOf(em, envelope)) {
    // A sandbox reset's own events are not sent (docs/webhooks.md, "Sandbox reset").
    if (await isMuted(em, message.leadProviderId, message.resourceId)) continue;
    await queueForSubscribers(em, envelope.id, envelope.occurredAt, message);
  }
};

/**
 * Every event of the catalogue. The webhooks service is an observer, not a catalogue consumer, so no
 * read-your-writes wait includes it (packages/contracts/src/events.ts `OBSERVERS`; docs/webhooks.md).
 */
export const webhooksHandlers: EventHandlers = {
  'application.created': handle,
  'application.accepted': handle,
  'application.rejected': handle,
  'application.funded-place-changed': handle,
  'person.updated': handle,
  'participant.merged': handle,
  'enrolment.training-status-changed': handle,
  'enrolment.schedule-changed': handle,
  'outcome.recorded': handle,
  'declaration.created': handle,
  'declaration.voided': handle,
  'declaration.state-changed': handle,
  'statement.state-changed': handle,
};
