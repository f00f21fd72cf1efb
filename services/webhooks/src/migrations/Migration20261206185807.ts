import { Migration } from '@mikro-orm/migrations';

export class Migration20261206185807 extends Migration {

  override name = 'Migration20261206185807';

  override up(): void | Promise<void> {
    this.addSql(`alter table "webhooks"."parked_messages" add "state" text not null default 'parked', add "resolved_at" timestamptz null;`);
    this.addSql(`create index "parked_messages_state_idx" on "webhooks"."parked_messages" ("state", "parked_at");`);
    this.addSql(`alter table "webhooks"."parked_messages" add constraint "parked_messages_state_check" check ("state" in ('parked', 'redriven', 'discarded'));`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop index "webhooks"."parked_messages_state_idx";`);
    this.addSql(`alter table "webhooks"."parked_messages" drop constraint "parked_messages_state_check";`);
    this.addSql(`alter table "webhooks"."parked_messages" drop column "state", drop column "resolved_at";`);
  }

}
