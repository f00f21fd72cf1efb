import { teacherCatchmentFlag, type ApiComponents } from '@npq/contracts';
import { toRfc3339 } from '@npq/service-kit';

type Schemas = ApiComponents['schemas'];
export type ApplicationResource = Schemas['Application'];

/** One application joined with its person and the derived "previously funded" flag. */
export interface ApplicationView {
  id: string;
  personId: string;
  courseIdentifier: string;
  cohortStartYear: number;
  cohortSuffix: string;
  status: string;
  reasonForRejection: string | null;
  eligibleForFunding: boolean;
  fundingEligibilityStatusCode: string | null;
  targetedDeliveryFundingEligibility: boolean;
  fundingChoice: string | null;
  schoolUrn: string | null;
  schoolUkprn: string | null;
  privateChildcareProviderUrn: string | null;
  worksInSchool: boolean | null;
  employerName: string | null;
  employmentRole: string | null;
  headteacherStatus: string | null;
  teacherCatchment: string | null;
  teacherCatchmentCountry: string | null;
  teacherCatchmentIsoCountryCode: string | null;
  ittProvider: string | null;
  leadMentor: boolean | null;
  worksAsSenco: string | null;
  sencoStartDate: string | null;
  fundedPlace: boolean | null;
  scheduleIdentifier: string | null;
  createdAt: Date;
  updatedAt: Date;
  fullName: string;
  email: string | null;
  trn: string | null;
  trnVerified: boolean;
  significantlyUpdatedAt: Date;
  previouslyFunded: boolean;
}

/** DfE's `eligible_for_dfe_funding?`: a previously funded person is not eligible unless marked so by policy. */
export function eligibleForDfeFunding(v: Pick<ApplicationView, 'previouslyFunded' | 'fundingEligibilityStatusCode' | 'eligibleForFunding'>): boolean {
  if (v.previouslyFunded && v.fundingEligibilityStatusCode !== 'marked_funded_by_policy') return false;
  return v.eligibleForFunding;
}

export function ineligibleForFundingReason(v: Pick<ApplicationView, 'previouslyFunded' | 'eligibleForFunding'>) {
  if (v.previouslyFunded) return 'previously-funded' as const;
  if (!v.eligibleForFunding) return 'establishment-ineligible' as const;
  return null;
}

function later(a: Date, b: Date): Date {
  return a.getTime() >= b.getTime() ? a : b;
}

/** The v3 application resource, attributes in DfE's emitted order. */
export function serializeApplication(v: ApplicationView): ApplicationResource {
  return {
    id: v.id,
    type: 'npq_application',
    attributes: {
      course_identifier: v.courseIdentifier as Schemas['CourseIdentifier'],
      email: v.email,
      email_validated: true,
      employer_name: v.employerName,
      employment_role: v.employmentRole,
      full_name: v.fullName,
      funding_choice: v.fundingChoice as Schemas['ApplicationAttributes']['funding_choice'],
      headteacher_status: v.headteacherStatus as Schemas['ApplicationAttributes']['headteacher_status'],
      ineligible_for_funding_reason: ineligibleForFundingReason(v),
      participant_id: v.personId,
      private_childcare_provider_urn: v.privateChildcareProviderUrn,
      teacher_reference_number: v.trnVerified ? v.trn : null,
      teacher_reference_number_validated: v.trnVerified,
      school_urn: v.schoolUrn,
      school_ukprn: v.schoolUkprn,
      status: v.status as Schemas['ApplicationAttributes']['status'],
      reason_for_rejection: v.reasonForRejection as Schemas['ApplicationAttributes']['reason_for_rejection'],
      works_in_school: v.worksInSchool,
      cohort: String(v.cohortStartYear),
      cohort_suffix: v.cohortSuffix,
      eligible_for_funding: eligibleForDfeFunding(v),
      targeted_delivery_funding_eligibility: v.targetedDeliveryFundingEligibility,
      teacher_catchment: teacherCatchmentFlag(v.teacherCatchment),
      teacher_catchment_country: v.teacherCatchmentCountry,
      teacher_catchment_iso_country_code: v.teacherCatchmentIsoCountryCode,
      itt_provider: v.ittProvider,
      lead_mentor: v.leadMentor,
      funded_place: v.fundedPlace,
      created_at: toRfc3339(v.createdAt),
      updated_at: toRfc3339(later(v.significantlyUpdatedAt, v.updatedAt)),
      schedule_identifier: v.scheduleIdentifier as Schemas['ApplicationAttributes']['schedule_identifier'],
      works_as_senco: v.worksAsSenco as Schemas['ApplicationAttributes']['works_as_senco'],
      senco_start_date: v.sencoStartDate,
    },
  };
}
