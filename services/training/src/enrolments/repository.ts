import type { TrainingStatus } from '@npq/contracts';
import { writeChanges, type EntityManager } from '@npq/service-kit';
import { ApplicationRecordSchema, type ApplicationRecord } from '../applications/entity';
import { EnrolmentSchema, type Enrolment } from './entity';

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
    // raw SQL: measured hot path (every participant action). The ORM form (find the applications, find their
    // enrolments, a locking findOne, a refreshing findOne) cost 3–4 ms of CPU per action on the benchmark
    // machine; these two statements about 0.5 ms (docs/performance.md, "The ORM's cost per statement").
    // The first finds and locks the enrolment in one statement (the id is chosen before the lock is taken,
    // as a separate lookup would). The two rows become entities with `em.map`; the command's changes are
    // written by `write` below, the enrolment with its version check.
    const enrolments: Record<string, unknown>[] = await this.em.execute(
      `select * from training.enrolments where id = (
         select a.id from training.applications a join training.enrolments e on e.id = a.id
         where a.participant_id = ? and a.lead_provider_id = ? and a.status = 'accepted' and a.course_identifier = ?
         order by a.created_at, a.id limit 1)
       for update`,
      [participantId, leadProviderId, courseIdentifier],
    );
    if (!enrolments[0]) return null;
    // Re-checked under the lock: the application may have changed while we waited.
    const applications: Record<string, unknown>[] = await this.em.execute(
      'select * from training.applications where id = ?',
      [enrolments[0].id],
    );
    if (!applications[0]) return null;
    const application = this.em.map(ApplicationRecordSchema, applications[0]);
    if (application.participantId !== participantId || application.leadProviderId !== leadProviderId)
      return null;
    return { application, enrolment: this.em.map(EnrolmentSchema, enrolments[0]) };
  }

  /**
   * A new training status and its state row, made by this provider. Returns the enrolment's new version,
   * which its events carry.
   */
  async changeTrainingStatus(
    target: EnrolmentOfApplication,
    change: { state: TrainingStatus; reason: string | null; leadProviderId: string; at: Date },
  ): Promise<number> {
    // raw SQL: append-only history row on a hot path (defer, resume, withdraw); in the unit of work its
    // change set and flush cost more CPU than the statement (docs/performance.md, "The ORM's cost per
    // statement").
    await this.em.execute(
      'insert into training.application_states (application_id, lead_provider_id, state, reason, created_at) values (?, ?, ?, ?, ?)',
      [target.enrolment.id, change.leadProviderId, change.state, change.reason, change.at],
    );
    target.enrolment.trainingStatus = change.state;
    return this.write(target, ['trainingStatus'], change.at);
  }

  /** A new schedule, cohort and funded place; returns the enrolment's new version. */
  changeSchedule(
    target: EnrolmentOfApplication,
    change: { scheduleIdentifier: string; cohortIdentifier: string; fundedPlace: boolean | null; at: Date },
  ): Promise<number> {
    Object.assign(target.enrolment, {
      scheduleIdentifier: change.scheduleIdentifier,
      cohortIdentifier: change.cohortIdentifier,
      fundedPlace: change.fundedPlace,
    });
    return this.write(target, ['scheduleIdentifier', 'cohortIdentifier', 'fundedPlace'], change.at);
  }

  /**
   * Writes the changed columns. The enrolment's version moves on (optimistic lock: a write it did not see
   * fails the command instead of being overwritten); the application changes too (DfE writes both on one
   * row). One statement each rather than the flush: every participant action takes this path, which
   * `pnpm bench` measures (docs/performance.md, "Writing changed rows").
   */
  private async write(
    target: EnrolmentOfApplication,
    changed: (keyof Enrolment)[],
    at: Date,
  ): Promise<number> {
    target.enrolment.updatedAt = at;
    target.application.updatedAt = at;
    await writeChanges(this.em, target.enrolment, [...changed, 'updatedAt']);
    await writeChanges(this.em, target.application, ['updatedAt']);
    return target.enrolment.version;
  }
}
