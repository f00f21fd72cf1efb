import pino, { type Logger, type LoggerOptions } from 'pino';

export type { Logger };

/**
 * Paths that may carry personal data or secrets. Logs and job payloads carry ids only; these paths are
 * censored in case an object slips through.
 */
const REDACT = [
  'req.headers.authorization',
  'req.headers["x-npq-internal-secret"]',
  'headers.authorization',
  'headers["x-npq-internal-secret"]',
  '*.headers.authorization',
  '*.headers["x-npq-internal-secret"]',
  '*.email',
  '*.full_name',
  '*.fullName',
  '*.trn',
  '*.teacher_reference_number',
  '*.token',
  'email',
  'full_name',
  'fullName',
  'trn',
  'token',
];

/**
 * TRNs appear in the teacher-record-service path, and a TRN or an email in the admin participant search's
 * `q` (the ops console's search, docs/console.md); everything else in our URLs is an id.
 */
export function scrubUrl(url: string): string {
  return url
    .replace(/(\/qualifications\/)[^/?#]+/, '$1[redacted]')
    .replace(/([?&]q=)[^&#]*/g, '$1[redacted]');
}

export function loggerOptions(service: string, level: string): LoggerOptions {
  return {
    level,
    base: { service },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: REDACT, censor: '[redacted]' },
    serializers: {
      req: (req: { id?: string; method?: string; url?: string }) => ({
        id: req.id,
        method: req.method,
        url: req.url ? scrubUrl(req.url) : undefined,
      }),
      res: (res: { statusCode?: number }) => ({ statusCode: res.statusCode }),
      err: pino.stdSerializers.err,
    },
  };
}

export function createLogger(service: string, level: string): Logger {
  return pino(loggerOptions(service, level));
}
