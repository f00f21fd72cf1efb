import { run, type ProcessGroup } from './processes';

/**
 * Runs a SQL script through `psql` (the test package has no Postgres driver of its own) and returns every
 * row it printed, unaligned: one line per row, columns separated by `|`. Stops at the first error.
 */
export async function psql(group: ProcessGroup, url: string, sql: string): Promise<string[][]> {
  const { stdout } = await run(
    group,
    'psql',
    ['-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-d', url, '-f', '-'],
    {
      input: sql,
      env: { ...process.env, PGOPTIONS: '-c client_min_messages=warning' },
    },
  );
  return stdout
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => line.split('|'));
}

/** A SQL string literal. */
export function literal(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/** A SQL text[] literal, e.g. `array['a','b']::text[]`. */
export function textArray(values: readonly string[]): string {
  return `array[${values.map(literal).join(', ')}]::text[]`;
}
