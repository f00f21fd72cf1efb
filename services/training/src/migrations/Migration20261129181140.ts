import { Migration } from '@mikro-orm/migrations';

export class Migration20261129181140 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "training"."outcome_deliveries" add column "claimed_until" timestamptz null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "training"."outcome_deliveries" drop column "claimed_until";`);
  }
}
