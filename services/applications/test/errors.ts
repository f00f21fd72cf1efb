import { ApiError, type ErrorItem } from '@npq/service-kit';

/** The 422 items `fn` throws (fails the test if it throws anything else, or nothing). */
export function errorsOf(fn: () => unknown): ErrorItem[] {
  try {
    fn();
  } catch (err) {
    if (err instanceof ApiError && err.statusCode === 422 && 'errors' in err.body) return err.body.errors;
    throw err;
  }
  throw new Error('expected a 422');
}

/** The 422 items as `title: detail` lines, in order. */
export function linesOf(fn: () => unknown): string[] {
  return errorsOf(fn).map((e) => `${e.title}: ${e.detail}`);
}
