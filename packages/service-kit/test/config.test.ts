import { ConfigError, CONSOLE_SECRETS, loadConfig, type Config } from '../src/config';

/** Runs loadConfig and returns the ConfigError's problems (fails the test if it does not throw one). */
function problemsOf(env: NodeJS.ProcessEnv, overrides: Parameters<typeof loadConfig>[1] = {}): string[] {
  try {
    loadConfig(env, overrides);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  throw new Error('expected loadConfig to throw a ConfigError');
}

const PRODUCTION_ENV = {
  NODE_ENV: 'production',
  NPQ_ADMIN_TOKEN: 'prod-admin-token-123',
  INTERNAL_API_SECRET: 'prod-internal-secret-123',
  TOKEN_HMAC_SECRET: 'prod-hmac-secret-123',
  DQT_API_KEY: 'prod-dqt-key',
  SANDBOX: 'false',
};

describe('loadConfig defaults', () => {
  it('serves local development when nothing is set', () => {
    const config = loadConfig({});
    expect(config).toEqual<Config>({
      NODE_ENV: 'development',
      LOG_LEVEL: 'info',
      DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/npq',
      REDIS_URL: 'redis://127.0.0.1:6379',
      NATS_URL: 'nats://127.0.0.1:4222',
      NPQ_NAMESPACE: '',
      NPQ_STREAM_REPLICAS: 1,
      GATEWAY_HOST: '0.0.0.0',
      GATEWAY_PORT: 3000,
      SERVICE_HOST: '127.0.0.1',
      APPLICATIONS_PORT: 3001,
      TRAINING_PORT: 3002,
      FINANCE_PORT: 3003,
      WEBHOOKS_PORT: 3004,
      APPLICATIONS_URL: 'http://127.0.0.1:3001',
      TRAINING_URL: 'http://127.0.0.1:3002',
      FINANCE_URL: 'http://127.0.0.1:3003',
      WEBHOOKS_URL: 'http://127.0.0.1:3004',
      NPQ_ADMIN_TOKEN: 'dev-admin-token',
      INTERNAL_API_SECRET: 'dev-internal-secret',
      TOKEN_HMAC_SECRET: 'dev-token-hmac-secret',
      SANDBOX: true,
      RATE_LIMIT_MAX: 1000,
      RATE_LIMIT_WINDOW_S: 300,
      RATE_LIMIT_AUTH_FAILURES_MAX: 100,
      RATE_LIMIT_AUTH_FAILURES_WINDOW_S: 60,
      GATEWAY_MAX_IN_FLIGHT_PER_TOKEN: 8,
      GATEWAY_METRICS_PORT: 9464,
      GATEWAY_TRUST_PROXY: false,
      NPQ_MAX_EVENT_LOOP_DELAY_MS: 1000,
      BODY_LIMIT_BYTES: 1024 * 1024,
      READ_YOUR_WRITES_TIMEOUT_MS: 2000,
      OUTBOX_POLL_MS: 250,
      NPQ_CONSUMER_MAX_BATCH: 50,
      DQT_API_URL: 'http://127.0.0.1:3099',
      DQT_API_KEY: 'dev-dqt-api-key',
      DQT_TIMEOUT_MS: 30000,
      WEBHOOK_TIMEOUT_MS: 10000,
      CONSOLE_HOST: '0.0.0.0',
      CONSOLE_PORT: 3100,
      CONSOLE_METRICS_PORT: 9465,
      CONSOLE_GATEWAY_URL: 'http://127.0.0.1:3000',
      CONSOLE_SESSION_SECRET: 'dev-console-session-secret',
      CONSOLE_SESSION_IDLE_S: 1800,
    });
  });

  it('treats an empty value as unset (default applies)', () => {
    const config = loadConfig({ RATE_LIMIT_MAX: '', SANDBOX: '', GATEWAY_PORT: '', NPQ_NAMESPACE: '' });
    expect(config.RATE_LIMIT_MAX).toBe(1000);
    expect(config.SANDBOX).toBe(true);
    expect(config.GATEWAY_PORT).toBe(3000);
  });

  it('ignores variables that are not ours (no owned prefix)', () => {
    expect(() =>
      loadConfig({ PATH: '/usr/bin', HOME: '/root', RATE_LIMT_MAX: '5', npq_admin_token: 'x' }),
    ).not.toThrow();
  });

  it('reads process.env when no env is passed', () => {
    const saved = process.env.RATE_LIMIT_MAX;
    process.env.RATE_LIMIT_MAX = '77';
    try {
      expect(loadConfig().RATE_LIMIT_MAX).toBe(77);
    } finally {
      if (saved === undefined) delete process.env.RATE_LIMIT_MAX;
      else process.env.RATE_LIMIT_MAX = saved;
    }
  });
});

describe('loadConfig values', () => {
  it('coerces numbers and booleans', () => {
    const config = loadConfig({
      GATEWAY_PORT: '8080',
      RATE_LIMIT_MAX: '5',
      RATE_LIMIT_WINDOW_S: '60',
      BODY_LIMIT_BYTES: '2048',
      READ_YOUR_WRITES_TIMEOUT_MS: '0',
      OUTBOX_POLL_MS: '10',
      DQT_TIMEOUT_MS: '1500',
      SANDBOX: 'false',
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      NPQ_NAMESPACE: 't_abc_123',
    });
    expect(config).toMatchObject({
      GATEWAY_PORT: 8080,
      RATE_LIMIT_MAX: 5,
      RATE_LIMIT_WINDOW_S: 60,
      BODY_LIMIT_BYTES: 2048,
      READ_YOUR_WRITES_TIMEOUT_MS: 0,
      OUTBOX_POLL_MS: 10,
      DQT_TIMEOUT_MS: 1500,
      SANDBOX: false,
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      NPQ_NAMESPACE: 't_abc_123',
    });
  });

  it.each([
    ['true', true],
    ['1', true],
    ['yes', true],
    ['false', false],
    ['0', false],
    ['no', false],
  ])('SANDBOX=%s is %s', (raw, expected) => {
    expect(loadConfig({ SANDBOX: raw }).SANDBOX).toBe(expected);
  });

  it.each(['maybe', 'on', 'off', 'y', '2'])('SANDBOX=%s is refused', (raw) => {
    const problems = problemsOf({ SANDBOX: raw });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^SANDBOX: /);
  });

  const positiveInts = [
    'RATE_LIMIT_MAX',
    'RATE_LIMIT_WINDOW_S',
    'BODY_LIMIT_BYTES',
    'OUTBOX_POLL_MS',
    'DQT_TIMEOUT_MS',
  ];
  const ports = ['GATEWAY_PORT', 'APPLICATIONS_PORT', 'TRAINING_PORT', 'FINANCE_PORT'];

  describe.each(positiveInts)('%s (positive integer)', (name) => {
    it.each(['abc', '0', '-1', '1.5', '10abc'])('refuses %p, naming the variable', (raw) => {
      const problems = problemsOf({ [name]: raw });
      expect(problems).toHaveLength(1);
      expect(problems[0]).toMatch(new RegExp(`^${name}: `));
    });
  });

  describe.each(ports)('%s (port)', (name) => {
    it.each(['abc', '-1', '65536', '80.5', 'tcp://10.0.0.1:3000'])('refuses %p', (raw) => {
      const problems = problemsOf({ [name]: raw });
      expect(problems).toHaveLength(1);
      expect(problems[0]).toMatch(new RegExp(`^${name}: `));
    });

    it('accepts 0 and 65535', () => {
      expect(loadConfig({ [name]: '0' })[name as keyof Config]).toBe(0);
      expect(loadConfig({ [name]: '65535' })[name as keyof Config]).toBe(65535);
    });
  });

  it('READ_YOUR_WRITES_TIMEOUT_MS accepts 0 but refuses negative or non-numeric values', () => {
    expect(loadConfig({ READ_YOUR_WRITES_TIMEOUT_MS: '0' }).READ_YOUR_WRITES_TIMEOUT_MS).toBe(0);
    expect(problemsOf({ READ_YOUR_WRITES_TIMEOUT_MS: '-1' })[0]).toMatch(/^READ_YOUR_WRITES_TIMEOUT_MS: /);
    expect(problemsOf({ READ_YOUR_WRITES_TIMEOUT_MS: 'soon' })[0]).toMatch(/^READ_YOUR_WRITES_TIMEOUT_MS: /);
  });

  it.each([
    ['NODE_ENV', 'staging'],
    ['LOG_LEVEL', 'verbose'],
    ['DATABASE_URL', 'not a url'],
    ['REDIS_URL', '://127.0.0.1:6379'],
    ['APPLICATIONS_URL', '127.0.0.1 3001'],
    ['TRAINING_URL', 'nope'],
    ['FINANCE_URL', 'nope'],
    ['DQT_API_URL', 'nope'],
    ['NPQ_NAMESPACE', 'Has-Dash'],
    ['NPQ_ADMIN_TOKEN', 'short'],
    ['INTERNAL_API_SECRET', 'short'],
    ['TOKEN_HMAC_SECRET', 'short'],
  ])('%s=%p is refused', (name, raw) => {
    const problems = problemsOf({ [name]: raw });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(new RegExp(`^${name}: `));
  });

  it('lists every problem at once', () => {
    const problems = problemsOf({ RATE_LIMIT_MAX: 'abc', SANDBOX: 'maybe', GATEWAY_PORT: 'x' });
    expect(problems.map((p) => p.split(':')[0]).sort()).toEqual([
      'GATEWAY_PORT',
      'RATE_LIMIT_MAX',
      'SANDBOX',
    ]);
  });

  it('the error message lists the problems, one per line', () => {
    expect(() => loadConfig({ RATE_LIMIT_MAX: 'abc' })).toThrow(
      /^Invalid configuration:\n {2}RATE_LIMIT_MAX: /,
    );
    try {
      loadConfig({ RATE_LIMIT_MAX: 'abc' });
    } catch (err) {
      expect((err as Error).name).toBe('ConfigError');
    }
  });
});

describe('loadConfig unknown variables', () => {
  it.each([
    'NPQ_ADMIN_TOKNE',
    'DQT_API_URI',
    'RATE_LIMIT_MAXIMUM',
    'GATEWAY_PROT',
    'OUTBOX_POLL',
    'READ_YOUR_WRITES_TIMEOUT',
  ])('refuses %s (owned prefix, unknown name) and names it', (name) => {
    const problems = problemsOf({ [name]: '1' });
    expect(problems).toEqual([`${name}: unknown variable (typo?)`]);
  });

  it('reports an unknown variable even when its value is empty', () => {
    expect(problemsOf({ NPQ_ADMIN_TOKNE: '' })).toEqual(['NPQ_ADMIN_TOKNE: unknown variable (typo?)']);
  });

  it('reports unknown variables together with invalid values', () => {
    const problems = problemsOf({ DQT_API_URI: 'http://x', RATE_LIMIT_MAX: 'abc' });
    expect(problems).toHaveLength(2);
    expect(problems).toContain('DQT_API_URI: unknown variable (typo?)');
    expect(problems.some((p) => p.startsWith('RATE_LIMIT_MAX: '))).toBe(true);
  });
});

describe('loadConfig in production', () => {
  it('starts with real secrets and SANDBOX=false', () => {
    const config = loadConfig(PRODUCTION_ENV);
    expect(config.NODE_ENV).toBe('production');
    expect(config.SANDBOX).toBe(false);
    expect(config.NPQ_ADMIN_TOKEN).toBe('prod-admin-token-123');
  });

  it('refuses every development secret and the default SANDBOX=true', () => {
    const problems = problemsOf({ NODE_ENV: 'production' });
    expect(problems).toEqual([
      'NPQ_ADMIN_TOKEN: must be set in production',
      'INTERNAL_API_SECRET: must be set in production',
      'TOKEN_HMAC_SECRET: must be set in production',
      'DQT_API_KEY: must be set in production',
      'SANDBOX: must be false in production',
    ]);
  });

  it.each(['NPQ_ADMIN_TOKEN', 'INTERNAL_API_SECRET', 'TOKEN_HMAC_SECRET', 'DQT_API_KEY'])(
    'refuses the development default of %s even when set explicitly',
    (name) => {
      const { [name as keyof typeof PRODUCTION_ENV]: _dropped, ...rest } = PRODUCTION_ENV;
      expect(problemsOf(rest)).toEqual([`${name}: must be set in production`]);
      const devValue = loadConfig({})[name as keyof Config] as string;
      expect(problemsOf({ ...PRODUCTION_ENV, [name]: devValue })).toEqual([
        `${name}: must be set in production`,
      ]);
    },
  );

  it('asks the ops console for its own secret only (it holds none of the platform secrets)', () => {
    const consoleOnly = { secrets: CONSOLE_SECRETS };
    const problems = (env: NodeJS.ProcessEnv) => {
      try {
        loadConfig(env, {}, consoleOnly);
      } catch (err) {
        return (err as ConfigError).problems;
      }
      return [];
    };
    expect(problems({ NODE_ENV: 'production', SANDBOX: 'false' })).toEqual([
      'CONSOLE_SESSION_SECRET: must be set in production',
    ]);
    expect(
      problems({ NODE_ENV: 'production', SANDBOX: 'false', CONSOLE_SESSION_SECRET: 'a-real-console-secret' }),
    ).toEqual([]);
    // The platform's processes do not need the console's secret.
    expect(() => loadConfig(PRODUCTION_ENV)).not.toThrow();
  });

  it('refuses SANDBOX=true', () => {
    expect(problemsOf({ ...PRODUCTION_ENV, SANDBOX: 'true' })).toEqual([
      'SANDBOX: must be false in production',
    ]);
  });

  it('development and test accept the development secrets and SANDBOX=true', () => {
    expect(() => loadConfig({ NODE_ENV: 'development', SANDBOX: 'true' })).not.toThrow();
    expect(() => loadConfig({ NODE_ENV: 'test', SANDBOX: 'true' })).not.toThrow();
  });

  // The docstring promises "a ConfigError listing every problem"; zod 4 skips the object-level
  // superRefine (production checks) as soon as any field has an issue, so the dev-secret problems are
  // only reported on the next boot.
  it('lists the production problems together with a field problem', () => {
    const problems = problemsOf({ NODE_ENV: 'production', RATE_LIMIT_MAX: 'abc' });
    expect(problems.some((p) => p.startsWith('RATE_LIMIT_MAX: '))).toBe(true);
    expect(problems).toContain('NPQ_ADMIN_TOKEN: must be set in production');
    expect(problems).toContain('SANDBOX: must be false in production');
  });
});

describe('loadConfig overrides', () => {
  it('take precedence over the environment, with numbers and booleans stringified', () => {
    const config = loadConfig(
      { RATE_LIMIT_MAX: '5', SANDBOX: 'true', GATEWAY_PORT: '1234' },
      { RATE_LIMIT_MAX: 9, SANDBOX: false, NPQ_NAMESPACE: 't_over' },
    );
    expect(config.RATE_LIMIT_MAX).toBe(9);
    expect(config.SANDBOX).toBe(false);
    expect(config.NPQ_NAMESPACE).toBe('t_over');
    expect(config.GATEWAY_PORT).toBe(1234);
  });

  it('are validated like the environment', () => {
    expect(problemsOf({}, { RATE_LIMIT_MAX: 'abc' })[0]).toMatch(/^RATE_LIMIT_MAX: /);
    expect(problemsOf({}, { RATE_LIMIT_MAX: 0 })[0]).toMatch(/^RATE_LIMIT_MAX: /);
  });

  it('can make a production config valid', () => {
    const config = loadConfig(
      { NODE_ENV: 'production' },
      {
        NPQ_ADMIN_TOKEN: 'prod-admin-token-123',
        INTERNAL_API_SECRET: 'prod-internal-secret-123',
        TOKEN_HMAC_SECRET: 'prod-hmac-secret-123',
        DQT_API_KEY: 'k',
        SANDBOX: false,
      },
    );
    expect(config.SANDBOX).toBe(false);
  });

  it('an empty-string override falls back to the default', () => {
    expect(loadConfig({ RATE_LIMIT_MAX: '5' }, { RATE_LIMIT_MAX: '' }).RATE_LIMIT_MAX).toBe(1000);
  });
});

describe('GATEWAY_TRUST_PROXY', () => {
  it.each([
    ['false', false],
    ['true', true],
    ['2', 2],
    ['10.0.0.0/8,127.0.0.1', '10.0.0.0/8,127.0.0.1'],
  ])('%s reads as %p (what Fastify trustProxy takes)', (raw, expected) => {
    expect(loadConfig({ GATEWAY_TRUST_PROXY: raw }).GATEWAY_TRUST_PROXY).toEqual(expected);
  });
});
