import { Migration } from '@mikro-orm/migrations';

export class Migration20261129162611 extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "applications"."declarations" ("declaration_id" uuid not null, "application_id" uuid not null, "declaration_type" varchar(20) not null, "state" varchar(30) not null, "version" int not null, "updated_at" timestamptz not null, constraint "declarations_pkey" primary key ("declaration_id"));`,
    );
    this.addSql(
      `create index "declarations_application_idx" on "applications"."declarations" ("application_id");`,
    );

    this.addSql(
      `alter table "applications"."applications" add column "enrolment_version" int not null default 0;`,
    );
    this.addSql(
      `create unique index "applications_one_accepted_per_course_idx" on applications.applications ("person_id", (case when "course_identifier" in ('npq-additional-support-offer', 'npq-early-headship-coaching-offer') then 'ehco-aso' else "course_identifier" end), "cohort_identifier") where "status" = 'accepted' and coalesce("training_status", 'active') <> 'withdrawn';`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "applications"."declarations" cascade;`);

    this.addSql(`drop index "applications"."applications_one_accepted_per_course_idx";`);
    this.addSql(`alter table "applications"."applications" drop column "enrolment_version";`);
  }
}
