import type { EntityManager } from '@npq/service-kit';
import { ApplicationRecordSchema } from '../applications/entity';
import { OutcomeSchema, type Outcome } from '../outcomes/entity';
import { PersonSchema } from '../people/entity';

/** What the qualification rules look at for one TRN. */
export interface QualificationFacts {
  /** Every passed outcome of every person with the TRN, whichever provider. */
  passes: Outcome[];
  /** The current (latest) outcome of each of those passes' declarations, by declaration id. */
  currentOf: Map<string, Outcome>;
}

export class QualificationRepository {
  constructor(private readonly em: EntityManager) {}

  async factsFor(trn: string): Promise<QualificationFacts> {
    const none: QualificationFacts = { passes: [], currentOf: new Map() };
    const people = await this.em.find(PersonSchema, { trn }, { fields: ['id'] });
    if (people.length === 0) return none;
    const applications = await this.em.find(
      ApplicationRecordSchema,
      { participantId: { $in: people.map((p) => p.id) } },
      { fields: ['id'] },
    );
    if (applications.length === 0) return none;
    const passes = await this.em.find(OutcomeSchema, {
      applicationId: { $in: applications.map((a) => a.id) },
      state: 'passed',
    });
    if (passes.length === 0) return none;
    // Latest first, so the first one seen of each declaration is its current outcome.
    const outcomes = await this.em.find(
      OutcomeSchema,
      { declarationId: { $in: [...new Set(passes.map((o) => o.declarationId))] } },
      { orderBy: { createdAt: 'desc', seq: 'desc' } },
    );
    const currentOf = new Map<string, Outcome>();
    for (const o of outcomes) if (!currentOf.has(o.declarationId)) currentOf.set(o.declarationId, o);
    return { passes, currentOf };
  }
}
