import { LockMode, UniqueConstraintViolationException } from '@mikro-orm/postgresql';
import type { EventEnvelope } from '@npq/contracts';
import { newId, now, unprocessable, type EntityManager, type Naming } from '@npq/service-kit';
import { Application, ApplicationSchema } from '../applications/entity';
import { ApplicationQueries } from '../applications/queries';
import { isPreviouslyFunded } from '../applications/rules';
import type { ApplicationView } from '../applications/serializer';
import { stageApplicationEvent } from '../events/staging';
import { assertEmailFree, changeIdentity } from '../people/commands';
import { Person, PersonSchema } from '../people/entity';
import { EMAIL_TAKEN, participantReplaced } from '../people/rules';
import type { IntakeInput } from './validation';

/**
 * Records a new application from the registration service (docs/domain.md, "Intake"): for the named
 * participant, or for a new person. One transaction: the person (created, or changed by the identity the registration sent), the
 * application, and their events; either all of it happens or none.
 *
 * For an existing participant the registration's identity goes through the PATCH participant rules
 * (`changeIdentity`), as DfE's registration updates the user from its newest registration
 * (docs/compatibility.md "Admin API"). `person.updated` is staged before `application.created`: the person
 * changed first, and the application's snapshot already carries the changed person. Training and finance
 * apply person snapshots in person-version order, so either event arriving first leaves them the same.
 */
export async function intakeApplication(
  em: EntityManager,
  naming: Naming,
  input: IntakeInput,
): Promise<{ view: ApplicationView; events: EventEnvelope[] }> {
  const at = now();
  let applicationId = '';
  const events: EventEnvelope[] = [];
  const { applicant } = input;
  try {
    await em.transactional(async (tx) => {
      let person: Person | null;
      if (applicant.participantId !== null) {
        // Locked as PATCH and merge lock it: a merge cannot retire this person between the check and the
        // insert, and two registrations cannot interleave their identity changes.
        person = await tx.findOne(
          PersonSchema,
          { id: applicant.participantId },
          { lockMode: LockMode.PESSIMISTIC_WRITE },
        );
        if (!person) {
          throw unprocessable([{ title: 'participant_id', detail: "The '#/participant_id' does not exist" }]);
        }
        if (person.retiredIntoId) throw participantReplaced(person);
        events.push(...(await changeIdentity(tx, naming, person, applicant.identity, at)));
      } else {
        if (applicant.email) await assertEmailFree(tx, applicant.email);
        person = tx.create(PersonSchema, {
          ...new Person(),
          id: newId('participant'),
          fullName: applicant.fullName,
          email: applicant.email,
          trn: applicant.trn,
          trnVerified: applicant.trnVerified,
          createdAt: at,
          updatedAt: at,
          significantlyUpdatedAt: at,
        });
      }

      const application = tx.create(ApplicationSchema, {
        ...new Application(),
        id: newId('application'),
        personId: person.id,
        leadProviderId: input.leadProviderId,
        courseIdentifier: input.courseIdentifier,
        cohortIdentifier: input.cohort.identifier,
        cohortStartYear: input.cohort.startYear,
        cohortSuffix: input.cohort.suffix,
        eligibleForFunding: input.eligibleForFunding,
        targetedDeliveryFundingEligibility: input.targetedDeliveryFundingEligibility,
        fundingChoice: input.fundingChoice,
        schoolUrn: input.schoolUrn,
        schoolUkprn: input.schoolUkprn,
        privateChildcareProviderUrn: input.privateChildcareProviderUrn,
        worksInSchool: input.worksInSchool,
        employerName: input.employerName,
        employmentRole: input.employmentRole,
        headteacherStatus: input.headteacherStatus,
        teacherCatchment: input.teacherCatchment,
        teacherCatchmentCountry: input.teacherCatchmentCountry,
        teacherCatchmentIsoCountryCode: input.teacherCatchmentIsoCountryCode,
        ittProvider: input.ittProvider,
        leadMentor: input.leadMentor,
        worksAsSenco: input.worksAsSenco,
        sencoStartDate: input.sencoStartDate,
        fundedPlace: input.fundedPlace,
        createdAt: at,
        updatedAt: at,
      });
      await tx.flush();
      applicationId = application.id;
      events.push(
        await stageApplicationEvent(
          tx,
          naming,
          'application.created',
          application,
          person,
          isPreviouslyFunded(application, await new ApplicationQueries(tx).fundingHistory(person.id)),
        ),
      );
    });
  } catch (err) {
    // Two people taking one address at once: the partial unique index decides (people_email_unique).
    if (err instanceof UniqueConstraintViolationException) throw EMAIL_TAKEN;
    throw err;
  }
  const view = await new ApplicationQueries(em).findById(applicationId);
  if (!view) throw new Error('application vanished after intake');
  return { view, events };
}
