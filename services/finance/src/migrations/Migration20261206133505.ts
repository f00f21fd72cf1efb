import { Migration } from '@mikro-orm/migrations';

export class Migration20261206133505 extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "finance"."idempotency_keys" ("scope" varchar(120) not null, "idempotency_key" varchar(255) not null, "fingerprint" varchar(64) not null, "status_code" int null, "response_body" text null, "created_at" timestamptz not null default now(), constraint "idempotency_keys_pkey" primary key ("scope", "idempotency_key"));`,
    );
    this.addSql(
      `create index "idempotency_keys_created_idx" on "finance"."idempotency_keys" ("created_at");`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "finance"."idempotency_keys" cascade;`);
  }
}
