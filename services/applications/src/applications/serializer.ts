import { teacherCatchmentFlag, type ApiComponents } from '@npq/contracts';
import { toRfc3339 } from '@npq/service-kit';
import type { Person } from '../people/entity';
import type { Application, ApplicationDetails } from './entity';
import { eligibleForDfeFunding, ineligibleForFundingReason } from './rules';

type Schemas = ApiComponents['schemas'];
export type ApplicationResource = Schemas['Application'];

/** One application joined with its person and the derived "previously funded" flag. */
export type ApplicationView = Pick<
  Application,
  | 'id'
  | 'personId'
  | 'courseIdentifier'
  | 'cohortStartYear'
  | 'cohortSuffix'
  | 'status'
  | 'reasonForRejection'
  | 'fundingEligibilityStatusCode'
  | 'scheduleIdentifier'
  | 'createdAt'
  | 'updatedAt'
> &
  ApplicationDetails &
  Pick<Person, 'fullName' | 'email' | 'trn' | 'trnVerified' | 'significantlyUpdatedAt'> & {
    previouslyFunded: boolean;
  };

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
      status: v.status,
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
