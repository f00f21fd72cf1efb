import type { FastifyRequest } from 'fastify';
import { LockMode, type EntityManager, type EntityName, type FilterQuery } from '@mikro-orm/postgresql';
import { notFound, type ApiError } from './errors';
import { requireAdmin, requireLeadProvider } from './http';
import {
  assertFilterShape,
  isUuid,
  parseCohortFilter,
  parseDateFilter,
  parsePagination,
  parseSort,
  parseUuidListFilter,
  scalarFilter,
  type Pagination,
  type Query,
  type SortKey,
} from './query';

/**
 * The opening every list route shares (docs/domain.md, "Lists"): who is asking, DfE's `filter` shape check,
 * then each filter in the order the route reads them (DfE reports the first bad one), then the page.
 * Each accessor parses one parameter the way every v3 list does.
 */
export class ListQuery {
  private constructor(
    readonly query: Query,
    /** The caller's lead provider (v3), or undefined for the admin API. */
    readonly leadProviderId: string | undefined,
  ) {}

  /** A v3 list: the caller must be a lead provider. */
  static forProvider(req: FastifyRequest): ListQuery & { leadProviderId: string } {
    const leadProviderId = requireLeadProvider(req);
    const query = req.query as Query;
    assertFilterShape(query);
    return new ListQuery(query, leadProviderId) as ListQuery & { leadProviderId: string };
  }

  /** An admin list: the caller must hold the admin token. */
  static forAdmin(req: FastifyRequest): ListQuery {
    requireAdmin(req);
    const query = req.query as Query;
    assertFilterShape(query);
    return new ListQuery(query, undefined);
  }

  /** `filter[<key>]` as an ISO 8601 time (`updated_since`, `created_since`). */
  date(key: string): Date | undefined {
    return parseDateFilter(this.query, key);
  }

  /** `filter[<key>]` as a comma-separated list of UUIDs. */
  uuids(key: string): string[] | undefined {
    return parseUuidListFilter(this.query, key);
  }

  /** `filter[cohort]`: start years. */
  cohorts(key = 'cohort'): number[] | undefined {
    return parseCohortFilter(this.query, key);
  }

  /** Any other scalar filter, blank meaning absent. */
  scalar(key: string): string | undefined {
    return scalarFilter(this.query, key);
  }

  sort(columns: Record<string, string>, fallback: SortKey[]): SortKey[] {
    return parseSort(this.query, columns, fallback);
  }

  page(): Pagination {
    return parsePagination(this.query);
  }
}

export interface OwnershipRule<T> {
  /** The calling lead provider. */
  leadProviderId: string;
  /** The row's owning lead provider. */
  ownerOf: (row: T) => string | null;
  /**
   * Another provider's row: DfE hides it (404, the default) or, where the caller can see it but not change
   * it, refuses with this error (DfE's 403 "You cannot modify…").
   */
  otherProvider?: () => ApiError;
  /** When `otherProvider` is set: whether the caller can see the other provider's row at all (else 404). */
  visible?: (row: T) => boolean | Promise<boolean>;
}

/**
 * Loads the row a command changes, locked for update (so concurrent commands on it run one at a time):
 * an id that is not a UUID, or names nothing, is DfE's 404; another provider's row follows `owned`.
 */
export async function findForUpdate<T extends object>(
  em: EntityManager,
  entity: EntityName<T>,
  rawId: string,
  owned?: OwnershipRule<T>,
): Promise<T> {
  if (!isUuid(rawId)) throw notFound();
  const row = await em.findOne(entity, { id: rawId.toLowerCase() } as FilterQuery<NoInfer<T>>, {
    lockMode: LockMode.PESSIMISTIC_WRITE,
  });
  if (!row) throw notFound();
  if (!owned || owned.ownerOf(row) === owned.leadProviderId) return row;
  if (owned.otherProvider && (owned.visible ? await owned.visible(row) : true)) throw owned.otherProvider();
  throw notFound();
}
