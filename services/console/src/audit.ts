import type { FastifyRequest } from 'fastify';

/** What an audited action did to: ids only, never names, emails or TRNs (docs/console.md, "Audit log"). */
export type AuditTarget = Record<string, string | number | undefined>;

/**
 * One structured log line per operator action (docs/console.md, "Audit log"): who (the operator's keyed
 * digest and the session's), what (the action and the ids it touched), when (the line's time), and how it
 * ended. Refusals and failures are audited too, at warn.
 */
export function audit(
  req: FastifyRequest,
  action: string,
  target: AuditTarget,
  outcome: 'done' | 'refused' | 'failed' = 'done',
  detail: { status?: number } = {},
): void {
  const line = {
    audit: true,
    action,
    target,
    outcome,
    operator: req.consoleSession?.operatorId ?? null,
    session: req.consoleSession?.ref ?? null,
    ...detail,
  };
  req.server.consoleContext.actions.inc({ action, outcome });
  if (outcome === 'done') req.log.info(line, 'audit');
  else req.log.warn(line, 'audit');
}
