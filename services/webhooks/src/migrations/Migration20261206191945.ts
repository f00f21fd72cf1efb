import { Migration } from '@mikro-orm/migrations';

export class Migration20261206191945 extends Migration {

  override name = 'Migration20261206191945';

  override up(): void | Promise<void> {
    this.addSql(`create table "webhooks"."sandbox_mutes" ("lead_provider_id" uuid not null, "application_ids" jsonb not null, "muted_until" timestamptz not null, primary key ("lead_provider_id"));`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "webhooks"."sandbox_mutes" cascade;`);
  }

}
