import { Migration } from '@mikro-orm/migrations';

export class Migration20261129170200 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create schema if not exists "finance";`);
    this.addSql(
      `create table "finance"."adjustments" ("id" uuid not null default gen_random_uuid(), "statement_id" uuid not null, "description" text not null, "amount" numeric(18,2) not null, "created_at" timestamptz not null, constraint "adjustments_pkey" primary key ("id"), constraint adjustments_amount_not_zero_check check (amount <> 0));`,
    );
    this.addSql(`create index "adjustments_statement_idx" on "finance"."adjustments" ("statement_id");`);

    this.addSql(
      `create table "finance"."applications" ("id" uuid not null, "participant_id" uuid not null, "lead_provider_id" uuid not null, "course_identifier" varchar(60) not null, "cohort_identifier" varchar(5) not null, "cohort_start_year" int not null, "status" varchar(20) not null, "reason_for_rejection" varchar(60) null, "schedule_identifier" varchar(40) null, "funded_place" boolean null, "eligible_for_funding" boolean not null, "eligible_for_dfe_funding" boolean not null, "fundable_snapshot" boolean not null, "targeted_delivery_funding_eligibility" boolean not null, "teacher_catchment" varchar(40) null, "school_urn" varchar(20) null, "accepted_at" timestamptz null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "version" int not null, "enrolment_version" int not null default 0, "placement_changed_at" timestamptz null, constraint "applications_pkey" primary key ("id"));`,
    );
    this.addSql(
      `create index "applications_participant_lp_idx" on "finance"."applications" ("participant_id", "lead_provider_id");`,
    );
    this.addSql(`create index "applications_lp_idx" on "finance"."applications" ("lead_provider_id");`);

    this.addSql(
      `create table "finance"."application_states" ("id" uuid not null, "application_id" uuid not null, "lead_provider_id" uuid not null, "state" varchar(20) not null, "reason" varchar(100) null, "changed_at" timestamptz not null, "version" int not null, constraint "application_states_pkey" primary key ("id"));`,
    );
    this.addSql(
      `create index "application_states_latest_idx" on "finance"."application_states" ("application_id", "lead_provider_id", "changed_at");`,
    );

    this.addSql(
      `create table "finance"."contracts" ("id" uuid not null default gen_random_uuid(), "statement_id" uuid not null, "course_identifier" varchar(60) not null, "contract_template_id" uuid not null, constraint "contracts_pkey" primary key ("id"));`,
    );
    this.addSql(`create index "contracts_course_idx" on "finance"."contracts" ("course_identifier");`);
    this.addSql(
      `alter table "finance"."contracts" add constraint "contracts_statement_course_unique" unique ("statement_id", "course_identifier");`,
    );

    this.addSql(
      `create table "finance"."contract_templates" ("id" uuid not null, "recruitment_target" int not null, "per_participant" numeric(12,2) not null, "output_payment_percentage" int not null default 60, "service_fee_percentage" int not null default 40, "number_of_payment_periods" int not null, "service_fee_installments" int not null, "monthly_service_fee" numeric(12,2) null, "targeted_delivery_funding_per_participant" numeric(12,2) not null default 100, "special_course" boolean not null default false, "created_at" timestamptz not null, constraint "contract_templates_pkey" primary key ("id"), constraint contract_templates_recruitment_target_check check (recruitment_target > 0), constraint contract_templates_per_participant_check check (per_participant > 0));`,
    );

    this.addSql(
      `create table "finance"."declarations" ("id" uuid not null, "application_id" uuid not null, "lead_provider_id" uuid not null, "application_lead_provider_id" uuid not null, "cohort_identifier" varchar(5) not null, "cohort_start_year" int not null, "declaration_type" varchar(20) not null, "declaration_date" timestamptz not null, "state" text check ("state" in ('submitted', 'eligible', 'payable', 'paid', 'voided', 'ineligible', 'awaiting_clawback', 'clawed_back')) not null, "state_reason" varchar(20) null, "superseded_by_id" uuid null, "delivery_partner_id" uuid null, "secondary_delivery_partner_id" uuid null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "version" int not null, constraint "declarations_pkey" primary key ("id"));`,
    );
    this.addSql(
      `create index "declarations_lp_created_idx" on "finance"."declarations" ("lead_provider_id", "created_at", "id");`,
    );
    this.addSql(
      `create index "declarations_transferred_idx" on finance.declarations ("application_lead_provider_id", "created_at", "id") where "application_lead_provider_id" <> "lead_provider_id";`,
    );
    this.addSql(`create index "declarations_updated_idx" on "finance"."declarations" ("updated_at");`);
    this.addSql(
      `create index "declarations_application_idx" on "finance"."declarations" ("application_id", "declaration_type");`,
    );
    this.addSql(
      `create index "declarations_type_state_idx" on "finance"."declarations" ("declaration_type", "state");`,
    );
    this.addSql(
      `create unique index "declarations_one_live_per_application_type_idx" on finance.declarations ("application_id", "declaration_type") where "state" in ('submitted', 'eligible', 'payable', 'paid');`,
    );

    this.addSql(
      `create table "finance"."delivery_partners" ("id" uuid not null, "name" text not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, constraint "delivery_partners_pkey" primary key ("id"));`,
    );
    this.addSql(`create index "delivery_partners_name_idx" on "finance"."delivery_partners" ("name", "id");`);
    this.addSql(
      `create index "delivery_partners_created_idx" on "finance"."delivery_partners" ("created_at", "id");`,
    );

    this.addSql(
      `create table "finance"."delivery_partnerships" ("id" uuid not null, "delivery_partner_id" uuid not null, "lead_provider_id" uuid not null, "cohort_identifier" varchar(5) not null, "cohort_start_year" int not null, "cohort_suffix" varchar(1) not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, constraint "delivery_partnerships_pkey" primary key ("id"));`,
    );
    this.addSql(
      `create index "delivery_partnerships_lp_idx" on "finance"."delivery_partnerships" ("lead_provider_id", "cohort_start_year", "delivery_partner_id");`,
    );
    this.addSql(
      `create index "delivery_partnerships_lp_cohort_idx" on "finance"."delivery_partnerships" ("lead_provider_id", "cohort_identifier", "delivery_partner_id");`,
    );
    this.addSql(
      `alter table "finance"."delivery_partnerships" add constraint "delivery_partnerships_unique" unique ("delivery_partner_id", "lead_provider_id", "cohort_identifier");`,
    );

    this.addSql(
      `create table "finance"."inbox" ("event_id" uuid not null, "consumer" varchar(100) not null, "name" varchar(100) not null, "applied_at" timestamptz not null default now(), constraint "inbox_pkey" primary key ("event_id", "consumer"));`,
    );

    this.addSql(
      `create table "finance"."outbox" ("seq" bigserial primary key, "id" uuid not null, "name" varchar(100) not null, "subject" varchar(200) not null, "aggregate_id" uuid not null, "envelope" jsonb not null, "created_at" timestamptz not null default now(), "published_at" timestamptz null, "attempts" int not null default 0);`,
    );
    this.addSql(`alter table "finance"."outbox" add constraint "outbox_id_unique" unique ("id");`);
    this.addSql(
      `create index "outbox_unpublished_idx" on finance.outbox ("seq") where "published_at" is null;`,
    );

    this.addSql(
      `create table "finance"."outcomes" ("id" uuid not null, "declaration_id" uuid not null, "state" varchar(20) not null, "completion_date" date not null, "source" varchar(20) not null, "created_at" timestamptz not null, "ordinal" int not null default 0, constraint "outcomes_pkey" primary key ("id"));`,
    );
    this.addSql(
      `create index "outcomes_declaration_latest_idx" on "finance"."outcomes" ("declaration_id", "created_at", "ordinal");`,
    );

    this.addSql(
      `create table "finance"."parked_messages" ("id" uuid not null default gen_random_uuid(), "consumer" varchar(100) not null, "subject" varchar(200) not null, "event_id" uuid null, "payload" text not null, "error" text not null, "deliveries" int not null, "parked_at" timestamptz not null default now(), constraint "parked_messages_pkey" primary key ("id"));`,
    );

    this.addSql(
      `create table "finance"."participant_id_changes" ("id" uuid not null, "from_participant_id" uuid not null, "to_participant_id" uuid not null, "changed_at" timestamptz not null, constraint "participant_id_changes_pkey" primary key ("id"));`,
    );
    this.addSql(
      `create index "participant_id_changes_from_idx" on "finance"."participant_id_changes" ("from_participant_id");`,
    );

    this.addSql(
      `create table "finance"."people" ("id" uuid not null, "trn" varchar(20) null, "trn_verified" boolean not null default false, "retired_into_id" uuid null, "significantly_updated_at" timestamptz not null, "version" int not null default 0, constraint "people_pkey" primary key ("id"));`,
    );
    this.addSql(`create index "people_trn_idx" on "finance"."people" ("trn");`);

    this.addSql(
      `create table "finance"."statement_items" ("id" uuid not null default gen_random_uuid(), "statement_id" uuid not null, "declaration_id" uuid not null, "state" text check ("state" in ('eligible', 'payable', 'paid', 'voided', 'ineligible', 'awaiting_clawback', 'clawed_back')) not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, constraint "statement_items_pkey" primary key ("id"));`,
    );
    this.addSql(
      `create index "statement_items_statement_idx" on "finance"."statement_items" ("statement_id", "state");`,
    );
    this.addSql(
      `create index "statement_items_declaration_idx" on "finance"."statement_items" ("declaration_id", "created_at");`,
    );

    this.addSql(
      `create table "finance"."statements" ("id" uuid not null default gen_random_uuid(), "lead_provider_id" uuid not null, "cohort_identifier" varchar(5) not null, "cohort_start_year" int not null, "cohort_suffix" varchar(1) not null, "year" int not null, "month" int not null, "deadline_date" date not null, "payment_date" date not null, "output_fee" boolean not null default true, "state" text check ("state" in ('open', 'payable', 'paid')) not null default 'open', "marked_as_paid_at" timestamptz null, "reconcile_amount" numeric(12,2) not null default 0, "created_at" timestamptz not null, "updated_at" timestamptz not null, "version" int not null default 1, constraint "statements_pkey" primary key ("id"), constraint statements_payment_after_deadline_check check (payment_date >= deadline_date));`,
    );
    this.addSql(
      `create index "statements_next_output_fee_idx" on "finance"."statements" ("lead_provider_id", "cohort_identifier", "state", "deadline_date");`,
    );
    this.addSql(
      `create index "statements_lp_payment_idx" on "finance"."statements" ("lead_provider_id", "payment_date", "id");`,
    );
    this.addSql(
      `create index "statements_state_deadline_idx" on "finance"."statements" ("state", "deadline_date");`,
    );
    this.addSql(`create index "statements_payment_idx" on "finance"."statements" ("payment_date", "id");`);
    this.addSql(`create index "statements_updated_idx" on "finance"."statements" ("updated_at");`);
    this.addSql(
      `alter table "finance"."statements" add constraint "statements_lp_cohort_period_unique" unique ("lead_provider_id", "cohort_identifier", "year", "month");`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "finance"."adjustments" cascade;`);

    this.addSql(`drop table if exists "finance"."applications" cascade;`);

    this.addSql(`drop table if exists "finance"."application_states" cascade;`);

    this.addSql(`drop table if exists "finance"."contracts" cascade;`);

    this.addSql(`drop table if exists "finance"."contract_templates" cascade;`);

    this.addSql(`drop table if exists "finance"."declarations" cascade;`);

    this.addSql(`drop table if exists "finance"."delivery_partners" cascade;`);

    this.addSql(`drop table if exists "finance"."delivery_partnerships" cascade;`);

    this.addSql(`drop table if exists "finance"."inbox" cascade;`);

    this.addSql(`drop table if exists "finance"."outbox" cascade;`);

    this.addSql(`drop table if exists "finance"."outcomes" cascade;`);

    this.addSql(`drop table if exists "finance"."parked_messages" cascade;`);

    this.addSql(`drop table if exists "finance"."participant_id_changes" cascade;`);

    this.addSql(`drop table if exists "finance"."people" cascade;`);

    this.addSql(`drop table if exists "finance"."statement_items" cascade;`);

    this.addSql(`drop table if exists "finance"."statements" cascade;`);

    this.addSql(`drop schema if exists "finance";`);
  }
}
