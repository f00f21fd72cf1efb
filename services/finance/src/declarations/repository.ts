import {
  BILLABLE_OR_VOIDABLE_STATES,
  BILLABLE_STATEMENT_ITEM_STATES,
  LIVE_DECLARATION_STATES,
  REFUNDABLE_STATEMENT_ITEM_STATES,
  type DeclarationState,
} from '@npq/contracts';
import { pgArray, type EntityManager } from '@npq/service-kit';
import { ApplicationSchema, type ApplicationRow } from '../applications/entity';
import { DeclarationSchema, type DeclarationRow } from './entity';
import { hasPassedFromOutcome } from './rules';

/** A declaration with what it shows of its application (participant and course are the application's). */
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

/** What a view shows of the declaration's application. */
export type ApplicationOfView = Pick<
  ApplicationRow,
  | 'leadProviderId'
  | 'participantId'
  | 'courseIdentifier'
  | 'targetedDeliveryFundingEligibility'
  | 'teacherCatchment'
  | 'schoolUrn'
  | 'cohortStartYear'
>;

/** The view of a declaration the caller holds, with its application (no read: the command knows both). */
export function toView(d: DeclarationRow, a: ApplicationOfView): DeclarationView {
  return {
    id: d.id,
    applicationId: d.applicationId,
    leadProviderId: d.leadProviderId,
    applicationLeadProviderId: a.leadProviderId,
    participantId: a.participantId,
    courseIdentifier: a.courseIdentifier,
    declarationType: d.declarationType,
    declarationDate: d.declarationDate,
    state: d.state,
    stateReason: d.stateReason,
    deliveryPartnerId: d.deliveryPartnerId,
    secondaryDeliveryPartnerId: d.secondaryDeliveryPartnerId,
    cohortIdentifier: d.cohortIdentifier,
    cohortStartYear: d.cohortStartYear,
    targetedDeliveryFundingEligibility: a.targetedDeliveryFundingEligibility,
    teacherCatchment: a.teacherCatchment,
    schoolUrn: a.schoolUrn,
    applicationCohortStartYear: a.cohortStartYear,
    createdAt: d.createdAt,
    updatedAt: d.updatedAt,
    version: d.version,
  };
}

/** One statement for a declaration and the application columns its view shows (`one`). */
const SELECT_VIEW = `
  select d.id, d.application_id, d.lead_provider_id, a.lead_provider_id as application_lead_provider_id,
    a.participant_id, a.course_identifier, d.declaration_type, d.declaration_date, d.state, d.state_reason,
    d.delivery_partner_id, d.secondary_delivery_partner_id, d.cohort_identifier, d.cohort_start_year,
    a.targeted_delivery_funding_eligibility, a.teacher_catchment, a.school_urn,
    a.cohort_start_year as application_cohort_start_year, d.created_at, d.updated_at, d.version
  from finance.declarations d
  join finance.applications a on a.id = d.application_id`;

interface ViewRow {
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

function fromViewRow(r: ViewRow): DeclarationView {
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

  /** The views of these declarations, in the order given (their applications read in one query). */
  async views(declarations: DeclarationRow[]): Promise<DeclarationView[]> {
    if (declarations.length === 0) return [];
    const applications = await this.em.find(ApplicationSchema, {
      id: { $in: [...new Set(declarations.map((d) => d.applicationId))] },
    });
    const byId = new Map(applications.map((a) => [a.id, a]));
    return declarations.map((d) => {
      const a = byId.get(d.applicationId);
      if (!a) throw new Error(`application ${d.applicationId} of declaration ${d.id} is not projected`);
      return toView(d, a);
    });
  }

  /**
   * One declaration's view, declaration and application in one statement.
   *
   * raw SQL: measured hot path (every write's 404/403 check and answer). An ORM find costs 0.4–1 ms of CPU
   * per call on the benchmark machine against 0.15–0.2 ms for the statement itself, and this would take two
   * (docs/performance.md, "The ORM's cost per statement").
   */
  private async one(where: string, params: unknown[]): Promise<DeclarationView | null> {
    const rows: ViewRow[] = await this.em.execute(`${SELECT_VIEW} where ${where}`, params);
    return rows[0] ? fromViewRow(rows[0]) : null;
  }

  /**
   * One page in DfE's fixed order (created_at, id), in DfE's declaration scope (docs/domain.md#declaration-scope):
   * made by the provider, or made by another on an application now with the provider.
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
    // raw SQL: a union of two index-ordered scans each limited to the page (an OR would sort the provider's whole history); the ORM has no union.
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
    const rows = await this.em.find(DeclarationSchema, { id: { $in: page.map((p) => p.id) } });
    const byId = new Map(rows.map((r) => [r.id, r]));
    return this.views(page.map((p) => byId.get(p.id)).filter((d): d is DeclarationRow => d !== undefined));
  }

  /** The declaration if the provider can see it (made it, or its application is now with the provider). */
  findVisible(id: string, leadProviderId: string): Promise<DeclarationView | null> {
    return this.one('d.id = ? and (d.lead_provider_id = ? or d.application_lead_provider_id = ?)', [
      id,
      leadProviderId,
      leadProviderId,
    ]);
  }

  /** By id order. */
  async findByIds(ids: string[]): Promise<DeclarationView[]> {
    if (ids.length === 0) return [];
    return this.views(
      await this.em.find(DeclarationSchema, { id: { $in: ids } }, { orderBy: { id: 'asc' } }),
    );
  }

  findById(id: string): Promise<DeclarationView | null> {
    return this.one('d.id = ?', [id]);
  }

  /**
   * The declaration a command changes, its row locked for the rest of the transaction and managed by the
   * unit of work (the command's changes are written with a version check), with the application its view
   * shows. Null when there is no such declaration.
   *
   * raw SQL: one `select … for update` for the row and its application, handed to the unit of work with
   * `em.map`: a locking ORM findOne and a second find for the application cost about 2 ms of CPU per void
   * on the benchmark machine (docs/performance.md, "The ORM's cost per statement").
   */
  async lockForChange(id: string): Promise<{ row: DeclarationRow; view: DeclarationView } | null> {
    const rows: (Record<string, unknown> & { application: ApplicationOfView })[] = await this.em.execute(
      `select d.*, json_build_object(
           'leadProviderId', a.lead_provider_id, 'participantId', a.participant_id,
           'courseIdentifier', a.course_identifier,
           'targetedDeliveryFundingEligibility', a.targeted_delivery_funding_eligibility,
           'teacherCatchment', a.teacher_catchment, 'schoolUrn', a.school_urn, 'cohortStartYear', a.cohort_start_year
         ) as application
       from finance.declarations d join finance.applications a on a.id = d.application_id
       where d.id = ? for update of d`,
      [id],
    );
    if (!rows[0]) return null;
    const { application, ...columns } = rows[0];
    const row = this.em.map(DeclarationSchema, columns);
    return { row, view: toView(row, application) };
  }

  /**
   * Statement ids, latest outcome and partner names for a page of declarations: three queries whatever the
   * page size. `statement_id` is the first billable item's statement, `clawback_statement_id` the first
   * refundable one's; `has_passed` is the latest outcome of the declaration (voided or none → null).
   */
  async extras(views: DeclarationView[]): Promise<Map<string, DeclarationExtras>> {
    const result = new Map<string, DeclarationExtras>();
    if (views.length === 0) return result;
    const ids = views.map((v) => v.id);
    const partnerIds = [
      ...new Set(
        views
          .flatMap((v) => [v.deliveryPartnerId, v.secondaryDeliveryPartnerId])
          .filter((x): x is string => x !== null),
      ),
    ];
    // Sequential on purpose: the same method runs inside transactions, where queries share one connection.
    // raw SQL: measured hot path (every write's answer), as `one`; three statements whatever the page size.
    const idList = pgArray(ids);
    const items: { declaration_id: string; statement_id: string; state: string }[] = await this.em.execute(
      `select declaration_id, statement_id, state from finance.statement_items where declaration_id = any(?::uuid[])
       order by created_at asc, id asc`,
      [idList],
    );
    // The latest outcome of each declaration.
    const outcomes: { declaration_id: string; state: string }[] = await this.em.execute(
      `select distinct on (declaration_id) declaration_id, state from finance.outcomes where declaration_id = any(?::uuid[])
       order by declaration_id, created_at desc, ordinal desc, id desc`,
      [idList],
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
      result.set(v.id, {
        statementId: billable?.statement_id ?? null,
        clawbackStatementId: refundable?.statement_id ?? null,
        hasPassed: hasPassedFromOutcome(latest.get(v.id)),
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
  }): Promise<Pick<DeclarationRow, 'id' | 'state'> | null> {
    // raw SQL: measured hot path (twice per declaration create), as `one`.
    const rows: Pick<DeclarationRow, 'id' | 'state'>[] = await this.em.execute(
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
  ): Promise<Pick<DeclarationRow, 'id' | 'state'> | null> {
    // raw SQL: measured hot path (every declaration create), as `one`.
    const rows: Pick<DeclarationRow, 'id' | 'state'>[] = await this.em.execute(
      `select id, state from finance.declarations
       where application_id = ? and declaration_type = ? and state = any(?::text[])${exceptId ? ' and id <> ?' : ''}
       order by created_at asc, id asc limit 1`,
      [applicationId, declarationType, pgArray(LIVE_DECLARATION_STATES), ...(exceptId ? [exceptId] : [])],
    );
    return rows[0] ?? null;
  }

  /**
   * DfE's `duplicate_declarations` (docs/domain.md#duplicates): live declarations of the same type, not
   * superseded, for the same course (ASO/EHCO as one) on applications of a DIFFERENT person with the same
   * (raw, non-null) TRN. Any provider, any cohort. The earliest is the one the new declaration is superseded by.
   */
  async findEarliestDuplicate(q: {
    declarationId: string;
    participantId: string;
    trn: string | null;
    declarationType: string;
    courses: string[];
  }): Promise<string | null> {
    if (!q.trn || q.courses.length === 0) return null;
    // raw SQL: measured hot path (every declaration create), as `one`.
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

  /**
   * The state of the provider's latest outcome for the participant and course, over its remaining completed
   * declarations (the latest such declaration's latest outcome); undefined when there is none.
   */
  async latestCompletedOutcome(
    d: Pick<DeclarationView, 'participantId' | 'courseIdentifier' | 'leadProviderId'>,
    exceptId: string,
  ): Promise<string | undefined> {
    // raw SQL: measured hot path (voids of completed declarations), as `one`; one statement instead of two.
    const rows: { state: string | null }[] = await this.em.execute(
      `select o.state from finance.declarations x
       join finance.applications a on a.id = x.application_id
       left join lateral (
         select state from finance.outcomes where declaration_id = x.id order by created_at desc, ordinal desc, id desc limit 1
       ) o on true
       where a.participant_id = ? and a.course_identifier = ? and x.lead_provider_id = ? and x.declaration_type = 'completed'
         and x.state = any(?::text[]) and x.id <> ?
       order by x.created_at desc, x.id desc limit 1`,
      [d.participantId, d.courseIdentifier, d.leadProviderId, pgArray(BILLABLE_OR_VOIDABLE_STATES), exceptId],
    );
    return rows[0]?.state ?? undefined;
  }
}

/** A declaration with an item on a statement (the operators' statement view). */
export interface StatementDeclarationView {
  id: string;
  participantId: string;
  courseIdentifier: string;
  declarationType: string;
  state: DeclarationState;
  declarationDate: Date;
  /** The item's state on this statement (billable, refundable or neither). */
  itemState: string;
}

/**
 * The declarations with an item on a statement, by declaration date then id (and the item's creation, for
 * a declaration billed and clawed back on the same statement). `limit` undefined: all of them (the CSV).
 */
export async function statementDeclarations(
  em: EntityManager,
  statementId: string,
  page: { limit: number; offset: number } | undefined,
): Promise<StatementDeclarationView[]> {
  // raw SQL: a three-table join read as flat rows, which the ORM's entity queries cannot return.
  const rows: {
    id: string;
    participant_id: string;
    course_identifier: string;
    declaration_type: string;
    state: DeclarationState;
    declaration_date: Date;
    item_state: string;
  }[] = await em.execute(
    `select d.id, a.participant_id, a.course_identifier, d.declaration_type, d.state, d.declaration_date,
            si.state as item_state
       from finance.statement_items si
       join finance.declarations d on d.id = si.declaration_id
       join finance.applications a on a.id = d.application_id
      where si.statement_id = ?
      order by d.declaration_date, d.id, si.created_at
      ${page ? 'limit ? offset ?' : ''}`,
    page ? [statementId, page.limit, page.offset] : [statementId],
  );
  return rows.map((r) => ({
    id: r.id,
    participantId: r.participant_id,
    courseIdentifier: r.course_identifier,
    declarationType: r.declaration_type,
    state: r.state,
    declarationDate: new Date(r.declaration_date),
    itemState: r.item_state,
  }));
}

/** A person's declaration as operators see it, with its latest statement. */
export interface ParticipantDeclarationView {
  id: string;
  leadProviderId: string;
  courseIdentifier: string;
  declarationType: string;
  declarationDate: Date;
  state: DeclarationState;
  statementId: string | null;
}

/**
 * Every declaration of a person's applications, whoever made it, by declaration date, creation and id,
 * with the statement of its latest item (a clawed-back declaration's clawback statement).
 */
export async function participantDeclarations(
  em: EntityManager,
  participantId: string,
  page: { limit: number; offset: number },
): Promise<ParticipantDeclarationView[]> {
  // raw SQL: the latest statement item per declaration (a lateral join), which the ORM cannot express.
  const rows: {
    id: string;
    lead_provider_id: string;
    course_identifier: string;
    declaration_type: string;
    declaration_date: Date;
    state: DeclarationState;
    statement_id: string | null;
  }[] = await em.execute(
    `select d.id, d.lead_provider_id, a.course_identifier, d.declaration_type, d.declaration_date, d.state,
            si.statement_id
       from finance.declarations d
       join finance.applications a on a.id = d.application_id
       left join lateral (
         select statement_id from finance.statement_items
          where declaration_id = d.id order by created_at desc, id desc limit 1
       ) si on true
      where a.participant_id = ?
      order by d.declaration_date, d.created_at, d.id
      limit ? offset ?`,
    [participantId, page.limit, page.offset],
  );
  return rows.map((r) => ({
    id: r.id,
    leadProviderId: r.lead_provider_id,
    courseIdentifier: r.course_identifier,
    declarationType: r.declaration_type,
    declarationDate: new Date(r.declaration_date),
    state: r.state,
    statementId: r.statement_id,
  }));
}
