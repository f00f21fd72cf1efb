import type { OutcomeState } from '@npq/contracts';
import type { EntityManager } from '@npq/service-kit';

/** An outcome with the participant it belongs to now (the declaration's application's person). */
export interface OutcomeView {
  seq: string;
  id: string;
  declarationId: string;
  applicationId: string;
  participantId: string;
  leadProviderId: string;
  courseIdentifier: string;
  state: OutcomeState;
  completionDate: string;
  createdAt: Date;
  updatedAt: Date;
}

interface Row {
  seq: string;
  id: string;
  declaration_id: string;
  application_id: string;
  participant_id: string;
  lead_provider_id: string;
  course_identifier: string;
  state: OutcomeState;
  completion_date: string;
  created_at: Date;
  updated_at: Date;
}

const SELECT = `
  select o.seq, o.id, o.declaration_id, o.application_id, a.participant_id, o.lead_provider_id, o.course_identifier,
    o.state, to_char(o.completion_date, 'YYYY-MM-DD') as completion_date, o.created_at, o.updated_at
  from training.outcomes o join training.applications a on a.id = o.application_id`;

function toView(r: Row): OutcomeView {
  return {
    seq: String(r.seq),
    id: r.id,
    declarationId: r.declaration_id,
    applicationId: r.application_id,
    participantId: r.participant_id,
    leadProviderId: r.lead_provider_id,
    courseIdentifier: r.course_identifier,
    state: r.state,
    completionDate: r.completion_date,
    createdAt: new Date(r.created_at),
    updatedAt: new Date(r.updated_at),
  };
}

export interface OutcomeListQuery {
  leadProviderId: string;
  participantId?: string;
  createdSince?: Date;
  limit: number;
  offset: number;
}

export interface NewOutcome {
  id: string;
  declarationId: string;
  applicationId: string;
  leadProviderId: string;
  courseIdentifier: string;
  state: OutcomeState;
  completionDate: string;
  at: Date;
}

export class OutcomeRepository {
  constructor(private readonly em: EntityManager) {}

  /** The current outcome of a declaration: latest by created_at, then insertion order. */
  async latestOf(declarationId: string): Promise<OutcomeView | null> {
    const rows: Row[] = await this.em.execute(
      `${SELECT} where o.declaration_id = ? order by o.created_at desc, o.seq desc limit 1`,
      [declarationId],
    );
    return rows[0] ? toView(rows[0]) : null;
  }

  async insert(o: NewOutcome): Promise<OutcomeView> {
    await this.em.execute(
      `insert into training.outcomes (id, declaration_id, application_id, lead_provider_id, course_identifier, state, completion_date, created_at, updated_at)
       values (?, ?, ?, ?, ?, ?, ?::date, ?, ?)`,
      [
        o.id,
        o.declarationId,
        o.applicationId,
        o.leadProviderId,
        o.courseIdentifier,
        o.state,
        o.completionDate,
        o.at,
        o.at,
      ],
    );
    const rows: Row[] = await this.em.execute(`${SELECT} where o.id = ?`, [o.id]);
    // The application arrives before its declarations (accept waits for training); if not, the consumer
    // retries this event until it has.
    if (!rows[0])
      throw new Error(`application ${o.applicationId} of declaration ${o.declarationId} is not known yet`);
    return toView(rows[0]);
  }

  /** How many outcomes the declaration has: the version of its `outcome.recorded` events. */
  async countFor(declarationId: string): Promise<number> {
    const rows: { n: number }[] = await this.em.execute(
      `select count(*)::int as n from training.outcomes where declaration_id = ?`,
      [declarationId],
    );
    return rows[0]?.n ?? 0;
  }

  /**
   * One page of the outcomes on declarations the provider made (optionally of one participant), in
   * DfE's fixed order: created_at, then insertion order.
   */
  async list(q: OutcomeListQuery): Promise<OutcomeView[]> {
    const where = ['o.lead_provider_id = ?'];
    const params: unknown[] = [q.leadProviderId];
    if (q.participantId) {
      where.push('a.participant_id = ?');
      params.push(q.participantId);
    }
    if (q.createdSince) {
      where.push('o.created_at >= ?');
      params.push(q.createdSince);
    }
    params.push(q.limit, q.offset);
    const rows: Row[] = await this.em.execute(
      `${SELECT} where ${where.join(' and ')} order by o.created_at asc, o.seq asc limit ? offset ?`,
      params,
    );
    return rows.map(toView);
  }
}
