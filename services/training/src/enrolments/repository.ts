import type { EntityManager } from '@npq/service-kit';
import type { TrainingStatus } from '@npq/contracts';

/** An accepted application's enrolment, joined with the application it belongs to. */
export interface EnrolmentRow {
  id: string;
  participant_id: string;
  lead_provider_id: string;
  course_identifier: string;
  schedule_identifier: string | null;
  cohort_identifier: string;
  funded_place: boolean | null;
  eligible_for_funding: boolean;
  training_status: TrainingStatus;
  version: number;
}

export class EnrolmentRepository {
  constructor(private readonly em: EntityManager) {}

  /**
   * The provider's accepted application of the participant for exactly this course (DfE's `find_by`: the
   * first one), its enrolment locked for the rest of the transaction so commands on it run one at a time.
   */
  async lockForCommand(
    participantId: string,
    leadProviderId: string,
    courseIdentifier: string,
  ): Promise<EnrolmentRow | null> {
    const found: { id: string }[] = await this.em.execute(
      `select a.id from training.applications a join training.enrolments e on e.id = a.id
       where a.participant_id = ? and a.lead_provider_id = ? and a.status = 'accepted' and a.course_identifier = ?
       order by a.created_at, a.id limit 1`,
      [participantId, leadProviderId, courseIdentifier],
    );
    if (!found[0]) return null;
    const rows: EnrolmentRow[] = await this.em.execute(
      `select e.id, a.participant_id, a.lead_provider_id, a.course_identifier, e.schedule_identifier, e.cohort_identifier,
         e.funded_place, e.eligible_for_funding, e.training_status, e.version
       from training.enrolments e join training.applications a on a.id = e.id
       where e.id = ? for update of e`,
      [found[0].id],
    );
    const row = rows[0];
    // Re-checked under the lock: the application may have changed while we waited.
    return row && row.participant_id === participantId && row.lead_provider_id === leadProviderId
      ? row
      : null;
  }

  /** A new training status and its state row; the enrolment's version moves on. Returns the new version. */
  async changeTrainingStatus(
    enrolment: EnrolmentRow,
    change: { state: TrainingStatus; reason: string | null; leadProviderId: string; at: Date },
  ): Promise<number> {
    await this.em.execute(
      `insert into training.application_states (application_id, lead_provider_id, state, reason, created_at) values (?, ?, ?, ?, ?)`,
      [enrolment.id, change.leadProviderId, change.state, change.reason, change.at],
    );
    return this.update(enrolment, { training_status: change.state }, change.at);
  }

  async changeSchedule(
    enrolment: EnrolmentRow,
    change: { scheduleIdentifier: string; cohortIdentifier: string; fundedPlace: boolean | null; at: Date },
  ): Promise<number> {
    return this.update(
      enrolment,
      {
        schedule_identifier: change.scheduleIdentifier,
        cohort_identifier: change.cohortIdentifier,
        funded_place: change.fundedPlace,
      },
      change.at,
    );
  }

  /** The enrolment change, plus the application's `updated_at` (DfE writes both on one row). */
  private async update(enrolment: EnrolmentRow, columns: Record<string, unknown>, at: Date): Promise<number> {
    const names = Object.keys(columns);
    const rows: { version: number }[] = await this.em.execute(
      `update training.enrolments set ${names.map((n) => `${n} = ?`).join(', ')}, version = version + 1, updated_at = ?
       where id = ? returning version`,
      [...names.map((n) => columns[n]), at, enrolment.id],
    );
    await this.em.execute(`update training.applications set updated_at = ? where id = ?`, [at, enrolment.id]);
    return rows[0]!.version;
  }
}
