import { Migration } from '@mikro-orm/migrations';

export class Migration20261206175609 extends Migration {

  override name = 'Migration20261206175609';

  override up(): void | Promise<void> {
    this.addSql(`create schema if not exists "webhooks";`);
    this.addSql(`create table "webhooks"."application_owners" ("application_id" uuid not null, "lead_provider_id" uuid not null, primary key ("application_id"));`);

    this.addSql(`create table "webhooks"."deliveries" ("seq" bigserial primary key, "id" uuid not null, "subscription_id" uuid not null, "lead_provider_id" uuid not null, "event_id" uuid not null, "event_type" varchar(60) not null, "resource_id" uuid not null, "payload" text not null, "state" varchar(20) not null default 'pending', "attempts" int not null default 0, "next_attempt_at" timestamptz not null, "claimed_until" timestamptz null, "last_status_code" int null, "delivered_at" timestamptz null, "created_at" timestamptz not null, "updated_at" timestamptz not null);`);
    this.addSql(`alter table "webhooks"."deliveries" add constraint "deliveries_id_unique" unique ("id");`);
    this.addSql(`create index "deliveries_pending_idx" on "webhooks"."deliveries" ("state", "next_attempt_at");`);
    this.addSql(`create index "deliveries_resource_idx" on "webhooks"."deliveries" ("subscription_id", "resource_id", "state", "seq");`);
    this.addSql(`alter table "webhooks"."deliveries" add constraint "deliveries_event_unique" unique ("subscription_id", "event_id");`);

    this.addSql(`create table "webhooks"."delivery_attempts" ("seq" bigserial primary key, "delivery_id" uuid not null, "subscription_id" uuid not null, "attempted_at" timestamptz not null, "status_code" int null, "latency_ms" int not null, "response_excerpt" text null, "error" text null);`);
    this.addSql(`create index "delivery_attempts_delivery_idx" on "webhooks"."delivery_attempts" ("delivery_id");`);

    this.addSql(`create table "webhooks"."idempotency_keys" ("scope" varchar(120) not null, "idempotency_key" varchar(255) not null, "fingerprint" varchar(64) not null, "status_code" int null, "response_body" text null, "created_at" timestamptz not null default now(), primary key ("scope", "idempotency_key"));`);
    this.addSql(`create index "idempotency_keys_created_idx" on "webhooks"."idempotency_keys" ("created_at");`);

    this.addSql(`create table "webhooks"."inbox" ("event_id" uuid not null, "consumer" varchar(100) not null, "name" varchar(100) not null, "applied_at" timestamptz not null default now(), primary key ("event_id", "consumer"));`);

    this.addSql(`create table "webhooks"."outbox" ("seq" bigserial primary key, "id" uuid not null, "name" varchar(100) not null, "subject" varchar(200) not null, "aggregate_id" uuid not null, "envelope" jsonb not null, "created_at" timestamptz not null default now(), "published_at" timestamptz null, "attempts" int not null default 0);`);
    this.addSql(`alter table "webhooks"."outbox" add constraint "outbox_id_unique" unique ("id");`);
    this.addSql(`create index "outbox_unpublished_idx" on webhooks.outbox ("seq") where "published_at" is null;`);

    this.addSql(`create table "webhooks"."parked_messages" ("id" uuid not null default gen_random_uuid(), "consumer" varchar(100) not null, "subject" varchar(200) not null, "event_id" uuid null, "payload" text not null, "error" text not null, "deliveries" int not null, "parked_at" timestamptz not null default now(), primary key ("id"));`);

    this.addSql(`create table "webhooks"."subscriptions" ("id" uuid not null, "lead_provider_id" uuid not null, "url" text not null, "event_types" jsonb not null, "secret" varchar(100) not null, "state" varchar(20) not null default 'active', "failing_since" timestamptz null, "disabled_at" timestamptz null, "created_at" timestamptz not null, "updated_at" timestamptz not null, primary key ("id"));`);
    this.addSql(`create index "subscriptions_provider_idx" on "webhooks"."subscriptions" ("lead_provider_id");`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "webhooks"."application_owners" cascade;`);
    this.addSql(`drop table if exists "webhooks"."deliveries" cascade;`);
    this.addSql(`drop table if exists "webhooks"."delivery_attempts" cascade;`);
    this.addSql(`drop table if exists "webhooks"."idempotency_keys" cascade;`);
    this.addSql(`drop table if exists "webhooks"."inbox" cascade;`);
    this.addSql(`drop table if exists "webhooks"."outbox" cascade;`);
    this.addSql(`drop table if exists "webhooks"."parked_messages" cascade;`);
    this.addSql(`drop table if exists "webhooks"."subscriptions" cascade;`);

    this.addSql(`drop schema if exists "webhooks";`);
  }

}
