import { z } from 'zod';

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const port = z.coerce.number().int().min(0).max(65535);
const positiveInt = z.coerce.number().int().positive();

const DEV_ADMIN_TOKEN = 'dev-admin-token';
const DEV_INTERNAL_SECRET = 'dev-internal-secret';
const DEV_TOKEN_HMAC_SECRET = 'dev-token-hmac-secret';
const DEV_DQT_API_KEY = 'dev-dqt-api-key';
const DEV_CONSOLE_SESSION_SECRET = 'dev-console-session-secret';

/**
 * Every variable the platform reads. Defaults serve local development; `NODE_ENV=production` refuses to
 * start while a secret still has its development default.
 */
const schema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  DATABASE_URL: z.string().url().default('postgres://postgres@127.0.0.1:5432/npq'),
  REDIS_URL: z.string().url().default('redis://127.0.0.1:6379'),
  NATS_URL: z.string().default('nats://127.0.0.1:4222'),
  /** Prefix for every subject, stream, durable and queue name: isolates test runs and environments. */
  NPQ_NAMESPACE: z
    .string()
    .regex(/^[a-z0-9_]*$/, 'lower-case letters, digits and underscores only')
    .default(''),
  /** Replicas of the JetStream event stream when a process creates it: 3 on a clustered NATS. */
  NPQ_STREAM_REPLICAS: z.coerce.number().int().min(1).max(5).default(1),
  GATEWAY_HOST: z.string().default('0.0.0.0'),
  GATEWAY_PORT: port.default(3000),
  SERVICE_HOST: z.string().default('127.0.0.1'),
  APPLICATIONS_PORT: port.default(3001),
  TRAINING_PORT: port.default(3002),
  FINANCE_PORT: port.default(3003),
  WEBHOOKS_PORT: port.default(3004),
  /**
   * Worker processes: when set, serve /health/live, /health/ready and /metrics (the worker's counters,
   * e.g. restored schedules and interrupted DQT attempts; docs/operations.md) on this port.
   */
  WORKER_HTTP_PORT: port.optional(),
  APPLICATIONS_URL: z.string().url().default('http://127.0.0.1:3001'),
  TRAINING_URL: z.string().url().default('http://127.0.0.1:3002'),
  FINANCE_URL: z.string().url().default('http://127.0.0.1:3003'),
  WEBHOOKS_URL: z.string().url().default('http://127.0.0.1:3004'),
  NPQ_ADMIN_TOKEN: z.string().min(8).default(DEV_ADMIN_TOKEN),
  INTERNAL_API_SECRET: z.string().min(8).default(DEV_INTERNAL_SECRET),
  TOKEN_HMAC_SECRET: z.string().min(8).default(DEV_TOKEN_HMAC_SECRET),
  SANDBOX: bool.default(true),
  RATE_LIMIT_MAX: positiveInt.default(1000),
  RATE_LIMIT_WINDOW_S: positiveInt.default(300),
  /** Failed authentications per client address and window before that address gets 429s. */
  RATE_LIMIT_AUTH_FAILURES_MAX: positiveInt.default(100),
  RATE_LIMIT_AUTH_FAILURES_WINDOW_S: positiveInt.default(60),
  /** Requests one token may have in progress at one gateway replica; more get 429 at once. */
  GATEWAY_MAX_IN_FLIGHT_PER_TOKEN: positiveInt.default(8),
  /** Port of the gateway's probes and Prometheus metrics (kept off the public port). */
  GATEWAY_METRICS_PORT: port.default(9464),
  /**
   * Which proxies in front of the gateway to believe about the client address (X-Forwarded-For):
   * `false` (none, the default), `true` (any), a hop count, or a comma-separated list of addresses/CIDRs.
   */
  GATEWAY_TRUST_PROXY: z
    .string()
    .default('false')
    .transform((v): boolean | number | string =>
      v === 'true' ? true : v === 'false' ? false : /^\d+$/.test(v) ? Number(v) : v,
    ),
  /** Every HTTP process answers 503 (Retry-After) once its event loop lags this much; 0 disables. */
  NPQ_MAX_EVENT_LOOP_DELAY_MS: z.coerce.number().int().min(0).default(1000),
  BODY_LIMIT_BYTES: positiveInt.default(1024 * 1024),
  READ_YOUR_WRITES_TIMEOUT_MS: z.coerce.number().int().min(0).default(2000),
  OUTBOX_POLL_MS: positiveInt.default(250),
  /** Most events a consumer applies in one transaction (docs/performance.md, "Event consumers"); 1: one each. */
  NPQ_CONSUMER_MAX_BATCH: positiveInt.default(50),
  DQT_API_URL: z.string().url().default('http://127.0.0.1:3099'),
  DQT_API_KEY: z.string().min(1).default(DEV_DQT_API_KEY),
  DQT_TIMEOUT_MS: positiveInt.default(30000),
  /** One webhook request's timeout (docs/webhooks.md). */
  WEBHOOK_TIMEOUT_MS: positiveInt.default(10000),
  /** The ops console (services/console, docs/console.md): where it listens. */
  CONSOLE_HOST: z.string().default('0.0.0.0'),
  CONSOLE_PORT: port.default(3100),
  /** The console's Prometheus metrics and detailed readiness (never on its public port, like the gateway's). */
  CONSOLE_METRICS_PORT: port.default(9465),
  /** The gateway the console calls (its only API; the admin API under /admin/v1). */
  CONSOLE_GATEWAY_URL: z.string().url().default('http://127.0.0.1:3000'),
  /** Keys the console's session cookie signature and the encryption of the admin token held in a session. */
  CONSOLE_SESSION_SECRET: z.string().min(16).default(DEV_CONSOLE_SESSION_SECRET),
  /** A console session unused this long (seconds) has ended: the operator signs in again. */
  CONSOLE_SESSION_IDLE_S: positiveInt.default(1800),
});

/** Secrets with their development defaults, which production refuses. */
const DEV_SECRETS = {
  NPQ_ADMIN_TOKEN: DEV_ADMIN_TOKEN,
  INTERNAL_API_SECRET: DEV_INTERNAL_SECRET,
  TOKEN_HMAC_SECRET: DEV_TOKEN_HMAC_SECRET,
  DQT_API_KEY: DEV_DQT_API_KEY,
  CONSOLE_SESSION_SECRET: DEV_CONSOLE_SESSION_SECRET,
} as const;

export type SecretName = keyof typeof DEV_SECRETS;

/** The secrets the gateway, the services and their workers hold (each must be real in production). */
export const PLATFORM_SECRETS: readonly SecretName[] = [
  'NPQ_ADMIN_TOKEN',
  'INTERNAL_API_SECRET',
  'TOKEN_HMAC_SECRET',
  'DQT_API_KEY',
];

/**
 * The ops console's only secret: it holds no platform secret (an operator signs in with the admin token,
 * kept in the server-side session; docs/console.md), so production asks it for none of the others.
 */
export const CONSOLE_SECRETS: readonly SecretName[] = ['CONSOLE_SESSION_SECRET'];

/** The schema with the production checks for one process's secrets. */
function schemaFor(secrets: readonly SecretName[]) {
  return schema.superRefine(
    (c, ctx) => {
      if (c.NODE_ENV !== 'production') return;
      for (const key of secrets) {
        if (c[key] === DEV_SECRETS[key]) {
          ctx.addIssue({ code: 'custom', path: [key], message: 'must be set in production' });
        }
      }
      if (c.SANDBOX) {
        ctx.addIssue({ code: 'custom', path: ['SANDBOX'], message: 'must be false in production' });
      }
      // Run even when a field failed, so one boot reports every problem.
    },
    { when: () => true },
  );
}

export type Config = z.infer<typeof schema>;

/** Variable-name prefixes that belong to us: an unknown one is almost certainly a typo. */
const OWNED_PREFIXES = [
  'NPQ_',
  'RATE_LIMIT_',
  'DQT_',
  'GATEWAY_',
  'OUTBOX_',
  'READ_YOUR_WRITES_',
  'WORKER_',
  'CONSOLE_',
];

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

/**
 * Reads and validates the configuration once at boot. Throws a ConfigError listing every problem,
 * including unknown variables with one of our prefixes (a typo such as RATE_LIMT_MAX would otherwise be
 * silently ignored). In production, each of `secrets` (the process's own; default the platform's) must
 * differ from its development default.
 */
export function loadConfig(
  env: NodeJS.ProcessEnv = process.env,
  overrides: Partial<Record<keyof Config, string | number | boolean>> = {},
  options: { secrets?: readonly SecretName[] } = {},
): Config {
  const known = new Set(Object.keys(schema.shape));
  const problems: string[] = [];
  for (const key of Object.keys(env)) {
    if (!known.has(key) && OWNED_PREFIXES.some((p) => key.startsWith(p))) {
      problems.push(`${key}: unknown variable (typo?)`);
    }
  }
  const input: Record<string, string | undefined> = {};
  for (const key of known) {
    const value = key in overrides ? overrides[key as keyof Config] : env[key];
    input[key] = value === undefined || value === '' ? undefined : String(value);
  }
  const parsed = schemaFor(options.secrets ?? PLATFORM_SECRETS).safeParse(input);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) problems.push(`${issue.path.join('.')}: ${issue.message}`);
  }
  if (problems.length > 0 || !parsed.success) throw new ConfigError(problems);
  return parsed.data;
}
