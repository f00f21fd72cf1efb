import type { EntityManager } from '@npq/service-kit';
import { ApplicationRecordSchema } from '../applications/entity';
import { OutcomeSchema, type Outcome } from './entity';

/** An outcome with the participant it belongs to now (the declaration's application's person). */
export interface OutcomeView extends Outcome {
  participantId: string;
}

export interface OutcomeListQuery {
  leadProviderId: string;
  participantId?: string;
  createdSince?: Date;
  limit: number;
  offset: number;
}

export class OutcomeRepository {
  constructor(private readonly em: EntityManager) {}

  /** The current outcome of a declaration: latest by created_at, then insertion order. */
  async latestOf(declarationId: string): Promise<OutcomeView | null> {
    const latest = await this.em.findOne(
      OutcomeSchema,
      { declarationId },
      { orderBy: { createdAt: 'desc', seq: 'desc' } },
    );
    return latest ? ((await this.withParticipants([latest]))[0] ?? null) : null;
  }

  /** How many outcomes the declaration has: the version of its `outcome.recorded` events. */
  async countFor(declarationId: string): Promise<number> {
    return this.em.count(OutcomeSchema, { declarationId });
  }

  /**
   * One page of the outcomes on declarations the provider made (optionally of one participant), in
   * DfE's fixed order: created_at, then insertion order.
   */
  async list(q: OutcomeListQuery): Promise<OutcomeView[]> {
    const applicationIds = q.participantId
      ? (
          await this.em.find(ApplicationRecordSchema, { participantId: q.participantId }, { fields: ['id'] })
        ).map((a) => a.id)
      : undefined;
    if (applicationIds?.length === 0) return [];
    const outcomes = await this.em.find(
      OutcomeSchema,
      {
        leadProviderId: q.leadProviderId,
        ...(applicationIds ? { applicationId: { $in: applicationIds } } : {}),
        ...(q.createdSince ? { createdAt: { $gte: q.createdSince } } : {}),
      },
      { orderBy: { createdAt: 'asc', seq: 'asc' }, limit: q.limit, offset: q.offset },
    );
    return this.withParticipants(outcomes);
  }

  /**
   * Adds each outcome's participant. An outcome whose application is not known yet is left out (the
   * application arrives before its declarations: accept waits for training).
   */
  async withParticipants(outcomes: Outcome[]): Promise<OutcomeView[]> {
    if (outcomes.length === 0) return [];
    const applications = await this.em.find(
      ApplicationRecordSchema,
      { id: { $in: [...new Set(outcomes.map((o) => o.applicationId))] } },
      { fields: ['id', 'participantId'] },
    );
    const participantOf = new Map(applications.map((a) => [a.id, a.participantId]));
    return outcomes.flatMap((o) => {
      const participantId = participantOf.get(o.applicationId);
      return participantId ? [{ ...o, participantId }] : [];
    });
  }
}
