import pino from 'pino';
import { loggerOptions, type Logger } from '@npq/service-kit';

/**
 * The kit's logger (redaction, serializers) with one difference: request URLs are logged without their
 * query string, which on the console can hold a search term (an email or a TRN; docs/console.md, "Audit
 * log").
 */
export function consoleLoggerOptions(level: string): pino.LoggerOptions {
  const options = loggerOptions('console', level);
  return {
    ...options,
    serializers: {
      ...options.serializers,
      req: (req: { id?: string; method?: string; url?: string }) => ({
        id: req.id,
        method: req.method,
        url: req.url ? stripQuery(req.url) : undefined,
      }),
    },
  };
}

export function stripQuery(url: string): string {
  const at = url.indexOf('?');
  return at < 0 ? url : `${url.slice(0, at)}?[query]`;
}

export function createConsoleLogger(level: string): Logger {
  return pino(consoleLoggerOptions(level));
}
