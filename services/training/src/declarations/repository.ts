import {
  BILLABLE_OR_VOIDABLE_STATES,
  LIVE_DECLARATION_STATES,
  type DeclarationSnapshotV1,
} from '@npq/contracts';
import { pgArray, type EntityManager } from '@npq/service-kit';

/** States of a completed declaration that can carry an outcome (`Declaration.eligible_for_outcomes`). */
export const OUTCOME_DECLARATION_STATES = BILLABLE_OR_VOIDABLE_STATES;

export interface DeclarationRow {
  id: string;
  application_id: string;
  lead_provider_id: string;
  course_identifier: string;
  declaration_type: string;
  declaration_date: Date;
  state: string;
  created_at: Date;
}

const COLUMNS = `d.id, d.application_id, d.lead_provider_id, d.course_identifier, d.declaration_type, d.declaration_date, d.state, d.created_at`;

export class DeclarationRepository {
  constructor(private readonly em: EntityManager) {}

  /**
   * Applies finance's snapshot unless an equal or newer one was applied already. True when it was applied
   * (a stale snapshot must not trigger outcome side effects either).
   */
  async applySnapshot(d: DeclarationSnapshotV1, version: number): Promise<boolean> {
    const rows: unknown[] = await this.em.execute(
      `insert into training.declarations as t (id, application_id, lead_provider_id, course_identifier, declaration_type,
         declaration_date, state, created_at, updated_at, version)
       values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       on conflict (id) do update set application_id = excluded.application_id, lead_provider_id = excluded.lead_provider_id,
         course_identifier = excluded.course_identifier, declaration_type = excluded.declaration_type,
         declaration_date = excluded.declaration_date, state = excluded.state, updated_at = excluded.updated_at,
         version = excluded.version
       where t.version < excluded.version
       returning id`,
      [
        d.declarationId,
        d.applicationId,
        d.leadProviderId,
        d.courseIdentifier,
        d.declarationType,
        new Date(d.declarationDate),
        d.state,
        new Date(d.createdAt),
        new Date(d.updatedAt),
        version,
      ],
    );
    return rows.length > 0;
  }

  /** Serialises outcome writes on one declaration (API and consumer alike). */
  async lock(id: string): Promise<DeclarationRow | null> {
    const rows: DeclarationRow[] = await this.em.execute(
      `select ${COLUMNS} from training.declarations d where d.id = ? for update`,
      [id],
    );
    return rows[0] ?? null;
  }

  /** Any declaration at all, voided included (defer). */
  async hasAny(applicationId: string): Promise<boolean> {
    const rows: unknown[] = await this.em.execute(
      `select 1 from training.declarations where application_id = ? limit 1`,
      [applicationId],
    );
    return rows.length > 0;
  }

  /** A `started` declaration in any state (withdraw). */
  async hasStarted(applicationId: string): Promise<boolean> {
    const rows: unknown[] = await this.em.execute(
      `select 1 from training.declarations where application_id = ? and declaration_type = 'started' limit 1`,
      [applicationId],
    );
    return rows.length > 0;
  }

  /** Submitted, eligible, payable or paid declarations ("billable or changeable"): change-schedule. */
  async live(applicationId: string): Promise<DeclarationRow[]> {
    return this.em.execute(
      `select ${COLUMNS} from training.declarations d where d.application_id = ? and d.state = any(?::text[]) order by d.created_at, d.seq`,
      [applicationId, pgArray(LIVE_DECLARATION_STATES)],
    );
  }

  /**
   * `Declaration.eligible_for_outcomes(lp, course)` for a participant: completed declarations on the
   * participant's applications for exactly that course, made by the provider or on an application now with
   * it, in a state that can carry an outcome; latest first.
   */
  async completedForOutcome(
    participantId: string,
    leadProviderId: string,
    courseIdentifier: string,
  ): Promise<DeclarationRow[]> {
    return this.em.execute(
      `select ${COLUMNS} from training.declarations d join training.applications a on a.id = d.application_id
       where a.participant_id = ? and d.declaration_type = 'completed' and a.course_identifier = ?
         and (d.lead_provider_id = ? or a.lead_provider_id = ?) and d.state = any(?::text[])
       order by d.created_at desc, d.seq desc
       limit 50`,
      [participantId, courseIdentifier, leadProviderId, leadProviderId, pgArray(OUTCOME_DECLARATION_STATES)],
    );
  }
}
