/**
 * Event catalogue: every integration event that crosses a service boundary.
 *
 * - Subjects are `<prefix>npq.<producer>.<aggregate>.<event>.v<version>`; the prefix is empty in
 *   production and unique per test file so parallel tests never share a stream.
 * - Payloads are snapshots of the aggregate plus its `aggregateVersion`, so a consumer can apply them
 *   idempotently and ignore a stale one that arrives late (ordering per aggregate).
 * - `consumers` is the list the read-your-writes wait uses: a command that emitted the event answers
 *   once every listed consumer has confirmed it applied the event (or the wait times out).
 * - The webhooks service reads every event but is never listed as a consumer: it only notifies
 *   providers, so no command's answer waits for it (docs/webhooks.md). `OBSERVERS` names it.
 */

export type ServiceName = 'gateway' | 'applications' | 'training' | 'finance' | 'webhooks';

/** Services that read every event but are never waited for by read-your-writes (docs/webhooks.md). */
export const OBSERVERS: readonly ServiceName[] = ['webhooks'];

export type CohortFunding = 'full' | 'capped' | 'zero';

/** Everything training and finance need to know about an application, as of `aggregateVersion`. */
export interface ApplicationSnapshotV1 {
  applicationId: string;
  participantId: string;
  leadProviderId: string;
  courseIdentifier: string;
  /** e.g. "2025a" */
  cohortIdentifier: string;
  status: 'pending' | 'accepted' | 'rejected';
  reasonForRejection: string | null;
  scheduleIdentifier: string | null;
  fundedPlace: boolean | null;
  /** Raw `eligible_for_funding` column. */
  eligibleForFunding: boolean;
  /** `eligible_for_funding` after the previously-funded override (what the v3 application shows). */
  eligibleForDfeFunding: boolean;
  /** eligible_for_dfe_funding and funded_place not false: decides eligible vs submitted declarations. */
  fundable: boolean;
  targetedDeliveryFundingEligibility: boolean;
  /** Raw catchment: england, scotland, wales, northern_ireland, jersey_guernsey_isle_of_man, another. */
  teacherCatchment: string | null;
  schoolUrn: string | null;
  acceptedAt: string | null;
  createdAt: string;
  updatedAt: string;
}

/** A person's identity as applications holds it. */
export interface PersonSnapshotV1 {
  participantId: string;
  fullName: string;
  email: string | null;
  trn: string | null;
  trnVerified: boolean;
  previousNames: string[];
  /** Set when this person has been merged into another and the id retired. */
  retiredIntoParticipantId: string | null;
  createdAt: string;
  significantlyUpdatedAt: string;
  /**
   * The person's aggregate version (bumped by every change to the person, including touches on accept or
   * reject and merges). Orders snapshots that arrive through different events; `significantlyUpdatedAt`
   * cannot, because the sandbox clock may move it backwards.
   */
  version?: number;
}

export interface ApplicationEventV1 {
  application: ApplicationSnapshotV1;
  person: PersonSnapshotV1;
  /** Ids of other applications the same command changed (e.g. siblings auto-rejected on accept). */
  relatedApplicationIds?: string[];
}

export interface PersonUpdatedV1 {
  person: PersonSnapshotV1;
}

export interface ParticipantMergedV1 {
  changeId: string;
  fromParticipantId: string;
  toParticipantId: string;
  changedAt: string;
  /** Applications moved from the retired person to the kept one. */
  movedApplicationIds: string[];
  /**
   * The same applications with the provider each belongs to, so a consumer that never saw them (the
   * webhooks service deployed after they were made) knows whom to tell (docs/webhooks.md, "Event types").
   * Absent from events staged before it was added.
   */
  movedApplications?: { applicationId: string; leadProviderId: string }[];
  keptPerson: PersonSnapshotV1;
  retiredPerson: PersonSnapshotV1;
}

export interface EnrolmentTrainingStatusChangedV1 {
  applicationId: string;
  participantId: string;
  leadProviderId: string;
  trainingStatus: 'active' | 'deferred' | 'withdrawn';
  reason: string | null;
  /** The state row's creation time: the withdrawal/deferral date. */
  changedAt: string;
}

export interface EnrolmentScheduleChangedV1 {
  applicationId: string;
  participantId: string;
  leadProviderId: string;
  scheduleIdentifier: string;
  cohortIdentifier: string;
  fundedPlace: boolean | null;
  changedAt: string;
}

export interface OutcomeRecordedV1 {
  outcomeId: string;
  declarationId: string;
  applicationId: string;
  participantId: string;
  leadProviderId: string;
  courseIdentifier: string;
  state: 'passed' | 'failed' | 'voided';
  completionDate: string;
  createdAt: string;
}

export type DeclarationState =
  | 'submitted'
  | 'eligible'
  | 'payable'
  | 'paid'
  | 'voided'
  | 'ineligible'
  | 'awaiting_clawback'
  | 'clawed_back';

export interface DeclarationSnapshotV1 {
  declarationId: string;
  applicationId: string;
  participantId: string;
  /** The provider that submitted the declaration. */
  leadProviderId: string;
  courseIdentifier: string;
  declarationType: 'started' | 'retained-1' | 'retained-2' | 'completed';
  declarationDate: string;
  state: DeclarationState;
  /** Only for completed leadership/specialist declarations: the outcome to record. */
  hasPassed: boolean | null;
  createdAt: string;
  updatedAt: string;
}

export interface DeclarationEventV1 {
  declaration: DeclarationSnapshotV1;
}

export interface StatementStateChangedV1 {
  statementId: string;
  leadProviderId: string;
  cohortIdentifier: string;
  state: 'open' | 'payable' | 'paid';
  changedAt: string;
}

/** Payload type per event name. */
export interface EventPayloads {
  'application.created': ApplicationEventV1;
  'application.accepted': ApplicationEventV1;
  'application.rejected': ApplicationEventV1;
  'application.funded-place-changed': ApplicationEventV1;
  'person.updated': PersonUpdatedV1;
  'participant.merged': ParticipantMergedV1;
  'enrolment.training-status-changed': EnrolmentTrainingStatusChangedV1;
  'enrolment.schedule-changed': EnrolmentScheduleChangedV1;
  'outcome.recorded': OutcomeRecordedV1;
  'declaration.created': DeclarationEventV1;
  'declaration.voided': DeclarationEventV1;
  'declaration.state-changed': DeclarationEventV1;
  'statement.state-changed': StatementStateChangedV1;
}

export type EventName = keyof EventPayloads;

export interface EventDefinition {
  subject: string;
  version: number;
  producer: ServiceName;
  consumers: readonly ServiceName[];
  description: string;
}

export const EVENT_CATALOGUE = {
  'application.created': {
    subject: 'npq.applications.application.created.v1',
    version: 1,
    producer: 'applications',
    consumers: ['training'],
    description:
      'A new application arrived through intake; training keeps every application of a person for the participant updated_at rules.',
  },
  'application.accepted': {
    subject: 'npq.applications.application.accepted.v1',
    version: 1,
    producer: 'applications',
    consumers: ['training', 'finance'],
    description: 'An application was accepted; training opens an enrolment, finance can take declarations.',
  },
  'application.rejected': {
    subject: 'npq.applications.application.rejected.v1',
    version: 1,
    producer: 'applications',
    consumers: ['training', 'finance'],
    description: 'An application was rejected (by the provider, or as a sibling of an accepted one).',
  },
  'application.funded-place-changed': {
    subject: 'npq.applications.application.funded-place-changed.v1',
    version: 1,
    producer: 'applications',
    consumers: ['training', 'finance'],
    description: 'The funded place of an accepted application changed.',
  },
  'person.updated': {
    subject: 'npq.applications.person.updated.v1',
    version: 1,
    producer: 'applications',
    consumers: ['training', 'finance'],
    description: 'A significant change to a person (name, email, TRN, TRN validation).',
  },
  'participant.merged': {
    subject: 'npq.applications.participant.merged.v1',
    version: 1,
    producer: 'applications',
    consumers: ['training', 'finance'],
    description: 'A participant id was retired into another; its applications moved to the kept person.',
  },
  'enrolment.training-status-changed': {
    subject: 'npq.training.enrolment.training-status-changed.v1',
    version: 1,
    producer: 'training',
    consumers: ['applications', 'finance'],
    description: 'Defer, resume or withdraw (or the initial active state).',
  },
  'enrolment.schedule-changed': {
    subject: 'npq.training.enrolment.schedule-changed.v1',
    version: 1,
    producer: 'training',
    consumers: ['applications', 'finance'],
    description:
      'Change-schedule moved the enrolment to a new schedule, maybe a new cohort and funded place.',
  },
  'outcome.recorded': {
    subject: 'npq.training.outcome.recorded.v1',
    version: 1,
    producer: 'training',
    consumers: ['finance'],
    description: 'A participant outcome was recorded (passed, failed or voided).',
  },
  'declaration.created': {
    subject: 'npq.finance.declaration.created.v1',
    version: 1,
    producer: 'finance',
    consumers: ['applications', 'training'],
    description: 'A declaration was created (submitted, eligible or ineligible).',
  },
  'declaration.voided': {
    subject: 'npq.finance.declaration.voided.v1',
    version: 1,
    producer: 'finance',
    consumers: ['applications', 'training'],
    description: 'A declaration was voided or moved to awaiting-clawback by the provider.',
  },
  'declaration.state-changed': {
    subject: 'npq.finance.declaration.state-changed.v1',
    version: 1,
    producer: 'finance',
    consumers: ['applications', 'training'],
    description: 'A statement run moved a declaration (payable, paid, clawed back).',
  },
  'statement.state-changed': {
    subject: 'npq.finance.statement.state-changed.v1',
    version: 1,
    producer: 'finance',
    consumers: [],
    description: 'A statement became payable or paid.',
  },
} as const satisfies Record<EventName, EventDefinition>;

/** The envelope published on JetStream; `id` is also the `Nats-Msg-Id` header. */
export interface EventEnvelope<N extends EventName = EventName> {
  id: string;
  name: N;
  version: number;
  producer: ServiceName;
  occurredAt: string;
  /** The aggregate the event is about (application id, person id, declaration id, ...). */
  aggregateId: string;
  /** Monotonic per aggregate; consumers ignore an envelope older than what they applied. */
  aggregateVersion: number;
  data: EventPayloads[N];
}

/** Every event a service consumes, per the catalogue. */
export function eventsConsumedBy(service: ServiceName): EventName[] {
  return (Object.keys(EVENT_CATALOGUE) as EventName[]).filter((name) =>
    (EVENT_CATALOGUE[name].consumers as readonly ServiceName[]).includes(service),
  );
}

export function consumersOf(name: EventName): readonly ServiceName[] {
  // An observer is excluded even if someone lists it by mistake: a read-your-writes wait must never
  // depend on webhook delivery (docs/webhooks.md).
  return (EVENT_CATALOGUE[name].consumers as readonly ServiceName[]).filter((c) => !OBSERVERS.includes(c));
}

export function eventNameForSubject(subject: string, prefix = ''): EventName | undefined {
  const bare = prefix && subject.startsWith(prefix) ? subject.slice(prefix.length) : subject;
  return (Object.keys(EVENT_CATALOGUE) as EventName[]).find((n) => EVENT_CATALOGUE[n].subject === bare);
}
