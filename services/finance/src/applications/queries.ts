import type { EntityManager } from '@npq/service-kit';
import { courseAlternatives } from '../declarations/rules';
import {
  ApplicationSchema,
  ApplicationStateSchema,
  ParticipantIdChangeSchema,
  PersonSchema,
  type ApplicationRow,
} from './entity';

/** An accepted application as the declaration rules need it, with finance's own "previously funded". */
export type DeclarableApplication = Pick<
  ApplicationRow,
  | 'id'
  | 'participantId'
  | 'leadProviderId'
  | 'courseIdentifier'
  | 'cohortIdentifier'
  | 'cohortStartYear'
  | 'scheduleIdentifier'
  | 'fundedPlace'
  | 'eligibleForFunding'
  | 'targetedDeliveryFundingEligibility'
  | 'teacherCatchment'
  | 'schoolUrn'
> & { previouslyFunded: boolean };

/** Reads of finance's projection of applications and people (written only by events/handlers.ts). */
export class ApplicationQueries {
  constructor(private readonly em: EntityManager) {}

  /** The id a retired participant id was replaced with (the latest change), if any. */
  async participantChange(fromParticipantId: string): Promise<string | null> {
    const change = await this.em.findOne(
      ParticipantIdChangeSchema,
      { fromParticipantId },
      { orderBy: { changedAt: 'desc', id: 'desc' }, fields: ['toParticipantId'] },
    );
    return change?.toParticipantId ?? null;
  }

  /** DfE's LP-scoped participant lookup: a person with at least one accepted application with the provider. */
  async isParticipantOfProvider(participantId: string, leadProviderId: string): Promise<boolean> {
    const found = await this.em.findOne(
      ApplicationSchema,
      { participantId, leadProviderId, status: 'accepted' },
      { fields: ['id'] },
    );
    return found !== null;
  }

  /** Accepted application for the course (or its alternative) at ANY provider (DfE's course check). */
  async hasAcceptedApplicationForCourses(participantId: string, courses: string[]): Promise<boolean> {
    if (courses.length === 0) return false;
    const found = await this.em.findOne(
      ApplicationSchema,
      { participantId, status: 'accepted', courseIdentifier: { $in: courses } },
      { fields: ['id'] },
    );
    return found !== null;
  }

  /**
   * DfE's `previously_funded?` (docs/domain.md#funding-of-a-declaration), over finance's projection: the same person has
   * another accepted, funding-eligible application whose funded place is not false, for the same course
   * (ASO and EHCO count as one), at any provider and in any cohort. Recomputed at declaration time because
   * accepting ANOTHER application of the person changes it without an event about this one.
   */
  private async withPreviouslyFunded(a: ApplicationRow): Promise<DeclarableApplication> {
    const sameCourse = courseAlternatives(a.courseIdentifier);
    const other = await this.em.findOne(
      ApplicationSchema,
      {
        participantId: a.participantId,
        id: { $ne: a.id },
        status: 'accepted',
        eligibleForFunding: true,
        // Not `$ne: false`: SQL's `<> false` would leave out the unknown (null) funded places.
        $or: [{ fundedPlace: null }, { fundedPlace: true }],
        courseIdentifier: { $in: sameCourse.length > 0 ? sameCourse : [a.courseIdentifier] },
      },
      { fields: ['id'] },
    );
    return {
      id: a.id,
      participantId: a.participantId,
      leadProviderId: a.leadProviderId,
      courseIdentifier: a.courseIdentifier,
      cohortIdentifier: a.cohortIdentifier,
      cohortStartYear: a.cohortStartYear,
      scheduleIdentifier: a.scheduleIdentifier,
      fundedPlace: a.fundedPlace,
      eligibleForFunding: a.eligibleForFunding,
      targetedDeliveryFundingEligibility: a.targetedDeliveryFundingEligibility,
      teacherCatchment: a.teacherCatchment,
      schoolUrn: a.schoolUrn,
      previouslyFunded: other !== null,
    };
  }

  /** The participant's newest accepted application with the provider for the course or its alternative. */
  async findDeclarableApplication(
    participantId: string,
    leadProviderId: string,
    courses: string[],
  ): Promise<DeclarableApplication | null> {
    if (courses.length === 0) return null;
    const a = await this.em.findOne(
      ApplicationSchema,
      { participantId, leadProviderId, status: 'accepted', courseIdentifier: { $in: courses } },
      { orderBy: { createdAt: 'desc', id: 'desc' } },
    );
    return a ? this.withPreviouslyFunded(a) : null;
  }

  async findApplication(applicationId: string): Promise<DeclarableApplication | null> {
    const a = await this.em.findOne(ApplicationSchema, { id: applicationId });
    return a ? this.withPreviouslyFunded(a) : null;
  }

  /** The application's most recent training status recorded BY this provider (others' are ignored). */
  async latestState(
    applicationId: string,
    leadProviderId: string,
  ): Promise<{ state: string; changedAt: Date } | null> {
    const latest = await this.em.findOne(
      ApplicationStateSchema,
      { applicationId, leadProviderId },
      { orderBy: { changedAt: 'desc', version: 'desc' }, fields: ['state', 'changedAt'] },
    );
    return latest ? { state: latest.state, changedAt: latest.changedAt } : null;
  }

  async trnOf(participantId: string): Promise<string | null> {
    const person = await this.em.findOne(PersonSchema, { id: participantId }, { fields: ['trn'] });
    return person?.trn ?? null;
  }
}
