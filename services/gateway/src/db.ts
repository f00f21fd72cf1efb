import { loadConfig, runDbCli } from '@npq/service-kit';
import { gatewayOrmSettings } from './orm-settings';

const config = loadConfig();
const { clientUrl: _unused, ...settings } = gatewayOrmSettings(config.DATABASE_URL);
runDbCli(settings, config.DATABASE_URL, process.argv.slice(2))
  .then((code) => process.exit(code))
  .catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  });
