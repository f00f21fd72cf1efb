import { LockMode } from '@mikro-orm/postgresql';
import type { TrainingStatus } from '@npq/contracts';
import type { EntityManager } from '@npq/service-kit';
import { ApplicationRecordSchema, type ApplicationRecord } from '../applications/entity';
import { ApplicationStateSchema, EnrolmentSchema, type Enrolment } from './entity';

/** An accepted application and its enrolment: what a participant action changes. */
export interface EnrolmentOfApplication {
  application: ApplicationRecord;
  enrolment: Enrolment;
}

export class EnrolmentRepository {
  constructor(private readonly em: EntityManager) {}

  /**
   * The provider's accepted application of the participant for exactly this course (DfE's `find_by`: the
   * first one), its enrolment locked for the rest of the transaction so commands on it run one at a time
   * (docs/domain.md, "Changing a resource").
   */
  async lockForCommand(
    participantId: string,
    leadProviderId: string,
    courseIdentifier: string,
  ): Promise<EnrolmentOfApplication | null> {
    const applications = await this.em.find(
      ApplicationRecordSchema,
      { participantId, leadProviderId, status: 'accepted', courseIdentifier },
      { orderBy: { createdAt: 'asc', id: 'asc' } },
    );
    if (applications.length === 0) return null;
    const opened = new Set(
      (
        await this.em.find(
          EnrolmentSchema,
          { id: { $in: applications.map((a) => a.id) } },
          { fields: ['id'] },
        )
      ).map((e) => e.id),
    );
    const first = applications.find((a) => opened.has(a.id));
    if (!first) return null;
    const enrolment = await this.em.findOne(
      EnrolmentSchema,
      { id: first.id },
      { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true },
    );
    // Re-checked under the lock: the application may have changed while we waited.
    const application = await this.em.findOne(ApplicationRecordSchema, { id: first.id }, { refresh: true });
    return enrolment &&
      application?.participantId === participantId &&
      application.leadProviderId === leadProviderId
      ? { application, enrolment }
      : null;
  }

  /** A new training status and its state row, made by this provider. */
  changeTrainingStatus(
    target: EnrolmentOfApplication,
    change: { state: TrainingStatus; reason: string | null; leadProviderId: string; at: Date },
  ): void {
    this.em.create(ApplicationStateSchema, {
      applicationId: target.enrolment.id,
      leadProviderId: change.leadProviderId,
      state: change.state,
      reason: change.reason,
      createdAt: change.at,
    });
    target.enrolment.trainingStatus = change.state;
    this.touch(target, change.at);
  }

  changeSchedule(
    target: EnrolmentOfApplication,
    change: { scheduleIdentifier: string; cohortIdentifier: string; fundedPlace: boolean | null; at: Date },
  ): void {
    Object.assign(target.enrolment, {
      scheduleIdentifier: change.scheduleIdentifier,
      cohortIdentifier: change.cohortIdentifier,
      fundedPlace: change.fundedPlace,
    });
    this.touch(target, change.at);
  }

  /**
   * Writes the changes; the enrolment's version moves on (optimistic lock: a write it did not see fails
   * the command instead of being overwritten). Returns the new version, which its events carry.
   */
  async save(target: EnrolmentOfApplication): Promise<number> {
    await this.em.flush();
    return target.enrolment.version;
  }

  /** The enrolment changed, and so did the application (DfE writes both on one row). */
  private touch(target: EnrolmentOfApplication, at: Date): void {
    target.enrolment.updatedAt = at;
    target.application.updatedAt = at;
  }
}
