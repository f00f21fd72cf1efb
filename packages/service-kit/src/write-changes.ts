import {
  OptimisticLockError,
  wrap,
  type EntityManager,
  type EntityMetadata,
  type Type,
} from '@mikro-orm/postgresql';
import { databaseValue, rowTable, statementCache } from './row-sql';

/** The statement for one entity type and set of properties, built once from the entity's metadata. */
interface Statement {
  className: string;
  sql: string;
  /** Property of each `?` of the `set` list, in order, with its custom type (if any) for the conversion. */
  assigned: { property: string; type: Type<unknown> | undefined }[];
  primaryKey: string;
  /** Version property and its column name, when the entity is versioned. */
  version?: { property: string; column: string };
}

const cached = statementCache<Statement>();

function build(em: EntityManager, meta: EntityMetadata, properties: readonly string[]): Statement {
  const table = rowTable(em, meta);
  const assignments = properties.map((p) => `"${table.column(p)}" = ?`);
  const versionProperty = meta.versionProperty as string | undefined;
  const version = versionProperty
    ? { property: versionProperty, column: table.column(versionProperty) }
    : undefined;
  if (version) assignments.push(`"${version.column}" = "${version.column}" + 1`);
  const where = `"${table.column(table.primaryKey)}" = ?${version ? ` and "${version.column}" = ?` : ''}`;
  return {
    className: table.className,
    sql: `update ${table.qualifiedName} set ${assignments.join(', ')} where ${where} returning "${version?.column ?? table.column(table.primaryKey)}"`,
    assigned: properties.map((property) => ({ property, type: table.type(property) })),
    primaryKey: table.primaryKey,
    version,
  };
}

/**
 * Writes the named properties of an entity the unit of work manages, in one `update … returning`, then
 * detaches it so the transaction's flush does not write it again. A versioned entity gets what the flush
 * would give it: the version moves on (the new value is set on the entity) and the update only applies to
 * the version the command read, otherwise MikroORM's own `OptimisticLockError` (a transient conflict,
 * http.ts).
 *
 * raw SQL, built from the entity's metadata: the flush of one changed row costs 0.25–0.3 ms of CPU (change
 * set, MikroORM's query builder) where this statement costs under 0.1 ms. Used only on the write paths
 * `pnpm bench` measures (docs/performance.md, "Writing changed rows"); everywhere else, the flush.
 */
export async function writeChanges<T extends object>(
  em: EntityManager,
  entity: T,
  properties: readonly (keyof T & string)[],
): Promise<void> {
  if (properties.length === 0) return;
  const meta = wrap(entity, true).__meta;
  const statement = cached(meta, properties.join(','), () => build(em, meta, properties));
  const platform = em.getPlatform();
  const row = entity as Record<string, unknown>;
  const params = statement.assigned.map(({ property, type }) => databaseValue(type, row[property], platform));
  params.push(row[statement.primaryKey]);
  if (statement.version) params.push(row[statement.version.property]);
  const written: Record<string, unknown>[] = await em.execute(statement.sql, params);
  if (!written[0]) {
    if (statement.version) throw OptimisticLockError.lockFailed(entity);
    throw new Error(`${statement.className} ${String(row[statement.primaryKey])} not found`);
  }
  if (statement.version) row[statement.version.property] = Number(written[0][statement.version.column]);
  em.getUnitOfWork().unsetIdentity(entity);
}
