import { REBRANDED_COURSE_IDENTIFIERS } from '@npq/contracts';
import { pgArray, type EntityManager } from '@npq/service-kit';
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

/**
 * DfE's `previously_funded?` (docs/domain.md#funding-of-a-declaration), over finance's projection: the same
 * person has another accepted, funding-eligible application whose funded place is not false (`is null or`:
 * SQL's `<> false` would leave out the unknown ones), for the same course (ASO and EHCO count as one), at any
 * provider and in any cohort. Recomputed at declaration time because accepting ANOTHER application of the
 * person changes it without an event about this one. Its two parameters are the ASO/EHCO course list.
 */
const PREVIOUSLY_FUNDED = `exists (
  select 1 from finance.applications o
  where o.participant_id = a.participant_id and o.id <> a.id and o.status = 'accepted' and o.eligible_for_funding
    and (o.funded_place is null or o.funded_place)
    and (o.course_identifier = a.course_identifier
         or (a.course_identifier = any(?::text[]) and o.course_identifier = any(?::text[]))))`;

const SELECT_DECLARABLE = `select a.id, a.participant_id, a.lead_provider_id, a.course_identifier, a.cohort_identifier,
    a.cohort_start_year, a.schedule_identifier, a.funded_place, a.eligible_for_funding,
    a.targeted_delivery_funding_eligibility, a.teacher_catchment, a.school_urn, ${PREVIOUSLY_FUNDED} as previously_funded
  from finance.applications a`;

const REBRANDED = pgArray(REBRANDED_COURSE_IDENTIFIERS);

interface DeclarableRaw {
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

function toDeclarable(r: DeclarableRaw): DeclarableApplication {
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

/**
 * Reads of finance's projection of applications and people (written only by events/handlers.ts). Every
 * declaration create runs all of them, most twice (validation, then under the create lock).
 *
 * raw SQL: measured hot path. An ORM `findOne` costs 0.4–1 ms of CPU per call on the benchmark machine
 * against 0.15–0.2 ms for the same statement through `em.execute` (docs/performance.md, "The ORM's cost per
 * statement"); these lookups were most of the 3× CPU per declaration the ORM refactor cost.
 */
export class ApplicationQueries {
  constructor(private readonly em: EntityManager) {}

  /** The id a retired participant id was replaced with (the latest change), if any. */
  async participantChange(fromParticipantId: string): Promise<string | null> {
    // raw SQL: hot path, see the class comment.
    const rows: { to_participant_id: string }[] = await this.em.execute(
      `select to_participant_id from finance.participant_id_changes where from_participant_id = ?
       order by changed_at desc, id desc limit 1`,
      [fromParticipantId],
    );
    return rows[0]?.to_participant_id ?? null;
  }

  /** DfE's LP-scoped participant lookup: a person with at least one accepted application with the provider. */
  async isParticipantOfProvider(participantId: string, leadProviderId: string): Promise<boolean> {
    // raw SQL: hot path, see the class comment.
    const rows: unknown[] = await this.em.execute(
      `select 1 from finance.applications where participant_id = ? and lead_provider_id = ? and status = 'accepted' limit 1`,
      [participantId, leadProviderId],
    );
    return rows.length > 0;
  }

  /** Accepted application for the course (or its alternative) at ANY provider (DfE's course check). */
  async hasAcceptedApplicationForCourses(participantId: string, courses: string[]): Promise<boolean> {
    if (courses.length === 0) return false;
    // raw SQL: hot path, see the class comment.
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
    // raw SQL: hot path, see the class comment ("previously funded" in the same statement).
    const rows: DeclarableRaw[] = await this.em.execute(
      `${SELECT_DECLARABLE}
       where a.participant_id = ? and a.lead_provider_id = ? and a.status = 'accepted' and a.course_identifier = any(?::text[])
       order by a.created_at desc, a.id desc limit 1`,
      [REBRANDED, REBRANDED, participantId, leadProviderId, pgArray(courses)],
    );
    return rows[0] ? toDeclarable(rows[0]) : null;
  }

  async findApplication(applicationId: string): Promise<DeclarableApplication | null> {
    // raw SQL: hot path, see the class comment ("previously funded" in the same statement).
    const rows: DeclarableRaw[] = await this.em.execute(`${SELECT_DECLARABLE} where a.id = ?`, [
      REBRANDED,
      REBRANDED,
      applicationId,
    ]);
    return rows[0] ? toDeclarable(rows[0]) : null;
  }

  /** The application's most recent training status recorded BY this provider (others' are ignored). */
  async latestState(
    applicationId: string,
    leadProviderId: string,
  ): Promise<{ state: string; changedAt: Date } | null> {
    // raw SQL: hot path, see the class comment.
    const rows: { state: string; changed_at: Date }[] = await this.em.execute(
      `select state, changed_at from finance.application_states where application_id = ? and lead_provider_id = ?
       order by changed_at desc, version desc limit 1`,
      [applicationId, leadProviderId],
    );
    return rows[0] ? { state: rows[0].state, changedAt: new Date(rows[0].changed_at) } : null;
  }

  async trnOf(participantId: string): Promise<string | null> {
    // raw SQL: hot path, see the class comment.
    const rows: { trn: string | null }[] = await this.em.execute(
      `select trn from finance.people where id = ?`,
      [participantId],
    );
    return rows[0]?.trn ?? null;
  }
}
