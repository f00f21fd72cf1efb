import type { ApplicationEventV1, EventEnvelope, PersonSnapshotV1 } from '@npq/contracts';
import { LockMode } from '@mikro-orm/postgresql';
import type { EntityManager, HandlersOf } from '@npq/service-kit';
import {
  ApplicationSchema,
  OutcomeSchema,
  ParticipantIdChangeSchema,
  PersonSchema,
} from '../applications/entity';
import { cohortOrFail, isNewerSnapshot, keepsPlacement } from '../applications/rules';
import { DeclarationSchema } from '../declarations/entity';

/**
 * Follows participant id changes (A→B, B→C) to the id in use, so a snapshot that still names a retired
 * participant (emitted before the merge, delivered after it) lands on the kept person.
 */
async function resolveParticipantId(em: EntityManager, participantId: string): Promise<string> {
  let current = participantId;
  for (let hops = 0; hops < 10; hops++) {
    const change = await em.findOne(
      ParticipantIdChangeSchema,
      { fromParticipantId: current },
      { orderBy: { changedAt: 'desc' }, fields: ['toParticipantId'] },
    );
    const next = change?.toParticipantId;
    if (!next || next === current) return current;
    current = next;
  }
  return current;
}

/**
 * Person snapshots arrive through several events (application events, person.updated, merges). They are
 * ordered by the person's version when the snapshot carries one; a stale one is ignored. (Timestamps cannot
 * order them: the sandbox clock may move them backwards.) A retirement is never undone by a later snapshot.
 */
async function applyPerson(em: EntityManager, p: PersonSnapshotV1): Promise<void> {
  const version = p.version ?? 0;
  // raw SQL: one atomic upsert whose update is conditional (newer snapshot only) and keeps a retirement; the ORM's upsert has neither.
  await em.execute(
    `insert into finance.people as x (id, trn, trn_verified, retired_into_id, significantly_updated_at, version) values (?, ?, ?, ?, ?, ?)
     on conflict (id) do update set trn = excluded.trn, trn_verified = excluded.trn_verified,
       retired_into_id = coalesce(x.retired_into_id, excluded.retired_into_id),
       significantly_updated_at = excluded.significantly_updated_at, version = excluded.version
     where (excluded.version > 0 and x.version <= excluded.version)
        or (excluded.version = 0 and x.version = 0 and x.significantly_updated_at <= excluded.significantly_updated_at)`,
    [
      p.participantId,
      p.trn,
      p.trnVerified,
      p.retiredIntoParticipantId,
      new Date(p.significantlyUpdatedAt),
      version,
    ],
  );
}

async function applyApplication(em: EntityManager, envelope: EventEnvelope): Promise<void> {
  const { application: a, person } = envelope.data as ApplicationEventV1;
  await applyPerson(em, person);
  const cohort = cohortOrFail(a.cohortIdentifier);
  const participantId = await resolveParticipantId(em, a.participantId);
  const snapshotUpdatedAt = new Date(a.updatedAt);
  const stored = await em.findOne(
    ApplicationSchema,
    { id: a.applicationId },
    { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true },
  );
  if (isNewerSnapshot(stored, envelope.aggregateVersion)) {
    const fields = {
      participantId,
      leadProviderId: a.leadProviderId,
      courseIdentifier: a.courseIdentifier,
      status: a.status,
      reasonForRejection: a.reasonForRejection,
      eligibleForFunding: a.eligibleForFunding,
      eligibleForDfeFunding: a.eligibleForDfeFunding,
      fundableSnapshot: a.fundable,
      targetedDeliveryFundingEligibility: a.targetedDeliveryFundingEligibility,
      teacherCatchment: a.teacherCatchment,
      schoolUrn: a.schoolUrn,
      acceptedAt: a.acceptedAt ? new Date(a.acceptedAt) : null,
      createdAt: new Date(a.createdAt),
      updatedAt: snapshotUpdatedAt,
      version: envelope.aggregateVersion,
    };
    const placement = {
      scheduleIdentifier: a.scheduleIdentifier,
      cohortIdentifier: cohort.identifier,
      cohortStartYear: cohort.startYear,
      fundedPlace: a.fundedPlace,
    };
    if (!stored) {
      em.create(ApplicationSchema, {
        id: a.applicationId,
        ...fields,
        ...placement,
        enrolmentVersion: 0,
        placementChangedAt: null,
      });
    } else {
      em.assign(stored, keepsPlacement(stored, snapshotUpdatedAt) ? fields : { ...fields, ...placement });
    }
    await em.flush();
  }
  // A transferred application takes its declarations into the new provider's scope (read-only there).
  const current = await em.findOneOrFail(
    ApplicationSchema,
    { id: a.applicationId },
    { fields: ['leadProviderId'] },
  );
  await em.nativeUpdate(
    DeclarationSchema,
    { applicationId: a.applicationId, applicationLeadProviderId: { $ne: current.leadProviderId } },
    { applicationLeadProviderId: current.leadProviderId },
  );
}

/**
 * What finance keeps of other services' data: people (TRN for duplicate detection), applications (funding,
 * schedule, catchment, provider), training-status history (the withdrawal rule), participant id changes and
 * outcomes (`has_passed`). Each handler runs in the consumer's inbox transaction, so it applies once.
 */
export const financeHandlers: HandlersOf<'finance'> = {
  // Not `application.created`: finance only ever reads accepted applications (the catalogue agrees).
  'application.accepted': applyApplication,
  'application.rejected': applyApplication,
  'application.funded-place-changed': applyApplication,

  'person.updated': async (em, envelope) => {
    await applyPerson(em, envelope.data.person);
  },

  'participant.merged': async (em, envelope) => {
    const m = envelope.data;
    await em
      .createQueryBuilder(ParticipantIdChangeSchema)
      .insert({
        id: m.changeId,
        fromParticipantId: m.fromParticipantId,
        toParticipantId: m.toParticipantId,
        changedAt: new Date(m.changedAt),
      })
      .onConflict('id')
      .ignore()
      .execute();
    await applyPerson(em, m.keptPerson);
    await applyPerson(em, m.retiredPerson);
    await em.nativeUpdate(PersonSchema, { id: m.fromParticipantId }, { retiredIntoId: m.toParticipantId });
    // The moved applications carry their declarations, statement items and outcomes with them (DfE moves
    // applications, so finance is otherwise unaffected).
    await em.nativeUpdate(
      ApplicationSchema,
      { $or: [{ id: { $in: m.movedApplicationIds } }, { participantId: m.fromParticipantId }] },
      { participantId: m.toParticipantId },
    );
  },

  'enrolment.training-status-changed': async (em, envelope) => {
    const e = envelope.data;
    // Append-only history, like DfE's application_states; the event id keeps a redelivery from duplicating it.
    // raw SQL: measured hot path (every defer, resume and withdraw waits for it, read-your-writes); the ORM's
    // insert … on conflict costs about 1 ms of CPU against 0.2 ms (docs/performance.md, "The ORM's cost per
    // statement").
    await em.execute(
      `insert into finance.application_states (id, application_id, lead_provider_id, state, reason, changed_at, version)
       values (?, ?, ?, ?, ?, ?, ?) on conflict (id) do nothing`,
      [
        envelope.id,
        e.applicationId,
        e.leadProviderId,
        e.trainingStatus,
        e.reason,
        new Date(e.changedAt),
        envelope.aggregateVersion,
      ],
    );
  },

  'enrolment.schedule-changed': async (em, envelope) => {
    const e = envelope.data;
    const cohort = cohortOrFail(e.cohortIdentifier);
    // Enrolment changes apply in their own version order (an older one changes nothing).
    // raw SQL: measured hot path (every change-schedule waits for it), as the training-status history above.
    await em.execute(
      `update finance.applications set schedule_identifier = ?, cohort_identifier = ?, cohort_start_year = ?,
         funded_place = ?, enrolment_version = ?, placement_changed_at = ?
       where id = ? and enrolment_version < ?`,
      [
        e.scheduleIdentifier,
        cohort.identifier,
        cohort.startYear,
        e.fundedPlace,
        envelope.aggregateVersion,
        new Date(e.changedAt),
        e.applicationId,
        envelope.aggregateVersion,
      ],
    );
  },

  'outcome.recorded': async (em, envelope) => {
    const o = envelope.data;
    const createdAt = new Date(o.createdAt);
    // The envelope's version is the outcome's position among the declaration's outcomes: it orders outcomes
    // that share a created_at (the sandbox clock).
    await em
      .createQueryBuilder(OutcomeSchema)
      .insert({
        id: o.outcomeId,
        declarationId: o.declarationId,
        state: o.state,
        completionDate: o.completionDate.slice(0, 10),
        source: 'training',
        createdAt,
        ordinal: envelope.aggregateVersion,
      })
      .onConflict('id')
      .ignore()
      .execute();
    // Training's record replaces the provisional row finance wrote for the same outcome.
    await em.nativeDelete(OutcomeSchema, {
      declarationId: o.declarationId,
      source: 'declaration',
      state: o.state,
    });
    // DfE touches the declaration when an outcome is recorded, so it shows in updated_since feeds (never
    // moving updated_at backwards).
    await em.nativeUpdate(
      DeclarationSchema,
      { id: o.declarationId, updatedAt: { $lt: createdAt } },
      { updatedAt: createdAt },
    );
  },
};
