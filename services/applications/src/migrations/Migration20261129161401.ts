import { Migration } from '@mikro-orm/migrations';

export class Migration20261129161401 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create schema if not exists "applications";`);
    this.addSql(
      `create table "applications"."applications" ("id" uuid not null, "person_id" uuid not null, "lead_provider_id" uuid not null, "course_identifier" varchar(60) not null, "cohort_identifier" varchar(5) not null, "cohort_start_year" int not null, "cohort_suffix" varchar(1) not null, "status" text check ("status" in ('pending', 'accepted', 'rejected')) not null default 'pending', "reason_for_rejection" varchar(60) null, "eligible_for_funding" boolean not null default false, "funding_eligibility_status_code" varchar(60) null, "targeted_delivery_funding_eligibility" boolean not null default false, "funding_choice" varchar(20) null, "school_urn" varchar(20) null, "school_ukprn" varchar(20) null, "private_childcare_provider_urn" varchar(20) null, "works_in_school" boolean null, "employer_name" text null, "employment_role" text null, "headteacher_status" varchar(40) null, "teacher_catchment" varchar(40) null, "teacher_catchment_country" text null, "teacher_catchment_iso_country_code" varchar(3) null, "itt_provider" text null, "lead_mentor" boolean null, "works_as_senco" varchar(40) null, "senco_start_date" date null, "funded_place" boolean null, "schedule_identifier" varchar(40) null, "accepted_at" timestamptz null, "training_status" varchar(20) null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "version" int not null default 1, constraint "applications_pkey" primary key ("id"));`,
    );
    this.addSql(`create index "applications_person_idx" on "applications"."applications" ("person_id");`);
    this.addSql(
      `create index "applications_lp_created_idx" on "applications"."applications" ("lead_provider_id", "created_at", "id");`,
    );
    this.addSql(
      `create index "applications_lp_updated_idx" on "applications"."applications" ("lead_provider_id", "updated_at", "id");`,
    );
    this.addSql(
      `create index "applications_person_course_cohort_idx" on "applications"."applications" ("person_id", "course_identifier", "cohort_identifier");`,
    );

    this.addSql(
      `create table "applications"."inbox" ("event_id" uuid not null, "consumer" varchar(100) not null, "name" varchar(100) not null, "applied_at" timestamptz not null default now(), constraint "inbox_pkey" primary key ("event_id", "consumer"));`,
    );

    this.addSql(
      `create table "applications"."outbox" ("seq" bigserial primary key, "id" uuid not null, "name" varchar(100) not null, "subject" varchar(200) not null, "aggregate_id" uuid not null, "envelope" jsonb not null, "created_at" timestamptz not null default now(), "published_at" timestamptz null, "attempts" int not null default 0);`,
    );
    this.addSql(`alter table "applications"."outbox" add constraint "outbox_id_unique" unique ("id");`);
    this.addSql(
      `create index "outbox_unpublished_idx" on applications.outbox ("seq") where "published_at" is null;`,
    );

    this.addSql(
      `create table "applications"."parked_messages" ("id" uuid not null default gen_random_uuid(), "consumer" varchar(100) not null, "subject" varchar(200) not null, "event_id" uuid null, "payload" text not null, "error" text not null, "deliveries" int not null, "parked_at" timestamptz not null default now(), constraint "parked_messages_pkey" primary key ("id"));`,
    );

    this.addSql(
      `create table "applications"."participant_id_changes" ("id" uuid not null, "person_id" uuid not null, "from_participant_id" uuid not null, "to_participant_id" uuid not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, constraint "participant_id_changes_pkey" primary key ("id"));`,
    );
    this.addSql(
      `create index "participant_id_changes_person_idx" on "applications"."participant_id_changes" ("person_id");`,
    );
    this.addSql(
      `create index "participant_id_changes_from_idx" on "applications"."participant_id_changes" ("from_participant_id");`,
    );
    this.addSql(
      `create index "participant_id_changes_to_idx" on "applications"."participant_id_changes" ("to_participant_id");`,
    );

    this.addSql(
      `create table "applications"."people" ("id" uuid not null, "full_name" text not null, "email" text null, "trn" varchar(7) null, "trn_verified" boolean not null default false, "previous_names" text[] not null, "retired_into_id" uuid null, "retired_at" timestamptz null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "significantly_updated_at" timestamptz not null, "version" int not null default 1, constraint "people_pkey" primary key ("id"), constraint people_trn_verified_check check (not trn_verified or (trn is not null and trn <> '')));`,
    );
    this.addSql(`create index "people_trn_idx" on "applications"."people" ("trn");`);
    this.addSql(
      `create index "people_significantly_updated_at_idx" on "applications"."people" ("significantly_updated_at");`,
    );
    this.addSql(
      `create unique index "people_email_unique" on applications.people (lower("email")) where "retired_into_id" is null and "email" is not null;`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "applications"."applications" cascade;`);

    this.addSql(`drop table if exists "applications"."inbox" cascade;`);

    this.addSql(`drop table if exists "applications"."outbox" cascade;`);

    this.addSql(`drop table if exists "applications"."parked_messages" cascade;`);

    this.addSql(`drop table if exists "applications"."participant_id_changes" cascade;`);

    this.addSql(`drop table if exists "applications"."people" cascade;`);

    this.addSql(`drop schema if exists "applications";`);
  }
}
