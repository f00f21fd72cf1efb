import {
  BILLABLE_STATEMENT_ITEM_STATES,
  LIVE_DECLARATION_STATES,
  REFUNDABLE_STATEMENT_ITEM_STATES,
  type DeclarationState,
} from '@npq/contracts';
import { pgArray, type EntityManager } from '@npq/service-kit';

/** A declaration joined with its application (participant and course are the application's). */
export interface DeclarationView {
  id: string;
  applicationId: string;
  /** The submitting provider. */
  leadProviderId: string;
  /** The application's provider now (differs after a transfer). */
  applicationLeadProviderId: string;
  participantId: string;
  courseIdentifier: string;
  declarationType: string;
  declarationDate: Date;
  state: DeclarationState;
  stateReason: string | null;
  deliveryPartnerId: string | null;
  secondaryDeliveryPartnerId: string | null;
  cohortIdentifier: string;
  cohortStartYear: number;
  targetedDeliveryFundingEligibility: boolean;
  teacherCatchment: string | null;
  schoolUrn: string | null;
  applicationCohortStartYear: number;
  createdAt: Date;
  updatedAt: Date;
  version: number;
}

/** What the resource shows from other tables, loaded for a whole page at once. */
export interface DeclarationExtras {
  statementId: string | null;
  clawbackStatementId: string | null;
  hasPassed: boolean | null;
  deliveryPartnerName: string | null;
  secondaryDeliveryPartnerName: string | null;
}

const SELECT = `
  select d.id, d.application_id, d.lead_provider_id, a.lead_provider_id as application_lead_provider_id,
    a.participant_id, a.course_identifier, d.declaration_type, d.declaration_date, d.state, d.state_reason,
    d.delivery_partner_id, d.secondary_delivery_partner_id, d.cohort_identifier, d.cohort_start_year,
    a.targeted_delivery_funding_eligibility, a.teacher_catchment, a.school_urn,
    a.cohort_start_year as application_cohort_start_year, d.created_at, d.updated_at, d.version
  from finance.declarations d
  join finance.applications a on a.id = d.application_id`;

interface Row {
  id: string;
  application_id: string;
  lead_provider_id: string;
  application_lead_provider_id: string;
  participant_id: string;
  course_identifier: string;
  declaration_type: string;
  declaration_date: Date;
  state: DeclarationState;
  state_reason: string | null;
  delivery_partner_id: string | null;
  secondary_delivery_partner_id: string | null;
  cohort_identifier: string;
  cohort_start_year: number;
  targeted_delivery_funding_eligibility: boolean;
  teacher_catchment: string | null;
  school_urn: string | null;
  application_cohort_start_year: number;
  created_at: Date;
  updated_at: Date;
  version: number;
}

function toView(r: Row): DeclarationView {
  return {
    id: r.id,
    applicationId: r.application_id,
    leadProviderId: r.lead_provider_id,
    applicationLeadProviderId: r.application_lead_provider_id,
    participantId: r.participant_id,
    courseIdentifier: r.course_identifier,
    declarationType: r.declaration_type,
    declarationDate: new Date(r.declaration_date),
    state: r.state,
    stateReason: r.state_reason,
    deliveryPartnerId: r.delivery_partner_id,
    secondaryDeliveryPartnerId: r.secondary_delivery_partner_id,
    cohortIdentifier: r.cohort_identifier,
    cohortStartYear: r.cohort_start_year,
    targetedDeliveryFundingEligibility: r.targeted_delivery_funding_eligibility,
    teacherCatchment: r.teacher_catchment,
    schoolUrn: r.school_urn,
    applicationCohortStartYear: r.application_cohort_start_year,
    createdAt: new Date(r.created_at),
    updatedAt: new Date(r.updated_at),
    version: r.version,
  };
}

/** DfE's declaration scope: made by the provider, or on an application now with the provider (read-only). */
const VISIBLE = `(d.lead_provider_id = ? or d.application_lead_provider_id = ?)`;

export interface DeclarationListQuery {
  leadProviderId: string;
  participantIds?: string[];
  cohorts?: number[];
  updatedSince?: Date;
  limit: number;
  offset: number;
}

export class DeclarationRepository {
  constructor(private readonly em: EntityManager) {}

  /**
   * One page in DfE's fixed order (created_at, id). The scope's two halves (made by the provider; made by
   * another on an application now with the provider) are each read through their own index in list order,
   * limited to what the page needs, then merged: an OR across them would sort the provider's whole history.
   */
  async list(q: DeclarationListQuery): Promise<DeclarationView[]> {
    const filters: string[] = [];
    const filterParams: unknown[] = [];
    if (q.participantIds) {
      filters.push(
        'd.application_id in (select id from finance.applications where participant_id = any(?::uuid[]))',
      );
      filterParams.push(pgArray(q.participantIds));
    }
    if (q.cohorts) {
      // The declaration's own cohort, not the application's.
      filters.push('d.cohort_start_year = any(?::int[])');
      filterParams.push(pgArray(q.cohorts));
    }
    if (q.updatedSince) {
      filters.push('d.updated_at >= ?');
      filterParams.push(q.updatedSince);
    }
    const extra = filters.map((f) => ` and ${f}`).join('');
    const upTo = q.offset + q.limit;
    const page: { id: string }[] = await this.em.execute(
      `select id from (
         (select d.id, d.created_at from finance.declarations d where d.lead_provider_id = ?${extra}
          order by d.created_at, d.id limit ?)
         union all
         (select d.id, d.created_at from finance.declarations d
          where d.application_lead_provider_id = ? and d.application_lead_provider_id <> d.lead_provider_id${extra}
          order by d.created_at, d.id limit ?)
       ) scoped order by created_at, id limit ? offset ?`,
      [q.leadProviderId, ...filterParams, upTo, q.leadProviderId, ...filterParams, upTo, q.limit, q.offset],
    );
    if (page.length === 0) return [];
    const rows: Row[] = await this.em.execute(`${SELECT} where d.id = any(?::uuid[])`, [
      pgArray(page.map((p) => p.id)),
    ]);
    const byId = new Map(rows.map((r) => [r.id, toView(r)]));
    return page.map((p) => byId.get(p.id)).filter((v): v is DeclarationView => v !== undefined);
  }

  async findVisible(id: string, leadProviderId: string): Promise<DeclarationView | null> {
    const rows: Row[] = await this.em.execute(`${SELECT} where d.id = ? and ${VISIBLE}`, [
      id,
      leadProviderId,
      leadProviderId,
    ]);
    return rows[0] ? toView(rows[0]) : null;
  }

  /** The declaration, its row locked for the rest of the transaction (void, change-delivery-partner). */
  async findForUpdate(id: string): Promise<DeclarationView | null> {
    const rows: Row[] = await this.em.execute(`${SELECT} where d.id = ? for update of d`, [id]);
    return rows[0] ? toView(rows[0]) : null;
  }

  async findByIds(ids: string[]): Promise<DeclarationView[]> {
    if (ids.length === 0) return [];
    const rows: Row[] = await this.em.execute(`${SELECT} where d.id = any(?::uuid[]) order by d.id`, [
      pgArray(ids),
    ]);
    return rows.map(toView);
  }

  async findById(id: string): Promise<DeclarationView | null> {
    const rows: Row[] = await this.em.execute(`${SELECT} where d.id = ?`, [id]);
    return rows[0] ? toView(rows[0]) : null;
  }

  /**
   * Statement ids, latest outcome and partner names for a page of declarations: three queries whatever the
   * page size. `statement_id` is the first billable item's statement, `clawback_statement_id` the first
   * refundable one's; `has_passed` is the latest outcome of the declaration (voided or none → null).
   */
  async extras(views: DeclarationView[]): Promise<Map<string, DeclarationExtras>> {
    const result = new Map<string, DeclarationExtras>();
    if (views.length === 0) return result;
    const ids = pgArray(views.map((v) => v.id));
    const partnerIds = [
      ...new Set(
        views
          .flatMap((v) => [v.deliveryPartnerId, v.secondaryDeliveryPartnerId])
          .filter((x): x is string => x !== null),
      ),
    ];
    // Sequential on purpose: the same method runs inside transactions, where queries share one connection.
    const items: { declaration_id: string; statement_id: string; state: string }[] = await this.em.execute(
      `select declaration_id, statement_id, state from finance.statement_items where declaration_id = any(?::uuid[])
       order by created_at asc, id asc`,
      [ids],
    );
    const outcomes: { declaration_id: string; state: string }[] = await this.em.execute(
      `select distinct on (declaration_id) declaration_id, state from finance.outcomes where declaration_id = any(?::uuid[])
       order by declaration_id, created_at desc, ordinal desc, id desc`,
      [ids],
    );
    const partners: { id: string; name: string }[] =
      partnerIds.length === 0
        ? []
        : await this.em.execute(`select id, name from finance.delivery_partners where id = any(?::uuid[])`, [
            pgArray(partnerIds),
          ]);
    const names = new Map(partners.map((p) => [p.id, p.name]));
    const latest = new Map(outcomes.map((o) => [o.declaration_id, o.state]));
    for (const v of views) {
      const mine = items.filter((i) => i.declaration_id === v.id);
      const billable = mine.find((i) =>
        (BILLABLE_STATEMENT_ITEM_STATES as readonly string[]).includes(i.state),
      );
      const refundable = mine.find((i) =>
        (REFUNDABLE_STATEMENT_ITEM_STATES as readonly string[]).includes(i.state),
      );
      const outcome = latest.get(v.id);
      result.set(v.id, {
        statementId: billable?.statement_id ?? null,
        clawbackStatementId: refundable?.statement_id ?? null,
        hasPassed: outcome === 'passed' ? true : outcome === 'failed' ? false : null,
        deliveryPartnerName: v.deliveryPartnerId ? (names.get(v.deliveryPartnerId) ?? null) : null,
        secondaryDeliveryPartnerName: v.secondaryDeliveryPartnerId
          ? (names.get(v.secondaryDeliveryPartnerId) ?? null)
          : null,
      });
    }
    return result;
  }

  /**
   * DfE's `existing_declaration`: this participant's live declaration with the same date, type and submitting
   * provider, on an application for exactly this course. An identical request returns it instead of a new one.
   */
  async findIdentical(q: {
    participantId: string;
    courseIdentifier: string;
    declarationDate: Date;
    declarationType: string;
    leadProviderId: string;
  }): Promise<{ id: string; state: DeclarationState } | null> {
    const rows: { id: string; state: DeclarationState }[] = await this.em.execute(
      `select d.id, d.state from finance.declarations d join finance.applications a on a.id = d.application_id
       where a.participant_id = ? and a.course_identifier = ? and d.declaration_date = ? and d.declaration_type = ?
         and d.lead_provider_id = ? and d.state = any(?::text[])
       order by d.created_at asc, d.id asc limit 1`,
      [
        q.participantId,
        q.courseIdentifier,
        q.declarationDate,
        q.declarationType,
        q.leadProviderId,
        pgArray(LIVE_DECLARATION_STATES),
      ],
    );
    return rows[0] ?? null;
  }

  /** The live declaration of this type on the application (at any provider), if any. */
  async findLiveOfType(
    applicationId: string,
    declarationType: string,
    exceptId?: string,
  ): Promise<{ id: string; state: string } | null> {
    const rows: { id: string; state: string }[] = await this.em.execute(
      `select id, state from finance.declarations where application_id = ? and declaration_type = ? and state = any(?::text[])
         and id <> ? order by created_at asc, id asc limit 1`,
      [
        applicationId,
        declarationType,
        pgArray(LIVE_DECLARATION_STATES),
        exceptId ?? '00000000-0000-0000-0000-000000000000',
      ],
    );
    return rows[0] ?? null;
  }

  /**
   * DfE's `duplicate_declarations`: live declarations of the same type, not superseded, for the same course
   * (ASO/EHCO as one) on applications of a DIFFERENT person with the same (raw, non-null) TRN. Any provider,
   * any cohort. The earliest is the one the new declaration is superseded by.
   */
  async findEarliestDuplicate(q: {
    declarationId: string;
    participantId: string;
    trn: string | null;
    declarationType: string;
    courses: string[];
  }): Promise<string | null> {
    if (!q.trn) return null;
    const rows: { id: string }[] = await this.em.execute(
      `select d.id from finance.declarations d
       join finance.applications a on a.id = d.application_id
       join finance.people p on p.id = a.participant_id
       where p.trn = ? and a.participant_id <> ? and d.id <> ? and d.declaration_type = ? and d.superseded_by_id is null
         and d.state = any(?::text[]) and a.course_identifier = any(?::text[])
       order by d.created_at asc, d.id asc limit 1`,
      [
        q.trn,
        q.participantId,
        q.declarationId,
        q.declarationType,
        pgArray(LIVE_DECLARATION_STATES),
        pgArray(q.courses),
      ],
    );
    return rows[0]?.id ?? null;
  }
}
