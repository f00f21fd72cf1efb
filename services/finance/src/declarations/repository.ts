import type { FilterQuery } from '@mikro-orm/postgresql';
import {
  BILLABLE_OR_VOIDABLE_STATES,
  BILLABLE_STATEMENT_ITEM_STATES,
  LIVE_DECLARATION_STATES,
  REFUNDABLE_STATEMENT_ITEM_STATES,
  type DeclarationState,
} from '@npq/contracts';
import { pgArray, type EntityManager } from '@npq/service-kit';
import { ApplicationSchema, OutcomeSchema, PersonSchema, type ApplicationRow } from '../applications/entity';
import { DeliveryPartnerSchema } from '../delivery-partners/entity';
import { StatementItemSchema } from '../statements/entity';
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

function toView(d: DeclarationRow, a: ApplicationRow): DeclarationView {
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

  private async one(where: FilterQuery<DeclarationRow>): Promise<DeclarationView | null> {
    const d = await this.em.findOne(DeclarationSchema, where);
    return d ? ((await this.views([d]))[0] ?? null) : null;
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
    return this.one({ id, $or: [{ leadProviderId }, { applicationLeadProviderId: leadProviderId }] });
  }

  /** By id order. */
  async findByIds(ids: string[]): Promise<DeclarationView[]> {
    if (ids.length === 0) return [];
    return this.views(
      await this.em.find(DeclarationSchema, { id: { $in: ids } }, { orderBy: { id: 'asc' } }),
    );
  }

  findById(id: string): Promise<DeclarationView | null> {
    return this.one({ id });
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
    const items = await this.em.find(
      StatementItemSchema,
      { declarationId: { $in: ids } },
      { orderBy: { createdAt: 'asc', id: 'asc' }, fields: ['declarationId', 'statementId', 'state'] },
    );
    // Newest first: the first outcome seen per declaration is its latest.
    const outcomes = await this.em.find(
      OutcomeSchema,
      { declarationId: { $in: ids } },
      { orderBy: { createdAt: 'desc', ordinal: 'desc', id: 'desc' }, fields: ['declarationId', 'state'] },
    );
    const partners =
      partnerIds.length === 0
        ? []
        : await this.em.find(DeliveryPartnerSchema, { id: { $in: partnerIds } }, { fields: ['name'] });
    const names = new Map(partners.map((p) => [p.id, p.name]));
    const latest = new Map<string, string>();
    for (const o of outcomes) if (!latest.has(o.declarationId)) latest.set(o.declarationId, o.state);
    for (const v of views) {
      const mine = items.filter((i) => i.declarationId === v.id);
      const billable = mine.find((i) =>
        (BILLABLE_STATEMENT_ITEM_STATES as readonly string[]).includes(i.state),
      );
      const refundable = mine.find((i) =>
        (REFUNDABLE_STATEMENT_ITEM_STATES as readonly string[]).includes(i.state),
      );
      result.set(v.id, {
        statementId: billable?.statementId ?? null,
        clawbackStatementId: refundable?.statementId ?? null,
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
  findIdentical(q: {
    participantId: string;
    courseIdentifier: string;
    declarationDate: Date;
    declarationType: string;
    leadProviderId: string;
  }): Promise<Pick<DeclarationRow, 'id' | 'state'> | null> {
    return this.em.findOne(
      DeclarationSchema,
      {
        applicationId: {
          $in: this.em
            .createQueryBuilder(ApplicationSchema, 'a')
            .select('a.id')
            .where({ participantId: q.participantId, courseIdentifier: q.courseIdentifier }),
        },
        declarationDate: q.declarationDate,
        declarationType: q.declarationType,
        leadProviderId: q.leadProviderId,
        state: { $in: [...LIVE_DECLARATION_STATES] },
      },
      { orderBy: { createdAt: 'asc', id: 'asc' }, fields: ['state'] },
    );
  }

  /** The live declaration of this type on the application (at any provider), if any. */
  findLiveOfType(
    applicationId: string,
    declarationType: string,
    exceptId?: string,
  ): Promise<Pick<DeclarationRow, 'id' | 'state'> | null> {
    return this.em.findOne(
      DeclarationSchema,
      {
        applicationId,
        declarationType,
        state: { $in: [...LIVE_DECLARATION_STATES] },
        ...(exceptId ? { id: { $ne: exceptId } } : {}),
      },
      { orderBy: { createdAt: 'asc', id: 'asc' }, fields: ['state'] },
    );
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
    const sameTrn = this.em.createQueryBuilder(PersonSchema, 'p').select('p.id').where({ trn: q.trn });
    const duplicate = await this.em.findOne(
      DeclarationSchema,
      {
        id: { $ne: q.declarationId },
        declarationType: q.declarationType,
        supersededById: null,
        state: { $in: [...LIVE_DECLARATION_STATES] },
        applicationId: {
          $in: this.em
            .createQueryBuilder(ApplicationSchema, 'a')
            .select('a.id')
            .where({
              participantId: { $ne: q.participantId, $in: sameTrn },
              courseIdentifier: { $in: q.courses },
            }),
        },
      },
      { orderBy: { createdAt: 'asc', id: 'asc' }, fields: ['id'] },
    );
    return duplicate?.id ?? null;
  }

  /**
   * The state of the provider's latest outcome for the participant and course, over its remaining completed
   * declarations (the latest such declaration's latest outcome); undefined when there is none.
   */
  async latestCompletedOutcome(
    d: Pick<DeclarationView, 'participantId' | 'courseIdentifier' | 'leadProviderId'>,
  ): Promise<string | undefined> {
    const latest = await this.em.findOne(
      DeclarationSchema,
      {
        applicationId: {
          $in: this.em
            .createQueryBuilder(ApplicationSchema, 'a')
            .select('a.id')
            .where({ participantId: d.participantId, courseIdentifier: d.courseIdentifier }),
        },
        leadProviderId: d.leadProviderId,
        declarationType: 'completed',
        state: { $in: [...BILLABLE_OR_VOIDABLE_STATES] },
      },
      { orderBy: { createdAt: 'desc', id: 'desc' }, fields: ['id'] },
    );
    if (!latest) return undefined;
    const outcome = await this.em.findOne(
      OutcomeSchema,
      { declarationId: latest.id },
      { orderBy: { createdAt: 'desc', ordinal: 'desc', id: 'desc' }, fields: ['state'] },
    );
    return outcome?.state;
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
