import { LockMode } from '@mikro-orm/postgresql';
import {
  LIVE_DECLARATION_STATES,
  rebrandedAlternatives,
  type ApplicationStatus,
  type CourseIdentifier,
} from '@npq/contracts';
import type { EntityManager, SortKey } from '@npq/service-kit';
import { pgArray } from '@npq/service-kit';
import { DeclarationProjectionSchema } from '../declarations/entity';
import { PersonSchema, type Person } from '../people/entity';
import { ApplicationSchema, REBRANDED_COURSES_SQL as ALTERNATIVES, type Application } from './entity';
import type { FundingHistoryEntry } from './rules';
import type { ApplicationView } from './serializer';

/**
 * "Previously funded" (docs/domain.md, "Funding eligibility"; `isPreviouslyFunded` in rules.ts says the same):
 * the same person has another accepted, funding-eligible application for the same course (ASO and EHCO count
 * as one) whose funded place is not false. Any provider, any cohort.
 */
// raw SQL: part of the measured list and show queries (see ApplicationQueries).
const PREVIOUSLY_FUNDED = `exists (
  select 1 from applications.applications o
  where o.person_id = a.person_id and o.id <> a.id and o.status = 'accepted' and o.eligible_for_funding
    and (o.funded_place is null or o.funded_place)
    and (o.course_identifier = a.course_identifier
         or (a.course_identifier in ${ALTERNATIVES} and o.course_identifier in ${ALTERNATIVES})))`;

// raw SQL: the measured list and show queries' rows, with the person joined.
const SELECT = `
  select a.id, a.person_id, a.course_identifier, a.cohort_start_year, a.cohort_suffix, a.status,
    a.reason_for_rejection, a.eligible_for_funding, a.funding_eligibility_status_code,
    a.targeted_delivery_funding_eligibility, a.funding_choice, a.school_urn, a.school_ukprn,
    a.private_childcare_provider_urn, a.works_in_school, a.employer_name, a.employment_role,
    a.headteacher_status, a.teacher_catchment, a.teacher_catchment_country,
    a.teacher_catchment_iso_country_code, a.itt_provider, a.lead_mentor, a.works_as_senco,
    to_char(a.senco_start_date, 'YYYY-MM-DD') as senco_start_date, a.funded_place, a.schedule_identifier,
    a.created_at, a.updated_at, p.full_name, p.email, p.trn, p.trn_verified, p.significantly_updated_at,
    ${PREVIOUSLY_FUNDED} as previously_funded
  from applications.applications a
  join applications.people p on p.id = a.person_id`;

interface Row {
  id: string;
  person_id: string;
  course_identifier: string;
  cohort_start_year: number;
  cohort_suffix: string;
  status: ApplicationStatus;
  reason_for_rejection: string | null;
  eligible_for_funding: boolean;
  funding_eligibility_status_code: string | null;
  targeted_delivery_funding_eligibility: boolean;
  funding_choice: string | null;
  school_urn: string | null;
  school_ukprn: string | null;
  private_childcare_provider_urn: string | null;
  works_in_school: boolean | null;
  employer_name: string | null;
  employment_role: string | null;
  headteacher_status: string | null;
  teacher_catchment: string | null;
  teacher_catchment_country: string | null;
  teacher_catchment_iso_country_code: string | null;
  itt_provider: string | null;
  lead_mentor: boolean | null;
  works_as_senco: string | null;
  senco_start_date: string | null;
  funded_place: boolean | null;
  schedule_identifier: string | null;
  created_at: Date;
  updated_at: Date;
  full_name: string;
  email: string | null;
  trn: string | null;
  trn_verified: boolean;
  significantly_updated_at: Date;
  previously_funded: boolean;
}

function toView(r: Row): ApplicationView {
  return {
    id: r.id,
    personId: r.person_id,
    courseIdentifier: r.course_identifier,
    cohortStartYear: r.cohort_start_year,
    cohortSuffix: r.cohort_suffix,
    status: r.status,
    reasonForRejection: r.reason_for_rejection,
    eligibleForFunding: r.eligible_for_funding,
    fundingEligibilityStatusCode: r.funding_eligibility_status_code,
    targetedDeliveryFundingEligibility: r.targeted_delivery_funding_eligibility,
    fundingChoice: r.funding_choice,
    schoolUrn: r.school_urn,
    schoolUkprn: r.school_ukprn,
    privateChildcareProviderUrn: r.private_childcare_provider_urn,
    worksInSchool: r.works_in_school,
    employerName: r.employer_name,
    employmentRole: r.employment_role,
    headteacherStatus: r.headteacher_status,
    teacherCatchment: r.teacher_catchment,
    teacherCatchmentCountry: r.teacher_catchment_country,
    teacherCatchmentIsoCountryCode: r.teacher_catchment_iso_country_code,
    ittProvider: r.itt_provider,
    leadMentor: r.lead_mentor,
    worksAsSenco: r.works_as_senco,
    sencoStartDate: r.senco_start_date,
    fundedPlace: r.funded_place,
    scheduleIdentifier: r.schedule_identifier,
    createdAt: new Date(r.created_at),
    updatedAt: new Date(r.updated_at),
    fullName: r.full_name,
    email: r.email,
    trn: r.trn,
    trnVerified: r.trn_verified,
    significantlyUpdatedAt: new Date(r.significantly_updated_at),
    previouslyFunded: r.previously_funded,
  };
}

export interface ApplicationListQuery {
  leadProviderId: string;
  cohorts?: number[];
  participantIds?: string[];
  updatedSince?: Date;
  sort: SortKey[];
  limit: number;
  offset: number;
}

/** Sortable columns of the application list (DfE sorts on `applications.*` columns). */
export const APPLICATION_SORT_COLUMNS: Record<string, string> = {
  created_at: 'a.created_at',
  updated_at: 'a.updated_at',
};

/**
 * The application's data access. The resource reads (list, show) are one hand-written query each: the list
 * and show routes are the ones `pnpm bench` measures (docs/performance.md), and each needs the person joined
 * and "previously funded" computed per row in a single round trip. Everything else goes through the ORM.
 */
export class ApplicationQueries {
  constructor(private readonly em: EntityManager) {}

  /** Whether the provider has this application (the commands' 404 before the body is read). */
  async existsForProvider(id: string, leadProviderId: string): Promise<boolean> {
    return (await this.em.count(ApplicationSchema, { id, leadProviderId })) > 0;
  }

  /**
   * Whether the person (or, when their TRN is validated, anyone with that TRN) already has an accepted,
   * not withdrawn application for this course (ASO and EHCO count as one) in this cohort.
   */
  async anotherAcceptedExists(application: Application, person: Person): Promise<boolean> {
    const personIds = [person.id];
    if (person.trnVerified && person.trn) {
      const sameTrn = await this.em.find(PersonSchema, { trn: person.trn, id: { $ne: person.id } });
      personIds.push(...sameTrn.map((p) => p.id));
    }
    const found = await this.em.count(ApplicationSchema, {
      id: { $ne: application.id },
      personId: { $in: personIds },
      status: 'accepted',
      $or: [{ trainingStatus: null }, { trainingStatus: { $ne: 'withdrawn' } }],
      courseIdentifier: { $in: [...rebrandedAlternatives(application.courseIdentifier as CourseIdentifier)] },
      cohortIdentifier: application.cohortIdentifier,
    });
    return found > 0;
  }

  /** Live declarations (they will be, or have been, paid) block reject and change-funded-place. */
  async liveDeclarationsExist(applicationId: string): Promise<boolean> {
    const found = await this.em.count(DeclarationProjectionSchema, {
      applicationId,
      state: { $in: [...LIVE_DECLARATION_STATES] },
    });
    return found > 0;
  }

  /** The person's accepted applications: what "previously funded" looks at. */
  async fundingHistory(personId: string): Promise<FundingHistoryEntry[]> {
    return this.em.find(ApplicationSchema, { personId, status: 'accepted' });
  }

  /**
   * Every other application of the person for exactly this course and cohort, at any provider and in any
   * status, locked for update in id order (accept rejects them).
   */
  async siblingsForUpdate(application: Application): Promise<Application[]> {
    return this.em.find(
      ApplicationSchema,
      {
        personId: application.personId,
        courseIdentifier: application.courseIdentifier,
        cohortIdentifier: application.cohortIdentifier,
        id: { $ne: application.id },
      },
      { lockMode: LockMode.PESSIMISTIC_WRITE, orderBy: { id: 'asc' } },
    );
  }

  /**
   * One page of the provider's applications, ordered with an id tie-break. The page's ids are chosen first
   * (an index range scan, LIMIT/OFFSET on ids only); the joins and the per-row "previously funded" check
   * then run for those rows alone, so a deep page costs no more than the first.
   */
  async list(q: ApplicationListQuery): Promise<ApplicationView[]> {
    const where = ['a.lead_provider_id = ?'];
    const params: unknown[] = [q.leadProviderId];
    if (q.cohorts) {
      where.push('a.cohort_start_year = any(?::int[])');
      params.push(pgArray(q.cohorts));
    }
    if (q.participantIds) {
      where.push('a.person_id = any(?::uuid[])');
      params.push(pgArray(q.participantIds));
    }
    if (q.updatedSince) {
      // Two index-driven branches instead of an OR across tables (which scans the provider's rows):
      // applications changed since, and applications of people significantly changed since.
      where.push(`a.id in (
        select u.id from applications.applications u where u.lead_provider_id = ? and u.updated_at >= ?
        union
        select s.id from applications.people p join applications.applications s on s.person_id = p.id
        where p.significantly_updated_at >= ? and s.lead_provider_id = ?)`);
      params.push(q.leadProviderId, q.updatedSince, q.updatedSince, q.leadProviderId);
    }
    const order = [...q.sort.map((k) => `${k.column} ${k.direction}`), 'a.id asc'].join(', ');
    params.push(q.limit, q.offset);
    // raw SQL: the measured list query (docs/performance.md): ids of the page first, then the joined rows.
    const rows: Row[] = await this.em.execute(
      `with page as (
         select a.id, row_number() over (order by ${order}) as position
         from applications.applications a where ${where.join(' and ')} order by ${order} limit ? offset ?
       )
       ${SELECT} join page on page.id = a.id order by page.position`,
      params,
    );
    return rows.map(toView);
  }

  async findForProvider(id: string, leadProviderId: string): Promise<ApplicationView | null> {
    // raw SQL: the measured show query: person and "previously funded" in the same round trip.
    const rows: Row[] = await this.em.execute(`${SELECT} where a.id = ? and a.lead_provider_id = ?`, [
      id,
      leadProviderId,
    ]);
    return rows[0] ? toView(rows[0]) : null;
  }

  async findById(id: string): Promise<ApplicationView | null> {
    // raw SQL: the show query without the provider scope (the answer to a command or intake).
    const rows: Row[] = await this.em.execute(`${SELECT} where a.id = ?`, [id]);
    return rows[0] ? toView(rows[0]) : null;
  }
}
