import { Migration } from '@mikro-orm/migrations';

export class Migration20261206185756 extends Migration {

  override name = 'Migration20261206185756';

  override up(): void | Promise<void> {
    this.addSql(`alter table "finance"."parked_messages" add "state" text not null default 'parked', add "resolved_at" timestamptz null;`);
    this.addSql(`create index "parked_messages_state_idx" on "finance"."parked_messages" ("state", "parked_at");`);
    this.addSql(`alter table "finance"."parked_messages" add constraint "parked_messages_state_check" check ("state" in ('parked', 'redriven', 'discarded'));`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop index "finance"."parked_messages_state_idx";`);
    this.addSql(`alter table "finance"."parked_messages" drop constraint "parked_messages_state_check";`);
    this.addSql(`alter table "finance"."parked_messages" drop column "state", drop column "resolved_at";`);
  }

}
