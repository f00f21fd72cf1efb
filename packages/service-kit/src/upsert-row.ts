import type { EntityManager, EntityName, Type } from '@mikro-orm/postgresql';
import { databaseValue, rowTable, statementCache } from './row-sql';

export interface UpsertOptions<T> {
  /** The unique property a stored row conflicts on; the primary key when not named. */
  on?: keyof T & string;
  /** When a conflicting row is stored: the properties it takes from the new row (none: it is kept as it is). */
  update: readonly (keyof T & string)[];
  /**
   * …and only when the stored row's property is below (`<`) or at most (`<=`) the new row's: a projection
   * applies a snapshot only over an older one.
   */
  onlyIf?: { property: keyof T & string; storedIs: '<' | '<=' };
}

interface Statement {
  sql: string;
  inserted: { property: string; type: Type<unknown> | undefined }[];
}

const cached = statementCache<Statement>();

/**
 * Inserts a row, or on a conflict (primary key, or the unique property named) updates the named properties
 * (optionally only over an older row), in one `insert … on conflict … do update … where`: two replicas
 * applying events of one aggregate at once cannot both insert it, and an older snapshot never overwrites a
 * newer one. True when a row was inserted or updated.
 *
 * raw SQL, built from the entity's metadata (table, columns, custom types) and cached per property list:
 * the QueryBuilder's `insert().onConflict().merge().where()` costs 0.47–0.60 ms of CPU per call, this
 * 0.35–0.41 ms; used by the projections' event consumers (docs/performance.md, "Applying snapshots").
 * Not for an entity the unit of work manages in the same transaction: this bypasses the identity map.
 */
export async function upsertRow<T extends object>(
  em: EntityManager,
  entityName: EntityName<T>,
  row: Partial<T>,
  options: UpsertOptions<T>,
): Promise<boolean> {
  const values = row as Record<string, unknown>;
  const properties = Object.keys(values).filter((p) => values[p] !== undefined);
  const meta = em.getMetadata().get(entityName);
  const key = `${properties.join(',')}|${options.on ?? ''}|${options.update.join(',')}|${options.onlyIf?.property ?? ''}${options.onlyIf?.storedIs ?? ''}`;
  const statement = cached(meta, key, () => {
    const table = rowTable(em, meta);
    const columns = properties.map((p) => `"${table.column(p)}"`);
    const assignments = options.update.map((p) => `"${table.column(p)}" = excluded."${table.column(p)}"`);
    const condition = options.onlyIf
      ? ` where stored."${table.column(options.onlyIf.property)}" ${options.onlyIf.storedIs} excluded."${table.column(options.onlyIf.property)}"`
      : '';
    const onConflict =
      assignments.length > 0 ? `do update set ${assignments.join(', ')}${condition}` : 'do nothing';
    return {
      sql: `insert into ${table.qualifiedName} as stored (${columns.join(', ')}) values (${columns.map(() => '?').join(', ')}) on conflict ("${table.column(options.on ?? table.primaryKey)}") ${onConflict}`,
      inserted: properties.map((property) => ({ property, type: table.type(property) })),
    };
  });
  const platform = em.getPlatform();
  const params = statement.inserted.map(({ property, type }) =>
    databaseValue(type, values[property], platform),
  );
  const result: { affectedRows: number } = await em.execute(statement.sql, params, 'run');
  return result.affectedRows > 0;
}
