import { Migration } from '@mikro-orm/migrations';

export class Migration20261206131626 extends Migration {
  override async up(): Promise<void> {
    // Attempts are now recorded before the request goes out (in flight), then finished.
    this.addSql(`alter table "training"."outcome_delivery_attempts" add column "outcome" varchar(20) null;`);
    // Attempts recorded before this migration all have their answer: derive what it led to.
    this.addSql(
      `update "training"."outcome_delivery_attempts" set "outcome" = case
         when "status_code" = 204 then 'sent'
         when "status_code" is null or "status_code" = 429 or "status_code" >= 500 then 'retry'
         else 'failed' end;`,
    );
    this.addSql(`alter table "training"."outcome_delivery_attempts" alter column "outcome" set not null;`);
    this.addSql(
      `alter table "training"."outcome_delivery_attempts" alter column "finished_at" drop not null;`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "training"."outcome_delivery_attempts" drop column "outcome";`);
    this.addSql(
      `update "training"."outcome_delivery_attempts" set "finished_at" = "started_at" where "finished_at" is null;`,
    );
    this.addSql(
      `alter table "training"."outcome_delivery_attempts" alter column "finished_at" set not null;`,
    );
  }
}
