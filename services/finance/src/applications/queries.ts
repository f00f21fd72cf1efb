import { REBRANDED_COURSE_IDENTIFIERS } from '@npq/contracts';
import { pgArray, sqlList, type EntityManager } from '@npq/service-kit';
import type { ApplicationRow } from './entity';

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

const ALTERNATIVES = sqlList(REBRANDED_COURSE_IDENTIFIERS);

/**
 * DfE's `previously_funded?`, computed over finance's projection: the same person has another accepted,
 * funding-eligible application whose funded place is not false, for the same course (ASO and EHCO count as
 * one), at any provider and in any cohort. Recomputed at declaration time because accepting ANOTHER
 * application of the person changes it without an event about this one.
 */
const PREVIOUSLY_FUNDED = `exists (
  select 1 from finance.applications o
  where o.participant_id = a.participant_id and o.id <> a.id and o.status = 'accepted' and o.eligible_for_funding
    and (o.funded_place is null or o.funded_place)
    and (o.course_identifier = a.course_identifier
         or (a.course_identifier in ${ALTERNATIVES} and o.course_identifier in ${ALTERNATIVES})))`;

/** The columns of a DeclarableApplication (`ApplicationRowRaw`). */
const SELECT_DECLARABLE = `select a.id, a.participant_id, a.lead_provider_id, a.course_identifier, a.cohort_identifier,
    a.cohort_start_year, a.schedule_identifier, a.funded_place, a.eligible_for_funding,
    a.targeted_delivery_funding_eligibility, a.teacher_catchment, a.school_urn, ${PREVIOUSLY_FUNDED} as previously_funded
  from finance.applications a`;

interface ApplicationRowRaw {
  id: string;
  participant_id: string;
  lead_provider_id: string;
  course_identifier: string;
  cohort_identifier: string;
  cohort_start_year: number;
  schedule_identifier: string | null;
  funded_place: boolean | null;
  eligible_for_funding: boolean;
  targeted_delivery_funding_eligibility: boolean;
  teacher_catchment: string | null;
  school_urn: string | null;
  previously_funded: boolean;
}

function toDeclarable(r: ApplicationRowRaw): DeclarableApplication {
  return {
    id: r.id,
    participantId: r.participant_id,
    leadProviderId: r.lead_provider_id,
    courseIdentifier: r.course_identifier,
    cohortIdentifier: r.cohort_identifier,
    cohortStartYear: r.cohort_start_year,
    scheduleIdentifier: r.schedule_identifier,
    fundedPlace: r.funded_place,
    eligibleForFunding: r.eligible_for_funding,
    targetedDeliveryFundingEligibility: r.targeted_delivery_funding_eligibility,
    teacherCatchment: r.teacher_catchment,
    schoolUrn: r.school_urn,
    previouslyFunded: r.previously_funded,
  };
}

export class ApplicationQueries {
  constructor(private readonly em: EntityManager) {}

  /** The id a retired participant id was replaced with (the latest change), if any. */
  async participantChange(fromParticipantId: string): Promise<string | null> {
    const rows: { to_participant_id: string }[] = await this.em.execute(
      `select to_participant_id from finance.participant_id_changes where from_participant_id = ? order by changed_at desc, id desc limit 1`,
      [fromParticipantId],
    );
    return rows[0]?.to_participant_id ?? null;
  }

  /** DfE's LP-scoped participant lookup: a person with at least one accepted application with the provider. */
  async isParticipantOfProvider(participantId: string, leadProviderId: string): Promise<boolean> {
    const rows: unknown[] = await this.em.execute(
      `select 1 from finance.applications where participant_id = ? and lead_provider_id = ? and status = 'accepted' limit 1`,
      [participantId, leadProviderId],
    );
    return rows.length > 0;
  }

  /** Accepted application for the course (or its alternative) at ANY provider (DfE's course check). */
  async hasAcceptedApplicationForCourses(participantId: string, courses: string[]): Promise<boolean> {
    if (courses.length === 0) return false;
    const rows: unknown[] = await this.em.execute(
      `select 1 from finance.applications where participant_id = ? and status = 'accepted' and course_identifier = any(?::text[]) limit 1`,
      [participantId, pgArray(courses)],
    );
    return rows.length > 0;
  }

  /** The participant's newest accepted application with the provider for the course or its alternative. */
  async findDeclarableApplication(
    participantId: string,
    leadProviderId: string,
    courses: string[],
  ): Promise<DeclarableApplication | null> {
    if (courses.length === 0) return null;
    const rows: ApplicationRowRaw[] = await this.em.execute(
      `${SELECT_DECLARABLE}
       where a.participant_id = ? and a.lead_provider_id = ? and a.status = 'accepted' and a.course_identifier = any(?::text[])
       order by a.created_at desc, a.id desc limit 1`,
      [participantId, leadProviderId, pgArray(courses)],
    );
    return rows[0] ? toDeclarable(rows[0]) : null;
  }

  async findApplication(applicationId: string): Promise<DeclarableApplication | null> {
    const rows: ApplicationRowRaw[] = await this.em.execute(`${SELECT_DECLARABLE} where a.id = ?`, [
      applicationId,
    ]);
    return rows[0] ? toDeclarable(rows[0]) : null;
  }

  /** The application's most recent training status recorded BY this provider (others' are ignored). */
  async latestState(
    applicationId: string,
    leadProviderId: string,
  ): Promise<{ state: string; changedAt: Date } | null> {
    const rows: { state: string; changed_at: Date }[] = await this.em.execute(
      `select state, changed_at from finance.application_states where application_id = ? and lead_provider_id = ?
       order by changed_at desc, version desc limit 1`,
      [applicationId, leadProviderId],
    );
    return rows[0] ? { state: rows[0].state, changedAt: new Date(rows[0].changed_at) } : null;
  }

  async trnOf(participantId: string): Promise<string | null> {
    const rows: { trn: string | null }[] = await this.em.execute(
      `select trn from finance.people where id = ?`,
      [participantId],
    );
    return rows[0]?.trn ?? null;
  }
}
