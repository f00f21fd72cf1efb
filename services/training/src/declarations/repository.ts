import { LIVE_DECLARATION_STATES } from '@npq/contracts';
import { LockMode } from '@mikro-orm/postgresql';
import type { EntityManager } from '@npq/service-kit';
import { ApplicationRecordSchema } from '../applications/entity';
import { OUTCOME_DECLARATION_STATES } from '../outcomes/rules';
import { DeclarationRecordSchema, type DeclarationRecord } from './entity';

export class DeclarationRepository {
  constructor(private readonly em: EntityManager) {}

  /** Serialises outcome writes on one declaration (API and consumer alike). */
  async lock(id: string): Promise<DeclarationRecord | null> {
    return this.em.findOne(DeclarationRecordSchema, { id }, { lockMode: LockMode.PESSIMISTIC_WRITE });
  }

  /** Any declaration at all, voided included (defer). */
  async hasAny(applicationId: string): Promise<boolean> {
    return (await this.em.count(DeclarationRecordSchema, { applicationId })) > 0;
  }

  /** A `started` declaration in any state (withdraw). */
  async hasStarted(applicationId: string): Promise<boolean> {
    return (await this.em.count(DeclarationRecordSchema, { applicationId, declarationType: 'started' })) > 0;
  }

  /** Submitted, eligible, payable or paid declarations ("billable or changeable"): change-schedule. */
  async live(applicationId: string): Promise<DeclarationRecord[]> {
    return this.em.find(
      DeclarationRecordSchema,
      { applicationId, state: { $in: [...LIVE_DECLARATION_STATES] } },
      { orderBy: { createdAt: 'asc', seq: 'asc' } },
    );
  }

  /**
   * The completed declarations a provider may report an outcome on for a participant and course
   * (docs/domain.md, "Outcomes"): on the participant's applications for exactly that course, made by the
   * provider or on an application now with it, in a state that can carry an outcome; latest first.
   */
  async completedForOutcome(
    participantId: string,
    leadProviderId: string,
    courseIdentifier: string,
  ): Promise<DeclarationRecord[]> {
    const applications = await this.em.find(
      ApplicationRecordSchema,
      { participantId, courseIdentifier },
      { fields: ['id', 'leadProviderId'] },
    );
    if (applications.length === 0) return [];
    const withProvider = applications.filter((a) => a.leadProviderId === leadProviderId).map((a) => a.id);
    return this.em.find(
      DeclarationRecordSchema,
      {
        applicationId: { $in: applications.map((a) => a.id) },
        declarationType: 'completed',
        state: { $in: [...OUTCOME_DECLARATION_STATES] },
        $or: [{ leadProviderId }, { applicationId: { $in: withProvider } }],
      },
      { orderBy: { createdAt: 'desc', seq: 'desc' }, limit: 50 },
    );
  }
}
