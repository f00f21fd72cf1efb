/**
 * A constant list (from @npq/contracts, never user input) as a SQL list literal, `('a', 'b')`: for index
 * predicates and query fragments shared by several clauses, where a bound parameter cannot stand.
 */
export function sqlList(values: readonly string[]): string {
  return `(${values.map((v) => `'${v.replace(/'/g, "''")}'`).join(', ')})`;
}
