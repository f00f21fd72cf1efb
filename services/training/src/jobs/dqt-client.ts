/** What DQT answered (status and raw body), or why no answer came. */
export type DqtResult =
  { kind: 'response'; status: number; body: string } | { kind: 'network'; error: string };

export interface DqtPush {
  trn: string;
  /** `YYYY-MM-DD`, or null to retract a pass. */
  completionDate: string | null;
  /** The course short code (NPQH, NPQSL, ...). */
  qualificationType: string;
}

/**
 * DQT's qualifications API: `PUT {base}/v2/npq-qualifications?trn=…` with the bearer key. Never throws for
 * HTTP or network trouble: the caller decides what is retried. Error texts never contain the TRN.
 */
export class DqtClient {
  private readonly baseUrl: string;

  constructor(
    baseUrl: string,
    private readonly apiKey: string,
    private readonly timeoutMs: number,
  ) {
    this.baseUrl = baseUrl.replace(/\/+$/, '');
  }

  async push(p: DqtPush, signal?: AbortSignal): Promise<DqtResult> {
    const timeout = AbortSignal.timeout(this.timeoutMs);
    try {
      const res = await fetch(`${this.baseUrl}/v2/npq-qualifications?trn=${encodeURIComponent(p.trn)}`, {
        method: 'PUT',
        headers: {
          authorization: `Bearer ${this.apiKey}`,
          'content-type': 'application/json',
          accept: 'application/json',
        },
        body: JSON.stringify({ completionDate: p.completionDate, qualificationType: p.qualificationType }),
        // A redirect is an answer to record, not a reason to send the TRN somewhere else.
        redirect: 'manual',
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      });
      return { kind: 'response', status: res.status, body: await res.text() };
    } catch (err) {
      if (timeout.aborted) return { kind: 'network', error: `timed out after ${this.timeoutMs} ms` };
      if (signal?.aborted) return { kind: 'network', error: 'the worker stopped before DQT answered' };
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      return {
        kind: 'network',
        error: cause?.code ?? cause?.message ?? (err instanceof Error ? err.message : String(err)),
      };
    }
  }
}

/**
 * A short excerpt of a DQT response or error for ops, without personal data: TRN-like digit runs and
 * email addresses are masked, whitespace is collapsed and the text is cut to `max` characters.
 */
export function redactExcerpt(text: string, max = 200): string {
  const masked = text
    .replace(/[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g, '[email]')
    .replace(/\d{6,}/g, '[number]')
    .replace(/\s+/g, ' ')
    .trim();
  return masked.length > max ? `${masked.slice(0, max - 1)}…` : masked;
}
