import { EntitySchema } from '@mikro-orm/postgresql';
import { APPLICATION_STATUSES, REBRANDED_COURSE_IDENTIFIERS, type ApplicationStatus } from '@npq/contracts';

/** ASO and EHCO, one course for acceptance and funding, as a SQL list: `('npq-additional-support-offer', …)`. */
export const REBRANDED_COURSES_SQL = `(${REBRANDED_COURSE_IDENTIFIERS.map((c) => `'${c}'`).join(', ')})`;

/**
 * An NPQ application of one person to one lead provider for one course and cohort (states and who changes
 * what: docs/domain.md, "Application states").
 */
export class Application {
  id!: string;
  personId!: string;
  leadProviderId!: string;
  courseIdentifier!: string;
  /** e.g. "2025a"; start year and suffix are kept alongside for filtering and display. */
  cohortIdentifier!: string;
  cohortStartYear!: number;
  cohortSuffix!: string;
  status: ApplicationStatus = 'pending';
  reasonForRejection: string | null = null;
  eligibleForFunding = false;
  fundingEligibilityStatusCode: string | null = null;
  targetedDeliveryFundingEligibility = false;
  fundingChoice: string | null = null;
  schoolUrn: string | null = null;
  schoolUkprn: string | null = null;
  privateChildcareProviderUrn: string | null = null;
  worksInSchool: boolean | null = null;
  employerName: string | null = null;
  employmentRole: string | null = null;
  headteacherStatus: string | null = null;
  /** Raw catchment; the API shows `teacher_catchment` as "inside the UK and islands". */
  teacherCatchment: string | null = null;
  teacherCatchmentCountry: string | null = null;
  teacherCatchmentIsoCountryCode: string | null = null;
  ittProvider: string | null = null;
  leadMentor: boolean | null = null;
  worksAsSenco: string | null = null;
  sencoStartDate: string | null = null;
  fundedPlace: boolean | null = null;
  scheduleIdentifier: string | null = null;
  acceptedAt: Date | null = null;
  /** Projection of the enrolment's training status (owned by training). */
  trainingStatus: string | null = null;
  /** Version of the last enrolment event applied (training owns the enrolment). */
  enrolmentVersion = 0;
  createdAt: Date = new Date();
  updatedAt: Date = new Date();
  version = 1;
}

/** What an intake says about the application beyond who, which provider, course and cohort (stored as given). */
export type ApplicationDetails = Pick<
  Application,
  | 'eligibleForFunding'
  | 'targetedDeliveryFundingEligibility'
  | 'fundingChoice'
  | 'schoolUrn'
  | 'schoolUkprn'
  | 'privateChildcareProviderUrn'
  | 'worksInSchool'
  | 'employerName'
  | 'employmentRole'
  | 'headteacherStatus'
  | 'teacherCatchment'
  | 'teacherCatchmentCountry'
  | 'teacherCatchmentIsoCountryCode'
  | 'ittProvider'
  | 'leadMentor'
  | 'worksAsSenco'
  | 'sencoStartDate'
  | 'fundedPlace'
>;

export const ApplicationSchema = new EntitySchema<Application>({
  class: Application,
  tableName: 'applications',
  properties: {
    id: { type: 'uuid', primary: true },
    personId: { type: 'uuid', index: 'applications_person_idx' },
    leadProviderId: { type: 'uuid' },
    courseIdentifier: { type: 'string', length: 60 },
    cohortIdentifier: { type: 'string', length: 5 },
    cohortStartYear: { type: 'integer' },
    cohortSuffix: { type: 'string', length: 1 },
    status: { enum: true, items: [...APPLICATION_STATUSES] },
    reasonForRejection: { type: 'string', length: 60, nullable: true },
    eligibleForFunding: { type: 'boolean' },
    fundingEligibilityStatusCode: { type: 'string', length: 60, nullable: true },
    targetedDeliveryFundingEligibility: { type: 'boolean' },
    fundingChoice: { type: 'string', length: 20, nullable: true },
    schoolUrn: { type: 'string', length: 20, nullable: true },
    schoolUkprn: { type: 'string', length: 20, nullable: true },
    privateChildcareProviderUrn: { type: 'string', length: 20, nullable: true },
    worksInSchool: { type: 'boolean', nullable: true },
    employerName: { type: 'text', nullable: true },
    employmentRole: { type: 'text', nullable: true },
    headteacherStatus: { type: 'string', length: 40, nullable: true },
    teacherCatchment: { type: 'string', length: 40, nullable: true },
    teacherCatchmentCountry: { type: 'text', nullable: true },
    teacherCatchmentIsoCountryCode: { type: 'string', length: 3, nullable: true },
    ittProvider: { type: 'text', nullable: true },
    leadMentor: { type: 'boolean', nullable: true },
    worksAsSenco: { type: 'string', length: 40, nullable: true },
    sencoStartDate: { type: 'date', nullable: true },
    fundedPlace: { type: 'boolean', nullable: true },
    scheduleIdentifier: { type: 'string', length: 40, nullable: true },
    acceptedAt: { type: 'Date', columnType: 'timestamptz', nullable: true },
    trainingStatus: { type: 'string', length: 20, nullable: true },
    enrolmentVersion: { type: 'integer', default: 0 },
    createdAt: { type: 'Date', columnType: 'timestamptz' },
    updatedAt: { type: 'Date', columnType: 'timestamptz' },
    version: { type: 'integer', version: true },
  },
  indexes: [
    // Provider-scoped lists in default and updated_at order (keyset-friendly, id tie-break).
    { name: 'applications_lp_created_idx', properties: ['leadProviderId', 'createdAt', 'id'] },
    { name: 'applications_lp_updated_idx', properties: ['leadProviderId', 'updatedAt', 'id'] },
    {
      name: 'applications_person_course_cohort_idx',
      properties: ['personId', 'courseIdentifier', 'cohortIdentifier'],
    },
    {
      name: 'applications_one_accepted_per_course_idx',
      // The database's own guarantee that a person is never accepted twice for one course (ASO and EHCO
      // count as one) in one cohort, whichever provider accepts: the backstop behind the accept lock.
      // raw SQL: a partial unique index over an expression has no declarative form.
      expression: (c, table, indexName) =>
        `create unique index "${indexName}" on ${String(table)} ("${c.personId}", (case when "${c.courseIdentifier}" in ${REBRANDED_COURSES_SQL} then 'ehco-aso' else "${c.courseIdentifier}" end), "${c.cohortIdentifier}") where "${c.status}" = 'accepted' and coalesce("${c.trainingStatus}", 'active') <> 'withdrawn'`,
    },
  ],
});
