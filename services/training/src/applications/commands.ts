import type { ApplicationSnapshotV1, EventEnvelope, EventName } from '@npq/contracts';
import { upsertRow, type EntityManager } from '@npq/service-kit';
import { ApplicationStateSchema, EnrolmentSchema } from '../enrolments/entity';
import { PersonRepository } from '../people/repository';
import { ApplicationRecordSchema } from './entity';

type ApplicationEventName = Extract<
  EventName,
  'application.created' | 'application.accepted' | 'application.rejected' | 'application.funded-place-changed'
>;

/**
 * Applies an application snapshot (docs/domain.md, "Projections"): the application row (in version order),
 * and the enrolment of an accepted application. The enrolment is opened by the first snapshot that shows
 * the application accepted (normally `application.accepted`, but any later one will do if events cross),
 * with its initial `active` state row. After that, schedule, cohort and training status belong to
 * training and application snapshots only refresh the columns applications owns (funded place only on
 * change-funded-place). Inserts are single upserts so that two replicas applying snapshots of one
 * application at once cannot both insert it.
 */
export async function applyApplicationSnapshot(
  em: EntityManager,
  envelope: EventEnvelope<ApplicationEventName>,
): Promise<void> {
  const a: ApplicationSnapshotV1 = envelope.data.application;
  const version = envelope.aggregateVersion;
  await upsertRow(
    em,
    ApplicationRecordSchema,
    {
      id: a.applicationId,
      participantId: await new PersonRepository(em).currentParticipantId(a.participantId),
      leadProviderId: a.leadProviderId,
      courseIdentifier: a.courseIdentifier,
      status: a.status,
      createdAt: new Date(a.createdAt),
      updatedAt: new Date(a.updatedAt),
      version,
    },
    {
      update: ['participantId', 'leadProviderId', 'courseIdentifier', 'status', 'updatedAt', 'version'],
      onlyIf: { property: 'version', storedIs: '<' },
    },
  );

  if (a.status === 'accepted' && a.acceptedAt) {
    const acceptedAt = new Date(a.acceptedAt);
    const opened = await upsertRow(
      em,
      EnrolmentSchema,
      {
        id: a.applicationId,
        scheduleIdentifier: a.scheduleIdentifier,
        cohortIdentifier: a.cohortIdentifier,
        fundedPlace: a.fundedPlace,
        eligibleForFunding: a.eligibleForFunding,
        targetedDeliveryFundingEligibility: a.targetedDeliveryFundingEligibility,
        schoolUrn: a.schoolUrn,
        acceptedAt,
        trainingStatus: 'active',
        applicationVersion: version,
        version: 1,
        createdAt: acceptedAt,
        updatedAt: acceptedAt,
      },
      { update: [] },
    );
    if (opened) {
      em.create(ApplicationStateSchema, {
        applicationId: a.applicationId,
        leadProviderId: a.leadProviderId,
        state: 'active',
        reason: null,
        createdAt: acceptedAt,
      });
      await em.flush();
      return;
    }
  }

  // A pending snapshot never reaches an enrolment: the enrolment is opened by an accepted snapshot, which
  // follows every pending one (docs/domain.md, "Application states"), so its application version is already
  // past this one.
  if (a.status === 'pending') return;

  // The columns applications owns, in its version order. (Like every write, this moves the enrolment's
  // optimistic-lock version on.)
  await em.nativeUpdate(
    EnrolmentSchema,
    { id: a.applicationId, applicationVersion: { $lt: version } },
    {
      eligibleForFunding: a.eligibleForFunding,
      targetedDeliveryFundingEligibility: a.targetedDeliveryFundingEligibility,
      schoolUrn: a.schoolUrn,
      applicationVersion: version,
      ...(envelope.name === 'application.funded-place-changed' ? { fundedPlace: a.fundedPlace } : {}),
    },
  );
}
