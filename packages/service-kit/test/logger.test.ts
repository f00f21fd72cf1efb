import pino from 'pino';
import { createLogger, loggerOptions, scrubUrl } from '../src/logger';

/** A pino logger built from the kit's options, writing JSON lines into an array. */
function capture(level = 'info'): { logger: pino.Logger; lines: () => Record<string, any>[] } {
  const chunks: string[] = [];
  const stream = { write: (chunk: string) => void chunks.push(chunk) };
  const logger = pino(loggerOptions('kit-test', level), stream);
  return {
    logger,
    lines: () =>
      chunks
        .join('')
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => JSON.parse(l) as Record<string, any>),
  };
}

const TRN = '1234567';
const EMAIL = 'jane.doe@example.com';
const NAME = 'Jane Doe';

describe('loggerOptions', () => {
  it('writes JSON lines with the service, level, ISO time and message', () => {
    const { logger, lines } = capture();
    logger.info({ participant_id: 'p-1' }, 'hello');
    const [line] = lines();
    expect(line).toMatchObject({ level: 30, service: 'kit-test', msg: 'hello', participant_id: 'p-1' });
    expect(line!.time).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    expect(line!.pid).toBeUndefined();
    expect(line!.hostname).toBeUndefined();
  });

  it('honours the level', () => {
    const { logger, lines } = capture('warn');
    logger.info('dropped');
    logger.warn('kept');
    expect(lines().map((l): unknown => l.msg)).toEqual(['kept']);
  });

  it('censors personal data at the top level', () => {
    const { logger, lines } = capture();
    logger.info(
      {
        email: EMAIL,
        full_name: NAME,
        fullName: NAME,
        trn: TRN,
        token: 'secret-token',
        participant_id: 'p-1',
      },
      'person',
    );
    const line = lines()[0]!;
    expect(line).toMatchObject({
      email: '[redacted]',
      full_name: '[redacted]',
      fullName: '[redacted]',
      trn: '[redacted]',
      token: '[redacted]',
      participant_id: 'p-1',
    });
  });

  it('censors personal data one level down', () => {
    const { logger, lines } = capture();
    logger.info(
      {
        person: {
          email: EMAIL,
          full_name: NAME,
          fullName: NAME,
          trn: TRN,
          teacher_reference_number: TRN,
          token: 't',
          id: 'p-1',
        },
        application: { email: EMAIL, id: 'a-1' },
      },
      'nested',
    );
    const line = lines()[0]!;
    expect(line.person).toEqual({
      email: '[redacted]',
      full_name: '[redacted]',
      fullName: '[redacted]',
      trn: '[redacted]',
      teacher_reference_number: '[redacted]',
      token: '[redacted]',
      id: 'p-1',
    });
    expect(line.application).toEqual({ email: '[redacted]', id: 'a-1' });
  });

  it('censors an authorization header', () => {
    const { logger, lines } = capture();
    logger.info({ headers: { authorization: 'Bearer abc123', 'x-request-id': 'r-1' } }, 'outgoing');
    expect(lines()[0]!.headers).toEqual({ authorization: '[redacted]', 'x-request-id': 'r-1' });
  });

  it('never writes personal data or secrets anywhere in the line', () => {
    const { logger, lines } = capture();
    logger.warn(
      { email: EMAIL, person: { full_name: NAME, trn: TRN }, headers: { authorization: 'Bearer abc123' } },
      'mixed',
    );
    const raw = JSON.stringify(lines());
    for (const secret of [EMAIL, NAME, TRN, 'abc123']) expect(raw).not.toContain(secret);
  });

  it('serialises a request as id, method and scrubbed url only (no headers)', () => {
    const { logger, lines } = capture();
    logger.info(
      {
        req: {
          id: 'r-1',
          method: 'GET',
          url: `/api/teacher-record-service/v1/qualifications/${TRN}`,
          headers: { authorization: 'Bearer abc123', 'x-npq-internal-secret': 'internal' },
        },
        res: { statusCode: 200, headers: { 'set-cookie': 'x' } },
      },
      'request completed',
    );
    const line = lines()[0]!;
    expect(line.req).toEqual({
      id: 'r-1',
      method: 'GET',
      url: '/api/teacher-record-service/v1/qualifications/[redacted]',
    });
    expect(line.res).toEqual({ statusCode: 200 });
    expect(JSON.stringify(line)).not.toContain('abc123');
    expect(JSON.stringify(line)).not.toContain('internal');
  });

  it('serialises errors with type, message and stack', () => {
    const { logger, lines } = capture();
    logger.error({ err: new TypeError('boom') }, 'failed');
    expect(lines()[0]!.err).toMatchObject({ type: 'TypeError', message: 'boom' });
    expect(lines()[0]!.err.stack).toContain('TypeError: boom');
  });

  // The list censors `headers.authorization` and `req.headers["x-npq-internal-secret"]`, but not the internal
  // secret in a plain `headers` object (e.g. the gateway logging the headers it forwards to a service), so the
  // credential that guards every service would be written to the logs.
  it('censors the internal secret in a headers object, as it does authorization', () => {
    const { logger, lines } = capture();
    logger.info({ headers: { 'x-npq-internal-secret': 'internal-secret-value' } }, 'proxying');
    expect(JSON.stringify(lines())).not.toContain('internal-secret-value');
  });
});

describe('scrubUrl', () => {
  it('hides the TRN in the teacher-record-service path', () => {
    expect(scrubUrl(`/api/teacher-record-service/v1/qualifications/${TRN}`)).toBe(
      '/api/teacher-record-service/v1/qualifications/[redacted]',
    );
  });

  it('keeps the query string and fragment', () => {
    expect(scrubUrl(`/api/teacher-record-service/v1/qualifications/${TRN}?x=1`)).toBe(
      '/api/teacher-record-service/v1/qualifications/[redacted]?x=1',
    );
    expect(scrubUrl(`/api/teacher-record-service/v1/qualifications/${TRN}#a`)).toBe(
      '/api/teacher-record-service/v1/qualifications/[redacted]#a',
    );
  });

  it("hides the admin participant search's term (an email or a TRN)", () => {
    expect(scrubUrl('/admin/v1/participants?q=someone%40example.com&page[page]=2')).toBe(
      '/admin/v1/participants?q=[redacted]&page[page]=2',
    );
    expect(scrubUrl(`/admin/v1/participants?page[page]=1&q=${TRN}`)).toBe(
      '/admin/v1/participants?page[page]=1&q=[redacted]',
    );
  });

  it('leaves other URLs alone', () => {
    for (const url of [
      '/api/v3/participants/npq/1b9f0e44-5c1a-4d6a-8e0f-3b2c1d4e5f60',
      '/api/v3/statements?filter[cohort]=2023',
      '/health/live',
      '/api/teacher-record-service/v1/qualifications',
    ]) {
      expect(scrubUrl(url)).toBe(url);
    }
  });
});

describe('createLogger', () => {
  it('creates a pino logger at the given level', () => {
    const logger = createLogger('kit-test', 'silent');
    expect(logger.level).toBe('silent');
    expect(createLogger('kit-test', 'debug').isLevelEnabled('debug')).toBe(true);
  });
});
