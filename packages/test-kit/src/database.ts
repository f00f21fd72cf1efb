import { randomBytes } from 'node:crypto';
import { Client } from 'pg';

export const TEST_DATABASE_SERVER = process.env.TEST_DATABASE_SERVER ?? 'postgres://postgres@127.0.0.1:5432';

/** A short random suffix, safe for database names, schemas, subjects and queue names. */
export function uniqueSuffix(): string {
  return `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
}

async function admin<T>(fn: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: `${TEST_DATABASE_SERVER}/postgres` });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export interface TestDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

/** A fresh, empty database for one test file; `drop()` removes it (and any lingering connections). */
export async function createTestDatabase(prefix = 'npq_test'): Promise<TestDatabase> {
  const name = `${prefix}_${uniqueSuffix()}`;
  await admin((c) => c.query(`create database "${name}"`));
  return {
    name,
    url: `${TEST_DATABASE_SERVER}/${name}`,
    drop: () => admin((c) => c.query(`drop database if exists "${name}" with (force)`)).then(() => undefined),
  };
}
