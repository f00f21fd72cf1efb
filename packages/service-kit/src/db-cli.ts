import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { loadConfig } from './config';
import { createOrm, hasSchemaDrift, migrateUp, type OrmSettings } from './orm';

type Settings = Omit<OrmSettings, 'snapshot' | 'clientUrl'>;

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

/** Creates the database named in the URL if it does not exist yet (first start on a fresh machine). */
export async function ensureDatabaseExists(url: string): Promise<void> {
  const name = new URL(url).pathname.replace(/^\//, '');
  const client = new Client({ connectionString: withDatabase(url, 'postgres') });
  await client.connect();
  try {
    const exists = await client.query('select 1 from pg_database where datname = $1', [name]);
    if (exists.rowCount === 0) {
      await client.query(`create database "${name.replace(/"/g, '""')}"`).catch((err: { code?: string }) => {
        if (err.code !== '42P04') throw err; // created concurrently by another service
      });
    }
  } finally {
    await client.end();
  }
}

async function withScratchDatabase<T>(baseUrl: string, fn: (url: string) => Promise<T>): Promise<T> {
  const name = `npq_scratch_${randomBytes(4).toString('hex')}`;
  const admin = new Client({ connectionString: withDatabase(baseUrl, 'postgres') });
  await admin.connect();
  await admin.query(`create database "${name}"`);
  try {
    return await fn(withDatabase(baseUrl, name));
  } finally {
    await admin.query(`drop database if exists "${name}" with (force)`);
    await admin.end();
  }
}

/**
 * The database commands every service exposes (`pnpm --filter @npq/<service> db <command>`):
 * - `migrate`: apply pending migrations to DATABASE_URL (creating the database if needed);
 * - `migration:create`: generate a migration for entity changes (diffed against the committed snapshot);
 * - `migration:check`: fail if the entities and the committed migrations disagree. It applies every
 *   migration to a scratch database and compares the result with the entities, and also compares the
 *   entities with the committed snapshot.
 */
export async function runDbCli(settings: Settings, databaseUrl: string, argv: string[]): Promise<number> {
  const command = argv[0];
  const out = (line: string) => process.stdout.write(`${line}\n`);
  switch (command) {
    case 'migrate': {
      await ensureDatabaseExists(databaseUrl);
      const orm = await createOrm({ ...settings, clientUrl: databaseUrl });
      try {
        await migrateUp(orm);
        out(`${settings.schema}: migrations applied`);
      } finally {
        await orm.close(true);
      }
      return 0;
    }
    case 'migration:create':
      return withScratchDatabase(databaseUrl, async (url) => {
        const runtime = await createOrm({ ...settings, clientUrl: url });
        await migrateUp(runtime);
        await runtime.close(true);
        const tooling = await createOrm({ ...settings, clientUrl: url, snapshot: true });
        try {
          const result = await tooling.migrator.create(undefined, false, false, argv[1]);
          out(
            result.fileName
              ? `${settings.schema}: created ${result.fileName}`
              : `${settings.schema}: no changes`,
          );
        } finally {
          await tooling.close(true);
        }
        return 0;
      });
    case 'migration:check':
      return withScratchDatabase(databaseUrl, async (url) => {
        const runtime = await createOrm({ ...settings, clientUrl: url });
        let problems = 0;
        try {
          await migrateUp(runtime);
          const pending = await runtime.schema.getUpdateSchemaSQL({ wrap: false, safe: false });
          if (pending.trim() !== '') {
            problems++;
            out(
              `${settings.schema}: the migrations do not produce the schema the entities describe:\n${pending}`,
            );
          }
        } finally {
          await runtime.close(true);
        }
        const tooling = await createOrm({ ...settings, clientUrl: url, snapshot: true });
        try {
          if (await hasSchemaDrift(tooling)) {
            problems++;
            out(`${settings.schema}: entities changed without a migration (run migration:create)`);
          }
        } finally {
          await tooling.close(true);
        }
        if (problems === 0) out(`${settings.schema}: no schema drift`);
        return problems === 0 ? 0 : 1;
      });
    default:
      out('usage: db <migrate|migration:create [name]|migration:check>');
      return 2;
  }
}

/** `src/db.ts` of every service: `runDbMain((config) => settings)`. */
export function runDbMain(settingsFor: (databaseUrl: string) => OrmSettings): void {
  const config = loadConfig();
  const { clientUrl: _unused, snapshot: _snapshot, ...settings } = settingsFor(config.DATABASE_URL);
  runDbCli(settings, config.DATABASE_URL, process.argv.slice(2))
    .then((code) => process.exit(code))
    .catch((err: unknown) => {
      process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exit(1);
    });
}
