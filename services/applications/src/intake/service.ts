import { randomUUID } from 'node:crypto';
import { UniqueConstraintViolationException } from '@mikro-orm/core';
import type { EventEnvelope } from '@npq/contracts';
import { now, unprocessable, type EntityManager, type Naming } from '@npq/service-kit';
import { Application, ApplicationSchema } from '../applications/entity';
import { ApplicationReadRepository } from '../applications/repository';
import type { ApplicationView } from '../applications/serializer';
import { stageApplicationEvent } from '../events';
import { Person, PersonSchema } from '../people/entity';
import { assertEmailFree, EMAIL_TAKEN, participantReplaced } from '../people/guards';
import type { IntakeInput } from './validation';

/**
 * Records a new application from the registration service: for the named participant, or for a new
 * person. One transaction: person, application and the `application.created` event.
 */
export async function intakeApplication(
  em: EntityManager,
  naming: Naming,
  input: IntakeInput,
): Promise<{ view: ApplicationView; events: EventEnvelope[] }> {
  const at = now();
  let applicationId = '';
  const events: EventEnvelope[] = [];
  try {
    await em.transactional(async (tx) => {
      let person: Person | null;
      if (input.participantId) {
        person = await tx.findOne(PersonSchema, { id: input.participantId });
        if (!person) {
          throw unprocessable([{ title: 'participant_id', detail: "The '#/participant_id' does not exist" }]);
        }
        if (person.retiredIntoId) throw participantReplaced(person);
      } else {
        if (input.email) await assertEmailFree(tx, input.email);
        person = tx.create(PersonSchema, {
          ...new Person(),
          id: randomUUID(),
          fullName: input.fullName!,
          email: input.email,
          trn: input.trn,
          trnVerified: input.trnVerified,
          createdAt: at,
          updatedAt: at,
          significantlyUpdatedAt: at,
        });
      }

      const application = tx.create(ApplicationSchema, {
        ...new Application(),
        id: randomUUID(),
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
          await new ApplicationReadRepository(tx).previouslyFunded(application.id),
        ),
      );
    });
  } catch (err) {
    if (err instanceof UniqueConstraintViolationException) throw EMAIL_TAKEN;
    throw err;
  }
  const view = await new ApplicationReadRepository(em).findById(applicationId);
  if (!view) throw new Error('application vanished after intake');
  return { view, events };
}
