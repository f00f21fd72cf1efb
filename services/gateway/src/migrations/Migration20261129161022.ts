import { Migration } from '@mikro-orm/migrations';

export class Migration20261129161022 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create schema if not exists "gateway";`);
    this.addSql(`create table "gateway"."api_tokens" ("id" uuid not null, "hashed_token" varchar(64) not null, "scope" text check ("scope" in ('lead_provider', 'teacher_record_service')) not null, "lead_provider_id" uuid null, "kind" text check ("kind" in ('minted', 'bootstrap')) not null default 'minted', "created_at" timestamptz not null, "last_used_at" timestamptz null, "revoked_at" timestamptz null, constraint "api_tokens_pkey" primary key ("id"), constraint api_tokens_lead_provider_scope_check check ((scope = 'lead_provider') = (lead_provider_id is not null)));`);
    this.addSql(`alter table "gateway"."api_tokens" add constraint "api_tokens_hashed_token_unique" unique ("hashed_token");`);
    this.addSql(`create index "api_tokens_lead_provider_idx" on "gateway"."api_tokens" ("lead_provider_id");`);

    this.addSql(`create table "gateway"."lead_providers" ("id" uuid not null, "name" varchar(200) not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, constraint "lead_providers_pkey" primary key ("id"));`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "gateway"."api_tokens" cascade;`);

    this.addSql(`drop table if exists "gateway"."lead_providers" cascade;`);

    this.addSql(`drop schema if exists "gateway";`);
  }

}
