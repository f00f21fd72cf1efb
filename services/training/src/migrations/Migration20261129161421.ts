import { Migration } from '@mikro-orm/migrations';

export class Migration20261129161421 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create schema if not exists "training";`);
    this.addSql(`create table "training"."inbox" ("event_id" uuid not null, "consumer" varchar(100) not null, "name" varchar(100) not null, "applied_at" timestamptz not null default now(), constraint "inbox_pkey" primary key ("event_id", "consumer"));`);

    this.addSql(`create table "training"."outbox" ("seq" bigserial primary key, "id" uuid not null, "name" varchar(100) not null, "subject" varchar(200) not null, "aggregate_id" uuid not null, "envelope" jsonb not null, "created_at" timestamptz not null default now(), "published_at" timestamptz null, "attempts" int not null default 0);`);
    this.addSql(`alter table "training"."outbox" add constraint "outbox_id_unique" unique ("id");`);
    this.addSql(`create index "outbox_unpublished_idx" on training.outbox ("seq") where "published_at" is null;`);

    this.addSql(`create table "training"."parked_messages" ("id" uuid not null default gen_random_uuid(), "consumer" varchar(100) not null, "subject" varchar(200) not null, "event_id" uuid null, "payload" text not null, "error" text not null, "deliveries" int not null, "parked_at" timestamptz not null default now(), constraint "parked_messages_pkey" primary key ("id"));`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "training"."inbox" cascade;`);

    this.addSql(`drop table if exists "training"."outbox" cascade;`);

    this.addSql(`drop table if exists "training"."parked_messages" cascade;`);

    this.addSql(`drop schema if exists "training";`);
  }

}
