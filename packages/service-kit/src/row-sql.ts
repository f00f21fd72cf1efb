import type { EntityManager, EntityMetadata, EntityProperty, Platform, Type } from '@mikro-orm/postgresql';

/**
 * What the kit's single-statement writes (`writeChanges`, `upsertRow`) read from an entity's metadata: its
 * schema-qualified table, each property's column and the custom type that converts its value. Statements
 * are built from these once per entity type and property list, so no service spells a column name.
 */
export interface RowTable {
  className: string;
  /** `"schema"."table"`. */
  qualifiedName: string;
  primaryKey: string;
  column(property: string): string;
  type(property: string): Type<unknown> | undefined;
}

export function rowTable(em: EntityManager, meta: EntityMetadata): RowTable {
  const props = meta.properties as Record<string, EntityProperty | undefined>;
  const [primaryKey] = meta.primaryKeys;
  if (!primaryKey || meta.primaryKeys.length !== 1)
    throw new Error(`${meta.className} needs one primary key`);
  const schema = meta.schema ?? em.config.get('schema');
  return {
    className: meta.className,
    qualifiedName: `"${schema}"."${meta.tableName}"`,
    primaryKey,
    column(property) {
      const name = props[property]?.fieldNames?.[0];
      if (!name) throw new Error(`${meta.className} has no column for ${property}`);
      return name;
    },
    type: (property) => props[property]?.customType,
  };
}

/** A property's value as the driver takes it (its custom type's conversion, if it has one). */
export function databaseValue(type: Type<unknown> | undefined, value: unknown, platform: Platform): unknown {
  return type ? type.convertToDatabaseValue(value, platform, { mode: 'query' }) : value;
}

/** A per-metadata cache of built statements, keyed by the property list. */
export function statementCache<S>(): (meta: object, key: string, build: () => S) => S {
  const byMeta = new WeakMap<object, Map<string, S>>();
  return (meta, key, build) => {
    let byKey = byMeta.get(meta);
    if (!byKey) byMeta.set(meta, (byKey = new Map<string, S>()));
    let statement = byKey.get(key);
    if (!statement) byKey.set(key, (statement = build()));
    return statement;
  };
}
