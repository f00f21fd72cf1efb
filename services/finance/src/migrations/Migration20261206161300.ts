import { Migration } from '@mikro-orm/migrations';

export class Migration20261206161300 extends Migration {
  override name = 'Migration20261206161300';

  override up(): void | Promise<void> {
    this.addSql(`alter table "finance"."declarations" alter column "version" set default 1;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "finance"."declarations" alter column "version" drop default;`);
  }
}
