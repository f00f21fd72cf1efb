import { Migration } from '@mikro-orm/migrations';

export class Migration20261206185744 extends Migration {

  override name = 'Migration20261206185744';

  override up(): void | Promise<void> {
    this.addSql(`alter table "training"."parked_messages" add "state" text not null default 'parked', add "resolved_at" timestamptz null;`);
    this.addSql(`create index "parked_messages_state_idx" on "training"."parked_messages" ("state", "parked_at");`);
    this.addSql(`alter table "training"."parked_messages" add constraint "parked_messages_state_check" check ("state" in ('parked', 'redriven', 'discarded'));`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop index "training"."parked_messages_state_idx";`);
    this.addSql(`alter table "training"."parked_messages" drop constraint "parked_messages_state_check";`);
    this.addSql(`alter table "training"."parked_messages" drop column "state", drop column "resolved_at";`);
  }

}
