import { Migration } from '@mikro-orm/migrations';

export class Migration20261129165740 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create schema if not exists "training";`);
    this.addSql(
      `create table "training"."applications" ("id" uuid not null, "participant_id" uuid not null, "lead_provider_id" uuid not null, "course_identifier" varchar(60) not null, "status" varchar(20) not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "version" int not null, constraint "applications_pkey" primary key ("id"));`,
    );
    this.addSql(`create index "applications_updated_at_idx" on "training"."applications" ("updated_at");`);
    this.addSql(
      `create index "applications_participant_idx" on "training"."applications" ("participant_id", "lead_provider_id", "status");`,
    );
    this.addSql(
      `create index "applications_provider_idx" on "training"."applications" ("lead_provider_id", "status", "participant_id");`,
    );

    this.addSql(
      `create table "training"."application_states" ("seq" bigserial primary key, "application_id" uuid not null, "lead_provider_id" uuid not null, "state" varchar(20) not null, "reason" varchar(80) null, "created_at" timestamptz not null);`,
    );
    this.addSql(
      `create index "application_states_application_idx" on "training"."application_states" ("application_id", "state", "lead_provider_id", "seq");`,
    );

    this.addSql(
      `create table "training"."declarations" ("seq" bigserial primary key, "id" uuid not null, "application_id" uuid not null, "lead_provider_id" uuid not null, "course_identifier" varchar(60) not null, "declaration_type" varchar(20) not null, "declaration_date" timestamptz not null, "state" varchar(30) not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "version" int not null);`,
    );
    this.addSql(
      `alter table "training"."declarations" add constraint "declarations_id_unique" unique ("id");`,
    );
    this.addSql(
      `create index "declarations_application_idx" on "training"."declarations" ("application_id", "declaration_type", "state");`,
    );

    this.addSql(
      `create table "training"."enrolments" ("id" uuid not null, "schedule_identifier" varchar(40) null, "cohort_identifier" varchar(5) not null, "funded_place" boolean null, "eligible_for_funding" boolean not null, "targeted_delivery_funding_eligibility" boolean not null, "school_urn" varchar(20) null, "accepted_at" timestamptz not null, "training_status" varchar(20) not null default 'active', "application_version" int not null, "version" int not null default 1, "created_at" timestamptz not null, "updated_at" timestamptz not null, constraint "enrolments_pkey" primary key ("id"));`,
    );
    this.addSql(
      `create index "enrolments_training_status_idx" on "training"."enrolments" ("training_status");`,
    );

    this.addSql(
      `create table "training"."inbox" ("event_id" uuid not null, "consumer" varchar(100) not null, "name" varchar(100) not null, "applied_at" timestamptz not null default now(), constraint "inbox_pkey" primary key ("event_id", "consumer"));`,
    );

    this.addSql(
      `create table "training"."outbox" ("seq" bigserial primary key, "id" uuid not null, "name" varchar(100) not null, "subject" varchar(200) not null, "aggregate_id" uuid not null, "envelope" jsonb not null, "created_at" timestamptz not null default now(), "published_at" timestamptz null, "attempts" int not null default 0);`,
    );
    this.addSql(`alter table "training"."outbox" add constraint "outbox_id_unique" unique ("id");`);
    this.addSql(
      `create index "outbox_unpublished_idx" on training.outbox ("seq") where "published_at" is null;`,
    );

    this.addSql(
      `create table "training"."outcomes" ("seq" bigserial primary key, "id" uuid not null, "declaration_id" uuid not null, "application_id" uuid not null, "lead_provider_id" uuid not null, "course_identifier" varchar(60) not null, "state" varchar(20) not null, "completion_date" date not null, "created_at" timestamptz not null, "updated_at" timestamptz not null);`,
    );
    this.addSql(`alter table "training"."outcomes" add constraint "outcomes_id_unique" unique ("id");`);
    this.addSql(`create index "outcomes_application_idx" on "training"."outcomes" ("application_id");`);
    this.addSql(
      `create index "outcomes_provider_created_idx" on "training"."outcomes" ("lead_provider_id", "created_at", "seq");`,
    );
    this.addSql(
      `create index "outcomes_declaration_idx" on "training"."outcomes" ("declaration_id", "seq");`,
    );

    this.addSql(
      `create table "training"."outcome_deliveries" ("seq" bigserial primary key, "id" uuid not null, "outcome_id" uuid not null, "declaration_id" uuid not null, "participant_id" uuid not null, "trn" varchar(20) not null, "course_identifier" varchar(60) not null, "qualification_type" varchar(20) not null, "completion_date" date null, "state" varchar(20) not null default 'pending', "job_id" varchar(80) not null, "attempts" int not null default 0, "last_status_code" int null, "last_error" text null, "last_attempt_at" timestamptz null, "sent_at" timestamptz null, "created_at" timestamptz not null, "updated_at" timestamptz not null);`,
    );
    this.addSql(
      `alter table "training"."outcome_deliveries" add constraint "outcome_deliveries_id_unique" unique ("id");`,
    );
    this.addSql(
      `alter table "training"."outcome_deliveries" add constraint "outcome_deliveries_outcome_unique" unique ("outcome_id");`,
    );
    this.addSql(
      `create index "outcome_deliveries_declaration_idx" on "training"."outcome_deliveries" ("declaration_id");`,
    );
    this.addSql(
      `create index "outcome_deliveries_created_idx" on "training"."outcome_deliveries" ("created_at", "id");`,
    );
    this.addSql(
      `create index "outcome_deliveries_state_idx" on "training"."outcome_deliveries" ("state", "created_at", "id");`,
    );
    this.addSql(
      `create index "outcome_deliveries_pending_idx" on training.outcome_deliveries ("seq") where "state" = 'pending';`,
    );
    this.addSql(
      `create index "outcome_deliveries_participant_idx" on "training"."outcome_deliveries" ("participant_id", "state", "seq");`,
    );

    this.addSql(
      `create table "training"."outcome_delivery_attempts" ("seq" bigserial primary key, "delivery_id" uuid not null, "attempt" int not null, "started_at" timestamptz not null, "finished_at" timestamptz not null, "status_code" int null, "error" text null, "response_excerpt" text null);`,
    );
    this.addSql(
      `create index "outcome_delivery_attempts_delivery_idx" on "training"."outcome_delivery_attempts" ("delivery_id");`,
    );

    this.addSql(
      `create table "training"."parked_messages" ("id" uuid not null default gen_random_uuid(), "consumer" varchar(100) not null, "subject" varchar(200) not null, "event_id" uuid null, "payload" text not null, "error" text not null, "deliveries" int not null, "parked_at" timestamptz not null default now(), constraint "parked_messages_pkey" primary key ("id"));`,
    );

    this.addSql(
      `create table "training"."participant_id_changes" ("id" uuid not null, "person_id" uuid not null, "from_participant_id" uuid not null, "to_participant_id" uuid not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, constraint "participant_id_changes_pkey" primary key ("id"));`,
    );
    this.addSql(
      `create index "participant_id_changes_person_idx" on "training"."participant_id_changes" ("person_id");`,
    );
    this.addSql(
      `create index "participant_id_changes_from_idx" on "training"."participant_id_changes" ("from_participant_id");`,
    );
    this.addSql(
      `create index "participant_id_changes_updated_at_idx" on "training"."participant_id_changes" ("updated_at");`,
    );

    this.addSql(
      `create table "training"."people" ("id" uuid not null, "full_name" text not null, "email" text null, "trn" varchar(20) null, "trn_verified" boolean not null default false, "previous_names" text[] not null, "retired_into_id" uuid null, "created_at" timestamptz not null, "significantly_updated_at" timestamptz not null, "version" int not null default 0, constraint "people_pkey" primary key ("id"));`,
    );
    this.addSql(`create index "people_trn_idx" on "training"."people" ("trn");`);
    this.addSql(
      `create index "people_significantly_updated_at_idx" on "training"."people" ("significantly_updated_at");`,
    );
    this.addSql(`create index "people_created_at_idx" on "training"."people" ("created_at", "id");`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "training"."applications" cascade;`);

    this.addSql(`drop table if exists "training"."application_states" cascade;`);

    this.addSql(`drop table if exists "training"."declarations" cascade;`);

    this.addSql(`drop table if exists "training"."enrolments" cascade;`);

    this.addSql(`drop table if exists "training"."inbox" cascade;`);

    this.addSql(`drop table if exists "training"."outbox" cascade;`);

    this.addSql(`drop table if exists "training"."outcomes" cascade;`);

    this.addSql(`drop table if exists "training"."outcome_deliveries" cascade;`);

    this.addSql(`drop table if exists "training"."outcome_delivery_attempts" cascade;`);

    this.addSql(`drop table if exists "training"."parked_messages" cascade;`);

    this.addSql(`drop table if exists "training"."participant_id_changes" cascade;`);

    this.addSql(`drop table if exists "training"."people" cascade;`);

    this.addSql(`drop schema if exists "training";`);
  }
}
